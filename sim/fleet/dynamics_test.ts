import assert from "node:assert/strict";
import { FleetDynamics, TransferMode } from "./dynamics.ts";
import { EventStatus } from "./events.ts";
import type { SatelliteLayout, SensorLayout } from "./layout.ts";
import { FleetParams } from "./params.ts";
import { builtinScenario } from "./scenario.ts";
import type { SatelliteClassDef } from "./schema.ts";
import type { FleetVisibility } from "./visibility.ts";
import { buildFleetWorld } from "./world.ts";

const S = 1_000_000;

/** The dynamics of leo-wildfire with hand-set slots instead of the visibility queries. */
function setup(maxSteps = 10) {
  const scenario = builtinScenario("leo-wildfire");
  const world = buildFleetWorld(scenario);
  const p = new FleetParams(world, scenario, maxSteps);
  const dyn = new FleetDynamics(world, p, scenario.task);
  const vis = {
    eventSlots: new Int32Array(p.nSat * p.maxKE).fill(-1),
    neighbourSlots: new Int32Array(p.nSat * p.maxKN).fill(-1),
  } as unknown as FleetVisibility;
  const actions = world.classes.map((c) => new Int32Array(c.count));
  dyn.reset(1);
  dyn.setDeciding(0);
  // Satellites 0 and 1 are cubesats of class 0 (agent slots 0 and 1).
  assert.equal(world.satelliteClass[0], 0);
  assert.equal(world.satelliteClass[1], 0);
  const layout = world.classes[0].layout as SatelliteLayout;
  const def = world.classes[0].def as SatelliteClassDef;
  /** One epoch [t0, tEnd) with satellite 0 choosing `a` and every other node idling. */
  const epoch = (a: number, t0: number, tEnd: number) => {
    for (const acts of actions) acts.fill(0);
    actions[0][0] = a;
    dyn.act(actions, vis, t0, tEnd);
    dyn.runUntil(tEnd);
    assert.equal(dyn.audit(), "", `audit after action ${a} at ${t0}`);
  };
  return { world, p, dyn, vis, actions, layout, def, epoch };
}

Deno.test("dynamics: image, then downlink delivers at the completion time and charges the transmitter", () => {
  const { p, dyn, vis, layout, def, epoch } = setup();
  const e = dyn.inject(0, 7, 3600 * S, 6371, 0, 0, true);
  vis.eventSlots[0] = e;
  const b0 = dyn.satBattery[0];
  epoch(layout.image, 0, 30 * S);
  assert.equal(dyn.events.status[e], EventStatus.Stored);
  assert.equal(dyn.events.holder[e], 0);
  assert.equal(dyn.storeCount[0], 1);
  assert.equal(dyn.satUsedMB[0], def.payload.imageSizeMB);
  assert.equal(dyn.imaged, 1);
  assert.ok(Math.abs(b0 - dyn.satBattery[0] - p.satInferJ[0] - p.satImgJ[0]) < 1e-9);

  epoch(layout.downlink, 30 * S, 60 * S);
  assert.equal(dyn.events.status[e], EventStatus.Delivered);
  assert.equal(dyn.events.valueDelivered, 7);
  assert.equal(dyn.satUsedMB[0], 0);
  assert.equal(dyn.xferEvent[0], -1);
  const seconds = def.payload.imageSizeMB / (def.radio.downlinkMbps / 8);
  // Every node decides at this step and pays its wake energy.
  let wake = 0;
  for (const j of p.satInferJ) wake += j;
  for (const j of p.senInferJ) wake += j;
  const want = def.radio.downlinkPowerW * seconds + wake;
  assert.ok(Math.abs(dyn.stepEnergyJ - want) < 1e-6, `${dyn.stepEnergyJ} J, want ${want} J`);
});

Deno.test("dynamics: a relay paused at the epoch's end resumes when repeated; a changed action aborts it", () => {
  const { dyn, vis, layout, def, epoch } = setup();
  const e = dyn.inject(0, 3, 3600 * S, 6371, 0, 0, true);
  vis.eventSlots[0] = e;
  vis.neighbourSlots[0] = 1;
  epoch(layout.image, 0, 30 * S);
  const size = def.payload.imageSizeMB, rate = def.radio.islMbps / 8;
  // A 10 s window: the image is not through.
  epoch(layout.relay, 30 * S, 40 * S);
  assert.equal(dyn.xferMode[0], TransferMode.relay);
  assert.equal(dyn.xferEvent[0], e);
  assert.ok(Math.abs(dyn.xferDoneMB[0] - rate * 10) < 1e-9);
  assert.equal(dyn.satUsedMB[1], size, "reserved at the target");
  // Repeated: finishes after the remaining (size - 10 rate) / rate seconds.
  epoch(layout.relay, 40 * S, 70 * S);
  assert.equal(dyn.events.holder[e], 1);
  assert.equal(dyn.storeCount[1], 1);
  assert.equal(dyn.storeCount[0], 0);
  assert.equal(dyn.satUsedMB[0], 0);
  assert.equal(dyn.relayed, 1);

  // Satellite 1 now holds it; a second image on satellite 0 starts relaying, then idles: aborted.
  const f = dyn.inject(70 * S, 2, 3600 * S, 6371, 0, 0, true);
  vis.eventSlots[0] = f;
  epoch(layout.image, 70 * S, 100 * S);
  epoch(layout.relay, 100 * S, 105 * S);
  assert.ok(dyn.xferDoneMB[0] > 0);
  epoch(layout.idle, 105 * S, 135 * S);
  assert.equal(dyn.xferEvent[0], -1);
  assert.equal(dyn.xferDoneMB[0], 0);
  assert.equal(dyn.satUsedMB[1], size, "the reservation for the aborted image is released");
  assert.equal(dyn.events.status[f], EventStatus.Stored);
});

Deno.test("dynamics: an image on board expires at its deadline and frees the storage", () => {
  const { dyn, vis, layout, epoch } = setup();
  const e = dyn.inject(0, 4, 40 * S, 6371, 0, 0, true);
  vis.eventSlots[0] = e;
  epoch(layout.image, 0, 30 * S);
  assert.equal(dyn.events.status[e], EventStatus.Stored);
  epoch(layout.idle, 30 * S, 60 * S);
  assert.equal(dyn.events.status[e], EventStatus.Expired);
  assert.equal(dyn.events.valueExpired, 4);
  assert.equal(dyn.storeCount[0], 0);
  assert.equal(dyn.satUsedMB[0], 0);
});

Deno.test("dynamics: an image action on a taken event is a conflict, not a second image", () => {
  const { p, dyn, vis, actions, layout } = setup();
  const e = dyn.inject(0, 1, 3600 * S, 6371, 0, 0, true);
  vis.eventSlots[0] = e; // satellite 0, slot 0
  vis.eventSlots[p.maxKE] = e; // satellite 1, slot 0
  actions[0][0] = layout.image;
  actions[0][1] = layout.image;
  dyn.act(actions, vis, 0, 30 * 1e6);
  assert.equal(dyn.conflicts, 1);
  assert.equal(dyn.events.holder[e], 0);
});

Deno.test("dynamics: sensors act by their named slots (sense detects, alert alerts)", () => {
  const { world, dyn, vis, actions } = setup(240);
  // Let arrivals happen while everyone sleeps.
  for (const acts of actions) acts.fill(0);
  dyn.act(actions, vis, 0, 3600 * S);
  dyn.runUntil(3600 * S);
  assert.ok(dyn.events.arrived > 0);
  let s = 0;
  while (s < world.sensorCount && dyn.events.undetectedAt[s] === 0) s++;
  assert.ok(s < world.sensorCount, "some sensor has an undetected event after an hour");
  const c = world.sensorClass[s], q = world.sensorSlot[s];
  const layout = world.classes[c].layout as SensorLayout;
  const n = dyn.events.undetectedAt[s];
  actions[c][q] = layout.sense;
  dyn.act(actions, vis, 3600 * S, 3630 * S);
  assert.equal(dyn.events.detectedAt[s], n);
  assert.equal(dyn.detections, n);
  assert.equal(dyn.senLastSensedUs[s], 3600 * S);
  actions[c][q] = layout.alert;
  dyn.act(actions, vis, 3630 * S, 3660 * S);
  assert.equal(dyn.events.detectedAt[s], 0);
  assert.equal(dyn.alerts, n);
  assert.equal(dyn.audit(), "");
});

Deno.test("dynamics: power integrates solar and harvest over the epoch, clipped to capacity", () => {
  const { p, dyn } = setup();
  const sunlit = new Float64Array(p.nSat).fill(1);
  const harvest = new Float64Array(p.nSen).fill(1);
  const b0 = dyn.satBattery[0], s0 = dyn.senBattery[0];
  dyn.integratePower(30, sunlit, harvest);
  const want = Math.min(p.satCapJ[0], b0 + (p.satSolarW[0] - p.satBaseW[0]) * 30);
  assert.ok(Math.abs(dyn.satBattery[0] - want) < 1e-9);
  const wantS = Math.min(p.senCapJ[0], s0 + (p.senHarvestW[0] - p.senSleepW[0]) * 30);
  assert.ok(Math.abs(dyn.senBattery[0] - wantS) < 1e-9);
  for (let k = 0; k < 1000; k++) dyn.integratePower(30, sunlit, harvest);
  assert.equal(dyn.satBattery[0], p.satCapJ[0]);
  dyn.integratePower(1e9, sunlit.fill(0), harvest.fill(0));
  assert.equal(dyn.satBattery[0], 0);
  assert.equal(dyn.senBattery[0], 0);
});

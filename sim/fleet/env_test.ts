import assert from "node:assert/strict";
import leo from "../../scenarios/leo-wildfire.json" with { type: "json" };
import { checkConformance } from "../env/conformance.ts";
import type { StepResult } from "../env/types.ts";
import { VectorEnv } from "../env/vector.ts";
import { Rng } from "../rng.ts";
import { FleetEnv } from "./env.ts";
import { EventStatus } from "./events.ts";
import { greedyFleetActions, GreedyFleetController } from "./greedy.ts";
import { fleetEnvEntries } from "./mod.ts";
import { randomLegalActions } from "./random.ts";
import { parseScenario } from "./scenario.ts";
import { geodeticToEcf } from "../orbit/mod.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

function zeroActions(env: FleetEnv): Int32Array[] {
  return env.classes.map((c) => new Int32Array(c.count));
}

/** Plays one episode with random legal actions; returns a byte trace of everything the env wrote. */
function trace(env: FleetEnv, seed: number): Uint8Array[] {
  const rng = new Rng(seed, "trace");
  const acts = zeroActions(env);
  const out: Uint8Array[] = [];
  const state = new Float32Array(env.stateSize);
  const record = (r: StepResult) => {
    for (const b of r.classes) {
      out.push(
        new Uint8Array(b.obs.slice().buffer),
        b.actionMask.slice(),
        new Uint8Array(b.rewards.slice().buffer),
      );
    }
    out.push(new Uint8Array(env.state(state).slice().buffer));
    out.push(new TextEncoder().encode(JSON.stringify(r.infos)));
  };
  let r = env.reset(seed);
  record(r);
  while (!r.done) {
    randomLegalActions(env, r, rng, acts);
    r = env.step(acts);
    record(r);
  }
  return out;
}

Deno.test("determinism: same seed, same trajectory bit for bit; other seeds differ", () => {
  const a = new FleetEnv({ scenario: "leo-wildfire" });
  const b = new FleetEnv({ scenario: "leo-wildfire" });
  const ta = trace(a, 11);
  const tb = trace(b, 11);
  assert.equal(ta.length, tb.length);
  for (let k = 0; k < ta.length; k++) assert.deepEqual(ta[k], tb[k], `record ${k}`);
  // The same instance replays it after other episodes.
  trace(a, 12);
  const again = trace(a, 11);
  for (let k = 0; k < ta.length; k++) assert.deepEqual(again[k], ta[k], `replay record ${k}`);
  const other = trace(b, 12);
  assert.notDeepEqual(other.slice(0, 10), ta.slice(0, 10));
});

Deno.test("conformance: leo-wildfire and iot-edge-fleet", () => {
  checkConformance(() => new FleetEnv({ scenario: "leo-wildfire" }), { episodes: 2 });
  checkConformance(() => new FleetEnv({ scenario: "iot-edge-fleet", maxSteps: 60 }), {
    episodes: 2,
  });
});

Deno.test("conformance: mega-shell (a few steps)", () => {
  checkConformance(() => fleetEnvEntries[2].make({ maxSteps: 4 }), { episodes: 2 });
});

Deno.test("conservation: batteries and storage stay in range, every event is counted once", () => {
  for (const [scenario, episodes] of [["leo-wildfire", 4], ["iot-edge-fleet", 1]] as const) {
    const env = new FleetEnv({ scenario });
    const acts = zeroActions(env);
    let stored = 0, relayed = 0, delivered = 0;
    for (let ep = 0; ep < episodes; ep++) {
      const rng = new Rng(ep, "conservation");
      let r = env.reset(100 + ep);
      while (!r.done) {
        if (ep % 2 === 0) randomLegalActions(env, r, rng, acts);
        else greedyFleetActions(env, r, acts);
        r = env.step(acts);
        assert.equal(env.audit(), "", `${scenario} step ${r.infos.step}`);
        const i = r.infos;
        assert.equal(i.arrived, i.delivered + i.expired + i.pending);
        assert.equal(i.pending, i.undetected + i.detected + i.alerted + i.onBoard);
        const snap = env.snapshot();
        for (const b of snap.satellites.battery) assert.ok(b >= 0 && b <= 1);
        for (const b of snap.sensors.battery) assert.ok(b >= 0 && b <= 1);
        for (const s of snap.satellites.storageUsed) assert.ok(s >= 0 && s <= 1 + 1e-12);
        stored += snap.satellites.storedImages.reduce((x, y) => x + y, 0);
      }
      relayed += r.infos.relayed;
      delivered += r.infos.delivered;
      // Each event has exactly one status and the counters add up.
      const ev = env.events;
      let d = 0, x = 0, p = 0;
      for (let e = 0; e < ev.count; e++) {
        if (ev.status[e] === EventStatus.Delivered) d++;
        else if (ev.status[e] === EventStatus.Expired) x++;
        else p++;
      }
      assert.deepEqual([d, x, p], [r.infos.delivered, r.infos.expired, r.infos.pending]);
    }
    // The paths the checks guard were exercised.
    assert.ok(
      stored > 0 && relayed > 0 && delivered > 0,
      `${scenario}: ${stored} ${relayed} ${delivered}`,
    );
  }
});

Deno.test("partiality: an agent's observation ignores events outside its range", () => {
  const env = new FleetEnv({ scenario: "leo-wildfire" });
  const sat = env.classes[0];
  const sensorClass = env.classes.findIndex((c) => c.kind === "sensor");
  const i = 0;
  const first = env.reset(5);
  const snap = env.snapshot();
  const lat = snap.satellites.latDeg[i], lon = snap.satellites.lonDeg[i];
  /** Satellite i's and every sensor's observations over 10 idle steps, with an optional injected event. */
  const run = (where?: [number, number]) => {
    const r = env.reset(5);
    if (where) env.injectEvent({ latDeg: where[0], lonDeg: where[1] });
    const seen: Float32Array[] = [];
    const acts = zeroActions(env);
    for (let k = 0; k < 10; k++) {
      seen.push(r.classes[0].obs.slice(i * sat.obsSize, (i + 1) * sat.obsSize));
      seen.push(r.classes[sensorClass].obs.slice());
      env.step(acts);
    }
    return seen;
  };
  assert.equal(first, env.reset(5));
  const plain = run();
  const antipode: [number, number] = [-lat, lon > 0 ? lon - 180 : lon + 180];
  assert.deepEqual(
    run(antipode),
    plain,
    "an event on the other side of the Earth changed the observation",
  );
  // Right below the satellite: its observation changes, so the check above can fail.
  const near = run([lat, lon]);
  assert.notDeepEqual(near[0], plain[0]);
  // Sensors observe only their own sensing: an alerted event elsewhere leaves them as they were.
  for (let k = 1; k < near.length; k += 2) assert.deepEqual(near[k], plain[k]);
});

Deno.test("random streams: adding sensors does not change the other sensors' arrivals", () => {
  const base: Json = structuredClone(leo);
  const more: Json = structuredClone(leo);
  more.sensors.list.unshift({
    name: "extra-front",
    class: "gateway-sensor",
    latDeg: 37,
    lonDeg: -122,
  });
  more.sensors.list.push({ name: "extra-back", class: "mcu-sensor", latDeg: 38, lonDeg: -121 });
  const arrivals = (data: Json) => {
    const env = new FleetEnv({ scenario: parseScenario(data, "test.json") });
    env.reset(9);
    const acts = zeroActions(env);
    for (let k = 0; k < env.maxSteps; k++) env.step(acts);
    const ev = env.events;
    const rows: string[] = [];
    for (let e = 0; e < ev.count; e++) {
      rows.push(
        `${env.world.sensorNames[ev.sensor[e]]} ${ev.arrivalUs[e]} ${ev.value[e]} ${
          ev.deadlineUs[e]
        }`,
      );
    }
    return rows;
  };
  const a = arrivals(base);
  const b = arrivals(more).filter((row) => !row.startsWith("extra-"));
  assert.ok(a.length > 20);
  assert.deepEqual(b, a);
  assert.ok(
    arrivals(more).some((row) => row.startsWith("extra-")),
    "the new sensors have arrivals",
  );
});

Deno.test("greedy beats random on leo-wildfire (mean of 20 fixed-seed episodes)", () => {
  const env = new FleetEnv({ scenario: "leo-wildfire" });
  const acts = zeroActions(env);
  const mean = (policy: "greedy" | "random") => {
    let total = 0;
    for (let seed = 0; seed < 20; seed++) {
      const rng = new Rng(seed, "policy");
      let r = env.reset(seed);
      while (!r.done) {
        if (policy === "greedy") greedyFleetActions(env, r, acts);
        else randomLegalActions(env, r, rng, acts);
        r = env.step(acts);
        total += r.classes[0].rewards[0];
      }
    }
    return total / 20;
  };
  const greedy = mean("greedy");
  const random = mean("random");
  assert.ok(greedy > random + 1, `greedy ${greedy.toFixed(3)} vs random ${random.toFixed(3)}`);
  assert.ok(greedy > 0, `greedy ${greedy}`);
});

Deno.test("team reward: every agent gets the same reward, zero after reset", () => {
  const env = new FleetEnv({ scenario: "leo-wildfire" });
  let r = env.reset(3);
  for (const b of r.classes) assert.ok(b.rewards.every((x) => x === 0));
  const acts = zeroActions(env);
  let nonzero = 0;
  while (!r.done) {
    greedyFleetActions(env, r, acts);
    r = env.step(acts);
    const x = r.classes[0].rewards[0];
    if (x !== 0) nonzero++;
    for (const b of r.classes) assert.ok(b.rewards.every((y) => y === x));
  }
  assert.ok(nonzero > 0);
});

Deno.test("vectorised: FleetEnv copies auto-reset in VectorEnv", () => {
  const venv = new VectorEnv(
    Array.from({ length: 3 }, () => new FleetEnv({ scenario: "leo-wildfire", maxSteps: 4 })),
  );
  venv.reset(1);
  const acts = venv.classes.map((c) => new Int32Array(venv.numEnvs * c.count));
  for (let k = 0; k < 9; k++) venv.step(acts);
  assert.equal(venv.completed.length, 6);
  assert.ok(venv.completed.every((e) => e.length === 4 && e.truncated));
});

Deno.test("snapshot, options and registry entries", () => {
  const env = new FleetEnv({ scenario: "leo-wildfire", maxSteps: 7, id: "fleet/custom" });
  assert.equal(env.id, "fleet/custom");
  assert.equal(env.decisionPeriodMs, 30_000);
  assert.deepEqual(
    env.budgets.map((b) => b.deadlineMs),
    env.classes.map((c) => c.def.budget.deadlineShare * 30_000),
  );
  assert.equal(env.maxSteps, 7);
  env.reset(2);
  const snap = env.snapshot();
  assert.equal(snap.satellites.id.length, 16);
  assert.equal(snap.sensors.id.length, 24);
  assert.equal(snap.stations.name.length, 3);
  assert.ok(snap.satellites.latDeg.every((x) => Math.abs(x) <= 46));
  assert.ok(snap.satellites.altKm.every((x) => x > 700 && x < 800));
  assert.ok(Object.values(snap.infos).every((x) => typeof x === "number"));
  const id = env.injectEvent({ latDeg: 10, lonDeg: 20, value: 3, status: "undetected" });
  assert.equal(env.snapshot().events.statusName[id], "undetected");
  assert.throws(
    () => new FleetEnv({ scenario: "leo-wildfire", maxStep: 3 } as never),
    /unknown option "maxStep"/,
  );
  assert.throws(() => new FleetEnv({ maxSteps: 0 }), /"maxSteps" must be an integer >= 1, got 0/);
  assert.throws(
    () => fleetEnvEntries[0].make({ scenario: "mega-shell" }),
    /fixed to "leo-wildfire"/,
  );
  assert.deepEqual(fleetEnvEntries.map((e) => e.id), [
    "fleet/leo-wildfire",
    "fleet/iot-edge-fleet",
    "fleet/mega-shell",
  ]);
  assert.throws(() => env.state(new Float32Array(3)), /need 418/);
  const toy = { classes: [{ name: "agent", count: 1, obsSize: 2, numActions: 2 }] };
  assert.throws(() => new GreedyFleetController(toy), /needs a fleet environment/);
  assert.equal(new GreedyFleetController(env).name, "greedy");
});

Deno.test("the spatial index gives the same trajectory as all-pairs scans", () => {
  for (const [scenario, steps] of [["iot-edge-fleet", 40], ["mega-shell", 2]] as const) {
    const grid = new FleetEnv({ scenario, maxSteps: steps });
    const scan = new FleetEnv({ scenario, maxSteps: steps, spatialIndex: "all-pairs" });
    const ta = trace(grid, 4);
    const tb = trace(scan, 4);
    assert.equal(ta.length, tb.length);
    for (let k = 0; k < ta.length; k++) assert.deepEqual(ta[k], tb[k], `${scenario} record ${k}`);
  }
});

Deno.test("per-class decision periods: off-period agents may only idle", () => {
  const data: Json = structuredClone(leo);
  const slow = structuredClone(parseScenario(data, "x.json").classes["mcu-sensor"]) as Json;
  slow.decisionPeriodSteps = 3;
  data.nodeClasses = { "slow-sensor": slow };
  data.sensors.list.push({ name: "slow", class: "slow-sensor", latDeg: 38, lonDeg: -121 });
  const env = new FleetEnv({ scenario: parseScenario(data, "x.json") });
  const c = env.classes.findIndex((k) => k.name === "slow-sensor");
  let r = env.reset(1);
  const acts = zeroActions(env);
  let onPeriodSense = 0;
  for (let k = 0; k < 9; k++) {
    const legal = [...r.classes[c].actionMask];
    if (k % 3 === 0) onPeriodSense += legal[1];
    else assert.deepEqual(legal, [1, 0, 0], `step ${k}`);
    assert.equal(r.classes[c].obs.length, env.classes[c].obsSize);
    r = env.step(acts);
  }
  assert.ok(onPeriodSense > 0, "sensing is legal on decision steps");
});

Deno.test("the shared ephemeris table gives the same trajectory as propagating every step", () => {
  const cached = new FleetEnv({ scenario: "leo-wildfire", maxSteps: 40 });
  const live = new FleetEnv({ scenario: "leo-wildfire", maxSteps: 40, ephemerisCache: "never" });
  assert.ok(cached.memoryBytes().sharedEphemeris > 0);
  assert.equal(live.memoryBytes().sharedEphemeris, 0);
  const ta = trace(cached, 21);
  const tb = trace(live, 21);
  for (let k = 0; k < ta.length; k++) assert.deepEqual(ta[k], tb[k], `record ${k}`);
});

Deno.test("sensor views match a direct elevation computation", () => {
  const env = new FleetEnv({ scenario: "iot-edge-fleet", maxSteps: 30 });
  env.reset(8);
  const w = env.world;
  const acts = zeroActions(env);
  let seen = 0;
  for (let k = 0; k < 30; k++) {
    const snap = env.snapshot();
    const sats = snap.satellites.latDeg.map((lat, i) =>
      geodeticToEcf(lat, snap.satellites.lonDeg[i], snap.satellites.altKm[i])
    );
    for (let s = 0; s < w.sensorCount; s++) {
      const cls = env.classes[w.sensorClass[s]];
      const minEl = (cls.def as { radio: { minElevationDeg: number } }).radio.minElevationDeg;
      const p = w.sensorPos.subarray(3 * s, 3 * s + 3), up = w.sensorUp.subarray(3 * s, 3 * s + 3);
      let visible = 0;
      for (const q of sats) {
        const d = [q.x - p[0], q.y - p[1], q.z - p[2]];
        const sinEl = (d[0] * up[0] + d[1] * up[1] + d[2] * up[2]) / Math.hypot(d[0], d[1], d[2]);
        if (sinEl >= Math.sin(minEl * Math.PI / 180)) visible++;
      }
      assert.equal(
        snap.sensors.satellitesVisible[s],
        visible,
        `step ${k} sensor ${w.sensorNames[s]}`,
      );
      seen += visible;
    }
    env.step(acts);
  }
  assert.ok(seen > 0);
});

Deno.test("memoryBytes counts the typed arrays the parts hold now, grown ones at their new size", () => {
  const env = new FleetEnv({ scenario: "leo-wildfire", maxSteps: 20 });
  env.reset(1);
  const before = env.memoryBytes().env;
  let floor = 0;
  for (const c of env.classes) floor += c.count * (c.obsSize * 4 + c.numActions + 12);
  const ev = env.events;
  const eventBytes = () =>
    ev.status.byteLength + ev.sensor.byteLength + ev.pos.byteLength + ev.unit.byteLength +
    ev.arrivalUs.byteLength + ev.deadlineUs.byteLength + ev.value.byteLength +
    ev.holder.byteLength + ev.sizeMB.byteLength + ev.nextOfSensor.byteLength;
  const events0 = eventBytes();
  assert.ok(before > floor + events0, `${before} bytes cover the class buffers and the events`);
  const capacity = ev.capacity;
  for (let k = 0; k < capacity + 1; k++) {
    env.injectEvent({ latDeg: 37, lonDeg: -120, deadlineS: 1e5 });
  }
  assert.ok(env.events.capacity > capacity, "the event table grew");
  const grown = eventBytes() - events0;
  // The table's arrays, the expiry ids (8 bytes per event) and the scratch ids of alerted events.
  assert.ok(env.memoryBytes().env - before >= grown + 8 * (env.events.capacity - capacity));
});

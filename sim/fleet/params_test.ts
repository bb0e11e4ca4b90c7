import assert from "node:assert/strict";
import { FleetParams } from "./params.ts";
import { builtinScenario } from "./scenario.ts";
import type { SatelliteClassDef, SensorClassDef } from "./schema.ts";
import { buildFleetWorld } from "./world.ts";

Deno.test("params: per-node arrays carry each node's class figures in the dynamics' units", () => {
  const scenario = builtinScenario("leo-wildfire");
  const world = buildFleetWorld(scenario);
  const p = new FleetParams(world, scenario, 60);
  assert.equal(p.nSat, 16);
  assert.equal(p.nSen, 24);
  assert.equal(p.dtUs, 30_000_000);
  assert.equal(p.endUs, 60 * 30_000_000);
  assert.equal(p.jitterSteps, 86400 / 30);
  for (let i = 0; i < p.nSat; i++) {
    const d = world.classes[world.satelliteClass[i]].def as SatelliteClassDef;
    assert.equal(p.satCapJ[i], d.power.batteryWh * 3600, `satellite ${i}`);
    assert.equal(p.satImgJ[i], d.payload.imagingPowerW * d.payload.imagingDurationS);
    assert.equal(p.satImgUs[i], d.payload.imagingDurationS * 1e6);
    assert.equal(p.satDownMBps[i], d.radio.downlinkMbps / 8);
    assert.equal(p.satIslMBps[i], d.radio.islMbps / 8);
    assert.ok(
      Math.abs(p.satCosOffNadir[i] - Math.cos(d.payload.offNadirDeg * Math.PI / 180)) < 1e-15,
    );
    assert.ok(Math.abs(p.satEventRad[i] * 6371.0088 - d.observation.eventRangeKm) < 1e-9);
    assert.equal(p.satKE[i], d.observation.kEvents);
    assert.ok(p.satKE[i] <= p.maxKE && p.satKN[i] <= p.maxKN);
    // A satellite can hold every image its storage allows.
    assert.ok(p.storeCap >= Math.floor(d.payload.storageMB / d.payload.imageSizeMB));
  }
  let rate = 0;
  for (let s = 0; s < p.nSen; s++) {
    const d = world.classes[world.sensorClass[s]].def as SensorClassDef;
    assert.equal(p.senCapJ[s], d.power.batteryJ, `sensor ${s}`);
    assert.equal(p.senSenseJ[s], d.sensing.energyJ);
    assert.equal(p.senAlertJ[s], d.radio.alertEnergyJ);
    assert.ok(Math.abs(Math.asin(p.senSinMinEl[s]) - p.senMinElRad[s]) < 1e-12);
    assert.equal(p.senKS[s], d.observation.kSatellites);
    rate += p.senRatePerS[s];
  }
  assert.deepEqual(
    Array.from(p.classPeriod),
    world.classes.map((c) => c.def.decisionPeriodSteps),
  );
  // 2 arrivals per sensor-hour over 60 steps of 30 s.
  const expected = scenario.task.arrivalRatePerSensorPerHour * 24 * 0.5;
  assert.ok(Math.abs(rate * 1800 - expected) < 1e-9);
  assert.ok(Math.abs(p.expectedArrivals - expected) < 1e-9);
});

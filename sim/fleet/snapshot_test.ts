import assert from "node:assert/strict";
import { Rng } from "../rng.ts";
import { FleetEnv } from "./env.ts";
import { EVENT_STATUS_NAMES } from "./events.ts";
import { SAT_OWN, SENSOR_OWN } from "./layout.ts";
import { randomLegalActions } from "./random.ts";

Deno.test("snapshot: agrees with the observations and the event table, and is a copy", () => {
  const env = new FleetEnv({ scenario: "leo-wildfire", maxSteps: 50 });
  const rng = new Rng(6, "snapshot-test");
  const acts = env.classes.map((c) => new Int32Array(c.count));
  let r = env.reset(6);
  for (let k = 0; k < 40; k++) {
    randomLegalActions(env, r, rng, acts);
    r = env.step(acts);
  }
  const snap = env.snapshot();
  const w = env.world;
  assert.equal(snap.step, 40);
  assert.equal(snap.elapsedS, 40 * env.dtS);
  assert.equal(snap.timeMs, env.timeMs);
  for (let i = 0; i < w.satelliteCount; i++) {
    const c = w.satelliteClass[i], q = w.satelliteSlot[i];
    const cls = env.classes[c];
    const ob = r.classes[c].obs;
    assert.equal(snap.satellites.id[i], `${cls.name}_${q}`);
    assert.equal(Math.fround(snap.satellites.battery[i]), ob[q * cls.obsSize + SAT_OWN.battery]);
    assert.equal(
      Math.fround(snap.satellites.storageUsed[i]),
      ob[q * cls.obsSize + SAT_OWN.storage],
    );
    assert.equal(snap.satellites.stationInView[i], ob[q * cls.obsSize + SAT_OWN.stationInView]);
    for (const m of snap.satellites.islNeighbours[i]) {
      assert.ok(m >= 0 && m < w.satelliteCount && m !== i);
    }
  }
  for (let s = 0; s < w.sensorCount; s++) {
    const c = w.sensorClass[s], q = w.sensorSlot[s];
    const cls = env.classes[c];
    const ob = r.classes[c].obs;
    assert.equal(Math.fround(snap.sensors.battery[s]), ob[q * cls.obsSize + SENSOR_OWN.battery]);
    assert.equal(snap.sensors.detected[s], env.events.detectedAt[s]);
  }
  const ev = env.events;
  assert.equal(snap.events.id.length, ev.count);
  assert.ok(ev.count > 0);
  for (let e = 0; e < ev.count; e++) {
    assert.equal(snap.events.statusName[e], EVENT_STATUS_NAMES[ev.status[e]]);
    assert.equal(snap.events.holder[e], ev.holder[e]);
  }
  assert.deepEqual(snap.infos, r.infos);
  // A copy: changing it changes nothing in the env.
  const again = JSON.stringify(env.snapshot());
  snap.satellites.battery[0] = -1;
  snap.infos.step = -1;
  snap.satellites.islNeighbours[0].push(99);
  assert.equal(JSON.stringify(env.snapshot()), again);
  assert.equal(r.infos.step, 40);
});

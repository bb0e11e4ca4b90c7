import assert from "node:assert/strict";
import { Rng } from "../rng.ts";
import { FleetEnv } from "./env.ts";
import { EventStatus } from "./events.ts";
import {
  EVENT_SLOT,
  NEIGHBOUR_SLOT,
  SAT_OWN,
  type SatelliteLayout,
  SENSOR_OWN,
  type SensorLayout,
  STATE_SUMMARY,
} from "./layout.ts";
import { clip01 } from "./observe.ts";
import { randomLegalActions } from "./random.ts";

Deno.test("clip01 clips to [0, 1]", () => {
  assert.deepEqual([-1, 0, 0.5, 1, 2].map(clip01), [0, 0, 0.5, 1, 1]);
});

Deno.test("observations: every legal action is backed by the features the agent sees", () => {
  const env = new FleetEnv({ scenario: "iot-edge-fleet", maxSteps: 60 });
  const rng = new Rng(2, "observe-test");
  const acts = env.classes.map((c) => new Int32Array(c.count));
  let r = env.reset(2);
  let images = 0, downlinks = 0, relays = 0, alerts = 0;
  while (!r.done) {
    for (const cls of env.classes) {
      const { obs, actionMask } = r.classes[cls.index];
      for (let q = 0; q < cls.count; q++) {
        const ob = q * cls.obsSize, mb = q * cls.numActions;
        if (cls.kind === "satellite") {
          const l = cls.layout as SatelliteLayout;
          assert.equal(actionMask[mb + l.idle], 1);
          for (let k = 0; k < l.kEvents; k++) {
            if (!actionMask[mb + l.image + k]) continue;
            images++;
            const f = ob + l.eventsOffset + k * EVENT_SLOT.size;
            assert.equal(obs[f + EVENT_SLOT.valid], 1);
            assert.equal(obs[f + EVENT_SLOT.imageable], 1);
          }
          if (actionMask[mb + l.downlink]) {
            downlinks++;
            assert.equal(obs[ob + SAT_OWN.stationInView], 1);
            assert.ok(obs[ob + SAT_OWN.storage] > 0);
          }
          for (let j = 0; j < l.kNeighbours; j++) {
            if (!actionMask[mb + l.relay + j]) continue;
            relays++;
            assert.equal(obs[ob + l.neighboursOffset + j * NEIGHBOUR_SLOT.size], 1);
          }
        } else {
          const l = cls.layout as SensorLayout;
          assert.equal(actionMask[mb + l.sleep], 1);
          if (actionMask[mb + l.alert]) {
            alerts++;
            assert.ok(obs[ob + SENSOR_OWN.detected] > 0);
            assert.ok(obs[ob + SENSOR_OWN.satellitesVisible] > 0);
          }
        }
      }
    }
    randomLegalActions(env, r, rng, acts);
    r = env.step(acts);
  }
  assert.ok(
    images > 0 && downlinks > 0 && relays > 0 && alerts > 0,
    "every action was legal at times",
  );
});

Deno.test("global state: own features copied from the observations, then the event summary", () => {
  const env = new FleetEnv({ scenario: "leo-wildfire", maxSteps: 40 });
  const rng = new Rng(4, "observe-test");
  const acts = env.classes.map((c) => new Int32Array(c.count));
  let r = env.reset(4);
  for (let k = 0; k < 30; k++) {
    randomLegalActions(env, r, rng, acts);
    r = env.step(acts);
  }
  const s = env.state();
  let o = 0;
  for (const cls of env.classes) {
    const own = cls.kind === "satellite" ? SAT_OWN.size : SENSOR_OWN.size;
    for (let q = 0; q < cls.count; q++) {
      for (let f = 0; f < own; f++) {
        assert.equal(
          s[o++],
          r.classes[cls.index].obs[q * cls.obsSize + f],
          `${cls.name} ${q} ${f}`,
        );
      }
    }
  }
  const ev = env.events;
  const arrivedScaled = s[o + STATE_SUMMARY.arrived];
  assert.ok(ev.arrived > 0);
  // Counts share one scale (1 / expected arrivals).
  const scale = arrivedScaled / ev.arrived;
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-6;
  assert.ok(near(s[o + STATE_SUMMARY.delivered], ev.byStatus[EventStatus.Delivered] * scale));
  assert.ok(near(s[o + STATE_SUMMARY.expired], ev.byStatus[EventStatus.Expired] * scale));
  assert.ok(near(s[o + STATE_SUMMARY.progress], 30 / 40));
  assert.equal(o + STATE_SUMMARY.size, env.stateSize);
});

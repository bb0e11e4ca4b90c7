import assert from "node:assert/strict";
import { geodeticToEcf, lineOfSightAt } from "../orbit/mod.ts";
import { Rng } from "../rng.ts";
import { EventStatus, EventTable } from "./events.ts";
import { FleetOrbits } from "./orbits.ts";
import { FleetParams } from "./params.ts";
import { builtinScenario } from "./scenario.ts";
import { FleetVisibility } from "./visibility.ts";
import { buildFleetWorld } from "./world.ts";

/** Ids sorted by descending key, ties by id, cut to k. */
function topK(cands: { id: number; key: number }[], k: number): number[] {
  return cands.sort((a, b) => b.key - a.key || a.id - b.id).slice(0, k).map((c) => c.id);
}

function slots(a: Int32Array, base: number, n: number): number[] {
  return Array.from(a.subarray(base, base + n)).filter((x) => x >= 0);
}

Deno.test("visibility: event and neighbour slots match a brute-force scan, grid and all-pairs alike", () => {
  const scenario = builtinScenario("iot-edge-fleet");
  const world = buildFleetWorld(scenario);
  const p = new FleetParams(world, scenario, 40);
  const orbits = new FleetOrbits(world.satellites, Date.parse(scenario.time.start), 30, 40);
  const rng = new Rng(5, "visibility-test");
  const events = new EventTable(world.sensorCount, 16);
  // Events scattered over the delta and beyond; a third stay undetected (invisible to satellites).
  for (let k = 0; k < 120; k++) {
    const q = geodeticToEcf(rng.uniformRange(-10, 50), rng.uniformRange(60, 120), 0);
    const e = events.arrive(-1, 0, 1, 1e12, q.x, q.y, q.z);
    if (k % 3 !== 0) events.setStatus(e, EventStatus.Alerted);
  }
  const grid = new FleetVisibility(world, p, orbits, events, false);
  const scan = new FleetVisibility(world, p, orbits, events, true);
  let filledEvents = 0, filledNeighbours = 0;
  for (const step of [0, 7, 23]) {
    orbits.setStep(step);
    grid.update();
    scan.update();
    for (const v of [grid, scan]) {
      for (let i = 0; i < p.nSat; i++) {
        const u = orbits.unit.subarray(3 * i, 3 * i + 3);
        const inRange: { id: number; key: number }[] = [];
        for (let e = 0; e < events.count; e++) {
          if (events.status[e] !== EventStatus.Alerted) continue;
          const cos = u[0] * events.unit[3 * e] + u[1] * events.unit[3 * e + 1] +
            u[2] * events.unit[3 * e + 2];
          if (cos >= Math.cos(p.satEventRad[i])) inRange.push({ id: e, key: cos });
        }
        const want = orbits.valid[i] ? topK(inRange, p.satKE[i]) : [];
        assert.deepEqual(slots(v.eventSlots, i * p.maxKE, p.maxKE), want, `step ${step} sat ${i}`);
        assert.equal(v.inRange[i], orbits.valid[i] ? inRange.length : 0);
        filledEvents += want.length;

        const nb: { id: number; key: number }[] = [];
        for (let m = 0; m < p.nSat; m++) {
          if (m === i || !orbits.valid[m]) continue;
          const d = Math.hypot(
            orbits.ecf[3 * m] - orbits.ecf[3 * i],
            orbits.ecf[3 * m + 1] - orbits.ecf[3 * i + 1],
            orbits.ecf[3 * m + 2] - orbits.ecf[3 * i + 2],
          );
          if (d > Math.min(p.satIslKm[i], p.satIslKm[m])) continue;
          if (!lineOfSightAt(orbits.ecf, i, m)) continue;
          const w = orbits.unit.subarray(3 * m, 3 * m + 3);
          nb.push({ id: m, key: u[0] * w[0] + u[1] * w[1] + u[2] * w[2] });
        }
        const wantN = orbits.valid[i] ? topK(nb, p.satKN[i]) : [];
        assert.deepEqual(
          slots(v.neighbourSlots, i * p.maxKN, p.maxKN),
          wantN,
          `step ${step} sat ${i} neighbours`,
        );
        filledNeighbours += wantN.length;
      }
      // Sensor slots: highest first, all of them above the minimum elevation.
      for (let s = 0; s < p.nSen; s++) {
        const got = slots(v.senSlots, s * p.maxKS, p.maxKS);
        assert.ok(got.length === Math.min(v.senVisible[s], p.senKS[s]), `sensor ${s}`);
        for (let q = 1; q < got.length; q++) {
          assert.ok(v.senSlotSin[s * p.maxKS + q - 1] >= v.senSlotSin[s * p.maxKS + q]);
        }
      }
    }
    assert.deepEqual(grid.stationInView, scan.stationInView);
  }
  assert.ok(filledEvents > 0 && filledNeighbours > 0, "the test saw events and neighbours");
});

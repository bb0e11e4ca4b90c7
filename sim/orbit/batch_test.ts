import assert from "node:assert/strict";
import { BulkPropagator, EciBaseCalculator, eciToGeodetic, gstime } from "satellite.js";
import { BatchPropagator } from "./batch.ts";
import { propagateInto } from "./propagate.ts";
import type { SatelliteRecord } from "./record.ts";
import { loadTle, parseTle, tleChecksum } from "./tle.ts";
import { createRuntime, disposeRuntime, wasmSatrec } from "./wasm.ts";

const T0 = Date.UTC(2022, 7, 10);

/** Position / velocity differences and error-code mismatches of `prop` against satellite.js JS sgp4. */
function compare(
  prop: BatchPropagator,
  dates: readonly number[],
  decayCheck = true,
): { dp: number; dv: number; mismatches: number; codes: Map<number, number> } {
  const pv = new Float64Array(6);
  const m = dates.length;
  let dp = 0, dv = 0, mismatches = 0;
  const codes = new Map<number, number>();
  prop.records.forEach((r, i) => {
    for (let d = 0; d < m; d++) {
      const e = i * m + d;
      const code = propagateInto(r, (dates[d] - r.epochMs) / 60_000, pv, 0, decayCheck);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (code !== prop.error[e]) mismatches++;
      if (code !== 0) {
        assert.ok(Number.isNaN(prop.position[3 * e]) && Number.isNaN(prop.velocity[3 * e + 2]));
        continue;
      }
      for (let k = 0; k < 3; k++) {
        dp = Math.max(dp, Math.abs(pv[k] - prop.position[3 * e + k]));
        dv = Math.max(dv, Math.abs(pv[3 + k] - prop.velocity[3 * e + k]));
      }
    }
  });
  return { dp, dv, mismatches, codes };
}

/** The ISS element set with its mean motion raised to 16.3 rev/day: perigee ~190 km, SGP4 isimp = 1. */
function lowIss(text: string): SatelliteRecord[] {
  const lines = text.trim().split("\n");
  const [l1, l2] = lines.slice(-2);
  const body = l2.slice(0, 52) + "16.30000000" + l2.slice(63, 68);
  return parseTle(`LOW ISS\n${l1}\n${body}${tleChecksum(body)}\n`, "low-iss");
}

Deno.test("batch: TEME and error codes match satellite.js sgp4 on the real element sets", async () => {
  const starlink = await loadTle("data/tle/starlink-53deg.tle");
  const sso = await loadTle("data/tle/sun-synchronous-leo.tle");
  const gps = await loadTle("data/tle/gps.tle"); // deep space: satellite.js path
  const iss = await Deno.readTextFile("data/tle/iss.tle");
  const low = lowIss(iss);
  assert.equal((low[0].satrec as unknown as { isimp: number }).isimp, 1);
  const sats = [...starlink, ...sso, ...gps.slice(0, 5), ...low];
  // 40 days before the epochs to 12 days after: decays (6) and eccentricity failures (1) included.
  const dates = Array.from({ length: 12 }, (_, d) => T0 - 40 * 86_400_000 + d * 4.7 * 86_400_000);
  const prop = BatchPropagator.create(sats, { maxDates: dates.length });
  const ok = prop.propagate(dates);
  const { dp, dv, mismatches, codes } = compare(prop, dates);
  assert.equal(mismatches, 0);
  assert.equal(ok, codes.get(0));
  assert.ok((codes.get(6) ?? 0) > 0 && (codes.get(1) ?? 0) > 0, `codes ${[...codes]}`);
  assert.ok(dp < 1e-9, `position differs by ${dp} km`);
  assert.ok(dv < 1e-12, `velocity differs by ${dv} km/s`);
  // The low (isimp = 1) satellite propagates before it decays.
  assert.equal(prop.error[(sats.length - 1) * dates.length + 8], 0);

  // Without the community decay check, as satellite.js sgp4 alone.
  const plain = BatchPropagator.create(sats, { maxDates: dates.length, decayCheck: false });
  plain.propagate(dates);
  const r = compare(plain, dates, false);
  assert.equal(r.mismatches, 0);
  assert.ok(r.dp < 1e-9);
});

Deno.test("batch: fewer dates than capacity, odd counts, one date per call", async () => {
  const sats = (await loadTle("data/tle/iridium.tle")).slice(0, 7);
  const prop = BatchPropagator.create(sats, { maxDates: 5 });
  const dates = [T0, T0 + 61_000, T0 + 3_600_000];
  assert.equal(prop.propagate(dates), 21);
  assert.equal(prop.dateCount, 3);
  assert.equal(compare(prop, dates).mismatches, 0);
  assert.ok(compare(prop, dates).dp < 1e-9);
  // The same satellite-date from a one-date call is the same value.
  const x = prop.position[(6 * 3 + 2) * 3];
  prop.propagate(T0 + 3_600_000);
  assert.equal(prop.dateCount, 1);
  assert.equal(prop.position[6 * 3], x);
  assert.ok(prop.valid(6, 0));
  assert.throws(() => prop.propagate([]), /got 0 dates, expected 1\.\.5/);
  assert.throws(() => prop.propagate(new Array(6).fill(T0)), /got 6 dates/);
  assert.throws(() => prop.propagate([T0, NaN]), /dates\[1\] must be finite, got NaN/);
  assert.throws(() => BatchPropagator.create(sats, { maxDates: 0 }), /maxDates must be an integer/);
  assert.throws(
    () => BatchPropagator.create(sats, { maxDates: 2e7 }),
    /7 satellites x 20000000 dates need \d+ MiB of WebAssembly memory/,
  );
  assert.throws(() => prop.toGeodetic(), /geodetic: true/);
});

Deno.test("batch: Earth-fixed and geodetic match satellite.js eciToGeodetic", async () => {
  const sats = (await loadTle("data/tle/starlink-53deg.tle")).slice(0, 101);
  const dates = [T0, T0 + 5_400_000];
  const prop = BatchPropagator.create(sats, { maxDates: 2, geodetic: true });
  assert.throws(() => prop.toGeodetic(), /propagate\(\) first/);
  prop.propagate(dates);
  prop.toGeodetic();
  for (let i = 0; i < sats.length; i++) {
    for (let d = 0; d < 2; d++) {
      const e = i * 2 + d;
      const g = gstime(2440587.5 + dates[d] / 86_400_000);
      assert.ok(Math.abs(prop.gmst[d] - g) < 1e-15);
      const p = prop.position.subarray(3 * e, 3 * e + 3);
      const ref = eciToGeodetic({ x: p[0], y: p[1], z: p[2] }, g);
      assert.ok(Math.abs(ref.height - prop.alt[e]) < 1e-6, `height ${i} ${d}`);
      assert.ok(Math.abs(ref.latitude - prop.lat[e]) < 1e-10, `latitude ${i} ${d}`);
      assert.ok(Math.abs(ref.longitude - prop.lon[e]) < 1e-12, `longitude ${i} ${d}`);
      const c = Math.cos(g), s = Math.sin(g);
      assert.ok(Math.abs(prop.ecf[3 * e] - (c * p[0] + s * p[1])) < 1e-12);
      assert.ok(Math.abs(prop.ecf[3 * e + 1] - (-s * p[0] + c * p[1])) < 1e-12);
    }
  }
});

Deno.test("batch: same work as satellite.js BulkPropagator (TEME within 1 m, same error codes)", async () => {
  const sats = await loadTle("data/tle/starlink-53deg.tle");
  // Whole-millisecond dates, as BulkPropagator takes Dates; it measures time in Julian days (~40 µs).
  const dates = [T0 - 40 * 86_400_000, T0, T0 + 7 * 86_400_000 + 123];
  const runtime = await createRuntime();
  try {
    const bulk = new BulkPropagator({
      runtime,
      calculators: [new EciBaseCalculator()] as const,
      satRecsCount: sats.length,
      datesCount: dates.length,
    });
    bulk.setSatRecs(sats.map(wasmSatrec));
    bulk.setDates(dates.map((t) => new Date(t)));
    bulk.run({ eci: { communityDecayCheckEnabled: true } });
    const ref = bulk.getRawOutput().eci;
    const prop = BatchPropagator.create(sats, { maxDates: dates.length });
    prop.propagate(dates);
    let worst = 0, failed = 0;
    for (let e = 0; e < sats.length * dates.length; e++) {
      assert.equal(prop.error[e], ref.error[e], `error code, entry ${e}`);
      if (ref.error[e] !== 0) {
        failed++;
        continue;
      }
      worst = Math.max(
        worst,
        Math.hypot(
          prop.position[3 * e] - ref.position[3 * e],
          prop.position[3 * e + 1] - ref.position[3 * e + 1],
          prop.position[3 * e + 2] - ref.position[3 * e + 2],
        ),
      );
    }
    bulk.dispose();
    assert.ok(failed > 0, "the 40-days-back date has decayed satellites");
    assert.ok(worst < 1e-3, `TEME differs from BulkPropagator by ${worst} km`);
  } finally {
    disposeRuntime(runtime);
  }
});

import assert from "node:assert/strict";
import { eciToGeodetic, gstime } from "satellite.js";
import { ConstellationPropagator } from "./bulk.ts";
import { propagate } from "./propagate.ts";
import { loadTle } from "./tle.ts";
import { walkerDelta } from "./walker.ts";
import { createRuntime, disposeRuntime } from "./wasm.ts";

const T0 = Date.UTC(2022, 7, 10, 3);

function check(prop: ConstellationPropagator, t: number, tolKm: number): void {
  const g = gstime(2440587.5 + t / 86_400_000);
  assert.ok(Math.abs(prop.gmstRad - g) < 1e-12);
  prop.records.forEach((r, i) => {
    const s = propagate(r, new Date(t));
    assert.ok(s.ok);
    assert.equal(prop.valid[i], 1);
    const j = 3 * i;
    const d = Math.hypot(
      s.position.x - prop.eci[j],
      s.position.y - prop.eci[j + 1],
      s.position.z - prop.eci[j + 2],
    );
    assert.ok(d < tolKm, `${prop.backend} sat ${i}: ${d} km`);
    const dv = Math.hypot(
      s.velocity.x - prop.eciVelocity[j],
      s.velocity.y - prop.eciVelocity[j + 1],
      s.velocity.z - prop.eciVelocity[j + 2],
    );
    assert.ok(dv < tolKm, `velocity ${i}`);
    // ECF norm preserved; geodetic vs satellite.js on our own ECI (< 1 m).
    assert.ok(
      Math.abs(
        Math.hypot(prop.ecf[j], prop.ecf[j + 1], prop.ecf[j + 2]) -
          Math.hypot(prop.eci[j], prop.eci[j + 1], prop.eci[j + 2]),
      ) < 1e-9,
    );
    const ref = eciToGeodetic({ x: prop.eci[j], y: prop.eci[j + 1], z: prop.eci[j + 2] }, g);
    assert.ok(Math.abs(ref.height - prop.alt[i]) < 1e-3);
    assert.ok(Math.abs(ref.latitude - prop.lat[i]) * 6378 < 1e-3);
    assert.ok(
      Math.abs(((ref.longitude - prop.lon[i] + 3 * Math.PI) % (2 * Math.PI)) - Math.PI) * 6378 <
        1e-3,
    );
  });
}

Deno.test("bulk: JS backend matches per-satellite propagation exactly, SIMD within 1e-9 km, WASM within 1 m", async () => {
  const sats = [
    ...walkerDelta({
      total: 60,
      planes: 6,
      phasing: 2,
      altitudeKm: 550,
      inclinationDeg: 53,
      epoch: new Date(T0),
    }),
    ...(await loadTle("data/tle/gps.tle")).slice(0, 5), // deep space
    ...(await loadTle("data/tle/sun-synchronous-leo.tle")).slice(0, 20),
  ];
  const js = await ConstellationPropagator.create(sats, { backend: "js" });
  const wasm = await ConstellationPropagator.create(sats, { backend: "wasm" });
  const simd = await ConstellationPropagator.create(sats, { backend: "simd" });
  try {
    assert.equal(simd.backend, "simd");
    assert.equal(js.backend, "js");
    assert.equal(wasm.backend, "wasm");
    for (const dt of [0, 3_600_000, 86_400_000]) {
      assert.equal(js.propagateTo(T0 + dt), sats.length);
      check(js, T0 + dt, 1e-9);
      assert.equal(wasm.propagateTo(new Date(T0 + dt)), sats.length);
      check(wasm, T0 + dt, 1e-3);
      assert.equal(simd.propagateTo(T0 + dt), sats.length);
      check(simd, T0 + dt, 1e-9);
      // ECF and geodetic of the SIMD module against the JS backend's inline JS conversion.
      for (let i = 0; i < sats.length; i++) {
        assert.ok(Math.abs(simd.lat[i] - js.lat[i]) < 1e-12, `lat ${i}`);
        assert.ok(Math.abs(simd.lon[i] - js.lon[i]) < 1e-12, `lon ${i}`);
        assert.ok(Math.abs(simd.alt[i] - js.alt[i]) < 1e-9, `alt ${i}`);
        assert.ok(Math.abs(simd.ecf[3 * i + 2] - js.ecf[3 * i + 2]) < 1e-9, `ecf ${i}`);
      }
    }
  } finally {
    js.dispose();
    wasm.dispose();
    simd.dispose();
  }
});

Deno.test("bulk: decayed satellites are flagged invalid with NaN coordinates", async () => {
  const [iss] = await loadTle("data/tle/iss.tle");
  const walker = walkerDelta({
    total: 10,
    planes: 2,
    phasing: 1,
    altitudeKm: 600,
    inclinationDeg: 60,
    epoch: new Date(T0),
  });
  for (const backend of ["js", "wasm", "simd"] as const) {
    const prop = await ConstellationPropagator.create([iss, ...walker], { backend });
    try {
      assert.equal(prop.propagateTo(Date.UTC(2042, 7, 10)), 10);
      assert.equal(prop.valid[0], 0);
      assert.ok(prop.error[0] > 0);
      assert.ok(Number.isNaN(prop.lat[0]) && Number.isNaN(prop.ecf[0]));
      assert.equal(prop.valid[1], 1); // BSTAR 0: no decay
    } finally {
      prop.dispose();
    }
  }
});

Deno.test("bulk: backend choice, shared runtime, dispose", async () => {
  const few = walkerDelta({
    total: 4,
    planes: 2,
    phasing: 0,
    altitudeKm: 700,
    inclinationDeg: 45,
    epoch: new Date(T0),
  });
  const small = await ConstellationPropagator.create(few);
  assert.equal(small.backend, "simd"); // "auto" with WebAssembly SIMD
  small.dispose();
  const runtime = await createRuntime();
  try {
    const many = walkerDelta({
      total: 40,
      planes: 4,
      phasing: 1,
      altitudeKm: 700,
      inclinationDeg: 45,
      epoch: new Date(T0),
    });
    const a = await ConstellationPropagator.create(many, { runtime, backend: "wasm" });
    const b = await ConstellationPropagator.create(many, { runtime, backend: "wasm" });
    assert.equal(a.backend, "wasm");
    a.propagateTo(T0);
    a.dispose();
    a.dispose(); // idempotent
    assert.throws(() => a.propagateTo(T0), /after dispose/);
    b.propagateTo(T0); // the shared runtime is still alive
    assert.equal(b.valid[0], 1);
    b.dispose();
  } finally {
    disposeRuntime(runtime);
  }
  const sync = new ConstellationPropagator(few);
  assert.throws(() => sync.propagateTo(NaN), /invalid time/);
  sync.dispose();
});

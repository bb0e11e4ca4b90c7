import assert from "node:assert/strict";
import { shadowFraction, sunPos } from "satellite.js";
import { eclipse, eclipseFractions, sunDirection, sunPositionKm } from "./eclipse.ts";
import { julianDate } from "./frames.ts";
import { propagate } from "./propagate.ts";
import { loadTle } from "./tle.ts";

const T = Date.UTC(2022, 7, 10, 6);

Deno.test("eclipse: anti-sun side behind the Earth is in umbra, sun side sunlit, beside the Earth sunlit", () => {
  const s = sunDirection(T);
  for (const r of [6778, 7500, 26560, 42164]) {
    assert.deepEqual(eclipse({ x: -s.x * r, y: -s.y * r, z: -s.z * r }, T), {
      fraction: 1,
      state: "umbra",
    });
    assert.deepEqual(eclipse({ x: s.x * r, y: s.y * r, z: s.z * r }, T), {
      fraction: 0,
      state: "sunlit",
    });
  }
  // Behind the Earth but offset sideways by more than an Earth radius: lit.
  const side = { x: -s.y, y: s.x, z: 0 };
  const n = Math.hypot(side.x, side.y);
  const p = {
    x: -s.x * 7000 + side.x / n * 6600,
    y: -s.y * 7000 + side.y / n * 6600,
    z: -s.z * 7000,
  };
  assert.equal(eclipse(p, T).state, "sunlit");
});

Deno.test("eclipse: penumbra exists and fractions match satellite.js shadowFraction", () => {
  const s = sunDirection(T);
  const side = { x: -s.y, y: s.x, z: 0 };
  const n = Math.hypot(side.x, side.y);
  const rsun = sunPos(julianDate(T)).rsun;
  let sawPenumbra = false;
  const pos = new Float64Array(3 * 400);
  for (let i = 0; i < 400; i++) {
    // Walk sideways across the shadow boundary behind the Earth at 42164 km.
    const off = 6200 + i * 1.2;
    const p = {
      x: -s.x * 42000 + side.x / n * off,
      y: -s.y * 42000 + side.y / n * off,
      z: -s.z * 42000,
    };
    pos.set([p.x, p.y, p.z], 3 * i);
    const e = eclipse(p, T);
    assert.ok(Math.abs(e.fraction - shadowFraction(rsun, p)) < 1e-9);
    if (e.state === "penumbra") {
      sawPenumbra = true;
      assert.ok(e.fraction > 0 && e.fraction < 1);
    }
  }
  assert.ok(sawPenumbra);
  const out = new Float64Array(400);
  eclipseFractions(pos, 400, T, out);
  for (let i = 0; i < 400; i++) {
    assert.ok(
      Math.abs(
        out[i] - shadowFraction(rsun, { x: pos[3 * i], y: pos[3 * i + 1], z: pos[3 * i + 2] }),
      ) < 1e-9,
    );
  }
});

Deno.test("eclipse: the ISS spends part of each orbit in shadow", async () => {
  const [iss] = await loadTle("data/tle/iss.tle");
  let dark = 0;
  const steps = 93; // one orbit, minute by minute
  for (let m = 0; m < steps; m++) {
    const t = T + m * 60_000;
    const s = propagate(iss, new Date(t));
    assert.ok(s.ok);
    if (eclipse(s.position, t).fraction > 0.5) dark++;
  }
  assert.ok(dark > 10 && dark < 45, `${dark} minutes in shadow`);
  const au = Math.hypot(...Object.values(sunPositionKm(T))) / 149597870.7;
  assert.ok(au > 1.01 && au < 1.02);
});

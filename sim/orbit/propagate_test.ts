import assert from "node:assert/strict";
import { propagate as satPropagate, sgp4 } from "satellite.js";
import { minutesSinceEpoch, propagate, propagateInto } from "./propagate.ts";
import { loadTle, parseTle } from "./tle.ts";

// Vallado, Crawford, Hujsak & Kelso (2006), "Revisiting Spacetrack Report #3", verification output
// tcppver.out for object 00005 (WGS72, improved mode): minutes from epoch, position km, velocity km/s.
const VANGUARD = [
  "1 00005U 58002B   00179.78495062  .00000023  00000-0  28098-4 0  4753",
  "2 00005  34.2682 348.7242 1859667 331.7664  19.3264 10.82419157413667",
].join("\n");
const VALLADO: [number, number[], number[]][] = [
  [0, [7022.46529266, -1400.08296755, 0.03995155], [1.893841015, 6.405893759, 4.53480725]],
  [360, [-7154.03120202, -3783.17682504, -3536.19412294], [
    4.741887409,
    -4.151817765,
    -2.093935425,
  ]],
  [720, [-7134.59340119, 6531.68641334, 3260.27186483], [-4.113793027, -2.911922039, -2.557327851]],
  [1440, [-938.55923943, -6268.18748831, -4294.02924751], [7.536105209, -0.427127707, 0.98987808]],
];

Deno.test("propagate: reproduces Vallado's published SGP4 verification vectors (00005)", () => {
  const [sat] = parseTle(VANGUARD, "vallado");
  for (const [minutes, r, v] of VALLADO) {
    const s = propagate(sat, minutes);
    assert.ok(s.ok);
    const p = s.position, w = s.velocity;
    // Published to 8 decimals of km and 9 of km/s.
    assert.ok(Math.hypot(p.x - r[0], p.y - r[1], p.z - r[2]) < 1e-6, `position at ${minutes}`);
    assert.ok(Math.hypot(w.x - v[0], w.y - v[1], w.z - v[2]) < 1e-8, `velocity at ${minutes}`);
  }
});

Deno.test("propagate: agrees with direct sgp4(satrec, minutes) for near-Earth and deep-space orbits", async () => {
  const sats = [
    ...(await loadTle("data/tle/iss.tle")),
    ...(await loadTle("data/tle/gps.tle")).slice(0, 3), // 12 h orbits: SDP4 (deep space)
    ...(await loadTle("data/tle/sun-synchronous-leo.tle")).slice(0, 3),
  ];
  assert.ok(sats.some((s) => s.satrec.method === "d"));
  const t = new Date("2022-08-10T06:30:00Z");
  for (const sat of sats) {
    const minutes = (t.getTime() - sat.epochMs) / 60_000;
    const ref = sgp4(sat.satrec, minutes)!;
    const s = propagate(sat, t);
    assert.ok(s.ok);
    const d = Math.hypot(
      s.position.x - ref.position.x,
      s.position.y - ref.position.y,
      s.position.z - ref.position.z,
    );
    assert.ok(d < 1e-6, `${sat.catalogNumber}: ${d} km`);
    // satellite.js propagate(Date) goes through Julian dates: the same to ~1 m.
    const viaDate = satPropagate(sat.satrec, t)!.position;
    const dd = Math.hypot(
      s.position.x - viaDate.x,
      s.position.y - viaDate.y,
      s.position.z - viaDate.z,
    );
    assert.ok(dd < 1e-3, `${sat.catalogNumber}: ${dd} km vs propagate(Date)`);
  }
});

Deno.test("propagate: minutes since a reference epoch", async () => {
  const [iss] = await loadTle("data/tle/iss.tle");
  const ref = new Date("2022-08-10T00:00:00Z");
  const a = propagate(iss, 42.5, { referenceEpoch: ref });
  const b = propagate(iss, new Date(ref.getTime() + 42.5 * 60_000));
  assert.ok(a.ok && b.ok);
  assert.ok(Math.abs(a.minutes - b.minutes) < 1e-9);
  assert.ok(Math.abs(a.position.x - b.position.x) < 1e-6);
  assert.equal(minutesSinceEpoch(iss, 10), 10);
  assert.ok(Math.abs(minutesSinceEpoch(iss, 0, iss.epochMs + 60_000) - 1) < 1e-12);
});

Deno.test("propagate: a decayed satellite is a result, not a crash", async () => {
  const [iss] = await loadTle("data/tle/iss.tle");
  const far = propagate(iss, new Date("2042-08-10T00:00:00Z")); // 20 years of drag, no reboosts
  assert.equal(far.ok, false);
  if (!far.ok) {
    assert.ok(far.error > 0);
    assert.match(far.reason, /25544/);
  }
  const out = new Float64Array(6);
  assert.ok(propagateInto(iss, 20 * 365 * 1440, out, 0) > 0);
  assert.ok(out.every(Number.isNaN));
  // The satrec still works afterwards.
  assert.ok(propagate(iss, 0).ok);
});

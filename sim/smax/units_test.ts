import assert from "node:assert/strict";
import { cooldownLoops, hitDamage, hitPointLoss, UNIT_TYPE_NAMES, UNIT_TYPES } from "./units.ts";

Deno.test("units: every catalogue entry is complete and named after its key", () => {
  for (const name of UNIT_TYPE_NAMES) {
    const t = UNIT_TYPES[name];
    assert.equal(t.name, name);
    for (const v of [t.health, t.damage, t.range, t.cooldown, t.speed, t.sight, t.radius]) {
      assert.ok(v > 0, `${name}: ${v}`);
    }
    assert.equal(t.shield > 0, t.race === "protoss");
  }
});

Deno.test("units: cooldowns in game loops (seconds * 22.4, rounded)", () => {
  const loops = Object.fromEntries(UNIT_TYPE_NAMES.map((n) => [n, cooldownLoops(UNIT_TYPES[n])]));
  assert.deepEqual(loops, {
    marine: 14, // 0.61 * 22.4 = 13.66
    marauder: 24, // 1.07 * 22.4 = 23.97
    stalker: 30, // 1.34 * 22.4 = 30.02
    zealot: 19, // 0.86 * 22.4 = 19.26
    zergling: 11, // 0.497 * 22.4 = 11.13
    hydralisk: 13, // 0.59 * 22.4 = 13.22
  });
});

Deno.test("units: bonus damage against armored targets", () => {
  const { marine, marauder, stalker, zealot } = UNIT_TYPES;
  assert.equal(hitDamage(marauder, stalker), 20);
  assert.equal(hitDamage(marauder, zealot), 10);
  assert.equal(hitDamage(stalker, marauder), 18);
  assert.equal(hitDamage(marine, stalker), 6);
});

Deno.test("units: shields absorb first, armour applies to what spills and to plain hits", () => {
  // A stalker (13) hitting a fresh zealot (50 shields, armour 1) five times.
  let shield = 50;
  let health = 100;
  const trace: [number, number][] = [];
  for (let k = 0; k < 5; k++) {
    health -= hitPointLoss(13, shield, 1);
    shield = Math.max(shield - 13, 0);
    trace.push([shield, health]);
  }
  assert.deepEqual(trace, [[37, 100], [24, 100], [11, 100], [0, 99], [0, 87]]);
  // A zealot's two 8-damage blades on a marine: 16 per attack.
  assert.equal(hitPointLoss(8, 0, 0) * 2, 16);
  // Armour floors: a plain hit does at least 0.5, a spill at least 0.
  assert.equal(hitPointLoss(1, 0, 1), 0.5);
  assert.equal(hitPointLoss(6, 5.5, 1), 0);
});

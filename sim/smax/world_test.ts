import assert from "node:assert/strict";
import { UNIT_TYPES } from "./units.ts";
import { ORDER_ATTACK, ORDER_MOVE, SmaxWorld } from "./world.ts";

const { marine, stalker, zealot } = UNIT_TYPES;

function duel(a: typeof marine, b: typeof marine, distance: number): SmaxWorld {
  const w = new SmaxWorld([a], [b], 32, 32);
  w.reset();
  w.place(0, 10, 16);
  w.place(1, 10 + distance, 16);
  return w;
}

Deno.test("world: marines fire every 14 loops (0.61 s * 22.4) and die together at loop 98", () => {
  const w = duel(marine, marine, 5);
  const shotsAt: number[] = [];
  let last = w.health[1];
  while (w.alive[0] && w.alive[1]) {
    const loop = w.loop;
    w.tick();
    if (w.health[1] !== last) shotsAt.push(loop);
    last = w.health[1];
    assert.equal(w.health[0], w.health[1]); // symmetric
  }
  assert.deepEqual(shotsAt, [0, 14, 28, 42, 56, 70, 84, 98]); // 8 * 6 >= 45
  assert.equal(w.alive[0] + w.alive[1], 0); // killed in the same loop: a draw
});

Deno.test("world: weapon reach is range plus both radii, edge to edge", () => {
  // Marine reach against a marine: 5 + 0.375 + 0.375 = 5.75.
  const inside = duel(marine, marine, 5.75);
  assert.ok(inside.inReach(0, 1));
  const outside = duel(marine, marine, 5.76);
  assert.ok(!outside.inReach(0, 1));
  outside.tick(); // idle units do not chase
  assert.equal(outside.health[1], 45);
  assert.equal(outside.x[0], 10);
});

Deno.test("world: an attack order closes in, then fires; the zealot's two blades hit a marine for 16", () => {
  const w = duel(zealot, marine, 3);
  w.order[0] = ORDER_ATTACK;
  w.orderTarget[0] = 1;
  // Reach 0.1 + 0.5 + 0.375 = 0.975; the zealot walks 3.15 / 22.4 = 0.1406 per loop.
  let loops = 0;
  while (w.health[1] === 45) {
    w.tick();
    loops++;
  }
  assert.equal(loops, Math.ceil((3 - 0.975) / (3.15 / 22.4)) + 1); // 15 loops walking, fires on the 16th
  assert.equal(w.health[1], 45 - 16);
});

Deno.test("world: a stalker strips a zealot's shields, then armour counts (13 -> 12)", () => {
  // 7 apart: within the stalker's reach (6 + 0.625 + 0.5), beyond the idle zealot's.
  const w = duel(zealot, stalker, 7);
  for (let l = 0; l <= 120; l++) w.tick(); // shots at loops 0, 30, 60, 90, 120
  assert.deepEqual([w.shield[0], w.health[0]], [0, 87]);
  assert.deepEqual([w.shield[1], w.health[1]], [80, 80]);
});

Deno.test("world: shields regenerate 0.125 per loop after 160 loops without damage", () => {
  const w = duel(zealot, zealot, 20);
  w.shield[0] = 20;
  w.sinceDamage[0] = 0;
  for (let l = 0; l < 160; l++) w.tick();
  assert.equal(w.shield[0], 20);
  w.tick();
  assert.equal(w.shield[0], 20.125);
  for (let l = 0; l < 1000; l++) w.tick();
  assert.equal(w.shield[0], 50);
});

Deno.test("world: a move order goes at the unit's speed, stops at the point; units never overlap", () => {
  const w = new SmaxWorld([marine, marine], [marine], 32, 32);
  w.reset();
  w.place(0, 5, 5);
  w.place(1, 5, 5); // on top of each other: pushed apart along x
  w.place(2, 30, 30);
  w.separate();
  assert.deepEqual([w.x[0], w.x[1]], [4.625, 5.375]);
  w.order[0] = ORDER_MOVE;
  w.orderX[0] = 4.625;
  w.orderY[0] = 7;
  for (let l = 0; l < 8; l++) w.tick();
  assert.ok(Math.abs(w.y[0] - (5 + 8 * 3.15 / 22.4)) < 1e-12);
  for (let l = 0; l < 20; l++) w.tick();
  assert.equal(w.y[0], 7);
  assert.equal(w.order[0], 0);
  // Clamped to the map.
  w.place(2, 40, -3);
  assert.deepEqual([w.x[2], w.y[2]], [32, 0]);
});

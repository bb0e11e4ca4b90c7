import assert from "node:assert/strict";
import { attackMoveTarget, issueAttackMove } from "./enemy.ts";
import { UNIT_TYPES } from "./units.ts";
import { ORDER_ATTACK_MOVE, SmaxWorld } from "./world.ts";

const { marine, zealot } = UNIT_TYPES;

function world(allyXs: number[], enemyX: number, enemy = marine): SmaxWorld {
  const w = new SmaxWorld(allyXs.map(() => marine), [enemy], 64, 32);
  w.reset();
  allyXs.forEach((x, i) => w.place(i, x, 16));
  w.place(allyXs.length, enemyX, 16);
  return w;
}

Deno.test("enemy: prefers the closest ally within reach, then keeps it while in reach", () => {
  const w = world([10, 13, 16], 18); // allies 8, 5 and 2 away
  const e = 3;
  assert.equal(attackMoveTarget(w, e), 2);
  w.place(1, 17, 16); // another ally steps closer: the engaged one is kept
  assert.equal(attackMoveTarget(w, e), 2);
  w.alive[2] = 0;
  assert.equal(attackMoveTarget(w, e), 1);
});

Deno.test("enemy: chases the closest visible ally, ignores allies beyond sight", () => {
  const w = world([10, 30], 18); // 8 away (visible, sight 9, out of reach 5.75) and 12 away
  assert.equal(attackMoveTarget(w, 2), 0);
  w.place(0, 8, 16); // now 10 away: beyond sight, and nothing else in sight
  assert.equal(attackMoveTarget(w, 2), -1);
  assert.equal(w.acquired[2], -1);
});

Deno.test("enemy: attack-move walks to the attack point, then engages what it meets", () => {
  const w = world([4], 40, zealot);
  issueAttackMove(w, 4, 16);
  assert.equal(w.order[1], ORDER_ATTACK_MOVE);
  const step = 3.15 / 22.4;
  for (let l = 0; l < 10; l++) w.tick();
  assert.ok(Math.abs(w.x[1] - (40 - 10 * step)) < 1e-9);
  let loops = 10;
  while (w.health[0] === 45 && loops < 2000) {
    w.tick();
    loops++;
  }
  assert.equal(w.health[0], 45 - 16); // the zealot reached the marine and struck
  assert.ok(loops < 300);
});

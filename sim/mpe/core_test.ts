import assert from "node:assert/strict";
import {
  contactForceMagnitude,
  loadWorldState,
  MpeWorld,
  readWorldState,
  softplus,
} from "./core.ts";

function twoAgents(): MpeWorld {
  return new MpeWorld({
    agents: [{ size: 0.15 }, { size: 0.15 }],
    landmarks: [{ size: 0.05, collide: false, movable: false }],
    dimC: 2,
  });
}

Deno.test("softplus is log(1 + exp(z)), stable at both ends", () => {
  assert.equal(softplus(0), Math.LN2);
  assert.ok(Math.abs(softplus(1) - Math.log(1 + Math.E)) < 1e-15);
  assert.ok(Math.abs(softplus(-1) - Math.log(1 + 1 / Math.E)) < 1e-15);
  assert.equal(softplus(800), 800); // exp(800) would overflow
  assert.equal(softplus(-800), 0);
  assert.ok(Number.isNaN(softplus(NaN)));
});

Deno.test("contact force magnitude: 100 * k * softplus(-(dist - distMin) / k), k = 1e-3", () => {
  assert.ok(Math.abs(contactForceMagnitude(0.3, 0.3) - 100 * 1e-3 * Math.LN2) < 1e-15);
  // 0.1 deep: softplus(100) = 100 (to double precision), so 100 * 1e-3 * 100 = 10.
  assert.ok(Math.abs(contactForceMagnitude(0.2, 0.3) - 10) < 1e-12);
  assert.ok(contactForceMagnitude(1, 0.3) < 1e-300); // exp(-700): tiny, not zero
  assert.equal(contactForceMagnitude(2, 0.3), 0); // exp(-1700) underflows to 0
});

Deno.test("discrete moves: 1 = -x, 2 = +x, 3 = -y, 4 = +y, times sensitivity 5 (or accel)", () => {
  const w = new MpeWorld({
    agents: [{ size: 0.1 }, { size: 0.1, accel: 3 }],
    landmarks: [],
    dimC: 0,
  });
  const expect = [[0, 0], [-5, 0], [5, 0], [0, -5], [0, 5]];
  for (let move = 0; move < 5; move++) {
    w.setMoveAction(0, 0, move);
    assert.deepEqual([w.actionU[0], w.actionU[1]], expect[move], `move ${move}`);
  }
  w.setMoveAction(0, 1, 4);
  assert.deepEqual([w.actionU[2], w.actionU[3]], [0, 3]);
});

Deno.test("integration: p += v * dt, then v = 0.75 v + F dt (hand-computed, constant force +x)", () => {
  const w = new MpeWorld({ agents: [{ size: 0.15 }], landmarks: [], dimC: 0 });
  w.setMoveAction(0, 0, 2); // F = 5
  // Step 1: p = 0, v = 0.5. Step 2: p = 0.05, v = 0.875. Step 3: p = 0.1375, v = 1.15625.
  const expected = [[0, 0.5], [0.05, 0.875], [0.1375, 1.15625]];
  for (const [p, v] of expected) {
    w.step(0);
    assert.ok(Math.abs(w.pos[0] - p) < 1e-15, `p ${w.pos[0]} vs ${p}`);
    assert.ok(Math.abs(w.vel[0] - v) < 1e-15, `v ${w.vel[0]} vs ${v}`);
    assert.equal(w.pos[1], 0);
    assert.equal(w.vel[1], 0);
  }
});

Deno.test("max speed clips the velocity norm after the force", () => {
  const w = new MpeWorld({ agents: [{ size: 0.15, maxSpeed: 0.3 }], landmarks: [], dimC: 0 });
  w.setMoveAction(0, 0, 4);
  w.step(0);
  assert.ok(Math.abs(w.vel[1] - 0.3) < 1e-15);
  w.step(0);
  assert.ok(Math.abs(w.pos[1] - 0.03) < 1e-15);
});

Deno.test("overlapping agents are pushed apart by the contact force (hand-computed first step)", () => {
  const w = twoAgents();
  w.pos.set([0, 0, 0.2, 0]);
  w.setMoveAction(0, 0, 0);
  w.setMoveAction(0, 1, 0);
  w.step(0);
  // dist 0.2, distMin 0.3: penetration k * softplus(100) = 0.1, force 100 * 0.1 = 10 along -x for agent 0.
  assert.equal(w.pos[0], 0); // positions move with the old (zero) velocity
  assert.ok(Math.abs(w.vel[0] - -1) < 1e-12 && Math.abs(w.vel[2] - 1) < 1e-12);
  assert.equal(w.vel[1], 0);
  let prev = 0.2;
  for (let t = 0; t < 10; t++) {
    w.step(0);
    const dist: number = w.pos[2] - w.pos[0];
    assert.ok(dist >= prev, `distance shrank at step ${t + 2}`);
    prev = dist;
  }
  assert.ok(prev > 0.3, `still overlapping after 11 steps: ${prev}`);
  // The landmark does not collide and never moves.
  assert.deepEqual([w.pos[4], w.pos[5]], [0, 0]);
});

Deno.test("immovable colliding entity: only the movable side is pushed", () => {
  const w = new MpeWorld({
    agents: [{ size: 0.1 }],
    landmarks: [{ size: 0.1, collide: true, movable: false }],
    dimC: 0,
  });
  w.pos.set([0.15, 0, 0, 0]);
  w.step(0);
  assert.ok(w.vel[0] > 0);
  assert.deepEqual([w.pos[2], w.pos[3], w.vel[2], w.vel[3]], [0, 0, 0, 0]);
  assert.deepEqual(Array.from(w.collisionPairs), [0, 1]);
});

Deno.test("copies are independent", () => {
  const w = new MpeWorld({ agents: [{ size: 0.15 }], landmarks: [], dimC: 0, copies: 3 });
  w.setMoveAction(1, 0, 2);
  w.step(1);
  w.step(1);
  assert.deepEqual(Array.from(w.pos), [0, 0, 0.05, 0, 0, 0]);
});

Deno.test("communication: one-hot of the symbol, zeros for silent agents", () => {
  const w = new MpeWorld({
    agents: [{ size: 0.075, movable: false }, { size: 0.075, silent: true }],
    landmarks: [],
    dimC: 3,
  });
  w.setCommAction(0, 0, 1);
  w.setCommAction(0, 1, 2);
  w.step(0);
  assert.deepEqual(Array.from(w.comm), [0, 1, 0, 0, 0, 0]);
});

Deno.test("loadWorldState / readWorldState round trip and clear errors", () => {
  const w = twoAgents();
  loadWorldState("demo", w, 0, {
    agentPos: [0.1, 0.2, 0.3, 0.4],
    agentVel: [1, 2, 3, 4],
    landmarkPos: [-0.5, 0.5],
  });
  const s = readWorldState(w, 0, 4);
  assert.deepEqual(Array.from(s.agentPos), [0.1, 0.2, 0.3, 0.4]);
  assert.deepEqual(Array.from(s.agentVel), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(s.landmarkPos), [-0.5, 0.5]);
  assert.deepEqual(Array.from(s.agentComm), [0, 0, 0, 0]);
  assert.equal(s.cycle, 4);
  assert.throws(
    () => loadWorldState("demo", w, 0, { agentPos: [0, 0], landmarkPos: [0, 0] }),
    /field "agentPos" must have 4 values, got 2/,
  );
  assert.throws(
    () => loadWorldState("demo", w, 0, { agentPos: [0, 0, NaN, 0], landmarkPos: [0, 0] }),
    /field "agentPos\[2\]" must be a finite number, got NaN/,
  );
  assert.throws(
    () => loadWorldState("demo", w, 0, { agentPos: [0, 0, 0, 0] } as never),
    /field "landmarkPos" is missing/,
  );
  assert.throws(() => new MpeWorld({ agents: [], landmarks: [], dimC: 0, copies: 0 }), /copies/);
});

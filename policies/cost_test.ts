import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Actor, type ActorSpec } from "./actor.ts";
import { initBackend } from "./backend.ts";
import { Critic } from "./critic.ts";
import { actorCost, archLabel, criticCost, denseCost, gruCellCost, mlpCost } from "./cost.ts";

Deno.test("denseCost: hand count 3 -> 2", () => {
  assert.deepEqual(denseCost(3, 2), {
    params: 8,
    paramBytesF32: 32,
    macs: 6,
    flops: 14, // 6 multiplies + 6 adds + 2 bias adds
    peakActivationBytes: 20,
  });
});

Deno.test("mlpCost: hand count 18 -> 16 -> 5 (relu) and 4 -> 8 -> 8 -> 2 (tanh)", () => {
  assert.deepEqual(
    mlpCost({ inputSize: 18, hiddenSizes: [16], outputSize: 5, activation: "relu" }),
    {
      params: 288 + 16 + 80 + 5, // 389
      paramBytesF32: 389 * 4,
      macs: 288 + 80,
      flops: (576 + 16) + 16 + (160 + 5), // 773
      peakActivationBytes: (18 + 16) * 4,
    },
  );
  assert.deepEqual(
    mlpCost({ inputSize: 4, hiddenSizes: [8, 8], outputSize: 2, activation: "tanh" }),
    {
      params: 40 + 72 + 18,
      paramBytesF32: 130 * 4,
      macs: 32 + 64 + 16,
      flops: (64 + 8) + 8 + (128 + 8) + 8 + (32 + 2), // 258
      peakActivationBytes: 16 * 4,
    },
  );
  // No hidden layer: one dense layer, no activation.
  assert.equal(
    mlpCost({ inputSize: 7, hiddenSizes: [], outputSize: 3, activation: "relu" }).flops,
    45,
  );
});

Deno.test("actorCost adds 3A softmax FLOPs and agent-id inputs; criticCost has no softmax", () => {
  const spec: ActorSpec = {
    obsSize: 10,
    agentIdSize: 2,
    numActions: 4,
    hiddenSizes: [8],
    activation: "tanh",
    kind: "mlp",
  };
  const c = actorCost(spec);
  // 12->8: 192+8 ; tanh 8 ; 8->4: 64+4 ; softmax 12
  assert.equal(c.flops, 200 + 8 + 68 + 12);
  assert.equal(c.params, 96 + 8 + 32 + 4);
  assert.equal(c.peakActivationBytes, 20 * 4);
  assert.equal(
    criticCost({ stateSize: 6, hiddenSizes: [4], activation: "relu" }).flops,
    52 + 4 + 9,
  );
  assert.equal(archLabel(spec), "12-8-4");
});

Deno.test("gruCellCost and GRU actor cost: hand count in=3, H=2, head 2 -> 4", () => {
  const cell = gruCellCost(3, 2);
  assert.deepEqual(cell, {
    params: 18 + 12 + 6,
    paramBytesF32: 36 * 4,
    macs: 18 + 12,
    flops: (36 + 6) + 24 + 20, // input projection with bias, recurrent products without, 10H
    peakActivationBytes: (5 + 12) * 4, // [x, h] = in + H, then gates 6H
  });
  const spec: ActorSpec = {
    obsSize: 3,
    agentIdSize: 0,
    numActions: 4,
    hiddenSizes: [2],
    activation: "tanh",
    kind: "gru",
  };
  const a = actorCost(spec);
  assert.equal(a.params, 36 + 8 + 4);
  assert.equal(a.flops, 86 + (16 + 4) + 12);
  assert.equal(a.macs, 30 + 8);
  assert.equal(archLabel(spec), "3-gru2-4");
});

Deno.test("cost params equal the built networks' variable sizes (mlp, gru, critic)", async () => {
  await initBackend("cpu");
  const specs: ActorSpec[] = [
    {
      obsSize: 18,
      agentIdSize: 3,
      numActions: 5,
      hiddenSizes: [64, 32],
      activation: "relu",
      kind: "mlp",
    },
    {
      obsSize: 9,
      agentIdSize: 0,
      numActions: 3,
      hiddenSizes: [16, 8],
      activation: "tanh",
      kind: "gru",
    },
  ];
  for (const spec of specs) {
    const a = new Actor(spec, { seed: 0, name: "cost_t" });
    assert.equal(actorCost(spec).params, a.variables.reduce((s, v) => s + v.size, 0));
    a.dispose();
  }
  const c = new Critic({ stateSize: 30, hiddenSizes: [20], activation: "tanh" }, {
    seed: 0,
    name: "cost_c",
  });
  assert.equal(criticCost(c.spec).params, c.variables.reduce((s, v) => s + v.size, 0));
  c.dispose();
  assert.equal(tf.memory().numTensors, 0);
});

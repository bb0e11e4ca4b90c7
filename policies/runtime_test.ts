import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../sim/rng.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { Actor, type ActorSpec } from "./actor.ts";
import { initBackend } from "./backend.ts";
import { PlainActor } from "./plain.ts";
import { type PolicySet, validatePolicySetFor } from "./policy_set.ts";
import {
  actOne,
  actPolicySet,
  measureActorLatency,
  measureLatency,
  PolicyRuntime,
  releasePolicySet,
} from "./runtime.ts";

function tfSet(env: MatchingEnv, kind: "mlp" | "gru", seed: number, agentIdSize = 0): PolicySet {
  return {
    classes: env.classes.map((c) => {
      const spec: ActorSpec = {
        obsSize: c.obsSize,
        agentIdSize: c.count > 1 ? agentIdSize : 0,
        numActions: c.numActions,
        hiddenSizes: [12],
        activation: "tanh",
        kind,
      };
      const actor = new Actor(spec, { seed, name: `rt_t_${kind}_${c.name}` });
      // Spread the logits (output gain 0.01 makes near-ties likely).
      actor.net.setWeights(
        actor.net.getWeights().map((w, i) => (i === 2 ? w.map((v) => v * 100) : w)),
      );
      return { name: c.name, actor };
    }),
  };
}

function disposeSet(set: PolicySet): void {
  releasePolicySet(set);
  for (const c of set.classes) if (c.actor instanceof Actor) c.actor.dispose();
}

Deno.test("actPolicySet greedy: tfjs (wasm) and plain paths choose the same legal actions, no tensor leak", async () => {
  await initBackend("wasm");
  const env = new MatchingEnv({ maxSteps: 40 });
  const set = tfSet(env, "mlp", 3, 2);
  const plainSet: PolicySet = {
    classes: set.classes.map((c) => ({
      name: c.name,
      actor: PlainActor.fromActor(c.actor as Actor),
    })),
  };
  validatePolicySetFor(set, env.classes);
  const a = env.classes.map((c) => new Int32Array(c.count));
  const b = env.classes.map((c) => new Int32Array(c.count));
  let step = env.reset(5);
  const before = tf.memory().numTensors;
  let decisions = 0;
  while (!step.done) {
    actPolicySet(set, step.classes, a, { greedy: true, agentIndexOffset: 0 });
    actPolicySet(plainSet, step.classes, b, { greedy: true });
    assert.equal(tf.memory().numTensors, before);
    for (let c = 0; c < a.length; c++) {
      assert.deepEqual(a[c], b[c]);
      decisions += a[c].length;
      for (let i = 0; i < a[c].length; i++) {
        // the one-hot id input was used: actOne with the same agent index agrees
        const spec = set.classes[c].actor.spec;
        const obs = step.classes[c].obs.subarray(i * spec.obsSize, (i + 1) * spec.obsSize);
        const mask = step.classes[c].actionMask.subarray(
          i * spec.numActions,
          (i + 1) * spec.numActions,
        );
        assert.equal(actOne(set.classes[c].actor, obs, mask, i), a[c][i]);
        assert.equal(mask[a[c][i]], 1);
      }
    }
    step = env.step(a); // validates legality
  }
  assert.equal(tf.memory().numTensors, before);
  assert.equal(decisions, 40 * 3);
  disposeSet(set);
});

Deno.test("actPolicySet sampling: seeded, honours masks, roughly uniform for a uniform policy", async () => {
  await initBackend("wasm");
  // Zero weights: all legal actions equally likely.
  const actor = PlainActor.fromWeights(
    { obsSize: 2, agentIdSize: 0, numActions: 3, hiddenSizes: [], activation: "relu", kind: "mlp" },
    [new Float32Array(6), new Float32Array(3)],
  );
  const set: PolicySet = { classes: [{ name: "x", actor }] };
  const count = 1000;
  const buffers = [{
    obs: new Float32Array(count * 2),
    actionMask: new Uint8Array(count * 3).map((_, i) => (i % 3 === 1 ? 0 : 1)), // action 1 illegal
    rewards: new Float32Array(count),
    terminations: new Uint8Array(count),
    truncations: new Uint8Array(count),
  }];
  const out = [new Int32Array(count)];
  actPolicySet(set, buffers, out, { greedy: false, rng: new Rng(1) });
  const counts = [0, 0, 0];
  for (const x of out[0]) counts[x]++;
  assert.equal(counts[1], 0);
  assert.ok(Math.abs(counts[0] - 500) < 80 && Math.abs(counts[2] - 500) < 80, `${counts}`);
  const again = [new Int32Array(count)];
  actPolicySet(set, buffers, again, { greedy: false, rng: new Rng(1) });
  assert.deepEqual(again[0], out[0]);
  // tfjs path samples the same way from the same logits
  const tfActor = new Actor(actor.spec, { seed: 0, name: "rt_t_sample" });
  tfActor.net.setWeights(actor.getWeights());
  const tfSet: PolicySet = { classes: [{ name: "x", actor: tfActor }] };
  const viaTf = [new Int32Array(count)];
  actPolicySet(tfSet, buffers, viaTf, { greedy: false, rng: new Rng(1) });
  assert.deepEqual(viaTf[0], out[0]);
  assert.throws(() => actPolicySet(set, buffers, out, { greedy: false }), /needs options.rng/);
  disposeSet(tfSet);
});

Deno.test("PolicyRuntime with a GRU actor keeps one hidden tensor per class and frees it", async () => {
  await initBackend("wasm");
  const env = new MatchingEnv({ maxSteps: 5 });
  const set = tfSet(env, "gru", 1);
  const rt = new PolicyRuntime(set);
  const actions = env.classes.map((c) => new Int32Array(c.count));
  let step = env.reset(2);
  const before = tf.memory().numTensors;
  while (!step.done) {
    rt.act(step.classes, actions, { greedy: true });
    assert.equal(tf.memory().numTensors, before + 2); // hidden state of classes a and b
    step = env.step(actions);
  }
  rt.resetHidden();
  assert.equal(tf.memory().numTensors, before);
  rt.dispose();
  disposeSet(set);
});

Deno.test("validatePolicySetFor names the class, field and values", async () => {
  await initBackend("cpu");
  const env = new MatchingEnv();
  const set = tfSet(env, "mlp", 0);
  assert.throws(
    () => validatePolicySetFor(set, [env.classes[0], { ...env.classes[1], obsSize: 9 }]),
    /class 1 \("b"\): obsSize is 4, the environment has 9/,
  );
  assert.throws(
    () => validatePolicySetFor(set, [env.classes[0]]),
    /it has 2 classes \[a, b\], the environment has 1 \[a\]/,
  );
  disposeSet(set);
});

Deno.test("measureLatency and measureActorLatency: ordered statistics, no leak", async () => {
  await initBackend("wasm");
  const s = measureLatency(() => {
    let x = 0;
    for (let i = 0; i < 1000; i++) x += i;
    return x;
  }, { samples: 30, callsPerSample: 5, warmup: 2 });
  assert.ok(s.minMs <= s.medianMs && s.medianMs <= s.p99Ms && s.meanMs > 0);
  const actor = new Actor(
    {
      obsSize: 18,
      agentIdSize: 0,
      numActions: 5,
      hiddenSizes: [64],
      activation: "tanh",
      kind: "mlp",
    },
    { seed: 0, name: "rt_t_lat" },
  );
  const before = tf.memory().numTensors;
  const l = measureActorLatency(actor, { batch: 8, samples: 10, warmup: 2 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(l.samples, 10);
  actor.dispose();
});

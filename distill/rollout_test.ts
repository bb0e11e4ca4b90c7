import assert from "node:assert/strict";
import type { AgentClassSpec, MultiAgentEnv, StepResult } from "../sim/env/types.ts";
import { VectorEnv } from "../sim/env/vector.ts";
import { Rng } from "../sim/rng.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import {
  collectRollout,
  type LogitsFn,
  RolloutBuffer,
  type RolloutEpisodes,
  sampleMasked,
  writeActorInputs,
} from "./rollout.ts";

/** A seeded-sampling policy whose logits favour the cue: 2 * input[k] for action k (cue bits come first). */
function cuePolicy(specs: readonly AgentClassSpec[], inputSizes: readonly number[]): LogitsFn {
  return (c, inputs, _masks, rows, logits) => {
    const { numActions } = specs[c];
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < numActions; k++) {
        logits[r * numActions + k] = 2 * inputs[r * inputSizes[c] + k];
      }
    }
  };
}

/** Runs `collectRollout` on `envs` (already built) for `steps` steps from `VectorEnv.reset(seed)`. */
function collect(
  envs: MultiAgentEnv[],
  steps: number,
  seed: number,
  agentIdSizes: number[],
  rolloutsCalls = 1,
): { venv: VectorEnv; buffer: RolloutBuffer; episodes: RolloutEpisodes[] } {
  const venv = new VectorEnv(envs);
  venv.reset(seed);
  const specs = venv.classes;
  const E = venv.numEnvs;
  const inputSizes = specs.map((c, k) => c.obsSize + agentIdSizes[k]);
  const buffer = new RolloutBuffer(specs, {
    steps,
    envs: E,
    stateSize: venv.stateSize,
    inputSizes,
  });
  const alive = specs.map((c) => new Float32Array(E * c.count).fill(1));
  const logits = specs.map((c) => new Float32Array(E * c.count * c.numActions));
  const actions = specs.map((c) => new Int32Array(E * c.count));
  const rng = new Rng(seed, "policy");
  const policy = cuePolicy(specs, inputSizes);
  const episodes: RolloutEpisodes[] = [];
  for (let k = 0; k < rolloutsCalls; k++) {
    episodes.push(
      collectRollout(venv, buffer, policy, rng, agentIdSizes, alive, logits, actions),
    );
  }
  return { venv, buffer, episodes };
}

function logSoftmaxMasked(logits: number[], mask: number[], k: number): number {
  const legal = logits.filter((_, j) => mask[j] !== 0);
  const max = Math.max(...legal);
  const lse = Math.log(legal.reduce((a, l) => a + Math.exp(l - max), 0)) + max;
  return logits[k] - lse;
}

Deno.test("RolloutBuffer: array sizes follow steps, envs, classes and input sizes", () => {
  const env = new MatchingEnv();
  const b = new RolloutBuffer(env.classes, {
    steps: 5,
    envs: 3,
    stateSize: env.stateSize,
    inputSizes: [5 + 2, 4],
  });
  const te = 15;
  for (const a of [b.rewards, b.terminated, b.ended, b.values, b.nextValues, b.advantages]) {
    assert.equal(a.length, te);
  }
  assert.equal(b.returns.length, te);
  assert.equal(b.states.length, te * 12);
  assert.equal(b.finalStates.length, te * 12);
  assert.equal(b.bootstrapStates.length, 3 * 12);
  assert.deepEqual(b.classes.map((c) => c.inputs.length), [te * 2 * 7, te * 1 * 4]);
  assert.deepEqual(b.classes.map((c) => c.masks.length), [te * 2 * 4, te * 1 * 3]);
  for (const c of [0, 1]) {
    const n = te * env.classes[c].count;
    const cr = b.classes[c];
    assert.deepEqual([cr.actions.length, cr.logProbs.length, cr.weights.length], [n, n, n]);
  }
});

Deno.test("collectRollout on toy/matching: every row matches a step-by-step replay, with auto-reset and final states", () => {
  const T = 7, E = 2, seed = 11, maxSteps = 3;
  const agentIdSizes = [2, 0];
  const { buffer, episodes } = collect(
    Array.from({ length: E }, () => new MatchingEnv({ maxSteps })),
    T,
    seed,
    agentIdSizes,
  );
  const specs = buffer.specs;
  const S = 12;
  for (let e = 0; e < E; e++) {
    // The reference: one MatchingEnv per copy, reset with the same episode seeds, fed the recorded actions.
    const ref = new MatchingEnv({ maxSteps });
    let episode = 0;
    let result: StepResult = ref.reset(VectorEnv.episodeSeed(seed, e, 0));
    let sinceReset = 0;
    let episodeReturn = 0;
    for (let t = 0; t < T; t++) {
      const i = t * E + e;
      assert.deepEqual(
        Array.from(buffer.states.subarray(i * S, (i + 1) * S)),
        Array.from(ref.state()),
        `state t=${t} e=${e}`,
      );
      const acts = specs.map((spec, c) => {
        const inputSize = spec.obsSize + agentIdSizes[c];
        const cr = buffer.classes[c];
        const out = new Int32Array(spec.count);
        for (let a = 0; a < spec.count; a++) {
          const row = i * spec.count + a;
          const input = Array.from(cr.inputs.subarray(row * inputSize, (row + 1) * inputSize));
          const obs = Array.from(
            result.classes[c].obs.subarray(a * spec.obsSize, (a + 1) * spec.obsSize),
          );
          const id = agentIdSizes[c]
            ? Array.from({ length: agentIdSizes[c] }, (_, j) => +(j === a))
            : [];
          assert.deepEqual(input, [...obs, ...id], `input t=${t} e=${e} class ${c} agent ${a}`);
          const mask = Array.from(
            cr.masks.subarray(row * spec.numActions, (row + 1) * spec.numActions),
          );
          assert.deepEqual(
            mask,
            Array.from(
              result.classes[c].actionMask.subarray(
                a * spec.numActions,
                (a + 1) * spec.numActions,
              ),
            ),
          );
          const action = cr.actions[row];
          assert.equal(mask[action], 1, "a masked action was chosen");
          const logits = Array.from({ length: spec.numActions }, (_, k) => 2 * input[k]);
          assert.ok(Math.abs(cr.logProbs[row] - logSoftmaxMasked(logits, mask, action)) < 1e-5);
          assert.equal(cr.weights[row], 1, "no agent of toy/matching leaves early");
          out[a] = action;
        }
        return out;
      });
      result = ref.step(acts);
      sinceReset++;
      const rewards = [...result.classes[0].rewards, ...result.classes[1].rewards];
      const mean = rewards.reduce((a, r) => a + r, 0) / 3;
      episodeReturn += mean;
      assert.ok(Math.abs(buffer.rewards[i] - mean) < 1e-6, `reward t=${t} e=${e}`);
      assert.equal(buffer.ended[i], result.done ? 1 : 0, `ended t=${t} e=${e}`);
      assert.equal(buffer.terminated[i], 0, "toy/matching only truncates");
      if (result.done) {
        assert.equal(sinceReset, maxSteps);
        // The final-state row holds the terminal state (time feature 1), not the next episode's first state.
        const final = Array.from(buffer.finalStates.subarray(i * S, (i + 1) * S));
        assert.deepEqual(final, Array.from(ref.state()), `final state t=${t} e=${e}`);
        assert.equal(final[11], 1);
        const stats = episodes[0].lengths.findIndex((_, k) =>
          Math.abs(episodes[0].meanAgentReturns[k] - episodeReturn) < 1e-5
        );
        assert.ok(stats >= 0, `episode of copy ${e} ending at t=${t} is reported`);
        episodeReturn = 0;
        sinceReset = 0;
        result = ref.reset(VectorEnv.episodeSeed(seed, e, ++episode));
      }
    }
    assert.deepEqual(
      Array.from(buffer.bootstrapStates.subarray(e * S, (e + 1) * S)),
      Array.from(ref.state()),
      `bootstrap state e=${e}`,
    );
  }
  // Episodes end at t = 2 and t = 5 in both copies: four reported, all of length 3.
  assert.deepEqual(Array.from(buffer.ended), [0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0]);
  assert.deepEqual(episodes[0].lengths, [3, 3, 3, 3]);
  assert.equal(episodes[0].infos.length, 4);
});

Deno.test("collectRollout: same seeds, same rollout; another policy seed, other actions", () => {
  const make = (seed: number) =>
    collect([new MatchingEnv(), new MatchingEnv(), new MatchingEnv()], 9, seed, [0, 0]).buffer;
  const a = make(5), b = make(5), c = make(6);
  assert.deepEqual(a.classes[0].actions, b.classes[0].actions);
  assert.deepEqual(a.classes[1].logProbs, b.classes[1].logProbs);
  assert.deepEqual(a.states, b.states);
  assert.deepEqual(a.rewards, b.rewards);
  assert.notDeepEqual(a.classes[0].actions, c.classes[0].actions);
});

/**
 * toy/matching with early exits: agent a_1 terminates at its episode's step 1 (the others play on), and
 * when `terminateAt` is set every agent terminates at that step (an episode ended by termination).
 */
class EarlyExit implements MultiAgentEnv {
  readonly inner = new MatchingEnv({ maxSteps: 4 });
  readonly id = "toy/matching";
  readonly classes = this.inner.classes;
  readonly agents = this.inner.agents;
  readonly stateSize = this.inner.stateSize;
  readonly maxSteps = 4;
  #t = 0;
  constructor(readonly terminateAt?: number) {}
  reset(seed: number): StepResult {
    this.#t = 0;
    return this.inner.reset(seed);
  }
  step(actions: readonly Int32Array[]): StepResult {
    const r = this.inner.step(actions);
    this.#t++;
    if (this.#t === 1) r.classes[0].terminations[1] = 1;
    if (this.#t === this.terminateAt) {
      for (const b of r.classes) {
        b.terminations.fill(1);
        b.truncations.fill(0);
      }
      return { classes: r.classes, done: true, infos: r.infos };
    }
    return r;
  }
  state(out?: Float32Array): Float32Array {
    return this.inner.state(out);
  }
}

Deno.test("collectRollout: agents out of play get weight 0 until the reset; termination vs truncation", () => {
  // Copy 0 terminates at step 3 of each episode; copy 1 is truncated at step 4.
  const T = 8, E = 2;
  const { buffer, episodes } = collect([new EarlyExit(3), new EarlyExit()], T, 2, [0, 0]);
  const wA = buffer.classes[0].weights;
  const weightsOf = (e: number, agent: number) =>
    Array.from({ length: T }, (_, t) => wA[(t * E + e) * 2 + agent]);
  // a_1 acts at step 0 of each episode (weight 1), terminates there, then sits out (weight 0).
  assert.deepEqual(weightsOf(0, 1), [1, 0, 0, 1, 0, 0, 1, 0]);
  assert.deepEqual(weightsOf(1, 1), [1, 0, 0, 0, 1, 0, 0, 0]);
  assert.deepEqual(weightsOf(0, 0), [1, 1, 1, 1, 1, 1, 1, 1]);
  assert.ok(buffer.classes[1].weights.every((w) => w === 1));
  const row = (a: Uint8Array, e: number) => Array.from({ length: T }, (_, t) => a[t * E + e]);
  assert.deepEqual(row(buffer.ended, 0), [0, 0, 1, 0, 0, 1, 0, 0]);
  assert.deepEqual(row(buffer.terminated, 0), [0, 0, 1, 0, 0, 1, 0, 0]);
  assert.deepEqual(row(buffer.ended, 1), [0, 0, 0, 1, 0, 0, 0, 1]);
  assert.deepEqual(
    row(buffer.terminated, 1),
    [0, 0, 0, 0, 0, 0, 0, 0],
    "truncated, not terminated",
  );
  // The last step of copy 1 ended its episode: its final state is the terminal one, the bootstrap state
  // the first of the next episode.
  const S = buffer.sizes.stateSize;
  const last = (T - 1) * E + 1;
  assert.equal(buffer.finalStates[last * S + 11], 1);
  assert.equal(buffer.bootstrapStates[1 * S + 11], 0);
  assert.deepEqual(episodes[0].lengths.toSorted(), [3, 3, 4, 4]);
});

Deno.test("collectRollout: out-of-play agents stay at weight 0 across rollout calls", () => {
  // Rollouts of 2 steps; copy 1 (truncated at 4) has a_1 out from its step 1 on, over the call boundary.
  const venv = new VectorEnv([new EarlyExit()]);
  venv.reset(4);
  const specs = venv.classes;
  const buffer = new RolloutBuffer(specs, { steps: 2, envs: 1, stateSize: 12, inputSizes: [5, 4] });
  const alive = specs.map((c) => new Float32Array(c.count).fill(1));
  const logits = specs.map((c) => new Float32Array(c.count * c.numActions));
  const actions = specs.map((c) => new Int32Array(c.count));
  const rng = new Rng(1);
  const weights: number[] = [];
  for (let k = 0; k < 3; k++) {
    const episodes = collectRollout(
      venv,
      buffer,
      cuePolicy(specs, [5, 4]),
      rng,
      [0, 0],
      alive,
      logits,
      actions,
    );
    weights.push(buffer.classes[0].weights[1], buffer.classes[0].weights[3]);
    // Episodes are reported by the call in which they ended, once.
    assert.deepEqual(episodes.lengths, k === 1 ? [4] : []);
  }
  assert.deepEqual(weights, [1, 0, 0, 0, 1, 0]);
});

Deno.test("collectRollout: greedy (no rng) takes the legal argmax", () => {
  const venv = new VectorEnv([new MatchingEnv()]);
  venv.reset(3);
  const specs = venv.classes;
  const buffer = new RolloutBuffer(specs, { steps: 4, envs: 1, stateSize: 12, inputSizes: [5, 4] });
  collectRollout(
    venv,
    buffer,
    cuePolicy(specs, [5, 4]),
    undefined,
    [0, 0],
    specs.map((c) => new Float32Array(c.count).fill(1)),
    specs.map((c) => new Float32Array(c.count * c.numActions)),
    specs.map((c) => new Int32Array(c.count)),
  );
  // The cue policy's argmax is the cue, which pays 1 + bonus 1 per agent: a perfect team reward of 2.
  assert.deepEqual(Array.from(buffer.rewards), [2, 2, 2, 2]);
});

Deno.test("writeActorInputs: observation then a one-hot agent index", () => {
  const out = new Float32Array(2 + 3 * 4).fill(-1);
  writeActorInputs(Float32Array.of(1, 2, 3, 4, 5, 6), 3, 2, 2, out, 2);
  assert.deepEqual(Array.from(out), [-1, -1, 1, 2, 1, 0, 3, 4, 0, 1, 5, 6, 1, 0]);
  const plain = new Float32Array(4);
  writeActorInputs(Float32Array.of(7, 8, 9, 10), 2, 2, 0, plain, 0);
  assert.deepEqual(Array.from(plain), [7, 8, 9, 10]);
});

Deno.test("sampleMasked: argmax and log-probability over legal actions; sampling follows the softmax", () => {
  const logits = Float32Array.of(0, 9, Math.log(2), Math.log(3)); // action 1 is illegal despite its logit
  const mask = Float32Array.of(1, 0, 1, 1);
  const lp = new Float32Array(1);
  assert.equal(sampleMasked(logits, 0, 4, mask, 0, undefined, lp, 0), 3);
  assert.ok(Math.abs(lp[0] - Math.log(3 / 6)) < 1e-6);
  const rng = new Rng(21, "sample");
  const counts = [0, 0, 0, 0];
  const n = 6000;
  for (let i = 0; i < n; i++) {
    const a = sampleMasked(logits, 0, 4, mask, 0, rng, lp, 0);
    counts[a]++;
    assert.ok(Math.abs(lp[0] - Math.log([1, 0, 2, 3][a] / 6)) < 1e-6);
  }
  assert.equal(counts[1], 0);
  // Expected 1000, 2000, 3000; binomial sd < 40, so 5 sd is < 200.
  [1, 0, 2, 3].forEach((w, k) => assert.ok(Math.abs(counts[k] - (w / 6) * n) < 200, `${counts}`));
});

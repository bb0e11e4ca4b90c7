/**
 * Deployment-time inference: choosing every agent's action from an environment step with a
 * {@linkcode PolicySet}, batched per agent class (one forward pass per class), or batch 1 for a lone node;
 * and latency measurement (median and p99 over N calls) per network and backend.
 *
 * Backends: tfjs-backend-wasm with SIMD (call `initBackend("wasm")` first), tfjs cpu, the plain
 * Float32Array path ({@linkcode PlainActor}), or the exported C compiled to WASM SIMD
 * ({@linkcode CompiledActor}, `policies/compiled.ts`). tfjs's threaded WASM does not work in Deno (its
 * workers start from `blob:` URLs, which Deno refuses), so parallel inference would mean Deno workers each
 * with their own tfjs; with per-class batching one thread is enough here.
 *
 * Every tensor block runs inside `tf.tidy`; a recurrent actor's hidden state is the only tensor kept between
 * calls (freed by `PolicyRuntime.dispose`).
 *
 * @example
 * ```ts
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * import { Actor } from "./actor.ts";
 * import { initBackend } from "./backend.ts";
 * import { actPolicySet } from "./runtime.ts";
 * await initBackend("wasm");
 * const env = new MatchingEnv();
 * const set = { classes: env.classes.map((c) => ({ name: c.name, actor: new Actor({ obsSize: c.obsSize,
 *   agentIdSize: 0, numActions: c.numActions, hiddenSizes: [16], activation: "tanh" as const,
 *   kind: "mlp" as const }, { seed: 1, name: `rt_demo_${c.name}` }) })) };
 * const step = env.reset(1);
 * const actions = env.classes.map((c) => new Int32Array(c.count));
 * actPolicySet(set, step.classes, actions, { greedy: true });
 * env.step(actions); // legal by construction
 * for (const c of set.classes) (c.actor as Actor).dispose();
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { ClassBuffers } from "../sim/env/types.ts";
import type { Rng } from "../sim/rng.ts";
import { type Actor, buildActorInput } from "./actor.ts";
import { PlainActor } from "./plain.ts";
import { CompiledActor } from "./compiled.ts";
import type { PolicySet } from "./policy_set.ts";

/** How actions are chosen. */
export interface ActOptions {
  /** Argmax of the masked logits (deployment) when true; a sample from the masked softmax otherwise. */
  greedy: boolean;
  /** Random stream for sampling (required when `greedy` is false). */
  rng?: Rng;
  /** Offset added to the agent index for the one-hot agent id (default 0). */
  agentIndexOffset?: number;
}

interface ClassScratch {
  count: number;
  /** The observations through the class's view (absent without one). */
  viewed?: Float32Array;
  inputs: Float32Array;
  maskF: Float32Array;
  logits: Float32Array;
  probs: Float64Array;
  hidden?: tf.Tensor2D;
}

/**
 * Chooses actions for every agent of a policy set, keeping per-class scratch buffers (and recurrent state)
 * between calls. A class with an observation view (`PolicyClass.view`, a student with an observation
 * budget) reads the environment's full observations through it into a preallocated buffer first.
 *
 * @example
 * ```ts
 * import { PlainActor } from "./plain.ts";
 * import { PolicyRuntime } from "./runtime.ts";
 * const actor = PlainActor.fromWeights({ obsSize: 2, agentIdSize: 0, numActions: 2, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(1, 0, 0, 1), Float32Array.of(0, 0)]);
 * const rt = new PolicyRuntime({ classes: [{ name: "a", actor }] });
 * const buffers = [{ obs: Float32Array.of(1, 0, 0, 1), actionMask: Uint8Array.of(1, 1, 1, 1),
 *   rewards: new Float32Array(2), terminations: new Uint8Array(2), truncations: new Uint8Array(2) }];
 * const out = rt.act(buffers, [new Int32Array(2)], { greedy: true });
 * console.assert(out[0][0] === 0 && out[0][1] === 1);
 * rt.dispose();
 * ```
 */
export class PolicyRuntime {
  /** The policies. */
  readonly set: PolicySet;
  #scratch: (ClassScratch | undefined)[];

  /** Wraps `set`; buffers are sized on first use. */
  constructor(set: PolicySet) {
    this.set = set;
    this.#scratch = set.classes.map(() => undefined);
  }

  /**
   * Writes one action per agent into `outActions[c]` (its length is the class's agent count) from the
   * observations and masks in `classes` (a `StepResult.classes`). Returns `outActions`.
   */
  act(
    classes: readonly ClassBuffers[],
    outActions: Int32Array[],
    options: ActOptions,
  ): Int32Array[] {
    if (
      classes.length !== this.set.classes.length || outActions.length !== this.set.classes.length
    ) {
      throw new RangeError(
        `PolicyRuntime.act: the policy set has ${this.set.classes.length} classes, got ${classes.length} buffers and ${outActions.length} action arrays`,
      );
    }
    if (!options.greedy && !options.rng) {
      throw new RangeError("PolicyRuntime.act: sampling (greedy: false) needs options.rng");
    }
    for (let c = 0; c < classes.length; c++) this.#actClass(c, classes[c], outActions[c], options);
    return outActions;
  }

  /** Zeroes recurrent hidden states (call at episode start). */
  resetHidden(): void {
    for (const s of this.#scratch) {
      s?.hidden?.dispose();
      if (s) s.hidden = undefined;
    }
  }

  /** Frees kept tensors (recurrent state). The actors stay the caller's. */
  dispose(): void {
    this.resetHidden();
  }

  #scratchFor(c: number, count: number): ClassScratch {
    const { actor } = this.set.classes[c];
    let s = this.#scratch[c];
    if (!s || s.count !== count) {
      s?.hidden?.dispose();
      const A = actor.spec.numActions;
      const view = this.set.classes[c].view;
      s = {
        count,
        ...(view ? { viewed: new Float32Array(count * view.outputSize) } : {}),
        inputs: new Float32Array(count * actor.inputSize),
        maskF: new Float32Array(count * A),
        logits: new Float32Array(count * A),
        probs: new Float64Array(A),
      };
      this.#scratch[c] = s;
    }
    return s;
  }

  #actClass(c: number, buffers: ClassBuffers, out: Int32Array, options: ActOptions): void {
    const { actor, name, view } = this.set.classes[c];
    const spec = actor.spec;
    const count = out.length;
    const A = spec.numActions;
    const obsSize = view ? view.inputSize : spec.obsSize;
    if (buffers.obs.length < count * obsSize || buffers.actionMask.length < count * A) {
      throw new RangeError(
        `PolicyRuntime.act: class "${name}" has ${count} agents of obsSize ${obsSize} and ${A} actions, but the buffers hold ${buffers.obs.length} observation and ${buffers.actionMask.length} mask values`,
      );
    }
    const s = this.#scratchFor(c, count);
    if (view) view.applyBatch(buffers.obs, count, s.viewed!);
    const mask = buffers.actionMask;
    if (actor instanceof CompiledActor && options.greedy) {
      // Zero copy: the inputs are built straight into the module's memory, one call decides.
      const staged = actor.stagedInputs(count);
      buildActorInput(
        s.viewed ?? buffers.obs,
        count,
        spec.obsSize,
        spec.agentIdSize,
        staged,
        options.agentIndexOffset ?? 0,
      );
      actor.actStagedBatch(count, mask, out);
      return;
    }
    buildActorInput(
      s.viewed ?? buffers.obs,
      count,
      spec.obsSize,
      spec.agentIdSize,
      s.inputs,
      options.agentIndexOffset ?? 0,
    );
    if (actor instanceof PlainActor || actor instanceof CompiledActor) {
      if (options.greedy) {
        actor.actBatch(s.inputs, count, mask, out);
        return;
      }
      actor.logits(s.inputs, mask, s.logits, count);
    } else {
      for (let i = 0; i < count * A; i++) s.maskF[i] = mask[i];
      this.#tfLogits(actor, s, count);
    }
    for (let r = 0; r < count; r++) {
      out[r] = options.greedy
        ? argmaxRow(s.logits, r * A, A)
        : sampleRow(s.logits, r * A, A, s.probs, options.rng!);
    }
  }

  #tfLogits(actor: Actor, s: ClassScratch, count: number): void {
    const A = actor.spec.numActions;
    if (actor.gru) {
      const H = actor.gru.hiddenSize;
      const hidden = s.hidden ?? (tf.zeros([count, H]) as tf.Tensor2D);
      const result = tf.tidy(() =>
        actor.forwardStep(
          tf.tensor2d(s.inputs, [count, actor.inputSize]),
          hidden,
          tf.tensor2d(s.maskF, [count, A]),
        )
      );
      hidden.dispose();
      s.hidden = result.hidden;
      s.logits.set(result.logits.dataSync() as Float32Array);
      result.logits.dispose();
      result.latent.dispose();
      return;
    }
    const logits = tf.tidy(() =>
      actor.forward(
        tf.tensor2d(s.inputs, [count, actor.inputSize]),
        tf.tensor2d(s.maskF, [count, A]),
      )
        .logits
    );
    s.logits.set(logits.dataSync() as Float32Array);
    logits.dispose();
  }
}

/** First index of the maximum of `values[offset .. offset + n)`, as `tf.argMax` resolves ties. */
function argmaxRow(values: Float32Array, offset: number, n: number): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let k = 0; k < n; k++) {
    if (values[offset + k] > bestValue) {
      bestValue = values[offset + k];
      best = k;
    }
  }
  return best;
}

/** Sample from softmax(logits row); masked logits (-1e9) get probability 0. */
function sampleRow(
  values: Float32Array,
  offset: number,
  n: number,
  probs: Float64Array,
  rng: Rng,
): number {
  let max = -Infinity;
  for (let k = 0; k < n; k++) if (values[offset + k] > max) max = values[offset + k];
  for (let k = 0; k < n; k++) probs[k] = Math.exp(values[offset + k] - max);
  return rng.categorical(probs);
}

const runtimes = new WeakMap<PolicySet, PolicyRuntime>();

/**
 * Chooses every agent's action for one environment step: greedy argmax (deployment) or a sample from the
 * masked softmax (with `options.rng`), honouring the action masks. Batched per class; scratch buffers (and
 * recurrent state) are kept per policy set between calls. Returns `outActions`.
 *
 * @example
 * ```ts
 * import { Rng } from "../sim/rng.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * import { PlainActor } from "./plain.ts";
 * import { actPolicySet } from "./runtime.ts";
 * const env = new MatchingEnv();
 * const set = { classes: env.classes.map((c) => ({ name: c.name, actor: PlainActor.fromWeights({
 *   obsSize: c.obsSize, agentIdSize: 0, numActions: c.numActions, hiddenSizes: [], activation: "relu",
 *   kind: "mlp" }, [new Float32Array(c.obsSize * c.numActions), new Float32Array(c.numActions)]) })) };
 * const actions = env.classes.map((c) => new Int32Array(c.count));
 * actPolicySet(set, env.reset(2).classes, actions, { greedy: false, rng: new Rng(3) });
 * env.step(actions);
 * ```
 */
export function actPolicySet(
  set: PolicySet,
  classes: readonly ClassBuffers[],
  outActions: Int32Array[],
  options: ActOptions,
): Int32Array[] {
  let rt = runtimes.get(set);
  if (!rt) {
    rt = new PolicyRuntime(set);
    runtimes.set(set, rt);
  }
  return rt.act(classes, outActions, options);
}

/**
 * Frees what {@linkcode actPolicySet} keeps for `set` (recurrent state) and zeroes that state.
 *
 * @example
 * ```ts
 * import { releasePolicySet } from "./runtime.ts";
 * releasePolicySet({ classes: [] }); // nothing kept: no-op
 * ```
 */
export function releasePolicySet(set: PolicySet): void {
  runtimes.get(set)?.dispose();
  runtimes.delete(set);
}

/**
 * Greedy action of a lone node (batch 1): observation `obs` (`obsSize`: the network's input observation,
 * so for a student with an observation view, the view's output), optional mask, agent index for the
 * one-hot id. Uses `scratch` (`inputSize` values) when given.
 *
 * @example
 * ```ts
 * import { PlainActor } from "./plain.ts";
 * import { actOne } from "./runtime.ts";
 * const actor = PlainActor.fromWeights({ obsSize: 2, agentIdSize: 0, numActions: 2, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(1, 0, 0, 1), Float32Array.of(0, 0)]);
 * console.assert(actOne(actor, Float32Array.of(0, 1)) === 1);
 * ```
 */
export function actOne(
  actor: Actor | PlainActor | CompiledActor,
  obs: Float32Array,
  mask?: Uint8Array,
  agentIndex = 0,
  scratch: Float32Array = new Float32Array(actor.inputSize),
): number {
  const spec = actor.spec;
  buildActorInput(obs, 1, spec.obsSize, spec.agentIdSize, scratch, agentIndex);
  if (actor instanceof PlainActor || actor instanceof CompiledActor) {
    return actor.act(scratch, mask);
  }
  return tf.tidy(() => {
    const input = tf.tensor2d(scratch, [1, actor.inputSize]);
    const m = mask ? tf.tensor2d(Float32Array.from(mask), [1, spec.numActions]) : undefined;
    return tf.argMax(actor.forward(input, m).logits, 1).dataSync()[0];
  });
}

/** Latency figures over repeated calls. */
export interface LatencyStats {
  /** Timed samples. */
  samples: number;
  /** Calls per sample (latency = sample time / calls). */
  callsPerSample: number;
  /** Median, milliseconds per call. */
  medianMs: number;
  /** 99th percentile, milliseconds per call. */
  p99Ms: number;
  /** Mean, milliseconds per call. */
  meanMs: number;
  /** Fastest, milliseconds per call. */
  minMs: number;
}

/**
 * Times `fn`: `warmup` untimed calls, then `samples` timed samples of `callsPerSample` calls each (use
 * more calls per sample for sub-microsecond work). Returns per-call median, p99, mean, min.
 *
 * @example
 * ```ts
 * import { measureLatency } from "./runtime.ts";
 * const s = measureLatency(() => Math.sqrt(2), { samples: 50, callsPerSample: 100 });
 * console.assert(s.p99Ms >= s.medianMs && s.medianMs >= s.minMs);
 * ```
 */
export function measureLatency(
  fn: () => void,
  options: { samples?: number; callsPerSample?: number; warmup?: number } = {},
): LatencyStats {
  const samples = options.samples ?? 200;
  const per = options.callsPerSample ?? 1;
  const warmup = options.warmup ?? 20;
  for (let i = 0; i < warmup; i++) fn();
  const times = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < per; i++) fn();
    times[s] = (performance.now() - t0) / per;
  }
  times.sort();
  const pick = (q: number) => times[Math.min(samples - 1, Math.floor(q * samples))];
  let sum = 0;
  for (const t of times) sum += t;
  return {
    samples,
    callsPerSample: per,
    medianMs: pick(0.5),
    p99Ms: pick(0.99),
    meanMs: sum / samples,
    minMs: times[0],
  };
}

/**
 * Latency of one greedy decision pass of `actor` at batch `batch` on the active backend (tfjs actors: input
 * upload, forward, argmax, read back; plain actors: `actBatch`). Inputs are seeded pseudo-random values.
 *
 * @example
 * ```ts
 * import { PlainActor } from "./plain.ts";
 * import { measureActorLatency } from "./runtime.ts";
 * const p = PlainActor.fromWeights({ obsSize: 2, agentIdSize: 0, numActions: 2, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(1, 0, 0, 1), Float32Array.of(0, 0)]);
 * const s = measureActorLatency(p, { batch: 4, samples: 20, callsPerSample: 10 });
 * console.assert(s.medianMs >= 0);
 * ```
 */
export function measureActorLatency(
  actor: Actor | PlainActor | CompiledActor,
  options: { batch?: number; samples?: number; callsPerSample?: number; warmup?: number } = {},
): LatencyStats {
  const batch = options.batch ?? 1;
  const I = actor.inputSize, A = actor.spec.numActions;
  const inputs = new Float32Array(batch * I);
  for (let i = 0; i < inputs.length; i++) inputs[i] = Math.sin(i * 12.9898) * 0.5;
  const masks = new Uint8Array(batch * A).fill(1);
  if (actor instanceof PlainActor || actor instanceof CompiledActor) {
    const out = new Int32Array(batch);
    return measureLatency(() => actor.actBatch(inputs, batch, masks, out), options);
  }
  const maskF = new Float32Array(batch * A).fill(1);
  return measureLatency(() => {
    tf.tidy(() =>
      tf.argMax(
        actor.forward(tf.tensor2d(inputs, [batch, I]), tf.tensor2d(maskF, [batch, A])).logits,
        1,
      )
        .dataSync()
    );
  }, options);
}

/**
 * Stage 1 of KD-MARL: the MAPPO teacher (centralized training, decentralized execution).
 *
 * One actor per agent class (parameters shared by the agents of the class, with optional one-hot agent-id
 * features) acts on each agent's own observation; one centralized critic V(s) reads the global state.
 * The trainer reads top to bottom:
 *
 * 1. collect a rollout from `numEnvs` vectorised copies, sampling from the masked actor logits;
 * 2. evaluate the critic on every state, on the true final states of truncated episodes and on the
 *    bootstrap states; compute GAE on the team reward ({@link computeGae});
 * 3. update the value normaliser, normalise advantages;
 * 4. for `epochs` passes over `minibatches` shuffled minibatches of environment steps: clipped surrogate and
 *    entropy bonus for every class's actor, clipped Huber value loss for the critic, gradient-norm clipping
 *    for actor and critic separately, Adam with linear learning-rate decay.
 *
 * With `recurrent` (see `config.ts`) the actors and the critic are GRUs: the rollout records every
 * hidden state (zeroed where an episode begins), the critic's values come from one sequential pass over
 * the rollout, and step 4 shuffles chunks of `chunkLength` steps instead of single steps, replaying each
 * chunk from its recorded start state with backpropagation through time.
 *
 * @example
 * ```ts
 * import { MappoTrainer } from "./mappo.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * import { initBackend } from "../policies/backend.ts";
 * await initBackend("cpu");
 * const trainer = new MappoTrainer(() => new MatchingEnv(), { totalEnvSteps: 512, numEnvs: 8,
 *   rolloutSteps: 16, actorHidden: [16], criticHidden: [16] });
 * const stats = trainer.iterate();
 * console.log(stats.envSteps); // 128
 * trainer.dispose();
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { Actor, type ActorSpec } from "../policies/actor.ts";
import { Critic } from "../policies/critic.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { type BatchedEnv, batchEnvs } from "../sim/env/vector.ts";
import { deriveSeed, Rng } from "../sim/rng.ts";
import { type MappoConfig, resolveMappoConfig } from "./config.ts";
import { normalizeAdvantages, rolloutAdvantages } from "./advantages.ts";
import { computeGae } from "./gae.ts";
import { clippedPolicyLoss, clippedValueLoss } from "./ppo_loss.ts";
import { collectRollout, RolloutBuffer } from "./rollout.ts";
import type { Controller } from "../sim/env/controller.ts";
import { ValueNormalizer } from "./value_norm.ts";
import { ScheduledAdam } from "./optim.ts";
import { warmStartActors, type WarmStartOptions } from "./warm_start.ts";

export type { WarmStartOptions } from "./warm_start.ts";
import { linearLearningRate, shuffledMinibatches } from "./schedule.ts";
import { CheckpointError, readCheckpoint } from "./checkpoint.ts";
import { restoreTrainerState, saveTrainerState, type TrainerOptimizers } from "./trainer_state.ts";
import {
  classDiagnostics,
  classWeightTotals,
  shardGradients,
  shardRange,
} from "./data_parallel.ts";
import { GradientPool } from "./grad_pool.ts";

/** `format` field of MAPPO checkpoints. */
export const MAPPO_CHECKPOINT_FORMAT = "fleetkd-mappo-checkpoint";
import {
  classMinibatches,
  clipGradients,
  forwardLogitsInto,
  gatherAgentRows,
} from "./tensor_util.ts";

/** What one iteration (rollout + update) measured. */
export interface IterationStats {
  /** Iteration number, from 1. */
  iteration: number;
  /** Environment steps so far (all copies). */
  envSteps: number;
  /** Mean per-agent return of episodes finished in this rollout (NaN when none finished). */
  meanReturn: number;
  /** Episodes finished in this rollout. */
  episodes: number;
  /** Mean of the finished episodes' numeric infos. */
  infos: Record<string, number>;
  /** Mean policy loss over minibatches (summed over classes). */
  policyLoss: number;
  /** Mean value loss. */
  valueLoss: number;
  /** Mean entropy (averaged over classes). */
  entropy: number;
  /** Mean approximate KL(old || new). */
  approxKl: number;
  /** Mean clip fraction. */
  clipFraction: number;
  /** Learning rate used. */
  learningRate: number;
  /** Wall-clock seconds of this iteration. */
  seconds: number;
}

/** The MAPPO trainer. */
export class MappoTrainer {
  /** Resolved configuration. */
  readonly config: MappoConfig;
  /**
   * The vectorised environment: the environment's own batched form where it has one (MPE:
   * `MpeBatchEnv`, the same results bit for bit, faster), else a `VectorEnv` (see `batchEnvs`).
   */
  readonly venv: BatchedEnv;
  /** One actor per agent class. */
  readonly actors: Actor[];
  /** The centralized critic. */
  readonly critic: Critic;
  /** Value-target normaliser. */
  readonly valueNorm: ValueNormalizer;
  /** Environment id. */
  readonly envId: string;
  /** Iterations completed. */
  iteration = 0;
  /** Environment steps collected. */
  envSteps = 0;

  readonly #buffer: RolloutBuffer;
  readonly #agentIdSizes: number[];
  readonly #alive: Float32Array[];
  readonly #logits: Float32Array[];
  readonly #actionBuffers: Int32Array[];
  readonly #actorOptimizer: ScheduledAdam;
  readonly #criticOptimizer: ScheduledAdam;
  readonly #actorVars: tf.Variable[];
  /** Recurrent runs: each class's actor hidden states now, `E * count * H` (persist across rollouts). */
  readonly #actorHidden: Float32Array[] = [];
  /**
   * Recurrent runs: each class's actor hidden state before each step of the last rollout, `T * E * count
   * * H` (row `(t * E + e) * count + i`), zero where an episode began; empty otherwise. Read it, do not
   * write it.
   */
  readonly actorHiddenLog: Float32Array[] = [];
  /** Recurrent runs: the critic's hidden state at the next rollout's start, `E * Hc`. */
  #criticHidden = new Float32Array(0);
  /** Recurrent runs: the critic's hidden state before each rollout step, `T * E * Hc`. */
  #criticHiddenLog = new Float32Array(0);
  /** Gradient workers of a data-parallel update (see {@linkcode MappoTrainer.startWorkers}). */
  #pool: GradientPool | undefined;

  /** Builds the vectorised environment, networks and optimisers; resets the environment. */
  constructor(makeEnv: () => MultiAgentEnv, config: Partial<MappoConfig> = {}) {
    this.config = resolveMappoConfig(config);
    const c = this.config;
    this.venv = batchEnvs(makeEnv, c.numEnvs);
    this.envId = this.venv.id;
    const classes = this.venv.classes;
    this.#agentIdSizes = classes.map((k) => (c.agentIdFeatures && k.count > 1 ? k.count : 0));
    this.actors = classes.map((k, i) =>
      new Actor(this.actorSpec(i), { seed: c.seed, name: `teacher_actor_${k.name}` })
    );
    this.critic = new Critic(
      {
        stateSize: this.venv.stateSize,
        hiddenSizes: c.criticHidden,
        activation: c.activation,
        recurrent: c.recurrent,
      },
      { seed: c.seed, name: "teacher_critic" },
    );
    if (c.recurrent) {
      const H = c.actorHidden[0], Hc = c.criticHidden[0], te = c.rolloutSteps * c.numEnvs;
      for (const k of classes) {
        this.#actorHidden.push(new Float32Array(c.numEnvs * k.count * H));
        this.actorHiddenLog.push(new Float32Array(te * k.count * H));
      }
      this.#criticHidden = new Float32Array(c.numEnvs * Hc);
      this.#criticHiddenLog = new Float32Array(te * Hc);
    }
    this.#actorVars = this.actors.flatMap((a) => a.variables);
    this.valueNorm = new ValueNormalizer();
    this.#buffer = new RolloutBuffer(classes, {
      steps: c.rolloutSteps,
      envs: c.numEnvs,
      stateSize: this.venv.stateSize,
      inputSizes: classes.map((k, i) => k.obsSize + this.#agentIdSizes[i]),
    });
    this.#alive = classes.map((k) => new Float32Array(c.numEnvs * k.count).fill(1));
    this.#logits = classes.map((k) => new Float32Array(c.numEnvs * k.count * k.numActions));
    this.#actionBuffers = classes.map((k) => new Int32Array(c.numEnvs * k.count));
    this.#actorOptimizer = new ScheduledAdam(c.learningRate, c.adamEpsilon);
    this.#criticOptimizer = new ScheduledAdam(c.learningRate, c.adamEpsilon);
    this.venv.reset(c.seed);
  }

  /** The actor spec of class `classIndex` (observation, agent-id features, actions, layers). */
  actorSpec(classIndex: number): ActorSpec {
    const k = this.venv.classes[classIndex];
    return {
      obsSize: k.obsSize,
      agentIdSize: this.#agentIdSizes?.[classIndex] ??
        (this.config.agentIdFeatures && k.count > 1 ? k.count : 0),
      numActions: k.numActions,
      hiddenSizes: this.config.actorHidden,
      activation: this.config.activation,
      kind: this.config.recurrent ? "gru" : "mlp",
    };
  }

  /**
   * Spreads the PPO update over `workers` parties (this thread and `workers - 1` Deno Workers, see
   * `grad_pool.ts` and `data_parallel.ts`): each minibatch is cut into `workers` shards whose gradients
   * are computed in parallel and added in a fixed order. `1` (the default) keeps the single-threaded
   * update bit for bit; more workers give the same update up to float32 rounding, bit-reproducible for a
   * given seed and worker count. Feed-forward runs only. Call once, before the first iteration.
   *
   * @example
   * ```ts
   * import { MappoTrainer } from "./mappo.ts";
   * import { MatchingEnv } from "../sim/toy/matching.ts";
   * import { initBackend } from "../policies/backend.ts";
   * await initBackend("wasm");
   * const trainer = new MappoTrainer(() => new MatchingEnv(), { totalEnvSteps: 256, numEnvs: 8,
   *   rolloutSteps: 16, actorHidden: [16], criticHidden: [16] });
   * await trainer.startWorkers(2); // this thread and one Deno Worker
   * console.log(trainer.workers, trainer.iterate().envSteps); // 2 128
   * trainer.dispose(); // also stops the worker
   * ```
   */
  async startWorkers(workers: number): Promise<void> {
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`Invalid worker count: must be an integer >= 1, got ${workers}`);
    }
    if (this.#pool) throw new Error("MappoTrainer.startWorkers: workers already started");
    if (workers === 1) return;
    const c = this.config;
    if (c.recurrent) {
      throw new RangeError(
        `Invalid worker count ${workers}: data-parallel updates are built for feed-forward runs, and this run is recurrent (config field "recurrent" is true); train it with 1 worker`,
      );
    }
    this.#pool = await GradientPool.start(workers - 1, {
      classes: this.venv.classes,
      sizes: this.#buffer.sizes,
      actorSpecs: this.actors.map((a) => a.spec),
      criticSpec: this.critic.spec,
      settings: this.#shardSettings(),
    });
  }

  /** Parties of the PPO update: 1, or the count given to {@linkcode MappoTrainer.startWorkers}. */
  get workers(): number {
    return this.#pool ? this.#pool.parties : 1;
  }

  #shardSettings() {
    const c = this.config;
    return {
      clip: c.clip,
      entropyCoef: c.entropyCoef,
      valueClip: c.valueClip,
      huberDelta: c.huberDelta,
      valueCoef: c.valueCoef,
    };
  }

  /** Total iterations the configured step budget allows. */
  get totalIterations(): number {
    return Math.ceil(this.config.totalEnvSteps / (this.config.numEnvs * this.config.rolloutSteps));
  }

  /** Runs one rollout and one update. */
  iterate(): IterationStats {
    const started = performance.now();
    const c = this.config;
    const buffer = this.#buffer;
    const rng = new Rng(c.seed, `mappo/sampling/${this.iteration}`);

    // 1. Rollout.
    let calls = 0;
    const numClasses = this.actors.length;
    const episodes = collectRollout(
      this.venv,
      buffer,
      c.recurrent
        ? (ci, inputs, masks, rows, out) =>
          this.#recurrentLogits(ci, Math.floor(calls++ / numClasses), inputs, masks, rows, out)
        : (ci, inputs, masks, rows, out) =>
          forwardLogitsInto(this.actors[ci], inputs, masks, rows, out),
      rng,
      this.#agentIdSizes,
      this.#alive,
      this.#logits,
      this.#actionBuffers,
      c.recurrent ? (_t, dones) => this.#resetActorHidden(dones) : undefined,
    );
    this.envSteps += c.numEnvs * c.rolloutSteps;

    // 2. Values and GAE in environment units.
    this.#computeAdvantages();

    // 3. Value targets: update the normaliser, then targets and old values in normalised units.
    const te = c.rolloutSteps * c.numEnvs;
    const targets = new Float32Array(buffer.returns);
    const oldValues = new Float32Array(buffer.values);
    if (c.valueNorm) {
      this.valueNorm.update(targets);
      this.valueNorm.normalizeInPlace(targets);
      this.valueNorm.normalizeInPlace(oldValues);
    }
    const advantages = new Float32Array(buffer.advantages);
    if (c.normalizeAdvantages) normalizeAdvantages(advantages);
    this.#pool?.loadIteration(buffer, advantages, targets, oldValues);

    // 4. Epochs of minibatch updates.
    const lr = linearLearningRate(c, this.iteration, this.totalIterations);
    this.#actorOptimizer.setLearningRate(lr);
    this.#criticOptimizer.setLearningRate(lr);
    const order = new Int32Array(te);
    const shuffleRng = new Rng(c.seed, `mappo/minibatch/${this.iteration}`);
    const sums = { policyLoss: 0, valueLoss: 0, entropy: 0, approxKl: 0, clipFraction: 0, n: 0 };
    // Units the minibatches shuffle: environment steps, or (recurrent) chunks of chunkLength steps.
    const L = c.recurrent ? c.chunkLength : 1;
    const units = te / L;
    const unitOrder = c.recurrent ? new Int32Array(units) : order;
    for (
      const picked of shuffledMinibatches(shuffleRng, units, c.minibatches, c.epochs, unitOrder)
    ) {
      const idx = c.recurrent ? chunkSteps(picked, L, c.numEnvs) : picked;
      const s = this.#pool
        ? this.#updateMinibatchParallel(this.#pool, idx, advantages, targets, oldValues)
        : this.#updateMinibatch(
          idx,
          advantages,
          targets,
          oldValues,
          c.recurrent ? picked.length : 0,
        );
      sums.policyLoss += s[0];
      sums.entropy += s[1];
      sums.approxKl += s[2];
      sums.clipFraction += s[3];
      sums.valueLoss += s[4];
      sums.n++;
    }
    this.iteration++;
    const infos: Record<string, number> = {};
    for (const info of episodes.infos) {
      for (const [k, v] of Object.entries(info)) {
        infos[k] = (infos[k] ?? 0) + v / episodes.infos.length;
      }
    }
    return {
      iteration: this.iteration,
      envSteps: this.envSteps,
      meanReturn: episodes.meanAgentReturns.length
        ? episodes.meanAgentReturns.reduce((a, b) => a + b, 0) / episodes.meanAgentReturns.length
        : Number.NaN,
      episodes: episodes.meanAgentReturns.length,
      infos,
      policyLoss: sums.policyLoss / sums.n,
      valueLoss: sums.valueLoss / sums.n,
      entropy: sums.entropy / sums.n,
      approxKl: sums.approxKl / sums.n,
      clipFraction: sums.clipFraction / sums.n,
      learningRate: lr,
      seconds: (performance.now() - started) / 1000,
    };
  }

  /** Critic values for every rollout state, next-state values with truncation bootstraps, then GAE. */
  #computeAdvantages(): void {
    const c = this.config;
    if (c.recurrent) return this.#recurrentAdvantages();
    rolloutAdvantages(
      this.#buffer,
      this.critic,
      (v) => c.valueNorm ? this.valueNorm.denormalizeInPlace(v) : v,
      c.gamma,
      c.gaeLambda,
    );
  }

  /**
   * One gradient step on the environment steps `idx`; returns [pl, ent, kl, clipfrac, vl]. With `chunks`
   * > 0 (recurrent), `idx` holds that many chunks step-major (see {@linkcode chunkSteps}) and actors and
   * critic unroll over them from the hidden states recorded at the chunks' first steps.
   */
  #updateMinibatch(
    idx: Int32Array,
    advantages: Float32Array,
    targets: Float32Array,
    oldValues: Float32Array,
    chunks = 0,
  ): number[] {
    const c = this.config;
    const b = this.#buffer;
    const S = this.venv.stateSize;
    const n = idx.length;
    // Gather the minibatch rows into fresh arrays (once per minibatch, not per step).
    const mbStates = new Float32Array(n * S);
    const mbTargets = new Float32Array(n), mbOld = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      const i = idx[j];
      mbStates.set(b.states.subarray(i * S, (i + 1) * S), j * S);
      mbTargets[j] = targets[i];
      mbOld[j] = oldValues[i];
    }
    const stats = tf.tidy(() => {
      const tensors = classMinibatches(b, idx, advantages);

      let diag: tf.Scalar[] = [];
      const actorGrads = tf.variableGrads(() => {
        let total = tf.scalar(0);
        const parts: tf.Scalar[][] = [];
        tensors.forEach((t, ci) => {
          const logits = chunks > 0
            ? this.#unrollActor(ci, t.inputs, t.masks, idx, chunks)
            : this.actors[ci].forward(t.inputs, t.masks).logits;
          const out = clippedPolicyLoss({
            logits,
            actions: t.actions,
            oldLogProbs: t.logp,
            advantages: t.adv,
            weights: t.weights,
            clip: c.clip,
          });
          total = tf.add(total, tf.sub(out.loss, tf.mul(out.entropy, c.entropyCoef)));
          parts.push([out.loss, out.entropy, out.approxKl, out.clipFraction]);
        });
        // variableGrads tidies its closure: keep the diagnostics alive until they are stacked below.
        diag = classDiagnostics(parts);
        return total as tf.Scalar;
      }, this.#actorVars);
      this.#actorOptimizer.applyGradientMap(clipGradients(actorGrads.grads, c.maxGradNorm));

      const statesT = tf.tensor2d(mbStates, [n, S]);
      const targetsT = tf.tensor1d(mbTargets), oldT = tf.tensor1d(mbOld);
      const criticGrads = tf.variableGrads(() =>
        tf.mul(
          clippedValueLoss({
            values: chunks > 0
              ? this.#unrollCritic(statesT, idx, chunks)
              : this.critic.forward(statesT),
            oldValues: oldT,
            targets: targetsT,
            clip: c.valueClip,
            huberDelta: c.huberDelta,
          }),
          c.valueCoef,
        ) as tf.Scalar, this.critic.variables);
      this.#criticOptimizer.applyGradientMap(clipGradients(criticGrads.grads, c.maxGradNorm));
      const stacked = tf.stack([...diag, criticGrads.value]);
      for (const d of diag) d.dispose();
      return stacked;
    });
    const values = Array.from(stats.dataSync());
    stats.dispose();
    return values;
  }

  /**
   * {@linkcode MappoTrainer.#updateMinibatch} spread over the pool's parties: the workers start on their
   * shards, this thread computes shard 0, then the shards' gradients are added in party order, clipped and
   * applied as one Adam step. Returns the same diagnostics.
   */
  #updateMinibatchParallel(
    pool: GradientPool,
    idx: Int32Array,
    advantages: Float32Array,
    targets: Float32Array,
    oldValues: Float32Array,
  ): number[] {
    const c = this.config;
    const n = idx.length;
    const totals = classWeightTotals(this.#buffer, idx);
    const criticVars = this.critic.variables;
    pool.dispatch([...this.#actorVars, ...criticVars], idx, totals);
    const [start, end] = shardRange(n, pool.parties, 0);
    const stats = tf.tidy(() => {
      const own = shardGradients(
        this.actors,
        this.critic,
        { buffer: this.#buffer, advantages, targets, oldValues },
        idx.subarray(start, end),
        totals,
        n,
        this.#shardSettings(),
      );
      const others = pool.collect();
      const sum = (vars: readonly tf.Variable[], mine: tf.Tensor[], first: number) => {
        const out: tf.NamedTensorMap = {};
        let off = first;
        vars.forEach((v, j) => {
          let g = mine[j];
          for (const theirs of others.grads) {
            g = tf.add(g, tf.tensor(theirs.subarray(off, off + v.size), v.shape));
          }
          out[v.name] = g;
          off += v.size;
        });
        return out;
      };
      const actorSize = this.#actorVars.reduce((s, v) => s + v.size, 0);
      const actorGrads = sum(this.#actorVars, own.actor, 0);
      const criticGrads = sum(criticVars, own.critic, actorSize);
      this.#actorOptimizer.applyGradientMap(clipGradients(actorGrads, c.maxGradNorm));
      this.#criticOptimizer.applyGradientMap(clipGradients(criticGrads, c.maxGradNorm));
      let total: tf.Tensor = own.stats;
      for (const theirs of others.stats) total = tf.add(total, tf.tensor1d(theirs));
      return total;
    });
    const values = Array.from(stats.dataSync());
    stats.dispose();
    return values;
  }

  /** Recurrent rollout step of class `ci` at step `t`: records the hidden states, then steps the GRU. */
  #recurrentLogits(
    ci: number,
    t: number,
    inputs: Float32Array,
    masks: Float32Array,
    rows: number,
    out: Float32Array,
  ): void {
    const actor = this.actors[ci];
    const H = actor.hiddenStateSize, A = actor.spec.numActions;
    const hidden = this.#actorHidden[ci];
    this.actorHiddenLog[ci].set(hidden, t * rows * H);
    const r = tf.tidy(() =>
      actor.forwardStep(
        tf.tensor2d(inputs, [rows, actor.inputSize]),
        tf.tensor2d(hidden, [rows, H]),
        tf.tensor2d(masks, [rows, A]),
      )
    );
    out.set(r.logits.dataSync().subarray(0, rows * A));
    hidden.set(r.hidden.dataSync());
    r.logits.dispose();
    r.latent.dispose();
    r.hidden.dispose();
  }

  /** Zeroes the actor hidden states of the copies whose episode just ended (the next step starts one). */
  #resetActorHidden(dones: Uint8Array): void {
    for (let e = 0; e < dones.length; e++) {
      if (!dones[e]) continue;
      this.actors.forEach((a, ci) => {
        const n = this.venv.classes[ci].count * a.hiddenStateSize;
        this.#actorHidden[ci].fill(0, e * n, (e + 1) * n);
      });
    }
  }

  /**
   * Recurrent critic: one sequential pass over the rollout from the hidden state at its start (zeroed
   * where an episode begins) gives V(s_t), the values of truncated episodes' final states and the
   * bootstrap values; then GAE as in {@linkcode rolloutAdvantages}. Records the hidden state before each
   * step for the update, and keeps the one after the last step for the next rollout.
   */
  #recurrentAdvantages(): void {
    const c = this.config;
    const b = this.#buffer;
    const { steps: T, envs: E, stateSize: S } = b.sizes;
    const Hc = this.critic.hiddenStateSize;
    const toEnv = (v: Float32Array) => c.valueNorm ? this.valueNorm.denormalizeInPlace(v) : v;
    const h = new Float32Array(this.#criticHidden);
    const step = (states: Float32Array, hidden: Float32Array, n: number) => {
      const r = tf.tidy(() => {
        const out = this.critic.step(tf.tensor2d(states, [n, S]), tf.tensor2d(hidden, [n, Hc]));
        return [out.values, out.hidden] as const;
      });
      const values = Float32Array.from(r[0].dataSync()), next = Float32Array.from(r[1].dataSync());
      r[0].dispose();
      r[1].dispose();
      return { values, next };
    };
    for (let t = 0; t < T; t++) {
      this.#criticHiddenLog.set(h, t * E * Hc);
      const { values, next } = step(b.states.subarray(t * E * S, (t + 1) * E * S), h, E);
      b.values.set(toEnv(values), t * E);
      const truncated: number[] = [];
      for (let e = 0; e < E; e++) {
        const i = t * E + e;
        if (b.ended[i] && !b.terminated[i]) truncated.push(e);
      }
      if (truncated.length) {
        const st = new Float32Array(truncated.length * S),
          hs = new Float32Array(truncated.length * Hc);
        truncated.forEach((e, k) => {
          const i = t * E + e;
          st.set(b.finalStates.subarray(i * S, (i + 1) * S), k * S);
          hs.set(next.subarray(e * Hc, (e + 1) * Hc), k * Hc);
        });
        const finals = toEnv(step(st, hs, truncated.length).values);
        truncated.forEach((e, k) => (b.nextValues[t * E + e] = finals[k]));
      }
      for (let e = 0; e < E; e++) {
        const i = t * E + e;
        if (b.ended[i]) {
          if (b.terminated[i]) b.nextValues[i] = 0;
          next.fill(0, e * Hc, (e + 1) * Hc);
        }
      }
      h.set(next);
    }
    const bootstrap = toEnv(step(b.bootstrapStates, h, E).values);
    this.#criticHidden = h;
    for (let i = 0; i < T * E; i++) {
      if (b.ended[i]) continue;
      const t = Math.floor(i / E), e = i % E;
      b.nextValues[i] = t + 1 < T ? b.values[i + E] : bootstrap[e];
    }
    computeGae({
      rewards: b.rewards,
      values: b.values,
      nextValues: b.nextValues,
      terminated: b.terminated,
      episodeEnded: b.ended,
      steps: T,
      streams: E,
      gamma: c.gamma,
      lambda: c.gaeLambda,
      advantages: b.advantages,
      returns: b.returns,
    });
  }

  /**
   * "Keep" multipliers of a chunked minibatch (`idx` from {@linkcode chunkSteps}, `chunks` chunks,
   * `count` rows per step): for step `l > 0` of each chunk, 0 where the previous step ended an episode.
   */
  #keepMultipliers(idx: Int32Array, chunks: number, count: number): (tf.Tensor2D | undefined)[] {
    const L = idx.length / chunks;
    const keep: (tf.Tensor2D | undefined)[] = [undefined];
    for (let l = 1; l < L; l++) {
      const k = new Float32Array(chunks * count);
      for (let j = 0; j < chunks; j++) {
        const prev = idx[(l - 1) * chunks + j];
        k.fill(this.#buffer.ended[prev] ? 0 : 1, j * count, (j + 1) * count);
      }
      keep.push(tf.tensor2d(k, [chunks * count, 1]));
    }
    return keep;
  }

  /** BPTT logits of class `ci` over a chunked minibatch (rows step-major, as `classMinibatches` gives). */
  #unrollActor(
    ci: number,
    inputs: tf.Tensor2D,
    masks: tf.Tensor2D,
    idx: Int32Array,
    chunks: number,
  ): tf.Tensor2D {
    const actor = this.actors[ci];
    const count = this.venv.classes[ci].count, H = actor.hiddenStateSize;
    const L = idx.length / chunks;
    const h0 = tf.tensor2d(
      gatherAgentRows(this.actorHiddenLog[ci], H, count, idx.subarray(0, chunks)),
      [chunks * count, H],
    );
    return actor.unroll(
      tf.split(inputs, L, 0) as tf.Tensor2D[],
      h0,
      this.#keepMultipliers(idx, chunks, count),
      tf.split(masks, L, 0) as tf.Tensor2D[],
    );
  }

  /** BPTT critic values over a chunked minibatch (`states` step-major, `[L * chunks, S]`). */
  #unrollCritic(states: tf.Tensor2D, idx: Int32Array, chunks: number): tf.Tensor1D {
    const Hc = this.critic.hiddenStateSize;
    const L = idx.length / chunks;
    const h0 = tf.tensor2d(
      gatherAgentRows(this.#criticHiddenLog, Hc, 1, idx.subarray(0, chunks)),
      [chunks, Hc],
    );
    return this.critic.unroll(
      tf.split(states, L, 0) as tf.Tensor2D[],
      h0,
      this.#keepMultipliers(idx, chunks, 1),
    );
  }

  /**
   * Behaviour-cloning warm start from a heuristic controller (e.g. the fleet's greedy scheduler): plays
   * `episodes` seeded episodes with the controller acting, then trains every actor on cross-entropy to the
   * controller's actions and the critic on the episodes' discounted returns, for `epochs` passes. PPO then
   * starts from the heuristic's behaviour instead of from uniform noise, which matters where the reward is
   * sparse (events pay off only after alert, imaging and delivery all happen).
   *
   * With `daggerRounds > 0` the warm start continues as DAgger (Ross et al., 2011): each round plays
   * `daggerEpisodes` more episodes with the *actor* acting (greedily) while the controller labels every
   * state, adds them to the demonstrations and trains again. Plain cloning only sees the heuristic's own
   * states, so one early mistake leads to states it never saw (on simple_spread 96% imitation accuracy
   * kept only 70% of the heuristic's gain); DAgger teaches the recovery. The critic learns the returns of
   * whichever policy played. Returns the final imitation accuracy over the demonstrations.
   */
  warmStart(
    makeEnv: () => MultiAgentEnv,
    controllerFor: (env: MultiAgentEnv) => Controller,
    options: WarmStartOptions,
  ): number {
    return warmStartActors(
      {
        config: this.config,
        actors: this.actors,
        critic: this.critic,
        valueNorm: this.valueNorm,
        agentIdSizes: this.#agentIdSizes,
        actorVars: this.#actorVars,
        actorOptimizer: this.#actorOptimizer,
        criticOptimizer: this.#criticOptimizer,
      },
      makeEnv,
      controllerFor,
      options,
    );
  }

  /** Releases every tensor the trainer owns. */
  dispose(): void {
    this.#pool?.close();
    for (const a of this.actors) a.dispose();
    this.critic.dispose();
    this.#actorOptimizer.dispose();
    this.#criticOptimizer.dispose();
  }

  /**
   * Writes the trainer's whole state (weights, Adam moments, value normaliser, counters and `extra`, e.g.
   * the training curves) to `path` atomically.
   */
  async saveCheckpoint(path: string, extra: Record<string, unknown> = {}): Promise<void> {
    await saveTrainerState(
      path,
      {
        format: MAPPO_CHECKPOINT_FORMAT,
        envId: this.envId,
        config: this.config,
        iteration: this.iteration,
        envSteps: this.envSteps,
        valueNorm: this.valueNorm.toJSON(),
        extra,
      },
      [...this.#actorVars, ...this.critic.variables],
      this.#optimizers(),
    );
  }

  /**
   * Restores a state written by {@linkcode MappoTrainer.saveCheckpoint}; the environment and the network
   * shapes must match. Returns the checkpoint's `extra` payload. The environment copies are reset with a seed
   * derived from the restored iteration, so a resumed run continues with fresh episodes.
   */
  async restoreCheckpoint(path: string): Promise<Record<string, unknown>> {
    const { meta } = await readCheckpoint(path);
    const envId = (meta as { envId?: string })?.envId;
    if (envId !== undefined && envId !== this.envId) {
      throw new CheckpointError(
        `Cannot resume from checkpoint "${path}": field "envId" is "${envId}", this run trains "${this.envId}"`,
      );
    }
    const m = await restoreTrainerState(
      path,
      MAPPO_CHECKPOINT_FORMAT,
      [...this.#actorVars, ...this.critic.variables],
      this.#optimizers(),
    ) as {
      iteration: number;
      envSteps: number;
      valueNorm: { mean: number; meanSq: number; debias: number };
      extra?: Record<string, unknown>;
    };
    this.valueNorm.load(m.valueNorm);
    this.iteration = m.iteration;
    this.envSteps = m.envSteps;
    this.venv.reset(deriveSeed(this.config.seed, "resume", this.iteration));
    for (const a of this.#alive) a.fill(1);
    // Fresh episodes start from zero hidden states.
    for (const h of this.#actorHidden) h.fill(0);
    this.#criticHidden.fill(0);
    return m.extra ?? {};
  }

  #optimizers(): TrainerOptimizers {
    return {
      actor: { optimizer: this.#actorOptimizer, variables: this.#actorVars },
      critic: { optimizer: this.#criticOptimizer, variables: this.critic.variables },
    };
  }
}

/**
 * The environment steps of recurrent chunks, step-major: chunk `q` of a rollout with `envs` copies covers
 * copy `q % envs`, steps `floor(q / envs) * L` to `+ L - 1`; entry `l * n + j` is step `l` of the `j`-th
 * chunk in `chunks` (row `t * envs + e` of the rollout's step arrays).
 *
 * @example
 * ```ts
 * import { chunkSteps } from "./mappo.ts";
 * // 2 copies, chunks of 3 steps: chunk 3 is copy 1, steps 3..5 (rows 7, 9, 11).
 * console.assert(chunkSteps(Int32Array.of(3), 3, 2).join() === "7,9,11");
 * ```
 */
export function chunkSteps(chunks: Int32Array, L: number, envs: number): Int32Array {
  const n = chunks.length;
  const idx = new Int32Array(n * L);
  for (let j = 0; j < n; j++) {
    const e = chunks[j] % envs, t0 = Math.floor(chunks[j] / envs) * L;
    for (let l = 0; l < L; l++) idx[l * n + j] = (t0 + l) * envs + e;
  }
  return idx;
}

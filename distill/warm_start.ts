/**
 * The warm start of a MAPPO teacher: behaviour cloning of a scripted heuristic, then optional DAgger
 * rounds, before PPO refines the policy. The heuristic plays seeded episodes; the actors learn its
 * actions by (optionally label-smoothed) cross-entropy and the critic its discounted returns; in each
 * DAgger round the actors play and the heuristic labels the states they reach. Used by
 * `MappoTrainer.warmStart`, which hands over its networks and optimisers.
 *
 * @example
 * ```ts
 * import { MappoTrainer } from "./mappo.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * import { RandomController } from "../sim/env/controller.ts";
 * import { initBackend } from "../policies/backend.ts";
 * await initBackend("cpu");
 * const trainer = new MappoTrainer(() => new MatchingEnv(), { numEnvs: 2, rolloutSteps: 8,
 *   actorHidden: [8], criticHidden: [8] });
 * const accuracy = trainer.warmStart(() => new MatchingEnv(), (env) => new RandomController(env.classes, 1),
 *   { episodes: 2, epochs: 1 });
 * console.assert(accuracy >= 0 && accuracy <= 1);
 * trainer.dispose();
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { Actor } from "../policies/actor.ts";
import type { Critic } from "../policies/critic.ts";
import type { Controller } from "../sim/env/controller.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { deriveSeed, Rng } from "../sim/rng.ts";
import type { MappoConfig } from "./config.ts";
import type { ScheduledAdam } from "./optim.ts";
import { smoothedCrossEntropy } from "./ppo_loss.ts";
import { writeActorInputs } from "./rollout.ts";
import type { ValueNormalizer } from "./value_norm.ts";
import { clipGradients } from "./tensor_util.ts";

/** Settings of {@linkcode warmStartActors} (`MappoTrainer.warmStart`). */
export interface WarmStartOptions {
  /** Episodes the heuristic plays as demonstrations. */
  episodes: number;
  /** Passes over the demonstrations after each collection. */
  epochs: number;
  /** Environment steps per minibatch (default 512). */
  batchSteps?: number;
  /** DAgger rounds after plain cloning (default 0: plain behaviour cloning). */
  daggerRounds?: number;
  /** Episodes the actor plays per DAgger round (default `episodes`). */
  daggerEpisodes?: number;
  /**
   * Learning rate of the cloning (default the config's `learningRate`). Cloning is supervised and
   * tolerates a larger step than PPO's fine-tuning: on simple_spread 5e-3 cloned to entropy 0.15 nats where
   * PPO's 1e-3 left 0.35 and a policy 1.3 return worse.
   */
  learningRate?: number;
  /**
   * Share of each cloning target spread uniformly over the legal actions (default 0: one-hot targets).
   * Cross-entropy to one-hot labels drives the logits apart without limit: on leo-wildfire the cloned
   * actor's entropy was 0.0009 nats, so PPO sampled almost nothing but the heuristic's action and had
   * no gradient to improve on it. Smoothing keeps the argmax and leaves PPO some exploration.
   */
  labelSmoothing?: number;
  /**
   * Called after plain cloning (`round` 0) and after each DAgger round (`round` 1..`daggerRounds`) with
   * the imitation accuracy so far: the warm start takes minutes, and this is its progress report.
   */
  onRound?: (round: number, rounds: number, accuracy: number) => void;
}

/** What the warm start trains and with what: a MAPPO trainer's networks, optimisers and settings. */
export interface WarmStartTarget {
  /** The trainer's resolved settings (seed, gamma, learning rate, gradient clip, value normalisation). */
  readonly config: MappoConfig;
  /** One actor per agent class. */
  readonly actors: readonly Actor[];
  /** The centralized critic. */
  readonly critic: Critic;
  /** The value normaliser the critic's targets go through. */
  readonly valueNorm: ValueNormalizer;
  /** Per class, the size of the one-hot agent id in the actor input (0: none). */
  readonly agentIdSizes: readonly number[];
  /** Every actor variable (the actors' gradient list). */
  readonly actorVars: tf.Variable[];
  /** The actors' optimiser. */
  readonly actorOptimizer: ScheduledAdam;
  /** The critic's optimiser. */
  readonly criticOptimizer: ScheduledAdam;
}

/**
 * Clones `controllerFor(env)` into `t`'s actors and critic (see module docs); returns the final imitation
 * accuracy. The optimisers' learning rate is restored to the config's afterwards.
 */
export function warmStartActors(
  t: WarmStartTarget,
  makeEnv: () => MultiAgentEnv,
  controllerFor: (env: MultiAgentEnv) => Controller,
  options: WarmStartOptions,
): number {
  const c = t.config;
  if (c.recurrent) {
    throw new RangeError(
      'Invalid warm start: it clones into feed-forward actors, and this run is recurrent (config field "recurrent" is true); switch it off (deno task train --warm-start off)',
    );
  }
  const env = makeEnv();
  const controller = controllerFor(env);
  const classes = env.classes;
  const inputs: number[][] = classes.map(() => []), masks: number[][] = classes.map(() => []);
  const actions: number[][] = classes.map(() => []);
  const states: number[] = [], returns: number[] = [];
  const labels = classes.map((k) => new Int32Array(k.count));
  const own = classes.map((k) => new Int32Array(k.count));
  const inputScratch = classes.map((k, i) =>
    new Float32Array(k.count * (k.obsSize + t.agentIdSizes[i]))
  );
  const play = (episodes: number, tag: string, learnerActs: boolean) => {
    for (let ep = 0; ep < episodes; ep++) {
      const seed = deriveSeed(c.seed, tag, ep);
      let r = env.reset(seed);
      controller.reset?.(seed);
      const rewards: number[] = [];
      while (!r.done) {
        controller.act(r, labels);
        states.push(...env.state());
        classes.forEach((k, i) => {
          writeActorInputs(
            r.classes[i].obs,
            k.count,
            k.obsSize,
            t.agentIdSizes[i],
            inputScratch[i],
            0,
          );
          inputs[i].push(...inputScratch[i]);
          masks[i].push(...r.classes[i].actionMask);
          actions[i].push(...labels[i]);
          if (learnerActs) {
            const I = k.obsSize + t.agentIdSizes[i];
            const chosen = tf.tidy(() =>
              tf.argMax(
                t.actors[i].forward(
                  tf.tensor2d(inputScratch[i], [k.count, I]),
                  tf.tensor2d(r.classes[i].actionMask, [k.count, k.numActions]),
                ).logits,
                1,
              ).dataSync()
            );
            own[i].set(chosen);
          }
        });
        r = env.step(learnerActs ? own : labels);
        let total = 0;
        for (const b of r.classes) for (const x of b.rewards) total += x;
        rewards.push(total / env.agents.length);
      }
      const epReturns = new Array(rewards.length);
      let g = 0;
      for (let t = rewards.length - 1; t >= 0; t--) epReturns[t] = g = rewards[t] + c.gamma * g;
      returns.push(...epReturns);
    }
  };
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing < 1)) {
    throw new RangeError(
      `Invalid warm start: field "labelSmoothing" must be in [0, 1), got ${smoothing}`,
    );
  }
  const lr = options.learningRate ?? c.learningRate;
  t.actorOptimizer.setLearningRate(lr);
  t.criticOptimizer.setLearningRate(lr);
  play(options.episodes, "warm-start", false);
  let accuracy = cloneDemonstrations(
    t,
    env.stateSize,
    classes,
    { inputs, masks, actions, states, returns },
    options.epochs,
    options.batchSteps ?? 512,
    "warm-start/minibatch",
    smoothing,
  );
  const rounds = options.daggerRounds ?? 0;
  options.onRound?.(0, rounds, accuracy);
  for (let round = 0; round < rounds; round++) {
    play(options.daggerEpisodes ?? options.episodes, `warm-start/dagger-${round}`, true);
    accuracy = cloneDemonstrations(
      t,
      env.stateSize,
      classes,
      { inputs, masks, actions, states, returns },
      options.epochs,
      options.batchSteps ?? 512,
      `warm-start/dagger-${round}/minibatch`,
      smoothing,
    );
    options.onRound?.(round + 1, rounds, accuracy);
  }
  t.actorOptimizer.setLearningRate(c.learningRate);
  t.criticOptimizer.setLearningRate(c.learningRate);
  return accuracy;
}

/** Trains actors (cross-entropy to the labels) and critic (to the returns) on the demonstrations. */
function cloneDemonstrations(
  t: WarmStartTarget,
  S: number,
  classes: MultiAgentEnv["classes"],
  demos: {
    inputs: number[][];
    masks: number[][];
    actions: number[][];
    states: number[];
    returns: number[];
  },
  epochs: number,
  batchSteps: number,
  rngTag: string,
  smoothing: number,
): number {
  const c = t.config;
  const { inputs, masks, actions, states, returns } = demos;
  const n = returns.length;
  const targets = Float32Array.from(returns);
  if (c.valueNorm) {
    t.valueNorm.update(targets);
    t.valueNorm.normalizeInPlace(targets);
  }
  const batch = Math.min(n, batchSteps);
  const order = new Int32Array(n);
  const rng = new Rng(c.seed, rngTag);
  let accuracy = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = 0; i < n; i++) order[i] = i;
    rng.shuffle(order);
    let hits = 0, rows = 0;
    for (let start = 0; start + batch <= n; start += batch) {
      const idx = order.subarray(start, start + batch);
      const result = tf.tidy(() => {
        const perClass = classes.map((k, i) => {
          const I = k.obsSize + t.agentIdSizes[i], A = k.numActions;
          const x = new Float32Array(batch * k.count * I),
            m = new Float32Array(batch * k.count * A);
          const a = new Int32Array(batch * k.count);
          idx.forEach((step, j) => {
            for (let q = 0; q < k.count; q++) {
              const src = step * k.count + q, dst = j * k.count + q;
              for (let f = 0; f < I; f++) x[dst * I + f] = inputs[i][src * I + f];
              for (let f = 0; f < A; f++) m[dst * A + f] = masks[i][src * A + f];
              a[dst] = actions[i][src];
            }
          });
          return {
            x: tf.tensor2d(x, [batch * k.count, I]),
            m: tf.tensor2d(m, [batch * k.count, A]),
            a: tf.tensor1d(a, "int32"),
          };
        });
        let correct: tf.Tensor = tf.scalar(0);
        const actorGrads = tf.variableGrads(() => {
          let loss = tf.scalar(0);
          let hitsNow: tf.Tensor = tf.scalar(0);
          perClass.forEach((p, i) => {
            const { logits } = t.actors[i].forward(p.x, p.m);
            loss = tf.add(loss, smoothedCrossEntropy(logits, p.a, p.m, smoothing));
            hitsNow = tf.add(
              hitsNow,
              tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), p.a), "float32")),
            );
          });
          correct = tf.keep(hitsNow); // variableGrads tidies this closure
          return loss as tf.Scalar;
        }, t.actorVars);
        t.actorOptimizer.applyGradientMap(clipGradients(actorGrads.grads, c.maxGradNorm));
        const st = new Float32Array(batch * S), tg = new Float32Array(batch);
        idx.forEach((step, j) => {
          for (let f = 0; f < S; f++) st[j * S + f] = states[step * S + f];
          tg[j] = targets[step];
        });
        const stT = tf.tensor2d(st, [batch, S]), tgT = tf.tensor1d(tg);
        const criticGrads = tf.variableGrads(
          () => tf.mean(tf.square(tf.sub(t.critic.forward(stT), tgT))) as tf.Scalar,
          t.critic.variables,
        );
        t.criticOptimizer.applyGradientMap(clipGradients(criticGrads.grads, c.maxGradNorm));
        return correct;
      });
      hits += result.dataSync()[0];
      result.dispose();
      rows += batch * classes.reduce((s2, k) => s2 + k.count, 0);
    }
    accuracy = rows > 0 ? hits / rows : Number.NaN;
  }
  return accuracy;
}

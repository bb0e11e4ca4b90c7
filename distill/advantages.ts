/**
 * Critic values and GAE advantages of a collected rollout, shared by the teacher (its own critic) and the
 * students (the frozen teacher critic): V on every rollout state, on the bootstrap states after the last
 * step and on the true final states of truncated episodes (terminated ones bootstrap nothing), then
 * {@linkcode computeGae} in environment units.
 *
 * @example
 * ```ts
 * import { normalizeAdvantages } from "./advantages.ts";
 * const a = normalizeAdvantages(Float32Array.of(1, 2, 3));
 * console.assert(Math.abs(a[0] + a[2]) < 1e-6);
 * ```
 *
 * @module
 */

import type { Critic } from "../policies/critic.ts";
import { computeGae } from "./gae.ts";
import type { RolloutBuffer } from "./rollout.ts";
import { criticValues } from "./tensor_util.ts";

/**
 * Fills `buffer.values`, `nextValues`, `advantages` and `returns`. `toEnvUnits` turns the critic's output
 * into environment units in place (value denormalisation; identity when the critic is not normalised).
 */
export function rolloutAdvantages(
  buffer: RolloutBuffer,
  critic: Critic,
  toEnvUnits: (values: Float32Array) => Float32Array,
  gamma: number,
  lambda: number,
): void {
  const b = buffer;
  const { steps: T, envs: E, stateSize: S } = b.sizes;
  const te = T * E;
  b.values.set(toEnvUnits(criticValues(critic, b.states, te, S)));
  const bootstrap = toEnvUnits(criticValues(critic, b.bootstrapStates, E, S));
  const truncatedRows: number[] = [];
  for (let i = 0; i < te; i++) if (b.ended[i] && !b.terminated[i]) truncatedRows.push(i);
  const gathered = new Float32Array(truncatedRows.length * S);
  truncatedRows.forEach((row, k) =>
    gathered.set(b.finalStates.subarray(row * S, (row + 1) * S), k * S)
  );
  const finalValues = truncatedRows.length
    ? toEnvUnits(criticValues(critic, gathered, truncatedRows.length, S))
    : new Float32Array(0);
  let k = 0;
  for (let i = 0; i < te; i++) {
    const t = Math.floor(i / E), e = i % E;
    if (b.ended[i]) b.nextValues[i] = b.terminated[i] ? 0 : finalValues[k++];
    else b.nextValues[i] = t + 1 < T ? b.values[i + E] : bootstrap[e];
  }
  computeGae({
    rewards: b.rewards,
    values: b.values,
    nextValues: b.nextValues,
    terminated: b.terminated,
    episodeEnded: b.ended,
    steps: T,
    streams: E,
    gamma,
    lambda,
    advantages: b.advantages,
    returns: b.returns,
  });
}

/** Scales `xs` in place to zero mean and unit standard deviation and returns it. */
export function normalizeAdvantages(xs: Float32Array): Float32Array {
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length;
  let v = 0;
  for (const x of xs) v += (x - mean) ** 2;
  const std = Math.sqrt(v / xs.length) + 1e-8;
  for (let i = 0; i < xs.length; i++) xs[i] = (xs[i] - mean) / std;
  return xs;
}

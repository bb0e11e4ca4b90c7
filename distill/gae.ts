/**
 * Generalised advantage estimation (Schulman et al., 2016) as a pure function over typed arrays.
 *
 * Rollouts are laid out time-major: entry `t * B + b` is step `t` of stream `b` (a stream is one
 * environment copy, or one agent of one copy). Episodes end inside a rollout, and they end in two ways that
 * GAE must tell apart:
 *
 * - **termination** (the task ended: goal reached, battle lost): the next state has no value, so the TD
 *   target is the reward alone;
 * - **truncation** (a time limit cut the episode): the next state still had a future, so the TD target
 *   bootstraps from the value of the true final state, not from the first state of the next episode that
 *   the auto-reset put in its place.
 *
 * The caller supplies `nextValues[t*B+b]`, the value of the state that followed step `t`: the value of the
 * episode's final state when step `t` ended it (needed for truncation), `values[(t+1)*B+b]` otherwise, and
 * the bootstrap value of the state after the rollout for the last step. `terminated` zeroes the bootstrap;
 * `episodeEnded` (termination or truncation) stops the advantage recursion at episode boundaries.
 *
 * @example
 * ```ts
 * import { computeGae } from "./gae.ts";
 * // One stream, two steps, no episode end; gamma = lambda = 1 gives returns = reward-to-go + bootstrap.
 * const adv = new Float32Array(2), ret = new Float32Array(2);
 * computeGae({
 *   rewards: Float32Array.of(1, 1), values: Float32Array.of(0, 0), nextValues: Float32Array.of(0, 5),
 *   terminated: new Uint8Array(2), episodeEnded: new Uint8Array(2), steps: 2, streams: 1,
 *   gamma: 1, lambda: 1, advantages: adv, returns: ret,
 * });
 * console.assert(ret[0] === 7 && ret[1] === 6);
 * ```
 *
 * @module
 */

/** Inputs and outputs of {@linkcode computeGae}; all arrays are `steps * streams`, time-major. */
export interface GaeInput {
  /** Reward received at step t. */
  rewards: Float32Array;
  /** V(s_t). */
  values: Float32Array;
  /** Value of the state after step t (final state's value at an episode end, see module docs). */
  nextValues: Float32Array;
  /** 1 when step t ended the episode by termination (no bootstrap). */
  terminated: Uint8Array;
  /** 1 when step t ended the episode by termination or truncation (recursion stops). */
  episodeEnded: Uint8Array;
  /** Rollout length T. */
  steps: number;
  /** Number of parallel streams B. */
  streams: number;
  /** Discount factor. */
  gamma: number;
  /** GAE lambda. */
  lambda: number;
  /** Output: advantages A_t. */
  advantages: Float32Array;
  /** Output: value targets A_t + V(s_t). */
  returns: Float32Array;
}

/** Computes GAE advantages and value targets in place (no allocation). */
export function computeGae(input: GaeInput): void {
  const {
    rewards,
    values,
    nextValues,
    terminated,
    episodeEnded,
    steps,
    streams,
    gamma,
    lambda,
    advantages,
    returns,
  } = input;
  const n = steps * streams;
  for (
    const [name, arr] of Object.entries({
      rewards,
      values,
      nextValues,
      terminated,
      episodeEnded,
      advantages,
      returns,
    })
  ) {
    if (arr.length < n) {
      throw new RangeError(
        `computeGae: ${name} has ${arr.length} entries, needs steps*streams = ${n}`,
      );
    }
  }
  for (let b = 0; b < streams; b++) {
    let running = 0;
    for (let t = steps - 1; t >= 0; t--) {
      const i = t * streams + b;
      const bootstrap = terminated[i] ? 0 : nextValues[i];
      const delta = rewards[i] + gamma * bootstrap - values[i];
      running = delta + (episodeEnded[i] ? 0 : gamma * lambda * running);
      advantages[i] = running;
      returns[i] = running + values[i];
    }
  }
}

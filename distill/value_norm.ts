/**
 * Running normalisation of value targets (MAPPO's ValueNorm): the critic predicts targets in normalised
 * units, and GAE works in the environment's units. Statistics are exponentially debiased running means of
 * x and x², as in the MAPPO reference implementation (beta 0.99999 per sample batch).
 *
 * @example
 * ```ts
 * import { ValueNormalizer } from "./value_norm.ts";
 * const norm = new ValueNormalizer();
 * norm.update(Float32Array.of(10, 12, 14));
 * const z = norm.normalize(12);
 * console.assert(Math.abs(norm.denormalize(z) - 12) < 1e-9);
 * ```
 *
 * @module
 */

/** Serialisable state of a {@linkcode ValueNormalizer}. */
export interface ValueNormState {
  /** Exponential moving average of the targets (before debiasing). */
  mean: number;
  /** Running mean of the squared targets (before debiasing). */
  meanSq: number;
  /** The debiasing term: the moving average of 1, which divides `mean` and `meanSq`. */
  debias: number;
}

/** Running mean and variance with exponential debiasing. */
export class ValueNormalizer {
  #mean = 0;
  #meanSq = 0;
  #debias = 0;
  readonly #beta: number;
  readonly #epsilon: number;

  /** `beta` is the per-batch decay (MAPPO: 0.99999), `epsilon` floors the variance. */
  constructor(beta = 0.99999, epsilon = 1e-5) {
    this.#beta = beta;
    this.#epsilon = epsilon;
  }

  /** Folds a batch of targets into the running statistics. */
  update(batch: ArrayLike<number>): void {
    if (batch.length === 0) return;
    let s = 0, s2 = 0;
    for (let i = 0; i < batch.length; i++) {
      s += batch[i];
      s2 += batch[i] * batch[i];
    }
    const w = this.#beta;
    this.#mean = this.#mean * w + (s / batch.length) * (1 - w);
    this.#meanSq = this.#meanSq * w + (s2 / batch.length) * (1 - w);
    this.#debias = this.#debias * w + (1 - w);
  }

  /** Current (debiased) mean and standard deviation. */
  stats(): { mean: number; std: number } {
    const d = Math.max(this.#debias, this.#epsilon);
    const mean = this.#mean / d;
    const variance = Math.max(this.#meanSq / d - mean * mean, 1e-2);
    return { mean, std: Math.sqrt(variance) };
  }

  /** (x - mean) / std. */
  normalize(x: number): number {
    const { mean, std } = this.stats();
    return (x - mean) / std;
  }

  /** x * std + mean. */
  denormalize(x: number): number {
    const { mean, std } = this.stats();
    return x * std + mean;
  }

  /** In-place normalisation of an array. */
  normalizeInPlace(xs: Float32Array): Float32Array {
    const { mean, std } = this.stats();
    for (let i = 0; i < xs.length; i++) xs[i] = (xs[i] - mean) / std;
    return xs;
  }

  /** In-place denormalisation of an array. */
  denormalizeInPlace(xs: Float32Array): Float32Array {
    const { mean, std } = this.stats();
    for (let i = 0; i < xs.length; i++) xs[i] = xs[i] * std + mean;
    return xs;
  }

  /** Serialisable state, for checkpoints. */
  toJSON(): ValueNormState {
    return { mean: this.#mean, meanSq: this.#meanSq, debias: this.#debias };
  }

  /** Restores a state from {@linkcode ValueNormalizer.toJSON}. */
  load(state: ValueNormState): void {
    this.#mean = state.mean;
    this.#meanSq = state.meanSq;
    this.#debias = state.debias;
  }
}

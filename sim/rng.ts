/**
 * Seeded random numbers with named, independent streams.
 *
 * A stream is identified by a path of names below a root seed (`"node:17/arrivals"`). Its generator state
 * is a hash of that path alone, so creating, drawing from or adding other streams never changes its draws:
 * adding a node to a scenario leaves every other node's randomness as it was.
 *
 * The generator is xoshiro128** (Blackman and Vigna), 32-bit state words, seeded from the path by the
 * cyrb128 string hash and a splitmix32 warm-up. Period 2^128 - 1, passes BigCrush; plenty for simulation.
 *
 * @example
 * ```ts
 * import { Rng } from "./rng.ts";
 * const root = new Rng(42);
 * const arrivals = root.stream("sensor:3").stream("arrivals");
 * const gap = arrivals.exponential(0.5);
 * console.assert(gap > 0);
 * // The same path gives the same draws, however the stream is reached.
 * console.assert(new Rng(42).stream("sensor:3/arrivals").exponential(0.5) === gap);
 * ```
 *
 * @module
 */

/** Hashes a string to four 32-bit words (cyrb128). */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** splitmix32 step, used to spread the hash over the generator state. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Derives a 32-bit seed from a root seed and a path of names or numbers. Use it where a plain integer seed is
 * needed for a sub-task (episode `k` of vectorised copy `i`, say).
 *
 * @example
 * ```ts
 * import { deriveSeed } from "./rng.ts";
 * const a = deriveSeed(7, "env", 3, "episode", 0);
 * console.assert(a === deriveSeed(7, "env", 3, "episode", 0));
 * console.assert(a !== deriveSeed(7, "env", 4, "episode", 0));
 * ```
 */
export function deriveSeed(seed: number | string, ...path: (string | number)[]): number {
  return cyrb128(`${seed}/${path.join("/")}`)[0];
}

const TWO_POW_32 = 4294967296;

/**
 * A seeded random stream. Draw methods never allocate; `stream(name)` derives an independent child stream
 * whose draws depend only on the root seed and the path of names.
 *
 * @example
 * ```ts
 * import { Rng } from "./rng.ts";
 * const rng = new Rng(1);
 * const u = rng.uniform();
 * console.assert(u > 0 && u < 1);
 * const k = rng.categorical([0.1, 0.0, 0.9]);
 * console.assert(k === 0 || k === 2);
 * ```
 */
export class Rng {
  /** The full path of this stream, `"<seed>"` or `"<seed>/a/b"`. */
  readonly path: string;
  readonly #seed: number | string;
  readonly #sub: string;
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #spareNormal = 0;
  #hasSpare = false;

  /**
   * Creates the root stream of `seed` (an integer or a string), or the stream at `path` below it.
   *
   * @param seed Root seed; any finite number or string.
   * @param path Optional stream path below the root, `/`-separated.
   */
  constructor(seed: number | string, path = "") {
    if (typeof seed === "number" && !Number.isFinite(seed)) {
      throw new RangeError(
        `Cannot seed Rng: seed must be a finite number or a string, got ${seed}`,
      );
    }
    this.#seed = seed;
    this.#sub = path;
    this.path = path === "" ? String(seed) : `${seed}/${path}`;
    const h = cyrb128(this.path);
    this.#s0 = splitmix32(h[0]);
    this.#s1 = splitmix32(h[1] ^ this.#s0);
    this.#s2 = splitmix32(h[2] ^ this.#s1);
    this.#s3 = splitmix32(h[3] ^ this.#s2);
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1; // all-zero state is absorbing
  }

  /**
   * The independent child stream `name` of this stream. Same path, same draws, in any order of creation.
   *
   * @example
   * ```ts
   * import { Rng } from "./rng.ts";
   * const a = new Rng(5).stream("node:1").uniform();
   * const root = new Rng(5);
   * root.stream("node:0").uniform(); // another node's draws do not matter
   * console.assert(root.stream("node:1").uniform() === a);
   * ```
   */
  stream(name: string | number): Rng {
    return new Rng(this.#seed, this.#sub === "" ? String(name) : `${this.#sub}/${name}`);
  }

  /** Next raw 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /** Uniform draw in the open interval (0, 1), 32-bit resolution. */
  uniform(): number {
    return (this.nextUint32() + 0.5) / TWO_POW_32;
  }

  /** Uniform draw in [low, high). */
  uniformRange(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Uniform integer in [0, n), without modulo bias. `n` must be a positive integer <= 2^32. */
  int(n: number): number {
    if (!(n > 0) || !Number.isInteger(n) || n > TWO_POW_32) {
      throw new RangeError(`Rng.int(n): n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Normal draw with the given mean and standard deviation (Marsaglia polar method). */
  normal(mean = 0, std = 1): number {
    if (this.#hasSpare) {
      this.#hasSpare = false;
      return mean + std * this.#spareNormal;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt(-2 * Math.log(s) / s);
    this.#spareNormal = v * f;
    this.#hasSpare = true;
    return mean + std * u * f;
  }

  /** Exponential draw with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    if (!(rate > 0)) throw new RangeError(`Rng.exponential(rate): rate must be > 0, got ${rate}`);
    return -Math.log(this.uniform()) / rate;
  }

  /**
   * Poisson draw with mean `lambda` >= 0: Knuth's product method below 30, Hörmann's PTRS
   * (transformed rejection with squeeze) above, so large means cost O(1).
   */
  poisson(lambda: number): number {
    if (!(lambda >= 0) || !Number.isFinite(lambda)) {
      throw new RangeError(`Rng.poisson(lambda): lambda must be finite and >= 0, got ${lambda}`);
    }
    if (lambda === 0) return 0;
    if (lambda < 30) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.uniform();
      while (p > limit) {
        k++;
        p *= this.uniform();
      }
      return k;
    }
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.uniform() - 0.5;
      const v = this.uniform();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor((2 * a / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (
        Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <=
          -lambda + k * loglam - logFactorial(k)
      ) {
        return k;
      }
    }
  }

  /**
   * Categorical draw: index `i` with probability `weights[i] / sum(weights)`. Weights must be finite,
   * non-negative and not all zero.
   */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i];
      if (!(w >= 0) || !Number.isFinite(w)) {
        throw new RangeError(`Rng.categorical: weights[${i}] must be finite and >= 0, got ${w}`);
      }
      total += w;
    }
    if (!(total > 0)) throw new RangeError("Rng.categorical: weights must not all be zero");
    let target = this.uniform() * total;
    let last = -1;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] <= 0) continue;
      last = i;
      target -= weights[i];
      if (target < 0) return i;
    }
    return last; // rounding left a sliver: the last positive weight takes it
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const LOG_FACTORIAL_TABLE = (() => {
  const table = new Float64Array(256);
  for (let i = 2; i < 256; i++) table[i] = table[i - 1] + Math.log(i);
  return table;
})();

/** ln(k!) from a table below 256 and Stirling's series above. */
function logFactorial(k: number): number {
  if (k < 256) return LOG_FACTORIAL_TABLE[k];
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) -
    1 / (360 * x * x * x);
}

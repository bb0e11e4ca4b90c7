/**
 * Zero-dependency inference: an MLP actor's weights in preallocated typed arrays and a forward pass in plain
 * JavaScript, with no allocation per call. For the smallest students this beats any tfjs backend by orders
 * of magnitude (no kernel dispatch, no tensor bookkeeping) and runs where tfjs cannot.
 *
 * Weights are copied from an {@linkcode Actor} (`PlainActor.fromActor`) or from arrays in `Mlp.getWeights`
 * order (`PlainActor.fromWeights`); kernels are stored transposed (`[out][in]`) so each unit is one
 * contiguous dot product, accumulated in float64. Masked logits are exactly -1e9 as on the tfjs path, and
 * the argmax takes the first maximal index, as `tf.argMax` does, so both paths resolve ties alike. tanh is
 * Eigen's float32 rational approximation (the one TensorFlow's CPU kernels use; max absolute error 2.6e-7
 * against `Math.tanh`, about 3x faster), so logits agree with tfjs to float32 rounding, not bit for bit.
 *
 * @example
 * ```ts
 * import { Actor } from "./actor.ts";
 * import { PlainActor } from "./plain.ts";
 * const actor = new Actor({ obsSize: 4, agentIdSize: 0, numActions: 3, hiddenSizes: [8], activation: "tanh",
 *   kind: "mlp" }, { seed: 1, name: "plain_demo" });
 * const plain = PlainActor.fromActor(actor);
 * actor.dispose();
 * const a = plain.act(Float32Array.of(1, 0, 0, 1), Uint8Array.of(1, 0, 1));
 * console.assert(a === 0 || a === 2);
 * ```
 *
 * @module
 */

import { type ActorSpec, ILLEGAL_LOGIT, validateActorSpec } from "./actor.ts";
import type { Actor } from "./actor.ts";

const TANH_CLAMP = 7.90531110763549805;

/**
 * tanh by Eigen's float32 rational approximation (odd degree-13 numerator, even degree-6 denominator,
 * input clamped to +-7.905); max absolute error 2.6e-7.
 *
 * @example
 * ```ts
 * import { fastTanh } from "./plain.ts";
 * console.assert(Math.abs(fastTanh(0.5) - Math.tanh(0.5)) < 1e-6);
 * ```
 */
export function fastTanh(x: number): number {
  if (x > TANH_CLAMP) x = TANH_CLAMP;
  else if (x < -TANH_CLAMP) x = -TANH_CLAMP;
  const x2 = x * x;
  let p = x2 * -2.76076847742355e-16 + 2.00018790482477e-13;
  p = x2 * p + -8.60467152213735e-11;
  p = x2 * p + 5.12229709037114e-08;
  p = x2 * p + 1.48572235717979e-05;
  p = x2 * p + 6.37261928875436e-04;
  p = x2 * p + 4.89352455891786e-03;
  p = x * p;
  let q = x2 * 1.19825839466702e-06 + 1.18534705686654e-04;
  q = x2 * q + 2.26843463243900e-03;
  q = x2 * q + 4.89352518554385e-03;
  return p / q;
}

/**
 * A dense MLP actor on typed arrays (see module docs).
 *
 * @example
 * ```ts
 * import { PlainActor } from "./plain.ts";
 * const p = PlainActor.fromWeights({ obsSize: 1, agentIdSize: 0, numActions: 2, hiddenSizes: [], activation: "relu",
 *   kind: "mlp" }, [Float32Array.of(1, -1), Float32Array.of(0, 0)]);
 * console.assert(p.act(Float32Array.of(3)) === 0 && p.act(Float32Array.of(-3)) === 1);
 * ```
 */
export class PlainActor {
  /** The actor's spec (kind `"mlp"`). */
  readonly spec: ActorSpec;
  /** `obsSize + agentIdSize`. */
  readonly inputSize: number;
  /** Actions. */
  readonly numActions: number;
  readonly #kernelsT: Float32Array[]; // per layer, [out][in]
  readonly #biases: Float32Array[];
  readonly #sizes: number[]; // [in, h1, ..., A]
  readonly #buffers: Float64Array[]; // outputs of each layer
  readonly #relu: boolean;

  private constructor(spec: ActorSpec, weights: readonly Float32Array[]) {
    validateActorSpec(spec, "PlainActor");
    if (spec.kind !== "mlp") {
      throw new RangeError(
        `PlainActor supports kind "mlp" only, got "${spec.kind}"; recurrent actors run through the tfjs runtime`,
      );
    }
    this.spec = { ...spec, hiddenSizes: [...spec.hiddenSizes] };
    this.inputSize = spec.obsSize + spec.agentIdSize;
    this.numActions = spec.numActions;
    this.#sizes = [this.inputSize, ...spec.hiddenSizes, spec.numActions];
    this.#relu = spec.activation === "relu";
    const layers = this.#sizes.length - 1;
    if (weights.length !== 2 * layers) {
      throw new RangeError(
        `PlainActor: expected ${2 * layers} weight arrays, got ${weights.length}`,
      );
    }
    this.#kernelsT = [];
    this.#biases = [];
    this.#buffers = [];
    for (let l = 0; l < layers; l++) {
      const fin = this.#sizes[l], fout = this.#sizes[l + 1];
      const k = weights[2 * l], b = weights[2 * l + 1];
      if (k.length !== fin * fout || b.length !== fout) {
        throw new RangeError(
          `PlainActor: layer ${l} needs a ${fin}x${fout} kernel and ${fout} biases, got ${k.length} and ${b.length} values`,
        );
      }
      const kt = new Float32Array(fin * fout);
      for (let i = 0; i < fin; i++) {
        for (let o = 0; o < fout; o++) kt[o * fin + i] = k[i * fout + o];
      }
      this.#kernelsT.push(kt);
      this.#biases.push(Float32Array.from(b));
      this.#buffers.push(new Float64Array(fout));
    }
  }

  /**
   * Copies an MLP actor's current weights.
   *
   * @example
   * ```ts
   * import { Actor } from "./actor.ts";
   * import { PlainActor } from "./plain.ts";
   * const actor = new Actor({ obsSize: 2, agentIdSize: 0, numActions: 2, hiddenSizes: [], activation: "relu",
   *   kind: "mlp" }, { seed: 0, name: "from_actor_demo" });
   * console.assert(PlainActor.fromActor(actor).inputSize === 2);
   * actor.dispose();
   * ```
   */
  static fromActor(actor: Actor): PlainActor {
    return new PlainActor(actor.spec, actor.net.getWeights());
  }

  /**
   * Builds from weights in `Mlp.getWeights` order: `[kernel0 [in, out] row-major, bias0, ...]`.
   *
   * @example
   * ```ts
   * import { PlainActor } from "./plain.ts";
   * const p = PlainActor.fromWeights({ obsSize: 2, agentIdSize: 0, numActions: 2, hiddenSizes: [],
   *   activation: "tanh", kind: "mlp" }, [Float32Array.of(1, 0, 0, 1), Float32Array.of(0, 0)]);
   * console.assert(p.act(Float32Array.of(0.2, 0.9)) === 1);
   * ```
   */
  static fromWeights(spec: ActorSpec, weights: readonly Float32Array[]): PlainActor {
    return new PlainActor(spec, weights);
  }

  /** Forward pass of the row at `offset` of `input`; returns the logits buffer (unmasked). */
  #forward(input: Float32Array, offset: number): Float64Array {
    const layers = this.#kernelsT.length;
    const relu = this.#relu;
    // First layer reads the Float32Array input.
    {
      const fin = this.#sizes[0], fout = this.#sizes[1];
      const k = this.#kernelsT[0], b = this.#biases[0], dst = this.#buffers[0];
      const hidden = layers > 1;
      const end4 = fin & ~3;
      for (let o = 0; o < fout; o++) {
        const base = o * fin;
        // Four independent partial sums (no loop-carried dependency between them), then the remainder.
        let s0 = b[o], s1 = 0, s2 = 0, s3 = 0;
        let i = 0;
        for (; i < end4; i += 4) {
          s0 += k[base + i] * input[offset + i];
          s1 += k[base + i + 1] * input[offset + i + 1];
          s2 += k[base + i + 2] * input[offset + i + 2];
          s3 += k[base + i + 3] * input[offset + i + 3];
        }
        for (; i < fin; i++) s0 += k[base + i] * input[offset + i];
        const s = (s0 + s1) + (s2 + s3);
        dst[o] = hidden ? (relu ? (s > 0 ? s : 0) : fastTanh(s)) : s;
      }
    }
    for (let l = 1; l < layers; l++) {
      const fin = this.#sizes[l], fout = this.#sizes[l + 1];
      const k = this.#kernelsT[l],
        b = this.#biases[l],
        src = this.#buffers[l - 1],
        dst = this.#buffers[l];
      const hidden = l < layers - 1;
      const end4 = fin & ~3;
      for (let o = 0; o < fout; o++) {
        const base = o * fin;
        let s0 = b[o], s1 = 0, s2 = 0, s3 = 0;
        let i = 0;
        for (; i < end4; i += 4) {
          s0 += k[base + i] * src[i];
          s1 += k[base + i + 1] * src[i + 1];
          s2 += k[base + i + 2] * src[i + 2];
          s3 += k[base + i + 3] * src[i + 3];
        }
        for (; i < fin; i++) s0 += k[base + i] * src[i];
        const s = (s0 + s1) + (s2 + s3);
        dst[o] = hidden ? (relu ? (s > 0 ? s : 0) : fastTanh(s)) : s;
      }
    }
    return this.#buffers[layers - 1];
  }

  /** Argmax of the masked logits (first maximal index); writes the masked logits to `out` when given. */
  #select(
    logits: Float64Array,
    mask: Uint8Array | undefined,
    maskOffset: number,
    out: Float32Array | undefined,
    outOffset: number,
  ): number {
    let best = 0;
    let bestValue = -Infinity;
    for (let k = 0; k < this.numActions; k++) {
      const v = mask !== undefined && mask[maskOffset + k] === 0 ? ILLEGAL_LOGIT : logits[k];
      if (out !== undefined) out[outOffset + k] = v;
      if (v > bestValue) {
        bestValue = v;
        best = k;
      }
    }
    return best;
  }

  /**
   * Greedy action for one input (`inputSize` values) with an optional mask (`numActions`, 1 = legal);
   * writes the masked logits into `logitsOut` when given. No allocation.
   *
   * @example
   * ```ts
   * import { PlainActor } from "./plain.ts";
   * const p = PlainActor.fromWeights({ obsSize: 2, agentIdSize: 0, numActions: 2, hiddenSizes: [],
   *   activation: "tanh", kind: "mlp" }, [Float32Array.of(1, 0, 0, 1), Float32Array.of(0, 0)]);
   * const logits = new Float32Array(2);
   * console.assert(p.act(Float32Array.of(0.2, 0.9), Uint8Array.of(1, 0), logits) === 0 && logits[1] === -1e9);
   * ```
   */
  act(input: Float32Array, mask?: Uint8Array, logitsOut?: Float32Array): number {
    this.#check(input, 1, mask, logitsOut);
    return this.#select(this.#forward(input, 0), mask, 0, logitsOut, 0);
  }

  /**
   * Greedy actions for `count` inputs (row-major `count * inputSize`) with optional masks
   * (`count * numActions`), into `outActions`. No allocation; returns `outActions`.
   *
   * @example
   * ```ts
   * import { PlainActor } from "./plain.ts";
   * const p = PlainActor.fromWeights({ obsSize: 2, agentIdSize: 0, numActions: 2, hiddenSizes: [],
   *   activation: "tanh", kind: "mlp" }, [Float32Array.of(1, 0, 0, 1), Float32Array.of(0, 0)]);
   * const out = p.actBatch(Float32Array.of(1, 0, 0, 1), 2, undefined, new Int32Array(2));
   * console.assert(out[0] === 0 && out[1] === 1);
   * ```
   */
  actBatch(
    inputs: Float32Array,
    count: number,
    masks: Uint8Array | undefined,
    outActions: Int32Array,
  ): Int32Array {
    this.#check(inputs, count, masks, undefined);
    if (outActions.length < count) {
      throw new RangeError(
        `PlainActor.actBatch: outActions needs ${count} entries, got ${outActions.length}`,
      );
    }
    const A = this.numActions, I = this.inputSize;
    for (let r = 0; r < count; r++) {
      outActions[r] = this.#select(this.#forward(inputs, r * I), masks, r * A, undefined, 0);
    }
    return outActions;
  }

  /**
   * Masked logits of `count` inputs into `out` (`count * numActions`). No allocation; returns `out`.
   *
   * @example
   * ```ts
   * import { PlainActor } from "./plain.ts";
   * const p = PlainActor.fromWeights({ obsSize: 1, agentIdSize: 0, numActions: 2, hiddenSizes: [],
   *   activation: "relu", kind: "mlp" }, [Float32Array.of(2, -1), Float32Array.of(0.5, 0)]);
   * const out = p.logits(Float32Array.of(1), undefined, new Float32Array(2));
   * console.assert(out[0] === 2.5 && out[1] === -1);
   * ```
   */
  logits(
    inputs: Float32Array,
    masks: Uint8Array | undefined,
    out: Float32Array,
    count = 1,
  ): Float32Array {
    this.#check(inputs, count, masks, out);
    const A = this.numActions, I = this.inputSize;
    for (let r = 0; r < count; r++) {
      this.#select(this.#forward(inputs, r * I), masks, r * A, out, r * A);
    }
    return out;
  }

  /** Copies of the weights in `Mlp.getWeights` order (kernels `[in, out]` row-major). */
  getWeights(): Float32Array[] {
    const out: Float32Array[] = [];
    for (let l = 0; l < this.#kernelsT.length; l++) {
      const fin = this.#sizes[l], fout = this.#sizes[l + 1];
      const kt = this.#kernelsT[l];
      const k = new Float32Array(fin * fout);
      for (let i = 0; i < fin; i++) {
        for (let o = 0; o < fout; o++) k[i * fout + o] = kt[o * fin + i];
      }
      out.push(k, Float32Array.from(this.#biases[l]));
    }
    return out;
  }

  #check(
    inputs: Float32Array,
    count: number,
    masks: Uint8Array | undefined,
    out: Float32Array | undefined,
  ): void {
    if (inputs.length < count * this.inputSize) {
      throw new RangeError(
        `PlainActor: inputs need ${
          count * this.inputSize
        } values (${count} x inputSize ${this.inputSize}), got ${inputs.length}`,
      );
    }
    if (masks !== undefined && masks.length < count * this.numActions) {
      throw new RangeError(
        `PlainActor: masks need ${
          count * this.numActions
        } values (${count} x numActions ${this.numActions}), got ${masks.length}`,
      );
    }
    if (out !== undefined && out.length < count * this.numActions) {
      throw new RangeError(
        `PlainActor: logits output needs ${count * this.numActions} values, got ${out.length}`,
      );
    }
  }
}

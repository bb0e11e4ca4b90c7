/**
 * 8-bit post-training quantization of a {@linkcode Network}. Activation scales are calibrated on recorded
 * observations, one per input feature of every layer (`s_x[i] = max |x_i| / 127` over the calibration
 * set, float64 reference pass; `/ 255` for post-ReLU activations, which are quantized to uint8 [0, 255]; a
 * feature that stayed 0 gets the layer's widest range).
 * Because `sum_i W[i][o] x_i = sum_i (W[i][o] s_x[i]) (x_i / s_x[i])`, the per-feature scales are folded into
 * the weights, which are then quantized symmetrically per output channel (`s_w[o] = max_i |W[i][o] s_x[i]| /
 * 127`, int8), and each bias absorbs the mean error the rounded weights make on the calibration inputs
 * (bias correction). A layer computes `acc = sum q_w * q_x` in int32, `y = acc * s_w[o] + b[o]` in float32 (biases
 * stay float32), the activation, and quantizes `y` for the next layer; the logits stay float. Rounding is half
 * away from zero, clamped to the 8-bit range.
 *
 * Mixed precision: a layer's weights and its input activations can each be kept at 16 bits instead of 8
 * (`int16` weights with per-channel scales `max / 32767`; inputs `max / 32767`, post-ReLU `max / 65535`), as
 * TFLite's 16x8 mode does; the accumulator is int32, or int64 where `in * max|x| * max|w|` could overflow
 * int32 (16-bit x 16-bit). {@linkcode choosePrecision} picks, on the calibration observations only, the
 * cheapest promotions (greedy, by the agreement they buy) that bring the quantized network's actions to a
 * target agreement with the float network; {@linkcode simulateQuantized} is the bit-exact TypeScript twin of
 * the generated C that it measures with.
 *
 * @example
 * ```ts
 * import { calibrate } from "./quantize.ts";
 * import { networkFromWeights } from "./network.ts";
 * const net = networkFromWeights("a", { obsSize: 2, agentIdSize: 0, numActions: 1, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(0.5, -1), Float32Array.of(0)]);
 * const q = calibrate(net, Float32Array.of(2, -4, 1, 1), 2);
 * console.assert(q.layers[0].weights[1] === -127 && q.layers[0].inputInvScales[1] === Math.fround(127 / 4));
 * ```
 *
 * @module
 */

import { forwardLayers, type Network } from "./network.ts";

/** Bits of one layer's weights and of its input activations. */
export interface LayerPrecision {
  /** 8 (int8) or 16 (int16) weights. */
  weightBits: 8 | 16;
  /** 8 or 16 bits for the layer's input (the observation for layer 0, the previous layer's output else). */
  inputBits: 8 | 16;
}

/** Quantized weights of one layer. */
export interface QuantLayer {
  /** Integer kernel of the scale-folded weights `W[i][o] * s_x[i]`, `[in][out]` row-major, within +-127
   * (8-bit) or +-32767 (16-bit). */
  weights: Int16Array;
  /** Bits of the weights and of the input. */
  precision: LayerPrecision;
  /** Per output unit: the weight scale (the float output is `acc * weightScales[o] + bias[o]`). */
  weightScales: Float32Array;
  /** Per input feature: `1 / s_x[i]`, what the input is multiplied by before rounding. */
  inputInvScales: Float32Array;
  /** Inputs quantized to [0, 255] / [0, 65535] (post-ReLU activations) rather than +-127 / +-32767. */
  unsignedInput: boolean;
  /** Float32 bias with the weight rounding's mean error on the calibration inputs removed. */
  bias: Float32Array;
}

/** A calibrated quantized network (8-bit unless some layer's precision says 16). */
export interface QuantizedNetwork {
  /** Per layer. */
  layers: QuantLayer[];
  /** Observations the activation scales were calibrated on. */
  calibrationRows: number;
}

/**
 * Round half away from zero, as the generated C does.
 *
 * @example
 * ```ts
 * import { roundHalfAway } from "./quantize.ts";
 * console.assert(roundHalfAway(-2.5) === -3 && roundHalfAway(2.5) === 3);
 * ```
 */
export function roundHalfAway(v: number): number {
  return v >= 0 ? Math.floor(v + 0.5) : -Math.floor(-v + 0.5);
}

/**
 * The largest magnitude of a signed quantized value of `bits` bits (symmetric: 127, 32767).
 *
 * @example
 * ```ts
 * import { signedMax } from "./quantize.ts";
 * console.assert(signedMax(8) === 127 && signedMax(16) === 32767);
 * ```
 */
export function signedMax(bits: 8 | 16): number {
  return bits === 8 ? 127 : 32767;
}

/**
 * Every layer at 8/8 bits.
 *
 * @example
 * ```ts
 * import { allInt8 } from "./quantize.ts";
 * import { networkFromWeights } from "./network.ts";
 * const net = networkFromWeights("a", { obsSize: 1, agentIdSize: 0, numActions: 1, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(1), Float32Array.of(0)]);
 * console.assert(allInt8(net)[0].weightBits === 8);
 * ```
 */
export function allInt8(net: Network): LayerPrecision[] {
  return net.layers.map(() => ({ weightBits: 8, inputBits: 8 }));
}

/**
 * Calibrates `net` on `rows` observations (`rows * inputSize` values) and quantizes its weights, each layer
 * at `precision[l]` (default every layer 8-bit).
 *
 * @example
 * ```ts
 * import { calibrate } from "./quantize.ts";
 * import { networkFromWeights } from "./network.ts";
 * const net = networkFromWeights("a", { obsSize: 1, agentIdSize: 0, numActions: 1, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(0), Float32Array.of(0)]);
 * console.assert(calibrate(net, Float32Array.of(0), 1).layers[0].weightScales[0] === 1); // zero column
 * console.assert(calibrate(net, Float32Array.of(0), 1).layers[0].inputInvScales[0] === 127); // zero feature
 * ```
 */
export function calibrate(
  net: Network,
  inputs: Float32Array,
  rows: number,
  precision: readonly LayerPrecision[] = allInt8(net),
): QuantizedNetwork {
  return quantizeWith(net, calibrationStats(net, inputs, rows), precision);
}

/** Per layer and input feature: max |value| and mean over the calibration set. */
export interface CalibrationStats {
  /** Rows measured. */
  rows: number;
  /** Per layer, per input feature. */
  maxAbs: Float64Array[];
  /** Per layer, per input feature. */
  mean: Float64Array[];
}

/**
 * Measures the activation ranges of `net` on `rows` observations (float64 reference pass).
 *
 * @example
 * ```ts
 * import { calibrationStats } from "./quantize.ts";
 * import { networkFromWeights } from "./network.ts";
 * const net = networkFromWeights("a", { obsSize: 1, agentIdSize: 0, numActions: 1, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(1), Float32Array.of(0)]);
 * console.assert(calibrationStats(net, Float32Array.of(-3, 1), 2).maxAbs[0][0] === 3);
 * ```
 */
export function calibrationStats(
  net: Network,
  inputs: Float32Array,
  rows: number,
): CalibrationStats {
  if (rows < 1 || inputs.length < rows * net.inputSize) {
    throw new RangeError(
      `calibrate "${net.className}": need >= 1 row of ${net.inputSize} values, got ${rows} rows and ${inputs.length} values`,
    );
  }
  const L = net.layers.length;
  // Per layer and input feature: max |value| over the calibration set (observations, then hidden outputs).
  const maxAbs = net.layers.map((l) => new Float64Array(l.inSize));
  const mean = net.layers.map((l) => new Float64Array(l.inSize));
  const row = new Float32Array(net.inputSize);
  for (let r = 0; r < rows; r++) {
    row.set(inputs.subarray(r * net.inputSize, (r + 1) * net.inputSize));
    for (let i = 0; i < net.inputSize; i++) {
      maxAbs[0][i] = Math.max(maxAbs[0][i], Math.abs(row[i]));
      mean[0][i] += row[i] / rows;
    }
    if (L > 1) {
      const outs = forwardRow(net, row);
      for (let l = 1; l < L; l++) {
        const m = maxAbs[l], o = outs[l - 1];
        for (let i = 0; i < o.length; i++) {
          m[i] = Math.max(m[i], Math.abs(o[i]));
          mean[l][i] += o[i] / rows;
        }
      }
    }
  }
  return { rows, maxAbs, mean };
}

/**
 * Quantizes `net` at `precision` with the activation ranges of `stats`.
 *
 * @example
 * ```ts
 * import { calibrationStats, quantizeWith } from "./quantize.ts";
 * import { networkFromWeights } from "./network.ts";
 * const net = networkFromWeights("a", { obsSize: 1, agentIdSize: 0, numActions: 1, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(0.5), Float32Array.of(0)]);
 * const q = quantizeWith(net, calibrationStats(net, Float32Array.of(2), 1), [{ weightBits: 16, inputBits: 16 }]);
 * console.assert(q.layers[0].weights[0] === 32767 && q.layers[0].inputInvScales[0] === Math.fround(32767 / 2));
 * ```
 */
export function quantizeWith(
  net: Network,
  stats: CalibrationStats,
  precision: readonly LayerPrecision[],
): QuantizedNetwork {
  const { maxAbs, mean, rows } = stats;
  if (precision.length !== net.layers.length) {
    throw new RangeError(
      `quantize "${net.className}": precision has ${precision.length} layers, the network ${net.layers.length}`,
    );
  }
  const layers = net.layers.map((layer, l): QuantLayer => {
    const unsignedInput = l > 0 && net.layers[l - 1].activation === "relu";
    const p = { ...precision[l] };
    const range = unsignedInput ? 2 * signedMax(p.inputBits) + 1 : signedMax(p.inputBits);
    const wMax = signedMax(p.weightBits);
    const inScale = new Float64Array(layer.inSize);
    const inputInvScales = new Float32Array(layer.inSize);
    // A feature never seen non-zero gets the layer's widest scale (1 / range if all are zero): a scale of 1
    // would fold a weight so large that it flattened its whole output channel.
    const widest = Math.max(0, ...maxAbs[l]) || 1;
    for (let i = 0; i < layer.inSize; i++) {
      inScale[i] = (maxAbs[l][i] > 0 ? maxAbs[l][i] : widest) / range;
      inputInvScales[i] = 1 / inScale[i];
    }
    const weightScales = new Float32Array(layer.outSize);
    const weights = new Int16Array(layer.inSize * layer.outSize);
    // Quantized inputs are x / s_x (rounded), so the folded weights W * s_x keep the product.
    const folded = (i: number, o: number) =>
      layer.kernel[i * layer.outSize + o] / Math.fround(inputInvScales[i]);
    for (let o = 0; o < layer.outSize; o++) {
      let m = 0;
      for (let i = 0; i < layer.inSize; i++) m = Math.max(m, Math.abs(folded(i, o)));
      const s = m > 0 ? m / wMax : 1;
      weightScales[o] = s;
      for (let i = 0; i < layer.inSize; i++) {
        const q = roundHalfAway(folded(i, o) / weightScales[o]);
        weights[i * layer.outSize + o] = Math.max(-wMax, Math.min(wMax, q));
      }
    }
    // Bias correction: the rounded weights' effective values are q_w * s_w[o] / s_x[i]; their error times
    // the calibration mean of each input is a systematic shift of the output, removed from the bias.
    const bias = new Float32Array(layer.outSize);
    for (let o = 0; o < layer.outSize; o++) {
      let shift = 0;
      for (let i = 0; i < layer.inSize; i++) {
        const eff = weights[i * layer.outSize + o] * weightScales[o] *
          Math.fround(inputInvScales[i]);
        shift += (eff - layer.kernel[i * layer.outSize + o]) * mean[l][i];
      }
      bias[o] = layer.bias[o] - shift;
    }
    return { weights, precision: p, weightScales, inputInvScales, unsignedInput, bias };
  });
  return { layers, calibrationRows: rows };
}
const fr = Math.fround;
/** The generated C's float32 rational tanh (`fk_tanh`), step by step in float32. */
function tanhF32(x: number): number {
  const c = fr(7.90531110763549805);
  x = fr(x);
  if (x > c) x = c;
  if (x < -c) x = -c;
  const x2 = fr(x * x);
  const k = [
    -2.76076847742355e-16,
    2.00018790482477e-13,
    -8.60467152213735e-11,
    5.12229709037114e-08,
    1.48572235717979e-05,
    6.37261928875436e-04,
    4.89352455891786e-03,
  ].map(fr);
  let p = fr(fr(x2 * k[0]) + k[1]);
  for (let j = 2; j < k.length; j++) p = fr(fr(x2 * p) + k[j]);
  p = fr(x * p);
  const m = [1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03, 4.89352518554385e-03]
    .map(fr);
  let q = fr(fr(x2 * m[0]) + m[1]);
  for (let j = 2; j < m.length; j++) q = fr(fr(x2 * q) + m[j]);
  return fr(p / q);
}

/** `fk_quant*` of the generated C: `v * inv` in float32, clamped to [lo, hi], rounded half away. */
function quantF32(v: number, inv: number, lo: number, hi: number): number {
  let r = fr(v * inv);
  if (r > hi) r = hi;
  if (r < lo) r = lo;
  return Math.trunc(r >= 0 ? fr(r + 0.5) : fr(r - 0.5));
}

/**
 * Logits of row `row` of `inputs` through the quantized network exactly as the generated C computes them
 * (float32 rounding of every step, integer accumulation; bit-exact for relu and linear layers, and for tanh
 * as far as the platform's float32 division is IEEE). Writes into `out` (`numActions`) and returns it.
 *
 * @example
 * ```ts
 * import { calibrate, simulateQuantized } from "./quantize.ts";
 * import { networkFromWeights } from "./network.ts";
 * const net = networkFromWeights("a", { obsSize: 1, agentIdSize: 0, numActions: 1, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(0.5), Float32Array.of(0)]);
 * const q = calibrate(net, Float32Array.of(2), 1);
 * console.assert(simulateQuantized(net, q, Float32Array.of(2), 0, new Float32Array(1))[0] === 1);
 * ```
 */
export function simulateQuantized(
  net: Network,
  q: QuantizedNetwork,
  inputs: Float32Array,
  row: number,
  out: Float32Array,
): Float32Array {
  const L = net.layers.length;
  let x = new Float64Array(net.inputSize);
  const q0 = q.layers[0], m0 = signedMax(q0.precision.inputBits);
  for (let i = 0; i < net.inputSize; i++) {
    x[i] = quantF32(inputs[row * net.inputSize + i], q0.inputInvScales[i], -m0, m0);
  }
  for (let l = 0; l < L; l++) {
    const layer = net.layers[l], ql = q.layers[l];
    const next = l + 1 < L ? q.layers[l + 1] : undefined;
    const y = new Float64Array(layer.outSize);
    for (let o = 0; o < layer.outSize; o++) {
      let acc = 0; // exact: |acc| < 2^53 for every layer the generator emits
      for (let i = 0; i < layer.inSize; i++) acc += ql.weights[i * layer.outSize + o] * x[i];
      let v = fr(fr(fr(acc) * ql.weightScales[o]) + ql.bias[o]);
      if (layer.activation === "relu") v = v > 0 ? v : 0;
      else if (layer.activation === "tanh") v = tanhF32(v);
      if (next === undefined) {
        out[o] = v;
      } else {
        const m = signedMax(next.precision.inputBits);
        y[o] = next.unsignedInput
          ? quantF32(v, next.inputInvScales[o], 0, 2 * m + 1)
          : quantF32(v, next.inputInvScales[o], -m, m);
      }
    }
    x = y;
  }
  return out;
}

/** Masked greedy action of `logits` as the generated C's `fk_select` (first maximum; illegal = -1e9). */
function selectMasked(
  logits: ArrayLike<number>,
  masks: Uint8Array,
  row: number,
  A: number,
): number {
  let best = 0, bestV = 0;
  for (let k = 0; k < A; k++) {
    const v = masks[row * A + k] === 0 ? fr(-1e9) : logits[k];
    if (k === 0 || v > bestV) {
      bestV = v;
      best = k;
    }
  }
  return best;
}

/**
 * Masked greedy actions of `rows` observations through the quantized network, as the generated C's
 * `act_batch` gives them (via {@linkcode simulateQuantized}).
 *
 * @example
 * ```ts
 * import { calibrate, quantizedActions } from "./quantize.ts";
 * import { networkFromWeights } from "./network.ts";
 * const net = networkFromWeights("a", { obsSize: 1, agentIdSize: 0, numActions: 2, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(1, -1), Float32Array.of(0, 0)]);
 * const x = Float32Array.of(2, -2);
 * const a = quantizedActions(net, calibrate(net, x, 2), x, Uint8Array.of(1, 1, 1, 1), 2);
 * console.assert(a[0] === 0 && a[1] === 1);
 * ```
 */
export function quantizedActions(
  net: Network,
  q: QuantizedNetwork,
  inputs: Float32Array,
  masks: Uint8Array,
  rows: number,
): Int32Array {
  const out = new Int32Array(rows), logits = new Float32Array(net.numActions);
  for (let r = 0; r < rows; r++) {
    out[r] = selectMasked(simulateQuantized(net, q, inputs, r, logits), masks, r, net.numActions);
  }
  return out;
}

/**
 * Masked greedy actions of the float network (float64 reference pass), first maximum as in the C.
 *
 * @example
 * ```ts
 * import { floatActions } from "./quantize.ts";
 * import { networkFromWeights } from "./network.ts";
 * const net = networkFromWeights("a", { obsSize: 1, agentIdSize: 0, numActions: 2, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(1, -1), Float32Array.of(0, 0)]);
 * console.assert(floatActions(net, Float32Array.of(2), Uint8Array.of(0, 1), 1)[0] === 1); // masked
 * ```
 */
export function floatActions(
  net: Network,
  inputs: Float32Array,
  masks: Uint8Array,
  rows: number,
): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    out[r] = selectMasked(forwardLayers(net, inputs, r).at(-1)!, masks, r, net.numActions);
  }
  return out;
}

/**
 * Extra bytes a 16-bit operand costs over 8 bits: weights in flash, the input buffer in RAM.
 *
 * @example
 * ```ts
 * import { promotionBytes } from "./quantize.ts";
 * import { networkFromWeights } from "./network.ts";
 * const net = networkFromWeights("a", { obsSize: 3, agentIdSize: 0, numActions: 6, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [new Float32Array(18), new Float32Array(6)]);
 * console.assert(promotionBytes(net, 0, "weights") === 3 * 8 && promotionBytes(net, 0, "input") === 3);
 * ```
 */
export function promotionBytes(net: Network, l: number, what: "weights" | "input"): number {
  const layer = net.layers[l];
  if (what === "input") return layer.inSize;
  const padded = Math.ceil(layer.outSize / Math.min(16, Math.ceil(layer.outSize / 4) * 4)) *
    Math.min(16, Math.ceil(layer.outSize / 4) * 4);
  return layer.inSize * padded;
}

/** Result of {@linkcode choosePrecision}. */
export interface PrecisionChoice {
  /** Per layer. */
  precision: LayerPrecision[];
  /** Masked-action agreement with the float network on the calibration observations, all 8-bit. */
  int8Agreement: number;
  /** The same with the chosen precision. */
  agreement: number;
  /** Target it was chosen for. */
  target: number;
  /** Promotions in the order taken, with the calibration agreement after each. */
  steps: { layer: number; operand: "weights" | "input"; agreement: number; bytes: number }[];
}

/**
 * Mixed precision chosen on the calibration observations (`rows` inputs and masks) only: starting from every
 * layer at 8/8 bits, while the quantized network's masked actions agree with the float network's on fewer
 * than `target` of the rows, promotes to 16 bits the one operand (a layer's weights or its input) whose
 * promotion gives the highest agreement (ties: fewer bytes). Every layer at 16/16 is the end.
 *
 * @example
 * ```ts
 * import { calibrationStats, choosePrecision } from "./quantize.ts";
 * import { networkFromWeights } from "./network.ts";
 * const net = networkFromWeights("a", { obsSize: 1, agentIdSize: 0, numActions: 2, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(1, 1.001), Float32Array.of(0, 0)]);
 * const x = Float32Array.of(1, 2), m = Uint8Array.of(1, 1, 1, 1);
 * const stats = calibrationStats(net, x, 2);
 * // 8 bits already agree on every row: nothing is promoted.
 * const c = choosePrecision(net, stats, x, m, 2, 0.99);
 * console.assert(c.agreement === 1 && c.precision[0].weightBits === 8 && c.steps.length === 0);
 * // An unreachable target promotes every operand to 16 bits.
 * const all = choosePrecision(net, stats, x, m, 2, 1.01);
 * console.assert(all.precision[0].weightBits === 16 && all.precision[0].inputBits === 16);
 * ```
 */
export function choosePrecision(
  net: Network,
  stats: CalibrationStats,
  inputs: Float32Array,
  masks: Uint8Array,
  rows: number,
  target: number,
): PrecisionChoice {
  const A = net.numActions;
  const ref = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    ref[r] = selectMasked(forwardLayers(net, inputs, r).at(-1)!, masks, r, A);
  }
  const logits = new Float32Array(A);
  const agreement = (p: readonly LayerPrecision[]) => {
    const q = quantizeWith(net, stats, p);
    let same = 0;
    for (let r = 0; r < rows; r++) {
      if (selectMasked(simulateQuantized(net, q, inputs, r, logits), masks, r, A) === ref[r]) {
        same++;
      }
    }
    return same / rows;
  };
  let precision = allInt8(net);
  const int8Agreement = agreement(precision);
  let current = int8Agreement;
  const steps: PrecisionChoice["steps"] = [];
  while (current < target) {
    let best:
      | {
        p: LayerPrecision[];
        a: number;
        layer: number;
        operand: "weights" | "input";
        bytes: number;
      }
      | undefined;
    for (let l = 0; l < net.layers.length; l++) {
      for (const operand of ["weights", "input"] as const) {
        const key = operand === "weights" ? "weightBits" : "inputBits";
        if (precision[l][key] === 16) continue;
        const p = precision.map((x) => ({ ...x }));
        p[l][key] = 16;
        const a = agreement(p), bytes = promotionBytes(net, l, operand);
        if (best === undefined || a > best.a || (a === best.a && bytes < best.bytes)) {
          best = { p, a, layer: l, operand, bytes };
        }
      }
    }
    if (best === undefined) break; // everything at 16 bits
    precision = best.p;
    current = best.a;
    steps.push({ layer: best.layer, operand: best.operand, agreement: best.a, bytes: best.bytes });
  }
  return { precision, int8Agreement, agreement: current, target, steps };
}

function forwardRow(net: Network, x0: Float32Array): Float64Array[] {
  const outs: Float64Array[] = [];
  let x: ArrayLike<number> = x0;
  for (const layer of net.layers) {
    const y = new Float64Array(layer.outSize);
    for (let o = 0; o < layer.outSize; o++) {
      let s = layer.bias[o];
      for (let i = 0; i < layer.inSize; i++) s += layer.kernel[i * layer.outSize + o] * x[i];
      y[o] = layer.activation === "relu"
        ? (s > 0 ? s : 0)
        : layer.activation === "tanh"
        ? Math.tanh(s)
        : s;
    }
    outs.push(y);
    x = y;
  }
  return outs;
}

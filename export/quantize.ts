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

import type { Network } from "./network.ts";

/** Quantized weights of one layer. */
export interface QuantLayer {
  /** int8 kernel of the scale-folded weights `W[i][o] * s_x[i]`, `[in][out]` row-major. */
  weights: Int8Array;
  /** Per output unit: the weight scale (the float output is `acc * weightScales[o] + bias[o]`). */
  weightScales: Float32Array;
  /** Per input feature: `1 / s_x[i]`, what the input is multiplied by before rounding. */
  inputInvScales: Float32Array;
  /** Inputs quantized to [0, 255] (post-ReLU activations) rather than [-127, 127]. */
  unsignedInput: boolean;
  /** Float32 bias with the weight rounding's mean error on the calibration inputs removed. */
  bias: Float32Array;
}

/** A calibrated 8-bit network. */
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
 * Calibrates `net` on `rows` observations (`rows * inputSize` values) and quantizes its weights.
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
export function calibrate(net: Network, inputs: Float32Array, rows: number): QuantizedNetwork {
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
  const layers = net.layers.map((layer, l): QuantLayer => {
    const unsignedInput = l > 0 && net.layers[l - 1].activation === "relu";
    const range = unsignedInput ? 255 : 127;
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
    const weights = new Int8Array(layer.inSize * layer.outSize);
    // Quantized inputs are x / s_x (rounded), so the folded weights W * s_x keep the product.
    const folded = (i: number, o: number) =>
      layer.kernel[i * layer.outSize + o] / Math.fround(inputInvScales[i]);
    for (let o = 0; o < layer.outSize; o++) {
      let m = 0;
      for (let i = 0; i < layer.inSize; i++) m = Math.max(m, Math.abs(folded(i, o)));
      const s = m > 0 ? m / 127 : 1;
      weightScales[o] = s;
      for (let i = 0; i < layer.inSize; i++) {
        const q = roundHalfAway(folded(i, o) / weightScales[o]);
        weights[i * layer.outSize + o] = Math.max(-127, Math.min(127, q));
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
    return { weights, weightScales, inputInvScales, unsignedInput, bias };
  });
  return { layers, calibrationRows: rows };
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

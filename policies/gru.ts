/**
 * A GRU cell written with raw tfjs ops (the layers-API `GRU` layer's `predict` ran about 10x slower here).
 *
 * Equations and weight layout are those of Keras / tfjs-layers `GRU` (`resetAfter: false`,
 * `recurrentActivation: "sigmoid"`), so a saved cell loads as a stock tfjs `GRU` layer:
 * ```
 * [xz, xr, xh] = x @ W + b                  (W: [in, 3H], gate order z, r, h; b: [3H])
 * z = sigmoid(xz + h @ U[:, 0:H]);  r = sigmoid(xr + h @ U[:, H:2H])      (U: [H, 3H])
 * hh = tanh(xh + (r * h) @ U[:, 2H:3H])
 * h' = z * h + (1 - z) * hh  =  hh + z * (h - hh)
 * ```
 * Variables `[W, U, b]` (the tfjs layer's `kernel`, `recurrent_kernel`, `bias`), kernels orthogonal
 * (gain 1) from seeded streams, bias zero.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { GruCell } from "./gru.ts";
 * const cell = new GruCell(3, 4, { seed: 1, name: "gru_demo" });
 * const shape = tf.tidy(() => cell.step(tf.ones([2, 3]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D).shape);
 * console.assert(shape[1] === 4);
 * cell.dispose();
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { Rng } from "../sim/rng.ts";
import { denseForward, matMulForward } from "./dense.ts";
import { uniqueVariablePrefix } from "./mlp.ts";
import { orthogonal } from "./orthogonal.ts";

/**
 * A GRU cell (see module docs).
 *
 * @example
 * ```ts
 * import { GruCell } from "./gru.ts";
 * const cell = new GruCell(5, 8, { seed: 0, name: "gru_class_demo" });
 * console.assert(cell.variables[1].shape[1] === 24);
 * cell.dispose();
 * ```
 */
export class GruCell {
  /** Input features. */
  readonly inputSize: number;
  /** Hidden state size H. */
  readonly hiddenSize: number;
  /** `[W [in, 3H], U [H, 3H], b [3H]]`, gate order z, r, h. */
  readonly variables: tf.Variable[];

  /** Builds the cell's variables from `init.seed` (streams `gru/<name>/kernel`, `gru/<name>/recurrent`). */
  constructor(inputSize: number, hiddenSize: number, init: { seed: number; name: string }) {
    for (const [field, v] of [["inputSize", inputSize], ["hiddenSize", hiddenSize]] as const) {
      if (!Number.isInteger(v) || v <= 0) {
        throw new RangeError(
          `GruCell "${init.name}": ${field} must be a positive integer, got ${v}`,
        );
      }
    }
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    const h3 = 3 * hiddenSize;
    const name = uniqueVariablePrefix(init.name);
    const w = orthogonal(inputSize, h3, new Rng(init.seed, `gru/${init.name}/kernel`), 1);
    const u = orthogonal(hiddenSize, h3, new Rng(init.seed, `gru/${init.name}/recurrent`), 1);
    this.variables = tf.tidy(() => [
      tf.variable(tf.tensor2d(w, [inputSize, h3]), true, `${name}/gru/kernel`),
      tf.variable(tf.tensor2d(u, [hiddenSize, h3]), true, `${name}/gru/recurrent_kernel`),
      tf.variable(tf.zeros([h3]), true, `${name}/gru/bias`),
    ]);
  }

  /** One step: the new hidden state `[batch, H]` from `x` `[batch, in]` and `h` `[batch, H]`. No tidy. */
  step(x: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
    const H = this.hiddenSize;
    if (x.shape[1] !== this.inputSize || h.shape[1] !== H || x.shape[0] !== h.shape[0]) {
      throw new RangeError(
        `GruCell: expected x [batch, ${this.inputSize}] and h [batch, ${H}], got [${x.shape}] and [${h.shape}]`,
      );
    }
    const [w, u, b] = this.variables as unknown as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const gx = denseForward(x, w, b);
    const [xz, xr, xh] = tf.split(gx, 3, 1) as tf.Tensor2D[];
    const gh = matMulForward(h, tf.slice(u, [0, 0], [H, 2 * H]));
    const [hz, hr] = tf.split(gh, 2, 1) as tf.Tensor2D[];
    const z = tf.sigmoid(tf.add(xz, hz));
    const r = tf.sigmoid(tf.add(xr, hr));
    const hh = tf.tanh(
      tf.add(xh, matMulForward(tf.mul(r, h) as tf.Tensor2D, tf.slice(u, [0, 2 * H], [H, H]))),
    );
    return tf.add(hh, tf.mul(z, tf.sub(h, hh))) as tf.Tensor2D;
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

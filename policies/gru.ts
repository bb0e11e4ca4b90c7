/**
 * A GRU cell written with raw tfjs ops (the layers-API `GRU` layer's `predict` ran about 10x slower here).
 *
 * Equations (the PyTorch/cuDNN convention, reset gate applied after the recurrent product):
 * ```
 * [xr, xz, xn] = x @ Wx + bx          (Wx: [in, 3H])
 * [hr, hz, hn] = h @ Wh + bh          (Wh: [H, 3H])
 * r = sigmoid(xr + hr);  z = sigmoid(xz + hz);  n = tanh(xn + r * hn)
 * h' = (1 - z) * n + z * h  =  n + z * (h - n)
 * ```
 * Variables `[Wx, Wh, bx, bh]`, kernels orthogonal (gain 1) from seeded streams, biases zero.
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
import { denseForward } from "./dense.ts";
import { uniqueVariablePrefix } from "./mlp.ts";
import { orthogonal } from "./orthogonal.ts";

/** A GRU cell (see module docs). */
export class GruCell {
  /** Input features. */
  readonly inputSize: number;
  /** Hidden state size H. */
  readonly hiddenSize: number;
  /** `[Wx [in, 3H], Wh [H, 3H], bx [3H], bh [3H]]`. */
  readonly variables: tf.Variable[];

  /** Builds the cell's variables from `init.seed` (streams `gru/<name>/wx`, `gru/<name>/wh`). */
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
    const wx = orthogonal(inputSize, h3, new Rng(init.seed, `gru/${init.name}/wx`), 1);
    const wh = orthogonal(hiddenSize, h3, new Rng(init.seed, `gru/${init.name}/wh`), 1);
    this.variables = tf.tidy(() => [
      tf.variable(tf.tensor2d(wx, [inputSize, h3]), true, `${name}/gru/wx`),
      tf.variable(tf.tensor2d(wh, [hiddenSize, h3]), true, `${name}/gru/wh`),
      tf.variable(tf.zeros([h3]), true, `${name}/gru/bx`),
      tf.variable(tf.zeros([h3]), true, `${name}/gru/bh`),
    ]);
  }

  /** One step: the new hidden state `[batch, H]` from `x` `[batch, in]` and `h` `[batch, H]`. No tidy. */
  step(x: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
    if (
      x.shape[1] !== this.inputSize || h.shape[1] !== this.hiddenSize || x.shape[0] !== h.shape[0]
    ) {
      throw new RangeError(
        `GruCell: expected x [batch, ${this.inputSize}] and h [batch, ${this.hiddenSize}], got [${x.shape}] and [${h.shape}]`,
      );
    }
    const [wx, wh, bx, bh] = this.variables as unknown as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor1D,
      tf.Tensor1D,
    ];
    const gx = denseForward(x, wx, bx);
    const gh = denseForward(h, wh, bh);
    const [xr, xz, xn] = tf.split(gx, 3, 1) as tf.Tensor2D[];
    const [hr, hz, hn] = tf.split(gh, 3, 1) as tf.Tensor2D[];
    const r = tf.sigmoid(tf.add(xr, hr));
    const z = tf.sigmoid(tf.add(xz, hz));
    const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
    return tf.add(n, tf.mul(z, tf.sub(h, n))) as tf.Tensor2D;
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/**
 * A dense layer, `x @ kernel + bias`, with a hand-written gradient.
 *
 * tfjs's autodiff differentiates `matMul` into `matMul(dy, kernel, false, true)` and
 * `matMul(x, dy, true, false)`. On the WASM backend a `matMul` with `transposeA`/`transposeB` is several times
 * slower than transposing first and multiplying plainly, so the backward pass here transposes explicitly
 * (`tf.transpose`, then `tf.matMul` without transpose flags). `bench/policies_bench.ts` measures the
 * difference on a 256x256 training step at batch 2048.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { denseForward } from "./dense.ts";
 * const y = tf.tidy(() =>
 *   denseForward(tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 0], [0, 1]]), tf.tensor1d([0.5, 0.5]))
 *     .arraySync()
 * );
 * console.assert(y[0][0] === 1.5 && y[0][1] === 2.5);
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";

const denseWithGrad = tf.customGrad(
  // deno-lint-ignore no-explicit-any
  ((x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, save: tf.GradSaveFunc): any => {
    save([x, kernel]);
    return {
      value: tf.add(tf.matMul(x, kernel), bias),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [xs, ks] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [
          tf.matMul(dy, tf.transpose(ks)),
          tf.matMul(tf.transpose(xs), dy),
          tf.sum(dy, 0),
        ];
      },
    };
    // deno-lint-ignore no-explicit-any
  }) as any,
) as unknown as (x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D;

const matMulWithGrad = tf.customGrad(
  // deno-lint-ignore no-explicit-any
  ((x: tf.Tensor2D, kernel: tf.Tensor2D, save: tf.GradSaveFunc): any => {
    save([x, kernel]);
    return {
      value: tf.matMul(x, kernel),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [xs, ks] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [tf.matMul(dy, tf.transpose(ks)), tf.matMul(tf.transpose(xs), dy)];
      },
    };
    // deno-lint-ignore no-explicit-any
  }) as any,
) as unknown as (x: tf.Tensor2D, kernel: tf.Tensor2D) => tf.Tensor2D;

/**
 * `x @ kernel + bias` for `x` `[batch, in]`, `kernel` `[in, out]`, `bias` `[out]`, differentiable with the
 * explicit-transpose backward pass described in the module docs. Creates tensors: call inside `tf.tidy`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { denseForward } from "./dense.ts";
 * const k = tf.variable(tf.ones([3, 2]));
 * const b = tf.variable(tf.zeros([2]));
 * const db = tf.tidy(() => {
 *   const { grads } = tf.variableGrads(() =>
 *     tf.sum(denseForward(tf.ones([4, 3]) as tf.Tensor2D, k as tf.Tensor2D, b as tf.Tensor1D)), [k, b]);
 *   return grads[b.name].dataSync()[0];
 * });
 * console.assert(db === 4);
 * tf.dispose([k, b]);
 * ```
 */
export function denseForward(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  if (x.shape[1] !== kernel.shape[0] || kernel.shape[1] !== bias.shape[0]) {
    throw new RangeError(
      `denseForward: shapes do not fit: x [${x.shape}], kernel [${kernel.shape}], bias [${bias.shape}]`,
    );
  }
  return denseWithGrad(x, kernel, bias);
}

/**
 * The same layer through tfjs's own autodiff (`matMul` + `add`), for comparison in tests and benchmarks.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { denseAutodiff } from "./dense.ts";
 * const y = tf.tidy(() =>
 *   denseAutodiff(tf.tensor2d([[1, 2]]), tf.tensor2d([[1], [1]]), tf.tensor1d([1])).dataSync()[0]
 * );
 * console.assert(y === 4);
 * ```
 */
export function denseAutodiff(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tf.add(tf.matMul(x, kernel), bias);
}

/**
 * `x @ kernel` (no bias) with the same explicit-transpose backward pass as {@linkcode denseForward}.
 * Creates tensors: call inside `tf.tidy`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { matMulForward } from "./dense.ts";
 * const y = tf.tidy(() => matMulForward(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()[0]);
 * console.assert(y === 11);
 * ```
 */
export function matMulForward(x: tf.Tensor2D, kernel: tf.Tensor2D): tf.Tensor2D {
  if (x.shape[1] !== kernel.shape[0]) {
    throw new RangeError(
      `matMulForward: shapes do not fit: x [${x.shape}], kernel [${kernel.shape}]`,
    );
  }
  return matMulWithGrad(x, kernel);
}

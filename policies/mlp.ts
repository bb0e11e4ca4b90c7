/**
 * A multilayer perceptron on tfjs variables: dense layers ({@linkcode denseForward}) with tanh or relu
 * between them and a linear output, orthogonally initialised from a seed, biases zero.
 *
 * Variables are `[kernel0, bias0, kernel1, bias1, ...]`, kernel `i` shaped `[in_i, out_i]`, named
 * `<name>/dense_<i>/kernel` and `<name>/dense_<i>/bias` (with a `_<n>` suffix on the name when that name is
 * already registered with tfjs, since tfjs variable names are global).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Mlp } from "./mlp.ts";
 * const mlp = new Mlp({ inputSize: 4, hiddenSizes: [8], outputSize: 2, activation: "tanh" }, {
 *   seed: 1, name: "demo" });
 * const shape = tf.tidy(() => mlp.apply(tf.zeros([3, 4]) as tf.Tensor2D).output.shape);
 * console.assert(shape[0] === 3 && shape[1] === 2);
 * mlp.dispose();
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { Rng } from "../sim/rng.ts";
import { denseForward } from "./dense.ts";
import { orthogonal } from "./orthogonal.ts";

/** Hidden-layer nonlinearity. */
export type Activation = "tanh" | "relu";

/** Layer sizes and nonlinearity of an {@linkcode Mlp}. */
export interface MlpArch {
  /** Input features. */
  inputSize: number;
  /** Hidden layer widths, input side first; empty for a linear model. */
  hiddenSizes: readonly number[];
  /** Output features. */
  outputSize: number;
  /** Nonlinearity after every hidden layer. */
  activation: Activation;
}

/** Initialisation of an {@linkcode Mlp}. */
export interface MlpInit {
  /** Seed of the orthogonal initialisation (stream `mlp/<name>/dense_<i>` of an {@linkcode Rng}). */
  seed: number;
  /** Prefix of the variable names. */
  name: string;
  /** Gain of hidden kernels (default sqrt(2)). */
  hiddenGain?: number;
  /** Gain of the output kernel (default 1). */
  outputGain?: number;
}

/**
 * Checks an architecture; throws naming the field and value.
 *
 * @example
 * ```ts
 * import { validateArch } from "./mlp.ts";
 * validateArch({ inputSize: 3, hiddenSizes: [4], outputSize: 2, activation: "relu" }, "demo");
 * ```
 */
export function validateArch(arch: MlpArch, what = "mlp"): void {
  const positive = (v: unknown, field: string) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
      throw new RangeError(`${what}: field "${field}" must be a positive integer, got ${v}`);
    }
  };
  positive(arch.inputSize, "inputSize");
  positive(arch.outputSize, "outputSize");
  if (!Array.isArray(arch.hiddenSizes)) {
    throw new RangeError(`${what}: field "hiddenSizes" must be an array, got ${arch.hiddenSizes}`);
  }
  arch.hiddenSizes.forEach((h, i) => positive(h, `hiddenSizes[${i}]`));
  if (arch.activation !== "tanh" && arch.activation !== "relu") {
    throw new RangeError(
      `${what}: field "activation" must be "tanh" or "relu", got ${
        JSON.stringify(arch.activation)
      }`,
    );
  }
}

/**
 * The `[in, out]` shapes of an architecture's dense layers, input side first.
 *
 * @example
 * ```ts
 * import { layerShapes } from "./mlp.ts";
 * const s = layerShapes({ inputSize: 3, hiddenSizes: [4], outputSize: 2, activation: "relu" });
 * console.assert(s.length === 2 && s[1][0] === 4 && s[1][1] === 2);
 * ```
 */
export function layerShapes(arch: MlpArch): [number, number][] {
  const sizes = [arch.inputSize, ...arch.hiddenSizes, arch.outputSize];
  const shapes: [number, number][] = [];
  for (let i = 0; i + 1 < sizes.length; i++) shapes.push([sizes[i], sizes[i + 1]]);
  return shapes;
}

/**
 * Returns `base`, or `base_<n>` for the first `n` that no registered tfjs variable uses as a prefix.
 *
 * @example
 * ```ts
 * import { uniqueVariablePrefix } from "./mlp.ts";
 * console.assert(uniqueVariablePrefix("never_used_prefix") === "never_used_prefix");
 * ```
 */
export function uniqueVariablePrefix(base: string): string {
  const registered = Object.keys(tf.engine().registeredVariables);
  const taken = (p: string) => registered.some((n) => n === p || n.startsWith(p + "/"));
  if (!taken(base)) return base;
  for (let n = 1;; n++) if (!taken(`${base}_${n}`)) return `${base}_${n}`;
}

/**
 * A multilayer perceptron (see module docs).
 *
 * @example
 * ```ts
 * import { Mlp } from "./mlp.ts";
 * const m = new Mlp({ inputSize: 3, hiddenSizes: [4], outputSize: 2, activation: "relu" }, { seed: 1, name: "mlp_class_demo" });
 * console.assert(m.paramCount === 3 * 4 + 4 + 4 * 2 + 2);
 * m.dispose();
 * ```
 */
export class Mlp {
  /** Layer sizes and nonlinearity. */
  readonly arch: MlpArch;
  /** `[kernel0, bias0, kernel1, bias1, ...]`, trainable. */
  readonly variables: tf.Variable[];
  /** The variable-name prefix actually used (the init name, suffixed when it was taken). */
  readonly name: string;

  /**
   * Builds the variables: orthogonal kernels (hidden gain `hiddenGain`, output gain `outputGain`) drawn from
   * seeded streams, zero biases. Same seed, same weights.
   */
  constructor(arch: MlpArch, init: MlpInit) {
    validateArch(arch, `Mlp "${init.name}"`);
    this.arch = { ...arch, hiddenSizes: [...arch.hiddenSizes] };
    this.name = uniqueVariablePrefix(init.name);
    const hiddenGain = init.hiddenGain ?? Math.SQRT2;
    const outputGain = init.outputGain ?? 1;
    const shapes = layerShapes(arch);
    this.variables = [];
    shapes.forEach(([fanIn, fanOut], i) => {
      const gain = i === shapes.length - 1 ? outputGain : hiddenGain;
      // The stream path uses the requested name, not the suffixed one, so weights depend on seed+name only.
      const rng = new Rng(init.seed, `mlp/${init.name}/dense_${i}`);
      const k = orthogonal(fanIn, fanOut, rng, gain);
      // tf.tidy frees the initial-value tensors and keeps the variables.
      tf.tidy(() => {
        this.variables.push(
          tf.variable(tf.tensor2d(k, [fanIn, fanOut]), true, `${this.name}/dense_${i}/kernel`),
          tf.variable(tf.zeros([fanOut]), true, `${this.name}/dense_${i}/bias`),
        );
      });
    });
  }

  /**
   * Runs the network on `x` `[batch, inputSize]`: `output` `[batch, outputSize]` and `latent`, the last
   * hidden layer's activations (`x` itself with no hidden layer). Does not tidy: call inside `tf.tidy` or
   * inside an optimiser's loss function.
   *
   * @example
   * ```ts
   * import * as tf from "@tensorflow/tfjs";
   * import { Mlp } from "./mlp.ts";
   * const mlp = new Mlp({ inputSize: 2, hiddenSizes: [5], outputSize: 1, activation: "relu" }, {
   *   seed: 0, name: "apply_demo" });
   * const w = tf.tidy(() => mlp.apply(tf.ones([1, 2]) as tf.Tensor2D).latent.shape[1]);
   * console.assert(w === 5);
   * mlp.dispose();
   * ```
   */
  apply(x: tf.Tensor2D): { output: tf.Tensor2D; latent: tf.Tensor2D } {
    if (x.rank !== 2 || x.shape[1] !== this.arch.inputSize) {
      throw new RangeError(
        `Mlp "${this.name}": input must be [batch, ${this.arch.inputSize}], got [${x.shape}]`,
      );
    }
    const act = this.arch.activation === "tanh" ? tf.tanh : tf.relu;
    const layers = this.variables.length / 2;
    let h = x;
    for (let i = 0; i < layers - 1; i++) {
      h = act(
        denseForward(
          h,
          this.variables[2 * i] as tf.Tensor2D,
          this.variables[2 * i + 1] as tf.Tensor1D,
        ),
      ) as tf.Tensor2D;
    }
    const output = denseForward(
      h,
      this.variables[2 * layers - 2] as tf.Tensor2D,
      this.variables[2 * layers - 1] as tf.Tensor1D,
    );
    return { output, latent: h };
  }

  /**
   * Copies of the weights, in variable order.
   *
   * @example
   * ```ts
   * import { Mlp } from "./mlp.ts";
   * const mlp = new Mlp({ inputSize: 2, hiddenSizes: [], outputSize: 3, activation: "tanh" }, {
   *   seed: 0, name: "w_demo" });
   * console.assert(mlp.getWeights()[0].length === 6);
   * mlp.dispose();
   * ```
   */
  getWeights(): Float32Array[] {
    return this.variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  }

  /**
   * Overwrites the weights (variable order, exact lengths); throws naming the variable on a size mismatch.
   *
   * @example
   * ```ts
   * import { Mlp } from "./mlp.ts";
   * const a = new Mlp({ inputSize: 2, hiddenSizes: [3], outputSize: 1, activation: "tanh" }, {
   *   seed: 1, name: "src" });
   * const b = new Mlp(a.arch, { seed: 2, name: "dst" });
   * b.setWeights(a.getWeights());
   * console.assert(b.getWeights()[0][0] === a.getWeights()[0][0]);
   * a.dispose();
   * b.dispose();
   * ```
   */
  setWeights(weights: readonly Float32Array[]): void {
    assignWeights(this.variables, weights, `Mlp "${this.name}"`);
  }

  /** Number of parameters. */
  get paramCount(): number {
    return this.variables.reduce((s, v) => s + v.size, 0);
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/**
 * Assigns `weights` to `variables` (same order, exact sizes), throwing on a mismatch.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assignWeights } from "./mlp.ts";
 * const v = tf.variable(tf.zeros([2]));
 * assignWeights([v], [Float32Array.of(1, 2)], "demo");
 * console.assert(v.dataSync()[1] === 2);
 * v.dispose();
 * ```
 */
export function assignWeights(
  variables: readonly tf.Variable[],
  weights: readonly Float32Array[],
  what: string,
): void {
  if (weights.length !== variables.length) {
    throw new RangeError(
      `${what}: expected ${variables.length} weight arrays, got ${weights.length}`,
    );
  }
  variables.forEach((v, i) => {
    if (weights[i].length !== v.size) {
      throw new RangeError(
        `${what}: weights[${i}] (${v.name}, shape [${v.shape}]) must have ${v.size} values, got ${
          weights[i].length
        }`,
      );
    }
  });
  tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(weights[i], v.shape))));
}

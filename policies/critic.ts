/**
 * The centralised critic: V(global state), an {@linkcode Mlp} `stateSize -> hiddenSizes -> 1` (output gain
 * 1).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Critic } from "./critic.ts";
 * const critic = new Critic({ stateSize: 6, hiddenSizes: [32, 32], activation: "tanh" }, {
 *   seed: 1, name: "critic_demo" });
 * const n = tf.tidy(() => critic.forward(tf.zeros([5, 6]) as tf.Tensor2D).shape[0]);
 * console.assert(n === 5);
 * critic.dispose();
 * ```
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";
import { type Activation, Mlp } from "./mlp.ts";

/** Shape of a critic. */
export interface CriticSpec {
  /** Global state features. */
  stateSize: number;
  /** Hidden layer widths. */
  hiddenSizes: readonly number[];
  /** Nonlinearity. */
  activation: Activation;
}

/**
 * V(state) (see module docs).
 *
 * @example
 * ```ts
 * import { Critic } from "./critic.ts";
 * const c = new Critic({ stateSize: 4, hiddenSizes: [8], activation: "tanh" }, { seed: 0, name: "critic_class_demo" });
 * console.assert(c.variables.length === 4);
 * c.dispose();
 * ```
 */
export class Critic {
  /** The spec it was built from. */
  readonly spec: CriticSpec;
  /** The network. */
  readonly net: Mlp;
  /** Trainable variables (`net`'s). */
  readonly variables: tf.Variable[];

  /** Builds the network from `init.seed`. */
  constructor(spec: CriticSpec, init: { seed: number; name: string }) {
    this.spec = { ...spec, hiddenSizes: [...spec.hiddenSizes] };
    this.net = new Mlp(
      {
        inputSize: spec.stateSize,
        hiddenSizes: spec.hiddenSizes,
        outputSize: 1,
        activation: spec.activation,
      },
      { seed: init.seed, name: init.name, outputGain: 1 },
    );
    this.variables = this.net.variables;
  }

  /**
   * Values `[batch]` of `state` `[batch, stateSize]`. Does not tidy.
   *
   * @example
   * ```ts
   * import * as tf from "@tensorflow/tfjs";
   * import { Critic } from "./critic.ts";
   * const c = new Critic({ stateSize: 2, hiddenSizes: [], activation: "relu" }, { seed: 0, name: "v_demo" });
   * const v = tf.tidy(() => c.forward(tf.zeros([1, 2]) as tf.Tensor2D).dataSync()[0]);
   * console.assert(v === 0); // zero input, zero bias
   * c.dispose();
   * ```
   */
  forward(state: tf.Tensor2D): tf.Tensor1D {
    const { output } = this.net.apply(state);
    return output.reshape([output.shape[0]]) as tf.Tensor1D;
  }

  /** Frees the variables. */
  dispose(): void {
    this.net.dispose();
  }
}

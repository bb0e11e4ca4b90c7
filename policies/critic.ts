/**
 * The centralised critic: V(global state), an {@linkcode Mlp} `stateSize -> hiddenSizes -> 1` (output gain
 * 1). A recurrent critic (`recurrent: true`) reads the state through a {@linkcode GruCell} of size
 * `hiddenSizes[0]` first (the MLP head takes `hiddenSizes.slice(1)`), as MAPPO's recurrent critic.
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

import * as tf from "@tensorflow/tfjs";
import { GruCell } from "./gru.ts";
import { type Activation, Mlp } from "./mlp.ts";

/** Shape of a critic. */
export interface CriticSpec {
  /** Global state features. */
  stateSize: number;
  /** Hidden layer widths. */
  hiddenSizes: readonly number[];
  /** Nonlinearity. */
  activation: Activation;
  /** A GRU of size `hiddenSizes[0]` on the state before the MLP head (default false). */
  recurrent?: boolean;
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
  /** Trainable variables: the GRU cell's (if any), then `net`'s. */
  readonly variables: tf.Variable[];

  /** The GRU cell (recurrent critics only). */
  readonly gru: GruCell | undefined;

  /** Builds the network from `init.seed`. */
  constructor(spec: CriticSpec, init: { seed: number; name: string }) {
    this.spec = { ...spec, hiddenSizes: [...spec.hiddenSizes] };
    if (spec.recurrent && spec.hiddenSizes.length === 0) {
      throw new RangeError(
        `Critic "${init.name}": a recurrent critic needs hiddenSizes[0] (the GRU state size), got []`,
      );
    }
    this.gru = spec.recurrent
      ? new GruCell(spec.stateSize, spec.hiddenSizes[0], { seed: init.seed, name: init.name })
      : undefined;
    this.net = new Mlp(
      {
        inputSize: this.gru ? this.gru.hiddenSize : spec.stateSize,
        hiddenSizes: this.gru ? spec.hiddenSizes.slice(1) : spec.hiddenSizes,
        outputSize: 1,
        activation: spec.activation,
      },
      { seed: init.seed, name: init.name, outputGain: 1 },
    );
    this.variables = [...(this.gru?.variables ?? []), ...this.net.variables];
  }

  /** Size of the recurrent state (0 for a feed-forward critic). */
  get hiddenStateSize(): number {
    return this.gru?.hiddenSize ?? 0;
  }

  /**
   * One recurrent step: values `[batch]` and the new hidden state `[batch, H]` from `state` and `hidden`.
   * A feed-forward critic ignores `hidden` and returns it. Does not tidy.
   *
   * @example
   * ```ts
   * import * as tf from "@tensorflow/tfjs";
   * import { Critic } from "./critic.ts";
   * const c = new Critic({ stateSize: 3, hiddenSizes: [4], activation: "tanh", recurrent: true },
   *   { seed: 0, name: "v_step_demo" });
   * const shape = tf.tidy(() => c.step(tf.ones([2, 3]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D).hidden.shape);
   * console.assert(shape[1] === 4);
   * c.dispose();
   * ```
   */
  step(state: tf.Tensor2D, hidden: tf.Tensor2D): { values: tf.Tensor1D; hidden: tf.Tensor2D } {
    if (!this.gru) return { values: this.#head(state), hidden };
    const next = this.gru.step(state, hidden);
    return { values: this.#head(next), hidden: next };
  }

  /**
   * Values of a sequence of `states[l]` `[batch, stateSize]` from `h0` `[batch, H]`, concatenated in step
   * order (`[L * batch]`), for backpropagation through time. Before step `l > 0` the hidden state is
   * multiplied by `keep[l]` `[batch, 1]` (0 where an episode began, 1 elsewhere). Does not tidy.
   */
  unroll(states: tf.Tensor2D[], h0: tf.Tensor2D, keep: (tf.Tensor2D | undefined)[]): tf.Tensor1D {
    let h = h0;
    const out: tf.Tensor1D[] = [];
    states.forEach((s, l) => {
      if (l > 0 && keep[l]) h = tf.mul(h, keep[l]!) as tf.Tensor2D;
      const r = this.step(s, h);
      out.push(r.values);
      h = r.hidden;
    });
    return tf.concat(out) as tf.Tensor1D;
  }

  #head(x: tf.Tensor2D): tf.Tensor1D {
    const { output } = this.net.apply(x);
    return output.reshape([output.shape[0]]) as tf.Tensor1D;
  }

  /**
   * Values `[batch]` of `state` `[batch, stateSize]` (a recurrent critic: one step from a zero state). Does
   * not tidy.
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
    if (this.gru) {
      return this.step(state, tf.zeros([state.shape[0], this.gru.hiddenSize]) as tf.Tensor2D)
        .values;
    }
    return this.#head(state);
  }

  /** Frees the variables. */
  dispose(): void {
    this.gru?.dispose();
    this.net.dispose();
  }
}

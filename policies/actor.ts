/**
 * The decentralised actor: a per-agent policy network from the agent's observation (plus an optional
 * one-hot agent index) to action logits, with illegal actions masked to -1e9.
 *
 * Two kinds:
 * - `"mlp"`: an {@linkcode Mlp} `inputSize -> hiddenSizes -> numActions`; output-layer gain 0.01 (PPO
 *   convention, near-uniform initial policy).
 * - `"gru"`: a {@linkcode GruCell} of size `hiddenSizes[0]` on the input, then `net`, an {@linkcode Mlp}
 *   `hiddenSizes[0] -> hiddenSizes[1..] -> numActions`. `forwardStep(input, hidden)` carries the state;
 *   `forward` runs one step from a zero state.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Actor } from "./actor.ts";
 * const actor = new Actor({ obsSize: 4, agentIdSize: 0, numActions: 3, hiddenSizes: [16], activation: "tanh",
 *   kind: "mlp" }, { seed: 1, name: "actor_demo" });
 * const best = tf.tidy(() =>
 *   tf.argMax(actor.forward(tf.ones([1, 4]) as tf.Tensor2D, tf.tensor2d([[1, 0, 1]])).logits, 1).dataSync()[0]
 * );
 * console.assert(best !== 1); // action 1 is masked
 * actor.dispose();
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { GruCell } from "./gru.ts";
import { type Activation, Mlp } from "./mlp.ts";

/** Everything that fixes an actor's shape. */
export interface ActorSpec {
  /** Observation features of one agent. */
  obsSize: number;
  /** Size of the one-hot agent index appended to the observation; 0 = none. */
  agentIdSize: number;
  /** Discrete actions. */
  numActions: number;
  /** Hidden layer widths (for `"gru"`, `hiddenSizes[0]` is the GRU state size). */
  hiddenSizes: readonly number[];
  /** Nonlinearity of the dense hidden layers. */
  activation: Activation;
  /** Feed-forward or recurrent. */
  kind: "mlp" | "gru";
}

/**
 * Masking value of illegal actions' logits.
 *
 * @example
 * ```ts
 * import { ILLEGAL_LOGIT } from "./actor.ts";
 * console.assert(ILLEGAL_LOGIT === -1e9);
 * ```
 */
export const ILLEGAL_LOGIT: number = -1e9;

/**
 * Checks an actor spec; throws naming the field and value.
 *
 * @example
 * ```ts
 * import { validateActorSpec } from "./actor.ts";
 * validateActorSpec({ obsSize: 3, agentIdSize: 0, numActions: 2, hiddenSizes: [4], activation: "relu",
 *   kind: "mlp" });
 * ```
 */
export function validateActorSpec(spec: ActorSpec, what = "actor spec"): void {
  const int = (v: unknown, field: string, min: number) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      throw new RangeError(`${what}: field "${field}" must be an integer >= ${min}, got ${v}`);
    }
  };
  int(spec.obsSize, "obsSize", 1);
  int(spec.agentIdSize, "agentIdSize", 0);
  int(spec.numActions, "numActions", 1);
  if (!Array.isArray(spec.hiddenSizes)) {
    throw new RangeError(`${what}: field "hiddenSizes" must be an array, got ${spec.hiddenSizes}`);
  }
  spec.hiddenSizes.forEach((h, i) => int(h, `hiddenSizes[${i}]`, 1));
  if (spec.activation !== "tanh" && spec.activation !== "relu") {
    throw new RangeError(
      `${what}: field "activation" must be "tanh" or "relu", got ${
        JSON.stringify(spec.activation)
      }`,
    );
  }
  if (spec.kind !== "mlp" && spec.kind !== "gru") {
    throw new RangeError(
      `${what}: field "kind" must be "mlp" or "gru", got ${JSON.stringify(spec.kind)}`,
    );
  }
  if (spec.kind === "gru" && spec.hiddenSizes.length === 0) {
    throw new RangeError(
      `${what}: a "gru" actor needs hiddenSizes[0] (the GRU state size), got []`,
    );
  }
}

/**
 * A per-agent policy network (see module docs).
 *
 * @example
 * ```ts
 * import { Actor } from "./actor.ts";
 * const a = new Actor({ obsSize: 3, agentIdSize: 2, numActions: 4, hiddenSizes: [8], activation: "relu",
 *   kind: "mlp" }, { seed: 0, name: "actor_class_demo" });
 * console.assert(a.inputSize === 5 && a.variables.length === 4);
 * a.dispose();
 * ```
 */
export class Actor {
  /** The spec it was built from. */
  readonly spec: ActorSpec;
  /** `obsSize + agentIdSize`. */
  readonly inputSize: number;
  /** The dense network (for `"gru"`: the head after the GRU cell). */
  readonly net: Mlp;
  /** The GRU cell (`"gru"` only). */
  readonly gru: GruCell | undefined;
  /** All trainable variables: GRU cell's (if any), then `net`'s. */
  readonly variables: tf.Variable[];

  /** Builds the networks from `init.seed`; output layer gain 0.01. */
  constructor(spec: ActorSpec, init: { seed: number; name: string }) {
    validateActorSpec(spec, `Actor "${init.name}"`);
    this.spec = { ...spec, hiddenSizes: [...spec.hiddenSizes] };
    this.inputSize = spec.obsSize + spec.agentIdSize;
    if (spec.kind === "gru") {
      const h = spec.hiddenSizes[0];
      this.gru = new GruCell(this.inputSize, h, { seed: init.seed, name: init.name });
      this.net = new Mlp(
        {
          inputSize: h,
          hiddenSizes: spec.hiddenSizes.slice(1),
          outputSize: spec.numActions,
          activation: spec.activation,
        },
        { seed: init.seed, name: init.name, outputGain: 0.01 },
      );
      this.variables = [...this.gru.variables, ...this.net.variables];
    } else {
      this.gru = undefined;
      this.net = new Mlp(
        {
          inputSize: this.inputSize,
          hiddenSizes: spec.hiddenSizes,
          outputSize: spec.numActions,
          activation: spec.activation,
        },
        { seed: init.seed, name: init.name, outputGain: 0.01 },
      );
      this.variables = this.net.variables;
    }
  }

  /** Size of the recurrent state (0 for `"mlp"`). */
  get hiddenStateSize(): number {
    return this.gru?.hiddenSize ?? 0;
  }

  /**
   * Logits `[batch, numActions]` (illegal actions, where `mask` is 0, set to -1e9) and the latent embedding
   * (last hidden layer) of `input` `[batch, inputSize]`. A `"gru"` actor runs one step from a zero state.
   * Does not tidy: call inside `tf.tidy` or a loss function.
   *
   * @example
   * ```ts
   * import * as tf from "@tensorflow/tfjs";
   * import { Actor } from "./actor.ts";
   * const a = new Actor({ obsSize: 2, agentIdSize: 2, numActions: 2, hiddenSizes: [8], activation: "relu",
   *   kind: "mlp" }, { seed: 3, name: "fwd_demo" });
   * const l = tf.tidy(() => a.forward(tf.zeros([1, 4]) as tf.Tensor2D, tf.tensor2d([[0, 1]])).logits.arraySync());
   * console.assert(l[0][0] === -1e9);
   * a.dispose();
   * ```
   */
  forward(input: tf.Tensor2D, mask?: tf.Tensor2D): { logits: tf.Tensor2D; latent: tf.Tensor2D } {
    this.#checkInput(input, mask);
    if (this.gru) {
      const h0 = tf.zeros([input.shape[0], this.gru.hiddenSize]) as tf.Tensor2D;
      const { logits, latent } = this.#head(this.gru.step(input, h0), mask);
      return { logits, latent };
    }
    return this.#head(input, mask);
  }

  /**
   * One recurrent step (`"gru"` actors): logits, latent and the new hidden state `[batch, H]`, inside a
   * `tf.tidy` (only the three results survive). An `"mlp"` actor ignores `hidden` and returns it unchanged
   * (a clone).
   *
   * @example
   * ```ts
   * import * as tf from "@tensorflow/tfjs";
   * import { Actor } from "./actor.ts";
   * const a = new Actor({ obsSize: 3, agentIdSize: 0, numActions: 2, hiddenSizes: [6], activation: "tanh",
   *   kind: "gru" }, { seed: 1, name: "step_demo" });
   * let h = tf.zeros([1, 6]) as tf.Tensor2D;
   * for (let t = 0; t < 3; t++) {
   *   const out = a.forwardStep(tf.ones([1, 3]) as tf.Tensor2D, h);
   *   h.dispose();
   *   out.logits.dispose();
   *   out.latent.dispose();
   *   h = out.hidden;
   * }
   * h.dispose();
   * a.dispose();
   * ```
   */
  forwardStep(
    input: tf.Tensor2D,
    hidden: tf.Tensor2D,
    mask?: tf.Tensor2D,
  ): { logits: tf.Tensor2D; latent: tf.Tensor2D; hidden: tf.Tensor2D } {
    this.#checkInput(input, mask);
    return tf.tidy(() => {
      if (!this.gru) {
        const { logits, latent } = this.#head(input, mask);
        return { logits, latent, hidden: tf.clone(hidden) };
      }
      const next = this.gru.step(input, hidden);
      const { logits, latent } = this.#head(next, mask);
      // With no dense hidden layer the latent is the new state: return two separately disposable tensors.
      return { logits, latent: latent === next ? tf.clone(latent) : latent, hidden: next };
    });
  }

  /**
   * Logits of a sequence for backpropagation through time: `inputs[l]` `[batch, inputSize]` and
   * `masks[l]` from the hidden state `h0` `[batch, H]`; before step `l > 0` the state is multiplied by
   * `keep[l]` `[batch, 1]` (0 where an episode began). Returns the logits of every step concatenated in
   * step order (`[L * batch, numActions]`). A `"mlp"` actor ignores `h0` and `keep`. Does not tidy.
   *
   * @example
   * ```ts
   * import * as tf from "@tensorflow/tfjs";
   * import { Actor } from "./actor.ts";
   * const a = new Actor({ obsSize: 2, agentIdSize: 0, numActions: 3, hiddenSizes: [4], activation: "tanh",
   *   kind: "gru" }, { seed: 2, name: "unroll_demo" });
   * const shape = tf.tidy(() => a.unroll([tf.ones([5, 2]), tf.ones([5, 2])] as tf.Tensor2D[],
   *   tf.zeros([5, 4]) as tf.Tensor2D, [undefined, tf.ones([5, 1]) as tf.Tensor2D],
   *   [tf.ones([5, 3]), tf.ones([5, 3])] as tf.Tensor2D[]).shape);
   * console.assert(shape[0] === 10);
   * a.dispose();
   * ```
   */
  unroll(
    inputs: tf.Tensor2D[],
    h0: tf.Tensor2D,
    keep: (tf.Tensor2D | undefined)[],
    masks: tf.Tensor2D[],
  ): tf.Tensor2D {
    let h = h0;
    const out: tf.Tensor2D[] = [];
    inputs.forEach((x, l) => {
      this.#checkInput(x, masks[l]);
      if (!this.gru) {
        out.push(this.#head(x, masks[l]).logits);
        return;
      }
      if (l > 0 && keep[l]) h = tf.mul(h, keep[l]!) as tf.Tensor2D;
      h = this.gru.step(x, h);
      out.push(this.#head(h, masks[l]).logits);
    });
    return tf.concat(out, 0) as tf.Tensor2D;
  }

  #head(x: tf.Tensor2D, mask?: tf.Tensor2D): { logits: tf.Tensor2D; latent: tf.Tensor2D } {
    const { output, latent } = this.net.apply(x);
    if (!mask) return { logits: output, latent };
    // Exact replacement: legal -> logit * 1 + 0, illegal -> logit * 0 - 1e9 (zero gradient to illegal logits).
    const logits = tf.add(
      tf.mul(output, mask),
      tf.mul(tf.sub(mask, 1), -ILLEGAL_LOGIT),
    ) as tf.Tensor2D;
    return { logits, latent };
  }

  #checkInput(input: tf.Tensor2D, mask?: tf.Tensor2D): void {
    if (input.rank !== 2 || input.shape[1] !== this.inputSize) {
      throw new RangeError(
        `Actor: input must be [batch, ${this.inputSize}] (obsSize ${this.spec.obsSize} + agentIdSize ${this.spec.agentIdSize}), got [${input.shape}]`,
      );
    }
    if (
      mask &&
      (mask.rank !== 2 || mask.shape[0] !== input.shape[0] ||
        mask.shape[1] !== this.spec.numActions)
    ) {
      throw new RangeError(
        `Actor: mask must be [${input.shape[0]}, ${this.spec.numActions}], got [${mask.shape}]`,
      );
    }
  }

  /** Frees the variables. */
  dispose(): void {
    this.gru?.dispose();
    this.net.dispose();
  }
}

/**
 * Writes actor inputs for `count` agents into `out`: row `i` is `[obs_i, onehot((i + agentIndexOffset) mod
 * agentIdSize)]` (just `obs_i` when `agentIdSize` is 0). No allocation; returns `out`.
 *
 * @example
 * ```ts
 * import { buildActorInput } from "./actor.ts";
 * const out = new Float32Array(2 * 3);
 * buildActorInput(Float32Array.of(5, 6), 2, 1, 2, out);
 * console.assert(out.join() === "5,1,0,6,0,1");
 * ```
 */
export function buildActorInput(
  obs: Float32Array,
  count: number,
  obsSize: number,
  agentIdSize: number,
  out: Float32Array,
  agentIndexOffset = 0,
): Float32Array {
  const width = obsSize + agentIdSize;
  if (obs.length < count * obsSize || out.length < count * width) {
    throw new RangeError(
      `buildActorInput: need obs >= ${count * obsSize} and out >= ${
        count * width
      } values, got ${obs.length} and ${out.length}`,
    );
  }
  if (agentIdSize === 0) {
    out.set(obs.subarray(0, count * obsSize));
    return out;
  }
  for (let i = 0; i < count; i++) {
    const row = i * width;
    out.set(obs.subarray(i * obsSize, (i + 1) * obsSize), row);
    const idBase = row + obsSize;
    out.fill(0, idBase, idBase + agentIdSize);
    out[idBase + ((i + agentIndexOffset) % agentIdSize)] = 1;
  }
  return out;
}

/**
 * Exact cost accounting of policy networks: parameters, parameter bytes, multiply-accumulates, FLOPs per
 * decision and peak activation memory. The budget sizer and the latency model both use these figures.
 *
 * ## Conventions (per decision = one forward pass at batch 1)
 * - **Dense layer** `in -> out`: `in*out` MACs; `2*in*out + out` FLOPs (each MAC is 2 FLOPs, plus the
 *   bias add); `in*out + out` parameters.
 * - **Activations**: relu 1 FLOP per unit, tanh 1 FLOP per unit, sigmoid 1 FLOP per unit (counted as one
 *   operation each, as a lookup-table or hardware approximation would run them).
 * - **Actor output**: softmax over A actions counted as `3A` FLOPs (exp, sum, divide); the mask and the
 *   argmax are not counted. A critic has no softmax.
 * - **GRU cell** of state size H on `in` inputs (Keras convention, see `gru.ts`): the input projection
 *   `in -> 3H` with bias (`2*in*3H + 3H` FLOPs) and the recurrent products `H -> 2H` and `H -> H` without
 *   bias (`2*H*3H` FLOPs), `3H*in + 3H*H` MACs in all; then `10H` element-wise FLOPs: 2H gate adds,
 *   2H sigmoids, H for `r * h`, H for `xh + ...`, H tanh, 3H for `hh + z * (h - hh)`. Parameters
 *   `3H*in + 3H*H + 3H`.
 * - **Parameter bytes**: float32, 4 bytes per parameter.
 * - **Peak activation memory**: at batch 1, the largest sum of two consecutive layer buffers (a layer reads
 *   one and writes the next), in float32 bytes. MLP buffers are `[in, h1, ..., hk, out]`; a GRU actor's are
 *   `[in + H (x and h), 6H (both projections), H (new state), head hidden..., A]`.
 *
 * @example
 * ```ts
 * import { mlpCost } from "./cost.ts";
 * const c = mlpCost({ inputSize: 18, hiddenSizes: [16], outputSize: 5, activation: "relu" });
 * // dense 18->16: 2*18*16+16 = 592; relu: 16; dense 16->5: 2*16*5+5 = 165
 * console.assert(c.flops === 592 + 16 + 165 && c.params === 18 * 16 + 16 + 16 * 5 + 5);
 * ```
 *
 * @module
 */

import type { ActorSpec } from "./actor.ts";
import type { CriticSpec } from "./critic.ts";
import type { Activation, MlpArch } from "./mlp.ts";

/**
 * FLOPs per unit of each activation (see module docs).
 *
 * @example
 * ```ts
 * import { ACTIVATION_FLOPS } from "./cost.ts";
 * console.assert(ACTIVATION_FLOPS.tanh === 1);
 * ```
 */
export const ACTIVATION_FLOPS: Readonly<Record<Activation | "sigmoid", number>> = {
  relu: 1,
  tanh: 1,
  sigmoid: 1,
};

/**
 * FLOPs per action of the output softmax (exp, sum, divide).
 *
 * @example
 * ```ts
 * import { SOFTMAX_FLOPS_PER_ACTION } from "./cost.ts";
 * console.assert(SOFTMAX_FLOPS_PER_ACTION * 5 === 15);
 * ```
 */
export const SOFTMAX_FLOPS_PER_ACTION = 3;

/**
 * Bytes per float32 parameter or activation.
 *
 * @example
 * ```ts
 * import { BYTES_F32 } from "./cost.ts";
 * console.assert(BYTES_F32 === Float32Array.BYTES_PER_ELEMENT);
 * ```
 */
export const BYTES_F32 = 4;

/** Cost figures of one network, per decision at batch 1. */
export interface CostReport {
  /** Trainable parameters. */
  params: number;
  /** Parameter memory as float32, bytes. */
  paramBytesF32: number;
  /** Multiply-accumulates of the matrix products. */
  macs: number;
  /** Floating-point operations (conventions in the module docs). */
  flops: number;
  /** Largest two consecutive layer buffers at batch 1, float32 bytes. */
  peakActivationBytes: number;
}

/**
 * Cost of one dense layer `inputs -> outputs` (no activation).
 *
 * @example
 * ```ts
 * import { denseCost } from "./cost.ts";
 * console.assert(denseCost(3, 2).flops === 2 * 3 * 2 + 2);
 * ```
 */
export function denseCost(inputs: number, outputs: number): CostReport {
  const macs = inputs * outputs;
  const params = macs + outputs;
  return {
    params,
    paramBytesF32: params * BYTES_F32,
    macs,
    flops: 2 * macs + outputs,
    peakActivationBytes: (inputs + outputs) * BYTES_F32,
  };
}

function peakOf(buffers: readonly number[]): number {
  let peak = buffers[0] ?? 0;
  for (let i = 0; i + 1 < buffers.length; i++) peak = Math.max(peak, buffers[i] + buffers[i + 1]);
  return peak * BYTES_F32;
}

function sumCosts(parts: readonly CostReport[], buffers: readonly number[]): CostReport {
  const params = parts.reduce((s, p) => s + p.params, 0);
  return {
    params,
    paramBytesF32: params * BYTES_F32,
    macs: parts.reduce((s, p) => s + p.macs, 0),
    flops: parts.reduce((s, p) => s + p.flops, 0),
    peakActivationBytes: peakOf(buffers),
  };
}

/**
 * Cost of an MLP: its dense layers plus one activation per hidden unit (no softmax).
 *
 * @example
 * ```ts
 * import { mlpCost } from "./cost.ts";
 * const c = mlpCost({ inputSize: 4, hiddenSizes: [8, 8], outputSize: 2, activation: "tanh" });
 * console.assert(c.macs === 4 * 8 + 8 * 8 + 8 * 2);
 * console.assert(c.peakActivationBytes === (8 + 8) * 4);
 * ```
 */
export function mlpCost(arch: MlpArch): CostReport {
  const sizes = [arch.inputSize, ...arch.hiddenSizes, arch.outputSize];
  const parts: CostReport[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) parts.push(denseCost(sizes[i], sizes[i + 1]));
  const activationFlops = arch.hiddenSizes.reduce((s, h) => s + h, 0) *
    ACTIVATION_FLOPS[arch.activation];
  const total = sumCosts(parts, sizes);
  total.flops += activationFlops;
  return total;
}

/**
 * Cost of one GRU step (state size `hidden`, `inputs` inputs); see the module docs.
 *
 * @example
 * ```ts
 * import { gruCellCost } from "./cost.ts";
 * const c = gruCellCost(3, 2);
 * console.assert(c.params === 3 * 6 + 2 * 6 + 6 && c.macs === 6 * 3 + 6 * 2);
 * ```
 */
export function gruCellCost(inputs: number, hidden: number): CostReport {
  const h3 = 3 * hidden;
  const x = denseCost(inputs, h3);
  const macs = x.macs + hidden * h3;
  const params = x.params + hidden * h3;
  return {
    params,
    paramBytesF32: params * BYTES_F32,
    macs,
    flops: x.flops + 2 * hidden * h3 + 10 * hidden,
    peakActivationBytes: peakOf([inputs + hidden, 6 * hidden, hidden]),
  };
}

/**
 * Cost of one actor decision: network plus the output softmax (`3 * numActions` FLOPs).
 *
 * @example
 * ```ts
 * import { actorCost, mlpCost } from "./cost.ts";
 * const spec = { obsSize: 18, agentIdSize: 0, numActions: 5, hiddenSizes: [64], activation: "tanh" as const,
 *   kind: "mlp" as const };
 * console.assert(actorCost(spec).flops ===
 *   mlpCost({ inputSize: 18, hiddenSizes: [64], outputSize: 5, activation: "tanh" }).flops + 15);
 * ```
 */
export function actorCost(spec: ActorSpec): CostReport {
  const inputSize = spec.obsSize + spec.agentIdSize;
  const softmax = SOFTMAX_FLOPS_PER_ACTION * spec.numActions;
  if (spec.kind === "gru") {
    const h = spec.hiddenSizes[0];
    const head = mlpCost({
      inputSize: h,
      hiddenSizes: spec.hiddenSizes.slice(1),
      outputSize: spec.numActions,
      activation: spec.activation,
    });
    const cell = gruCellCost(inputSize, h);
    const total = sumCosts(
      [cell, head],
      [inputSize + h, 6 * h, h, ...spec.hiddenSizes.slice(1), spec.numActions],
    );
    total.flops += softmax;
    return total;
  }
  const total = mlpCost({
    inputSize,
    hiddenSizes: spec.hiddenSizes,
    outputSize: spec.numActions,
    activation: spec.activation,
  });
  total.flops += softmax;
  return total;
}

/**
 * Cost of one critic evaluation (network only).
 *
 * @example
 * ```ts
 * import { criticCost } from "./cost.ts";
 * console.assert(criticCost({ stateSize: 10, hiddenSizes: [], activation: "relu" }).flops === 2 * 10 + 1);
 * ```
 */
export function criticCost(spec: CriticSpec): CostReport {
  return mlpCost({
    inputSize: spec.stateSize,
    hiddenSizes: spec.hiddenSizes,
    outputSize: 1,
    activation: spec.activation,
  });
}

/**
 * A short label of an actor's layer sizes, e.g. `"18-64-5"` (`"18-gru32-5"` for a GRU actor).
 *
 * @example
 * ```ts
 * import { archLabel } from "./cost.ts";
 * console.assert(archLabel({ obsSize: 18, agentIdSize: 0, numActions: 5, hiddenSizes: [32, 32],
 *   activation: "tanh", kind: "mlp" }) === "18-32-32-5");
 * ```
 */
export function archLabel(spec: ActorSpec): string {
  const hidden = spec.hiddenSizes.map((
    h,
    i,
  ) => (spec.kind === "gru" && i === 0 ? `gru${h}` : `${h}`));
  return [spec.obsSize + spec.agentIdSize, ...hidden, spec.numActions].join("-");
}

/**
 * The network an export compiles: an MLP actor as a list of dense layers (kernel `[in][out]` row-major,
 * bias, activation), checked for shapes and finite values, plus a float64 reference forward pass that
 * returns every layer's output (the activations the int8 calibration measures).
 *
 * @example
 * ```ts
 * import { PlainActor } from "../policies/plain.ts";
 * import { forwardLayers, networkFromActor } from "./network.ts";
 * const actor = PlainActor.fromWeights({ obsSize: 2, agentIdSize: 0, numActions: 2, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(1, 0, 0, 1), Float32Array.of(0, 0)]);
 * const net = networkFromActor("agent", actor);
 * console.assert(forwardLayers(net, Float32Array.of(3, 4), 0).at(-1)![1] === 4);
 * ```
 *
 * @module
 */

import type { ActorSpec } from "../policies/actor.ts";
import { fastTanh, type PlainActor } from "../policies/plain.ts";
import { InputError } from "../sim/input_error.ts";

/** One dense layer: `y = act(x W + b)`. */
export interface DenseLayer {
  /** Input width. */
  inSize: number;
  /** Output width. */
  outSize: number;
  /** `inSize * outSize`, row-major `[in][out]`. */
  kernel: Float32Array;
  /** `outSize`. */
  bias: Float32Array;
  /** Nonlinearity (the output layer is `"linear"`). */
  activation: "relu" | "tanh" | "linear";
}

/** An MLP actor ready for code generation. */
export interface Network {
  /** Agent class name. */
  className: string;
  /** C identifier derived from the class name (`mcu-sensor` -> `mcu_sensor`). */
  ident: string;
  /** The actor spec. */
  spec: ActorSpec;
  /** `obsSize + agentIdSize`. */
  inputSize: number;
  /** Actions. */
  numActions: number;
  /** Layers, input to logits. */
  layers: DenseLayer[];
}

/** Error of a network that cannot be exported; names the file (when known), field and value. */
export class ExportInputError extends InputError {
  /**
   * Builds `Cannot export "<file>": field "<field>" <detail>`.
   *
   * @example
   * ```ts
   * import { ExportInputError } from "./network.ts";
   * const e = new ExportInputError("m/a/model.json", "layers[0].kernel", "holds NaN at index 3");
   * console.assert(e.message.includes('field "layers[0].kernel"'));
   * ```
   */
  constructor(file: string, field: string, detail: string) {
    super(`Cannot export "${file}": field "${field}" ${detail}`);
    this.name = "ExportInputError";
  }
}

/**
 * The C identifier of a class name: letters, digits and `_`, not starting with a digit.
 *
 * @example
 * ```ts
 * import { cIdent } from "./network.ts";
 * console.assert(cIdent("mcu-sensor") === "mcu_sensor" && cIdent("3m") === "c_3m");
 * ```
 */
export function cIdent(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[0-9]/.test(s) ? `c_${s}` : s;
}

/**
 * Builds a {@linkcode Network} from explicit weights in `Mlp.getWeights` order, checking every shape and
 * value; `file` names the source in errors.
 *
 * @example
 * ```ts
 * import { networkFromWeights } from "./network.ts";
 * const spec = { obsSize: 1, agentIdSize: 0, numActions: 1, hiddenSizes: [], activation: "relu" as const,
 *   kind: "mlp" as const };
 * try {
 *   networkFromWeights("a", spec, [Float32Array.of(NaN), Float32Array.of(0)], "m/a/weights.bin");
 * } catch (e) {
 *   console.log((e as Error).message); // Cannot export "m/a/weights.bin": field "layers[0].kernel" ...
 * }
 * ```
 */
export function networkFromWeights(
  className: string,
  spec: ActorSpec,
  weights: readonly Float32Array[],
  file = `class "${className}"`,
): Network {
  if (spec.kind !== "mlp") {
    throw new ExportInputError(
      file,
      "kind",
      `is "${spec.kind}"; the exporter compiles "mlp" actors`,
    );
  }
  const inputSize = spec.obsSize + spec.agentIdSize;
  const sizes = [inputSize, ...spec.hiddenSizes, spec.numActions];
  if (weights.length !== 2 * (sizes.length - 1)) {
    throw new ExportInputError(
      file,
      "weights",
      `has ${weights.length} arrays, the architecture ${sizes.join("-")} needs ${
        2 * (sizes.length - 1)
      }`,
    );
  }
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const kernel = weights[2 * l], bias = weights[2 * l + 1];
    const want = [sizes[l] * sizes[l + 1], sizes[l + 1]];
    for (const [what, arr, n] of [["kernel", kernel, want[0]], ["bias", bias, want[1]]] as const) {
      if (arr.length !== n) {
        throw new ExportInputError(
          file,
          `layers[${l}].${what}`,
          `has ${arr.length} values, the architecture ${sizes.join("-")} needs ${n}`,
        );
      }
      for (let i = 0; i < arr.length; i++) {
        if (!Number.isFinite(arr[i])) {
          throw new ExportInputError(
            file,
            `layers[${l}].${what}`,
            `holds a non-finite value ${arr[i]} at index ${i}`,
          );
        }
      }
    }
    layers.push({
      inSize: sizes[l],
      outSize: sizes[l + 1],
      kernel: Float32Array.from(kernel),
      bias: Float32Array.from(bias),
      activation: l + 2 < sizes.length ? spec.activation : "linear",
    });
  }
  return {
    className,
    ident: cIdent(className),
    spec: { ...spec, hiddenSizes: [...spec.hiddenSizes] },
    inputSize,
    numActions: spec.numActions,
    layers,
  };
}

/**
 * Builds a {@linkcode Network} from a loaded plain actor.
 *
 * @example
 * ```ts
 * import { PlainActor } from "../policies/plain.ts";
 * import { networkFromActor } from "./network.ts";
 * const a = PlainActor.fromWeights({ obsSize: 2, agentIdSize: 0, numActions: 3, hiddenSizes: [4],
 *   activation: "tanh", kind: "mlp" }, [new Float32Array(8), new Float32Array(4), new Float32Array(12),
 *   new Float32Array(3)]);
 * console.assert(networkFromActor("x", a).layers.length === 2);
 * ```
 */
export function networkFromActor(className: string, actor: PlainActor, file?: string): Network {
  return networkFromWeights(className, actor.spec, actor.getWeights(), file);
}

/**
 * Float64 forward pass of row `row` of `inputs`; returns every layer's output (post-activation; the last
 * is the logits). tanh is {@linkcode fastTanh}, as on the plain path.
 *
 * @example
 * ```ts
 * import { networkFromWeights, forwardLayers } from "./network.ts";
 * const net = networkFromWeights("a", { obsSize: 1, agentIdSize: 0, numActions: 1, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(2), Float32Array.of(1)]);
 * console.assert(forwardLayers(net, Float32Array.of(3), 0)[0][0] === 7);
 * ```
 */
export function forwardLayers(net: Network, inputs: Float32Array, row: number): Float64Array[] {
  const outs: Float64Array[] = [];
  let x: ArrayLike<number> = inputs.subarray(row * net.inputSize, (row + 1) * net.inputSize);
  for (const layer of net.layers) {
    const y = new Float64Array(layer.outSize);
    for (let o = 0; o < layer.outSize; o++) {
      let s = layer.bias[o];
      for (let i = 0; i < layer.inSize; i++) s += layer.kernel[i * layer.outSize + o] * x[i];
      y[o] = layer.activation === "relu"
        ? (s > 0 ? s : 0)
        : layer.activation === "tanh"
        ? fastTanh(s)
        : s;
    }
    outs.push(y);
    x = y;
  }
  return outs;
}

/**
 * The compiled backend: an actor whose forward pass is the C that `deno task export` generates, compiled to
 * WebAssembly with SIMD128 (`clang --target=wasm32 -msimd128 -O3 -nostdlib`, `wasm-ld --no-entry`), run
 * next to the tfjs-wasm and plain paths by {@linkcode PolicyRuntime} (it has the plain path's `act`,
 * `actBatch` and `logits`). The module exports `memory`, `__heap_base`, `fk_input_size`, `fk_num_actions`,
 * `fk_act`, `fk_act_batch` and `fk_logits_batch`; inputs, masks and outputs are staged in linear memory
 * above `__heap_base` (grown on demand), so a call allocates nothing on the JS heap.
 *
 * Portable float32 modules (the `codegen.ts` C) compute in float32 with a fixed summation order (no fused
 * multiply-add), so their logits equal the native C build's bit for bit and the plain path's (float64
 * accumulation) to float32 rounding; int8 modules run the calibrated int8 network.
 *
 * The export also writes a fast float32 build per student (`export/codegen_wasm.ts`: shape-specialised
 * straight-line SIMD128, its own summation order, so equal to the plain path to float32 rounding, not bit
 * for bit), which `loadCompiledPolicySet` loads by default with the portable build as fallback. Callers
 * that can write observations in place skip the copy with `stagedInputs` / `stagedMasks` / `actStaged`.
 *
 * `loadCompiledPolicySet(dir)` loads every class of an export folder (its `manifest.json`, format
 * `"fleetkd-export"`).
 *
 * @example
 * ```ts
 * import { CompiledActor } from "./compiled.ts";
 * // An export folder's module: (await Deno.readFile("out/export/3m/wasm/marine_f32.wasm"))
 * const bytes = undefined as Uint8Array | undefined;
 * if (bytes) {
 *   const actor = await CompiledActor.load(bytes, { obsSize: 30, agentIdSize: 0, numActions: 9,
 *     hiddenSizes: [16], activation: "relu", kind: "mlp" });
 *   console.log(actor.act(new Float32Array(30)));
 * }
 * ```
 *
 * @module
 */

import { z } from "zod";
import type { ActorSpec } from "./actor.ts";
import type { PolicySet } from "./policy_set.ts";
import type { SameType } from "../sim/same_type.ts";

interface Exports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  fk_input_size(): number;
  fk_num_actions(): number;
  fk_act(input: number, mask: number): number;
  fk_act_batch(inputs: number, count: number, masks: number, actions: number): void;
  fk_logits_batch(inputs: number, count: number, masks: number, logits: number): void;
  /** Fast builds with at most 32 actions: batch-1 decision, the mask as bits (bit k = action k legal). */
  fk_act_bits?(input: number, legal: number): number;
}

const PAGE = 65536;

/** An MLP actor running compiled C in WebAssembly (see module docs). */
export class CompiledActor {
  /** The actor's spec. */
  readonly spec: ActorSpec;
  /** `obsSize + agentIdSize`. */
  readonly inputSize: number;
  /** Actions. */
  readonly numActions: number;
  /** What the module computes in. */
  readonly precision: "float32" | "int8";
  /** Whether `load` took its `fallback` module because the engine does not validate the first one. */
  usedFallback = false;
  readonly #x: Exports;
  readonly #base: number;
  #capacity = 0;
  #inPtr = 0;
  #maskPtr = 0;
  #outPtr = 0;
  #f32!: Float32Array;
  #inView: Float32Array | undefined;
  #u8!: Uint8Array;
  #i32!: Int32Array;

  private constructor(spec: ActorSpec, x: Exports, precision: "float32" | "int8") {
    this.spec = { ...spec, hiddenSizes: [...spec.hiddenSizes] };
    this.inputSize = spec.obsSize + spec.agentIdSize;
    this.numActions = spec.numActions;
    this.precision = precision;
    this.#x = x;
    this.#base = (Number(x.__heap_base.value) + 15) & ~15;
    this.#reserve(1);
  }

  /**
   * Instantiates a compiled module and checks it against `spec` (input size and action count); `label`
   * names the module in errors.
   *
   * @example
   * ```ts
   * import { CompiledActor } from "./compiled.ts";
   * const path = "out/export/3m/wasm/marine_f32.wasm"; // written by `deno task export --scenario 3m`
   * const bytes = await Deno.readFile(path).catch(() => undefined);
   * if (bytes) {
   *   const actor = await CompiledActor.load(bytes, { obsSize: 30, agentIdSize: 0, numActions: 9,
   *     hiddenSizes: [16], activation: "relu", kind: "mlp" });
   *   console.assert(actor.inputSize === 30);
   * }
   * ```
   */
  static async load(
    bytes: Uint8Array,
    spec: ActorSpec,
    options: {
      precision?: "float32" | "int8";
      label?: string;
      fallback?: Uint8Array;
      fallbackLabel?: string;
    } = {},
  ): Promise<CompiledActor> {
    if (options.fallback !== undefined && !WebAssembly.validate(bytes as BufferSource)) {
      // The engine lacks a feature the module uses (relaxed SIMD): load the fallback instead.
      const actor = await CompiledActor.load(options.fallback, spec, {
        precision: options.precision,
        label: options.fallbackLabel ?? "fallback module",
      });
      actor.usedFallback = true;
      return actor;
    }
    const label = options.label ?? "compiled module";
    let instance: WebAssembly.Instance;
    try {
      instance = (await WebAssembly.instantiate(bytes as BufferSource, {})).instance;
    } catch (e) {
      throw new Error(
        `Cannot load ${label}: not a loadable WebAssembly module: ${(e as Error).message}`,
      );
    }
    const x = instance.exports as unknown as Exports;
    for (
      const name of ["memory", "__heap_base", "fk_input_size", "fk_act_batch", "fk_logits_batch"]
    ) {
      if (!(name in instance.exports)) {
        throw new Error(`Cannot load ${label}: it exports no "${name}"`);
      }
    }
    const inputSize = spec.obsSize + spec.agentIdSize;
    if (x.fk_input_size() !== inputSize || x.fk_num_actions() !== spec.numActions) {
      throw new Error(
        `Cannot load ${label}: it takes ${x.fk_input_size()} inputs and ${x.fk_num_actions()} actions, the spec needs ${inputSize} and ${spec.numActions}`,
      );
    }
    return new CompiledActor(spec, x, options.precision ?? "float32");
  }

  /** Makes room for `count` rows in linear memory. */
  #reserve(count: number): void {
    if (count <= this.#capacity) return;
    const cap = Math.max(count, this.#capacity * 2);
    const I = this.inputSize, A = this.numActions;
    const inPtr = this.#base;
    const outPtr = inPtr + ((cap * I * 4 + 15) & ~15);
    const maskPtr = outPtr + ((cap * A * 4 + 15) & ~15);
    const end = maskPtr + cap * A;
    const mem = this.#x.memory;
    if (end > mem.buffer.byteLength) {
      mem.grow(Math.ceil((end - mem.buffer.byteLength) / PAGE));
    }
    this.#capacity = cap;
    this.#inPtr = inPtr;
    this.#outPtr = outPtr;
    this.#maskPtr = maskPtr;
    this.#f32 = new Float32Array(mem.buffer);
    this.#u8 = new Uint8Array(mem.buffer);
    this.#i32 = new Int32Array(mem.buffer);
  }

  #stage(inputs: Float32Array, count: number, masks: Uint8Array | undefined): number {
    const I = this.inputSize, A = this.numActions;
    if (inputs.length < count * I) {
      throw new RangeError(
        `CompiledActor: inputs need ${
          count * I
        } values (${count} x inputSize ${I}), got ${inputs.length}`,
      );
    }
    if (masks !== undefined && masks.length < count * A) {
      throw new RangeError(
        `CompiledActor: masks need ${
          count * A
        } values (${count} x numActions ${A}), got ${masks.length}`,
      );
    }
    this.#reserve(count);
    const nIn = count * I, nMask = count * A;
    // TypedArray.set copies with wide stores, which the module's 16-byte loads of the input can take from
    // the store buffer; an element loop (4-byte stores) made the 2s3z student's decision 1.6x slower.
    this.#f32.set(inputs.length === nIn ? inputs : inputs.subarray(0, nIn), this.#inPtr >> 2);
    if (masks === undefined) return 0;
    this.#u8.set(masks.length === nMask ? masks : masks.subarray(0, nMask), this.#maskPtr);
    return this.#maskPtr;
  }

  /**
   * Zero-copy staging: a view on the module's memory for `count` inputs (row-major), to be filled in place
   * and decided with {@linkcode CompiledActor.actStaged} without copying. The view stays valid until a
   * larger `count` (or a batch call on more rows) grows the memory; take a new view then.
   *
   * @example
   * ```ts
   * import { CompiledActor } from "./compiled.ts";
   * const path = "out/export/3m/wasm/marine_f32.wasm"; // written by `deno task export --scenario 3m`
   * const bytes = await Deno.readFile(path).catch(() => undefined);
   * if (bytes) {
   *   const actor = await CompiledActor.load(bytes, { obsSize: 30, agentIdSize: 0, numActions: 9,
   *     hiddenSizes: [16], activation: "relu", kind: "mlp" });
   *   const x = actor.stagedInputs(1);
   *   x.fill(0.5);
   *   console.assert(actor.actStaged() === actor.act(new Float32Array(30).fill(0.5)));
   * }
   * ```
   */
  stagedInputs(count = 1): Float32Array {
    this.#reserve(count);
    const n = count * this.inputSize, buffer = this.#x.memory.buffer;
    // The same view while it stays valid: callers may take it on every step without allocating.
    if (this.#inView?.length !== n || this.#inView.buffer !== buffer) {
      this.#inView = new Float32Array(buffer, this.#inPtr, n);
    }
    return this.#inView;
  }

  /**
   * Greedy actions of the `count` inputs staged in {@linkcode CompiledActor.stagedInputs} (nothing copied
   * but the masks; at batch 1 the mask goes in as bits), into `outActions`.
   *
   * @example
   * ```ts
   * import { CompiledActor } from "./compiled.ts";
   * const path = "out/export/3m/wasm/marine_f32.wasm"; // written by `deno task export --scenario 3m`
   * const bytes = await Deno.readFile(path).catch(() => undefined);
   * if (bytes) {
   *   const actor = await CompiledActor.load(bytes, { obsSize: 30, agentIdSize: 0, numActions: 9,
   *     hiddenSizes: [16], activation: "relu", kind: "mlp" });
   *   actor.stagedInputs(2).fill(0);
   *   console.assert(actor.actStagedBatch(2, undefined, new Int32Array(2)).length === 2);
   * }
   * ```
   */
  actStagedBatch(count: number, masks: Uint8Array | undefined, outActions: Int32Array): Int32Array {
    const A = this.numActions;
    if (outActions.length < count) {
      throw new RangeError(
        `CompiledActor.actStagedBatch: outActions needs ${count} entries, got ${outActions.length}`,
      );
    }
    if (count > this.#capacity) {
      throw new RangeError(
        `CompiledActor.actStagedBatch: ${count} rows, but only ${this.#capacity} are staged (call stagedInputs(${count}) first)`,
      );
    }
    if (masks !== undefined && masks.length < count * A) {
      throw new RangeError(
        `CompiledActor: masks need ${
          count * A
        } values (${count} x numActions ${A}), got ${masks.length}`,
      );
    }
    const bits = this.#x.fk_act_bits;
    if (count === 1 && bits !== undefined && masks !== undefined) {
      let legal = 0;
      for (let k = 0; k < A; k++) if (masks[k] !== 0) legal |= 1 << k;
      outActions[0] = bits(this.#inPtr, legal);
      return outActions;
    }
    let m = 0;
    if (masks !== undefined) {
      this.#u8.set(
        masks.length === count * A ? masks : masks.subarray(0, count * A),
        this.#maskPtr,
      );
      m = this.#maskPtr;
    }
    if (count === 1) {
      outActions[0] = this.#x.fk_act(this.#inPtr, m);
      return outActions;
    }
    this.#x.fk_act_batch(this.#inPtr, count, m, this.#outPtr);
    const i32 = this.#i32, base = this.#outPtr >> 2;
    for (let r = 0; r < count; r++) outActions[r] = i32[base + r];
    return outActions;
  }

  /**
   * Zero-copy staging of masks: a view of `count * numActions` bytes for {@linkcode CompiledActor.actStaged}
   * with `masked` set (same validity as {@linkcode CompiledActor.stagedInputs}).
   *
   * @example
   * ```ts
   * import { CompiledActor } from "./compiled.ts";
   * const path = "out/export/3m/wasm/marine_f32.wasm"; // written by `deno task export --scenario 3m`
   * const bytes = await Deno.readFile(path).catch(() => undefined);
   * if (bytes) {
   *   const actor = await CompiledActor.load(bytes, { obsSize: 30, agentIdSize: 0, numActions: 9,
   *     hiddenSizes: [16], activation: "relu", kind: "mlp" });
   *   actor.stagedInputs(1).fill(0);
   *   actor.stagedMasks(1).set([0, 0, 1, 0, 0, 0, 0, 0, 0]);
   *   console.assert(actor.actStaged(true) === 2);
   * }
   * ```
   */
  stagedMasks(count = 1): Uint8Array {
    this.#reserve(count);
    return new Uint8Array(this.#x.memory.buffer, this.#maskPtr, count * this.numActions);
  }

  /**
   * Greedy action of the input staged in {@linkcode CompiledActor.stagedInputs} (one call into WASM, nothing
   * copied), with the staged mask when `masked`.
   *
   * @example
   * ```ts
   * import { CompiledActor } from "./compiled.ts";
   * const path = "out/export/3m/wasm/marine_f32.wasm"; // written by `deno task export --scenario 3m`
   * const bytes = await Deno.readFile(path).catch(() => undefined);
   * if (bytes) {
   *   const actor = await CompiledActor.load(bytes, { obsSize: 30, agentIdSize: 0, numActions: 9,
   *     hiddenSizes: [16], activation: "relu", kind: "mlp" });
   *   actor.stagedInputs(1).fill(0);
   *   console.assert(actor.actStaged() >= 0);
   * }
   * ```
   */
  actStaged(masked = false): number {
    return this.#x.fk_act(this.#inPtr, masked ? this.#maskPtr : 0);
  }

  /**
   * Greedy action of one input with an optional mask; writes the masked logits to `logitsOut` when given.
   *
   * @example
   * ```ts
   * import { CompiledActor } from "./compiled.ts";
   * const path = "out/export/3m/wasm/marine_f32.wasm"; // written by `deno task export --scenario 3m`
   * const bytes = await Deno.readFile(path).catch(() => undefined);
   * if (bytes) {
   *   const actor = await CompiledActor.load(bytes, { obsSize: 30, agentIdSize: 0, numActions: 9,
   *     hiddenSizes: [16], activation: "relu", kind: "mlp" });
   *   console.assert(actor.act(new Float32Array(30), Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0)) === 0);
   * }
   * ```
   */
  act(input: Float32Array, mask?: Uint8Array, logitsOut?: Float32Array): number {
    if (logitsOut !== undefined) {
      this.logits(input, mask, logitsOut, 1);
      let best = 0;
      for (let k = 1; k < this.numActions; k++) if (logitsOut[k] > logitsOut[best]) best = k;
      return best;
    }
    return this.#act1(input, mask);
  }

  /** One decision: the input staged, the mask passed as bits when the module takes them. */
  #act1(input: Float32Array, mask: Uint8Array | undefined): number {
    const bits = this.#x.fk_act_bits;
    if (bits === undefined || mask === undefined) {
      return this.#x.fk_act(this.#inPtr, this.#stage(input, 1, mask));
    }
    this.#stage(input, 1, undefined);
    const A = this.numActions;
    if (mask.length < A) {
      throw new RangeError(
        `CompiledActor: masks need ${A} values (1 x numActions ${A}), got ${mask.length}`,
      );
    }
    let legal = 0;
    for (let k = 0; k < A; k++) if (mask[k] !== 0) legal |= 1 << k;
    return bits(this.#inPtr, legal);
  }

  /**
   * Greedy actions of `count` inputs (row-major) with optional masks into `outActions`.
   *
   * @example
   * ```ts
   * import { CompiledActor } from "./compiled.ts";
   * const path = "out/export/3m/wasm/marine_f32.wasm"; // written by `deno task export --scenario 3m`
   * const bytes = await Deno.readFile(path).catch(() => undefined);
   * if (bytes) {
   *   const actor = await CompiledActor.load(bytes, { obsSize: 30, agentIdSize: 0, numActions: 9,
   *     hiddenSizes: [16], activation: "relu", kind: "mlp" });
   *   console.assert(actor.actBatch(new Float32Array(60), 2, undefined, new Int32Array(2)).length === 2);
   * }
   * ```
   */
  actBatch(
    inputs: Float32Array,
    count: number,
    masks: Uint8Array | undefined,
    outActions: Int32Array,
  ): Int32Array {
    if (outActions.length < count) {
      throw new RangeError(
        `CompiledActor.actBatch: outActions needs ${count} entries, got ${outActions.length}`,
      );
    }
    if (count === 1) {
      outActions[0] = this.#act1(inputs, masks);
      return outActions;
    }
    const m = this.#stage(inputs, count, masks);
    this.#x.fk_act_batch(this.#inPtr, count, m, this.#outPtr);
    const i32 = this.#i32, base = this.#outPtr >> 2;
    for (let r = 0; r < count; r++) outActions[r] = i32[base + r];
    return outActions;
  }

  /**
   * Masked logits of `count` inputs into `out` (`count * numActions`).
   *
   * @example
   * ```ts
   * import { CompiledActor } from "./compiled.ts";
   * const path = "out/export/3m/wasm/marine_f32.wasm"; // written by `deno task export --scenario 3m`
   * const bytes = await Deno.readFile(path).catch(() => undefined);
   * if (bytes) {
   *   const actor = await CompiledActor.load(bytes, { obsSize: 30, agentIdSize: 0, numActions: 9,
   *     hiddenSizes: [16], activation: "relu", kind: "mlp" });
   *   console.assert(actor.logits(new Float32Array(30), undefined, new Float32Array(9)).length === 9);
   * }
   * ```
   */
  logits(
    inputs: Float32Array,
    masks: Uint8Array | undefined,
    out: Float32Array,
    count = 1,
  ): Float32Array {
    const A = this.numActions;
    if (out.length < count * A) {
      throw new RangeError(
        `CompiledActor: logits output needs ${count * A} values, got ${out.length}`,
      );
    }
    const m = this.#stage(inputs, count, masks);
    this.#x.fk_logits_batch(this.#inPtr, count, m, this.#outPtr);
    out.set(this.#f32.subarray(this.#outPtr >> 2, (this.#outPtr >> 2) + count * A));
    return out;
  }
}

/**
 * Format tag of an export folder's `manifest.json`.
 *
 * @example
 * ```ts
 * import { EXPORT_FORMAT } from "./compiled.ts";
 * console.assert(EXPORT_FORMAT === "fleetkd-export");
 * ```
 */
export const EXPORT_FORMAT = "fleetkd-export";

const exportManifestZod = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(1),
  classes: z.array(
    z.object({
      name: z.string(),
      spec: z.object({
        obsSize: z.number().int().min(1),
        agentIdSize: z.number().int().min(0),
        numActions: z.number().int().min(1),
        hiddenSizes: z.array(z.number().int().min(1)),
        activation: z.enum(["relu", "tanh"]),
        kind: z.literal("mlp"),
      }),
      wasm: z.object({ f32: z.string(), i8: z.string(), f32Fast: z.string().optional() })
        .optional(),
    }).passthrough(),
  ).min(1),
}).passthrough();

/** One class of an export manifest as the compiled backend reads it (the exporter writes more). */
export interface CompiledManifestClass {
  /** Agent class name. */
  name: string;
  /** The exported network's shape (an MLP). */
  spec: {
    obsSize: number;
    agentIdSize: number;
    numActions: number;
    hiddenSizes: number[];
    activation: "relu" | "tanh";
    kind: "mlp";
  };
  /**
   * The class's WASM modules (float32 and int8 of the portable C, and the fast float32 build), relative to
   * the export folder, when exported.
   */
  wasm?: { f32: string; i8: string; f32Fast?: string };
  /** Further fields the exporter writes. */
  [field: string]: unknown;
}

/** What the compiled backend reads of an export folder's `manifest.json` (the exporter writes more). */
export interface CompiledManifest {
  /** Always {@linkcode EXPORT_FORMAT}. */
  format: typeof EXPORT_FORMAT;
  /** Manifest version (1). */
  version: 1;
  /** One entry per agent class. */
  classes: CompiledManifestClass[];
  /** Further fields the exporter writes. */
  [field: string]: unknown;
}

const _exportManifestSame: SameType<z.output<typeof exportManifestZod>, CompiledManifest> = true;

/**
 * What the compiled backend reads of an export manifest (the exporter writes more).
 *
 * @example
 * ```ts
 * import { exportManifestSchema } from "./compiled.ts";
 * console.assert(!exportManifestSchema.safeParse({ format: "fleetkd-export" }).success);
 * ```
 */
export const exportManifestSchema: z.ZodType<CompiledManifest> = exportManifestZod;

/**
 * Loads every class of an export folder as {@linkcode CompiledActor}s of `precision` (the folder must have
 * been exported with the `wasm` target). In float32 a class's fast build is loaded when the export has one
 * and `fast` is not false (the portable build is its fallback). Errors name the file and field.
 *
 * @example
 * ```ts
 * import { loadCompiledPolicySet } from "./compiled.ts";
 * const err = await loadCompiledPolicySet("/nonexistent").catch((e) => e);
 * console.assert((err as Error).message.includes("/nonexistent/manifest.json"));
 * ```
 */
export async function loadCompiledPolicySet(
  dir: string,
  options: { precision?: "float32" | "int8"; fast?: boolean } = {},
): Promise<PolicySet> {
  const file = `${dir}/manifest.json`;
  let json: unknown;
  try {
    json = JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    throw new Error(`Cannot load compiled policy set: "${file}": ${(e as Error).message}`);
  }
  const r = exportManifestSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(
      `Cannot load compiled policy set: "${file}": field "${
        issue.path.join(".")
      }" is invalid: ${issue.message}`,
    );
  }
  const precision = options.precision ?? "float32";
  const classes = [];
  for (const [i, c] of r.data.classes.entries()) {
    if (!c.wasm) {
      throw new Error(
        `Cannot load compiled policy set: "${file}": field "classes[${i}].wasm" is missing (export with --target wasm)`,
      );
    }
    const fast = precision === "float32" && (options.fast ?? true) && c.wasm.f32Fast !== undefined;
    const path = `${dir}/${precision === "int8" ? c.wasm.i8 : fast ? c.wasm.f32Fast : c.wasm.f32}`;
    const fallbackPath = `${dir}/${c.wasm.f32}`;
    const actor = await CompiledActor.load(await Deno.readFile(path), c.spec, {
      precision,
      label: `"${path}"`,
      ...(fast
        ? { fallback: await Deno.readFile(fallbackPath), fallbackLabel: `"${fallbackPath}"` }
        : {}),
    });
    classes.push({ name: c.name, actor });
  }
  return { classes, label: `compiled ${precision}` };
}

/**
 * Students compiled for the edge: dependency-free C99 (float32 and 8-bit) generated from a policy set,
 * calibrated on recorded observations, built for the host, a Cortex-M4 under QEMU and WASM SIMD, and
 * checked against the plain path (`deno task export`).
 *
 * @example
 * ```ts
 * import { cIdent, parseTargets } from "./mod.ts";
 * console.assert(cIdent("mcu-sensor") === "mcu_sensor" && parseTargets("wasm")[0] === "wasm");
 * ```
 *
 * @module
 */

export * from "./network.ts";
export * from "./quantize.ts";
export * from "./codegen.ts";
export * from "./codegen_wasm.ts";
export * from "./wasm_relaxed.ts";
export * from "./record.ts";
export * from "./harness.ts";
export * from "./toolchain.ts";
export * from "./export.ts";

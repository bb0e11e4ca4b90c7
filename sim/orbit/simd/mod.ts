/**
 * fleetkd's WebAssembly SIMD SGP4 module: the committed build (`sgp4.wasm`, embedded in
 * `sgp4_wasm.ts`) of `sgp4.c` and its build script. `../batch.ts` (`BatchPropagator`)
 * is what runs it.
 *
 * @example
 * ```ts
 * import { SGP4_WASM_BASE64 } from "./mod.ts";
 * const bytes = Uint8Array.from(atob(SGP4_WASM_BASE64), (c) => c.charCodeAt(0));
 * console.assert(WebAssembly.validate(bytes));
 * ```
 *
 * @module
 */
export * from "./sgp4_wasm.ts";
export { buildSgp4Wasm, CLANG_FLAGS, clangVersion, embedModule } from "./build.ts";

/**
 * satellite.js WebAssembly runtime handling: creation, safe disposal and satrec preparation.
 *
 * `runtime.dispose()` ends the Emscripten program, which throws `ExitStatus(0)`; {@link disposeRuntime}
 * swallows exactly that. {@link wasmSatrec} gives the WASM propagator the record's precise epoch: the C++
 * code measures time from `satrec.jdsatepoch`, which satellite.js builds from the millisecond-rounded
 * epoch for OMM input, while the JS path here measures from `record.epochMs`.
 *
 * @example
 * ```ts
 * import { createRuntime, disposeRuntime } from "./wasm.ts";
 * const runtime = await createRuntime();
 * console.assert(runtime.mode === "single");
 * disposeRuntime(runtime);
 * ```
 *
 * @module
 */
import { createSingleThreadRuntime, type SatRec } from "satellite.js";
import { MS_PER_DAY, UNIX_EPOCH_JD } from "./frames.ts";
import type { SatelliteRecord } from "./record.ts";

/**
 * satellite.js's single-threaded WASM runtime (its type is not exported by satellite.js 7.1.0).
 *
 * @example
 * ```ts
 * import { createRuntime, disposeRuntime, type WasmRuntime } from "./wasm.ts";
 * const rt: WasmRuntime = await createRuntime();
 * console.assert(typeof rt.module._malloc === "function");
 * disposeRuntime(rt);
 * ```
 */
export type WasmRuntime = Awaited<ReturnType<typeof createSingleThreadRuntime>>;

/**
 * Creates a single-threaded satellite.js WASM runtime. Dispose it with {@link disposeRuntime}.
 *
 * @example
 * ```ts
 * import { createRuntime, disposeRuntime } from "./wasm.ts";
 * const rt = await createRuntime();
 * disposeRuntime(rt);
 * ```
 */
export function createRuntime(): Promise<WasmRuntime> {
  return createSingleThreadRuntime();
}

/** Is `err` Emscripten's normal-exit `ExitStatus` (status 0)? */
function isCleanExit(err: unknown): boolean {
  if (err === null || typeof err !== "object") return false;
  const e = err as { name?: unknown; status?: unknown; constructor?: { name?: unknown } };
  return (e.name === "ExitStatus" || e.constructor?.name === "ExitStatus") && e.status === 0;
}

/**
 * Disposes a satellite.js runtime, catching the `ExitStatus(0)` Emscripten throws on a clean exit; any
 * other error is rethrown.
 *
 * @example
 * ```ts
 * import { createRuntime, disposeRuntime } from "./wasm.ts";
 * disposeRuntime(await createRuntime()); // does not throw
 * ```
 */
export function disposeRuntime(runtime: WasmRuntime): void {
  try {
    runtime.dispose();
  } catch (err) {
    if (!isCleanExit(err)) throw err;
  }
}

/**
 * A shallow copy of the record's satrec whose `jdsatepoch` is the record's precise epoch, for handing to
 * `BulkPropagator.setSatRecs` (the original stays untouched).
 *
 * @example
 * ```ts
 * import { loadTle } from "./tle.ts";
 * import { wasmSatrec } from "./wasm.ts";
 * const [iss] = await loadTle("data/tle/iss.tle");
 * const copy = wasmSatrec(iss);
 * console.assert(copy !== iss.satrec && Math.abs(copy.jdsatepoch - iss.satrec.jdsatepoch) < 1e-9);
 * ```
 */
export function wasmSatrec(record: SatelliteRecord): SatRec {
  return { ...record.satrec, jdsatepoch: UNIX_EPOCH_JD + record.epochMs / MS_PER_DAY };
}

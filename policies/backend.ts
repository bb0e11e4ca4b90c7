/**
 * Selects the tfjs backend fleetkd runs on: `"wasm"` (tfjs-backend-wasm with SIMD, the default for training
 * and inference) or `"cpu"` (plain JavaScript kernels, the reference).
 *
 * tfjs's multi-threaded WASM build does not work in Deno: it starts its workers from `blob:` URLs, which
 * Deno refuses. Multi-threading is therefore switched off here (`WASM_HAS_MULTITHREAD_SUPPORT = false`);
 * parallelism means Deno workers, each with its own tfjs.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { initBackend } from "./backend.ts";
 * await initBackend("wasm");
 * console.assert(tf.getBackend() === "wasm");
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

/** The tfjs backends fleetkd supports. */
export type BackendName = "wasm" | "cpu";

/** What {@linkcode backendInfo} reports. */
export interface BackendInfo {
  /** Active backend. */
  name: string;
  /** Whether the WASM build with SIMD is in use (false for `"cpu"`). */
  simd: boolean;
  /** Whether WASM threads are in use (always false in Deno). */
  threads: boolean;
}

let active: BackendName | undefined;
let pending: Promise<void> | undefined;

/**
 * Sets the tfjs backend and waits until it is ready. Idempotent: calling it again with the active backend
 * does nothing. WASM runs with SIMD (when the runtime supports it, as V8 in Deno does) and without threads.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { initBackend } from "./backend.ts";
 * await initBackend("cpu");
 * await initBackend("cpu"); // no-op
 * console.assert(tf.getBackend() === "cpu");
 * ```
 */
export async function initBackend(name: BackendName = "wasm"): Promise<void> {
  if (name !== "wasm" && name !== "cpu") {
    throw new RangeError(`initBackend: backend must be "wasm" or "cpu", got "${name}"`);
  }
  while (pending) await pending;
  if (active === name && tf.getBackend() === name) return;
  pending = (async () => {
    if (name === "wasm") {
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    }
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`initBackend: tfjs could not initialise the "${name}" backend`);
    await tf.ready();
    active = name;
  })();
  try {
    await pending;
  } finally {
    pending = undefined;
  }
}

/**
 * Describes the active backend (call after {@linkcode initBackend}).
 *
 * @example
 * ```ts
 * import { backendInfo, initBackend } from "./backend.ts";
 * await initBackend("wasm");
 * console.assert(backendInfo().threads === false);
 * ```
 */
export function backendInfo(): BackendInfo {
  const name = tf.getBackend();
  const isWasm = name === "wasm";
  return {
    name,
    simd: isWasm && tf.env().getBool("WASM_HAS_SIMD_SUPPORT"),
    threads: isWasm && tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT"),
  };
}

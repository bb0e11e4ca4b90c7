/**
 * Entry point of a gradient worker of {@linkcode GradientPool} (`grad_pool.ts`): on its start message it
 * initialises the tfjs WASM backend, builds its networks, answers `"ready"` and then serves shards until
 * the pool closes it. Not meant to be imported.
 *
 * @example
 * ```ts
 * // Started by GradientPool.start, never by hand:
 * const url = new URL("./grad_worker.ts", import.meta.url);
 * console.assert(url.pathname.endsWith("grad_worker.ts"));
 * ```
 *
 * @module
 */

import { initBackend } from "../policies/backend.ts";
import { type GradientWorkerInit, serveGradients } from "./grad_pool.ts";

/** The worker's global scope (only what this module uses). */
interface WorkerScope {
  onmessage: ((e: MessageEvent<GradientWorkerInit>) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = async (e: MessageEvent<GradientWorkerInit>) => {
  scope.onmessage = null;
  try {
    await initBackend("wasm");
    serveGradients(e.data, () => scope.postMessage("ready"));
  } catch (err) {
    scope.postMessage(err instanceof Error ? err.stack ?? err.message : String(err));
  }
  scope.close();
};

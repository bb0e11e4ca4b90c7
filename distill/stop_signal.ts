/**
 * A clean stop for long runs: Ctrl-C (SIGINT) or SIGTERM sets a flag the run's loop checks between
 * iterations, so it can checkpoint and exit instead of dying mid-write.
 *
 * @example
 * ```ts
 * import { StopSignal } from "./stop_signal.ts";
 * const stop = new StopSignal();
 * try {
 *   while (!stop.requested) break; // one iteration of work, then check again
 * } finally {
 *   stop.dispose();
 * }
 * ```
 *
 * @module
 */

/** Listens for SIGINT (and SIGTERM off Windows) until disposed; `requested` turns true on either. */
export class StopSignal {
  /** Whether a stop was requested. */
  requested = false;
  readonly #signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM"];
  readonly #onSignal = () => {
    this.requested = true;
  };

  /** Starts listening. */
  constructor() {
    for (const s of this.#signals) Deno.addSignalListener(s, this.#onSignal);
  }

  /** Stops listening. */
  dispose(): void {
    for (const s of this.#signals) Deno.removeSignalListener(s, this.#onSignal);
  }
}

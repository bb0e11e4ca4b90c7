/**
 * `GET /healthz`: liveness and a one-line summary, `{status: "ok" | "shutting-down", uptimeS, runs}`
 * (503 while shutting down, so a load balancer stops sending traffic).
 *
 * @example
 * ```ts
 * import { healthRoutes } from "./health.ts";
 * const app = healthRoutes({
 *   shuttingDown: () => false,
 *   runCounts: () => ({ running: 0, stopped: 0, finished: 0, failed: 0 }),
 * });
 * console.assert((await (await app.request("/healthz")).json()).status === "ok");
 * ```
 *
 * @module
 */

import { Hono } from "hono";
import type { RunCounts } from "./metrics.ts";

/** Options of {@linkcode healthRoutes}. */
export interface HealthRoutesOptions {
  /** Whether the server is shutting down. */
  shuttingDown: () => boolean;
  /** Runs by state. */
  runCounts: () => RunCounts;
}

/**
 * The health route (see module docs).
 *
 * @example
 * ```ts
 * import { healthRoutes } from "./health.ts";
 * const app = healthRoutes({
 *   shuttingDown: () => true,
 *   runCounts: () => ({ running: 0, stopped: 0, finished: 0, failed: 0 }),
 * });
 * console.assert((await app.request("/healthz")).status === 503);
 * ```
 */
export function healthRoutes(options: HealthRoutesOptions): Hono {
  const started = performance.now();
  return new Hono().get("/healthz", (c) => {
    const down = options.shuttingDown();
    return c.json({
      status: down ? "shutting-down" : "ok",
      uptimeS: Math.round((performance.now() - started) / 100) / 10,
      runs: options.runCounts(),
    }, down ? 503 : 200);
  });
}

/**
 * Run control: start, list, inspect and stop runs.
 *
 * - `POST /api/runs` with JSON `{scenario, policy?, seed?, speed?, episodes?, ticks?}` -> 201 status
 *   (400 naming the failing field, 413 over the body limit, 415 when not JSON, 429 at the run cap)
 * - `GET /api/runs` -> every retained run's status
 * - `GET /api/runs/:id` -> its status (404 when unknown)
 * - `DELETE /api/runs/:id` -> stops it, waits for its log to be flushed, returns its status
 *
 * Access (Host, Origin, token) is checked for every route by the app's `accessGuard` (`server/auth.ts`).
 *
 * @example
 * ```ts
 * import { runRoutes } from "./runs_routes.ts";
 * import { RunManager } from "./run_manager.ts";
 * import { resolveDeps } from "./deps.ts";
 * import { errorHandler } from "./errors.ts";
 * import { Metrics } from "./metrics.ts";
 * const manager = new RunManager(resolveDeps({ runsDir: await Deno.makeTempDir() }), new Metrics());
 * const app = runRoutes({ manager, maxBodyBytes: 16384 });
 * app.onError(errorHandler);
 * const res = await app.request("http://localhost/api/runs", {
 *   method: "POST",
 *   headers: { "Content-Type": "application/json" },
 *   body: JSON.stringify({ scenario: "toy/matching", speed: "max", ticks: 5 }),
 * });
 * console.assert(res.status === 201);
 * await manager.shutdown();
 * ```
 *
 * @module
 */

import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from "./errors.ts";
import type { RunManager } from "./run_manager.ts";
import { parseOrThrow, startRunSchema } from "./schemas.ts";

/** Options of {@linkcode runRoutes}. */
export interface RunRoutesOptions {
  /** The runs. */
  manager: RunManager;
  /** Largest accepted request body, bytes. */
  maxBodyBytes: number;
}

/**
 * The run-control routes (see module docs).
 *
 * @example
 * ```ts
 * import { runRoutes } from "./runs_routes.ts";
 * import { RunManager } from "./run_manager.ts";
 * import { resolveDeps } from "./deps.ts";
 * import { errorHandler } from "./errors.ts";
 * import { Metrics } from "./metrics.ts";
 * const app = runRoutes({
 *   manager: new RunManager(resolveDeps(), new Metrics()),
 *   maxBodyBytes: 1024,
 * });
 * app.onError(errorHandler);
 * console.assert((await app.request("/api/runs/nope")).status === 404);
 * ```
 */
export function runRoutes(options: RunRoutesOptions): Hono {
  const { manager, maxBodyBytes } = options;
  const limit = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw new PayloadTooLargeError(`request body is larger than ${maxBodyBytes} bytes`);
    },
  });
  return new Hono()
    .post("/api/runs", limit, async (c) => {
      const type = c.req.header("Content-Type") ?? "";
      if (!/^application\/json\b/i.test(type)) {
        throw new UnsupportedMediaTypeError(
          `request body must be JSON (Content-Type: application/json), got ${
            type ? JSON.stringify(type) : "no Content-Type"
          }`,
        );
      }
      let body: unknown;
      try {
        body = await c.req.json();
      } catch (e) {
        throw new BadRequestError(`request body is not valid JSON: ${(e as Error).message}`);
      }
      const spec = parseOrThrow(startRunSchema, body, "field");
      const run = await manager.start(spec);
      c.header("Location", `/api/runs/${run.id}`);
      return c.json(run.status(), 201);
    })
    .get("/api/runs", (c) => c.json(manager.list().map((r) => r.status())))
    .get("/api/runs/:id", (c) => c.json(manager.get(c.req.param("id")).status()))
    .delete("/api/runs/:id", async (c) => {
      const run = await manager.stop(c.req.param("id"));
      return c.json(run.status());
    });
}

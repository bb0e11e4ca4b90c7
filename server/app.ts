/**
 * `createApp(deps)`: the telemetry server as a Hono app, assembled from the feature route factories
 * (health, metrics, catalog, runs, telemetry, dashboard). The returned app also exposes its run manager,
 * metrics and resolved dependencies, and `close()` (stop every run, flush every log) for shutdown.
 *
 * Routes:
 * - `GET /` dashboard, `GET /static/*` its files, `GET /basemap` its world map (see `basemap_routes.ts`)
 * - `GET /healthz`, `GET /metrics` (Prometheus text)
 * - `GET /api/scenarios`, `GET /api/policies?scenario=`
 * - `POST /api/runs`, `GET /api/runs`, `GET /api/runs/:id`, `DELETE /api/runs/:id`
 * - `GET /sweep` sweep page, `GET /api/sweeps`, `GET /api/sweeps/:name` (see `sweep_routes.ts`)
 * - `GET /api/runs/:id/stream` (SSE, `Last-Event-ID` resume), `GET /api/runs/:id/ws` (WebSocket),
 *   `GET /api/runs/:id/events?from=&limit=`
 *
 * Every route passes the `accessGuard` (`server/auth.ts`): an allowed `Host`, a same-origin `Origin`, and
 * with a token configured the token on every `/api` route. Errors are JSON `{error: message}` with the
 * status their domain error carries.
 *
 * @example
 * ```ts
 * import { createApp } from "./app.ts";
 * const app = createApp({ runsDir: await Deno.makeTempDir() });
 * await app.ready;
 * const res = await app.request("http://localhost/api/runs", {
 *   method: "POST",
 *   headers: { "Content-Type": "application/json" },
 *   body: JSON.stringify({ scenario: "toy/matching", seed: 7, speed: "max", episodes: 1 }),
 * });
 * const { id } = await res.json();
 * await app.manager.get(id).done;
 * const status = await (await app.request(`/api/runs/${id}`)).json();
 * console.assert(status.state === "finished" && status.tick === 8);
 * await app.close();
 * ```
 *
 * @module
 */

import { Hono } from "hono";
import { accessGuard } from "./auth.ts";
import { basemapRoutes } from "./basemap_routes.ts";
import { catalogRoutes } from "./catalog_routes.ts";
import { resolveDeps, type ServerDeps } from "./deps.ts";
import type { ScenarioCatalog } from "../catalog/mod.ts";
import { errorHandler, NotFoundError } from "./errors.ts";
import { healthRoutes } from "./health.ts";
import { Metrics, metricsRoutes } from "./metrics.ts";
import { RunManager } from "./run_manager.ts";
import { runRoutes } from "./runs_routes.ts";
import { staticRoutes } from "./static_routes.ts";
import { StreamLimiter } from "./stream_limits.ts";
import { SendBudget } from "./send_budget.ts";
import { sweepRoutes } from "./sweep_routes.ts";
import { telemetryRoutes } from "./telemetry_routes.ts";

/** The telemetry server app: a Hono app plus handles for its owner. */
export type FleetApp = Hono & {
  /** The runs. */
  readonly manager: RunManager;
  /** The counters behind `/metrics`. */
  readonly metrics: Metrics;
  /** The resolved dependencies. */
  readonly deps: ServerDeps;
  /** Resolves once the runs found in the runs folder are restored (see `server/run_manager.ts`). */
  readonly ready: Promise<void>;
  /** Stops every run and flushes every log; new runs are refused afterwards (503). */
  close(): Promise<void>;
};

/**
 * Builds the app from `deps` (defaults for everything left out, see `server/deps.ts`).
 *
 * @example
 * ```ts
 * import { createApp } from "./app.ts";
 * const app = createApp();
 * console.assert((await app.request("/healthz")).status === 200);
 * await app.close();
 * ```
 */
export function createApp(
  deps: Partial<ServerDeps> & { catalog?: ScenarioCatalog } = {},
): FleetApp {
  const resolved = resolveDeps(deps);
  const metrics = new Metrics();
  const manager = new RunManager(resolved, metrics);
  const runCounts = () => manager.counts();
  const budget = new SendBudget(resolved.sendBudgetBytes);
  metrics.sendBudgetHeld = () => budget.heldBytes;
  metrics.sendBudgetStalled = () => budget.stalled;
  const app = new Hono();
  app.use(async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    const status = c.res.status;
    if (status >= 400) {
      metrics.errorsByStatus.set(status, (metrics.errorsByStatus.get(status) ?? 0) + 1);
    }
  });
  app.use(accessGuard({ token: resolved.token, allowedHosts: resolved.allowedHosts }));
  app.route("/", healthRoutes({ shuttingDown: () => manager.shuttingDown, runCounts }));
  app.route("/", metricsRoutes({ metrics, runCounts }));
  app.route("/", catalogRoutes({ deps: resolved }));
  app.route("/", runRoutes({ manager, maxBodyBytes: resolved.maxBodyBytes }));
  app.route(
    "/",
    telemetryRoutes({
      manager,
      metrics,
      limiter: new StreamLimiter(resolved.maxStreams, resolved.maxStreamsPerClient),
      sendBufferBytes: resolved.sendBufferBytes,
      readBytes: resolved.readBytes,
      slowConsumerMs: resolved.slowConsumerMs,
      budget,
    }),
  );
  app.route("/", sweepRoutes({ dir: resolved.sweepsDir }));
  app.route("/", staticRoutes());
  app.route("/", basemapRoutes());
  app.notFound((c) => {
    throw new NotFoundError(`No route ${c.req.method} ${c.req.path}`);
  });
  app.onError(errorHandler);
  return Object.assign(app, {
    manager,
    metrics,
    deps: resolved,
    ready: manager.ready,
    close: () => manager.shutdown(),
  });
}

/**
 * The telemetry server: a Hono app ({@linkcode createApp}) that starts and stops simulation runs, streams
 * their live telemetry as Server-Sent Events with `Last-Event-ID` resume (a bounded in-memory ring backed
 * by a per-run NDJSON log), exposes `/metrics` and `/healthz`, and serves the dashboard at `/`.
 * {@linkcode startServer} binds it (`deno task serve`).
 *
 * @example
 * ```ts
 * import { createApp } from "./mod.ts";
 * const app = createApp({ runsDir: await Deno.makeTempDir() });
 * const scenarios = await (await app.request("/api/scenarios")).json();
 * console.assert(scenarios.length > 0);
 * await app.close();
 * ```
 *
 * @module
 */
export * from "./app.ts";
export * from "./auth.ts";
export * from "./broadcaster.ts";
export * from "./catalog_routes.ts";
export * from "./clock.ts";
export * from "./conn_guard.ts";
export * from "./deps.ts";
export * from "./errors.ts";
export * from "./health.ts";
export * from "./metrics.ts";
export * from "./ndjson_log.ts";
export * from "./policies.ts";
export * from "./ring_buffer.ts";
export * from "./run.ts";
export * from "./run_manager.ts";
export * from "./runs_routes.ts";
export * from "./schemas.ts";
export * from "./send_budget.ts";
export * from "./sse.ts";
export * from "./start_server.ts";
export * from "./static_routes.ts";
export * from "./stream_limits.ts";
export * from "./telemetry.ts";
export * from "./telemetry_routes.ts";
export * from "./websocket.ts";

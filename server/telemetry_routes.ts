/**
 * A run's telemetry.
 *
 * - `GET /api/runs/:id/stream` -> Server-Sent Events (see `server/sse.ts`). Resumes after the seq in the
 *   `Last-Event-ID` header (sent by a reconnecting `EventSource`) or the `lastEventId` query parameter
 *   (the header wins); without either it starts at the run's first event. A reconnect to an ended run the
 *   client has fully seen gets `204 No Content`.
 * - `GET /api/runs/:id/ws?lastEventId=N` -> the same events over a WebSocket (see `server/websocket.ts`).
 * - `GET /api/runs/:id/events?from=1&limit=200` -> `{runId, events, lastSeq, next}`: the events with
 *   seq >= `from` as JSON (memory or log), for clients that poll and for checks.
 *
 * @example
 * ```ts
 * import { telemetryRoutes } from "./telemetry_routes.ts";
 * import { RunManager } from "./run_manager.ts";
 * import { resolveDeps } from "./deps.ts";
 * import { Metrics } from "./metrics.ts";
 * const metrics = new Metrics();
 * const manager = new RunManager(resolveDeps({ runsDir: await Deno.makeTempDir() }), metrics);
 * const run = await manager.start({ scenario: "toy/matching", policy: "random", seed: 1, speed: "max", ticks: 3 });
 * await run.done;
 * const app = telemetryRoutes({ manager, metrics });
 * const body = await (await app.request(`/api/runs/${run.id}/events?from=1`)).json();
 * console.assert(body.events.length === 5); // status, 3 ticks, status
 * ```
 *
 * @module
 */

import { Hono } from "hono";
import type { Metrics } from "./metrics.ts";
import type { RunManager } from "./run_manager.ts";
import { eventsQuerySchema, lastEventIdSchema, parseOrThrow } from "./schemas.ts";
import { sseResponse } from "./sse.ts";
import { websocketResponse } from "./websocket.ts";

/** The last seq a client has: the `Last-Event-ID` header wins over the `lastEventId` query parameter. */
function lastEventIdOf(header: string | undefined, query: string | undefined): number {
  if (header !== undefined && header !== "") {
    return parseOrThrow(lastEventIdSchema, header.trim(), "header Last-Event-ID");
  }
  if (query !== undefined) {
    return parseOrThrow(lastEventIdSchema, query, "query parameter lastEventId");
  }
  return 0;
}

/** Options of {@linkcode telemetryRoutes}. */
export interface TelemetryRoutesOptions {
  /** The runs. */
  manager: RunManager;
  /** Stream counters. */
  metrics: Metrics;
  /** `retry:` hint sent to SSE clients, ms (default 1000). */
  retryMs?: number;
}

/**
 * The telemetry routes (see module docs).
 *
 * @example
 * ```ts
 * import { telemetryRoutes } from "./telemetry_routes.ts";
 * import { RunManager } from "./run_manager.ts";
 * import { resolveDeps } from "./deps.ts";
 * import { errorHandler } from "./errors.ts";
 * import { Metrics } from "./metrics.ts";
 * const metrics = new Metrics();
 * const app = telemetryRoutes({ manager: new RunManager(resolveDeps(), metrics), metrics });
 * app.onError(errorHandler);
 * console.assert((await app.request("/api/runs/nope/stream")).status === 404);
 * ```
 */
export function telemetryRoutes(options: TelemetryRoutesOptions): Hono {
  const { manager, metrics } = options;
  const onOpen = () => {
    metrics.streamsOpened++;
    metrics.streamsOpen++;
    return () => metrics.streamsOpen--;
  };
  const onSent = (n: number) => (metrics.eventsSent += n);
  return new Hono()
    .get("/api/runs/:id/stream", (c) => {
      const run = manager.get(c.req.param("id"));
      const lastEventId = lastEventIdOf(c.req.header("Last-Event-ID"), c.req.query("lastEventId"));
      const b = run.broadcaster;
      if (b.closed && lastEventId >= b.lastSeq) return c.body(null, 204);
      return sseResponse(b, lastEventId + 1, { retryMs: options.retryMs, onOpen, onSent });
    })
    .get("/api/runs/:id/ws", (c) => {
      const run = manager.get(c.req.param("id"));
      const lastEventId = lastEventIdOf(undefined, c.req.query("lastEventId"));
      return websocketResponse(c.req.raw, run.broadcaster, lastEventId + 1, { onOpen, onSent });
    })
    .get("/api/runs/:id/events", async (c) => {
      const run = manager.get(c.req.param("id"));
      const query = parseOrThrow(eventsQuerySchema, c.req.query(), "query parameter");
      const entries = await run.broadcaster.read(query.from, query.limit);
      const events: unknown[] = entries.map((e) => JSON.parse(e.data));
      const next = entries.length ? entries[entries.length - 1].seq + 1 : query.from;
      return c.json({ runId: run.id, events, lastSeq: run.broadcaster.lastSeq, next });
    });
}

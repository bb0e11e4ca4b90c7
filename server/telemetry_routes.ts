/**
 * A run's telemetry.
 *
 * - `GET /api/runs/:id/stream` -> Server-Sent Events (see `server/sse.ts`). Resumes after the seq in the
 *   `Last-Event-ID` header (sent by a reconnecting `EventSource`) or the `lastEventId` query parameter
 *   (the header wins); without either it starts at the run's first event. A reconnect to an ended run the
 *   client has fully seen gets `204 No Content`.
 * - `GET /api/runs/:id/ws?lastEventId=N` -> the same events over a WebSocket (see `server/websocket.ts`).
 * - `GET /api/runs/:id/events?from=1&limit=200` -> `{runId, events, lastSeq, next}`: the events with
 *   seq >= `from` as JSON (memory or log), for clients that poll and for checks; a page holds at most
 *   `limit` events and `readBytes` bytes of them (but always one event when there is one), so `next` may
 *   come before `from + limit`.
 *
 * Streams are capped by a {@linkcode StreamLimiter} (429 beyond the total or per-address cap); their
 * send buffers, catch-up reads and slow-consumer cut-off come from the server's deps, and SSE streams share
 * the server's send budget (`server/send_budget.ts`). Behind the connection guard the server passes each
 * request's client side as `downstream` in the Hono env (next to `remoteAddr`).
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
import type { Context } from "hono";
import type { Metrics } from "./metrics.ts";
import { StreamLimiter } from "./stream_limits.ts";
import type { RunManager } from "./run_manager.ts";
import { eventsQuerySchema, lastEventIdSchema, parseOrThrow } from "./schemas.ts";
import { sseResponse } from "./sse.ts";
import type { Downstream } from "./conn_guard.ts";
import type { SendBudget } from "./send_budget.ts";
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
  /** Stream caps (default: 1024 in total, 64 per client address). */
  limiter?: StreamLimiter;
  /** Bytes queued per stream connection (default 256 KiB). */
  sendBufferBytes?: number;
  /** Bytes of one catch-up read and of one `/events` page (default 1 MiB). */
  readBytes?: number;
  /** Cut-off time of a client that takes nothing, ms (default 30 s). */
  slowConsumerMs?: number;
  /** The send budget SSE streams share (none by default: only the per-connection cap). */
  budget?: SendBudget;
}

/** The client's address (under `Deno.serve`), or `"local"` for in-process requests. */
function clientAddress(c: Context): string {
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return env?.remoteAddr?.hostname ?? "local";
}

/** The connection's client side behind the connection guard, when the server passes it. */
function downstreamOf(c: Context): Downstream | undefined {
  return (c.env as { downstream?: Downstream } | undefined)?.downstream;
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
  const limiter = options.limiter ?? new StreamLimiter(1024, 64);
  const readBytes = options.readBytes ?? 1024 * 1024;
  const opener = (release: () => void) => () => {
    metrics.streamsOpened++;
    metrics.streamsOpen++;
    return () => {
      metrics.streamsOpen--;
      release();
    };
  };
  const onSent = (n: number) => (metrics.eventsSent += n);
  const onSlowConsumer = () => metrics.slowConsumersCut++;
  const onBudgetCut = () => metrics.sendBudgetCuts++;
  return new Hono()
    .get("/api/runs/:id/stream", (c) => {
      const run = manager.get(c.req.param("id"));
      const lastEventId = lastEventIdOf(c.req.header("Last-Event-ID"), c.req.query("lastEventId"));
      const b = run.broadcaster;
      if (b.closed && lastEventId >= b.lastSeq) return c.body(null, 204);
      const release = limiter.acquire(clientAddress(c));
      try {
        return sseResponse(b, lastEventId + 1, {
          retryMs: options.retryMs,
          onOpen: opener(release),
          onSent,
          onSlowConsumer,
          sendBufferBytes: options.sendBufferBytes,
          readBytes,
          slowConsumerMs: options.slowConsumerMs,
          downstream: downstreamOf(c),
          budget: options.budget,
          onBudgetCut,
        });
      } catch (e) {
        release();
        throw e;
      }
    })
    .get("/api/runs/:id/ws", (c) => {
      const run = manager.get(c.req.param("id"));
      const lastEventId = lastEventIdOf(undefined, c.req.query("lastEventId"));
      const release = limiter.acquire(clientAddress(c));
      try {
        return websocketResponse(c.req.raw, run.broadcaster, lastEventId + 1, {
          onOpen: opener(release),
          onSent,
          onSlowConsumer,
          highWaterBytes: options.sendBufferBytes,
          readBytes,
          slowConsumerMs: options.slowConsumerMs,
        });
      } catch (e) {
        release();
        throw e;
      }
    })
    .get("/api/runs/:id/events", async (c) => {
      const run = manager.get(c.req.param("id"));
      const query = parseOrThrow(eventsQuerySchema, c.req.query(), "query parameter");
      const b = run.broadcaster;
      let from = query.from;
      // Skip events lost with a failed log write, so polling clients move on.
      if (from <= b.lastSeq && !b.available(from)) from = b.nextAvailable(from);
      const entries = await b.read(from, query.limit, readBytes);
      const next = entries.length ? entries[entries.length - 1].seq + 1 : from;
      // The events' JSON is passed through as it is stored, without parsing it.
      const parts = entries.map((e) => e.data);
      c.header("Content-Type", "application/json");
      return c.body(
        `{"runId":${JSON.stringify(run.id)},"events":[${
          parts.join(",")
        }],"lastSeq":${b.lastSeq},"next":${next}}`,
      );
    });
}

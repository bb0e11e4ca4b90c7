/**
 * The live telemetry over a WebSocket, for clients that prefer one to SSE: each event is one text message
 * (the same JSON as the SSE `data:` and the NDJSON log line, carrying `seq` and `type`), from seq
 * `fromSeq` on; after the last event of an ended run comes `{"type":"end","lastSeq":N}` and a normal
 * close (1000). Like the SSE stream it is cursor-based: while the socket's send buffer is above
 * `highWaterBytes` nothing more is read, so a slow client only lags (and later catches up from the log, in
 * reads of at most `readBytes`) and never holds much server memory or stalls the run. A client whose
 * buffer stays above `highWaterBytes` for `slowConsumerMs` is closed with code 4008 and reason
 * `slow consumer: resume with lastEventId=N`. Events lost with a failed log write are reported as
 * `{"type":"error","reason":"events-lost","from":A,"to":B}` and skipped. A reconnecting client passes the
 * last seq it has as `?lastEventId=`.
 *
 * @example
 * ```ts
 * import { startServer } from "./start_server.ts";
 * const server = await startServer({ port: 0, deps: { runsDir: await Deno.makeTempDir() }, log: () => {} });
 * const res = await fetch(`${server.url}/api/runs`, {
 *   method: "POST",
 *   headers: { "Content-Type": "application/json" },
 *   body: JSON.stringify({ scenario: "toy/matching", speed: "max", ticks: 3 }),
 * });
 * const { id } = await res.json();
 * const ws = new WebSocket(`${server.url.replace("http", "ws")}/api/runs/${id}/ws?lastEventId=0`);
 * const seqs: number[] = [];
 * await new Promise<void>((resolve) => {
 *   ws.onmessage = (m) => {
 *     const e = JSON.parse(m.data);
 *     if (e.type !== "end") seqs.push(e.seq);
 *   };
 *   ws.onclose = () => resolve();
 * });
 * console.assert(seqs.join() === "1,2,3,4,5");
 * await server.shutdown();
 * ```
 *
 * @module
 */

import type { Broadcaster } from "./broadcaster.ts";
import { abortableSleep } from "./clock.ts";
import { HttpError } from "./errors.ts";

/** Options of {@linkcode websocketResponse}. */
export interface WebSocketStreamOptions {
  /** Most events sent per read (default 256). */
  batch?: number;
  /** Stop reading while the socket buffers more than this many bytes (default 1 MiB). */
  highWaterBytes?: number;
  /** Bytes of one catch-up read (default 1 MiB; a single larger event is still read whole). */
  readBytes?: number;
  /** A client whose buffer stays full this long is closed with 4008, ms (default 30 s). */
  slowConsumerMs?: number;
  /** Called once when a client is cut off as a slow consumer. */
  onSlowConsumer?: () => void;
  /** Called with the number of events each time a batch is sent. */
  onSent?: (events: number) => void;
  /** Called when the socket opens; the returned function when the stream ends. */
  onOpen?: () => () => void;
}

/**
 * Upgrades `request` to a WebSocket streaming `broadcaster`'s events from `fromSeq` on (only under
 * `Deno.serve`). A request that is not a WebSocket upgrade gets 426.
 */
export function websocketResponse(
  request: Request,
  broadcaster: Broadcaster,
  fromSeq: number,
  options: WebSocketStreamOptions = {},
): Response {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new HttpError(426, "this endpoint speaks WebSocket: send an Upgrade: websocket request", {
      Upgrade: "websocket",
    });
  }
  // Pings every 15 s keep an idle stream alive through the connection guard's idle timeout.
  const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 15 });
  const batch = options.batch ?? 256;
  const highWater = options.highWaterBytes ?? 1024 * 1024;
  const readBytes = options.readBytes ?? 1024 * 1024;
  const slowMs = options.slowConsumerMs ?? 30_000;
  const closed = Promise.withResolvers<void>();
  const stop = new AbortController();
  socket.onclose = () => {
    stop.abort();
    closed.resolve();
  };
  socket.onerror = () => {
    stop.abort();
    closed.resolve();
  };
  socket.onmessage = () => {}; // clients have nothing to say
  const pump = async () => {
    const detach = broadcaster.attach();
    const onEnd = options.onOpen?.();
    let cursor = Math.max(1, fromSeq);
    let fullSince = -1;
    try {
      while (!stop.signal.aborted) {
        if (socket.bufferedAmount > highWater) {
          const now = performance.now();
          if (fullSince < 0) fullSince = now;
          else if (now - fullSince >= slowMs) {
            options.onSlowConsumer?.();
            // The buffer is full, so the client has at most the events before the ones still queued;
            // it resumes from the last seq it processed.
            socket.close(
              4008,
              `slow consumer: resume with lastEventId=${cursor - 1}`.slice(0, 120),
            );
            break;
          }
          await abortableSleep(20, stop.signal);
          continue;
        }
        fullSince = -1;
        const entries = await broadcaster.read(cursor, batch, readBytes);
        if (stop.signal.aborted) break;
        if (entries.length > 0) {
          for (const e of entries) socket.send(e.data);
          cursor = entries[entries.length - 1].seq + 1;
          options.onSent?.(entries.length);
          continue;
        }
        if (cursor <= broadcaster.lastSeq && !broadcaster.available(cursor)) {
          const next = broadcaster.nextAvailable(cursor);
          socket.send(JSON.stringify({
            type: "error",
            reason: "events-lost",
            from: cursor,
            to: next - 1,
            message: broadcaster.log.error?.message ?? "the events are no longer stored",
          }));
          cursor = next;
          continue;
        }
        if (broadcaster.closed && cursor > broadcaster.lastSeq) {
          socket.send(JSON.stringify({ type: "end", lastSeq: broadcaster.lastSeq }));
          socket.close(1000, "run ended");
          break;
        }
        await Promise.race([
          cursor <= broadcaster.lastSeq ? broadcaster.ended : broadcaster.waitBeyond(cursor - 1),
          closed.promise,
        ]);
      }
    } catch {
      if (socket.readyState === WebSocket.OPEN) socket.close(1011, "telemetry read failed");
    } finally {
      detach();
      onEnd?.();
    }
  };
  socket.onopen = () => void pump();
  return response;
}

/**
 * Server-Sent Events from a {@linkcode Broadcaster}: a pull-based `ReadableStream`, so a batch of events is
 * read (from the ring, or from the log when the client is behind) only when the connection has taken the
 * previous one. A slow client therefore only lags; it never queues memory on the server and never stalls
 * the run or other clients. Each event is framed as `id: <seq>`, `event: <type>`, `data: <json>`. When the
 * run has ended and the client has every event, a final `event: end` (without an id) is sent and the
 * stream closes; a browser `EventSource` that then reconnects with its `Last-Event-ID` gets `204 No
 * Content`, which tells it to stop.
 *
 * @example
 * ```ts
 * import { Broadcaster } from "./broadcaster.ts";
 * import { NdjsonLog } from "./ndjson_log.ts";
 * import { sseResponse } from "./sse.ts";
 * const b = new Broadcaster({ log: await NdjsonLog.create(await Deno.makeTempFile()) });
 * b.publish("tick", (seq) => ({ seq, type: "tick" }));
 * await b.close();
 * const text = await sseResponse(b, 1).text();
 * console.assert(text.includes('id: 1\nevent: tick\ndata: {"seq":1,"type":"tick"}\n\n'));
 * console.assert(text.endsWith("event: end\ndata: {\"lastSeq\":1}\n\n"));
 * ```
 *
 * @module
 */

import type { Broadcaster } from "./broadcaster.ts";
import type { StreamEntry } from "./ndjson_log.ts";

/** A chunk stops growing past this many characters (large events, catch-up batches). */
const MAX_CHUNK_CHARS = 1 << 20;

/** Options of {@linkcode sseResponse}. */
export interface SseOptions {
  /** Reconnection delay suggested to the client, ms (default 1000). */
  retryMs?: number;
  /** Most events written per chunk (default 256). */
  batch?: number;
  /** Called with the number of events each time a chunk is handed to the connection. */
  onSent?: (events: number) => void;
  /** Called once when the stream opens, and the returned function once when it ends or is cancelled. */
  onOpen?: () => () => void;
}

/**
 * Frames one entry as an SSE event.
 *
 * @example
 * ```ts
 * import { sseFrame } from "./sse.ts";
 * console.assert(sseFrame({ seq: 3, type: "tick", data: "{}" }) === "id: 3\nevent: tick\ndata: {}\n\n");
 * ```
 */
export function sseFrame(entry: StreamEntry): string {
  // JSON.stringify never emits raw newlines, so the data fits on one line.
  return `id: ${entry.seq}\nevent: ${entry.type}\ndata: ${entry.data}\n\n`;
}

/**
 * An SSE response streaming `broadcaster`'s events from seq `fromSeq` on, ending after the last event of
 * an ended run.
 */
export function sseResponse(
  broadcaster: Broadcaster,
  fromSeq: number,
  options: SseOptions = {},
): Response {
  const encoder = new TextEncoder();
  const batch = options.batch ?? 256;
  let cursor = Math.max(1, fromSeq);
  let finished = false;
  let onClose: (() => void) | undefined;
  const detach = broadcaster.attach();
  const end = () => {
    if (finished) return;
    finished = true;
    detach();
    onClose?.();
  };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      onClose = options.onOpen?.();
      controller.enqueue(encoder.encode(`retry: ${options.retryMs ?? 1000}\n\n`));
    },
    async pull(controller) {
      try {
        while (!finished) {
          const entries = await broadcaster.read(cursor, batch);
          if (finished) return;
          if (entries.length > 0) {
            let text = "";
            let sent = 0;
            for (const e of entries) {
              text += sseFrame(e);
              sent++;
              cursor = e.seq + 1;
              if (text.length >= MAX_CHUNK_CHARS) break;
            }
            controller.enqueue(encoder.encode(text));
            options.onSent?.(sent);
            return;
          }
          if (broadcaster.closed && cursor > broadcaster.lastSeq) {
            controller.enqueue(
              encoder.encode(
                `event: end\ndata: ${JSON.stringify({ lastSeq: broadcaster.lastSeq })}\n\n`,
              ),
            );
            controller.close();
            end();
            return;
          }
          await broadcaster.waitBeyond(cursor - 1);
        }
      } catch (e) {
        end();
        controller.error(e);
      }
    },
    cancel() {
      end();
    },
  }, { highWaterMark: 1 });
  return new Response(stream, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
    },
  });
}

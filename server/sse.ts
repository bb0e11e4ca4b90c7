/**
 * Server-Sent Events from a {@linkcode Broadcaster}: a pull-based byte stream with a per-connection send
 * buffer of `sendBufferBytes` (a `ByteLengthQueuingStrategy`): events are read (from the ring, or from the
 * log when the client is behind, in reads of at most `readBytes`) only when the connection has taken what
 * was queued. Live events are shared by every connection (each event's SSE frame is built once and queued
 * as a view, never copied per connection); events larger than the buffer are queued in slices of it. A slow client therefore only lags; it never queues
 * more than about `sendBufferBytes + readBytes` on the server and never stalls the run or other clients.
 *
 * Each event is framed as `id: <seq>`, `event: <type>`, `data: <json>`. A stream always ends:
 * - when the run has ended and the client has every event: `event: end` with `{"lastSeq":N}` (no id), then
 *   the stream closes; an `EventSource` that reconnects with its `Last-Event-ID` then gets `204`, which
 *   tells it to stop;
 * - when events cannot be read (their log write failed and they are no longer in memory):
 *   `event: error` with `{"reason":"events-lost","from":A,"to":B,...}`, then the stream goes on after them
 *   (and ends with `end`);
 * - when the client has taken nothing for `slowConsumerMs` while events wait: `event: error` with
 *   `{"reason":"slow-consumer","lastEventId":N,...}` and the stream closes; the client may reconnect with
 *   `Last-Event-ID: N` (an `EventSource` does so by itself). Its stream slot is freed at once; at most
 *   `sendBufferBytes` stay queued for it until it reads them or its connection goes (see the idle
 *   timeout of `server/conn_guard.ts`);
 * - when the server-wide send budget is spent and this client has been stalled the longest (see
 *   `server/send_budget.ts`): `event: error` with `{"reason":"send-budget","lastEventId":N,...}`, then the
 *   connection is closed at once, so nothing stays held for it. A client that reads nothing will not see
 *   the frame, only the close; either way it may reconnect with the `Last-Event-ID` of the last event it
 *   got.
 *
 * Behind the connection guard (`downstream`, see `server/conn_guard.ts`) the bytes held for a connection
 * are counted end to end: sent by this stream but not yet written to the client's socket by the relay
 * (whatever sits in `Deno.serve`, in the socket between it and the relay, or in the relay). Once they
 * reach the connection's cap (`sendBufferBytes`, 4 x that once the client has taken 8 MiB, or its
 * smaller share of the send budget when many streams are open) the stream sends nothing more until the relay writes some to the client: back-pressure, so a
 * stalled client costs no work per event and only its cap in memory. Without the guard only the stream's
 * own queue is counted (`Deno.serve` takes from it as long as its socket does).
 *
 * While no event comes for `keepAliveMs`, a comment line (`: keep-alive`) is sent (one timer per period
 * serves every waiting stream, so it may come sooner, never later), so idle streams are not
 * taken for dead connections.
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
import type { Downstream } from "./conn_guard.ts";
import type { StreamEntry } from "./ndjson_log.ts";
import type { BudgetSlot, SendBudget } from "./send_budget.ts";

/** A part at most this large is queued whole even past the budget (so the stream always progresses). */
const SMALL_FRAME = 4 * 1024;
/**
 * Behind the guard a stream whose client has taken {@linkcode PROVEN_READER_BYTES} may have this many
 * send buffers in flight end to end, so a fast client is not slowed by the round trip; with many streams
 * open their share of the send budget is the smaller cap.
 */
const WINDOW_BUFFERS = 4;
/**
 * Bytes written to a client before its stream's window widens: more than the socket buffers between the
 * relay and a client that reads nothing take on loopback here (up to about 4 MiB), so a stalled client
 * never gets the wide window.
 */
const PROVEN_READER_BYTES = 8 * 1024 * 1024;
/** Most bytes of chunked framing around one chunk (up to 16 MiB: six hex digits and two CRLFs). */
const CHUNK_FRAMING = 10;

/** Options of {@linkcode sseResponse}. */
export interface SseOptions {
  /** Reconnection delay suggested to the client, ms (default 1000). */
  retryMs?: number;
  /** Most events read at a time (default 256). */
  batch?: number;
  /** Bytes queued for the connection before reading stops (default 256 KiB). */
  sendBufferBytes?: number;
  /** Bytes of one catch-up read (default 1 MiB; a single larger event is still read whole). */
  readBytes?: number;
  /** A client that takes nothing for this long while events wait is cut off, ms (default 30 s). */
  slowConsumerMs?: number;
  /** Comment sent after this long without events, ms (default 15 s). */
  keepAliveMs?: number;
  /** Called with the number of events each time they are queued for the connection. */
  onSent?: (events: number) => void;
  /** Called once when a client is cut off as a slow consumer. */
  onSlowConsumer?: () => void;
  /** Called once when the stream opens, and the returned function once when it ends or is cancelled. */
  onOpen?: () => () => void;
  /** The connection's client side behind the connection guard (bytes held are then counted end to end). */
  downstream?: Downstream;
  /** The server-wide send budget this stream takes a share of. */
  budget?: SendBudget;
  /** Called once when the budget cuts the stream. */
  onBudgetCut?: () => void;
}

/** Bytes a chunk of `n` bytes takes on the wire in a chunked HTTP/1.1 body (`<hex>\r\n...\r\n`). */
function chunkedBytes(n: number): number {
  return n + n.toString(16).length + 4;
}

const encoder = new TextEncoder();

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

/** The bytes of one entry's frame, as parts that need not be copied. */
function frameParts(entry: StreamEntry): Uint8Array[] {
  const frame = (entry as { frame?: Uint8Array }).frame;
  if (frame) return [frame];
  if (entry.line) {
    return [
      encoder.encode(`id: ${entry.seq}\nevent: ${entry.type}\ndata: `),
      entry.line,
      encoder.encode("\n\n"),
    ];
  }
  return [encoder.encode(sseFrame(entry))];
}

/**
 * One keep-alive timer per period for every stream waiting with it, instead of a timer set and cleared
 * per wait (per event and stream on a live run): the timer runs while anyone waits, and each tick wakes
 * every stream waiting then. A stream therefore gets its comment within `keepAliveMs` of starting to wait
 * (sometimes sooner), never later.
 */
class KeepAliveTicker {
  #waiters = 0;
  #gen = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #tick: Promise<void> | undefined;
  #fire: () => void = () => {};
  constructor(readonly ms: number) {}
  /** The next tick; `gen` is passed to {@linkcode KeepAliveTicker.leave} when it is not waited for. */
  wait(): { tick: Promise<void>; gen: number } {
    this.#waiters++;
    if (!this.#tick) {
      this.#tick = new Promise((resolve) => (this.#fire = resolve));
      this.#timer = setTimeout(() => {
        const fire = this.#fire;
        this.#reset();
        fire();
      }, this.ms);
    }
    return { tick: this.#tick, gen: this.#gen };
  }
  /** A waiter woke for another reason; the timer stops when nobody waits. */
  leave(gen: number): void {
    if (gen !== this.#gen || this.#waiters === 0) return;
    if (--this.#waiters === 0) {
      clearTimeout(this.#timer);
      this.#reset();
    }
  }
  #reset(): void {
    this.#timer = undefined;
    this.#tick = undefined;
    this.#waiters = 0;
    this.#gen++;
  }
}

const tickers = new Map<number, KeepAliveTicker>();
function keepAliveTicker(ms: number): KeepAliveTicker {
  let t = tickers.get(ms);
  if (!t) tickers.set(ms, t = new KeepAliveTicker(ms));
  return t;
}

/** The `event: <name>` frame (no id) with `data` as JSON. */
function controlFrame(name: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * An SSE response streaming `broadcaster`'s events from seq `fromSeq` on (see module docs).
 */
export function sseResponse(
  broadcaster: Broadcaster,
  fromSeq: number,
  options: SseOptions = {},
): Response {
  const batch = options.batch ?? 256;
  const sendBuffer = options.sendBufferBytes ?? 256 * 1024;
  const readBytes = options.readBytes ?? 1024 * 1024;
  const slowMs = options.slowConsumerMs ?? 30_000;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  let cursor = Math.max(1, fromSeq);
  /** Frames read but not yet wholly queued, in order; the first may be partly queued. */
  let frames: { seq: number; parts: Uint8Array[] }[] = [];
  let partIdx = 0;
  let offset = 0;
  /** The last seq whose frame is wholly queued for the connection. */
  let queuedSeq = cursor - 1;
  let finished = false;
  let onClose: (() => void) | undefined;
  let slowTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the stream started waiting for the client to take its queue (0: not waiting). */
  let waitingSince = 0;
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
  const downstream = options.downstream;
  /** Bytes of the connection already written when the stream began (earlier responses). */
  const writtenBefore = downstream?.bytesWritten ?? 0;
  /** Bytes this stream has sent, with their chunked framing. */
  let produced = 0;
  /** Bytes held for the connection (see module docs). */
  const held = (): number =>
    downstream
      ? Math.max(0, produced - (downstream.bytesWritten - writtenBefore))
      : Math.max(0, sendBuffer - (controllerRef?.desiredSize ?? sendBuffer));
  let slot: BudgetSlot | undefined;
  const detach = broadcaster.attach();
  /** Ends the stream; with `linger`, its budget slot stays until the connection goes (see below). */
  const end = (linger = false) => {
    if (finished) return;
    finished = true;
    clearTimeout(slowTimer);
    frames = [];
    if (linger && slot && downstream) void lingerSlot(slot, downstream);
    else slot?.release();
    detach();
    onClose?.();
  };
  /**
   * After a slow-consumer cut the bytes sent are still held for the open connection, so its slot keeps
   * counting them (stalled) until the client takes them or the connection goes: the budget then cuts such
   * connections first (they have stalled longest), closing them.
   */
  const lingerSlot = async (s: BudgetSlot, down: Downstream) => {
    while (!s.released && !down.closed) {
      const h = held();
      if (h === 0) break;
      // Up to its cap: the rest of the frame in progress and the reason went out past it.
      s.hold(Math.min(h, s.cap), true);
      await down.progress();
    }
    s.release();
  };
  const send = (controller: ReadableStreamDefaultController<Uint8Array>, bytes: Uint8Array) => {
    controller.enqueue(bytes);
    produced += chunkedBytes(bytes.length);
  };
  /** Queues the rest of a partly queued frame, so a reason that follows starts on a frame boundary. */
  const finishFrame = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (frames.length > 0 && (partIdx > 0 || offset > 0)) {
      const f = frames[0];
      send(controller, f.parts[partIdx].subarray(offset));
      for (let i = partIdx + 1; i < f.parts.length; i++) send(controller, f.parts[i]);
      queuedSeq = f.seq;
    }
  };
  /** Cut by the send budget (see module docs): the reason, then the connection goes. */
  const cutForBudget = () => {
    const controller = controllerRef;
    if (finished) {
      // Cut earlier as a slow consumer and still holding bytes: only the connection is left to close.
      downstream?.close();
      return;
    }
    if (!controller) return;
    options.onBudgetCut?.();
    finishFrame(controller);
    send(
      controller,
      controlFrame("error", {
        reason: "send-budget",
        lastEventId: queuedSeq,
        message:
          "the server's send budget is spent and this client took the least of it; reconnect with Last-Event-ID to resume",
      }),
    );
    end();
    controller.close();
    downstream?.close();
  };
  /**
   * Bytes the connection may take now: waits (back-pressure) while it holds its cap, i.e. until the relay
   * writes some of them to the client; 0 when the stream ended meanwhile.
   */
  const room = async (): Promise<number> => {
    // Once at its cap, the stream waits until half of it has gone out, so it sends in large steps
    // rather than one relay write at a time.
    let waited = false;
    for (;;) {
      const window = downstream && downstream.bytesWritten - writtenBefore >= PROVEN_READER_BYTES
        ? WINDOW_BUFFERS * sendBuffer
        : sendBuffer;
      const cap = slot ? Math.min(slot.capFor(window), window) : window;
      const h = held();
      if (waited ? h <= cap / 2 : cap - h > CHUNK_FRAMING) {
        slot?.hold(h, false);
        return finished ? 0 : cap - h;
      }
      waited = true;
      slot?.hold(h, true);
      if (finished || !downstream) return 0;
      armSlowTimer();
      await downstream.progress();
      disarmSlowTimer();
      if (finished) return 0;
      if (downstream.closed) {
        end();
        return 0;
      }
    }
  };
  const nextPart = () => {
    partIdx++;
    offset = 0;
    if (partIdx === frames[0].parts.length) {
      queuedSeq = frames.shift()!.seq;
      partIdx = 0;
    }
  };
  /**
   * Queues about `sendBuffer` bytes of `frames`. Parts are queued as they are (views of the frames every
   * connection shares, never copies), so a stalled connection's queue costs only references to bytes the
   * ring holds anyway; a part larger than the budget is sliced (again a view).
   */
  const drain = (controller: ReadableStreamDefaultController<Uint8Array>, room: number) => {
    let budget = room;
    // Behind the guard the room is exact, framing included (the stream never holds more than its cap);
    // else small frames go whole.
    const exact = downstream !== undefined;
    while (frames.length > 0 && budget > (exact ? CHUNK_FRAMING : 0)) {
      const p = frames[0].parts[partIdx];
      const rest = p.length - offset;
      const take = Math.min(rest, exact ? budget - CHUNK_FRAMING : Math.max(budget, SMALL_FRAME));
      send(controller, offset === 0 && take === p.length ? p : p.subarray(offset, offset + take));
      budget -= exact ? chunkedBytes(take) : take;
      offset += take;
      if (offset === p.length) nextPart();
    }
  };
  /**
   * Armed when the queue is full: if the client takes nothing for slowMs, it is cut off. Arming and
   * disarming only note the time; one timer per stream checks it (re-armed for the rest when the client
   * took something meanwhile), so a busy stream sets no timer per event.
   */
  const armSlowTimer = () => {
    waitingSince = performance.now();
    slowTimer ??= setTimeout(onSlowTimer, slowMs);
  };
  const disarmSlowTimer = () => {
    waitingSince = 0;
  };
  const onSlowTimer = () => {
    slowTimer = undefined;
    if (finished || waitingSince === 0) return;
    const waited = performance.now() - waitingSince;
    if (waited < slowMs) {
      slowTimer = setTimeout(onSlowTimer, slowMs - waited);
      return;
    }
    {
      const controller = controllerRef!;
      options.onSlowConsumer?.();
      // Finish the frame in progress so the reason arrives on a frame boundary.
      finishFrame(controller);
      send(
        controller,
        controlFrame("error", {
          reason: "slow-consumer",
          lastEventId: queuedSeq,
          message:
            `the client took nothing for ${slowMs} ms; reconnect with Last-Event-ID to resume`,
        }),
      );
      // The stream is over for the server (its stream slot is free); what is queued goes out if the
      // client reads again, else it goes with the connection (or with a send-budget cut, see lingerSlot).
      end(true);
      controller.close();
    }
  };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controllerRef = controller;
      onClose = options.onOpen?.();
      slot = options.budget?.register(sendBuffer, cutForBudget);
      send(controller, encoder.encode(`retry: ${options.retryMs ?? 1000}\n\n`));
    },
    async pull(controller) {
      disarmSlowTimer();
      try {
        while (!finished) {
          if (frames.length > 0) {
            // Behind the guard, wait for room; else the stream's own queue is the back-pressure.
            const n = downstream ? await room() : sendBuffer;
            if (finished) return;
            drain(controller, n);
            slot?.hold(held(), !downstream && (controller.desiredSize ?? 1) <= 0);
            armSlowTimer();
            return;
          }
          // Behind the guard, read ahead only a few caps' worth: a stalled connection keeps what it
          // read (as frames waiting for room), and 2,000 of them each holding 1 MiB of frames would
          // hold hundreds of thousands of objects.
          const limit = downstream
            ? Math.min(readBytes, Math.max(4 * (slot?.cap ?? sendBuffer), 64 * 1024))
            : readBytes;
          const entries = await broadcaster.read(cursor, batch, limit);
          if (finished) return;
          if (entries.length > 0) {
            for (const e of entries) frames.push({ seq: e.seq, parts: frameParts(e) });
            cursor = entries[entries.length - 1].seq + 1;
            options.onSent?.(entries.length);
            continue;
          }
          if (cursor <= broadcaster.lastSeq && !broadcaster.available(cursor)) {
            const next = broadcaster.nextAvailable(cursor);
            send(
              controller,
              controlFrame("error", {
                reason: "events-lost",
                from: cursor,
                to: next - 1,
                message: broadcaster.log.error?.message ?? "the events are no longer stored",
              }),
            );
            cursor = next;
            queuedSeq = next - 1;
            continue;
          }
          if (broadcaster.closed && cursor > broadcaster.lastSeq) {
            send(controller, controlFrame("end", { lastSeq: broadcaster.lastSeq }));
            end();
            controller.close();
            return;
          }
          const ticker = keepAliveTicker(keepAliveMs);
          const wait = ticker.wait();
          const quiet = await Promise.race([
            (cursor <= broadcaster.lastSeq ? broadcaster.ended : broadcaster.waitBeyond(cursor - 1))
              .then(() => false),
            wait.tick.then(() => true),
          ]);
          if (!quiet) ticker.leave(wait.gen);
          if (finished) return;
          if (quiet) {
            send(controller, encoder.encode(": keep-alive\n\n"));
            return;
          }
        }
      } catch (e) {
        if (finished) return;
        // A read failed (e.g. the log was deleted by retention): say so, then end the stream.
        send(
          controller,
          controlFrame("error", {
            reason: "read-failed",
            lastEventId: queuedSeq,
            message: (e as Error).message,
          }),
        );
        end();
        controller.close();
      }
    },
    cancel() {
      end();
    },
  }, new ByteLengthQueuingStrategy({ highWaterMark: sendBuffer }));
  return new Response(stream, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
    },
  });
}

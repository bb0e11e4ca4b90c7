import assert from "node:assert/strict";
import { Broadcaster } from "./broadcaster.ts";
import type { Downstream } from "./conn_guard.ts";
import { NdjsonLog } from "./ndjson_log.ts";
import { SendBudget } from "./send_budget.ts";
import { sseResponse } from "./sse.ts";

const KiB = 1024;

/** A relay's client side the test drives: it "writes" only what the test says. */
class FakeDownstream implements Downstream {
  bytesWritten = 0;
  closed = false;
  #wake: (() => void)[] = [];
  progress(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.#wake.push(resolve));
  }
  write(n: number): void {
    this.bytesWritten += n;
    for (const w of this.#wake.splice(0)) w();
  }
  close(): void {
    this.closed = true;
    for (const w of this.#wake.splice(0)) w();
  }
}

/** Lets the stream's pulls (promise jobs and zero-delay timers, no I/O) run to a standstill. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
};

async function broadcaster(events: number, bytes: number): Promise<Broadcaster> {
  const b = new Broadcaster({ log: await NdjsonLog.create(await Deno.makeTempFile()) });
  for (let i = 0; i < events; i++) {
    b.publish("tick", (seq) => ({ seq, type: "tick", x: "x".repeat(bytes) }));
  }
  return b;
}

/** Takes what a stream has queued, without waiting for more (a read still open is kept for the next take). */
class Taker {
  #pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  done = false;
  constructor(readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}
  async take(): Promise<{ bytes: number; text: string }> {
    const chunks: Uint8Array[] = [];
    while (!this.done) {
      this.#pending ??= this.reader.read();
      const r = await Promise.race([this.#pending, settle().then(() => undefined)]);
      if (!r) break; // nothing more is coming until something changes
      this.#pending = undefined;
      if (r.done) this.done = true;
      else chunks.push(r.value);
    }
    const all = concat(chunks);
    return { bytes: all.length, text: new TextDecoder().decode(all) };
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) (out.set(c, at), at += c.length);
  return out;
}

Deno.test("SSE behind the guard: a client that takes nothing holds at most its cap; it resumes when written", async () => {
  const b = await broadcaster(200, 1000); // ~200 KB of events, more than the 32 KiB cap
  const budget = new SendBudget(32 * KiB, 8 * KiB, 0);
  const down = new FakeDownstream();
  const res = sseResponse(b, 1, {
    downstream: down,
    budget,
    sendBufferBytes: 256 * KiB,
    slowConsumerMs: 60_000,
  });
  const t = new Taker(res.body!.getReader());
  // Deno.serve takes what is queued; the relay writes none of it to the client.
  const first = await t.take();
  assert.equal(budget.stalled, 1, "the stream stalls at its cap");
  assert.ok(
    budget.heldBytes > 32 * KiB - 10 && budget.heldBytes <= 32 * KiB,
    `${budget.heldBytes}`,
  );
  assert.ok(
    first.bytes > 30 * KiB && first.bytes <= 32 * KiB,
    `sent ${first.bytes} bytes to a client that took none`,
  );
  assert.equal(budget.cuts, 0, "a lone stream at its cap is within the budget");
  // Nothing more is sent while the client takes nothing.
  assert.equal((await t.take()).bytes, 0);
  // The relay writes 20 KiB to the client: the stream sends about that much more, then stalls again.
  down.write(20 * KiB);
  const second = await t.take();
  assert.ok(second.bytes > 19 * KiB && second.bytes <= 20 * KiB, `${second.bytes}`);
  assert.equal(budget.stalled, 1);
  // Every event is whole and in order across the stall.
  const ids = [...(first.text + second.text).matchAll(/^id: (\d+)$/gm)].map((x) => Number(x[1]));
  assert.deepEqual(ids, Array.from({ length: ids.length }, (_, i) => i + 1));
  // The client goes: nothing stays counted.
  await t.reader.cancel();
  assert.equal(budget.heldBytes, 0);
  assert.equal(budget.streams, 0);
  assert.equal(b.subscribers, 0);
  await b.close();
});

Deno.test("SSE: the send budget cuts the stream stalled longest with a reason, closes its connection, frees it", async () => {
  const b = await broadcaster(300, 1000);
  const budget = new SendBudget(48 * KiB, 8 * KiB, 0);
  let cuts = 0;
  const open = () => {
    const down = new FakeDownstream();
    const res = sseResponse(b, 1, {
      downstream: down,
      budget,
      slowConsumerMs: 60_000,
      onBudgetCut: () => cuts++,
    });
    return { down, t: new Taker(res.body!.getReader()) };
  };
  const a = open();
  const aFirst = await a.t.take();
  assert.equal(budget.stalled, 1); // a holds its whole share (48 KiB) and stalls
  assert.equal(cuts, 0);
  const c = open(); // the share drops to 24 KiB; c stalls there and the total passes 48 KiB
  await c.t.take();
  assert.equal(cuts, 1);
  assert.equal(budget.cuts, 1);
  assert.ok(a.down.closed, "the cut client's connection is closed");
  assert.ok(!c.down.closed);
  // What a would have read: its events, then the reason naming the last whole event, then the end.
  const rest = await a.t.take();
  assert.ok(a.t.done);
  const text = aFirst.text + rest.text;
  const m = /event: error\ndata: (\{"reason":"send-budget"[^\n]*\})\n\n$/.exec(text);
  assert.ok(m, `no send-budget reason at the end of: ...${text.slice(-200)}`);
  const { lastEventId } = JSON.parse(m[1]);
  const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((x) => Number(x[1]));
  assert.equal(lastEventId, ids[ids.length - 1]);
  // Only c's bytes are counted now (its share grew back to the whole budget); once it goes, nothing is.
  await c.t.take();
  assert.ok(budget.heldBytes > 47 * KiB && budget.heldBytes <= 48 * KiB, `${budget.heldBytes}`);
  assert.equal(budget.cuts, 1);
  await c.t.reader.cancel();
  assert.equal(budget.heldBytes, 0);
  assert.equal(budget.streams, 0);
  assert.equal(b.subscribers, 0);
  await b.close();
});

Deno.test("SSE: a slow-consumer cut keeps its held bytes counted until the budget closes its connection", async () => {
  const b = await broadcaster(300, 1000);
  const budget = new SendBudget(48 * KiB, 8 * KiB, 0);
  let slow = 0;
  const open = (slowConsumerMs: number) => {
    const down = new FakeDownstream();
    const res = sseResponse(b, 1, {
      downstream: down,
      budget,
      slowConsumerMs,
      onSlowConsumer: () => slow++,
    });
    return { down, t: new Taker(res.body!.getReader()) };
  };
  const a = open(20);
  let text = (await a.t.take()).text;
  // Wait (bounded) for the cut-off; the assertion is on what happens, not on when.
  for (let i = 0; i < 500 && slow === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(slow, 1);
  text += (await a.t.take()).text;
  assert.ok(a.t.done);
  assert.match(text, /"reason":"slow-consumer"/);
  assert.equal(b.subscribers, 0, "the stream itself is over");
  // Its connection still holds what was sent: the budget keeps counting it, as stalled.
  assert.equal(budget.streams, 1);
  assert.equal(budget.stalled, 1);
  assert.ok(budget.heldBytes > 40 * KiB, `${budget.heldBytes}`);
  assert.ok(!a.down.closed);
  // A new stream halves the share and stalls: the lingering connection is the one cut, and closed.
  const c = open(60_000);
  await c.t.take();
  assert.equal(budget.cuts, 1);
  assert.ok(a.down.closed);
  assert.ok(!c.down.closed);
  await c.t.reader.cancel();
  await settle();
  assert.equal(budget.heldBytes, 0);
  assert.equal(budget.streams, 0);
  await b.close();
});

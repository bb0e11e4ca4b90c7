import assert from "node:assert/strict";
import { GatedClock } from "./_test_util.ts";
import { createApp } from "./app.ts";
import { startServer } from "./start_server.ts";

interface Received {
  messages: { seq?: number; type: string; lastSeq?: number }[];
  raw: string[];
  closed: Promise<CloseEvent>;
}

function connect(url: string): Promise<{ ws: WebSocket; got: Received }> {
  const ws = new WebSocket(url);
  const closed = Promise.withResolvers<CloseEvent>();
  const got: Received = { messages: [], raw: [], closed: closed.promise };
  ws.onmessage = (m) => {
    got.raw.push(m.data);
    got.messages.push(JSON.parse(m.data));
  };
  ws.onclose = (e) => closed.resolve(e);
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve({ ws, got });
    ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(check(), "condition not reached");
}

Deno.test("WebSocket stream resumes from lastEventId (older events from the log) and ends cleanly", async () => {
  const runsDir = await Deno.makeTempDir();
  const clock = new GatedClock();
  const server = await startServer({
    port: 0,
    deps: { runsDir, clock, ringSize: 8 },
    log: () => {},
  });
  try {
    const res = await fetch(`${server.url}/api/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ scenario: "toy/matching", seed: 9, speed: 1 }),
    });
    const { id, log } = await res.json();
    await clock.release(30);
    await clock.settled();
    const wsUrl = `${server.url.replace("http", "ws")}/api/runs/${id}/ws?lastEventId=5`;
    const { got } = await connect(wsUrl);
    await until(() => got.messages.at(-1)?.seq === 32);
    await clock.release(3);
    await until(() => got.messages.at(-1)?.seq === 35);
    await fetch(`${server.url}/api/runs/${id}`, { method: "DELETE" }).then((r) => r.body?.cancel());
    const close = await got.closed;
    assert.equal(close.code, 1000);
    const end = got.messages.pop()!;
    assert.deepEqual(end, { type: "end", lastSeq: 36 }); // status + 34 ticks + status
    got.raw.pop();
    const lines = (await Deno.readTextFile(`${runsDir}/${log}`)).trimEnd().split("\n");
    assert.deepEqual(got.raw, lines.slice(5));
    assert.deepEqual(got.messages.map((m) => m.seq), Array.from({ length: 31 }, (_, i) => i + 6));
    assert.equal(server.app.metrics.streamsOpen, 0);
  } finally {
    await server.shutdown();
    await Deno.remove(runsDir, { recursive: true });
  }
});

Deno.test("WebSocket route: 426 without an upgrade, 404 for an unknown run", async () => {
  const runsDir = await Deno.makeTempDir();
  const app = createApp({ runsDir });
  try {
    const res = await app.request("http://localhost/api/runs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ scenario: "toy/matching", speed: "max", ticks: 1 }),
    });
    const { id } = await res.json();
    const plain = await app.request(`/api/runs/${id}/ws`);
    assert.equal(plain.status, 426);
    assert.equal(plain.headers.get("Upgrade"), "websocket");
    assert.match((await plain.json()).error, /speaks WebSocket/);
    assert.equal((await app.request("/api/runs/nope/ws")).status, 404);
  } finally {
    await app.close();
    await Deno.remove(runsDir, { recursive: true });
  }
});

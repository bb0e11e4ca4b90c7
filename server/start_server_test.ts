import assert from "node:assert/strict";
import { readSseUntil } from "./_test_util.ts";
import { startServer } from "./start_server.ts";

Deno.test("startServer serves over TCP; shutdown stops runs, ends streams and flushes logs", async () => {
  const runsDir = await Deno.makeTempDir();
  const lines: string[] = [];
  const server = await startServer({ port: 0, deps: { runsDir }, log: (l) => lines.push(l) });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(lines[0], /listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    const res = await fetch(`${server.url}/api/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ scenario: "toy/matching", speed: 50 }),
    });
    assert.equal(res.status, 201);
    const { id, log } = await res.json();
    const stream = await fetch(`${server.url}/api/runs/${id}/stream`);
    const reader = stream.body!.getReader();
    const state = { buffer: "" };
    const first = await readSseUntil(reader, (e) => e.length >= 3, state);
    assert.deepEqual(first.slice(0, 3).map((e) => e.id), [1, 2, 3]);
    await server.shutdown();
    // The open stream got the rest, the final status, and its end.
    const rest = await readSseUntil(reader, () => false, state);
    reader.releaseLock();
    assert.equal(rest.at(-1)!.event, "end");
    const final = JSON.parse(rest.at(-2)!.data);
    assert.equal(final.state, "stopped");
    const logLines = (await Deno.readTextFile(`${runsDir}/${log}`)).trimEnd().split("\n");
    assert.equal(JSON.parse(logLines.at(-1)!).state, "stopped");
    assert.equal(logLines.length, final.seq);
    await server.finished;
    await server.shutdown(); // idempotent
  } finally {
    await server.shutdown();
    await Deno.remove(runsDir, { recursive: true });
  }
});

Deno.test("startServer refuses a non-loopback bind without a token, and bad ports", async () => {
  await assert.rejects(
    () => startServer({ host: "0.0.0.0", port: 0 }),
    /Cannot serve on "0\.0\.0\.0" without a bearer token/,
  );
  await assert.rejects(
    () => startServer({ port: 70000 }),
    /port must be an integer in \[0, 65535\]/,
  );
});

Deno.test("startServer with a token on a non-loopback address guards control endpoints", async () => {
  const runsDir = await Deno.makeTempDir();
  const server = await startServer({
    host: "0.0.0.0",
    port: 0,
    token: "tok-0123456789abcdef",
    deps: { runsDir },
    log: () => {},
  });
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const body = JSON.stringify({ scenario: "toy/matching", speed: "max", ticks: 3 });
    const headers = { "Content-Type": "application/json" };
    const denied = await fetch(`${base}/api/runs`, { method: "POST", headers, body });
    assert.equal(denied.status, 401);
    await denied.body?.cancel();
    const ok = await fetch(`${base}/api/runs`, {
      method: "POST",
      headers: { ...headers, Authorization: "Bearer tok-0123456789abcdef" },
      body,
    });
    assert.equal(ok.status, 201);
    await ok.body?.cancel();
  } finally {
    await server.shutdown();
    await Deno.remove(runsDir, { recursive: true });
  }
});

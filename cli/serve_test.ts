import assert from "node:assert/strict";
import { parseServeArgs } from "./serve.ts";

Deno.test("parseServeArgs: defaults, flags, FLEETKD_TOKEN, clear errors", () => {
  assert.deepEqual(parseServeArgs([], {}), {
    port: 8787,
    host: "127.0.0.1",
    token: undefined,
    deps: {},
  });
  const o = parseServeArgs(
    ["--port", "0", "--host", "::1", "--runs-dir", "/tmp/r", "--max-runs", "2"],
    { FLEETKD_TOKEN: "env-tok" },
  );
  assert.deepEqual(o, {
    port: 0,
    host: "::1",
    token: "env-tok",
    deps: { runsDir: "/tmp/r", maxConcurrentRuns: 2 },
  });
  assert.equal(parseServeArgs(["--token", "flag"], { FLEETKD_TOKEN: "env" })?.token, "flag");
  assert.equal(parseServeArgs(["--help"], {}), undefined);
  assert.throws(
    () => parseServeArgs(["--port", "http"], {}),
    /--port must be an integer in \[0, 65535\], got "http"/,
  );
  assert.throws(() => parseServeArgs(["--colour"], {}), /Unknown option '--colour'/);
  assert.throws(() => parseServeArgs(["extra"], {}), /unexpected argument "extra"/);
});

function spawnServe(args: string[], env: Record<string, string> = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./serve.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).spawn();
}

Deno.test("deno task serve: bad flags and an open bind exit 2 with a clear message", async () => {
  for (
    const [args, message] of [
      [["--bogus"], /serve: Unknown option '--bogus'/],
      [
        ["--host", "0.0.0.0", "--port", "0"],
        /serve: Cannot serve on "0\.0\.0\.0" without a bearer token/,
      ],
    ] as const
  ) {
    const child = spawnServe([...args]);
    const out = await child.output();
    assert.equal(out.code, 2, new TextDecoder().decode(out.stderr));
    assert.match(new TextDecoder().decode(out.stderr), message);
  }
});

Deno.test("deno task serve: SIGTERM stops runs, flushes logs, exits 0", async () => {
  const runsDir = await Deno.makeTempDir();
  const child = spawnServe(["--port", "0", "--runs-dir", runsDir]);
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let text = "";
    while (!/listening on (http:\/\/\S+)/.test(text)) {
      const { value, done } = await stderr.read();
      if (done) throw new Error(`serve exited early: ${text}`);
      text += value;
    }
    const url = /listening on (http:\/\/\S+)/.exec(text)![1];
    const res = await fetch(`${url}/api/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ scenario: "toy/matching", speed: 100 }),
    });
    const { id } = await res.json();
    for (let i = 0; i < 500; i++) {
      const status = await (await fetch(`${url}/api/runs/${id}`)).json();
      if (status.tick >= 3) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGTERM");
    const { code } = await child.status;
    assert.equal(code, 0);
    const lines = (await Deno.readTextFile(`${runsDir}/${id}.ndjson`)).trimEnd().split("\n");
    assert.equal(JSON.parse(lines.at(-1)!).state, "stopped");
    assert.deepEqual(lines.map((l) => JSON.parse(l).seq), lines.map((_, i) => i + 1));
  } finally {
    await stderr.cancel();
    await child.stdout.cancel();
    try {
      child.kill();
    } catch { /* already exited */ }
    await Deno.remove(runsDir, { recursive: true });
  }
});

Deno.test("parseServeArgs: the limit flags reach the server's deps, with clear errors", () => {
  const o = parseServeArgs([
    "--allow-host",
    "fleet.lan,10.0.0.5",
    "--max-run-ticks",
    "500",
    "--max-run-seconds",
    "90",
    "--max-run-log-bytes",
    "64m",
    "--retain-bytes",
    "1g",
    "--max-streams-per-client",
    "300",
    "--header-timeout-seconds",
    "2.5",
  ], {});
  assert.deepEqual(o?.deps, {
    allowedHosts: ["fleet.lan", "10.0.0.5"],
    maxRunTicks: 500,
    maxRunWallMs: 90_000,
    maxRunLogBytes: 64 * 2 ** 20,
    retainedLogBytes: 2 ** 30,
    maxStreamsPerClient: 300,
  });
  assert.equal(o?.headerTimeoutMs, 2500);
  assert.throws(
    () => parseServeArgs(["--retain-bytes", "lots"], {}),
    /--retain-bytes must be a byte count >= 1 .*got "lots"/,
  );
  assert.throws(
    () => parseServeArgs(["--allow-host", "evil:80"], {}),
    /--allow-host must be a host name or address without a port, got "evil:80"/,
  );
  assert.throws(
    () => parseServeArgs(["--slow-consumer-seconds", "0"], {}),
    /--slow-consumer-seconds must be a number of seconds/,
  );
});

// deno task sweep / worker: bad input exits 2, an unreachable Redis exits 1, each with one clear
// message and no stack trace, before any job runs.
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;

async function cli(task: string, args: string[]): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `cli/${task}.ts`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

function expectError(
  run: { code: number; stderr: string },
  code: 1 | 2,
  task: string,
  message: RegExp,
) {
  const context = `exit ${run.code}\n${run.stderr}`;
  assert.equal(run.code, code, context);
  assert.match(run.stderr, new RegExp(`^${task}: `, "m"), context);
  assert.match(run.stderr, message, context);
  assert.doesNotMatch(run.stderr, /^\s+at /m, `stack trace printed:\n${context}`);
}

Deno.test("sweep and worker CLIs: bad plans, flags and URLs exit 2; an unreachable Redis exits 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const plan = `${dir}/plan.json`;
    await Deno.writeTextFile(
      plan,
      JSON.stringify({
        name: "x",
        scenarios: ["toy/matching"],
        seeds: [1, 1],
        budgets: [{ name: "b", teacherSteps: 64, studentSteps: 64, episodes: 1 }],
      }),
    );
    const good = `${dir}/good.json`;
    await Deno.writeTextFile(
      good,
      JSON.stringify({
        name: "x",
        scenarios: ["toy/matching"],
        seeds: [1],
        budgets: [{ name: "b", teacherSteps: 64, studentSteps: 64, episodes: 1 }],
      }),
    );
    const closed = (() => {
      const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (l.addr as Deno.NetAddr).port;
      l.close();
      return port;
    })();
    const runs = await Promise.all([
      cli("sweep", ["--plan", plan, "--out", dir]),
      cli("sweep", []),
      cli("sweep", ["--plan", good, "--redis", "http://127.0.0.1:6379"]),
      cli("sweep", ["--plan", good, "--workers", "0"]),
      cli("sweep", [
        "--plan",
        good,
        "--out",
        dir,
        "--redis",
        `redis://u:secret@127.0.0.1:${closed}`,
      ]),
      cli("worker", []),
      cli("worker", ["--redis", `redis://127.0.0.1:${closed}`, "--concurrency", "1", "--out", dir]),
    ]);
    expectError(
      runs[0],
      2,
      "sweep",
      /Cannot load plan ".*plan\.json": field "seeds\[1\]" repeats 1/,
    );
    expectError(runs[1], 2, "sweep", /flag --plan is required/);
    expectError(runs[2], 2, "sweep", /flag --redis must use redis:\/\/ or rediss:\/\//);
    expectError(runs[3], 2, "sweep", /flag --workers must be an integer in \[1, 1024\], got "0"/);
    expectError(runs[4], 1, "sweep", /Cannot reach Redis at redis:\/\/u:\*\*\*@127\.0\.0\.1:\d+/);
    assert.doesNotMatch(runs[4].stderr, /secret/);
    expectError(runs[5], 2, "worker", /flag --redis is required/);
    expectError(
      runs[6],
      1,
      "worker",
      /Cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(--redis\): .*ECONNREFUSED/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;

async function exportCli(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/export.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("deno task export: bad flags, models and toolchains are one-line errors without a stack", async () => {
  const cases: [string[], Record<string, string>, number, RegExp][] = [
    [
      ["--scenario", "3m", "--target", "host,riscv"],
      {},
      2,
      /flag --target: unknown target "riscv"; targets are host, cortex-m4, wasm/,
    ],
    [["--scenario", "nope"], {}, 2, /flag --scenario: unknown scenario "nope"/],
    [["--scenario", "matching"], {}, 2, /"toy\/matching": field "models" is not given/],
    [
      ["--scenario", "3m", "--models", "/nonexistent/set"],
      {},
      2,
      /Cannot load policy set: "\/nonexistent\/set\/manifest.json": does not exist/,
    ],
    [
      ["--scenario", "3m", "--target", "cortex-m4"],
      { PATH: "/nonexistent" },
      1,
      /Cannot build target "cortex-m4": tool "arm-none-eabi-gcc" is not on PATH/,
    ],
  ];
  for (const [args, env, code, message] of cases) {
    const run = await exportCli(args, env);
    assert.equal(run.code, code, run.stderr);
    assert.match(run.stderr, /^export: /m, run.stderr);
    assert.match(run.stderr, message, run.stderr);
    assert.doesNotMatch(run.stderr, /^\s+at /m, run.stderr);
  }
});

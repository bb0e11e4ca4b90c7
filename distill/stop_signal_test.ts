/**
 * StopSignal is exercised in child processes that signal themselves, so a signal never reaches the test
 * runner (and a listener that failed to go away kills the child, not the suite).
 */
import assert from "node:assert/strict";

const moduleUrl = new URL("./stop_signal.ts", import.meta.url).href;

/** Runs `body` (with `StopSignal`, `kill(sig)` and `waitFor(s)` in scope) in a child Deno process. */
async function child(
  body: string,
): Promise<{ out: string; code: number; signal: Deno.Signal | null }> {
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/child.ts`;
    await Deno.writeTextFile(
      script,
      `import { StopSignal } from ${JSON.stringify(moduleUrl)};
const kill = (sig: Deno.Signal) => Deno.kill(Deno.pid, sig);
// Delivery is asynchronous: yield to the event loop until the flag is seen (bounded, no clock involved).
const waitFor = async (s: StopSignal) => {
  for (let i = 0; i < 1000 && !s.requested; i++) await new Promise((r) => setTimeout(r, 5));
  return s.requested;
};
${body}
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-lock", "--allow-run", "--allow-read", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      out: new TextDecoder().decode(out.stdout).trim(),
      code: out.code,
      signal: out.signal,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const unix = Deno.build.os !== "windows";

Deno.test({
  name: "StopSignal: SIGINT and SIGTERM set `requested` instead of killing the process",
  ignore: !unix,
  fn: async () => {
    for (const sig of ["SIGINT", "SIGTERM"]) {
      const r = await child(`
const stop = new StopSignal();
console.log(stop.requested);
kill(${JSON.stringify(sig)});
console.log(await waitFor(stop));
stop.dispose();
`);
      assert.deepEqual([r.out, r.code, r.signal], ["false\ntrue", 0, null], sig);
    }
  },
});

Deno.test({
  name: "StopSignal: after dispose the signal takes its default effect again",
  ignore: !unix,
  fn: async () => {
    const r = await child(`
const stop = new StopSignal();
stop.dispose();
kill("SIGTERM");
await new Promise((r) => setTimeout(r, 2000));
console.log("survived");
`);
    assert.equal(r.signal, "SIGTERM");
    assert.equal(r.out, "");
  },
});

Deno.test({
  name: "StopSignal: listeners are per instance; disposing one leaves the other listening",
  ignore: !unix,
  fn: async () => {
    const r = await child(`
const a = new StopSignal(), b = new StopSignal();
a.dispose();
kill("SIGINT");
console.log(await waitFor(b), a.requested);
b.dispose();
`);
    assert.deepEqual([r.out, r.code], ["true false", 0]);
  },
});

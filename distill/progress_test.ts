/** Progress draws on the process's stderr, so each case runs in a child process with stderr piped. */
import assert from "node:assert/strict";
import { Progress } from "./progress.ts";

const moduleUrl = new URL("./progress.ts", import.meta.url).href;
const config = new URL("../deno.json", import.meta.url).pathname;

/** Stderr of a child Deno process running `body` with `Progress` in scope (stderr is not a terminal). */
async function stderrOf(body: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/child.ts`;
    await Deno.writeTextFile(
      script,
      `import { Progress } from ${JSON.stringify(moduleUrl)};\n${body}\n`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--allow-read", "--allow-env", "--config", config, script],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("Progress: off a terminal, plain lines with count, unit, rate and figures at 4 significant digits", async () => {
  const err = await stderrOf(`
const p = new Progress("train", 1000, "steps");
p.update(400, { return: -20.5 });
p.update(1000, { return: -20.5, acc: 0.123456, loss: NaN, phase: "warm", big: 123456789 });
p.stop();
console.error("STOPPED");
p.stop(); // a second stop prints nothing
p.update(5, { x: 1 }); // nor does an update after stop
`);
  const [before, after] = err.split("STOPPED\n");
  assert.equal(after, "", "nothing after stop");
  const lines = before.split("\n").filter((l) => l !== "");
  // The start line first and the final state last (a loaded machine may add lines from the 5 s schedule).
  assert.match(lines[0], /^train \|.*\| 0% 0\/1000 steps \| 0 steps\/s \| {2}\| ETA /);
  const last = lines.at(-1)!;
  assert.match(last, /^train \|.*\| 100% 1000\/1000 steps \| \d+ steps\/s \| /);
  assert.ok(
    last.includes("| return -20.5 | acc 0.1235 | loss - | phase warm | big 123500000 | ETA"),
    last,
  );
  assert.ok(!err.includes("\x1b["), "no terminal escapes when stderr is not a terminal");
});

Deno.test("Progress: quiet prints nothing", async () => {
  const err = await stderrOf(`
const p = new Progress("distill", 10, "episodes", true);
p.update(5, { kl: 0.5 });
p.stop();
`);
  assert.equal(err, "");
});

Deno.test("Progress: reports its unit", () => {
  const p = new Progress("bench", 3, "runs", true);
  assert.equal(p.unit, "runs");
  p.stop();
});

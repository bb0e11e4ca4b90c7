import assert from "node:assert/strict";
import { codeVersion, provenance } from "./provenance.ts";

/** Runs git in `cwd` with a fixed identity and no user or system config. */
async function git(cwd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", {
    args: ["-c", "user.name=fleetkd test", "-c", "user.email=test@example.invalid", ...args],
    cwd,
    env: { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", HOME: cwd },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

/**
 * `codeVersion()` with the process's working directory set to `dir`, and git kept from looking above it
 * (so a temporary folder inside some other checkout still counts as outside a repository).
 */
async function versionIn(dir: string): Promise<string> {
  const here = Deno.cwd();
  const ceiling = Deno.env.get("GIT_CEILING_DIRECTORIES");
  Deno.chdir(dir);
  Deno.env.set("GIT_CEILING_DIRECTORIES", dir.slice(0, dir.lastIndexOf("/")) || "/");
  try {
    return await codeVersion();
  } finally {
    Deno.chdir(here);
    if (ceiling === undefined) Deno.env.delete("GIT_CEILING_DIRECTORIES");
    else Deno.env.set("GIT_CEILING_DIRECTORIES", ceiling);
  }
}

Deno.test("codeVersion: the HEAD commit, -dirty with tracked changes, unknown outside a repository", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    assert.equal(await versionIn(dir), "unknown", "not a git work tree");
    await git(dir, "init", "-q");
    assert.equal(await versionIn(dir), "unknown", "a repository without commits");
    await Deno.writeTextFile(`${dir}/a.txt`, "one\n");
    await git(dir, "add", "a.txt");
    await git(dir, "commit", "-q", "-m", "first");
    const head = await git(dir, "rev-parse", "HEAD");
    assert.match(head, /^[0-9a-f]{40}$/);
    assert.equal(await versionIn(dir), head);
    // Untracked files (run outputs, say) do not make the tree dirty; edits to tracked files do.
    await Deno.writeTextFile(`${dir}/untracked.log`, "x\n");
    assert.equal(await versionIn(dir), head);
    await Deno.writeTextFile(`${dir}/a.txt`, "two\n");
    assert.equal(await versionIn(dir), `${head}-dirty`);
    await git(dir, "commit", "-q", "-am", "second");
    const next = await git(dir, "rev-parse", "HEAD");
    assert.notEqual(next, head);
    assert.equal(await versionIn(dir), next);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("provenance: the given fields, a round-tripping ISO date, the code and Deno versions", async () => {
  const p = await provenance({ command: "train toy/matching --steps 64", seed: 3, steps: 64 });
  assert.deepEqual(Object.keys(p).sort(), [
    "codeVersion",
    "command",
    "date",
    "deno",
    "seed",
    "steps",
  ]);
  assert.equal(p.command, "train toy/matching --steps 64");
  assert.equal(p.seed, 3);
  assert.equal(p.steps, 64);
  assert.equal(new Date(p.date).toISOString(), p.date);
  assert.equal(p.deno, Deno.version.deno);
  assert.equal(p.codeVersion, await codeVersion());
  assert.ok("warmStart" in await provenance({ command: "c", seed: 1, steps: 1, warmStart: "off" }));
  const undef = await provenance({ command: "c", seed: 1, steps: 1, warmStart: undefined });
  assert.ok(!("warmStart" in undef), "an undefined warm start is left out, not written as a key");
});

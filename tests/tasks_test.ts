/**
 * `deno.json` tasks: each is Deno 2's object form with a description and a command, each is named in the
 * README's Tasks table, and only the tasks that spawn unsandboxed children or tools keep `-A` (the
 * others name the permissions they need, which the README lists).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");

interface Task {
  description: string;
  command: string;
}

function tasks(): Record<string, Task> {
  return JSON.parse(Deno.readTextFileSync(`${root}/deno.json`)).tasks;
}

/** Tasks that run child processes with all permissions, or tools found on PATH, so `-A` is honest. */
const ALL_PERMISSIONS = new Set(["test", "bench", "train-all", "sweep", "worker", "export"]);

Deno.test("deno.json: every task has a description and a command", () => {
  const all = tasks();
  assert.ok(Object.keys(all).length > 0);
  for (const [name, task] of Object.entries(all)) {
    assert.equal(typeof task, "object", `task "${name}" must be { description, command }`);
    assert.ok(task.description.trim().length >= 20, `task "${name}": description too short`);
    assert.match(task.command, /^deno (run|test) /, `task "${name}": command`);
  }
});

Deno.test("deno.json: -A only where a task spawns unsandboxed children or tools", () => {
  for (const [name, task] of Object.entries(tasks())) {
    const hasAll = /(^| )(-A|--allow-all)( |$)/.test(task.command);
    assert.equal(hasAll, ALL_PERMISSIONS.has(name), `task "${name}": ${task.command}`);
    if (!hasAll) {
      // An unscoped --allow-run would grant everything through a child process.
      assert.doesNotMatch(task.command, /--allow-run( |$)/, `task "${name}": unscoped --allow-run`);
      assert.doesNotMatch(
        task.command,
        /(^| )(-E|--allow-env)( |$)/,
        `task "${name}": unscoped env`,
      );
    }
  }
});

Deno.test("README: the Tasks table names every deno.json task and its permissions", () => {
  const readme = Deno.readTextFileSync(`${root}/README.md`);
  const at = readme.indexOf("## Tasks");
  assert.ok(at >= 0, "README has a ## Tasks section");
  const section = readme.slice(at, readme.indexOf("\n## ", at + 1));
  for (const [name, task] of Object.entries(tasks())) {
    assert.ok(
      new RegExp(`(deno task ${name}\\b|\`${name}\`)`).test(section),
      `README ## Tasks does not name "${name}"`,
    );
    const flags = task.command.split(" ").filter((w) => /^(-[ARWNE]$|--allow-)/.test(w)).join(" ");
    assert.ok(section.includes(flags), `README ## Tasks does not show ${name}'s "${flags}"`);
  }
});

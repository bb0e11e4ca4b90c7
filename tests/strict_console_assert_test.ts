import assert from "node:assert/strict";
import "./strict_console_assert.ts";

Deno.test("strict console.assert: a failed check throws with its message, a passing one does not", () => {
  console.assert(1 + 1 === 2, "never shown");
  assert.throws(() => console.assert(false, "one is", 2), /Assertion failed: one is 2/);
  assert.throws(() => console.assert(false), /^Error: Assertion failed$/);
});

Deno.test("strict console.assert: deno task test preloads it, so doc examples fail on a failed check", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.ok(config.tasks.test.command.includes("--preload tests/strict_console_assert.ts"));
});

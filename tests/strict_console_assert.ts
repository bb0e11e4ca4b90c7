/**
 * Preloaded by `deno task test`: makes `console.assert` throw, so the JSDoc and README examples run by
 * `deno test --doc` fail when their checks fail. The built-in `console.assert` only prints "Assertion
 * failed" and the example passes: six examples passed that way with wrong checks before this file.
 *
 * @module
 */

console.assert = (condition?: boolean, ...data: unknown[]): void => {
  if (condition) return;
  const detail = data.map((d) => (typeof d === "string" ? d : Deno.inspect(d))).join(" ");
  throw new Error(detail ? `Assertion failed: ${detail}` : "Assertion failed");
};

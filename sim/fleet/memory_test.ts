import assert from "node:assert/strict";
import { ArrayRegistry } from "./memory.ts";

class Part {
  readonly x = new Float32Array(5);
  grown = new Int32Array(2);
  readonly #hidden = new Float64Array(100); // private fields are the owner's own business
  count = 3;
  get hiddenLength(): number {
    return this.#hidden.length;
  }
}

Deno.test("ArrayRegistry counts the current typed arrays of its owners, each once", () => {
  const reg = new ArrayRegistry();
  assert.equal(reg.bytes(), 0);
  const p = new Part();
  reg.add(p);
  reg.add(p); // registering twice changes nothing
  assert.equal(reg.bytes(), 5 * 4 + 2 * 4);
  p.grown = new Int32Array(10);
  assert.equal(reg.bytes(), 5 * 4 + 10 * 4);
  const view = {
    alias: p.x,
    extra: new Uint8Array(3),
    names: ["a"],
    nested: { y: new Float64Array(9) },
  };
  reg.add(view);
  assert.equal(reg.bytes(), 5 * 4 + 10 * 4 + 3, "aliases counted once, nested objects not walked");
  assert.deepEqual(reg.arrays().map((a) => a.constructor.name), [
    "Float32Array",
    "Int32Array",
    "Uint8Array",
  ]);
});

import assert from "node:assert/strict";
import { buildSgp4Wasm, clangVersion, embedModule } from "./build.ts";
import { SGP4_WASM_BASE64, SGP4_WASM_CLANG } from "./sgp4_wasm.ts";

const committed = await Deno.readFile(new URL("./sgp4.wasm", import.meta.url));

Deno.test("sgp4_wasm.ts embeds exactly the committed sgp4.wasm", async () => {
  const bin = atob(SGP4_WASM_BASE64);
  assert.equal(bin.length, committed.length);
  for (let i = 0; i < bin.length; i++) assert.equal(bin.charCodeAt(i), committed[i], `byte ${i}`);
  const text = await Deno.readTextFile(new URL("./sgp4_wasm.ts", import.meta.url));
  assert.equal(text, embedModule(committed, SGP4_WASM_CLANG));
});

const clang = await clangVersion();
const reason = clang === null
  ? "clang not installed"
  : clang !== SGP4_WASM_CLANG
  ? `clang is "${clang}", the committed build used "${SGP4_WASM_CLANG}"`
  : null;
if (reason !== null) console.error(`simd/build_test: rebuild comparison skipped: ${reason}`);

Deno.test({
  name: "the committed sgp4.wasm is the build of sgp4.c",
  ignore: reason !== null,
  fn: async () => {
    const { wasm } = await buildSgp4Wasm();
    assert.equal(wasm.length, committed.length, "size differs: run deno task build-wasm");
    assert.ok(wasm.every((b, i) => b === committed[i]), "bytes differ: run deno task build-wasm");
  },
});

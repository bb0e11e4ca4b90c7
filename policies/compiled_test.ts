import assert from "node:assert/strict";
import { CompiledActor, EXPORT_FORMAT, loadCompiledPolicySet } from "./compiled.ts";

const spec = {
  obsSize: 2,
  agentIdSize: 0,
  numActions: 2,
  hiddenSizes: [],
  activation: "relu" as const,
  kind: "mlp" as const,
};

Deno.test("CompiledActor.load: bytes that are not WebAssembly name the module", async () => {
  await assert.rejects(
    CompiledActor.load(new Uint8Array([1, 2, 3, 4]), spec, { label: '"x.wasm"' }),
    /Cannot load "x.wasm": not a loadable WebAssembly module/,
  );
});

Deno.test("CompiledActor.load: a module without the export API is refused", async () => {
  // The smallest valid module: magic + version, no exports.
  const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  await assert.rejects(CompiledActor.load(empty, spec), /it exports no "memory"/);
});

Deno.test("loadCompiledPolicySet: a folder exported without wasm names the field", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/manifest.json`,
      JSON.stringify({ format: EXPORT_FORMAT, version: 1, classes: [{ name: "a", spec }] }),
    );
    await assert.rejects(
      loadCompiledPolicySet(dir),
      /manifest.json": field "classes\[0\]\.wasm" is missing \(export with --target wasm\)/,
    );
    await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify({ format: "other" }));
    await assert.rejects(loadCompiledPolicySet(dir), /field "format" is invalid/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

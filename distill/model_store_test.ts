import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { modelDigest } from "./model_store.ts";

const SHIPPED_TEACHER =
  new URL("../scenarios/leo-wildfire/models/teacher", import.meta.url).pathname;

Deno.test("modelDigest: a copy digests alike whatever else its folder holds; one changed weight does not", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const original = await modelDigest(SHIPPED_TEACHER);
    assert.match(original, /^[0-9a-f]{64}$/);
    await cp(SHIPPED_TEACHER, `${dir}/copy`, { recursive: true });
    await Deno.writeTextFile(`${dir}/copy/notes.txt`, "installed by hand");
    await Deno.writeTextFile(`${dir}/copy/manifest.json`, "{}");
    assert.equal(await modelDigest(`${dir}/copy`), original);
    const weights = `${dir}/copy/mcu-sensor/weights.bin`;
    const bytes = await Deno.readFile(weights);
    bytes[bytes.length - 1] ^= 1;
    await Deno.writeFile(weights, bytes);
    assert.notEqual(await modelDigest(`${dir}/copy`), original);
    await Deno.mkdir(`${dir}/empty`);
    await assert.rejects(
      () => modelDigest(`${dir}/empty`),
      /Cannot digest model ".*empty": it holds no model\.json or weights\.bin/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

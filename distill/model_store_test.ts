import assert from "node:assert/strict";
import { modelDigest } from "./model_store.ts";

const SHIPPED_TEACHER =
  new URL("../scenarios/leo-wildfire/models/teacher", import.meta.url).pathname;

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyTree(`${from}/${e.name}`, `${to}/${e.name}`);
    else await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

Deno.test("modelDigest: a copy digests alike whatever else its folder holds; one changed weight does not", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const original = await modelDigest(SHIPPED_TEACHER);
    assert.match(original, /^[0-9a-f]{64}$/);
    await copyTree(SHIPPED_TEACHER, `${dir}/copy`);
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

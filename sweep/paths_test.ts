import assert from "node:assert/strict";
import { confinedPath, isConfined, PathOutsideError } from "./paths.ts";

Deno.test("confinedPath: relative paths stay inside; absolute, climbing and linked-out paths are refused", async () => {
  const root = Deno.realPathSync(await Deno.makeTempDir());
  const outside = await Deno.makeTempDir();
  try {
    assert.equal(confinedPath(root, "a/./b/../c"), `${root}/a/c`);
    for (const bad of ["/etc/passwd", "..", "../x", "a/../../x", ""]) {
      assert.throws(() => confinedPath(root, bad), PathOutsideError, bad);
    }
    await Deno.symlink(outside, `${root}/link`);
    assert.throws(
      () => confinedPath(root, "link/model"),
      (e: Error) => e instanceof PathOutsideError && /through a link/.test(e.message),
    );
    assert.ok(isConfined("a/b") && !isConfined("a/../../b") && !isConfined("/a"));
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

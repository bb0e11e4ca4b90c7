import assert from "node:assert/strict";
import { NativeHeapTrimmer, trimNativeHeap } from "./native_heap.ts";

Deno.test("native heap: trims once the count fell by `drop` from its peak since the last trim", () => {
  let open = 0;
  let trims = 0;
  let now = 0;
  const t = new NativeHeapTrimmer(() => open, {
    drop: 64,
    minGapMs: 5000,
    now: () => now,
    trim: () => (trims++, true),
  });
  for (const n of [10, 500, 2000, 1990, 1937]) {
    open = n;
    assert.equal(t.check(), false, `at ${n}`);
  }
  open = 1936; // 64 below the peak of 2000
  assert.equal(t.check(), true);
  open = 1900; // the peak is now 1936: only 36 below
  assert.equal(t.check(), false);
  open = 1;
  assert.equal(t.check(), false, "within 5 s of the last trim");
  now = 5000;
  assert.equal(t.check(), true, "the fall is still counted from the peak");
  assert.equal(trims, 2);
  // Two follow-up trims, one per gap, while the count does not rise; then none.
  now = 7000;
  assert.equal(t.check(), false, "within the gap");
  now = 10_000;
  assert.equal(t.check(), true);
  now = 15_000;
  assert.equal(t.check(), true);
  now = 20_000;
  assert.equal(t.check(), false);
  assert.equal(t.trims, 4);
  // A rise cancels pending follow-ups: after a fall and its trim, a rise means no more trims.
  open = 200;
  t.check();
  open = 100;
  now = 30_000;
  assert.equal(t.check(), true, "100 below the peak of 200");
  open = 150;
  now = 35_000;
  assert.equal(t.check(), false, "the count rose: no follow-up");
  assert.equal(t.trims, 5);
  // Without a usable trim nothing is counted.
  const none = new NativeHeapTrimmer(() => open, { drop: 1, trim: () => false });
  open = 5;
  none.check();
  open = 0;
  assert.equal(none.check(), false);
  assert.equal(none.trims, 0);
});

Deno.test("native heap: malloc_trim runs where glibc and the FFI permission are (tests run with -A)", () => {
  const glibc = Deno.build.os === "linux" &&
    ["/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6"].some((p) => {
      try {
        return Deno.statSync(p).isFile;
      } catch {
        return false;
      }
    });
  assert.equal(trimNativeHeap(), glibc);
});

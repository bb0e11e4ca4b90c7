import assert from "node:assert/strict";
import { SendBudget } from "./send_budget.ts";

const KiB = 1024;

Deno.test("send budget: each stream's cap is its share of the budget, within its buffer and the floor", () => {
  const budget = new SendBudget(64 * KiB, 16 * KiB, 0);
  const a = budget.register(256 * KiB, () => {});
  assert.equal(a.cap, 64 * KiB);
  const b = budget.register(8 * KiB, () => {});
  assert.equal(a.cap, 32 * KiB);
  assert.equal(b.cap, 8 * KiB, "never more than the stream's own buffer");
  assert.equal(a.capFor(16 * KiB), 16 * KiB);
  assert.equal(a.capFor(1024 * KiB), 32 * KiB, "a wider window is still bounded by the share");
  const more = Array.from({ length: 8 }, () => budget.register(256 * KiB, () => {}));
  assert.equal(a.cap, 16 * KiB, "never below the floor");
  for (const s of [a, b, ...more]) s.release();
  assert.equal(budget.streams, 0);
});

Deno.test("send budget: past the budget the streams stalled longest are cut first; draining ones never", () => {
  const budget = new SendBudget(100, 10, 0);
  const cut: string[] = [];
  const slots = Object.fromEntries(
    ["a", "b", "c", "d"].map((name) => [name, budget.register(1000, () => cut.push(name))]),
  );
  slots.c.hold(30, true); // c stalls first
  slots.a.hold(30, true); // then a
  slots.b.hold(30, false); // b drains
  assert.deepEqual(cut, []);
  assert.equal(budget.heldBytes, 90);
  assert.equal(budget.stalled, 2);
  slots.d.hold(50, false); // 140 > 100: c (stalled longest) goes; 110 > 100: then a
  assert.deepEqual(cut, ["c", "a"]);
  assert.equal(budget.heldBytes, 80);
  assert.equal(budget.cuts, 2);
  assert.ok(slots.c.released && slots.a.released && !slots.b.released);
  // A cut slot's later reports change nothing; releasing it again is harmless.
  slots.c.hold(500, true);
  slots.c.release();
  assert.equal(budget.heldBytes, 80);
  // Over the budget with no stalled stream: nobody is cut (the draining ones are taking their bytes).
  slots.b.hold(60, false);
  assert.equal(budget.heldBytes, 110);
  assert.deepEqual(cut, ["c", "a"]);
  // d stalls while the total is over the budget: it is the only stalled stream, so it goes at once.
  slots.d.hold(50, true);
  slots.b.hold(60, true);
  assert.deepEqual(cut, ["c", "a", "d"]);
  assert.equal(budget.heldBytes, 60);
});

Deno.test("send budget: released streams give every byte back (the accounting returns to zero)", () => {
  const budget = new SendBudget(1 << 20, 16 * KiB, 0);
  const slots = Array.from({ length: 100 }, () => budget.register(64 * KiB, () => {}));
  slots.forEach((s, i) => s.hold(i * 100, i % 3 === 0));
  slots.forEach((s, i) => s.hold(i * 50, i % 2 === 0));
  assert.equal(budget.heldBytes, slots.reduce((sum, s) => sum + s.held, 0));
  for (const s of slots) s.release();
  assert.equal(budget.heldBytes, 0);
  assert.equal(budget.stalled, 0);
  assert.equal(budget.streams, 0);
});

Deno.test("send budget: a budget or floor that is not positive is refused, naming both", () => {
  assert.throws(
    () => new SendBudget(0),
    /budgetBytes and minCapBytes must be > 0 and stalledOverheadBytes >= 0, got 0, 16384 and 98304/,
  );
  assert.throws(() => new SendBudget(10, -1), /got 10, -1 and 98304/);
});

Deno.test("send budget: each stalled stream is charged its connection overhead, so only so many stay", () => {
  const budget = new SendBudget(10 * 80 * KiB, 16 * KiB, 64 * KiB);
  const lone = budget.register(1024 * KiB, () => {});
  assert.equal(lone.cap, 800 * KiB - 64 * KiB, "a lone stream's share pays for its overhead first");
  lone.release();
  const cut: number[] = [];
  const slots = Array.from({ length: 40 }, (_, i) => budget.register(256 * KiB, () => cut.push(i)));
  assert.equal(slots[0].cap, 16 * KiB, "the floor");
  for (const s of slots) s.hold(s.cap, true);
  // 40 stalled at 16 + 64 KiB each is 3,200 KiB: the 30 stalled longest go, 10 x 80 KiB fit.
  assert.deepEqual(cut, Array.from({ length: 30 }, (_, i) => i));
  assert.equal(budget.stalled, 10);
  assert.equal(budget.chargedBytes, 800 * KiB);
  assert.equal(budget.heldBytes, 160 * KiB);
  for (const s of slots) s.release();
  assert.equal(budget.chargedBytes, 0);
});

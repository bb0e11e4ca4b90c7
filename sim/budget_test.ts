import assert from "node:assert/strict";
import { type PlatformBudget, resolveBudget, validateBudget } from "./budget.ts";

const m4f: PlatformBudget = {
  flopsPerSecond: 3e7,
  paramMemoryBytes: 65536,
  deadlineShare: 1e-4,
  overheadMs: 0.05,
  activePowerW: 0.024,
  wakeEnergyJ: 1.2e-6,
  latencySigma: 0.02,
};

Deno.test("resolveBudget: the deadline is the share of the decision period", () => {
  const b = resolveBudget(m4f, 30_000, "mcu-sensor", 30);
  assert.ok(Math.abs(b.deadlineMs - 3) < 1e-12);
  assert.equal(b.energyStoreJ, 30);
  assert.equal("deadlineShare" in b, false);
  assert.equal(resolveBudget({ ...m4f, deadlineShare: 1 }, 357, "x").deadlineMs, 357);
});

Deno.test("resolveBudget / validateBudget: bad figures name the budget, the field and the value", () => {
  assert.throws(
    () => resolveBudget({ ...m4f, deadlineShare: 1.5 }, 100, "mcu"),
    /budget "mcu": field "deadlineShare" must be in \(0, 1\], got 1.5/,
  );
  assert.throws(
    () => resolveBudget(m4f, 0, "mcu"),
    /budget "mcu": the decision period must be > 0 ms to resolve a deadline, got 0/,
  );
  assert.throws(
    () => resolveBudget({ ...m4f, activePowerW: -1 }, 100, "mcu"),
    /budget "mcu": field "activePowerW" must be >= 0, got -1/,
  );
  assert.throws(
    () => validateBudget({ ...resolveBudget(m4f, 100, "mcu"), latencySigma: NaN }, "mcu"),
    /field "latencySigma" must be >= 0, got NaN/,
  );
  assert.throws(
    () => validateBudget({ ...resolveBudget(m4f, 100, "mcu"), energyStoreJ: 0 }, "mcu"),
    /field "energyStoreJ" must be > 0, got 0/,
  );
});

import assert from "node:assert/strict";
import { deriveSeed, Rng } from "./rng.ts";

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

Deno.test("Rng: same seed and path give the same sequence", () => {
  assert.deepEqual(draws(new Rng(123), 50), draws(new Rng(123), 50));
  assert.deepEqual(
    draws(new Rng("abc", "x/y"), 20),
    draws(new Rng("abc").stream("x").stream("y"), 20),
  );
  assert.notDeepEqual(draws(new Rng(123), 10), draws(new Rng(124), 10));
});

Deno.test("Rng: adding a stream does not change another stream's draws", () => {
  const alone = draws(new Rng(9).stream("node:1"), 100);
  const root = new Rng(9);
  const other = root.stream("node:0");
  const interleaved: number[] = [];
  const node1 = root.stream("node:1");
  for (let i = 0; i < 100; i++) {
    other.nextUint32();
    interleaved.push(node1.nextUint32());
    root.stream(`node:${i + 2}`).uniform(); // streams created later, as when a node is added
  }
  assert.deepEqual(interleaved, alone);
  assert.notDeepEqual(draws(new Rng(9).stream("node:1"), 5), draws(new Rng(9).stream("node:2"), 5));
});

Deno.test("Rng: streams are uncorrelated (sibling streams' uniforms)", () => {
  const a = new Rng(3).stream("a"), b = new Rng(3).stream("b");
  const n = 20000;
  let sab = 0, sa = 0, sb = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a.uniform(), y = b.uniform();
    sa += x;
    sb += y;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  const cov = sab / n - (sa / n) * (sb / n);
  const corr = cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
  assert.ok(Math.abs(corr) < 0.03, `correlation ${corr}`);
});

function meanVar(xs: number[]): [number, number] {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return [m, xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1)];
}

Deno.test("Rng: distribution moments (uniform, normal, exponential, poisson small and large)", () => {
  const rng = new Rng(2024);
  const n = 40000;
  const [um, uv] = meanVar(Array.from({ length: n }, () => rng.uniform()));
  assert.ok(Math.abs(um - 0.5) < 0.01 && Math.abs(uv - 1 / 12) < 0.003, `uniform ${um} ${uv}`);
  const [nm, nv] = meanVar(Array.from({ length: n }, () => rng.normal(2, 3)));
  assert.ok(Math.abs(nm - 2) < 0.06 && Math.abs(nv - 9) < 0.3, `normal ${nm} ${nv}`);
  const [em, ev] = meanVar(Array.from({ length: n }, () => rng.exponential(4)));
  assert.ok(Math.abs(em - 0.25) < 0.006 && Math.abs(ev - 0.0625) < 0.005, `exp ${em} ${ev}`);
  for (const lambda of [0.7, 12, 45, 900]) {
    const xs = Array.from({ length: n }, () => rng.poisson(lambda));
    assert.ok(xs.every((x) => Number.isInteger(x) && x >= 0));
    const [pm, pv] = meanVar(xs);
    const tol = 5 * Math.sqrt(lambda / n);
    assert.ok(Math.abs(pm - lambda) < tol, `poisson(${lambda}) mean ${pm}`);
    assert.ok(Math.abs(pv / lambda - 1) < 0.05, `poisson(${lambda}) var ${pv}`);
  }
  assert.equal(rng.poisson(0), 0);
});

Deno.test("Rng: categorical frequencies and zero weights", () => {
  const rng = new Rng(5);
  const w = [1, 0, 3, 6];
  const counts = [0, 0, 0, 0];
  const n = 50000;
  for (let i = 0; i < n; i++) counts[rng.categorical(w)]++;
  assert.equal(counts[1], 0);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(counts[i] / n - w[i] / 10) < 0.01, `${counts}`);
  assert.throws(() => rng.categorical([0, 0]), /must not all be zero/);
  assert.throws(() => rng.categorical([1, -1]), /weights\[1\] must be finite and >= 0, got -1/);
});

Deno.test("Rng: int is unbiased and in range; bad arguments are rejected", () => {
  const rng = new Rng(11);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70000; i++) counts[rng.int(7)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 400, `${counts}`);
  assert.throws(() => rng.int(0), /got 0/);
  assert.throws(() => rng.exponential(-1), /rate must be > 0, got -1/);
  assert.throws(() => rng.poisson(Number.NaN), /lambda/);
  assert.throws(() => new Rng(Number.POSITIVE_INFINITY), /finite/);
});

Deno.test("Rng: shuffle is a permutation and reproducible", () => {
  const a = new Rng(1).shuffle([1, 2, 3, 4, 5, 6, 7, 8]);
  const b = new Rng(1).shuffle([1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(a, b);
  assert.deepEqual([...a].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
});

Deno.test("deriveSeed: deterministic, path-sensitive, uint32", () => {
  const s = deriveSeed(1, "env", 0, "ep", 0);
  assert.equal(s, deriveSeed(1, "env", 0, "ep", 0));
  assert.notEqual(s, deriveSeed(1, "env", 0, "ep", 1));
  assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 32);
});

import assert from "node:assert/strict";
import { PlainActor } from "../policies/plain.ts";
import { CompiledActor } from "../policies/compiled.ts";
import { PolicyRuntime } from "../policies/runtime.ts";
import type { ActorSpec } from "../policies/actor.ts";
import { Rng } from "../sim/rng.ts";
import { buildWasmFast } from "./export.ts";
import { fastWasmFits, generateWasmFloatC, layerForm } from "./codegen_wasm.ts";
import { networkFromWeights } from "./network.ts";
import { missingTool } from "./toolchain.ts";
import { relaxedSimdSupported, relaxMaddOpcodes } from "./wasm_relaxed.ts";

const m = await missingTool("wasm");
const skip = m ? ` (skipped: wasm needs ${m.tool} (Debian ${m.pkg}))` : "";

/** Shapes of the shipped students (broadcast and dot forms, input tails of 1-3) and a tanh network. */
const SHAPES: [number, number[], number, "relu" | "tanh"][] = [
  [30, [16], 9, "relu"], // 3m marine
  [80, [6, 6, 6], 11, "relu"], // 2s3z: dot form first
  [13, [48], 3, "relu"], // mcu-sensor
  [51, [12, 12, 12], 8, "tanh"],
  [18, [16, 16], 5, "relu"],
  [3, [], 2, "relu"],
  [5, [8], 40, "relu"], // more than 32 actions: no fk_act_bits, masks go through memory
];

function randomActor(
  obs: number,
  hidden: number[],
  actions: number,
  act: "relu" | "tanh",
  seed: number,
) {
  const spec: ActorSpec = {
    obsSize: obs,
    agentIdSize: 0,
    numActions: actions,
    hiddenSizes: hidden,
    activation: act,
    kind: "mlp",
  };
  const rng = new Rng(seed);
  const sizes = [obs, ...hidden, actions];
  const weights: Float32Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const k = new Float32Array(sizes[l] * sizes[l + 1]);
    for (let i = 0; i < k.length; i++) k[i] = rng.normal(0, 1 / Math.sqrt(sizes[l]));
    const b = new Float32Array(sizes[l + 1]);
    for (let i = 0; i < b.length; i++) b[i] = rng.normal(0, 0.1);
    weights.push(k, b);
  }
  return { spec, weights, plain: PlainActor.fromWeights(spec, weights) };
}

Deno.test("layerForm: dot form for wide inputs into narrow outputs only", () => {
  assert.equal(layerForm(80, 6), "dot");
  assert.equal(layerForm(30, 16), "broadcast");
  assert.equal(layerForm(6, 6), "broadcast");
  assert.equal(layerForm(128, 128), "broadcast");
});

Deno.test("fastWasmFits: the students fit, a teacher-sized network keeps the portable build", () => {
  const small = randomActor(80, [6, 6, 6], 11, "relu", 1);
  assert.ok(fastWasmFits(networkFromWeights("s", small.spec, small.weights)));
  const big = randomActor(30, [128, 128], 9, "relu", 2);
  const net = networkFromWeights("t", big.spec, big.weights);
  assert.ok(!fastWasmFits(net));
  assert.throws(
    () => generateWasmFloatC(net),
    /network "t" is too large for the unrolled fast build/,
  );
});

for (const madd of [false, true]) {
  Deno.test({
    name: `fast WASM build${
      madd ? " (relaxed-SIMD multiply-add)" : ""
    }: logits within 1e-5 of the plain path, same masked actions${skip}`,
    ignore: skip !== "" || (madd && !relaxedSimdSupported()),
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "fleetkd-codegen-wasm-test-" });
      try {
        for (const [s, [obs, hidden, actions, act]] of SHAPES.entries()) {
          const { spec, weights, plain } = randomActor(obs, hidden, actions, act, 100 + s);
          const net = networkFromWeights(`c${s}`, spec, weights);
          const { bytes } = await buildWasmFast(dir, net, { madd });
          assert.equal(
            generateWasmFloatC(net, { madd }).source.includes("__builtin_wasm_fma_f32x4"),
            madd,
          );
          const fast = await CompiledActor.load(bytes, spec);
          const exports =
            (await WebAssembly.instantiate(bytes as BufferSource, {})).instance.exports;
          assert.equal("fk_act_bits" in exports, actions <= 32);
          const n = 2000, rng = new Rng(7 + s);
          const x = new Float32Array(n * obs);
          for (let i = 0; i < x.length; i++) x[i] = rng.normal(0, 2);
          const masks = new Uint8Array(n * actions);
          for (let i = 0; i < masks.length; i++) masks[i] = rng.uniform() < 0.7 ? 1 : 0;
          const ref = plain.logits(x, undefined, new Float32Array(n * actions), n);
          const got = fast.logits(x, undefined, new Float32Array(n * actions), n);
          let maxDiff = 0;
          for (let i = 0; i < ref.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i]));
          }
          assert.ok(
            maxDiff <= 1e-5,
            `${[obs, ...hidden, actions].join("-")}: max |dlogit| ${maxDiff}`,
          );
          const a = plain.actBatch(x, n, masks, new Int32Array(n));
          assert.deepEqual(fast.actBatch(x, n, masks, new Int32Array(n)), a);
          // Zero copy: inputs written into the module's memory, masks copied (or as bits at batch 1).
          const view = fast.stagedInputs(n);
          assert.equal(fast.stagedInputs(n), view); // the same view while valid: no allocation per step
          view.set(x);
          assert.deepEqual(fast.actStagedBatch(n, masks, new Int32Array(n)), a);
          assert.throws(
            () => fast.actStagedBatch(2 * n + 1, masks, new Int32Array(2 * n + 1)),
            /staged/,
          );
          // Batch 1, copying and zero-copy staging, unmasked and masked.
          for (let r = 0; r < 50; r++) {
            const row = x.subarray(r * obs, (r + 1) * obs),
              mask = masks.subarray(r * actions, (r + 1) * actions);
            assert.equal(fast.act(row, mask), a[r]);
            assert.equal(fast.actBatch(row, 1, mask, new Int32Array(1))[0], a[r]);
            fast.stagedInputs(1).set(row);
            fast.stagedMasks(1).set(mask);
            assert.equal(fast.actStaged(true), a[r]);
            assert.equal(fast.actStaged(), plain.act(row));
            assert.equal(fast.actStagedBatch(1, mask, new Int32Array(1))[0], a[r]);
          }
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

Deno.test({
  name:
    `relaxMaddOpcodes: rewrites clang 14's prototype f32x4.fma only, not constants that contain its bytes${skip}`,
  ignore: skip !== "",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "fleetkd-relaxed-test-" });
    try {
      // A v128.const whose bytes are fd af 01 (prototype fma) must stay as it is.
      await Deno.writeTextFile(
        `${dir}/t.c`,
        `typedef float v4 __attribute__((vector_size(16)));
typedef unsigned int u4 __attribute__((vector_size(16)));
v4 f(v4 a, v4 b, v4 c) { return __builtin_wasm_fma_f32x4(a, b, c) + (v4)(u4){0x0001affdu, 0x0001affdu, 0, 0}; }
`,
      );
      const p = new Deno.Command("clang", {
        args: [
          "--target=wasm32",
          "-msimd128",
          "-mrelaxed-simd",
          "-O2",
          "-nostdlib",
          "-Wl,--no-entry",
          "-Wl,--export=f",
          "-o",
          `${dir}/t.wasm`,
          `${dir}/t.c`,
        ],
      }).outputSync();
      assert.ok(p.success, new TextDecoder().decode(p.stderr));
      const before = await Deno.readFile(`${dir}/t.wasm`);
      const count = (b: Uint8Array) => {
        let k = 0;
        for (let i = 0; i + 2 < b.length; i++) {
          if (b[i] === 0xfd && b[i + 1] === 0xaf && b[i + 2] === 0x01) k++;
        }
        return k;
      };
      assert.equal(count(before), 3); // the instruction and two lanes of the constant
      const { bytes, rewritten } = relaxMaddOpcodes(before);
      assert.equal(count(bytes), 2);
      assert.equal(rewritten, 1);
      let changed = 0;
      for (let i = 0; i < bytes.length; i++) if (bytes[i] !== before[i]) changed++;
      assert.equal(changed, 2); // af 01 -> 85 02, the constant's fd af 01 untouched
      assert.equal(WebAssembly.validate(bytes as BufferSource), relaxedSimdSupported());
      assert.throws(() => relaxMaddOpcodes(new Uint8Array(4)), /not a WebAssembly module/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `CompiledActor.load: a module the engine does not validate falls back${skip}`,
  ignore: skip !== "",
  fn: fallbackTest,
});

async function fallbackTest() {
  const spec: ActorSpec = {
    obsSize: 2,
    agentIdSize: 0,
    numActions: 2,
    hiddenSizes: [],
    activation: "relu",
    kind: "mlp",
  };
  const dir = await Deno.makeTempDir({ prefix: "fleetkd-fallback-test-" });
  try {
    const net = networkFromWeights("a", spec, [Float32Array.of(1, 0, 0, 1), Float32Array.of(0, 0)]);
    const { bytes } = await buildWasmFast(dir, net);
    const broken = bytes.slice();
    broken[4] = 9; // an unknown binary version: invalid everywhere
    const a = await CompiledActor.load(broken, spec, { fallback: bytes });
    assert.ok(a.usedFallback);
    assert.equal(a.act(Float32Array.of(0, 1)), 1);
    const b = await CompiledActor.load(bytes, spec, { fallback: broken });
    assert.ok(!b.usedFallback);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name:
    `PolicyRuntime: a fast compiled actor (agent ids, changing agent counts) decides as the plain one${skip}`,
  ignore: skip !== "",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "fleetkd-runtime-fast-test-" });
    try {
      const { spec: base, weights } = randomActor(7, [8], 5, "relu", 3);
      // 7 inputs = 4 observation values + a 3-agent one-hot id.
      const spec: ActorSpec = { ...base, obsSize: 4, agentIdSize: 3 };
      const plain = PlainActor.fromWeights(spec, weights);
      const net = networkFromWeights("r", spec, weights);
      const fast = await CompiledActor.load((await buildWasmFast(dir, net)).bytes, spec);
      const rp = new PolicyRuntime({ classes: [{ name: "r", actor: plain }] });
      const rf = new PolicyRuntime({ classes: [{ name: "r", actor: fast }] });
      const rng = new Rng(5);
      for (const count of [3, 1, 3, 2]) {
        const obs = new Float32Array(count * 4).map(() => rng.normal(0, 2));
        const actionMask = new Uint8Array(count * 5).map((
          _,
          i,
        ) => (i % 5 === 0 || rng.uniform() < 0.6 ? 1 : 0));
        const buffers = {
          obs,
          actionMask,
          rewards: new Float32Array(count),
          terminations: new Uint8Array(count),
          truncations: new Uint8Array(count),
        };
        const a = rp.act([buffers], [new Int32Array(count)], { greedy: true });
        const b = rf.act([buffers], [new Int32Array(count)], { greedy: true });
        assert.deepEqual(b, a);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

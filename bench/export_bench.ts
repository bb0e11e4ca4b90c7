/**
 * Benchmark of the compiled path (`export/`, `policies/compiled.ts`): greedy decisions of a shipped
 * 1,316-FLOP student (smax/2s3z stalker 80-6-6-6-11, and smax/3m marine 30-16-9) and a teacher-sized
 * network (smax/3m teacher 30-128-128-9) at batch 1 and batch 256, on
 *
 * - the plain Float32Array path (`PlainActor`),
 * - tfjs-backend-wasm (SIMD, no threads),
 * - onnxruntime-node 1.30 (CPU execution provider, bundled binaries; the ONNX model is built here from the
 *   same weights as Gemm/Relu nodes with `onnx-proto`; `session.run` is async, so its figure includes one
 *   promise round trip),
 * - the exported C compiled to WASM SIMD128 (`CompiledActor`, float32 and 8-bit),
 * - the students' fast float32 WASM build (`export/codegen_wasm.ts`, what `loadCompiledPolicySet` loads),
 *   and its relaxed-SIMD multiply-add variant where the engine has relaxed SIMD; at batch 1 the fast
 *   build's decision is also taken apart: an empty call into the module (`fk_input_size`), copying the
 *   input and mask into its memory alone, and the decision on staged input with nothing copied
 *   (`actStaged`),
 * - the same C built natively with host gcc (`-O2`) and clang (`-O3`), `-march=native -ffp-contract=off`,
 *   timed inside C.
 *
 * Peers are interleaved: three rounds over every path, the best median of each kept. Targets: the 1,316-FLOP
 * student within 5x of this core's FLOP floor (FLOPs / 78 GFLOP/s, AVX2 FMA peak) on the compiled path; the
 * teacher on the compiled path at least as fast as onnxruntime at batch 1. The i8 builds use the bits per
 * layer `deno task export` ships for that network (some layers at 16 bits where the calibration asks).
 *
 * Then, for every shipped student, the 8-bit action agreement with float32 on the export's held-out
 * decisions (target >= 99%), with the export's calibration and precision choice, against the same
 * calibration with every layer at 8 bits (TypeScript twin of the generated C, bit-exact; no compiler).
 *
 * Run standalone with `deno run -A bench/export_bench.ts`.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import * as ort from "onnxruntime-node";
import onnxProto from "onnx-proto";
import { defaultCatalog } from "../catalog/mod.ts";
import { Actor } from "../policies/actor.ts";
import { initBackend } from "../policies/backend.ts";
import { CompiledActor } from "../policies/compiled.ts";
import { loadPolicySet } from "../policies/model_io.ts";
import type { PlainActor } from "../policies/plain.ts";
import { measureActorLatency, measureLatency } from "../policies/runtime.ts";
import { actorCost } from "../policies/cost.ts";
import { generateFloatC, generateInt8C, precisionText, tableBytes } from "../export/codegen.ts";
import { buildHost, buildWasm, buildWasmFast } from "../export/export.ts";
import { fastWasmFits } from "../export/codegen_wasm.ts";
import { relaxedSimdSupported } from "../export/wasm_relaxed.ts";
import { type Network, networkFromActor } from "../export/network.ts";
import {
  allInt8,
  calibrationStats,
  choosePrecision,
  floatActions,
  quantizedActions,
  quantizeWith,
} from "../export/quantize.ts";
import { actionModeOf, deployableModelsDir } from "../distill/scenario.ts";
import { recordObservations } from "../export/record.ts";
import { missingTool, runTool } from "../export/toolchain.ts";
import type { BenchRow } from "./report.ts";

const SUITE = "export";
/**
 * Flags of the natively timed builds: portable numerics (no FMA contraction), this core's vector units.
 * gcc 12 at -O3 fully unrolls the constant-weight loops into slower code, 1.5-2x slower than at -O2 on
 * these networks, so gcc is timed at -O2 and clang at -O3.
 */
const NATIVE_FLAGS: Record<string, string[]> = {
  gcc: ["-std=c99", "-O2", "-march=native", "-ffp-contract=off"],
  clang: ["-std=c99", "-O3", "-march=native", "-ffp-contract=off"],
};
const BATCH = 256;
/** AVX2 FMA peak of this core, FLOP/s (2 FMA units x 8 lanes x 2 FLOPs x ~2.4 GHz). */
const PEAK = 78e9;

// deno-lint-ignore no-explicit-any
const O = (onnxProto as any).onnx;

/** An ONNX model (Gemm + Relu per layer) of `net`, input `x` [N, inputSize], output `y` [N, numActions]. */
function onnxModel(net: Network): Uint8Array {
  const nodes = [], inits = [];
  let cur = "x";
  for (const [l, layer] of net.layers.entries()) {
    inits.push(
      O.TensorProto.create({
        name: `W${l}`,
        dims: [layer.inSize, layer.outSize],
        dataType: 1,
        rawData: new Uint8Array(layer.kernel.slice().buffer),
      }),
      O.TensorProto.create({
        name: `b${l}`,
        dims: [layer.outSize],
        dataType: 1,
        rawData: new Uint8Array(layer.bias.slice().buffer),
      }),
    );
    const out = l === net.layers.length - 1 ? "y" : `g${l}`;
    nodes.push(
      O.NodeProto.create({ opType: "Gemm", input: [cur, `W${l}`, `b${l}`], output: [out] }),
    );
    if (layer.activation !== "linear") {
      nodes.push(
        O.NodeProto.create({
          opType: layer.activation === "relu" ? "Relu" : "Tanh",
          input: [out],
          output: [`h${l}`],
        }),
      );
      cur = `h${l}`;
    }
  }
  const vi = (name: string, width: number) =>
    O.ValueInfoProto.create({
      name,
      type: O.TypeProto.create({
        tensorType: O.TypeProto.Tensor.create({
          elemType: 1,
          shape: O.TensorShapeProto.create({
            dim: [
              O.TensorShapeProto.Dimension.create({ dimParam: "N" }),
              O.TensorShapeProto.Dimension.create({ dimValue: width }),
            ],
          }),
        }),
      }),
    });
  const graph = O.GraphProto.create({
    name: net.className,
    node: nodes,
    initializer: inits,
    input: [vi("x", net.inputSize)],
    output: [vi("y", net.numActions)],
  });
  const model = O.ModelProto.create({
    irVersion: 8,
    opsetImport: [O.OperatorSetIdProto.create({ domain: "", version: 17 })],
    producerName: "fleetkd",
    graph,
  });
  return O.ModelProto.encode(model).finish();
}

/** Median µs per call of an async function over `samples` samples of `per` calls. */
async function asyncLatency(
  fn: () => Promise<unknown>,
  per: number,
  samples: number,
): Promise<number> {
  for (let i = 0; i < 20; i++) await fn();
  const t = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < per; i++) await fn();
    t[s] = ((performance.now() - t0) / per) * 1000;
  }
  t.sort();
  return t[Math.floor(samples / 2)];
}

function syncLatencyUs(actor: Actor | PlainActor | CompiledActor, batch: number): number {
  const probe = measureActorLatency(actor, { batch, samples: 5, callsPerSample: 1, warmup: 3 });
  const est = Math.max(probe.medianMs, 1e-6);
  const callsPerSample = Math.max(1, Math.ceil(0.2 / est));
  const samples = Math.min(200, Math.max(15, Math.floor(300 / (est * callsPerSample))));
  return measureActorLatency(actor, { batch, samples, callsPerSample, warmup: 20 }).medianMs * 1000;
}

interface Subject {
  label: string;
  net: Network;
  plain: PlainActor;
  tfActor: Actor;
  ortSession: ort.InferenceSession;
  f32: CompiledActor;
  i8: CompiledActor;
  /** The fast float32 build and its module's exports (students only, see `fastWasmFits`). */
  fast?: CompiledActor;
  fastExports?: { fk_input_size(): number };
  /** The relaxed-SIMD multiply-add build (falls back to the fast build without relaxed SIMD). */
  relaxed?: CompiledActor;
  /** Native figures per compiler, ns per decision: [f32 batch 1, f32 batched, i8 batch 1, i8 batched]. */
  native: Record<string, number[]>;
  /** Bits per layer of the i8 build. */
  precision: string;
}

async function subject(
  label: string,
  dir: string,
  className: string,
  envId: string,
  build: string,
): Promise<Subject> {
  const env = defaultCatalog().makeEnv(envId);
  const set = await loadPolicySet(dir, { as: "plain", expect: { classes: env.classes } });
  const c = set.classes.findIndex((k) => k.name === className);
  const plain = set.classes[c].actor as PlainActor;
  const net = networkFromActor(className, plain);
  const rec = recordObservations(env, set, {
    seed: 0,
    episodes: 50,
    maxPerClass: 2000,
    actions: actionModeOf(defaultCatalog().get(envId)),
    sampling: "uniform",
  });
  // The precision `deno task export` ships for this network (same calibration, same rule).
  const cr = rec.classes[c];
  const stats = calibrationStats(net, cr.inputs, cr.rows);
  const q = quantizeWith(
    net,
    stats,
    choosePrecision(net, stats, cr.inputs, cr.masks, cr.rows, INT8_TARGET).precision,
  );
  const gf = generateFloatC({ ...net, ident: `${label}` }),
    gi = generateInt8C({ ...net, ident: label }, q);
  for (const g of [gf, gi]) {
    await Deno.writeTextFile(`${build}/${g.base}.c`, g.source);
    await Deno.writeTextFile(`${build}/${g.base}.h`, g.header);
  }
  const f32 = await CompiledActor.load(await buildWasm(build, gf), net.spec);
  const i8 = await CompiledActor.load(await buildWasm(build, gi), net.spec, { precision: "int8" });
  let fast: CompiledActor | undefined, relaxed: CompiledActor | undefined;
  let fastExports: Subject["fastExports"];
  if (fastWasmFits(net)) {
    const fb = (await buildWasmFast(build, { ...net, ident: label })).bytes;
    fast = await CompiledActor.load(fb, net.spec);
    fastExports = (await WebAssembly.instantiate(fb as BufferSource, {})).instance
      .exports as unknown as Subject["fastExports"];
    const rb = (await buildWasmFast(build, { ...net, ident: label }, { madd: true })).bytes;
    relaxed = await CompiledActor.load(rb, net.spec, { fallback: fb });
  }
  const n = Math.min(BATCH, rec.classes[c].rows);
  const rows = { ...rec.classes[c], rows: n };
  await Deno.writeFile(
    `${build}/${label}.in`,
    new Uint8Array(rows.inputs.buffer, 0, n * net.inputSize * 4),
  );
  await Deno.writeFile(`${build}/${label}.mask`, rows.masks.subarray(0, n * net.numActions));
  const reps = Math.max(10, Math.round(2e7 / (actorCost(net.spec).flops * n)));
  const native: Record<string, number[]> = {};
  for (const cc of Object.keys(NATIVE_FLAGS)) {
    const exe = await buildHost(
      build,
      gf,
      gi,
      net.inputSize,
      net.numActions,
      NATIVE_FLAGS[cc],
      `bench_${cc}`,
      cc,
    );
    const outText = await runTool(exe, [
      "bench",
      `${build}/${label}.in`,
      `${build}/${label}.mask`,
      String(n),
      String(reps),
    ], build);
    native[cc] = [];
    for (const line of outText.trim().split("\n")) {
      native[cc].push(...line.split(" ").slice(1).map(Number));
    }
  }
  const tfActor = new Actor(net.spec, { seed: 0, name: `export_bench_${label}` });
  tfActor.net.setWeights(plain.getWeights());
  const ortSession = await ort.InferenceSession.create(onnxModel(net), {
    executionProviders: ["cpu"],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  return {
    label,
    net,
    plain,
    tfActor,
    ortSession,
    f32,
    i8,
    fast,
    fastExports,
    relaxed,
    native,
    precision: precisionText(q),
  };
}

/** Notes of the paths that are not self-explanatory. */
const PATH_NOTES: Record<string, string> = {
  "compiled wasm f32": "; portable C build (bit-exact with the host build)",
  "compiled wasm f32 fast":
    "; fast build (export/codegen_wasm.ts), what loadCompiledPolicySet loads; actBatch with a mask: the input copied into module memory (TypedArray.set), the mask passed as bits, one call",
  "fast f32 batch-1 profile: call": "; an empty exported function called from JS (fk_input_size)",
  "fast f32 batch-1 profile: copy":
    "; the input and mask copied into WASM memory as actBatch stages them, no call",
  "fast f32 batch-1 profile: staged":
    "; CompiledActor.actStaged(true): one call on input and mask already in WASM memory, nothing copied (the decision when the observation is produced in module memory)",
};

/** Batch-1 decomposition of the fast build's decision (see the module docs), µs per call. */
function profileUs(s: Subject): Record<string, number> {
  const a = s.fast!, x = s.fastExports!;
  const I = a.inputSize, A = a.numActions;
  const input = new Float32Array(I);
  for (let i = 0; i < I; i++) input[i] = Math.sin(i * 12.9898) * 0.5;
  const mask = new Uint8Array(A).fill(1);
  const vIn = a.stagedInputs(1), vMask = a.stagedMasks(1);
  vIn.set(input);
  vMask.set(mask);
  let sink = 0;
  const time = (fn: () => void) =>
    measureLatency(fn, { samples: 60, callsPerSample: 2000, warmup: 2000 }).medianMs * 1000;
  const out = {
    "fast f32 batch-1 profile: call": time(() => {
      sink += x.fk_input_size();
    }),
    "fast f32 batch-1 profile: copy": time(() => {
      vIn.set(input);
      vMask.set(mask);
    }),
    "fast f32 batch-1 profile: staged": time(() => {
      sink += a.actStaged(true);
    }),
  };
  if (sink === -1) console.log(sink);
  return out;
}

/** The export's default agreement target of the calibration-set precision choice. */
const INT8_TARGET = 0.998;
/** Scenarios with shipped students whose 8-bit agreement is measured. */
const AGREEMENT_SCENARIOS = [
  "3m",
  "2s3z",
  "3s5z",
  "3s_vs_5z",
  "8m",
  "simple_spread",
  "leo-wildfire",
  "iot-edge-fleet",
  "mega-shell",
];

/**
 * 8-bit action agreement of every shipped student, exactly as `deno task export` calibrates it (uniform
 * sample of 2,000 decisions from 50 episodes, seeds 0-49) and measures it (the first 10,000 held-out
 * decisions from seeds 100000+), through the bit-exact TypeScript twin of the generated C: the chosen
 * (mixed) precision against every layer at 8 bits.
 */
async function agreementRows(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const scenario of AGREEMENT_SCENARIOS) {
    const entry = defaultCatalog().get(scenario);
    const envId = entry.id;
    const env = entry.make();
    const set = await loadPolicySet(`${deployableModelsDir(entry)}/students`, {
      as: "plain",
      expect: { classes: env.classes },
    });
    const actions = actionModeOf(entry);
    const cal = recordObservations(env, set, {
      seed: 0,
      episodes: 50,
      maxPerClass: 2000,
      actions,
      sampling: "uniform",
    });
    const ver = recordObservations(env, set, {
      seed: 100000,
      episodes: 2000,
      maxPerClass: 10000,
      actions,
    });
    for (const [c, cls] of set.classes.entries()) {
      const net = networkFromActor(cls.name, cls.actor as PlainActor);
      const cr = cal.classes[c], vr = ver.classes[c];
      const stats = calibrationStats(net, cr.inputs, cr.rows);
      const choice = choosePrecision(net, stats, cr.inputs, cr.masks, cr.rows, INT8_TARGET);
      const ref = floatActions(net, vr.inputs, vr.masks, vr.rows);
      const agree = (p: typeof choice.precision) => {
        const a = quantizedActions(net, quantizeWith(net, stats, p), vr.inputs, vr.masks, vr.rows);
        let same = 0;
        for (let r = 0; r < vr.rows; r++) if (a[r] === ref[r]) same++;
        return (100 * same) / vr.rows;
      };
      const chosen = agree(choice.precision), all8 = agree(allInt8(net));
      const est = tableBytes(net, "i8", choice.precision), est8 = tableBytes(net, "i8");
      rows.push({
        suite: SUITE,
        name: `int8 = float32 actions ${envId} ${cls.name}`,
        value: chosen,
        unit: "%",
        comparisonName: "every layer 8-bit",
        comparison: all8,
        ratio: chosen / all8,
        target: ">= 99%",
        met: chosen >= 99,
        note: `${vr.rows} held-out decisions; bits per layer ${
          precisionText(quantizeWith(net, stats, choice.precision))
        }; tables ${est.flash} B flash / ${est.activations} B activations (all 8-bit ${est8.flash} / ${est8.activations}); calibration agreement ${
          (100 * choice.int8Agreement).toFixed(2)
        }% -> ${(100 * choice.agreement).toFixed(2)}%`,
      });
    }
  }
  return rows;
}

/** Runs the suite. */
export async function run(): Promise<BenchRow[]> {
  for (const t of ["host", "wasm"] as const) {
    const m = await missingTool(t);
    if (m) {
      return [{
        suite: SUITE,
        name: `skipped: target ${t} needs ${m.tool} (Debian ${m.pkg})`,
        value: NaN,
        unit: "",
      }];
    }
  }
  await initBackend("wasm");
  const build = await Deno.makeTempDir({ prefix: "fleetkd-export-bench-" });
  const rows: BenchRow[] = [];
  try {
    const subjects = [
      await subject(
        "stalker_2s3z",
        "scenarios/smax__2s3z/models/students",
        "stalker",
        "smax/2s3z",
        build,
      ),
      await subject("marine_3m", "scenarios/smax__3m/models/students", "marine", "smax/3m", build),
      await subject("teacher_3m", "scenarios/smax__3m/models/teacher", "marine", "smax/3m", build),
    ];
    for (const s of subjects) {
      const flops = actorCost(s.net.spec).flops;
      const arch = [s.net.inputSize, ...s.net.layers.map((l) => l.outSize)].join("-");
      for (const batch of [1, BATCH]) {
        const x = new Float32Array(batch * s.net.inputSize);
        for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 12.9898) * 0.5;
        const feeds = { x: new ort.Tensor("float32", x, [batch, s.net.inputSize]) };
        const best: Record<string, number> = {};
        const keep = (k: string, v: number) => (best[k] = Math.min(best[k] ?? Infinity, v));
        for (let round = 0; round < 3; round++) {
          keep("plain", syncLatencyUs(s.plain, batch));
          keep("tfjs-wasm", syncLatencyUs(s.tfActor, batch));
          keep(
            "onnxruntime-node",
            await asyncLatency(
              async () => {
                const out = await s.ortSession.run(feeds);
                const y = out.y.data as Float32Array;
                let a = 0;
                for (let r = 0; r < batch; r++) if (y[r * s.net.numActions] > y[a]) a = r;
                return a;
              },
              batch === 1 ? 50 : 5,
              30,
            ),
          );
          keep("compiled wasm f32", syncLatencyUs(s.f32, batch));
          keep("compiled wasm i8", syncLatencyUs(s.i8, batch));
          if (s.fast) {
            keep("compiled wasm f32 fast", syncLatencyUs(s.fast, batch));
            keep("compiled wasm f32 relaxed", syncLatencyUs(s.relaxed!, batch));
            if (batch === 1) {
              for (const [k, v] of Object.entries(profileUs(s))) keep(k, v);
            }
          }
        }
        for (const [cc, v] of Object.entries(s.native)) {
          const nat = batch === 1 ? [v[0], v[2]] : [v[1], v[3]];
          best[`native ${cc} f32`] = (nat[0] * batch) / 1000;
          best[`native ${cc} i8`] = (nat[1] * batch) / 1000;
        }
        const floorUs = (flops * batch) / PEAK * 1e6;
        for (const [path, us] of Object.entries(best)) {
          const isStudentTarget = flops === 1316 && batch === 1 &&
            (path === "compiled wasm f32 fast" || path === "native gcc f32" ||
              path === "native clang f32");
          const isTeacherTarget = s.label.startsWith("teacher") && batch === 1 &&
            path === "compiled wasm f32";
          rows.push({
            suite: SUITE,
            name: `${path} ${s.label} ${arch} batch ${batch}`,
            value: us,
            unit: "µs/call",
            comparisonName: isTeacherTarget
              ? "onnxruntime-node batch 1"
              : "FLOP floor (78 GFLOP/s)",
            comparison: isTeacherTarget ? best["onnxruntime-node"] : floorUs,
            ratio: isTeacherTarget ? best["onnxruntime-node"] / us : us / floorUs,
            target: isStudentTarget
              ? "<= 5x floor"
              : isTeacherTarget
              ? ">= 1x (as fast as onnxruntime)"
              : undefined,
            met: isStudentTarget
              ? us / floorUs <= 5
              : isTeacherTarget
              ? best["onnxruntime-node"] >= us
              : undefined,
            note: `${flops} FLOPs/decision; ${(us / batch).toPrecision(3)} µs/decision; ${
              isTeacherTarget ? "ratio = onnxruntime / compiled" : "ratio = time / FLOP floor"
            }; best median of 3 interleaved rounds${
              path.startsWith("native")
                ? `; timed in C (${path.split(" ")[1]} ${
                  NATIVE_FLAGS[path.split(" ")[1]].join(" ")
                })`
                : ""
            }${path === "onnxruntime-node" ? "; async session.run, CPU EP, 1 thread" : ""}${
              PATH_NOTES[path] ?? ""
            }${
              path === "compiled wasm f32 relaxed"
                ? relaxedSimdSupported()
                  ? "; relaxed SIMD validated: f32x4.relaxed_madd"
                  : "; no relaxed SIMD in this engine: the fast build ran"
                : ""
            }${path.endsWith("i8") ? `; bits per layer ${s.precision}` : ""}`,
          });
        }
      }
      s.tfActor.dispose();
    }
  } finally {
    await Deno.remove(build, { recursive: true }).catch(() => {});
  }
  rows.push(...await agreementRows());
  void tf;
  return rows;
}

if (import.meta.main) console.table(await run());

/**
 * Benchmark of the policy networks (`policies/`):
 *
 * 1. greedy decision latency (median over repeated calls; p99 in the note) of a teacher (18-256-256-5) and
 *    three students (18-64-5, 18-32-32-5, 18-16-5) at batch 1 and batch 256, on tfjs-backend-wasm (SIMD, no
 *    threads), tfjs cpu, and the plain Float32Array path; teacher/student FLOPs and latency ratios;
 *    target: the tiny student (18-16-5) decides in <= 1 µs on the plain path;
 * 2. a training step (Adam, 18-256-256-5, batch 2048) on wasm with `denseForward`'s explicit-transpose
 *    gradient against tfjs's own autodiff of `matMul` + `add`;
 * 3. a GRU actor step (18-gru64-5, batch 256) with raw ops against the stock layers-API `GRU` `predict`.
 *
 * Run standalone with `deno run -A bench/policies_bench.ts`.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { Actor, type ActorSpec } from "../policies/actor.ts";
import { backendInfo, type BackendName, initBackend } from "../policies/backend.ts";
import { actorCost, archLabel } from "../policies/cost.ts";
import { denseAutodiff, denseForward } from "../policies/dense.ts";
import { toLayersModel } from "../policies/model_io.ts";
import { PlainActor } from "../policies/plain.ts";
import { measureActorLatency, measureLatency } from "../policies/runtime.ts";
import { type BenchRow, timeIt } from "./report.ts";

const SUITE = "policies";
const OBS = 18;
const ACTIONS = 5;
const BATCH = 256;

const spec = (hiddenSizes: number[], kind: "mlp" | "gru" = "mlp"): ActorSpec => ({
  obsSize: OBS,
  agentIdSize: 0,
  numActions: ACTIONS,
  hiddenSizes,
  activation: "tanh",
  kind,
});

const TEACHER = spec([256, 256]);
const STUDENTS = [spec([64]), spec([32, 32]), spec([16])];

const us = (ms: number) => ms * 1000;

/**
 * Median and p99 latency of a greedy decision pass, µs per call. Calls per sample are chosen so one sample
 * lasts at least ~50 µs (sub-microsecond plain calls), and the sample count so a figure takes ~1.5 s.
 */
function latency(actor: Actor | PlainActor, batch: number): { median: number; p99: number } {
  const probe = measureActorLatency(actor, { batch, samples: 5, callsPerSample: 1, warmup: 3 });
  const est = Math.max(probe.medianMs, 1e-5);
  const callsPerSample = Math.max(1, Math.ceil(0.05 / est));
  const samples = Math.min(400, Math.max(20, Math.floor(1500 / (est * callsPerSample))));
  const s = measureActorLatency(actor, { batch, samples, callsPerSample, warmup: 10 });
  return { median: us(s.medianMs), p99: us(s.p99Ms) };
}

function latencyRows(): BenchRow[] {
  const rows: BenchRow[] = [];
  const teacherFlops = actorCost(TEACHER).flops;
  for (const s of STUDENTS) {
    const f = actorCost(s).flops;
    rows.push({
      suite: SUITE,
      name: `FLOPs per decision ${archLabel(s)}`,
      value: f,
      unit: "FLOP",
      comparisonName: `teacher ${archLabel(TEACHER)}`,
      comparison: teacherFlops,
      ratio: teacherFlops / f,
      note: "ratio = teacher / student",
    });
  }
  return rows;
}

async function backendLatencyRows(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const paths: (BackendName | "plain")[] = ["wasm", "cpu", "plain"];
  for (const path of paths) {
    await initBackend(path === "plain" ? "wasm" : path);
    const info = path === "plain" ? "plain Float32Array, float64 accumulation" : (() => {
      const b = backendInfo();
      return `tfjs ${b.name}${b.simd ? " SIMD" : ""}${b.threads ? " threads" : ""}`;
    })();
    const actors = [TEACHER, ...STUDENTS].map((s, i) => {
      const a = new Actor(s, { seed: i, name: `bench_${path}_${i}` });
      return { spec: s, tfActor: a, actor: path === "plain" ? PlainActor.fromActor(a) : a };
    });
    for (const batch of [1, BATCH]) {
      const teacher = latency(actors[0].actor, batch);
      for (const [i, { spec: s, actor }] of actors.entries()) {
        const l = i === 0 ? teacher : latency(actor, batch);
        const tiny = path === "plain" && batch === 1 && archLabel(s) === "18-16-5";
        rows.push({
          suite: SUITE,
          name: `${path} ${archLabel(s)} batch ${batch}`,
          value: l.median,
          unit: "µs/call",
          comparisonName: i === 0 ? "" : `teacher ${archLabel(TEACHER)}`,
          comparison: i === 0 ? undefined : teacher.median,
          ratio: i === 0 ? undefined : teacher.median / l.median,
          target: tiny ? "<= 1 µs" : undefined,
          met: tiny ? l.median <= 1 : undefined,
          note: `median; p99 ${l.p99.toPrecision(3)} µs; ${
            (l.median / batch).toPrecision(3)
          } µs/decision; ${info}${i === 0 ? "" : "; ratio = teacher / student"}`,
        });
      }
    }
    for (const { tfActor } of actors) tfActor.dispose();
  }
  return rows;
}

async function customGradRows(): Promise<BenchRow[]> {
  await initBackend("wasm");
  const sizes = [OBS, 256, 256, ACTIONS];
  const vars: tf.Variable[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    vars.push(tf.variable(tf.randomNormal([sizes[i], sizes[i + 1]], 0, 0.1, "float32", i)));
    vars.push(tf.variable(tf.zeros([sizes[i + 1]])));
  }
  const x = tf.randomNormal([2048, OBS], 0, 1, "float32", 7) as tf.Tensor2D;
  const target = tf.randomNormal([2048, ACTIONS], 0, 1, "float32", 8);
  const opt = tf.train.adam(1e-4);
  const stepWith = (dense: typeof denseForward) => () => {
    opt.minimize(
      () => {
        let h = x;
        for (let i = 0; i < 3; i++) {
          h = dense(h, vars[2 * i] as tf.Tensor2D, vars[2 * i + 1] as tf.Tensor1D);
          if (i < 2) h = tf.tanh(h);
        }
        return tf.mean(tf.square(tf.sub(h, target))) as tf.Scalar;
      },
      false,
      vars,
    );
    vars[0].dataSync(); // wait for the step
  };
  // Interleave the two to share any drift in machine load.
  const custom: number[] = [], auto: number[] = [];
  for (let r = 0; r < 3; r++) {
    custom.push(timeIt(stepWith(denseForward), 1000, 3));
    auto.push(timeIt(stepWith(denseAutodiff), 1000, 3));
  }
  const best = (a: number[]) => Math.min(...a) * 1000;
  const c = best(custom), a = best(auto);
  tf.dispose([...vars, x, target]);
  opt.dispose();
  return [{
    suite: SUITE,
    name: "train step 18-256-256-5 batch 2048, denseForward (explicit-transpose grad), wasm",
    value: c,
    unit: "ms/step",
    comparisonName: "tfjs autodiff (matMul transposeA/B)",
    comparison: a,
    ratio: a / c,
    note: "Adam; best of 3 means; ratio = speedup",
  }];
}

async function gruRows(): Promise<BenchRow[]> {
  await initBackend("wasm");
  const s = spec([64], "gru");
  const actor = new Actor(s, { seed: 1, name: "bench_gru" });
  const model = toLayersModel(actor);
  const rows: BenchRow[] = [];
  for (const batch of [1, BATCH]) {
    const input = tf.randomNormal([batch, OBS], 0, 1, "float32", 3) as tf.Tensor2D;
    const seq = input.reshape([batch, 1, OBS]);
    const h0 = tf.zeros([batch, 64]) as tf.Tensor2D;
    const raw = measureLatency(() => {
      const out = actor.forwardStep(input, h0);
      out.logits.dataSync();
      tf.dispose([out.logits, out.latent, out.hidden]);
    }, { samples: 100, warmup: 10 });
    const layers = measureLatency(() => {
      tf.tidy(() => (model.predict(seq) as tf.Tensor).dataSync());
    }, { samples: 100, warmup: 10 });
    tf.dispose([input, seq, h0]);
    rows.push({
      suite: SUITE,
      name: `GRU actor step ${archLabel(s)} batch ${batch}, raw ops, wasm`,
      value: us(raw.medianMs),
      unit: "µs/call",
      comparisonName: "tfjs layers GRU predict (same weights)",
      comparison: us(layers.medianMs),
      ratio: layers.medianMs / raw.medianMs,
      note: "median; ratio = speedup",
    });
  }
  model.dispose();
  actor.dispose();
  return rows;
}

/** Runs the suite. */
export async function run(): Promise<BenchRow[]> {
  const rows = latencyRows();
  rows.push(...await backendLatencyRows());
  rows.push(...await customGradRows());
  rows.push(...await gruRows());
  return rows;
}

if (import.meta.main) console.table(await run());

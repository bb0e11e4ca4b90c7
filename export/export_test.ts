import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { makeBuiltinEnv } from "../sim/builtin_envs.ts";
import { loadPolicySet } from "../policies/model_io.ts";
import type { PlainActor } from "../policies/plain.ts";
import { CompiledActor, loadCompiledPolicySet } from "../policies/compiled.ts";
import { PolicyRuntime } from "../policies/runtime.ts";
import { buildHost, type ExportManifest, exportPolicySet, runHostVerify } from "./export.ts";
import { networkFromWeights } from "./network.ts";
import { Rng } from "../sim/rng.ts";
import { generateFloatC, generateInt8C } from "./codegen.ts";
import {
  calibrationStats,
  type LayerPrecision,
  quantizeWith,
  simulateQuantized,
} from "./quantize.ts";
import { recordObservations } from "./record.ts";
import { missingTool, parseTargets, ToolchainError } from "./toolchain.ts";

// One full export (host + Cortex-M4 under QEMU + WASM) of the shipped smax/3m student, shared by the tests.
const SCENARIO = "3m";
const MODELS = "scenarios/smax__3m/models/students";
const missing = (await Promise.all(
  (["host", "cortex-m4", "wasm"] as const).map(async (t) => {
    const m = await missingTool(t);
    return m ? `${t} needs ${m.tool} (Debian ${m.pkg})` : undefined;
  }),
)).filter((m) => m !== undefined);
const skip = missing.length > 0 ? ` (skipped: ${missing.join("; ")})` : "";

const root = await Deno.makeTempDir({ prefix: "fleetkd-export-test-" });
let manifest: ExportManifest | undefined;
async function exported(): Promise<ExportManifest> {
  manifest ??= await exportPolicySet({
    scenario: SCENARIO,
    outDir: `${root}/out`,
    verifyRows: 10000,
    qemuRows: 48,
    evalEpisodes: 2,
    log: () => {},
  });
  return manifest;
}

Deno.test({
  name: `export: float32 C equals the plain path on 10,000 held-out observations${skip}`,
  ignore: skip !== "",
  async fn() {
    const m = await exported();
    const c = m.classes[0];
    assert.equal(c.host!.rows, 10000);
    assert.ok(
      c.host!.float32.maxAbsLogitDiff <= 1e-5,
      `max |dlogit| ${c.host!.float32.maxAbsLogitDiff}`,
    );
    assert.ok(c.host!.float32.maxAbsLogitDiff > 0); // float32 vs float64 accumulation: not the same code
    assert.equal(c.host!.float32.argmaxAgreement, 1);
    assert.equal(c.host!.float32.maskedActionAgreement, 1);
    // Provenance of both observation sets, and the generated files exist.
    assert.equal(m.calibration.envId, "smax/3m");
    assert.equal(m.calibration.seed, 0);
    assert.equal(m.verification.seed, 100000);
    assert.ok(m.calibration.episodes > 0 && m.calibration.steps > 0);
    for (const f of [c.files.f32.c, c.files.f32.h, c.files.i8.c, c.files.i8.h, c.wasm!.f32]) {
      assert.ok((await Deno.stat(`${root}/out/${f}`)).size > 0, f);
    }
    const header = await Deno.readTextFile(`${root}/out/${c.files.f32.h}`);
    assert.match(header, /#define FK_MARINE_F32_INPUT_SIZE 30/);
    assert.doesNotMatch(await Deno.readTextFile(`${root}/out/${c.files.f32.c}`), /#include </);
  },
});

Deno.test({
  name:
    `export: 8-bit agrees with float32 and the Cortex-M4 run under QEMU matches the host${skip}`,
  ignore: skip !== "",
  async fn() {
    const m = await exported();
    const c = m.classes[0];
    assert.ok(
      c.host!.int8.actionAgreementWithFloat32 >= 0.99,
      `${c.host!.int8.actionAgreementWithFloat32}`,
    );
    assert.ok(c.host!.int8.actionAgreementWithFloat32 < 1 || c.host!.int8.maxAbsLogitDiff > 0);
    const q = c.cortexM4!.qemu;
    assert.equal(q.rows, 48);
    assert.equal(q.mismatches, 0);
    assert.ok(q.sameActionsAsHost);
    assert.ok(Math.abs(q.instructionsPerTick - 40) < 0.5, `${q.instructionsPerTick}`); // 25 MHz SysTick, 1 ns/insn
    assert.ok(
      q.instructionsPerDecision.f32 > c.macs,
      `${q.instructionsPerDecision.f32} vs ${c.macs} MACs`,
    );
    for (const s of [c.cortexM4!.f32, c.cortexM4!.i8]) {
      assert.ok(s.text > 0 && s.stack > 0 && s.fitsFlash && s.fitsRam);
    }
    assert.ok(c.cortexM4!.i8.flash < c.cortexM4!.f32.flash);
    assert.ok(c.wasmCheck!.sameActionsAsHost);
    // The fast float32 WASM build: its own summation order, within float32 rounding of the plain path.
    assert.ok(
      c.wasmCheck!.fast.maxAbsLogitDiffVsPlain <= 1e-5,
      `fast max |dlogit| ${c.wasmCheck!.fast.maxAbsLogitDiffVsPlain}`,
    );
    assert.ok(c.wasmCheck!.fast.maxAbsLogitDiffVsPlain > 0);
    assert.equal(c.wasmCheck!.fast.actionAgreementWithHost, 1);
    assert.ok((await Deno.stat(`${root}/out/${c.wasm!.f32Fast}`)).isFile);
    assert.equal(m.int8Return!.episodes, 2);
    // The precision was chosen on the calibration set; the TypeScript twin is the host build, bit for bit.
    const qz = c.quantization;
    assert.ok(qz.calibrationAgreement.chosen >= qz.calibrationAgreement.target || !qz.mixed);
    assert.equal(qz.mixed, qz.steps.length > 0);
    assert.ok(c.host!.int8.simulatorMatchesHost);
    assert.equal(m.calibration.sampling, "uniform");
    assert.equal(m.calibration.episodes, 50);
    if (qz.mixed) assert.ok(c.cortexM4!.i8AllInt8!.flash <= c.cortexM4!.i8.flash);
  },
});

Deno.test({
  name: `export: the compiled WASM backend runs in PolicyRuntime like the plain path${skip}`,
  ignore: skip !== "",
  async fn() {
    await exported();
    const env = makeBuiltinEnv("smax/3m");
    const plain = await loadPolicySet(MODELS, { as: "plain", expect: { classes: env.classes } });
    const compiled = await loadCompiledPolicySet(`${root}/out`);
    assert.ok(compiled.classes[0].actor instanceof CompiledActor);
    const rec = recordObservations(env, plain, { seed: 7, episodes: 3, maxPerClass: 300 });
    const a = new Int32Array(rec.classes[0].rows), b = new Int32Array(rec.classes[0].rows);
    (plain.classes[0].actor as PlainActor).actBatch(
      rec.classes[0].inputs,
      a.length,
      rec.classes[0].masks,
      a,
    );
    (compiled.classes[0].actor as CompiledActor).actBatch(
      rec.classes[0].inputs,
      b.length,
      rec.classes[0].masks,
      b,
    );
    assert.deepEqual(b, a);
    // The portable build (fast: false) decides alike.
    const portable = await loadCompiledPolicySet(`${root}/out`, { fast: false });
    (portable.classes[0].actor as CompiledActor).actBatch(
      rec.classes[0].inputs,
      b.length,
      rec.classes[0].masks,
      b.fill(-1),
    );
    assert.deepEqual(b, a);
    const step = env.reset(3);
    const out1 = [new Int32Array(3)], out2 = [new Int32Array(3)];
    new PolicyRuntime(plain).act(step.classes, out1, { greedy: true });
    new PolicyRuntime(compiled).act(step.classes, out2, { greedy: true });
    assert.deepEqual(out2, out1);
    const err = await loadCompiledPolicySet(`${root}/out`, { precision: "int8" }).then(() =>
      undefined
    );
    assert.equal(err, undefined);
  },
});

async function copyModels(dest: string): Promise<void> {
  await cp(MODELS, dest, { recursive: true });
}

Deno.test({
  name:
    `export: bad model folders fail naming file, field and value, leaving the old export${skip}`,
  ignore: skip !== "",
  async fn() {
    await exported();
    const before = await Deno.readTextFile(`${root}/out/manifest.json`);
    // Mismatched shape in model.json.
    await copyModels(`${root}/shape`);
    const mj = `${root}/shape/marine/model.json`;
    const json = JSON.parse(await Deno.readTextFile(mj));
    json.weightsManifest[0].weights[0].shape = [30, 17];
    await Deno.writeTextFile(mj, JSON.stringify(json));
    const e1 = await exportPolicySet({
      scenario: SCENARIO,
      outDir: `${root}/out`,
      modelsDir: `${root}/shape`,
      targets: ["host"],
      log: () => {},
    })
      .then(() => undefined, (e) => e as Error);
    assert.ok(e1);
    assert.match(e1.message, /shape\/marine\/model\.json/);
    assert.match(e1.message, /field "weightsManifest\[0\]\.weights\[0\]\.shape"/);
    assert.match(e1.message, /\[30,17\]/);
    // NaN weight.
    await copyModels(`${root}/nan`);
    const bin = `${root}/nan/marine/weights.bin`;
    const w = new Float32Array((await Deno.readFile(bin)).buffer);
    w[5] = NaN;
    await Deno.writeFile(bin, new Uint8Array(w.buffer));
    const e2 = await exportPolicySet({
      scenario: SCENARIO,
      outDir: `${root}/out`,
      modelsDir: `${root}/nan`,
      targets: ["host"],
      log: () => {},
    })
      .then(() => undefined, (e) => e as Error);
    assert.ok(e2);
    assert.match(e2.message, /nan\/marine\/weights\.bin/);
    assert.match(e2.message, /field "weightsManifest\[0\]\.weights\[0\]"/);
    assert.match(e2.message, /non-finite value NaN at index 5/);
    // The previous export is untouched and no temporary folder is left behind.
    assert.equal(await Deno.readTextFile(`${root}/out/manifest.json`), before);
    const left = [...Deno.readDirSync(root)].map((e) => e.name).filter((n) => n.includes(".tmp-"));
    assert.deepEqual(left, []);
  },
});

Deno.test("export: an unknown target and a missing toolchain are clear errors", async () => {
  assert.throws(
    () => parseTargets("host,riscv"),
    /flag --target: unknown target "riscv"; targets are host, cortex-m4, wasm/,
  );
  const path = Deno.env.get("PATH") ?? "";
  const empty = await Deno.makeTempDir();
  Deno.env.set("PATH", empty);
  try {
    const e = await exportPolicySet({
      scenario: SCENARIO,
      outDir: `${root}/never`,
      targets: ["cortex-m4"],
      log: () => {},
    })
      .then(() => undefined, (e) => e as Error);
    assert.ok(e instanceof ToolchainError);
    assert.match(
      e.message,
      /target "cortex-m4": tool "arm-none-eabi-gcc" is not on PATH \(Debian package gcc-arm-none-eabi/,
    );
  } finally {
    Deno.env.set("PATH", path);
    await Deno.remove(empty, { recursive: true });
  }
  await assert.rejects(Deno.stat(`${root}/never`));
});

Deno.test("export: networkFromWeights names the layer of a wrong shape", () => {
  const spec = {
    obsSize: 2,
    agentIdSize: 0,
    numActions: 2,
    hiddenSizes: [3],
    activation: "relu" as const,
    kind: "mlp" as const,
  };
  assert.throws(
    () =>
      networkFromWeights("a", spec, [
        new Float32Array(6),
        new Float32Array(3),
        new Float32Array(5),
        new Float32Array(2),
      ], "m/a/weights.bin"),
    /Cannot export "m\/a\/weights.bin": field "layers\[1\]\.kernel" has 5 values, the architecture 2-3-2 needs 6/,
  );
});

Deno.test({
  name:
    `export: mixed 8/16-bit C (int32 and int64 accumulators, relu and tanh) equals its TypeScript twin${
      missing.some((m) => m.startsWith("host")) ? " (skipped: no gcc)" : ""
    }`,
  ignore: missing.some((m) => m.startsWith("host")),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "fleetkd-mixed-" });
    try {
      const rng = new Rng(11);
      const cases: [string, "relu" | "tanh", LayerPrecision[]][] = [
        ["mixrelu", "relu", [{ weightBits: 16, inputBits: 8 }, { weightBits: 16, inputBits: 16 }, {
          weightBits: 8,
          inputBits: 16,
        }]],
        ["mixtanh", "tanh", [{ weightBits: 8, inputBits: 16 }, { weightBits: 16, inputBits: 8 }, {
          weightBits: 16,
          inputBits: 16,
        }]],
      ];
      for (const [name, activation, precision] of cases) {
        const spec = {
          obsSize: 7,
          agentIdSize: 0,
          numActions: 4,
          hiddenSizes: [9, 6],
          activation,
          kind: "mlp" as const,
        };
        const arr = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
        const net = networkFromWeights(name, spec, [
          arr(63),
          arr(9),
          arr(54),
          arr(6),
          arr(24),
          arr(4),
        ]);
        const rows = 400;
        const inputs = Float32Array.from({ length: rows * 7 }, () => 3 * rng.normal());
        const masks = Uint8Array.from({ length: rows * 4 }, () => (rng.uniform() < 0.8 ? 1 : 0));
        // Calibrated on the first half: the second half also exercises clamping.
        const q = quantizeWith(net, calibrationStats(net, inputs, rows / 2), precision);
        const f32 = generateFloatC(net), i8 = generateInt8C(net, q);
        for (const g of [f32, i8]) {
          await Deno.writeTextFile(`${dir}/${g.base}.c`, g.source);
          await Deno.writeTextFile(`${dir}/${g.base}.h`, g.header);
        }
        if (name === "mixrelu") assert.match(i8.source, /long long acc/);
        assert.match(i8.source, /static const short fk_w/);
        const exe = await buildHost(dir, f32, i8, 7, 4);
        const host = await runHostVerify(exe, dir, {
          name,
          rows,
          inputSize: 7,
          numActions: 4,
          inputs,
          masks,
        });
        const out = new Float32Array(4);
        for (let r = 0; r < rows; r++) {
          simulateQuantized(net, q, inputs, r, out);
          for (let k = 0; k < 4; k++) {
            assert.equal(out[k], host.li[r * 4 + k], `${name} row ${r} logit ${k}`);
          }
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "export: cleanup",
  sanitizeResources: false,
  async fn() {
    await Deno.remove(root, { recursive: true });
  },
});

Deno.test("export: a student with an observation view is refused, naming the file and field", async () => {
  const { SmaxEnv } = await import("../sim/smax/env.ts");
  const { ObservationView } = await import("../policies/observation_view.ts");
  const { PlainActor } = await import("../policies/plain.ts");
  const { savePolicySet } = await import("../policies/model_io.ts");
  const env = new SmaxEnv({ map: "3m" });
  const view = ObservationView.create(env.observationLayout(0), {
    entities: { enemies: 1, allies: 1 },
  });
  const spec = {
    obsSize: view.outputSize,
    agentIdSize: 0,
    numActions: env.numActions,
    hiddenSizes: [4],
    activation: "tanh" as const,
    kind: "mlp" as const,
  };
  const actor = PlainActor.fromWeights(spec, [
    new Float32Array(spec.obsSize * 4).fill(0.1),
    new Float32Array(4),
    new Float32Array(4 * spec.numActions).fill(0.1),
    new Float32Array(spec.numActions),
  ]);
  const dir = await Deno.makeTempDir({ prefix: "fleetkd_export_view_" });
  try {
    await savePolicySet(`${dir}/s`, { classes: [{ name: "marine", actor, view }] });
    await assert.rejects(
      exportPolicySet({
        scenario: "smax/3m",
        modelsDir: `${dir}/s`,
        outDir: `${dir}/out`,
        targets: ["host"],
        log: () => {},
      }),
      /manifest\.json.*classes\[0\]\.observationView.*reads an observation view \(18 of 30 values\)/,
    );
    await assert.rejects(Deno.stat(`${dir}/out`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * `exportPolicySet`: compiles every class of a policy set (the shipped students by default) into
 * dependency-free C99, float32 and int8 (see `codegen.ts`, `quantize.ts`), builds and checks it on the
 * requested targets and writes the export folder atomically (built in a sibling temporary folder, then
 * renamed into place; a failure leaves no partial export and the previous export untouched):
 *
 * ```
 * <out>/manifest.json            format "fleetkd-export": per class the spec, sizes (params, FLOPs,
 *                                flash/RAM estimates and arm-none-eabi-size figures against the class's
 *                                memory budget), agreement figures, QEMU instruction counts; the
 *                                calibration and verification observations' provenance
 * <out>/c/<class>_f32.{c,h}      float32
 * <out>/c/<class>_i8.{c,h}       int8, per-channel weight scales; layers at 16 bits where the calibration
 *                                set asks (see `choosePrecision`)
 * <out>/wasm/<class>_{f32,i8}.wasm   the same C compiled to WASM SIMD (target wasm)
 * <out>/wasm/<class>_f32_fast.wasm   the fast float32 WASM build (codegen_wasm.ts), which the compiled
 *                                backend loads by default
 * ```
 *
 * Checks per target: `host` (gcc) runs the held-out observations through both precisions and compares the
 * float32 logits with the plain path (max |diff|, same argmax) and the int8 actions with float32;
 * `cortex-m4` compiles for a Cortex-M4F, measures the model objects with `arm-none-eabi-size` and
 * `-fstack-usage`, and runs the first observations under QEMU (mps2-an386, semihosting, `-icount
 * shift=0`): same actions as the host build, instructions per decision; `wasm` loads the modules as
 * {@linkcode CompiledActor}s, checks their actions against the host build and plays held-out episodes
 * with the int8 policy against the float32 one (the int8 retention impact).
 *
 * @example
 * ```ts ignore
 * import { exportPolicySet } from "./export.ts";
 * const manifest = await exportPolicySet({ scenario: "3m", outDir: "out/export/3m", targets: ["host"] });
 * console.log(manifest.classes[0].host?.float32.maxAbsLogitDiff);
 * ```
 *
 * @module
 */

import { defaultCatalog } from "../catalog/mod.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import type { ComputeBudget } from "../sim/budget.ts";
import { loadPolicySet } from "../policies/model_io.ts";
import type { PlainActor } from "../policies/plain.ts";
import { CompiledActor, EXPORT_FORMAT } from "../policies/compiled.ts";
import { actorCost } from "../policies/cost.ts";
import { PolicyController } from "../policies/controller.ts";
import type { PolicySet } from "../policies/policy_set.ts";
import { actionModeOf, budgetsOf, deployableModelsDir } from "../distill/scenario.ts";
import { evaluateController, pairedDifference } from "../distill/evaluate.ts";
import { ExportInputError, type Network, networkFromActor } from "./network.ts";
import { fastWasmFits, generateWasmFloatC, type WasmCOptions } from "./codegen_wasm.ts";
import { relaxMaddOpcodes } from "./wasm_relaxed.ts";
import {
  allInt8,
  calibrationStats,
  choosePrecision,
  type LayerPrecision,
  type PrecisionChoice,
  quantizeWith,
  simulateQuantized,
} from "./quantize.ts";
import {
  type GeneratedC,
  generateFloatC,
  generateInt8C,
  precisionText,
  tableBytes,
} from "./codegen.ts";
import { hostHarness, M4_LINKER_SCRIPT, M4_STARTUP, m4Harness, wasmGlue } from "./harness.ts";
import { type ClassRecording, type Recording, recordObservations } from "./record.ts";
import { M4_FLAGS, requireTarget, runTool, type Target } from "./toolchain.ts";

/** Options of {@linkcode exportPolicySet}. */
export interface ExportOptions {
  /** Scenario name or environment id. */
  scenario: string;
  /** Output folder (replaced atomically). */
  outDir: string;
  /** Policy set folder (default: the scenario's shipped students). */
  modelsDir?: string;
  /** Build targets (default all). */
  targets?: readonly Target[];
  /** Seed of the calibration episodes (default 0); held-out episodes start at `seed + 100000`. */
  seed?: number;
  /** Calibration episodes (default 50), all run; the calibration rows are a uniform sample of them. */
  calibrationEpisodes?: number;
  /** Calibration observations per class (default 2000). */
  calibrationRows?: number;
  /**
   * Agreement of the 8-bit network's actions with the float network's on the calibration observations
   * below which layers are promoted to 16 bits (see `choosePrecision`; default 0.998; 0 = all 8-bit).
   */
  int8Target?: number;
  /** Held-out observations per class for the agreement checks (default 10000). */
  verifyRows?: number;
  /** Observations run under QEMU per class (default 64). */
  qemuRows?: number;
  /** Held-out episodes of the int8-vs-float32 return comparison (default 5; 0 = skip; needs wasm). */
  evalEpisodes?: number;
  /** Progress lines (default stderr). */
  log?: (line: string) => void;
}

/** Figures of one class in the manifest. */
export interface ExportedClass {
  /** Agent class name. */
  name: string;
  /** C identifier of the class (prefix of its generated functions). */
  ident: string;
  /** The exported network's shape. */
  spec: Network["spec"];
  /** Layer widths, input to output, e.g. `"12-32-32-5"`. */
  arch: string;
  /** Trainable parameters. */
  params: number;
  /** Floating-point operations per decision. */
  flops: number;
  /** Multiply-accumulates per decision. */
  macs: number;
  /** Generated C sources and headers (float32 and int8), relative to the export folder. */
  files: { f32: { c: string; h: string }; i8: { c: string; h: string } };
  /**
   * WASM SIMD modules (float32 and int8 of the portable C, and the fast float32 build the compiled backend
   * loads by default when the network is small enough, see `fastWasmFits`), relative to the export folder
   * (target `wasm`).
   */
  wasm?: { f32: string; i8: string; f32Fast?: string };
  /** The class's parameter memory budget, bytes. */
  budget: { paramMemoryBytes: number };
  /** Generator's own estimate: constant tables (flash) and activation buffers (RAM), bytes. */
  estimate: { f32: { flash: number; ram: number }; i8: { flash: number; ram: number } };
  /** Recorded observations the int8 activation scales were calibrated on. */
  calibrationRows: number;
  /**
   * Bits per layer of the "int8" build (8 unless the calibration promoted an operand to 16), chosen on
   * the calibration observations, with the agreement before and after and the promotions taken.
   */
  quantization: {
    precision: LayerPrecision[];
    text: string;
    mixed: boolean;
    calibrationAgreement: { allInt8: number; chosen: number; target: number };
    steps: PrecisionChoice["steps"];
  };
  /** Host (gcc) build checked against the tfjs-free reference on held-out observations (target `host`). */
  host?: {
    rows: number;
    float32: { maxAbsLogitDiff: number; argmaxAgreement: number; maskedActionAgreement: number };
    int8: {
      actionAgreementWithFloat32: number;
      maxAbsLogitDiff: number;
      /** Held-out agreement of the same calibration at 8 bits everywhere (TypeScript twin of the C). */
      allInt8ActionAgreement: number;
      /** The TypeScript twin gives the host build's actions on every held-out row. */
      simulatorMatchesHost: boolean;
    };
  };
  /** Cortex-M4 build: sizes, and the QEMU run against the host (target `cortex-m4`). */
  cortexM4?: {
    /** arm-none-eabi-size of each model object alone (text includes the constant weights). */
    f32: M4Size;
    i8: M4Size;
    /** The same for the all-8-bit build, when the chosen precision is mixed (the cost of the promotions). */
    i8AllInt8?: M4Size;
    qemu: {
      rows: number;
      sameActionsAsHost: boolean;
      mismatches: number;
      instructionsPerDecision: { f32: number; i8: number };
      instructionsPerTick: number;
    };
    elfBytes: { text: number; data: number; bss: number };
  };
  /**
   * WASM modules checked against the host build (target `wasm`): the portable C's builds give its actions
   * (`sameActionsAsHost`); the fast float32 build (`codegen_wasm.ts`) its action agreement with the host
   * float32 build and its max |logit diff| against the plain path (float64 accumulation).
   */
  wasmCheck?: {
    rows: number;
    sameActionsAsHost: boolean;
    fast: { actionAgreementWithHost: number; maxAbsLogitDiffVsPlain: number };
  };
}

/** Flash/RAM of one model object on the Cortex-M4. */
export interface M4Size {
  /** Code and constant data (the weights), bytes. */
  text: number;
  /** Initialised data, bytes. */
  data: number;
  /** Zero-initialised data (activation buffers), bytes. */
  bss: number;
  /** Worst stack of a decision (`act` and what it calls, from `-fstack-usage`). */
  stack: number;
  /** text + data. */
  flash: number;
  /** data + bss + stack. */
  ram: number;
  /** `flash` fits the class's parameter memory budget. */
  fitsFlash: boolean;
  /** `ram` fits the class's parameter memory budget. */
  fitsRam: boolean;
}

/** The export manifest. */
export interface ExportManifest {
  /** Always {@linkcode EXPORT_FORMAT}. */
  format: typeof EXPORT_FORMAT;
  /** Manifest version. */
  version: 1;
  /** Environment id. */
  envId: string;
  /** The policy set that was exported. */
  modelsDir: string;
  /** ISO time of the export. */
  exportedAt: string;
  /** Targets built. */
  targets: Target[];
  /** Compiler version per target. */
  compilers: Record<string, string>;
  /** Where the calibration observations came from, and how many per class. */
  calibration: Recording["provenance"] & { rowsPerClass: Record<string, number> };
  /** Where the held-out verification observations came from, and how many per class. */
  verification: Recording["provenance"] & { rowsPerClass: Record<string, number> };
  /** One entry per agent class. */
  classes: ExportedClass[];
  /** Held-out episodes' returns of the float32 and int8 WASM students, paired. */
  int8Return?: {
    episodes: number;
    seed: number;
    float32Mean: number;
    int8Mean: number;
    pairedDiff: number;
    pairedCi95: number;
  };
  /** Caveats of this export, in words. */
  notes: string[];
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/** Masked greedy action as the generated C selects it (first maximum, illegal actions -1e9). */
function selectMasked(logits: Float32Array, masks: Uint8Array, row: number, A: number): number {
  let best = 0, bestV = 0;
  for (let k = 0; k < A; k++) {
    const v = masks[row * A + k] === 0 ? Math.fround(-1e9) : logits[k];
    if (k === 0 || v > bestV) {
      bestV = v;
      best = k;
    }
  }
  return best;
}

function argmaxRows(logits: Float32Array, rows: number, A: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < A; k++) if (logits[r * A + k] > logits[r * A + best]) best = k;
    out[r] = best;
  }
  return out;
}

async function version(tool: string): Promise<string> {
  try {
    return (await runTool(tool, ["--version"], ".")).split("\n")[0].trim();
  } catch {
    return "unknown";
  }
}

/**
 * Host gcc flags of the checked build.
 *
 * @example
 * ```ts
 * import { HOST_FLAGS } from "./export.ts";
 * console.assert(HOST_FLAGS.includes("-ffp-contract=off"));
 * ```
 */
export const HOST_FLAGS = [
  "-std=c99",
  "-O2",
  "-ffp-contract=off",
  "-Wall",
  "-Wextra",
  "-pedantic",
  "-Werror",
];

/** Writes a class's generated files into `dir`. */
async function writeGenerated(dir: string, g: GeneratedC): Promise<void> {
  await Deno.writeTextFile(`${dir}/${g.base}.c`, g.source);
  await Deno.writeTextFile(`${dir}/${g.base}.h`, g.header);
}

/** Parses `-fstack-usage` output: the stack of `act` plus the largest callee it may reach. */
function stackOf(su: string, prefix: string): number {
  const sizes = new Map<string, number>();
  for (const line of su.split("\n")) {
    const m = line.match(/:([A-Za-z0-9_]+)\s+(\d+)\s+/);
    if (m) sizes.set(m[1], Number(m[2]));
  }
  const act = sizes.get(`${prefix}act`) ?? 0;
  const logits = sizes.get(`${prefix}logits`) ?? 0;
  let layers = 0, select = 0;
  for (const [name, s] of sizes) {
    if (/^fk_layer\d+$/.test(name)) layers = Math.max(layers, s);
    if (name === "fk_select" || name === "fk_quant" || name === "fk_tanh") {
      select = Math.max(select, s);
    }
  }
  return act + logits + Math.max(layers, select);
}

function parseSize(text: string): { text: number; data: number; bss: number } {
  const line = text.trim().split("\n")[1]?.trim().split(/\s+/) ?? [];
  return { text: Number(line[0]), data: Number(line[1]), bss: Number(line[2]) };
}

/**
 * Compiles a class's two precisions with the host harness into `dir/<ident>_<name>` with `compiler`
 * (default gcc) and `flags`.
 *
 * @example
 * ```ts ignore
 * const exe = await buildHost(dir, "marine", ["-O3", "-march=native"]);
 * ```
 */
export async function buildHost(
  dir: string,
  f32: GeneratedC,
  i8: GeneratedC,
  inputSize: number,
  numActions: number,
  flags: readonly string[] = HOST_FLAGS,
  name = "host",
  compiler = "gcc",
): Promise<string> {
  const harness = `${dir}/${f32.base}_${name}_main.c`;
  await Deno.writeTextFile(
    harness,
    hostHarness(f32.base, i8.base, f32.prefix, i8.prefix, inputSize, numActions),
  );
  const exe = `${dir}/${f32.base.replace(/_f32$/, "")}_${name}`;
  await runTool(compiler, [
    ...flags,
    "-I",
    dir,
    "-o",
    exe,
    harness,
    `${dir}/${f32.base}.c`,
    `${dir}/${i8.base}.c`,
  ], dir);
  return exe;
}

/**
 * Runs the host harness in verify mode on `rec`; returns float32/int8 logits and actions.
 *
 * @example
 * ```ts ignore
 * const { af, ai } = await runHostVerify(exe, buildDir, recording.classes[0]);
 * ```
 */
export async function runHostVerify(
  exe: string,
  dir: string,
  rec: ClassRecording,
): Promise<{ lf: Float32Array; li: Float32Array; af: Int32Array; ai: Int32Array }> {
  const tag = `${dir}/${rec.name.replace(/[^A-Za-z0-9_]/g, "_")}`;
  await Deno.writeFile(
    `${tag}.in`,
    new Uint8Array(rec.inputs.buffer, rec.inputs.byteOffset, rec.inputs.byteLength),
  );
  await Deno.writeFile(`${tag}.mask`, rec.masks);
  await runTool(exe, ["verify", `${tag}.in`, `${tag}.mask`, String(rec.rows), `${tag}.out`], dir);
  const bytes = await Deno.readFile(`${tag}.out`);
  const n = rec.rows, A = rec.numActions;
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const lf = new Float32Array(buf, 0, n * A);
  const li = new Float32Array(buf, n * A * 4, n * A);
  const af = new Int32Array(buf, n * A * 8, n);
  const ai = new Int32Array(buf, n * A * 8 + n * 4, n);
  return { lf, li, af, ai };
}

/**
 * Compiles one class and precision to WASM SIMD; returns the module bytes.
 *
 * @example
 * ```ts ignore
 * const bytes = await buildWasm(buildDir, generateFloatC(net));
 * ```
 */
export async function buildWasm(dir: string, g: GeneratedC): Promise<Uint8Array> {
  const glue = `${dir}/${g.base}_wasm_glue.c`;
  await Deno.writeTextFile(glue, wasmGlue(g.base, g.prefix, g.prefix.toUpperCase()));
  const out = `${dir}/${g.base}.wasm`;
  await runTool("clang", [
    "--target=wasm32",
    "-msimd128",
    "-O3",
    "-nostdlib",
    "-std=c99",
    "-ffp-contract=off",
    "-I",
    dir,
    "-Wl,--no-entry",
    "-Wl,--export=__heap_base",
    ...["fk_input_size", "fk_num_actions", "fk_act", "fk_act_batch", "fk_logits_batch"].map((f) =>
      `-Wl,--export=${f}`
    ),
    "-o",
    out,
    `${dir}/${g.base}.c`,
    glue,
  ], dir);
  return await Deno.readFile(out);
}

/**
 * Compiles the fast float32 WASM build of a network (`codegen_wasm.ts`; with `madd`, relaxed-SIMD
 * multiply-add, its opcodes rewritten by `relaxMaddOpcodes`); returns the base name and module bytes.
 *
 * @example
 * ```ts ignore
 * const { bytes } = await buildWasmFast(buildDir, net);
 * ```
 */
export async function buildWasmFast(
  dir: string,
  net: Network,
  options: WasmCOptions = {},
): Promise<{ base: string; bytes: Uint8Array }> {
  const g = generateWasmFloatC(net, options);
  const src = `${dir}/${g.base}.c`, out = `${dir}/${g.base}.wasm`;
  await Deno.writeTextFile(src, g.source);
  await runTool("clang", [
    "--target=wasm32",
    "-msimd128",
    ...(options.madd ? ["-mrelaxed-simd"] : []),
    "-O3",
    "-nostdlib",
    "-std=c99",
    "-ffp-contract=off",
    "-Wl,--no-entry",
    "-Wl,--export=__heap_base",
    ...[
      "fk_input_size",
      "fk_num_actions",
      "fk_act",
      "fk_act_batch",
      "fk_logits_batch",
      ...(net.numActions <= 32 ? ["fk_act_bits"] : []),
    ].map((f) => `-Wl,--export=${f}`),
    "-o",
    out,
    src,
  ], dir);
  const bytes = await Deno.readFile(out);
  return { base: g.base, bytes: options.madd ? relaxMaddOpcodes(bytes).bytes : bytes };
}

function progress(log: (s: string) => void, s: string): void {
  log(`export: ${s}`);
}

/**
 * Exports a policy set (see module docs); returns the manifest it wrote.
 *
 * @example
 * ```ts ignore
 * const m = await exportPolicySet({ scenario: "3m", outDir: "out/export/3m" });
 * console.log(m.classes[0].cortexM4?.qemu.instructionsPerDecision.f32);
 * ```
 */
export async function exportPolicySet(options: ExportOptions): Promise<ExportManifest> {
  const log = options.log ?? ((s: string) => console.error(s));
  const targets = [...(options.targets ?? ["host", "cortex-m4", "wasm"])] as Target[];
  for (const t of targets) await requireTarget(t);
  const needsHost = targets.includes("cortex-m4") || targets.includes("wasm");
  if (needsHost && !targets.includes("host")) {
    // The QEMU and WASM checks compare against the host build.
    await requireTarget("host");
    targets.unshift("host");
  }
  const entry = defaultCatalog().get(options.scenario);
  const envId = entry.id;
  const env: MultiAgentEnv = entry.make();
  const shipped = deployableModelsDir(entry);
  if (options.modelsDir === undefined && shipped === undefined) {
    throw new ExportInputError(
      envId,
      "models",
      "is not given and the scenario ships no students; pass the policy set folder (--models DIR)",
    );
  }
  const modelsDir = (options.modelsDir ?? `${shipped}/students`).replace(/\/+$/, "");
  const set = await loadPolicySet(modelsDir, { as: "plain", expect: { classes: env.classes } });
  // The generated C reads the network's input as it is; a student with an observation budget reads a
  // view of the observation that the export does not generate (yet), so it would decide on the wrong input.
  for (const [i, c] of set.classes.entries()) {
    if (c.view) {
      throw new ExportInputError(
        `${modelsDir}/manifest.json`,
        `classes[${i}].observationView`,
        `class "${c.name}" reads an observation view (${c.view.outputSize} of ${c.view.inputSize} values), which the export does not generate; export students trained on the full observation`,
      );
    }
  }
  const budgets: ComputeBudget[] = budgetsOf(entry, env);
  const nets = set.classes.map((c) =>
    networkFromActor(c.name, c.actor as PlainActor, `${modelsDir}/${c.name}/weights.bin`)
  );
  const idents = new Set<string>();
  for (const n of nets) {
    if (idents.has(n.ident)) {
      throw new ExportInputError(
        `${modelsDir}/manifest.json`,
        "classes[].name",
        `"${n.className}" maps to the C name "${n.ident}" that another class has`,
      );
    }
    idents.add(n.ident);
  }
  const seed = options.seed ?? 0;
  const actions = actionModeOf(entry);
  progress(log, `${envId}: recording calibration observations (seed ${seed})`);
  const cal = recordObservations(env, set, {
    seed,
    episodes: options.calibrationEpisodes ?? 50,
    maxPerClass: options.calibrationRows ?? 2000,
    actions,
    policyLabel: modelsDir,
    sampling: "uniform",
  });
  const heldSeed = seed + 100000;
  const ver = recordObservations(env, set, {
    seed: heldSeed,
    episodes: 2000,
    maxPerClass: options.verifyRows ?? 10000,
    actions,
    policyLabel: modelsDir,
  });
  const out = options.outDir.replace(/\/+$/, "");
  const tag = `${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const tmp = `${out}.tmp-${tag}`;
  const build = await Deno.makeTempDir({ prefix: "fleetkd-export-" });
  const notes: string[] = [];
  try {
    await Deno.mkdir(`${tmp}/c`, { recursive: true });
    const classes: ExportedClass[] = [];
    const compiled: { f32?: CompiledActor; i8?: CompiledActor }[] = [];
    for (const [c, net] of nets.entries()) {
      const calRec = cal.classes[c], verRec = ver.classes[c];
      if (calRec.rows === 0) {
        throw new RangeError(
          `Cannot export class "${net.className}": no calibration observations were recorded`,
        );
      }
      const stats = calibrationStats(net, calRec.inputs, calRec.rows);
      const choice = choosePrecision(
        net,
        stats,
        calRec.inputs,
        calRec.masks,
        calRec.rows,
        options.int8Target ?? 0.998,
      );
      const q = quantizeWith(net, stats, choice.precision);
      const q8 = quantizeWith(net, stats, allInt8(net));
      const mixed = choice.steps.length > 0;
      progress(
        log,
        `${net.className}: 8-bit agrees on ${
          (100 * choice.int8Agreement).toFixed(2)
        }% of ${calRec.rows} calibration observations; ${
          mixed
            ? `promoted to ${precisionText(q)} (${(100 * choice.agreement).toFixed(2)}%)`
            : "kept"
        }`,
      );
      const f32 = generateFloatC(net), i8 = generateInt8C(net, q);
      for (const g of [f32, i8]) {
        await writeGenerated(`${tmp}/c`, g);
        await writeGenerated(build, g);
      }
      const cost = actorCost(net.spec);
      const ef = tableBytes(net, "f32"), ei = tableBytes(net, "i8", choice.precision);
      const entry: ExportedClass = {
        name: net.className,
        ident: net.ident,
        spec: net.spec,
        arch: [net.inputSize, ...net.layers.map((l) => l.outSize)].join("-"),
        params: cost.params,
        flops: cost.flops,
        macs: cost.macs,
        files: {
          f32: { c: `c/${f32.base}.c`, h: `c/${f32.base}.h` },
          i8: { c: `c/${i8.base}.c`, h: `c/${i8.base}.h` },
        },
        budget: { paramMemoryBytes: budgets[c].paramMemoryBytes },
        estimate: {
          f32: { flash: ef.flash, ram: ef.activations },
          i8: { flash: ei.flash, ram: ei.activations },
        },
        calibrationRows: calRec.rows,
        quantization: {
          precision: choice.precision,
          text: precisionText(q),
          mixed,
          calibrationAgreement: {
            allInt8: choice.int8Agreement,
            chosen: choice.agreement,
            target: choice.target,
          },
          steps: choice.steps,
        },
      };
      const slot: { f32?: CompiledActor; i8?: CompiledActor } = {};
      compiled.push(slot);
      let host: Awaited<ReturnType<typeof runHostVerify>> | undefined;
      if (targets.includes("host")) {
        progress(log, `${net.className}: host gcc build, ${verRec.rows} held-out observations`);
        const exe = await buildHost(build, f32, i8, net.inputSize, net.numActions);
        host = await runHostVerify(exe, build, verRec);
        const plain = set.classes[c].actor as PlainActor;
        const n = verRec.rows, A = net.numActions;
        const ref = plain.logits(verRec.inputs, undefined, new Float32Array(n * A), n);
        const refMasked = plain.actBatch(verRec.inputs, n, verRec.masks, new Int32Array(n));
        let maxDiff = 0, maxDiffI8 = 0;
        for (let i = 0; i < n * A; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(ref[i] - host.lf[i]));
          maxDiffI8 = Math.max(maxDiffI8, Math.abs(host.lf[i] - host.li[i]));
        }
        const amRef = argmaxRows(ref, n, A), amC = argmaxRows(host.lf, n, A);
        let same = 0, sameMasked = 0, sameI8 = 0, sameAll8 = 0, twinMatches = true;
        const li = new Float32Array(A);
        for (let r = 0; r < n; r++) {
          if (amRef[r] === amC[r]) same++;
          if (refMasked[r] === host.af[r]) sameMasked++;
          if (host.ai[r] === host.af[r]) sameI8++;
          if (
            selectMasked(simulateQuantized(net, q, verRec.inputs, r, li), verRec.masks, r, A) !==
              host.ai[r]
          ) {
            twinMatches = false;
          }
          const a8 = mixed
            ? selectMasked(simulateQuantized(net, q8, verRec.inputs, r, li), verRec.masks, r, A)
            : host.ai[r];
          if (a8 === host.af[r]) sameAll8++;
        }
        entry.host = {
          rows: n,
          float32: {
            maxAbsLogitDiff: maxDiff,
            argmaxAgreement: same / n,
            maskedActionAgreement: sameMasked / n,
          },
          int8: {
            actionAgreementWithFloat32: sameI8 / n,
            maxAbsLogitDiff: maxDiffI8,
            allInt8ActionAgreement: sameAll8 / n,
            simulatorMatchesHost: twinMatches,
          },
        };
      }
      if (targets.includes("cortex-m4")) {
        progress(log, `${net.className}: Cortex-M4 build and QEMU run`);
        entry.cortexM4 = await cortexM4(
          build,
          net,
          f32,
          i8,
          verRec,
          host!,
          budgets[c],
          options.qemuRows ?? 64,
        );
        if (mixed) {
          // The all-8-bit build of the same calibration, sized alone: what the promotions cost.
          const dir8 = `${build}/all8`;
          await Deno.mkdir(dir8, { recursive: true });
          const g8 = generateInt8C(net, q8);
          await writeGenerated(dir8, g8);
          entry.cortexM4.i8AllInt8 = await m4Size(dir8, g8, budgets[c]);
        }
      }
      if (targets.includes("wasm")) {
        progress(log, `${net.className}: WASM SIMD build`);
        await Deno.mkdir(`${tmp}/wasm`, { recursive: true });
        for (const [key, g] of [["f32", f32], ["i8", i8]] as const) {
          const bytes = await buildWasm(build, g);
          await Deno.writeFile(`${tmp}/wasm/${g.base}.wasm`, bytes);
          slot[key] = await CompiledActor.load(bytes, net.spec, {
            precision: key === "f32" ? "float32" : "int8",
            label: `wasm/${g.base}.wasm`,
          });
        }
        // The fast float32 build (shape-specialised SIMD128, its own summation order), checked against
        // the plain path's logits and the host build's actions.
        const fast = fastWasmFits(net) ? await buildWasmFast(build, net) : undefined;
        if (fast) await Deno.writeFile(`${tmp}/wasm/${fast.base}.wasm`, fast.bytes);
        const fastActor = fast
          ? await CompiledActor.load(fast.bytes, net.spec, { label: `wasm/${fast.base}.wasm` })
          : slot.f32!;
        entry.wasm = {
          f32: `wasm/${f32.base}.wasm`,
          i8: `wasm/${i8.base}.wasm`,
          ...(fast ? { f32Fast: `wasm/${fast.base}.wasm` } : {}),
        };
        const n = verRec.rows, A = net.numActions;
        const wf = slot.f32!.actBatch(verRec.inputs, n, verRec.masks, new Int32Array(n));
        const wi = slot.i8!.actBatch(verRec.inputs, n, verRec.masks, new Int32Array(n));
        const wq = fastActor.actBatch(verRec.inputs, n, verRec.masks, new Int32Array(n));
        let same = true, fastSame = 0, fastMax = 0;
        for (let r = 0; r < n; r++) {
          if (wf[r] !== host!.af[r] || wi[r] !== host!.ai[r]) same = false;
          if (wq[r] === host!.af[r]) fastSame++;
        }
        const ref = (set.classes[c].actor as PlainActor).logits(
          verRec.inputs,
          undefined,
          new Float32Array(n * A),
          n,
        );
        const fl = fastActor.logits(verRec.inputs, undefined, new Float32Array(n * A), n);
        for (let i = 0; i < n * A; i++) fastMax = Math.max(fastMax, Math.abs(fl[i] - ref[i]));
        entry.wasmCheck = {
          rows: n,
          sameActionsAsHost: same,
          fast: { actionAgreementWithHost: fastSame / n, maxAbsLogitDiffVsPlain: fastMax },
        };
      }
      classes.push(entry);
    }
    const manifest: ExportManifest = {
      format: EXPORT_FORMAT,
      version: 1,
      envId,
      modelsDir,
      exportedAt: new Date().toISOString(),
      targets,
      compilers: Object.fromEntries(
        await Promise.all(
          targets.map(async (t) =>
            [
              t,
              await version(t === "host" ? "gcc" : t === "wasm" ? "clang" : "arm-none-eabi-gcc"),
            ] as const
          ),
        ),
      ),
      calibration: {
        ...cal.provenance,
        rowsPerClass: Object.fromEntries(cal.classes.map((c) => [c.name, c.rows])),
      },
      verification: {
        ...ver.provenance,
        rowsPerClass: Object.fromEntries(ver.classes.map((c) => [c.name, c.rows])),
      },
      classes,
      notes,
    };
    const evalEpisodes = options.evalEpisodes ?? 5;
    if (targets.includes("wasm") && evalEpisodes > 0) {
      progress(log, `int8 vs float32 returns on ${evalEpisodes} held-out episodes`);
      manifest.int8Return = int8Returns(env, envId, set, compiled, evalEpisodes, heldSeed, actions);
    }
    notes.push(
      "cortexM4 sizes are arm-none-eabi-size of each model object alone (-O2, hard-float); text holds the code and the constant weights (flash), RAM = data + bss + the decision's worst stack from -fstack-usage.",
      "instructionsPerDecision: guest instructions QEMU executed per greedy decision (SysTick under -icount shift=0, calibrated on a loop of known length), not Cortex-M4 cycles: it ignores pipeline stalls, flash wait states, multi-cycle loads and FPU latencies.",
    );
    await Deno.writeTextFile(`${tmp}/manifest.json`, JSON.stringify(manifest, null, 2) + "\n");
    // Swap folders: the old export moves aside, the new one in, then the old one is removed.
    const old = `${out}.old-${tag}`;
    const hadOld = await exists(out);
    const slash = out.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(out.slice(0, slash), { recursive: true });
    if (hadOld) await Deno.rename(out, old);
    try {
      await Deno.rename(tmp, out);
    } catch (e) {
      if (hadOld) await Deno.rename(old, out);
      throw e;
    }
    if (hadOld) await Deno.remove(old, { recursive: true });
    progress(log, `wrote ${out}`);
    return manifest;
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  } finally {
    await Deno.remove(build, { recursive: true }).catch(() => {});
  }
}

/** Compiles one model object for the Cortex-M4 in `dir` and measures it against the class's budget. */
async function m4Size(dir: string, g: GeneratedC, budget: ComputeBudget): Promise<M4Size> {
  const obj = `${dir}/${g.base}.m4.o`;
  await runTool("arm-none-eabi-gcc", [
    ...M4_FLAGS,
    "-fstack-usage",
    "-Wall",
    "-Werror",
    "-c",
    "-o",
    obj,
    `${dir}/${g.base}.c`,
  ], dir);
  const s = parseSize(await runTool("arm-none-eabi-size", [obj], dir));
  const stack = stackOf(await Deno.readTextFile(`${dir}/${g.base}.m4.su`), g.prefix);
  const flash = s.text + s.data, ram = s.data + s.bss + stack;
  return {
    ...s,
    stack,
    flash,
    ram,
    fitsFlash: flash <= budget.paramMemoryBytes,
    fitsRam: ram <= budget.paramMemoryBytes,
  };
}

async function cortexM4(
  build: string,
  net: Network,
  f32: GeneratedC,
  i8: GeneratedC,
  rec: ClassRecording,
  host: { af: Int32Array; ai: Int32Array },
  budget: ComputeBudget,
  qemuRows: number,
): Promise<NonNullable<ExportedClass["cortexM4"]>> {
  const sf = await m4Size(build, f32, budget), si = await m4Size(build, i8, budget);
  const rows = Math.min(qemuRows, rec.rows);
  const main = `${build}/${net.ident}_m4_main.c`;
  await Deno.writeTextFile(
    main,
    m4Harness(
      f32.base,
      i8.base,
      f32.prefix,
      i8.prefix,
      net.inputSize,
      net.numActions,
      rec.inputs,
      rec.masks,
      rows,
    ),
  );
  await Deno.writeTextFile(`${build}/m4_startup.c`, M4_STARTUP);
  await Deno.writeTextFile(`${build}/m4.ld`, M4_LINKER_SCRIPT);
  const elf = `${build}/${net.ident}_m4.elf`;
  await runTool("arm-none-eabi-gcc", [
    ...M4_FLAGS,
    "--specs=rdimon.specs",
    "-T",
    `${build}/m4.ld`,
    "-I",
    build,
    "-o",
    elf,
    `${build}/m4_startup.c`,
    main,
    `${build}/${f32.base}.c`,
    `${build}/${i8.base}.c`,
  ], build);
  const elfSize = parseSize(await runTool("arm-none-eabi-size", [elf], build));
  const stdout = await runTool(
    "qemu-system-arm",
    [
      "-M",
      "mps2-an386",
      "-nographic",
      "-monitor",
      "none",
      "-serial",
      "none",
      "-semihosting-config",
      "enable=on,target=native",
      "-icount",
      "shift=0",
      "-kernel",
      elf,
    ],
    build,
    { timeoutMs: 120_000 },
  );
  const lines = stdout.split("\n");
  const nums = (prefix: string) =>
    (lines.find((l) => l.startsWith(prefix + " ")) ?? "").split(/\s+/).slice(1).filter((s) =>
      s !== ""
    ).map(Number);
  const qf = nums("F"), qi = nums("I"), cal = nums("CAL");
  const tf = nums("T f32"), ti = nums("T i8");
  if (
    qf.length !== rows || qi.length !== rows || cal.length !== 2 || tf.length < 3 || ti.length < 3
  ) {
    throw new Error(`QEMU run of "${elf}" printed unexpected output:\n${stdout.slice(0, 500)}`);
  }
  let mismatches = 0;
  for (let r = 0; r < rows; r++) {
    if (qf[r] !== host.af[r]) mismatches++;
    if (qi[r] !== host.ai[r]) mismatches++;
  }
  const perTick = cal[1] / cal[0];
  // nums("T f32") splits "T f32 <ticks> <n>" after "T": ["f32"->NaN, ticks, n]
  return {
    f32: sf,
    i8: si,
    qemu: {
      rows,
      sameActionsAsHost: mismatches === 0,
      mismatches,
      instructionsPerDecision: {
        f32: (tf[1] * perTick) / tf[2],
        i8: (ti[1] * perTick) / ti[2],
      },
      instructionsPerTick: perTick,
    },
    elfBytes: elfSize,
  };
}

function int8Returns(
  env: MultiAgentEnv,
  envId: string,
  set: PolicySet,
  compiled: { f32?: CompiledActor; i8?: CompiledActor }[],
  episodes: number,
  seed: number,
  actions: "greedy" | "sample",
): NonNullable<ExportManifest["int8Return"]> {
  const i8Set: PolicySet = {
    classes: set.classes.map((c, i) => ({ name: c.name, actor: compiled[i].i8! })),
  };
  const f = evaluateController(env, new PolicyController("float32", set, { actions }), {
    episodes,
    seed,
  });
  const q = evaluateController(env, new PolicyController("int8", i8Set, { actions }), {
    episodes,
    seed,
  });
  const d = pairedDifference(q, f);
  void envId;
  return {
    episodes,
    seed,
    float32Mean: f.mean,
    int8Mean: q.mean,
    pairedDiff: d.mean,
    pairedCi95: d.ci95,
  };
}

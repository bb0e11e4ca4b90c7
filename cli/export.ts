/**
 * `deno task export`: compiles a scenario's students into dependency-free C99 (float32 and int8), builds
 * and checks them on the host (gcc), a Cortex-M4 under QEMU (arm-none-eabi-gcc, qemu-system-arm) and WASM
 * SIMD (clang), and writes the export folder atomically with a manifest of sizes, agreement figures and the
 * calibration data's provenance (see `export/export.ts`).
 *
 * ```sh
 * deno task export --scenario 3m [--out DIR] [--models DIR] [--target host,cortex-m4,wasm] [--seed 0]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { exportPolicySet } from "../export/export.ts";
import { parseTargets, ToolchainError } from "../export/toolchain.ts";
import { CliError, CliFailure, intFlag, MAX_SEED, runCli, scenarioFlag } from "./cli_util.ts";

/** The `--help` text. */
export const USAGE = `Usage: deno task export --scenario ID [flags]

Compiles every student of a scenario into dependency-free C99 (a .c and a .h per class, float32 and
int8 with per-channel weight scales calibrated on recorded observations), builds and checks it, and
writes the folder atomically: c/, wasm/, manifest.json (sizes against each class's memory budget,
agreement with the plain path, QEMU instructions per decision, calibration provenance).

  --scenario ID          environment id or scenario name (e.g. 3m, simple_spread, leo-wildfire)
  --out DIR              output folder (default out/export/<scenario>)
  --models DIR           policy set folder (default: the scenario's shipped students)
  --target LIST          comma-separated: host, cortex-m4, wasm (default all three)
  --seed S               seed of the calibration episodes (default 0; held-out ones start at S+100000)
  --calibration-rows N   recorded observations per class for calibration (default 2000)
  --verify-rows N        held-out observations per class for the checks (default 10000)
  --qemu-rows N          observations per class run under QEMU (default 64)
  --eval-episodes N      held-out episodes comparing int8 and float32 returns (default 5, 0 = skip)
  --help                 this text
`;

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      scenario: { type: "string" },
      out: { type: "string" },
      models: { type: "string" },
      target: { type: "string" },
      seed: { type: "string" },
      "calibration-rows": { type: "string" },
      "verify-rows": { type: "string" },
      "qemu-rows": { type: "string" },
      "eval-episodes": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.scenario) throw new CliError("flag --scenario is required (e.g. --scenario 3m)");
  const choice = scenarioFlag(values.scenario);
  if (choice.file !== undefined) {
    throw new CliError(
      `flag --scenario: "${values.scenario}" is an unregistered scenario file; export takes a registered scenario (its models via --models)`,
    );
  }
  const envId = choice.envId;
  const targets = values.target === undefined ? undefined : parseTargets(values.target);
  const opt = (name: string, v: string | undefined, min: number, max?: number) =>
    v === undefined ? undefined : intFlag(name, v, min, max);
  const manifest = await exportPolicySet({
    scenario: envId,
    outDir: values.out ?? `out/export/${values.scenario.replace(/[^A-Za-z0-9_.-]/g, "_")}`,
    modelsDir: values.models,
    targets,
    seed: opt("seed", values.seed, 0, MAX_SEED - 100000),
    calibrationRows: opt("calibration-rows", values["calibration-rows"], 1, 1_000_000),
    verifyRows: opt("verify-rows", values["verify-rows"], 1, 1_000_000),
    qemuRows: opt("qemu-rows", values["qemu-rows"], 1, 4096),
    evalEpisodes: opt("eval-episodes", values["eval-episodes"], 0, 100_000),
  });
  const rows = manifest.classes.map((c) => ({
    class: c.name,
    arch: c.arch,
    flops: c.flops,
    "f32 flash/RAM B": c.cortexM4 ? `${c.cortexM4.f32.flash}/${c.cortexM4.f32.ram}` : "-",
    "i8 flash/RAM B": c.cortexM4 ? `${c.cortexM4.i8.flash}/${c.cortexM4.i8.ram}` : "-",
    "budget B": c.budget.paramMemoryBytes,
    "f32 max|dlogit|": c.host?.float32.maxAbsLogitDiff.toExponential(2) ?? "-",
    "i8 agree": c.host ? (100 * c.host.int8.actionAgreementWithFloat32).toFixed(2) + "%" : "-",
    "QEMU=host": c.cortexM4?.qemu.sameActionsAsHost ?? "-",
    "M4 insn/dec f32,i8": c.cortexM4
      ? `${c.cortexM4.qemu.instructionsPerDecision.f32.toFixed(0)},${
        c.cortexM4.qemu.instructionsPerDecision.i8.toFixed(0)
      }`
      : "-",
  }));
  console.table(rows);
  if (manifest.int8Return) {
    const r = manifest.int8Return;
    console.log(
      `int8 vs float32 return over ${r.episodes} held-out episodes: ${r.int8Mean.toFixed(3)} vs ${
        r.float32Mean.toFixed(3)
      } (paired ${r.pairedDiff.toFixed(3)} +- ${r.pairedCi95.toFixed(3)})`,
    );
  }
}

if (import.meta.main) {
  await runCli("export", async () => {
    try {
      await main(Deno.args);
    } catch (e) {
      // A missing toolchain or a failed build is a failure with its cause (exit 1), not an internal error.
      if (e instanceof ToolchainError) throw new CliFailure(e.message, { cause: e });
      throw e;
    }
  }, USAGE);
}

/**
 * KD-MARL ablations on SMAX 3m, from the shipped teacher: the full student loss, each distillation term
 * removed in turn, and plain behaviour cloning (KL only, no policy gradient), each distilled with the
 * same seed, budget-sized student and step budget, then evaluated on the same seeded episodes. Reports
 * return, win rate and retention per variant.
 *
 * @module
 */

import { defaultCatalog } from "../catalog/mod.ts";
import { initBackend } from "../policies/backend.ts";
import { runStudentDistillation } from "../distill/student_run.ts";
import { evaluateDeployment } from "../distill/deployment.ts";
import { DEFAULT_KD_CONFIG, type KdWeights } from "../distill/kd_config.ts";
import type { BenchRow } from "./report.ts";

const ENV_ID = "smax/3m";
const SCENARIO = defaultCatalog().get(ENV_ID);
const STEPS = 150_000;

/** The variants: name and loss weights. */
export const ABLATIONS: readonly { name: string; weights: KdWeights }[] = (() => {
  const full = { ...DEFAULT_KD_CONFIG.weights };
  const without = (k: keyof KdWeights) => ({ ...full, [k]: 0 });
  return [
    { name: "full", weights: full },
    { name: "no-pg", weights: without("pg") },
    { name: "no-kl", weights: without("kl") },
    { name: "no-ce", weights: without("ce") },
    { name: "no-relation", weights: without("relation") },
    { name: "no-role", weights: without("role") },
    { name: "bc-kl-only", weights: { pg: 0, kl: 1, ce: 0, relation: 0, role: 0 } },
  ];
})();

/** Runs the suite. */
export async function run(): Promise<BenchRow[]> {
  await initBackend("wasm");
  const teacherDir = `${SCENARIO.modelsDir}/teacher`;
  const out = await Deno.makeTempDir({ prefix: "fleetkd-ablation-" });
  const students = [];
  for (const a of ABLATIONS) {
    console.error(`bench ablation: distilling "${a.name}" (${STEPS} env steps)`);
    const result = await runStudentDistillation({
      envId: ENV_ID,
      makeEnv: () => SCENARIO.make(),
      preset: SCENARIO.preset,
      teacherDir,
      outDir: `${out}/${a.name}`,
      config: {
        ...SCENARIO.preset.students,
        totalEnvSteps: STEPS,
        weights: a.weights,
        checkpointEvery: 0,
      },
      // Sized as the shipped students (KD-MARL's 20x cap), so the figures stay comparable.
      minFlopsReduction: 20,
      quiet: true,
      label: a.name,
    });
    students.push({ name: a.name, dir: result.modelDir! });
  }
  const report = await evaluateDeployment({
    scenario: SCENARIO,
    teacherDir,
    students,
    episodes: 200,
    skipTiming: true,
    onProgress: (m) => console.error(`bench ablation: ${m}`),
  });
  await Deno.remove(out, { recursive: true });
  const teacher = report.policies.find((p) => p.kind === "teacher")!;
  return report.policies.filter((p) => p.kind === "students").map((p) => ({
    suite: "ablation",
    name: `${ENV_ID} students: ${p.name}`,
    value: p.retention! * 100,
    unit: "% retention",
    comparisonName: "teacher return",
    comparison: teacher.ideal.mean,
    ratio: p.ideal.mean / teacher.ideal.mean,
    note: `return ${p.ideal.mean.toFixed(2)} ±${p.ideal.ci95.toFixed(2)}, win rate ${
      ((p.ideal.infos.won ?? 0) * 100).toFixed(1)
    }% (teacher ${
      ((teacher.ideal.infos.won ?? 0) * 100).toFixed(1)
    }%); ${STEPS} env steps each, seed 1`,
  }));
}

if (import.meta.main) console.table(await run());

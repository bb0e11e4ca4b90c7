/**
 * `deno task evaluate`: the deployment evaluation of a teacher and its students (see
 * `distill/deployment.ts`): returns with 95% confidence intervals, retention, FLOPs and measured inference
 * time per class, and under the latency model per class the deadline-miss rate with its 95% interval, the
 * fit to memory and deadline, the inference energy from compute and its reduction against the teacher,
 * and the returns. Prints markdown tables and writes the report as JSON and markdown.
 *
 * ```sh
 * deno task evaluate --scenario mpe/simple_spread [--teacher DIR] [--students NAME=DIR]... [--episodes 100]
 *                    [--seed 0] [--out FILE.json]
 * ```
 *
 * Defaults: the teacher and students shipped under `scenarios/<name>/models/` when present, else
 * `runs/<id>/teacher/model` and `runs/<id>/students/model`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { initBackend } from "../policies/backend.ts";
import { deploymentMarkdown, evaluateDeployment, type PolicyEntry } from "../distill/deployment.ts";
import { writeFileAtomic } from "../sim/atomic_write.ts";
import { deployableModelsDir } from "../distill/scenario.ts";
import {
  checkWritableFile,
  CliError,
  intFlag,
  MAX_EPISODES,
  MAX_SEED,
  runCli,
  scenarioFlag,
} from "./cli_util.ts";
import { readTrainingRecord } from "../distill/model_store.ts";
import { assertHeldOutSeed } from "../distill/seeds.ts";

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** The `--help` text. */
export const USAGE = `Usage: deno task evaluate --scenario ID [flags]

Evaluates a teacher and any number of student sets on the same seeds: returns with 95% CIs, retention,
FLOPs, latency and deadline misses, ideal and deployed.

  --scenario ID        environment id, fleet scenario name or scenario file (*.json)
  --teacher DIR        teacher model folder (default: the shipped one, else runs/<id>/teacher/model)
  --students NAME=DIR  a student set to compare (repeatable; default: the shipped students)
  --episodes N         seeded episodes, 1..1000000 (default: the preset's evalEpisodes)
  --seed S             first seed, 0..2147483647 (default 0; held out: not in the training range
                       1..999999 nor a seed any evaluated model was trained with)
  --out FILE.json      also write the report there
  --help               this text
`;

/** Runs `deno task evaluate` with `args` (see {@linkcode USAGE}). */
export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      scenario: { type: "string" },
      teacher: { type: "string" },
      students: { type: "string", multiple: true },
      episodes: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.scenario) {
    throw new CliError("flag --scenario is required (e.g. --scenario mpe/simple_spread)");
  }
  const { envId, entry } = scenarioFlag(values.scenario);
  const episodesFlag = intFlag("episodes", values.episodes, 1, MAX_EPISODES);
  const seed = intFlag("seed", values.seed, 0, MAX_SEED) ?? 0;
  const out = values.out ?? `runs/${envId}/evaluation.json`;
  if (!out.endsWith(".json")) {
    throw new CliError(`flag --out must name a .json file (the .md goes beside it), got "${out}"`);
  }
  const shipped = deployableModelsDir(entry) ?? entry.modelsDir;
  const teacherDir = values.teacher ??
    ((await exists(`${shipped}/teacher/manifest.json`))
      ? `${shipped}/teacher`
      : `runs/${envId}/teacher/model`);
  let students: PolicyEntry[] = (values.students ?? []).map((s) => {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new CliError(`flag --students must look like NAME=DIR, got "${s}"`);
    return { name: s.slice(0, eq), dir: s.slice(eq + 1) };
  });
  if (students.length === 0) {
    const dir = (await exists(`${shipped}/students/manifest.json`))
      ? `${shipped}/students`
      : `runs/${envId}/students/model`;
    students = [{ name: "students", dir }];
  }
  for (const p of [{ name: "teacher", dir: teacherDir }, ...students]) {
    if (!(await exists(`${p.dir}/manifest.json`))) {
      throw new CliError(
        `no ${p.name} model at "${p.dir}" (train one with deno task train / distill)`,
      );
    }
  }
  // Held-out evaluation (distill/seeds.ts): not a training-range seed, nor one a model was trained with.
  const trainedWith: number[] = [];
  for (const p of [{ dir: teacherDir }, ...students]) {
    const s = (await readTrainingRecord(p.dir).catch(() => undefined))?.config as
      | { seed?: unknown }
      | undefined;
    if (typeof s?.seed === "number") trainedWith.push(s.seed);
  }
  try {
    assertHeldOutSeed(seed, trainedWith, "flag --seed");
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  await checkWritableFile("out", out);
  await initBackend("wasm");
  const episodes = episodesFlag ?? entry.preset.evalEpisodes;
  const report = await evaluateDeployment({
    scenario: entry,
    teacherDir,
    students,
    episodes,
    seed,
    onProgress: (m) => console.error(`evaluate: ${m}`),
  });
  const markdown = deploymentMarkdown(report);
  console.log(markdown);
  await writeFileAtomic(out, JSON.stringify(report, null, 2) + "\n");
  await writeFileAtomic(out.replace(/\.json$/, "") + ".md", markdown + "\n");
  console.error(`evaluate: wrote ${out}`);
}

if (import.meta.main) await runCli("evaluate", () => main(Deno.args), USAGE);

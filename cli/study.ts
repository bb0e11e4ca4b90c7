/**
 * `deno task study`: the KD-MARL study (see `distill/study.ts`): runs a plan's methods at matched
 * env-step budgets over several training seeds, evaluates on held-out seeds and writes CSV, a markdown
 * summary and SVG charts. Resumable run by run.
 *
 * ```sh
 * deno task study --plan study/plan-2core.json [--out DIR] [--only TEXT] [--report-only] [--quiet]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { defaultCatalog } from "../catalog/mod.ts";
import { initBackend } from "../policies/backend.ts";
import { runStudy } from "../distill/study.ts";
import { loadPlan, planCells } from "../distill/study_plan.ts";
import { CliError, runCli } from "./cli_util.ts";

/** The `--help` text. */
export const USAGE = `Usage: deno task study --plan PLAN.json [flags]

Runs the KD-MARL study a plan describes: methods (kd, scratch, bc, kl-only, kd-no-<term>) at matched
env-step budgets, several training seeds each, evaluated on held-out seeds; writes results.csv,
curves.csv, summary.md (rliable statistics) and SVG learning and Pareto curves. Each run's result is
written when it finishes and skipped when present, so an interrupted study resumes; a run made with
another teacher than the plan's (each records its teacher's SHA-256) is run again.

Flags:
  --plan FILE          the plan (JSON; see distill/study_plan.ts and study/*.json)
  --out DIR            output folder (default runs/study/<plan name>)
  --only TEXT          run only the cells whose id contains TEXT (e.g. smax__3m)
  --dry-run            list the cells and exit
  --report-only        write the report from the finished cells, run nothing
  --quiet              no progress lines
  --help               this text
`;

/** Runs `deno task study` with `args` (see {@linkcode USAGE}). */
export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      plan: { type: "string" },
      out: { type: "string" },
      only: { type: "string" },
      "dry-run": { type: "boolean" },
      "report-only": { type: "boolean" },
      quiet: { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.plan) {
    throw new CliError("flag --plan is required (e.g. --plan study/plan-2core.json)");
  }
  const plan = await loadPlan(values.plan, defaultCatalog());
  const only = values.only;
  const filter = only ? (c: { id: string }) => c.id.includes(only) : undefined;
  if (values["dry-run"]) {
    for (const c of planCells(plan).filter(filter ?? (() => true))) console.log(c.id);
    return;
  }
  await initBackend("wasm");
  const outcome = await runStudy(plan, {
    scenarios: defaultCatalog(),
    outDir: values.out ?? `runs/study/${plan.name}`,
    quiet: values.quiet,
    filter,
    reportOnly: values["report-only"],
  });
  console.log(outcome.markdown);
}

if (import.meta.main) await runCli("study", () => main(Deno.args), USAGE);

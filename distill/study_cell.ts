/**
 * One cell of the KD-MARL study: one method trained on one scenario with one training seed at one
 * env-step budget, then evaluated on the plan's held-out evaluation seed. {@linkcode runStudyCell} is
 * a pure unit of work (plan + cell in, result out, nothing written), so a sweep engine can run cells as
 * independent jobs; {@linkcode studyReference} measures the teacher and the random policy a scenario's
 * cells are normalised by.
 *
 * Every method trains the same student network: per node class, the student the sizer picks for that
 * class's compute budget (no compression cap, but never larger than the teacher; at a plan `width`, the
 * deepest network of that width the budget allows). Matched budgets: each method gets `cell.steps` environment steps of its own rollouts
 * (`bc`: of the teacher's rollouts), and the KD methods use the scenario's distillation preset
 * (`scratch` its teacher preset, the MAPPO settings its teacher was trained with), with the plan's
 * `overrides` on top. Learning curves evaluate the students at `curvePoints` evenly spaced budgets
 * (plus the untrained start) on the first `curveEpisodes` episodes of the evaluation seed; nothing is
 * selected on them (no early stopping, no checkpoint picking), so the held-out seed tunes nothing.
 *
 * Observation budgets (a group's `observation`): the sizer builds each class's view and sizes the student
 * on it; the KD methods (`kd`, `bc`, `kl-only`, ablations) train students reading the view while the
 * frozen teacher and its critic read the full observation and the global state; `scratch` trains on the
 * scenario seen through the same views (`viewed_env.ts`): its actors read the view, its own critic the
 * full global state. Every evaluation runs the students through their views.
 *
 * Success: SMAX win rate (`won`), fleet value delivered (`valueDelivered`); MPE has none.
 *
 * @example
 * ```ts
 * import { runStudyCell } from "./study_cell.ts";
 * import { parsePlan, planCells } from "./study_plan.ts";
 * import { defaultCatalog } from "../catalog/mod.ts";
 * const scenarios = defaultCatalog();
 * const plan = parsePlan({ name: "x", evalEpisodes: 2, overrides: { numEnvs: 2, rolloutSteps: 8 },
 *   groups: [{ scenarios: ["smax/3m"], methods: ["kd"], seeds: 1, steps: [16] }] }, "x.json", scenarios);
 * const result = await runStudyCell(plan, planCells(plan)[0], scenarios);
 * console.log(result.return.mean);
 * ```
 *
 * @module
 */

import type { MultiAgentEnv } from "../sim/env/types.ts";
import { RandomController } from "../sim/env/controller.ts";
import type { Actor, ActorSpec } from "../policies/actor.ts";
import { actorCost } from "../policies/cost.ts";
import { PolicyController } from "../policies/controller.ts";
import { PlainActor } from "../policies/plain.ts";
import { type BindingConstraint, sizeStudentWithObservation } from "../policies/sizing.ts";
import type { ObservationBudget, ObservationView } from "../policies/observation_view.ts";
import { ViewedEnv } from "./viewed_env.ts";
import { evaluateController, type EvaluationReport } from "./evaluate.ts";
import { KdTrainer } from "./kd.ts";
import { DEFAULT_KD_CONFIG } from "./kd_config.ts";
import { MappoTrainer } from "./mappo.ts";
import { loadTeacher, modelDigest } from "./model_store.ts";
import { actionModeOf, budgetsOf, type ScenarioEntry, type ScenarioLookup } from "./scenario.ts";
import { assertHeldOutSeed, assertTrainingSeed } from "./seeds.ts";
import {
  classObservationBudgets,
  type StudyCell,
  studyMethod,
  type StudyPlan,
} from "./study_plan.ts";

/** Format tag of cell result files. */
export const STUDY_CELL_FORMAT = "fleetkd-study-cell";

/** One evaluation: mean return with its CI and the mean success figure. */
export interface CellEvaluation {
  /** Environment steps trained when evaluated. */
  envSteps: number;
  /** Mean per-agent episode return. */
  return: number;
  /** Half-width of its 95% CI (Student t). */
  ci95: number;
  /** Mean success figure (win rate, value delivered), when the scenario has one. */
  success?: number;
}

/** The sizing of one class's student. */
export interface CellClass {
  /** Class name. */
  name: string;
  /** Agents of the class. */
  count: number;
  /** Network label, e.g. `30-16-9`. */
  label: string;
  /** FLOPs per decision. */
  flops: number;
  /** Parameters. */
  params: number;
  /** The teacher's FLOPs per decision for this class. */
  teacherFlops: number;
  /** What stopped a larger student. */
  binding: BindingConstraint[];
  /** The student's observation, when the cell has an observation budget. */
  observation?: {
    /** `"given"` or `"auto"`. */
    source: "full" | "given" | "auto";
    /** The effective budget's tag, e.g. `enemies1-allies1`. */
    tag: string;
    /** The effective budget (absent: full observation). */
    budget?: ObservationBudget;
    /** Values the student reads. */
    obsSize: number;
    /** Values the teacher reads. */
    fullObsSize: number;
    /** Why (the binding constraint, for `"auto"`). */
    reason: string;
  };
}

/** What {@linkcode runStudyCell} returns (and the study writes to the cell's result file). */
export interface CellResult {
  /** {@linkcode STUDY_CELL_FORMAT}. */
  format: typeof STUDY_CELL_FORMAT;
  /** The cell. */
  cell: StudyCell;
  /** Held-out evaluation seed. */
  evalSeed: number;
  /** Episodes of the final evaluation. */
  evalEpisodes: number;
  /** Environment steps actually trained. */
  envSteps: number;
  /** Per-class student sizing. */
  classes: CellClass[];
  /** FLOPs per decision averaged over the agents (students). */
  studentFlops: number;
  /** The same for the teacher. */
  teacherFlops: number;
  /** Final evaluation. */
  final: CellEvaluation;
  /** Per-episode returns of the final evaluation. */
  returns: number[];
  /** Learning curve (curve episodes), from the untrained start. */
  curve: CellEvaluation[];
  /** Training and evaluation seconds. */
  seconds: number;
  /**
   * SHA-256 of the teacher's networks ({@linkcode modelDigest}) the cell distilled from or was measured
   * against; absent in results written before it was recorded.
   */
  teacherDigest?: string;
  /** Convenience copy of `final.return`'s mean and CI. */
  return: { mean: number; ci95: number };
}

/** The teacher's and the random policy's figures on a scenario's evaluation episodes. */
export interface StudyReference {
  /** Scenario id. */
  scenario: string;
  /** Evaluation seed. */
  evalSeed: number;
  /** Episodes of the final evaluation. */
  evalEpisodes: number;
  /** Episodes of the curve evaluations. */
  curveEpisodes: number;
  /** The success info key, when the scenario has one. */
  successKey?: string;
  /** SHA-256 of the teacher's networks ({@linkcode modelDigest}); absent in older references. */
  teacherDigest?: string;
  /** Teacher on the final-evaluation episodes. */
  teacher: CellEvaluation;
  /** Random on the final-evaluation episodes. */
  random: CellEvaluation;
  /** Teacher on the curve episodes. */
  teacherCurve: CellEvaluation;
  /** Random on the curve episodes. */
  randomCurve: CellEvaluation;
}

function summary(report: EvaluationReport, envSteps: number, key?: string): CellEvaluation {
  return {
    envSteps,
    return: report.mean,
    ci95: report.ci95,
    ...(key !== undefined ? { success: report.infos[key] ?? 0 } : {}),
  };
}

function evaluateActors(
  env: MultiAgentEnv,
  actors: readonly Actor[],
  scenario: ScenarioEntry,
  episodes: number,
  seed: number,
  views: readonly (ObservationView | undefined)[] = [],
): EvaluationReport {
  const set = {
    classes: actors.map((a, i) => ({
      name: env.classes[i].name,
      actor: PlainActor.fromActor(a),
      ...(views[i] ? { view: views[i] } : {}),
    })),
  };
  const controller = new PolicyController("students", set, { actions: actionModeOf(scenario) });
  return evaluateController(env, controller, { episodes, seed });
}

/**
 * The teacher and the random policy on `scenario`'s evaluation episodes (final and curve), for
 * normalising the cells' returns.
 *
 * @example
 * ```ts
 * import { studyReference } from "./study_cell.ts";
 * import { parsePlan } from "./study_plan.ts";
 * import { defaultCatalog } from "../catalog/mod.ts";
 * const plan = parsePlan({ name: "x", evalEpisodes: 2, groups: [{ scenarios: ["smax/3m"],
 *   methods: ["kd"], seeds: 1, steps: [2000] }] }, "x.json", defaultCatalog());
 * console.log((await studyReference(plan, "smax/3m", defaultCatalog())).teacher.return);
 * ```
 */
export async function studyReference(
  plan: StudyPlan,
  scenario: string,
  scenarios: ScenarioLookup,
): Promise<StudyReference> {
  assertHeldOutSeed(plan.evalSeed, [], `plan "${plan.file}" evalSeed`);
  const entry = scenarios.get(scenario);
  const env = entry.make();
  const teacherDigest = await modelDigest(plan.teachers[scenario]);
  const teacher = await loadTeacher(plan.teachers[scenario], env.classes, { critic: false });
  const key = entry.successInfo;
  try {
    const t = (episodes: number) =>
      summary(evaluateActors(env, teacher.actors, entry, episodes, plan.evalSeed), 0, key);
    const r = (episodes: number) =>
      summary(
        evaluateController(env, new RandomController(env.classes, plan.evalSeed), {
          episodes,
          seed: plan.evalSeed,
        }),
        0,
        key,
      );
    return {
      scenario,
      evalSeed: plan.evalSeed,
      evalEpisodes: plan.evalEpisodes,
      curveEpisodes: plan.curveEpisodes,
      ...(key ? { successKey: key } : {}),
      teacherDigest,
      teacher: t(plan.evalEpisodes),
      random: r(plan.evalEpisodes),
      teacherCurve: t(plan.curveEpisodes),
      randomCurve: r(plan.curveEpisodes),
    };
  } finally {
    for (const a of teacher.actors) a.dispose();
  }
}

/**
 * Runs one cell (see module docs) on its scenario from `scenarios`; writes nothing. The tfjs backend must
 * be initialised.
 */
export async function runStudyCell(
  plan: StudyPlan,
  cell: StudyCell,
  scenarios: ScenarioLookup,
): Promise<CellResult> {
  const started = performance.now();
  const method = studyMethod(cell.method);
  if (!method) throw new RangeError(`runStudyCell: unknown method "${cell.method}"`);
  assertTrainingSeed(cell.seed, `plan "${plan.file}" cell ${cell.id}`);
  assertHeldOutSeed(plan.evalSeed, [cell.seed], `plan "${plan.file}" cell ${cell.id}`);
  const scenario = cell.scenario;
  const entry = scenarios.get(scenario);
  const make = () => entry.make();
  const env = make();
  const teacherDir = plan.teachers[scenario];
  if (!teacherDir) throw new RangeError(`runStudyCell: plan has no teacher for "${scenario}"`);
  const teacherDigest = await modelDigest(teacherDir);
  const teacher = await loadTeacher(teacherDir, env.classes, { critic: true });
  const budgets = cell.budget ? env.classes.map(() => cell.budget!) : budgetsOf(entry, env);
  const perClass = cell.observation === undefined
    ? env.classes.map(() => undefined)
    : classObservationBudgets(cell.observation, env, `plan "${plan.file}" cell ${cell.id}`);
  const sizing = env.classes.map((c, i) =>
    sizeStudentWithObservation(budgets[i], env.observationLayout?.(i), c.obsSize, c.numActions, {
      observation: perClass[i],
      observationWhere: `plan "${plan.file}" cell ${cell.id} observation`,
      budgetName: c.name,
      teacher: teacher.actors[i].spec,
      activation: teacher.actors[i].spec.activation,
      agentIdSize: teacher.actors[i].spec.agentIdSize,
      widths: cell.width === undefined ? undefined : [cell.width],
      // The budget decides (no compression cap), strictly smaller than the teacher: a student of the teacher's size has nothing to distil.
      maxFlops: actorCost(teacher.actors[i].spec).flops - 1,
      maxFlopsBinding: "teacher-size",
    })
  );
  const hidden = sizing.map((s) => s.spec.hiddenSizes);
  const views = sizing.map((s) => s.view);
  const observation: Record<string, ObservationBudget> = {};
  views.forEach((v, i) => {
    if (v) observation[env.classes[i].name] = v.budget;
  });
  const preset = entry.preset;
  const key = entry.successInfo;
  const curve: CellEvaluation[] = [];
  const points = plan.curvePoints;
  let nextPoint = 1;
  const evalCurve = (actors: readonly Actor[], envSteps: number) =>
    curve.push(
      summary(
        evaluateActors(env, actors, entry, plan.curveEpisodes, plan.evalSeed, views),
        envSteps,
        key,
      ),
    );
  const due = (envSteps: number) => points > 0 && envSteps >= (nextPoint * cell.steps) / points;
  let students: Actor[];
  let envSteps: number;
  let dispose: () => void;
  if (method.trainer === "kd") {
    const weights = {
      ...DEFAULT_KD_CONFIG.weights,
      ...preset.students.weights,
      ...method.weights,
    };
    const trainer = new KdTrainer(make, teacher, hidden, {
      ...preset.students,
      ...plan.overrides,
      totalEnvSteps: cell.steps,
      seed: cell.seed,
      checkpointEvery: 0,
      weights,
      rolloutPolicy: method.rolloutPolicy ?? "students",
      observation,
    });
    if (points > 0) evalCurve(trainer.students, 0);
    const total = trainer.totalIterations;
    while (trainer.iteration < total) {
      trainer.iterate();
      while (due(trainer.envSteps) && nextPoint <= points) {
        evalCurve(trainer.students, trainer.envSteps);
        nextPoint++;
      }
      await new Promise((r) => setTimeout(r, 0));
    }
    students = trainer.students;
    envSteps = trainer.envSteps;
    dispose = () => trainer.dispose();
  } else {
    const specs: ActorSpec[] = sizing.map((s) => s.spec);
    // The same student network, its own critic (the teacher preset's), no teacher.
    class ScratchTrainer extends MappoTrainer {
      override actorSpec(classIndex: number): ActorSpec {
        const base = super.actorSpec(classIndex);
        const want = specs[classIndex];
        if (base.agentIdSize !== want.agentIdSize) {
          throw new RangeError(
            `Cannot train "${scenario}" from scratch: the teacher's agent-id inputs (${want.agentIdSize}) differ from the MAPPO preset's (${base.agentIdSize})`,
          );
        }
        return { ...want };
      }
    }
    // The actors read the same views (the env seen through them); the critic the full global state.
    const viewed = views.some((v) => v !== undefined);
    const trainer = new ScratchTrainer(viewed ? () => new ViewedEnv(make(), views) : make, {
      ...preset.teacher,
      ...plan.overrides,
      totalEnvSteps: cell.steps,
      seed: cell.seed,
      checkpointEvery: 0,
    });
    if (points > 0) evalCurve(trainer.actors, 0);
    const total = trainer.totalIterations;
    while (trainer.iteration < total) {
      trainer.iterate();
      while (due(trainer.envSteps) && nextPoint <= points) {
        evalCurve(trainer.actors, trainer.envSteps);
        nextPoint++;
      }
      await new Promise((r) => setTimeout(r, 0));
    }
    students = trainer.actors;
    envSteps = trainer.envSteps;
    dispose = () => trainer.dispose();
  }
  try {
    const final = evaluateActors(env, students, entry, plan.evalEpisodes, plan.evalSeed, views);
    const agents = env.classes.reduce((s, c) => s + c.count, 0);
    const classes: CellClass[] = sizing.map((s, i) => ({
      name: env.classes[i].name,
      count: env.classes[i].count,
      label: s.label,
      flops: s.cost.flops,
      params: s.cost.params,
      teacherFlops: actorCost(teacher.actors[i].spec).flops,
      binding: s.binding,
      ...(cell.observation !== undefined
        ? {
          observation: {
            source: s.observation.source,
            tag: s.observation.tag,
            ...(s.observation.budget ? { budget: s.observation.budget } : {}),
            obsSize: s.observation.obsSize,
            fullObsSize: s.observation.fullObsSize,
            reason: s.observation.reason,
          },
        }
        : {}),
    }));
    const mean = (f: (c: CellClass) => number) =>
      classes.reduce((a, c) => a + f(c) * c.count, 0) / agents;
    const finalEval = summary(final, envSteps, key);
    return {
      format: STUDY_CELL_FORMAT,
      cell,
      evalSeed: plan.evalSeed,
      evalEpisodes: plan.evalEpisodes,
      envSteps,
      classes,
      studentFlops: mean((c) => c.flops),
      teacherFlops: mean((c) => c.teacherFlops),
      final: finalEval,
      returns: final.returns,
      curve,
      seconds: (performance.now() - started) / 1000,
      teacherDigest,
      return: { mean: final.mean, ci95: final.ci95 },
    };
  } finally {
    dispose();
    for (const a of teacher.actors) a.dispose();
    teacher.critic?.dispose();
  }
}

/**
 * Budget sizing: picks the student architecture for a node class from its {@linkcode ComputeBudget}.
 *
 * Candidates are MLPs of depth 1..3 with every hidden layer of one width from a candidate set (default
 * 4, 8, 16, 32, 64, 128, 256). A candidate fits when, with a safety margin (default 0.2):
 * ```
 * flops / flopsPerSecond * 1000 + overheadMs <= deadlineMs * (1 - margin)
 * paramBytesF32                               <= paramMemoryBytes * (1 - margin)
 * ```
 * (FLOPs per decision as defined in `cost.ts`). Among fitting candidates the one with the most parameters
 * wins; ties go to fewer layers, then to fewer FLOPs. A budget nothing fits is an error naming the budget and
 * the smallest candidate's cost.
 *
 * The report names the **binding constraint** (`binding`): what rejected the candidate that would have
 * beaten the chosen one (of the rejected candidates that rank above it, the lowest-ranked: the next step
 * up): `"deadline"` (its latency at the budget's
 * FLOP/s is over the deadline limit), `"memory"` (its parameters are over the memory limit), `"flops-cap"`
 * (over the compression cap `maxFlops`), or `"candidates"` when nothing better was rejected (the largest
 * candidate won). `bindingDetail` says by how much.
 *
 * {@linkcode sizeStudentWithObservation} sizes the network together with the student's *observation
 * budget* (`observation_view.ts`): a given budget, or `"auto"`, where the sizer cuts the farthest entities
 * when the compute budget is too tight for a student of useful width at the full observation, and reports
 * what it chose and why (`observation.reason`).
 *
 * @example
 * ```ts
 * import { sizeStudent } from "./sizing.ts";
 * const r = sizeStudent({ flopsPerSecond: 1e6, paramMemoryBytes: 64 * 1024, deadlineMs: 10, overheadMs: 1,
 *   activePowerW: 0, wakeEnergyJ: 0, latencySigma: 0 }, 18, 5);
 * console.assert(r.cost.flops / 1e6 * 1000 + 1 <= 10 * 0.8);
 * ```
 *
 * @module
 */

import type { ComputeBudget } from "../sim/budget.ts";
import { validateBudget } from "../sim/budget.ts";
import type { ActorSpec } from "./actor.ts";
import { actorCost, archLabel, type CostReport } from "./cost.ts";
import type { Activation } from "./mlp.ts";
import { type ObservationBudget, ObservationView } from "./observation_view.ts";
import type { ObservationLayout } from "../sim/env/observation_layout.ts";

/**
 * Default hidden widths tried.
 *
 * @example
 * ```ts
 * import { DEFAULT_WIDTHS } from "./sizing.ts";
 * console.assert(DEFAULT_WIDTHS.includes(16));
 * ```
 */
export const DEFAULT_WIDTHS: readonly number[] = [
  4,
  6,
  8,
  12,
  16,
  24,
  32,
  48,
  64,
  96,
  128,
  192,
  256,
];
/**
 * Default depths (hidden layers) tried.
 *
 * @example
 * ```ts
 * import { DEFAULT_DEPTHS } from "./sizing.ts";
 * console.assert(DEFAULT_DEPTHS.length === 3);
 * ```
 */
export const DEFAULT_DEPTHS: readonly number[] = [1, 2, 3];
/**
 * Default safety margin on deadline and memory.
 *
 * @example
 * ```ts
 * import { DEFAULT_MARGIN } from "./sizing.ts";
 * console.assert(DEFAULT_MARGIN === 0.2);
 * ```
 */
export const DEFAULT_MARGIN = 0.2;

/** Options of {@linkcode sizeStudent}. */
export interface SizingOptions {
  /** Name of the budget (node class) for messages; default `"budget"`. */
  budgetName?: string;
  /** Fraction of deadline and memory held back, in [0, 1); default 0.2. */
  margin?: number;
  /** Hidden layer counts tried; default 1, 2, 3. */
  depths?: readonly number[];
  /** Hidden widths tried; default 4..256 by powers of two. */
  widths?: readonly number[];
  /** Nonlinearity of the student; default `"tanh"`. */
  activation?: Activation;
  /** One-hot agent-id inputs of the student; default 0. */
  agentIdSize?: number;
  /**
   * `"mlp"` (default) or `"gru"`: a recurrent student, a GRU cell of the first hidden width then the MLP
   * head, costed with its cell (`gruCellCost`). Students stay feed-forward unless asked; a budget that
   * cannot hold even the smallest recurrent candidate is an error naming the budget and the figures.
   */
  kind?: "mlp" | "gru";
  /** The teacher, for the FLOPs and parameter ratios. */
  teacher?: ActorSpec;
  /**
   * A compression target on top of the budget: students with more FLOPs per decision are not considered
   * (e.g. the teacher's FLOPs / 20 for KD-MARL's 20x bar). Default: no cap.
   */
  maxFlops?: number;
  /** What the report calls `maxFlops` when it binds (default `"flops-cap"`; `"teacher-size"` when the cap is
   * the teacher's own FLOPs: a student larger than its teacher has nothing to distil). */
  maxFlopsBinding?: "flops-cap" | "teacher-size";
}

/** What stopped the sizer from choosing a larger student (see module docs). */
export type BindingConstraint = "deadline" | "memory" | "flops-cap" | "teacher-size" | "candidates";

/** What {@linkcode sizeStudent} chose and why. */
export interface SizingReport {
  /** The chosen student. */
  spec: ActorSpec;
  /** Its cost. */
  cost: CostReport;
  /** `archLabel(spec)`, e.g. `"18-64-5"`. */
  label: string;
  /** Modelled decision time: `flops / flopsPerSecond * 1000 + overheadMs`. */
  decisionMs: number;
  /** `deadlineMs * (1 - margin)`. */
  deadlineLimitMs: number;
  /** `paramMemoryBytes * (1 - margin)`. */
  memoryLimitBytes: number;
  /** Margin used. */
  margin: number;
  /** Candidates tried. */
  candidates: number;
  /** Candidates that fit. */
  fitting: number;
  /** Teacher cost, when a teacher was given. */
  teacherCost?: CostReport;
  /** Teacher FLOPs / student FLOPs. */
  flopsRatio?: number;
  /** Teacher parameters / student parameters. */
  paramsRatio?: number;
  /** Whether the teacher itself would fit this budget. */
  teacherFits?: boolean;
  /** The constraints that rejected the next-better candidate (`["candidates"]` when none was rejected). */
  binding: BindingConstraint[];
  /** The rejected next-better candidate and its figures against the limits, or why none. */
  bindingDetail: string;
}

/**
 * Modelled decision time on a budget, milliseconds: `flops / flopsPerSecond * 1000 + overheadMs`.
 *
 * @example
 * ```ts
 * import { decisionTimeMs } from "./sizing.ts";
 * console.assert(decisionTimeMs(2e6, { flopsPerSecond: 1e9, paramMemoryBytes: 1, deadlineMs: 1,
 *   overheadMs: 0.5, activePowerW: 0, wakeEnergyJ: 0, latencySigma: 0 }) === 2.5);
 * ```
 */
export function decisionTimeMs(flops: number, budget: ComputeBudget): number {
  return (flops / budget.flopsPerSecond) * 1000 + budget.overheadMs;
}

/**
 * Whether a network of cost `cost` fits `budget` with `margin` (see module docs).
 *
 * @example
 * ```ts
 * import { fitsBudget } from "./sizing.ts";
 * const b = { flopsPerSecond: 1e6, paramMemoryBytes: 1000, deadlineMs: 10, overheadMs: 0,
 *   activePowerW: 0, wakeEnergyJ: 0, latencySigma: 0 };
 * console.assert(fitsBudget({ params: 100, paramBytesF32: 400, macs: 0, flops: 8000,
 *   peakActivationBytes: 0 }, b));
 * ```
 */
export function fitsBudget(
  cost: CostReport,
  budget: ComputeBudget,
  margin = DEFAULT_MARGIN,
): boolean {
  return decisionTimeMs(cost.flops, budget) <= budget.deadlineMs * (1 - margin) &&
    cost.paramBytesF32 <= budget.paramMemoryBytes * (1 - margin);
}

/**
 * Chooses the student with the most capacity that fits `budget` (see module docs).
 *
 * @example
 * ```ts
 * import { sizeStudent } from "./sizing.ts";
 * const teacher = { obsSize: 18, agentIdSize: 0, numActions: 5, hiddenSizes: [256, 256],
 *   activation: "tanh" as const, kind: "mlp" as const };
 * const r = sizeStudent({ flopsPerSecond: 2e8, paramMemoryBytes: 16 * 1024, deadlineMs: 5, overheadMs: 0.5,
 *   activePowerW: 0, wakeEnergyJ: 0, latencySigma: 0 }, 18, 5, { teacher, budgetName: "cubesat" });
 * console.assert(r.paramsRatio! > 1 && r.cost.paramBytesF32 <= 16 * 1024 * 0.8);
 * ```
 */
export function sizeStudent(
  budget: ComputeBudget,
  obsSize: number,
  numActions: number,
  options: SizingOptions = {},
): SizingReport {
  const name = options.budgetName ?? "budget";
  validateBudget(budget, name);
  const margin = options.margin ?? DEFAULT_MARGIN;
  if (!(margin >= 0 && margin < 1)) {
    throw new RangeError(`sizeStudent: margin must be in [0, 1), got ${margin}`);
  }
  const depths = options.depths ?? DEFAULT_DEPTHS;
  const widths = options.widths ?? DEFAULT_WIDTHS;
  if (depths.length === 0 || widths.length === 0) {
    throw new RangeError(
      `sizeStudent: need at least one depth and one width, got depths [${depths}] and widths [${widths}]`,
    );
  }
  const base = {
    obsSize,
    agentIdSize: options.agentIdSize ?? 0,
    numActions,
    activation: options.activation ?? "tanh",
    kind: options.kind ?? "mlp",
  } as const;
  if (base.kind !== "mlp" && base.kind !== "gru") {
    throw new RangeError(
      `sizeStudent: field "kind" must be "mlp" or "gru", got ${JSON.stringify(base.kind)}`,
    );
  }
  let best: { spec: ActorSpec; cost: CostReport } | undefined;
  const rejected: { spec: ActorSpec; cost: CostReport; why: BindingConstraint[] }[] = [];
  const deadlineLimitMs = budget.deadlineMs * (1 - margin);
  const memoryLimitBytes = budget.paramMemoryBytes * (1 - margin);
  let smallest: { spec: ActorSpec; cost: CostReport } | undefined;
  let candidates = 0;
  let fitting = 0;
  for (const depth of depths) {
    for (const width of widths) {
      const spec: ActorSpec = { ...base, hiddenSizes: new Array(depth).fill(width) };
      const cost = actorCost(spec);
      candidates++;
      if (!smallest || cost.flops < smallest.cost.flops) smallest = { spec, cost };
      const why: BindingConstraint[] = [];
      if (decisionTimeMs(cost.flops, budget) > deadlineLimitMs) why.push("deadline");
      if (cost.paramBytesF32 > memoryLimitBytes) why.push("memory");
      if (options.maxFlops !== undefined && cost.flops > options.maxFlops) {
        why.push(options.maxFlopsBinding ?? "flops-cap");
      }
      if (why.length > 0) {
        rejected.push({ spec, cost, why });
        continue;
      }
      fitting++;
      if (!best || better(spec, cost, best.spec, best.cost)) best = { spec, cost };
    }
  }
  if (!best) {
    const s = smallest!;
    throw new RangeError(
      `No ${
        base.kind === "gru" ? 'recurrent ("gru") ' : ""
      }student fits budget "${name}" (flopsPerSecond ${budget.flopsPerSecond}, deadlineMs ${budget.deadlineMs}, overheadMs ${budget.overheadMs}, paramMemoryBytes ${budget.paramMemoryBytes}, margin ${margin}): ` +
        `the smallest candidate ${archLabel(s.spec)} needs ${s.cost.flops} FLOPs = ${
          decisionTimeMs(s.cost.flops, budget).toPrecision(4)
        } ms per decision (limit ${
          deadlineLimitMs.toPrecision(4)
        } ms) and ${s.cost.paramBytesF32} parameter bytes (limit ${Math.floor(memoryLimitBytes)})`,
    );
  }
  let next: (typeof rejected)[number] | undefined;
  for (const r of rejected) {
    if (!better(r.spec, r.cost, best.spec, best.cost)) continue;
    if (!next || better(next.spec, next.cost, r.spec, r.cost)) next = r;
  }
  const report: SizingReport = {
    binding: next ? next.why : ["candidates"],
    bindingDetail: next
      ? `next-better candidate ${archLabel(next.spec)}: ${
        decisionTimeMs(next.cost.flops, budget).toPrecision(4)
      } ms (limit ${
        deadlineLimitMs.toPrecision(4)
      }), ${next.cost.paramBytesF32} parameter bytes (limit ${
        Math.floor(memoryLimitBytes)
      }), ${next.cost.flops} FLOPs${
        options.maxFlops !== undefined ? ` (cap ${Math.floor(options.maxFlops)})` : ""
      }`
      : "no larger candidate was rejected",
    spec: best.spec,
    cost: best.cost,
    label: archLabel(best.spec),
    decisionMs: decisionTimeMs(best.cost.flops, budget),
    deadlineLimitMs,
    memoryLimitBytes,
    margin,
    candidates,
    fitting,
  };
  if (options.teacher) {
    const t = actorCost(options.teacher);
    report.teacherCost = t;
    report.flopsRatio = t.flops / best.cost.flops;
    report.paramsRatio = t.params / best.cost.params;
    report.teacherFits = fitsBudget(t, budget, margin);
  }
  return report;
}

function better(
  spec: ActorSpec,
  cost: CostReport,
  bestSpec: ActorSpec,
  bestCost: CostReport,
): boolean {
  if (cost.params !== bestCost.params) return cost.params > bestCost.params;
  if (spec.hiddenSizes.length !== bestSpec.hiddenSizes.length) {
    return spec.hiddenSizes.length < bestSpec.hiddenSizes.length;
  }
  return cost.flops < bestCost.flops;
}

/** How the student's observation was chosen (see {@linkcode sizeStudentWithObservation}). */
export interface ObservationChoice {
  /** `"full"`: no budget asked; `"given"`: the caller's budget; `"auto"`: the sizer's choice. */
  source: "full" | "given" | "auto";
  /** The effective budget (absent: the full observation). */
  budget?: ObservationBudget;
  /** `observationBudgetTag(budget)`, or `"full"`. */
  tag: string;
  /** Values the student reads. */
  obsSize: number;
  /** Values of the full observation (the teacher's). */
  fullObsSize: number;
  /** Why: the binding constraint at the full observation, when it led to a cut. */
  reason: string;
}

/** What {@linkcode sizeStudentWithObservation} chose: the network, its observation and why. */
export interface ObservationSizingReport extends SizingReport {
  /** The observation choice. */
  observation: ObservationChoice;
  /** The view the student reads through (absent: the full observation). */
  view?: ObservationView;
}

/** Options of {@linkcode sizeStudentWithObservation}. */
export interface ObservationSizingOptions extends SizingOptions {
  /**
   * The observation budget: a budget to use as given, `"auto"` to let the sizer cut the observation when
   * the compute budget is tight, or absent for the full observation.
   */
  observation?: ObservationBudget | "auto";
  /** `"auto"`: the narrowest hidden layer the sizer aims for (default 16). */
  minWidth?: number;
  /** Names the observation budget in errors (default `"observation budget"`). */
  observationWhere?: string;
}

/**
 * Sizes a student together with its observation. With a given budget, the student reads the view of
 * `layout` it defines and the network is sized on that view. With `"auto"`, the full observation is kept
 * when the budget fits a student whose narrowest hidden layer is at least `minWidth`; otherwise the sizer
 * drops the farthest entities one at a time (from the entity segment with the most kept entities, the
 * later segment on ties, never below 1) until it does, or takes the smallest such view, and the report's
 * `observation.reason` names the constraint that bound at the full observation. An observation budget on a
 * class whose environment describes no layout (`layout` undefined) is an error.
 *
 * @example
 * ```ts
 * import { sizeStudentWithObservation } from "./sizing.ts";
 * import { SmaxEnv } from "../sim/smax/env.ts";
 * const env = new SmaxEnv({ map: "3m" });
 * const tight = { flopsPerSecond: 2e6, paramMemoryBytes: 1e6, deadlineMs: 1, overheadMs: 0,
 *   activePowerW: 0, wakeEnergyJ: 0, latencySigma: 0 };
 * const r = sizeStudentWithObservation(tight, env.observationLayout(0), 30, env.numActions,
 *   { observation: "auto", budgetName: "marine" });
 * console.log(r.observation.tag, r.label, r.observation.reason);
 * ```
 */
export function sizeStudentWithObservation(
  budget: ComputeBudget,
  layout: ObservationLayout | undefined,
  fullObsSize: number,
  numActions: number,
  options: ObservationSizingOptions = {},
): ObservationSizingReport {
  const name = options.budgetName ?? "budget";
  const where = options.observationWhere ?? "observation budget";
  const wanted = options.observation;
  const full = (reason: string, source: "full" | "auto" = "full"): ObservationSizingReport => {
    const r = sizeStudent(budget, fullObsSize, numActions, options);
    return {
      ...r,
      observation: { source, tag: "full", obsSize: fullObsSize, fullObsSize, reason },
    };
  };
  if (wanted === undefined) return full("no observation budget asked");
  if (!layout) {
    if (wanted === "auto") return full("the environment describes no observation layout", "auto");
    throw new RangeError(
      `${where}: class "${name}" has no observation layout (the environment does not describe one), so it cannot have an observation budget; observation budgets are supported on smax/*, mpe/simple_spread and the fleet scenarios`,
    );
  }
  if (layout.size !== fullObsSize) {
    throw new RangeError(
      `${where}: class "${name}": the observation layout covers ${layout.size} values, the observation has ${fullObsSize}`,
    );
  }
  const withView = (
    view: ObservationView,
    source: "given" | "auto",
    reason: string,
  ): ObservationSizingReport => {
    const r = sizeStudent(budget, view.outputSize, numActions, options);
    return {
      ...r,
      view,
      observation: {
        source,
        budget: view.budget,
        tag: view.tag(),
        obsSize: view.outputSize,
        fullObsSize,
        reason,
      },
    };
  };
  if (wanted !== "auto") {
    return withView(ObservationView.create(layout, wanted, where), "given", "given");
  }
  const minWidth = options.minWidth ?? 16;
  const narrowest = (r: SizingReport) => Math.min(...r.spec.hiddenSizes);
  let atFull: SizingReport | undefined;
  let fullWhy: string;
  try {
    atFull = sizeStudent(budget, fullObsSize, numActions, options);
    if (narrowest(atFull) >= minWidth) {
      return {
        ...atFull,
        observation: {
          source: "auto",
          tag: "full",
          obsSize: fullObsSize,
          fullObsSize,
          reason: `the budget fits ${atFull.label} at the full observation (narrowest layer ${
            narrowest(atFull)
          } >= ${minWidth})`,
        },
      };
    }
    fullWhy = `at the full observation (${fullObsSize} inputs) the ${
      atFull.binding.join("+")
    } constraint allowed only ${atFull.label} (narrowest layer ${narrowest(atFull)} < ${minWidth})`;
  } catch (e) {
    fullWhy = `at the full observation (${fullObsSize} inputs) no student fits (${
      (e as Error).message
    })`;
  }
  const counts: Record<string, number> = {};
  const segs = layout.segments.filter((s) => s.kind === "entities");
  for (const s of segs) counts[s.name] = s.count;
  let last: ObservationSizingReport | undefined;
  for (;;) {
    let pick: string | undefined;
    for (const s of segs) {
      if (counts[s.name] > 1 && (!pick || counts[s.name] >= counts[pick])) pick = s.name;
    }
    if (!pick) break;
    counts[pick]--;
    const view = ObservationView.create(layout, { entities: { ...counts } }, where);
    let r: SizingReport;
    try {
      r = sizeStudent(budget, view.outputSize, numActions, options);
    } catch {
      continue;
    }
    last = withView(view, "auto", "");
    if (narrowest(r) >= minWidth) {
      last.observation.reason =
        `${fullWhy}; keeping ${view.tag()} (${view.outputSize} inputs) fits ${r.label}`;
      return last;
    }
  }
  if (last) {
    last.observation.reason =
      `${fullWhy}; even the smallest view ${last.observation.tag} (${last.observation.obsSize} inputs) allows only ${last.label}`;
    return last;
  }
  if (atFull) {
    return {
      ...atFull,
      observation: {
        source: "auto",
        tag: "full",
        obsSize: fullObsSize,
        fullObsSize,
        reason: `${fullWhy}; no smaller view fits a student`,
      },
    };
  }
  // Nothing fits at any view: the full-observation error names the budget and the smallest candidate.
  return full("");
}

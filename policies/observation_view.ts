/**
 * Observation views: what a student with an *observation budget* sees of an agent's full observation.
 *
 * An {@linkcode ObservationView} is built from an environment's {@linkcode ObservationLayout}
 * (`sim/env/observation_layout.ts`) and an {@linkcode ObservationBudget}:
 * - `entities`: per entity segment (by name), the most entities kept. The view keeps the `k` **nearest
 *   visible** entities of the segment, nearest first (ties: lower original slot first), and zero-pads the
 *   remaining slots when fewer are visible. Invisible entities (their `visibleFeature` is 0) are never
 *   kept. A segment not named keeps all its entities (still sorted nearest first, as a kept segment is);
 *   a count of 0 removes the segment; a count above the segment's size is clamped to it (a budget is a
 *   maximum: `"enemies": 8` on a map with 3 enemies keeps the 3), and the view records the clamped count.
 * - `range`: entities farther than this (in the environment's length unit, `distance.scale` applied)
 *   count as invisible.
 * - `dropScalars`: scalar segments left out entirely.
 *
 * Each kept slot of an `indexed` segment (SMAX enemies: slot `k` is the target of attack action `6 + k`)
 * is followed by a one-hot of the entity's original slot (`count` values, all zero for a padded slot), so
 * a student that sees the nearest enemy first still knows which attack action hits it.
 *
 * Output layout, segment by segment in layout order: kept scalar segments as they are; for an entity
 * segment with `k` kept, `k` slots of `features (+ count when indexed)` values. Unknown segment names,
 * negative or non-integer counts, a non-positive range and unknown scalar names are errors naming the
 * field and the value.
 *
 * {@linkcode ObservationView.apply} and {@linkcode ObservationView.applyBatch} use preallocated scratch (no
 * allocation per call); {@linkcode ObservationView.applyInputs} maps rows of actor inputs (observation +
 * agent-id one-hot) to the student's input rows, copying the id part.
 *
 * @example
 * ```ts
 * import { ObservationView } from "./observation_view.ts";
 * // Three landmarks of (dx, dy) each; keep the nearest two.
 * const view = ObservationView.create({ size: 6, segments: [{ kind: "entities", name: "landmarks",
 *   offset: 0, count: 3, features: 2, distance: { kind: "offset", x: 0, y: 1, scale: 1 } }] },
 *   { entities: { landmarks: 2 } });
 * const out = new Float32Array(view.outputSize);
 * view.apply(Float32Array.of(3, 0, 1, 0, 0, 2), 0, out, 0);
 * console.assert(out.join() === "1,0,0,2");
 * ```
 *
 * @module
 */

import {
  type EntitySegment,
  layoutSignature,
  type ObservationLayout,
  validateLayout,
} from "../sim/env/observation_layout.ts";

/** What a student may see of its observation (see module docs). */
export interface ObservationBudget {
  /** Per entity segment name, the most entities kept (absent: all). */
  entities?: Record<string, number>;
  /** Entities farther than this (environment length units) are treated as invisible (absent: no cut). */
  range?: number;
  /** Scalar segments left out (absent: none). */
  dropScalars?: string[];
}

/** What a model file records of a view: the full layout it reads and the (clamped) budget. */
export interface ObservationViewRecord {
  /** The environment's layout the view reads (the teacher's observation). */
  layout: ObservationLayout;
  /** The effective budget: every entity segment's kept count, the range and dropped scalars. */
  budget: ObservationBudget;
  /** Values the view writes per agent (the student's `obsSize`). */
  outputSize: number;
}

interface EntityPlan {
  seg: EntitySegment;
  keep: number;
  outOffset: number;
  slotSize: number;
  dist: Float64Array;
  taken: Uint8Array;
}

/** A budget-sized view of an observation layout (see module docs). */
export class ObservationView {
  /** The full observation layout the view reads. */
  readonly layout: ObservationLayout;
  /** The effective budget (entity counts for every entity segment, clamped). */
  readonly budget: ObservationBudget;
  /** Full observation length (`layout.size`). */
  readonly inputSize: number;
  /** Reduced observation length. */
  readonly outputSize: number;
  /** `layoutSignature(layout)`. */
  readonly signature: string;

  readonly #scalars: { offset: number; size: number; outOffset: number }[] = [];
  readonly #entities: EntityPlan[] = [];
  readonly #range2: number;

  private constructor(layout: ObservationLayout, budget: ObservationBudget) {
    this.layout = layout;
    this.budget = budget;
    this.inputSize = layout.size;
    this.signature = layoutSignature(layout);
    const range = budget.range;
    this.#range2 = range === undefined ? Infinity : range * range;
    const drop = new Set(budget.dropScalars ?? []);
    let at = 0;
    for (const s of layout.segments) {
      if (s.kind === "scalar") {
        if (drop.has(s.name)) continue;
        this.#scalars.push({ offset: s.offset, size: s.size, outOffset: at });
        at += s.size;
      } else {
        const keep = budget.entities![s.name];
        const slotSize = s.features + (s.indexed ? s.count : 0);
        this.#entities.push({
          seg: s,
          keep,
          outOffset: at,
          slotSize,
          dist: new Float64Array(s.count),
          taken: new Uint8Array(s.count),
        });
        at += keep * slotSize;
      }
    }
    this.outputSize = at;
  }

  /**
   * Builds the view of `layout` under `budget`; `where` names the budget in errors (e.g. a CLI flag or a
   * plan field).
   *
   * @example
   * ```ts
   * import { ObservationView } from "./observation_view.ts";
   * const layout = { size: 4, segments: [{ kind: "scalar" as const, name: "own", offset: 0, size: 2 },
   *   { kind: "entities" as const, name: "agents", offset: 2, count: 1, features: 2,
   *     distance: { kind: "offset" as const, x: 0, y: 1, scale: 1 } }] };
   * try {
   *   ObservationView.create(layout, { entities: { enemies: 1 } }, "flag --obs-entities");
   * } catch (e) {
   *   console.log((e as Error).message); // flag --obs-entities: unknown entity segment "enemies" ...
   * }
   * ```
   */
  static create(
    layout: ObservationLayout,
    budget: ObservationBudget,
    where = "observation budget",
  ): ObservationView {
    validateLayout(layout, where);
    return new ObservationView(layout, resolveObservationBudget(layout, budget, where));
  }

  /**
   * Rebuilds a view from what a model file recorded ({@linkcode ObservationView.record}).
   *
   * @example
   * ```ts
   * import { ObservationView } from "./observation_view.ts";
   * const layout = { size: 2, segments: [{ kind: "scalar" as const, name: "own", offset: 0, size: 2 }] };
   * const v = ObservationView.fromRecord(ObservationView.create(layout, {}).record());
   * console.assert(v.outputSize === 2);
   * ```
   */
  static fromRecord(record: ObservationViewRecord, where = "observation view"): ObservationView {
    const view = ObservationView.create(record.layout, record.budget, where);
    if (view.outputSize !== record.outputSize) {
      throw new RangeError(
        `${where}: outputSize is ${record.outputSize}, the layout and budget give ${view.outputSize}`,
      );
    }
    return view;
  }

  /**
   * What a model file records: layout, effective budget, output size (plain JSON).
   *
   * @example
   * ```ts
   * import { ObservationView } from "./observation_view.ts";
   * const layout = { size: 2, segments: [{ kind: "scalar" as const, name: "own", offset: 0, size: 2 }] };
   * console.assert(ObservationView.create(layout, {}).record().outputSize === 2);
   * ```
   */
  record(): ObservationViewRecord {
    return structuredClone({
      layout: this.layout,
      budget: this.budget,
      outputSize: this.outputSize,
    }) as ObservationViewRecord;
  }

  /**
   * Writes the reduced observation of `obs[inOffset .. + inputSize)` into `out[outOffset .. + outputSize)`.
   *
   * @example
   * ```ts
   * import { ObservationView } from "./observation_view.ts";
   * // Two enemies (visible flag, distance); keep the nearest one.
   * const view = ObservationView.create({ size: 4, segments: [{ kind: "entities", name: "enemies",
   *   offset: 0, count: 2, features: 2, distance: { kind: "feature", index: 1, scale: 9 },
   *   visibleFeature: 0 }] }, { entities: { enemies: 1 } });
   * const out = new Float32Array(1 * 2);
   * view.apply(Float32Array.of(1, 0.5, 1, 0.2), 0, out, 0);
   * console.assert(out[1] === Math.fround(0.2));
   * ```
   */
  apply(obs: Float32Array, inOffset: number, out: Float32Array, outOffset: number): void {
    const scalars = this.#scalars;
    for (let k = 0; k < scalars.length; k++) {
      const sc = scalars[k];
      const src = inOffset + sc.offset, dst = outOffset + sc.outOffset;
      for (let f = 0; f < sc.size; f++) out[dst + f] = obs[src + f];
    }
    const plans = this.#entities;
    for (let q = 0; q < plans.length; q++) {
      const p = plans[q];
      const seg = p.seg;
      const F = seg.features;
      const base = inOffset + seg.offset;
      const d = seg.distance;
      const vis = seg.visibleFeature;
      for (let e = 0; e < seg.count; e++) {
        const o = base + e * F;
        let dist: number;
        if (vis !== undefined && obs[o + vis] === 0) {
          dist = Infinity;
        } else if (d.kind === "feature") {
          const v = obs[o + d.index] * d.scale;
          dist = v * v;
        } else if (d.kind === "closeness") {
          const v = (1 - obs[o + d.index]) * d.scale;
          dist = v * v;
        } else {
          const x = obs[o + d.x] * d.scale, y = obs[o + d.y] * d.scale;
          dist = x * x + y * y;
        }
        p.dist[e] = dist > this.#range2 ? Infinity : dist;
        p.taken[e] = 0;
      }
      let dst = outOffset + p.outOffset;
      for (let slot = 0; slot < p.keep; slot++, dst += p.slotSize) {
        let best = -1;
        let bestD = Infinity;
        for (let e = 0; e < seg.count; e++) {
          if (!p.taken[e] && p.dist[e] < bestD) {
            bestD = p.dist[e];
            best = e;
          }
        }
        if (best < 0) {
          out.fill(0, dst, dst + p.slotSize);
          continue;
        }
        p.taken[best] = 1;
        const src = base + best * F;
        for (let f = 0; f < F; f++) out[dst + f] = obs[src + f];
        if (seg.indexed) {
          out.fill(0, dst + F, dst + p.slotSize);
          out[dst + F + best] = 1;
        }
      }
    }
  }

  /**
   * The reduced observations of `rows` agents stored back to back in `obs` (`rows * inputSize`) into
   * `out` (`rows * outputSize`). Same as {@linkcode ObservationView.apply} row by row.
   *
   * @example
   * ```ts
   * import { ObservationView } from "./observation_view.ts";
   * const view = ObservationView.create({ size: 2, segments: [{ kind: "scalar", name: "a", offset: 0,
   *   size: 1 }, { kind: "scalar", name: "b", offset: 1, size: 1 }] }, { dropScalars: ["a"] });
   * const out = new Float32Array(2);
   * view.applyBatch(Float32Array.of(1, 2, 3, 4), 2, out);
   * console.assert(out.join() === "2,4");
   * ```
   */
  applyBatch(obs: Float32Array, rows: number, out: Float32Array): Float32Array {
    const I = this.inputSize, O = this.outputSize;
    if (obs.length < rows * I || out.length < rows * O) {
      throw new RangeError(
        `ObservationView.applyBatch: ${rows} rows need ${rows * I} input and ${
          rows * O
        } output values, got ${obs.length} and ${out.length}`,
      );
    }
    for (let r = 0; r < rows; r++) this.apply(obs, r * I, out, r * O);
    return out;
  }

  /**
   * Maps `rows` actor input rows (`inputSize + tail` values each: the full observation, then `tail` values
   * such as the agent-id one-hot, copied as they are) to student input rows (`outputSize + tail`).
   *
   * @example
   * ```ts
   * import { ObservationView } from "./observation_view.ts";
   * const view = ObservationView.create({ size: 2, segments: [{ kind: "scalar", name: "a", offset: 0,
   *   size: 1 }, { kind: "scalar", name: "b", offset: 1, size: 1 }] }, { dropScalars: ["b"] });
   * const out = new Float32Array(6);
   * view.applyInputs(Float32Array.of(1, 2, 1, 0, 3, 4, 0, 1), 2, 2, out);
   * console.assert(out.join() === "1,1,0,3,0,1");
   * ```
   */
  applyInputs(inputs: Float32Array, rows: number, tail: number, out: Float32Array): Float32Array {
    const I = this.inputSize + tail, O = this.outputSize + tail;
    if (inputs.length < rows * I || out.length < rows * O) {
      throw new RangeError(
        `ObservationView.applyInputs: ${rows} rows need ${rows * I} input and ${
          rows * O
        } output values, got ${inputs.length} and ${out.length}`,
      );
    }
    for (let r = 0; r < rows; r++) {
      this.apply(inputs, r * I, out, r * O);
      const src = r * I + this.inputSize, dst = r * O + this.outputSize;
      for (let f = 0; f < tail; f++) out[dst + f] = inputs[src + f];
    }
    return out;
  }

  /**
   * A short tag of the effective budget, e.g. `"enemies1-allies1"` (entity segments cut below their size,
   * then `r<range>`, then `no<scalar>`), or `"full"` when nothing is cut (entities are still sorted nearest first).
   *
   * @example
   * ```ts
   * import { ObservationView } from "./observation_view.ts";
   * const layout = { size: 2, segments: [{ kind: "scalar" as const, name: "own", offset: 0, size: 2 }] };
   * console.assert(ObservationView.create(layout, {}).tag() === "full");
   * ```
   */
  tag(): string {
    return observationBudgetTag(this.budget, this.layout);
  }
}

/**
 * Validates `budget` against `layout` and returns the effective budget: every entity segment's count
 * (clamped to the segment's size; all when not named), the range, the dropped scalars. Errors name
 * `where`, the field and the value.
 *
 * @example
 * ```ts
 * import { resolveObservationBudget } from "./observation_view.ts";
 * const layout = { size: 4, segments: [{ kind: "entities" as const, name: "agents", offset: 0, count: 2,
 *   features: 2, distance: { kind: "offset" as const, x: 0, y: 1, scale: 1 } }] };
 * console.assert(resolveObservationBudget(layout, { entities: { agents: 5 } }).entities!.agents === 2);
 * ```
 */
export function resolveObservationBudget(
  layout: ObservationLayout,
  budget: ObservationBudget,
  where = "observation budget",
): ObservationBudget {
  const entitySegs = layout.segments.filter((s): s is EntitySegment => s.kind === "entities");
  const scalarNames = layout.segments.filter((s) => s.kind === "scalar").map((s) => s.name);
  const entities: Record<string, number> = {};
  for (const s of entitySegs) entities[s.name] = s.count;
  for (const [name, k] of Object.entries(budget.entities ?? {})) {
    const seg = entitySegs.find((s) => s.name === name);
    if (!seg) {
      throw new RangeError(
        `${where}: unknown entity segment "${name}" (the layout has ${
          entitySegs.map((s) => `"${s.name}"`).join(", ") || "none"
        })`,
      );
    }
    if (typeof k !== "number" || !Number.isInteger(k) || k < 0) {
      throw new RangeError(
        `${where}: entities "${name}" must be an integer >= 0, got ${JSON.stringify(k)}`,
      );
    }
    entities[name] = Math.min(k, seg.count);
  }
  const out: ObservationBudget = { entities };
  if (budget.range !== undefined) {
    if (typeof budget.range !== "number" || !(budget.range > 0) || !Number.isFinite(budget.range)) {
      throw new RangeError(
        `${where}: range must be a finite number > 0, got ${JSON.stringify(budget.range)}`,
      );
    }
    out.range = budget.range;
  }
  if (budget.dropScalars !== undefined && budget.dropScalars.length > 0) {
    for (const name of budget.dropScalars) {
      if (!scalarNames.includes(name)) {
        throw new RangeError(
          `${where}: dropScalars names unknown scalar segment ${
            JSON.stringify(name)
          } (the layout has ${scalarNames.map((s) => `"${s}"`).join(", ") || "none"})`,
        );
      }
    }
    out.dropScalars = [...new Set(budget.dropScalars)];
  }
  return out;
}

/**
 * A short tag of a budget for file names and cell ids: the named entity counts (`enemies1-allies1`), then
 * `r<range>`, then `no<scalar>` per dropped scalar segment; with `layout`, entity counts that keep the
 * whole segment are left out. `"full"` when nothing is cut.
 *
 * @example
 * ```ts
 * import { observationBudgetTag } from "./observation_view.ts";
 * console.assert(observationBudgetTag({ entities: { enemies: 1, allies: 1 } }) === "enemies1-allies1");
 * ```
 */
export function observationBudgetTag(
  budget: ObservationBudget,
  layout?: ObservationLayout,
): string {
  const parts: string[] = [];
  for (const [name, k] of Object.entries(budget.entities ?? {})) {
    const seg = layout?.segments.find((s) => s.name === name);
    if (seg && seg.kind === "entities" && k >= seg.count) continue;
    parts.push(`${name}${k}`);
  }
  if (budget.range !== undefined) parts.push(`r${budget.range}`);
  for (const s of budget.dropScalars ?? []) parts.push(`no${s}`);
  return parts.length ? parts.join("-") : "full";
}

/**
 * Parses the CLI form of an entity budget, `"enemies=1,allies=1"`, into `{ enemies: 1, allies: 1 }`; errors
 * name `flag` and the offending part.
 *
 * @example
 * ```ts
 * import { parseEntityBudget } from "./observation_view.ts";
 * console.assert(parseEntityBudget("enemies=1,allies=2", "--obs-entities").allies === 2);
 * ```
 */
export function parseEntityBudget(text: string, flag: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(",")) {
    const m = /^\s*([a-z][a-z0-9_]*)\s*=\s*(-?\d+)\s*$/.exec(part);
    if (!m) {
      throw new RangeError(
        `flag ${flag}: expected name=count pairs separated by commas (e.g. enemies=1,allies=1), got ${
          JSON.stringify(part)
        } in ${JSON.stringify(text)}`,
      );
    }
    const k = Number(m[2]);
    if (k < 0) {
      throw new RangeError(`flag ${flag}: count of "${m[1]}" must be >= 0, got ${k}`);
    }
    if (m[1] in out) throw new RangeError(`flag ${flag}: "${m[1]}" appears twice`);
    out[m[1]] = k;
  }
  return out;
}

/**
 * One budget for every class of an environment whose classes have different layouts (a fleet's satellites
 * see `events` and `neighbours`, its sensors `satellites`): per class, the budget restricted to the
 * segments that class has, or undefined (the full observation) when the budget names none of them and has
 * no range. A segment or scalar name that no class has is an error naming `where`, and so is a budget for
 * an environment where no class has a layout.
 *
 * @example
 * ```ts
 * import { shareObservationBudget } from "./observation_view.ts";
 * const sat = { size: 4, segments: [{ kind: "entities" as const, name: "events", offset: 0, count: 2,
 *   features: 2, distance: { kind: "offset" as const, x: 0, y: 1, scale: 1 } }] };
 * const sensor = { size: 1, segments: [{ kind: "scalar" as const, name: "own", offset: 0, size: 1 }] };
 * const per = shareObservationBudget({ entities: { events: 1 } }, [sat, sensor]);
 * console.assert(per[0]!.entities!.events === 1 && per[1] === undefined);
 * ```
 */
export function shareObservationBudget(
  budget: ObservationBudget,
  layouts: readonly (ObservationLayout | undefined)[],
  where = "observation budget",
): (ObservationBudget | undefined)[] {
  const known = layouts.filter((l): l is ObservationLayout => l !== undefined);
  if (known.length === 0) {
    throw new RangeError(
      `${where}: the environment describes no observation layout, so it cannot have an observation budget (supported: smax/*, mpe/simple_spread, the fleet scenarios)`,
    );
  }
  const has = (name: string, kind: "scalar" | "entities") =>
    known.some((l) => l.segments.some((s) => s.name === name && s.kind === kind));
  const names = (kind: "scalar" | "entities") => [
    ...new Set(known.flatMap((l) => l.segments.filter((s) => s.kind === kind).map((s) => s.name))),
  ];
  for (const name of Object.keys(budget.entities ?? {})) {
    if (!has(name, "entities")) {
      throw new RangeError(
        `${where}: unknown entity segment "${name}" (the layouts have ${
          names("entities").map((n) => `"${n}"`).join(", ") || "none"
        })`,
      );
    }
  }
  for (const name of budget.dropScalars ?? []) {
    if (!has(name, "scalar")) {
      throw new RangeError(
        `${where}: dropScalars names unknown scalar segment ${
          JSON.stringify(name)
        } (the layouts have ${names("scalar").map((n) => `"${n}"`).join(", ") || "none"})`,
      );
    }
  }
  return layouts.map((l) => {
    if (!l) return undefined;
    const own = (name: string, kind: "scalar" | "entities") =>
      l.segments.some((s) => s.name === name && s.kind === kind);
    const entities = Object.fromEntries(
      Object.entries(budget.entities ?? {}).filter(([n]) => own(n, "entities")),
    );
    const drop = (budget.dropScalars ?? []).filter((n) => own(n, "scalar"));
    if (!Object.keys(entities).length && budget.range === undefined && !drop.length) {
      return undefined;
    }
    return {
      ...(Object.keys(entities).length ? { entities } : {}),
      ...(budget.range !== undefined ? { range: budget.range } : {}),
      ...(drop.length ? { dropScalars: drop } : {}),
    };
  });
}

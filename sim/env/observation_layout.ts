/**
 * Observation layouts: how an environment's per-agent observation vector is built, segment by segment, so
 * that a reduced view of it (an *observation budget*: fewer nearest entities, a shorter range, fewer
 * scalar features; `policies/observation_view.ts`) can be taken without knowing the environment.
 *
 * A layout is a list of contiguous segments covering the whole observation in order:
 * - `scalar` segments: features of the agent itself or fixed context (SMAX move legality and own health,
 *   MPE own velocity and position), kept or dropped as a whole;
 * - `entities` segments: `count` entities of `features` values each (SMAX enemies and allies, MPE
 *   landmarks and other agents). `distance` says how far an entity is: one of its features times `scale`
 *   (`{ kind: "feature" }`), or the length of its relative (x, y) features times `scale`
 *   (`{ kind: "offset" }`), or `(1 - feature)` times `scale` for a closeness feature such as elevation / 90°
 *   (`{ kind: "closeness" }`), in the environment's own length unit. `visibleFeature`, when given, is the
 *   feature that is non-zero exactly when the entity is visible (an entity out of sight or dead is
 *   written as zeros); without it every entity is always visible. `indexed` marks segments whose slot
 *   order carries meaning outside the observation (SMAX enemies: action `6 + k` attacks enemy `k`), so a
 *   view that reorders them must say which entity each kept slot holds.
 *
 * Environments describe their layout with the optional {@linkcode ObservationLayoutSource} method
 * `observationLayout(classIndex)`; an environment without it (simple_speaker_listener, the toy envs)
 * supports no observation budget.
 *
 * @example
 * ```ts
 * import { layoutSignature, type ObservationLayout, validateLayout } from "./observation_layout.ts";
 * const layout: ObservationLayout = { size: 7, segments: [
 *   { kind: "scalar", name: "own", offset: 0, size: 1 },
 *   { kind: "entities", name: "landmarks", offset: 1, count: 3, features: 2,
 *     distance: { kind: "offset", x: 0, y: 1, scale: 1 } },
 * ] };
 * validateLayout(layout, "demo");
 * console.assert(layoutSignature(layout) === "7|own:s1@0|landmarks:e3x2@1,o0.1*1");
 * ```
 *
 * @module
 */

/** A segment of features kept or dropped as a whole. */
export interface ScalarSegment {
  /** `"scalar"`. */
  readonly kind: "scalar";
  /** Segment name, e.g. `"move"`, `"own"`. */
  readonly name: string;
  /** First index in the observation. */
  readonly offset: number;
  /** Number of features. */
  readonly size: number;
}

/** How far an entity is from the observing agent. */
export type EntityDistance =
  | {
    /** One feature holds the distance. */
    readonly kind: "feature";
    /** Index of that feature within the entity. */
    readonly index: number;
    /** Feature value times `scale` = distance in the environment's length unit. */
    readonly scale: number;
  }
  | {
    /** Two features hold the entity's position relative to the agent. */
    readonly kind: "offset";
    /** Index of the relative x feature. */
    readonly x: number;
    /** Index of the relative y feature. */
    readonly y: number;
    /** Length of (x, y) times `scale` = distance in the environment's length unit. */
    readonly scale: number;
  }
  | {
    /** One feature is 1 at the agent and falls linearly with distance (e.g. elevation / 90°). */
    readonly kind: "closeness";
    /** Index of that feature within the entity. */
    readonly index: number;
    /** `(1 - value) * scale` = distance in the environment's length unit. */
    readonly scale: number;
  };

/** `count` entities of `features` values each. */
export interface EntitySegment {
  /** `"entities"`. */
  readonly kind: "entities";
  /** Segment name, e.g. `"enemies"`, `"allies"`, `"landmarks"`, `"agents"`. */
  readonly name: string;
  /** First index in the observation. */
  readonly offset: number;
  /** Number of entities. */
  readonly count: number;
  /** Values per entity. */
  readonly features: number;
  /** How the entity's distance is read. */
  readonly distance: EntityDistance;
  /** Feature that is non-zero exactly when the entity is visible (absent: always visible). */
  readonly visibleFeature?: number;
  /** The slot order means something outside the observation (e.g. attack-action targets). */
  readonly indexed?: boolean;
}

/** One segment of a layout. */
export type ObservationSegment = ScalarSegment | EntitySegment;

/** The layout of one agent class's observation. */
export interface ObservationLayout {
  /** Observation length (the class's `obsSize`). */
  readonly size: number;
  /** Contiguous segments, in order, covering `[0, size)`. */
  readonly segments: readonly ObservationSegment[];
}

/** What an environment implements to support observation budgets. */
export interface ObservationLayoutSource {
  /** The observation layout of class `classIndex`, or undefined when it has none. */
  observationLayout?(classIndex: number): ObservationLayout | undefined;
}

/**
 * Checks that `layout` is well formed: segments contiguous from 0 to `size`, unique names, positive sizes,
 * feature indices inside the entity, positive scales. Throws naming `where`, the segment and the field.
 *
 * @example
 * ```ts
 * import { validateLayout } from "./observation_layout.ts";
 * try {
 *   validateLayout({ size: 3, segments: [{ kind: "scalar", name: "a", offset: 0, size: 2 }] }, "demo");
 * } catch (e) {
 *   console.log((e as Error).message); // observation layout of demo: segments cover 2 values, size is 3
 * }
 * ```
 */
export function validateLayout(layout: ObservationLayout, where: string): void {
  const fail = (msg: string): never => {
    throw new RangeError(`observation layout of ${where}: ${msg}`);
  };
  let at = 0;
  const names = new Set<string>();
  layout.segments.forEach((s, i) => {
    const f = `segments[${i}] ("${s.name}")`;
    if (!/^[a-z][a-z0-9_]*$/.test(s.name)) fail(`${f}: name must be lower-case letters, digits, _`);
    if (names.has(s.name)) fail(`${f}: name appears twice`);
    names.add(s.name);
    if (s.offset !== at) fail(`${f}: offset is ${s.offset}, expected ${at} (contiguous segments)`);
    if (s.kind === "scalar") {
      if (!Number.isInteger(s.size) || s.size < 1) fail(`${f}: size must be >= 1, got ${s.size}`);
      at += s.size;
    } else {
      if (!Number.isInteger(s.count) || s.count < 1) {
        fail(`${f}: count must be >= 1, got ${s.count}`);
      }
      if (!Number.isInteger(s.features) || s.features < 1) {
        fail(`${f}: features must be >= 1, got ${s.features}`);
      }
      const inside = (k: number | undefined) =>
        k === undefined || (Number.isInteger(k) && k >= 0 && k < s.features);
      const d = s.distance;
      if (!(d.scale > 0)) fail(`${f}: distance.scale must be > 0, got ${d.scale}`);
      if (d.kind === "offset" ? !inside(d.x) || !inside(d.y) : !inside(d.index)) {
        fail(`${f}: distance features must be within the entity's ${s.features} features`);
      }
      if (!inside(s.visibleFeature)) {
        fail(`${f}: visibleFeature must be within the entity's ${s.features} features`);
      }
      at += s.count * s.features;
    }
  });
  if (at !== layout.size) fail(`segments cover ${at} values, size is ${layout.size}`);
}

/**
 * A compact string that is equal for two layouts exactly when they describe the same observation (model
 * files record it, and a student whose layout differs from the environment's is refused).
 *
 * @example
 * ```ts
 * import { layoutSignature } from "./observation_layout.ts";
 * const sig = layoutSignature({ size: 6, segments: [{ kind: "entities", name: "enemies", offset: 0,
 *   count: 2, features: 3, distance: { kind: "feature", index: 1, scale: 9 }, visibleFeature: 1,
 *   indexed: true }] });
 * console.assert(sig === "6|enemies:e2x3@0,f1*9,v1,id");
 * ```
 */
export function layoutSignature(layout: ObservationLayout): string {
  const parts = layout.segments.map((s) => {
    if (s.kind === "scalar") return `${s.name}:s${s.size}@${s.offset}`;
    const d = s.distance;
    const dist = d.kind === "feature"
      ? `f${d.index}*${d.scale}`
      : d.kind === "closeness"
      ? `c${d.index}*${d.scale}`
      : `o${d.x}.${d.y}*${d.scale}`;
    return `${s.name}:e${s.count}x${s.features}@${s.offset},${dist}${
      s.visibleFeature === undefined ? "" : `,v${s.visibleFeature}`
    }${s.indexed ? ",id" : ""}`;
  });
  return [String(layout.size), ...parts].join("|");
}

/**
 * SMAX map files (`scenarios/smax/<name>.json`): their zod schema, and parsing with errors that name the
 * file, the field and the value, e.g.
 * `Cannot load map "scenarios/smax/3m.json": field "allies[0].type" must be one of marine, ..., got "tank"`.
 *
 * A map gives the battlefield size, SMAC's episode limit, each team's spawn point (every unit starts there
 * plus a uniform jitter of `spawnJitter` per axis, drawn from the episode's seed), the point the scripted
 * enemy attack-moves to (default: the allies' spawn) and the two armies as groups of `{ type, count }`
 * (a group may have its own `spawn`).
 *
 * @example
 * ```ts
 * import { parseSmaxMap } from "./map.ts";
 * const map = parseSmaxMap({
 *   name: "1m", episodeLimit: 30, width: 32, height: 32,
 *   allySpawn: { x: 8, y: 16 }, enemySpawn: { x: 24, y: 16 },
 *   allies: [{ type: "marine", count: 1 }], enemies: [{ type: "marine", count: 1 }],
 * }, "1m.json");
 * console.assert(map.spawnJitter === 2 && map.attackPoint.x === 8);
 * ```
 *
 * @module
 */

import { z } from "zod";
import { formatPath, valueAt } from "../field_path.ts";
import { InputError } from "../input_error.ts";
import type { SameType } from "../same_type.ts";
import { UNIT_TYPE_NAMES, type UnitTypeName } from "./units.ts";

const point = z.strictObject({ x: z.number(), y: z.number() });

const group = z.strictObject({
  /** Unit type. */
  type: z.enum(UNIT_TYPE_NAMES),
  /** Number of units. */
  count: z.int().min(1).max(64),
  /** Spawn centre of this group (default: the team's spawn). */
  spawn: point.optional(),
});

const smaxMapZod = z.strictObject({
  /** Map name, e.g. `"3s5z"`; the environment id is `smax/<name>`. */
  name: z.string().regex(/^[A-Za-z0-9_]+$/, "must be letters, digits and '_'"),
  /** One line describing the battle. */
  description: z.string().default(""),
  /** Where the figures come from (documentation only). */
  source: z.string().default(""),
  /** SMAC's episode limit in environment steps. */
  episodeLimit: z.int().min(1).max(100_000),
  /** Battlefield width, map units. */
  width: z.number().gt(0).max(1024),
  /** Battlefield height, map units. */
  height: z.number().gt(0).max(1024),
  /** Spawn centre of the allies. */
  allySpawn: point,
  /** Spawn centre of the enemies. */
  enemySpawn: point,
  /** Half-width of the uniform start-position jitter per axis. */
  spawnJitter: z.number().min(0).max(64).default(2),
  /** Point the scripted enemy attack-moves to (default: `allySpawn`). */
  attackPoint: point.optional(),
  /** The agents' army. */
  allies: z.array(group).min(1).max(16),
  /** The scripted enemy's army. */
  enemies: z.array(group).min(1).max(16),
}).superRefine((m, ctx) => {
  const inside = (p: { x: number; y: number } | undefined, path: (string | number)[]) => {
    if (!p) return;
    if (p.x < 0 || p.x > m.width) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "x"],
        message: `must be within the map width [0, ${m.width}]`,
        input: p.x,
      });
    }
    if (p.y < 0 || p.y > m.height) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "y"],
        message: `must be within the map height [0, ${m.height}]`,
        input: p.y,
      });
    }
  };
  inside(m.allySpawn, ["allySpawn"]);
  inside(m.enemySpawn, ["enemySpawn"]);
  inside(m.attackPoint, ["attackPoint"]);
  m.allies.forEach((g, i) => inside(g.spawn, ["allies", i, "spawn"]));
  m.enemies.forEach((g, i) => inside(g.spawn, ["enemies", i, "spawn"]));
  for (const team of ["allies", "enemies"] as const) {
    const total = m[team].reduce((s, g) => s + g.count, 0);
    if (total > 64) {
      ctx.addIssue({
        code: "custom",
        path: [team],
        message: "must hold at most 64 units in total",
        input: total,
      });
    }
  }
}).transform((m) => ({ ...m, attackPoint: m.attackPoint ?? m.allySpawn }));

/** A group of units of one type. */
export interface SmaxGroup {
  /** Unit type. */
  readonly type: UnitTypeName;
  /** Number of units. */
  readonly count: number;
  /** Spawn centre of this group, when it differs from the team's. */
  readonly spawn?: { readonly x: number; readonly y: number };
}

/** A parsed, validated map (defaults filled in). */
export interface SmaxMap {
  /** Map name, e.g. `"3m"`. */
  readonly name: string;
  /** One line describing the battle. */
  readonly description: string;
  /** Where the figures come from. */
  readonly source: string;
  /** SMAC's episode limit in environment steps. */
  readonly episodeLimit: number;
  /** Battlefield width. */
  readonly width: number;
  /** Battlefield height. */
  readonly height: number;
  /** Spawn centre of the allies. */
  readonly allySpawn: { readonly x: number; readonly y: number };
  /** Spawn centre of the enemies. */
  readonly enemySpawn: { readonly x: number; readonly y: number };
  /** Half-width of the uniform start-position jitter per axis. */
  readonly spawnJitter: number;
  /** Point the scripted enemy attack-moves to. */
  readonly attackPoint: { readonly x: number; readonly y: number };
  /** The agents' army. */
  readonly allies: readonly SmaxGroup[];
  /** The scripted enemy's army. */
  readonly enemies: readonly SmaxGroup[];
}

// SmaxMap is read-only (its arrays too), so only the keys are compared; the annotation below checks the rest.
const _smaxMapSame: SameType<keyof z.output<typeof smaxMapZod>, keyof SmaxMap> = true;

/**
 * The schema of a map file: parses a map file's JSON into a {@linkcode SmaxMap} (defaults filled in,
 * `attackPoint` defaulting to `allySpawn`). {@linkcode parseSmaxMap} wraps it with errors that name the
 * file, the field and the value.
 *
 * @example
 * ```ts
 * import { smaxMapSchema } from "./map.ts";
 * console.assert(!smaxMapSchema.safeParse({ name: "x" }).success);
 * ```
 */
export const smaxMapSchema: z.ZodType<SmaxMap> = smaxMapZod;

/** A map that cannot be loaded; the message names the file, the field and the value. */
export class SmaxMapError extends InputError {
  /** Builds the error for map `source` with `detail`. */
  constructor(source: string, detail: string) {
    super(`Cannot load map "${source}": ${detail}`);
    this.name = "SmaxMapError";
  }
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const TYPE_WORDS: Record<string, string> = {
  int: "an integer",
  number: "a number",
  string: "a string",
  object: "an object",
  array: "an array",
};

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === "unrecognized_keys") {
    const base = formatPath(issue.path);
    return issue.keys.map((k) => `field "${base === "" ? k : `${base}.${k}`}" is not a known field`)
      .join("; ");
  }
  const field = formatPath(issue.path) || "(root)";
  const got = show(valueAt(input, issue.path));
  let rule: string;
  switch (issue.code) {
    case "invalid_value":
      rule = `must be one of ${issue.values.map(String).join(", ")}`;
      break;
    case "invalid_type":
      rule = `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
      break;
    case "too_small":
      rule = issue.origin === "array"
        ? `must have at least ${issue.minimum} ${Number(issue.minimum) === 1 ? "entry" : "entries"}`
        : `must be ${issue.inclusive ? ">=" : ">"} ${issue.minimum}`;
      break;
    case "too_big":
      rule = issue.origin === "array"
        ? `must have at most ${issue.maximum} entries`
        : `must be ${issue.inclusive ? "<=" : "<"} ${issue.maximum}`;
      break;
    default:
      rule = issue.message;
  }
  return `field "${field}" ${rule}, got ${got}`;
}

/**
 * Validates `value` (a map file's parsed JSON, or a map object) and fills in defaults; throws a
 * {@linkcode SmaxMapError} naming `source`, each bad field and its value.
 *
 * @example
 * ```ts
 * import { parseSmaxMap } from "./map.ts";
 * try {
 *   parseSmaxMap({ name: "bad" }, "bad.json");
 * } catch (e) {
 *   console.assert(String(e).includes('Cannot load map "bad.json": field "episodeLimit"'));
 * }
 * ```
 */
export function parseSmaxMap(value: unknown, source: string): SmaxMap {
  const r = smaxMapSchema.safeParse(value);
  if (!r.success) {
    const shown = r.error.issues.slice(0, 4).map((i) => describeIssue(i, value));
    const more = r.error.issues.length > 4 ? ` (and ${r.error.issues.length - 4} more)` : "";
    throw new SmaxMapError(source, shown.join("; ") + more);
  }
  return r.data;
}

/**
 * Reads and validates a map file (needs read permission for `path`).
 *
 * @example
 * ```ts
 * import { loadSmaxMapFile } from "./map.ts";
 * const map = await loadSmaxMapFile(new URL("../../scenarios/smax/3m.json", import.meta.url));
 * console.assert(map.episodeLimit === 60);
 * ```
 */
export async function loadSmaxMapFile(path: string | URL): Promise<SmaxMap> {
  const source = path instanceof URL ? decodeURIComponent(path.pathname) : path;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new SmaxMapError(source, e instanceof Error ? e.message : String(e));
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SmaxMapError(source, `not valid JSON (${e instanceof Error ? e.message : e})`);
  }
  return parseSmaxMap(json, source);
}

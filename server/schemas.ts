/**
 * Request validation with zod: the body of `POST /api/runs` and the query parameters of the event
 * endpoints. A failure becomes a 400 whose message names the field, what was expected and the value, e.g.
 * `field "seed" must be an integer >= 0, got "abc"`.
 *
 * @example
 * ```ts
 * import { parseOrThrow, startRunSchema } from "./schemas.ts";
 * const spec = parseOrThrow(startRunSchema, { scenario: "toy/matching" }, "field");
 * console.assert(spec.policy === "random" && spec.seed === 0 && spec.speed === 1);
 * try {
 *   parseOrThrow(startRunSchema, { scenario: "toy/matching", seed: "abc" }, "field");
 * } catch (e) {
 *   console.assert((e as Error).message === 'field "seed" must be an integer >= 0, got "abc"');
 * }
 * ```
 *
 * @module
 */

import { z } from "zod";
import { formatPath, valueAt } from "../sim/field_path.ts";
import type { SameType } from "../sim/same_type.ts";
import { BadRequestError } from "./errors.ts";

const MAX_SEED = 2 ** 31 - 1;
const SPEED = 'must be a real-time multiple in (0, 10000] or "max"';

/** A validated `POST /api/runs` body (defaults filled in). */
export interface StartRunBody {
  /** Scenario (environment) id. */
  scenario: string;
  /** Policy id (default `"random"`). */
  policy: string;
  /** Root seed (default 0). */
  seed: number;
  /** Real-time multiple, or `"max"` for as fast as possible (default 1). */
  speed: number | "max";
  /** Episodes to run (default: until stopped). */
  episodes?: number;
  /** Ticks to run (default: until stopped). */
  ticks?: number;
}

/** A validated query of `GET /api/runs/:id/events`. */
export interface EventsQuery {
  /** First sequence number to return (default 1). */
  from: number;
  /** Most events to return (default 200, at most 1000). */
  limit: number;
}

const startRunZod = z.strictObject({
  scenario: z.string({ error: "must be a scenario id (a string)" }).min(1, {
    error: "must be a non-empty scenario id",
  }),
  policy: z.string({ error: "must be a policy id (a string)" }).min(1, {
    error: "must be a non-empty policy id",
  }).default("random"),
  seed: z.int({ error: "must be an integer >= 0" })
    .min(0, { error: "must be an integer >= 0" })
    .max(MAX_SEED, { error: `must be an integer <= ${MAX_SEED}` })
    .default(0),
  speed: z.union([
    z.number({ error: SPEED }).gt(0, { error: SPEED }).max(10_000, { error: SPEED }),
    z.literal("max", { error: SPEED }),
  ], { error: SPEED }).default(1),
  episodes: z.int({ error: "must be an integer >= 1" }).min(1, {
    error: "must be an integer >= 1",
  }).optional(),
  ticks: z.int({ error: "must be an integer >= 1" }).min(1, { error: "must be an integer >= 1" })
    .optional(),
});
const _startRunSame: SameType<z.output<typeof startRunZod>, StartRunBody> = true;

/**
 * Body of `POST /api/runs`.
 *
 * @example
 * ```ts
 * import { startRunSchema } from "./schemas.ts";
 * console.assert(startRunSchema.parse({ scenario: "toy/matching" }).speed === 1);
 * ```
 */
export const startRunSchema: z.ZodType<StartRunBody> = startRunZod;

/** Non-negative integer given as a string (query parameters, headers). */
const intString = (min: number, max: number) =>
  z.string().regex(/^\d+$/, { error: `must be an integer in [${min}, ${max}]` })
    .transform(Number)
    .pipe(
      z.number().min(min, { error: `must be an integer in [${min}, ${max}]` }).max(max, {
        error: `must be an integer in [${min}, ${max}]`,
      }),
    );

const eventsQueryZod = z.object({
  from: intString(1, Number.MAX_SAFE_INTEGER).default(1),
  limit: intString(1, 1000).default(200),
});
const _eventsQuerySame: SameType<z.output<typeof eventsQueryZod>, EventsQuery> = true;

/**
 * Query of `GET /api/runs/:id/events` (the values are strings, as in a URL).
 *
 * @example
 * ```ts
 * import { eventsQuerySchema } from "./schemas.ts";
 * console.assert(eventsQuerySchema.parse({ from: "5" }).limit === 200);
 * ```
 */
export const eventsQuerySchema: z.ZodType<EventsQuery> = eventsQueryZod;

/**
 * A `Last-Event-ID` header or `lastEventId` query parameter: the last seq the client has, as a string.
 *
 * @example
 * ```ts
 * import { lastEventIdSchema } from "./schemas.ts";
 * console.assert(lastEventIdSchema.parse("42") === 42 && !lastEventIdSchema.safeParse("-1").success);
 * ```
 */
export const lastEventIdSchema: z.ZodType<number> = intString(0, Number.MAX_SAFE_INTEGER);

function shown(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? text.slice(0, 77) + "..." : text;
}

/**
 * One readable sentence for the first problem zod found: `<kind> "<path>" <expectation>, got <value>`,
 * or `unknown <kind> "x"` for keys the schema does not know.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { describeZodError } from "./schemas.ts";
 * const r = z.strictObject({ n: z.int({ error: "must be an integer" }) }).safeParse({ n: 1.5 });
 * console.assert(!r.success && describeZodError(r.error, { n: 1.5 }, "field") ===
 *   'field "n" must be an integer, got 1.5');
 * ```
 */
export function describeZodError(error: z.ZodError, input: unknown, kind: string): string {
  const issue = error.issues[0];
  if (!issue) return `invalid ${kind}`;
  if (issue.code === "unrecognized_keys") {
    const prefix = issue.path.length ? `${formatPath(issue.path)}.` : "";
    return `unknown ${kind} ${issue.keys.map((k) => `"${prefix}${k}"`).join(", ")}`;
  }
  if (issue.path.length === 0) {
    return `${kind === "field" ? "request body" : kind} ${
      issue.code === "invalid_type" ? "must be a JSON object" : issue.message
    }, got ${shown(input)}`;
  }
  const value = valueAt(input, issue.path);
  const name = formatPath(issue.path);
  if (value === undefined) return `${kind} "${name}" is required (${issue.message})`;
  return `${kind} "${name}" ${issue.message}, got ${shown(value)}`;
}

/**
 * Parses `input` with `schema` or throws a {@linkcode BadRequestError} from {@linkcode describeZodError}.
 *
 * @example
 * ```ts
 * import { eventsQuerySchema, parseOrThrow } from "./schemas.ts";
 * const q = parseOrThrow(eventsQuerySchema, { from: "5" }, "query parameter");
 * console.assert(q.from === 5 && q.limit === 200);
 * ```
 */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, kind: string): T {
  const r = schema.safeParse(input);
  if (!r.success) throw new BadRequestError(describeZodError(r.error, input, kind));
  return r.data;
}

/**
 * One job, as a worker runs it (local pool or BullMQ alike): the message is validated (envelope, kind,
 * payload, every path inside the artifact directory) before anything is touched, then the kind runs and
 * its result is written to `<out>/result.json` atomically. A job whose `result.json` already holds its
 * key returns that result without running again: a job re-delivered after its worker died between
 * finishing and reporting is not run twice.
 *
 * @example
 * ```ts
 * import { executeJob, JobRefused } from "./execute.ts";
 * const root = await Deno.makeTempDir();
 * try {
 *   await executeJob({ v: 1, sweep: "s", key: "k", kind: "train", payload: { out: "/etc" } }, root);
 * } catch (e) {
 *   console.assert(e instanceof JobRefused);
 * }
 * ```
 *
 * @module
 */

import { z } from "zod";
import { writeFileAtomic } from "../sim/atomic_write.ts";
import type { SameType } from "../sim/same_type.ts";
import { initBackend } from "../policies/backend.ts";
import { jobKind, listJobKinds } from "./job_kinds.ts";
import { confinedPath, PathOutsideError } from "./paths.ts";

/** The message a worker receives: the same through the queue and the local pool. */
export interface JobMessage {
  /** Message format version. */
  v: 1;
  /** Sweep name. */
  sweep: string;
  /** The job's key in the sweep. */
  key: string;
  /** Job kind. */
  kind: string;
  /** The kind's payload. */
  payload: unknown;
}

const jobMessageZod = z.strictObject({
  /** Message format version. */
  v: z.literal(1),
  /** Sweep name. */
  sweep: z.string().min(1).max(200),
  /** The job's key in the sweep. */
  key: z.string().min(1).max(500),
  /** Job kind. */
  kind: z.string().min(1).max(100),
  /** The kind's payload. */
  payload: z.unknown(),
});
const _jobMessageSame: SameType<z.output<typeof jobMessageZod>, JobMessage> = true;

/**
 * The schema of a {@linkcode JobMessage} (sweep and key at most 200 and 500 characters).
 *
 * @example
 * ```ts
 * import { jobMessageSchema } from "./execute.ts";
 * console.assert(!jobMessageSchema.safeParse({ v: 2, sweep: "s", key: "k", kind: "train" }).success);
 * ```
 */
export const jobMessageSchema: z.ZodType<JobMessage> = jobMessageZod;

/** What a finished job reports (and `result.json` holds). */
export interface JobResult {
  /** Sweep name. */
  sweep: string;
  /** The job's key: its result's idempotency key. */
  key: string;
  /** Job kind. */
  kind: string;
  /** The deterministic figures. */
  figures: Record<string, unknown>;
  /** Seconds the run took (0 when the stored result was returned). */
  seconds: number;
}

/**
 * A message the worker will not act on (bad envelope, kind, payload or path): never retried.
 *
 * @example
 * ```ts
 * import { JobRefused, validateJob } from "./execute.ts";
 * try {
 *   validateJob({ v: 1, sweep: "s", key: "k", kind: "nope", payload: {} }, "/tmp");
 * } catch (e) {
 *   console.assert(e instanceof JobRefused);
 * }
 * ```
 */
export class JobRefused extends Error {
  /** `message` names the job, the field, the value and what was expected. */
  constructor(message: string) {
    super(message);
    this.name = "JobRefused";
  }
}

function issueText(issue: z.core.$ZodIssue, input: unknown, prefix: string): string {
  let v = input;
  for (const p of issue.path) v = (v as Record<PropertyKey, unknown> | undefined)?.[p];
  const field = [
    prefix,
    ...issue.path.map((p) => typeof p === "number" ? `[${p}]` : `.${String(p)}`),
  ]
    .join("").replace(/^\./, "").replaceAll(".[", "[");
  const got = v === undefined ? "nothing" : JSON.stringify(v);
  return `field "${field || "(root)"}" ${issue.message}, got ${got}`;
}

/**
 * The message and its kind, validated, with every path field resolved inside the artifact directory
 * `root`; a {@linkcode JobRefused} naming the field and value otherwise.
 *
 * @example
 * ```ts
 * import { validateJob } from "./execute.ts";
 * const root = await Deno.makeTempDir();
 * const { paths } = validateJob({
 *   v: 1, sweep: "s", key: "train/a", kind: "train",
 *   payload: { scenario: "toy/matching", seed: 1, steps: 64, checkpointEvery: 1, out: "s/train/a" },
 * }, root);
 * console.assert(paths.get("s/train/a")!.endsWith("/s/train/a"));
 * ```
 */
export function validateJob(
  message: unknown,
  root: string,
): { message: JobMessage; payload: unknown; paths: Map<string, string> } {
  const env = jobMessageSchema.safeParse(message);
  if (!env.success) {
    throw new JobRefused(`Refused job: ${issueText(env.error.issues[0], message, "")}`);
  }
  const m = env.data;
  const kind = jobKind(m.kind);
  if (!kind) {
    throw new JobRefused(
      `Refused job "${m.key}": field "kind" must be one of ${listJobKinds().join(", ")}, got ${
        JSON.stringify(m.kind)
      }`,
    );
  }
  const p = kind.payload.safeParse(m.payload);
  if (!p.success) {
    throw new JobRefused(
      `Refused job "${m.key}": ${issueText(p.error.issues[0], m.payload, "payload")}`,
    );
  }
  const paths = new Map<string, string>();
  for (const [field, rel] of kind.paths(p.data)) {
    try {
      paths.set(rel, confinedPath(root, rel));
    } catch (e) {
      if (!(e instanceof PathOutsideError)) throw e;
      throw new JobRefused(`Refused job "${m.key}": field "payload.${field}": ${e.message}`);
    }
  }
  return { message: m, payload: p.data, paths };
}

let backendReady: Promise<void> | undefined;

/**
 * Validates and runs one job with the artifact directory `root`, returning (and persisting) its result.
 *
 * @example
 * ```ts
 * import { executeJob } from "./execute.ts";
 * const root = await Deno.makeTempDir();
 * const result = await executeJob({
 *   v: 1, sweep: "doc", key: "train/toy", kind: "train",
 *   payload: { scenario: "toy/matching", seed: 1, steps: 256, checkpointEvery: 1, out: "doc/train" },
 * }, root);
 * console.assert(result.figures.envSteps === 256);
 * ```
 */
export async function executeJob(message: unknown, root: string): Promise<JobResult> {
  const { message: m, payload, paths } = validateJob(message, root);
  const kind = jobKind(m.kind)!;
  const out = (payload as { out?: unknown }).out;
  const resultPath = typeof out === "string" ? `${confinedPath(root, out)}/result.json` : undefined;
  if (resultPath) {
    const stored = await Deno.readTextFile(resultPath).then(JSON.parse, () => undefined);
    if (stored?.key === m.key && stored?.sweep === m.sweep && stored?.kind === m.kind) {
      return { ...stored, seconds: 0 } as JobResult;
    }
  }
  backendReady ??= initBackend("wasm");
  await backendReady;
  const started = performance.now();
  const output = await kind.run(payload, {
    key: m.key,
    path: (rel) => {
      const abs = paths.get(rel);
      if (abs === undefined) throw new JobRefused(`job "${m.key}" used an unchecked path "${rel}"`);
      return abs;
    },
  });
  // JSON round trip: NaN becomes null here exactly as it does through the queue.
  const result: JobResult = JSON.parse(JSON.stringify({
    sweep: m.sweep,
    key: m.key,
    kind: m.kind,
    figures: output.figures,
    seconds: (performance.now() - started) / 1000,
  }));
  if (resultPath) {
    await Deno.mkdir(resultPath.slice(0, resultPath.lastIndexOf("/")), { recursive: true });
    await writeFileAtomic(resultPath, JSON.stringify(result, null, 2) + "\n");
  }
  return result;
}

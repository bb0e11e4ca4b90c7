/**
 * What the telemetry server is built from, injected so tests can use the toy environment and fakes:
 * {@linkcode ServerDeps}. {@linkcode resolveDeps} fills in the defaults: every scenario of the catalog
 * (`catalog/`) with its policies, a duck-typed `env.snapshot()`, logs under `.runs/`.
 *
 * @example
 * ```ts
 * import { resolveDeps } from "./deps.ts";
 * const deps = resolveDeps({ maxConcurrentRuns: 2 });
 * console.assert(deps.scenarios().some((s) => s.id === "toy/matching"));
 * console.assert(deps.maxConcurrentRuns === 2 && deps.runsDir === ".runs");
 * ```
 *
 * @module
 */

import type { MultiAgentEnv } from "../sim/env/types.ts";
import { defaultCatalog, type ScenarioCatalog } from "../catalog/mod.ts";
import { type Clock, realClock } from "./clock.ts";
import type { LogWriter } from "./ndjson_log.ts";
import { type PolicyCatalog, scenarioPolicies } from "./policies.ts";
import type { NodeSnapshot } from "./telemetry.ts";

/** A scenario as listed to clients. */
export interface ScenarioInfo {
  /** Environment id, e.g. `"toy/matching"`, `"fleet/leo-wildfire"`. */
  id: string;
  /** Short name that also selects it where unambiguous, e.g. `"leo-wildfire"` (default: the id's tail). */
  name?: string;
  /** One line describing it. */
  description: string;
}

/** The server's dependencies; every field is optional in `createApp(deps)`. */
export interface ServerDeps {
  /** Scenarios that can be run (default: the scenario catalog). */
  scenarios: () => ScenarioInfo[];
  /** Builds a fresh environment for a scenario id (default: the catalog entry's `make`). */
  makeEnv: (id: string) => MultiAgentEnv;
  /** Policy sets per scenario and controller factory (default: the catalog's, `scenarioPolicies`). */
  policies: PolicyCatalog;
  /** Node positions of an environment after a step, or undefined (default: its `snapshot()`, if any). */
  snapshot: (env: MultiAgentEnv) => NodeSnapshot | undefined;
  /** Simulated seconds per step of an environment (default: `infos.dtS`, else its decision period, else 1). */
  dtSeconds: (env: MultiAgentEnv, infos: Record<string, number>) => number;
  /** Folder of the per-run NDJSON logs (default `.runs`). */
  runsDir: string;
  /** Artifact directory of `deno task sweep` whose sweeps the sweep page shows (default `runs/sweep`). */
  sweepsDir: string;
  /** Runs that may be running at once; more get 429 (default 4). */
  maxConcurrentRuns: number;
  /**
   * Ended runs kept (in memory and their logs on disk) for status and replay; the oldest beyond it are
   * forgotten and their logs deleted (default 64).
   */
  maxRetainedRuns: number;
  /**
   * Bytes of run logs kept on disk (default 2 GiB). Before a run starts, the oldest ended runs' logs are
   * deleted until the ended logs plus `maxRunLogBytes` for every running run fit, so the folder never
   * grows past it; must be >= `maxConcurrentRuns * maxRunLogBytes`.
   */
  retainedLogBytes: number;
  /** Largest log of one run, bytes (default 256 MiB); a run reaching it is stopped. */
  maxRunLogBytes: number;
  /** Most ticks of one run (default 1,000,000); a run reaching it is stopped, a larger `ticks` is 400. */
  maxRunTicks: number;
  /** Longest wall-clock time of one run, ms (default 6 h); a run reaching it is stopped. */
  maxRunWallMs: number;
  /** Open telemetry streams (SSE + WebSocket) over every client; more get 429 (default 1024). */
  maxStreams: number;
  /** Open telemetry streams per client address; more get 429 (default 64). */
  maxStreamsPerClient: number;
  /** Bytes queued for one stream connection before the server stops reading for it (default 256 KiB). */
  sendBufferBytes: number;
  /**
   * Bytes held for every stream client together (default 64 MiB): each gets at most its share, and beyond
   * it the clients stalled the longest are cut (see `server/send_budget.ts`).
   */
  sendBudgetBytes: number;
  /** A stream client that takes nothing this long while events wait is cut off, ms (default 30 s). */
  slowConsumerMs: number;
  /** Bytes of one catch-up read from a log, and of one `/events` page (default 1 MiB). */
  readBytes: number;
  /**
   * Host names (no port) a request's `Host` and `Origin` may name (default: the loopback names
   * `localhost`, `127.0.0.1`, `[::1]`; any `127.x.y.z` is loopback too). Others get 403 (DNS rebinding).
   */
  allowedHosts: string[];
  /** How log bytes reach the disk (default `file.write`); for fault-injection tests. */
  logWriter?: LogWriter;
  /** Events per run kept in memory for resuming clients (default 4096); older ones come from the log. */
  ringSize: number;
  /** Characters of event JSON per run kept in memory (default 64 Mi, about bytes); the tighter limit wins. */
  ringBytes: number;
  /**
   * Bearer token required on every `/api` route and stream when set (at least
   * {@linkcode MIN_TOKEN_LENGTH} characters).
   */
  token?: string;
  /** Largest accepted request body, bytes (default 16 KiB). */
  maxBodyBytes: number;
  /** Time source of the run loops (default: the wall clock). */
  clock: Clock;
}

/** The shortest accepted bearer token, characters. */
export const MIN_TOKEN_LENGTH = 16;

/** The default `allowedHosts`. */
export const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/**
 * The default snapshot: the environment's typed `snapshot()` where it has one (the fleet environment
 * does), passed through as JSON; the server never imports a specific environment.
 *
 * @example
 * ```ts
 * import { envSnapshot } from "./deps.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * console.assert(envSnapshot(new MatchingEnv()) === undefined);
 * ```
 */
export function envSnapshot(env: MultiAgentEnv): NodeSnapshot | undefined {
  const snap = env.snapshot?.();
  return snap !== undefined && snap !== null ? snap as NodeSnapshot : undefined;
}

/**
 * The default step length: `infos.dtS` (or `infos.dt_s`) when the environment reports it, else its
 * decision period (`env.decisionPeriodMs`), else 1 second.
 *
 * @example
 * ```ts
 * import { envDtSeconds } from "./deps.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * import { SmaxEnv } from "../sim/smax/env.ts";
 * console.assert(envDtSeconds(new MatchingEnv(), {}) === 1);
 * console.assert(envDtSeconds(new MatchingEnv(), { dtS: 60 }) === 60);
 * console.assert(Math.abs(envDtSeconds(new SmaxEnv({ map: "3m" }), {}) - 8 / 22.4) < 1e-12);
 * ```
 */
export function envDtSeconds(env: MultiAgentEnv, infos: Record<string, number>): number {
  const positive = (x: unknown): x is number =>
    typeof x === "number" && Number.isFinite(x) && x > 0;
  if (positive(infos.dtS)) return infos.dtS;
  if (positive(infos.dt_s)) return infos.dt_s;
  const period = env.decisionPeriodMs;
  return positive(period) ? period / 1000 : 1;
}

/**
 * Fills in every dependency `partial` leaves out; `catalog` (default: the built-in scenario catalog) is
 * where the default scenarios, environments and policies come from.
 *
 * @example
 * ```ts
 * import { resolveDeps } from "./deps.ts";
 * console.assert(resolveDeps().maxConcurrentRuns === 4);
 * ```
 */
export function resolveDeps(
  partial: Partial<ServerDeps> & { catalog?: ScenarioCatalog } = {},
): ServerDeps {
  const catalog = partial.catalog ?? defaultCatalog();
  const deps: ServerDeps = {
    scenarios: partial.scenarios ??
      (() =>
        catalog.list().map((e) => ({
          id: e.id,
          name: e.name,
          description: e.description,
        }))),
    makeEnv: partial.makeEnv ?? ((id) => catalog.makeEnv(id)),
    policies: partial.policies ?? scenarioPolicies(catalog),
    snapshot: partial.snapshot ?? envSnapshot,
    dtSeconds: partial.dtSeconds ?? envDtSeconds,
    runsDir: partial.runsDir ?? ".runs",
    sweepsDir: partial.sweepsDir ?? "runs/sweep",
    maxConcurrentRuns: partial.maxConcurrentRuns ?? 4,
    maxRetainedRuns: partial.maxRetainedRuns ?? 64,
    retainedLogBytes: partial.retainedLogBytes ?? 2 * 1024 ** 3,
    maxRunLogBytes: partial.maxRunLogBytes ?? 256 * 1024 ** 2,
    maxRunTicks: partial.maxRunTicks ?? 1_000_000,
    maxRunWallMs: partial.maxRunWallMs ?? 6 * 3600_000,
    maxStreams: partial.maxStreams ?? 1024,
    maxStreamsPerClient: partial.maxStreamsPerClient ?? 64,
    sendBufferBytes: partial.sendBufferBytes ?? 256 * 1024,
    sendBudgetBytes: partial.sendBudgetBytes ?? 64 * 1024 * 1024,
    slowConsumerMs: partial.slowConsumerMs ?? 30_000,
    readBytes: partial.readBytes ?? 1024 * 1024,
    allowedHosts: (partial.allowedHosts ?? LOOPBACK_HOSTS).map((h) => h.toLowerCase()),
    logWriter: partial.logWriter,
    ringSize: partial.ringSize ?? 4096,
    ringBytes: partial.ringBytes ?? 64 * 1024 * 1024,
    token: partial.token,
    maxBodyBytes: partial.maxBodyBytes ?? 16 * 1024,
    clock: partial.clock ?? realClock,
  };
  const positiveInt = (name: keyof ServerDeps) => {
    const v = deps[name];
    if (!Number.isInteger(v) || (v as number) < 1) {
      throw new RangeError(`Cannot create server: "${name}" must be an integer >= 1, got ${v}`);
    }
  };
  positiveInt("maxConcurrentRuns");
  positiveInt("maxRetainedRuns");
  positiveInt("ringSize");
  positiveInt("ringBytes");
  positiveInt("maxBodyBytes");
  for (
    const name of [
      "retainedLogBytes",
      "maxRunLogBytes",
      "maxRunTicks",
      "maxRunWallMs",
      "maxStreams",
      "maxStreamsPerClient",
      "sendBufferBytes",
      "sendBudgetBytes",
      "slowConsumerMs",
      "readBytes",
    ] as const
  ) positiveInt(name);
  if (deps.maxConcurrentRuns * deps.maxRunLogBytes > deps.retainedLogBytes) {
    throw new RangeError(
      `Cannot create server: "retainedLogBytes" (${deps.retainedLogBytes}) must be >= "maxConcurrentRuns" ` +
        `(${deps.maxConcurrentRuns}) x "maxRunLogBytes" (${deps.maxRunLogBytes}) = ${
          deps.maxConcurrentRuns * deps.maxRunLogBytes
        }, or running runs alone could pass it`,
    );
  }
  for (const h of deps.allowedHosts) {
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/.test(h)) {
      throw new RangeError(
        `Cannot create server: "allowedHosts" entries must be host names or addresses without a port, got ${
          JSON.stringify(h)
        }`,
      );
    }
  }
  if (deps.token !== undefined) {
    if (!/^[A-Za-z0-9._~+/-]+=*$/.test(deps.token)) {
      throw new RangeError(
        "Cannot create server: the token must be characters of A-Z a-z 0-9 . _ ~ + / - (then optional =)",
      );
    }
    if (deps.token.length < MIN_TOKEN_LENGTH) {
      throw new RangeError(
        `Cannot create server: the token must be at least ${MIN_TOKEN_LENGTH} characters, got ${deps.token.length}`,
      );
    }
  }
  return deps;
}

/**
 * The scenario id `text` names among `scenarios`: an id, or a short name (`ScenarioInfo.name`, else the
 * id's part after "/") that exactly one scenario has; `undefined` when none or several match.
 *
 * @example
 * ```ts
 * import { resolveScenarioId } from "./deps.ts";
 * const list = [{ id: "fleet/leo-wildfire", description: "" }, { id: "smax/3m", description: "" }];
 * console.assert(resolveScenarioId(list, "leo-wildfire") === "fleet/leo-wildfire");
 * console.assert(resolveScenarioId(list, "smax/3m") === "smax/3m");
 * console.assert(resolveScenarioId(list, "atlantis") === undefined);
 * ```
 */
export function resolveScenarioId(
  scenarios: readonly ScenarioInfo[],
  text: string,
): string | undefined {
  if (scenarios.some((s) => s.id === text)) return text;
  const named = scenarios.filter((s) => (s.name ?? s.id.slice(s.id.indexOf("/") + 1)) === text);
  return named.length === 1 ? named[0].id : undefined;
}

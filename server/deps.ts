/**
 * What the telemetry server is built from, injected so tests can use the toy environment and fakes:
 * {@linkcode ServerDeps}. {@linkcode resolveDeps} fills in the defaults: every registered environment
 * (`sim/builtin_envs.ts`), the random policy, a duck-typed `env.snapshot()`, logs under `.runs/`.
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

import "../sim/builtin_envs.ts";
import { listEnvs, makeEnv } from "../sim/env/registry.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { type Clock, realClock } from "./clock.ts";
import { defaultPolicyEntries, type PolicyCatalog, policyCatalog } from "./policies.ts";
import type { NodeSnapshot } from "./telemetry.ts";

/** A scenario as listed to clients. */
export interface ScenarioInfo {
  /** Environment id, e.g. `"toy/matching"`, `"fleet/leo-wildfire"`. */
  id: string;
  /** One line describing it. */
  description: string;
}

/** The server's dependencies; every field is optional in `createApp(deps)`. */
export interface ServerDeps {
  /** Scenarios that can be run (default: the environment registry). */
  scenarios: () => ScenarioInfo[];
  /** Builds a fresh environment for a scenario id (default: the registry's `makeEnv`). */
  makeEnv: (id: string) => MultiAgentEnv;
  /** Policy sets per scenario and controller factory (default: "random"). */
  policies: PolicyCatalog;
  /** Node positions of an environment after a step, or undefined (default: `env.snapshot()` if any). */
  snapshot: (env: MultiAgentEnv) => NodeSnapshot | undefined;
  /** Simulated seconds per step of an environment (default: `infos.dtS`, else `env.dtS`, else 1). */
  dtSeconds: (env: MultiAgentEnv, infos: Record<string, number>) => number;
  /** Folder of the per-run NDJSON logs (default `.runs`). */
  runsDir: string;
  /** Artifact directory of `deno task sweep` whose sweeps the sweep page shows (default `runs/sweep`). */
  sweepsDir: string;
  /** Runs that may be running at once; more get 429 (default 4). */
  maxConcurrentRuns: number;
  /** Ended runs kept in memory for status and replay; older ones are forgotten (default 64). */
  maxRetainedRuns: number;
  /** Events per run kept in memory for resuming clients (default 4096); older ones come from the log. */
  ringSize: number;
  /** Characters of event JSON per run kept in memory (default 64 Mi, about bytes); the tighter limit wins. */
  ringBytes: number;
  /** Bearer token required on control endpoints (POST/DELETE) when set. */
  token?: string;
  /** Largest accepted request body, bytes (default 16 KiB). */
  maxBodyBytes: number;
  /** Time source of the run loops (default: the wall clock). */
  clock: Clock;
}

/**
 * The default snapshot: calls `env.snapshot()` when the environment has such a method (the fleet
 * environment does) and passes its JSON through; the server never imports a specific environment.
 *
 * @example
 * ```ts
 * import { duckSnapshot } from "./deps.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * console.assert(duckSnapshot(new MatchingEnv()) === undefined);
 * ```
 */
export function duckSnapshot(env: MultiAgentEnv): NodeSnapshot | undefined {
  const candidate = env as MultiAgentEnv & { snapshot?: unknown };
  if (typeof candidate.snapshot !== "function") return undefined;
  const snap = (candidate.snapshot as () => unknown).call(env);
  return snap !== null && typeof snap === "object" ? snap as NodeSnapshot : undefined;
}

/**
 * The default step length: `infos.dtS` (or `infos.dt_s`) when the environment reports it, else a numeric
 * `env.dtS` property, else 1 second.
 *
 * @example
 * ```ts
 * import { duckDtSeconds } from "./deps.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * console.assert(duckDtSeconds(new MatchingEnv(), {}) === 1);
 * console.assert(duckDtSeconds(new MatchingEnv(), { dtS: 60 }) === 60);
 * ```
 */
export function duckDtSeconds(env: MultiAgentEnv, infos: Record<string, number>): number {
  const positive = (x: unknown): x is number =>
    typeof x === "number" && Number.isFinite(x) && x > 0;
  if (positive(infos.dtS)) return infos.dtS;
  if (positive(infos.dt_s)) return infos.dt_s;
  const dt = (env as MultiAgentEnv & { dtS?: unknown }).dtS;
  return positive(dt) ? dt : 1;
}

/**
 * Fills in every dependency `partial` leaves out.
 *
 * @example
 * ```ts
 * import { resolveDeps } from "./deps.ts";
 * console.assert(resolveDeps().maxConcurrentRuns === 4);
 * ```
 */
export function resolveDeps(partial: Partial<ServerDeps> = {}): ServerDeps {
  const deps: ServerDeps = {
    scenarios: partial.scenarios ??
      (() => listEnvs().map((e) => ({ id: e.id, description: e.description }))),
    makeEnv: partial.makeEnv ?? ((id) => makeEnv(id)),
    policies: partial.policies ?? policyCatalog(defaultPolicyEntries),
    snapshot: partial.snapshot ?? duckSnapshot,
    dtSeconds: partial.dtSeconds ?? duckDtSeconds,
    runsDir: partial.runsDir ?? ".runs",
    sweepsDir: partial.sweepsDir ?? "runs/sweep",
    maxConcurrentRuns: partial.maxConcurrentRuns ?? 4,
    maxRetainedRuns: partial.maxRetainedRuns ?? 64,
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
  if (deps.token !== undefined && !/^[A-Za-z0-9._~+/-]+=*$/.test(deps.token)) {
    throw new RangeError(
      "Cannot create server: the token must be 1+ characters of A-Z a-z 0-9 . _ ~ + / - (then optional =)",
    );
  }
  return deps;
}

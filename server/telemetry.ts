/**
 * The telemetry events a run publishes (one per tick, plus status changes), as they appear in the SSE
 * stream, the `/events` endpoint and the NDJSON log. Every event carries a sequence id `seq`, consecutive
 * from 1 within a run; `seq` and `type` are always the first two keys.
 *
 * @example
 * ```ts
 * import { teamReward } from "./telemetry.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * const env = new MatchingEnv();
 * const result = env.reset(1);
 * console.assert(teamReward(result) === 0); // rewards are zero after reset
 * ```
 *
 * @module
 */

import type { DecisionTiming } from "../sim/env/controller.ts";
import type { EnvInfos, StepResult } from "../sim/env/types.ts";

/** Lifecycle state of a run. */
export type RunState = "running" | "stopped" | "finished" | "failed";

/**
 * Positions and states of an environment's nodes, passed through as JSON. The dashboard draws columnar
 * groups it recognises: `satellites`, `sensors`, `stations` and `events`, each with `latDeg`/`lonDeg` arrays
 * (and optionally `id`, `altKm`, `className`, `statusName`), as the fleet environment's `snapshot()` gives.
 */
export type NodeSnapshot = Record<string, unknown>;

/** One tick of a run. */
export interface TickEvent {
  /** Sequence id. */
  seq: number;
  /** Always `"tick"`. */
  type: "tick";
  /** Run id. */
  runId: string;
  /** Ticks since the run started (1 for the first step). */
  tick: number;
  /** Episode index, from 0. */
  episode: number;
  /** Step within the episode (1 for its first step). */
  step: number;
  /** Simulated seconds since the episode start (`step * dtS`). */
  t: number;
  /** Wall-clock time the tick was published, Unix ms. */
  wallMs: number;
  /** Mean over agents of this step's rewards (the per-agent measure `distill/evaluate.ts` reports). */
  teamReward: number;
  /** Sum of `teamReward` over the episode so far. */
  episodeReward: number;
  /** Sum of `teamReward` over the run so far. */
  cumulativeReward: number;
  /** True when this step ended the episode. */
  done: boolean;
  /** The actions taken, per agent class name. */
  actions: Record<string, number[]>;
  /** Per-class decision timing from the controller, or null when it does not model latency. */
  timings: DecisionTiming[] | null;
  /** Deadline misses over the run so far, all classes. */
  cumulativeMisses: number;
  /** Inference energy over the run so far, joules. */
  cumulativeEnergyJ: number;
  /** The environment's infos of this step. */
  infos: EnvInfos;
  /** Node positions and states, when the environment offers a snapshot. */
  snapshot?: NodeSnapshot;
}

/** A change of a run's state (the first and the last event of every run). */
export interface StatusEvent {
  /** Sequence id. */
  seq: number;
  /** Always `"status"`. */
  type: "status";
  /** Run id. */
  runId: string;
  /** The new state. */
  state: RunState;
  /** The error of a failed run. */
  error?: string;
  /** Ticks so far. */
  tick: number;
  /** Wall-clock time, Unix ms. */
  wallMs: number;
}

/** Any event of the stream. */
export type TelemetryEvent = TickEvent | StatusEvent;

/**
 * Mean over every agent of the step's rewards.
 *
 * @example
 * ```ts
 * import { teamReward } from "./telemetry.ts";
 * const result = {
 *   classes: [{ rewards: Float32Array.of(1, 0) }, { rewards: Float32Array.of(2) }],
 * } as unknown as import("../sim/env/types.ts").StepResult;
 * console.assert(teamReward(result) === 1);
 * ```
 */
export function teamReward(result: StepResult): number {
  let sum = 0;
  let n = 0;
  for (const batch of result.classes) {
    for (let i = 0; i < batch.rewards.length; i++) sum += batch.rewards[i];
    n += batch.rewards.length;
  }
  return n > 0 ? sum / n : 0;
}

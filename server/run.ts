/**
 * One simulation run: an environment stepped by a controller in an async loop that yields to the event
 * loop every tick, so HTTP requests and streams are served while it runs. Each tick publishes one
 * {@linkcode TickEvent} to the run's {@linkcode Broadcaster}; the run's first and last events are
 * {@linkcode StatusEvent}s. Episodes auto-reset (episode `k` is reset with `deriveSeed(seed, "eval", k)`,
 * the seeds `distill/evaluate.ts` uses, so a served run replays evaluation episodes) until the requested
 * number of episodes or ticks, or a stop.
 *
 * Pacing: at speed `k` (a real-time multiple) a tick is due every `dtS / k` seconds on a drift-free
 * schedule; at `"max"` the loop runs flat out but still yields every 64 ticks or 10 ms. A controller or
 * environment that throws marks the run `"failed"` with its message; the server is not affected. Sleeps
 * longer than a timer can hold (tiny speeds) are slept in pieces, never shortened.
 *
 * Limits: a run is stopped (state `"stopped"`, with a `stopReason`) when it reaches the server's
 * `maxRunTicks`, `maxRunWallMs`, or its log's `maxRunLogBytes` (the tick that would pass the cap is not
 * published; room is kept for the final status event, so the file never passes the cap).
 *
 * @example
 * ```ts
 * import { Run } from "./run.ts";
 * import { Broadcaster } from "./broadcaster.ts";
 * import { NdjsonLog } from "./ndjson_log.ts";
 * import { resolveDeps } from "./deps.ts";
 * import { Metrics } from "./metrics.ts";
 * const log = await NdjsonLog.create(await Deno.makeTempFile());
 * const run = new Run("demo", {
 *   scenario: "toy/matching",
 *   policy: "random",
 *   seed: 1,
 *   speed: "max",
 *   episodes: 2,
 * }, resolveDeps(), new Broadcaster({ log }), new Metrics());
 * run.start();
 * await run.done;
 * console.assert(run.status().state === "finished" && run.status().tick === 16);
 * ```
 *
 * @module
 */

import type { DecisionTiming } from "../sim/env/controller.ts";
import { deriveSeed } from "../sim/rng.ts";
import type { Broadcaster } from "./broadcaster.ts";
import { LogFullError } from "./ndjson_log.ts";
import type { ServerDeps } from "./deps.ts";
import type { Metrics } from "./metrics.ts";
import { type RunState, type StatusEvent, teamReward, type TickEvent } from "./telemetry.ts";

/** What to run. */
export interface RunSpec {
  /** Scenario (environment id). */
  scenario: string;
  /** Policy id from the catalog. */
  policy: string;
  /** Run seed. */
  seed: number;
  /** Real-time multiple (> 0), or `"max"` for as fast as possible. */
  speed: number | "max";
  /** Stop after this many episodes (default: no limit). */
  episodes?: number;
  /** Stop after this many ticks (default: no limit). */
  ticks?: number;
}

/** A run's status as `GET /api/runs/:id` returns it. */
export interface RunStatus {
  /** Run id. */
  id: string;
  /** Scenario id. */
  scenario: string;
  /** Policy id. */
  policy: string;
  /** Run seed. */
  seed: number;
  /** Real-time multiple or `"max"`. */
  speed: number | "max";
  /** Episode limit, or null. */
  episodes: number | null;
  /** Tick limit, or null. */
  ticks: number | null;
  /** Lifecycle state. */
  state: RunState;
  /** The error of a failed run. */
  error?: string;
  /** Why a run was stopped by a server limit (ticks, wall time, log size) or a restart. */
  stopReason?: string;
  /** Ticks done. */
  tick: number;
  /** Current episode index (episodes completed). */
  episode: number;
  /** Seq of the last event published. */
  lastSeq: number;
  /** Open stream connections. */
  subscribers: number;
  /** Simulated seconds per tick (null until the environment is built). */
  dtS: number | null;
  /** Measured ticks per wall-clock second. */
  tickRate: number;
  /** Start time, ISO 8601. */
  startedAt: string;
  /** End time, ISO 8601, once ended. */
  endedAt?: string;
  /** File name of the NDJSON log in the server's runs folder (no server path is shown). */
  log: string;
}

const MAX_YIELD_EVERY_TICKS = 64;
const MAX_YIELD_EVERY_MS = 10;
/** Pending log bytes above which the loop waits for the disk (never for clients). */
const LOG_BACKLOG_BYTES = 4 * 1024 * 1024;
/** Log bytes kept free below the cap for the final status event. */
const STATUS_RESERVE_BYTES = 4096;
/** Longest error message carried in status (keeps the final event within its reserve). */
const MAX_ERROR_CHARS = 1000;

/** What a restored run is built from (the status its sidecar file recorded). */
export type RunRecord = Omit<RunStatus, "subscribers" | "lastSeq" | "log">;

/** One run (see module docs). */
export class Run {
  /** Run id. */
  readonly id: string;
  /** What is run. */
  readonly spec: Readonly<RunSpec>;
  /** The run's event fan-out. */
  readonly broadcaster: Broadcaster;
  readonly #deps: ServerDeps;
  readonly #metrics: Metrics;
  readonly #abort = new AbortController();
  #state: RunState = "running";
  #error: string | undefined;
  #stopReason: string | undefined;
  #tick = 0;
  #episode = 0;
  #dtS: number | null = null;
  #startedAt: number;
  #endedAt: number | undefined;
  #firstTickAt = 0;
  #lastTickAt = 0;
  #done: Promise<void> | undefined;

  /**
   * A run that has not started yet.
   *
   * @example
   * ```ts
   * import { Run } from "./run.ts";
   * import { Broadcaster } from "./broadcaster.ts";
   * import { NdjsonLog } from "./ndjson_log.ts";
   * import { resolveDeps } from "./deps.ts";
   * import { Metrics } from "./metrics.ts";
   * const b = new Broadcaster({ log: await NdjsonLog.create(await Deno.makeTempFile()) });
   * const spec = { scenario: "toy/matching", policy: "random", seed: 0, speed: 1 };
   * const run = new Run("r1", spec, resolveDeps(), b, new Metrics());
   * console.assert(run.status().tick === 0);
   * await b.close();
   * ```
   */
  constructor(
    id: string,
    spec: RunSpec,
    deps: ServerDeps,
    broadcaster: Broadcaster,
    metrics: Metrics,
  ) {
    this.id = id;
    this.spec = { ...spec };
    this.#deps = deps;
    this.broadcaster = broadcaster;
    this.#metrics = metrics;
    this.#startedAt = deps.clock.now();
  }

  /**
   * An ended run rebuilt from its record and its log (e.g. after a server restart); a run recorded as
   * still running (the server died) is `"failed"`.
   *
   * @example
   * ```ts
   * import { Run } from "./run.ts";
   * import { Broadcaster } from "./broadcaster.ts";
   * import { NdjsonLog } from "./ndjson_log.ts";
   * import { resolveDeps } from "./deps.ts";
   * import { Metrics } from "./metrics.ts";
   * const path = await Deno.makeTempFile();
   * await Deno.writeTextFile(path, '{"seq":1,"type":"status"}\n');
   * const b = Broadcaster.ended(await NdjsonLog.open(path));
   * const run = Run.restore({
   *   id: "r1", scenario: "toy/matching", policy: "random", seed: 0, speed: 1, episodes: null,
   *   ticks: null, state: "running", tick: 0, episode: 0, dtS: 1, tickRate: 0,
   *   startedAt: new Date(0).toISOString(),
   * }, resolveDeps(), b, new Metrics());
   * console.assert(run.state === "failed" && run.status().lastSeq === 1);
   * ```
   */
  static restore(
    record: RunRecord,
    deps: ServerDeps,
    broadcaster: Broadcaster,
    metrics: Metrics,
  ): Run {
    const spec: RunSpec = {
      scenario: record.scenario,
      policy: record.policy,
      seed: record.seed,
      speed: record.speed,
      ...(record.episodes !== null ? { episodes: record.episodes } : {}),
      ...(record.ticks !== null ? { ticks: record.ticks } : {}),
    };
    const run = new Run(record.id, spec, deps, broadcaster, metrics);
    run.#state = record.state;
    run.#error = record.error;
    run.#stopReason = record.stopReason;
    if (record.state === "running") {
      run.#state = "failed";
      run.#error = "the server stopped before the run ended (recovered from its log)";
    }
    run.#tick = record.tick;
    run.#episode = record.episode;
    run.#dtS = record.dtS;
    run.#startedAt = Date.parse(record.startedAt);
    run.#endedAt = record.endedAt !== undefined ? Date.parse(record.endedAt) : undefined;
    run.#restoredRate = record.tickRate;
    run.#done = Promise.resolve();
    return run;
  }

  #restoredRate: number | undefined;

  /** The lifecycle state. */
  get state(): RunState {
    return this.#state;
  }

  /** Resolves when the loop has ended and the log is flushed and closed. */
  get done(): Promise<void> {
    return this.#done ?? Promise.resolve();
  }

  /** Starts the loop (once). */
  start(): void {
    if (this.#done) return;
    this.#done = this.#loop();
  }

  /** Asks the loop to stop and waits until it has ended and flushed its log. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.done;
  }

  /** The run's status now. */
  status(): RunStatus {
    const s = this.spec;
    const seconds = (this.#lastTickAt - this.#firstTickAt) / 1000;
    return {
      id: this.id,
      scenario: s.scenario,
      policy: s.policy,
      seed: s.seed,
      speed: s.speed,
      episodes: s.episodes ?? null,
      ticks: s.ticks ?? null,
      state: this.#state,
      ...(this.#error !== undefined ? { error: this.#error } : {}),
      ...(this.#stopReason !== undefined ? { stopReason: this.#stopReason } : {}),
      tick: this.#tick,
      episode: this.#episode,
      lastSeq: this.broadcaster.lastSeq,
      subscribers: this.broadcaster.subscribers,
      dtS: this.#dtS,
      tickRate: this.#restoredRate ??
        (this.#tick > 1 && seconds > 0 ? (this.#tick - 1) / seconds : 0),
      startedAt: new Date(this.#startedAt).toISOString(),
      ...(this.#endedAt !== undefined ? { endedAt: new Date(this.#endedAt).toISOString() } : {}),
      log: this.broadcaster.log.path.slice(this.broadcaster.log.path.lastIndexOf("/") + 1),
    };
  }

  #publishStatus(): void {
    this.broadcaster.publish("status", (seq): StatusEvent => ({
      seq,
      type: "status",
      runId: this.id,
      state: this.#state,
      ...(this.#error !== undefined ? { error: this.#error } : {}),
      ...(this.#stopReason !== undefined ? { stopReason: this.#stopReason } : {}),
      tick: this.#tick,
      wallMs: this.#deps.clock.now(),
    }));
  }

  async #loop(): Promise<void> {
    const deps = this.#deps;
    const clock = deps.clock;
    const signal = this.#abort.signal;
    const spec = this.spec;
    const log = this.broadcaster.log;
    try {
      this.#publishStatus();
      // Let the caller answer its request before the environment and controller are built.
      await clock.yield();
      const env = deps.makeEnv(spec.scenario);
      const controller = await deps.policies.make(spec.scenario, spec.policy, spec.seed, env);
      const classNames = env.classes.map((c) => c.name);
      const series = this.#metrics.trackRun(
        this.id,
        { scenario: spec.scenario, policy: spec.policy },
        env.classes,
      );
      const actions = env.classes.map((c) => new Int32Array(c.count));
      let episodeSeed = deriveSeed(spec.seed, "eval", 0);
      let result = env.reset(episodeSeed);
      controller.reset?.(episodeSeed);
      const dtS = deps.dtSeconds(env, result.infos);
      this.#dtS = dtS;
      const periodMs = spec.speed === "max" ? 0 : dtS * 1000 / spec.speed;
      let scheduleStart = clock.now();
      let scheduled = 0;
      let lastYield = scheduleStart;
      let step = 0;
      const maxTicks = deps.maxRunTicks;
      const wallEnd = this.#startedAt + deps.maxRunWallMs;
      let episodeReward = 0;
      let cumulativeReward = 0;
      let cumulativeMisses = 0;
      let cumulativeEnergyJ = 0;
      while (!signal.aborted) {
        controller.act(result, actions);
        result = env.step(actions);
        step++;
        this.#tick++;
        const reward = teamReward(result);
        episodeReward += reward;
        cumulativeReward += reward;
        const rawTimings = controller.timings?.();
        let timings: DecisionTiming[] | null = null;
        if (rawTimings) {
          timings = rawTimings.map((t) => ({ ...t }));
          for (const t of timings) {
            cumulativeMisses += t.missed;
            cumulativeEnergyJ += t.energyJ;
          }
        }
        const snapshot = deps.snapshot(env);
        const now = clock.now();
        if (this.#tick === 1) this.#firstTickAt = now;
        this.#lastTickAt = now;
        const actionsByClass: Record<string, number[]> = {};
        for (let c = 0; c < classNames.length; c++) {
          actionsByClass[classNames[c]] = Array.from(actions[c]);
        }
        const tick = this.#tick;
        const episode = this.#episode;
        const published = this.#publishTick((seq): TickEvent => ({
          seq,
          type: "tick",
          runId: this.id,
          tick,
          episode,
          step,
          t: step * dtS,
          wallMs: now,
          teamReward: reward,
          episodeReward,
          cumulativeReward,
          done: result.done,
          actions: actionsByClass,
          timings,
          cumulativeMisses,
          cumulativeEnergyJ,
          infos: { ...result.infos },
          ...(snapshot !== undefined ? { snapshot } : {}),
        }));
        if (!published) {
          this.#tick--;
          break;
        }
        this.#metrics.ticksTotal++;
        series.tick({
          teamReward: reward,
          episodeReward,
          cumulativeReward,
          timings,
          done: result.done,
        });
        if (log.error) throw log.error;
        if (result.done) {
          this.#episode++;
          if (spec.episodes !== undefined && this.#episode >= spec.episodes) {
            this.#state = "finished";
            break;
          }
          episodeSeed = deriveSeed(spec.seed, "eval", this.#episode);
          result = env.reset(episodeSeed);
          controller.reset?.(episodeSeed);
          step = 0;
          episodeReward = 0;
        }
        if (spec.ticks !== undefined && this.#tick >= spec.ticks) {
          this.#state = "finished";
          break;
        }
        if (this.#tick >= maxTicks) {
          this.#stop(`the server's tick limit of ${maxTicks} was reached (--max-run-ticks)`);
          break;
        }
        if (clock.now() >= wallEnd) {
          this.#stop(wallLimitReason(deps.maxRunWallMs));
          break;
        }
        if (log.pendingBytes > LOG_BACKLOG_BYTES) await log.flush();
        if (periodMs > 0) {
          scheduled++;
          let delay = scheduleStart + scheduled * periodMs - clock.now();
          if (delay < -5 * periodMs) {
            // Fell far behind (a long stall): restart the schedule instead of bursting to catch up.
            scheduleStart = clock.now() - scheduled * periodMs;
            delay = 0;
          }
          if (clock.now() + delay > wallEnd) {
            // The next tick would come after the wall-time limit: wait until the limit, then stop.
            await clock.sleep(wallEnd - clock.now(), signal);
            if (!signal.aborted) this.#stop(wallLimitReason(deps.maxRunWallMs));
            break;
          }
          await clock.sleep(delay, signal);
        } else if (
          this.#tick % MAX_YIELD_EVERY_TICKS === 0 || clock.now() - lastYield >= MAX_YIELD_EVERY_MS
        ) {
          await clock.yield();
          lastYield = clock.now();
        }
      }
      if (this.#state === "running") this.#state = "stopped";
    } catch (e) {
      this.#state = "failed";
      this.#error = (e instanceof Error ? e.message : String(e)).slice(0, MAX_ERROR_CHARS);
    }
    this.#endedAt = clock.now();
    try {
      // After a failed log write the event still reaches live clients and the ring (kept for them).
      this.#publishStatus();
    } catch { /* the log refused it; the state already says so */ }
    try {
      await this.broadcaster.close();
    } catch (e) {
      if (this.#state !== "failed") {
        this.#state = "failed";
        this.#error = (e instanceof Error ? e.message : String(e)).slice(0, MAX_ERROR_CHARS);
      }
    }
  }

  #stop(reason: string): void {
    this.#state = "stopped";
    this.#stopReason = reason;
  }

  /** Publishes a tick, keeping room for the final status; false when the log is full (run stopped). */
  #publishTick(build: (seq: number) => TickEvent): boolean {
    try {
      this.broadcaster.publish("tick", build, STATUS_RESERVE_BYTES);
      return true;
    } catch (e) {
      if (!(e instanceof LogFullError)) throw e;
      this.#stop(
        `the run's log reached the server's limit of ${this.#deps.maxRunLogBytes} bytes (--max-run-log-bytes)`,
      );
      return false;
    }
  }
}

function wallLimitReason(ms: number): string {
  return `the server's wall-time limit of ${ms / 1000} s was reached (--max-run-seconds)`;
}

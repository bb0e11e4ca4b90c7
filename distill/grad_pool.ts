/**
 * A pool of Deno Workers that compute shard gradients of the MAPPO update next to the main thread
 * (`deno task train --workers N`: the main thread and `N - 1` workers, one per core). tfjs's WASM threads do
 * not run in Deno, so this is how training uses more than one core.
 *
 * Everything a worker reads or writes lives in `SharedArrayBuffer`s: the iteration's rollout (copied in
 * once per iteration by {@linkcode GradientPool.loadIteration}), the current weights (written before each
 * minibatch), the minibatch's step indices and each worker's gradients. The main thread signals a
 * minibatch with `Atomics.notify`, computes its own shard meanwhile, and waits for the workers with
 * `Atomics.wait`, so `MappoTrainer.iterate` stays synchronous and a round trip costs microseconds, not a
 * message. A worker holds its own copy of the actors and critic, overwritten with the learner's weights
 * before every shard, so it keeps no state of its own: checkpoints and `--resume` need nothing from it.
 *
 * @example
 * ```ts
 * import { GradientPool } from "./grad_pool.ts";
 * console.assert(typeof GradientPool.start === "function");
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { Actor, type ActorSpec } from "../policies/actor.ts";
import { Critic, type CriticSpec } from "../policies/critic.ts";
import type { AgentClassSpec } from "../sim/env/types.ts";
import {
  type ShardData,
  shardGradients,
  type ShardLossSettings,
  shardRange,
} from "./data_parallel.ts";
import type { ClassRollout, RolloutBuffer, RolloutSizes } from "./rollout.ts";

/** What a pool's workers are built from. */
export interface GradientPoolSpec {
  /** Agent classes of the environment. */
  classes: readonly AgentClassSpec[];
  /** Rollout sizes. */
  sizes: RolloutSizes;
  /** One actor spec per class. */
  actorSpecs: readonly ActorSpec[];
  /** The critic's spec. */
  criticSpec: CriticSpec;
  /** Loss settings. */
  settings: ShardLossSettings;
}

type SharedClass = Record<keyof ClassRollout, SharedArrayBuffer>;

interface SharedRegions {
  classes: SharedClass[];
  states: SharedArrayBuffer;
  advantages: SharedArrayBuffer;
  targets: SharedArrayBuffer;
  oldValues: SharedArrayBuffer;
  idx: SharedArrayBuffer;
  totals: SharedArrayBuffer;
  weights: SharedArrayBuffer;
}

interface WorkerRegions {
  ctrl: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  error: SharedArrayBuffer;
}

/** The message that starts a worker (see `grad_worker.ts`). */
export interface GradientWorkerInit {
  /** What to build. */
  spec: GradientPoolSpec;
  /** Regions every party reads. */
  shared: SharedRegions;
  /** This worker's own regions. */
  own: WorkerRegions;
  /** The worker's party index (1..N-1; the main thread is 0). */
  party: number;
  /** Parties in all (main thread included). */
  parties: number;
}

// ctrl slots
const SEQ = 0, DONE = 1, CMD = 2, STATUS = 3, N = 4;
const CMD_JOB = 1, CMD_EXIT = 2;
const ERROR_BYTES = 4096;
const STATS = 5;
/** How long the learner waits for a worker's shard before giving up. */
const WORKER_TIMEOUT_MS = 10 * 60 * 1000;

const f32 = (n: number) => new SharedArrayBuffer(Math.max(1, n) * 4);

function sharedViews(spec: GradientPoolSpec, r: SharedRegions) {
  return {
    buffer: {
      specs: spec.classes,
      sizes: spec.sizes,
      classes: r.classes.map((c) => ({
        inputs: new Float32Array(c.inputs),
        masks: new Float32Array(c.masks),
        actions: new Int32Array(c.actions),
        logProbs: new Float32Array(c.logProbs),
        weights: new Float32Array(c.weights),
      })),
      states: new Float32Array(r.states),
    },
    advantages: new Float32Array(r.advantages),
    targets: new Float32Array(r.targets),
    oldValues: new Float32Array(r.oldValues),
    idx: new Int32Array(r.idx),
    totals: new Float64Array(r.totals),
    weights: new Float32Array(r.weights),
  };
}

function variableCount(spec: GradientPoolSpec): number {
  const actors = spec.actorSpecs.map((s, i) => new Actor(s, { seed: 0, name: `pool_probe_${i}` }));
  const critic = new Critic(spec.criticSpec, { seed: 0, name: "pool_probe_critic" });
  const n = [...actors.flatMap((a) => a.variables), ...critic.variables].reduce(
    (s, v) => s + v.size,
    0,
  );
  for (const a of actors) a.dispose();
  critic.dispose();
  return n;
}

/** Handle of one running worker. */
interface PoolWorker {
  worker: Worker;
  ctrl: Int32Array;
  grads: Float32Array;
  stats: Float32Array;
  error: Uint8Array;
  seq: number;
}

/** Shard gradients from `size` Deno Workers (see module docs). */
export class GradientPool {
  /** Workers in the pool (parties minus the main thread). */
  readonly size: number;
  readonly #spec: GradientPoolSpec;
  readonly #workers: PoolWorker[];
  readonly #views: ReturnType<typeof sharedViews>;
  #closed = false;

  private constructor(
    spec: GradientPoolSpec,
    workers: PoolWorker[],
    views: ReturnType<typeof sharedViews>,
  ) {
    this.#spec = spec;
    this.#workers = workers;
    this.#views = views;
    this.size = workers.length;
  }

  /**
   * Starts `workers` Deno Workers (each initialises the tfjs WASM backend and builds its networks) and
   * resolves once all are ready.
   */
  static async start(workers: number, spec: GradientPoolSpec): Promise<GradientPool> {
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`GradientPool: workers must be an integer >= 1, got ${workers}`);
    }
    const { steps, envs, stateSize } = spec.sizes;
    const te = steps * envs;
    const shared: SharedRegions = {
      classes: spec.classes.map((k, i) => ({
        inputs: f32(te * k.count * spec.sizes.inputSizes[i]),
        masks: f32(te * k.count * k.numActions),
        actions: f32(te * k.count),
        logProbs: f32(te * k.count),
        weights: f32(te * k.count),
      })),
      states: f32(te * stateSize),
      advantages: f32(te),
      targets: f32(te),
      oldValues: f32(te),
      idx: f32(te),
      totals: new SharedArrayBuffer(8 * spec.classes.length),
      weights: f32(variableCount(spec)),
    };
    const P = shared.weights.byteLength / 4;
    const started: PoolWorker[] = [];
    const ready: Promise<void>[] = [];
    for (let w = 0; w < workers; w++) {
      const own: WorkerRegions = {
        ctrl: new SharedArrayBuffer(8 * 4),
        grads: f32(P),
        stats: f32(STATS),
        error: new SharedArrayBuffer(ERROR_BYTES),
      };
      const worker = new Worker(new URL("./grad_worker.ts", import.meta.url).href, {
        type: "module",
      });
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.onmessage = (e: MessageEvent) => {
            if (e.data === "ready") resolve();
            else reject(new Error(`gradient worker ${w + 1}: ${e.data}`));
          };
          worker.onerror = (e: ErrorEvent) => {
            e.preventDefault();
            reject(new Error(`gradient worker ${w + 1} failed to start: ${e.message}`));
          };
        }),
      );
      const init: GradientWorkerInit = { spec, shared, own, party: w + 1, parties: workers + 1 };
      worker.postMessage(init);
      started.push({
        worker,
        ctrl: new Int32Array(own.ctrl),
        grads: new Float32Array(own.grads),
        stats: new Float32Array(own.stats),
        error: new Uint8Array(own.error),
        seq: 0,
      });
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      for (const w of started) w.worker.terminate();
      throw e;
    }
    return new GradientPool(spec, started, sharedViews(spec, shared));
  }

  /** Parties (the main thread and the workers). */
  get parties(): number {
    return this.size + 1;
  }

  /** Copies an iteration's rollout and its update arrays into shared memory (once per iteration). */
  loadIteration(
    buffer: RolloutBuffer,
    advantages: Float32Array,
    targets: Float32Array,
    oldValues: Float32Array,
  ): void {
    const v = this.#views;
    buffer.classes.forEach((c, i) => {
      const dst = v.buffer.classes[i];
      dst.inputs.set(c.inputs);
      dst.masks.set(c.masks);
      dst.actions.set(c.actions);
      dst.logProbs.set(c.logProbs);
      dst.weights.set(c.weights);
    });
    v.buffer.states.set(buffer.states);
    v.advantages.set(advantages);
    v.targets.set(targets);
    v.oldValues.set(oldValues);
  }

  /**
   * Starts the workers on their shards of the minibatch `idx` with the current `variables` (actors' then
   * critic's, in the workers' order) and the minibatch's class row-weight totals; returns at once.
   */
  dispatch(
    variables: readonly tf.Variable[],
    idx: Int32Array,
    classTotals: readonly number[],
  ): void {
    this.#checkOpen();
    const v = this.#views;
    let off = 0;
    for (const variable of variables) {
      v.weights.set(variable.dataSync() as Float32Array, off);
      off += variable.size;
    }
    v.idx.set(idx);
    v.totals.set(classTotals);
    for (const w of this.#workers) {
      w.ctrl[N] = idx.length;
      w.ctrl[CMD] = CMD_JOB;
      Atomics.store(w.ctrl, SEQ, ++w.seq);
      Atomics.notify(w.ctrl, SEQ);
    }
  }

  /**
   * Waits for every worker's shard and returns their gradients (flat, in variable order) and diagnostics,
   * in party order. The views are overwritten by the next `dispatch`.
   */
  collect(): { grads: Float32Array[]; stats: Float32Array[] } {
    for (const [k, w] of this.#workers.entries()) {
      const t0 = performance.now();
      for (;;) {
        const done = Atomics.load(w.ctrl, DONE);
        if (done === w.seq) break;
        Atomics.wait(w.ctrl, DONE, done, 1000);
        if (performance.now() - t0 > WORKER_TIMEOUT_MS) {
          this.close();
          throw new Error(
            `gradient worker ${k + 1} did not answer within ${WORKER_TIMEOUT_MS / 1000} s`,
          );
        }
      }
      if (w.ctrl[STATUS] !== 0) {
        const end = w.error.indexOf(0);
        const message = new TextDecoder().decode(w.error.slice(0, end < 0 ? undefined : end));
        this.close();
        throw new Error(`gradient worker ${k + 1} failed: ${message}`);
      }
    }
    return {
      grads: this.#workers.map((w) => w.grads),
      stats: this.#workers.map((w) => w.stats),
    };
  }

  /** Stops the workers (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#workers) {
      w.ctrl[CMD] = CMD_EXIT;
      Atomics.store(w.ctrl, SEQ, ++w.seq);
      Atomics.notify(w.ctrl, SEQ);
      w.worker.terminate();
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("GradientPool: used after close()");
  }

  /** The spec the pool was started with. */
  get spec(): GradientPoolSpec {
    return this.#spec;
  }
}

/**
 * A worker's loop (called by `grad_worker.ts` once the backend is ready): waits for a minibatch, computes
 * its shard's gradients into shared memory, signals, until told to exit. Blocks the worker's thread.
 */
export function serveGradients(init: GradientWorkerInit, onReady: () => void): void {
  const { spec, party, parties } = init;
  const views = sharedViews(spec, init.shared);
  const ctrl = new Int32Array(init.own.ctrl);
  const grads = new Float32Array(init.own.grads);
  const statsOut = new Float32Array(init.own.stats);
  const errorOut = new Uint8Array(init.own.error);
  const actors = spec.actorSpecs.map((s, i) =>
    new Actor(s, { seed: 0, name: `pool_${party}_actor_${i}` })
  );
  const critic = new Critic(spec.criticSpec, { seed: 0, name: `pool_${party}_critic` });
  const variables = [...actors.flatMap((a) => a.variables), ...critic.variables];
  const data: ShardData = {
    buffer: views.buffer as unknown as ShardData["buffer"],
    advantages: views.advantages,
    targets: views.targets,
    oldValues: views.oldValues,
  };
  onReady();
  let seq = 0;
  for (;;) {
    Atomics.wait(ctrl, SEQ, seq);
    const next = Atomics.load(ctrl, SEQ);
    if (next === seq) continue;
    seq = next;
    if (ctrl[CMD] === CMD_EXIT) break;
    try {
      const n = ctrl[N];
      const [start, end] = shardRange(n, parties, party);
      const totals = Array.from(views.totals);
      tf.tidy(() => {
        let off = 0;
        for (const v of variables) {
          v.assign(tf.tensor(views.weights.subarray(off, off + v.size), v.shape));
          off += v.size;
        }
        const g = shardGradients(
          actors,
          critic,
          data,
          views.idx.subarray(start, end),
          totals,
          n,
          spec.settings,
        );
        off = 0;
        for (const t of [...g.actor, ...g.critic]) {
          grads.set(t.dataSync() as Float32Array, off);
          off += t.size;
        }
        statsOut.set(g.stats.dataSync() as Float32Array);
      });
      ctrl[STATUS] = 0;
    } catch (e) {
      const text = new TextEncoder().encode(e instanceof Error ? e.stack ?? e.message : String(e));
      errorOut.fill(0);
      errorOut.set(text.subarray(0, ERROR_BYTES - 1));
      ctrl[STATUS] = 1;
    }
    Atomics.store(ctrl, DONE, seq);
    Atomics.notify(ctrl, DONE);
  }
  for (const a of actors) a.dispose();
  critic.dispose();
}

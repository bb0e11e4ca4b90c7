/**
 * Test helpers of the server tests (not part of the public API): a clock the test releases tick by tick,
 * controllers that throw or report timings, and SSE parsing.
 *
 * @example
 * ```ts
 * import { parseSse } from "./_test_util.ts";
 * const [e] = parseSse("id: 1\nevent: tick\ndata: {\"seq\":1}\n\n");
 * console.assert(e.id === 1 && e.event === "tick");
 * ```
 *
 * @module
 */

import type { Controller, DecisionTiming } from "../sim/env/controller.ts";
import { RandomController } from "../sim/env/controller.ts";
import type { AgentClassSpec, StepResult } from "../sim/env/types.ts";
import type { Clock } from "./clock.ts";
import { yieldToEventLoop } from "./clock.ts";
import type { PolicyEntry } from "./policies.ts";

/**
 * A clock whose `sleep` waits until the test calls {@linkcode GatedClock.release}: with a real-time speed
 * the run loop sleeps once per tick, so `release(n)` lets exactly `n` more ticks happen.
 *
 * @example
 * ```ts
 * import { GatedClock } from "./_test_util.ts";
 * const clock = new GatedClock();
 * const slept = clock.sleep(1000);
 * await clock.release(1);
 * await slept;
 * console.assert(clock.now() === 1000);
 * ```
 */
export class GatedClock implements Clock {
  #now = 0;
  #waiters: (() => void)[] = [];

  /** Simulated time. */
  now(): number {
    return this.#now;
  }

  /** Waits for a release (or an abort). */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    this.#now += Math.max(0, ms);
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener("abort", done);
        const i = this.#waiters.indexOf(done);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve();
      };
      this.#waiters.push(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** Yields once. */
  yield(): Promise<void> {
    return yieldToEventLoop();
  }

  /** Lets `n` sleepers go, one at a time, waiting (yielding) for each to arrive. */
  async release(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      await this.settled();
      this.#waiters[0]();
    }
  }

  /** Waits (yielding, up to 10 s) until the loop is asleep, i.e. has finished its current tick. */
  async settled(): Promise<void> {
    const deadline = performance.now() + 10_000;
    while (this.#waiters.length === 0) {
      if (performance.now() > deadline) throw new Error("GatedClock: nobody went to sleep in 10 s");
      await yieldToEventLoop();
    }
  }
}

/**
 * A policy whose controller throws on its `failAt`-th `act`.
 *
 * @example
 * ```ts
 * import { throwingPolicy } from "./_test_util.ts";
 * console.assert(throwingPolicy(3, "boom").id === "explodes");
 * ```
 */
export function throwingPolicy(failAt: number, message: string): PolicyEntry {
  return {
    id: "explodes",
    description: "throws mid-run (tests)",
    make: (env, seed) => {
      const inner = new RandomController(env.classes, seed);
      let calls = 0;
      return {
        name: "explodes",
        act(result: StepResult, out: Int32Array[]) {
          if (++calls >= failAt) throw new Error(message);
          inner.act(result, out);
        },
      };
    },
  };
}

/**
 * Random actions plus deterministic per-class timings: class `c` takes `2 + c + (tick % 3)` ms against a
 * 3 ms deadline, one decision per agent, 0.5 mJ per decision.
 *
 * @example
 * ```ts
 * import { TimedRandomController } from "./_test_util.ts";
 * const c = new TimedRandomController([{ name: "a", count: 2, obsSize: 1, numActions: 2 }], 1);
 * console.assert(c.timings().length === 1);
 * ```
 */
export class TimedRandomController implements Controller {
  readonly name = "timed-random";
  readonly #inner: RandomController;
  readonly #classes: readonly AgentClassSpec[];
  #tick = 0;

  /** A controller for `classes`. */
  constructor(classes: readonly AgentClassSpec[], seed: number) {
    this.#inner = new RandomController(classes, seed);
    this.#classes = classes;
  }

  /** Restarts the random stream. */
  reset(seed: number): void {
    this.#inner.reset(seed);
  }

  /** Random legal actions. */
  act(result: StepResult, out: Int32Array[]): void {
    this.#tick++;
    this.#inner.act(result, out);
  }

  /** The modelled timings of the last act. */
  timings(): DecisionTiming[] {
    return this.#classes.map((c, i) => {
      const latencyMs = 2 + i + (this.#tick % 3);
      return {
        className: c.name,
        latencyMs,
        deadlineMs: 3,
        missed: latencyMs > 3 ? c.count : 0,
        decisions: c.count,
        energyJ: 0.0005 * c.count,
      };
    });
  }
}

/**
 * The catalog entry of {@linkcode TimedRandomController}.
 *
 * @example
 * ```ts
 * import { timedPolicy } from "./_test_util.ts";
 * console.assert(timedPolicy.id === "timed-random");
 * ```
 */
export const timedPolicy: PolicyEntry = {
  id: "timed-random",
  description: "random actions with modelled per-class latency (tests)",
  make: (env, seed) => new TimedRandomController(env.classes, seed),
};

/** One parsed SSE event. */
export interface SseEvent {
  /** The `id:` field, or undefined. */
  id?: number;
  /** The `event:` field (default "message"). */
  event: string;
  /** The `data:` field. */
  data: string;
}

/**
 * Parses complete SSE events out of `text` (comments and `retry:` lines are skipped).
 *
 * @example
 * ```ts
 * import { parseSse } from "./_test_util.ts";
 * console.assert(parseSse("retry: 5\n\nevent: end\ndata: {}\n\n")[0].event === "end");
 * ```
 */
export function parseSse(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  for (const block of text.split("\n\n")) {
    let id: number | undefined;
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("id: ")) id = Number(line.slice(4));
      else if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    if (data.length > 0) out.push({ id, event, data: data.join("\n") });
  }
  return out;
}

/**
 * Reads an SSE body until `until(events)` holds or the stream ends; returns the events read. The reader
 * is released (not cancelled) so the caller can keep reading or cancel.
 *
 * @example
 * ```ts
 * import { readSseUntil } from "./_test_util.ts";
 * const body = new Response("id: 1\nevent: tick\ndata: {}\n\n").body!;
 * const reader = body.getReader();
 * const events = await readSseUntil(reader, (e) => e.length >= 1);
 * console.assert(events[0].id === 1);
 * ```
 */
export async function readSseUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  until: (events: SseEvent[]) => boolean,
  state: { buffer: string } = { buffer: "" },
): Promise<SseEvent[]> {
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  while (!until(events)) {
    const { done, value } = await reader.read();
    if (done) break;
    state.buffer += decoder.decode(value, { stream: true });
    const cut = state.buffer.lastIndexOf("\n\n");
    if (cut < 0) continue;
    events.push(...parseSse(state.buffer.slice(0, cut + 2)));
    state.buffer = state.buffer.slice(cut + 2);
  }
  return events;
}

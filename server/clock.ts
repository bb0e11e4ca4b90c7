/**
 * Time for the run loop, injectable so tests need not wait in real time: `now()` in milliseconds,
 * `sleep(ms, signal)` that ends early (resolving) when the signal aborts, and `yield()` that gives the event
 * loop a turn (I/O, timers) without the 4 ms clamp nested `setTimeout(0)` calls get.
 *
 * @example
 * ```ts
 * import { realClock } from "./clock.ts";
 * const t0 = realClock.now();
 * await realClock.sleep(5);
 * console.assert(realClock.now() >= t0);
 * ```
 *
 * @module
 */

import { setImmediate } from "node:timers";

/** A source of time and waiting. */
export interface Clock {
  /** Milliseconds since the Unix epoch (may be fractional). */
  now(): number;
  /** Waits `ms` milliseconds, or less when `signal` aborts (then it resolves, never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Gives the event loop one turn. */
  yield(): Promise<void>;
}

/**
 * Resolves on the next turn of the event loop (after pending I/O), without timer clamping.
 *
 * @example
 * ```ts
 * import { yieldToEventLoop } from "./clock.ts";
 * await yieldToEventLoop();
 * ```
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The longest delay one `setTimeout` holds (longer ones fire after 1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Sleeps `ms` with `setTimeout`, waking early when `signal` aborts; the timer is always cleared. Sleeps
 * longer than {@linkcode MAX_TIMER_MS} (tiny real-time speeds) are slept in pieces, and an infinite one
 * lasts until the signal aborts.
 *
 * @example
 * ```ts
 * import { abortableSleep } from "./clock.ts";
 * const ac = new AbortController();
 * const slept = abortableSleep(60_000, ac.signal);
 * ac.abort();
 * await slept; // returns at once
 * ```
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  if (!(ms > 0)) return yieldToEventLoop(); // also NaN
  return new Promise((resolve) => {
    const until = performance.now() + ms;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const arm = () => {
      const left = until - performance.now();
      if (left <= 0) return done();
      timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    };
    arm();
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * The wall clock.
 *
 * @example
 * ```ts
 * import { realClock } from "./clock.ts";
 * console.assert(Math.abs(realClock.now() - Date.now()) < 1000);
 * ```
 */
export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: abortableSleep,
  yield: yieldToEventLoop,
};

/**
 * A clock for tests: time only advances when the run loop sleeps, and sleeping just yields to the event
 * loop, so a "real-time" run at any speed proceeds as fast as the machine allows and deterministically in
 * simulated time.
 *
 * @example
 * ```ts
 * import { ManualClock } from "./clock.ts";
 * const clock = new ManualClock(1000);
 * await clock.sleep(250);
 * console.assert(clock.now() === 1250);
 * ```
 */
export class ManualClock implements Clock {
  #now: number;

  /** A clock starting at `startMs`. */
  constructor(startMs = 0) {
    this.#now = startMs;
  }

  /** The current simulated time. */
  now(): number {
    return this.#now;
  }

  /** Advances time by `ms` (unless aborted) and yields once. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!signal?.aborted && ms > 0) this.#now += ms;
    return yieldToEventLoop();
  }

  /** Yields once. */
  yield(): Promise<void> {
    return yieldToEventLoop();
  }

  /** Moves time forward by `ms` without yielding. */
  advance(ms: number): void {
    this.#now += ms;
  }
}

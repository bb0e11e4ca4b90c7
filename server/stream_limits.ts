/**
 * Caps on open telemetry streams (SSE and WebSocket): at most `maxStreams` over every client and
 * `maxStreamsPerClient` per client address. A stream beyond either cap is refused with 429 (and a
 * `Retry-After`), before any work is done for it.
 *
 * @example
 * ```ts
 * import { StreamLimiter } from "./stream_limits.ts";
 * const limits = new StreamLimiter(3, 2);
 * const release = limits.acquire("10.0.0.1");
 * limits.acquire("10.0.0.1");
 * try {
 *   limits.acquire("10.0.0.1");
 * } catch (e) {
 *   console.assert((e as { status: number }).status === 429);
 * }
 * release();
 * console.assert(limits.open === 1);
 * ```
 *
 * @module
 */

import { TooManyRequestsError } from "./errors.ts";

/** Counts open streams, in total and per client address. */
export class StreamLimiter {
  readonly #max: number;
  readonly #perClient: number;
  readonly #byClient = new Map<string, number>();
  #open = 0;

  /**
   * A limiter allowing `maxStreams` streams, `maxStreamsPerClient` of them per address.
   *
   * @example
   * ```ts
   * import { StreamLimiter } from "./stream_limits.ts";
   * console.assert(new StreamLimiter(10, 2).open === 0);
   * ```
   */
  constructor(maxStreams: number, maxStreamsPerClient: number) {
    this.#max = maxStreams;
    this.#perClient = maxStreamsPerClient;
  }

  /** Streams open now. */
  get open(): number {
    return this.#open;
  }

  /** Counts a stream of `client` in (429 beyond a cap); returns the idempotent release. */
  acquire(client: string): () => void {
    if (this.#open >= this.#max) {
      throw new TooManyRequestsError(
        `Too many telemetry streams: ${this.#max} are open (the server's limit, --max-streams)`,
        1,
      );
    }
    const mine = this.#byClient.get(client) ?? 0;
    if (mine >= this.#perClient) {
      throw new TooManyRequestsError(
        `Too many telemetry streams from ${client}: ${this.#perClient} are open (the per-client limit, --max-streams-per-client)`,
        1,
      );
    }
    this.#open++;
    this.#byClient.set(client, mine + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#open--;
      const n = (this.#byClient.get(client) ?? 1) - 1;
      if (n === 0) this.#byClient.delete(client);
      else this.#byClient.set(client, n);
    };
  }
}

/**
 * One send-buffer byte budget over every telemetry stream of the server (`--send-budget-bytes`, default
 * 64 MiB), so many stalled clients together cannot hold more than it, however many there are.
 *
 * Each stream takes a {@linkcode BudgetSlot} and reports the bytes the server holds for it (sent to the
 * connection but not yet taken by the client). Two rules keep the total bounded:
 *
 * - **Smaller caps when many are open:** a stream may hold at most its {@linkcode BudgetSlot.cap}, the
 *   budget shared out over the open streams (`budget / streams`) less the overhead below, but never more
 *   than its own send buffer and never less than `minCapBytes` (16 KiB). A stream at its cap stops
 *   sending (back-pressure) and is marked stalled.
 * - **Stalled connections cost more than their bytes:** each stalled stream is also charged
 *   `stalledOverheadBytes` (96 KiB) for the connection it keeps open (its socket, HTTP and relay state:
 *   about 150 KB of process memory each with 2,000 stalled clients, measured). So the budget bounds how
 *   many stalled connections stay open (with the defaults, about 580: 16 KiB + 96 KiB each), not only their bytes.
 * - **The slowest are cut first:** when the charge passes the budget (the floor lets it), the stream
 *   stalled the longest is cut (its `onCut` runs and its slot is released), then the next, until it fits.
 *   A stream that is still taking bytes is never cut by the budget. The SSE stream says so with
 *   `event: error`, `{"reason":"send-budget","lastEventId":N}` and closes the connection; the client
 *   may resume with `Last-Event-ID`.
 *
 * Every operation is O(1) (the stalled streams are kept in the order they stalled), so the tick path does
 * no per-client work for the budget.
 *
 * @example
 * ```ts
 * import { SendBudget } from "./send_budget.ts";
 * const budget = new SendBudget(64 * 1024, 16 * 1024, 0);
 * const cut: string[] = [];
 * const a = budget.register(256 * 1024, () => cut.push("a"));
 * const b = budget.register(256 * 1024, () => cut.push("b"));
 * console.assert(a.cap === 32 * 1024); // 64 KiB shared by 2 streams
 * a.hold(32 * 1024, true); // a is stalled at its cap
 * b.hold(40 * 1024, true); // b stalls later, and the total passes the budget
 * console.assert(cut.join() === "a" && budget.heldBytes === 40 * 1024);
 * b.release();
 * console.assert(budget.heldBytes === 0 && budget.streams === 0);
 * ```
 *
 * @module
 */

/** One stream's share of a {@linkcode SendBudget}. */
export interface BudgetSlot {
  /** Most bytes this stream may hold now. */
  readonly cap: number;
  /** The cap for a stream whose own buffer is `maxBytes` now (e.g. a wider window for a fast client). */
  capFor(maxBytes: number): number;
  /** Bytes this stream holds (as last reported). */
  readonly held: number;
  /** Whether the slot was released (by the stream, or by a cut). */
  readonly released: boolean;
  /**
   * Reports the bytes the stream holds and whether it is stalled (waiting for its client to take bytes);
   * may cut the streams stalled the longest (this one included) when the total passes the budget.
   */
  hold(bytes: number, stalled: boolean): void;
  /** Gives the slot back: its bytes leave the total (idempotent). */
  release(): void;
}

interface Slot extends BudgetSlot {
  held: number;
  released: boolean;
  readonly maxCap: number;
  readonly onCut: () => void;
}

/** The server-wide send budget (see module docs). */
export class SendBudget {
  readonly #budget: number;
  readonly #minCap: number;
  readonly #overhead: number;
  #held = 0;
  #streams = 0;
  /** Stalled slots, oldest stall first (a Set keeps insertion order). */
  readonly #stalled = new Set<Slot>();
  #cuts = 0;

  /**
   * A budget of `budgetBytes` over every stream; no stream's cap goes below `minCapBytes`; each stalled
   * stream is also charged `stalledOverheadBytes` (default 96 KiB) for the connection state it keeps.
   *
   * @example
   * ```ts
   * import { SendBudget } from "./send_budget.ts";
   * console.assert(new SendBudget(1 << 20).heldBytes === 0);
   * ```
   */
  constructor(budgetBytes: number, minCapBytes = 16 * 1024, stalledOverheadBytes = 96 * 1024) {
    if (!(budgetBytes > 0) || !(minCapBytes > 0) || !(stalledOverheadBytes >= 0)) {
      throw new RangeError(
        `Cannot create a send budget: budgetBytes and minCapBytes must be > 0 and stalledOverheadBytes >= 0, got ${budgetBytes}, ${minCapBytes} and ${stalledOverheadBytes}`,
      );
    }
    this.#budget = budgetBytes;
    this.#minCap = minCapBytes;
    this.#overhead = stalledOverheadBytes;
  }

  /** The budget, bytes. */
  get budgetBytes(): number {
    return this.#budget;
  }

  /** Bytes held over every stream. */
  get heldBytes(): number {
    return this.#held;
  }

  /** Streams holding a slot. */
  get streams(): number {
    return this.#streams;
  }

  /** Streams stalled now. */
  get stalled(): number {
    return this.#stalled.size;
  }

  /** What the budget is charged: the bytes held plus the overhead of every stalled stream. */
  get chargedBytes(): number {
    return this.#held + this.#stalled.size * this.#overhead;
  }

  /** Streams cut by the budget so far. */
  get cuts(): number {
    return this.#cuts;
  }

  /**
   * A slot for a stream whose own send buffer is `sendBufferBytes`; `onCut` runs (once) when the budget
   * cuts it, after its slot is released.
   */
  register(sendBufferBytes: number, onCut: () => void): BudgetSlot {
    this.#streams++;
    // deno-lint-ignore no-this-alias
    const budget = this;
    const slot: Slot = {
      held: 0,
      released: false,
      maxCap: sendBufferBytes,
      onCut,
      get cap() {
        return budget.#capOf(slot.maxCap);
      },
      capFor(maxBytes: number) {
        return budget.#capOf(maxBytes);
      },
      hold(bytes: number, stalled: boolean) {
        if (slot.released) return;
        budget.#held += bytes - slot.held;
        slot.held = bytes;
        if (stalled) {
          if (!budget.#stalled.has(slot)) budget.#stalled.add(slot);
        } else budget.#stalled.delete(slot);
        budget.#enforce();
      },
      release() {
        budget.#release(slot);
      },
    };
    return slot;
  }

  #capOf(maxCap: number): number {
    const share = Math.floor(this.#budget / Math.max(1, this.#streams)) - this.#overhead;
    return Math.max(Math.min(this.#minCap, maxCap), Math.min(maxCap, share));
  }

  #release(slot: Slot): void {
    if (slot.released) return;
    slot.released = true;
    this.#held -= slot.held;
    slot.held = 0;
    this.#stalled.delete(slot);
    this.#streams--;
  }

  /** Cuts the streams stalled the longest until the total fits. */
  #enforce(): void {
    while (this.chargedBytes > this.#budget && this.#stalled.size > 0) {
      const victim = this.#stalled.values().next().value as Slot;
      this.#release(victim);
      this.#cuts++;
      victim.onCut();
    }
  }
}

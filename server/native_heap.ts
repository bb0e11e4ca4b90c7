/**
 * Gives freed native memory back to the system after many connections closed.
 *
 * Each connection's buffers in `Deno.serve` and the relay live outside the V8 heap, in glibc's malloc
 * arenas. When thousands of connections close, malloc keeps most of those pages (measured: 2,000 stalled
 * SSE clients left RSS about 300 MiB above its level before them, until `malloc_trim(0)` took it back down
 * to within 40 MiB). {@linkcode NativeHeapTrimmer} watches an open-connection count and calls glibc's
 * `malloc_trim(0)` once the count has fallen by `drop` (default 64) from its highest since the last trim,
 * at most once per `minGapMs` (2 s), and twice more after that (one per `minGapMs`, while the count does
 * not rise), since what the JS garbage collector frees for those connections comes later.
 *
 * This needs glibc (Linux) and the FFI permission for its libc (`deno task serve` grants
 * `--allow-ffi=/lib/x86_64-linux-gnu/libc.so.6,/lib/aarch64-linux-gnu/libc.so.6`; `-A` grants it too).
 * Without them, {@linkcode trimNativeHeap} does nothing and returns false, so the memory is simply kept
 * for later connections, as before.
 *
 * @example
 * ```ts
 * import { trimNativeHeap } from "./native_heap.ts";
 * console.assert(typeof trimNativeHeap() === "boolean");
 * ```
 *
 * @module
 */

/** Trims after the one a fall triggers, one per `minGapMs`, while the count does not rise. */
const FOLLOW_UPS = 2;

const LIBC_PATHS = ["/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6"];

type Libc = { symbols: { malloc_trim: (pad: bigint) => number } };
let libc: Libc | null | undefined;

function openLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (Deno.build.os !== "linux") return libc;
  for (const path of LIBC_PATHS) {
    try {
      if (Deno.permissions.querySync({ name: "ffi", path }).state !== "granted") continue;
      Deno.statSync(path);
      libc = Deno.dlopen(path, {
        malloc_trim: { parameters: ["usize"], result: "i32" },
      }) as unknown as Libc;
      return libc;
    } catch { /* not this one (no such file, not glibc) */ }
  }
  return libc;
}

/**
 * Calls glibc's `malloc_trim(0)`: returns the free pages of every malloc arena to the system. True when it
 * ran (glibc and the FFI permission are there), false otherwise.
 *
 * @example
 * ```ts
 * import { trimNativeHeap } from "./native_heap.ts";
 * trimNativeHeap(); // a no-op without glibc or the FFI permission
 * ```
 */
export function trimNativeHeap(): boolean {
  const lib = openLibc();
  if (!lib) return false;
  lib.symbols.malloc_trim(0n);
  return true;
}

/** Options of {@linkcode NativeHeapTrimmer}. */
export interface NativeHeapTrimmerOptions {
  /** How often the count is checked, ms (default 2000). */
  intervalMs?: number;
  /** Trim once the count fell by this much from its highest since the last trim (default 64). */
  drop?: number;
  /** Least time between two trims, ms (default 2000: a trim walks every arena, so not more often). */
  minGapMs?: number;
  /** The trim itself (default {@linkcode trimNativeHeap}). */
  trim?: () => boolean;
  /** The clock, ms (default `performance.now`). */
  now?: () => number;
}

/**
 * Trims the native heap after `count()` (e.g. open connections) fell by `drop` from its highest since the
 * last trim (see module docs). {@linkcode NativeHeapTrimmer.check} is what the timer calls; tests call it
 * directly.
 *
 * @example
 * ```ts
 * import { NativeHeapTrimmer } from "./native_heap.ts";
 * let open = 100;
 * let trims = 0;
 * const t = new NativeHeapTrimmer(() => open, { drop: 50, trim: () => (trims++, true) });
 * t.check();
 * open = 10;
 * t.check();
 * console.assert(trims === 1);
 * ```
 */
export class NativeHeapTrimmer {
  readonly #count: () => number;
  readonly #drop: number;
  readonly #intervalMs: number;
  readonly #trim: () => boolean;
  readonly #minGapMs: number;
  readonly #now: () => number;
  #lastTrim = Number.NEGATIVE_INFINITY;
  #peak = 0;
  /** Trims still to do after a fall (memory freed by the JS garbage collector comes later). */
  #followUps = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Trims done. */
  trims = 0;

  /**
   * A trimmer over `count` (not started; see {@linkcode NativeHeapTrimmer.start}).
   *
   * @example
   * ```ts
   * import { NativeHeapTrimmer } from "./native_heap.ts";
   * console.assert(new NativeHeapTrimmer(() => 0).trims === 0);
   * ```
   */
  constructor(count: () => number, options: NativeHeapTrimmerOptions = {}) {
    this.#count = count;
    this.#drop = options.drop ?? 64;
    this.#intervalMs = options.intervalMs ?? 2000;
    this.#trim = options.trim ?? trimNativeHeap;
    this.#minGapMs = options.minGapMs ?? 2000;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Checks the count once; trims when it fell by `drop` from its peak and the last trim is `minGapMs`
   * ago. Returns whether it trimmed.
   */
  check(): boolean {
    const n = this.#count();
    if (n > this.#peak) {
      this.#peak = n;
      this.#followUps = 0;
    }
    const fell = this.#peak - n >= this.#drop;
    if (!fell && this.#followUps === 0) return false;
    const now = this.#now();
    if (now - this.#lastTrim < this.#minGapMs) return false;
    this.#lastTrim = now;
    this.#peak = n;
    this.#followUps = fell ? FOLLOW_UPS : this.#followUps - 1;
    if (!this.#trim()) return false;
    this.trims++;
    return true;
  }

  /** Starts checking every `intervalMs` (the timer does not keep the process alive). */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.check(), this.#intervalMs);
    Deno.unrefTimer(this.#timer);
  }

  /** Stops checking. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

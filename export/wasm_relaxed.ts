/**
 * Relaxed-SIMD opcodes for clang 14's output, and a load-time support check.
 *
 * clang 14 (Debian bookworm) knows WebAssembly relaxed SIMD only as the proposal's prototype: its
 * `__builtin_wasm_fma_f32x4(a, b, c)` is encoded `0xfd 0xaf 0x01`, an opcode the standardised proposal
 * (shipped in V8 since 11.4, so in Deno 2) moved to `f32x4.relaxed_madd` = `0xfd 0x105` (LEB128 `0x85
 * 0x02`, the same length), computing `a * b + c` with or without rounding in between. `relaxMaddOpcodes`
 * decodes every instruction of the code section (so weight constants that happen to contain those bytes
 * are left alone) and rewrites exactly those opcodes in place; any other prototype relaxed opcode, and any
 * instruction it cannot decode, is an error rather than a guess.
 *
 * @example
 * ```ts
 * import { relaxedSimdSupported } from "./wasm_relaxed.ts";
 * console.assert(typeof relaxedSimdSupported() === "boolean");
 * ```
 *
 * @module
 */

/** Prototype opcode (after 0xfd) of `f32x4.fma` in clang 14. */
const PROTO_F32X4_FMA = 0xaf;
/** Standard opcode (after 0xfd) of `f32x4.relaxed_madd`. */
const F32X4_RELAXED_MADD = 0x105;
/** Other prototype relaxed-SIMD opcodes of clang 14 that have no standard twin at the same number. */
const OTHER_PROTOTYPE = new Set([0xa2, 0xa5, 0xa6, 0xb0, 0xb2, 0xb3, 0xb4, 0xc2, 0xc3, 0xc4]);

class Reader {
  pos: number;
  constructor(readonly b: Uint8Array, pos: number, readonly end: number) {
    this.pos = pos;
  }
  byte(): number {
    if (this.pos >= this.end) throw new Error(`unexpected end at byte ${this.pos}`);
    return this.b[this.pos++];
  }
  uleb(): number {
    let result = 0, shift = 0, byte: number;
    do {
      byte = this.byte();
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return result;
  }
  /** Skips a signed LEB128 (its value is not needed). */
  sleb(): void {
    while (this.byte() & 0x80) { /* continuation */ }
  }
  skip(n: number): void {
    this.pos += n;
    if (this.pos > this.end) throw new Error(`unexpected end at byte ${this.end}`);
  }
  memarg(): void {
    this.uleb();
    this.uleb();
  }
}

/** Decodes one function body's instructions, rewriting prototype madd opcodes; returns how many. */
function rewriteBody(r: Reader): number {
  let n = 0;
  const groups = r.uleb();
  for (let g = 0; g < groups; g++) {
    r.uleb();
    r.byte();
  }
  while (r.pos < r.end) {
    const op = r.byte();
    if (op === 0x02 || op === 0x03 || op === 0x04) {
      const t = r.b[r.pos];
      if (t === 0x40 || (t >= 0x6f && t <= 0x7f)) r.skip(1);
      else r.sleb();
    } else if (op === 0x0c || op === 0x0d) r.uleb();
    else if (op === 0x0e) {
      const k = r.uleb();
      for (let i = 0; i <= k; i++) r.uleb();
    } else if (op === 0x10) r.uleb();
    else if (op === 0x11) {
      r.uleb();
      r.uleb();
    } else if (op === 0x1c) {
      const k = r.uleb();
      r.skip(k);
    } else if (op >= 0x20 && op <= 0x26) r.uleb();
    else if (op >= 0x28 && op <= 0x3e) r.memarg();
    else if (op === 0x3f || op === 0x40) r.uleb();
    else if (op === 0x41 || op === 0x42) r.sleb();
    else if (op === 0x43) r.skip(4);
    else if (op === 0x44) r.skip(8);
    else if (op === 0xd0) r.skip(1);
    else if (op === 0xd2) r.uleb();
    else if (op === 0xfc) {
      const sub = r.uleb();
      if (sub <= 7) { /* saturating truncations */ }
      else if (sub === 8) {
        r.uleb();
        r.skip(1);
      } else if (sub === 9 || sub === 13 || sub === 15 || sub === 16 || sub === 17) r.uleb();
      else if (sub === 10) r.skip(2);
      else if (sub === 11) r.skip(1);
      else if (sub === 12 || sub === 14) {
        r.uleb();
        r.uleb();
      } else throw new Error(`unknown instruction 0xfc ${sub} at byte ${r.pos}`);
    } else if (op === 0xfd) {
      const at = r.pos;
      const sub = r.uleb();
      if (sub === PROTO_F32X4_FMA) {
        if (r.pos - at !== 2) throw new Error(`unexpected encoding of 0xfd 0xaf at byte ${at}`);
        r.b[at] = 0x80 | (F32X4_RELAXED_MADD & 0x7f);
        r.b[at + 1] = F32X4_RELAXED_MADD >> 7;
        n++;
      } else if (OTHER_PROTOTYPE.has(sub)) {
        throw new Error(`prototype relaxed-SIMD instruction 0xfd ${sub} at byte ${at}`);
      } else if (sub <= 0x0b || sub === 0x5c || sub === 0x5d) r.memarg();
      else if (sub === 0x0c || sub === 0x0d) r.skip(16);
      else if (sub >= 0x15 && sub <= 0x22) r.skip(1);
      else if (sub >= 0x54 && sub <= 0x5b) {
        r.memarg();
        r.skip(1);
      }
    } else if (op === 0xfe) throw new Error(`atomic instruction at byte ${r.pos - 1}`);
    // Every other opcode has no immediates.
  }
  return n;
}

/**
 * Rewrites clang 14's prototype `f32x4.fma` opcodes into standard `f32x4.relaxed_madd` (see module docs);
 * returns the rewritten copy and how many it rewrote. Throws on a malformed module or an instruction it
 * cannot decode.
 *
 * @example
 * ```ts
 * import { relaxMaddOpcodes } from "./wasm_relaxed.ts";
 * // An empty module has no code section: nothing to rewrite.
 * const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
 * console.assert(relaxMaddOpcodes(empty).rewritten === 0);
 * ```
 */
export function relaxMaddOpcodes(bytes: Uint8Array): { bytes: Uint8Array; rewritten: number } {
  const b = bytes.slice();
  if (b.length < 8 || b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) {
    throw new Error("relaxMaddOpcodes: not a WebAssembly module");
  }
  let rewritten = 0;
  const top = new Reader(b, 8, b.length);
  while (top.pos < b.length) {
    const id = top.byte();
    const size = top.uleb();
    const start = top.pos, end = start + size;
    if (id === 10) {
      const r = new Reader(b, start, end);
      const count = r.uleb();
      for (let f = 0; f < count; f++) {
        const len = r.uleb();
        const bodyEnd = r.pos + len;
        rewritten += rewriteBody(new Reader(b, r.pos, bodyEnd));
        r.pos = bodyEnd;
      }
    }
    top.pos = end;
  }
  return { bytes: b, rewritten };
}

/**
 * A module exercising `f32x4.relaxed_madd` (standard encoding): `(func (result v128) v128.const 0
 * v128.const 0 v128.const 0 f32x4.relaxed_madd)`.
 */
const PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b, // type: () -> v128
  0x03,
  0x02,
  0x01,
  0x00, // func 0: type 0
  0x0a,
  0x3d,
  0x01,
  0x3b,
  0x00, // code: 1 body of 59 bytes, no locals
  ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array(16).fill(0)]),
  0xfd,
  0x85,
  0x02, // f32x4.relaxed_madd
  0x0b,
]);

let supported: boolean | undefined;

/**
 * Whether this engine validates WebAssembly relaxed SIMD (`f32x4.relaxed_madd`); checked once.
 *
 * @example
 * ```ts
 * import { relaxedSimdSupported } from "./wasm_relaxed.ts";
 * console.log(relaxedSimdSupported() ? "relaxed SIMD" : "SIMD128 only");
 * ```
 */
export function relaxedSimdSupported(): boolean {
  supported ??= WebAssembly.validate(PROBE as BufferSource);
  return supported;
}

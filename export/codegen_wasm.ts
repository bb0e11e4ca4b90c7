/**
 * The fast float32 WASM build of a network: C written for clang's wasm32 target only (vector extensions
 * and WebAssembly builtins, no headers), specialised to the network's constant shapes, and exporting the
 * compiled backend's API directly (`fk_input_size`, `fk_num_actions`, `fk_act`, `fk_act_batch`,
 * `fk_logits_batch`, see `policies/compiled.ts`), so no glue is linked; plus, for up to 32 actions,
 * `fk_act_bits(input, legal)`, the batch-1 decision with the mask passed as bits in an i32 argument.
 *
 * For small networks only ({@linkcode fastWasmFits}: the students, not a teacher). Each layer is
 * straight-line code (no loops, no stack buffers for the small students: activations stay in
 * `v128` locals) in one of two forms, whichever takes fewer vector multiply-adds:
 *
 * - **broadcast**: outputs padded to a multiple of 4 lanes, kernel stored `[block][in][B]` (blocks of 16
 *   units, the last one the rest); each input is splatted to 4 lanes and multiply-added into `B / 4` accumulators, split
 *   into `K` interleaved partial sums (at most 8 accumulators live) so the dependency chain is `in / K`;
 * - **dot**: for wide inputs and narrow outputs (2s3z's 80 -> 6), kernel stored `[out][in]` with the input
 *   padded to a multiple of 4 (the tail lanes of the input masked to zero), one or two accumulators per
 *   output over the input's 4-lane chunks, then four outputs' lanes summed together with shuffles.
 *
 * Weight tables are mutable globals so that clang loads them (`v128.load`) rather than folding the unrolled
 * loads into `v128.const` immediates, which V8 builds with several instructions each (the 3m student's
 * decision took 1.8x as long).
 *
 * With `madd` the multiply-adds are WebAssembly relaxed-SIMD `f32x4.relaxed_madd` (one fused or unfused
 * multiply-add per lane, the engine's choice: an FMA on x86 with FMA3): clang 14 emits the relaxed-SIMD
 * proposal's prototype opcode for `__builtin_wasm_fma_f32x4` (0xfd 0xaf), which `relaxMaddOpcodes` rewrites
 * to the standard one (0xfd 0x105). Without `madd` (the default: measured faster on this core, see the
 * README) each is a multiply then an add. Either way the summation
 * order differs from the portable C (`codegen.ts`), so the logits agree with it and with the plain path to
 * float32 rounding, not bit for bit; the portable C's WASM build stays the bit-exact reference and the
 * fallback where relaxed SIMD is missing.
 *
 * @example
 * ```ts
 * import { networkFromWeights } from "./network.ts";
 * import { generateWasmFloatC } from "./codegen_wasm.ts";
 * const net = networkFromWeights("a", { obsSize: 2, agentIdSize: 0, numActions: 2, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(1, 0, 0, 1), Float32Array.of(0, 0)]);
 * const c = generateWasmFloatC(net, { madd: true });
 * console.assert(c.source.includes("__builtin_wasm_fma_f32x4") && c.base === "a_f32_relaxed");
 * ```
 *
 * @module
 */

import type { DenseLayer, Network } from "./network.ts";

/** Generated fast WASM source of one class. */
export interface GeneratedWasmC {
  /** File base name: `<ident>_f32_fast`, or `<ident>_f32_relaxed` with multiply-add. */
  base: string;
  /** The source (self-contained, for `clang --target=wasm32` only). */
  source: string;
  /** Forms chosen per layer (`broadcast` or `dot`). */
  forms: ("broadcast" | "dot")[];
}

/** Options of {@linkcode generateWasmFloatC}. */
export interface WasmCOptions {
  /**
   * Relaxed-SIMD multiply-add (needs `-mrelaxed-simd` and `relaxMaddOpcodes`); default false: on this core
   * the fused multiply-add's longer latency made the dependency chains slower than a multiply then an add.
   */
  madd?: boolean;
}

/** Most vector multiply-adds per layer, and widest layer output (kept in registers), that are unrolled. */
const MAX_UNROLLED_MADDS = 1024, MAX_WIDTH = 64;

/**
 * Whether a network is small enough for the fast build (straight-line code, activations in registers):
 * every layer at most 1,024 vector multiply-adds and 64 outputs wide. A teacher-sized 30-128-128-9 is not
 * (unrolled it spills and ran 1.5x slower than the portable C's loops), so it keeps the portable build.
 *
 * @example
 * ```ts
 * import { networkFromWeights } from "./network.ts";
 * import { fastWasmFits } from "./codegen_wasm.ts";
 * const net = networkFromWeights("a", { obsSize: 2, agentIdSize: 0, numActions: 2, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(1, 0, 0, 1), Float32Array.of(0, 0)]);
 * console.assert(fastWasmFits(net));
 * ```
 */
export function fastWasmFits(net: Network): boolean {
  return net.layers.every((l) =>
    l.outSize <= MAX_WIDTH &&
    Math.min(l.inSize * Math.ceil(l.outSize / 4), l.outSize * Math.ceil(l.inSize / 4)) <=
      MAX_UNROLLED_MADDS
  );
}

/**
 * The layout {@linkcode generateWasmFloatC} gives a layer: `dot` when it takes fewer multiply-adds.
 *
 * @example
 * ```ts
 * import { layerForm } from "./codegen_wasm.ts";
 * console.assert(layerForm(80, 6) === "dot" && layerForm(30, 16) === "broadcast");
 * ```
 */
export function layerForm(inSize: number, outSize: number): "broadcast" | "dot" {
  const broadcast = inSize * Math.ceil(outSize / 4);
  // A dot-form output costs ceil(in / 4) multiply-adds, plus about 2.5 vector ops per output to reduce.
  const dot = outSize * Math.ceil(inSize / 4) + Math.ceil(outSize / 4) * 9;
  return inSize >= 16 && dot < broadcast ? "dot" : "broadcast";
}

/** A float32 C literal that reads back as exactly `v`. */
function f32(v: number): string {
  const x = Math.fround(v);
  if (x === 0) return "0.0f";
  let s = x.toPrecision(9);
  if (!/[.e]/.test(s)) s += ".0";
  if (s.includes("e") && !s.includes(".")) s = s.replace("e", ".0e");
  return `${s}f`;
}

function table(name: string, values: ArrayLike<number>): string {
  const items: string[] = [];
  for (let i = 0; i < values.length; i++) items.push(f32(values[i]));
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += 8) lines.push("  " + items.slice(i, i + 8).join(", "));
  // Neither static nor const: clang would otherwise fold the unrolled loads into v128.const immediates,
  // which V8 materialises with several instructions each instead of one load.
  return `float ${name}[${values.length}] __attribute__((aligned(16))) = {\n${
    lines.join(",\n")
  }\n};\n`;
}

const PRELUDE = `typedef float fk_v4 __attribute__((vector_size(16)));
typedef int fk_i4 __attribute__((vector_size(16)));
typedef float fk_v4u __attribute__((vector_size(16), aligned(4)));
typedef unsigned long fk_size_t;
void *memset(void *d, int c, fk_size_t n) {
  volatile unsigned char *p = (volatile unsigned char *)d; /* volatile: not turned into a memset call */
  while (n--) *p++ = (unsigned char)c;
  return d;
}
void *memcpy(void *d, const void *s, fk_size_t n) {
  volatile unsigned char *p = (volatile unsigned char *)d;
  const unsigned char *q = (const unsigned char *)s;
  while (n--) *p++ = *q++;
  return d;
}
#define FK_SPLAT(v, j) __builtin_shufflevector(v, v, j, j, j, j)
static inline fk_v4 fk_ld(const float *p) { return *(const fk_v4u *)p; }
static inline fk_v4 fk_relu(fk_v4 s) { return (fk_v4)((fk_i4)s & (s > 0.0f)); }
static inline fk_v4 fk_sel(fk_i4 m, fk_v4 a, fk_v4 b) { return (fk_v4)((m & (fk_i4)a) | (~m & (fk_i4)b)); }
`;

const TANH_V = `static fk_v4 fk_tanh4(fk_v4 x) {
  /* Eigen's float32 rational approximation, as the portable C and the plain path, 4 lanes at once. */
  const fk_v4 hi = (fk_v4){7.90531110763549805f, 7.90531110763549805f, 7.90531110763549805f, 7.90531110763549805f};
  fk_v4 x2, p, q;
  x = fk_sel(x > hi, hi, x);
  x = fk_sel(x < -hi, -hi, x);
  x2 = x * x;
  p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
  p = x2 * p + -8.60467152213735e-11f;
  p = x2 * p + 5.12229709037114e-08f;
  p = x2 * p + 1.48572235717979e-05f;
  p = x2 * p + 6.37261928875436e-04f;
  p = x2 * p + 4.89352455891786e-03f;
  p = x * p;
  q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
  q = x2 * q + 2.26843463243900e-03f;
  q = x2 * q + 4.89352518554385e-03f;
  return p / q;
}
`;

function act(layer: DenseLayer, v: string): string {
  if (layer.activation === "relu") return `fk_relu(${v})`;
  if (layer.activation === "tanh") return `fk_tanh4(${v})`;
  return v;
}

/** Output blocks of a broadcast-form layer padded to `P` units: 16 wide, the last one what is left. */
function blocksOf(P: number): { start: number; width: number }[] {
  const out = [];
  for (let start = 0; start < P; start += 16) out.push({ start, width: Math.min(16, P - start) });
  return out;
}

/** The input vector chunks of layer `l` as C expressions (`vec(c)` = chunk c, `lane(i)` = splat of input i). */
interface Source {
  vec(c: number): string;
  lane(i: number): string;
}

function fromMemory(inSize: number): Source {
  return {
    vec: (c) => {
      const full = `fk_ld(x + ${4 * c})`;
      return 4 * c + 4 <= inSize ? full : `(fk_v4)((fk_i4)${full} & tail)`;
    },
    lane: (i) => `((fk_v4){x[${i}], x[${i}], x[${i}], x[${i}]})`,
  };
}

function fromRegisters(name: string): Source {
  return { vec: (c) => `${name}${c}`, lane: (i) => `FK_SPLAT(${name}${i >> 2}, ${i & 3})` };
}

/**
 * The fast float32 WASM C of a network (see module docs).
 *
 * @example
 * ```ts
 * import { networkFromWeights } from "./network.ts";
 * import { generateWasmFloatC } from "./codegen_wasm.ts";
 * const net = networkFromWeights("a", { obsSize: 40, agentIdSize: 0, numActions: 3, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [new Float32Array(120), new Float32Array(3)]);
 * console.assert(generateWasmFloatC(net, { madd: false }).forms[0] === "dot");
 * ```
 */
export function generateWasmFloatC(net: Network, options: WasmCOptions = {}): GeneratedWasmC {
  if (!fastWasmFits(net)) {
    throw new RangeError(
      `generateWasmFloatC: network "${net.className}" is too large for the unrolled fast build (see fastWasmFits)`,
    );
  }
  const madd = options.madd ?? false;
  const base = `${net.ident}_f32_${madd ? "relaxed" : "fast"}`;
  const parts: string[] = [
    `/* Generated by fleetkd \`deno task export\`: fast float32 WASM policy "${net.className}" ${
      [net.inputSize, ...net.layers.map((l) => l.outSize)].join("-")
    }${madd ? ", relaxed-SIMD multiply-add" : ""}.\n * For clang --target=wasm32 -msimd128${
      madd ? " -mrelaxed-simd" : ""
    } only. Do not edit. */\n`,
    PRELUDE,
    madd
      // Operands (a, b, c): the rewritten opcode computes a * b + c.
      ? "#define FK_MADD(a, b, c) __builtin_wasm_fma_f32x4(a, b, c)\n"
      : "#define FK_MADD(a, b, c) ((a) * (b) + (c))\n",
  ];
  if (net.layers.some((l) => l.activation === "tanh")) parts.push(TANH_V);
  const forms = net.layers.map((l) => layerForm(l.inSize, l.outSize));
  // Tables.
  net.layers.forEach((layer, l) => {
    const IN = layer.inSize, OUT = layer.outSize;
    const P = Math.ceil(OUT / 4) * 4;
    if (forms[l] === "dot") {
      const INP = Math.ceil(IN / 4) * 4;
      const w = new Float32Array(OUT * INP);
      for (let o = 0; o < OUT; o++) {
        for (let i = 0; i < IN; i++) w[o * INP + i] = layer.kernel[i * OUT + o];
      }
      parts.push(table(`fk_w${l}`, w));
    } else {
      const w = new Float32Array(IN * P);
      for (const { start, width } of blocksOf(P)) {
        for (let i = 0; i < IN; i++) {
          for (let u = 0; u < width; u++) {
            const o = start + u;
            if (o < OUT) w[IN * start + i * width + u] = layer.kernel[i * OUT + o];
          }
        }
      }
      parts.push(table(`fk_w${l}`, w));
    }
    const bias = new Float32Array(P);
    bias.set(layer.bias);
    parts.push(table(`fk_b${l}`, bias));
  });
  // The forward pass: fk_forward(x) leaves the last layer's padded outputs in lg (vector stores).
  const body: string[] = [];
  const inTail = net.inputSize % 4;
  if (inTail !== 0) {
    body.push(
      `  const fk_i4 tail = (fk_i4){${[0, 1, 2, 3].map((j) => (j < inTail ? -1 : 0)).join(", ")}};`,
    );
  }
  net.layers.forEach((layer, l) => {
    const IN = layer.inSize, OUT = layer.outSize;
    const V = Math.ceil(OUT / 4);
    const src = l === 0 ? fromMemory(IN) : fromRegisters(`h${l - 1}_`);
    const out = `h${l}_`;
    body.push(`  /* Layer ${l}: ${IN} -> ${OUT} (${layer.activation}), ${forms[l]} form. */`);
    for (let v = 0; v < V; v++) body.push(`  fk_v4 ${out}${v};`);
    body.push("  {");
    if (forms[l] === "dot") {
      const INP = Math.ceil(IN / 4) * 4, C = INP / 4;
      // Two accumulators per output when the chain would be long.
      const A = C >= 8 ? 2 : 1;
      for (let c = 0; c < C; c++) body.push(`    const fk_v4 x${c} = ${src.vec(c)};`);
      for (let o = 0; o < V * 4; o++) {
        if (o >= OUT) {
          body.push(`    const fk_v4 s${o} = (fk_v4){0.0f, 0.0f, 0.0f, 0.0f};`);
          continue;
        }
        const accs = Array.from({ length: A }, (_, a) => `a${o}_${a}`);
        accs.forEach((a, k) => {
          body.push(
            `    fk_v4 ${a} = ${
              k < C ? `fk_ld(fk_w${l} + ${o * INP + 4 * k}) * x${k}` : "(fk_v4){0}"
            };`,
          );
        });
        for (let c = A; c < C; c++) {
          const a = accs[c % A];
          body.push(`    ${a} = FK_MADD(fk_ld(fk_w${l} + ${o * INP + 4 * c}), x${c}, ${a});`);
        }
        body.push(`    const fk_v4 s${o} = ${accs.join(" + ")};`);
      }
      for (let v = 0; v < V; v++) {
        const [a, b, c, d] = [0, 1, 2, 3].map((j) => `s${4 * v + j}`);
        body.push(
          `    const fk_v4 p${v} = __builtin_shufflevector(${a}, ${b}, 0, 1, 4, 5) + __builtin_shufflevector(${a}, ${b}, 2, 3, 6, 7);`,
          `    const fk_v4 q${v} = __builtin_shufflevector(${c}, ${d}, 0, 1, 4, 5) + __builtin_shufflevector(${c}, ${d}, 2, 3, 6, 7);`,
          `    ${out}${v} = ${
            act(
              layer,
              `(__builtin_shufflevector(p${v}, q${v}, 0, 2, 4, 6) + __builtin_shufflevector(p${v}, q${v}, 1, 3, 5, 7) + fk_ld(fk_b${l} + ${
                4 * v
              }))`,
            )
          };`,
        );
      }
    } else {
      for (const [b, { start, width }] of blocksOf(V * 4).entries()) {
        const BV = width / 4;
        // Partial sums per vector, chains of in / K: at most 8 accumulators live (16 with multiply-add,
        // whose latency is longer than an add's; measured best on this core).
        const K = Math.max(1, Math.min(4, Math.floor((madd ? 16 : 8) / BV), IN));
        const acc = (v: number, k: number) => `a${b}_${v}_${k}`;
        const decl: string[] = [];
        for (let v = 0; v < BV; v++) for (let k = 0; k < K; k++) decl.push(acc(v, k));
        body.push(`    fk_v4 ${decl.join(", ")};`);
        const started = new Set<string>();
        for (let i = 0; i < IN; i++) {
          const k = i % K;
          body.push(`    { const fk_v4 xi = ${src.lane(i)};`);
          for (let v = 0; v < BV; v++) {
            const a = acc(v, k), w = `fk_ld(fk_w${l} + ${IN * start + i * width + 4 * v})`;
            if (started.has(a)) body.push(`      ${a} = FK_MADD(${w}, xi, ${a});`);
            else {
              started.add(a);
              body.push(
                k === 0
                  ? `      ${a} = FK_MADD(${w}, xi, fk_ld(fk_b${l} + ${start + 4 * v}));`
                  : `      ${a} = ${w} * xi;`,
              );
            }
          }
          body.push("    }");
        }
        for (let v = 0; v < BV; v++) {
          const terms = Array.from({ length: K }, (_, k) => acc(v, k));
          const sum = K === 4
            ? `(${terms[0]} + ${terms[1]}) + (${terms[2]} + ${terms[3]})`
            : terms.join(" + ");
          body.push(`    ${out}${start / 4 + v} = ${act(layer, `(${sum})`)};`);
        }
      }
    }
    body.push("  }");
  });
  const last = net.layers.length - 1, VL = Math.ceil(net.numActions / 4);
  for (let v = 0; v < VL; v++) body.push(`  *(fk_v4 *)(lg + ${4 * v}) = h${last}_${v};`);
  const A = net.numActions, I = net.inputSize;
  parts.push(`
/* Padded logits of one input into lg (${VL * 4} floats, 16-byte aligned). */
static inline __attribute__((always_inline)) void fk_forward(const float *x, float *lg) {
${body.join("\n")}
}

static inline __attribute__((always_inline)) int fk_select(const float *lg, const unsigned char *mask, float *masked) {
  int k, best = 0;
  float best_v = 0.0f;
  for (k = 0; k < ${A}; k++) {
    const float v = (mask != 0 && mask[k] == 0) ? -1e9f : lg[k];
    if (masked != 0) masked[k] = v;
    if (k == 0 || v > best_v) {
      best_v = v;
      best = k;
    }
  }
  return best;
}

int fk_input_size(void) { return ${I}; }
int fk_num_actions(void) { return ${A}; }

int fk_act(const float *input, const unsigned char *mask) {
  float lg[${VL * 4}] __attribute__((aligned(16)));
  fk_forward(input, lg);
  return fk_select(lg, mask, 0);
}
${
    A <= 32
      ? `
/* Greedy action with the mask as bits (bit k set = action k legal): no mask bytes to copy in. */
int fk_act_bits(const float *input, unsigned int legal) {
  int k, best = 0;
  float best_v = 0.0f;
  float lg[${VL * 4}] __attribute__((aligned(16)));
  fk_forward(input, lg);
  for (k = 0; k < ${A}; k++) {
    const float v = ((legal >> k) & 1u) ? lg[k] : -1e9f;
    if (k == 0 || v > best_v) {
      best_v = v;
      best = k;
    }
  }
  return best;
}
`
      : ""
  }
void fk_act_batch(const float *inputs, int count, const unsigned char *masks, int *actions) {
  int r;
  float lg[${VL * 4}] __attribute__((aligned(16)));
  for (r = 0; r < count; r++) {
    fk_forward(inputs + r * ${I}, lg);
    actions[r] = fk_select(lg, masks != 0 ? masks + r * ${A} : 0, 0);
  }
}

void fk_logits_batch(const float *inputs, int count, const unsigned char *masks, float *out) {
  int r;
  float lg[${VL * 4}] __attribute__((aligned(16)));
  for (r = 0; r < count; r++) {
    fk_forward(inputs + r * ${I}, lg);
    (void)fk_select(lg, masks != 0 ? masks + r * ${A} : 0, out + r * ${A});
  }
}
`);
  return { base, source: parts.join(""), forms };
}

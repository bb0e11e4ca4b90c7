/**
 * C99 code generation: one dependency-free `.c` + `.h` per class and precision (no headers included, no
 * libm, no allocation, no globals written), exposing
 *
 * ```c
 * #define FK_<ID>_<P>_INPUT_SIZE n
 * #define FK_<ID>_<P>_NUM_ACTIONS a
 * void fk_<id>_<p>_logits(const float *input, float *logits);            // unmasked logits
 * int  fk_<id>_<p>_act(const float *input, const unsigned char *mask);   // greedy action; mask may be 0
 * void fk_<id>_<p>_act_batch(const float *inputs, int count, const unsigned char *masks, int *actions);
 * void fk_<id>_<p>_masked_logits_batch(const float *inputs, int count, const unsigned char *masks,
 *                                      float *logits);
 * ```
 * with `<p>` = `f32` or `i8`. Masked logits are -1e9 as on the tfjs and plain paths and the argmax takes the
 * first maximal index, so ties resolve alike.
 *
 * Layout: each layer's outputs are split into blocks of `B` units (`B` = the output width rounded up to a
 * multiple of 4, at most 16; zero-padded), and the kernel is stored block by block as `[block][in][B]`, so
 * the inner loop over a block's units is a contiguous, fixed-width vector operation that compilers
 * auto-vectorize (SSE/AVX on the host, SIMD128 in WASM) without reassociating anything. In float32 the
 * inputs are split into `K` interleaved partial sums (`K` = 4, or 2 for 16-wide blocks) added as
 * `(s0 + s1) + (s2 + s3)`, so the dependency chain is `in / K` long. The summation order is fixed by the
 * source; compiled with `-ffp-contract=off` (no fused multiply-add) the float results are bit-identical on
 * every IEEE-754 target (x86-64, Cortex-M4F, WASM). The int8 path accumulates in int32 (exact).
 *
 * @example
 * ```ts
 * import { networkFromWeights } from "./network.ts";
 * import { generateFloatC } from "./codegen.ts";
 * const net = networkFromWeights("mcu-sensor", { obsSize: 2, agentIdSize: 0, numActions: 2, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(1, 0, 0, 1), Float32Array.of(0, 0)]);
 * const { header, source, base } = generateFloatC(net);
 * console.assert(base === "mcu_sensor_f32" && header.includes("fk_mcu_sensor_f32_act(") &&
 *   source.includes('#include "mcu_sensor_f32.h"'));
 * ```
 *
 * @module
 */

import type { DenseLayer, Network } from "./network.ts";
import { type LayerPrecision, type QuantizedNetwork, signedMax } from "./quantize.ts";

/** Generated files of one class and precision. */
export interface GeneratedC {
  /** File base name (`<ident>_<p>`): `<base>.c`, `<base>.h`. */
  base: string;
  /** Function prefix (`fk_<ident>_<p>_`). */
  prefix: string;
  /** The header. */
  header: string;
  /** The source. */
  source: string;
}

/** Code layout of one layer. */
export interface LayerLayout {
  /** Block width (units). */
  block: number;
  /** Blocks. */
  blocks: number;
  /** Padded output width `block * blocks`. */
  padded: number;
  /** Interleaved partial sums of the float path. */
  chains: number;
}

/**
 * The block layout of a layer (see module docs).
 *
 * @example
 * ```ts
 * import { layerLayout } from "./codegen.ts";
 * console.assert(layerLayout(6).padded === 8 && layerLayout(128).blocks === 8);
 * ```
 */
export function layerLayout(outSize: number): LayerLayout {
  const block = Math.min(16, Math.ceil(outSize / 4) * 4);
  const blocks = Math.ceil(outSize / block);
  return { block, blocks, padded: block * blocks, chains: block >= 16 ? 2 : 4 };
}

/** A float32 C literal that reads back as exactly `v` (9 significant digits). */
function f32(v: number): string {
  const x = Math.fround(v);
  if (x === 0) return "0.0f";
  let s = x.toPrecision(9);
  if (!/[.e]/.test(s)) s += ".0";
  if (s.includes("e") && !s.includes(".")) s = s.replace("e", ".0e");
  return `${s}f`;
}

function table(type: string, name: string, values: ArrayLike<number>, fmt: (v: number) => string) {
  const items: string[] = [];
  for (let i = 0; i < values.length; i++) items.push(fmt(values[i]));
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += 8) lines.push("  " + items.slice(i, i + 8).join(", "));
  return `static const ${type} ${name}[${values.length}] = {\n${lines.join(",\n")}\n};\n`;
}

/** The kernel in `[block][in][B]` order, zero-padded. */
function blockedKernel<T extends Float32Array | Int16Array>(
  layer: DenseLayer,
  kernel: T,
  make: (n: number) => T,
): T {
  const { block, blocks } = layerLayout(layer.outSize);
  const out = make(blocks * layer.inSize * block);
  for (let b = 0; b < blocks; b++) {
    for (let i = 0; i < layer.inSize; i++) {
      for (let u = 0; u < block; u++) {
        const o = b * block + u;
        if (o < layer.outSize) {
          out[(b * layer.inSize + i) * block + u] = kernel[i * layer.outSize + o];
        }
      }
    }
  }
  return out;
}

function padded(values: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n);
  out.set(values);
  return out;
}

const TANH_C = `static float fk_tanh(float x) {
  /* Eigen's float32 rational approximation (as TensorFlow's CPU kernels and the plain path). */
  float x2, p, q;
  if (x > 7.90531110763549805f) x = 7.90531110763549805f;
  if (x < -7.90531110763549805f) x = -7.90531110763549805f;
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

function activate(layer: DenseLayer, v: string): string {
  if (layer.activation === "relu") return `(${v} > 0.0f ? ${v} : 0.0f)`;
  if (layer.activation === "tanh") return `fk_tanh(${v})`;
  return v;
}

function header(net: Network, p: "f32" | "i8", what: string, sizes: string): string {
  const ID = net.ident.toUpperCase();
  const pre = `fk_${net.ident}_${p}_`;
  const guard = `FK_${ID}_${p.toUpperCase()}_H`;
  return `/* Generated by fleetkd \`deno task export\`: ${what} policy of class "${net.className}", ${sizes}.
 * Dependency-free C99. Greedy action = first maximal logit among legal actions (mask[k] != 0);
 * a null mask means every action is legal. Do not edit. */
#ifndef ${guard}
#define ${guard}

#define FK_${ID}_${p.toUpperCase()}_INPUT_SIZE ${net.inputSize}
#define FK_${ID}_${p.toUpperCase()}_NUM_ACTIONS ${net.numActions}

#ifdef __cplusplus
extern "C" {
#endif

/* Unmasked logits of one input (INPUT_SIZE floats) into logits (NUM_ACTIONS floats). */
void ${pre}logits(const float *input, float *logits);
/* Greedy action of one input; mask: NUM_ACTIONS bytes, 1 = legal, or 0 (null) for all legal. */
int ${pre}act(const float *input, const unsigned char *mask);
/* Greedy actions of count inputs (row-major) with masks (count * NUM_ACTIONS bytes, or null). */
void ${pre}act_batch(const float *inputs, int count, const unsigned char *masks, int *actions);
/* Masked logits (illegal = -1e9) of count inputs into logits (count * NUM_ACTIONS floats). */
void ${pre}masked_logits_batch(const float *inputs, int count, const unsigned char *masks, float *logits);

#ifdef __cplusplus
}
#endif
#endif
`;
}

function commonTail(net: Network, pre: string): string {
  const A = net.numActions;
  return `
static int fk_select(const float *logits, const unsigned char *mask, float *masked) {
  int k, best = 0;
  float best_v = 0.0f;
  for (k = 0; k < ${A}; k++) {
    const float v = (mask != 0 && mask[k] == 0) ? -1e9f : logits[k];
    if (masked != 0) masked[k] = v;
    if (k == 0 || v > best_v) {
      best_v = v;
      best = k;
    }
  }
  return best;
}

int ${pre}act(const float *input, const unsigned char *mask) {
  float logits[${A}];
  ${pre}logits(input, logits);
  return fk_select(logits, mask, 0);
}

void ${pre}act_batch(const float *inputs, int count, const unsigned char *masks, int *actions) {
  int r;
  float logits[${A}];
  for (r = 0; r < count; r++) {
    ${pre}logits(inputs + r * ${net.inputSize}, logits);
    actions[r] = fk_select(logits, masks != 0 ? masks + r * ${A} : 0, 0);
  }
}

void ${pre}masked_logits_batch(const float *inputs, int count, const unsigned char *masks, float *out) {
  int r;
  float logits[${A}];
  for (r = 0; r < count; r++) {
    ${pre}logits(inputs + r * ${net.inputSize}, logits);
    (void)fk_select(logits, masks != 0 ? masks + r * ${A} : 0, out + r * ${A});
  }
}
`;
}

function archText(net: Network): string {
  return [net.inputSize, ...net.layers.map((l) => l.outSize)].join("-");
}

/**
 * The float32 C of a network (see module docs).
 *
 * @example
 * ```ts
 * import { networkFromWeights } from "./network.ts";
 * import { generateFloatC } from "./codegen.ts";
 * const net = networkFromWeights("a", { obsSize: 1, agentIdSize: 0, numActions: 1, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(0.5), Float32Array.of(0.25)]);
 * console.assert(generateFloatC(net).source.includes("0.500000000f"));
 * ```
 */
export function generateFloatC(net: Network): GeneratedC {
  const base = `${net.ident}_f32`;
  const pre = `fk_${base}_`;
  const parts: string[] = [
    `/* Generated by fleetkd \`deno task export\`: float32 policy "${net.className}" ${
      archText(net)
    }. Do not edit.\n * Compile with -ffp-contract=off for results bit-identical across targets. */\n`,
    `#include "${base}.h"\n\n`,
  ];
  if (net.layers.some((l) => l.activation === "tanh")) parts.push(TANH_C, "\n");
  net.layers.forEach((layer, l) => {
    const lay = layerLayout(layer.outSize);
    parts.push(
      table(
        "float",
        `fk_w${l}`,
        blockedKernel(layer, layer.kernel, (n) => new Float32Array(n)),
        f32,
      ),
    );
    parts.push(table("float", `fk_b${l}`, padded(layer.bias, lay.padded), f32));
  });
  net.layers.forEach((layer, l) => {
    const { block: B, blocks, chains: K } = layerLayout(layer.outSize);
    const IN = layer.inSize;
    const main = IN - (IN % K);
    const acc = Array.from({ length: K }, (_, k) => `a${k}`);
    const sum = K === 4 ? "(a0[o] + a1[o]) + (a2[o] + a3[o])" : "a0[o] + a1[o]";
    parts.push(`
/* Layer ${l}: ${IN} -> ${layer.outSize} (${layer.activation}), ${blocks} block(s) of ${B}, ${K} partial sums. */
static void fk_layer${l}(const float *x, float *y) {
  int blk, i, o;
  for (blk = 0; blk < ${blocks}; blk++) {
    const float *w = fk_w${l} + blk * ${IN * B};
    const float *bias = fk_b${l} + blk * ${B};
    float ${acc.map((a) => `${a}[${B}]`).join(", ")};
    for (o = 0; o < ${B}; o++) {
      a0[o] = bias[o];
${acc.slice(1).map((a) => `      ${a}[o] = 0.0f;`).join("\n")}
    }
    for (i = 0; i < ${main}; i += ${K}) {
${acc.map((_, k) => `      const float x${k} = x[i + ${k}];`).join("\n")}
      const float *wi = w + i * ${B};
      for (o = 0; o < ${B}; o++) {
${acc.map((a, k) => `        ${a}[o] += wi[${k * B} + o] * x${k};`).join("\n")}
      }
    }
${
      IN % K === 0 ? "" : `    for (i = ${main}; i < ${IN}; i++) {
      const float xi = x[i];
      const float *wi = w + i * ${B};
      for (o = 0; o < ${B}; o++) a0[o] += wi[o] * xi;
    }
`
    }    for (o = 0; o < ${B}; o++) {
      const float s = ${sum};
      y[blk * ${B} + o] = ${activate(layer, "s")};
    }
  }
}
`);
  });
  const bufs = net.layers.map((layer, l) => `h${l}[${layerLayout(layer.outSize).padded}]`);
  const last = net.layers.length - 1;
  parts.push(`
void ${pre}logits(const float *input, float *logits) {
  int k;
  float ${bufs.join(", ")};
${net.layers.map((_, l) => `  fk_layer${l}(${l === 0 ? "input" : `h${l - 1}`}, h${l});`).join("\n")}
  for (k = 0; k < ${net.numActions}; k++) logits[k] = h${last}[k];
}
`);
  parts.push(commonTail(net, pre));
  return {
    base,
    prefix: pre,
    header: header(net, "f32", "float32", archText(net)),
    source: parts.join(""),
  };
}

/**
 * Per layer `w<bits>a<bits>`, e.g. `w8a8 w16a8`.
 *
 * @example
 * ```ts
 * import { networkFromWeights } from "./network.ts";
 * import { calibrate } from "./quantize.ts";
 * import { precisionText } from "./codegen.ts";
 * const net = networkFromWeights("a", { obsSize: 1, agentIdSize: 0, numActions: 1, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(0.5), Float32Array.of(0.25)]);
 * console.assert(precisionText(calibrate(net, Float32Array.of(1), 1)) === "w8a8");
 * ```
 */
export function precisionText(q: QuantizedNetwork): string {
  return q.layers.map((l) => `w${l.precision.weightBits}a${l.precision.inputBits}`).join(" ");
}

/**
 * The int8 C of a calibrated network (see module docs and `quantize.ts`); layers the calibration kept at 16
 * bits (weights `short`, inputs `short` / `unsigned short`, int64 accumulators where int32 could overflow)
 * are generated as such.
 *
 * @example
 * ```ts
 * import { networkFromWeights } from "./network.ts";
 * import { calibrate } from "./quantize.ts";
 * import { generateInt8C } from "./codegen.ts";
 * const net = networkFromWeights("a", { obsSize: 1, agentIdSize: 0, numActions: 1, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(0.5), Float32Array.of(0.25)]);
 * const c = generateInt8C(net, calibrate(net, Float32Array.of(1), 1));
 * console.assert(c.source.includes("signed char"));
 * ```
 */
export function generateInt8C(net: Network, q: QuantizedNetwork): GeneratedC {
  const base = `${net.ident}_i8`;
  const pre = `fk_${base}_`;
  const parts: string[] = [
    `/* Generated by fleetkd \`deno task export\`: int8 policy "${net.className}" ${
      archText(net)
    }, per-channel weight scales,\n * activation scales calibrated on ${q.calibrationRows} recorded observations; bits per layer (weights/input): ${
      precisionText(q)
    }. Do not edit. */\n`,
    `#include "${base}.h"\n\n`,
  ];
  if (net.layers.some((l) => l.activation === "tanh")) parts.push(TANH_C, "\n");
  const L = net.layers.length;
  // Quantizers the layers' inputs need: [C type, name, lo, hi].
  const quantizers = new Map<string, [string, number, number]>();
  const inType = (l: number) => {
    const ql = q.layers[l], wide = ql.precision.inputBits === 16;
    return ql.unsignedInput
      ? (wide ? "unsigned short" : "unsigned char")
      : (wide ? "short" : "signed char");
  };
  const quantName = (l: number) => {
    const ql = q.layers[l], m = signedMax(ql.precision.inputBits);
    const name = `fk_quant${ql.unsignedInput ? "_u" : ""}${
      ql.precision.inputBits === 16 ? "16" : ""
    }`;
    quantizers.set(name, [inType(l), ql.unsignedInput ? 0 : -m, ql.unsignedInput ? 2 * m + 1 : m]);
    return name;
  };
  net.layers.forEach((_, l) => quantName(l));
  for (const [name, [type, lo, hi]] of quantizers) {
    const round = lo === 0 ? "r + 0.5f" : "r >= 0.0f ? r + 0.5f : r - 0.5f";
    parts.push(`static ${type} ${name}(float v, float inv_scale) {
  float r = v * inv_scale;
  if (r > ${hi}.0f) r = ${hi}.0f;
  if (r < ${lo}.0f) r = ${lo}.0f;
  return (${type})(int)(${round});
}

`);
  }
  net.layers.forEach((layer, l) => {
    const lay = layerLayout(layer.outSize);
    const ql = q.layers[l];
    parts.push(
      table(
        ql.precision.weightBits === 16 ? "short" : "signed char",
        `fk_w${l}`,
        blockedKernel(layer, ql.weights, (n) => new Int16Array(n)),
        (v) => String(v),
      ),
    );
    parts.push(table("float", `fk_s${l}`, padded(ql.weightScales, lay.padded), f32));
    parts.push(table("float", `fk_b${l}`, padded(ql.bias, lay.padded), f32));
    // Inverse scales of the inputs of this layer, per feature (padded entries of hidden layers are 0).
    parts.push(table("float", `fk_inv${l}`, ql.inputInvScales, f32));
  });
  net.layers.forEach((layer, l) => {
    const { block: B, blocks } = layerLayout(layer.outSize);
    const IN = layer.inSize;
    const lastLayer = l === L - 1;
    const store = lastLayer ? `y[blk * ${B} + o] = ${activate(layer, "v")};` : `{
        const int u = blk * ${B} + o;
        if (u < ${layer.outSize}) y[u] = ${quantName(l + 1)}(${activate(layer, "v")}, fk_inv${
      l + 1
    }[u]);
      }`;
    const ql = q.layers[l], p = ql.precision;
    const wType = p.weightBits === 16 ? "short" : "signed char";
    const xMax = ql.unsignedInput ? 2 * signedMax(p.inputBits) + 1 : signedMax(p.inputBits);
    const wide = IN * xMax * signedMax(p.weightBits) > 2147483647;
    const accType = wide ? "long long" : "int";
    parts.push(`
/* Layer ${l}: ${IN} -> ${layer.outSize} (${layer.activation}), ${p.inputBits}-bit x int${p.weightBits} -> ${
      wide ? "int64" : "int32"
    }. */
static void fk_layer${l}(const ${inType(l)} *x, ${lastLayer ? "float" : inType(l + 1)} *y) {
  int blk, i, o;
  for (blk = 0; blk < ${blocks}; blk++) {
    const ${wType} *w = fk_w${l} + blk * ${IN * B};
    ${accType} acc[${B}];
    for (o = 0; o < ${B}; o++) acc[o] = 0;
    for (i = 0; i < ${IN}; i++) {
      const ${accType} xi = x[i];
      const ${wType} *wi = w + i * ${B};
      for (o = 0; o < ${B}; o++) acc[o] += (${accType})wi[o] * xi;
    }
    for (o = 0; o < ${B}; o++) {
      const float v = (float)acc[o] * fk_s${l}[blk * ${B} + o] + fk_b${l}[blk * ${B} + o];
      ${store}
    }
  }
}
`);
  });
  const bufs = net.layers.map((layer, l) =>
    `${l === L - 1 ? "float" : inType(l + 1)} h${l}[${layerLayout(layer.outSize).padded}];`
  );
  parts.push(`
void ${pre}logits(const float *input, float *logits) {
  int k;
  ${inType(0)} q[${net.inputSize}];
  ${bufs.join("\n  ")}
  for (k = 0; k < ${net.inputSize}; k++) q[k] = ${quantName(0)}(input[k], fk_inv0[k]);
${net.layers.map((_, l) => `  fk_layer${l}(${l === 0 ? "q" : `h${l - 1}`}, h${l});`).join("\n")}
  for (k = 0; k < ${net.numActions}; k++) logits[k] = h${L - 1}[k];
}
`);
  parts.push(commonTail(net, pre));
  return {
    base,
    prefix: pre,
    header: header(net, "i8", "int8", archText(net)),
    source: parts.join(""),
  };
}

/**
 * Bytes of constant tables (flash) and of the activation buffers a decision keeps on the stack (RAM), as
 * laid out by the generator; compiler-measured sizes come from `arm-none-eabi-size` and `-fstack-usage`.
 *
 * @example
 * ```ts
 * import { networkFromWeights } from "./network.ts";
 * import { tableBytes } from "./codegen.ts";
 * const net = networkFromWeights("a", { obsSize: 1, agentIdSize: 0, numActions: 1, hiddenSizes: [],
 *   activation: "relu", kind: "mlp" }, [Float32Array.of(0.5), Float32Array.of(0.25)]);
 * console.assert(tableBytes(net, "f32").flash === 4 * 4 + 4 * 4); // padded to a block of 4
 * ```
 */
export function tableBytes(
  net: Network,
  p: "f32" | "i8",
  precision?: readonly LayerPrecision[],
): { flash: number; activations: number } {
  const bytes = (l: number, key: "weightBits" | "inputBits") => (precision?.[l][key] ?? 8) / 8;
  let flash = 0, activations = p === "i8" ? net.inputSize * bytes(0, "inputBits") : 0;
  net.layers.forEach((layer, l) => {
    const lay = layerLayout(layer.outSize);
    const w = layer.inSize * lay.padded;
    flash += p === "f32" ? 4 * (w + lay.padded) : w * bytes(l, "weightBits") + 8 * lay.padded;
    const out = p === "f32" || l + 1 === net.layers.length ? 4 : bytes(l + 1, "inputBits");
    activations += out * lay.padded;
  });
  return { flash, activations };
}

/**
 * C test harnesses around the generated code (not part of the export's deliverable files):
 *
 * - host: `verify IN MASKS N OUT` runs N recorded observations through the float32 and int8 code and
 *   writes their logits and actions; `bench IN MASKS N REPS` times batch-1 and batched decisions with
 *   `clock_gettime`.
 * - Cortex-M4 (QEMU mps2-an386, semihosting): the observations are compiled in; prints every action, then
 *   times the decisions with SysTick under `-icount shift=0` (one virtual nanosecond per instruction),
 *   calibrated against a loop of known instruction count.
 *
 * @example
 * ```ts
 * import { hostHarness } from "./harness.ts";
 * console.assert(hostHarness("a_f32", "a_i8", "fk_a_f32_", "fk_a_i8_", 3, 2).includes("int main"));
 * ```
 *
 * @module
 */

/**
 * Host harness source.
 *
 * @example
 * ```ts
 * import { hostHarness } from "./harness.ts";
 * console.assert(hostHarness("a_f32", "a_i8", "fk_a_f32_", "fk_a_i8_", 3, 2).includes('#include "a_f32.h"'));
 * ```
 */
export function hostHarness(
  f32Base: string,
  i8Base: string,
  f32Pre: string,
  i8Pre: string,
  inputSize: number,
  numActions: number,
): string {
  return `#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "${f32Base}.h"
#include "${i8Base}.h"
#define I ${inputSize}
#define A ${numActions}

static void *read_all(const char *path, size_t bytes) {
  FILE *f = fopen(path, "rb");
  void *p = malloc(bytes > 0 ? bytes : 1);
  if (f == NULL || p == NULL || fread(p, 1, bytes, f) != bytes) {
    fprintf(stderr, "cannot read %zu bytes from %s\\n", bytes, path);
    exit(2);
  }
  fclose(f);
  return p;
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  int n, r;
  float *in;
  unsigned char *masks;
  if (argc < 5) {
    fprintf(stderr, "usage: %s verify|bench IN MASKS N [OUT|REPS]\\n", argv[0]);
    return 2;
  }
  n = atoi(argv[4]);
  in = (float *)read_all(argv[2], (size_t)n * I * sizeof(float));
  masks = (unsigned char *)read_all(argv[3], (size_t)n * A);
  if (strcmp(argv[1], "verify") == 0 && argc == 6) {
    float *lf = malloc((size_t)n * A * sizeof(float)), *li = malloc((size_t)n * A * sizeof(float));
    int *af = malloc((size_t)n * sizeof(int)), *ai = malloc((size_t)n * sizeof(int));
    FILE *out = fopen(argv[5], "wb");
    for (r = 0; r < n; r++) {
      ${f32Pre}logits(in + r * I, lf + r * A);
      ${i8Pre}logits(in + r * I, li + r * A);
      af[r] = ${f32Pre}act(in + r * I, masks + r * A);
      ai[r] = ${i8Pre}act(in + r * I, masks + r * A);
    }
    if (out == NULL) return 3;
    fwrite(lf, sizeof(float), (size_t)n * A, out);
    fwrite(li, sizeof(float), (size_t)n * A, out);
    fwrite(af, sizeof(int), (size_t)n, out);
    fwrite(ai, sizeof(int), (size_t)n, out);
    fclose(out);
    return 0;
  }
  if (strcmp(argv[1], "bench") == 0 && argc == 6) {
    int reps = atoi(argv[5]), k, p;
    int *acts = malloc((size_t)n * sizeof(int));
    volatile int sink = 0;
    for (p = 0; p < 2; p++) {
      double best1 = 1e300, bestb = 1e300;
      for (k = 0; k < 7; k++) {
        double t0, t1;
        int rep, s = 0;
        t0 = now_ns();
        for (rep = 0; rep < reps; rep++) {
          for (r = 0; r < n; r++) {
            s += p == 0 ? ${f32Pre}act(in + r * I, masks + r * A) : ${i8Pre}act(in + r * I, masks + r * A);
          }
        }
        t1 = now_ns();
        sink += s;
        if ((t1 - t0) / ((double)reps * n) < best1) best1 = (t1 - t0) / ((double)reps * n);
        t0 = now_ns();
        for (rep = 0; rep < reps; rep++) {
          if (p == 0) ${f32Pre}act_batch(in, n, masks, acts);
          else ${i8Pre}act_batch(in, n, masks, acts);
          sink += acts[rep % n];
        }
        t1 = now_ns();
        if ((t1 - t0) / ((double)reps * n) < bestb) bestb = (t1 - t0) / ((double)reps * n);
      }
      printf("%s %.3f %.3f\\n", p == 0 ? "f32" : "i8", best1, bestb);
    }
    return sink == 42 ? 1 : 0;
  }
  fprintf(stderr, "unknown mode %s\\n", argv[1]);
  return 2;
}
`;
}

/**
 * Startup code of the Cortex-M4 build: vector table, FPU enable, then newlib's rdimon crt0.
 *
 * @example
 * ```ts
 * import { M4_STARTUP } from "./harness.ts";
 * console.assert(M4_STARTUP.includes("0xE000ED88"));
 * ```
 */
export const M4_STARTUP =
  `/* Cortex-M4 startup for QEMU mps2-an386: vector table, FPU enable, newlib rdimon crt0. */
extern void _start(void);
extern unsigned int __stack_top;
void fk_reset(void);
static void fk_fault(void) { for (;;) {} }
__attribute__((section(".vectors"), used)) static void (*const fk_vectors[16])(void) = {
  (void (*)(void))&__stack_top, fk_reset, fk_fault, fk_fault, fk_fault, fk_fault, fk_fault, 0, 0, 0, 0,
  fk_fault, fk_fault, 0, fk_fault, fk_fault,
};
void fk_reset(void) {
  *(volatile unsigned int *)0xE000ED88 |= (0xFu << 20); /* CPACR: CP10 and CP11 full access */
  __asm volatile("dsb\\n isb");
  _start();
  for (;;) {}
}
`;

/**
 * Linker script of the Cortex-M4 build: code and constants at 0x0 (the board's 4 MB code SRAM, standing
 * in for flash), data, bss and stack in the 4 MB SRAM at 0x20000000. QEMU's ELF loader places `.data`
 * directly (no copy from flash, which real hardware would need).
 *
 * @example
 * ```ts
 * import { M4_LINKER_SCRIPT } from "./harness.ts";
 * console.assert(M4_LINKER_SCRIPT.includes("ORIGIN = 0x20000000"));
 * ```
 */
export const M4_LINKER_SCRIPT = `MEMORY {
  FLASH (rx) : ORIGIN = 0x00000000, LENGTH = 4M
  RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 4M
}
ENTRY(fk_reset)
SECTIONS {
  .text : { KEEP(*(.vectors)) *(.text*) *(.rodata*) KEEP(*(.init)) KEEP(*(.fini)) } > FLASH
  .ARM.exidx : { *(.ARM.exidx*) } > FLASH
  .preinit_array : { PROVIDE_HIDDEN(__preinit_array_start = .); KEEP(*(.preinit_array)) PROVIDE_HIDDEN(__preinit_array_end = .); } > FLASH
  .init_array : { PROVIDE_HIDDEN(__init_array_start = .); KEEP(*(SORT(.init_array.*))) KEEP(*(.init_array)) PROVIDE_HIDDEN(__init_array_end = .); } > FLASH
  .fini_array : { PROVIDE_HIDDEN(__fini_array_start = .); KEEP(*(.fini_array)) PROVIDE_HIDDEN(__fini_array_end = .); } > FLASH
  .data : { *(.data*) } > RAM
  .bss : { __bss_start__ = .; *(.bss*) *(COMMON) __bss_end__ = .; } > RAM
  end = .;
  __end__ = .;
  __stack_top = ORIGIN(RAM) + LENGTH(RAM);
}
`;

function bytesTable(
  type: string,
  name: string,
  values: ArrayLike<number>,
  fmt: (v: number) => string,
) {
  const items: string[] = [];
  for (let i = 0; i < values.length; i++) items.push(fmt(values[i]));
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += 12) lines.push("  " + items.slice(i, i + 12).join(", "));
  return `static const ${type} ${name}[${Math.max(1, values.length)}] = {\n${
    lines.join(",\n") || "  0"
  }\n};\n`;
}

/**
 * Cortex-M4 harness: prints `F <actions>` and `I <actions>` for the compiled-in observations, then
 * `CAL <ticks> <instructions>` of the calibration loop and `T f32|i8 <ticks> <decisions>`.
 *
 * @example
 * ```ts
 * import { m4Harness } from "./harness.ts";
 * const c = m4Harness("a_f32", "a_i8", "fk_a_f32_", "fk_a_i8_", 1, 2, Float32Array.of(0.5), Uint8Array.of(1, 1), 1);
 * console.assert(c.includes("SYST_CVR"));
 * ```
 */
export function m4Harness(
  f32Base: string,
  i8Base: string,
  f32Pre: string,
  i8Pre: string,
  inputSize: number,
  numActions: number,
  inputs: Float32Array,
  masks: Uint8Array,
  rows: number,
): string {
  const f = (v: number) => {
    const s = Math.fround(v).toPrecision(9);
    return /[.e]/.test(s)
      ? (s.includes("e") && !s.includes(".") ? s.replace("e", ".0e") : s) + "f"
      : `${s}.0f`;
  };
  return `#include <stdio.h>
#include "${f32Base}.h"
#include "${i8Base}.h"
#define I ${inputSize}
#define A ${numActions}
#define N ${rows}
#define SYST_CSR (*(volatile unsigned int *)0xE000E010)
#define SYST_RVR (*(volatile unsigned int *)0xE000E014)
#define SYST_CVR (*(volatile unsigned int *)0xE000E018)
${bytesTable("float", "fk_in", inputs.subarray(0, rows * inputSize), f)}
${bytesTable("unsigned char", "fk_mask", masks.subarray(0, rows * numActions), (v) => String(v))}
static unsigned int ticks_since(unsigned int t0) { return (t0 - SYST_CVR) & 0xFFFFFFu; }

int main(void) {
  int r, p;
  unsigned int t0, cal;
  volatile int sink = 0;
  SYST_RVR = 0xFFFFFFu;
  SYST_CVR = 0u;
  SYST_CSR = 5u; /* enable, processor clock */
  for (p = 0; p < 2; p++) {
    printf(p == 0 ? "F" : "I");
    for (r = 0; r < N; r++) {
      const int a = p == 0 ? ${f32Pre}act(fk_in + r * I, fk_mask + r * A) : ${i8Pre}act(fk_in + r * I, fk_mask + r * A);
      printf(" %d", a);
    }
    printf("\\n");
  }
  { /* calibration: 2 instructions per iteration */
    int n = 200000;
    t0 = SYST_CVR;
    __asm volatile("1: subs %0, %0, #1\\n bne 1b" : "+r"(n) : : "cc");
    cal = ticks_since(t0);
    printf("CAL %u %d\\n", cal, 400000);
  }
  for (p = 0; p < 2; p++) {
    int s = 0;
    t0 = SYST_CVR;
    for (r = 0; r < N; r++) {
      s += p == 0 ? ${f32Pre}act(fk_in + r * I, fk_mask + r * A) : ${i8Pre}act(fk_in + r * I, fk_mask + r * A);
    }
    cal = ticks_since(t0);
    sink += s;
    printf("T %s %u %d\\n", p == 0 ? "f32" : "i8", cal, N);
  }
  return sink == -1;
}
`;
}

/**
 * WASM glue of one class and precision: exports generic names (`fk_act_batch`, `fk_logits_batch`,
 * `fk_input_size`, `fk_num_actions`) over the generated functions, plus the `memset`/`memcpy` that clang
 * may emit under `-nostdlib`.
 *
 * @example
 * ```ts
 * import { wasmGlue } from "./harness.ts";
 * console.assert(wasmGlue("a_f32", "fk_a_f32_", "FK_A_F32_").includes("fk_act_batch"));
 * ```
 */
export function wasmGlue(base: string, pre: string, macroPre: string): string {
  return `#include "${base}.h"
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
int fk_input_size(void) { return ${macroPre}INPUT_SIZE; }
int fk_num_actions(void) { return ${macroPre}NUM_ACTIONS; }
int fk_act(const float *input, const unsigned char *mask) { return ${pre}act(input, mask); }
void fk_act_batch(const float *inputs, int count, const unsigned char *masks, int *actions) {
  ${pre}act_batch(inputs, count, masks, actions);
}
void fk_logits_batch(const float *inputs, int count, const unsigned char *masks, float *logits) {
  ${pre}masked_logits_batch(inputs, count, masks, logits);
}
`;
}

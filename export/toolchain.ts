/**
 * The build targets of an export and the tools each needs, found on `PATH`:
 *
 * | target      | tools                                                          | Debian packages                                   |
 * | ----------- | -------------------------------------------------------------- | ------------------------------------------------- |
 * | `host`      | `gcc`                                                          | `gcc`                                             |
 * | `cortex-m4` | `arm-none-eabi-gcc`, `arm-none-eabi-size`, `qemu-system-arm`  | `gcc-arm-none-eabi`, `libnewlib-arm-none-eabi`, `qemu-system-arm` |
 * | `wasm`      | `clang`, `wasm-ld`                                             | `clang`, `lld`                                    |
 *
 * A missing tool is a {@linkcode ToolchainError} naming the target, the tool and the package.
 *
 * @example
 * ```ts
 * import { parseTargets } from "./toolchain.ts";
 * console.assert(parseTargets("host,wasm").join() === "host,wasm");
 * ```
 *
 * @module
 */

import { InputError } from "../sim/input_error.ts";

/**
 * Export build targets.
 *
 * @example
 * ```ts
 * import { TARGETS } from "./toolchain.ts";
 * console.assert(TARGETS.includes("cortex-m4"));
 * ```
 */
export const TARGETS = ["host", "cortex-m4", "wasm"] as const;
/** One build target. */
export type Target = typeof TARGETS[number];

/**
 * Tools (and the Debian package that provides each) per target.
 *
 * @example
 * ```ts
 * import { TARGET_TOOLS } from "./toolchain.ts";
 * console.assert(TARGET_TOOLS.wasm[1][0] === "wasm-ld");
 * ```
 */
export const TARGET_TOOLS: Readonly<Record<Target, readonly [string, string][]>> = {
  host: [["gcc", "gcc"]],
  "cortex-m4": [
    ["arm-none-eabi-gcc", "gcc-arm-none-eabi"],
    ["arm-none-eabi-size", "binutils-arm-none-eabi"],
    ["qemu-system-arm", "qemu-system-arm"],
  ],
  wasm: [["clang", "clang"], ["wasm-ld", "lld"]],
};

/**
 * Compiler flags of the Cortex-M4F build (hard-float FPv4-SP, no fused multiply-add).
 *
 * @example
 * ```ts
 * import { M4_FLAGS } from "./toolchain.ts";
 * console.assert(M4_FLAGS.includes("-mfpu=fpv4-sp-d16"));
 * ```
 */
export const M4_FLAGS = [
  "-mcpu=cortex-m4",
  "-mthumb",
  "-mfloat-abi=hard",
  "-mfpu=fpv4-sp-d16",
  "-std=c99",
  "-O2",
  "-ffp-contract=off",
];

/** A target's toolchain is missing or a build step failed. */
export class ToolchainError extends Error {
  /**
   * Builds the error with its full message (the target, the tool and what failed).
   *
   * @example
   * ```ts
   * import { ToolchainError } from "./toolchain.ts";
   * console.assert(new ToolchainError("x").name === "ToolchainError");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "ToolchainError";
  }
}

/**
 * Parses a comma-separated target list; an unknown target is an error naming the flag and the choices.
 *
 * @example
 * ```ts
 * import { parseTargets } from "./toolchain.ts";
 * try {
 *   parseTargets("host,riscv");
 * } catch (e) {
 *   console.log((e as Error).message); // flag --target: unknown target "riscv"; targets are host, cortex-m4, wasm
 * }
 * ```
 */
export function parseTargets(text: string, flag = "--target"): Target[] {
  const out: Target[] = [];
  for (const t of text.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    if (!(TARGETS as readonly string[]).includes(t)) {
      throw new InputError(
        `flag ${flag}: unknown target "${t}"; targets are ${TARGETS.join(", ")}`,
      );
    }
    if (!out.includes(t as Target)) out.push(t as Target);
  }
  if (out.length === 0) {
    throw new InputError(`flag ${flag}: no target given; targets are ${TARGETS.join(", ")}`);
  }
  return out;
}

const found = new Map<string, boolean>();

/**
 * Whether `tool` is on `PATH` (cached per `PATH`).
 *
 * @example
 * ```ts
 * import { hasTool } from "./toolchain.ts";
 * console.assert(!(await hasTool("fleetkd-no-such-tool")));
 * ```
 */
export async function hasTool(tool: string): Promise<boolean> {
  const path = Deno.env.get("PATH") ?? "";
  const key = `${path}\0${tool}`;
  const cached = found.get(key);
  if (cached !== undefined) return cached;
  let ok = false;
  for (const dir of path.split(":")) {
    if (dir === "") continue;
    try {
      const st = await Deno.stat(`${dir}/${tool}`);
      if (st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0) {
        ok = true;
        break;
      }
    } catch { /* not here */ }
  }
  found.set(key, ok);
  return ok;
}

/**
 * The first tool `target` needs that is missing, or undefined when it has them all.
 *
 * @example
 * ```ts
 * import { missingTool } from "./toolchain.ts";
 * const m = await missingTool("host");
 * console.assert(m === undefined || m.tool === "gcc");
 * ```
 */
export async function missingTool(
  target: Target,
): Promise<{ tool: string; pkg: string } | undefined> {
  for (const [tool, pkg] of TARGET_TOOLS[target]) {
    if (!(await hasTool(tool))) return { tool, pkg };
  }
  return undefined;
}

/**
 * Throws a {@linkcode ToolchainError} when `target` lacks a tool.
 *
 * @example
 * ```ts
 * import { requireTarget } from "./toolchain.ts";
 * await requireTarget("host").catch((e) => console.log((e as Error).message));
 * ```
 */
export async function requireTarget(target: Target): Promise<void> {
  const m = await missingTool(target);
  if (m) {
    throw new ToolchainError(
      `Cannot build target "${target}": tool "${m.tool}" is not on PATH (Debian package ${m.pkg}; .ci/run installs it, or drop "${target}" from --target)`,
    );
  }
}

/**
 * Runs `cmd args` in `cwd`; a non-zero exit is a {@linkcode ToolchainError} with the command and its
 * stderr. Returns stdout.
 *
 * @example
 * ```ts
 * import { runTool } from "./toolchain.ts";
 * console.assert((await runTool("sh", ["-c", "echo hi"], ".")).trim() === "hi");
 * ```
 */
export async function runTool(
  cmd: string,
  args: readonly string[],
  cwd: string,
  options: { timeoutMs?: number } = {},
): Promise<string> {
  const controller = new AbortController();
  const timer = options.timeoutMs
    ? setTimeout(() => controller.abort(), options.timeoutMs)
    : undefined;
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, {
      args: [...args],
      cwd,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      signal: controller.signal,
    }).output();
  } catch (e) {
    throw new ToolchainError(`Cannot run "${cmd}": ${(e as Error).message}`);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  const dec = new TextDecoder();
  if (!out.success) {
    const err = dec.decode(out.stderr).trim().split("\n").slice(-12).join("\n");
    throw new ToolchainError(
      `"${cmd} ${args.join(" ")}" failed (exit ${out.code}${
        out.signal ? `, signal ${out.signal}` : ""
      }) in ${cwd}:\n${err}`,
    );
  }
  return dec.decode(out.stdout);
}

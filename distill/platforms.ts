/**
 * Onboard computers the MPE and SMAX students are deployed on (those environments do not model node
 * hardware; the fleet scenarios carry theirs in `scenarios/node-classes.json`). Each is a
 * {@linkcode PlatformBudget}: effective FLOP/s for batch-1 dense float32 code, parameter memory, a deadline
 * as a share of the environment's decision period, fixed overhead time and energy, active power and the
 * latency spread. Sources and derivations: `scenarios/README.md` ("Platforms of the MPE and SMAX
 * students").
 *
 * @example
 * ```ts
 * import { CORTEX_M7_480 } from "./platforms.ts";
 * import { resolveBudget } from "../sim/budget.ts";
 * // SMAX decides every 8 game loops at 22.4 loops/s: 357 ms, a 35.7 ms deadline.
 * const b = resolveBudget(CORTEX_M7_480, (8 / 22.4) * 1000, "marine");
 * console.assert(Math.abs(b.deadlineMs - 35.714) < 1e-3);
 * ```
 *
 * @module
 */

import type { PlatformBudget } from "../sim/budget.ts";

/**
 * Arm Cortex-M4F at 168 MHz: the STM32F405 flight controller of a Crazyflie 2.1 nano-quadcopter (the MPE
 * agents: small robots that spread over landmarks). ~5.3 cycles per float multiply-accumulate (VLDR +
 * VFMA + loop, Cortex-M4 TRM FPU timings) = 6.3e7 FLOP/s; 128 KiB of its 1 MB flash for weights; the
 * decision may take 10% of the period; 40 mA at 3 V in Run at 168 MHz; the 250 mAh 3.7 V battery.
 *
 * @example
 * ```ts
 * import { CORTEX_M4F_168 } from "./platforms.ts";
 * console.assert(CORTEX_M4F_168.flopsPerSecond === 6.3e7);
 * ```
 */
export const CORTEX_M4F_168: PlatformBudget = Object.freeze({
  flopsPerSecond: 6.3e7,
  paramMemoryBytes: 128 * 1024,
  deadlineShare: 0.1,
  overheadMs: 0.02,
  activePowerW: 0.12,
  wakeEnergyJ: 2.4e-6,
  latencySigma: 0.05,
  energyStoreJ: 0.25 * 3.7 * 3600,
});

/**
 * Arm Cortex-M7 at 480 MHz: an STM32H743 on a small ground robot (the SMAX units). ~2 cycles per float
 * multiply-accumulate (dual-issue of the weight load with the pipelined VFMA, weights in the 16 KB D-cache
 * or AXI SRAM) = 4.8e8 FLOP/s; 256 KiB of its 2 MB flash for weights; 10% of the period; ~0.4 W in Run at
 * 480 MHz; a 2S 2,200 mAh LiPo.
 *
 * @example
 * ```ts
 * import { CORTEX_M7_480 } from "./platforms.ts";
 * console.assert(CORTEX_M7_480.flopsPerSecond === 4.8e8);
 * ```
 */
export const CORTEX_M7_480: PlatformBudget = Object.freeze({
  flopsPerSecond: 4.8e8,
  paramMemoryBytes: 256 * 1024,
  deadlineShare: 0.1,
  overheadMs: 0.01,
  activePowerW: 0.4,
  wakeEnergyJ: 4e-6,
  latencySigma: 0.1,
  energyStoreJ: 7.4 * 2.2 * 3600,
});

/**
 * A microcontroller without a floating-point unit (Arm Cortex-M0+ class, e.g. RP2040 / STM32L0 at 48-133
 * MHz): software float at roughly 1 MFLOP/s. Used for the toy environment and environments without a
 * preset of their own; 2% of the decision period (2 ms at the 100 ms given to environments without a
 * clock).
 *
 * @example
 * ```ts
 * import { SOFT_FLOAT_MCU } from "./platforms.ts";
 * console.assert(SOFT_FLOAT_MCU.flopsPerSecond === 1e6);
 * ```
 */
export const SOFT_FLOAT_MCU: PlatformBudget = Object.freeze({
  flopsPerSecond: 1e6,
  paramMemoryBytes: 64 * 1024,
  deadlineShare: 0.02,
  overheadMs: 0.2,
  activePowerW: 0.05,
  wakeEnergyJ: 1e-5,
  latencySigma: 0.02,
});

/**
 * Decision period given to environments without a clock (`decisionPeriodMs` unset, e.g. `toy/matching`)
 * when a deadline share is resolved, ms.
 *
 * @example
 * ```ts
 * import { DEFAULT_DECISION_PERIOD_MS } from "./platforms.ts";
 * console.assert(DEFAULT_DECISION_PERIOD_MS === 100);
 * ```
 */
export const DEFAULT_DECISION_PERIOD_MS = 100;

/**
 * Registry entries of the MPE ports, `mpe/simple_spread` (options `n`, `localRatio`, `maxCycles`) and
 * `mpe/simple_speaker_listener` (option `maxCycles`), for the scenario catalog. Options are validated with errors
 * naming the option and the value.
 *
 * @example
 * ```ts
 * import { mpeEnvEntries } from "./entries.ts";
 * const spread = mpeEnvEntries.find((e) => e.id === "mpe/simple_spread")!;
 * const env = spread.make({ n: 4 });
 * console.assert(env.classes[0].count === 4 && env.maxSteps === 25);
 * ```
 *
 * @module
 */

import type { EnvEntry } from "../env/registry.ts";
import {
  SIMPLE_SPEAKER_LISTENER_ID,
  SimpleSpeakerListenerEnv,
  simpleSpeakerListenerOptions,
} from "./simple_speaker_listener.ts";
import { SIMPLE_SPREAD_ID, SimpleSpreadEnv, simpleSpreadOptions } from "./simple_spread.ts";

/** The MPE environments, ready for the scenario catalog. */
export const mpeEnvEntries: EnvEntry[] = [
  {
    id: SIMPLE_SPREAD_ID,
    description:
      "PettingZoo MPE simple_spread_v3 port: N agents cover N landmarks, avoid collisions (discrete)",
    make: (options) => new SimpleSpreadEnv(simpleSpreadOptions(options ?? {})),
  },
  {
    id: SIMPLE_SPEAKER_LISTENER_ID,
    description:
      "PettingZoo MPE simple_speaker_listener_v4 port: speaker names the goal, listener moves (heterogeneous)",
    make: (options) => new SimpleSpeakerListenerEnv(simpleSpeakerListenerOptions(options ?? {})),
  },
];

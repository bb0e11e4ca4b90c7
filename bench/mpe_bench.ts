/**
 * Benchmark of the MPE ports (`sim/mpe`): environment steps per second on one core, for one environment
 * (`MpeEnv`), for 1,024 copies behind the generic `VectorEnv`, and for 1,024 copies in the specialised
 * struct-of-arrays `MpeBatchEnv`. An "env step" is one step of one environment copy (all its agents act).
 * Actions are uniform random, drawn before timing; episodes auto-reset (25 steps each).
 *
 * PettingZoo cannot run here (PyPI is unreachable), so its figure is not measured in this run: the
 * simple_spread rows quote the one recorded in issue 24 (PettingZoo's MPE through `mpe2`, about 1,435 env
 * steps/s on one core, measured by the session that filed the issue on this 2-core machine; date not
 * recorded), and no target is marked from it (the targets are absolute). Issue 4's "about 2,700 env
 * steps/s" had no stated source and is no longer used. No peer figure is recorded for
 * simple_speaker_listener.
 * Run standalone with `deno run -A bench/mpe_bench.ts`.
 *
 * @example
 * ```ts
 * import { run } from "./mpe_bench.ts";
 * for (const row of await run()) console.log(row.name, Math.round(row.value));
 * ```
 *
 * @module
 */

import { VectorEnv } from "../sim/env/vector.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { Rng } from "../sim/rng.ts";
import { MpeBatchEnv } from "../sim/mpe/batch.ts";
import { MpeEnv } from "../sim/mpe/env.ts";
import type { MpeScenario } from "../sim/mpe/scenario.ts";
import { SimpleSpeakerListenerScenario } from "../sim/mpe/simple_speaker_listener.ts";
import { SimpleSpreadScenario } from "../sim/mpe/simple_spread.ts";
import { type BenchRow, timeIt } from "./report.ts";

const SUITE = "mpe";
const COPIES = 1024;
const PETTINGZOO = "PettingZoo MPE via mpe2, one core (issue 24 figure, not measured here)";
const PETTINGZOO_STEPS_PER_S = 1435;
const PEER_NOTE = "; comparison not measured in this run (PyPI unreachable): issue 24 records " +
  "PettingZoo's MPE through mpe2 at about 1,435 env steps/s on one core of this machine (date not " +
  "recorded); no target is marked from it";
const TARGET = 100_000;
const ACTION_SETS = 64;

/** Pre-drawn random action batches, `ACTION_SETS` of them, cycled through while timing. */
function actionSets(
  classes: readonly { count: number; numActions: number }[],
  copies: number,
): Int32Array[][] {
  const rng = new Rng(1, "mpe-bench");
  return Array.from(
    { length: ACTION_SETS },
    () =>
      classes.map((c) =>
        Int32Array.from({ length: copies * c.count }, () => rng.int(c.numActions))
      ),
  );
}

function singleEnvStepsPerSecond(env: MultiAgentEnv): number {
  const sets = actionSets(env.classes, 1);
  const steps = 2500;
  let k = 0;
  let seed = 0;
  env.reset(seed++);
  const sec = timeIt(() => {
    for (let t = 0; t < steps; t++) {
      const r = env.step(sets[k++ % ACTION_SETS]);
      if (r.done) env.reset(seed++);
    }
  }, 700);
  return steps / sec;
}

function vectorStepsPerSecond(venv: VectorEnv | MpeBatchEnv): number {
  const sets = actionSets(venv.classes, venv.numEnvs);
  const steps = 25;
  let k = 0;
  venv.reset(1);
  const sec = timeIt(() => {
    for (let t = 0; t < steps; t++) {
      venv.step(sets[k++ % ACTION_SETS]);
      venv.completed.length = 0;
    }
  }, 700);
  return (venv.numEnvs * steps) / sec;
}

function rowsFor(
  label: string,
  make: (copies: number) => MpeScenario,
  peer: boolean,
): BenchRow[] {
  const single = singleEnvStepsPerSecond(new MpeEnv(make(1)));
  const generic = vectorStepsPerSecond(
    new VectorEnv(Array.from({ length: COPIES }, () => new MpeEnv(make(1)))),
  );
  const batched = vectorStepsPerSecond(new MpeBatchEnv(make(COPIES)));
  const common = {
    suite: SUITE,
    unit: "env steps/s",
    comparisonName: peer ? PETTINGZOO : undefined,
    comparison: peer ? PETTINGZOO_STEPS_PER_S : undefined,
  };
  const tail = peer ? PEER_NOTE : "; no peer figure recorded for this scenario";
  return [
    {
      ...common,
      name: `${label}: single env`,
      value: single,
      note: "MpeEnv, one core" + tail,
    },
    {
      ...common,
      name: `${label}: VectorEnv x ${COPIES}`,
      value: generic,
      target: ">= 100,000 env steps/s",
      met: generic >= TARGET,
      note: "generic sim/env/vector.ts over MpeEnv copies, one core" + tail,
    },
    {
      ...common,
      name: `${label}: MpeBatchEnv x ${COPIES}`,
      value: batched,
      target: ">= 100,000 env steps/s",
      met: batched >= TARGET,
      note: "struct-of-arrays over all copies, one core" + tail,
    },
  ];
}

/** Runs the MPE benchmark and returns its rows. */
export function run(): Promise<BenchRow[]> {
  const loadBefore = Deno.loadavg()[0];
  const rows = [
    ...rowsFor("simple_spread (N=3)", (k) => new SimpleSpreadScenario({}, k), true),
    ...rowsFor("simple_speaker_listener", (k) => new SimpleSpeakerListenerScenario({}, k), false),
  ];
  const load =
    `; 1-min load average ${loadBefore.toFixed(1)} -> ${Deno.loadavg()[0].toFixed(1)} on ` +
    `${navigator.hardwareConcurrency} cores (shared machine)`;
  for (const r of rows) r.note = (r.note ?? "") + load;
  return Promise.resolve(rows);
}

if (import.meta.main) console.table(await run());

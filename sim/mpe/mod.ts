/**
 * Faithful ports of PettingZoo's (Farama) MPE `simple_spread_v3` and `simple_speaker_listener_v4`, discrete
 * actions, written from PettingZoo's Python at commit 478ff2efd41ee4cb7ba98d1dbeed33a0e8e485d1 (the last
 * with `pettingzoo/mpe/`; the MPE2 package has the same physics and rewards).
 *
 * - `core.ts`: the world (physics in Float64 as numpy computes it, batched over copies);
 * - `simple_spread.ts`, `simple_speaker_listener.ts`: the scenarios and their single environments;
 * - `env.ts` ({@linkcode MpeEnv}): one world as a fleetkd `MultiAgentEnv`;
 * - `batch.ts` ({@linkcode MpeBatchEnv}): many worlds with `VectorEnv`'s fields and seeding, for speed;
 * - `entries.ts` ({@linkcode mpeEnvEntries}): registry entries `mpe/simple_spread` and
 *   `mpe/simple_speaker_listener`.
 *
 * Differences from PettingZoo, all outside the dynamics: reset draws from fleetkd's seeded `Rng` (same
 * distributions, not numpy's stream, so a seed does not reproduce a PettingZoo seed); rewards are stored as
 * Float32 (PettingZoo returns Python floats); continuous actions are not ported.
 *
 * ## Replaying a PettingZoo trajectory step by step
 *
 * Dump the world after `reset` from Python and the actions you play:
 *
 * ```text
 * env = simple_spread_v3.parallel_env()        # or simple_speaker_listener_v4
 * env.reset(seed=0)
 * w = env.unwrapped.world
 * world = {"agentPos": [float(x) for a in w.agents for x in a.state.p_pos],
 *          "agentVel": [float(x) for a in w.agents for x in a.state.p_vel],
 *          "landmarkPos": [float(x) for l in w.landmarks for x in l.state.p_pos]}
 * # speaker_listener only: "goal": w.landmarks.index(w.agents[0].goal_b)
 * # then per step: actions, env.step(actions), and the observations / rewards it returns
 * ```
 *
 * then load the same world here with `env.setWorldState(world)` and step with the same actions
 * (`actions[classIndex][index]`, agents in PettingZoo's order): observations agree to the last Float32 bit
 * and positions/velocities (`env.getWorldState()`) to the last Float64 bit. `testdata/pettingzoo_reference.py`
 * does the Python side with PettingZoo's own MPE files and numpy only (`replay` mode reads a JSON spec of
 * world and actions and prints every step); it was used to check 240 episodes bit for bit, and to measure
 * the random-policy returns that `reference_test.ts` compares against.
 *
 * @example
 * ```ts
 * import { MpeBatchEnv, SimpleSpreadEnv, SimpleSpreadScenario } from "./mod.ts";
 * const env = new SimpleSpreadEnv({ n: 3, localRatio: 0.5 });
 * env.setWorldState({
 *   agentPos: [0.1, 0.2, -0.3, 0.4, 0.5, -0.6],
 *   agentVel: [0, 0, 0, 0, 0, 0],
 *   landmarkPos: [0.9, 0.9, -0.9, 0, 0, -0.9],
 * });
 * const r = env.step([Int32Array.of(0, 2, 4)]);
 * console.assert(r.classes[0].obs.length === 54);
 * const venv = new MpeBatchEnv(new SimpleSpreadScenario({}, 1024));
 * venv.reset(1);
 * ```
 *
 * @module
 */

export * from "./core.ts";
export type { MpeScenario } from "./scenario.ts";
export { MpeEnv } from "./env.ts";
export { MpeBatchEnv } from "./batch.ts";
export * from "./simple_spread.ts";
export * from "./simple_speaker_listener.ts";
export { mpeEnvEntries } from "./entries.ts";

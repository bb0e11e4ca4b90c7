/**
 * The conformance check every fleetkd environment passes, modelled on PettingZoo's `parallel_api_test`:
 * shapes, action-0 legality, reproducibility bit for bit, episode ends, buffer reuse and clear errors for
 * illegal actions, and, where the environment describes its observation layout, a well-formed layout whose
 * invisible entities are written as zeros. `tests/conformance_test.ts` runs it against every registered
 * environment.
 *
 * @example
 * ```ts
 * import { checkConformance } from "./conformance.ts";
 * import { MatchingEnv } from "../toy/matching.ts";
 * checkConformance(() => new MatchingEnv(), { episodes: 2 }); // throws naming the first violation
 * ```
 *
 * @module
 */

import { Rng } from "../rng.ts";
import type { MultiAgentEnv, StepResult } from "./types.ts";
import { validateLayout } from "./observation_layout.ts";

/** Options of {@linkcode checkConformance}. */
export interface ConformanceOptions {
  /** Episodes to play per seed (default 2). */
  episodes?: number;
  /** Cap on steps per episode checked (default: the env's maxSteps). */
  maxStepsChecked?: number;
  /** Whether different seeds must give different first observations or states (default true). */
  seedsMatter?: boolean;
}

class ConformanceError extends Error {
  constructor(envId: string, message: string) {
    super(`Environment "${envId}" fails conformance: ${message}`);
    this.name = "ConformanceError";
  }
}

function checkFinite(envId: string, what: string, arr: ArrayLike<number>): void {
  for (let i = 0; i < arr.length; i++) {
    if (!Number.isFinite(arr[i])) throw new ConformanceError(envId, `${what}[${i}] is ${arr[i]}`);
  }
}

function snapshot(env: MultiAgentEnv, r: StepResult): string {
  const parts: string[] = [];
  for (const b of r.classes) {
    parts.push(
      Array.from(b.obs).join(","),
      Array.from(b.actionMask).join(""),
      Array.from(b.rewards).join(","),
      Array.from(b.terminations).join(""),
      Array.from(b.truncations).join(""),
    );
  }
  parts.push(Array.from(env.state()).join(","), String(r.done), JSON.stringify(r.infos));
  return parts.join("|");
}

/** Plays random legal actions from the masks, drawn from `rng`. */
function randomLegalActions(env: MultiAgentEnv, r: StepResult, rng: Rng, out: Int32Array[]): void {
  env.classes.forEach((c, ci) => {
    const mask = r.classes[ci].actionMask;
    for (let i = 0; i < c.count; i++) {
      let legal = 0;
      for (let k = 0; k < c.numActions; k++) legal += mask[i * c.numActions + k];
      let pick = rng.int(legal);
      for (let k = 0; k < c.numActions; k++) {
        if (mask[i * c.numActions + k] && pick-- === 0) {
          out[ci][i] = k;
          break;
        }
      }
    }
  });
}

function checkShapes(env: MultiAgentEnv, r: StepResult, step: number): void {
  const id = env.id;
  if (r.classes.length !== env.classes.length) {
    throw new ConformanceError(
      id,
      `result has ${r.classes.length} class buffers, expected ${env.classes.length}`,
    );
  }
  env.classes.forEach((c, ci) => {
    const b = r.classes[ci];
    const where = `step ${step}, class "${c.name}"`;
    if (b.obs.length !== c.count * c.obsSize) {
      throw new ConformanceError(
        id,
        `${where}: obs has ${b.obs.length} values, expected ${c.count * c.obsSize}`,
      );
    }
    if (b.actionMask.length !== c.count * c.numActions) {
      throw new ConformanceError(id, `${where}: actionMask length ${b.actionMask.length}`);
    }
    for (
      const [name, arr] of [["rewards", b.rewards], ["terminations", b.terminations], [
        "truncations",
        b.truncations,
      ]] as const
    ) {
      if (arr.length !== c.count) {
        throw new ConformanceError(id, `${where}: ${name} length ${arr.length}`);
      }
    }
    checkFinite(id, `${where}: obs`, b.obs);
    checkFinite(id, `${where}: rewards`, b.rewards);
    for (let i = 0; i < c.count; i++) {
      if (b.actionMask[i * c.numActions] !== 1) {
        throw new ConformanceError(id, `${where}: action 0 of agent ${i} is not legal`);
      }
      for (let k = 0; k < c.numActions; k++) {
        const m = b.actionMask[i * c.numActions + k];
        if (m !== 0 && m !== 1) {
          throw new ConformanceError(id, `${where}: mask value ${m} is not 0/1`);
        }
      }
    }
  });
  for (const [key, value] of Object.entries(r.infos)) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new ConformanceError(
        id,
        `step ${step}: infos.${key} is ${value}, expected a finite number`,
      );
    }
  }
}

/**
 * Checks `makeEnv()`'s environment against the API contract; throws a `ConformanceError` naming the first
 * violation. Builds two instances to check that they evolve identically from the same seed.
 */
export function checkConformance(
  makeEnv: () => MultiAgentEnv,
  options: ConformanceOptions = {},
): void {
  const episodes = options.episodes ?? 2;
  const a = makeEnv();
  const b = makeEnv();
  const id = a.id;
  if (a.classes.length === 0) throw new ConformanceError(id, "has no agent classes");
  let agentTotal = 0;
  for (const c of a.classes) {
    if (!(c.count > 0 && c.obsSize > 0 && c.numActions >= 1)) {
      throw new ConformanceError(
        id,
        `class "${c.name}" has count ${c.count}, obsSize ${c.obsSize}, numActions ${c.numActions}`,
      );
    }
    if (c.actionNames && c.actionNames.length !== c.numActions) {
      throw new ConformanceError(
        id,
        `class "${c.name}" names ${c.actionNames.length} of ${c.numActions} actions`,
      );
    }
    agentTotal += c.count;
  }
  if (a.agents.length !== agentTotal) {
    throw new ConformanceError(id, `agents lists ${a.agents.length}, classes hold ${agentTotal}`);
  }
  if (new Set(a.agents.map((r) => r.id)).size !== agentTotal) {
    throw new ConformanceError(id, "agent ids are not unique");
  }
  if (!(a.stateSize > 0) || !(a.maxSteps > 0)) {
    throw new ConformanceError(id, `stateSize ${a.stateSize}, maxSteps ${a.maxSteps}`);
  }
  // Observation layouts, where the environment describes them: well formed, the class's size, and an
  // entity flagged invisible is written as zeros (what an observation view relies on).
  const layouts = a.classes.map((c, ci) => {
    const layout = a.observationLayout?.(ci);
    if (!layout) return undefined;
    try {
      validateLayout(layout, `class "${c.name}"`);
    } catch (e) {
      throw new ConformanceError(id, (e as Error).message);
    }
    if (layout.size !== c.obsSize) {
      throw new ConformanceError(
        id,
        `class "${c.name}": observation layout covers ${layout.size} values, obsSize is ${c.obsSize}`,
      );
    }
    return layout;
  });
  const checkLayouts = (r: StepResult, step: number) =>
    layouts.forEach((layout, ci) => {
      if (!layout) return;
      const obs = r.classes[ci].obs;
      for (let i = 0; i < a.classes[ci].count; i++) {
        for (const seg of layout.segments) {
          if (seg.kind !== "entities" || seg.visibleFeature === undefined) continue;
          for (let e = 0; e < seg.count; e++) {
            const o = i * layout.size + seg.offset + e * seg.features;
            if (obs[o + seg.visibleFeature] !== 0) continue;
            for (let f = 0; f < seg.features; f++) {
              if (obs[o + f] !== 0) {
                throw new ConformanceError(
                  id,
                  `step ${step}: class "${
                    a.classes[ci].name
                  }" agent ${i}: ${seg.name}[${e}] is flagged invisible but feature ${f} is ${
                    obs[o + f]
                  }`,
                );
              }
            }
          }
        }
      }
    });

  const firstSnapshots: string[] = [];
  for (let ep = 0; ep < episodes; ep++) {
    const seed = 1000 + ep;
    const rngA = new Rng(seed, "conformance");
    const rngB = new Rng(seed, "conformance");
    const actsA = a.classes.map((c) => new Int32Array(c.count));
    const actsB = a.classes.map((c) => new Int32Array(c.count));
    let ra = a.reset(seed);
    let rb = b.reset(seed);
    checkShapes(a, ra, 0);
    checkLayouts(ra, 0);
    for (const batch of ra.classes) {
      if (batch.rewards.some((x) => x !== 0)) {
        throw new ConformanceError(id, "rewards are not zero after reset");
      }
    }
    if (ra.done) throw new ConformanceError(id, "episode is done right after reset");
    const state = a.state();
    if (state.length !== a.stateSize) {
      throw new ConformanceError(
        id,
        `state() has ${state.length} values, stateSize is ${a.stateSize}`,
      );
    }
    checkFinite(id, "state()", state);
    const out = new Float32Array(a.stateSize);
    if (a.state(out) !== out) throw new ConformanceError(id, "state(out) does not return out");
    if (out.join() !== state.join()) {
      throw new ConformanceError(id, "state(out) differs from state()");
    }
    let snapA = snapshot(a, ra);
    if (snapA !== snapshot(b, rb)) {
      throw new ConformanceError(id, `two instances reset with seed ${seed} differ`);
    }
    firstSnapshots.push(snapA);
    const limit = Math.min(options.maxStepsChecked ?? a.maxSteps, a.maxSteps);
    let steps = 0;
    while (!ra.done && steps < limit) {
      randomLegalActions(a, ra, rngA, actsA);
      randomLegalActions(b, rb, rngB, actsB);
      const prev = ra;
      ra = a.step(actsA);
      rb = b.step(actsB);
      steps++;
      if (ra !== prev) {
        throw new ConformanceError(id, "step() returned a new result object instead of reusing it");
      }
      checkShapes(a, ra, steps);
      checkLayouts(ra, steps);
      checkFinite(id, `state() at step ${steps}`, a.state(out));
      snapA = snapshot(a, ra);
      if (snapA !== snapshot(b, rb)) {
        throw new ConformanceError(
          id,
          `two instances diverge at step ${steps} of the episode with seed ${seed}`,
        );
      }
      let allOver = true;
      a.classes.forEach((c, ci) => {
        for (let i = 0; i < c.count; i++) {
          if (!ra.classes[ci].terminations[i] && !ra.classes[ci].truncations[i]) allOver = false;
        }
      });
      if (ra.done !== allOver) {
        throw new ConformanceError(
          id,
          `step ${steps}: done is ${ra.done} but every-agent-over is ${allOver}`,
        );
      }
    }
    if (limit === a.maxSteps && !ra.done) {
      throw new ConformanceError(id, `episode not over after maxSteps ${a.maxSteps}`);
    }
  }
  if ((options.seedsMatter ?? true) && episodes > 1 && new Set(firstSnapshots).size === 1) {
    throw new ConformanceError(
      id,
      "reset with different seeds gives identical observations and state",
    );
  }
  // An illegal action is rejected with an error naming the agent.
  a.reset(7);
  const bad = a.classes.map((c) => new Int32Array(c.count));
  bad[0][0] = a.classes[0].numActions; // out of range
  let threw = false;
  try {
    a.step(bad);
  } catch (e) {
    threw = e instanceof Error && e.message.includes(`${a.classes[0].name}_0`);
    if (!threw) {
      throw new ConformanceError(id, `illegal action error does not name the agent: ${e}`);
    }
  }
  if (!threw) throw new ConformanceError(id, "an out-of-range action was accepted");
}

import assert from "node:assert/strict";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { PolicyController } from "./controller.ts";
import { PlainActor } from "./plain.ts";
import type { PolicySet } from "./policy_set.ts";

/** A policy set whose every class has uniform logits (zero weights): argmax is always action 0. */
function uniformSet(env: MatchingEnv): PolicySet {
  return {
    classes: env.classes.map((c) => ({
      name: c.name,
      actor: PlainActor.fromWeights({
        obsSize: c.obsSize,
        agentIdSize: 0,
        numActions: c.numActions,
        hiddenSizes: [],
        activation: "relu",
        kind: "mlp",
      }, [new Float32Array(c.obsSize * c.numActions), new Float32Array(c.numActions)]),
    })),
  };
}

function episodeActions(controller: PolicyController, env: MatchingEnv, seed: number): number[] {
  const out = env.classes.map((c) => new Int32Array(c.count));
  const seen: number[] = [];
  let r = env.reset(seed);
  controller.reset(seed);
  while (!r.done) {
    controller.act(r, out);
    for (const a of out) seen.push(...a);
    r = env.step(out);
  }
  return seen;
}

Deno.test("PolicyController greedy acts on the argmax; sample draws every legal action, seeded by reset", () => {
  const env = new MatchingEnv();
  const set = uniformSet(env);
  const greedy = episodeActions(new PolicyController("g", set), env, 1);
  assert.ok(greedy.every((a) => a === 0), `greedy on uniform logits: ${greedy}`);

  const sampler = new PolicyController("s", set, { actions: "sample" });
  const counts = new Map<number, number>();
  for (let ep = 0; ep < 50; ep++) {
    for (const a of episodeActions(sampler, env, ep)) counts.set(a, (counts.get(a) ?? 0) + 1);
  }
  // MatchingEnv's classes have 4 and 3 actions: uniform sampling reaches every one of them.
  assert.deepEqual([...counts.keys()].sort(), [0, 1, 2, 3]);
  // Replaying an episode seed replays its draws, whatever ran before.
  const first = episodeActions(sampler, env, 7);
  episodeActions(sampler, env, 8);
  assert.deepEqual(episodeActions(sampler, env, 7), first);
  assert.notDeepEqual(episodeActions(sampler, env, 9), first);
});

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import type { ComputeBudget } from "../sim/budget.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { Actor, type ActorSpec } from "./actor.ts";
import { initBackend } from "./backend.ts";
import { actorCost } from "./cost.ts";
import { LatencyGate } from "./latency.ts";
import type { PolicySet } from "./policy_set.ts";
import { actPolicySet, releasePolicySet } from "./runtime.ts";
import { sizeStudent } from "./sizing.ts";

const weak: ComputeBudget = {
  flopsPerSecond: 1e6,
  paramMemoryBytes: 1e6,
  deadlineMs: 10,
  overheadMs: 1,
  activePowerW: 0.5,
  wakeEnergyJ: 1e-3,
  latencySigma: 0,
};
const strong: ComputeBudget = { ...weak, flopsPerSecond: 1e12 };

/**
 * An actor that picks the cued action: the cue one-hot passes through identity blocks of the hidden layers
 * (relu keeps it), then action i gets 10 * cue_i. `hidden` pads the network to any width.
 */
function cueActor(obsSize: number, numActions: number, hidden: number[], name: string): Actor {
  const spec: ActorSpec = {
    obsSize,
    agentIdSize: 0,
    numActions,
    hiddenSizes: hidden,
    activation: "relu",
    kind: "mlp",
  };
  const actor = new Actor(spec, { seed: 0, name });
  const sizes = [obsSize, ...hidden, numActions];
  const weights: Float32Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fin = sizes[l], fout = sizes[l + 1];
    const k = new Float32Array(fin * fout);
    const last = l + 2 === sizes.length;
    for (let i = 0; i < Math.min(obsSize, fin, fout); i++) k[i * fout + i] = last ? 10 : 1;
    weights.push(k, new Float32Array(fout));
  }
  actor.net.setWeights(weights);
  return actor;
}

function makeSet(env: MatchingEnv, hidden: (obsSize: number) => number[], tag: string): PolicySet {
  return {
    classes: env.classes.map((c) => ({
      name: c.name,
      actor: cueActor(c.obsSize, c.numActions, hidden(c.obsSize), `lat_t_${tag}_${c.name}`),
    })),
  };
}

function runEpisodes(set: PolicySet, budget: ComputeBudget, episodes: number) {
  const env = new MatchingEnv();
  const gate = new LatencyGate(
    env.classes.map((c, i) => ({
      name: c.name,
      count: c.count,
      numActions: c.numActions,
      budget,
      flopsPerDecision: actorCost(set.classes[i].actor.spec).flops,
    })),
  );
  const chosen = env.classes.map((c) => new Int32Array(c.count));
  let total = 0;
  for (let e = 0; e < episodes; e++) {
    let step = env.reset(100 + e);
    gate.resetEpisode();
    while (!step.done) {
      actPolicySet(set, step.classes, chosen, { greedy: true });
      const masks = step.classes.map((b) => b.actionMask);
      step = env.step(gate.filter(chosen, masks));
      for (const b of step.classes) for (const r of b.rewards) total += r;
    }
  }
  return { meanReturn: total / episodes, stats: gate.stats() };
}

Deno.test("LatencyGate: an oversized teacher on a weak node loses return to a fitting student", async () => {
  await initBackend("wasm");
  const env = new MatchingEnv();
  const teacher = makeSet(env, () => [256, 256], "teacher");
  const student = makeSet(env, (obs) => [obs], "student");
  const before = tf.memory().numTensors;
  // Sanity: the sizer agrees the teacher does not fit and a student does.
  const sized = sizeStudent(weak, 5, 4, {
    teacher: teacher.classes[0].actor.spec,
    budgetName: "weak",
  });
  assert.equal(sized.teacherFits, false);

  const t = runEpisodes(teacher, weak, 10);
  const s = runEpisodes(student, weak, 10);
  const tStrong = runEpisodes(teacher, strong, 10);
  assert.equal(tf.memory().numTensors, before);
  // With compute to spare, the teacher is as good as the student (both pick the cued action): optimal 48.
  assert.ok(Math.abs(tStrong.meanReturn - 48) < 1e-4, `${tStrong.meanReturn}`);
  assert.ok(Math.abs(s.meanReturn - 48) < 1e-4, `${s.meanReturn}`);
  assert.ok(t.meanReturn < s.meanReturn - 10, `teacher ${t.meanReturn} vs student ${s.meanReturn}`);
  for (const st of t.stats) {
    assert.ok(st.latencyMs > st.deadlineMs);
    assert.equal(st.misses, st.decisions);
    assert.ok(st.misses > 0);
  }
  for (const st of s.stats) {
    assert.ok(st.latencyMs <= st.deadlineMs);
    assert.equal(st.misses, 0);
    assert.equal(st.missRate, 0);
  }
  assert.equal(s.stats[0].decisions, 10 * 8 * 2);
  // Energy from compute: 160 decisions x (0.5 W x FLOPs / 1e6 FLOP/s + 1 mJ).
  const flops = actorCost(student.classes[0].actor.spec).flops;
  assert.ok(Math.abs(s.stats[0].energyJ - 160 * (0.5 * flops / 1e6 + 1e-3)) < 1e-12);
  // The teacher's decisions cost more energy than the student's, in proportion to their compute.
  assert.ok(t.stats[0].energyPerDecisionJ > s.stats[0].energyPerDecisionJ * 5);
  for (const set of [teacher, student]) {
    releasePolicySet(set);
    for (const c of set.classes) (c.actor as Actor).dispose();
  }
});

Deno.test("LatencyGate: hold keeps the previous action, default applies the default, masks guard held actions", () => {
  const slow: ComputeBudget = {
    flopsPerSecond: 1,
    paramMemoryBytes: 1,
    deadlineMs: 1,
    overheadMs: 0,
    activePowerW: 0,
    wakeEnergyJ: 0,
    latencySigma: 0,
  };
  const fast = { ...slow, flopsPerSecond: 1e12 };
  const cls = (
    budget: ComputeBudget,
  ) => [{ name: "n", count: 2, numActions: 3, budget, flopsPerDecision: 100 }];
  // A gate whose class misses: the first decision gets the default (2), then it is held.
  const hold = new LatencyGate(cls(slow), { defaultAction: 2 });
  assert.deepEqual(Array.from(hold.filter([Int32Array.of(1, 1)])[0]), [2, 2]);
  // Held action 2 now illegal for agent 1 -> action 0.
  assert.deepEqual(
    Array.from(hold.filter([Int32Array.of(1, 1)], [Uint8Array.of(1, 1, 1, 1, 1, 0)])[0]),
    [2, 0],
  );
  assert.deepEqual(hold.stats()[0].misses, 4);
  const def = new LatencyGate(cls(slow), { onMiss: "default" });
  assert.deepEqual(Array.from(def.filter([Int32Array.of(1, 2)])[0]), [0, 0]);
  const ok = new LatencyGate(cls(fast));
  assert.deepEqual(Array.from(ok.filter([Int32Array.of(1, 2)])[0]), [1, 2]);
  assert.equal(ok.stats()[0].misses, 0);
  assert.throws(
    () => new LatencyGate([{ ...cls(fast)[0], flopsPerDecision: -1 }]),
    /flopsPerDecision must be finite and >= 0, got -1/,
  );
  assert.throws(() => ok.filter([Int32Array.of(1)]), /class "n" has 2 agents, got 1 chosen/);
});

Deno.test("LatencyGate: with a decision period, a late decision takes effect ceil(latency / period) epochs later", () => {
  // 1.5 ms of work per decision on a 1 ms epoch: lag ceil(1.5 / 1) = 2 epochs.
  const budget: ComputeBudget = {
    flopsPerSecond: 1e6,
    paramMemoryBytes: 1e6,
    deadlineMs: 0.5,
    overheadMs: 0,
    activePowerW: 2,
    wakeEnergyJ: 1e-3,
    latencySigma: 0,
  };
  const gate = new LatencyGate([{ name: "node", count: 1, budget, flopsPerDecision: 1500 }], {
    decisionPeriodMs: 1,
  });
  const applied: number[] = [];
  for (const chosen of [1, 2, 3, 4, 5, 6]) applied.push(gate.filter([Int32Array.of(chosen)])[0][0]);
  // Decisions start at epochs 0, 2, 4 (the processor is busy in between) and act 2 epochs later.
  assert.deepEqual(applied, [0, 0, 1, 1, 3, 3]);
  const [stats] = gate.stats();
  assert.equal(stats.decisions, 3);
  assert.equal(stats.misses, 3);
  assert.equal(stats.busyEpochs, 3);
  // Three decisions ran, each 2 W x 1.5 ms + 1 mJ = 4 mJ.
  assert.ok(Math.abs(stats.energyJ - 3 * 4e-3) < 1e-15, `${stats.energyJ}`);
  gate.resetEpisode();
  assert.equal(gate.filter([Int32Array.of(4)])[0][0], 0); // a new episode starts from the default
  assert.throws(
    () =>
      new LatencyGate([{
        name: "node",
        count: 1,
        budget: { ...budget, deadlineMs: 2 },
        flopsPerDecision: 1,
      }], {
        decisionPeriodMs: 1,
      }),
    /class "node": deadlineMs 2 exceeds the decision period 1 ms/,
  );
});

Deno.test("LatencyGate: energy per decision against a hand-computed Cortex-M4F case", () => {
  // 30,000 FLOPs at 3e7 FLOP/s = 1 ms at 24 mW = 24 uJ, plus 1.2 uJ to wake: 25.2 uJ per decision.
  const m4f: ComputeBudget = {
    flopsPerSecond: 3e7,
    paramMemoryBytes: 65536,
    deadlineMs: 3,
    overheadMs: 0.05,
    activePowerW: 0.024,
    wakeEnergyJ: 1.2e-6,
    latencySigma: 0,
  };
  const gate = new LatencyGate([{ name: "mcu", count: 4, budget: m4f, flopsPerDecision: 30_000 }]);
  for (let e = 0; e < 5; e++) gate.filter([Int32Array.of(1, 2, 1, 2)]);
  const [st] = gate.stats();
  assert.ok(Math.abs(st.latencyMs - 1.05) < 1e-12);
  assert.ok(Math.abs(st.energyPerDecisionJ - 25.2e-6) < 1e-15);
  assert.equal(st.decisions, 20);
  assert.ok(Math.abs(st.energyJ - 20 * 25.2e-6) < 1e-15);
  assert.equal(st.misses, 0);
});

Deno.test("LatencyGate: a deadline equal to the decision period misses at the latency distribution's tail", () => {
  // sigma 0.25, nominal 100 ms * exp(-0.25 * 1.6449) = 66.3 ms: P(L > 100 ms) = Q(1.6449) = 5%.
  const period = 100;
  const sigma = 0.25;
  const nominal = period * Math.exp(-sigma * 1.6448536);
  const budget: ComputeBudget = {
    flopsPerSecond: 1e6,
    paramMemoryBytes: 1e6,
    deadlineMs: period,
    overheadMs: 0,
    activePowerW: 0,
    wakeEnergyJ: 0,
    latencySigma: sigma,
  };
  const cls = [{ name: "node", count: 500, budget, flopsPerDecision: nominal * 1000 }];
  const gate = new LatencyGate(cls, { decisionPeriodMs: period });
  assert.ok(Math.abs(gate.missProbability(0) - 0.05) < 1e-6, `${gate.missProbability(0)}`);
  const chosen = [new Int32Array(500).fill(1)];
  for (let episode = 0; episode < 4; episode++) {
    gate.resetEpisode(1000 + episode);
    for (let e = 0; e < 100; e++) gate.filter(chosen);
  }
  const [st] = gate.stats();
  // Each miss keeps its node busy for at least one more epoch, so fewer than 200,000 decisions start.
  assert.ok(st.decisions > 180_000 && st.decisions < 200_000, `${st.decisions}`);
  assert.equal(st.busyEpochs, 200_000 - st.decisions);
  // Binomial: sd = sqrt(0.05 * 0.95 / n) ~ 5e-4. A 4-sd band fails a correct model with probability
  // 6e-5; the seeded draws make the outcome fixed, the band says how far off a wrong model may hide.
  const sd = Math.sqrt((0.05 * 0.95) / st.decisions);
  assert.ok(Math.abs(st.missRate - 0.05) < 4 * sd, `miss rate ${st.missRate}, sd ${sd}`);
  assert.ok(st.missRateCi95[0] < 0.05 && 0.05 < st.missRateCi95[1], `${st.missRateCi95}`);
  // A model without the spread would miss 0% (nominal < deadline); one with 1.5x the spread 13.6%.
  assert.ok(st.missRate > 0.04 && st.missRate < 0.06);
});

Deno.test("LatencyGate: latency draws replay from the episode seed", () => {
  const budget: ComputeBudget = {
    flopsPerSecond: 1e6,
    paramMemoryBytes: 1e6,
    deadlineMs: 1,
    overheadMs: 0,
    activePowerW: 0,
    wakeEnergyJ: 0,
    latencySigma: 0.3,
  };
  const run = (seed: number) => {
    const gate = new LatencyGate([{ name: "a", count: 50, budget, flopsPerDecision: 1000 }]);
    gate.resetEpisode(seed);
    const seen: number[] = [];
    for (let e = 0; e < 20; e++) seen.push(...gate.filter([new Int32Array(50).fill(1)])[0]);
    return { seen, misses: gate.stats()[0].misses };
  };
  assert.deepEqual(run(7), run(7));
  assert.notDeepEqual(run(7).seen, run(8).seen);
  // The deadline sits at the median: about half the decisions miss.
  assert.ok(run(7).misses > 400 && run(7).misses < 600, `${run(7).misses}`);
});

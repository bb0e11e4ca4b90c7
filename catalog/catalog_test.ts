import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../policies/backend.ts";
import { builtinEnvEntries } from "../sim/builtin_envs.ts";
import { MatchingEnv } from "../sim/toy/matching.ts";
import { presetFor } from "../distill/presets.ts";
import type { ScenarioEntry } from "../distill/scenario.ts";
import { parsePlan } from "../distill/study_plan.ts";
import { createApp } from "../server/app.ts";
import {
  availablePolicies,
  builtinScenarios,
  defaultCatalog,
  deployPolicy,
  FLEET_MODEL_SOURCE,
  policyName,
  ScenarioCatalog,
  UnknownScenarioError,
} from "./mod.ts";

await initBackend("cpu");

const toy = (id: string, name = id.slice(id.indexOf("/") + 1)): ScenarioEntry => ({
  id,
  name,
  description: `toy ${id}`,
  make: () => new MatchingEnv(),
  modelsDir: `scenarios/${id.replace("/", "__")}/models`,
  preset: presetFor("toy/matching"),
});

Deno.test("catalog: ids and unique short names resolve; unknown and ambiguous names are input errors", () => {
  const c = new ScenarioCatalog([toy("a/one"), toy("b/one"), toy("a/two")]);
  assert.equal(c.get("a/one").id, "a/one");
  assert.equal(c.get("two").id, "a/two");
  assert.equal(c.resolve("two"), "a/two");
  assert.deepEqual(c.list().map((e) => e.id), ["a/one", "a/two", "b/one"]);
  assert.throws(
    () => c.get("one"),
    (e: Error) =>
      e instanceof UnknownScenarioError &&
      /"one" is ambiguous: it names a\/one, b\/one/.test(e.message),
  );
  assert.throws(
    () => c.get("three"),
    (e: Error) =>
      e instanceof UnknownScenarioError &&
      /Unknown scenario "three"; available: a\/one, a\/two, b\/one/.test(e.message),
  );
  assert.equal(c.has("one"), false);
  assert.equal(c.has("two"), true);
});

Deno.test("catalog: a taken id, a malformed id and a short name that is not the id's tail are refused", () => {
  assert.throws(() => new ScenarioCatalog([toy("a/one"), toy("a/one")]), /"a\/one".*id is taken/);
  assert.throws(() => new ScenarioCatalog([toy("noslash", "noslash")]), /"family\/name"/);
  assert.throws(
    () => new ScenarioCatalog([toy("a/one", "uno")]),
    /short name must be "one", got "uno"/,
  );
  const more = new ScenarioCatalog([toy("a/one")]).with(toy("a/two"));
  assert.equal(more.list().length, 2);
});

Deno.test("builtin catalog: one entry per shipped environment, with the facts its family has", () => {
  const entries = builtinScenarios();
  assert.deepEqual(entries.map((e) => e.id), builtinEnvEntries.map((e) => e.id));
  const c = defaultCatalog();
  for (const e of entries) {
    assert.equal(c.get(e.name).id, e.id, `short name of ${e.id}`);
    assert.equal(e.preset, presetFor(e.id), `${e.id}'s preset`);
  }
  const leo = c.get("leo-wildfire");
  assert.equal(leo.modelsDir, "scenarios/leo-wildfire/models");
  assert.equal(leo.fallbackModelsDir, c.get(FLEET_MODEL_SOURCE).modelsDir);
  assert.equal(leo.successInfo, "valueDelivered");
  assert.equal(c.get("3m").modelsDir, "scenarios/smax__3m/models");
  assert.equal(c.get("3m").successInfo, "won");
  assert.ok(c.get("3s5z").heuristic && c.get("simple_spread").heuristic);
  assert.equal(c.get("matching").heuristic, undefined);
  assert.equal(c.get("simple_speaker_listener").heuristic, undefined);
});

Deno.test("deploy: policy names and aliases; what each scenario can run", async () => {
  assert.equal(policyName("greedy"), "baseline");
  assert.equal(policyName("heuristic"), "baseline");
  assert.throws(
    () => policyName("oracle"),
    /policy must be one of students, teacher, baseline, random .*got "oracle"/,
  );
  const c = defaultCatalog();
  assert.deepEqual(
    availablePolicies(c.get("3m")).map((p) => p.id),
    ["students", "teacher", "baseline", "random"],
  );
  assert.deepEqual(availablePolicies(c.get("matching")).map((p) => p.id), ["random"]);
  const matching = c.get("matching");
  await assert.rejects(
    () => deployPolicy(matching, "baseline", matching.make(), { seed: 1 }),
    /policy "baseline" is not available for scenario "toy\/matching"; it has random/,
  );
});

Deno.test("deploy: shipped students under the latency gate, tfjs networks freed by release()", async () => {
  const entry = defaultCatalog().get("3m");
  const env = entry.make();
  const before = tf.memory().numTensors;
  const students = await deployPolicy(entry, "students", env, { seed: 3, runtime: "tfjs" });
  assert.ok(tf.memory().numTensors > before);
  assert.ok(students.gate, "learned policies run under the latency gate");
  assert.equal(students.modelsDir, entry.modelsDir);
  const actions = env.classes.map((c) => new Int32Array(c.count));
  let r = env.reset(7);
  for (let t = 0; t < 5 && !r.done; t++) {
    students.controller.act(r, actions);
    r = env.step(actions);
  }
  assert.ok(students.gate.stats()[0].decisions > 0);
  students.release();
  students.release(); // idempotent
  assert.equal(tf.memory().numTensors, before);
  const plain = await deployPolicy(entry, "teacher", env, { seed: 3 });
  assert.equal(tf.memory().numTensors, before, "the plain path holds no tensors");
  plain.release();
});

Deno.test("a scenario added to the catalog is picked up by the server and the study with no other edit", async () => {
  const added = { ...toy("demo/cue"), heuristic: undefined };
  const catalog = defaultCatalog().with(added);
  const runsDir = await Deno.makeTempDir();
  const app = createApp({ catalog, runsDir });
  await app.ready;
  try {
    const list = await (await app.request("http://localhost/api/scenarios")).json();
    const demo = list.find((s: { id: string }) => s.id === "demo/cue");
    assert.ok(demo, "the server lists the new scenario");
    assert.deepEqual(demo.policies.map((p: { id: string }) => p.id), ["random"]);
    const byName = await app.request("http://localhost/api/policies?scenario=cue");
    assert.equal(byName.status, 200, "short names work in the HTTP API");
  } finally {
    await app.close();
    await Deno.remove(runsDir, { recursive: true });
  }
  // The study resolves it too (and reports the missing teacher by the plan's field).
  assert.throws(
    () =>
      parsePlan(
        {
          name: "x",
          evalEpisodes: 2,
          groups: [{ scenarios: ["cue"], methods: ["kd"], seeds: 1, steps: [64] }],
        },
        "x.json",
        catalog,
      ),
    /groups\[0\]\.scenarios\[0\].*has no teacher at "scenarios\/demo__cue\/models\/teacher"/,
  );
});

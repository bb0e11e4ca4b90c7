import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../sim/rng.ts";
import { Actor, type ActorSpec } from "./actor.ts";
import { initBackend } from "./backend.ts";
import { actorCost } from "./cost.ts";
import { Critic } from "./critic.ts";
import { disposePolicySet, loadPolicySet, ModelFileError, savePolicySet } from "./model_io.ts";
import { PlainActor } from "./plain.ts";
import type { PolicySet } from "./policy_set.ts";

const specA: ActorSpec = {
  obsSize: 5,
  agentIdSize: 2,
  numActions: 4,
  hiddenSizes: [16, 8],
  activation: "tanh",
  kind: "mlp",
};
const specB: ActorSpec = {
  obsSize: 4,
  agentIdSize: 0,
  numActions: 3,
  hiddenSizes: [6],
  activation: "relu",
  kind: "mlp",
};
const provenance = {
  command: "deno task train --seed 3",
  seed: 3,
  steps: 12345,
  date: "2025-06-01T00:00:00Z",
  codeVersion: "0123456789abcdef",
};

/** Actors with spread-out random weights (so argmax is not decided by ties). */
function makeActor(spec: ActorSpec, seed: number, name: string): Actor {
  const a = new Actor(spec, { seed, name });
  const rng = new Rng(seed, "model_io_test");
  a.net.setWeights(a.net.getWeights().map((w) => w.map(() => rng.normal(0, 0.7))));
  if (a.gru) {
    tf.tidy(() =>
      a.gru!.variables.forEach((v) => v.assign(tf.randomNormal(v.shape, 0, 0.5, "float32", seed)))
    );
  }
  return a;
}

function makeSet(seed: number): PolicySet {
  return {
    classes: [
      { name: "a", actor: makeActor(specA, seed, `io_t_a${seed}`) },
      { name: "b", actor: makeActor(specB, seed + 1, `io_t_b${seed}`) },
    ],
    critic: new Critic({ stateSize: 12, hiddenSizes: [10], activation: "tanh" }, {
      seed,
      name: "io_t_critic",
    }),
    provenance,
    label: "teacher",
  };
}

/** Greedy actions of an actor on `n` seeded random inputs with random masks. */
function actions(actor: Actor | PlainActor, n: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  const I = actor.inputSize, A = actor.spec.numActions;
  const inputs = new Float32Array(n * I).map(() => rng.normal());
  const masks = new Uint8Array(n * A).map((_, i) => (i % A === 0 || rng.uniform() < 0.7 ? 1 : 0));
  if (actor instanceof PlainActor) return actor.actBatch(inputs, n, masks, new Int32Array(n));
  return tf.tidy(() =>
    tf.argMax(
      actor.forward(tf.tensor2d(inputs, [n, I]), tf.tensor2d(Float32Array.from(masks), [n, A]))
        .logits,
      1,
    ).dataSync() as Int32Array
  );
}

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "fleetkd_model_io_" });
}

Deno.test("savePolicySet + loadPolicySet: identical weights and actions (tfjs and plain), manifest, no leak", async () => {
  await initBackend("wasm");
  const root = await tempDir();
  const set = makeSet(1);
  await savePolicySet(`${root}/p`, set);
  const before = tf.memory().numTensors;
  const loaded = await loadPolicySet(`${root}/p`, {
    expect: {
      classes: [{ name: "a", obsSize: 5, numActions: 4 }, { name: "b", obsSize: 4, numActions: 3 }],
    },
  });
  assert.deepEqual(loaded.provenance, provenance);
  assert.equal(loaded.label, "teacher");
  assert.deepEqual(loaded.manifest.classes[0].cost, actorCost(specA));
  assert.equal(loaded.manifest.critic?.stateSize, 12);
  for (let c = 0; c < 2; c++) {
    const orig = set.classes[c].actor as Actor;
    const back = loaded.classes[c].actor as Actor;
    assert.deepEqual(back.spec, orig.spec);
    assert.deepEqual(back.net.getWeights(), orig.net.getWeights());
    assert.deepEqual(actions(back, 2000, 7), actions(orig, 2000, 7));
  }
  assert.deepEqual(loaded.critic!.net.getWeights(), set.critic!.net.getWeights());
  disposePolicySet(loaded);
  assert.equal(tf.memory().numTensors, before);
  const plain = await loadPolicySet(`${root}/p`, { as: "plain" });
  assert.equal(plain.critic, undefined);
  for (let c = 0; c < 2; c++) {
    assert.ok(plain.classes[c].actor instanceof PlainActor);
    assert.deepEqual(
      actions(plain.classes[c].actor as PlainActor, 2000, 8),
      actions(set.classes[c].actor as Actor, 2000, 8),
    );
  }
  // A plain set saves too.
  await savePolicySet(`${root}/plain`, plain);
  const again = await loadPolicySet(`${root}/plain`, { as: "plain" });
  assert.deepEqual(
    (again.classes[1].actor as PlainActor).getWeights(),
    (set.classes[1].actor as Actor).net.getWeights(),
  );
  disposePolicySet(set);
  await Deno.remove(root, { recursive: true });
});

Deno.test("stock tf.loadLayersModel (file:// via tf.io.http) reads saved MLP and GRU actors with the same outputs", async () => {
  await initBackend("wasm");
  const root = await tempDir();
  const mlp = makeActor(specA, 4, "io_t_stock_mlp");
  const gru = makeActor(
    { ...specB, hiddenSizes: [6, 5], kind: "gru", activation: "tanh" },
    5,
    "io_t_stock_gru",
  );
  await savePolicySet(`${root}/p`, {
    classes: [{ name: "m", actor: mlp }, { name: "g", actor: gru }],
  });
  const rng = new Rng(9);
  for (const [name, actor] of [["m", mlp], ["g", gru]] as const) {
    const model = await tf.loadLayersModel(
      tf.io.http(`file://${root}/p/${name}/model.json`, { fetchFunc: fetch }),
    );
    const n = 64, I = actor.inputSize;
    const x = new Float32Array(n * I).map(() => rng.normal());
    const [stock, mine] = tf.tidy(() => {
      const input = tf.tensor2d(x, [n, I]);
      // The GRU layer takes sequences: one step from a zero state.
      const y = model.predict(name === "g" ? input.reshape([n, 1, I]) : input) as tf.Tensor;
      return [y.dataSync(), actor.forward(input).logits.dataSync()];
    });
    assert.equal(stock.length, mine.length);
    for (let i = 0; i < stock.length; i++) {
      assert.ok(Math.abs(stock[i] - mine[i]) < 1e-4, `${name}[${i}]: ${stock[i]} vs ${mine[i]}`);
    }
    model.dispose();
  }
  // GRU round trip through our loader keeps forwardStep behaviour.
  const loaded = await loadPolicySet(`${root}/p`);
  const back = loaded.classes[1].actor as Actor;
  tf.tidy(() => {
    const x = tf.randomNormal([3, 4], 0, 1, "float32", 2) as tf.Tensor2D;
    const h = tf.randomNormal([3, 6], 0, 1, "float32", 3) as tf.Tensor2D;
    assert.deepEqual(
      back.forwardStep(x, h).logits.dataSync(),
      gru.forwardStep(x, h).logits.dataSync(),
    );
  });
  disposePolicySet(loaded);
  mlp.dispose();
  gru.dispose();
  await Deno.remove(root, { recursive: true });
});

Deno.test("loadPolicySet: truncated weights.bin, bad JSON, schema errors, wrong obsSize, bad topology, NaN", async () => {
  await initBackend("cpu");
  const root = await tempDir();
  const set = makeSet(2);
  const dir = `${root}/p`;
  const fresh = async () => {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await savePolicySet(dir, set);
  };
  const rejects = async (pattern: RegExp, options = {}) => {
    const err = await loadPolicySet(dir, options).then(() => undefined, (e) => e as Error);
    assert.ok(err, `expected an error matching ${pattern}`);
    assert.ok(err instanceof ModelFileError, `${err}`);
    assert.match(err.message, pattern);
  };
  const before = tf.memory().numTensors;

  await fresh();
  const bin = `${dir}/a/weights.bin`;
  const bytes = await Deno.readFile(bin);
  await Deno.writeFile(bin, bytes.subarray(0, bytes.length - 10));
  const need = bytes.length;
  await rejects(
    new RegExp(
      `"${dir}/a/weights.bin": has ${
        need - 10
      } bytes, but "${dir}/a/model.json" field "weightsManifest" declares ${need} bytes .*truncated`,
    ),
  );

  await fresh();
  await Deno.writeTextFile(
    `${dir}/manifest.json`,
    '{"format": "fleetkd-policy-set", "version": 1,',
  );
  await rejects(new RegExp(`"${dir}/manifest.json": is not valid JSON`));

  await fresh();
  await Deno.writeTextFile(`${dir}/b/model.json`, "{ nope");
  await rejects(new RegExp(`"${dir}/b/model.json": is not valid JSON`));

  await fresh();
  const manifest = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
  await Deno.writeTextFile(
    `${dir}/manifest.json`,
    JSON.stringify({
      ...manifest,
      classes: [{ ...manifest.classes[0], obsSize: -3 }, manifest.classes[1]],
    }),
  );
  await rejects(/manifest.json": field "classes\[0\].obsSize" is invalid: .*got -3/);

  await fresh();
  await rejects(
    /manifest.json": field "classes\[0\].obsSize" \(class "a"\) is 5, the scenario expects 18/,
    {
      expect: {
        classes: [{ name: "a", obsSize: 18, numActions: 4 }, {
          name: "b",
          obsSize: 4,
          numActions: 3,
        }],
      },
    },
  );
  await rejects(
    /field "classes\[1\].numActions" \(class "b"\) is 3, the scenario expects 5/,
    {
      expect: {
        classes: [{ name: "a", obsSize: 5, numActions: 4 }, {
          name: "b",
          obsSize: 4,
          numActions: 5,
        }],
      },
    },
  );
  await rejects(/field "classes" has 2 classes \[a, b\], the scenario expects 1 \[a\]/, {
    expect: { classes: [{ name: "a", obsSize: 5, numActions: 4 }] },
  });

  // The manifest claims another architecture than the model files hold.
  await Deno.writeTextFile(
    `${dir}/manifest.json`,
    JSON.stringify({
      ...manifest,
      classes: [manifest.classes[0], { ...manifest.classes[1], hiddenSizes: [7] }],
    }),
  );
  await rejects(
    /b\/model.json": field "modelTopology.config.layers\[0\].config.units" is 6, the manifest's architecture 4-7-3 needs 7/,
  );
  await Deno.writeTextFile(
    `${dir}/manifest.json`,
    JSON.stringify({
      ...manifest,
      classes: [manifest.classes[0], { ...manifest.classes[1], activation: "tanh" }],
    }),
  );
  await rejects(
    /field "modelTopology.config.layers\[0\].config.activation" is "relu", the manifest's architecture 4-6-3 needs "tanh"/,
  );

  // A weight shape edited in model.json.
  await fresh();
  const model = JSON.parse(await Deno.readTextFile(`${dir}/b/model.json`));
  model.weightsManifest[0].weights[2].shape = [3, 6];
  await Deno.writeTextFile(`${dir}/b/model.json`, JSON.stringify(model));
  await rejects(/field "weightsManifest\[0\].weights\[2\].shape" is \[3,6\] .* needs \[6,3\]/);

  // A NaN in the weights.
  await fresh();
  const w = await Deno.readFile(`${dir}/b/weights.bin`);
  new DataView(w.buffer).setFloat32(8, NaN, true);
  await Deno.writeFile(`${dir}/b/weights.bin`, w);
  await rejects(
    /b\/weights.bin": field "weightsManifest\[0\].weights\[0\]" .*non-finite value NaN at index 2/,
  );

  await Deno.remove(dir, { recursive: true });
  await rejects(/manifest.json": does not exist/);
  assert.equal(tf.memory().numTensors, before); // nothing half-built
  disposePolicySet(set);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a failed save leaves the previous model intact and no temporary directories", async () => {
  await initBackend("cpu");
  const root = await tempDir();
  const first = makeSet(3);
  await savePolicySet(`${root}/p`, first);
  const second = makeSet(4);
  (second.classes[1].actor as Actor).dispose(); // reading its weights fails after class "a" was written
  await assert.rejects(() => savePolicySet(`${root}/p`, second));
  const entries = [];
  for await (const e of Deno.readDir(root)) entries.push(e.name);
  assert.deepEqual(entries, ["p"]);
  const loaded = await loadPolicySet(`${root}/p`);
  assert.deepEqual(
    (loaded.classes[0].actor as Actor).net.getWeights(),
    (first.classes[0].actor as Actor).net.getWeights(),
  );
  // A successful save replaces it.
  (second.classes[0].actor as Actor).dispose();
  const third = makeSet(5);
  await savePolicySet(`${root}/p`, third);
  const replaced = await loadPolicySet(`${root}/p`);
  assert.deepEqual(
    (replaced.classes[0].actor as Actor).net.getWeights(),
    (third.classes[0].actor as Actor).net.getWeights(),
  );
  for (const s of [first, third, loaded, replaced]) disposePolicySet(s);
  second.critic!.dispose();
  const bad = makeActor(specB, 1, "io_t_bad");
  await assert.rejects(
    () => savePolicySet(`${root}/q`, { classes: [{ name: "../x", actor: bad }] }),
    /class name "..\/x" must match/,
  );
  bad.dispose();
  await Deno.remove(root, { recursive: true });
});

Deno.test("model files record a student's observation view; the runtime applies it; a layout mismatch names file and field", async () => {
  const { SmaxEnv } = await import("../sim/smax/env.ts");
  const { ObservationView } = await import("./observation_view.ts");
  const { expectationFor } = await import("./model_io.ts");
  const { PolicyRuntime } = await import("./runtime.ts");
  await initBackend("wasm");
  const env = new SmaxEnv({ map: "3m" });
  const view = ObservationView.create(env.observationLayout(0), {
    entities: { enemies: 1, allies: 1 },
  });
  const spec: ActorSpec = {
    obsSize: view.outputSize,
    agentIdSize: 0,
    numActions: env.numActions,
    hiddenSizes: [8],
    activation: "tanh",
    kind: "mlp",
  };
  const rng = new Rng(4);
  const weights = [
    Float32Array.from({ length: spec.obsSize * 8 }, () => rng.uniform() - 0.5),
    new Float32Array(8),
    Float32Array.from({ length: 8 * spec.numActions }, () => rng.uniform() - 0.5),
    new Float32Array(spec.numActions),
  ];
  const actor = PlainActor.fromWeights(spec, weights);
  const dir = await Deno.makeTempDir();
  try {
    await savePolicySet(`${dir}/s`, { classes: [{ name: "marine", actor, view }] });
    const manifest = JSON.parse(await Deno.readTextFile(`${dir}/s/manifest.json`));
    assert.equal(manifest.classes[0].obsSize, 18);
    assert.equal(manifest.classes[0].observationView.layout.size, 30);
    assert.deepEqual(manifest.classes[0].observationView.budget.entities, {
      enemies: 1,
      allies: 1,
    });
    const loaded = await loadPolicySet(`${dir}/s`, { as: "plain", expect: expectationFor(env) });
    const back = loaded.classes[0].view!;
    assert.equal(back.signature, view.signature);
    assert.equal(back.outputSize, 18);
    // The runtime feeds the full observation through the view: same actions as applying it by hand.
    const step = env.reset(7);
    const out = new PolicyRuntime(loaded).act(step.classes, [new Int32Array(3)], {
      greedy: true,
    })[0];
    const reduced = view.applyBatch(step.classes[0].obs, 3, new Float32Array(3 * 18));
    const byHand = new Int32Array(3);
    actor.actBatch(reduced, 3, step.classes[0].actionMask, byHand);
    assert.deepEqual(out, byHand);
    // Without the view the set does not fit (the network reads 18 values, the env has 30).
    const { validatePolicySetFor } = await import("./policy_set.ts");
    validatePolicySetFor(loaded, env.classes);
    assert.throws(
      () => validatePolicySetFor({ classes: [{ name: "marine", actor }] }, env.classes),
      /obsSize is 18, the environment has 30/,
    );
    // On another map the layout differs: a clear error naming the file and field.
    const other = new SmaxEnv({ map: "3m" });
    const expect = expectationFor(other);
    const shifted = {
      ...expect,
      layouts: [{
        ...expect.layouts![0]!,
        segments: expect.layouts![0]!.segments.map((s) =>
          s.name === "enemies" && s.kind === "entities" ? { ...s, indexed: false } : s
        ),
      }],
    };
    await assert.rejects(
      () => loadPolicySet(`${dir}/s`, { as: "plain", expect: shifted }),
      (e: Error) =>
        e instanceof ModelFileError && e.file === `${dir}/s/manifest.json` &&
        e.field === "classes[0].observationView.layout" &&
        /the scenario's observation layout is/.test(e.message),
    );
    await assert.rejects(
      () =>
        loadPolicySet(`${dir}/s`, {
          as: "plain",
          expect: { classes: env.classes, layouts: [undefined] },
        }),
      /field "classes\[0\]\.observationView".*describes no observation layout/,
    );
    await assert.rejects(
      () =>
        loadPolicySet(`${dir}/s`, {
          as: "plain",
          expect: { classes: [{ name: "marine", obsSize: 18, numActions: env.numActions }] },
        }),
      /field "classes\[0\]\.observationView\.layout\.size" \(class "marine"\) is 30, the scenario expects 18/,
    );
    // A hand-edited manifest whose view disagrees with obsSize.
    manifest.classes[0].observationView.budget.entities.enemies = 2;
    await Deno.writeTextFile(`${dir}/s/manifest.json`, JSON.stringify(manifest));
    await assert.rejects(
      () => loadPolicySet(`${dir}/s`, { as: "plain" }),
      /field "classes\[0\]\.observationView" .*outputSize is 18, the layout and budget give 26/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

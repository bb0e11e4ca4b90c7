import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../policies/backend.ts";
import { Rng } from "../sim/rng.ts";
import { CheckpointError } from "./checkpoint.ts";
import { ScheduledAdam } from "./optim.ts";
import { restoreTrainerState, saveTrainerState, type TrainerOptimizers } from "./trainer_state.ts";

await initBackend("cpu");

/** A toy trainer: an "actor" matrix and a "critic" vector, each with its own Adam. */
class Toy {
  readonly actor: tf.Variable;
  readonly critic: tf.Variable;
  readonly actorAdam = new ScheduledAdam(0.05);
  readonly criticAdam = new ScheduledAdam(0.1);
  constructor(tag: string, seed: number) {
    const rng = new Rng(seed, "trainer_state");
    const draw = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
    this.actor = tf.variable(tf.tensor2d(draw(6), [2, 3]), true, `ts_${tag}/actor`);
    this.critic = tf.variable(tf.tensor1d(draw(3)), true, `ts_${tag}/critic`);
  }
  get variables(): tf.Variable[] {
    return [this.actor, this.critic];
  }
  get optimizers(): TrainerOptimizers {
    return {
      actor: { optimizer: this.actorAdam, variables: [this.actor] },
      critic: { optimizer: this.criticAdam, variables: [this.critic] },
    };
  }
  step(): void {
    const target = [[1, -2, 0.5], [0, 3, -1]];
    this.actorAdam.minimize(
      () => tf.sum(tf.square(tf.sub(this.actor, tf.tensor2d(target)))) as tf.Scalar,
      false,
      [this.actor],
    );
    this.criticAdam.minimize(
      () => tf.sum(tf.pow(tf.sub(this.critic, tf.scalar(2)), 4)) as tf.Scalar,
      false,
      [this.critic],
    );
  }
  values(): number[][] {
    return this.variables.map((v) => Array.from(v.dataSync()));
  }
  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.actorAdam.dispose();
    this.criticAdam.dispose();
  }
}

/** Largest absolute difference between two toys' weights. */
function maxDiff(a: number[][], b: number[][]): number {
  let d = 0;
  a.forEach((xs, i) => xs.forEach((x, j) => (d = Math.max(d, Math.abs(x - b[i][j])))));
  return d;
}

// tfjs's Adam.setWeights recomputes its bias-correction powers as beta^(t+1) where stepping multiplies them
// by beta each time, so a resumed optimiser agrees with the uninterrupted one to float rounding (~1e-7),
// not always bit for bit; a restore that lost the moments or the step counter is off by far more (> 1e-2).
const RESUME_TOL = 1e-5;

Deno.test("trainer state: save/restore round trip resumes Adam where it stopped, without leaking tensors", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/state.ckpt`;
  const a = new Toy("a", 1);
  for (let i = 0; i < 3; i++) a.step();
  let before = tf.memory().numTensors;
  await saveTrainerState(
    path,
    { format: "toy", iteration: 3, note: "é" },
    a.variables,
    a.optimizers,
  );
  assert.equal(tf.memory().numTensors, before, "save leaks nothing");

  const b = new Toy("b", 2); // other initial weights, no optimiser state yet
  assert.notDeepEqual(b.values(), a.values());
  before = tf.memory().numTensors;
  const meta = await restoreTrainerState(path, "toy", b.variables, b.optimizers);
  // The only new tensors are Adam's first and second moments of each restored variable.
  assert.equal(tf.memory().numTensors, before + 2 * 2, "restore adds exactly the moments");
  assert.equal(meta.iteration, 3);
  assert.equal(meta.note, "é");
  assert.deepEqual(b.values(), a.values());
  // Resuming continues the same trajectory: the moments and step counters came back, not just the weights.
  for (let i = 0; i < 4; i++) {
    a.step();
    b.step();
  }
  assert.ok(maxDiff(b.values(), a.values()) < RESUME_TOL, `${maxDiff(b.values(), a.values())}`);
  // A fresh Adam with only the weights restored would diverge from the same point.
  const c = new Toy("c", 3);
  c.variables.forEach((v, i) => v.assign(tf.tensor(a.values()[i], v.shape)));
  a.step();
  c.step();
  assert.ok(maxDiff(c.values(), a.values()) > 1e-2, `${maxDiff(c.values(), a.values())}`);
  a.dispose();
  b.dispose();
  c.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("trainer state: an optimiser saved before its first step restores with no moments", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/fresh.ckpt`;
  const a = new Toy("fresh_a", 4);
  await saveTrainerState(path, { format: "toy" }, a.variables, a.optimizers);
  const b = new Toy("fresh_b", 5);
  const before = tf.memory().numTensors;
  await restoreTrainerState(path, "toy", b.variables, b.optimizers);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(b.values(), a.values());
  a.step();
  b.step();
  assert.ok(maxDiff(b.values(), a.values()) < RESUME_TOL, `${maxDiff(b.values(), a.values())}`);
  a.dispose();
  b.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("trainer state: every mismatch names the file and what differs, and assigns nothing", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/m.ckpt`;
  const a = new Toy("mm_a", 6);
  a.step();
  await saveTrainerState(path, { format: "toy" }, a.variables, a.optimizers);
  const b = new Toy("mm_b", 7);
  const untouched = b.values();
  const check = async (
    format: string,
    variables: tf.Variable[],
    optimizers: TrainerOptimizers,
    pattern: RegExp,
  ) => {
    const before = tf.memory().numTensors;
    await assert.rejects(
      restoreTrainerState(path, format, variables, optimizers),
      (e: unknown) => {
        assert.ok(e instanceof CheckpointError, `${e}`);
        assert.match((e as Error).message, /^Cannot resume from checkpoint ".*m\.ckpt": /);
        assert.match((e as Error).message, pattern);
        return true;
      },
    );
    assert.deepEqual(b.values(), untouched, "nothing assigned");
    assert.equal(tf.memory().numTensors, before);
  };
  await check("kd", b.variables, b.optimizers, /field "format" must be "kd", got "toy"/);
  await check("toy", [b.actor], b.optimizers, /holds 2 variables, the networks have 1/);
  const wide = tf.variable(tf.zeros([2, 4]), true, "ts_mm_wide");
  await check(
    "toy",
    [wide, b.critic],
    b.optimizers,
    /variable 0 \("ts_mm_a\/actor"\) has shape \[2,3\], expected \[2,4\]/,
  );
  await check("toy", b.variables, {
    ...b.optimizers,
    value: { optimizer: b.criticAdam, variables: [b.critic] },
  }, /field "optimizers\.value" is missing/);
  await check("toy", b.variables, {
    ...b.optimizers,
    critic: { optimizer: b.criticAdam, variables: [b.critic, b.actor] },
  }, /optimizer "critic" holds 2 moments, expected 4/);
  await check("toy", b.variables, {
    ...b.optimizers,
    critic: { optimizer: b.criticAdam, variables: [b.actor] },
  }, /Adam moment "opt\/critic\/0" has 3 values, expected 6/);
  wide.dispose();
  a.dispose();
  b.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("trainer state: restoring over an optimiser that has moments replaces them, leaking nothing", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/over.ckpt`;
  const a = new Toy("over_a", 8);
  a.step();
  a.step();
  await saveTrainerState(path, { format: "toy" }, a.variables, a.optimizers);
  const b = new Toy("over_b", 9);
  b.step(); // b's Adams now hold moments of their own
  const before = tf.memory().numTensors;
  await restoreTrainerState(path, "toy", b.variables, b.optimizers);
  assert.equal(tf.memory().numTensors, before, "the old moments are disposed");
  a.step();
  b.step();
  assert.ok(maxDiff(b.values(), a.values()) < RESUME_TOL, `${maxDiff(b.values(), a.values())}`);
  a.dispose();
  b.dispose();
  await Deno.remove(dir, { recursive: true });
});

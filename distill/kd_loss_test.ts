import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  cosineMatrix,
  crossEntropyToTeacherArgmax,
  klTeacherStudent,
  relationLoss,
  roleLoss,
  runningEpisodeMean,
  sameClassMask,
} from "./kd_loss.ts";

await tf.setBackend("cpu");

function near(a: number, b: number, tol = 1e-5) {
  assert.ok(Math.abs(a - b) < tol, `${a} != ${b}`);
}

Deno.test("KL(teacher||student): hand-computed, zero when equal, masked actions ignored, weights honoured", () => {
  const before = tf.memory().numTensors;
  const [kl, same, masked] = tf.tidy(() => [
    // p_T = [0.5, 0.5], p_S = softmax([ln 3, 0]) = [0.75, 0.25]
    // KL = 0.5 ln(0.5/0.75) + 0.5 ln(0.5/0.25) = 0.5 ln(2/3) + 0.5 ln 2
    klTeacherStudent(
      tf.tensor2d([[0, 0], [5, 1]]),
      tf.tensor2d([[Math.log(3), 0], [-7, 2]]),
      tf.tensor1d([1, 0]),
    ).dataSync()[0],
    klTeacherStudent(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[1, 2, 3]]), tf.tensor1d([1]))
      .dataSync()[0],
    klTeacherStudent(tf.tensor2d([[0, -1e9]]), tf.tensor2d([[3, -1e9]]), tf.tensor1d([1]))
      .dataSync()[0],
  ]);
  near(kl, 0.5 * Math.log(2 / 3) + 0.5 * Math.log(2));
  near(same, 0);
  near(masked, 0);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("KL gradient moves student logits toward the teacher's distribution", () => {
  const g = tf.tidy(() => {
    const grad = tf.grad((s: tf.Tensor) =>
      klTeacherStudent(tf.tensor2d([[2, 0]]), s as tf.Tensor2D, tf.tensor1d([1]))
    )(tf.tensor2d([[0, 0]]));
    return Array.from(grad.dataSync());
  });
  // d KL / d s = p_S - p_T; p_T(0) > 0.5 = p_S(0), so the gradient on logit 0 is negative (descent raises it).
  const pT0 = Math.exp(2) / (Math.exp(2) + 1);
  near(g[0], 0.5 - pT0);
  near(g[1], -(0.5 - pT0));
  assert.ok(g[0] < 0);
});

Deno.test("cross-entropy to the teacher's argmax: hand-computed, gradient raises that action", () => {
  const [ce, grad] = tf.tidy(() => {
    const t = tf.tensor2d([[0.1, 3, -1]]);
    const value =
      crossEntropyToTeacherArgmax(t, tf.tensor2d([[0, 0, 0]]), tf.tensor1d([1])).dataSync()[0];
    const g = tf.grad((s: tf.Tensor) =>
      crossEntropyToTeacherArgmax(t, s as tf.Tensor2D, tf.tensor1d([1]))
    )(
      tf.tensor2d([[0, 0, 0]]),
    );
    return [value, Array.from(g.dataSync())] as const;
  });
  near(ce, Math.log(3));
  near(grad[1], 1 / 3 - 1);
  near(grad[0], 1 / 3);
});

Deno.test("cosineMatrix and relation loss: hand-computed case", () => {
  const [cos, loss] = tf.tidy(() => {
    // Teacher: agents 0 and 1 orthogonal (cos 0). Student: identical directions (cos 1).
    const teacher = tf.tensor3d([[[1, 0], [0, 2]]]);
    const student = tf.tensor3d([[[1, 1, 0], [2, 2, 0]]]);
    const w = tf.tensor2d([[1, 1]]);
    return [
      cosineMatrix(student).arraySync() as number[][][],
      relationLoss(teacher, student, w).dataSync()[0],
    ];
  });
  near(cos[0][0][1], 1);
  near(cos[0][1][1], 1);
  near(loss as number, 1); // off-diagonal entries: (1 - 0)^2 twice, mean 1
});

Deno.test("relation loss: zero for matching structure of any width, ignores padding agents", () => {
  const [same, padded] = tf.tidy(() => {
    const teacher = tf.tensor3d([[[1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 0, 0]]]);
    // Same geometry embedded in 2 dims (a rotation), so cosines match exactly.
    const student = tf.tensor3d([[[0, 1], [-1, 0], [-1, 1]]]);
    const padStudent = tf.tensor3d([[[0, 1], [-1, 0], [5, 5]]]);
    return [
      relationLoss(teacher, student, tf.tensor2d([[1, 1, 1]])).dataSync()[0],
      relationLoss(teacher, padStudent, tf.tensor2d([[1, 1, 0]])).dataSync()[0],
    ];
  });
  near(same, 0);
  near(padded, 0);
});

Deno.test("relation loss gradient pulls student similarities toward the teacher's", () => {
  // Teacher pair orthogonal; student pair at 45 degrees. Descending must reduce the student cosine.
  const teacher = tf.tensor3d([[[1, 0], [0, 1]]]);
  const w = tf.tensor2d([[1, 1]]);
  const s = tf.variable(tf.tensor3d([[[1, 0], [1, 1]]]));
  const cosBefore = tf.tidy(() => cosineMatrix(s).arraySync() as number[][][])[0][0][1];
  const opt = tf.train.sgd(0.1);
  opt.minimize(() => relationLoss(teacher, s, w), false, [s]);
  const cosAfter = tf.tidy(() => cosineMatrix(s).arraySync() as number[][][])[0][0][1];
  assert.ok(cosAfter < cosBefore, `${cosAfter} >= ${cosBefore}`);
  tf.dispose([teacher, w, s]);
  opt.dispose();
});

Deno.test("role loss: alignment and anti-collapse hinge, hand-computed", () => {
  const out = tf.tidy(() => {
    const teacher = tf.tensor3d([[[1, 0], [0, 1]]]); // distinct roles, cos 0
    const w = tf.tensor2d([[1, 1]]);
    const aligned = roleLoss(teacher, tf.tensor3d([[[2, 0], [0, 3]]]), w, 0.1);
    // Collapsed student: both agents at 45 degrees. Alignment: 1 - cos45 each; collapse: relu(1 - 0 - 0.1).
    const collapsed = roleLoss(teacher, tf.tensor3d([[[1, 1], [1, 1]]]), w, 0.1);
    return [aligned.loss, collapsed.alignment, collapsed.collapse, collapsed.loss].map((t) =>
      t.dataSync()[0]
    );
  });
  near(out[0], 0);
  near(out[1], 1 - Math.SQRT1_2);
  near(out[2], 0.9);
  near(out[3], 1 - Math.SQRT1_2 + 0.9);
});

Deno.test("role loss gradient separates collapsed student roles", () => {
  const teacher = tf.tensor3d([[[1, 0], [0, 1]]]);
  const w = tf.tensor2d([[1, 1]]);
  const s = tf.variable(tf.tensor3d([[[1, 0.9], [0.9, 1]]]));
  const cos = () => tf.tidy(() => (cosineMatrix(s).arraySync() as number[][][])[0][0][1]);
  const before = cos();
  const opt = tf.train.sgd(0.05);
  for (let i = 0; i < 5; i++) opt.minimize(() => roleLoss(teacher, s, w).loss, false, [s]);
  assert.ok(cos() < before);
  tf.dispose([teacher, w, s]);
  opt.dispose();
});

Deno.test("relation and role losses have finite gradients at an all-zero embedding (dead ReLU row)", () => {
  const g = tf.tidy(() => {
    const teacher = tf.tensor3d([[[1, 0], [0, 1]]]);
    const w = tf.tensor2d([[1, 1]]);
    const grad = tf.grad((s: tf.Tensor) =>
      tf.add(
        relationLoss(teacher, s as tf.Tensor3D, w),
        roleLoss(teacher, s as tf.Tensor3D, w).loss,
      )
    )(tf.tensor3d([[[0, 0], [1, 1]]]));
    return Array.from(grad.dataSync());
  });
  assert.ok(g.every(Number.isFinite), `${g}`);
});

// A hand-built mixed team: class A has agents A1, A2 (one teacher network), class B has agent B (another
// network). Rows of the [1, 3, 2] tensors are A1, A2, B.

Deno.test("mixed team: relation loss compares same-class pairs only (hand-computed), cross-class latents get no gradient", () => {
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const mask = sameClassMask([2, 1]);
    const w = tf.tensor2d([[1, 1, 1]]);
    // Teacher: A1 and A2 alike (cos 1); B's latent lives in another network's space.
    const teacher = tf.tensor3d([[[1, 0], [1, 0], [0, 1]]]);
    // Student: A1, A2 orthogonal (cos 0, error -1); B along A1 (cross-class cos 1 vs teacher 0).
    const student = tf.tensor3d([[[1, 0], [0, 1], [1, 0]]]);
    const masked = relationLoss(teacher, student, w, mask).dataSync()[0];
    // Unmasked: (A1,A2) error 1 twice, (A1,B) error 1 twice, (A2,B) 0: 4 / 6.
    const all = relationLoss(teacher, student, w).dataSync()[0];
    // Student A2 at 45 degrees to A1: loss (cos45 - 1)^2; gradient on A2's second coordinate > 0
    // (raising it turns A2 further from A1), so descent pulls A2 toward A1 as the teacher has it.
    const s2 = tf.tensor3d([[[1, 0], [1, 1], [3, -2]]]);
    const g = tf.grad((z: tf.Tensor) => relationLoss(teacher, z as tf.Tensor3D, w, mask))(s2);
    const gAll = tf.grad((z: tf.Tensor) => relationLoss(teacher, z as tf.Tensor3D, w))(s2);
    return {
      masked,
      all,
      value45: relationLoss(teacher, s2, w, mask).dataSync()[0],
      g: Array.from(g.dataSync()),
      gAll: Array.from(gAll.dataSync()),
    };
  });
  near(out.masked, 1);
  near(out.all, 4 / 6);
  near(out.value45, (Math.SQRT1_2 - 1) ** 2);
  assert.ok(out.g[3] > 0, `d/dA2.y = ${out.g[3]}`);
  // B (indices 4, 5) takes no part: its cross-class cosines are not a target.
  assert.deepEqual(out.g.slice(4), [0, 0]);
  assert.ok(Math.abs(out.gAll[4]) + Math.abs(out.gAll[5]) > 1e-3, "unmasked loss does pull B");
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("mixed team: role anti-collapse within a class only (hand-computed), its gradient separates collapsed roles", () => {
  const out = tf.tidy(() => {
    const mask = sameClassMask([2, 1]);
    const w = tf.tensor2d([[1, 1, 1]]);
    // Teacher roles: A1 and A2 distinct (cos 0); B orthogonal to A1 in another network's space.
    const teacher = tf.tensor3d([[[1, 0], [0, 1], [0, 1]]]);
    // Student: A1 and A2 collapsed onto one role; B along A1 too.
    const student = tf.tensor3d([[[1, 0], [1, 0], [1, 0]]]);
    const masked = roleLoss(teacher, student, w, 0.1, mask);
    const all = roleLoss(teacher, student, w, 0.1);
    // Nearly collapsed A2: the hinge's gradient on A2's second coordinate is negative, so descent
    // raises it and turns A2 away from A1.
    const s2 = tf.tensor3d([[[1, 0], [1, 0.2], [1, 0]]]);
    const g = tf.grad((z: tf.Tensor) => roleLoss(teacher, z as tf.Tensor3D, w, 0.1, mask).collapse)(
      s2,
    );
    return {
      alignment: masked.alignment.dataSync()[0],
      collapse: masked.collapse.dataSync()[0],
      collapseAll: all.collapse.dataSync()[0],
      g: Array.from(g.dataSync()),
    };
  });
  // Alignment: A1 cos 1, A2 cos 0, B cos 0 -> (0 + 1 + 1) / 3.
  near(out.alignment, 2 / 3);
  // Same-class pairs (A1,A2) both orders: relu(1 - 0 - 0.1) = 0.9 each -> 0.9.
  near(out.collapse, 0.9);
  // Unmasked adds (A1,B) 0.9 twice and (A2,B) relu(1 - 1 - 0.1) = 0 twice: 3.6 / 6, a figure moved by
  // cross-class entries that compare two networks' spaces.
  near(out.collapseAll, 0.6);
  assert.ok(out.g[3] < 0, `d collapse / d A2.y = ${out.g[3]}`);
  assert.deepEqual(out.g.slice(4), [0, 0]);
});

Deno.test("runningEpisodeMean: the role is the mean latent over the agent's episode so far, carried across rollouts", () => {
  // Two copies, one agent, width 1, three steps per rollout. Copy 0's episode ends after step 1;
  // copy 1's agent is out of play at step 1 (weight 0).
  const sizes = { steps: 3, envs: 2, agents: 1, width: 1 };
  const sum = new Float64Array(2), count = new Float64Array(2), fresh = new Uint8Array([1, 1]);
  const out = new Float32Array(6);
  // Rows: (t0,e0) (t0,e1) (t1,e0) (t1,e1) (t2,e0) (t2,e1).
  const latents = new Float32Array([2, 1, 4, 100, 10, 3]);
  const weights = new Float32Array([1, 1, 1, 0, 1, 1]);
  const ended = new Uint8Array([0, 0, 1, 0, 0, 0]);
  runningEpisodeMean(latents, weights, ended, sizes, sum, count, fresh, out);
  assert.deepEqual(Array.from(out), [2, 1, 3, 1, 10, 2]);
  // The next rollout continues both episodes: copy 0 has seen {10}, copy 1 {1, 3}.
  runningEpisodeMean(
    new Float32Array([20, 5, 0, 0, 0, 0]),
    new Float32Array([1, 1, 0, 0, 0, 0]),
    new Uint8Array(6),
    sizes,
    sum,
    count,
    fresh,
    out,
  );
  assert.deepEqual(Array.from(out.subarray(0, 2)), [15, 3]);
});

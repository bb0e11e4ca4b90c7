import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  cosineMatrix,
  crossEntropyToTeacherArgmax,
  klTeacherStudent,
  relationLoss,
  roleLoss,
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

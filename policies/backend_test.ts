import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { backendInfo, initBackend } from "./backend.ts";

Deno.test("initBackend switches backends, is idempotent, wasm runs with SIMD and no threads", async () => {
  await initBackend("cpu");
  assert.equal(tf.getBackend(), "cpu");
  assert.equal(backendInfo().simd, false);
  await initBackend("wasm");
  await initBackend("wasm");
  assert.equal(tf.getBackend(), "wasm");
  assert.deepEqual(backendInfo(), { name: "wasm", simd: true, threads: false });
  const y = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 1])).dataSync()[0]);
  assert.equal(y, 3);
});

Deno.test("initBackend rejects an unknown backend by name", async () => {
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    () => initBackend("webgl" as any),
    /backend must be "wasm" or "cpu", got "webgl"/,
  );
});

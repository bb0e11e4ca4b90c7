import assert from "node:assert/strict";
import { resolveKdConfig } from "./kd_config.ts";

Deno.test("resolveKdConfig: teacher rollouts (behaviour cloning) need the policy-gradient term off", () => {
  assert.equal(resolveKdConfig().rolloutPolicy, "students");
  const bc = resolveKdConfig({
    rolloutPolicy: "teacher",
    weights: { pg: 0, kl: 1, ce: 1, relation: 0, role: 0 },
  });
  assert.equal(bc.rolloutPolicy, "teacher");
  assert.throws(
    () => resolveKdConfig({ rolloutPolicy: "teacher" }),
    /field "weights.pg" must be 0 when rolloutPolicy is "teacher" \(the students do not act\), got 0.5/,
  );
  assert.throws(
    () => resolveKdConfig({ rolloutPolicy: "nobody" as "teacher" }),
    /field "rolloutPolicy" must be "students" or "teacher", got "nobody"/,
  );
});

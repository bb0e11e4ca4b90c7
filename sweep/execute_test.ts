import assert from "node:assert/strict";
import { executeJob, JobRefused, validateJob } from "./execute.ts";

const TRAIN = { scenario: "toy/matching", seed: 1, steps: 64, checkpointEvery: 1, out: "s/train" };

Deno.test("validateJob: a worker refuses bad envelopes, kinds, fields and paths before acting", async () => {
  const root = await Deno.makeTempDir();
  try {
    const refused = (message: unknown, pattern: RegExp) =>
      assert.throws(() => validateJob(message, root), (e: Error) => {
        assert.ok(e instanceof JobRefused, e.message);
        assert.match(e.message, pattern);
        return true;
      });
    refused({ v: 2, sweep: "s", key: "k", kind: "train", payload: TRAIN }, /field "v"/);
    refused(
      { v: 1, sweep: "s", key: "k", kind: "rm-rf", payload: {} },
      /Refused job "k": field "kind" must be one of train, distill, evaluate.*got "rm-rf"/,
    );
    refused(
      { v: 1, sweep: "s", key: "k", kind: "train", payload: { ...TRAIN, steps: -3 } },
      /field "payload.steps" .*got -3/,
    );
    refused(
      { v: 1, sweep: "s", key: "k", kind: "train", payload: { ...TRAIN, scenario: "atlantis" } },
      /field "payload.scenario" must be a known scenario, got "atlantis"/,
    );
    refused(
      { v: 1, sweep: "s", key: "k", kind: "train", payload: { ...TRAIN, out: "../../elsewhere" } },
      /field "payload.out": "\.\.\/\.\.\/elsewhere" is outside the artifact directory/,
    );
    refused(
      {
        v: 1,
        sweep: "s",
        key: "k",
        kind: "evaluate",
        payload: {
          scenario: "toy/matching",
          teacher: "t/model",
          students: [{ name: "x", dir: "/etc" }],
          episodes: 1,
          seed: 0,
          out: "e",
        },
      },
      /field "payload.students\[0\].dir": "\/etc" is absolute/,
    );
    const ok = validateJob({ v: 1, sweep: "s", key: "k", kind: "train", payload: TRAIN }, root);
    assert.equal(ok.paths.get("s/train"), `${Deno.realPathSync(root)}/s/train`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("executeJob: a job whose result.json holds its key returns it without running again", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/s/train`, { recursive: true });
    const stored = { sweep: "s", key: "k", kind: "train", figures: { envSteps: 64 }, seconds: 9 };
    await Deno.writeTextFile(`${root}/s/train/result.json`, JSON.stringify(stored));
    const r = await executeJob({ v: 1, sweep: "s", key: "k", kind: "train", payload: TRAIN }, root);
    assert.deepEqual(r, { ...stored, seconds: 0 });
    // Nothing trained: no checkpoint appeared.
    await assert.rejects(() => Deno.stat(`${root}/s/train/checkpoint.ckpt`));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { makeBuiltinEnv } from "../builtin_envs.ts";
import { RandomController } from "./controller.ts";
import {
  readRecording,
  recordEnv,
  RecordingFile,
  recordingLines,
  replayRecording,
} from "./recording.ts";
import type { MultiAgentEnv } from "./types.ts";

function playRandom(env: MultiAgentEnv, seeds: number[]): number {
  const controller = new RandomController(env.classes, 9);
  const actions = env.classes.map((c) => new Int32Array(c.count));
  let steps = 0;
  for (const seed of seeds) {
    let r = env.reset(seed);
    controller.reset?.(seed);
    while (!r.done) {
      controller.act(r, actions);
      r = env.step(actions);
      steps++;
    }
  }
  return steps;
}

for (const id of ["smax/2s3z", "mpe/simple_spread", "fleet/leo-wildfire"]) {
  Deno.test(`recording: ${id} records to a file and replays bit for bit`, () => {
    const dir = Deno.makeTempDirSync();
    const path = `${dir}/episodes.ndjson`;
    const file = new RecordingFile(path);
    const steps = playRandom(recordEnv(makeBuiltinEnv(id), file, { policy: "random" }), [4, 5]);
    file.close();
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["episodes.ndjson"]);
    const lines = readRecording(path);
    assert.equal(lines[0].type, "header");
    assert.equal(lines.filter((l) => l.type === "reset").length, 2);
    assert.equal(lines.filter((l) => l.type === "step").length, steps);
    const report = replayRecording(makeBuiltinEnv(id), lines);
    assert.equal(report.mismatch, undefined);
    assert.equal(report.episodes, 2);
    assert.equal(report.steps, steps);
    Deno.removeSync(dir, { recursive: true });
  });
}

Deno.test("recording: a replay on a changed recording names the first difference", () => {
  const lines: string[] = [];
  playRandom(recordEnv(makeBuiltinEnv("smax/3m"), { write: (l) => lines.push(l) }), [1]);
  const parsed = [...recordingLines(lines.join("\n"), "mem")];
  const step = parsed.find((l) => l.type === "step" && l.t === 3);
  assert.ok(step && step.type === "step");
  step.rewards[0][1] += 0.5;
  const report = replayRecording(makeBuiltinEnv("smax/3m"), parsed);
  assert.match(
    report.mismatch ?? "",
    /^episode 0 step 3: rewards\[0\]\[1\] is .* in the recording/,
  );
  assert.throws(
    () => replayRecording(makeBuiltinEnv("smax/8m"), parsed),
    /recording of "smax\/3m" on "smax\/8m"/,
  );
});

Deno.test("recording: bad files get errors naming the file, line and field", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/bad.ndjson`;
  const lines: string[] = [];
  playRandom(recordEnv(makeBuiltinEnv("toy/matching"), { write: (l) => lines.push(l) }), [0]);
  Deno.writeTextFileSync(path, [lines[0], lines[1], "{not json"].join("\n"));
  assert.throws(() => readRecording(path), new RegExp(`"${path}": line 3 is not JSON`));
  const step = JSON.parse(lines[2]);
  step.rewards = [["x"]];
  Deno.writeTextFileSync(path, [lines[0], lines[1], JSON.stringify(step)].join("\n"));
  assert.throws(() => readRecording(path), /line 3: field "rewards\[0\]\[0\]"/);
  Deno.writeTextFileSync(path, lines[1]);
  assert.throws(
    () => readRecording(path),
    /line 1: expected the "fleetkd.recording\/1" header first/,
  );
  assert.throws(
    () => readRecording(`${dir}/missing.ndjson`),
    /Cannot read recording ".*missing.ndjson"/,
  );
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("recording: an aborted recording leaves no file behind", () => {
  const dir = Deno.makeTempDirSync();
  const file = new RecordingFile(`${dir}/x.ndjson`);
  file.write("{}");
  file.abort();
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  assert.throws(() => new RecordingFile(`${dir}/no/such/dir/x.ndjson`), /Cannot write recording/);
  Deno.removeSync(dir, { recursive: true });
});

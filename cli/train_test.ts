import assert from "node:assert/strict";
import {
  intFlag,
  labelSmoothingFlag,
  lrFlag,
  nonNegativeFlag,
  onOffFlag,
  workersFlag,
} from "./cli_util.ts";
import { warmStartFor } from "./train.ts";

Deno.test("train flags: --lr takes a constant or a START:END schedule", () => {
  assert.deepEqual(lrFlag("3e-4"), { learningRate: 3e-4, finalLearningRate: 3e-4 });
  assert.deepEqual(lrFlag("3e-4:3e-5"), { learningRate: 3e-4, finalLearningRate: 3e-5 });
  assert.equal(lrFlag(undefined), undefined);
  for (const bad of ["0", "-1e-3", "fast", "1e-3:", "1e-3:1e-4:1e-5", ""]) {
    assert.throws(() => lrFlag(bad), new RegExp(`flag --lr must be .* got "${bad}"`));
  }
});

Deno.test("train flags: --entropy-coef and --steps reject what they cannot use, naming the value", () => {
  assert.equal(nonNegativeFlag("entropy-coef", "0"), 0);
  assert.equal(nonNegativeFlag("entropy-coef", "0.01"), 0.01);
  assert.throws(
    () => nonNegativeFlag("entropy-coef", "-0.1"),
    /--entropy-coef must be a number >= 0, got "-0.1"/,
  );
  assert.throws(() => nonNegativeFlag("entropy-coef", " "), /got " "/);
  assert.equal(intFlag("steps", "1_500_000"), 1_500_000);
  assert.throws(
    () => intFlag("steps", "1.5"),
    /--steps must be an integer in \[1, 9007199254740991\], got "1.5"/,
  );
});

Deno.test("train flags: --label-smoothing takes [0, 1) and needs a scenario with a warm start", async () => {
  assert.equal(labelSmoothingFlag("0.1"), 0.1);
  assert.equal(labelSmoothingFlag("0"), 0);
  assert.equal(labelSmoothingFlag(undefined), undefined);
  for (const bad of ["1", "-0.1", "lots", " "]) {
    assert.throws(
      () => labelSmoothingFlag(bad),
      new RegExp(`flag --label-smoothing must be a number in \\[0, 1\\), got "${bad}"`),
    );
  }
  // toy/matching trains from scratch: the flag is refused before any training starts.
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./train.ts", import.meta.url).pathname,
      "--scenario",
      "toy/matching",
      "--label-smoothing",
      "0.1",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  assert.match(
    new TextDecoder().decode(out.stderr),
    /--label-smoothing applies to the warm start, and toy\/matching has none/,
  );
});

Deno.test("train flags: --warm-start on|off and --warm-start-episodes scale the preset's warm start", () => {
  assert.equal(onOffFlag("warm-start", "on"), true);
  assert.equal(onOffFlag("warm-start", "off"), false);
  assert.equal(onOffFlag("warm-start", undefined), undefined);
  assert.throws(
    () => onOffFlag("warm-start", "no"),
    /flag --warm-start must be "on" or "off", got "no"/,
  );
  const preset = { episodes: 500, epochs: 40, daggerRounds: 4, daggerEpisodes: 250 };
  assert.equal(warmStartFor(preset, false, undefined), undefined);
  assert.equal(warmStartFor(undefined, true, 10), undefined);
  assert.deepEqual(warmStartFor(preset, true, undefined), preset);
  assert.deepEqual(warmStartFor(preset, true, 2), { ...preset, episodes: 2, daggerEpisodes: 1 });
  assert.deepEqual(warmStartFor({ episodes: 8, epochs: 8 }, true, 4), {
    episodes: 4,
    epochs: 8,
    daggerEpisodes: 4,
  });
});

async function train(args: string[]): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./train.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("train smoke: the warm start's budget flag and --warm-start off go into the provenance, across --resume", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fleetkd_warm_" });
  try {
    const base = ["--scenario", "mpe/simple_spread", "--steps", "1600", "--quiet"];
    const budget = await train([...base, "--warm-start-episodes", "2", "--out", `${dir}/a`]);
    assert.equal(budget.code, 0, budget.stderr);
    const a = JSON.parse(await Deno.readTextFile(`${dir}/a/summary.json`));
    assert.deepEqual(a.provenance.warmStart, {
      episodes: 2,
      epochs: 40,
      daggerRounds: 4,
      daggerEpisodes: 1,
    });
    const manifest = JSON.parse(await Deno.readTextFile(`${dir}/a/model/manifest.json`));
    assert.deepEqual(manifest.provenance.warmStart, a.provenance.warmStart);

    const off = await train([...base, "--warm-start", "off", "--out", `${dir}/b`]);
    assert.equal(off.code, 0, off.stderr);
    const resumed = await train([
      "--scenario",
      "mpe/simple_spread",
      "--steps",
      "3200",
      "--quiet",
      "--resume",
      "--out",
      `${dir}/b`,
    ]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const b = JSON.parse(await Deno.readTextFile(`${dir}/b/summary.json`));
    assert.equal(b.provenance.warmStart, "off");
    assert.equal(b.envSteps, 3200);
    assert.match(b.provenance.command, /--warm-start off/);

    const bad = await train([...base, "--warm-start", "off", "--warm-start-episodes", "3"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--warm-start is off/);
    const none = await train(["--scenario", "toy/matching", "--warm-start", "off"]);
    assert.equal(none.code, 2);
    assert.match(
      none.stderr,
      /flag --warm-start applies to the warm start, and toy\/matching has none/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train smoke: --recipe anchor trains SMAX with the recurrent MAPPO recipe; bad recipes are refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fleetkd_anchor_" });
  try {
    const run = await train([
      "--scenario",
      "smax/3m",
      "--recipe",
      "anchor",
      "--steps",
      "3200",
      "--quiet",
      "--out",
      dir,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
    assert.equal(summary.envSteps, 3200);
    assert.deepEqual(
      [summary.config.recurrent, summary.config.agentIdFeatures, summary.config.epochs],
      [true, true, 15],
    );
    const manifest = JSON.parse(await Deno.readTextFile(`${dir}/model/manifest.json`));
    assert.deepEqual([manifest.classes[0].kind, manifest.classes[0].agentIdSize], ["gru", 3]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const bad = await train(["--scenario", "smax/3m", "--recipe", "paper"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /flag --recipe must be "preset" or "anchor", got "paper"/);
  const none = await train(["--scenario", "toy/matching", "--recipe", "anchor"]);
  assert.match(none.stderr, /toy\/matching has no anchor recipe/);
  const chunk = await train(["--scenario", "smax/3m", "--recurrent", "on", "--chunk-length", "7"]);
  assert.equal(chunk.code, 2);
  assert.match(chunk.stderr, /field "chunkLength" must be a divisor of rolloutSteps \(60\)/);
});

Deno.test("train flags: --workers takes 1..the cores, names the flag and value otherwise, and refuses recurrent runs", () => {
  assert.equal(workersFlag(undefined, 2, false), 1);
  assert.equal(workersFlag("2", 2, false), 2);
  assert.equal(workersFlag("1", 2, true), 1);
  for (const bad of ["3", "0", "-1", "1.5", "two", ""]) {
    assert.throws(
      () => workersFlag(bad, 2, false),
      new RegExp(
        `flag --workers must be an integer from 1 to 2 \\(this machine's cores\\), got "${bad}"`,
      ),
    );
  }
  assert.throws(() => workersFlag("2", 2, true), /flag --workers 2: .*recurrent/);
});

Deno.test("train smoke: --workers 2 trains smax/3m on two cores with a tiny budget, and resumes", async () => {
  if (navigator.hardwareConcurrency < 2) return;
  const dir = await Deno.makeTempDir({ prefix: "fleetkd_workers_" });
  try {
    const base = ["--scenario", "smax/3m", "--quiet", "--workers", "2", "--out", dir];
    const first = await train([...base, "--steps", "1920"]);
    assert.equal(first.code, 0, first.stderr);
    const resumed = await train([...base, "--steps", "3840", "--resume"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
    assert.equal(summary.envSteps, 3840);
    assert.equal(summary.workers, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const many = await train([
    "--scenario",
    "smax/3m",
    "--workers",
    String(navigator.hardwareConcurrency + 1),
  ]);
  assert.equal(many.code, 2);
  assert.match(
    many.stderr,
    /flag --workers must be an integer from 1 to \d+ \(this machine's cores\)/,
  );
});

Deno.test("train smoke: the SMAX warm start is offered, off by default and on with --warm-start on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fleetkd_smax_warm_" });
  try {
    const base = ["--scenario", "smax/3m", "--steps", "1920", "--quiet"];
    // Without the flag the preset runs as the shipped teachers were trained: no warm start, none recorded.
    const plain = await train([...base, "--out", `${dir}/a`]);
    assert.equal(plain.code, 0, plain.stderr);
    const a = JSON.parse(await Deno.readTextFile(`${dir}/a/summary.json`));
    assert.equal(a.provenance.warmStart, undefined);
    assert.doesNotMatch(plain.stderr, /warm start/);

    const on = await train([
      ...base,
      "--warm-start",
      "on",
      "--warm-start-episodes",
      "2",
      "--out",
      `${dir}/b`,
    ]);
    assert.equal(on.code, 0, on.stderr);
    const b = JSON.parse(await Deno.readTextFile(`${dir}/b/summary.json`));
    assert.deepEqual(b.provenance.warmStart, {
      episodes: 2,
      epochs: 10,
      daggerRounds: 2,
      daggerEpisodes: 1,
    });

    const implicit = await train([...base, "--warm-start-episodes", "2", "--out", `${dir}/c`]);
    assert.equal(implicit.code, 2);
    assert.match(implicit.stderr, /smax\/3m's is off by default: add --warm-start on/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// Issue 23, findings 9 and 11: every CLI error path ends with a clear message and exit code 2 (bad
// input) or 1 (failure), never a stack trace; flags and outputs are checked before any work starts.
import assert from "node:assert/strict";
import {
  CliError,
  CliFailure,
  describeCliError,
  InputError,
  intFlag,
  MAX_SEED,
  resumeFlags,
  scenarioFlag,
} from "./cli_util.ts";
import { ScenarioError } from "../sim/fleet/scenario.ts";
import { OrbitDataError } from "../sim/orbit/errors.ts";
import { CheckpointError } from "../distill/checkpoint.ts";
import { ModelFileError } from "../policies/model_io.ts";

const ROOT = new URL("../", import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(task: string, args: string[]): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `cli/${task}.ts`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

/** Asserts the exit code, the message and that no stack trace or uncaught-error banner was printed. */
function expectError(run: Run, code: 1 | 2, task: string, message: RegExp): void {
  const context = `exit ${run.code}\n${run.stderr}`;
  assert.equal(run.code, code, context);
  assert.match(run.stderr, new RegExp(`^${task}: `, "m"), context);
  assert.match(run.stderr, message, context);
  assert.doesNotMatch(run.stderr, /^\s+at /m, `stack trace printed:\n${context}`);
  assert.doesNotMatch(run.stderr, /Uncaught|error: /, context);
}

/** Runs the cases a few at a time (2 cores are shared). */
async function inBatches<T>(
  items: T[],
  size: number,
  f: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(f));
}

Deno.test("passes: window, limit, mask and element files are bounded (finding 9)", async () => {
  const cases: [string[], RegExp][] = [
    [["--hours", "1e9"], /flag --hours must be a number in \(0, 744\], got "1e9"/],
    [["--hours", "1e6"], /flag --hours must be a number in \(0, 744\], got "1e6"/],
    [["--tle", "/dev/zero"], /"\/dev\/zero": file is a character device, expected a regular file/],
    [["--elements", "data/tle"], /"data\/tle": file is a folder, expected a regular file/],
    [
      ["--elements", "data/tle/starlink-53deg.tle", "--hours", "744"],
      /2243 satellites x 5 sites x 744 h is 8,343,960 satellite-site-hours, more than the limit of 2,500,000/,
    ],
    [["--limit", "1.5"], /flag --limit must be an integer in \[1, 1000000\], got "1\.5"/],
    [["--min-elevation", ""], /flag --min-elevation must be a number in \[-90, 90\), got ""/],
    [["--site", "x:1,2,99"], /flag --site height must be in \[-0\.5, 10\] km, got 99/],
  ];
  await inBatches(cases, 4, async ([args, message]) => {
    const run = await cli("passes", args);
    expectError(run, 2, "passes", message);
    assert.equal(run.stdout, "", "nothing printed before the refusal");
  });
});

Deno.test("simulate, evaluate: flags and --out are checked before any work (finding 11)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/a-file`;
    await Deno.writeTextFile(file, "x");
    const cases: [string, string[], RegExp][] = [
      [
        "simulate",
        ["--serve", "--port", "99999"],
        /flag --port must be an integer in \[0, 65535\]/,
      ],
      ["simulate", ["--port", "9000"], /flag --port .* needs --serve/],
      ["simulate", ["--out", `${file}/sub`], /flag --out: cannot write into ".*a-file\/sub"/],
      [
        "simulate",
        ["--seed", "9007199254740993"],
        /--seed must be an integer in \[0, 2147483647\]/,
      ],
      [
        "simulate",
        ["--scenario", `${dir}/none.json`],
        /Cannot load scenario ".*none\.json": cannot be read/,
      ],
      [
        "evaluate",
        ["--scenario", "leo-wildfire", "--out", `${file}/sub/e.json`],
        /flag --out: cannot write into ".*a-file\/sub"/,
      ],
      [
        "evaluate",
        ["--scenario", "leo-wildfire", "--seed", "2147483648"],
        /--seed must be an integer/,
      ],
    ];
    await inBatches(cases, 4, async ([task, args, message]) => {
      const run = await cli(task, args);
      expectError(run, 2, task, message);
      assert.doesNotMatch(
        run.stderr,
        /running|episodes, policy|evaluate: [a-z]+ing/,
        "no work started",
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train, baseline: --steps, --seed, --resume and scenarios without models (finding 11)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cases: [string, string[], RegExp][] = [
      [
        "train",
        ["--scenario", "toy/matching", "--steps", "1e99"],
        /--steps must be an integer in \[1, 10000000000\], got "1e99"/,
      ],
      [
        "train",
        ["--scenario", "toy/matching", "--seed", "2147483648"],
        /--seed must be an integer in \[0, 2147483647\]/,
      ],
      [
        "train",
        ["--scenario", "toy/matching", "--resume", "--out", dir],
        /flag --resume: no checkpoint at ".*checkpoint\.ckpt" .*--resume-if-present/,
      ],
      [
        "train",
        ["--scenario", "nowhere"],
        /flag --scenario: unknown scenario "nowhere"; scenarios: .*toy\/matching, or the path/,
      ],
      [
        "baseline",
        ["--scenario", "toy/matching"],
        /"toy\/matching" has no shipped models to measure/,
      ],
    ];
    await inBatches(cases, 4, async ([task, args, message]) => {
      expectError(await cli(task, args), 2, task, message);
    });
    assert.deepEqual([...Deno.readDirSync(dir)], [], "train wrote nothing");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve: a busy or unbindable address is a one-line failure, exit 1 (finding 11)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const runsDir = await Deno.makeTempDir();
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    const [busy, foreign] = await Promise.all([
      cli("serve", ["--port", String(port), "--runs-dir", runsDir]),
      // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
      cli("serve", [
        "--host",
        "192.0.2.1",
        "--port",
        "0",
        "--token",
        "t".repeat(32),
        "--runs-dir",
        runsDir,
      ]),
    ]);
    expectError(
      busy,
      1,
      "serve",
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*pick another --port`),
    );
    expectError(foreign, 1, "serve", /cannot listen on 192\.0\.2\.1:0: .*check --host/);
    // simulate --serve finds the busy port before it simulates.
    const simulate = await cli("simulate", ["--serve", "--port", String(port), "--out", runsDir]);
    expectError(simulate, 1, "simulate", new RegExp(`cannot listen on 127\.0\.0\.1:${port}`));
    assert.doesNotMatch(simulate.stderr, /running/);
  } finally {
    listener.close();
    await Deno.remove(runsDir, { recursive: true });
  }
});

Deno.test("simulate: a scenario file by path runs as fleet/<name> (finding 11)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = JSON.parse(await Deno.readTextFile(`${ROOT}scenarios/leo-wildfire.json`));
    data.name = "my-fleet";
    data.time.episodeSteps = 5;
    await Deno.writeTextFile(`${dir}/my-fleet.json`, JSON.stringify(data));
    const run = await cli("simulate", [
      "--scenario",
      `${dir}/my-fleet.json`,
      "--policy",
      "random",
      "--episodes",
      "1",
      "--out",
      `${dir}/out`,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/out/report.json`));
    assert.equal(report.envId, "fleet/my-fleet");
    // The shipped scenario's name on another file is refused (its models and runs would be mixed up).
    data.name = "leo-wildfire";
    await Deno.writeTextFile(`${dir}/copy.json`, JSON.stringify(data));
    expectError(
      await cli("simulate", ["--scenario", `${dir}/copy.json`]),
      2,
      "simulate",
      /names its scenario "leo-wildfire" \(field "name"\), the name of a shipped scenario/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runCli classification is by type: input errors 2, failures 1, internal errors without a stack", () => {
  for (
    const e of [
      new CliError("x"),
      new InputError("x"),
      new ScenarioError("s.json", "a", "bad"),
      new OrbitDataError("TLE", "x.tle", "bad"),
      new CheckpointError("x"),
      new ModelFileError("m.json", undefined, "bad"),
    ]
  ) {
    assert.equal(describeCliError(e).code, 2, e.name);
  }
  assert.equal(describeCliError(new Deno.errors.AddrInUse("in use")).code, 1);
  assert.equal(describeCliError(new CliFailure("step failed")).code, 1);
  // A RangeError is not bad input (it is what a failed allocation throws), whatever its text says.
  const oom = describeCliError(new RangeError("Cannot load: Array buffer allocation failed"));
  assert.equal(oom.code, 1);
  assert.ok(oom.internal);
  assert.match(
    oom.message,
    /internal error: RangeError: .* \(set FLEETKD_DEBUG=1 for the stack trace\)/,
  );
  const parse = new TypeError("Unknown option '--x'") as TypeError & { code: string };
  parse.code = "ERR_PARSE_ARGS_UNKNOWN_OPTION";
  assert.equal(describeCliError(parse).code, 2);
});

Deno.test("flag helpers: safe integer ranges, --resume-if-present, scenario names", async () => {
  assert.equal(intFlag("seed", String(MAX_SEED), 0, MAX_SEED), MAX_SEED);
  for (const bad of ["", " ", "2147483648", "1.5", "0x10", "-1", "1e99"]) {
    assert.throws(
      () => intFlag("seed", bad, 0, MAX_SEED),
      /--seed must be an integer in \[0, 2147483647\]/,
    );
  }
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await resumeFlags("train", dir, false, true), false, "no checkpoint: fresh start");
    await Deno.writeTextFile(`${dir}/checkpoint.ckpt`, "x");
    assert.equal(await resumeFlags("train", dir, false, true), true);
    assert.equal(await resumeFlags("train", dir, true, false), true);
    assert.equal(await resumeFlags("train", dir, false, false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(scenarioFlag("leo-wildfire").envId, "fleet/leo-wildfire");
  assert.equal(scenarioFlag(`${ROOT}scenarios/leo-wildfire.json`).envId, "fleet/leo-wildfire");
  assert.throws(() => scenarioFlag("nope"), CliError);
});

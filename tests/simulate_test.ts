/**
 * `deno task simulate` end to end, as a new user meets it: the default run on shipped models writes its
 * report; bad flags and scenario names fail with messages listing what exists; fleet scenarios without
 * models of their own deploy the shared node-class policies.
 */
import assert from "node:assert/strict";
import { defaultCatalog, FLEET_MODEL_SOURCE, scenarioFileEntry } from "../catalog/mod.ts";
import { loadPolicySet } from "../policies/model_io.ts";
import { PolicyController } from "../policies/controller.ts";
import { deployableModelsDir } from "../distill/scenario.ts";

async function simulate(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/simulate.ts", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("simulate: the default scenario runs on its shipped models and writes a report", async () => {
  const dir = await Deno.makeTempDir();
  const r = await simulate(["--episodes", "2", "--out", dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /fleet\/leo-wildfire: 2 seeded episodes/);
  for (const policy of ["students", "teacher", "baseline", "random"]) {
    assert.match(r.stdout, new RegExp(`\\| ${policy} \\|`));
  }
  // The platform model's tables: miss rates with their 95% intervals, energy from compute per class.
  assert.match(
    r.stdout,
    /\| students \| mcu-sensor \| [0-9.]+ \/ [0-9.]+ \| 3\.00 \| [0-9.e%-]+ \[0%, [0-9.e-]+%\] of /,
  );
  assert.match(
    r.stdout,
    /\| students \| cubesat \| [0-9.e+-]+ \| [0-9.e+-]+ \| [0-9.e-]+% \| [0-9.]+x \|/,
  );
  const report = JSON.parse(await Deno.readTextFile(`${dir}/report.json`));
  assert.equal(report.envId, "fleet/leo-wildfire");
  const cubesat = report.rows[0].classes.find((c: { className: string }) =>
    c.className === "cubesat"
  );
  assert.ok(cubesat.energyReduction > 1 && cubesat.fitsMemory && cubesat.fitsDeadline);
  assert.deepEqual(report.rows.map((x: { policy: string }) => x.policy), [
    "students",
    "teacher",
    "baseline",
    "random",
  ]);
  assert.ok(report.rows.every((x: { returns: number[] }) => x.returns.length === 2));
  assert.ok((await Deno.readTextFile(`${dir}/fleet.svg`)).startsWith("<svg"));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("simulate: unknown flags, scenarios and policies are clear errors", async () => {
  const flag = await simulate(["--bogus"]);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /simulate: Unknown option '--bogus'/);
  const scenario = await simulate(["--scenario", "atlantis"]);
  assert.equal(scenario.code, 2);
  assert.match(
    scenario.stderr,
    /unknown scenario "atlantis"; scenarios: .*fleet\/leo-wildfire.*mpe\/simple_spread/,
  );
  const policy = await simulate(["--policy", "oracle"]);
  assert.equal(policy.code, 2);
  assert.match(
    policy.stderr,
    /--policy must be one of students, teacher, baseline, random \(greedy is another name of baseline\), got "oracle"/,
  );
});

Deno.test("fleet scenarios without models of their own deploy the shared node-class policies", async () => {
  // A user's copy of a shipped fleet scenario runs leo-wildfire's policies until it has its own.
  const catalog = defaultCatalog();
  const leo = catalog.get(FLEET_MODEL_SOURCE).modelsDir;
  const tmp = await Deno.makeTempDir();
  const file = `${tmp}/my-copy-of-leo.json`;
  const raw = JSON.parse(await Deno.readTextFile("scenarios/leo-wildfire.json"));
  await Deno.writeTextFile(file, JSON.stringify({ ...raw, name: "my-copy-of-leo" }));
  const copy = scenarioFileEntry(file);
  await Deno.remove(tmp, { recursive: true });
  assert.equal(copy.id, "fleet/my-copy-of-leo");
  assert.equal(deployableModelsDir(copy), leo);
  assert.equal(deployableModelsDir(catalog.get("mega-shell")), catalog.get("mega-shell").modelsDir);
  assert.equal(deployableModelsDir(catalog.get("mpe/simple_speaker_listener")), undefined);
  // Node classes are what make that work: leo-wildfire's students act legally on mega-shell.
  const env = catalog.makeEnv("fleet/mega-shell");
  const set = await loadPolicySet(`${leo}/students`, {
    expect: { classes: env.classes },
    as: "plain",
  });
  const controller = new PolicyController("students", set);
  const actions = env.classes.map((c) => new Int32Array(c.count));
  let r = env.reset(3);
  for (let t = 0; t < 3; t++) {
    controller.act(r, actions);
    r = env.step(actions); // validateActions inside step: every action legal for its agent
  }
  assert.ok(env.classes.length >= 3);
});

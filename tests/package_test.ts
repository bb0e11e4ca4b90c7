/**
 * fleetkd as a package: another Deno project imports it through `links` (the README's recipe) and runs
 * an environment; `deno.json` names the package, its version, its license and its exports.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");

Deno.test("package: deno.json names the package, its version, license and every export exists", () => {
  const config = JSON.parse(Deno.readTextFileSync(`${root}/deno.json`));
  assert.equal(config.name, "@fleetkd/fleetkd");
  assert.match(config.version, /^\d+\.\d+\.\d+$/);
  assert.equal(config.license, "MIT");
  assert.ok(Deno.statSync(`${root}/LICENSE`).isFile);
  for (const [key, path] of Object.entries(config.exports as Record<string, string>)) {
    assert.ok(Deno.statSync(`${root}/${path}`).isFile, `export "${key}" -> ${path} is missing`);
  }
});

Deno.test("package: another Deno project imports @fleetkd/fleetkd through links and runs an env", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fleetkd-consumer-" });
  try {
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({
        links: [root],
        imports: { "@fleetkd/fleetkd": "jsr:@fleetkd/fleetkd@^0.1.0" },
      }),
    );
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      [
        'import { defaultCatalog, evaluateController, RandomController, toParallelEnv } from "@fleetkd/fleetkd";',
        "const catalog = defaultCatalog();",
        'const env = catalog.makeEnv("smax/3m");',
        "const r = evaluateController(env, new RandomController(env.classes, 1), { episodes: 3 });",
        'const par = toParallelEnv(catalog.makeEnv("mpe/simple_spread"));',
        "console.log(JSON.stringify({ mean: r.mean, agents: par.possible_agents }));",
      ].join("\n"),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "main.ts"],
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const result = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
    assert.ok(Number.isFinite(result.mean));
    assert.deepEqual(result.agents, ["agent_0", "agent_1", "agent_2"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

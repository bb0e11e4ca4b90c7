/**
 * fleetkd as a package: another Deno project imports it through `links` (the README's recipe) and runs
 * an environment; `deno.json` names the package, its version, its license and its exports; the real
 * tools pass on it: `deno doc --lint` on every export (nothing of fleetkd's own: only references to
 * npm dependencies' types, see `NPM_TYPES`) and `deno publish --dry-run` (no slow types).
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

/** The package's entry points, as `deno.json` names them. */
function exportPaths(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(`${root}/deno.json`));
  return Object.values(config.exports as Record<string, string>);
}

/**
 * Runs `deno <args>` in the repository without colour. Neither `deno doc --lint` nor
 * `deno publish --dry-run` needs the network (checked with both run under `unshare -n`).
 */
async function deno(args: string[]): Promise<{ code: number; text: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

/** One `error[code]: message` diagnostic of `deno doc --lint` or `deno publish`, with its location. */
interface Diagnostic {
  code: string;
  message: string;
  at: string;
}

function diagnostics(text: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const m of text.matchAll(/^(?:error|warning)\[([a-z-]+)\]: (.*)\n\s*--> (.*)$/gm)) {
    found.push({ code: m[1], message: m[2], at: m[3].replace(`${root}/`, "") });
  }
  return found;
}

/**
 * Types of npm dependencies that fleetkd's public API takes or returns (tensors, Hono apps and
 * handlers, zod schemas and errors, the prom-client registry of the server's metrics). `deno doc --lint` reports every such reference as
 * `private-type-ref`: its visibility analysis only counts symbols exported from the documented entry
 * points as public, and Deno reads npm types from files in its cache (`file:` URLs), so they look like
 * this package's own unexported types (denoland/deno#27364: other packages' types should not be
 * reported; the fix there skips `jsr:`/`npm:`/`https:` modules, not npm packages read from the cache).
 * These are the only diagnostics the test lets through; each name is checked not to be one of fleetkd's
 * own declarations.
 */
const NPM_TYPES: Record<string, string> = {
  Tensor: "@tensorflow/tfjs",
  Tensor1D: "@tensorflow/tfjs",
  Tensor2D: "@tensorflow/tfjs",
  Tensor3D: "@tensorflow/tfjs",
  Scalar: "@tensorflow/tfjs",
  Variable: "@tensorflow/tfjs",
  Sequential: "@tensorflow/tfjs",
  NamedTensorMap: "@tensorflow/tfjs",
  AdamOptimizer: "@tensorflow/tfjs",
  Hono: "hono",
  Context: "hono",
  MiddlewareHandler: "hono",
  ZodType: "zod",
  ZodError: "zod",
  Registry: "prom-client",
};

function npmTypeRef(d: Diagnostic): string | undefined {
  if (d.code !== "private-type-ref") return undefined;
  const name = /references private type '([^']+)'$/.exec(d.message)?.[1];
  return name !== undefined && name in NPM_TYPES ? name : undefined;
}

/** Names fleetkd itself declares at the top level of a module (any of them would be a real finding). */
async function ownDeclarations(): Promise<Set<string>> {
  const names = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      if (e.name.startsWith(".") || e.name === "node_modules") continue;
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.name.endsWith(".ts")) {
        const text = await Deno.readTextFile(path);
        const decl =
          /^export (?:declare )?(?:abstract )?(?:class|interface|type|enum|function|const|let) ([A-Za-z_$][\w$]*)/gm;
        for (const m of text.matchAll(decl)) names.add(m[1]);
      }
    }
  };
  await walk(root);
  return names;
}

Deno.test("package: deno doc --lint on every export reports nothing of fleetkd's own", async () => {
  const { code, text } = await deno(["doc", "--lint", ...exportPaths()]);
  const all = diagnostics(text);
  const total = /Found (\d+) documentation lint errors?\./.exec(text);
  // the parser saw every diagnostic deno counted (and none when it found none)
  assert.equal(all.length, total ? Number(total[1]) : 0, text.slice(-2000));
  const own = all.filter((d) => npmTypeRef(d) === undefined);
  assert.deepEqual(own, [], `deno doc --lint problems:\n${JSON.stringify(own, null, 2)}`);
  const declared = await ownDeclarations();
  for (const name of new Set(all.map(npmTypeRef))) {
    assert.ok(
      !declared.has(name!),
      `"${name}" is declared by fleetkd, not only by ${NPM_TYPES[name!]}`,
    );
  }
  assert.equal(code, all.length === 0 ? 0 : 1);
});

Deno.test("package: deno publish --dry-run passes with no slow types and no warnings", async () => {
  const { code, text } = await deno(["publish", "--dry-run", "--allow-dirty"]);
  assert.deepEqual(diagnostics(text), [], text.slice(0, 4000));
  assert.equal(code, 0, text.slice(-2000));
  assert.match(text, /Simulating publish of @fleetkd\/fleetkd@\d+\.\d+\.\d+ with files:/);
  assert.match(text, /Success Dry run complete/);
  // what a user imports is in the package; benchmarks and the lint/publish config's exclusions are not
  for (const path of exportPaths()) assert.ok(text.includes(`${root}/${path.slice(2)} (`), path);
  assert.ok(!text.includes(`${root}/bench/`), "bench/ is excluded from the package");
});

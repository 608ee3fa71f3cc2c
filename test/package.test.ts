/**
 * The package as a user gets it: `npm pack` the repository, `npm install` the tarball into an
 * empty directory (its dependencies come from npm's cache or the registry; no devDependencies),
 * then use it the ways the README says — `npx dmasim` commands with their exit codes, `import`
 * from plain Node, the JSON schema as `dmasim/schema`, and a strict TypeScript consumer that must
 * typecheck against the shipped .d.ts alone. Packed once, installed once (beforeAll).
 *
 * `npm pack --ignore-scripts`: npm's `prepack` would rebuild all of dist/ (scripts/build.mjs)
 * under the other test files' feet; instead test/global-setup.ts has brought the CLI bundle up to
 * date and beforeAll does the same for the declarations and the web page (test/build-parts.ts: the
 * page is built once for this file and test/e2e/web.test.ts, which serves it).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildParts } from "./build-parts.js";
import { ROOT, run, spawnCollect } from "./helpers.js";

interface Out {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without what `npm test` sets for its own package (npm_package_*, npm_lifecycle_*, ...). */
function cleanEnv(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_(package|lifecycle)_|npm_config_(local_prefix|prefix|global)$|INIT_CWD$|FORCE_COLOR$|NO_COLOR$|DMASIM_)/i.test(k)) e[k] = v;
  return e;
}

function sh(cmd: string, args: string[], cwd: string, input?: string): Promise<Out> {
  return spawnCollect(cmd, args, { cwd, env: cleanEnv(), input });
}

const node = (args: string[], cwd: string) => sh(process.execPath, args, cwd);

const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const tmp = mkdtempSync(join(tmpdir(), "dmasim-pkg-"));
const app = join(tmp, "app");
const pkgDir = join(app, "node_modules", "dmasim");
let files: string[] = [];
let installOutput = "";

beforeAll(async () => {
  // the CLI bundle is current (test/global-setup.ts); the declarations and the web page may not be
  // (test/build-parts.ts: the page under a lock shared with test/e2e/web.test.ts, which serves it)
  const b = await buildParts(["types", "web"]);
  expect(b.code, b.stderr).toBe(0);
  const pack = await sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], ROOT);
  expect(pack.code, pack.stderr).toBe(0);
  const info = (JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
  files = info.files.map((f) => f.path).sort();
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }));
  const inst = await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(tmp, info.filename)], app);
  expect(inst.code, inst.stdout + inst.stderr).toBe(0);
  installOutput = inst.stdout + inst.stderr;
}, 600_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("npm pack", () => {
  it("ships the built package: bin, dist (JS, maps, .d.ts, the web page), schema, scenarios, README, LICENSE; no sources, tests, CI or bench", () => {
    for (const f of ["package.json", "README.md", "LICENSE", "bin/dmasim.mjs", "dist/dmasim.mjs", "dist/dmasim.mjs.map", "dist/bench-worker.mjs", "dist/index.mjs", "dist/index.mjs.map", "dist/types/index.d.ts", "dist/web/index.html", "schema/scenario.schema.json", "scenarios/seed-mmap.yaml"])
      expect(files, f).toContain(f);
    const allowed = /^(package\.json|README\.md|LICENSE|bin\/dmasim\.mjs|dist\/|schema\/|scenarios\/)/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(files.filter((f) => /\.(ts|tsx)$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
    expect(files.filter((f) => /\.tmp$/.test(f))).toEqual([]);
  });

  it("the installed package has no devDependencies: no esbuild, tsx, vite or typescript", () => {
    for (const d of ["esbuild", "tsx", "vite", "typescript", "vitest"]) expect(existsSync(join(app, "node_modules", d)), d).toBe(false);
    expect(existsSync(join(pkgDir, "src"))).toBe(false);
  });
});

describe("npx dmasim from the installed package", () => {
  it("--version prints the package version; platforms lists the boards", async () => {
    const v = await sh("npx", ["dmasim", "--version"], app);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(VERSION);
    expect(v.stderr).toBe("");
    const p = await sh("npx", ["dmasim", "platforms"], app);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/^rpi4\s+arm64/m);
    expect(p.stdout).toMatch(/^rpi4-xen\s/m);
  });

  it("run a bundled scenario: exit 1 on rpi4-xen 5.13 (the wrong page), exit 0 on 5.14", async () => {
    const scen = join(pkgDir, "scenarios", "seed-mmap.yaml");
    const bad = await sh("npx", ["dmasim", "run", scen, "--kernel", "5.13"], app);
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stdout).toContain("addr_kind=vmalloc");
    expect(bad.stdout.trim().split("\n").at(-1)).toMatch(/^(FAIL|FAULT): /);
    const good = await sh("npx", ["dmasim", "run", scen, "--kernel", "5.14"], app);
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(good.stdout.trim().split("\n").at(-1)).toMatch(/^PASS: /);
  });

  it("npx dmasim headline (README, 'As a package'): the headline over the bundled scenarios, its next command naming their installed path", async () => {
    const o = await sh("npx", ["dmasim", "headline", "--json"], app);
    expect(o.code, o.stderr).toBe(0);
    const j = JSON.parse(o.stdout) as { scenarios: { file: string }[]; next: { command: string } };
    expect(j.scenarios.map((x) => x.file.replace(/^.*node_modules\/dmasim\//, "")).sort()).toEqual(["scenarios/seed-atomic-free.yaml", "scenarios/seed-mmap.yaml", "scenarios/seed-sgtable.yaml"]);
    expect(j.next.command).toMatch(/^dmasim run \S*node_modules\/dmasim\/scenarios\/seed-\S+\.yaml /);
  });

  it("bad input is one line and exit 2, not a stack trace", async () => {
    const o = await node([join(app, "node_modules", ".bin", "dmasim"), "run", "nosuch.yaml"], app);
    expect(o.code).toBe(2);
    expect(o.stderr.trim().split("\n")).toHaveLength(1);
    expect(o.stderr).not.toMatch(/\n\s+at /);
  });

  it("bench starts its worker threads from the packed dist/bench-worker.mjs", async () => {
    const o = await node([join(app, "node_modules", ".bin", "dmasim"), "bench", "-t", "2", "-s", "1", "--platform", "x86_64"], app);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout).toMatch(/^average map latency\(us\):\d+\.\d standard deviation:\d+\.\d$/m);
  });

  it("serve hands out the prebuilt page without Vite", async () => {
    const child = spawn(process.execPath, [join(app, "node_modules", ".bin", "dmasim"), "serve", "--port", "0"], { cwd: app, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    try {
      let out = "";
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const url = await new Promise<string>((ok, fail) => {
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /^dmasim: serving on (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out);
          if (m) ok(m[1]!);
        });
        child.on("exit", (code) => fail(new Error(`serve exited ${code}: ${err}`)));
      });
      expect(err).toBe(""); // nothing built
      const res = await fetch(url);
      expect(res.status).toBe(200);
      const html = await res.text();
      const script = /<script[^>]+src="\.\/(assets\/[^"]+\.js)"/.exec(html);
      expect(script, html).not.toBeNull();
      const js = await fetch(url + script![1]!);
      expect(js.status).toBe(200);
      expect(readFileSync(join(pkgDir, "dist", "web", script![1]!), "utf8")).toBe(await js.text());
    } finally {
      child.kill();
    }
  });

  it("installing the tarball runs no script of ours: no prepare or install scripts, no npm warning about them", () => {
    // npm 11 skips a dependency's install-time scripts unless the consumer approves them
    // (allowScripts) and ends `npm install` with an "install-scripts" warning naming them; a
    // prebuilt package has nothing to run at install time, so it has none.
    const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { scripts?: Record<string, string> };
    for (const s of ["preinstall", "install", "postinstall", "prepare"]) expect(pkg.scripts?.[s], s).toBeUndefined();
    expect(installOutput).not.toMatch(/install-scripts|dmasim@[0-9.]+ \(/);
    expect(existsSync(join(pkgDir, "scripts"))).toBe(false);
  });
});

describe("the library from the installed package", () => {
  it("plain Node imports it and runs a bundled scenario, with the same results as the sources", async () => {
    const code = `
      import { readFileSync } from "node:fs";
      import { createRequire } from "node:module";
      import { runScenario, parseScenarioText } from "dmasim";
      const file = createRequire(import.meta.url).resolve("dmasim/package.json").replace(/package\\.json$/, "scenarios/seed-mmap.yaml");
      const s = parseScenarioText(readFileSync(file, "utf8"), "scenarios/seed-mmap.yaml");
      const out = {};
      for (const kernel of ["5.13", "5.14"]) {
        const r = runScenario(s, { platform: "rpi4-xen", kernel });
        out[kernel] = { ok: r.ok, first_alloc_kind: r.first_alloc_kind, first_failure: r.first_failure, steps: r.steps.map((t) => ({ op: t.op, ok: t.ok, status: t.status, result: t.result, summary: t.summary })) };
      }
      console.log(JSON.stringify(out));`;
    const o = await node(["--input-type=module", "-e", code], app);
    expect(o.code, o.stderr).toBe(0);
    const got = JSON.parse(o.stdout) as Record<string, { ok: boolean; first_alloc_kind: string }>;
    expect(got["5.13"]).toMatchObject({ ok: false, first_alloc_kind: "vmalloc" });
    expect(got["5.14"]).toMatchObject({ ok: true, first_alloc_kind: "vmalloc" });
    for (const kernel of ["5.13", "5.14"]) {
      const r = run("scenarios/seed-mmap.yaml", { platform: "rpi4-xen", kernel });
      const want = { ok: r.ok, first_alloc_kind: r.first_alloc_kind, first_failure: r.first_failure, steps: r.steps.map((t) => ({ op: t.op, ok: t.ok, status: t.status, result: t.result, summary: t.summary })) };
      expect(got[kernel], kernel).toEqual(JSON.parse(JSON.stringify(want)));
    }
  });

  it("require() from CommonJS gets the same module (Node ≥ 20.19 loads ES modules with require)", async () => {
    const o = await node(["--input-type=commonjs", "--no-warnings", "-e", `const d = require("dmasim"); console.log(JSON.stringify(Object.keys(d).sort()))`], app);
    expect(o.code, o.stderr).toBe(0);
    expect(JSON.parse(o.stdout)).toEqual(expect.arrayContaining(["runScenario", "parseScenarioText", "explain", "runMatrix", "boot", "PLATFORMS", "VERSIONS", "dma", "InputError", "OptionError"]));
  });

  it("dmasim/schema resolves to the scenario JSON schema", async () => {
    const code = `
      import schema from "dmasim/schema" with { type: "json" };
      console.log(JSON.stringify({ path: import.meta.resolve("dmasim/schema"), schema }));`;
    const o = await node(["--input-type=module", "-e", code], app);
    expect(o.code, o.stderr).toBe(0);
    const got = JSON.parse(o.stdout) as { path: string; schema: { $defs: Record<string, unknown> } };
    expect(got.path).toMatch(/\/node_modules\/dmasim\/schema\/scenario\.schema\.json$/);
    expect(got.schema).toEqual(JSON.parse(readFileSync(join(ROOT, "schema", "scenario.schema.json"), "utf8")));
    expect(got.schema.$defs.dma_alloc_coherent).toBeDefined();
  });

  it("a strict TypeScript consumer typechecks against the shipped .d.ts alone (no dmasim .ts, no DOM, no @types/node)", async () => {
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: false, noEmit: true, lib: ["ES2022"], types: [] },
        files: ["consumer.ts"],
      }),
    );
    // The @ts-expect-error lines fail the check if the types were `any`: the .d.ts must be real.
    writeFileSync(
      join(app, "consumer.ts"),
      `import { runScenario, parseScenarioText, explain, runMatrix, PLATFORMS, VERSIONS, DEFAULT_KERNEL, hex64, InputError, OptionError, type RunResult, type Scenario, type TraceEvent } from "dmasim";
import type { StepResult, ExpectationResult, DiagnosticResult, AddrKind, DataSpec, StepExpect, MatrixResult, MatrixCell, Verdict, Platform, DeviceRole, KernelVersion, FaultKind, ExplainResult } from "dmasim";
const s: Scenario = parseScenarioText("name: t\\nsteps:\\n  - op: dma_alloc_coherent\\n    size: 4K\\n", "t.yaml");
const r: RunResult = runScenario(s, { platform: "rpi4", kernel: "5.14" });
const first = r.steps[0];
const events: TraceEvent[] = first ? first.trace : [];
export const summary: [boolean, string | undefined, number, number, number, string, string] = [r.ok, first?.op, events.length, PLATFORMS.length, VERSIONS.length, typeof explain, hex64(0)];
// the types a tool builder names when it keeps results (README "Library use"), and OptionError, which the README says explain throws
const step: StepResult | undefined = first;
const kind: AddrKind | null = r.first_alloc_kind;
const checks: [ExpectationResult[], DiagnosticResult[]] = [r.expectations, r.diagnostics];
const data: DataSpec = { hex: "de ad" };
const exp: StepExpect = { bounced: false, addr_kind: "linear" };
const m: MatrixResult = runMatrix([s], ["rpi4"], [DEFAULT_KERNEL]);
const cell: MatrixCell | undefined = m.cells[0];
const verdict: Verdict | undefined = cell?.verdict;
const p: Platform | undefined = PLATFORMS[0];
const nic: DeviceRole = "nic";
const role: string | undefined = p?.roles[nic];
const v: KernelVersion | undefined = VERSIONS[0];
const fk: FaultKind | undefined = r.faults[0]?.kind;
const e: ExplainResult = explain("dma_map_single", { platform: "rpi4", kernel: "5.13" });
const bounced: string | number | boolean | null | undefined = e.result.bounced;
let optionError: string | undefined;
try {
  explain("dma_map_single", { platform: "nosuch", kernel: "5.13" });
} catch (err) {
  if (err instanceof OptionError) optionError = err.format();
  else if (err instanceof InputError) optionError = "not an OptionError: " + err.format();
}
export const kept = [step, kind, checks, data, exp, verdict, role, v, fk, bounced, optionError];
// @ts-expect-error ok is a boolean
export const wrong: string = r.ok;
// @ts-expect-error runScenario takes a Scenario, not its text
runScenario("name: t", {});
`,
    );
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const o = await node([tsc, "-p", app, "--listFiles"], app);
    expect(o.stderr).toBe("");
    const listed = o.stdout.split("\n").filter((l) => l.includes("/node_modules/") && !l.includes("/node_modules/typescript/"));
    expect(o.code, o.stdout.split("\n").filter((l) => l.includes("error")).join("\n")).toBe(0);
    expect(listed).toContain(join(pkgDir, "dist", "types", "index.d.ts"));
    expect(listed.filter((l) => !l.startsWith(join(pkgDir, "dist", "types") + "/") || !l.endsWith(".d.ts"))).toEqual([]);
  });
});

// The package build (`npm run build`, and npm's `prepack` before `npm pack`/`npm publish`), into dist/.
// There is no `prepare` or install script: in a clone each part is built where it is first needed —
// the bundle by bin/dmasim.mjs (and the test suite's globalSetup), the page by `dmasim serve`, the
// declarations by test/package.test.ts — and an installed package ships all of dist/ prebuilt, so
// npm never runs a script of ours at install time (npm 11 warns about packages that have one).
//   dist/dmasim.mjs, dist/bench-worker.mjs, dist/index.mjs, dist/chunks/  esbuild (scripts/bundle.mjs), with source maps
//   dist/types/**/*.d.ts                                                   tsc -p tsconfig.build.json (declarations only)
//   dist/web/                                                              the web page, Vite (web/vite.config.ts)
// `node scripts/build.mjs [--if-stale] [bundle|types|web ...]` builds the parts named (default: all);
// `--if-stale` only those older than their sources (the test suite's globalSetup brings the bundle
// up to date, test/package.test.ts the types and the page before it packs). Everything here is a
// devDependency: the packed package ships dist/ and needs none of them.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) if (e.name !== "node_modules") t = Math.max(t, newestMtime(join(path, e.name)));
  return t;
}

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : -1);
const stale = (out, inputs) => mtime(out) < Math.max(...inputs.map((i) => newestMtime(join(root, i))));

/** The parts of the build: output file whose age decides, the inputs, and how to make it. */
const PARTS = [
  {
    name: "bundle",
    out: join(dist, "dmasim.mjs"),
    inputs: ["src", "package.json", "scripts/bundle.mjs"],
    async make() {
      const { bundle } = await import("./bundle.mjs");
      const files = new Set(await bundle());
      // drop chunks of earlier builds (content-hashed names), so a pack ships only its own
      if (existsSync(join(dist, "chunks")))
        for (const f of readdirSync(join(dist, "chunks"))) if (!files.has(join(dist, "chunks", f))) rmSync(join(dist, "chunks", f));
    },
  },
  {
    name: "types",
    out: join(dist, "types", "index.d.ts"),
    inputs: ["src", "tsconfig.json", "tsconfig.build.json"],
    async make() {
      rmSync(join(dist, "types"), { recursive: true, force: true });
      const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
      const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
      if (r.status !== 0) throw new Error("tsc -p tsconfig.build.json failed");
    },
  },
  {
    name: "web",
    out: join(dist, "web", "index.html"),
    inputs: ["web", "src", "scenarios"],
    async make() {
      const vite = await import("vite");
      await vite.build({ configFile: join(root, "web", "vite.config.ts"), logLevel: "warn", build: { outDir: join(dist, "web"), emptyOutDir: true } });
    },
  },
];

/** Build the parts named (default: all); with ifStale only those older than their inputs. Returns the names built. */
export async function build({ ifStale = false, parts = PARTS.map((p) => p.name) } = {}) {
  for (const n of parts) if (!PARTS.some((p) => p.name === n)) throw new Error(`no part '${n}' (parts: ${PARTS.map((p) => p.name).join(", ")})`);
  const built = [];
  for (const p of PARTS) {
    if (!parts.includes(p.name)) continue;
    if (ifStale && !stale(p.out, p.inputs)) continue;
    await p.make();
    built.push(p.name);
  }
  return built;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // No src/ (not a clone: an installed package ships dist/ prebuilt and not this script): nothing to build from.
  if (!existsSync(join(root, "src"))) {
    console.error("dmasim build: no src/ here, nothing to build (an installed package ships dist/ prebuilt)");
    process.exit(0);
  }
  const t = performance.now();
  try {
    const names = process.argv.slice(2).filter((a) => !a.startsWith("--"));
    const built = await build({ ifStale: process.argv.includes("--if-stale"), ...(names.length ? { parts: names } : {}) });
    if (built.length) console.error(`dmasim build: ${built.join(", ")} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  } catch (e) {
    console.error(`dmasim build: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

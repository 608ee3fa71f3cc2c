// Bundle the CLI (src/cli/main.ts and the engine) into dist/dmasim.mjs with esbuild, plus
// dist/bench-worker.mjs for `dmasim bench`'s worker threads and dist/index.mjs, the library
// (src/index.ts, the package's "." export; its types come from tsc, scripts/build.mjs). Code the CLI imports lazily (the
// engine for `run`, zod for schema checks, ...) goes into content-hashed chunks under dist/chunks,
// so `dmasim --version` loads only what it needs.
// Two builds: the library keeps every npm package external (node_modules). The CLI and its worker
// threads inline the scenario reader's packages, yaml and zod (INLINE): loading them from
// node_modules (about 150 small modules, each resolved, read and compiled) was a third of the CPU
// time of a short `dmasim run` (0.55 s → 0.39 s for a scenario with a YAML error, 0.60 s → 0.48 s
// for seed-mmap.yaml); the other packages (commander, picocolors, cli-table3) stay external. yaml's
// Node build is CommonJS and requires Node's own modules, so the CLI's files get a `require`
// (createRequire, the banner) for those. The packages stay dependencies in package.json.
// Chunks are written first and entry files last, each under a temporary name then renamed, so
// concurrent launchers never import a half-written bundle.
import { build } from "esbuild";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** npm packages the CLI's files inline (see above); every other package stays external. */
const INLINE = ["yaml", "zod"];

/** esbuild plugin: a bare import is external unless it is one of INLINE (or a file inside one). */
const externalButInline = {
  name: "external-but-inline",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (a) => {
      const pkg = a.path.startsWith("@") ? a.path.split("/").slice(0, 2).join("/") : a.path.split("/")[0];
      return INLINE.includes(pkg) && !a.path.startsWith("node:") ? undefined : { path: a.path, external: true };
    });
  },
};

const common = {
  outdir: root + "dist",
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  splitting: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
  write: false,
};

export async function bundle() {
  const [cli, lib] = await Promise.all([
    build({
      ...common,
      entryPoints: { dmasim: root + "src/cli/main.ts", "bench-worker": root + "src/cli/bench-worker.ts", "fuzz-worker": root + "src/cli/fuzz-worker.ts", "matrix-worker": root + "src/cli/matrix-worker.ts" },
      plugins: [externalButInline],
      banner: { js: 'import { createRequire as __dmasimCreateRequire } from "node:module"; const require = __dmasimCreateRequire(import.meta.url);' },
    }),
    build({ ...common, entryPoints: { index: root + "src/index.ts" }, packages: "external" }),
  ]);
  const r = { outputFiles: [...cli.outputFiles, ...lib.outputFiles] };
  const isEntry = (p) => /[\\/]dist[\\/](dmasim|bench-worker|fuzz-worker|matrix-worker|index)\.mjs(\.map)?$/.test(p);
  const files = [...r.outputFiles].sort((a, b) => Number(isEntry(a.path)) - Number(isEntry(b.path)) || (a.path.endsWith(".map") ? -1 : 1));
  for (const f of files) {
    mkdirSync(dirname(f.path), { recursive: true });
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  return files.map((f) => f.path);
}

if (import.meta.url === `file://${process.argv[1]}`) await bundle();

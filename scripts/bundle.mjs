// Bundle the CLI (src/cli/main.ts and the engine) into dist/dmasim.mjs with esbuild, plus
// dist/bench-worker.mjs for `dmasim bench`'s worker threads and dist/index.mjs, the library
// (src/index.ts, the package's "." export; its types come from tsc, scripts/build.mjs). Code the CLI imports lazily (the
// engine for `run`, zod for schema checks, ...) goes into content-hashed chunks under dist/chunks,
// so `dmasim --version` loads only what it needs. npm packages stay external (node_modules).
// Chunks are written first and entry files last, each under a temporary name then renamed, so
// concurrent launchers never import a half-written bundle.
import { build } from "esbuild";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export async function bundle() {
  const r = await build({
    entryPoints: { dmasim: root + "src/cli/main.ts", "bench-worker": root + "src/cli/bench-worker.ts", "fuzz-worker": root + "src/cli/fuzz-worker.ts", "matrix-worker": root + "src/cli/matrix-worker.ts", index: root + "src/index.ts" },
    outdir: root + "dist",
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "linked",
    logLevel: "warning",
    write: false,
  });
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

// Bundle the CLI (src/cli/main.ts and the engine) into dist/dmasim.mjs with esbuild.
// npm packages stay external (resolved from node_modules at run time). The files are written
// under a temporary name and renamed, so concurrent launchers never import a half-written bundle.
import { build } from "esbuild";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export async function bundle() {
  const r = await build({
    entryPoints: [root + "src/cli/main.ts"],
    outfile: root + "dist/dmasim.mjs",
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "linked",
    logLevel: "warning",
    write: false,
  });
  mkdirSync(root + "dist", { recursive: true });
  // the map first, so the bundle never points at a missing map
  const files = [...r.outputFiles].sort((a) => (a.path.endsWith(".map") ? -1 : 1));
  for (const f of files) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  return files.map((f) => basename(f.path));
}

if (import.meta.url === `file://${process.argv[1]}`) await bundle();

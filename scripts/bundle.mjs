// Bundle the CLI (src/cli/main.ts and the engine) into dist/dmasim.mjs with esbuild.
// npm packages stay external (resolved from node_modules at run time).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export async function bundle() {
  await build({
    entryPoints: [root + "src/cli/main.ts"],
    outfile: root + "dist/dmasim.mjs",
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "linked",
    logLevel: "warning",
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await bundle();

// The esbuild options both suite builds share (bench/bench.mjs, bench/build-before.mjs): the suite
// and its RSS child bundled as plain ESM JavaScript, npm packages left external.
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));

/** Options for bundling the suite into `outdir`. */
export function suiteBuildOptions(outdir) {
  return {
    entryPoints: { run: here + "run.ts", "rss-child": here + "rss-child.ts", "boot-child": here + "boot-child.ts", "pairs-cpu": here + "pairs-cpu.ts", "pairs-callgrind": here + "pairs-callgrind.ts" },
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  };
}

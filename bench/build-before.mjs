#!/usr/bin/env node
// Build the suite as bench/.build-before/run.mjs with the engine (every file under src/) as it was
// at a git revision, the suite itself as in the working tree, so the "before" column of
// bench/README.md is measured by the same cases:
//   node bench/build-before.mjs [rev]      (default 9b0521e, before issue 10's work)
//   node bench/.build-before/run.mjs --only map_unmap_swiotlb_4k_ns,copy_4k_x2_ns
// Figures that run the CLI (startup_ms, run_100k_*, matrix_all_ms, fuzz_*, bench_t2_speedup)
// run bin/dmasim.mjs of the working tree: measure those from a `git worktree` of the revision.
import { build } from "esbuild";
import { suiteBuildOptions } from "./esbuild-options.mjs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const rev = process.argv[2] ?? "9b0521e";
await build({
  ...suiteBuildOptions(root + "bench/.build-before"),
  plugins: [
    {
      name: "src-from-git",
      setup(b) {
        b.onLoad({ filter: /\.ts$/ }, (a) => {
          const rel = a.path.slice(root.length);
          if (!rel.startsWith("src/")) return undefined;
          try {
            return { contents: execFileSync("git", ["show", `${rev}:${rel}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }), loader: "ts" };
          } catch {
            return undefined; // a file the revision did not have (e.g. src/boot-cache.ts): the working tree's
          }
        });
      },
    },
  ],
});

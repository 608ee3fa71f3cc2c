#!/usr/bin/env node
// Build the suite as bench/.build-before/run.mjs with some engine files taken from git (the
// versions before the performance work of issue 4), everything else as in the working tree, so
// the "before" column of bench/README.md can be measured with the same suite:
//   node bench/build-before.mjs && node bench/.build-before/run.mjs --only map_unmap_swiotlb_4k_ns
import { build } from "esbuild";
import { suiteBuildOptions } from "./esbuild-options.mjs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const OLD = {
  "src/mm/cache.ts": "8076582~1",
  "src/mm/physmem.ts": "8076582~1",
  "src/kernel/dma/swiotlb.ts": "8076582~1",
  "src/kernel.ts": "a77818c~1",
};
await build({
  ...suiteBuildOptions(root + "bench/.build-before"),
  plugins: [
    {
      name: "files-from-git",
      setup(b) {
        b.onLoad({ filter: /\.ts$/ }, (a) => {
          const rel = a.path.slice(root.length);
          if (!OLD[rel]) return undefined;
          return { contents: execFileSync("git", ["show", `${OLD[rel]}:${rel}`], { cwd: root, encoding: "utf8" }), loader: "ts" };
        });
      },
    },
  ],
});

#!/usr/bin/env node
// Build bench/fuzz-window.ts twice: after.mjs from the working tree, and (given a git revision)
// before.mjs with every src/ file as it was at that revision.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const opts = (outfile, plugins) => ({ entryPoints: [root + "bench/fuzz-window.ts"], outfile, bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "warning", plugins });
await build(opts(root + "bench/.build-window/after.mjs", []));
const rev = process.argv[2];
if (rev) {
  const fromGit = {
    name: "src-from-git",
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (a) => {
        const rel = a.path.slice(root.length);
        if (!rel.startsWith("src/")) return undefined;
        // a file the revision does not have (src/cli/helper-nice.ts before stop 26): the working tree's
        try {
          return { contents: execFileSync("git", ["show", `${rev}:${rel}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }), loader: "ts" };
        } catch {
          return undefined;
        }
      });
    },
  };
  await build(opts(root + "bench/.build-window/before.mjs", [fromGit]));
}

#!/usr/bin/env node
// dmasim launcher. Runs dist/dmasim.mjs, an esbuild bundle of src/cli/main.ts, rebuilding it first
// (about 0.2 s) when it is missing or older than any file under src/. A bundle starts in tens of
// milliseconds and runs the engine without tsx's per-import getters; DMASIM_TSX=1 runs the
// TypeScript sources through tsx instead (for debugging with source maps).
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "dist", "dmasim.mjs");

function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

if (process.env.DMASIM_TSX === "1") {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
} else {
  const srcDir = join(root, "src");
  const stale = !existsSync(out) || (existsSync(srcDir) && statSync(out).mtimeMs < Math.max(newestMtime(srcDir), statSync(join(root, "package.json")).mtimeMs));
  if (stale) {
    const { bundle } = await import("../scripts/bundle.mjs");
    await bundle();
  }
  await import(out);
}

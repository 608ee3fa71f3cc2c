#!/usr/bin/env node
// dmasim launcher. Runs dist/dmasim.mjs, the prebuilt esbuild bundle of src/cli/main.ts (the
// package ships it). In a clone, where src/ exists, a bundle that is missing (the first run after
// `npm ci`: the package has no install-time scripts) or older than any file under src/ is built
// first (about 0.3 s of esbuild, a devDependency). DMASIM_TSX=1 runs the TypeScript sources through tsx instead (a clone
// only; for debugging with source maps). Whatever is missing, the launcher says so in one line
// and exits 2: never a stack trace.
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "dist", "dmasim.mjs");
const srcDir = join(root, "src");

function fail(msg) {
  process.stderr.write(`dmasim: ${msg}\n`);
  process.exit(2);
}

/** Whether a file under `dir` was modified after `t` (ms): stops at the first one; a fresh bundle costs a stat per file (~170 under src/). */
function newerUnder(dir, t) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory() ? newerUnder(p, t) : statSync(p).mtimeMs > t) return true;
  }
  return false;
}

if (process.env.DMASIM_TSX === "1") {
  if (!existsSync(srcDir)) fail("DMASIM_TSX=1 needs the TypeScript sources (a clone of the repository); this package has only dist/");
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    fail("DMASIM_TSX=1 needs tsx (a devDependency: run npm ci in the dmasim folder)");
  }
  register();
  await import(pathToFileURL(join(srcDir, "cli", "main.ts")).href);
} else {
  const bundler = join(root, "scripts", "bundle.mjs");
  // an edited file under src/ (or package.json) makes the bundle stale: every file is stat'ed (a
  // directory's mtime changes only when entries are added or removed, not when a file is edited)
  const built = existsSync(srcDir) && existsSync(bundler) ? (existsSync(out) ? statSync(out).mtimeMs : -1) : undefined;
  const stale = built !== undefined && (built < 0 || statSync(join(root, "package.json")).mtimeMs > built || newerUnder(srcDir, built));
  if (stale) {
    try {
      const { bundle } = await import(pathToFileURL(bundler).href);
      await bundle();
    } catch (e) {
      const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
      // no esbuild (devDependencies not installed): run the bundle there is, if any; a build error
      // in src/ (esbuild has printed it) must not run stale code
      if (e?.code !== "ERR_MODULE_NOT_FOUND") fail(`cannot build dist/dmasim.mjs from src/: ${why}`);
      if (!existsSync(out)) fail(`cannot build dist/dmasim.mjs from src/ (${why}); run npm ci in the dmasim folder`);
      process.stderr.write(`dmasim: warning: dist/dmasim.mjs is older than src/ and esbuild is not installed to rebuild it\n`);
    }
  }
  if (!existsSync(out)) fail(`${out} is missing: this copy of dmasim is not built (reinstall the package; in a clone of the repository, run npm ci)`);
  await import(pathToFileURL(out).href);
}

/**
 * vitest globalSetup: bring the CLI bundle (dist/dmasim.mjs and its chunks, which every test that
 * spawns bin/dmasim.mjs runs) up to date before any test runs: `node scripts/build.mjs --if-stale
 * bundle`, about 0.3 s when src/ changed or on the first run in a fresh clone (`npm ci` builds
 * nothing: the package has no install-time scripts), nothing otherwise. The declarations and the
 * web page are brought up to date by the tests that need them (test/build-parts.ts: package.test.ts
 * and e2e/web.test.ts), so a single test file run after an edit stays fast.
 * It also makes the directory where test/helpers.ts runCliOnce leaves each CLI run's result for the
 * other worker (removed at the end of the run).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** test/helpers.ts runCliOnce: where one worker leaves a CLI run's result for the other */
    cliOnceDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  // runCliOnce's results, shared by the workers for this run (test/helpers.ts)
  const dir = mkdtempSync(join(tmpdir(), "dmasim-cli-once-"));
  project.provide("cliOnceDir", dir);
  const root = fileURLToPath(new URL("..", import.meta.url));
  const r = spawnSync(process.execPath, [join(root, "scripts", "build.mjs"), "--if-stale", "bundle"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error("the build (node scripts/build.mjs --if-stale bundle) failed; see above");
  return () => rmSync(dir, { recursive: true, force: true });
}

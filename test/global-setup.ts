/**
 * vitest globalSetup: bring the CLI bundle (dist/dmasim.mjs and its chunks, which every test that
 * spawns bin/dmasim.mjs runs) up to date before any test runs: `node scripts/build.mjs --if-stale
 * bundle`, about 0.3 s when src/ changed or on the first run in a fresh clone (`npm ci` builds
 * nothing: the package has no install-time scripts), nothing otherwise. The declarations and the web page are brought up to date by test/package.test.ts,
 * the only test that needs them, so a single test file run after an edit stays fast.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const r = spawnSync(process.execPath, [join(root, "scripts", "build.mjs"), "--if-stale", "bundle"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error("the build (node scripts/build.mjs --if-stale bundle) failed; see above");
}

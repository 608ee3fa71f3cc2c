/**
 * vitest globalSetup: bring dist/ up to date before any test runs (`node scripts/build.mjs
 * --if-stale`: the CLI bundle the CLI tests spawn, the declarations and the web page the package
 * test packs). After `npm ci` (whose `prepare` script builds everything) there is nothing to do.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const r = spawnSync(process.execPath, [join(root, "scripts", "build.mjs"), "--if-stale"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error("the build (node scripts/build.mjs --if-stale) failed; see above");
}

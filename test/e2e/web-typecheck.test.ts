/**
 * The web page's sources typecheck under their own tsconfig (web/tsconfig.json: Preact JSX, the
 * DOM lib, bundler resolution); the root `tsc --noEmit` does not include web/.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("web page sources", () => {
  it("typecheck: tsc --noEmit -p web", () => {
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", join(ROOT, "web")], { cwd: ROOT, encoding: "utf8", timeout: 180_000 });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 180_000);
});

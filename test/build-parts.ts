/**
 * `node scripts/build.mjs --if-stale PART`, once per part for the whole test run: the web page is
 * needed by test/package.test.ts (it packs dist/web) and test/e2e/web.test.ts (it serves it), which
 * run at the same time in different workers. Each part is built under its own lock (a directory in
 * the temp directory, named after this checkout, that holds the builder's pid; not in dist/, which
 * npm pack ships), so the second file waits for the first file's build and then
 * finds the part fresh instead of building it again (a Vite build is ~9 CPU-seconds, tsc's
 * declarations ~14) or emptying dist/web under the other's feet. A lock whose process is gone (a
 * run that was killed mid-build) is taken over.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./helpers.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Take this checkout's build lock for PART (waiting while a live process holds it); returns the release function. */
async function lock(part: string): Promise<() => void> {
  const dir = join(tmpdir(), `dmasim-build-lock-${createHash("sha256").update(ROOT).digest("hex").slice(0, 12)}-${part}`);
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, "pid"), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(join(dir, "pid"), "utf8"));
    } catch {
      // just created, pid not written yet: wait
    }
    if (Number.isInteger(holder) && holder > 0 && !alive(holder)) rmSync(dir, { recursive: true, force: true });
    else await new Promise((r) => setTimeout(r, 200));
  }
}

/** Bring the named parts of dist/ up to date (scripts/build.mjs --if-stale), one builder per part at a time; resolves with the build's stderr. */
export async function buildParts(parts: ("types" | "web")[]): Promise<{ code: number | null; stderr: string }> {
  let stderr = "";
  for (const part of parts) {
    const release = await lock(part);
    try {
      const r = await new Promise<{ code: number | null; stderr: string }>((ok, fail) => {
        const p = spawn(process.execPath, [join(ROOT, "scripts", "build.mjs"), "--if-stale", part], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
        let err = "";
        p.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
        p.on("error", fail);
        p.on("close", (code) => ok({ code, stderr: err }));
      });
      stderr += r.stderr;
      if (r.code !== 0) return { code: r.code, stderr };
    } finally {
      release();
    }
  }
  return { code: 0, stderr };
}

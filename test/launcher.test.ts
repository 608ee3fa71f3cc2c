/**
 * bin/dmasim.mjs, the launcher, where the build is missing or cannot be made: one line on stderr
 * and exit 2, never a stack trace. Each case is a copy of the launcher in a temp directory laid out
 * like a clone or an installed package, with node_modules holding everything but esbuild (as when
 * the devDependencies are not installed) — and, last, a fresh clone after `npm ci` (which builds
 * nothing: the package has no prepare script), where the launcher builds dist/ itself.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A directory with bin/dmasim.mjs, package.json and node_modules without esbuild (unless `esbuild`); `src` (a stub, or with `esbuild` the real sources) and `dist` as asked. */
function layout(o: { src: boolean; dist: boolean; esbuild?: boolean }): string {
  const dir = mkdtempSync(join(tmpdir(), "dmasim-launcher-"));
  dirs.push(dir);
  mkdirSync(join(dir, "bin"));
  copyFileSync(join(ROOT, "bin", "dmasim.mjs"), join(dir, "bin", "dmasim.mjs"));
  copyFileSync(join(ROOT, "package.json"), join(dir, "package.json"));
  mkdirSync(join(dir, "node_modules"));
  for (const e of readdirSync(join(ROOT, "node_modules"))) if ((o.esbuild || (e !== "esbuild" && e !== "@esbuild")) && e !== ".bin") symlinkSync(join(ROOT, "node_modules", e), join(dir, "node_modules", e));
  if (o.src) {
    mkdirSync(join(dir, "scripts"));
    copyFileSync(join(ROOT, "scripts", "bundle.mjs"), join(dir, "scripts", "bundle.mjs"));
    if (o.esbuild) cpSync(join(ROOT, "src"), join(dir, "src"), { recursive: true });
    else {
      mkdirSync(join(dir, "src"));
      writeFileSync(join(dir, "src", "index.ts"), "export {};\n");
    }
  }
  if (o.dist) {
    cpSync(join(ROOT, "dist"), join(dir, "dist"), { recursive: true, filter: (s) => !s.includes(join("dist", "web")) && !s.includes(join("dist", "types")) });
    // older than src/ and package.json: a clone would rebuild it
    const old = new Date(Date.now() - 3600_000);
    utimesSync(join(dir, "dist", "dmasim.mjs"), old, old);
  }
  return dir;
}

function launch(dir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [join(dir, "bin", "dmasim.mjs"), ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("bin/dmasim.mjs without a usable build", () => {
  it("a clone without dist/ and without esbuild: one line naming npm ci, exit 2", () => {
    const o = launch(layout({ src: true, dist: false }), ["--version"]);
    expect(o.code).toBe(2);
    expect(o.stdout).toBe("");
    expect(o.stderr.trim().split("\n")).toHaveLength(1);
    expect(o.stderr).toMatch(/^dmasim: cannot build dist\/dmasim\.mjs from src\/ \(.*esbuild.*\); run npm ci in the dmasim folder\n$/);
  });

  it("a clone whose dist/ is older than src/ and no esbuild: runs the bundle it has, with a one-line warning", () => {
    const o = launch(layout({ src: true, dist: true }), ["--version"]);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout.trim()).toBe(VERSION);
    expect(o.stderr).toBe("dmasim: warning: dist/dmasim.mjs is older than src/ and esbuild is not installed to rebuild it\n");
  });

  it("a package without dist/: one line, exit 2", () => {
    const o = launch(layout({ src: false, dist: false }), ["platforms"]);
    expect(o.code).toBe(2);
    expect(o.stderr).toMatch(/^dmasim: .*dist\/dmasim\.mjs is missing: this copy of dmasim is not built \(reinstall the package; in a clone of the repository, run npm ci\)\n$/);
  });

  it("DMASIM_TSX=1 in a package (no sources): one line, exit 2", () => {
    const o = launch(layout({ src: false, dist: true }), ["--version"], { DMASIM_TSX: "1" });
    expect(o.code).toBe(2);
    expect(o.stderr).toBe("dmasim: DMASIM_TSX=1 needs the TypeScript sources (a clone of the repository); this package has only dist/\n");
  });

  it("a package with dist/ never tries to build: no warning even though dist/ is old", () => {
    const o = launch(layout({ src: false, dist: true }), ["--version"]);
    expect(o).toEqual({ code: 0, stdout: VERSION + "\n", stderr: "" });
  });
});

describe("bin/dmasim.mjs in a fresh clone after npm ci", () => {
  it("no dist/ yet (npm ci builds nothing): the first command builds the bundle and the library, quietly, and runs", () => {
    const dir = layout({ src: true, dist: false, esbuild: true });
    const o = launch(dir, ["--version"]);
    expect(o).toEqual({ code: 0, stdout: VERSION + "\n", stderr: "" });
    for (const f of ["dmasim.mjs", "index.mjs", "bench-worker.mjs", "fuzz-worker.mjs", "matrix-worker.mjs"]) expect(existsSync(join(dir, "dist", f)), f).toBe(true);
    // the second run finds the bundle current and builds nothing
    const again = launch(dir, ["platforms", "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { platforms: { id: string }[] }).platforms.map((p) => p.id)).toContain("rpi4-xen");
  }, 120_000);
});

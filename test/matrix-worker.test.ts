/**
 * `dmasim matrix --jobs 2`'s worker thread: it loads the scenario locators (src/scenario/source-locate.ts),
 * not the parser, and still places a run-time error at its file:line:col as the main thread does;
 * DMASIM_MATRIX_TIMELINE=1 (bench/matrix-timeline.mjs) marks each thread's start, claims and end
 * on stderr and leaves the result as it is.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function cli(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, ["bin/dmasim.mjs", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("matrix worker thread", () => {
  it("the worker's bundle does not load the parser or zod (its scenarios come parsed)", () => {
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/^(?:import|export)[^;]*?from\s*"(\.[^"]+)"/gms)) walk(join(file, "..", m[1]!));
    };
    walk(join(ROOT, "dist", "matrix-worker.mjs"));
    const all = [...seen].map((f) => readFileSync(f, "utf8")).join("\n");
    expect(all).not.toMatch(/node_modules\/zod\//);
    expect(all).not.toMatch(/^\/\/ src\/scenario\/parse\.ts$/m);
    expect(all).toMatch(/^\/\/ src\/scenario\/source-locate\.ts$/m);
  });

  it("a run-time error in the worker's cells is placed at file:line:col, as --jobs 1 places it", { timeout: 120_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), "dmasim-mw-"));
    try {
      const f = join(dir, "loc.yaml");
      writeFileSync(f, "name: a run-time config error\nconfig:\n  mem: 3G\nsteps:\n  - op: dma_alloc_coherent\n    size: 4096\n    as: buf\n");
      const args = ["matrix", f, "--platforms", "rpi4,arm32,x86_64,arm64-coherent", "--kernels", "5.10,6.1", "--json"];
      const one = cli({}, ...args, "--jobs", "1");
      const two = cli({ DMASIM_MATRIX_TIMELINE: "1" }, ...args, "--jobs", "2");
      expect(one.code).toBe(2);
      expect(two.code).toBe(2);
      expect(two.stdout).toBe(one.stdout);
      const cells = (JSON.parse(one.stdout) as { cells: { platform: string; verdict: string; error: string }[] }).cells;
      expect(cells).toHaveLength(8);
      for (const c of cells) expect(c.error).toBe(`${f}:3:8: mem: 3G is not a RAM size of ${c.platform} (use ${c.platform === "arm32" ? "512M, 1G, 2G" : c.platform === "rpi4" ? "1G, 2G, 4G, 8G, 16G, 32G, 64G, 128G, 256G, 512G, 1024G" : "2G, 4G, 8G, 16G, 32G, 64G, 128G, 256G, 512G, 1024G"})`);
      // the timeline: main and one worker; the 8 columns claimed once between them, each thread ending on -1
      const marks = two.stderr
        .split("\n")
        .filter((l) => l.startsWith("matrix-timeline "))
        .map((l) => {
          const [, thread, ev, k, t, cpu] = l.split(" ");
          return { thread: thread!, ev: ev!, k: Number(k), t: Number(t), cpu: Number(cpu) };
        });
      expect(one.stderr).not.toContain("matrix-timeline");
      const threads = [...new Set(marks.map((m) => m.thread))].sort();
      expect(threads).toEqual(["main", expect.stringMatching(/^worker\d+$/)]);
      const claims = marks.filter((m) => m.ev === "claim");
      expect(claims.filter((m) => m.k >= 0).map((m) => m.k).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      for (const th of threads) expect(claims.filter((m) => m.thread === th).at(-1)!.k).toBe(-1);
      expect(marks.filter((m) => m.thread === threads[1]).map((m) => m.ev)).toEqual(expect.arrayContaining(["loaded", "job", "posted"]));
      expect(marks.filter((m) => m.thread === "main").map((m) => m.ev).slice(-3)).toEqual(["cells", "faults", "exit"]);
      for (const th of threads) {
        const own = marks.filter((m) => m.thread === th && m.ev !== "origin");
        for (let i = 1; i < own.length; i++) {
          expect(own[i]!.t).toBeGreaterThanOrEqual(own[i - 1]!.t);
          expect(own[i]!.cpu).toBeGreaterThanOrEqual(own[i - 1]!.cpu);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

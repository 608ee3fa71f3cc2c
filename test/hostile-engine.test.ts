/**
 * The engine-misuse corpus (test/hostile-engine/, manifest format 1 of test/hostile/README.md):
 * schema-valid scenarios that misuse the DMA API. Each runs in-process as `dmasim run FILE` would
 * (exit code; the rendered text must match `stdout`; time and heap bounds), the ones marked `cli`
 * also through the built CLI. Then the misuse sweep: every file on every platform × every kernel
 * (plus 5.6, 5.13 and 5.19 with every debug option) — never an internal error, never a thrown JS
 * error; only input errors that are real input errors (grant ops off Xen).
 *
 * (After the scen branch lands, the per-case part can be `corpusTests("test/hostile-engine", 40, 5)`
 * from test/hostile-corpus.ts; the sweep stays here.)
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/core/faults.js";
import { renderRunText } from "../src/format/run.js";
import { PLATFORMS } from "../src/platforms/index.js";
import { VERSIONS } from "../src/versions.js";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runScenario } from "../src/scenario/runner.js";
import type { RunResult } from "../src/scenario/types.js";
import { ROOT } from "./helpers.js";

interface Case {
  exit: number;
  stdout?: string;
  stderr?: string;
  args?: string[];
  time_ms?: number;
  heap_mb?: number;
  cli?: boolean;
  why?: string;
}

const DIR = join(ROOT, "test", "hostile-engine");
const manifest = JSON.parse(readFileSync(join(DIR, "manifest.json"), "utf8")) as { format: 1; defaults: Partial<Case>; cases: Record<string, Partial<Case>> };
const files = readdirSync(DIR).filter((f) => f !== "manifest.json" && !f.startsWith("README")).sort();
const scenarios = new Map(files.map((f) => [f, parseScenarioText(readFileSync(join(DIR, f), "utf8"), f)]));

function run(f: string, o: Parameters<typeof runScenario>[1] = {}): { exit: number; text: string; err: string; r?: RunResult } {
  try {
    const r = runScenario(scenarios.get(f)!, o);
    return { exit: r.ok ? 0 : 1, text: renderRunText(r), err: "", r };
  } catch (e) {
    if (e instanceof InputError) return { exit: 2, text: "", err: e.format() };
    return { exit: 3, text: "", err: String((e as Error).stack) };
  }
}

describe("hostile-engine corpus", () => {
  it("has at least 40 files, one case per file and one file per case", () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    expect(Object.keys(manifest.cases).sort()).toEqual(files);
  });

  for (const f of files) {
    const c = { ...manifest.defaults, ...manifest.cases[f] } as Case;
    it(`${f}: exit ${c.exit}${c.why ? ` — ${c.why}` : ""}`, () => {
      const heap0 = process.memoryUsage().heapUsed;
      const t0 = performance.now();
      const r = run(f);
      const ms = performance.now() - t0;
      expect(r.exit, r.err).toBe(c.exit);
      if (c.stdout) expect(r.text).toMatch(new RegExp(c.stdout));
      if (c.stderr) expect(r.err).toMatch(new RegExp(c.stderr));
      expect(ms, "time bound (ms)").toBeLessThan(c.time_ms ?? 20000);
      expect((process.memoryUsage().heapUsed - heap0) / 2 ** 20, "heap bound (MB)").toBeLessThan(c.heap_mb ?? 512);
    });
  }

  for (const f of files.filter((x) => manifest.cases[x]!.cli)) {
    const c = { ...manifest.defaults, ...manifest.cases[f] } as Case;
    it(`${f}: through the built CLI`, { timeout: 60_000 }, () => {
      const p = spawnSync(process.execPath, [`--max-old-space-size=${c.heap_mb ?? 512}`, join(ROOT, "bin", "dmasim.mjs"), "run", f, ...(c.args ?? [])], { cwd: DIR, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: c.time_ms ?? 20000 });
      expect(p.status, p.stderr).toBe(c.exit);
      if (c.stdout) expect(p.stdout).toMatch(new RegExp(c.stdout));
    });
  }
});

describe("misuse sweep: every pattern × platform × kernel, no internal error", () => {
  const DEBUG_ALL = { CONFIG_DMA_API_DEBUG: "y", CONFIG_DMA_API_DEBUG_SG: "y", CONFIG_DEBUG_VM: "y", CONFIG_KASAN: "y", CONFIG_SLAB_FREELIST_HARDENED: "y" };
  // 32-bit ARM has no CONFIG_KASAN before 5.11 (421015713b30): its 5.6 run has every other debug option
  const { CONFIG_KASAN: _kasan, ...DEBUG_NO_KASAN } = DEBUG_ALL;
  for (const p of PLATFORMS) {
    // a KASAN kernel does not boot as a Xen PV domain (kasan_early_init only from x86_64_start_kernel): N/A there
    const pv = p.xen === "pv";
    const debug = pv ? DEBUG_NO_KASAN : DEBUG_ALL;
    const configs: [string, Record<string, string>][] = [...VERSIONS.map((v): [string, Record<string, string>] => [v.id, {}]), ["5.6", p.arch === "arm" ? DEBUG_NO_KASAN : debug], ["5.13", debug], ["5.19", debug]];
    it(`${p.id}: ${files.length} patterns × every kernel, and 5.6, 5.13, 5.19 with every debug option`, { timeout: 300_000 }, () => {
      const internal: string[] = [];
      const inputErrors: string[] = [];
      let ran = 0;
      for (const f of files)
        for (const [kernel, set] of configs) {
          const r = run(f, { platform: p.id, kernel, set });
          if (r.exit === 3) internal.push(`${f} ${kernel} ${JSON.stringify(set)}: ${r.err.split("\n")[0]}`);
          else if (r.exit === 2) inputErrors.push(`${f}: ${r.err}`);
          else ran++;
          // a stopping fault leaves the rest of the steps "not run", never missing
          if (r.r) expect(r.r.steps.length).toBe(scenarios.get(f)!.steps.length);
        }
      expect(internal).toEqual([]);
      // the only refusals: grant mapping off Xen, and a file's own CONFIG_KASAN on 32-bit ARM before 5.11
      const noKasan = pv ? /: CONFIG_KASAN: a KASAN kernel does not boot as a Xen PV domain in Linux \d\.\d+: kasan_early_init runs only from x86_64_start_kernel/ : /: CONFIG_KASAN: 32-bit ARM has no KASAN in Linux 5\.(6|10) \(HAVE_ARCH_KASAN from 5\.11, 421015713b30/;
      for (const e of inputErrors) expect(e).toMatch((p.arch === "arm" || pv) && noKasan.test(e) ? noKasan : /^double-gnttab-unmap.yaml: .*gnttab_map: /);
      const kasanFiles = files.filter((f) => String((scenarios.get(f)!.config as Record<string, unknown> | undefined)?.CONFIG_KASAN) === "y" || (scenarios.get(f)!.config as Record<string, unknown> | undefined)?.CONFIG_KASAN === true);
      const kasanRefused = p.arch === "arm" ? kasanFiles.length * configs.filter(([v]) => v === "5.6" || v === "5.10").length : pv ? kasanFiles.length * configs.length : 0;
      if (p.xen === "arm") expect(inputErrors).toEqual([]);
      else expect(inputErrors.length).toBe(files.filter((f) => f.includes("gnttab")).length * configs.length + kasanRefused);
      expect(ran + inputErrors.length).toBe(files.length * configs.length);
    });
  }
});

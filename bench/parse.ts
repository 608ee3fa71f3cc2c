/**
 * Parse benchmark: `parseScenarioText` on generated RX-ring scenarios (one buffer mapped, written
 * by the device and unmapped per 3 steps; every step on its own lines, as scenario files are
 * written), YAML through the fast reader, the same text forced through the `yaml` package (an
 * anchor in it), and JSON. Figures are CPU microseconds per step (process.cpuUsage: steadier than
 * wall time on a shared machine), median of 5 runs after a warm-up; with --run, also a whole
 * 100,000-step `dmasim run` as a child process (wall seconds, peak RSS from /proc).
 *
 *   npx tsx bench/parse.ts [--json] [--run]     (or bundle it with esbuild, as bench/bench.mjs does)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseScenarioText } from "../src/scenario/parse.js";

/** An RX-style scenario of about `steps` steps. */
export function rxScenario(steps: number, slow = false): string {
  // `slow`: a tag on the name, which only the yaml package reads (the slow path)
  const n = Math.floor((steps - 1) / 3);
  const parts = [`name: ${slow ? "!!str " : ""}bench\nplatform: rpi4\nkernel: "5.13"\nsteps:\n  - op: kmalloc\n    size: 2K\n    as: b\n`];
  for (let i = 0; i < n; i++)
    parts.push(`  - op: dma_map_single\n    buf: b\n    size: 2K\n    dir: DMA_FROM_DEVICE\n    as: m${i}\n  - op: device_write\n    map: m${i}\n    data: "pkt-${i}"\n  - op: dma_unmap_single\n    map: m${i}\n`);
  return parts.join("");
}

function rxJson(steps: number): string {
  const n = Math.floor((steps - 1) / 3);
  const st: unknown[] = [{ op: "kmalloc", size: "2K", as: "b" }];
  for (let i = 0; i < n; i++) st.push({ op: "dma_map_single", buf: "b", size: "2K", dir: "DMA_FROM_DEVICE", as: `m${i}` }, { op: "device_write", map: `m${i}`, data: `pkt-${i}` }, { op: "dma_unmap_single", map: `m${i}` });
  return JSON.stringify({ name: "bench", platform: "rpi4", kernel: "5.13", steps: st }, null, 1);
}

export function cpuUsPerStep(text: string, file: string, runs = 5): number {
  const n = parseScenarioText(text, file).steps.length; // warm-up
  const xs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    parseScenarioText(text, file);
    const c = process.cpuUsage(c0);
    xs.push((c.user + c.system) / n);
  }
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)]!;
}

/** `dmasim run FILE` as a child: wall seconds and peak RSS (VmHWM). */
function runChild(file: string): Promise<{ s: number; rss_mb: number }> {
  const bin = fileURLToPath(new URL("../bin/dmasim.mjs", import.meta.url));
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ["-e", `process.argv.splice(1, 0, "dmasim"); process.on("exit", () => { const m = /VmHWM:\\s+(\\d+)/.exec(require("fs").readFileSync("/proc/self/status", "utf8")); process.stderr.write("HWM " + (m ? m[1] : 0) + "\\n"); }); import(${JSON.stringify(bin)});`, "run", file], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", () => {
      const kb = Number(/HWM (\d+)/.exec(err)?.[1] ?? 0);
      resolve({ s: (performance.now() - t0) / 1000, rss_mb: kb / 1024 });
    });
  });
}

/** The parse figures (CPU µs per step); `run`: also the 100k-step `dmasim run` child (s, MB). For bench/run.ts to merge. */
export async function parseFigures(run: boolean): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const steps of [1_000, 10_000, 100_000]) out[`parse_yaml_${steps / 1000}k_us_per_step`] = cpuUsPerStep(rxScenario(steps), "b.yaml", steps >= 100_000 ? 3 : steps >= 10_000 ? 5 : 25);
  out.parse_json_100k_us_per_step = cpuUsPerStep(rxJson(100_000), "b.json", 3);
  out.parse_yaml_pkg_10k_us_per_step = cpuUsPerStep(rxScenario(10_000, true), "b.yaml", 3);
  out.parse_us_per_step = out.parse_yaml_100k_us_per_step!;
  if (run) {
    const dir = mkdtempSync(join(tmpdir(), "dmasim-parse-"));
    try {
      const f = join(dir, "run100k.yaml");
      writeFileSync(f, rxScenario(100_000));
      const runs = [await runChild(f), await runChild(f), await runChild(f)].sort((a, b) => a.s - b.s);
      out.run_100k_s = runs[1]!.s;
      out.run_100k_rss_mb = Math.max(...runs.map((r) => r.rss_mb));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

async function main() {
  const out = await parseFigures(process.argv.includes("--run"));
  if (process.argv.includes("--json")) console.log(JSON.stringify(out));
  else for (const [k, v] of Object.entries(out)) console.log(`${k.padEnd(34)} ${v.toFixed(2)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();

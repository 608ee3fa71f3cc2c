/**
 * dmasim's benchmark suite (`npm run bench`; `npm run bench -- --json` for one JSON object).
 * Medians over repeated runs (tinybench); see bench/README.md for what each figure measures.
 *
 *   --json          one JSON object { results: [{ name, value, unit, target, met }] } on stdout
 *   --only a,b      only these figures
 *   --quick         shorter runs (for a smoke test; noisier)
 */
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { boot } from "../src/init.js";
import type { Kernel } from "../src/kernel.js";
import type { Device } from "../src/drivers/device.js";
import { buildConfig, resolveKernel, resolvePlatform } from "../src/scenario/config.js";
import * as api from "../src/kernel/dma/mapping.js";
import { dma_to_phys } from "../src/kernel/dma/direct.js";
import { is_swiotlb_buffer } from "../src/kernel/dma/swiotlb/index.js";
import { DMA_BIDIRECTIONAL, GFP_KERNEL } from "../src/include/gfp.js";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runMatrix } from "../src/matrix.js";
import { PLATFORMS } from "../src/platforms/index.js";
import { VERSIONS } from "../src/versions.js";
import { runFuzz } from "../src/fuzz.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url)); // bench/.build/run.mjs → the package root
const args = process.argv.slice(2);
const JSON_OUT = args.includes("--json");
const QUICK = args.includes("--quick");
const onlyArg = args.indexOf("--only");
const ONLY = onlyArg >= 0 ? new Set((args[onlyArg + 1] ?? "").split(",").filter(Boolean)) : null;
const log = (s: string) => {
  if (!JSON_OUT) process.stderr.write(s + "\n");
};

interface Result {
  name: string;
  value: number;
  unit: string;
  /** human-readable target, e.g. "≤ 200" */
  target: string;
  met: boolean | null;
  note?: string;
}

const results = new Map<string, Result>();
const want = (name: string) => !ONLY || ONLY.has(name);

function bootK(platform: string, set: Record<string, string> = {}, kernel?: string): Kernel {
  const p = resolvePlatform(platform);
  return boot(p, resolveKernel(kernel), buildConfig(p, set).cfg);
}

function dev0(k: Kernel): Device {
  return k.devices.get(k.platform.defaultDevice)!;
}

/** Median wall time per call of `fn` (which does `batch` operations), in ns per operation. */
async function nsPerOp(name: string, batch: number, fn: () => void, timeMs = QUICK ? 300 : 1500): Promise<number> {
  const b = new Bench({ name, time: timeMs, warmupTime: QUICK ? 100 : 400, iterations: 10, now: () => performance.now() });
  b.add(name, fn);
  await b.run();
  const t = b.tasks[0]!;
  const r = t.result as { state: string; latency?: { p50: number }; error?: unknown };
  if (r.state !== "completed" || !r.latency) throw new Error(`${name}: ${String(r.error ?? r.state)}`);
  return (r.latency.p50 * 1e6) / batch;
}

/** Median of `runs` calls of fn() → ms (tinybench, fixed iteration count). */
async function msMedian(name: string, runs: number, fn: () => void): Promise<number> {
  const b = new Bench({ name, time: 0, iterations: runs, warmupTime: 0, warmupIterations: 1, now: () => performance.now() });
  b.add(name, fn);
  await b.run();
  const r = b.tasks[0]!.result as { state: string; latency?: { p50: number }; error?: unknown };
  if (r.state !== "completed" || !r.latency) throw new Error(`${name}: ${String(r.error ?? r.state)}`);
  return r.latency.p50;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A 4 KiB dma_map_single + dma_mapping_error + dma_unmap_single loop on a kmalloc'd buffer. */
function pairLoop(k: Kernel, batch: number, expectBounce: boolean): () => void {
  const dev = dev0(k);
  const buf = k.slab.kmalloc(k, 4096, GFP_KERNEL);
  const probe = api.dma_map_single_attrs(k, dev, buf, 4096, DMA_BIDIRECTIONAL, 0);
  if (api.dma_mapping_error(k, dev, probe)) throw new Error("dma_map_single failed");
  const bounced = is_swiotlb_buffer(k, dma_to_phys(k, dev, probe));
  api.dma_unmap_page_attrs(k, dev, probe, 4096, DMA_BIDIRECTIONAL, 0, true);
  if (bounced !== expectBounce) throw new Error(`${k.platform.id}: the 4 KiB mapping ${bounced ? "bounced" : "did not bounce"}, the figure needs it ${expectBounce ? "bounced" : "direct"}`);
  // steady state: let the slot search go once round the whole pool (first touches of the pool's
  // memory allocate the model's cache frames), as a long-running kernel's pool has been
  const mem = k.io_tlb_default_mem;
  if (expectBounce && mem) {
    for (let i = 0; i < mem.nslabs / 2 + 1; i++) {
      const a = api.dma_map_single_attrs(k, dev, buf, 4096, DMA_BIDIRECTIONAL, 0);
      api.dma_mapping_error(k, dev, a);
      api.dma_unmap_page_attrs(k, dev, a, 4096, DMA_BIDIRECTIONAL, 0, true);
    }
  }
  return () => {
    for (let i = 0; i < batch; i++) {
      const a = api.dma_map_single_attrs(k, dev, buf, 4096, DMA_BIDIRECTIONAL, 0);
      if (api.dma_mapping_error(k, dev, a)) throw new Error("dma_map_single failed");
      api.dma_unmap_page_attrs(k, dev, a, 4096, DMA_BIDIRECTIONAL, 0, true);
    }
  };
}

function checkQuiet(k: Kernel, what: string) {
  if (k.faults.length) throw new Error(`${what}: unexpected ${k.faults[0]!.kind}: ${k.faults[0]!.message}`);
  if (k.diagnostics.length) throw new Error(`${what}: unexpected dma-debug ${k.diagnostics[0]!.id}: ${k.diagnostics[0]!.message}`);
}

function put(name: string, value: number, unit: string, target: string, met: boolean | null, note?: string) {
  const r: Result = { name, value, unit, target, met };
  if (note) r.note = note;
  results.set(name, r);
  log(`  ${name}: ${fmt(value)} ${unit}`);
}

function fmt(v: number): string {
  return v >= 1000 ? Math.round(v).toString() : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

// ---------------------------------------------------------------------------------------------

log(`dmasim bench (${process.version}, ${QUICK ? "quick" : "full"} run)`);

// Order: child processes first, then the in-process figures from the smallest heap to the
// largest (the swiotlb figure fills a 64 MiB pool's worth of cache frames), so one figure's
// garbage does not land in another's timing. The table prints in the canonical order.

// `dmasim --version` as a whole process
if (want("startup_ms")) {
  const bin = ROOT + "bin/dmasim.mjs";
  const once = () => {
    const r = spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`dmasim --version exited ${r.status}: ${r.stderr}`);
  };
  once(); // a stale bundle is rebuilt by the first start
  const v = await msMedian("startup_ms", QUICK ? 3 : 9, once);
  put("startup_ms", v, "ms", "≤ 200", v <= 200);
}

// resident memory of a child that boots an 8 GiB rpi4 and runs a scenario touching 16 MiB
if (want("rss_8g_mb")) {
  const child = fileURLToPath(new URL("./rss-child.mjs", import.meta.url));
  const xs: number[] = [];
  for (let i = 0; i < (QUICK ? 1 : 3); i++) {
    const r = spawnSync(process.execPath, [child], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`rss child exited ${r.status}: ${r.stderr}`);
    const o = JSON.parse(r.stdout.trim().split("\n").pop()!) as { ok: boolean; rss_mb: number; first_failure: string | null };
    if (!o.ok) throw new Error(`rss child scenario failed: ${o.first_failure}`);
    xs.push(o.rss_mb);
  }
  const v = median(xs);
  put("rss_8g_mb", v, "MB", "≤ 120", v <= 120);
}

// the headline matrix: every seed scenario × platform × kernel, engine time only
if (want("matrix_seed_ms")) {
  const dir = ROOT + "scenarios/";
  const files = readdirSync(dir).filter((f) => /^seed-.*\.ya?ml$/.test(f)).sort();
  const scenarios = files.map((f) => parseScenarioText(readFileSync(dir + f, "utf8"), f));
  const platforms = PLATFORMS.map((p) => p.id);
  const kernels = VERSIONS.map((v) => v.id);
  let cells = 0;
  const v = await msMedian("matrix_seed_ms", QUICK ? 3 : 7, () => {
    cells = runMatrix(scenarios, platforms, kernels).cells.length;
  });
  put("matrix_seed_ms", v, "ms", "≤ 300", v <= 300, `${scenarios.length} scenarios × ${platforms.length} platforms × ${kernels.length} kernels = ${cells} runs`);
}

// dma-direct, coherent, no bounce: x86_64 with 2 GiB (no swiotlb pool), the HD-audio device
if (want("map_unmap_direct_ns") || want("map_unmap_debug_ns")) {
  const k = bootK("x86_64", { mem: "2G" });
  const v = await nsPerOp("map_unmap_direct_ns", 1000, pairLoop(k, 1000, false));
  checkQuiet(k, "map_unmap_direct_ns");
  put("map_unmap_direct_ns", v, "ns", "≤ 200", v <= 200);
}

if (want("copy_4k_x2_ns") || want("map_unmap_swiotlb_4k_ns")) {
  const a = new Uint8Array(4096).fill(0x66);
  const b = new Uint8Array(4096);
  const v = await nsPerOp("copy_4k_x2_ns", 1000, () => {
    for (let i = 0; i < 1000; i++) {
      b.set(a);
      a.set(b);
    }
  });
  put("copy_4k_x2_ns", v, "ns", "(reference)", null);
}

if (want("map_unmap_debug_ns")) {
  const k = bootK("x86_64", { mem: "2G", CONFIG_DMA_API_DEBUG: "y" });
  const v = await nsPerOp("map_unmap_debug_ns", 500, pairLoop(k, 500, false));
  checkQuiet(k, "map_unmap_debug_ns");
  const direct = results.get("map_unmap_direct_ns")!.value;
  put("map_unmap_debug_ns", v, "ns", `≤ 4 × map_unmap_direct_ns (${fmt(4 * direct)})`, v <= 4 * direct);
}

// dma_alloc_coherent + dma_free_coherent of 64 KiB on rpi4: non-coherent, so the pages are remapped uncached (vmap)
if (want("alloc_free_coherent_remap_ns")) {
  const k = bootK("rpi4");
  const dev = dev0(k);
  const first = api.dma_alloc_attrs(k, dev, 65536, GFP_KERNEL, 0);
  if (!first || first.cpu_addr < k.arch.L.VMALLOC_START || first.cpu_addr >= k.arch.L.VMALLOC_END) throw new Error("alloc_free_coherent_remap_ns: the buffer was not remapped");
  api.dma_free_attrs(k, dev, 65536, first.cpu_addr, first.dma_handle, 0);
  const v = await nsPerOp("alloc_free_coherent_remap_ns", 20, () => {
    for (let i = 0; i < 20; i++) {
      const r = api.dma_alloc_attrs(k, dev, 65536, GFP_KERNEL, 0)!;
      api.dma_free_attrs(k, dev, 65536, r.cpu_addr, r.dma_handle, 0);
    }
  });
  checkQuiet(k, "alloc_free_coherent_remap_ns");
  put("alloc_free_coherent_remap_ns", v, "ns", "(no target)", null);
}

// random valid DMA API operations per second with every invariant check on (rpi4: non-coherent, bouncing)
if (want("fuzz_ops_per_s")) {
  const ops = QUICK ? 10_000 : 40_000;
  let done = 0;
  let seed = 1;
  const ms = await msMedian("fuzz_ops_per_s", QUICK ? 3 : 5, () => {
    const r = runFuzz({ seed: seed++, steps: ops, platform: "rpi4" });
    if (!r.ok) throw new Error(`fuzz_ops_per_s: ${r.failures[0]!.message}`);
    done = r.ops;
  });
  const v = done / (ms / 1000);
  put("fuzz_ops_per_s", v, "ops/s", "≥ 200000", v >= 200_000, `rpi4 5.x default config, ${done} operations per run`);
}

// the same pair on a 256 KiB pool (swiotlb=128,force): the slots stay in the host CPU's caches, so
// the difference to map_unmap_swiotlb_4k_ns is what the 64 MiB pool's cold memory costs
if (want("map_unmap_swiotlb_4k_smallpool_ns")) {
  const k = bootK("x86_64", { mem: "2G", swiotlb: "128,force" });
  const v = await nsPerOp("map_unmap_swiotlb_4k_smallpool_ns", 200, pairLoop(k, 200, true));
  checkQuiet(k, "map_unmap_swiotlb_4k_smallpool_ns");
  put("map_unmap_swiotlb_4k_smallpool_ns", v, "ns", "(diagnostic)", null);
}

if (want("map_unmap_swiotlb_4k_ns")) {
  const k = bootK("x86_64", { mem: "2G", swiotlb: "force" });
  const v = await nsPerOp("map_unmap_swiotlb_4k_ns", 200, pairLoop(k, 200, true));
  checkQuiet(k, "map_unmap_swiotlb_4k_ns");
  const copy = results.get("copy_4k_x2_ns")!.value;
  put("map_unmap_swiotlb_4k_ns", v, "ns", `≤ 3 × copy_4k_x2_ns (${fmt(3 * copy)})`, v <= 3 * copy);
}

// ---------------------------------------------------------------------------------------------

const order = ["map_unmap_direct_ns", "map_unmap_swiotlb_4k_ns", "map_unmap_swiotlb_4k_smallpool_ns", "copy_4k_x2_ns", "map_unmap_debug_ns", "alloc_free_coherent_remap_ns", "matrix_seed_ms", "startup_ms", "rss_8g_mb", "fuzz_ops_per_s"];
const list = order.filter((n) => results.has(n)).map((n) => results.get(n)!);
if (JSON_OUT) {
  process.stdout.write(JSON.stringify({ results: list.map((r) => ({ name: r.name, value: Number(r.value.toFixed(2)), unit: r.unit, target: r.target, met: r.met })) }) + "\n");
} else {
  const rows = list.map((r) => [r.name, `${fmt(r.value)} ${r.unit}`, r.target, r.met === null ? "" : r.met ? "met" : "NOT MET"]);
  const head = ["figure", "median", "target", ""];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i]!)).join("  ").trimEnd();
  process.stdout.write([line(head), line(w.map((n) => "-".repeat(n))), ...rows.map(line)].join("\n") + "\n");
  const notes = list.filter((r) => r.note).map((r) => `  ${r.name}: ${r.note}`);
  if (notes.length) process.stdout.write(["", ...notes].join("\n") + "\n");
}

/**
 * dmasim's benchmark suite (`npm run bench`; `npm run bench -- --json` for one JSON object).
 * Medians over repeated runs (tinybench, or repeated child processes); see bench/README.md for
 * what each figure measures and against which baseline.
 *
 *   --json          one JSON object on stdout: every figure as a field (its median), plus
 *                   `results: [{ name, value, unit, target, met, note? }]`
 *   --only a,b      only these figures
 *   --quick         shorter runs (for a smoke test; noisier)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runMatrix } from "../src/matrix.js";
import { clearBootCache } from "../src/boot-cache.js";
import { PLATFORMS } from "../src/platforms/index.js";
import { VERSIONS } from "../src/versions.js";
import { checkQuiet, copyBaseline, prepare, type MapCase } from "./cases.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url)); // bench/.build/run.mjs → the package root
const BIN = ROOT + "bin/dmasim.mjs";
const args = process.argv.slice(2);
const JSON_OUT = args.includes("--json");
const QUICK = args.includes("--quick");
/** Run the map/unmap figures here, not each group in a fresh child process (the suite's children use it). */
const IN_PROCESS = args.includes("--in-process");
const onlyArg = args.indexOf("--only");
const ONLY = onlyArg >= 0 ? new Set((args[onlyArg + 1] ?? "").split(",").filter(Boolean)) : null;
const log = (s: string) => {
  if (!JSON_OUT) process.stderr.write(s + "\n");
};

interface Result {
  name: string;
  value: number;
  unit: string;
  /** human-readable target, e.g. "≤ 60" */
  target: string;
  met: boolean | null;
  note?: string;
}

const results = new Map<string, Result>();
const want = (name: string) => !ONLY || ONLY.has(name);
const wantAny = (...names: string[]) => names.some(want);

/** Median wall time per call of `fn(batch)`, in ns per operation. */
async function nsPerOp(name: string, batch: number, fn: (n: number) => void, timeMs = QUICK ? 300 : 1500): Promise<number> {
  const b = new Bench({ name, time: timeMs, warmupTime: QUICK ? 100 : 400, iterations: 10, now: () => performance.now() });
  b.add(name, () => fn(batch));
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

function put(name: string, value: number, unit: string, target: string, met: boolean | null, note?: string) {
  const r: Result = { name, value, unit, target, met };
  if (note) r.note = note;
  results.set(name, r);
  log(`  ${name}: ${fmt(value)} ${unit}${note ? `  (${note})` : ""}`);
}

function fmt(v: number): string {
  return v >= 1000 ? Math.round(v).toString() : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** A preload that makes any node child print its peak RSS (kB) on stderr at exit. */
const RSS_HOOK = "data:text/javascript," + encodeURIComponent('process.on("exit",()=>{const r=process.resourceUsage();process.stderr.write("\\nDMASIM_MAXRSS_KB "+r.maxRSS+" CPU_US "+(r.userCPUTime+r.systemCPUTime)+"\\n")})');

/** Run `node [--import hook] args` → wall ms, peak RSS MB, stdout, exit status. */
function child(argv: string[], okStatus: number[] = [0]): { ms: number; rssMb: number; cpuMs: number; out: string; status: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--import", RSS_HOOK, ...argv], { encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.status === null || !okStatus.includes(r.status)) throw new Error(`node ${argv.join(" ")} exited ${r.status}: ${(r.stderr ?? "").slice(-500)}`);
  const m = /DMASIM_MAXRSS_KB (\d+)/.exec(r.stderr ?? "");
  const c = /CPU_US (\d+)/.exec(r.stderr ?? "");
  return { ms, rssMb: m ? Number(m[1]) / 1024 : NaN, cpuMs: c ? Number(c[1]) / 1000 : NaN, out: r.stdout, status: r.status };
}

/** An n-step scenario (a receive loop: kmalloc, map, device write, unmap, CPU read, kfree). */
function bigScenario(n: number): string {
  const lines = ["name: long receive loop", "platform: rpi4", 'kernel: "5.19"', "steps:"];
  let i = 0;
  while (lines.length - 4 < n) {
    const pat = [
      `  - { op: kmalloc, size: 2K, gfp: GFP_KERNEL, as: b${i} }`,
      `  - { op: dma_map_single, buf: b${i}, size: 2K, dir: DMA_FROM_DEVICE, as: m${i} }`,
      `  - { op: device_write, map: m${i}, data: "pkt-${i}" }`,
      `  - { op: dma_unmap_single, map: m${i} }`,
      `  - { op: cpu_read, buf: b${i}, length: ${`pkt-${i}`.length}, expect: { data: "pkt-${i}" } }`,
      `  - { op: kfree, buf: b${i} }`,
    ];
    for (const l of pat) if (lines.length - 4 < n) lines.push(l);
    i++;
  }
  return lines.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------

log(`dmasim bench (${process.version}, ${QUICK ? "quick" : "full"} run)`);
const tmp = mkdtempSync(join(tmpdir(), "dmasim-bench-"));

// Order: child processes first, then the in-process figures from the smallest heap to the
// largest (the 64 MiB swiotlb pools fill), so one figure's garbage does not land in another's
// timing. The table prints in the canonical order.

// `dmasim --version` as a whole process; `--help` (commander and every command's definition: what
// any other command loads before its own modules) and `node -e 0` (the floor) in the same minutes
if (want("startup_ms")) {
  const spawn = (argv: string[]) => () => {
    const r = spawnSync(process.execPath, argv, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`node ${argv.join(" ")} exited ${r.status}: ${r.stderr}`);
  };
  const version = spawn([BIN, "--version"]);
  version(); // a stale bundle is rebuilt by the first start
  const v = await msMedian("startup_ms", QUICK ? 3 : 9, version);
  put("startup_ms", v, "ms", "≤ 150", v <= 150);
  const h = await msMedian("startup_help_ms", QUICK ? 3 : 9, spawn([BIN, "--help"]));
  put("startup_help_ms", h, "ms", "–", null, "dmasim --help: commander and the command definitions");
  const n = await msMedian("startup_node_ms", QUICK ? 3 : 9, spawn(["-e", "0"]));
  put("startup_node_ms", n, "ms", "(baseline)", null, "node -e 0, same run");
}

// boot with mem=1T on every 64-bit platform (child processes): the slowest platform's median
if (wantAny("boot_1t_ms", "boot_1t_rss_mb")) {
  const bootChild = fileURLToPath(new URL("./boot-child.mjs", import.meta.url));
  let worstMs = 0;
  let worstRss = 0;
  const per: string[] = [];
  for (const p of PLATFORMS.filter((x) => x.arch !== "arm")) {
    const ms: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < (QUICK ? 1 : 3); i++) {
      const r = child([bootChild, p.id, "1T"]);
      const o = JSON.parse(r.out.trim().split("\n").pop()!) as { ok: boolean; boot_ms: number; rss_mb: number };
      if (!o.ok) throw new Error(`boot_1t: ${p.id}: the map/unmap pair after boot failed`);
      ms.push(o.boot_ms);
      rss.push(o.rss_mb);
    }
    per.push(`${p.id} ${fmt(median(ms))} ms ${fmt(median(rss))} MB`);
    worstMs = Math.max(worstMs, median(ms));
    worstRss = Math.max(worstRss, median(rss));
  }
  put("boot_1t_ms", worstMs, "ms", "≤ 1000", worstMs <= 1000, `slowest of ${per.join("; ")}`);
  put("boot_1t_rss_mb", worstRss, "MB", "≤ 200", worstRss <= 200, "peak RSS of the whole process (node itself is ~45 MB)");
}

// resident memory of a child that boots an 8 GiB rpi4 and runs a scenario writing 16 MiB
if (want("rss_8g_mb")) {
  const c = fileURLToPath(new URL("./rss-child.mjs", import.meta.url));
  const xs: number[] = [];
  for (let i = 0; i < (QUICK ? 1 : 3); i++) {
    const r = spawnSync(process.execPath, [c], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`rss child exited ${r.status}: ${r.stderr}`);
    const o = JSON.parse(r.stdout.trim().split("\n").pop()!) as { ok: boolean; rss_mb: number; first_failure: string | null };
    if (!o.ok) throw new Error(`rss child scenario failed: ${o.first_failure}`);
    xs.push(o.rss_mb);
  }
  const v = median(xs);
  put("rss_8g_mb", v, "MB", "≤ 120", v <= 120);
}

// parsing: a 10,000-step scenario parsed in-process (whatever parser src/scenario/parse.ts has)
if (want("parse_us_per_step")) {
  const n = QUICK ? 2000 : 10_000;
  const text = bigScenario(n);
  let steps = 0;
  const ms = await msMedian("parse_us_per_step", QUICK ? 3 : 5, () => {
    steps = parseScenarioText(text, "<bench>").steps.length;
  });
  if (steps !== n) throw new Error(`parse_us_per_step: parsed ${steps} of ${n} steps`);
  const v = (ms * 1000) / n;
  put("parse_us_per_step", v, "µs", "≤ 15", v <= 15, `${n} steps`);
}

// a 100,000-step scenario run by the CLI: wall time and peak RSS of the process
if (wantAny("run_100k_s", "run_100k_rss_mb")) {
  const n = 100_000;
  const file = join(tmp, "run-100k.yaml");
  writeFileSync(file, bigScenario(n));
  const s: number[] = [];
  const rss: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < (QUICK ? 1 : 3); i++) {
    const r = child([BIN, "run", file, "--json"]);
    const o = JSON.parse(r.out) as { ok: boolean; steps: unknown[] };
    if (!o.ok || o.steps.length !== n) throw new Error(`run_100k: the run failed or ran ${o.steps.length} steps`);
    s.push(r.ms / 1000);
    rss.push(r.rssMb);
    cpu.push(r.cpuMs / 1000);
  }
  put("run_100k_s", median(s), "s", "≤ 3", median(s) <= 3, `\`dmasim run FILE --json\`, whole process (CPU ${fmt(median(cpu))} s)`);
  put("run_100k_rss_mb", median(rss), "MB", "≤ 250", median(rss) <= 250);
}

// every bundled scenario × platform × kernel: `dmasim matrix` as a whole process (wall time)
if (want("matrix_all_ms")) {
  const dirs = [ROOT + "scenarios"]; // read recursively: every bundled scenario once (scenarios/drivers is inside it)
  const xs: number[] = [];
  const cpu: number[] = [];
  let cells = 0;
  for (let i = 0; i < (QUICK ? 1 : 3); i++) {
    const r = child([BIN, "matrix", ...dirs, "--format", "json"], [0, 1, 2]);
    cells = (JSON.parse(r.out) as { cells: unknown[] }).cells.length;
    xs.push(r.ms);
    cpu.push(r.cpuMs);
  }
  const v = median(xs);
  put("matrix_all_ms", v, "ms", "≤ 2000", v <= 2000, `${cells} runs, \`dmasim matrix scenarios\` (default --jobs), whole process; CPU ${fmt(median(cpu))} ms over all threads`);
}

// fuzz from a cold process: the first 50,000 operations; then --jobs 2 against --jobs 1
if (wantAny("fuzz_ops_per_s", "fuzz_jobs2_speedup", "fuzz_jobs2_speedup_2m", "fuzz_jobs2_speedup_400k")) {
  if (want("fuzz_ops_per_s")) {
    const rates: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < (QUICK ? 1 : 3); i++) {
      const r = child([BIN, "fuzz", "--seed", String(11 + i), "--steps", "50000", "--json"]);
      const o = JSON.parse(r.out) as { ok: boolean; ops: number; ops_per_s: number };
      if (!o.ok) throw new Error("fuzz_ops_per_s: the fuzzer found a violation");
      rates.push(o.ops_per_s);
      cpu.push(r.cpuMs);
    }
    const v = median(rates);
    put("fuzz_ops_per_s", v, "ops/s", "≥ 300000", v >= 300_000, `rpi4, the first 50,000 operations of a fresh \`dmasim fuzz\` process (engine + checks time); the whole process took ${fmt(median(cpu))} ms CPU`);
  }
  /** --jobs 1 / --jobs 2 whole-process wall time over `steps` operations, pairs run alternately. */
  const speedup = (steps: string, pairs: number) => {
    const cpus: Record<string, number[]> = { "1": [], "2": [] };
    const walls: Record<string, number[]> = { "1": [], "2": [] };
    const wall = (jobs: string) => {
      const r = child([BIN, "fuzz", "--seed", "7", "--steps", steps, "--jobs", jobs, "--json"]);
      if (!(JSON.parse(r.out) as { ok: boolean }).ok) throw new Error(`fuzz --jobs ${jobs}: the fuzzer found a violation`);
      cpus[jobs]!.push(r.cpuMs);
      walls[jobs]!.push(r.ms);
      return r.ms;
    };
    const ratios: number[] = [];
    const loads: number[] = [];
    for (let i = 0; i < pairs; i++) {
      ratios.push(wall("1") / wall("2"));
      loads.push(loadavg()[0]!);
    }
    const note = `wall ${fmt(median(walls["1"]!))} / ${fmt(median(walls["2"]!))} ms; CPU over all threads ${fmt(median(cpus["1"]!))} / ${fmt(median(cpus["2"]!))} ms; load ${loads.map((l) => l.toFixed(1)).join(", ")}`;
    return { v: median(ratios), note };
  };
  // --jobs is for long runs: 20,000,000 operations (1,000 epochs, ≈ 20 s of --jobs 1). Each thread's
  // isolate pays its own start-up and JIT warm-up (≈ 0.65 s of its own CPU and ≈ 0.4 s of V8's compiler
  // threads), and --jobs 1 already runs those compiler threads on the second core for nothing. With
  // S the steady work, F the per-isolate main-thread warm-up, B the compiler/GC threads' CPU and S'
  // ≈ 1.1 S the steady work of two isolates sharing the caches: ratio ≈ 2 (S + F) / (S' + 2F + B).
  // At 2M operations (S ≈ 2 s) that is ≈ 1.25–1.4 whatever the model does (1.7 would need F + B ≈ 0.15 s);
  // at 20M it is ≈ 1.75 (bench/README.md, stop 27). The 2M and 400k lengths stay as figures of their own.
  if (want("fuzz_jobs2_speedup")) {
    const steps = QUICK ? "2000000" : "20000000";
    const r = speedup(steps, QUICK ? 1 : 3);
    put("fuzz_jobs2_speedup", r.v, "×", "≥ 1.7", r.v >= 1.7, `${steps} operations, whole-process wall time of --jobs 1 / --jobs 2: ${r.note}`);
  }
  if (want("fuzz_jobs2_speedup_2m") && !QUICK) {
    const r = speedup("2000000", 3);
    put("fuzz_jobs2_speedup_2m", r.v, "×", "–", null, `2,000,000 operations (the figure's length in stops 16–26), --jobs 1 / --jobs 2: ${r.note}`);
  }
  if (want("fuzz_jobs2_speedup_400k") && !QUICK) {
    const r = speedup("400000", 3);
    put("fuzz_jobs2_speedup_400k", r.v, "×", "–", null, `400,000 operations (the figure's length until stop 16), --jobs 1 / --jobs 2: ${r.note}`);
  }
}

// dmasim bench (map_benchmark): total loops of -t 2 against -t 1 over the same -s
if (want("bench_t2_speedup")) {
  const loops = (t: string) => {
    const r = child([BIN, "bench", "-t", t, "-s", QUICK ? "1" : "2", "--platform", "x86_64", "--set", "swiotlb=force", "--json"]);
    return (JSON.parse(r.out) as { loops: number }).loops;
  };
  const ratios: number[] = [];
  const loads: number[] = [];
  for (let i = 0; i < (QUICK ? 1 : 3); i++) {
    ratios.push(loops("2") / loops("1"));
    loads.push(loadavg()[0]!);
  }
  const v = median(ratios);
  put("bench_t2_speedup", v, "×", "≥ 1.7", v >= 1.7, `x86_64 swiotlb=force, total map+unmap loops of -t 2 / -t 1 in the same -s; load ${loads.map((l) => l.toFixed(1)).join(", ")} (two busy threads need two free cores)`);
}

// the headline matrix: every seed scenario × platform × kernel, engine time only
if (want("matrix_seed_ms")) {
  const dir = ROOT + "scenarios/";
  const files = readdirSync(dir).filter((f) => /^seed-.*\.ya?ml$/.test(f)).sort();
  const scenarios = files.map((f) => parseScenarioText(readFileSync(dir + f, "utf8"), f));
  const platforms = PLATFORMS.map((p) => p.id);
  const kernels = VERSIONS.map((v) => v.id);
  let cells = 0;
  const cpu: number[] = [];
  const v = await msMedian("matrix_seed_ms", QUICK ? 3 : 7, () => {
    clearBootCache(); // each pass boots its templates, as `npm start` does once
    const c0 = process.cpuUsage();
    cells = runMatrix(scenarios, platforms, kernels).cells.length;
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  });
  put("matrix_seed_ms", v, "ms", "≤ 100", v <= 100, `${scenarios.length} scenarios × ${platforms.length} platforms × ${kernels.length} kernels = ${cells} runs, in-process, each pass from an empty boot cache`);
  put("matrix_seed_cpu_ms", median(cpu), "ms", "(diagnostic)", null, "the same runs in CPU time of this process (all its threads): what matrix_seed_ms would be on an idle machine");
}

/**
 * The map/unmap figures run in fresh node processes, one per group below, each group's figures
 * side by side in its process (a pair and its baseline, the debug pair and the direct pair): a
 * figure then does not depend on what ran before it in this process. Until stop 18 they ran here,
 * after the in-process matrix_seed_ms, whose 270 runs over 9 platforms and 10 kernels leave the
 * engine's shared functions' type feedback mixed: the swiotlb pair measured 856 ns after it and
 * 583 ns without it, in the same build (bench/README.md, stop 18).
 */
const PAIR_GROUPS: string[][] = [
  ["map_unmap_direct_ns", "map_unmap_debug_ns"],
  ["map_unmap_sg16_direct_ns"],
  ["map_unmap_xen_pv_ns"],
  ["map_unmap_xen_arm_ns"],
  ["copy_4k_x2_ns", "map_unmap_swiotlb_4k_ns"],
  ["map_unmap_swiotlb_4k_to_device_ns"],
  ["map_unmap_swiotlb_4k_from_device_ns"],
  ["map_unmap_swiotlb_64_ns"],
  ["map_unmap_swiotlb_64k_ns"],
  ["map_unmap_sg16_swiotlb_ns"],
];

if (IN_PROCESS) {
  /** Time one prepared map/unmap case. */
  async function mapFigure(name: string, c: MapCase, batch: number, target: (v: number) => [string, boolean | null], note?: string): Promise<number> {
    const p = prepare(name, c);
    const v = await nsPerOp(name, batch, p.loop);
    checkQuiet(p.k, name);
    const [t, met] = target(v);
    const facts = [p.bounced ? "bounced" : "direct", p.verifiedBytes ? `${p.verifiedBytes} B checked` : ""].filter(Boolean).join(", ");
    put(name, v, "ns", t, met, [note, facts].filter(Boolean).join("; "));
    return v;
  }
  const none = (): [string, null] => ["(no target)", null];

  // dma-direct, coherent, no bounce: x86_64 with 2 GiB (no swiotlb pool), the HD-audio device
  const X86 = { platform: "x86_64", set: { mem: "2G" } };
  const FORCE = { platform: "x86_64", set: { mem: "2G", swiotlb: "force" } };
  if (wantAny("map_unmap_direct_ns", "map_unmap_debug_ns"))
    await mapFigure("map_unmap_direct_ns", { ...X86, size: 4096, dir: "BIDIRECTIONAL", bounce: false, data: false }, 1000, (v) => ["≤ 60", v <= 60], "no bytes move on this path by definition");

  if (want("map_unmap_debug_ns")) {
    const direct = results.get("map_unmap_direct_ns")?.value ?? NaN;
    await mapFigure("map_unmap_debug_ns", { platform: "x86_64", set: { mem: "2G", CONFIG_DMA_API_DEBUG: "y" }, size: 4096, dir: "BIDIRECTIONAL", bounce: false, data: false }, 500, (v) => [`≤ 3 × map_unmap_direct_ns (${fmt(3 * direct)})`, v <= 3 * direct]);
  }

  if (want("map_unmap_sg16_direct_ns")) await mapFigure("map_unmap_sg16_direct_ns", { ...X86, size: 4096, dir: "BIDIRECTIONAL", sg: 16, bounce: false, data: true }, 100, none, "dma_map_sg + dma_unmap_sg of 16 × 4 KiB, with the stamps");

  // the Xen paths: x86 PV dom0 (P2M lookups, machine-contiguity check) and rpi4-xen (non-coherent: cache maintenance)
  if (want("map_unmap_xen_pv_ns")) await mapFigure("map_unmap_xen_pv_ns", { platform: "x86_64-xen-pv", size: 4096, dir: "BIDIRECTIONAL", bounce: null, data: true }, 500, none, "xen_swiotlb_map_page / unmap_page, 4 KiB");
  if (want("map_unmap_xen_arm_ns")) await mapFigure("map_unmap_xen_arm_ns", { platform: "rpi4-xen", set: { mem: "1G" }, size: 4096, dir: "BIDIRECTIONAL", bounce: null, data: true }, 200, none, "xen_swiotlb_map_page / unmap_page on a non-coherent device (cache clean + invalidate), 4 KiB");

  // the baseline of every bouncing figure, measured in this run: 2 × 4 KiB plain copies, slot cycling a 64 MiB pool
  if (wantAny("copy_4k_x2_ns", "map_unmap_swiotlb_4k_ns")) {
    const v = await nsPerOp("copy_4k_x2_ns", 1000, copyBaseline(4096, 64 << 20));
    put("copy_4k_x2_ns", v, "ns", "(baseline)", null, "Uint8Array.set buffer → slot and slot → buffer, the slot cycling through a 64 MiB pool");
  }

  // swiotlb=force: every mapping bounces through the default 64 MiB pool
  const copy = () => results.get("copy_4k_x2_ns")?.value ?? NaN;
  if (want("map_unmap_swiotlb_4k_ns")) await mapFigure("map_unmap_swiotlb_4k_ns", { ...FORCE, size: 4096, dir: "BIDIRECTIONAL", bounce: true, data: true }, 200, (v) => [`≤ 3 × copy_4k_x2_ns (${fmt(3 * copy())})`, v <= 3 * copy()], "DMA_BIDIRECTIONAL, the bytes go to the slot and back");
  if (want("map_unmap_swiotlb_4k_to_device_ns")) await mapFigure("map_unmap_swiotlb_4k_to_device_ns", { ...FORCE, size: 4096, dir: "TO_DEVICE", bounce: true, data: true }, 200, none, "DMA_TO_DEVICE: one copy (to the slot)");
  if (want("map_unmap_swiotlb_4k_from_device_ns")) await mapFigure("map_unmap_swiotlb_4k_from_device_ns", { ...FORCE, size: 4096, dir: "FROM_DEVICE", bounce: true, data: true }, 200, none, "DMA_FROM_DEVICE: the device's bytes come back");
  if (want("map_unmap_swiotlb_64_ns")) await mapFigure("map_unmap_swiotlb_64_ns", { ...FORCE, size: 64, dir: "BIDIRECTIONAL", bounce: true, data: true }, 500, none, "64 B, DMA_BIDIRECTIONAL");
  if (want("map_unmap_swiotlb_64k_ns")) {
    const c64 = await nsPerOp("copy_64k_x2_ns", 50, copyBaseline(65536, 64 << 20));
    put("copy_64k_x2_ns", c64, "ns", "(baseline)", null, "2 × 64 KiB plain copies, slot cycling a 64 MiB pool");
    await mapFigure("map_unmap_swiotlb_64k_ns", { ...FORCE, size: 65536, dir: "BIDIRECTIONAL", bounce: true, data: true }, 20, (v) => [`(reference: 3 × copy_64k_x2_ns = ${fmt(3 * c64)})`, null], "64 KiB, DMA_BIDIRECTIONAL");
  }
  if (want("map_unmap_sg16_swiotlb_ns")) await mapFigure("map_unmap_sg16_swiotlb_ns", { ...FORCE, size: 4096, dir: "BIDIRECTIONAL", sg: 16, bounce: true, data: true }, 20, (v) => [`(reference: 16 × 3 × copy_4k_x2_ns = ${fmt(48 * copy())})`, null], "16 × 4 KiB sg list, every entry bounced both ways");
} else {
  const self = fileURLToPath(import.meta.url);
  for (const group of PAIR_GROUPS) {
    const wanted = group.filter((n) => want(n) || (n === "copy_4k_x2_ns" && want("map_unmap_swiotlb_4k_ns")));
    if (wanted.length === 0) continue;
    const r = spawnSync(process.execPath, [self, "--json", "--in-process", ...(QUICK ? ["--quick"] : []), "--only", group.join(",")], { encoding: "utf8", maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`bench child (${group.join(", ")}) exited ${r.status}: ${(r.stderr ?? "").slice(-800)}`);
    const o = JSON.parse(r.stdout) as { results: Result[] };
    for (const x of o.results) put(x.name, x.value, x.unit, x.target, x.met, x.note);
  }
  // the sg16 reference names the baseline measured with the 4 KiB pair
  const sg = results.get("map_unmap_sg16_swiotlb_ns");
  const c4 = results.get("copy_4k_x2_ns");
  if (sg) sg.target = c4 ? `(reference: 16 × 3 × copy_4k_x2_ns = ${fmt(48 * c4.value)})` : "(reference: 16 × 3 × copy_4k_x2_ns, not measured in this run)";
}

rmSync(tmp, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------

const order = [
  "map_unmap_direct_ns",
  "map_unmap_swiotlb_4k_ns",
  "copy_4k_x2_ns",
  "map_unmap_swiotlb_4k_to_device_ns",
  "map_unmap_swiotlb_4k_from_device_ns",
  "map_unmap_swiotlb_64_ns",
  "map_unmap_swiotlb_64k_ns",
  "copy_64k_x2_ns",
  "map_unmap_sg16_direct_ns",
  "map_unmap_sg16_swiotlb_ns",
  "map_unmap_debug_ns",
  "map_unmap_xen_pv_ns",
  "map_unmap_xen_arm_ns",
  "parse_us_per_step",
  "run_100k_s",
  "run_100k_rss_mb",
  "matrix_seed_ms",
  "matrix_seed_cpu_ms",
  "matrix_all_ms",
  "fuzz_ops_per_s",
  "fuzz_jobs2_speedup",
  "fuzz_jobs2_speedup_2m",
  "fuzz_jobs2_speedup_400k",
  "bench_t2_speedup",
  "boot_1t_ms",
  "boot_1t_rss_mb",
  "startup_ms",
  "startup_help_ms",
  "startup_node_ms",
  "rss_8g_mb",
];
const list = order.filter((n) => results.has(n)).map((n) => results.get(n)!);
if (JSON_OUT) {
  const o: Record<string, unknown> = {};
  for (const r of list) o[r.name] = Number(r.value.toFixed(2));
  o.load_avg_1m = Number(loadavg()[0]!.toFixed(2)); // the machine's load while measuring (2 cores: above 2 means queueing)
  o.cpus = availableParallelism();
  o.results = list.map((r) => ({ name: r.name, value: Number(r.value.toFixed(2)), unit: r.unit, target: r.target, met: r.met, ...(r.note ? { note: r.note } : {}) }));
  process.stdout.write(JSON.stringify(o) + "\n");
} else {
  const rows = list.map((r) => [r.name, `${fmt(r.value)} ${r.unit}`, r.target, r.met === null ? "" : r.met ? "met" : "NOT MET"]);
  const head = ["figure", "median", "target", ""];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i]!)).join("  ").trimEnd();
  process.stdout.write([line(head), line(w.map((n) => "-".repeat(n))), ...rows.map(line)].join("\n") + "\n");
  process.stdout.write(`\nload average ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores at the end of the run\n`);
  const notes = list.filter((r) => r.note).map((r) => `  ${r.name}: ${r.note}`);
  if (notes.length) process.stdout.write(["", ...notes].join("\n") + "\n");
}

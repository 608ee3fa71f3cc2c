/**
 * `dmasim bench` (the kernel's dma_map_benchmark: the selftest tool's options and output, run on
 * the model) and `dmasim fuzz` (random valid DMA API sequences with invariant checks).
 *
 * program.ts registers them with `registerBench(program, io, state)` and
 * `registerFuzz(program, io, state)`. This module imports nothing heavy at load time: the engine
 * is imported when a command runs.
 *
 * bench: each of up to MAX_WORKERS worker threads (src/cli/bench-worker.ts) boots its own model,
 * sets the mask, and runs the benchmark kthreads it was given for -s seconds; the main thread
 * merges the accumulators and prints the tool's three lines. More threads than workers are run as
 * kthreads sharing a worker's model, one loop iteration at a time.
 */
import { BENCH_KERNEL_HELP, KERNEL_HELP } from "./kernel-help.js";
import type { Command } from "commander";
import { ConfigValueError, InputError, OptionError, STOPPING_FAULTS, type FaultRecord } from "../core/faults.js";
import { parseSets } from "../scenario/sets.js";
import type { Io } from "./program.js";
import { rawStream } from "./io.js";
import { Progress } from "./progress.js";
import { FUZZ_V8_FLAGS } from "./fuzz-split.js";
import type { Worker } from "node:worker_threads";

/** Worker threads at most; more -t threads share workers (as kthreads sharing a model). */
export const MAX_WORKERS = 16;

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function writeLine(stream: NodeJS.WriteStream, s: string): void {
  stream.write(s.endsWith("\n") ? s : s + "\n");
}

/** A whole number as the option gave it (the C tool's atoi would take "12abc" as 12; dmasim refuses it). */
function int(flag: string, v: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(v)) throw new InputError(`${flag}: '${v}' is not a whole number`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new InputError(`${flag}: '${v}' is out of range`);
  return n;
}

/** fuzz --seed: the PRNG's 32-bit seed as given (a negative or wider number was wrapped silently before stop 21) */
function seed32(v: string): number {
  const n = int("--seed", v);
  if (n < 0 || n > 0xffff_ffff) throw new InputError(`--seed: ${n} is not a 32-bit seed (0..4294967295)`);
  return n;
}

/** What the options ask for, validated; used by the worker protocol too. */
export interface BenchJob {
  platform: string;
  kernel: string;
  device: string;
  set?: Record<string, string>;
  bp: import("../kernel/dma/map-benchmark.js").MapBenchmark;
}

/** Messages between the main thread and a bench worker. */
export type WorkerToMain =
  | { type: "ready" }
  | { type: "error"; ret: number; log: string[]; faults: FaultRecord[] }
  | { type: "done"; ret: number; log: string[]; faults: FaultRecord[]; acc: import("../kernel/dma/map-benchmark.js").MapBenchmarkAcc };
export type MainToWorker = { type: "go"; durationMs: number };
export interface WorkerData {
  job: BenchJob;
  kthreads: number;
}

/** What the workers' runs add up to: the first error (0 or -errno), its log lines, the faults the models recorded (each once), the merged accumulators. */
export interface BenchOutcome {
  ret: number;
  log: string[];
  faults: FaultRecord[];
  acc: import("../kernel/dma/map-benchmark.js").MapBenchmarkAcc;
}

/** Run a validated job on `workers` worker threads; resolves with the merged accumulators or the first error. */
export async function runBenchWorkers(job: BenchJob, workers: number): Promise<BenchOutcome> {
  const mb = await import("../kernel/dma/map-benchmark.js");
  const n = Math.max(1, Math.min(workers, job.bp.threads));
  const share = (i: number) => Math.floor(job.bp.threads / n) + (i < job.bp.threads % n ? 1 : 0);
  const ws: Worker[] = [];
  const acc = mb.map_benchmark_acc();
  const log: string[] = [];
  // every worker boots the same machine: a fault they all hit (a boot panic, a WARN_ONCE) is shown once
  const faults = new Map<string, FaultRecord>();
  const addFaults = (fs: FaultRecord[]) => {
    for (const f of fs) {
      const key = JSON.stringify([f.kind, f.message, f.pc, f.at, f.addr, f.step]);
      if (!faults.has(key)) faults.set(key, f);
    }
  };
  let ret = 0;
  try {
    const { startWorker } = await import("./workers.js");
    const ready: Promise<void>[] = [];
    const done: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const data: WorkerData = { job, kthreads: share(i) };
      const w = await startWorker("bench-worker", data);
      ws.push(w);
      let onReady!: () => void;
      let onFail!: (e: Error) => void;
      ready.push(new Promise<void>((res, rej) => ((onReady = res), (onFail = rej))));
      done.push(
        new Promise<void>((res, rej) => {
          w.on("message", (m: WorkerToMain) => {
            if (m.type === "ready") onReady();
            else if (m.type === "error") {
              if (ret === 0) ((ret = m.ret), log.push(...m.log));
              addFaults(m.faults);
              onReady();
              res();
            } else {
              if (m.ret !== 0 && ret === 0) ((ret = m.ret), log.push(...m.log));
              addFaults(m.faults);
              mb.map_benchmark_merge(acc, m.acc);
              res();
            }
          });
          w.on("error", (e) => (onFail(e), rej(e)));
          w.on("exit", (code) => (code !== 0 ? (onFail(new Error(`bench worker exited with code ${code}`)), rej(new Error(`bench worker exited with code ${code}`))) : res()));
        }),
      );
    }
    await Promise.all(ready);
    if (ret === 0) for (const w of ws) w.postMessage({ type: "go", durationMs: job.bp.seconds * 1000 } satisfies MainToWorker);
    else for (const w of ws) w.postMessage({ type: "go", durationMs: 0 } satisfies MainToWorker);
    await Promise.all(done);
  } finally {
    await Promise.all(ws.map((w) => w.terminate()));
  }
  return { ret, log, faults: [...faults.values()], acc };
}

interface BenchOpts {
  threads: string;
  seconds: string;
  node: string;
  dmaBits: string;
  dir: string;
  dmaTransNs: string;
  granule: string;
  platform?: string;
  kernel?: string;
  device?: string;
  set: string[];
  json?: boolean;
}

/**
 * `--device` as explain and a scenario's `device:` take it — a role (`nic`, `storage`, ...), `default`, or a
 * device name — resolved to the platform's device; an unknown one is --device's one-line error.
 */
async function cliDevice(platform: import("../platforms/platform.js").Platform, device: string | undefined): Promise<string> {
  const { resolveDevice } = await import("../scenario/config.js");
  try {
    return resolveDevice(platform, device);
  } catch (e) {
    throw e instanceof InputError ? new OptionError(`--device: ${e.message.replace(/^device: /, "")}`) : e;
  }
}

/** Validate the options the way the ioctl does (kernel order and messages); the tool's own dma_bits check last. */
export async function benchJob(o: BenchOpts): Promise<BenchJob> {
  const mb = await import("../kernel/dma/map-benchmark.js");
  const bp = mb.map_benchmark_defaults();
  bp.threads = int("-t", o.threads);
  bp.seconds = int("-s", o.seconds);
  bp.node = int("-n", o.node);
  bp.dma_bits = int("-b", o.dmaBits);
  bp.dma_dir = int("-d", o.dir);
  bp.dma_trans_ns = int("-x", o.dmaTransNs);
  bp.granule = int("-g", o.granule);
  const bad = mb.map_benchmark_check(bp);
  if (bad) {
    const flag = { threads: `-t ${bp.threads}`, seconds: `-s ${bp.seconds}`, dma_trans_ns: `-x ${bp.dma_trans_ns}`, node: `-n ${bp.node}`, granule: `-g ${bp.granule}`, dma_dir: `-d ${bp.dma_dir}`, dma_bits: `-b ${bp.dma_bits}` }[bad.field];
    const range = {
      threads: `1..${mb.DMA_MAP_MAX_THREADS}`,
      seconds: `1..${mb.DMA_MAP_MAX_SECONDS}`,
      dma_trans_ns: `0..${mb.DMA_MAP_MAX_TRANS_DELAY} ns`,
      node: "-1 (none) or 0: the models have one NUMA node",
      granule: `1..${mb.DMA_MAP_MAX_GRANULE} pages`,
      dma_dir: "0 BIDIRECTIONAL, 1 TO_DEVICE or 2 FROM_DEVICE",
      dma_bits: "20..64",
    }[bad.field];
    // the kernel's pr_err line (pr_fmt "map_benchmark: ")
    throw new InputError(`${mb.MAP_BENCHMARK_PR_FMT}${bad.message} (${flag}; must be ${range})`);
  }
  // the selftest tool's own check (tools/testing/selftests/dma/dma_map_benchmark: its name, then its message)
  const tool = mb.map_benchmark_tool_check(bp);
  if (tool) throw new InputError(`dma_map_benchmark: ${tool.message} (-b ${bp.dma_bits})`);
  const { buildConfigFrom, resolveKernel, resolvePlatform } = await import("../scenario/config.js");
  const platform = resolvePlatform(o.platform ?? "rpi4", "--platform");
  const kernel = resolveKernel(o.kernel, "--kernel");
  // kernel/dma/map_benchmark.c came in 5.11: the 5.6.4 and 5.10.7 trees have neither it nor the selftest tool
  const { versionNumber } = await import("../versions.js");
  if (versionNumber(kernel.id) < versionNumber("5.11"))
    throw new OptionError(`--kernel: Linux ${kernel.id} has no dma_map_benchmark (kernel/dma/map_benchmark.c came in 5.11; use 5.13 or later)`);
  const set = parseSets(o.set);
  const { cfg, place } = buildConfigFrom(platform, [{ values: set, option: "--set" }]);
  // swiotlb= is read by the run's version at boot (init.ts swiotlb_early_param): its refusals here, before a worker boots
  if (cfg.swiotlb_param !== undefined) {
    const { swiotlb_early_param } = await import("../init.js");
    try {
      swiotlb_early_param(platform, kernel, cfg);
    } catch (e) {
      throw e instanceof ConfigValueError ? place(e) : e;
    }
  }
  const device = await cliDevice(platform, o.device);
  const job: BenchJob = { platform: platform.id, kernel: kernel.id, device, bp };
  if (set) job.set = set;
  return job;
}

/**
 * Why a bench run failed, in `run`'s first_failure form: where (`boot`, or the benchmark kthread,
 * kernel/dma/map_benchmark.c map_benchmark_thread), then the fault that stopped it or the ioctl's error.
 */
function benchFirstFailure(r: BenchOutcome): string {
  const stop = r.faults.find((f) => STOPPING_FAULTS.has(f.kind));
  if (stop) return `${stop.step === -1 ? "boot" : "map_benchmark_thread"}: ${stop.kind}: ${stop.message}`;
  const errno: Record<number, string> = { [-12]: "-ENOMEM", [-14]: "-EFAULT", [-22]: "-EINVAL" };
  const why = r.log[0]?.replace(/^map_benchmark: /, "") ?? "the ioctl failed";
  return `map_benchmark_thread: ${why} (the ioctl returned ${errno[r.ret] ?? r.ret})`;
}

/** `dmasim bench`: the dma_map_benchmark selftest's interface on the model. */
export function registerBench(program: Command, io: Io, state: { code: number }): void {
  program
    .command("bench")
    .description("the kernel's dma_map_benchmark on the model: map/unmap latency of dma_map_single, with the selftest's options and output")
    .option("-t, --threads <n>", "threads: worker threads, each booting its own model (1..1024)", "1")
    .option("-s, --seconds <n>", "duration in seconds (1..300)", "20")
    .option("-n, --node <n>", "NUMA node, -1 for none (checked like the kernel does, otherwise ignored)", "-1")
    .option("-b, --dma-bits <n>", "DMA mask width set for the run (20..64)", "32")
    .option("-d, --dir <n>", "direction: 0 BIDIRECTIONAL, 1 TO_DEVICE, 2 FROM_DEVICE", "0")
    .option("-x, --dma-trans-ns <n>", "simulated transfer time between map and unmap, ns (0..10000000)", "0")
    .option("-g, --granule <n>", "pages per mapping (1..1024)", "1")
    .option("--platform <id>", "platform (default: rpi4; `dmasim platforms` lists them)")
    .option("--kernel <version>", BENCH_KERNEL_HELP)
    .option("--device <name>", "device bound to dma_map_benchmark (default: the platform's default device)")
    .option("--set <key=value>", "boot/Kconfig option, repeatable (swiotlb=force, CONFIG_DMA_API_DEBUG=y, mem=8G, ...)", collect, [] as string[])
    .option("--json", "print the struct map_benchmark results as one JSON object")
    .action(async (opts: BenchOpts) => {
      const job = await benchJob(opts);
      const mb = await import("../kernel/dma/map-benchmark.js");
      const progress = new Progress(rawStream(io.err));
      const t0 = performance.now();
      const show = () => progress.update(`bench: ${job.bp.threads} thread(s) on ${job.platform} ${job.kernel}, ${Math.min(job.bp.seconds, Math.floor((performance.now() - t0) / 1000))}/${job.bp.seconds} s`, true);
      const timer = progress.enabled ? setInterval(show, 250) : undefined;
      if (progress.enabled) show();
      let r;
      try {
        r = await runBenchWorkers(job, MAX_WORKERS);
      } finally {
        if (timer) clearInterval(timer);
        progress.done();
      }
      // -EINVAL: the ioctl refused the request (a mask the device cannot take): bad input, one line
      if (r.ret === -22 && r.faults.length === 0) {
        for (const l of r.log) writeLine(io.err, `dmasim: ${l}`);
        if (r.log.length === 0) writeLine(io.err, `dmasim: dma_map_benchmark: ioctl failed (${r.ret})`);
        state.code = EXIT_USAGE;
        return;
      }
      const ok = r.ret === 0;
      // a failed ioctl (-ENOMEM: a mapping failed) or a modelled kernel fault is the run's result, as `run` reports one:
      // on stdout, the kernel's reports and log lines, then the verdict; exit 1 (it was "dmasim: Kernel panic: …" on stderr)
      const first = ok ? undefined : benchFirstFailure(r);
      const bp = { ...job.bp, ...(ok ? mb.map_benchmark_stats(r.acc) : {}) };
      if (opts.json) {
        // indented like every other command's --json (it was one line)
        const { toJson } = await import("../format/json.js");
        writeLine(io.out, toJson({ platform: job.platform, kernel: job.kernel, device: job.device, ...(job.set ? { config: job.set } : {}), ok, ...bp, loops: r.acc.loops, time: "model", faults: r.faults, ...(first ? { first_failure: first } : {}) }));
      } else {
        const { faultLines, kernLevel } = await import("../format/run.js");
        const { colorsFor } = await import("./io.js");
        const c = await colorsFor(io.out);
        if (ok) {
          for (const l of mb.map_benchmark_format(bp)) writeLine(io.out, l);
          // not the kernel tool's line: what these microseconds are
          writeLine(io.out, `(model time: the simulator's code on this host, ${r.acc.loops} map/unmap loops in ${job.bp.threads} thread${job.bp.threads === 1 ? "" : "s"}; not a device's latency)`);
        }
        for (const f of r.faults) for (const l of faultLines(f, "", c, false)) writeLine(io.out, l);
        for (const l of r.log) writeLine(io.out, `${c.dim(`log (${kernLevel("err")}):`)} ${l}`);
        if (!ok) {
          const kinds = [...new Set(r.faults.map((f) => f.kind))];
          const v = r.faults.some((f) => STOPPING_FAULTS.has(f.kind)) ? "FAULT" : "FAIL";
          const counts = r.faults.length ? `, ${r.faults.length} fault${r.faults.length > 1 ? "s" : ""} (${kinds.join(", ")})` : "";
          writeLine(io.out, `${v === "FAULT" ? c.red(c.bold(v)) : c.yellow(c.bold(v))}: dma_map_benchmark did not complete${counts} — ${first}`);
        }
      }
      state.code = ok ? EXIT_OK : EXIT_FAILED;
    });
}

interface FuzzOpts {
  seed?: string;
  steps: string;
  platform?: string;
  kernel?: string;
  device?: string;
  set: string[];
  json?: boolean;
  jobs?: string;
}

/**
 * fuzz --jobs N (N ≥ 2): the run's plan of epochs is shared by this thread and N − 1 worker
 * threads, each claiming the next epoch when it is free (src/fuzz/split.ts: epoch k is seeded from
 * (seed, k), so the result does not depend on which thread ran what). A thread that starts late
 * or runs slower simply runs fewer epochs. --jobs 1 is runFuzz: one PRNG stream.
 */
async function runFuzzJobs(fo: import("../fuzz/types.js").FuzzOptions, jobs: number, mark: import("./fuzz-timeline.js").Mark | null = null): Promise<import("../fuzz/types.js").FuzzResult> {
  const now = () => performance.now();
  if (jobs <= 1) {
    const { runFuzz } = await import("../fuzz/run.js");
    if (!mark) return runFuzz(fo, now);
    // the timeline (fuzz-timeline.ts): each epoch's end, progress kept
    const progress = fo.onEpoch;
    let k = 0;
    mark("run");
    return runFuzz({ ...fo, onEpoch: (ops, total) => (mark("epoch", k++), progress?.(ops, total)) }, now);
  }
  const { fuzzEpochs, mergeEpochs, runFuzzClaimed } = await import("../fuzz/split.js");
  const { sharedClaims, sharedPlan, takeFuzzWorkers } = await import("./fuzz-split.js");
  const t0 = now();
  const epochs = fuzzEpochs(fo);
  const shared = sharedPlan(epochs);
  const stop = fo.stopOnFailure ?? true;
  // N − 1 worker threads (no more than there are epochs for), most already started by main.ts
  const data: import("./fuzz-split.js").FuzzWorkerData = { o: { ...fo, onEpoch: undefined }, shared, epochs };
  const started = await takeFuzzWorkers(Math.min(jobs, epochs) - 1);
  const workers = started.map(async ({ w, result }) => {
    try {
      w.postMessage(data);
      const m = await result;
      if (!m.ok) throw new Error(m.error);
      return m.epochs;
    } finally {
      await w.terminate();
    }
  });
  const { claim, failed } = sharedClaims(shared, epochs, stop);
  let own: import("../fuzz/split.js").EpochResult[];
  try {
    own = runFuzzClaimed(fo, mark ? (await import("./fuzz-timeline.js")).markedClaim(claim, mark) : claim, failed, now);
  } catch (e) {
    Atomics.store(new Int32Array(shared), 1, 0); // the workers claim no more epochs
    await Promise.allSettled(workers);
    throw e;
  }
  const all = own.concat(...(await Promise.all(workers)));
  return mergeEpochs(fo, fo.platform!, fo.kernel!, all, now() - t0);
}

/** V8 flags for `dmasim fuzz` (why: src/cli/fuzz-split.ts, where main.ts finds them before the CLI loads). */
export { FUZZ_V8_FLAGS };

/**
 * V8 tiering flags for a `dmasim fuzz` run on this thread alone (`--jobs 1`), set before it
 * starts: V8 asks TurboFan for a function after it has run through its interrupt budget
 * 3 + (bytecode length / 150) times, so the fuzzer's operations (op_* of src/fuzz/session.ts,
 * 200–1,100 bytes of bytecode, each one operation in ten or fewer) ran in baseline code until
 * 10,000–40,000 operations into the run (`--trace-opt`). With every function asked for after 3
 * budgets of 50,000 (V8: 67,584), they are optimised sooner: measured over the first 50,000
 * operations (interleaved medians of 10, load 8–9), the main thread's CPU 167 → 151 ms, all
 * threads' (the compiler's) 358 → 370 ms; over 2M operations (4 each) main 2,406 → 2,336 ms, all
 * 2,779 → 2,779 ms.
 * The gain is the main thread's: where the compiler threads have a core of their own the run
 * ends sooner; on a machine with no core to spare it is about even. Not with `--jobs` ≥ 2 (not
 * measured there: the isolates' compile jobs already compete for the cores).
 */
export const FUZZ_TIER_FLAGS = "--bytecode-size-allowance-per-tick=100000 --interrupt-budget=50000";

/** `dmasim fuzz`: random valid DMA API sequences with invariant checks; a failure prints a minimal scenario. */
export function registerFuzz(program: Command, io: Io, state: { code: number }): void {
  program
    .command("fuzz")
    .description("random but valid DMA API sequences with invariant checks (data per the DMA-API rules, swiotlb slot accounting, no fault); a failure prints a minimal replayable scenario")
    .option("--seed <n>", "PRNG seed (default: from the clock, printed so the run can be repeated)")
    .option("--steps <n>", "number of operations to generate (each epoch then tears down what is left: its unmaps and frees count in the total printed)", "100000")
    .option("--platform <id>", "platform (default: rpi4; `dmasim platforms` lists them)")
    .option("--kernel <version>", KERNEL_HELP)
    .option("--device <name>", "device (default: the platform's default device)")
    .option("--set <key=value>", "boot/Kconfig option, repeatable (swiotlb=force, CONFIG_DMA_API_DEBUG=y, ...)", collect, [] as string[])
    .option("--json", "print the result (and any failure's scenario) as one JSON object")
    .option("--jobs <n>", "threads sharing the run's epochs (20,000 operations, a fresh model each), each taking the next epoch when free; with n ≥ 2 epoch k's PRNG is seeded from (seed, k), so the result is the same for every n ≥ 2; 1: this thread, one PRNG stream through all epochs", "1")
    .action(async (opts: FuzzOpts) => {
      (await import("node:v8")).setFlagsFromString(FUZZ_V8_FLAGS);
      // DMASIM_FUZZ_TIMELINE=1: per-thread marks on stderr for bench/fuzz-timeline.mjs (fuzz-timeline.ts)
      const mark = process.env.DMASIM_FUZZ_TIMELINE === "1" ? (await import("./fuzz-timeline.js")).mainFuzzTimeline() : null;
      const jobs = opts.jobs === "auto" ? (await import("./workers.js")).cores() : int("--jobs", opts.jobs ?? "1");
      if (jobs < 1 || jobs > 256) throw new InputError(`--jobs: ${jobs} is not a number of worker threads (1..256 or auto)`);
      if (jobs === 1) {
        (await import("node:v8")).setFlagsFromString(FUZZ_TIER_FLAGS);
        // V8's compile and GC helper threads below this one, which runs the operations (helper-nice.ts);
        // only in dmasim's own process, never in a program that runs the command in-process
        const nice = await import("./helper-nice.js");
        if (nice.ownsProcess()) nice.niceHelperThreads();
      }
      const seed = opts.seed !== undefined ? seed32(opts.seed) : (Date.now() ^ (process.pid << 16)) >>> 0;
      const steps = int("--steps", opts.steps);
      if (steps < 1) throw new InputError(`--steps: ${steps} is not a positive number of operations`);
      const set = parseSets(opts.set);
      const { resolveKernel, resolvePlatform, buildConfigFrom } = await import("../scenario/config.js");
      const platform = resolvePlatform(opts.platform ?? "rpi4", "--platform");
      const kernel = resolveKernel(opts.kernel, "--kernel");
      buildConfigFrom(platform, [{ values: set, option: "--set" }]);
      const device = opts.device !== undefined ? await cliDevice(platform, opts.device) : undefined;
      const fo: import("../fuzz/types.js").FuzzOptions = { seed, steps, platform: platform.id, kernel: kernel.id };
      if (set) fo.set = set;
      if (device !== undefined) fo.device = device;
      const progress = new Progress(rawStream(io.err));
      if (progress.enabled && jobs <= 1) fo.onEpoch = (ops, total) => progress.update(`fuzz: seed ${seed}, ${platform.id} ${kernel.id}: ${ops}/${total} operations`, true); // once per epoch (20,000 operations): not throttled, so a fast run shows every epoch
      else if (progress.enabled) progress.update(`fuzz: seed ${seed} per epoch, ${platform.id} ${kernel.id}: ${fo.steps} operations over ${jobs} threads`);
      let r;
      try {
        r = await runFuzzJobs(fo, jobs, mark);
      } finally {
        progress.done();
      }
      mark?.("result");
      const secs = (r.elapsedMs ?? 0) / 1000;
      const rate = secs > 0 ? Math.round(r.ops / secs) : 0;
      const f = r.failures[0];
      if (opts.json) {
        const { toJson } = await import("../format/json.js");
        // device: the device the sequences ran on (as bench --json names it); a failure's shrunk_from is
        // snake_case like every other field (shrunkFrom, the name before stop 19, is kept beside it)
        const failures = r.failures.map((x) => ({ ...x, shrunk_from: x.shrunkFrom }));
        writeLine(io.out, toJson({ ok: r.ok, seed, ...(jobs > 1 ? { jobs } : {}), platform: r.platform, kernel: r.kernel, device: device ?? platform.defaultDevice, ...(set ? { config: set } : {}), ops: r.ops, epochs: r.epochs, seconds: secs, ops_per_s: rate, failures }));
      } else {
        const cfg = set ? " " + Object.entries(set).map(([a, b]) => `${a}=${b}`).join(" ") : "";
        // the threads that ran: no more than there are epochs (runFuzzJobs)
        const threads = jobs > 1 ? Math.min(jobs, (await import("../fuzz/split.js")).fuzzEpochs(fo)) : 1;
        const seeds = jobs > 1 ? `seed ${seed} per epoch (${threads} thread${threads === 1 ? "" : "s"})` : `seed ${seed}`;
        writeLine(io.out, `dmasim fuzz: ${seeds}, ${r.platform} ${r.kernel}${cfg}: ${r.ops} operations in ${secs.toFixed(2)} s (${rate} ops/s, invariant checks on)`);
        if (!f) writeLine(io.out, "no invariant violated");
        else {
          writeLine(io.out, `invariant violated at operation ${f.step} (${f.kind}): ${f.message}`);
          writeLine(io.out, `minimal scenario (${f.scenario.steps.length} of ${f.shrunkFrom} steps); save it as a file and replay it with \`dmasim run FILE\`:`);
          writeLine(io.out, "---");
          const { scenarioToYaml } = await import("../fuzz/yaml.js");
          writeLine(io.out, scenarioToYaml(f.scenario).trimEnd());
        }
      }
      state.code = f ? EXIT_FAILED : EXIT_OK;
    });
}

/**
 * The counter the threads of `dmasim fuzz --jobs N` share (a SharedArrayBuffer): the next epoch
 * of the plan to claim, and the lowest failing epoch found so far (no thread claims past it). The
 * split itself and why its result does not depend on the threads: src/fuzz/split.ts.
 *
 * Also the early start of the worker threads (prestartFuzzWorkers): src/cli/main.ts calls it
 * before it loads the CLI, so a worker's isolate boots and loads the engine while this thread
 * parses the command line and loads its own code. This module is loaded on every command: it
 * imports nothing but node builtins, lazily.
 */
import type { Worker } from "node:worker_threads";

/** What a fuzz worker thread is given (its one message in: it starts before the options are known). */
export interface FuzzWorkerData {
  o: import("../fuzz/types.js").FuzzOptions;
  /** two Int32 slots: [next epoch to claim, lowest failing epoch (the plan's length until one fails)] */
  shared: SharedArrayBuffer;
  /** epochs in the plan */
  epochs: number;
}

/** A fuzz worker's one message out. */
export type FuzzWorkerMessage = { ok: true; epochs: import("../fuzz/split.js").EpochResult[] } | { ok: false; error: string };

/**
 * V8 flags for `dmasim fuzz` (V8 flags are per process: the command's worker threads run with them
 * too). Set before the engine is loaded (and before a worker starts).
 *
 * - `--max-inlined-bytecode-size-cumulative=300`: V8's budget for inlining into one optimised
 *   function. At V8's default (920 bytes of bytecode) TurboFan inlines a good part of the
 *   map/unmap path into each of the ~150 functions the fuzzer makes hot, because the fuzzer runs
 *   every path of the model in a mix: compiling them cost as much CPU as the first 50,000
 *   operations themselves (≈ 0.33 s on the compiler threads, measured per thread). At 300 that is
 *   ≈ 0.22 s, and the operations run as fast within noise, warm or cold (bench/README.md, fifth
 *   pass).
 * - No `--semi-space-growth-factor=16` any more (stop 25): it made the young generation grow from
 *   1 MiB to its 16 MiB maximum at its first growth (fewer scavenges and mark-compacts while it
 *   grew, measured in stop 19), but every page of the two 16 MiB semi-spaces is then fresh memory,
 *   ≈ 10.5 µs of page fault each on the Firecracker VM the benchmarks run on: without it the first
 *   50,000 operations took ≈ 3,900 page faults fewer (17.3k → 14.4k with glibc's thresholds
 *   raised, src/mm/physmem.ts MALLOC_NUDGE) and ≈ 37 ms less main-thread CPU (406 → 369 ms,
 *   medians of 5 interleaved runs). Over 2M operations the CPU is the same or lower (--jobs 1
 *   4.10 → 3.94 s, --jobs 2 6.2 → 5.5 s, medians of 5 at load 8–12; scavenges 51 → 64,
 *   mark-compacts 1 → 2; stop 25, bench/README.md).
 *
 * Set by the fuzz command itself (bench.ts), not before the early workers start: any V8 flag
 * other than its default changes V8's flag hash (`v8.cachedDataVersionTag()`), and then V8
 * rejects the code cache Node ships for its own built-in modules, so an isolate made after it
 * compiles every built-in it loads (a fuzz worker's start: 47 → 73 ms of CPU, measured on a bare
 * worker that imports the engine). (The worker isolates got `--min-semi-space-size=16` until
 * stop 19, the growth factor above until stop 25: their young generation now grows as V8's does.)
 */
export const FUZZ_V8_FLAGS = "--max-inlined-bytecode-size-cumulative=300";

/** The shared counter for a plan of `epochs` epochs. */
export function sharedPlan(epochs: number): SharedArrayBuffer {
  const shared = new SharedArrayBuffer(8);
  Atomics.store(new Int32Array(shared), 1, epochs);
  return shared;
}

/** claim (the next epoch index, or -1) and failed (lower the stop mark to k; true if it was lower already: epoch k is dropped) on a shared counter. */
export function sharedClaims(shared: SharedArrayBuffer, epochs: number, stopOnFailure: boolean): { claim: () => number; failed: (k: number) => boolean } {
  const a = new Int32Array(shared);
  return {
    claim: () => {
      const k = Atomics.add(a, 0, 1);
      return k < epochs && k < Atomics.load(a, 1) ? k : -1;
    },
    failed: (k) => {
      if (!stopOnFailure) return false;
      for (let cur = Atomics.load(a, 1); ; cur = Atomics.load(a, 1)) {
        if (cur < k) return true;
        if (cur === k || Atomics.compareExchange(a, 1, cur, k) === cur) return false;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// the early start

/** Operations per epoch when the options do not say (src/fuzz/run.ts fuzzSetup; a test checks they agree). */
export const FUZZ_EPOCH_OPS = 20_000;

/** A started fuzz worker: its one result (listened for from the start, so an early error is not lost) and its end. */
export interface FuzzWorker {
  w: Worker;
  result: Promise<FuzzWorkerMessage>;
}

/**
 * What a prestarted worker is given (its workerData): the command line's run configuration as the
 * raw arguments name it, so it can warm its JIT up on that configuration while it waits for the
 * options (prewarm in src/fuzz/run.ts). Only a guess: a worker whose options turn out to name
 * another configuration warms up again for them, as a worker started without a guess does.
 */
export interface FuzzWarmGuess {
  platform?: string;
  kernel?: string;
  device?: string;
  set: string[];
  steps: number;
}

/** The run configuration a `dmasim fuzz` command line names (see FuzzWarmGuess), read without commander; null for another command. */
export function fuzzWarmGuess(args: readonly string[]): FuzzWarmGuess | null {
  if (args[0] !== "fuzz") return null;
  const g: FuzzWarmGuess = { set: [], steps: 100_000 };
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") break;
    const eq = a.indexOf("=");
    const name = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    if (name !== "--platform" && name !== "--kernel" && name !== "--device" && name !== "--set" && name !== "--steps") continue;
    const v = eq > 0 && name !== a ? a.slice(eq + 1) : args[++i];
    if (v === undefined) break;
    if (name === "--set") g.set.push(v);
    else if (name === "--steps") g.steps = /^\s*\d+\s*$/.test(v) ? Number(v) : 0;
    else g[name.slice(2) as "platform" | "kernel" | "device"] = v;
  }
  return g;
}

/** Start a fuzz worker; it loads the engine and waits for its FuzzWorkerData (`w.postMessage`), warming up on `guess` meanwhile when given. */
export async function startFuzzWorker(guess?: FuzzWarmGuess): Promise<FuzzWorker> {
  const { startWorker } = await import("./workers.js");
  const w = await startWorker("fuzz-worker", guess ?? null);
  const result = new Promise<FuzzWorkerMessage>((res, rej) => {
    w.once("message", (m: FuzzWorkerMessage) => res(m));
    w.once("error", rej);
    w.once("exit", (code) => rej(new Error(`fuzz-worker exited with code ${code} before its result`)));
  });
  result.catch(() => {}); // read (and rethrown) by whoever takes the worker; an unused one is terminated
  return { w, result };
}

/** Workers started by prestartFuzzWorkers, not yet taken. */
let prestarted: Promise<FuzzWorker[]> = Promise.resolve([]);

/**
 * What `dmasim fuzz` will ask of the threads, read from the raw arguments before the command line
 * is parsed: the worker threads a `fuzz --jobs N` run will start (min(N, epochs) − 1), or 0. Only
 * a guess for starting early: the parsed options decide (a wrong guess costs a worker started for
 * nothing, or one started late).
 */
export function fuzzWorkersWanted(args: readonly string[], cores: () => number): number {
  if (args[0] !== "fuzz") return 0;
  const opt = (name: string): string | undefined => {
    let v: string | undefined;
    for (let i = 1; i < args.length; i++) {
      const a = args[i]!;
      if (a === "--") break;
      if (a === name) v = args[++i];
      else if (a.startsWith(name + "=")) v = a.slice(name.length + 1);
    }
    return v;
  };
  const j = opt("--jobs");
  const jobs = j === "auto" ? cores() : /^\s*\d+\s*$/.test(j ?? "") ? Number(j) : 1;
  const s = opt("--steps") ?? "100000";
  const steps = /^\s*\d+\s*$/.test(s) ? Number(s) : 0;
  if (!(jobs >= 2 && jobs <= 256 && steps >= 1)) return 0;
  return Math.min(jobs, Math.ceil(steps / FUZZ_EPOCH_OPS)) - 1;
}

/**
 * Start the worker threads of a `dmasim fuzz --jobs N` command line at once (see above); they do
 * not keep the process alive until taken (a command that fails its checks just exits).
 */
export async function prestartFuzzWorkers(args: readonly string[]): Promise<void> {
  if (args[0] !== "fuzz") return; // (no other command loads anything here)
  // glibc's dynamic malloc thresholds raised now, before the CLI and the engine load (src/mm/physmem.ts
  // MALLOC_NUDGE, which the engine does when it loads: here ≈ 900 page faults fewer in the first
  // 50,000 operations than there)
  if (process.platform === "linux") void new ArrayBuffer(8 << 20);
  const { cores } = await import("./workers.js");
  const n = fuzzWorkersWanted(args, cores);
  if (n <= 0) return;
  // no V8 flags yet: the workers' isolates start with V8's flag hash, and so with the code cache
  // of Node's built-in modules (FUZZ_V8_FLAGS above)
  const ws: FuzzWorker[] = [];
  try {
    const guess = fuzzWarmGuess(args) ?? undefined;
    for (let i = 0; i < n; i++) ws.push(await startFuzzWorker(guess));
  } catch {
    // started normally (and its error reported) when the run asks for it
  }
  for (const f of ws) f.w.unref();
  prestarted = Promise.resolve(ws);
}

/**
 * `n` fuzz workers for a run: the prestarted ones first (extra ones are terminated), then new ones.
 * Each is sent its data once it is taken.
 */
export async function takeFuzzWorkers(n: number): Promise<FuzzWorker[]> {
  const early = await prestarted;
  prestarted = Promise.resolve([]);
  const out = early.slice(0, n);
  for (const f of early.slice(n)) void f.w.terminate();
  while (out.length < n) out.push(await startFuzzWorker());
  for (const f of out) f.w.ref();
  return out;
}

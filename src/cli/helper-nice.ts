/**
 * The main thread first: a lower scheduling priority for this process's other threads (Linux).
 *
 * Node starts four V8 platform worker threads with the process (`--v8-pool-size`); V8 runs its
 * concurrent TurboFan compile jobs and its GC helper tasks on them. In the first 50,000 operations of
 * `dmasim fuzz` the fuzzer makes ~150 functions hot, and TurboFan compiles them on up to four of these
 * threads at once (its queue holds 8 jobs, each posted to the pool): with the main thread that is five
 * runnable threads on a 2-core machine, and the main thread — whose progress is the run — got about
 * two fifths of a core while compiles were queued. Measured in the fuzz window (bench/fuzz-window.ts,
 * rpi4, seed 11, 10 interleaved runs each with the measuring session given priority over the other
 * sessions on the machine, i.e. a quiet 2-core host): the window's wall 214 ms with the main thread at
 * 127 ms of CPU and the process at 340 ms. At nice +10 for the other threads, the main thread keeps a
 * core and the compile jobs share the other: wall 180 ms, main thread 152 ms (it runs longer in
 * baseline code, as its compiled code comes later), process 310 ms (bench/README.md, stop 26).
 *
 * Applied by `dmasim fuzz --jobs 1` only: with `--jobs N` the fuzzing threads are Worker threads of
 * this process, which must keep their priority (they are made later, by this thread, and inherit its
 * nice value, not the helpers'). Only the threads that exist now are changed (Node makes the platform
 * workers at start-up). Nothing depends on it: results are the same, and where it fails (no /proc, a
 * thread that has exited) nothing is changed.
 */
import { readdirSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { isMainThread } from "node:worker_threads";

let ownProcess = false;

/**
 * Called by src/cli/main.ts, the process's entry point: this process is dmasim's own, so its threads
 * are ours to reprioritise. Code that runs the CLI's commands inside another program (the test
 * suite runs `fuzz` through buildProgram in a vitest worker thread) must not lower that program's
 * threads: a thread's nice value is inherited by the processes it spawns, and the suite's CLI tests,
 * spawned from a niced worker thread, then ran at nice 19 — starved on a busy machine (stop 26).
 */
export function claimProcess(): void {
  ownProcess = true;
}

/** Whether the running code is dmasim's own process, on its main thread (claimProcess was called there). */
export function ownsProcess(): boolean {
  return ownProcess && isMainThread;
}

/** How much lower (in nice steps) the helper threads run than the main thread. */
export const HELPER_NICE = 10;

/** Lower every thread of this process but the main one by `by` nice steps (at most nice 19). Linux only; false if nothing changed. */
export function niceHelperThreads(by: number = HELPER_NICE): boolean {
  if (process.platform !== "linux") return false;
  let tids: string[];
  let base: number;
  try {
    tids = readdirSync("/proc/self/task");
    base = getPriority(0); // (this thread's: setpriority and getpriority take a thread id on Linux)
  } catch {
    return false;
  }
  let changed = false;
  for (const t of tids) {
    const tid = Number(t);
    if (tid === process.pid) continue;
    try {
      setPriority(tid, Math.min(19, base + by));
      changed = true;
    } catch {
      // the thread has exited, or this platform refuses: leave it
    }
  }
  return changed;
}

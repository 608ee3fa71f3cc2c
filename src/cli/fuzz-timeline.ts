/**
 * A per-thread timeline of `dmasim fuzz` for measuring where `--jobs N` spends its time
 * (bench/fuzz-timeline.mjs reads it; bench/README.md, stop 20). Off unless the environment has
 * DMASIM_FUZZ_TIMELINE=1 (worker threads inherit it); nothing of it reaches a result or stdout.
 *
 * Each thread keeps its marks in memory and writes them to stderr once, at its end (the worker
 * before it posts its result, this thread at the process's exit), one line each:
 *
 *   fuzz-timeline <thread> <event> <k> <time> <cpu>
 *
 * thread: `main` or `worker<threadId>`; time: ms since the epoch (performance.timeOrigin + now,
 * comparable between threads; the `origin` line gives the process's start); cpu: the thread's
 * own CPU time in ms (/proc/thread-self/schedstat: Linux only; -1 elsewhere). Events: `origin`,
 * `cli` (the fuzz command's action starts: the CLI is loaded), `loaded` (a worker's modules are
 * loaded), `warmed` (its early warm-up is over), `options` (it has the run's options), `run`
 * (`--jobs 1`: runFuzz starts), `claim` k (the thread asks for its next epoch: k is the epoch
 * claimed, -1 when none is left; the first claim comes after the thread's warm-up), `epoch` k
 * (`--jobs 1`: epoch k is done), `posted` (a worker's result is sent), `result` (this thread
 * has the merged result), `exit` with k = the CPU ms of the process's other threads still alive
 * then (V8's compiler and GC threads; a worker's thread has ended by then).
 */
import { threadCpuMs, otherThreadsCpuMs } from "./thread-cpu.js";
import { threadId } from "node:worker_threads";

/** Record a mark (event, k); null when the timeline is off. */
export type Mark = (event: string, k?: number) => void;

let marks: string[] | null = null;

/** This thread's marker when DMASIM_FUZZ_TIMELINE=1, else null. `flush` writes the marks (once). */
export function fuzzTimeline(): { mark: Mark; flush: () => void } | null {
  if (process.env.DMASIM_FUZZ_TIMELINE !== "1") return null;
  const thread = threadId === 0 ? "main" : `worker${threadId}`;
  const own = (marks ??= []);
  const mark: Mark = (event, k = 0) => {
    own.push(`fuzz-timeline ${thread} ${event} ${k} ${(performance.timeOrigin + performance.now()).toFixed(2)} ${threadCpuMs().toFixed(2)}`);
  };
  const flush = () => {
    if (own.length === 0) return;
    process.stderr.write(own.join("\n") + "\n");
    own.length = 0;
  };
  return { mark, flush };
}

/** This thread's timeline (the fuzz command's): marks `origin` and `cli`, and writes everything at the process's exit with `exit`. */
export function mainFuzzTimeline(): Mark | null {
  const t = fuzzTimeline();
  if (!t) return null;
  marks!.push(`fuzz-timeline main origin 0 ${performance.timeOrigin.toFixed(2)} 0`);
  t.mark("cli");
  process.once("exit", () => {
    t.mark("exit", Math.round(otherThreadsCpuMs()));
    t.flush();
  });
  return t.mark;
}

/** A claim function that marks each claim (`claim` k) on the timeline; `claim` itself when it is off. */
export function markedClaim(claim: () => number, mark: Mark | null): () => number {
  if (!mark) return claim;
  return () => {
    const k = claim();
    mark("claim", k);
    return k;
  };
}

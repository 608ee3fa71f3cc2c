/**
 * A per-thread timeline of `dmasim matrix` for measuring where `--jobs N` spends its time
 * (bench/matrix-timeline.mjs reads it; bench/README.md, stop 25). Off unless the environment has
 * DMASIM_MATRIX_TIMELINE=1 (worker threads inherit it); nothing of it reaches a result or stdout.
 *
 * Each thread keeps its marks in memory and writes them to stderr once, at its end (a worker
 * before it posts its cells, this thread at the process's exit), one line each:
 *
 *   matrix-timeline <thread> <event> <k> <time> <cpu>
 *
 * thread: `main` or `worker<threadId>`; time: ms since the epoch (performance.timeOrigin + now,
 * comparable between threads; the `origin` line gives the process's start); cpu: the thread's
 * own CPU time in ms (/proc/thread-self/schedstat: Linux only; -1 elsewhere). Events: `origin`,
 * `loaded` (a worker's modules are loaded), `cli` (the matrix command's action starts),
 * `parsed` (the scenarios are loaded), `job` (a thread has its job and starts its cells),
 * `claim` k (the thread takes column k; -1: none is left), `posted` (a worker's cells are sent),
 * `cells` (this thread has every cell), `faults` k (the process's minor page faults so far), `exit` with k = the CPU ms of the process's other threads still alive then (V8's
 * compiler and GC threads; a worker's thread has ended by then).
 */
import { threadCpuMs, minorFaults, otherThreadsCpuMs } from "./thread-cpu.js";
import { threadId } from "node:worker_threads";

/** Record a mark (event, k). */
export type Mark = (event: string, k?: number) => void;

const on = process.env.DMASIM_MATRIX_TIMELINE === "1";
const marks: string[] = [];
const thread = threadId === 0 ? "main" : `worker${threadId}`;
let exitHooked = false;

/** Mark (event, k) on this thread's timeline when DMASIM_MATRIX_TIMELINE=1; else nothing. */
export const matrixMark: Mark = (event, k = 0) => {
  if (!on) return;
  if (threadId === 0 && !exitHooked) {
    exitHooked = true;
    marks.push(`matrix-timeline main origin 0 ${performance.timeOrigin.toFixed(2)} 0`);
    process.once("exit", () => {
      matrixMark("faults", minorFaults());
      matrixMark("exit", Math.round(otherThreadsCpuMs()));
      flushMatrixTimeline();
    });
  }
  marks.push(`matrix-timeline ${thread} ${event} ${k} ${(performance.timeOrigin + performance.now()).toFixed(2)} ${threadCpuMs().toFixed(2)}`);
};

/** Write this thread's marks to stderr (a worker, before it posts its cells). */
export function flushMatrixTimeline(): void {
  if (marks.length === 0) return;
  process.stderr.write(marks.join("\n") + "\n");
  marks.length = 0;
}

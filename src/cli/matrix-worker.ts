/**
 * One matrix worker thread: runs the cells it was given (indices into scenario × platform ×
 * kernel, scenario-major) and posts them back in the same order. Its job comes as workerData, or as
 * its first message when it was started before the job was known (matrix-prestart.ts). See src/cli/matrix-run.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runCells, type MatrixCell } from "../matrix.js";
import { cellsOfColumn, claimColumn } from "./matrix-claim.js";
import type { Scenario } from "../scenario/types.js";
import { attachSource } from "../scenario/parse.js";

interface Job {
  scenarios: Scenario[];
  /** each scenario's text (Scenario.source is not cloned): run-time errors are placed as in the main thread */
  sources: (string | undefined)[];
  platforms: string[];
  kernels: string[];
  set?: Record<string, string>;
  /** the cells to run (a fixed share) … */
  cells?: number[];
  /** … or the column segments to claim from (matrix-claim.ts) and this thread's own segment */
  state?: Int32Array;
  own?: number;
}
/** Run a job and post its cells back (with the columns it claimed, in the order run). */
function run(j: Job): void {
  j.scenarios.forEach((s, i) => attachSource(s, j.sources[i]));
  if (j.cells !== undefined) {
    parentPort!.postMessage(runCells(j.scenarios, j.platforms, j.kernels, j.set, j.cells));
    return;
  }
  const columns = j.platforms.length * j.kernels.length;
  const cols: number[] = [];
  const cells: MatrixCell[] = [];
  for (let col; (col = claimColumn(j.state!, j.own!)) >= 0; ) {
    cols.push(col);
    for (const c of runCells(j.scenarios, j.platforms, j.kernels, j.set, cellsOfColumn(col, j.scenarios.length, columns))) cells.push(c);
  }
  parentPort!.postMessage({ cols, cells });
}
// started with its job, or early (matrix-prestart.ts) and sent it as its one message
if (workerData !== undefined && workerData !== null) run(workerData as Job);
else parentPort!.once("message", (j: Job) => run(j));

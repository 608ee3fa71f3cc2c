/**
 * One matrix worker thread: claims platform × kernel columns from the shared segments
 * (matrix-claim.ts), runs their cells and posts them back with the units it claimed. Its job comes as workerData, or as
 * its first message when it was started before the job was known (matrix-prestart.ts). See src/cli/matrix-run.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runCells, type MatrixCell } from "../matrix.js";
import { cellsOfUnit, claimColumn } from "./matrix-claim.js";
import type { Scenario } from "../scenario/types.js";
import { attachSource } from "../scenario/source-locate.js"; // not parse.ts: the validator (zod) is the main thread's
import { flushMatrixTimeline, matrixMark } from "./matrix-timeline.js";

matrixMark("loaded");

interface Job {
  scenarios: Scenario[];
  /** each scenario's text (Scenario.source is not cloned): run-time errors are placed as in the main thread */
  sources: (string | undefined)[];
  platforms: string[];
  kernels: string[];
  set?: Record<string, string>;
  /** the column segments to claim from (matrix-claim.ts), this thread's own segment, the columns per claim */
  state: Int32Array;
  own: number;
  unit: number;
}
/** Run a job and post its cells back (with the units of columns it claimed, in the order run). */
function run(j: Job): void {
  matrixMark("job");
  j.scenarios.forEach((s, i) => attachSource(s, j.sources[i]));
  const columns = j.platforms.length * j.kernels.length;
  const units: number[] = [];
  const cells: MatrixCell[] = [];
  for (let u; (u = claimColumn(j.state, j.own)) >= 0; ) {
    matrixMark("claim", u);
    units.push(u);
    for (const c of runCells(j.scenarios, j.platforms, j.kernels, j.set, cellsOfUnit(u, j.unit, j.scenarios.length, columns))) cells.push(c);
  }
  matrixMark("claim", -1);
  matrixMark("posted");
  flushMatrixTimeline();
  parentPort!.postMessage({ units, cells });
}
// started with its job, or early (matrix-prestart.ts) and sent it as its one message
if (workerData !== undefined && workerData !== null) run(workerData as Job);
else parentPort!.once("message", (j: Job) => run(j));

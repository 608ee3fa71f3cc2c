/**
 * One matrix worker thread: runs the cells it was given (indices into scenario × platform ×
 * kernel, scenario-major) and posts them back in the same order. Its job comes as workerData, or as
 * its first message when it was started before the job was known (matrix-prestart.ts). See src/cli/matrix-run.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runCells } from "../matrix.js";
import type { Scenario } from "../scenario/types.js";
import { attachSource } from "../scenario/parse.js";

interface Job {
  scenarios: Scenario[];
  /** each scenario's text (Scenario.source is not cloned): run-time errors are placed as in the main thread */
  sources: (string | undefined)[];
  platforms: string[];
  kernels: string[];
  set?: Record<string, string>;
  cells: number[];
}
/** Run a job and post its cells back. */
function run(j: Job): void {
  j.scenarios.forEach((s, i) => attachSource(s, j.sources[i]));
  parentPort!.postMessage(runCells(j.scenarios, j.platforms, j.kernels, j.set, j.cells));
}
// started with its job, or early (matrix-prestart.ts) and sent it as its one message
if (workerData !== undefined && workerData !== null) run(workerData as Job);
else parentPort!.once("message", (j: Job) => run(j));

/**
 * One matrix worker thread: runs the cells it was given (indices into scenario × platform ×
 * kernel, scenario-major) and posts them back in the same order. See src/cli/matrix-run.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runCells } from "../matrix.js";
import type { Scenario } from "../scenario/types.js";

interface Job {
  scenarios: Scenario[];
  platforms: string[];
  kernels: string[];
  set?: Record<string, string>;
  cells: number[];
}
const j = workerData as Job;
parentPort!.postMessage(runCells(j.scenarios, j.platforms, j.kernels, j.set, j.cells));

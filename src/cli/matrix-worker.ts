/**
 * One matrix worker thread: runs the cells it was given (indices into scenario × platform ×
 * kernel, scenario-major) and posts them back in the same order. See src/cli/matrix-run.ts.
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
const j = workerData as Job;
j.scenarios.forEach((s, i) => attachSource(s, j.sources[i]));
parentPort!.postMessage(runCells(j.scenarios, j.platforms, j.kernels, j.set, j.cells));

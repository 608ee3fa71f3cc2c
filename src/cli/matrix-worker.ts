/**
 * One matrix worker thread: runs the cells it was given (indices into scenario × platform ×
 * kernel, scenario-major) and posts them back in the same order. See src/cli/matrix-run.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runMatrix } from "../matrix.js";
import type { Scenario } from "../scenario/types.js";

interface Job {
  scenarios: Scenario[];
  platforms: string[];
  kernels: string[];
  set?: Record<string, string>;
  cells: number[];
}
const j = workerData as Job;
const np = j.platforms.length;
const nk = j.kernels.length;
const out = j.cells.map((i) => {
  const s = j.scenarios[Math.floor(i / (np * nk))]!;
  const p = j.platforms[Math.floor(i / nk) % np]!;
  const k = j.kernels[i % nk]!;
  return runMatrix([s], [p], [k], j.set).cells[0]!;
});
parentPort!.postMessage(out);

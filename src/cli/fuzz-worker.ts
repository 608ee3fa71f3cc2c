/**
 * One `dmasim fuzz --jobs N` worker thread: runs its share of the operations (its own seed, its
 * own models) and posts the FuzzResult. See registerFuzz in src/cli/bench.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runFuzz } from "../fuzz/run.js";
import type { FuzzOptions } from "../fuzz/types.js";

const o = workerData as FuzzOptions;
let msg: unknown;
try {
  msg = { ok: true, result: runFuzz(o, () => performance.now()) };
} catch (e) {
  msg = { ok: false, error: (e as Error)?.message ?? String(e) };
}
parentPort!.postMessage(msg);

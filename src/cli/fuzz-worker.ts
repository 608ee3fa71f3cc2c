/**
 * One `dmasim fuzz --jobs N` worker thread: loads the engine at once (it may be started before the
 * command line is parsed: prestartFuzzWorkers in src/cli/fuzz-split.ts), then waits for its one
 * message (FuzzWorkerData), claims epochs of the run's plan from the counter it shares with the
 * other threads, runs them (its own models), and posts their results. See runFuzzJobs in
 * src/cli/bench.ts and src/fuzz/split.ts. It imports the engine's fuzz run and nothing of the CLI.
 */
import { parentPort } from "node:worker_threads";
import { runFuzzClaimed } from "../fuzz/split.js";
import { type FuzzWorkerData, type FuzzWorkerMessage, sharedClaims } from "./fuzz-split.js";

parentPort!.once("message", (d: FuzzWorkerData) => {
  let msg: FuzzWorkerMessage;
  try {
    const { claim, failed } = sharedClaims(d.shared, d.epochs, d.o.stopOnFailure ?? true);
    msg = { ok: true, epochs: runFuzzClaimed(d.o, claim, failed, () => performance.now()) };
  } catch (e) {
    msg = { ok: false, error: (e as Error)?.message ?? String(e) };
  }
  parentPort!.postMessage(msg);
});

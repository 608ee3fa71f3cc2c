/**
 * One `dmasim fuzz --jobs N` worker thread: loads the engine at once (it may be started before the
 * command line is parsed: prestartFuzzWorkers in src/cli/fuzz-split.ts), then waits for its one
 * message (FuzzWorkerData), claims epochs of the run's plan from the counter it shares with the
 * other threads, runs them (its own models), and posts their results. See runFuzzJobs in
 * src/cli/bench.ts and src/fuzz/split.ts. It imports the engine's fuzz run and nothing of the CLI.
 */
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { runFuzzClaimed } from "../fuzz/split.js";
import { fuzzSetup, prewarm, warmKey } from "../fuzz/run.js";
import { parseSets } from "../scenario/config.js";
import type { FuzzOptions } from "../fuzz/types.js";
import { type FuzzWarmGuess, type FuzzWorkerData, type FuzzWorkerMessage, sharedClaims } from "./fuzz-split.js";
import { fuzzTimeline, markedClaim } from "./fuzz-timeline.js";

// DMASIM_FUZZ_TIMELINE=1: this thread's marks, written before its result is posted (fuzz-timeline.ts)
const timeline = fuzzTimeline();
timeline?.mark("loaded");

/** The run, given its options; `warmed`: the warmUp key of the configuration prewarm ran on (then the run's own warmUp is skipped). */
function run(d: FuzzWorkerData, warmed: string | null): void {
  let msg: FuzzWorkerMessage;
  try {
    timeline?.mark("options");
    const { claim, failed } = sharedClaims(d.shared, d.epochs, d.o.stopOnFailure ?? true);
    const o = warmed !== null && warmKey(fuzzSetup(d.o)) === warmed ? { ...d.o, warm: false } : d.o;
    msg = { ok: true, epochs: runFuzzClaimed(o, markedClaim(claim, timeline?.mark ?? null), failed, () => performance.now()) };
  } catch (e) {
    msg = { ok: false, error: (e as Error)?.message ?? String(e) };
  }
  timeline?.mark("posted");
  timeline?.flush();
  parentPort!.postMessage(msg);
}

// Started early (prestartFuzzWorkers) with the command line's configuration: warm the JIT up on it
// until the options come (prewarm). A guess that names no valid configuration warms nothing.
let early: FuzzWorkerData | undefined;
let warmed: string | null = null;
const guess = workerData as FuzzWarmGuess | null;
if (guess) {
  try {
    const o: FuzzOptions = { seed: 0, steps: guess.steps, platform: guess.platform, kernel: guess.kernel, device: guess.device };
    const set = parseSets(guess.set);
    if (set) o.set = set;
    const s = fuzzSetup(o);
    const idle = () => {
      early ??= receiveMessageOnPort(parentPort!)?.message as FuzzWorkerData | undefined;
      return early === undefined;
    };
    if (prewarm(s, o, idle)) warmed = warmKey(s);
  } catch {
    // a bad command line: the CLI reports it
  }
}
timeline?.mark("warmed");
if (early) run(early, warmed);
else parentPort!.once("message", (d: FuzzWorkerData) => run(d, warmed));

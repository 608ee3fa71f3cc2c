/**
 * The window `fuzz_ops_per_s` times (runFuzz's own clock: the warm-up and the first 50,000
 * operations of `dmasim fuzz --seed S`), in CPU time, which the machine's load moves far less
 * than its wall: the main thread's CPU (/proc/thread-self/schedstat), the process's (all threads:
 * TurboFan's jobs, GC helpers), the main thread's minor page faults and the wall, with the CLI's
 * V8 flags for `fuzz --jobs 1` (FUZZ_V8_FLAGS, FUZZ_TIER_FLAGS) and its helper threads' priority
 * (src/cli/helper-nice.ts; WINDOW_NICE=0 leaves it, WINDOW_NICE=n sets n steps). One JSON line per run.
 *   node bench/fuzz-window.mjs [rev]    builds bench/.build-window/after.mjs (the working tree)
 *                                       and, given a git revision, before.mjs (src/ as at rev)
 *   node bench/.build-window/after.mjs [seed=11] [steps=50000] [platform=rpi4]
 * WINDOW_FLAGS="--flag ..." sets more V8 flags after the CLI's (an experiment); WINDOW_MARKS=1
 * prints the window's bounds on stderr in the clock of a `--cpu-prof` profile's timestamps (µs),
 * to keep only the window's samples. Not part of `npm run bench` (bench/README.md, stop 20).
 */
import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { FUZZ_V8_FLAGS } from "../src/cli/fuzz-split.js";
import { FUZZ_TIER_FLAGS } from "../src/cli/bench.js";
import { niceHelperThreads } from "../src/cli/helper-nice.js";
import { runFuzz } from "../src/fuzz/run.js";

setFlagsFromString(FUZZ_V8_FLAGS);
setFlagsFromString(FUZZ_TIER_FLAGS);
// more V8 flags for an experiment, set after the CLI's (which they can override)
if (process.env.WINDOW_FLAGS) setFlagsFromString(process.env.WINDOW_FLAGS);
// the helper threads' priority as `dmasim fuzz --jobs 1` sets it (WINDOW_NICE=0: unchanged; another number: that many steps)
if (process.env.WINDOW_NICE !== "0") niceHelperThreads(process.env.WINDOW_NICE ? Number(process.env.WINDOW_NICE) : undefined);
const threadNs = () => Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]);
/** minor page faults of this thread (field 10 of /proc/thread-self/stat, after the parenthesised name) */
const faults = () => Number(readFileSync("/proc/thread-self/stat", "utf8").split(") ")[1]!.split(" ")[7]);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const seed = Number(process.argv[2] ?? 11);
const steps = Number(process.argv[3] ?? 50_000);
const platform = process.argv[4] ?? "rpi4";
let t0 = 0;
let c0 = 0;
let p0 = 0;
let h0 = 0n;
let f0 = 0;
const r = runFuzz({ seed, steps, platform }, () => {
  // runFuzz reads its clock first at t0 (before the warm-up): the window starts there
  if (t0 === 0) {
    t0 = performance.now();
    c0 = threadNs();
    p0 = cpuMs();
    h0 = process.hrtime.bigint();
    f0 = faults();
    return t0;
  }
  return performance.now();
});
const main = (threadNs() - c0) / 1e6;
const flt = faults() - f0;
if (process.env.WINDOW_MARKS) console.error(JSON.stringify({ from: Number(h0 / 1000n), to: Number(process.hrtime.bigint() / 1000n) }));
const all = cpuMs() - p0;
console.log(JSON.stringify({ ok: r.ok, ops: r.ops, wall: +r.elapsedMs!.toFixed(1), main: +main.toFixed(1), all: +all.toFixed(1), faults: flt, rate: Math.round(r.ops / (r.elapsedMs! / 1000)) }));

#!/usr/bin/env node
// Where `dmasim matrix scenarios` spends its time, per thread, from the matrix command's own
// timeline (DMASIM_MATRIX_TIMELINE=1, src/cli/matrix-timeline.ts): the main thread's CPU before its
// cells (start-up, the CLI, the scenarios), on its cells and after them (formatting, output); each
// worker's CPU to load and on its cells; the process's other threads (V8's compiler and GC
// threads); page faults; wall. Runs each build given (`--bin`, repeatable; default this one's)
// alternately and prints medians. Thread CPU is what load does not inflate much; walls mean
// little when other processes share the cores.
//
//   node bench/matrix-timeline.mjs [--runs 5] [--jobs 2] [--bin A/bin/dmasim.mjs --bin B/...] [--set K=V] [--json]
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { median, opt as optIn, timelineRun } from "./timeline-common.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => optIn(args, name, dflt);
const all = (name) => args.flatMap((a, i) => (a === name && args[i + 1] !== undefined ? [args[i + 1]] : []));
const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(opt("--runs", "5"));
const jobs = opt("--jobs", undefined);
const bins = all("--bin").length ? all("--bin") : [root + "bin/dmasim.mjs"];
const sets = all("--set").flatMap((s) => ["--set", s]);
const asJson = args.includes("--json");

/** One run of `bin`: the figures from its marks. */
function run(bin) {
  const { wall, threads: th } = timelineRun([bin, "matrix", "scenarios", "--json", ...(jobs ? ["--jobs", jobs] : []), ...sets], "matrix-timeline", "DMASIM_MATRIX_TIMELINE", { cwd: root });
  const main = th.get("main") ?? [];
  const at = (marks, ev) => marks.find((x) => x.ev === ev);
  const origin = at(main, "origin")?.t ?? t0;
  const o = { wall, load: loadavg()[0] };
  o.main_pre_cpu = at(main, "job")?.cpu;
  o.main_cells_cpu = at(main, "cells")?.cpu - at(main, "job")?.cpu;
  o.main_post_cpu = at(main, "exit")?.cpu - at(main, "cells")?.cpu;
  o.main_cpu = at(main, "exit")?.cpu;
  o.main_job_at = at(main, "job")?.t - origin;
  o.main_claims = main.filter((x) => x.ev === "claim" && x.k >= 0).length;
  o.other_cpu = at(main, "exit")?.k;
  o.faults = at(main, "faults")?.k;
  o.cells_at = at(main, "cells")?.t - origin;
  o.exit_at = at(main, "exit")?.t - origin;
  let wcpu = 0;
  let wi = 0;
  for (const [name, m] of th) {
    if (name === "main") continue;
    wi++;
    o[`w${wi}_load_cpu`] = at(m, "loaded")?.cpu;
    o[`w${wi}_loaded_at`] = at(m, "loaded")?.t - origin;
    o[`w${wi}_job_at`] = at(m, "job")?.t - origin;
    o[`w${wi}_cells_cpu`] = at(m, "posted")?.cpu - at(m, "job")?.cpu;
    o[`w${wi}_cpu`] = at(m, "posted")?.cpu;
    o[`w${wi}_posted_at`] = at(m, "posted")?.t - origin;
    o[`w${wi}_claims`] = m.filter((x) => x.ev === "claim" && x.k >= 0).length;
    wcpu += at(m, "posted")?.cpu ?? NaN;
  }
  o.total_cpu = o.main_cpu + o.other_cpu + wcpu;
  return o;
}

const out = bins.map(() => []);
for (let i = 0; i < runs; i++) bins.forEach((b, j) => out[j].push(run(b)));
const res = bins.map((b, j) => {
  const keys = [...new Set(out[j].flatMap((o) => Object.keys(o)))];
  return { bin: b, ...Object.fromEntries(keys.map((k) => [k, Math.round(median(out[j].map((o) => o[k])) * 10) / 10])) };
});
if (asJson) console.log(JSON.stringify(res, null, 2));
else {
  const keys = [...new Set(res.flatMap((r) => Object.keys(r)))].filter((k) => k !== "bin");
  console.log(`medians of ${runs} runs each (ms; cpu = thread CPU; *_at = wall since the process started)`);
  bins.forEach((b, j) => console.log(`[${j}] ${b}`));
  for (const k of keys) console.log(k.padEnd(16), res.map((r) => String(r[k] ?? "").padStart(10)).join(""));
}

#!/usr/bin/env node
// Where `dmasim fuzz --jobs 2` spends its time against `--jobs 1`, per thread, from the fuzz
// command's own timeline (DMASIM_FUZZ_TIMELINE=1, src/cli/fuzz-timeline.ts): each thread's CPU time
// at its start, its warm-up, its epochs (steady rate, the first epochs' excess over it), its end,
// and the process's other threads (V8's compiler and GC threads). Runs the built CLI, `--jobs 1`
// and `--jobs 2` alternately, and prints medians over the runs. Thread CPU is what load does not
// inflate much; walls are given but mean little when other processes share the cores.
//
//   node bench/fuzz-timeline.mjs [--pairs 5] [--steps 2000000] [--seed 7] [--bin bin/dmasim.mjs] [--json]
//
// --bin: another build's launcher (e.g. a copy of an older build's bin/ and dist/) for A/B runs.
import { loadavg } from "node:os";
import { median, opt as optIn, timelineRun } from "./timeline-common.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => optIn(args, name, dflt);
const pairs = Number(opt("--pairs", "5"));
const steps = opt("--steps", "2000000");
const seed = opt("--seed", "7");
const bin = opt("--bin", new URL("../bin/dmasim.mjs", import.meta.url).pathname);
const asJson = args.includes("--json");

/** One run: its marks per thread, and the figures derived from them. */
function run(jobs) {
  const { r, wall, threads: th } = timelineRun([bin, "fuzz", "--seed", seed, "--steps", steps, "--jobs", String(jobs), "--json"], "fuzz-timeline", "DMASIM_FUZZ_TIMELINE");
  if (r.status !== 0) throw new Error(`fuzz --jobs ${jobs} exited ${r.status}: ${r.stderr.slice(-400)}`);
  const out = JSON.parse(r.stdout);
  const main = th.get("main");
  if (!main) throw new Error("no timeline: is this build older than DMASIM_FUZZ_TIMELINE?");
  const origin = main.find((e) => e.ev === "origin").t;
  const exit = main.find((e) => e.ev === "exit");
  const res = { jobs, wall, ops: out.ops, epochs: out.epochs, helpersCpu: exit.k, threads: {} };
  let total = exit.k;
  for (const [name, ev] of th) {
    const at = (e) => ev.find((x) => x.ev === e);
    const ready = name === "main" ? at("cli") : at("loaded");
    // the epochs' ends: --jobs 1 marks `epoch`; --jobs N marks each `claim` (the previous epoch's end)
    const claims = ev.filter((x) => x.ev === "claim");
    const start = jobs === 1 ? at("run") : claims[0];
    const ends = jobs === 1 ? ev.filter((x) => x.ev === "epoch") : claims.slice(1);
    const per = ends.map((e, i) => e.cpu - (i === 0 ? start : ends[i - 1]).cpu);
    const steady = median(per.slice(Math.floor(per.length / 2)));
    const last = ends.length ? ends[ends.length - 1] : start;
    const endCpu = name === "main" ? exit.cpu : at("posted").cpu;
    total += endCpu;
    res.threads[name] = {
      readyMs: ready.t - origin,
      readyCpu: ready.cpu,
      // --jobs N: CPU before the first claim (start-up, CLI or engine load, warm-up); --jobs 1: before runFuzz (its warm-up is in its first epoch)
      startCpu: start.cpu,
      firstEpochMs: start.t - origin,
      epochs: per.length,
      first3: per.slice(0, 3).map((x) => Math.round(x)),
      excess10: per.slice(0, 10).reduce((a, x) => a + x - steady, 0),
      steady,
      endMs: last.t - origin,
      epochsCpu: last.cpu - start.cpu,
      afterCpu: endCpu - last.cpu,
      cpu: endCpu,
    };
  }
  const ends = Object.values(res.threads).map((t) => t.endMs);
  res.endSkewMs = Math.max(...ends) - Math.min(...ends);
  res.tailMs = main.find((e) => e.ev === "result").t - origin - Math.max(...ends);
  res.exitMs = exit.t - origin;
  res.totalCpu = total;
  return res;
}

const runs = { 1: [], 2: [] };
const loads = [];
for (let i = 0; i < pairs; i++) {
  for (const j of [1, 2]) runs[j].push(run(j));
  loads.push(loadavg()[0]);
}

const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "–");
const range = (xs, d = 0) => `${f(median(xs), d)} [${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)}]`;
const summary = {};
for (const j of [1, 2]) {
  const rs = runs[j];
  const s = { wallMs: range(rs.map((r) => r.wall)), totalCpuMs: range(rs.map((r) => r.totalCpu)), helpersCpuMs: range(rs.map((r) => r.helpersCpu)), endSkewMs: range(rs.map((r) => r.endSkewMs)), tailMs: range(rs.map((r) => r.tailMs)), threads: {} };
  const names = [...new Set(rs.flatMap((r) => Object.keys(r.threads).map((n) => (n === "main" ? "main" : "worker"))))];
  for (const n of names) {
    const ts = rs.map((r) => Object.entries(r.threads).find(([k]) => (n === "main" ? k === "main" : k !== "main"))?.[1]).filter(Boolean);
    const g = (k, d = 0) => range(ts.map((t) => t[k]), d);
    s.threads[n] = { readyMs: g("readyMs"), readyCpu: g("readyCpu"), startCpu: g("startCpu"), firstEpochMs: g("firstEpochMs"), epochs: g("epochs"), excess10: g("excess10"), steady: g("steady", 2), epochsCpu: g("epochsCpu"), afterCpu: g("afterCpu"), cpu: g("cpu"), first3: ts.map((t) => t.first3.join("/")).join(" ") };
  }
  summary[j] = s;
}
const ratio = median(runs[1].map((r, i) => r.wall / runs[2][i].wall));
if (asJson) {
  console.log(JSON.stringify({ steps, seed, pairs, loads, ratio, summary, runs }, null, 1));
} else {
  console.log(`fuzz --seed ${seed} --steps ${steps}: ${pairs} pairs of --jobs 1 / --jobs 2, load ${loads.map((l) => l.toFixed(1)).join(", ")}; medians [ranges]`);
  console.log(`wall ratio (per pair) ${f(ratio, 2)}`);
  for (const j of [1, 2]) {
    const s = summary[j];
    console.log(`\n--jobs ${j}: wall ${s.wallMs} ms, CPU over all threads ${s.totalCpuMs} ms, of which V8's other threads ${s.helpersCpuMs}; threads' ends ${s.endSkewMs} ms apart, last end → merged result ${s.tailMs} ms`);
    for (const [n, t] of Object.entries(s.threads))
      console.log(
        `  ${n}: ready at ${t.readyMs} ms (CPU ${t.readyCpu}); first epoch at ${t.firstEpochMs} ms (CPU ${t.startCpu}); ${t.epochs} epochs, CPU ${t.epochsCpu} ms, steady ${t.steady} ms each, first 10 over steady ${t.excess10}; after the last ${t.afterCpu}; thread CPU ${t.cpu}\n    first 3 epochs' CPU per run: ${t.first3}`,
      );
  }
}

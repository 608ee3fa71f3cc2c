#!/usr/bin/env node
// TurboFan's work per compiled function, in instructions (valgrind's callgrind), which the machine's
// load does not move: one process of bench/.build-window/<variant>.mjs (built by
// `node bench/fuzz-window.mjs [rev]`) with every TurboFan job on the main thread
// (--no-concurrent-recompilation) and --trace-opt naming each compile; callgrind collects only inside
// PipelineCompilationJob::ExecuteJobImpl and writes one dump after each PipelineImpl::AssembleCode,
// so the k-th dump is the k-th "completed compiling" line's job. The same build gives each function
// the same count to ±0.1 % (a compile's instructions do not depend on timing, only on the feedback
// its function had), so a change to one function shows as that function's row alone. Whole process
// (module load included). ≈ 2–4 minutes a run under valgrind.
//   node bench/fuzz-compile-census.mjs run <variant> <outdir> [seed=11] [steps]   one run, then its table
//   node bench/fuzz-compile-census.mjs show <outdir>                             the table of a run
//   node bench/fuzz-compile-census.mjs diff <outdirA> <outdirB>                 per function, B − A
// Table: compile index (order of completion), M instructions, function (" OSR" for on-stack replacement).
// Not part of `npm run bench` (bench/README.md, stop 21).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));

function run(variant, dir, seed = "11", steps) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const args = [
    "--tool=callgrind",
    "--smc-check=all-non-file",
    "--toggle-collect=v8::internal::compiler::PipelineCompilationJob::ExecuteJobImpl*",
    "--dump-after=v8::internal::compiler::PipelineImpl::AssembleCode*",
    `--callgrind-out-file=${dir}/cg.out`,
    "node",
    "--no-concurrent-recompilation",
    "--trace-opt",
    `${here}.build-window/${variant}.mjs`,
    seed,
    ...(steps ? [steps] : []),
  ];
  const out = execFileSync("valgrind", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 1 << 28 });
  execFileSync("sh", ["-c", `cat > ${dir}/trace.txt`], { input: out });
}

/** [{ i, ir, name }] in compile order, and the total */
function load(dir) {
  const names = [];
  for (const l of readFileSync(`${dir}/trace.txt`, "utf8").split("\n")) {
    const r = /^\[completed compiling \S+ <JSFunction ?(.*?) \(sfi = \w+\)> \(target TURBOFAN\)( OSR)?/.exec(l);
    if (r) names.push(r[1] + (r[2] ? " OSR" : ""));
  }
  const dumps = readdirSync(dir)
    .filter((f) => /^cg\.out\.\d+$/.test(f))
    .sort((a, b) => Number(a.split(".")[2]) - Number(b.split(".")[2]));
  const ir = dumps.map((f) => Number(/^totals: (\d+)/m.exec(readFileSync(`${dir}/${f}`, "utf8"))?.[1] ?? 0));
  if (ir.length < names.length) throw new Error(`${dir}: ${names.length} compiles but ${ir.length} dumps`);
  const rows = names.map((name, i) => ({ i, ir: ir[i], name }));
  return { rows, total: rows.reduce((s, r) => s + r.ir, 0) };
}

const M = (n) => (n / 1e6).toFixed(2);
function show(dir) {
  const { rows, total } = load(dir);
  console.log(`${rows.length} compiles, ${M(total)} M instructions`);
  for (const r of [...rows].sort((a, b) => b.ir - a.ir)) console.log(String(r.i).padStart(4), M(r.ir).padStart(8), r.name);
}
function diff(a, b) {
  const A = load(a);
  const B = load(b);
  const per = (x) => x.rows.reduce((m, r) => m.set(r.name, (m.get(r.name) ?? 0) + r.ir), new Map());
  const pa = per(A);
  const pb = per(B);
  console.log(`A ${A.rows.length} compiles ${M(A.total)} M; B ${B.rows.length} compiles ${M(B.total)} M; B − A ${M(B.total - A.total)} M (${((100 * (B.total - A.total)) / A.total).toFixed(2)} %)`);
  const names = [...new Set([...pa.keys(), ...pb.keys()])];
  const rows = names.map((n) => ({ n, a: pa.get(n) ?? 0, b: pb.get(n) ?? 0 })).sort((x, y) => Math.abs(y.b - y.a) - Math.abs(x.b - x.a));
  for (const r of rows) if (Math.abs(r.b - r.a) >= 0.2e6) console.log(M(r.b - r.a).padStart(8), M(r.a).padStart(8), M(r.b).padStart(8), r.n || "(anonymous)");
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === "run") {
  run(rest[0], rest[1], rest[2], rest[3]);
  show(rest[1]);
} else if (cmd === "show") show(rest[0]);
else if (cmd === "diff") diff(rest[0], rest[1]);
else {
  console.error("usage: fuzz-compile-census.mjs run <variant> <outdir> [seed] [steps] | show <outdir> | diff <outdirA> <outdirB>");
  process.exit(2);
}

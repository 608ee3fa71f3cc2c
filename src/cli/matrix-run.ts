/**
 * The matrix over worker threads: the cells (scenario × platform × kernel) are split by
 * configuration among `jobs` threads (src/cli/matrix-worker.ts), which claim the configurations
 * as they go (matrix-claim.ts) and run their cells with runMatrix; the cells are put back in
 * scenario-major order. The result is the one runMatrix gives in-process; with jobs = 1
 * (or a small matrix) the matrix runs in this thread, since starting a worker costs a bundle
 * load and a cold JIT.
 */
import { VERDICTS, type MatrixCell, type MatrixOptions, type MatrixResult, type Verdict } from "../matrix.js";
import type { Scenario } from "../scenario/types.js";
import { resultOf } from "./workers.js";
import { takeMatrixWorkers } from "./matrix-prestart.js";
import { cellsOfUnit, claimColumn, claimUnit, columnSegments } from "./matrix-claim.js";
import { matrixMark } from "./matrix-timeline.js";

/**
 * V8 flags for `dmasim matrix` (set by the command after importing this module, which loads the
 * engine's code through ../matrix.js, but before any of it runs: the budget applies to functions
 * not yet called; process-wide, so every worker isolate gets them; moving the flags before the
 * import was measured slower, 9.1 s against 8.3–8.5 s of CPU for `matrix scenarios`, stop 24). The matrix runs each of ~100 configurations (platform ×
 * kernel: different classes, eras and object shapes) for a few milliseconds, so with V8's
 * default budget (67,584 bytecode bytes) TurboFan optimises a hot function on the first
 * configuration's feedback, deoptimises it on the next ("wrong map": 184 of 247 bailouts in
 * `matrix scenarios --jobs 1`) and compiles it again — 648 optimising compilations, ≈ 2 s of
 * CPU on V8's background threads (compile jobs, GC helpers) against ≈ 1.8 s of the main thread's own work. A 12× budget
 * lets a function gather the feedback of several configurations first: the same bytes, half
 * the CPU (bench/README.md, sixth pass).
 */
export const MATRIX_V8_FLAGS = "--interrupt-budget=800000";

export { PARALLEL_MIN_CELLS, defaultJobs } from "./matrix-jobs.js";

export async function runMatrixJobs(scenarios: Scenario[], platforms: string[], kernels: string[], set: Record<string, string> | undefined, jobs: number, o: MatrixOptions = {}): Promise<MatrixResult> {
  matrixMark("cli");
  const { runMatrix, runCells } = await import("../matrix.js");
  const total = scenarios.length * platforms.length * kernels.length;
  const n = Math.max(1, Math.min(jobs, total));
  if (n <= 1) {
    matrixMark("job");
    const m = runMatrix(scenarios, platforms, kernels, set, o);
    matrixMark("cells");
    return m;
  }
  // each thread takes whole platform × kernel columns (all scenarios of a configuration in one
  // thread, so its booted template serves them all), in contiguous runs of whole platforms
  // (n ≤ platforms; else of columns): a thread then JIT-compiles the code of fewer platforms and
  // sees fewer object shapes than with columns dealt round-robin (−0.2 s wall, −0.3 s CPU of
  // 3,330 runs on 2 threads). Part 0 is this thread's.
  const np = platforms.length;
  const nk = kernels.length;
  const ns = scenarios.length;
  const columns = np * nk;
  const partOf = (col: number) => (n <= np ? Math.floor((Math.floor(col / nk) * n) / np) : Math.floor((col * n) / columns));
  const cells: MatrixCell[] = new Array(total);
  let done = 0;
  const put = (idx: readonly number[], out: readonly MatrixCell[]) =>
    out.forEach((c, j) => {
      cells[idx[j]!] = c;
      o.onCell?.(++done, total, c);
    });
  // parts 1..n-1 in worker threads, part 0 in this thread meanwhile (its modules are loaded and
  // it would otherwise only wait): one thread start-up fewer
  // (started early, before this command's V8 flags, when the command line asked for them: matrix-prestart.ts)
  const started = await takeMatrixWorkers(n - 1);
  const sources = scenarios.map((s) => s.source);
  const job = { scenarios, sources, platforms, kernels, set };
  // the segments are claimed a column at a time (matrix-claim.ts): a worker that starts late, or a
  // thread slowed by the machine's load, runs fewer columns
  const unit = claimUnit(columns);
  const units = Math.ceil(columns / unit);
  const state = columnSegments(n, units, (u) => partOf(u * unit));
  started.forEach((w, i) => w.postMessage({ ...job, state, own: i + 1, unit }));
  const workers = started.map(async (w) => {
    const r = await resultOf<{ units: number[]; cells: MatrixCell[] }>("matrix-worker", w);
    let at = 0;
    for (const u of r.units) {
      const idx = cellsOfUnit(u, unit, ns, columns);
      put(idx, r.cells.slice(at, (at += idx.length)));
    }
  });
  try {
    matrixMark("job");
    for (let u; (u = claimColumn(state, 0)) >= 0; ) {
      matrixMark("claim", u);
      const idx = cellsOfUnit(u, unit, ns, columns);
      put(idx, runCells(scenarios, platforms, kernels, set, idx));
    }
    matrixMark("claim", -1);
  } finally {
    await Promise.all(workers);
  }
  matrixMark("cells");
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const c of cells) counts[c.verdict]++;
  return {
    scenarios: scenarios.map((s) => (s.file !== undefined ? { name: s.name, file: s.file } : { name: s.name })),
    platforms,
    kernels,
    cells,
    counts,
  };
}

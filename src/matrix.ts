/**
 * The platform × kernel matrix: one scenario run per cell, condensed to a verdict, the first
 * failure and the kind of address the first allocation returned. No node:* imports (the web
 * page can build the same matrix); renderers are in src/format/matrix.ts.
 */
import { InputError, NotApplicable, runVerdict, type FaultKind } from "./core/faults.js";
import { runScenario } from "./scenario/runner.js";
import type { AddrKind, RunOptions, RunResult, Scenario } from "./scenario/types.js";

/**
 * PASS: every expectation held. FAIL: an expectation failed. FAULT: the run failed and the kernel
 * oopsed, BUGged, panicked or took a SIGBUS/bus error. ERROR: the run was refused (bad input for
 * this platform/kernel, e.g. a bad argument). N/A: the scenario does not apply to the platform
 * (a device it lacks, Xen-only operations on a non-Xen machine); it does not fail the matrix.
 * CRASH: dmasim itself threw (a dmasim bug).
 */
export type Verdict = "PASS" | "FAIL" | "FAULT" | "ERROR" | "N/A" | "CRASH";

/** The verdicts, in the order summaries print them. */
export const VERDICTS: readonly Verdict[] = ["PASS", "FAIL", "FAULT", "ERROR", "N/A", "CRASH"];

/** A failed step expectation, for summaries (which ops saw wrong data, say). */
export interface CellFailure {
  step: number | null;
  op: string | null;
  what: string;
  expected: string;
  actual: string;
}

export interface MatrixCell {
  scenario: string;
  file?: string;
  platform: string;
  kernel: string;
  device: string | null;
  verdict: Verdict;
  ok: boolean;
  /** the first failure or fault in a few words (RunResult.first_failure, or the error) */
  first_failure: string | null;
  /** address kind of the first coherent allocation */
  first_alloc_kind: AddrKind | null;
  /** kinds of the faults that happened (expected or not), in order */
  faults: FaultKind[];
  /** the step index of each fault in `faults` (null: outside any step) */
  fault_steps: (number | null)[];
  /** the first fault's message, if any */
  first_fault: string | null;
  /** failed expectations */
  failures: CellFailure[];
  /** D-ids reported */
  diagnostics: string[];
  /** ERROR / CRASH: the message */
  error?: string;
  /** N/A: why the scenario does not apply to this platform */
  not_applicable?: string;
}

export interface MatrixResult {
  scenarios: { name: string; file?: string }[];
  platforms: string[];
  kernels: string[];
  /** scenario-major, then platform, then kernel */
  cells: MatrixCell[];
  counts: Record<Verdict, number>;
}

export interface MatrixOptions {
  /** called after each cell (progress) */
  onCell?: (done: number, total: number, cell: MatrixCell) => void;
  /** record traces (not needed for the matrix; off by default) */
  trace?: boolean;
  /** the runner (tests may inject one); default runScenario */
  run?: (s: Scenario, o: RunOptions) => RunResult;
}

/** Condense one run into a cell. */
export function cellFromResult(s: Scenario, r: RunResult): MatrixCell {
  const faults = r.faults.map((f) => f.kind);
  const verdict: Verdict = runVerdict(r);
  const failures: CellFailure[] = r.expectations
    .filter((e) => !e.ok)
    .map((e) => ({ step: e.step, op: e.step === null ? null : (r.steps[e.step]?.op ?? s.steps[e.step]?.op ?? null), what: e.what, expected: e.expected, actual: e.actual }));
  const cell: MatrixCell = {
    scenario: r.scenario || s.name,
    platform: r.platform,
    kernel: r.kernel,
    device: r.device,
    verdict,
    ok: r.ok,
    first_failure: r.first_failure,
    first_alloc_kind: r.first_alloc_kind,
    faults,
    fault_steps: r.faults.map((f) => f.step ?? null),
    first_fault: r.faults[0] ? r.faults[0].message : null,
    failures,
    diagnostics: [...new Set(r.diagnostics.map((d) => d.id))],
  };
  if (s.file !== undefined) cell.file = s.file;
  return cell;
}

function errorCell(s: Scenario, platform: string, kernel: string, verdict: "ERROR" | "CRASH" | "N/A", message: string): MatrixCell {
  const cell: MatrixCell = {
    scenario: s.name,
    platform,
    kernel,
    device: null,
    verdict,
    ok: false,
    first_failure: verdict === "N/A" ? null : message,
    first_alloc_kind: null,
    faults: [],
    fault_steps: [],
    first_fault: null,
    failures: [],
    diagnostics: [],
  };
  if (verdict === "N/A") cell.not_applicable = message;
  else cell.error = message;
  if (s.file !== undefined) cell.file = s.file;
  return cell;
}

/** Run one cell: scenario `s` on `platform` × `kernel`, condensed (never throws for the cell's own problem). */
function runCell(s: Scenario, platform: string, kernel: string, set: Record<string, string> | undefined, run: (s: Scenario, o: RunOptions) => RunResult, trace: boolean): MatrixCell {
  const ro: RunOptions = { platform, kernel };
  if (set) ro.set = set;
  if (trace) ro.trace = true;
  try {
    return cellFromResult(s, run(s, ro));
  } catch (e) {
    return e instanceof NotApplicable
      ? errorCell(s, platform, kernel, "N/A", e.reason)
      : e instanceof InputError
        ? errorCell(s, platform, kernel, "ERROR", e.format())
        : errorCell(s, platform, kernel, "CRASH", `internal error: ${(e as Error)?.message ?? String(e)}`);
  }
}

/**
 * Run `f` with JavaScript's error stack traces off: a cell's outcome is read from its errors'
 * classes and messages, never their stacks, and the engine throws one for every refused run (N/A,
 * ERROR) and kernel fault (InputError's constructor alone held ≈ 0.6 % of the samples of a CPU
 * profile of the whole matrix in one thread; the change was below callgrind's noise on the seed matrix).
 */
function withoutStacks<T>(f: () => T): T {
  const E = Error as { stackTraceLimit?: number }; // V8's (Node, Chromium); elsewhere a property nobody reads
  const was = E.stackTraceLimit;
  E.stackTraceLimit = 0;
  try {
    return f();
  } finally {
    E.stackTraceLimit = was;
  }
}

/** Run every scenario on every platform × kernel. Never throws for a single cell's problem. */
export function runMatrix(scenarios: Scenario[], platforms: string[], kernels: string[], set?: Record<string, string>, o: MatrixOptions = {}): MatrixResult {
  const run = o.run ?? runScenario;
  const trace = !!o.trace;
  const total = scenarios.length * platforms.length * kernels.length;
  const cells: MatrixCell[] = new Array(total);
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  const np = platforms.length;
  const nk = kernels.length;
  let done = 0;
  // platform × kernel outermost, so the runs of one configuration come together (when its boot is
  // slow, a copy of its template each: src/boot-cache.ts); the cells stay scenario-major
  withoutStacks(() => {
    for (let pi = 0; pi < np; pi++)
      for (let ki = 0; ki < nk; ki++)
        for (let si = 0; si < scenarios.length; si++) {
          const cell = runCell(scenarios[si]!, platforms[pi]!, kernels[ki]!, set, run, trace);
          cells[(si * np + pi) * nk + ki] = cell;
          counts[cell.verdict]++;
          o.onCell?.(++done, total, cell);
        }
  });
  return {
    scenarios: scenarios.map((s) => (s.file !== undefined ? { name: s.name, file: s.file } : { name: s.name })),
    platforms,
    kernels,
    cells,
    counts,
  };
}

/**
 * Some cells of a matrix, by index into scenario × platform × kernel (scenario-major), in the
 * order given (a share of `matrix --jobs N`: src/cli/matrix-run.ts, src/cli/matrix-worker.ts).
 */
export function runCells(scenarios: Scenario[], platforms: string[], kernels: string[], set: Record<string, string> | undefined, cells: number[]): MatrixCell[] {
  const np = platforms.length;
  const nk = kernels.length;
  return withoutStacks(() => cells.map((i) => runCell(scenarios[Math.floor(i / (np * nk))]!, platforms[Math.floor(i / nk) % np]!, kernels[i % nk]!, set, runScenario, false)));
}

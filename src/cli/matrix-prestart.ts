/**
 * The early start of `dmasim matrix`'s worker threads, as fuzz-split.ts does for `fuzz --jobs N`:
 * src/cli/main.ts calls prestartMatrixWorkers before it loads the CLI, so a worker's isolate
 * boots and loads the engine while this thread parses the command line and the scenarios.
 *
 * Why before: the matrix command sets MATRIX_V8_FLAGS (matrix-run.ts) before its engine loads,
 * and any V8 flag other than its default changes V8's flag hash, so an isolate made after it
 * rejects the code cache Node ships for its built-in modules and compiles each one it loads. A
 * worker started first keeps that cache; the flag, process-wide, still reaches its engine code.
 *
 * This module is loaded on every command: it imports nothing but node builtins, lazily (and,
 * for a `matrix` command line only, the platform and version lists).
 */
import type { Worker } from "node:worker_threads";

/** The options of `dmasim matrix` that take a value (program.ts): the rest of the arguments are scenario paths. */
const VALUE_OPTIONS = new Set(["--platforms", "--kernels", "--set", "--format", "--jobs"]);

/**
 * What `dmasim matrix` will ask of the threads, read from the raw arguments before the command
 * line is parsed: the worker threads it will start (jobs − 1), or 0. Only a guess for starting
 * early (the parsed options and the loaded scenarios decide; a wrong guess costs a worker started
 * for nothing, on another core, or one started late). `count` gives the number of scenario files
 * under a path, `lists` the number of platforms and kernels, `defaultJobs` the command's default.
 */
export function matrixWorkersWanted(
  args: readonly string[],
  cores: () => number,
  count: (path: string) => number,
  all: { platforms: number; kernels: number },
  defaultJobs: (cells: number) => number,
): number {
  if (args[0] !== "matrix") return 0;
  const opts = new Map<string, string>();
  const paths: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (VALUE_OPTIONS.has(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v !== undefined && name !== "--set") opts.set(name, v);
    } else if (a.startsWith("-") && a !== "-") {
      if (a === "-h" || a === "--help") return 0;
    } else paths.push(a);
  }
  const j = opts.get("--jobs");
  let jobs: number;
  if (j !== undefined) {
    jobs = j === "auto" ? cores() : /^\s*\d+\s*$/.test(j) ? Number(j) : 1;
    if (!(jobs >= 1 && jobs <= 256)) return 0;
  } else {
    const n = (o: string, dflt: number) => (opts.has(o) ? opts.get(o)!.split(",").filter((s) => s.trim() !== "").length : dflt);
    let files = 0;
    for (const p of paths) files += p === "-" ? 1 : count(p);
    jobs = defaultJobs(files * n("--platforms", all.platforms) * n("--kernels", all.kernels));
  }
  return Math.max(0, jobs - 1);
}

/** The scenario files at `path`: 1 for a file, those in a directory and its subfolders (as load.ts expandScenarioArgs), 0 if unreadable. */
async function scenarioFilesUnder(path: string): Promise<number> {
  const { statSync } = await import("node:fs");
  const { scenarioFilesIn } = await import("./scenario-files.js");
  try {
    return statSync(path).isDirectory() ? scenarioFilesIn(path, undefined, true).length : 1;
  } catch {
    return 0;
  }
}

/** A started matrix worker: it has loaded the engine and waits for its cells (matrix-worker.ts). */
let prestarted: Promise<Worker[]> = Promise.resolve([]);

/**
 * Start the worker threads of a `dmasim matrix` command line at once (see above); they do not
 * keep the process alive until taken (a command that fails its checks just exits).
 */
export async function prestartMatrixWorkers(args: readonly string[]): Promise<void> {
  if (args[0] !== "matrix") return;
  const { cores, startWorker } = await import("./workers.js");
  const { PLATFORMS } = await import("../platforms/index.js");
  const { VERSIONS } = await import("../versions.js");
  const { defaultJobs } = await import("./matrix-jobs.js");
  const counts = new Map<string, number>();
  for (const a of args.slice(1)) if (!a.startsWith("-")) counts.set(a, await scenarioFilesUnder(a));
  const n = matrixWorkersWanted(args, cores, (p) => counts.get(p) ?? 0, { platforms: PLATFORMS.length, kernels: VERSIONS.length }, defaultJobs);
  if (n <= 0) return;
  // no V8 flags yet: the workers' isolates start with V8's flag hash, and so with the code cache
  // of Node's built-in modules
  const ws: Worker[] = [];
  try {
    for (let i = 0; i < n; i++) ws.push(await startWorker("matrix-worker", undefined));
  } catch {
    // started normally (and its error reported) when the matrix asks for it
  }
  for (const w of ws) {
    w.on("error", () => {}); // an unused worker's error is nobody's; a taken one's is read by resultOf
    w.unref();
  }
  prestarted = Promise.resolve(ws);
}

/** `n` matrix workers waiting for their cells: the prestarted ones first (extra ones are terminated), then new ones. */
export async function takeMatrixWorkers(n: number): Promise<Worker[]> {
  const { startWorker } = await import("./workers.js");
  const early = await prestarted;
  prestarted = Promise.resolve([]);
  const out = early.slice(0, n);
  for (const w of early.slice(n)) void w.terminate();
  while (out.length < n) out.push(await startWorker("matrix-worker", undefined));
  for (const w of out) w.ref();
  return out;
}

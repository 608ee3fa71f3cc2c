/**
 * Worker threads for the CLI (node:worker_threads lives in src/cli/ only; the engine stays
 * node-free). `startWorker("fuzz-worker", data)` starts dist/fuzz-worker.mjs when the CLI runs
 * from its bundle, else src/cli/fuzz-worker.ts behind a tiny loader that registers tsx first.
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Worker } from "node:worker_threads";

/** tsx's ESM API module, to register tsx inside a worker (a worker does not inherit `--import tsx`). */
function tsxApiUrl(): string {
  const meta = import.meta as ImportMeta & { resolve?: (s: string) => string };
  try {
    if (typeof meta.resolve === "function") return meta.resolve("tsx/esm/api");
  } catch {
    /* fall through */
  }
  const req = createRequire(import.meta.url);
  const pkgPath = req.resolve("tsx/package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(pkgPath), pkg.exports["./esm/api"]!.import.default)).href;
}

/** Where worker `name` (a file src/cli/<name>.ts, bundled as dist/<name>.mjs) starts from. */
export function workerEntry(name: string): { file: URL } | { code: string } {
  const self = import.meta.url;
  const viaTsx = (ts: URL) => ({ code: `import(${JSON.stringify(tsxApiUrl())}).then((m) => { m.register(); return import(${JSON.stringify(ts.href)}); })` });
  if (self.endsWith(".ts")) return viaTsx(new URL(`./${name}.ts`, self));
  for (const f of [`./${name}.mjs`, `./${name}.js`, `../${name}.mjs`]) {
    const u = new URL(f, self);
    if (existsSync(fileURLToPath(u))) return { file: u };
  }
  // a bundle without this entry: run the source through tsx, found from the package root
  let dir = new URL(".", self);
  for (let i = 0; i < 6; i++) {
    const u = new URL(`src/cli/${name}.ts`, dir);
    if (existsSync(fileURLToPath(u))) return viaTsx(u);
    dir = new URL("..", dir);
  }
  throw new Error(`cannot find the worker src/cli/${name}.ts`);
}

export async function startWorker(name: string, workerData: unknown): Promise<Worker> {
  const { Worker } = await import("node:worker_threads");
  const entry = workerEntry(name);
  return "file" in entry ? new Worker(entry.file, { workerData }) : new Worker(entry.code, { eval: true, workerData });
}

/** Run one worker to its single result message. */
export async function runWorker<T>(name: string, workerData: unknown): Promise<T> {
  return resultOf<T>(name, await startWorker(name, workerData));
}

/** The single result message of a started worker (then the worker is terminated). */
export async function resultOf<T>(name: string, w: Worker): Promise<T> {
  try {
    return await new Promise<T>((res, rej) => {
      w.once("message", (m: T) => res(m));
      w.once("error", rej);
      w.once("exit", (code) => rej(new Error(`${name} exited with code ${code} before its result`)));
    });
  } finally {
    await w.terminate();
  }
}

/** Cores this process may use. */
export function cores(): number {
  return Math.max(1, availableParallelism());
}

/** Parse a --jobs value: a whole number ≥ 1, or "auto" (undefined = the command's default). */
export function parseJobs(v: string | undefined): number | "auto" | undefined {
  if (v === undefined) return undefined;
  if (v === "auto") return "auto";
  if (!/^\s*\d+\s*$/.test(v) || Number(v) < 1 || Number(v) > 256) return NaN;
  return Number(v);
}

import { spawn } from "node:child_process";
import { expect, inject } from "vitest";
import { InputError } from "../src/core/faults.js";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runScenario } from "../src/scenario/runner.js";
import type { RunOptions, RunResult, Scenario } from "../src/scenario/types.js";
import { boot } from "../src/init.js";
import { buildConfig, resolveKernel, resolvePlatform } from "../src/scenario/config.js";
import type { Kernel } from "../src/kernel.js";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * The built CLI: bin/dmasim.mjs, which runs dist/dmasim.mjs (the esbuild bundle that
 * test/global-setup.ts brings up to date before any test runs). Tests spawn this, never tsx.
 */
export function cliPath(): string {
  return join(ROOT, "bin", "dmasim.mjs");
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** working directory (default: the project root) */
  cwd?: string;
  /** added to the environment (FORCE_COLOR, NO_COLOR and DMASIM_DEBUG are removed first) */
  env?: NodeJS.ProcessEnv;
  /** written to the CLI's stdin, which is then closed (default: stdin closed at once) */
  input?: string;
}

/**
 * Spawn `cmd args` and collect its exit code, stdout and stderr (UTF-8); `input` is written to its
 * stdin, which is then closed (default: closed at once). A program that exits before reading its
 * input is not an error (the EPIPE on stdin is ignored).
 */
export function spawnCollect(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: opts.cwd, env: opts.env });
    let stdout = "";
    let stderr = "";
    p.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    p.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    p.on("error", reject);
    p.on("close", (code) => resolve({ code, stdout, stderr }));
    p.stdin.on("error", () => {}); // the program may exit before reading its input
    p.stdin.end(opts.input ?? "");
  });
}

/** `node bin/dmasim.mjs ...args`: exit code, stdout and stderr. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const env = { ...process.env };
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  delete env.DMASIM_DEBUG;
  return spawnCollect(process.execPath, [cliPath(), ...args], { cwd: opts.cwd ?? ROOT, env: { ...env, ...opts.env }, input: opts.input });
}

const once = new Map<string, Promise<CliResult>>();

/**
 * runCli(args) in the project root with no input and no added environment, spawned once per test
 * run: later calls with the same arguments get the first call's result (test/cli-spawn.ts's
 * dmasimOnce is this), in this worker from memory and in the other worker from the run's result
 * directory (test/global-setup.ts makes it; the first caller claims the arguments with a lock file,
 * a second caller elsewhere waits for the result file). For a command whose output depends on its
 * arguments alone (--help, platforms, kernels, a run of a repository file) that several tests
 * check for different things: each spawn costs about 0.2–0.6 s of CPU. Not for commands on files
 * a test changes, nor where a fresh process is the point.
 */
export function runCliOnce(args: string[]): Promise<CliResult> {
  const key = JSON.stringify(args);
  let p = once.get(key);
  if (!p) once.set(key, (p = sharedRun(key, () => runCli(args))));
  return p;
}

/** The run's shared result directory (test/global-setup.ts), or undefined outside vitest's run. */
function sharedDir(): string | undefined {
  try {
    return inject("cliOnceDir") || undefined;
  } catch {
    return undefined;
  }
}

async function sharedRun(key: string, run: () => Promise<CliResult>): Promise<CliResult> {
  const dir = sharedDir();
  if (!dir) return run();
  const base = join(dir, createHash("sha256").update(key).digest("hex").slice(0, 24));
  let claimed = false;
  try {
    writeFileSync(base + ".lock", key, { flag: "wx" });
    claimed = true;
  } catch {
    // another worker has claimed it: wait for its result (or, if it never comes, run it here)
  }
  if (claimed) {
    const r = await run();
    writeFileSync(base + ".tmp", JSON.stringify(r));
    renameSync(base + ".tmp", base + ".json");
    return r;
  }
  for (let waited = 0; waited < 300_000; waited += 50) {
    if (existsSync(base + ".json")) return JSON.parse(readFileSync(base + ".json", "utf8")) as CliResult;
    await new Promise((r) => setTimeout(r, 50));
  }
  return run();
}

/** The InputError a scenario text raises, formatted (one line: "file:line:column: …"); fails if it parses. */
export function errorOf(text: string, file = "t.yaml"): string {
  try {
    parseScenarioText(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const f = (e as InputError).format();
    expect(f).not.toContain("\n");
    return f;
  }
  throw new Error("expected an InputError");
}

export function loadScenario(rel: string): Scenario {
  const path = ROOT + rel;
  return parseScenarioText(readFileSync(path, "utf8"), rel);
}

export function run(rel: string, o: RunOptions): RunResult {
  return runScenario(loadScenario(rel), o);
}

/** Parse an inline YAML scenario and run it. */
export function runYaml(yaml: string, o: RunOptions = {}): RunResult {
  return runScenario(parseScenarioText(yaml, "<inline>"), o);
}

export function bootK(platform: string, kernel: string, set: Record<string, string> = {}): Kernel {
  const p = resolvePlatform(platform);
  const { cfg } = buildConfig(p, set);
  return boot(p, resolveKernel(kernel), cfg);
}

/** Parse a kernel-style hex string back to a number in dmasim's signed form. */
export function h(s: string | number | boolean | null | undefined): number {
  const b = BigInt(String(s));
  return Number(BigInt.asIntN(64, b));
}

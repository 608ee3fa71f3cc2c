/**
 * Runs a hostile-input corpus (format: test/hostile/README.md) — shared by test/hostile.test.ts
 * (parse-level) and the engine-misuse corpus (test/hostile-engine/): `corpusTests(dir)` registers
 * the checks; `checkInProcess` / `checkCli` check one input against a case.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/core/faults.js";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runScenario } from "../src/scenario/runner.js";
import type { RunOptions } from "../src/scenario/types.js";
import { ROOT } from "./helpers.js";

export interface Case {
  exit: number;
  stderr?: string;
  stdout?: string;
  args?: string[];
  time_ms?: number;
  heap_mb?: number;
  cli?: boolean;
  why?: string;
}
export interface Manifest {
  format: 1;
  defaults: Partial<Case>;
  cases: Record<string, Partial<Case>>;
}


/** --platform / --kernel / --set → run options (the in-process form of the CLI's arguments). */
export function runOptions(args: readonly string[]): RunOptions {
  const o: RunOptions = {};
  for (let i = 0; i < args.length; i += 2) {
    const [k, v] = [args[i], args[i + 1]!];
    if (k === "--platform") o.platform = v;
    else if (k === "--kernel") o.kernel = v;
    else if (k === "--set") {
      const [a, b] = v.split("=");
      o.set = { ...o.set, [a!]: b! };
    } else throw new Error(`unsupported argument ${k}`);
  }
  return o;
}

/** What `dmasim run` would do, in-process: exit code and the stderr line. */
export function inProcess(text: string, name: string, args: readonly string[]): { exit: number; stderr: string } {
  try {
    const r = runScenario(parseScenarioText(text, name), runOptions(args));
    return { exit: r.ok ? 0 : 1, stderr: "" };
  } catch (e) {
    if (e instanceof InputError) {
      const f = e.where?.file || e.where?.line === undefined ? e.format() : new InputError(e.message, { ...e.where, file: name }).format();
      return { exit: 2, stderr: f + "\n" };
    }
    return { exit: 3, stderr: String((e as Error).stack) };
  }
}

export function checkInProcess(text: string, name: string, c: Case): void {
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const r = inProcess(text, name, c.args ?? []);
  const ms = performance.now() - t0;
  const grew = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  expect(r.exit, r.stderr).toBe(c.exit);
  if (c.exit === 2) {
    expect(r.stderr.endsWith("\n") && r.stderr.indexOf("\n") === r.stderr.length - 1, r.stderr).toBe(true);
    expect(r.stderr).toMatch(new RegExp(c.stderr!));
  }
  expect(ms, "time bound").toBeLessThan(c.time_ms ?? 30000);
  expect(grew, "heap bound (MB)").toBeLessThan(c.heap_mb ?? 512);
}

export const BIN = join(ROOT, "bin/dmasim.mjs");

function cli(cwd: string, c: Case, file: string, input?: string) {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${c.heap_mb ?? 512}`, BIN, "run", file, ...(c.args ?? [])], {
    cwd,
    encoding: "utf8",
    timeout: c.time_ms ?? 30000,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    ...(input !== undefined ? { input } : { stdio: ["ignore", "pipe", "pipe"] }),
  });
  return r;
}

export function checkCli(cwd: string, file: string, c: Case, input?: string): void {
  const r = cli(cwd, c, file, input);
  expect(r.error, "finished within the time bound").toBeUndefined();
  expect(r.status, r.stderr).toBe(c.exit);
  if (c.exit === 2) {
    expect(r.stderr.split("\n").length, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(c.stderr!));
  }
  if (c.stdout) expect(r.stdout).toMatch(new RegExp(c.stdout));
}

/** Register the checks of the corpus in `dir` (relative to the package root): every case in-process, the `cli` ones through the built CLI. */
export function corpusTests(rel: string, minCases = 1, minCli = 1): void {
  const DIR = join(ROOT, rel);
  const manifest = JSON.parse(readFileSync(join(DIR, "manifest.json"), "utf8")) as Manifest;
  const full = (c: Partial<Case>): Case => ({ ...manifest.defaults, ...c }) as Case;
  describe(`the corpus (${rel}/manifest.json)`, () => {
    const files = readdirSync(DIR).filter((f) => !f.startsWith("README") && f !== "manifest.json");

    it(`every file has a case and every case a file; at least ${minCases} of them`, () => {
      expect(files.sort()).toEqual(Object.keys(manifest.cases).sort());
      expect(files.length).toBeGreaterThanOrEqual(minCases);
      for (const c of Object.values(manifest.cases).map(full)) {
        expect([0, 1, 2]).toContain(c.exit);
        if (c.exit === 2) expect(c.stderr).toMatch(/^\^/);
      }
    });

    it.each(Object.keys(manifest.cases))("%s (in-process)", (name) => {
      const c = full(manifest.cases[name]!);
      checkInProcess(readFileSync(join(DIR, name), "utf8"), name, c);
    });

    const viaCli = Object.keys(manifest.cases).filter((n) => manifest.cases[n]!.cli);
    it(`at least ${minCli} also go through the built CLI`, () => expect(viaCli.length).toBeGreaterThanOrEqual(minCli));
    it.each(viaCli)("%s (CLI)", (name) => checkCli(DIR, name, full(manifest.cases[name]!)), 60_000);
  });
}

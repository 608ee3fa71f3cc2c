/**
 * Spawning the built CLI (`node bin/dmasim.mjs ...`, the package's bin) for the CLI contract
 * tests: stdout, stderr and the exit code, with optional standard input; colour variables cleared.
 */
import { spawnSync } from "node:child_process";
import { expect } from "vitest";
import { ROOT, runCliOnce, spawnCollect } from "./helpers.js";

export interface Out {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cliEnv(): NodeJS.ProcessEnv {
  const e = { ...process.env };
  delete e.FORCE_COLOR;
  delete e.NO_COLOR;
  delete e.DMASIM_DEBUG;
  return e;
}

export const BIN = ROOT + "bin/dmasim.mjs";

let built = false;

/** Build the bundle once (the launcher rebuilds it when stale) so concurrent spawns do not race to; once per worker. */
export function ensureBuilt(): void {
  if (built) return;
  spawnSync(process.execPath, [BIN, "--version"], { cwd: ROOT, env: cliEnv(), timeout: 120_000 });
  built = true;
}

/** Run `dmasim ARGS` in the project root; `input` is written to its standard input. */
export function dmasim(args: string[], o: { input?: string; cwd?: string } = {}): Promise<Out> {
  return spawnCollect(process.execPath, [BIN, ...args], { cwd: o.cwd ?? ROOT, env: cliEnv(), input: o.input });
}

/** `dmasim ARGS` in the project root, no input, spawned once per worker (test/helpers.ts runCliOnce). */
export const dmasimOnce: (args: string[]) => Promise<Out> = runCliOnce;

/** Non-empty lines. */
export function lines(s: string): string[] {
  return s.split("\n").filter((l) => l.length > 0);
}

/** Exit 2, nothing on stdout, one line on stderr, no stack trace: that line. */
export function usageError(o: Out): string {
  expect(o.code, o.stderr).toBe(2);
  expect(o.stdout).toBe("");
  expect(lines(o.stderr), o.stderr).toHaveLength(1);
  expect(o.stderr).not.toMatch(/\n\s+at /);
  return lines(o.stderr)[0]!;
}

/**
 * The parse-level hostile-input corpus (test/hostile/, format in test/hostile/README.md): every
 * file through the parser and runner in-process, the ones marked `cli` through the built CLI; plus
 * the large inputs generated here (alias bombs of megabytes, 10,000 nesting levels, files past the
 * size limit, a FIFO, /dev/zero, stdin). Each case must end with its exit code and its one-line
 * message, within a generous time and memory bound (these catch hangs and blow-ups, not speed).
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { InputError } from "../src/core/faults.js";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runScenario } from "../src/scenario/runner.js";
import type { RunOptions } from "../src/scenario/types.js";
import { ROOT } from "./helpers.js";

interface Case {
  exit: number;
  stderr?: string;
  stdout?: string;
  args?: string[];
  time_ms?: number;
  heap_mb?: number;
  cli?: boolean;
  why?: string;
}
interface Manifest {
  format: 1;
  defaults: Partial<Case>;
  cases: Record<string, Partial<Case>>;
}

const DIR = join(ROOT, "test/hostile");
const manifest = JSON.parse(readFileSync(join(DIR, "manifest.json"), "utf8")) as Manifest;
const full = (c: Partial<Case>): Case => ({ ...manifest.defaults, ...c }) as Case;

/** --platform / --kernel / --set → run options (the in-process form of the CLI's arguments). */
function runOptions(args: readonly string[]): RunOptions {
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
function inProcess(text: string, name: string, args: readonly string[]): { exit: number; stderr: string } {
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

function checkInProcess(text: string, name: string, c: Case): void {
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

const BIN = join(ROOT, "bin/dmasim.mjs");

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

function checkCli(cwd: string, file: string, c: Case, input?: string): void {
  const r = cli(cwd, c, file, input);
  expect(r.error, "finished within the time bound").toBeUndefined();
  expect(r.status, r.stderr).toBe(c.exit);
  if (c.exit === 2) {
    expect(r.stderr.split("\n").length, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(c.stderr!));
  }
  if (c.stdout) expect(r.stdout).toMatch(new RegExp(c.stdout));
}

describe("the corpus (test/hostile/manifest.json)", () => {
  const files = readdirSync(DIR).filter((f) => !f.startsWith("README") && f !== "manifest.json");

  it("every file has a case and every case a file; at least 60 of them", () => {
    expect(files.sort()).toEqual(Object.keys(manifest.cases).sort());
    expect(files.length).toBeGreaterThanOrEqual(60);
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
  it("a handful also go through the built CLI", () => expect(viaCli.length).toBeGreaterThanOrEqual(5));
  it.each(viaCli)("%s (CLI)", (name) => checkCli(DIR, name, full(manifest.cases[name]!)), 60_000);
});

describe("generated hostile inputs (too large to commit)", () => {
  const tmp = mkdtempSync(join(tmpdir(), "dmasim-hostile-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const gen = (name: string, text: string) => {
    writeFileSync(join(tmp, name), text);
    return text;
  };
  const head = "name: x\nplatform: x86_64\n";

  // A 100,000-item list aliased 999 times: 10^8 values if expanded (the deep copy took minutes and GBs).
  const bomb = gen("alias-bomb-2mb.yaml", head + "big: &b [" + Array(100_000).fill("0").join(",") + "]\nsteps:\n  - {op: kmalloc, size: 4}\nx:\n" + "  - *b\n".repeat(999));
  it("a 2 MB alias bomb is refused at the alias that crosses the bound", () => {
    expect(bomb.length).toBeGreaterThan(200_000);
    checkInProcess(bomb, "alias-bomb-2mb.yaml", { exit: 2, stderr: "^alias-bomb-2mb\\.yaml:\\d+:5: alias \\*b expands the document past 8,000,000 values", heap_mb: 512, time_ms: 60000 });
  }, 120_000);
  it("the same through the CLI, under a 512 MB heap", () => {
    checkCli(tmp, "alias-bomb-2mb.yaml", { exit: 2, stderr: "^alias-bomb-2mb\\.yaml:\\d+:5: alias \\*b expands", heap_mb: 512, time_ms: 60000 });
  }, 120_000);

  const deepSeq = gen("deep-block-10000.yaml", head + "steps:\n  - op: cpu_write\n    data:\n      " + "- ".repeat(10_000) + "x\n");
  const deepFlow = gen("deep-flow-10000.yaml", head + "steps:\n  - op: cpu_write\n    data: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n");
  const deepJson = gen("deep-10000.json", '{"name": "x", "steps": [{"op": "cpu_write", "data": ' + "[".repeat(10_000) + "]".repeat(10_000) + "}]}");
  it.each([
    ["deep-block-10000.yaml", deepSeq],
    ["deep-flow-10000.yaml", deepFlow],
    ["deep-10000.json", deepJson],
  ])("10,000 nesting levels (%s): refused, no stack overflow", (name, text) => {
    checkInProcess(text, name, { exit: 2, stderr: `^${name.replace(/\./g, "\\.")}:\\d+:\\d+: the document nests deeper than 64 levels` });
  });
  it("10,000 nesting levels through the CLI", () => {
    checkCli(tmp, "deep-block-10000.yaml", { exit: 2, stderr: "^deep-block-10000\\.yaml:\\d+:\\d+: the document nests deeper than 64 levels" });
  }, 60_000);

  it("a file past 16 MiB is refused before it is parsed (CLI: from its size; in-process: its length)", () => {
    const big = gen("huge.yaml", head + "steps:\n" + "  - {op: kmalloc, size: 4}\n".repeat(700_000));
    expect(big.length).toBeGreaterThan(16 * 2 ** 20);
    checkInProcess(big, "huge.yaml", { exit: 2, stderr: "^huge\\.yaml: the scenario is larger than 16 MiB" });
    checkCli(tmp, "huge.yaml", { exit: 2, stderr: "^huge\\.yaml: the scenario is larger than 16 MiB" });
  }, 60_000);

  it("a megabyte-long op name: no suggestion search, a short message", () => {
    const text = gen("op-1mb.yaml", head + "steps:\n  - op: " + "x".repeat(2 ** 20) + "\n");
    checkInProcess(text, "op-1mb.yaml", { exit: 2, stderr: "^op-1mb\\.yaml:4:9: steps\\[0\\]\\.op: unknown op 'x{60}… \\(1,048,576 characters\\)'\n" });
  });

  it("a FIFO with no writer and /dev/zero are refused, not read", () => {
    execFileSync("mkfifo", [join(tmp, "fifo.yaml")]);
    checkCli(tmp, "fifo.yaml", { exit: 2, stderr: "^fifo\\.yaml: cannot read scenario: not a regular file", time_ms: 20000 });
    checkCli(tmp, "/dev/zero", { exit: 2, stderr: "^/dev/zero: cannot read scenario: not a regular file", time_ms: 20000 });
  }, 60_000);

  it("standard input that never ends (/dev/zero) is cut at the size limit", () => {
    const zero = openSync("/dev/zero", "r");
    try {
      const r = spawnSync(process.execPath, [BIN, "run", "-"], { cwd: tmp, encoding: "utf8", timeout: 30000, stdio: [zero, "pipe", "pipe"] });
      expect(r.error).toBeUndefined();
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^<stdin>: the scenario is larger than 16 MiB \(the limit\)/);
      expect(r.stderr.split("\n").length).toBe(2);
    } finally {
      closeSync(zero);
    }
  }, 60_000);

  it("standard input: '-' reads YAML or JSON (by content)", () => {
    const yaml = "name: x\nplatform: x86_64\nsteps:\n  - {op: kmalloc, size: 64, as: b}\n  - {op: kfree, buf: b}\n";
    checkCli(tmp, "-", { exit: 0, stdout: "PASS: " }, yaml);
    checkCli(tmp, "-", { exit: 0, stdout: "PASS: " }, JSON.stringify({ name: "x", platform: "x86_64", steps: [{ op: "kmalloc", size: 64 }] }));
    checkCli(tmp, "-", { exit: 2, stderr: "^<stdin>:1:\\d+: invalid JSON|^<stdin>:1:\\d+: invalid YAML" }, '{"name": "x", "steps": [}');
  }, 60_000);
});

/**
 * The parse-level hostile-input corpus (test/hostile/, format in test/hostile/README.md): every
 * file through the parser and runner in-process, the ones marked `cli` through the built CLI; plus
 * the large inputs generated here (alias bombs of megabytes, 10,000 nesting levels, files past the
 * size limit, a FIFO, /dev/zero, stdin). Each case must end with its exit code and its one-line
 * message, within a generous time and memory bound (these catch hangs and blow-ups, not speed).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, checkCli, checkInProcess, corpusTests } from "./hostile-corpus.js";

corpusTests("test/hostile", 60, 5);


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

/**
 * The command line (DESIGN.md "Commands"): exit codes 0 / 1 / 2, exactly one stderr line for bad
 * input or usage (never a stack trace), and the outputs of run, matrix, explain, platforms,
 * kernels, schema and headline. Each test spawns the built CLI (bin/dmasim.mjs, which runs the
 * dist/ bundle test/global-setup.ts keeps up to date).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliPath, runCli, runCliOnce, type CliResult } from "./helpers.js";

type Out = CliResult;

/** Run the built CLI (bin/dmasim.mjs → dist/dmasim.mjs) in the project root. */
function cli(...args: string[]): Promise<Out> {
  return runCli(args);
}

function lines(s: string): string[] {
  return s.split("\n").filter((l) => l.length > 0);
}

/** Exit 2, nothing on stdout, exactly one line on stderr, no stack trace. */
function expectUsageError(o: Out): string {
  expect(o.code, o.stderr).toBe(2);
  expect(o.stdout).toBe("");
  const l = lines(o.stderr);
  expect(l, o.stderr).toHaveLength(1);
  expect(o.stderr).not.toMatch(/\n\s+at /);
  return l[0]!;
}

const tmp = mkdtempSync(join(tmpdir(), "dmasim-cli-"));
function scenarioFile(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

describe.concurrent("bad input and usage: exit 2 with exactly one stderr line", () => {
  it("a nonexistent scenario file", async () => {
    const l = expectUsageError(await cli("run", "does-not-exist.yaml"));
    expect(l).toBe("does-not-exist.yaml: cannot read scenario: no such file or directory");
  });

  it("run with an unknown --platform", async () => {
    const l = expectUsageError(await cli("run", "scenarios/seed-mmap.yaml", "--platform", "rpi5"));
    expect(l).toMatch(/unknown platform 'rpi5'/);
    expect(l).toContain("rpi4");
  });

  it("run with an unknown --kernel", async () => {
    expect(expectUsageError(await cli("run", "scenarios/seed-mmap.yaml", "--kernel", "4.19"))).toMatch(/unknown kernel '4\.19'/);
  });

  it("a scenario with a bad size names file:line:col", async () => {
    const f = scenarioFile("bad.yaml", "name: x\nsteps:\n  - op: kmalloc\n    size: 12Q\n");
    expect(expectUsageError(await cli("run", f))).toBe(`${f}:4:11: steps[0].size: '12Q' is not a number (use decimal, 0x hex, or a K/M/G suffix)`);
  });

  it("a scenario naming a device the platform lacks", async () => {
    const f = scenarioFile("dev.yaml", "name: x\ndevice: nosuch\nsteps:\n  - {op: dma_alloc_coherent, size: 4K}\n");
    expect(expectUsageError(await cli("run", f, "--platform", "rpi4"))).toMatch(/unknown device 'nosuch'/);
  });

  it("usage errors: no command, unknown command, unknown option, missing argument, bad --format, bad --set", async () => {
    expect(expectUsageError(await cli())).toMatch(/missing command/);
    expect(expectUsageError(await runCliOnce(["frobnicate"]))).toMatch(/unknown command 'frobnicate'/);
    expect(expectUsageError(await cli("run", "--bogus", "x"))).toMatch(/unknown option '--bogus'/);
    expect(expectUsageError(await cli("run"))).toMatch(/missing required argument 'file'/);
    expect(expectUsageError(await cli("matrix", "scenarios/seed-mmap.yaml", "--format", "csv"))).toMatch(/'csv' is invalid/);
    expect(expectUsageError(await cli("run", "scenarios/seed-mmap.yaml", "--set", "nokey"))).toMatch(/--set nokey: expected key=value/);
  });

  it("explain: unknown op, missing --platform, bad --size", async () => {
    expect(expectUsageError(await cli("explain", "dma_alloc_coherant", "--platform", "rpi4"))).toMatch(/unknown op 'dma_alloc_coherant' \(did you mean 'dma_alloc_coherent'\?\)/);
    expect(expectUsageError(await cli("explain", "dma_alloc_coherent"))).toMatch(/--platform/);
    expect(expectUsageError(await cli("explain", "dma_alloc_coherent", "--platform", "rpi4", "--size", "12Q"))).toMatch(/^dmasim: --size: '12Q' is not a number/);
    // the scenario schema's bounds, as `run` applies them: explain used to take 0 and print a note about an ARM32 size_t wrap on arm64
    expect(expectUsageError(await cli("explain", "dma_alloc_coherent", "--platform", "rpi4", "--size", "0"))).toBe("dmasim: --size: '0' is too small (an allocation needs at least 1 byte)");
    expect(expectUsageError(await cli("explain", "dma_map_single", "--platform", "rpi4", "--size", "2T"))).toBe("dmasim: --size: '2T' is too large (at most 1T)");
    // --attrs on a call without an attrs argument was printed in the header and then ignored (the trace said attrs=0)
    expect(expectUsageError(await cli("explain", "dma_alloc_coherent", "--platform", "rpi4", "--attrs", "DMA_ATTR_NO_WARN"))).toBe("dmasim: --attrs: dma_alloc_coherent takes no DMA attributes (dma_alloc_attrs does)");
    // a trailing '|' was dropped silently; the published JSON Schema's pattern rejects it
    expect(expectUsageError(await cli("explain", "dma_alloc_coherent", "--platform", "rpi4", "--gfp", "GFP_ATOMIC|"))).toBe("dmasim: --gfp: empty flag in 'GFP_ATOMIC|' (flags are joined by '|')");
  });
});

describe.concurrent("listing commands", () => {
  it("platforms lists rpi4 with its default device", async () => {
    const o = await runCliOnce(["platforms"]);
    expect(o.code).toBe(0);
    expect(o.stderr).toBe("");
    expect(o.stdout).toMatch(/^rpi4\s+arm64/m);
    expect(o.stdout).toContain("rpi4-xen");
    expect(o.stdout).toContain("(default)");
    expect(o.stdout).not.toContain("\x1b["); // not a terminal: no colours
  });

  it("kernels lists 5.14 and its switch 40ac971eab89", async () => {
    const o = await runCliOnce(["kernels"]);
    expect(o.code).toBe(0);
    expect(o.stdout).toMatch(/^5\.14\b/m);
    expect(o.stdout).toContain("40ac971eab89");
    expect(o.stdout).toContain("8b1e868f6607");
  });

  it("--version and --help exit 0", async () => {
    const v = await cli("--version");
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    // `--version` alone is answered before commander loads (main.ts); with another argument
    // commander answers it (program.ts): the same line, the package's version
    const pkg = JSON.parse(readFileSync(join(cliPath(), "..", "..", "package.json"), "utf8")) as { version: string };
    for (const args of [["--version"], ["-V"], ["--version", "run"], ["-V", "--version"]]) {
      const o = await cli(...args);
      expect([o.code, o.stdout, o.stderr], args.join(" ")).toEqual([0, `${pkg.version}\n`, ""]);
    }
    const h = await cli("--help");
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("matrix");
  });

  it("schema prints the JSON Schema", async () => {
    const o = await runCliOnce(["schema"]);
    expect(o.code).toBe(0);
    const js = JSON.parse(o.stdout) as { $defs: Record<string, unknown> };
    expect(js.$defs.dma_alloc_coherent).toBeDefined();
  });

  it("bin/dmasim.mjs starts the same CLI from another directory", async () => {
    const r = spawnSync(process.execPath, [cliPath(), "kernels"], { cwd: tmp, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("5.14");
  });
});

// These need the engine (src/scenario/runner.ts, src/explain.ts).
describe.concurrent("run", () => {
  it("the mmap seed on rpi4-xen 5.13 fails (exit 1) and shows the wrong page; 5.14 passes (exit 0)", async () => {
    const bad = await cli("run", "scenarios/seed-mmap.yaml", "--platform", "rpi4-xen", "--kernel", "5.13");
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stdout).toMatch(/^scenario\s+mmap a coherent buffer/m);
    expect(bad.stdout).toMatch(/platform\s+rpi4-xen\s+kernel 5\.13/);
    expect(bad.stdout).toMatch(/dma_alloc_coherent\s+cpu_addr=0x[0-9a-f]{16}\s+dma_handle=0x[0-9a-f]+/);
    expect(bad.stdout).toContain("addr_kind=vmalloc");
    expect(bad.stdout).toMatch(/expected data "hello from the device"/);
    expect(lines(bad.stdout).at(-1)).toMatch(/^(FAIL|FAULT): /);
    const good = await cli("run", "scenarios/seed-mmap.yaml", "--platform", "rpi4-xen", "--kernel", "5.14");
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(lines(good.stdout).at(-1)).toMatch(/^PASS: /);
  });

  it("--json prints one RunResult object, addresses as hex strings", async () => {
    const o = await cli("run", "scenarios/seed-mmap.yaml", "--platform", "rpi4-xen", "--kernel", "5.13", "--json");
    expect(o.code).toBe(1);
    const r = JSON.parse(o.stdout) as { scenario: string; platform: string; kernel: string; ok: boolean; steps: { op: string; ok: boolean; result: Record<string, unknown>; trace: unknown[] }[]; faults: { step?: number }[]; diagnostics: unknown[]; expectations: unknown[] };
    expect(r).toMatchObject({ platform: "rpi4-xen", kernel: "5.13", ok: false });
    expect(r.steps[0]!.op).toBe("dma_alloc_coherent");
    expect(r.steps[0]!.result.cpu_addr).toMatch(/^0x[0-9a-f]+$/);
    expect(Array.isArray(r.steps[0]!.trace)).toBe(true);
    expect(Array.isArray(r.faults) && Array.isArray(r.diagnostics) && Array.isArray(r.expectations)).toBe(true);
  });

  it("--trace prints the call path under each step", async () => {
    const o = await cli("run", "scenarios/seed-mmap.yaml", "--platform", "rpi4-xen", "--kernel", "5.13", "--trace");
    expect(o.stdout).toContain("dma_common_mmap");
    expect(o.stdout).toContain("xen_swiotlb_alloc_coherent");
  });

  it("--platform and --kernel override the scenario; a passing native run exits 0", async () => {
    const o = await cli("run", "scenarios/seed-mmap.yaml", "--platform", "x86_64", "--kernel", "5.13");
    expect(o.code, o.stdout).toBe(0);
    expect(o.stdout).toMatch(/platform\s+x86_64\s+kernel 5\.13/);
  });
});

describe.concurrent("matrix", () => {
  it("json: every platform × kernel cell with verdict, first failure and first allocation kind", async () => {
    const o = await cli("matrix", "scenarios/seed-mmap.yaml", "--platforms", "rpi4-xen,x86_64", "--kernels", "5.13,5.14", "--format", "json");
    expect(o.code).toBe(1); // the 5.13 dom0 cell fails
    expect(o.stderr).toBe(""); // progress only on a terminal
    const m = JSON.parse(o.stdout) as { cells: { platform: string; kernel: string; verdict: string; first_failure: string | null; first_alloc_kind: string | null }[] };
    expect(m.cells).toHaveLength(4);
    const cell = (p: string, k: string) => m.cells.find((c) => c.platform === p && c.kernel === k)!;
    expect(cell("rpi4-xen", "5.13").verdict).not.toBe("PASS");
    expect(cell("rpi4-xen", "5.13").first_failure).toBeTruthy();
    expect(cell("rpi4-xen", "5.13").first_alloc_kind).toBe("vmalloc");
    expect(cell("rpi4-xen", "5.14").verdict).toBe("PASS");
    expect(cell("x86_64", "5.13").first_alloc_kind).toBe("linear");
  });

  it("table and markdown", async () => {
    const t = await runCliOnce(["matrix", "scenarios/seed-mmap.yaml", "--platforms", "rpi4-xen", "--kernels", "5.13,5.14"]);
    expect(t.stdout).toMatch(/rpi4-xen\s+│ (FAIL|FAULT) vmalloc/);
    const md = await cli("matrix", "scenarios/seed-mmap.yaml", "scenarios/seed-sgtable.yaml", "--platforms", "rpi4-xen", "--kernels", "5.14", "--format", "markdown");
    expect(md.code).toBe(0);
    expect(md.stdout).toContain("| scenario | platform | 5.14 |");
    expect(md.stdout).toContain("**PASS** vmalloc");
  });
});

describe.concurrent("explain", () => {
  it("prints the call path then result fields; --json gives lines and result", async () => {
    const o = await runCliOnce(["explain", "dma_alloc_coherent", "--platform", "rpi4-xen", "--kernel", "5.13", "--gfp", "GFP_ATOMIC"]);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout).toContain("xen_swiotlb_alloc_coherent");
    expect(o.stdout).toMatch(/^result:$/m);
    expect(o.stdout).toMatch(/addr_kind\s+vmalloc/);
    const j = await cli("explain", "dma_alloc_coherent", "--platform", "x86_64", "--kernel", "5.13", "--json");
    const e = JSON.parse(j.stdout) as { lines: string[]; addr_kind: string };
    expect(e.lines.length).toBeGreaterThan(0);
    expect(e.addr_kind).toBe("linear");
  });
});

describe.concurrent("headline (npm start)", () => {
  it("one table of the seed scenarios and a legend answering the thread's questions", async () => {
    const o = await runCliOnce(["headline"]);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout).toContain("Which configurations return vmalloc addresses");
    expect(o.stdout).toContain("Where do user space / sg-table readers see the wrong page");
    expect(o.stdout).toContain("40ac971eab89");
    expect(o.stdout).toContain("8b1e868f6607");
    expect(o.stdout).toMatch(/user_read: SIGBUS \(the frame is not RAM\): rpi4-xen \(5\.6, 5\.10, 5\.13\)/);
    expect(o.stdout).toContain("arm32 cma=0: vmalloc");
  });
});

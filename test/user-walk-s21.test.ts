/**
 * A new user's and a student's walk (stop 21), on the built CLI (`node bin/dmasim.mjs`): what they
 * met that was confusing or inconsistent — one verdict for one run in `run`, `matrix` and the web
 * page (a SIGBUS made `run` and `matrix` say FAULT, the page FAIL), `--help` defaults printed as a
 * user types them, commander's suggestion in the CLI's own words, and a typo in a gfp flag or a DMA
 * attribute answered with the name that was meant.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runVerdict, type FaultKind } from "../src/core/faults.js";
import { dmasim, dmasimOnce, ensureBuilt, lines, usageError } from "./cli-spawn.js";

beforeAll(() => ensureBuilt(), 120_000);

const tmp = mkdtempSync(join(tmpdir(), "dmasim-user-walk-s21-"));
function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

describe("one verdict for one run: run, matrix and the web page (runVerdict)", () => {
  it("seed-mmap on rpi4-xen 5.13 (SIGBUS) is a FAULT in run's verdict line and in the matrix cell; missing-sync (stale data, no fault) a FAIL in both", async () => {
    const r = await dmasimOnce(["run", "scenarios/seed-mmap.yaml", "--platform", "rpi4-xen", "--kernel", "5.13"]);
    expect(r.code).toBe(1);
    expect(lines(r.stdout).at(-1)).toMatch(/^FAULT: 5\/5 steps ran, 0\/2 expectations held, 1 fault \(sigbus\) — step 3 user_read/);
    const m = await dmasim(["matrix", "scenarios/seed-mmap.yaml", "--platforms", "rpi4-xen", "--kernels", "5.13", "--json"]);
    expect((JSON.parse(m.stdout) as { cells: { verdict: string; faults: string[] }[] }).cells.map((c) => [c.verdict, c.faults])).toEqual([["FAULT", ["sigbus"]]]);

    const s = await dmasim(["run", "scenarios/drivers/missing-sync.yaml", "--platform", "rpi4", "--kernel", "5.13"]);
    expect(s.code).toBe(1);
    expect(lines(s.stdout).at(-1)).toMatch(/^FAIL: 8\/8 steps ran, 2\/3 expectations held — step 6 cpu_read: data "packet-1", expected "packet-2"$/);
    const sm = await dmasim(["matrix", "scenarios/drivers/missing-sync.yaml", "--platforms", "rpi4", "--kernels", "5.13", "--json"]);
    expect((JSON.parse(sm.stdout) as { cells: { verdict: string; faults: string[] }[] }).cells.map((c) => [c.verdict, c.faults])).toEqual([["FAIL", []]]);
  });

  it("runVerdict, which the web page shows too: a stopping fault or an access to what is not RAM makes a FAULT; a WARN, bad page or KASAN report alone a FAIL", () => {
    const v = (ok: boolean, ...kinds: FaultKind[]) => runVerdict({ ok, faults: kinds.map((kind) => ({ kind })) });
    expect(v(true)).toBe("PASS");
    expect(v(true, "warn")).toBe("PASS"); // a WARN the scenario expects
    expect(v(false)).toBe("FAIL");
    for (const k of ["warn", "bad_page", "kasan"] as const) expect(v(false, k), k).toBe("FAIL");
    for (const k of ["oops", "bug", "panic", "soft_lockup", "hang", "sigbus", "bus_error"] as const) expect(v(false, "warn", k), k).toBe("FAULT");
  });
});

describe("a run without expectations says what it checked, and what it did not", () => {
  it("a double kfree under KASAN passes without expectations and the verdict line says the report was not checked; expect: { faults: none } fails on it (it said 'only faults were checked' beside a fault that passed)", async () => {
    const steps = "steps:\n  - { op: kmalloc, size: 1K, as: b }\n  - { op: kfree, buf: b }\n  - { op: kfree, buf: b }\n";
    const o = await dmasim(["run", file("dbl.yaml", "name: x\n" + steps), "--set", "CONFIG_KASAN=y", "--kernel", "6.1"]);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout).toContain("BUG: KASAN: double-free in kfree");
    expect(lines(o.stdout).at(-1)).toBe("PASS: 3/3 steps ran, no expectations (only checked that nothing oopsed, panicked, hung or hit what is not RAM: add expect: to a step), 1 fault (kasan, not checked: expect: { faults: none } fails on it)");
    const e = await dmasim(["run", file("dbl-none.yaml", "name: x\nexpect: { faults: none }\n" + steps), "--set", "CONFIG_KASAN=y", "--kernel", "6.1"]);
    expect(e.code, e.stderr).toBe(1);
    expect(lines(e.stdout).at(-1)).toMatch(/^FAIL: 3\/3 steps ran, 0\/1 expectations held, 1 fault \(kasan\) — faults: kasan: BUG: KASAN: double-free in kfree/);
  });
});

describe("JSON on standard input gets JSON's errors", () => {
  it("text opening with {\" on stdin is JSON: a missing comma or a trailing one is 'invalid JSON' at its line:column (it was read as YAML flow: a YAML message, or a trailing comma accepted); {name: x} stays YAML", async () => {
    expect(usageError(await dmasim(["run", "-"], { input: '{"name":"x" "steps":[]}' }))).toBe("<stdin>:1:13: invalid JSON: expected ',' or '}', found '\"'");
    expect(usageError(await dmasim(["run", "-"], { input: '{"name":"x",\n "steps":[{"op":"kmalloc","size":1024,"as":"b"}\n}' }))).toBe("<stdin>:3:1: invalid JSON: expected ',' or ']', found '}'");
    expect(usageError(await dmasim(["run", "-"], { input: '{"name":"x","steps":[{"op":"kmalloc","size":1024,"as":"b"},]}' }))).toBe("<stdin>:1:60: invalid JSON: expected a value, found ']'");
    const y = await dmasim(["run", "-"], { input: "{name: x, steps: [{op: kmalloc, size: 1K, as: b}]}" });
    expect(y.code, y.stderr).toBe(0);
    const j = await dmasim(["run", "-", "--json"], { input: '{"name":"x","steps":[{"op":"kmalloc","size":1024,"as":"b"}]}' });
    expect(j.code, j.stderr).toBe(0);
    expect((JSON.parse(j.stdout) as { steps: { op: string }[] }).steps.map((x) => x.op)).toEqual(["kmalloc"]);
  });
});

describe("--help prints defaults as a user types them", () => {
  it("numbers unquoted, no '(default: [])' after --set, fuzz and bench name rpi4 as run does, and fuzz --jobs says its default once", async () => {
    for (const cmd of ["run", "matrix", "explain", "platforms", "kernels", "schema", "headline", "serve", "bench", "fuzz"]) {
      const h = await dmasimOnce([cmd, "--help"]);
      expect(h.code, cmd).toBe(0);
      expect(h.stdout, cmd).not.toMatch(/\(default: "/);
      expect(h.stdout, cmd).not.toContain("(default: [])");
    }
    const flat = async (cmd: string) => (await dmasimOnce([cmd, "--help"])).stdout.replace(/\s+/g, " ");
    const fuzz = await flat("fuzz");
    expect(fuzz).toContain("count in the total printed) (default: 100000)");
    expect(fuzz).toContain("--platform <id> platform (default: rpi4; `dmasim platforms` lists them)");
    expect(fuzz).toContain("one PRNG stream through all epochs (default: 1)");
    expect(fuzz.match(/default/g)!.length).toBe(fuzz.match(/\(default: /g)!.length + (fuzz.match(/default device/g) ?? []).length);
    const bench = await flat("bench");
    expect(bench).toContain("-s, --seconds <n> duration in seconds (1..300) (default: 20)");
    expect(bench).toContain("-n, --node <n> NUMA node, -1 for none (checked like the kernel does, otherwise ignored) (default: -1)");
    expect(bench).toContain("--platform <id> platform (default: rpi4; `dmasim platforms` lists them)");
    expect(await flat("serve")).toContain("(0 picks a free one) (default: 8089)");
    expect(await flat("run")).toMatch(/--set <key=value> boot\/Kconfig option, repeatable \(mem, cma, swiotlb, CONFIG_DEBUG_VIRTUAL, \.\.\.\) --json/);
  });

  it("an unknown option's suggestion is in the CLI's words ('did you mean', as for ops, keys and platforms; commander wrote 'Did you mean')", async () => {
    const o = await dmasim(["run", "scenarios/seed-mmap.yaml", "--platfrom", "rpi4"]);
    expect(usageError(o)).toBe("dmasim: unknown option '--platfrom' (did you mean --platform?)");
  });
});

describe("a typo in a gfp flag or a DMA attribute gets the name that was meant", () => {
  it("explain --gfp / --attrs, a scenario's gfp: and attrs:, and the library's explain: 'did you mean', else the list to choose from", async () => {
    expect(usageError(await dmasim(["explain", "dma_alloc_coherent", "--platform", "rpi4", "--gfp", "GFP_KERNAL"]))).toBe("dmasim: --gfp: unknown gfp flag 'GFP_KERNAL' (did you mean 'GFP_KERNEL'?)");
    expect(usageError(await dmasim(["explain", "dma_alloc_coherent", "--platform", "rpi4", "--gfp", "GFP_ATOMIC|__GFP_NOWARNING"]))).toBe("dmasim: --gfp: unknown gfp flag '__GFP_NOWARNING' (did you mean '__GFP_NOWARN'?)");
    // a word near no flag: the list (explain said only "unknown gfp flag 'FOO'", scenarios gave the list)
    expect(usageError(await dmasim(["explain", "dma_alloc_coherent", "--platform", "rpi4", "--gfp", "FOO"]))).toBe("dmasim: --gfp: unknown gfp flag 'FOO' (use GFP_KERNEL, GFP_ATOMIC, GFP_NOWAIT, GFP_NOIO, GFP_NOFS, GFP_KERNEL_ACCOUNT, GFP_USER, __GFP_* flags, joined with |)");
    expect(usageError(await dmasim(["explain", "dma_alloc_attrs", "--platform", "rpi4", "--attrs", "DMA_ATTR_NO_KERNEL_MAPING"]))).toBe("dmasim: --attrs: unknown DMA attribute 'DMA_ATTR_NO_KERNEL_MAPING' (did you mean 'DMA_ATTR_NO_KERNEL_MAPPING'?)");
    const g = file("gfp.yaml", "name: x\nsteps:\n  - op: kmalloc\n    size: 1K\n    gfp: GFP_KERNAL\n    as: b\n");
    expect(usageError(await dmasim(["run", g]))).toBe(`${g}:5:10: steps[0].gfp: unknown gfp flag 'GFP_KERNAL' (did you mean 'GFP_KERNEL'?)`);
    const a = file("attrs.yaml", "name: x\nsteps:\n  - op: dma_alloc_attrs\n    size: 4K\n    attrs: DMA_ATTR_WRITECOMBINE\n    as: b\n");
    expect(usageError(await dmasim(["run", a]))).toBe(`${a}:5:12: steps[0].attrs: unknown DMA attribute 'DMA_ATTR_WRITECOMBINE' (did you mean 'DMA_ATTR_WRITE_COMBINE'?)`);
    const { explain } = await import("../src/explain.js");
    expect(() => explain("dma_alloc_coherent", { platform: "rpi4", kernel: "5.13", gfp: "GFP_DMA32|GFP_KERNL" })).toThrow(/^gfp: unknown gfp flag 'GFP_KERNL' \(did you mean 'GFP_KERNEL'\?\)$/);
  });
});

/**
 * Scenario files as a student writes them from the README, through the built CLI (`dmasim run`):
 * the mistakes one makes get one line with file:line:column at the mistake and exit 2, and what
 * the README shows is accepted. Also the library's message for a bad platform / kernel option.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dmasim, dmasimOnce, ensureBuilt } from "./cli-spawn.js";
import { InputError, OptionError } from "../src/core/faults.js";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runScenario } from "../src/scenario/runner.js";
import { OPS, OP_SPECS } from "../src/scenario/schema.js";
import { explain } from "../src/explain.js";
import { parseGfp } from "../src/include/gfp.js";
import { ROOT } from "./helpers.js";

let dir = "";
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "dmasim-student-"));
}, 180_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, ...lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.join("\n") + "\n");
  return p;
}

/** `dmasim run FILE`: exit 2 and exactly one stderr line, no stack trace. */
async function inputError(path: string): Promise<string> {
  const r = await dmasim(["run", path]);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  const err = r.stderr.replace(/\n$/, "");
  expect(err.split("\n")).toHaveLength(1);
  expect(err).not.toMatch(/\bat .*\.(m?js|ts):\d+/);
  return err;
}

describe("a misspelt argument is named, not reported as a missing one", { timeout: 60_000 }, () => {
  it("cpu_read with `lenght: 4`: the error is at `lenght`, with did-you-mean 'length'", async () => {
    const f = file("lenght.yaml", "name: key typo", "steps:", "  - op: kmalloc", "    size: 4K", "    as: b", "  - op: cpu_read", "    buf: b", "    lenght: 4");
    expect(await inputError(f)).toBe(`${f}:8:5: steps[1].lenght: unknown key 'lenght' for cpu_read (did you mean 'length'?); it takes: buf, offset, length, cpu, expect`);
  });

  it("`step:` for `steps:` at the top: the error is at `step`, with did-you-mean 'steps'", async () => {
    const f = file("step.yaml", "name: typo", "step:", "  - op: kmalloc", "    size: 4K", "    as: b");
    expect(await inputError(f)).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2:1: step: unknown key 'step' \\(did you mean 'steps'\\?\\)`));
  });

  it("a required argument really missing is still reported as missing (kmalloc without size)", async () => {
    const f = file("nosize.yaml", "name: missing", "steps:", "  - op: kmalloc", "    gfp: GFP_KERNEL", "    as: b");
    expect(await inputError(f)).toBe(`${f}:3:5: steps[0]: kmalloc needs 'size'`);
  });
});

describe("wrong indentation is reported at the line that is wrong", { timeout: 60_000 }, () => {
  it("a key indented one column deeper than the key above: the error names that line and both columns", async () => {
    const f = file("indent.yaml", "name: bad indentation", "steps:", "  - op: kmalloc", "    size: 4K", "     gfp: GFP_KERNEL", "    as: buf");
    // the yaml package says "Nested mappings are not allowed in compact mappings" at 4:11 (the value 4K)
    expect(await inputError(f)).toBe(`${f}:5:6: invalid YAML: this line is indented more than 'size:' on line 4 (column 6, not 5): the keys of one mapping start in the same column`);
  });

  it("a step's key deeper than its `- op:`, and a top-level key indented by one", async () => {
    const f = file("indent2.yaml", "name: x", "steps:", "  - op: kmalloc", "      size: 4K");
    expect(await inputError(f)).toBe(`${f}:4:7: invalid YAML: this line is indented more than 'op:' on line 3 (column 7, not 5): the keys of one mapping start in the same column`);
    const g = file("indent3.yaml", "name: x", " steps:", "  - op: kmalloc");
    expect(await inputError(g)).toBe(`${g}:2:2: invalid YAML: this line is indented more than 'name:' on line 1 (column 2, not 1): the keys of one mapping start in the same column`);
  });
});

describe("expect: { returns: NULL } as the README writes it", { timeout: 60_000 }, () => {
  it("unquoted NULL (YAML's null) means NULL: it holds for a NULL return and fails for a pointer", async () => {
    const f = file("null.yaml", "name: returns NULL", 'kernel: "6.1"', "steps:", "  - op: kmalloc", "    size: 5G", "    gfp: GFP_KERNEL|__GFP_NOWARN", "    as: b", "    expect: { returns: NULL }", "  - op: kmalloc", "    size: 4K", "    as: k", "    expect: { returns: NULL }");
    const r = await dmasim(["run", f, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1); // the second expectation is wrong: a 4 KiB kmalloc is not NULL
    const j = JSON.parse(r.stdout) as { expectations: { step: number; what: string; expected: string; actual: string; ok: boolean }[] };
    expect(j.expectations.map((e) => [e.step, e.what, e.expected, e.ok])).toEqual([
      [0, "returns", "NULL", true],
      [1, "returns", "NULL", false],
    ]);
    expect(j.expectations[1]!.actual).toMatch(/^0xffff[0-9a-f]{12}$/);
  });

  it("so does `addr_kind: null` (the kind the README lists), unquoted", async () => {
    const f = file("kind-null.yaml", "name: addr_kind null", "steps:", "  - op: kmalloc", "    size: 5G", "    gfp: GFP_KERNEL|__GFP_NOWARN", "    as: b", "    expect: { addr_kind: null, returns: NULL }");
    const r = await dmasim(["run", f, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { steps: { result: Record<string, unknown> }[]; expectations: { what: string; ok: boolean }[] };
    expect(j.steps[0]!.result).toMatchObject({ ret: "NULL", addr_kind: "null" });
    expect(j.expectations.map((e) => [e.what, e.ok])).toEqual([["returns", true], ["addr_kind", true]]);
  });

  it("the JSON Schema accepts it too", async () => {
    const r = await dmasimOnce(["schema"]);
    const schema = JSON.parse(r.stdout) as { $defs: Record<string, { properties?: Record<string, { anyOf?: { type?: string }[] }> }> };
    const returns = schema.$defs.step_expect!.properties!.returns!;
    expect(returns.anyOf!.map((x) => x.type)).toContain("null");
    const kind = schema.$defs.step_expect!.properties!.addr_kind!;
    expect(kind.anyOf!.map((x) => x.type)).toContain("null");
  });
});

describe("the library: a bad platform or kernel option is named as the option, not blamed on the file", () => {
  const s = parseScenarioText("name: x\nplatform: rpi4\nsteps:\n  - op: kmalloc\n    size: 4K\n    as: b\n", "my.yaml");
  it("runScenario(s, { platform: 'nope' }) → OptionError 'platform: unknown platform …' without my.yaml", () => {
    let e: unknown;
    try {
      runScenario(s, { platform: "nope" });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(OptionError);
    expect((e as InputError).format()).toMatch(/^platform: unknown platform 'nope' \(known: rpi4, /);
  });
  it("runScenario(s, { kernel: '4.19' }) → OptionError 'kernel: unknown kernel …'", () => {
    expect(() => runScenario(s, { kernel: "4.19" })).toThrow(/^kernel: unknown kernel '4\.19' \(modelled: 5\.6, /);
  });
});

describe("the library's explain, as the README calls it", { timeout: 60_000 }, () => {
  it("takes gfp and size as the CLI does (names with the run's kernel's values): the same lines as `dmasim explain --json`", async () => {
    const e = explain("dma_alloc_coherent", { platform: "rpi4-xen", kernel: "5.13", gfp: "GFP_ATOMIC", size: "64K" });
    expect(e.lines[0]).toBe("dma_alloc_coherent on rpi4-xen (Linux 5.13), device fe00b000.v4l2: size 0x10000, gfp GFP_ATOMIC, attrs 0");
    expect(e.lines).toEqual(explain("dma_alloc_coherent", { platform: "rpi4-xen", kernel: "5.13", gfp: parseGfp("GFP_ATOMIC", "5.13"), size: 65536 }).lines);
    const r = await dmasim(["explain", "dma_alloc_coherent", "--platform", "rpi4-xen", "--kernel", "5.13", "--gfp", "GFP_ATOMIC", "--json"]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { lines: string[] }).lines).toEqual(e.lines);
  });

  it("bad option values throw an OptionError naming the option", () => {
    expect(() => explain("dma_map_single", { platform: "rpi4", kernel: "5.13", gfp: "GFP_ATOMC" })).toThrow(OptionError);
    expect(() => explain("dma_map_single", { platform: "rpi4", kernel: "5.13", gfp: "GFP_ATOMC" })).toThrow(/^gfp: unknown gfp flag 'GFP_ATOMC' \(did you mean 'GFP_ATOMIC'\?\)$/);
    expect(() => explain("dma_map_single", { platform: "rpi4", kernel: "5.13", size: "64Q" })).toThrow(/^size: '64Q' is not a number/);
    expect(() => explain("dma_map_single", { platform: "rpi4", kernel: "9.9" })).toThrow(/^kernel: unknown kernel '9\.9'/);
  });
});

describe("scenarios/README.md describes what the parser accepts", () => {
  const readme = readFileSync(join(ROOT, "scenarios", "README.md"), "utf8");
  const rows = new Map<string, string>();
  for (const m of readme.matchAll(/^\| `([a-z_]+)` \| ([^|]*) \|/gm)) if ((OPS as readonly string[]).includes(m[1]!)) rows.set(m[1]!, m[2]!.trim());

  it("its table has a row for every op, with exactly the op's arguments: required in bold, 'one of' groups", () => {
    expect([...rows.keys()].sort()).toEqual([...OPS].sort());
    for (const op of OPS) {
      const spec = OP_SPECS[op];
      const cell = rows.get(op)!;
      const one = (spec.exactlyOne ?? []).flat();
      const [plain, ...groups] = cell.split("; ");
      const listed = (plain === "–" ? "" : plain!.startsWith("one of") ? "" : plain!).split(", ").filter(Boolean);
      const allGroups = [plain!, ...groups].filter((g) => g.startsWith("one of "));
      expect(allGroups.map((g) => g.replace(/^one of /, "").split(" / ").map((a) => a.replace(/`/g, "")))).toEqual((spec.exactlyOne ?? []).map((g) => [...g]));
      const names = listed.map((a) => a.replace(/[`*]/g, ""));
      expect(names, op).toEqual(Object.keys(spec.args).filter((a) => !one.includes(a)));
      for (const a of listed) expect(a.startsWith("**"), `${op} ${a}`).toBe(spec.required.includes(a.replace(/[`*]/g, "")));
    }
  });

  it("its number syntax: 4K, 4k, 4KB, \"4 KiB\", 0x1000, 0b1000000000000 and 4_096 are all 4096", () => {
    for (const v of ["4K", "4k", "4KB", '"4 KiB"', "0x1000", "0b1000000000000", "4_096"]) {
      const s = parseScenarioText(`name: n\nsteps:\n  - op: kmalloc\n    size: ${v}\n    as: b\n`, "n.yaml");
      expect(s.steps[0]!.args.size, v).toBe(4096);
    }
  });
});

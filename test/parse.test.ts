/**
 * Scenario format v1 (DESIGN.md "Scenario files"): parsing, validation and the error positions
 * (file:line:col of the offending node, one-line messages).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fromBig } from "../src/core/u64.js";
import { DMA_ATTR_SKIP_CPU_SYNC, DMA_TO_DEVICE, GFP_ATOMIC, __GFP_ZERO, parseGfp } from "../src/include/gfp.js";
import { dataBytes, fmtBytes } from "../src/scenario/data.js";
import { parseScenarioText } from "../src/scenario/parse.js";
import { OP_SPECS, OPS, scenarioJsonSchema } from "../src/scenario/schema.js";
import { ROOT, errorOf } from "./helpers.js";


const y = (...lines: string[]) => lines.join("\n") + "\n";

describe("parse errors carry file:line:col", () => {
  it("malformed YAML", () => {
    const f = errorOf(y("name: x", "steps:", "  - op: kmalloc", "   size: 4"), "bad.yaml");
    expect(f).toBe("bad.yaml:4:4: invalid YAML: this line is indented less than 'op:' on line 3 (column 4, not 5): the keys of one mapping start in the same column");
  });

  it("duplicate keys are malformed YAML", () => {
    expect(errorOf(y("name: x", "name: y", "steps: []"))).toMatch(/^t\.yaml:2:1: invalid YAML: Map keys must be unique/);
  });

  it("unknown op, with a suggestion", () => {
    const f = errorOf(y("name: x", "steps:", "  - op: kmalloc", "    size: 4", "  - op: dma_alloc_coherentt", "    size: 4"));
    expect(f).toBe("t.yaml:5:9: steps[1].op: unknown op 'dma_alloc_coherentt' (did you mean 'dma_alloc_coherent'?)");
  });

  it("unknown key names the key and the op, at the key", () => {
    const f = errorOf(y("name: x", "steps:", "  - op: dma_alloc_coherent", "    size: 4K", "    sise: 5"));
    expect(f).toMatch(/^t\.yaml:5:5: steps\[0\]\.sise: unknown key 'sise' for dma_alloc_coherent \(did you mean 'size'\?\)/);
  });

  it("attrs on the non-attrs form points to the attrs form", () => {
    const f = errorOf(y("name: x", "steps:", "  - op: dma_alloc_coherent", "    size: 4K", "    attrs: DMA_ATTR_WRITE_COMBINE"));
    expect(f).toContain("t.yaml:5:5: steps[0].attrs: unknown key 'attrs' for dma_alloc_coherent (use dma_alloc_attrs to pass attrs)");
  });

  it("unknown top-level key", () => {
    expect(errorOf(y("name: x", "platfrom: rpi4", "steps:", "  - {op: kmalloc, size: 4}"))).toMatch(/^t\.yaml:2:1: platfrom: unknown key 'platfrom' \(did you mean 'platform'\?\)/);
  });

  it("bad size, at the value", () => {
    const f = errorOf(y("name: x", "steps:", "  - op: kmalloc", "    size: 4K", "  - op: kmalloc", "    size: 12Q"));
    expect(f).toBe("t.yaml:6:11: steps[1].size: '12Q' is not a number (use decimal, 0x hex, or a K/M/G suffix)");
  });

  it("impossible sizes: 0 for an allocation, above 2^40, negative, fractional, not exact", () => {
    const size = (v: string) => errorOf(y("name: x", "steps:", "  - op: dma_alloc_coherent", `    size: ${v}`));
    expect(size("0")).toBe("t.yaml:4:11: steps[0].size: 0 is too small (an allocation needs at least 1 byte)");
    expect(size("2T")).toBe("t.yaml:4:11: steps[0].size: '2T' is too large (at most 1T)");
    expect(size("0x10000000001")).toContain("is too large (at most 1T)");
    expect(size("-5")).toBe("t.yaml:4:11: steps[0].size: -5 is negative");
    expect(size("1.5")).toBe("t.yaml:4:11: steps[0].size: 1.5 is not a whole number");
    expect(size("18446744073709551615")).toContain("is too large");
    expect(size("true")).toContain("expected a number or a string such as \"64K\"");
  });

  it("duplicate `as`, at the second one", () => {
    const f = errorOf(y("name: x", "steps:", "  - op: kmalloc", "    size: 4", "    as: a", "  - op: vmalloc", "    size: 4", "    as: a"));
    expect(f).toBe("t.yaml:8:9: steps[1].as: 'a' is already defined by steps[0] (line 3); every 'as' name must be unique");
  });

  it("dangling reference, at the reference", () => {
    const f = errorOf(y("name: x", "steps:", "  - op: kmalloc", "    size: 4", "    as: a", "  - op: kfree", "    buf: b"));
    expect(f).toBe("t.yaml:7:10: steps[1].buf: 'b' is not defined by an earlier step's 'as' (did you mean 'a'?)");
  });

  it("reference to a name defined later", () => {
    const f = errorOf(y("name: x", "steps:", "  - op: kfree", "    buf: a", "  - op: kmalloc", "    size: 4", "    as: a"));
    expect(f).toBe("t.yaml:4:10: steps[0].buf: 'a' is defined later, by steps[1]; a step can only use names defined before it");
  });

  it("reference of the wrong kind", () => {
    const f = errorOf(y("name: x", "steps:", "  - {op: kmalloc, size: 4, as: a}", "  - op: dma_free_coherent", "    buf: a"));
    expect(f).toMatch(/^t\.yaml:5:10: steps\[1\]\.buf: 'a' is a kernel buffer .* but dma_free_coherent needs a coherent buffer/);
  });

  it("references inside dma_map_sg entries are checked", () => {
    const f = errorOf(y("name: x", "steps:", "  - {op: kmalloc, size: 4K, as: a}", "  - op: dma_map_sg", "    entries: [{ buf: a, length: 8 }, { buf: nope, length: 8 }]", "    dir: DMA_TO_DEVICE"));
    expect(f).toMatch(/^t\.yaml:5:45: steps\[1\]\.entries\[1\]\.buf: 'nope' is not defined/);
  });

  it("missing required arguments name the op", () => {
    expect(errorOf(y("name: x", "steps:", "  - op: dma_map_single", "    buf: a", "    size: 4"))).toBe("t.yaml:3:5: steps[0]: dma_map_single needs 'dir'");
    expect(errorOf(y("name: x", "steps:", "  - op: dma_alloc_coherent"))).toBe("t.yaml:3:5: steps[0]: dma_alloc_coherent needs 'size'");
    expect(errorOf(y("name: x", "steps:", "  - op: dma_set_mask"))).toBe("t.yaml:3:5: steps[0]: dma_set_mask needs one of 'bits', 'mask'");
  });

  it("gfp, dir and attrs are checked against the kernel's names", () => {
    expect(errorOf(y("name: x", "steps:", "  - {op: kmalloc, size: 4, gfp: GFP_KERNAL}"))).toMatch(/^t\.yaml:3:33: steps\[0\]\.gfp: unknown gfp flag 'GFP_KERNAL'/);
    expect(errorOf(y("name: x", "steps:", "  - {op: kmalloc, size: 4, as: a}", "  - {op: dma_map_single, buf: a, size: 4, dir: TO_DEVICE}"))).toMatch(
      /^t\.yaml:4:48: steps\[1\]\.dir: 'TO_DEVICE' is not a DMA direction/,
    );
    expect(errorOf(y("name: x", "steps:", "  - {op: dma_alloc_attrs, size: 4, attrs: DMA_ATTR_BOGUS}"))).toMatch(/steps\[0\]\.attrs: unknown DMA attribute 'DMA_ATTR_BOGUS'/);
  });

  it("data specs and expectations", () => {
    const w = (data: string) => errorOf(y("name: x", "steps:", "  - {op: kmalloc, size: 4, as: a}", "  - op: cpu_write", "    buf: a", `    data: ${data}`));
    expect(w('{hex: "de ad b"}')).toBe("t.yaml:6:17: steps[1].data.hex: odd number of hex digits (5); write whole bytes such as \"0a\"");
    expect(w("{fill: 300, length: 4}")).toBe("t.yaml:6:18: steps[1].data.fill: 300 is too large (at most 255)");
    expect(w("{fill: 3}")).toBe("t.yaml:6:11: steps[1].data: missing 'length'");
    expect(errorOf(y("name: x", "steps:", "  - {op: kmalloc, size: 4, expect: {diagnostic: X1}}"))).toMatch(/steps\[0\]\.expect\.diagnostic: 'X1' is not a diagnostic id/);
    expect(errorOf(y("name: x", "steps:", "  - {op: kmalloc, size: 4, expect: {data: hi}}"))).toMatch(/steps\[0\]\.expect\.data: expect\.data applies to read steps/);
  });

  it("structure: empty file, not a mapping, no steps, unknown kernel", () => {
    expect(errorOf("")).toBe("t.yaml:1:1: the scenario file is empty");
    expect(errorOf("- a\n")).toMatch(/^t\.yaml:1:1: scenario: a scenario is a mapping/);
    expect(errorOf("name: x\nsteps: []\n")).toBe("t.yaml:2:8: steps: a scenario needs at least one step");
    expect(errorOf("name: x\n")).toBe("t.yaml:1:1: scenario: missing 'steps'");
    expect(errorOf(y("name: x", "kernel: '4.19'", "steps:", "  - {op: kmalloc, size: 4}"))).toMatch(/^t\.yaml:2:9: kernel: '4\.19' is not a modelled kernel/);
  });

  it("JSON uses the same path, with positions", () => {
    const f = errorOf('{"name": "j", "steps": [{"op": "kmalloc", "size": "64K"}, {"op": "kmalloc", "size": "12Q"}]}', "s.json");
    expect(f).toBe("s.json:1:85: steps[1].size: '12Q' is not a number (use decimal, 0x hex, or a K/M/G suffix)");
  });
});

describe("a valid scenario parses to Steps with converted arguments", () => {
  const text = y(
    "name: mmap a coherent buffer into user space",
    "platform: rpi4-xen",
    "kernel: 5.10          # unquoted: YAML reads 5.1, the parser keeps the text",
    "config: { CONFIG_DEBUG_VIRTUAL: y, mem: 2G }",
    "steps:",
    "  - op: dma_alloc_coherent",
    "    size: 64K",
    "    gfp: GFP_ATOMIC|__GFP_ZERO",
    "    as: buf",
    "    expect: { addr_kind: vmalloc }",
    "  - op: dma_mmap_coherent",
    "    buf: buf",
    "    as: umap",
    "  - op: device_write",
    "    buf: buf",
    "    data: { hex: 'de ad be ef' }",
    "  - op: user_read",
    "    map: umap",
    "    offset: 0x0",
    "    length: 4",
    "    expect: { data: { hex: 'de ad be ef' }, returns: 0 }",
    "  - op: kmalloc",
    "    size: 4096",
    "    as: kb",
    "  - op: dma_map_single",
    "    buf: kb",
    "    size: '0x1000'",
    "    dir: DMA_TO_DEVICE",
    "    attrs: DMA_ATTR_SKIP_CPU_SYNC",
    "    as: m",
    "  - op: dma_set_mask_and_coherent",
    "    mask: 0xffffffffffffffff",
    "  - op: device_read",
    "    dma_addr: 0xffff800011b0d000",
    "    length: 1",
    "  - op: dma_map_sg",
    "    entries: [{ buf: kb, length: 100 }, { buf: buf, offset: 4K, length: 4K }]",
    "    dir: DMA_BIDIRECTIONAL",
    "  - op: dma_free_coherent",
    "    buf: buf",
    "expect: { faults: none }",
  );
  const s = parseScenarioText(text, "ok.yaml");

  it("top level", () => {
    expect(s.name).toBe("mmap a coherent buffer into user space");
    expect(s.platform).toBe("rpi4-xen");
    expect(s.kernel).toBe("5.10");
    expect(s.config).toEqual({ CONFIG_DEBUG_VIRTUAL: "y", mem: "2G" });
    expect(s.expect).toEqual({ faults: "none" });
    expect(s.file).toBe("ok.yaml");
    expect(s.steps).toHaveLength(10);
  });

  it("steps: sizes as numbers, gfp/dir/attrs as numbers, masks as bigint, data as given, positions", () => {
    expect(s.steps[0]).toEqual({ op: "dma_alloc_coherent", as: "buf", expect: { addr_kind: "vmalloc" }, args: { size: 65536, gfp: "GFP_ATOMIC|__GFP_ZERO" }, line: 6, col: 5 });
    expect(parseGfp(s.steps[0]!.args.gfp as string, "5.13")).toBe(GFP_ATOMIC | __GFP_ZERO);
    expect(s.steps[1]).toMatchObject({ op: "dma_mmap_coherent", as: "umap", args: { buf: "buf" } });
    expect(s.steps[2]!.args).toEqual({ buf: "buf", data: { hex: "de ad be ef" } });
    expect(s.steps[3]).toMatchObject({ args: { map: "umap", offset: 0, length: 4 }, expect: { data: { hex: "de ad be ef" }, returns: "0" } });
    expect(s.steps[4]!.args).toEqual({ size: 4096 });
    expect(s.steps[5]!.args).toEqual({ buf: "kb", size: 4096, dir: DMA_TO_DEVICE, attrs: DMA_ATTR_SKIP_CPU_SYNC });
    expect(s.steps[6]!.args).toEqual({ mask: 0xffffffffffffffffn });
    // dma_addr: dmasim's signed-number form of the u64 where that is exact (a bigint only where it is not)
    expect(s.steps[7]!.args).toEqual({ dma_addr: fromBig(0xffff800011b0d000n), length: 1 });
    expect(s.steps[7]!.args.dma_addr).toBe(-0x7fffee4f3000);
    expect(s.steps[8]!.args).toEqual({ entries: [{ buf: "kb", length: 100 }, { buf: "buf", offset: 4096, length: 4096 }], dir: 0 });
    expect(s.steps[9]).toMatchObject({ op: "dma_free_coherent", args: { buf: "buf" }, line: 39, col: 5 });
  });

  it("absent gfp stays absent (the runner applies GFP_KERNEL)", () => {
    const t = parseScenarioText(y("name: x", "steps:", "  - {op: dma_alloc_coherent, size: 1}"), "t.yaml");
    expect(t.steps[0]!.args).toEqual({ size: 1 });
  });

  it("the bundled scenarios parse", async () => {
    const { readdirSync } = await import("node:fs");
    const files = readdirSync(ROOT + "scenarios").filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(() => parseScenarioText(readFileSync(ROOT + "scenarios/" + f, "utf8"), f), f).not.toThrow();
  });
});

describe("data specs", () => {
  it("dataBytes", () => {
    expect([...dataBytes("hi")]).toEqual([0x68, 0x69]);
    expect([...dataBytes({ hex: "de ad:be_ef" })]).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect([...dataBytes({ fill: 0xa5, length: 3 })]).toEqual([0xa5, 0xa5, 0xa5]);
  });

  it("fmtBytes: quoted text when printable, hex bytes otherwise, cut past 64 bytes", () => {
    expect(fmtBytes(dataBytes("hello"))).toBe('"hello"');
    expect(fmtBytes(dataBytes('say "hi"'))).toBe('"say \\"hi\\""');
    expect(fmtBytes(dataBytes({ hex: "de ad be ef" }))).toBe("de ad be ef");
    expect(fmtBytes(new Uint8Array(0))).toBe('""');
    expect(fmtBytes(dataBytes({ fill: 0x41, length: 100 }))).toBe(`"${"A".repeat(64)}…" (100 bytes)`);
    expect(fmtBytes(dataBytes({ fill: 0, length: 65 }))).toBe(`${Array(64).fill("00").join(" ")} … (65 bytes)`);
  });
});

describe("schema", () => {
  it("every op has a spec and a JSON Schema definition", () => {
    const js = scenarioJsonSchema() as { $defs: Record<string, unknown> };
    for (const op of OPS) {
      expect(OP_SPECS[op]).toBeDefined();
      expect(js.$defs[op], op).toBeDefined();
    }
  });

  it("schema/scenario.schema.json is up to date (npm run schema)", () => {
    const committed = JSON.parse(readFileSync(ROOT + "schema/scenario.schema.json", "utf8")) as unknown;
    expect(committed).toEqual(scenarioJsonSchema());
  });
});

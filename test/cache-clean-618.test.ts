/**
 * DMA_ATTR_CPU_CACHE_CLEAN (6.18.35: include/linux/dma-mapping.h:82–87, 61868dc55a11, mainline 7.0, backported):
 * only dma-debug reads it. add_dma_entry sets entry->is_cache_clean (kernel/dma/debug.c:604);
 * active_cacheline_insert hands back the is_cache_clean of the entry the radix tree holds for the line
 * (:477–508) — the first mapping inserted there, whose struct dma_entry_alloc may have given (zeroed, :649) to
 * another mapping since; the EEXIST report is skipped when the new and the held entry are both cache-clean
 * (:614–622). Earlier kernels do not have the attribute: a scenario passing it is an input error at the
 * attribute. On 32-bit ARM (L1 and DMA alignment 64, no DMA_BOUNCE_UNALIGNED_KMALLOC) two maps of one
 * 64-byte buffer at offsets 0 and 8 share a tracked cache line.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError, NotApplicable } from "../src/core/faults.js";
import { runYaml } from "./helpers.js";
import { ftraceLines } from "../src/format/ftrace.js";
import { dmasim, ensureBuilt, lines } from "./cli-spawn.js";

const CC = "DMA_ATTR_CPU_CACHE_CLEAN";
function scenario(kernel: string, a0: string, a1: string, extra = "") {
  return `
name: two maps in one cache line
platform: arm32
kernel: "${kernel}"
config: { CONFIG_DMA_API_DEBUG: y }
steps:
  - { op: kmalloc, size: 64, as: b }
  - { op: dma_map_single, buf: b, offset: 0, size: 8, dir: DMA_FROM_DEVICE, attrs: ${a0}, as: m0 }
  - { op: dma_map_single, buf: b, offset: 8, size: 8, dir: DMA_FROM_DEVICE, attrs: ${a1}, as: m1 }
${extra}`;
}
const eexist = (r: ReturnType<typeof runYaml>) => r.diagnostics.filter((d) => d.id === "D19").map((d) => [d.step, d.message]);
const D19 = "DMA-API: bcm2835-codec fe00b000.v4l2: cacheline tracking EEXIST, overlapping mappings aren't supported";

describe("6.18 DMA_ATTR_CPU_CACHE_CLEAN: dma-debug's overlapping-cacheline report", () => {
  it("neither mapping cache-clean: the second gets D19 (the report as before)", () => {
    expect(eexist(runYaml(scenario("6.18", "0", "0")))).toEqual([[2, D19]]);
  });
  it("both cache-clean: no report", () => {
    expect(eexist(runYaml(scenario("6.18", CC, CC)))).toEqual([]);
  });
  it("only one of them cache-clean: D19 either way (all mappings sharing the line must carry it)", () => {
    expect(eexist(runYaml(scenario("6.18", "0", CC)))).toEqual([[2, D19]]);
    expect(eexist(runYaml(scenario("6.18", CC, "0")))).toEqual([[2, D19]]);
  });
  it("the tree keeps the first entry: after it is unmapped its struct serves the next mapping (zeroed), whose flag the line's check then reads", () => {
    // m0 (clean) holds the line; m1 (clean) overlaps; m0 is unmapped (the line stays: m1 is active); a TO_DEVICE map of
    // another buffer takes m0's freed struct (LIFO free list) without the flag; a third clean map of the line reads it
    const reuse = `  - { op: dma_unmap_single, map: m0 }
  - { op: kmalloc, size: 64, as: other }
  - { op: dma_map_single, buf: other, size: 8, dir: DMA_TO_DEVICE, as: t }
  - { op: dma_map_single, buf: b, offset: 16, size: 8, dir: DMA_FROM_DEVICE, attrs: ${CC}, as: m2 }
`;
    expect(eexist(runYaml(scenario("6.18", CC, CC, reuse)))).toEqual([[6, D19]]);
    // the same without the TO_DEVICE map: m2 reuses m0's struct itself (flag set again): no report
    const direct = `  - { op: dma_unmap_single, map: m0 }
  - { op: dma_map_single, buf: b, offset: 16, size: 8, dir: DMA_FROM_DEVICE, attrs: ${CC}, as: m2 }
`;
    expect(eexist(runYaml(scenario("6.18", CC, CC, direct)))).toEqual([]);
  });
  it("the attribute shows in the dma_map_phys trace event's flags as CACHE_CLEAN (include/trace/events/dma.h:36)", () => {
    const r = runYaml(scenario("6.18", CC, CC), { trace: true });
    expect(ftraceLines(r.steps[1]!.trace).map((l) => l.replace(/^.*dma_map_phys: /, ""))).toEqual([expect.stringMatching(/ attrs=CACHE_CLEAN$/)]);
  });
});

describe("before 6.18 the attribute does not exist: an input error at the attribute", () => {
  for (const v of ["5.6", "5.19", "6.12"]) {
    it(`${v}: steps[1].attrs: DMA_ATTR_CPU_CACHE_CLEAN is not in Linux ${v}`, () => {
      let e: unknown;
      try {
        runYaml(scenario(v, CC, "0"));
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(NotApplicable);
      expect((e as InputError).message).toBe(`steps[1].attrs: DMA_ATTR_CPU_CACHE_CLEAN is not in Linux ${v} (61868dc55a11, mainline 7.0; backported to 6.18)`);
      expect((e as InputError).where).toMatchObject({ line: 8 });
    });
  }
  describe("CLI (the built bundle)", () => {
    beforeAll(() => ensureBuilt(), 180_000);
    it("run --kernel 6.12: one line file:line:col: steps[1].attrs: …, exit 2; 6.18 runs", { timeout: 120_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), "dmasim-cc-"));
      const f = join(dir, "cc.yaml");
      writeFileSync(f, scenario("6.18", CC, CC).trimStart());
      const bad = await dmasim(["run", f, "--kernel", "6.12"]);
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe("");
      expect(lines(bad.stderr)).toEqual([`${f}:7:84: steps[1].attrs: DMA_ATTR_CPU_CACHE_CLEAN is not in Linux 6.12 (61868dc55a11, mainline 7.0; backported to 6.18)`]);
      const ok = await dmasim(["run", f]);
      expect(ok.code).toBe(0);
    });
  });
});

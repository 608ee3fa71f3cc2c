/**
 * Issue 11: 32-bit ARM before and after its 6.0 move to dma-direct (ae626eb97376; trees 5.19.0 and
 * 6.1.166 / 6.6.63 / 6.12.19 / 6.18.35, docs/verified-facts.md "32-bit ARM on dma-direct").
 * The seed's __dma_alloc remap path still runs from 6.0, but under dma_direct_alloc → arch_dma_alloc;
 * mmap, get_sgtable and the streaming calls are dma-direct's. R-COH-01, R-MMAP-04, R-STR-11.
 */
import { describe, expect, it } from "vitest";
import { renderTrace } from "../src/core/trace.js";
import { explain } from "../src/explain.js";
import { bootK, h, run } from "./helpers.js";
import { versionNumber } from "../src/versions.js";
/** 5.14+ (44042b449872): the boot task's order-1 stack refilled the order-1 pcp list with 31 blocks (pfns 0x0, 0x2, 0x1000–0x103c), so order-0 pages start at 0x1042 instead of 0x2 and the next blocks 0x40 pages higher */
const PCP_HI = (kernel: string) => versionNumber(kernel) >= versionNumber("5.14");

const calls = (lines: string[]) => lines.filter((l) => l.includes("→ ")).map((l) => l.trim().slice(2).split("(")[0]);
const SIX = ["6.1", "6.6", "6.12", "6.18"];
const OLD = ["5.6", "5.10", "5.13", "5.14", "5.15", "5.19"];

describe("arm32 dma_alloc_coherent, cma=0 (the seed's remap allocator)", () => {
  it("5.19: arm_dma_ops → arm_dma_alloc → __dma_alloc → __alloc_remap_buffer → vmap; no dma-direct", () => {
    const r = explain("dma_alloc_coherent", { platform: "arm32", kernel: "5.19", set: { cma: "0" } });
    const c = calls(r.lines);
    expect(c.slice(0, 4)).toEqual(["dma_alloc_attrs", "arm_dma_alloc", "__dma_alloc", "__alloc_remap_buffer"]);
    expect(c).not.toContain("dma_direct_alloc");
    expect(r.lines.join("\n")).toContain("dma_alloc_direct(dev, ops): no — dev->dma_ops = arm_dma_ops (arch/arm/mm/dma-mapping.c)");
    expect(r.result.cpu_addr).toBe("0xf0841000");
    expect(r.result.dma_handle).toBe("0x1050000");
  });

  it.each(SIX)("%s: dma_direct_alloc → arch_dma_alloc → __dma_alloc → __alloc_remap_buffer → dma_common_contiguous_remap → vmap, the same vmap address", (kernel) => {
    const r = explain("dma_alloc_coherent", { platform: "arm32", kernel, set: { cma: "0" } });
    const c = calls(r.lines);
    // __alloc_remap_buffer → __dma_alloc_buffer → alloc_pages, __dma_clear_buffer (6.1.166 arch/arm/mm/dma-mapping.c:336, :141–160)
    expect(c.slice(0, 9)).toEqual(["dma_alloc_attrs", "dma_direct_alloc", "arch_dma_alloc", "__dma_alloc", "__alloc_remap_buffer", "__dma_alloc_buffer", "alloc_pages", "__dma_clear_buffer", "dma_common_contiguous_remap"]);
    expect(c).toContain("vmap");
    expect(c).not.toContain("arm_dma_alloc");
    const text = r.lines.join("\n");
    expect(text).toContain("dma_alloc_direct(dev, ops): yes — the device has no dma_map_ops: dma-direct");
    expect(text).toContain(["6.12", "6.18"].includes(kernel) ? "IS_ENABLED(CONFIG_ARCH_HAS_DMA_ALLOC) && !is_swiotlb_for_alloc(dev): yes — arm has its own allocator: fall back to arch_dma_alloc" : "!ARCH_HAS_DMA_SET_UNCACHED && !DMA_DIRECT_REMAP && !DMA_GLOBAL_POOL && !is_swiotlb_for_alloc(dev): yes — arm has its own allocator: fall back to arch_dma_alloc");
    expect(text).toContain("remap_allocator");
    expect(r.addr_kind).toBe("vmalloc");
    expect(r.result.cpu_addr).toBe("0xf0841000");
    expect(r.result.dma_handle).toBe("0x1050000");
  });

  it("GFP_ATOMIC on 6.1: the arch's own atomic_pool through arch_dma_alloc (kernel/dma/pool.c is not built on ARM), the same chunk as 5.19", () => {
    for (const kernel of ["5.19", "6.1"]) {
      const r = explain("dma_alloc_coherent", { platform: "arm32", kernel, gfp: 0x820 /* GFP_ATOMIC */ });
      const c = calls(r.lines);
      expect(c, kernel).toContain("__alloc_from_pool");
      expect(c, kernel).not.toContain("dma_direct_alloc_from_pool");
      // atomic_pool_init took the pool from the CMA area, which lies in highmem (D22): a remapped (vmalloc) chunk
      // at its start, 0x38000000 (0xec000000 / 0x2c000000, a lowmem linear chunk, before the boot order audit)
      expect(r.result.cpu_addr, kernel).toBe("0xf0800000");
      expect(r.result.dma_handle, kernel).toBe("0x38000000");
      expect(c.includes("arch_dma_alloc"), kernel).toBe(kernel === "6.1");
    }
  });

  it("6.x boots every arm32 device with dev->dma_ops == NULL; 5.19 with arm_dma_ops", () => {
    for (const dev of bootK("arm32", "6.12").devices.values()) expect(dev.dma_ops, dev.name).toBeNull();
    for (const dev of bootK("arm32", "5.19").devices.values()) expect(dev.dma_ops?.name, dev.name).toBe("arm_dma_ops");
  });
});

describe("the seed scenarios on arm32, every version: same bytes, each era's call path", () => {
  const cases: [string, string, string][] = [
    ["scenarios/seed-mmap.yaml", "arm_dma_mmap", "dma_direct_mmap"],
    ["scenarios/seed-sgtable.yaml", "arm_dma_get_sgtable", "dma_direct_get_sgtable"],
    ["scenarios/seed-atomic-free.yaml", "arm_dma_free", "arch_dma_free"],
  ];
  for (const [file, oldFn, newFn] of cases) {
    it.each([...OLD, ...SIX])(`${file} on %s (cma=0)`, (kernel) => {
      const r = run(file, { platform: "arm32", kernel, set: { cma: "0" }, trace: true });
      expect(r.ok).toBe(true);
      expect(r.faults).toEqual([]);
      const text = r.steps.map((s) => renderTrace(s.trace).join("\n")).join("\n");
      const six = SIX.includes(kernel);
      expect(text.includes(`→ ${newFn}(`)).toBe(six);
      expect(text.includes(`→ ${oldFn}(`)).toBe(!six);
      if (six) expect(text).toContain("→ dma_direct_");
    });
  }

  it("seed-mmap on 6.1: dma_direct_mmap takes the pfn from the DMA handle and user space reads the device's bytes at the buffer's pages", () => {
    const r = run("scenarios/seed-mmap.yaml", { platform: "arm32", kernel: "6.1", set: { cma: "0" }, trace: true });
    expect(r.steps[0]!.result.cpu_addr).toBe("0xf0841000");
    expect(r.steps[0]!.result.dma_handle).toBe("0x1050000");
    expect(renderTrace(r.steps[1]!.trace).join("\n")).toContain("pfn = PHYS_PFN(dma_to_phys(dev, 0x1050000)) = 0x1050: taken from the DMA handle; vm_page_prot = nc");
    expect(r.steps[3]!.result.data).toBe('"hello from the device"');
  });
});

describe("arm32 streaming on 6.x: dma_direct_map_page → the arch's arch_sync_dma_for_device → __dma_page_cpu_to_dev", () => {
  const yaml = "scenarios/drivers/missing-sync-fixed.yaml";
  it("5.19 maps through arm_dma_map_page, 6.18 through dma_direct_map_phys (the 6.18 physical-address API); both clean the same lines", () => {
    const a = run(yaml, { platform: "arm32", kernel: "5.19", trace: true });
    const b = run(yaml, { platform: "arm32", kernel: "6.18", trace: true });
    expect(a.ok).toBe(true);
    expect(b.ok).toBe(true);
    const ta = a.steps.map((s) => renderTrace(s.trace).join("\n")).join("\n");
    const tb = b.steps.map((s) => renderTrace(s.trace).join("\n")).join("\n");
    expect(ta).toContain("→ arm_dma_map_page(");
    expect(ta).not.toContain("dma_direct_map_");
    expect(tb).toMatch(/→ dma_direct_map_phys\([^\n]*\n\s+\? [^\n]*\n(?:\s+\?[^\n]*\n)*\s+→ arch_sync_dma_for_device\([^\n]*\[arch\/arm\/mm\/dma-mapping\.c\]\n\s+→ __dma_page_cpu_to_dev\(/);
    const maps = (rr: typeof a) => rr.steps.filter((s) => s.op === "dma_map_single").map((s) => s.result.dma_addr);
    expect(maps(b)).toEqual(maps(a));
    expect(maps(a).length).toBeGreaterThan(0);
    expect(h(maps(a)[0])).toBeLessThan(0x4000_0000);
  });
});

describe("scenarios/arm32-no-kernel-mapping.yaml: DMA_ATTR_NO_KERNEL_MAPPING before and after 6.0", () => {
  it.each(OLD)("%s: __dma_alloc clears and flushes the page: the device reads zeros, the sg user reads the frame", (kernel) => {
    const r = run("scenarios/arm32-no-kernel-mapping.yaml", { kernel, trace: true });
    expect(r.ok).toBe(true);
    expect(r.steps[6]!.result.dma_handle).toBe(PCP_HI(kernel) ? "0x1042000" : "0x2000"); // the page freed in step 5, reused
    expect(r.steps[7]!.result.data).toBe("00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
    expect(r.steps[10]!.result.data).toBe('"frame data"');
    expect(renderTrace(r.steps[6]!.trace).join("\n")).toContain("→ __alloc_remap_buffer(");
  });

  it.each(SIX)("%s: dma_direct_alloc_no_mapping neither zeroes nor flushes: the previous owner's bytes, then the stale dirty line over the frame", (kernel) => {
    const r = run("scenarios/arm32-no-kernel-mapping.yaml", { kernel, trace: true });
    expect(r.ok).toBe(false);
    expect(r.steps[6]!.result.dma_handle).toBe("0x1042000");
    expect(r.steps[7]!.result.data).toBe('"previous owner\'s data"');
    expect(r.steps[10]!.result.data).toBe('"dirty line"');
    expect(r.steps[10]!.result.pfn).toBe("0x1042");
    const t = renderTrace(r.steps[6]!.trace).join("\n");
    expect(t).toContain("→ dma_direct_alloc_no_mapping(");
    expect(t).toContain("→ arch_dma_prep_coherent(");
    expect(t).toContain("[include/linux/dma-map-ops.h]");
    expect(t).not.toContain("__dma_alloc");
    expect(t).not.toContain("flush");
    // the device's bytes did reach RAM: only the cache line shadows them
    expect(r.faults).toEqual([]);
  });
});

describe("arm32 has no CONFIG_SWIOTLB (no LPAE, no Xen): swiotlb=force means nothing, on dma-direct too", () => {
  it.each(["5.19", "6.1", "6.18"])("%s: scenarios/drivers/swiotlb-full-leak.yaml maps in place, no 'swiotlb buffer is full'", (kernel) => {
    const r = run("scenarios/drivers/swiotlb-full-leak.yaml", { platform: "arm32", kernel, trace: true });
    expect(r.steps[5]!.result.dma_addr).toBe("0x1048000");
    expect(r.steps[5]!.result.bounced).toBe(false);
    expect(r.faults).toEqual([]);
    const t = r.steps.map((s) => renderTrace(s.trace).join("\n")).join("\n");
    expect(t).not.toContain("swiotlb_tbl_map_single");
    expect(t.includes("is_swiotlb_force_bounce(dev): no")).toBe(kernel !== "5.19");
  });
});

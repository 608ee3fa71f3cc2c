/**
 * dev_warn is not a WARN (issue 8): "swiotlb buffer is full", "Invalid sizes" and "Can not
 * allocate SWIOTLB buffer earlier …" are dev_warn_ratelimited / dev_warn_once (5.6: dev_warn behind
 * printk_ratelimit) in every tree 5.6–6.18 — a kernel log line at KERN_WARNING, no splat, no taint
 * — and a scenario expects them with `expect: { log: … }`. And 5.6's inline dma_map_page_attrs has
 * no !dev->dma_mask check (f959dcd6ddfd, 5.10).
 */
import { describe, expect, it } from "vitest";
import { DMA_MAPPING_ERROR } from "../src/core/u64.js";
import { KernelFault } from "../src/core/faults.js";
import { DMA_TO_DEVICE } from "../src/include/gfp.js";
import { swiotlb_tbl_map_single } from "../src/kernel/dma/swiotlb/index.js";
import { dma_map_page_attrs } from "../src/kernel/dma/mapping.js";
import { renderRunText } from "../src/format/run.js";
import { bootK, run, runYaml } from "./helpers.js";

const ALL = ["5.6", "5.10", "5.13", "5.14", "5.15", "5.19", "6.1", "6.6", "6.12", "6.18"];

describe("'swiotlb buffer is full' is a dev_warn log line on every version", () => {
  it.each(ALL)("%s: swiotlb-full-oversize.yaml passes on its log expectation, with no WARN fault", (kernel) => {
    const r = run("scenarios/drivers/swiotlb-full-oversize.yaml", { kernel });
    expect(r.ok, r.first_failure ?? "").toBe(true);
    expect(r.faults).toEqual([]);
    const lines = r.log!.filter((l) => l.step === 2);
    expect(lines.map((l) => l.level)).toEqual(["warn"]);
    expect(lines[0]!.message).toMatch(/^snd_hda_intel 0000:02:00\.0: swiotlb buffer is full \(sz: 266240 bytes\), total 32768 \(slots\), used 0 \(slots\)$/);
    const text = renderRunText(r);
    expect(text).toContain("log (KERN_WARNING): snd_hda_intel 0000:02:00.0: swiotlb buffer is full (sz: 266240 bytes)");
    expect(text).not.toContain("WARN: ");
  });

  it.each(ALL)("%s: 'Invalid sizes' (mapping > alloc) is a dev_warn_once, printed once, no fault", (kernel) => {
    const k = bootK("x86_64", kernel, { swiotlb: "force" });
    const dev = [...k.devices.values()][0]!;
    const buf = 0x1_0000_0000 + 0x10_0000;
    const r1 = swiotlb_tbl_map_single(k, dev, buf, 8192, 4096, DMA_TO_DEVICE, 0);
    const r2 = swiotlb_tbl_map_single(k, dev, buf, 8192, 4096, DMA_TO_DEVICE, 0);
    const lines = k.klog.filter((l) => l.message.includes("Invalid sizes"));
    if (kernel === "6.12" || kernel === "6.18") {
      // 327e2c97c46a (6.10) drops alloc_size and with it the check: the mapping is made
      expect(lines).toEqual([]);
      expect(r1).not.toBe(DMA_MAPPING_ERROR);
    } else {
      expect([r1, r2]).toEqual([DMA_MAPPING_ERROR, DMA_MAPPING_ERROR]);
      expect(lines.map((l) => [l.level, l.message])).toEqual([["warn", `${dev.driver} ${dev.name}: Invalid sizes (mapping: 8192 bytes, alloc: 4096 bytes)`]]);
    }
    expect(k.faults).toEqual([]);
  });

  it("a log expectation fails when the step prints no such line, and `log: none` fails on a printed line", () => {
    const yaml = (log: string) => `
name: log expectation
platform: x86_64
kernel: "6.6"
config: { swiotlb: force }
steps:
  - { op: kmalloc, size: 512K, as: a }
  - { op: dma_map_single, buf: a, size: 260K, dir: DMA_TO_DEVICE, as: m, expect: { returns: DMA_MAPPING_ERROR, log: "${log}" } }
`;
    expect(runYaml(yaml("swiotlb buffer is full (sz: 266240")).ok).toBe(true);
    const wrong = runYaml(yaml("Invalid sizes"));
    expect(wrong.ok).toBe(false);
    expect(wrong.first_failure).toContain('step 1 dma_map_single: log "snd_hda_intel 0000:02:00.0: swiotlb buffer is full');
    expect(wrong.first_failure).toContain('expected "Invalid sizes"');
    const none = runYaml(yaml("none"));
    expect(none.ok).toBe(false);
    expect(none.expectations.find((e) => e.what === "log")!.expected).toBe("none");
  });
});

describe("!dev->dma_mask: no check in 5.6's inline dma_map_page_attrs (f959dcd6ddfd is 5.10)", () => {
  const noMask = (kernel: string, set: Record<string, string> = {}) => {
    const k = bootK("x86_64", kernel, set);
    const dev = [...k.devices.values()][0]!;
    dev.dma_mask = null; // a device whose driver never set up dev->dma_mask
    return { k, dev };
  };
  it("5.10, 5.14, 5.19, 6.1: WARN_ON_ONCE(!dev->dma_mask) and DMA_MAPPING_ERROR", () => {
    for (const v of ["5.10", "5.14", "5.19", "6.1"]) {
      const { k, dev } = noMask(v);
      expect(dma_map_page_attrs(k, dev, k.arch.pfn_to_page(0x10_0000), 0, 4096, DMA_TO_DEVICE, 0), v).toBe(DMA_MAPPING_ERROR);
      expect(k.faults.map((f) => [f.kind, f.message]), v).toEqual([["warn", "WARNING: dma_map_page_attrs: !dev->dma_mask"]]);
    }
  });
  it("5.6: no WARN; dma_capable fails the device, swiotlb bounces it and swiotlb_map's overflow dev_WARN_ONCE reads *dev->dma_mask: a NULL-pointer oops", () => {
    const { k, dev } = noMask("5.6", { mem: "8G" });
    let fault: unknown;
    try {
      dma_map_page_attrs(k, dev, k.arch.pfn_to_page(0x10_0000), 0, 4096, DMA_TO_DEVICE, 0);
    } catch (e) {
      fault = e;
    }
    expect(fault).toBeInstanceOf(KernelFault);
    const rec = (fault as KernelFault).record;
    expect(rec.kind).toBe("oops");
    expect(rec.pc).toBe("swiotlb_map");
    expect(k.faults.filter((f) => f.message.includes("!dev->dma_mask"))).toEqual([]);
  });
  it("5.6 with swiotlb=noforce: dma_direct_map_page's overflow dev_WARN_ONCE oopses the same way", () => {
    const { k, dev } = noMask("5.6", { swiotlb: "noforce" });
    expect(() => dma_map_page_attrs(k, dev, k.arch.pfn_to_page(0x1000), 0, 4096, DMA_TO_DEVICE, 0)).toThrow(KernelFault);
    expect(k.faults).toEqual([]);
  });
});

describe("arch/arm/xen/p2m.c: a pfn already in the p2m tree is a pr_warn, not a WARN", () => {
  it("rpi4-xen 5.19: the second set_phys_to_machine of a pfn prints the tree's line and fails; no fault", async () => {
    const { set_phys_to_machine } = await import("../src/xen/p2m.js");
    const k = bootK("rpi4-xen", "5.19");
    expect(set_phys_to_machine(k, 0x12345, 0x80001, 1)).toBe(true);
    expect(set_phys_to_machine(k, 0x12345, 0x80002, 1)).toBe(false);
    expect(k.klog.at(-1)).toEqual({ level: "warn", step: -1, message: "xen_add_phys_to_mach_entry: cannot add pfn=0x0000000000012345 -> mfn=0x0000000000080002: pfn=0x0000000000012345 -> mfn=0x0000000000080001 already exists" });
    expect(k.faults).toEqual([]);
  });
});

describe("intel-iommu __domain_mapping: a leaf already set is pr_crit + WARN_ON(1), and the mapping goes on", () => {
  it("5.19 x86_64-iommu: the old entry stays, the next page is mapped, the call returns 0", async () => {
    const m = await import("../src/drivers/iommu/intel/iommu.js");
    const k = bootK("x86_64-iommu", "5.19");
    const d = m.intel_domain_alloc(k, "dmar0", 99);
    const rw = m.DMA_PTE_READ | m.DMA_PTE_WRITE;
    expect(m.domain_pfn_mapping(k, d, 0x100, 0x5000, 1, rw)).toBe(0);
    expect(m.domain_pfn_mapping(k, d, 0x100, 0x6000, 2, rw)).toBe(0);
    expect(k.klog.filter((l) => l.level === "crit").map((l) => l.message)).toEqual(["ERROR: DMA PTE for vPFN 0x100 already set (to 5000003 not 6000003)"]);
    expect(k.faults.map((f) => [f.kind, f.pc])).toEqual([["warn", "__domain_mapping"]]);
    // vPFN 0x100 still points at 0x5000000, vPFN 0x101 got the second call's second page
    const bdf = { bus: 2, dev: 0, fn: 0 };
    expect(m.dmar_translate(k, d, bdf, 0x100_000, false)).toBe(0x500_0000);
    expect(m.dmar_translate(k, d, bdf, 0x101_000, false)).toBe(0x600_1000);
  });
});

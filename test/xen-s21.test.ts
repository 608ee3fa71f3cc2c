/**
 * Stop 21: Xen defects found and not fixed at stop 20 (docs/verified-facts.md "Xen, stop 21").
 * 1. 5.6–5.12 xen_swiotlb_dma_supported reads swiotlb-xen's own xen_io_tlb_end, NULL after a failed
 *    xen_swiotlb_init (5.6.4 drivers/xen/swiotlb-xen.c:537–539, 5.10.7 / 5.12.9 :561–563).
 */
import { describe, expect, it } from "vitest";
import type { Kernel } from "../src/kernel.js";
import { Tracer } from "../src/core/trace.js";
import { GFP_KERNEL, __GFP_DMA32 } from "../src/include/gfp.js";
import { alloc_pages } from "../src/mm/mm.js";
import { dma_set_mask } from "../src/kernel/dma/mapping.js";
import { xen_mm_init } from "../src/xen/init.js";
import { bootK } from "./helpers.js";

const M32 = (1n << 32n) - 1n;
const M64 = (1n << 64n) - 1n;

/** rpi4-xen mem=1G (no mem_init pool): xen_mm_init run again with no page the late xen_swiotlb_init could take. */
function failedXenInit(kernel: string, set: Record<string, string> = {}): Kernel {
  const k = bootK("rpi4-xen", kernel, { mem: "1G", ...set });
  // the state before xen_mm_init: no pool, swiotlb-xen's pointers NULL
  k.io_tlb_default_mem = null;
  delete k.xen!.xen_io_tlb_start;
  delete k.xen!.xen_io_tlb_end;
  for (let order = 10; order >= 0; order--) while (alloc_pages(k, GFP_KERNEL | __GFP_DMA32, order, "drain")) {}
  const n = k.klog.length;
  xen_mm_init(k);
  expect(k.klog.slice(n).slice(-2).map((l) => `${l.level}: ${l.message}`)).toEqual(["err: xen:swiotlb_xen: Cannot allocate Xen-SWIOTLB buffer", "err:  (rc:-12)"]);
  expect(k.io_tlb_default_mem).toBeNull();
  return k;
}

describe("5.6–5.12 xen_swiotlb_dma_supported: xen_virt_to_bus(hwdev, xen_io_tlb_end - 1) <= mask", () => {
  it("with the late pool: xen_io_tlb_end is the pool's end (linear address), so a mask just below its last byte is -EIO", () => {
    for (const kernel of ["5.6", "5.10"]) {
      const k = bootK("rpi4-xen", kernel, { mem: "1G" });
      const pool = k.io_tlb_default_mem!;
      expect([pool.start, pool.nslabs]).toEqual([0x3700_0000, 2048]);
      expect([k.xen!.xen_io_tlb_start, k.xen!.xen_io_tlb_end]).toEqual([k.arch.__va(0x3700_0000), k.arch.__va(0x3740_0000)]);
      const dev = k.devices.get("fd580000.ethernet")!; // no dma-ranges: bus = phys
      expect(dma_set_mask(k, dev, 0x373f_ffffn)).toBe(0);
      expect(dma_set_mask(k, dev, 0x373f_fffen)).toBe(-5);
    }
  });

  it.each(["5.6", "5.10"])("%s after a failed xen_swiotlb_init: NULL - 1 is a kernel-image address to virt_to_phys (~0 - kimage_voffset = 0x7ffff01fffff): a 32-bit mask is -EIO, a 64-bit one is accepted", (kernel) => {
    const k = failedXenInit(kernel);
    k.tr = new Tracer();
    const plain = k.devices.get("fd580000.ethernet")!; // no dma-ranges
    const ranged = k.devices.get("fe340000.mmc")!; // dma-ranges: 5.10's translate_phys_to_dma finds no range, DMA_MAPPING_ERROR
    expect([dma_set_mask(k, plain, M32), dma_set_mask(k, ranged, M32), dma_set_mask(k, plain, M64), dma_set_mask(k, ranged, M64)]).toEqual([-5, -5, 0, 0]);
    const notes = k.tr.events.filter((e) => e.kind === "note").map((e) => (e as { text: string }).text);
    const bus = kernel === "5.6" ? "0x7ffff01fffff" : "0xffffffffffffffff"; // 5.6's xen_virt_to_bus has no phys_to_dma
    expect(notes[0]).toBe("xen_virt_to_bus(xen_io_tlb_end - 1 = NULL - 1 (xen_swiotlb_init set up no pool)): virt_to_phys 0x7ffff01fffff, bus 0x7ffff01fffff vs mask 0xffffffff");
    expect(notes[1]).toBe(`xen_virt_to_bus(xen_io_tlb_end - 1 = NULL - 1 (xen_swiotlb_init set up no pool)): virt_to_phys 0x7ffff01fffff, bus ${bus} vs mask 0xffffffff`);
  });

  it("5.10 with CONFIG_DEBUG_VIRTUAL: each dma_set_mask WARNs in __virt_to_phys (arch/arm64/mm/physaddr.c:12) on the non-linear ~0", () => {
    const k = failedXenInit("5.10", { CONFIG_DEBUG_VIRTUAL: "y" });
    const before = k.faults.length;
    expect(dma_set_mask(k, k.devices.get("fd580000.ethernet")!, M32)).toBe(-5);
    expect(k.faults.slice(before).map((f) => [f.kind, f.message, f.pc])).toEqual([["warn", "virt_to_phys used for non-linear address: ffffffffffffffff (0xffffffffffffffff)", "__virt_to_phys"]]);
  });
});

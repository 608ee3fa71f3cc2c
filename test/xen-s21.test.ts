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
import * as api from "../src/kernel/dma/mapping.js";
import { dma_set_mask } from "../src/kernel/dma/mapping.js";
import { bfn_to_local_pfn, bfn_to_pfn, pfn_to_bfn, pseudo_phys_of } from "../src/xen/p2m.js";
import { range_straddles_page_boundary, xen_phys_to_bus } from "../src/xen/swiotlb-xen.js";
import { xen_mm_init } from "../src/xen/init.js";
import { bootK, runYaml } from "./helpers.js";

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

/**
 * 2. x86 PV dom0's e820 holes are identity frames in the P2M: arch/x86/xen/setup.c xen_memory_setup's
 *    xen_foreach_remap_area(max_pfn, xen_set_identity_and_remap_chunk) (5.6.4 setup.c:453–490, :916–918; 6.18.35
 *    :408–444, :975–977) and arch/x86/xen/p2m.c set_phys_range_identity (5.6.4 :634–652, 6.18.35 :619–637).
 *    x86_64-xen-pv's e820 is RAM [1 MiB, mem) with dom0_mem = mem: the hole [0, 1 MiB) is below dom0's 2^20 pages, its
 *    frames have no e820 RAM past the allocation to be remapped into, so they are released to Xen.
 */
describe("x86 PV: the e820 hole below 1 MiB is IDENTITY_FRAME in the P2M, its builder frames back in Xen's heap", () => {
  const ALL = ["5.6", "5.10", "5.13", "5.14", "5.15", "5.19", "6.1", "6.6", "6.12", "6.18"];
  it.each(ALL)("%s: xen_set_identity_and_release_chunk's messages, pfn_to_mfn / mfn_to_pfn / xen_phys_to_bus on hole frames", (kernel) => {
    const k = bootK("x86_64-xen-pv", kernel);
    // setup_arch's xen_memory_setup prints before anything else of the boot
    expect(k.klog.slice(0, 2).map((l) => `${l.level}: ${l.message}`)).toEqual(["warn: Unable to find available pfn range, not remapping identity pages", "info: Released 256 page(s)"]);
    // pfn_to_mfn: IDENTITY_FRAME(pfn) with the bit masked off — the pfn itself; the first RAM pfn keeps the builder's frame
    expect([pfn_to_bfn(k, 0), pfn_to_bfn(k, 0x9f), pfn_to_bfn(k, 0xff), pfn_to_bfn(k, 0x100)]).toEqual([0, 0x9f, 0xff, 0x3fff00]);
    expect(xen_phys_to_bus(k, 0xa_0123)).toBe(0xa_0123); // the VGA hole's bus address is its pseudo-physical one
    // mfn_to_pfn(0x9f): the M2P does not name dom0 (Xen's own memory), but __pfn_to_mfn(0x9f) == IDENTITY_FRAME(0x9f): 0x9f
    expect(bfn_to_pfn(k, 0x9f)).toBe(0x9f);
    expect(pseudo_phys_of(k, 0x9_f010)).toBe("0x9f010");
    // bfn_to_local_pfn keeps its round trip (__pfn_to_mfn is IDENTITY_FRAME(pfn), not mfn): not local
    expect(bfn_to_local_pfn(k, 0x9f)).toBe(-1);
    // the frames the builder had put at pfns 0..255 (machine 0x3ffe00..0x3ffeff) are Xen's again: the M2P names no
    // pfn, and as pfns they lie beyond dom0's 2^20-page P2M, so mfn_to_pfn falls back to the identity
    expect(k.xen!.p2m!.m2p(0x3ffe00)).toBe(-1);
    expect(bfn_to_pfn(k, 0x3ffe00)).toBe(0x3ffe00);
    // range_straddles_page_boundary: inside the hole machine-contiguous; across its end (pfn 0xff → 0x100) not
    expect(range_straddles_page_boundary(k, 0x9_e000, 0x2000)).toBe(false);
    expect(range_straddles_page_boundary(k, 0xf_f000, 0x2000)).toBe(true);
  });

  it("5.13: xen_destroy_contiguous_region's single frames now come from the top of machine memory, the released hole frames", () => {
    const k = bootK("x86_64-xen-pv", "5.13");
    const dev = k.devices.get(k.platform.defaultDevice)!;
    const r = api.dma_alloc_attrs(k, dev, 8192, GFP_KERNEL, 0)!;
    const pfn = k.arch.virt_to_phys(k, r.cpu_addr) / 4096;
    expect([pfn, r.dma_handle]).toEqual([0xf7f3a, 0xffffe000]); // exchanged below 4 GiB (the first free pages lie below the swiotlb metadata memblock took at the top of RAM, s21-boot)
    api.dma_free_attrs(k, dev, 8192, r.cpu_addr, r.dma_handle, 0);
    // XENMEM_exchange out with address_bits 0: Xen's highest free frames, 0x3ffeff down (dmasim without the hole: 0x308205)
    expect([pfn_to_bfn(k, pfn), pfn_to_bfn(k, pfn + 1)]).toEqual([0x3ffeff, 0x3ffefe]);
  });

  it("6.18 run --trace: dma_map_resource of the hole is its physical address (xen_swiotlb_direct_map_resource), and a device write there reads back as that pseudo-physical address", () => {
    const r = runYaml(
      `
name: a PV dom0 device writes into the legacy VGA hole
platform: x86_64-xen-pv
kernel: "6.18"
steps:
  - { op: dma_map_resource, phys_addr: 0xa0000, size: 4096, dir: DMA_FROM_DEVICE }
  - { op: device_write, dma_addr: 0xa0010, data: "vga" }
`,
      { trace: true },
    );
    expect(r.steps[0]!.result.ret).toBe("0xa0000");
    const mem = r.steps[1]!.trace.filter((e) => e.kind === "mem").map((e) => e as { phys: string; pseudo?: string });
    expect(mem).toEqual([expect.objectContaining({ phys: "0xa0010", pseudo: "0xa0010" })]); // was "-1" (a frame dom0 did not own)
  });
});

/**
 * 3. The swiotlb-xen walk: 5.6's xen_swiotlb_map_page hands swiotlb_tbl_map_single its own start_dma_addr
 *    (5.6.4 drivers/xen/swiotlb-xen.c:55, :244, :389–390), removed by ae4f0a17ee59 (5.9).
 */
describe("5.6 xen_swiotlb_map_page: tbl_dma_addr is swiotlb-xen's start_dma_addr", () => {
  const y = (platform: string, kernel: string) => `
name: a bounced map
platform: ${platform}
kernel: "${kernel}"
steps:
  - { op: dma_set_mask, bits: 32 }
  - { op: kmalloc, size: 4096, as: b }
  - { op: dma_map_single, buf: b, size: 4096, dir: DMA_TO_DEVICE }
`;
  const note = (r: ReturnType<typeof runYaml>) => r.steps[2]!.trace.filter((e) => e.kind === "note").map((e) => (e as { text: string }).text).find((t) => t.startsWith("swiotlb_tbl_map_single(dev, start_dma_addr"));
  it("x86 PV: xen_virt_to_bus(xen_io_tlb_start) after the fixup — the pool's first machine address, not its pseudo-physical 0xf8000000", () => {
    const k = bootK("x86_64-xen-pv", "5.6");
    expect([k.io_tlb_default_mem!.start, k.xen!.start_dma_addr]).toEqual([0xf800_0000, 0x7fc_0000]);
    expect(pfn_to_bfn(k, 0xf8000)).toBe(0x7fc0);
    const r = runYaml(y("x86_64-xen-pv", "5.6"), { trace: true, set: { swiotlb: "force" } });
    expect(note(r)).toBe("swiotlb_tbl_map_single(dev, start_dma_addr = 0x7fc0000, phys, …): the segment-boundary search's tbl_dma_addr");
  });
  it("rpi4-xen: xen_swiotlb_init reused arm64's pool (goto end), so start_dma_addr stays 0; 5.10 has none", () => {
    expect(bootK("rpi4-xen", "5.6").xen!.start_dma_addr).toBeUndefined();
    const r = runYaml(y("rpi4-xen", "5.6"), { trace: true, set: { swiotlb: "force" } });
    expect(note(r)).toBe("swiotlb_tbl_map_single(dev, start_dma_addr = 0x0, phys, …): the segment-boundary search's tbl_dma_addr");
    expect(note(runYaml(y("rpi4-xen", "5.10"), { trace: true, set: { swiotlb: "force" } }))).toBeUndefined();
    expect(bootK("x86_64-xen-pv", "5.10").xen!.start_dma_addr).toBeUndefined();
  });
});

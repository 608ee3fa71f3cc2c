/**
 * kernel/dma/swiotlb.c swiotlb_print_info is a pr_info ("No low mem": pr_warn) in every version:
 * 5.6.4 swiotlb.c:171–177 ("mapped [mem %#010llx-%#010llx] (%luMB)"), 5.10.7 :171–177 and
 * 5.14-rc5 :133–138 ("%pa-%pa"), 5.15.178 on as well. dmasim recorded it in the run's kernel log
 * from 5.15 only (the 5.6–5.14 eras wrote a trace note), so `run --json`'s log lost a boot line
 * on older kernels. On x86 the pool is set up quietly (pci_swiotlb_init's swiotlb_init(0); 5.19+
 * x86_swiotlb_flags without SWIOTLB_VERBOSE) and reported late, "PCI-DMA: Using software bounce
 * buffering for IO (SWIOTLB)" then print_info (5.6.4 pci-swiotlb.c:68–78, 6.18.35 pci-dma.c:179–180);
 * a 5.6–5.18 PV dom0 prints from xen_swiotlb_init instead, with no PCI-DMA line. dmasim printed
 * no PCI-DMA line at all, and the PV pool of 5.19+ as if SWIOTLB_VERBOSE were set.
 */
import { describe, expect, it } from "vitest";
import { runYaml } from "./helpers.js";

const y = (kernel: string, platform = "rpi4") => `
name: boot
platform: ${platform}
kernel: "${kernel}"
steps:
  - { op: kmalloc, size: 64, as: b }
`;

describe("software IO TLB: mapped [mem …] in the kernel log of every version (rpi4: 4 GiB of RAM, a 30-bit ZONE_DMA)", () => {
  it("5.6 prints %#010llx, 5.10 on %pa", () => {
    const tlb = (kernel: string) => (runYaml(y(kernel)).log ?? []).filter((l) => l.message.startsWith("software IO TLB: mapped"));
    expect(tlb("5.6")).toEqual([{ level: "info", message: "software IO TLB: mapped [mem 0x33400000-0x37400000] (64MB)", step: -1 }]);
    for (const kernel of ["5.10", "5.13", "5.14", "5.15", "6.1"]) {
      expect(tlb(kernel), kernel).toEqual([{ level: "info", message: "software IO TLB: mapped [mem 0x0000000033400000-0x0000000037400000] (64MB)", step: -1 }]);
    }
  });
  it("x86_64: reported late with the PCI-DMA line; an x86 PV dom0 without it to 5.18 (xen_swiotlb_init prints), with it from 5.19 (3f70356edf56)", () => {
    const log = (kernel: string, platform: string) => (runYaml(y(kernel, platform)).log ?? []).map((l) => l.message).filter((m) => !m.includes("area num"));
    const pci = "PCI-DMA: Using software bounce buffering for IO (SWIOTLB)";
    expect(log("5.6", "x86_64")).toEqual([pci, "software IO TLB: mapped [mem 0xbc000000-0xc0000000] (64MB)"]);
    for (const kernel of ["5.10", "5.19", "6.18"]) expect(log(kernel, "x86_64"), kernel).toEqual([pci, "software IO TLB: mapped [mem 0x00000000bc000000-0x00000000c0000000] (64MB)"]);
    // a PV dom0's log starts with setup_arch's xen_memory_setup and xen_pagetable_init → xen_remap_memory lines
    // (arch/x86/xen/setup.c): the PC's holes below dom0_mem (97 pages under 1 MiB, the PCI hole) are remapped past it;
    // the pool sits at the top of that remapped RAM
    const pv = ["Released 0 page(s)", "Remapped 262241 page(s)"];
    expect(log("5.10", "x86_64-xen-pv")).toEqual([...pv, "software IO TLB: mapped [mem 0x000000013c061000-0x0000000140061000] (64MB)"]);
    for (const kernel of ["5.19", "6.1"]) expect(log(kernel, "x86_64-xen-pv"), kernel).toEqual([...pv, pci, "software IO TLB: mapped [mem 0x000000013c061000-0x0000000140061000] (64MB)"]);
  });
  it("the atomic pools' pr_info lines are kernel log lines too: 5.6 remap.c's one pool, 5.8+ pool.c's three with %pGg, ARM's own", () => {
    const dma = (kernel: string, platform = "rpi4") => (runYaml(y(kernel, platform)).log ?? []).filter((l) => l.message.startsWith("DMA: ")).map((l) => `${l.level} ${l.message}`);
    expect(dma("5.6")).toEqual(["info DMA: preallocated 256 KiB pool for atomic allocations"]); // 5.6.4 kernel/dma/remap.c:157
    expect(dma("5.10")).toEqual(["GFP_KERNEL", "GFP_KERNEL|GFP_DMA", "GFP_KERNEL|GFP_DMA32"].map((g) => `info DMA: preallocated 472 KiB ${g} pool for atomic allocations`)); // 5.10.7 pool.c:185: atomic_pool_size (totalram / 8192 pages), not the 2^order pages each pool gets
    expect(dma("5.10", "arm32")).toEqual(["info DMA: preallocated 256 KiB pool for atomic coherent allocations"]); // 5.10.7 arch/arm/mm/dma-mapping.c
  });
  it("dma_debug_init's pr_info lines are kernel log lines (5.10.7 kernel/dma/debug.c:901, :915)", () => {
    const r = runYaml(y("5.10"), { set: { CONFIG_DMA_API_DEBUG: "y" } });
    expect((r.log ?? []).filter((l) => l.message.startsWith("DMA-API: ")).map((l) => `${l.level} ${l.message}`)).toEqual(["info DMA-API: preallocated 65536 debug entries", "info DMA-API: debugging enabled by kernel config"]);
  });
});

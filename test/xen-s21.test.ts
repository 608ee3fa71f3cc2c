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
import { bfn_to_local_pfn, bfn_to_pfn, pfn_to_bfn, pseudo_phys_of } from "../src/xen/p2m.js";
import { range_straddles_page_boundary, xen_phys_to_bus } from "../src/xen/swiotlb-xen.js";
import { xen_mm_init } from "../src/xen/init.js";
import { xen_set_identity_and_remap } from "../src/xen/setup.js";
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
    // the pool is the highest free 4 MiB on 5.6, the lowest from 5.10 (boot memory to the free lists' tails, 7fef431be9c9)
    for (const [kernel, start] of [["5.6", 0x3700_0000], ["5.10", 0x1c0_0000]] as const) {
      const k = bootK("rpi4-xen", kernel, { mem: "1G" });
      const pool = k.io_tlb_default_mem!;
      expect([pool.start, pool.nslabs], kernel).toEqual([start, 2048]);
      expect([k.xen!.xen_io_tlb_start, k.xen!.xen_io_tlb_end]).toEqual([k.arch.__va(start), k.arch.__va(start + 0x40_0000)]);
      const dev = k.devices.get("fd580000.ethernet")!; // no dma-ranges: bus = phys
      expect(dma_set_mask(k, dev, BigInt(start + 0x3f_ffff)), kernel).toBe(0);
      expect(dma_set_mask(k, dev, BigInt(start + 0x3f_fffe)), kernel).toBe(-5);
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

describe("the 5.6–5.12 xen_io_tlb_end test is keyed by the commit that removed it, 6223d1cef7b4 (5.13), not 97729b653de5", () => {
  // Kernel.sw is a frozen per-version object: a test swaps in a copy with one switch changed
  const withSw = (k: Kernel, commit: string, on: boolean) => ((k as unknown as { sw: Record<string, boolean> }).sw = { ...k.sw, [commit]: on });
  const note = (k: Kernel, mask: bigint) => {
    k.tr = new Tracer();
    dma_set_mask(k, k.devices.get("fd580000.ethernet")!, mask);
    return k.tr.events.filter((e) => e.kind === "note").map((e) => (e as { text: string }).text)[0];
  };
  it("5.10 with 6223d1cef7b4 applied reads swiotlb's pool (io_tlb_default_mem.end - 1), not xen_io_tlb_end; 5.13 without it reads xen_io_tlb_end", () => {
    const k = bootK("rpi4-xen", "5.10", { mem: "1G" });
    expect(note(k, M32)).toMatch(/^xen_virt_to_bus\(xen_io_tlb_end - 1 = /);
    withSw(k, "6223d1cef7b4", true);
    expect(note(k, M32)).toBe("xen_phys_to_dma(io_tlb_default_mem.end - 1 = 0x1ffffff) = 0x1ffffff vs mask 0xffffffff");
    const k13 = bootK("rpi4-xen", "5.13", { mem: "1G" });
    expect(note(k13, M32)).toMatch(/^xen_phys_to_dma\(/);
    withSw(k13, "6223d1cef7b4", false);
    expect(note(k13, M32)).toMatch(/^xen_virt_to_bus\(xen_io_tlb_end - 1 = NULL - 1/); // 5.13 sets no xen_io_tlb_end
  });
});

/**
 * 2. x86 PV dom0's e820 holes are identity frames in the P2M: arch/x86/xen/setup.c xen_memory_setup's
 *    xen_foreach_remap_area(max_pfn, xen_set_identity_and_remap_chunk) (5.6.4 setup.c:453–490, :916–918; 6.18.35
 *    :408–444, :975–977) and arch/x86/xen/p2m.c set_phys_range_identity (5.6.4 :634–652, 6.18.35 :619–637).
 *    dom0's xen_e820_table is XENMEM_machine_memory_map (5.10.7 setup.c:752–755): x86_64-xen-pv's machine is a PC —
 *    RAM to 0x9fc00, RAM [1 MiB, 3 GiB), the PCI hole, RAM from 4 GiB — so (stop 23) pfns 0x9f–0xff and the hole
 *    below dom0_mem are identity, and their frames are remapped past nr_pages by xen_pagetable_init's
 *    xen_remap_memory (5.10.7 setup.c:499–541, mmu_pv.c:1204).
 */
describe("x86 PV: xen_memory_setup walks the machine memory map", () => {
  const ALL = ["5.6", "5.10", "5.13", "5.14", "5.15", "5.19", "6.1", "6.6", "6.12", "6.18"];
  const top = (17 * 2 ** 30) / 4096; // the 16 GiB PC's RAM ends at 17 GiB
  it.each(ALL)("%s x86_64-xen-pv (dom0_mem 4 GiB): 'Released 0 page(s)', 'Remapped 262241 page(s)' — pfns 0x9f–0xff and 0xc0000–0xfffff identity, their frames at 0x100000–0x140060", (kernel) => {
    const k = bootK("x86_64-xen-pv", kernel);
    // setup_arch: xen_memory_setup's pr_info, then xen_pagetable_init's, before mem_init's swiotlb lines
    expect(k.klog.slice(0, 2).map((l) => `${l.level}: ${l.message}`)).toEqual(["info: Released 0 page(s)", "info: Remapped 262241 page(s)"]);
    expect(k.klog.some((l) => l.message.startsWith("Unable to find available pfn range"))).toBe(false);
    // pfn_to_mfn: the builder's frames (top of machine memory, 2 MiB chunks high to low), IDENTITY_FRAME in the holes
    expect([pfn_to_bfn(k, 0), pfn_to_bfn(k, 0x9e), pfn_to_bfn(k, 0x9f), pfn_to_bfn(k, 0xff), pfn_to_bfn(k, 0x100)]).toEqual([top - 512, top - 512 + 0x9e, 0x9f, 0xff, top - 512 + 0x100]);
    expect(xen_phys_to_bus(k, 0xa_0123)).toBe(0xa_0123);
    // the M2P follows the remap: pfn 0x9f's builder frame is pfn 0x100000's now, the hole's first one pfn 0x100061's
    expect([k.xen!.p2m!.m2p(top - 512), k.xen!.p2m!.m2p(top - 512 + 0x9f), k.xen!.p2m!.m2p(top - 0xc0200)]).toEqual([0, 0x10_0000, 0x10_0061]);
    expect(bfn_to_pfn(k, top - 512 + 0x9f)).toBe(0x10_0000);
    // the identity pfn 0xff and the builder's frame of pfn 0x100 are not machine-contiguous
    expect(range_straddles_page_boundary(k, 0xf_f000, 0x2000)).toBe(true);
    expect(range_straddles_page_boundary(k, 0x9_e000, 0x2000)).toBe(true);
    // xen_del_extra_mem took the remapped pfns out of the extra memory: what is left is [0x140061, 17 GiB)
    expect(k.xen!.p2m!.extra).toEqual([{ start_pfn: 0x14_0061, n_pfns: top - 0x14_0061 }]);
  });

  it("6.6 (6.6.63's backport), 6.12, 6.18: xen_remap_memory then runs xen_do_remap_nonram (be35d91c8880) — 'Remapped 0 non-RAM page(s)'; 6.1 has none", () => {
    const lines = (kernel: string) => bootK("x86_64-xen-pv", kernel).klog.filter((l) => l.message.startsWith("Remapped")).map((l) => `${l.level}: ${l.message}`);
    for (const kernel of ["6.6", "6.12", "6.18"]) expect(lines(kernel), kernel).toEqual(["info: Remapped 262241 page(s)", "info: Remapped 0 non-RAM page(s)"]);
    for (const kernel of ["5.6", "5.19", "6.1"]) expect(lines(kernel), kernel).toEqual(["info: Remapped 262241 page(s)"]);
  });

  it("dom0_mem 1 GiB: the PCI hole is past nr_pages (identity only); only the 97 pages below 1 MiB are remapped", () => {
    const k = bootK("x86_64-xen-pv", "6.18", { mem: "1G" });
    expect(k.klog.slice(0, 2).map((l) => l.message)).toEqual(["Released 0 page(s)", "Remapped 97 page(s)"]);
    expect([pfn_to_bfn(k, 0xc0000), bfn_to_pfn(k, 0xc0000)]).toEqual([0xc0000, 0xc0000]);
    // extra memory: RAM [1 GiB, 3 GiB) of the first entry, then 8 GiB from 4 GiB — EXTRA_MEM_RATIO × 1 GiB in all
    expect(k.xen!.p2m!.extra).toEqual([
      { start_pfn: 0x4_0061, n_pfns: 0xc_0000 - 0x4_0061 },
      { start_pfn: 0x10_0000, n_pfns: 0x20_0000 },
    ]);
    // the machine RAM past it was discarded from dom0's e820: dom0's RAM ends at 12 GiB
    const mb = k.memblock.memory;
    expect(mb[mb.length - 1]!.start + mb[mb.length - 1]!.size).toBe(12 * 2 ** 30);
  });

  it("a machine map whose RAM ends at dom0's last pfn (RAM [1 MiB, 4 GiB), nr_pages 2^20): the hole [0, 1 MiB) has no RAM to be remapped into — pr_warn, the 159 frames dom0 still has there released to Xen, identity pfns", () => {
    const k = bootK("x86_64-xen-pv", "6.18");
    const n = k.klog.length;
    xen_set_identity_and_remap(k, [{ start: 0x10_0000, size: 0x1_0000_0000 - 0x10_0000, type: "ram" }], 0x10_0000);
    // pfns 0x9f–0xff are identity already (the boot's remap): their frames are not dom0's there, only 0–0x9e are released
    expect(k.klog.slice(n).map((l) => `${l.level}: ${l.message}`)).toEqual(["warn: Unable to find available pfn range, not remapping identity pages", "info: Released 159 page(s)"]);
    // pfn_to_mfn: IDENTITY_FRAME(pfn) with the bit masked off — the pfn itself; the first RAM pfn keeps the builder's frame
    expect([pfn_to_bfn(k, 0), pfn_to_bfn(k, 0x9f), pfn_to_bfn(k, 0xff), pfn_to_bfn(k, 0x100)]).toEqual([0, 0x9f, 0xff, top - 512 + 0x100]);
    // mfn_to_pfn(0x9e): the M2P does not name dom0, but __pfn_to_mfn(0x9e) == IDENTITY_FRAME(0x9e): 0x9e
    expect(bfn_to_pfn(k, 0x9e)).toBe(0x9e);
    expect(pseudo_phys_of(k, 0x9_e010)).toBe("0x9e010");
    expect(bfn_to_local_pfn(k, 0x9e)).toBe(-1);
    // the builder's frame for pfn 0 is Xen's again; as a pfn it is extra memory (INVALID_P2M_ENTRY): ~0
    expect(k.xen!.p2m!.m2p(top - 512)).toBe(-1);
    expect(bfn_to_pfn(k, top - 512)).toBe(-1);
    expect(range_straddles_page_boundary(k, 0x9_e000, 0x2000)).toBe(false);
    expect(range_straddles_page_boundary(k, 0xf_f000, 0x2000)).toBe(true);
  });

  it("6.18 run --trace: a device write at bus 0x9e010 lands in machine frame 0x9e, Xen's own memory (the first 64 MiB), not dom0's", () => {
    const r = runYaml(
      `
name: a PV dom0 device writes at bus 0x9e000
platform: x86_64-xen-pv
kernel: "6.18"
steps:
  - { op: dma_map_resource, phys_addr: 0x9e000, size: 4096, dir: DMA_FROM_DEVICE }
  - { op: device_write, dma_addr: 0x9e010, data: "ebda" }
`,
      { trace: true },
    );
    expect(r.steps[0]!.result.ret).toBe("0x9e000");
    const mem = r.steps[1]!.trace.filter((e) => e.kind === "mem").map((e) => e as { phys: string; pseudo?: string });
    expect(mem).toEqual([expect.objectContaining({ phys: "0x9e010", pseudo: "-1" })]);
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
  it("x86 PV: xen_virt_to_bus(xen_io_tlb_start) after the fixup — the pool's first machine address, not its pseudo-physical 0x13c061000", () => {
    const k = bootK("x86_64-xen-pv", "5.6");
    expect([k.io_tlb_default_mem!.start, k.xen!.start_dma_addr]).toEqual([0x1_3c06_1000, 0x7fc_0000]);
    expect(pfn_to_bfn(k, 0x13_c061)).toBe(0x7fc0);
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

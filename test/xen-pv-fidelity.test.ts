/**
 * Stop 20: the x86 PV defects stop 19's Xen walk found (docs/verified-facts.md "Xen x86 PV, stop 20"):
 * x86's own xen_arch_need_swiotlb, mfn_to_pfn's identity fallback, and xen_after_bootmem's BUG().
 * Facts from arch/x86/include/asm/xen/page.h and arch/x86/xen/mmu_pv.c of 5.6.4, 5.10.7, 5.14-rc5,
 * 5.15.178, 5.19, 6.1.166, 6.6.63, 6.12.19, 6.18.35.
 */
import { describe, expect, it } from "vitest";
import type { Kernel } from "../src/kernel.js";
import type { Device } from "../src/drivers/device.js";
import { DmasimInternalError, KernelFault } from "../src/core/faults.js";
import { DMA_MAPPING_ERROR } from "../src/core/u64.js";
import { GFP_KERNEL, __GFP_DMA32 } from "../src/include/gfp.js";
import { alloc_pages, nr_free_pages_for } from "../src/mm/mm.js";
import { phys_to_dma } from "../src/kernel/dma/direct.js";
import { bfn_to_local_pfn, bfn_to_pfn, pfn_to_bfn, pseudo_phys_of } from "../src/xen/p2m.js";
import { xen_after_bootmem, xen_create_contiguous_region as pv_create_contiguous_region } from "../src/xen/mmu-pv.js";
import { xen_arch_need_swiotlb, xen_bus_to_phys } from "../src/xen/swiotlb-xen.js";
import { bootK, runCli, runYaml } from "./helpers.js";
import { cloneKernel } from "../src/boot-cache.js";
import { Tracer, renderTrace } from "../src/core/trace.js";
import { xen_swiotlb_fixup } from "../src/xen/swiotlb-xen.js";
import { swiotlb_max_segment } from "../src/kernel/dma/swiotlb/index.js";
import { xen_pv_swiotlb_alloc, xen_swiotlb_init_late } from "../src/xen/init.js";

const ALL = ["5.6", "5.10", "5.13", "5.14", "5.15", "5.19", "6.1", "6.6", "6.12", "6.18"];
const GiB = 2 ** 30;

describe("xen_arch_need_swiotlb: each arch runs its own", () => {
  it.each(ALL)("%s x86_64-xen-pv: arch/x86/include/asm/xen/page.h's `return false`, whatever ARM's test would say", (kernel) => {
    const k = bootK("x86_64-xen-pv", kernel);
    const dev = k.devices.values().next().value as Device;
    // a dom0 page: its machine frame is not its pseudo-physical frame (ARM's "foreign" test is true)
    const phys = 0x4000_0000;
    const dev_addr = pfn_to_bfn(k, phys / 4096) * 4096;
    expect(dev_addr).not.toBe(phys);
    // The same kernel seen by an arch whose devices do not snoop: arch/arm/xen/mm.c's test
    // (!hypercall_cflush && pfn != bfn && !dev_is_dma_coherent) would bounce; x86's function ignores it all.
    const nonCoherentArch = Object.create(k.arch, { allDmaCoherent: { value: false } }) as Kernel["arch"];
    const kk = Object.create(k, { arch: { value: nonCoherentArch }, xen: { value: { ...k.xen!, hypercall_cflush: false } } }) as Kernel;
    expect(xen_arch_need_swiotlb(kk, { ...dev, dma_coherent: false }, phys, dev_addr)).toBe(false);
    expect(k.xen!.hypercall_cflush).toBe(false); // x86 has no GNTTABOP_cache_flush probe (the field is arch/arm/xen/mm.c's)
  });

  it("rpi4-xen keeps arch/arm/xen/mm.c's: a foreign page without GNTTABOP_cache_flush bounces for a non-coherent device", () => {
    const k = bootK("rpi4-xen", "5.10", { xen_cache_flush: "n" });
    const dev = [...k.devices.values()].find((d) => !d.dma_coherent)!;
    // 5.10 (91ffe4ad534a): bfn = XEN_PFN_DOWN(dma_to_phys(dev, dev_addr)) — the bus address through dma-ranges
    expect(xen_arch_need_swiotlb(k, dev, 0x1000_0000, phys_to_dma(k, dev, 0x1000_0000))).toBe(false); // local: pfn == bfn
    expect(xen_arch_need_swiotlb(k, dev, 0x1000_0000, phys_to_dma(k, dev, 0x2000_0000))).toBe(true); // foreign
  });
});

describe("mfn_to_pfn (arch/x86/include/asm/xen/page.h, 5.6–6.18): the M2P, its round trip, and the identity beyond the P2M", () => {
  it.each(ALL)("%s x86_64-xen-pv (4 GiB dom0, 16 GiB machine)", (kernel) => {
    const k = bootK("x86_64-xen-pv", kernel);
    const len = k.xen!.p2m!.length;
    expect(len).toBe(4 * GiB / 4096);
    // dom0's own frame: the M2P entry, checked by the P2M
    const pfn = 0x12345;
    const mfn = pfn_to_bfn(k, pfn);
    expect(bfn_to_pfn(k, mfn)).toBe(pfn);
    // a machine frame below the P2M's end that dom0 does not own (Xen's heap): M2P ~0, and
    // __pfn_to_mfn(mfn) is dom0's frame there, not IDENTITY_FRAME(mfn): ~0
    const heap = 0x4_0000; // 1 GiB
    expect(k.xen!.p2m!.m2p(heap)).toBe(-1);
    expect(bfn_to_pfn(k, heap)).toBe(-1);
    // a machine frame in the PCI hole (MMIO): no M2P entry, and __pfn_to_mfn(mfn) is IDENTITY_FRAME(mfn) — xen_memory_setup
    // made the hole identity — so mfn_to_pfn answers mfn itself (page.h :233 in 5.6.4, :224 in 6.18.35)
    for (const m of [0xc_0000, 0xf_ffff]) expect([k.xen!.p2m!.m2p(m), bfn_to_pfn(k, m)]).toEqual([-1, m]);
    // Xen's heap above 4 GiB: as pfns those frame numbers are the remapped RAM (0x100000–0x140060: dom0's entries there
    // name other frames) or the extra memory (INVALID_P2M_ENTRY): ~0 either way
    for (const m of [0x10_0000, 0x14_0000, 0x20_0000]) expect([k.xen!.p2m!.m2p(m), bfn_to_pfn(k, m)]).toEqual([-1, -1]);
    // a frame past the P2M and the extra memory (16 TiB): identity
    expect(bfn_to_pfn(k, 0x3ff_ffff)).toBe(0x3ff_ffff);
    // bfn_to_local_pfn (is_xen_swiotlb_buffer / xen_swiotlb_find_pool) keeps its own round trip: an identity frame is not local
    expect(bfn_to_local_pfn(k, 0xc_0000)).toBe(-1);
    expect(bfn_to_local_pfn(k, mfn)).toBe(pfn);
    // past the P2M: the remapped RAM has entries, the extra memory INVALID_P2M_ENTRY (pfn_to_mfn masks nothing: ~0)
    expect(pfn_to_bfn(k, len + 5)).toBe(0x44_0000 - 512 + 0xa4); // the builder gave pfn 0xa4 (now identity) this frame: remapped to 0x100005
    expect(pfn_to_bfn(k, 0x20_0000)).toBe(-1);
    expect(pfn_to_bfn(k, 0x3ff_ffff)).toBe(0x3ff_ffff);
    // DMA_MAPPING_ERROR (~0): frame 0xfffffffffffff is beyond everything, so xen_bus_to_phys gives ~0 back
    expect(xen_bus_to_phys(k, DMA_MAPPING_ERROR)).toBe(DMA_MAPPING_ERROR);
    // the trace's pseudo-physical address of a machine address (machine_to_phys)
    expect(pseudo_phys_of(k, 0xc000_0123)).toBe("0xc0000123");
    expect(pseudo_phys_of(k, 0x1_4000_0123)).toBe("-1");
    expect(pseudo_phys_of(k, 0x4000_0123)).toBe("-1");
    expect(pseudo_phys_of(k, mfn * 4096 + 0x10)).toBe("0x" + (pfn * 4096 + 0x10).toString(16));
  });

  it("run --trace, dom0_mem 1 GiB: a device write to Xen's memory past the extra memory (12 GiB) reads back as the identity, one in it (8 GiB) or below nr_pages as ~0", () => {
    const r = runYaml(
      `
name: stray device writes on a PV dom0
platform: x86_64-xen-pv
kernel: "6.18"
steps:
  - { op: device_write, dma_addr: 0x300000000, data: "beyond the P2M" }
  - { op: device_write, dma_addr: 0x200000000, data: "extra memory" }
  - { op: device_write, dma_addr: 0x20000000, data: "below its end" }
`,
      { trace: true, set: { mem: "1G" } },
    );
    const mems = r.steps.map((s) => s.trace.filter((e) => e.kind === "mem").map((e) => (e as { phys: string; pseudo?: string })));
    expect(mems[0]).toEqual([expect.objectContaining({ phys: "0x300000000", pseudo: "0x300000000" })]);
    expect(mems[1]).toEqual([expect.objectContaining({ phys: "0x200000000", pseudo: "-1" })]);
    expect(mems[2]).toEqual([expect.objectContaining({ phys: "0x20000000", pseudo: "-1" })]);
  });
});

describe("xen_after_bootmem's BUG() (6.1.166 mmu_pv.c:849, 6.12.19 :864, 6.18.35 :862)", () => {
  it("is unreachable: the largest swiotlb buffer that boots with mem=1G still leaves free pages at xen_after_bootmem", () => {
    // 6.18 rounds 491520 slabs up to 2^19 (round_up_default_nslabs), which does not fit: swiotlb_init_remap halves to 2^18
    const k = bootK("x86_64-xen-pv", "6.18", { mem: "1G", swiotlb: "491520" });
    expect(k.xen!.discontig_frames).toEqual({ order: 9, page: expect.any(Number) });
    const k2 = bootK("x86_64-xen-pv", "6.18", { mem: "1G", swiotlb: "262143" }); // 2^18 - 1: rounded up to 2^18, fits
    expect([k2.io_tlb_default_mem!.nslabs, k2.xen!.discontig_frames?.order]).toEqual([262144, 9]);
  });

  it("a failure there is a DmasimInternalError, not a plain Error", () => {
    const k = bootK("x86_64-xen-pv", "6.18", { mem: "1G" });
    for (let order = 10; order >= 0; order--) while (alloc_pages(k, GFP_KERNEL, order, "drain")) {}
    expect(() => xen_after_bootmem(k)).toThrow(DmasimInternalError);
  });
});

describe("xen_swiotlb_fixup: dma_bits is set once, before the loop over the chunks (5.6.4 swiotlb-xen.c:127, 6.18.35 :120)", () => {
  it.each(["5.10", "6.18"])("%s: a chunk asks Xen from the bits the chunk before it needed, never from 18 again", (kernel) => {
    const k0 = bootK("x86_64-xen-pv", kernel);
    const pool = k0.io_tlb_default_mem!;
    const k = cloneKernel(k0);
    k.tr = new Tracer();
    expect(xen_swiotlb_fixup(k, pool.start, pool.nslabs)).toBe(0);
    const bits = k.tr.events
      .filter((e) => e.kind === "call" && (e as { fn: string }).fn === "xen_create_contiguous_region")
      .map((e) => Number((e as unknown as { args: Record<string, string> }).args.address_bits));
    // Xen's free memory starts at 64 MiB: the first chunk tries 18 … 27, every later one starts at 27 or above
    expect(bits.slice(0, 10)).toEqual([18, 19, 20, 21, 22, 23, 24, 25, 26, 27]);
    for (let i = 1; i < bits.length; i++) expect(bits[i]!).toBeGreaterThanOrEqual(bits[i - 1]!);
    // one call per chunk once the bits are found (the pool's 64 MiB: 256 chunks, at most 5 more limits up to 32)
    expect(bits.length).toBeLessThanOrEqual(pool.nslabs / 128 + 9 + 5);
  });
});

describe("xen_swiotlb_dma_supported without a pool (rpi4-xen mem=1G, swiotlb=noforce: no mem_init pool, none late either)", () => {
  const y = `
name: dma_set_mask on a Xen device without a swiotlb pool
platform: rpi4-xen
steps:
  - { op: dma_set_mask, bits: 32 }
  - { op: dma_set_mask, bits: 64 }
`;
  it("5.14: io_tlb_default_mem is NULL and ->end (offset 8) oopses (5.14-rc5 swiotlb-xen.c:550)", () => {
    const r = runYaml(y, { kernel: "5.14", set: { mem: "1G", swiotlb: "noforce" } });
    expect(r.faults.map((f) => [f.kind, f.message, f.pc])).toEqual([["oops", "Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008", "xen_swiotlb_dma_supported"]]);
  });
  it.each(["5.15", "5.19", "6.1", "6.6", "6.12", "6.18"])("%s: the static io_tlb_default_mem's end - 1 is ~0: a 32-bit mask is -EIO, a 64-bit one is accepted", (kernel) => {
    const r = runYaml(y, { kernel, set: { mem: "1G", swiotlb: "noforce" } });
    expect(r.steps.map((s) => s.result.ret)).toEqual(["-EIO", "0"]);
  });
  it("6.6 with CONFIG_SWIOTLB_DYNAMIC: phys_limit was never set (swiotlb_init_remap returns before it on swiotlb_force_disable): 0 fits any mask", () => {
    const r = runYaml(y, { kernel: "6.6", set: { mem: "1G", swiotlb: "noforce", CONFIG_SWIOTLB_DYNAMIC: "y" } });
    expect(r.steps.map((s) => s.result.ret)).toEqual(["0", "0"]);
  });
});

describe("rpi4-xen 5.6–5.12 with swiotlb=noforce (mem=1G: no mem_init pool): xen_swiotlb_init(1, false) starts from io_tlb_nslabs = 1", () => {
  it.each(["5.6", "5.10"])("%s: one slab is below the 1 MiB floor, 'Lowering to 2MB', then a 2 MiB pool — swiotlb_late_init_with_tbl has no NO_FORCE test before 5.13", (kernel) => {
    const k = bootK("rpi4-xen", kernel, { mem: "1G", swiotlb: "noforce" });
    const lines = k.klog.filter((l) => /swiotlb|IO TLB/.test(l.message)).map((l) => `${l.level}: ${l.message}`);
    expect(lines[0]).toBe("info: xen:swiotlb_xen: Lowering to 2MB");
    // the highest free block on 5.6, the lowest from 5.10 (boot memory to the free lists' tails, 7fef431be9c9)
    const [start, range] = kernel === "5.6" ? [0x3700_0000, /37000000-0x(0{8})?37200000/] : [0x1c0_0000, /01c00000-0x(0{8})?01e00000/];
    expect(lines[1]).toMatch(new RegExp(String.raw`^info: software IO TLB: mapped \[mem 0x(0{8})?` + range.source + String.raw`\] \(2MB\)$`));
    expect(lines).toHaveLength(2);
    const mem = k.io_tlb_default_mem!;
    expect([mem.start, mem.nslabs, mem.max_segment]).toEqual([start, 1024, 4096]); // swiotlb_set_max_segment(PAGE_SIZE)
  });
  it("5.13+: the 64 MiB default, 4 MiB found, and swiotlb_late_init_with_tbl returns 0 without a pool (5.14-rc5 / 5.15.178: `if (swiotlb_force == SWIOTLB_NO_FORCE) return 0;`)", () => {
    const k = bootK("rpi4-xen", "5.15", { mem: "1G", swiotlb: "noforce" });
    expect(k.klog.filter((l) => /swiotlb/.test(l.message)).map((l) => l.message)).toEqual(["xen:swiotlb_xen: Warning: only able to allocate 4 MB for software IO TLB"]);
    expect(k.io_tlb_default_mem).toBeNull();
  });
});

describe("rpi4-xen 5.6–5.12 with arm64's mem_init pool: xen_swiotlb_init(1, false) reuses it through `goto end` with rc = -ENOMEM", () => {
  it.each(["5.6", "5.10"])("%s: max_segment stays swiotlb_init_with_tbl's (rounddown(bytes, PAGE_SIZE); 1 with swiotlb=force), never PAGE_SIZE", (kernel) => {
    const k = bootK("rpi4-xen", kernel);
    expect([k.io_tlb_default_mem!.nslabs, swiotlb_max_segment(k)]).toEqual([32768, 64 * 2 ** 20]);
    expect(swiotlb_max_segment(bootK("rpi4-xen", kernel, { swiotlb: "force" }))).toBe(1);
  });
  it("x86 PV 5.10 (xen_swiotlb_init(1, true): its own pool, rc = 0) and rpi4-xen 5.10's late pool do set PAGE_SIZE", () => {
    expect(swiotlb_max_segment(bootK("x86_64-xen-pv", "5.10"))).toBe(4096);
    expect(swiotlb_max_segment(bootK("rpi4-xen", "5.10", { mem: "1G" }))).toBe(4096);
  });
});

describe("rpi4-xen 5.13–5.18 late pool with swiotlb=noforce: swiotlb_late_init_with_tbl returns 0 before allocating (5.14-rc5 swiotlb.c:288, 5.15.178 :309)", () => {
  it.each(["5.13", "5.14", "5.15"])("%s: the 4 MiB buffer is taken (and leaked), the slot metadata is not", (kernel) => {
    const free = (set: Record<string, string>) => nr_free_pages_for(bootK("rpi4-xen", kernel, { mem: "1G", ...set }), GFP_KERNEL);
    // both boots take the same 4 MiB buffer; only the pool boot takes the order-4 metadata block (64 + 24 × 2048 or 24 × 2048 bytes)
    expect(free({ swiotlb: "noforce" }) - free({})).toBe(16);
  });
});

describe("swiotlb=noforce on 5.6–5.11 (io_tlb_nslabs = 1): native and Xen alike get a one-slab pool", () => {
  const ioTlbLines = (k: Kernel) => k.klog.filter((l) => /swiotlb|IO TLB/.test(l.message)).map((l) => l.message);
  it.each(["5.6", "5.10"])("%s rpi4 and rpi4-xen (RAM above the DMA limit): arm64 mem_init's swiotlb_init(1) allocates one slab; xen_mm_init reuses it", (kernel) => {
    for (const p of ["rpi4", "rpi4-xen"]) {
      const k = bootK(p, kernel, { swiotlb: "noforce" });
      const mem = k.io_tlb_default_mem!;
      expect([mem.nslabs, mem.end - mem.start, mem.start % 4096]).toEqual([1, 2048, 0]);
      expect(mem.start).toBeLessThan(2 ** 30); // memblock_alloc_low below arm64_dma_phys_limit
      expect(ioTlbLines(k)).toEqual([expect.stringMatching(/^software IO TLB: mapped \[mem 0x[0-9a-f]+-0x[0-9a-f]+800\] \(0MB\)$/)]);
      // swiotlb_set_max_segment(rounddown(2048, PAGE_SIZE)) = 0; Xen's reuse ('goto end', rc -ENOMEM) keeps it
      expect(swiotlb_max_segment(k)).toBe(0);
    }
  });
  it.each(["5.6", "5.10"])("%s x86_64-xen-pv: xen_swiotlb_init(1, true) from swiotlb_nr_tbl() = 1 — one page of memblock, one order-0 exchange below 2^27, a one-slab pool", (kernel) => {
    const k = bootK("x86_64-xen-pv", kernel, { swiotlb: "noforce" });
    const mem = k.io_tlb_default_mem!;
    expect([mem.nslabs, mem.end - mem.start, mem.start % 4096]).toEqual([1, 2048, 0]);
    const pfn = mem.start / 4096;
    // xen_swiotlb_fixup: slabs = min(1, IO_TLB_SEGSIZE), get_order(2048) = 0, dma_bits from 18 up to Xen's 2^27
    const mfn = pfn_to_bfn(k, pfn);
    expect(mfn * 4096).toBeLessThan(2 ** 27);
    expect(mfn * 4096).toBeGreaterThanOrEqual(2 ** 26);
    expect(pfn_to_bfn(k, pfn + 1)).not.toBe(mfn + 1); // the next page was not exchanged with it (not an order-6 chunk)
    expect(ioTlbLines(k)).toEqual([expect.stringMatching(/^software IO TLB: mapped \[mem 0x[0-9a-f]+-0x[0-9a-f]+800\] \(0MB\)$/)]);
    expect(swiotlb_max_segment(k)).toBe(4096); // rc = 0 on the early path: swiotlb_set_max_segment(PAGE_SIZE)
    const kt = cloneKernel(k);
    kt.tr = new Tracer();
    expect(xen_swiotlb_fixup(kt, mem.start, 1)).toBe(0);
    const calls = kt.tr.events.filter((e) => e.kind === "call" && (e as { fn: string }).fn === "xen_create_contiguous_region").map((e) => (e as unknown as { args: Record<string, string> }).args);
    expect(calls.every((a) => a.order === "0")).toBe(true);
    expect(calls[0]!.address_bits).toBe("18");
  });
  it("5.13+ x86_64-xen-pv and 5.12+ native: still no pool (swiotlb_init_with_tbl / swiotlb_init return on SWIOTLB_NO_FORCE)", () => {
    expect(bootK("x86_64-xen-pv", "5.15", { swiotlb: "noforce" }).io_tlb_default_mem).toBeNull();
    expect(bootK("rpi4", "5.15", { swiotlb: "noforce" }).io_tlb_default_mem).toBeNull();
  });
});

describe("x86 PV 5.19+: pci_xen_swiotlb_init → swiotlb_init_remap(true, SWIOTLB_ANY, xen_swiotlb_fixup) runs the bare-metal allocation loop", () => {
  it.each(["6.1", "6.6", "6.18"])("%s mem=1G swiotlb=491520: 2^19 slabs do not fit, 'Failed to allocate … tlb structure', halved to 2^18 and fixed up", (kernel) => {
    const k = bootK("x86_64-xen-pv", kernel, { mem: "1G", swiotlb: "491520" });
    const lines = k.klog.map((l) => l.message);
    expect(lines).toContain("software IO TLB: swiotlb_memblock_alloc: Failed to allocate 1073741824 bytes tlb structure");
    expect(lines).toContain("software IO TLB: SWIOTLB bounce buffer size adjusted 524288 -> 262144 slabs");
    const mem = k.io_tlb_default_mem!;
    expect(mem.nslabs).toBe(262144);
    // xen_swiotlb_fixup made each 128-slab chunk machine-contiguous below 4 GiB
    const pfn = mem.start / 4096;
    const mfn = pfn_to_bfn(k, pfn);
    expect(mfn * 4096).toBeLessThan(2 ** 32);
    for (let i = 1; i < 64; i++) expect(pfn_to_bfn(k, pfn + i)).toBe(mfn + i);
  });
  it("5.19 mem=2G swiotlb=491520: no round-up in that era, the 960 MiB buffer is taken as asked", () => {
    expect(bootK("x86_64-xen-pv", "5.19", { mem: "2G", swiotlb: "491520" }).io_tlb_default_mem!.nslabs).toBe(491520);
  });
  it("5.19 mem=1G swiotlb=491520: the buffer fits, its slot array does not — the extra memory's memmap (8 GiB past 4 GiB and 2 GiB below 3 GiB: 88 sections × 2 MiB) took dom0's RAM — 'failed to allocate tlb structure', 'No low mem'", () => {
    const k = bootK("x86_64-xen-pv", "5.19", { mem: "1G", swiotlb: "491520" });
    expect(k.io_tlb_default_mem).toBeNull();
    expect(k.klog.filter((l) => /IO TLB/.test(l.message)).map((l) => l.message)).toEqual(["software IO TLB: swiotlb_init_remap: failed to allocate tlb structure", "software IO TLB: No low mem"]);
    expect(k.memblock.reserved.filter((r) => r.name === "vmemmap (struct pages)").map((r) => r.size)).toEqual([88 * 2 * 2 ** 20]);
  });
});

describe("x86 PV 5.13–5.18 with swiotlb=noforce: xen_swiotlb_init_early allocates and fixes up the buffer, swiotlb_init_with_tbl then returns without a pool", () => {
  it.each(["5.13", "5.14", "5.15"])("%s: the 64 MiB buffer is taken and exchanged below 4 GiB; no pool", (kernel) => {
    const k0 = bootK("x86_64-xen-pv", kernel);
    const k = bootK("x86_64-xen-pv", kernel, { swiotlb: "noforce" });
    expect(k.io_tlb_default_mem).toBeNull();
    const pfn = k0.io_tlb_default_mem!.start / 4096;
    for (const i of [0, 1, 8191, 16383]) expect(pfn_to_bfn(k, pfn + i) * 4096).toBeLessThan(2 ** 32);
    expect(pfn_to_bfn(k, pfn + 16383)).toBe(pfn_to_bfn(k0, pfn + 16383));
    const diff = nr_free_pages_for(k, GFP_KERNEL) - nr_free_pages_for(k0, GFP_KERNEL);
    // the 16,384-page buffer is gone either way (the model keeps no memblock block for the early slot metadata)
    expect(diff).toBeGreaterThanOrEqual(0);
    expect(diff).toBeLessThan(256);
  });
});
describe("swiotlb-xen's pool sizes from 2 GiB of slabs up: nslabs << IO_TLB_SHIFT is 64-bit in the kernel (unsigned long), not int32", () => {
  const lines = (k: Kernel) => k.klog.filter((l) => /swiotlb|IO TLB/.test(l.message)).map((l) => l.message);
  it("5.10 rpi4-xen swiotlb=1048576 (2 GiB): get_order(2 GiB) = 19, the loop finds 4 MiB — no 'Lowering to' retry (5.10.7 swiotlb-xen.c:190, :212–223)", () => {
    const k = bootK("rpi4-xen", "5.10", { mem: "1G", swiotlb: "1048576" });
    expect(lines(k)[0]).toBe("xen:swiotlb_xen: Warning: only able to allocate 4 MB for software IO TLB");
    expect(k.io_tlb_default_mem!.nslabs).toBe(2048);
  });
  it("5.15 rpi4-xen swiotlb=2097152 (4 GiB): no 'Lowering to -2048MB'", () => {
    const k = bootK("rpi4-xen", "5.15", { mem: "1G", swiotlb: "2097152" });
    expect(lines(k)).not.toContainEqual(expect.stringMatching(/Lowering/));
    expect(lines(k)[0]).toBe("xen:swiotlb_xen: Warning: only able to allocate 4 MB for software IO TLB");
    expect(k.io_tlb_default_mem!.nslabs).toBe(2048);
  });
  it("6.1 rpi4-xen swiotlb=2097152: swiotlb_init_late from order 20 down finds 4 MiB (it used to find none)", () => {
    const k = bootK("rpi4-xen", "6.1", { mem: "1G", swiotlb: "2097152" });
    expect(lines(k)).toContain("software IO TLB: only able to allocate 4 MB");
    expect(k.io_tlb_default_mem!.nslabs).toBe(2048);
  });
});

describe("swiotlb=noforce on a Xen dom0, 5.6–5.12: io_tlb_nslabs = 1 makes a one-slab pool (5.10.7 swiotlb.c:124–126, swiotlb-xen.c:187)", () => {
  const swlines = (k: Kernel) => k.klog.filter((l) => /swiotlb|IO TLB/.test(l.message)).map((l) => l.message);
  it.each(["5.6", "5.10"])("%s x86_64-xen-pv: xen_swiotlb_init(1, true) allocates one page, fixes up one order-0 chunk below 4 GiB, swiotlb_init_with_tbl(…, 1, 1)", (kernel) => {
    const k = bootK("x86_64-xen-pv", kernel, { swiotlb: "noforce" });
    const mem = k.io_tlb_default_mem!;
    expect([mem.nslabs, mem.end - mem.start, mem.max_segment]).toEqual([1, 2048, 4096]);
    expect(swlines(k)).toEqual([expect.stringMatching(/^software IO TLB: mapped \[mem 0x[0-9a-f]{8,16}-0x[0-9a-f]{8,16}\] \(0MB\)$/)]);
    // the slab's frame was exchanged for a machine frame below 4 GiB (xen_swiotlb_fixup, order get_order(1 << IO_TLB_SHIFT) = 0)
    expect(pfn_to_bfn(k, mem.start / 4096) * 4096).toBeLessThan(4 * GiB);
    expect(pfn_to_bfn(k, mem.start / 4096)).not.toBe(mem.start / 4096);
  });
  it("5.10 rpi4-xen (8 GiB: a mem_init pool): arm64 mem_init's swiotlb_init(1) gives the one slab, xen_mm_init reuses it ('already allocated') and leaves max_segment alone (rc is still -ENOMEM at its end label: 5.10.7 swiotlb-xen.c:194–197, :259–261)", () => {
    const k = bootK("rpi4-xen", "5.10", { swiotlb: "noforce", mem: "8G" });
    const mem = k.io_tlb_default_mem!;
    expect([mem.nslabs, mem.max_segment]).toEqual([1, 0]); // swiotlb_init_with_tbl: rounddown(1 << IO_TLB_SHIFT, PAGE_SIZE) (5.10.7 swiotlb.c:152, :237)
    expect(mem.end).toBeLessThanOrEqual(GiB); // memblock_alloc_low: below arm64_dma_phys_limit
    expect(swlines(k)).toEqual([expect.stringMatching(/^software IO TLB: mapped \[mem .*\] \(0MB\)$/)]);
  });
  it.each(["5.15", "5.19", "6.18"])("%s: no pool (5.13–5.18 swiotlb_init_with_tbl returns 0 on SWIOTLB_NO_FORCE; 5.19+ swiotlb_force_disable)", (kernel) => {
    for (const p of ["x86_64-xen-pv", "rpi4-xen"]) expect(bootK(p, kernel, { swiotlb: "noforce", mem: "8G" }).io_tlb_default_mem).toBeNull();
  });
  it("5.15 x86_64-xen-pv: xen_swiotlb_init_early still takes swiotlb_size_or_default() from memblock (5.15.178 swiotlb-xen.c:229–239)", () => {
    const noforce = bootK("x86_64-xen-pv", "5.15", { swiotlb: "noforce" });
    const pooled = bootK("x86_64-xen-pv", "5.15");
    const free = (k: Kernel) => k.buddy!.totalFree();
    // both took the 64 MiB buffer; only the pooled one took its metadata too (less than 1 MiB)
    expect(noforce.io_tlb_default_mem).toBeNull();
    expect(free(noforce) - free(pooled)).toBeGreaterThanOrEqual(0);
    expect(free(noforce) - free(pooled)).toBeLessThan((1 << 20) / 4096);
  });
});

describe("an x86 PV dom0 whose swiotlb buffer does not fit in RAM (mem=1G, swiotlb=1048576: 2 GiB): each era's failure, a result", () => {
  const y = `
name: PV dom0 with a swiotlb buffer larger than its RAM
platform: x86_64-xen-pv
steps:
  - { op: dma_set_mask, bits: 32 }
`;
  const run = (kernel: string) => runYaml(y, { kernel, set: { mem: "1G", swiotlb: "1048576" } });
  it.each([
    ["5.6", "Kernel panic - not syncing: xen_swiotlb_init: Failed to allocate 2147483648 bytes align=0x1000"],
    ["5.10", "Kernel panic - not syncing: xen_swiotlb_init: Failed to allocate 2147483648 bytes align=0x1000"],
    ["5.14", "Kernel panic - not syncing: xen_swiotlb_init_early: Failed to allocate 2147483648 bytes align=0x1000"],
    ["5.15", "Kernel panic - not syncing: xen_swiotlb_init_early: Failed to allocate 2147483648 bytes"],
  ])("%s: memblock_alloc fails and the kernel panics at boot (5.10.7 swiotlb-xen.c:204–208, 5.14-rc5 :236–239, 5.15.178 :239–243): a fault, no step run", (kernel, msg) => {
    const r = run(kernel);
    expect(r.ok).toBe(false);
    expect(r.faults.map((f) => [f.kind, f.message])).toEqual([["panic", msg]]);
    expect(r.steps.map((s) => s.status)).toEqual(["not run"]);
    expect(r.first_failure).toBe(`boot: panic: ${msg}`);
  });
  it("5.19: swiotlb_init_remap pr_warns and returns (5.19 swiotlb.c:256–258): no pool, the 32-bit mask is refused by xen_swiotlb_dma_supported", () => {
    const r = run("5.19");
    expect(r.faults).toEqual([]);
    expect(r.log!.map((l) => l.message)).toContain("software IO TLB: swiotlb_init_remap: failed to allocate tlb structure");
    expect(r.steps.map((s) => s.result.ret)).toEqual(["-EIO"]);
  });
  it("6.1: swiotlb_memblock_alloc halves until 512 MiB fits (6.1.166 swiotlb.c:382–392), then xen_swiotlb_fixup", () => {
    const r = run("6.1");
    const log = r.log!.map((l) => l.message);
    expect(log).toContain("software IO TLB: swiotlb_memblock_alloc: Failed to allocate 2147483648 bytes tlb structure");
    expect(log).toContain("software IO TLB: SWIOTLB bounce buffer size adjusted 1048576 -> 262144 slabs");
    expect(r.steps.map((s) => s.result.ret)).toEqual(["0"]);
  });
});

describe("the CLI with an x86 PV dom0 that panics at boot (5.10, mem=1G, swiotlb=1048576)", () => {
  const args = ["--platform", "x86_64-xen-pv", "--kernel", "5.10", "--set", "mem=1G", "--set", "swiotlb=1048576"];
  it("fuzz refuses the options in one line (exit 2), naming the panic", async () => {
    const r = await runCli(["fuzz", ...args, "--steps", "100"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("dmasim: --set mem=1G --set swiotlb=1048576: these boot options make x86_64-xen-pv's kernel panic at boot: Kernel panic - not syncing: xen_swiotlb_init: Failed to allocate 2147483648 bytes align=0x1000");
  }, 60_000);
  it("explain shows the panic as the result, no stack trace", async () => {
    const r = await runCli(["explain", "dma_map_page", ...args]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("PANIC: Kernel panic - not syncing: xen_swiotlb_init: Failed to allocate 2147483648 bytes align=0x1000");
  }, 60_000);
});

describe("x86 PV 5.13–5.14: xen_swiotlb_init_early calls swiotlb_init_with_tbl(start, nslabs, false) — no 'mapped' line until 7fd880a38cfe (5.15)", () => {
  const mapped = (k: Kernel) => k.klog.filter((l) => /^software IO TLB: mapped /.test(l.message)).length;
  it.each([
    ["5.10", 1], // xen_swiotlb_init(1, true): verbose 1 (5.10.7 swiotlb-xen.c:246)
    ["5.13", 0],
    ["5.14", 0], // 5.14-rc5 swiotlb-xen.c:257 `swiotlb_init_with_tbl(start, nslabs, false)`
    ["5.15", 1], // 5.15.178 swiotlb-xen.c:261 `true` ("swiotlb-xen: arrange to have buffer info logged")
    ["5.19", 1], // pci_iommu_init's swiotlb_print_info (x86_swiotlb_enable)
  ])("%s: %i 'software IO TLB: mapped' line(s), and the pool exists either way", (kernel, n) => {
    const k = bootK("x86_64-xen-pv", kernel);
    expect(mapped(k)).toBe(n);
    expect(k.io_tlb_default_mem!.nslabs).toBe(32768);
  });
});

describe("xen_swiotlb_fixup's chunk address `p + (i << IO_TLB_SHIFT)` in C's int (5.6–5.14) or unsigned int (d9a688add3d4, 5.15+): a 2.5 GiB x86 PV pool", () => {
  // mem=8G swiotlb=1310720: 1,310,720 slabs; from slab 2^20 the int shift wraps to -2^31 (5.10.7 swiotlb-xen.c:124, :137)
  const pf = (a: number) => Math.floor(a / 4096);
  it("5.15: the chunk at slab 2^20 is exchanged below 4 GiB; the address 4 GiB below it, which 5.10 computes, is in the PCI hole (identity, never exchanged)", () => {
    const k = bootK("x86_64-xen-pv", "5.15", { mem: "8G", swiotlb: "1310720" });
    const m = k.io_tlb_default_mem!;
    expect(m.nslabs).toBe(1310720);
    // the 2.5 GiB buffer, top-down under the memmap in dom0's RAM above 4 GiB
    expect(m.start).toBe(0x1_5000_0000);
    const atSlab2_20 = pf(m.start + 2 ** 31);
    const wrapped = pf(m.start + 2 ** 31 - 2 ** 32);
    expect(wrapped).toBe(0xd_0000);
    expect(pfn_to_bfn(k, atSlab2_20)).toBeLessThan(pf(4 * GiB));
    expect(pfn_to_bfn(k, wrapped)).toBe(wrapped);
    // slab 2^20 - 128, the last chunk before the wrap, is exchanged
    expect(pfn_to_bfn(k, pf(m.start + (2 ** 20 - 128) * 2048))).toBeLessThan(pf(4 * GiB));
  });
  it("5.10: the chunk at slab 2^20 wraps to 4 GiB below it — into the PCI hole, which the linear map does not hold: xen_create_contiguous_region's memset oopses in the idle task, which panics", () => {
    const y = "name: wrap\nplatform: x86_64-xen-pv\nsteps:\n  - { op: dma_set_mask, bits: 32 }\n";
    const r = runYaml(y, { kernel: "5.10", set: { mem: "8G", swiotlb: "1310720" } });
    // p = 0x150000000 (as 5.15 places it; 5.10's page alignment changes nothing here): p + (int)(2^20 << 11) = p - 2^31
    expect(r.faults).toEqual([
      expect.objectContaining({
        kind: "oops",
        message: "BUG: unable to handle page fault for address: ffff8880d0000000",
        pc: "xen_create_contiguous_region",
        lines: ["Kernel panic - not syncing: Attempted to kill the idle task!"],
      }),
    ]);
  });
  it("5.10 mem=4G swiotlb=1048704: the wrapped chunk's address is below physical 0, its phys_to_virt below PAGE_OFFSET (the LDT remap hole, unmapped without PTI): xen_create_contiguous_region's memset oopses in the idle task, which panics", () => {
    const y = "name: wrap\nplatform: x86_64-xen-pv\nsteps:\n  - { op: dma_set_mask, bits: 32 }\n";
    const r = runYaml(y, { kernel: "5.10", set: { mem: "4G", swiotlb: "1048704" } });
    // 5.15 places the same buffer (its 256 KiB alignment changes nothing here) and, its i unsigned, does not wrap
    const p = bootK("x86_64-xen-pv", "5.15", { mem: "4G", swiotlb: "1048704" }).io_tlb_default_mem!.start;
    // (below the hole: dom0's RAM above 4 GiB is [4 GiB, 5 GiB + 97 pages) after the remap, under 2 GiB)
    expect(p).toBe(0x2ffc0000);
    // p + (int)(2^20 << 11) = p - 2^31 (sign-extended), + PAGE_OFFSET 0xffff888000000000
    const va = (0xffff888000000000n + BigInt(p) - 2n ** 31n).toString(16);
    expect(va).toBe("ffff887faffc0000");
    expect(r.faults).toEqual([
      expect.objectContaining({
        kind: "oops",
        message: `BUG: unable to handle page fault for address: ${va}`,
        pc: "xen_create_contiguous_region",
        lines: ["Kernel panic - not syncing: Attempted to kill the idle task!"],
      }),
    ]);
    expect(r.steps.map((s) => s.status)).toEqual(["not run"]);
    expect(r.first_failure).toBe(`boot: oops: BUG: unable to handle page fault for address: ${va}`);
  });
});

describe("an x86 PV boot buffer xen_swiotlb_fixup cannot exchange below 4 GiB (mem=16G swiotlb=2097152): each era's retry, then its panic or no pool", () => {
  const y = "name: retry\nplatform: x86_64-xen-pv\nsteps:\n  - { op: dma_set_mask, bits: 32 }\n";
  const run = (kernel: string) => runYaml(y, { kernel, set: { mem: "16G", swiotlb: "2097152" } });
  const lines = (r: ReturnType<typeof run>) => r.log!.filter((l) => /swiotlb|You either/.test(l.message)).map((l) => `${l.level}: ${l.message}`);
  const EFIXUP = "Failed to get contiguous memory for DMA from Xen!";
  const EFIXUP2 = "You either: don't have the permissions, do not have enough free memory under 4GB, or the hypervisor memory is too fragmented! (rc:-12)";
  // the first try exchanges chunks below 4 GiB until Xen has none left there; the freed buffer keeps those machine
  // frames, so every smaller retry (placed top-down in the freed range, chunks not exchanged yet) fails too
  it.each([
    { kernel: "5.10", fn: "xen_swiotlb_init", log: ["info: xen:swiotlb_xen: Lowering to 2048MB", "info: xen:swiotlb_xen: Lowering to 1024MB", "info: xen:swiotlb_xen: Lowering to 512MB", `err: xen:swiotlb_xen: ${EFIXUP}`, `err: ${EFIXUP2}`]},
    { kernel: "5.14", fn: "xen_swiotlb_init_early", log: ["info: xen:swiotlb_xen: Lowering to 2048MB", "info: xen:swiotlb_xen: Lowering to 1024MB", "info: xen:swiotlb_xen: Lowering to 512MB"]},
    { kernel: "5.15", fn: "xen_swiotlb_init_early", log: ["info: xen:swiotlb_xen: Lowering to 2048MB", "info: xen:swiotlb_xen: Lowering to 1024MB", "info: xen:swiotlb_xen: Lowering to 512MB"]},
  ])("$kernel $fn: memblock_free, 'Lowering to <n>MB' three times, then the panic of xen_swiotlb_error(EFIXUP) and rc (5.10.7 swiotlb-xen.c:232–244, :260–270; 5.14-rc5 :244–254; 5.15.178 :248–258)", ({ kernel, fn, log }) => {
    const r = run(kernel);
    expect(lines(r)).toEqual(log);
    expect(r.faults).toEqual([expect.objectContaining({ kind: "panic", message: `Kernel panic - not syncing: ${EFIXUP}`, lines: [EFIXUP2], pc: fn })]);
    expect(r.steps.map((s) => s.status)).toEqual(["not run"]);
  });
  it("5.19: swiotlb_init_remap frees and halves on each refused remap, and panics \"%s: Failed to remap %zu bytes\" with the last size once nslabs < IO_TLB_MIN_SLABS (5.19 swiotlb.c:250–269)", () => {
    const r = run("5.19");
    expect(lines(r)).toEqual([]);
    expect(r.faults).toEqual([expect.objectContaining({ kind: "panic", message: "Kernel panic - not syncing: swiotlb_init_remap: Failed to remap 1048576 bytes" })]);
  });
  it.each(["6.1", "6.6"])("%s: swiotlb_memblock_alloc frees and pr_warns \"Failed to remap\" at each size down to IO_TLB_MIN_SLABS, then no pool (6.1.166 swiotlb.c:350–354, :382–387; 6.6.63 :341–345, :385–390)", (kernel) => {
    const r = run(kernel);
    const sizes = Array.from({ length: 13 }, (_, i) => 2 ** (32 - i));
    expect(lines(r).filter((l) => /remap/.test(l))).toEqual(sizes.map((b) => `warn: software IO TLB: swiotlb_memblock_alloc: Failed to remap ${b} bytes`));
    expect(r.faults).toEqual([]);
    // no pool: xen_swiotlb_dma_supported of a 32-bit mask is refused
    expect(r.steps.map((s) => s.result.ret)).toEqual(["-EIO"]);
    const k = bootK("x86_64-xen-pv", kernel, { mem: "16G", swiotlb: "2097152" });
    expect(k.io_tlb_default_mem).toBeNull();
    expect(k.memblock!.reserved.filter((x) => /swiotlb/.test(x.name))).toEqual([]);
  });
  it("the default 64 MiB buffer is exchanged whole (every 128-slab chunk below 4 GiB)", () => {
    const k = bootK("x86_64-xen-pv", "5.10");
    const m = k.io_tlb_default_mem!;
    for (let a = m.start; a < m.end; a += 128 * 2048) expect(pfn_to_bfn(k, a / 4096)).toBeLessThan(2 ** 20);
  });
});

describe("xen_pv_swiotlb_alloc when Xen has no machine memory left below 4 GiB: the buffer's memblock allocation, its free and each era's retry", () => {
  /** a booted x86 PV dom0 whose hypervisor heap below 4 GiB is used up, then the boot buffer's allocation again with `nslabs` */
  const attempt = (kernel: string, nslabs: number) => {
    const k = bootK("x86_64-xen-pv", kernel);
    for (let order = 20; order >= 0; order--) while (k.xen!.heap!.alloc(order, 32) !== null);
    const calls: string[] = [];
    const before = k.klog.length;
    const ramEnd = k.memmap.max_pfn * 4096;
    let fault: KernelFault | null = null;
    let got: { base: number; nslabs: number } | null = null;
    try {
      got = xen_pv_swiotlb_alloc(
        k,
        nslabs,
        (bytes, align) => {
          calls.push(`memblock_alloc(${bytes}, ${align})`);
          return k.memblock!.tryAlloc(bytes, align, 1 << 20, ramEnd, "swiotlb buffer");
        },
        (base, bytes) => {
          calls.push(`memblock_free(${bytes})`);
          k.memblock!.free(base, bytes);
        },
      );
    } catch (e) {
      if (!(e instanceof KernelFault)) throw e;
      fault = e;
    }
    const log = k.klog.slice(before).map((l) => `${l.level}: ${l.message}`);
    return { calls, log, fault: fault && { message: fault.record.message, lines: fault.record.lines, pc: fault.record.pc }, got, left: k.memblock!.reserved.filter((r) => r.name === "swiotlb buffer").length };
  };
  const PANIC = { message: "Kernel panic - not syncing: Failed to get contiguous memory for DMA from Xen!", lines: ["You either: don't have the permissions, do not have enough free memory under 4GB, or the hypervisor memory is too fragmented! (rc:-12)"] };
  const tries = (slabs: number[], align: number) => slabs.flatMap((n) => [`memblock_alloc(${n * 2048}, ${align})`, `memblock_free(${n * 2048})`]);

  it("5.14 (32,896 slabs): max(1024, nslabs >> 1) — 16,448, 8,224, 4,112 — page-aligned, 'Lowering to' each time, then the panic without a pr_err", () => {
    const r = attempt("5.14", 32896);
    expect(r.calls).toEqual(tries([32896, 16448, 8224, 4112], 4096));
    expect(r.log).toEqual(["info: xen:swiotlb_xen: Lowering to 32MB", "info: xen:swiotlb_xen: Lowering to 16MB", "info: xen:swiotlb_xen: Lowering to 8MB"]);
    expect(r.fault).toEqual({ ...PANIC, pc: "xen_swiotlb_init_early" });
    expect(r.left).toBe(1); // only the boot's own buffer: every retry's was freed
  });
  it("5.15 (d9a688add3d4, 9074c79b62b6): ALIGN(nslabs >> 1, IO_TLB_SEGSIZE) — 16,512, 8,320, 4,224 — aligned to 256 KiB", () => {
    const r = attempt("5.15", 32896);
    expect(r.calls).toEqual(tries([32896, 16512, 8320, 4224], 262144));
    expect(r.log).toEqual(["info: xen:swiotlb_xen: Lowering to 32MB", "info: xen:swiotlb_xen: Lowering to 16MB", "info: xen:swiotlb_xen: Lowering to 8MB"]);
    expect(r.fault).toEqual({ ...PANIC, pc: "xen_swiotlb_init_early" });
  });
  it("5.10: xen_swiotlb_init(1, true) — the same halving, then pr_err(\"%s (rc:%d)\\n\") before the panic", () => {
    const r = attempt("5.10", 32896);
    expect(r.calls).toEqual(tries([32896, 16448, 8224, 4112], 4096));
    expect(r.log.slice(3)).toEqual(["err: xen:swiotlb_xen: Failed to get contiguous memory for DMA from Xen!", `err: ${PANIC.lines[0]}`]);
    expect(r.fault).toEqual({ ...PANIC, pc: "xen_swiotlb_init" });
  });
  it.each([
    ["5.14", [1024, 1024, 1024, 1024], ["info: xen:swiotlb_xen: Lowering to 2MB", "info: xen:swiotlb_xen: Lowering to 2MB", "info: xen:swiotlb_xen: Lowering to 2MB"]],
    ["5.15", [1024], []],
  ])("a 2 MiB buffer (1,024 slabs), %s: 'Lowering to 2MB' three times before cabb7f89b24e ('limit init retries', 5.15), none after", (kernel, slabs, log) => {
    const r = attempt(kernel, 1024);
    expect(r.calls).toEqual(tries(slabs, kernel === "5.15" ? 262144 : 4096));
    expect(r.log).toEqual(log);
    expect(r.fault).toEqual({ ...PANIC, pc: "xen_swiotlb_init_early" });
  });
  it("5.19: swiotlb_init_remap halves (ALIGN(nslabs >> 1, IO_TLB_SEGSIZE)) without a message and panics below IO_TLB_MIN_SLABS with the size it last tried", () => {
    const r = attempt("5.19", 32768);
    expect(r.calls).toEqual(tries([32768, 16384, 8192, 4096, 2048, 1024, 512], 4096));
    expect(r.log).toEqual([]);
    expect(r.fault).toEqual({ message: "Kernel panic - not syncing: swiotlb_init_remap: Failed to remap 1048576 bytes", lines: undefined, pc: "swiotlb_init_remap" });
  });
  it("6.18: swiotlb_memblock_alloc's pr_warn at each size, then no buffer and no panic", () => {
    const r = attempt("6.18", 32768);
    expect(r.calls).toEqual(tries([32768, 16384, 8192, 4096, 2048, 1024, 512], 4096));
    expect(r.log).toEqual([32768, 16384, 8192, 4096, 2048, 1024, 512].map((n) => `warn: software IO TLB: swiotlb_memblock_alloc: Failed to remap ${n * 2048} bytes`));
    expect([r.fault, r.got]).toEqual([null, null]);
  });
});

describe("the late xen_swiotlb_init (an ARM dom0 without a mem_init pool) when no 4 MiB–2 MiB block is free: each era's retry", () => {
  /** rpi4-xen mem=1G booted, every order-9 and order-10 block taken, then xen_swiotlb_init again: its log and the orders it asked */
  const attempt = (kernel: string) => {
    const k = bootK("rpi4-xen", kernel, { mem: "1G" });
    for (let o = 10; o >= 9; o--) while (alloc_pages(k, GFP_KERNEL | __GFP_DMA32, o, "drain"));
    const before = k.klog.length;
    k.tr = new Tracer();
    const rc = xen_swiotlb_init_late(k);
    const orders = renderTrace(k.tr.events).flatMap((l) => /→ alloc_pages\(gfp=[^)]*order=(\d+)\)/.exec(l)?.[1] ?? []).map(Number);
    return { rc, log: k.klog.slice(before).map((l) => l.message), orders };
  };
  const ROUND = [14, 13, 12, 11, 10, 9]; // get_order(64 MiB) down to the last order above IO_TLB_MIN_SLABS
  const ERR = ["xen:swiotlb_xen: Cannot allocate Xen-SWIOTLB buffer", " (rc:-12)"];
  it("5.13 and 5.14: `if (!start) goto error;` — 'Lowering to' three times, each retry asking the same orders (bytes unchanged: 5.14-rc5 swiotlb-xen.c:172–174, :187–188, :210–217)", () => {
    for (const kernel of ["5.13", "5.14"]) {
      const r = attempt(kernel);
      expect(r.rc, kernel).toBe(-12);
      expect(r.log, kernel).toEqual(["xen:swiotlb_xen: Lowering to 32MB", "xen:swiotlb_xen: Lowering to 16MB", "xen:swiotlb_xen: Lowering to 8MB", ...ERR]);
      expect(r.orders, kernel).toEqual([...ROUND, ...ROUND, ...ROUND, ...ROUND]);
    }
  });
  it("5.15 (79ca5f778aaf 'suppress certain init retries'): `if (!start) goto exit;` — one round, no retry (5.15.178 :190–191, :221–223)", () => {
    const r = attempt("5.15");
    expect([r.rc, r.log, r.orders]).toEqual([-12, ERR, ROUND]);
  });
});

describe("stop 23: xen_create_contiguous_region on the PC map — a region holding an identity or extra-memory pfn is never exchanged", () => {
  // arch/x86/xen/mmu_pv.c xen_create_contiguous_region (5.10.7 :2268–2309, 6.18.35 :2361–2403) has no identity test of its
  // own: its memset((void *)vstart, 0, PAGE_SIZE << order) runs through the linear map first, which holds neither the PCI
  // hole (not memblock.memory) nor the extra memory (pte_pfn_to_mfn of INVALID_P2M_ENTRY: not present)
  it.each([
    ["5.10", 0xbffff, "ffff8880c0000000"], // the last RAM page below 3 GiB and the hole's first
    ["6.18", 0xbffff, "ffff8880c0000000"],
    ["6.18", 0x14_0060, "ffff888140061000"], // the last remapped page and the extra memory's first
  ])("%s: order 1 at pfn %i: the memset faults at %s; the P2M and Xen's heap are untouched", (kernel, pfn, va) => {
    const k = bootK("x86_64-xen-pv", kernel as string);
    const p2m = k.xen!.p2m!;
    const before = [p2m.get(pfn as number), p2m.get((pfn as number) + 1), p2m.identity((pfn as number) + 1)];
    const bits = k.xen!.heap!.lowestBits(1, 20);
    let fault: KernelFault | null = null;
    try {
      pv_create_contiguous_region(k, (pfn as number) * 4096, 1, 32);
    } catch (e) {
      if (!(e instanceof KernelFault)) throw e;
      fault = e;
    }
    expect(fault && [fault.record.kind, fault.record.message, fault.record.pc]).toEqual(["oops", `BUG: unable to handle page fault for address: ${va}`, "xen_create_contiguous_region"]);
    expect([p2m.get(pfn as number), p2m.get((pfn as number) + 1), p2m.identity((pfn as number) + 1)]).toEqual(before);
    expect(k.xen!.heap!.lowestBits(1, 20)).toBe(bits);
  });
  it("6.18: the same order-1 call on two RAM pfns of the remapped RAM is exchanged below 4 GiB", () => {
    const k = bootK("x86_64-xen-pv", "6.18");
    const r = pv_create_contiguous_region(k, 0x13_0000 * 4096, 1, 32);
    expect(r.rc).toBe(0);
    expect(r.dma_handle).toBeLessThan(3 * GiB); // Xen's RAM below 4 GiB ends at the hole
    expect(pfn_to_bfn(k, 0x13_0001)).toBe(pfn_to_bfn(k, 0x13_0000) + 1);
  });
});

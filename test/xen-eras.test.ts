/**
 * Issue 11: swiotlb-xen and the PV MMU from 5.15 to 6.18 on both Xen platforms, against the trees
 * (drivers/xen/swiotlb-xen.c, arch/arm/xen/mm.c, arch/x86/kernel/pci-dma.c, arch/x86/xen/mmu_pv.c of
 * 5.15.178, 5.19.0, 6.1.166, 6.6.63, 6.12.19, 6.18.35; docs/verified-facts.md "Xen from 5.15 to 6.18").
 */
import { describe, expect, it } from "vitest";
import { renderTrace } from "../src/core/trace.js";
import { alloc_pages } from "../src/mm/mm.js";
import { GFP_KERNEL } from "../src/include/gfp.js";
import { dma_map_page_attrs, dma_max_mapping_size } from "../src/kernel/dma/mapping.js";
import { xen_dma_to_phys } from "../src/xen/swiotlb-xen.js";
import { pfn_to_bfn } from "../src/xen/p2m.js";
import { bootK, run } from "./helpers.js";

const ALL = ["5.6", "5.10", "5.13", "5.14", "5.15", "5.19", "6.1", "6.6", "6.12", "6.18"];

describe("rpi4-xen boot: xen_mm_init and arm64's existing pool", () => {
  it.each(ALL)("%s: 'swiotlb buffer already initialized' only in 5.13–5.18 (97729b653de5 … 3f70356edf56)", (kernel) => {
    const k = bootK("rpi4-xen", kernel);
    const warned = k.klog.filter((l) => l.message === "swiotlb buffer already initialized");
    expect(warned.map((l) => l.level)).toEqual(["5.13", "5.14", "5.15"].includes(kernel) ? ["warn"] : []);
    expect(k.io_tlb_default_mem!.start).toBe(0x2c000000); // the one pool arm64's mem_init set up, in every era
  });
});

describe("x86_64-xen-pv boot: the pool anywhere in RAM, its frames exchanged below 4 GiB", () => {
  it.each([
    ["5.15", 0x2_4004_0000], // xen_swiotlb_init_early: memblock_alloc aligned to IO_TLB_SEGSIZE << IO_TLB_SHIFT (9074c79b62b6)
    ["5.19", 0x2_4006_1000],
    ["6.1", 0x2_4006_1000],
    ["6.18", 0x2_4006_1000],
  ])("%s with mem=8G on the 16 GiB PC: the pool at the top of the remapped RAM, the memmap below nr_pages, machine frames below 4 GiB", (kernel, end) => {
    const k = bootK("x86_64-xen-pv", kernel, { mem: "8G" });
    const mem = k.io_tlb_default_mem!;
    // xen_memory_setup: the PCI hole's 2^18 pfns and the 97 below 1 MiB are remapped to [8 GiB, 9 GiB + 97 pages); the
    // RAM from there to the machine's 17 GiB is extra memory (memblock-reserved)
    expect(k.xen!.p2m!.extra).toEqual([{ start_pfn: 0x24_0061, n_pfns: 0x44_0000 - 0x24_0061 }]);
    expect(k.memblock.owner(0x2_4006_1000)).toBe("Xen extra memory");
    // sparse_init (paging_init) ran before xen_remap_memory, while [8 GiB, 17 GiB) was all extra memory: the memmap
    // (128 sections × 2 MiB, extra memory's sections included) lies below nr_pages
    expect(k.memblock.owner(0x1_ffff_f000)).toBe("vmemmap (struct pages)");
    expect(k.memblock.owner(0x1_f000_0000)).toBe("vmemmap (struct pages)");
    // mem_init's pool, top-down, in the remapped RAM
    expect(mem.end).toBe(end);
    expect(mem.start).toBe(end - 64 * 2 ** 20);
    for (let p = mem.start; p < mem.end; p += 256 << 10) expect(pfn_to_bfn(k, p / 4096) * 4096, `${kernel} ${p.toString(16)}`).toBeLessThan(2 ** 32);
  });
});

describe("scenarios/xen-pv-4m-coherent.yaml: orders above 9 (e93ec87286bd, 6.14; stable 6.1.166, 6.12.19)", () => {
  it.each(["5.15", "5.19", "6.6"])("%s: xen_create_contiguous_region(order 10) is -ENOMEM, dma_alloc_coherent returns NULL", (kernel) => {
    const r = run("scenarios/xen-pv-4m-coherent.yaml", { kernel, trace: true });
    expect(r.ok).toBe(false);
    expect(r.steps[0]!.result.cpu_addr).toBe("NULL");
    const t = renderTrace(r.steps[0]!.trace).join("\n");
    expect(t).toContain("← xen_create_contiguous_region = -ENOMEM (order > MAX_CONTIG_ORDER)");
    expect(t).not.toContain("alloc_discontig_frames");
  });

  it.each(["6.1", "6.12", "6.18"])("%s: alloc_discontig_frames(10), one exchange, the device's bytes at the last page", (kernel) => {
    const r = run("scenarios/xen-pv-4m-coherent.yaml", { kernel, trace: true });
    expect(r.ok).toBe(true);
    // the pages: the lowest 4 MiB of ZONE_NORMAL, where the remapped RAM (the PCI hole's frames at [4 GiB, 5 GiB + 97
    // pages)) begins — boot memory went to the free lists' tails (7fef431be9c9, 5.10); the extent: Xen's highest
    // free 4 MiB below the device's 4 GiB limit — below the hole, its RAM ends at 3 GiB
    expect(r.steps[0]!.result.cpu_addr).toBe("0xffff888100000000");
    expect(r.steps[0]!.result.dma_handle).toBe("0xbfc00000");
    expect(r.steps[2]!.result.data).toBe('"last page"');
    const t = renderTrace(r.steps[0]!.trace).join("\n");
    expect(t).toContain("→ alloc_discontig_frames(order=10)  [arch/x86/xen/mmu_pv.c]");
    expect(t).toContain("HYPERVISOR_memory_op = 0: mfn 0xbfc00..0xbffff");
  });
});

/**
 * An order-1 buffer, 8 KiB aligned in pseudo-physical space, backed by two machine-contiguous frames
 * that start on an odd frame: contiguous, but not machine-aligned to its size.
 */
function misaligned(kernel: string) {
  const k = bootK("x86_64-xen-pv", kernel);
  const dev = k.devices.get("0000:00:1f.6")!;
  const page = alloc_pages(k, GFP_KERNEL, 1, "test");
  const pfn = k.arch.page_to_pfn(page);
  const ext = k.xen!.heap!.alloc(2, 32)!;
  k.xen!.p2m!.setRange(pfn, 2, ext + 1);
  return { k, dev, page, pfn, mfn: ext + 1 };
}

describe("streaming maps of a machine-contiguous but misaligned buffer (9f40ec84a797 vs 85fcb57c983f)", () => {
  it.each(["5.15", "6.6"])("%s (the alignment check inside range_straddles_page_boundary): bounced through swiotlb", (kernel) => {
    const { k, dev, page, mfn } = misaligned(kernel);
    expect(k.arch.page_to_pfn(page) % 2).toBe(0);
    const a = dma_map_page_attrs(k, dev, page, 0, 8192, 1, 0);
    expect(a).not.toBe(mfn * 4096);
    const phys = xen_dma_to_phys(k, dev, a);
    const pool = k.io_tlb_default_mem!;
    expect(phys).toBeGreaterThanOrEqual(pool.start);
    expect(phys).toBeLessThan(pool.end);
  });

  it.each(["5.19", "6.1", "6.12", "6.18"])("%s: mapped in place at the machine address", (kernel) => {
    const { k, dev, page, mfn } = misaligned(kernel);
    expect(mfn % 2).toBe(1);
    expect(dma_map_page_attrs(k, dev, page, 0, 8192, 1, 0)).toBe(mfn * 4096);
  });
});

describe("dma_max_mapping_size on a Xen device (bff2a2d453a1, 6.7; stable 5.15.178, 6.1.166, 6.6.63)", () => {
  it.each(ALL)("%s", (kernel) => {
    for (const platform of ["rpi4-xen", "x86_64-xen-pv"]) {
      const k = bootK(platform, kernel);
      const dev = [...k.devices.values()][0]!;
      const want = ["5.15", "6.1", "6.6", "6.12", "6.18"].includes(kernel) ? 256 << 10 : Number.MAX_SAFE_INTEGER;
      expect(dma_max_mapping_size(k, dev), `${platform} ${kernel}`).toBe(want);
    }
  });
});

describe("the seed thread's bug on 6.x Xen dom0s: the paths that replaced it", () => {
  const SIX = ["6.1", "6.6", "6.12", "6.18"];
  it.each(SIX)("rpi4-xen %s: xen_swiotlb_dma_ops.alloc is dma_direct_alloc (566fb90e050d), dma_common_mmap walks the vmap with vmalloc_to_page, user space reads the device's bytes", (kernel) => {
    const r = run("scenarios/seed-mmap.yaml", { kernel, trace: true });
    expect(r.ok).toBe(true);
    expect(r.steps[0]!.result.addr_kind).toBe("vmalloc");
    const alloc = renderTrace(r.steps[0]!.trace).join("\n");
    expect(alloc).toContain("dev->dma_ops = xen_swiotlb_dma_ops");
    expect(alloc).toContain("→ dma_direct_alloc(");
    expect(alloc).not.toContain("xen_swiotlb_alloc_coherent");
    const mmap = renderTrace(r.steps[1]!.trace).join("\n");
    expect(mmap).toContain("→ dma_common_vaddr_to_page(");
    expect(mmap).toContain("→ vmalloc_to_page(");
    expect(r.steps[3]!.result.data).toBe('"hello from the device"');
  });

  it.each(SIX)("rpi4-xen %s: the GFP_ATOMIC free of the 8b1e868f6607 case goes to dma_direct_free → dma_free_from_pool; no struct page is read", (kernel) => {
    const r = run("scenarios/seed-atomic-free.yaml", { kernel, trace: true });
    expect(r.ok).toBe(true);
    const free = renderTrace(r.steps[3]!.trace).join("\n");
    expect(free).toContain("→ dma_direct_free(");
    expect(free).toContain("→ dma_free_from_pool(");
    expect(free).not.toContain("xen_swiotlb_free_coherent");
    expect(free).not.toContain("TestClearPageXenRemapped");
  });

  it.each(SIX)("x86_64-xen-pv %s: the x86 xen_swiotlb_alloc_coherent (566fb90e050d rewrite) gives a linear buffer whose machine frames were exchanged", (kernel) => {
    const r = run("scenarios/seed-mmap.yaml", { platform: "x86_64-xen-pv", kernel, trace: true });
    expect(r.ok).toBe(true);
    expect(r.steps[0]!.result.addr_kind).toBe("linear");
    const alloc = renderTrace(r.steps[0]!.trace).join("\n");
    expect(alloc).toContain("→ xen_swiotlb_alloc_coherent(");
    // 85fcb57c983f: in 6.18 and as a backport in 6.1.166 and 6.12.19, not in 6.6.63
    expect(alloc.includes("|| range_requires_alignment(phys, size)")).toBe(kernel !== "6.6");
    expect(alloc).toContain("→ xen_create_contiguous_region(");
  });
});

/**
 * Boot order audit (stop 16): where the default CMA area lands, per platform and era, against the
 * trees' setup_arch / arm64_memblock_init / bootmem_init / cma_declare_contiguous (docs/verified-facts.md
 * "Boot order audit (stop 16)"). Each expectation names the address the model gave before the fix.
 */
import { describe, expect, it } from "vitest";
import { bootK } from "./helpers.js";

function placed(p: string, v: string, set: Record<string, string> = {}) {
  const k = bootK(p, v, set);
  const at = (re: RegExp) => k.memblock.reserved.filter((r) => re.test(r.name)).map((r) => r.start);
  return { k, cma: at(/^CMA/)[0], vmemmap: Math.min(...at(/^vmemmap/)), swiotlb: at(/^swiotlb/)[0] };
}

describe("boot order: the default CMA area", () => {
  it("rpi4: the DT linux,cma node (alloc-ranges 0–1 GiB) is placed by early_init_fdt_scan_reserved_mem in arm64_memblock_init, before sparse_init, in every era", () => {
    for (const v of ["5.6", "5.10", "5.15", "6.1", "6.18"]) {
      const { k, cma, vmemmap } = placed("rpi4", v, { mem: "1G" });
      // top of [0, 0x3b400000) 4 MiB aligned (2 MiB from 5.19: the same top); 5.11–6.18 gave 0x36400000 with the vmemmap at 0x3a400000 before the fix
      expect(cma, v).toBe(0x3740_0000);
      expect(vmemmap, v).toBe(v === "5.6" || v === "5.10" ? 0x3600_0000 : 0x3640_0000); // 1 GiB sections to 5.11 (D24 test below)
      expect(k.dma_contiguous_default_area!.base_pfn * 4096, v).toBe(0x3740_0000);
    }
  });
  it("arm64 5.6–5.10: dma_contiguous_reserve(arm64_dma32_phys_limit), not the 30-bit ZONE_DMA limit", () => {
    // 5.10.7 arch/arm64/mm/init.c:395; before the fix the model used arm64_dma_phys_limit: 0xbe000000 / 0x7e000000
    expect(placed("arm64-coherent", "5.10").cma).toBe(0xfe00_0000);
    expect(placed("arm64-coherent", "5.6").cma).toBe(0xfe00_0000);
    expect(placed("arm64-smmu", "5.10").cma).toBe(0xfe00_0000);
    // the swiotlb pool stays below arm64_dma_phys_limit (ARCH_LOW_ADDRESS_LIMIT, 3 GiB there), now just under it
    expect(placed("arm64-coherent", "5.10").swiotlb).toBe(0xbc00_0000);
    // 5.11+: arm64_dma_phys_limit is 4 GiB there, so the area does not move
    expect(placed("arm64-coherent", "5.15").cma).toBe(0xfe00_0000);
    // RAM from 32 GiB: arm64_dma32_phys_limit = (start & ~(4G-1)) + 4 GiB = the end of DRAM (was 0x83e000000 below the 33 GiB ZONE_DMA end)
    expect(placed("arm64-ram32g", "5.10").cma).toBe(0x8_fe00_0000);
  });
  it("5.11+ (df2ff39e78da, mm: cma: allocate cma areas bottom-up): a limit above 4 GiB + size takes the lowest free range above 4 GiB", () => {
    // arm64-ram32g: just above the kernel image (32 GiB + 2 MiB, 28 MiB), 4 MiB aligned to 5.18, 2 MiB from 5.19 (11ac3e87ce09);
    // before the fix the top of RAM (0x8fa000000, outside the devices' 30-bit window) — 6.12+ 0x83e000000
    expect(placed("arm64-ram32g", "5.15").cma).toBe(0x8_0200_0000);
    expect(placed("arm64-ram32g", "6.6").cma).toBe(0x8_01e0_0000);
    expect(placed("arm64-ram32g", "6.18").cma).toBe(0x8_01e0_0000);
    // x86_64 with cma=64M and 8 GiB: dma_contiguous_reserve(max_pfn_mapped << PAGE_SHIFT); was 0xbc000000 (a 3 GiB window)
    expect(placed("x86_64", "5.15", { cma: "64M" }).cma).toBe(0x1_0000_0000);
    expect(placed("x86_64", "6.18", { cma: "64M" }).cma).toBe(0x1_0000_0000);
    // 5.10: top-down below the end of RAM, before paging_init's sparse_init (setup.c:1147 < :1163)
    const x = placed("x86_64", "5.10", { cma: "64M" });
    expect(x.cma).toBe(0x2_3c00_0000);
    expect(x.vmemmap).toBe(0x2_3400_0000);
  });
  it("a dma_alloc_coherent on arm64-ram32g's 30-bit device now gets CMA memory it can reach (5.11–6.6)", () => {
    const { k } = placed("arm64-ram32g", "5.15");
    const area = k.dma_contiguous_default_area!;
    expect(area.base_pfn * 4096).toBeGreaterThanOrEqual(32 * 2 ** 30);
    expect((area.base_pfn + area.count) * 4096).toBeLessThanOrEqual(33 * 2 ** 30);
  });
});

describe("boot order: sparse_init's memmap buffer (D24)", () => {
  it("one buffer per node for all present sections, handed out in ascending section order: pfn 0's struct page at its bottom", () => {
    // rpi4 4 GiB: sections 0–31 present (banks [0, 0x3b400000) and [1 GiB, 0xfc000000)), 32 × 2 MiB at 0xf8000000;
    // before: one allocation per bank, bank 0's 16 MiB at 0xfb000000 above bank 1's 48 MiB
    for (const v of ["5.15", "6.18"]) {
      const k = bootK("rpi4", v);
      const vm = k.memblock.reserved.filter((r) => r.name.startsWith("vmemmap"));
      expect(vm.map((r) => [r.start, r.size]), v).toEqual([[0xf800_0000, 64 * 2 ** 20]]);
      expect(k.pgd.physOf(k.arch.pfn_to_page(0)), v).toBe(0xf800_0000);
      expect(k.pgd.physOf(k.arch.pfn_to_page(0x40000)), v).toBe(0xf800_0000 + 8 * 2 * 2 ** 20); // section 8 (1 GiB)
    }
    // x86_64 8 GiB: sections 0–23 and 32–71, one 128 MiB buffer (was 80 + 48 MiB in two)
    const x = bootK("x86_64", "6.18");
    expect(x.memblock.reserved.filter((r) => r.name.startsWith("vmemmap")).map((r) => [r.start, r.size])).toEqual([[0x2_3800_0000, 128 * 2 ** 20]]);
    expect(x.pgd.physOf(x.arch.pfn_to_page(0x100000))).toBe(0x2_3800_0000 + 24 * 2 * 2 ** 20); // 4 GiB = section 32, the 25th present
  });
  it("arm64 5.6–5.10: 1 GiB sections (SECTION_SIZE_BITS 30), so 16 MiB maps aligned to 16 MiB (f0b13ee23241 from 5.12)", () => {
    expect(placed("rpi4", "5.10", { mem: "1G" }).vmemmap).toBe(0x3600_0000);
    expect(placed("rpi4", "5.6", { mem: "1G" }).vmemmap).toBe(0x3600_0000);
    expect(placed("rpi4", "5.15", { mem: "1G" }).vmemmap).toBe(0x3640_0000);
  });
});

describe("boot order: 32-bit ARM's default CMA area is highmem (D22)", () => {
  it("cma_declare_contiguous with arm_dma_limit 0 → the end of DRAM, above high_memory: [highmem_start, limit) first", () => {
    for (const v of ["5.6", "5.15", "6.18"]) {
      const { k, cma } = placed("arm32", v);
      // top-down 4 MiB-aligned below 1 GiB, under the VPU's no-map pool at 0x3c000000 (was 0x2c000000, lowmem)
      expect(cma, v).toBe(0x3800_0000);
      expect(k.memmap.PageHighMem(0x38000), v).toBe(true);
      // the FLATMEM mem_map takes the top of lowmem again (was 0x2b800000 under the lowmem CMA area)
      expect(k.memblock.reserved.find((r) => r.name === "mem_map")!.start, v).toBe(0x2f80_0000);
    }
    expect(placed("arm32", "6.1", { mem: "2G" }).cma).toBe(0x7c00_0000);
    // no highmem with 512 MiB: the area stays at the top of lowmem
    expect(placed("arm32", "6.1", { mem: "512M" }).cma).toBe(0x1c00_0000);
  });
});

describe("boot order: a restricted-dma-pool reserved-memory node (D23)", () => {
  it("is placed by early_init_fdt_scan_reserved_mem, before sparse_init's vmemmap, cma= and KASAN", () => {
    const at = (p: string, v: string, set: Record<string, string>) => Object.fromEntries(bootK(p, v, set).memblock.reserved.map((r) => [r.name.split(" ")[0], r.start]));
    // rpi4 1 GiB: before the vmemmap (was 0x36000000 with the vmemmap at 0x36400000). 6.12+ (8a6e02d0c00e): in DT order,
    // after the linux,cma node: 0x37400000 - 4 MiB = 0x37000000; to 6.11 fdt_init_reserved_mem's heapsort swaps the two
    // dynamic nodes, so the pool takes the top of [0, 0x3b400000), 0x3b000000, and the node goes under it, 0x37000000
    const a = at("rpi4", "6.12", { mem: "1G", restricted_dma_pool: "4M" });
    expect([a["restricted-dma-pool"], a["vmemmap"], a["CMA"]]).toEqual([0x3700_0000, 0x3600_0000, 0x3740_0000]);
    const a61 = at("rpi4", "6.1", { mem: "1G", restricted_dma_pool: "4M" });
    expect([a61["restricted-dma-pool"], a61["vmemmap"], a61["CMA"]]).toEqual([0x3b00_0000, 0x3600_0000, 0x3700_0000]);
    // with KASAN the shadow comes after it (was: the pool at 0x2e5fb000 below the shadow)
    const b = at("rpi4", "6.18", { mem: "1G", restricted_dma_pool: "4M", CONFIG_KASAN: "y" });
    expect([b["restricted-dma-pool"], b["KASAN"]]).toEqual([0x3700_0000, 0x2e5f_b000]);
    // arm64-coherent 5.15: before bootmem_init's cma= area (was 0xfdc00000 under CMA at 0xfe000000)
    const c = at("arm64-coherent", "5.15", { restricted_dma_pool: "4M" });
    expect([c["restricted-dma-pool"], c["CMA"]]).toEqual([0xffc0_0000, 0xfdc0_0000]);
    // a pool at a given base is reserved before everything placed dynamically: the CMA node avoids it
    const d = at("rpi4", "6.1", { mem: "1G", restricted_dma_pool: "4M@0x38000000" });
    expect([d["restricted-dma-pool"], d["CMA"]]).toEqual([0x3800_0000, 0x3400_0000]);
  });
});


describe("boot order: the CMA area's printk", () => {
  const lines = (p: string, v: string, set: Record<string, string> = {}) => bootK(p, v, set).klog.filter((l) => /cma|CMA/.test(l.message)).map((l) => `${l.level} ${l.message}`);
  it("is a pr_info in the log (not a trace note), its %pa 16 hex digits on arm64 / x86_64 and 8 on 32-bit ARM without LPAE", () => {
    // rpi4: rmem_cma_setup for the DT linux,cma node (no pr_fmt prefix)
    // then __reserved_mem_init_node's "initialized node %s, compatible id %s" (every era)
    expect(lines("rpi4", "5.10", { mem: "1G" })).toEqual(["info Reserved memory: created CMA memory pool at 0x0000000037400000, size 64 MiB", "info OF: reserved mem: initialized node linux,cma, compatible id shared-dma-pool"]);
    // 6.3+ (aeb9267eb6b1): then the node's own "OF: reserved mem:" line — 0x37400000 + 64 MiB - 1 = 0x3b3fffff, 65,536 KiB
    expect(lines("rpi4", "6.18", { mem: "1G" })).toEqual(["info Reserved memory: created CMA memory pool at 0x0000000037400000, size 64 MiB", "info OF: reserved mem: initialized node linux,cma, compatible id shared-dma-pool", "info OF: reserved mem: 0x0000000037400000..0x000000003b3fffff (65536 KiB) map reusable linux,cma"]);
    // 32-bit ARM: cma_declare_contiguous's "cma: " line, a 32-bit phys_addr_t
    expect(lines("arm32", "5.15")).toEqual(["info cma: Reserved 64 MiB at 0x38000000"]);
    expect(lines("arm32", "6.1", { mem: "512M" })).toEqual(["info cma: Reserved 64 MiB at 0x1c000000"]);
  });
  it("names the node from 6.6 (bf29bfaa5490) until 6.15's wrapper (c009da4258f9)", () => {
    expect(lines("x86_64", "6.1", { cma: "64M" })).toEqual(["info cma: Reserved 64 MiB at 0x0000000100000000"]);
    expect(lines("x86_64", "6.6", { cma: "64M" })).toEqual(["info cma: Reserved 64 MiB at 0x0000000100000000 on node -1"]);
    expect(lines("x86_64", "6.12", { cma: "64M" })).toEqual(["info cma: Reserved 64 MiB at 0x0000000100000000 on node -1"]);
    expect(lines("x86_64", "6.18", { cma: "64M" })).toEqual(["info cma: Reserved 64 MiB at 0x0000000100000000"]);
    expect(lines("arm32", "6.6")).toEqual(["info cma: Reserved 64 MiB at 0x38000000 on node -1"]);
  });
  it("arm64 5.11+: bootmem_init's cma= line comes after the reserved-memory nodes' lines; a DT linux,cma node's in DT order before them", () => {
    const log = (p: string, v: string, set: Record<string, string>) => bootK(p, v, set).klog.map((l) => l.message).filter((m) => /pool|cma:/.test(m));
    const c = log("arm64-coherent", "5.15", { restricted_dma_pool: "4M" });
    expect(c[0]).toBe("software IO TLB: Reserved memory: created restricted DMA pool at 0x00000000ffc00000, size 4 MiB");
    expect(c[1]).toBe("OF: reserved mem: initialized node restricted-dma-pool@ffc00000, compatible id restricted-dma-pool");
    expect(c[2]).toMatch(/^cma: Reserved \d+ MiB at 0x00000000fdc00000$/);
    const r = log("rpi4", "6.12", { mem: "1G", restricted_dma_pool: "4M" });
    expect(r.slice(0, 4)).toEqual(["Reserved memory: created CMA memory pool at 0x0000000037400000, size 64 MiB", "OF: reserved mem: initialized node linux,cma, compatible id shared-dma-pool", "software IO TLB: Reserved memory: created restricted DMA pool at 0x0000000037000000, size 4 MiB", "OF: reserved mem: initialized node restricted-dma-pool@37000000, compatible id restricted-dma-pool"]);
    // to 6.11 in fdt_init_reserved_mem's sorted order: the heapsort swapped the two dynamic nodes
    const r61 = log("rpi4", "6.1", { mem: "1G", restricted_dma_pool: "4M" });
    expect(r61.slice(0, 4)).toEqual(["software IO TLB: Reserved memory: created restricted DMA pool at 0x000000003b000000, size 4 MiB", "OF: reserved mem: initialized node restricted-dma-pool@3b000000, compatible id restricted-dma-pool", "Reserved memory: created CMA memory pool at 0x0000000037000000, size 64 MiB", "OF: reserved mem: initialized node linux,cma, compatible id shared-dma-pool"]);
  });
});

describe("boot order: an arm64 Xen dom0 with all RAM below the DMA limit gets swiotlb-xen's pool late (D25)", () => {
  const pool = (v: string, mem?: string) => {
    const k = bootK("rpi4-xen", v, mem ? { mem } : {});
    const m = k.io_tlb_default_mem!;
    return { start: m.start, end: m.end, nslabs: m.nslabs, warn: k.klog.filter((l) => l.level === "warn").map((l) => l.message), owner: k.memblock.owner(m.start) };
  };
  it("5.6–6.1 at mem=1G: no mem_init pool; xen_mm_init's loop gets order 10 (4 MiB, 2,048 slots) from the page allocator and says so in the era's words", () => {
    for (const [v, start, msg] of [
      ["5.6", 0x37000000, "xen:swiotlb_xen: Warning: only able to allocate 4 MB for software IO TLB"],
      // from 5.10 boot memory goes to the free lists' tails (7fef431be9c9): the lowest free 4 MiB block, not the highest
      ["5.10", 0x1c00000, "xen:swiotlb_xen: Warning: only able to allocate 4 MB for software IO TLB"],
      ["5.15", 0x1c00000, "xen:swiotlb_xen: Warning: only able to allocate 4 MB for software IO TLB"],
      ["5.19", 0x1c00000, "software IO TLB: only able to allocate 4 MB"],
      ["6.1", 0x1c00000, "software IO TLB: only able to allocate 4 MB"],
    ] as const) {
      const p = pool(v, "1G");
      expect([p.start, p.end - p.start, p.nslabs], v).toEqual([start, 4 << 20, 2048]);
      expect(p.warn, v).toContain(msg);
      expect(p.owner, v).toBeUndefined(); // not a memblock reservation: buddy pages
    }
  });
  it("swiotlb=256 (below the late loops' 1 MiB floor): 5.10 retries at 1,024 slots ('Lowering to 2MB'); 5.15 gives up with xen_swiotlb_error's two lines and 6.1 silently — and both return before the GNTTABOP_cache_flush probe", () => {
    const boot = (v: string) => bootK("rpi4-xen", v, { mem: "1G", swiotlb: "256" });
    const k10 = boot("5.10");
    expect([k10.io_tlb_default_mem!.start, k10.io_tlb_default_mem!.nslabs, k10.xen!.hypercall_cflush]).toEqual([0x1c00000, 1024, true]);
    expect(k10.klog.map((l) => l.message)).toContain("xen:swiotlb_xen: Lowering to 2MB");
    const k15 = boot("5.15");
    expect(k15.io_tlb_default_mem).toBeNull();
    const errs = k15.klog.filter((l) => l.level === "err").map((l) => l.message);
    expect(errs).toEqual(["xen:swiotlb_xen: Cannot allocate Xen-SWIOTLB buffer", " (rc:-12)"]);
    expect(k15.xen!.hypercall_cflush).toBe(false);
    const k61 = boot("6.1");
    expect(k61.io_tlb_default_mem).toBeNull();
    expect(k61.klog.filter((l) => l.level === "err" || l.level === "warn")).toEqual([]);
    expect(k61.xen!.hypercall_cflush).toBe(false);
  });

  it("6.6 (DMA_BOUNCE_UNALIGNED_KMALLOC) and every era with RAM above the DMA limit: mem_init's 64 MiB memblock pool", () => {
    for (const [v, mem] of [["6.6", "1G"], ["6.18", undefined], ["5.15", undefined], ["5.6", undefined]] as const) {
      const p = pool(v, mem);
      expect([p.start, p.nslabs, p.owner], `${v} ${mem ?? "default"}`).toEqual([0x2c000000, 32768, "swiotlb buffer"]);
      expect(p.warn.filter((w) => w.includes("only able")), v).toEqual([]);
    }
  });
  it("6.12 and 6.18 at mem=1G (all RAM below the DMA limit): 65033574ade9's 1 MiB per GiB — 512 slots from memblock, not 64 MiB", () => {
    // (this case asserted the 64 MiB pool for 6.18 before 65033574ade9 was modelled.) dom0's memblock.memory is
    // [0, 0x30000000) + [0x34000000, 0x3b400000) = 884 MiB: DIV_ROUND_UP(0x37400000, 1024) = 905,216 bytes → 442
    // slabs → ALIGN(, IO_TLB_SEGSIZE) = 512; "adjusted to 0MB" (905,216 >> 20); 4 areas of 128 need no round-up
    for (const v of ["6.12", "6.18"]) {
      const p = pool(v, "1G");
      expect([p.start, p.end - p.start, p.nslabs, p.owner], v).toEqual([0x36300000, 1 << 20, 512, "swiotlb buffer"]);
      const k = bootK("rpi4-xen", v, { mem: "1G" });
      expect(k.klog.map((l) => l.message).filter((m) => m.startsWith("software IO TLB:")), v).toEqual([
        "software IO TLB: SWIOTLB bounce buffer size adjusted to 0MB",
        "software IO TLB: area num 4.",
        "software IO TLB: mapped [mem 0x0000000036300000-0x0000000036400000] (1MB)",
      ]);
    }
  });
});

describe("boot order: the reserved-memory nodes' own line (aeb9267eb6b1, 6.3)", () => {
  const rmem = (v: string, set: Record<string, string>) => bootK("rpi4", v, set).klog.map((l) => `${l.level} ${l.message}`).filter((m) => /Reserved memory|reserved mem/.test(m));
  it("6.1 prints only the drivers' lines; 6.6+ follow each with base..end (inclusive), KiB, map/nomap, reusable, name", () => {
    const set = { mem: "1G", restricted_dma_pool: "4M" };
    // 6.1: fdt_init_reserved_mem's sorted order (the heapsort swaps the two dynamic nodes, which __rmem_cmp finds equal):
    // the pool at the top of [0, 0x3b400000), 0x3b000000, the linux,cma node under it at 0x37000000
    expect(rmem("6.1", set)).toEqual([
      "info software IO TLB: Reserved memory: created restricted DMA pool at 0x000000003b000000, size 4 MiB",
      "info OF: reserved mem: initialized node restricted-dma-pool@3b000000, compatible id restricted-dma-pool",
      "info Reserved memory: created CMA memory pool at 0x0000000037000000, size 64 MiB",
      "info OF: reserved mem: initialized node linux,cma, compatible id shared-dma-pool",
    ]);
    // 6.6 (4cea2821882b, 6.5: __rmem_cmp breaks the tie by fdt_node, the node's offset in the FDT) sorts the two dynamic
    // nodes into DT order, and 6.12+ (8a6e02d0c00e) allocates them in DT order: linux,cma first at the top of
    // [0, 0x3b400000) (0x3b400000 - 64 MiB = 0x37400000), the pool under it (0x37000000).
    // 0x37000000 + 4 MiB - 1 = 0x373fffff; a restricted-dma-pool is neither reusable nor no-map (rmem_swiotlb_setup's condition)
    for (const v of ["6.6", "6.12", "6.18"]) {
      expect(rmem(v, set), v).toEqual([
        "info Reserved memory: created CMA memory pool at 0x0000000037400000, size 64 MiB",
        "info OF: reserved mem: initialized node linux,cma, compatible id shared-dma-pool",
        "info OF: reserved mem: 0x0000000037400000..0x000000003b3fffff (65536 KiB) map reusable linux,cma",
        "info software IO TLB: Reserved memory: created restricted DMA pool at 0x0000000037000000, size 4 MiB",
        "info OF: reserved mem: initialized node restricted-dma-pool@37000000, compatible id restricted-dma-pool",
        "info OF: reserved mem: 0x0000000037000000..0x00000000373fffff (4096 KiB) map non-reusable restricted-dma-pool@37000000",
      ]);
    }
  });
  it("a platform without reserved-memory nodes prints none (x86_64's cma= area is not a DT node)", () => {
    expect(bootK("x86_64", "6.18", { cma: "64M" }).klog.some((l) => l.message.startsWith("OF: reserved mem:"))).toBe(false);
  });
});

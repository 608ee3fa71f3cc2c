/**
 * Claims audit (stop 15, issue 8): claims read off `dmasim run --trace` and checked against each
 * version's own tree that did not hold, fixed. Each test spawns the built CLI and asserts the
 * corrected trace lines, with the real addresses the run prints (docs/verified-facts.md,
 * "Claims audit (stop 15)").
 *
 * - 19c65c3d30bb (5.10): 5.6 has dma_direct_unmap_page / dma_direct_sync_single_for_cpu in
 *   kernel/dma/direct.c (5.6.4 :322, :285), 5.10 in kernel/dma/direct.h;
 * - x86 PV (5.6–5.18): xen_swiotlb_alloc_coherent frees through xen_free_coherent_pages
 *   (arch/x86/include/asm/xen/page-coherent.h) when xen_create_contiguous_region fails;
 * - 3e35d303ab7d (6.5): arm64 MODULES_VSIZE is SZ_2G (6.6.63 arch/arm64/include/asm/memory.h:49;
 *   6.1.166 :49 SZ_128M), so the image and vmalloc start at PAGE_END + 2 GiB (Known divergence D16);
 * - 32697ff38287 (6.9, with 031e011d8b22 and b730b0f2b1fc): VMEMMAP_END = -SZ_1G (6.12.19 and
 *   6.18.35 memory.h:50–51), so 6.12+ struct pages sit at 0xfffffdffc0000000 + pfn·64 (D17);
 * - 861370f49ce4 (6.5): dma-iommu's dev_use_swiotlb(dev, size, dir) also bounces a kmalloc buffer
 *   that may share a cache line, for a non-coherent device (6.6.63 dma-iommu.c:524–530, :1046) (D18);
 * - swiotlb 6.6: swiotlb_find_slots → swiotlb_pool_find_slots → swiotlb_area_find_slots
 *   (6.6.63 swiotlb.c:1118–1135); 55c543865b76 (6.8) renames the per-area search
 *   swiotlb_search_pool_area and drops swiotlb_pool_find_slots (6.18.35 swiotlb.c:1274–1290).
 */
import { describe, expect, it } from "vitest";
import { runCliOnce, runYaml } from "./helpers.js";

const T = 120_000;

/** The trace lines of one run, call lines only, with the tree-drawing prefix and padding removed. */
async function traceCalls(args: string[]): Promise<string[]> {
  const r = await runCliOnce(["run", ...args, "--trace"]); // two claims read the same run
  expect(r.stderr).toBe("");
  return r.stdout
    .split("\n")
    .filter((l) => l.includes("→ ") || l.includes("← "))
    .map((l) => l.replace(/^[\s│]*/, "").replace(/\s+\[/, "  ["));
}

describe("claims audit: file names per version (19c65c3d30bb)", () => {
  const args = (k: string) => ["scenarios/drivers/unmap-wrong-size.yaml", "--platform", "x86_64", "--set", "swiotlb=force", "--kernel", k];

  it("5.6: dma_direct_map_page, dma_direct_unmap_page and dma_direct_sync_single_for_cpu are in kernel/dma/direct.c", async () => {
    const calls = await traceCalls(args("5.6"));
    expect(calls).toContain("→ dma_direct_map_page(page=0xffffea0008dfc800, offset=0x0, size=0x1000, dir=DMA_FROM_DEVICE)  [kernel/dma/direct.c]");
    expect(calls).toContain("→ dma_direct_unmap_page(addr=0xbc000000, size=0x800, dir=DMA_FROM_DEVICE)  [kernel/dma/direct.c]");
    expect(calls).toContain("→ dma_direct_sync_single_for_cpu(addr=0xbc000000, size=0x800, dir=DMA_FROM_DEVICE)  [kernel/dma/direct.c]");
    expect(calls.join("\n")).not.toContain("kernel/dma/direct.h");
  }, T);

  it("5.10: the same functions are static inlines in kernel/dma/direct.h", async () => {
    const calls = await traceCalls(args("5.10"));
    expect(calls).toContain("→ dma_direct_unmap_page(addr=0xbc000000, size=0x800, dir=DMA_FROM_DEVICE)  [kernel/dma/direct.h]");
    expect(calls).toContain("→ dma_direct_sync_single_for_cpu(addr=0xbc000000, size=0x800, dir=DMA_FROM_DEVICE)  [kernel/dma/direct.h]");
    expect(calls.join("\n")).not.toContain("[kernel/dma/direct.c]");
  }, T);
});

describe("claims audit: x86 PV xen_swiotlb_alloc_coherent frees through xen_free_coherent_pages", () => {
  it("5.10: order 10 exceeds MAX_CONTIG_ORDER; the 4 MiB buffer goes back through the x86 page-coherent.h helper", async () => {
    const calls = await traceCalls(["scenarios/xen-pv-4m-coherent.yaml", "--platform", "x86_64-xen-pv", "--kernel", "5.10"]);
    const i = calls.indexOf("← xen_create_contiguous_region = -ENOMEM (order > MAX_CONTIG_ORDER)");
    expect(i).toBeGreaterThan(0);
    expect(calls.slice(i + 1, i + 4)).toEqual([
      // a 4 MiB block near the bottom of ZONE_NORMAL: boot memory went to the free lists' tails (7fef431be9c9, 5.10)
      "→ xen_free_coherent_pages(size=0x400000, cpu_addr=0xffff888100400000)  [arch/x86/include/asm/xen/page-coherent.h]",
      "→ __free_pages(page=0xffffea0004010000, order=10)  [mm/page_alloc.c]",
      "← xen_swiotlb_alloc_coherent = NULL",
    ]);
  }, T);
});

describe("claims audit: the swiotlb slot search per version (55c543865b76)", () => {
  const args = (k: string) => ["scenarios/drivers/swiotlb-full-oversize.yaml", "--platform", "x86_64", "--set", "swiotlb=force", "--kernel", k];

  it("6.6: swiotlb_find_slots → swiotlb_pool_find_slots → swiotlb_area_find_slots, 130 slots fit in no area", async () => {
    const calls = await traceCalls(args("6.6"));
    const i = calls.findIndex((l) => l.startsWith("→ swiotlb_find_slots("));
    expect(calls.slice(i, i + 6)).toEqual([
      "→ swiotlb_find_slots(orig_addr=0x237e00000, alloc_size=266240, alloc_align_mask=0x0)  [kernel/dma/swiotlb.c]",
      "→ swiotlb_pool_find_slots(pool=0xbc000000, orig_addr=0x237e00000, alloc_size=266240, alloc_align_mask=0x0)  [kernel/dma/swiotlb.c]",
      "→ swiotlb_area_find_slots(pool=0xbc000000, area=0, orig_addr=0x237e00000, alloc_size=266240, alloc_align_mask=0x0)  [kernel/dma/swiotlb.c]",
      "← swiotlb_area_find_slots = -1",
      "← swiotlb_pool_find_slots = -1",
      "← swiotlb_find_slots = -1",
    ]);
  }, T);

  it("6.18: the !DYNAMIC swiotlb_find_slots calls swiotlb_search_pool_area itself", async () => {
    const calls = await traceCalls(args("6.18"));
    const i = calls.findIndex((l) => l.startsWith("→ swiotlb_find_slots("));
    expect(calls.slice(i, i + 4)).toEqual([
      "→ swiotlb_find_slots(orig_addr=0x237e00000, alloc_size=266240, alloc_align_mask=0x0)  [kernel/dma/swiotlb.c]",
      "→ swiotlb_search_pool_area(pool=0xbc000000, area=0, orig_addr=0x237e00000, alloc_size=266240, alloc_align_mask=0x0)  [kernel/dma/swiotlb.c]",
      "← swiotlb_search_pool_area = -1",
      "← swiotlb_find_slots = -1",
    ]);
    expect(calls.join("\n")).not.toMatch(/swiotlb_(pool|area)_find_slots/);
  }, T);
});

describe("claims audit: arm64 MODULES_VSIZE (3e35d303ab7d, D16)", () => {
  const vmap = async (k: string) => (await traceCalls(["scenarios/seed-mmap.yaml", "--platform", "rpi4", "--kernel", k])).find((l) => l.startsWith("← vmap = "));

  it("6.1: the 64 KiB coherent buffer is vmapped right after the image at PAGE_END + 128 MiB; 6.6 and 6.18: PAGE_END + 2 GiB", async () => {
    expect(await vmap("6.1")).toBe("← vmap = 0xffff800009b88000 (vmalloc area 0xffff800009b88000-0xffff800009b99000, guard page included)");
    for (const k of ["6.6", "6.18"]) expect(await vmap(k), k).toBe("← vmap = 0xffff800081b88000 (vmalloc area 0xffff800081b88000-0xffff800081b99000, guard page included)");
  }, T);
});

describe("claims audit: arm64 vmemmap below the top GiB (32697ff38287, D17)", () => {
  const page = async (k: string) => (await traceCalls(["scenarios/seed-mmap.yaml", "--platform", "rpi4", "--kernel", k])).find((l) => l.startsWith("← cma_alloc = "));

  it("rpi4 (memstart 0), pfn 0x37580: 6.6 0xfffffc0000dd6000 (-2^42 + pfn·64); 6.12 and 6.18 0xfffffdffc0dd6000 (-SZ_1G - 2^41 + pfn·64)", async () => {
    expect(await page("6.6")).toBe("← cma_alloc = page 0xfffffc0000dd6000 (pfn 0x37580)");
    for (const k of ["6.12", "6.18"]) expect(await page(k), k).toBe("← cma_alloc = page 0xfffffdffc0dd6000 (pfn 0x37580)");
  }, T);
});

describe("claims audit: dma-iommu bounces unaligned kmalloc buffers (861370f49ce4, D18)", () => {
  // the PL330 behind the SMMU is not dma-coherent: a 72-byte kmalloc object (kmalloc-96, not a multiple of the 64-byte cache line)
  const yaml = (kernel: string, size: number, dir: string) => `
name: small kmalloc buffer for a non-coherent device behind the SMMU
platform: arm64-smmu
kernel: "${kernel}"
device: dma-engine
steps:
  - { op: kmalloc, size: ${size}, as: buf }
  - { op: cpu_write, buf: buf, offset: 0, data: "stale cpu data" }
  - { op: dma_map_single, buf: buf, size: ${size}, dir: ${dir}, as: m }
  - { op: device_write, map: m, offset: 0, data: "from the device" }
  - { op: dma_unmap_single, map: m }
  - { op: cpu_read, buf: buf, offset: 0, length: 15, expect: { data: "from the device" } }
`;
  const mapStep = (kernel: string, size: number, dir: string) => {
    const r = runYaml(yaml(kernel, size, dir), { trace: true });
    // a DMA_TO_DEVICE mapping is read-only in the SMMU: the device's write is a permission fault there
    if (dir === "DMA_FROM_DEVICE") expect(r.ok, kernel).toBe(true);
    return r.steps[2]!;
  };

  it("6.1 maps 72 bytes FROM_DEVICE in place at IOVA 0xfffff000; 6.6 and 6.18 bounce them through the slot at phys 0xfa000000, mapped at the same IOVA", () => {
    const s61 = mapStep("6.1", 72, "DMA_FROM_DEVICE");
    expect(s61.result.bounced).toBe(false);
    expect(s61.result.dma_addr).toBe("0xfffff000");
    for (const k of ["6.6", "6.18"]) {
      const s = mapStep(k, 72, "DMA_FROM_DEVICE");
      expect(s.result.bounced, k).toBe(true);
      expect(s.result.dma_addr, k).toBe("0xfffff000");
      expect(s.summary, k).toContain("bounced: the device uses swiotlb slot at phys 0xfa000000");
    }
  });

  it("6.6: a 64-byte object (a whole cache line) or DMA_TO_DEVICE stays in place", () => {
    expect(mapStep("6.6", 64, "DMA_FROM_DEVICE").result.bounced).toBe(false);
    expect(mapStep("6.6", 72, "DMA_TO_DEVICE").result.bounced).toBe(false);
  });
});

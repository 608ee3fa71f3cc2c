/**
 * dma-iommu.c __iommu_dma_alloc_pages (5.6.4 :510–561, 5.10.7 :512–560, 5.19 :719–770, 6.18.35 :873–930) takes the
 * largest order the IOMMU's page sizes allow first: order_mask = pgsize_bitmap >> PAGE_SHIFT, cut to the buddy
 * allocator's orders; for what is left of count the largest order ≤ __fls(count) (with __GFP_NORETRY while a smaller
 * one remains), a failed order dropped for good, a block split_page()d into order-0 pages. SMMUv3 (4 KiB | 2 MiB | 1 GiB):
 * a 4 MiB blocking dma_alloc_coherent is two order-9 blocks (one sg entry and one 2 MiB IOMMU block mapping each);
 * VT-d 5.11–5.14 (INTEL_IOMMU_PGSIZES, every size): a 16 KiB buffer is one order-2 block; VT-d 5.15+ (a886d5a7e67b,
 * no superpages in the modelled DMAR): 4 KiB pages. 5.6 hands a __GFP_COMP block to split_huge_page (-EBUSY, or
 * VM_BUG_ON_PAGE with CONFIG_DEBUG_VM) and falls back to order 0; 5.10+ clears __GFP_COMP.
 */
import { describe, expect, it } from "vitest";
import { bootK, run, runYaml } from "./helpers.js";
import { renderTrace } from "../src/core/trace.js";
import { dma_alloc_attrs, dma_free_attrs } from "../src/kernel/dma/mapping.js";
import { vmalloc_to_page, nr_free_pages_for } from "../src/mm/mm.js";
import { iommu_iova_to_phys } from "../src/drivers/iommu/iommu.js";
import { GFP_KERNEL, __GFP_COMP } from "../src/include/gfp.js";
import { KernelFault } from "../src/core/faults.js";
import { PAGE_SIZE } from "../src/core/u64.js";

const MiB = 1 << 20;

function pfnsOf(k: ReturnType<typeof bootK>, cpu: number, size: number): number[] {
  const out: number[] = [];
  for (let off = 0; off < size; off += PAGE_SIZE) out.push(k.arch.page_to_pfn(vmalloc_to_page(k, cpu + off)));
  return out;
}
/** runs of physically contiguous pages: [first pfn, length] */
function runsOf(pfns: number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const p of pfns) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === p) last[1]++;
    else runs.push([p, 1]);
  }
  return runs;
}

describe("__iommu_dma_alloc_pages: the IOMMU's page sizes as allocation orders", () => {
  for (const v of ["5.10", "5.19", "6.6", "6.18"]) {
    it(`${v} arm64-smmu: a 4 MiB dma_alloc_coherent is two 2 MiB-aligned order-9 blocks, mapped where the IOMMU says; freed back (buddy or pcp lists)`, () => {
      const k = bootK("arm64-smmu", v);
      const dev = k.devices.get("0000:00:03.0")!;
      const free0 = nr_free_pages_for(k, GFP_KERNEL);
      const r = dma_alloc_attrs(k, dev, 4 * MiB, GFP_KERNEL, 0)!;
      expect(r).not.toBeNull();
      const pfns = pfnsOf(k, r.cpu_addr, 4 * MiB);
      const runs = runsOf(pfns);
      expect(runs.map(([, n]) => n)).toEqual([512, 512]); // two separate order-9 blocks (or [1024] if the buddy gave neighbours)
      for (const [p] of runs) expect(p % 512).toBe(0);
      // each page has its own reference (split_page): the IOMMU maps every page where the vmap does
      for (let i = 0; i < 1024; i += 37) {
        expect(k.memmap.refcount(pfns[i]!)).toBe(1);
        expect(iommu_iova_to_phys(k, dev.iommu!.domain, r.dma_handle + i * PAGE_SIZE)).toBe(pfns[i]! * PAGE_SIZE);
      }
      dma_free_attrs(k, dev, 4 * MiB, r.cpu_addr, r.dma_handle, 0);
      expect(nr_free_pages_for(k, GFP_KERNEL)).toBeGreaterThanOrEqual(free0 - 16); // the page array / table pages aside
      // each page freed alone (__free_page): onto CPU 0's pcp list, whose drains at high give the oldest to the buddy lists
      const onPcp = new Set(k.buddy.zones.flatMap((z) => z.pcp?.lists.flat() ?? []));
      for (const [p, n] of runs) for (let i = 0; i < n; i++) expect(k.buddy.isFree(p + i) || onPcp.has(p + i)).toBe(true);
    });
  }
  it("5.19 arm64-smmu: 2 MiB + 3 pages is one order-9 block then three single pages", () => {
    const k = bootK("arm64-smmu", "5.19");
    const dev = k.devices.get("0000:00:03.0")!;
    const size = 2 * MiB + 3 * PAGE_SIZE;
    const r = dma_alloc_attrs(k, dev, size, GFP_KERNEL, 0)!;
    const runs = runsOf(pfnsOf(k, r.cpu_addr, size));
    expect(runs[0]![1]).toBe(512);
    expect(runs[0]![0] % 512).toBe(0);
    expect(runs.slice(1).reduce((s, [, n]) => s + n, 0)).toBe(3);
  });
  it("x86_64-iommu: 5.14's INTEL_IOMMU_PGSIZES makes the fragmented 16 KiB noncontiguous buffer one order-2 block; 5.15's SZ_4K four pages", () => {
    const r14 = run("scenarios/iommu/noncontiguous-ring.yaml", { platform: "x86_64-iommu", kernel: "5.14" });
    const s14 = r14.steps.find((s) => s.result.orig_nents !== undefined)!;
    expect([s14.result.orig_nents, s14.result.pfn]).toEqual(["1", "0x237e00"]); // the head of the order-2 pcp refill (15 blocks)
    const r15 = run("scenarios/iommu/noncontiguous-ring.yaml", { platform: "x86_64-iommu", kernel: "5.15" });
    const s15 = r15.steps.find((s) => s.result.orig_nents !== undefined)!;
    expect(s15.result.orig_nents).toBe("4");
    expect(bootK("x86_64-iommu", "5.15").devices.get("0000:00:03.0")?.iommu?.domain.pgsize_bitmap ?? 0x1000).toBe(0x1000);
  });
  it("5.6 arm64-smmu with __GFP_COMP: split_huge_page refuses the compound order-9 block, which is freed: single pages; 5.10 clears __GFP_COMP: order 9", () => {
    const yaml = (v: string) => `
name: compound
platform: arm64-smmu
kernel: "${v}"
device: nic
steps:
  - { op: dma_alloc_coherent, size: 2M, gfp: GFP_KERNEL|__GFP_COMP, as: b }
`;
    const t6 = renderTrace(runYaml(yaml("5.6"), { trace: true }).steps[0]!.trace, false).join("\n");
    expect(t6).toContain("split_huge_page of the compound order-9 block: -EBUSY (neither anonymous nor in a mapping); freed, the next order is tried");
    // order-0 pages only: below the boot pool's memblock metadata the free blocks are fragments, so they are not contiguous
    expect(t6).toContain("← __iommu_dma_alloc_pages = 512 pages (not physically contiguous): pfn 0x237f87, 0x237f88, 0x237f89, 0x237f8a, …");
    const t10 = renderTrace(runYaml(yaml("5.10"), { trace: true }).steps[0]!.trace, false).join("\n");
    expect(t10).not.toContain("split_huge_page");
    expect(t10).toMatch(/← __iommu_dma_alloc_pages = 512 pages \(1 block of order 9\): pfn /);
  });
  it("5.6 with CONFIG_DEBUG_VM: split_huge_page's VM_BUG_ON_PAGE(!PageLocked(head)) — kernel BUG at mm/huge_memory.c:2719", () => {
    const k = bootK("arm64-smmu", "5.6", { CONFIG_DEBUG_VM: "y" });
    const dev = k.devices.get("0000:00:03.0")!;
    let e: unknown;
    try {
      dma_alloc_attrs(k, dev, 2 * MiB, GFP_KERNEL | __GFP_COMP, 0);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(KernelFault);
    expect((e as KernelFault).message).toMatch(/VM_BUG_ON_PAGE\(!PageLocked\(head\)\); kernel BUG at mm\/huge_memory.c:2719!$/);
  });
});

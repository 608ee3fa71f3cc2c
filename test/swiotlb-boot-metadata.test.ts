/**
 * The boot swiotlb pool's metadata comes from memblock, right after its buffer, in each era's sizes, alignment and
 * order (docs/verified-facts.md "swiotlb's boot metadata from memblock (stop 21)"):
 * - 5.6–5.11 swiotlb_init_with_tbl: io_tlb_list = memblock_alloc(PAGE_ALIGN(nslabs * 4), PAGE_SIZE), then
 *   io_tlb_orig_addr = memblock_alloc(PAGE_ALIGN(nslabs * 8), PAGE_SIZE) (5.6.4 kernel/dma/swiotlb.c:217–227, 5.10.7 :215–225);
 * - 5.13–5.14: the io_tlb_mem with its slots, PAGE_ALIGN(struct_size(mem, slots, nslabs)) = PAGE_ALIGN(56 + 24 n) (5.14-rc5 :184–188);
 * - 5.15–5.19: mem->slots, PAGE_ALIGN(24 n) (5.15.178 :214–218, 5.19 :271–275);
 * - 6.0+: mem->slots, then mem->areas = memblock_alloc(16 × areas, SMP_CACHE_BYTES = 64) (6.1.166 :395–408: default_nareas;
 *   6.6.63 :398–411, 6.18.35 :399–412: limit_nareas).
 * memblock_alloc is top-down below memblock.current_limit (the top of RAM), so on x86_64 (buffer below 4 GiB,
 * memblock_alloc_low) the metadata lands at the top of RAM, and the page allocator's first pages move below it.
 */
import { describe, expect, it } from "vitest";
import type { Kernel } from "../src/kernel.js";
import { PG_reserved } from "../src/mm/page_alloc.js";
import { bootK, runYaml } from "./helpers.js";

/** The metadata reservations in the order they were made (top-down: highest first), as [name, start, size]. */
const meta = (k: Kernel) =>
  k
    .memblock!.reserved.filter((r) => /^swiotlb /.test(r.name) && r.name !== "swiotlb buffer")
    .sort((a, b) => b.start - a.start)
    .map((r) => [r.name, `0x${r.start.toString(16)}`, `0x${r.size.toString(16)}`]);

describe("x86_64 (8 GiB, nr_cpus=4): the default 32,768-slab pool's metadata, per era", () => {
  const LIST = [["swiotlb io_tlb_list", "0x237fe0000", "0x20000"], ["swiotlb io_tlb_orig_addr", "0x237fa0000", "0x40000"]];
  const MEM = [["swiotlb io_tlb_mem", "0x237f3f000", "0xc1000"]]; // PAGE_ALIGN(56 + 24 × 32,768) = 193 pages
  const SLOTS = [["swiotlb slots", "0x237f40000", "0xc0000"]]; // 24 × 32,768 = 192 pages
  const AREAS = [...SLOTS, ["swiotlb areas", "0x237f3ffc0", "0x40"]]; // 4 areas × 16 bytes, 64-byte aligned, just below the slots
  it.each([
    ["5.6", LIST],
    ["5.10", LIST],
    ["5.13", MEM],
    ["5.14", MEM],
    ["5.15", SLOTS],
    ["5.19", SLOTS],
    ["6.1", AREAS],
    ["6.6", AREAS],
    ["6.12", AREAS],
    ["6.18", AREAS],
  ])("%s", (kernel, blocks) => {
    const k = bootK("x86_64", kernel, { nr_cpus: "4" });
    expect(k.io_tlb_default_mem!.start).toBe(0xbc000000); // the buffer: memblock_alloc_low, below 4 GiB
    expect(meta(k)).toEqual(blocks);
  });
});

describe("the free memory follows: pages the metadata takes are reserved, not the page allocator's", () => {
  // against swiotlb=noforce (no pool from 5.12: neither buffer nor metadata), x86_64 8 GiB: the 16,384 buffer pages plus
  // the metadata's — 5.6's noforce pool is one slab, a page each for the buffer, io_tlb_list and io_tlb_orig_addr
  it.each([
    ["5.6", 16384 + 32 + 64 - 3],
    ["5.13", 16384 + 193],
    ["5.15", 16384 + 192],
    ["6.1", 16384 + 192 + 1], // the areas array's page is not freed (__free_memory_core: PFN_UP / PFN_DOWN)
    ["6.18", 16384 + 192 + 1],
  ])("%s: %i pages fewer free than with swiotlb=noforce", (kernel, pages) => {
    const free = (set: Record<string, string>) => bootK("x86_64", kernel, set).buddy!.totalFree();
    expect(free({ swiotlb: "noforce" }) - free({})).toBe(pages);
  });
  it("the areas array's page is PG_reserved like the slots' (reserve_bootmem_region covers every page a reservation touches)", () => {
    const k = bootK("x86_64", "6.18");
    const pfnOf = (name: string) => Math.floor(k.memblock!.reserved.find((r) => r.name === name)!.start / 4096);
    expect(pfnOf("swiotlb areas")).toBe(0x237f3f);
    for (const name of ["swiotlb areas", "swiotlb slots"]) expect(k.memmap.flags(pfnOf(name)) & PG_reserved, name).toBe(PG_reserved);
  });
  it.each([
    ["5.6", "0x237f84", "0xffff888237f20000"],
    ["5.15", "0x237f04", "0xffff888237e00000"],
    ["6.18", "0x237f39", "0xffff888237e00000"],
  ])("%s: the first alloc_pages and kmalloc(16K) of a run come from below the metadata (pfn %s, %s)", (kernel, pfn, kmalloc) => {
    const r = runYaml("name: first pages\nsteps:\n  - { op: alloc_pages, order: 0, as: p }\n  - { op: kmalloc, size: 16K, as: a }\n", { platform: "x86_64", kernel });
    expect(r.steps.map((s) => s.result.pfn ?? s.result.ret)).toEqual([pfn, kmalloc]);
  });
});

describe("no metadata where the era allocates none", () => {
  it("5.13–5.18 x86 PV with swiotlb=noforce: xen_swiotlb_init_early takes and fixes up the buffer, swiotlb_init_with_tbl returns 0 first (5.15.178 swiotlb.c:207–208)", () => {
    const k = bootK("x86_64-xen-pv", "5.15", { swiotlb: "noforce" });
    expect(k.io_tlb_default_mem).toBeNull();
    expect(meta(k)).toEqual([]);
    expect(k.memblock!.reserved.filter((r) => r.name === "swiotlb buffer").length).toBe(1);
  });
  it("x86 PV 5.15: the metadata follows the fixed-up buffer (192 pages of slots)", () => {
    const noforce = bootK("x86_64-xen-pv", "5.15", { swiotlb: "noforce" });
    const pooled = bootK("x86_64-xen-pv", "5.15");
    expect(meta(pooled).map((b) => b[2])).toEqual(["0xc0000"]);
    expect(noforce.buddy!.totalFree() - pooled.buddy!.totalFree()).toBe(192);
  });
});

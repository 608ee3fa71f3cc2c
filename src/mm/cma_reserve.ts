/**
 * Boot-time placement of a CMA area: mm/cma.c cma_declare_contiguous(_nid) with base 0 and not fixed
 * (dma_contiguous_reserve's default area), and drivers/of/of_reserved_mem.c __reserved_mem_alloc_size
 * for a reusable shared-dma-pool node with alloc-ranges. Both take the area from memblock.
 */
import type { Memblock } from "./memblock.js";

const MiB = 1024 * 1024;
const SZ_4G = 4 * 1024 * MiB;

/**
 * include/linux/cma.h CMA_MIN_ALIGNMENT_BYTES: 5.6–5.18 PAGE_SIZE << max(MAX_ORDER - 1, pageblock_order)
 * = 4 MiB (4 KiB pages, MAX_ORDER 11); 5.19+ (11ac3e87ce09) pageblock_nr_pages pages — 2 MiB where
 * CONFIG_HUGETLB_PAGE makes pageblock_order HUGETLB_PAGE_ORDER (arm64, x86_64), 4 MiB on 32-bit ARM
 * without LPAE (no hugetlb: pageblock_order = MAX_ORDER - 1).
 */
export function CMA_MIN_ALIGNMENT_BYTES(pageblockAlign: boolean, hugetlb: boolean): number {
  return pageblockAlign && hugetlb ? 2 * MiB : 4 * MiB;
}

/**
 * mm/cma.c cma_declare_contiguous_nid (5.6–6.14; 6.15+ __cma_declare_contiguous_nid → cma_alloc_mem),
 * base 0, not fixed: limit rounded down to the alignment, 0 or above memblock_end_of_DRAM() means the
 * end of DRAM; with HIGHMEM a limit above high_memory tries [highmem_start, limit) first (all eras);
 * from 5.11 (df2ff39e78da "mm: cma: allocate cma areas bottom-up") on 64-bit, when DRAM ends at least 4 GiB +
 * size up, a bottom-up try in [4 GiB, limit); then top-down in [0, limit). Returns the base, or null.
 */
export function cma_declare_contiguous(mb: Memblock, size: number, limit: number, alignment: number, opts: { highmem_start: number | null; bottom_up_4g: boolean }, name: string): number | null {
  const memblock_end = Math.max(...mb.memory.map((b) => b.start + b.size));
  limit = Math.floor(limit / alignment) * alignment;
  if (limit === 0 || limit > memblock_end) limit = memblock_end;
  let addr: number | null = null;
  if (opts.highmem_start !== null && opts.highmem_start > 0 && limit > opts.highmem_start) {
    addr = mb.tryAlloc(size, alignment, opts.highmem_start, limit, name);
    limit = opts.highmem_start;
  }
  if (addr === null && opts.bottom_up_4g && memblock_end >= SZ_4G + size) addr = mb.tryAllocBottomUp(size, alignment, SZ_4G, limit, name);
  // memblock_find_in_range_node: start = max(start, PAGE_SIZE)
  if (addr === null) addr = mb.tryAlloc(size, alignment, 4096, limit, name);
  return addr;
}

/** lib/vsprintf.c %pa of a phys_addr_t: "0x" and two hex digits per byte — 8 on 32-bit ARM without LPAE, 16 on arm64 and x86_64 */
export function pr_pa(a: number, phys_addr_bits: 32 | 64): string {
  return "0x" + a.toString(16).padStart(phys_addr_bits / 4, "0");
}

/**
 * mm/cma.c cma_declare_contiguous_nid's closing printk (pr_fmt "cma: "): pr_info "Reserved %ld MiB at %pa" or
 * pr_err "Failed to reserve %ld MiB" (5.6.4 :365/:372, 6.1.166 :370, 6.18.35 :743–747); 6.6–6.14 append
 * " on node %d" (bf29bfaa5490; 6.6.63 :374/:381, 6.12.19 :369/:376), nid NUMA_NO_NODE (-1) for
 * dma_contiguous_reserve's cma_declare_contiguous; 6.15's wrapper prints them without it again (c009da4258f9).
 */
export function cma_declare_contiguous_pr(sizeBytes: number, base: number | null, on_node: boolean, phys_addr_bits: 32 | 64): { level: "info" | "err"; message: string } {
  const node = on_node ? " on node -1" : "";
  const mib = Math.floor(sizeBytes / MiB);
  if (base === null) return { level: "err", message: `cma: Failed to reserve ${mib} MiB${node}` };
  return { level: "info", message: `cma: Reserved ${mib} MiB at ${pr_pa(base, phys_addr_bits)}${node}` };
}

/** kernel/dma/contiguous.c rmem_cma_setup (5.6–6.18): pr_info "Reserved memory: created CMA memory pool at %pa, size %ld MiB" (no pr_fmt prefix: 5.10.7 :380–381, :438) */
export function rmem_cma_setup_pr(base: number, sizeBytes: number, phys_addr_bits: 32 | 64): { level: "info"; message: string } {
  return { level: "info", message: `Reserved memory: created CMA memory pool at ${pr_pa(base, phys_addr_bits)}, size ${Math.floor(sizeBytes / MiB)} MiB` };
}

/** kernel/dma/contiguous.c rmem_cma_setup (5.6–6.12; removed by 0fd17e598333, 6.18.35 stable): a linux,cma-default node with cma= given: pr_info "Reserved memory: bypass %s node, using cmdline CMA params instead" (no pr_fmt prefix), -EBUSY (5.6.4 :309–312, 5.10.7 :409–412, 5.15.178 :407–410, 6.1.166 :406–409, 6.12.19 :464–467) */
export function rmem_cma_setup_bypass_pr(name: string): { level: "info"; message: string } {
  return { level: "info", message: `Reserved memory: bypass ${name} node, using cmdline CMA params instead` };
}

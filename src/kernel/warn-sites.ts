/**
 * Where each modelled WARN()/dev_WARN*() sits in each version's tree: the "file:line" the kernel
 * prints in its "WARNING: CPU: n PID: n at <file>:<line> <function>+<off>/<size>" line (__LINE__ of
 * the macro's first line, as GCC expands it). Read in the trees listed in docs/verified-facts.md
 * (5.6.4, 5.10.7, 5.14-rc5, 5.15.178, 5.19, 6.1.166, 6.6.63, 6.12.19, 6.18.35); 5.13 has no stored
 * tree, so no location is claimed for it. In 6.18 the direct.h site is in dma_direct_map_phys (the
 * phys API renamed dma_direct_map_page); 6.1.166 and 6.18.35 also have the "DMA pool exhausted for
 * %s" WARN two lines above the pool.c one (56c430c7f06d, dma_alloc_from_pool:exhausted).
 */
import type { Kernel } from "../kernel.js";

const SITES: Record<string, Record<string, string>> = {
  dma_direct_map_page: { "5.6": "kernel/dma/direct.c:362", "5.10": "kernel/dma/direct.h:97", "5.14": "kernel/dma/direct.h:97", "5.19": "kernel/dma/direct.h:97", "5.15": "kernel/dma/direct.h:97", "6.1": "kernel/dma/direct.h:103", "6.6": "kernel/dma/direct.h:104", "6.12": "kernel/dma/direct.h:103", "6.18": "kernel/dma/direct.h:117" },
  swiotlb_map: { "5.6": "kernel/dma/swiotlb.c:683", "5.10": "kernel/dma/swiotlb.c:681", "5.14": "kernel/dma/swiotlb.c:649", "5.19": "kernel/dma/swiotlb.c:724", "5.15": "kernel/dma/swiotlb.c:706", "6.1": "kernel/dma/swiotlb.c:932", "6.6": "kernel/dma/swiotlb.c:1511", "6.12": "kernel/dma/swiotlb.c:1594", "6.18": "kernel/dma/swiotlb.c:1611" },
  dma_map_single_attrs: { "5.6": "include/linux/dma-mapping.h:584", "5.10": "include/linux/dma-mapping.h:275", "5.14": "include/linux/dma-mapping.h:318", "5.19": "include/linux/dma-mapping.h:326", "5.15": "include/linux/dma-mapping.h:331", "6.1": "include/linux/dma-mapping.h:332", "6.6": "include/linux/dma-mapping.h:332", "6.12": "include/linux/dma-mapping.h:384", "6.18": "include/linux/dma-mapping.h:506" },
  __arm_dma_free: { "5.6": "arch/arm/mm/dma-mapping.c:846", "5.10": "arch/arm/mm/dma-mapping.c:818", "5.14": "arch/arm/mm/dma-mapping.c:818", "5.19": "arch/arm/mm/dma-mapping.c:820", "5.15": "arch/arm/mm/dma-mapping.c:818", "6.1": "arch/arm/mm/dma-mapping.c:626", "6.6": "arch/arm/mm/dma-mapping.c:620", "6.12": "arch/arm/mm/dma-mapping.c:620", "6.18": "arch/arm/mm/dma-mapping.c:620" },
  dma_common_free_remap: { "5.6": "kernel/dma/remap.c:93", "5.10": "kernel/dma/remap.c:65", "5.14": "kernel/dma/remap.c:65", "5.19": "kernel/dma/remap.c:65", "5.15": "kernel/dma/remap.c:65", "6.1": "kernel/dma/remap.c:65", "6.6": "kernel/dma/remap.c:65", "6.12": "kernel/dma/remap.c:67", "6.18": "kernel/dma/remap.c:67" },
  dma_alloc_from_pool: { "5.6": "kernel/dma/remap.c:190", "5.10": "kernel/dma/pool.c:282", "5.14": "kernel/dma/pool.c:279", "5.19": "kernel/dma/pool.c:279", "5.15": "kernel/dma/pool.c:279", "6.1": "kernel/dma/pool.c:282", "6.6": "kernel/dma/pool.c:279", "6.12": "kernel/dma/pool.c:277", "6.18": "kernel/dma/pool.c:284" },
  "__virt_to_phys:arm64": { "5.6": "arch/arm64/mm/physaddr.c:12", "5.10": "arch/arm64/mm/physaddr.c:12", "5.14": "arch/arm64/mm/physaddr.c:12", "5.19": "arch/arm64/mm/physaddr.c:12", "5.15": "arch/arm64/mm/physaddr.c:12", "6.1": "arch/arm64/mm/physaddr.c:12", "6.6": "arch/arm64/mm/physaddr.c:12", "6.12": "arch/arm64/mm/physaddr.c:12", "6.18": "arch/arm64/mm/physaddr.c:12" },
  "__virt_to_phys:arm": { "5.6": "arch/arm/mm/physaddr.c:40", "5.10": "arch/arm/mm/physaddr.c:40", "5.14": "arch/arm/mm/physaddr.c:40", "5.19": "arch/arm/mm/physaddr.c:40", "5.15": "arch/arm/mm/physaddr.c:40", "6.1": "arch/arm/mm/physaddr.c:40", "6.6": "arch/arm/mm/physaddr.c:40", "6.12": "arch/arm/mm/physaddr.c:40", "6.18": "arch/arm/mm/physaddr.c:40" },
  "dma_alloc_from_pool:exhausted": { "6.1": "kernel/dma/pool.c:280", "6.18": "kernel/dma/pool.c:282" },
  xen_swiotlb_free_coherent: { "5.6": "drivers/xen/swiotlb-xen.c:349", "5.10": "drivers/xen/swiotlb-xen.c:357", "5.14": "drivers/xen/swiotlb-xen.c:344", "5.19": "drivers/xen/swiotlb-xen.c:177", "5.15": "drivers/xen/swiotlb-xen.c:348", "6.1": "drivers/xen/swiotlb-xen.c:186", "6.6": "drivers/xen/swiotlb-xen.c:183", "6.12": "drivers/xen/swiotlb-xen.c:187", "6.18": "drivers/xen/swiotlb-xen.c:187" },
  // WARN_ON_ONCE(!(flags & __GFP_NOWARN)) for size > INT_MAX (7661809d493b, 5.15); 6.18 moved it to mm/slub.c
  kvmalloc_node: { "5.15": "mm/util.c:630", "5.19": "mm/util.c:624", "6.1": "mm/util.c:596", "6.6": "mm/util.c:632", "6.12": "mm/util.c:670", "6.18": "mm/slub.c:7199" },
  // sites found by the reporting function's name when the caller gives none (one WARN per function in the model)
  dma_alloc_attrs: { "5.6": "kernel/dma/mapping.c:270", "5.10": "kernel/dma/mapping.c:427", "5.14": "kernel/dma/mapping.c:433", "5.15": "kernel/dma/mapping.c:494", "5.19": "kernel/dma/mapping.c:492", "6.1": "kernel/dma/mapping.c:499", "6.6": "kernel/dma/mapping.c:503", "6.12": "kernel/dma/mapping.c:597", "6.18": "kernel/dma/mapping.c:634" },
  // WARN_ON_ONCE(!dev->dma_mask): not in 5.6's inline dma_map_page_attrs; in 6.18 it sits in dma_map_phys (no location claimed)
  dma_map_page_attrs: { "5.10": "kernel/dma/mapping.c:149", "5.14": "kernel/dma/mapping.c:151", "5.15": "kernel/dma/mapping.c:150", "5.19": "kernel/dma/mapping.c:151", "6.1": "kernel/dma/mapping.c:152", "6.6": "kernel/dma/mapping.c:156", "6.12": "kernel/dma/mapping.c:164" },
  // 5.15 on the check moved to the static __dma_map_sg_attrs (no location claimed)
  dma_map_sg_attrs: { "5.10": "kernel/dma/mapping.c:188", "5.14": "kernel/dma/mapping.c:192" },
  // "Trying to vfree() nonexistent vm area": __vunmap to 6.1 (for vfree and vunmap), vfree from 6.6 (79311c1fe017, 6.3)
  __vunmap: { "5.6": "mm/vmalloc.c:2296", "5.10": "mm/vmalloc.c:2251", "5.14": "mm/vmalloc.c:2567", "5.15": "mm/vmalloc.c:2602", "5.19": "mm/vmalloc.c:2641", "6.1": "mm/vmalloc.c:2701" },
  vfree: { "6.6": "mm/vmalloc.c:2843", "6.12": "mm/vmalloc.c:3361", "6.18": "mm/vmalloc.c:3430" },
  // "Trying to vunmap() nonexistent vm area" (79311c1fe017, 6.3)
  vunmap: { "6.6": "mm/vmalloc.c:2888", "6.12": "mm/vmalloc.c:3408", "6.18": "mm/vmalloc.c:3478" },
  // WARN_ON_ONCE(order == 0) (d0fe47c64152, 5.16; free_large_kmalloc from 5.17)
  free_large_kmalloc: { "5.19": "mm/slub.c:3569", "6.1": "mm/slab_common.c:904", "6.6": "mm/slab_common.c:975", "6.12": "mm/slub.c:4711", "6.18": "mm/slub.c:6844" },
  // WARN_ON_ONCE(!folio_test_large_kmalloc(folio)) (a6687c8ff613, 6.15)
  "free_large_kmalloc:large_kmalloc": { "6.18": "mm/slub.c:6839" },
  "xen_swiotlb_free_coherent:straddle": { "5.19": "drivers/xen/swiotlb-xen.c:178", "6.1": "drivers/xen/swiotlb-xen.c:187", "6.6": "drivers/xen/swiotlb-xen.c:184", "6.12": "drivers/xen/swiotlb-xen.c:188", "6.18": "drivers/xen/swiotlb-xen.c:188" },
  "dma_alloc_attrs:__GFP_COMP": { "6.6": "kernel/dma/mapping.c:510", "6.12": "kernel/dma/mapping.c:604", "6.18": "kernel/dma/mapping.c:641" },
  // WARN_ON_ONCE(gfp & __GFP_COMP) in dma_alloc_noncontiguous (3622b86f49f8, 6.2)
  "dma_alloc_noncontiguous:__GFP_COMP": { "6.6": "kernel/dma/mapping.c:654", "6.12": "kernel/dma/mapping.c:761", "6.18": "kernel/dma/mapping.c:808" },
  // the order >= MAX_ORDER (6.6+: > MAX_ORDER / MAX_PAGE_ORDER) WARN_ON_ONCE(!(gfp & __GFP_NOWARN)) / WARN_ON_ONCE_GFP (5.18+)
  __alloc_pages_nodemask: { "5.6": "mm/page_alloc.c:4713", "5.10": "mm/page_alloc.c:4933", "5.14": "mm/page_alloc.c:5366", "5.15": "mm/page_alloc.c:5440", "5.19": "mm/page_alloc.c:5406", "6.1": "mm/page_alloc.c:5633", "6.6": "mm/page_alloc.c:4410", "6.12": "mm/page_alloc.c:4730", "6.18": "mm/page_alloc.c:5215" },
};

/**
 * Functions the model keeps under one name that a version's tree calls otherwise: the symbol a
 * report prints (%pS) for that version. 6.10's memory-allocation profiling renamed kvmalloc_node
 * to __kvmalloc_node_noprof (read in the 6.12.19 mm/util.c:650 and 6.18.35 mm/slub.c:7178 trees);
 * 6.18's phys API turned dma_direct_map_page into dma_direct_map_phys (kernel/dma/direct.h:83).
 */
const SYMBOLS: Record<string, Record<string, string>> = {
  kvmalloc_node: { "6.12": "__kvmalloc_node_noprof", "6.18": "__kvmalloc_node_noprof" },
  dma_direct_map_page: { "6.18": "dma_direct_map_phys" },
  // 5.13 (84172f4bb752, "combine __alloc_pages and __alloc_pages_nodemask": 5.12.9 has the _nodemask name, 5.14-rc5
  // :5353 __alloc_pages); 6.10's profiling __alloc_pages_noprof (6.12.19 :4718); 6.18.35 WARNs in the
  // __alloc_frozen_pages_noprof it calls (:5203, the WARN at :5215)
  __alloc_pages_nodemask: { "5.13": "__alloc_pages", "5.14": "__alloc_pages", "5.15": "__alloc_pages", "5.19": "__alloc_pages", "6.1": "__alloc_pages", "6.6": "__alloc_pages", "6.12": "__alloc_pages_noprof", "6.18": "__alloc_frozen_pages_noprof" },
};

/** The symbol this kernel's version prints for a modelled function. */
export function kernel_symbol(k: Kernel, fn: string): string {
  return SYMBOLS[fn]?.[k.version.id] ?? fn;
}

/** The file:line of a WARN site in this kernel's version, when it was read in a tree. */
export function warn_site(k: Kernel, site: string): string | undefined {
  return SITES[site]?.[k.version.id];
}

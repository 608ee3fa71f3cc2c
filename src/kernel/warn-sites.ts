/**
 * Where each modelled WARN()/dev_WARN*() sits in each version's tree: the "file:line" the kernel
 * prints in its "WARNING: CPU: n PID: n at <file>:<line> <function>+<off>/<size>" line (__LINE__ of
 * the macro's first line, as GCC expands it). Read in the trees listed in docs/verified-facts.md;
 * 5.13 has no stored tree, so no location is claimed for it.
 */
import type { Kernel } from "../kernel.js";

const SITES: Record<string, Record<string, string>> = {
  dma_direct_map_page: { "5.6": "kernel/dma/direct.c:362", "5.10": "kernel/dma/direct.h:97", "5.14": "kernel/dma/direct.h:97", "5.19": "kernel/dma/direct.h:97" },
  swiotlb_map: { "5.6": "kernel/dma/swiotlb.c:683", "5.10": "kernel/dma/swiotlb.c:681", "5.14": "kernel/dma/swiotlb.c:649", "5.19": "kernel/dma/swiotlb.c:724" },
  dma_map_single_attrs: { "5.6": "include/linux/dma-mapping.h:584", "5.10": "include/linux/dma-mapping.h:275", "5.14": "include/linux/dma-mapping.h:318", "5.19": "include/linux/dma-mapping.h:326" },
  __arm_dma_free: { "5.6": "arch/arm/mm/dma-mapping.c:846", "5.10": "arch/arm/mm/dma-mapping.c:818", "5.14": "arch/arm/mm/dma-mapping.c:818", "5.19": "arch/arm/mm/dma-mapping.c:820" },
  dma_common_free_remap: { "5.6": "kernel/dma/remap.c:93", "5.10": "kernel/dma/remap.c:65", "5.14": "kernel/dma/remap.c:65", "5.19": "kernel/dma/remap.c:65" },
  dma_alloc_from_pool: { "5.6": "kernel/dma/remap.c:190", "5.10": "kernel/dma/pool.c:282", "5.14": "kernel/dma/pool.c:279", "5.19": "kernel/dma/pool.c:279" },
  xen_swiotlb_free_coherent: { "5.6": "drivers/xen/swiotlb-xen.c:349", "5.10": "drivers/xen/swiotlb-xen.c:357", "5.14": "drivers/xen/swiotlb-xen.c:344", "5.19": "drivers/xen/swiotlb-xen.c:177" },
  "xen_swiotlb_free_coherent:straddle": { "5.19": "drivers/xen/swiotlb-xen.c:178" },
  "dma_alloc_attrs:__GFP_COMP": { "6.6": "kernel/dma/mapping.c:510", "6.12": "kernel/dma/mapping.c:604", "6.18": "kernel/dma/mapping.c:641" },
};

/** The file:line of a WARN site in this kernel's version, when it was read in a tree. */
export function warn_site(k: Kernel, site: string): string | undefined {
  return SITES[site]?.[k.version.id];
}

/** Behaviour switches of drivers/xen/: swiotlb-xen, grant tables, P2M. One entry per upstream commit; see src/versions.ts. */
import type { Switch } from "../versions.js";

export const XEN_SWITCHES: Record<string, Switch> = {
  "8b1e868f6607": {
    commit: "8b1e868f6607",
    title: "swiotlb-xen: use vmalloc_to_page on vmalloc virt addresses",
    release: "5.9",
    effect: "xen_swiotlb_free_coherent looks the page up with vmalloc_to_page for vmalloc addresses instead of virt_to_page",
  },
  "91ffe4ad534a": {
    commit: "91ffe4ad534a",
    title: "swiotlb-xen: introduce phys_to_dma/dma_to_phys translations",
    release: "5.9",
    effect: "swiotlb-xen applies the device's dma-ranges offset on top of the P2M (xen_phys_to_dma / xen_dma_to_phys)",
  },
  "566fb90e050d": {
    commit: "566fb90e050d",
    title: "swiotlb-xen: fix DMA_ATTR_NO_KERNEL_MAPPING on arm",
    release: "5.19",
    effect: "on ARM, xen_swiotlb_dma_ops .alloc/.free are dma_direct_alloc/dma_direct_free; on x86 xen_swiotlb_{alloc,free}_coherent are rewritten without xen_{alloc,free}_coherent_pages (free: WARN_ON_ONCE and return without freeing on a handle beyond the mask or a straddling range)",
  },
  "bf0ecb3c3239": {
    commit: "bf0ecb3c3239",
    title: "xen: swiotlb: Open code map_resource callback",
    release: "6.18",
    effect: "xen_swiotlb_dma_ops gets .map_resource = xen_swiotlb_direct_map_resource (dma_addr = phys, dma_capable(..., false), else dev_err_once + WARN_ON_ONCE and DMA_MAPPING_ERROR): dma_map_phys with DMA_ATTR_MMIO on a Xen dom0 device",
  },
};

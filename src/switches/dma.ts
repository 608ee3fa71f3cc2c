/** Behaviour switches of kernel/dma/: dma-direct, mapping.c, pool.c, remap, debug. One entry per upstream commit; see src/versions.ts. */
import type { Switch } from "../versions.js";

export const DMA_SWITCHES: Record<string, Switch> = {
  "9bb50ed74709": {
    commit: "9bb50ed74709",
    title: "dma-debug: fix displaying of dma allocation type",
    release: "5.7",
    effect: "dma-debug's type2name uses named initializers; before it (5.6) the stale five-entry table prints an sg mapping as \"page\", a coherent one as \"scather-gather\" and a resource one as \"coherent\"",
  },
  "515e5b6d90d4": {
    commit: "515e5b6d90d4",
    title: "dma-mapping: use vmap insted of reimplementing it",
    release: "5.8",
    effect: "dma_common_pages_remap / dma_common_contiguous_remap call vmap(pages, count, VM_DMA_COHERENT, prot) instead of __dma_common_pages_remap (get_vm_area_caller + map_vm_area)",
  },
  "d3fa60d7bfdc": {
    commit: "d3fa60d7bfdc",
    title: "dma-mapping: move the remaining DMA API calls out of line",
    release: "5.9",
    effect: "the DMA API entry points live in kernel/dma/mapping.c and pick dma-direct with dma_map_direct/dma_alloc_direct (dma_go_direct, with the dma_ops_bypass flag of the same 5.9 series) instead of the inline dma_is_direct(ops) of include/linux/dma-mapping.h",
  },
  "e860c299ac0d": {
    commit: "e860c299ac0d",
    title: "dma-remap: separate DMA atomic pools from direct remap code",
    release: "5.8",
    effect: "atomic pools move to kernel/dma/pool.c (dma_direct_alloc_from_pool)",
  },
  "c84dc6e68a1d": {
    commit: "c84dc6e68a1d",
    title: "dma-pool: add additional coherent pools to map to gfp mask",
    release: "5.8",
    effect: "three atomic pools (atomic_pool_kernel, atomic_pool_dma, atomic_pool_dma32) instead of one GFP_DMA32 pool",
  },
  "1d659236fb43": {
    commit: "1d659236fb43",
    title: "dma-pool: scale the default DMA coherent pool size with memory capacity",
    release: "5.8",
    effect: "atomic pool size = 128 KiB per GiB of RAM (min 128 KiB, max MAX_ORDER_NR_PAGES) instead of a fixed 256 KiB",
  },
  "d7e673ec2c8e": {
    commit: "d7e673ec2c8e",
    title: "dma-pool: Only allocate from CMA when in same memory zone",
    release: "5.9",
    effect: "atomic_pool_expand takes CMA memory only if the default CMA area lies inside the pool's zone (cma_in_zone)",
  },
  "4544b9f25e70": {
    commit: "4544b9f25e70",
    title: "dma-mapping: Add vmap checks to dma_map_single()",
    release: "5.5",
    effect: "dma_map_single_attrs rejects vmalloc addresses with dev_WARN_ONCE \"rejecting DMA map of vmalloc memory\" and returns DMA_MAPPING_ERROR (in every modelled version: present in 5.6.4; stable 5.4.8 took it as a backport)",
  },
  "e0d072782c73": {
    commit: "e0d072782c73",
    title: "dma-mapping: introduce DMA range map, supplanting dma_pfn_offset",
    release: "5.10",
    effect: "phys_to_dma/dma_to_phys walk dev->dma_range_map (a phys outside every range gives DMA_MAPPING_ERROR, a bus address outside gives (phys_addr_t)-1) instead of subtracting the single dma_pfn_offset that of_dma_configure took from the first dma-ranges entry",
  },
  "07410559f383": {
    commit: "07410559f383",
    title: "dma-direct: use is_swiotlb_active in dma_direct_map_page",
    release: "5.19",
    effect: "an address the device cannot reach bounces only if is_swiotlb_active(dev); before, any swiotlb_force other than SWIOTLB_NO_FORCE called swiotlb_map even with no pool (x86_64 with RAM below 4 GiB never sets one up)",
  },
  "a86d10942db2": {
    commit: "a86d10942db2",
    title: "dma-direct: refactor the !coherent checks in dma_direct_alloc",
    release: "5.17",
    effect: "dma_direct_alloc is restructured: DMA_ATTR_NO_KERNEL_MAPPING goes to dma_direct_alloc_no_mapping, then one !dev_is_dma_coherent(dev) block decides remap = DMA_DIRECT_REMAP and dips into the atomic pool when dma_direct_use_pool(dev, gfp)",
  },
  "92826e967535": {
    commit: "92826e967535",
    title: "dma-direct: don't fail on highmem CMA pages in dma_direct_alloc_pages",
    release: "5.19",
    effect: "dma_direct_alloc remaps a highmem page (remap = true) instead of dev_info \"Rejecting highmem page from CMA.\" and failing",
  },
  "f5ff79fddf0e": {
    commit: "f5ff79fddf0e",
    title: "dma-mapping: remove CONFIG_DMA_REMAP",
    release: "5.18",
    effect: "the vmap-based helpers are built whenever there is an MMU: dma_direct_free vunmaps whenever is_vmalloc_addr(cpu_addr) (no IS_ENABLED(CONFIG_DMA_REMAP) in the test); on x86, dma-iommu's blocking coherent allocations become iommu_dma_alloc_remap (vmalloc addresses) instead of page_address() of a contiguous block",
  },
  "c81be74e7d79": {
    commit: "c81be74e7d79",
    title: "dma-direct: return appropriate error code from dma_direct_map_sg()",
    release: "5.15",
    effect: "dma_direct_map_sg returns -EIO on a failed entry (0 before); with the same series dma_map_sg_attrs turns a negative count into 0 and calls debug_dma_map_sg only for a positive one (before: BUG_ON(ents < 0))",
  },
  "9e02977bfad0": {
    commit: "9e02977bfad0",
    title: "dma-direct: avoid redundant memory sync for swiotlb",
    release: "5.18",
    effect: "dma_direct_unmap_page passes DMA_ATTR_SKIP_CPU_SYNC to swiotlb_tbl_unmap_single: a bounced FROM_DEVICE/BIDIRECTIONAL mapping is copied back once, not twice",
  },
  "40ac971eab89": {
    commit: "40ac971eab89",
    title: "dma-mapping: handle vmalloc addresses in dma_common_{mmap,get_sgtable}",
    release: "5.14",
    effect: "dma_common_mmap / dma_common_get_sgtable use dma_common_vaddr_to_page (vmalloc_to_page for vmalloc addresses)",
  },
  "7d5b5738d151": {
    commit: "7d5b5738d151",
    title: "dma-mapping: add a dma_alloc_noncontiguous API",
    release: "5.14",
    effect: "dma_alloc_noncontiguous / dma_free_noncontiguous / dma_vmap_noncontiguous exist (with e817ee5f2f95 \"dma-iommu: implement ->alloc_noncontiguous\": scattered pages behind one IOVA range; other devices one contiguous allocation); absent in 5.12.9, present in 5.14-rc5",
  },
};

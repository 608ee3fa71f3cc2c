/**
 * Kernel versions are data: a version is the set of behaviour switches it carries, each switch
 * named by the upstream commit that introduced it. Code asks `k.has("40ac971eab89")`.
 */

export interface Switch {
  /** Upstream commit id (12 hex digits). */
  commit: string;
  /** Commit subject. */
  title: string;
  /** First mainline release containing it. */
  release: string;
  /** What changes in the model when it is present. */
  effect: string;
}

export const SWITCHES: Record<string, Switch> = {
  "8c96400d6a39": {
    commit: "8c96400d6a39",
    title: "arm64: mm: make vmemmap region a projection of the linear region",
    release: "5.11",
    effect: "arm64 VMEMMAP_START moves from -VMEMMAP_SIZE - 2 MiB (0xfffffdffffe00000 with VA48) to -2^(VA_BITS-6) (0xfffffc0000000000): virt_to_page of a vmalloc address lands past VMEMMAP_END instead of wrapping into the user half",
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
  "e320d3012d25": {
    commit: "e320d3012d25",
    title: "mm/page_alloc.c: fix freeing non-compound pages",
    release: "5.10",
    effect: "__free_pages of a non-compound block whose refcount did not drop to zero frees its upper halves (order-1 .. 0) anyway; a double free of an order ≥ 1 block then meets free_pages_prepare's bad-page checks",
  },
  "1f221a0d0dbf": {
    commit: "1f221a0d0dbf",
    title: "swiotlb: respect min_align_mask",
    release: "5.12",
    effect: "find_slots keeps the original's bits under dma_get_min_align_mask in the bounce address (the search that can loop forever); before it the mask does not exist and the search is a plain stride walk",
  },
  "4544b9f25e70": {
    commit: "4544b9f25e70",
    title: "dma-mapping: Add vmap checks to dma_map_single()",
    release: "5.9",
    effect: "dma_map_single_attrs rejects vmalloc addresses with dev_WARN_ONCE \"rejecting DMA map of vmalloc memory\" and returns DMA_MAPPING_ERROR",
  },
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
  "9e02977bfad0": {
    commit: "9e02977bfad0",
    title: "dma-direct: avoid redundant memory sync for swiotlb",
    release: "5.18",
    effect: "dma_direct_unmap_page passes DMA_ATTR_SKIP_CPU_SYNC to swiotlb_tbl_unmap_single: a bounced FROM_DEVICE/BIDIRECTIONAL mapping is copied back once, not twice",
  },
  "c50f11c6196f": {
    commit: "c50f11c6196f",
    title: "arm64: mm: Don't invalidate FROM_DEVICE buffers at start of DMA transfer",
    release: "5.19",
    effect: "arm64 arch_sync_dma_for_device (__dma_map_area) cleans for every direction: a DMA_FROM_DEVICE map no longer discards the CPU's dirty lines, and clean copies stay cached until the sync for the CPU",
  },
  "40ac971eab89": {
    commit: "40ac971eab89",
    title: "dma-mapping: handle vmalloc addresses in dma_common_{mmap,get_sgtable}",
    release: "5.14",
    effect: "dma_common_mmap / dma_common_get_sgtable use dma_common_vaddr_to_page (vmalloc_to_page for vmalloc addresses)",
  },
  "566fb90e050d": {
    commit: "566fb90e050d",
    title: "swiotlb-xen: fix DMA_ATTR_NO_KERNEL_MAPPING on arm",
    release: "5.19",
    effect: "on ARM, xen_swiotlb_dma_ops .alloc/.free are dma_direct_alloc/dma_direct_free; xen_alloc_coherent_pages is gone",
  },
};

export interface KernelVersion {
  id: string;
  switches: ReadonlySet<string>;
  notes: string;
}

const base510 = ["e320d3012d25", "e860c299ac0d", "c84dc6e68a1d", "1d659236fb43", "d7e673ec2c8e", "4544b9f25e70", "8b1e868f6607", "91ffe4ad534a"];

export const VERSIONS: KernelVersion[] = [
  { id: "5.6", switches: new Set([]), notes: "dma-direct remaps itself (3acac065508f, 5.5); one 256 KiB atomic pool in kernel/dma/remap.c (GFP_DMA on arm64, CMA-backed); swiotlb-xen free uses virt_to_page and treats the bus address as phys" },
  { id: "5.10", switches: new Set(base510), notes: "mainline 5.10.0: pool.c atomic pools; 8b1e868f6607 in; dma_common_* still use virt_to_page (stable 5.10.54+ took 40ac971eab89 as 459619dd1ff5)" },
  { id: "5.13", switches: new Set([...base510, "8c96400d6a39", "1f221a0d0dbf"]), notes: "as 5.10 for the modelled paths; the kernel of the 2021 thread before the fix" },
  { id: "5.14", switches: new Set([...base510, "8c96400d6a39", "1f221a0d0dbf", "40ac971eab89"]), notes: "40ac971eab89: dma_common_vaddr_to_page" },
  { id: "5.19", switches: new Set([...base510, "8c96400d6a39", "1f221a0d0dbf", "40ac971eab89", "9e02977bfad0", "566fb90e050d", "c50f11c6196f"]), notes: "566fb90e050d: swiotlb-xen on ARM uses dma_direct_alloc/free directly" },
];

export const DEFAULT_KERNEL = VERSIONS[VERSIONS.length - 1]!.id;

export function findVersion(id: string): KernelVersion | undefined {
  return VERSIONS.find((v) => v.id === id);
}

/**
 * Kernel versions are data: a version is the set of behaviour switches it carries, each switch
 * named by the upstream commit that introduced it. Code asks `k.sw["40ac971eab89"]`.
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
  "7bc1a0f9e176": {
    commit: "7bc1a0f9e176",
    title: "arm64: mm: use single quantity to represent the PA to VA translation",
    release: "5.10",
    effect: "arm64 __lm_to_phys(addr) = (addr & ~PAGE_OFFSET) + PHYS_OFFSET instead of addr + physvirt_offset (the same for linear-map addresses, different for a user-half address, which __is_lm_address still calls linear)",
  },
  "f4693c2716b3": {
    commit: "f4693c2716b3",
    title: "arm64: mm: extend linear region for 52-bit VA configurations",
    release: "5.11",
    effect: "arm64 __is_lm_address(addr) is the range check addr - PAGE_OFFSET < PAGE_END - PAGE_OFFSET (before: bit VA_BITS-1 clear, true for user-half addresses) and __lm_to_phys(addr) = addr - PAGE_OFFSET + PHYS_OFFSET",
  },
  "b89ddf4cca43": {
    commit: "b89ddf4cca43",
    title: "arm64/bpf: Remove 128MB limit for BPF JIT programs",
    release: "5.15",
    effect: "arm64 has no BPF JIT region below the modules: MODULES_VADDR = PAGE_END (0xffff800000000000 with VA48), so KIMAGE_VADDR and VMALLOC_START are 128 MiB lower (0xffff800008000000)",
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
    release: "5.5",
    effect: "dma_map_single_attrs rejects vmalloc addresses with dev_WARN_ONCE \"rejecting DMA map of vmalloc memory\" and returns DMA_MAPPING_ERROR (in every modelled version: present in 5.6.4; stable 5.4.8 took it as a backport)",
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
  "e0d072782c73": {
    commit: "e0d072782c73",
    title: "dma-mapping: introduce DMA range map, supplanting dma_pfn_offset",
    release: "5.10",
    effect: "phys_to_dma/dma_to_phys walk dev->dma_range_map (a phys outside every range gives DMA_MAPPING_ERROR, a bus address outside gives (phys_addr_t)-1) instead of subtracting the single dma_pfn_offset that of_dma_configure took from the first dma-ranges entry",
  },
  "8424ecdde7df": {
    commit: "8424ecdde7df",
    title: "arm64: mm: Set ZONE_DMA size based on devicetree's dma-ranges",
    release: "5.11",
    effect: "arm64 zone_dma_bits = min3(32, fls64(of_dma_get_max_cpu_address(NULL)), IORT) instead of ARM64_ZONE_DMA_BITS (30): on a board without dma-ranges ZONE_DMA grows from the first GiB to 4 GiB and ZONE_DMA32 is empty",
  },
  "791ab8b2e3db": {
    commit: "791ab8b2e3db",
    title: "arm64: Ignore any DMA offsets in the max_zone_phys() calculation",
    release: "5.11",
    effect: "max_zone_phys(bits) = min(DMA_BIT_MASK(bits), end of DRAM - 1) + 1 (whole RAM if it starts above 4 GiB) instead of (start of DRAM & GENMASK(63, bits)) + 2^bits capped at the end of DRAM",
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
    effect: "on ARM, xen_swiotlb_dma_ops .alloc/.free are dma_direct_alloc/dma_direct_free; on x86 xen_swiotlb_{alloc,free}_coherent are rewritten without xen_{alloc,free}_coherent_pages (free: WARN_ON_ONCE and return without freeing on a handle beyond the mask or a straddling range)",
  },
  "4e89dce72521": {
    commit: "4e89dce72521",
    title: "iommu/iova: Retry from last rb tree node if iova search fails",
    release: "5.11",
    effect: "__alloc_and_insert_iova_range retries from the top of the IOVA space when the top-down walk from the cached node finds no gap (absent in the 5.10.7 tree, present in 5.12.9)",
  },
  "6fa3525b455a": {
    commit: "6fa3525b455a",
    title: "iommu/iova: Free global iova rcache on iova alloc failure",
    release: "5.11",
    effect: "alloc_iova_fast's flush on failure also returns the depot magazines to the rbtree (free_global_cached_iovas)",
  },
  "371d7955e310": {
    commit: "371d7955e310",
    title: "iommu/iova: Improve restart logic",
    release: "5.13",
    effect: "the retried IOVA search starts at iova_find_limit() instead of the anchor (same answers, shorter walk; absent in 5.12.9, present in 5.14)",
  },
  "3542dcb15cef": {
    commit: "3542dcb15cef",
    title: "iommu/dma: Resurrect the \"forcedac\" option",
    release: "5.13",
    effect: "iommu.forcedac=1 makes iommu_dma_alloc_iova skip the 32-bit-IOVA-first attempt for PCI devices",
  },
  "4a77b12deb25": {
    commit: "4a77b12deb25",
    title: "iommu/io-pgtable-arm: Implement arm_lpae_map_pages()",
    release: "5.15",
    effect: "with its series (unmap_pages, iommu_pgsize counting pages): the IOMMU core maps and unmaps several pages of one size per driver call; io-pgtable-arm's v5.15 era; lazy unmapping becomes a queued gather instead of IO_PGTABLE_QUIRK_NON_STRICT",
  },
  "f7f07484542f": {
    commit: "f7f07484542f",
    title: "iommu/iova: Move flush queue code to iommu-dma",
    release: "5.17",
    effect: "the IOVA flush queue of lazy domains (queue_iova, fq_flush_timeout) lives in drivers/iommu/dma-iommu.c on the cookie instead of drivers/iommu/iova.c",
  },
  "972bf252f860": {
    commit: "972bf252f860",
    title: "iommu/iova: Move fast alloc size roundup into alloc_iova_fast()",
    release: "5.17",
    effect: "alloc_iova_fast rounds sizes below 2^(IOVA_RANGE_CACHE_MAX_SIZE-1) pages up to a power of two itself (before: iommu_dma_alloc_iova did)",
  },
  "c588072bba6b": {
    commit: "c588072bba6b",
    title: "iommu/vt-d: Convert intel iommu driver to the iommu ops",
    release: "5.11",
    effect: "Intel VT-d devices move from the driver's own intel_dma_ops (intel_alloc_coherent returns page_address(): a linear address) to dma-iommu's iommu_dma_ops",
  },
  "719a19335692": {
    commit: "719a19335692",
    title: "iommu/vt-d: Tweak the description of a DMA fault",
    release: "5.13",
    effect: "DMAR fault lines read \"[DMA Read NO_PASID] Request device [0x00:0x02.0] fault addr 0x… [fault reason 0x06]\" instead of \"[DMA Read] Request device [00:02.0] PASID ffffffff fault addr … [fault reason 06]\" (absent in 5.12.9, present in 5.14)",
  },
  "0b482d0c75bf": {
    commit: "0b482d0c75bf",
    title: "iommu/vt-d: Drop \"0x\" prefix from PCI bus & device addresses",
    release: "5.15",
    effect: "DMAR fault lines print the requester as [00:02.0] again",
  },
  "5b61343b5059": {
    commit: "5b61343b5059",
    title: "iommu/iova: Improve 32-bit free space estimate",
    release: "5.18",
    effect: "freeing any IOVA below 4 GiB resets max32_alloc_size, not only one at or above the cached 32-bit node",
  },
  "7661809d493b": {
    commit: "7661809d493b",
    title: "mm: don't allow oversized kvmalloc() calls",
    release: "5.15",
    effect: "kvmalloc of more than INT_MAX bytes WARN_ON_ONCEs and returns NULL instead of falling back to vmalloc (checked: absent in 5.14, present in 5.19 mm/util.c)",
  },
};

export interface KernelVersion {
  id: string;
  switches: ReadonlySet<string>;
  notes: string;
}

const base510 = ["e320d3012d25", "9bb50ed74709", "4544b9f25e70", "e0d072782c73", "515e5b6d90d4", "d3fa60d7bfdc", "7bc1a0f9e176", "e860c299ac0d", "c84dc6e68a1d", "1d659236fb43", "d7e673ec2c8e", "8b1e868f6607", "91ffe4ad534a"];
const base511 = ["8c96400d6a39", "8424ecdde7df", "791ab8b2e3db", "f4693c2716b3"];
/** the changes from 5.11 to 5.13 the modelled paths see: drivers/iommu, and swiotlb's min_align_mask (1f221a0d0dbf, 5.12) */
const iommu513 = ["1f221a0d0dbf", "4e89dce72521", "6fa3525b455a", "c588072bba6b", "371d7955e310", "3542dcb15cef", "719a19335692"];

export const VERSIONS: KernelVersion[] = [
  { id: "5.6", switches: new Set(["4544b9f25e70"]), notes: "dma-direct remaps itself (3acac065508f, 5.5) through get_vm_area_caller + map_vm_area; one 256 KiB atomic pool in kernel/dma/remap.c (GFP_DMA on arm64, CMA-backed); bus addresses from the first dma-ranges entry's dma_pfn_offset; arm64 ZONE_DMA = 30 bits; swiotlb-xen free uses virt_to_page and treats the bus address as phys" },
  { id: "5.10", switches: new Set(base510), notes: "mainline 5.10.0: pool.c atomic pools; 8b1e868f6607 in; dma_common_* still use virt_to_page (stable 5.10.54+ took 40ac971eab89 as 459619dd1ff5)" },
  { id: "5.13", switches: new Set([...base510, ...base511, ...iommu513]), notes: "5.10 plus the 5.11 arm64 layout, linear-map test and ZONE_DMA sizing, and the 5.11–5.13 IOMMU changes; the kernel of the 2021 thread before the fix (no 5.13 tree stored: facts inferred from 5.12.9 and 5.14-rc5)" },
  { id: "5.14", switches: new Set([...base510, ...base511, ...iommu513, "40ac971eab89"]), notes: "40ac971eab89: dma_common_vaddr_to_page" },
  { id: "5.19", switches: new Set([...base510, ...base511, ...iommu513, "40ac971eab89", "9e02977bfad0", "566fb90e050d", "c50f11c6196f", "07410559f383", "a86d10942db2", "92826e967535", "b89ddf4cca43", "f5ff79fddf0e", "c81be74e7d79", "4a77b12deb25", "f7f07484542f", "972bf252f860", "5b61343b5059", "0b482d0c75bf", "7661809d493b"]), notes: "566fb90e050d: swiotlb-xen on ARM uses dma_direct_alloc/free directly, x86 its own rewrite; 5.17 dma_direct_alloc; dma_direct_map_page bounces only with a pool (07410559f383); no arm64 BPF JIT region (image and vmalloc at 0xffff800008000000)" },
];

export const DEFAULT_KERNEL = VERSIONS[VERSIONS.length - 1]!.id;

export function findVersion(id: string): KernelVersion | undefined {
  return VERSIONS.find((v) => v.id === id);
}

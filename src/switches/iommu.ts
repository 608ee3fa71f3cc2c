/** Behaviour switches of drivers/iommu/: dma-iommu, IOVA allocator, io-pgtable, VT-d, SMMU. One entry per upstream commit; see src/versions.ts. */
import type { Switch } from "../versions.js";

export const IOMMU_SWITCHES: Record<string, Switch> = {
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
    effect: "freeing any IOVA below 4 GiB resets max32_alloc_size, not only one at or above the cached 32-bit node (in the 5.15.178 tree as a stable backport)",
    stable: { "5.15": "5.15.y backport (in 5.15.178: __cached_rbnode_delete_update resets max32_alloc_size when free->pfn_lo < dma_32bit_pfn)" },
  },
  "6093cd582f8e": {
    commit: "6093cd582f8e",
    title: "iommu: Do not return 0 from map_pages if it doesn't do anything",
    release: "6.11",
    effect: "io-pgtable-arm's map_pages returns -EINVAL for a mapping with neither IOMMU_READ nor IOMMU_WRITE instead of 0 (nothing mapped, success); present in the 6.1.166 and 6.6.63 trees as stable backports, absent in 5.15.178",
    stable: { "6.1": "6.1.y backport (in 6.1.166: arm_lpae_map_pages returns -EINVAL)", "6.6": "6.6.y backport (in 6.6.63: arm_lpae_map_pages returns -EINVAL)" },
  },
  "85b715a33458": {
    commit: "85b715a33458",
    title: "iommu/io-pgtable-arm: Optimise non-coherent unmap",
    release: "6.12",
    effect: "__arm_lpae_unmap frees the tables under non-leaf entries first, clears all the entries with one __arm_lpae_clear_pte, then adds every unmapped page to the gather (the TLB callbacks come in another order)",
  },
  "33729a5fc0ca": {
    commit: "33729a5fc0ca",
    title: "iommu/io-pgtable-arm: Remove split on unmap behavior",
    release: "6.13",
    effect: "unmapping part of a block mapping no longer splits it (arm_lpae_split_blk_unmap removed): WARN_ONCE \"Unmap of a partial large IOPTE is not allowed\" and 0 bytes unmapped",
  },
  "dcdb3ba7e2a8": {
    commit: "dcdb3ba7e2a8",
    title: "iommu/iova: Fix alloc iova overflows issue",
    release: "6.2",
    effect: "__alloc_and_insert_iova_range keeps retry_pfn = pfn_hi of the cached node and retries from retry_pfn + 1 (before: pfn_hi + 1, which wrapped to 0 at the anchor and let the retry search the whole space); in 5.15.178 and 6.1.166 as stable backports, absent in the 5.19.0 tree",
    stable: { "5.15": "5.15.y backport (in 5.15.178: retry_pfn = curr_iova->pfn_hi)", "6.1": "6.1.y backport (in 6.1.166)" },
  },
};

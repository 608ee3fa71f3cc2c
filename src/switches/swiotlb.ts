/** Behaviour switches of kernel/dma/swiotlb.c switches inside an era (the restructurings are era modules). One entry per upstream commit; see src/versions.ts. */
import type { Switch } from "../versions.js";

export const SWIOTLB_SWITCHES: Record<string, Switch> = {
  "1f221a0d0dbf": {
    commit: "1f221a0d0dbf",
    title: "swiotlb: respect min_align_mask",
    release: "5.12",
    effect: "find_slots keeps the original's bits under dma_get_min_align_mask in the bounce address (the search that can loop forever); before it the mask does not exist and the search is a plain stride walk",
  },
  "04867a7a3332": {
    commit: "04867a7a3332",
    title: "swiotlb: Fix double-allocation of slots due to broken alignment handling",
    release: "6.9",
    effect: "the slot search ORs IO_TLB_SIZE - 1 into alloc_align_mask and drops those bits from the min_align_mask alignment test (iotlb_align_mask &= ~alloc_align_mask); before it the test uses min_align_mask & ~(IO_TLB_SIZE - 1) whatever alloc_align_mask is. The 5.15.y and 6.1.y backports take only this part (their stride and loop stay as before)",
    stable: {
      "5.15": "5.15.178 tree wangshuai199398/linux-5-15 @76278aab8c2d: kernel/dma/swiotlb.c swiotlb_find_slots has the two lines (the tree has no per-commit history: stable commit id not identified)",
      "6.1": "6.1.166 tree unifreq/linux-6.1.y @525d1212a677: kernel/dma/swiotlb.c swiotlb_do_find_slots has the two lines (history squashed: stable commit id not identified)",
      "6.6": "6.6.63 tree OpenNuvoton/MA35D1_linux-6.6.y @a4595a4caf6f: kernel/dma/swiotlb.c swiotlb_search_pool_area has them (with 6.6's own stride)",
    },
  },
  "463e862ac63e": {
    commit: "463e862ac63e",
    title: "swiotlb: Convert io_default_tlb_mem to static allocation",
    release: "5.16",
    effect: "io_tlb_default_mem is a static struct every device points at, and swiotlb_tbl_map_single panics only without a pool pointer: a kernel that set up no pool says \"swiotlb buffer is full\" (total 0) instead of panicking. 5.15.178 has the static struct backported but keeps the panic (if (!mem || !mem->nslabs)), so 5.15 does not carry this switch",
  },
  "a2daa27c0c61": {
    commit: "a2daa27c0c61",
    title: "swiotlb: simplify swiotlb_max_segment",
    release: "5.19",
    effect: "swiotlb_max_segment() is computed as rounddown(nslabs << IO_TLB_SHIFT, PAGE_SIZE) and swiotlb_set_max_segment is gone; before it (5.15.178 too) swiotlb_init_with_tbl stores rounddown(bytes, PAGE_SIZE), or 1 with swiotlb=force, and swiotlb-xen overrides it with PAGE_SIZE",
  },
};

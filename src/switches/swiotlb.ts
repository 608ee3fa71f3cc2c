/** Behaviour switches of kernel/dma/swiotlb.c switches inside an era (the restructurings are era modules). One entry per upstream commit; see src/versions.ts. */
import type { Switch } from "../versions.js";

export const SWIOTLB_SWITCHES: Record<string, Switch> = {
  "1f221a0d0dbf": {
    commit: "1f221a0d0dbf",
    title: "swiotlb: respect min_align_mask",
    release: "5.12",
    effect: "find_slots keeps the original's bits under dma_get_min_align_mask in the bounce address (the search that can loop forever); before it the mask does not exist and the search is a plain stride walk",
  },
  "7c3940bf81e5": {
    commit: "7c3940bf81e5",
    title: "swiotlb: fix the deadlock in swiotlb_do_find_slots",
    release: "6.3",
    effect: "the slot search counts the slots it checked and gives up after a whole area (pool) instead of waiting to come back to its start index: a min_align_mask search that skips slots no longer spins forever",
  },
  "0eee5ae10256": {
    commit: "0eee5ae10256",
    title: "swiotlb: fix slot alignment checks",
    release: "6.6",
    effect: "the alignment test uses the slot's DMA address against alloc_align_mask and the min_align_mask bits, and the search steps by the alignment stride",
  },
  "bbb73a103fbb": {
    commit: "bbb73a103fbb",
    title: "swiotlb: fix a braino in the alignment check fix",
    release: "6.6",
    effect: "the fixed alignment test of 0eee5ae10256 compares the right address",
  },
  "04867a7a3332": {
    commit: "04867a7a3332",
    title: "swiotlb: Fix double-allocation of slots due to broken alignment handling",
    release: "6.9",
    effect: "the search stride is get_max_slots(max(alloc_align_mask, iotlb_align_mask)) and iotlb_align_mask drops the bits the in-slot offset keeps: no slot handed out twice; in the 5.15 and 6.0 eras (5.15.178, 6.1.166 carry only this half): the slot search ORs IO_TLB_SIZE - 1 into alloc_align_mask and drops those bits from the min_align_mask alignment test (iotlb_align_mask &= ~alloc_align_mask); before it the test uses min_align_mask & ~(IO_TLB_SIZE - 1) whatever alloc_align_mask is. The 5.15.y and 6.1.y backports take only this part (their stride and loop stay as before)",
    stable: {
      "5.15": "5.15.178 tree wangshuai199398/linux-5-15 @76278aab8c2d: kernel/dma/swiotlb.c swiotlb_find_slots has the two lines (the tree has no per-commit history: stable commit id not identified)",
      "6.1": "6.1.166 tree unifreq/linux-6.1.y @525d1212a677: kernel/dma/swiotlb.c swiotlb_do_find_slots has the two lines (history squashed: stable commit id not identified)",
      "6.6": "6.6.63 tree OpenNuvoton/MA35D1_linux-6.6.y @a4595a4caf6f: kernel/dma/swiotlb.c swiotlb_search_pool_area has them (with 6.6's own stride)",
    },
  },
  "51b30ecb73b4": {
    commit: "51b30ecb73b4",
    title: "swiotlb: Fix alignment checks when both allocation and DMA masks are present",
    release: "6.9",
    effect: "alloc_align_mask is at least a slot and iotlb_align_mask drops the bits alloc_align_mask covers: a min_align_mask device asking for page alignment gets both",
    stable: { "6.6": "6.6.63: present in the tree (the mirror has no history to name the stable commit)" },
  },
  "14cebf689a78": {
    commit: "14cebf689a78",
    title: "swiotlb: Reinstate page-alignment for mappings >= PAGE_SIZE",
    release: "6.9",
    effect: "a streaming mapping of a page or more without alloc_align_mask or min_align_mask is page aligned again (alloc_align_mask = PAGE_SIZE - 1)",
    stable: { "6.6": "6.6.63: present in the tree (the mirror has no history to name the stable commit)" },
  },
  "af133562d5af": {
    commit: "af133562d5af",
    title: "swiotlb: extend buffer pre-padding to alloc_align_mask if necessary",
    release: "6.9",
    effect: "swiotlb_align_offset also keeps min_align_mask bits above a slot when alloc_align_mask covers them: whole padding slots before the mapping, remembered in io_tlb_slot.pad_slots and skipped at release",
    stable: { "6.6": "6.6.63: present in the tree (the mirror has no history to name the stable commit)" },
  },
  "55c543865b76": {
    commit: "55c543865b76",
    title: "swiotlb: reduce area lock contention for non-primary IO TLB pools",
    release: "6.8",
    effect: "with CONFIG_SWIOTLB_DYNAMIC the search visits one area index in every pool before the next area index (area-major), skipping pools with fewer areas; 6.6 searches pool by pool",
  },
  "3dc2f209208d": {
    commit: "3dc2f209208d",
    title: "swiotlb: check alloc_size before the allocation of a new memory pool",
    release: "6.8",
    effect: "swiotlb_find_slots refuses a request above IO_TLB_SEGSIZE * IO_TLB_SIZE before searching: no growth is scheduled and no transient pool is tried for it",
  },
  "e8068f2d756d": {
    commit: "e8068f2d756d",
    title: "swiotlb: fix swiotlb_bounce() to do partial sync's correctly",
    release: "6.9",
    effect: "swiotlb_bounce's in-slot offset may be negative (a sync starting inside a later slot of a min_align_mask mapping copies the right bytes); the 'Access before mapping start' and 'Mapping size: %zu+%u' checks are gone",
  },
  "327e2c97c46a": {
    commit: "327e2c97c46a",
    title: "swiotlb: remove alloc_size argument to swiotlb_tbl_map_single()",
    release: "6.10",
    effect: "the bounce buffer is ALIGN(mapping_size + offset, alloc_align_mask + 1) bytes; no 'Invalid sizes' check; 'buffer is full (sz: …)' reports that size; a dev_WARN_ONCE for an alloc_align_mask above a page",
  },
  "463e862ac63e": {
    commit: "463e862ac63e",
    title: "swiotlb: Convert io_default_tlb_mem to static allocation",
    release: "5.15",
    effect: "io_tlb_default_mem is a static struct every device points at, and swiotlb_tbl_map_single panics only without a pool pointer: a kernel that set up no pool says \"swiotlb buffer is full\" (total 0) instead of panicking (5.15–5.19 mainline: `if (!mem)`)",
    absent: { "5.15": "5.15.178 also carries c51ba246cb17 (6.0, \"swiotlb: fail map correctly with failed io_tlb_default_mem\", Fixes: 463e862ac63e; stable mail \"[PATCH 5.19 0949/1157]\"): swiotlb.c:564 `if (!mem || !mem->nslabs)` panics again, so the no-panic behaviour is absent there" },
  },
  "a2daa27c0c61": {
    commit: "a2daa27c0c61",
    title: "swiotlb: simplify swiotlb_max_segment",
    release: "5.19",
    effect: "swiotlb_max_segment() is computed as rounddown(nslabs << IO_TLB_SHIFT, PAGE_SIZE) and swiotlb_set_max_segment is gone; before it (5.15.178 too) swiotlb_init_with_tbl stores rounddown(bytes, PAGE_SIZE), or 1 with swiotlb=force, and swiotlb-xen overrides it with PAGE_SIZE",
  },
  "c6af2aa9ffc9": {
    commit: "c6af2aa9ffc9",
    title: "swiotlb: make the swiotlb_init interface more useful",
    release: "5.19",
    effect: "the global enum swiotlb_force becomes swiotlb_force_bounce / swiotlb_force_disable, and the swiotlb:swiotlb_bounced tracepoint loses its swiotlb_force argument: its last field is is_swiotlb_force_bounce(dev) ? \"FORCE\" : \"NORMAL\" instead of __print_symbolic(NORMAL, FORCE, NO_FORCE) of the global (checked: 5.15.178 include/trace/events/swiotlb.h:10–45 and kernel/dma/swiotlb.c:693 still pass swiotlb_force; 5.19 and 6.1.166 include/trace/events/swiotlb.h:10–36; Christoph Hellwig's [PATCH 09/15] of 14 Mar 2022 in the 5.19 swiotlb-init cleanup series; the id c6af2aa9ffc9763826607bc2664ef3ea4475ed18 from a bisect log on the iommu list and Steven Price's follow-up naming it)",
  },
  "1521c607cabe": {
    commit: "1521c607cabe",
    title: "swiotlb: don't panic when the swiotlb buffer can't be allocated",
    release: "5.19",
    effect: "swiotlb_init_remap's failed memblock allocation of the boot buffer prints \"swiotlb_init_remap: failed to allocate tlb structure\" (5.19 kernel/dma/swiotlb.c:257) where 5.6–5.18's swiotlb_init printed \"Cannot allocate buffer\" (5.15.178 :252); either way no pool (Christoph Hellwig's [PATCH 1/3] of 11 May 2022, Tested-by Conor Dooley; the id from the linux-next revlist that carries it)",
  },
  "7296f2301a05": {
    commit: "7296f2301a05",
    title: "swiotlb: reduce swiotlb pool lookups",
    release: "6.11",
    effect: "swiotlb_tbl_unmap_single and swiotlb_sync_single_for_{device,cpu} become static inlines in include/linux/swiotlb.h that look the pool up (swiotlb_find_pool) and call the exported __swiotlb_tbl_unmap_single / __swiotlb_sync_single_for_* (6.12.19 include/linux/swiotlb.h:245–282, kernel/dma/swiotlb.c:1535–1570): the call path shows both frames; 6.6.63 exports the plain names (swiotlb.c:1455). Michael Kelley, dma-mapping updates for Linux 6.11; id from linux-next's dma-mapping/for-next merge and a later report citing it",
  },
};

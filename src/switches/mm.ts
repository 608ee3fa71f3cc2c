/** Behaviour switches of mm/: page allocator, kvmalloc, vmalloc. One entry per upstream commit; see src/versions.ts. */
import type { Switch } from "../versions.js";

export const MM_SWITCHES: Record<string, Switch> = {
  "e320d3012d25": {
    commit: "e320d3012d25",
    title: "mm/page_alloc.c: fix freeing non-compound pages",
    release: "5.10",
    effect: "__free_pages of a non-compound block whose refcount did not drop to zero frees its upper halves (order-1 .. 0) anyway; a double free of an order ≥ 1 block then meets free_pages_prepare's bad-page checks",
  },
  "7661809d493b": {
    commit: "7661809d493b",
    title: "mm: don't allow oversized kvmalloc() calls",
    release: "5.15",
    effect: "kvmalloc of more than INT_MAX bytes WARN_ON_ONCEs and returns NULL instead of falling back to vmalloc (checked: absent in 5.14, present in 5.19 mm/util.c)",
  },
  "b035f5a6d852": {
    commit: "b035f5a6d852",
    title: "mm: slab: reduce the kmalloc() minimum alignment if DMA bouncing possible",
    release: "6.5",
    effect: "kmalloc caches below dma_get_cache_alignment() exist when CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC and a swiotlb buffer is allocated (__kmalloc_minalign); in the same 6.5 series arm64 sets ARCH_KMALLOC_MINALIGN 8 (ARCH_DMA_MINALIGN stays 128), dma_get_cache_alignment = cache_line_size() (64), selects DMA_BOUNCE_UNALIGNED_KMALLOC and always allocates the swiotlb buffer in mem_init: kmalloc(8) on arm64 comes from kmalloc-8 instead of kmalloc-128 (checked: 6.6.63 arch/arm64/include/asm/cache.h:35–36, :94, arch/arm64/mm/init.c mem_init, mm/slab_common.c __kmalloc_minalign / new_kmalloc_cache; 6.1.166 cache.h ARCH_DMA_MINALIGN 128 and no ARCH_KMALLOC_MINALIGN)",
  },
  "ca29a0bf1221": {
    commit: "ca29a0bf1221",
    title: "tracing: gfp: Remove duplication of recording GFP flags",
    release: "6.15",
    effect: "show_gfp_flags' __def_gfpflag_names lists GFP_DMA, GFP_DMA32, __GFP_RECLAIM and then TRACE_GFP_FLAGS (every __GFP_ bit in bit order) instead of its own list (__GFP_HIGHMEM after GFP_DMA, __GFP_HIGH … __GFP_WRITE, __GFP_RECLAIM, …): trace events print leftover bits in another order, e.g. GFP_KERNEL|__GFP_ZERO|__GFP_NOWARN instead of GFP_KERNEL|__GFP_NOWARN|__GFP_ZERO (checked: 6.18.35 include/trace/events/mmflags.h; 6.12.19 mmflags.h:81–116 the old list; Petr Mladek's follow-up fix names it \"Fixes: ca29a0bf122145\"; in the 6.15 tracing pull)",
  },
  "c20e3feadd45": {
    commit: "c20e3feadd45",
    title: "kasan: improve kasan_non_canonical_hook",
    release: "6.8",
    effect: "kasan_non_canonical_hook decodes with kasan_shadow_to_mem (the same arithmetic for generic KASAN) and calls an address inside [KASAN_SHADOW_START, KASAN_SHADOW_END) \"probably wild-memory-access\" instead of \"maybe wild-memory-access\" (checked: 6.12.19 mm/kasan/report.c:645–680, 6.18.35 :639–674; 6.6.63 :633–661 and 6.1.166 :565–593 the old three-way test; Andrey Konovalov's series of 21 Dec 2023, the mm-stable id in the revlists of branches based on the 6.8 merge window)",
  },
};

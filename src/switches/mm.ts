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
  "79311c1fe017": {
    commit: "79311c1fe017",
    title: "mm: split __vunmap",
    release: "6.3",
    effect: "vunmap calls remove_vm_area itself and WARNs \"Trying to vunmap() nonexistent vm area (%p)\" (6.6.63 mm/vmalloc.c:2888, 6.18.35 :3478); vfree removes the area itself and WARNs \"Trying to vfree() nonexistent vm area\" from vfree (6.6.63 :2843). Before it (5.6–6.2) both went through __vunmap, whose WARN says \"Trying to vfree() …\" for a vunmap too (5.15.178 :2602, 6.1.166 :2701). (checked: the Christoph Hellwig series \"mm: remove __vfree\" … \"mm: split __vunmap\" in the mm-stable-2023-02-20 pull, ids from the linux-next revlist of 25 Feb 2023; 6.1.166 has __vunmap, 6.6.63 does not)",
  },
  "8446a4deb6b6": {
    commit: "8446a4deb6b6",
    title: "slab: kmalloc_size_roundup() must not return 0 for non-zero size",
    release: "6.6",
    effect: "kmalloc_size_roundup returns a size above KMALLOC_MAX_SIZE unchanged instead of PAGE_SIZE << get_order(size) (6.6.63 mm/slab_common.c:727–747; 6.1.166 :718–735 rounds it) (checked: slab-fixes-for-6.6-rc4 pull; the 5.15-stable backport failed to apply and 6.1.166 does not carry it)",
  },
  "dcc579663f60": {
    commit: "dcc579663f60",
    title: "kasan: better invalid/double-free report header",
    release: "6.1",
    effect: "a KASAN free report names its type: \"BUG: KASAN: double-free in %pS\" (or invalid-free) then \"Free of addr %px by task %s/%d\" (6.1.166 mm/kasan/report.c:208–216, bug_type :446–451; common.c:226 KASAN_REPORT_DOUBLE_FREE); before it \"BUG: KASAN: double-free or invalid-free in %pS\" with no second line (5.15.178 report.c:370) (checked: next to f7e01ab828fd \"kasan: move tests to mm/kasan/\", which 0-day cites in torvalds/linux master)",
  },
  "0e301731f558": {
    commit: "0e301731f558",
    title: "kasan: infer allocation size by scanning metadata",
    release: "6.3",
    effect: "generic KASAN calls an access to a freed slab object (KASAN_SLAB_FREE / KASAN_SLAB_FREETRACK shadow) \"slab-use-after-free\"; freed pages (KASAN_PAGE_FREE) stay \"use-after-free\" (6.6.63 mm/kasan/report_generic.c:109–114; 6.1.166 :81–84 has one \"use-after-free\") (checked: id from Arnd Bergmann's Fixes: tag; absent in 6.1.166, present in 6.6.63, 6.12.19, 6.18.35)",
  },
  "a052d4d13d88": {
    commit: "a052d4d13d88",
    title: "mm: cma: print region name on failure",
    release: "5.12",
    effect: "cma_alloc's failure message names the area: \"%s: %s: alloc failed, req-size: %zu pages, ret: %d\" with cma->name (5.12.9 mm/cma.c:503); before it \"%s: alloc failed, req-size: %zu pages, ret: %d\" (5.6.4 :493, 5.10.7 :489) (checked: 5.10.7 lacks it, 5.12.9 has it)",
  },
  "63f83b31f4f3": {
    commit: "63f83b31f4f3",
    title: "mm: cma: use pr_err_ratelimited for CMA warning",
    release: "5.13",
    effect: "cma_alloc's failure message is pr_err_ratelimited (burst 10; dmasim has no clock: 10 per run) instead of pr_err (checked: 5.12.9 mm/cma.c:503 pr_err, 5.14-rc5 :508 pr_err_ratelimited; posted 9 Mar 2021 by Baolin Wang, next to bbb269206f3c \"mm: vmstat: add cma statistics\")",
  },
  "463586e9ff39": {
    commit: "463586e9ff39",
    title: "mm/cma: add cma_{alloc,free}_folio()",
    release: "6.12",
    effect: "cma_alloc becomes a wrapper of __cma_alloc(cma, count, align, gfp): the failure message's %s __func__ prints \"__cma_alloc\" (6.12.19 mm/cma.c:406–518; 6.6.63 prints \"cma_alloc\", :508) (checked: absent in 6.6.63, present in 6.12.19)",
  },
  "c009da4258f9": {
    commit: "c009da4258f9",
    title: "mm, cma: support multiple contiguous ranges, if requested",
    release: "6.15",
    effect: "__cma_alloc tries each range with cma_range_alloc, which returns -EBUSY when it finds no free range or the request is larger than the range: the failure message says \"ret: -16\" (6.18.35 mm/cma.c:779–856, :863–900) where 5.6–6.12 say -12 (-ENOMEM); a request larger than the area, silent before (5.6.4 :440 returns NULL, 5.15.178 :440 and 6.6.63 :452 goto out past the message, 6.12.19 :434 returns), now prints it (checked: absent in 6.12.19, present in 6.18.35; Frank van der Linden's series in the mm pull for 6.15, the id from Muchun Song's stable Fixes: tag). Also: cma_declare_contiguous_nid becomes a wrapper of __cma_declare_contiguous_nid whose printks \"cma: Reserved %ld MiB at %pa\" / \"cma: Failed to reserve %ld MiB\" drop bf29bfaa5490's \" on node %d\" (6.12.19 :369/:376 with it, 6.18.35 :740–747 without)",
  },
  "f227f0faf63b": {
    commit: "f227f0faf63b",
    title: "slub: fix unreclaimable slab stat for bulk free",
    release: "5.14",
    effect: "kfree of a non-slab page goes through free_nonslab_page, whose check of a freed kmalloc_large buffer (no longer compound) is VM_BUG_ON_PAGE(!PageCompound(page), page) — only with CONFIG_DEBUG_VM — instead of kfree's BUG_ON(!PageCompound(page)) (5.6.4 mm/slub.c:3988, 5.10.7 :4117, 5.12.9 :4206); without DEBUG_VM the KASAN hook and __free_pages(page, 0) run (checked: 5.14-rc5 mm/slub.c:3243, 5.15.178 :3532; named by Kefeng Wang's \"slub: Add back check for free nonslab objects\" of 27 Sep 2021)",
  },
  "d0fe47c64152": {
    commit: "d0fe47c64152",
    title: "slub: add back check for free nonslab objects",
    release: "5.16",
    effect: "kfree of a non-slab page that is not (or no longer) compound WARN_ON_ONCEs and prints \"object pointer: 0x%p\" once, then still runs the KASAN hook and frees the page with order 0 (5.17 free_large_kmalloc: WARN_ON_ONCE(order == 0); 5.19 mm/slub.c:3569, 6.1.166 mm/slab_common.c:904, 6.6.63 :975, 6.12.19 mm/slub.c:4711, 6.18.35 :6844) (checked: absent in 5.15.178 (VM_BUG_ON_PAGE, :3532), present in the 5.17 and 5.19 trees; the id from a mainline revlist that lists it next to b47291ef02b0 \"mm, slub: change percpu partial accounting from objects to pages\" (5.16))",
  },
  "a6687c8ff613": {
    commit: "a6687c8ff613",
    title: "slab: Mark large folios for debugging purposes",
    release: "6.15",
    effect: "kmalloc_large marks its folio with the PGTY_large_kmalloc page type (0xf8) and free_large_kmalloc clears it; free_large_kmalloc first tests folio_test_large_kmalloc and otherwise WARN_ON_ONCEs, dump_page(\"Not a kmalloc allocation\") and returns — no KASAN hook, no free. A second kfree of a kmalloc_large buffer (or a kfree of its page after the page allocator handed it out again) stops there, where 5.16–6.14 WARN_ON_ONCE(order == 0), report KASAN's double-free and free the page with order 0 (checked: 6.18.35 mm/slub.c:6835–6855, the WARN at :6839, include/linux/page-flags.h:936 PGTY_large_kmalloc, :1079 FOLIO_TYPE_OPS(large_kmalloc); absent in 6.12.19 mm/slub.c; Matthew Wilcox's patch, the id from slab/for-next revlists, in Vlastimil Babka's slab-for-6.15 pull)",
  },
  "df2ff39e78da": {
    commit: "df2ff39e78da",
    title: "mm: cma: allocate cma areas bottom-up",
    release: "5.11",
    effect: "cma_declare_contiguous_nid (not fixed, 64-bit phys_addr_t) first tries a bottom-up memblock_alloc_range_nid in [SZ_4G, limit) when memblock_end >= SZ_4G + size (6.18: limit >= SZ_4G + size, the same outcome): a default CMA area whose limit lies above 4 GiB goes to the lowest free aligned range above 4 GiB instead of the top (x86_64 cma= with more than 4 GiB: 0x100000000; arm64-ram32g: just above the kernel image) (checked: absent in 5.10.7 mm/cma.c:325–346, present in 5.12.9 :347, 5.15.178 :334, 6.1.166 :341, 6.18.35 :394 cma_alloc_mem; Roman Gushchin, merged for 5.11; mainline id df2ff39e78da from a stored 5.11 mm shortlog, next to 072355c1cf2d, and a paper's torvalds/linux commit link — until stop 17 the switch was keyed by its title)",
  },
  "11ac3e87ce09": {
    commit: "11ac3e87ce09",
    title: "mm: cma: use pageblock_order as the single alignment",
    release: "5.19",
    effect: "CMA_MIN_ALIGNMENT_PAGES becomes pageblock_nr_pages (was max(MAX_ORDER_NR_PAGES, pageblock_nr_pages)): a CMA area (cma_declare_contiguous and a reusable shared-dma-pool node) is aligned to 2 MiB on arm64 and x86_64 with hugetlb (pageblock_order = HUGETLB_PAGE_ORDER 9), not 4 MiB; 32-bit ARM without LPAE keeps 4 MiB (checked: 5.15.178 include/linux/cma.h:28–30 the max, 5.19 :24–25, 6.1.166 :24–25, 6.18.35 :20–21 pageblock_nr_pages; the id from Fixes: tags)",
  },
  "aeb9267eb6b1": {
    commit: "aeb9267eb6b1",
    title: "of: reserved-mem: print out reserved-mem details during boot",
    release: "6.3",
    effect: "after a reserved-memory node's init (success, or no driver for its compatible) fdt_init_reserved_mem prints pr_info \"OF: reserved mem: %pa..%pa (%lu KiB) %s %s %s\" (base, inclusive end, KiB, map/nomap, reusable/non-reusable, name) — rpi4's linux,cma node and a restricted-dma-pool node leave one line each after their own \"Reserved memory: created ...\" line; the KiB spelling is 6ee7afbabcee (\"of: reserved_mem: Use proper binary prefix\", same 6.3 merge) (checked: absent 6.1.166 drivers/of/of_reserved_mem.c; present 6.6.63 :349, 6.12.19 :537 fdt_init_reserved_mem_node, 6.18.35 :604)",
  },
  "0fd17e598333": {
    commit: "0fd17e598333",
    title: "of: reserved_mem: Allow reserved_mem framework detect \"cma=\" kernel param",
    release: "6.19",
    effect: "with cma= on the command line, a linux,cma-default reserved-memory node is skipped before anything is allocated: __reserved_mem_alloc_size (and __reserved_mem_reserve_reg for a node with reg) pr_err \"OF: reserved mem: Skipping dt linux,cma-default for \\\"cma=\\\" kernel param.\" and returns -EINVAL, and rmem_cma_setup loses its \"bypass\" branch; 5.6–6.12 first allocate the node (64 MiB on rpi4, in its alloc-ranges), then rmem_cma_setup prints \"Reserved memory: bypass %s node, using cmdline CMA params instead\" and returns -EBUSY, so fdt_init_reserved_mem(_node) prints \"OF: reserved mem: node %s compatible matching fail\" and memblock_free()s it. Either way dma_contiguous_reserve then places the cma= area (checked: 6.18.35 drivers/of/of_reserved_mem.c:174–179, :431–436, kernel/dma/contiguous.c:97–101 and no bypass in rmem_cma_setup :469–500; absent in 6.12.19 (contiguous.c:464–467 the bypass, of_reserved_mem.c:526–531 the free); Oreoluwa Babatunde, upstream commit 0fd17e5983337231dc655e9ca0095d2ca3f47405 rebased onto v6.19-rc1, Fixes: 8a6e02d0c00e and 2c223f7239f3)",
    stable: { "6.18": "6.18.y backport (\"[PATCH 6.18 049/122]\" of the 6.18-stable review of 4 Feb 2026, \"[ Upstream commit 0fd17e5983337231dc655e9ca0095d2ca3f47405 ]\"; in 6.18.35 drivers/of/of_reserved_mem.c:433–436; the mirror has no history to name the stable commit)" },
  },
  "8a6e02d0c00e": {
    commit: "8a6e02d0c00e",
    title: "of: reserved_mem: Restructure how the reserved memory regions are processed",
    release: "6.12",
    effect: "the dynamically placed reserved-memory nodes are allocated in DT order by fdt_scan_reserved_mem (of_reserved_mem.c), each initialised as soon as it is saved (fdt_reserved_mem_save_node → fdt_init_reserved_mem_node); the reg nodes are saved later, from unflatten_device_tree (fdt_scan_reserved_mem_reg_nodes). Before it __fdt_scan_reserved_mem saved every node (dynamic ones with base 0, size 0) and fdt_init_reserved_mem sorted the array (__rmem_check_for_overlap: lib/sort.c's heapsort by base, then size) before its allocate-then-init loop: two dynamic nodes compare equal and the heapsort swaps them, so rpi4's linux,cma node is allocated after a restricted-dma-pool without a base and lands under it, and its lines come after the pool's (checked: 5.15.178 drivers/of/fdt.c:595–597, :651, of_reserved_mem.c:199–230, :252–289, lib/sort.c:199–263; 6.1.166 fdt.c:584–585, :639; 6.6.63 fdt.c:593–594, :649, of_reserved_mem.c:309–314; 6.12.19 of_reserved_mem.c:63–80, :238–284, fdt.c:1218; release bracketed by the trees (absent 6.6.63, present 6.12.19); 6.12.19 also has 81dfedd5234b's warning \"%s() ignores %d regions\" (of_reserved_mem.c:218–220), a Cc: stable fix whose Fixes: names 8a6e02d0c00e — so 6.12 carries the restructure)",
  },
  "4cea2821882b": {
    commit: "4cea2821882b",
    title: "of: reserved_mem: Use stable allocation order",
    release: "6.5",
    effect: "__rmem_cmp compares the nodes' FDT offsets (fdt_node) after base and size, so fdt_init_reserved_mem's heapsort (__rmem_check_for_overlap) keeps dynamic reserved-memory nodes (base 0, size 0) in DT order: rpi4's linux,cma node is allocated before a restricted-dma-pool without a base (top of its range, the pool under it) and its lines come first; before it the heapsort swaps two such nodes (checked: 6.6.63 drivers/of/of_reserved_mem.c:271–274; absent 6.1.166 :201–222; Stephan Gerhold, \"[PATCH v2 2/2]\" of 14 Jun 2023, in Rob Herring's \"Devicetree updates for v6.5\" pull with 83ba7361e168 \"of: reserved_mem: Try to keep range allocations contiguous\"; kept by 8a6e02d0c00e's restructure in 6.12.19 and 6.18.35)",
  },
  "mm/cma: Drop CONFIG_CMA_DEBUG": {
    commit: "mm/cma: Drop CONFIG_CMA_DEBUG",
    title: "mm/cma: Drop CONFIG_CMA_DEBUG",
    release: "6.9",
    effect: "cma_debug_show_areas is no longer compiled only with CONFIG_CMA_DEBUG (default n): after cma_alloc's failure message (also when pr_err_ratelimited suppressed it) the free runs of the area's bitmap are printed — 6.12: one info line \"cma: number of available pages: <n>@<bit>+…=> <free> free of <count> total pages\"; 6.18 (c009da4258f9's per-range form): \"cma: number of available pages: \", \"cma: range 0: …\" (\"+\" before every run not at bit 0), \"cma: \", and \"=> <available_count> free of <count> total pages\" (a pr_cont after a finished line: its own record at the default level) (checked: 5.6.4 mm/cma.c:376–403, 6.6.63 :386–412 under #ifdef CONFIG_CMA_DEBUG; 6.12.19 :381–403 and 6.18.35 :752–777 without it; the kernel-vectors cma target records the lines from each tree's own code). Anshuman Khandual's patch of 5 Feb 2024 on v6.8-rc3 (\"All pr_debug() prints … Besides cma_debug_show_areas() should always be called during cma_alloc() failure path\"); its mainline id is in no stored text, so the switch is keyed by its title; release bracketed (6.6.63, 6.12.19]",
  },
};

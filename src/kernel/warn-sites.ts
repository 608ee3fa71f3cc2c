/**
 * Where each modelled WARN()/dev_WARN*() sits in each version's tree: the "file:line" the kernel
 * prints in its "WARNING: CPU: n PID: n at <file>:<line> <function>+<off>/<size>" line (__LINE__ of
 * the macro's first line, as GCC expands it). Read in the trees listed in docs/verified-facts.md
 * (5.6.4, 5.10.7, 5.14-rc5, 5.15.178, 5.19, 6.1.166, 6.6.63, 6.12.19, 6.18.35); 5.13 has no stored
 * tree, so no location is claimed for it. In 6.18 the direct.h site is in dma_direct_map_phys (the
 * phys API renamed dma_direct_map_page); 6.1.166 and 6.18.35 also have the "DMA pool exhausted for
 * %s" WARN two lines above the pool.c one (56c430c7f06d, dma_alloc_from_pool:exhausted).
 *
 * Three mirrors carry local edits that shift lines, and the tables give the release's own line
 * (the mirror's with the edit reverse-applied; docs/verified-facts.md, "Review of s18-kdev"):
 * 5.15.178's kernel/dma/mapping.c (wangshuai199398 665c7e066 rewrote a comment and added
 * comment lines: the release's :129–:490 are the mirror's :128–:489, its :500 on the mirror's :501 on), 6.1.166's and 6.12.19's kernel/dma/pool.c (unifreq abe68583f / wishday 74d5b3f5d, the
 * Armbian "always use 2MiB pool" patch, -2 lines from :192).
 */
import type { Kernel } from "../kernel.js";

const SITES: Record<string, Record<string, string>> = {
  dma_direct_map_page: { "5.6": "kernel/dma/direct.c:362", "5.10": "kernel/dma/direct.h:97", "5.14": "kernel/dma/direct.h:97", "5.19": "kernel/dma/direct.h:97", "5.15": "kernel/dma/direct.h:97", "6.1": "kernel/dma/direct.h:103", "6.6": "kernel/dma/direct.h:104", "6.12": "kernel/dma/direct.h:103", "6.18": "kernel/dma/direct.h:117" },
  swiotlb_map: { "5.6": "kernel/dma/swiotlb.c:683", "5.10": "kernel/dma/swiotlb.c:681", "5.14": "kernel/dma/swiotlb.c:649", "5.19": "kernel/dma/swiotlb.c:724", "5.15": "kernel/dma/swiotlb.c:706", "6.1": "kernel/dma/swiotlb.c:932", "6.6": "kernel/dma/swiotlb.c:1511", "6.12": "kernel/dma/swiotlb.c:1594", "6.18": "kernel/dma/swiotlb.c:1611" },
  dma_map_single_attrs: { "5.6": "include/linux/dma-mapping.h:584", "5.10": "include/linux/dma-mapping.h:275", "5.14": "include/linux/dma-mapping.h:318", "5.19": "include/linux/dma-mapping.h:326", "5.15": "include/linux/dma-mapping.h:331", "6.1": "include/linux/dma-mapping.h:332", "6.6": "include/linux/dma-mapping.h:332", "6.12": "include/linux/dma-mapping.h:384", "6.18": "include/linux/dma-mapping.h:506" },
  __arm_dma_free: { "5.6": "arch/arm/mm/dma-mapping.c:846", "5.10": "arch/arm/mm/dma-mapping.c:818", "5.14": "arch/arm/mm/dma-mapping.c:818", "5.19": "arch/arm/mm/dma-mapping.c:820", "5.15": "arch/arm/mm/dma-mapping.c:818", "6.1": "arch/arm/mm/dma-mapping.c:626", "6.6": "arch/arm/mm/dma-mapping.c:620", "6.12": "arch/arm/mm/dma-mapping.c:620", "6.18": "arch/arm/mm/dma-mapping.c:620" },
  dma_common_free_remap: { "5.6": "kernel/dma/remap.c:93", "5.10": "kernel/dma/remap.c:65", "5.14": "kernel/dma/remap.c:65", "5.19": "kernel/dma/remap.c:65", "5.15": "kernel/dma/remap.c:65", "6.1": "kernel/dma/remap.c:65", "6.6": "kernel/dma/remap.c:65", "6.12": "kernel/dma/remap.c:67", "6.18": "kernel/dma/remap.c:67" },
  dma_alloc_from_pool: { "5.6": "kernel/dma/remap.c:190", "5.10": "kernel/dma/pool.c:282", "5.14": "kernel/dma/pool.c:279", "5.19": "kernel/dma/pool.c:279", "5.15": "kernel/dma/pool.c:279", "6.1": "kernel/dma/pool.c:284", "6.6": "kernel/dma/pool.c:279", "6.12": "kernel/dma/pool.c:279", "6.18": "kernel/dma/pool.c:284" },
  "__virt_to_phys:arm64": { "5.6": "arch/arm64/mm/physaddr.c:12", "5.10": "arch/arm64/mm/physaddr.c:12", "5.14": "arch/arm64/mm/physaddr.c:12", "5.19": "arch/arm64/mm/physaddr.c:12", "5.15": "arch/arm64/mm/physaddr.c:12", "6.1": "arch/arm64/mm/physaddr.c:12", "6.6": "arch/arm64/mm/physaddr.c:12", "6.12": "arch/arm64/mm/physaddr.c:12", "6.18": "arch/arm64/mm/physaddr.c:12" },
  "__virt_to_phys:arm": { "5.6": "arch/arm/mm/physaddr.c:40", "5.10": "arch/arm/mm/physaddr.c:40", "5.14": "arch/arm/mm/physaddr.c:40", "5.19": "arch/arm/mm/physaddr.c:40", "5.15": "arch/arm/mm/physaddr.c:40", "6.1": "arch/arm/mm/physaddr.c:40", "6.6": "arch/arm/mm/physaddr.c:40", "6.12": "arch/arm/mm/physaddr.c:40", "6.18": "arch/arm/mm/physaddr.c:40" },
  "dma_alloc_from_pool:exhausted": { "6.1": "kernel/dma/pool.c:282", "6.18": "kernel/dma/pool.c:282" },
  xen_swiotlb_free_coherent: { "5.6": "drivers/xen/swiotlb-xen.c:349", "5.10": "drivers/xen/swiotlb-xen.c:357", "5.14": "drivers/xen/swiotlb-xen.c:344", "5.19": "drivers/xen/swiotlb-xen.c:177", "5.15": "drivers/xen/swiotlb-xen.c:348", "6.1": "drivers/xen/swiotlb-xen.c:186", "6.6": "drivers/xen/swiotlb-xen.c:183", "6.12": "drivers/xen/swiotlb-xen.c:187", "6.18": "drivers/xen/swiotlb-xen.c:187" },
  // WARN_ON_ONCE(!(flags & __GFP_NOWARN)) for size > INT_MAX (7661809d493b, 5.15); 6.18 moved it to mm/slub.c
  // mm/slub.c object_err's WARN_ON(1) (3f6f32b14ab3, 6.15): 6.18.35 :1231
  object_err: { "6.18": "mm/slub.c:1231" },
  // mm/slub.c __slab_err's WARN_ON(1) (slab_err's tail, 3f6f32b14ab3, 6.15): 6.18.35 :1256
  __slab_err: { "6.18": "mm/slub.c:1256" },
  kvmalloc_node: { "5.15": "mm/util.c:630", "5.19": "mm/util.c:624", "6.1": "mm/util.c:596", "6.6": "mm/util.c:632", "6.12": "mm/util.c:670", "6.18": "mm/slub.c:7199" },
  // sites found by the reporting function's name when the caller gives none (one WARN per function in the model)
  dma_alloc_attrs: { "5.6": "kernel/dma/mapping.c:270", "5.10": "kernel/dma/mapping.c:427", "5.14": "kernel/dma/mapping.c:433", "5.15": "kernel/dma/mapping.c:494", "5.19": "kernel/dma/mapping.c:492", "6.1": "kernel/dma/mapping.c:499", "6.6": "kernel/dma/mapping.c:503", "6.12": "kernel/dma/mapping.c:597", "6.18": "kernel/dma/mapping.c:634" },
  // WARN_ON_ONCE(!dev->dma_mask): not in 5.6's inline dma_map_page_attrs; in 6.18 it sits in dma_map_phys (no location claimed)
  dma_map_page_attrs: { "5.10": "kernel/dma/mapping.c:149", "5.14": "kernel/dma/mapping.c:151", "5.15": "kernel/dma/mapping.c:151", "5.19": "kernel/dma/mapping.c:151", "6.1": "kernel/dma/mapping.c:152", "6.6": "kernel/dma/mapping.c:156", "6.12": "kernel/dma/mapping.c:164" },
  // 5.15 on the check moved to the static __dma_map_sg_attrs (no location claimed)
  dma_map_sg_attrs: { "5.10": "kernel/dma/mapping.c:188", "5.14": "kernel/dma/mapping.c:192" },
  // "Trying to vfree() nonexistent vm area": __vunmap to 6.1 (for vfree and vunmap), vfree from 6.6 (79311c1fe017, 6.3)
  __vunmap: { "5.6": "mm/vmalloc.c:2296", "5.10": "mm/vmalloc.c:2251", "5.14": "mm/vmalloc.c:2567", "5.15": "mm/vmalloc.c:2602", "5.19": "mm/vmalloc.c:2641", "6.1": "mm/vmalloc.c:2701" },
  vfree: { "6.6": "mm/vmalloc.c:2843", "6.12": "mm/vmalloc.c:3361", "6.18": "mm/vmalloc.c:3430" },
  // "Trying to vunmap() nonexistent vm area" (79311c1fe017, 6.3)
  vunmap: { "6.6": "mm/vmalloc.c:2888", "6.12": "mm/vmalloc.c:3408", "6.18": "mm/vmalloc.c:3478" },
  // kernel/dma/swiotlb.c swiotlb_bounce's dev_WARN_ONCEs: "Access before mapping start detected" and "… Mapping size: %zu+%u."
  // (868c9ddc182b, 5.15; gone with e8068f2d756d, 6.9), "Buffer overflow detected. … Mapping size: %zu." (5.14 on)
  "swiotlb_bounce:before-start": { "5.15": "kernel/dma/swiotlb.c:383", "5.19": "kernel/dma/swiotlb.c:412", "6.1": "kernel/dma/swiotlb.c:568", "6.6": "kernel/dma/swiotlb.c:874" },
  "swiotlb_bounce:overflow-offset": { "5.15": "kernel/dma/swiotlb.c:391", "5.19": "kernel/dma/swiotlb.c:420", "6.1": "kernel/dma/swiotlb.c:576", "6.6": "kernel/dma/swiotlb.c:882" },
  "swiotlb_bounce:overflow": { "5.14": "kernel/dma/swiotlb.c:369", "5.15": "kernel/dma/swiotlb.c:401", "5.19": "kernel/dma/swiotlb.c:430", "6.1": "kernel/dma/swiotlb.c:586", "6.6": "kernel/dma/swiotlb.c:892", "6.12": "kernel/dma/swiotlb.c:889", "6.18": "kernel/dma/swiotlb.c:890" },
  // WARN_ON_ONCE(io_tlb_default_mem) in swiotlb_init_with_tbl (5.13–5.14)
  "swiotlb_init_with_tbl:double-init": { "5.14": "kernel/dma/swiotlb.c:181" },
  // dev_WARN_ONCE(dev, alloc_align_mask > ~PAGE_MASK, …) in swiotlb_tbl_map_single (327e2c97c46a, 6.10)
  "swiotlb_tbl_map_single:align": { "6.12": "kernel/dma/swiotlb.c:1398", "6.18": "kernel/dma/swiotlb.c:1415" },
  // "Cannot allocate pages from non page-aligned swiotlb addr 0x%pa." in swiotlb_alloc (6.6+)
  "swiotlb_alloc:unaligned": { "6.6": "kernel/dma/swiotlb.c:1668", "6.12": "kernel/dma/swiotlb.c:1769", "6.18": "kernel/dma/swiotlb.c:1786" },
  // WARN_ON_ONCE(order == 0) (d0fe47c64152, 5.16; free_large_kmalloc from 5.17)
  free_large_kmalloc: { "5.19": "mm/slub.c:3569", "6.1": "mm/slab_common.c:904", "6.6": "mm/slab_common.c:975", "6.12": "mm/slub.c:4711", "6.18": "mm/slub.c:6844" },
  // WARN_ON_ONCE(!folio_test_large_kmalloc(folio)) (a6687c8ff613, 6.15)
  "free_large_kmalloc:large_kmalloc": { "6.18": "mm/slub.c:6839" },
  "xen_swiotlb_free_coherent:straddle": { "5.19": "drivers/xen/swiotlb-xen.c:178", "6.1": "drivers/xen/swiotlb-xen.c:187", "6.6": "drivers/xen/swiotlb-xen.c:184", "6.12": "drivers/xen/swiotlb-xen.c:188", "6.18": "drivers/xen/swiotlb-xen.c:188" },
  "dma_alloc_attrs:__GFP_COMP": { "6.6": "kernel/dma/mapping.c:510", "6.12": "kernel/dma/mapping.c:604", "6.18": "kernel/dma/mapping.c:641" },
  // WARN_ON_ONCE(gfp & __GFP_COMP) in dma_alloc_noncontiguous (3622b86f49f8, 6.2)
  "dma_alloc_noncontiguous:__GFP_COMP": { "6.6": "kernel/dma/mapping.c:654", "6.12": "kernel/dma/mapping.c:761", "6.18": "kernel/dma/mapping.c:808" },
  // the order >= MAX_ORDER (6.6+: > MAX_ORDER / MAX_PAGE_ORDER) WARN_ON_ONCE(!(gfp & __GFP_NOWARN)) / WARN_ON_ONCE_GFP (5.18+)
  __alloc_pages_nodemask: { "5.6": "mm/page_alloc.c:4713", "5.10": "mm/page_alloc.c:4933", "5.14": "mm/page_alloc.c:5366", "5.15": "mm/page_alloc.c:5440", "5.19": "mm/page_alloc.c:5406", "6.1": "mm/page_alloc.c:5633", "6.6": "mm/page_alloc.c:4410", "6.12": "mm/page_alloc.c:4730", "6.18": "mm/page_alloc.c:5215" },
  // WARN(1, "coherent pool not initialised!\n") in ARM's __alloc_from_pool (5.6.4 :515; 5.10.7, 5.12.9, 5.14-rc5, 5.15.178 :490; 5.19 :492; 6.1.166 :359; 6.6.63, 6.12.19, 6.18.35 :361)
  __alloc_from_pool: { "5.6": "arch/arm/mm/dma-mapping.c:515", "5.10": "arch/arm/mm/dma-mapping.c:490", "5.14": "arch/arm/mm/dma-mapping.c:490", "5.15": "arch/arm/mm/dma-mapping.c:490", "5.19": "arch/arm/mm/dma-mapping.c:492", "6.1": "arch/arm/mm/dma-mapping.c:359", "6.6": "arch/arm/mm/dma-mapping.c:361", "6.12": "arch/arm/mm/dma-mapping.c:361", "6.18": "arch/arm/mm/dma-mapping.c:361" },
  // WARN_ONCE(overlap > ACTIVE_CACHELINE_MAX_OVERLAP, …) in kernel/dma/debug.c active_cacheline_inc_overlap (D20; 5.12.9 :498 too)
  active_cacheline_inc_overlap: { "5.6": "kernel/dma/debug.c:498", "5.10": "kernel/dma/debug.c:498", "5.14": "kernel/dma/debug.c:498", "5.15": "kernel/dma/debug.c:501", "5.19": "kernel/dma/debug.c:498", "6.1": "kernel/dma/debug.c:499", "6.6": "kernel/dma/debug.c:469", "6.12": "kernel/dma/debug.c:470", "6.18": "kernel/dma/debug.c:465" },
  // kernel/dma/debug.c err_printk: a macro whose WARN(1, pr_fmt("%s %s: ") format, …) takes __LINE__ from the
  // err_printk call (its first line); keyed by finding id, D15a/D15p the [addr=] and [probable addr=] calls of check_for_stack
  // (the call sites' functions: ERR_PRINTK_FN; 5.6.4, 5.10.7, 5.14-rc5, 5.15.178, 5.19, 6.1.166, 6.6.63, 6.12.19, 6.18.35)
  "err_printk:D01": { "5.6": "kernel/dma/debug.c:1006", "5.10": "kernel/dma/debug.c:959", "5.14": "kernel/dma/debug.c:957", "5.15": "kernel/dma/debug.c:972", "5.19": "kernel/dma/debug.c:959", "6.1": "kernel/dma/debug.c:970", "6.6": "kernel/dma/debug.c:977", "6.12": "kernel/dma/debug.c:978", "6.18": "kernel/dma/debug.c:992" },
  "err_printk:D02": { "5.6": "kernel/dma/debug.c:1010", "5.10": "kernel/dma/debug.c:963", "5.14": "kernel/dma/debug.c:961", "5.15": "kernel/dma/debug.c:976", "5.19": "kernel/dma/debug.c:963", "6.1": "kernel/dma/debug.c:974", "6.6": "kernel/dma/debug.c:981", "6.12": "kernel/dma/debug.c:982", "6.18": "kernel/dma/debug.c:996" },
  "err_printk:D03": { "5.6": "kernel/dma/debug.c:1020", "5.10": "kernel/dma/debug.c:973", "5.14": "kernel/dma/debug.c:971", "5.15": "kernel/dma/debug.c:986", "5.19": "kernel/dma/debug.c:973", "6.1": "kernel/dma/debug.c:984", "6.6": "kernel/dma/debug.c:991", "6.12": "kernel/dma/debug.c:992", "6.18": "kernel/dma/debug.c:1006" },
  "err_printk:D04": { "5.6": "kernel/dma/debug.c:1028", "5.10": "kernel/dma/debug.c:981", "5.14": "kernel/dma/debug.c:979", "5.15": "kernel/dma/debug.c:994", "5.19": "kernel/dma/debug.c:981", "6.1": "kernel/dma/debug.c:992", "6.6": "kernel/dma/debug.c:999", "6.12": "kernel/dma/debug.c:1000", "6.18": "kernel/dma/debug.c:1014" },
  "err_printk:D05": { "5.6": "kernel/dma/debug.c:1036", "5.10": "kernel/dma/debug.c:989", "5.14": "kernel/dma/debug.c:987", "5.15": "kernel/dma/debug.c:1002", "5.19": "kernel/dma/debug.c:989", "6.1": "kernel/dma/debug.c:1000", "6.6": "kernel/dma/debug.c:1007", "6.12": "kernel/dma/debug.c:1008", "6.18": "kernel/dma/debug.c:1023" },
  "err_printk:D06": { "5.6": "kernel/dma/debug.c:1048", "5.10": "kernel/dma/debug.c:1001", "5.14": "kernel/dma/debug.c:999", "5.15": "kernel/dma/debug.c:1014", "5.19": "kernel/dma/debug.c:1001", "6.1": "kernel/dma/debug.c:1012", "6.6": "kernel/dma/debug.c:1019", "6.12": "kernel/dma/debug.c:1020", "6.18": "kernel/dma/debug.c:1035" },
  "err_printk:D07": { "5.6": "kernel/dma/debug.c:1059", "5.10": "kernel/dma/debug.c:1012", "5.14": "kernel/dma/debug.c:1010", "5.15": "kernel/dma/debug.c:1025", "5.19": "kernel/dma/debug.c:1012", "6.1": "kernel/dma/debug.c:1023", "6.6": "kernel/dma/debug.c:1030", "6.12": "kernel/dma/debug.c:1031", "6.18": "kernel/dma/debug.c:1046" },
  "err_printk:D08": { "5.6": "kernel/dma/debug.c:1074", "5.10": "kernel/dma/debug.c:1027", "5.14": "kernel/dma/debug.c:1025", "5.15": "kernel/dma/debug.c:1040", "5.19": "kernel/dma/debug.c:1027", "6.1": "kernel/dma/debug.c:1038", "6.6": "kernel/dma/debug.c:1045", "6.12": "kernel/dma/debug.c:1046", "6.18": "kernel/dma/debug.c:1061" },
  "err_printk:D09": { "5.6": "kernel/dma/debug.c:1146", "5.10": "kernel/dma/debug.c:1099", "5.14": "kernel/dma/debug.c:1097", "5.15": "kernel/dma/debug.c:1106", "5.19": "kernel/dma/debug.c:1089", "6.1": "kernel/dma/debug.c:1104", "6.6": "kernel/dma/debug.c:1107", "6.12": "kernel/dma/debug.c:1112", "6.18": "kernel/dma/debug.c:1128" },
  "err_printk:D10": { "5.6": "kernel/dma/debug.c:1154", "5.10": "kernel/dma/debug.c:1107", "5.14": "kernel/dma/debug.c:1105", "5.15": "kernel/dma/debug.c:1114", "5.19": "kernel/dma/debug.c:1097", "6.1": "kernel/dma/debug.c:1112", "6.6": "kernel/dma/debug.c:1115", "6.12": "kernel/dma/debug.c:1120", "6.18": "kernel/dma/debug.c:1136" },
  "err_printk:D11": { "5.6": "kernel/dma/debug.c:1167", "5.10": "kernel/dma/debug.c:1120", "5.14": "kernel/dma/debug.c:1118", "5.15": "kernel/dma/debug.c:1127", "5.19": "kernel/dma/debug.c:1110", "6.1": "kernel/dma/debug.c:1125", "6.6": "kernel/dma/debug.c:1128", "6.12": "kernel/dma/debug.c:1133", "6.18": "kernel/dma/debug.c:1149" },
  "err_printk:D12": { "5.6": "kernel/dma/debug.c:1178", "5.10": "kernel/dma/debug.c:1131", "5.14": "kernel/dma/debug.c:1129", "5.15": "kernel/dma/debug.c:1138", "5.19": "kernel/dma/debug.c:1121", "6.1": "kernel/dma/debug.c:1136", "6.6": "kernel/dma/debug.c:1139", "6.12": "kernel/dma/debug.c:1144", "6.18": "kernel/dma/debug.c:1160" },
  "err_printk:D13": { "5.6": "kernel/dma/debug.c:1188", "5.10": "kernel/dma/debug.c:1141", "5.14": "kernel/dma/debug.c:1139", "5.15": "kernel/dma/debug.c:1148", "5.19": "kernel/dma/debug.c:1131", "6.1": "kernel/dma/debug.c:1146", "6.6": "kernel/dma/debug.c:1149", "6.12": "kernel/dma/debug.c:1154", "6.18": "kernel/dma/debug.c:1170" },
  "err_printk:D14": { "5.6": "kernel/dma/debug.c:1198", "5.10": "kernel/dma/debug.c:1151", "5.14": "kernel/dma/debug.c:1149", "5.15": "kernel/dma/debug.c:1158", "5.19": "kernel/dma/debug.c:1141", "6.1": "kernel/dma/debug.c:1156", "6.6": "kernel/dma/debug.c:1159", "6.12": "kernel/dma/debug.c:1164", "6.18": "kernel/dma/debug.c:1180" },
  "err_printk:D15a": { "5.6": "kernel/dma/debug.c:1100", "5.10": "kernel/dma/debug.c:1053", "5.14": "kernel/dma/debug.c:1051", "5.15": "kernel/dma/debug.c:1070", "5.19": "kernel/dma/debug.c:1053", "6.1": "kernel/dma/debug.c:1068", "6.6": "kernel/dma/debug.c:1071", "6.12": "kernel/dma/debug.c:1076", "6.18": "kernel/dma/debug.c:1090" },
  "err_printk:D15p": { "5.6": "kernel/dma/debug.c:1110", "5.10": "kernel/dma/debug.c:1063", "5.14": "kernel/dma/debug.c:1061", "5.15": "kernel/dma/debug.c:1080", "5.19": "kernel/dma/debug.c:1063", "6.1": "kernel/dma/debug.c:1078", "6.6": "kernel/dma/debug.c:1081", "6.12": "kernel/dma/debug.c:1086", "6.18": "kernel/dma/debug.c:1102" },
  "err_printk:D16": { "5.6": "kernel/dma/debug.c:1130", "5.10": "kernel/dma/debug.c:1083", "5.14": "kernel/dma/debug.c:1081", "5.15": "kernel/dma/debug.c:1090", "5.19": "kernel/dma/debug.c:1073", "6.1": "kernel/dma/debug.c:1088", "6.6": "kernel/dma/debug.c:1091", "6.12": "kernel/dma/debug.c:1096", "6.18": "kernel/dma/debug.c:1112" },
  "err_printk:D17": { "5.6": "kernel/dma/debug.c:1241", "5.10": "kernel/dma/debug.c:1194", "5.14": "kernel/dma/debug.c:1192", "5.15": "kernel/dma/debug.c:1201", "5.19": "kernel/dma/debug.c:1184", "6.1": "kernel/dma/debug.c:1199", "6.6": "kernel/dma/debug.c:1202", "6.12": "kernel/dma/debug.c:1207", "6.18": "kernel/dma/debug.c:1221" },
  "err_printk:D18": { "5.6": "kernel/dma/debug.c:1245", "5.10": "kernel/dma/debug.c:1198", "5.14": "kernel/dma/debug.c:1196", "5.15": "kernel/dma/debug.c:1205", "5.19": "kernel/dma/debug.c:1188", "6.1": "kernel/dma/debug.c:1203", "6.6": "kernel/dma/debug.c:1206", "6.12": "kernel/dma/debug.c:1211", "6.18": "kernel/dma/debug.c:1225" },
  "err_printk:D19": { "5.15": "kernel/dma/debug.c:573", "5.19": "kernel/dma/debug.c:570", "6.1": "kernel/dma/debug.c:571", "6.6": "kernel/dma/debug.c:605", "6.12": "kernel/dma/debug.c:606", "6.18": "kernel/dma/debug.c:620" },
  "err_printk:D22": { "5.6": "kernel/dma/debug.c:893", "5.10": "kernel/dma/debug.c:846", "5.14": "kernel/dma/debug.c:844", "5.15": "kernel/dma/debug.c:861", "5.19": "kernel/dma/debug.c:848", "6.1": "kernel/dma/debug.c:859", "6.6": "kernel/dma/debug.c:866", "6.12": "kernel/dma/debug.c:867", "6.18": "kernel/dma/debug.c:881" },
  "err_printk:D23": { "5.6": "kernel/dma/debug.c:1219", "5.10": "kernel/dma/debug.c:1172", "5.14": "kernel/dma/debug.c:1170", "5.15": "kernel/dma/debug.c:1179", "5.19": "kernel/dma/debug.c:1162", "6.1": "kernel/dma/debug.c:1177", "6.6": "kernel/dma/debug.c:1180", "6.12": "kernel/dma/debug.c:1185", "6.18": "kernel/dma/debug.c:1200" },
  "err_printk:D24": { "5.6": "kernel/dma/debug.c:1229", "5.10": "kernel/dma/debug.c:1182", "5.14": "kernel/dma/debug.c:1180", "5.15": "kernel/dma/debug.c:1189", "5.19": "kernel/dma/debug.c:1172", "6.1": "kernel/dma/debug.c:1187", "6.6": "kernel/dma/debug.c:1190", "6.12": "kernel/dma/debug.c:1195", "6.18": "kernel/dma/debug.c:1210" },
  "err_printk:D27": { "6.18": "kernel/dma/debug.c:1257" },
};

/**
 * Functions the model keeps under one name that a version's tree calls otherwise: the symbol a
 * report prints (%pS) for that version. 6.10's memory-allocation profiling renamed kvmalloc_node
 * to __kvmalloc_node_noprof (read in the 6.12.19 mm/util.c:650 and 6.18.35 mm/slub.c:7178 trees);
 * 6.18's phys API turned dma_direct_map_page into dma_direct_map_phys (kernel/dma/direct.h:83).
 */
const SYMBOLS: Record<string, Record<string, string>> = {
  kvmalloc_node: { "6.12": "__kvmalloc_node_noprof", "6.18": "__kvmalloc_node_noprof" },
  dma_direct_map_page: { "6.18": "dma_direct_map_phys" },
  // 5.13 (84172f4bb752, "combine __alloc_pages and __alloc_pages_nodemask": 5.12.9 has the _nodemask name, 5.14-rc5
  // :5353 __alloc_pages); 6.10's profiling __alloc_pages_noprof (6.12.19 :4718); 6.18.35 WARNs in the
  // __alloc_frozen_pages_noprof it calls (:5203, the WARN at :5215)
  __alloc_pages_nodemask: { "5.13": "__alloc_pages", "5.14": "__alloc_pages", "5.15": "__alloc_pages", "5.19": "__alloc_pages", "6.1": "__alloc_pages", "6.6": "__alloc_pages", "6.12": "__alloc_pages_noprof", "6.18": "__alloc_frozen_pages_noprof" },
};

/**
 * The order check in __alloc_pages_nodemask / __alloc_pages as each tree writes it (mm/page_alloc.c: 5.6.4 :4712,
 * 5.10.7 :4932, 5.12.9 :4988, 5.14-rc5 :5365, 5.15.178 :5439, 5.19 :5406, 6.1.166 :5633, 6.6.63 :4410, 6.12.19 :4730,
 * 6.18.35 :5215): `if (unlikely(order >= MAX_ORDER)) { WARN_ON_ONCE(!(gfp_mask & __GFP_NOWARN)); …` to 5.12 (the
 * argument is `gfp` once 5.13 merged __alloc_pages_nodemask into __alloc_pages), WARN_ON_ONCE_GFP(order >= MAX_ORDER, gfp)
 * from 5.18, `order > MAX_ORDER` once MAX_ORDER became inclusive (6.4: 10), `order > MAX_PAGE_ORDER` from 6.8.
 * The one-line summary of the WARN (the splat prints no message: WARN_ON has none).
 */
export function alloc_pages_order_warn(k: Kernel, fn: string, order: number): string {
  const v = k.version.id;
  const cond =
    v === "5.6" || v === "5.10"
      ? `WARN_ON_ONCE(!(gfp_mask & __GFP_NOWARN)) for order ${order} >= MAX_ORDER (11)`
      : v === "5.13" || v === "5.14" || v === "5.15"
        ? `WARN_ON_ONCE(!(gfp & __GFP_NOWARN)) for order ${order} >= MAX_ORDER (11)`
        : v === "5.19" || v === "6.1"
          ? `WARN_ON_ONCE_GFP(order >= MAX_ORDER, gfp) for order ${order} (MAX_ORDER 11)`
          : v === "6.6"
            ? `WARN_ON_ONCE_GFP(order > MAX_ORDER, gfp) for order ${order} (MAX_ORDER 10)`
            : `WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp) for order ${order} (MAX_PAGE_ORDER 10)`;
  return `WARNING: at mm/page_alloc.c ${fn}: ${cond}`;
}

/**
 * kernel/dma/debug.c: the function each err_printk call sits in (the "%pS" of its WARN), by finding id;
 * the same in every tree from 5.6.4 to 6.18.35 (D27 is 6.18's debug_dma_map_phys only). The model names
 * the source function; a build that inlines a static one (check_sg_segment…) would print its caller.
 */
const ERR_PRINTK_FN: Record<string, string> = {
  D01: "check_unmap", D02: "check_unmap", D03: "check_unmap", D04: "check_unmap", D05: "check_unmap", D06: "check_unmap", D07: "check_unmap", D08: "check_unmap",
  D09: "check_sync", D10: "check_sync", D11: "check_sync", D12: "check_sync", D13: "check_sync", D14: "check_sync",
  D15: "check_for_stack", D16: "check_for_illegal_area", D17: "debug_dma_map_single", D18: "debug_dma_map_single", D19: "add_dma_entry",
  D22: "dma_debug_device_change", D23: "check_sg_segment", D24: "check_sg_segment", D27: "debug_dma_map_phys",
};

/** kernel/dma/debug.c err_printk's WARN site (5.6–6.18): the function and, where read in this version's tree, file:line; `site` is the finding id (D15a/D15p for check_for_stack's two calls). */
export function err_printk_site(k: Kernel, site: string): { fn: string; at: string | undefined } {
  return { fn: ERR_PRINTK_FN[site.slice(0, 3)] ?? "err_printk", at: SITES["err_printk:" + site]?.[k.version.id] };
}

/** The symbol this kernel's version prints for a modelled function. */
export function kernel_symbol(k: Kernel, fn: string): string {
  return SYMBOLS[fn]?.[k.version.id] ?? fn;
}

/** The file:line of a WARN site in this kernel's version, when it was read in a tree. */
export function warn_site(k: Kernel, site: string): string | undefined {
  return SITES[site]?.[k.version.id];
}

/**
 * Where each modelled BUG_ON()/VIRTUAL_BUG_ON() sits in each version's tree: report_bug prints
 * "kernel BUG at <file>:<line>!" (lib/bug.c; arm64, ARM and x86 alike). Read in the trees above with
 * a scan for the condition's text; 5.13 has no stored tree: its report names the file only.
 */
const BUG_SITES: Record<string, Record<string, string>> = {
  /** BUG_ON(!valid_dma_direction(dir)) in dma_map_page_attrs (5.6: the inline one in dma-mapping.h) */
  "valid_dma_direction:dma_map_page_attrs": { "5.6": "include/linux/dma-mapping.h:281", "5.10": "kernel/dma/mapping.c:147", "5.14": "kernel/dma/mapping.c:149", "5.15": "kernel/dma/mapping.c:149", "5.19": "kernel/dma/mapping.c:149", "6.1": "kernel/dma/mapping.c:150", "6.6": "kernel/dma/mapping.c:154", "6.12": "kernel/dma/mapping.c:162" },
  /** BUG_ON(!valid_dma_direction(dir)) in 6.18's dma_map_phys */
  "valid_dma_direction:dma_map_phys": { "6.18": "kernel/dma/mapping.c:162" },
  /** … in dma_unmap_page_attrs */
  "valid_dma_direction:dma_unmap_page_attrs": { "5.6": "include/linux/dma-mapping.h:296", "5.10": "kernel/dma/mapping.c:167", "5.14": "kernel/dma/mapping.c:170", "5.15": "kernel/dma/mapping.c:170", "5.19": "kernel/dma/mapping.c:170", "6.1": "kernel/dma/mapping.c:172", "6.6": "kernel/dma/mapping.c:176", "6.12": "kernel/dma/mapping.c:188" },
  /** … in 6.18's dma_unmap_phys */
  "valid_dma_direction:dma_unmap_phys": { "6.18": "kernel/dma/mapping.c:220" },
  /** … in dma_map_sg_attrs (__dma_map_sg_attrs from 5.15) */
  "valid_dma_direction:dma_map_sg_attrs": { "5.6": "include/linux/dma-mapping.h:315", "5.10": "kernel/dma/mapping.c:186", "5.14": "kernel/dma/mapping.c:190", "5.15": "kernel/dma/mapping.c:186", "5.19": "kernel/dma/mapping.c:186", "6.1": "kernel/dma/mapping.c:188", "6.6": "kernel/dma/mapping.c:192", "6.12": "kernel/dma/mapping.c:207", "6.18": "kernel/dma/mapping.c:252" },
  /** … in dma_unmap_sg_attrs */
  "valid_dma_direction:dma_unmap_sg_attrs": { "5.6": "include/linux/dma-mapping.h:332", "5.10": "kernel/dma/mapping.c:208", "5.14": "kernel/dma/mapping.c:213", "5.15": "kernel/dma/mapping.c:278", "5.19": "kernel/dma/mapping.c:278", "6.1": "kernel/dma/mapping.c:285", "6.6": "kernel/dma/mapping.c:289", "6.12": "kernel/dma/mapping.c:307", "6.18": "kernel/dma/mapping.c:353" },
  /** … in dma_map_resource (6.18: dma_map_phys) */
  "valid_dma_direction:dma_map_resource": { "5.6": "include/linux/dma-mapping.h:349", "5.10": "kernel/dma/mapping.c:223", "5.14": "kernel/dma/mapping.c:229", "5.15": "kernel/dma/mapping.c:294", "5.19": "kernel/dma/mapping.c:294", "6.1": "kernel/dma/mapping.c:301", "6.6": "kernel/dma/mapping.c:305", "6.12": "kernel/dma/mapping.c:326" },
  /** … in dma_unmap_resource (6.18: dma_unmap_phys) */
  "valid_dma_direction:dma_unmap_resource": { "5.6": "include/linux/dma-mapping.h:370", "5.10": "kernel/dma/mapping.c:247", "5.14": "kernel/dma/mapping.c:253", "5.15": "kernel/dma/mapping.c:314", "5.19": "kernel/dma/mapping.c:314", "6.1": "kernel/dma/mapping.c:321", "6.6": "kernel/dma/mapping.c:325", "6.12": "kernel/dma/mapping.c:349" },
  /** … in dma_sync_single_for_cpu (__dma_sync_single_for_cpu from 6.10) */
  "valid_dma_direction:dma_sync_single_for_cpu": { "5.6": "include/linux/dma-mapping.h:382", "5.10": "kernel/dma/mapping.c:259", "5.14": "kernel/dma/mapping.c:265", "5.15": "kernel/dma/mapping.c:326", "5.19": "kernel/dma/mapping.c:326", "6.1": "kernel/dma/mapping.c:333", "6.6": "kernel/dma/mapping.c:337", "6.12": "kernel/dma/mapping.c:367", "6.18": "kernel/dma/mapping.c:386" },
  /** … in dma_sync_single_for_device */
  "valid_dma_direction:dma_sync_single_for_device": { "5.6": "include/linux/dma-mapping.h:396", "5.10": "kernel/dma/mapping.c:273", "5.14": "kernel/dma/mapping.c:279", "5.15": "kernel/dma/mapping.c:340", "5.19": "kernel/dma/mapping.c:340", "6.1": "kernel/dma/mapping.c:347", "6.6": "kernel/dma/mapping.c:351", "6.12": "kernel/dma/mapping.c:384", "6.18": "kernel/dma/mapping.c:403" },
  /** … in dma_sync_sg_for_cpu */
  "valid_dma_direction:dma_sync_sg_for_cpu": { "5.6": "include/linux/dma-mapping.h:410", "5.10": "kernel/dma/mapping.c:287", "5.14": "kernel/dma/mapping.c:293", "5.15": "kernel/dma/mapping.c:354", "5.19": "kernel/dma/mapping.c:354", "6.1": "kernel/dma/mapping.c:361", "6.6": "kernel/dma/mapping.c:365", "6.12": "kernel/dma/mapping.c:401", "6.18": "kernel/dma/mapping.c:420" },
  /** … in dma_sync_sg_for_device */
  "valid_dma_direction:dma_sync_sg_for_device": { "5.6": "include/linux/dma-mapping.h:424", "5.10": "kernel/dma/mapping.c:301", "5.14": "kernel/dma/mapping.c:307", "5.15": "kernel/dma/mapping.c:368", "5.19": "kernel/dma/mapping.c:368", "6.1": "kernel/dma/mapping.c:375", "6.6": "kernel/dma/mapping.c:379", "6.12": "kernel/dma/mapping.c:418", "6.18": "kernel/dma/mapping.c:437" },
  /** BUG_ON(ents < 0) in dma_map_sg_attrs (to 5.14; c81be74e7d79 returns the error from 5.15) */
  "dma_map_sg_attrs:ents": { "5.6": "include/linux/dma-mapping.h:320", "5.10": "kernel/dma/mapping.c:195", "5.14": "kernel/dma/mapping.c:200" },
  /** BUG_ON(dir == DMA_NONE) in xen_swiotlb_map_page */
  "xen_swiotlb_map_page": { "5.6": "drivers/xen/swiotlb-xen.c:372", "5.10": "drivers/xen/swiotlb-xen.c:381", "5.14": "drivers/xen/swiotlb-xen.c:368", "5.15": "drivers/xen/swiotlb-xen.c:372", "5.19": "drivers/xen/swiotlb-xen.c:202", "6.1": "drivers/xen/swiotlb-xen.c:212", "6.6": "drivers/xen/swiotlb-xen.c:208", "6.12": "drivers/xen/swiotlb-xen.c:213", "6.18": "drivers/xen/swiotlb-xen.c:213" },
  /** BUG_ON(dir == DMA_NONE) in xen_swiotlb_unmap_page */
  "xen_swiotlb_unmap_page": { "5.6": "drivers/xen/swiotlb-xen.c:425", "5.10": "drivers/xen/swiotlb-xen.c:437", "5.14": "drivers/xen/swiotlb-xen.c:424", "5.15": "drivers/xen/swiotlb-xen.c:428", "5.19": "drivers/xen/swiotlb-xen.c:258", "6.1": "drivers/xen/swiotlb-xen.c:268", "6.6": "drivers/xen/swiotlb-xen.c:264", "6.12": "drivers/xen/swiotlb-xen.c:271", "6.18": "drivers/xen/swiotlb-xen.c:272" },
  /** VIRTUAL_BUG_ON(!is_vmalloc_or_module_addr(vmalloc_addr)) in vmalloc_to_page */
  "vmalloc_to_page": { "5.6": "mm/vmalloc.c:291", "5.10": "mm/vmalloc.c:362", "5.14": "mm/vmalloc.c:647", "5.15": "mm/vmalloc.c:659", "5.19": "mm/vmalloc.c:660", "6.1": "mm/vmalloc.c:688", "6.6": "mm/vmalloc.c:673", "6.12": "mm/vmalloc.c:753", "6.18": "mm/vmalloc.c:793" },
  /** BUG_ON(!nslots) in the slot search (swiotlb_tbl_map_single, find_slots, swiotlb_find_slots, swiotlb_do_find_slots, swiotlb_area_find_slots, swiotlb_search_pool_area) */
  "swiotlb:nslots": { "5.6": "kernel/dma/swiotlb.c:498", "5.10": "kernel/dma/swiotlb.c:497", "5.14": "kernel/dma/swiotlb.c:443", "5.15": "kernel/dma/swiotlb.c:478", "5.19": "kernel/dma/swiotlb.c:505", "6.1": "kernel/dma/swiotlb.c:665", "6.6": "kernel/dma/swiotlb.c:1014", "6.12": "kernel/dma/swiotlb.c:1033", "6.18": "kernel/dma/swiotlb.c:1050" },
  /** BUG_ON(area_index >= …nareas) in the area search */
  "swiotlb:area_index": { "6.1": "kernel/dma/swiotlb.c:666", "6.6": "kernel/dma/swiotlb.c:1015", "6.12": "kernel/dma/swiotlb.c:1034", "6.18": "kernel/dma/swiotlb.c:1051" },
  /** BUG_ON(aindex >= mem->nareas) in swiotlb_release_slots */
  "swiotlb:aindex": { "6.1": "kernel/dma/swiotlb.c:845", "6.6": "kernel/dma/swiotlb.c:1384", "6.12": "kernel/dma/swiotlb.c:1464", "6.18": "kernel/dma/swiotlb.c:1481" },
  /** BUG_ON(dir != DMA_FROM_DEVICE) in the sync for the device (swiotlb_tbl_sync_single to 5.11) */
  "swiotlb:sync_for_device": { "5.6": "kernel/dma/swiotlb.c:652", "5.10": "kernel/dma/swiotlb.c:651", "5.14": "kernel/dma/swiotlb.c:614", "5.15": "kernel/dma/swiotlb.c:671", "5.19": "kernel/dma/swiotlb.c:690", "6.1": "kernel/dma/swiotlb.c:898", "6.6": "kernel/dma/swiotlb.c:1477", "6.12": "kernel/dma/swiotlb.c:1559", "6.18": "kernel/dma/swiotlb.c:1576" },
  /** BUG_ON(dir != DMA_TO_DEVICE) in the sync for the CPU */
  "swiotlb:sync_for_cpu": { "5.6": "kernel/dma/swiotlb.c:645", "5.10": "kernel/dma/swiotlb.c:644", "5.14": "kernel/dma/swiotlb.c:623", "5.15": "kernel/dma/swiotlb.c:680", "5.19": "kernel/dma/swiotlb.c:699", "6.1": "kernel/dma/swiotlb.c:907", "6.6": "kernel/dma/swiotlb.c:1486", "6.12": "kernel/dma/swiotlb.c:1569", "6.18": "kernel/dma/swiotlb.c:1586" },
  /** BUG_ON(!is_power_of_2(boundary_size)) in iommu_is_span_boundary */
  "iommu_is_span_boundary": { "5.6": "include/linux/iommu-helper.h:21", "5.10": "include/linux/iommu-helper.h:21", "5.14": "include/linux/iommu-helper.h:23", "5.15": "include/linux/iommu-helper.h:23", "5.19": "include/linux/iommu-helper.h:23", "6.1": "include/linux/iommu-helper.h:23", "6.6": "include/linux/iommu-helper.h:23", "6.12": "include/linux/iommu-helper.h:23", "6.18": "include/linux/iommu-helper.h:23" },
};

/** "file:line" of a modelled BUG_ON in this version's tree; without a tree (5.13), the file alone. */
export function bug_site(k: Kernel, site: string): string {
  const t = BUG_SITES[site];
  if (!t) return "?";
  const at = t[k.version.id];
  if (at) return at;
  // the file of the nearest older version that has the site (5.13: 5.10's), without a line
  const num = (v: string) => v.split(".").reduce((a, x) => a * 100 + Number(x), 0);
  const older = Object.keys(t).filter((v) => num(v) < num(k.version.id)).sort((a, b) => num(b) - num(a))[0];
  const any = t[older ?? Object.keys(t)[0]!];
  return any ? any.replace(/:\d+$/, "") : "?";
}

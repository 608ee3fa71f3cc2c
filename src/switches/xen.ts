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
  "97729b653de5": {
    commit: "97729b653de5",
    title: "xen/swiotlb: check if the swiotlb has already been initialized",
    release: "5.13",
    effect: "ARM dom0: xen_mm_init → xen_swiotlb_init() finds arm64's pool, pr_warn \"swiotlb buffer already initialized\" and returns -EEXIST, which xen_mm_init ignores (5.6–5.12 reused the pool silently, returning -ENOMEM without touching swiotlb max_segment); x86 PV boots through xen_swiotlb_init_early",
  },
  "3f70356edf56": {
    commit: "3f70356edf56",
    title: "swiotlb: merge swiotlb-xen initialization into swiotlb",
    release: "5.19",
    effect: "swiotlb-xen loses its own pool code (xen_swiotlb_init/_init_early removed): x86 PV boots through pci_xen_swiotlb_init → swiotlb_init_remap(true, SWIOTLB_ANY, xen_swiotlb_fixup), ARM's xen_mm_init calls swiotlb_init_late only without a pool (no warning); nobody sets swiotlb max_segment to PAGE_SIZE any more",
  },
  "bff2a2d453a1": {
    commit: "bff2a2d453a1",
    title: "swiotlb-xen: provide the \"max_mapping_size\" method",
    release: "6.7",
    effect: "xen_swiotlb_dma_ops.max_mapping_size = swiotlb_max_mapping_size: dma_max_mapping_size() on a Xen device is the 256 KiB bounce limit instead of SIZE_MAX",
    stable: { "5.15": "5.15.178: backport present in drivers/xen/swiotlb-xen.c", "6.1": "6.1.166: backport present", "6.6": "6.6.63: backport present" },
  },
  "9f40ec84a797": {
    commit: "9f40ec84a797",
    title: "xen/swiotlb: add alignment check for dma buffers",
    release: "6.12",
    effect: "range_straddles_page_boundary also fails a buffer aligned to its order in pseudo-physical space whose first machine frame is not so aligned: streaming maps of such buffers bounce, coherent allocations exchange their frames",
    stable: { "5.15": "5.15.178: backport present (check inside range_straddles_page_boundary)", "6.1": "6.1.166: backport present", "6.6": "6.6.63: backport present (check inside range_straddles_page_boundary)" },
  },
  "c3dea3d54f4d": {
    commit: "c3dea3d54f4d",
    title: "xen/swiotlb: fix allocated size",
    release: "6.12",
    effect: "x86 xen_swiotlb_alloc_coherent / xen_swiotlb_free_coherent use size = ALIGN(size, XEN_PAGE_SIZE) instead of 1UL << (order + XEN_PAGE_SHIFT) for the checks and the memset (a 12 KiB buffer: 12 KiB zeroed, not 16)",
    stable: { "6.1": "6.1.166: backport present", "6.6": "6.6.63: backport present" },
  },
  "85fcb57c983f": {
    commit: "85fcb57c983f",
    title: "xen/swiotlb: relax alignment requirements",
    release: "6.14",
    effect: "the 9f40ec84a797 alignment check leaves range_straddles_page_boundary (streaming maps no longer bounce for it) and becomes range_requires_alignment, used by x86 xen_swiotlb_alloc_coherent / xen_swiotlb_free_coherent only",
    stable: { "6.1": "6.1.166: backport present", "6.12": "6.12.19: backport present" },
  },
  "e93ec87286bd": {
    commit: "e93ec87286bd",
    title: "x86/xen: allow larger contiguous memory regions in PV guests",
    release: "6.14",
    effect: "x86 PV xen_create_contiguous_region grows its frame list (alloc_discontig_frames: __get_free_pages(GFP_KERNEL, order - 9)) instead of failing orders above 9 (2 MiB) with -ENOMEM: a 4 MiB coherent buffer that must be exchanged is no longer NULL",
    stable: { "6.1": "6.1.166: backport present in arch/x86/xen/mmu_pv.c", "6.12": "6.12.19: backport present" },
  },
  "cd9c05848905": {
    commit: "cd9c05848905",
    title: "xen: swiotlb: Use swiotlb bouncing if kmalloc allocation demands it",
    release: "6.15",
    effect: "xen_swiotlb_map_page bounces a reachable buffer when dma_kmalloc_needs_bounce(dev, size, dir), as dma_direct_map_page does since 370645f41e6e (6.5): a small kmalloc buffer mapped DMA_FROM_DEVICE/BIDIRECTIONAL for a non-coherent device behind Xen goes through swiotlb instead of sharing a cache line (checked: 6.18.35 drivers/xen/swiotlb-xen.c:219–224; absent in 6.12.19 :219–223, 6.6.63 and 6.1.166; John Ernberg, merged for 6.15-rc; stable shortlogs list backports, none of them in the point releases modelled here)",
  },
  "9074c79b62b6": {
    commit: "9074c79b62b6",
    title: "swiotlb-xen: ensure to issue well-formed XENMEM_exchange requests",
    release: "5.15",
    effect: "the x86 PV dom0's boot buffer is memblock_alloc(PAGE_ALIGN(bytes), IO_TLB_SEGSIZE << IO_TLB_SHIFT) (256 KiB) instead of PAGE_SIZE, and its failure panics \"%s: Failed to allocate %lu bytes\" without the align=0x%lx (checked: 5.15.178 drivers/xen/swiotlb-xen.c:239–243; 5.14-rc5 :236–239 the older; the commit is Jan Beulich's patch 04/12 of the v5.15-rc2 swiotlb-xen series, merged for 5.15-rc3 as 9074c79b62b6 — its v1 mail's diff changes exactly this memblock_alloc)",
  },
  "7fd880a38cfe": {
    commit: "7fd880a38cfe",
    title: "swiotlb-xen: arrange to have buffer info logged",
    release: "5.15",
    effect: "x86 PV xen_swiotlb_init_early calls swiotlb_init_with_tbl(start, nslabs, true) instead of false: the boot log gains \"software IO TLB: mapped [mem …] (…MB)\" (5.14-rc5 drivers/xen/swiotlb-xen.c:257 false; 5.15.178 :261 and 5.17 :255 true; 5.6–5.12 xen_swiotlb_init(1, true) passed its verbose 1)",
  },
  "d9a688add3d4": {
    commit: "d9a688add3d4",
    title: "swiotlb-xen: maintain slab count properly",
    release: "5.15",
    effect: "xen_swiotlb_fixup's slab index `i` becomes an unsigned int (was int): `p + (i << IO_TLB_SHIFT)` of a pool over 2 GiB no longer wraps negative at slab 2^20 (it wraps at 2^21, 4 GiB); every chunk is order 6 with BUG_ON(nslabs % IO_TLB_SEGSIZE) (5.14-rc5 drivers/xen/swiotlb-xen.c:109, :122; 5.15.178 :117, :128); the init retries halve to max(1024, ALIGN(nslabs >> 1, IO_TLB_SEGSIZE)) instead of max(1024, nslabs >> 1) (5.14-rc5 :249, 5.15.178 :253; the v1 mail's diff changes both retries)",
  },
  "cabb7f89b24e": {
    commit: "cabb7f89b24e",
    title: "swiotlb-xen: limit init retries",
    release: "5.15",
    effect: "x86 PV xen_swiotlb_init_early (and the late xen_swiotlb_init) retry a refused xen_swiotlb_fixup only while nslabs > 1024: `if (nslabs > 1024 && repeat--)` instead of `if (repeat--)`, so a 2 MiB buffer the hypervisor cannot exchange panics at once instead of printing \"Lowering to 2MB\" up to three times (5.14-rc5 drivers/xen/swiotlb-xen.c:247, 5.15.178 :251, 5.17 :245; Jan Beulich's patch 06/12 of the v5.15-rc2 series, mainline cabb7f89b24e in the for-linus-5.15b-rc2 shortlog)",
  },
  "79ca5f778aaf": {
    commit: "79ca5f778aaf",
    title: "swiotlb-xen: suppress certain init retries",
    release: "5.15",
    effect: "the late xen_swiotlb_init (an ARM dom0 without a mem_init pool) no longer retries a failed page allocation: `if (!start) goto exit;` prints \"Cannot allocate Xen-SWIOTLB buffer\" (rc:-12) at once, where 5.13–5.14 went to `error:` and printed \"Lowering to %luMB\" three times, asking the same orders again (bytes unchanged) (5.14-rc5 drivers/xen/swiotlb-xen.c:187–188, :210–220; 5.15.178 :190–191, :221–223; Jan Beulich's patch 05/12 of the v5.15-rc2 series, mainline 79ca5f778aaf in the for-linus-5.15b-rc2 shortlog)",
  },
  "ae4f0a17ee59": {
    commit: "ae4f0a17ee59",
    title: "swiotlb-xen: remove start_dma_addr",
    release: "5.9",
    effect: "xen_swiotlb_map_page no longer passes swiotlb-xen's start_dma_addr (xen_virt_to_bus(xen_io_tlb_start), set after the fixup — and left 0 when xen_swiotlb_init reuses an existing pool) to swiotlb_tbl_map_single as tbl_dma_addr, whose segment-boundary search takes its offset from it (5.6.4 drivers/xen/swiotlb-xen.c:55, :244, :389–390; 5.9.1 :398 passes virt_to_phys(xen_io_tlb_start); from 5.10 swiotlb_tbl_map_single computes phys_to_dma_unencrypted(hwdev, io_tlb_start) itself, 5.10.7 kernel/dma/swiotlb.c:452)",
  },
};

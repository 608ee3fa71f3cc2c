/**
 * drivers/iommu/dma-iommu.c: iommu_dma_ops, the dma_map_ops of every device behind an IOMMU DMA
 * domain. Read from shmily1012/linux-5.6.4, ejga2001/linux-5.10.7, lsk-legends/linux-5.14 and
 * yishangzhang/linux-5.19. One module for 5.6–5.19: what changed in that span for the modelled
 * (trusted) devices is small and each change is a switch —
 *   3542dcb15cef (5.13)  iommu.forcedac: PCI devices skip the 32-bit-IOVA-first attempt
 *   f7f07484542f (5.17)  the flush queue moves from iova.c into dma-iommu.c (same ring, same flush)
 *   972bf252f860 (5.17) the power-of-two round-up of cacheable IOVA sizes moves into alloc_iova_fast
 *   e860c299ac0d (5.8)   the atomic pool comes from kernel/dma/pool.c instead of remap.c
 * The bounce through swiotlb for untrusted devices (5.11+) is in dma-iommu-bounce.ts; dma_alloc_noncontiguous
 * (5.15+) in dma-iommu-noncontig.ts. 5.15, 6.1 and 6.6 run this module (iommu_dma_ops); 6.12+ (b5c58b2fdc42: no
 * more iommu_dma_ops, mapping.c calls dma-iommu directly) runs dma-iommu-v6.12.ts over the same core.
 *
 * The seed thread's question answered here: iommu_dma_alloc() of a blocking allocation returns a
 * vmalloc address from iommu_dma_alloc_remap() (scattered pages vmap'ed), for coherent devices too,
 * so virt_to_page() of it is the wrong page; iommu_dma_mmap() and iommu_dma_get_sgtable() look the
 * pages up in the vm area and are right.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../device.js";
import type { DmaMapOps, Scatterlist, SgTable, Vma } from "../../kernel/dma/ops.js";
import type { Prot } from "../../mm/pgtable.js";
import { dma_common_alloc_pages, dma_common_free_pages } from "../../kernel/dma/ops-helpers.js";
import { EINVAL, ENXIO, ENOMEM } from "../../kernel/dma/ops.js";
import { DMA_BIT_MASK, DMA_MAPPING_ERROR, PAGE_ALIGN, PAGE_SIZE, get_order, hex, maskLimit, min_not_zero } from "../../core/u64.js";
import { sym } from "../../core/trace.js";
import { DMA_ATTR_ALLOC_SINGLE_PAGES, DMA_ATTR_FORCE_CONTIGUOUS, DMA_ATTR_PRIVILEGED, DMA_ATTR_SKIP_CPU_SYNC, __GFP_COMP, __GFP_HIGHMEM, __GFP_NORETRY, __GFP_NOWARN, __GFP_ZERO, gfpflags_allow_blocking } from "../../include/gfp.js";
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, GFP_ATOMIC } from "../../include/gfp.js";
import { alloc_pages, __free_pages, is_vmalloc_addr, kvmalloc_node, nr_free_pages_for, remap_pfn_range, split_page, virt_to_page, vmalloc_to_page } from "../../mm/mm.js";
import { MAX_ORDER } from "../../mm/page_alloc.js";
import { BUG_at } from "../../mm/mm-debug.js";
import { arch_dma_prep_coherent, arch_sync_dma_for_cpu, arch_sync_dma_for_device, dev_is_dma_coherent, dma_pgprot } from "../../kernel/dma/arch-hooks.js";
import { dma_common_contiguous_remap, dma_common_find_pages, dma_common_free_remap, dma_common_pages_remap, dma_alloc_from_pool_remap, dma_free_from_pool_remap } from "../../kernel/dma/remap.js";
import { dma_alloc_from_pool, dma_free_from_pool } from "../../kernel/dma/pool.js";
import { dma_alloc_contiguous, dma_free_contiguous } from "../../kernel/dma/contiguous.js";
import { dma_mmap_from_dev_coherent } from "../../kernel/dma/coherent.js";
import { DMA_DIRECT_REMAP, DMA_REMAP } from "../../kernel/dma/direct.js";
import { IovaDomain, IOVA_RANGE_CACHE_MAX_SIZE, IOVA_SWITCHES, roundup_pow_of_two } from "./iova.js";
import { IovaDepotWork, IovaFlushQueue } from "./iova-fq.js";
import { KernelIovaCpus, iova_source_note } from "./iova-cpus.js";
import { iommu_iotlb_gather_init, iommu_iotlb_sync, iommu_iova_to_phys, iommu_map, iommu_map_sg, iommu_unmap_fast, MAP_PAGES, type IommuDomain } from "./iommu.js";
import { IOMMU_CACHE, IOMMU_PRIV, IOMMU_READ, IOMMU_WRITE, IOMMU_MMIO } from "./io-pgtable-arm/common.js";
import { BOUNCE_FOLDED, UNTRUSTED_BOUNCE, dev_is_untrusted, __iommu_dma_map_swiotlb, __iommu_dma_unmap_swiotlb, dev_use_sg_swiotlb, dev_use_swiotlb, iommu_dma_bounce_v516, iommu_dma_map_sg_swiotlb, KMALLOC_BOUNCE, sg_uses_swiotlb, iommu_dma_sync_single_for_cpu_bounce, iommu_dma_sync_single_for_device_bounce, iommu_dma_unmap_sg_swiotlb, type DmaIommuCore } from "./dma-iommu-bounce.js";
import { is_swiotlb_buffer, swiotlb_max_mapping_size, swiotlb_tbl_unmap_single } from "../../kernel/dma/swiotlb/index.js";
import { iommu_dma_alloc_noncontiguous, iommu_dma_alloc_remap_514, iommu_dma_free_noncontiguous } from "./dma-iommu-noncontig.js";

const F = "drivers/iommu/dma-iommu.c";
const FORCEDAC = "3542dcb15cef";
/** "iommu/dma: Remove broken huge page handling" (5.10): __GFP_COMP cleared, every block split_page()d */
const NO_HUGE_PAGES = "iommu/dma: Remove broken huge page handling";
/** 61883d3c3241 (6.4, with 23baf831a32c): order_mask cut to orders 0–10 */
const MAX_ORDER_FIX = "61883d3c3241";
const FQ_IN_DMA_IOMMU = "f7f07484542f";
/** 791c2b17fb40 (6.6) "iommu: Optimise PCI SAC address trick" */
export const SAC_TRICK = "791c2b17fb40";

/** IS_ENABLED(CONFIG_DMA_REMAP): selected by arm64 (and ARM); on every MMU arch since f5ff79fddf0e (5.18). */
function CONFIG_DMA_REMAP(k: Kernel): boolean {
  return DMA_REMAP(k) || k.sw["f5ff79fddf0e"];
}

/** struct iommu_dma_cookie (IOMMU_DMA_IOVA_COOKIE): the IOVA allocator and, in lazy mode, the flush queue. */
export interface IommuDmaCookie {
  iovad: IovaDomain;
  /** cookie->fq_domain: set when the domain is non-strict */
  fq: IovaFlushQueue | null;
}

const S = {
  init: sym("iommu_dma_init_domain", F),
  alloc_iova: sym("iommu_dma_alloc_iova", F),
  free_iova: sym("iommu_dma_free_iova", F),
  map: sym("__iommu_dma_map", F),
  unmap: sym("__iommu_dma_unmap", F),
  alloc: sym("iommu_dma_alloc", F),
  alloc_remap: sym("iommu_dma_alloc_remap", F),
  alloc_pages: sym("__iommu_dma_alloc_pages", F),
  alloc_contig: sym("iommu_dma_alloc_pages", F),
  free: sym("iommu_dma_free", F),
  __free: sym("__iommu_dma_free", F),
  mmap: sym("iommu_dma_mmap", F),
  sgt: sym("iommu_dma_get_sgtable", F),
  map_page: sym("iommu_dma_map_page", F),
  unmap_page: sym("iommu_dma_unmap_page", F),
  map_sg: sym("iommu_dma_map_sg", F),
  unmap_sg: sym("iommu_dma_unmap_sg", F),
  sync_cpu: sym("iommu_dma_sync_single_for_cpu", F),
  sync_dev: sym("iommu_dma_sync_single_for_device", F),
  alloc_noncoherent: sym("iommu_dma_alloc_noncoherent", F),
  free_noncoherent: sym("iommu_dma_free_noncoherent", F),
};

export function domainOf(dev: Device): IommuDomain {
  return dev.iommu!.domain;
}
export function cookieOf(dev: Device): IommuDmaCookie {
  return domainOf(dev).iova_cookie as IommuDmaCookie;
}
function iova_align(iovad: IovaDomain, size: number): number {
  return Math.ceil(size / iovad.granule) * iovad.granule;
}

/**
 * dma-iommu.c iommu_dma_init_domain (5.6–5.19): an IOVA domain from max(1, base) (IOVA 0 is never
 * handed out) at the IOMMU's smallest page size; a flush queue when the domain is not strict.
 */
export function iommu_dma_init_domain(k: Kernel, domain: IommuDomain, base: number, strict: boolean): void {
  k.tr?.enter(S.init, { base: hex(base), strict: String(strict) });
  let order = 0;
  while (Math.floor(domain.pgsize_bitmap / 2 ** order) % 2 === 0) order++;
  let base_pfn = Math.max(1, Math.floor(base / 2 ** order));
  if (domain.geometry.force_aperture) base_pfn = Math.max(base_pfn, Math.floor(domain.geometry.aperture_start / 2 ** order));
  const iovad = new IovaDomain(2 ** order, base_pfn, (c) => k.has(c), new KernelIovaCpus(k));
  /* iova_domain_init_rcaches (6.7+): each rcache's INIT_DELAYED_WORK(iova_depot_work_func) */
  if (k.sw[IOVA_SWITCHES.depotTrim]) new IovaDepotWork(k, iovad);
  const cookie: IommuDmaCookie = { iovad, fq: null };
  if (!strict) {
    cookie.fq = new IovaFlushQueue(k, iovad, domain, k.sw[FQ_IN_DMA_IOMMU] ? F : "drivers/iommu/iova.c");
    k.tr?.note(`non-strict domain: unmaps are queued and the IOTLB is flushed in batches (${k.sw[FQ_IN_DMA_IOMMU] ? "iommu_dma_init_fq" : "init_iova_flush_queue"})`);
  }
  domain.iova_cookie = cookie;
  k.tr?.exit(`granule ${hex(2 ** order)}, start_pfn ${hex(base_pfn)}`);
}

/** dma-iommu.c dma_info_to_prot (5.6–5.19). */
export function dma_info_to_prot(dir: number, coherent: boolean, attrs: number): number {
  let prot = coherent ? IOMMU_CACHE : 0;
  if (attrs & DMA_ATTR_PRIVILEGED) prot |= IOMMU_PRIV;
  switch (dir) {
    case DMA_BIDIRECTIONAL: return prot | IOMMU_READ | IOMMU_WRITE;
    case DMA_TO_DEVICE: return prot | IOMMU_READ;
    case DMA_FROM_DEVICE: return prot | IOMMU_WRITE;
    default: return 0;
  }
}

/**
 * dma-iommu.c iommu_dma_alloc_iova (5.6–6.18): PCI devices get a 32-bit IOVA first (SAC) unless
 * iommu.forcedac (5.13+) — from 6.6 (791c2b17fb40) only until the first 32-bit attempt fails — then
 * anything below the mask; the size is rounded up to a power of two when cacheable (here before
 * 972bf252f860, in alloc_iova_fast after).
 */
export function iommu_dma_alloc_iova(k: Kernel, domain: IommuDomain, size: number, dma_limit: bigint, dev: Device): number {
  const iovad = (domain.iova_cookie as IommuDmaCookie).iovad;
  k.tr?.enter(S.alloc_iova, { size: hex(size), dma_limit: "0x" + dma_limit.toString(16) });
  let iova_len = size / iovad.granule;
  if (!k.has(IOVA_SWITCHES.roundupInAllocator) && iova_len < 2 ** (IOVA_RANGE_CACHE_MAX_SIZE - 1)) iova_len = roundup_pow_of_two(iova_len);
  dma_limit = min_not_zero(dma_limit, dev.bus_dma_limit);
  if (domain.geometry.force_aperture && dma_limit > BigInt(domain.geometry.aperture_end)) dma_limit = BigInt(domain.geometry.aperture_end);
  const shift = BigInt(Math.log2(iovad.granule));
  let pfn = 0;
  if (k.sw[SAC_TRICK]) {
    /* 6.6+ (791c2b17fb40): a per-device flag, set at probe for PCI devices unless iommu.forcedac; the first
       failed 32-bit attempt clears it for good, with a notice */
    const sac = dma_limit > DMA_BIT_MASK(32) && !!dev.iommu?.pci_32bit_workaround;
    k.tr?.decide("dma_limit > DMA_BIT_MASK(32) && dev->iommu->pci_32bit_workaround", sac, sac ? "try the 32-bit IOVA space first" : dev.is_pci && dma_limit > DMA_BIT_MASK(32) ? "pci_32bit_workaround is off (iommu.forcedac=1, or a 32-bit attempt failed before)" : dev.is_pci ? "the mask is 32-bit anyway" : "not a PCI device");
    if (sac) {
      pfn = iovad.alloc_iova_fast(iova_len, Number(DMA_BIT_MASK(32) >> shift), false);
      if (!pfn) {
        dev.iommu!.pci_32bit_workaround = false;
        k.dev_printk("notice", dev, `Using ${dma_limit.toString(2).length}-bit DMA addresses`);
      }
    }
  } else {
    const forcedac = k.sw[FORCEDAC] && k.cfg.iommu_forcedac;
    const sac = dma_limit > DMA_BIT_MASK(32) && dev.is_pci && !forcedac;
    // the kernel's order of the terms: 5.10.7 dma-iommu.c:431, 5.15.178 :468 (3542dcb15cef puts !iommu_dma_forcedac second)
    k.tr?.decide(k.sw[FORCEDAC] ? "dma_limit > DMA_BIT_MASK(32) && !iommu_dma_forcedac && dev_is_pci(dev)" : "dma_limit > DMA_BIT_MASK(32) && dev_is_pci(dev)", sac, sac ? "a PCI device gets a 32-bit (SAC) IOVA first" : dev.is_pci ? (forcedac ? "iommu.forcedac=1" : "the mask is 32-bit anyway") : "not a PCI device");
    if (sac) pfn = iovad.alloc_iova_fast(iova_len, Number(DMA_BIT_MASK(32) >> shift), false);
  }
  if (!pfn) pfn = iovad.alloc_iova_fast(iova_len, Number(dma_limit >> shift), true);
  if (pfn) iova_source_note(k, iovad);
  const iova = pfn * iovad.granule;
  k.tr?.exit(pfn ? hex(iova) : "0 (IOVA space full)");
  return iova;
}

/** dma-iommu.c iommu_dma_free_iova (5.6–5.19): into the flush queue in lazy mode, else straight back. */
export function iommu_dma_free_iova(k: Kernel, cookie: IommuDmaCookie, iova: number, size: number, queued: boolean): void {
  k.tr?.enter(S.free_iova, { iova: hex(iova), size: hex(size) });
  const pfn = iova / cookie.iovad.granule;
  if (queued && cookie.fq) cookie.fq.queue_iova(k, pfn, size / cookie.iovad.granule, k.now_ms);
  else cookie.iovad.free_iova_fast(pfn, size / cookie.iovad.granule);
  k.tr?.exit();
}

/** dma-iommu.c __iommu_dma_unmap (5.6–5.19): clear the PTEs; strict domains invalidate the IOTLB now, lazy ones queue the IOVA. */
export function __iommu_dma_unmap(k: Kernel, dev: Device, dma_addr: number, size: number): void {
  const domain = domainOf(dev);
  const cookie = cookieOf(dev);
  k.tr?.enter(S.unmap, { dma_addr: hex(dma_addr), size: hex(size) });
  const iova_off = dma_addr % cookie.iovad.granule;
  dma_addr -= iova_off;
  size = iova_align(cookie.iovad, size + iova_off);
  const gather = iommu_iotlb_gather_init();
  const lazy = cookie.fq !== null;
  if (k.sw[MAP_PAGES]) gather.queued = lazy;
  const unmapped = iommu_unmap_fast(k, domain, dma_addr, size, gather);
  if (unmapped !== size) k.warn(`WARNING: CPU: 0 PID: 1 at ${F}: __iommu_dma_unmap (unmapped ${hex(unmapped)} of ${hex(size)})`, "__iommu_dma_unmap");
  k.tr?.decide("cookie->fq_domain (non-strict)", lazy, lazy ? "the IOTLB invalidation waits for the flush queue: the device keeps its cached translations until then" : `strict: ${k.sw["aae4c8e27bd7"] ? "iommu_iotlb_sync" : "iommu_tlb_sync"} invalidates the range now`);
  if (!lazy) iommu_iotlb_sync(k, domain, gather);
  iommu_dma_free_iova(k, cookie, dma_addr, size, lazy);
  k.tr?.exit();
}

/** dma-iommu.c __iommu_dma_map (5.6–5.19): an IOVA range, then iommu_map of the pages; DMA_MAPPING_ERROR on failure. */
export function __iommu_dma_map(k: Kernel, dev: Device, phys: number, size: number, prot: number, dma_mask: bigint): number {
  const domain = domainOf(dev);
  const cookie = cookieOf(dev);
  k.tr?.enter(S.map, { phys: hex(phys), size: hex(size), prot: String(prot) });
  const iova_off = phys % cookie.iovad.granule;
  size = iova_align(cookie.iovad, size + iova_off);
  const iova = iommu_dma_alloc_iova(k, domain, size, dma_mask, dev);
  if (!iova) {
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }
  if (iommu_map(k, domain, iova, phys - iova_off, size, prot, GFP_ATOMIC)) {
    iommu_dma_free_iova(k, cookie, iova, size, false);
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }
  k.tr?.exit(hex(iova + iova_off));
  return iova + iova_off;
}

/** mm/huge_memory.c split_huge_page_to_list's VM_BUG_ON_PAGE(!PageLocked(head), head), per tree (5.6.4 :2719; the only modelled version that reaches it) */
const SPLIT_HUGE_PAGE_LOCKED_LINE: Record<string, number> = { "5.6": 2719 };

/**
 * The order_mask iommu_dma_alloc_remap (5.6–5.13) and __iommu_dma_alloc_noncontiguous (5.14–6.18) pass to
 * __iommu_dma_alloc_pages (5.10.7 dma-iommu.c:596–608, 6.18.35 :936–957): alloc_sizes is the domain's
 * pgsize_bitmap as an unsigned int, PAGE_SIZE added when the IOMMU's smallest page is smaller, only the smallest
 * with DMA_ATTR_ALLOC_SINGLE_PAGES, then >> PAGE_SHIFT. Also returns the size rounded up to that smallest page.
 */
export function iommu_dma_alloc_order_mask(domain: IommuDomain, size: number, attrs: number): { order_mask: number; size: number } {
  let alloc_sizes = domain.pgsize_bitmap % 2 ** 32; // unsigned int alloc_sizes = domain->pgsize_bitmap
  let min_size = alloc_sizes & -alloc_sizes;
  if (min_size >>> 0 < PAGE_SIZE) {
    min_size = PAGE_SIZE;
    alloc_sizes = (alloc_sizes | PAGE_SIZE) >>> 0;
  } else size = Math.ceil(size / min_size) * min_size;
  if (attrs & DMA_ATTR_ALLOC_SINGLE_PAGES) alloc_sizes = min_size >>> 0;
  return { order_mask: alloc_sizes >>> 12, size };
}

/**
 * dma-iommu.c __iommu_dma_alloc_pages (5.6–6.18; 5.6.4 :510–561, 5.10.7 :512–560, 5.19 :719–770, 6.18.35 :873–930):
 * `count` pages, the largest orders the IOMMU can map first. order_mask (the IOMMU's page sizes as orders) is cut to
 * the orders the buddy allocator has (0–11 up to 6.3, 0–10 from 61883d3c3241); for what is left of count the loop
 * tries the largest order ≤ __fls(count), with __GFP_NORETRY while a smaller order remains, and drops an order that
 * failed from the mask for good. A higher-order block is split_page()d into order-0 pages (5.10+, after "iommu/dma:
 * Remove broken huge page handling" clears __GFP_COMP); 5.6 hands a compound block (the caller's __GFP_COMP) to
 * split_huge_page, which refuses it (-EBUSY), and frees it. On the SMMU (4 KiB | 2 MiB | 1 GiB) a buffer of 2 MiB and
 * more takes order-9 blocks; VT-d's INTEL_IOMMU_PGSIZES (5.11–5.14) allows every order.
 */
export function __iommu_dma_alloc_pages(k: Kernel, count: number, order_mask: number, gfp: number): number[] | null {
  k.tr?.enter(S.alloc_pages, { count: String(count), order_mask: hex(order_mask) });
  // 5.6–6.3: order_mask &= (2U << MAX_ORDER) - 1 (MAX_ORDER 11); 6.4+: GENMASK(MAX_ORDER, 0) with MAX_ORDER 10
  order_mask &= k.sw[MAX_ORDER_FIX] ? (1 << MAX_ORDER) - 1 : (2 << MAX_ORDER) - 1;
  if (!order_mask) {
    k.tr?.exit("NULL (no page size the allocator has)");
    return null;
  }
  // pages = kvzalloc(count * sizeof(*pages), GFP_KERNEL) (kvcalloc from 5.19): the array of page pointers
  if (!kvmalloc_node(k, count * 8, 0)) {
    k.tr?.exit("NULL (kvzalloc of the page array failed)");
    return null;
  }
  gfp |= __GFP_NOWARN | __GFP_HIGHMEM;
  if (k.sw[NO_HUGE_PAGES]) gfp &= ~__GFP_COMP;
  // Model bound: every order's pages come from the free pages of the zones; when count is more, the loop
  // fails after taking them all and frees them again (the same free blocks afterwards).
  const avail = nr_free_pages_for(k, gfp);
  if (count > avail) {
    k.tr?.note(`${count} pages asked, ${avail} free: the loop would fail after taking them all (model bound: not walked)`);
    k.tr?.exit("NULL");
    return null;
  }
  const pages: number[] = [];
  const blocks: number[] = [];
  let left = count;
  while (left) {
    let page = 0;
    let order_size = 0;
    for (order_mask &= (2 ** (__fls(left) + 1) - 1) >>> 0; order_mask; order_mask &= ~order_size) {
      const order = __fls(order_mask);
      order_size = 1 << order;
      // higher-order allocations are a convenience: __GFP_NORETRY until the minimum order
      const alloc_flags = order_mask > order_size ? gfp | __GFP_NORETRY : gfp;
      page = alloc_pages(k, alloc_flags, order, "iommu_dma");
      if (!page) continue;
      if (!order) break;
      if (!(alloc_flags & __GFP_COMP)) {
        split_page(k, page, order);
        break;
      }
      // 5.6: a compound block (PageCompound: prep_compound_page of an order > 0 __GFP_COMP allocation) → split_huge_page
      if (k.cfg.CONFIG_DEBUG_VM) BUG_at(k, "mm/huge_memory.c", SPLIT_HUGE_PAGE_LOCKED_LINE[k.version.id], "split_huge_page_to_list", `page:${k.arch.fmtVa(page)} refcount:1 pfn:0x${k.arch.page_to_pfn(page).toString(16)}; page dumped because: VM_BUG_ON_PAGE(!PageLocked(head))`);
      k.tr?.note(`split_huge_page of the compound order-${order} block: -EBUSY (neither anonymous nor in a mapping); freed, the next order is tried`);
      __free_pages(k, page, order);
      page = 0;
    }
    if (!page) {
      for (let i = pages.length - 1; i >= 0; i--) __free_pages(k, pages[i]!, 0);
      k.tr?.exit("NULL");
      return null;
    }
    left -= order_size;
    blocks.push(order_size);
    const pfn = k.arch.page_to_pfn(page);
    for (let i = 0; i < order_size; i++) pages.push(k.arch.pfn_to_page(pfn + i));
  }
  if (k.tr) {
    const pfns = pages.map((p) => k.arch.page_to_pfn(p));
    const contiguous = pfns.every((p, i) => i === 0 || p === pfns[i - 1]! + 1);
    const big = blocks.filter((b) => b > 1);
    k.tr.exit(`${count} page${count === 1 ? "" : "s"}${big.length ? ` (${big.length} block${big.length === 1 ? "" : "s"} of order ${[...new Set(big.map((b) => Math.log2(b)))].join("/")}${big.length < blocks.length ? ` + ${blocks.length - big.length} single page${blocks.length - big.length === 1 ? "" : "s"}` : ""})` : ""}${contiguous ? "" : " (not physically contiguous)"}: pfn ${pfns.slice(0, 4).map(hex).join(", ")}${count > 4 ? ", …" : ""}`);
  }
  return pages;
}

/** include/asm-generic/bitops/__fls.h __fls: the index of the highest set bit (x ≠ 0, below 2^32) */
function __fls(x: number): number {
  return 31 - Math.clz32(x);
}

/**
 * dma-iommu.c iommu_dma_alloc_remap (5.6–6.18): scattered pages, one IOVA range, one vmap (prot:
 * dma_pgprot(dev, PAGE_KERNEL, attrs) from iommu_dma_alloc, PAGE_KERNEL from 5.10's
 * iommu_dma_alloc_noncoherent). From 5.14 (e817ee5f2f95, with 7d5b5738d151) the pages, IOVA and mapping come
 * from __iommu_dma_alloc_noncontiguous (5.14-rc5 dma-iommu.c:717–741), then dma_common_pages_remap.
 */
function iommu_dma_alloc_remap(k: Kernel, dev: Device, size: number, gfp: number, attrs: number, prot: Prot = dma_pgprot(k, dev, "normal", attrs)): { cpu_addr: number; dma_handle: number } | null {
  if (k.sw["7d5b5738d151"]) return iommu_dma_alloc_remap_514(k, dev, size, gfp, attrs, prot);
  const domain = domainOf(dev);
  const cookie = cookieOf(dev);
  const coherent = dev_is_dma_coherent(k, dev);
  const ioprot = dma_info_to_prot(DMA_BIDIRECTIONAL, coherent, attrs);
  k.tr?.enter(S.alloc_remap, { size: hex(size) });
  const alloc = iommu_dma_alloc_order_mask(domain, size, attrs);
  size = alloc.size;
  const count = PAGE_ALIGN(size) / PAGE_SIZE;
  const pages = __iommu_dma_alloc_pages(k, count, alloc.order_mask, gfp);
  if (!pages) {
    k.tr?.exit("NULL");
    return null;
  }
  size = iova_align(cookie.iovad, size);
  const iova = iommu_dma_alloc_iova(k, domain, size, dev.coherent_dma_mask, dev);
  if (!iova) {
    for (const p of pages) __free_pages(k, p, 0);
    k.tr?.exit("NULL");
    return null;
  }
  if (!(ioprot & IOMMU_CACHE)) for (const p of pages) arch_dma_prep_coherent(k, p, PAGE_SIZE);
  const segs = pages.map((p) => ({ phys: k.page_to_phys(p), length: PAGE_SIZE }));
  if (iommu_map_sg(k, domain, iova, segs, ioprot, GFP_ATOMIC) < size) {
    iommu_dma_free_iova(k, cookie, iova, size, false);
    for (const p of pages) __free_pages(k, p, 0);
    k.tr?.exit("NULL");
    return null;
  }
  const vaddr = dma_common_pages_remap(k, pages, size, prot, "iommu_dma_alloc_remap");
  if (!vaddr) {
    __iommu_dma_unmap(k, dev, iova, size);
    for (const p of pages) __free_pages(k, p, 0);
    k.tr?.exit("NULL");
    return null;
  }
  k.tr?.exit(`${k.arch.fmtVa(vaddr)} (vmalloc address), dma_handle ${hex(iova)}`);
  return { cpu_addr: vaddr, dma_handle: iova };
}

/** dma-iommu.c iommu_dma_alloc_pages (5.6–5.19): one contiguous block (CMA or the buddy allocator), remapped if non-coherent or highmem. */
function iommu_dma_alloc_pages(k: Kernel, dev: Device, size: number, gfp: number, attrs: number): { cpu_addr: number; page: number } | null {
  k.tr?.enter(S.alloc_contig, { size: hex(size) });
  const coherent = dev_is_dma_coherent(k, dev);
  const alloc_size = PAGE_ALIGN(size);
  let page = dma_alloc_contiguous(k, dev, alloc_size, gfp);
  if (!page) page = alloc_pages(k, gfp, get_order(alloc_size), "iommu_dma_alloc_pages");
  if (!page) {
    k.tr?.exit("NULL");
    return null;
  }
  let cpu_addr: number;
  const highmem = k.memmap.PageHighMem(k.arch.page_to_pfn(page));
  if (CONFIG_DMA_REMAP(k) && (!coherent || highmem)) {
    cpu_addr = dma_common_contiguous_remap(k, page, alloc_size, dma_pgprot(k, dev, "normal", attrs), "iommu_dma_alloc_pages");
    if (!cpu_addr) {
      dma_free_contiguous(k, dev, page, alloc_size);
      k.tr?.exit("NULL");
      return null;
    }
    if (!coherent) arch_dma_prep_coherent(k, page, size);
  } else cpu_addr = k.arch.page_address(k, page);
  k.kmemset(cpu_addr, 0, alloc_size, "iommu_dma_alloc_pages");
  k.tr?.exit(k.arch.fmtVa(cpu_addr));
  return { cpu_addr, page };
}

/**
 * dma-iommu.c iommu_dma_alloc (5.6–5.19): blocking allocations without DMA_ATTR_FORCE_CONTIGUOUS go
 * through iommu_dma_alloc_remap (a vmalloc address, coherent device or not); non-blocking ones for a
 * non-coherent device come from the atomic pool; the rest are one contiguous block.
 */
export function iommu_dma_alloc(k: Kernel, dev: Device, size: number, gfp: number, attrs: number): { cpu_addr: number; dma_handle: number } | null {
  const coherent = dev_is_dma_coherent(k, dev);
  const ioprot = dma_info_to_prot(DMA_BIDIRECTIONAL, coherent, attrs);
  k.tr?.enter(S.alloc, { size: hex(size) });
  gfp |= __GFP_ZERO;
  const blocking = gfpflags_allow_blocking(gfp);
  const remap = CONFIG_DMA_REMAP(k) && blocking && !(attrs & DMA_ATTR_FORCE_CONTIGUOUS);
  k.tr?.decide((k.sw["f5ff79fddf0e"] ? "" : "IS_ENABLED(CONFIG_DMA_REMAP) && ") + "gfpflags_allow_blocking(gfp) && !(attrs & DMA_ATTR_FORCE_CONTIGUOUS)", remap, remap ? "scattered pages remapped into one vmalloc range (iommu_dma_alloc_remap), whatever the device's coherency" : !CONFIG_DMA_REMAP(k) ? `CONFIG_DMA_REMAP is not set on ${k.arch.name} in this kernel: one contiguous block at its linear address` : blocking ? "DMA_ATTR_FORCE_CONTIGUOUS: one physically contiguous block" : "may not sleep: no vmap");
  if (remap) {
    const r = iommu_dma_alloc_remap(k, dev, size, gfp, attrs);
    k.tr?.exit(r ? k.arch.fmtVa(r.cpu_addr) : "NULL");
    return r;
  }
  let cpu_addr = 0;
  let page = 0;
  const pool = DMA_DIRECT_REMAP(k) && !blocking && !coherent;
  k.tr?.decide("IS_ENABLED(CONFIG_DMA_DIRECT_REMAP) && !gfpflags_allow_blocking(gfp) && !coherent", pool, pool ? "the atomic pool (already remapped uncached)" : !DMA_DIRECT_REMAP(k) ? `CONFIG_DMA_DIRECT_REMAP is not set on ${k.arch.name}: a contiguous block (iommu_dma_alloc_pages)` : coherent ? "a coherent device: a contiguous block (iommu_dma_alloc_pages)" : "may sleep: a contiguous block (iommu_dma_alloc_pages)");
  if (pool) {
    const p = k.sw["e860c299ac0d"] ? dma_alloc_from_pool(k, dev, PAGE_ALIGN(size), gfp, () => true) : dma_alloc_from_pool_remap(k, PAGE_ALIGN(size));
    if (p) { cpu_addr = p.vaddr; page = p.page; }
  } else {
    const p = iommu_dma_alloc_pages(k, dev, size, gfp, attrs);
    if (p) { cpu_addr = p.cpu_addr; page = p.page; }
  }
  if (!cpu_addr) {
    k.tr?.exit("NULL");
    return null;
  }
  const handle = __iommu_dma_map(k, dev, k.page_to_phys(page), size, ioprot, dev.coherent_dma_mask);
  if (handle === DMA_MAPPING_ERROR) {
    __iommu_dma_free(k, dev, size, cpu_addr);
    k.tr?.exit("NULL");
    return null;
  }
  k.tr?.exit(`${k.arch.fmtVa(cpu_addr)}, dma_handle ${hex(handle)}`);
  return { cpu_addr, dma_handle: handle };
}

/** dma-iommu.c __iommu_dma_free (5.6–5.19): pool, remapped pages (the vm area's page array) or one block. */
function __iommu_dma_free(k: Kernel, dev: Device, size: number, cpu_addr: number): void {
  k.tr?.enter(S.__free, { cpu_addr: k.arch.fmtVa(cpu_addr), size: hex(size) });
  const alloc_size = PAGE_ALIGN(size);
  const count = alloc_size / PAGE_SIZE;
  const fromPool = k.sw["e860c299ac0d"] ? dma_free_from_pool(k, dev, cpu_addr, alloc_size) : dma_free_from_pool_remap(k, cpu_addr, alloc_size);
  if (fromPool) {
    k.tr?.exit("(atomic pool)");
    return;
  }
  let pages: number[] | null = null;
  let page = 0;
  if (CONFIG_DMA_REMAP(k) && is_vmalloc_addr(k, cpu_addr)) {
    pages = dma_common_find_pages(k, cpu_addr);
    if (!pages) page = vmalloc_to_page(k, cpu_addr);
    dma_common_free_remap(k, cpu_addr);
  } else page = virt_to_page(k, cpu_addr);
  if (pages) {
    /* __iommu_dma_free_pages(pages, count): count comes from the size the caller passed */
    if (count > pages.length) {
      k.tr?.note(`__iommu_dma_free_pages: pages[] has ${pages.length} entries but the free walks ${count} (a size that is not the allocation's): it reads past the array, and the model stops at the first garbage page pointer`);
      k.page_deref(0, "__iommu_dma_free_pages");
    }
    for (let i = count - 1; i >= 0; i--) __free_pages(k, pages[i]!, 0);
  }
  if (page) dma_free_contiguous(k, dev, page, alloc_size);
  k.tr?.exit();
}

/** dma-iommu.c iommu_dma_free (5.6–5.19). */
export function iommu_dma_free(k: Kernel, dev: Device, size: number, cpu_addr: number, handle: number, _attrs: number): void {
  k.tr?.enter(S.free, { cpu_addr: k.arch.fmtVa(cpu_addr), dma_handle: hex(handle) });
  __iommu_dma_unmap(k, dev, handle, size);
  __iommu_dma_free(k, dev, size, cpu_addr);
  k.tr?.exit();
}

/** drivers/iommu/iova.c iova_rcache_range (6.0+ with the dma_opt_mapping_size series, a229cc14f339; 5.15.178): PAGE_SIZE << (IOVA_RANGE_CACHE_MAX_SIZE - 1), the largest size the IOVA caches serve */
export function iova_rcache_range(): number {
  return PAGE_SIZE * 2 ** (IOVA_RANGE_CACHE_MAX_SIZE - 1);
}

/** dma-iommu.c iommu_dma_opt_mapping_size (6.0+, the a229cc14f339 series; 5.15.178): iova_rcache_range() */
export function iommu_dma_opt_mapping_size(_k: Kernel): number {
  return iova_rcache_range();
}

/** 81d88ce55092 (5.12) "dma-mapping: remove the {alloc,free}_noncoherent methods" */
export const NONCOHERENT_OPS_REMOVED = "81d88ce55092";

/**
 * dma-iommu.c iommu_dma_alloc_noncoherent (5.10–5.11, CONFIG_DMA_REMAP only): an allocation that may
 * not sleep is dma_common_alloc_pages' one block at its linear address; a blocking one is
 * iommu_dma_alloc_remap(gfp | __GFP_ZERO, PAGE_KERNEL, 0): scattered pages, one IOVA range, a
 * cacheable vmap (a vmalloc address).
 */
export function iommu_dma_alloc_noncoherent(k: Kernel, dev: Device, size: number, dir: number, gfp: number): { cpu_addr: number; dma_handle: number } | null {
  k.tr?.enter(S.alloc_noncoherent, { size: hex(size) });
  const blocking = gfpflags_allow_blocking(gfp);
  k.tr?.decide("!gfpflags_allow_blocking(gfp)", !blocking, !blocking ? "may not sleep: dma_common_alloc_pages, one block at its linear address" : "may sleep: iommu_dma_alloc_remap with PAGE_KERNEL — a cacheable vmap of scattered pages");
  let r: { cpu_addr: number; dma_handle: number } | null;
  if (!blocking) {
    const p = dma_common_alloc_pages(k, dev, size, dir, gfp);
    r = p ? { cpu_addr: k.arch.page_address(k, p.page), dma_handle: p.dma_handle } : null;
  } else r = iommu_dma_alloc_remap(k, dev, size, gfp | __GFP_ZERO, 0, "normal");
  k.tr?.exit(r ? `${k.arch.fmtVa(r.cpu_addr)}, *handle = ${hex(r.dma_handle)}` : "NULL");
  return r;
}

/** dma-iommu.c iommu_dma_free_noncoherent (5.10–5.11): __iommu_dma_unmap, then __iommu_dma_free (vm area's pages or one block). */
export function iommu_dma_free_noncoherent(k: Kernel, dev: Device, size: number, cpu_addr: number, handle: number, _dir: number): void {
  k.tr?.enter(S.free_noncoherent, { cpu_addr: k.arch.fmtVa(cpu_addr), dma_handle: hex(handle) });
  __iommu_dma_unmap(k, dev, handle, size);
  __iommu_dma_free(k, dev, size, cpu_addr);
  k.tr?.exit();
}

/** dma-iommu.c iommu_dma_mmap (5.6–5.19): the vm area's own pages for a remapped buffer, else remap_pfn_range from the block's pfn. */
export function iommu_dma_mmap(k: Kernel, dev: Device, vma: Vma, cpu_addr: number, _dma_addr: number, size: number, attrs: number): number {
  k.tr?.enter(S.mmap, { cpu_addr: k.arch.fmtVa(cpu_addr), size: hex(size) });
  const nr_pages = PAGE_ALIGN(size) / PAGE_SIZE;
  const off = vma.vm_pgoff;
  vma.vm_page_prot = dma_pgprot(k, dev, vma.vm_page_prot, attrs);
  const dc = dma_mmap_from_dev_coherent(k, dev, vma, cpu_addr, size);
  if (dc.handled) {
    k.tr?.exit(String(dc.ret));
    return dc.ret;
  }
  const user = (vma.vm_end - vma.vm_start) / PAGE_SIZE;
  if (off >= nr_pages || user > nr_pages - off) {
    k.tr?.exit("-ENXIO");
    return -ENXIO;
  }
  let pfn: number;
  if (CONFIG_DMA_REMAP(k) && is_vmalloc_addr(k, cpu_addr)) {
    const pages = dma_common_find_pages(k, cpu_addr);
    k.tr?.decide("dma_common_find_pages(cpu_addr)", pages !== null, pages ? "a remapped buffer: map its own pages (vm_map_pages)" : "a remapped contiguous block: vmalloc_to_pfn");
    if (pages) {
      /* __iommu_dma_mmap → vm_map_pages: each page at its place, from vm_pgoff */
      for (let i = 0; i < user; i++) remap_pfn_range(k, vma.vm_start + i * PAGE_SIZE, k.arch.page_to_pfn(pages[off + i]!), PAGE_SIZE, vma.vm_page_prot);
      k.tr?.exit("0");
      return 0;
    }
    pfn = k.arch.page_to_pfn(vmalloc_to_page(k, cpu_addr));
  } else pfn = k.arch.page_to_pfn(virt_to_page(k, cpu_addr));
  const r = remap_pfn_range(k, vma.vm_start, pfn + off, vma.vm_end - vma.vm_start, vma.vm_page_prot);
  k.tr?.exit(String(r));
  return r;
}

/** dma-iommu.c iommu_dma_get_sgtable (5.6–5.19): one entry per page of a remapped buffer, else one entry. */
export function iommu_dma_get_sgtable(k: Kernel, _dev: Device, sgt: SgTable, cpu_addr: number, _dma_addr: number, size: number, _attrs: number): number {
  k.tr?.enter(S.sgt, { cpu_addr: k.arch.fmtVa(cpu_addr), size: hex(size) });
  let page: number;
  if (CONFIG_DMA_REMAP(k) && is_vmalloc_addr(k, cpu_addr)) {
    const pages = dma_common_find_pages(k, cpu_addr);
    if (pages) {
      /* sg_alloc_table_from_pages merges physically contiguous pages into one entry */
      const n = PAGE_ALIGN(size) / PAGE_SIZE;
      const sgl: Scatterlist[] = [];
      for (let i = 0; i < n; i++) {
        const last = sgl[sgl.length - 1];
        const pfn = k.arch.page_to_pfn(pages[i]!);
        if (last && k.arch.page_to_pfn(last.page) + last.length / PAGE_SIZE === pfn) last.length += PAGE_SIZE;
        else sgl.push({ page: pages[i]!, offset: 0, length: PAGE_SIZE, dma_address: 0, dma_length: 0 });
      }
      const tail = size % PAGE_SIZE;
      if (tail) sgl[sgl.length - 1]!.length -= PAGE_SIZE - tail;
      sgt.sgl = sgl;
      sgt.nents = sgt.orig_nents = sgl.length;
      k.tr?.exit(`0 (${sgl.length} entries from the vm area's pages)`);
      return 0;
    }
    page = vmalloc_to_page(k, cpu_addr);
  } else page = virt_to_page(k, cpu_addr);
  sgt.sgl = [{ page, offset: 0, length: PAGE_ALIGN(size), dma_address: 0, dma_length: 0 }];
  sgt.nents = sgt.orig_nents = 1;
  k.tr?.exit("0");
  return 0;
}

/** dma-iommu.c iommu_dma_sync_single_for_cpu (5.6–6.11): cache maintenance on the physical address the IOVA maps (5.11+: and the bounce slot). */
function iommu_dma_sync_single_for_cpu(k: Kernel, dev: Device, dma_handle: number, size: number, dir: number): void {
  if (k.sw[UNTRUSTED_BOUNCE]) return iommu_dma_sync_single_for_cpu_bounce(k, CORE, dev, dma_handle, size, dir);
  if (dev_is_dma_coherent(k, dev)) return;
  k.tr?.enter(S.sync_cpu, { dma_handle: hex(dma_handle), size: hex(size) });
  const phys = iommu_iova_to_phys(k, domainOf(dev), dma_handle);
  arch_sync_dma_for_cpu(k, phys, size, dir);
  k.tr?.exit();
}

/** dma-iommu.c iommu_dma_sync_single_for_device (5.6–6.11; 5.11+: the bounce slot too). */
function iommu_dma_sync_single_for_device(k: Kernel, dev: Device, dma_handle: number, size: number, dir: number): void {
  if (k.sw[UNTRUSTED_BOUNCE]) return iommu_dma_sync_single_for_device_bounce(k, CORE, dev, dma_handle, size, dir);
  if (dev_is_dma_coherent(k, dev)) return;
  k.tr?.enter(S.sync_dev, { dma_handle: hex(dma_handle), size: hex(size) });
  const phys = iommu_iova_to_phys(k, domainOf(dev), dma_handle);
  arch_sync_dma_for_device(k, phys, size, dir);
  k.tr?.exit();
}

function sg_phys(k: Kernel, s: Scatterlist): number {
  return k.page_to_phys(s.page) + s.offset;
}

/** dma-iommu.c iommu_dma_sync_sg_for_cpu / _for_device (5.6–6.11; 5.11+: an untrusted device's segments one by one, by their IOVA). */
export function iommu_dma_sync_sg(k: Kernel, dev: Device, sgl: Scatterlist[], nelems: number, dir: number, forCpu: boolean): void {
  if (k.sw[UNTRUSTED_BOUNCE] && sg_uses_swiotlb(k, dev, sgl)) {
    for (let i = 0; i < nelems && i < sgl.length; i++) {
      if (forCpu) iommu_dma_sync_single_for_cpu(k, dev, sgl[i]!.dma_address, sgl[i]!.length, dir);
      else iommu_dma_sync_single_for_device(k, dev, sgl[i]!.dma_address, sgl[i]!.length, dir);
    }
    return;
  }
  if (dev_is_dma_coherent(k, dev)) return;
  for (let i = 0; i < nelems && i < sgl.length; i++) {
    const s = sgl[i]!;
    if (forCpu) arch_sync_dma_for_cpu(k, sg_phys(k, s), s.length, dir);
    else arch_sync_dma_for_device(k, sg_phys(k, s), s.length, dir);
  }
}

/**
 * dma-iommu.c iommu_dma_map_page (5.6–6.11): 5.6–5.10 map the buffer's granules; 5.11–5.15 go through
 * __iommu_dma_map_swiotlb (an untrusted device's unaligned buffer bounces; the CPU cache is then cleaned at the
 * original buffer); 5.16+ (and 5.15.y) bounce here and clean the cache at the slot (06e620345d54).
 */
export function iommu_dma_map_page(k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number, attrs: number): number {
  k.tr?.enter(S.map_page, { page: k.arch.fmtVa(page), offset: hex(offset), size: hex(size) });
  let phys = k.page_to_phys(page) + offset;
  const coherent = dev_is_dma_coherent(k, dev);
  const prot = dma_info_to_prot(dir, coherent, attrs);
  const mask = dev.dma_mask ?? DMA_BIT_MASK(32);
  let dma_handle: number;
  if (k.sw[BOUNCE_FOLDED]) {
    phys = iommu_dma_bounce_v516(k, CORE, dev, phys, size, dir, attrs);
    if (phys === DMA_MAPPING_ERROR) {
      k.tr?.exit("DMA_MAPPING_ERROR");
      return DMA_MAPPING_ERROR;
    }
    if (!coherent && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) arch_sync_dma_for_device(k, phys, size, dir);
    dma_handle = __iommu_dma_map(k, dev, phys, size, prot, mask);
    if (dma_handle === DMA_MAPPING_ERROR && is_swiotlb_buffer(k, phys, dev)) swiotlb_tbl_unmap_single(k, dev, phys, size, dir, attrs);
  } else {
    dma_handle = k.sw[UNTRUSTED_BOUNCE] ? __iommu_dma_map_swiotlb(k, CORE, dev, phys, size, mask, prot, dir, attrs) : __iommu_dma_map(k, dev, phys, size, prot, mask);
    if (!coherent && !(attrs & DMA_ATTR_SKIP_CPU_SYNC) && dma_handle !== DMA_MAPPING_ERROR) arch_sync_dma_for_device(k, phys, size, dir);
  }
  k.tr?.exit(dma_handle === DMA_MAPPING_ERROR ? "DMA_MAPPING_ERROR" : hex(dma_handle));
  return dma_handle;
}

/**
 * dma-iommu.c iommu_dma_unmap_page (5.6–6.11): 5.6–5.14 sync for the CPU (5.11+: which copies a bounce slot back)
 * then unmap (5.11+: and release the slot, copying again); 5.16+ (5.15.y) only the CPU cache, then unmap and
 * release the slot — one copy (ee9d4097cc14).
 */
export function iommu_dma_unmap_page(k: Kernel, dev: Device, dma_handle: number, size: number, dir: number, attrs: number): void {
  k.tr?.enter(S.unmap_page, { dma_handle: hex(dma_handle), size: hex(size) });
  if (k.sw[BOUNCE_FOLDED]) {
    const phys = iommu_iova_to_phys(k, domainOf(dev), dma_handle);
    if (!phys) {
      k.warn(`WARNING: CPU: 0 PID: 1 at ${F}: iommu_dma_unmap_page (WARN_ON(!phys))`, "iommu_dma_unmap_page");
      k.tr?.exit();
      return;
    }
    if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && !dev_is_dma_coherent(k, dev)) arch_sync_dma_for_cpu(k, phys, size, dir);
    __iommu_dma_unmap(k, dev, dma_handle, size);
    if (is_swiotlb_buffer(k, phys, dev)) swiotlb_tbl_unmap_single(k, dev, phys, size, dir, attrs);
    k.tr?.exit();
    return;
  }
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)) iommu_dma_sync_single_for_cpu(k, dev, dma_handle, size, dir);
  if (k.sw[UNTRUSTED_BOUNCE]) __iommu_dma_unmap_swiotlb(k, CORE, dev, dma_handle, size, dir, attrs);
  else __iommu_dma_unmap(k, dev, dma_handle, size);
  k.tr?.exit();
}

/** The dma-iommu.c internals the bounce module and the 6.12 era call. */
export const CORE: DmaIommuCore = {
  domain: domainOf,
  iovad: (dev) => cookieOf(dev).iovad,
  __iommu_dma_map,
  __iommu_dma_unmap,
};

/** dma-iommu.c __finalise_sg (5.6–5.19): write the DMA segments back, concatenating IOVA-contiguous pieces. */
function __finalise_sg(dev: Device, sg: Scatterlist[], nents: number, dma_addr: number, stash: { off: number; len: number }[]): number {
  const seg_mask = Number(dev.segment_boundary_mask & 0xffffffffn);
  const max_len = dev.max_segment_size;
  let cur = 0;
  let cur_len = 0;
  let count = 0;
  for (let i = 0; i < nents; i++) {
    const s = sg[i]!;
    const s_iova_off = stash[i]!.off;
    const s_length = stash[i]!.len;
    const s_iova_len = s.length;
    s.offset += s_iova_off;
    s.length = s_length;
    s.dma_address = DMA_MAPPING_ERROR;
    s.dma_length = 0;
    if (cur_len && !s_iova_off && (dma_addr % (seg_mask + 1)) !== 0 && max_len - cur_len >= s_length) {
      cur_len += s_length;
    } else {
      if (i > 0) cur++;
      cur_len = s_length;
      count++;
      sg[cur]!.dma_address = dma_addr + s_iova_off;
    }
    sg[cur]!.dma_length = cur_len;
    dma_addr += s_iova_len;
    if (s_length + s_iova_off < s_iova_len) cur_len = 0;
  }
  return count;
}

/** dma-iommu.c iommu_dma_map_sg (5.6–6.11; 5.11+: an untrusted device segment by segment): align each segment to IOVA granules, one IOVA range for all, then concatenate. */
export function iommu_dma_map_sg(k: Kernel, dev: Device, sg: Scatterlist[], nents: number, dir: number, attrs: number): number {
  // 861370f49ce4 (6.5): dev_use_sg_swiotlb(dev, sg, nents, dir) — also a segment kmalloc may share a cache line with
  if (k.sw[UNTRUSTED_BOUNCE] && (k.sw[KMALLOC_BOUNCE] ? dev_use_sg_swiotlb(k, dev, sg, nents, dir) : dev_use_swiotlb(dev))) return iommu_dma_map_sg_swiotlb(k, dev, sg, nents, dir, attrs, iommu_dma_map_page, iommu_dma_unmap_page);
  const domain = domainOf(dev);
  const cookie = cookieOf(dev);
  k.tr?.enter(S.map_sg, { nents: String(nents) });
  const prot = dma_info_to_prot(dir, dev_is_dma_coherent(k, dev), attrs);
  const mask = Number(dev.segment_boundary_mask & 0xffffffffn);
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)) iommu_dma_sync_sg(k, dev, sg, nents, dir, false);
  const stash: { off: number; len: number }[] = [];
  let iova_len = 0;
  let prev: Scatterlist | null = null;
  for (let i = 0; i < nents; i++) {
    const s = sg[i]!;
    const s_iova_off = s.offset % cookie.iovad.granule;
    let s_length = s.length;
    /* (mask - iova_len + 1) & mask in unsigned long: the distance to the next segment boundary */
    const pad_len = (mask + 1 - (iova_len % (mask + 1))) % (mask + 1);
    stash.push({ off: s_iova_off, len: s_length });
    s.offset -= s_iova_off;
    s_length = iova_align(cookie.iovad, s_length + s_iova_off);
    s.length = s_length;
    if (pad_len && pad_len < s_length - 1 && prev) {
      prev.length += pad_len;
      iova_len += pad_len;
    }
    iova_len += s_length;
    prev = s;
  }
  const restore = () => {
    for (let i = 0; i < nents; i++) {
      sg[i]!.offset += stash[i]!.off;
      sg[i]!.length = stash[i]!.len;
      sg[i]!.dma_address = DMA_MAPPING_ERROR;
      sg[i]!.dma_length = 0;
    }
  };
  // the c81be74e7d79 series (5.15): -ENOMEM without an IOVA, -EINVAL when the map fails (5.15.178
  // dma-iommu.c:1050–1073); 0 before it
  const errs = k.sw[SG_ERRNO];
  const iova = iommu_dma_alloc_iova(k, domain, iova_len, dev.dma_mask ?? DMA_BIT_MASK(32), dev);
  if (!iova) {
    restore();
    k.tr?.exit(errs ? "-ENOMEM" : "0");
    return errs ? -ENOMEM : 0;
  }
  const segs = sg.slice(0, nents).map((s) => ({ phys: sg_phys(k, s), length: s.length }));
  if (iommu_map_sg(k, domain, iova, segs, prot, GFP_ATOMIC) < iova_len) {
    iommu_dma_free_iova(k, cookie, iova, iova_len, false);
    restore();
    k.tr?.exit(errs ? "-EINVAL" : "0");
    return errs ? -EINVAL : 0;
  }
  const n = __finalise_sg(dev, sg, nents, iova, stash);
  k.tr?.exit(`${n} (IOVA ${hex(iova)}+${hex(iova_len)})`);
  return n;
}

/** dma-iommu.c iommu_dma_unmap_sg (5.6–6.11; 5.11+: an untrusted device segment by segment): the whole IOVA range in one go, from the first DMA segment to the end of the last. */
export function iommu_dma_unmap_sg(k: Kernel, dev: Device, sg: Scatterlist[], nents: number, dir: number, attrs: number): void {
  if (k.sw[UNTRUSTED_BOUNCE] && sg_uses_swiotlb(k, dev, sg)) return iommu_dma_unmap_sg_swiotlb(k, dev, sg, nents, dir, attrs, iommu_dma_unmap_page);
  k.tr?.enter(S.unmap_sg, { nents: String(nents) });
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)) iommu_dma_sync_sg(k, dev, sg, nents, dir, true);
  const start = sg[0]!.dma_address;
  let last = sg[0]!;
  for (let i = 1; i < nents && i < sg.length; i++) {
    if (sg[i]!.dma_length === 0) break;
    last = sg[i]!;
  }
  __iommu_dma_unmap(k, dev, start, last.dma_address + last.dma_length - start);
  k.tr?.exit();
}

/** c81be74e7d79 (5.15) and its series ("dma-mapping: return error code from dma_map_sg_attrs"): map_sg implementations return a negative errno, not 0 */
export const SG_ERRNO = "c81be74e7d79";

/** afc5aa46ed56 (6.9; stable 5.15.178, 6.1.166, 6.6.63) "iommu/dma: Force swiotlb_max_mapping_size on an untrusted device" */
export const UNTRUSTED_MAX_MAPPING = "afc5aa46ed56";

/**
 * dma-iommu.c iommu_dma_max_mapping_size (with afc5aa46ed56: 6.9+, 5.15.178, 6.1.166, 6.6.63; 6.12+ called by
 * mapping.c directly): an untrusted device may be bounced, so its mappings are bounded by swiotlb_max_mapping_size;
 * any other device SIZE_MAX. Without the commit iommu_dma_ops has no .max_mapping_size: SIZE_MAX for every device.
 */
export function iommu_dma_max_mapping_size(k: Kernel, dev: Device): number {
  if (k.sw[UNTRUSTED_MAX_MAPPING] && dev_is_untrusted(dev)) return swiotlb_max_mapping_size(k, dev);
  return Number.MAX_SAFE_INTEGER;
}

/** static const struct dma_map_ops iommu_dma_ops (5.6–6.11; gone with b5c58b2fdc42 in 6.12). */
export const iommu_dma_ops: DmaMapOps = {
  name: "iommu_dma_ops",
  file: F,
  alloc: iommu_dma_alloc,
  free: iommu_dma_free,
  mmap: iommu_dma_mmap,
  get_sgtable: iommu_dma_get_sgtable,
  map_page: iommu_dma_map_page,
  unmap_page: iommu_dma_unmap_page,
  map_sg: iommu_dma_map_sg,
  unmap_sg: iommu_dma_unmap_sg,
  map_resource: iommu_dma_map_resource,
  unmap_resource: iommu_dma_unmap_resource,
  sync_single_for_cpu: iommu_dma_sync_single_for_cpu,
  sync_single_for_device: iommu_dma_sync_single_for_device,
  sync_sg_for_cpu: (k, dev, sgl, n, dir) => iommu_dma_sync_sg(k, dev, sgl, n, dir, true),
  sync_sg_for_device: (k, dev, sgl, n, dir) => iommu_dma_sync_sg(k, dev, sgl, n, dir, false),
  max_mapping_size: iommu_dma_max_mapping_size,
  /* 5.14+ (e817ee5f2f95); mapping.c's dma_alloc_noncontiguous exists only from 7d5b5738d151 (5.14) */
  alloc_noncontiguous: (k, dev, size, dir, gfp, attrs) => iommu_dma_alloc_noncontiguous(k, dev, size, dir, gfp, attrs),
  free_noncontiguous: (k, dev, size, sgt, dir) => iommu_dma_free_noncontiguous(k, dev, size, sgt, dir),
  /* 6.0+ (a229cc14f339; 5.15.178 backport): mapping.c's dma_opt_mapping_size exists only with it */
  opt_mapping_size: iommu_dma_opt_mapping_size,
  /* 5.10+ (mapping.c's dma_alloc_pages exists only from efa70f2fdc84, 5.10) */
  alloc_pages: dma_common_alloc_pages,
  free_pages: dma_common_free_pages,
  /* 5.10–5.11 under CONFIG_DMA_REMAP (else #defined NULL); removed by 81d88ce55092 (5.12) */
  alloc_noncoherent: iommu_dma_alloc_noncoherent,
  free_noncoherent: iommu_dma_free_noncoherent,
  present: (k, member) => (member === "alloc_noncoherent" || member === "free_noncoherent" ? !k.sw[NONCOHERENT_OPS_REMOVED] && CONFIG_DMA_REMAP(k) : true),
};

/** dma-iommu.c iommu_dma_map_resource (5.6–6.17; iommu_dma_ops.map_resource, from 6.12 called by mapping.c directly): MMIO mapped through the IOMMU. */
export function iommu_dma_map_resource(k: Kernel, dev: Device, phys: number, size: number, dir: number, attrs: number): number {
  return __iommu_dma_map(k, dev, phys, size, dma_info_to_prot(dir, false, attrs) | IOMMU_MMIO, dev.dma_mask ?? DMA_BIT_MASK(32));
}

/** The device's limit, for callers that print it. */
export function iommu_dma_limit(dev: Device): number {
  return maskLimit(dev.dma_mask ?? 0n);
}
void ENOMEM;

/** dma-iommu.c iommu_dma_unmap_resource (5.6–6.17): __iommu_dma_unmap of the IOVA range; 6.18's iommu_dma_unmap_phys does the same for DMA_ATTR_MMIO. */
export function iommu_dma_unmap_resource(k: Kernel, dev: Device, handle: number, size: number, _dir: number, _attrs: number): void {
  __iommu_dma_unmap(k, dev, handle, size);
}

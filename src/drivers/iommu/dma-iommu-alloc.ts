/**
 * drivers/iommu/dma-iommu.c, the allocation side of iommu_dma_ops: iommu_dma_alloc / iommu_dma_free
 * (the remap of scattered pages, one contiguous block, or the atomic pool), __iommu_dma_alloc_pages and
 * its order_mask, iommu_dma_alloc_noncoherent / _free_noncoherent (5.10–5.11), iommu_dma_mmap and
 * iommu_dma_get_sgtable. drivers/iommu/dma-iommu.c is one file in the kernel; dmasim splits it by
 * concern: the IOVA core, the streaming side (map/unmap/sync/map_sg) and iommu_dma_ops itself are in
 * dma-iommu.ts, ->alloc_noncontiguous in dma-iommu-noncontig.ts.
 *
 * The seed thread's question answered here: iommu_dma_alloc() of a blocking allocation returns a
 * vmalloc address from iommu_dma_alloc_remap() (scattered pages vmap'ed), for coherent devices too,
 * so virt_to_page() of it is the wrong page; iommu_dma_mmap() and iommu_dma_get_sgtable() look the
 * pages up in the vm area and are right.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../device.js";
import type { Scatterlist, SgTable, Vma } from "../../kernel/dma/ops.js";
import type { Prot } from "../../mm/pgtable.js";
import { dma_common_alloc_pages } from "../../kernel/dma/ops-helpers.js";
import { ENXIO } from "../../kernel/dma/ops.js";
import { DMA_MAPPING_ERROR, PAGE_ALIGN, PAGE_SIZE, get_order, hex } from "../../core/u64.js";
import { sym } from "../../core/trace.js";
import { DMA_ATTR_ALLOC_SINGLE_PAGES, DMA_ATTR_FORCE_CONTIGUOUS, __GFP_COMP, __GFP_HIGHMEM, __GFP_NORETRY, __GFP_NOWARN, __GFP_ZERO, gfpflags_allow_blocking } from "../../include/gfp.js";
import { DMA_BIDIRECTIONAL, GFP_ATOMIC } from "../../include/gfp.js";
import { alloc_pages, __free_pages, is_vmalloc_addr, kvmalloc_node, nr_free_pages_for, remap_pfn_range, split_page, virt_to_page, vmalloc_to_page } from "../../mm/mm.js";
import { MAX_ORDER } from "../../mm/page_alloc.js";
import { BUG_at } from "../../mm/mm-debug.js";
import { arch_dma_prep_coherent, dev_is_dma_coherent, dma_pgprot } from "../../kernel/dma/arch-hooks.js";
import { dma_common_contiguous_remap, dma_common_find_pages, dma_common_free_remap, dma_common_pages_remap, dma_alloc_from_pool_remap, dma_free_from_pool_remap } from "../../kernel/dma/remap.js";
import { dma_alloc_from_pool, dma_free_from_pool } from "../../kernel/dma/pool.js";
import { dma_alloc_contiguous, dma_free_contiguous } from "../../kernel/dma/contiguous.js";
import { dma_mmap_from_dev_coherent } from "../../kernel/dma/coherent.js";
import { DMA_DIRECT_REMAP, DMA_REMAP } from "../../kernel/dma/direct-alloc.js";
import { iommu_map_sg, type IommuDomain } from "./iommu.js";
import { IOMMU_CACHE } from "./io-pgtable-arm/common.js";
import { __iommu_dma_map, __iommu_dma_unmap, cookieOf, dma_info_to_prot, domainOf, iommu_dma_alloc_iova, iommu_dma_free_iova, iova_align } from "./dma-iommu.js";
import { iommu_dma_alloc_remap_514 } from "./dma-iommu-noncontig.js";

const F = "drivers/iommu/dma-iommu.c";
/** 4604393ca0c6 "iommu/dma: Remove broken huge page handling" (5.10): __GFP_COMP cleared, every block split_page()d */
const NO_HUGE_PAGES = "4604393ca0c6";
/** 61883d3c3241 (6.4, with 23baf831a32c): order_mask cut to orders 0–10 */
const MAX_ORDER_FIX = "61883d3c3241";

/** IS_ENABLED(CONFIG_DMA_REMAP): selected by arm64 (and ARM); on every MMU arch since f5ff79fddf0e (5.18). */
export function CONFIG_DMA_REMAP(k: Kernel): boolean {
  return DMA_REMAP(k) || k.sw["f5ff79fddf0e"];
}

const S = {
  alloc: sym("iommu_dma_alloc", F),
  alloc_remap: sym("iommu_dma_alloc_remap", F),
  alloc_pages: sym("__iommu_dma_alloc_pages", F),
  alloc_contig: sym("iommu_dma_alloc_pages", F),
  free: sym("iommu_dma_free", F),
  __free: sym("__iommu_dma_free", F),
  mmap: sym("iommu_dma_mmap", F),
  sgt: sym("iommu_dma_get_sgtable", F),
  alloc_noncoherent: sym("iommu_dma_alloc_noncoherent", F),
  free_noncoherent: sym("iommu_dma_free_noncoherent", F),
};

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

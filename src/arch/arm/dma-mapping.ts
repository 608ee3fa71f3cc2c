/**
 * arch/arm/mm/dma-mapping.c (5.6–5.19, no LPAE): arm_dma_ops and __dma_alloc with its four allocators
 * (cma / simple / remap / pool), the atomic pool, arm_dma_mmap and arm_dma_get_sgtable. From 6.0
 * (ae626eb97376) 32-bit ARM runs dma-direct: see dma-mapping-v6.0.ts, which calls the allocators
 * below (their code is the same in 6.0–6.18).
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import type { DmaMapOps, Scatterlist, SgTable, Vma } from "../../kernel/dma/ops.js";
import { ENXIO } from "../../kernel/dma/ops.js";
import { sym } from "../../core/trace.js";
import { warn_site } from "../../kernel/warn-sites.js";
import { DMA_MAPPING_ERROR, PAGE_ALIGN, PAGE_SIZE, get_order, hex, maskLimit, min_not_zero } from "../../core/u64.js";
import { DIR_NAMES, DMA_ATTR_NO_KERNEL_MAPPING, DMA_ATTR_SKIP_CPU_SYNC, DMA_ATTR_WRITE_COMBINE, GFP_KERNEL, __GFP_COMP, __GFP_DMA, __GFP_NOWARN, gfpName, gfpflags_allow_blocking } from "../../include/gfp.js";
import { GenPool, gen_pool_free } from "../../mm/genalloc.js";
import type { Prot } from "../../mm/pgtable.js";
import { __free_pages, alloc_pages, remap_pfn_range, split_page } from "../../mm/mm.js";
import { dev_get_cma_area, dma_alloc_from_contiguous, dma_release_from_contiguous } from "../../kernel/dma/contiguous.js";
import { dma_common_contiguous_remap, dma_common_free_remap } from "../../kernel/dma/remap.js";
import { arch_sync_dma_for_cpu, arch_sync_dma_for_device } from "../../kernel/dma/arch-hooks.js";
import { dma_to_phys, phys_to_dma } from "../../kernel/dma/direct.js";
import { dma_direct_alloc_pages, dma_direct_free_pages } from "../../kernel/dma/direct-alloc.js";
import { dma_mmap_from_dev_coherent } from "../../kernel/dma/coherent.js";
import { default_pointer } from "../../lib/vsprintf.js";

const F = "arch/arm/mm/dma-mapping.c";
const S___dma_alloc = sym("__dma_alloc", F);
const S_arm_dma_alloc = sym("arm_dma_alloc", F);
const S_arm_dma_free = sym("arm_dma_free", F);
const S_cma = sym("__alloc_from_contiguous", F);
const S_simple = sym("__alloc_simple_buffer", F);
const S_remap = sym("__alloc_remap_buffer", F);
const S_alloc_buffer = sym("__dma_alloc_buffer", F);
const S_clear = sym("__dma_clear_buffer", F);
const S_pool = sym("__alloc_from_pool", F);
const S_dma_remap = sym("__dma_remap", F);
const S_mmap = sym("arm_dma_mmap", F);
const S___arm_dma_mmap = sym("__arm_dma_mmap", F);
const S___arm_dma_free = sym("__arm_dma_free", F);
const S_sgt = sym("arm_dma_get_sgtable", F);
const S_map_page = sym("arm_dma_map_page", F);
const S_unmap_page = sym("arm_dma_unmap_page", F);
const S_map_sg = sym("arm_dma_map_sg", F);
const S_coh_map_page = sym("arm_coherent_dma_map_page", F);
const S_coh_alloc = sym("arm_coherent_dma_alloc", F);
const S_coh_free = sym("arm_coherent_dma_free", F);
const S_coh_mmap = sym("arm_coherent_dma_mmap", F);
const S_unmap_sg = sym("arm_dma_unmap_sg", F);
const S_sync_cpu = sym("arm_dma_sync_single_for_cpu", F);
const S_sync_dev = sym("arm_dma_sync_single_for_device", F);
const S_sync_sg_cpu = sym("arm_dma_sync_sg_for_cpu", F);
const S_sync_sg_dev = sym("arm_dma_sync_sg_for_device", F);

export type Allocator = "cma" | "simple" | "remap" | "pool";

/** The coherent_flag values of arch/arm/mm/dma-mapping.c (5.6–6.18): NORMAL for a non-coherent device's buffer, COHERENT for arm_coherent_dma_ops (5.x) */
export const NORMAL = 0;
export const COHERENT = 1;

/** arch/arm/mm/dma-mapping.c __dma_clear_buffer (5.6–6.18; 5.10.7 :240–268, 6.18.35 :107–135; unchanged by the 6.0 move to dma-direct):
 * memset(0) through the cacheable linear alias (kmap_atomic per
 * page for highmem), then, unless COHERENT, dmac_flush_range + outer_flush_range. The memset makes
 * every line of the range hold zeros (dirty), the flush writes them back and drops them: RAM holds
 * zeros and no line is left, whatever dirty line the page kept from its earlier life (that line is
 * overwritten by the memset, never written back over the zeros). COHERENT keeps the zeroed lines dirty.
 */
export function __dma_clear_buffer(k: Kernel, page: number, size: number, coherent_flag = NORMAL) {
  const phys = k.page_to_phys(page);
  const highmem = k.memmap.PageHighMem(k.arch.page_to_pfn(page));
  k.tr?.enter(S_clear, { page: k.arch.fmtVa(page), size: hex(size), coherent_flag: coherent_flag === COHERENT ? "COHERENT" : "NORMAL" });
  k.tr?.note(highmem ? "PageHighMem: memset(0) of each page through kmap_atomic" : `memset(page_address(page) = ${k.arch.fmtVa(k.arch.page_address(k, page))}, 0, ${hex(size)})`);
  if (coherent_flag === COHERENT) {
    // memset through the cache, no flush: the zeros sit in dirty lines a coherent device snoops
    const zero = new Uint8Array(PAGE_SIZE);
    for (let off = 0; off < size; off += PAGE_SIZE) k.cache.cpuWrite(phys + off, zero.subarray(0, Math.min(PAGE_SIZE, size - off)));
    k.tr?.exit();
    return;
  }
  // memset + dmac_flush_range/outer_flush_range: the net effect (every line of the range written back with
  // zeros and dropped), without making 64-byte lines only to drop them
  k.cache.invalidate(phys, size);
  k.mem.fill(phys, 0, size);
  k.tr?.cache("flush", hex(phys), size, Math.ceil(size / k.cache.lineSize));
  k.tr?.exit();
}

/** arch/arm/mm/dma-mapping.c __dma_alloc_buffer (5.6–6.18; 5.10.7 :274, 6.1.166 :141): alloc_pages(order), split_page, __free_page of the excess, __dma_clear_buffer */
export function __dma_alloc_buffer(k: Kernel, size: number, gfp: number, coherent_flag = NORMAL): number {
  k.tr?.enter(S_alloc_buffer, { size: hex(size), gfp: gfpName(gfp) });
  const order = get_order(size);
  const page = alloc_pages(k, gfp, order, "__dma_alloc_buffer");
  if (!page) {
    k.tr?.exit("NULL");
    return 0;
  }
  const pfn = k.arch.page_to_pfn(page);
  const count = size / PAGE_SIZE;
  // split_page (every page gets its own reference) + __free_page of the pages beyond size
  split_page(k, page, order);
  if (k.tr && count < 1 << order) k.tr.note(`split_page(order ${order}); __free_page of the ${(1 << order) - count === 1 ? "page" : `${(1 << order) - count} pages`} past the buffer`);
  for (let p = pfn + count; p < pfn + (1 << order); p++) __free_pages(k, k.arch.pfn_to_page(p), 0);
  __dma_clear_buffer(k, page, size, coherent_flag);
  k.tr?.exit(`page ${k.arch.fmtVa(page)} (pfn ${hex(pfn)})`);
  return page;
}

/** arch/arm/mm/dma-mapping.c __dma_free_buffer (5.6–6.18; 5.10.7 :299–307, 6.18.35 :166–174): __free_page of
 * each of the size >> PAGE_SHIFT pages (the buffer was split): each put drops that page's own reference, so a
 * size larger than the allocation puts pages the buffer does not own (a free page's refcount goes below zero).
 */
export function __dma_free_buffer(k: Kernel, page: number, size: number) {
  const pfn = k.arch.page_to_pfn(page);
  for (let i = 0; i < Math.floor(size / PAGE_SIZE); i++) __free_pages(k, k.arch.pfn_to_page(pfn + i), 0);
}

/** arch/arm/mm/dma-mapping.c __dma_remap (5.6–6.18): rewrite the existing linear-map PTEs of lowmem pages to the DMA prot (and flush the TLB) */
export function __dma_remap(k: Kernel, page: number, size: number, prot: Prot) {
  k.tr?.enter(S_dma_remap, { page: k.arch.fmtVa(page), size: hex(size), prot });
  const va = k.arch.page_address(k, page);
  k.pgd.unmap(va, size);
  k.pgd.map(va, k.arch.page_to_pfn(page), size, prot);
  k.tr?.exit();
}

/**
 * arch/arm/mm/dma-mapping.c __alloc_remap_buffer (5.6–6.18): pages + dma_common_contiguous_remap → a vmap address; without
 * want_vaddr (DMA_ATTR_NO_KERNEL_MAPPING) no remap at all and a NULL ptr (the caller returns the page)
 */
export function __alloc_remap_buffer(k: Kernel, size: number, gfp: number, prot: Prot, caller: string, want_vaddr = true): { ptr: number; page: number } | null {
  k.tr?.enter(S_remap, { size: hex(size), gfp: gfpName(gfp) });
  const page = __dma_alloc_buffer(k, size, gfp);
  if (!page) {
    k.tr?.exit("NULL");
    return null;
  }
  k.tr?.decide("want_vaddr", want_vaddr, want_vaddr ? "a kernel mapping is wanted: remap the pages" : "DMA_ATTR_NO_KERNEL_MAPPING: no remap, no vmalloc area");
  if (!want_vaddr) {
    k.tr?.exit("NULL (page only)");
    return { ptr: 0, page };
  }
  const ptr = dma_common_contiguous_remap(k, page, size, prot, caller);
  if (!ptr) {
    __dma_free_buffer(k, page, size);
    k.tr?.exit("NULL");
    return null;
  }
  k.tr?.exit(`${k.arch.fmtVa(ptr)} (vmalloc address)`);
  return { ptr, page };
}

/** arch/arm/mm/dma-mapping.c __alloc_from_contiguous (5.6–6.18; 5.10.7 :520–553, 6.18.35 :391–424): CMA pages,
 * dma_alloc_from_contiguous(dev, count, order, gfp & __GFP_NOWARN) (a failure is reported unless the caller's
 * gfp has __GFP_NOWARN); lowmem → remapped in place (linear address), highmem → vmap
 */
export function __alloc_from_contiguous(k: Kernel, dev: Device | null, size: number, prot: Prot, attrs: number, caller: string, gfp: number, coherent_flag = NORMAL): { ptr: number; page: number } | null {
  k.tr?.enter(S_cma, { size: hex(size) });
  const page = dma_alloc_from_contiguous(k, dev, size / PAGE_SIZE, get_order(size), (gfp & __GFP_NOWARN) !== 0);
  if (!page) {
    k.tr?.exit("NULL");
    return null;
  }
  __dma_clear_buffer(k, page, size, coherent_flag);
  const highmem = k.memmap.PageHighMem(k.arch.page_to_pfn(page));
  k.tr?.decide("PageHighMem(page)", highmem, highmem ? "no linear alias: remap it" : "lowmem CMA page: rewrite its linear-map PTEs and return the linear address");
  let ptr: number;
  if (attrs & DMA_ATTR_NO_KERNEL_MAPPING) ptr = page;
  else if (highmem) ptr = dma_common_contiguous_remap(k, page, size, prot, caller);
  else {
    __dma_remap(k, page, size, prot);
    ptr = k.arch.page_address(k, page);
  }
  k.tr?.exit(k.arch.fmtVa(ptr));
  return { ptr, page };
}

/** arch/arm/mm/dma-mapping.c __alloc_simple_buffer (5.6–6.18): coherent devices, linear address, __dma_alloc_buffer(COHERENT) */
export function __alloc_simple_buffer(k: Kernel, size: number, gfp: number): { ptr: number; page: number } | null {
  k.tr?.enter(S_simple, { size: hex(size) });
  const page = __dma_alloc_buffer(k, size, gfp, COHERENT);
  if (!page) {
    k.tr?.exit("NULL");
    return null;
  }
  const ptr = k.arch.page_address(k, page);
  k.tr?.exit(`${k.arch.fmtVa(ptr)} (linear)`);
  return { ptr, page };
}

/** arch/arm/mm/dma-mapping.c __alloc_from_pool (5.6–6.18; 5.6.4 :509–528, 5.10.7 :484–503, 6.18.35 :355–374):
 * gen_pool_alloc from the atomic pool, *ret_page = phys_to_page(gen_pool_virt_to_phys). No memset: the pool
 * was zeroed once at atomic_pool_init, so a buffer handed out again after a free keeps the previous
 * owner's bytes (unlike kernel/dma/pool.c dma_alloc_from_pool, which zeroes).
 */
export function __alloc_from_pool(k: Kernel, size: number): { ptr: number; page: number } | null {
  k.tr?.enter(S_pool, { size: hex(size) });
  const pool = k.arm_atomic_pool;
  if (!pool) {
    k.warn("coherent pool not initialised!", "__alloc_from_pool");
    k.tr?.exit("NULL");
    return null;
  }
  const ptr = pool.alloc(size);
  if (!ptr) {
    k.tr?.exit("NULL");
    return null;
  }
  const page = k.arch.pfn_to_page(pool.virt_to_phys(ptr) / PAGE_SIZE);
  k.tr?.exit(k.arch.fmtVa(ptr));
  return { ptr, page };
}

/** arch/arm/mm/dma-mapping.c atomic_pool_init (5.6–6.18, postcore_initcall): from CMA if there is a default area, else remapped pages */
export function arm_atomic_pool_init(k: Kernel): void {
  const size = k.cfg.coherent_pool || 256 << 10;
  const prot: Prot = "nc";
  const r = dev_get_cma_area(k, null) ? __alloc_from_contiguous(k, null, size, prot, 0, "atomic_pool_init", GFP_KERNEL) : __alloc_remap_buffer(k, size, GFP_KERNEL | __GFP_DMA, prot, "atomic_pool_init");
  if (!r) {
    k.printk("err", `DMA: failed to allocate ${size >> 10} KiB pool for atomic coherent allocation`); // 5.6.4 :400, 6.1.166 :242
    return;
  }
  const pool = new GenPool(12, "arm atomic_pool");
  pool.add_virt(r.ptr, k.page_to_phys(r.page), size);
  k.arm_atomic_pool = pool;
  k.printk("info", `DMA: preallocated ${size >> 10} KiB pool for atomic coherent allocations`); // pr_info, 5.6.4 :391, 6.1.166 :233
}

/**
 * arch/arm/mm/dma-mapping.c __dma_alloc's CONFIG_DMA_API_DEBUG check (5.6–6.18, its first statement:
 * 5.6.4 :709, 5.15.178 :684, 6.1.166 :550–557, 6.18.35 :555): limit = (mask + 1) & ~mask; a request
 * of limit bytes or more gets dev_warn "coherent allocation too big (requested %#x mask %#llx)" —
 * the caller's size, before PAGE_ALIGN — and NULL. A log line, not a splat.
 */
export function arm_dma_alloc_too_big(k: Kernel, dev: Device, mask: bigint, size: number): boolean {
  if (!k.cfg.CONFIG_DMA_API_DEBUG) return false;
  const limit = BigInt.asUintN(64, mask + 1n) & ~mask;
  if (limit === 0n || BigInt(size) < limit) return false;
  const hash = (v: bigint) => (v === 0n ? "0" : "0x" + v.toString(16)); // %#x / %#llx: no 0x for zero
  k.dev_printk("warn", dev, `coherent allocation too big (requested ${hash(BigInt(size >>> 0))} mask ${hash(mask)})`);
  k.tr?.decide("CONFIG_DMA_API_DEBUG: limit && size >= limit", true, `limit = (mask + 1) & ~mask = ${hash(limit)}: the request is too big for the mask`);
  return true;
}

/** The 5.7 commits that change __dma_alloc's mask (ids not in the stored texts: keyed by their titles; the series' pull, dma-mapping-5.7, ends at fd27a526bb38). */
export const SW_NO_GET_COHERENT_DMA_MASK = "ARM/dma-mapping: remove get_coherent_dma_mask";
export const SW_ARM_ALLOC_BUS_LIMIT = "ARM/dma-mapping: take the bus limit into account in __dma_alloc";

/**
 * arch/arm/include/asm/dma-mapping.h dma_to_pfn (5.6; 5.6.4 :43–51) and asm/dma-direct.h dma_to_pfn (5.10–5.19;
 * 5.10.7, 5.15.178, 5.19 :19–26). The u64 argument becomes a 32-bit dma_addr_t (no LPAE), then __bus_to_pfn
 * (addr >> PAGE_SHIFT). 5.6 adds dev->dma_pfn_offset (PFN_DOWN(cpu - bus) of the first dma-ranges entry,
 * an unsigned long) in pfn space: the sum wraps at 2^32 pfns, not at 4 GiB of bytes. 5.10+ (e0d072782c73)
 * PFN_DOWN(translate_dma_to_phys(dev, PFN_PHYS(pfn))): the page's bus address through the dma_range_map,
 * (phys_addr_t)-1 (pfn 0xfffff) when no range holds it, the 32-bit phys_addr_t sum wrapping.
 */
function dma_to_pfn(k: Kernel, dev: Device, addr: bigint): number {
  const pfn = Number(BigInt.asUintN(32, addr)) >>> 12;
  const map = dev.dma_range_map;
  if (!map) return pfn;
  if (!k.sw["e0d072782c73"]) {
    const dma_pfn_offset = (((Math.floor(map[0]!.offset / PAGE_SIZE) % 2 ** 32) + 2 ** 32) % 2 ** 32);
    return (pfn + dma_pfn_offset) % 2 ** 32;
  }
  const phys = dma_to_phys(k, dev, pfn * PAGE_SIZE);
  return Math.floor((phys < 0 ? 0xffff_ffff : phys) / PAGE_SIZE) >>> 0;
}

/**
 * arch/arm/mm/dma-mapping.c __dma_supported(dev, mask, warn) (5.6; 5.6.4 :222–240), and its body as
 * arm_dma_supported (5.7–5.19; 5.7.14 :188–197, 5.10.7 and 5.19 :185–194): the mask as a pfn,
 * dma_to_pfn(dev, mask) (dma_addr_t is 32 bits without LPAE), must reach
 * max_dma_pfn = min(max_pfn - 1, arm_dma_pfn_limit); with warn (5.6's get_coherent_dma_mask only), a
 * refusal prints its own dev_warn. 5.7 drops the warning and the flag (ARM/dma-mapping: remove
 * get_coherent_dma_mask).
 */
function __dma_supported(k: Kernel, dev: Device, mask: bigint, warn: boolean): boolean {
  const max_dma_pfn = Math.min(k.mem.max_pfn - 1, arm_dma_pfn_limit(k));
  if (dma_to_pfn(k, dev, mask) < max_dma_pfn) {
    const lx = (v: number) => (v === 0 ? "0" : "0x" + v.toString(16)); // %#lx
    if (warn) k.dev_printk("warn", dev, `Coherent DMA mask ${mask === 0n ? "0" : "0x" + mask.toString(16)} (pfn ${lx(dma_to_pfn(k, dev, 0n))}-${lx((dma_to_pfn(k, dev, mask) + 1) >>> 0)}) covers a smaller range of system memory than the DMA zone pfn 0x0-${lx(max_dma_pfn + 1)}`);
    return false;
  }
  return true;
}

/**
 * arch/arm/mm/init.c arm_dma_pfn_limit (5.6–5.19; 5.6.4 init.c:109–119 setup_dma_zone, mm.h:85–91): arm_dma_limit >> PAGE_SHIFT,
 * arm_dma_limit being PHYS_OFFSET + the machine's dma_zone_size - 1, or 0xffffffff without one; without
 * CONFIG_ZONE_DMA ~0ul >> PAGE_SHIFT. The last two are both 0xfffff.
 */
function arm_dma_pfn_limit(k: Kernel): number {
  const zone = k.platform.arm_dma_zone_size;
  return zone ? Math.floor((k.arch.L.PHYS_OFFSET + zone - 1) / PAGE_SIZE) : 0xfffff;
}

/**
 * arch/arm/mm/dma-mapping.c get_coherent_dma_mask (5.6 only; 5.6.4 :242–263): dev->coherent_dma_mask,
 * or 0 after a dev_warn when it is unset ("coherent DMA mask is unset") or __dma_supported refuses it.
 */
function get_coherent_dma_mask(k: Kernel, dev: Device): bigint {
  const mask = dev.coherent_dma_mask;
  if (mask === 0n) {
    k.dev_printk("warn", dev, "coherent DMA mask is unset");
    k.tr?.decide("get_coherent_dma_mask: mask == 0", true, "coherent_dma_mask is unset: __dma_alloc gets mask 0");
    return 0n;
  }
  if (!__dma_supported(k, dev, mask, true)) {
    k.tr?.decide("get_coherent_dma_mask: !__dma_supported(dev, mask, true)", true, "the mask covers less memory than the DMA zone: __dma_alloc gets mask 0");
    return 0n;
  }
  return mask;
}

/**
 * arch/arm/mm/dma-mapping.c __dma_alloc (5.6–5.19, called by arm_dma_alloc): pick cma / simple / remap / pool, record the buffer.
 * The mask: 5.6 get_coherent_dma_mask(dev) (0 → NULL after the debug check, 5.6.4 :691, :713–714);
 * 5.7–5.19 dev->coherent_dma_mask, then min_not_zero with dev->bus_dma_limit (5.7.14 and 5.10.7 :665–666).
 */
export function __dma_alloc(k: Kernel, dev: Device, size: number, gfp: number, prot: Prot, is_coherent: boolean, attrs: number, caller: string): { cpu_addr: number; dma_handle: number } | null {
  k.tr?.enter(S___dma_alloc, { size: hex(size), gfp: gfpName(gfp), is_coherent: String(is_coherent) });
  const mask = !k.sw[SW_NO_GET_COHERENT_DMA_MASK] ? get_coherent_dma_mask(k, dev) : k.sw[SW_ARM_ALLOC_BUS_LIMIT] ? min_not_zero(dev.coherent_dma_mask, dev.bus_dma_limit) : dev.coherent_dma_mask;
  if (arm_dma_alloc_too_big(k, dev, mask, size)) {
    k.tr?.exit("NULL");
    return null;
  }
  if (mask === 0n && !k.sw[SW_NO_GET_COHERENT_DMA_MASK]) {
    // 5.6: if (!mask) return NULL; (get_coherent_dma_mask refused the mask; 5.7 drops the test)
    k.tr?.exit("NULL");
    return null;
  }
  if (maskLimit(mask) < 0xffff_ffff) gfp |= __GFP_DMA;
  gfp &= ~__GFP_COMP; // "work-around (a.k.a. hack)": split_page cannot handle compound pages
  size = PAGE_ALIGN(size);
  const allowblock = gfpflags_allow_blocking(gfp);
  const cma = allowblock ? dev_get_cma_area(k, dev) : null;
  const want_vaddr = (attrs & DMA_ATTR_NO_KERNEL_MAPPING) === 0;
  let which: Allocator;
  if (cma) which = "cma";
  else if (is_coherent) which = "simple";
  else if (allowblock) which = "remap";
  else which = "pool";
  k.tr?.decide("allocator", true, {
    cma: "gfp may block and a CMA area exists: cma_allocator",
    simple: "device is coherent: simple_allocator",
    remap: `gfp may block, no CMA area${k.cfg.cma === 0 ? " (cma=0)" : ""}, device not coherent: remap_allocator`,
    pool: `${gfpName(gfp)} cannot block: pool_allocator`,
  }[which]);
  let r: { ptr: number; page: number } | null;
  switch (which) {
    case "cma": r = __alloc_from_contiguous(k, dev, size, prot, attrs, caller, gfp, is_coherent ? COHERENT : NORMAL); break;
    case "simple": r = __alloc_simple_buffer(k, size, gfp); break;
    case "remap": r = __alloc_remap_buffer(k, size, gfp, prot, caller, want_vaddr); break;
    case "pool": r = __alloc_from_pool(k, size); break;
  }
  if (!r) {
    k.tr?.exit("NULL");
    return null;
  }
  const dma_handle = phys_to_dma(k, dev, k.page_to_phys(r.page));
  // buf->virt = args.want_vaddr ? addr : page; the same value is returned
  const ret = want_vaddr ? r.ptr : r.page;
  k.arm_dma_bufs.push({ virt: ret, allocator: which });
  k.tr?.exit(`${k.arch.fmtVa(ret)}, *handle = ${hex(dma_handle)}`);
  return { cpu_addr: ret, dma_handle };
}

/** arch/arm/mm/dma-mapping.c __get_dma_pgprot (5.6–6.18; 5.10.7 :567–573, 6.18.35 :438–444):
 * pgprot_writecombine for DMA_ATTR_WRITE_COMBINE, else pgprot_dmacoherent (unlike kernel/dma/mapping.c
 * dma_pgprot, which ignores the attribute on ARMv7: no ARCH_HAS_DMA_WRITE_COMBINE)
 */
export function __get_dma_pgprot(attrs: number): Prot {
  return attrs & DMA_ATTR_WRITE_COMBINE ? "wc" : "nc";
}

/** arch/arm/mm/dma-mapping.c arm_dma_alloc (5.6–5.19): __dma_alloc(dev, size, handle, gfp, __get_dma_pgprot(attrs, PAGE_KERNEL), false, attrs, caller) */
function arm_dma_alloc(k: Kernel, dev: Device, size: number, gfp: number, attrs: number) {
  k.tr?.enter(S_arm_dma_alloc, { size: hex(size) });
  const r = __dma_alloc(k, dev, size, gfp, __get_dma_pgprot(attrs), false, attrs, "arm_dma_alloc");
  k.tr?.exit(r ? k.arch.fmtVa(r.cpu_addr) : "NULL");
  return r;
}

/** arch/arm/mm/dma-mapping.c __free_from_pool (5.6–6.18; 5.10.7 :510–518, 6.18.35 :381–389): nothing unless
 * __in_atomic_pool(start, size) (gen_pool_has_addr: the chunk holding start also holds start + size - 1),
 * then gen_pool_free. A size that runs past the pool frees nothing, silently.
 */
function __free_from_pool(k: Kernel, start: number, size: number): number {
  const pool = k.arm_atomic_pool;
  if (!pool || !pool.has_addr(start, size)) {
    k.tr?.note(`__in_atomic_pool(${k.arch.fmtVa(start)}, ${hex(size)}): false — nothing freed`);
    return 0;
  }
  gen_pool_free(k, pool, start, size);
  return 1;
}

/**
 * arch/arm/mm/dma-mapping.c the allocators' .free callbacks (5.6–6.18, the same bodies on both sides
 * of the 6.0 move to dma-direct): pool_allocator_free, remap_allocator_free,
 * simple_allocator_free, cma_allocator_free — chosen by arm_dma_buffer_find's record.
 */
export function arm_dma_allocator_free(k: Kernel, dev: Device, allocator: Allocator, cpu_addr: number, page: number, size: number, want_vaddr: boolean): void {
  switch (allocator) {
    case "pool":
      __free_from_pool(k, cpu_addr, size);
      break;
    case "remap":
      if (want_vaddr) dma_common_free_remap(k, cpu_addr);
      __dma_free_buffer(k, page, size);
      break;
    case "simple":
      __dma_free_buffer(k, page, size);
      break;
    case "cma": {
      const pfn = k.arch.page_to_pfn(page);
      if (want_vaddr) {
        if (k.memmap.PageHighMem(pfn)) dma_common_free_remap(k, cpu_addr);
        else __dma_remap(k, page, size, "normal");
      }
      // __free_from_contiguous ignores dma_release_from_contiguous's result: pages CMA refuses stay allocated
      if (!dma_release_from_contiguous(k, dev, page, size / PAGE_SIZE)) k.tr?.note("dma_release_from_contiguous: false (the CMA area does not take the range back); __free_from_contiguous ignores it: the pages stay allocated");
      break;
    }
  }
}

/** arch/arm/mm/dma-mapping.c __arm_dma_free (5.6–5.19; 5.10.7 :803–823): page = pfn_to_page(dma_to_pfn(dev,
 * handle)); the allocator is found from the buffer list by cpu_addr (WARN "Freeing invalid buffer %p" when
 * it is not there); without want_vaddr (DMA_ATTR_NO_KERNEL_MAPPING) the remap and CMA allocators undo no mapping.
 */
function __arm_dma_free(k: Kernel, dev: Device, size: number, cpu_addr: number, handle: number, attrs: number) {
  const want_vaddr = (attrs & DMA_ATTR_NO_KERNEL_MAPPING) === 0;
  k.tr?.enter(S___arm_dma_free, { cpu_addr: k.arch.fmtVa(cpu_addr), handle: hex(handle) });
  size = PAGE_ALIGN(size);
  const i = k.arm_dma_bufs.findIndex((b) => b.virt === cpu_addr);
  if (i < 0) {
    k.warn(`Freeing invalid buffer ${default_pointer(k, cpu_addr)}`, "__arm_dma_free", warn_site(k, "__arm_dma_free"));
    k.tr?.exit();
    return;
  }
  const buf = k.arm_dma_bufs.splice(i, 1)[0]!;
  k.tr?.note(`arm_dma_buffer_find(${k.arch.fmtVa(cpu_addr)}): ${buf.allocator}_allocator`);
  const page = k.arch.pfn_to_page(Math.floor(dma_to_phys(k, dev, handle) / PAGE_SIZE));
  arm_dma_allocator_free(k, dev, buf.allocator, cpu_addr, page, size, want_vaddr);
  k.tr?.exit();
}

/** arch/arm/mm/dma-mapping.c arm_dma_free (5.6–5.19; 5.10.7 :825–829): __arm_dma_free(dev, size, cpu_addr, handle, attrs, false) */
function arm_dma_free(k: Kernel, dev: Device, size: number, cpu_addr: number, handle: number, attrs: number) {
  k.tr?.enter(S_arm_dma_free, { cpu_addr: k.arch.fmtVa(cpu_addr), handle: hex(handle) });
  __arm_dma_free(k, dev, size, cpu_addr, handle, attrs);
  k.tr?.exit();
}

/** arch/arm/mm/dma-mapping.c __arm_dma_mmap (5.6–5.19; 5.10.7 :759–780): the pfn from the DMA handle
 * (dma_to_pfn), dma_mmap_from_dev_coherent first, then remap_pfn_range if the vma fits, else -ENXIO
 */
function __arm_dma_mmap(k: Kernel, dev: Device, vma: Vma, cpu_addr: number, dma_addr: number, size: number): number {
  k.tr?.enter(S___arm_dma_mmap, { dma_addr: hex(dma_addr), size: hex(size) });
  const nr_vma_pages = (vma.vm_end - vma.vm_start) / PAGE_SIZE;
  const nr_pages = PAGE_ALIGN(size) / PAGE_SIZE;
  const pfn = Math.floor(dma_to_phys(k, dev, dma_addr) / PAGE_SIZE);
  k.tr?.note(`pfn = dma_to_pfn(dev, ${hex(dma_addr)}) = ${hex(pfn)}: taken from the DMA handle`);
  const off = vma.vm_pgoff;
  const dc = dma_mmap_from_dev_coherent(k, dev, vma, cpu_addr, size);
  if (dc.handled) {
    k.tr?.exit(String(dc.ret));
    return dc.ret;
  }
  if (off < nr_pages && nr_vma_pages <= nr_pages - off) {
    const r = remap_pfn_range(k, vma.vm_start, pfn + off, vma.vm_end - vma.vm_start, vma.vm_page_prot);
    k.tr?.exit(String(r));
    return r;
  }
  k.tr?.exit("-ENXIO");
  return -ENXIO;
}

/** arch/arm/mm/dma-mapping.c arm_dma_mmap (5.6–5.19; 5.10.7 :792–798): vm_page_prot = __get_dma_pgprot(attrs, vm_page_prot), then __arm_dma_mmap */
function arm_dma_mmap(k: Kernel, dev: Device, vma: Vma, cpu_addr: number, dma_addr: number, size: number, attrs: number): number {
  k.tr?.enter(S_mmap, { dma_addr: hex(dma_addr), size: hex(size) });
  vma.vm_page_prot = __get_dma_pgprot(attrs);
  const r = __arm_dma_mmap(k, dev, vma, cpu_addr, dma_addr, size);
  k.tr?.exit(String(r));
  return r;
}

/** arch/arm/mm/dma-mapping.c arm_dma_get_sgtable (5.6–5.19): the page from the DMA handle, -ENXIO if !pfn_valid */
function arm_dma_get_sgtable(k: Kernel, dev: Device, sgt: SgTable, _cpu_addr: number, handle: number, size: number, _attrs: number): number {
  k.tr?.enter(S_sgt, { handle: hex(handle), size: hex(size) });
  const pfn = Math.floor(dma_to_phys(k, dev, handle) / PAGE_SIZE);
  if (!k.pfn_valid(pfn)) {
    k.tr?.exit("-ENXIO");
    return -ENXIO;
  }
  const page = k.arch.pfn_to_page(pfn);
  sgt.sgl = [{ page, offset: 0, length: PAGE_ALIGN(size), dma_address: 0, dma_length: 0 }];
  sgt.nents = sgt.orig_nents = 1;
  k.tr?.exit("0");
  return 0;
}

/** arch/arm/mm/dma-mapping.c arm_dma_map_page (5.6–5.19): __dma_page_cpu_to_dev unless SKIP_CPU_SYNC */
function arm_dma_map_page(k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number, attrs: number): number {
  k.tr?.enter(S_map_page, { page: k.arch.fmtVa(page), offset: hex(offset), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  const phys = k.page_to_phys(page) + offset;
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)) arch_sync_dma_for_device(k, phys, size, dir);
  const dma = phys_to_dma(k, dev, phys);
  k.tr?.exit(hex(dma));
  return dma;
}

/** arch/arm/mm/dma-mapping.c arm_dma_unmap_page (5.6–5.19): __dma_page_dev_to_cpu unless SKIP_CPU_SYNC */
function arm_dma_unmap_page(k: Kernel, dev: Device, handle: number, size: number, dir: number, attrs: number): void {
  k.tr?.enter(S_unmap_page, { handle: hex(handle), size: hex(size) });
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)) arch_sync_dma_for_cpu(k, dma_to_phys(k, dev, handle), size, dir);
  k.tr?.exit();
}

/** arch/arm/mm/dma-mapping.c arm_dma_map_sg (5.6–5.19; 5.10.7 :978–1000): each entry through ops->map_page; on a DMA_MAPPING_ERROR the mapped entries are unmapped and 0 returned (-EIO from 6506932b3268, 5.15: not reachable here, arm_dma_map_page cannot fail without LPAE) */
function arm_dma_map_sg(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number, attrs: number): number {
  k.tr?.enter(S_map_sg, { nents: String(nents), dir: DIR_NAMES[dir] ?? String(dir) });
  // ops = get_dma_ops(dev): arm_dma_ops or arm_coherent_dma_ops (whose map_page does no cache maintenance, and which has no unmap_page)
  const coherent = dev.dma_ops?.name === "arm_coherent_dma_ops";
  for (let i = 0; i < nents; i++) {
    const s = sgl[i]!;
    s.dma_address = coherent ? arm_coherent_dma_map_page(k, dev, s.page, s.offset, s.length, dir, attrs) : arm_dma_map_page(k, dev, s.page, s.offset, s.length, dir, attrs);
    if (s.dma_address === DMA_MAPPING_ERROR) {
      if (!coherent) for (let j = 0; j < i; j++) arm_dma_unmap_page(k, dev, sgl[j]!.dma_address, sgl[j]!.dma_length, dir, attrs);
      k.tr?.exit("0");
      return 0;
    }
    s.dma_length = s.length;
  }
  k.tr?.exit(String(nents));
  return nents;
}

/** arch/arm/mm/dma-mapping.c arm_dma_unmap_sg (5.6–5.19; 5.10.7 :1012–1022): ops->unmap_page of each entry's sg_dma_address / sg_dma_len */
function arm_dma_unmap_sg(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number, attrs: number): void {
  k.tr?.enter(S_unmap_sg, { nents: String(nents), dir: DIR_NAMES[dir] ?? String(dir) });
  for (let i = 0; i < nents; i++) arm_dma_unmap_page(k, dev, sgl[i]!.dma_address, sgl[i]!.dma_length, dir, attrs);
  k.tr?.exit();
}

/** arch/arm/mm/dma-mapping.c arm_dma_sync_single_for_cpu (5.6–5.19; 5.10.7 :163–169): __dma_page_dev_to_cpu(page of handle - offset, offset, size, dir) */
function arm_dma_sync_single_for_cpu(k: Kernel, dev: Device, handle: number, size: number, dir: number): void {
  k.tr?.enter(S_sync_cpu, { handle: hex(handle), size: hex(size) });
  arch_sync_dma_for_cpu(k, dma_to_phys(k, dev, handle), size, dir);
  k.tr?.exit();
}

/** arch/arm/mm/dma-mapping.c arm_dma_sync_single_for_device (5.6–5.19; 5.10.7 :171–177): __dma_page_cpu_to_dev(page of handle - offset, offset, size, dir) */
function arm_dma_sync_single_for_device(k: Kernel, dev: Device, handle: number, size: number, dir: number): void {
  k.tr?.enter(S_sync_dev, { handle: hex(handle), size: hex(size) });
  arch_sync_dma_for_device(k, dma_to_phys(k, dev, handle), size, dir);
  k.tr?.exit();
}

/** arch/arm/mm/dma-mapping.c arm_dma_sync_sg_for_cpu (5.6–5.19; 5.10.7 :1031–1041): ops->sync_single_for_cpu of each entry's sg_dma_address, with s->length */
function arm_dma_sync_sg_for_cpu(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number): void {
  k.tr?.enter(S_sync_sg_cpu, { nents: String(nents), dir: DIR_NAMES[dir] ?? String(dir) });
  for (let i = 0; i < nents; i++) arm_dma_sync_single_for_cpu(k, dev, sgl[i]!.dma_address, sgl[i]!.length, dir);
  k.tr?.exit();
}

/** arch/arm/mm/dma-mapping.c arm_dma_sync_sg_for_device (5.6–5.19; 5.10.7 :1050–1060): ops->sync_single_for_device of each entry's sg_dma_address, with s->length */
function arm_dma_sync_sg_for_device(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number): void {
  k.tr?.enter(S_sync_sg_dev, { nents: String(nents), dir: DIR_NAMES[dir] ?? String(dir) });
  for (let i = 0; i < nents; i++) arm_dma_sync_single_for_device(k, dev, sgl[i]!.dma_address, sgl[i]!.length, dir);
  k.tr?.exit();
}

/** arch/arm/mm/dma-mapping.c arm_dma_supported (5.6–5.19): 5.6 __dma_supported(dev, mask, false), 5.7–5.19 the same body without the flag */
function arm_dma_supported(k: Kernel, dev: Device, mask: bigint): boolean {
  return __dma_supported(k, dev, mask, false);
}

/** arch/arm/mm/dma-mapping.c arm_coherent_dma_map_page (5.6–5.19; 5.10.7 :134–139): pfn_to_dma(dev, page_to_pfn(page)) + offset, no cache maintenance */
function arm_coherent_dma_map_page(k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number, _attrs: number): number {
  k.tr?.enter(S_coh_map_page, { page: k.arch.fmtVa(page), offset: hex(offset), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  const dma = phys_to_dma(k, dev, k.page_to_phys(page) + offset);
  k.tr?.exit(hex(dma));
  return dma;
}

/** arch/arm/mm/dma-mapping.c arm_coherent_dma_alloc (5.6–5.19; 5.10.7 :752–757): __dma_alloc(dev, size, handle, gfp, PAGE_KERNEL, true, attrs, caller): CMA or the simple allocator, cacheable, no flush */
function arm_coherent_dma_alloc(k: Kernel, dev: Device, size: number, gfp: number, attrs: number) {
  k.tr?.enter(S_coh_alloc, { size: hex(size) });
  const r = __dma_alloc(k, dev, size, gfp, "normal", true, attrs, "arm_coherent_dma_alloc");
  k.tr?.exit(r ? k.arch.fmtVa(r.cpu_addr) : "NULL");
  return r;
}

/** arch/arm/mm/dma-mapping.c arm_coherent_dma_free (5.6–5.19; 5.10.7 :831–835): __arm_dma_free(dev, size, cpu_addr, handle, attrs, true) */
function arm_coherent_dma_free(k: Kernel, dev: Device, size: number, cpu_addr: number, handle: number, attrs: number) {
  k.tr?.enter(S_coh_free, { cpu_addr: k.arch.fmtVa(cpu_addr), handle: hex(handle) });
  __arm_dma_free(k, dev, size, cpu_addr, handle, attrs);
  k.tr?.exit();
}

/** arch/arm/mm/dma-mapping.c arm_coherent_dma_mmap (5.6–5.19; 5.10.7 :785–790): __arm_dma_mmap with the vma's own (cacheable) prot */
function arm_coherent_dma_mmap(k: Kernel, dev: Device, vma: Vma, cpu_addr: number, dma_addr: number, size: number, _attrs: number): number {
  k.tr?.enter(S_coh_mmap, { dma_addr: hex(dma_addr), size: hex(size) });
  const r = __arm_dma_mmap(k, dev, vma, cpu_addr, dma_addr, size);
  k.tr?.exit(String(r));
  return r;
}

/**
 * arch/arm/mm/dma-mapping.c arm_coherent_dma_ops (5.6–5.19; 5.10.7 :225–237): what arm_get_dma_map_ops(coherent)
 * gives a dma-coherent device without LPAE. alloc/free/mmap as above, get_sgtable = arm_dma_get_sgtable,
 * map_page = arm_coherent_dma_map_page, map_sg = arm_dma_map_sg; no unmap_page, unmap_sg or sync members
 * (mapping.c skips them), alloc_pages / free_pages = dma-direct's from efa70f2fdc84 as in arm_dma_ops.
 */
export function arm_coherent_dma_ops(): DmaMapOps {
  return {
    name: "arm_coherent_dma_ops",
    file: F,
    alloc: arm_coherent_dma_alloc,
    free: arm_coherent_dma_free,
    alloc_pages: dma_direct_alloc_pages,
    free_pages: dma_direct_free_pages,
    present: (k, member) => (member === "alloc_pages" || member === "free_pages" ? k.sw["efa70f2fdc84"] === true : true),
    mmap: arm_coherent_dma_mmap,
    get_sgtable: arm_dma_get_sgtable,
    map_page: arm_coherent_dma_map_page,
    map_sg: arm_dma_map_sg,
    dma_supported: arm_dma_supported,
  };
}

/**
 * arch/arm/mm/dma-mapping.c arm_dma_ops (5.6–5.19). 5.10–5.19 (efa70f2fdc84, checked in 5.10.7,
 * 5.12.9, 5.14, 5.15.178, 5.19): .alloc_pages = dma_direct_alloc_pages, .free_pages =
 * dma_direct_free_pages (arm_coherent_dma_ops sets the same two); 5.6 has neither member.
 */
export function arm_dma_ops(): DmaMapOps {
  return {
    name: "arm_dma_ops",
    file: F,
    alloc: arm_dma_alloc,
    free: arm_dma_free,
    alloc_pages: dma_direct_alloc_pages,
    free_pages: dma_direct_free_pages,
    present: (k, member) => (member === "alloc_pages" || member === "free_pages" ? k.sw["efa70f2fdc84"] === true : true),
    mmap: arm_dma_mmap,
    get_sgtable: arm_dma_get_sgtable,
    map_page: arm_dma_map_page,
    unmap_page: arm_dma_unmap_page,
    map_sg: arm_dma_map_sg,
    unmap_sg: arm_dma_unmap_sg,
    sync_single_for_cpu: arm_dma_sync_single_for_cpu,
    sync_single_for_device: arm_dma_sync_single_for_device,
    sync_sg_for_cpu: arm_dma_sync_sg_for_cpu,
    sync_sg_for_device: arm_dma_sync_sg_for_device,
    dma_supported: arm_dma_supported,
  };
}

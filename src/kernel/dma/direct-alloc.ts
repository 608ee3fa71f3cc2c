/**
 * kernel/dma/direct.c (and its direct.h / include/linux/dma-direct.h inlines), the allocation side:
 * dma_direct_alloc / dma_direct_free per era, __dma_direct_alloc_pages and its zone choice, the
 * remap / atomic-pool / coherent-pool / arch_dma_alloc choices, dma_direct_alloc_pages /
 * dma_direct_free_pages, dma_direct_mmap and dma_direct_get_sgtable. kernel/dma/direct.c is one
 * file in the kernel; dmasim splits it by concern: the address translation and the streaming side
 * (map/unmap/sync/map_sg, dma_capable, the masks) are in direct.ts.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import type { SgTable, Vma } from "./ops.js";
import { ENXIO } from "./ops.js";
import { sym } from "../../core/trace.js";
import { DMA_BIT_MASK, DMA_MAPPING_ERROR, EXACT, PAGE_ALIGN, PAGE_SIZE, get_order, hex, maskLimit, min_not_zero, ule } from "../../core/u64.js";
import {
  DMA_ATTR_NO_KERNEL_MAPPING, DMA_ATTR_NO_WARN, __GFP_DMA, __GFP_DMA32, __GFP_NOWARN, __GFP_ZERO, attrsName, gfpName, gfpflags_allow_blocking,
} from "../../include/gfp.js";
import { __free_pages, alloc_pages, is_vmalloc_addr, remap_pfn_range, vunmap } from "../../mm/mm.js";
import { dma_alloc_contiguous, dma_free_contiguous } from "./contiguous.js";
import { dma_mmap_from_dev_coherent } from "./coherent.js";
import { dma_common_contiguous_remap, dma_alloc_from_pool_remap, dma_free_from_pool_remap } from "./remap.js";
import { dma_alloc_from_pool, dma_free_from_pool } from "./pool.js";
import { arch_dma_prep_coherent, dev_is_dma_coherent, dma_pgprot } from "./arch-hooks.js";
import { is_swiotlb_for_alloc, swiotlb_alloc, swiotlb_free } from "./swiotlb/index.js";
import { dma_to_phys, phys_to_dma, phys_to_dma_direct, zone_dma_limit } from "./direct.js";
import { arch_dma_alloc, arch_dma_free } from "../../arch/arm/dma-mapping-v6.0.js";

const F = "kernel/dma/direct.c";
const S_alloc = sym("dma_direct_alloc", F);
const S_alloc_pages_56 = sym("dma_direct_alloc_pages", F);
const S___alloc_pages = sym("__dma_direct_alloc_pages", F);
const S_free = sym("dma_direct_free", F);
const S_from_pool = sym("dma_direct_alloc_from_pool", F);
const S_no_mapping = sym("dma_direct_alloc_no_mapping", F);
const S_mmap = sym("dma_direct_mmap", F);
const S_sgt = sym("dma_direct_get_sgtable", F);
const S_alloc_pages = sym("dma_direct_alloc_pages", F);
const S_free_pages = sym("dma_direct_free_pages", F);

/** Kconfig of the arch: which generic DMA options it selects. */
export function DMA_DIRECT_REMAP(k: Kernel): boolean {
  return k.arch.name === "arm64";
}
/** Kconfig DMA_REMAP: selected by arm64 (via DMA_DIRECT_REMAP) and ARM with an MMU */
export function DMA_REMAP(k: Kernel): boolean {
  return k.arch.name === "arm64" || k.arch.name === "arm";
}
/**
 * The arch_dma_alloc / arch_dma_free fallback of dma_direct_alloc / dma_direct_free (5.17+): an arch
 * with none of DMA_DIRECT_REMAP, ARCH_HAS_DMA_SET_UNCACHED, DMA_GLOBAL_POOL (from 6.7: one that
 * selects ARCH_HAS_DMA_ALLOC, 2c8ed1b960fb) — of the modelled ones 32-bit ARM, whose devices reach
 * dma-direct from 6.0 (ae626eb97376) — and no restricted pool for allocations.
 */
export function ARCH_DMA_ALLOC_FALLBACK(k: Kernel): boolean {
  return k.arch.name === "arm";
}
/** Kconfig DMA_COHERENT_POOL: selected by DMA_DIRECT_REMAP (arm64); x86 only with AMD_MEM_ENCRYPT, not modelled */
export function DMA_COHERENT_POOL(k: Kernel): boolean {
  return k.arch.name === "arm64";
}

/** kernel/dma/direct.c dma_direct_to_page (5.6–6.18, static inline; direct.c:34 in 5.6.4 and 6.18.35, :33 in 5.10.7–5.19 and 5.15.178): pfn_to_page(PHYS_PFN(dma_to_phys(dev, dma_addr))) */
export function dma_direct_to_page(k: Kernel, dev: Device, dma_addr: number): number {
  return k.arch.pfn_to_page(Math.floor(dma_to_phys(k, dev, dma_addr) / PAGE_SIZE));
}

/**
 * kernel/dma/direct.c dma_coherent_ok (5.6–6.18): phys_to_dma_direct(dev, phys) + size - 1 <=
 * min_not_zero(coherent_dma_mask, bus_dma_limit), an unsigned u64 comparison — 5.6's
 * dma_pfn_offset arithmetic wraps below 0 into huge addresses, which fail; the DMA_MAPPING_ERROR
 * test came with the range map (e0d072782c73, 5.10: not in 5.9.1 direct.c:71–75, in 5.10.7 :68–76).
 * Checked against the extracted function of 5.6.4–6.18.35 (test/addr-vectors.test.ts).
 */
export function dma_coherent_ok(k: Kernel, dev: Device, phys: number, size: number): boolean {
  const dma_addr = phys_to_dma_direct(k, dev, phys);
  if (dma_addr === DMA_MAPPING_ERROR && k.sw["e0d072782c73"]) return false;
  const end = dma_addr + size - 1;
  if (end >= 0) return end <= dev._coherentLimit;
  return dma_end_wrapped_ok(k, dev, end);
}
// an end at or above 2^63 (negative in dmasim's form), or a 5.6 DMA_MAPPING_ERROR that wraps to size - 2: out of line
function dma_end_wrapped_ok(k: Kernel, dev: Device, end: number): boolean {
  const u = BigInt.asUintN(64, BigInt(end));
  return u <= min_not_zero(dev.coherent_dma_mask, dev.bus_dma_limit);
}

/**
 * dma_to_phys(dev, dma_limit) as the u64 dma_direct_optimal_gfp_mask keeps, in dmasim's signed form:
 * -1 is ~0 (untranslatable, or no limit at all); 5.6's dma_pfn_offset arithmetic wraps (the Pi 4
 * emmc2 window maps a 24-bit limit to 0xffffffff40ffffff), which stays below DMA_BIT_MASK(64).
 * A limit in [2^53, 2^64 - 1) is above every modelled address: EXACT (2^53) stands for it.
 */
function dma_limit_to_phys(k: Kernel, dev: Device, dma_limit: bigint): number {
  const lim = maskLimit(dma_limit);
  if (lim !== Infinity) return dma_to_phys(k, dev, lim);
  if (dma_limit === DMA_BIT_MASK(64)) return dma_to_phys(k, dev, -1);
  return dev.dma_range_map && k.sw["e0d072782c73"] ? -1 : EXACT;
}

/**
 * kernel/dma/direct.c dma_direct_optimal_gfp_mask (5.6–6.11 against DMA_BIT_MASK(zone_dma_bits), 6.12 against zone_dma_limit):
 * phys_limit is the kernel's u64 (unsigned comparisons), -1 for ~0 (checked against the
 * extracted function of 5.6.4–6.18.35, test/addr-vectors.test.ts "dma_direct_optimal_gfp_mask")
 */
export function dma_direct_optimal_gfp_mask(k: Kernel, dev: Device): { gfp: number; phys_limit: number } {
  const phys_limit = dma_limit_to_phys(k, dev, min_not_zero(dev.coherent_dma_mask, dev.bus_dma_limit));
  const zl = zone_dma_limit(k);
  if (zl === Infinity || ule(phys_limit, zl)) return { gfp: __GFP_DMA, phys_limit };
  if (ule(phys_limit, 0xffff_ffff)) return { gfp: __GFP_DMA32, phys_limit };
  return { gfp: 0, phys_limit };
}

/**
 * kernel/dma/direct.c __dma_direct_alloc_pages (5.6–5.19): zone flag from the masks, CMA first,
 * then the page allocator with the GFP_DMA32 / GFP_DMA retry loop.
 */
export function __dma_direct_alloc_pages(k: Kernel, dev: Device, size: number, gfp: number, allow_highmem = true): number {
  k.tr?.enter(S___alloc_pages, { size: hex(size), gfp: gfpName(gfp) });
  const { gfp: zoneFlag, phys_limit } = dma_direct_optimal_gfp_mask(k, dev);
  gfp |= zoneFlag;
  k.tr?.decide("dma_direct_optimal_gfp_mask", zoneFlag !== 0, `phys_limit ${phys_limit === -1 ? "none" : hex(phys_limit)} → ${zoneFlag === __GFP_DMA ? "GFP_DMA" : zoneFlag === __GFP_DMA32 ? "GFP_DMA32" : "no zone flag"} (${k.sw["ba0fb44aed47"] ? `zone_dma_limit ${zone_dma_limit(k) === Infinity ? "PHYS_ADDR_MAX" : hex(zone_dma_limit(k))}` : `zone_dma_bits ${k.zone_dma_bits}`})`);
  // restricted DMA pools (5.15+): a for_alloc io_tlb_mem is the only source
  if (is_swiotlb_for_alloc(k, dev)) {
    k.tr?.decide("IS_ENABLED(CONFIG_DMA_RESTRICTED_POOL) && is_swiotlb_for_alloc(dev)", true, "the device has a restricted-dma-pool: allocate its slots (swiotlb_alloc)");
    const tlb = swiotlb_alloc(k, dev, size);
    let pg = tlb === -1 ? 0 : k.arch.pfn_to_page(Math.floor(tlb / PAGE_SIZE));
    if (pg && !dma_coherent_ok(k, dev, tlb, size)) {
      __dma_direct_free_pages(k, dev, pg, size);
      pg = 0;
    }
    k.tr?.exit(pg ? `page ${k.arch.fmtVa(pg)} (pfn ${hex(k.arch.page_to_pfn(pg))}, restricted pool slot)` : "NULL");
    return pg;
  }
  let page = dma_alloc_contiguous(k, dev, size, gfp);
  // 92826e967535 (5.19; 5.15.y has it): dma_direct_alloc_pages passes allow_highmem = false
  if (page && (!dma_coherent_ok(k, dev, k.page_to_phys(page), size) || (!allow_highmem && k.memmap.PageHighMem(k.arch.page_to_pfn(page))))) {
    k.tr?.note(dma_coherent_ok(k, dev, k.page_to_phys(page), size) ? "CMA page is highmem and dma_alloc_pages needs a linear address: freed" : "CMA page is not reachable by the device: freed");
    dma_free_contiguous(k, dev, page, size);
    page = 0;
  }
  while (!page) {
    page = alloc_pages(k, gfp, get_order(size), `dma_direct_alloc for ${dev.name}`);
    if (page && !dma_coherent_ok(k, dev, k.page_to_phys(page), size)) {
      __free_pages(k, page, get_order(size));
      page = 0;
      // phys_limit < DMA_BIT_MASK(64): -1 is ~0
      if (phys_limit !== -1 && !(gfp & (__GFP_DMA32 | __GFP_DMA)) && k.buddy.zones.some((z) => z.name === "DMA32")) {
        gfp |= __GFP_DMA32;
        continue;
      }
      if (!(gfp & __GFP_DMA) && k.buddy.zones.some((z) => z.name === "DMA")) {
        gfp = (gfp & ~__GFP_DMA32) | __GFP_DMA;
        continue;
      }
      break;
    }
    break;
  }
  k.tr?.exit(page ? `page ${k.arch.fmtVa(page)} (pfn ${hex(k.arch.page_to_pfn(page))})` : "NULL");
  return page;
}

/** kernel/dma/direct.c __dma_direct_free_pages (5.15+): a restricted pool's slots go back with swiotlb_free, other pages to dma_free_contiguous */
function __dma_direct_free_pages(k: Kernel, dev: Device, page: number, size: number): void {
  if (swiotlb_free(k, dev, k.page_to_phys(page), size)) return;
  dma_free_contiguous(k, dev, page, size);
}

/** kernel/dma/direct.c dma_direct_alloc_from_pool (5.10–6.1) */
function dma_direct_alloc_from_pool(k: Kernel, dev: Device, size: number, gfp: number): { cpu_addr: number; dma_handle: number } | null {
  k.tr?.enter(S_from_pool, { size: hex(size) });
  const { gfp: zoneFlag } = dma_direct_optimal_gfp_mask(k, dev);
  const r = dma_alloc_from_pool(k, dev, size, gfp | zoneFlag, (phys, sz) => dma_coherent_ok(k, dev, phys, sz));
  if (!r) {
    k.tr?.exit("NULL");
    return null;
  }
  const dma_handle = phys_to_dma_direct(k, dev, k.page_to_phys(r.page));
  k.tr?.exit(k.arch.fmtVa(r.vaddr));
  return { cpu_addr: r.vaddr, dma_handle };
}

/**
 * kernel/dma/direct.c dma_direct_alloc: 5.10–5.14 decision tree (kernel-dma-core.md §2.3), 5.17+
 * (a86d10942db2) its own era below; for
 * 5.6 (pre e860c299ac0d) the dma_direct_alloc_pages order: the remap.c atomic pool is tried before
 * the NO_KERNEL_MAPPING cookie.
 */
export function dma_direct_alloc(k: Kernel, dev: Device, size: number, gfp: number, attrs: number): { cpu_addr: number; dma_handle: number } | null {
  k.tr?.enter(S_alloc, { size: hex(size), gfp: gfpName(gfp), attrs: attrsName(attrs) });
  const r = dma_direct_alloc_body(k, dev, size, gfp, attrs);
  k.tr?.exit(r ? `${k.arch.fmtVa(r.cpu_addr)}, *dma_handle = ${hex(r.dma_handle)}` : "NULL");
  return r;
}

function dma_direct_alloc_body(k: Kernel, dev: Device, size: number, gfp: number, attrs: number): { cpu_addr: number; dma_handle: number } | null {
  if (k.sw["a86d10942db2"]) return dma_direct_alloc_517(k, dev, size, gfp, attrs);
  const t = k.tr;
  size = PAGE_ALIGN(size);
  if (attrs & DMA_ATTR_NO_WARN) gfp |= __GFP_NOWARN;
  const coherent = dev_is_dma_coherent(k, dev);
  const blocking = gfpflags_allow_blocking(gfp);
  const pre58 = !k.sw["e860c299ac0d"];
  t?.decide("dev_is_dma_coherent(dev)", coherent, coherent ? (k.arch.allDmaCoherent ? "the arch has no ARCH_HAS_SYNC_DMA_*: every device is coherent" : "the device has dma-coherent") : "the device has no dma-coherent property: CPU mappings must be uncached");
  if (pre58) {
    t?.enter(S_alloc_pages_56, { size: hex(size) });
    // 5.6: atomic pool first (DMA_DIRECT_REMAP && uncached needed && cannot block)
    if (DMA_DIRECT_REMAP(k) && !coherent && !blocking) {
      t?.decide("DMA_DIRECT_REMAP && dma_alloc_need_uncached && !gfpflags_allow_blocking(gfp)", true, `${gfpName(gfp)} may not sleep, so remapping is impossible: take a pre-remapped chunk of the atomic pool (kernel/dma/remap.c)`);
      const p = dma_alloc_from_pool_remap(k, size);
      t?.exit();
      if (!p) return null;
      return { cpu_addr: p.vaddr, dma_handle: phys_to_dma(k, dev, k.page_to_phys(p.page)) };
    }
    const page = __dma_direct_alloc_pages(k, dev, size, gfp & ~__GFP_ZERO);
    if (!page) {
      t?.exit();
      return null;
    }
    const r = finish_alloc(k, dev, page, size, attrs, coherent, true);
    t?.exit();
    return r;
  }
  // 5.8+: NO_KERNEL_MAPPING first (5.15: not for a restricted pool)
  const for_alloc = is_swiotlb_for_alloc(k, dev);
  if (attrs & DMA_ATTR_NO_KERNEL_MAPPING && !for_alloc) {
    t?.decide("attrs & DMA_ATTR_NO_KERNEL_MAPPING", true, "no kernel mapping wanted: the struct page pointer itself is returned as an opaque cookie");
    const page = __dma_direct_alloc_pages(k, dev, size, gfp & ~__GFP_ZERO);
    if (!page) return null;
    if (!k.memmap.PageHighMem(k.arch.page_to_pfn(page))) arch_dma_prep_coherent(k, page, size);
    return { cpu_addr: page, dma_handle: phys_to_dma_direct(k, dev, k.page_to_phys(page)) };
  }
  if (DMA_COHERENT_POOL(k) && !blocking && DMA_DIRECT_REMAP(k) && !coherent && !for_alloc) {
    t?.decide("DMA_COHERENT_POOL && !gfpflags_allow_blocking(gfp) && DMA_DIRECT_REMAP && !coherent", true, `${gfpName(gfp)} may not sleep and vmap can: use the pre-remapped atomic pool (kernel/dma/pool.c)`);
    return dma_direct_alloc_from_pool(k, dev, size, gfp);
  }
  if (DMA_COHERENT_POOL(k) && !coherent) t?.decide("gfpflags_allow_blocking(gfp)", true, `${gfpName(gfp)} may sleep: allocate pages and remap them`);
  const page = __dma_direct_alloc_pages(k, dev, size, gfp & ~__GFP_ZERO);
  if (!page) return null;
  return finish_alloc(k, dev, page, size, attrs, coherent, false);
}

/** kernel/dma/direct.c dma_direct_use_pool (5.17+): !gfpflags_allow_blocking(gfp) && !is_swiotlb_for_alloc(dev) */
function dma_direct_use_pool(k: Kernel, dev: Device, gfp: number): boolean {
  return !gfpflags_allow_blocking(gfp) && !is_swiotlb_for_alloc(k, dev);
}

/** kernel/dma/direct.c dma_direct_alloc_no_mapping (5.17–6.18): the struct page pointer is the cookie */
function dma_direct_alloc_no_mapping(k: Kernel, dev: Device, size: number, gfp: number): { cpu_addr: number; dma_handle: number } | null {
  k.tr?.enter(S_no_mapping, { size: hex(size) });
  const page = __dma_direct_alloc_pages(k, dev, size, gfp & ~__GFP_ZERO);
  if (!page) {
    k.tr?.exit("NULL");
    return null;
  }
  if (!k.memmap.PageHighMem(k.arch.page_to_pfn(page))) arch_dma_prep_coherent(k, page, size);
  const dma_handle = phys_to_dma_direct(k, dev, k.page_to_phys(page));
  k.tr?.exit(`${k.arch.fmtVa(page)} (the struct page, as an opaque cookie)`);
  return { cpu_addr: page, dma_handle };
}

/**
 * kernel/dma/direct.c dma_direct_alloc, 5.17–5.19 (a86d10942db2; 92826e967535 in 5.19): the
 * conditions in the order and form this era evaluates them. No memory encryption, no
 * DMA_GLOBAL_POOL / ARCH_HAS_DMA_SET_UNCACHED arch is modelled, so force_dma_unencrypted is
 * false; is_swiotlb_for_alloc is true for a device with a restricted-dma-pool (5.15+).
 */
function dma_direct_alloc_517(k: Kernel, dev: Device, size: number, gfp: number, attrs: number): { cpu_addr: number; dma_handle: number } | null {
  const t = k.tr;
  size = PAGE_ALIGN(size);
  if (attrs & DMA_ATTR_NO_WARN) gfp |= __GFP_NOWARN;
  const nkm = (attrs & DMA_ATTR_NO_KERNEL_MAPPING) !== 0 && !is_swiotlb_for_alloc(k, dev);
  t?.decide("(attrs & DMA_ATTR_NO_KERNEL_MAPPING) && !force_dma_unencrypted(dev) && !is_swiotlb_for_alloc(dev)", nkm, nkm ? "no kernel mapping wanted" : "a kernel mapping is wanted");
  if (nkm) return dma_direct_alloc_no_mapping(k, dev, size, gfp);
  const coherent = dev_is_dma_coherent(k, dev);
  t?.decide("!dev_is_dma_coherent(dev)", !coherent, coherent ? (k.arch.allDmaCoherent ? "the arch has no ARCH_HAS_SYNC_DMA_*: every device is coherent" : "the device has dma-coherent") : "the device has no dma-coherent property: CPU mappings must be uncached");
  let remap = false;
  if (!coherent) {
    if (ARCH_DMA_ALLOC_FALLBACK(k)) {
      t?.decide(k.sw["2c8ed1b960fb"] ? "IS_ENABLED(CONFIG_ARCH_HAS_DMA_ALLOC) && !is_swiotlb_for_alloc(dev)" : "!ARCH_HAS_DMA_SET_UNCACHED && !DMA_DIRECT_REMAP && !DMA_GLOBAL_POOL && !is_swiotlb_for_alloc(dev)", true, `${k.arch.name} has its own allocator: fall back to arch_dma_alloc`);
      return arch_dma_alloc(k, dev, size, gfp, attrs);
    }
    remap = DMA_DIRECT_REMAP(k);
    if (!remap) {
      // No modelled arch gets here: x86 devices are all coherent, arm64 remaps, and 32-bit ARM (6.0+) takes its
      // arch_dma_alloc fallback before this point (its era module). 5.17–6.6 would call arch_dma_alloc; 6.7+
      // (63f067e33c99, without ARCH_HAS_DMA_ALLOC) warn once and fail.
      t?.decide("!set_uncached && !remap", true, `${k.arch.name} can neither remap nor mark the linear map uncached`);
      if (k.sw["63f067e33c99"] && k.firstTime("dma_direct_alloc:not-supported")) k.printk("warn", "coherent DMA allocations not supported on this platform.");
      return null;
    }
    t?.decide("remap = IS_ENABLED(CONFIG_DMA_DIRECT_REMAP)", remap, "arm64 selects DMA_DIRECT_REMAP: the CPU gets an uncached vmap alias");
    const pool = dma_direct_use_pool(k, dev, gfp);
    t?.decide("dma_direct_use_pool(dev, gfp)", pool, pool ? `${gfpName(gfp)} may not sleep and vmap can: use the pre-remapped atomic pool (kernel/dma/pool.c)` : `${gfpName(gfp)} may sleep: allocate pages and remap them`);
    if (pool) return dma_direct_alloc_from_pool(k, dev, size, gfp);
  }
  const page = __dma_direct_alloc_pages(k, dev, size, gfp & ~__GFP_ZERO);
  if (!page) return null;
  const highmem = k.memmap.PageHighMem(k.arch.page_to_pfn(page));
  if (highmem) {
    // 92826e967535 (5.19): remap it; 5.17–5.18 print dev_info "Rejecting highmem page from CMA." and fail
    if (!k.sw["92826e967535"]) {
      k.dev_printk("info", dev, "Rejecting highmem page from CMA.");
      dma_free_contiguous(k, dev, page, size);
      return null;
    }
    t?.decide("PageHighMem(page)", true, "a highmem page (from CMA) has no linear address: remap it");
    remap = true;
  }
  const handle = phys_to_dma_direct(k, dev, k.page_to_phys(page));
  const ret = remap ? remapped_alloc(k, dev, page, size, attrs) : linear_alloc(k, page, size);
  return ret ? { cpu_addr: ret, dma_handle: handle } : null;
}

/** The remap / linear tail of dma_direct_alloc (5.10–5.14), and of 5.6 dma_direct_alloc_pages steps 3–7. */
function finish_alloc(k: Kernel, dev: Device, page: number, size: number, attrs: number, coherent: boolean, pre58: boolean): { cpu_addr: number; dma_handle: number } | null {
  const t = k.tr;
  const pfn = k.arch.page_to_pfn(page);
  const highmem = k.memmap.PageHighMem(pfn);
  const handle = () => phys_to_dma_direct(k, dev, k.page_to_phys(page));
  if (pre58 && attrs & DMA_ATTR_NO_KERNEL_MAPPING) {
    t?.decide("attrs & DMA_ATTR_NO_KERNEL_MAPPING", true, "the struct page pointer is returned as an opaque cookie");
    if (!highmem) arch_dma_prep_coherent(k, page, size);
    return { cpu_addr: page, dma_handle: handle() };
  }
  const remap = (DMA_DIRECT_REMAP(k) && !coherent) || (DMA_REMAP(k) && highmem);
  t?.decide("(DMA_DIRECT_REMAP && !dev_is_dma_coherent(dev)) || (DMA_REMAP && PageHighMem(page))", remap,
    remap ? (DMA_DIRECT_REMAP(k) ? "arm64 selects DMA_DIRECT_REMAP and the device is not coherent: give the CPU an uncached vmap alias" : "the page is highmem") : DMA_DIRECT_REMAP(k) ? "the device is coherent: the cacheable linear map is fine" : `${k.arch.name} does not select DMA_DIRECT_REMAP: use the linear map`);
  if (remap) {
    const ret = remapped_alloc(k, dev, page, size, attrs);
    return ret ? { cpu_addr: ret, dma_handle: handle() } : null;
  }
  if (highmem) {
    k.dev_printk("info", dev, "Rejecting highmem page from CMA.");
    dma_free_contiguous(k, dev, page, size);
    return null;
  }
  return { cpu_addr: linear_alloc(k, page, size), dma_handle: handle() };
}

/**
 * kernel/dma/direct.c dma_direct_alloc's remap tail (5.10–6.18): arch_dma_prep_coherent,
 * dma_common_contiguous_remap with dma_pgprot, on failure dma_free_contiguous (0); the vmap alias zeroed.
 */
function remapped_alloc(k: Kernel, dev: Device, page: number, size: number, attrs: number): number {
  arch_dma_prep_coherent(k, page, size);
  const ret = dma_common_contiguous_remap(k, page, size, dma_pgprot(k, dev, "normal", attrs), "dma_direct_alloc");
  if (!ret) {
    dma_free_contiguous(k, dev, page, size);
    return 0;
  }
  k.kmemset(ret, 0, size, "dma_direct_alloc");
  return ret;
}

/** kernel/dma/direct.c dma_direct_alloc's linear tail (5.10–6.18): ret = page_address(page), zeroed */
function linear_alloc(k: Kernel, page: number, size: number): number {
  const ret = k.arch.page_address(k, page);
  k.tr?.note(`page_address(page) = ${k.arch.fmtVa(ret)} (linear map)`);
  k.kmemset(ret, 0, size, "dma_direct_alloc");
  return ret;
}

/** kernel/dma/direct.c dma_direct_free (5.6–6.6; f5ff79fddf0e drops DMA_REMAP from the vunmap test): the page comes from the DMA handle, never from cpu_addr */
export function dma_direct_free(k: Kernel, dev: Device, size: number, cpu_addr: number, dma_addr: number, attrs: number): void {
  k.tr?.enter(S_free, { size: hex(size), cpu_addr: k.arch.fmtVa(cpu_addr), dma_handle: hex(dma_addr) });
  size = PAGE_ALIGN(size);
  const pre58 = !k.sw["e860c299ac0d"];
  if (attrs & DMA_ATTR_NO_KERNEL_MAPPING && !is_swiotlb_for_alloc(k, dev)) {
    k.tr?.decide("attrs & DMA_ATTR_NO_KERNEL_MAPPING", true, "cpu_addr is the page cookie");
    dma_free_contiguous(k, dev, cpu_addr, size);
    k.tr?.exit();
    return;
  }
  if (ARCH_DMA_ALLOC_FALLBACK(k) && !dev_is_dma_coherent(k, dev)) {
    k.tr?.decide(k.sw["2c8ed1b960fb"] ? "IS_ENABLED(CONFIG_ARCH_HAS_DMA_ALLOC) && !dev_is_dma_coherent(dev) && !is_swiotlb_for_alloc(dev)" : "!ARCH_HAS_DMA_SET_UNCACHED && !DMA_DIRECT_REMAP && !DMA_GLOBAL_POOL && !dev_is_dma_coherent(dev) && !is_swiotlb_for_alloc(dev)", true, `${k.arch.name} allocated it: arch_dma_free`);
    arch_dma_free(k, dev, size, cpu_addr, dma_addr, attrs);
    k.tr?.exit();
    return;
  }
  if (pre58 ? DMA_DIRECT_REMAP(k) && dma_free_from_pool_remap(k, cpu_addr, size) : DMA_COHERENT_POOL(k) && dma_free_from_pool(k, dev, cpu_addr, size)) {
    k.tr?.exit();
    return;
  }
  // f5ff79fddf0e (5.18) removed CONFIG_DMA_REMAP: the test is is_vmalloc_addr(cpu_addr) alone
  const noDmaRemap = k.sw["f5ff79fddf0e"];
  const vm = (noDmaRemap || DMA_REMAP(k)) && is_vmalloc_addr(k, cpu_addr);
  k.tr?.decide(noDmaRemap ? "is_vmalloc_addr(cpu_addr)" : "DMA_REMAP && is_vmalloc_addr(cpu_addr)", vm, vm ? "the buffer was remapped: vunmap it" : "linear-map buffer: nothing to unmap");
  if (vm) vunmap(k, cpu_addr);
  __dma_direct_free_pages(k, dev, dma_direct_to_page(k, dev, dma_addr), size);
  k.tr?.exit();
}

/**
 * kernel/dma/direct.c dma_direct_alloc_pages (5.10–6.12): the pages of a non-coherent allocation,
 * cacheable linear map, zeroed. No memory encryption is modelled, so the atomic-pool branch
 * (force_dma_unencrypted) is never taken. Before 92826e967535 a highmem CMA page is refused with
 * dev_info "Rejecting highmem page from CMA."; after it __dma_direct_alloc_pages(allow_highmem=false)
 * frees it and asks the page allocator.
 */
export function dma_direct_alloc_pages(k: Kernel, dev: Device, size: number, _dir: number, gfp: number): { page: number; dma_handle: number } | null {
  k.tr?.enter(S_alloc_pages, { size: hex(size), gfp: gfpName(gfp) });
  const noHighmem = k.sw["92826e967535"] === true;
  const page = __dma_direct_alloc_pages(k, dev, size, gfp, !noHighmem);
  if (!page) {
    k.tr?.exit("NULL");
    return null;
  }
  if (!noHighmem && k.memmap.PageHighMem(k.arch.page_to_pfn(page))) {
    k.dev_printk("info", dev, "Rejecting highmem page from CMA.");
    dma_free_contiguous(k, dev, page, size);
    k.tr?.exit("NULL");
    return null;
  }
  const ret = k.arch.page_address(k, page);
  k.kmemset(ret, 0, size, "dma_direct_alloc_pages");
  const dma_handle = phys_to_dma_direct(k, dev, k.page_to_phys(page));
  k.tr?.exit(`page ${k.arch.fmtVa(page)}, *dma_handle = ${hex(dma_handle)}`);
  return { page, dma_handle };
}

/** kernel/dma/direct.c dma_direct_free_pages (5.10–6.18): back to the atomic pool if it came from there, else dma_free_contiguous */
export function dma_direct_free_pages(k: Kernel, dev: Device, size: number, page: number, dma_addr: number, _dir: number): void {
  k.tr?.enter(S_free_pages, { page: k.arch.fmtVa(page), dma_addr: hex(dma_addr), size: hex(size) });
  const vaddr = k.arch.page_address(k, page);
  if (DMA_COHERENT_POOL(k) && dma_free_from_pool(k, dev, vaddr, size)) {
    k.tr?.exit();
    return;
  }
  __dma_direct_free_pages(k, dev, page, size);
  k.tr?.exit();
}

/** kernel/dma/direct.c dma_direct_get_sgtable (5.x–6.18): the page from the DMA handle */
export function dma_direct_get_sgtable(k: Kernel, dev: Device, sgt: SgTable, _cpu_addr: number, dma_addr: number, size: number, _attrs: number): number {
  k.tr?.enter(S_sgt, { dma_addr: hex(dma_addr), size: hex(size) });
  const page = dma_direct_to_page(k, dev, dma_addr);
  k.tr?.note(`dma_direct_to_page(${hex(dma_addr)}) = ${k.arch.fmtVa(page)} (pfn ${hex(k.arch.page_to_pfn(page))}): taken from the DMA handle`);
  sgt.sgl = [{ page, offset: 0, length: PAGE_ALIGN(size), dma_address: 0, dma_length: 0 }];
  sgt.nents = sgt.orig_nents = 1;
  k.tr?.exit("0");
  return 0;
}

/** kernel/dma/direct.c dma_direct_mmap (5.x–6.18): pfn = PHYS_PFN(dma_to_phys(handle)), range check, remap_pfn_range */
export function dma_direct_mmap(k: Kernel, dev: Device, vma: Vma, _cpu_addr: number, dma_addr: number, size: number, attrs: number): number {
  k.tr?.enter(S_mmap, { dma_addr: hex(dma_addr), size: hex(size) });
  const user_count = (vma.vm_end - vma.vm_start) / PAGE_SIZE;
  const count = PAGE_ALIGN(size) / PAGE_SIZE;
  const pfn = Math.floor(dma_to_phys(k, dev, dma_addr) / PAGE_SIZE);
  vma.vm_page_prot = dma_pgprot(k, dev, "normal", attrs);
  k.tr?.note(`pfn = PHYS_PFN(dma_to_phys(dev, ${hex(dma_addr)})) = ${hex(pfn)}: taken from the DMA handle; vm_page_prot = ${vma.vm_page_prot}`);
  const dc = dma_mmap_from_dev_coherent(k, dev, vma, _cpu_addr, size);
  if (dc.handled) {
    k.tr?.exit(String(dc.ret));
    return dc.ret;
  }
  if (vma.vm_pgoff >= count || user_count > count - vma.vm_pgoff) {
    k.tr?.exit("-ENXIO");
    return -ENXIO;
  }
  const r = remap_pfn_range(k, vma.vm_start, pfn + vma.vm_pgoff, vma.vm_end - vma.vm_start, vma.vm_page_prot);
  k.tr?.exit(String(r));
  return r;
}

/**
 * kernel/dma/direct.c, direct.h and include/linux/dma-direct.h: dma-direct, the no-IOMMU path.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import type { Scatterlist, SgTable, Vma } from "./ops.js";
import { ENXIO } from "./ops.js";
import { sym, type Sym } from "../../core/trace.js";
import { warn_site } from "../warn-sites.js";
import { DMA_BIT_MASK, DMA_MAPPING_ERROR, EXACT, PAGE_ALIGN, PAGE_SIZE, get_order, hex, maskLimit, min_not_zero, ule } from "../../core/u64.js";
import {
  DIR_NAMES, DMA_TO_DEVICE, DMA_ATTR_NO_KERNEL_MAPPING, DMA_ATTR_NO_WARN, DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE,
  __GFP_DMA, __GFP_DMA32, __GFP_NOWARN, __GFP_ZERO, attrsName, gfpName, gfpflags_allow_blocking,
} from "../../include/gfp.js";
import { __free_pages, alloc_pages, is_vmalloc_addr, remap_pfn_range, vunmap } from "../../mm/mm.js";
import { ARCH_DMA_MINALIGN, DMA_BOUNCE_UNALIGNED_KMALLOC, dma_get_cache_alignment, kmalloc_size_roundup } from "../../mm/slab_common.js";
import { dma_alloc_contiguous, dma_free_contiguous } from "./contiguous.js";
import { dma_mmap_from_dev_coherent } from "./coherent.js";
import { dma_common_contiguous_remap, dma_alloc_from_pool_remap, dma_free_from_pool_remap } from "./remap.js";
import { dma_alloc_from_pool, dma_free_from_pool } from "./pool.js";
import { arch_dma_prep_coherent, arch_sync_dma_for_cpu, arch_sync_dma_for_device, dev_is_dma_coherent, dma_pgprot } from "./arch-hooks.js";
import {
  is_swiotlb_active, is_swiotlb_buffer, swiotlb_max_mapping_size, swiotlb_sync_single_for_cpu, swiotlb_sync_single_for_device,
  swiotlb_tbl_map_single, swiotlb_tbl_unmap_single, is_swiotlb_for_alloc, is_swiotlb_force_bounce, swiotlb_alloc, swiotlb_free,
} from "./swiotlb/index.js";
import * as d618 from "./direct-v6.18.js";
import { dma_addressing_limited_ool } from "./direct-ram.js";
import { trace_swiotlb_bounced } from "../../include/trace/events/swiotlb.js";
import { arch_dma_alloc, arch_dma_free } from "../../arch/arm/dma-mapping-v6.0.js";

const F = "kernel/dma/direct.c";
const EIO = 5;
const S_alloc = sym("dma_direct_alloc", F);
const S_alloc_pages_56 = sym("dma_direct_alloc_pages", F);
const S___alloc_pages = sym("__dma_direct_alloc_pages", F);
const S_free = sym("dma_direct_free", F);
const S_from_pool = sym("dma_direct_alloc_from_pool", F);
const S_no_mapping = sym("dma_direct_alloc_no_mapping", F);
const S_mmap = sym("dma_direct_mmap", F);
const S_sgt = sym("dma_direct_get_sgtable", F);
const S_map_page = sym("dma_direct_map_page", "kernel/dma/direct.h");
const S_map_page_56 = sym("dma_direct_map_page", F);
const S_unmap_page = sym("dma_direct_unmap_page", "kernel/dma/direct.h");
const S_unmap_page_56 = sym("dma_direct_unmap_page", F);
const S_map_sg = sym("dma_direct_map_sg", F);
const S_unmap_sg = sym("dma_direct_unmap_sg", F);
const S_sync_dev = sym("dma_direct_sync_single_for_device", "kernel/dma/direct.h");
const S_sync_cpu = sym("dma_direct_sync_single_for_cpu", "kernel/dma/direct.h");
const S_sync_dev_56 = sym("dma_direct_sync_single_for_device", F);
const S_sync_cpu_56 = sym("dma_direct_sync_single_for_cpu", F);
const S_swiotlb_map = sym("swiotlb_map", "kernel/dma/swiotlb.c");
const S_sync_sg_dev = sym("dma_direct_sync_sg_for_device", F);
const S_sync_sg_cpu = sym("dma_direct_sync_sg_for_cpu", F);

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

// ---- address translation ----

/**
 * include/linux/dma-direct.h phys_to_dma. 5.10–5.19 (e0d072782c73): translate_phys_to_dma walks
 * dev->dma_range_map, a miss is DMA_MAPPING_ERROR. 5.6: __phys_to_dma subtracts the one
 * dma_pfn_offset of_dma_configure took from the first dma-ranges entry, for every address.
 */
export function phys_to_dma(k: Kernel, dev: Device, paddr: number): number {
  const map = dev.dma_range_map;
  return map ? phys_to_dma_ranges(k, map, paddr) : paddr;
}

// phys_to_dma through dev->dma_range_map (5.10+) or the dma_pfn_offset (5.6), out of line: the no-map case stays small enough for V8 to inline
function phys_to_dma_ranges(k: Kernel, map: NonNullable<Device["dma_range_map"]>, paddr: number): number {
  if (!k.sw["e0d072782c73"]) return dma_addr_t(k, paddr - dma_pfn_offset_bytes(map));
  for (let i = 0; i < map.length; i++) {
    const r = map[i]!;
    if (paddr >= r.cpu_start && paddr - r.cpu_start < r.size) return dma_addr_t(k, paddr - r.offset);
  }
  return DMA_MAPPING_ERROR;
}

/** The value as the arch's dma_addr_t holds it: 32 bits on ARM32 without LPAE (arithmetic wraps), else as is */
function dma_addr_t(k: Kernel, v: number): number {
  return k.arch.name === "arm" ? v >>> 0 : v;
}

/**
 * include/linux/dma-direct.h dma_to_phys. 5.10–5.19: translate_dma_to_phys, a miss is
 * (phys_addr_t)-1. 5.6: __dma_to_phys adds the dma_pfn_offset back, for every address.
 */
export function dma_to_phys(k: Kernel, dev: Device, dma: number): number {
  const map = dev.dma_range_map;
  return map ? dma_to_phys_ranges(k, map, dma) : dma;
}

// dma_to_phys through dev->dma_range_map (5.10+) or the dma_pfn_offset (5.6), out of line: the no-map case stays small enough for V8 to inline
function dma_to_phys_ranges(k: Kernel, map: NonNullable<Device["dma_range_map"]>, dma: number): number {
  if (!k.sw["e0d072782c73"]) return dma_addr_t(k, dma + dma_pfn_offset_bytes(map));
  for (let i = 0; i < map.length; i++) {
    const r = map[i]!;
    if (dma >= r.dma_start && dma - r.dma_start < r.size) return dma_addr_t(k, dma + r.offset);
  }
  return -1;
}

/** drivers/of/device.c of_dma_configure (5.6): dma_pfn_offset = PFN_DOWN(paddr - dma_addr) of the first dma-ranges entry, in bytes */
function dma_pfn_offset_bytes(map: readonly { offset: number }[]): number {
  return Math.floor(map[0]!.offset / PAGE_SIZE) * PAGE_SIZE;
}

/** kernel/dma/direct.c phys_to_dma_direct (no memory encryption modelled) */
export function phys_to_dma_direct(k: Kernel, dev: Device, phys: number): number {
  return phys_to_dma(k, dev, phys);
}

/** kernel/dma/direct.c dma_direct_to_page (5.6–6.18, static inline; direct.c:34 in 5.6.4 and 6.18.35, :33 in 5.10.7–5.19 and 5.15.178): pfn_to_page(PHYS_PFN(dma_to_phys(dev, dma_addr))) */
export function dma_direct_to_page(k: Kernel, dev: Device, dma_addr: number): number {
  return k.arch.pfn_to_page(Math.floor(dma_to_phys(k, dev, dma_addr) / PAGE_SIZE));
}

/**
 * include/linux/dma-direct.h dma_capable: end <= min_not_zero(*dma_mask, bus_dma_limit). 5.6
 * first fails a device without a dma_mask pointer; 5.10–5.19 (e0d072782c73) first fail
 * DMA_MAPPING_ERROR, the untranslatable address. The !ARCH_DMA_ADDR_T_64BIT min_low_pfn test is
 * for 32-bit dma_addr_t only: ARM32 without LPAE, where min_low_pfn is the first RAM pfn.
 */
export function dma_capable(k: Kernel, dev: Device, addr: number, size: number, is_ram: boolean): boolean {
  if (k.arch.name === "arm") return dma_capable_arm32(k, dev, addr, size, is_ram);
  // 5.10+ (e0d072782c73): DMA_MAPPING_ERROR fails; 5.6: a device without a dma_mask pointer fails
  return (k.sw["e0d072782c73"] ? addr !== DMA_MAPPING_ERROR : dev.dma_mask !== null) && addr + size - 1 <= dev._dmaLimit && addr >= 0;
}

/** dma_capable with ARM32's 32-bit dma_addr_t (no LPAE): the wrap, ~0 as the error, the min_low_pfn test; out of line (the 64-bit one stays small enough for V8 to inline) */
function dma_capable_arm32(k: Kernel, dev: Device, addr: number, size: number, is_ram: boolean): boolean {
  if (addr === DMA_MAPPING_ERROR) addr = 0xffff_ffff; // (dma_addr_t)~0 is 32 bits wide there
  const end = dma_addr_t(k, addr + size - 1);
  if (k.sw["e0d072782c73"]) {
    if (addr === 0xffff_ffff) return false;
  } else if (dev.dma_mask === null) return false;
  if (is_ram && Math.min(addr, end) < phys_to_dma(k, dev, k.mem.min_pfn * PAGE_SIZE)) return false;
  return end <= dev._dmaLimit && addr >= 0;
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

/** ZONE_DMA's limit as dma-direct compares it: zone_dma_limit (6.12, ba0fb44aed47) or DMA_BIT_MASK(zone_dma_bits) (5.6–6.11) */
export function zone_dma_limit(k: Kernel): number {
  return k.sw["ba0fb44aed47"] ? k.zone_dma_limit : maskLimit(DMA_BIT_MASK(k.zone_dma_bits));
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
  if (remap) {
    arch_dma_prep_coherent(k, page, size);
    const ret = dma_common_contiguous_remap(k, page, size, dma_pgprot(k, dev, "normal", attrs), "dma_direct_alloc");
    if (!ret) {
      dma_free_contiguous(k, dev, page, size);
      return null;
    }
    k.kmemset(ret, 0, size, "dma_direct_alloc");
    return { cpu_addr: ret, dma_handle: handle };
  }
  const ret = k.arch.page_address(k, page);
  t?.note(`page_address(page) = ${k.arch.fmtVa(ret)} (linear map)`);
  k.kmemset(ret, 0, size, "dma_direct_alloc");
  return { cpu_addr: ret, dma_handle: handle };
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
    arch_dma_prep_coherent(k, page, size);
    const ret = dma_common_contiguous_remap(k, page, size, dma_pgprot(k, dev, "normal", attrs), "dma_direct_alloc");
    if (!ret) {
      dma_free_contiguous(k, dev, page, size);
      return null;
    }
    k.kmemset(ret, 0, size, "dma_direct_alloc");
    return { cpu_addr: ret, dma_handle: handle() };
  }
  if (highmem) {
    k.dev_printk("info", dev, "Rejecting highmem page from CMA.");
    dma_free_contiguous(k, dev, page, size);
    return null;
  }
  const ret = k.arch.page_address(k, page);
  t?.note(`page_address(page) = ${k.arch.fmtVa(ret)} (linear map)`);
  k.kmemset(ret, 0, size, "dma_direct_alloc");
  return { cpu_addr: ret, dma_handle: handle() };
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

const S_alloc_pages = sym("dma_direct_alloc_pages", F);
const S_free_pages = sym("dma_direct_free_pages", F);
const S_map_resource = sym("dma_direct_map_resource", F);

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

/**
 * kernel/dma/direct.c dma_direct_map_resource (5.10–6.12): the physical address is the bus address
 * (no dma-ranges translation); outside the device's reach dev_err_once "DMA addr %pad+%zu overflow
 * (mask %llx, bus limit %llx)." then WARN_ON_ONCE(1), DMA_MAPPING_ERROR. No cache maintenance, no swiotlb.
 */
export function dma_direct_map_resource(k: Kernel, dev: Device, paddr: number, size: number, dir: number, _attrs: number): number {
  k.tr?.enter(S_map_resource, { paddr: hex(paddr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  const dma_addr = paddr;
  const ok = dma_capable(k, dev, dma_addr, size, false);
  k.tr?.decide("dma_capable(dev, dma_addr, size, false)", ok, ok ? `${hex(dma_addr)}+${hex(size)} is within the device's reach (MMIO: the physical address is the bus address)` : `${hex(dma_addr)}+${hex(size)} is beyond min(dma_mask ${hex(dev._dmaLimit)}, bus_dma_limit)`);
  if (!ok) {
    if (k.firstTime("dma_direct_map_resource:dev_err_once")) {
      k.dev_printk("err", dev, `DMA addr ${fmtPad(k, dma_addr)}+${size} overflow (mask ${fmtMask(dev.dma_mask)}, bus limit ${fmtMask(dev.bus_dma_limit)}).`);
    }
    k.warnOnce("dma_direct_map_resource", "WARNING: dma_direct_map_resource: WARN_ON_ONCE(1)", "dma_direct_map_resource");
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }
  k.tr?.exit(hex(dma_addr));
  return dma_addr;
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

// ---- streaming ----

/**
 * kernel/dma/swiotlb.c swiotlb_map (5.13–6.18; 6.10+ drops alloc_size, 327e2c97c46a: same slots).
 * A traced run takes swiotlb_map_traced (the same steps with the trace); this body stays small
 * enough for V8 to inline whole into dma_direct_map_page.
 */
export function swiotlb_map(k: Kernel, dev: Device, paddr: number, size: number, dir: number, attrs: number): number {
  if (k.tr) return swiotlb_map_traced(k, dev, paddr, size, dir, attrs);
  const swiotlb_addr = k.swiotlb_era.map_single(k, dev, paddr, size, size, 0, dir, attrs);
  if (swiotlb_addr === DMA_MAPPING_ERROR) return DMA_MAPPING_ERROR;
  const dma_addr = phys_to_dma(k, dev, swiotlb_addr);
  if (!dma_capable(k, dev, dma_addr, size, true)) return swiotlb_map_overflow(k, dev, swiotlb_addr, dma_addr, size, dir, attrs);
  if (!dev_is_dma_coherent(k, dev) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) arch_sync_dma_for_device(k, swiotlb_addr, size, dir);
  return dma_addr;
}

/** swiotlb_map with its trace (entry, swiotlb:swiotlb_bounced, exit): the same steps as swiotlb_map's body */
function swiotlb_map_traced(k: Kernel, dev: Device, paddr: number, size: number, dir: number, attrs: number): number {
  swiotlb_map_enter(k, dev, paddr, size, dir);
  const swiotlb_addr = swiotlb_tbl_map_single(k, dev, paddr, size, size, dir, attrs);
  if (swiotlb_addr === DMA_MAPPING_ERROR) {
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }
  const dma_addr = phys_to_dma(k, dev, swiotlb_addr);
  if (!dma_capable(k, dev, dma_addr, size, true)) return swiotlb_map_overflow(k, dev, swiotlb_addr, dma_addr, size, dir, attrs);
  if (!dev_is_dma_coherent(k, dev) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) arch_sync_dma_for_device(k, swiotlb_addr, size, dir);
  k.tr?.exit(hex(dma_addr));
  return dma_addr;
}

// swiotlb_map's trace entry and its overflow exit, out of line (the function stays small enough for V8 to inline)
function swiotlb_map_enter(k: Kernel, dev: Device, paddr: number, size: number, dir: number): void {
  k.tr?.enter(S_swiotlb_map, { paddr: hex(paddr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  // swiotlb_map's first statement in 5.6–6.18: trace_swiotlb_bounced(dev, phys_to_dma(dev, paddr), size[, swiotlb_force])
  trace_swiotlb_bounced(k, dev, phys_to_dma(k, dev, paddr), size);
}
/** swiotlb_map when the bounce buffer is out of the device's reach: unmap it (SKIP_CPU_SYNC), the overflow dev_WARN_ONCE, DMA_MAPPING_ERROR */
function swiotlb_map_overflow(k: Kernel, dev: Device, swiotlb_addr: number, dma_addr: number, size: number, dir: number, attrs: number): number {
  swiotlb_tbl_unmap_single(k, dev, swiotlb_addr, size, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
  if (dev.dma_mask === null) k.oops(0, "swiotlb_map"); // before f959dcd6ddfd: the dev_WARN_ONCE's *dev->dma_mask
  k.warnOnce(`swiotlb-overflow-${dev.name}`, `${dev.driver} ${dev.name}: swiotlb addr ${fmtPad(k, dma_addr)}+${size} overflow (mask ${fmtMask(dev.dma_mask)}, bus limit ${fmtMask(dev.bus_dma_limit)}).`, "swiotlb_map", warn_site(k, "swiotlb_map"));
  k.tr?.exit("DMA_MAPPING_ERROR");
  return DMA_MAPPING_ERROR;
}

/** Mask printed as the kernel does (%llx of a u64). */
function fmtMask(m: bigint | null): string {
  return (m ?? 0n).toString(16);
}

/**
 * lib/vsprintf.c %pad: special_hex_number(dma_addr_t, sizeof(dma_addr_t)): "0x" and 2 digits per
 * byte of dma_addr_t, zero-padded: 16 digits on arm64 and x86_64, 8 on ARM32 without LPAE.
 */
export function fmtPad(k: Kernel, a: number): string {
  const digits = k.arch.name === "arm" ? 8 : 16;
  const v = BigInt.asUintN(digits * 4, BigInt(a));
  return "0x" + v.toString(16).padStart(digits, "0");
}

/** include/linux/dma-map-ops.h dma_kmalloc_safe (6.5+): no DMA_BOUNCE_UNALIGNED_KMALLOC, a coherent device or DMA_TO_DEVICE */
export function dma_kmalloc_safe(k: Kernel, dev: Device, dir: number): boolean {
  if (!DMA_BOUNCE_UNALIGNED_KMALLOC(k)) return true;
  return dev_is_dma_coherent(k, dev) || dir === DMA_TO_DEVICE;
}

/** include/linux/dma-map-ops.h dma_kmalloc_size_aligned (6.5+): size >= 2 * ARCH_DMA_MINALIGN or kmalloc_size_roundup(size) a multiple of dma_get_cache_alignment() */
export function dma_kmalloc_size_aligned(k: Kernel, size: number): boolean {
  return size >= 2 * ARCH_DMA_MINALIGN(k) || kmalloc_size_roundup(k, size) % dma_get_cache_alignment(k) === 0;
}

/** include/linux/dma-map-ops.h dma_kmalloc_needs_bounce (6.5+, 370645f41e6e) */
export function dma_kmalloc_needs_bounce(k: Kernel, dev: Device, size: number, dir: number): boolean {
  return !dma_kmalloc_safe(k, dev, dir) && !dma_kmalloc_size_aligned(k, size);
}

/**
 * dma_direct_map_page: kernel/dma/direct.c in 5.6, kernel/dma/direct.h (inline) in 5.10–5.19 (19c65c3d30bb).
 * swiotlb=force bounces everything; an address the device cannot reach goes to swiotlb_map when
 * swiotlb_force != SWIOTLB_NO_FORCE (5.6–5.18, even with no pool: x86_64 with RAM below 4 GiB sets
 * none up) or when is_swiotlb_active(dev) (5.19, 07410559f383); otherwise the dev_WARN_ONCE
 * "DMA addr %pad+%zu overflow" and DMA_MAPPING_ERROR. 6.5+ (370645f41e6e): a reachable buffer
 * also takes that branch when dma_kmalloc_needs_bounce(dev, size, dir). Then cache maintenance
 * for non-coherent devices.
 */
export function dma_direct_map_page(k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number, attrs: number, inlinedInto?: string): number {
  const phys = k.page_to_phys(page) + offset;
  const dma_addr = phys_to_dma(k, dev, phys);
  // 5.15+: the device's pool decides (swiotlb=force, or a restricted-dma-pool); before: the global swiotlb_force
  const force = k.swiotlb_era.is_swiotlb_force_bounce(k, dev);
  if (force && !k.tr) return swiotlb_map(k, dev, phys, size, dir, attrs);
  // a traced run, and a buffer out of the device's reach (370645f41e6e, 6.5: or an unaligned kmalloc-sized one of a
  // non-coherent device): dma_direct_map_page_slow, every step with its trace (this body stays small enough for V8 to inline)
  if (k.tr || !dma_capable(k, dev, dma_addr, size, true) || (k.sw["370645f41e6e"] && dma_kmalloc_needs_bounce(k, dev, size, dir))) return dma_direct_map_page_slow(k, dev, page, offset, size, dir, attrs, inlinedInto);
  if (!dev_is_dma_coherent(k, dev) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) arch_sync_dma_for_device(k, phys, size, dir);
  return dma_addr;
}

/** dma_direct_map_page's every step with its trace (entry, the decisions, exit) and the out-of-reach branch */
function dma_direct_map_page_slow(k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number, attrs: number, inlinedInto?: string): number {
  const t = k.tr;
  if (t) direct_map_page_enter(k, page, offset, size, dir);
  const phys = k.page_to_phys(page) + offset;
  const dma_addr = phys_to_dma(k, dev, phys);
  // 5.15+: the device's pool decides (swiotlb=force, or a restricted-dma-pool); before: the global swiotlb_force
  const force = is_swiotlb_force_bounce(k, dev);
  if (t) direct_map_page_force_decided(k, dev, force);
  if (force) return direct_map_page_bounce(k, dev, phys, size, dir, attrs);
  // 370645f41e6e (6.5): an unaligned kmalloc-sized buffer for a non-coherent device bounces too
  if (!dma_capable(k, dev, dma_addr, size, true) || (k.sw["370645f41e6e"] && dma_kmalloc_needs_bounce(k, dev, size, dir))) return dma_direct_map_page_unreachable(k, dev, phys, dma_addr, size, dir, attrs, inlinedInto);
  if (t) direct_map_page_capable(k, dev, dma_addr, size, dir);
  if (!dev_is_dma_coherent(k, dev) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) arch_sync_dma_for_device(k, phys, size, dir);
  if (t) tr_exit_hex(k, dma_addr);
  return dma_addr;
}

function tr_exit_hex(k: Kernel, v: number): void {
  k.tr?.exit(hex(v));
}
/** dma_direct_map_page's forced bounce (is_swiotlb_force_bounce): swiotlb_map and the trace exit; out of line (the function stays small enough for V8 to inline) */
function direct_map_page_bounce(k: Kernel, dev: Device, phys: number, size: number, dir: number, attrs: number): number {
  const r = swiotlb_map(k, dev, phys, size, dir, attrs);
  if (k.tr) tr_exit_hex(k, r);
  return r;
}

// dma_direct_map_page's trace text, out of line (the function stays small enough for V8 to inline)
function direct_map_page_enter(k: Kernel, page: number, offset: number, size: number, dir: number): void {
  k.tr?.enter(k.sw["19c65c3d30bb"] ? S_map_page : S_map_page_56, { page: k.arch.fmtVa(page), offset: hex(offset), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
}
function direct_map_page_force_decided(k: Kernel, dev: Device, force: boolean): void {
  const post519 = k.sw["07410559f383"];
  k.tr?.decide(post519 ? "is_swiotlb_force_bounce(dev)" : "swiotlb_force == SWIOTLB_FORCE", force, force ? (dev.dma_io_tlb_mem ? "the device has a restricted-dma-pool: every mapping bounces through it" : "swiotlb=force: every mapping bounces") : "no forced bouncing");
}
function direct_map_page_capable(k: Kernel, dev: Device, dma_addr: number, size: number, dir: number): void {
  const t = k.tr!;
  t.decide("dma_capable(dev, dma_addr, size, true)", true, `${hex(dma_addr)}+${hex(size)} is within the device's reach: no bounce`);
  if (k.sw["370645f41e6e"] && DMA_BOUNCE_UNALIGNED_KMALLOC(k)) t.decide("dma_kmalloc_needs_bounce(dev, size, dir)", false, dma_kmalloc_safe(k, dev, dir) ? (dev_is_dma_coherent(k, dev) ? "the device is coherent" : "DMA_TO_DEVICE only cleans: no cache line is lost") : `${size} bytes are a cache-line multiple for kmalloc (kmalloc_size_roundup ${kmalloc_size_roundup(k, size)})`);
}

/**
 * The rest of dma_direct_map_page when the buffer is out of the device's reach (or, 6.5+, an
 * unaligned kmalloc buffer of a non-coherent device): swiotlb_map when swiotlb may bounce, else
 * the overflow dev_WARN_ONCE and DMA_MAPPING_ERROR. (Out of line: the common path stays small.)
 */
function dma_direct_map_page_unreachable(k: Kernel, dev: Device, phys: number, dma_addr: number, size: number, dir: number, attrs: number, inlinedInto: string | undefined): number {
  const t = k.tr;
  // (dma_capable already said no when the kmalloc test was not reached)
  const kbounce = dma_capable(k, dev, dma_addr, size, true) && k.sw["370645f41e6e"] && dma_kmalloc_needs_bounce(k, dev, size, dir);
  const post519 = k.sw["07410559f383"];
  const why = !t ? "" : kbounce ? `${size} bytes could share a cache line with another kmalloc object (kmalloc_size_roundup ${kmalloc_size_roundup(k, size)}, dma_get_cache_alignment ${dma_get_cache_alignment(k)}) and the device is not coherent` : dma_addr === DMA_MAPPING_ERROR && k.sw["e0d072782c73"] ? `phys ${hex(phys)} is outside the device's dma-ranges` : `${hex(dma_addr)}+${hex(size)} is beyond min(dma_mask ${hex(dev._dmaLimit)}, bus_dma_limit)`;
  if (kbounce) {
    t?.decide("dma_capable(dev, dma_addr, size, true)", true, `${hex(dma_addr)}+${hex(size)} is within the device's reach`);
    t?.decide("dma_kmalloc_needs_bounce(dev, size, dir)", true, why);
  } else t?.decide("dma_capable(dev, dma_addr, size, true)", false, why);
  const bounce = post519 ? is_swiotlb_active(k, dev) : k.swiotlb_force !== "noforce";
  if (bounce) {
    t?.decide(post519 ? "is_swiotlb_active(dev)" : "swiotlb_force != SWIOTLB_NO_FORCE", true, post519 ? "there is a swiotlb pool: bounce through it" : is_swiotlb_active(k, dev) ? "bounce through swiotlb" : "swiotlb_map is called although no swiotlb pool was ever set up");
    const r = swiotlb_map(k, dev, phys, size, dir, attrs);
    t?.exit(hex(r));
    return r;
  }
  t?.decide(post519 ? "is_swiotlb_active(dev)" : "swiotlb_force != SWIOTLB_NO_FORCE", false, post519 ? "no swiotlb pool: fail" : "swiotlb=noforce: fail");
  if (dev.dma_mask === null) k.oops(0, "dma_direct_map_page"); // before f959dcd6ddfd: the dev_WARN_ONCE's *dev->dma_mask
  k.warnOnce(`overflow-${dev.name}`, `${dev.driver} ${dev.name}: DMA addr ${fmtPad(k, dma_addr)}+${size} overflow (mask ${fmtMask(dev.dma_mask)}, bus limit ${fmtMask(dev.bus_dma_limit)}).`, "dma_direct_map_page", warn_site(k, "dma_direct_map_page"), inlinedInto ?? "dma_map_page_attrs");
  t?.exit("DMA_MAPPING_ERROR");
  return DMA_MAPPING_ERROR;
}

/** kernel/dma/direct.h dma_direct_unmap_page (5.10–6.6; 5.6: kernel/dma/direct.c, 19c65c3d30bb; the swiotlb double copy-back ends with 9e02977bfad0) */
export function dma_direct_unmap_page(k: Kernel, dev: Device, addr: number, size: number, dir: number, attrs: number): void {
  if (k.tr) return dma_direct_unmap_page_traced(k, dev, addr, size, dir, attrs);
  const phys = dma_to_phys(k, dev, addr);
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)) dma_direct_sync_single_for_cpu(k, dev, addr, size, dir);
  // 5.10–5.17 pass attrs unchanged (the bounce is copied back twice); 9e02977bfad0 (5.18) adds SKIP_CPU_SYNC
  const e = k.swiotlb_era;
  if (e.is_swiotlb_buffer(k, phys, dev)) e.unmap_single(k, dev, phys, size, dir, k.sw["9e02977bfad0"] ? attrs | DMA_ATTR_SKIP_CPU_SYNC : attrs, size);
}

/** dma_direct_unmap_page with its trace entry and exit: the same steps as its body; out of line (the body stays small enough for V8 to inline) */
function dma_direct_unmap_page_traced(k: Kernel, dev: Device, addr: number, size: number, dir: number, attrs: number): void {
  direct_enter(k, S_unmap_page, S_unmap_page_56, addr, size, dir);
  const phys = dma_to_phys(k, dev, addr);
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)) dma_direct_sync_single_for_cpu(k, dev, addr, size, dir);
  // 5.10–5.17 pass attrs unchanged, so a FROM_DEVICE/BIDIRECTIONAL bounce is copied back twice
  // (once by the sync above, once by the unmap); 9e02977bfad0 (5.18) adds SKIP_CPU_SYNC here.
  if (is_swiotlb_buffer(k, phys, dev)) swiotlb_tbl_unmap_single(k, dev, phys, size, dir, k.sw["9e02977bfad0"] ? attrs | DMA_ATTR_SKIP_CPU_SYNC : attrs);
  k.tr?.exit();
}

// the trace entry of dma_direct_unmap_page / dma_direct_sync_single_for_cpu (kernel/dma/direct.h since 19c65c3d30bb, direct.c in 5.6), out of line (small enough for V8 to inline)
function direct_enter(k: Kernel, s: Sym, s56: Sym, addr: number, size: number, dir: number): void {
  k.tr?.enter(k.sw["19c65c3d30bb"] ? s : s56, { addr: hex(addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
}

/** kernel/dma/direct.h dma_direct_sync_single_for_device (5.10–5.14; 5.6: kernel/dma/direct.c, 19c65c3d30bb): bounce first, then clean/invalidate */
export function dma_direct_sync_single_for_device(k: Kernel, dev: Device, addr: number, size: number, dir: number): void {
  k.tr?.enter(k.sw["19c65c3d30bb"] ? S_sync_dev : S_sync_dev_56, { addr: hex(addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  const paddr = dma_to_phys(k, dev, addr);
  if (is_swiotlb_buffer(k, paddr, dev)) swiotlb_sync_single_for_device(k, dev, paddr, size, dir);
  if (!dev_is_dma_coherent(k, dev)) arch_sync_dma_for_device(k, paddr, size, dir);
  k.tr?.exit();
}

/** kernel/dma/direct.h dma_direct_sync_single_for_cpu (5.10–5.14; 5.6: kernel/dma/direct.c, 19c65c3d30bb): invalidate first, then copy back from the bounce buffer */
export function dma_direct_sync_single_for_cpu(k: Kernel, dev: Device, addr: number, size: number, dir: number): void {
  if (k.tr) return dma_direct_sync_single_for_cpu_traced(k, dev, addr, size, dir);
  const paddr = dma_to_phys(k, dev, addr);
  if (!dev_is_dma_coherent(k, dev)) arch_sync_dma_for_cpu(k, paddr, size, dir);
  const e = k.swiotlb_era;
  if (e.is_swiotlb_buffer(k, paddr, dev)) e.sync_for_cpu(k, dev, paddr, size, dir);
}

/** dma_direct_sync_single_for_cpu with its trace entry and exit: the same steps as its body; out of line (the body stays small enough for V8 to inline) */
function dma_direct_sync_single_for_cpu_traced(k: Kernel, dev: Device, addr: number, size: number, dir: number): void {
  direct_enter(k, S_sync_cpu, S_sync_cpu_56, addr, size, dir);
  const paddr = dma_to_phys(k, dev, addr);
  if (!dev_is_dma_coherent(k, dev)) arch_sync_dma_for_cpu(k, paddr, size, dir);
  if (is_swiotlb_buffer(k, paddr, dev)) swiotlb_sync_single_for_cpu(k, dev, paddr, size, dir);
  k.tr?.exit();
}

/** kernel/dma/direct.c dma_direct_map_sg (5.6–6.12; 6.1+'s PCI P2PDMA branch is not modelled; 6.18: direct-v6.18.ts): each entry mapped; on failure undo and return 0 (-EIO since c81be74e7d79) */
export function dma_direct_map_sg(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number, attrs: number): number {
  if (k.sw["e53d29f957b3"]) return d618.dma_direct_map_sg(k, dev, sgl, nents, dir, attrs);
  k.tr?.enter(S_map_sg, { nents: String(nents), dir: DIR_NAMES[dir] ?? String(dir) });
  for (let i = 0; i < nents; i++) {
    const sg = sgl[i]!;
    sg.dma_address = dma_direct_map_page(k, dev, sg.page, sg.offset, sg.length, dir, attrs, "dma_direct_map_sg");
    if (sg.dma_address === DMA_MAPPING_ERROR) {
      dma_direct_unmap_sg(k, dev, sgl, i, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
      // c81be74e7d79 (5.15): -EIO instead of 0
      const ret = k.sw["c81be74e7d79"] ? -EIO : 0;
      k.tr?.exit(ret ? "-EIO" : "0");
      return ret;
    }
    sg.dma_length = sg.length;
  }
  k.tr?.exit(String(nents));
  return nents;
}

/** kernel/dma/direct.c dma_direct_unmap_sg (5.10–6.12; 6.1+ skips P2PDMA bus-address entries, never modelled) */
export function dma_direct_unmap_sg(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number, attrs: number): void {
  if (k.sw["e53d29f957b3"]) return d618.dma_direct_unmap_sg(k, dev, sgl, nents, dir, attrs);
  k.tr?.enter(S_unmap_sg, { nents: String(nents) });
  for (let i = 0; i < nents; i++) dma_direct_unmap_page(k, dev, sgl[i]!.dma_address, sgl[i]!.dma_length, dir, attrs);
  k.tr?.exit();
}

/**
 * kernel/dma/direct.c dma_direct_sync_sg_for_device / dma_direct_sync_sg_for_cpu (5.6–6.18; 5.6.4
 * direct.c:261, :300; 6.18.35 :394, :415): one function with its own loop over the entries, by
 * sg->length — for the device the swiotlb copy then arch_sync_dma_for_device, for the CPU
 * arch_sync_dma_for_cpu then the swiotlb copy (arch_dma_mark_clean and arch_sync_dma_for_cpu_all:
 * no-ops on the modelled arches). No dma_direct_sync_single_* frame in between.
 */
export function dma_direct_sync_sg(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number, forCpu: boolean): void {
  k.tr?.enter(forCpu ? S_sync_sg_cpu : S_sync_sg_dev, { nents: String(nents), dir: DIR_NAMES[dir] ?? String(dir) });
  const coherent = dev_is_dma_coherent(k, dev);
  for (let i = 0; i < nents; i++) {
    const sg = sgl[i]!;
    const paddr = dma_to_phys(k, dev, sg.dma_address);
    if (forCpu) {
      if (!coherent) arch_sync_dma_for_cpu(k, paddr, sg.length, dir);
      if (is_swiotlb_buffer(k, paddr, dev)) swiotlb_sync_single_for_cpu(k, dev, paddr, sg.length, dir);
    } else {
      if (is_swiotlb_buffer(k, paddr, dev)) swiotlb_sync_single_for_device(k, dev, paddr, sg.length, dir);
      if (!coherent) arch_sync_dma_for_device(k, paddr, sg.length, dir);
    }
  }
  k.tr?.exit();
}

/** kernel/dma/direct.c dma_direct_max_mapping_size (5.10–5.14) */
export function dma_direct_max_mapping_size(k: Kernel, dev: Device): number {
  if (is_swiotlb_active(k, dev) && (dma_addressing_limited(k, dev) || is_swiotlb_force_bounce(k, dev))) return swiotlb_max_mapping_size(k, dev);
  return Number.MAX_SAFE_INTEGER;
}

/** include/linux/dma-mapping.h dma_addressing_limited (5.x–6.6): inline, the mask below the required
 * mask; 6.7+ (a409d9600959) kernel/dma/mapping.c's out-of-line one, which also walks System RAM
 * against a dma-direct device's dma_range_map (direct-ram.ts).
 */
export function dma_addressing_limited(k: Kernel, dev: Device): boolean {
  const maskLimited = dev._dmaLimit < dma_direct_get_required_mask_num(k, dev);
  if (k.sw["a409d9600959"]) return dma_addressing_limited_ool(k, dev, maskLimited);
  return maskLimited;
}

function dma_direct_get_required_mask_num(k: Kernel, dev: Device): number {
  const phys = (k.mem.max_pfn - 1) * PAGE_SIZE;
  const max_dma = phys_to_dma_direct(k, dev, phys);
  if (max_dma === DMA_MAPPING_ERROR) return Infinity;
  return 2 ** Math.ceil(Math.log2(max_dma + 1)) - 1;
}

/** kernel/dma/direct.c dma_direct_get_required_mask (5.x–6.18) */
export function dma_direct_get_required_mask(k: Kernel, dev: Device): bigint {
  const phys = (k.mem.max_pfn - 1) * PAGE_SIZE;
  const max_dma = phys_to_dma_direct(k, dev, phys);
  if (max_dma === DMA_MAPPING_ERROR) return DMA_BIT_MASK(64);
  return DMA_BIT_MASK(BigInt(max_dma).toString(2).length);
}

/** kernel/dma/direct.c dma_direct_supported (5.6–6.11 with DMA_BIT_MASK(zone_dma_bits), 6.12 with zone_dma_limit) */
export function dma_direct_supported(k: Kernel, dev: Device, mask: bigint): boolean {
  if (mask >= DMA_BIT_MASK(32)) return true;
  let min_mask = BigInt((k.mem.max_pfn - 1) * PAGE_SIZE);
  const zl = zone_dma_limit(k);
  const zmask = zl === Infinity ? DMA_BIT_MASK(64) : BigInt(zl);
  if (k.buddy.zones.some((z) => z.name === "DMA") && min_mask > zmask) min_mask = zmask;
  const d = phys_to_dma(k, dev, Number(min_mask));
  return d !== DMA_MAPPING_ERROR && mask >= BigInt(d);
}

export { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE };

/**
 * kernel/dma/direct.c, direct.h and include/linux/dma-direct.h: dma-direct, the no-IOMMU path —
 * the address translation (phys_to_dma, dma_to_phys, dma_capable), the streaming side
 * (dma_direct_map_page / unmap / sync / map_sg, dma_direct_map_resource, swiotlb_map) and the
 * masks (dma_direct_supported, dma_direct_get_required_mask, dma_direct_max_mapping_size).
 * kernel/dma/direct.c is one file in the kernel; dmasim splits it by concern: its allocation side
 * (dma_direct_alloc / free, alloc_pages / free_pages, mmap, get_sgtable) is in direct-alloc.ts.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import type { Scatterlist } from "./ops.js";
import { sym, type Sym } from "../../core/trace.js";
import { warn_site } from "../warn-sites.js";
import { DMA_BIT_MASK, DMA_MAPPING_ERROR, PAGE_SIZE, hex, maskLimit } from "../../core/u64.js";
import { DIR_NAMES, DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE } from "../../include/gfp.js";
import { ARCH_DMA_MINALIGN, DMA_BOUNCE_UNALIGNED_KMALLOC, dma_get_cache_alignment, kmalloc_size_roundup } from "../../mm/slab_common.js";
import { arch_sync_dma_for_cpu, arch_sync_dma_for_device, dev_is_dma_coherent } from "./arch-hooks.js";
import {
  is_swiotlb_active, is_swiotlb_buffer, swiotlb_max_mapping_size, swiotlb_sync_single_for_cpu, swiotlb_sync_single_for_device,
  swiotlb_tbl_map_single, swiotlb_tbl_unmap_single, is_swiotlb_force_bounce,
} from "./swiotlb/index.js";
import * as d618 from "./direct-v6.18.js";
import { dma_addressing_limited_ool } from "./direct-ram.js";
import { trace_swiotlb_bounced } from "../../include/trace/events/swiotlb.js";

const F = "kernel/dma/direct.c";
const EIO = 5;
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
const S_map_resource = sym("dma_direct_map_resource", F);

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

/** ZONE_DMA's limit as dma-direct compares it: zone_dma_limit (6.12, ba0fb44aed47) or DMA_BIT_MASK(zone_dma_bits) (5.6–6.11) */
export function zone_dma_limit(k: Kernel): number {
  return k.sw["ba0fb44aed47"] ? k.zone_dma_limit : maskLimit(DMA_BIT_MASK(k.zone_dma_bits));
}

// ---- streaming ----

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
  if (k.tr !== undefined || !dma_capable(k, dev, dma_addr, size, true) || (k.sw["370645f41e6e"] && dma_kmalloc_needs_bounce(k, dev, size, dir))) return dma_direct_map_page_slow(k, dev, page, offset, size, dir, attrs, inlinedInto);
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
  if (k.tr !== undefined) tr_exit_hex(k, r);
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
  if (k.tr !== undefined) return dma_direct_unmap_page_traced(k, dev, addr, size, dir, attrs);
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
  if (k.tr !== undefined) return dma_direct_sync_single_for_cpu_traced(k, dev, addr, size, dir);
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

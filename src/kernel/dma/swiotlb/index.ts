/**
 * kernel/dma/swiotlb.c — the front door. Callers (dma-direct, swiotlb-xen, the runner, tests)
 * use these functions; each forwards to the era module the booted kernel version selects,
 * chosen once per Kernel (on first use, i.e. at boot by swiotlb_init_with_tbl) and kept in
 * `k.swiotlb_era`:
 *
 *   v5.6.ts   5.6–5.11  global io_tlb_* arrays, the search inline in swiotlb_tbl_map_single,
 *                       swiotlb_tbl_sync_single, printk_ratelimit, unmap frees the caller's size
 *   v5.13.ts  5.12/5.13–5.14  struct io_tlb_mem behind io_tlb_default_mem, find_slots
 *   v5.15.ts  5.15–5.19 per-device dev->dma_io_tlb_mem, swiotlb_find_slots(alloc_align_mask),
 *                       the unconditional bounce at map, swiotlb_release_slots
 *   v6.0.ts   6.0–6.5   areas (struct io_tlb_area, swiotlb=<slabs>,<areas>, the per-CPU start
 *                       area, swiotlb_do_find_slots per area)
 *   v6.6.ts   6.6–6.18  struct io_tlb_pool inside struct io_tlb_mem (pool list, areas in pools),
 *                       CONFIG_SWIOTLB_DYNAMIC (growth worker, transient pools), pad_slots;
 *                       structures, boot and dynamic pools in v6.6-pools.ts
 *
 * The Kernel constructor sets `k.swiotlb_era` (src/kernel.ts), so the streaming hot paths
 * (dma-direct's map/unmap/sync) call `k.swiotlb_era.<member>` without testing the version on
 * every call; every member's signature is the same in every era (an era whose kernel function
 * takes its arguments in another order supplies a one-line adapter).
 *
 * Shared code (constants, slot arrays, boundary test, memcpy, statistics): common.ts.
 */
import { DmasimInternalError } from "../../../core/faults.js";
import type { Kernel } from "../../../kernel.js";
import type { Device } from "../../../drivers/device.js";
import { IO_TLB_SIZE, fmtPa, swiotlb_default_nslabs, type BootMetaBlock, type IoTlbMem, type SwiotlbInitFlags } from "./common.js";
import { PAGE_SIZE } from "../../../core/u64.js";
import type { SwiotlbParam } from "./param.js";
import { era_v5_6 } from "./v5.6.js";
import { era_v5_13 } from "./v5.13.js";
import { era_v5_15 } from "./v5.15.js";
import { era_v6_6 } from "./v6.6.js";
import { era_v6_0 } from "./v6.0.js";

export * from "./common.js";
export { simple_strtoul, type SwiotlbParam } from "./param.js";
export { find_slots } from "./v5.13.js";

/** What an era module provides (each function carries its own kernel name and versions). */
export interface SwiotlbEra {
  /** first release of the era */
  readonly name: "5.6" | "5.13" | "5.15" | "6.0" | "6.6";
  /** the pool a device uses (5.15+: dev->dma_io_tlb_mem), or the default pool */
  pool(k: Kernel, dev?: Device): IoTlbMem | null;
  swiotlb_init_with_tbl(k: Kernel, start_phys: number, nslabs: number, verbose: boolean, flags?: SwiotlbInitFlags): number;
  swiotlb_print_info(k: Kernel): void;
  /** default_swiotlb_limit (6.6+ only: swiotlb-xen's dma_supported asks it) */
  default_swiotlb_limit?(k: Kernel): bigint;
  swiotlb_set_max_segment(k: Kernel, val: number): void;
  swiotlb_max_segment(k: Kernel): number;
  is_swiotlb_active(k: Kernel, dev?: Device): boolean;
  is_swiotlb_buffer(k: Kernel, paddr: number, dev?: Device): boolean;
  swiotlb_max_mapping_size(k: Kernel, dev?: Device): number;
  map_single(k: Kernel, dev: Device, orig_addr: number, mapping_size: number, alloc_size: number, alloc_align_mask: number, dir: number, attrs: number, tbl_dma_addr?: number): number;
  /** swiotlb_tbl_unmap_single; `alloc_size` last: only 5.6–5.11 take it (later eras read it from the slot) */
  unmap_single(k: Kernel, dev: Device, tlb_addr: number, mapping_size: number, dir: number, attrs: number, alloc_size: number): void;
  sync_for_device(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void;
  sync_for_cpu(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void;
  /** early_param("swiotlb", setup_io_tlb_npages): one occurrence of swiotlb= read as the era's parser reads it (param.ts); `twoFlags`: 5.19+ swiotlb_force_bounce / swiotlb_force_disable (c6af2aa9ffc9) */
  parse_param(str: string, st: SwiotlbParam, twoFlags: boolean): void;
  /** swiotlb= parsing with its boot messages (eras whose parser prints: 6.0+ areas) */
  setup_io_tlb_npages?(k: Kernel): void;
  /** swiotlb_size_or_default from the era's own default_nslabs (6.6+: after swiotlb_adjust_size); absent: common.ts swiotlb_default_nslabs */
  swiotlb_size_or_default?(k: Kernel): number;
  /** swiotlb_adjust_size (5.11+; modelled in the 6.6 era, the only one a modelled caller reaches: arm64 mem_init 6.7+, 65033574ade9) */
  swiotlb_adjust_size?(k: Kernel, size: number): void;
  /** the slots swiotlb_init allocates (default_nslabs after the era's adjustments); absent: common.ts swiotlb_default_nslabs */
  boot_nslabs?(k: Kernel): number;
  /** swiotlb_init_late's `if (!default_nareas) swiotlb_adjust_nareas(num_possible_cpus())` (6.0+ areas; its round-up may grow default_nslabs); absent: no areas */
  late_nareas?(k: Kernel): void;
  /** swiotlb_init's / swiotlb_init_remap's memblock allocation of the boot buffer, with the era's way of failing (its message; 6.0+: halving) and, for swiotlb_init_remap (5.19+), the remap callback's; absent: one try, no message */
  boot_alloc?(k: Kernel, nslabs: number, alloc: (bytes: number) => number | null, remap?: BootRemap): BootBuffer | null;
  /** the memblock allocations swiotlb_init_with_tbl / swiotlb_init_remap makes for the boot pool's metadata after its buffer, in order (none: nothing is allocated) */
  boot_metadata?(k: Kernel, nslabs: number): BootMetaBlock[];
  /** the slots swiotlb_init allocates with swiotlb=noforce: 5.6–5.11 (setup_io_tlb_npages sets io_tlb_nslabs = 1) 1; absent: 0, swiotlb_init returns without a pool (5.12–5.18 SWIOTLB_NO_FORCE, 5.19+ swiotlb_force_disable) */
  readonly noforce_nslabs?: number;
  /** CONFIG_DMA_RESTRICTED_POOL (5.15+): slots of dev->dma_io_tlb_mem as a coherent allocation; the physical address or -1 */
  swiotlb_alloc?(k: Kernel, dev: Device, size: number): number;
  swiotlb_free?(k: Kernel, dev: Device, tlb_addr: number, size: number): boolean;
  /** a restricted-dma-pool reserved-memory region's device_init (5.15+) */
  rmem_swiotlb_device_init?(k: Kernel, rmem: ReservedMem, dev: Device): number;
  /** include/linux/swiotlb.h is_swiotlb_force_bounce, the era's own (common.ts for 5.6–6.5; 6.6: the io_tlb_mem around the pool) */
  is_swiotlb_force_bounce(k: Kernel, dev: Device): boolean;
  /** the page-allocator blocks a late init (swiotlb_late_init_with_tbl / swiotlb_init_late) takes for its metadata after the buffer, in order */
  late_metadata?(nslabs: number): LateBlock[];
  /** a late init's pool setup when it differs from the boot one (6.0: late_alloc and the limited area count); absent: swiotlb_init_with_tbl, verbose */
  init_late?(k: Kernel, start: number, nslabs: number): void;
}

/** The boot buffer swiotlb_init / swiotlb_init_remap got from memblock: its physical address and slabs. */
export interface BootBuffer {
  base: number;
  nslabs: number;
}

/**
 * swiotlb_init_remap's `remap` callback (5.19+; x86 PV: xen_swiotlb_fixup) on a buffer memblock gave it, 0 or
 * -errno, and memblock_free of a buffer the callback refused (the allocator's, so a retry reallocates).
 */
export interface BootRemap {
  remap(base: number, nslabs: number): number;
  free(base: number, bytes: number): void;
}

/**
 * kernel/dma/swiotlb.c swiotlb_init (5.6–5.18) / swiotlb_init_remap (5.19+): the memblock allocation
 * of the boot buffer, PAGE_ALIGN(nslabs << IO_TLB_SHIFT) bytes by `alloc` (memblock_alloc_low, or
 * memblock_alloc for SWIOTLB_ANY), then (5.19+) the remap callback, and what each era does when either
 * fails: 5.19 halves on a failed remap and panics below IO_TLB_MIN_SLABS, 6.0+ halves on both; null, no pool.
 */
export function swiotlb_boot_alloc(k: Kernel, nslabs: number, alloc: (bytes: number) => number | null, remap?: BootRemap): BootBuffer | null {
  const e = era(k);
  if (e.boot_alloc) return e.boot_alloc(k, nslabs, alloc, remap);
  const base = alloc(Math.ceil((nslabs * IO_TLB_SIZE) / PAGE_SIZE) * PAGE_SIZE);
  return base === null ? null : { base, nslabs };
}

/**
 * The boot pool's metadata from memblock, as the era's swiotlb_init_with_tbl (5.6–5.18) / swiotlb_init_remap
 * (5.19+) allocates it right after the buffer (and, 5.19+, the remap): each block by `alloc(bytes, align, what)`
 * (memblock_alloc: anywhere below memblock.current_limit), in the era's order. A failure panics (a
 * KernelFault: 5.6–5.19) or pr_warns and returns false (6.0+: no pool).
 */
export function swiotlb_boot_metadata(k: Kernel, nslabs: number, alloc: (bytes: number, align: number, what: string) => number | null): boolean {
  const blocks = era(k).boot_metadata?.(k, nslabs);
  if (!blocks) return true;
  for (const b of blocks) {
    if (alloc(b.bytes, b.align, b.what) !== null) continue;
    k.tr?.note(`memblock could not place ${b.bytes} bytes (align ${b.align}) for ${b.what}`);
    if (b.fail === "panic") k.fatal("panic", `Kernel panic - not syncing: ${b.message}`, b.fn);
    k.printk("warn", `software IO TLB: ${b.message}`);
    return false;
  }
  return true;
}


/** One metadata block of a late swiotlb init: its size in bytes (rounded to an order by the caller), __GFP_ZERO or not, what it holds. */
export interface LateBlock {
  bytes: number;
  zero: boolean;
  what: string;
}

/** kernel/dma/swiotlb.c swiotlb_late_init_with_tbl / swiotlb_init_late (5.6–6.5): install a late pool at [start, start + nslabs slots), as the era does */
export function swiotlb_init_late_pool(k: Kernel, start: number, nslabs: number): void {
  const e = era(k);
  if (e.init_late) e.init_late(k, start, nslabs);
  else e.swiotlb_init_with_tbl(k, start, nslabs, true);
}

/** The era's late-init metadata blocks (eras without a late path: none). */
export function swiotlb_late_metadata(k: Kernel, nslabs: number): LateBlock[] {
  return era(k).late_metadata?.(nslabs) ?? [];
}

/** struct reserved_mem of a `restricted-dma-pool` region (drivers/of/of_reserved_mem.c): its io_tlb_mem is rmem->priv, made by the first device */
export interface ReservedMem {
  name: string;
  base: number;
  size: number;
  priv: IoTlbMem | null;
}

/** The era of a kernel version id ("5.6", "5.10", "5.13", "5.14", "5.19", "6.1", …). */
export function swiotlb_era_for(id: string): SwiotlbEra {
  const [maj, min] = id.split(".").map((x) => parseInt(x, 10)) as [number, number];
  const v = maj * 100 + (min || 0);
  if (v < 512) return era_v5_6;
  if (v < 515) return era_v5_13;
  if (v < 600) return era_v5_15;
  if (v < 606) return era_v6_0;
  return era_v6_6;
}

/** The era this kernel runs (set once by the Kernel constructor). */
export function era(k: Kernel): SwiotlbEra {
  return k.swiotlb_era;
}

/** kernel/dma/swiotlb.c swiotlb_init_with_tbl (5.6–5.14) / swiotlb_init_io_tlb_mem (5.15–5.19) / swiotlb_init_remap (6.0+): install the boot pool */
export function swiotlb_init_with_tbl(k: Kernel, start_phys: number, nslabs: number, verbose: boolean, flags?: SwiotlbInitFlags): number {
  return era(k).swiotlb_init_with_tbl(k, start_phys, nslabs, verbose, flags);
}

/** kernel/dma/swiotlb.c default_swiotlb_limit (6.6–6.18): the era's answer, null before 6.6 (callers read the pool's end) */
export function default_swiotlb_limit(k: Kernel): bigint | null {
  const e = era(k);
  return e.default_swiotlb_limit ? e.default_swiotlb_limit(k) : null;
}

/** kernel/dma/swiotlb.c swiotlb_print_info (5.6–5.19, each era's format) */
export function swiotlb_print_info(k: Kernel): void {
  era(k).swiotlb_print_info(k);
}

/** kernel/dma/swiotlb.c swiotlb_set_max_segment (5.6–5.14; gone in 5.19) */
export function swiotlb_set_max_segment(k: Kernel, val: number): void {
  era(k).swiotlb_set_max_segment(k, val);
}

/** kernel/dma/swiotlb.c swiotlb_max_segment (5.6–5.19) */
export function swiotlb_max_segment(k: Kernel): number {
  return era(k).swiotlb_max_segment(k);
}

/** kernel/dma/swiotlb.c is_swiotlb_active (5.6–5.14: no argument; 5.15+: per device) */
export function is_swiotlb_active(k: Kernel, dev?: Device): boolean {
  return era(k).is_swiotlb_active(k, dev);
}

/** include/linux/swiotlb.h is_swiotlb_buffer (5.6–5.14: the global pool; 5.15+: dev->dma_io_tlb_mem) */
export function is_swiotlb_buffer(k: Kernel, paddr: number, dev?: Device): boolean {
  return k.swiotlb_era.is_swiotlb_buffer(k, paddr, dev);
}

/** kernel/dma/swiotlb.c swiotlb_max_mapping_size (5.6–5.14: 256 KiB; 5.19: less the min_align_mask round-up) */
export function swiotlb_max_mapping_size(k: Kernel, dev?: Device): number {
  return era(k).swiotlb_max_mapping_size(k, dev);
}

/**
 * kernel/dma/swiotlb.c swiotlb_tbl_map_single (5.6–5.19, each era's own): bounce `alloc_size`
 * bytes of `orig_addr`. `tbl_dma_addr` is the 5.6 argument (later computed inside; optional
 * everywhere); `alloc_align_mask` is the 5.16+ argument (ignored before).
 */
export function swiotlb_tbl_map_single(
  k: Kernel,
  dev: Device,
  orig_addr: number,
  mapping_size: number,
  alloc_size: number,
  dir: number,
  attrs: number,
  tbl_dma_addr?: number,
  alloc_align_mask?: number,
): number {
  return k.swiotlb_era.map_single(k, dev, orig_addr, mapping_size, alloc_size, alloc_align_mask ?? 0, dir, attrs, tbl_dma_addr);
}

/**
 * kernel/dma/swiotlb.c swiotlb_tbl_unmap_single (5.6–5.19): `alloc_size` is the 5.6–5.11
 * argument — that era frees as many slots as it says; callers then passed their mapping size
 * for both (dma-direct, swiotlb-xen), hence the default. Later eras read the size from the slot.
 */
export function swiotlb_tbl_unmap_single(k: Kernel, dev: Device, tlb_addr: number, mapping_size: number, dir: number, attrs: number, alloc_size?: number): void {
  k.swiotlb_era.unmap_single(k, dev, tlb_addr, mapping_size, dir, attrs, alloc_size ?? mapping_size);
}

/** kernel/dma/swiotlb.c swiotlb_sync_single_for_device (5.12+) / swiotlb_tbl_sync_single(SYNC_FOR_DEVICE) (5.6–5.11) */
export function swiotlb_sync_single_for_device(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  k.swiotlb_era.sync_for_device(k, dev, tlb_addr, size, dir);
}

/** kernel/dma/swiotlb.c swiotlb_sync_single_for_cpu (5.12+) / swiotlb_tbl_sync_single(SYNC_FOR_CPU) (5.6–5.11) */
export function swiotlb_sync_single_for_cpu(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  k.swiotlb_era.sync_for_cpu(k, dev, tlb_addr, size, dir);
}

/** kernel/dma/swiotlb.c setup_io_tlb_npages: the swiotlb= early parameter (6.0+: may print "area num N."); earlier eras print nothing */
export function setup_io_tlb_npages(k: Kernel): void {
  era(k).setup_io_tlb_npages?.(k);
}

/** kernel/dma/swiotlb.c swiotlb_size_or_default (5.6–6.18): default_nslabs << IO_TLB_SHIFT — the swiotlb= size, the 64 MiB default, or (6.7+ arm64) what swiotlb_adjust_size made it */
export function swiotlb_size_or_default(k: Kernel): number {
  const e = k.swiotlb_era as SwiotlbEra | undefined;
  return e?.swiotlb_size_or_default ? e.swiotlb_size_or_default(k) : swiotlb_default_nslabs(k) * IO_TLB_SIZE;
}

/** kernel/dma/swiotlb.c swiotlb_adjust_size (6.6–6.18 modelled; the function is 5.11+): a new default buffer size in bytes unless swiotlb= gave one */
// its only modelled caller is arm64 mem_init (6.7+, 65033574ade9), so only the 6.6 era has it; another era's caller is a model bug
export function swiotlb_adjust_size(k: Kernel, size: number): void {
  const e = era(k);
  if (!e.swiotlb_adjust_size) throw new DmasimInternalError(`swiotlb_adjust_size is not modelled in the ${e.name} era (no modelled caller before 6.7)`);
  e.swiotlb_adjust_size(k, size);
}

/** The number of slots swiotlb_init allocates on this kernel: default_nslabs after swiotlb= and (6.0+) the area round-up */
export function swiotlb_boot_nslabs(k: Kernel): number {
  const e = era(k);
  return e.boot_nslabs ? e.boot_nslabs(k) : swiotlb_default_nslabs(k);
}

/** kernel/dma/swiotlb.c swiotlb_init_late's area set-up (6.0–6.18: one area per possible CPU unless swiotlb= named them; 5.6–5.19 have no areas) */
export function swiotlb_late_nareas(k: Kernel): void {
  era(k).late_nareas?.(k);
}

/**
 * kernel/dma/swiotlb.c swiotlb_init with swiotlb=noforce: the slabs it allocates — 1 in 5.6–5.11
 * (setup_io_tlb_npages sets io_tlb_nslabs = 1, and swiotlb_init has no NO_FORCE test: a one-slab
 * pool, "(0MB)"), 0 from 5.12 (swiotlb_init returns first: 5.14-rc5 and 5.15.178 `swiotlb_force ==
 * SWIOTLB_NO_FORCE`, 5.19+ swiotlb_force_disable).
 */
export function swiotlb_noforce_nslabs(k: Kernel): number {
  return era(k).noforce_nslabs ?? 0;
}

/** include/linux/swiotlb.h is_swiotlb_for_alloc (5.15+, CONFIG_DMA_RESTRICTED_POOL): dev->dma_io_tlb_mem->for_alloc */
export function is_swiotlb_for_alloc(k: Kernel, dev: Device): boolean {
  if (!era(k).swiotlb_alloc) return false;
  const mem = dev.dma_io_tlb_mem ?? k.io_tlb_default_mem;
  return !!mem && mem.for_alloc;
}

/** kernel/dma/swiotlb.c swiotlb_alloc (5.15+): the first slot's physical address of a `size`-byte allocation from the device's pool, or -1 (NULL; before 5.15: no such function) */
export function swiotlb_alloc(k: Kernel, dev: Device, size: number): number {
  const e = era(k);
  return e.swiotlb_alloc ? e.swiotlb_alloc(k, dev, size) : -1;
}

/** kernel/dma/swiotlb.c swiotlb_free (5.15+): true if `tlb_addr` was the device pool's and is released */
export function swiotlb_free(k: Kernel, dev: Device, tlb_addr: number, size: number): boolean {
  const e = era(k);
  return e.swiotlb_free ? e.swiotlb_free(k, dev, tlb_addr, size) : false;
}

/** kernel/dma/swiotlb.c rmem_swiotlb_device_init (5.15+): attach a device to a restricted-dma-pool region (0, or -errno); before 5.15 the compatible is unknown (-ENODEV) */
export function rmem_swiotlb_device_init(k: Kernel, rmem: ReservedMem, dev: Device): number {
  const e = era(k);
  return e.rmem_swiotlb_device_init ? e.rmem_swiotlb_device_init(k, rmem, dev) : -19;
}

/**
 * kernel/dma/swiotlb.c rmem_swiotlb_setup (5.15+, RESERVEDMEM_OF_DECLARE "restricted-dma-pool"):
 * the region gets the swiotlb ops and "Reserved memory: created restricted DMA pool at %pa, size
 * %ld MiB". Before 5.15 no driver claims the compatible: the memory stays reserved, unused (null).
 */
export function rmem_swiotlb_setup(k: Kernel, rmem: ReservedMem): ReservedMem | null {
  if (!era(k).rmem_swiotlb_device_init) {
    k.tr?.note(`${k.version.id} has no restricted-dma-pool support (5.15+): the region is only reserved`);
    return null;
  }
  k.printk("info", `software IO TLB: Reserved memory: created restricted DMA pool at ${fmtPa(k, rmem.base)}, size ${Math.floor(rmem.size / (1 << 20))} MiB`);
  return rmem;
}

/**
 * include/linux/swiotlb.h is_swiotlb_force_bounce (5.15+: dev->dma_io_tlb_mem->force_bounce — set
 * by swiotlb=force on the default pool and always on a restricted-dma-pool); the eras before per-device
 * pools test the global swiotlb_force == SWIOTLB_FORCE. Each era's own (SwiotlbEra.is_swiotlb_force_bounce).
 */
export function is_swiotlb_force_bounce(k: Kernel, dev: Device): boolean {
  return k.swiotlb_era.is_swiotlb_force_bounce(k, dev);
}

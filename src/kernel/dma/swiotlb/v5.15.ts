/**
 * kernel/dma/swiotlb.c, era 5.15–5.19 (modelled: 5.19): every device reaches its pool through
 * dev->dma_io_tlb_mem (device_initialize points it at the static struct io_tlb_default_mem;
 * a restricted-dma-pool device gets its own), the search is swiotlb_find_slots with an
 * alloc_align_mask and writes the per-slot alloc_size itself, swiotlb_tbl_map_single copies the
 * original into the slot in every direction, unmap hands the freeing to swiotlb_release_slots,
 * swiotlb_bounce refuses accesses before the mapping start or past its end, and
 * swiotlb_max_mapping_size subtracts the min_align_mask round-up.
 *
 * Read from yishangzhang/linux-5.19 @4a8550523ce9 (Makefile 5.19.0) kernel/dma/swiotlb.c
 * lines 65–131 (force flags, swiotlb_max_segment, print_info), 194–229
 * (swiotlb_init_io_tlb_mem), 387–470 (swiotlb_align_offset, swiotlb_bounce), 472–570
 * (get_max_slots, wrap_index, swiotlb_find_slots), 572–622 (swiotlb_tbl_map_single), 624–682
 * (swiotlb_release_slots, swiotlb_tbl_unmap_single), 684–702 (sync), 735–757
 * (swiotlb_max_mapping_size, is_swiotlb_active); include/linux/swiotlb.h 93–125;
 * drivers/base/core.c 2908 (dev->dma_io_tlb_mem = &io_tlb_default_mem).
 * Replayed slot by slot against that file compiled unmodified (test/vectors/swiotlb/5.19-*).
 *
 * The map-time copy is the state after aa6f8dcbab47 "swiotlb: rework "fix info leak with
 * DMA_FROM_DEVICE"" as reinstated by 901c7280ca0d: unconditional (any direction, even with
 * DMA_ATTR_SKIP_CPU_SYNC); ddbd89deb7d3's DMA_ATTR_OVERWRITE is not in the tree (grep).
 * Still present in 5.19: the endless search of 7c3940bf81e5 (2023) — recorded in the vectors.
 *
 * 5.15 (LTS) runs this era too, checked against wangshuai199398/linux-5-15 @76278aab8c2d
 * (5.15.178) compiled unmodified (test/vectors/swiotlb/5.15-*): the same search, bounce checks
 * and release, plus the stable backport of 04867a7a3332 (switch: alloc_align_mask | (IO_TLB_SIZE
 * - 1) masks the min_align test; its stride need not be a power of two, and ALIGN is then the
 * bit formula), its swiotlb_set_max_segment (max_segment 1 with swiotlb=force; switch
 * a2daa27c0c61 is 5.19) and the panic of swiotlb_tbl_map_single when io_tlb_default_mem has no
 * slabs (switch 463e862ac63e, mainline 5.15, is `absent` in 5.15: 5.15.178 has the fix c51ba246cb17).
 */
import type { Kernel } from "../../../kernel.js";
import { warn_site } from "../../warn-sites.js";
import type { Device } from "../../../drivers/device.js";
import { dev_id } from "../../../drivers/device.js";
import { DMA_MAPPING_ERROR, PAGE_SHIFT, PAGE_SIZE, hex } from "../../../core/u64.js";
import { sym } from "../../../core/trace.js";
import { DIR_NAMES, DMA_ATTR_NO_WARN, DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, attrsName } from "../../../include/gfp.js";
import {
  INVALID_PHYS_ADDR, IO_TLB_SEGSIZE, bounce_enter, bounce_no_original, bounce_warn_before_start, bounce_warn_overflow_offset, IO_TLB_SHIFT, IO_TLB_SIZE, IoTlbMem, TWO32, boundaryFor, bounce_copy, default_tbl_dma_addr, fmtPa,
  iommu_is_span_boundary, longBits, nr_slots, outOfPool, slotsOfMapping, slot_addr, swiotlb_align_offset, swiotlb_full_ratelimit,
  swiotlb_search_never_ends, unsignedOf, ALIGN, is_swiotlb_force_bounce_pool, swiotlb_boot_alloc_once,
} from "./common.js";
import type { BootRemap, ReservedMem, SwiotlbEra } from "./index.js";
import { IO_TLB_MIN_SLABS, boot_meta_block, swiotlb_buffer_bytes, type BootMetaBlock } from "./common.js";
import { setup_io_tlb_npages_v5 } from "./param.js";
import { default_nslabs } from "./v5.13.js";

const FILE = "kernel/dma/swiotlb.c";
const S_init = sym("swiotlb_init_io_tlb_mem", FILE);
const S_find = sym("swiotlb_find_slots", FILE);
const S_map = sym("swiotlb_tbl_map_single", FILE);
const S_release = sym("swiotlb_release_slots", FILE);
const S_unmap = sym("swiotlb_tbl_unmap_single", FILE);
const S_bounce = sym("swiotlb_bounce", FILE);
const S_sync_dev = sym("swiotlb_sync_single_for_device", FILE);
const S_sync_cpu = sym("swiotlb_sync_single_for_cpu", FILE);

/** The static `struct io_tlb_mem io_tlb_default_mem` before it is initialised (nslabs 0), per Kernel. */
const unset = new WeakMap<object, IoTlbMem>();

/** dev->dma_io_tlb_mem (5.15–5.19): the device's own pool, else &io_tlb_default_mem */
export function dev_io_tlb_mem(k: Kernel, dev?: Device): IoTlbMem {
  return dev?.dma_io_tlb_mem || k.io_tlb_default_mem || unset_mem(k);
}
// the static struct before it is initialised, out of line (dev_io_tlb_mem stays small enough for V8 to inline)
function unset_mem(k: Kernel): IoTlbMem {
  let z = unset.get(k);
  if (!z) unset.set(k, (z = new IoTlbMem(0, 0)));
  return z;
}

/** kernel/dma/swiotlb.c swiotlb_print_info (5.15–5.19): "software IO TLB: mapped [mem %pa-%pa] (%luMB)", or "No low mem" if nslabs is 0 */
export function swiotlb_print_info(k: Kernel): void {
  const mem = k.io_tlb_default_mem;
  if (!mem || !mem.nslabs) {
    k.printk("warn", "software IO TLB: No low mem");
    return;
  }
  k.printk("info", `software IO TLB: mapped [mem ${fmtPa(k, mem.start)}-${fmtPa(k, mem.end)}] (${Math.floor((mem.nslabs * IO_TLB_SIZE) / (1 << 20))}MB)`);
}

/**
 * kernel/dma/swiotlb.c swiotlb_init_io_tlb_mem (5.15–5.19), as swiotlb_init_remap calls it on
 * the memblock_alloc_low'ed buffer: nslabs/start/end/index, force_bounce from swiotlb=force,
 * the free list, every orig_addr INVALID, every alloc_size 0, then memset(vaddr, 0, bytes);
 * swiotlb_init_remap prints with SWIOTLB_VERBOSE. swiotlb=noforce (swiotlb_force_disable)
 * returns before any of it.
 */
export function swiotlb_init_io_tlb_mem(k: Kernel, start_phys: number, nslabs: number, verbose: boolean): number {
  k.tr?.enter(S_init, { start: hex(start_phys), nslabs: String(nslabs) });
  if (k.swiotlb_force === "noforce") {
    k.tr?.decide("swiotlb_force_disable", true, "swiotlb=noforce: swiotlb_init_remap returns before allocating");
    k.tr?.exit("0");
    return 0;
  }
  const mem = new IoTlbMem(start_phys, nslabs, false);
  mem.force_bounce = k.swiotlb_force === "force";
  const bytes = nslabs * IO_TLB_SIZE;
  k.mem.fill(start_phys, 0, bytes);
  k.cache.invalidate(start_phys, bytes);
  k.io_tlb_default_mem = mem;
  if (verbose) swiotlb_print_info(k);
  // swiotlb_init_with_tbl (5.15–5.18) then sets the max segment; a2daa27c0c61 (5.19) computes it instead
  if (!k.sw["a2daa27c0c61"]) swiotlb_set_max_segment(k, nslabs * IO_TLB_SIZE);
  k.tr?.exit("0");
  return 0;
}

/**
 * kernel/dma/swiotlb.c swiotlb_set_max_segment (5.15–5.18: 1 with swiotlb=force, else
 * rounddown(val, PAGE_SIZE), kept as the static max_segment); gone with a2daa27c0c61 (5.19).
 */
export function swiotlb_set_max_segment(k: Kernel, val: number): void {
  if (k.sw["a2daa27c0c61"]) {
    k.tr?.note("no swiotlb_set_max_segment since a2daa27c0c61 (5.19): swiotlb_max_segment() is computed from nslabs");
    return;
  }
  const mem = k.io_tlb_default_mem;
  if (mem) mem.max_segment = k.swiotlb_force === "force" ? 1 : Math.floor(val / PAGE_SIZE) * PAGE_SIZE;
}

/**
 * kernel/dma/swiotlb.c swiotlb_max_segment: 5.15–5.18 the static max_segment when the default pool
 * has slabs; a2daa27c0c61 (5.19+) 0 without a pool, else rounddown(nslabs << IO_TLB_SHIFT,
 * PAGE_SIZE) — swiotlb=force no longer makes it 1.
 */
export function swiotlb_max_segment(k: Kernel): number {
  const mem = dev_io_tlb_mem(k);
  if (!mem.nslabs) return 0;
  if (!k.sw["a2daa27c0c61"]) return mem.max_segment;
  return Math.floor((mem.nslabs * IO_TLB_SIZE) / PAGE_SIZE) * PAGE_SIZE;
}

/** kernel/dma/swiotlb.c is_swiotlb_active (5.15–5.19): dev->dma_io_tlb_mem && mem->nslabs */
export function is_swiotlb_active(k: Kernel, dev?: Device): boolean {
  const mem = dev?.dma_io_tlb_mem ?? k.io_tlb_default_mem;
  return !!mem && mem.nslabs !== 0;
}

/** include/linux/swiotlb.h is_swiotlb_buffer (5.15–5.19): paddr in [mem->start, mem->end) of dev->dma_io_tlb_mem */
export function is_swiotlb_buffer(k: Kernel, paddr: number, dev?: Device): boolean {
  // (the unset static struct has start == end == 0: never a buffer)
  const mem = dev?.dma_io_tlb_mem ?? k.io_tlb_default_mem;
  return !!mem && paddr >= mem.start && paddr < mem.end;
}

/**
 * kernel/dma/swiotlb.c swiotlb_max_mapping_size (5.19): IO_TLB_SIZE * IO_TLB_SEGSIZE minus
 * roundup(min_align_mask, IO_TLB_SIZE) when the device has a min_align_mask (in the 5.19
 * tree; not in 5.14-rc5): 256 KiB, or 252 KiB for an NVMe-style 4 KiB - 1 mask.
 */
export function swiotlb_max_mapping_size(_k: Kernel, dev?: Device): number {
  const min_align_mask = dev ? dev.min_align_mask | 0 : 0;
  const min_align = min_align_mask ? Math.ceil(min_align_mask / IO_TLB_SIZE) * IO_TLB_SIZE : 0;
  return IO_TLB_SIZE * IO_TLB_SEGSIZE - min_align;
}

/**
 * kernel/dma/swiotlb.c swiotlb_find_slots (5.16–5.19; 5.15.178 with the 04867a7a3332 backport): the 5.13 search plus `alloc_align_mask`
 * (stride at least (alloc_align_mask >> IO_TLB_SHIFT) + 1), the alignment test skipped for
 * orig_addr 0, and the per-slot alloc_size written here (alloc_size - (offset + i * IO_TLB_SIZE)
 * with alloc_size already including the offset). Returns the first slot or -1. The same
 * endless-loop case as 5.13 (fixed in 2023 by 7c3940bf81e5).
 */
export function swiotlb_find_slots(k: Kernel, dev: Device, orig_addr: number, alloc_size: number, alloc_align_mask: number, tbl_dma_addr?: number): number {
  const mem = dev_io_tlb_mem(k, dev);
  if (k.tr) find_slots_enter(k, orig_addr, alloc_size, alloc_align_mask);
  const b = boundaryFor(k, dev, tbl_dma_addr ?? default_tbl_dma_addr(dev, mem.start));
  let iotlb_align_mask: number;
  if (k.sw["04867a7a3332"]) {
    // the 5.15.y backport: at least slot-aligned, and the alignment test ignores the bits the
    // offset into the allocation keeps
    alloc_align_mask = (alloc_align_mask | (IO_TLB_SIZE - 1)) >>> 0;
    iotlb_align_mask = (dev.min_align_mask & ~alloc_align_mask) >>> 0;
  } else iotlb_align_mask = (dev.min_align_mask & ~(IO_TLB_SIZE - 1)) >>> 0;
  const nslots = nr_slots(alloc_size);
  const offset = swiotlb_align_offset(dev, orig_addr);
  if (nslots === 0) k.BUG_ON("swiotlb:nslots", "swiotlb_find_slots", "BUG_ON(!nslots)");

  let stride = (iotlb_align_mask >>> IO_TLB_SHIFT) + 1;
  if (alloc_size >= PAGE_SIZE) stride = Math.max(stride, stride << (PAGE_SHIFT - IO_TLB_SHIFT));
  stride = Math.max(stride, (alloc_align_mask >>> IO_TLB_SHIFT) + 1);

  const nslabs = mem.nslabs;
  if (nslots > nslabs - mem.used) return find_slots_no_room(k, mem, nslots);

  // ALIGN(mem->index, stride) is the power-of-two macro: with the 04867a7a3332 backport the stride
  // need not be one (min_align_mask 0xffff, alloc_align_mask 0x3fff: stride 25), and the
  // kernel gets (index + stride - 1) & ~(stride - 1), not a multiple of the stride
  let index = ALIGN(mem.index, stride);
  if (index >= nslabs) index = 0;
  const wrap = index;
  const checkAlign = orig_addr !== 0;
  const want = orig_addr & iotlb_align_mask;
  let found = -1;
  let steps = 0;
  do {
    if (checkAlign && ((b.tblLow + index * IO_TLB_SIZE) & iotlb_align_mask) !== want) {
      index = index + 1 >= nslabs ? 0 : index + 1;
    } else {
      if (!iommu_is_span_boundary(k, index, nslots, b, "swiotlb_find_slots") && mem.slot_list(index) >= nslots) {
        found = index;
        break;
      }
      index += stride;
      if (index >= nslabs) index = 0;
    }
    if (++steps > nslabs) swiotlb_search_never_ends(k, "swiotlb_find_slots", dev, want, iotlb_align_mask, wrap, stride, nslots);
  } while (index !== wrap);

  if (found < 0) return find_slots_none_fits(k, mem, nslots, stride, iotlb_align_mask);
  const as = mem.alloc_size;
  for (let i = found; i < found + nslots; i++) {
    mem.set_slot_list(i, 0);
    as[i] = (alloc_size - (offset + (i - found) * IO_TLB_SIZE)) | 0;
  }
  mem.renumber(found - 1, 0);
  mem.index = found + nslots < nslabs ? found + nslots : 0;
  mem.used += nslots;
  if (k.tr) find_slots_found(k, mem, found, nslots, stride);
  return found;
}

// swiotlb_find_slots' trace and its two -1 exits, out of line (the search stays small enough for V8 to inline)
function find_slots_enter(k: Kernel, orig_addr: number, alloc_size: number, alloc_align_mask: number): void {
  k.tr?.enter(S_find, { orig_addr: hex(orig_addr), alloc_size: String(alloc_size), alloc_align_mask: hex(alloc_align_mask) });
}
function find_slots_no_room(k: Kernel, mem: IoTlbMem, nslots: number): number {
  k.tr?.decide("nslots > mem->nslabs - mem->used", true, `${nslots} slots wanted, ${mem.nslabs - mem.used} free in the whole pool`);
  k.tr?.exit("-1");
  return -1;
}
function find_slots_none_fits(k: Kernel, mem: IoTlbMem, nslots: number, stride: number, iotlb_align_mask: number): number {
  k.tr?.swiotlb("map", -1, nslots, "-", `no ${nslots}-slot run found (stride ${stride}, align mask ${hex(iotlb_align_mask)}), used ${mem.used}/${mem.nslabs}`);
  k.tr?.exit("-1");
  return -1;
}
function find_slots_found(k: Kernel, mem: IoTlbMem, found: number, nslots: number, stride: number): void {
  k.tr?.swiotlb("map", found, nslots, hex(slot_addr(mem.start, found)), `stride ${stride}; used ${mem.used}/${mem.nslabs}; next search at ${mem.index}`);
  k.tr?.exit(String(found));
}

/**
 * kernel/dma/swiotlb.c swiotlb_tbl_map_single (5.16–5.19): panic without a pool pointer (never
 * for a default device: it points at the static struct, whose nslabs may be 0 — then the request
 * is "buffer is full" with total 0), "Invalid sizes", swiotlb_find_slots, the ratelimited "buffer
 * is full", the originals per slot, then swiotlb_bounce(TO_DEVICE) in every direction.
 */
export function swiotlb_tbl_map_single(
  k: Kernel,
  dev: Device,
  orig_addr: number,
  mapping_size: number,
  alloc_size: number,
  alloc_align_mask: number,
  dir: number,
  attrs: number,
  tbl_dma_addr?: number,
): number {
  const mem = dev_io_tlb_mem(k, dev);
  // a traced run, an empty pool or bad sizes: the full path (swiotlb_tbl_map_single_slow); this body stays small enough for V8 to inline
  if (k.tr || mem.nslabs === 0 || mapping_size > alloc_size) return swiotlb_tbl_map_single_slow(k, dev, orig_addr, mapping_size, alloc_size, alloc_align_mask, dir, attrs, tbl_dma_addr);
  const offset = swiotlb_align_offset(dev, orig_addr);
  const index = swiotlb_find_slots(k, dev, orig_addr, alloc_size + offset, alloc_align_mask, tbl_dma_addr);
  if (index === -1) return map_single_full(k, dev, mem, alloc_size, attrs);
  const n = nr_slots(alloc_size + offset);
  const oa = mem.orig_addr;
  for (let i = 0; i < n; i++) oa[index + i] = slot_addr(orig_addr, i);
  const tlb_addr = slot_addr(mem.start, index) + offset;
  swiotlb_bounce(k, dev, tlb_addr, mapping_size, DMA_TO_DEVICE);
  return tlb_addr;
}

/** swiotlb_tbl_map_single with its trace, the empty-pool panic and the "Invalid sizes" exit: every step of the function */
function swiotlb_tbl_map_single_slow(
  k: Kernel,
  dev: Device,
  orig_addr: number,
  mapping_size: number,
  alloc_size: number,
  alloc_align_mask: number,
  dir: number,
  attrs: number,
  tbl_dma_addr?: number,
): number {
  const mem = dev_io_tlb_mem(k, dev);
  if (k.tr) map_single_enter(k, orig_addr, mapping_size, alloc_size, alloc_align_mask, dir, attrs);
  const offset = swiotlb_align_offset(dev, orig_addr);
  // 5.15 (5.15.178): an empty pool panics: c51ba246cb17 (6.0, backported) tests !mem->nslabs.
  // 463e862ac63e (mainline 5.15–5.19: `if (!mem)` on the static struct; absent in dmasim 5.15) has no such test:
  // the empty static struct then reaches swiotlb_find_slots ("buffer is full", total 0).
  if (!k.sw["463e862ac63e"] && !mem.nslabs) map_single_no_slabs(k);

  if (mapping_size > alloc_size) return map_single_invalid_sizes(k, dev, mapping_size, alloc_size);

  const index = swiotlb_find_slots(k, dev, orig_addr, alloc_size + offset, alloc_align_mask, tbl_dma_addr);
  if (index === -1) return map_single_full(k, dev, mem, alloc_size, attrs);

  const n = nr_slots(alloc_size + offset);
  const oa = mem.orig_addr;
  for (let i = 0; i < n; i++) oa[index + i] = slot_addr(orig_addr, i);
  const tlb_addr = slot_addr(mem.start, index) + offset;
  if (k.tr) map_single_bounce_decided(k, dir, attrs);
  swiotlb_bounce(k, dev, tlb_addr, mapping_size, DMA_TO_DEVICE);
  if (k.tr) tr_exit_hex(k, tlb_addr);
  return tlb_addr;
}
function map_single_no_slabs(k: Kernel): never {
  k.fatal("panic", "Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer", "swiotlb_tbl_map_single");
}
function tr_exit_hex(k: Kernel, v: number): void {
  k.tr?.exit(hex(v));
}

// swiotlb_tbl_map_single's trace and its two error exits, out of line (small enough for V8 to inline)
function map_single_enter(k: Kernel, orig_addr: number, mapping_size: number, alloc_size: number, alloc_align_mask: number, dir: number, attrs: number): void {
  k.tr?.enter(S_map, { orig_addr: hex(orig_addr), mapping_size: hex(mapping_size), alloc_size: hex(alloc_size), alloc_align_mask: hex(alloc_align_mask), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
}
function map_single_invalid_sizes(k: Kernel, dev: Device, mapping_size: number, alloc_size: number): number {
  if (k.firstTime("swiotlb_tbl_map_single:invalid-sizes")) k.dev_printk("warn", dev, `Invalid sizes (mapping: ${mapping_size} bytes, alloc: ${alloc_size} bytes)`); // dev_warn_once
  k.tr?.exit("DMA_MAPPING_ERROR");
  return DMA_MAPPING_ERROR;
}
function map_single_full(k: Kernel, dev: Device, mem: IoTlbMem, alloc_size: number, attrs: number): number {
  if (!(attrs & DMA_ATTR_NO_WARN) && swiotlb_full_ratelimit(k))
    k.dev_printk("warn", dev, `swiotlb buffer is full (sz: ${alloc_size} bytes), total ${mem.nslabs} (slots), used ${mem.used} (slots)`);
  k.tr?.exit("DMA_MAPPING_ERROR");
  return DMA_MAPPING_ERROR;
}
function map_single_bounce_decided(k: Kernel, dir: number, attrs: number): void {
  k.tr?.decide("bounce at map", true, `every direction${dir === DMA_FROM_DEVICE ? " (DMA_FROM_DEVICE too: no stale pool bytes reach the device's buffer)" : ""}${attrs & DMA_ATTR_SKIP_CPU_SYNC ? ", DMA_ATTR_SKIP_CPU_SYNC notwithstanding" : ""}`);
}

/**
 * kernel/dma/swiotlb.c swiotlb_bounce (5.15–5.19): the slot's original and remaining size;
 * dev_WARN_ONCE "Access before mapping start detected" (and no copy) when tlb_addr's offset in
 * the slot is below the original's min_align offset, dev_WARN_ONCE "Buffer overflow detected …
 * Mapping size: %zu+%u." (no copy) past the allocation, and the clamp with "Buffer overflow
 * detected … Mapping size: %zu." when size exceeds what is left.
 */
export function swiotlb_bounce(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  const mem = dev_io_tlb_mem(k, dev);
  // the common case (untraced, 64-bit, no Xen, inside the pool, an original, within its allocation,
  // RAM): the copy; anything else takes swiotlb_bounce_slow, which tests and reports every case
  const inPool = tlb_addr >= mem.start && tlb_addr < mem.end;
  const index = inPool ? ((tlb_addr - mem.start) / IO_TLB_SIZE) | 0 : 0;
  const orig_addr = inPool ? mem.orig_addr[index]! : INVALID_PHYS_ADDR;
  const tlb_offset = (tlb_addr & (IO_TLB_SIZE - 1)) - swiotlb_align_offset(dev, orig_addr);
  const orig = orig_addr + tlb_offset;
  if (k.tr || orig_addr === INVALID_PHYS_ADDR || tlb_offset < 0 || size <= 0 || size > mem.alloc_size[index]! - tlb_offset || k.xen !== null || longBits(k) === 32 || !k.mem.isRamRange(orig, size))
    return swiotlb_bounce_slow(k, dev, tlb_addr, size, dir);
  const toDevice = dir === DMA_TO_DEVICE;
  k.cache.cpuCopy(toDevice ? tlb_addr : orig, toDevice ? orig : tlb_addr, size);
}

/** swiotlb_bounce with its trace and every check that can report: out of the pool, no original, before the mapping start, past the allocation (clamped), 32-bit, Xen, not RAM */
function swiotlb_bounce_slow(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  const mem = dev_io_tlb_mem(k, dev);
  if (k.tr) bounce_enter(k, tlb_addr, size, dir);
  const index = Math.floor((tlb_addr - mem.start) / IO_TLB_SIZE);
  if (index < 0 || index >= mem.nslabs) outOfPool(k, "swiotlb_bounce", tlb_addr);
  let orig_addr = mem.orig_addr[index]!;
  if (orig_addr === INVALID_PHYS_ADDR) return bounce_no_original(k, index, tlb_addr);
  const bits = longBits(k);
  let alloc = unsignedOf(mem.alloc_size[index]!, bits);
  const pfn = Math.floor(orig_addr / PAGE_SIZE);
  let tlb_offset = tlb_addr & (IO_TLB_SIZE - 1);
  const orig_addr_offset = swiotlb_align_offset(dev, orig_addr);
  if (tlb_offset < orig_addr_offset) return bounce_warn_before_start(k, dev, orig_addr_offset, tlb_offset);
  tlb_offset -= orig_addr_offset;
  if (tlb_offset > alloc) return bounce_warn_overflow_offset(k, dev, alloc, size, tlb_offset);
  orig_addr += tlb_offset;
  if (bits === 32) orig_addr %= TWO32;
  alloc -= tlb_offset;
  if (size > alloc) {
    bounce_clamp_warn(k, dev, alloc, size);
    size = alloc;
  }
  const toDevice = dir === DMA_TO_DEVICE;
  if (k.tr) bounce_traced(k, index, tlb_addr, size, toDevice, orig_addr);
  bounce_copy(k, tlb_addr, orig_addr, pfn, size, toDevice, bits);
  k.tr?.exit();
}

// swiotlb_bounce's trace and dev_WARN_ONCEs, out of line (the copy path stays small enough for V8 to inline)
function bounce_traced(k: Kernel, index: number, tlb_addr: number, size: number, toDevice: boolean, orig_addr: number): void {
  k.tr?.swiotlb("bounce", index, nr_slots((tlb_addr & (IO_TLB_SIZE - 1)) + size), hex(tlb_addr), `${toDevice ? "orig → slot" : "slot → orig"} ${size} B, orig ${hex(orig_addr)}`);
}
function bounce_clamp_warn(k: Kernel, dev: Device, alloc: number, size: number): void {
  k.warnOnce("swiotlb_bounce:overflow", `WARNING: at kernel/dma/swiotlb.c swiotlb_bounce: ${dev_id(dev)}: Buffer overflow detected. Allocation size: ${alloc}. Mapping size: ${size}.`, "swiotlb_bounce", warn_site(k, "swiotlb_bounce:overflow"));
}

/**
 * kernel/dma/swiotlb.c swiotlb_release_slots (5.15–5.19): nslots from the slot's stored
 * alloc_size plus the min_align offset; merge with the free run after (same segment) and
 * renumber the run before; clear orig_addr and alloc_size.
 */
export function swiotlb_release_slots(k: Kernel, dev: Device, tlb_addr: number): void {
  const mem = dev_io_tlb_mem(k, dev);
  const offset = swiotlb_align_offset(dev, tlb_addr);
  const index = Math.floor((tlb_addr - offset - mem.start) / IO_TLB_SIZE);
  // a traced run, or an address outside the pool: the full path (this body stays small enough for V8 to inline)
  if (k.tr || index < 0 || index >= mem.nslabs) return swiotlb_release_slots_slow(k, dev, tlb_addr);
  const nslots = slotsOfMapping(mem.alloc_size[index]!, offset, longBits(k));
  const oa = mem.orig_addr;
  const as = mem.alloc_size;
  let count = index + nslots < ((index + IO_TLB_SEGSIZE) & ~(IO_TLB_SEGSIZE - 1)) ? mem.slot_list(index + nslots) : 0;
  for (let i = index + nslots - 1; i >= index; i--) {
    mem.set_slot_list(i, ++count);
    oa[i] = INVALID_PHYS_ADDR;
    as[i] = 0;
  }
  mem.renumber(index - 1, count);
  mem.used -= nslots;
}

/** swiotlb_release_slots with its trace, and the out-of-pool stop: every step of the function */
function swiotlb_release_slots_slow(k: Kernel, dev: Device, tlb_addr: number): void {
  const mem = dev_io_tlb_mem(k, dev);
  if (k.tr) release_enter(k, tlb_addr);
  const offset = swiotlb_align_offset(dev, tlb_addr);
  const index = Math.floor((tlb_addr - offset - mem.start) / IO_TLB_SIZE);
  if (index < 0 || index >= mem.nslabs) outOfPool(k, "swiotlb_release_slots", tlb_addr);
  const nslots = slotsOfMapping(mem.alloc_size[index]!, offset, longBits(k));
  const oa = mem.orig_addr;
  const as = mem.alloc_size;
  let count = index + nslots < ((index + IO_TLB_SEGSIZE) & ~(IO_TLB_SEGSIZE - 1)) ? mem.slot_list(index + nslots) : 0;
  for (let i = index + nslots - 1; i >= index; i--) {
    mem.set_slot_list(i, ++count);
    oa[i] = INVALID_PHYS_ADDR;
    as[i] = 0;
  }
  count = mem.renumber(index - 1, count);
  mem.used -= nslots;
  if (k.tr) release_traced(k, mem, index, nslots, tlb_addr, count);
}
// swiotlb_release_slots' trace, out of line (small enough for V8 to inline)
function release_enter(k: Kernel, tlb_addr: number): void {
  k.tr?.enter(S_release, { tlb_addr: hex(tlb_addr) });
}
function release_traced(k: Kernel, mem: IoTlbMem, index: number, nslots: number, tlb_addr: number, count: number): void {
  k.tr?.swiotlb("unmap", index, nslots, hex(tlb_addr), `freed; run now ${count} slots; used ${mem.used}/${mem.nslabs}`);
  k.tr?.exit();
}

/** kernel/dma/swiotlb.c swiotlb_tbl_unmap_single (5.15–5.19): copy back for FROM/BIDI unless SKIP_CPU_SYNC, then swiotlb_release_slots */
export function swiotlb_tbl_unmap_single(k: Kernel, dev: Device, tlb_addr: number, mapping_size: number, dir: number, attrs: number): void {
  if (k.tr) return unmap_single_traced(k, dev, tlb_addr, mapping_size, dir, attrs);
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) swiotlb_bounce(k, dev, tlb_addr, mapping_size, DMA_FROM_DEVICE);
  swiotlb_release_slots(k, dev, tlb_addr);
}
// swiotlb_tbl_unmap_single with its trace entry and exit: the same steps (out of line: the body stays small enough for V8 to inline)
function unmap_single_traced(k: Kernel, dev: Device, tlb_addr: number, mapping_size: number, dir: number, attrs: number): void {
  unmap_single_enter(k, tlb_addr, mapping_size, dir, attrs);
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) swiotlb_bounce(k, dev, tlb_addr, mapping_size, DMA_FROM_DEVICE);
  swiotlb_release_slots(k, dev, tlb_addr);
  k.tr?.exit();
}

// swiotlb_tbl_unmap_single's trace entry, out of line (small enough for V8 to inline)
function unmap_single_enter(k: Kernel, tlb_addr: number, mapping_size: number, dir: number, attrs: number): void {
  k.tr?.enter(S_unmap, { tlb_addr: hex(tlb_addr), mapping_size: hex(mapping_size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
}

/** kernel/dma/swiotlb.c swiotlb_sync_single_for_device (5.15–5.19): bounce in for TO/BIDI; BUG_ON(dir != DMA_FROM_DEVICE) otherwise */
export function swiotlb_sync_single_for_device(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  k.tr?.enter(S_sync_dev, { tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  if (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(k, dev, tlb_addr, size, DMA_TO_DEVICE);
  else if (dir !== DMA_FROM_DEVICE) k.BUG_ON("swiotlb:sync_for_device", "swiotlb_sync_single_for_device", "BUG_ON(dir != DMA_FROM_DEVICE)");
  k.tr?.exit();
}

/** kernel/dma/swiotlb.c swiotlb_sync_single_for_cpu (5.15–5.19): bounce out for FROM/BIDI; BUG_ON(dir != DMA_TO_DEVICE) otherwise */
export function swiotlb_sync_single_for_cpu(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  if (k.tr || (dir !== DMA_FROM_DEVICE && dir !== DMA_BIDIRECTIONAL)) return sync_single_for_cpu_slow(k, dev, tlb_addr, size, dir);
  swiotlb_bounce(k, dev, tlb_addr, size, DMA_FROM_DEVICE);
}
// swiotlb_sync_single_for_cpu with its trace, and the directions that do not copy (TO_DEVICE: nothing; any other: the BUG_ON), out of line (small enough for V8 to inline)
function sync_single_for_cpu_slow(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  k.tr?.enter(S_sync_cpu, { tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  if (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(k, dev, tlb_addr, size, DMA_FROM_DEVICE);
  else if (dir !== DMA_TO_DEVICE) k.BUG_ON("swiotlb:sync_for_cpu", "swiotlb_sync_single_for_cpu", "BUG_ON(dir != DMA_TO_DEVICE)");
  k.tr?.exit();
}

/** kernel/dma/swiotlb.c swiotlb_alloc (5.15–5.19, CONFIG_DMA_RESTRICTED_POOL): swiotlb_find_slots(dev, 0, size, 0) in dev->dma_io_tlb_mem; the first slot's physical address, or -1 (NULL) */
export function swiotlb_alloc(k: Kernel, dev: Device, size: number): number {
  const mem = dev.dma_io_tlb_mem ?? k.io_tlb_default_mem;
  k.tr?.enter(sym("swiotlb_alloc", FILE), { size: hex(size) });
  if (!mem) {
    k.tr?.exit("NULL");
    return -1;
  }
  const index = swiotlb_find_slots(k, dev, 0, size, 0);
  const r = index === -1 ? -1 : slot_addr(mem.start, index);
  k.tr?.exit(r === -1 ? "NULL" : hex(r));
  return r;
}

/** kernel/dma/swiotlb.c swiotlb_free (5.15–5.19): false unless the page lies in dev->dma_io_tlb_mem, else swiotlb_release_slots */
export function swiotlb_free(k: Kernel, dev: Device, tlb_addr: number, _size: number): boolean {
  if (!is_swiotlb_buffer(k, tlb_addr, dev)) return false;
  swiotlb_release_slots(k, dev, tlb_addr);
  return true;
}

/**
 * kernel/dma/swiotlb.c rmem_swiotlb_device_init (5.15–5.19): the first device of the region
 * creates its io_tlb_mem (swiotlb_init_io_tlb_mem on rmem->base, then force_bounce and for_alloc;
 * 5.15.178 sets force_bounce after the call, 5.19 passes SWIOTLB_FORCE: the same state); every
 * device then points dev->dma_io_tlb_mem at it. (The highmem check is in rmem_swiotlb_setup in
 * this era.)
 */
export function rmem_swiotlb_device_init(k: Kernel, rmem: ReservedMem, dev: Device): number {
  k.tr?.enter(sym("rmem_swiotlb_device_init", FILE), { rmem: rmem.name, base: hex(rmem.base), size: hex(rmem.size) });
  let mem = rmem.priv;
  if (!mem) {
    const nslabs = Math.floor(rmem.size / IO_TLB_SIZE);
    mem = new IoTlbMem(rmem.base, nslabs, false);
    k.mem.fill(rmem.base, 0, nslabs * IO_TLB_SIZE);
    k.cache.invalidate(rmem.base, nslabs * IO_TLB_SIZE);
    mem.force_bounce = true;
    mem.for_alloc = true;
    rmem.priv = mem;
  }
  dev.dma_io_tlb_mem = mem;
  k.tr?.exit("0");
  return 0;
}

/** The 5.15–5.19 era as index.ts dispatches to it. */
/** kernel/dma/swiotlb.c swiotlb_late_init_with_tbl (5.15–5.18) / swiotlb_init_late (5.19): mem->slots alone, __get_free_pages(GFP_KERNEL | __GFP_ZERO, get_order(array_size(sizeof(*mem->slots), nslabs))) — the io_tlb_mem is static (5.15.178, 5.19) */
function swiotlb_late_metadata(nslabs: number): import("./index.js").LateBlock[] {
  return [{ bytes: 24 * nslabs, zero: true, what: "swiotlb slots" }];
}

/**
 * kernel/dma/swiotlb.c swiotlb_init_with_tbl (5.15–5.18; SWIOTLB_NO_FORCE returns 0 first, nothing allocated) /
 * swiotlb_init_remap (5.19) on the boot buffer: mem->slots = memblock_alloc(PAGE_ALIGN(array_size(24, nslabs)),
 * PAGE_SIZE) — io_tlb_default_mem itself is static — or panic "%s: Failed to allocate %zu bytes align=0x%lx"
 * (5.15.178 :207–218, 5.19 :271–275).
 */
function swiotlb_boot_metadata(k: Kernel, nslabs: number): BootMetaBlock[] {
  if (k.swiotlb_force === "noforce") return [];
  const fn = k.sw["3f70356edf56"] ? "swiotlb_init_remap" : "swiotlb_init_with_tbl";
  return [boot_meta_block(fn, "swiotlb slots", Math.ceil((24 * nslabs) / PAGE_SIZE) * PAGE_SIZE, PAGE_SIZE, "panic")];
}

/**
 * kernel/dma/swiotlb.c swiotlb_init_remap (5.19) with a remap callback (x86 PV: xen_swiotlb_fixup): `retry:` —
 * memblock_alloc the buffer (failure: pr_warn "%s: failed to allocate tlb structure" and return, no pool); a
 * refused remap memblock_frees it, halves nslabs (ALIGN(nslabs >> 1, IO_TLB_SEGSIZE)) and retries, or below
 * IO_TLB_MIN_SLABS panics "%s: Failed to remap %zu bytes" with the refused size (5.19 swiotlb.c:250–269).
 */
function swiotlb_init_remap_alloc(k: Kernel, nslabs: number, alloc: (bytes: number) => number | null, remap: BootRemap): { base: number; nslabs: number } | null {
  for (;;) {
    const bytes = swiotlb_buffer_bytes(nslabs);
    const got = swiotlb_boot_alloc_once(k, nslabs, alloc, "swiotlb_init_remap: failed to allocate tlb structure");
    if (!got) return null;
    if (remap.remap(got.base, nslabs) >= 0) return got;
    remap.free(got.base, bytes);
    nslabs = Math.ceil(Math.floor(nslabs / 2) / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE; // ALIGN(nslabs >> 1, IO_TLB_SEGSIZE), unsigned long
    if (nslabs < IO_TLB_MIN_SLABS) k.fatal("panic", `Kernel panic - not syncing: swiotlb_init_remap: Failed to remap ${bytes} bytes`, "swiotlb_init_remap");
  }
}

export const era_v5_15: SwiotlbEra = Object.freeze<SwiotlbEra>({
  parse_param: setup_io_tlb_npages_v5,
  // default_nslabs and swiotlb_size_or_default read as in 5.13–5.14 (5.15.178 swiotlb.c:81, :84–100, :116–119; 5.19 :72, :75–91, :101–104)
  boot_nslabs: default_nslabs,
  swiotlb_size_or_default: (k) => default_nslabs(k) * IO_TLB_SIZE,
  // kernel/dma/swiotlb.c swiotlb_init (5.15.178 :252: pr_warn "Cannot allocate buffer") / swiotlb_init_remap (5.19 :257,
  // 1521c607cabe: pr_warn "%s: failed to allocate tlb structure\n" and return): one try, no pool; 5.19's remap retry
  boot_alloc: (k, nslabs, alloc, remap) =>
    remap && k.sw["3f70356edf56"] ? swiotlb_init_remap_alloc(k, nslabs, alloc, remap) : swiotlb_boot_alloc_once(k, nslabs, alloc, k.sw["1521c607cabe"] ? "swiotlb_init_remap: failed to allocate tlb structure" : "Cannot allocate buffer"),
  boot_metadata: swiotlb_boot_metadata,
  late_metadata: swiotlb_late_metadata,
  name: "5.15",
  pool: (k, dev) => {
    const mem = dev_io_tlb_mem(k, dev);
    return mem.nslabs ? mem : null;
  },
  swiotlb_init_with_tbl: swiotlb_init_io_tlb_mem,
  swiotlb_print_info,
  swiotlb_set_max_segment,
  swiotlb_max_segment,
  is_swiotlb_active,
  is_swiotlb_buffer,
  swiotlb_max_mapping_size,
  map_single: swiotlb_tbl_map_single,
  unmap_single: swiotlb_tbl_unmap_single,
  is_swiotlb_force_bounce: is_swiotlb_force_bounce_pool,
  sync_for_device: swiotlb_sync_single_for_device,
  sync_for_cpu: swiotlb_sync_single_for_cpu,
  swiotlb_alloc,
  swiotlb_free,
  rmem_swiotlb_device_init,
});

/**
 * kernel/dma/swiotlb.c, era 5.6–5.11 (modelled: 5.6, 5.10): the pool is a set of globals —
 * io_tlb_start, io_tlb_end, io_tlb_nslabs, io_tlb_used, io_tlb_index, io_tlb_list[],
 * io_tlb_orig_addr[] (kept here in an IoTlbMem as k.io_tlb_default_mem; no per-slot size) —
 * the slot search is inline in swiotlb_tbl_map_single, swiotlb_tbl_unmap_single frees as many
 * slots as the `alloc_size` its caller passes, one swiotlb_tbl_sync_single serves both sync
 * directions, and "swiotlb buffer is full" is a dev_warn behind printk_ratelimit().
 *
 * Read from ejga2001/linux-5.10.7 @3791f9c55148 (Makefile 5.10.7) kernel/dma/swiotlb.c lines
 * 52–177 (globals, setup_io_tlb_npages, set_max_segment, print_info), 199–239
 * (swiotlb_init_with_tbl), 411–446 (swiotlb_bounce), 448–575 (swiotlb_tbl_map_single),
 * 580–625 (swiotlb_tbl_unmap_single), 627–656 (swiotlb_tbl_sync_single), 692–704; and from
 * shmily1012/linux-5.6.4 @93830a5cf2aa, which differs only in: map_single takes tbl_dma_addr
 * from its caller (`__phys_to_dma(dev, io_tlb_start)`), print_info's format
 * "mapped [mem %#010llx-%#010llx] (%luMB)", `no_iotlb_memory` not reset by init.
 * Both replayed slot by slot against the files compiled unmodified (test/vectors/swiotlb/5.6-*,
 * 5.10-*). This era has no min_align_mask (1f221a0d0dbf, 5.12) and no per-slot alloc_size.
 */
import type { Kernel } from "../../../kernel.js";
import type { Device } from "../../../drivers/device.js";
import { DMA_MAPPING_ERROR, PAGE_SHIFT, PAGE_SIZE, hex } from "../../../core/u64.js";
import { sym } from "../../../core/trace.js";
import { DIR_NAMES, DMA_ATTR_NO_WARN, DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, attrsName } from "../../../include/gfp.js";
import {
  INVALID_PHYS_ADDR, IO_TLB_SEGSIZE, IO_TLB_SHIFT, IO_TLB_SIZE, IoTlbMem, boundaryFor, bounce_copy, default_tbl_dma_addr, fmtPa, fmtUlong,
  iommu_is_span_boundary, longBits, outOfPool, swiotlb_full_ratelimit, is_swiotlb_force_bounce_global, swiotlb_boot_alloc_once,
} from "./common.js";
import type { SwiotlbEra } from "./index.js";
import { boot_meta_block, type BootMetaBlock } from "./common.js";
import { setup_io_tlb_npages_v5 } from "./param.js";

const FILE = "kernel/dma/swiotlb.c";
const S_init = sym("swiotlb_init_with_tbl", FILE);
const S_map = sym("swiotlb_tbl_map_single", FILE);
const S_unmap = sym("swiotlb_tbl_unmap_single", FILE);
const S_bounce = sym("swiotlb_bounce", FILE);
const S_sync = sym("swiotlb_tbl_sync_single", FILE);

/** enum dma_sync_target (include/linux/swiotlb.h 5.6–5.11) */
export const SYNC_FOR_CPU = 0;
export const SYNC_FOR_DEVICE = 1;

/**
 * 5.6 (to 5.9.1, checked in the 5.7.14/5.8.1/5.9.1 trees too) prints %#010llx; 5.10 prints %pa:
 * Andy Shevchenko's "swiotlb: Use %pa to print phys_addr_t variables" (v2 2 Sep 2020), pulled as
 * konrad/swiotlb stable/for-linus-5.10 (13 Oct 2020). Its commit id was not found in the index,
 * so this is keyed on the version rather than on a switch.
 */
function is56(k: Kernel): boolean {
  return k.version.id === "5.6";
}

/** kernel/dma/swiotlb.c swiotlb_print_info (5.6: "%#010llx-%#010llx"; 5.10: "%pa-%pa"): pr_info, or pr_warn "No low mem" (5.6.4 and 5.10.7 swiotlb.c:171–177), a kernel log line as in the later eras */
export function swiotlb_print_info(k: Kernel): void {
  const mem = k.io_tlb_default_mem;
  if (!mem) {
    k.printk("warn", "software IO TLB: No low mem");
    return;
  }
  const mb = Math.floor((mem.nslabs * IO_TLB_SIZE) / (1 << 20));
  if (is56(k)) {
    const f = (a: number) => "0x" + a.toString(16).padStart(8, "0");
    k.printk("info", `software IO TLB: mapped [mem ${f(mem.start)}-${f(mem.end)}] (${mb}MB)`);
  } else k.printk("info", `software IO TLB: mapped [mem ${fmtPa(k, mem.start)}-${fmtPa(k, mem.end)}] (${mb}MB)`);
}

/**
 * kernel/dma/swiotlb.c swiotlb_init_with_tbl (5.6–5.11): set io_tlb_start/end/nslabs, the free
 * list (IO_TLB_SEGSIZE - OFFSET(i, IO_TLB_SEGSIZE)) and io_tlb_orig_addr (INVALID_PHYS_ADDR),
 * io_tlb_index = 0; print; swiotlb_set_max_segment. No double-init check in this era: a second
 * call simply replaces the globals. The pool memory is memblock_alloc_low'ed (zeroed). With
 * swiotlb=noforce the pool is one slab: setup_io_tlb_npages sets io_tlb_nslabs = 1 (5.6.4 and
 * 5.10.7 swiotlb.c:124–127) and swiotlb_init (5.6.4 :246–270, 5.10.7 :245–272) allocates
 * PAGE_ALIGN(1 << IO_TLB_SHIFT) low and calls this (5.6.4 :201, 5.10.7 :199), which sets
 * io_tlb_list[0] = IO_TLB_SEGSIZE as for any slot 0.
 */
export function swiotlb_init_with_tbl(k: Kernel, start_phys: number, nslabs: number, verbose: boolean): number {
  k.tr?.enter(S_init, { tlb: hex(start_phys), nslabs: String(nslabs) });
  // no swiotlb_force test here: swiotlb=noforce made setup_io_tlb_npages set io_tlb_nslabs = 1, so
  // swiotlb_init hands over a one-slab pool (era_v5_6.noforce_nslabs), which dma-direct never bounces into
  const mem = new IoTlbMem(start_phys, nslabs, false);
  const bytes = nslabs * IO_TLB_SIZE;
  k.mem.fill(start_phys, 0, bytes);
  k.cache.invalidate(start_phys, bytes);
  k.io_tlb_default_mem = mem;
  if (verbose) swiotlb_print_info(k);
  swiotlb_set_max_segment(k, bytes);
  k.tr?.exit("0");
  return 0;
}

/**
 * kernel/dma/swiotlb.c swiotlb_late_init_with_tbl (5.6–5.12; 5.6.4 :330–378, 5.10.7 :331–383), the pool
 * itself (its io_tlb_list / io_tlb_orig_addr pages are swiotlb_late_metadata): no SWIOTLB_NO_FORCE test
 * in this era — swiotlb=noforce only stops dma-direct from bouncing; 5.14-rc5's starts with one — the
 * buffer zeroed (:342), swiotlb_print_info, late_alloc, swiotlb_set_max_segment(nslabs << IO_TLB_SHIFT).
 */
function swiotlb_late_init_with_tbl(k: Kernel, start_phys: number, nslabs: number): void {
  const mem = new IoTlbMem(start_phys, nslabs, true);
  const bytes = nslabs * IO_TLB_SIZE;
  k.mem.fill(start_phys, 0, bytes);
  k.cache.invalidate(start_phys, bytes);
  k.io_tlb_default_mem = mem;
  swiotlb_print_info(k);
  swiotlb_set_max_segment(k, bytes);
}

/** kernel/dma/swiotlb.c swiotlb_set_max_segment (5.6–5.11): 1 with swiotlb=force, else rounddown(val, PAGE_SIZE) */
export function swiotlb_set_max_segment(k: Kernel, val: number): void {
  const mem = k.io_tlb_default_mem;
  if (mem) mem.max_segment = k.swiotlb_force === "force" ? 1 : Math.floor(val / PAGE_SIZE) * PAGE_SIZE;
}

/** kernel/dma/swiotlb.c swiotlb_max_segment (5.6–5.11): max_segment (0 after a failed init) */
export function swiotlb_max_segment(k: Kernel): number {
  return k.io_tlb_default_mem ? k.io_tlb_default_mem.max_segment : 0;
}

/** kernel/dma/swiotlb.c is_swiotlb_active (5.6–5.11): io_tlb_end != 0 */
export function is_swiotlb_active(k: Kernel): boolean {
  const mem = k.io_tlb_default_mem;
  return !!mem && mem.end !== 0;
}

/** include/linux/swiotlb.h is_swiotlb_buffer (5.6–5.11): io_tlb_start <= paddr < io_tlb_end */
export function is_swiotlb_buffer(k: Kernel, paddr: number): boolean {
  const mem = k.io_tlb_default_mem;
  return !!mem && paddr >= mem.start && paddr < mem.end;
}

/** kernel/dma/swiotlb.c swiotlb_max_mapping_size (5.6–5.11): (1 << IO_TLB_SHIFT) * IO_TLB_SEGSIZE = 256 KiB */
export function swiotlb_max_mapping_size(): number {
  return IO_TLB_SIZE * IO_TLB_SEGSIZE;
}

/** The globals before swiotlb_init: io_tlb_nslabs 0, io_tlb_used 0 (one per Kernel). */
const unset = new WeakMap<object, IoTlbMem>();
function globals(k: Kernel): IoTlbMem {
  const mem = k.io_tlb_default_mem;
  if (mem) return mem;
  let z = unset.get(k);
  if (!z) unset.set(k, (z = new IoTlbMem(0, 0)));
  return z;
}

/**
 * kernel/dma/swiotlb.c swiotlb_bounce (5.6–5.11): a plain copy between `orig_addr` and
 * `tlb_addr` — no slot lookup, no size check (the caller's size is copied as given).
 */
export function swiotlb_bounce(k: Kernel, orig_addr: number, tlb_addr: number, size: number, dir: number): void {
  k.tr?.enter(S_bounce, { orig_addr: hex(orig_addr), tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  const toDevice = dir === DMA_TO_DEVICE;
  const mem = k.io_tlb_default_mem;
  if (k.tr && mem) {
    const index = Math.floor((tlb_addr - mem.start) / IO_TLB_SIZE);
    k.tr.swiotlb("bounce", index, Math.ceil(((tlb_addr & (IO_TLB_SIZE - 1)) + size) / IO_TLB_SIZE), hex(tlb_addr), `${toDevice ? "orig → slot" : "slot → orig"} ${size} B, orig ${hex(orig_addr)}`);
  }
  bounce_copy(k, tlb_addr, orig_addr, Math.floor(orig_addr / PAGE_SIZE), size, toDevice, longBits(k));
  k.tr?.exit();
}

/**
 * kernel/dma/swiotlb.c swiotlb_tbl_map_single (5.6–5.11): the whole slot search inline.
 * mask = dma_get_seg_boundary; offset_slots = ALIGN(tbl_dma_addr & mask, IO_TLB_SIZE) >> 11;
 * nslots = ALIGN(alloc_size, IO_TLB_SIZE) >> 11; stride 2 (a page) for alloc_size >= PAGE_SIZE,
 * else 1; BUG_ON(!nslots). Under the lock: fail fast if nslots > nslabs - used; from
 * ALIGN(io_tlb_index, stride) (0 past the end) step over segment-boundary crossings (giving up
 * when back at the start), take the first slot whose free run is >= nslots. The original is
 * recorded per slot (orig + i * IO_TLB_SIZE) and, for TO_DEVICE/BIDIRECTIONAL without
 * SKIP_CPU_SYNC, copied in. The sub-slot offset of the original is not kept (tlb_addr is
 * slot-aligned). Without a pool (io_tlb_nslabs 0) every request is "buffer is full".
 */
export function swiotlb_tbl_map_single(k: Kernel, dev: Device, orig_addr: number, mapping_size: number, alloc_size: number, dir: number, attrs: number, tbl_dma_addr?: number): number {
  const mem = globals(k);
  k.tr?.enter(S_map, { orig_addr: hex(orig_addr), mapping_size: hex(mapping_size), alloc_size: hex(alloc_size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  // swiotlb_init could not allocate the buffer (5.6.4 swiotlb.c:463–464, 5.10.7 :462–463)
  if (!k.io_tlb_default_mem && noIotlbMemory.has(k)) k.fatal("panic", "Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer", "swiotlb_tbl_map_single");

  if (mapping_size > alloc_size) {
    if (k.firstTime("swiotlb_tbl_map_single:invalid-sizes")) k.dev_printk("warn", dev, `Invalid sizes (mapping: ${mapping_size} bytes, alloc: ${alloc_size} bytes)`); // dev_warn_once
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }

  const b = boundaryFor(k, dev, tbl_dma_addr ?? default_tbl_dma_addr(dev, mem.start));
  const nslots = Math.ceil(alloc_size / IO_TLB_SIZE);
  const stride = alloc_size >= PAGE_SIZE ? 1 << (PAGE_SHIFT - IO_TLB_SHIFT) : 1;
  if (nslots === 0) k.BUG_ON("swiotlb:nslots", "swiotlb_tbl_map_single", "BUG_ON(!nslots)");

  const nslabs = mem.nslabs;
  let found = -1;
  if (nslots > nslabs - mem.used) {
    k.tr?.decide("nslots > io_tlb_nslabs - io_tlb_used", true, `${nslots} slots wanted, ${nslabs - mem.used} free in the whole pool`);
  } else {
    let index = Math.ceil(mem.index / stride) * stride;
    if (index >= nslabs) index = 0;
    const wrap = index;
    search: do {
      while (iommu_is_span_boundary(k, index, nslots, b, "swiotlb_tbl_map_single")) {
        index += stride;
        if (index >= nslabs) index = 0;
        if (index === wrap) break search;
      }
      if (mem.slot_list(index) >= nslots) {
        found = index;
        break;
      }
      index += stride;
      if (index >= nslabs) index = 0;
    } while (index !== wrap);
  }

  if (found < 0) {
    const used = mem.used;
    k.tr?.swiotlb("map", -1, nslots, "-", `no ${nslots}-slot run found (stride ${stride}), used ${used}/${nslabs}`);
    if (!(attrs & DMA_ATTR_NO_WARN) && swiotlb_full_ratelimit(k))
      k.dev_printk("warn", dev, `swiotlb buffer is full (sz: ${alloc_size} bytes), total ${nslabs} (slots), used ${fmtUlong(k, used)} (slots)`);
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }

  for (let i = found; i < found + nslots; i++) mem.set_slot_list(i, 0);
  mem.renumber(found - 1, 0);
  const tlb_addr = mem.start + found * IO_TLB_SIZE;
  mem.index = found + nslots < nslabs ? found + nslots : 0;
  mem.used += nslots;
  k.tr?.swiotlb("map", found, nslots, hex(tlb_addr), `stride ${stride}; used ${mem.used}/${nslabs}; next search at ${mem.index}`);

  const oa = mem.orig_addr;
  for (let i = 0; i < nslots; i++) oa[found + i] = orig_addr + i * IO_TLB_SIZE;
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL)) swiotlb_bounce(k, orig_addr, tlb_addr, mapping_size, DMA_TO_DEVICE);
  else k.tr?.decide("bounce at map", false, attrs & DMA_ATTR_SKIP_CPU_SYNC ? "DMA_ATTR_SKIP_CPU_SYNC" : "DMA_FROM_DEVICE: the slot keeps whatever it held before");
  k.tr?.exit(hex(tlb_addr));
  return tlb_addr;
}

/**
 * kernel/dma/swiotlb.c swiotlb_tbl_unmap_single (5.6–5.11): nslots comes from the `alloc_size`
 * the caller passes, not from the mapping — a wrong size frees too few slots (the rest stay used
 * for good) or too many (a neighbour's live slots go back on the free list, and io_tlb_used,
 * an unsigned long, can drop below zero; past the pool's end the last slots' counters claim
 * slots after io_tlb_end, which a later map hands out: 5.6.4 swiotlb.c:581–626, 5.10.7 :580–625).
 * Copy back for FROM_DEVICE/BIDIRECTIONAL unless SKIP_CPU_SYNC (only if the first slot has an original), then merge with the free run after
 * (same segment only) and renumber the run before.
 */
export function swiotlb_tbl_unmap_single(k: Kernel, dev: Device, tlb_addr: number, mapping_size: number, alloc_size: number, dir: number, attrs: number): void {
  const mem = globals(k);
  k.tr?.enter(S_unmap, { tlb_addr: hex(tlb_addr), mapping_size: hex(mapping_size), alloc_size: hex(alloc_size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  void dev;
  const nslots = Math.ceil(alloc_size / IO_TLB_SIZE) | 0;
  const index = Math.floor((tlb_addr - mem.start) / IO_TLB_SIZE);
  if (index < 0 || index >= mem.nslabs) outOfPool(k, "swiotlb_tbl_unmap_single", tlb_addr);
  // index + nslots > nslabs (a caller's size larger than what is left of the pool): the loop below
  // runs as in C. Its writes past the end of io_tlb_list / io_tlb_orig_addr land in the memory after
  // those arrays (not modelled: dmasim keeps them outside physical memory, so those stores are lost);
  // the slots inside the pool get counters that run past its end, and a later search takes them.
  const orig_addr = mem.orig_addr[index]!;

  if (orig_addr !== INVALID_PHYS_ADDR && !(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) {
    swiotlb_bounce(k, orig_addr, tlb_addr, mapping_size, DMA_FROM_DEVICE);
  }

  const oa = mem.orig_addr;
  let count = index + nslots < Math.ceil((index + 1) / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE ? mem.slot_list(index + nslots) : 0;
  for (let i = index + nslots - 1; i >= index; i--) {
    mem.set_slot_list(i, ++count);
    oa[i] = INVALID_PHYS_ADDR;
  }
  count = mem.renumber(index - 1, count);
  mem.used -= nslots;
  k.tr?.swiotlb("unmap", index, nslots, hex(tlb_addr), `freed ${nslots} slots (alloc_size ${alloc_size} as passed); run now ${count} slots; used ${fmtUlong(k, mem.used)}/${mem.nslabs}`);
  k.tr?.exit();
}

/**
 * kernel/dma/swiotlb.c swiotlb_tbl_sync_single (5.6–5.11): the slot's original plus the offset
 * of tlb_addr inside its slot; SYNC_FOR_CPU bounces out for FROM/BIDI (BUG_ON(dir !=
 * DMA_TO_DEVICE) otherwise), SYNC_FOR_DEVICE bounces in for TO/BIDI (BUG_ON(dir !=
 * DMA_FROM_DEVICE) otherwise). No size check against the mapping.
 */
export function swiotlb_tbl_sync_single(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number, target: number): void {
  const mem = globals(k);
  k.tr?.enter(S_sync, { tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir), target: target === SYNC_FOR_CPU ? "SYNC_FOR_CPU" : "SYNC_FOR_DEVICE" });
  void dev;
  const index = Math.floor((tlb_addr - mem.start) / IO_TLB_SIZE);
  if (index < 0 || index >= mem.nslabs) outOfPool(k, "swiotlb_tbl_sync_single", tlb_addr);
  let orig_addr = mem.orig_addr[index]!;
  if (orig_addr === INVALID_PHYS_ADDR) {
    k.tr?.exit();
    return;
  }
  orig_addr += tlb_addr & (IO_TLB_SIZE - 1);
  if (longBits(k) === 32) orig_addr %= 2 ** 32;
  if (target === SYNC_FOR_CPU) {
    if (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(k, orig_addr, tlb_addr, size, DMA_FROM_DEVICE);
    else if (dir !== DMA_TO_DEVICE) k.BUG_ON("swiotlb:sync_for_cpu", "swiotlb_tbl_sync_single", "BUG_ON(dir != DMA_TO_DEVICE)");
  } else {
    if (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(k, orig_addr, tlb_addr, size, DMA_TO_DEVICE);
    else if (dir !== DMA_FROM_DEVICE) k.BUG_ON("swiotlb:sync_for_device", "swiotlb_tbl_sync_single", "BUG_ON(dir != DMA_FROM_DEVICE)");
  }
  k.tr?.exit();
}

/** The 5.6–5.11 era as index.ts dispatches to it. */
/** kernel/dma/swiotlb.c swiotlb_late_init_with_tbl (5.6–5.12): io_tlb_list (nslabs ints), then io_tlb_orig_addr (nslabs phys_addr_t), both __get_free_pages(GFP_KERNEL) after the buffer (5.6.4, 5.10.7 :331–360; 5.12.9 adds io_tlb_alloc_size, no modelled version) */
function swiotlb_late_metadata(nslabs: number): import("./index.js").LateBlock[] {
  return [{ bytes: nslabs * 4, zero: false, what: "io_tlb_list" }, { bytes: nslabs * 8, zero: false, what: "io_tlb_orig_addr" }];
}

/** no_iotlb_memory (5.6–5.11), per Kernel: set when swiotlb_init could not allocate its buffer */
const noIotlbMemory = new WeakSet<object>();

/**
 * kernel/dma/swiotlb.c swiotlb_init (5.6–5.11) when memblock_alloc_low fails: pr_warn "Cannot allocate
 * buffer" and no_iotlb_memory = true (5.6.4 :266–269, 5.10.7 :264–270), so swiotlb_tbl_map_single
 * panics later; io_tlb_end stays 0 (is_swiotlb_active false).
 */
function swiotlb_boot_alloc(k: Kernel, nslabs: number, alloc: (bytes: number) => number | null): { base: number; nslabs: number } | null {
  const got = swiotlb_boot_alloc_once(k, nslabs, alloc, "Cannot allocate buffer");
  if (!got) noIotlbMemory.add(k);
  return got;
}

/**
 * kernel/dma/swiotlb.c swiotlb_init_with_tbl (5.6–5.11) on the boot buffer: memblock_alloc of io_tlb_list
 * (PAGE_ALIGN(nslabs * sizeof(int))) and then io_tlb_orig_addr (PAGE_ALIGN(nslabs * sizeof(phys_addr_t))), each
 * PAGE_SIZE-aligned, each panicking "%s: Failed to allocate %zu bytes align=0x%lx" (5.6.4 :217–227, 5.10.7 :215–225;
 * 5.12.9 :243–259 adds io_tlb_orig_size, no modelled version). No SWIOTLB_NO_FORCE test: the one-slab pool of
 * swiotlb=noforce takes a page of each.
 */
function swiotlb_boot_metadata(_k: Kernel, nslabs: number): BootMetaBlock[] {
  const page = (b: number) => Math.ceil(b / PAGE_SIZE) * PAGE_SIZE;
  return [boot_meta_block("swiotlb_init_with_tbl", "swiotlb io_tlb_list", page(nslabs * 4), PAGE_SIZE, "panic"), boot_meta_block("swiotlb_init_with_tbl", "swiotlb io_tlb_orig_addr", page(nslabs * 8), PAGE_SIZE, "panic")];
}

export const era_v5_6: SwiotlbEra = Object.freeze<SwiotlbEra>({
  parse_param: setup_io_tlb_npages_v5,
  boot_alloc: swiotlb_boot_alloc,
  boot_metadata: swiotlb_boot_metadata,
  late_metadata: swiotlb_late_metadata,
  init_late: swiotlb_late_init_with_tbl,
  name: "5.6",
  noforce_nslabs: 1,
  pool: (k) => k.io_tlb_default_mem,
  swiotlb_init_with_tbl,
  swiotlb_print_info,
  swiotlb_set_max_segment,
  swiotlb_max_segment,
  is_swiotlb_active: (k) => is_swiotlb_active(k),
  is_swiotlb_buffer,
  swiotlb_max_mapping_size: () => swiotlb_max_mapping_size(),
  map_single: (k, dev, orig, mapping_size, alloc_size, _align, dir, attrs, tbl) => swiotlb_tbl_map_single(k, dev, orig, mapping_size, alloc_size, dir, attrs, tbl),
  unmap_single: (k, dev, tlb, mapping_size, dir, attrs, alloc_size) => swiotlb_tbl_unmap_single(k, dev, tlb, mapping_size, alloc_size, dir, attrs),
  is_swiotlb_force_bounce: is_swiotlb_force_bounce_global,
  sync_for_device: (k, dev, tlb, size, dir) => swiotlb_tbl_sync_single(k, dev, tlb, size, dir, SYNC_FOR_DEVICE),
  sync_for_cpu: (k, dev, tlb, size, dir) => swiotlb_tbl_sync_single(k, dev, tlb, size, dir, SYNC_FOR_CPU),
});

/**
 * kernel/dma/swiotlb.c, era 6.6–6.18 (modelled: 6.6, 6.12, 6.18): the allocator is a struct
 * io_tlb_mem holding a list of struct io_tlb_pool (the boot pool `defpool` first), each pool cut
 * into areas (per-CPU search starts, each with its own used count and next index). With
 * CONFIG_SWIOTLB_DYNAMIC a full allocator grows: swiotlb_find_slots schedules the
 * swiotlb_dyn_alloc worker (a new pool of default_nslabs for the whole allocator) and meanwhile
 * serves the request from a *transient* pool of exactly the request's size, kept on the device's
 * own list (dev->dma_io_tlb_pools) and freed again at unmap (swiotlb_del_transient).
 *
 * Read from OpenNuvoton/MA35D1_linux-6.6.y @a4595a4caf6f (Makefile 6.6.63), wishday/linux-6.12.y
 * @21ae40e85ea7 (6.12.19) and leftymods/linux-6.18.y @40a9e9f43d44 (6.18.35), kernel/dma/swiotlb.c
 * and include/linux/swiotlb.h (line numbers in docs/verified-facts.md). What differs between them
 * is a switch (src/switches/swiotlb.ts): 55c543865b76 (6.8, the area-major search across pools),
 * 3dc2f209208d (6.8, no transient pool for a request above a segment), e8068f2d756d (6.9,
 * swiotlb_bounce without the "before mapping start"/"+offset" checks), 327e2c97c46a (6.10,
 * swiotlb_tbl_map_single without alloc_size). 6.18's swiotlb.c differs from 6.12's only by KMSAN
 * annotations and GFP_NOWAIT without a redundant __GFP_NOWARN (GFP_NOWAIT includes it there):
 * nothing observable here.
 *
 * The growth worker: schedule_work() only marks `dyn_alloc_pending`; the work runs at a defined
 * point — at the entry of the next swiotlb call (map, unmap, sync) or when a caller runs it
 * explicitly (swiotlb_run_dyn_alloc, e.g. between scenario steps). The vector driver does the same
 * (it runs queued work before each operation), so the replays agree.
 *
 * This file: the slot search, map, bounce, release, sync and restricted-pool allocations. The
 * structures, boot and dynamic pools are in v6.6-pools.ts (re-exported here). The raw memcpy,
 * constants, boundary arithmetic and slot-array layout are common.ts's; the pool is an IoTlbMem
 * (so k.io_tlb_default_mem keeps naming the boot pool) with the areas added.
 */
import type { Kernel } from "../../../kernel.js";
import { warn_site } from "../../warn-sites.js";
import type { Device } from "../../../drivers/device.js";
import { dev_id } from "../../../drivers/device.js";
import { DMA_MAPPING_ERROR, PAGE_SHIFT, PAGE_SIZE, get_order, hex, min_not_zero } from "../../../core/u64.js";
import { sym } from "../../../core/trace.js";
import {
  DIR_NAMES, DMA_ATTR_NO_WARN, DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, GFP_NOWAIT, __GFP_NOWARN,
  attrsName,
} from "../../../include/gfp.js";
import {
  INVALID_PHYS_ADDR, map_single_no_pool, map_single_invalid_sizes, IO_TLB_SEGSIZE, bounce_enter, bounce_no_original, bounce_warn_before_start, bounce_warn_overflow_offset, IO_TLB_SHIFT, IO_TLB_SIZE, boundaryFor, bounce_copy,
  default_tbl_dma_addr, fmtPa, fmtUlong, io_tlb_offset, iommu_is_span_boundary, longBits, nr_slots, outOfPool, slotsOfMapping, slot_addr,
  swiotlb_full_ratelimit, unsignedOf, swiotlb_boot_alloc_halving, } from "./common.js";
import type { ReservedMem, SwiotlbEra } from "./index.js";

const FILE = "kernel/dma/swiotlb.c";
const S_find = sym("swiotlb_find_slots", FILE);
const S_area = sym("swiotlb_area_find_slots", FILE);
const S_area_68 = sym("swiotlb_search_pool_area", FILE);
const S_pool_find = sym("swiotlb_pool_find_slots", FILE);
const S_search_area = sym("swiotlb_search_area", FILE);
const S_map = sym("swiotlb_tbl_map_single", FILE);
const S_release = sym("swiotlb_release_slots", FILE);
const S_unmap = sym("swiotlb_tbl_unmap_single", FILE);
const S_bounce = sym("swiotlb_bounce", FILE);
const S_sync_dev = sym("swiotlb_sync_single_for_device", FILE);
const S_sync_cpu = sym("swiotlb_sync_single_for_cpu", FILE);
// 7296f2301a05 "swiotlb: reduce swiotlb pool lookups" (6.11): the three are static inlines in include/linux/swiotlb.h
// that look the pool up (swiotlb_find_pool) and call the exported __ functions of kernel/dma/swiotlb.c
// (6.12.19 include/linux/swiotlb.h:245–282, kernel/dma/swiotlb.c:1535, :1552, :1562)
const H = "include/linux/swiotlb.h";
const S_unmap_inl = sym("swiotlb_tbl_unmap_single", H);
const S_sync_dev_inl = sym("swiotlb_sync_single_for_device", H);
const S_sync_cpu_inl = sym("swiotlb_sync_single_for_cpu", H);
const S___unmap = sym("__swiotlb_tbl_unmap_single", FILE);
const S___sync_dev = sym("__swiotlb_sync_single_for_device", FILE);
const S___sync_cpu = sym("__swiotlb_sync_single_for_cpu", FILE);

/** The trace entry of an unmap/sync: 6.6 the function itself; 6.11+ (7296f2301a05) the swiotlb.h inline, then the __ function it calls (two frames, two exits) */
function enter_inl(k: Kernel, s66: typeof S_unmap, inl: typeof S_unmap, fn: typeof S_unmap, args: Record<string, string>): void {
  const t = k.tr!;
  if (!k.sw["7296f2301a05"]) return t.enter(s66, args);
  t.enter(inl, args);
  t.enter(fn, args);
}
function exit_inl(k: Kernel): void {
  k.tr?.exit();
  if (k.sw["7296f2301a05"]) k.tr?.exit();
}

export * from "./v6.6-pools.js";
import {
  IoTlbMem66, IoTlbPool, dev_io_tlb_mem, devTlb, memOf, raw_smp_processor_id, rmem_swiotlb_mem, swiotlb_init_io_tlb_pool, swiotlb_alloc_pool, swiotlb_del_pool, swiotlb_dyn_free,
  default_swiotlb_limit, swiotlb_find_pool, swiotlb_init_remap, swiotlb_print_info, swiotlb_run_dyn_alloc, setup_io_tlb_npages_early, swiotlb_boot_nslabs, swiotlb_late_nareas,
  swiotlb_adjust_size, swiotlb_size_or_default, io_tlb_default_mem, limit_nareas,
} from "./v6.6-pools.js";
import { boot_meta_block, type BootMetaBlock } from "./common.js";
import { setup_io_tlb_npages_v6 } from "./param.js";

/** SMP_CACHE_BYTES = L1_CACHE_BYTES: 64 on arm64 (asm/cache.h L1_CACHE_SHIFT 6) and x86_64 (X86_L1_CACHE_SHIFT 6 for GENERIC_CPU) */
const SMP_CACHE_BYTES = 64;

/**
 * kernel/dma/swiotlb.c swiotlb_init_remap (6.6–6.18) after the buffer: the default pool's slots =
 * memblock_alloc(PAGE_ALIGN(array_size(24, nslabs)), PAGE_SIZE), then its areas = memblock_alloc(array_size(16,
 * nareas), SMP_CACHE_BYTES) with nareas = limit_nareas(default_nareas, nslabs); each failure a pr_warn and return
 * without a pool (6.6.63 swiotlb.c:398–411, 6.12.19 :398–411, 6.18.35 :399–412). The pool struct is
 * io_tlb_default_mem.defpool, static: no allocation.
 */
function swiotlb_boot_metadata(k: Kernel, nslabs: number): BootMetaBlock[] {
  if (k.swiotlb_force === "noforce") return [];
  const nareas = limit_nareas(io_tlb_default_mem(k).default_nareas || 1, nslabs);
  return [
    boot_meta_block("swiotlb_init_remap", "swiotlb slots", Math.ceil((24 * nslabs) / PAGE_SIZE) * PAGE_SIZE, PAGE_SIZE, "warn"),
    { bytes: 16 * nareas, align: SMP_CACHE_BYTES, what: "swiotlb areas", fail: "warn", fn: "swiotlb_init_remap", message: "swiotlb_init_remap: Failed to allocate mem->areas." },
  ];
}

// ---------------------------------------------------------------------------------------------
// is_swiotlb_buffer and friends

/** include/linux/swiotlb.h is_swiotlb_buffer (6.6) / swiotlb_find_pool != NULL (6.12+): DYNAMIC: dma_uses_io_tlb && a pool holds paddr; else the defpool range */
export function is_swiotlb_buffer(k: Kernel, paddr: number, dev?: Device): boolean {
  const mem = memOf(dev?.dma_io_tlb_mem) ?? memOf(k.io_tlb_default_mem);
  if (!mem || !mem.defpool) return false;
  if (mem.dynamic) return !!dev && !!mem.devs.get(dev.name)?.uses && swiotlb_find_pool(k, dev, paddr) !== null;
  return paddr >= mem.defpool.start && paddr < mem.defpool.end;
}

/** kernel/dma/swiotlb.c is_swiotlb_active (6.6–6.18): mem && mem->nslabs */
export function is_swiotlb_active(k: Kernel, dev?: Device): boolean {
  return dev_io_tlb_mem(k, dev).nslabs !== 0;
}

/** kernel/dma/swiotlb.c swiotlb_max_mapping_size (6.6–6.18): 256 KiB less roundup(min_align_mask, IO_TLB_SIZE) */
export function swiotlb_max_mapping_size(_k: Kernel, dev?: Device): number {
  const min_align_mask = dev ? dev.min_align_mask | 0 : 0;
  const min_align = min_align_mask ? Math.ceil(min_align_mask / IO_TLB_SIZE) * IO_TLB_SIZE : 0;
  return IO_TLB_SIZE * IO_TLB_SEGSIZE - min_align;
}

/** swiotlb_max_segment does not exist any more (removed in 6.2): the front door's callers get the 5.19 value, rounddown(nslabs << IO_TLB_SHIFT, PAGE_SIZE) */
function swiotlb_max_segment(k: Kernel): number {
  const mem = dev_io_tlb_mem(k);
  return Math.floor((mem.nslabs * IO_TLB_SIZE) / PAGE_SIZE) * PAGE_SIZE;
}

/** include/linux/swiotlb.h is_swiotlb_force_bounce (6.6–6.18) */
export function is_swiotlb_force_bounce(k: Kernel, dev?: Device): boolean {
  return dev_io_tlb_mem(k, dev).force_bounce;
}

/** kernel/dma/swiotlb.c mem_used (6.6–6.18): the debugfs total_used counter (CONFIG_DEBUG_FS), else the areas of mem->pools summed */
export function mem_used(mem: IoTlbMem66): number {
  if (mem.debug_fs) return mem.total_used;
  let used = 0;
  for (const p of mem.pools) for (const a of p.areas) used += a.used;
  return used;
}

// ---------------------------------------------------------------------------------------------
// the slot search

/** kernel/dma/swiotlb.c swiotlb_align_offset (6.6.y backport of af133562d5af, 6.9+): addr & min_align_mask & (align_mask | (IO_TLB_SIZE - 1)) */
export function swiotlb_align_offset(dev: Device, align_mask: number, addr: number): number {
  return (addr & dev.min_align_mask & (align_mask | (IO_TLB_SIZE - 1))) >>> 0;
}

/** kernel/dma/swiotlb.c get_max_slots (6.6–6.18): (mask >> IO_TLB_SHIFT) + 1 of an unsigned int mask */
function get_max_slots32(mask: number): number {
  return (mask >>> IO_TLB_SHIFT) + 1;
}

/**
 * kernel/dma/swiotlb.c swiotlb_area_find_slots (6.6) / swiotlb_search_pool_area (6.8+): one area
 * of one pool. Streaming mappings of a page or more without other alignment get page alignment
 * (14cebf689a78); alloc_align_mask at least a slot, iotlb_align_mask minus what the offset keeps
 * (51b30ecb73b4); stride from the larger mask (04867a7a3332); the alignment test on the slot's
 * DMA address; the search ends after area_nslabs slots checked (7c3940bf81e5). Returns the slot or -1.
 */
export function swiotlb_area_find_slots(k: Kernel, dev: Device, pool: IoTlbPool, area_index: number, orig_addr: number, alloc_size: number, alloc_align_mask: number): number {
  const mem = dev_io_tlb_mem(k, dev);
  const area = pool.areas[area_index]!;
  // 55c543865b76 (6.8) renamed swiotlb_area_find_slots to swiotlb_search_pool_area
  const fn = k.sw["55c543865b76"] ? "swiotlb_search_pool_area" : "swiotlb_area_find_slots";
  k.tr?.enter(k.sw["55c543865b76"] ? S_area_68 : S_area, { pool: hex(pool.start), area: String(area_index), orig_addr: hex(orig_addr), alloc_size: String(alloc_size), alloc_align_mask: hex(alloc_align_mask) });
  const b = boundaryFor(k, dev, default_tbl_dma_addr(dev, pool.start));
  let iotlb_align_mask = dev.min_align_mask >>> 0;
  const nslots = nr_slots(alloc_size);
  const offset = swiotlb_align_offset(dev, 0, orig_addr);
  if (nslots === 0) k.BUG_ON("swiotlb:nslots", fn, "BUG_ON(!nslots)");
  if (area_index >= pool.nareas) k.BUG_ON("swiotlb:area_index", fn, "BUG_ON(area_index >= pool->nareas)");

  if (!alloc_align_mask && !iotlb_align_mask && alloc_size >= PAGE_SIZE) alloc_align_mask = PAGE_SIZE - 1;
  alloc_align_mask = (alloc_align_mask | (IO_TLB_SIZE - 1)) >>> 0;
  iotlb_align_mask = (iotlb_align_mask & ~alloc_align_mask) >>> 0;
  const stride = get_max_slots32(Math.max(alloc_align_mask, iotlb_align_mask));

  if (nslots > pool.area_nslabs - area.used) {
    k.tr?.decide("nslots > pool->area_nslabs - area->used", true, `${nslots} slots wanted, ${pool.area_nslabs - area.used} free in area ${area_index}`);
    k.tr?.exit("-1");
    return -1;
  }
  const slot_base = area_index * pool.area_nslabs;
  let index = area.index;
  const wrap = (i: number) => (i >= pool.area_nslabs ? 0 : i);
  const want = (orig_addr & iotlb_align_mask) >>> 0;
  let slot_index = -1;
  for (let checked = 0; checked < pool.area_nslabs; ) {
    const si = slot_base + index;
    const tlb_low = (b.tblLow + si * IO_TLB_SIZE) >>> 0;
    if ((tlb_low & alloc_align_mask) !== 0 || (orig_addr && ((tlb_low & iotlb_align_mask) >>> 0) !== want)) {
      index = wrap(index + 1);
      checked++;
      continue;
    }
    if (!iommu_is_span_boundary(k, si, nslots, b, fn) && pool.slot_list(si) >= nslots) {
      slot_index = si;
      break;
    }
    index = wrap(index + stride);
    checked += stride;
  }
  if (slot_index < 0) {
    k.tr?.exit("-1");
    return -1;
  }
  for (let i = slot_index; i < slot_index + nslots; i++) {
    pool.set_slot_list(i, 0);
    pool.alloc_size[i] = (alloc_size - (offset + (i - slot_index) * IO_TLB_SIZE)) | 0;
  }
  pool.renumber(slot_index - 1, 0);
  area.index = wrap(index + nslots);
  area.used += nslots;
  syncPoolCounters(pool);
  inc_used_and_hiwater(mem, nslots);
  k.tr?.swiotlb("map", slot_index, nslots, hex(slot_addr(pool.start, slot_index)), `pool ${hex(pool.start)} area ${area_index}: stride ${stride}; area used ${area.used}/${pool.area_nslabs}; next search at ${area.index}`);
  k.tr?.exit(String(slot_index));
  return slot_index;
}

/** dmasim's own: keep the 5.x-style pool.used / pool.index views in step with the areas */
function syncPoolCounters(pool: IoTlbPool): void {
  let used = 0;
  for (const a of pool.areas) used += a.used;
  pool.used = used;
  pool.index = pool.areas[0]?.index ?? 0;
}

/** kernel/dma/swiotlb.c inc_used_and_hiwater (6.6–6.18, CONFIG_DEBUG_FS) */
function inc_used_and_hiwater(mem: IoTlbMem66, nslots: number): void {
  mem.total_used += nslots;
  if (mem.total_used > mem.used_hiwater) mem.used_hiwater = mem.total_used;
}

/** kernel/dma/swiotlb.c swiotlb_pool_find_slots (6.6; 55c543865b76 (6.8) folds its loop into the !DYNAMIC swiotlb_find_slots, so no frame of its own there): every area of one pool from this CPU's */
function swiotlb_pool_find_slots(k: Kernel, dev: Device, pool: IoTlbPool, orig_addr: number, alloc_size: number, alloc_align_mask: number): number {
  const frame = !k.sw["55c543865b76"];
  if (frame) k.tr?.enter(S_pool_find, { pool: hex(pool.start), orig_addr: hex(orig_addr), alloc_size: String(alloc_size), alloc_align_mask: hex(alloc_align_mask) });
  const start = raw_smp_processor_id(k) & (pool.nareas - 1);
  let i = start;
  let index = -1;
  do {
    index = swiotlb_area_find_slots(k, dev, pool, i, orig_addr, alloc_size, alloc_align_mask);
    if (index >= 0) break;
    if (++i >= pool.nareas) i = 0;
  } while (i !== start);
  if (frame) k.tr?.exit(String(index));
  return index;
}

/** kernel/dma/swiotlb.c swiotlb_search_area (6.8+, 55c543865b76): one area index in every pool, skipping pools with fewer areas */
function swiotlb_search_area(k: Kernel, dev: Device, start_cpu: number, cpu_offset: number, orig_addr: number, alloc_size: number, alloc_align_mask: number): { index: number; pool: IoTlbPool | null } {
  const mem = dev_io_tlb_mem(k, dev);
  k.tr?.enter(S_search_area, { start_cpu: String(start_cpu), cpu_offset: String(cpu_offset), orig_addr: hex(orig_addr), alloc_size: String(alloc_size), alloc_align_mask: hex(alloc_align_mask) });
  for (const pool of mem.pools) {
    if (cpu_offset >= pool.nareas) continue;
    const area_index = (start_cpu + cpu_offset) & (pool.nareas - 1);
    const index = swiotlb_area_find_slots(k, dev, pool, area_index, orig_addr, alloc_size, alloc_align_mask);
    if (index >= 0) {
      k.tr?.exit(`${index} in pool ${hex(pool.start)}`);
      return { index, pool };
    }
  }
  k.tr?.exit("-1");
  return { index: -1, pool: null };
}

/** swiotlb_find_slots' return, traced */
function find_slots_exit(k: Kernel, r: { index: number; pool: IoTlbPool | null }): { index: number; pool: IoTlbPool | null } {
  k.tr?.exit(r.index < 0 ? "-1" : `${r.index} in pool ${hex(r.pool!.start)}${r.pool!.transient ? " (transient)" : ""}`);
  return r;
}

/**
 * kernel/dma/swiotlb.c swiotlb_find_slots (6.6–6.18). Without DYNAMIC: the default pool's areas.
 * With it: every pool of mem->pools (6.6: pool by pool; 6.8+: area by area across the pools);
 * when none has room and the allocator can grow — 6.8+ first refuses a request above one
 * segment (3dc2f209208d) — the dyn_alloc work is scheduled and a transient pool of exactly
 * nr_slots(alloc_size) slabs, one area, below min_not_zero(*dma_mask, bus_dma_limit), is
 * allocated with GFP_NOWAIT | __GFP_NOWARN and put on the device's list.
 */
export function swiotlb_find_slots(k: Kernel, dev: Device, orig_addr: number, alloc_size: number, alloc_align_mask: number): { index: number; pool: IoTlbPool | null } {
  const mem = dev_io_tlb_mem(k, dev);
  k.tr?.enter(S_find, { orig_addr: hex(orig_addr), alloc_size: String(alloc_size), alloc_align_mask: hex(alloc_align_mask) });
  if (!mem.dynamic) {
    const pool = mem.defpool!;
    return find_slots_exit(k, { index: swiotlb_pool_find_slots(k, dev, pool, orig_addr, alloc_size, alloc_align_mask), pool });
  }
  const done = (r: { index: number; pool: IoTlbPool | null }) => find_slots_exit(k, r);
  let found: { index: number; pool: IoTlbPool | null } = { index: -1, pool: null };
  if (k.sw["3dc2f209208d"] && alloc_size > IO_TLB_SEGSIZE * IO_TLB_SIZE) {
    k.tr?.decide("alloc_size > IO_TLB_SEGSIZE * IO_TLB_SIZE", true, "larger than a segment: no pool can hold it, no transient pool is tried (3dc2f209208d)");
    return done(found);
  }
  if (k.sw["55c543865b76"]) {
    const cpu = raw_smp_processor_id(k);
    for (let i = 0; i < mem.default_nareas && found.index < 0; i++) found = swiotlb_search_area(k, dev, cpu, i, orig_addr, alloc_size, alloc_align_mask);
  } else {
    for (const pool of mem.pools) {
      const index = swiotlb_pool_find_slots(k, dev, pool, orig_addr, alloc_size, alloc_align_mask);
      if (index >= 0) {
        found = { index, pool };
        break;
      }
    }
  }
  if (found.index < 0) {
    if (!mem.can_grow) return done(found);
    // schedule_work(&mem->dyn_alloc): the worker runs later (see the file comment)
    if (!mem.dyn_alloc_pending) k.tr?.note("schedule_work(&mem->dyn_alloc): a new pool will be added by the worker");
    mem.dyn_alloc_pending = true;
    const nslabs = nr_slots(alloc_size);
    const phys_limit = min_not_zero(dev.dma_mask ?? 0n, dev.bus_dma_limit);
    const pool = swiotlb_alloc_pool(k, nslabs, nslabs, 1, phys_limit, GFP_NOWAIT | __GFP_NOWARN);
    if (!pool) return done(found);
    const index = swiotlb_area_find_slots(k, dev, pool, 0, orig_addr, alloc_size, alloc_align_mask);
    if (index < 0) {
      swiotlb_dyn_free(k, mem, pool);
      return done(found);
    }
    pool.transient = true;
    devTlb(mem, dev).pools.unshift(pool);
    pool.mem = mem;
    if (k.sw["55c543865b76"]) mem.transient_nslabs += pool.nslabs; // inc_transient_used (6.12+ debugfs; harmless before)
    found = { index, pool };
  }
  devTlb(mem, dev).uses = true;
  return done(found);
}

// ---------------------------------------------------------------------------------------------
// map, bounce, release

/** The pool holding tlb_addr. Every kernel caller found it first (is_swiotlb_buffer → swiotlb_find_pool), so none is a dmasim internal error (common.ts outOfPool), not kernel output. */
function poolOf(k: Kernel, dev: Device, tlb_addr: number, fn: string): IoTlbPool {
  const pool = swiotlb_find_pool(k, dev, tlb_addr);
  if (!pool) outOfPool(k, fn, tlb_addr);
  return pool;
}

/**
 * kernel/dma/swiotlb.c swiotlb_tbl_map_single (6.6–6.18): "Can not allocate SWIOTLB buffer
 * earlier …" without slots; 6.6 "Invalid sizes"; 6.10+ (327e2c97c46a) no alloc_size — the size is
 * ALIGN(mapping_size + offset, alloc_align_mask + 1) and a dev_WARN_ONCE when the alignment is
 * above a page; the ratelimited "buffer is full" with mem->nslabs and mem_used; the padding slots
 * before the mapping (pad_slots); the originals per slot; the unconditional bounce to the slot.
 */
export function swiotlb_tbl_map_single(k: Kernel, dev: Device, orig_addr: number, mapping_size: number, alloc_size: number, alloc_align_mask: number, dir: number, attrs: number): number {
  swiotlb_run_dyn_alloc(k);
  const mem = dev_io_tlb_mem(k, dev);
  if (k.tr) map_single_enter(k, orig_addr, mapping_size, alloc_size, alloc_align_mask, dir, attrs);
  const noAllocSize = !!k.sw["327e2c97c46a"];
  if (!mem.nslabs) return map_single_no_pool(k, dev);
  if (!noAllocSize && mapping_size > alloc_size) return map_single_invalid_sizes(k, dev, mapping_size, alloc_size);
  if (noAllocSize && alloc_align_mask >>> 0 > PAGE_SIZE - 1) map_single_align_warn(k, dev);

  let offset = swiotlb_align_offset(dev, alloc_align_mask, orig_addr);
  const size = noAllocSize ? Math.ceil((mapping_size + offset) / ((alloc_align_mask >>> 0) + 1)) * ((alloc_align_mask >>> 0) + 1) : alloc_size + offset;
  const { index: found, pool } = swiotlb_find_slots(k, dev, orig_addr, size, alloc_align_mask);
  if (found === -1 || !pool) return map_single_full(k, dev, mem, noAllocSize ? size : alloc_size, attrs);
  // f406c8e4b770 (6.10): dma_reset_need_sync — a bounced device must see every later sync (6.12.19 swiotlb.c:1416)
  if (k.sw["f406c8e4b770"] && dev.dma_skip_sync) {
    dev.dma_skip_sync = false;
    k.tr?.note("dma_reset_need_sync: first swiotlb buffer for the device, dev->dma_skip_sync = 0");
  }
  const pad_slots = offset >>> IO_TLB_SHIFT;
  offset &= IO_TLB_SIZE - 1;
  const index = found + pad_slots;
  pool.pad_slots[index] = pad_slots;
  const n = noAllocSize ? nr_slots(size) - pad_slots : nr_slots(alloc_size + offset);
  for (let i = 0; i < n; i++) pool.orig_addr[index + i] = slot_addr(orig_addr, i);
  const tlb_addr = slot_addr(pool.start, index) + offset;
  if (k.tr) k.tr.decide("bounce at map", true, map_single_bounce_why(pool));
  swiotlb_bounce(k, dev, tlb_addr, mapping_size, DMA_TO_DEVICE, pool);
  k.tr?.exit(hex(tlb_addr));
  return tlb_addr;
}

// swiotlb_tbl_map_single's trace and its error exits, out of line (small enough for V8 to inline)
function map_single_enter(k: Kernel, orig_addr: number, mapping_size: number, alloc_size: number, alloc_align_mask: number, dir: number, attrs: number): void {
  // 6.10+ (327e2c97c46a) has no alloc_size argument: the trace names the version's own parameters
  if (k.sw["327e2c97c46a"]) k.tr?.enter(S_map, { orig_addr: hex(orig_addr), mapping_size: hex(mapping_size), alloc_align_mask: hex(alloc_align_mask), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  else k.tr?.enter(S_map, { orig_addr: hex(orig_addr), mapping_size: hex(mapping_size), alloc_size: hex(alloc_size), alloc_align_mask: hex(alloc_align_mask), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
}
function map_single_align_warn(k: Kernel, dev: Device): void {
  k.warnOnce("swiotlb_tbl_map_single:align", `WARNING: at kernel/dma/swiotlb.c swiotlb_tbl_map_single: ${dev_id(dev)}: Alloc alignment may prevent fulfilling requests with max mapping_size`, "swiotlb_tbl_map_single", warn_site(k, "swiotlb_tbl_map_single:align"));
}
/** "buffer is full" (`sz` is 6.10+'s aligned size, or alloc_size) */
function map_single_full(k: Kernel, dev: Device, mem: IoTlbMem66, sz: number, attrs: number): number {
  if (!(attrs & DMA_ATTR_NO_WARN) && swiotlb_full_ratelimit(k))
    k.dev_printk("warn", dev, `swiotlb buffer is full (sz: ${sz} bytes), total ${fmtUlong(k, mem.nslabs)} (slots), used ${fmtUlong(k, mem_used(mem))} (slots)`);
  k.tr?.exit("DMA_MAPPING_ERROR");
  return DMA_MAPPING_ERROR;
}
function map_single_bounce_why(pool: IoTlbPool): string {
  return `every direction${pool.transient ? `; from the transient pool [${hex(pool.start)}-${hex(pool.end)})` : ""}`;
}

/**
 * kernel/dma/swiotlb.c swiotlb_bounce (6.6–6.18). 6.6.63: dev_WARN_ONCE "Access before mapping
 * start detected" / "Buffer overflow … Mapping size: %zu+%u." refuse the copy. 6.9+ (e8068f2d756d):
 * the offset may be negative (a partial sync inside a later slot), only the clamp with "Buffer
 * overflow detected … Mapping size: %zu." remains.
 */
export function swiotlb_bounce(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number, pool: IoTlbPool): void {
  if (k.tr) bounce_enter(k, tlb_addr, size, dir);
  const index = Math.floor((tlb_addr - pool.start) / IO_TLB_SIZE);
  if (index < 0 || index >= pool.nslabs) outOfPool(k, "swiotlb_bounce", tlb_addr);
  let orig_addr = pool.orig_addr[index]!;
  if (orig_addr === INVALID_PHYS_ADDR) return bounce_no_original(k, index, tlb_addr);
  const bits = longBits(k);
  let alloc = unsignedOf(pool.alloc_size[index]!, bits);
  const pfn = Math.floor(orig_addr / PAGE_SIZE);
  const orig_addr_offset = swiotlb_align_offset(dev, 0, orig_addr);
  let tlb_offset = tlb_addr & (IO_TLB_SIZE - 1);
  if (!k.sw["e8068f2d756d"]) {
    if (tlb_offset < orig_addr_offset) return bounce_warn_before_start(k, dev, orig_addr_offset, tlb_offset);
    tlb_offset -= orig_addr_offset;
    if (tlb_offset > alloc) return bounce_warn_overflow_offset(k, dev, alloc, size, tlb_offset);
  } else {
    tlb_offset -= orig_addr_offset; // int: may be negative
  }
  orig_addr += tlb_offset;
  alloc = unsignedOf(alloc - tlb_offset, bits);
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
function bounce_clamp_warn(k: Kernel, dev: Device, alloc: number, size: number): void {
  k.warnOnce("swiotlb_bounce:overflow", `WARNING: at kernel/dma/swiotlb.c swiotlb_bounce: ${dev_id(dev)}: Buffer overflow detected. Allocation size: ${alloc}. Mapping size: ${size}.`, "swiotlb_bounce", warn_site(k, "swiotlb_bounce:overflow"));
}
function bounce_traced(k: Kernel, index: number, tlb_addr: number, size: number, toDevice: boolean, orig_addr: number): void {
  k.tr?.swiotlb("bounce", index, nr_slots((tlb_addr & (IO_TLB_SIZE - 1)) + size), hex(tlb_addr), `${toDevice ? "orig → slot" : "slot → orig"} ${size} B, orig ${hex(orig_addr)}`);
}

/**
 * kernel/dma/swiotlb.c swiotlb_release_slots (6.6–6.18): the first slot less its pad_slots, nslots
 * from its alloc_size plus the min_align offset, the area from the index; merge with the run after
 * (same segment) and renumber the run before; area used and the debugfs total go down.
 */
export function swiotlb_release_slots(k: Kernel, dev: Device, tlb_addr: number, pool: IoTlbPool): void {
  const mem = dev_io_tlb_mem(k, dev);
  k.tr?.enter(S_release, { tlb_addr: hex(tlb_addr) });
  const offset = swiotlb_align_offset(dev, 0, tlb_addr);
  let index = Math.floor((tlb_addr - offset - pool.start) / IO_TLB_SIZE);
  if (index < 0 || index >= pool.nslabs) outOfPool(k, "swiotlb_release_slots", tlb_addr);
  index -= pool.pad_slots[index]!;
  const nslots = slotsOfMapping(pool.alloc_size[index]!, offset, longBits(k));
  const aindex = Math.floor(index / pool.area_nslabs);
  if (aindex >= pool.nareas) k.BUG_ON("swiotlb:aindex", "swiotlb_release_slots", "BUG_ON(aindex >= mem->nareas)");
  const area = pool.areas[aindex]!;
  let count = index + nslots < Math.ceil((index + 1) / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE ? pool.slot_list(index + nslots) : 0;
  for (let i = index + nslots - 1; i >= index; i--) {
    pool.set_slot_list(i, ++count);
    pool.orig_addr[i] = INVALID_PHYS_ADDR;
    pool.alloc_size[i] = 0;
    pool.pad_slots[i] = 0;
  }
  count = pool.renumber(index - 1, count);
  area.used -= nslots;
  syncPoolCounters(pool);
  mem.total_used -= nslots;
  k.tr?.swiotlb("unmap", index, nslots, hex(tlb_addr), `freed; run now ${count} slots; area ${aindex} used ${area.used}/${pool.area_nslabs}`);
  k.tr?.exit();
}

/** kernel/dma/swiotlb.c swiotlb_del_transient (6.6–6.18): a transient pool goes whole (its slots leave the debugfs count) */
function swiotlb_del_transient(k: Kernel, dev: Device, pool: IoTlbPool): boolean {
  const mem = dev_io_tlb_mem(k, dev);
  if (!mem.dynamic || !pool.transient) return false;
  mem.total_used -= pool.nslabs;
  if (k.sw["55c543865b76"]) mem.transient_nslabs -= pool.nslabs;
  k.tr?.note(`transient pool [${hex(pool.start)}-${hex(pool.end)}) deleted (call_rcu → swiotlb_dyn_free)`);
  swiotlb_del_pool(k, dev, mem, pool);
  return true;
}

/** kernel/dma/swiotlb.c swiotlb_tbl_unmap_single (6.6) / __swiotlb_tbl_unmap_single (6.12+): copy back for FROM/BIDI, then the transient pool or the slots */
export function swiotlb_tbl_unmap_single(k: Kernel, dev: Device, tlb_addr: number, mapping_size: number, dir: number, attrs: number): void {
  swiotlb_run_dyn_alloc(k);
  if (k.tr) enter_inl(k, S_unmap, S_unmap_inl, S___unmap, { tlb_addr: hex(tlb_addr), mapping_size: hex(mapping_size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  const pool = poolOf(k, dev, tlb_addr, "swiotlb_tbl_unmap_single");
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) swiotlb_bounce(k, dev, tlb_addr, mapping_size, DMA_FROM_DEVICE, pool);
  if (!swiotlb_del_transient(k, dev, pool)) swiotlb_release_slots(k, dev, tlb_addr, pool);
  if (k.tr) exit_inl(k);
}

/** kernel/dma/swiotlb.c swiotlb_sync_single_for_device (6.6) / __swiotlb_sync_single_for_device (6.12+) */
export function swiotlb_sync_single_for_device(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  swiotlb_run_dyn_alloc(k);
  if (k.tr) enter_inl(k, S_sync_dev, S_sync_dev_inl, S___sync_dev, { tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  if (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(k, dev, tlb_addr, size, DMA_TO_DEVICE, poolOf(k, dev, tlb_addr, "swiotlb_sync_single_for_device"));
  else if (dir !== DMA_FROM_DEVICE) k.BUG_ON("swiotlb:sync_for_device", k.sw["7296f2301a05"] ? "__swiotlb_sync_single_for_device" : "swiotlb_sync_single_for_device", "BUG_ON(dir != DMA_FROM_DEVICE)");
  if (k.tr) exit_inl(k);
}

/** kernel/dma/swiotlb.c swiotlb_sync_single_for_cpu (6.6) / __swiotlb_sync_single_for_cpu (6.12+) */
export function swiotlb_sync_single_for_cpu(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  swiotlb_run_dyn_alloc(k);
  if (k.tr) enter_inl(k, S_sync_cpu, S_sync_cpu_inl, S___sync_cpu, { tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  if (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(k, dev, tlb_addr, size, DMA_FROM_DEVICE, poolOf(k, dev, tlb_addr, "swiotlb_sync_single_for_cpu"));
  else if (dir !== DMA_TO_DEVICE) k.BUG_ON("swiotlb:sync_for_cpu", k.sw["7296f2301a05"] ? "__swiotlb_sync_single_for_cpu" : "swiotlb_sync_single_for_cpu", "BUG_ON(dir != DMA_TO_DEVICE)");
  if (k.tr) exit_inl(k);
}

// ---------------------------------------------------------------------------------------------
// restricted-pool allocations (CONFIG_DMA_RESTRICTED_POOL)

/**
 * kernel/dma/swiotlb.c swiotlb_alloc (6.6–6.18): slots aligned to the allocation's order
 * ((1 << (get_order(size) + PAGE_SHIFT)) - 1), orig_addr 0; a slot that is not page aligned is
 * released again with "Cannot allocate pages from non page-aligned swiotlb addr". Returns the
 * struct page pointer or 0.
 */
export function swiotlb_alloc(k: Kernel, dev: Device, size: number): number {
  if (!memOf(dev.dma_io_tlb_mem)) return 0;
  const align = (2 ** (get_order(size) + PAGE_SHIFT) - 1) >>> 0;
  const { index, pool } = swiotlb_find_slots(k, dev, 0, size, align);
  if (index === -1 || !pool) return 0;
  const tlb_addr = slot_addr(pool.start, index);
  if (tlb_addr % PAGE_SIZE !== 0) {
    k.warnOnce("swiotlb_alloc:unaligned", `WARNING: at kernel/dma/swiotlb.c swiotlb_alloc: ${dev_id(dev)}: Cannot allocate pages from non page-aligned swiotlb addr 0x${fmtPa(k, tlb_addr)}.`, "swiotlb_alloc", warn_site(k, "swiotlb_alloc:unaligned"));
    swiotlb_release_slots(k, dev, tlb_addr, pool);
    return 0;
  }
  return k.arch.pfn_to_page(tlb_addr / PAGE_SIZE);
}

/** kernel/dma/swiotlb.c swiotlb_free (6.6–6.18): false unless the page is a swiotlb buffer, else its slots are released */
export function swiotlb_free(k: Kernel, dev: Device, page: number, _size: number): boolean {
  const tlb_addr = k.arch.page_to_pfn(page) * PAGE_SIZE;
  const pool = swiotlb_find_pool(k, dev, tlb_addr);
  if (!pool || !(tlb_addr >= pool.start && tlb_addr < pool.end) || !is_swiotlb_buffer(k, tlb_addr, dev)) return false;
  swiotlb_release_slots(k, dev, tlb_addr, pool);
  return true;
}

/** Per-area state of a pool (vectors and explanations). */
export function poolAreas(pool: IoTlbPool): { used: number; index: number }[] {
  return pool.areas.map((a) => ({ used: a.used, index: a.index }));
}

/** The 6.6–6.18 era as index.ts dispatches to it. */
export const era_v6_6: SwiotlbEra = Object.freeze<SwiotlbEra>({
  parse_param: setup_io_tlb_npages_v6,
  name: "6.6",
  pool: (k, dev) => {
    const mem = dev_io_tlb_mem(k, dev);
    return mem.nslabs ? mem.defpool : null;
  },
  swiotlb_init_with_tbl: swiotlb_init_remap,
  swiotlb_print_info,
  default_swiotlb_limit,
  swiotlb_set_max_segment: (k) => k.tr?.note("6.6 has no swiotlb_set_max_segment"),
  swiotlb_max_segment,
  is_swiotlb_active,
  is_swiotlb_buffer,
  swiotlb_max_mapping_size,
  map_single: (k, dev, orig, mapping_size, alloc_size, align, dir, attrs) => swiotlb_tbl_map_single(k, dev, orig, mapping_size, alloc_size, align, dir, attrs),
  unmap_single: swiotlb_tbl_unmap_single,
  sync_for_device: swiotlb_sync_single_for_device,
  sync_for_cpu: swiotlb_sync_single_for_cpu,
  // the front door speaks physical addresses (-1 for NULL); the kernel's functions take struct pages
  swiotlb_alloc: (k, dev, size) => {
    const page = swiotlb_alloc(k, dev, size);
    return page ? k.arch.page_to_pfn(page) * PAGE_SIZE : -1;
  },
  swiotlb_free: (k, dev, tlb_addr, size) => swiotlb_free(k, dev, k.arch.pfn_to_page(Math.floor(tlb_addr / PAGE_SIZE)), size),
  rmem_swiotlb_device_init,
  is_swiotlb_force_bounce,
  setup_io_tlb_npages: setup_io_tlb_npages_early,
  boot_alloc: swiotlb_boot_alloc_halving,
  boot_metadata: swiotlb_boot_metadata,
  boot_nslabs: swiotlb_boot_nslabs,
  late_nareas: swiotlb_late_nareas,
  swiotlb_size_or_default,
  swiotlb_adjust_size,
});

/**
 * kernel/dma/swiotlb.c rmem_swiotlb_device_init (6.6–6.18): a highmem region is refused with
 * "Restricted DMA pool must be accessible within the linear mapping."; the first device builds the
 * region's io_tlb_mem around one pool of one area (force_bounce, for_alloc); every device of the
 * region then points dev->dma_io_tlb_mem at it.
 */
export function rmem_swiotlb_device_init(k: Kernel, rmem: ReservedMem, dev: Device): number {
  const pfn = Math.floor(rmem.base / PAGE_SIZE);
  if (k.memmap && k.memmap.has(pfn) && k.memmap.PageHighMem(pfn)) {
    k.printk("err", `${dev_id(dev)}: Restricted DMA pool must be accessible within the linear mapping.`);
    return -22;
  }
  let pool = rmem.priv as IoTlbPool | null;
  if (!pool) {
    pool = new IoTlbPool(rmem.base, Math.floor(rmem.size / IO_TLB_SIZE), false);
    swiotlb_init_io_tlb_pool(k, pool, 1);
    k.mem.fill(rmem.base, 0, rmem.size);
    k.cache.invalidate(rmem.base, rmem.size);
    rmem_swiotlb_mem(k, dev, pool);
    rmem.priv = pool;
  } else dev.dma_io_tlb_mem = pool;
  return 0;
}

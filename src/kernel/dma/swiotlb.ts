/**
 * kernel/dma/swiotlb.c as of v5.13 / v5.14 (mainline): the bounce-buffer pool, its slot free
 * lists, the slot search, the bounce copies and the single-mapping sync helpers.
 *
 * State is `k.io_tlb_default_mem`: 5.13 and 5.14 both use the one global pool (per-device
 * `dev->dma_io_tlb_mem`, restricted DMA pools, arrive in 5.15).
 *
 * Version notes (what this file follows, and what it deliberately does not):
 * - swiotlb_bounce has 5f89468e2f06 "swiotlb: manipulate orig_addr when tlb_addr has offset"
 *   (merged for v5.13 final), with its `unsigned int tlb_offset`, and NOT 868c9ddc182b
 *   "swiotlb: add overflow checks to swiotlb_bounce" (v5.15; backported to 5.13.y/5.14.y stable).
 * - The per-slot alloc_size is written by swiotlb_tbl_map_single (moved into find_slots only in
 *   5.15 by 36f7b2f3ca5f), and equals `alloc_size - i * IO_TLB_SIZE` (the offset is not counted).
 * - find_slots has no alloc_align_mask (5.16+), and its alignment loop still has the endless-loop
 *   case fixed in 2023 by 7c3940bf81e5 "swiotlb: fix the deadlock in swiotlb_do_find_slots".
 * - DMA_FROM_DEVICE maps do not initialise the slot (the info leak fixed in 5.17/5.18).
 *
 * Dependencies on the Kernel (kept small so tests can pass a fake): io_tlb_default_mem,
 * swiotlb_force, cfg?.swiotlb_slabs, mem (fill/isRamRange), cache (CPU copies, invalidate),
 * tr, warn, warnOnce, BUG, log, and on rare paths arch?.name / arch.__va / oops / memmap?.
 *
 * Hot path: no per-slot objects and no bigint outside a memoised boundary computation; trace
 * arguments are only built when a tracer is attached (`k.tr?.f(...)` skips argument evaluation).
 */
import { soft_lockup } from "../../mm/mm-debug.js";
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import { dev_id } from "../../drivers/device.js";
import { DMA_MAPPING_ERROR, PAGE_SHIFT, PAGE_SIZE, hex } from "../../core/u64.js";
import { sym } from "../../core/trace.js";
import { DIR_NAMES, DMA_ATTR_NO_WARN, DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, attrsName } from "../../include/gfp.js";

const FILE = "kernel/dma/swiotlb.c";
const S_init = sym("swiotlb_init_with_tbl", FILE);
const S_find = sym("find_slots", FILE);
const S_map = sym("swiotlb_tbl_map_single", FILE);
const S_unmap = sym("swiotlb_tbl_unmap_single", FILE);
const S_bounce = sym("swiotlb_bounce", FILE);
const S_sync_dev = sym("swiotlb_sync_single_for_device", FILE);
const S_sync_cpu = sym("swiotlb_sync_single_for_cpu", FILE);

/* include/linux/swiotlb.h (5.13–5.14) */
export const IO_TLB_SHIFT = 11;
export const IO_TLB_SIZE = 1 << IO_TLB_SHIFT;
export const IO_TLB_SEGSIZE = 128;
export const IO_TLB_DEFAULT_SIZE = 64 << 20;
/** kernel/dma/swiotlb.c: 1 MiB worth of slabs */
export const IO_TLB_MIN_SLABS = (1 << 20) >> IO_TLB_SHIFT;
/** (phys_addr_t)~0 in dmasim's signed 64-bit form */
export const INVALID_PHYS_ADDR = -1;

const ENOMEM = 12;

/**
 * struct io_tlb_mem (include/linux/swiotlb.h, 5.13–5.14), with the `slots[]` array of structs
 * split into three typed arrays (struct-of-arrays).
 *
 * - `list[i]`: free-run length counted from slot i to the next used slot or the end of i's
 *   128-slot segment; 0 when the slot is in use.
 * - `orig_addr[i]`: original physical address this slot shadows, INVALID_PHYS_ADDR (-1) when free.
 * - `alloc_size[i]`: the size_t the kernel stores; a negative value is a size_t that wrapped
 *   (2^W + value, W = 64 or 32), which the kernel really stores for trailing slots of a mapping
 *   whose min_align_mask offset pushed it into one more slot.
 */
export class IoTlbMem {
  /** physical address of the pool */
  readonly start: number;
  /** first byte after the pool (exclusive), as mem->end */
  readonly end: number;
  readonly nslabs: number;
  used = 0;
  /** where the next search starts */
  index = 0;
  readonly list: Int32Array;
  readonly orig_addr: Float64Array;
  readonly alloc_size: Int32Array;
  readonly late_alloc: boolean;
  /** the global `max_segment` (swiotlb_max_segment), kept with the pool */
  max_segment = 0;

  constructor(start: number, nslabs: number, late_alloc = false) {
    if (!Number.isInteger(nslabs) || nslabs <= 0 || nslabs % IO_TLB_SEGSIZE !== 0) {
      // The kernel always sizes the pool in whole segments (setup_io_tlb_npages ALIGNs to
      // IO_TLB_SEGSIZE); a partial last segment would let 5.13 allocate past the end.
      throw new RangeError(`swiotlb: nslabs ${nslabs} must be a positive multiple of IO_TLB_SEGSIZE (${IO_TLB_SEGSIZE})`);
    }
    if (start % IO_TLB_SIZE !== 0) throw new RangeError(`swiotlb: pool start ${hex(start)} is not IO_TLB_SIZE aligned`);
    this.start = start;
    this.nslabs = nslabs;
    this.end = start + nslabs * IO_TLB_SIZE;
    this.late_alloc = late_alloc;
    this.list = new Int32Array(nslabs);
    this.orig_addr = new Float64Array(nslabs).fill(INVALID_PHYS_ADDR);
    this.alloc_size = new Int32Array(nslabs);
    for (let i = 0; i < nslabs; i++) this.list[i] = IO_TLB_SEGSIZE - io_tlb_offset(i);
  }
}

// ---------------------------------------------------------------------------------------------
// small helpers (kernel/dma/swiotlb.c static inlines)

/** kernel/dma/swiotlb.c io_tlb_offset (5.13–5.14): slot position inside its 128-slot segment */
export function io_tlb_offset(val: number): number {
  return val & (IO_TLB_SEGSIZE - 1);
}

/** Segment number of a slot (slots a and b are in the same segment iff equal). */
export function io_tlb_segment(val: number): number {
  return Math.floor(val / IO_TLB_SEGSIZE);
}

/** Do slots a and b lie in the same 128-slot segment? */
export function same_segment(a: number, b: number): boolean {
  return io_tlb_segment(a) === io_tlb_segment(b);
}

/** kernel/dma/swiotlb.c nr_slots (5.13–5.14): DIV_ROUND_UP(val, IO_TLB_SIZE) */
export function nr_slots(val: number): number {
  return Math.ceil(val / IO_TLB_SIZE);
}

/** kernel/dma/swiotlb.c slot_addr (5.13–5.14): start + (idx << IO_TLB_SHIFT) */
export function slot_addr(start: number, idx: number): number {
  return start + idx * IO_TLB_SIZE;
}

/** kernel/dma/swiotlb.c swiotlb_align_offset (5.13–5.14): addr & min_align_mask & (IO_TLB_SIZE-1) */
export function swiotlb_align_offset(dev: Device, addr: number): number {
  return addr & dev.min_align_mask & (IO_TLB_SIZE - 1);
}

/** BITS_PER_LONG, and the width of phys_addr_t / dma_addr_t / size_t: 32 on ARM without LPAE. */
function longBits(k: Kernel): 32 | 64 {
  return k.arch?.name === "arm" ? 32 : 64;
}

const TWO32 = 2 ** 32;
const TWO64 = 2 ** 64;

/** A C size_t / phys_addr_t value of width `bits` as an unsigned number (approximate past 2^53). */
function unsignedOf(v: number, bits: 32 | 64): number {
  if (bits === 32) return ((v % TWO32) + TWO32) % TWO32;
  return v < 0 ? v + TWO64 : v;
}

/** %pa: phys_addr_t printed with all its digits. */
function fmtPa(k: Kernel, a: number): string {
  return "0x" + unsignedOf(a, longBits(k)).toString(16).padStart(longBits(k) / 4, "0");
}

// ---------------------------------------------------------------------------------------------
// init and queries

/** kernel/dma/swiotlb.c swiotlb_size_or_default (5.13–5.14): default_nslabs << IO_TLB_SHIFT, after swiotlb=<nslabs> */
export function swiotlb_size_or_default(k: Kernel): number {
  return swiotlb_default_nslabs(k) * IO_TLB_SIZE;
}

/** kernel/dma/swiotlb.c default_nslabs after setup_io_tlb_npages (5.13–5.14): swiotlb=<n> ALIGNed to IO_TLB_SEGSIZE */
export function swiotlb_default_nslabs(k: Kernel): number {
  const n = k.cfg?.swiotlb_slabs ?? 0;
  if (n > 0) return Math.ceil(n / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE;
  return IO_TLB_DEFAULT_SIZE >> IO_TLB_SHIFT;
}

/** kernel/dma/swiotlb.c swiotlb_print_info (5.13–5.14): "software IO TLB: mapped [mem %pa-%pa] (%luMB)" */
export function swiotlb_print_info(k: Kernel): void {
  const mem = k.io_tlb_default_mem;
  if (!mem) {
    k.log("software IO TLB: No low mem");
    return;
  }
  k.log(`software IO TLB: mapped [mem ${fmtPa(k, mem.start)}-${fmtPa(k, mem.end)}] (${Math.floor((mem.nslabs * IO_TLB_SIZE) / (1 << 20))}MB)`);
}

/**
 * kernel/dma/swiotlb.c swiotlb_init_with_tbl (5.13–5.14): install the pool at `start_phys`
 * (memory the caller reserved, e.g. memblock_alloc_low) with `nslabs` slabs. Returns 0 or
 * -ENOMEM. The pool memory reads as zeros afterwards (memblock hands out zeroed memory; 5.14
 * memsets it): modelled as zeroed RAM with no cache lines.
 */
export function swiotlb_init_with_tbl(k: Kernel, start_phys: number, nslabs: number, verbose: boolean): number {
  k.tr?.enter(S_init, { tlb: hex(start_phys), nslabs: String(nslabs) });
  if (k.swiotlb_force === "noforce") {
    k.tr?.decide("swiotlb_force == SWIOTLB_NO_FORCE", true, "swiotlb=noforce: no bounce pool");
    k.tr?.exit("0");
    return 0;
  }
  if (k.io_tlb_default_mem) {
    k.warnOnce("swiotlb_init_with_tbl:double-init", "WARNING: at kernel/dma/swiotlb.c swiotlb_init_with_tbl: WARN_ON_ONCE(io_tlb_default_mem)", "swiotlb_init_with_tbl");
    k.tr?.exit("-ENOMEM");
    return -ENOMEM;
  }
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

/** kernel/dma/swiotlb.c swiotlb_set_max_segment (5.13–5.14): 1 with swiotlb=force, else rounddown(val, PAGE_SIZE) */
export function swiotlb_set_max_segment(k: Kernel, val: number): void {
  const mem = k.io_tlb_default_mem;
  if (mem) mem.max_segment = k.swiotlb_force === "force" ? 1 : Math.floor(val / PAGE_SIZE) * PAGE_SIZE;
}

/** kernel/dma/swiotlb.c swiotlb_max_segment (5.13–5.14) */
export function swiotlb_max_segment(k: Kernel): number {
  return k.io_tlb_default_mem ? k.io_tlb_default_mem.max_segment : 0;
}

/** kernel/dma/swiotlb.c is_swiotlb_active (5.13–5.14): the pool exists */
export function is_swiotlb_active(k: Kernel): boolean {
  return k.io_tlb_default_mem !== null && k.io_tlb_default_mem !== undefined;
}

/** include/linux/swiotlb.h is_swiotlb_buffer (5.13–5.14): paddr in [start, end) */
export function is_swiotlb_buffer(k: Kernel, paddr: number): boolean {
  const mem = k.io_tlb_default_mem;
  return !!mem && paddr >= mem.start && paddr < mem.end;
}

/** kernel/dma/swiotlb.c swiotlb_max_mapping_size (5.13–5.14): IO_TLB_SIZE * IO_TLB_SEGSIZE = 256 KiB */
export function swiotlb_max_mapping_size(_dev?: Device): number {
  return IO_TLB_SIZE * IO_TLB_SEGSIZE;
}

// ---------------------------------------------------------------------------------------------
// find_slots

/**
 * The segment-boundary arithmetic of find_slots, memoised (it needs 64-bit masks, i.e. bigint,
 * and only changes with the device's mask or the pool's bus address).
 */
interface Boundary {
  tbl: number;
  mask: bigint;
  bits: number;
  /** low 32 bits of tbl_dma_addr & boundary_mask (all the alignment check can see) */
  tblLow: number;
  /** nr_slots(tbl_dma_addr & boundary_mask) mod max_slots */
  shiftMod: number;
  /** get_max_slots(boundary_mask) */
  max: number;
  pow2: boolean;
  maskText: string;
}
let memo: Boundary | null = null;

function boundaryFor(k: Kernel, dev: Device, tbl_dma_addr: number): Boundary {
  const bits = longBits(k);
  const m0 = dev.segment_boundary_mask;
  const m = memo;
  if (m !== null && m.tbl === tbl_dma_addr && m.mask === m0 && m.bits === bits) return m;
  const B = BigInt(bits);
  const ulongMax = (1n << B) - 1n;
  // dma_get_seg_boundary: the dma_parms mask, or ULONG_MAX when unset
  const mask = m0 ? BigInt.asUintN(bits, m0) : ulongMax;
  const masked = BigInt.asUintN(bits, BigInt(tbl_dma_addr)) & mask;
  // get_max_slots: 1 << (BITS_PER_LONG - IO_TLB_SHIFT) for ~0UL, else nr_slots(mask + 1)
  const maxB = mask === ulongMax ? 1n << (B - BigInt(IO_TLB_SHIFT)) : (mask + 1n + BigInt(IO_TLB_SIZE - 1)) / BigInt(IO_TLB_SIZE);
  const shift = (masked + BigInt(IO_TLB_SIZE - 1)) / BigInt(IO_TLB_SIZE);
  const pow2 = maxB > 0n && (maxB & (maxB - 1n)) === 0n;
  const b: Boundary = {
    tbl: tbl_dma_addr,
    mask: m0,
    bits,
    tblLow: Number(masked & 0xffffffffn),
    shiftMod: maxB > 0n ? Number(shift % maxB) : 0,
    max: Number(maxB),
    pow2,
    maskText: "0x" + mask.toString(16),
  };
  memo = b;
  return b;
}

/** include/linux/iommu-helper.h iommu_is_span_boundary (5.13–5.14), with the shift pre-reduced */
function iommu_is_span_boundary(k: Kernel, index: number, nr: number, b: Boundary): boolean {
  if (!b.pow2) k.BUG(`at include/linux/iommu-helper.h (iommu_is_span_boundary): BUG_ON(!is_power_of_2(${b.max})) for segment_boundary_mask ${b.maskText}`, "find_slots");
  let s = b.shiftMod + index;
  if (s >= b.max) s %= b.max;
  return s + nr > b.max;
}

/**
 * include/linux/dma-direct.h phys_to_dma_unencrypted (5.13–5.14) for the pool start: the
 * device's dma_range_map translation (translate_phys_to_dma), or identity without a map.
 * Used when the caller does not pass `tbl_dma_addr` itself.
 */
function default_tbl_dma_addr(dev: Device, start: number): number {
  const map = dev.dma_range_map;
  if (!map) return start;
  for (const r of map) if (start >= r.cpu_start && start - r.cpu_start < r.size) return start - r.offset;
  return DMA_MAPPING_ERROR;
}

/**
 * kernel/dma/swiotlb.c find_slots (5.13–5.14): search for `nr_slots(alloc_size)` free slots.
 * Returns the first slot index or -1.
 *
 * `tbl_dma_addr` is phys_to_dma_unencrypted(dev, mem->start); the kernel computes it inside with
 * the generic dma-direct translation. Callers may pass it (dma-direct knows the translation);
 * when omitted it is computed here from dev.dma_range_map (identity without one), which is the
 * same function.
 *
 * The 5.13 search loop can spin forever when a device has a min_align_mask ≥ IO_TLB_SIZE, the
 * original's bit(s) above the slot size differ from the start index's, and no fitting run
 * exists (the CPU then hangs holding mem->lock with interrupts off). dmasim detects the cycle
 * and stops the run with k.BUG, naming the hang.
 */
export function find_slots(k: Kernel, dev: Device, orig_addr: number, alloc_size: number, tbl_dma_addr?: number): number {
  const mem = k.io_tlb_default_mem!;
  k.tr?.enter(S_find, { orig_addr: hex(orig_addr), alloc_size: String(alloc_size) });
  const b = boundaryFor(k, dev, tbl_dma_addr ?? default_tbl_dma_addr(dev, mem.start));
  // dma_get_min_align_mask exists from 1f221a0d0dbf (5.12); before it the search has no align mask
  const iotlb_align_mask = k.has("1f221a0d0dbf") ? (dev.min_align_mask & ~(IO_TLB_SIZE - 1)) >>> 0 : 0;
  const nslots = nr_slots(alloc_size);
  if (nslots === 0) k.BUG("at kernel/dma/swiotlb.c (find_slots): BUG_ON(!nslots)", "find_slots");

  // For mappings of at least a page, the stride (and so the alignment) is at least a page.
  let stride = (iotlb_align_mask >>> IO_TLB_SHIFT) + 1;
  if (alloc_size >= PAGE_SIZE) stride = Math.max(stride, stride << (PAGE_SHIFT - IO_TLB_SHIFT));

  const nslabs = mem.nslabs;
  if (nslots > nslabs - mem.used) {
    k.tr?.decide("nslots > nslabs - used", true, `${nslots} slots wanted, ${nslabs - mem.used} free in the whole pool`);
    k.tr?.swiotlb("map", -1, nslots, "-", `no room: ${nslots} slots > ${nslabs - mem.used} free`);
    k.tr?.exit("-1");
    return -1;
  }

  const list = mem.list;
  // wrap_index(ALIGN(mem->index, stride))
  let index = ((mem.index + stride - 1) & ~(stride - 1)) >>> 0;
  if (index >= nslabs) index = 0;
  const wrap = index;
  const want = orig_addr & iotlb_align_mask;
  let found = -1;
  let steps = 0;
  do {
    if (((b.tblLow + index * IO_TLB_SIZE) & iotlb_align_mask) !== want) {
      index = index + 1 >= nslabs ? 0 : index + 1;
    } else {
      if (!iommu_is_span_boundary(k, index, nslots, b) && list[index]! >= nslots) {
        found = index;
        break;
      }
      index += stride;
      if (index >= nslabs) index = 0;
    }
    if (++steps > nslabs) {
      // More steps than slots without meeting `wrap` again: the walk is in a cycle that does not
      // contain `wrap`, so the kernel loop never ends.
      k.tr?.decide("index == wrap", false, `the search cycles without returning to slot ${wrap}`);
      k.tr?.note(
        `find_slots never terminates: min_align_mask ${hex(dev.min_align_mask)} needs slot address bits ${hex(want >>> 0)} under ${hex(iotlb_align_mask)}, ` +
          `the walk from slot ${wrap} (stride ${stride}) cycles without returning to it and no ${nslots}-slot run fits; ` +
          `the CPU spins holding io_tlb_mem.lock with interrupts off (fixed upstream by 7c3940bf81e5 in 2023)`,
      );
      soft_lockup(k, "find_slots");
    }
  } while (index !== wrap);

  if (found < 0) {
    k.tr?.swiotlb("map", -1, nslots, "-", `no ${nslots}-slot run found (stride ${stride}, align mask ${hex(iotlb_align_mask)}), used ${mem.used}/${nslabs}`);
    k.tr?.exit("-1");
    return -1;
  }

  for (let i = found; i < found + nslots; i++) list[i] = 0;
  let count = 0;
  for (let i = found - 1; (i & (IO_TLB_SEGSIZE - 1)) !== IO_TLB_SEGSIZE - 1 && list[i] !== 0; i--) list[i] = ++count;
  mem.index = found + nslots < nslabs ? found + nslots : 0;
  mem.used += nslots;
  k.tr?.swiotlb("map", found, nslots, hex(slot_addr(mem.start, found)), `stride ${stride}; used ${mem.used}/${nslabs}; next search at ${mem.index}`);
  k.tr?.exit(String(found));
  return found;
}

// ---------------------------------------------------------------------------------------------
// map / unmap / bounce / sync

/**
 * dev_warn_ratelimited in swiotlb_tbl_map_single: the kernel's default ratelimit is a burst of
 * 10 messages per 5 s (DEFAULT_RATELIMIT_BURST / _INTERVAL) per call site. dmasim has no clock,
 * so it models this as "at most 10 messages per run" (per Kernel); later ones are counted and
 * only noted in the trace, as the kernel's "callbacks suppressed" line would report them.
 */
export const SWIOTLB_FULL_RATELIMIT_BURST = 10;
const fullRatelimit = new WeakMap<object, { printed: number; suppressed: number }>();

/** How many "swiotlb buffer is full" messages were printed / suppressed in this run. */
export function swiotlb_full_ratelimit_state(k: Kernel): { printed: number; suppressed: number } {
  return { ...(fullRatelimit.get(k) ?? { printed: 0, suppressed: 0 }) };
}

/**
 * kernel/dma/swiotlb.c swiotlb_tbl_map_single (5.13–5.14): take slots for `alloc_size` bytes,
 * remember the original per slot and, for TO_DEVICE / BIDIRECTIONAL without SKIP_CPU_SYNC,
 * copy the original in. Returns the bounce buffer's physical address or DMA_MAPPING_ERROR.
 * The kernel panics when there is no pool; dmasim stops the run with k.BUG and that text.
 * `tbl_dma_addr`: see find_slots.
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
): number {
  const mem = k.io_tlb_default_mem;
  k.tr?.enter(S_map, { orig_addr: hex(orig_addr), mapping_size: hex(mapping_size), alloc_size: hex(alloc_size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  if (!mem) k.BUG("Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer", "swiotlb_tbl_map_single");

  if (mapping_size > alloc_size) {
    k.warnOnce("swiotlb_tbl_map_single:invalid-sizes", `${dev_id(dev)}: Invalid sizes (mapping: ${mapping_size} bytes, alloc: ${alloc_size} bytes)`, "swiotlb_tbl_map_single");
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }

  const offset = swiotlb_align_offset(dev, orig_addr);
  const index = find_slots(k, dev, orig_addr, alloc_size + offset, tbl_dma_addr);
  if (index === -1) {
    if (!(attrs & DMA_ATTR_NO_WARN)) {
      let rl = fullRatelimit.get(k);
      if (!rl) fullRatelimit.set(k, (rl = { printed: 0, suppressed: 0 }));
      if (rl.printed < SWIOTLB_FULL_RATELIMIT_BURST) {
        rl.printed++;
        k.warn(`${dev_id(dev)}: swiotlb buffer is full (sz: ${alloc_size} bytes), total ${mem.nslabs} (slots), used ${mem.used} (slots)`, "swiotlb_tbl_map_single");
      } else {
        rl.suppressed++;
        k.tr?.note(`dev_warn_ratelimited: "swiotlb buffer is full" suppressed (${rl.suppressed} so far)`);
      }
    }
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }

  // Save the original of every slot (sync needs it), then bounce if the device will read.
  const n = nr_slots(alloc_size + offset);
  const oa = mem.orig_addr;
  const as = mem.alloc_size;
  for (let i = 0; i < n; i++) {
    oa[index + i] = slot_addr(orig_addr, i);
    as[index + i] = alloc_size - i * IO_TLB_SIZE;
  }
  const tlb_addr = slot_addr(mem.start, index) + offset;
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL)) {
    swiotlb_bounce(k, dev, tlb_addr, mapping_size, DMA_TO_DEVICE);
  } else {
    k.tr?.decide(
      "bounce at map",
      false,
      attrs & DMA_ATTR_SKIP_CPU_SYNC ? "DMA_ATTR_SKIP_CPU_SYNC" : "DMA_FROM_DEVICE: the slot keeps whatever it held before (not initialised in 5.13/5.14)",
    );
  }
  k.tr?.exit(hex(tlb_addr));
  return tlb_addr;
}

/** A slot index the kernel would read out of bounds of mem->slots: stop rather than guess. */
function outOfPool(k: Kernel, fn: string, tlb_addr: number): never {
  k.BUG(`${fn}: tlb_addr ${hex(tlb_addr)} is outside the swiotlb pool (the kernel would index io_tlb_mem.slots out of bounds)`, fn);
}

/**
 * kernel/dma/swiotlb.c swiotlb_bounce (5.13–5.14, with 5f89468e2f06, without 868c9ddc182b):
 * copy `size` bytes between the bounce buffer at `tlb_addr` and its original, TO_DEVICE:
 * original → slot, else slot → original. Both sides are CPU accesses through cacheable aliases
 * (the linear map; kmap_atomic for ARM32 highmem originals), i.e. through the cache model.
 *
 * Exact C arithmetic kept: `tlb_offset` is an unsigned int, so a partial sync that starts in a
 * later slot below the min_align offset wraps it — harmless with 32-bit phys_addr_t (ARM32), a
 * 4 GiB-off copy with 64-bit phys_addr_t. The highmem path takes the page from the unadjusted
 * orig_addr and the in-page offset from the adjusted one.
 */
export function swiotlb_bounce(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  const mem = k.io_tlb_default_mem!;
  k.tr?.enter(S_bounce, { tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  const index = Math.floor((tlb_addr - mem.start) / IO_TLB_SIZE);
  if (index < 0 || index >= mem.nslabs) outOfPool(k, "swiotlb_bounce", tlb_addr);
  const slot_orig = mem.orig_addr[index]!;
  if (slot_orig === INVALID_PHYS_ADDR) {
    k.tr?.swiotlb("bounce", index, 0, hex(tlb_addr), "slot has no original (INVALID_PHYS_ADDR): nothing copied");
    k.tr?.exit();
    return;
  }
  const bits = longBits(k);
  const pfn = Math.floor(slot_orig / PAGE_SIZE);
  const tlb_offset = ((tlb_addr & (IO_TLB_SIZE - 1)) - swiotlb_align_offset(dev, slot_orig)) >>> 0;
  let orig_addr = slot_orig + tlb_offset;
  if (bits === 32) orig_addr %= TWO32;
  const alloc = unsignedOf(mem.alloc_size[index]! - tlb_offset, bits);

  if (size > alloc) {
    k.warnOnce("swiotlb_bounce:overflow", `${dev_id(dev)}: Buffer overflow detected. Allocation size: ${alloc}. Mapping size: ${size}.`, "swiotlb_bounce");
    size = alloc;
  }

  let src_phys = orig_addr;
  let highmem = false;
  if (bits === 32) {
    const mm = k.memmap;
    highmem = !!mm && mm.has(pfn) && mm.PageHighMem(pfn);
    if (highmem) src_phys = pfn * PAGE_SIZE + (orig_addr % PAGE_SIZE);
  }
  const toDevice = dir === DMA_TO_DEVICE;
  k.tr?.swiotlb(
    "bounce",
    index,
    nr_slots((tlb_addr & (IO_TLB_SIZE - 1)) + size),
    hex(tlb_addr),
    `${toDevice ? "orig → slot" : "slot → orig"} ${size} B, orig ${hex(src_phys)}${highmem ? " (highmem, kmap_atomic per page)" : ""}${tlb_offset >= IO_TLB_SIZE ? ` (tlb_offset wrapped to ${hex(tlb_offset)})` : ""}`,
  );
  if (size > 0) {
    if (!k.mem.isRamRange(k.xen ? k.stage2(src_phys) : src_phys, size)) {
      // memcpy through phys_to_virt() of memory that is not RAM: a kernel paging fault.
      if (k.arch) k.oops(k.arch.__va(src_phys), "swiotlb_bounce");
      k.BUG(`swiotlb_bounce: original ${hex(src_phys)}+${size} is not RAM`, "swiotlb_bounce");
    }
    const cache = k.cache;
    if (k.xen) {
      // the memcpy runs on linear-map addresses: on Xen the MMU takes each page through the P2M
      // (x86 PV) or stage 2 (an ARM dom0's grant-mapped foreign pages)
      const [dst, src] = toDevice ? [tlb_addr, src_phys] : [src_phys, tlb_addr];
      for (let done = 0; done < size; ) {
        const n = Math.min(size - done, PAGE_SIZE - ((dst + done) % PAGE_SIZE), PAGE_SIZE - ((src + done) % PAGE_SIZE));
        cache.cpuCopy(k.stage2(dst + done), k.stage2(src + done), n);
        done += n;
      }
    } else if (toDevice) cache.cpuCopy(tlb_addr, src_phys, size);
    else cache.cpuCopy(src_phys, tlb_addr, size);
  }
  k.tr?.exit();
}

/** nr_slots(mem->slots[index].alloc_size + offset) into an int, with the C types' wrap-around. */
function slotsOfMapping(alloc: number, offset: number, bits: 32 | 64): number {
  if (alloc >= 0) return nr_slots(alloc + offset);
  // a wrapped size_t (only for a tlb_addr pointing into the middle of a mapping)
  const v = BigInt.asUintN(bits, BigInt(alloc) + BigInt(offset));
  const n = BigInt.asUintN(64, v + BigInt(IO_TLB_SIZE - 1)) / BigInt(IO_TLB_SIZE);
  return Number(BigInt.asIntN(32, n));
}

/**
 * kernel/dma/swiotlb.c swiotlb_tbl_unmap_single (5.13–5.14): copy back for FROM_DEVICE /
 * BIDIRECTIONAL unless SKIP_CPU_SYNC, then return the slots to the free list, merging with the
 * free run after them (same segment only) and renumbering the free run before them.
 */
export function swiotlb_tbl_unmap_single(k: Kernel, dev: Device, tlb_addr: number, mapping_size: number, dir: number, attrs: number): void {
  const mem = k.io_tlb_default_mem!;
  k.tr?.enter(S_unmap, { tlb_addr: hex(tlb_addr), mapping_size: hex(mapping_size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  const offset = swiotlb_align_offset(dev, tlb_addr);
  const index = Math.floor((tlb_addr - offset - mem.start) / IO_TLB_SIZE);
  if (index < 0 || index >= mem.nslabs) outOfPool(k, "swiotlb_tbl_unmap_single", tlb_addr);
  const nslots = slotsOfMapping(mem.alloc_size[index]!, offset, longBits(k));

  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) {
    swiotlb_bounce(k, dev, tlb_addr, mapping_size, DMA_FROM_DEVICE);
  }

  const list = mem.list;
  const oa = mem.orig_addr;
  const as = mem.alloc_size;
  // merge with the following free run if it is in the same segment
  let count = index + nslots < ((index + IO_TLB_SEGSIZE) & ~(IO_TLB_SEGSIZE - 1)) ? list[index + nslots]! : 0;
  for (let i = index + nslots - 1; i >= index; i--) {
    list[i] = ++count;
    oa[i] = INVALID_PHYS_ADDR;
    as[i] = 0;
  }
  // and renumber the free run before it, within the segment
  for (let i = index - 1; i >= 0 && (i & (IO_TLB_SEGSIZE - 1)) !== IO_TLB_SEGSIZE - 1 && list[i] !== 0; i--) list[i] = ++count;
  mem.used -= nslots;
  k.tr?.swiotlb("unmap", index, nslots, hex(tlb_addr), `freed; run now ${count} slots; used ${mem.used}/${mem.nslabs}`);
  k.tr?.exit();
}

/** kernel/dma/swiotlb.c swiotlb_sync_single_for_device (5.13–5.14): bounce in for TO/BIDI; BUG_ON(dir != DMA_FROM_DEVICE) otherwise */
export function swiotlb_sync_single_for_device(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  k.tr?.enter(S_sync_dev, { tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  if (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(k, dev, tlb_addr, size, DMA_TO_DEVICE);
  else if (dir !== DMA_FROM_DEVICE) k.BUG("at kernel/dma/swiotlb.c (swiotlb_sync_single_for_device): BUG_ON(dir != DMA_FROM_DEVICE)", "swiotlb_sync_single_for_device");
  k.tr?.exit();
}

/** kernel/dma/swiotlb.c swiotlb_sync_single_for_cpu (5.13–5.14): bounce out for FROM/BIDI; BUG_ON(dir != DMA_TO_DEVICE) otherwise */
export function swiotlb_sync_single_for_cpu(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  k.tr?.enter(S_sync_cpu, { tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  if (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(k, dev, tlb_addr, size, DMA_FROM_DEVICE);
  else if (dir !== DMA_TO_DEVICE) k.BUG("at kernel/dma/swiotlb.c (swiotlb_sync_single_for_cpu): BUG_ON(dir != DMA_TO_DEVICE)", "swiotlb_sync_single_for_cpu");
  k.tr?.exit();
}

// ---------------------------------------------------------------------------------------------
// statistics and explanations (dmasim's own; no kernel counterpart)

export interface SwiotlbStats {
  nslabs: number;
  used: number;
  free: number;
  /** where the next search starts (mem->index) */
  index: number;
  /** longest run of free slots (≤ IO_TLB_SEGSIZE: runs never cross a segment) */
  largestFreeRun: number;
  /** number of maximal free runs in the pool */
  freeRuns: number;
  /** segments with no free slot */
  fullSegments: number;
  /** per segment: number of free runs (only when asked for) */
  freeRunsPerSegment?: number[];
  /** per segment: longest free run (only when asked for) */
  largestRunPerSegment?: number[];
}

/** Pool occupancy for explanations ("buffer is full": leak, fragmentation or oversize). */
export function swiotlbStats(k: Kernel, perSegment = false): SwiotlbStats | null {
  const mem = k.io_tlb_default_mem;
  if (!mem) return null;
  const list = mem.list;
  const nseg = mem.nslabs / IO_TLB_SEGSIZE;
  let largest = 0;
  let runs = 0;
  let fullSegments = 0;
  const runsPer = perSegment ? new Array<number>(nseg).fill(0) : undefined;
  const largestPer = perSegment ? new Array<number>(nseg).fill(0) : undefined;
  for (let s = 0; s < nseg; s++) {
    let segFree = 0;
    let segLargest = 0;
    let segRuns = 0;
    for (let i = s * IO_TLB_SEGSIZE; i < (s + 1) * IO_TLB_SEGSIZE; i++) {
      const v = list[i]!;
      if (v === 0) continue;
      segFree++;
      if (i === s * IO_TLB_SEGSIZE || list[i - 1] === 0) {
        segRuns++;
        if (v > segLargest) segLargest = v;
      }
    }
    if (segFree === 0) fullSegments++;
    runs += segRuns;
    if (segLargest > largest) largest = segLargest;
    if (runsPer) runsPer[s] = segRuns;
    if (largestPer) largestPer[s] = segLargest;
  }
  const st: SwiotlbStats = {
    nslabs: mem.nslabs,
    used: mem.used,
    free: mem.nslabs - mem.used,
    index: mem.index,
    largestFreeRun: largest,
    freeRuns: runs,
    fullSegments,
  };
  if (runsPer) st.freeRunsPerSegment = runsPer;
  if (largestPer) st.largestRunPerSegment = largestPer;
  return st;
}

export type SwiotlbFullCause = "oversize" | "exhausted" | "fragmented";

/**
 * Why a request for `nslots` slots found no room: larger than a segment can ever hold
 * ('oversize'), more than the pool has free at all — typically a leak of unmapped buffers
 * ('exhausted'), or enough free slots but no suitably aligned run of them ('fragmented').
 */
export function classifyFull(mem: IoTlbMem, nslots: number): SwiotlbFullCause {
  if (nslots > IO_TLB_SEGSIZE) return "oversize";
  if (nslots > mem.nslabs - mem.used) return "exhausted";
  return "fragmented";
}

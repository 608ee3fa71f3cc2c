/**
 * kernel/dma/swiotlb.c: what is really the same in every modelled era (5.6 … 5.19) — the
 * constants of include/linux/swiotlb.h, the slot bookkeeping arrays, the free-list arithmetic
 * helpers, the segment-boundary test of include/linux/iommu-helper.h, the raw bounce memcpy,
 * and dmasim's own pool statistics. Each era module (v5.6.ts, v5.13.ts, v5.15.ts) has its own
 * functions, order and messages; index.ts picks one era per booted kernel.
 *
 * Checked the same in shmily1012/linux-5.6.4 @93830a5cf2aa, ejga2001/linux-5.10.7 @3791f9c55148,
 * lsk-legends/linux-5.14 (5.14-rc5) @45477c32dd5d, yishangzhang/linux-5.19 @4a8550523ce9:
 * IO_TLB_SHIFT 11, IO_TLB_SEGSIZE 128, IO_TLB_DEFAULT_SIZE 64 MiB, IO_TLB_MIN_SLABS, the free
 * list initialisation (IO_TLB_SEGSIZE - OFFSET(i, IO_TLB_SEGSIZE)), iommu_is_span_boundary.
 */
import { soft_lockup } from "../../../mm/mm-debug.js";
import { COW_FIELDS } from "../../../core/clone.js";
import type { Kernel } from "../../../kernel.js";
import { warn_site } from "../../warn-sites.js";
import { sym } from "../../../core/trace.js";
import { dev_id } from "../../../drivers/device.js";
import { DIR_NAMES } from "../../../include/gfp.js";
import type { Device } from "../../../drivers/device.js";
import { DMA_MAPPING_ERROR, PAGE_SHIFT, PAGE_SIZE, hex, offset_in_page } from "../../../core/u64.js";
import { DmasimInternalError } from "../../../core/faults.js";

/* include/linux/swiotlb.h (5.6–5.19) */
export const IO_TLB_SHIFT = 11;
export const IO_TLB_SIZE = 1 << IO_TLB_SHIFT;
export const IO_TLB_SEGSIZE = 128;
export const IO_TLB_DEFAULT_SIZE = 64 << 20;
/** kernel/dma/swiotlb.c: 1 MiB worth of slabs */
export const IO_TLB_MIN_SLABS = (1 << 20) >> IO_TLB_SHIFT;
/** kernel/dma/swiotlb.c (and 5.6–5.18 drivers/xen/swiotlb-xen.c) SLABS_PER_PAGE: 1 << (PAGE_SHIFT - IO_TLB_SHIFT), two slabs a 4 KiB page */
export const SLABS_PER_PAGE = 1 << (PAGE_SHIFT - IO_TLB_SHIFT);
/** (phys_addr_t)~0 in dmasim's signed 64-bit form */
export const INVALID_PHYS_ADDR = -1;

export const ENOMEM = 12;

/**
 * The slot bookkeeping of one bounce pool, struct-of-arrays:
 * - 5.6–5.11: the globals io_tlb_start/end/nslabs/used/index, io_tlb_list[] and
 *   io_tlb_orig_addr[] (alloc_size[] unused: that era keeps no per-slot size);
 * - 5.12/5.13–5.14: struct io_tlb_mem behind the pointer io_tlb_default_mem;
 * - 5.15–5.19: struct io_tlb_mem (the static io_tlb_default_mem, or a restricted pool) that
 *   each device reaches through dev->dma_io_tlb_mem.
 *
 * - `list[i]`: free-run length counted from slot i to the next used slot or the end of i's
 *   128-slot segment; 0 when the slot is in use.
 * - `orig_addr[i]`: original physical address this slot shadows, INVALID_PHYS_ADDR (-1) when free.
 * - `alloc_size[i]`: the size_t the kernel stores (5.12+); a negative value is a size_t that
 *   wrapped (2^W + value, W = 64 or 32), which the kernel really stores for trailing slots of a
 *   mapping whose min_align_mask offset pushed it into one more slot.
 * - `used` is an unsigned long in C: 5.6–5.11 can drive it below zero with wrong unmap sizes;
 *   dmasim keeps the signed value and prints it as %lu does.
 */
export class IoTlbMem {
  /** physical address of the pool */
  readonly start: number;
  /** first byte after the pool (exclusive), as mem->end / io_tlb_end */
  readonly end: number;
  readonly nslabs: number;
  used = 0;
  /** where the next search starts */
  index = 0;
  private _list: Int32Array = NO_I32;
  private _orig_addr: Float64Array = NO_F64;
  private _alloc_size: Int32Array = NO_I32;
  /**
   * The last free-list renumbering (renumber below), not yet written into `_list`: for every
   * slot m in [pendLo, pendHi], list[m] is pendBase - m. pendHi < pendLo: none. `list` writes it
   * out before anyone else sees the array; the eras' search and release read and write through
   * slot_list / set_slot_list / renumber, which know it.
   */
  private pendLo = 0;
  private pendHi = -1;
  private pendBase = 0;
  /**
   * The three arrays are not this pool's own yet, and its first use of them makes them: either
   * they are a boot template's (src/boot-cache.ts), shared with it until first used (set by
   * deepClone: src/core/clone.ts, COW_FIELDS below; the template is never run), or they are not
   * made yet (NO_I32 / NO_F64: a new pool's arrays are made with the free-slot counters of a
   * fresh pool when first used). Either way a boot or a copy of a booted model costs no 0.5 MiB
   * of slot arrays unless its run uses swiotlb.
   */
  private cowShared = false;
  readonly late_alloc: boolean;
  /** the global `max_segment` (swiotlb_max_segment, 5.6–5.14), kept with the pool */
  max_segment = 0;
  /** mem->force_bounce (5.15+) */
  force_bounce = false;
  /** mem->for_alloc (5.15+): a restricted-dma-pool, which dma_direct_alloc allocates from */
  for_alloc = false;

  constructor(start: number, nslabs: number, late_alloc = false) {
    if (!Number.isInteger(nslabs) || nslabs < 0 || (nslabs % IO_TLB_SEGSIZE !== 0 && nslabs !== 1)) {
      // The kernel always sizes the pool in whole segments (setup_io_tlb_npages ALIGNs to
      // IO_TLB_SEGSIZE); a partial last segment would let the search allocate past the end.
      // The one exception: 5.6–5.11's swiotlb=noforce pool of io_tlb_nslabs = 1 (v5.6.ts), whose
      // slot 0 says 128 free like any slot 0 (the search's `nslots > nslabs - used` keeps it to one).
      throw new RangeError(`swiotlb: nslabs ${nslabs} must be a multiple of IO_TLB_SEGSIZE (${IO_TLB_SEGSIZE})`);
    }
    if (start % IO_TLB_SIZE !== 0) throw new RangeError(`swiotlb: pool start ${hex(start)} is not IO_TLB_SIZE aligned`);
    this.start = start;
    this.nslabs = nslabs;
    this.end = start + nslabs * IO_TLB_SIZE;
    this.late_alloc = late_alloc;
    this.cowShared = nslabs > 0; // the arrays are made when first used (fresh())
  }

  /** io_tlb_list / mem->slots[i].list (every renumbering written out) */
  get list(): Int32Array {
    if (this.cowShared) this.unshare();
    if (this.pendHi >= this.pendLo) this.writePending();
    return this._list;
  }

  /** list[i] (io_tlb_list[i] / mem->slots[i].list), the pending renumbering included */
  slot_list(i: number): number {
    if (this._list === NO_I32) this.unshare(); // a new pool's arrays are made at first use
    return i <= this.pendHi && i >= this.pendLo ? this.pendBase - i : this._list[i]!;
  }

  /** list[i] = v */
  set_slot_list(i: number, v: number): void {
    if (this.cowShared) this.unshare();
    if (i <= this.pendHi && i >= this.pendLo) this.writePending();
    this._list[i] = v;
  }

  /**
   * The free-list renumbering loop of every era's slot search and release (kernel/dma/swiotlb.c,
   * 5.6–6.18): `for (i = index - 1; io_tlb_offset(i) != IO_TLB_SEGSIZE - 1 && list[i]; i--)
   * list[i] = ++count;` (5.6–5.11 spell the test OFFSET(i, IO_TLB_SEGSIZE)). Starts at slot `i`
   * with `count`, returns the last count; slot -1 stops it as the segment test does in C.
   *
   * The loop runs as in C — down from `i` to the segment's first slot or the first slot whose
   * counter is 0 — but the values it writes, count + 1, count + 2, … from slot i down, are kept
   * as one pending run (pendLo/pendHi/pendBase) instead of being stored one by one: a pair of
   * map and unmap in one segment rewrites the same up to 127 counters twice, and the next
   * renumbering of that range replaces the run whole. The loop steps over the pending run in
   * one go: every value in it is ≥ 1, so the C loop would not stop inside it. A pending run the
   * new one does not cover is written out first.
   */
  renumber(i: number, count: number): number {
    const lo = (i + 1) & ~(IO_TLB_SEGSIZE - 1); // i's segment's first slot; i + 1 when i is a segment's last slot (no iteration)
    if (this._list === NO_I32) this.unshare(); // a new pool's arrays are made at first use
    const pLo = this.pendLo;
    const pHi = this.pendHi;
    const list = this._list;
    let m = i;
    while (m >= lo) {
      if (m <= pHi && m >= pLo) m = pLo - 1;
      else if (list[m] === 0) break;
      else m--;
    }
    if (m === i) return count;
    if (this.cowShared) this.unshare();
    // the C loop wrote list[x] = count + (i - x + 1) for x in (m, i]
    if (pHi >= pLo && (pLo <= m || pHi > i)) this.writePending();
    this.pendLo = m + 1;
    this.pendHi = i;
    this.pendBase = count + i + 1;
    return count + (i - m);
  }

  /** Store the pending renumbering into the array. */
  private writePending(): void {
    if (this.cowShared) this.unshare();
    const list = this._list;
    const base = this.pendBase;
    for (let x = this.pendLo, hi = this.pendHi; x <= hi; x++) list[x] = base - x;
    this.pendLo = 0;
    this.pendHi = -1;
  }
  /** io_tlb_orig_addr / mem->slots[i].orig_addr */
  get orig_addr(): Float64Array {
    if (this.cowShared) this.unshare();
    return this._orig_addr;
  }
  /** mem->slots[i].alloc_size */
  get alloc_size(): Int32Array {
    if (this.cowShared) this.unshare();
    return this._alloc_size;
  }

  /** First use of the slot arrays: a copy's own copies of the template's, or a new pool's made. */
  private unshare(): void {
    if (this._list === NO_I32) this.fresh();
    else {
      this._list = this._list.slice();
      this._orig_addr = this._orig_addr.slice();
      this._alloc_size = this._alloc_size.slice();
    }
    this.cowShared = false;
  }

  /**
   * A fresh pool's slot arrays: every slot free (orig_addr INVALID_PHYS_ADDR, alloc_size 0) and
   * list[i] = min(IO_TLB_SEGSIZE - io_tlb_offset(i), nslabs - i), the free run to the end of its
   * segment (the pool's end caps a partial last segment's).
   */
  private fresh(): void {
    const n = this.nslabs;
    const r = freeSlots.get(n)?.pop();
    const list = r?.list ?? new Int32Array(n);
    const whole = n - (n & (IO_TLB_SEGSIZE - 1));
    // the whole segments: one written, then copied
    for (let i = 0; i < Math.min(whole, IO_TLB_SEGSIZE); i++) list[i] = IO_TLB_SEGSIZE - io_tlb_offset(i);
    for (let done = IO_TLB_SEGSIZE; done < whole; done *= 2) list.copyWithin(done, 0, Math.min(done, whole - done));
    for (let i = whole; i < n; i++) list[i] = Math.min(IO_TLB_SEGSIZE - io_tlb_offset(i), n - i);
    this._list = list;
    this._orig_addr = (r?.orig_addr ?? new Float64Array(n)).fill(INVALID_PHYS_ADDR);
    this._alloc_size = r !== undefined ? r.alloc_size.fill(0) : new Int32Array(n);
  }

  /**
   * The model this pool belongs to is done (its caller keeps no reference to anything in it: a
   * fuzzer's epoch, src/fuzz/session.ts; a scenario's run, src/scenario/runner.ts): slot arrays of
   * its own go to the next fresh pool of as many slots (see freeSlots), and the pool's slots are a
   * fresh pool's again (made when next used).
   */
  releaseSlots(): void {
    if (!this.cowShared && this._list !== NO_I32) {
      let l = freeSlots.get(this.nslabs);
      if (l === undefined) freeSlots.set(this.nslabs, (l = []));
      if (l.length < FREE_SLOTS_MAX) l.push({ list: this._list, orig_addr: this._orig_addr, alloc_size: this._alloc_size });
    }
    this.resetSlots();
  }

  /** The slot arrays back to a fresh pool's (made again when next used): what a pool's initialisation writes. */
  protected resetSlots(): void {
    this._list = NO_I32;
    this._orig_addr = NO_F64;
    this._alloc_size = NO_I32;
    this.cowShared = this.nslabs > 0;
    this.pendLo = 0; // no pending renumbering survives the reset
    this.pendHi = -1;
  }
}
/** Slot arrays not made yet (IoTlbMem.fresh makes them). */
const NO_I32 = new Int32Array(0);
const NO_F64 = new Float64Array(0);
/**
 * Slot arrays of pools whose model is done (IoTlbMem.releaseSlots), by nslabs: the next fresh()
 * of that size writes a fresh pool's values into them instead of making new ones. A 64 MiB pool's
 * three arrays are 0.5 MiB, fresh host memory (a page fault per 4 KiB on first touch) for every
 * model that bounces; the fuzzer boots a model per epoch, the matrix one per cell. At most
 * FREE_SLOTS_MAX per size.
 */
const freeSlots = new Map<number, { list: Int32Array; orig_addr: Float64Array; alloc_size: Int32Array }[]>();
const FREE_SLOTS_MAX = 2;
(IoTlbMem.prototype as unknown as Record<symbol, unknown>)[COW_FIELDS] = { fields: ["_list", "_orig_addr", "_alloc_size"], flag: "cowShared" };

// ---------------------------------------------------------------------------------------------
// small helpers (kernel/dma/swiotlb.c static inlines / macros)

/** kernel/dma/swiotlb.c io_tlb_offset (5.12+; OFFSET(val, IO_TLB_SEGSIZE) in 5.6–5.11): slot position inside its segment */
export function io_tlb_offset(val: number): number {
  return val & (IO_TLB_SEGSIZE - 1);
}

/** include/linux/align.h ALIGN(x, a) on unsigned int: (x + a - 1) & ~(a - 1) — a multiple of a only when a is a power of two */
export function ALIGN(x: number, a: number): number {
  return ((x + a - 1) & ~(a - 1)) >>> 0;
}

/** Segment number of a slot (slots a and b are in the same segment iff equal). */
export function io_tlb_segment(val: number): number {
  return Math.floor(val / IO_TLB_SEGSIZE);
}

/** Do slots a and b lie in the same 128-slot segment? */
export function same_segment(a: number, b: number): boolean {
  return io_tlb_segment(a) === io_tlb_segment(b);
}

/** kernel/dma/swiotlb.c nr_slots (5.12+; ALIGN(val, 1 << IO_TLB_SHIFT) >> IO_TLB_SHIFT in 5.6–5.11) */
export function nr_slots(val: number): number {
  return Math.ceil(val / IO_TLB_SIZE);
}

/** kernel/dma/swiotlb.c slot_addr (5.12+): start + (idx << IO_TLB_SHIFT) */
export function slot_addr(start: number, idx: number): number {
  return start + idx * IO_TLB_SIZE;
}

/** kernel/dma/swiotlb.c swiotlb_align_offset (5.12+): addr & min_align_mask & (IO_TLB_SIZE-1) */
export function swiotlb_align_offset(dev: Device, addr: number): number {
  return addr & dev.min_align_mask & (IO_TLB_SIZE - 1);
}

/** BITS_PER_LONG, and the width of phys_addr_t / dma_addr_t / size_t: 32 on ARM without LPAE. */
export function longBits(k: Kernel): 32 | 64 {
  return k.arch?.name === "arm" ? 32 : 64;
}

export const TWO32 = 2 ** 32;
const TWO64 = 2 ** 64;

/** A C size_t / phys_addr_t value of width `bits` as an unsigned number (approximate past 2^53). */
export function unsignedOf(v: number, bits: 32 | 64): number {
  return bits === 64 && v >= 0 ? v : unsignedOfWrapped(v, bits);
}
// unsignedOf of a 32-bit value or a negative one, out of line (the common case stays small enough for V8 to inline)
function unsignedOfWrapped(v: number, bits: 32 | 64): number {
  if (bits === 32) return ((v % TWO32) + TWO32) % TWO32;
  return v < 0 ? v + TWO64 : v;
}

/** %lu of a C unsigned long that dmasim keeps signed (exact, also below zero). */
export function fmtUlong(k: Kernel, v: number): string {
  return v >= 0 ? String(v) : BigInt.asUintN(longBits(k), BigInt(v)).toString();
}

/** %pa: phys_addr_t printed with all its digits. */
export function fmtPa(k: Kernel, a: number): string {
  return "0x" + unsignedOf(a, longBits(k)).toString(16).padStart(longBits(k) / 4, "0");
}

/** include/linux/swiotlb.h is_swiotlb_force_bounce before per-device pools (5.6–5.14): swiotlb_force == SWIOTLB_FORCE */
export function is_swiotlb_force_bounce_global(k: Kernel, _dev: Device): boolean {
  return k.swiotlb_force === "force";
}

/**
 * include/linux/swiotlb.h is_swiotlb_force_bounce (5.15–6.5): dev->dma_io_tlb_mem->force_bounce —
 * set by swiotlb=force on the default pool and always on a restricted-dma-pool; with no pool at
 * all, swiotlb_force == SWIOTLB_FORCE (the model's io_tlb_default_mem is null then).
 */
export function is_swiotlb_force_bounce_pool(k: Kernel, dev: Device): boolean {
  const mem = dev.dma_io_tlb_mem ?? k.io_tlb_default_mem;
  return mem ? mem.force_bounce : k.swiotlb_force === "force";
}

// ---------------------------------------------------------------------------------------------
// the segment-boundary test

/**
 * The segment-boundary arithmetic of the slot search, memoised (it needs 64-bit masks, i.e.
 * bigint, and only changes with the device's mask or the pool's bus address). The same in every
 * era: 5.6–5.11 call the shift `offset_slots` (ALIGN(tbl_dma_addr, IO_TLB_SIZE) >> IO_TLB_SHIFT)
 * and compute max_slots inline; 5.12+ use nr_slots(tbl_dma_addr) and get_max_slots().
 */
export interface Boundary {
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

export function boundaryFor(k: Kernel, dev: Device, tbl_dma_addr: number): Boundary {
  const m = memo;
  return m !== null && m.tbl === tbl_dma_addr && m.mask === dev.segment_boundary_mask && m.bits === longBits(k) ? m : boundaryCompute(k, dev, tbl_dma_addr);
}
// boundaryFor past its memo (out of line: the memo test stays small enough for V8 to inline)
function boundaryCompute(k: Kernel, dev: Device, tbl_dma_addr: number): Boundary {
  const bits = longBits(k);
  const m0 = dev.segment_boundary_mask;
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

/** include/linux/iommu-helper.h iommu_is_span_boundary (5.6–6.18), with the shift pre-reduced */
export function iommu_is_span_boundary(k: Kernel, index: number, nr: number, b: Boundary, caller: string): boolean {
  if (!b.pow2) span_boundary_not_pow2(k, b, caller);
  let s = b.shiftMod + index;
  if (s >= b.max) s %= b.max;
  return s + nr > b.max;
}

// iommu_is_span_boundary's BUG_ON, out of line (the test stays small enough for V8 to inline)
function span_boundary_not_pow2(k: Kernel, b: Boundary, caller: string): never {
  k.BUG_ON("iommu_is_span_boundary", caller, `BUG_ON(!is_power_of_2(${b.max})) for segment_boundary_mask ${b.maskText}`);
}

/**
 * include/linux/dma-direct.h phys_to_dma_unencrypted (5.10–5.19; __phys_to_dma in 5.6) for the
 * pool start: the device's dma_range_map translation, or identity without a map. Used when the
 * caller does not pass `tbl_dma_addr` itself.
 */
export function default_tbl_dma_addr(dev: Device, start: number): number {
  return dev.dma_range_map ? tbl_dma_addr_ranges(dev, start) : start;
}
// default_tbl_dma_addr through the dma_range_map, out of line (the no-map case stays small enough for V8 to inline)
function tbl_dma_addr_ranges(dev: Device, start: number): number {
  const map = dev.dma_range_map!;
  for (const r of map) if (start >= r.cpu_start && start - r.cpu_start < r.size) return start - r.offset;
  return DMA_MAPPING_ERROR;
}

/**
 * The one place an endless slot search is reported (find_slots 5.12–5.14, swiotlb_find_slots
 * 5.15–5.19, before 7c3940bf81e5): the kernel spins forever holding the pool lock with
 * interrupts off. dmasim stops the run here.
 */
export function swiotlb_search_never_ends(k: Kernel, fn: string, dev: Device, want: number, align_mask: number, wrap: number, stride: number, nslots: number, lock = "io_tlb_mem.lock"): never {
  k.tr?.decide("index == wrap", false, `the search cycles without returning to slot ${wrap}`);
  k.tr?.note(
    `${fn} never terminates: min_align_mask ${hex(dev.min_align_mask)} needs slot address bits ${hex(want >>> 0)} under ${hex(align_mask)}, ` +
      `the walk from slot ${wrap} (stride ${stride}) cycles without returning to it and no ${nslots}-slot run fits; ` +
      `the CPU spins holding ${lock} with interrupts off (fixed upstream by 7c3940bf81e5 in 2023)`,
  );
  /* the watchdog's report, as the kernel prints it (kernel/watchdog.c) */
  soft_lockup(k, fn);
}

/** nr_slots(mem->slots[index].alloc_size + offset) into an int, with the C types' wrap-around (unmap 5.12–5.14, swiotlb_release_slots 5.15–5.19). */
export function slotsOfMapping(alloc: number, offset: number, bits: 32 | 64): number {
  return alloc >= 0 ? nr_slots(alloc + offset) : slotsOfWrapped(alloc, offset, bits);
}
// slotsOfMapping of a wrapped size_t (only for a tlb_addr pointing into the middle of a mapping), out of line
function slotsOfWrapped(alloc: number, offset: number, bits: 32 | 64): number {
  const v = BigInt.asUintN(bits, BigInt(alloc) + BigInt(offset));
  const n = BigInt.asUintN(64, v + BigInt(IO_TLB_SIZE - 1)) / BigInt(IO_TLB_SIZE);
  return Number(BigInt.asIntN(32, n));
}

// ---------------------------------------------------------------------------------------------
// "swiotlb buffer is full" ratelimiting

/**
 * The ratelimit in front of "swiotlb buffer is full": printk_ratelimit() (5.6–5.11, the global
 * printk_ratelimit_state) or dev_warn_ratelimited (5.12+, the call site's own state). Both are
 * lib/ratelimit.c ___ratelimit with DEFAULT_RATELIMIT_INTERVAL (5 * HZ) and DEFAULT_RATELIMIT_BURST
 * (10), and `func` the caller (__func__: swiotlb_tbl_map_single), on the run's clock (k.now_ms,
 * advanced by msleep steps).
 */
export const SWIOTLB_FULL_RATELIMIT_BURST = 10;
const DEFAULT_RATELIMIT_INTERVAL_MS = 5000;

/** struct ratelimit_state as ___ratelimit uses it (plus the run's totals) */
export interface RatelimitState {
  init: boolean;
  begin: number;
  printed: number;
  missed: number;
  total_printed: number;
  total_suppressed: number;
}

export function ratelimit_state(): RatelimitState {
  return { init: false, begin: 0, printed: 0, missed: 0, total_printed: 0, total_suppressed: 0 };
}

/**
 * lib/ratelimit.c ___ratelimit (5.10.7 :27–66; 6.18.35 :31–99, the same outcome for one caller at a time):
 * the window starts at the first call; once more than the interval has passed (time_is_before_jiffies(begin
 * + interval)) it restarts and, if messages were missed, prints KERN_WARNING "%s: %d callbacks suppressed\n"
 * with the caller's name; then up to `burst` messages pass per window.
 */
export function ___ratelimit(k: Kernel, rs: RatelimitState, func: string): boolean {
  const now = k.now_ms;
  if (!rs.init) {
    rs.init = true;
    rs.begin = now;
  }
  if (now - rs.begin > DEFAULT_RATELIMIT_INTERVAL_MS) {
    if (rs.missed) {
      k.printk("warn", `${func}: ${rs.missed} callbacks suppressed`);
      rs.missed = 0;
    }
    rs.begin = now;
    rs.printed = 0;
  }
  if (rs.printed < SWIOTLB_FULL_RATELIMIT_BURST) {
    rs.printed++;
    rs.total_printed++;
    return true;
  }
  rs.missed++;
  rs.total_suppressed++;
  return false;
}

const fullRatelimit = new WeakMap<object, RatelimitState>();

/** One ratelimit check of "swiotlb buffer is full" (swiotlb_tbl_map_single): true if the message may be printed. */
export function swiotlb_full_ratelimit(k: Kernel): boolean {
  let rl = fullRatelimit.get(k);
  if (!rl) fullRatelimit.set(k, (rl = ratelimit_state()));
  const ok = ___ratelimit(k, rl, "swiotlb_tbl_map_single");
  if (!ok) k.tr?.note(`ratelimited: "swiotlb buffer is full" suppressed (${rl.missed} in this 5 s window)`);
  return ok;
}

/** How many "swiotlb buffer is full" messages were printed / suppressed in this run. */
export function swiotlb_full_ratelimit_state(k: Kernel): { printed: number; suppressed: number } {
  const rl = fullRatelimit.get(k);
  return rl ? { printed: rl.total_printed, suppressed: rl.total_suppressed } : { printed: 0, suppressed: 0 };
}

/**
 * A swiotlb function handed an address outside its pool. No kernel reaches this: every caller of
 * swiotlb_tbl_unmap_single / swiotlb_tbl_sync_single / swiotlb_sync_single_for_* (dma-direct,
 * swiotlb-xen, dma-iommu) first asks is_swiotlb_buffer (5.6–6.5: the pool's [start, end); 6.6+:
 * swiotlb_find_pool), and the map path's tlb_addr comes from the slot search. So it is a dmasim
 * internal error (a model or library-caller bug), not kernel output: the CLI prints
 * "dmasim: internal error: …" (exit 3), the matrix a CRASH cell.
 */
export function outOfPool(_k: Kernel, fn: string, tlb_addr: number): never {
  throw new DmasimInternalError(`${fn}: tlb_addr ${hex(tlb_addr)} is outside the swiotlb pool; every caller checks is_swiotlb_buffer first, so no kernel gets here`);
}

// ---------------------------------------------------------------------------------------------
// the memcpy at the end of every era's swiotlb_bounce

/**
 * The copy step of swiotlb_bounce (5.6–5.19): `size` bytes between the bounce buffer at
 * `tlb_addr` and the original at `orig_addr` (TO_DEVICE: original → slot, else slot →
 * original), both through cacheable aliases (the linear map; kmap_atomic for ARM32 highmem
 * originals), i.e. through the cache model. The highmem path takes the page from `pfn` (the
 * era's unadjusted orig_addr) and the in-page offset from `orig_addr`. Memory that is not RAM
 * is a kernel paging fault.
 */
export function bounce_copy(k: Kernel, tlb_addr: number, orig_addr: number, pfn: number, size: number, toDevice: boolean, bits: 32 | 64): void {
  // the common case in a few lines (V8 inlines it): 64-bit, no Xen, RAM
  if (bits === 64 && k.xen === null && size > 0 && k.mem.isRamRange(orig_addr, size)) {
    if (toDevice) k.cache.cpuCopy(tlb_addr, orig_addr, size);
    else k.cache.cpuCopy(orig_addr, tlb_addr, size);
    return;
  }
  bounce_copy_other(k, tlb_addr, orig_addr, pfn, size, toDevice, bits);
}

/** bounce_copy's other cases: ARM32 highmem originals, Xen's per-page translation, memory that is not RAM */
function bounce_copy_other(k: Kernel, tlb_addr: number, orig_addr: number, pfn: number, size: number, toDevice: boolean, bits: 32 | 64): void {
  let src_phys = orig_addr;
  if (bits === 32) {
    let highmem = false;
    const mm = k.memmap;
    highmem = !!mm && mm.has(pfn) && mm.PageHighMem(pfn);
    if (highmem) src_phys = pfn * PAGE_SIZE + (orig_addr % PAGE_SIZE);
    k.tr?.note(highmem ? `highmem original: kmap_atomic per page from pfn ${hex(pfn)}` : "lowmem original");
  }
  if (size <= 0) return;
  if (!k.mem.isRamRange(k.xen ? k.stage2(src_phys) : src_phys, size)) {
    bounce_copy_via_va(k, tlb_addr, src_phys, size, toDevice, bits);
    return;
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

/**
 * swiotlb_bounce's memcpy(phys_to_virt(dst), phys_to_virt(src), size) (5.6–6.18) when the original
 * is not all RAM (a wrapped tlb_offset, a stale or bogus original): the CPU's loads and stores go
 * through the kernel page tables page by page, as the memcpy's would, so the arch's own fault
 * (a paging request to an unmapped linear address, or an access to a frame that is not RAM) comes
 * from the first page that has no RAM behind it, after the pages before it were copied. Where the
 * address is mapped RAM the copy just lands there (someone else's memory, silently).
 * phys_to_virt wraps as unsigned long does (32 bits on ARM).
 */
function bounce_copy_via_va(k: Kernel, tlb_addr: number, src_phys: number, size: number, toDevice: boolean, bits: 32 | 64): void {
  const va = (p: number) => {
    const v = k.arch ? k.arch.__va(p) : p; // a harness kernel without page tables: identity
    return bits === 32 ? v >>> 0 : v;
  };
  const [dst, src] = toDevice ? [va(tlb_addr), va(src_phys)] : [va(src_phys), va(tlb_addr)];
  k.tr?.note(`the original ${hex(src_phys)}+${size} is not all RAM: memcpy through phys_to_virt, page by page`);
  for (let done = 0; done < size; ) {
    const n = Math.min(size - done, PAGE_SIZE - offset_in_page(dst + done), PAGE_SIZE - offset_in_page(src + done));
    // one reused page buffer (kwrite copies out of it): a 1 TiB bounce copies up to RAM's end, and
    // a fresh array per page made most of its time garbage collection
    const buf = k.kreadInto(src + done, n, viaVaPage, "swiotlb_bounce");
    k.kwrite(dst + done, n === PAGE_SIZE ? buf : buf.subarray(0, n), "swiotlb_bounce");
    done += n;
  }
}

/** bounce_copy_via_va's page buffer (n ≤ PAGE_SIZE bytes a round) */
const viaVaPage = new Uint8Array(PAGE_SIZE);

// ---------------------------------------------------------------------------------------------
// statistics and explanations (dmasim's own; no kernel counterpart)

export interface SwiotlbStats {
  nslabs: number;
  used: number;
  free: number;
  /** where the next search starts (mem->index / io_tlb_index) */
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
  // the pool's fields read once, before the loop: the pool's class differs by era (IoTlbMem,
  // IoTlbMemAreas, IoTlbPool), and a read after a loop V8 optimised for one era's class deopted on
  // every later era's pool (111-113 bailouts per `matrix scenarios`)
  const { nslabs, used, index } = mem;
  const r = segmentRuns(mem.list, nslabs / IO_TLB_SEGSIZE, perSegment);
  const st: SwiotlbStats = { nslabs, used, free: nslabs - used, index, largestFreeRun: r.largest, freeRuns: r.runs, fullSegments: r.fullSegments };
  if (r.runsPer) st.freeRunsPerSegment = r.runsPer;
  if (r.largestPer) st.largestRunPerSegment = r.largestPer;
  return st;
}

/** swiotlbStats' walk over the slot list (free-run lengths per slot, 0 = used), segment by segment */
function segmentRuns(list: ArrayLike<number>, nseg: number, perSegment: boolean) {
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
  return { largest, runs, fullSegments, runsPer, largestPer };
}

export type SwiotlbFullCause = "oversize" | "exhausted" | "fragmented" | "unreachable";

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

/** kernel/dma/swiotlb.c default_nslabs after setup_io_tlb_npages (5.6–5.19): swiotlb=<n> ALIGNed to IO_TLB_SEGSIZE, else 64 MiB */
export function swiotlb_default_nslabs(k: Kernel): number {
  const n = k.cfg?.swiotlb_slabs ?? 0;
  if (n > 0) return Math.ceil(n / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE;
  return IO_TLB_DEFAULT_SIZE >> IO_TLB_SHIFT;
}

/**
 * What swiotlb_init_remap's caller passes besides the buffer (5.19+): SWIOTLB_ANY (the buffer may
 * sit anywhere in RAM) and a remap callback (x86 PV's xen_swiotlb_fixup). Only the 6.6+ era reads
 * them (CONFIG_SWIOTLB_DYNAMIC's can_grow and phys_limit).
 */
export interface SwiotlbInitFlags {
  any?: boolean;
  remap?: boolean;
}

// swiotlb_bounce's trace and dev_WARN_ONCEs for the 5.15–6.18 eras (v5.15.ts, v6.0.ts via v5.15, v6.6.ts): the same
// texts in every tree 5.15.178–6.18.35; out of line so that the copy path stays small enough for V8 to inline
const S_bounce = sym("swiotlb_bounce", "kernel/dma/swiotlb.c");
export function bounce_enter(k: Kernel, tlb_addr: number, size: number, dir: number): void {
  k.tr?.enter(S_bounce, { tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
}
export function bounce_no_original(k: Kernel, index: number, tlb_addr: number): void {
  k.tr?.swiotlb("bounce", index, 0, hex(tlb_addr), "slot has no original (INVALID_PHYS_ADDR): nothing copied");
  k.tr?.exit();
}
export function bounce_warn_before_start(k: Kernel, dev: Device, orig_addr_offset: number, tlb_offset: number): void {
  k.warnOnce("swiotlb_bounce:before-start", `WARNING: at kernel/dma/swiotlb.c swiotlb_bounce: ${dev_id(dev)}: Access before mapping start detected. orig offset ${orig_addr_offset}, requested offset ${tlb_offset}.`, "swiotlb_bounce", warn_site(k, "swiotlb_bounce:before-start"));
  k.tr?.exit();
}
export function bounce_warn_overflow_offset(k: Kernel, dev: Device, alloc: number, size: number, tlb_offset: number): void {
  k.warnOnce("swiotlb_bounce:overflow-offset", `WARNING: at kernel/dma/swiotlb.c swiotlb_bounce: ${dev_id(dev)}: Buffer overflow detected. Allocation size: ${alloc}. Mapping size: ${size}+${tlb_offset}.`, "swiotlb_bounce", warn_site(k, "swiotlb_bounce:overflow-offset"));
  k.tr?.exit();
}

// swiotlb_tbl_map_single's error exits for the 6.0 and 6.6 eras (v6.0.ts, v6.6.ts): the same texts in 6.1.166–6.18.35
/** The call site's own ratelimit state of dev_warn_ratelimited "Can not allocate SWIOTLB buffer earlier …" (6.1.166, 6.6.63 swiotlb.c:1315, 6.18.35 :1400): ___ratelimit, not shared with "buffer is full". */
const noPoolRatelimit = new WeakMap<object, RatelimitState>();
export function map_single_no_pool(k: Kernel, dev: Device): number {
  let rl = noPoolRatelimit.get(k);
  if (!rl) noPoolRatelimit.set(k, (rl = ratelimit_state()));
  if (___ratelimit(k, rl, "swiotlb_tbl_map_single")) k.dev_printk("warn", dev, `Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer`);
  k.tr?.exit("DMA_MAPPING_ERROR");
  return DMA_MAPPING_ERROR;
}
export function map_single_invalid_sizes(k: Kernel, dev: Device, mapping_size: number, alloc_size: number): number {
  if (k.firstTime("swiotlb_tbl_map_single:invalid-sizes")) k.dev_printk("warn", dev, `Invalid sizes (mapping: ${mapping_size} bytes, alloc: ${alloc_size} bytes)`); // dev_warn_once
  k.tr?.exit("DMA_MAPPING_ERROR");
  return DMA_MAPPING_ERROR;
}

// ---------------------------------------------------------------------------------------------
// the boot buffer's memblock allocation (swiotlb_init / swiotlb_init_remap), each era's failure

/** PAGE_ALIGN(nslabs << IO_TLB_SHIFT) */
export function swiotlb_buffer_bytes(nslabs: number): number {
  return Math.ceil((nslabs * IO_TLB_SIZE) / PAGE_SIZE) * PAGE_SIZE;
}

/**
 * kernel/dma/swiotlb.c swiotlb_init (5.6–5.18) / swiotlb_init_remap (5.19): one memblock_alloc_low of
 * the whole buffer; on failure the era's pr_warn (`failMsg`, after the "software IO TLB: " pr_fmt)
 * and no pool.
 */
export function swiotlb_boot_alloc_once(k: Kernel, nslabs: number, alloc: (bytes: number) => number | null, failMsg: string): { base: number; nslabs: number } | null {
  const base = alloc(swiotlb_buffer_bytes(nslabs));
  if (base !== null) return { base, nslabs };
  k.printk("warn", `software IO TLB: ${failMsg}`);
  k.tr?.note(`memblock could not place ${swiotlb_buffer_bytes(nslabs)} bytes for ${nslabs} slabs: no bounce pool`);
  return null;
}

/**
 * kernel/dma/swiotlb.c swiotlb_init_remap's allocation loop (6.0+, 639205ed206f "swiotlb: don't
 * panic!"; 6.1.166 :382–387 with swiotlb_memblock_alloc :327–357, 6.6.63 :385, :318, 6.18.35 :386, :319): each failed try prints
 * "swiotlb_memblock_alloc: Failed to allocate %zu bytes tlb structure" (or, when the remap callback refuses the
 * buffer, frees it and prints "Failed to remap %zu bytes"); give up at IO_TLB_MIN_SLABS,
 * else halve (ALIGN(nslabs >> 1, IO_TLB_SEGSIZE)) and retry. The caller then says "SWIOTLB bounce
 * buffer size adjusted" when the slabs changed.
 */
export function swiotlb_boot_alloc_halving(
  k: Kernel,
  nslabs: number,
  alloc: (bytes: number) => number | null,
  remap?: { remap(base: number, nslabs: number): number; free(base: number, bytes: number): void },
): { base: number; nslabs: number } | null {
  for (;;) {
    const bytes = swiotlb_buffer_bytes(nslabs);
    const base = alloc(bytes);
    if (base === null) k.printk("warn", `software IO TLB: swiotlb_memblock_alloc: Failed to allocate ${bytes} bytes tlb structure`);
    else if (remap && remap.remap(base, nslabs) < 0) {
      // swiotlb_memblock_alloc (6.1.166 :350–354, 6.6.63 / 6.12.19 :341–345, 6.18.35 :342–346): memblock_free(tlb,
      // PAGE_ALIGN(bytes)), pr_warn("%s: Failed to remap %zu bytes\n"), NULL — the caller halves as for a failed allocation
      remap.free(base, bytes);
      k.printk("warn", `software IO TLB: swiotlb_memblock_alloc: Failed to remap ${bytes} bytes`);
    } else return { base, nslabs };
    if (nslabs <= IO_TLB_MIN_SLABS) return null;
    nslabs = Math.ceil(Math.floor(nslabs / 2) / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE;
  }
}

/**
 * One memblock_alloc(bytes, align) the boot pool's set-up makes for its metadata after the buffer (5.6–5.11
 * io_tlb_list / io_tlb_orig_addr, 5.13–5.14 the io_tlb_mem with its slots, 5.15+ mem->slots, 6.0+ mem->areas),
 * and what a failure does: "panic" (5.6–5.19: panic("%s: Failed to allocate %zu bytes align=0x%lx\n")) or
 * "warn" (6.0+: pr_warn and return, no pool, what was allocated stays reserved); `message` is the text after
 * "Kernel panic - not syncing: " / the "software IO TLB: " pr_fmt.
 */
export interface BootMetaBlock {
  bytes: number;
  align: number;
  what: string;
  fail: "panic" | "warn";
  fn: string;
  message: string;
}

/** kernel/dma/swiotlb.c's panic / pr_warn on a failed metadata memblock_alloc (5.6–6.18): "%s: Failed to allocate %zu bytes align=0x%lx" */
export function boot_meta_block(fn: string, what: string, bytes: number, align: number, fail: "panic" | "warn"): BootMetaBlock {
  return { bytes, align, what, fail, fn, message: `${fn}: Failed to allocate ${bytes} bytes align=0x${align.toString(16)}` };
}

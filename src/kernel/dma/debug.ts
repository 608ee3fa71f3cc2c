/**
 * kernel/dma/debug.c — CONFIG_DMA_API_DEBUG, as in Linux 5.10–5.14 (later changes noted inline
 * and switchable through DmaDebugOptions).
 *
 * The checker is an observer at the DMA API boundary: kernel/dma/mapping.c calls a debug_dma_*
 * hook after (or, for unmap_sg, before) each operation. The hooks here take already-computed
 * facts (physical addresses, the CPU address of dma_map_single, the scatterlist) so this module
 * needs no page-table code. Each finding is reported like err_printk does: counted in
 * error_count, printed or suppressed by num_errors / all_errors / driver_filter, and recorded
 * as a diagnostic `{ id, message, step, printed }` whose id is the check's D-number from the
 * reference catalogue (docs: shared/reference/dma-api-rules-debug-bench.md §1.3).
 *
 * Printing of %p: the kernel hashes %p values unless booted with no_hash_pointers (5.12+); the
 * messages here print the raw address the way %px / no_hash_pointers would (no "0x", 16 digits
 * on 64-bit, 8 on ARM32), so they stay deterministic.
 *
 * Not emulated:
 * - D26 "cpu touching an active dma mapped cacheline" (debug_dma_assert_idle, called from the
 *   CoW path in mm/memory.c): 5.6 has it (5.6.4 kernel/dma/debug.c:552), it was removed in 5.9
 *   (5848dc5b1b76); the model has no copy-on-write path that could call it.
 * - The WARN backtrace itself (only the message line and the saved "Mapped at:" frames).
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import type { Scatterlist } from "./ops.js";
import { dev_id } from "../../drivers/device.js";
import * as gfp from "../../include/gfp.js";
import * as u64 from "../../core/u64.js";
import { hex64, offset_in_page, toBig } from "../../core/u64.js";
import { sym } from "../../core/trace.js";
import { DMA_BOUNCE_UNALIGNED_KMALLOC } from "../../mm/slab_common.js";
import { is_swiotlb_active } from "./swiotlb/index.js";

// Module-local copies of the constants and helpers the hot paths use: transpiled module
// bindings (tsx, vitest) turn every imported-name access into a getter call.
const PAGE_SIZE = u64.PAGE_SIZE;
const DMA_MAPPING_ERROR = u64.DMA_MAPPING_ERROR;
const DIR_NAMES: readonly string[] = gfp.DIR_NAMES;
const DMA_ATTR_SKIP_CPU_SYNC = gfp.DMA_ATTR_SKIP_CPU_SYNC;
const DMA_BIDIRECTIONAL = gfp.DMA_BIDIRECTIONAL;
const DMA_TO_DEVICE = gfp.DMA_TO_DEVICE;
const DMA_FROM_DEVICE = gfp.DMA_FROM_DEVICE;

/** unsigned 64-bit a <= b on dmasim's signed form (as u64.ule) */
function ule(a: number, b: number): boolean {
  return (a < 0) === (b < 0) ? a <= b : b < 0;
}

/** unsigned 64-bit a < b (as u64.ult) */
function ult(a: number, b: number): boolean {
  return (a < 0) === (b < 0) ? a < b : b < 0;
}

/* ---- constants (kernel/dma/debug.c, 5.10–5.14) ---- */

export const HASH_SIZE = 16384;
export const HASH_FN_SHIFT = 13;
const HASH_FN_MASK = HASH_SIZE - 1;
const HASH_GRANULE = 1 << HASH_FN_SHIFT;
export const PREALLOC_DMA_DEBUG_ENTRIES = 1 << 16;
/**
 * DMA_DEBUG_DYNAMIC_ENTRIES = PAGE_SIZE / sizeof(struct dma_debug_entry). The entry is
 * ____cacheline_aligned_in_smp: 120 bytes with CONFIG_STACKTRACE on 64-bit (84 on ARM32),
 * rounded up to 128 with 64-byte cache lines on every modelled arch → 32 per page.
 */
export const DMA_DEBUG_DYNAMIC_ENTRIES = PAGE_SIZE / 128;
export const DMA_DEBUG_STACKTRACE_ENTRIES = 5;
/** L1_CACHE_SHIFT of arm64, x86_64 and ARMv7 */
export const L1_CACHE_SHIFT = 6;
const L1_CACHE_BYTES = 1 << L1_CACHE_SHIFT;
export const RADIX_TREE_MAX_TAGS = 3;
export const ACTIVE_CACHELINE_MAX_OVERLAP = (1 << RADIX_TREE_MAX_TAGS) - 1;
/** dma_get_max_seg_size without dma_parms */
const SZ_64K = 65536;

/** enum map_err_types */
export const MAP_ERR_CHECK_NOT_APPLICABLE = 0;
export const MAP_ERR_NOT_CHECKED = 1;
export const MAP_ERR_CHECKED = 2;
export type MapErrType = 0 | 1 | 2;
export const maperr2str = ["dma map error check not applicable", "dma map error not checked", "dma map error checked"] as const;

/**
 * type2name. 5.10–5.14 record dma_map_page and dma_map_single alike as "single"
 * (dma_debug_single); the separate "page" type (dma_debug_page) belongs to older (4.x)
 * kernels and is only used with DmaDebugOptions.pageType. "scather-gather" is the kernel's
 * own spelling in these versions (corrected to "scatter-gather" much later).
 */
export type DebugType = "single" | "page" | "scather-gather" | "coherent" | "resource" | "noncoherent" | "phy";

/**
 * kernel/dma/debug.c type2name[entry->type] as printed. Since 9bb50ed74709 (5.7) the table uses
 * named initializers. 5.6 still has the five-entry table { "single", "page", "scather-gather",
 * "coherent", "resource" } indexed by the four-member enum (dma_debug_page was removed by
 * 2e05ea5cdc1a), so an sg entry prints "page", a coherent one "scather-gather" and a resource
 * one "coherent".
 */
export function type2name(k: Kernel, t: DebugType): string {
  if (k.sw["9bb50ed74709"]) return t;
  switch (t) {
    case "scather-gather":
      return "page";
    case "coherent":
      return "scather-gather";
    case "resource":
      return "coherent";
    default:
      return t;
  }
}

const EEXIST = -17;
const ENOMEM = -12;

/* ---- options ---- */

export interface DmaDebugOptions {
  /** debugfs all_errors (boot default 0) */
  all_errors?: boolean;
  /** debugfs num_errors (boot default 1) */
  num_errors?: number;
  /** dma_debug_driver= / debugfs driver_filter: only this driver's errors are printed */
  driver_filter?: string;
  /** dma_debug_entries= (default PREALLOC_DMA_DEBUG_ENTRIES) */
  nr_prealloc_entries?: number;
  /** dma_debug=off */
  off?: boolean;
  /**
   * What add_dma_entry does when the first cacheline is already active (D19):
   * - "silent": ≤5.13 — only a TODO comment, nothing reported;
   * - "pr_err": 5.14 (2b4bbc6231d7) — a plain pr_err without device prefix, not counted in
   *   error_count, not subject to num_errors or the driver filter;
   * - "err_printk": 510e1a724ab1 (5.15-rc3, also 5.14.y stable) made it a counted err_printk,
   *   and c2bbf9d1e9ac (5.15-rc6) exempts a new mapping that carries DMA_ATTR_SKIP_CPU_SYNC;
   *   both are modelled together.
   * Default: "pr_err", the 5.14 release.
   */
  eexist?: "silent" | "pr_err" | "err_printk";
  /** Shorthand for eexist: true → "err_printk", false → "pr_err". `eexist` wins if both are set. */
  eexistCounted?: boolean;
  /**
   * 5.15-rc6 "dma-debug: fix sg checks in debug_dma_map_sg()": the stack / kernel-text checks
   * run over all nents CPU segments (length s->length). Default false (5.10–5.14: only over
   * the mapped_ents segments, length sg_dma_len).
   */
  sgChecksAllNents?: boolean;
  /** Record dma_map_page as type "page" (4.x kernels). Default false (5.x: "single"). */
  pageType?: boolean;
}

/** The options matching a modelled kernel version id ("5.6", "5.10", "5.13", "5.14", "5.19"). */
export function dmaDebugOptionsFor(versionId: string): DmaDebugOptions {
  const [maj = 0, min = 0] = versionId.split(".").map((x) => Number.parseInt(x, 10));
  const v = maj * 100 + min;
  if (v <= 513) return { eexist: "silent", sgChecksAllNents: false };
  if (v === 514) return { eexist: "pr_err", sgChecksAllNents: false };
  return { eexist: "err_printk", sgChecksAllNents: true };
}

/* ---- the per-mapping record ---- */

/** struct dma_debug_entry (pfn + offset as in 5.x; paddr = phys_addr(entry)) */
export class DmaDebugEntry {
  dev: Device | null = null;
  dev_addr = 0;
  /** u64 in dmasim's signed form (a "negative" size is a huge wrapped size_t) */
  size = 0;
  type: DebugType = "single";
  direction = 0;
  sg_call_ents = 0;
  sg_mapped_ents = 0;
  pfn = 0;
  offset = 0;
  /** phys_addr(entry) = pfn * PAGE_SIZE + offset */
  paddr = 0;
  map_err_type: MapErrType = MAP_ERR_CHECK_NOT_APPLICABLE;
  /** the call chain saved at map time (innermost first, up to 5 frames), when tracing */
  stack: string[] | undefined = undefined;

  reset(): void {
    this.dev = null;
    this.dev_addr = 0;
    this.size = 0;
    this.type = "single";
    this.direction = 0;
    this.sg_call_ents = 0;
    this.sg_mapped_ents = 0;
    this.pfn = 0;
    this.offset = 0;
    this.paddr = 0;
    this.map_err_type = MAP_ERR_CHECK_NOT_APPLICABLE;
    this.stack = undefined;
  }
}

/* ---- formatting helpers (printk conversions) ---- */

/** %llu / %lu of a u64 in signed form */
function udec(n: number): string {
  return n >= 0 ? String(n) : toBig(n).toString();
}

/** %Lx / %lx: unsigned hex, no prefix */
function uhex(n: number): string {
  return n >= 0 ? n.toString(16) : toBig(n).toString(16);
}

/** %p as with no_hash_pointers (= %px): zero-padded to the pointer width, no "0x" */
function ptr(k: Kernel, a: number): string {
  return k.arch.fmtVa(a).slice(2);
}

/** %pa of a phys_addr_t: "0x" + zero-padded to sizeof(phys_addr_t) (32-bit on ARM32 without LPAE) */
function phys_pa(k: Kernel, p: number): string {
  return k.arch.name === "arm" ? "0x" + (p >>> 0).toString(16).padStart(8, "0") : hex64(p);
}

function dir2name(d: number): string {
  return DIR_NAMES[d] ?? String(d);
}

/** hash_fn: (dev_addr >> HASH_FN_SHIFT) & HASH_FN_MASK on the 64-bit pattern */
function hash_fn(dev_addr: number): number {
  // floor division is the arithmetic shift; `&` takes the low 32 bits of the exact integer
  return Math.floor(dev_addr / HASH_GRANULE) & HASH_FN_MASK;
}

/* ---- the checker state ---- */

export class DmaDebug {
  // debugfs dma-api/*
  error_count = 0;
  all_errors: boolean;
  num_errors: number;
  /** current_driver_name ("" = filter off) */
  driver_filter: string;
  /** global_disable */
  disabled: boolean;
  num_free_entries = 0;
  min_free_entries = 0;
  nr_total_entries = 0;
  readonly nr_prealloc_entries: number;

  readonly eexist: "silent" | "pr_err" | "err_printk";
  readonly sgChecksAllNents: boolean;
  readonly pageType: boolean;

  /** fault injection: the next radix-tree insert fails with -ENOMEM (D21) */
  fail_next_radix_insert = false;
  /** fault injection: growing the entry pool fails ("debugging out of memory - disabling") */
  fail_pool_growth = false;

  /** dma_entry_hash: buckets created on first use, list order = kernel list order */
  private readonly hash: (DmaDebugEntry[] | undefined)[] = new Array(HASH_SIZE);
  /** dma_active_cacheline: cacheline number → overlap count (radix-tree tag bits) */
  private readonly active = new Map<number, number>();
  /** recycled entry objects (the free list's memory) */
  private readonly freeObjs: DmaDebugEntry[] = [];
  /** scratch reference entry (struct dma_debug_entry ref on the kernel stack) */
  private readonly ref = new DmaDebugEntry();
  private overlapWarned = false;

  /** kernel/dma/debug.c dma_debug_init's state setup (5.10–5.14): preallocates whole pages of entries */
  constructor(opts: DmaDebugOptions = {}) {
    this.all_errors = opts.all_errors ?? false;
    this.num_errors = opts.num_errors ?? 1;
    this.driver_filter = opts.driver_filter ?? "";
    this.disabled = opts.off ?? false;
    this.nr_prealloc_entries = opts.nr_prealloc_entries ?? PREALLOC_DMA_DEBUG_ENTRIES;
    this.eexist = opts.eexist ?? (opts.eexistCounted === undefined ? "pr_err" : opts.eexistCounted ? "err_printk" : "pr_err");
    this.sgChecksAllNents = opts.sgChecksAllNents ?? false;
    this.pageType = opts.pageType ?? false;
    if (!this.disabled) {
      // dma_debug_init: DIV_ROUND_UP(nr_prealloc_entries, DMA_DEBUG_DYNAMIC_ENTRIES) pages
      const pages = Math.ceil(this.nr_prealloc_entries / DMA_DEBUG_DYNAMIC_ENTRIES);
      this.num_free_entries = this.nr_total_entries = pages * DMA_DEBUG_DYNAMIC_ENTRIES;
      this.min_free_entries = this.num_free_entries;
    }
  }

  /** dma_debug_disabled() */
  dma_debug_disabled(): boolean {
    return this.disabled;
  }

  // ---- reporting ----

  /** Record one finding (diagnostic + trace). */
  private report(k: Kernel, id: string, message: string, printed: boolean): void {
    k.diagnostics.push({ id, message, step: k.step, printed });
    k.tr?.diagnostic(id, message);
  }

  /** kernel/dma/debug.c driver_filter (5.10–5.14); `driver` is dev->driver's name or null when unbound */
  private driver_filter_ok(dev: Device | null, driver: string | null): boolean {
    if (this.driver_filter === "") return true;
    if (dev === null || !driver) return false;
    return driver.slice(0, 63) === this.driver_filter.slice(0, 63);
  }

  /**
   * kernel/dma/debug.c err_printk (5.10–5.14): error_count always counts; printed only if the
   * driver filter accepts the device and (all_errors || num_errors > 0); then, when !all_errors
   * and num_errors > 0, num_errors is decremented — also for an error the filter hid (the
   * decrement sits outside the print condition).
   * `prefix` overrides "<driver> <device>" (the unbind notifier sees dev->driver == NULL).
   */
  err_printk(k: Kernel, dev: Device | null, entry: DmaDebugEntry | null, id: string, text: string, prefix?: string, filterDriver?: string | null): void {
    this.error_count++;
    const printed = this.driver_filter_ok(dev, filterDriver === undefined ? (dev ? dev.driver : null) : filterDriver) && (this.all_errors || this.num_errors > 0);
    if (!this.all_errors && this.num_errors > 0) this.num_errors--;
    this.report(k, id, "DMA-API: " + (prefix ?? dev_id(dev)) + ": " + text, printed);
    if (printed && entry?.stack) {
      // dump_entry_trace: pr_warn("Mapped at:") + the saved frames
      k.log("DMA-API: Mapped at:");
      for (const f of entry.stack) k.log(" " + f);
    }
  }

  /** debugfs driver_filter write (filter_write, 5.10–5.14): first token; non-alphanumeric first char turns it off */
  filter_write(k: Kernel, buf: string): void {
    const s = buf.slice(0, 63);
    if (!/^[A-Za-z0-9]/.test(s)) {
      if (this.driver_filter) k.log("DMA-API: switching off dma-debug driver filter");
      this.driver_filter = "";
      return;
    }
    this.driver_filter = s.split(/\s/, 1)[0]!;
    k.log(`DMA-API: enable driver filter for driver [${this.driver_filter}]`);
  }

  // ---- entry pool ----

  /** kernel/dma/debug.c dma_entry_alloc + __dma_entry_alloc_check_leak (5.10–5.14) */
  dma_entry_alloc(k: Kernel): DmaDebugEntry | null {
    if (this.num_free_entries === 0) {
      // dma_debug_create_entries(GFP_ATOMIC): one page worth of entries
      if (this.fail_pool_growth) {
        this.disabled = true;
        k.log("DMA-API: debugging out of memory - disabling");
        return null;
      }
      this.num_free_entries += DMA_DEBUG_DYNAMIC_ENTRIES;
      this.nr_total_entries += DMA_DEBUG_DYNAMIC_ENTRIES;
      // shout each time the total ticks over a multiple of the initial pool (D25, pr_info)
      if (this.nr_total_entries % this.nr_prealloc_entries < DMA_DEBUG_DYNAMIC_ENTRIES) {
        const pct = Math.floor(this.nr_total_entries / this.nr_prealloc_entries);
        this.report(k, "D25", `DMA-API: dma_debug_entry pool grown to ${this.nr_total_entries} (${pct}00%)`, true);
      }
    }
    const e = this.freeObjs.pop() ?? new DmaDebugEntry();
    e.reset();
    this.num_free_entries--;
    if (this.num_free_entries < this.min_free_entries) this.min_free_entries = this.num_free_entries;
    // stack_trace_save(entries, 5, skip 1): innermost first
    const tr = k.tr;
    if (tr) e.stack = tr.stack.slice(-DMA_DEBUG_STACKTRACE_ENTRIES).reverse();
    return e;
  }

  /** kernel/dma/debug.c dma_entry_free (5.10–5.14): untrack the cacheline, back to the free list */
  dma_entry_free(entry: DmaDebugEntry): void {
    this.active_cacheline_remove(entry);
    entry.dev = null;
    entry.stack = undefined;
    this.freeObjs.push(entry);
    this.num_free_entries++;
  }

  // ---- active cacheline tracking ----

  /** to_cacheline_number: (pfn << CACHELINE_PER_PAGE_SHIFT) + (offset >> L1_CACHE_SHIFT) */
  static to_cacheline_number(entry: DmaDebugEntry): number {
    return entry.pfn * (PAGE_SIZE / L1_CACHE_BYTES) + Math.floor(entry.offset / L1_CACHE_BYTES);
  }

  /**
   * kernel/dma/debug.c active_cacheline_insert + active_cacheline_inc_overlap (5.10–5.14).
   * Only the first cacheline of a mapping is tracked; DMA_TO_DEVICE is never inserted.
   * Returns 0, -EEXIST (overlap counted) or -ENOMEM (injected).
   */
  active_cacheline_insert(k: Kernel, entry: DmaDebugEntry): number {
    if (entry.direction === DMA_TO_DEVICE) return 0;
    const cln = DmaDebug.to_cacheline_number(entry);
    if (this.fail_next_radix_insert) {
      this.fail_next_radix_insert = false;
      return ENOMEM;
    }
    // -1 marks a cacheline that was active and is not any more (kept, so the map does not churn)
    const cur = this.active.get(cln);
    if (cur === undefined || cur < 0) {
      this.active.set(cln, 0);
      return 0;
    }
    // active_cacheline_set_overlap leaves the tags alone when the new count is out of range
    const overlap = cur + 1;
    if (overlap <= ACTIVE_CACHELINE_MAX_OVERLAP) this.active.set(cln, overlap);
    else {
      // WARN_ONCE: a hint of leaked mappings. cln is the cacheline *number*, printed with %pa.
      const msg = `DMA-API: exceeded ${ACTIVE_CACHELINE_MAX_OVERLAP} overlapping mappings of cacheline ${phys_pa(k, cln)}`;
      this.report(k, "D20", msg, !this.overlapWarned);
      this.overlapWarned = true;
    }
    return EEXIST;
  }

  /** kernel/dma/debug.c active_cacheline_remove + active_cacheline_dec_overlap (5.10–5.14) */
  active_cacheline_remove(entry: DmaDebugEntry): void {
    if (entry.direction === DMA_TO_DEVICE) return;
    const cln = DmaDebug.to_cacheline_number(entry);
    const cur = this.active.get(cln);
    if (cur === undefined || cur < 0) return;
    this.active.set(cln, cur - 1); // -1: not active any more
  }

  /** Overlap count of an active cacheline number (undefined = not active). For inspection. */
  cacheline_overlap(cln: number): number | undefined {
    const v = this.active.get(cln);
    return v === undefined || v < 0 ? undefined : v;
  }

  // ---- hash table ----

  /**
   * kernel/dma/debug.c add_dma_entry (5.10–5.14; attrs from 5.15): hash it, then track its
   * first cacheline. D19 per `eexist` (see DmaDebugOptions), D21 on -ENOMEM.
   */
  add_dma_entry(k: Kernel, entry: DmaDebugEntry, attrs: number): void {
    const idx = hash_fn(entry.dev_addr);
    let b = this.hash[idx];
    if (b === undefined) b = this.hash[idx] = [];
    b.push(entry);
    const rc = this.active_cacheline_insert(k, entry);
    if (rc === ENOMEM) {
      this.report(k, "D21", "DMA-API: cacheline tracking ENOMEM, dma-debug disabled", true);
      this.disabled = true;
    } else if (rc === EEXIST) {
      const text = "cacheline tracking EEXIST, overlapping mappings aren't supported";
      if (this.eexist === "pr_err") this.report(k, "D19", "DMA-API: " + text, true);
      // 03521c892bb8 (6.18): no report when small kmalloc buffers may be bounced (6.5's DMA_BOUNCE_UNALIGNED_KMALLOC) and the device has swiotlb
      else if (this.eexist === "err_printk" && !(attrs & DMA_ATTR_SKIP_CPU_SYNC) && !(k.sw["03521c892bb8"] && DMA_BOUNCE_UNALIGNED_KMALLOC(k) && entry.dev !== null && is_swiotlb_active(k, entry.dev))) this.err_printk(k, entry.dev, entry, "D19", text);
    }
  }

  /** kernel/dma/debug.c hash_bucket_del (5.10–5.14): list_del from its bucket */
  private hash_bucket_del(entry: DmaDebugEntry): void {
    const b = this.hash[hash_fn(entry.dev_addr)];
    if (!b) return;
    for (let i = 0; i < b.length; i++) {
      if (b[i] === entry) {
        // list_del, keeping list order (no splice: it allocates the removed-items array)
        for (let j = i + 1; j < b.length; j++) b[j - 1] = b[j]!;
        b.pop();
        return;
      }
    }
  }

  /**
   * kernel/dma/debug.c __hash_bucket_find (5.10–5.14): best fit among the matches of one
   * bucket, scored on size, type, direction and sg_call_ents. A perfect score returns at once;
   * otherwise the best candidate only if it was the sole match — several imperfect matches
   * give "not found".
   */
  private hash_bucket_find(idx: number, ref: DmaDebugEntry, contain: boolean): DmaDebugEntry | null {
    const b = this.hash[idx];
    if (b === undefined) return null;
    let ret: DmaDebugEntry | null = null;
    let matches = 0;
    let last = -1;
    for (let i = 0; i < b.length; i++) {
      const e = b[i]!;
      if (e.dev !== ref.dev) continue;
      if (contain) {
        // containing_match, in u64 arithmetic
        if (!(ule(e.dev_addr, ref.dev_addr) && ule(ref.dev_addr + ref.size, e.dev_addr + e.size))) continue;
      } else if (e.dev_addr !== ref.dev_addr) continue;
      matches++;
      let lvl = 0;
      if (e.size === ref.size) lvl++;
      if (e.type === ref.type) lvl++;
      if (e.direction === ref.direction) lvl++;
      if (e.sg_call_ents === ref.sg_call_ents) lvl++;
      if (lvl === 4) return e;
      if (lvl > last) {
        last = lvl;
        ret = e;
      }
    }
    return matches === 1 ? ret : null;
  }

  /** kernel/dma/debug.c bucket_find_exact (5.10–5.14): same dev and dev_addr, best fit */
  bucket_find_exact(ref: DmaDebugEntry): DmaDebugEntry | null {
    return this.hash_bucket_find(hash_fn(ref.dev_addr), ref, false);
  }

  /**
   * kernel/dma/debug.c bucket_find_contain (5.10–5.14): an entry of the same device containing
   * [dev_addr, dev_addr + size). Steps back one 8 KiB bucket at a time while the distance
   * covered is ≤ dma_get_max_seg_size(dev) (dev.max_segment_size; 64 KiB without dma_parms).
   * With max_seg_size = UINT_MAX the C loop's unsigned counter wraps and never ends when nothing
   * matches; here the walk stops after every bucket was visited once (then "not found").
   */
  bucket_find_contain(ref: DmaDebugEntry): DmaDebugEntry | null {
    const dev = ref.dev;
    const max_range = dev ? (dev.max_segment_size || SZ_64K) : SZ_64K;
    let addr = ref.dev_addr;
    let steps = 0;
    for (let range = 0; range <= max_range && steps <= HASH_SIZE; range += HASH_GRANULE, steps++) {
      const e = this.hash_bucket_find(hash_fn(addr), ref, true);
      if (e) return e;
      addr -= HASH_GRANULE;
    }
    return null;
  }

  // ---- checks ----

  /** kernel/dma/debug.c check_unmap (5.10–5.14): D01–D08, then the entry is removed */
  check_unmap(k: Kernel, ref: DmaDebugEntry): void {
    const entry = this.bucket_find_exact(ref);
    const dev = ref.dev;
    if (entry === null) {
      if (ref.dev_addr === DMA_MAPPING_ERROR) {
        this.err_printk(k, dev, null, "D01", "device driver tries to free an invalid DMA memory address");
      } else {
        this.err_printk(k, dev, null, "D02", `device driver tries to free DMA memory it has not allocated [device address=${hex64(ref.dev_addr)}] [size=${udec(ref.size)} bytes]`);
      }
      return;
    }
    if (ref.size !== entry.size) {
      this.err_printk(k, dev, entry, "D03", `device driver frees DMA memory with different size [device address=${hex64(ref.dev_addr)}] [map size=${udec(entry.size)} bytes] [unmap size=${udec(ref.size)} bytes]`);
    }
    if (ref.type !== entry.type) {
      this.err_printk(k, dev, entry, "D04", `device driver frees DMA memory with wrong function [device address=${hex64(ref.dev_addr)}] [size=${udec(ref.size)} bytes] [mapped as ${type2name(k, entry.type)}] [unmapped as ${type2name(k, ref.type)}]`);
    } else if ((entry.type === "coherent" || entry.type === "noncoherent") && ref.paddr !== entry.paddr) {
      this.err_printk(k, dev, entry, "D05", `device driver frees DMA memory with different CPU address [device address=${hex64(ref.dev_addr)}] [size=${udec(ref.size)} bytes] [cpu alloc address=${hex64(entry.paddr)}] [cpu free address=${hex64(ref.paddr)}]`);
    }
    if (ref.sg_call_ents && ref.type === "scather-gather" && ref.sg_call_ents !== entry.sg_call_ents) {
      this.err_printk(k, dev, entry, "D06", `device driver frees DMA sg list with different entry count [map count=${entry.sg_call_ents}] [unmap count=${ref.sg_call_ents}]`);
    }
    if (ref.direction !== entry.direction) {
      this.err_printk(k, dev, entry, "D07", `device driver frees DMA memory with different direction [device address=${hex64(ref.dev_addr)}] [size=${udec(ref.size)} bytes] [mapped with ${dir2name(entry.direction)}] [unmapped with ${dir2name(ref.direction)}]`);
    }
    if (entry.map_err_type === MAP_ERR_NOT_CHECKED) {
      // the kernel's text has no space before the first '['
      this.err_printk(k, dev, entry, "D08", `device driver failed to check map error[device address=${hex64(ref.dev_addr)}] [size=${udec(ref.size)} bytes] [mapped as ${type2name(k, entry.type)}]`);
    }
    this.hash_bucket_del(entry);
    this.dma_entry_free(entry);
  }

  /**
   * kernel/dma/debug.c check_sync (5.10–5.14): D09–D14. A BIDIRECTIONAL mapping skips every
   * check after D10 (including the sg count, D14).
   */
  check_sync(k: Kernel, dev: Device, ref: DmaDebugEntry, to_cpu: boolean): void {
    const entry = this.bucket_find_contain(ref);
    if (entry === null) {
      this.err_printk(k, dev, null, "D09", `device driver tries to sync DMA memory it has not allocated [device address=${hex64(ref.dev_addr)}] [size=${udec(ref.size)} bytes]`);
      return;
    }
    // only reachable with a wrapped (huge) size: the containing match already bounds the range
    if (ult(entry.size, ref.size)) {
      this.err_printk(k, dev, entry, "D10", `device driver syncs DMA memory outside allocated range [device address=${hex64(entry.dev_addr)}] [allocation size=${udec(entry.size)} bytes] [sync offset+size=${udec(ref.size)}]`);
    }
    if (entry.direction === DMA_BIDIRECTIONAL) return;
    const tail = `[device address=${hex64(ref.dev_addr)}] [size=${udec(entry.size)} bytes] [mapped with ${dir2name(entry.direction)}] [synced with ${dir2name(ref.direction)}]`;
    if (ref.direction !== entry.direction) {
      this.err_printk(k, dev, entry, "D11", "device driver syncs DMA memory with different direction " + tail);
    }
    if (to_cpu && entry.direction !== DMA_FROM_DEVICE && ref.direction !== DMA_TO_DEVICE) {
      this.err_printk(k, dev, entry, "D12", "device driver syncs device read-only DMA memory for cpu " + tail);
    }
    if (!to_cpu && entry.direction !== DMA_TO_DEVICE && ref.direction !== DMA_FROM_DEVICE) {
      this.err_printk(k, dev, entry, "D13", "device driver syncs device write-only DMA memory to device " + tail);
    }
    if (ref.sg_call_ents && ref.type === "scather-gather" && ref.sg_call_ents !== entry.sg_call_ents) {
      this.err_printk(k, ref.dev, entry, "D14", `device driver syncs DMA sg list with different entry count [map count=${entry.sg_call_ents}] [sync count=${ref.sg_call_ents}]`);
    }
  }

  /**
   * kernel/dma/debug.c check_for_stack (5.10–5.14): D15. With a vmapped stack
   * (CONFIG_VMAP_STACK) the page is compared with the stack's pages ("probable addr");
   * otherwise the lowmem address is tested with object_is_on_stack.
   */
  check_for_stack(k: Kernel, dev: Device, pfn: number, offset: number): void {
    const st = k.task_stack;
    if (st === null) return;
    if (!st.vmapped) {
      const lin = k.arch.__va(pfn * PAGE_SIZE);
      if (!k.arch.is_linear(lin)) return; // PageHighMem
      const addr = lin + offset;
      if (ule(st.start, addr) && ult(addr, st.end)) {
        this.err_printk(k, dev, null, "D15", `device driver maps memory from stack [addr=${ptr(k, addr)}]`);
      }
      return;
    }
    const pfns = st.pfns;
    for (let i = 0; i < pfns.length; i++) {
      if (pfns[i] !== pfn) continue;
      const addr = st.start + i * PAGE_SIZE + offset;
      this.err_printk(k, dev, null, "D15", `device driver maps memory from stack [probable addr=${ptr(k, addr)}]`);
      break;
    }
  }

  /**
   * kernel/dma/debug.c check_for_illegal_area (5.10–5.14): D16. The buffer's lowmem (linear)
   * address is tested against _stext.._etext / __start_rodata..__end_rodata, which are
   * kernel-image addresses. `k.kernel_text` holds the linear alias of text+rodata; the image
   * range compared is that alias moved to KIMAGE_VADDR. Where the image is not in the linear
   * map (arm64, x86_64) the two never overlap, so — as in the kernel — D16 cannot fire there;
   * on ARM32 the image lives in lowmem and the check works.
   */
  check_for_illegal_area(k: Kernel, dev: Device, addr: number, len: number): void {
    const t = k.kernel_text;
    if (t === null) return;
    const L = k.arch.L;
    const start = L.KIMAGE_VADDR + (t.start - k.arch.__va(0) - L.kimage_phys);
    const end = start + (t.end - t.start);
    // overlap(): !(addr + len <= start || addr >= end)
    if (!(ule(addr + len, start) || ule(end, addr))) {
      this.err_printk(k, dev, null, "D16", `device driver maps memory from kernel text or rodata [addr=${ptr(k, addr)}] [len=${udec(len)}]`);
    }
  }

  /** stack + text checks for one CPU segment (pfn, offset) of length len */
  private check_cpu_segment(k: Kernel, dev: Device, pfn: number, offset: number, len: number): void {
    this.check_for_stack(k, dev, pfn, offset);
    const lin = k.arch.__va(pfn * PAGE_SIZE);
    if (k.arch.is_linear(lin)) this.check_for_illegal_area(k, dev, lin + offset, len);
  }

  /**
   * kernel/dma/debug.c check_sg_segment (5.10–5.14, CONFIG_DMA_API_DEBUG_SG): D23 when the CPU
   * segment is longer than dma_get_max_seg_size, D24 when the mapped segment crosses
   * dma_get_seg_boundary.
   */
  check_sg_segment(k: Kernel, dev: Device, s: Scatterlist): void {
    if (!k.cfg.CONFIG_DMA_API_DEBUG_SG) return;
    const max_seg = dev.max_segment_size || SZ_64K;
    if (s.length > max_seg) {
      this.err_printk(k, dev, null, "D23", `mapping sg segment longer than device claims to support [len=${s.length >>> 0}] [max=${max_seg >>> 0}]`);
    }
    const boundary = dev.segment_boundary_mask === 0n ? (1n << 64n) - 1n : BigInt.asUintN(64, dev.segment_boundary_mask);
    const start = toBig(s.dma_address);
    const end = BigInt.asUintN(64, start + BigInt(s.dma_length) - 1n);
    if (((start ^ end) & ~boundary & ((1n << 64n) - 1n)) !== 0n) {
      const h = (v: bigint) => "0x" + v.toString(16).padStart(16, "0");
      this.err_printk(k, dev, null, "D24", `mapping sg segment across boundary [start=${h(start)}] [end=${h(end)}] [boundary=${h(boundary)}]`);
    }
  }

  // ---- hook bodies (called through the exported debug_dma_* functions) ----

  /** body of kernel/dma/debug.c debug_dma_map_single (5.10–5.14): D17, D18 */
  map_single(k: Kernel, dev: Device, addr: number, len: number): void {
    if (!k.arch.virt_addr_valid(k, addr)) {
      this.err_printk(k, dev, null, "D17", `device driver maps memory from invalid area [addr=${ptr(k, addr)}] [len=${udec(len)}]`);
    }
    if (addr >= k.arch.L.VMALLOC_START && addr < k.arch.L.VMALLOC_END) {
      this.err_printk(k, dev, null, "D18", `device driver maps memory from vmalloc area [addr=${ptr(k, addr)}] [len=${udec(len)}]`);
    }
  }

  /** body of kernel/dma/debug.c debug_dma_map_page (5.10–5.14): untracked on the error cookie, D15/D16, add_dma_entry */
  map_page(k: Kernel, dev: Device, paddr: number, size: number, direction: number, dma_addr: number, type: DebugType, attrs: number): void {
    if (dma_addr === DMA_MAPPING_ERROR) return; // failed mappings are not tracked
    const entry = this.dma_entry_alloc(k);
    if (entry === null) return;
    const pfn = Math.floor(paddr / PAGE_SIZE);
    entry.dev = dev;
    entry.type = type;
    entry.pfn = pfn;
    entry.offset = paddr - pfn * PAGE_SIZE;
    entry.paddr = paddr;
    entry.dev_addr = dma_addr;
    entry.size = size;
    entry.direction = direction;
    entry.map_err_type = MAP_ERR_NOT_CHECKED;
    this.check_cpu_segment(k, dev, pfn, entry.offset, size);
    this.add_dma_entry(k, entry, attrs);
  }

  /** body of kernel/dma/debug.c debug_dma_mapping_error (5.10–5.14) */
  mapping_error(dev: Device, dma_addr: number): void {
    const b = this.hash[hash_fn(dma_addr)];
    if (b === undefined) return;
    // the first exact match still "not checked" is marked checked
    for (let i = 0; i < b.length; i++) {
      const e = b[i]!;
      if (e.dev !== dev || e.dev_addr !== dma_addr) continue;
      if (e.map_err_type === MAP_ERR_NOT_CHECKED) {
        e.map_err_type = MAP_ERR_CHECKED;
        break;
      }
    }
  }

  private setRef(dev: Device, type: DebugType, dev_addr: number, size: number, direction: number, sg_call_ents: number): DmaDebugEntry {
    const r = this.ref;
    r.dev = dev;
    r.type = type;
    r.dev_addr = dev_addr;
    r.size = size;
    r.direction = direction;
    r.sg_call_ents = sg_call_ents;
    r.pfn = 0;
    r.offset = 0;
    r.paddr = 0;
    return r;
  }

  /** body of kernel/dma/debug.c debug_dma_unmap_page / debug_dma_unmap_resource (5.10–5.14): check_unmap on a reference entry */
  unmap(k: Kernel, dev: Device, addr: number, size: number, direction: number, type: DebugType, paddr: number): void {
    const r = this.setRef(dev, type, addr, size, direction, 0);
    r.paddr = paddr;
    this.check_unmap(k, r);
    r.dev = null;
  }

  /** body of kernel/dma/debug.c debug_dma_map_sg (5.10–5.14; 5.15 check order with sgChecksAllNents) */
  map_sg(k: Kernel, dev: Device, sg: Scatterlist[], nents: number, mapped_ents: number, direction: number, attrs: number): void {
    if (this.sgChecksAllNents) {
      for (let i = 0; i < nents && i < sg.length; i++) {
        const s = sg[i]!;
        this.check_cpu_segment(k, dev, k.arch.page_to_pfn(s.page), s.offset, s.length);
      }
    }
    for (let i = 0; i < mapped_ents && i < sg.length; i++) {
      const s = sg[i]!;
      const entry = this.dma_entry_alloc(k);
      if (entry === null) return;
      const pfn = k.arch.page_to_pfn(s.page);
      entry.type = "scather-gather";
      entry.dev = dev;
      entry.pfn = pfn;
      entry.offset = s.offset;
      entry.paddr = pfn * PAGE_SIZE + s.offset;
      entry.size = s.dma_length;
      entry.dev_addr = s.dma_address;
      entry.direction = direction;
      entry.sg_call_ents = nents;
      entry.sg_mapped_ents = mapped_ents;
      if (!this.sgChecksAllNents) this.check_cpu_segment(k, dev, pfn, s.offset, s.dma_length);
      this.check_sg_segment(k, dev, s);
      this.add_dma_entry(k, entry, attrs);
    }
  }

  /** kernel/dma/debug.c get_nr_mapped_entries (5.10–5.14): sg_mapped_ents of the exact match, or 0 */
  get_nr_mapped_entries(ref: DmaDebugEntry): number {
    const e = this.bucket_find_exact(ref);
    return e ? e.sg_mapped_ents : 0;
  }

  /** body of kernel/dma/debug.c debug_dma_unmap_sg (5.10–5.14) */
  unmap_sg(k: Kernel, dev: Device, sglist: Scatterlist[], nelems: number, dir: number): void {
    let mapped_ents = 0;
    for (let i = 0; i < nelems && i < sglist.length; i++) {
      if (mapped_ents && i >= mapped_ents) break;
      const s = sglist[i]!;
      const r = this.setRef(dev, "scather-gather", s.dma_address, s.dma_length, dir, nelems);
      if (i === 0) mapped_ents = this.get_nr_mapped_entries(r);
      this.check_unmap(k, r);
    }
    this.ref.dev = null;
  }

  /** body of kernel/dma/debug.c debug_dma_sync_sg_for_cpu / _for_device (5.10–5.14) */
  sync_sg(k: Kernel, dev: Device, sg: Scatterlist[], nelems: number, direction: number, to_cpu: boolean): void {
    let mapped_ents = 0;
    for (let i = 0; i < nelems && i < sg.length; i++) {
      const s = sg[i]!;
      const r = this.setRef(dev, "scather-gather", s.dma_address, s.dma_length, direction, nelems);
      if (i === 0) mapped_ents = this.get_nr_mapped_entries(r);
      // first segment not found → mapped_ents 0 → nothing is checked or reported
      if (i >= mapped_ents) break;
      this.check_sync(k, dev, r, to_cpu);
    }
    this.ref.dev = null;
  }

  /** body of kernel/dma/debug.c debug_dma_sync_single_for_cpu / _for_device (5.10–5.14) */
  sync_single(k: Kernel, dev: Device, dma_handle: number, size: number, direction: number, to_cpu: boolean): void {
    const r = this.setRef(dev, "single", dma_handle, size, direction, 0);
    this.check_sync(k, dev, r, to_cpu);
    r.dev = null;
  }

  /** body of kernel/dma/debug.c debug_dma_alloc_coherent (5.10–5.14) */
  alloc_coherent(k: Kernel, dev: Device, size: number, dma_addr: number, virt: number, paddr: number, attrs: number): void {
    if (virt === 0) return;
    const isVmalloc = virt >= k.arch.L.VMALLOC_START && virt < k.arch.L.VMALLOC_END;
    // neither vmalloc nor linear-map: silently not tracked (e.g. a NO_KERNEL_MAPPING cookie)
    if (!isVmalloc && !k.arch.virt_addr_valid(k, virt)) return;
    const entry = this.dma_entry_alloc(k);
    if (entry === null) return;
    const off = offset_in_page(virt); // offset_in_page(virt)
    const pfn = Math.floor(paddr / PAGE_SIZE);
    entry.type = "coherent";
    entry.dev = dev;
    entry.offset = off;
    entry.pfn = pfn;
    entry.paddr = pfn * PAGE_SIZE + off;
    entry.size = size;
    entry.dev_addr = dma_addr;
    entry.direction = DMA_BIDIRECTIONAL;
    this.add_dma_entry(k, entry, attrs);
  }

  /** body of kernel/dma/debug.c debug_dma_free_coherent (5.10–5.14) */
  /** body of kernel/dma/debug.c debug_dma_alloc_pages (7e2368a21741, 6.17): a "noncoherent" entry, no mapping-error check owed */
  alloc_pages(k: Kernel, dev: Device, paddr: number, size: number, direction: number, dma_addr: number, attrs: number): void {
    const entry = this.dma_entry_alloc(k);
    if (entry === null) return;
    entry.type = "noncoherent";
    entry.dev = dev;
    entry.pfn = Math.floor(paddr / PAGE_SIZE);
    entry.offset = 0;
    entry.paddr = paddr;
    entry.size = size;
    entry.dev_addr = dma_addr;
    entry.direction = direction;
    this.add_dma_entry(k, entry, attrs);
  }
  /** body of kernel/dma/debug.c debug_dma_free_pages (7e2368a21741, 6.17): check_unmap on a "noncoherent" reference */
  free_pages(k: Kernel, dev: Device, paddr: number, size: number, direction: number, dma_addr: number): void {
    const r = this.setRef(dev, "noncoherent", dma_addr, size, direction, 0);
    r.pfn = Math.floor(paddr / PAGE_SIZE);
    r.paddr = paddr;
    this.check_unmap(k, r);
    r.dev = null;
  }
  free_coherent(k: Kernel, dev: Device, size: number, virt: number, addr: number, paddr: number): void {
    const isVmalloc = virt >= k.arch.L.VMALLOC_START && virt < k.arch.L.VMALLOC_END;
    if (!isVmalloc && !k.arch.virt_addr_valid(k, virt)) return;
    const off = offset_in_page(virt);
    const pfn = Math.floor(paddr / PAGE_SIZE);
    const r = this.setRef(dev, "coherent", addr, size, DMA_BIDIRECTIONAL, 0);
    r.pfn = pfn;
    r.offset = off;
    r.paddr = pfn * PAGE_SIZE + off;
    this.check_unmap(k, r);
    r.dev = null;
  }

  /** body of kernel/dma/debug.c debug_dma_map_resource (5.10–5.14) */
  map_resource(k: Kernel, dev: Device, addr: number, size: number, direction: number, dma_addr: number, attrs: number): void {
    // 5.10–5.14 do not test dma_addr for the error cookie here: a failed map_resource is tracked
    const entry = this.dma_entry_alloc(k);
    if (entry === null) return;
    const pfn = Math.floor(addr / PAGE_SIZE);
    entry.type = "resource";
    entry.dev = dev;
    entry.pfn = pfn;
    entry.offset = addr - pfn * PAGE_SIZE;
    entry.paddr = addr;
    entry.size = size;
    entry.dev_addr = dma_addr;
    entry.direction = direction;
    entry.map_err_type = MAP_ERR_NOT_CHECKED;
    this.add_dma_entry(k, entry, attrs);
  }

  /**
   * kernel/dma/debug.c device_dma_allocations + dma_debug_device_change (5.10–5.14): on
   * BUS_NOTIFY_UNBOUND_DRIVER count the device's entries and report the last one found in hash
   * order (D22). The entries are left in the table, as the kernel does.
   */
  device_change(k: Kernel, dev: Device, bus: string): void {
    let count = 0;
    let last: DmaDebugEntry | null = null;
    for (let i = 0; i < HASH_SIZE; i++) {
      const b = this.hash[i];
      if (b === undefined) continue;
      for (const e of b) {
        if (e.dev === dev) {
          count++;
          last = e;
        }
      }
    }
    if (count === 0 || last === null) return;
    // dev->driver is already NULL here: dev_driver_string falls back to the bus name, and an
    // active driver filter never matches
    this.err_printk(
      k, dev, last, "D22",
      `device driver has pending DMA allocations while released from device [count=${count}]\n` +
        `One of leaked entries details: [device address=${hex64(last.dev_addr)}] [size=${udec(last.size)} bytes] [mapped with ${dir2name(last.direction)}] [mapped as ${type2name(k, last.type)}]`,
      `${bus} ${dev.name}`, null,
    );
  }

  /** All live entries in hash order (bucket 0 first, list order within a bucket). */
  entries(dev?: Device): DmaDebugEntry[] {
    const out: DmaDebugEntry[] = [];
    for (let i = 0; i < HASH_SIZE; i++) {
      const b = this.hash[i];
      if (b === undefined) continue;
      for (const e of b) if (dev === undefined || e.dev === dev) out.push(e);
    }
    return out;
  }

  /** kernel/dma/debug.c debug_dma_dump_mappings (5.10–5.14): one dev_info line per entry */
  dump_mappings(k: Kernel, dev: Device | null): string[] {
    const out: string[] = [];
    for (let idx = 0; idx < HASH_SIZE; idx++) {
      const b = this.hash[idx];
      if (b === undefined) continue;
      for (const e of b) {
        if (dev !== null && e.dev !== dev) continue;
        out.push(`${dev_id(e.dev)}: ${type2name(k, e.type)} idx ${idx} P=${uhex(e.paddr)} N=${uhex(e.pfn)} D=${uhex(e.dev_addr)} L=${uhex(e.size)} ${dir2name(e.direction)} ${maperr2str[e.map_err_type]}`);
      }
    }
    return out;
  }

  /** kernel/dma/debug.c dump_show (debugfs dma-api/dump, 5.10–5.14; no cln= field yet) */
  dump_show(k: Kernel | null = null): string[] {
    const out: string[] = [];
    for (let idx = 0; idx < HASH_SIZE; idx++) {
      const b = this.hash[idx];
      if (b === undefined) continue;
      for (const e of b) {
        out.push(`${e.dev?.name ?? ""} ${e.dev?.driver ?? ""} ${k ? type2name(k, e.type) : e.type} idx ${idx} P=${uhex(e.paddr)} N=${uhex(e.pfn)} D=${uhex(e.dev_addr)} L=${uhex(e.size)} ${dir2name(e.direction)} ${maperr2str[e.map_err_type]}`);
      }
    }
    return out;
  }
}

/* ---- the hooks mapping.c calls (each: kernel/dma/debug.c, 5.10–5.14) ---- */

const F = "kernel/dma/debug.c";
const S_map_single = sym("debug_dma_map_single", F);
const S_map_page = sym("debug_dma_map_page", F);
const S_mapping_error = sym("debug_dma_mapping_error", F);
const S_unmap_page = sym("debug_dma_unmap_page", F);
const S_map_sg = sym("debug_dma_map_sg", F);
const S_unmap_sg = sym("debug_dma_unmap_sg", F);
const S_alloc_coherent = sym("debug_dma_alloc_coherent", F);
const S_free_coherent = sym("debug_dma_free_coherent", F);
const S_map_resource = sym("debug_dma_map_resource", F);
const S_alloc_pages = sym("debug_dma_alloc_pages", F);
const S_free_pages = sym("debug_dma_free_pages", F);
const S_unmap_resource = sym("debug_dma_unmap_resource", F);
const S_sync_cpu = sym("debug_dma_sync_single_for_cpu", F);
const S_sync_dev = sym("debug_dma_sync_single_for_device", F);
const S_sync_sg_cpu = sym("debug_dma_sync_sg_for_cpu", F);
const S_sync_sg_dev = sym("debug_dma_sync_sg_for_device", F);
const S_device_change = sym("dma_debug_device_change", F);

/** dma_debug_disabled() at a hook's entry: the checker, or null when absent or disabled */
function active(k: Kernel): DmaDebug | null {
  const d = k.dma_debug;
  return d !== null && !d.disabled ? d : null;
}

/**
 * kernel/dma/debug.c dma_debug_init (5.10–5.14 core_initcall): builds the checker from the
 * Kconfig / boot options and the kernel version, stores it in k.dma_debug. Null without
 * CONFIG_DMA_API_DEBUG.
 */
export function dma_debug_init(k: Kernel, opts: DmaDebugOptions = {}): DmaDebug | null {
  if (!k.cfg.CONFIG_DMA_API_DEBUG) {
    k.dma_debug = null;
    return null;
  }
  const base = dmaDebugOptionsFor(k.version.id);
  if (opts.eexistCounted !== undefined && opts.eexist === undefined) delete base.eexist;
  const d = new DmaDebug({
    all_errors: k.cfg.dma_debug_all_errors ?? false,
    num_errors: k.cfg.dma_debug_num_errors ?? 1,
    ...base,
    ...opts,
  });
  k.dma_debug = d;
  if (d.disabled) {
    k.log("DMA-API: debugging disabled on kernel command line");
    return d;
  }
  k.log(`DMA-API: preallocated ${d.nr_total_entries} debug entries`);
  k.log("DMA-API: debugging enabled by kernel config");
  if (d.driver_filter) k.log(`DMA-API: enable driver filter for driver [${d.driver_filter}]`);
  return d;
}

/**
 * kernel/dma/debug.c debug_dma_map_single (5.10–5.14): D17 when the address is not a valid
 * linear-map address, D18 when it is a vmalloc address. Called by dma_map_single_attrs before
 * the mapping; since 4544b9f25e70 (5.5, so every modelled version) that wrapper already refuses vmalloc addresses with a
 * dev_WARN_ONCE before getting here, so D18 is unreachable through dma_map_single in 5.6–5.19.
 */
export function debug_dma_map_single(k: Kernel, dev: Device, addr: number, len: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_map_single, { addr: k.arch.fmtVa(addr), len: String(len) });
  d.map_single(k, dev, addr, len);
  k.tr?.exit();
}

/**
 * kernel/dma/debug.c debug_dma_map_page (5.10–5.14). `paddr` = page_to_phys(page) + offset.
 * `mapType` tells dma_map_single from dma_map_page; 5.x records both as "single" (see
 * DmaDebugOptions.pageType). A non-null `cpuVa` runs debug_dma_map_single's D17/D18 checks first
 * (even for a failed mapping, as the kernel's order has it) — pass null when the caller already
 * called debug_dma_map_single. A failed mapping (DMA_MAPPING_ERROR) is not tracked. `attrs`
 * matters only with eexist "err_printk" (DMA_ATTR_SKIP_CPU_SYNC, 5.15).
 */
export function debug_dma_map_page(k: Kernel, dev: Device, paddr: number, size: number, direction: number, dma_addr: number, mapType: "single" | "page" = "page", cpuVa: number | null = null, attrs = 0): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_map_page, { paddr: hex64(paddr), size: String(size), dir: dir2name(direction), dma_addr: hex64(dma_addr) });
  if (cpuVa !== null) d.map_single(k, dev, cpuVa, size);
  d.map_page(k, dev, paddr, size, direction, dma_addr, d.pageType ? mapType : "single", attrs);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_mapping_error (5.10–5.14): marks the first unchecked exact match checked */
export function debug_dma_mapping_error(k: Kernel, dev: Device, dma_addr: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_mapping_error, { dma_addr: hex64(dma_addr) });
  d.mapping_error(dev, dma_addr);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_unmap_page (5.10–5.14): check_unmap with type "single" */
export function debug_dma_unmap_page(k: Kernel, dev: Device, addr: number, size: number, direction: number, unmapType: "single" | "page" = "page"): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_unmap_page, { addr: hex64(addr), size: String(size), dir: dir2name(direction) });
  d.unmap(k, dev, addr, size, direction, d.pageType ? unmapType : "single", 0);
  k.tr?.exit();
}

/**
 * kernel/dma/debug.c debug_dma_map_sg (5.10–5.14): one entry per mapped segment (dma_address /
 * dma_length of sg[0..mapped_ents)), each tagged with nents and mapped_ents; D15/D16 on those
 * segments (all nents with sgChecksAllNents, 5.15+); D23/D24 with CONFIG_DMA_API_DEBUG_SG.
 */
export function debug_dma_map_sg(k: Kernel, dev: Device, sg: Scatterlist[], nents: number, mapped_ents: number, direction: number, attrs = 0): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_map_sg, { nents: String(nents), mapped_ents: String(mapped_ents), dir: dir2name(direction) });
  d.map_sg(k, dev, sg, nents, mapped_ents, direction, attrs);
  k.tr?.exit();
}

/**
 * kernel/dma/debug.c debug_dma_unmap_sg (5.10–5.14): the first segment's exact match gives the
 * mapped count, then check_unmap per segment up to it (all nelems if the first is not found).
 */
export function debug_dma_unmap_sg(k: Kernel, dev: Device, sglist: Scatterlist[], nelems: number, dir: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_unmap_sg, { nelems: String(nelems), dir: dir2name(dir) });
  d.unmap_sg(k, dev, sglist, nelems, dir);
  k.tr?.exit();
}

/**
 * kernel/dma/debug.c debug_dma_alloc_coherent (5.10–5.14). `paddr` = the buffer's physical
 * address (vmalloc_to_pfn or virt_to_page of `virt`, as the kernel looks it up); the page
 * offset is taken from `virt`. NULL and addresses neither vmalloc nor linear are ignored.
 */
export function debug_dma_alloc_coherent(k: Kernel, dev: Device, size: number, dma_addr: number, virt: number, paddr: number, attrs = 0): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_alloc_coherent, { size: String(size), dma_addr: hex64(dma_addr), virt: k.arch.fmtVa(virt) });
  d.alloc_coherent(k, dev, size, dma_addr, virt, paddr, attrs);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_free_coherent (5.10–5.14): check_unmap with type "coherent" and the CPU address (D05) */
/** kernel/dma/debug.c debug_dma_alloc_pages (6.17+, 7e2368a21741): dma_alloc_pages' own entry type */
export function debug_dma_alloc_pages(k: Kernel, dev: Device, paddr: number, size: number, direction: number, dma_addr: number, attrs = 0): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_alloc_pages, { paddr: hex64(paddr), size: String(size), dma_addr: hex64(dma_addr) });
  d.alloc_pages(k, dev, paddr, size, direction, dma_addr, attrs);
  k.tr?.exit();
}
/** kernel/dma/debug.c debug_dma_free_pages (6.17+, 7e2368a21741) */
export function debug_dma_free_pages(k: Kernel, dev: Device, paddr: number, size: number, direction: number, dma_addr: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_free_pages, { paddr: hex64(paddr), size: String(size), dma_addr: hex64(dma_addr) });
  d.free_pages(k, dev, paddr, size, direction, dma_addr);
  k.tr?.exit();
}
export function debug_dma_free_coherent(k: Kernel, dev: Device, size: number, virt: number, addr: number, paddr: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_free_coherent, { size: String(size), virt: k.arch.fmtVa(virt), addr: hex64(addr) });
  d.free_coherent(k, dev, size, virt, addr, paddr);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_map_resource (5.10–5.14): tracked even when dma_addr is the error cookie */
export function debug_dma_map_resource(k: Kernel, dev: Device, addr: number, size: number, direction: number, dma_addr: number, attrs = 0): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_map_resource, { addr: hex64(addr), size: String(size), dma_addr: hex64(dma_addr) });
  d.map_resource(k, dev, addr, size, direction, dma_addr, attrs);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_unmap_resource (5.10–5.14) */
export function debug_dma_unmap_resource(k: Kernel, dev: Device, dma_addr: number, size: number, direction: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_unmap_resource, { dma_addr: hex64(dma_addr), size: String(size) });
  d.unmap(k, dev, dma_addr, size, direction, "resource", 0);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_sync_single_for_cpu (5.10–5.14) */
export function debug_dma_sync_single_for_cpu(k: Kernel, dev: Device, dma_handle: number, size: number, direction: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_sync_cpu, { dma_handle: hex64(dma_handle), size: String(size), dir: dir2name(direction) });
  d.sync_single(k, dev, dma_handle, size, direction, true);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_sync_single_for_device (5.10–5.14) */
export function debug_dma_sync_single_for_device(k: Kernel, dev: Device, dma_handle: number, size: number, direction: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_sync_dev, { dma_handle: hex64(dma_handle), size: String(size), dir: dir2name(direction) });
  d.sync_single(k, dev, dma_handle, size, direction, false);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_sync_sg_for_cpu (5.10–5.14): silent when the first segment is unknown */
export function debug_dma_sync_sg_for_cpu(k: Kernel, dev: Device, sg: Scatterlist[], nelems: number, direction: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_sync_sg_cpu, { nelems: String(nelems), dir: dir2name(direction) });
  d.sync_sg(k, dev, sg, nelems, direction, true);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_sync_sg_for_device (5.10–5.14): silent when the first segment is unknown */
export function debug_dma_sync_sg_for_device(k: Kernel, dev: Device, sg: Scatterlist[], nelems: number, direction: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_sync_sg_dev, { nelems: String(nelems), dir: dir2name(direction) });
  d.sync_sg(k, dev, sg, nelems, direction, false);
  k.tr?.exit();
}

/**
 * drivers/base/core.c dev_driver_string of an unbound device: its bus name — "pci" for a PCI
 * function (named domain:bus:slot.fn, as the x86 devices here), "platform" for a DT platform device.
 */
export function dev_bus_name(dev: Device): string {
  return /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(dev.name) ? "pci" : "platform";
}

/**
 * kernel/dma/debug.c dma_debug_device_change, BUS_NOTIFY_UNBOUND_DRIVER (5.6–5.19): D22 when
 * the device still owns entries. The message prefix is "<bus> <device>" because the driver is
 * already unbound (real logs read "DMA-API: pci 0000:83:00.0: ..."); `bus` defaults to the
 * device's own bus (dev_bus_name). The leaked entries stay tracked.
 */
export function dma_debug_device_change(k: Kernel, dev: Device, bus = dev_bus_name(dev)): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_device_change, { dev: dev.name, action: "BUS_NOTIFY_UNBOUND_DRIVER" });
  d.device_change(k, dev, bus);
  k.tr?.exit();
}

/**
 * kernel/dma/debug.c debug_dma_dump_mappings (5.10–5.14): the dev_info lines
 * "<driver> <device>: <type> idx <bucket> P=<phys> N=<pfn> D=<dma> L=<len> <dir> <map-err state>"
 * for one device (or all with null); also written to the kernel log.
 */
export function debug_dma_dump_mappings(k: Kernel, dev: Device | null): string[] {
  const d = k.dma_debug;
  if (d === null) return [];
  const lines = d.dump_mappings(k, dev);
  for (const l of lines) k.log(l);
  return lines;
}

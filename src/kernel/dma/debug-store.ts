/**
 * kernel/dma/debug.c's entry store: err_printk and its filters, the dma_debug_entry pool, the
 * active-cacheline tracking and the hash table of live mappings (5.10–5.14).
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import { dev_id } from "../../drivers/device.js";
import * as gfp from "../../include/gfp.js";
import * as u64 from "../../core/u64.js";
import { DMA_BOUNCE_UNALIGNED_KMALLOC, dma_get_cache_alignment } from "../../mm/slab_common.js";
import { is_swiotlb_active } from "./swiotlb/index.js";
import type { DmaDebugOptions } from "./debug-entry.js";
import { DmaDebugEntry } from "./debug-entry.js";
import * as de from "./debug-entry.js";
import { __warn } from "../panic.js";
import { err_printk_site, warn_site } from "../warn-sites.js";

// Module-local copies of the constants and helpers the hot paths use: transpiled module
// bindings (tsx, vitest) turn every imported-name access into a getter call.
const PAGE_SIZE = u64.PAGE_SIZE;
const DMA_ATTR_SKIP_CPU_SYNC = gfp.DMA_ATTR_SKIP_CPU_SYNC;
const ule = de.ule;
const HASH_SIZE = de.HASH_SIZE;
const HASH_GRANULE = de.HASH_GRANULE;
const PREALLOC_DMA_DEBUG_ENTRIES = de.PREALLOC_DMA_DEBUG_ENTRIES;
const DMA_DEBUG_DYNAMIC_ENTRIES = de.DMA_DEBUG_DYNAMIC_ENTRIES;
const DMA_DEBUG_STACKTRACE_ENTRIES = de.DMA_DEBUG_STACKTRACE_ENTRIES;
const L1_CACHE_BYTES = de.L1_CACHE_BYTES;
const ACTIVE_CACHELINE_MAX_OVERLAP = de.ACTIVE_CACHELINE_MAX_OVERLAP;
const SZ_64K = de.SZ_64K;
const EEXIST = de.EEXIST;
const ENOMEM = de.ENOMEM;
const phys_pa = de.phys_pa;
const hash_fn = de.hash_fn;

/** the active-cacheline geometry as literals (a const enum: the bundles inline its members, a module constant is a `var` V8 cannot fold) */
const enum Cacheline {
  /** L1_CACHE_BYTES (L1_CACHE_SHIFT 6 on every modelled arch) */
  BYTES = 64,
  /** PAGE_SIZE / L1_CACHE_BYTES = 1 << CACHELINE_PER_PAGE_SHIFT */
  PER_PAGE = 4096 / 64,
  /** cachelines per block of the model's tree */
  BLOCK = 1024,
  /** L1_CACHE_SHIFT */
  SHIFT = 6,
  /** include/linux/dma-direction.h DMA_TO_DEVICE */
  DMA_TO_DEVICE = 1,
  /** the hash's geometry (debug-entry.ts's Hash: HASH_FN_SHIFT, HASH_SIZE - 1), for hash_fn written out in add_dma_entry */
  HASH_FN_SHIFT = 13,
  HASH_FN_MASK = 16384 - 1,
}

/**
 * An array of n copies of v built by push: V8 keeps it PACKED (new Array(n), filled or not, is HOLEY, and every load
 * from a holey array tests for the hole: the bucket walks load from two of them per lookup)
 */
function packed<T>(n: number, v: T): T[] {
  const a: T[] = [];
  for (let i = 0; i < n; i++) a.push(v);
  return a;
}

/* ---- the checker state ---- */

/** kernel/dma/debug.c's state: the options, err_printk reporting, the entry pool, the active-cacheline radix tree and the hash table (5.10–5.14) */
export class DmaDebugStore {
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

  /**
   * dma_entry_hash: each bucket a list through the entries' own next/prev (struct list_head), in
   * kernel list order; the table holds each bucket's first entry (null: empty), in 128 blocks of
   * 128 made on first use (one HASH_SIZE array per boot was 128 KiB, which V8 puts in its
   * large-object space, a costly allocation every boot paid). A list, not a JS array per bucket:
   * no push/scan/shift per map and unmap (stop 18: the debug pair −5 %).
   */
  private readonly hash: ((DmaDebugEntry | null)[] | undefined)[] = packed(HASH_SIZE >> 7, undefined);

  /** the first entry of dma_entry_hash[idx] (null: an empty bucket); the rest follow through .next */
  protected bucket(idx: number): DmaDebugEntry | null {
    const c = this.hash[idx >> 7];
    return c === undefined ? null : c[idx & 127]!;
  }
  /**
   * dma_active_cacheline: cacheline number → overlap count (radix-tree tag bits), held as count + 1
   * (0: not in the tree) in blocks of 1024 cachelines (16 pages) made on first use, keyed by
   * cln / 1024; the block used last is kept at hand (a map and its unmap touch the same one), so
   * the common insert and remove are two compares and a byte, not a Map get and a Map set each.
   */
  private readonly active = new Map<number, Int8Array>();
  private activeKey = -1;
  private activeBlock: Int8Array = new Int8Array(0);

  /** the active-cacheline block of cacheline numbers [key * 1024, key * 1024 + 1024) */
  private cachelineBlock(key: number): Int8Array {
    return key === this.activeKey ? this.activeBlock : this.cachelineBlockSlow(key);
  }
  private cachelineBlockSlow(key: number): Int8Array {
    let b = this.active.get(key);
    if (b === undefined) {
      b = new Int8Array(1024);
      this.active.set(key, b);
    }
    this.activeKey = key;
    this.activeBlock = b;
    return b;
  }
  /** free_entries: recycled entry objects linked through their .next (a list, as the kernel's) */
  private freeHead: DmaDebugEntry | null = null;
  /** scratch reference entry (struct dma_debug_entry ref on the kernel stack) */
  protected readonly ref = new DmaDebugEntry();
  private overlapWarned = false;
  /**
   * 6.18.35 ("dma-debug: track cache clean flag in entries"): the entry the radix tree holds for each active
   * cacheline (radix_tree_insert's item: the first mapping inserted there; after that mapping is unmapped the
   * entry object may serve another mapping, as the kernel's struct does). Null on versions without it.
   */
  treeEntry: Map<number, DmaDebugEntry> | null = null;

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

  /** kernel/dma/debug.c driver_filter (5.10–6.18); `driver` is dev->driver's name or null when unbound */
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
   * A printed error is a WARN (5.6–6.18): the splat (message first, WARNING at the call's
   * kernel/dma/debug.c line, taint W), then dump_entry_trace; the diagnostic record is the same either way.
   */
  err_printk(k: Kernel, dev: Device | null, entry: DmaDebugEntry | null, id: string, text: string, prefix?: string, filterDriver?: string | null): void {
    this.error_count++;
    const printed = this.driver_filter_ok(dev, filterDriver === undefined ? (dev ? dev.driver : null) : filterDriver) && (this.all_errors || this.num_errors > 0);
    if (!this.all_errors && this.num_errors > 0) this.num_errors--;
    const message = "DMA-API: " + (prefix ?? dev_id(dev)) + ": " + text;
    this.report(k, id, message, printed);
    if (!printed) return;
    // WARN(1, pr_fmt("%s %s: ") format, …): the splat at the err_printk call's line, taint W
    const site = err_printk_site(k, id === "D15" && text.includes("[probable addr=") ? "D15p" : id === "D15" ? "D15a" : id);
    this.warn_splat(k, message, site.fn, site.at);
    if (entry?.stack) {
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
    if (this.num_free_entries === 0 && !this.dma_debug_create_entries(k)) return null;
    let e = this.freeHead;
    if (e === null) e = new DmaDebugEntry();
    // (the list's end stored as the constant null: V8 needs no write barrier for it)
    else if (e.next === null) this.freeHead = null;
    else this.freeHead = e.next;
    e.reset();
    this.num_free_entries--;
    if (this.num_free_entries < this.min_free_entries) this.min_free_entries = this.num_free_entries;
    // stack_trace_save(entries, 5, skip 1): innermost first
    if (k.tr !== undefined) this.save_stack(k, e);
    return e;
  }
  // the pool's growth and the saved call chain, out of line (dma_entry_alloc stays small enough for V8 to inline)
  /** kernel/dma/debug.c dma_debug_create_entries(GFP_ATOMIC) as dma_entry_alloc calls it (5.10–5.14): one page worth of entries; false when it fails */
  private dma_debug_create_entries(k: Kernel): boolean {
    if (this.fail_pool_growth) {
      this.disabled = true;
      k.log("DMA-API: debugging out of memory - disabling");
      return false;
    }
    this.num_free_entries += DMA_DEBUG_DYNAMIC_ENTRIES;
    this.nr_total_entries += DMA_DEBUG_DYNAMIC_ENTRIES;
    // shout each time the total ticks over a multiple of the initial pool (D25, pr_info)
    if (this.nr_total_entries % this.nr_prealloc_entries < DMA_DEBUG_DYNAMIC_ENTRIES) {
      const pct = Math.floor(this.nr_total_entries / this.nr_prealloc_entries);
      this.report(k, "D25", `DMA-API: dma_debug_entry pool grown to ${this.nr_total_entries} (${pct}00%)`, true);
    }
    return true;
  }
  private save_stack(k: Kernel, e: DmaDebugEntry): void {
    e.stack = k.tr!.stack.slice(-DMA_DEBUG_STACKTRACE_ENTRIES).reverse();
  }

  /** kernel/dma/debug.c dma_entry_free (5.10–6.18): untrack the cacheline, back to the free list */
  dma_entry_free(entry: DmaDebugEntry): void {
    this.active_cacheline_remove(entry);
    // (dev stays: the next dma_entry_alloc's caller sets it, and stores it only when it differs)
    entry.stack = undefined;
    const head = this.freeHead;
    // (an empty list's null stored as the constant: no write barrier)
    if (head === null) entry.next = null;
    else entry.next = head;
    this.freeHead = entry;
    this.num_free_entries++;
  }

  // ---- active cacheline tracking ----

  /** to_cacheline_number: (pfn << CACHELINE_PER_PAGE_SHIFT) + (offset >> L1_CACHE_SHIFT) */
  static to_cacheline_number(entry: DmaDebugEntry): number {
    return entry.pfn * Cacheline.PER_PAGE + Math.floor(entry.offset / Cacheline.BYTES);
  }

  /**
   * kernel/dma/debug.c active_cacheline_insert + active_cacheline_inc_overlap (5.10–6.18; 6.18.35 :456–508 also
   * keeps the inserted entry, whose is_cache_clean the EEXIST path reads, and skips the WARN_ONCE for a cache-clean one).
   * Only the first cacheline of a mapping is tracked; DMA_TO_DEVICE is never inserted.
   * Returns 0, -EEXIST (overlap counted) or -ENOMEM (injected).
   */
  active_cacheline_insert(k: Kernel, entry: DmaDebugEntry): number {
    if (entry.direction === Cacheline.DMA_TO_DEVICE) return 0;
    // to_cacheline_number, written out (the bundles reach the static method through the class binding), in integer
    // operations: offset >> L1_CACHE_SHIFT as the kernel's unsigned shift (the offset is an unsigned int), the index in
    // the block as the low bits (`&` of an exact integer), the block number as an exact division — the same values as
    // the floor divisions, with no double arithmetic while the numbers fit an int32
    const cln = entry.pfn * Cacheline.PER_PAGE + (entry.offset >>> Cacheline.SHIFT);
    const i = cln & (Cacheline.BLOCK - 1);
    const key = (cln - i) / Cacheline.BLOCK;
    const b = this.cachelineBlock(key);
    // kept for active_cacheline_remove: the same cacheline's counter without a second lookup
    // (stored only when it differs: a recycled entry often holds this block already, and active_cacheline_remove
    // leaves it; every entry in the hash went through this insert, which sets both before any return)
    if (entry.clnBlock !== b) entry.clnBlock = b;
    entry.clnIndex = i;
    if (this.fail_next_radix_insert === true) return this.radix_insert_enomem();
    if (b[i] === 0) {
      // overlap + 1; 0: not in the tree
      b[i] = 1;
      if (this.treeEntry !== null) this.tree_insert(cln, entry);
      return 0;
    }
    return this.active_cacheline_inc_overlap(k, b, i, cln, entry.is_cache_clean);
  }
  /** kernel/dma/debug.c active_cacheline_inc_overlap (5.10–6.18; 6.18.35 :456 takes is_cache_clean and skips the WARN_ONCE for a cache-clean mapping): the cacheline is already in the tree; -EEXIST. Apart, so the insert stays small enough for V8 to inline */
  private active_cacheline_inc_overlap(k: Kernel, b: Int8Array, i: number, cln: number, cacheClean: boolean): number {
    const cur = b[i]!;
    // active_cacheline_set_overlap leaves the tags alone when the new count is out of range
    if (cur <= ACTIVE_CACHELINE_MAX_OVERLAP) b[i] = cur + 1;
    else if (!cacheClean) this.overlap_exceeded(k, cln);
    return EEXIST;
  }
  /** radix_tree_insert's item (6.18.35): the entry kept for the cacheline; apart, so the insert stays small enough for V8 to inline */
  private tree_insert(cln: number, entry: DmaDebugEntry): void {
    this.treeEntry!.set(cln, entry);
  }
  // fault injection's -ENOMEM and the WARN_ONCE, out of line (the insert stays small enough for V8 to inline)
  private radix_insert_enomem(): number {
    this.fail_next_radix_insert = false;
    return ENOMEM;
  }
  /** a WARN from kernel/dma/debug.c (err_printk's WARN(1, …), active_cacheline_inc_overlap's WARN_ONCE): kernel/panic.c __warn's splat for `message` at `at`, logged line by line */
  private warn_splat(k: Kernel, message: string, pc: string, at: string | undefined): void {
    for (const line of __warn(k, { printed: message, pc, ...(at ? { at } : {}), chain: k.tr?.stack })) for (const l of line.split("\n")) k.log(l);
  }
  /**
   * kernel/dma/debug.c active_cacheline_inc_overlap's WARN_ONCE(overlap > ACTIVE_CACHELINE_MAX_OVERLAP, pr_fmt("exceeded %d
   * overlapping mappings of cacheline %pa\n"), …) (5.6.4–6.18.35; 6.18.35 :465 adds !is_cache_clean): a hint of leaked
   * mappings. A plain WARN_ONCE, not err_printk: neither num_errors nor the driver filter applies; the splat (taint W) comes
   * once per boot, at the WARN_ONCE's line. cln is the cacheline *number*, printed with %pa.
   */
  private overlap_exceeded(k: Kernel, cln: number): void {
    const msg = `DMA-API: exceeded ${ACTIVE_CACHELINE_MAX_OVERLAP} overlapping mappings of cacheline ${phys_pa(k, cln)}`;
    const first = !this.overlapWarned;
    this.report(k, "D20", msg, first);
    this.overlapWarned = true;
    if (!first) return;
    this.warn_splat(k, msg, "active_cacheline_inc_overlap", warn_site(k, "active_cacheline_inc_overlap"));
  }

  /** kernel/dma/debug.c active_cacheline_remove + active_cacheline_dec_overlap (5.10–6.18): at overlap -1 the line leaves the radix tree */
  active_cacheline_remove(entry: DmaDebugEntry): void {
    if (entry.direction === Cacheline.DMA_TO_DEVICE) return;
    let b = entry.clnBlock;
    let i = entry.clnIndex;
    if (b === null) {
      const cln = DmaDebugStore.to_cacheline_number(entry);
      const key = Math.floor(cln / Cacheline.BLOCK);
      b = this.cachelineBlock(key);
      i = cln - key * Cacheline.BLOCK;
    }
    if (b[i]! > 0) b[i]!--; // at overlap 0: out of the tree
    if (this.treeEntry !== null && b[i] === 0) this.treeEntry.delete(DmaDebugStore.to_cacheline_number(entry));
  }

  /** Overlap count of an active cacheline number (undefined = not active). For inspection. */
  cacheline_overlap(cln: number): number | undefined {
    const key = Math.floor(cln / Cacheline.BLOCK);
    const b = this.active.get(key);
    const v = b === undefined ? 0 : b[cln - key * Cacheline.BLOCK]!;
    return v === 0 ? undefined : v - 1;
  }

  // ---- hash table ----

  /**
   * kernel/dma/debug.c add_dma_entry (5.10–5.14; attrs from 5.15; 6.18: 03521c892bb8, and 3d48c9fd78dd from 6.18.35): hash it, then track its
   * first cacheline. D19 per `eexist` (see DmaDebugOptions), D21 on -ENOMEM.
   */
  add_dma_entry(k: Kernel, entry: DmaDebugEntry, attrs: number): void {
    // 6.18.35 :604: entry->is_cache_clean = !!(attrs & DMA_ATTR_CPU_CACHE_CLEAN) (treeEntry is set on the versions that have it)
    if (this.treeEntry !== null) this.note_cache_clean(entry, attrs);
    // hash_fn, written out: with active_cacheline_insert inlined, map_page's tree has no room left for the call's 30 bytes
    const idx = (entry.dev_addr >> Cacheline.HASH_FN_SHIFT) & Cacheline.HASH_FN_MASK;
    const c = this.hash[idx >> 7] ?? this.hash_block(idx);
    // list_add_tail
    const head = c[idx & 127]!;
    entry.next = null;
    if (head === null) {
      entry.prev = entry;
      c[idx & 127] = entry;
    } else {
      const tail = head.prev!;
      tail.next = entry;
      entry.prev = tail;
      head.prev = entry;
    }
    const rc = this.active_cacheline_insert(k, entry);
    if (rc !== 0) this.add_dma_entry_failed(k, entry, attrs, rc);
  }
  /** add_dma_entry's is_cache_clean (6.18.35 :604); apart, so add_dma_entry stays small enough for V8 to inline */
  private note_cache_clean(entry: DmaDebugEntry, attrs: number): void {
    entry.is_cache_clean = (attrs & gfp.DMA_ATTR_CPU_CACHE_CLEAN) !== 0;
  }
  /** the hash table's block of bucket idx, made on its first use (out of line: add_dma_entry stays small enough for V8 to inline) */
  private hash_block(idx: number): (DmaDebugEntry | null)[] {
    return (this.hash[idx >> 7] = packed<DmaDebugEntry | null>(128, null));
  }
  // add_dma_entry's -ENOMEM / -EEXIST handling, out of line (add_dma_entry stays small enough for V8 to inline)
  private add_dma_entry_failed(k: Kernel, entry: DmaDebugEntry, attrs: number, rc: number): void {
    if (rc === ENOMEM) {
      this.report(k, "D21", "DMA-API: cacheline tracking ENOMEM, dma-debug disabled", true);
      this.disabled = true;
    } else if (rc === EEXIST) {
      const text = "cacheline tracking EEXIST, overlapping mappings aren't supported";
      if (this.eexist === "pr_err") this.report(k, "D19", "DMA-API: " + text, true);
      // 3d48c9fd78dd (7.0, in 6.18.35): only where dma_get_cache_alignment() >= L1_CACHE_BYTES (not x86_64);
      // 03521c892bb8 (6.18): no report when small kmalloc buffers may be bounced (6.5's DMA_BOUNCE_UNALIGNED_KMALLOC) and the device has swiotlb
      // 6.18.35 :616: !(entry->is_cache_clean && overlap_cache_clean), the latter the tree's entry's flag
      else if (this.eexist === "err_printk" && !(attrs & DMA_ATTR_SKIP_CPU_SYNC) && !(entry.is_cache_clean && this.treeEntry!.get(DmaDebugStore.to_cacheline_number(entry))!.is_cache_clean) && !(k.sw["3d48c9fd78dd"] && dma_get_cache_alignment(k) < L1_CACHE_BYTES) && !(k.sw["03521c892bb8"] && DMA_BOUNCE_UNALIGNED_KMALLOC(k) && entry.dev !== null && is_swiotlb_active(k, entry.dev))) this.err_printk(k, entry.dev, entry, "D19", text);
    }
  }

  /** kernel/dma/debug.c hash_bucket_del (5.10–6.18): list_del from its bucket (`idx` = hash_fn(entry->dev_addr)) */
  protected hash_bucket_del(entry: DmaDebugEntry, idx: number): void {
    const c = this.hash[idx >> 7];
    if (c === undefined) return;
    this.hash_bucket_del_in(c, idx, entry);
  }
  /** the block of dma_entry_hash holding bucket idx (undefined: no bucket of it used yet); the bucket is its slot idx & 127 */
  protected hash_block_of(idx: number): (DmaDebugEntry | null)[] | undefined {
    return this.hash[idx >> 7];
  }
  /** hash_bucket_del's list_del on the bucket's block `c` (hash_block_of(idx)), for a caller that holds it already */
  protected hash_bucket_del_in(c: (DmaDebugEntry | null)[], idx: number, entry: DmaDebugEntry): void {
    const head = c[idx & 127]!;
    const next = entry.next;
    const prev = entry.prev!;
    if (entry === head) {
      // (an emptied bucket's null stored as the constant: no write barrier)
      if (next === null) c[idx & 127] = null;
      else c[idx & 127] = next;
      if (next !== null) next.prev = prev;
    } else {
      prev.next = next;
      if (next !== null) next.prev = prev;
      else head!.prev = prev;
    }
    entry.next = null;
    entry.prev = null;
  }

  /**
   * kernel/dma/debug.c __hash_bucket_find (5.10–5.14): best fit among the matches of one
   * bucket, scored on size, type, direction and sg_call_ents. A perfect score returns at once;
   * otherwise the best candidate only if it was the sole match — several imperfect matches
   * give "not found".
   */
  protected hash_bucket_find(idx: number, ref: DmaDebugEntry, contain: boolean): DmaDebugEntry | null {
    let ret: DmaDebugEntry | null = null;
    let matches = 0;
    let last = -1;
    for (let e = this.bucket(idx); e !== null; e = e.next) {
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

  /** kernel/dma/debug.c bucket_find_exact (5.10–6.18): same dev and dev_addr, best fit */
  bucket_find_exact(ref: DmaDebugEntry): DmaDebugEntry | null {
    return this.hash_bucket_find(hash_fn(ref.dev_addr), ref, false);
  }

  /**
   * kernel/dma/debug.c bucket_find_contain: an entry of the same device containing
   * [dev_addr, dev_addr + size), stepping back one 8 KiB bucket at a time. 5.6–5.19: while the
   * distance covered is ≤ dma_get_max_seg_size(dev) (dev.max_segment_size; 64 KiB without
   * dma_parms); with max_seg_size = UINT_MAX the C loop's unsigned counter wraps and never ends
   * when nothing matches — here the walk stops after every bucket was visited once (then "not
   * found"). 2995b8002cef (6.0): through min(HASH_SIZE, (dev_addr >> HASH_FN_SHIFT) + 1) buckets,
   * every bucket down to address 0, whatever max_seg_size says (6.1.166 debug.c:354, 6.18.35 :359;
   * 5.19 :353 max_range). Checked against the extracted functions (test/vectors-dma-debug.test.ts).
   */
  bucket_find_contain(k: Kernel, ref: DmaDebugEntry): DmaDebugEntry | null {
    let addr = ref.dev_addr;
    if (k.sw["2995b8002cef"]) {
      // dev_addr >> 13 of the u64: at or above 2^63 (negative here) it is more than HASH_SIZE
      const limit = addr < 0 ? HASH_SIZE : Math.min(HASH_SIZE, Math.floor(addr / HASH_GRANULE) + 1);
      for (let i = 0; i < limit; i++) {
        const e = this.hash_bucket_find(hash_fn(addr), ref, true);
        if (e) return e;
        addr -= HASH_GRANULE;
      }
      return null;
    }
    const dev = ref.dev;
    const max_range = dev ? (dev.max_segment_size || SZ_64K) : SZ_64K;
    let steps = 0;
    for (let range = 0; range <= max_range && steps <= HASH_SIZE; range += HASH_GRANULE, steps++) {
      const e = this.hash_bucket_find(hash_fn(addr), ref, true);
      if (e) return e;
      addr -= HASH_GRANULE;
    }
    return null;
  }
}

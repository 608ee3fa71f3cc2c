/**
 * mm/slub.c: the kmalloc caches' struct kmem_cache (name, object_size, size, align, allocflags, oo, min),
 * their layout (calculate_sizes, with generic KASAN's per-object metadata from mm/kasan kasan_cache_create),
 * and kmalloc/kfree on them: each cache's slabs come from the page allocator (new_slab → allocate_slab with
 * s->allocflags — GFP_DMA for the dma-kmalloc-N caches — and s->oo, falling back to s->min), their objects
 * handed out in freelist order base, base + s->size, … (no CONFIG_SLAB_FREELIST_RANDOM in the modelled
 * configurations); sizes above KMALLOC_MAX_CACHE_SIZE from the page allocator (kmalloc_large).
 *
 * Facts: docs/verified-facts.md §"SLUB slab order" (stop 21) and §"kmalloc caches per kmalloc_type" (stop 23).
 */
import type { Kernel } from "../kernel.js";
import { PAGE_SIZE, get_order, hex } from "../core/u64.js";
import { sym } from "../core/trace.js";
import {
  GFP_DMA,
  __GFP_ATOMIC,
  __GFP_COMP,
  __GFP_DIRECT_RECLAIM,
  __GFP_FS,
  __GFP_HARDWALL,
  __GFP_HIGH,
  __GFP_HIGHMEM,
  __GFP_IO,
  __GFP_MEMALLOC,
  __GFP_NOFAIL,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIM,
  __GFP_RECLAIMABLE,
  __GFP_RETRY_MAYFAIL,
  __GFP_THISNODE,
  __GFP_ZERO,
  gfpName,
} from "../include/gfp.js";
import { calculate_order, order_objects } from "./slub_order.js";
import { PG_large_kmalloc, PG_slab } from "./page_alloc.js";
import { kasan_report_invalid_free } from "./mm-debug.js";
import { __free_pages, alloc_pages, free_large_kmalloc_again } from "./mm.js";
import { KasanQuarantine } from "./kasan_quarantine.js";
import { GFP_SLAB_BUG_MASK, KMALLOC_DMA, KMALLOC_MAX_CACHE_SIZE, KMALLOC_MAX_SIZE, KMALLOC_RECLAIM, type KmallocCaches, kmalloc_fix_flags } from "./slab_common.js";
import { freeptr_offset_in_object, get_freepointer_safe_at, init_freelist_random, set_freepointer, wide_freepointer } from "./slub_freeptr.js";
import { DEBUG_METADATA_FLAGS, SLAB_CONSISTENCY_CHECKS, SLAB_DEBUG_FLAGS, alloc_debug_processing, calculate_sizes_debug, free_debug_processing, kmem_cache_flags, setup_slab_debug, slab_inuse, zero_size } from "./slub_debug.js";
import { SlabRec, ___slab_alloc, account_slab, do_slab_free, note_stray_head, set_partial_limits, slab_alloc_debug } from "./slub_cpu.js";

/** mm/internal.h GFP_RECLAIM_MASK (5.6–6.18; __GFP_ATOMIC until 6.4, __GFP_NOLOCKDEP 0 without CONFIG_LOCKDEP) | GFP_CONSTRAINT_MASK: what new_slab passes on */
const GFP_RECLAIM_CONSTRAINT_MASK =
  __GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN | __GFP_RETRY_MAYFAIL | __GFP_NOFAIL | __GFP_NORETRY | __GFP_MEMALLOC | __GFP_NOMEMALLOC | __GFP_ATOMIC | __GFP_HARDWALL | __GFP_THISNODE;

const S_new_slab = sym("new_slab", "mm/slub.c");

/** The model's struct kmem_cache of a kmalloc cache (mm/slab.h / include/linux/slub_def.h). */
export class KmemCache {
  /** s->size: the object stride in a slab (object, KASAN metadata and redzone, aligned to s->align) */
  size = 0;
  /** s->align (create_boot_cache → calculate_alignment) */
  align = 0;
  /** s->allocflags (calculate_sizes): __GFP_COMP, GFP_DMA for SLAB_CACHE_DMA, __GFP_RECLAIMABLE for SLAB_RECLAIM_ACCOUNT */
  allocflags = 0;
  /** oo_order(s->oo) */
  oo = 0;
  /** oo_order(s->min): get_order(s->size) */
  min = 0;
  /** s->kasan_info.alloc_meta_offset (0: none) */
  alloc_meta_offset = 0;
  /** s->kasan_info.free_meta_offset (0: in the object; -1: no KASAN free meta, KASAN_NO_FREE_META) */
  free_meta_offset = -1;
  /** s->flags' slub_debug part (kmem_cache_flags: SLAB_CONSISTENCY_CHECKS, SLAB_RED_ZONE, SLAB_POISON, SLAB_STORE_USER, __OBJECT_POISON; src/mm/slub_debug.ts); 0 without slub_debug */
  flags = 0;
  /** s->inuse: the object rounded to a word, plus the right redzone word (calculate_sizes; set with debug flags) */
  inuse = 0;
  /** s->offset: the free pointer's offset (in the object: src/mm/slub_freeptr.ts freeptr_offset_in_object; outside, at s->inuse, when poisoning) */
  offset = 0;
  /** s->random (CONFIG_SLAB_FREELIST_HARDENED): its low and high 32 bits (slub_freeptr.ts init_freelist_random) */
  random_lo = 0;
  random_hi = 0;
  /** s->red_left_pad: the left redzone before each object (SLAB_RED_ZONE) */
  red_left_pad = 0;
  /** s->min_partial (set_min_partial: src/mm/slub_cpu.ts set_partial_limits) */
  min_partial = 5;
  /** s->cpu_partial (objects) and, 5.16+, s->cpu_partial_slabs (slub_set_cpu_partial) */
  cpu_partial = 0;
  cpu_partial_slabs = 0;
  /** this_cpu(s->cpu_slab)->freelist: the lockless freelist (0: NULL; a bigint: a non-canonical word a corrupted free pointer left) */
  cpu_freelist: number | bigint = 0;
  /** c->page (5.6–5.16) / c->slab (5.17+): the cpu slab */
  cpu_slab: SlabRec | null = null;
  /** c->partial: the cpu partial list's head (CONFIG_SLUB_CPU_PARTIAL), linked by slab->next */
  cpu_partial_list: SlabRec | null = null;
  /** get_node(s, 0)->partial, head first (n->nr_partial: its length) */
  readonly node_partial: SlabRec[] = [];
  /** the memmap's slab fields: each page index (address / PAGE_SIZE) of a slab of this cache → its struct slab */
  readonly slab_pages = new Map<number, SlabRec>();
  /** `type`: the kmalloc_cache_type it was created for (KMALLOC_DMA → SLAB_CACHE_DMA, KMALLOC_RECLAIM → SLAB_RECLAIM_ACCOUNT) */
  constructor(readonly name: string, readonly object_size: number, readonly type: number) {}
}

/** ad59baa31695 "slab, rust: extend kmalloc() alignment guarantees to remove Rust padding" (6.11) */
const SW_KMALLOC_ALIGN_DIVISOR = "ad59baa31695";

/** sizeof(void *) */
function ptr_size(k: Kernel): number {
  return k.arch.name === "arm" ? 4 : 8;
}

/**
 * mm/slab_common.c create_kmalloc_cache → create_boot_cache (5.6–6.18) and mm/slub.c kmem_cache_open →
 * calculate_sizes: align = ARCH_KMALLOC_MINALIGN, raised to the size itself for a power of two (5.6–6.10),
 * 6.11+ (ad59baa31695) to the size's largest power-of-two divisor (kmalloc-96 32, kmalloc-192 64: the same
 * s->size without slub_debug, but a larger red_left_pad and stride with SLAB_RED_ZONE), calculate_alignment's
 * max(align, ARCH_SLAB_MINALIGN 8).
 */
export function create_kmalloc_cache(k: Kernel, name: string, size: number, type: number, arch_kmalloc_minalign: number): KmemCache {
  const s = new KmemCache(name, size, type);
  let align = arch_kmalloc_minalign;
  if (k.sw[SW_KMALLOC_ALIGN_DIVISOR]) align = Math.max(align, size & -size);
  else if ((size & (size - 1)) === 0) align = Math.max(align, size);
  s.align = Math.ceil(Math.max(align, 8) / ptr_size(k)) * ptr_size(k);
  // kmem_cache_open: s->flags = kmem_cache_flags(...) (the slub_debug= flags for this cache)
  if (k.slub_debug) s.flags = kmem_cache_flags(k, name);
  calculate_sizes(k, s);
  // kmem_cache_open: s->random = get_random_long() (CONFIG_SLAB_FREELIST_HARDENED)
  if (k.cfg.CONFIG_SLAB_FREELIST_HARDENED) init_freelist_random(k, s);
  // kmem_cache_open: slub_debug=O drops the metadata flags of a cache whose minimum order they raise
  if (s.flags & DEBUG_METADATA_FLAGS && k.slub_debug?.disable_higher_order_debug && get_order(s.size) > get_order(s.object_size)) {
    s.flags &= ~DEBUG_METADATA_FLAGS;
    s.offset = 0;
    calculate_sizes(k, s);
  }
  set_partial_limits(k, s);
  return s;
}

/**
 * mm/slub.c calculate_sizes (5.6–6.18) for a kmalloc cache (no slub_debug flags, no ctor, not
 * SLAB_TYPESAFE_BY_RCU: the free pointer stays inside the object): ALIGN(object_size, sizeof(void *)),
 * kasan_cache_create (CONFIG_KASAN), ALIGN(size, s->align); s->oo = calculate_order(size), s->min =
 * get_order(size); s->allocflags: __GFP_COMP for an order above 0 (5.6–6.9; always from 5b15f3fb89fc,
 * 6.10), GFP_DMA for SLAB_CACHE_DMA, __GFP_RECLAIMABLE for SLAB_RECLAIM_ACCOUNT.
 */
function calculate_sizes(k: Kernel, s: KmemCache): void {
  let size = Math.ceil(s.object_size / ptr_size(k)) * ptr_size(k);
  s.inuse = size;
  s.offset = freeptr_offset_in_object(k, s.object_size);
  // slub_debug= flags: redzones, the free pointer out of a poisoned object, the tracks (src/mm/slub_debug.ts)
  if (s.flags & SLAB_DEBUG_FLAGS) size = calculate_sizes_debug(k, s);
  if (k.cfg.CONFIG_KASAN) size = k.sw["a5989d4ed40c"] ? kasan_cache_create_v6_8(k, s, size) : kasan_cache_create_v5_6(k, s, size);
  size = Math.ceil(size / s.align) * s.align;
  s.size = size;
  s.oo = calculate_order_cached(k, size);
  s.min = get_order(size);
  s.allocflags = k.sw["5b15f3fb89fc"] || s.oo > 0 ? __GFP_COMP : 0;
  if (s.type === KMALLOC_DMA) s.allocflags |= GFP_DMA;
  if (s.type === KMALLOC_RECLAIM) s.allocflags |= __GFP_RECLAIMABLE;
}

/** calculate_order's answers (a pure function of the era, the CPU count and the size), kept across boots: every boot creates ~40 kmalloc caches */
const ORDER_MEMO = new Map<number, number>();

/** mm/slub.c calculate_order (slub_order.ts), memoised by (era, nr_cpus, size) */
function calculate_order_cached(k: Kernel, size: number): number {
  const key = (size * 1024 + Math.min(k.cfg?.nr_cpus ?? 1, 511)) * 2 + (k.sw["7abe7ed1e2a3"] ? 1 : 0);
  let order = ORDER_MEMO.get(key);
  if (order === undefined) ORDER_MEMO.set(key, (order = calculate_order(k, size)));
  return order;
}

/** The size of generic KASAN's struct kasan_alloc_meta (mm/kasan/kasan.h, 5.6–6.18): alloc_track (u32 pid, u32 stack) + free_track[1] (5.6–5.8) or aux_stack[2] (5.9+): 16 bytes */
const KASAN_ALLOC_META_SIZE = 16;

/** The size of generic KASAN's struct kasan_free_meta (mm/kasan/kasan.h): the quarantine link (a pointer); from e4b7818b9aa8 (5.9) also free_track (8 bytes) */
function kasan_free_meta_size(k: Kernel): number {
  return k.sw["e4b7818b9aa8"] ? ptr_size(k) + 8 : ptr_size(k);
}

/** mm/kasan/common.c optimal_redzone (5.6–6.0; mm/kasan/generic.c 6.1–6.18, the same table), generic KASAN: the redzone an object of this size gets at least */
function optimal_redzone(object_size: number): number {
  return object_size <= 64 - 16 ? 16 : object_size <= 128 - 32 ? 32 : object_size <= 512 - 64 ? 64 : object_size <= 4096 - 128 ? 128 : object_size <= (1 << 14) - 256 ? 256 : object_size <= (1 << 15) - 512 ? 512 : object_size <= (1 << 16) - 1024 ? 1024 : 2048;
}

/**
 * mm/kasan/common.c kasan_cache_create (5.6–5.11) / __kasan_cache_create (5.12–6.0) / mm/kasan/generic.c
 * kasan_cache_create (6.1–6.7), generic KASAN: alloc meta after the object; free meta after it when the
 * object is smaller than struct kasan_free_meta; then at least object_size + optimal_redzone. (5.12's rewrite
 * only changes what happens when the metadata would pass KMALLOC_MAX_SIZE, which no kmalloc cache reaches.)
 */
function kasan_cache_create_v5_6(k: Kernel, s: KmemCache, size: number): number {
  s.alloc_meta_offset = size;
  size += KASAN_ALLOC_META_SIZE;
  const free_meta = kasan_free_meta_size(k);
  if (s.object_size < free_meta) {
    s.free_meta_offset = size;
    size += free_meta;
  }
  return Math.min(KMALLOC_MAX_SIZE, Math.max(size, s.object_size + optimal_redzone(s.object_size)));
}

/**
 * mm/kasan/generic.c kasan_cache_create (6.8–6.18, a5989d4ed40c), generic KASAN without slub_debug: alloc
 * meta after the object; free meta inside the object when it fits, else its start in the object and the
 * rest (sizeof(struct kasan_free_meta) - object_size) before the alloc meta; then at least object_size +
 * optimal_redzone.
 */
function kasan_cache_create_v6_8(k: Kernel, s: KmemCache, size: number): number {
  s.alloc_meta_offset = size;
  size += KASAN_ALLOC_META_SIZE;
  const free_meta = kasan_free_meta_size(k);
  s.free_meta_offset = 0;
  if (free_meta > s.object_size) {
    const rem_free_meta_size = free_meta - s.object_size;
    size += rem_free_meta_size;
    s.alloc_meta_offset += rem_free_meta_size;
  }
  return Math.max(size, Math.min(KMALLOC_MAX_SIZE, s.object_size + optimal_redzone(s.object_size)));
}

interface SlabObj {
  addr: number;
  size: number;
  /** the kmalloc cache, or null for a kmalloc_large buffer */
  cache: KmemCache | null;
  /** kmalloc_large's order (0 for a slab object) */
  order: number;
}

/** SLUB kmalloc/kfree on this boot's kmalloc caches (src/mm/slab_common.ts KmallocCaches). */
export class Slab {
  readonly live = new Map<number, SlabObj>();
  /** objects freed and not reused (for double-free and use-after-free reports): address → its cache, or the kmalloc_large order */
  readonly freed = new Map<number, KmemCache | number>();
  /** generic KASAN's quarantine (CONFIG_KASAN): kfree'd objects wait there instead of on their freelist */
  readonly quarantine = new KasanQuarantine();
  constructor(readonly caches: KmallocCaches) {}

  /** kmalloc_slab(size)->object_size */
  cacheSize(size: number): number {
    return this.caches.objectSize(size);
  }

  /**
   * mm/slab_common.c kmalloc → kmalloc_slab (kmalloc_caches[kmalloc_type(flags)][index]) → slab_alloc_node: the
   * fast path takes c->freelist's head and makes its free pointer (get_freepointer_safe, read from RAM) the new
   * head; an empty cpu freelist goes to ___slab_alloc (src/mm/slub_cpu.ts). The linear-map address, or 0. Its
   * rarer paths are functions of their own, as in the kernel (kmalloc_large, ___slab_alloc, new_slab): TurboFan
   * compiles this one without them (bench/README.md, stop 21).
   */
  kmalloc(k: Kernel, size: number, gfp: number): number {
    if (size === 0) return 16; // ZERO_SIZE_PTR
    if (size > KMALLOC_MAX_CACHE_SIZE) return this.kmalloc_large(k, size, gfp);
    const s = this.caches.kmalloc_slab(size, gfp);
    if (s.flags !== 0) return this.kmalloc_debug(k, s, size, gfp);
    let object = s.cpu_freelist;
    if (object === 0 || s.cpu_slab === null) {
      object = ___slab_alloc(k, s, () => this.new_slab(k, s, gfp));
      if (object === 0) {
        if (k.cfg.CONFIG_KASAN && gfp & __GFP_DIRECT_RECLAIM) this.kasan_quarantine_reduce(k, 2);
        return 0;
      }
    } else {
      // slab_alloc_node: next_object = get_freepointer_safe(s, object), whatever the word in RAM decodes to
      const next = get_freepointer_safe_at(k, s, object);
      s.cpu_freelist = Number.isNaN(next) ? wide_freepointer : next;
    }
    if (k.tr) note_stray_head(k, s, object as number);
    return this.slab_post_alloc(k, s, object as number, size, gfp);
  }

  /**
   * mm/slub.c slab_alloc_node's tail after the fast path took `addr` (5.6–6.18 without slub_debug): the object is
   * live; slab_want_init_on_alloc's memset(object, 0, s->object_size) with __GFP_ZERO; then the KASAN hooks, each
   * `if (gfpflags_allow_blocking(flags)) kasan_quarantine_reduce()` before its NULL test (slab_post_alloc_hook's
   * kasan_slab_alloc, then kmalloc's kasan_kmalloc).
   */
  private slab_post_alloc(k: Kernel, s: KmemCache, addr: number, size: number, gfp: number): number {
    this.freed.delete(addr);
    this.live.set(addr, { addr, size, cache: s, order: 0 });
    if (gfp & __GFP_ZERO) k.kmemset(addr, 0, s.object_size);
    if (k.cfg.CONFIG_KASAN && gfp & __GFP_DIRECT_RECLAIM) this.kasan_quarantine_reduce(k, 2);
    return addr;
  }

  /**
   * kmalloc from a cache with slub_debug= flags (mm/slub.c ___slab_alloc's debug path, 5.6–6.18; 6.1+
   * alloc_single_from_partial / alloc_single_from_new_slab: src/mm/slub_cpu.ts slab_alloc_debug): each object
   * goes through alloc_debug_processing; when its checks fail the slab's free objects are given up ("Marking
   * all objects used") and the next slab is tried. With __GFP_ZERO, slab_post_alloc_hook's memset (6.2+: only
   * the requested size).
   */
  private kmalloc_debug(k: Kernel, s: KmemCache, size: number, gfp: number): number {
    const addr = slab_alloc_debug(k, s, () => this.new_slab(k, s, gfp), (object) => alloc_debug_processing(k, s, object, size), this);
    if (addr === 0) return 0;
    this.freed.delete(addr);
    this.live.set(addr, { addr, size, cache: s, order: 0 });
    if (gfp & __GFP_ZERO) k.kmemset(addr, 0, zero_size(k, s, size));
    k.tr?.note(`slub_debug: ${k.arch.fmtVa(addr)} from ${s.name} (s->size ${s.size}, red_left_pad ${s.red_left_pad}, inuse ${s.inuse}): init_object(SLUB_RED_ACTIVE)`);
    return addr;
  }

  /**
   * mm/kasan/common.c: __kasan_kmalloc (5.6–6.18), __kasan_slab_alloc (5.12–6.18; 5.6 kasan_slab_alloc calls
   * __kasan_kmalloc) and __kasan_kmalloc_large each start with `if (gfpflags_allow_blocking(flags))
   * kasan_quarantine_reduce();` — `calls` of them, each giving back at most one batch.
   */
  private kasan_quarantine_reduce(k: Kernel, calls: number): void {
    for (let i = 0; i < calls; i++) this.quarantine.quarantine_reduce(k, (s, object) => do_slab_free(k, s, object, this));
  }

  /**
   * kmalloc_large (5.6–6.18): a request above KMALLOC_MAX_CACHE_SIZE straight from the page
   * allocator; address or 0. include/linux/slab.h's inline kmalloc_large → mm/slab_common.c kmalloc_order
   * (5.6–5.19), mm/slab_common.c kmalloc_large (6.1), mm/slub.c ___kmalloc_large_node (6.18). From
   * 444050990db4 (5.9) GFP_SLAB_BUG_MASK flags are fixed up (kmalloc_fix_flags); 5.6 passes them to
   * alloc_pages, and a highmem page has no page_address: NULL (the page stays allocated).
   */
  private kmalloc_large(k: Kernel, size: number, gfp: number): number {
    const order = get_order(size);
    if (k.sw["444050990db4"] && gfp & GFP_SLAB_BUG_MASK(k)) gfp = kmalloc_fix_flags(k, gfp);
    const page = alloc_pages(k, gfp, order, "kmalloc_large");
    if (!page) {
      if (k.cfg.CONFIG_KASAN && gfp & __GFP_DIRECT_RECLAIM) this.kasan_quarantine_reduce(k, 1);
      return 0;
    }
    const pfn = k.arch.page_to_pfn(page);
    if (gfp & __GFP_HIGHMEM && k.memmap.PageHighMem(pfn)) {
      // page_address of an unmapped highmem page is NULL, which kasan_kmalloc_large gets too
      if (k.cfg.CONFIG_KASAN && gfp & __GFP_DIRECT_RECLAIM) this.kasan_quarantine_reduce(k, 1);
      return 0;
    }
    const addr = k.arch.page_address(k, page);
    // ___kmalloc_large_node: __folio_set_large_kmalloc (6.15+, a6687c8ff613)
    if (k.sw["a6687c8ff613"]) k.memmap.setFlag(pfn, PG_large_kmalloc);
    this.freed.delete(addr);
    this.live.set(addr, { addr, size, cache: null, order });
    // kasan_kmalloc_large (5.6) / __kasan_kmalloc_large (6.18)
    if (k.cfg.CONFIG_KASAN && gfp & __GFP_DIRECT_RECLAIM) this.kasan_quarantine_reduce(k, 1);
    return addr;
  }

  /**
   * mm/slub.c new_slab (5.6–6.18): GFP_SLAB_BUG_MASK flags fixed up with the "Unexpected gfp" warning (5.6
   * inline, kmalloc_fix_flags from 444050990db4), then allocate_slab with only the GFP_RECLAIM_MASK |
   * GFP_CONSTRAINT_MASK bits of the caller's flags (its __GFP_DMA and __GFP_ZERO do not reach the page
   * allocator: the zone is s->allocflags'). The slab's freelist runs base, base + s->size, … (each object's
   * free pointer in RAM); null when the allocation fails.
   */
  private new_slab(k: Kernel, s: KmemCache, flags: number): SlabRec | null {
    k.tr?.enter(S_new_slab, { s: s.name, flags: gfpName(flags, k.version.id) });
    if (flags & GFP_SLAB_BUG_MASK(k)) flags = kmalloc_fix_flags(k, flags);
    const got = this.allocate_slab(k, s, flags & GFP_RECLAIM_CONSTRAINT_MASK);
    if (!got) {
      k.tr?.exit("NULL");
      return null;
    }
    const pfn = k.arch.page_to_pfn(got.page);
    k.memmap.setFlag(pfn, PG_slab);
    const base = k.arch.page_address(k, got.page);
    // shuffle_freelist off (no CONFIG_SLAB_FREELIST_RANDOM): the freelist runs base, base + s->size, …
    const n = order_objects(got.order, s.size);
    const slab = new SlabRec(got.page, base, got.order, n);
    account_slab(s, slab);
    // slub_debug: each object after its left redzone (fixup_red_left); setup_slab_debug writes the poison and redzones
    const pad = s.red_left_pad;
    if (s.flags !== 0) {
      const objects: number[] = [];
      for (let i = 0; i < n; i++) objects.push(base + i * s.size + pad);
      setup_slab_debug(k, s, base, got.order, objects);
    }
    // allocate_slab: set_freepointer(s, p, next) along the slab, the last one NULL
    for (let i = 0; i < n; i++) set_freepointer(k, s, base + i * s.size + pad, i + 1 < n ? base + (i + 1) * s.size + pad : 0);
    slab.freelist = base + pad;
    k.tr?.exit(`slab ${k.arch.fmtVa(got.page)} (pfn ${hex(pfn)}, order ${got.order}): ${n} objects, s->size ${s.size}, from ${k.arch.fmtVa(base)}`);
    return slab;
  }

  /**
   * mm/slub.c allocate_slab (5.6–6.18): flags |= s->allocflags; alloc_slab_page with s->oo and (flags |
   * __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL, minus __GFP_RECLAIM (plus __GFP_NOMEMALLOC) when it may
   * block and oo is above s->min; if that fails, s->min with the flags alone.
   */
  private allocate_slab(k: Kernel, s: KmemCache, flags: number): { page: number; order: number } | null {
    flags |= s.allocflags;
    let order = s.oo;
    let alloc_gfp = (flags | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL;
    if (alloc_gfp & __GFP_DIRECT_RECLAIM && order > s.min) alloc_gfp = (alloc_gfp | __GFP_NOMEMALLOC) & ~__GFP_RECLAIM;
    let page = alloc_pages(k, alloc_gfp, order, s.name);
    if (!page) {
      order = s.min;
      page = alloc_pages(k, flags, order, s.name);
      if (!page) return null;
    }
    return { page, order };
  }

  /**
   * mm/slub.c kfree (5.6–6.18): NULL / ZERO_SIZE_PTR are no-ops. A kmalloc_large buffer freed before
   * takes its era's non-slab path (free_large_kmalloc_again). A slab object that is not allocated:
   * KASAN reports it (mm-debug.ts kasan_report_invalid_free) and skips the free; else with
   * CONFIG_SLAB_FREELIST_HARDENED set_freepointer's BUG_ON(object == fp) fires when the object is
   * the freelist head (freed last); otherwise the free goes through silently and the object is on
   * the freelist twice (it will be handed out twice).
   */
  kfree(k: Kernel, addr: number): boolean {
    if (addr === 0 || addr === 16) return false; // ZERO_OR_NULL_PTR
    const o = this.live.get(addr);
    if (!o) {
      const c = this.freed.get(addr);
      if (c === undefined) return false;
      if (typeof c === "number") {
        free_large_kmalloc_again(k, addr, c);
        return false;
      }
      // slub_debug=F: free_consistency_checks' on_freelist finds it: "Object already free", not freed again;
      // 6.0+ (c7323a5ad078) any debug flag: the slab's inuse check first ("Slab has 0 allocated objects …")
      if (c.flags & SLAB_CONSISTENCY_CHECKS || (c.flags & SLAB_DEBUG_FLAGS && k.sw["c7323a5ad078"] && slab_inuse(c, addr) < 1)) {
        free_debug_processing(k, c, addr, true);
        return false;
      }
      if (k.cfg.CONFIG_KASAN) {
        // ____kasan_slab_free: the object's shadow is poisoned (freed), so !kasan_byte_accessible:
        // KASAN_REPORT_DOUBLE_FREE (6.1+); slab_free_hook returns true and the free is skipped
        kasan_report_invalid_free(k, addr, "kfree", "double-free");
        return false;
      }
      // set_freepointer's BUG_ON(object == fp) with CONFIG_SLAB_FREELIST_HARDENED when it is the head
      do_slab_free(k, c, addr, this);
      k.tr?.note(`kfree: ${k.arch.fmtVa(addr)} is already free: it is now on the ${c.name} freelist twice`);
      return false;
    }
    const s = o.cache;
    // slub_debug: free_debug_processing's checks; an object that fails them is not freed ("Object at … not freed")
    if (s !== null && s.flags !== 0) {
      if (!free_debug_processing(k, s, addr, false)) return false;
      k.tr?.note(`slub_debug: ${k.arch.fmtVa(addr)} back on the ${s.name} freelist, init_object(SLUB_RED_INACTIVE)`);
    }
    this.live.delete(addr);
    if (s === null) {
      this.freed.set(addr, o.order);
      // free_large_kmalloc: __folio_clear_large_kmalloc (6.15+, a6687c8ff613), then the pages go back
      const page = k.arch.virt_to_page(k, addr);
      if (k.sw["a6687c8ff613"]) k.memmap.clearFlag(k.arch.page_to_pfn(page), PG_large_kmalloc);
      __free_pages(k, page, o.order);
      return true;
    }
    this.freed.set(addr, s);
    // slab_free_hook → __kasan_slab_free: generic KASAN poisons the object and parks it in the quarantine
    // (quarantine_put / kasan_quarantine_put returns true: the slab does not get it back now)
    if (k.cfg.CONFIG_KASAN) {
      this.quarantine.quarantine_put(k, s, addr);
      k.tr?.note(`KASAN: ${k.arch.fmtVa(addr)} is poisoned and quarantined (${this.quarantine.objects} in quarantine), not back on the ${s.name} freelist`);
      return true;
    }
    do_slab_free(k, s, addr, this);
    return true;
  }
}

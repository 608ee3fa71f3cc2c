/**
 * mm/slub.c's freelists and slab lists on the model's one CPU (CPU 0) and one node (node 0): each slab's
 * struct slab (5.17+; struct page's slab fields before) freelist / inuse / objects / frozen, struct
 * kmem_cache_cpu (freelist, page → slab, partial: CONFIG_SLUB_CPU_PARTIAL, default y, on with SMP in every
 * modelled defconfig) and struct kmem_cache_node (partial, nr_partial), and the paths that move objects and
 * slabs between them: ___slab_alloc, get_freelist, get_partial_node / acquire_slab, put_cpu_partial,
 * unfreeze_partials, deactivate_slab, do_slab_free / __slab_free, discard_slab → __free_pages. The links
 * themselves are the free pointers in the model's RAM (slub_freeptr.ts): a word a device wrote is what the
 * next load gives, as in the kernel. The slub_debug caches' paths (alloc_single_from_partial, the
 * deactivate_slab after each object before it) are here too, their checks in slub_debug.ts.
 *
 * Facts: docs/verified-facts.md §"Stop 29: SLUB cpu slab, partial lists".
 */
import type { Kernel } from "../kernel.js";
import type { KmemCache } from "./slub.js";
import { PAGE_SIZE } from "../core/u64.js";
import { PG_slab } from "./page_alloc.js";
import { __free_pages } from "./mm.js";
import { order_objects } from "./slub_order.js";
import { fmt_freepointer, get_freepointer_safe_at, set_freepointer, wide_freepointer } from "./slub_freeptr.js";
import { freelist_corrupted, free_slab_checks, SLAB_CONSISTENCY_CHECKS } from "./slub_debug.js";

/** b47291ef02b0 "mm, slub: change percpu partial accounting from objects to pages" (5.16): c->partial's limit in slabs */
const SW_CPU_PARTIAL_SLABS = "b47291ef02b0";
/** 23e98ad1ce89 "mm/slub: increase default cpu partial list sizes" (5.16) */
const SW_CPU_PARTIAL_SIZES = "23e98ad1ce89";
/** 52f23478081a "mm/slub.c: fix corrupted freechain in deactivate_slab()" (5.8) */
const SW_FREECHAIN_CORRUPT = "52f23478081a";
/** d930ff03c4d1 "mm, slub: splice cpu and page freelists in deactivate_slab()" (5.12) */
const SW_DEACTIVATE_SPLICE = "d930ff03c4d1";
/** c7323a5ad078 "mm/slub: restrict sysfs validation to debug caches and make it safe" (6.1 in the trees): alloc_single_from_partial / free_to_partial_list */
const SW_ALLOC_SINGLE = "c7323a5ad078";

/** add_partial's DEACTIVATE_TO_HEAD / DEACTIVATE_TO_TAIL */
const TO_HEAD = false;
const TO_TAIL = true;

/** The model's struct slab (5.17+) / struct page's slab fields (5.6–5.16) of one slab of a kmalloc cache. */
export class SlabRec {
  /** slab->freelist: the first free object not on a cpu freelist (0: NULL; a bigint: a non-canonical word) */
  freelist: number | bigint = 0;
  /** slab->inuse: objects not on slab->freelist (all of them while the slab is the cpu slab) */
  inuse = 0;
  /** slab->frozen: the cpu slab, or (5.6–6.7) on the cpu partial list */
  frozen = false;
  /** on n->partial */
  on_node = false;
  /** slab->next: the next slab on c->partial */
  next: SlabRec | null = null;
  /** c->partial's head: slab->slabs (5.16+) / page->pages (5.6–5.15) */
  slabs = 0;
  /** page->pobjects (5.6–5.15): free objects on c->partial from this slab down */
  pobjects = 0;
  /** `page`: its struct page (the page allocator's handle); `base`: slab_address; objects: slab->objects */
  constructor(readonly page: number, readonly base: number, readonly order: number, readonly objects: number) {}
}

/** Whose `freed` map forgets a discarded slab's objects (the model's double-free record: src/mm/slub.ts Slab) */
export interface SlubFreed {
  readonly freed: Map<number, unknown>;
}

/** mm/slub.c virt_to_slab (5.17+; virt_to_head_page 5.6–5.16): the slab a (linear-map) address lies in, if it is one of this cache's */
export function virt_to_slab(s: KmemCache, addr: number): SlabRec | undefined {
  return s.slab_pages.get(Math.floor(addr / PAGE_SIZE));
}

/** A slab allocate_slab made: its pages point to it (the memmap's slab fields) */
export function account_slab(s: KmemCache, slab: SlabRec): void {
  const first = Math.floor(slab.base / PAGE_SIZE);
  for (let i = 0; i < 1 << slab.order; i++) s.slab_pages.set(first + i, slab);
}

/**
 * mm/slub.c kmem_cache_open's set_min_partial(s, ilog2(s->size) / 2) (5.6–5.18; the same min_t/max_t inline
 * 5.19–6.18) and set_cpu_partial → slub_set_cpu_partial (5.6–6.18): min_partial within [MIN_PARTIAL 5,
 * MAX_PARTIAL 10]; cpu_partial 0 for a debug cache (!kmem_cache_has_cpu_partial), else by s->size: 5.6–5.15
 * 2 / 6 / 13 / 30 objects (≥ PAGE_SIZE, ≥ 1024, ≥ 256, smaller), 5.16+ (23e98ad1ce89) 6 / 24 / 52 / 120, and
 * (b47291ef02b0) cpu_partial_slabs = DIV_ROUND_UP(cpu_partial * 2, oo_objects(s->oo)).
 */
export function set_partial_limits(k: Kernel, s: KmemCache): void {
  s.min_partial = Math.min(10, Math.max(5, Math.floor(Math.floor(Math.log2(s.size)) / 2)));
  const big = k.sw[SW_CPU_PARTIAL_SIZES];
  s.cpu_partial = s.flags !== 0 ? 0 : s.size >= PAGE_SIZE ? (big ? 6 : 2) : s.size >= 1024 ? (big ? 24 : 6) : s.size >= 256 ? (big ? 52 : 13) : big ? 120 : 30;
  s.cpu_partial_slabs = Math.ceil((s.cpu_partial * 2) / order_objects(s.oo, s.size));
}

/** A free pointer loaded from a freelist object (get_freepointer; a non-canonical or unmapped object faults as the kernel's load does) */
function load_fp(k: Kernel, s: KmemCache, object: number | bigint): number | bigint {
  const v = get_freepointer_safe_at(k, s, object, "get_freepointer");
  return Number.isNaN(v) ? wide_freepointer : v;
}

/** mm/slub.c __add_partial / add_partial (5.6–6.18): n->nr_partial++, list_add (DEACTIVATE_TO_HEAD) or list_add_tail */
function add_partial(s: KmemCache, slab: SlabRec, tail: boolean): void {
  slab.on_node = true;
  if (tail) s.node_partial.push(slab);
  else s.node_partial.unshift(slab);
}

/** mm/slub.c remove_partial (5.6–6.18): list_del, n->nr_partial-- */
function remove_partial(s: KmemCache, slab: SlabRec): void {
  if (!slab.on_node) return;
  slab.on_node = false;
  s.node_partial.splice(s.node_partial.indexOf(slab), 1);
}

/**
 * mm/slub.c discard_slab → free_slab → __free_slab (5.6–6.18): with SLAB_CONSISTENCY_CHECKS each object is
 * checked first (check_object(SLUB_RED_INACTIVE)); PG_slab cleared, the pages back to the page allocator
 * (__free_pages(page, order)): the next allocation may get them. The model forgets the slab's objects.
 */
function discard_slab(k: Kernel, s: KmemCache, slab: SlabRec, sl: SlubFreed): void {
  if (s.flags & SLAB_CONSISTENCY_CHECKS) free_slab_checks(k, s, slab.base, slab.objects);
  const first = Math.floor(slab.base / PAGE_SIZE);
  for (let i = 0; i < 1 << slab.order; i++) s.slab_pages.delete(first + i);
  for (let i = 0; i < slab.objects; i++) sl.freed.delete(slab.base + i * s.size + s.red_left_pad);
  k.memmap.clearFlag(k.arch.page_to_pfn(slab.page), PG_slab);
  k.tr?.note(`discard_slab: ${s.name} slab ${k.arch.fmtVa(slab.base)} is empty (nr_partial ${s.node_partial.length} >= min_partial ${s.min_partial}): __free_pages(order ${slab.order})`);
  __free_pages(k, slab.page, slab.order);
}

/**
 * mm/slub.c get_freelist (5.6–6.18): the cpu slab's slab->freelist becomes the cpu freelist (slab->freelist =
 * NULL, inuse = objects, frozen while there was one). On the model's one CPU it is NULL unless the slab came
 * from the cpu partial list (frees to the cpu slab go to c->freelist).
 */
function get_freelist(slab: SlabRec): number | bigint {
  const freelist = slab.freelist;
  slab.freelist = 0;
  slab.inuse = slab.objects;
  slab.frozen = freelist !== 0;
  return freelist;
}

/** ___slab_alloc's load_freelist (5.6–6.18): c->freelist = get_freepointer(s, freelist); the object is handed out */
function load_freelist(k: Kernel, s: KmemCache, freelist: number | bigint): number | bigint {
  s.cpu_freelist = load_fp(k, s, freelist);
  return freelist;
}

/**
 * mm/slub.c ___slab_alloc (5.6–6.18) for a cache without debug flags, c->freelist being empty: take the cpu
 * slab's slab->freelist (get_freelist); else drop the cpu slab (it is full: on no list) and take the first
 * slab of the cpu partial list (slub_percpu_partial; 6.8+ the same loop without freezing); else
 * get_partial_node from the node's partial list; else new_slab (`alloc`). The first object is handed out,
 * the rest becomes c->freelist. 0: no memory.
 */
export function ___slab_alloc(k: Kernel, s: KmemCache, alloc: () => SlabRec | null): number | bigint {
  let slab = s.cpu_slab;
  if (slab !== null) {
    const freelist = get_freelist(slab);
    if (freelist !== 0) return load_freelist(k, s, freelist);
    s.cpu_slab = null; // DEACTIVATE_BYPASS
  }
  // new_slab:
  while (s.cpu_partial_list !== null) {
    slab = s.cpu_partial_list;
    s.cpu_partial_list = slab.next;
    slab.next = null;
    s.cpu_slab = slab;
    const freelist = get_freelist(slab);
    k.tr?.note(`___slab_alloc: ${s.name} takes its cpu partial slab ${k.arch.fmtVa(slab.base)}`);
    if (freelist !== 0) return load_freelist(k, s, freelist);
    s.cpu_slab = null;
  }
  // new_objects:
  const got = get_partial_node(k, s);
  if (got !== null) {
    s.cpu_slab = got.slab;
    return load_freelist(k, s, got.freelist);
  }
  slab = alloc();
  if (slab === null) return 0;
  const freelist = slab.freelist;
  slab.freelist = 0;
  slab.inuse = slab.objects;
  slab.frozen = true;
  s.cpu_slab = slab;
  return load_freelist(k, s, freelist);
}

/**
 * mm/slub.c get_partial_node (5.6–6.18) with acquire_slab (5.6–6.7; 6.8+ remove_partial and freeze_slab,
 * the same result), a cache without debug flags: the first partial slab's whole freelist (it becomes the
 * cpu slab), then more slabs onto the cpu partial list (put_cpu_partial(s, slab, 0)) until 5.6–5.15
 * `available > s->cpu_partial / 2` (their free objects) or 5.16+ (b47291ef02b0) `partial_slabs >
 * s->cpu_partial_slabs / 2`.
 */
function get_partial_node(k: Kernel, s: KmemCache): { slab: SlabRec; freelist: number | bigint } | null {
  let first: { slab: SlabRec; freelist: number | bigint } | null = null;
  let available = 0;
  let partial_slabs = 0;
  const slabsEra = k.sw[SW_CPU_PARTIAL_SLABS];
  while (s.node_partial.length) {
    const slab = s.node_partial[0]!;
    // acquire_slab: the freelist taken (mode: the first) or left, frozen, off the node list
    const freelist = slab.freelist;
    available += slab.objects - slab.inuse;
    remove_partial(s, slab);
    slab.frozen = true;
    if (first === null) {
      slab.inuse = slab.objects;
      slab.freelist = 0;
      first = { slab, freelist };
      k.tr?.note(`get_partial_node: ${s.name} takes the partial slab ${k.arch.fmtVa(slab.base)} (nr_partial ${s.node_partial.length})`);
    } else {
      put_cpu_partial(k, s, slab, false, null);
      partial_slabs++;
    }
    if (slabsEra ? partial_slabs > s.cpu_partial_slabs >> 1 : available > s.cpu_partial >> 1) break;
  }
  return first;
}

/**
 * mm/slub.c put_cpu_partial (5.6–6.18): the slab (just frozen by __slab_free, or from get_partial_node)
 * goes to the head of c->partial. With `drain`, a full list first goes to the node (unfreeze_partials,
 * 6.8+ __put_partials): 5.6–5.15 when its pobjects (free objects) exceed s->cpu_partial, 5.16+
 * (b47291ef02b0) when it holds s->cpu_partial_slabs slabs.
 */
function put_cpu_partial(k: Kernel, s: KmemCache, slab: SlabRec, drain: boolean, sl: SlubFreed | null): void {
  let old = s.cpu_partial_list;
  let slabs = 0;
  let pobjects = 0;
  if (old !== null) {
    const full = k.sw[SW_CPU_PARTIAL_SLABS] ? old.slabs >= s.cpu_partial_slabs : old.pobjects > s.cpu_partial;
    if (drain && full) {
      s.cpu_partial_list = null;
      k.tr?.note(`put_cpu_partial: ${s.name}'s cpu partial list is full (${old.slabs} slabs, ${old.pobjects} objects): it goes to the node`);
      unfreeze_partials(k, s, old, sl!);
      old = null;
    } else {
      slabs = old.slabs;
      pobjects = old.pobjects;
    }
  }
  slab.slabs = slabs + 1;
  slab.pobjects = pobjects + slab.objects - slab.inuse;
  slab.next = old;
  s.cpu_partial_list = slab;
}

/**
 * mm/slub.c unfreeze_partials (5.6–5.14; __unfreeze_partials 5.15–6.7, __put_partials 6.8–6.18): each slab of
 * the list, head first, unfrozen onto the node's partial list (tail) — or, empty while n->nr_partial >=
 * s->min_partial, collected and then discarded (last collected first).
 */
function unfreeze_partials(k: Kernel, s: KmemCache, list: SlabRec | null, sl: SlubFreed): void {
  let discard: SlabRec | null = null;
  while (list !== null) {
    const slab: SlabRec = list;
    list = slab.next;
    slab.frozen = false;
    if (slab.inuse === 0 && s.node_partial.length >= s.min_partial) {
      slab.next = discard;
      discard = slab;
    } else {
      slab.next = null;
      add_partial(s, slab, TO_TAIL);
    }
  }
  while (discard !== null) {
    const slab: SlabRec = discard;
    discard = slab.next;
    discard_slab(k, s, slab, sl);
  }
}

/**
 * mm/slub.c deactivate_slab (5.6–6.18): the slab leaves the CPU with what is left of its cpu freelist put
 * back on slab->freelist. 5.6–5.11 one object at a time (each pushed on slab->freelist: the order reverses),
 * the last in stage two; 5.12+ (d930ff03c4d1) the list counted and spliced whole (the order kept). With
 * SLAB_CONSISTENCY_CHECKS, 5.8+ (52f23478081a) a free pointer that check_valid_pointer rejects stops the
 * walk: freelist_corrupted ("Freechain corrupt", "Isolate corrupted freechain"), that object and the rest
 * are lost. Then: empty while n->nr_partial >= s->min_partial → discard_slab; objects free → add_partial (head,
 * tail when slab->freelist was not empty); else full.
 */
function deactivate_slab(k: Kernel, s: KmemCache, slab: SlabRec, freelist: number | bigint, sl: SlubFreed): void {
  const tail = slab.freelist !== 0 ? TO_TAIL : TO_HEAD;
  const checks = !!k.sw[SW_FREECHAIN_CORRUPT];
  if (k.sw[SW_DEACTIVATE_SPLICE]) {
    let iter = freelist;
    let freelist_tail: number | bigint = 0;
    let free_delta = 0;
    while (iter !== 0) {
      const nextfree = load_fp(k, s, iter);
      if (checks && freelist_corrupted(k, s, slab.base, iter, nextfree)) break;
      freelist_tail = iter;
      free_delta++;
      iter = nextfree;
    }
    if (freelist_tail !== 0) {
      slab.inuse -= free_delta;
      set_freepointer(k, s, freelist_tail as number, slab.freelist);
      slab.freelist = freelist;
    }
  } else {
    let nextfree: number | bigint = 0;
    while (freelist !== 0 && (nextfree = load_fp(k, s, freelist)) !== 0) {
      if (checks && freelist_corrupted(k, s, slab.base, freelist, nextfree)) {
        freelist = 0;
        break;
      }
      set_freepointer(k, s, freelist as number, slab.freelist);
      slab.freelist = freelist;
      slab.inuse--;
      freelist = nextfree;
    }
    if (freelist !== 0) {
      slab.inuse--;
      set_freepointer(k, s, freelist as number, slab.freelist);
      slab.freelist = freelist;
    }
  }
  slab.frozen = false;
  if (slab.inuse === 0 && s.node_partial.length >= s.min_partial) discard_slab(k, s, slab, sl);
  else if (slab.freelist !== 0) add_partial(s, slab, tail);
}

/**
 * mm/slub.c do_slab_free (5.6–6.18; kfree, and the KASAN quarantine's ___cache_free): an object of the cpu
 * slab goes on c->freelist (set_freepointer(s, object, c->freelist)); any other one to __slab_free. An
 * address that is no slab of the cache (a corrupted freelist handed it out) is left alone (model bound).
 */
export function do_slab_free(k: Kernel, s: KmemCache, object: number, sl: SlubFreed): void {
  const slab = virt_to_slab(s, object);
  if (slab !== undefined && slab === s.cpu_slab) {
    set_freepointer(k, s, object, s.cpu_freelist);
    s.cpu_freelist = object;
    return;
  }
  if (slab === undefined) {
    k.tr?.note(`kfree: ${k.arch.fmtVa(object)} is in no ${s.name} slab: the model does not free it`);
    return;
  }
  __slab_free(k, s, slab, object, sl);
}

/**
 * mm/slub.c __slab_free (5.6–6.18; debug caches 6.1+ free_to_partial_list): set_freepointer(s, object,
 * slab->freelist), slab->freelist = object, inuse--. A slab that was full and not frozen: frozen and
 * put_cpu_partial(s, slab, 1) (debug caches, which have no cpu partial list: add_partial at the tail). A
 * slab on the node's partial list that becomes empty while n->nr_partial >= s->min_partial: off the list and
 * discard_slab. A frozen slab (the cpu slab of another CPU, a cpu partial slab) only gets the object.
 */
function __slab_free(k: Kernel, s: KmemCache, slab: SlabRec, object: number, sl: SlubFreed): void {
  const prior = slab.freelist;
  set_freepointer(k, s, object, prior);
  slab.freelist = object;
  slab.inuse--;
  // 6.1+ free_to_partial_list has no frozen test (no debug slab is frozen there)
  if (slab.frozen && !(s.flags !== 0 && k.sw[SW_ALLOC_SINGLE])) return;
  if (s.flags === 0 && prior === 0) {
    slab.frozen = true;
    put_cpu_partial(k, s, slab, true, sl);
    return;
  }
  if (slab.inuse === 0 && s.node_partial.length >= s.min_partial) {
    remove_partial(s, slab);
    discard_slab(k, s, slab, sl);
    return;
  }
  if (prior === 0) add_partial(s, slab, TO_TAIL);
}

/**
 * kmalloc from a cache with slub_debug= flags (mm/slub.c ___slab_alloc's debug path): one object at a time,
 * each through alloc_debug_processing (`check`, which prints "Marking all objects used" when it fails: the
 * slab gives up its free objects, inuse = objects, and the next slab is tried). 6.1+ (c7323a5ad078)
 * alloc_single_from_partial on the first node partial slab (full → off the list), else
 * alloc_single_from_new_slab (then add_partial at the head); 5.6–5.19 get_partial_node's acquire_slab / a new
 * slab, the object handed out and deactivate_slab(s, slab, get_freepointer(s, object)) putting the rest back.
 * `alloc`: new_slab. 0: no memory.
 */
export function slab_alloc_debug(k: Kernel, s: KmemCache, alloc: () => SlabRec | null, check: (object: number) => boolean, sl: SlubFreed): number {
  const single = k.sw[SW_ALLOC_SINGLE];
  for (;;) {
    let slab: SlabRec | null = null;
    let object = 0;
    if (single) {
      // get_partial_node → alloc_single_from_partial
      for (const p of [...s.node_partial]) {
        object = p.freelist as number;
        p.freelist = load_fp(k, s, object);
        p.inuse++;
        if (!check(object)) {
          debug_failed(s, p, sl);
          remove_partial(s, p);
          continue;
        }
        if (p.inuse === p.objects) remove_partial(s, p);
        return object;
      }
      slab = alloc();
      if (slab === null) return 0;
      // alloc_single_from_new_slab
      object = slab.freelist as number;
      slab.freelist = load_fp(k, s, object);
      slab.inuse = 1;
      if (!check(object)) {
        debug_failed(s, slab, sl);
        continue;
      }
      if (slab.inuse !== slab.objects) add_partial(s, slab, TO_HEAD);
      return object;
    }
    if (s.node_partial.length) {
      slab = s.node_partial[0]!;
      remove_partial(s, slab);
    } else {
      slab = alloc();
      if (slab === null) return 0;
    }
    object = slab.freelist as number;
    slab.freelist = 0;
    slab.inuse = slab.objects;
    slab.frozen = true;
    if (!check(object)) {
      // the slab stays frozen on no list: its objects are not handed out again (5.6–5.10: until a flush_slab; model bound)
      debug_failed(s, slab, sl);
      continue;
    }
    deactivate_slab(k, s, slab, load_fp(k, s, object), sl);
    return object;
  }
}

/** alloc_debug_processing's `bad:` (5.6–6.18): "Marking all objects used" — slab->inuse = slab->objects, slab->freelist = NULL; the model forgets its free objects */
function debug_failed(s: KmemCache, slab: SlabRec, sl: SlubFreed): void {
  slab.inuse = slab.objects;
  slab.freelist = 0;
  for (let i = 0; i < slab.objects; i++) sl.freed.delete(slab.base + i * s.size + s.red_left_pad);
}

/** Trace note of a cpu freelist head that is not a free object of the cpu slab (the word a device or a stray store left) */
export function note_stray_head(k: Kernel, s: KmemCache, object: number): void {
  const next = s.cpu_freelist;
  if (next === 0) return;
  const slab = s.cpu_slab;
  if (typeof next === "number" && slab !== null && next >= slab.base && next < slab.base + slab.objects * s.size && (next - slab.base) % s.size === s.red_left_pad) return;
  k.tr?.note(`slab_alloc_node: ${k.arch.fmtVa(object)}'s free pointer (at +${s.offset}) decodes to ${fmt_freepointer(k, next)}, not a free ${s.name} object: it is the cpu freelist head now`);
}


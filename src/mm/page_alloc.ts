/**
 * struct page records (the memmap) and the zoned buddy allocator.
 *
 * mm/page_alloc.c: zones ZONE_DMA / ZONE_DMA32 / ZONE_NORMAL / ZONE_HIGHMEM, free_area[order]
 * lists per zone, split on allocation (expand) and buddy merge on free (__free_one_page).
 * Allocation takes the head of a list (__rmqueue_smallest, and __rmqueue_fallback's head block of
 * the largest order). Boot frees memory in ascending order (memblock_free_all → __free_pages_core):
 * to the head of the lists until 5.9, so the highest free block of the preferred zone is used
 * first; with FPI_TO_TAIL (7fef431be9c9, 5.10) to the tail, so the lowest is. A free after boot
 * goes to the head, or to the tail when buddy_merge_likely says its merged block's buddy is free.
 * After setup_per_cpu_pageset, orders the per-cpu lists take (src/mm/pcp.ts) go through them.
 * Not modelled: migratetypes (every allocation is unmovable: one list per order).
 */
import { PAGE_SIZE, hex } from "../core/u64.js";
import { type PcpConfig, type PerCpuPages, free_unref_page_commit, pcp_allowed_order, rmqueue_pcplist } from "./pcp.js";

export const MAX_ORDER = 11;

/** Page flags the model uses (bit numbers are ours; names are the kernel's). */
export const PG_reserved = 1 << 0;
export const PG_buddy = 1 << 1;
export const PG_highmem = 1 << 2; // zone-derived in the kernel; cached here
export const PG_xen_remapped = 1 << 3; // alias of PG_owner_priv_1
export const PG_slab = 1 << 4;
export const PG_cma = 1 << 5;
export const PG_head = 1 << 6;
/** the PGTY_large_kmalloc page type (0xf8, a6687c8ff613, 6.15): the model keeps page types as flag bits, like PG_slab */
export const PG_large_kmalloc = 1 << 7;

export type ZoneName = "DMA" | "DMA32" | "Normal" | "HighMem";

export interface Zone {
  name: ZoneName;
  start_pfn: number;
  end_pfn: number; // exclusive
  free_area: number[][]; // per order: stack of block head pfns (last = head of list)
  free_pages: number;
  managed_pages: number;
  /** CPU 0's struct per_cpu_pages; null while the zone uses boot_pageset (before setup_per_cpu_pageset) */
  pcp: PerCpuPages | null;
  /** _watermark[WMARK_MIN, WMARK_LOW, WMARK_HIGH] (0 until init_per_zone_wmark_min) */
  watermark: number[];
}

/**
 * The order of each free buddy block, by head pfn (what PageBuddy + page_private say in the
 * kernel), with a Map's has/get/set/delete. Heads of MAX_ORDER - 1 blocks (4 MiB, aligned: most
 * of free memory after boot) are one byte each in an array over [min_pfn, max_pfn), the rest in a
 * Map: copying a booted model (src/boot-cache.ts) then copies bytes instead of thousands of Map
 * entries.
 */
export class BuddyOrders {
  private readonly small = new Map<number, number>();
  /** per MAX_ORDER - 1 aligned block: 1 if a free block of that order starts there */
  private readonly top: Uint8Array;
  private readonly base: number;
  private ntop = 0;
  constructor(min_pfn: number, max_pfn: number) {
    const TOP = 1 << (MAX_ORDER - 1);
    this.base = Math.floor(min_pfn / TOP);
    this.top = new Uint8Array(Math.max(0, Math.ceil(max_pfn / TOP) - this.base));
  }
  /** index into top[] of an aligned top-order head, else -1 */
  private ti(pfn: number): number {
    const TOP = 1 << (MAX_ORDER - 1);
    const q = pfn / TOP;
    if (q !== Math.floor(q)) return -1;
    const i = q - this.base;
    return i >= 0 && i < this.top.length ? i : -1;
  }
  get size(): number {
    return this.small.size + this.ntop;
  }
  has(pfn: number): boolean {
    const i = this.ti(pfn);
    return (i >= 0 && this.top[i] === 1) || this.small.has(pfn);
  }
  get(pfn: number): number | undefined {
    const i = this.ti(pfn);
    if (i >= 0 && this.top[i] === 1) return MAX_ORDER - 1;
    return this.small.get(pfn);
  }
  set(pfn: number, order: number): this {
    const i = this.ti(pfn);
    if (i >= 0 && order === MAX_ORDER - 1) {
      this.small.delete(pfn);
      if (this.top[i] !== 1) this.ntop++;
      this.top[i] = 1;
    } else {
      if (i >= 0 && this.top[i] === 1) {
        this.top[i] = 0;
        this.ntop--;
      }
      this.small.set(pfn, order);
    }
    return this;
  }
  delete(pfn: number): boolean {
    const i = this.ti(pfn);
    if (i >= 0 && this.top[i] === 1) {
      this.top[i] = 0;
      this.ntop--;
      return true;
    }
    return this.small.delete(pfn);
  }
  /** [head pfn, order] of every free block: the smaller orders, then the top-order heads by pfn */
  *[Symbol.iterator](): IterableIterator<[number, number]> {
    yield* this.small;
    const TOP = 1 << (MAX_ORDER - 1);
    for (let i = 0; i < this.top.length; i++) if (this.top[i] === 1) yield [(this.base + i) * TOP, MAX_ORDER - 1];
  }
}

/**
 * The memmap: one struct page record per page frame in [min_pfn, max_pfn). Stored sparsely so an
 * 8 GiB model costs memory only for pages whose state differs from the default: flags that hold
 * for whole ranges (reserved, highmem, CMA) are kept as ranges, per-page state in maps.
 */
export class MemMap {
  private readonly pageFlags = new Map<number, number>();
  private readonly rangeFlags: { start: number; end: number; flag: number }[] = [];
  private readonly refs = new Map<number, number>();
  /** order of a free buddy block whose head is this pfn */
  readonly buddyOrder: BuddyOrders;
  /** Who holds the page (for explanations), sparse. */
  readonly owner = new Map<number, string>();
  constructor(readonly min_pfn: number, readonly max_pfn: number) {
    this.buddyOrder = new BuddyOrders(min_pfn, max_pfn);
  }
  has(pfn: number): boolean {
    return pfn >= this.min_pfn && pfn < this.max_pfn;
  }
  /** A flag that holds for every page of [start, end) (PG_reserved of memblock ranges, PG_highmem, PG_cma). */
  addRangeFlag(start: number, end: number, flag: number) {
    this.rangeFlags.push({ start, end, flag });
  }
  flags(pfn: number): number {
    let f = this.pageFlags.get(pfn) ?? 0;
    const rf = this.rangeFlags;
    for (let i = 0; i < rf.length; i++) {
      const r = rf[i]!;
      if (pfn >= r.start && pfn < r.end) f |= r.flag;
    }
    return f;
  }
  setFlag(pfn: number, flag: number) {
    this.pageFlags.set(pfn, (this.pageFlags.get(pfn) ?? 0) | flag);
  }
  clearFlag(pfn: number, flag: number) {
    const f = this.pageFlags.get(pfn);
    if (f !== undefined) this.pageFlags.set(pfn, f & ~flag);
  }
  /** TestClearPage*: returns the old state of a per-page flag */
  testClearFlag(pfn: number, flag: number): boolean {
    const was = ((this.pageFlags.get(pfn) ?? 0) & flag) !== 0;
    this.clearFlag(pfn, flag);
    return was;
  }
  PageHighMem(pfn: number): boolean {
    return (this.flags(pfn) & PG_highmem) !== 0;
  }
  refcount(pfn: number): number {
    return this.refs.get(pfn) ?? 0;
  }
  setRefcount(pfn: number, v: number) {
    if (v) this.refs.set(pfn, v);
    else this.refs.delete(pfn);
  }
  describe(pfn: number): string {
    if (!this.has(pfn)) return "no struct page";
    const f = this.flags(pfn);
    const o = this.owner.get(pfn);
    const parts: string[] = [];
    if (f & PG_reserved) parts.push("reserved");
    if (this.buddyOrder.has(pfn)) parts.push("free (buddy)");
    if (f & PG_highmem) parts.push("highmem");
    if (f & PG_cma) parts.push("CMA");
    if (f & PG_slab) parts.push("slab");
    if (o) parts.push(`owner: ${o}`);
    return parts.join(", ") || "in use";
  }
}

export interface GfpZone {
  /** Highest zone allowed by the gfp zone modifiers. */
  highest: ZoneName;
}

const ZONE_ORDER: ZoneName[] = ["DMA", "DMA32", "Normal", "HighMem"];

export class BuddyAllocator {
  readonly zones: Zone[] = [];
  /**
   * @param fpi_to_tail __free_pages_core passes FPI_TO_TAIL (7fef431be9c9 "mm/page_alloc: place pages
   *   to tail in __free_pages_core()", 5.10): boot's free blocks go to the tail of their lists
   */
  constructor(readonly memmap: MemMap, readonly fpi_to_tail = false) {}
  /** the per-cpu lists' code (src/mm/pcp.ts), set by setup_per_cpu_pageset; null before it (boot_pageset) */
  pcp: PcpConfig | null = null;
  /** min_free_kbytes (mm/page_alloc.c), 0 until init_per_zone_wmark_min; khugepaged's hugepage_init may raise it */
  min_free_kbytes = 0;

  addZone(name: ZoneName, start_pfn: number, end_pfn: number) {
    if (end_pfn <= start_pfn) return;
    this.zones.push({ name, start_pfn, end_pfn, free_area: Array.from({ length: MAX_ORDER }, () => []), free_pages: 0, managed_pages: 0, pcp: null, watermark: [0, 0, 0] });
    this.zones.sort((a, b) => ZONE_ORDER.indexOf(a.name) - ZONE_ORDER.indexOf(b.name));
    if (name === "HighMem") this.memmap.addRangeFlag(start_pfn, end_pfn, PG_highmem);
  }

  zoneOf(pfn: number): Zone | undefined {
    // an indexed loop, not find() with a closure: it is inlined into the hot free paths, and the
    // closure and the builtin made each of those a larger graph for TurboFan (bench/README.md, stop 21)
    const zones = this.zones;
    for (let i = 0; i < zones.length; i++) {
      const z = zones[i]!;
      if (pfn >= z.start_pfn && pfn < z.end_pfn) return z;
    }
    return undefined;
  }

  /**
   * Boot: hand free RAM [start, end) pfns to the allocator: mm/memblock.c __free_pages_memory →
   * mm/page_alloc.c __free_pages_core (5.6–6.18; to the list tails from 5.10, `fpi_to_tail`).
   */
  freeRange(start: number, end: number) {
    let pfn = start;
    while (pfn < end) {
      let order = MAX_ORDER - 1;
      while (order > 0 && (pfn % (1 << order) !== 0 || pfn + (1 << order) > end)) order--;
      const z = this.zoneOf(pfn);
      // a block must not cross a zone boundary
      while (order > 0 && z && pfn + (1 << order) > z.end_pfn) order--;
      if (z && order === MAX_ORDER - 1) {
        // whole MAX_ORDER - 1 blocks up to the range's or the zone's end: __free_one_page has no
        // buddy to merge them with, so each goes straight to its list (most of RAM, one loop)
        const step = 1 << order;
        const last = Math.min(end, z.end_pfn);
        const list = z.free_area[order]!;
        const orders = this.memmap.buddyOrder;
        let n = 0;
        if (this.fpi_to_tail) {
          // each block to the tail (the array's start: its last element is the list's head), so the
          // list reads lowest first from the head: the blocks of this run, descending, before the old tail
          n = Math.max(0, Math.floor((last - pfn) / step));
          const old = list.length;
          list.length = old + n;
          list.copyWithin(n, 0, old);
          for (let i = 0; i < n; i++, pfn += step) {
            orders.set(pfn, order);
            list[n - 1 - i] = pfn;
          }
        } else {
          for (; pfn + step <= last; pfn += step, n++) {
            orders.set(pfn, order);
            list.push(pfn);
          }
        }
        z.managed_pages += n * step;
        z.free_pages += n * step;
        continue;
      }
      if (z) {
        z.managed_pages += 1 << order;
        this.__free_one_page(pfn, order, z, this.fpi_to_tail);
      }
      pfn += 1 << order;
    }
  }

  /**
   * mm/page_alloc.c __free_one_page (5.6–6.18): merge with free buddies, then put the block on its list's
   * head, or its tail with FPI_TO_TAIL (5.10+) or when buddy_merge_likely: below order MAX_ORDER - 2,
   * the buddy of the block it would merge into next is a free block of that order (5.6.4 :983–996
   * inline; 5.10.7 :942–960, :1066–1074; 6.18.35 :927–940, :1052–1059). `buddy` is the last buddy
   * pfn the merge loop computed (the block's own buddy at its final order).
   */
  __free_one_page(pfn: number, order: number, z: Zone, to_tail = false) {
    const mm = this.memmap;
    const orders = mm.buddyOrder;
    let buddy = pfn ^ (1 << order);
    while (order < MAX_ORDER - 1) {
      buddy = pfn ^ (1 << order);
      if (buddy < z.start_pfn || buddy + (1 << order) > z.end_pfn || orders.get(buddy) !== order) break;
      // remove buddy from its list
      const list = z.free_area[order]!;
      const at = list.lastIndexOf(buddy);
      list.splice(at, 1);
      orders.delete(buddy);
      z.free_pages -= 1 << order;
      pfn = Math.min(pfn, buddy);
      order++;
    }
    orders.set(pfn, order);
    if (!to_tail && order < MAX_ORDER - 2) {
      // buddy_merge_likely: page_is_buddy(higher_page, higher_buddy, order + 1), same zone
      const higher = buddy & pfn;
      const hb = higher ^ (1 << (order + 1));
      to_tail = hb >= z.start_pfn && hb + (1 << (order + 1)) <= z.end_pfn && orders.get(hb) === order + 1;
    }
    if (to_tail) z.free_area[order]!.unshift(pfn);
    else z.free_area[order]!.push(pfn);
    z.free_pages += 1 << order;
  }

  /** Zones to try, best first, for a gfp zone limit (the zonelist). */
  zonelist(highest: ZoneName): Zone[] {
    const lim = ZONE_ORDER.indexOf(highest);
    return this.zones.filter((z) => ZONE_ORDER.indexOf(z.name) <= lim).reverse();
  }

  /**
   * mm/page_alloc.c __rmqueue → __rmqueue_smallest (5.6–6.18): the head block of the smallest order ≥
   * `order` with one, split (expand: the upper halves back to the heads of their lists). Returns its
   * pfn, or -1. Not refcounted: rmqueue_bulk puts it on a pcp list, the callers of alloc hand it out.
   */
  __rmqueue(z: Zone, order: number): number {
    for (let o = order; o < MAX_ORDER; o++) {
      const list = z.free_area[o]!;
      if (list.length === 0) continue;
      const pfn = list.pop()!;
      const orders = this.memmap.buddyOrder;
      orders.delete(pfn);
      z.free_pages -= 1 << o;
      // expand: give back the upper halves
      let size = 1 << o;
      let cur = o;
      while (cur > order) {
        cur--;
        size >>= 1;
        const upper = pfn + size;
        orders.set(upper, cur);
        z.free_area[cur]!.push(upper);
        z.free_pages += size;
      }
      return pfn;
    }
    return -1;
  }

  /**
   * mm/page_alloc.c __rmqueue → __rmqueue_smallest (5.6–6.18) called up to `count` times in a row, as
   * rmqueue_bulk's loop does, with the same outcome: the pfns pushed to `out` in the order those calls
   * return them, the same blocks left on the same lists and in buddyOrder, the same free_pages. Returns
   * how many it took (fewer when the zone runs out). A call that splits a block of order o > `order`
   * finds the lists `order`..o-1 empty (o was the smallest order with a block) and leaves one block on
   * each; the calls after it take those back in ascending pfn order, so after k of the block's 2^(o-order)
   * sub-blocks the free part [k, 2^(o-order)) (in sub-blocks) is one block of 2^j sub-blocks for each bit
   * j of 2^(o-order) - k, from k upwards in increasing size, each the only block of its list. This takes
   * the k sub-blocks at once and sets only those final blocks (no per-page split and remerge of the
   * map entries: a refill of 63 pages was 63 __rmqueue calls).
   */
  __rmqueue_bulk(z: Zone, order: number, count: number, out: number[]): number {
    const orders = this.memmap.buddyOrder;
    const fa = z.free_area;
    const s = 1 << order;
    let got = 0;
    while (got < count) {
      let o = order;
      while (o < MAX_ORDER && fa[o]!.length === 0) o++;
      if (o === MAX_ORDER) break;
      const pfn = fa[o]!.pop()!;
      orders.delete(pfn);
      const units = 1 << (o - order);
      const take = Math.min(units, count - got);
      for (let i = 0; i < take; i++) out.push(pfn + i * s);
      got += take;
      z.free_pages -= take * s;
      // what the next calls would have left of the block: 2^j sub-blocks for each bit j of units - take, ascending
      let rem = units - take;
      let at = pfn + take * s;
      for (let j = 0; rem !== 0; j++, rem >>= 1) {
        if ((rem & 1) === 0) continue;
        orders.set(at, order + j);
        fa[order + j]!.push(at);
        at += s << j;
      }
    }
    return got;
  }

  /**
   * __alloc_pages → get_page_from_freelist → rmqueue (5.6–6.18): the first zone of the zonelist that
   * gives a block: from CPU 0's per-cpu list for the orders pcp_allowed_order takes (rmqueue_pcplist),
   * else from the buddy lists.
   */
  alloc(order: number, highest: ZoneName, owner: string): number | null {
    // the zonelist (above) walked in place: the zones in reverse, those up to `highest` (no array,
    // closure or iterator per allocation: a smaller graph for TurboFan, bench/README.md stop 21)
    const lim = ZONE_ORDER.indexOf(highest);
    const zones = this.zones;
    const cfg = this.pcp;
    for (let zi = zones.length - 1; zi >= 0; zi--) {
      const z = zones[zi]!;
      if (ZONE_ORDER.indexOf(z.name) > lim) continue;
      const pfn = cfg !== null && z.pcp !== null && pcp_allowed_order(cfg, order) ? rmqueue_pcplist(cfg, this, z, order) : this.__rmqueue(z, order);
      if (pfn < 0) continue;
      const mm = this.memmap;
      mm.setRefcount(pfn, 1);
      mm.owner.set(pfn, owner);
      return pfn;
    }
    return null;
  }

  /** __free_pages → free_the_page (5.6–6.18): to CPU 0's per-cpu list (free_unref_page) for the orders it takes, else __free_pages_ok → __free_one_page */
  free(pfn: number, order: number) {
    const z = this.zoneOf(pfn);
    if (!z) throw new Error(`free of pfn ${hex(pfn)} outside every zone`);
    const mm = this.memmap;
    mm.setRefcount(pfn, 0);
    mm.owner.delete(pfn);
    const cfg = this.pcp;
    if (cfg !== null && z.pcp !== null && pcp_allowed_order(cfg, order)) free_unref_page_commit(cfg, this, z, pfn, order);
    else this.__free_one_page(pfn, order, z);
  }

  /** The pages on the zones' per-cpu lists (free, but not in NR_FREE_PAGES) of a zonelist. */
  pcpCount(highest: ZoneName): number {
    return this.zonelist(highest).reduce((s, z) => s + (z.pcp?.count ?? 0), 0);
  }

  /**
   * isFree for the pages of a block walked upwards from `pfn`, one lookup per page (free_the_page):
   * a page is free when a free block that isFree finds covers it, i.e. an aligned head h ≤ page with
   * order o and page < h + 2^o. freeEndBelow(pfn) is the largest such end among heads below pfn (the
   * blocks that contain pfn itself; 0 if none), freeHeadEnd(q) the end of the block headed at q (0 if
   * none); a page p is free exactly when p is below the largest of these for q in [pfn, p]. Both
   * use isFree's own bit operations, so they agree with it for pfns below 2^31.
   */
  freeEndBelow(pfn: number): number {
    const orders = this.memmap.buddyOrder;
    let end = 0;
    for (let o = 0; o < MAX_ORDER; o++) {
      const head = pfn & ~((1 << o) - 1);
      if (head < pfn && orders.get(head) === o && head + (1 << o) > end) end = head + (1 << o);
    }
    return end;
  }
  freeHeadEnd(pfn: number): number {
    const o = this.memmap.buddyOrder.get(pfn);
    return o !== undefined && (o | 0) === o && o >= 0 && o < MAX_ORDER && (pfn & ((1 << o) - 1)) === 0 ? pfn + (1 << o) : 0;
  }

  isFree(pfn: number): boolean {
    // walk down to find a containing free block
    const mm = this.memmap;
    for (let o = 0; o < MAX_ORDER; o++) {
      const head = pfn & ~((1 << o) - 1);
      if (mm.buddyOrder.get(head) === o) return true;
    }
    return false;
  }

  /** The free pages an allocation whose highest zone is `highest` can draw on (its zonelist). */
  freeIn(highest: ZoneName): number {
    return this.zonelist(highest).reduce((s, z) => s + z.free_pages, 0);
  }

  totalFree(): number {
    return this.zones.reduce((s, z) => s + z.free_pages, 0);
  }
}

export function pagesToBytes(n: number): number {
  return n * PAGE_SIZE;
}

/**
 * drivers/iommu/iova.c: the IOVA allocator behind dma-iommu, 5.6–5.19, read from shmily1012/linux-5.6.4,
 * ejga2001/linux-5.10.7, zhangyinjun/linux-5.12.9, lsk-legends/linux-5.14 and yishangzhang/linux-5.19
 * (commits in docs/verified-facts.md) and proven by the vectors in test/vectors/iova/, recorded from
 * those trees' unmodified iova.c and lib/rbtree.c by tools/kernel-vectors/iova.
 *
 * The same data structures as the kernel: an rbtree of allocated ranges with an anchor node above
 * the address space, cached_node / cached32_node where the top-down search resumes,
 * max32_alloc_size, and the per-CPU range caches (IOVA_RANGE_CACHE_MAX_SIZE bins of "loaded" and
 * "prev" magazines of IOVA_MAG_SIZE pfns for every possible CPU, and a depot of MAX_GLOBAL_MAGS magazines
 * per bin, shared by the CPUs). Which CPU's magazines an insert or a get uses is raw_cpu_ptr(): the
 * CPU the kernel side says the caller runs on (IovaCpus; the vector replay has one CPU unless the
 * vector names more). Version differences within this era are switches named by commit:
 *
 *   4e89dce72521 (5.11)  retry the search from the top when it fails below the cached node
 *   6fa3525b455a (5.11)  alloc_iova_fast's flush also empties the depots (free_global_cached_iovas)
 *   371d7955e310 (5.13)  the retry starts at iova_find_limit() instead of the anchor
 *   5b61343b5059 (5.18)  any free below 4 GiB resets max32_alloc_size
 *   972bf252f860 (5.17)  alloc_iova_fast rounds cacheable sizes up to a
 *                        power of two itself (before, iommu_dma_alloc_iova did it for its caller)
 * The pfns here are the kernel's unsigned long; they stay below 2^53 except the anchor's ~0UL.
 */
import { rb_erase, rb_first, rb_insert_color, rb_link_node, rb_next, rb_prev, type RbNode, type RbRoot } from "../../lib/rbtree.js";

/** drivers/iommu/iova.c IOVA_ANCHOR (5.6–6.18): ~0UL (as a double; only ever compared). */
export const IOVA_ANCHOR = 2 ** 64;
/** include/linux/iova.h (5.6–5.18) / iova.c (5.19): log of the largest cached range, in pages. */
export const IOVA_RANGE_CACHE_MAX_SIZE = 6;
/** pfns per magazine (5.6–5.19). */
export const IOVA_MAG_SIZE = 128;
/** IOVA_MAG_SIZE from b4c9bf178ace (6.0, "iommu/iova: change IOVA_MAG_SIZE to 127 to save memory"): a 1 KiB magazine */
export const IOVA_MAG_SIZE_127 = 127;
/** magazines per depot bin (5.6–5.19). */
export const MAX_GLOBAL_MAGS = 32;

export const IOVA_SWITCHES = {
  retry: "4e89dce72521",
  freeGlobalOnFail: "6fa3525b455a",
  findLimit: "371d7955e310",
  max32AnyFree: "5b61343b5059",
  roundupInAllocator: "972bf252f860",
  /** dcdb3ba7e2a8 (6.2; stable 5.15.y, 6.1.y): retry_pfn = pfn_hi and the retry starts at retry_pfn + 1 (no wrap from the anchor) */
  retryNoOverflow: "dcdb3ba7e2a8",
  /** b4c9bf178ace (6.0): IOVA_MAG_SIZE 127 instead of 128 */
  magSize127: "b4c9bf178ace",
  /** 911aa1245da8 (6.7): the depot is an unbounded list of magazines (newest first), no MAX_GLOBAL_MAGS */
  depotList: "911aa1245da8",
  /** 233045378dbb (6.7): a delayed work gives one depot magazine back to the tree every IOVA_DEPOT_DELAY while the depot holds more than num_online_cpus() */
  depotTrim: "233045378dbb",
} as const;

/** include/linux/iova.h struct iova (5.6–6.18): one allocated range [pfn_lo, pfn_hi], a node of the rbtree. */
export interface Iova extends RbNode {
  pfn_lo: number;
  pfn_hi: number;
  rb_left: Iova | null;
  rb_right: Iova | null;
  rb_parent: Iova | null;
}

/** drivers/iommu/iova.c struct iova_magazine. */
export interface IovaMagazine {
  size: number;
  pfns: number[];
}

/** drivers/iommu/iova.c struct iova_cpu_rcache (5.6–6.18): one CPU's pair of magazines for one bin. */
export interface IovaCpuRcache {
  loaded: IovaMagazine;
  prev: IovaMagazine;
}

/** drivers/iommu/iova.c struct iova_rcache (5.6–6.18): the depot, shared, and the per-CPU magazines (alloc_percpu: one per possible CPU). */
export interface IovaRcache {
  depot: IovaMagazine[];
  cpu_rcaches: IovaCpuRcache[];
}

/**
 * What iova.c asks the rest of the kernel about CPUs: raw_smp_processor_id() (the CPU raw_cpu_ptr
 * resolves to), num_possible_cpus() (how many iova_cpu_rcache alloc_percpu makes) and
 * num_online_cpus() (for_each_online_cpu; every possible CPU is online in dmasim: no hotplug).
 * An object with methods, not closures over a kernel: a copied model (src/core/clone.ts) must get its own.
 */
export interface IovaCpus {
  raw_smp_processor_id(): number;
  num_possible_cpus(): number;
  num_online_cpus(): number;
}

/** One possible, online CPU that is always the current one (the vector replay's default; the record tool's stubs). */
export const ONE_CPU: IovaCpus = Object.freeze({ raw_smp_processor_id: () => 0, num_possible_cpus: () => 1, num_online_cpus: () => 1 });

function newIova(lo: number, hi: number): Iova {
  return { pfn_lo: lo, pfn_hi: hi, rb_left: null, rb_right: null, rb_parent: null, rb_color: 0 };
}
function iova_magazine_alloc(): IovaMagazine {
  return { size: 0, pfns: [] };
}
/** include/asm-generic/bitops/fls64.h fls_long: the 1-based index of the highest set bit, 0 for 0. */
export function fls_long(x: number): number {
  if (x <= 0) return 0;
  if (x < 2 ** 32) return 32 - Math.clz32(x);
  return 32 + fls_long(Math.floor(x / 2 ** 32));
}
/** include/linux/log2.h order_base_2 (5.6–6.18). */
export function order_base_2(n: number): number {
  return n > 1 ? fls_long(n - 1) : 0;
}
/** include/linux/log2.h roundup_pow_of_two. */
export function roundup_pow_of_two(n: number): number {
  return 2 ** fls_long(n - 1);
}

/** include/linux/iova.h struct iova_domain, with the operations of drivers/iommu/iova.c. */
export class IovaDomain {
  readonly rbroot: RbRoot<Iova> = { rb_node: null };
  readonly anchor: Iova = newIova(IOVA_ANCHOR, IOVA_ANCHOR);
  cached_node: Iova;
  cached32_node: Iova;
  readonly granule: number;
  readonly start_pfn: number;
  readonly dma_32bit_pfn: number;
  max32_alloc_size: number;
  readonly rcaches: IovaRcache[] = [];
  /** WARN_ON()s hit (e.g. a magazine pfn with no range in the tree). */
  warns = 0;
  /** Where the last alloc_iova_fast found its pfn: the calling CPU's range cache (with that CPU and the bin), or the rbtree (for traces). */
  last_fast: { from: "rcache" | "rbtree"; cpu: number; bin: number } | null = null;
  private readonly retry: boolean;
  private readonly findLimit: boolean;
  private readonly retryNoOverflow: boolean;
  /** IOVA_MAG_SIZE of this kernel (128; 127 from b4c9bf178ace) */
  readonly mag_size: number;
  private readonly depotList: boolean;
  /** the rcaches' delayed work (233045378dbb): schedule_delayed_work after a depot push; set by the kernel side, absent in the vector replay (whose stubs never run work). An object, not a closure: a copied model must get its own. */
  depot_work: { schedule(bin: number): void } | null = null;
  private readonly freeGlobal: boolean;
  private readonly max32AnyFree: boolean;
  private readonly roundup: boolean;

  /** The CPUs iova.c sees (raw_cpu_ptr, for_each_online_cpu). */
  readonly cpus: IovaCpus;

  /** drivers/iommu/iova.c init_iova_domain (+ init_iova_rcaches / 5.19 iova_domain_init_rcaches: a cpu_rcache per possible CPU). */
  constructor(granule: number, start_pfn: number, has: (commit: string) => boolean, cpus: IovaCpus = ONE_CPU) {
    if (granule > 4096 || (granule & (granule - 1)) !== 0) throw new Error(`init_iova_domain: granule ${granule} (BUG_ON)`);
    this.granule = granule;
    this.start_pfn = start_pfn;
    this.dma_32bit_pfn = 2 ** (32 - Math.log2(granule));
    this.max32_alloc_size = this.dma_32bit_pfn;
    rb_link_node(this.anchor, null);
    this.rbroot.rb_node = this.anchor;
    rb_insert_color(this.anchor, this.rbroot as RbRoot<RbNode>);
    this.cached_node = this.anchor;
    this.cached32_node = this.anchor;
    this.cpus = cpus;
    const ncpus = Math.max(1, cpus.num_possible_cpus());
    for (let i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
      const cpu_rcaches: IovaCpuRcache[] = [];
      for (let cpu = 0; cpu < ncpus; cpu++) cpu_rcaches.push({ loaded: iova_magazine_alloc(), prev: iova_magazine_alloc() });
      this.rcaches.push({ depot: [], cpu_rcaches });
    }
    this.retry = has(IOVA_SWITCHES.retry);
    this.findLimit = has(IOVA_SWITCHES.findLimit);
    this.freeGlobal = has(IOVA_SWITCHES.freeGlobalOnFail);
    this.max32AnyFree = has(IOVA_SWITCHES.max32AnyFree);
    this.roundup = has(IOVA_SWITCHES.roundupInAllocator);
    this.retryNoOverflow = has(IOVA_SWITCHES.retryNoOverflow);
    this.mag_size = has(IOVA_SWITCHES.magSize127) ? IOVA_MAG_SIZE_127 : IOVA_MAG_SIZE;
    this.depotList = has(IOVA_SWITCHES.depotList);
  }

  /** iova.c __get_cached_rbnode (5.6–5.19). */
  private __get_cached_rbnode(limit_pfn: number): Iova {
    return limit_pfn <= this.dma_32bit_pfn ? this.cached32_node : this.cached_node;
  }

  /** iova.c __cached_rbnode_insert_update (5.6–5.19). */
  private __cached_rbnode_insert_update(neu: Iova): void {
    if (neu.pfn_hi < this.dma_32bit_pfn) this.cached32_node = neu;
    else this.cached_node = neu;
  }

  /** iova.c __cached_rbnode_delete_update (5.6–5.17; 5.18+ with 5b61343b5059). */
  private __cached_rbnode_delete_update(free: Iova): void {
    let cached_iova = this.cached32_node;
    if (free === cached_iova || (free.pfn_hi < this.dma_32bit_pfn && free.pfn_lo >= cached_iova.pfn_lo)) {
      this.cached32_node = rb_next(free)!;
      if (!this.max32AnyFree) this.max32_alloc_size = this.dma_32bit_pfn;
    }
    if (this.max32AnyFree && free.pfn_lo < this.dma_32bit_pfn) this.max32_alloc_size = this.dma_32bit_pfn;
    cached_iova = this.cached_node;
    if (free.pfn_lo >= cached_iova.pfn_lo) this.cached_node = rb_next(free)!;
  }

  /** iova.c iova_find_limit (5.13+, 371d7955e310): where a restarted search begins. Walks the tree's shape. */
  private iova_find_limit(limit_pfn: number): Iova {
    if (limit_pfn > this.dma_32bit_pfn) return this.anchor;
    let node = this.rbroot.rb_node!;
    while (node.pfn_hi < limit_pfn) node = node.rb_right!;
    for (;;) {
      /* search_left: */
      while (node.rb_left && node.rb_left.pfn_lo >= limit_pfn) node = node.rb_left;
      if (!node.rb_left) return node;
      let next: Iova = node.rb_left;
      let again = false;
      while (next.rb_right) {
        next = next.rb_right;
        if (next.pfn_lo >= limit_pfn) {
          node = next;
          again = true;
          break;
        }
      }
      if (!again) return node;
    }
  }

  /** iova.c iova_insert_rbtree (5.6–5.19): descend from `start` (the node the search stopped above). */
  private iova_insert_rbtree(iova: Iova, start: Iova | null): void {
    let parent: Iova | null = null;
    let cur: Iova | null = start ?? this.rbroot.rb_node;
    let left = false;
    if (!cur) {
      rb_link_node(iova, null);
      this.rbroot.rb_node = iova;
      rb_insert_color(iova, this.rbroot as RbRoot<RbNode>);
      return;
    }
    while (cur) {
      parent = cur;
      if (iova.pfn_lo < cur.pfn_lo) { left = true; cur = cur.rb_left; }
      else if (iova.pfn_lo > cur.pfn_lo) { left = false; cur = cur.rb_right; }
      else { this.warns++; return; } /* WARN_ON(1): this should not happen */
    }
    rb_link_node(iova, parent);
    if (left) parent!.rb_left = iova;
    else parent!.rb_right = iova;
    rb_insert_color(iova, this.rbroot as RbRoot<RbNode>);
  }

  /**
   * iova.c __alloc_and_insert_iova_range: walk the tree downwards from the cached node for a gap of
   * `size` pages below `limit_pfn` (exclusive), naturally aligned when size_aligned. 5.6–5.10 give up
   * when the walk reaches start_pfn; 5.11+ (4e89dce72521) retry once from the top (the anchor, or
   * iova_find_limit with 371d7955e310) down to where the first walk began.
   */
  private __alloc_and_insert_iova_range(size: number, limit_pfn: number, neu: Iova, size_aligned: boolean): boolean {
    const align = size_aligned ? 2 ** fls_long(size - 1) : 1;
    let high_pfn = limit_pfn;
    let low_pfn = this.start_pfn;
    if (limit_pfn <= this.dma_32bit_pfn && size >= this.max32_alloc_size) return false; /* iova32_full */
    let curr: Iova | null = this.__get_cached_rbnode(limit_pfn);
    let curr_iova: Iova | null = curr;
    /* before dcdb3ba7e2a8: retry_pfn = curr_iova->pfn_hi + 1, which wraps to 0 when the cached node is the anchor (~0UL + 1);
       after: retry_pfn = curr_iova->pfn_hi, and the retry begins at retry_pfn + 1 only if retry_pfn < limit_pfn */
    const retry_pfn = this.retryNoOverflow ? curr_iova.pfn_hi : curr_iova.pfn_hi === IOVA_ANCHOR ? 0 : curr_iova.pfn_hi + 1;
    let new_pfn = 0;
    let prev: Iova = curr;
    for (;;) {
      do {
        high_pfn = Math.min(high_pfn, curr_iova!.pfn_lo);
        /* (high_pfn - size) wraps when high_pfn < size: a huge value that ends the walk */
        new_pfn = high_pfn >= size ? Math.floor((high_pfn - size) / align) * align : IOVA_ANCHOR / 2;
        prev = curr!;
        curr = rb_prev(curr!);
        curr_iova = curr;
      } while (curr && new_pfn <= curr_iova!.pfn_hi && (!this.retry || new_pfn >= low_pfn));
      const failed = this.retry ? high_pfn < size || new_pfn < low_pfn : high_pfn < size || new_pfn < this.start_pfn;
      if (!failed) break;
      if (this.retry && low_pfn === this.start_pfn && retry_pfn < limit_pfn) {
        high_pfn = limit_pfn;
        low_pfn = this.retryNoOverflow ? retry_pfn + 1 : retry_pfn;
        curr = this.findLimit ? this.iova_find_limit(limit_pfn) : this.anchor;
        curr_iova = curr;
        continue;
      }
      this.max32_alloc_size = size;
      return false;
    }
    neu.pfn_lo = new_pfn;
    neu.pfn_hi = new_pfn + size - 1;
    this.iova_insert_rbtree(neu, prev);
    this.__cached_rbnode_insert_update(neu);
    return true;
  }

  /** iova.c alloc_iova (5.6–5.19): a range of `size` pages ending at or below limit_pfn; null when full. */
  alloc_iova(size: number, limit_pfn: number, size_aligned: boolean): Iova | null {
    const neu = newIova(0, 0);
    return this.__alloc_and_insert_iova_range(size, limit_pfn + 1, neu, size_aligned) ? neu : null;
  }

  /** iova.c private_find_iova (5.6–5.19): the range containing pfn. */
  private_find_iova(pfn: number): Iova | null {
    let node = this.rbroot.rb_node;
    while (node) {
      if (pfn < node.pfn_lo) node = node.rb_left;
      else if (pfn > node.pfn_hi) node = node.rb_right;
      else return node;
    }
    return null;
  }

  /** iova.c find_iova (5.6–5.19). */
  find_iova(pfn: number): Iova | null {
    return this.private_find_iova(pfn);
  }

  /** iova.c private_free_iova (5.6–5.18) / remove_iova (5.19): unlink a range. */
  private remove_iova(iova: Iova): void {
    this.__cached_rbnode_delete_update(iova);
    rb_erase(iova, this.rbroot as RbRoot<RbNode>);
  }

  /** iova.c __free_iova (5.6–5.19). */
  __free_iova(iova: Iova): void {
    this.remove_iova(iova);
  }

  /** iova.c free_iova (5.6–5.19): find the range containing pfn and free it; nothing if none. */
  free_iova(pfn: number): void {
    const iova = this.private_find_iova(pfn);
    if (iova) this.remove_iova(iova);
  }

  /** iova.c iova_magazine_free_pfns (5.6–5.19): return every pfn of a magazine to the tree. */
  private iova_magazine_free_pfns(mag: IovaMagazine): void {
    for (let i = 0; i < mag.size; ++i) {
      const iova = this.private_find_iova(mag.pfns[i]!);
      if (!iova) { this.warns++; continue; } /* WARN_ON(!iova) */
      this.remove_iova(iova);
    }
    mag.size = 0;
  }

  /** iova.c iova_magazine_pop (5.6–5.19): the last pfn not above limit_pfn, swapped out; 0 if none. */
  private iova_magazine_pop(mag: IovaMagazine, limit_pfn: number): number {
    let i: number;
    for (i = mag.size - 1; mag.pfns[i]! > limit_pfn; i--) if (i === 0) return 0;
    const pfn = mag.pfns[i]!;
    mag.pfns[i] = mag.pfns[--mag.size]!;
    return pfn;
  }

  /** raw_cpu_ptr(rcache->cpu_rcaches) (5.6–6.18): the current CPU's magazines of a bin. */
  private raw_cpu_ptr(rcache: IovaRcache): IovaCpuRcache {
    const cpu = this.cpus.raw_smp_processor_id();
    const c = rcache.cpu_rcaches[cpu];
    if (!c) throw new Error(`iova: CPU ${cpu} is not a possible CPU (num_possible_cpus() ${rcache.cpu_rcaches.length})`);
    return c;
  }

  /** iova.c __iova_rcache_insert (5.6–6.18): into this CPU's (raw_cpu_ptr) loaded, else prev, else a new loaded (the full one to the shared depot; up to 6.6 back to the tree when the depot holds MAX_GLOBAL_MAGS). */
  private __iova_rcache_insert(rcache: IovaRcache, iova_pfn: number): boolean {
    const cpu_rcache = this.raw_cpu_ptr(rcache);
    let mag_to_free: IovaMagazine | null = null;
    if (cpu_rcache.loaded.size !== this.mag_size) {
      /* loaded has room */
    } else if (cpu_rcache.prev.size !== this.mag_size) {
      const t = cpu_rcache.prev; cpu_rcache.prev = cpu_rcache.loaded; cpu_rcache.loaded = t;
    } else {
      const new_mag = iova_magazine_alloc();
      if (this.depotList) {
        /* 6.7+: iova_depot_push, then schedule_delayed_work */
        rcache.depot.push(cpu_rcache.loaded);
        this.depot_work?.schedule(this.rcaches.indexOf(rcache));
      } else if (rcache.depot.length < MAX_GLOBAL_MAGS) rcache.depot.push(cpu_rcache.loaded);
      else mag_to_free = cpu_rcache.loaded;
      cpu_rcache.loaded = new_mag;
    }
    cpu_rcache.loaded.pfns[cpu_rcache.loaded.size++] = iova_pfn;
    if (mag_to_free) this.iova_magazine_free_pfns(mag_to_free);
    return true;
  }

  /** iova.c iova_rcache_insert (5.6–5.19): only ranges of fewer than 2^IOVA_RANGE_CACHE_MAX_SIZE pages are cached. */
  private iova_rcache_insert(pfn: number, size: number): boolean {
    const log_size = order_base_2(size);
    if (log_size >= IOVA_RANGE_CACHE_MAX_SIZE) return false;
    return this.__iova_rcache_insert(this.rcaches[log_size]!, pfn);
  }

  /** iova.c __iova_rcache_get (5.6–6.18): pop from this CPU's (raw_cpu_ptr) loaded, else its prev, else a depot magazine (which becomes this CPU's loaded). */
  private __iova_rcache_get(rcache: IovaRcache, limit_pfn: number): number {
    const cpu_rcache = this.raw_cpu_ptr(rcache);
    let has_pfn = false;
    if (cpu_rcache.loaded.size !== 0) has_pfn = true;
    else if (cpu_rcache.prev.size !== 0) {
      const t = cpu_rcache.prev; cpu_rcache.prev = cpu_rcache.loaded; cpu_rcache.loaded = t;
      has_pfn = true;
    } else if (rcache.depot.length > 0) {
      cpu_rcache.loaded = rcache.depot.pop()!;
      has_pfn = true;
    }
    return has_pfn ? this.iova_magazine_pop(cpu_rcache.loaded, limit_pfn) : 0;
  }

  /** iova.c iova_rcache_get (5.6–5.19). */
  private iova_rcache_get(size: number, limit_pfn: number): number {
    const log_size = order_base_2(size);
    if (log_size >= IOVA_RANGE_CACHE_MAX_SIZE) return 0;
    return this.__iova_rcache_get(this.rcaches[log_size]!, limit_pfn - size);
  }

  /** iova.c free_cpu_cached_iovas (5.6–6.18): one CPU's (per_cpu_ptr) loaded and prev magazines of every bin back to the tree. Also the CPU-hotplug callback (iova_cpuhp_dead), which no run reaches. */
  free_cpu_cached_iovas(cpu: number): void {
    for (const rcache of this.rcaches) {
      const cpu_rcache = rcache.cpu_rcaches[cpu]!;
      this.iova_magazine_free_pfns(cpu_rcache.loaded);
      this.iova_magazine_free_pfns(cpu_rcache.prev);
    }
  }

  /** iova.c free_global_cached_iovas (5.11+, 6fa3525b455a): every depot magazine back to the tree. */
  free_global_cached_iovas(): void {
    for (const rcache of this.rcaches) {
      /* 5.11–6.6: depot[0..depot_size) in order; 6.7+: iova_depot_pop from the head, newest first */
      if (this.depotList) for (let j = rcache.depot.length - 1; j >= 0; j--) this.iova_magazine_free_pfns(rcache.depot[j]!);
      else for (const mag of rcache.depot) this.iova_magazine_free_pfns(mag);
      rcache.depot.length = 0;
    }
  }

  /**
   * iova.c iova_depot_work_func (6.7+, 233045378dbb): while the bin's depot holds more than num_online_cpus()
   * magazines, the newest goes back to the rbtree. Returns whether the work reschedules itself.
   */
  iova_depot_work_func(bin: number, num_online_cpus: number): boolean {
    const rcache = this.rcaches[bin]!;
    if (rcache.depot.length <= num_online_cpus) return false;
    const mag = rcache.depot.pop()!;
    this.iova_magazine_free_pfns(mag);
    return true;
  }

  /** The pfns cached in a CPU's loaded and prev magazines of a bin, loaded first (for tests and traces). */
  cpu_cached(bin: number, cpu: number): number[] {
    const c = this.rcaches[bin]!.cpu_rcaches[cpu]!;
    return [...c.loaded.pfns.slice(0, c.loaded.size), ...c.prev.pfns.slice(0, c.prev.size)];
  }

  /** Magazines in a bin's depot (for tests and traces). */
  depot_size(bin: number): number {
    return this.rcaches[bin]!.depot.length;
  }

  /**
   * iova.c alloc_iova_fast (5.6–6.18): from the calling CPU's range cache, else alloc_iova
   * (size-aligned); on failure with flush_rcache, every online CPU's magazines (and from 5.11 the
   * depots) go back to the tree and it tries once more. Returns the pfn or 0.
   */
  alloc_iova_fast(size: number, limit_pfn: number, flush_rcache: boolean): number {
    if (this.roundup && size < 2 ** (IOVA_RANGE_CACHE_MAX_SIZE - 1)) size = roundup_pow_of_two(size);
    const iova_pfn = this.iova_rcache_get(size, limit_pfn + 1);
    if (iova_pfn) {
      this.last_fast = { from: "rcache", cpu: this.cpus.raw_smp_processor_id(), bin: order_base_2(size) };
      return iova_pfn;
    }
    this.last_fast = { from: "rbtree", cpu: this.cpus.raw_smp_processor_id(), bin: order_base_2(size) };
    for (;;) {
      const new_iova = this.alloc_iova(size, limit_pfn, true);
      if (new_iova) return new_iova.pfn_lo;
      if (!flush_rcache) return 0;
      flush_rcache = false;
      /* for_each_online_cpu(cpu) free_cpu_cached_iovas(cpu, iovad): every CPU's magazines, not only the caller's */
      for (let cpu = 0; cpu < this.cpus.num_online_cpus(); cpu++) this.free_cpu_cached_iovas(cpu);
      if (this.freeGlobal) this.free_global_cached_iovas();
    }
  }

  /** iova.c free_iova_fast (5.6–5.19): into the range cache, else back to the tree. */
  free_iova_fast(pfn: number, size: number): void {
    if (this.iova_rcache_insert(pfn, size)) return;
    this.free_iova(pfn);
  }

  /** The allocated ranges in address order (the anchor left out). */
  ranges(): [number, number][] {
    const out: [number, number][] = [];
    for (let n = rb_first(this.rbroot); n; n = rb_next(n)) if (n !== this.anchor) out.push([n.pfn_lo, n.pfn_hi]);
    return out;
  }
}

/**
 * The per-cpu page lists (struct per_cpu_pages, mm/page_alloc.c) in front of each zone's buddy lists,
 * and the zone watermarks their size follows from 5.14.
 *
 * Each zone has one per_cpu_pages per CPU; the model runs on CPU 0, so only CPU 0's lists of each zone
 * exist here (`Zone.pcp`). Until setup_per_cpu_pageset every zone uses boot_pageset (high 0, batch 1:
 * every free drains at once, every refill takes one block: the buddy allocator alone), modelled as
 * `pcp === null`. The lists are indexed like the kernel's (pindex): 5.6–5.13 by migratetype
 * (MIGRATE_PCPTYPES = 3 lists, order 0 only); from 5.14 (44042b449872) order_to_pindex = order *
 * MIGRATE_PCPTYPES + migratetype for orders 0..PAGE_ALLOC_COSTLY_ORDER, plus the THP list(s). Every
 * allocation the model makes is unmovable (GFP_KERNEL-class, no __GFP_MOVABLE / __GFP_RECLAIMABLE) and
 * every freed page sits in a pageblock its unmovable allocation claimed, so only the MIGRATE_UNMOVABLE
 * lists (migratetype 0) ever hold pages; the others exist for the walk order of free_pcppages_bulk.
 *
 * A list is an array whose last element is the list head (list_first_entry: allocation takes it,
 * free_unref_page_commit's list_add puts a page there) and whose first element is the tail
 * (rmqueue_bulk's list_add_tail, free_pcppages_bulk's list_last_entry).
 *
 * Eras: 5.6–5.13 pcp_v56 (order 0, high = 6 × batch, drain batch pages); 5.14–6.6 pcp_v514 (orders
 * ≤ 3, high from the zone's low watermark, free_factor; 5.18's single-pass drain and free_high as
 * switches); 6.7+ pcp_v67 (high_min / high_max auto-tuning, alloc_factor, free_count).
 * Not modelled: ZONE_RECLAIM_ACTIVE and ZONE_BELOW_HIGH (the model has no watermark checks on
 * allocation and no kswapd: zones count as above their high watermark), the vmstat worker's periodic
 * drain_zone_pages / decay_pcp_high (the model has no time), PCPF_FREE_HIGH_BATCH (set from the CPU's
 * cache size, taken as unknown: unset). khugepaged's set_recommended_min_free_kbytes (hugepage_init,
 * subsys_initcall, arm64 with THP) raises min_free_kbytes and so the watermarks and, from 5.14, pcp->high
 * (docs/verified-facts.md "khugepaged's min_free_kbytes raise").
 */
import type { BuddyAllocator, Zone } from "./page_alloc.js";
import type { Kernel } from "../kernel.js";
import { ilog2 } from "../core/u64.js";

/** include/linux/mmzone.h PAGE_ALLOC_COSTLY_ORDER */
export const PAGE_ALLOC_COSTLY_ORDER = 3;
/** include/linux/mmzone.h MIGRATE_PCPTYPES (UNMOVABLE, MOVABLE, RECLAIMABLE) */
export const MIGRATE_PCPTYPES = 3;
/** mm/Kconfig PCP_BATCH_SCALE_MAX default (52166607ecc9; 6.1.166 / 6.6.63 mm/Kconfig:643 / :720) */
export const CONFIG_PCP_BATCH_SCALE_MAX = 5;
/** mm/page_alloc.c MIN_PERCPU_PAGELIST_HIGH_FRACTION (6.12.19 :93) */
const MIN_PERCPU_PAGELIST_HIGH_FRACTION = 8;
/** mm/page_alloc.c PCPF_PREV_FREE_HIGH_ORDER (6.7+) */
const PCPF_PREV_FREE_HIGH_ORDER = 1;

/** Which code the pcp lists follow, from the version's switches (see pcpConfigOf in src/init.ts). */
export interface PcpConfig {
  /** 5.6–5.13, 5.14–6.6, 6.7+ */
  era: "v5.6" | "v5.14" | "v6.7";
  /** NR_PCP_LISTS: 3 before 5.14; MIGRATE_PCPTYPES × (PAGE_ALLOC_COSTLY_ORDER + 1) plus the THP list(s) */
  nr_pcp_lists: number;
  /** 8b10b465d0e1 + d61372bc41cf (5.18): free_pcppages_bulk empties one list before the next, starting at the freed page's list */
  single_pass: boolean;
  /** f26b3fa04611 (5.18): free_high, a high-order free after frees without allocation drains everything */
  free_high: boolean;
  /** 52166607ecc9 (6.10; 6.1.166 and 6.6.63 stable): free_factor stops at CONFIG_PCP_BATCH_SCALE_MAX */
  scale_max: boolean;
  /** c544a952ba61 (6.16): free_high needs free_count ≥ batch + high_min / 2 */
  free_high_half_min: boolean;
  /** online CPUs (nr_cpus), all on node 0 */
  nr_cpus: number;
  /** 5.14+ with CONFIG_TRANSPARENT_HUGEPAGE: pageblock_order (9), which pcp_allowed_order also takes (its own list); else -1 */
  thp_order: number;
}

/** struct per_cpu_pages, CPU 0's, of one zone */
export interface PerCpuPages {
  count: number;
  high: number;
  batch: number;
  /** 6.7+ */
  high_min: number;
  high_max: number;
  /** 5.14–6.6 */
  free_factor: number;
  /** 6.7+ */
  free_count: number;
  alloc_factor: number;
  flags: number;
  /** per pindex: pfns of the blocks, last element = list head */
  lists: number[][];
}

/** mm/page_alloc.c pcp_allowed_order (5.14–6.18: order ≤ PAGE_ALLOC_COSTLY_ORDER, or pageblock_order with THP; 5.6–5.13: order 0 only, the `order == 0` test in rmqueue / free_the_page) */
export function pcp_allowed_order(cfg: PcpConfig, order: number): boolean {
  return cfg.era === "v5.6" ? order === 0 : order <= PAGE_ALLOC_COSTLY_ORDER || order === cfg.thp_order;
}

/** mm/page_alloc.c order_to_pindex for MIGRATE_UNMOVABLE (5.14–6.18: order × MIGRATE_PCPTYPES, the THP order after the low orders; 5.6–5.13 the list is lists[migratetype]) */
function order_to_pindex(order: number): number {
  return order > PAGE_ALLOC_COSTLY_ORDER ? MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1) : order * MIGRATE_PCPTYPES;
}

/** mm/page_alloc.c pindex_to_order (5.14–6.18: above PAGE_ALLOC_COSTLY_ORDER it is pageblock_order) */
function pindex_to_order(cfg: PcpConfig, pindex: number): number {
  if (cfg.era === "v5.6") return 0;
  const order = Math.floor(pindex / MIGRATE_PCPTYPES);
  return order > PAGE_ALLOC_COSTLY_ORDER ? cfg.thp_order : order;
}

/** include/linux/log2.h rounddown_pow_of_two: 1UL << ilog2(n) */
function rounddown_pow_of_two(n: number): number {
  return 2 ** ilog2(n);
}

/**
 * mm/page_alloc.c zone_batchsize (5.6–6.18, CONFIG_MMU): min(managed / 1024, 1 MiB of pages) / 4, at
 * least 1, then rounddown_pow_of_two(batch + batch / 2) - 1 (5.6.4 :6035–6062, 5.14 :6758–6783, 6.12.19 :5526–5551).
 */
export function zone_batchsize(z: Zone): number {
  let batch = Math.min(Math.floor(z.managed_pages / 1024), (1024 * 1024) / 4096);
  batch = Math.floor(batch / 4);
  if (batch < 1) batch = 1;
  return rounddown_pow_of_two(batch + Math.floor(batch / 2)) - 1;
}

/**
 * mm/page_alloc.c zone_highsize (5.14–6.18): the zone's low watermark (or managed / high_fraction)
 * split over the CPUs of the node plus cpu_online, at least batch × 4 (5.14 :6806–6848, 6.12.19 :5575–5617).
 */
function zone_highsize(cfg: PcpConfig, z: Zone, batch: number, cpu_online: number, high_fraction: number, online_cpus: number): number {
  const total_pages = high_fraction === 0 ? z.watermark[1]! : Math.floor(z.managed_pages / high_fraction);
  let nr_split_cpus = online_cpus + cpu_online;
  if (!nr_split_cpus) nr_split_cpus = cfg.nr_cpus;
  const high = Math.floor(total_pages / nr_split_cpus);
  return Math.max(high, batch << 2);
}

/**
 * mm/page_alloc.c zone_set_pageset_high_and_batch → __zone_set_pageset_high_and_batch → pageset_update:
 * 5.6–5.13 high = 6 × zone_batchsize, batch = max(1, zone_batchsize) (5.6.4 pageset_set_batch :6114; 5.12.9 :6484); 5.14–6.6 high = zone_highsize
 * (b92ca18e8ca5); 6.7+ high_min = zone_highsize(low watermark), high_max = zone_highsize(managed /
 * MIN_PERCPU_PAGELIST_HIGH_FRACTION) (90b41691b988, 51a755c56dc0; 6.12.19 :5691–5720), pcp->high kept.
 * `online_cpus`: the CPUs of the node online at the time (1 at setup_per_cpu_pageset, nr_cpus later).
 */
export function zone_set_pageset_high_and_batch(cfg: PcpConfig, z: Zone, online_cpus: number): void {
  const pcp = z.pcp;
  if (!pcp) return;
  const zb = zone_batchsize(z);
  const batch = Math.max(1, zb);
  if (cfg.era === "v5.6") {
    // 6 × zone_batchsize before the max(1, …): a zone below 16 MiB (batch 0) gets high 0, every free drains
    pcp.high = 6 * zb;
    pcp.batch = batch;
  } else if (cfg.era === "v5.14") {
    pcp.high = zone_highsize(cfg, z, batch, 0, 0, online_cpus);
    pcp.batch = batch;
  } else {
    pcp.high_min = zone_highsize(cfg, z, batch, 0, 0, online_cpus);
    pcp.high_max = zone_highsize(cfg, z, batch, 0, MIN_PERCPU_PAGELIST_HIGH_FRACTION, online_cpus);
    pcp.batch = batch;
  }
}

/**
 * mm/page_alloc.c setup_per_cpu_pageset → setup_zone_pageset → zone_pageset_init / per_cpu_pages_init
 * (5.6–6.18): each populated zone gets its own lists (empty), then its high and batch. start_kernel calls
 * it after mm_init (kmem_cache_init), so only the boot CPU is online.
 */
export function setup_per_cpu_pageset(cfg: PcpConfig, zones: Zone[]): void {
  for (const z of zones) {
    // (a plain loop, not Array.from with a callback: this runs at every boot, 3,870 in a matrix)
    const lists: number[][] = new Array<number[]>(cfg.nr_pcp_lists);
    for (let i = 0; i < lists.length; i++) lists[i] = [];
    z.pcp = { count: 0, high: 0, batch: 1, high_min: 0, high_max: 0, free_factor: 0, free_count: 0, alloc_factor: 0, flags: 0, lists };
    zone_set_pageset_high_and_batch(cfg, z, 1);
  }
}

/** lib/math/int_sqrt.c int_sqrt: floor(sqrt(x)) */
function int_sqrt(x: number): number {
  let r = Math.floor(Math.sqrt(x));
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

/**
 * mm/page_alloc.c nr_free_buffer_pages → nr_free_zone_pages(gfp_zone(GFP_USER)) (5.6–6.18; 5.6.4 :5021–5052,
 * 6.18.35 :5496–5527): over the zones up to ZONE_NORMAL, the managed pages above the high watermark.
 */
export function nr_free_buffer_pages(zones: Zone[]): number {
  let sum = 0;
  for (const z of zones) {
    if (z.name === "HighMem") continue;
    const size = z.managed_pages;
    const high = z.watermark[2]!;
    if (size > high) sum += size - high;
  }
  return sum;
}

/**
 * mm/page_alloc.c calculate_min_free_kbytes (5.19+ its own function; 5.6–5.15 inline in
 * init_per_zone_wmark_min): int_sqrt(nr_free_buffer_pages in KiB × 16) clamped to [128, max] (65536 in
 * 5.6.4 :7870–7871, 262144 from ee8eb9a5fe86).
 */
export function calculate_min_free_kbytes(zones: Zone[], min_free_kbytes_max: number): number {
  const lowmem_kbytes = nr_free_buffer_pages(zones) * 4;
  return Math.min(Math.max(int_sqrt(lowmem_kbytes * 16), 128), min_free_kbytes_max);
}

/**
 * mm/page_alloc.c setup_per_zone_wmarks → __setup_per_zone_wmarks, then (5.14+, b92ca18e8ca5)
 * zone_pcp_update(zone, 0) for each zone (5.14 :8413–8428, 6.18.35 :6471–6486). Each zone: min = pages_min ×
 * managed / lowmem_pages (HighMem: clamp(managed / 1024, 32, 128)); low = min + max(tmp / 4, managed ×
 * watermark_scale_factor (10) / 10000); high = min + 2 × that (5.6.4 :7756–7810; 6.18.35 the same, high =
 * low + tmp). 5.6–5.13 leave pcp->high alone (6 × batch).
 */
export function setup_per_zone_wmarks(cfg: PcpConfig | null, zones: Zone[], min_free_kbytes: number): void {
  let lowmem_pages = 0;
  for (const z of zones) if (z.name !== "HighMem") lowmem_pages += z.managed_pages;
  const pages_min = min_free_kbytes >> 2;
  for (const z of zones) {
    const tmp = lowmem_pages ? Math.floor((pages_min * z.managed_pages) / lowmem_pages) : 0;
    const min = z.name === "HighMem" ? Math.min(Math.max(Math.floor(z.managed_pages / 1024), 32), 128) : tmp;
    const delta = Math.max(tmp >> 2, Math.floor((z.managed_pages * 10) / 10000));
    z.watermark = [min, min + delta, min + 2 * delta];
  }
  if (cfg && cfg.era !== "v5.6") for (const z of zones) zone_set_pageset_high_and_batch(cfg, z, cfg.nr_cpus);
}

/**
 * mm/page_alloc.c init_per_zone_wmark_min (core_initcall in 5.6.4 :7887, postcore_initcall from 5.10.7
 * :7963 to 6.18.35 :6544): calculate_min_free_kbytes (the watermarks are still 0, so nr_free_buffer_pages is
 * the managed pages below HighMem), then setup_per_zone_wmarks. Returns min_free_kbytes. (Its 5.10+ call to
 * khugepaged_min_free_kbytes_update does nothing here: khugepaged is not started until subsys_initcall.)
 */
export function init_per_zone_wmark_min(cfg: PcpConfig | null, zones: Zone[], min_free_kbytes_max: number): number {
  const min_free_kbytes = calculate_min_free_kbytes(zones, min_free_kbytes_max);
  setup_per_zone_wmarks(cfg, zones, min_free_kbytes);
  return min_free_kbytes;
}

/**
 * mm/khugepaged.c set_recommended_min_free_kbytes (5.6–6.18; 5.6.4 :2141–2183, 5.14 :2288–2330, 6.18.35
 * :2622–2667), the THP-enabled path: nr_zones = the populated zones with zone_idx ≤ gfp_zone(GFP_USER)
 * (ZONE_NORMAL); recommended_min = pageblock_nr_pages × nr_zones × (2 + MIGRATE_PCPTYPES²), at most
 * nr_free_buffer_pages() / 20 (with the watermarks of init_per_zone_wmark_min subtracted), in KiB; it replaces
 * min_free_kbytes only when larger (the "raising min_free_kbytes" pr_info prints only with
 * user_min_free_kbytes >= 0: never without a sysctl write), then setup_per_zone_wmarks runs whatever the
 * outcome. Returns the new min_free_kbytes. (5.19+'s THP-disabled branch, calculate_min_free_kbytes, is not
 * reached at boot: hugepage_init does not call start_stop_khugepaged then.)
 */
export function set_recommended_min_free_kbytes(cfg: PcpConfig | null, zones: Zone[], min_free_kbytes: number, pageblock_order: number): number {
  let nr_zones = 0;
  for (const z of zones) if (z.name !== "HighMem" && z.managed_pages > 0) nr_zones++;
  const pageblock_nr_pages = 1 << pageblock_order;
  let recommended_min = pageblock_nr_pages * nr_zones * 2;
  recommended_min += pageblock_nr_pages * nr_zones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
  recommended_min = Math.min(recommended_min, Math.floor(nr_free_buffer_pages(zones) / 20));
  recommended_min *= 4; // <<= PAGE_SHIFT - 10
  if (recommended_min > min_free_kbytes) min_free_kbytes = recommended_min;
  setup_per_zone_wmarks(cfg, zones, min_free_kbytes);
  return min_free_kbytes;
}

/**
 * mm/huge_memory.c hugepage_init (subsys_initcall, 5.6–6.18; 5.6.4 :390–451, 5.19 :394–459, 6.18.35
 * :906–957) → start_stop_khugepaged: with CONFIG_TRANSPARENT_HUGEPAGE and its Kconfig default
 * TRANSPARENT_HUGEPAGE_ALWAYS, khugepaged_enabled() (5.6–5.19) / hugepage_flags_enabled() (6.1, 6.6) /
 * hugepage_pmd_enabled() (6.12, 6.18: PMD_ORDER inherits "always") is true, so it calls
 * set_recommended_min_free_kbytes — unless totalram_pages() < 512 MiB, where THP is switched off and
 * start_stop_khugepaged is not called. `thp`: the kernel has CONFIG_TRANSPARENT_HUGEPAGE and
 * has_transparent_hugepage() (arm64 defconfig). Returns min_free_kbytes.
 */
export function hugepage_init(thp: boolean, cfg: PcpConfig | null, zones: Zone[], min_free_kbytes: number, pageblock_order: number): number {
  if (!thp) return min_free_kbytes;
  let totalram_pages = 0;
  for (const z of zones) totalram_pages += z.managed_pages;
  if (totalram_pages < 512 * 256) return min_free_kbytes;
  return set_recommended_min_free_kbytes(cfg, zones, min_free_kbytes, pageblock_order);
}

/**
 * mm/page_alloc.c rmqueue_bulk (5.6–6.18): `count` blocks of `order` from the zone's buddy lists
 * (__rmqueue), each put at the tail of the list, so the list reads in the order they came (ascending
 * pfn from a split block). Only called on an empty list. Returns how many it got. The `count` __rmqueue
 * calls are made as one BuddyAllocator.__rmqueue_bulk (the same blocks in the same order, the same
 * buddy lists after).
 */
function rmqueue_bulk(buddy: BuddyAllocator, z: Zone, order: number, count: number, list: number[]): number {
  const i = buddy.__rmqueue_bulk(z, order, count, list);
  // list_add_tail each: the first taken is the head (the array's end)
  list.reverse();
  return i;
}

/**
 * mm/page_alloc.c nr_pcp_alloc (6.7+, c0a242394cb9; 6.12.19 :2938–2985): the refill size, batch <<
 * alloc_factor for order 0 (doubling on consecutive refills up to CONFIG_PCP_BATCH_SCALE_MAX), raising
 * pcp->high by it towards high_max; then max(batch >> order, 2).
 */
function nr_pcp_alloc(pcp: PerCpuPages, order: number): number {
  const base_batch = pcp.batch;
  const high_min = pcp.high_min;
  const high_max = pcp.high_max;
  let high = (pcp.high = Math.min(Math.max(pcp.high, high_min), high_max));
  if (high < base_batch) return 1;
  let batch = order ? base_batch : base_batch << pcp.alloc_factor;
  // ZONE_BELOW_HIGH is never set in the model
  if (high_min !== high_max) high = pcp.high = Math.min(high + batch, high_max);
  if (!order) {
    const max_nr_alloc = Math.max(high - pcp.count - base_batch, base_batch);
    if (batch <= max_nr_alloc && pcp.alloc_factor < CONFIG_PCP_BATCH_SCALE_MAX) pcp.alloc_factor++;
    batch = Math.min(batch, max_nr_alloc);
  }
  if (batch > 1) batch = Math.max(batch >> order, 2);
  return batch;
}

/**
 * mm/page_alloc.c rmqueue_pcplist → __rmqueue_pcplist (5.6–6.18): take the head of the zone's list for
 * the order, refilling an empty list first with rmqueue_bulk of pcp->batch blocks (5.14+: max(batch >>
 * order, 2) when batch > 1; 6.7+: nr_pcp_alloc). On allocation 5.14–6.6 halve free_factor, 6.7+
 * free_count. Returns the pfn, or -1 when the zone has no block of the order.
 */
export function rmqueue_pcplist(cfg: PcpConfig, buddy: BuddyAllocator, z: Zone, order: number): number {
  const pcp = z.pcp!;
  if (cfg.era === "v5.14") pcp.free_factor >>= 1;
  else if (cfg.era === "v6.7") pcp.free_count >>= 1;
  const list = pcp.lists[order_to_pindex(order)]!;
  if (list.length === 0) {
    let batch: number;
    if (cfg.era === "v5.6") batch = pcp.batch;
    else if (cfg.era === "v5.14") batch = pcp.batch > 1 ? Math.max(pcp.batch >> order, 2) : pcp.batch;
    else batch = nr_pcp_alloc(pcp, order);
    pcp.count += rmqueue_bulk(buddy, z, order, batch, list) << order;
    if (list.length === 0) return -1;
  }
  pcp.count -= 1 << order;
  return list.pop()!;
}

/**
 * mm/page_alloc.c free_pcppages_bulk: give `count` pages back to the buddy lists (__free_one_page),
 * each from the tail of its list (list_last_entry: the oldest page), count = min(count, pcp->count).
 * 5.6–5.17 (5.6.4 :1249–1322, 5.14 :1448–1544): round-robin from the list after the last one drained
 * (starting past list 0), batch_free counting the lists visited (all of them: free everything from the
 * one non-empty list); 5.18+ (8b10b465d0e1, d61372bc41cf; 5.19 :1457–1526, 6.12.19 :1175–1221): start
 * at `pindex` (the list just freed to) and empty each list before moving on.
 */
function free_pcppages_bulk(cfg: PcpConfig, buddy: BuddyAllocator, z: Zone, count: number, pindex: number): void {
  const pcp = z.pcp!;
  const lists = pcp.lists;
  const nr = cfg.nr_pcp_lists;
  count = Math.min(pcp.count, count);
  if (!cfg.single_pass) {
    let pi = 0;
    let batch_free = 0;
    while (count > 0) {
      let list: number[];
      do {
        batch_free++;
        if (++pi === nr) pi = 0;
        list = lists[pi]!;
      } while (list.length === 0);
      if (batch_free === nr) batch_free = count;
      const order = pindex_to_order(cfg, pi);
      do {
        const pfn = list.shift()!;
        count -= 1 << order;
        pcp.count -= 1 << order;
        buddy.__free_one_page(pfn, order, z);
      } while (count > 0 && --batch_free && list.length !== 0);
    }
    return;
  }
  let pi = pindex - 1;
  while (count > 0) {
    let list: number[];
    do {
      if (++pi > nr - 1) pi = 0;
      list = lists[pi]!;
    } while (list.length === 0);
    const order = pindex_to_order(cfg, pi);
    do {
      const pfn = list.shift()!;
      count -= 1 << order;
      pcp.count -= 1 << order;
      buddy.__free_one_page(pfn, order, z);
    } while (count > 0 && list.length !== 0);
  }
}

/**
 * mm/page_alloc.c nr_pcp_free (5.14–6.6; 3b12e7e97938): 1 for a boot pageset; else batch << free_factor
 * clamped to [batch, high - batch], free_factor growing while below (up to CONFIG_PCP_BATCH_SCALE_MAX with
 * 52166607ecc9); everything with free_high (f26b3fa04611). 6.7+ (6ccdcb6d3a74, 362d37a106dd): free_high →
 * min(count, batch << CONFIG_PCP_BATCH_SCALE_MAX); else free_count clamped to [batch, high - batch].
 */
function nr_pcp_free(cfg: PcpConfig, pcp: PerCpuPages, high: number, batch: number, free_high: boolean): number {
  if (cfg.era === "v6.7") {
    if (free_high) return Math.min(pcp.count, batch << CONFIG_PCP_BATCH_SCALE_MAX);
    if (high < batch) return 1;
    return Math.min(Math.max(pcp.free_count, batch), high - batch);
  }
  if (free_high) return pcp.count;
  if (high < batch) return 1;
  const min_nr_free = batch;
  const max_nr_free = high - batch;
  let b = batch * 2 ** pcp.free_factor;
  if (b < max_nr_free && (!cfg.scale_max || pcp.free_factor < CONFIG_PCP_BATCH_SCALE_MAX)) pcp.free_factor++;
  b = Math.min(Math.max(b, min_nr_free), max_nr_free);
  return b;
}

/**
 * mm/page_alloc.c nr_pcp_high (6.7+, 51a755c56dc0; 6.12.19 :2547–2593): pcp->high clamped to
 * [high_min, high_max]; free_high lowers it by batch << CONFIG_PCP_BATCH_SCALE_MAX and drains
 * (returns 0); a list at or above it raises it to hold free_count + batch. Returns the high before
 * that raise. (5.14–6.6: pcp->high, 0 for free_high.)
 */
function nr_pcp_high_v67(pcp: PerCpuPages, batch: number, free_high: boolean): number {
  const high_min = pcp.high_min;
  const high_max = pcp.high_max;
  const high = (pcp.high = Math.min(Math.max(pcp.high, high_min), high_max));
  if (!high) return 0;
  if (free_high) {
    pcp.high = Math.max(high - (batch << CONFIG_PCP_BATCH_SCALE_MAX), high_min);
    return 0;
  }
  if (high_min === high_max) return high;
  if (pcp.count >= high) {
    const need_high = pcp.free_count + batch;
    if (pcp.high < need_high) pcp.high = Math.min(Math.max(need_high, high_min), high_max);
  }
  return high;
}

/**
 * mm/page_alloc.c free_unref_page → free_unref_page_commit (5.6–6.17; free_frozen_page_commit in
 * 6.18): the block goes to the head of its list (list_add), pcp->count grows by its pages, and a list
 * at or above high drains: 5.6–5.13 pcp->batch pages (5.6.4 :3019–3050, 5.12.9 :3217–3245); 5.14–6.6
 * nr_pcp_free pages (5.14 :3381–3400, 6.6.63 :2377–2410); 6.7+ after the free_high / free_count /
 * alloc_factor bookkeeping (6.12.19 :2595–2645, 6.18.35 :2860–2925).
 */
export function free_unref_page_commit(cfg: PcpConfig, buddy: BuddyAllocator, z: Zone, pfn: number, order: number): void {
  const pcp = z.pcp!;
  const pindex = order_to_pindex(order);
  if (cfg.era === "v6.7") pcp.alloc_factor >>= 1;
  pcp.lists[pindex]!.push(pfn);
  pcp.count += 1 << order;
  if (cfg.era === "v5.6") {
    if (pcp.count >= pcp.high) free_pcppages_bulk(cfg, buddy, z, pcp.batch, pindex);
    return;
  }
  if (cfg.era === "v5.14") {
    const free_high = cfg.free_high && pcp.free_factor !== 0 && order !== 0 && order <= PAGE_ALLOC_COSTLY_ORDER;
    const high = pcp.high === 0 || free_high ? 0 : pcp.high;
    if (pcp.count >= high) free_pcppages_bulk(cfg, buddy, z, nr_pcp_free(cfg, pcp, high, pcp.batch, free_high), pindex);
    return;
  }
  const batch = pcp.batch;
  let free_high = false;
  if (order && order <= PAGE_ALLOC_COSTLY_ORDER) {
    // PCPF_FREE_HIGH_BATCH is never set here (no CPU cache size)
    free_high = pcp.free_count >= (cfg.free_high_half_min ? batch + (pcp.high_min >> 1) : batch) && (pcp.flags & PCPF_PREV_FREE_HIGH_ORDER) !== 0;
    pcp.flags |= PCPF_PREV_FREE_HIGH_ORDER;
  } else if (pcp.flags & PCPF_PREV_FREE_HIGH_ORDER) pcp.flags &= ~PCPF_PREV_FREE_HIGH_ORDER;
  if (pcp.free_count < batch << CONFIG_PCP_BATCH_SCALE_MAX) pcp.free_count += 1 << order;
  const high = nr_pcp_high_v67(pcp, batch, free_high);
  if (pcp.count >= high) free_pcppages_bulk(cfg, buddy, z, nr_pcp_free(cfg, pcp, high, batch, free_high), pindex);
}

/**
 * The version's pcp code: era by 44042b449872 (5.14) and 51a755c56dc0 (6.7), the smaller switches,
 * NR_PCP_LISTS (5.14–5.17 walk all of them; THP adds MIGRATE_PCPTYPES lists, include/linux/mmzone.h
 * 5.14 :341–345, 5.19 :362–366; 6.12.19 :661–666 two, which single-pass drains never count), the THP
 * order (the arm64 defconfig sets CONFIG_TRANSPARENT_HUGEPAGE, 5.14 / 5.15.178
 * arch/arm64/configs/defconfig:138; the x86_64 defconfig does not; 32-bit ARM without LPAE cannot: with
 * 4 KiB pages pageblock_order = HPAGE_PMD_ORDER = 9), and the online CPUs (config nr_cpus).
 */
export function pcpConfigOf(k: Kernel): PcpConfig {
  const era = k.sw["51a755c56dc0"] ? "v6.7" : k.sw["44042b449872"] ? "v5.14" : "v5.6";
  const thp = k.arch.name === "arm64";
  return {
    era,
    nr_pcp_lists: era === "v5.6" ? MIGRATE_PCPTYPES : MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1 + (thp ? 1 : 0)),
    single_pass: k.sw["8b10b465d0e1"] === true,
    free_high: k.sw["f26b3fa04611"] === true,
    scale_max: k.sw["52166607ecc9"] === true,
    free_high_half_min: k.sw["c544a952ba61"] === true,
    nr_cpus: Math.max(1, k.cfg.nr_cpus ?? 1),
    thp_order: era !== "v5.6" && thp ? 9 : -1,
  };
}

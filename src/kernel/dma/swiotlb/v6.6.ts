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
 * The raw memcpy, constants, boundary arithmetic and slot-array layout are common.ts's; the pool
 * is an IoTlbMem (so k.io_tlb_default_mem keeps naming the boot pool) with the areas added.
 */
import type { Kernel } from "../../../kernel.js";
import type { Device } from "../../../drivers/device.js";
import { dev_id } from "../../../drivers/device.js";
import { DMA_BIT_MASK, DMA_MAPPING_ERROR, PAGE_SHIFT, PAGE_SIZE, get_order, hex, min_not_zero } from "../../../core/u64.js";
import { sym } from "../../../core/trace.js";
import {
  DIR_NAMES, DMA_ATTR_NO_WARN, DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, GFP_KERNEL, GFP_NOWAIT, __GFP_DMA,
  __GFP_DMA32, __GFP_NOWARN, attrsName,
} from "../../../include/gfp.js";
import { __free_pages, alloc_pages } from "../../../mm/mm.js";
import {
  INVALID_PHYS_ADDR, IO_TLB_DEFAULT_SIZE, IO_TLB_MIN_SLABS, IO_TLB_SEGSIZE, IO_TLB_SHIFT, IO_TLB_SIZE, IoTlbMem, boundaryFor, bounce_copy,
  default_tbl_dma_addr, fmtPa, fmtUlong, io_tlb_offset, iommu_is_span_boundary, longBits, nr_slots, outOfPool, slotsOfMapping, slot_addr,
  swiotlb_full_ratelimit, unsignedOf,
} from "./common.js";
import type { SwiotlbEra } from "./index.js";

const FILE = "kernel/dma/swiotlb.c";
const S_init = sym("swiotlb_init_remap", FILE);
const S_find = sym("swiotlb_find_slots", FILE);
const S_area = sym("swiotlb_area_find_slots", FILE);
const S_map = sym("swiotlb_tbl_map_single", FILE);
const S_release = sym("swiotlb_release_slots", FILE);
const S_unmap = sym("swiotlb_tbl_unmap_single", FILE);
const S_bounce = sym("swiotlb_bounce", FILE);
const S_sync_dev = sym("swiotlb_sync_single_for_device", FILE);
const S_sync_cpu = sym("swiotlb_sync_single_for_cpu", FILE);
const S_dyn = sym("swiotlb_dyn_alloc", FILE);
const S_alloc_pool = sym("swiotlb_alloc_pool", FILE);

/** kernel/dma/swiotlb.c SLABS_PER_PAGE (6.6–6.18) */
export const SLABS_PER_PAGE = 1 << (PAGE_SHIFT - IO_TLB_SHIFT);
/** include/linux/mmzone.h MAX_ORDER (6.6, inclusive since 6.4) / MAX_PAGE_ORDER (6.8+): 10 on the modelled configs */
export const MAX_PAGE_ORDER = 10;

/** struct io_tlb_area (6.0+): one lock's worth of slots */
export class IoTlbArea {
  used = 0;
  index = 0;
}

/**
 * struct io_tlb_pool (6.6+): the slot arrays (IoTlbMem's, plus pad_slots), its areas, and with
 * CONFIG_SWIOTLB_DYNAMIC `transient`. `used` mirrors the sum of the areas' counts and `index`
 * area 0's next index (what the 5.x eras' IoTlbMem fields mean; dmasim's own statistics read them).
 * A transient pool's nslabs need not be a multiple of IO_TLB_SEGSIZE (swiotlb_init_io_tlb_pool
 * caps each free run at the pool's end), which the 5.x constructor refuses: the fields are set here.
 */
export class IoTlbPool extends IoTlbMem {
  nareas = 1;
  area_nslabs = 0;
  areas: IoTlbArea[] = [];
  /** io_tlb_slot.pad_slots (6.6.y backport / 6.9 af133562d5af) */
  pad_slots: Uint16Array = new Uint16Array(0);
  transient = false;
  /** the page block the pool's buffer came from (dynamic pools): order, for swiotlb_free_tlb */
  tlb_order = -1;
  /** the page block of the slots array (dynamic pools) */
  slots_page = 0;
  slots_order = -1;
  /** the struct io_tlb_mem this pool belongs to (the model keeps the allocator reachable from k.io_tlb_default_mem and dev->dma_io_tlb_mem, so a cloned Kernel carries it) */
  mem: IoTlbMem66 | null = null;

  constructor(start: number, nslabs: number, late_alloc: boolean) {
    super(start, 0, late_alloc);
    const w = this as unknown as { nslabs: number; end: number; list: Int32Array; orig_addr: Float64Array; alloc_size: Int32Array };
    w.nslabs = nslabs;
    w.end = start + nslabs * IO_TLB_SIZE;
    w.list = new Int32Array(nslabs);
    w.orig_addr = new Float64Array(nslabs).fill(INVALID_PHYS_ADDR);
    w.alloc_size = new Int32Array(nslabs);
    this.pad_slots = new Uint16Array(nslabs);
  }
}

/** struct io_tlb_mem (6.6+), with the file's statics default_nslabs / default_nareas kept beside it. */
export class IoTlbMem66 {
  defpool: IoTlbPool | null = null;
  /** total slots of all pools in `pools` (transient pools are not counted) */
  nslabs = 0;
  force_bounce = false;
  for_alloc = false;
  /** CONFIG_SWIOTLB_DYNAMIC */
  dynamic = false;
  can_grow = false;
  phys_limit = 0n;
  /** mem->pools: the RCU list, head first (list_add_rcu inserts at the head) */
  pools: IoTlbPool[] = [];
  /** mem->dyn_alloc queued by schedule_work and not run yet */
  dyn_alloc_pending = false;
  /** CONFIG_DEBUG_FS counters: total_used, used_hiwater, transient_nslabs (6.12+ debugfs file) */
  debug_fs = true;
  total_used = 0;
  used_hiwater = 0;
  transient_nslabs = 0;
  /** kernel/dma/swiotlb.c statics */
  default_nslabs = IO_TLB_DEFAULT_SIZE >> IO_TLB_SHIFT;
  default_nareas = 0;
  /** setup_io_tlb_npages has run */
  parsed = false;
  /** pools freed by call_rcu(swiotlb_dyn_free) so far (dmasim's count) */
  freed_pools = 0;
  /** "Failed to allocate new pool" messages so far (the call site's ratelimit) */
  failed_pool_msgs = 0;
  /** per device (by name): dev->dma_io_tlb_pools and dev->dma_uses_io_tlb */
  devs = new Map<string, DevTlb>();
}

/** What struct device carries for this era (CONFIG_SWIOTLB_DYNAMIC): dma_io_tlb_pools and dma_uses_io_tlb. */
interface DevTlb {
  pools: IoTlbPool[];
  uses: boolean;
}

/** The static struct before swiotlb_init_remap has put a pool in it (nslabs 0): per Kernel, holds no run state. */
const unsetMem = new WeakMap<object, IoTlbMem66>();

/** The static struct io_tlb_mem io_tlb_default_mem of this Kernel (CONFIG_SWIOTLB_DYNAMIC from the run's config). */
export function io_tlb_default_mem(k: Kernel): IoTlbMem66 {
  const p = k.io_tlb_default_mem;
  if (p instanceof IoTlbPool && p.mem) return p.mem;
  let m = unsetMem.get(k);
  if (!m) {
    unsetMem.set(k, (m = new IoTlbMem66()));
    m.dynamic = !!(k.cfg as { CONFIG_SWIOTLB_DYNAMIC?: boolean } | undefined)?.CONFIG_SWIOTLB_DYNAMIC;
  }
  return m;
}

function memOf(pool: IoTlbMem | null | undefined): IoTlbMem66 | null {
  return pool instanceof IoTlbPool ? pool.mem : null;
}

/** dev->dma_io_tlb_mem (6.6+): a restricted pool's own io_tlb_mem, else &io_tlb_default_mem */
export function dev_io_tlb_mem(k: Kernel, dev?: Device): IoTlbMem66 {
  return memOf(dev?.dma_io_tlb_mem) ?? io_tlb_default_mem(k);
}

/** Wrap a pool as its own io_tlb_mem (rmem_swiotlb_device_init, 6.6+: one area, for_alloc, force_bounce) and point the device at it. */
export function rmem_swiotlb_mem(k: Kernel, dev: Device, pool: IoTlbPool): IoTlbMem66 {
  const mem = new IoTlbMem66();
  mem.defpool = pool;
  mem.force_bounce = true;
  mem.for_alloc = true;
  mem.dynamic = io_tlb_default_mem(k).dynamic;
  add_mem_pool(mem, pool);
  pool.mem = mem;
  dev.dma_io_tlb_mem = pool;
  return mem;
}

function devTlb(mem: IoTlbMem66, dev: Device): DevTlb {
  let d = mem.devs.get(dev.name);
  if (!d) mem.devs.set(dev.name, (d = { pools: [], uses: false }));
  return d;
}

/** dev->dma_io_tlb_pools (6.6+, CONFIG_SWIOTLB_DYNAMIC): the device's live transient pools, head first */
export function dev_transient_pools(k: Kernel, dev: Device): readonly IoTlbPool[] {
  return dev_io_tlb_mem(k, dev).devs.get(dev.name)?.pools ?? [];
}

/** num_possible_cpus(): the platform's CPU count when it states one (dmasim's platforms default to 1). */
export function num_possible_cpus(k: Kernel): number {
  return (k.platform as { cpus?: number } | undefined)?.cpus ?? 1;
}

/** raw_smp_processor_id(): the scenario's driver code runs on CPU 0. */
function raw_smp_processor_id(): number {
  return 0;
}

const roundup_pow_of_two = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));
const is_power_of_2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

// ---------------------------------------------------------------------------------------------
// boot: areas, pool init, print

/** kernel/dma/swiotlb.c round_up_default_nslabs (6.6–6.18) */
function round_up_default_nslabs(mem: IoTlbMem66): boolean {
  if (!mem.default_nareas) return false;
  if (mem.default_nslabs < IO_TLB_SEGSIZE * mem.default_nareas) mem.default_nslabs = IO_TLB_SEGSIZE * mem.default_nareas;
  else if (is_power_of_2(mem.default_nslabs)) return false;
  mem.default_nslabs = roundup_pow_of_two(mem.default_nslabs);
  return true;
}

/** kernel/dma/swiotlb.c swiotlb_adjust_nareas (6.6–6.18): "area num %d.", and the round-up message */
export function swiotlb_adjust_nareas(k: Kernel, mem: IoTlbMem66, nareas: number): void {
  if (!nareas) nareas = 1;
  else if (!is_power_of_2(nareas)) nareas = roundup_pow_of_two(nareas);
  mem.default_nareas = nareas;
  k.printk("info", `software IO TLB: area num ${nareas}.`);
  if (round_up_default_nslabs(mem)) k.printk("info", `software IO TLB: SWIOTLB bounce buffer size roundup to ${Math.floor((mem.default_nslabs * IO_TLB_SIZE) / 2 ** 20)}MB`);
}

/** kernel/dma/swiotlb.c limit_nareas (6.6–6.18) */
export function limit_nareas(nareas: number, nslots: number): number {
  if (nslots < nareas * IO_TLB_SEGSIZE) return Math.floor(nslots / IO_TLB_SEGSIZE);
  return nareas;
}

/**
 * kernel/dma/swiotlb.c setup_io_tlb_npages (6.6–6.18), the swiotlb= early parameter:
 * `<slabs>[,<areas>][,force|noforce]`; the areas part calls swiotlb_adjust_nareas at once.
 */
export function setup_io_tlb_npages(k: Kernel, slabs: number, areas?: number): void {
  const mem = io_tlb_default_mem(k);
  if (slabs > 0) mem.default_nslabs = Math.ceil(slabs / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE;
  if (areas !== undefined) swiotlb_adjust_nareas(k, mem, areas);
}

/** kernel/dma/swiotlb.c swiotlb_init_io_tlb_pool (6.6–6.18): areas zeroed, runs capped at the pool end, memset 0 */
export function swiotlb_init_io_tlb_pool(k: Kernel, pool: IoTlbPool, nareas: number): void {
  pool.nareas = nareas;
  pool.area_nslabs = Math.floor(pool.nslabs / nareas);
  pool.areas = Array.from({ length: nareas }, () => new IoTlbArea());
  for (let i = 0; i < pool.nslabs; i++) {
    pool.list[i] = Math.min(IO_TLB_SEGSIZE - io_tlb_offset(i), pool.nslabs - i);
    pool.orig_addr[i] = INVALID_PHYS_ADDR;
    pool.alloc_size[i] = 0;
    pool.pad_slots[i] = 0;
  }
  pool.used = 0;
  pool.index = 0;
  const bytes = pool.nslabs * IO_TLB_SIZE;
  k.mem.fill(pool.start, 0, bytes);
  k.cache.invalidate(pool.start, bytes);
}

/** kernel/dma/swiotlb.c add_mem_pool (6.6–6.18): list_add_rcu at the head and count its slots (without DYNAMIC: nslabs = the pool's) */
function add_mem_pool(mem: IoTlbMem66, pool: IoTlbPool): void {
  if (mem.dynamic) {
    mem.pools.unshift(pool);
    mem.nslabs += pool.nslabs;
  } else {
    mem.pools = [pool];
    mem.nslabs = pool.nslabs;
  }
}

/** ARCH_LOW_ADDRESS_LIMIT: arm64 arm64_dma_phys_limit - 1 (the end of ZONE_DMA), arm arm_dma_limit, else 0xffffffff */
function arch_low_address_limit(k: Kernel): bigint {
  const zones = k.buddy?.zones ?? [];
  const dma = zones.find((z) => z.name === "DMA");
  if ((k.arch?.name === "arm64" || k.arch?.name === "arm") && dma) return BigInt(dma.end_pfn * PAGE_SIZE - 1);
  return 0xffff_ffffn;
}

/**
 * kernel/dma/swiotlb.c swiotlb_init_remap (6.6–6.18) on the buffer memblock gave (`start_phys`,
 * `nslabs`, from init.ts or a vector's boot): swiotlb=noforce returns first; force_bounce;
 * with DYNAMIC can_grow (no remap callback) and phys_limit = ARCH_LOW_ADDRESS_LIMIT; "area num"
 * from num_possible_cpus() unless swiotlb= gave areas; areas limited to the pool; the pool
 * initialised and added; "mapped [mem …]" with SWIOTLB_VERBOSE.
 */
export function swiotlb_init_remap(k: Kernel, start_phys: number, nslabs: number, verbose: boolean): number {
  k.tr?.enter(S_init, { start: hex(start_phys), nslabs: String(nslabs) });
  if (k.swiotlb_force === "noforce") {
    k.tr?.decide("swiotlb_force_disable", true, "swiotlb=noforce: swiotlb_init_remap returns before allocating");
    k.tr?.exit("0");
    return 0;
  }
  const mem = io_tlb_default_mem(k);
  mem.force_bounce = k.swiotlb_force === "force";
  if (mem.dynamic) {
    mem.can_grow = true;
    mem.phys_limit = arch_low_address_limit(k);
  }
  // the swiotlb= early parameter ran before (setup_io_tlb_npages)
  if (!mem.parsed) {
    mem.parsed = true;
    setup_io_tlb_npages(k, k.cfg?.swiotlb_slabs ?? 0, (k.cfg as { swiotlb_areas?: number } | undefined)?.swiotlb_areas);
  }
  if (!mem.default_nareas) swiotlb_adjust_nareas(k, mem, num_possible_cpus(k));
  if (mem.default_nslabs !== nslabs) {
    // the caller's memblock allocation was sized before the area round-up (init.ts); the kernel
    // would have allocated default_nslabs: the model keeps the buffer it was given
    k.tr?.note(`the buffer given has ${nslabs} slabs where default_nslabs is ${mem.default_nslabs}`);
  }
  const nareas = limit_nareas(mem.default_nareas, nslabs);
  mem.default_nslabs = nslabs;
  const pool = new IoTlbPool(start_phys, nslabs, false);
  swiotlb_init_io_tlb_pool(k, pool, nareas);
  mem.defpool = pool;
  add_mem_pool(mem, pool);
  pool.mem = mem;
  k.io_tlb_default_mem = pool;
  if (verbose) swiotlb_print_info(k);
  k.tr?.exit("0");
  return 0;
}

/** kernel/dma/swiotlb.c swiotlb_print_info (6.6–6.18): the default pool, "No low mem" without one */
export function swiotlb_print_info(k: Kernel): void {
  const pool = io_tlb_default_mem(k).defpool;
  if (!pool || !pool.nslabs) {
    k.printk("warn", "software IO TLB: No low mem");
    return;
  }
  k.printk("info", `software IO TLB: mapped [mem ${fmtPa(k, pool.start)}-${fmtPa(k, pool.end)}] (${Math.floor((pool.nslabs * IO_TLB_SIZE) / 2 ** 20)}MB)`);
}

// ---------------------------------------------------------------------------------------------
// dynamic pools (CONFIG_SWIOTLB_DYNAMIC)

/** DMA_BIT_MASK(zone_dma_bits) (6.6) / zone_dma_limit (6.12+; the same value while zone_dma_limit is not modelled) */
function zone_dma_limit(k: Kernel): bigint {
  return DMA_BIT_MASK(k.zone_dma_bits ?? 24);
}

function hasZone(k: Kernel, name: string): boolean {
  return (k.buddy?.zones ?? []).some((z) => z.name === name);
}

/** kernel/dma/swiotlb.c alloc_dma_pages (6.6–6.18): alloc_pages, then -EAGAIN when the block ends above phys_limit (freed again) */
function alloc_dma_pages(k: Kernel, gfp: number, bytes: number, phys_limit: bigint): { phys: number; order: number } | "EAGAIN" | null {
  const order = get_order(bytes);
  const page = alloc_pages(k, gfp, order, "swiotlb dynamic pool");
  if (!page) return null;
  const phys = k.arch.page_to_pfn(page) * PAGE_SIZE;
  if (BigInt(phys + bytes - 1) > phys_limit) {
    __free_pages(k, page, order);
    return "EAGAIN";
  }
  return { phys, order };
}

/** kernel/dma/swiotlb.c swiotlb_alloc_tlb (6.6–6.18): zone from phys_limit, then retry in DMA32 / DMA while the block lands too high */
function swiotlb_alloc_tlb(k: Kernel, bytes: number, phys_limit: bigint, gfp: number): { phys: number; order: number } | null {
  gfp &= ~(__GFP_DMA | __GFP_DMA32 | 0x02 /* __GFP_HIGHMEM */ | 0x08 /* __GFP_MOVABLE */);
  if (phys_limit <= zone_dma_limit(k)) gfp |= __GFP_DMA;
  else if (phys_limit <= DMA_BIT_MASK(32)) gfp |= __GFP_DMA32;
  for (;;) {
    const r = alloc_dma_pages(k, gfp, bytes, phys_limit);
    if (r !== "EAGAIN") return r;
    if (hasZone(k, "DMA32") && phys_limit < DMA_BIT_MASK(64) && !(gfp & (__GFP_DMA32 | __GFP_DMA))) gfp |= __GFP_DMA32;
    else if (hasZone(k, "DMA") && !(gfp & __GFP_DMA)) gfp = (gfp & ~__GFP_DMA32) | __GFP_DMA;
    else return null;
  }
}

/** the size of struct io_tlb_slot (phys_addr_t, size_t, two unsigned shorts) on the modelled ABI */
function slot_struct_size(k: Kernel): number {
  return longBits(k) === 32 ? 12 : 24;
}

/**
 * kernel/dma/swiotlb.c swiotlb_alloc_pool (6.6–6.18): at most SLABS_PER_PAGE << MAX_ORDER slabs;
 * the buffer from swiotlb_alloc_tlb, halving (ALIGN to a segment) down to minslabs; the slot
 * array from __get_free_pages; then swiotlb_init_io_tlb_pool(late_alloc).
 */
export function swiotlb_alloc_pool(k: Kernel, minslabs: number, nslabs: number, nareas: number, phys_limit: bigint, gfp: number): IoTlbPool | null {
  k.tr?.enter(S_alloc_pool, { minslabs: String(minslabs), nslabs: String(nslabs), nareas: String(nareas), phys_limit: "0x" + phys_limit.toString(16) });
  if (nslabs > SLABS_PER_PAGE << MAX_PAGE_ORDER) {
    nslabs = SLABS_PER_PAGE << MAX_PAGE_ORDER;
    nareas = limit_nareas(nareas, nslabs);
  }
  let tlb_size = nslabs * IO_TLB_SIZE;
  let tlb: { phys: number; order: number } | null;
  while (!(tlb = swiotlb_alloc_tlb(k, tlb_size, phys_limit, gfp))) {
    if (nslabs <= minslabs) {
      k.tr?.exit("NULL");
      return null;
    }
    nslabs = Math.ceil(Math.floor(nslabs / 2) / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE;
    nareas = limit_nareas(nareas, nslabs);
    tlb_size = nslabs * IO_TLB_SIZE;
  }
  const slot_order = get_order(nslabs * slot_struct_size(k));
  const slots = alloc_pages(k, gfp, slot_order, "swiotlb pool slots");
  if (!slots) {
    swiotlb_free_tlb(k, tlb.phys, tlb.order);
    k.tr?.exit("NULL");
    return null;
  }
  const pool = new IoTlbPool(tlb.phys, nslabs, true);
  pool.tlb_order = tlb.order;
  pool.slots_page = slots;
  pool.slots_order = slot_order;
  swiotlb_init_io_tlb_pool(k, pool, nareas);
  k.tr?.exit(`pool [${hex(pool.start)}-${hex(pool.end)}) ${nslabs} slabs`);
  return pool;
}

/** kernel/dma/swiotlb.c swiotlb_free_tlb (6.6–6.18): __free_pages of the buffer (set_memory_encrypted succeeds: no encryption modelled) */
function swiotlb_free_tlb(k: Kernel, phys: number, order: number): void {
  __free_pages(k, k.arch.pfn_to_page(phys / PAGE_SIZE), order);
}

/** kernel/dma/swiotlb.c swiotlb_dyn_free (6.6–6.18), the RCU callback: slot array, buffer */
function swiotlb_dyn_free(k: Kernel, mem: IoTlbMem66, pool: IoTlbPool): void {
  if (pool.slots_order >= 0) __free_pages(k, pool.slots_page, pool.slots_order);
  swiotlb_free_tlb(k, pool.start, pool.tlb_order);
  mem.freed_pools++;
}

/**
 * kernel/dma/swiotlb.c swiotlb_dyn_alloc (6.6–6.18), the worker: a pool of default_nslabs
 * (at least IO_TLB_MIN_SLABS) with default_nareas areas below mem->phys_limit, GFP_KERNEL; on
 * failure pr_warn_ratelimited "Failed to allocate new pool" (no newline in the tree).
 */
export function swiotlb_dyn_alloc(k: Kernel, mem: IoTlbMem66): void {
  k.tr?.enter(S_dyn, {});
  mem.dyn_alloc_pending = false;
  const pool = swiotlb_alloc_pool(k, IO_TLB_MIN_SLABS, mem.default_nslabs, mem.default_nareas, mem.phys_limit, GFP_KERNEL);
  if (!pool) {
    // pr_warn_ratelimited: its own state at this call site, burst 10 (dmasim has no clock: 10 per run)
    if (mem.failed_pool_msgs++ < 10) k.printk("warn", "software IO TLB: Failed to allocate new pool");
    k.tr?.exit("no pool");
    return;
  }
  add_mem_pool(mem, pool);
  pool.mem = mem;
  k.tr?.note(`swiotlb grew: pool [${hex(pool.start)}-${hex(pool.end)}) of ${pool.nslabs} slabs, ${pool.nareas} areas; total ${mem.nslabs} slabs in ${mem.pools.length} pools`);
  k.tr?.exit();
}

/** Run the queued dyn_alloc work of the default allocator now (the workqueue's turn). Returns whether work ran. */
export function swiotlb_run_dyn_alloc(k: Kernel): boolean {
  const mem = memOf(k.io_tlb_default_mem);
  if (!mem?.dyn_alloc_pending) return false;
  swiotlb_dyn_alloc(k, mem);
  return true;
}

/** kernel/dma/swiotlb.c swiotlb_find_pool (6.6) / __swiotlb_find_pool (6.12+): mem->pools, then the device's transient pools */
export function swiotlb_find_pool(k: Kernel, dev: Device, paddr: number): IoTlbPool | null {
  const mem = dev_io_tlb_mem(k, dev);
  if (!mem.dynamic) return mem.defpool;
  for (const p of mem.pools) if (paddr >= p.start && paddr < p.end) return p;
  for (const p of dev_transient_pools(k, dev)) if (paddr >= p.start && paddr < p.end) return p;
  return null;
}

/** kernel/dma/swiotlb.c swiotlb_del_pool (6.6–6.18): off the device's list, then call_rcu(swiotlb_dyn_free) (run at once: no reader remains in the model) */
function swiotlb_del_pool(k: Kernel, dev: Device, mem: IoTlbMem66, pool: IoTlbPool): void {
  const d = devTlb(mem, dev);
  d.pools = d.pools.filter((p) => p !== pool);
  swiotlb_dyn_free(k, mem, pool);
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
  k.tr?.enter(S_area, { pool: hex(pool.start), area: String(area_index), orig_addr: hex(orig_addr), alloc_size: String(alloc_size), alloc_align_mask: hex(alloc_align_mask) });
  const b = boundaryFor(k, dev, default_tbl_dma_addr(dev, pool.start));
  let iotlb_align_mask = dev.min_align_mask >>> 0;
  const nslots = nr_slots(alloc_size);
  const offset = swiotlb_align_offset(dev, 0, orig_addr);
  if (nslots === 0) k.BUG("at kernel/dma/swiotlb.c (swiotlb_area_find_slots): BUG_ON(!nslots)", "swiotlb_area_find_slots");
  if (area_index >= pool.nareas) k.BUG("at kernel/dma/swiotlb.c (swiotlb_area_find_slots): BUG_ON(area_index >= pool->nareas)", "swiotlb_area_find_slots");

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
    if (!iommu_is_span_boundary(k, si, nslots, b, "swiotlb_area_find_slots") && pool.list[si]! >= nslots) {
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
    pool.list[i] = 0;
    pool.alloc_size[i] = (alloc_size - (offset + (i - slot_index) * IO_TLB_SIZE)) | 0;
  }
  let count = 0;
  for (let i = slot_index - 1; io_tlb_offset(i) !== IO_TLB_SEGSIZE - 1 && pool.list[i] !== 0; i--) pool.list[i] = ++count;
  area.index = wrap(index + nslots);
  area.used += nslots;
  syncPoolCounters(pool);
  inc_used_and_hiwater(mem, nslots);
  k.tr?.swiotlb("map", slot_index, nslots, hex(slot_addr(pool.start, slot_index)), `pool ${hex(pool.start)} area ${area_index}: stride ${stride}; area used ${area.used}/${pool.area_nslabs}; next search at ${area.index}`);
  k.tr?.exit(String(slot_index));
  return slot_index;
}

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

/** kernel/dma/swiotlb.c swiotlb_pool_find_slots (6.6; the !DYNAMIC swiotlb_find_slots 6.8+): every area of one pool from this CPU's */
function swiotlb_pool_find_slots(k: Kernel, dev: Device, pool: IoTlbPool, orig_addr: number, alloc_size: number, alloc_align_mask: number): number {
  const start = raw_smp_processor_id() & (pool.nareas - 1);
  let i = start;
  do {
    const index = swiotlb_area_find_slots(k, dev, pool, i, orig_addr, alloc_size, alloc_align_mask);
    if (index >= 0) return index;
    if (++i >= pool.nareas) i = 0;
  } while (i !== start);
  return -1;
}

/** kernel/dma/swiotlb.c swiotlb_search_area (6.8+, 55c543865b76): one area index in every pool, skipping pools with fewer areas */
function swiotlb_search_area(k: Kernel, dev: Device, start_cpu: number, cpu_offset: number, orig_addr: number, alloc_size: number, alloc_align_mask: number): { index: number; pool: IoTlbPool | null } {
  const mem = dev_io_tlb_mem(k, dev);
  for (const pool of mem.pools) {
    if (cpu_offset >= pool.nareas) continue;
    const area_index = (start_cpu + cpu_offset) & (pool.nareas - 1);
    const index = swiotlb_area_find_slots(k, dev, pool, area_index, orig_addr, alloc_size, alloc_align_mask);
    if (index >= 0) return { index, pool };
  }
  return { index: -1, pool: null };
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
  const done = (r: { index: number; pool: IoTlbPool | null }) => {
    k.tr?.exit(r.index < 0 ? "-1" : `${r.index} in pool ${hex(r.pool!.start)}${r.pool!.transient ? " (transient)" : ""}`);
    return r;
  };
  if (!mem.dynamic) {
    const pool = mem.defpool!;
    return done({ index: swiotlb_pool_find_slots(k, dev, pool, orig_addr, alloc_size, alloc_align_mask), pool });
  }
  let found: { index: number; pool: IoTlbPool | null } = { index: -1, pool: null };
  if (k.sw["3dc2f209208d"] && alloc_size > IO_TLB_SEGSIZE * IO_TLB_SIZE) {
    k.tr?.decide("alloc_size > IO_TLB_SEGSIZE * IO_TLB_SIZE", true, "larger than a segment: no pool can hold it, no transient pool is tried (3dc2f209208d)");
    return done(found);
  }
  if (k.sw["55c543865b76"]) {
    const cpu = raw_smp_processor_id();
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

/** The pool holding tlb_addr, or a BUG like the kernel's NULL dereference would be (dmasim stops rather than guess). */
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
  k.tr?.enter(S_map, { orig_addr: hex(orig_addr), mapping_size: hex(mapping_size), alloc_size: hex(alloc_size), alloc_align_mask: hex(alloc_align_mask), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  const noAllocSize = !!k.sw["327e2c97c46a"];
  if (!mem.nslabs) {
    if (swiotlb_full_ratelimit(k)) k.warn(`${dev_id(dev)}: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer`, "swiotlb_tbl_map_single");
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }
  if (!noAllocSize && mapping_size > alloc_size) {
    k.warnOnce("swiotlb_tbl_map_single:invalid-sizes", `${dev_id(dev)}: Invalid sizes (mapping: ${mapping_size} bytes, alloc: ${alloc_size} bytes)`, "swiotlb_tbl_map_single");
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }
  if (noAllocSize && alloc_align_mask >>> 0 > PAGE_SIZE - 1)
    k.warnOnce("swiotlb_tbl_map_single:align", `WARNING: at kernel/dma/swiotlb.c swiotlb_tbl_map_single: ${dev_id(dev)}: Alloc alignment may prevent fulfilling requests with max mapping_size`, "swiotlb_tbl_map_single");

  let offset = swiotlb_align_offset(dev, alloc_align_mask, orig_addr);
  const size = noAllocSize ? Math.ceil((mapping_size + offset) / ((alloc_align_mask >>> 0) + 1)) * ((alloc_align_mask >>> 0) + 1) : alloc_size + offset;
  const { index: found, pool } = swiotlb_find_slots(k, dev, orig_addr, size, alloc_align_mask);
  if (found === -1 || !pool) {
    if (!(attrs & DMA_ATTR_NO_WARN) && swiotlb_full_ratelimit(k))
      k.warn(`${dev_id(dev)}: swiotlb buffer is full (sz: ${noAllocSize ? size : alloc_size} bytes), total ${fmtUlong(k, mem.nslabs)} (slots), used ${fmtUlong(k, mem_used(mem))} (slots)`, "swiotlb_tbl_map_single");
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }
  const pad_slots = offset >>> IO_TLB_SHIFT;
  offset &= IO_TLB_SIZE - 1;
  const index = found + pad_slots;
  pool.pad_slots[index] = pad_slots;
  const n = noAllocSize ? nr_slots(size) - pad_slots : nr_slots(alloc_size + offset);
  for (let i = 0; i < n; i++) pool.orig_addr[index + i] = slot_addr(orig_addr, i);
  const tlb_addr = slot_addr(pool.start, index) + offset;
  k.tr?.decide("bounce at map", true, `every direction${pool.transient ? `; from the transient pool [${hex(pool.start)}-${hex(pool.end)})` : ""}`);
  swiotlb_bounce(k, dev, tlb_addr, mapping_size, DMA_TO_DEVICE, pool);
  k.tr?.exit(hex(tlb_addr));
  return tlb_addr;
}

/**
 * kernel/dma/swiotlb.c swiotlb_bounce (6.6–6.18). 6.6.63: dev_WARN_ONCE "Access before mapping
 * start detected" / "Buffer overflow … Mapping size: %zu+%u." refuse the copy. 6.9+ (e8068f2d756d):
 * the offset may be negative (a partial sync inside a later slot), only the clamp with "Buffer
 * overflow detected … Mapping size: %zu." remains.
 */
export function swiotlb_bounce(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number, pool: IoTlbPool): void {
  k.tr?.enter(S_bounce, { tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  const index = Math.floor((tlb_addr - pool.start) / IO_TLB_SIZE);
  if (index < 0 || index >= pool.nslabs) outOfPool(k, "swiotlb_bounce", tlb_addr);
  let orig_addr = pool.orig_addr[index]!;
  if (orig_addr === INVALID_PHYS_ADDR) {
    k.tr?.swiotlb("bounce", index, 0, hex(tlb_addr), "slot has no original (INVALID_PHYS_ADDR): nothing copied");
    k.tr?.exit();
    return;
  }
  const bits = longBits(k);
  let alloc = unsignedOf(pool.alloc_size[index]!, bits);
  const pfn = Math.floor(orig_addr / PAGE_SIZE);
  const orig_addr_offset = swiotlb_align_offset(dev, 0, orig_addr);
  let tlb_offset = tlb_addr & (IO_TLB_SIZE - 1);
  if (!k.sw["e8068f2d756d"]) {
    if (tlb_offset < orig_addr_offset) {
      k.warnOnce("swiotlb_bounce:before-start", `WARNING: at kernel/dma/swiotlb.c swiotlb_bounce: ${dev_id(dev)}: Access before mapping start detected. orig offset ${orig_addr_offset}, requested offset ${tlb_offset}.`, "swiotlb_bounce");
      k.tr?.exit();
      return;
    }
    tlb_offset -= orig_addr_offset;
    if (tlb_offset > alloc) {
      k.warnOnce("swiotlb_bounce:overflow-offset", `WARNING: at kernel/dma/swiotlb.c swiotlb_bounce: ${dev_id(dev)}: Buffer overflow detected. Allocation size: ${alloc}. Mapping size: ${size}+${tlb_offset}.`, "swiotlb_bounce");
      k.tr?.exit();
      return;
    }
  } else {
    tlb_offset -= orig_addr_offset; // int: may be negative
  }
  orig_addr += tlb_offset;
  alloc = unsignedOf(alloc - tlb_offset, bits);
  if (size > alloc) {
    k.warnOnce("swiotlb_bounce:overflow", `WARNING: at kernel/dma/swiotlb.c swiotlb_bounce: ${dev_id(dev)}: Buffer overflow detected. Allocation size: ${alloc}. Mapping size: ${size}.`, "swiotlb_bounce");
    size = alloc;
  }
  const toDevice = dir === DMA_TO_DEVICE;
  k.tr?.swiotlb("bounce", index, nr_slots((tlb_addr & (IO_TLB_SIZE - 1)) + size), hex(tlb_addr), `${toDevice ? "orig → slot" : "slot → orig"} ${size} B, orig ${hex(orig_addr)}`);
  bounce_copy(k, tlb_addr, orig_addr, pfn, size, toDevice, bits);
  k.tr?.exit();
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
  if (aindex >= pool.nareas) k.BUG("at kernel/dma/swiotlb.c (swiotlb_release_slots): BUG_ON(aindex >= mem->nareas)", "swiotlb_release_slots");
  const area = pool.areas[aindex]!;
  const list = pool.list;
  let count = index + nslots < Math.ceil((index + 1) / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE ? list[index + nslots]! : 0;
  for (let i = index + nslots - 1; i >= index; i--) {
    list[i] = ++count;
    pool.orig_addr[i] = INVALID_PHYS_ADDR;
    pool.alloc_size[i] = 0;
    pool.pad_slots[i] = 0;
  }
  for (let i = index - 1; io_tlb_offset(i) !== IO_TLB_SEGSIZE - 1 && list[i] !== 0; i--) list[i] = ++count;
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
  k.tr?.enter(S_unmap, { tlb_addr: hex(tlb_addr), mapping_size: hex(mapping_size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  const pool = poolOf(k, dev, tlb_addr, "swiotlb_tbl_unmap_single");
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) swiotlb_bounce(k, dev, tlb_addr, mapping_size, DMA_FROM_DEVICE, pool);
  if (!swiotlb_del_transient(k, dev, pool)) swiotlb_release_slots(k, dev, tlb_addr, pool);
  k.tr?.exit();
}

/** kernel/dma/swiotlb.c swiotlb_sync_single_for_device (6.6) / __swiotlb_sync_single_for_device (6.12+) */
export function swiotlb_sync_single_for_device(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  swiotlb_run_dyn_alloc(k);
  k.tr?.enter(S_sync_dev, { tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  if (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(k, dev, tlb_addr, size, DMA_TO_DEVICE, poolOf(k, dev, tlb_addr, "swiotlb_sync_single_for_device"));
  else if (dir !== DMA_FROM_DEVICE) k.BUG("at kernel/dma/swiotlb.c (swiotlb_sync_single_for_device): BUG_ON(dir != DMA_FROM_DEVICE)", "swiotlb_sync_single_for_device");
  k.tr?.exit();
}

/** kernel/dma/swiotlb.c swiotlb_sync_single_for_cpu (6.6) / __swiotlb_sync_single_for_cpu (6.12+) */
export function swiotlb_sync_single_for_cpu(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  swiotlb_run_dyn_alloc(k);
  k.tr?.enter(S_sync_cpu, { tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  if (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(k, dev, tlb_addr, size, DMA_FROM_DEVICE, poolOf(k, dev, tlb_addr, "swiotlb_sync_single_for_cpu"));
  else if (dir !== DMA_TO_DEVICE) k.BUG("at kernel/dma/swiotlb.c (swiotlb_sync_single_for_cpu): BUG_ON(dir != DMA_TO_DEVICE)", "swiotlb_sync_single_for_cpu");
  k.tr?.exit();
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
    k.warnOnce("swiotlb_alloc:unaligned", `WARNING: at kernel/dma/swiotlb.c swiotlb_alloc: ${dev_id(dev)}: Cannot allocate pages from non page-aligned swiotlb addr ${fmtPa(k, tlb_addr)}.`, "swiotlb_alloc");
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
export const era_v6_6: SwiotlbEra = {
  name: "6.6",
  pool: (k, dev) => {
    const mem = dev_io_tlb_mem(k, dev);
    return mem.nslabs ? mem.defpool : null;
  },
  swiotlb_init_with_tbl: swiotlb_init_remap,
  swiotlb_print_info,
  swiotlb_set_max_segment: (k) => k.tr?.note("6.6 has no swiotlb_set_max_segment"),
  swiotlb_max_segment,
  is_swiotlb_active,
  is_swiotlb_buffer,
  swiotlb_max_mapping_size,
  map_single: (k, dev, orig, mapping_size, alloc_size, align, dir, attrs) => swiotlb_tbl_map_single(k, dev, orig, mapping_size, alloc_size, align, dir, attrs),
  unmap_single: (k, dev, tlb, mapping_size, _alloc_size, dir, attrs) => swiotlb_tbl_unmap_single(k, dev, tlb, mapping_size, dir, attrs),
  sync_for_device: swiotlb_sync_single_for_device,
  sync_for_cpu: swiotlb_sync_single_for_cpu,
};

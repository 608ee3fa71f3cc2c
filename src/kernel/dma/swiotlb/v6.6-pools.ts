/**
 * kernel/dma/swiotlb.c, era 6.6–6.18: the data structures (struct io_tlb_pool, io_tlb_area,
 * io_tlb_mem), where a device finds its allocator, the boot (swiotlb= parsing, areas,
 * swiotlb_init_remap, swiotlb_print_info) and the dynamic pools of CONFIG_SWIOTLB_DYNAMIC (the
 * growth worker swiotlb_dyn_alloc, swiotlb_alloc_pool and its page allocations, the RCU free,
 * swiotlb_find_pool). The slot search, map, bounce and release are in v6.6.ts, which re-exports
 * this file; the trees and switches are listed there and in docs/verified-facts.md §8d.
 */
import type { Kernel } from "../../../kernel.js";
import type { Device } from "../../../drivers/device.js";
import { DMA_BIT_MASK, PAGE_SIZE, get_order, hex } from "../../../core/u64.js";
import { sym } from "../../../core/trace.js";
import { GFP_KERNEL, __GFP_DMA, __GFP_DMA32 } from "../../../include/gfp.js";
import { __free_pages, alloc_pages } from "../../../mm/mm.js";
import { INVALID_PHYS_ADDR, IO_TLB_DEFAULT_SIZE, IO_TLB_MIN_SLABS, SLABS_PER_PAGE, IO_TLB_SEGSIZE, IO_TLB_SHIFT, IO_TLB_SIZE, IoTlbMem, fmtPa, io_tlb_offset, longBits, type SwiotlbInitFlags } from "./common.js";

const FILE = "kernel/dma/swiotlb.c";
const S_init = sym("swiotlb_init_remap", FILE);
const S_dyn = sym("swiotlb_dyn_alloc", FILE);
const S_alloc_pool = sym("swiotlb_alloc_pool", FILE);

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
    // the slot arrays sit behind IoTlbMem's copy-on-write getters (common.ts): set their backing fields
    const w = this as unknown as { nslabs: number; end: number };
    w.nslabs = nslabs;
    w.end = start + nslabs * IO_TLB_SIZE;
    this.resetSlots(); // made when first used, as a fresh pool's
    this.pad_slots = new Uint16Array(nslabs);
  }

  /** swiotlb_init_io_tlb_pool's slot initialisation: every slot free, free runs capped at the pool's end (IoTlbMem.fresh) */
  initSlots(): void {
    this.resetSlots();
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
export interface DevTlb {
  pools: IoTlbPool[];
  uses: boolean;
}

/** The static struct before swiotlb_init_remap has put a pool in it (nslabs 0): per Kernel, holds no run state. */
const unsetMem = new WeakMap<object, IoTlbMem66>();

/** The static struct io_tlb_mem io_tlb_default_mem of this Kernel (CONFIG_SWIOTLB_DYNAMIC from the run's config). */
export function io_tlb_default_mem(k: Kernel): IoTlbMem66 {
  // (an IoTlbPool's mem; a 5.x era's IoTlbMem has none — read as a property, not `instanceof`: this is on every map and unmap)
  const m0 = (k.io_tlb_default_mem as IoTlbPool | null)?.mem;
  if (m0) return m0;
  // (without a pool every map asks: the last kernel's answer is kept, the WeakMap lookup is not free)
  if (unsetLastK === k) return unsetLastMem!;
  let m = unsetMem.get(k);
  if (!m) {
    unsetMem.set(k, (m = new IoTlbMem66()));
    m.dynamic = !!(k.cfg as { CONFIG_SWIOTLB_DYNAMIC?: boolean } | undefined)?.CONFIG_SWIOTLB_DYNAMIC;
  }
  unsetLastK = k;
  unsetLastMem = m;
  return m;
}
let unsetLastK: Kernel | null = null;
let unsetLastMem: IoTlbMem66 | null = null;

/** The struct io_tlb_mem a pool belongs to (dev->dma_io_tlb_mem / &io_tlb_default_mem), null for another era's pool */
export function memOf(pool: IoTlbMem | null | undefined): IoTlbMem66 | null {
  return (pool as IoTlbPool | null | undefined)?.mem ?? null;
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
  // dev->dma_io_tlb_mem points at the pool here (the mem is reachable as pool.mem): mirror the flags
  // the front door's is_swiotlb_for_alloc / is_swiotlb_force_bounce read
  pool.for_alloc = true;
  pool.force_bounce = true;
  dev.dma_io_tlb_mem = pool;
  return mem;
}

/** The device's dma_io_tlb_pools / dma_uses_io_tlb (include/linux/device.h, 6.6+ CONFIG_SWIOTLB_DYNAMIC), created on first use */
export function devTlb(mem: IoTlbMem66, dev: Device): DevTlb {
  let d = mem.devs.get(dev.name);
  if (!d) mem.devs.set(dev.name, (d = { pools: [], uses: false }));
  return d;
}

/** dev->dma_io_tlb_pools (6.6+, CONFIG_SWIOTLB_DYNAMIC): the device's live transient pools, head first */
export function dev_transient_pools(k: Kernel, dev: Device): readonly IoTlbPool[] {
  return dev_io_tlb_mem(k, dev).devs.get(dev.name)?.pools ?? [];
}

/** num_possible_cpus(): nr_cpus of the run's config (the platform's default; 1 when unset) — as the 6.0 era reads it */
export function num_possible_cpus(k: Kernel): number {
  return Math.max(1, k.cfg?.nr_cpus ?? 1);
}

/** raw_smp_processor_id(): the CPU the current step runs on (a step's `cpu:`; 0 by default) */
export function raw_smp_processor_id(k: Kernel): number {
  return k.cpu ?? 0;
}

const roundup_pow_of_two = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));
/** include/linux/log2.h is_power_of_2 (on an unsigned long: default_nslabs may exceed 32 bits) */
const is_power_of_2 = (n: number) => n > 0 && Number.isInteger(Math.log2(n));

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
  // roundup_pow_of_two is an unsigned long (1UL << fls_long(n - 1)): 2^32 for more than 2^31 areas, 0 in the unsigned int
  else if (!is_power_of_2(nareas)) nareas = roundup_pow_of_two(nareas) % 2 ** 32;
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
export function setup_io_tlb_npages(k: Kernel, slabs: number | undefined, areas?: number): void {
  const mem = io_tlb_default_mem(k);
  // default_nslabs = ALIGN(simple_strtoul(), IO_TLB_SEGSIZE) whenever a number leads — 0 included (6.6.63 :189–190, 6.18.35 :190–191)
  if (slabs !== undefined) mem.default_nslabs = Math.ceil(slabs / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE;
  if (areas !== undefined) swiotlb_adjust_nareas(k, mem, areas);
}

/** early_param("swiotlb", setup_io_tlb_npages) (6.6–6.18) as parse_early_param runs it, once: `swiotlb=<n>,<areas>` prints "area num" there, first of the boot lines */
export function setup_io_tlb_npages_early(k: Kernel): void {
  const mem = io_tlb_default_mem(k);
  if (mem.parsed) return;
  mem.parsed = true;
  setup_io_tlb_npages(k, k.cfg?.swiotlb_slabs_set ? k.cfg.swiotlb_slabs : undefined, k.cfg?.swiotlb_nareas);
}

/** kernel/dma/swiotlb.c swiotlb_size_or_default (6.6–6.18): default_nslabs << IO_TLB_SHIFT, after swiotlb= (and any adjustment) */
export function swiotlb_size_or_default(k: Kernel): number {
  setup_io_tlb_npages_early(k);
  return io_tlb_default_mem(k).default_nslabs * IO_TLB_SIZE;
}

/** kernel/dma/swiotlb.c swiotlb_adjust_size (6.6–6.18): nothing after a swiotlb=<slabs>, else default_nslabs from `size` bytes and "adjusted to %luMB" */
// (6.12.19 :212–227, 6.18.35 :213–228) default_nslabs = ALIGN(ALIGN(size, IO_TLB_SIZE) >> IO_TLB_SHIFT, IO_TLB_SEGSIZE);
// round_up_default_nslabs when swiotlb= already named areas; the message prints the IO_TLB_SIZE-aligned request (or the
// rounded-up pool) >> 20 — 0 for a request under 1 MiB
export function swiotlb_adjust_size(k: Kernel, size: number): void {
  setup_io_tlb_npages_early(k);
  const mem = io_tlb_default_mem(k);
  if (mem.default_nslabs !== IO_TLB_DEFAULT_SIZE >> IO_TLB_SHIFT) {
    k.tr?.note(`swiotlb_adjust_size(${size}): swiotlb= set default_nslabs to ${mem.default_nslabs}: no adjustment`);
    return;
  }
  size = Math.ceil(size / IO_TLB_SIZE) * IO_TLB_SIZE;
  mem.default_nslabs = Math.ceil(size / IO_TLB_SIZE / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE;
  if (round_up_default_nslabs(mem)) size = mem.default_nslabs * IO_TLB_SIZE;
  k.printk("info", `software IO TLB: SWIOTLB bounce buffer size adjusted to ${Math.floor(size / 2 ** 20)}MB`);
}

/**
 * kernel/dma/swiotlb.c swiotlb_init_remap (6.6–6.18) up to the memblock allocation (6.6.63 :380–384):
 * one area per possible CPU unless swiotlb= named them (swiotlb_adjust_nareas, whose
 * round_up_default_nslabs may grow default_nslabs), then `nslabs = default_nslabs` — the slots
 * dmasim's boot (init.ts) reserves and hands to swiotlb_init_remap.
 */
export function swiotlb_boot_nslabs(k: Kernel): number {
  setup_io_tlb_npages_early(k);
  const mem = io_tlb_default_mem(k);
  if (!mem.default_nareas) swiotlb_adjust_nareas(k, mem, num_possible_cpus(k));
  return mem.default_nslabs;
}

/** kernel/dma/swiotlb.c swiotlb_init_late (6.6–6.18; 6.6.63 :460–461): `if (!default_nareas) swiotlb_adjust_nareas(num_possible_cpus())` after the swiotlb= early parameter */
export function swiotlb_late_nareas(k: Kernel): void {
  setup_io_tlb_npages_early(k);
  const mem = io_tlb_default_mem(k);
  if (!mem.default_nareas) swiotlb_adjust_nareas(k, mem, num_possible_cpus(k));
}

/** kernel/dma/swiotlb.c swiotlb_init_io_tlb_pool (6.6–6.18): areas zeroed, runs capped at the pool end, memset 0 */
export function swiotlb_init_io_tlb_pool(k: Kernel, pool: IoTlbPool, nareas: number): void {
  pool.nareas = nareas;
  pool.area_nslabs = Math.floor(pool.nslabs / nareas);
  pool.areas = Array.from({ length: nareas }, () => new IoTlbArea());
  // for each slot i: list = min(IO_TLB_SEGSIZE - io_tlb_offset(i), nslabs - i), orig_addr = INVALID_PHYS_ADDR,
  // alloc_size = 0 (written when the arrays are first used: IoTlbMem.fresh), pad_slots = 0
  pool.initSlots();
  pool.pad_slots.fill(0);
  pool.used = 0;
  pool.index = 0;
  const bytes = pool.nslabs * IO_TLB_SIZE;
  k.mem.fill(pool.start, 0, bytes);
  k.cache.invalidate(pool.start, bytes);
}

/** kernel/dma/swiotlb.c add_mem_pool (6.6–6.18): list_add_rcu at the head and count its slots (without DYNAMIC: nslabs = the pool's) */
export function add_mem_pool(mem: IoTlbMem66, pool: IoTlbPool): void {
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
 * with DYNAMIC can_grow (no remap callback) and phys_limit = virt_to_phys(high_memory - 1) with
 * SWIOTLB_ANY (x86 PV Xen), else ARCH_LOW_ADDRESS_LIMIT (6.6.63 swiotlb.c:371–378); "area num"
 * from num_possible_cpus() unless swiotlb= gave areas; areas limited to the pool; the pool
 * initialised and added; "mapped [mem …]" with SWIOTLB_VERBOSE.
 */
export function swiotlb_init_remap(k: Kernel, start_phys: number, nslabs: number, verbose: boolean, flags: SwiotlbInitFlags = {}): number {
  k.tr?.enter(S_init, { start: hex(start_phys), nslabs: String(nslabs) });
  if (k.swiotlb_force === "noforce") {
    k.tr?.decide("swiotlb_force_disable", true, "swiotlb=noforce: swiotlb_init_remap returns before allocating");
    k.tr?.exit("0");
    return 0;
  }
  const mem = io_tlb_default_mem(k);
  mem.force_bounce = k.swiotlb_force === "force";
  if (mem.dynamic) {
    if (!flags.remap) mem.can_grow = true;
    // SWIOTLB_ANY: high_memory is __va(max_pfn << PAGE_SHIFT) (x86_64 setup_arch): the last byte of (pseudo-physical) RAM
    mem.phys_limit = flags.any ? BigInt(k.memmap.max_pfn * PAGE_SIZE - 1) : arch_low_address_limit(k);
  }
  // the swiotlb= early parameter ran before (setup_io_tlb_npages; a vector's boot gets here without it)
  setup_io_tlb_npages_early(k);
  if (!mem.default_nareas) swiotlb_adjust_nareas(k, mem, num_possible_cpus(k));
  if (mem.default_nslabs !== nslabs) {
    // the allocation loop halved the buffer (swiotlb_boot_alloc_halving), or a vector's boot gave another size (6.6.63 :392–396)
    k.printk("info", `software IO TLB: SWIOTLB bounce buffer size adjusted ${mem.default_nslabs} -> ${nslabs} slabs`);
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

/** IS_ENABLED(CONFIG_ZONE_DMA / CONFIG_ZONE_DMA32) as the booted zones show it */
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
export function swiotlb_dyn_free(k: Kernel, mem: IoTlbMem66, pool: IoTlbPool): void {
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
export function swiotlb_del_pool(k: Kernel, dev: Device, mem: IoTlbMem66, pool: IoTlbPool): void {
  const d = devTlb(mem, dev);
  d.pools = d.pools.filter((p) => p !== pool);
  swiotlb_dyn_free(k, mem, pool);
}

/** kernel/dma/swiotlb.c default_swiotlb_base (6.6–6.18): the default pool's start; with DYNAMIC the caller's assumption of one pool stops growth (can_grow = false) */
export function default_swiotlb_base(k: Kernel): number {
  const mem = io_tlb_default_mem(k);
  if (mem.dynamic) mem.can_grow = false;
  return mem.defpool?.start ?? 0;
}

/** kernel/dma/swiotlb.c default_swiotlb_limit (6.6–6.18): with DYNAMIC mem->phys_limit (every pool stays below it), else the default pool's last byte */
export function default_swiotlb_limit(k: Kernel): bigint {
  const mem = io_tlb_default_mem(k);
  if (mem.dynamic) return mem.phys_limit;
  return BigInt.asUintN(64, BigInt((mem.defpool?.end ?? 0) - 1));
}

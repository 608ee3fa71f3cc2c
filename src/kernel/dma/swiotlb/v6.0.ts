/**
 * kernel/dma/swiotlb.c, era 6.0–6.5 (modelled: 6.1, following unifreq/linux-6.1.y @525d1212a677,
 * Makefile 6.1.166): swiotlb **areas**. The pool is split into `nareas` (a power of two) areas of
 * `area_nslabs` slots, each with its own lock, `used` count and next-search `index` (struct
 * io_tlb_area); mem->index/mem->used are no longer kept. A mapping starts its search in the area
 * of the CPU it runs on (raw_smp_processor_id() & (nareas - 1)) and walks the others in turn;
 * inside an area the 5.16 search runs on area-relative indices (wrap_area_index), so a run never
 * leaves its area's slot range. The number of areas comes from swiotlb=<slabs>,<areas> or, by
 * default, num_possible_cpus(); it may grow the pool to a power of two (round_up_default_nslabs).
 *
 * Read from that tree's kernel/dma/swiotlb.c: struct io_tlb_area, round_up_default_nslabs,
 * swiotlb_adjust_nareas, limit_nareas, setup_io_tlb_npages, swiotlb_init_io_tlb_mem,
 * swiotlb_init_remap, wrap_area_index, swiotlb_do_find_slots, swiotlb_find_slots, mem_used,
 * swiotlb_tbl_map_single, swiotlb_release_slots, swiotlb_alloc/swiotlb_free,
 * rmem_swiotlb_device_init; include/linux/swiotlb.h (struct io_tlb_mem with nareas,
 * area_nslabs, areas). Replayed slot by slot and area by area against that file compiled
 * unmodified (test/vectors/swiotlb/6.1-*).
 *
 * What 6.1.166 carries of the 6.3–6.9 fixes (read in its source; it has no per-commit history):
 * the alignment-mask half of 04867a7a3332 (switch, stable); NOT 7c3940bf81e5 (the `continue`
 * still skips the `index != wrap` progress check: the endless search with min_align_mask stays,
 * and the vectors record it), NOT 0eee5ae10256 / bbb73a103fbb (the stride is still
 * (iotlb_align_mask >> IO_TLB_SHIFT) + 1, page stride for >= PAGE_SIZE). Its map path warns
 * "Can not allocate SWIOTLB buffer earlier …" (dev_warn_ratelimited) and fails the mapping where
 * 5.15–5.19 panic.
 *
 * Unchanged from 5.15–5.19 in this tree (checked line by line) and so taken from v5.15.ts:
 * swiotlb_bounce (mem->vaddr is phys_to_virt(start) without swiotlb_unencrypted_base), the two
 * syncs, swiotlb_max_mapping_size, is_swiotlb_active, is_swiotlb_buffer, swiotlb_max_segment.
 */
import type { Kernel } from "../../../kernel.js";
import type { Device } from "../../../drivers/device.js";
import { dev_id } from "../../../drivers/device.js";
import { DMA_MAPPING_ERROR, PAGE_SHIFT, PAGE_SIZE, hex } from "../../../core/u64.js";
import { sym } from "../../../core/trace.js";
import { DIR_NAMES, DMA_ATTR_NO_WARN, DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, attrsName } from "../../../include/gfp.js";
import {
  ALIGN, INVALID_PHYS_ADDR, map_single_no_pool, map_single_invalid_sizes, IO_TLB_DEFAULT_SIZE, IO_TLB_SEGSIZE, IO_TLB_SHIFT, IO_TLB_SIZE, IoTlbMem, boundaryFor, default_tbl_dma_addr, fmtPa,
  iommu_is_span_boundary, longBits, nr_slots, outOfPool, slotsOfMapping, slot_addr, swiotlb_align_offset, swiotlb_full_ratelimit,
  swiotlb_search_never_ends, is_swiotlb_force_bounce_pool, swiotlb_boot_alloc_halving,
} from "./common.js";
import {
  is_swiotlb_active, is_swiotlb_buffer, swiotlb_bounce, swiotlb_max_mapping_size, swiotlb_max_segment, swiotlb_sync_single_for_cpu,
  swiotlb_sync_single_for_device,
} from "./v5.15.js";
import type { ReservedMem, SwiotlbEra } from "./index.js";
import { boot_meta_block, type BootMetaBlock } from "./common.js";
import { setup_io_tlb_npages_v6 } from "./param.js";

const FILE = "kernel/dma/swiotlb.c";
const S_init = sym("swiotlb_init_io_tlb_mem", FILE);
const S_do_find = sym("swiotlb_do_find_slots", FILE);
const S_find = sym("swiotlb_find_slots", FILE);
const S_map = sym("swiotlb_tbl_map_single", FILE);
const S_release = sym("swiotlb_release_slots", FILE);
const S_unmap = sym("swiotlb_tbl_unmap_single", FILE);
const S_alloc = sym("swiotlb_alloc", FILE);
const S_rmem = sym("rmem_swiotlb_device_init", FILE);

/** struct io_tlb_area (6.0–6.5): one area's used count and next-search index (its lock is not modelled: dmasim runs one step at a time) */
export interface IoTlbArea {
  used: number;
  index: number;
}

/**
 * struct io_tlb_mem with areas (6.0–6.5): the 5.15 pool plus nareas, area_nslabs and areas[].
 * `used` and `index` of the base class are dmasim's statistics here (mem_used() and area 0's
 * index), kept in step with the areas; the kernel no longer updates mem->used.
 */
export class IoTlbMemAreas extends IoTlbMem {
  readonly nareas: number;
  readonly area_nslabs: number;
  readonly areas: IoTlbArea[];
  constructor(start: number, nslabs: number, late_alloc: boolean, nareas: number) {
    super(start, nslabs, late_alloc);
    this.nareas = nareas;
    this.area_nslabs = Math.floor(nslabs / nareas);
    this.areas = Array.from({ length: nareas }, () => ({ used: 0, index: 0 }));
  }
}

/** swiotlb.c's boot-time statics (default_nslabs, default_nareas, swiotlb_force_bounce/disable), per Kernel. */
interface BootState {
  default_nslabs: number;
  default_nareas: number;
  parsed: boolean;
}
const bootState = new WeakMap<object, BootState>();
function boot(k: Kernel): BootState {
  let s = bootState.get(k);
  if (!s) bootState.set(k, (s = { default_nslabs: IO_TLB_DEFAULT_SIZE >> IO_TLB_SHIFT, default_nareas: 0, parsed: false }));
  return s;
}

/** include/linux/log2.h is_power_of_2 (on an unsigned long: default_nslabs may exceed 32 bits) */
const is_power_of_2 = (n: number) => n > 0 && Number.isInteger(Math.log2(n));
/** include/linux/log2.h roundup_pow_of_two */
function roundup_pow_of_two(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** kernel/dma/swiotlb.c round_up_default_nslabs (6.0–6.5, as in 6.1.166): at least IO_TLB_SEGSIZE slots per area, then a power of two; true if it rounded */
function round_up_default_nslabs(s: BootState): boolean {
  if (!s.default_nareas) return false;
  if (s.default_nslabs < IO_TLB_SEGSIZE * s.default_nareas) s.default_nslabs = IO_TLB_SEGSIZE * s.default_nareas;
  else if (is_power_of_2(s.default_nslabs)) return false;
  s.default_nslabs = roundup_pow_of_two(s.default_nslabs);
  return true;
}

/** kernel/dma/swiotlb.c swiotlb_adjust_nareas (6.0–6.5): 0 → 1, else up to a power of two; "area num %d."; maybe "SWIOTLB bounce buffer size roundup to %luMB" */
export function swiotlb_adjust_nareas(k: Kernel, nareas: number): void {
  const s = boot(k);
  if (!nareas) nareas = 1;
  // roundup_pow_of_two is an unsigned long (1UL << fls_long(n - 1)): 2^32 for more than 2^31 areas, 0 in the unsigned int
  else if (!is_power_of_2(nareas)) nareas = roundup_pow_of_two(nareas) % 2 ** 32;
  s.default_nareas = nareas;
  k.printk("info", `software IO TLB: area num ${nareas}.`);
  if (round_up_default_nslabs(s)) k.printk("info", `software IO TLB: SWIOTLB bounce buffer size roundup to ${Math.floor((s.default_nslabs * IO_TLB_SIZE) / (1 << 20))}MB`);
}

/** kernel/dma/swiotlb.c limit_nareas (6.1.166): no more areas than whole segments in the pool */
export function limit_nareas(nareas: number, nslots: number): number {
  if (nslots < nareas * IO_TLB_SEGSIZE) return Math.floor(nslots / IO_TLB_SEGSIZE);
  return nareas;
}

/**
 * kernel/dma/swiotlb.c setup_io_tlb_npages (6.0–6.5), the swiotlb= early parameter as the run's
 * config gives it: <slabs> ALIGNed to IO_TLB_SEGSIZE, then an optional <areas> (swiotlb_adjust_nareas),
 * then force / noforce (the config has already split those off into k.swiotlb_force).
 */
export function setup_io_tlb_npages(k: Kernel): void {
  const s = boot(k);
  if (s.parsed) return;
  s.parsed = true;
  // default_nslabs = ALIGN(simple_strtoul(), IO_TLB_SEGSIZE) whenever a number leads — 0 included (6.1.166 :165–166)
  if (k.cfg?.swiotlb_slabs_set) s.default_nslabs = Math.ceil(k.cfg.swiotlb_slabs / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE;
  const areas = k.cfg?.swiotlb_nareas;
  if (areas !== undefined && areas >= 0) swiotlb_adjust_nareas(k, areas);
}

/** raw_smp_processor_id(): the CPU the current step runs on */
function raw_smp_processor_id(k: Kernel): number {
  return k.cpu ?? 0;
}

/** num_possible_cpus(): nr_cpus of the run's config (1 when unset) */
function num_possible_cpus(k: Kernel): number {
  return Math.max(1, k.cfg?.nr_cpus ?? 1);
}

/**
 * kernel/dma/swiotlb.c swiotlb_init_remap (6.0–6.5) up to the allocation: one area per possible
 * CPU unless swiotlb= named them, and the pool size it then allocates (nslabs). dmasim's boot
 * (init.ts) reserves that many slots and hands them to swiotlb_init_with_tbl.
 */
export function swiotlb_boot_nslabs(k: Kernel): number {
  setup_io_tlb_npages(k);
  const s = boot(k);
  if (!s.default_nareas) swiotlb_adjust_nareas(k, num_possible_cpus(k));
  return s.default_nslabs;
}

/** kernel/dma/swiotlb.c swiotlb_init_late (6.0–6.5; 6.1.166 :441–442): `if (!default_nareas) swiotlb_adjust_nareas(num_possible_cpus())` after the swiotlb= early parameter */
function swiotlb_late_nareas(k: Kernel): void {
  setup_io_tlb_npages(k);
  if (!boot(k).default_nareas) swiotlb_adjust_nareas(k, num_possible_cpus(k));
}

/** kernel/dma/swiotlb.c swiotlb_print_info (6.0–6.5): as 5.15 ("mapped [mem %pa-%pa] (%luMB)" or "No low mem") */
export function swiotlb_print_info(k: Kernel): void {
  const mem = k.io_tlb_default_mem;
  if (!mem || !mem.nslabs) {
    k.printk("warn", "software IO TLB: No low mem");
    return;
  }
  k.printk("info", `software IO TLB: mapped [mem ${fmtPa(k, mem.start)}-${fmtPa(k, mem.end)}] (${Math.floor((mem.nslabs * IO_TLB_SIZE) / (1 << 20))}MB)`);
}

/** kernel/dma/swiotlb.c swiotlb_init_io_tlb_mem (6.0–6.5): slots free, every area empty at index 0, force_bounce, the pool zeroed */
function swiotlb_init_io_tlb_mem(k: Kernel, start: number, nslabs: number, force: boolean, late_alloc: boolean, nareas: number): IoTlbMemAreas {
  k.tr?.enter(S_init, { start: hex(start), nslabs: String(nslabs), nareas: String(nareas) });
  const mem = new IoTlbMemAreas(start, nslabs, late_alloc, nareas);
  mem.force_bounce = k.swiotlb_force === "force" || force;
  const bytes = nslabs * IO_TLB_SIZE;
  k.mem.fill(start, 0, bytes);
  k.cache.invalidate(start, bytes);
  k.tr?.exit(`${nareas} areas of ${mem.area_nslabs} slots`);
  return mem;
}

/**
 * kernel/dma/swiotlb.c swiotlb_init_remap (6.0–6.5) after the memblock allocation: swiotlb=noforce
 * returns first; one area per possible CPU unless swiotlb= named them; the pool gets
 * default_nareas areas (6.1.166 passes default_nareas, not the limit_nareas value, to
 * swiotlb_init_io_tlb_mem); "mapped …" with SWIOTLB_VERBOSE.
 */
export function swiotlb_init_remap(k: Kernel, start_phys: number, nslabs: number, verbose: boolean): number {
  if (k.swiotlb_force === "noforce") {
    k.tr?.note("swiotlb_force_disable: swiotlb_init_remap returns before allocating");
    return 0;
  }
  setup_io_tlb_npages(k);
  const s = boot(k);
  if (!s.default_nareas) swiotlb_adjust_nareas(k, num_possible_cpus(k));
  if (s.default_nslabs !== nslabs) {
    // the caller reserved another size (as the allocation loop's halving would): the kernel says so
    k.printk("info", `software IO TLB: SWIOTLB bounce buffer size adjusted ${s.default_nslabs} -> ${nslabs} slabs`);
    s.default_nslabs = nslabs;
  }
  k.tr?.note(`limit_nareas(${s.default_nareas}, ${nslabs}) = ${limit_nareas(s.default_nareas, nslabs)}; swiotlb_init_io_tlb_mem gets default_nareas ${s.default_nareas}`);
  k.io_tlb_default_mem = swiotlb_init_io_tlb_mem(k, start_phys, nslabs, false, false, s.default_nareas);
  if (verbose) swiotlb_print_info(k);
  return 0;
}

/**
 * kernel/dma/swiotlb.c swiotlb_init_late (6.0–6.5), once its buffer and metadata are allocated: the
 * areas for the possible CPUs when swiotlb= named none, swiotlb_init_io_tlb_mem(mem, phys, nslabs, 0,
 * late_alloc = true, limit_nareas(default_nareas, nslabs)) — the limited count, where the boot path
 * passes default_nareas — then swiotlb_print_info (6.1.166).
 */
function swiotlb_init_late_mem(k: Kernel, start: number, nslabs: number): void {
  const s = boot(k);
  if (!s.default_nareas) swiotlb_adjust_nareas(k, num_possible_cpus(k));
  k.io_tlb_default_mem = swiotlb_init_io_tlb_mem(k, start, nslabs, false, true, limit_nareas(s.default_nareas, nslabs));
  swiotlb_print_info(k);
}

/** dev->dma_io_tlb_mem (6.0–6.5): the device's restricted pool, else &io_tlb_default_mem (null before it is set up) */
function dev_mem(k: Kernel, dev?: Device): IoTlbMemAreas | null {
  const mem = dev?.dma_io_tlb_mem ?? k.io_tlb_default_mem;
  return mem instanceof IoTlbMemAreas ? mem : null;
}

/** kernel/dma/swiotlb.c wrap_area_index (6.0–6.5): an area-relative index past the area's end wraps to 0 */
function wrap_area_index(mem: IoTlbMemAreas, index: number): number {
  return index >= mem.area_nslabs ? 0 : index;
}

/** kernel/dma/swiotlb.c mem_used (6.0–6.5): the sum of the areas' used counts */
export function mem_used(mem: IoTlbMemAreas): number {
  let used = 0;
  for (const a of mem.areas) used += a.used;
  return used;
}

/**
 * kernel/dma/swiotlb.c swiotlb_do_find_slots (6.0–6.5, as in 6.1.166): the 5.16 search inside
 * area `area_index` — area-relative indices from ALIGN(area->index, stride), the slot's bus
 * address tested at slot_base + index, the area's own used count and next index. The
 * alignment-mismatch `continue` skips the progress check (no 7c3940bf81e5): a min_align_mask
 * walk that never comes back to `wrap` spins with the area lock held.
 */
export function swiotlb_do_find_slots(k: Kernel, dev: Device, mem: IoTlbMemAreas, area_index: number, orig_addr: number, alloc_size: number, alloc_align_mask: number, tbl_dma_addr?: number): number {
  const area = mem.areas[area_index];
  k.tr?.enter(S_do_find, { area_index: String(area_index), orig_addr: hex(orig_addr), alloc_size: String(alloc_size), alloc_align_mask: hex(alloc_align_mask) });
  const b = boundaryFor(k, dev, tbl_dma_addr ?? default_tbl_dma_addr(dev, mem.start));
  const nslots = nr_slots(alloc_size);
  const offset = swiotlb_align_offset(dev, orig_addr);
  if (nslots === 0) k.BUG_ON("swiotlb:nslots", "swiotlb_do_find_slots", "BUG_ON(!nslots)");
  if (!area) k.BUG_ON("swiotlb:area_index", "swiotlb_do_find_slots", "BUG_ON(area_index >= mem->nareas)");

  let iotlb_align_mask: number;
  if (k.sw["04867a7a3332"]) {
    alloc_align_mask = (alloc_align_mask | (IO_TLB_SIZE - 1)) >>> 0;
    iotlb_align_mask = (dev.min_align_mask & ~alloc_align_mask) >>> 0;
  } else iotlb_align_mask = (dev.min_align_mask & ~(IO_TLB_SIZE - 1)) >>> 0;

  let stride = (iotlb_align_mask >>> IO_TLB_SHIFT) + 1;
  if (alloc_size >= PAGE_SIZE) stride = Math.max(stride, stride << (PAGE_SHIFT - IO_TLB_SHIFT));
  stride = Math.max(stride, (alloc_align_mask >>> IO_TLB_SHIFT) + 1);

  if (nslots > mem.area_nslabs - area.used) {
    k.tr?.decide("nslots > mem->area_nslabs - area->used", true, `${nslots} slots wanted, ${mem.area_nslabs - area.used} free in area ${area_index}`);
    k.tr?.exit("-1");
    return -1;
  }

  const slot_base = area_index * mem.area_nslabs;
  let index = wrap_area_index(mem, ALIGN(area.index, stride));
  const wrap = index;
  const checkAlign = orig_addr !== 0;
  const want = orig_addr & iotlb_align_mask;
  let found = -1;
  let steps = 0;
  do {
    const slot_index = slot_base + index;
    if (checkAlign && ((b.tblLow + slot_index * IO_TLB_SIZE) & iotlb_align_mask) !== want) {
      index = wrap_area_index(mem, index + 1);
    } else {
      if (!iommu_is_span_boundary(k, slot_index, nslots, b, "swiotlb_do_find_slots") && mem.slot_list(slot_index) >= nslots) {
        found = index;
        break;
      }
      index = wrap_area_index(mem, index + stride);
    }
    if (++steps > mem.area_nslabs) swiotlb_search_never_ends(k, "swiotlb_do_find_slots", dev, want, iotlb_align_mask, slot_base + wrap, stride, nslots, `area ${area_index}'s lock`);
  } while (index !== wrap);

  if (found < 0) {
    k.tr?.swiotlb("map", -1, nslots, "-", `area ${area_index}: no ${nslots}-slot run (stride ${stride}, align mask ${hex(iotlb_align_mask)}), used ${area.used}/${mem.area_nslabs}`);
    k.tr?.exit("-1");
    return -1;
  }
  const slot_index = slot_base + found;
  const as = mem.alloc_size;
  for (let i = slot_index; i < slot_index + nslots; i++) {
    mem.set_slot_list(i, 0);
    as[i] = (alloc_size - (offset + (i - slot_index) * IO_TLB_SIZE)) | 0;
  }
  mem.renumber(slot_index - 1, 0);
  area.index = found + nslots < mem.area_nslabs ? found + nslots : 0;
  area.used += nslots;
  mem.used += nslots;
  if (area_index === 0) mem.index = area.index;
  k.tr?.swiotlb("map", slot_index, nslots, hex(slot_addr(mem.start, slot_index)), `area ${area_index}, stride ${stride}; area used ${area.used}/${mem.area_nslabs}; next search in the area at ${area.index}`);
  k.tr?.exit(String(slot_index));
  return slot_index;
}

/** kernel/dma/swiotlb.c swiotlb_find_slots (6.0–6.5): from the current CPU's area (raw_smp_processor_id() & (nareas - 1)) through every area in turn */
export function swiotlb_find_slots(k: Kernel, dev: Device, orig_addr: number, alloc_size: number, alloc_align_mask: number, tbl_dma_addr?: number): number {
  const mem = dev_mem(k, dev)!;
  const start = raw_smp_processor_id(k) & (mem.nareas - 1);
  k.tr?.enter(S_find, { cpu: String(raw_smp_processor_id(k)), start_area: String(start) });
  let i = start;
  do {
    const index = swiotlb_do_find_slots(k, dev, mem, i, orig_addr, alloc_size, alloc_align_mask, tbl_dma_addr);
    if (index >= 0) {
      k.tr?.exit(String(index));
      return index;
    }
    if (++i >= mem.nareas) i = 0;
  } while (i !== start);
  k.tr?.exit("-1");
  return -1;
}


/**
 * kernel/dma/swiotlb.c swiotlb_tbl_map_single (6.0–6.5, as in 6.1.166): no pool is a ratelimited
 * dev_warn and DMA_MAPPING_ERROR (not a panic), "Invalid sizes", swiotlb_find_slots over the
 * areas, "swiotlb buffer is full … used %lu" with mem_used(), the originals, and the
 * unconditional bounce to the slot.
 */
export function swiotlb_tbl_map_single(k: Kernel, dev: Device, orig_addr: number, mapping_size: number, alloc_size: number, alloc_align_mask: number, dir: number, attrs: number, tbl_dma_addr?: number): number {
  const mem = dev_mem(k, dev);
  if (k.tr) map_single_enter(k, orig_addr, mapping_size, alloc_size, alloc_align_mask, dir, attrs);
  const offset = swiotlb_align_offset(dev, orig_addr);
  if (!mem || !mem.nslabs) return map_single_no_pool(k, dev);
  if (mapping_size > alloc_size) return map_single_invalid_sizes(k, dev, mapping_size, alloc_size);
  const index = swiotlb_find_slots(k, dev, orig_addr, alloc_size + offset, alloc_align_mask, tbl_dma_addr);
  if (index === -1) return map_single_full(k, dev, mem, alloc_size, attrs);
  const n = nr_slots(alloc_size + offset);
  const oa = mem.orig_addr;
  for (let i = 0; i < n; i++) oa[index + i] = slot_addr(orig_addr, i);
  const tlb_addr = slot_addr(mem.start, index) + offset;
  swiotlb_bounce(k, dev, tlb_addr, mapping_size, DMA_TO_DEVICE);
  k.tr?.exit(hex(tlb_addr));
  return tlb_addr;
}

// swiotlb_tbl_map_single's trace and its error exits, out of line (small enough for V8 to inline)
function map_single_enter(k: Kernel, orig_addr: number, mapping_size: number, alloc_size: number, alloc_align_mask: number, dir: number, attrs: number): void {
  k.tr?.enter(S_map, { orig_addr: hex(orig_addr), mapping_size: hex(mapping_size), alloc_size: hex(alloc_size), alloc_align_mask: hex(alloc_align_mask), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
}
function map_single_full(k: Kernel, dev: Device, mem: IoTlbMemAreas, alloc_size: number, attrs: number): number {
  if (!(attrs & DMA_ATTR_NO_WARN) && swiotlb_full_ratelimit(k))
    k.dev_printk("warn", dev, `swiotlb buffer is full (sz: ${alloc_size} bytes), total ${mem.nslabs} (slots), used ${mem_used(mem)} (slots)`);
  k.tr?.exit("DMA_MAPPING_ERROR");
  return DMA_MAPPING_ERROR;
}

/**
 * kernel/dma/swiotlb.c swiotlb_release_slots (6.0–6.5): as 5.15 (merge after within the segment,
 * renumber before), under the lock of the area the slot lies in (index / area_nslabs), whose
 * used count drops.
 */
export function swiotlb_release_slots(k: Kernel, dev: Device, tlb_addr: number): void {
  const mem = dev_mem(k, dev)!;
  k.tr?.enter(S_release, { tlb_addr: hex(tlb_addr) });
  const offset = swiotlb_align_offset(dev, tlb_addr);
  const index = Math.floor((tlb_addr - offset - mem.start) / IO_TLB_SIZE);
  if (index < 0 || index >= mem.nslabs) outOfPool(k, "swiotlb_release_slots", tlb_addr);
  const nslots = slotsOfMapping(mem.alloc_size[index]!, offset, longBits(k));
  const aindex = Math.floor(index / mem.area_nslabs);
  const area = mem.areas[aindex];
  if (!area) k.BUG_ON("swiotlb:aindex", "swiotlb_release_slots", "BUG_ON(aindex >= mem->nareas)");
  const oa = mem.orig_addr;
  const as = mem.alloc_size;
  let count = index + nslots < ((index + IO_TLB_SEGSIZE) & ~(IO_TLB_SEGSIZE - 1)) ? mem.slot_list(index + nslots) : 0;
  for (let i = index + nslots - 1; i >= index; i--) {
    mem.set_slot_list(i, ++count);
    oa[i] = INVALID_PHYS_ADDR;
    as[i] = 0;
  }
  count = mem.renumber(index - 1, count);
  area.used -= nslots;
  mem.used -= nslots;
  k.tr?.swiotlb("unmap", index, nslots, hex(tlb_addr), `freed in area ${aindex}; run now ${count} slots; area used ${area.used}/${mem.area_nslabs}`);
  k.tr?.exit();
}

/** kernel/dma/swiotlb.c swiotlb_tbl_unmap_single (6.0–6.5): copy back for FROM/BIDI unless SKIP_CPU_SYNC, then swiotlb_release_slots */
export function swiotlb_tbl_unmap_single(k: Kernel, dev: Device, tlb_addr: number, mapping_size: number, dir: number, attrs: number): void {
  k.tr?.enter(S_unmap, { tlb_addr: hex(tlb_addr), mapping_size: hex(mapping_size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) swiotlb_bounce(k, dev, tlb_addr, mapping_size, DMA_FROM_DEVICE);
  swiotlb_release_slots(k, dev, tlb_addr);
  k.tr?.exit();
}

/** kernel/dma/swiotlb.c swiotlb_alloc (6.0–6.5, CONFIG_DMA_RESTRICTED_POOL): whole slots from dev->dma_io_tlb_mem via swiotlb_find_slots(dev, 0, size, 0); the first slot's physical address, or -1 (NULL) */
export function swiotlb_alloc(k: Kernel, dev: Device, size: number): number {
  const mem = dev_mem(k, dev);
  k.tr?.enter(S_alloc, { size: hex(size) });
  if (!mem) {
    k.tr?.exit("NULL");
    return -1;
  }
  const index = swiotlb_find_slots(k, dev, 0, size, 0);
  if (index === -1) {
    k.tr?.exit("NULL");
    return -1;
  }
  const tlb_addr = slot_addr(mem.start, index);
  k.tr?.exit(hex(tlb_addr));
  return tlb_addr;
}

/** kernel/dma/swiotlb.c swiotlb_free (6.0–6.5): false unless the page is in dev->dma_io_tlb_mem, else release its slots */
export function swiotlb_free(k: Kernel, dev: Device, tlb_addr: number, _size: number): boolean {
  if (!is_swiotlb_buffer(k, tlb_addr, dev)) return false;
  swiotlb_release_slots(k, dev, tlb_addr);
  return true;
}

/**
 * kernel/dma/swiotlb.c rmem_swiotlb_device_init (6.0–6.5, as in 6.1.166): a highmem pool is a
 * dev_err and -EINVAL; the first device creates the region's io_tlb_mem (one area, SWIOTLB_FORCE,
 * for_alloc); every device of the region then points dev->dma_io_tlb_mem at it.
 */
export function rmem_swiotlb_device_init(k: Kernel, rmem: ReservedMem, dev: Device): number {
  k.tr?.enter(S_rmem, { rmem: rmem.name, base: hex(rmem.base), size: hex(rmem.size) });
  const mm = k.memmap;
  if (mm && mm.has(Math.floor(rmem.base / PAGE_SIZE)) && mm.PageHighMem(Math.floor(rmem.base / PAGE_SIZE))) {
    k.printk("err", `${dev_id(dev)}: Restricted DMA pool must be accessible within the linear mapping.`);
    k.tr?.exit("-EINVAL");
    return -22;
  }
  let mem = rmem.priv;
  if (!mem) {
    const nslabs = Math.floor(rmem.size / IO_TLB_SIZE);
    mem = swiotlb_init_io_tlb_mem(k, rmem.base, nslabs, true, false, 1);
    mem.for_alloc = true;
    rmem.priv = mem;
  }
  dev.dma_io_tlb_mem = mem;
  k.tr?.exit("0");
  return 0;
}

/** The 6.0–6.5 era as index.ts dispatches to it. */
/** kernel/dma/swiotlb.c swiotlb_init_late (6.0–6.5): mem->areas (one page for a few areas), then mem->slots, both GFP_KERNEL | __GFP_ZERO (6.1.166) */
function swiotlb_late_metadata(nslabs: number): import("./index.js").LateBlock[] {
  return [{ bytes: 64, zero: true, what: "swiotlb areas" }, { bytes: 24 * nslabs, zero: true, what: "swiotlb slots" }];
}

/** SMP_CACHE_BYTES = L1_CACHE_BYTES: 64 on arm64 (asm/cache.h L1_CACHE_SHIFT 6) and x86_64 (X86_L1_CACHE_SHIFT 6 for GENERIC_CPU) */
const SMP_CACHE_BYTES = 64;

/**
 * kernel/dma/swiotlb.c swiotlb_init_remap (6.0–6.5) after the buffer: mem->slots = memblock_alloc(PAGE_ALIGN(
 * array_size(24, nslabs)), PAGE_SIZE), then mem->areas = memblock_alloc(array_size(sizeof(struct io_tlb_area)
 * = 16, default_nareas), SMP_CACHE_BYTES) — default_nareas, not the limit_nareas value the loop computed — each
 * failure a pr_warn and return without a pool (6.1.166 swiotlb.c:395–408, struct io_tlb_area :91–95).
 */
function swiotlb_boot_metadata(k: Kernel, nslabs: number): BootMetaBlock[] {
  if (k.swiotlb_force === "noforce") return [];
  const nareas = boot(k).default_nareas || 1;
  const areas = 16 * nareas;
  return [
    boot_meta_block("swiotlb_init_remap", "swiotlb slots", Math.ceil((24 * nslabs) / PAGE_SIZE) * PAGE_SIZE, PAGE_SIZE, "warn"),
    { bytes: areas, align: SMP_CACHE_BYTES, what: "swiotlb areas", fail: "warn", fn: "swiotlb_init_remap", message: "swiotlb_init_remap: Failed to allocate mem->areas." },
  ];
}

export const era_v6_0: SwiotlbEra = Object.freeze<SwiotlbEra>({
  parse_param: setup_io_tlb_npages_v6,
  boot_alloc: swiotlb_boot_alloc_halving,
  boot_metadata: swiotlb_boot_metadata,
  init_late: swiotlb_init_late_mem,
  late_metadata: swiotlb_late_metadata,
  name: "6.0",
  pool: (k, dev) => {
    const mem = dev_mem(k, dev);
    return mem && mem.nslabs ? mem : null;
  },
  swiotlb_init_with_tbl: swiotlb_init_remap,
  swiotlb_print_info,
  swiotlb_set_max_segment: (k) => k.tr?.note("6.1 has no swiotlb_set_max_segment: swiotlb_max_segment() is computed from nslabs"),
  swiotlb_max_segment,
  is_swiotlb_active,
  is_swiotlb_buffer,
  swiotlb_max_mapping_size,
  map_single: swiotlb_tbl_map_single,
  unmap_single: swiotlb_tbl_unmap_single,
  is_swiotlb_force_bounce: is_swiotlb_force_bounce_pool,
  sync_for_device: swiotlb_sync_single_for_device,
  sync_for_cpu: swiotlb_sync_single_for_cpu,
  boot_nslabs: swiotlb_boot_nslabs,
  late_nareas: swiotlb_late_nareas,
  // kernel/dma/swiotlb.c swiotlb_size_or_default (6.0–6.5; 6.1.166 :189–192): default_nslabs << IO_TLB_SHIFT, as
  // setup_io_tlb_npages and any area round-up so far left it (xen_mm_init passes it to swiotlb_init_late)
  swiotlb_size_or_default: (k) => {
    setup_io_tlb_npages(k);
    return boot(k).default_nslabs * IO_TLB_SIZE;
  },
  setup_io_tlb_npages,
  swiotlb_alloc,
  swiotlb_free,
  rmem_swiotlb_device_init,
});

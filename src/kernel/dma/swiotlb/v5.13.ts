/**
 * kernel/dma/swiotlb.c, era 5.12/5.13–5.14 (modelled: 5.13, 5.14): one global pool behind the
 * pointer `io_tlb_default_mem` (struct io_tlb_mem, NULL until initialised), the slot search in
 * its own function find_slots, the per-slot alloc_size written by swiotlb_tbl_map_single, and
 * the sync helpers swiotlb_sync_single_for_device / _for_cpu.
 *
 * Read from lsk-legends/linux-5.14 @45477c32dd5d (Makefile: 5.14.0-rc5), kernel/dma/swiotlb.c
 * lines 128–139 (print_info), 171–209 (init_with_tbl), 340–409 (align_offset, bounce), 411–503
 * (get_max_slots, wrap_index, find_slots), 505–554 (map_single), 556–606 (unmap_single),
 * 608–624 (sync), 660–668 (max_mapping_size, is_swiotlb_active); include/linux/swiotlb.h 60–88.
 * Replayed slot by slot against that file compiled unmodified (test/vectors/swiotlb/5.14-*.json).
 * 5.13 is modelled with the same code: hindawiai/hinlin @8f331291ee4a (a ≈5.13 mainline mirror;
 * no 5.13-tagged tree is in the search index) reads the same as 5.14-rc5 in every function here
 * (docs/verified-facts.md §8c).
 * 5.12 (zhangyinjun/linux-5.12.9) still keeps the 5.6–5.11 globals but has find_slots and
 * min_align_mask; it is not a modelled version.
 *
 * Version notes (what this file follows, and what it deliberately does not):
 * - swiotlb_bounce has 5f89468e2f06 "swiotlb: manipulate orig_addr when tlb_addr has offset",
 *   with its `unsigned int tlb_offset`, and NOT 868c9ddc182b "swiotlb: add overflow checks to
 *   swiotlb_bounce" (5.15).
 * - The per-slot alloc_size is written by swiotlb_tbl_map_single (moved into find_slots in 5.15
 *   by 36f7b2f3ca5f), and equals `alloc_size - i * IO_TLB_SIZE` (the offset is not counted).
 * - find_slots has no alloc_align_mask (5.16+), and its alignment loop still has the endless-loop
 *   case fixed in 2023 by 7c3940bf81e5 "swiotlb: fix the deadlock in swiotlb_do_find_slots".
 * - DMA_FROM_DEVICE maps do not initialise the slot (the info leak fixed in 5.18/5.19).
 *
 * Hot path: no per-slot objects and no bigint outside a memoised boundary computation; trace
 * arguments are only built when a tracer is attached (`k.tr?.f(...)` skips argument evaluation).
 */
import type { Kernel } from "../../../kernel.js";
import { warn_site } from "../../warn-sites.js";
import type { Device } from "../../../drivers/device.js";
import { dev_id } from "../../../drivers/device.js";
import { DMA_MAPPING_ERROR, PAGE_SHIFT, PAGE_SIZE, hex } from "../../../core/u64.js";
import { sym } from "../../../core/trace.js";
import { DIR_NAMES, DMA_ATTR_NO_WARN, DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, attrsName } from "../../../include/gfp.js";
import {
  ENOMEM, INVALID_PHYS_ADDR, IO_TLB_SEGSIZE, IO_TLB_SHIFT, IO_TLB_SIZE, IoTlbMem, TWO32, boundaryFor, bounce_copy, default_tbl_dma_addr,
  fmtPa, iommu_is_span_boundary, longBits, nr_slots, outOfPool, slot_addr, swiotlb_align_offset, swiotlb_full_ratelimit,
  slotsOfMapping, swiotlb_search_never_ends, unsignedOf, is_swiotlb_force_bounce_global, swiotlb_boot_alloc_once,
} from "./common.js";
import type { SwiotlbEra } from "./index.js";
import { IO_TLB_DEFAULT_SIZE, boot_meta_block, type BootMetaBlock } from "./common.js";
import { setup_io_tlb_npages_v5 } from "./param.js";

const FILE = "kernel/dma/swiotlb.c";
const S_init = sym("swiotlb_init_with_tbl", FILE);
const S_find = sym("find_slots", FILE);
const S_map = sym("swiotlb_tbl_map_single", FILE);
const S_unmap = sym("swiotlb_tbl_unmap_single", FILE);
const S_bounce = sym("swiotlb_bounce", FILE);
const S_sync_dev = sym("swiotlb_sync_single_for_device", FILE);
const S_sync_cpu = sym("swiotlb_sync_single_for_cpu", FILE);

// ---------------------------------------------------------------------------------------------
// init and queries

/** kernel/dma/swiotlb.c swiotlb_print_info (5.13–5.14): pr_info "software IO TLB: mapped [mem %pa-%pa] (%luMB)", or pr_warn "No low mem" (5.14-rc5 swiotlb.c:133–138) */
export function swiotlb_print_info(k: Kernel): void {
  const mem = k.io_tlb_default_mem;
  if (!mem) {
    k.printk("warn", "software IO TLB: No low mem");
    return;
  }
  k.printk("info", `software IO TLB: mapped [mem ${fmtPa(k, mem.start)}-${fmtPa(k, mem.end)}] (${Math.floor((mem.nslabs * IO_TLB_SIZE) / (1 << 20))}MB)`);
}

/**
 * kernel/dma/swiotlb.c swiotlb_init_with_tbl (5.13–5.14): install the pool at `start_phys`
 * (memory the caller reserved, e.g. memblock_alloc_low) with `nslabs` slabs. Returns 0 or
 * -ENOMEM. The pool memory reads as zeros afterwards (memblock hands out zeroed memory; 5.14
 * memsets it): modelled as zeroed RAM with no cache lines.
 */
export function swiotlb_init_with_tbl(k: Kernel, start_phys: number, nslabs: number, verbose: boolean): number {
  k.tr?.enter(S_init, { tlb: hex(start_phys), nslabs: String(nslabs) });
  if (k.swiotlb_force === "noforce") {
    k.tr?.decide("swiotlb_force == SWIOTLB_NO_FORCE", true, "swiotlb=noforce: no bounce pool");
    k.tr?.exit("0");
    return 0;
  }
  if (k.io_tlb_default_mem) {
    k.warnOnce("swiotlb_init_with_tbl:double-init", "WARNING: at kernel/dma/swiotlb.c swiotlb_init_with_tbl: WARN_ON_ONCE(io_tlb_default_mem)", "swiotlb_init_with_tbl", warn_site(k, "swiotlb_init_with_tbl:double-init"));
    k.tr?.exit("-ENOMEM");
    return -ENOMEM;
  }
  const mem = new IoTlbMem(start_phys, nslabs, false);
  const bytes = nslabs * IO_TLB_SIZE;
  k.mem.fill(start_phys, 0, bytes);
  k.cache.invalidate(start_phys, bytes);
  k.io_tlb_default_mem = mem;
  if (verbose) swiotlb_print_info(k);
  swiotlb_set_max_segment(k, bytes);
  k.tr?.exit("0");
  return 0;
}

/** kernel/dma/swiotlb.c swiotlb_set_max_segment (5.13–5.14): 1 with swiotlb=force, else rounddown(val, PAGE_SIZE) */
export function swiotlb_set_max_segment(k: Kernel, val: number): void {
  const mem = k.io_tlb_default_mem;
  if (mem) mem.max_segment = k.swiotlb_force === "force" ? 1 : Math.floor(val / PAGE_SIZE) * PAGE_SIZE;
}

/** kernel/dma/swiotlb.c swiotlb_max_segment (5.13–5.14) */
export function swiotlb_max_segment(k: Kernel): number {
  return k.io_tlb_default_mem ? k.io_tlb_default_mem.max_segment : 0;
}

/** kernel/dma/swiotlb.c is_swiotlb_active (5.13–5.14): the pool exists */
export function is_swiotlb_active(k: Kernel): boolean {
  return k.io_tlb_default_mem !== null && k.io_tlb_default_mem !== undefined;
}

/** include/linux/swiotlb.h is_swiotlb_buffer (5.13–5.14): paddr in [start, end) */
export function is_swiotlb_buffer(k: Kernel, paddr: number): boolean {
  const mem = k.io_tlb_default_mem;
  return !!mem && paddr >= mem.start && paddr < mem.end;
}

/** kernel/dma/swiotlb.c swiotlb_max_mapping_size (5.13–5.14): IO_TLB_SIZE * IO_TLB_SEGSIZE = 256 KiB */
export function swiotlb_max_mapping_size(_dev?: Device): number {
  return IO_TLB_SIZE * IO_TLB_SEGSIZE;
}

// ---------------------------------------------------------------------------------------------
// find_slots

/**
 * kernel/dma/swiotlb.c find_slots (5.13–5.14): search for `nr_slots(alloc_size)` free slots.
 * Returns the first slot index or -1.
 *
 * `tbl_dma_addr` is phys_to_dma_unencrypted(dev, mem->start); the kernel computes it inside with
 * the generic dma-direct translation. Callers may pass it (dma-direct knows the translation);
 * when omitted it is computed here from dev.dma_range_map (identity without one), which is the
 * same function.
 *
 * The 5.13 search loop can spin forever when a device has a min_align_mask ≥ IO_TLB_SIZE, the
 * original's bit(s) above the slot size differ from the start index's, and no fitting run
 * exists (the CPU then hangs holding mem->lock with interrupts off). dmasim detects the cycle
 * and stops the run with the watchdog's soft-lockup report (common.ts swiotlb_search_never_ends).
 */
export function find_slots(k: Kernel, dev: Device, orig_addr: number, alloc_size: number, tbl_dma_addr?: number): number {
  const mem = k.io_tlb_default_mem!;
  k.tr?.enter(S_find, { orig_addr: hex(orig_addr), alloc_size: String(alloc_size) });
  const b = boundaryFor(k, dev, tbl_dma_addr ?? default_tbl_dma_addr(dev, mem.start));
  const iotlb_align_mask = (dev.min_align_mask & ~(IO_TLB_SIZE - 1)) >>> 0;
  const nslots = nr_slots(alloc_size);
  if (nslots === 0) k.BUG_ON("swiotlb:nslots", "find_slots", "BUG_ON(!nslots)");

  // For mappings of at least a page, the stride (and so the alignment) is at least a page.
  let stride = (iotlb_align_mask >>> IO_TLB_SHIFT) + 1;
  if (alloc_size >= PAGE_SIZE) stride = Math.max(stride, stride << (PAGE_SHIFT - IO_TLB_SHIFT));

  const nslabs = mem.nslabs;
  if (nslots > nslabs - mem.used) {
    k.tr?.decide("nslots > nslabs - used", true, `${nslots} slots wanted, ${nslabs - mem.used} free in the whole pool`);
    k.tr?.swiotlb("map", -1, nslots, "-", `no room: ${nslots} slots > ${nslabs - mem.used} free`);
    k.tr?.exit("-1");
    return -1;
  }

  // wrap_index(ALIGN(mem->index, stride))
  let index = ((mem.index + stride - 1) & ~(stride - 1)) >>> 0;
  if (index >= nslabs) index = 0;
  const wrap = index;
  const want = orig_addr & iotlb_align_mask;
  let found = -1;
  let steps = 0;
  do {
    if (((b.tblLow + index * IO_TLB_SIZE) & iotlb_align_mask) !== want) {
      index = index + 1 >= nslabs ? 0 : index + 1;
    } else {
      if (!iommu_is_span_boundary(k, index, nslots, b, "find_slots") && mem.slot_list(index) >= nslots) {
        found = index;
        break;
      }
      index += stride;
      if (index >= nslabs) index = 0;
    }
    if (++steps > nslabs) {
      // More steps than slots without meeting `wrap` again: the walk is in a cycle that does not
      // contain `wrap`, so the kernel loop never ends.
      swiotlb_search_never_ends(k, "find_slots", dev, want, iotlb_align_mask, wrap, stride, nslots);
    }
  } while (index !== wrap);

  if (found < 0) {
    k.tr?.swiotlb("map", -1, nslots, "-", `no ${nslots}-slot run found (stride ${stride}, align mask ${hex(iotlb_align_mask)}), used ${mem.used}/${nslabs}`);
    k.tr?.exit("-1");
    return -1;
  }

  for (let i = found; i < found + nslots; i++) mem.set_slot_list(i, 0);
  mem.renumber(found - 1, 0);
  mem.index = found + nslots < nslabs ? found + nslots : 0;
  mem.used += nslots;
  k.tr?.swiotlb("map", found, nslots, hex(slot_addr(mem.start, found)), `stride ${stride}; used ${mem.used}/${nslabs}; next search at ${mem.index}`);
  k.tr?.exit(String(found));
  return found;
}

// ---------------------------------------------------------------------------------------------
// map / unmap / bounce / sync

/**
 * kernel/dma/swiotlb.c swiotlb_tbl_map_single (5.13–5.14): take slots for `alloc_size` bytes,
 * remember the original per slot and, for TO_DEVICE / BIDIRECTIONAL without SKIP_CPU_SYNC,
 * copy the original in. Returns the bounce buffer's physical address or DMA_MAPPING_ERROR.
 * The kernel panics when there is no pool: dmasim stops the run with panic()'s line (k.fatal "panic").
 * `tbl_dma_addr`: see find_slots.
 */
export function swiotlb_tbl_map_single(
  k: Kernel,
  dev: Device,
  orig_addr: number,
  mapping_size: number,
  alloc_size: number,
  dir: number,
  attrs: number,
  tbl_dma_addr?: number,
): number {
  const mem = k.io_tlb_default_mem;
  k.tr?.enter(S_map, { orig_addr: hex(orig_addr), mapping_size: hex(mapping_size), alloc_size: hex(alloc_size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  if (!mem) k.fatal("panic", "Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer", "swiotlb_tbl_map_single");

  if (mapping_size > alloc_size) {
    if (k.firstTime("swiotlb_tbl_map_single:invalid-sizes")) k.dev_printk("warn", dev, `Invalid sizes (mapping: ${mapping_size} bytes, alloc: ${alloc_size} bytes)`); // dev_warn_once
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }

  const offset = swiotlb_align_offset(dev, orig_addr);
  const index = find_slots(k, dev, orig_addr, alloc_size + offset, tbl_dma_addr);
  if (index === -1) {
    if (!(attrs & DMA_ATTR_NO_WARN) && swiotlb_full_ratelimit(k))
      k.dev_printk("warn", dev, `swiotlb buffer is full (sz: ${alloc_size} bytes), total ${mem.nslabs} (slots), used ${mem.used} (slots)`);
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }

  // Save the original of every slot (sync needs it), then bounce if the device will read.
  const n = nr_slots(alloc_size + offset);
  const oa = mem.orig_addr;
  const as = mem.alloc_size;
  for (let i = 0; i < n; i++) {
    oa[index + i] = slot_addr(orig_addr, i);
    as[index + i] = alloc_size - i * IO_TLB_SIZE;
  }
  const tlb_addr = slot_addr(mem.start, index) + offset;
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL)) {
    swiotlb_bounce(k, dev, tlb_addr, mapping_size, DMA_TO_DEVICE);
  } else {
    k.tr?.decide(
      "bounce at map",
      false,
      attrs & DMA_ATTR_SKIP_CPU_SYNC ? "DMA_ATTR_SKIP_CPU_SYNC" : "DMA_FROM_DEVICE: the slot keeps whatever it held before (not initialised in 5.13/5.14)",
    );
  }
  k.tr?.exit(hex(tlb_addr));
  return tlb_addr;
}

/**
 * kernel/dma/swiotlb.c swiotlb_bounce (5.13–5.14, with 5f89468e2f06, without 868c9ddc182b):
 * copy `size` bytes between the bounce buffer at `tlb_addr` and its original, TO_DEVICE:
 * original → slot, else slot → original. Both sides are CPU accesses through cacheable aliases
 * (the linear map; kmap_atomic for ARM32 highmem originals), i.e. through the cache model.
 *
 * Exact C arithmetic kept: `tlb_offset` is an unsigned int, so a partial sync that starts in a
 * later slot below the min_align offset wraps it — harmless with 32-bit phys_addr_t (ARM32), a
 * 4 GiB-off copy with 64-bit phys_addr_t. The highmem path takes the page from the unadjusted
 * orig_addr and the in-page offset from the adjusted one.
 */
export function swiotlb_bounce(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  const mem = k.io_tlb_default_mem!;
  k.tr?.enter(S_bounce, { tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  const index = Math.floor((tlb_addr - mem.start) / IO_TLB_SIZE);
  if (index < 0 || index >= mem.nslabs) outOfPool(k, "swiotlb_bounce", tlb_addr);
  const slot_orig = mem.orig_addr[index]!;
  if (slot_orig === INVALID_PHYS_ADDR) {
    k.tr?.swiotlb("bounce", index, 0, hex(tlb_addr), "slot has no original (INVALID_PHYS_ADDR): nothing copied");
    k.tr?.exit();
    return;
  }
  const bits = longBits(k);
  const pfn = Math.floor(slot_orig / PAGE_SIZE);
  const tlb_offset = ((tlb_addr & (IO_TLB_SIZE - 1)) - swiotlb_align_offset(dev, slot_orig)) >>> 0;
  let orig_addr = slot_orig + tlb_offset;
  if (bits === 32) orig_addr %= TWO32;
  const alloc = unsignedOf(mem.alloc_size[index]! - tlb_offset, bits);

  if (size > alloc) {
    k.warnOnce("swiotlb_bounce:overflow", `${dev_id(dev)}: Buffer overflow detected. Allocation size: ${alloc}. Mapping size: ${size}.`, "swiotlb_bounce", warn_site(k, "swiotlb_bounce:overflow"));
    size = alloc;
  }

  const toDevice = dir === DMA_TO_DEVICE;
  if (k.tr) {
    const tail = tlb_offset >= IO_TLB_SIZE ? ` (tlb_offset wrapped to ${hex(tlb_offset)})` : "";
    k.tr.swiotlb("bounce", index, nr_slots((tlb_addr & (IO_TLB_SIZE - 1)) + size), hex(tlb_addr), `${toDevice ? "orig → slot" : "slot → orig"} ${size} B, orig ${hex(orig_addr)}${tail}`);
  }
  bounce_copy(k, tlb_addr, orig_addr, pfn, size, toDevice, bits);
  k.tr?.exit();
}

/**
 * kernel/dma/swiotlb.c swiotlb_tbl_unmap_single (5.13–5.14): copy back for FROM_DEVICE /
 * BIDIRECTIONAL unless SKIP_CPU_SYNC, then return the slots to the free list, merging with the
 * free run after them (same segment only) and renumbering the free run before them.
 */
export function swiotlb_tbl_unmap_single(k: Kernel, dev: Device, tlb_addr: number, mapping_size: number, dir: number, attrs: number): void {
  const mem = k.io_tlb_default_mem!;
  k.tr?.enter(S_unmap, { tlb_addr: hex(tlb_addr), mapping_size: hex(mapping_size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  const offset = swiotlb_align_offset(dev, tlb_addr);
  const index = Math.floor((tlb_addr - offset - mem.start) / IO_TLB_SIZE);
  if (index < 0 || index >= mem.nslabs) outOfPool(k, "swiotlb_tbl_unmap_single", tlb_addr);
  const nslots = slotsOfMapping(mem.alloc_size[index]!, offset, longBits(k));

  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) {
    swiotlb_bounce(k, dev, tlb_addr, mapping_size, DMA_FROM_DEVICE);
  }

  const oa = mem.orig_addr;
  const as = mem.alloc_size;
  // merge with the following free run if it is in the same segment
  let count = index + nslots < ((index + IO_TLB_SEGSIZE) & ~(IO_TLB_SEGSIZE - 1)) ? mem.slot_list(index + nslots) : 0;
  for (let i = index + nslots - 1; i >= index; i--) {
    mem.set_slot_list(i, ++count);
    oa[i] = INVALID_PHYS_ADDR;
    as[i] = 0;
  }
  // and renumber the free run before it, within the segment
  count = mem.renumber(index - 1, count);
  mem.used -= nslots;
  k.tr?.swiotlb("unmap", index, nslots, hex(tlb_addr), `freed; run now ${count} slots; used ${mem.used}/${mem.nslabs}`);
  k.tr?.exit();
}

/** kernel/dma/swiotlb.c swiotlb_sync_single_for_device (5.13–5.14): bounce in for TO/BIDI; BUG_ON(dir != DMA_FROM_DEVICE) otherwise */
export function swiotlb_sync_single_for_device(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  k.tr?.enter(S_sync_dev, { tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  if (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(k, dev, tlb_addr, size, DMA_TO_DEVICE);
  else if (dir !== DMA_FROM_DEVICE) k.BUG_ON("swiotlb:sync_for_device", "swiotlb_sync_single_for_device", "BUG_ON(dir != DMA_FROM_DEVICE)");
  k.tr?.exit();
}

/** kernel/dma/swiotlb.c swiotlb_sync_single_for_cpu (5.13–5.14): bounce out for FROM/BIDI; BUG_ON(dir != DMA_TO_DEVICE) otherwise */
export function swiotlb_sync_single_for_cpu(k: Kernel, dev: Device, tlb_addr: number, size: number, dir: number): void {
  k.tr?.enter(S_sync_cpu, { tlb_addr: hex(tlb_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  if (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL) swiotlb_bounce(k, dev, tlb_addr, size, DMA_FROM_DEVICE);
  else if (dir !== DMA_TO_DEVICE) k.BUG_ON("swiotlb:sync_for_cpu", "swiotlb_sync_single_for_cpu", "BUG_ON(dir != DMA_TO_DEVICE)");
  k.tr?.exit();
}


/** The 5.12/5.13–5.14 era as index.ts dispatches to it. */
/** kernel/dma/swiotlb.c swiotlb_late_init_with_tbl (5.13–5.14): the io_tlb_mem and its slots in one __get_free_pages(GFP_KERNEL) block, get_order(struct_size(mem, slots, nslabs)) (5.14-rc5; a 24-byte slot, a header under 64 bytes) */
function swiotlb_late_metadata(nslabs: number): import("./index.js").LateBlock[] {
  return [{ bytes: 64 + 24 * nslabs, zero: false, what: "io_tlb_mem" }];
}

/**
 * kernel/dma/swiotlb.c swiotlb_init_with_tbl (5.13–5.14) on the boot buffer: SWIOTLB_NO_FORCE returns 0 first
 * (nothing allocated), else one memblock_alloc(PAGE_ALIGN(struct_size(mem, slots, nslabs)), PAGE_SIZE) — the
 * struct io_tlb_mem (start, end, nslabs, used, index, lock, debugfs, late_alloc: 56 bytes on a 64-bit kernel
 * without spinlock debugging) followed by its 24-byte slots — or panic "%s: Failed to allocate %zu bytes
 * align=0x%lx" (5.14-rc5 swiotlb.c:177–188, include/linux/swiotlb.h:87–101; 5.13 inferred: no stored tree).
 */
function swiotlb_boot_metadata(k: Kernel, nslabs: number): BootMetaBlock[] {
  if (k.swiotlb_force === "noforce") return [];
  return [boot_meta_block("swiotlb_init_with_tbl", "swiotlb io_tlb_mem", Math.ceil((56 + 24 * nslabs) / PAGE_SIZE) * PAGE_SIZE, PAGE_SIZE, "panic")];
}

/**
 * kernel/dma/swiotlb.c default_nslabs after setup_io_tlb_npages (5.13–5.19; 5.14-rc5 :74, :77–93; 5.15.178 :81, :84–100;
 * 5.19 :72, :75–91): `static unsigned long default_nslabs = IO_TLB_DEFAULT_SIZE >> IO_TLB_SHIFT`, which a leading number
 * replaces with its ALIGN — 0 included (swiotlb=0 keeps 0: swiotlb_init's memblock_alloc_low(PAGE_ALIGN(0)) and a pool
 * of no slabs; 5.6–5.12 read io_tlb_nslabs 0 as "not set" instead)
 */
export function default_nslabs(k: Kernel): number {
  // (the ALIGN is the parser's; repeated here for a config made without it)
  return k.cfg?.swiotlb_slabs_set ? Math.ceil(k.cfg.swiotlb_slabs / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE : IO_TLB_DEFAULT_SIZE >> IO_TLB_SHIFT;
}

export const era_v5_13: SwiotlbEra = Object.freeze<SwiotlbEra>({
  parse_param: setup_io_tlb_npages_v5,
  boot_nslabs: default_nslabs,
  // kernel/dma/swiotlb.c swiotlb_size_or_default (5.13–5.19; 5.14-rc5 :109–112): default_nslabs << IO_TLB_SHIFT
  swiotlb_size_or_default: (k) => default_nslabs(k) * IO_TLB_SIZE,
  boot_metadata: swiotlb_boot_metadata,
  // kernel/dma/swiotlb.c swiotlb_init (5.13–5.14): memblock_alloc_low fails → pr_warn "Cannot allocate buffer" (5.14-rc5 :231), no pool
  boot_alloc: (k, nslabs, alloc) => swiotlb_boot_alloc_once(k, nslabs, alloc, "Cannot allocate buffer"),
  late_metadata: swiotlb_late_metadata,
  name: "5.13",
  pool: (k) => k.io_tlb_default_mem,
  swiotlb_init_with_tbl,
  swiotlb_print_info,
  swiotlb_set_max_segment,
  swiotlb_max_segment,
  is_swiotlb_active: (k) => is_swiotlb_active(k),
  is_swiotlb_buffer,
  swiotlb_max_mapping_size: () => swiotlb_max_mapping_size(),
  map_single: (k, dev, orig, mapping_size, alloc_size, _align, dir, attrs, tbl) => swiotlb_tbl_map_single(k, dev, orig, mapping_size, alloc_size, dir, attrs, tbl),
  unmap_single: swiotlb_tbl_unmap_single,
  is_swiotlb_force_bounce: is_swiotlb_force_bounce_global,
  sync_for_device: swiotlb_sync_single_for_device,
  sync_for_cpu: swiotlb_sync_single_for_cpu,
});

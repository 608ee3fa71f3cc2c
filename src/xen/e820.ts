/**
 * arch/x86/xen/setup.c xen_memory_setup's e820 pass for an x86 PV initial domain, as pure arithmetic over the machine
 * e820 (XENMEM_machine_memory_map) and the domain builder's allocation (xen_start_info->nr_pages = dom0_mem): which
 * pseudo-physical ranges are dom0's e820 RAM, which of them are extra memory (xen_extra_mem[], memblock-reserved until
 * the balloon driver takes them), and the non-RAM areas xen_foreach_remap_area walks. The same in 5.6.4–6.18.35 for
 * the maps modelled (5.10.7 setup.c:728–906, 6.18.35 :789–977): 6.6 (ini_nr_pages) only moved nr_pages into a
 * global; 6.12's xen_e820_swap_entry_with_ram acts only on a non-RAM entry over the kernel, start info or page
 * tables, which the PC map has not; CONFIG_ISCSI_IBFT_FIND's 512 KiB–1 MiB entry (6.18.35 :844–849) is below the
 * model's RAM (x86 RAM starts at 1 MiB here) and not configured.
 */
import type { Bank } from "../mm/physmem.js";
import type { E820Entry } from "../platforms/platform.js";

const PAGE = 4096;
const PFN_DOWN = (a: number) => Math.floor(a / PAGE);
const PFN_UP = (a: number) => Math.ceil(a / PAGE);

/**
 * arch/x86/xen/setup.c EXTRA_MEM_RATIO (5.6–6.1; 5.10.7 setup.c:72): extra memory at most 10 × the initial allocation.
 * Later trees define the same (10) in arch/x86/xen/xen-ops.h for PVH's use too (6.18.35 xen-ops.h:184); setup.c's use is unchanged.
 */
export const EXTRA_MEM_RATIO = 10;
/** arch/x86/include/asm/pgtable_64_types.h MAXMEM with 4-level paging (a PV guest has no LA57): 2^46 bytes, in pages */
const MAXMEM_PAGES = 2 ** 46 / PAGE;
/**
 * XENMEM_maximum_reservation for dom0: Xen's dom0_compute_nr_pages sets d->max_pages = min(max_pages, UINT_MAX), max_pages
 * from dom0_max_size = { .nr_pages = LONG_MAX } unless dom0_mem= names a max: (xen/arch/x86/dom0_build.c) — UINT_MAX pages
 */
const XEN_DOM0_MAX_RESERVATION = 2 ** 32 - 1;

/**
 * arch/x86/xen/setup.c xen_foreach_remap_area (5.6–6.18; 5.10.7 setup.c:453–490, 6.18.35 :408–444): each run of non-RAM
 * entries and gaps up to the next RAM entry, [PFN_DOWN(start), PFN_UP(next RAM's addr)) — or, at the last entry if it
 * is not RAM, PFN_UP(its end) — handed to func with the value func returned last
 */
export function xen_foreach_remap_area(e820: readonly E820Entry[], func: (start_pfn: number, end_pfn: number, last: number) => number): number {
  let start = 0;
  let ret_val = 0;
  for (let i = 0; i < e820.length; i++) {
    const e = e820[i]!;
    const end = e.start + e.size;
    if (e.type === "ram" || i === e820.length - 1) {
      const start_pfn = PFN_DOWN(start);
      const end_pfn = e.type === "ram" ? PFN_UP(e.start) : PFN_UP(end);
      if (start_pfn < end_pfn) ret_val = func(start_pfn, end_pfn, ret_val);
      start = end;
    }
  }
  return ret_val;
}

/** arch/x86/xen/setup.c xen_count_remap_pages (5.6–6.18; 5.10.7 setup.c:443–451, 6.18.35 :398–406): the pages of a non-RAM area below nr_pages, which must be remapped */
function xen_count_remap_pages(start_pfn: number, end_pfn: number, nr_pages: number, remap_pages: number): number {
  if (start_pfn >= nr_pages) return remap_pages;
  return remap_pages + Math.min(end_pfn, nr_pages) - start_pfn;
}

export interface XenPvE820 {
  /** dom0's e820 RAM after xen_align_and_add_e820_region (page-aligned, sorted; adjacent entries merged as e820__update_table does) */
  ram: Bank[];
  /** xen_extra_mem[]: [start_pfn, n_pfns) of RAM past the allocation (memblock_reserve'd by xen_add_extra_mem) */
  extra: { start_pfn: number; n_pfns: number }[];
  /** the pages xen_foreach_remap_area(xen_count_remap_pages) counted */
  remap_pages: number;
  /** xen_start_info->nr_pages clamped to xen_get_pages_limit() (5.6–6.5 max_pfn, 6.6+ ini_nr_pages) */
  nr_pages: number;
  /** the address after the last e820 entry: set_phys_range_identity(addr / PAGE_SIZE, ~0ul) from there */
  end: number;
}

/**
 * arch/x86/xen/setup.c xen_memory_setup (5.6–6.18) up to the identity/remap step, for the initial domain:
 * max_pages = xen_get_max_pages() (XENMEM_maximum_reservation, at most MAXMEM) plus xen_count_remap_pages; extra_pages
 * = min3(EXTRA_MEM_RATIO × min(nr_pages, PFN_DOWN(MAXMEM)), max_pages − nr_pages, …); then each e820 RAM entry below
 * mem_end is clipped to it, RAM past it is extra memory while extra_pages lasts (xen_add_extra_mem; PFN_UP/PFN_DOWN of
 * the chunk), the rest discarded; non-RAM entries are copied (xen_align_and_add_e820_region).
 */
export function xen_pv_dom0_e820(e820: readonly E820Entry[], start_nr_pages: number): XenPvE820 {
  const nr_pages = Math.min(MAXMEM_PAGES, start_nr_pages);
  const mem_end = nr_pages * PAGE;
  let max_pages = Math.min(XEN_DOM0_MAX_RESERVATION, MAXMEM_PAGES);
  const remap_pages = xen_foreach_remap_area(e820, (s, t, last) => xen_count_remap_pages(s, t, nr_pages, last));
  max_pages += remap_pages;
  let extra_pages = max_pages > nr_pages ? max_pages - nr_pages : 0;
  extra_pages = Math.min(EXTRA_MEM_RATIO * Math.min(nr_pages, MAXMEM_PAGES), extra_pages, max_pages - nr_pages);
  const ram: Bank[] = [];
  const extra: { start_pfn: number; n_pfns: number }[] = [];
  const addRam = (start: number, size: number) => {
    // xen_align_and_add_e820_region: RAM page-aligned inwards; e820__update_table merges adjacent RAM
    const s = Math.ceil(start / PAGE) * PAGE;
    const t = Math.floor((start + size) / PAGE) * PAGE;
    if (t <= s) return;
    const last = ram[ram.length - 1];
    if (last && last.start + last.size === s) last.size += t - s;
    else ram.push({ start: s, size: t - s });
  };
  let i = 0;
  let addr = e820[0]!.start;
  let size = e820[0]!.size;
  while (i < e820.length) {
    let chunk_size = size;
    if (e820[i]!.type === "ram") {
      if (addr < mem_end) {
        chunk_size = Math.min(size, mem_end - addr);
        addRam(addr, chunk_size);
      } else if (extra_pages) {
        chunk_size = Math.min(size, extra_pages * PAGE);
        const pfn_s = PFN_UP(addr);
        const n_pfns = PFN_DOWN(addr + chunk_size) - pfn_s;
        extra_pages -= n_pfns;
        // xen_add_extra_mem: a new region, or appended to one it continues
        const r = extra.find((x) => x.start_pfn + x.n_pfns === pfn_s);
        if (r) r.n_pfns += n_pfns;
        else extra.push({ start_pfn: pfn_s, n_pfns });
        addRam(addr, chunk_size);
      }
      // else: discard
    }
    addr += chunk_size;
    size -= chunk_size;
    if (size === 0) {
      i++;
      if (i < e820.length) {
        addr = e820[i]!.start;
        size = e820[i]!.size;
      }
    }
  }
  return { ram, extra, remap_pages, nr_pages, end: addr };
}

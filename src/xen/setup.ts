/**
 * arch/x86/xen/setup.c for an x86 PV dom0: xen_memory_setup's identity step — every non-RAM stretch of the
 * e820 map below dom0's initial allocation becomes IDENTITY_FRAME entries in the P2M, and the RAM frames the
 * domain builder had put there are remapped past the allocation or, with no e820 RAM to remap them into,
 * given back to Xen. dom0's e820 (xen_e820_table) is XENMEM_machine_memory_map — the machine's map, which
 * holds RAM far past dom0's allocation whenever Xen keeps memory of its own. The function bodies are unchanged from 5.6.4 to 6.18.35 except for the nr_pages
 * argument, which 6.6 replaced by the global ini_nr_pages, and the VA mapping of the hole (1:1 until 5.18,
 * zapped from 5.19), which the model does not keep.
 */
import type { Kernel } from "../kernel.js";
import type { Bank } from "../mm/physmem.js";
import { sym } from "../core/trace.js";
import { DmasimInternalError } from "../core/faults.js";
import { PAGE_SIZE, hex } from "../core/u64.js";

const F = "arch/x86/xen/setup.c";
const S_foreach = sym("xen_foreach_remap_area", F);
const S_remap_chunk = sym("xen_set_identity_and_remap_chunk", F);
const S_release_chunk = sym("xen_set_identity_and_release_chunk", F);

/**
 * arch/x86/xen/setup.c xen_find_pfn_range (5.6–6.18; 5.10.7 setup.c:200–231, 6.18.35 :160–191): the first e820
 * RAM entry ending after *min_pfn; its size from min_pfn (or from its start, which then becomes min_pfn), 0 when none
 */
function xen_find_pfn_range(e820: readonly Bank[], min_pfn: { v: number }): number {
  for (const e of e820) {
    const e_pfn = Math.floor((e.start + e.size) / PAGE_SIZE);
    if (e_pfn <= min_pfn.v) continue;
    const s_pfn = Math.ceil(e.start / PAGE_SIZE);
    if (s_pfn <= min_pfn.v) return e_pfn - min_pfn.v;
    min_pfn.v = s_pfn;
    return e_pfn - s_pfn;
  }
  return 0;
}

/**
 * arch/x86/xen/setup.c xen_set_identity_and_release_chunk (5.6–6.18; 5.10.7 setup.c:254–283, 6.18.35 :214–243):
 * each pfn below nr_pages whose frame is dom0's (pfn_to_mfn valid, mfn_to_pfn back to pfn) is given to Xen with
 * XENMEM_decrease_reservation (xen_free_mfn), counted in xen_released_pages and set INVALID_P2M_ENTRY; then
 * set_phys_range_identity over the whole chunk
 */
function xen_set_identity_and_release_chunk(k: Kernel, start_pfn: number, end_pfn: number, nr_pages: number, released: { n: number }): void {
  k.tr?.enter(S_release_chunk, { start_pfn: hex(start_pfn), end_pfn: hex(end_pfn), nr_pages: hex(nr_pages) });
  const x = k.xen!;
  const p2m = x.p2m!;
  const end = Math.min(end_pfn, nr_pages);
  // pfn by pfn as the kernel goes, its effects applied a machine-contiguous run at a time (the same heap and P2M)
  const n = Math.max(0, end - start_pfn);
  const frames = n > 0 ? p2m.frames(start_pfn, n).slice() : [];
  const owned = (i: number): boolean => {
    const pfn = start_pfn + i;
    const mfn = p2m.identity(pfn) ? pfn : frames[i]!;
    return mfn >= 0 && p2m.mfn_to_pfn(mfn) === pfn;
  };
  for (let i = 0; i < n; ) {
    if (p2m.identity(start_pfn + i) || !owned(i)) {
      i++;
      continue;
    }
    const mfn = frames[i]!;
    let r = 1;
    while (i + r < n && frames[i + r] === mfn + r && !p2m.identity(start_pfn + i + r) && owned(i + r)) r++;
    // xen_free_mfn: XENMEM_decrease_reservation of one extent per pfn, which Xen's heap takes back (ret 1)
    x.heap!.release(mfn, r);
    released.n += r;
    p2m.setInvalid(start_pfn + i, mfn, r);
    i += r;
  }
  p2m.set_phys_range_identity(start_pfn, end_pfn);
  k.tr?.note(`set_phys_range_identity(${hex(start_pfn)}, ${hex(end_pfn)}): pfn_to_mfn is the pfn itself there`);
  k.tr?.exit();
}

/**
 * arch/x86/xen/setup.c xen_set_identity_and_remap_chunk (5.6–6.18; 5.10.7 setup.c:387–441, 6.18.35 :343–397): a
 * chunk at or beyond nr_pages is only made identity; below it, its frames go to the next e820 RAM at or after
 * remap_pfn (xen_find_pfn_range), or — with none — pr_warn "Unable to find available pfn range, not remapping
 * identity pages" and xen_set_identity_and_release_chunk
 */
function xen_set_identity_and_remap_chunk(k: Kernel, e820: readonly Bank[], start_pfn: number, end_pfn: number, nr_pages: number, remap_pfn: number, released: { n: number }): number {
  k.tr?.enter(S_remap_chunk, { start_pfn: hex(start_pfn), end_pfn: hex(end_pfn), nr_pages: hex(nr_pages), remap_pfn: hex(remap_pfn) });
  const n = end_pfn - start_pfn;
  if (remap_pfn === 0) remap_pfn = nr_pages;
  const p2m = k.xen!.p2m!;
  for (let i = 0; i < n; ) {
    const cur_pfn = start_pfn + i;
    const left = n - i;
    if (cur_pfn >= nr_pages) {
      p2m.set_phys_range_identity(cur_pfn, cur_pfn + left);
      break;
    }
    const at = { v: remap_pfn };
    const remap_range_size = xen_find_pfn_range(e820, at);
    if (!remap_range_size) {
      k.printk("warn", "Unable to find available pfn range, not remapping identity pages");
      xen_set_identity_and_release_chunk(k, cur_pfn, cur_pfn + left, nr_pages, released);
      break;
    }
    // xen_do_set_identity_and_remap_chunk (queueing the frames for xen_remap_memory): a machine map with a hole below
    // dom0_mem and RAM past it, which no modelled platform has (x86_64-xen-pv's machine map is one RAM entry from 0)
    throw new DmasimInternalError(`xen_set_identity_and_remap_chunk: the e820 has RAM at pfn ${hex(at.v)} past dom0's ${hex(nr_pages)} pages; remapping a hole's frames there is not modelled`);
  }
  k.tr?.exit(hex(remap_pfn));
  return remap_pfn;
}

/**
 * arch/x86/xen/setup.c xen_memory_setup's `xen_foreach_remap_area(max_pfn, xen_set_identity_and_remap_chunk)` and
 * its closing pr_info("Released %ld page(s)\n", xen_released_pages) (5.6.4 setup.c:453–490 and :916–918, 5.10.7
 * :453–490 and :904–906, 6.18.35 :408–444 and :975–977): xen_foreach_remap_area hands each run of non-RAM
 * entries and gaps before a RAM entry (page-rounded outwards) to the function. `e820` is xen_e820_table: for the
 * initial domain XENMEM_machine_memory_map (5.10.7 setup.c:752–755, 6.18.35 :813–816), the platform's machine
 * banks; nr_pages is xen_start_info->nr_pages (dom0_mem). The stretch past the last entry is identity by
 * __pfn_to_mfn's xen_max_p2m_pfn test (PvP2M.identity).
 */
export function xen_set_identity_and_remap(k: Kernel, e820: readonly Bank[], nr_pages: number): void {
  k.tr?.enter(S_foreach, { nr_pages: hex(nr_pages), func: "xen_set_identity_and_remap_chunk" });
  const released = { n: 0 };
  let start = 0;
  let ret_val = 0;
  for (const e of e820) {
    const start_pfn = Math.floor(start / PAGE_SIZE);
    const end_pfn = Math.ceil(e.start / PAGE_SIZE);
    if (start_pfn < end_pfn) ret_val = xen_set_identity_and_remap_chunk(k, e820, start_pfn, end_pfn, nr_pages, ret_val, released);
    start = e.start + e.size;
  }
  k.tr?.exit();
  k.printk("info", `Released ${released.n} page(s)`);
}

/**
 * arch/x86/xen/setup.c xen_remap_memory (5.6–6.18; 5.10.7 setup.c:499–541, 6.18.35 :453–494), from
 * xen_pagetable_init (arch/x86/xen/mmu_pv.c, x86_init.paging.pagetable_init): walks the xen_remap_mfn list
 * xen_do_set_identity_and_remap_chunk built and pr_info("Remapped %ld page(s)\n", remapped) — on every PV boot,
 * "Remapped 0 page(s)" when nothing was queued; then (be35d91c8880, 6.12; 6.6.63 by backport) xen_do_remap_nonram.
 */
export function xen_remap_memory(k: Kernel): void {
  k.printk("info", `Remapped ${k.xen!.xen_remap_pages ?? 0} page(s)`);
  if (k.sw["be35d91c8880"]) xen_do_remap_nonram(k);
}

/**
 * arch/x86/xen/p2m.c xen_do_remap_nonram (6.12+ and 6.6.63; 6.12.19 p2m.c:811–836, 6.18.35 :805–830): set_phys_to_machine
 * for each page of each xen_nonram_remap[] entry (PFN_DOWN(paddr) .. PFN_UP(paddr + size), from PFN_DOWN(maddr)), then
 * pr_info("Remapped %u non-RAM page(s)\n", remapped)
 */
function xen_do_remap_nonram(k: Kernel): void {
  const remaps = k.xen!.xen_nonram_remap ?? [];
  // the P2M update of a recorded remap is not modelled: no modelled machine map has an ACPI NVS entry to move
  if (remaps.length) throw new DmasimInternalError("xen_do_remap_nonram: a recorded non-RAM remap is not modelled");
  k.printk("info", `Remapped ${remaps.length} non-RAM page(s)`);
}

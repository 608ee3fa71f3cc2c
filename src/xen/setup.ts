/**
 * arch/x86/xen/setup.c for an x86 PV dom0: xen_memory_setup's identity step — every non-RAM stretch of the
 * e820 map below dom0's initial allocation becomes IDENTITY_FRAME entries in the P2M, and the RAM frames the
 * domain builder had put there are queued for remapping past the allocation (xen_do_set_identity_and_remap_chunk),
 * or, with no e820 RAM to remap them into, given back to Xen; xen_remap_memory (from xen_pagetable_init, after
 * paging_init) then maps the queued frames at their new pfns and takes those pfns out of the extra memory.
 * dom0's e820 (xen_e820_table) is XENMEM_machine_memory_map — the machine's map (src/xen/e820.ts has the e820 pass).
 * The function bodies are unchanged from 5.6.4 to 6.18.35 except for the nr_pages argument, which 6.6 replaced by
 * the global ini_nr_pages (the same value: no behaviour changes), and the VA mapping of the hole: 5.6–5.18 set the
 * PTEs of a remapped area's pfns up to max_pfn_mapped to the 1:1 machine frames (PAGE_KERNEL_IO), 5.19+ zap them
 * (5.10.7 setup.c:435–438, 6.18.35 :386–392). max_pfn_mapped there is Xen's initial mapping (the kernel, start info,
 * P2M list: tens of MiB), so that touches only the hole below 1 MiB, where the model has no RAM; the PCI hole at
 * 3 GiB is never in the linear map (init_mem_mapping maps memblock.memory), in any version.
 */
import type { Kernel } from "../kernel.js";
import type { Bank } from "../mm/physmem.js";
import type { E820Entry } from "../platforms/platform.js";
import { xen_foreach_remap_area, xen_pv_dom0_e820 } from "./e820.js";
import { sym } from "../core/trace.js";
import { DmasimInternalError } from "../core/faults.js";
import { PAGE_SIZE, hex } from "../core/u64.js";

const F = "arch/x86/xen/setup.c";
const S_foreach = sym("xen_foreach_remap_area", F);
const S_remap_chunk = sym("xen_set_identity_and_remap_chunk", F);
const S_release_chunk = sym("xen_set_identity_and_release_chunk", F);
const S_do_remap_chunk = sym("xen_do_set_identity_and_remap_chunk", F);

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

/** arch/x86/xen/setup.c REMAP_SIZE (5.6–6.18): P2M_PER_PAGE - 3 frames a xen_remap_buf */
const REMAP_SIZE = 512 - 3;

/**
 * arch/x86/xen/setup.c xen_do_set_identity_and_remap_chunk (5.6–6.18; 5.10.7 setup.c:333–372, 6.18.35 :289–332): for
 * each REMAP_SIZE piece of [start_pfn, start_pfn + size), a xen_remap_buf with the target pfn and the pieces' frames
 * (pfn_to_mfn) is put at the head of the xen_remap_mfn list, and the piece is made identity (set_phys_range_identity)
 */
function xen_do_set_identity_and_remap_chunk(k: Kernel, start_pfn: number, size: number, remap_pfn: number): void {
  k.tr?.enter(S_do_remap_chunk, { start_pfn: hex(start_pfn), size: hex(size), remap_pfn: hex(remap_pfn) });
  const x = k.xen!;
  const p2m = x.p2m!;
  // the list is kept oldest first here (xen_remap_memory walks it from the newest)
  const list = (x.xen_remap_list ??= []);
  // the frames of the whole chunk as machine-contiguous runs, cut into REMAP_SIZE buffers
  const all: number[] = [];
  p2m.runs(start_pfn, size, all);
  const untouched = p2m.untouched(start_pfn, size);
  let r = 0;
  let used = 0; // frames of all[r] already put in a buffer
  for (let ident = start_pfn, remap = remap_pfn; ident < start_pfn + size; ident += REMAP_SIZE, remap += REMAP_SIZE) {
    const chunk = Math.min(start_pfn + size - ident, REMAP_SIZE);
    const runs: number[] = [];
    for (let need = chunk; need > 0; ) {
      const take = Math.min(need, all[r + 1]! - used);
      runs.push(all[r]! < 0 ? -1 : all[r]! + used, take);
      need -= take;
      used += take;
      if (used === all[r + 1]!) {
        r += 2;
        used = 0;
      }
    }
    list.push(untouched ? { target_pfn: remap, size: chunk, runs, from: ident } : { target_pfn: remap, size: chunk, runs });
  }
  // set_phys_range_identity piece by piece in the kernel: the same entries as the whole chunk at once
  p2m.set_phys_range_identity(start_pfn, start_pfn + size);
  k.tr?.note(`queued ${size} frame(s) in ${Math.ceil(size / REMAP_SIZE)} xen_remap_buf(s) for pfn ${hex(remap_pfn)}..; set_phys_range_identity(${hex(start_pfn)}, ${hex(start_pfn + size)})`);
  k.tr?.exit();
}

/**
 * arch/x86/xen/setup.c xen_set_identity_and_remap_chunk (5.6–6.18; 5.10.7 setup.c:387–441, 6.18.35 :343–397): a
 * chunk at or beyond nr_pages is only made identity; below it, its frames go to the next e820 RAM at or after
 * remap_pfn (xen_find_pfn_range), as much as that RAM entry holds each time (xen_do_set_identity_and_remap_chunk), or
 * — with none — pr_warn "Unable to find available pfn range, not remapping identity pages" and
 * xen_set_identity_and_release_chunk. Returns the next remap_pfn.
 */
function xen_set_identity_and_remap_chunk(k: Kernel, e820: readonly Bank[], start_pfn: number, end_pfn: number, nr_pages: number, remap_pfn: number, released: { n: number }): number {
  k.tr?.enter(S_remap_chunk, { start_pfn: hex(start_pfn), end_pfn: hex(end_pfn), nr_pages: hex(nr_pages), remap_pfn: hex(remap_pfn) });
  const n = end_pfn - start_pfn;
  if (remap_pfn === 0) remap_pfn = nr_pages;
  const p2m = k.xen!.p2m!;
  for (let i = 0; i < n; ) {
    const cur_pfn = start_pfn + i;
    const left = n - i;
    let size = left;
    if (cur_pfn >= nr_pages) {
      p2m.set_phys_range_identity(cur_pfn, cur_pfn + size);
      break;
    }
    if (cur_pfn + size > nr_pages) size = nr_pages - cur_pfn;
    const at = { v: remap_pfn };
    const remap_range_size = xen_find_pfn_range(e820, at);
    remap_pfn = at.v;
    if (!remap_range_size) {
      k.printk("warn", "Unable to find available pfn range, not remapping identity pages");
      xen_set_identity_and_release_chunk(k, cur_pfn, cur_pfn + left, nr_pages, released);
      break;
    }
    if (size > remap_range_size) size = remap_range_size;
    xen_do_set_identity_and_remap_chunk(k, cur_pfn, size, remap_pfn);
    i += size;
    remap_pfn += size;
  }
  k.tr?.exit(hex(remap_pfn));
  return remap_pfn;
}

/**
 * arch/x86/xen/setup.c xen_memory_setup's P2M side for the initial domain (5.6.4 setup.c:853–918, 5.10.7 :841–906,
 * 6.18.35 :897–977): set_phys_range_identity(addr / PAGE_SIZE, ~0ul) past the e820's end (clipped to xen_p2m_size:
 * nothing, as dom0's map ends past its allocation), xen_add_extra_mem's regions (their memblock_reserve is the
 * caller's), then `xen_foreach_remap_area(max_pfn, xen_set_identity_and_remap_chunk)` and pr_info("Released %ld
 * page(s)\n", xen_released_pages). `e820` is xen_e820_table — XENMEM_machine_memory_map, the platform's machine e820;
 * nr_pages xen_start_info->nr_pages (dom0_mem).
 */
export function xen_set_identity_and_remap(k: Kernel, e820: readonly E820Entry[], nr_pages: number): void {
  const setup = xen_pv_dom0_e820(e820, nr_pages);
  const p2m = k.xen!.p2m!;
  p2m.extra.push(...setup.extra.map((r) => ({ ...r })));
  p2m.set_phys_range_identity(Math.floor(setup.end / PAGE_SIZE), Infinity);
  // xen_find_pfn_range reads xen_e820_table's RAM entries
  const ramEntries = e820.filter((e) => e.type === "ram").map((e) => ({ start: e.start, size: e.size }));
  k.tr?.enter(S_foreach, { nr_pages: hex(nr_pages), func: "xen_set_identity_and_remap_chunk" });
  const released = { n: 0 };
  xen_foreach_remap_area(e820, (start_pfn, end_pfn, ret_val) => xen_set_identity_and_remap_chunk(k, ramEntries, start_pfn, end_pfn, setup.nr_pages, ret_val, released));
  k.tr?.exit();
  k.printk("info", `Released ${released.n} page(s)`);
}

/**
 * arch/x86/xen/setup.c xen_del_extra_mem (5.6–6.18; 5.10.7 setup.c:123–157, 6.18.35 :83–117): the pfns leave their
 * xen_extra_mem[] region (its start, its end, or its middle, which splits it) and memblock_free / memblock_phys_free
 * takes their reservation away
 */
function xen_del_extra_mem(k: Kernel, start_pfn: number, n_pfns: number): void {
  const extra = k.xen!.p2m!.extra;
  for (let i = 0; i < extra.length; i++) {
    const r = extra[i]!;
    const start_r = r.start_pfn;
    const size_r = r.n_pfns;
    if (start_r === start_pfn) {
      if (n_pfns > size_r) throw new DmasimInternalError(`xen_del_extra_mem: BUG_ON(n_pfns > size_r) at pfn ${hex(start_pfn)}`);
      r.start_pfn += n_pfns;
      r.n_pfns -= n_pfns;
      break;
    }
    if (start_r + size_r === start_pfn + n_pfns) {
      r.n_pfns -= n_pfns;
      break;
    }
    if (start_pfn > start_r && start_pfn < start_r + size_r) {
      r.n_pfns = start_pfn - start_r;
      extra.push({ start_pfn: start_pfn + n_pfns, n_pfns: start_r + size_r - (start_pfn + n_pfns) });
      break;
    }
  }
  k.memblock?.freeRange(start_pfn * PAGE_SIZE, n_pfns * PAGE_SIZE);
}

/**
 * arch/x86/xen/setup.c xen_remap_memory (5.6–6.18; 5.10.7 setup.c:499–541, 6.18.35 :453–494), from
 * xen_pagetable_init (arch/x86/xen/mmu_pv.c, after paging_init and xen_pagetable_p2m_setup): walks the xen_remap_mfn
 * list from its head — each buffer's frames to its target pfns (xen_update_mem_tables: P2M, M2P, and the kernel
 * mapping), consecutive targets gathered and taken out of the extra memory (xen_del_extra_mem) — and pr_info("Remapped
 * %ld page(s)\n", remapped); then (be35d91c8880, 6.12; 6.6.63 by backport) xen_do_remap_nonram.
 */
export function xen_remap_memory(k: Kernel): void {
  const x = k.xen!;
  const p2m = x.p2m!;
  let remapped = 0;
  let pfn_s = -1;
  let len = 0;
  const list = x.xen_remap_list ?? [];
  // every buffer's xen_update_mem_tables, gathered: the resulting P2M and M2P do not depend on the order
  const all: number[] = [];
  for (let b = list.length - 1; b >= 0; b--) {
    const buf = list[b]!;
    let pfn = buf.target_pfn;
    if (buf.from !== undefined) {
      // the builder's frames as they were: the same entries as a shift of its layout
      p2m.remapLayout(pfn, buf.size, buf.from);
      pfn += buf.size;
    } else
      for (let j = 0; j < buf.runs.length; j += 2) {
        all.push(pfn, buf.runs[j + 1]!, buf.runs[j]!);
        pfn += buf.runs[j + 1]!;
      }
    remapped += buf.size;
    if (pfn_s === -1 || pfn === pfn_s) {
      pfn_s = buf.target_pfn;
      len += buf.size;
    } else if (pfn_s + len === buf.target_pfn) len += buf.size;
    else {
      xen_del_extra_mem(k, pfn_s, len);
      pfn_s = buf.target_pfn;
      len = buf.size;
    }
  }
  if (pfn_s !== -1 && len) xen_del_extra_mem(k, pfn_s, len);
  p2m.remapMany(all);
  x.xen_remap_list = [];
  k.printk("info", `Remapped ${remapped} page(s)`);
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

/**
 * mm/cma.c: the Contiguous Memory Allocator's areas and their allocation bitmap — cma_alloc's
 * search (5.6–6.14 inline in cma_alloc, __cma_alloc from 6.12; 6.15+ cma_range_alloc over one range), cma_release,
 * cma_debug_show_areas. Checked call by call against the functions of 5.6.4, 5.15.178, 6.12.19 and
 * 6.18.35's mm/cma.c compiled in user space (test/vectors-cma.test.ts, tools/kernel-vectors/cma).
 */
import type { Kernel } from "../kernel.js";
import { bitmap_find_next_zero_area_off } from "./genalloc.js";
import { sym } from "../core/trace.js";
import { hex } from "../core/u64.js";
import { BUG_at } from "./mm-debug.js";

const S_cma_alloc = sym("cma_alloc", "mm/cma.c");

/** mm/cma.c cma_release's VM_BUG_ON(pfn + count > cma->base_pfn + cma->count), per tree (5.6.4 :526, 5.10.7 :522, 5.14-rc5 :552, 5.15.178 :540, 5.19 :567, 6.1.166 :563, 6.6.63 :568, 6.12.19 :574) */
const CMA_RELEASE_VM_BUG_ON: Record<string, number> = { "5.6": 526, "5.10": 522, "5.14": 552, "5.15": 540, "5.19": 567, "6.1": 563, "6.6": 568, "6.12": 574 };

/** mm/cma.h struct cma (5.6–6.18; one range: 6.15+'s ranges[0]) with its bitmap of (1 << order_per_bit)-page chunks, one byte per bit (1 = allocated). */
export class CmaArea {
  readonly bitmap: Uint8Array;
  /** cma->available_count (6.15+, c009da4258f9): count minus what cma_range_alloc took plus what cma_clear_bitmap gave back — a double release counts twice */
  available_count: number;
  constructor(readonly name: string, readonly base_pfn: number, readonly count: number, readonly order_per_bit = 0) {
    this.bitmap = new Uint8Array(cma_bitmap_maxno(this));
    this.available_count = count;
  }

  get end_pfn(): number {
    return this.base_pfn + this.count;
  }

  /** set bits of the bitmap */
  used(): number {
    let n = 0;
    for (const b of this.bitmap) n += b;
    return n;
  }
}

/** mm/cma.h cma_bitmap_maxno (5.6–6.18): count >> order_per_bit */
export function cma_bitmap_maxno(cma: CmaArea): number {
  return Math.floor(cma.count / 2 ** cma.order_per_bit);
}

/** mm/cma.c cma_bitmap_aligned_mask (5.6–6.18): 0 when align_order <= order_per_bit, else (1 << (align_order - order_per_bit)) - 1 */
export function cma_bitmap_aligned_mask(cma: CmaArea, align_order: number): number {
  if (align_order <= cma.order_per_bit) return 0;
  return 2 ** (align_order - cma.order_per_bit) - 1;
}

/** mm/cma.c cma_bitmap_aligned_offset (5.6–6.18): (base_pfn & ((1 << align_order) - 1)) >> order_per_bit */
export function cma_bitmap_aligned_offset(cma: CmaArea, align_order: number): number {
  return Math.floor((cma.base_pfn % 2 ** align_order) / 2 ** cma.order_per_bit);
}

/** mm/cma.c cma_bitmap_pages_to_bits (5.6–6.18): ALIGN(pages, 1 << order_per_bit) >> order_per_bit */
export function cma_bitmap_pages_to_bits(cma: CmaArea, pages: number): number {
  return Math.ceil(pages / 2 ** cma.order_per_bit);
}

/** mm/cma.c cma_clear_bitmap (5.6–6.18): bitmap_clear of the pages' bits; 6.15+ also available_count += count.
 * Bits past cma_bitmap_maxno (a release straddling the end, 5.6–6.14) fall outside the search and are dropped.
 */
export function cma_clear_bitmap(k: Kernel, cma: CmaArea, pfn: number, count: number): void {
  const bitmap_no = Math.floor((pfn - cma.base_pfn) / 2 ** cma.order_per_bit);
  const bitmap_count = cma_bitmap_pages_to_bits(cma, count);
  cma.bitmap.fill(0, bitmap_no, Math.min(bitmap_no + bitmap_count, cma.bitmap.length));
  if (k.sw["c009da4258f9"]) cma.available_count += count;
}

/** mm/cma.c cma_debug_show_areas (5.6–6.18; only with CONFIG_CMA_DEBUG, off, to 6.8; always from "mm/cma: Drop
 * CONFIG_CMA_DEBUG", 6.9): the free runs of the bitmap as printk assembles them. 6.9–6.14 one pr_info
 * line "number of available pages: " + "%s%lu@%lu" per run ("+" after the first) + "=> %lu free of %lu
 * total pages" (the runs' sum). 6.15+ (c009da4258f9) per range: pr_info "number of available pages: ",
 * pr_info "range %d: " + the runs with "+" before any run not at bit 0, pr_info("\n") (a line "cma: "),
 * then pr_cont "=> %lu free of %lu total pages" with available_count — after a finished line printk
 * makes that continuation a record of its own at the default level (warn).
 */
export function cma_debug_show_areas(k: Kernel, cma: CmaArea): void {
  if (!k.sw["fe58582c0e36"]) return;
  const nbits = cma.bitmap.length;
  const bits = cma.bitmap;
  const ranges = !!k.sw["c009da4258f9"];
  let runs = "";
  let nr_total = 0;
  for (let b = 0; b < nbits; ) {
    while (b < nbits && bits[b] === 1) b++; // find_next_zero_bit
    if (b >= nbits) break;
    let e = b + 1;
    while (e < nbits && bits[e] !== 1) e++; // find_next_bit
    const nr_part = (e - b) * 2 ** cma.order_per_bit;
    runs += `${(ranges ? b : nr_total) ? "+" : ""}${nr_part}@${b}`;
    nr_total += nr_part;
    b = e + 1;
  }
  if (!ranges) {
    k.printk("info", `cma: number of available pages: ${runs}=> ${nr_total} free of ${cma.count} total pages`);
    return;
  }
  k.printk("info", "cma: number of available pages: ");
  k.printk("info", `cma: range 0: ${runs}`);
  k.printk("info", "cma: ");
  k.printk("warn", `=> ${cma.available_count} free of ${cma.count} total pages`);
}

/** The per-call-site ratelimit state of cma_alloc's pr_err_ratelimited (63f83b31f4f3): burst 10, dmasim has no clock: 10 per run. */
const cmaFailRatelimit = new WeakMap<Kernel, { printed: number; suppressed: number }>();
const CMA_RATELIMIT_BURST = 10; // DEFAULT_RATELIMIT_BURST

/** mm/cma.c cma_alloc (5.6–6.18), its failure report (pr_fmt "cma: "): 5.6–5.11 pr_err("%s: alloc failed,
 * req-size: %zu pages, ret: %d\n"); cma->name after __func__ from 5.12 (a052d4d13d88); pr_err_ratelimited
 * from 5.13 (63f83b31f4f3); __func__ __cma_alloc from 6.12 (463586e9ff39); then cma_debug_show_areas,
 * which the ratelimit does not cover.
 */
function cma_alloc_failed(k: Kernel, cma: CmaArea, count: number, ret: number): void {
  let print = true;
  if (k.sw["63f83b31f4f3"]) {
    let rl = cmaFailRatelimit.get(k);
    if (!rl) cmaFailRatelimit.set(k, (rl = { printed: 0, suppressed: 0 }));
    if (rl.printed >= CMA_RATELIMIT_BURST) {
      rl.suppressed++;
      k.tr?.note(`ratelimited: "cma: … alloc failed" suppressed (${rl.suppressed} so far)`);
      print = false;
    } else rl.printed++;
  }
  if (print) {
    const func = k.sw["463586e9ff39"] ? "__cma_alloc" : "cma_alloc";
    k.printk("err", k.sw["a052d4d13d88"] ? `cma: ${func}: ${cma.name}: alloc failed, req-size: ${count} pages, ret: ${ret}` : `cma: ${func}: alloc failed, req-size: ${count} pages, ret: ${ret}`);
  }
  cma_debug_show_areas(k, cma);
}

const ENOMEM = 12;
const EBUSY = 16;

/** mm/cma.c cma_range_alloc (6.15–6.18, c009da4258f9, one range; 5.6–6.14 the same search inline in cma_alloc, __cma_alloc from 6.12): bitmap_find_next_zero_area_off from bit 0 with the alignment's mask and the
 * base's offset, bitmap_set; 6.15+ first stops when count > available_count and takes count off it.
 * alloc_contig_range always succeeds here (dmasim has no busy pages in a CMA area), so the -EBUSY retry
 * at bitmap_no + mask + 1 never runs. Returns the pfn, or null.
 */
export function cma_range_alloc(k: Kernel, cma: CmaArea, count: number, align: number): number | null {
  const mask = cma_bitmap_aligned_mask(cma, align);
  const offset = cma_bitmap_aligned_offset(cma, align);
  const bitmap_maxno = cma.bitmap.length;
  const bitmap_count = cma_bitmap_pages_to_bits(cma, count);
  const ranges = !!k.sw["c009da4258f9"];
  if (ranges && count > cma.available_count) return null;
  const bitmap_no = bitmap_find_next_zero_area_off(cma.bitmap, bitmap_maxno, 0, bitmap_count, mask, offset);
  if (bitmap_no >= bitmap_maxno) return null;
  cma.bitmap.fill(1, bitmap_no, bitmap_no + bitmap_count); // bitmap_set
  if (ranges) cma.available_count -= count;
  return cma.base_pfn + bitmap_no * 2 ** cma.order_per_bit;
}

/** mm/cma.c cma_alloc (5.6–6.18; the body is __cma_alloc from 6.12, cma_range_alloc per range from
 * c009da4258f9): NULL silently for an empty area or count 0; more bits than the bitmap has: NULL
 * silently to 6.14, cma_range_alloc's -EBUSY reported from 6.15; no free run: ret -ENOMEM (to 6.14)
 * or -EBUSY (6.15+), reported unless no_warn. Returns the first page's struct page address, or 0.
 */
export function cma_alloc(k: Kernel, cma: CmaArea, count: number, align: number, no_warn: boolean): number {
  k.tr?.enter(S_cma_alloc, { cma: cma.name, count: String(count), align: String(align) });
  const ranges = k.sw["c009da4258f9"];
  const too_big = cma_bitmap_pages_to_bits(cma, count) > cma.bitmap.length;
  if (!cma.count || !count || (!ranges && too_big)) {
    k.tr?.exit("NULL");
    return 0;
  }
  const pfn = too_big ? null : cma_range_alloc(k, cma, count, align);
  if (pfn === null) {
    if (!no_warn) cma_alloc_failed(k, cma, count, ranges ? -EBUSY : -ENOMEM);
    k.tr?.exit("NULL");
    return 0;
  }
  k.memmap.setRefcount(pfn, 1);
  k.memmap.owner.set(pfn, `CMA allocation of ${count} pages`);
  const page = k.arch.pfn_to_page(pfn);
  k.tr?.exit(`page ${k.arch.fmtVa(page)} (pfn ${hex(pfn)})`);
  return page;
}

/** mm/cma.c cma_release (5.6–6.18) by pfn: false unless the first page is in the area; 5.6–6.14 then
 * clear the bits even when the pages run past the area's end (cma_pages_valid, 5.17+, checks the first page
 * only) unless CONFIG_DEBUG_VM makes `VM_BUG_ON(pfn + count > cma->base_pfn + cma->count)` a BUG (the line
 * per tree: CMA_RELEASE_VM_BUG_ON); 6.15+ cma_pages_valid (c009da4258f9) also refuses count > cma->count and
 * a range that does not end inside the area, so its VM_BUG_ON (6.18.35 :1004) cannot fire. Double releases
 * are not detected (the bits are cleared again).
 */
export function cma_release(k: Kernel, cma: CmaArea, pfn: number, count: number): boolean {
  if (pfn < cma.base_pfn || pfn >= cma.end_pfn) return false;
  if (k.sw["c009da4258f9"] && (count > cma.count || pfn + count > cma.end_pfn)) return false;
  if (k.cfg.CONFIG_DEBUG_VM && pfn + count > cma.end_pfn) BUG_at(k, "mm/cma.c", CMA_RELEASE_VM_BUG_ON[k.version.id], "cma_release");
  cma_clear_bitmap(k, cma, pfn, count);
  return true;
}

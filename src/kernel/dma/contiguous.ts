/**
 * kernel/dma/contiguous.c: the CMA glue of the DMA layer.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import type { CmaArea } from "../../mm/genalloc.js";
import { sym } from "../../core/trace.js";
import { PAGE_SIZE, get_order, hex } from "../../core/u64.js";
import { __GFP_NOWARN, gfpflags_allow_blocking } from "../../include/gfp.js";
import { __free_pages } from "../../mm/mm.js";

const S_dma_alloc_contiguous = sym("dma_alloc_contiguous", "kernel/dma/contiguous.c");
const S_dma_free_contiguous = sym("dma_free_contiguous", "kernel/dma/contiguous.c");
const S_cma_alloc = sym("cma_alloc", "mm/cma.c");

/** CONFIG_CMA_ALIGNMENT default */
export const CONFIG_CMA_ALIGNMENT = 8;

/** include/linux/dma-map-ops.h dev_get_cma_area (5.x–6.18) */
export function dev_get_cma_area(k: Kernel, dev: Device | null): CmaArea | null {
  if (dev && dev.cma_area) return dev.cma_area;
  return k.dma_contiguous_default_area;
}

/** The per-call-site ratelimit state of cma_alloc's pr_err_ratelimited (63f83b31f4f3): burst 10, dmasim has no clock: 10 per run. */
const cmaFailRatelimit = new WeakMap<Kernel, { printed: number; suppressed: number }>();
const CMA_RATELIMIT_BURST = 10; // DEFAULT_RATELIMIT_BURST

/** mm/cma.c cma_alloc (5.6–6.18), its failure message (pr_fmt "cma: "): 5.6–5.11 pr_err("%s: alloc failed, req-size: %zu pages, ret: %d\n"); cma->name after __func__ from 5.12 (a052d4d13d88); pr_err_ratelimited from 5.13 (63f83b31f4f3); __func__ __cma_alloc from 6.12 (463586e9ff39). */
// cma_debug_show_areas prints only with CONFIG_CMA_DEBUG (not modelled).
function cma_alloc_failed(k: Kernel, cma: CmaArea, count: number, ret: number): void {
  if (k.sw["63f83b31f4f3"]) {
    let rl = cmaFailRatelimit.get(k);
    if (!rl) cmaFailRatelimit.set(k, (rl = { printed: 0, suppressed: 0 }));
    if (rl.printed >= CMA_RATELIMIT_BURST) {
      rl.suppressed++;
      k.tr?.note(`ratelimited: "cma: … alloc failed" suppressed (${rl.suppressed} so far)`);
      return;
    }
    rl.printed++;
  }
  const func = k.sw["463586e9ff39"] ? "__cma_alloc" : "cma_alloc";
  k.printk("err", k.sw["a052d4d13d88"] ? `cma: ${func}: ${cma.name}: alloc failed, req-size: ${count} pages, ret: ${ret}` : `cma: ${func}: alloc failed, req-size: ${count} pages, ret: ${ret}`);
}

const ENOMEM = 12;
const EBUSY = 16;

/** mm/cma.c cma_alloc (5.6–6.18; the body is __cma_alloc from 6.12): first fit; no free range → ret -ENOMEM (5.6–6.12) or cma_range_alloc's -EBUSY (c009da4258f9), reported unless no_warn; larger than the area → NULL silently to 6.12, -EBUSY reported from c009da4258f9. */
export function cma_alloc(k: Kernel, cma: CmaArea, count: number, align: number, no_warn: boolean): number {
  k.tr?.enter(S_cma_alloc, { cma: cma.name, count: String(count), align: String(align) });
  const ranges = k.sw["c009da4258f9"];
  if (!cma.count || !count || (!ranges && count > cma.count)) {
    k.tr?.exit("NULL");
    return 0;
  }
  const pfn = count > cma.count ? null : cma.alloc(count, align);
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

/** kernel/dma/contiguous.c dma_alloc_from_contiguous (5.x–6.18): cma_alloc of the device's (or the default) area with no_warn as the caller gives it */
export function dma_alloc_from_contiguous(k: Kernel, dev: Device | null, count: number, align: number, no_warn = false): number {
  const cma = dev_get_cma_area(k, dev);
  if (!cma) return 0;
  return cma_alloc(k, cma, count, Math.min(align, CONFIG_CMA_ALIGNMENT), no_warn);
}

/**
 * kernel/dma/contiguous.c dma_alloc_contiguous (5.6–5.19, no per-NUMA areas): NULL if the gfp
 * cannot block; the device's area; else NULL for a single page; else the default area.
 */
export function dma_alloc_contiguous(k: Kernel, dev: Device, size: number, gfp: number): number {
  k.tr?.enter(S_dma_alloc_contiguous, { size: hex(size) });
  const count = Math.ceil(size / PAGE_SIZE);
  const align = Math.min(get_order(size), CONFIG_CMA_ALIGNMENT);
  let cma: CmaArea | null = null;
  if (!gfpflags_allow_blocking(gfp)) k.tr?.decide("gfpflags_allow_blocking(gfp)", false, "CMA allocation may sleep, so atomic requests skip it");
  else if (dev.cma_area) cma = dev.cma_area;
  else if (count <= 1) k.tr?.decide("size > PAGE_SIZE", false, "single pages come from the page allocator, not the default CMA area");
  else cma = k.dma_contiguous_default_area;
  // cma_alloc(cma, size >> PAGE_SHIFT, align, gfp & __GFP_NOWARN)
  const page = cma ? cma_alloc(k, cma, count, align, (gfp & __GFP_NOWARN) !== 0) : 0;
  k.tr?.exit(page ? `page ${k.arch.fmtVa(page)}` : "NULL");
  return page;
}

/** kernel/dma/contiguous.c dma_free_contiguous (5.x–6.1): cma_release if a CMA area owns it, else __free_pages */
export function dma_free_contiguous(k: Kernel, dev: Device, page: number, size: number): void {
  k.tr?.enter(S_dma_free_contiguous, { page: k.arch.fmtVa(page), size: hex(size) });
  const count = Math.ceil(size / PAGE_SIZE);
  const pfn = k.arch.page_to_pfn(page);
  const areas = [dev.cma_area, k.dma_contiguous_default_area].filter((a): a is CmaArea => a !== null);
  for (const a of areas) {
    if (a.release(pfn, count)) {
      k.memmap.owner.delete(pfn);
      k.tr?.note(`cma_release(${a.name}, pfn ${hex(pfn)}, ${count} pages)`);
      k.tr?.exit();
      return;
    }
  }
  __free_pages(k, page, get_order(size));
  k.tr?.exit();
}

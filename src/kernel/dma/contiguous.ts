/**
 * kernel/dma/contiguous.c: the CMA glue of the DMA layer.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import { cma_alloc, cma_release, type CmaArea } from "../../mm/cma.js";
import { sym } from "../../core/trace.js";
import { PAGE_SIZE, get_order, hex } from "../../core/u64.js";
import { __GFP_NOWARN, gfpflags_allow_blocking } from "../../include/gfp.js";
import { __free_pages } from "../../mm/mm.js";

const S_dma_alloc_contiguous = sym("dma_alloc_contiguous", "kernel/dma/contiguous.c");
const S_dma_free_contiguous = sym("dma_free_contiguous", "kernel/dma/contiguous.c");

/** CONFIG_CMA_ALIGNMENT default */
export const CONFIG_CMA_ALIGNMENT = 8;

/** include/linux/dma-map-ops.h dev_get_cma_area (5.x–6.18) */
export function dev_get_cma_area(k: Kernel, dev: Device | null): CmaArea | null {
  if (dev && dev.cma_area) return dev.cma_area;
  return k.dma_contiguous_default_area;
}

/** kernel/dma/contiguous.c dma_alloc_from_contiguous (5.x–6.18): cma_alloc of the device's (or the default) area with no_warn as the caller gives it */
export function dma_alloc_from_contiguous(k: Kernel, dev: Device | null, count: number, align: number, no_warn = false): number {
  const cma = dev_get_cma_area(k, dev);
  if (!cma) return 0;
  return cma_alloc(k, cma, count, Math.min(align, CONFIG_CMA_ALIGNMENT), no_warn);
}

/** kernel/dma/contiguous.c dma_release_from_contiguous (5.6–6.18): cma_release of the device's (or the default) area; false when it does not own the pages */
export function dma_release_from_contiguous(k: Kernel, dev: Device | null, page: number, count: number): boolean {
  const cma = dev_get_cma_area(k, dev);
  return cma ? cma_release(k, cma, k.arch.page_to_pfn(page), count) : false;
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
    if (cma_release(k, a, pfn, count)) {
      k.memmap.owner.delete(pfn);
      k.tr?.note(`cma_release(${a.name}, pfn ${hex(pfn)}, ${count} pages)`);
      k.tr?.exit();
      return;
    }
  }
  __free_pages(k, page, get_order(size));
  k.tr?.exit();
}

/**
 * kernel/dma/mapping.c: dma_alloc_noncontiguous / dma_free_noncontiguous / dma_vmap_noncontiguous /
 * dma_vunmap_noncontiguous (7d5b5738d151, 5.14; read from lsk-legends/linux-5.14, wangshuai199398/linux-5-15,
 * wishday/linux-6.12.y). A device whose ops implement ->alloc_noncontiguous (dma-iommu: scattered pages behind
 * one IOVA range; 6.12+ the use_dma_iommu() branch) gets that; any other device one physically contiguous
 * allocation (alloc_single_sgt → __dma_alloc_pages → dma_direct_alloc_pages), one sg entry. Either way the
 * result has nents = 1 (one DMA segment) and no kernel mapping until dma_vmap_noncontiguous.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import type { SgTable } from "./ops.js";
import { PAGE_ALIGN, PAGE_SIZE, hex } from "../../core/u64.js";
import { sym } from "../../core/trace.js";
import { DMA_ATTR_ALLOC_SINGLE_PAGES, __GFP_COMP, __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM } from "../../include/gfp.js";
import { trace_dma_alloc_sgt, trace_dma_alloc_sgt_err, trace_dma_free_sgt, trace_dma_map_sg, trace_dma_unmap_sg } from "../../include/trace/events/dma.js";
import { warn_site } from "../warn-sites.js";
import { vmap, vunmap } from "../../mm/mm.js";
import { VM_MAP } from "../../mm/vmalloc.js";
import { get_dma_ops } from "./mapping.js";
import { dma_direct_alloc_pages } from "./direct-alloc.js";
import { dma_free_contiguous } from "./contiguous.js";
import * as dbg from "./debug.js";

const F = "kernel/dma/mapping.c";
/** 7d5b5738d151 "dma-mapping: add a dma_alloc_noncontiguous API" (5.14) */
export const NONCONTIG_API = "7d5b5738d151";

const S = {
  alloc: sym("dma_alloc_noncontiguous", F),
  free: sym("dma_free_noncontiguous", F),
  vmap: sym("dma_vmap_noncontiguous", F),
  vunmap: sym("dma_vunmap_noncontiguous", F),
};

/** kernel/dma/mapping.c alloc_single_sgt (5.14+): one contiguous block from __dma_alloc_pages, one sg entry. */
function alloc_single_sgt(k: Kernel, dev: Device, size: number, _dir: number, gfp: number): SgTable | null {
  /* __dma_alloc_pages: WARN_ON_ONCE on a zero coherent mask or zone flags, then dma-direct */
  if (dev.coherent_dma_mask === 0n) {
    k.warnOnce(`noncontig-mask-${dev.name}`, "WARNING: __dma_alloc_pages: WARN_ON_ONCE(!dev->coherent_dma_mask)", "__dma_alloc_pages");
    return null;
  }
  if (gfp & (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)) {
    k.warnOnce("noncontig-gfp", "WARNING: __dma_alloc_pages: WARN_ON_ONCE(gfp & (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM))", "__dma_alloc_pages");
    return null;
  }
  // kernel/dma/direct.c dma_direct_alloc_pages: a highmem CMA page is refused (to 5.18) or freed for the page allocator (92826e967535)
  const r = dma_direct_alloc_pages(k, dev, PAGE_ALIGN(size), _dir, gfp);
  if (!r) return null;
  return { sgl: [{ page: r.page, offset: 0, length: PAGE_ALIGN(size), dma_address: r.dma_handle, dma_length: PAGE_ALIGN(size) }], nents: 1, orig_nents: 1 };
}

/** kernel/dma/mapping.c dma_alloc_noncontiguous (5.14+): WARN on attrs other than DMA_ATTR_ALLOC_SINGLE_PAGES and
 * (3622b86f49f8, 6.2) on __GFP_COMP; nents = 1; 6.12 traces dma_map_sg (nents 1), 6.13+ (c4484ab86ee0) dma_alloc_sgt
 * and (68b6dbf1f441) dma_alloc_sgt_err on failure; dma-debug records it as an sg mapping.
 */
export function dma_alloc_noncontiguous(k: Kernel, dev: Device, size: number, dir: number, gfp: number, attrs: number): SgTable | null {
  k.tr?.enter(S.alloc, { dev: dev.name, size: hex(size) });
  if (attrs & ~DMA_ATTR_ALLOC_SINGLE_PAGES) {
    k.warnOnce("noncontig-attrs", "WARNING: dma_alloc_noncontiguous: WARN_ON_ONCE(attrs & ~DMA_ATTR_ALLOC_SINGLE_PAGES)", "dma_alloc_noncontiguous");
    k.tr?.exit("NULL");
    return null;
  }
  if (k.sw["3622b86f49f8"]) {
    const comp = (gfp & __GFP_COMP) !== 0;
    k.tr?.decide("WARN_ON_ONCE(gfp & __GFP_COMP)", comp, comp ? "compound pages are refused for noncontiguous allocations (3622b86f49f8)" : "no __GFP_COMP");
    if (comp) {
      k.warnOnce("dma_alloc_noncontiguous:__GFP_COMP", "WARNING: dma_alloc_noncontiguous: WARN_ON_ONCE(gfp & __GFP_COMP)", "dma_alloc_noncontiguous", warn_site(k, "dma_alloc_noncontiguous:__GFP_COMP"));
      k.tr?.exit("NULL");
      return null;
    }
  }
  const ops = get_dma_ops(dev);
  const viaOps = !!ops?.alloc_noncontiguous;
  k.tr?.decide(k.sw["b5c58b2fdc42"] ? "use_dma_iommu(dev)" : "ops && ops->alloc_noncontiguous", viaOps, viaOps ? `${ops!.name}: scattered pages behind one IOVA range` : "no ->alloc_noncontiguous: alloc_single_sgt, one physically contiguous allocation");
  const sgt = viaOps ? ops!.alloc_noncontiguous!(k, dev, size, dir, gfp, attrs) : alloc_single_sgt(k, dev, size, dir, gfp);
  if (sgt) {
    sgt.nents = 1;
    if (k.sw["c4484ab86ee0"]) trace_dma_alloc_sgt(k, dev, sgt.sgl, sgt.orig_nents, size, dir, gfp, attrs);
    else trace_dma_map_sg(k, dev, sgt.sgl, sgt.orig_nents, 1, dir, attrs);
    if (k.dma_debug) dbg.debug_dma_map_sg(k, dev, sgt.sgl, sgt.orig_nents, 1, dir, attrs);
  } else if (k.sw["68b6dbf1f441"]) trace_dma_alloc_sgt_err(k, dev, 0, 0, size, dir, gfp, attrs);
  k.tr?.exit(sgt ? `sgt: ${sgt.orig_nents} entr${sgt.orig_nents === 1 ? "y" : "ies"}, dma_address ${hex(sgt.sgl[0]!.dma_address)}` : "NULL");
  return sgt;
}

/** kernel/dma/mapping.c dma_free_noncontiguous (5.14+): 6.12 traces dma_unmap_sg (attrs 0), 6.13+ (c4484ab86ee0) dma_free_sgt, before the dma-debug hook. */
export function dma_free_noncontiguous(k: Kernel, dev: Device, size: number, sgt: SgTable, dir: number): void {
  k.tr?.enter(S.free, { dev: dev.name, size: hex(size) });
  if (k.sw["c4484ab86ee0"]) trace_dma_free_sgt(k, dev, sgt.sgl, sgt.orig_nents, size, dir);
  else trace_dma_unmap_sg(k, dev, sgt.sgl, sgt.orig_nents, dir, 0);
  if (k.dma_debug) dbg.debug_dma_unmap_sg(k, dev, sgt.sgl, sgt.orig_nents, dir);
  const ops = get_dma_ops(dev);
  if (ops?.free_noncontiguous) ops.free_noncontiguous(k, dev, size, sgt, dir);
  else {
    /* free_single_sgt → __dma_free_pages → dma_direct_free_pages */
    const sg = sgt.sgl[0]!;
    dma_free_contiguous(k, dev, sg.page, PAGE_ALIGN(size));
  }
  k.tr?.exit();
}

/** kernel/dma/mapping.c dma_vmap_noncontiguous (5.14+): vmap of the handle's pages, or the single block's linear address. */
export function dma_vmap_noncontiguous(k: Kernel, dev: Device, size: number, sgt: SgTable): number {
  k.tr?.enter(S.vmap, { dev: dev.name, size: hex(size) });
  const ops = get_dma_ops(dev);
  const count = PAGE_ALIGN(size) / PAGE_SIZE;
  let addr: number;
  if (ops?.alloc_noncontiguous) {
    const vm = vmap(k, (sgt.handle_pages ?? []).slice(0, count), VM_MAP, "normal", "dma_vmap_noncontiguous");
    addr = vm ? vm.addr : 0;
  } else addr = k.arch.page_address(k, sgt.sgl[0]!.page);
  k.tr?.exit(addr ? k.arch.fmtVa(addr) : "NULL");
  return addr;
}

/** kernel/dma/mapping.c dma_vunmap_noncontiguous (5.14+): vunmap only what dma_vmap_noncontiguous vmapped. */
export function dma_vunmap_noncontiguous(k: Kernel, dev: Device, vaddr: number): void {
  k.tr?.enter(S.vunmap, { vaddr: k.arch.fmtVa(vaddr) });
  if (get_dma_ops(dev)?.alloc_noncontiguous) vunmap(k, vaddr);
  k.tr?.exit();
}

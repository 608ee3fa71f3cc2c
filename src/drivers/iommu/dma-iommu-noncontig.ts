/**
 * drivers/iommu/dma-iommu.c: ->alloc_noncontiguous (e817ee5f2f95, 5.14; read from lsk-legends/linux-5.14,
 * wangshuai199398/linux-5-15, unifreq/linux-6.1.y, OpenNuvoton/MA35D1_linux-6.6.y, wishday/linux-6.12.y): scattered
 * pages, one IOVA range for all of them, an sg_table whose first entry carries the whole DMA range. The caller gets
 * no kernel mapping; dma_vmap_noncontiguous vmaps the page array on demand. iommu_dma_alloc_remap (5.14+) is this
 * allocation plus one vmap. 5.14–6.11 reach it through
 * iommu_dma_ops.alloc_noncontiguous, 6.12+ through mapping.c's use_dma_iommu() branch (b5c58b2fdc42).
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../device.js";
import type { Scatterlist, SgTable } from "../../kernel/dma/ops.js";
import type { Prot } from "../../mm/pgtable.js";
import { dma_common_pages_remap } from "../../kernel/dma/remap.js";
import { PAGE_ALIGN, PAGE_SIZE, hex } from "../../core/u64.js";
import { sym } from "../../core/trace.js";
import { DMA_ATTR_ALLOC_SINGLE_PAGES, DMA_BIDIRECTIONAL, __GFP_COMP, __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM } from "../../include/gfp.js";
import { __free_pages } from "../../mm/mm.js";
import { arch_dma_prep_coherent, dev_is_dma_coherent } from "../../kernel/dma/arch-hooks.js";
import { __iommu_dma_alloc_pages, iommu_dma_alloc_order_mask, __iommu_dma_unmap, cookieOf, dma_info_to_prot, domainOf, iommu_dma_alloc_iova, iommu_dma_free_iova } from "./dma-iommu.js";
import { iommu_map_sg } from "./iommu.js";
import { IOMMU_CACHE } from "./io-pgtable-arm/common.js";

const F = "drivers/iommu/dma-iommu.c";
const S = {
  alloc: sym("__iommu_dma_alloc_noncontiguous", F),
  free: sym("iommu_dma_free_noncontiguous", F),
  alloc_remap: sym("iommu_dma_alloc_remap", F),
};

/** lib/scatterlist.c sg_alloc_table_from_pages (5.14+): one entry per run of physically contiguous pages. */
export function sg_alloc_table_from_pages(k: Kernel, pages: number[], count: number, size: number): Scatterlist[] {
  const sgl: Scatterlist[] = [];
  for (let i = 0; i < count; i++) {
    const last = sgl[sgl.length - 1];
    const pfn = k.arch.page_to_pfn(pages[i]!);
    if (last && k.arch.page_to_pfn(last.page) + last.length / PAGE_SIZE === pfn) last.length += PAGE_SIZE;
    else sgl.push({ page: pages[i]!, offset: 0, length: PAGE_SIZE, dma_address: 0, dma_length: 0 });
  }
  /* the last entry ends at size */
  const over = count * PAGE_SIZE - size;
  if (over > 0 && sgl.length) sgl[sgl.length - 1]!.length -= over;
  return sgl;
}

/**
 * dma-iommu.c __iommu_dma_alloc_noncontiguous (5.14+): the pages, an IOVA range for iova_align(size) below the
 * coherent mask, the sg_table of the pages, prep for a non-coherent device, iommu_map_sg, and the whole range as
 * the first entry's DMA address and length.
 */
export function __iommu_dma_alloc_noncontiguous(k: Kernel, dev: Device, size: number, sgt: SgTable, gfp: number, attrs: number): number[] | null {
  const domain = domainOf(dev);
  const cookie = cookieOf(dev);
  const iovad = cookie.iovad;
  const coherent = dev_is_dma_coherent(k, dev);
  const ioprot = dma_info_to_prot(DMA_BIDIRECTIONAL, coherent, attrs);
  k.tr?.enter(S.alloc, { size: hex(size), attrs: attrs & DMA_ATTR_ALLOC_SINGLE_PAGES ? "DMA_ATTR_ALLOC_SINGLE_PAGES" : "0" });
  const alloc = iommu_dma_alloc_order_mask(domain, size, attrs);
  size = alloc.size;
  const count = PAGE_ALIGN(size) / PAGE_SIZE;
  const pages = __iommu_dma_alloc_pages(k, count, alloc.order_mask, gfp);
  if (!pages) {
    k.tr?.exit("NULL");
    return null;
  }
  size = Math.ceil(size / iovad.granule) * iovad.granule;
  const iova = iommu_dma_alloc_iova(k, domain, size, dev.coherent_dma_mask, dev);
  if (!iova) {
    for (let i = count - 1; i >= 0; i--) __free_pages(k, pages[i]!, 0);
    k.tr?.exit("NULL (no IOVA)");
    return null;
  }
  sgt.sgl = sg_alloc_table_from_pages(k, pages, count, size);
  sgt.orig_nents = sgt.nents = sgt.sgl.length;
  if (!(ioprot & IOMMU_CACHE)) for (const sg of sgt.sgl) arch_dma_prep_coherent(k, sg.page, sg.length);
  // 96d578088085 (the 6.3 gfp series): "Remove the zone/policy flags from the GFP" and map with the caller's gfp
  // (6.6.63 dma-iommu.c:878, :891); before it iommu_map_sg_atomic (iommu_map_sg ignores gfp then)
  const mapped = iommu_map_sg(k, domain, iova, sgt.sgl.map((sg) => ({ phys: k.page_to_phys(sg.page) + sg.offset, length: sg.length })), ioprot, gfp & ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM | __GFP_COMP));
  if (mapped < size) {
    iommu_dma_free_iova(k, cookie, iova, size, false);
    for (let i = count - 1; i >= 0; i--) __free_pages(k, pages[i]!, 0);
    k.tr?.exit("NULL (iommu_map_sg)");
    return null;
  }
  sgt.sgl[0]!.dma_address = iova;
  sgt.sgl[0]!.dma_length = size;
  k.tr?.exit(`${count} pages in ${sgt.orig_nents} sg entr${sgt.orig_nents === 1 ? "y" : "ies"}, one IOVA range ${hex(iova)}+${hex(size)}`);
  return pages;
}

/** dma-iommu.c iommu_dma_alloc_remap (5.14–6.18): __iommu_dma_alloc_noncontiguous, *dma_handle = sgt.sgl->dma_address, sg_free_table, dma_common_pages_remap; on a failed remap __iommu_dma_unmap and the pages back. */
export function iommu_dma_alloc_remap_514(k: Kernel, dev: Device, size: number, gfp: number, attrs: number, prot: Prot): { cpu_addr: number; dma_handle: number } | null {
  k.tr?.enter(S.alloc_remap, { size: hex(size) });
  const sgt: SgTable = { sgl: [], nents: 0, orig_nents: 0 };
  const pages = __iommu_dma_alloc_noncontiguous(k, dev, size, sgt, gfp, attrs);
  if (!pages) {
    k.tr?.exit("NULL");
    return null;
  }
  const dma_handle = sgt.sgl[0]!.dma_address;
  const vaddr = dma_common_pages_remap(k, pages, size, prot, "iommu_dma_alloc_remap");
  if (!vaddr) {
    __iommu_dma_unmap(k, dev, dma_handle, size);
    for (let i = pages.length - 1; i >= 0; i--) __free_pages(k, pages[i]!, 0);
    k.tr?.exit("NULL");
    return null;
  }
  k.tr?.exit(`${k.arch.fmtVa(vaddr)} (vmalloc address), dma_handle ${hex(dma_handle)}`);
  return { cpu_addr: vaddr, dma_handle };
}

/** dma-iommu.c iommu_dma_alloc_noncontiguous (5.14+): a struct dma_sgt_handle (the sg_table and the page array). */
export function iommu_dma_alloc_noncontiguous(k: Kernel, dev: Device, size: number, _dir: number, gfp: number, attrs: number): SgTable | null {
  const sgt: SgTable = { sgl: [], nents: 0, orig_nents: 0 };
  const pages = __iommu_dma_alloc_noncontiguous(k, dev, size, sgt, gfp, attrs);
  if (!pages) return null;
  sgt.handle_pages = pages;
  return sgt;
}

/** dma-iommu.c iommu_dma_free_noncontiguous (5.14+): unmap the IOVA range, free the pages. */
export function iommu_dma_free_noncontiguous(k: Kernel, dev: Device, size: number, sgt: SgTable, _dir: number): void {
  k.tr?.enter(S.free, { dma_address: hex(sgt.sgl[0]!.dma_address), size: hex(size) });
  __iommu_dma_unmap(k, dev, sgt.sgl[0]!.dma_address, size);
  const pages = sgt.handle_pages ?? [];
  const count = PAGE_ALIGN(size) / PAGE_SIZE;
  for (let i = Math.min(count, pages.length) - 1; i >= 0; i--) __free_pages(k, pages[i]!, 0);
  sgt.sgl = [];
  sgt.handle_pages = [];
  k.tr?.exit();
}

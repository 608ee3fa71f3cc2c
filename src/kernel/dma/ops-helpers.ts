/**
 * kernel/dma/ops_helpers.c: the generic mmap / get_sgtable helpers for dma_map_ops backends
 * (xen_swiotlb_dma_ops among them), before and after 40ac971eab89 (in kernel/dma/mapping.c until 5.10); and (5.10+) the generic
 * alloc_pages / free_pages, dma_common_alloc_pages / dma_common_free_pages, that iommu_dma_ops,
 * intel_dma_ops (5.10), xen_swiotlb_dma_ops and (6.12+) mapping.c's use_dma_iommu branch use.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import type { DmaMapOps, SgTable, Vma } from "./ops.js";
import { ENXIO } from "./ops.js";
import { sym } from "../../core/trace.js";
import { DMA_MAPPING_ERROR, PAGE_ALIGN, PAGE_SIZE, get_order, hex } from "../../core/u64.js";
import { DIR_NAMES, DMA_ATTR_SKIP_CPU_SYNC, gfpName } from "../../include/gfp.js";
import { alloc_pages, is_vmalloc_addr, remap_pfn_range, virt_to_page, vmalloc_to_page } from "../../mm/mm.js";
import { dma_alloc_contiguous, dma_free_contiguous } from "./contiguous.js";
import { dma_pgprot } from "./arch-hooks.js";
import { dma_mmap_from_dev_coherent } from "./coherent.js";

const F = "kernel/dma/ops_helpers.c";
const S_sgt = sym("dma_common_get_sgtable", F);
const S_mmap = sym("dma_common_mmap", F);
/** 5.6–5.9: the two helpers are in kernel/dma/mapping.c (moved to ops_helpers.c in 5.10) */
const MOVED = "dma-mapping: move dma_common_{mmap,get_sgtable} out of mapping.c";
const S_sgt_mapping = sym("dma_common_get_sgtable", "kernel/dma/mapping.c");
const S_mmap_mapping = sym("dma_common_mmap", "kernel/dma/mapping.c");
const S_vaddr_to_page = sym("dma_common_vaddr_to_page", F);
const S_alloc_pages = sym("dma_common_alloc_pages", F);
const S_free_pages = sym("dma_common_free_pages", F);
/** b5c58b2fdc42 (6.12): use_dma_iommu(dev) — dma-iommu called directly, no iommu_dma_ops */
const DMA_IOMMU_DIRECT_CALLS = "b5c58b2fdc42";
/** f7326196a781 (6.18): the physical-address API — iommu_dma_map_phys / iommu_dma_unmap_phys */
const PHYS_API = "f7326196a781";

/** The names of the map / unmap step dma_common_{alloc,free}_pages takes for `ops` on this kernel, for the trace. */
function mapStep(k: Kernel, ops: DmaMapOps, unmap: boolean): { cond: string; why: string } {
  if (ops.direct_call && k.sw[DMA_IOMMU_DIRECT_CALLS]) {
    const fn = k.sw[PHYS_API] ? (unmap ? "iommu_dma_unmap_phys" : "iommu_dma_map_phys(dev, page_to_phys(page), …)") : unmap ? "iommu_dma_unmap_page" : "iommu_dma_map_page";
    return { cond: "use_dma_iommu(dev)", why: `dev->dma_iommu: ${fn} directly, DMA_ATTR_SKIP_CPU_SYNC` };
  }
  return { cond: unmap ? "ops->unmap_page" : "ops->map_page", why: `${ops.name}.${unmap ? "unmap_page" : "map_page"}, DMA_ATTR_SKIP_CPU_SYNC` };
}

/**
 * kernel/dma/ops_helpers.c dma_common_alloc_pages (5.10–6.18; 6.12+: the use_dma_iommu branch calls
 * iommu_dma_map_page, 6.18 iommu_dma_map_phys): dma_alloc_contiguous, else alloc_pages_node of
 * get_order(size); map it with DMA_ATTR_SKIP_CPU_SYNC (no cache maintenance), on DMA_MAPPING_ERROR
 * dma_free_contiguous and NULL; then memset(page_address(page), 0, size) through the cacheable map.
 */
export function dma_common_alloc_pages(k: Kernel, dev: Device, size: number, dir: number, gfp: number): { page: number; dma_handle: number } | null {
  k.tr?.enter(S_alloc_pages, { dev: dev.name, size: hex(size), dir: DIR_NAMES[dir] ?? String(dir), gfp: gfpName(gfp) });
  const ops = dev.dma_ops!;
  let page = dma_alloc_contiguous(k, dev, size, gfp);
  if (!page) page = alloc_pages(k, gfp, get_order(size), "dma_common_alloc_pages");
  if (!page) {
    k.tr?.exit("NULL");
    return null;
  }
  const st = mapStep(k, ops, false);
  k.tr?.decide(st.cond, true, st.why);
  const dma_handle = ops.map_page!(k, dev, page, 0, size, dir, DMA_ATTR_SKIP_CPU_SYNC);
  if (dma_handle === DMA_MAPPING_ERROR) {
    dma_free_contiguous(k, dev, page, size);
    k.tr?.exit("NULL (DMA_MAPPING_ERROR)");
    return null;
  }
  k.kmemset(k.arch.page_address(k, page), 0, size, "dma_common_alloc_pages");
  k.tr?.exit(`page ${k.arch.fmtVa(page)} (pfn ${hex(k.arch.page_to_pfn(page))}), *dma_handle = ${hex(dma_handle)}`);
  return { page, dma_handle };
}

/**
 * kernel/dma/ops_helpers.c dma_common_free_pages (5.10–6.18; 6.12+: iommu_dma_unmap_page for
 * use_dma_iommu, 6.18 iommu_dma_unmap_phys): unmap with DMA_ATTR_SKIP_CPU_SYNC when the ops have
 * unmap_page, then dma_free_contiguous.
 */
export function dma_common_free_pages(k: Kernel, dev: Device, size: number, page: number, dma_handle: number, dir: number): void {
  k.tr?.enter(S_free_pages, { dev: dev.name, page: k.arch.fmtVa(page), dma_handle: hex(dma_handle), size: hex(size) });
  const ops = dev.dma_ops!;
  const st = mapStep(k, ops, true);
  k.tr?.decide(st.cond, ops.unmap_page !== undefined, ops.unmap_page ? st.why : `${ops.name} has no unmap_page: nothing to unmap`);
  if (ops.unmap_page) ops.unmap_page(k, dev, dma_handle, size, dir, DMA_ATTR_SKIP_CPU_SYNC);
  dma_free_contiguous(k, dev, page, size);
  k.tr?.exit();
}

/** kernel/dma/ops_helpers.c dma_common_vaddr_to_page (5.14+, 40ac971eab89): vmalloc_to_page for vmalloc addresses */
function dma_common_vaddr_to_page(k: Kernel, cpu_addr: number): number {
  k.tr?.enter(S_vaddr_to_page, { cpu_addr: k.arch.fmtVa(cpu_addr) });
  const vm = is_vmalloc_addr(k, cpu_addr);
  k.tr?.decide("is_vmalloc_addr(cpu_addr)", vm, vm ? "a vmap address: walk the page tables" : "a linear-map address: arithmetic is valid");
  const page = vm ? vmalloc_to_page(k, cpu_addr) : virt_to_page(k, cpu_addr);
  k.tr?.exit(k.arch.fmtVa(page));
  return page;
}

/** The page the helper believes backs cpu_addr: virt_to_page before 40ac971eab89, dma_common_vaddr_to_page after. */
function cpu_addr_page(k: Kernel, cpu_addr: number): number {
  if (k.sw["40ac971eab89"]) return dma_common_vaddr_to_page(k, cpu_addr);
  k.tr?.decide("40ac971eab89 (dma_common_vaddr_to_page)", false, "this kernel applies virt_to_page to cpu_addr whatever kind of address it is");
  return virt_to_page(k, cpu_addr);
}

/** kernel/dma/ops_helpers.c dma_common_get_sgtable (5.10–5.13: virt_to_page; 5.14+: dma_common_vaddr_to_page); kernel/dma/mapping.c in 5.6–5.9 (virt_to_page) */
export function dma_common_get_sgtable(k: Kernel, _dev: Device, sgt: SgTable, cpu_addr: number, _dma_addr: number, size: number, _attrs: number): number {
  k.tr?.enter(k.sw[MOVED] ? S_sgt : S_sgt_mapping, { cpu_addr: k.arch.fmtVa(cpu_addr), size: hex(size) });
  const page = cpu_addr_page(k, cpu_addr);
  sgt.sgl = [{ page, offset: 0, length: PAGE_ALIGN(size), dma_address: 0, dma_length: 0 }];
  sgt.nents = sgt.orig_nents = 1;
  k.tr?.note(`sg_set_page(sg, ${k.arch.fmtVa(page)} (pfn ${hex(k.arch.page_to_pfn(page))}), ${hex(PAGE_ALIGN(size))}, 0)`);
  k.tr?.exit("0");
  return 0;
}

/** kernel/dma/ops_helpers.c dma_common_mmap (5.10–5.13: virt_to_page; 5.14+: dma_common_vaddr_to_page); kernel/dma/mapping.c in 5.6–5.9 (virt_to_page) */
export function dma_common_mmap(k: Kernel, dev: Device, vma: Vma, cpu_addr: number, _dma_addr: number, size: number, attrs: number): number {
  k.tr?.enter(k.sw[MOVED] ? S_mmap : S_mmap_mapping, { cpu_addr: k.arch.fmtVa(cpu_addr), size: hex(size) });
  const user_count = (vma.vm_end - vma.vm_start) / PAGE_SIZE;
  const count = PAGE_ALIGN(size) / PAGE_SIZE;
  const off = vma.vm_pgoff;
  vma.vm_page_prot = dma_pgprot(k, dev, "normal", attrs);
  // 5.14 computes the page before the range check; older kernels after. Neither dereferences it.
  const post = k.sw["40ac971eab89"];
  const page = post ? cpu_addr_page(k, cpu_addr) : 0;
  const dc = dma_mmap_from_dev_coherent(k, dev, vma, cpu_addr, size);
  if (dc.handled) {
    k.tr?.exit(String(dc.ret));
    return dc.ret;
  }
  if (off >= count || user_count > count - off) {
    k.tr?.exit("-ENXIO");
    return -ENXIO;
  }
  const pg = post ? page : cpu_addr_page(k, cpu_addr);
  const pfn = k.arch.page_to_pfn(pg);
  k.tr?.note(`page_to_pfn(${k.arch.fmtVa(pg)}) = ${hex(pfn)}: ${k.describePfn(pfn)}`);
  const r = remap_pfn_range(k, vma.vm_start, pfn + off, vma.vm_end - vma.vm_start, vma.vm_page_prot);
  k.tr?.exit(String(r));
  return r;
}

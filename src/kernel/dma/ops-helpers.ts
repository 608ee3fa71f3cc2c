/**
 * kernel/dma/ops_helpers.c: the generic mmap / get_sgtable helpers for dma_map_ops backends
 * (xen_swiotlb_dma_ops among them), before and after 40ac971eab89.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import type { SgTable, Vma } from "./ops.js";
import { ENXIO } from "./ops.js";
import { sym } from "../../core/trace.js";
import { PAGE_ALIGN, PAGE_SIZE, hex } from "../../core/u64.js";
import { is_vmalloc_addr, remap_pfn_range, virt_to_page, vmalloc_to_page } from "../../mm/mm.js";
import { dma_pgprot } from "./arch-hooks.js";
import { dma_mmap_from_dev_coherent } from "./coherent.js";

const F = "kernel/dma/ops_helpers.c";
const S_sgt = sym("dma_common_get_sgtable", F);
const S_mmap = sym("dma_common_mmap", F);
const S_vaddr_to_page = sym("dma_common_vaddr_to_page", F);

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

/** kernel/dma/ops_helpers.c dma_common_get_sgtable (5.4–5.13: virt_to_page; 5.14+: dma_common_vaddr_to_page) */
export function dma_common_get_sgtable(k: Kernel, _dev: Device, sgt: SgTable, cpu_addr: number, _dma_addr: number, size: number, _attrs: number): number {
  k.tr?.enter(S_sgt, { cpu_addr: k.arch.fmtVa(cpu_addr), size: hex(size) });
  const page = cpu_addr_page(k, cpu_addr);
  sgt.sgl = [{ page, offset: 0, length: PAGE_ALIGN(size), dma_address: 0, dma_length: 0 }];
  sgt.nents = sgt.orig_nents = 1;
  k.tr?.note(`sg_set_page(sg, ${k.arch.fmtVa(page)} (pfn ${hex(k.arch.page_to_pfn(page))}), ${hex(PAGE_ALIGN(size))}, 0)`);
  k.tr?.exit("0");
  return 0;
}

/** kernel/dma/ops_helpers.c dma_common_mmap (5.4–5.13: virt_to_page; 5.14+: dma_common_vaddr_to_page) */
export function dma_common_mmap(k: Kernel, dev: Device, vma: Vma, cpu_addr: number, _dma_addr: number, size: number, attrs: number): number {
  k.tr?.enter(S_mmap, { cpu_addr: k.arch.fmtVa(cpu_addr), size: hex(size) });
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

/**
 * kernel/dma/remap.c (CONFIG_DMA_REMAP): vmap helpers for coherent buffers, and (5.4–5.7) the
 * single atomic pool that lived in this file before kernel/dma/pool.c.
 */
import type { Kernel } from "../../kernel.js";
import { default_pointer } from "../../lib/vsprintf.js";
import { sym } from "../../core/trace.js";
import { warn_site } from "../warn-sites.js";
import { PAGE_SIZE, hex } from "../../core/u64.js";
import type { Prot } from "../../mm/pgtable.js";
import { VM_DMA_COHERENT } from "../../mm/vmalloc.js";
import { get_vm_area_caller, map_vm_area, vmap, vunmap } from "../../mm/mm.js";
import type { VmStruct } from "../../mm/vmalloc.js";
import { gen_pool_free } from "../../mm/genalloc.js";

const S_contig = sym("dma_common_contiguous_remap", "kernel/dma/remap.c");
const S_pages_remap = sym("dma_common_pages_remap", "kernel/dma/remap.c");
const S___pages_remap = sym("__dma_common_pages_remap", "kernel/dma/remap.c");
const S_free_remap = sym("dma_common_free_remap", "kernel/dma/remap.c");
const S_alloc_from_pool = sym("dma_alloc_from_pool", "kernel/dma/remap.c");
const S_free_from_pool = sym("dma_free_from_pool", "kernel/dma/remap.c");

/**
 * kernel/dma/remap.c __dma_common_pages_remap (5.6–5.7): get_vm_area_caller(size,
 * VM_DMA_COHERENT, caller), then map_vm_area(area, prot, pages); on a map failure vunmap.
 * 515e5b6d90d4 (5.8) replaced it with vmap().
 */
function __dma_common_pages_remap(k: Kernel, pages: number[], size: number, prot: Prot, caller: string): VmStruct | null {
  k.tr?.enter(S___pages_remap, { size: hex(size), prot });
  const area = get_vm_area_caller(k, size, VM_DMA_COHERENT, caller);
  if (!area) {
    k.tr?.exit("NULL");
    return null;
  }
  if (map_vm_area(k, area, prot, pages)) {
    vunmap(k, area.addr);
    k.tr?.exit("NULL");
    return null;
  }
  k.tr?.exit(k.arch.fmtVa(area.addr));
  return area;
}

/**
 * kernel/dma/remap.c dma_common_contiguous_remap (5.6–5.19): map the nth_page()s of a contiguous
 * allocation with VM_DMA_COHERENT — through __dma_common_pages_remap in 5.6, through vmap() since
 * 515e5b6d90d4 (5.8); the temporary page array is freed, so area->pages stays NULL.
 */
export function dma_common_contiguous_remap(k: Kernel, page: number, size: number, prot: Prot, caller: string): number {
  k.tr?.enter(S_contig, { page: k.arch.fmtVa(page), size: hex(size), prot });
  const n = Math.ceil(size / PAGE_SIZE);
  const pfn = k.arch.page_to_pfn(page);
  const pages: number[] = [];
  for (let i = 0; i < n; i++) pages.push(k.arch.pfn_to_page(pfn + i));
  const vm = k.sw["515e5b6d90d4"] ? vmap(k, pages, VM_DMA_COHERENT, prot, caller) : __dma_common_pages_remap(k, pages, size, prot, caller);
  k.tr?.exit(vm ? k.arch.fmtVa(vm.addr) + " (vmalloc address)" : "NULL");
  return vm ? vm.addr : 0;
}

/** kernel/dma/remap.c dma_common_pages_remap (5.6–6.18): like contiguous_remap but keeps the page array (area->pages) */
export function dma_common_pages_remap(k: Kernel, pages: number[], size: number, prot: Prot, caller: string): number {
  k.tr?.enter(S_pages_remap, { size: hex(size) });
  const count = Math.ceil(size / PAGE_SIZE);
  const vm = k.sw["515e5b6d90d4"] ? vmap(k, pages.slice(0, count), VM_DMA_COHERENT, prot, caller) : __dma_common_pages_remap(k, pages, size, prot, caller);
  if (vm) vm.pages = pages.slice();
  k.tr?.exit(vm ? k.arch.fmtVa(vm.addr) : "NULL");
  return vm ? vm.addr : 0;
}

/** kernel/dma/remap.c dma_common_find_pages (5.x–6.6): the page array only for exactly VM_DMA_COHERENT areas */
export function dma_common_find_pages(k: Kernel, cpu_addr: number): number[] | null {
  const a = k.vmalloc.find_vm_area(cpu_addr);
  if (!a || a.flags !== VM_DMA_COHERENT) return null;
  return a.pages;
}

/** kernel/dma/remap.c dma_common_free_remap (5.x–6.6) */
export function dma_common_free_remap(k: Kernel, cpu_addr: number): void {
  k.tr?.enter(S_free_remap, { cpu_addr: k.arch.fmtVa(cpu_addr) });
  const a = k.vmalloc.find_vm_area(cpu_addr);
  if (!a || a.flags !== VM_DMA_COHERENT) {
    k.warn(`trying to free invalid coherent area: ${default_pointer(k, cpu_addr)}`, "dma_common_free_remap", warn_site(k, "dma_common_free_remap")); // %p
    k.tr?.exit();
    return;
  }
  vunmap(k, cpu_addr);
  k.tr?.exit();
}

/** kernel/dma/remap.c dma_in_atomic_pool (5.5–5.7) */
export function dma_in_atomic_pool(k: Kernel, start: number, size: number): boolean {
  return k.atomic_pool !== null && k.atomic_pool.has_addr(start, size);
}

/**
 * kernel/dma/remap.c dma_alloc_from_pool(size, &page, flags) (5.5–5.7): the single atomic pool;
 * WARN "coherent pool not initialised!" without one; the memory is zeroed; flags unused.
 */
export function dma_alloc_from_pool_remap(k: Kernel, size: number): { vaddr: number; page: number } | null {
  k.tr?.enter(S_alloc_from_pool, { size: hex(size) });
  const pool = k.atomic_pool;
  if (!pool) {
    k.warn("coherent pool not initialised!", "dma_alloc_from_pool", warn_site(k, "dma_alloc_from_pool"));
    k.tr?.exit("NULL");
    return null;
  }
  const vaddr = pool.alloc(size);
  if (!vaddr) {
    k.tr?.exit("NULL (pool exhausted)");
    return null;
  }
  const phys = pool.virt_to_phys(vaddr);
  k.kmemset(vaddr, 0, size, "dma_alloc_from_pool");
  const page = k.arch.pfn_to_page(phys / PAGE_SIZE);
  k.tr?.exit(`${k.arch.fmtVa(vaddr)} (pool chunk, phys ${hex(phys)})`);
  return { vaddr, page };
}

/** kernel/dma/remap.c dma_free_from_pool(start, size) (5.5–5.7) */
export function dma_free_from_pool_remap(k: Kernel, start: number, size: number): boolean {
  if (!dma_in_atomic_pool(k, start, size)) return false;
  k.tr?.enter(S_free_from_pool, { start: k.arch.fmtVa(start) });
  gen_pool_free(k, k.atomic_pool!, start, size);
  k.tr?.exit("true");
  return true;
}

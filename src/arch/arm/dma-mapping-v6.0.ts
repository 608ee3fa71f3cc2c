/**
 * arch/arm/mm/dma-mapping.c, 6.0–6.18 (no LPAE, no ARM_DMA_USE_IOMMU): 32-bit ARM on dma-direct
 * (ae626eb97376 "ARM/dma-mapping: use dma-direct unconditionally", 6.0). arm_dma_ops and
 * arm_coherent_dma_ops are gone: arch_setup_dma_ops leaves dev->dma_ops NULL, so every DMA API
 * call goes to kernel/dma/direct.c. What is left of the arch code is reached from dma-direct:
 *
 * - arch_dma_alloc / arch_dma_free: dma_direct_alloc / dma_direct_free call them for a
 *   non-coherent device (ARM selects neither DMA_DIRECT_REMAP nor ARCH_HAS_DMA_SET_UNCACHED nor
 *   DMA_GLOBAL_POOL; from 6.7 it selects ARCH_HAS_DMA_ALLOC, 2c8ed1b960fb). They run the old
 *   __dma_alloc with is_coherent = false: cma / remap / pool allocators, the arm_dma_bufs list.
 *   A coherent device never reaches them: dma_direct_alloc gives it page_address().
 * - arch_sync_dma_for_device / arch_sync_dma_for_cpu: __dma_page_cpu_to_dev / __dma_page_dev_to_cpu.
 * - Not here any more: arm_dma_mmap, arm_dma_get_sgtable, arm_dma_map_page/_sg, arm_dma_supported
 *   (dma_direct_mmap, dma_direct_get_sgtable, dma_direct_map_page/_sg, dma_direct_supported instead).
 * - ARM does not select ARCH_HAS_DMA_PREP_COHERENT (checked 6.1.166 … 6.18.35): arch_dma_prep_coherent
 *   is the empty stub, so dma_direct_alloc_no_mapping (DMA_ATTR_NO_KERNEL_MAPPING, taken before the
 *   coherent test) neither zeroes nor flushes the pages.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import { sym } from "../../core/trace.js";
import { warn_site } from "../../kernel/warn-sites.js";
import { PAGE_ALIGN, PAGE_SIZE, hex, maskLimit, min_not_zero } from "../../core/u64.js";
import { DMA_ATTR_NO_KERNEL_MAPPING, __GFP_COMP, __GFP_DMA, attrsName, gfpName, gfpflags_allow_blocking } from "../../include/gfp.js";
import type { Prot } from "../../mm/pgtable.js";
import { dev_get_cma_area } from "../../kernel/dma/contiguous.js";
import { dma_to_phys, phys_to_dma } from "../../kernel/dma/direct.js";
import { __alloc_from_contiguous, __alloc_from_pool, __alloc_remap_buffer, __alloc_simple_buffer, __get_dma_pgprot, arm_dma_alloc_too_big, arm_dma_allocator_free, type Allocator } from "./dma-mapping.js";
import { default_pointer } from "../../lib/vsprintf.js";

const F = "arch/arm/mm/dma-mapping.c";
const S_arch_dma_alloc = sym("arch_dma_alloc", F);
const S_arch_dma_free = sym("arch_dma_free", F);
const S___dma_alloc = sym("__dma_alloc", F);
const S___arm_dma_free = sym("__arm_dma_free", F);

/**
 * arch/arm/mm/dma-mapping.c __dma_alloc (6.0–6.18): the 5.x allocator choice, reached only through
 * arch_dma_alloc (is_coherent is always false there, so the simple allocator is never picked);
 * *handle = phys_to_dma(dev, page_to_phys(page)) (f9774cfd5062, 6.0: pfn_to_dma before).
 */
function __dma_alloc(k: Kernel, dev: Device, size: number, gfp: number, prot: Prot, is_coherent: boolean, attrs: number, caller: string): { cpu_addr: number; dma_handle: number } | null {
  k.tr?.enter(S___dma_alloc, { size: hex(size), gfp: gfpName(gfp), is_coherent: String(is_coherent) });
  const mask = min_not_zero(dev.coherent_dma_mask, dev.bus_dma_limit);
  if (arm_dma_alloc_too_big(k, dev, mask, size)) {
    k.tr?.exit("NULL");
    return null;
  }
  size = PAGE_ALIGN(size);
  if (maskLimit(mask) < 0xffff_ffff) gfp |= __GFP_DMA;
  // the __GFP_COMP "work-around (a.k.a. hack)" (6.1.166); ffcb75458460 (6.2) deletes it here and has
  // dma_alloc_attrs reject __GFP_COMP instead, so from 6.2 the flag never arrives: clearing it is exact
  gfp &= ~__GFP_COMP;
  const allowblock = gfpflags_allow_blocking(gfp);
  const cma = allowblock ? dev_get_cma_area(k, dev) : null;
  const want_vaddr = (attrs & DMA_ATTR_NO_KERNEL_MAPPING) === 0;
  let which: Allocator;
  if (cma) which = "cma";
  else if (is_coherent) which = "simple";
  else if (allowblock) which = "remap";
  else which = "pool";
  k.tr?.decide("buf->allocator", true, {
    cma: "gfp may block and a CMA area exists: cma_allocator",
    simple: "is_coherent: simple_allocator",
    remap: `gfp may block, no CMA area${k.cfg.cma === 0 ? " (cma=0)" : ""}: remap_allocator`,
    pool: `${gfpName(gfp)} cannot block: pool_allocator (the arch's own atomic_pool, not kernel/dma/pool.c)`,
  }[which]);
  let r: { ptr: number; page: number } | null;
  switch (which) {
    case "cma": r = __alloc_from_contiguous(k, dev, size, prot, attrs, caller, gfp); break;
    case "simple": r = __alloc_simple_buffer(k, size, gfp); break;
    case "remap": r = __alloc_remap_buffer(k, size, gfp, prot, caller, want_vaddr); break;
    case "pool": r = __alloc_from_pool(k, size); break;
  }
  if (!r) {
    k.tr?.exit("NULL");
    return null;
  }
  const dma_handle = phys_to_dma(k, dev, k.page_to_phys(r.page));
  const ret = want_vaddr ? r.ptr : r.page;
  k.arm_dma_bufs.push({ virt: ret, allocator: which });
  k.tr?.exit(`${k.arch.fmtVa(ret)}, *handle = ${hex(dma_handle)}`);
  return { cpu_addr: ret, dma_handle };
}

/**
 * arch/arm/mm/dma-mapping.c arch_dma_alloc (6.0–6.18; before 6.0 only built with CONFIG_SWIOTLB):
 * __dma_alloc(dev, size, handle, gfp, __get_dma_pgprot(attrs, PAGE_KERNEL), false, attrs, caller)
 */
export function arch_dma_alloc(k: Kernel, dev: Device, size: number, gfp: number, attrs: number): { cpu_addr: number; dma_handle: number } | null {
  k.tr?.enter(S_arch_dma_alloc, { size: hex(size), gfp: gfpName(gfp), attrs: attrsName(attrs) });
  const r = __dma_alloc(k, dev, size, gfp, __get_dma_pgprot(attrs), false, attrs, "dma_direct_alloc");
  k.tr?.exit(r ? k.arch.fmtVa(r.cpu_addr) : "NULL");
  return r;
}

/** arch/arm/mm/dma-mapping.c __arm_dma_free (6.0–6.18; 6.1.166 :611–631, 6.18.35 :605–625):
 * page = phys_to_page(dma_to_phys(dev, handle));
 * the allocator from arm_dma_buffer_find(cpu_addr), WARN "Freeing invalid buffer %p" if absent.
 */
function __arm_dma_free(k: Kernel, dev: Device, size: number, cpu_addr: number, handle: number, attrs: number) {
  k.tr?.enter(S___arm_dma_free, { cpu_addr: k.arch.fmtVa(cpu_addr), handle: hex(handle) });
  const want_vaddr = (attrs & DMA_ATTR_NO_KERNEL_MAPPING) === 0;
  size = PAGE_ALIGN(size);
  const page = k.arch.pfn_to_page(Math.floor(dma_to_phys(k, dev, handle) / PAGE_SIZE));
  const i = k.arm_dma_bufs.findIndex((b) => b.virt === cpu_addr);
  if (i < 0) {
    k.warn(`Freeing invalid buffer ${default_pointer(k, cpu_addr)}`, "__arm_dma_free", warn_site(k, "__arm_dma_free"));
    k.tr?.exit();
    return;
  }
  const buf = k.arm_dma_bufs.splice(i, 1)[0]!;
  k.tr?.note(`arm_dma_buffer_find(${k.arch.fmtVa(cpu_addr)}): ${buf.allocator}_allocator`);
  arm_dma_allocator_free(k, dev, buf.allocator, cpu_addr, page, size, want_vaddr);
  k.tr?.exit();
}

/** arch/arm/mm/dma-mapping.c arch_dma_free (6.0–6.18): __arm_dma_free(dev, size, cpu_addr, dma_handle, attrs, false) */
export function arch_dma_free(k: Kernel, dev: Device, size: number, cpu_addr: number, dma_handle: number, attrs: number): void {
  k.tr?.enter(S_arch_dma_free, { size: hex(size), cpu_addr: k.arch.fmtVa(cpu_addr), dma_handle: hex(dma_handle) });
  __arm_dma_free(k, dev, size, cpu_addr, dma_handle, attrs);
  k.tr?.exit();
}

/**
 * arch/arm/mm/dma-mapping.c arch_setup_dma_ops (6.0–6.18, no IOMMU): sets dev->dma_coherent when the
 * firmware says so and leaves dev->dma_ops NULL (xen_setup_dma_ops does nothing outside a Xen
 * guest): the device is on dma-direct.
 */
export function arch_setup_dma_ops(_k: Kernel, dev: Device): void {
  dev.dma_ops = null;
}

/**
 * kernel/dma/mapping.c and include/linux/dma-mapping.h: the DMA API front door. Chooses the
 * per-device coherent pool, dma-direct or the device's dma_map_ops, then calls the dma-debug hooks.
 */
import { dev_is_dma_coherent } from "./arch-hooks.js";
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import { dev_update_limits } from "../../drivers/device.js";
import type { DmaMapOps, Scatterlist, SgTable, Vma } from "./ops.js";
import { EIO, ENXIO, opsMember } from "./ops.js";
import { sym, type Sym } from "../../core/trace.js";
import { warn_site } from "../warn-sites.js";
import { DMA_MAPPING_ERROR, PAGE_ALIGN, PAGE_SIZE, get_order, hex, offset_in_page } from "../../core/u64.js";
import { DIR_NAMES, DMA_BIDIRECTIONAL, DMA_NONE, __GFP_COMP, __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM, attrsName, gfpName } from "../../include/gfp.js";
import * as direct from "./direct.js";
import { dma_direct_alloc, dma_direct_alloc_pages, dma_direct_free, dma_direct_free_pages, dma_direct_get_sgtable, dma_direct_mmap } from "./direct-alloc.js";
import { dma_alloc_from_dev_coherent, dma_release_from_dev_coherent } from "./coherent.js";
import { is_vmalloc_addr, virt_to_page } from "../../mm/mm.js";
import * as dbg from "./debug.js";
import * as v618 from "./mapping-v6.18.js";
import { trace_dma_alloc, trace_dma_alloc_pages, trace_dma_free, trace_dma_free_pages, trace_dma_map, trace_dma_map_resource, trace_dma_map_sg, trace_dma_sync_sg, trace_dma_sync_single, trace_dma_unmap, trace_dma_unmap_resource, trace_dma_unmap_sg } from "../../include/trace/events/dma.js";

const F = "kernel/dma/mapping.c";
const S_alloc = sym("dma_alloc_attrs", F);
const S_free = sym("dma_free_attrs", F);
const S_mmap = sym("dma_mmap_attrs", F);
const S_sgt = sym("dma_get_sgtable_attrs", F);
const S_map_page = sym("dma_map_page_attrs", F);
const S_unmap_page = sym("dma_unmap_page_attrs", F);
const S_map_single = sym("dma_map_single_attrs", "include/linux/dma-mapping.h");
const S_map_sg = sym("dma_map_sg_attrs", F);
const S_unmap_sg = sym("dma_unmap_sg_attrs", F);
const S_sync_cpu = sym("dma_sync_single_for_cpu", F);
const S_sync_dev = sym("dma_sync_single_for_device", F);
const S_sync_sg_cpu = sym("dma_sync_sg_for_cpu", F);
const S_sync_sg_dev = sym("dma_sync_sg_for_device", F);
const H = "include/linux/dma-mapping.h";
// 6.10+ (f406c8e4b770): the API names are inlines in dma-mapping.h; mapping.c has the __ versions
const S_sync_cpu_inl = sym("dma_sync_single_for_cpu", H);
const S_sync_dev_inl = sym("dma_sync_single_for_device", H);
const S_sync_sg_cpu_inl = sym("dma_sync_sg_for_cpu", H);
const S_sync_sg_dev_inl = sym("dma_sync_sg_for_device", H);
const S__sync_cpu = sym("__dma_sync_single_for_cpu", F);
const S__sync_dev = sym("__dma_sync_single_for_device", F);
const S__sync_sg_cpu = sym("__dma_sync_sg_for_cpu", F);
const S__sync_sg_dev = sym("__dma_sync_sg_for_device", F);
const S_set_mask = sym("dma_set_mask", F);
const S_alloc_pages = sym("dma_alloc_pages", F);
const S_free_pages = sym("dma_free_pages", F);
const S_alloc_noncoherent = sym("dma_alloc_noncoherent", "include/linux/dma-mapping.h");
const S_free_noncoherent = sym("dma_free_noncoherent", "include/linux/dma-mapping.h");
/** 81d88ce55092 (5.12) "dma-mapping: remove the {alloc,free}_noncoherent methods" (kept in sync with dma-iommu.ts) */
const NONCOHERENT_OPS_REMOVED = "81d88ce55092";
/** 5.10–5.11: dma_alloc_noncoherent / dma_free_noncoherent are functions in mapping.c, not inline wrappers */
const S_alloc_noncoherent_510 = sym("dma_alloc_noncoherent", F);
const S_free_noncoherent_510 = sym("dma_free_noncoherent", F);
const S_map_resource = sym("dma_map_resource", F);
const S_unmap_resource = sym("dma_unmap_resource", F);
/**
 * 5.6–5.8: the streaming entry points are static inlines of include/linux/dma-mapping.h (5.6.4
 * :274–419, the CONFIG_HAS_DMA block); d3fa60d7bfdc (5.9) moved them out of line into mapping.c.
 */
const OUT_OF_LINE = "d3fa60d7bfdc";
const S_map_page_h = sym("dma_map_page_attrs", H);
const S_unmap_page_h = sym("dma_unmap_page_attrs", H);
const S_map_sg_h = sym("dma_map_sg_attrs", H);
const S_unmap_sg_h = sym("dma_unmap_sg_attrs", H);
const S_map_resource_h = sym("dma_map_resource", H);
const S_unmap_resource_h = sym("dma_unmap_resource", H);
/** The symbol of a streaming entry point: mapping.c's (5.9+) or the inline in dma-mapping.h (5.6–5.8). */
function entry(k: Kernel, outOfLine: Sym, inline: Sym): Sym {
  return k.sw[OUT_OF_LINE] ? outOfLine : inline;
}
const S_set_coherent_mask = sym("dma_set_coherent_mask", F);

/** include/linux/dma-map-ops.h get_dma_ops */
export function get_dma_ops(dev: Device): DmaMapOps | null {
  return dev.dma_ops;
}

/** kernel/dma/mapping.c dma_go_direct (no DMA_OPS_BYPASS modelled): direct iff no ops */
function dma_go_direct(ops: DmaMapOps | null): boolean {
  return ops === null;
}

/**
 * The dispatch decision of the coherent entry points, for the trace: dma_alloc_direct(dev, ops)
 * in kernel/dma/mapping.c since d3fa60d7bfdc (5.9); the inline dma_is_direct(ops) of
 * include/linux/dma-mapping.h in 5.6.
 */
function ops_trace(k: Kernel, ops: DmaMapOps | null) {
  if (ops?.direct_call) {
    k.tr?.decide("dma_alloc_direct(dev, ops)", false, "dev->dma_ops is NULL but dev->dma_iommu is set: use_dma_iommu(dev), mapping.c calls dma-iommu directly (b5c58b2fdc42)");
    return;
  }
  k.tr?.decide(k.sw["d3fa60d7bfdc"] ? "dma_alloc_direct(dev, ops)" : "dma_is_direct(ops)", ops === null, ops === null ? "the device has no dma_map_ops: dma-direct" : `dev->dma_ops = ${ops.name} (${ops.file})`);
}

/** kernel/dma/mapping.c dma_alloc_attrs (5.6–6.12; ffcb75458460, 6.2: WARN_ON_ONCE and NULL for __GFP_COMP) */
export function dma_alloc_attrs(k: Kernel, dev: Device, size: number, gfp: number, attrs: number): { cpu_addr: number; dma_handle: number } | null {
  k.tr?.enter(S_alloc, { dev: dev.name, size: hex(size), gfp: gfpName(gfp), attrs: attrsName(attrs) });
  if (dev.coherent_dma_mask === 0n) k.warnOnce(`nomask-${dev.name}`, "WARNING: dma_alloc_attrs: coherent_dma_mask is 0", "dma_alloc_attrs");
  if (k.sw["ffcb75458460"]) {
    const comp = (gfp & __GFP_COMP) !== 0;
    k.tr?.decide("WARN_ON_ONCE(flag & __GFP_COMP)", comp, comp ? "DMA allocations can never be turned back into a page pointer: compound pages are refused (ffcb75458460)" : "no __GFP_COMP");
    if (comp) {
      k.warnOnce("dma_alloc_attrs:__GFP_COMP", "WARNING: dma_alloc_attrs: WARN_ON_ONCE(flag & __GFP_COMP)", "dma_alloc_attrs", warn_site(k, "dma_alloc_attrs:__GFP_COMP"));
      k.tr?.exit("NULL");
      return null;
    }
  }
  const dc = dma_alloc_from_dev_coherent(k, dev, size);
  if (dc.handled) {
    k.tr?.decide("dma_alloc_from_dev_coherent(dev, size, &handle, &cpu_addr)", true, "the device has its own coherent pool: used, no fallback");
    if (k.sw["3afff779a725"]) trace_dma_alloc(k, dev, dc.cpu_addr ?? 0, dc.cpu_addr ? dc.dma_handle : 0, size, DMA_BIDIRECTIONAL, gfp, attrs);
    k.tr?.exit(dc.cpu_addr ? k.arch.fmtVa(dc.cpu_addr) : "NULL");
    return dc.cpu_addr ? { cpu_addr: dc.cpu_addr, dma_handle: dc.dma_handle } : null;
  }
  gfp &= ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM);
  const ops = get_dma_ops(dev);
  ops_trace(k, ops);
  let r: { cpu_addr: number; dma_handle: number } | null = null;
  if (dma_go_direct(ops)) r = dma_direct_alloc(k, dev, size, gfp, attrs);
  else if (ops!.alloc) r = ops!.alloc(k, dev, size, gfp, attrs);
  else if (!k.sw["3afff779a725"]) {
    k.tr?.exit("NULL"); // 6.12: return NULL before the tracepoint
    return null;
  }
  // the dma_handle of a failed allocation is the caller's variable; the model's is 0
  trace_dma_alloc(k, dev, r?.cpu_addr ?? 0, r?.dma_handle ?? 0, size, DMA_BIDIRECTIONAL, gfp, attrs);
  if (k.dma_debug && r) dbg.debug_dma_alloc_coherent(k, dev, size, r.dma_handle, r.cpu_addr, virt_to_paddr(k, r.cpu_addr), attrs);
  k.tr?.exit(r ? `${k.arch.fmtVa(r.cpu_addr)}, *dma_handle = ${hex(r.dma_handle)}` : "NULL");
  return r;
}

/**
 * kernel/dma/debug.c virt_to_paddr (5.x): the physical address dma-debug records for a coherent
 * buffer's CPU address — vmalloc_to_pfn for vmalloc addresses, virt_to_page arithmetic for
 * linear ones; anything else (a NO_KERNEL_MAPPING page cookie) is not tracked (-1).
 */
function virt_to_paddr(k: Kernel, virt: number): number {
  if (!is_vmalloc_addr(k, virt) && !k.arch.is_linear(virt)) return -1;
  // vmalloc_to_pfn walks the page tables; for a linear address the walk gives what __pa computes
  const w = k.pgd.walk(virt);
  return "phys" in w ? w.phys : -1;
}

/** kernel/dma/mapping.c dma_free_attrs (5.x–6.6) */
export function dma_free_attrs(k: Kernel, dev: Device, size: number, cpu_addr: number, dma_handle: number, attrs: number): void {
  k.tr?.enter(S_free, { dev: dev.name, size: hex(size), cpu_addr: k.arch.fmtVa(cpu_addr), dma_handle: hex(dma_handle) });
  if (dma_release_from_dev_coherent(k, dev, get_order(size), cpu_addr)) {
    k.tr?.exit();
    return;
  }
  if (k.sw["3afff779a725"]) trace_dma_free(k, dev, cpu_addr, dma_handle, size, DMA_BIDIRECTIONAL, attrs); // 6.13+: before the NULL check
  if (!cpu_addr) {
    k.tr?.exit();
    return;
  }
  if (!k.sw["3afff779a725"]) trace_dma_free(k, dev, cpu_addr, dma_handle, size, DMA_BIDIRECTIONAL, attrs);
  if (k.dma_debug) dbg.debug_dma_free_coherent(k, dev, size, cpu_addr, dma_handle, virt_to_paddr(k, cpu_addr));
  const ops = get_dma_ops(dev);
  ops_trace(k, ops);
  if (dma_go_direct(ops)) dma_direct_free(k, dev, size, cpu_addr, dma_handle, attrs);
  else if (ops!.free) ops!.free(k, dev, size, cpu_addr, dma_handle, attrs);
  k.tr?.exit();
}

/** kernel/dma/mapping.c dma_mmap_attrs (5.x–6.6): dma_direct_mmap or ops->mmap, -ENXIO without one */
export function dma_mmap_attrs(k: Kernel, dev: Device, vma: Vma, cpu_addr: number, dma_addr: number, size: number, attrs: number): number {
  k.tr?.enter(S_mmap, { dev: dev.name, cpu_addr: k.arch.fmtVa(cpu_addr), dma_addr: hex(dma_addr), size: hex(size) });
  const ops = get_dma_ops(dev);
  ops_trace(k, ops);
  let r: number;
  if (dma_go_direct(ops)) r = dma_direct_mmap(k, dev, vma, cpu_addr, dma_addr, size, attrs);
  else if (ops!.mmap) r = ops!.mmap(k, dev, vma, cpu_addr, dma_addr, size, attrs);
  else r = -ENXIO;
  k.tr?.exit(String(r));
  return r;
}

/** kernel/dma/mapping.c dma_get_sgtable_attrs (5.x–6.6) */
export function dma_get_sgtable_attrs(k: Kernel, dev: Device, sgt: SgTable, cpu_addr: number, dma_addr: number, size: number, attrs: number): number {
  k.tr?.enter(S_sgt, { dev: dev.name, cpu_addr: k.arch.fmtVa(cpu_addr), dma_addr: hex(dma_addr), size: hex(size) });
  const ops = get_dma_ops(dev);
  ops_trace(k, ops);
  let r: number;
  if (dma_go_direct(ops)) r = dma_direct_get_sgtable(k, dev, sgt, cpu_addr, dma_addr, size, attrs);
  else if (ops!.get_sgtable) r = ops!.get_sgtable(k, dev, sgt, cpu_addr, dma_addr, size, attrs);
  else r = -ENXIO;
  k.tr?.exit(String(r));
  return r;
}

/**
 * include/linux/dma-direction.h valid_dma_direction, BUG_ON in the map/sync entry points (5.x);
 * `pc` is the function the BUG_ON sits in when the version's name differs from the site's (6.10+
 * f406c8e4b770: the out-of-line __dma_sync_* that the inline wrappers call).
 */
function check_dir(k: Kernel, dir: number, fn: string, pc?: string) {
  if (dir !== 0 && dir !== 1 && dir !== 2) bad_dir(k, dir, fn, pc);
}
// check_dir's BUG, out of line (check_dir stays small enough for V8 to inline)
function bad_dir(k: Kernel, dir: number, fn: string, pc: string | undefined): never {
  k.BUG_ON(`valid_dma_direction:${fn}`, pc ?? fn, `BUG_ON(!valid_dma_direction(${DIR_NAMES[dir] ?? dir}))`);
}

/** kernel/dma/mapping.c dma_map_page_attrs (5.10–6.17; 5.6: the inline include/linux/dma-mapping.h one, without the !dev->dma_mask check of f959dcd6ddfd) */
export function dma_map_page_attrs(k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number, attrs: number, isSingle?: boolean): number {
  if (k.sw["f7326196a781"]) return v618.dma_map_page_attrs(k, dev, page, offset, size, dir, attrs);
  // a traced run: out of line (this body stays small enough for V8 to inline)
  if (k.tr !== undefined) return dma_map_page_attrs_traced(k, dev, page, offset, size, dir, attrs, isSingle);
  check_dir(k, dir, "dma_map_page_attrs");
  if (k.sw["f959dcd6ddfd"] && dev.dma_mask === null) return map_page_no_dma_mask(k, dev);
  const ops = get_dma_ops(dev);
  const addr = dma_go_direct(ops) ? direct.dma_direct_map_page(k, dev, page, offset, size, dir, attrs) : ops!.map_page!(k, dev, page, offset, size, dir, attrs);
  if (k.tr !== undefined || k.dma_debug !== null) map_page_after(k, dev, page, offset, size, dir, attrs, addr, isSingle);
  return addr;
}

/** dma_map_page_attrs with its trace: the same steps as its body */
function dma_map_page_attrs_traced(k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number, attrs: number, isSingle: boolean | undefined): number {
  map_page_enter(k, dev, page, offset, size, dir);
  check_dir(k, dir, "dma_map_page_attrs");
  if (k.sw["f959dcd6ddfd"] && dev.dma_mask === null) return map_page_no_dma_mask(k, dev);
  const ops = get_dma_ops(dev);
  const addr = dma_go_direct(ops) ? direct.dma_direct_map_page(k, dev, page, offset, size, dir, attrs) : ops!.map_page!(k, dev, page, offset, size, dir, attrs);
  if (k.tr !== undefined || k.dma_debug !== null) map_page_after(k, dev, page, offset, size, dir, attrs, addr, isSingle);
  return addr;
}

// the end of dma_map_page_attrs when a run traces or has dma-debug: trace_dma_map, debug_dma_map_page, the trace exit;
// out of line (the function stays small enough for V8 to inline)
function map_page_after(k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number, attrs: number, addr: number, isSingle: boolean | undefined): void {
  if (k.tr !== undefined) return map_page_after_traced(k, dev, page, offset, size, dir, attrs, addr, isSingle);
  if (k.dma_debug !== null) dbg.debug_dma_map_page(k, dev, k.page_to_phys(page) + offset, size, dir, addr, isSingle === true ? "single" : "page", null, attrs);
}
/** map_page_after in a traced run: the same steps with the tracepoint and the trace exit (out of line: map_page_after stays small enough for V8 to inline the hook) */
function map_page_after_traced(k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number, attrs: number, addr: number, isSingle: boolean | undefined): void {
  trace_dma_map(k, dev, k.page_to_phys(page) + offset, addr, size, dir, attrs);
  if (k.dma_debug !== null) dbg.debug_dma_map_page(k, dev, k.page_to_phys(page) + offset, size, dir, addr, isSingle === true ? "single" : "page", null, attrs);
  k.tr?.exit(hex(addr));
}
function tr_exit_hex(k: Kernel, addr: number): void {
  k.tr?.exit(hex(addr));
}

// (dma_map_page_attrs' trace entry and its !dev->dma_mask exit, out of line: the function stays
// small enough for V8 to inline into its callers)
function map_page_enter(k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number): void {
  k.tr?.enter(entry(k, S_map_page, S_map_page_h), { dev: dev.name, page: k.arch.fmtVa(page), offset: hex(offset), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
}
function map_page_no_dma_mask(k: Kernel, dev: Device): number {
  k.warnOnce(`nodmamask-${dev.name}`, "WARNING: dma_map_page_attrs: !dev->dma_mask", "dma_map_page_attrs");
  k.tr?.exit("DMA_MAPPING_ERROR");
  return DMA_MAPPING_ERROR;
}

/**
 * include/linux/dma-mapping.h dma_map_single_attrs (5.6–5.19; 4544b9f25e70, mainline 5.5) rejects vmalloc
 * addresses with a dev_WARN_ONCE; then debug_dma_map_single and dma_map_page_attrs on
 * virt_to_page(ptr) — which is wrong for any non-linear address.
 */
export function dma_map_single_attrs(k: Kernel, dev: Device, ptr: number, size: number, dir: number, attrs: number): number {
  if (k.tr !== undefined) return dma_map_single_attrs_traced(k, dev, ptr, size, dir, attrs);
  if (k.sw["4544b9f25e70"] && is_vmalloc_addr(k, ptr)) return map_single_vmalloc(k, dev);
  if (k.dma_debug !== null) dbg.debug_dma_map_single(k, dev, ptr, size);
  return dma_map_page_attrs(k, dev, k.arch.virt_to_page(k, ptr), offset_in_page(ptr), size, dir, attrs, true);
}

/** dma_map_single_attrs with its trace entry and exit: the same steps as its body (out of line: the body stays small enough for V8 to inline) */
function dma_map_single_attrs_traced(k: Kernel, dev: Device, ptr: number, size: number, dir: number, attrs: number): number {
  map_single_enter(k, dev, ptr, size, dir);
  if (k.sw["4544b9f25e70"] && is_vmalloc_addr(k, ptr)) return map_single_vmalloc(k, dev);
  if (k.dma_debug !== null) dbg.debug_dma_map_single(k, dev, ptr, size);
  const page = k.arch.virt_to_page(k, ptr);
  const off = offset_in_page(ptr);
  const addr = dma_map_page_attrs(k, dev, page, off, size, dir, attrs, true);
  tr_exit_hex(k, addr);
  return addr;
}

// dma_map_single_attrs' trace entry and its vmalloc refusal, out of line (small enough for V8 to inline)
function map_single_enter(k: Kernel, dev: Device, ptr: number, size: number, dir: number): void {
  k.tr?.enter(S_map_single, { dev: dev.name, ptr: k.arch.fmtVa(ptr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
}
function map_single_vmalloc(k: Kernel, dev: Device): number {
  k.tr?.decide("is_vmalloc_addr(ptr)", true, "DMA must never operate on areas that might be remapped (4544b9f25e70)");
  k.warnOnce(`vmalloc-map-${dev.name}`, `${dev.driver} ${dev.name}: rejecting DMA map of vmalloc memory`, "dma_map_single_attrs", warn_site(k, "dma_map_single_attrs"));
  k.tr?.exit("DMA_MAPPING_ERROR");
  return DMA_MAPPING_ERROR;
}

/** kernel/dma/mapping.c dma_unmap_page_attrs (5.x–6.6) */
export function dma_unmap_page_attrs(k: Kernel, dev: Device, addr: number, size: number, dir: number, attrs: number, isSingle?: boolean): void {
  if (k.sw["f7326196a781"]) return v618.dma_unmap_page_attrs(k, dev, addr, size, dir, attrs);
  // a traced run: out of line (this body stays small enough for V8 to inline)
  if (k.tr !== undefined) return dma_unmap_page_attrs_traced(k, dev, addr, size, dir, attrs, isSingle);
  check_dir(k, dir, "dma_unmap_page_attrs");
  const ops = get_dma_ops(dev);
  if (dma_go_direct(ops)) direct.dma_direct_unmap_page(k, dev, addr, size, dir, attrs);
  else if (ops!.unmap_page) ops!.unmap_page(k, dev, addr, size, dir, attrs);
  if (k.tr !== undefined || k.dma_debug !== null) unmap_page_after(k, dev, addr, size, dir, attrs, isSingle);
}

/** dma_unmap_page_attrs with its trace: the same steps as its body */
function dma_unmap_page_attrs_traced(k: Kernel, dev: Device, addr: number, size: number, dir: number, attrs: number, isSingle: boolean | undefined): void {
  unmap_page_enter(k, dev, addr, size, dir);
  check_dir(k, dir, "dma_unmap_page_attrs");
  const ops = get_dma_ops(dev);
  if (dma_go_direct(ops)) direct.dma_direct_unmap_page(k, dev, addr, size, dir, attrs);
  else if (ops!.unmap_page) ops!.unmap_page(k, dev, addr, size, dir, attrs);
  if (k.tr !== undefined || k.dma_debug !== null) unmap_page_after(k, dev, addr, size, dir, attrs, isSingle);
}

// the end of dma_unmap_page_attrs when a run traces or has dma-debug: trace_dma_unmap, debug_dma_unmap_page, the trace exit;
// out of line (the function stays small enough for V8 to inline)
function unmap_page_after(k: Kernel, dev: Device, addr: number, size: number, dir: number, attrs: number, isSingle: boolean | undefined): void {
  // untraced, trace_dma_unmap returns at once: only the hook
  if (k.tr !== undefined) return unmap_page_after_traced(k, dev, addr, size, dir, attrs, isSingle);
  if (k.dma_debug !== null) dbg.debug_dma_unmap_page(k, dev, addr, size, dir, isSingle === true ? "single" : "page");
}
/** unmap_page_after in a traced run: the tracepoint, the hook, the trace exit (out of line: unmap_page_after stays small enough for V8 to inline the hook) */
function unmap_page_after_traced(k: Kernel, dev: Device, addr: number, size: number, dir: number, attrs: number, isSingle: boolean | undefined): void {
  trace_dma_unmap(k, dev, addr, size, dir, attrs);
  if (k.dma_debug !== null) dbg.debug_dma_unmap_page(k, dev, addr, size, dir, isSingle === true ? "single" : "page");
  k.tr?.exit();
}

// dma_unmap_page_attrs' trace entry, out of line (small enough for V8 to inline)
function unmap_page_enter(k: Kernel, dev: Device, addr: number, size: number, dir: number): void {
  k.tr?.enter(entry(k, S_unmap_page, S_unmap_page_h), { dev: dev.name, addr: hex(addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
}

/** kernel/dma/mapping.c dma_map_sg_attrs (5.10–5.14): returns 0 on failure, never negative */
export function dma_map_sg_attrs(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number, attrs: number): number {
  k.tr?.enter(entry(k, S_map_sg, S_map_sg_h), { dev: dev.name, nents: String(nents), dir: DIR_NAMES[dir] ?? String(dir) });
  check_dir(k, dir, "dma_map_sg_attrs");
  if (k.sw["f959dcd6ddfd"] && dev.dma_mask === null) {
    k.warnOnce(`nodmamask-${dev.name}`, "WARNING: dma_map_sg_attrs: !dev->dma_mask", "dma_map_sg_attrs");
    k.tr?.exit("0");
    return 0;
  }
  const ops = get_dma_ops(dev);
  let ents: number;
  if (dma_go_direct(ops)) ents = direct.dma_direct_map_sg(k, dev, sgl, nents, dir, attrs);
  else ents = ops!.map_sg!(k, dev, sgl, nents, dir, attrs);
  if (k.sw["c81be74e7d79"]) {
    // 5.15+ __dma_map_sg_attrs: debug only for ents > 0; a negative error becomes 0 in dma_map_sg_attrs
    if (ents > 0) trace_dma_map_sg(k, dev, sgl, nents, ents, dir, attrs);
    if (ents > 0 && k.dma_debug) dbg.debug_dma_map_sg(k, dev, sgl, nents, ents, dir, attrs);
    const ret = ents < 0 ? 0 : ents;
    k.tr?.exit(ents < 0 ? `0 (ops returned ${ents})` : String(ret));
    return ret;
  }
  if (ents < 0) k.BUG_ON("dma_map_sg_attrs:ents", "dma_map_sg_attrs", `BUG_ON(ents < 0): the ops returned ${ents}`);
  if (k.dma_debug) dbg.debug_dma_map_sg(k, dev, sgl, nents, ents, dir, attrs);
  k.tr?.exit(String(ents));
  return ents;
}

/** kernel/dma/mapping.c dma_unmap_sg_attrs (5.x–6.6) */
export function dma_unmap_sg_attrs(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number, attrs: number): void {
  k.tr?.enter(entry(k, S_unmap_sg, S_unmap_sg_h), { dev: dev.name, nents: String(nents) });
  check_dir(k, dir, "dma_unmap_sg_attrs");
  trace_dma_unmap_sg(k, dev, sgl, nents, dir, attrs);
  if (k.dma_debug) dbg.debug_dma_unmap_sg(k, dev, sgl, nents, dir);
  const ops = get_dma_ops(dev);
  if (dma_go_direct(ops)) direct.dma_direct_unmap_sg(k, dev, sgl, nents, dir, attrs);
  else if (ops!.unmap_sg) ops!.unmap_sg(k, dev, sgl, nents, dir, attrs);
  k.tr?.exit();
}

/**
 * include/linux/dma-mapping.h dma_dev_need_sync (6.10+, f406c8e4b770): !dev->dma_skip_sync, or
 * always with CONFIG_DMA_API_DEBUG. False: the inline dma_sync_* wrapper returns at once — no
 * mapping.c call, no tracepoint, no dma-debug check, no cache maintenance.
 */
export function dma_dev_need_sync(k: Kernel, dev: Device): boolean {
  return !dev.dma_skip_sync || k.cfg.CONFIG_DMA_API_DEBUG;
}

/**
 * The 6.10+ inline wrapper around a __dma_sync_* function: trace the dma_dev_need_sync decision; true
 * when the out-of-line sync must run. Before f406c8e4b770 the API function is the mapping.c one itself. The trace
 * arguments are built only when somebody records.
 */
function sync_wrapper(k: Kernel, dev: Device, s: typeof S_sync_cpu, args: (() => Record<string, string>) | undefined): boolean {
  const need = dma_dev_need_sync(k, dev);
  if (k.tr) {
    k.tr.enter(s, args!());
    k.tr.decide("dma_dev_need_sync(dev)", need, need ? (k.cfg.CONFIG_DMA_API_DEBUG ? "CONFIG_DMA_API_DEBUG: always sync" : "dev->dma_skip_sync is 0 (not a coherent dma-direct/IOMMU device, no dma_set_mask yet, or a swiotlb bounce happened)") : "dev->dma_skip_sync: the device is coherent and nothing has bounced — nothing to do");
    if (!need) k.tr.exit();
  }
  return need;
}

/** include/linux/dma-mapping.h dma_sync_single_for_cpu (6.10+: dma_dev_need_sync, then __dma_sync_single_for_cpu); kernel/dma/mapping.c dma_sync_single_for_cpu before */
export function dma_sync_single_for_cpu(k: Kernel, dev: Device, addr: number, size: number, dir: number): void {
  if (k.sw["f406c8e4b770"]) {
    if (!sync_wrapper(k, dev, S_sync_cpu_inl, k.tr && (() => ({ dev: dev.name, addr: hex(addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) })))) return;
    __dma_sync_single_for_cpu(k, dev, addr, size, dir, S__sync_cpu);
    k.tr?.exit();
    return;
  }
  __dma_sync_single_for_cpu(k, dev, addr, size, dir, entry(k, S_sync_cpu, S_sync_cpu_inl));
}

/** kernel/dma/mapping.c dma_sync_single_for_cpu (5.6–6.9) / __dma_sync_single_for_cpu (6.10+) */
function __dma_sync_single_for_cpu(k: Kernel, dev: Device, addr: number, size: number, dir: number, s: typeof S_sync_cpu): void {
  k.tr?.enter(s, { dev: dev.name, addr: hex(addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  check_dir(k, dir, "dma_sync_single_for_cpu", s.name);
  const ops = get_dma_ops(dev);
  if (dma_go_direct(ops)) direct.dma_direct_sync_single_for_cpu(k, dev, addr, size, dir);
  else if (ops!.sync_single_for_cpu) ops!.sync_single_for_cpu(k, dev, addr, size, dir);
  trace_dma_sync_single(k, true, dev, addr, size, dir);
  if (k.dma_debug) dbg.debug_dma_sync_single_for_cpu(k, dev, addr, size, dir);
  k.tr?.exit();
}

/** include/linux/dma-mapping.h dma_sync_single_for_device (6.10+: dma_dev_need_sync, then __dma_sync_single_for_device); kernel/dma/mapping.c before */
export function dma_sync_single_for_device(k: Kernel, dev: Device, addr: number, size: number, dir: number): void {
  if (k.sw["f406c8e4b770"]) {
    if (!sync_wrapper(k, dev, S_sync_dev_inl, k.tr && (() => ({ dev: dev.name, addr: hex(addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) })))) return;
    __dma_sync_single_for_device(k, dev, addr, size, dir, S__sync_dev);
    k.tr?.exit();
    return;
  }
  __dma_sync_single_for_device(k, dev, addr, size, dir, entry(k, S_sync_dev, S_sync_dev_inl));
}

/** kernel/dma/mapping.c dma_sync_single_for_device (5.6–6.9) / __dma_sync_single_for_device (6.10+) */
function __dma_sync_single_for_device(k: Kernel, dev: Device, addr: number, size: number, dir: number, s: typeof S_sync_dev): void {
  k.tr?.enter(s, { dev: dev.name, addr: hex(addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  check_dir(k, dir, "dma_sync_single_for_device", s.name);
  const ops = get_dma_ops(dev);
  if (dma_go_direct(ops)) direct.dma_direct_sync_single_for_device(k, dev, addr, size, dir);
  else if (ops!.sync_single_for_device) ops!.sync_single_for_device(k, dev, addr, size, dir);
  trace_dma_sync_single(k, false, dev, addr, size, dir);
  if (k.dma_debug) dbg.debug_dma_sync_single_for_device(k, dev, addr, size, dir);
  k.tr?.exit();
}

/** include/linux/dma-mapping.h dma_sync_sg_for_cpu / dma_sync_sg_for_device (6.10+: dma_dev_need_sync first); kernel/dma/mapping.c before */
export function dma_sync_sg(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number, forCpu: boolean): void {
  if (k.sw["f406c8e4b770"]) {
    if (!sync_wrapper(k, dev, forCpu ? S_sync_sg_cpu_inl : S_sync_sg_dev_inl, k.tr && (() => ({ dev: dev.name, nents: String(nents), dir: DIR_NAMES[dir] ?? String(dir) })))) return;
    __dma_sync_sg(k, dev, sgl, nents, dir, forCpu, forCpu ? S__sync_sg_cpu : S__sync_sg_dev);
    k.tr?.exit();
    return;
  }
  __dma_sync_sg(k, dev, sgl, nents, dir, forCpu, forCpu ? entry(k, S_sync_sg_cpu, S_sync_sg_cpu_inl) : entry(k, S_sync_sg_dev, S_sync_sg_dev_inl));
}

/** kernel/dma/mapping.c dma_sync_sg_for_cpu / dma_sync_sg_for_device (5.6–6.9) / the __ versions (6.10+) */
function __dma_sync_sg(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number, forCpu: boolean, s: typeof S_sync_sg_cpu): void {
  k.tr?.enter(s, { dev: dev.name, nents: String(nents), dir: DIR_NAMES[dir] ?? String(dir) });
  check_dir(k, dir, forCpu ? "dma_sync_sg_for_cpu" : "dma_sync_sg_for_device", s.name);
  const ops = get_dma_ops(dev);
  if (dma_go_direct(ops)) direct.dma_direct_sync_sg(k, dev, sgl, nents, dir, forCpu);
  else if (forCpu && ops!.sync_sg_for_cpu) ops!.sync_sg_for_cpu(k, dev, sgl, nents, dir);
  else if (!forCpu && ops!.sync_sg_for_device) ops!.sync_sg_for_device(k, dev, sgl, nents, dir);
  trace_dma_sync_sg(k, forCpu, dev, sgl, nents, dir);
  if (k.dma_debug) {
    if (forCpu) dbg.debug_dma_sync_sg_for_cpu(k, dev, sgl, nents, dir);
    else dbg.debug_dma_sync_sg_for_device(k, dev, sgl, nents, dir);
  }
  k.tr?.exit();
}

/** include/linux/dma-mapping.h dma_mapping_error: debug hook, then compare with DMA_MAPPING_ERROR */
export function dma_mapping_error(k: Kernel, dev: Device, dma_addr: number): number {
  if (k.dma_debug !== null) dbg.debug_dma_mapping_error(k, dev, dma_addr);
  return dma_addr === DMA_MAPPING_ERROR ? -12 : 0;
}

/** A u64 cast to the arch's dma_addr_t: 32 bits on ARM without LPAE (no CONFIG_ARCH_DMA_ADDR_T_64BIT), 64 elsewhere. */
function dma_addr_t_of(k: Kernel, v: bigint): bigint {
  return BigInt.asUintN(k.arch.name === "arm" ? 32 : 64, v);
}

/** kernel/dma/mapping.c dma_supported (5.x) */
export function dma_supported(k: Kernel, dev: Device, mask: bigint): boolean {
  const ops = get_dma_ops(dev);
  if (!ops) return direct.dma_direct_supported(k, dev, mask);
  if (!ops.dma_supported) return true;
  return ops.dma_supported(k, dev, mask);
}

/**
 * kernel/dma/mapping.c dma_set_mask (5.6–6.18; 5.6.4 :335–351, 6.18.35 :914–930): `mask = (dma_addr_t)mask`
 * (32 bits on ARM without LPAE), -EIO without dma_mask or when unsupported, else *dev->dma_mask = the truncated mask
 */
export function dma_set_mask(k: Kernel, dev: Device, mask: bigint): number {
  k.tr?.enter(S_set_mask, { dev: dev.name, mask: "0x" + mask.toString(16) });
  mask = dma_addr_t_of(k, mask);
  if (dev.dma_mask === null || !dma_supported(k, dev, mask)) {
    k.tr?.exit("-EIO");
    return -EIO;
  }
  dev.dma_mask = mask;
  dev_update_limits(dev);
  if (k.sw["f406c8e4b770"]) dma_setup_need_sync(k, dev);
  k.tr?.exit("0");
  return 0;
}

/**
 * kernel/dma/mapping.c dma_setup_need_sync (6.10+, f406c8e4b770; as in 6.12.19 mapping.c:445–465,
 * 6.18.35 :482–502): dma-direct or dma-iommu devices skip syncs when coherent; ops without any sync
 * op skip; other ops never skip.
 */
export function dma_setup_need_sync(k: Kernel, dev: Device): void {
  const ops = get_dma_ops(dev);
  if (dma_go_direct(ops) || ops!.direct_call) dev.dma_skip_sync = dev_is_dma_coherent(k, dev);
  else if (!ops!.sync_single_for_device && !ops!.sync_single_for_cpu && !ops!.sync_sg_for_device && !ops!.sync_sg_for_cpu) dev.dma_skip_sync = true;
  else dev.dma_skip_sync = false;
  k.tr?.note(`dma_setup_need_sync: dev->dma_skip_sync = ${dev.dma_skip_sync ? 1 : 0}`);
}

/** kernel/dma/mapping.c dma_set_coherent_mask (5.6–6.18; 5.6.4 :353–367, 6.18.35 :933–947): `mask = (dma_addr_t)mask` as dma_set_mask, then dma_supported */
export function dma_set_coherent_mask(k: Kernel, dev: Device, mask: bigint): number {
  k.tr?.enter(S_set_coherent_mask, { dev: dev.name, mask: "0x" + mask.toString(16) });
  mask = dma_addr_t_of(k, mask);
  if (!dma_supported(k, dev, mask)) {
    k.tr?.exit("-EIO");
    return -EIO;
  }
  dev.coherent_dma_mask = mask;
  dev_update_limits(dev);
  k.tr?.exit("0");
  return 0;
}

/** include/linux/dma-mapping.h dma_set_mask_and_coherent (5.6–6.18) */
export function dma_set_mask_and_coherent(k: Kernel, dev: Device, mask: bigint): number {
  const rc = dma_set_mask(k, dev, mask);
  if (rc === 0) return dma_set_coherent_mask(k, dev, mask);
  return rc;
}

/** kernel/dma/mapping.c __dma_alloc_pages (5.14+; inline in dma_alloc_pages 5.10–5.13): WARN_ON_ONCE and
 * NULL without a coherent mask, with a zone modifier in gfp, and (3622b86f49f8, 6.2) with __GFP_COMP;
 * then dma_direct_alloc_pages or ops->alloc_pages on the page-aligned size.
 */
function __dma_alloc_pages(k: Kernel, dev: Device, size: number, dir: number, gfp: number): { page: number; dma_handle: number } | null {
  const fail = (cond: string) => {
    // the WARN sits in dma_alloc_pages (5.10) or its helper __dma_alloc_pages (5.14+)
    k.warnOnce(`__dma_alloc_pages:${cond}`, `WARNING: dma_alloc_pages: WARN_ON_ONCE(${cond})`, "dma_alloc_pages");
    return null;
  };
  if (dev.coherent_dma_mask === 0n) return fail("!dev->coherent_dma_mask");
  if (gfp & (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)) return fail("gfp & (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)");
  if (k.sw["3622b86f49f8"] && gfp & __GFP_COMP) return fail("gfp & __GFP_COMP");
  size = PAGE_ALIGN(size);
  const ops = get_dma_ops(dev);
  ops_trace(k, ops);
  if (dma_go_direct(ops)) return dma_direct_alloc_pages(k, dev, size, dir, gfp);
  if (!ops!.alloc_pages) return null;
  // the member is .alloc_pages_op in the 6.12.19 and 6.18.35 trees (.alloc_pages in 6.6.63)
  k.tr?.note(`${ops!.name}.alloc_pages: the ops table's page allocator`);
  return ops!.alloc_pages(k, dev, size, dir, gfp);
}

/** kernel/dma/mapping.c dma_alloc_pages (5.10–6.18): __dma_alloc_pages; then 6.12 traces dma_map_page
 * (038eb433dc14), 6.13+ dma_alloc_pages (c4484ab86ee0; also for a failure, 68b6dbf1f441), with the
 * caller's size; dma-debug records the pages as a streaming "page" mapping in dir (a "noncoherent"
 * entry from 7e2368a21741, 6.17).
 */
export function dma_alloc_pages(k: Kernel, dev: Device, size: number, dir: number, gfp: number): { page: number; dma_handle: number } | null {
  k.tr?.enter(S_alloc_pages, { dev: dev.name, size: hex(size), dir: DIR_NAMES[dir] ?? String(dir), gfp: gfpName(gfp) });
  const r = __dma_alloc_pages(k, dev, size, dir, gfp);
  if (r) {
    if (k.sw["c4484ab86ee0"]) trace_dma_alloc_pages(k, dev, k.arch.page_address(k, r.page), r.dma_handle, size, dir, gfp, 0);
    else if (k.tr) trace_dma_map(k, dev, k.page_to_phys(r.page), r.dma_handle, size, dir, 0);
  } else if (k.sw["68b6dbf1f441"]) trace_dma_alloc_pages(k, dev, 0, 0, size, dir, gfp, 0);
  size = PAGE_ALIGN(size);
  // 7e2368a21741 (6.17): a "noncoherent" entry, no dma_mapping_error check owed; before, a streaming one
  if (r && k.dma_debug) {
    if (k.sw["7e2368a21741"]) dbg.debug_dma_alloc_pages(k, dev, k.page_to_phys(r.page), size, dir, r.dma_handle, 0);
    else dbg.debug_dma_map_page(k, dev, k.page_to_phys(r.page), size, dir, r.dma_handle, "page", null, 0);
  }
  k.tr?.exit(r ? `page ${k.arch.fmtVa(r.page)}, *dma_handle = ${hex(r.dma_handle)}` : "NULL");
  return r;
}

/** kernel/dma/mapping.c dma_free_pages (5.10–6.18; debug_dma_free_pages since 7e2368a21741, 6.17): 6.12
 * traces dma_unmap_page (038eb433dc14), 6.13+ dma_free_pages (c4484ab86ee0), with the caller's size;
 * the dma-debug hook, then dma_direct_free_pages or ops->free_pages.
 */
export function dma_free_pages(k: Kernel, dev: Device, size: number, page: number, dma_handle: number, dir: number): void {
  k.tr?.enter(S_free_pages, { dev: dev.name, page: k.arch.fmtVa(page), dma_handle: hex(dma_handle), dir: DIR_NAMES[dir] ?? String(dir) });
  if (k.sw["c4484ab86ee0"]) trace_dma_free_pages(k, dev, k.arch.page_address(k, page), dma_handle, size, dir, 0);
  else trace_dma_unmap(k, dev, dma_handle, size, dir, 0);
  size = PAGE_ALIGN(size);
  if (k.dma_debug) {
    if (k.sw["7e2368a21741"]) dbg.debug_dma_free_pages(k, dev, k.page_to_phys(page), size, dir, dma_handle);
    else dbg.debug_dma_unmap_page(k, dev, dma_handle, size, dir, "page");
  }
  const ops = get_dma_ops(dev);
  if (dma_go_direct(ops)) dma_direct_free_pages(k, dev, size, page, dma_handle, dir);
  else if (ops!.free_pages) {
    k.tr?.note(`${ops!.name}.free_pages: the ops table's page release`);
    ops!.free_pages(k, dev, size, page, dma_handle, dir);
  }
  k.tr?.exit();
}

/**
 * include/linux/dma-mapping.h dma_alloc_noncoherent (5.12–6.18 inline): page_address(dma_alloc_pages()).
 * kernel/dma/mapping.c dma_alloc_noncoherent (5.10–5.11): ops->alloc_noncoherent when the device's ops
 * have one (iommu_dma_ops under CONFIG_DMA_REMAP), debug_dma_map_page(virt_to_page(vaddr)); else the
 * same dma_alloc_pages path. 81d88ce55092 (5.12) removed the method.
 */
export function dma_alloc_noncoherent(k: Kernel, dev: Device, size: number, dir: number, gfp: number): { cpu_addr: number; page: number; dma_handle: number } | null {
  k.tr?.enter(k.sw[NONCOHERENT_OPS_REMOVED] ? S_alloc_noncoherent : S_alloc_noncoherent_510, { dev: dev.name, size: hex(size), dir: DIR_NAMES[dir] ?? String(dir), gfp: gfpName(gfp) });
  const ops = get_dma_ops(dev);
  const method = ops && !k.sw[NONCOHERENT_OPS_REMOVED] ? opsMember(k, ops, "alloc_noncoherent") : undefined;
  if (ops && !k.sw[NONCOHERENT_OPS_REMOVED]) k.tr?.decide("!ops || !ops->alloc_noncoherent", !method, method ? `${ops.name}.alloc_noncoherent` : `${ops.name} has no alloc_noncoherent: dma_alloc_pages`);
  if (method) {
    size = PAGE_ALIGN(size);
    const v = method(k, dev, size, dir, gfp);
    // mapping.c applies virt_to_page to vaddr whatever kind of address it is
    const page = v ? virt_to_page(k, v.cpu_addr) : 0;
    if (v && k.dma_debug) dbg.debug_dma_map_page(k, dev, k.page_to_phys(page), size, dir, v.dma_handle, "page", null, 0);
    k.tr?.exit(v ? `${k.arch.fmtVa(v.cpu_addr)}, *dma_handle = ${hex(v.dma_handle)}` : "NULL");
    return v ? { cpu_addr: v.cpu_addr, page, dma_handle: v.dma_handle } : null;
  }
  const r = dma_alloc_pages(k, dev, size, dir, gfp);
  const cpu_addr = r ? k.arch.page_address(k, r.page) : 0;
  k.tr?.exit(r ? `${k.arch.fmtVa(cpu_addr)}, *dma_handle = ${hex(r.dma_handle)}` : "NULL");
  return r ? { cpu_addr, page: r.page, dma_handle: r.dma_handle } : null;
}

/**
 * include/linux/dma-mapping.h dma_free_noncoherent (5.12–6.18 inline): dma_free_pages(virt_to_page(vaddr)).
 * kernel/dma/mapping.c dma_free_noncoherent (5.10–5.11): with ops->free_noncoherent, PAGE_ALIGN,
 * debug_dma_unmap_page, then the method.
 */
export function dma_free_noncoherent(k: Kernel, dev: Device, size: number, vaddr: number, dma_handle: number, dir: number): void {
  k.tr?.enter(k.sw[NONCOHERENT_OPS_REMOVED] ? S_free_noncoherent : S_free_noncoherent_510, { dev: dev.name, vaddr: k.arch.fmtVa(vaddr), dma_handle: hex(dma_handle) });
  const ops = get_dma_ops(dev);
  const method = ops && !k.sw[NONCOHERENT_OPS_REMOVED] ? opsMember(k, ops, "free_noncoherent") : undefined;
  if (method) {
    size = PAGE_ALIGN(size);
    if (k.dma_debug) dbg.debug_dma_unmap_page(k, dev, dma_handle, size, dir, "page");
    method(k, dev, size, vaddr, dma_handle, dir);
  } else dma_free_pages(k, dev, size, k.arch.virt_to_page(k, vaddr), dma_handle, dir);
  k.tr?.exit();
}

/**
 * kernel/dma/mapping.c dma_map_resource (5.10–6.12; inline in include/linux/dma-mapping.h in 5.6,
 * where it also refuses RAM with WARN_ON_ONCE(pfn_valid)): BUG_ON on a bad direction,
 * WARN_ON_ONCE without a dma_mask, dma_direct_map_resource or ops->map_resource (none:
 * DMA_MAPPING_ERROR), then debug_dma_map_resource.
 */
export function dma_map_resource(k: Kernel, dev: Device, phys_addr: number, size: number, dir: number, attrs: number): number {
  if (k.sw["f7326196a781"]) return v618.dma_map_resource(k, dev, phys_addr, size, dir, attrs);
  k.tr?.enter(entry(k, S_map_resource, S_map_resource_h), { dev: dev.name, phys_addr: hex(phys_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  check_dir(k, dir, "dma_map_resource");
  // 5.6 (inline) has no dma_mask test; 5.9+ test it first
  if (k.sw["f959dcd6ddfd"] && dev.dma_mask === null) {
    k.warnOnce(`nodmamask-${dev.name}`, "WARNING: dma_map_resource: WARN_ON_ONCE(!dev->dma_mask)", "dma_map_resource");
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }
  if (!k.sw["a9c38c5d267c"]) {
    // "Don't allow RAM to be mapped" until a9c38c5d267c (5.16; 5.15.y): pfn_valid = the pfn has a struct page
    const pfn = Math.floor(phys_addr / PAGE_SIZE);
    const valid = k.memmap.has(pfn);
    k.tr?.decide("WARN_ON_ONCE(pfn_valid(PHYS_PFN(phys_addr)))", valid, valid ? `pfn ${hex(pfn)} has a struct page (RAM): refused` : `pfn ${hex(pfn)} has no struct page`);
    if (valid) {
      k.warnOnce("dma_map_resource:pfn_valid", "WARNING: dma_map_resource: WARN_ON_ONCE(pfn_valid(PHYS_PFN(phys_addr)))", "dma_map_resource");
      k.tr?.exit("DMA_MAPPING_ERROR");
      return DMA_MAPPING_ERROR;
    }
  }
  const ops = get_dma_ops(dev);
  let addr = DMA_MAPPING_ERROR;
  if (dma_go_direct(ops)) addr = direct.dma_direct_map_resource(k, dev, phys_addr, size, dir, attrs);
  else if (ops!.map_resource) addr = ops!.map_resource(k, dev, phys_addr, size, dir, attrs);
  trace_dma_map_resource(k, dev, phys_addr, addr, size, dir, attrs);
  if (k.dma_debug) dbg.debug_dma_map_resource(k, dev, phys_addr, size, dir, addr, attrs);
  k.tr?.exit(hex(addr));
  return addr;
}

/** kernel/dma/mapping.c dma_unmap_resource (5.10–6.12): dma-direct has nothing to undo; ops->unmap_resource; debug_dma_unmap_resource */
/** kernel/dma/mapping.c dma_unmap_resource (5.6–6.17; 6.18: dma_unmap_phys with DMA_ATTR_MMIO): the ops' unmap_resource, the 6.12 tracepoint, dma-debug */
export function dma_unmap_resource(k: Kernel, dev: Device, addr: number, size: number, dir: number, attrs: number): void {
  if (k.sw["f7326196a781"]) return v618.dma_unmap_resource(k, dev, addr, size, dir, attrs);
  k.tr?.enter(entry(k, S_unmap_resource, S_unmap_resource_h), { dev: dev.name, addr: hex(addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  check_dir(k, dir, "dma_unmap_resource");
  const ops = get_dma_ops(dev);
  if (!dma_go_direct(ops) && ops!.unmap_resource) ops!.unmap_resource(k, dev, addr, size, dir, attrs);
  trace_dma_unmap_resource(k, dev, addr, size, dir, attrs);
  if (k.dma_debug) dbg.debug_dma_unmap_resource(k, dev, addr, size, dir);
  k.tr?.exit();
}

/** kernel/dma/mapping.c dma_opt_mapping_size (6.0, a229cc14f339; 5.15.y backport): min(dma_max_mapping_size, ops->opt_mapping_size) */
export function dma_opt_mapping_size(k: Kernel, dev: Device): number {
  const ops = get_dma_ops(dev);
  let size = Number.MAX_SAFE_INTEGER;
  if (ops && ops.opt_mapping_size) size = ops.opt_mapping_size(k);
  return Math.min(dma_max_mapping_size(k, dev), size);
}

/** kernel/dma/mapping.c dma_max_mapping_size (5.x–6.6): SIZE_MAX when ops lack the method */
export function dma_max_mapping_size(k: Kernel, dev: Device): number {
  const ops = get_dma_ops(dev);
  if (dma_go_direct(ops)) return direct.dma_direct_max_mapping_size(k, dev);
  if (ops!.max_mapping_size) return ops!.max_mapping_size(k, dev);
  return Number.MAX_SAFE_INTEGER;
}

export { DMA_NONE };

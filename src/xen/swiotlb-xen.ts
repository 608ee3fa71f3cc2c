/**
 * drivers/xen/swiotlb-xen.c and include/xen/arm/page-coherent.h for an ARM 1:1 dom0:
 * xen_swiotlb_dma_ops, with the 5.6 / 5.9 (8b1e868f6607, 91ffe4ad534a) / 5.19 (566fb90e050d) forms.
 */
import type { Kernel } from "../kernel.js";
import type { Device } from "../drivers/device.js";
import type { DmaMapOps, Scatterlist } from "../kernel/dma/ops.js";
import { sym } from "../core/trace.js";
import { warn_site } from "../kernel/warn-sites.js";
import { DMA_BIT_MASK, DMA_MAPPING_ERROR, PAGE_SIZE, fls64, fromBig, get_order, hex, toBig } from "../core/u64.js";
import { DmasimInternalError } from "../core/faults.js";
import { DIR_NAMES, DMA_ATTR_SKIP_CPU_SYNC, DMA_FROM_DEVICE, DMA_NONE, DMA_TO_DEVICE, __GFP_DMA, __GFP_HIGHMEM, gfpName } from "../include/gfp.js";
import { PG_xen_remapped } from "../mm/page_alloc.js";
import { __free_pages, alloc_pages, is_vmalloc_addr, virt_to_page, vmalloc_to_page } from "../mm/mm.js";
import { dma_capable, dma_kmalloc_needs_bounce, dma_to_phys, phys_to_dma } from "../kernel/dma/direct.js";
import { dma_direct_alloc, dma_direct_free } from "../kernel/dma/direct-alloc.js";
import { dma_common_alloc_pages, dma_common_free_pages, dma_common_get_sgtable, dma_common_mmap } from "../kernel/dma/ops-helpers.js";
import { arch_sync_dma_for_cpu, arch_sync_dma_for_device, dev_is_dma_coherent } from "../kernel/dma/arch-hooks.js";
import { trace_swiotlb_bounced } from "../include/trace/events/swiotlb.js";
import { default_swiotlb_limit, era, is_swiotlb_buffer, is_swiotlb_force_bounce, swiotlb_max_mapping_size, swiotlb_sync_single_for_cpu, swiotlb_sync_single_for_device, swiotlb_tbl_map_single, swiotlb_tbl_unmap_single } from "../kernel/dma/swiotlb/index.js";
import { XEN_PAGE_SHIFT, XEN_PAGE_SIZE, bfn_to_local_pfn, bfn_to_pfn, pfn_to_bfn } from "./p2m.js";
import { MAX_CONTIG_ORDER, create_contiguous_region_lowest, xen_create_contiguous_region as pv_create_contiguous_region, xen_destroy_contiguous_region } from "./mmu-pv.js";
import { IO_TLB_SEGSIZE, IO_TLB_SHIFT, IO_TLB_SIZE } from "../kernel/dma/swiotlb/index.js";

const F = "drivers/xen/swiotlb-xen.c";
const S_alloc = sym("xen_swiotlb_alloc_coherent", F);
const S_free = sym("xen_swiotlb_free_coherent", F);
const S_alloc_pages = sym("xen_alloc_coherent_pages", "include/xen/arm/page-coherent.h");
const S_free_pages = sym("xen_free_coherent_pages", "include/xen/arm/page-coherent.h");
const S_alloc_pages_x86 = sym("xen_alloc_coherent_pages", "arch/x86/include/asm/xen/page-coherent.h");
const S_free_pages_x86 = sym("xen_free_coherent_pages", "arch/x86/include/asm/xen/page-coherent.h");
const S_fixup = sym("xen_swiotlb_fixup", F);
const S_map_page = sym("xen_swiotlb_map_page", F);
const S_unmap_page = sym("xen_swiotlb_unmap_page", F);
const S_create = sym("xen_create_contiguous_region", "arch/arm/xen/mm.c");
const S_sync_dev_xen = sym("xen_dma_sync_for_device", "arch/arm/xen/mm.c");
const S_sync_cpu_xen = sym("xen_dma_sync_for_cpu", "arch/arm/xen/mm.c");
const S_cache_maint = sym("dma_cache_maint", "arch/arm/xen/mm.c");
const S_grant_table_op = sym("HYPERVISOR_grant_table_op", "arch/arm/xen/hypercall.S");

/** drivers/xen/swiotlb-xen.c xen_phys_to_bus (5.6–6.18; 5.9+ takes dev): bfn from the P2M, in-page offset kept (the offset of a negative — ≥ 2^63 — address taken modulo the page, as the kernel's `& ~XEN_PAGE_MASK`) */
export function xen_phys_to_bus(k: Kernel, p: number): number {
  const pfn = Math.floor(p / XEN_PAGE_SIZE);
  return pfn_to_bfn(k, pfn) * XEN_PAGE_SIZE + (p - pfn * XEN_PAGE_SIZE);
}

/** xen_phys_to_dma (5.9+, 91ffe4ad534a): phys_to_dma(dev, xen_phys_to_bus(p)); before it the bus address itself */
export function xen_phys_to_dma(k: Kernel, dev: Device, p: number): number {
  const b = xen_phys_to_bus(k, p);
  return k.sw["91ffe4ad534a"] ? phys_to_dma(k, dev, b) : b;
}

/** drivers/xen/swiotlb-xen.c xen_bus_to_phys (5.6–6.18): bfn_to_pfn of the frame, in-page offset kept (modulo the page for a negative — ≥ 2^63 — address: DMA_MAPPING_ERROR stays ~0) */
export function xen_bus_to_phys(k: Kernel, b: number): number {
  const bfn = Math.floor(b / XEN_PAGE_SIZE);
  return bfn_to_pfn(k, bfn) * XEN_PAGE_SIZE + (b - bfn * XEN_PAGE_SIZE);
}

/** xen_dma_to_phys (5.9+): xen_bus_to_phys(dma_to_phys(dev, dma)); before it xen_bus_to_phys(dma) */
export function xen_dma_to_phys(k: Kernel, dev: Device, dma: number): number {
  return xen_bus_to_phys(k, k.sw["91ffe4ad534a"] ? dma_to_phys(k, dev, dma) : dma);
}

/**
 * drivers/xen/swiotlb-xen.c range_requires_alignment (85fcb57c983f, 6.14; stable 6.1.166, 6.12.19):
 * a buffer aligned to its allocation order in pseudo-physical space whose first machine frame is not
 */
export function range_requires_alignment(k: Kernel, p: number, size: number): boolean {
  const algn = 2 ** (get_order(size) + 12);
  const bus_addr = pfn_to_bfn(k, Math.floor(p / XEN_PAGE_SIZE)) * XEN_PAGE_SIZE;
  return p % algn === 0 && bus_addr % algn !== 0;
}

/**
 * drivers/xen/swiotlb-xen.c range_straddles_page_boundary: not machine-contiguous. With
 * 9f40ec84a797 (6.12; stable 5.15.178, 6.6.63) and before 85fcb57c983f also "not machine-aligned":
 * a buffer aligned to its order in pseudo-physical space must start on an equally aligned machine
 * frame — for streaming maps too, which then bounce ("exhausting the SWIOTLB with normal use
 * cases", the 85fcb57c983f series cover letter).
 */
export function range_straddles_page_boundary(k: Kernel, p: number, size: number): boolean {
  const pfn = Math.floor(p / XEN_PAGE_SIZE);
  const nr = Math.ceil(((p % XEN_PAGE_SIZE) + size) / XEN_PAGE_SIZE);
  const first = pfn_to_bfn(k, pfn);
  if (k.sw["9f40ec84a797"] && !k.sw["85fcb57c983f"]) {
    const algn = 2 ** (get_order(size) + 12);
    if (p % algn === 0 && (first * XEN_PAGE_SIZE) % algn !== 0) return true;
  }
  const x = k.xen;
  if (x && !x.p2m) {
    // ARM: the P2M is the identity except the phys_to_mach entries, so pfn → bfn is linear between
    // entry boundaries: checking the first frame of each piece is the kernel's frame-by-frame loop
    let i = 1;
    while (i < nr) {
      const p = pfn + i;
      if (pfn_to_bfn(k, p) !== first + i) return true;
      let next = Infinity;
      for (const e of x.phys_to_mach) {
        if (p >= e.pfn && p < e.pfn + e.nr_pages) next = Math.min(next, e.pfn + e.nr_pages);
        else if (e.pfn > p) next = Math.min(next, e.pfn);
      }
      if (next === Infinity) return false;
      i = next - pfn;
    }
    return false;
  }
  for (let i = 1; i < nr; i++) if (pfn_to_bfn(k, pfn + i) !== first + i) return true;
  return false;
}

/**
 * drivers/xen/swiotlb-xen.c is_xen_swiotlb_buffer (5.6–6.6; 6.12–6.18 the same test returns the pool as
 * xen_swiotlb_find_pool, 6.12.19 swiotlb-xen.c:99): local frames only (bfn_to_local_pfn), in-page offset dropped. The
 * bfn is XEN_PFN_DOWN(dma_to_phys(dev, dma_addr)) from 91ffe4ad534a (5.9; 5.10.7 :98), and
 * XEN_PFN_DOWN(dma_addr) before it — 5.6.4 :104 reads the bus address as a frame number.
 */
export function is_xen_swiotlb_buffer(k: Kernel, dev: Device, dma_addr: number): boolean {
  const bfn = Math.floor((k.sw["91ffe4ad534a"] ? dma_to_phys(k, dev, dma_addr) : dma_addr) / XEN_PAGE_SIZE);
  const pfn = bfn_to_local_pfn(k, bfn);
  if (k.pfn_valid(pfn)) return is_swiotlb_buffer(k, pfn * XEN_PAGE_SIZE, dev); // 5.15+: is_swiotlb_buffer(dev, …) (the 6.6 era looks the pool up on the device)
  return false;
}

/** For the trace: which of range_straddles_page_boundary's tests failed (the buffer's Xen pages are not machine-contiguous, or 9f40ec84a797's alignment). */
function straddle_why(k: Kernel, p: number, size: number): string {
  const algn = 2 ** (get_order(size) + 12);
  const first = pfn_to_bfn(k, Math.floor(p / XEN_PAGE_SIZE));
  if (k.sw["9f40ec84a797"] && !k.sw["85fcb57c983f"] && p % algn === 0 && (first * XEN_PAGE_SIZE) % algn !== 0) return `aligned to its order in pseudo-physical space (${hex(algn)}) but its first machine frame ${hex(first)} is not (9f40ec84a797)`;
  return "its Xen pages are not machine-contiguous (pfn_to_bfn of a later page is not the first's + i)";
}

/**
 * The arch's xen_arch_need_swiotlb, as drivers/xen/swiotlb-xen.c xen_swiotlb_map_page calls it (5.6–6.18):
 * ARM's out-of-line one (include/xen/arm/page.h declares it, arch/arm/xen/mm.c defines it), or x86's
 * static inline in arch/x86/include/asm/xen/page.h.
 */
export function xen_arch_need_swiotlb(k: Kernel, dev: Device, phys: number, dev_addr: number): boolean {
  return k.arch.name === "x86_64" ? xen_arch_need_swiotlb_x86(k, dev, phys, dev_addr) : xen_arch_need_swiotlb_arm(k, dev, phys, dev_addr);
}

/**
 * arch/x86/include/asm/xen/page.h xen_arch_need_swiotlb (5.6–6.18: `return false;` — 5.6.4 page.h:362–367,
 * 5.10.7–5.15.178 :361–366, 5.19/6.1.166 :350–355, 6.6.63–6.18.35 :353–358): x86 never bounces for the arch's
 * sake (its devices snoop the caches, and a foreign frame needs no cache maintenance by hypercall)
 */
export function xen_arch_need_swiotlb_x86(_k: Kernel, _dev: Device, _phys: number, _dev_addr: number): boolean {
  return false;
}

/** arch/arm/xen/mm.c xen_arch_need_swiotlb (5.6–6.18; 5.6.4 mm.c:94, 6.18.35 :93): foreign first page, no cache-flush hypercall, non-coherent device */
export function xen_arch_need_swiotlb_arm(k: Kernel, dev: Device, phys: number, dev_addr: number): boolean {
  const xen_pfn = Math.floor(phys / XEN_PAGE_SIZE);
  // 5.6.4 arch/arm/xen/mm.c:99 XEN_PFN_DOWN(dev_addr); 5.10.7 :100 XEN_PFN_DOWN(dma_to_phys(dev, dev_addr))
  const bfn = Math.floor(xen_handle_to_phys(k, dev, dev_addr) / XEN_PAGE_SIZE);
  return !k.xen!.hypercall_cflush && xen_pfn !== bfn && !dev_is_dma_coherent(k, dev);
}

/** xen_create_contiguous_region: x86 PV exchanges frames (mmu-pv.ts); ARM ≤5.18 (arch/arm/xen/mm.c): nothing moves in a 1:1 dom0 */
function xen_create_contiguous_region(k: Kernel, pstart: number, order: number, address_bits: number): { rc: number; dma_handle: number } {
  if (k.xen?.kind === "pv") return pv_create_contiguous_region(k, pstart, order, address_bits);
  k.tr?.enter(S_create, { pstart: hex(pstart), order: String(order), address_bits: String(address_bits) });
  if (!k.xen!.initial_domain) {
    k.tr?.exit("-EINVAL");
    return { rc: -22, dma_handle: 0 };
  }
  k.tr?.exit("0 (1:1 dom0: *dma_handle = pstart)");
  return { rc: 0, dma_handle: pstart };
}

/**
 * xen_alloc_coherent_pages: ARM (include/xen/arm/page-coherent.h, 5.4–5.18) dma_direct_alloc;
 * x86 (arch/x86/include/asm/xen/page-coherent.h) __get_free_pages and *dma_handle = virt_to_phys.
 */
function xen_alloc_coherent_pages(k: Kernel, dev: Device, size: number, gfp: number, attrs: number) {
  if (k.xen?.kind === "pv") {
    k.tr?.enter(S_alloc_pages_x86, { size: hex(size), gfp: gfpName(gfp) });
    const page = alloc_pages(k, gfp, get_order(size), "xen_alloc_coherent_pages");
    if (!page) {
      k.tr?.exit("NULL");
      return null;
    }
    const vstart = k.arch.page_address(k, page);
    const r = { cpu_addr: vstart, dma_handle: k.arch.virt_to_phys(k, vstart) };
    k.tr?.exit(`${k.arch.fmtVa(vstart)} (linear), *dma_handle = virt_to_phys = ${hex(r.dma_handle)}`);
    return r;
  }
  k.tr?.enter(S_alloc_pages, { size: hex(size) });
  const r = dma_direct_alloc(k, dev, size, gfp, attrs);
  k.tr?.exit(r ? k.arch.fmtVa(r.cpu_addr) : "NULL");
  return r;
}

/** xen_free_coherent_pages: ARM (include/xen/arm/page-coherent.h, 5.4–5.18) dma_direct_free; x86 (arch/x86/include/asm/xen/page-coherent.h, 5.4–5.18) free_pages */
function xen_free_coherent_pages(k: Kernel, dev: Device, size: number, cpu_addr: number, dma_handle: number, attrs: number) {
  if (k.xen?.kind === "pv") {
    k.tr?.enter(S_free_pages_x86, { size: hex(size), cpu_addr: k.arch.fmtVa(cpu_addr) });
    __free_pages(k, k.arch.virt_to_page(k, cpu_addr), get_order(size));
    k.tr?.exit();
    return;
  }
  k.tr?.enter(S_free_pages, { size: hex(size), dma_handle: hex(dma_handle) });
  dma_direct_free(k, dev, size, cpu_addr, dma_handle, attrs);
  k.tr?.exit();
}

/**
 * drivers/xen/swiotlb-xen.c xen_swiotlb_alloc_coherent (5.6–5.18, ARM): xen_alloc_coherent_pages,
 * then the mask/contiguity test on the bus address; 5.6 reads the handle as a physical address,
 * 5.9+ converts it with dma_to_phys.
 */
export function xen_swiotlb_alloc_coherent(k: Kernel, dev: Device, size: number, flags: number, attrs: number): { cpu_addr: number; dma_handle: number } | null {
  k.tr?.enter(S_alloc, { size: hex(size), flags: gfpName(flags) });
  const order = get_order(size);
  let dma_mask = DMA_BIT_MASK(32);
  flags &= ~(__GFP_DMA | __GFP_HIGHMEM);
  size = 2 ** (order + XEN_PAGE_SHIFT);
  const r = xen_alloc_coherent_pages(k, dev, size, flags, attrs);
  if (!r) {
    k.tr?.exit("NULL");
    return null;
  }
  if (dev.coherent_dma_mask) dma_mask = dev.coherent_dma_mask;
  const phys = k.sw["91ffe4ad534a"] ? dma_to_phys(k, dev, r.dma_handle) : r.dma_handle;
  const dev_addr = xen_phys_to_dma(k, dev, phys);
  const overMask = BigInt(dev_addr + size - 1) > dma_mask;
  const fits = !overMask && !range_straddles_page_boundary(k, phys, size);
  k.tr?.decide("dev_addr + size - 1 <= dma_mask && !range_straddles_page_boundary(phys, size)", fits, fits ? `bus ${hex(dev_addr)} is reachable and machine-contiguous: no exchange` : `${overMask ? `bus ${hex(dev_addr)}+${hex(size)} is beyond the coherent mask 0x${dma_mask.toString(16)}` : straddle_why(k, phys, size)}: exchange for one contiguous machine extent below the mask`);
  let dma_handle = dev_addr;
  if (!fits) {
    const c = xen_create_contiguous_region(k, phys, order, fls64(dma_mask));
    if (c.rc) {
      xen_free_coherent_pages(k, dev, size, r.cpu_addr, phys, attrs);
      k.tr?.exit("NULL");
      return null;
    }
    // 91ffe4ad534a (5.9; 5.10.7 swiotlb-xen.c:326): *dma_handle = phys_to_dma(hwdev, *dma_handle); 5.6.4 (:320–325)
    // keeps what xen_create_contiguous_region wrote
    dma_handle = k.sw["91ffe4ad534a"] ? phys_to_dma(k, dev, c.dma_handle) : c.dma_handle;
    // SetPageXenRemapped(virt_to_page(ret)): still virt_to_page in every version on this path
    k.SetPageFlag(virt_to_page(k, r.cpu_addr), PG_xen_remapped, "xen_swiotlb_alloc_coherent");
  }
  k.kmemset(r.cpu_addr, 0, size, "xen_swiotlb_alloc_coherent");
  k.tr?.exit(`${k.arch.fmtVa(r.cpu_addr)}, *dma_handle = ${hex(dma_handle)}`);
  return { cpu_addr: r.cpu_addr, dma_handle };
}

/**
 * drivers/xen/swiotlb-xen.c xen_swiotlb_free_coherent (5.6–5.18, ARM): the page for
 * TestClearPageXenRemapped is virt_to_page(vaddr) before 8b1e868f6607, and vmalloc_to_page for
 * vmalloc addresses after it.
 */
export function xen_swiotlb_free_coherent(k: Kernel, dev: Device, size: number, vaddr: number, dev_addr: number, attrs: number): void {
  k.tr?.enter(S_free, { size: hex(size), vaddr: k.arch.fmtVa(vaddr), dev_addr: hex(dev_addr) });
  const order = get_order(size);
  let dma_mask = DMA_BIT_MASK(32);
  if (dev.coherent_dma_mask) dma_mask = dev.coherent_dma_mask;
  const phys = xen_dma_to_phys(k, dev, dev_addr);
  size = 2 ** (order + XEN_PAGE_SHIFT);
  let page: number;
  if (k.sw["8b1e868f6607"]) {
    const vm = is_vmalloc_addr(k, vaddr);
    k.tr?.decide("is_vmalloc_addr(vaddr)", vm, vm ? "vmalloc_to_page (8b1e868f6607)" : "virt_to_page");
    page = vm ? vmalloc_to_page(k, vaddr) : virt_to_page(k, vaddr);
  } else {
    k.tr?.decide("8b1e868f6607 (vmalloc_to_page for vmalloc addresses)", false, "this kernel applies virt_to_page to vaddr whatever kind of address it is");
    page = virt_to_page(k, vaddr);
  }
  const bad = BigInt(dev_addr + size - 1) > dma_mask || range_straddles_page_boundary(k, phys, size);
  if (bad) k.warn("WARNING: xen_swiotlb_free_coherent: dev_addr + size - 1 > dma_mask || range_straddles_page_boundary(phys, size)", "xen_swiotlb_free_coherent", warn_site(k, "xen_swiotlb_free_coherent"));
  else {
    k.tr?.note(`TestClearPageXenRemapped(${k.arch.fmtVa(page)}): reads the struct page`);
    if (k.TestClearPageFlag(page, PG_xen_remapped, "xen_swiotlb_free_coherent")) {
      if (k.xen?.kind === "pv") xen_destroy_contiguous_region(k, phys, order);
      else k.tr?.note("xen_destroy_contiguous_region: nothing to do on ARM");
    }
  }
  xen_free_coherent_pages(k, dev, size, vaddr, k.sw["91ffe4ad534a"] ? phys_to_dma(k, dev, phys) : phys, attrs);
  k.tr?.exit();
}

/**
 * drivers/xen/swiotlb-xen.c xen_swiotlb_alloc_coherent, x86 only, 5.19–6.18 (566fb90e050d rewrote it;
 * c3dea3d54f4d sizes, 85fcb57c983f range_requires_alignment):
 * __get_free_pages itself (no xen_alloc_coherent_pages, no GFP_DMA/HIGHMEM stripping, no 32-bit
 * default mask: dev->coherent_dma_mask as is), *dma_handle = xen_phys_to_dma(phys), and
 * xen_create_contiguous_region returns the handle when the buffer must be exchanged.
 */
function xen_swiotlb_alloc_coherent_519(k: Kernel, dev: Device, size: number, flags: number, _attrs: number): { cpu_addr: number; dma_handle: number } | null {
  k.tr?.enter(S_alloc, { size: hex(size), flags: gfpName(flags) });
  const dma_mask = dev.coherent_dma_mask;
  const order = get_order(size);
  // c3dea3d54f4d (6.12; stable 6.1.166, 6.6.63): ALIGN(size, XEN_PAGE_SIZE), before it 1UL << (order + XEN_PAGE_SHIFT)
  size = k.sw["c3dea3d54f4d"] ? Math.ceil(size / XEN_PAGE_SIZE) * XEN_PAGE_SIZE : 2 ** (order + XEN_PAGE_SHIFT);
  const page = alloc_pages(k, flags, get_order(size), "xen_swiotlb_alloc_coherent");
  if (!page) {
    k.tr?.exit("NULL");
    return null;
  }
  const ret = k.arch.page_address(k, page);
  const phys = k.arch.virt_to_phys(k, ret);
  let dma_handle = xen_phys_to_dma(k, dev, phys);
  const relax = k.sw["85fcb57c983f"];
  const overMask = BigInt(dma_handle + size - 1) > dma_mask;
  const straddles = range_straddles_page_boundary(k, phys, size);
  const misaligned = relax && range_requires_alignment(k, phys, size);
  const fits = !overMask && !straddles && !misaligned;
  k.tr?.decide(`*dma_handle + size - 1 > dma_mask || range_straddles_page_boundary(phys, size)${relax ? " || range_requires_alignment(phys, size)" : ""}`, !fits, fits ? `bus ${hex(dma_handle)} is reachable and machine-contiguous: no exchange` : `${overMask ? `bus ${hex(dma_handle)}+${hex(size)} is beyond the coherent mask 0x${dma_mask.toString(16)}` : straddles ? straddle_why(k, phys, size) : `aligned to its order in pseudo-physical space, its first machine frame ${hex(pfn_to_bfn(k, Math.floor(phys / XEN_PAGE_SIZE)))} is not (85fcb57c983f)`}: exchange for one contiguous machine extent below the mask`);
  if (!fits) {
    const c = xen_create_contiguous_region(k, phys, order, fls64(dma_mask));
    if (c.rc) {
      __free_pages(k, page, get_order(size));
      k.tr?.exit("NULL");
      return null;
    }
    dma_handle = c.dma_handle;
    k.SetPageFlag(virt_to_page(k, ret), PG_xen_remapped, "xen_swiotlb_alloc_coherent");
  }
  k.kmemset(ret, 0, size, "xen_swiotlb_alloc_coherent");
  k.tr?.exit(`${k.arch.fmtVa(ret)}, *dma_handle = ${hex(dma_handle)}`);
  return { cpu_addr: ret, dma_handle };
}

/**
 * drivers/xen/swiotlb-xen.c xen_swiotlb_free_coherent, x86 only, 5.19–6.18 (566fb90e050d; c3dea3d54f4d, 85fcb57c983f): phys =
 * virt_to_phys(vaddr); a handle beyond the coherent mask or a straddling range is a
 * WARN_ON_ONCE and the function returns WITHOUT freeing (5.6–5.18 WARN_ON and free anyway);
 * else TestClearPageXenRemapped → xen_destroy_contiguous_region, then free_pages.
 */
function xen_swiotlb_free_coherent_519(k: Kernel, dev: Device, size: number, vaddr: number, dma_handle: number, _attrs: number): void {
  k.tr?.enter(S_free, { size: hex(size), vaddr: k.arch.fmtVa(vaddr), dma_handle: hex(dma_handle) });
  const phys = k.arch.virt_to_phys(k, vaddr);
  const order = get_order(size);
  size = k.sw["c3dea3d54f4d"] ? Math.ceil(size / XEN_PAGE_SIZE) * XEN_PAGE_SIZE : 2 ** (order + XEN_PAGE_SHIFT);
  const relax = k.sw["85fcb57c983f"];
  const overMask = BigInt(dma_handle + size - 1) > dev.coherent_dma_mask;
  const straddles = !overMask && (range_straddles_page_boundary(k, phys, size) || (relax && range_requires_alignment(k, phys, size)));
  if (overMask || straddles) {
    const cond = overMask ? "dma_handle + size - 1 > dev->coherent_dma_mask" : relax ? "range_straddles_page_boundary(phys, size) || range_requires_alignment(phys, size)" : "range_straddles_page_boundary(phys, size)";
    k.tr?.decide(`WARN_ON_ONCE(${cond})`, true, "the buffer is not freed");
    k.warnOnce(`xen_swiotlb_free_coherent:${cond}`, `WARNING: xen_swiotlb_free_coherent: WARN_ON_ONCE(${cond})`, "xen_swiotlb_free_coherent", warn_site(k, overMask ? "xen_swiotlb_free_coherent" : "xen_swiotlb_free_coherent:straddle"));
    k.tr?.exit();
    return;
  }
  if (k.TestClearPageFlag(virt_to_page(k, vaddr), PG_xen_remapped, "xen_swiotlb_free_coherent")) xen_destroy_contiguous_region(k, phys, order);
  __free_pages(k, virt_to_page(k, vaddr), get_order(size));
  k.tr?.exit();
}

/**
 * The frame address arch/arm/xen/mm.c works on for a DMA handle: dma_to_phys(dev, handle) from
 * 91ffe4ad534a (5.9; 5.10.7 mm.c:51 and swiotlb-xen.c's pfn_valid tests), the handle itself before
 * (5.6.4 mm.c:48, :77, :86: `pfn_valid(PFN_DOWN(handle))`, `cflush.a.dev_bus_addr = handle & XEN_PAGE_MASK`).
 */
function xen_handle_to_phys(k: Kernel, dev: Device, handle: number): number {
  return k.sw["91ffe4ad534a"] ? dma_to_phys(k, dev, handle) : handle;
}

/**
 * arch/arm/xen/mm.c dma_cache_maint (5.6–6.18): one GNTTABOP_cache_flush per Xen page — the hypervisor maps
 * the frame `dev_bus_addr >> XEN_PAGE_SHIFT` and cleans or invalidates [offset, offset + length) of it. The
 * handle is masked to its page and then advanced by each length, so a range that starts inside a page and
 * crosses into the next names the first frame again (`(handle & XEN_PAGE_MASK) + XEN_PAGE_SIZE - offset`):
 * the kernel's arithmetic, followed here ("buffers in highmem or foreign pages cannot cross page
 * boundaries", its comment says). dev_bus_addr is the address itself in 5.6 (mm.c:49) and dma_to_phys(dev,
 * handle) per page from the 5.9 series keyed on 91ffe4ad534a (d7b461caa6cc; 5.10.7 mm.c:57).
 */
function dma_cache_maint(k: Kernel, dev: Device, handle: number, size: number, op: "clean" | "invalidate") {
  const opName = op === "clean" ? "GNTTAB_CACHE_CLEAN" : "GNTTAB_CACHE_INVAL";
  k.tr?.enter(S_cache_maint, { handle: hex(handle), size: hex(size), op: opName });
  let offset = handle % XEN_PAGE_SIZE;
  let h = handle - offset;
  do {
    const dev_bus_addr = xen_handle_to_phys(k, dev, h);
    const length = size + offset > XEN_PAGE_SIZE ? XEN_PAGE_SIZE - offset : size;
    k.tr?.enter(S_grant_table_op, { cmd: "GNTTABOP_cache_flush", dev_bus_addr: hex(dev_bus_addr), offset: hex(offset), length: hex(length), op: opName });
    // xen/common/grant_table.c cache_flush: mfn = dev_bus_addr >> PAGE_SHIFT, then [offset, offset + length) of it
    const maddr = Math.floor(dev_bus_addr / XEN_PAGE_SIZE) * XEN_PAGE_SIZE + offset;
    const n = op === "clean" ? k.cache.clean(maddr, length) : k.cache.invalidate(maddr, length);
    k.tr?.cache(op, hex(maddr), length, n);
    k.tr?.exit("0");
    offset = 0;
    h += length;
    size -= length;
  } while (size > 0);
  k.tr?.exit();
}

/**
 * arch/arm/xen/mm.c xen_dma_sync_for_device (5.6; 5.6.4 mm.c:83–92): swiotlb-xen always calls it, and it
 * tests pfn_valid(PFN_DOWN(handle)) itself — the arch sync for a local page, dma_cache_maint on the
 * handle for a foreign one. The 5.9 series keyed on 91ffe4ad534a (with 63f0620cc552 and d7b461caa6cc)
 * moves the test into swiotlb-xen.c on dma_to_phys(dev, handle) (5.9.1 swiotlb-xen.c:417).
 */
function xen_dma_sync_for_device_56(k: Kernel, dev: Device, handle: number, paddr: number, size: number, dir: number) {
  k.tr?.enter(S_sync_dev_xen, { handle: hex(handle), paddr: hex(paddr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  if (local_frame(k, handle, "pfn_valid(PFN_DOWN(handle))")) arch_sync_dma_for_device(k, paddr, size, dir);
  else dma_cache_maint(k, dev, handle, size, dir === DMA_FROM_DEVICE ? "invalidate" : "clean");
  k.tr?.exit();
}

/** arch/arm/xen/mm.c xen_dma_sync_for_cpu (5.6; 5.6.4 mm.c:74–81): pfn_valid(PFN_DOWN(handle)) → arch sync, else an invalidate unless DMA_TO_DEVICE */
function xen_dma_sync_for_cpu_56(k: Kernel, dev: Device, handle: number, paddr: number, size: number, dir: number) {
  k.tr?.enter(S_sync_cpu_xen, { handle: hex(handle), paddr: hex(paddr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  if (local_frame(k, handle, "pfn_valid(PFN_DOWN(handle))")) arch_sync_dma_for_cpu(k, paddr, size, dir);
  else if (dir !== DMA_TO_DEVICE) dma_cache_maint(k, dev, handle, size, "invalidate");
  k.tr?.exit();
}

/** The pfn_valid test that splits local from foreign frames (swiotlb-xen.c from 5.9, arch/arm/xen/mm.c in 5.6), with its decision in the trace. */
function local_frame(k: Kernel, frameAddr: number, test: string): boolean {
  const pfn = Math.floor(frameAddr / PAGE_SIZE);
  const local = k.pfn_valid(pfn);
  k.tr?.decide(test, local, local ? `pfn ${hex(pfn)} is dom0's: the arch's own cache maintenance` : `pfn ${hex(pfn)} is not dom0's (a foreign frame): Xen's cache maintenance by hypercall`);
  return local;
}

/** drivers/xen/swiotlb-xen.c: the cache step of map/sync for the device — arch_sync_dma_for_device for local pages, xen_dma_sync_for_device (GNTTABOP_cache_flush) for foreign ones (5.10–6.18; 5.6: the same test inside arch/arm/xen/mm.c xen_dma_sync_for_device, on the handle) */
function sync_for_device(k: Kernel, dev: Device, dev_addr: number, paddr: number, size: number, dir: number) {
  if (!k.sw["91ffe4ad534a"]) return xen_dma_sync_for_device_56(k, dev, dev_addr, paddr, size, dir);
  if (local_frame(k, xen_handle_to_phys(k, dev, dev_addr), "pfn_valid(PFN_DOWN(dma_to_phys(dev, dev_addr)))")) arch_sync_dma_for_device(k, paddr, size, dir);
  else {
    // arch/arm/xen/mm.c xen_dma_sync_for_device (5.9–6.18; 6.12.19 mm.c:84–91)
    k.tr?.enter(S_sync_dev_xen, { handle: hex(dev_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
    dma_cache_maint(k, dev, dev_addr, size, dir === DMA_FROM_DEVICE ? "invalidate" : "clean");
    k.tr?.exit();
  }
}

/** drivers/xen/swiotlb-xen.c: the cache step of unmap/sync for the CPU — arch_sync_dma_for_cpu for local pages, xen_dma_sync_for_cpu for foreign ones (5.10–6.18; 5.6: arch/arm/xen/mm.c xen_dma_sync_for_cpu, on the handle) */
function sync_for_cpu(k: Kernel, dev: Device, dev_addr: number, paddr: number, size: number, dir: number) {
  if (!k.sw["91ffe4ad534a"]) return xen_dma_sync_for_cpu_56(k, dev, dev_addr, paddr, size, dir);
  if (local_frame(k, xen_handle_to_phys(k, dev, dev_addr), "pfn_valid(PFN_DOWN(dma_to_phys(dev, dev_addr)))")) arch_sync_dma_for_cpu(k, paddr, size, dir);
  else {
    // arch/arm/xen/mm.c xen_dma_sync_for_cpu (5.9–6.18; 6.12.19 mm.c:77–82): only an invalidate, and not for DMA_TO_DEVICE
    k.tr?.enter(S_sync_cpu_xen, { handle: hex(dev_addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
    if (dir !== DMA_TO_DEVICE) dma_cache_maint(k, dev, dev_addr, size, "invalidate");
    k.tr?.exit();
  }
}

/** drivers/xen/swiotlb-xen.c xen_swiotlb_map_page (5.6–6.18; 5.6 passes start_dma_addr as tbl_dma_addr until ae4f0a17ee59; cd9c05848905, 6.15: dma_kmalloc_needs_bounce also bounces, as in 6.18.35 swiotlb-xen.c:219–224) */
export function xen_swiotlb_map_page(k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number, attrs: number): number {
  k.tr?.enter(S_map_page, { page: k.arch.fmtVa(page), offset: hex(offset), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  let phys = k.page_to_phys(page) + offset;
  let dev_addr = xen_phys_to_dma(k, dev, phys);
  if (dir === DMA_NONE) k.BUG_ON("xen_swiotlb_map_page", "xen_swiotlb_map_page", "BUG_ON(dir == DMA_NONE)");
  const capable = dma_capable(k, dev, dev_addr, size, true);
  // cd9c05848905 (6.15): a small kmalloc-sized buffer for a non-coherent device bounces, as in dma-direct (370645f41e6e)
  const kbounce = capable && k.sw["cd9c05848905"] && dma_kmalloc_needs_bounce(k, dev, size, dir);
  const straddle = range_straddles_page_boundary(k, phys, size);
  const need = xen_arch_need_swiotlb(k, dev, phys, dev_addr);
  // 5.6–5.14: the global `swiotlb_force != SWIOTLB_FORCE`; 5.15+ (per-device io_tlb_mem): !is_swiotlb_force_bounce(dev)
  const globalForce = era(k).name === "5.6" || era(k).name === "5.13";
  const force = is_swiotlb_force_bounce(k, dev);
  const cond = `dma_capable(dev, dev_addr, size, true)${k.sw["cd9c05848905"] ? " && !dma_kmalloc_needs_bounce(dev, size, dir)" : ""} && !range_straddles_page_boundary(phys, size) && !xen_arch_need_swiotlb(dev, phys, dev_addr) && ${globalForce ? "swiotlb_force != SWIOTLB_FORCE" : "!is_swiotlb_force_bounce(dev)"}`;
  if (capable && !kbounce && !straddle && !need && !force) {
    k.tr?.decide(cond, true, `bus ${hex(dev_addr)} is reachable and machine-contiguous: no bounce`);
  } else {
    k.tr?.decide(cond, false, !capable ? `bus ${hex(dev_addr)}+${hex(size)} is not reachable by the device: bounce` : kbounce ? `dma_kmalloc_needs_bounce: ${size} bytes could share a cache line with another kmalloc object and the device is not coherent: bounce` : straddle ? `range_straddles_page_boundary: ${straddle_why(k, phys, size)}: bounce` : need ? "xen_arch_need_swiotlb: a foreign page, no GNTTABOP_cache_flush, a non-coherent device: bounce" : "swiotlb=force: bounce");
    trace_swiotlb_bounced(k, dev, dev_addr, size);
    // 5.6–5.8: swiotlb_tbl_map_single(dev, start_dma_addr, phys, …) — swiotlb-xen's own tbl_dma_addr (0 when
    // xen_swiotlb_init reused a pool; 5.6.4 :389–390); ae4f0a17ee59 (5.9) drops it, 5.10+ compute it inside
    const tbl = k.sw["ae4f0a17ee59"] ? undefined : (k.xen!.start_dma_addr ?? 0);
    if (tbl !== undefined) k.tr?.note(`swiotlb_tbl_map_single(dev, start_dma_addr = ${hex(tbl)}, phys, …): the segment-boundary search's tbl_dma_addr`);
    const map = swiotlb_tbl_map_single(k, dev, phys, size, size, dir, attrs, tbl);
    if (map === DMA_MAPPING_ERROR) {
      k.tr?.exit("DMA_MAPPING_ERROR");
      return DMA_MAPPING_ERROR;
    }
    phys = map;
    dev_addr = xen_phys_to_dma(k, dev, map);
    if (!dma_capable(k, dev, dev_addr, size, true)) {
      swiotlb_tbl_unmap_single(k, dev, map, size, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
      k.tr?.exit("DMA_MAPPING_ERROR");
      return DMA_MAPPING_ERROR;
    }
  }
  if (!dev_is_dma_coherent(k, dev) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) sync_for_device(k, dev, dev_addr, phys, size, dir);
  k.tr?.exit(hex(dev_addr));
  return dev_addr;
}

/** drivers/xen/swiotlb-xen.c xen_swiotlb_unmap_page (5.10–5.18) */
export function xen_swiotlb_unmap_page(k: Kernel, dev: Device, dev_addr: number, size: number, dir: number, attrs: number): void {
  k.tr?.enter(S_unmap_page, { dev_addr: hex(dev_addr), size: hex(size) });
  const paddr = xen_dma_to_phys(k, dev, dev_addr);
  if (dir === DMA_NONE) k.BUG_ON("xen_swiotlb_unmap_page", "xen_swiotlb_unmap_page", "BUG_ON(dir == DMA_NONE)");
  if (!dev_is_dma_coherent(k, dev) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) sync_for_cpu(k, dev, dev_addr, paddr, size, dir);
  if (is_xen_swiotlb_buffer(k, dev, dev_addr)) swiotlb_tbl_unmap_single(k, dev, paddr, size, dir, attrs);
  k.tr?.exit();
}

/** drivers/xen/swiotlb-xen.c xen_swiotlb_sync_single_for_cpu (5.10–5.18): cache maintenance, then the bounce copy back */
function xen_swiotlb_sync_single_for_cpu(k: Kernel, dev: Device, dma_addr: number, size: number, dir: number) {
  const paddr = xen_dma_to_phys(k, dev, dma_addr);
  if (!dev_is_dma_coherent(k, dev)) sync_for_cpu(k, dev, dma_addr, paddr, size, dir);
  if (is_xen_swiotlb_buffer(k, dev, dma_addr)) swiotlb_sync_single_for_cpu(k, dev, paddr, size, dir);
}

/** drivers/xen/swiotlb-xen.c xen_swiotlb_sync_single_for_device (5.10–5.18): the bounce copy, then cache maintenance */
function xen_swiotlb_sync_single_for_device(k: Kernel, dev: Device, dma_addr: number, size: number, dir: number) {
  const paddr = xen_dma_to_phys(k, dev, dma_addr);
  if (is_xen_swiotlb_buffer(k, dev, dma_addr)) swiotlb_sync_single_for_device(k, dev, paddr, size, dir);
  if (!dev_is_dma_coherent(k, dev)) sync_for_device(k, dev, dma_addr, paddr, size, dir);
}

/**
 * drivers/xen/swiotlb-xen.c xen_swiotlb_map_sg (5.6–6.18): no merging; on failure the mapped entries are
 * unmapped, sg_dma_len(sgl) = 0, and 0 is returned to 5.14 (5.14-rc5 :512), -EIO from the c81be74e7d79
 * series (5.15.178 :516, 5.19 :346, 6.18.35 :366).
 */
function xen_swiotlb_map_sg(k: Kernel, dev: Device, sgl: Scatterlist[], nelems: number, dir: number, attrs: number): number {
  for (let i = 0; i < nelems; i++) {
    const sg = sgl[i]!;
    sg.dma_address = xen_swiotlb_map_page(k, dev, sg.page, sg.offset, sg.length, dir, attrs);
    if (sg.dma_address === DMA_MAPPING_ERROR) {
      for (let j = 0; j < i; j++) xen_swiotlb_unmap_page(k, dev, sgl[j]!.dma_address, sgl[j]!.dma_length, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
      sgl[0]!.dma_length = 0;
      return k.sw["c81be74e7d79"] ? -5 : 0;
    }
    sg.dma_length = sg.length;
  }
  return nelems;
}

/**
 * drivers/xen/swiotlb-xen.c xen_swiotlb_dma_supported (5.13–6.18): the default pool's last byte must
 * translate to a bus address within the mask — 5.13–5.14 `io_tlb_default_mem->end - 1` through the
 * pointer (5.14-rc5 :550; NULL, and an oops reading `end` at offset 8, when no pool was set up), 5.15–6.5
 * `io_tlb_default_mem.end - 1` of the static struct (5.15.178 :554, 6.1.166 :394: ~0 without a pool, so
 * only a 64-bit mask passes), 6.6+ default_swiotlb_limit() (6.6.63 :390, 6.18.35 :423; with
 * CONFIG_SWIOTLB_DYNAMIC mem->phys_limit — on x86 PV the last byte of RAM whatever machine frame backs it
 * — else defpool.end - 1). The comparison is unsigned. 5.6–5.12 read swiotlb-xen's own xen_io_tlb_end:
 * `xen_virt_to_bus(xen_io_tlb_end - 1) <= mask` (5.6.4 :537–539; 5.10.7 and 5.12.9 :561–563 with hwdev),
 * xen_virt_to_bus being xen_phys_to_dma(virt_to_phys(address)) (5.10.7 :83–86; 5.6.4 xen_phys_to_bus). After a
 * failed xen_swiotlb_init the pointer is NULL and `NULL - 1` is ~0: arm64's virt_to_phys takes it for a kernel
 * image address (bit VA_BITS - 1 set in 5.6/5.10, outside [PAGE_OFFSET, PAGE_END) in 5.12: ~0 - kimage_voffset,
 * with CONFIG_DEBUG_VIRTUAL's WARN), and that bus address decides.
 */
function xen_swiotlb_dma_supported(k: Kernel, dev: Device, mask: bigint): boolean {
  if (!k.sw["6223d1cef7b4"]) return xen_swiotlb_dma_supported_56(k, dev, mask);
  const mem = k.io_tlb_default_mem;
  const limit = default_swiotlb_limit(k);
  const e = era(k).name;
  let phys: number;
  let what: string;
  if (limit !== null) {
    phys = fromBig(limit);
    what = "default_swiotlb_limit()";
  } else if (mem) {
    phys = mem.end - 1;
    what = "io_tlb_default_mem.end - 1";
  } else if (e === "5.13") {
    // struct io_tlb_mem { phys_addr_t start; phys_addr_t end; … } (5.14-rc5 include/linux/swiotlb.h:87–89)
    k.tr?.note("io_tlb_default_mem is NULL (no pool was set up): io_tlb_default_mem->end reads address 0x8");
    k.oops(8, "xen_swiotlb_dma_supported");
  } else {
    phys = -1; // io_tlb_default_mem.end (0) - 1: the static struct of a kernel without a pool
    what = "io_tlb_default_mem.end - 1 (no pool: 0 - 1)";
  }
  const dma = xen_phys_to_dma(k, dev, phys);
  k.tr?.note(`xen_phys_to_dma(${what} = ${hex(phys)}) = ${hex(dma)} vs mask 0x${mask.toString(16)}`);
  return toBig(dma) <= mask;
}

/**
 * drivers/xen/swiotlb-xen.c xen_swiotlb_dma_supported (5.6–5.12, until 6223d1cef7b4; 5.6.4 :537–539, 5.10.7 / 5.12.9 :561–563):
 * `xen_virt_to_bus(hwdev, xen_io_tlb_end - 1) <= mask` on swiotlb-xen's own pointer — NULL (0) when
 * xen_swiotlb_init failed, so the address is ~0 (-1 in dmasim's signed form) and virt_to_phys runs on it.
 */
function xen_swiotlb_dma_supported_56(k: Kernel, dev: Device, mask: bigint): boolean {
  const end = k.xen!.xen_io_tlb_end ?? 0;
  const va = end === 0 ? -1 : end - 1;
  const phys = k.arch.virt_to_phys(k, va);
  const dma = xen_phys_to_dma(k, dev, phys);
  k.tr?.note(`xen_virt_to_bus(xen_io_tlb_end - 1 = ${end === 0 ? "NULL - 1 (xen_swiotlb_init set up no pool)" : k.arch.fmtVa(va)}): virt_to_phys ${hex(phys)}, bus ${hex(dma)} vs mask 0x${mask.toString(16)}`);
  return toBig(dma) <= mask;
}

/**
 * drivers/xen/swiotlb-xen.c xen_swiotlb_fixup (5.6–6.18, x86 PV): make each 128-slab chunk (order 6)
 * machine-contiguous, asking Xen for an extent below 2^dma_bits, dma_bits from 18 (order + PAGE_SHIFT)
 * up to MAX_DMA_BITS (32). dma_bits is set once, before the loop over the chunks (5.6.4 swiotlb-xen.c:127,
 * 5.15.178 :117, 6.18.35 :120), so a chunk starts at the bits the chunk before it needed: after the first
 * chunk found Xen's free memory below 2^27, no later chunk asks below it again. A chunk is
 * min(nslabs - i, IO_TLB_SEGSIZE) slabs of order get_order(slabs << IO_TLB_SHIFT) (5.6.4 :131–136,
 * 5.10.7 :133–138): only 5.6–5.12's one-slab pool after swiotlb=noforce has a short one (order 0);
 * 5.15+ BUG_ON a count that is not a multiple of IO_TLB_SEGSIZE, which no caller passes.
 * A chunk starts at `p + (i << IO_TLB_SHIFT)` with `i` an int (5.6.4 :122, :135; 5.10.7 :124, :137; 5.14-rc5
 * :109, :122) — from slab 2^20 (a pool over 2 GiB) the shift wraps negative (the kernel builds with
 * -fno-strict-overflow) and the chunk is 4 GiB below the one meant — and an unsigned int from d9a688add3d4
 * (5.15.178 :117, :128; 6.1.166 :119, :130), which wraps from slab 2^21 (4 GiB).
 * The loop is a do-while (5.14-rc5 :116–130, 5.15.178 :125–135): swiotlb=0's nslabs 0 (5.13–5.19) still runs one
 * chunk — before d9a688add3d4 of min(0, 128) = 0 slabs, order get_order(0) = 52, which xen_create_contiguous_region
 * refuses (> MAX_CONTIG_ORDER) at every dma_bits: -ENOMEM; from d9a688add3d4 its fixed order 6 at the buffer itself.
 */
export function xen_swiotlb_fixup(k: Kernel, buf: number, nslabs: number): number {
  k.tr?.enter(S_fixup, { buf: hex(buf), nslabs: String(nslabs) });
  const unsignedI = !!k.sw["d9a688add3d4"];
  // d9a688add3d4: `order = get_order(IO_TLB_SEGSIZE << IO_TLB_SHIFT)` for every chunk; before it the chunk's
  // `slabs = min(nslabs - i, IO_TLB_SEGSIZE)` and get_order(slabs << IO_TLB_SHIFT) — 6 for a whole chunk
  const orderOf = (i: number) => get_order((unsignedI ? IO_TLB_SEGSIZE : Math.min(nslabs - i, IO_TLB_SEGSIZE)) * IO_TLB_SIZE);
  // p + (i << IO_TLB_SHIFT) in C's int (JS's << is the same 32-bit two's complement) or unsigned int
  const chunkAt = (i: number): number => {
    const p = buf + (unsignedI ? (i << IO_TLB_SHIFT) >>> 0 : i << IO_TLB_SHIFT);
    // the kernel adds the sign-extended offset to p: a physical address near 2^64, whose phys_to_virt lies below
    // PAGE_OFFSET (the LDT remap hole, unmapped in a PV guest, which runs without PTI: 5.10.7 arch/x86/mm/pti.c:86–88);
    // xen_create_contiguous_region's memset of the chunk (5.10.7 arch/x86/xen/mmu_pv.c:2286) oopses there
    if (p < 0) {
      k.kmemset(k.arch.L.PAGE_OFFSET + p, 0, PAGE_SIZE << orderOf(i), "xen_create_contiguous_region");
      throw new DmasimInternalError(`xen_swiotlb_fixup: the wrapped chunk at slab ${i} of the buffer at ${hex(buf)} is mapped below PAGE_OFFSET`);
    }
    return p;
  };
  let dma_bits = Math.log2(IO_TLB_SEGSIZE * IO_TLB_SIZE); // get_order(IO_TLB_SEGSIZE << IO_TLB_SHIFT) + PAGE_SHIFT: 18
  // the chunk count of the do-while: at least one
  const chunks = Math.max(1, Math.ceil(nslabs / IO_TLB_SEGSIZE));
  if (!k.tr) {
    // untraced: each chunk's calls at once (create_contiguous_region_lowest: the same frames, P2M and heap); an order
    // above MAX_CONTIG_ORDER is refused before anything is touched, at every dma_bits (no frame list to grow: the
    // one order xen_swiotlb_fixup asks after e93ec87286bd, 6, never exceeds it)
    for (let c = 0, i = 0; c < chunks; c++, i += IO_TLB_SEGSIZE) {
      if (orderOf(i) > MAX_CONTIG_ORDER) return -12;
      const calls = create_contiguous_region_lowest(k, chunkAt(i), orderOf(i), dma_bits, 32);
      if (calls === 0) return -12;
      dma_bits += calls - 1;
    }
    return 0;
  }
  for (let c = 0, i = 0; c < chunks; c++, i += IO_TLB_SEGSIZE) {
    for (;;) {
      const r = pv_create_contiguous_region(k, chunkAt(i), orderOf(i), dma_bits);
      if (r.rc === 0) break;
      if (++dma_bits > 32) {
        k.tr?.exit("-ENOMEM");
        return -12;
      }
    }
  }
  k.tr?.exit("0");
  return 0;
}

/** drivers/xen/swiotlb-xen.c xen_swiotlb_dma_ops (5.6–6.18; the 6.x members as their switches say) */
export function xen_swiotlb_dma_ops(k: Kernel): DmaMapOps {
  // 566fb90e050d (5.19): on ARM the coherent allocator is dma-direct itself; on x86 the
  // xen_swiotlb_{alloc,free}_coherent pair is rewritten without xen_{alloc,free}_coherent_pages
  const has566 = k.sw["566fb90e050d"];
  const x86 = k.xen?.kind === "pv";
  return {
    name: "xen_swiotlb_dma_ops",
    file: F,
    alloc: !has566 ? xen_swiotlb_alloc_coherent : x86 ? xen_swiotlb_alloc_coherent_519 : dma_direct_alloc,
    free: !has566 ? xen_swiotlb_free_coherent : x86 ? xen_swiotlb_free_coherent_519 : dma_direct_free,
    mmap: dma_common_mmap,
    get_sgtable: dma_common_get_sgtable,
    map_page: xen_swiotlb_map_page,
    unmap_page: xen_swiotlb_unmap_page,
    map_sg: xen_swiotlb_map_sg,
    unmap_sg: (kk, dev, sgl, n, dir, attrs) => {
      for (let i = 0; i < n; i++) xen_swiotlb_unmap_page(kk, dev, sgl[i]!.dma_address, sgl[i]!.dma_length, dir, attrs);
    },
    sync_single_for_cpu: xen_swiotlb_sync_single_for_cpu,
    sync_single_for_device: xen_swiotlb_sync_single_for_device,
    sync_sg_for_cpu: (kk, dev, sgl, n, dir) => {
      for (let i = 0; i < n; i++) xen_swiotlb_sync_single_for_cpu(kk, dev, sgl[i]!.dma_address, sgl[i]!.length, dir);
    },
    sync_sg_for_device: (kk, dev, sgl, n, dir) => {
      for (let i = 0; i < n; i++) xen_swiotlb_sync_single_for_device(kk, dev, sgl[i]!.dma_address, sgl[i]!.length, dir);
    },
    dma_supported: xen_swiotlb_dma_supported,
    // efa70f2fdc84 (5.10): .alloc_pages = dma_common_alloc_pages (the member is .alloc_pages_op in 6.12.19 and 6.18.35), .free_pages = dma_common_free_pages
    ...(k.sw["efa70f2fdc84"] ? { alloc_pages: dma_common_alloc_pages, free_pages: dma_common_free_pages } : {}),
    ...(k.sw["bf0ecb3c3239"] ? { map_resource: xen_swiotlb_direct_map_resource } : {}),
    // bff2a2d453a1 (6.7; stable 5.15.178, 6.1.166, 6.6.63): .max_mapping_size = swiotlb_max_mapping_size;
    // before it dma_max_mapping_size() says SIZE_MAX although a bounce is at most 256 KiB
    ...(k.sw["bff2a2d453a1"] ? { max_mapping_size: swiotlb_max_mapping_size } : {}),
  };
}

export { swiotlb_max_mapping_size };

/** dev_err_once's and WARN_ON_ONCE's "already printed" flags of xen_swiotlb_direct_map_resource, per booted kernel */
const mapResourceWarned = new WeakMap<Kernel, Set<string>>();

/**
 * drivers/xen/swiotlb-xen.c xen_swiotlb_direct_map_resource (6.18: bf0ecb3c3239 open-codes the
 * map_resource callback for dma_map_phys' DMA_ATTR_MMIO path): the physical address is the DMA
 * address; beyond dma_capable(..., false) a dev_err_once "DMA addr %pad+%zu overflow (mask %llx,
 * bus limit %llx).", WARN_ON_ONCE(1) (swiotlb-xen.c:407) and DMA_MAPPING_ERROR.
 */
export function xen_swiotlb_direct_map_resource(k: Kernel, dev: Device, paddr: number, size: number, _dir: number, _attrs: number): number {
  k.tr?.enter(S_direct_map_resource, { paddr: hex(paddr), size: hex(size) });
  const dma_addr = paddr;
  const ok = dma_capable(k, dev, dma_addr, size, false);
  k.tr?.decide("dma_capable(dev, dma_addr, size, false)", ok, ok ? "the physical address is the DMA address" : "beyond the device's mask or bus limit");
  if (!ok) {
    let seen = mapResourceWarned.get(k);
    if (!seen) mapResourceWarned.set(k, (seen = new Set()));
    if (!seen.has(dev.name)) {
      seen.add(dev.name);
      const pad = "0x" + BigInt.asUintN(64, BigInt(dma_addr)).toString(16).padStart(16, "0");
      k.dev_printk("err", dev, `DMA addr ${pad}+${size} overflow (mask ${(dev.dma_mask ?? 0n).toString(16)}, bus limit ${dev.bus_dma_limit.toString(16)}).`);
      k.warn("WARNING: xen_swiotlb_direct_map_resource", "xen_swiotlb_direct_map_resource", "drivers/xen/swiotlb-xen.c:407");
    }
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }
  k.tr?.exit(hex(dma_addr));
  return dma_addr;
}
const S_direct_map_resource = sym("xen_swiotlb_direct_map_resource", F);

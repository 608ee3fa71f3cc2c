/**
 * Xen frame-number spaces.
 * - ARM 1:1 dom0 (include/xen/arm/page.h, arch/arm/xen/p2m.c): local RAM has bfn == pfn;
 *   grant-mapped foreign pages are entries of the phys_to_mach rbtree.
 * - x86 PV dom0 (arch/x86/xen/p2m.c, include/xen/page.h): a flat P2M array pfn → mfn with
 *   scattered machine frames, and the hypervisor's M2P table mfn → pfn.
 */
import type { Kernel } from "../kernel.js";

export const XEN_PAGE_SHIFT = 12;
export const XEN_PAGE_SIZE = 4096;

export interface P2mEntry {
  pfn: number;
  mfn: number;
  nr_pages: number;
}

export interface XenState {
  kind: "arm" | "pv";
  /** x86 PV: xen_p2m_addr[pfn] = mfn */
  p2m: Uint32Array | null;
  /** x86 PV: machine_to_phys_mapping entries changed since boot (-1: the frame left the domain) */
  m2p: Map<number, number>;
  /** x86 PV: the boot layout, from which unchanged M2P entries are computed */
  m2p_layout: { topChunk: number; chunks: number } | null;
  /** x86 PV: the hypervisor's free machine memory (XENMEM_exchange takes and gives frames here) */
  heap: import("./mmu-pv.js").XenHeap | null;
  /** arch/arm/xen/p2m.c phys_to_mach rbtree, kept sorted by pfn */
  phys_to_mach: P2mEntry[];
  /** GNTTABOP_cache_flush available (xen_mm_init probe) */
  hypercall_cflush: boolean;
  /** the initial domain */
  initial_domain: boolean;
  /** grant references mapped: "domain:gref" → local pfn and the foreign machine frame */
  grants: Map<string, { pfn: number; mfn: number; domain: number }>;
  /** the hypervisor's stage-2 changes: dom0 pfn → foreign mfn (identity elsewhere) */
  stage2: Map<number, number>;
  /** machine RAM owned by other domains */
  domains: { start: number; size: number } | null;
}

/** include/xen/arm/page.h pfn_to_bfn (5.x): the rbtree entry covering pfn, else identity; x86 PV: pfn_to_mfn from the P2M */
export function pfn_to_bfn(k: Kernel, pfn: number): number {
  const x = k.xen;
  if (x && x.p2m) return pfn < x.p2m.length ? x.p2m[pfn]! : pfn; // beyond the P2M: identity frames
  if (x && x.phys_to_mach.length) {
    for (const e of x.phys_to_mach) if (pfn >= e.pfn && pfn < e.pfn + e.nr_pages) return e.mfn + (pfn - e.pfn);
  }
  return pfn;
}

/** include/xen/arm/page.h bfn_to_pfn: identity on ARM; x86 PV mfn_to_pfn: M2P, checked by a round trip through the P2M (else ~0) */
export function bfn_to_pfn(k: Kernel, bfn: number): number {
  const x = k.xen;
  if (!x || !x.p2m) return bfn;
  let pfn = x.m2p.get(bfn);
  if (pfn === undefined && x.m2p_layout) {
    // boot layout: machine chunk (topChunk - 1 - c) backs pseudo-physical chunk c (512 frames each)
    const c = x.m2p_layout.topChunk - 1 - Math.floor(bfn / 512);
    pfn = c >= 0 && c < x.m2p_layout.chunks ? c * 512 + (bfn % 512) : -1;
  }
  if (pfn === undefined || pfn < 0 || pfn >= x.p2m.length || x.p2m[pfn] !== bfn) return -1;
  return pfn;
}

/** arch/arm/xen/p2m.c set_foreign_p2m_mapping → __set_phys_to_machine_multi */
export function set_phys_to_machine(k: Kernel, pfn: number, mfn: number, nr_pages: number): boolean {
  const x = k.xen!;
  if (x.phys_to_mach.some((e) => e.pfn === pfn)) {
    k.warn(`p2m: cannot add pfn ${pfn.toString(16)} twice`, "__set_phys_to_machine_multi");
    return false;
  }
  x.phys_to_mach.push({ pfn, mfn, nr_pages });
  x.phys_to_mach.sort((a, b) => a.pfn - b.pfn);
  return true;
}

/** clear_foreign_p2m_mapping: setting INVALID_P2M_ENTRY deletes the node */
export function clear_phys_to_machine(k: Kernel, pfn: number): void {
  const x = k.xen!;
  x.phys_to_mach = x.phys_to_mach.filter((e) => e.pfn !== pfn);
}

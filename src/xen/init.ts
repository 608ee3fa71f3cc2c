/**
 * How swiotlb-xen gets its bounce pool at boot, per era:
 * - 5.6–5.12: xen_swiotlb_init(verbose, early) keeps its own xen_io_tlb_start; an existing generic
 *   pool is reused ("IO TLB memory already allocated. Just use it.") and max_segment set to PAGE_SIZE.
 * - 5.13–5.18: xen_swiotlb_init() / xen_swiotlb_init_early(); on ARM an existing pool makes
 *   xen_swiotlb_init pr_warn "swiotlb buffer already initialized" and return -EEXIST, which
 *   xen_mm_init ignores (97729b653de5, 5.13).
 * - 5.19+ (3f70356edf56 "swiotlb: merge swiotlb-xen initialization into swiotlb"): swiotlb-xen has
 *   no pool code of its own. x86 PV: pci_xen_swiotlb_init → swiotlb_init_remap(true, SWIOTLB_ANY,
 *   xen_swiotlb_fixup); ARM: xen_mm_init calls swiotlb_init_late only when there is no pool yet.
 *   swiotlb_set_max_segment is gone: swiotlb_max_segment() is computed from the pool's size.
 * Not modelled: a xen_swiotlb_fixup that fails (retry with half the slabs, then panic) — the
 * model's hypervisor heap always has the 256 KiB extents below 4 GiB it asks for.
 */
import type { Kernel } from "../kernel.js";
import { sym } from "../core/trace.js";
import { PAGE_SIZE, hex } from "../core/u64.js";
import { swiotlb_init_with_tbl, swiotlb_set_max_segment } from "../kernel/dma/swiotlb/index.js";
import { xen_swiotlb_fixup } from "./swiotlb-xen.js";

const S_pci_xen_swiotlb_init = sym("pci_xen_swiotlb_init", "arch/x86/kernel/pci-dma.c");
const S_swiotlb_init_remap = sym("swiotlb_init_remap", "kernel/dma/swiotlb.c");
const S_xen_swiotlb_init_early = sym("xen_swiotlb_init_early", "drivers/xen/swiotlb-xen.c");
const S_xen_swiotlb_init = sym("xen_swiotlb_init", "drivers/xen/swiotlb-xen.c");
const S_xen_mm_init = sym("xen_mm_init", "arch/arm/xen/mm.c");

/**
 * The x86 PV dom0 boot pool at [base, base + nslabs << 11) (memblock, anywhere in RAM: SWIOTLB_ANY
 * in 5.19+, plain memblock_alloc before): 5.19+ (3f70356edf56) pci_xen_swiotlb_init →
 * swiotlb_init_remap with xen_swiotlb_fixup as the remap callback; 5.13–5.18 xen_swiotlb_init_early
 * and 5.6–5.12 xen_swiotlb_init(1, true): xen_swiotlb_fixup, swiotlb_init_with_tbl, then
 * swiotlb_set_max_segment(PAGE_SIZE).
 */
export function xen_pv_swiotlb_init(k: Kernel, base: number, nslabs: number): void {
  if (k.sw["3f70356edf56"]) {
    k.tr?.enter(S_pci_xen_swiotlb_init, {});
    k.tr?.enter(S_swiotlb_init_remap, { addressing_limit: "true", flags: "SWIOTLB_ANY | SWIOTLB_VERBOSE", remap: "xen_swiotlb_fixup" });
    xen_swiotlb_fixup(k, base, nslabs);
    swiotlb_init_with_tbl(k, base, nslabs, true, { any: true, remap: true });
    k.tr?.exit();
    k.tr?.exit();
    return;
  }
  k.tr?.enter(k.sw["97729b653de5"] ? S_xen_swiotlb_init_early : S_xen_swiotlb_init, { start: hex(base), nslabs: String(nslabs) });
  xen_swiotlb_fixup(k, base, nslabs);
  swiotlb_init_with_tbl(k, base, nslabs, true);
  swiotlb_set_max_segment(k, PAGE_SIZE);
  k.tr?.exit();
}

/**
 * arch/arm/xen/mm.c xen_mm_init (arch_initcall) for an ARM dom0 whose generic pool arm64's
 * mem_init already set up: 5.6–5.12 xen_swiotlb_init(1, false) reuses it and sets max_segment to
 * PAGE_SIZE; 5.13–5.18 (97729b653de5) xen_swiotlb_init() warns "swiotlb buffer already
 * initialized" and returns -EEXIST ("we can work with the default swiotlb"); 5.19+ (3f70356edf56)
 * nothing (swiotlb_init_late only without a pool). The GNTTABOP_cache_flush probe (k.xen's
 * hypercall_cflush) follows in every version.
 */
export function xen_mm_init(k: Kernel): void {
  k.tr?.enter(S_xen_mm_init, {});
  const pool = k.io_tlb_default_mem !== null;
  if (pool && !k.sw["3f70356edf56"]) {
    k.tr?.enter(S_xen_swiotlb_init, {});
    if (k.sw["97729b653de5"]) {
      k.printk("warn", "swiotlb buffer already initialized");
      k.tr?.exit("-EEXIST");
    } else {
      // "IO TLB memory already allocated. Just use it."
      swiotlb_set_max_segment(k, PAGE_SIZE);
      k.tr?.exit("0");
    }
  }
  k.tr?.exit("0");
}

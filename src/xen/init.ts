/**
 * How swiotlb-xen gets its bounce pool at boot, per era:
 * - 5.6–5.12: xen_swiotlb_init(verbose, early) keeps its own xen_io_tlb_start; an existing generic
 *   pool is reused ("IO TLB memory already allocated. Just use it.": rc stays -ENOMEM, so max_segment
 *   keeps swiotlb_init's value); its own pool (x86 PV, or ARM's late one) gets max_segment PAGE_SIZE.
 * - 5.13–5.18: xen_swiotlb_init() / xen_swiotlb_init_early(); on ARM an existing pool makes
 *   xen_swiotlb_init pr_warn "swiotlb buffer already initialized" and return -EEXIST, which
 *   xen_mm_init ignores (97729b653de5, 5.13).
 * - 5.19+ (3f70356edf56 "swiotlb: merge swiotlb-xen initialization into swiotlb"): swiotlb-xen has
 *   no pool code of its own. x86 PV: pci_xen_swiotlb_init → swiotlb_init_remap(true, SWIOTLB_ANY,
 *   xen_swiotlb_fixup); ARM: xen_mm_init calls swiotlb_init_late only when there is no pool yet.
 *   swiotlb_set_max_segment is gone: swiotlb_max_segment() is computed from the pool's size.
 * The x86 PV boot buffer's memblock allocation and its xen_swiotlb_fixup are one step here
 * (xen_pv_swiotlb_alloc), so a refused fixup frees the buffer and the era's retry reallocates it.
 */
import type { Kernel } from "../kernel.js";
import { sym } from "../core/trace.js";
import { KernelFault } from "../core/faults.js";
import { PAGE_SIZE, get_order, hex } from "../core/u64.js";
import { era, IO_TLB_MIN_SLABS, IO_TLB_SEGSIZE, IO_TLB_SHIFT, IO_TLB_SIZE, SLABS_PER_PAGE, swiotlb_boot_alloc, swiotlb_boot_nslabs, swiotlb_buffer_bytes, swiotlb_init_late_pool, swiotlb_init_with_tbl, swiotlb_late_metadata, swiotlb_late_nareas, swiotlb_noforce_nslabs, swiotlb_set_max_segment, swiotlb_size_or_default } from "../kernel/dma/swiotlb/index.js";
import { alloc_pages } from "../mm/mm.js";
import { GFP_KERNEL, __GFP_DMA32, __GFP_KSWAPD_RECLAIM, __GFP_NOWARN, __GFP_ZERO } from "../include/gfp.js";
import { xen_phys_to_bus, xen_swiotlb_fixup } from "./swiotlb-xen.js";

const S_pci_xen_swiotlb_init = sym("pci_xen_swiotlb_init", "arch/x86/kernel/pci-dma.c");
const S_swiotlb_init_remap = sym("swiotlb_init_remap", "kernel/dma/swiotlb.c");
const S_xen_swiotlb_init_early = sym("xen_swiotlb_init_early", "drivers/xen/swiotlb-xen.c");
const S_xen_swiotlb_init = sym("xen_swiotlb_init", "drivers/xen/swiotlb-xen.c");
const S_xen_mm_init = sym("xen_mm_init", "arch/arm/xen/mm.c");

/**
 * The x86 PV dom0 boot pool at [base, base + nslabs << 11) (memblock, anywhere in RAM: SWIOTLB_ANY
 * in 5.19+, plain memblock_alloc before), its frames already exchanged by xen_swiotlb_fixup and its
 * metadata taken from memblock (xen_pv_swiotlb_alloc, swiotlb_boot_metadata): 5.19+ (3f70356edf56)
 * pci_xen_swiotlb_init → swiotlb_init_remap with xen_swiotlb_fixup as the remap callback; 5.13–5.18
 * xen_swiotlb_init_early and 5.6–5.12 xen_swiotlb_init(1, true): swiotlb_init_with_tbl (verbose in 5.6–5.12
 * and from 7fd880a38cfe, 5.15; not in 5.13–5.14), then swiotlb_set_max_segment(PAGE_SIZE).
 */
export function xen_pv_swiotlb_init(k: Kernel, base: number, nslabs: number): void {
  if (k.sw["3f70356edf56"]) {
    k.tr?.enter(S_pci_xen_swiotlb_init, {});
    // x86_swiotlb_flags: SWIOTLB_ANY (and FORCE with swiotlb=force), never SWIOTLB_VERBOSE (5.19 and 6.18.35
    // arch/x86/kernel/pci-dma.c pci_xen_swiotlb_init): the pool is reported later by pci_iommu_init
    k.tr?.enter(S_swiotlb_init_remap, { addressing_limit: "true", flags: k.swiotlb_force === "force" ? "SWIOTLB_FORCE | SWIOTLB_ANY" : "SWIOTLB_ANY", remap: "xen_swiotlb_fixup" });
    swiotlb_init_with_tbl(k, base, nslabs, false, { any: true, remap: true });
    k.tr?.exit();
    k.tr?.exit();
    return;
  }
  k.tr?.enter(k.sw["97729b653de5"] ? S_xen_swiotlb_init_early : S_xen_swiotlb_init, { start: hex(base), nslabs: String(nslabs) });
  // 5.6–5.8: start_dma_addr = xen_virt_to_bus(xen_io_tlb_start), the pool's machine address after the fixup (5.6.4 :244)
  if (!k.sw["ae4f0a17ee59"]) k.xen!.start_dma_addr = xen_phys_to_bus(k, base);
  // verbose: xen_swiotlb_init(1, true)'s 1 (5.6–5.12); xen_swiotlb_init_early's false (5.13–5.14), true from 7fd880a38cfe
  swiotlb_init_with_tbl(k, base, nslabs, !k.sw["97729b653de5"] || !!k.sw["7fd880a38cfe"]);
  // 5.6–5.12 `end:` xen_io_tlb_end = xen_io_tlb_start + bytes, the memblock_alloc'd linear address (5.10.7 swiotlb-xen.c:204, :255)
  if (!k.sw["97729b653de5"]) set_xen_io_tlb(k, base, nslabs);
  swiotlb_set_max_segment(k, PAGE_SIZE);
  k.tr?.exit();
}

/**
 * drivers/xen/swiotlb-xen.c xen_swiotlb_init's `end:` label (5.6–5.12; 5.6.4 :254, 5.10.7 and 5.12.9 :255):
 * xen_io_tlb_start (phys_to_virt(io_tlb_start) when reusing, else the buffer's linear address) and
 * xen_io_tlb_end = xen_io_tlb_start + bytes, bytes = xen_io_tlb_nslabs << IO_TLB_SHIFT (xen_set_nslabs).
 */
function set_xen_io_tlb(k: Kernel, phys: number, nslabs: number): void {
  const start = k.arch.__va(phys);
  k.xen!.xen_io_tlb_start = start;
  k.xen!.xen_io_tlb_end = start + nslabs * IO_TLB_SIZE;
}

/**
 * drivers/xen/swiotlb-xen.c xen_swiotlb_error(XEN_SWIOTLB_EFIXUP) (5.6–5.18): two lines (the string holds a "\n";
 * 5.6.4 :168–172, 5.10.7 :170–174, 5.14-rc5 :145–149, 5.15.178 :150–154)
 */
const EFIXUP = ["Failed to get contiguous memory for DMA from Xen!", "You either: don't have the permissions, do not have enough free memory under 4GB, or the hypervisor memory is too fragmented!"];

/**
 * The x86 PV dom0's boot buffer: its memblock allocation (anywhere in RAM) and xen_swiotlb_fixup in one place, with
 * each era's retry and failure (`tryAlloc(bytes, align)` gives memblock's address or null, `free` is memblock_free):
 * - 5.6–5.12 drivers/xen/swiotlb-xen.c xen_swiotlb_init(1, true) (5.6.4 :178–273, 5.10.7 :180–274): `retry:` —
 *   memblock_alloc(PAGE_ALIGN(bytes), PAGE_SIZE) or panic "%s: Failed to allocate %lu bytes align=0x%lx"; a failed
 *   fixup memblock_frees the buffer and, while `repeat--` (3 times), takes max(1024, nslabs >> 1) slabs with pr_info
 *   "Lowering to %luMB"; then pr_err("%s (rc:%d)\n") and panic("%s (rc:%d)") with xen_swiotlb_error(EFIXUP).
 * - 5.13–5.18 xen_swiotlb_init_early (5.14-rc5 :224–260, 5.15.178 :227–264, 5.17 :221–258): the same loop without
 *   the pr_err; from 9074c79b62b6 (5.15) aligned to IO_TLB_SEGSIZE << IO_TLB_SHIFT and the panic without the align;
 *   from d9a688add3d4 the halving is ALIGN(nslabs >> 1, IO_TLB_SEGSIZE); from cabb7f89b24e only while nslabs > 1024.
 * - 5.19+ kernel/dma/swiotlb.c swiotlb_init_remap with SWIOTLB_ANY and xen_swiotlb_fixup as its remap callback
 *   (swiotlb_boot_alloc: 5.19 halves on a refused remap and panics below IO_TLB_MIN_SLABS, 6.0+ pr_warns and halves).
 * An oops in the fixup (5.6–5.14: a chunk address wrapped below physical 0) happens in mem_init, in the idle task:
 * oops_end → rewind_stack_do_exit → do_exit panics "Attempted to kill the idle task!" (5.10.7 kernel/exit.c:728–729).
 */
export function xen_pv_swiotlb_alloc(k: Kernel, nslabs: number, tryAlloc: (bytes: number, align: number) => number | null, free: (base: number, bytes: number) => void): { base: number; nslabs: number } | null {
  const fixup = (base: number, n: number): number => {
    try {
      return xen_swiotlb_fixup(k, base, n);
    } catch (e) {
      if (e instanceof KernelFault && e.record.kind === "oops") throw new KernelFault({ ...e.record, lines: [...(e.record.lines ?? []), "Kernel panic - not syncing: Attempted to kill the idle task!"] });
      throw e;
    }
  };
  if (k.sw["3f70356edf56"]) return swiotlb_boot_alloc(k, nslabs, (bytes) => tryAlloc(bytes, PAGE_SIZE), { remap: fixup, free });
  const early = !!k.sw["97729b653de5"];
  const fn = early ? "xen_swiotlb_init_early" : "xen_swiotlb_init";
  const segAligned = !!k.sw["9074c79b62b6"];
  let repeat = 3;
  for (;;) {
    const bytes = swiotlb_buffer_bytes(nslabs);
    const base = tryAlloc(bytes, segAligned ? IO_TLB_SEGSIZE * IO_TLB_SIZE : PAGE_SIZE);
    if (base === null) {
      k.tr?.note(`memblock could not place ${bytes} bytes anywhere in RAM for ${nslabs} slabs`);
      k.fatal("panic", `Kernel panic - not syncing: ${fn}: Failed to allocate ${bytes} bytes${segAligned ? "" : ` align=0x${PAGE_SIZE.toString(16)}`}`, fn);
    }
    const rc = fixup(base, nslabs);
    if (rc === 0) return { base, nslabs };
    free(base, bytes);
    if (k.sw["cabb7f89b24e"] ? nslabs > 1024 && repeat-- > 0 : repeat-- > 0) {
      // "Min is 2MB": max(1024UL, nslabs >> 1), ALIGNed to IO_TLB_SEGSIZE from d9a688add3d4
      const half = Math.floor(nslabs / 2);
      nslabs = Math.max(1024, k.sw["d9a688add3d4"] ? Math.ceil(half / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE : half);
      k.printk("info", `xen:swiotlb_xen: Lowering to ${Math.floor((nslabs * IO_TLB_SIZE) / 2 ** 20)}MB`);
      continue;
    }
    if (!early) {
      // 5.6–5.12: pr_err("%s (rc:%d)\n", xen_swiotlb_error(m_ret), rc) before the panic
      k.printk("err", `xen:swiotlb_xen: ${EFIXUP[0]}`);
      k.printk("err", `${EFIXUP[1]} (rc:${rc})`);
    }
    // panic("%s (rc:%d)", xen_swiotlb_error(XEN_SWIOTLB_EFIXUP), rc): the message's second line follows on the console
    const message = `Kernel panic - not syncing: ${EFIXUP[0]}`;
    k.tr?.fault("panic", message);
    throw new KernelFault({ kind: "panic", message, lines: [`${EFIXUP[1]} (rc:${rc})`], step: k.step, pc: fn });
  }
}

/**
 * The slabs an x86 PV dom0's own pool code allocates, 0 for none: 5.6–5.12 drivers/xen/swiotlb-xen.c
 * xen_swiotlb_init(1, true) takes xen_set_nslabs(swiotlb_nr_tbl()), io_tlb_nslabs — 1 after
 * swiotlb=noforce (5.10.7 swiotlb-xen.c:148–156, :187; kernel/dma/swiotlb.c:124–126); 5.13–5.18
 * xen_swiotlb_init_early swiotlb_size_or_default() >> IO_TLB_SHIFT whatever noforce says (5.15.178
 * swiotlb-xen.c:229–230: its buffer is allocated and fixed up, swiotlb_init_with_tbl then returns 0
 * without a pool); 5.19+ swiotlb_init_remap returns first on swiotlb_force_disable (5.19 swiotlb.c:242).
 */
export function xen_pv_swiotlb_nslabs(k: Kernel): number {
  if (k.swiotlb_force !== "noforce") return swiotlb_boot_nslabs(k);
  if (k.sw["3f70356edf56"]) return 0;
  if (k.sw["97729b653de5"]) return swiotlb_boot_nslabs(k);
  return swiotlb_noforce_nslabs(k);
}

/**
 * arch/arm/xen/mm.c xen_mm_init (arch_initcall) for an ARM dom0 whose generic pool arm64's
 * mem_init already set up: 5.6–5.12 xen_swiotlb_init(1, false) reuses it and returns -ENOMEM without
 * touching max_segment (rc is never set on that path); 5.13–5.18 (97729b653de5) xen_swiotlb_init() warns "swiotlb buffer already
 * initialized" and returns -EEXIST ("we can work with the default swiotlb"); 5.19+ (3f70356edf56)
 * nothing (swiotlb_init_late only without a pool). The GNTTABOP_cache_flush probe (k.xen's
 * hypercall_cflush) follows in every version.
 */
export function xen_mm_init(k: Kernel): void {
  k.tr?.enter(S_xen_mm_init, {});
  // 5.6–5.14 test the pool's existence (5.14-rc5 xen_swiotlb_init `io_tlb_default_mem != NULL`, swiotlb-xen.c:167);
  // the swiotlb eras from 5.15 keep the static struct of 463e862ac63e and test `io_tlb_default_mem.nslabs` (5.15.178
  // swiotlb-xen.c:170; 5.19 and 6.1.166 arch/arm/xen/mm.c:128) — so the 0-slab pool swiotlb=0 leaves (5.15–5.19 "No
  // low mem") counts as none. (The switch 463e862ac63e itself is marked absent in dmasim 5.15 for its map path only.)
  const staticMem = era(k).name !== "5.6" && era(k).name !== "5.13";
  const pool = k.io_tlb_default_mem !== null && (!staticMem || k.io_tlb_default_mem.nslabs > 0);
  if (!pool) {
    // no mem_init pool (arm64 with all RAM below the DMA limit, 5.6–6.4): the late one (D25)
    const rc = k.sw["3f70356edf56"] ? swiotlb_init_late(k) : xen_swiotlb_init_late(k);
    if (rc < 0 && k.sw["97729b653de5"]) {
      // 5.13+: "if (rc < 0 && rc != -EEXIST) return rc;" (5.19+: "if (rc < 0) return rc;") — before the
      // GNTTABOP_cache_flush probe, so hypercall_cflush stays false (5.15.178 arch/arm/xen/mm.c xen_mm_init)
      if (k.xen) k.xen.hypercall_cflush = false;
      k.tr?.exit(String(rc));
      return;
    }
  } else if (!k.sw["3f70356edf56"]) {
    k.tr?.enter(S_xen_swiotlb_init, {});
    if (k.sw["97729b653de5"]) {
      k.printk("warn", "swiotlb buffer already initialized");
      k.tr?.exit("-EEXIST");
    } else {
      // "IO TLB memory already allocated. Just use it.": `goto end` with rc still -ENOMEM, so `if (!rc)
      // swiotlb_set_max_segment(PAGE_SIZE)` is skipped — max_segment stays what swiotlb_init_with_tbl set
      // (5.6.4 swiotlb-xen.c:181, :193–196, :253–258; 5.10.7 and 5.12.9 :183, :195–198, :254–259); xen_mm_init
      // ignores the return (5.10.7 arch/arm/xen/mm.c:143). xen_io_tlb_nslabs = swiotlb_nr_tbl() = io_tlb_nslabs
      // (:187), so xen_io_tlb_end is the generic pool's end
      set_xen_io_tlb(k, k.io_tlb_default_mem!.start, k.io_tlb_default_mem!.nslabs);
      k.tr?.exit("-ENOMEM");
    }
  }
  k.tr?.exit("0");
}

// ---------------------------------------------------------------------------------------------
// the late pool: an ARM dom0 whose mem_init made none (D25)

const S_swiotlb_init_late = sym("swiotlb_init_late", "kernel/dma/swiotlb.c");
const S_swiotlb_late_init_with_tbl = sym("swiotlb_late_init_with_tbl", "kernel/dma/swiotlb.c");
/** The physical address of an alloc_pages result, -1 for NULL. */
function pagePhys(k: Kernel, page: number): number {
  return page === 0 ? -1 : k.page_to_phys(page);
}

/**
 * arch/arm/xen/mm.c xen_swiotlb_gfp (5.19–6.4; the same test inside 5.6–5.18's xen_get_swiotlb_free_pages):
 * __GFP_DMA32 when some memblock region starts below 4 GiB (arm64 has ZONE_DMA32), else nothing extra.
 */
function xen_swiotlb_gfp(k: Kernel): number {
  return k.mem.banks.some((b) => b.start < 0xffff_ffff) ? __GFP_DMA32 : 0;
}

/**
 * arch/arm/xen/mm.c xen_get_swiotlb_free_pages (5.6–5.18): __GFP_NOWARN | __GFP_KSWAPD_RECLAIM, plus
 * __GFP_DMA32 when a memblock region starts below 4 GiB (arm64 has ZONE_DMA32), then __get_free_pages.
 */
function xen_get_swiotlb_free_pages(k: Kernel, order: number): number {
  return pagePhys(k, alloc_pages(k, __GFP_NOWARN | __GFP_KSWAPD_RECLAIM | xen_swiotlb_gfp(k), order, "swiotlb-xen buffer"));
}

/**
 * drivers/xen/swiotlb-xen.c xen_swiotlb_init (5.6–5.12: (1, false); 5.13–5.18: the late one) for an ARM
 * dom0 without a pool: from get_order(bytes) down, the first order the page allocator gives (at most
 * MAX_ORDER - 1: 4 MiB of the default 64), pr_warn "Warning: only able to allocate %ld MB for software IO
 * TLB" when smaller, xen_swiotlb_fixup (nothing on ARM), swiotlb_late_init_with_tbl (its metadata from the
 * page allocator too), swiotlb_set_max_segment(PAGE_SIZE). A failed loop retries with half the slabs, at
 * least 1,024 ("Lowering to %luMB"), three times — 5.13–5.14 asking the same orders again (bytes unchanged), 5.15+
 * not at all (79ca5f778aaf) — then pr_err "%s (rc:%d)" with xen_swiotlb_error's "Cannot allocate Xen-SWIOTLB buffer\n".
 * 5.6–5.12 start from swiotlb_nr_tbl() — io_tlb_nslabs, which swiotlb=noforce sets to 1 (5.10.7
 * kernel/dma/swiotlb.c:124–126, swiotlb-xen.c:187; xen_set_nslabs keeps any non-zero count, :148–156):
 * one slab is order 0, below the loop's floor (SLABS_PER_PAGE << order must exceed IO_TLB_MIN_SLABS = 512),
 * so nothing is tried, "Lowering to 2MB", and the 1,024-slab retry (order 9) gets its 2 MiB; this era's
 * swiotlb_late_init_with_tbl has no NO_FORCE test, so that is the pool. They test `order !=
 * get_order(bytes)` whether or not a block was found (5.10.7 :218–222; 5.14-rc5 and 5.15.178 only after
 * `if (!start)`).
 */
export function xen_swiotlb_init_late(k: Kernel): number {
  k.tr?.enter(S_xen_swiotlb_init, {});
  const v513 = !!k.sw["97729b653de5"];
  let nslabs = !v513 && k.cfg.swiotlb_force === "noforce" ? 1 : swiotlb_boot_nslabs(k);
  // 5.13+: `bytes = swiotlb_size_or_default()`, and `order = get_order(bytes)` at each retry — the error path halves
  // nslabs only, so a retry asks the same orders (5.14-rc5 :161–174, :210–217); 5.6–5.12 recompute it from the halved
  // xen_io_tlb_nslabs (5.10.7 :188–190)
  let bytes = nslabs * IO_TLB_SIZE;
  for (let repeat = 3; ; ) {
    let order = get_order(v513 ? bytes : nslabs * IO_TLB_SIZE);
    const want = order;
    let start = -1;
    while ((SLABS_PER_PAGE << order) > IO_TLB_MIN_SLABS) {
      start = xen_get_swiotlb_free_pages(k, order);
      if (start >= 0) break;
      order--;
    }
    if (!v513 && start < 0 && order !== want) {
      // 5.6–5.12: the warning and the smaller count even when no block was found
      k.printk("warn", `xen:swiotlb_xen: Warning: only able to allocate ${(PAGE_SIZE << order) >> 20} MB for software IO TLB`);
      nslabs = SLABS_PER_PAGE << order;
    }
    if (start >= 0) {
      if (order !== want) {
        k.printk("warn", `xen:swiotlb_xen: Warning: only able to allocate ${(PAGE_SIZE << order) >> 20} MB for software IO TLB`);
        nslabs = SLABS_PER_PAGE << order;
        bytes = nslabs * IO_TLB_SIZE;
      }
      // 5.6–5.8: start_dma_addr = xen_virt_to_bus(xen_io_tlb_start) after the fixup (5.6.4 :244; ARM's P2M: the address itself)
      if (!k.sw["ae4f0a17ee59"]) k.xen!.start_dma_addr = xen_phys_to_bus(k, start);
      swiotlb_late_init_with_tbl(k, start, nslabs);
      if (!v513) set_xen_io_tlb(k, start, nslabs); // 5.6–5.12 `end:` (5.13+ has no xen_io_tlb_end)
      swiotlb_set_max_segment(k, PAGE_SIZE);
      k.tr?.exit("0");
      return 0;
    }
    // 79ca5f778aaf (5.15): a failed allocation goes to `exit` (5.15.178 :190–191), no retry — the `error:` retry
    // (ALIGNed, while nslabs > 1024: d9a688add3d4, cabb7f89b24e) follows only a failed fixup, which ARM's never is;
    // 5.6–5.14: `if (repeat--)`, max(1024UL, nslabs >> 1) and "Lowering to %luMB" (5.10.7 :260–266, 5.14-rc5 :210–216)
    if (!k.sw["79ca5f778aaf"] && repeat-- > 0) {
      nslabs = Math.max(1024, Math.floor(nslabs / 2));
      k.printk("info", `xen:swiotlb_xen: Lowering to ${Math.floor((nslabs * IO_TLB_SIZE) / 2 ** 20)}MB`);
      continue;
    }
    // pr_err("%s (rc:%d)\n", xen_swiotlb_error(m_ret), rc): the error string ends in "\n" itself, so the
    // log shows two lines (5.10.7 and 5.15.178 drivers/xen/swiotlb-xen.c:149)
    k.printk("err", "xen:swiotlb_xen: Cannot allocate Xen-SWIOTLB buffer");
    k.printk("err", " (rc:-12)");
    k.tr?.exit("-ENOMEM");
    return -12;
  }
}

/** The page-allocator blocks a late swiotlb init takes for its metadata after the buffer, as the era lists them (swiotlb_late_metadata). */
function late_metadata(k: Kernel, nslabs: number): void {
  for (const b of swiotlb_late_metadata(k, nslabs)) alloc_pages(k, b.zero ? GFP_KERNEL | __GFP_ZERO : GFP_KERNEL, get_order(b.bytes), b.what);
}

/**
 * kernel/dma/swiotlb.c swiotlb_late_init_with_tbl (5.6–5.18) on a late buffer: its metadata from the page
 * allocator after the buffer (the era's list), then the pool is set up and printed. From the 5.13 era it
 * starts with `if (swiotlb_force == SWIOTLB_NO_FORCE) return 0;` (5.14-rc5 swiotlb.c:288–289, 5.15.178
 * :309–310), before any allocation: swiotlb=noforce leaves the buffer xen_swiotlb_init found and nothing
 * else; 5.6–5.12's has no such test (5.10.7 :331–342, 5.12.9 :366–377).
 */
function swiotlb_late_init_with_tbl(k: Kernel, start: number, nslabs: number): void {
  k.tr?.enter(S_swiotlb_late_init_with_tbl, { tlb: hex(start), nslabs: String(nslabs) });
  if (era(k).name !== "5.6" && k.swiotlb_force === "noforce") {
    k.tr?.decide("swiotlb_force == SWIOTLB_NO_FORCE", true, "swiotlb=noforce: return 0 before the metadata and the pool");
    k.tr?.exit("0");
    return;
  }
  late_metadata(k, nslabs);
  swiotlb_init_late_pool(k, start, nslabs);
  k.tr?.exit("0");
}

/**
 * kernel/dma/swiotlb.c swiotlb_init_late (5.19–6.4), as arch/arm/xen/mm.c xen_mm_init calls it without a
 * pool (size swiotlb_size_or_default(), gfp xen_swiotlb_gfp(): __GFP_DMA32 with RAM below 4 GiB, no remap):
 * from get_order(size) down, the first order __get_free_pages(gfp | __GFP_NOWARN) gives; pr_warn "only
 * able to allocate %ld MB" when it had to go lower; then (6.0+) mem->areas (one page) and mem->slots
 * (GFP_KERNEL | __GFP_ZERO, 24 bytes a slot) from the page allocator (5.19: the slots only), and the pool;
 * nothing with swiotlb=noforce (swiotlb_force_disable).
 */
function swiotlb_init_late(k: Kernel): number {
  k.tr?.enter(S_swiotlb_init_late, { gfp: "xen_swiotlb_gfp()", remap: "NULL" });
  if (k.cfg.swiotlb_force === "noforce") {
    // swiotlb=noforce sets swiotlb_force_disable: no pool at all
    k.tr?.exit("0");
    return 0;
  }
  // `nslabs = ALIGN(size >> IO_TLB_SHIFT, IO_TLB_SEGSIZE)` of the caller's swiotlb_size_or_default(), taken before 6.0+'s
  // `if (!default_nareas) swiotlb_adjust_nareas(num_possible_cpus())` (6.1.166 swiotlb.c:431, :441–442; 6.6.63 :434,
  // :460–461) rounds default_nslabs up: swiotlb=0 asks get_order(0) = 52, and `SLABS_PER_PAGE << order`, an int shifted
  // by 52, is what the compiled 32-bit shift gives (the count masked to 5 bits, as JS's <<): orders 52..41 fail
  const size = swiotlb_size_or_default(k);
  swiotlb_late_nareas(k);
  let nslabs = Math.ceil(Math.floor(size / IO_TLB_SIZE) / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE;
  let order = get_order(nslabs * IO_TLB_SIZE);
  nslabs = SLABS_PER_PAGE << order;
  let retried = false;
  let start = -1;
  const gfp = GFP_KERNEL | xen_swiotlb_gfp(k);
  while ((SLABS_PER_PAGE << order) > IO_TLB_MIN_SLABS) {
    start = pagePhys(k, alloc_pages(k, gfp | __GFP_NOWARN, order, "swiotlb buffer (late)"));
    if (start >= 0) break;
    order--;
    nslabs = SLABS_PER_PAGE << order;
    retried = true;
  }
  if (start < 0) {
    k.tr?.exit("-ENOMEM");
    return -12;
  }
  if (retried) k.printk("warn", `software IO TLB: only able to allocate ${(PAGE_SIZE << order) >> 20} MB`);
  late_metadata(k, nslabs);
  swiotlb_init_late_pool(k, start, nslabs);
  k.tr?.exit("0");
  return 0;
}

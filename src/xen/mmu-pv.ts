/**
 * x86 PV dom0 memory (arch/x86/xen/mmu_pv.c, p2m.c): the hypervisor's free machine memory, the
 * P2M set-up with scattered machine frames, and xen_create_contiguous_region /
 * xen_destroy_contiguous_region through XENMEM_exchange.
 */
import type { Kernel } from "../kernel.js";
import { sym } from "../core/trace.js";
import { PAGE_SIZE, hex } from "../core/u64.js";
import { PvP2M } from "./p2m.js";
import { __free_pages, alloc_pages } from "../mm/mm.js";
import { GFP_KERNEL } from "../include/gfp.js";
import { DmasimInternalError } from "../core/faults.js";
import type { Bank } from "../mm/physmem.js";

const S_create = sym("xen_create_contiguous_region", "arch/x86/xen/mmu_pv.c");
const S_destroy = sym("xen_destroy_contiguous_region", "arch/x86/xen/mmu_pv.c");
const S_exchange = sym("HYPERVISOR_memory_op", "arch/x86/include/asm/xen/hypercall.h");
const S_exchange_memory = sym("xen_exchange_memory", "arch/x86/xen/mmu_pv.c");

/** arch/x86/xen/mmu_pv.c MAX_CONTIG_ORDER (≤ 6.13; MIN_CONTIG_ORDER from e93ec87286bd): 2 MiB */
export const MAX_CONTIG_ORDER = 9;
const S_alloc_discontig = sym("alloc_discontig_frames", "arch/x86/xen/mmu_pv.c");

/** The order xen_create_contiguous_region accepts now: MAX_CONTIG_ORDER, or discontig_frames_order with e93ec87286bd */
function discontig_frames_order(k: Kernel): number {
  return k.xen!.discontig_frames?.order ?? MAX_CONTIG_ORDER;
}

/**
 * arch/x86/xen/mmu_pv.c alloc_discontig_frames (e93ec87286bd, 6.14; stable 6.1.166, 6.12.19): a
 * frame list for 2^order frames from __get_free_pages(GFP_KERNEL, order - MIN_CONTIG_ORDER); the
 * larger list replaces the old one, which is freed — the boot one too, a page xen_after_bootmem took
 * (0, or -ENOMEM when the pages are not there)
 */
function alloc_discontig_frames(k: Kernel, order: number): number {
  k.tr?.enter(S_alloc_discontig, { order: String(order) });
  const page = alloc_pages(k, GFP_KERNEL, order - MAX_CONTIG_ORDER, "alloc_discontig_frames");
  if (!page) {
    k.tr?.exit("-ENOMEM");
    return -12;
  }
  const x = k.xen!;
  const old = x.discontig_frames;
  // `if (order > discontig_frames_order || !discontig_frames_dyn)`: the new list replaces the old one (the
  // static array is not freed), else the new pages go back
  if (!old || order > old.order) {
    x.discontig_frames = { order, page };
    if (old) __free_pages(k, old.page, old.order - MAX_CONTIG_ORDER);
  } else __free_pages(k, page, order - MAX_CONTIG_ORDER);
  k.tr?.exit("0");
  return 0;
}

/**
 * arch/x86/xen/mmu_pv.c xen_after_bootmem (x86_init.hyper.init_after_bootmem, called by mem_init right after
 * memblock_free_all; 5.6–6.18): with e93ec87286bd (6.14; stable 6.1.166, 6.12.19 — 6.1.166 mmu_pv.c:840–849,
 * 6.12.19 :855–865, 6.18.35 :853–862) it ends with alloc_discontig_frames(MIN_CONTIG_ORDER), BUG() on failure:
 * the frame list moves from the static __initdata array to a page of its own (discontig_frames_dyn), the
 * first page the buddy allocator hands out. Before the commit nothing here touches the page allocator (the
 * pinning it does is not modelled).
 *
 * The BUG() (kernel BUG at arch/x86/xen/mmu_pv.c:849 in 6.1.166, :864 in 6.12.19, :862 in 6.18.35) is
 * unreachable in the model: the order-0 GFP_KERNEL page comes from a page allocator that has just been
 * given every free memblock page. x86_64-xen-pv's RAM is [1 MiB, 16 MiB) below the kernel image and one
 * region above it that is more than half of RAM; the only allocations a scenario sizes are CMA (at most
 * half of RAM: src/scenario/config.ts) and the one contiguous swiotlb buffer, placed top-down. After CMA
 * the region above keeps free bytes; the buffer takes them only if it fits there, and then the region
 * below stays free; else it goes below (or the boot is refused as not fitting) and the region above
 * keeps them. (mem=1G with the largest pool that boots, swiotlb=491520: 3,835 free pages.) So a
 * failure here is a dmasim bug (DmasimInternalError), not kernel output.
 */
export function xen_after_bootmem(k: Kernel): void {
  if (!k.sw["e93ec87286bd"]) return;
  if (alloc_discontig_frames(k, MAX_CONTIG_ORDER)) throw new DmasimInternalError("xen_after_bootmem: alloc_discontig_frames(MIN_CONTIG_ORDER) found no free page right after memblock_free_all; the page allocator always holds RAM below the kernel image there, so no kernel reaches this BUG()");
}

/**
 * The hypervisor's free machine frames, as free extents. Xen hands out the highest suitable
 * block below an address limit (its allocator prefers high memory and honours address_bits).
 */
export class XenHeap {
  /** free extents [start, end) in machine frames, sorted and disjoint (adjacent ones merged) */
  private free: [number, number][] = [];

  add(start: number, end: number) {
    this.release(start, end - start);
  }

  /** An aligned extent of 2^order frames entirely below 2^address_bits, from the top; null if none. */
  alloc(order: number, address_bits: number): number | null {
    const n = 2 ** order;
    const limit = address_bits >= 52 ? Infinity : 2 ** (address_bits - 12);
    for (let i = this.free.length - 1; i >= 0; i--) {
      const [s, e] = this.free[i]!;
      if (s >= limit) continue;
      const top = Math.min(e, limit);
      const start = Math.floor((top - n) / n) * n;
      if (start >= s && start + n <= top) {
        const rest: [number, number][] = [];
        if (start > s) rest.push([s, start]);
        if (start + n < e) rest.push([start + n, e]);
        this.free.splice(i, 1, ...rest);
        return start;
      }
    }
    return null;
  }

  /**
   * The smallest address_bits ≥ fromBits for which alloc(order, address_bits) finds an extent
   * (Infinity: none): alloc succeeds below a limit exactly when the lowest aligned 2^order block
   * of some free extent ends at or below it.
   */
  lowestBits(order: number, fromBits: number): number {
    const n = 2 ** order;
    const f = this.free;
    let end = Infinity; // the lowest end of an aligned block inside a free extent
    for (let i = 0; i < f.length; i++) {
      const x = f[i]!;
      const start = Math.ceil(x[0] / n) * n;
      if (start + n <= x[1]) {
        end = start + n;
        break; // extents are sorted: the first that holds a block holds the lowest one
      }
    }
    if (end === Infinity) return Infinity;
    let bits = fromBits;
    let limit = 2 ** (bits - 12);
    while (bits < 52 && limit < end) {
      bits++;
      limit *= 2;
    }
    return bits;
  }

  /** Frames given back: inserted in order and merged with their neighbours. */
  release(mfn: number, count: number) {
    const f = this.free;
    let lo = 0;
    let hi = f.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (f[mid]![0] < mfn) lo = mid + 1;
      else hi = mid;
    }
    let start = mfn;
    let end = mfn + count;
    let at = lo;
    let del = 0;
    if (at > 0 && f[at - 1]![1] >= start) {
      at--;
      start = f[at]![0];
      end = Math.max(end, f[at]![1]);
      del++;
    }
    while (at + del < f.length && f[at + del]![0] <= end) {
      end = Math.max(end, f[at + del]![1]);
      del++;
    }
    f.splice(at, del, [start, end]);
  }

  /** One single frame anywhere (exchange out of a region gives back single frames, no limit). */
  allocOne(): number | null {
    return this.alloc(0, 64);
  }
}

/**
 * The domain builder (Xen's dom0 construction) and arch/x86/xen/p2m.c xen_build_dynamic_phys_to_machine: dom0's
 * nr_pages pseudo-physical frames are backed by machine frames handed out high-to-low in 2 MiB chunks from the top
 * of machine RAM, so pfn+1 need not be mfn+1 across a chunk and low pfns sit in high machine memory; the P2M list
 * covers ALIGN(nr_pages, P2M_PER_PAGE). Xen's heap is the rest of the machine's RAM above Xen's own 64 MiB. On the
 * PC map the top of RAM is above 4 GiB, and max(16 GiB, 2 × dom0_mem) of RAM leaves at least dom0_mem there.
 */
export function xen_pv_setup_p2m(k: Kernel, nr_pages: number, machineRam: readonly Bank[]): void {
  const x = k.xen!;
  const CH = 512;
  const chunks = Math.ceil(nr_pages / CH);
  const top = machineRam[machineRam.length - 1]!;
  const topChunk = Math.floor((top.start + top.size) / PAGE_SIZE / CH);
  const dom0Start = (topChunk - chunks) * CH;
  if (dom0Start * PAGE_SIZE < top.start) throw new DmasimInternalError(`xen_pv_setup_p2m: dom0's ${nr_pages} pages do not fit in the machine's top RAM entry`);
  x.p2m = new PvP2M(Math.ceil(nr_pages / CH) * CH, topChunk);
  const xenOwn = (64 * 1024 * 1024) / PAGE_SIZE;
  for (const b of machineRam) {
    const s = Math.max(xenOwn, Math.ceil(b.start / PAGE_SIZE));
    const e = Math.min(dom0Start, Math.floor((b.start + b.size) / PAGE_SIZE));
    if (e > s) x.heap!.add(s, e);
  }
}

/**
 * arch/x86/xen/mmu_pv.c xen_create_contiguous_region (5.6–6.18): refuse order > 9 (6.14+, e93ec87286bd:
 * grow the frame list with alloc_discontig_frames first); zero the region;
 * XENMEM_exchange the 2^order scattered frames for one machine-contiguous extent below
 * address_bits; remap the P2M (and PTEs) to it. Returns the machine address of pstart, or -ENOMEM.
 */
export function xen_create_contiguous_region(k: Kernel, pstart: number, order: number, address_bits: number): { rc: number; dma_handle: number } {
  k.tr?.enter(S_create, { pstart: hex(pstart), order: String(order), address_bits: String(address_bits) });
  const x = k.xen!;
  if (order > discontig_frames_order(k)) {
    // e93ec87286bd (6.14): grow the frame list instead of failing (discontig_frames_dyn is set once
    // the page allocator runs, so every call the model makes may grow it)
    if (!k.sw["e93ec87286bd"]) {
      k.tr?.exit("-ENOMEM (order > MAX_CONTIG_ORDER)");
      return { rc: -12, dma_handle: 0 };
    }
    if (!x.discontig_frames) {
      // `if (!discontig_frames_dyn) return -ENOMEM;`: before xen_after_bootmem (the boot-time swiotlb fixup)
      k.tr?.exit("-ENOMEM (!discontig_frames_dyn)");
      return { rc: -12, dma_handle: 0 };
    }
    if (alloc_discontig_frames(k, order)) {
      k.tr?.exit("-ENOMEM (alloc_discontig_frames)");
      return { rc: -12, dma_handle: 0 };
    }
  }
  const pfn0 = Math.floor(pstart / PAGE_SIZE);
  const n = 2 ** order;
  const old = x.p2m!.frames(pfn0, n);
  memsetRegion(k, pstart, old, n); // the region is zeroed before its frames go back to Xen
  // xen_zap_pfn_range (remembering the MFNs), then xen_exchange_memory(1UL << order, 0, in_frames, 1, order,
  // &out_frame, address_bits), then xen_remap_exchanged_ptes with the new extent or the old frames
  k.tr?.enter(S_exchange_memory, { extents_in: String(n), order_in: "0", extents_out: "1", order_out: String(order), address_bits: String(address_bits) });
  k.tr?.enter(S_exchange, { cmd: "XENMEM_exchange", in: `${n} × order 0`, out: `1 × order ${order}`, address_bits: String(address_bits) });
  const first = x.heap!.alloc(order, address_bits);
  if (first === null) {
    k.tr?.exit("-ENOMEM, nr_exchanged 0 (no contiguous extent below the limit)");
    k.tr?.exit("0 (not exchanged)");
    // the caller's step 3 (5.6.4 mmu_pv.c:2618–2621): xen_remap_exchanged_ptes(vstart, order, in_frames, 0)
    k.tr?.note("xen_remap_exchanged_ptes: the original frames back in the region's PTEs and P2M entries");
    // *dma_handle = virt_to_machine(vstart).maddr: the original first frame's machine address, unused by the callers
    k.tr?.exit("-ENOMEM");
    return { rc: -12, dma_handle: old[0]! * PAGE_SIZE };
  }
  exchanged(k, pfn0, n, old, first);
  k.tr?.exit(`0: mfn ${hex(first)}..${hex(first + n - 1)}`);
  k.tr?.exit("1 (exchanged)");
  // the caller's step 3 (5.6.4 mmu_pv.c:2618–2619): xen_remap_exchanged_ptes(vstart, order, NULL, out_frame)
  k.tr?.note(`xen_remap_exchanged_ptes: the region's PTEs and P2M entries name the new extent, mfn ${hex(first)}..${hex(first + n - 1)}`);
  k.tr?.exit(`0, *dma_handle = ${hex(first * PAGE_SIZE)}`);
  return { rc: 0, dma_handle: first * PAGE_SIZE };
}

/**
 * xen_create_contiguous_region's memset((void *)vstart, 0, PAGE_SIZE << order) (5.10.7 mmu_pv.c:2286, 6.18.35 :2378),
 * through the linear map, which holds only pfns the P2M backs with a machine frame: an e820 hole's identity pfn is
 * never mapped (init_mem_mapping maps memblock.memory; the remap loop's 1:1 PTEs reach only max_pfn_mapped, below
 * 1 MiB) and an extra-memory pfn's PTE is not present (pte_pfn_to_mfn of INVALID_P2M_ENTRY) — the memset faults
 * there, so a region holding either is never exchanged. The kernel has no test of its own: XENMEM_exchange is
 * never reached. Else the frames old[0..n) are zeroed, a machine-contiguous stretch at a time.
 */
function memsetRegion(k: Kernel, pstart: number, old: readonly number[], n: number): void {
  for (let i = 0; i < n; ) {
    // a pfn past the dom0's RAM (swiotlb=0's 0-byte memblock_alloc sits at its top, 5.15–5.19): no frame and no
    // direct-map PTE (xen_setup_kernel_pagetable / init_mem_mapping map RAM only) — memset faults at its first byte,
    // after zeroing the frames before it
    if (old[i]! < 0) k.oops(k.arch.L.PAGE_OFFSET + pstart + i * PAGE_SIZE, "xen_create_contiguous_region", true);
    const r = machineRun(old, i);
    k.mem.fill(old[i]! * PAGE_SIZE, 0, r * PAGE_SIZE);
    i += r;
  }
}

/** A successful XENMEM_exchange: pfn0.. now backed by first..; the old frames back to Xen's heap. */
function exchanged(k: Kernel, pfn0: number, n: number, old: readonly number[], first: number): void {
  const x = k.xen!;
  x.p2m!.setRange(pfn0, n, first);
  // the old frames back to Xen's heap (frame by frame or a stretch at once: the merged free list is the same)
  for (let i = 0; i < n; ) {
    const r = machineRun(old, i);
    x.heap!.release(old[i]!, r);
    i += r;
  }
}

/**
 * xen_create_contiguous_region(k, pstart, order, bits) for bits = minBits, minBits + 1, … ≤ maxBits
 * until one succeeds, as xen_swiotlb_fixup asks (not a kernel function: its outcome in one step,
 * for an untraced boot). A failed call's only effect is zeroing the region, the same bytes each
 * time, and Xen's heap answers a limit it cannot meet with nothing; so the region is zeroed once
 * and the first limit the heap can meet (XenHeap.lowestBits) is asked once: the same P2M, M2P,
 * heap and RAM as the calls one by one. Returns the number of calls that would have been made,
 * or 0 when none succeeds (-ENOMEM). Orders above discontig_frames_order are not handled here.
 */
export function create_contiguous_region_lowest(k: Kernel, pstart: number, order: number, minBits: number, maxBits: number): number {
  const x = k.xen!;
  // its one caller, xen_swiotlb_fixup, asks for order 6 (IO_TLB_SEGSIZE slabs), never above MAX_CONTIG_ORDER
  if (order > discontig_frames_order(k)) throw new DmasimInternalError(`create_contiguous_region_lowest: order ${order} above the frame list (xen_swiotlb_fixup asks for order 6)`);
  const pfn0 = Math.floor(pstart / PAGE_SIZE);
  const n = 2 ** order;
  const old = x.p2m!.frames(pfn0, n);
  memsetRegion(k, pstart, old, n);
  const bits = x.heap!.lowestBits(order, minBits);
  if (bits > maxBits) return 0;
  exchanged(k, pfn0, n, old, x.heap!.alloc(order, bits)!);
  return bits - minBits + 1;
}

/** How many frames from old[i] on are machine-contiguous (old[i], old[i] + 1, …). */
function machineRun(old: readonly number[], i: number): number {
  let r = 1;
  while (i + r < old.length && old[i + r] === old[i]! + r) r++;
  return r;
}

/** arch/x86/xen/mmu_pv.c xen_destroy_contiguous_region (5.6–6.18; nothing beyond discontig_frames_order): exchange the extent back for single frames (no address limit) */
export function xen_destroy_contiguous_region(k: Kernel, pstart: number, order: number): void {
  k.tr?.enter(S_destroy, { pstart: hex(pstart), order: String(order) });
  const x = k.xen!;
  if (order > discontig_frames_order(k)) {
    k.tr?.exit();
    return;
  }
  const pfn0 = Math.floor(pstart / PAGE_SIZE);
  const n = 2 ** order;
  for (let i = 0; i < n; i++) k.mem.fill(x.p2m!.get(pfn0 + i) * PAGE_SIZE, 0, PAGE_SIZE);
  const extent = x.p2m!.get(pfn0);
  // xen_exchange_memory(1, order, &in_frame, 1UL << order, 0, out_frames, 0): any single frames, no address limit
  k.tr?.enter(S_exchange_memory, { extents_in: "1", order_in: String(order), extents_out: String(n), order_out: "0", address_bits: "0" });
  k.tr?.enter(S_exchange, { cmd: "XENMEM_exchange", in: `1 × order ${order} (mfn ${hex(extent)})`, out: `${n} × order 0`, address_bits: "0" });
  const fresh: number[] = [];
  for (let i = 0; i < n; i++) fresh.push(x.heap!.allocOne()!);
  for (let i = 0; i < n; i++) x.p2m!.setRange(pfn0 + i, 1, fresh[i]!);
  x.heap!.release(extent, n);
  k.tr?.exit("0");
  k.tr?.exit("1 (exchanged)");
  // xen_destroy_contiguous_region's step 3 (5.6.4 mmu_pv.c:2655–2656): xen_remap_exchanged_ptes(vstart, order, out_frames, 0)
  k.tr?.note("xen_remap_exchanged_ptes: the region's PTEs and P2M entries name the single frames Xen gave back");
  k.tr?.exit();
}

/**
 * drivers/iommu/iommu.c: the IOMMU API the DMA layer calls — iommu_map (split into the largest page
 * sizes the domain supports, iommu_pgsize), iommu_unmap_fast with an iotlb gather, iommu_iotlb_sync,
 * iommu_flush_iotlb_all, iommu_map_sg, iommu_iova_to_phys — and struct iommu_domain. Read from
 * ejga2001/linux-5.10.7 (5.6–5.14 form: one page size per ops->map call) and yishangzhang/linux-5.19
 * (5.15+ form with 4a77b12deb25's map_pages: iommu_pgsize also returns how many pages of that size
 * fit before the next larger size could be used).
 */
import type { Kernel } from "../../kernel.js";
import { hex } from "../../core/u64.js";
import { sym } from "../../core/trace.js";
import type { IommuIotlbGather } from "./io-pgtable-arm/common.js";
import { GFP_ATOMIC, gfpName } from "../../include/gfp.js";

/** The era boundary: map_pages/unmap_pages (io-pgtable-arm 4a77b12deb25 and its series, 5.15). */
export const MAP_PAGES = "4a77b12deb25";

/** struct iommu_domain_ops / iommu_ops: what an IOMMU driver implements for a domain. */
export interface IommuDomainOps {
  name: string;
  file: string;
  /** gfp: what iommu_map passed on (6.3+: the caller's; before it GFP_ATOMIC from dma-iommu's *_atomic calls) */
  /** `mapped.ptes`: the leaf descriptors written, when the driver writes more than one per pgsize (VT-d's 4 KiB leaves under INTEL_IOMMU_PGSIZES); the model's map bound counts them */
  map(k: Kernel, d: IommuDomain, iova: number, paddr: number, pgsize: number, pgcount: number, prot: number, gfp: number, mapped: { n: number; ptes?: number }): number;
  unmap(k: Kernel, d: IommuDomain, iova: number, pgsize: number, pgcount: number, gather: IommuIotlbGather): number;
  iotlb_sync(k: Kernel, d: IommuDomain, gather: IommuIotlbGather): void;
  flush_iotlb_all(k: Kernel, d: IommuDomain): void;
  iova_to_phys(k: Kernel, d: IommuDomain, iova: number): number;
}

/** What a device behind an IOMMU carries: dev->iommu_group's default domain, which IOMMU, and its stream / requester id. */
export interface DeviceIommu {
  domain: IommuDomain;
  kind: "smmu-v3" | "vt-d";
  sid: number;
  /** dev_warn_once state of dma-iommu's "DMA bounce buffers are inactive" (f316ba0a8814) */
  bounce_inactive_warned?: boolean;
  /** dev->dma_iommu (6.12+, b5c58b2fdc42): mapping.c calls dma-iommu directly (use_dma_iommu) */
  dma_iommu?: boolean;
  /** dev->iommu->pci_32bit_workaround (6.6+, 791c2b17fb40): try 32-bit IOVAs first until one attempt fails */
  pci_32bit_workaround?: boolean;
}

/** struct iommu_domain (a DMA domain: IOMMU_DOMAIN_DMA, or a passthrough IOMMU_DOMAIN_IDENTITY). */
export interface IommuDomain {
  type: "DMA" | "IDENTITY";
  pgsize_bitmap: number;
  geometry: { aperture_start: number; aperture_end: number; force_aperture: boolean };
  ops: IommuDomainOps;
  /** the dma-iommu cookie (iova domain + flush queue), set by iommu_get_dma_cookie */
  iova_cookie: unknown;
  /** the driver's private domain (struct arm_smmu_domain …) */
  priv: unknown;
}

const S_map = sym("iommu_map", "drivers/iommu/iommu.c");
/** 5.6–6.2: dma-iommu's atomic callers (gone with 4dc6376af596, the 1369459b2e21 series, 6.3) */
const S_map_atomic = sym("iommu_map_atomic", "drivers/iommu/iommu.c");
const S___map = sym("__iommu_map", "drivers/iommu/iommu.c");
const S_map_sg = sym("iommu_map_sg", "drivers/iommu/iommu.c");
const S_map_sg_atomic = sym("iommu_map_sg_atomic", "drivers/iommu/iommu.c");
/** 6.3 (1369459b2e21 and its series): iommu_map / iommu_map_sg take a gfp; iommu_map_atomic / iommu_map_sg_atomic are gone */
export const IOMMU_MAP_GFP = "1369459b2e21";
const S_unmap = sym("iommu_unmap_fast", "drivers/iommu/iommu.c");
const S_sync = sym("iommu_iotlb_sync", "include/linux/iommu.h");
/** its name before aae4c8e27bd7 (5.10) */
const S_tlb_sync = sym("iommu_tlb_sync", "include/linux/iommu.h");

/** __ffs: the index of the lowest set bit (x > 0, exact up to 2^53). */
function ffs(x: number): number {
  let n = 0;
  while (x % 2 === 0) { x /= 2; n++; }
  return n;
}
/** __fls: the index of the highest set bit (x > 0). */
function fls(x: number): number {
  let n = -1;
  while (x >= 1) { x = Math.floor(x / 2); n++; }
  return n;
}
/** The supported page sizes (bits of pgsize_bitmap) between 2^lo and 2^hi, as a sorted list. */
/** The highest bit b in lo..hi set in bitmap (a page-size bitmap, up to 2^63), or -1. */
function largestSizeIn(bitmap: number, lo: number, hi: number): number {
  for (let b = hi; b >= lo; b--) if (Math.floor(bitmap / 2 ** b) % 2) return b;
  return -1;
}
/** The lowest bit b in lo..hi set in bitmap, or -1. */
function smallestSizeIn(bitmap: number, lo: number, hi: number): number {
  for (let b = lo; b <= hi; b++) if (Math.floor(bitmap / 2 ** b) % 2) return b;
  return -1;
}

/**
 * iommu.c iommu_pgsize: the largest supported page size that fits both the size left and the
 * alignment of iova | paddr; 5.15+ (4a77b12deb25's series) also how many pages of that size to map
 * before the next larger size could take over.
 */
export function iommu_pgsize(k: Kernel, d: IommuDomain, iova: number, paddr: number, size: number): { pgsize: number; count: number } {
  let hi = fls(size);
  if (iova || paddr) hi = Math.min(hi, Math.min(iova ? ffs(iova) : 64, paddr ? ffs(paddr) : 64));
  const pgsize_idx = largestSizeIn(d.pgsize_bitmap, 0, hi);
  if (pgsize_idx < 0) throw new Error(`iommu_pgsize: BUG_ON(!pgsizes) size ${size}`);
  const pgsize = 2 ** pgsize_idx;
  if (!k.sw[MAP_PAGES]) return { pgsize, count: 1 };
  const larger = smallestSizeIn(d.pgsize_bitmap, pgsize_idx + 1, 63);
  if (larger >= 0) {
    const next = 2 ** larger;
    if ((iova % next) === (paddr % next)) {
      /* addr_merge & (pgsize_next - 1): the low bits of iova | paddr, which are equal here */
      const offset = next - (iova % next);
      if (offset + next <= size) size = offset;
    }
  }
  return { pgsize, count: Math.floor(size / pgsize) };
}

/**
 * A bound of the model, not of the kernel: one iommu_map makes at most this many driver map calls.
 * Past it (a mapping of hundreds of MiB in 4 KiB pages: a bogus size) the kernel would spend a long
 * time allocating page-table pages with GFP_ATOMIC; the model stops there and fails the map with
 * -ENOMEM, as the kernel does when those allocations run out, and says so in the trace.
 */
export const MODEL_MAX_MAP_CALLS = 65536;
/** The same bound counted in descriptors written (5.15+ writes up to a table's worth per call). */
export const MODEL_MAX_MAP_PTES = 65536;

/**
 * iommu.c iommu_map (5.6–6.18) as dma-iommu calls it: iommu_map_atomic(domain, …) up to 6.2 (GFP_ATOMIC inside),
 * iommu_map(domain, …, gfp) from 6.3 (1369459b2e21) — then __iommu_map's loop.
 */
export function iommu_map(k: Kernel, d: IommuDomain, iova: number, paddr: number, size: number, prot: number, gfp: number): number {
  return __iommu_map(k, d, iova, paddr, size, prot, k.sw[IOMMU_MAP_GFP] ? gfp : GFP_ATOMIC, k.sw[IOMMU_MAP_GFP] ? S_map : S_map_atomic);
}

/** iommu.c __iommu_map (5.6–6.18): map [iova, iova+size) to [paddr, …) in page-size chunks; on failure unmap what was mapped. `s`: the frame the trace shows. */
function __iommu_map(k: Kernel, d: IommuDomain, iova: number, paddr: number, size: number, prot: number, gfp: number, s: typeof S_map): number {
  k.tr?.enter(s, { iova: hex(iova), paddr: hex(paddr), size: hex(size), prot: String(prot) });
  const min_pagesz = 2 ** ffs(d.pgsize_bitmap);
  if (iova % min_pagesz || paddr % min_pagesz || size % min_pagesz) {
    k.log(`unaligned: iova 0x${iova.toString(16)} pa ${hex(paddr)} size 0x${size.toString(16)} min_pagesz 0x${min_pagesz.toString(16)}`);
    k.tr?.exit("-EINVAL");
    return -22;
  }
  const orig_iova = iova;
  const orig_size = size;
  let ret = 0;
  let calls = 0;
  let ptes = 0;
  while (size) {
    if (++calls > MODEL_MAX_MAP_CALLS || ptes > MODEL_MAX_MAP_PTES) {
      k.tr?.note(`model bound: more than ${MODEL_MAX_MAP_CALLS} page-table writes for one mapping of ${hex(orig_size)}; failing it with -ENOMEM as the kernel's GFP_ATOMIC page-table allocations eventually would`);
      ret = -12;
      break;
    }
    const { pgsize, count } = iommu_pgsize(k, d, iova, paddr, size);
    const mapped: { n: number; ptes?: number } = { n: 0 };
    ret = d.ops.map(k, d, iova, paddr, pgsize, count, prot, gfp, mapped);
    if (!k.sw[MAP_PAGES] && !ret) mapped.n = pgsize;
    ptes += mapped.ptes ?? Math.max(1, mapped.n / pgsize);
    size -= mapped.n;
    if (ret) break;
    iova += mapped.n;
    paddr += mapped.n;
  }
  if (ret) iommu_unmap(k, d, orig_iova, orig_size - size);
  k.tr?.exit(String(ret));
  return ret;
}

/** iommu.c __iommu_unmap (5.6–5.19): unmap in page-size chunks, gathering the TLB invalidations. */
export function iommu_unmap_fast(k: Kernel, d: IommuDomain, iova: number, size: number, gather: IommuIotlbGather): number {
  k.tr?.enter(S_unmap, { iova: hex(iova), size: hex(size) });
  const min_pagesz = 2 ** ffs(d.pgsize_bitmap);
  if (iova % min_pagesz || size % min_pagesz) {
    k.log(`unaligned: iova 0x${iova.toString(16)} size 0x${size.toString(16)} min_pagesz 0x${min_pagesz.toString(16)}`);
    k.tr?.exit("0");
    return 0;
  }
  let unmapped = 0;
  while (unmapped < size) {
    const { pgsize, count } = iommu_pgsize(k, d, iova, iova, size - unmapped);
    const n = d.ops.unmap(k, d, iova, pgsize, count, gather);
    if (!n) break;
    iova += n;
    unmapped += n;
  }
  k.tr?.exit(hex(unmapped));
  return unmapped;
}

/** iommu.c iommu_unmap (5.6–5.19): unmap and sync at once. */
export function iommu_unmap(k: Kernel, d: IommuDomain, iova: number, size: number): number {
  const gather = iommu_iotlb_gather_init();
  const n = iommu_unmap_fast(k, d, iova, size, gather);
  iommu_iotlb_sync(k, d, gather);
  return n;
}

/** include/linux/iommu.h iommu_iotlb_gather_init. */
export function iommu_iotlb_gather_init(): IommuIotlbGather {
  return { start: Infinity, end: 0, pgsize: 0, queued: false };
}

/** include/linux/iommu.h iommu_iotlb_gather_add_page (5.6–6.18): grow the range, syncing first when the new page is disjoint or of another size. */
export function iommu_iotlb_gather_add_page(k: Kernel, d: IommuDomain, gather: IommuIotlbGather, iova: number, size: number): void {
  const start = iova;
  const end = iova + size - 1;
  if (gather.pgsize !== size || end + 1 < gather.start || start > gather.end + 1) {
    if (gather.pgsize) iommu_iotlb_sync(k, d, gather);
    gather.pgsize = size;
  }
  if (gather.end < end) gather.end = end;
  if (gather.start > start) gather.start = start;
}

/** include/linux/iommu.h iommu_iotlb_sync (5.10–6.18; iommu_tlb_sync in 5.6–5.9): the driver invalidates the gathered range; the gather starts over. */
export function iommu_iotlb_sync(k: Kernel, d: IommuDomain, gather: IommuIotlbGather): void {
  if (!gather.pgsize) return;
  k.tr?.enter(k.sw["aae4c8e27bd7"] ? S_sync : S_tlb_sync, { start: hex(gather.start), end: hex(gather.end) });
  d.ops.iotlb_sync(k, d, gather);
  gather.start = Infinity;
  gather.end = 0;
  gather.pgsize = 0;
  k.tr?.exit();
}

/** iommu.c iommu_flush_iotlb_all (5.6–5.19). */
export function iommu_flush_iotlb_all(k: Kernel, d: IommuDomain): void {
  d.ops.flush_iotlb_all(k, d);
}

/** iommu.c iommu_iova_to_phys (5.6–5.19): 0 when not mapped; the identity for a passthrough domain. */
export function iommu_iova_to_phys(k: Kernel, d: IommuDomain, iova: number): number {
  if (d.type === "IDENTITY") return iova;
  return d.ops.iova_to_phys(k, d, iova);
}

/**
 * iommu.c iommu_map_sg_atomic → __iommu_map_sg (5.6–6.2) / iommu_map_sg(…, gfp) (6.3+, f2b2c051be62): map the
 * segments back to back from iova, merging physically contiguous ones, one __iommu_map per run; the bytes
 * mapped, or 0 after unmapping what was mapped.
 */
export function iommu_map_sg(k: Kernel, d: IommuDomain, iova: number, segs: { phys: number; length: number }[], prot: number, gfp: number): number {
  const withGfp = k.sw[IOMMU_MAP_GFP];
  if (!withGfp) gfp = GFP_ATOMIC;
  k.tr?.enter(withGfp ? S_map_sg : S_map_sg_atomic, withGfp ? { iova: hex(iova), nents: String(segs.length), prot: String(prot), gfp: gfpName(gfp) } : { iova: hex(iova), nents: String(segs.length), prot: String(prot) });
  let len = 0;
  let mapped = 0;
  let start = 0;
  for (let i = 0; i <= segs.length; i++) {
    const s = segs[i];
    if (len && (!s || s.phys !== start + len)) {
      if (__iommu_map(k, d, iova + mapped, start, len, prot, gfp, S___map)) {
        iommu_unmap(k, d, iova, mapped);
        k.tr?.exit("0");
        return 0;
      }
      mapped += len;
      len = 0;
    }
    if (!s) break;
    if (len) len += s.length;
    else { len = s.length; start = s.phys; }
  }
  k.tr?.exit(hex(mapped));
  return mapped;
}

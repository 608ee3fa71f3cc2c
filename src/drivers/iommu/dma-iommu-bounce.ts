/**
 * drivers/iommu/dma-iommu.c: the bounce through swiotlb for untrusted devices (pdev->untrusted: a
 * device behind an external-facing port such as Thunderbolt). The IOMMU maps whole granules, so a
 * sub-granule or unaligned buffer would expose the bytes around it to the device; dma-iommu copies
 * such a buffer into a swiotlb slot of its own granule(s) and maps that instead.
 *
 *   82612d66d51d (5.11)  "iommu: Allow the dma-iommu api to use bounce buffers": __iommu_dma_map_swiotlb /
 *                        __iommu_dma_unmap_swiotlb; the padding of the slot is zeroed (read from
 *                        shmily1012/linux-5.6.4 (absent), ejga2001/linux-5.10.7 (absent), zhangyinjun/linux-5.12.9 and
 *                        lsk-legends/linux-5.14 (present)). Before it, VT-d had its own bounce_dma_ops (intel/bounce.ts).
 *   9b49bbc2c4df (5.16)  "iommu/dma: Fold _swiotlb helpers into callers" with its series (06e620345d54 arch sync on
 *                        the bounce slot, ee9d4097cc14 no second copy at unmap, e81e99bacc9f the slot aligned to the
 *                        IOVA granule): the bounce inside iommu_dma_map_page. In the 5.15.178 tree as a 5.15.y
 *                        backport (April 2022; stable-rc ids b4b95dbcd890 / bb4892c63574).
 *   f316ba0a8814 (5.19)  "dma-iommu: Check that swiotlb is active before trying to use it": dev_warn_once and
 *                        DMA_MAPPING_ERROR when there is no bounce pool.
 *   a63c357b9fd5 (6.7)   "iommu/dma: Trace bounce buffer usage when mapping buffers" (stable 5.15+: in 5.15.178,
 *                        6.1.166, 6.6.63).
 * The 6.10 padding rule (2650073f1b58) and the 6.12 entry points live in dma-iommu-v6.12.ts.
 */
import { trace_swiotlb_bounced } from "../../include/trace/events/swiotlb.js";
import type { Kernel } from "../../kernel.js";
import type { Device } from "../device.js";
import type { Scatterlist } from "../../kernel/dma/ops.js";
import { DMA_MAPPING_ERROR, hex } from "../../core/u64.js";
import { sym } from "../../core/trace.js";
import { DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_TO_DEVICE } from "../../include/gfp.js";
import { arch_sync_dma_for_cpu, arch_sync_dma_for_device, dev_is_dma_coherent } from "../../kernel/dma/arch-hooks.js";
import { dma_kmalloc_needs_bounce, dma_kmalloc_safe, dma_kmalloc_size_aligned } from "../../kernel/dma/direct.js";
import { is_swiotlb_active, is_swiotlb_buffer, swiotlb_sync_single_for_cpu, swiotlb_sync_single_for_device, swiotlb_tbl_map_single, swiotlb_tbl_unmap_single } from "../../kernel/dma/swiotlb/index.js";
import { iommu_iova_to_phys, type IommuDomain } from "./iommu.js";
import type { IovaDomain } from "./iova.js";
import { dma_get_cache_alignment, kmalloc_size_roundup } from "../../mm/slab_common.js";

const F = "drivers/iommu/dma-iommu.c";
export const UNTRUSTED_BOUNCE = "82612d66d51d";
export const BOUNCE_FOLDED = "9b49bbc2c4df";
export const BOUNCE_CHECK_ACTIVE = "f316ba0a8814";
export const BOUNCE_TRACE = "a63c357b9fd5";

const S = {
  map_swiotlb: sym("__iommu_dma_map_swiotlb", F),
  unmap_swiotlb: sym("__iommu_dma_unmap_swiotlb", F),
  map_sg_swiotlb: sym("iommu_dma_map_sg_swiotlb", F),
  unmap_sg_swiotlb: sym("iommu_dma_unmap_sg_swiotlb", F),
};

/** What the bounce needs from dma-iommu.c proper (passed in to keep the module graph acyclic). */
export interface DmaIommuCore {
  domain(dev: Device): IommuDomain;
  iovad(dev: Device): IovaDomain;
  __iommu_dma_map(k: Kernel, dev: Device, phys: number, size: number, prot: number, dma_mask: bigint): number;
  __iommu_dma_unmap(k: Kernel, dev: Device, dma_addr: number, size: number): void;
}

/** dma-iommu.c dev_is_untrusted (5.11+): a PCI device whose pdev->untrusted is set. */
export function dev_is_untrusted(dev: Device): boolean {
  return dev.is_pci && dev.untrusted;
}

/**
 * dma-iommu.c dev_use_swiotlb (5.16+; 5.11–5.15 test dev_is_untrusted inline): IS_ENABLED(CONFIG_SWIOTLB) &&
 * dev_is_untrusted(dev); 6.5+ (861370f49ce4) takes size and dir and also says yes when
 * dma_kmalloc_needs_bounce(dev, size, dir). Without size (a caller of the older form) only the
 * untrusted test runs.
 */
export function dev_use_swiotlb(dev: Device, k?: Kernel, size?: number, dir?: number): boolean {
  if (dev_is_untrusted(dev)) return true;
  return !!k && k.sw[KMALLOC_BOUNCE] === true && size !== undefined && dir !== undefined && dma_kmalloc_needs_bounce(k, dev, size, dir);
}

/** dma-iommu.c dev_use_sg_swiotlb (6.5+, 861370f49ce4): an untrusted device, or a segment whose length kmalloc may share a cache line with (only when kmalloc is not DMA-safe for this device and direction) */
export function dev_use_sg_swiotlb(k: Kernel, dev: Device, sg: Scatterlist[], nents: number, dir: number): boolean {
  if (dev_is_untrusted(dev)) return true;
  if (!k.sw[KMALLOC_BOUNCE] || dma_kmalloc_safe(k, dev, dir)) return false;
  for (let i = 0; i < nents && i < sg.length; i++) if (!dma_kmalloc_size_aligned(k, sg[i]!.length)) return true;
  return false;
}

/** The test the sg unmap / sync paths use: sg_dma_is_swiotlb(sgl) from 861370f49ce4 (6.5), dev_use_swiotlb(dev) (untrusted) before. */
export function sg_uses_swiotlb(k: Kernel, dev: Device, sg: Scatterlist[]): boolean {
  if (k.sw[KMALLOC_BOUNCE]) return sg[0]?.dma_swiotlb === true;
  return dev_use_swiotlb(dev);
}

/** 861370f49ce4 (6.5): dma-iommu bounces kmalloc buffers that are not cache-line safe */
export const KMALLOC_BOUNCE = "861370f49ce4";

/** dmasim's own: why iommu_dma_map_page bounces or not, for the trace */
export function use_why(k: Kernel, dev: Device, want: boolean, use: boolean, size: number, dir: number): string {
  const who = dev_is_untrusted(dev) ? "an untrusted device" : `${size} bytes could share a cache line with another kmalloc object and the device is not coherent (dma_kmalloc_needs_bounce)`;
  if (use) return `${who}, and the buffer does not fill whole IOVA granules: bounce it`;
  if (want) return "granule-aligned start and size: mapped in place";
  // a trusted device: dev_use_swiotlb is the 6.5+ kmalloc test (861370f49ce4), or nothing before it
  if (!k.sw[KMALLOC_BOUNCE]) return "a trusted device: mapped in place";
  if (dma_kmalloc_safe(k, dev, dir)) return `a trusted device, and kmalloc memory is DMA-safe for it here (${dev_is_dma_coherent(k, dev) ? "a coherent device" : "DMA_TO_DEVICE only cleans"}): mapped in place`;
  return `a trusted device; ${size} bytes come from a kmalloc cache whose objects are aligned to dma_get_cache_alignment() (${kmalloc_size_roundup(k, size)} bytes, ${dma_get_cache_alignment(k)}-byte lines): mapped in place`;
}

/** dma-iommu.c iova_offset(iovad, x): x's offset within its IOVA granule. */
export function iova_offset(iovad: IovaDomain, x: number): number {
  return x % iovad.granule;
}

/** dma-iommu.c iova_align(iovad, size): size rounded up to whole IOVA granules. */
export function iova_align(iovad: IovaDomain, size: number): number {
  return Math.ceil(size / iovad.granule) * iovad.granule;
}

/** dma-iommu's trace_swiotlb_bounced(dev, phys, size[, swiotlb_force]) (a63c357b9fd5): the swiotlb:swiotlb_bounced tracepoint, with the original's phys as its dev_addr */
export { trace_swiotlb_bounced };

/**
 * The padding of a bounce slot, zeroed so the device never sees stale kernel data there (5.11–6.9):
 * the whole aligned slot, except the copied buffer when the CPU already wrote it there (TO_DEVICE or
 * BIDIRECTIONAL without DMA_ATTR_SKIP_CPU_SYNC). dma-iommu.c __iommu_dma_map_swiotlb (5.11–5.15) and
 * iommu_dma_map_page (5.16–6.9): memset(phys_to_virt(phys) [+ size], 0, aligned_size [- size]).
 */
function zero_padding(k: Kernel, phys: number, size: number, aligned_size: number, dir: number, attrs: number): void {
  let padding_start = phys;
  let padding_size = aligned_size;
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL)) {
    padding_start += size;
    padding_size -= size;
  }
  k.tr?.note(`Cleanup the padding area: memset(${k.arch.fmtVa(k.arch.__va(padding_start))}, 0, ${hex(padding_size)})`);
  if (padding_size > 0) k.kmemset(k.arch.__va(padding_start), 0, padding_size, "iommu_dma_map_page");
}

/**
 * dma-iommu.c __iommu_dma_map_swiotlb (5.11–5.15 before the fold): an untrusted device's unaligned buffer goes
 * through a swiotlb slot of iova_align(size) bytes (no IOVA-granule alignment asked of swiotlb), the padding is
 * zeroed, and the slot's granule(s) are mapped.
 */
export function __iommu_dma_map_swiotlb(k: Kernel, core: DmaIommuCore, dev: Device, phys: number, org_size: number, dma_mask: bigint, prot: number, dir: number, attrs: number): number {
  const iovad = core.iovad(dev);
  k.tr?.enter(S.map_swiotlb, { phys: hex(phys), size: hex(org_size) });
  let aligned_size = org_size;
  const bounce = dev_is_untrusted(dev) && (iova_offset(iovad, phys) !== 0 || iova_offset(iovad, org_size) !== 0);
  k.tr?.decide("IS_ENABLED(CONFIG_SWIOTLB) && dev_is_untrusted(dev) && iova_offset(iovad, phys | org_size)", bounce, bounce ? "an untrusted device and a buffer that does not fill whole IOVA granules: bounce it" : dev_is_untrusted(dev) ? "granule-aligned start and size: mapped in place" : "a trusted device");
  if (bounce) {
    aligned_size = iova_align(iovad, org_size);
    const tlb = swiotlb_tbl_map_single(k, dev, phys, org_size, aligned_size, dir, attrs);
    if (tlb === DMA_MAPPING_ERROR) {
      k.tr?.exit("DMA_MAPPING_ERROR (no bounce slot)");
      return DMA_MAPPING_ERROR;
    }
    phys = tlb;
    zero_padding(k, phys, org_size, aligned_size, dir, attrs);
  }
  const iova = core.__iommu_dma_map(k, dev, phys, aligned_size, prot, dma_mask);
  if (iova === DMA_MAPPING_ERROR && is_swiotlb_buffer(k, phys, dev)) swiotlb_tbl_unmap_single(k, dev, phys, org_size, dir, attrs, aligned_size);
  k.tr?.exit(iova === DMA_MAPPING_ERROR ? "DMA_MAPPING_ERROR" : hex(iova));
  return iova;
}

/** dma-iommu.c __iommu_dma_unmap_swiotlb (5.11–5.15 before the fold): unmap the IOVA, then release the bounce slot (copying back). */
export function __iommu_dma_unmap_swiotlb(k: Kernel, core: DmaIommuCore, dev: Device, dma_addr: number, size: number, dir: number, attrs: number): void {
  k.tr?.enter(S.unmap_swiotlb, { dma_addr: hex(dma_addr), size: hex(size) });
  const phys = iommu_iova_to_phys(k, core.domain(dev), dma_addr);
  if (!phys) {
    k.warn(`WARNING: CPU: 0 PID: 1 at ${F}: __iommu_dma_unmap_swiotlb (WARN_ON(!phys))`, "__iommu_dma_unmap_swiotlb");
    k.tr?.exit();
    return;
  }
  core.__iommu_dma_unmap(k, dev, dma_addr, size);
  if (is_swiotlb_buffer(k, phys, dev)) swiotlb_tbl_unmap_single(k, dev, phys, size, dir, attrs, iova_align(core.iovad(dev), size));
  k.tr?.exit();
}

/**
 * dma-iommu.c iommu_dma_map_page, the bounce (5.16+ and 5.15.y after its backport, to 6.9): swiotlb_tbl_map_single
 * with the IOVA granule as alloc_align_mask, the old padding rule; is_swiotlb_active first from f316ba0a8814 (5.19).
 * Returns the physical address to map (the slot, or phys unchanged), or DMA_MAPPING_ERROR.
 */
export function iommu_dma_bounce_v516(k: Kernel, core: DmaIommuCore, dev: Device, phys: number, size: number, dir: number, attrs: number): number {
  const iovad = core.iovad(dev);
  const want = dev_use_swiotlb(dev, k, size, dir);
  const use = want && (iova_offset(iovad, phys) !== 0 || iova_offset(iovad, size) !== 0);
  k.tr?.decide(k.sw[KMALLOC_BOUNCE] ? "dev_use_swiotlb(dev, size, dir) && iova_offset(iovad, phys | size)" : "dev_use_swiotlb(dev) && iova_offset(iovad, phys | size)", use, use_why(k, dev, want, use, size, dir));
  if (!use) return phys;
  if (k.sw[BOUNCE_CHECK_ACTIVE] && !is_swiotlb_active(k, dev)) {
    if (!dev.iommu!.bounce_inactive_warned) {
      dev.iommu!.bounce_inactive_warned = true;
      k.dev_printk("warn", dev, "DMA bounce buffers are inactive, unable to map unaligned transaction.");
    }
    return DMA_MAPPING_ERROR;
  }
  if (k.sw[BOUNCE_TRACE]) trace_swiotlb_bounced(k, dev, phys, size);
  const aligned_size = iova_align(iovad, size);
  const tlb = swiotlb_tbl_map_single(k, dev, phys, size, aligned_size, dir, attrs, undefined, iovad.granule - 1);
  if (tlb === DMA_MAPPING_ERROR) return DMA_MAPPING_ERROR;
  zero_padding(k, tlb, size, aligned_size, dir, attrs);
  return tlb;
}

/** dma-iommu.c iommu_dma_sync_single_for_cpu (5.11+): CPU cache first, then the bounce slot's bytes back to the buffer. */
export function iommu_dma_sync_single_for_cpu_bounce(k: Kernel, core: DmaIommuCore, dev: Device, dma_handle: number, size: number, dir: number): void {
  const coherent = dev_is_dma_coherent(k, dev);
  if (coherent && !dev_use_swiotlb(dev, k, size, dir)) return;
  const phys = iommu_iova_to_phys(k, core.domain(dev), dma_handle);
  if (!coherent) arch_sync_dma_for_cpu(k, phys, size, dir);
  if (is_swiotlb_buffer(k, phys, dev)) swiotlb_sync_single_for_cpu(k, dev, phys, size, dir);
}

/** dma-iommu.c iommu_dma_sync_single_for_device (5.11+): the buffer's bytes into the bounce slot, then the CPU cache. */
export function iommu_dma_sync_single_for_device_bounce(k: Kernel, core: DmaIommuCore, dev: Device, dma_handle: number, size: number, dir: number): void {
  const coherent = dev_is_dma_coherent(k, dev);
  if (coherent && !dev_use_swiotlb(dev, k, size, dir)) return;
  const phys = iommu_iova_to_phys(k, core.domain(dev), dma_handle);
  if (is_swiotlb_buffer(k, phys, dev)) swiotlb_sync_single_for_device(k, dev, phys, size, dir);
  if (!coherent) arch_sync_dma_for_device(k, phys, size, dir);
}

/**
 * dma-iommu.c iommu_dma_map_sg_swiotlb (5.11+): an untrusted device's scatterlist is mapped segment by segment
 * through map_page (each one bounced or not on its own); on failure the mapped ones are unmapped again.
 */
export function iommu_dma_map_sg_swiotlb(
  k: Kernel, dev: Device, sg: Scatterlist[], nents: number, dir: number, attrs: number,
  map_page: (k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number, attrs: number) => number,
  unmap_page: (k: Kernel, dev: Device, dma: number, size: number, dir: number, attrs: number) => void,
): number {
  k.tr?.enter(S.map_sg_swiotlb, { nents: String(nents) });
  for (let i = 0; i < nents; i++) {
    const s = sg[i]!;
    s.dma_address = map_page(k, dev, s.page, s.offset, s.length, dir, attrs);
    if (s.dma_address === DMA_MAPPING_ERROR) {
      for (let j = 0; j < i; j++) unmap_page(k, dev, sg[j]!.dma_address, sg[j]!.dma_length, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
      // -EIO from the c81be74e7d79 series (5.15.178 dma-iommu.c:975), 0 before it
      const errs = k.sw["c81be74e7d79"];
      k.tr?.exit(errs ? "-EIO" : "0");
      return errs ? -5 : 0;
    }
    s.dma_length = s.length;
  }
  if (k.sw[KMALLOC_BOUNCE] && nents > 0) sg[0]!.dma_swiotlb = true; // sg_dma_mark_swiotlb(sg)
  k.tr?.exit(String(nents));
  return nents;
}

/** dma-iommu.c iommu_dma_unmap_sg_swiotlb (5.11+): each segment through unmap_page. */
export function iommu_dma_unmap_sg_swiotlb(
  k: Kernel, dev: Device, sg: Scatterlist[], nents: number, dir: number, attrs: number,
  unmap_page: (k: Kernel, dev: Device, dma: number, size: number, dir: number, attrs: number) => void,
): void {
  k.tr?.enter(S.unmap_sg_swiotlb, { nents: String(nents) });
  for (let i = 0; i < nents && i < sg.length; i++) unmap_page(k, dev, sg[i]!.dma_address, sg[i]!.dma_length, dir, attrs);
  k.tr?.exit();
}

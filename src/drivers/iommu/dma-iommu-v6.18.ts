/**
 * drivers/iommu/dma-iommu.c, 6.18: the physical-address API (read from leftymods/linux-6.18.y; 6.18.35
 * dma-iommu.c:1150–1251). kernel/dma/mapping.c's dma_map_phys / dma_unmap_phys (f7326196a781) call
 * iommu_dma_map_phys / iommu_dma_unmap_phys under use_dma_iommu(dev) for RAM and MMIO alike; they replace
 * 6.12's iommu_dma_map_page / iommu_dma_unmap_page and iommu_dma_map_resource / iommu_dma_unmap_resource.
 * The bounce moved into iommu_dma_map_swiotlb (is_swiotlb_active, the tracepoint, the map, the untrusted
 * device's padding); the test is iova_unaligned(iovad, phys, size); DMA_ATTR_MMIO memory is never bounced
 * (DMA_MAPPING_ERROR where it would have to be), never synced, and dma_info_to_prot gives it IOMMU_MMIO
 * instead of IOMMU_CACHE.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../device.js";
import { DMA_BIT_MASK, DMA_MAPPING_ERROR, hex } from "../../core/u64.js";
import { sym } from "../../core/trace.js";
import { DIR_NAMES, DMA_ATTR_MMIO, DMA_ATTR_SKIP_CPU_SYNC, attrsName } from "../../include/gfp.js";
import { arch_sync_dma_for_cpu, arch_sync_dma_for_device, dev_is_dma_coherent } from "../../kernel/dma/arch-hooks.js";
import { is_swiotlb_active, is_swiotlb_buffer, swiotlb_tbl_map_single, swiotlb_tbl_unmap_single } from "../../kernel/dma/swiotlb/index.js";
import { iommu_iova_to_phys } from "./iommu.js";
import { IOMMU_MMIO } from "./io-pgtable-arm/common.js";
import { __iommu_dma_map, __iommu_dma_unmap, cookieOf, dma_info_to_prot, domainOf } from "./dma-iommu.js";
import { dev_is_untrusted, dev_use_swiotlb, iova_align, iova_offset, trace_swiotlb_bounced, use_why } from "./dma-iommu-bounce.js";

const F = "drivers/iommu/dma-iommu.c";
const S = {
  map_phys: sym("iommu_dma_map_phys", F),
  unmap_phys: sym("iommu_dma_unmap_phys", F),
  map_swiotlb: sym("iommu_dma_map_swiotlb", F),
};

/** dma-iommu.c dma_info_to_prot (6.18: DMA_ATTR_MMIO gives IOMMU_MMIO in place of IOMMU_CACHE; 6.18.35 :724–747). */
function dma_info_to_prot_618(dir: number, coherent: boolean, attrs: number): number {
  if (!(attrs & DMA_ATTR_MMIO)) return dma_info_to_prot(dir, coherent, attrs);
  return dma_info_to_prot(dir, false, attrs) | IOMMU_MMIO;
}

/**
 * dma-iommu.c iommu_dma_map_swiotlb (6.18; 6.18.35 :1150–1185): no active pool is a dev_warn_once and
 * DMA_MAPPING_ERROR; else the tracepoint, swiotlb_tbl_map_single aligned to the IOVA granule, and for an
 * untrusted device the pre- and post-padding zeroed.
 */
function iommu_dma_map_swiotlb(k: Kernel, dev: Device, phys: number, size: number, dir: number, attrs: number): number {
  k.tr?.enter(S.map_swiotlb, { phys: hex(phys), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  const iovad = cookieOf(dev).iovad;
  if (!is_swiotlb_active(k, dev)) {
    if (!dev.iommu!.bounce_inactive_warned) {
      dev.iommu!.bounce_inactive_warned = true;
      k.dev_printk("warn", dev, "DMA bounce buffers are inactive, unable to map unaligned transaction.");
    }
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }
  trace_swiotlb_bounced(k, dev, phys, size);
  const align_mask = iovad.granule - 1;
  // swiotlb_tbl_map_single(dev, phys, size, iova_mask(iovad), dir, attrs) allocates ALIGN(size + offset, granule)
  const offset = phys & dev.min_align_mask & (align_mask | 2047);
  const alloc_size = Math.ceil((size + offset) / iovad.granule) * iovad.granule;
  const tlb = swiotlb_tbl_map_single(k, dev, phys, size, alloc_size, dir, attrs, undefined, align_mask);
  if (tlb !== DMA_MAPPING_ERROR && dev_is_untrusted(dev)) {
    const virt = k.arch.__va(tlb);
    const pre = virt - Math.floor(virt / iovad.granule) * iovad.granule;
    const postStart = virt + size;
    const post = iova_align(iovad, postStart) - postStart;
    k.tr?.note(`zero the padding: pre-padding ${hex(pre)} bytes before ${k.arch.fmtVa(virt)}, post-padding ${hex(post)} bytes after its end`);
    if (pre > 0) k.kmemset(virt - pre, 0, pre, "iommu_dma_map_swiotlb");
    if (post > 0) k.kmemset(postStart, 0, post, "iommu_dma_map_swiotlb");
  }
  k.tr?.exit(tlb === DMA_MAPPING_ERROR ? "DMA_MAPPING_ERROR" : hex(tlb));
  return tlb;
}

/**
 * dma-iommu.c iommu_dma_map_phys (6.18; 6.18.35 :1198–1229): bounce when dev_use_swiotlb(dev, size, dir) and
 * the range is not granule-aligned (MMIO then fails), clean the CPU cache for a non-coherent device (not for
 * MMIO), map; a failed map gives the bounce slot back.
 */
export function iommu_dma_map_phys(k: Kernel, dev: Device, phys: number, size: number, dir: number, attrs: number): number {
  k.tr?.enter(S.map_phys, { phys: hex(phys), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  const coherent = dev_is_dma_coherent(k, dev);
  const prot = dma_info_to_prot_618(dir, coherent, attrs);
  const iovad = cookieOf(dev).iovad;
  const dma_mask = dev.dma_mask ?? DMA_BIT_MASK(32);
  const mmio = (attrs & DMA_ATTR_MMIO) !== 0;
  const want = dev_use_swiotlb(dev, k, size, dir);
  const use = want && iova_offset(iovad, phys) + iova_offset(iovad, size) !== 0;
  k.tr?.decide("dev_use_swiotlb(dev, size, dir) && iova_unaligned(iovad, phys, size)", use, use && mmio ? "DMA_ATTR_MMIO cannot be bounced: DMA_MAPPING_ERROR" : use_why(k, dev, want, use, size, dir));
  if (use) {
    if (mmio) {
      k.tr?.exit("DMA_MAPPING_ERROR");
      return DMA_MAPPING_ERROR;
    }
    phys = iommu_dma_map_swiotlb(k, dev, phys, size, dir, attrs);
    if (phys === DMA_MAPPING_ERROR) {
      k.tr?.exit("DMA_MAPPING_ERROR");
      return DMA_MAPPING_ERROR;
    }
  }
  if (!coherent && !(attrs & (DMA_ATTR_SKIP_CPU_SYNC | DMA_ATTR_MMIO))) arch_sync_dma_for_device(k, phys, size, dir);
  const iova = __iommu_dma_map(k, dev, phys, size, prot, dma_mask);
  if (iova === DMA_MAPPING_ERROR && !mmio && is_swiotlb_buffer(k, phys, dev)) swiotlb_tbl_unmap_single(k, dev, phys, size, dir, attrs);
  k.tr?.exit(iova === DMA_MAPPING_ERROR ? "DMA_MAPPING_ERROR" : hex(iova));
  return iova;
}

/**
 * dma-iommu.c iommu_dma_unmap_phys (6.18; 6.18.35 :1231–1251): MMIO is only unmapped; RAM: the physical
 * address behind the IOVA (WARN_ON(!phys)), the CPU cache, unmap, then the bounce slot (copied back once).
 */
export function iommu_dma_unmap_phys(k: Kernel, dev: Device, dma_handle: number, size: number, dir: number, attrs: number): void {
  k.tr?.enter(S.unmap_phys, { dma_handle: hex(dma_handle), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  if (attrs & DMA_ATTR_MMIO) {
    __iommu_dma_unmap(k, dev, dma_handle, size);
    k.tr?.exit();
    return;
  }
  const phys = iommu_iova_to_phys(k, domainOf(dev), dma_handle);
  if (!phys) {
    k.warn(`WARNING: CPU: 0 PID: 1 at ${F}: iommu_dma_unmap_phys (WARN_ON(!phys))`, "iommu_dma_unmap_phys");
    k.tr?.exit();
    return;
  }
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && !dev_is_dma_coherent(k, dev)) arch_sync_dma_for_cpu(k, phys, size, dir);
  __iommu_dma_unmap(k, dev, dma_handle, size);
  if (is_swiotlb_buffer(k, phys, dev)) swiotlb_tbl_unmap_single(k, dev, phys, size, dir, attrs);
  k.tr?.exit();
}

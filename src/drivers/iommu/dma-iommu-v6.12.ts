/**
 * drivers/iommu/dma-iommu.c, 6.12 era (read from wishday/linux-6.12.y @21ae40e85ea7 and leftymods/linux-6.18.y
 * @40a9e9f43d44). b5c58b2fdc42 (6.12, "dma-mapping: direct calls for dma-iommu") removed iommu_dma_ops: the IOMMU
 * core sets dev->dma_iommu and kernel/dma/mapping.c calls the exported iommu_dma_* functions itself
 * (use_dma_iommu(dev)). What changed in the functions this module models:
 *   - iommu_dma_map_page bounces with the 6.10 padding rule (2650073f1b58): for an untrusted device only the
 *     pre-padding (from the IOVA granule start to the buffer) and the post-padding (from the buffer's end to the
 *     granule end) are zeroed, never the buffer itself; swiotlb_tbl_map_single has lost its alloc_size argument.
 *   - unmap, sync and the untrusted scatterlist path are 5.16's (dma-iommu-bounce.ts), reached directly.
 * Allocation, free, mmap, get_sgtable, the trusted map_sg and alloc_noncontiguous have the 5.16–6.11 bodies for
 * the modelled devices and are called from dma-iommu.ts / dma-iommu-noncontig.ts. 6.18 runs this module too: its
 * iommu_dma_map_phys (the physical-address API) does the same for page-backed memory (see docs/verified-facts.md).
 * The 6.6 pci_32bit_workaround (791c2b17fb40) is a switch in the shared iommu_dma_alloc_iova. Not modelled: the 6.8
 * single flush queue (IOMMUs that shadow their tables only), and 6.5's bouncing of small kmalloc buffers for
 * non-coherent devices.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../device.js";
import type { DmaMapOps, Scatterlist } from "../../kernel/dma/ops.js";
import { DMA_BIT_MASK, DMA_MAPPING_ERROR, hex } from "../../core/u64.js";
import { sym } from "../../core/trace.js";
import { DMA_ATTR_SKIP_CPU_SYNC } from "../../include/gfp.js";
import { arch_sync_dma_for_cpu, arch_sync_dma_for_device, dev_is_dma_coherent } from "../../kernel/dma/arch-hooks.js";
import { is_swiotlb_active, is_swiotlb_buffer, swiotlb_tbl_map_single, swiotlb_tbl_unmap_single } from "../../kernel/dma/swiotlb/index.js";
import { iommu_iova_to_phys } from "./iommu.js";
import { CORE, iommu_dma_opt_mapping_size, __iommu_dma_map, __iommu_dma_unmap, cookieOf, dma_info_to_prot, domainOf, iommu_dma_map_resource, iommu_dma_map_sg, iommu_dma_max_mapping_size, iommu_dma_unmap_resource, iommu_dma_sync_sg, iommu_dma_unmap_sg } from "./dma-iommu.js";
import { iommu_dma_alloc, iommu_dma_free, iommu_dma_get_sgtable, iommu_dma_mmap } from "./dma-iommu-alloc.js";
import { BOUNCE_CHECK_ACTIVE, BOUNCE_TRACE, dev_is_untrusted, dev_use_sg_swiotlb, dev_use_swiotlb, iommu_dma_map_sg_swiotlb, sg_uses_swiotlb, use_why, iommu_dma_sync_single_for_cpu_bounce, iommu_dma_sync_single_for_device_bounce, iommu_dma_unmap_sg_swiotlb, iova_align, iova_offset, trace_swiotlb_bounced } from "./dma-iommu-bounce.js";
import { iommu_dma_alloc_noncontiguous, iommu_dma_free_noncontiguous } from "./dma-iommu-noncontig.js";
import { dma_common_alloc_pages, dma_common_free_pages } from "../../kernel/dma/ops-helpers.js";
import { iommu_dma_map_phys, iommu_dma_unmap_phys } from "./dma-iommu-v6.18.js";

const F = "drivers/iommu/dma-iommu.c";
/** b5c58b2fdc42 (6.12): no iommu_dma_ops; mapping.c's use_dma_iommu() branch */
export const DMA_IOMMU_DIRECT_CALLS = "b5c58b2fdc42";
/** 2650073f1b58 (6.10): pre- and post-padding zeroed for untrusted devices only */
export const BOUNCE_PADDING_610 = "2650073f1b58";

const S = {
  map_page: sym("iommu_dma_map_page", F),
  unmap_page: sym("iommu_dma_unmap_page", F),
};

/**
 * dma-iommu.c iommu_dma_map_page (6.12–6.17; 6.18's iommu_dma_map_phys for page-backed memory): bounce an
 * untrusted device's buffer that does not fill whole IOVA granules through a granule-aligned swiotlb slot, zero
 * the padding around it inside the granule(s), clean the CPU cache for a non-coherent device, map.
 */
export function iommu_dma_map_page(k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number, attrs: number): number {
  k.tr?.enter(S.map_page, { page: k.arch.fmtVa(page), offset: hex(offset), size: hex(size) });
  let phys = k.page_to_phys(page) + offset;
  const coherent = dev_is_dma_coherent(k, dev);
  const prot = dma_info_to_prot(dir, coherent, attrs);
  const iovad = cookieOf(dev).iovad;
  const dma_mask = dev.dma_mask ?? DMA_BIT_MASK(32);
  const want = dev_use_swiotlb(dev, k, size, dir);
  const use = want && (iova_offset(iovad, phys) !== 0 || iova_offset(iovad, size) !== 0);
  k.tr?.decide("dev_use_swiotlb(dev, size, dir) && iova_offset(iovad, phys | size)", use, use_why(k, dev, want, use, size, dir));
  if (use) {
    if (k.sw[BOUNCE_CHECK_ACTIVE] && !is_swiotlb_active(k, dev)) {
      if (!dev.iommu!.bounce_inactive_warned) {
        dev.iommu!.bounce_inactive_warned = true;
        k.dev_printk("warn", dev, "DMA bounce buffers are inactive, unable to map unaligned transaction.");
      }
      k.tr?.exit("DMA_MAPPING_ERROR");
      return DMA_MAPPING_ERROR;
    }
    if (k.sw[BOUNCE_TRACE]) trace_swiotlb_bounced(k, dev, phys, size);
    /* 6.10+: swiotlb_tbl_map_single(dev, phys, size, iova_mask(iovad), dir, attrs), which itself allocates
       ALIGN(size + swiotlb_align_offset(dev, iova_mask, phys), iova_mask + 1) bytes: that size is passed on as
       the era interface's alloc_size */
    const align_mask = iovad.granule - 1;
    const offset = phys & dev.min_align_mask & (align_mask | 2047);
    const alloc_size = Math.ceil((size + offset) / iovad.granule) * iovad.granule;
    const tlb = swiotlb_tbl_map_single(k, dev, phys, size, alloc_size, dir, attrs, undefined, align_mask);
    if (tlb === DMA_MAPPING_ERROR) {
      k.tr?.exit("DMA_MAPPING_ERROR (no bounce slot)");
      return DMA_MAPPING_ERROR;
    }
    phys = tlb;
    if (dev_is_untrusted(dev)) {
      const virt = k.arch.__va(phys);
      const pre = virt - Math.floor(virt / iovad.granule) * iovad.granule;
      const postStart = virt + size;
      const post = iova_align(iovad, postStart) - postStart;
      k.tr?.note(`zero the padding: pre-padding ${hex(pre)} bytes before ${k.arch.fmtVa(virt)}, post-padding ${hex(post)} bytes after its end`);
      if (pre > 0) k.kmemset(virt - pre, 0, pre, "iommu_dma_map_page");
      if (post > 0) k.kmemset(postStart, 0, post, "iommu_dma_map_page");
    }
  }
  if (!coherent && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) arch_sync_dma_for_device(k, phys, size, dir);
  const iova = __iommu_dma_map(k, dev, phys, size, prot, dma_mask);
  if (iova === DMA_MAPPING_ERROR && is_swiotlb_buffer(k, phys, dev)) swiotlb_tbl_unmap_single(k, dev, phys, size, dir, attrs);
  k.tr?.exit(iova === DMA_MAPPING_ERROR ? "DMA_MAPPING_ERROR" : hex(iova));
  return iova;
}

/** dma-iommu.c iommu_dma_unmap_page (6.12+): the physical address behind the IOVA, the CPU cache, unmap, then the bounce slot (copied back once). */
export function iommu_dma_unmap_page(k: Kernel, dev: Device, dma_handle: number, size: number, dir: number, attrs: number): void {
  k.tr?.enter(S.unmap_page, { dma_handle: hex(dma_handle), size: hex(size) });
  const phys = iommu_iova_to_phys(k, domainOf(dev), dma_handle);
  if (!phys) {
    k.warn(`WARNING: CPU: 0 PID: 1 at ${F}: iommu_dma_unmap_page (WARN_ON(!phys))`, "iommu_dma_unmap_page");
    k.tr?.exit();
    return;
  }
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && !dev_is_dma_coherent(k, dev)) arch_sync_dma_for_cpu(k, phys, size, dir);
  __iommu_dma_unmap(k, dev, dma_handle, size);
  if (is_swiotlb_buffer(k, phys, dev)) swiotlb_tbl_unmap_single(k, dev, phys, size, dir, attrs);
  k.tr?.exit();
}

/** 6.18 (f7326196a781): the sg bounce path goes segment by segment through iommu_dma_map_phys / iommu_dma_unmap_phys (6.18.35 dma-iommu.c:1354, :1367) */
const PHYS_API = "f7326196a781";
const map_phys_page = (k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number, attrs: number) => iommu_dma_map_phys(k, dev, k.page_to_phys(page) + offset, size, dir, attrs);

/** dma-iommu.c iommu_dma_map_sg (6.12+): an untrusted device's list segment by segment through iommu_dma_map_page (6.18: iommu_dma_map_phys), else one IOVA range. */
function iommu_dma_map_sg_612(k: Kernel, dev: Device, sg: Scatterlist[], nents: number, dir: number, attrs: number): number {
  if (dev_use_sg_swiotlb(k, dev, sg, nents, dir)) return k.sw[PHYS_API] ? iommu_dma_map_sg_swiotlb(k, dev, sg, nents, dir, attrs, map_phys_page, iommu_dma_unmap_phys) : iommu_dma_map_sg_swiotlb(k, dev, sg, nents, dir, attrs, iommu_dma_map_page, iommu_dma_unmap_page);
  return iommu_dma_map_sg(k, dev, sg, nents, dir, attrs);
}

/** dma-iommu.c iommu_dma_unmap_sg (6.12+). */
function iommu_dma_unmap_sg_612(k: Kernel, dev: Device, sg: Scatterlist[], nents: number, dir: number, attrs: number): void {
  if (sg_uses_swiotlb(k, dev, sg)) return iommu_dma_unmap_sg_swiotlb(k, dev, sg, nents, dir, attrs, k.sw[PHYS_API] ? iommu_dma_unmap_phys : iommu_dma_unmap_page);
  iommu_dma_unmap_sg(k, dev, sg, nents, dir, attrs);
}

/**
 * kernel/dma/mapping.c's `else if (use_dma_iommu(dev)) iommu_dma_...(...)` branches (6.12+, b5c58b2fdc42), as one
 * table: the model keeps a table on dev->dma_ops so the entry points dispatch as before; its name says which
 * branch the kernel takes. The kernel's dev->dma_ops is NULL for these devices.
 */
export const iommu_dma_direct_calls: DmaMapOps = {
  name: "use_dma_iommu(dev)",
  file: "kernel/dma/mapping.c",
  direct_call: true,
  alloc: iommu_dma_alloc,
  free: iommu_dma_free,
  mmap: iommu_dma_mmap,
  get_sgtable: iommu_dma_get_sgtable,
  map_page: iommu_dma_map_page,
  unmap_page: iommu_dma_unmap_page,
  map_sg: iommu_dma_map_sg_612,
  unmap_sg: iommu_dma_unmap_sg_612,
  /* mapping.c dma_map_resource / dma_unmap_resource: `else if (use_dma_iommu(dev)) iommu_dma_map_resource(...)` */
  map_resource: iommu_dma_map_resource,
  unmap_resource: iommu_dma_unmap_resource,
  sync_single_for_cpu: (k, dev, h, size, dir) => iommu_dma_sync_single_for_cpu_bounce(k, CORE, dev, h, size, dir),
  sync_single_for_device: (k, dev, h, size, dir) => iommu_dma_sync_single_for_device_bounce(k, CORE, dev, h, size, dir),
  sync_sg_for_cpu: (k, dev, sgl, n, dir) => iommu_dma_sync_sg(k, dev, sgl, n, dir, true),
  sync_sg_for_device: (k, dev, sgl, n, dir) => iommu_dma_sync_sg(k, dev, sgl, n, dir, false),
  /* dma_max_mapping_size: `else if (use_dma_iommu(dev)) size = iommu_dma_max_mapping_size(dev)` */
  max_mapping_size: iommu_dma_max_mapping_size,
  alloc_noncontiguous: iommu_dma_alloc_noncontiguous,
  free_noncontiguous: iommu_dma_free_noncontiguous,
  /* dma_opt_mapping_size: `if (use_dma_iommu(dev)) size = iommu_dma_opt_mapping_size()` */
  opt_mapping_size: iommu_dma_opt_mapping_size,
  /* __dma_alloc_pages / __dma_free_pages: `if (use_dma_iommu(dev)) return dma_common_alloc_pages(...)` (6.12+) */
  alloc_pages: dma_common_alloc_pages,
  free_pages: dma_common_free_pages,
};

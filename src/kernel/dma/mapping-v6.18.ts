/**
 * kernel/dma/mapping.c of the physical-address API era (6.18: f7326196a781, 18c9cbb042c9,
 * 76bb7c49f50c; read in 6.18.35). dma_map_phys / dma_unmap_phys are the streaming entry points;
 * dma_map_page_attrs and dma_unmap_page_attrs (and so dma_map_single / dma_unmap_single) are
 * wrappers around them. mapping.ts hands these calls here when the kernel carries f7326196a781.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import { sym } from "../../core/trace.js";
import { DMA_MAPPING_ERROR, PAGE_SIZE, hex } from "../../core/u64.js";
import { DIR_NAMES, DMA_ATTR_MMIO, attrsName } from "../../include/gfp.js";
import { trace_dma_map, trace_dma_unmap } from "../../include/trace/events/dma.js";
import { get_dma_ops } from "./mapping.js";
import { dma_direct_map_phys, dma_direct_unmap_phys } from "./direct-v6.18.js";
import { debug_dma_map_phys, debug_dma_unmap_phys } from "./debug-v6.18.js";
import { iommu_dma_map_resource, iommu_dma_ops, iommu_dma_unmap_resource } from "../../drivers/iommu/dma-iommu.js";
import { iommu_dma_map_phys, iommu_dma_unmap_phys } from "../../drivers/iommu/dma-iommu-v6.18.js";

const F = "kernel/dma/mapping.c";
const S_map_phys = sym("dma_map_phys", F);
const S_unmap_phys = sym("dma_unmap_phys", F);
const S_map_page = sym("dma_map_page_attrs", F);
const S_unmap_page = sym("dma_unmap_page_attrs", F);

/** include/linux/dma-direction.h valid_dma_direction: BUG_ON in dma_map_phys / dma_unmap_phys (6.18) */
function check_dir(k: Kernel, dir: number, fn: string) {
  if (dir !== 0 && dir !== 1 && dir !== 2) k.BUG_ON(`valid_dma_direction:${fn}`, fn, `BUG_ON(!valid_dma_direction(${DIR_NAMES[dir] ?? dir}))`);
}

/**
 * kernel/dma/mapping.c dma_map_phys (6.18.35). dma-direct for a device without dma_map_ops
 * (dma_map_direct); otherwise the device's ops: DMA_ATTR_MMIO through ops->map_resource
 * (without one: DMA_MAPPING_ERROR at once, before the tracepoint and dma-debug), RAM through
 * ops->map_page(phys_to_page(phys), offset_in_page(phys)); a device behind an IOMMU (use_dma_iommu) goes to
 * iommu_dma_map_phys (src/drivers/iommu/dma-iommu-v6.18.ts) for RAM and MMIO. Then trace_dma_map_phys and
 * debug_dma_map_phys, also for a failed mapping.
 */
export function dma_map_phys(k: Kernel, dev: Device, phys: number, size: number, dir: number, attrs: number): number {
  const t = k.tr;
  t?.enter(S_map_phys, { dev: dev.name, phys: hex(phys), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  check_dir(k, dir, "dma_map_phys");
  if (dev.dma_mask === null) {
    k.warnOnce(`nodmamask-${dev.name}`, "WARNING: dma_map_phys: !dev->dma_mask", "dma_map_phys");
    t?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }
  const ops = get_dma_ops(dev);
  const mmio = (attrs & DMA_ATTR_MMIO) !== 0;
  t?.decide("dma_map_direct(dev, ops)", ops === null, ops === null ? "the device has no dma_map_ops: dma-direct" : ops.direct_call === true ? "dev->dma_ops is NULL but dev->dma_iommu is set: use_dma_iommu(dev), iommu_dma_map_phys" : `dev->dma_ops = ${ops.name} (${ops.file})`);
  let addr: number;
  if (ops === null) addr = dma_direct_map_phys(k, dev, phys, size, dir, attrs);
  // `else if (use_dma_iommu(dev)) addr = iommu_dma_map_phys(dev, phys, size, dir, attrs);` (6.18.35 mapping.c:170–171), RAM and MMIO
  else if (ops.direct_call === true) addr = iommu_dma_map_phys(k, dev, phys, size, dir, attrs);
  else if (mmio && ops.name === iommu_dma_ops.name) {
    // use_dma_iommu(dev): iommu_dma_map_phys maps MMIO with prot IOMMU_MMIO | the direction bits, no
    // swiotlb, no sync: what iommu_dma_map_resource does (the untrusted-device unaligned case that
    // fails in 6.18 is not modelled)
    t?.decide("use_dma_iommu(dev) && attrs & DMA_ATTR_MMIO", true, "iommu_dma_map_phys: an IOVA mapping with IOMMU_MMIO, no bounce, no cache maintenance");
    addr = iommu_dma_map_resource(k, dev, phys, size, dir, attrs);
  } else if (mmio) {
    const has = ops.map_resource !== undefined;
    t?.decide("ops->map_resource", has, has ? "MMIO goes to the ops' map_resource" : `${ops.name} has no map_resource: DMA_MAPPING_ERROR (no tracepoint, no dma-debug entry)`);
    if (!has) {
      t?.exit("DMA_MAPPING_ERROR");
      return DMA_MAPPING_ERROR;
    }
    addr = ops.map_resource!(k, dev, phys, size, dir, attrs);
  } else {
    const page = k.arch.pfn_to_page(Math.floor(phys / PAGE_SIZE));
    addr = ops.map_page!(k, dev, page, phys % PAGE_SIZE, size, dir, attrs);
  }
  trace_dma_map(k, dev, phys, addr, size, dir, attrs);
  if (k.dma_debug) debug_dma_map_phys(k, dev, phys, size, dir, addr, attrs);
  t?.exit(hex(addr));
  return addr;
}

/**
 * kernel/dma/mapping.c dma_unmap_phys (6.18.35): dma_direct_unmap_phys, ops->unmap_resource for
 * MMIO (nothing without one), ops->unmap_page otherwise; then trace_dma_unmap_phys and
 * debug_dma_unmap_phys.
 */
export function dma_unmap_phys(k: Kernel, dev: Device, addr: number, size: number, dir: number, attrs: number): void {
  k.tr?.enter(S_unmap_phys, { dev: dev.name, addr: hex(addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  check_dir(k, dir, "dma_unmap_phys");
  const ops = get_dma_ops(dev);
  if (ops === null) dma_direct_unmap_phys(k, dev, addr, size, dir, attrs);
  // `else if (use_dma_iommu(dev)) iommu_dma_unmap_phys(dev, addr, size, dir, attrs);` (6.18.35 mapping.c:224–225)
  else if (ops.direct_call === true) iommu_dma_unmap_phys(k, dev, addr, size, dir, attrs);
  else if (attrs & DMA_ATTR_MMIO && ops.name === iommu_dma_ops.name) iommu_dma_unmap_resource(k, dev, addr, size, dir, attrs);
  else if (attrs & DMA_ATTR_MMIO) ops.unmap_resource?.(k, dev, addr, size, dir, attrs);
  else ops.unmap_page?.(k, dev, addr, size, dir, attrs);
  trace_dma_unmap(k, dev, addr, size, dir, attrs);
  if (k.dma_debug) debug_dma_unmap_phys(k, dev, addr, size, dir);
  k.tr?.exit();
}

/**
 * kernel/dma/mapping.c dma_map_page_attrs (6.18.35): DMA_ATTR_MMIO is refused (a page is RAM,
 * 18c9cbb042c9); no ZONE_DEVICE pages are modelled, so the CONFIG_DMA_API_DEBUG
 * is_zone_device_page WARN never fires; then dma_map_phys(page_to_phys(page) + offset).
 */
export function dma_map_page_attrs(k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number, attrs: number): number {
  k.tr?.enter(S_map_page, { dev: dev.name, page: k.arch.fmtVa(page), offset: hex(offset), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  if (attrs & DMA_ATTR_MMIO) {
    k.tr?.decide("attrs & DMA_ATTR_MMIO", true, "a struct page is never MMIO: DMA_MAPPING_ERROR");
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }
  const addr = dma_map_phys(k, dev, k.page_to_phys(page) + offset, size, dir, attrs);
  k.tr?.exit(hex(addr));
  return addr;
}

/** kernel/dma/mapping.c dma_unmap_page_attrs (6.18.35): returns at once for DMA_ATTR_MMIO, else dma_unmap_phys */
export function dma_unmap_page_attrs(k: Kernel, dev: Device, addr: number, size: number, dir: number, attrs: number): void {
  k.tr?.enter(S_unmap_page, { dev: dev.name, addr: hex(addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir) });
  if (attrs & DMA_ATTR_MMIO) {
    k.tr?.decide("attrs & DMA_ATTR_MMIO", true, "not a page mapping: nothing is done");
    k.tr?.exit();
    return;
  }
  dma_unmap_phys(k, dev, addr, size, dir, attrs);
  k.tr?.exit();
}

/**
 * kernel/dma/mapping.c dma_map_resource (6.18.35): dma_map_phys(attrs | DMA_ATTR_MMIO). (6.18.0
 * first failed a pfn_valid() address under CONFIG_DMA_API_DEBUG; 6.18.y's 181e67bc11c5, mainline
 * af0c3f058662, moved that check into debug_dma_map_phys.) For the 5.x–6.12 entry point to hand
 * its calls to when the kernel carries f7326196a781.
 */
export function dma_map_resource(k: Kernel, dev: Device, phys_addr: number, size: number, dir: number, attrs: number): number {
  return dma_map_phys(k, dev, phys_addr, size, dir, attrs | DMA_ATTR_MMIO);
}

/** kernel/dma/mapping.c dma_unmap_resource (6.18.35): dma_unmap_phys(attrs | DMA_ATTR_MMIO) */
export function dma_unmap_resource(k: Kernel, dev: Device, addr: number, size: number, dir: number, attrs: number): void {
  dma_unmap_phys(k, dev, addr, size, dir, attrs | DMA_ATTR_MMIO);
}

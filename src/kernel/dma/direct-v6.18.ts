/**
 * dma-direct of the physical-address API era (6.18: e53d29f957b3, in 6.18.35): the streaming
 * path maps a phys_addr_t. kernel/dma/direct.h dma_direct_map_phys / dma_direct_unmap_phys,
 * kernel/dma/direct.c dma_direct_map_sg / dma_direct_unmap_sg, and the kmalloc bounce test of
 * include/linux/dma-map-ops.h they use. Selected by version from direct.ts (dma_direct_map_sg,
 * dma_direct_unmap_sg) and from mapping-v6.18.ts; everything else of dma-direct is shared.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import type { Scatterlist } from "./ops.js";
import { sym } from "../../core/trace.js";
import { DMA_MAPPING_ERROR, hex } from "../../core/u64.js";
import { DIR_NAMES, DMA_ATTR_MMIO, DMA_ATTR_SKIP_CPU_SYNC, DMA_TO_DEVICE, attrsName } from "../../include/gfp.js";
import { arch_sync_dma_for_device, dev_is_dma_coherent } from "./arch-hooks.js";
import { dma_capable, dma_direct_sync_single_for_cpu, dma_kmalloc_needs_bounce, dma_to_phys, fmtPad, phys_to_dma, swiotlb_map } from "./direct.js";
import { is_swiotlb_active, is_swiotlb_buffer, swiotlb_tbl_unmap_single } from "./swiotlb/index.js";
import { dma_get_cache_alignment, kmalloc_size_roundup } from "../../mm/slab_common.js";

const H = "kernel/dma/direct.h";
const F = "kernel/dma/direct.c";
const S_map_phys = sym("dma_direct_map_phys", H);
const S_unmap_phys = sym("dma_direct_unmap_phys", H);
const S_map_sg = sym("dma_direct_map_sg", F);
const S_unmap_sg = sym("dma_direct_unmap_sg", F);
const EIO = 5;


/** %llx of a u64 mask */
function fmtMask(m: bigint | null): string {
  return (m ?? 0n).toString(16);
}

/**
 * kernel/dma/direct.h dma_direct_map_phys (6.18.35 :83–127). Forced bouncing (is_swiotlb_force_bounce(dev): the
 * device's io_tlb_mem — swiotlb=force, or a restricted-dma-pool): DMA_ATTR_MMIO fails
 * (47322c469d4a, in 6.18.y), anything else goes to swiotlb_map. DMA_ATTR_MMIO: the physical
 * address is the DMA address as is (no phys_to_dma), checked with dma_capable(..., false), never
 * bounced, never cache-maintained. Otherwise phys_to_dma; an address the device cannot reach, or
 * a small buffer a non-coherent arm64 device would share cache lines with
 * (dma_kmalloc_needs_bounce), bounces when a swiotlb pool is active, else the dev_WARN_ONCE
 * "DMA addr %pad+%zu overflow". Then arch_sync_dma_for_device unless coherent, SKIP_CPU_SYNC or MMIO.
 */
export function dma_direct_map_phys(k: Kernel, dev: Device, phys: number, size: number, dir: number, attrs: number, inlinedInto?: string): number {
  const t = k.tr;
  t?.enter(S_map_phys, { phys: hex(phys), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  const mmio = (attrs & DMA_ATTR_MMIO) !== 0;
  // include/linux/swiotlb.h is_swiotlb_force_bounce (6.18.35 :172–177): the device's pool decides (swiotlb=force
  // on the default pool, always on a restricted-dma-pool), not the swiotlb= option alone
  const force = k.swiotlb_era.is_swiotlb_force_bounce(k, dev);
  t?.decide("is_swiotlb_force_bounce(dev)", force, force ? (dev.dma_io_tlb_mem?.for_alloc ? "a restricted-dma-pool device: every mapping bounces through its pool" : "swiotlb=force: every mapping bounces") : "no forced bouncing");
  if (force) {
    if (mmio) {
      t?.decide("attrs & DMA_ATTR_MMIO", true, "MMIO cannot be bounced: fail (47322c469d4a)");
      t?.exit("DMA_MAPPING_ERROR");
      return DMA_MAPPING_ERROR;
    }
    const r = swiotlb_map(k, dev, phys, size, dir, attrs);
    t?.exit(hex(r));
    return r;
  }
  let dma_addr: number;
  t?.decide("attrs & DMA_ATTR_MMIO", mmio, mmio ? "MMIO: the physical address is used as the DMA address, untranslated, never bounced" : "RAM: translate with phys_to_dma");
  if (mmio) {
    dma_addr = phys;
    const ok = dma_capable(k, dev, dma_addr, size, false);
    t?.decide("dma_capable(dev, dma_addr, size, false)", ok, ok ? `${hex(dma_addr)}+${hex(size)} is within the device's reach` : `${hex(dma_addr)}+${hex(size)} is beyond min(dma_mask ${hex(dev._dmaLimit)}, bus_dma_limit)`);
    if (!ok) return err_overflow(k, dev, dma_addr, size, inlinedInto);
  } else {
    dma_addr = phys_to_dma(k, dev, phys);
    const capable = dma_capable(k, dev, dma_addr, size, true);
    const small = capable && dma_kmalloc_needs_bounce(k, dev, size, dir);
    if (t) {
      if (!capable) t.decide("dma_capable(dev, dma_addr, size, true)", false, dma_addr === DMA_MAPPING_ERROR ? `phys ${hex(phys)} is outside the device's dma-ranges` : `${hex(dma_addr)}+${hex(size)} is beyond min(dma_mask ${hex(dev._dmaLimit)}, bus_dma_limit)`);
      else {
        t.decide("dma_capable(dev, dma_addr, size, true)", true, `${hex(dma_addr)}+${hex(size)} is within the device's reach`);
        t.decide("dma_kmalloc_needs_bounce(dev, size, dir)", small, small ? `a non-coherent device, ${DIR_NAMES[dir]} and ${size} bytes: kmalloc_size_roundup gives ${kmalloc_size_roundup(k, size)}, not a multiple of dma_get_cache_alignment() ${dma_get_cache_alignment(k)}` : "no cache line is shared with another kmalloc object");
      }
    }
    if (!capable || small) {
      const active = is_swiotlb_active(k, dev);
      t?.decide("is_swiotlb_active(dev)", active, active ? "bounce through swiotlb" : "no swiotlb pool: fail");
      if (active) {
        const r = swiotlb_map(k, dev, phys, size, dir, attrs);
        t?.exit(hex(r));
        return r;
      }
      return err_overflow(k, dev, dma_addr, size, inlinedInto);
    }
  }
  if (!dev_is_dma_coherent(k, dev) && !(attrs & (DMA_ATTR_SKIP_CPU_SYNC | DMA_ATTR_MMIO))) arch_sync_dma_for_device(k, phys, size, dir);
  else if (mmio) t?.note("DMA_ATTR_MMIO: no cache maintenance");
  t?.exit(hex(dma_addr));
  return dma_addr;
}

/** dma_direct_map_phys's err_overflow label: dev_WARN_ONCE(dev, 1, "DMA addr %pad+%zu overflow (mask %llx, bus limit %llx).\n") */
function err_overflow(k: Kernel, dev: Device, dma_addr: number, size: number, inlinedInto: string | undefined): number {
  k.warnOnce(`overflow-${dev.name}`, `${dev.driver} ${dev.name}: DMA addr ${fmtPad(k, dma_addr)}+${size} overflow (mask ${fmtMask(dev.dma_mask)}, bus limit ${fmtMask(dev.bus_dma_limit)}).`, "dma_direct_map_phys", "kernel/dma/direct.h:117", inlinedInto ?? "dma_map_phys");
  k.tr?.exit("DMA_MAPPING_ERROR");
  return DMA_MAPPING_ERROR;
}

/**
 * kernel/dma/direct.h dma_direct_unmap_phys (6.18.35): nothing for DMA_ATTR_MMIO ("uncached and
 * no swiotlb"); else sync for the CPU unless SKIP_CPU_SYNC, then swiotlb_tbl_unmap_single with
 * SKIP_CPU_SYNC (6.18's inline wrapper acts only on a swiotlb address: swiotlb_find_pool).
 */
export function dma_direct_unmap_phys(k: Kernel, dev: Device, addr: number, size: number, dir: number, attrs: number): void {
  k.tr?.enter(S_unmap_phys, { addr: hex(addr), size: hex(size), dir: DIR_NAMES[dir] ?? String(dir), attrs: attrsName(attrs) });
  if (attrs & DMA_ATTR_MMIO) {
    k.tr?.decide("attrs & DMA_ATTR_MMIO", true, "nothing to do: uncached and no swiotlb");
    k.tr?.exit();
    return;
  }
  const phys = dma_to_phys(k, dev, addr);
  if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)) dma_direct_sync_single_for_cpu(k, dev, addr, size, dir);
  if (is_swiotlb_buffer(k, phys, dev)) swiotlb_tbl_unmap_single(k, dev, phys, size, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
  k.tr?.exit();
}

/**
 * kernel/dma/direct.c dma_direct_map_sg (6.18.35): dma_direct_map_phys(sg_phys(sg)) per entry
 * (no PCI P2PDMA pages are modelled: PCI_P2PDMA_MAP_NONE); a failure unmaps the entries mapped so
 * far with SKIP_CPU_SYNC and returns -EIO.
 */
export function dma_direct_map_sg(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number, attrs: number): number {
  k.tr?.enter(S_map_sg, { nents: String(nents), dir: DIR_NAMES[dir] ?? String(dir) });
  for (let i = 0; i < nents; i++) {
    const sg = sgl[i]!;
    sg.dma_address = dma_direct_map_phys(k, dev, k.page_to_phys(sg.page) + sg.offset, sg.length, dir, attrs, "dma_direct_map_sg");
    if (sg.dma_address === DMA_MAPPING_ERROR) {
      dma_direct_unmap_sg(k, dev, sgl, i, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
      k.tr?.exit("-EIO");
      return -EIO;
    }
    sg.dma_length = sg.length;
  }
  k.tr?.exit(String(nents));
  return nents;
}

/** kernel/dma/direct.c dma_direct_unmap_sg (6.18.35): dma_direct_unmap_phys per entry (no bus-address P2P entries modelled) */
export function dma_direct_unmap_sg(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number, attrs: number): void {
  k.tr?.enter(S_unmap_sg, { nents: String(nents) });
  for (let i = 0; i < nents; i++) dma_direct_unmap_phys(k, dev, sgl[i]!.dma_address, sgl[i]!.dma_length, dir, attrs);
  k.tr?.exit();
}

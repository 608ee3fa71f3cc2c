/**
 * struct device, as far as DMA mapping uses it (include/linux/device.h, dma-mapping.h).
 */
import type { DmaMapOps } from "../kernel/dma/ops.js";
import type { CmaArea } from "../mm/cma.js";
import { DMA_BIT_MASK, F64_ZERO, maskLimit, min_not_zero } from "../core/u64.js";

/** struct bus_dma_region (include/linux/dma-direct.h) */
export interface BusDmaRegion {
  cpu_start: number;
  dma_start: number;
  size: number;
  /** offset = cpu_start - dma_start (may "wrap" in C; here a plain signed number) */
  offset: number;
}

/** struct dma_coherent_mem (kernel/dma/coherent.c): a per-device declared pool */
export interface DmaCoherentMem {
  virt_base: number;
  device_base: number;
  pfn_base: number;
  size: number; // pages
  bitmap: Uint8Array;
  use_dev_dma_pfn_offset: boolean;
}

export interface Device {
  name: string;
  /** driver bound to it (dev_driver_string) */
  driver: string;
  /** dev->dma_coherent (from DT dma-coherent / ACPI _CCA) */
  dma_coherent: boolean;
  /** *dev->dma_mask; null when the device has no dma_mask pointer */
  dma_mask: bigint | null;
  coherent_dma_mask: bigint;
  bus_dma_limit: bigint;
  dma_range_map: BusDmaRegion[] | null;
  dma_ops: DmaMapOps | null;
  cma_area: CmaArea | null;
  dma_mem: DmaCoherentMem | null;
  /** dma_parms */
  min_align_mask: number;
  max_segment_size: number;
  segment_boundary_mask: bigint;
  /**
   * dev->dma_io_tlb_mem (5.15+): the bounce pool this device uses. Unset means
   * &io_tlb_default_mem, as device_initialize sets it; a restricted-dma-pool would set its own.
   */
  dma_io_tlb_mem?: import("../kernel/dma/swiotlb/common.js").IoTlbMem | null;
  /** Description for `platforms`. */
  description: string;
  /** behind an IOMMU: its domain and stream id (drivers/iommu); null for devices that master RAM directly */
  iommu: import("./iommu/iommu.js").DeviceIommu | null;
  /** dev_is_pci */
  is_pci: boolean;
  /** pdev->untrusted */
  untrusted: boolean;
  /**
   * dev->dma_skip_sync (6.10+, f406c8e4b770): the dma_sync_* calls can be skipped. 0 in a new
   * device; dma_set_mask sets it (dma_setup_need_sync), the first swiotlb bounce clears it.
   */
  dma_skip_sync: boolean;
  /** cached numeric limits (kept in sync by dev_update_limits) */
  _dmaLimit: number;
  _coherentLimit: number;
}

export interface DeviceSpec {
  name: string;
  driver: string;
  description: string;
  coherent: boolean;
  /** DT dma-ranges: bus address dma_start maps cpu_start, size bytes */
  dma_ranges?: { cpu_start: number; dma_start: number; size: number }[];
  /** initial mask width (32 unless the driver raises it) */
  mask_bits?: number;
  /** DT memory-region: a shared-dma-pool with no-map, i.e. a per-device coherent pool (kernel/dma/coherent.c) */
  coherent_pool?: { phys: number; size: number };
  /** DT iommus = <&smmu sid> / a PCI requester id behind the platform's IOMMU */
  iommu_sid?: number;
  /** a PCI(e) function (dev_is_pci): dma-iommu tries a 32-bit IOVA first */
  pci?: boolean;
  /** pdev->untrusted (an external-facing port such as Thunderbolt) */
  untrusted?: boolean;
}

/** Recompute the cached numeric forms of the masks (after any mask change). */
export function dev_update_limits(dev: Device) {
  dev._dmaLimit = maskLimit(min_not_zero(dev.dma_mask ?? 0n, dev.bus_dma_limit));
  dev._coherentLimit = maskLimit(min_not_zero(dev.coherent_dma_mask, dev.bus_dma_limit));
}

/** drivers/of/device.c of_dma_configure_id: masks, bus limit and range map from dma-ranges. */
export function of_dma_configure(spec: DeviceSpec): Device {
  const bits = spec.mask_bits ?? 32;
  let dma_mask = DMA_BIT_MASK(bits);
  let coherent = DMA_BIT_MASK(bits);
  let bus_dma_limit = 0n;
  let map: BusDmaRegion[] | null = null;
  if (spec.dma_ranges && spec.dma_ranges.length > 0) {
    map = spec.dma_ranges.map((r) => ({ cpu_start: r.cpu_start, dma_start: r.dma_start, size: r.size, offset: r.cpu_start - r.dma_start }));
    const dma_start = Math.min(...map.map((r) => r.dma_start));
    const end = Math.max(...map.map((r) => r.dma_start + r.size)) - 1;
    void dma_start;
    const endBig = BigInt(end);
    // both masks &= DMA_BIT_MASK(ilog2(end) + 1)
    const width = endBig.toString(2).length;
    const clamp = DMA_BIT_MASK(width);
    dma_mask &= clamp;
    coherent &= clamp;
    bus_dma_limit = endBig;
  }
  const dev: Device = {
    name: spec.name,
    driver: spec.driver,
    description: spec.description,
    dma_coherent: spec.coherent,
    dma_mask,
    coherent_dma_mask: coherent,
    bus_dma_limit,
    dma_range_map: map,
    dma_ops: null,
    cma_area: null,
    dma_mem: null,
    iommu: null,
    is_pci: spec.pci ?? false,
    untrusted: spec.untrusted ?? false,
    dma_skip_sync: false,
    min_align_mask: 0,
    max_segment_size: 65536,
    segment_boundary_mask: DMA_BIT_MASK(32),
    // every field from the start, the limits as doubles (F64_ZERO, src/core/u64.ts): a device whose
    // mask fits a small integer (30 bits) and one whose does not, or one that later gets a
    // restricted pool, would otherwise give Device objects other hidden classes than the first's
    dma_io_tlb_mem: undefined,
    _dmaLimit: F64_ZERO,
    _coherentLimit: F64_ZERO,
  };
  dev_update_limits(dev);
  return dev;
}

/** dev_name / dev_driver_string pair as dma-debug prints it: "<driver> <device>" */
export function dev_id(dev: Device | null): string {
  return dev ? `${dev.driver} ${dev.name}` : "NULL NULL";
}

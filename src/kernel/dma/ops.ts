/**
 * struct dma_map_ops (include/linux/dma-map-ops.h) and the shared DMA data types.
 * Functions take the booted Kernel first, then the kernel's own arguments.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";

/** struct scatterlist (one entry) */
export interface Scatterlist {
  /** struct page pointer (page_link) */
  page: number;
  offset: number;
  length: number;
  dma_address: number;
  dma_length: number;
  /** include/linux/scatterlist.h SG_DMA_SWIOTLB in dma_flags (6.5+, 861370f49ce4): the list was mapped segment by segment through swiotlb (set on the first entry) */
  dma_swiotlb?: boolean;
}

/** struct sg_table */
export interface SgTable {
  sgl: Scatterlist[];
  nents: number;
  orig_nents: number;
  /** struct dma_sgt_handle's pages[] when the table is embedded in one (dma-iommu's alloc_noncontiguous, 5.14+) */
  handle_pages?: number[];
}

/** struct vm_area_struct, as far as mmap uses it */
export interface Vma {
  vm_start: number;
  vm_end: number;
  vm_pgoff: number;
  vm_page_prot: import("../../mm/pgtable.js").Prot;
}

export interface DmaMapOps {
  name: string;
  file: string;
  /** not a struct dma_map_ops: mapping.c's direct calls into dma-iommu (use_dma_iommu(dev), 6.12+ b5c58b2fdc42) */
  direct_call?: boolean;
  alloc?(k: Kernel, dev: Device, size: number, gfp: number, attrs: number): { cpu_addr: number; dma_handle: number } | null;
  free?(k: Kernel, dev: Device, size: number, cpu_addr: number, dma_handle: number, attrs: number): void;
  mmap?(k: Kernel, dev: Device, vma: Vma, cpu_addr: number, dma_addr: number, size: number, attrs: number): number;
  get_sgtable?(k: Kernel, dev: Device, sgt: SgTable, cpu_addr: number, dma_addr: number, size: number, attrs: number): number;
  map_page?(k: Kernel, dev: Device, page: number, offset: number, size: number, dir: number, attrs: number): number;
  unmap_page?(k: Kernel, dev: Device, dma_handle: number, size: number, dir: number, attrs: number): void;
  map_resource?(k: Kernel, dev: Device, phys_addr: number, size: number, dir: number, attrs: number): number;
  unmap_resource?(k: Kernel, dev: Device, dma_handle: number, size: number, dir: number, attrs: number): void;
  map_sg?(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number, attrs: number): number;
  unmap_sg?(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number, attrs: number): void;
  sync_single_for_cpu?(k: Kernel, dev: Device, dma_handle: number, size: number, dir: number): void;
  sync_single_for_device?(k: Kernel, dev: Device, dma_handle: number, size: number, dir: number): void;
  sync_sg_for_cpu?(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number): void;
  sync_sg_for_device?(k: Kernel, dev: Device, sgl: Scatterlist[], nents: number, dir: number): void;
  dma_supported?(k: Kernel, dev: Device, mask: bigint): boolean;
  /** 5.14+ (7d5b5738d151): scattered pages behind one DMA address */
  alloc_noncontiguous?(k: Kernel, dev: Device, size: number, dir: number, gfp: number, attrs: number): SgTable | null;
  free_noncontiguous?(k: Kernel, dev: Device, size: number, sgt: SgTable, dir: number): void;
  max_mapping_size?(k: Kernel, dev: Device): number;
  /** 6.0+ (a229cc14f339) */
  opt_mapping_size?(k: Kernel): number;
  /** 5.10+ (the dma_alloc_pages API) */
  alloc_pages?(k: Kernel, dev: Device, size: number, dir: number, gfp: number): { page: number; dma_handle: number } | null;
  free_pages?(k: Kernel, dev: Device, size: number, page: number, dma_handle: number, dir: number): void;
  /** 5.10–5.11 only (added with the dma_alloc_noncoherent API, removed by 81d88ce55092 in 5.12) */
  alloc_noncoherent?(k: Kernel, dev: Device, size: number, dir: number, gfp: number): { cpu_addr: number; dma_handle: number } | null;
  free_noncoherent?(k: Kernel, dev: Device, size: number, cpu_addr: number, dma_handle: number, dir: number): void;
  /** Members an #ifdef leaves NULL on this kernel (the model's tables are shared across versions): absent when this says false. */
  present?(k: Kernel, member: keyof DmaMapOps): boolean;
}

/** The method `member` of `ops` as this kernel has it: undefined when the table lacks it or its #ifdef leaves it NULL. */
export function opsMember<M extends keyof DmaMapOps>(k: Kernel, ops: DmaMapOps, member: M): DmaMapOps[M] | undefined {
  if (ops[member] === undefined) return undefined;
  if (ops.present && !ops.present(k, member)) return undefined;
  return ops[member];
}

export const ENXIO = 6;
export const ENOMEM = 12;
export const EINVAL = 22;
export const EIO = 5;

/**
 * drivers/iommu/intel-iommu.c (5.6) / drivers/iommu/intel/iommu.c (5.10): bounce_dma_ops, the VT-d driver's own
 * dma_map_ops for untrusted devices before dma-iommu took over (read from shmily1012/linux-5.6.4 and
 * ejga2001/linux-5.10.7; gone with c588072bba6b in 5.11). intel_iommu_add_device (5.6) / intel_iommu_probe_finalize
 * (5.10) give a device that device_needs_bounce() (a PCI device with pdev->untrusted, unless intel_iommu=nobounce)
 * these ops: a buffer whose start or size is not VT-d-page aligned is copied into a swiotlb slot of whole pages,
 * the padding zeroed, and only the slot is mapped; coherent allocations are intel_alloc_coherent's (no .mmap or
 * .get_sgtable: dma_mmap_coherent returns -ENXIO for such a device).
 */
import type { Kernel } from "../../../kernel.js";
import type { Device } from "../../device.js";
import type { DmaMapOps, Scatterlist } from "../../../kernel/dma/ops.js";
import { DMA_BIT_MASK, DMA_MAPPING_ERROR, PAGE_SIZE, hex } from "../../../core/u64.js";
import { sym, type Sym } from "../../../core/trace.js";
import { dma_common_alloc_pages, dma_common_free_pages } from "../../../kernel/dma/ops-helpers.js";
import { DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE } from "../../../include/gfp.js";
import { is_swiotlb_buffer, swiotlb_sync_single_for_cpu, swiotlb_sync_single_for_device, swiotlb_tbl_map_single, swiotlb_tbl_unmap_single } from "../../../kernel/dma/swiotlb/index.js";
import { DMA_PTE_READ, DMA_PTE_WRITE, domOf, domain_pfn_mapping, intel_alloc_coherent, intel_alloc_iova, intel_free_coherent, intel_unmap } from "./iommu.js";

const F = "drivers/iommu/intel/iommu.c";
/** 672cf6df9b8a (5.8) moved the driver into drivers/iommu/intel/; 5.6–5.7 have drivers/iommu/intel-iommu.c */
const MOVED = "672cf6df9b8a";
/** The symbol in this version's file (built only when tracing). */
function inFile(k: Kernel, s: Sym): Sym {
  return k.sw[MOVED] ? s : sym(s.name, "drivers/iommu/intel-iommu.c");
}
const S = {
  map: sym("bounce_map_single", F),
  unmap: sym("bounce_unmap_single", F),
  map_sg: sym("bounce_map_sg", F),
};

/** intel-iommu.c device_needs_bounce (5.6–5.10): !intel_no_bounce && dev_is_pci(d) && to_pci_dev(d)->untrusted. */
export function device_needs_bounce(dev: Device): boolean {
  return dev.is_pci && dev.untrusted;
}

function iova_to_phys(k: Kernel, dev: Device, addr: number): number {
  return dev.iommu!.domain.ops.iova_to_phys(k, dev.iommu!.domain, addr);
}

/** intel-iommu.c bounce_map_single (5.6–5.10): an IOVA for the whole pages, a bounce slot if unaligned, the padding zeroed, the slot mapped. */
function bounce_map_single(k: Kernel, dev: Device, paddr: number, size: number, dir: number, attrs: number, dma_mask: bigint): number {
  k.tr?.enter(inFile(k, S.map), { paddr: hex(paddr), size: hex(size) });
  const aligned_size = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
  const d = domOf(dev);
  const nrpages = Math.ceil(size / PAGE_SIZE); /* aligned_nrpages(0, size) */
  const iova_pfn = intel_alloc_iova(k, dev, d, nrpages, dma_mask);
  if (!iova_pfn) {
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }
  let prot = 0;
  if (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL) prot |= DMA_PTE_READ; /* the modelled unit has ZLR */
  if (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL) prot |= DMA_PTE_WRITE;
  const unaligned = paddr % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0;
  k.tr?.decide("!IS_ALIGNED(paddr | size, VTD_PAGE_SIZE)", unaligned, unaligned ? "the buffer does not fill whole pages: bounce it through swiotlb so the device sees nothing else" : "page-aligned start and size: mapped in place");
  let tlb_addr = paddr;
  if (unaligned) {
    tlb_addr = swiotlb_tbl_map_single(k, dev, paddr, size, aligned_size, dir, attrs);
    if (tlb_addr === DMA_MAPPING_ERROR) {
      d.iovad.free_iova_fast(iova_pfn, nrpages);
      k.dev_printk("err", dev, `Device bounce map: ${size.toString(16)}@${paddr.toString(16)} dir ${dir} --- failed`);
      k.tr?.exit("DMA_MAPPING_ERROR");
      return DMA_MAPPING_ERROR;
    }
    /* Cleanup the padding area. */
    let padding_start = tlb_addr;
    let padding_size = aligned_size;
    if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL)) {
      padding_start += size;
      padding_size -= size;
    }
    k.tr?.note(`Cleanup the padding area: memset(${k.arch.fmtVa(k.arch.__va(padding_start))}, 0, ${hex(padding_size)})`);
    if (padding_size > 0) k.kmemset(k.arch.__va(padding_start), 0, padding_size, "bounce_map_single");
  }
  if (domain_pfn_mapping(k, d, iova_pfn, Math.floor(tlb_addr / PAGE_SIZE), nrpages, prot)) {
    if (is_swiotlb_buffer(k, tlb_addr, dev)) swiotlb_tbl_unmap_single(k, dev, tlb_addr, size, dir, attrs, aligned_size);
    d.iovad.free_iova_fast(iova_pfn, nrpages);
    k.dev_printk("err", dev, `Device bounce map: ${size.toString(16)}@${paddr.toString(16)} dir ${dir} --- failed`);
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }
  k.tr?.note(`bounce_map_single: dev=${dev.name} dev_addr=${hex(iova_pfn * PAGE_SIZE)} phys_addr=${hex(paddr)} size=${size}`);
  k.tr?.exit(hex(iova_pfn * PAGE_SIZE));
  return iova_pfn * PAGE_SIZE;
}

/** intel-iommu.c bounce_unmap_single (5.6–5.10): unmap the pages, then release the slot (copying it back). */
function bounce_unmap_single(k: Kernel, dev: Device, dev_addr: number, size: number, dir: number, attrs: number): void {
  k.tr?.enter(inFile(k, S.unmap), { dev_addr: hex(dev_addr), size: hex(size) });
  const aligned_size = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
  const tlb_addr = iova_to_phys(k, dev, dev_addr);
  if (!tlb_addr) {
    k.warn(`WARNING: CPU: 0 PID: 1 at ${F}: bounce_unmap_single (WARN_ON(!tlb_addr))`, "bounce_unmap_single");
    k.tr?.exit();
    return;
  }
  intel_unmap(k, dev, dev_addr, size);
  if (is_swiotlb_buffer(k, tlb_addr, dev)) swiotlb_tbl_unmap_single(k, dev, tlb_addr, size, dir, attrs, aligned_size);
  k.tr?.exit();
}

/** intel-iommu.c bounce_sync_single (5.6–5.10): the slot's bytes, if the IOVA maps a slot. */
function bounce_sync_single(k: Kernel, dev: Device, addr: number, size: number, dir: number, forCpu: boolean): void {
  const tlb_addr = iova_to_phys(k, dev, addr);
  if (!is_swiotlb_buffer(k, tlb_addr, dev)) return;
  if (forCpu) swiotlb_sync_single_for_cpu(k, dev, tlb_addr, size, dir);
  else swiotlb_sync_single_for_device(k, dev, tlb_addr, size, dir);
}

/** intel-iommu.c bounce_map_sg (5.6–5.10): every segment on its own through bounce_map_page. */
function bounce_map_sg(k: Kernel, dev: Device, sgl: Scatterlist[], nelems: number, dir: number, attrs: number): number {
  k.tr?.enter(inFile(k, S.map_sg), { nelems: String(nelems) });
  for (let i = 0; i < nelems; i++) {
    const sg = sgl[i]!;
    sg.dma_address = bounce_map_single(k, dev, k.page_to_phys(sg.page) + sg.offset, sg.length, dir, attrs, dev.dma_mask ?? DMA_BIT_MASK(32));
    if (sg.dma_address === DMA_MAPPING_ERROR) {
      for (let j = 0; j < i; j++) bounce_unmap_single(k, dev, sgl[j]!.dma_address, sgl[j]!.dma_length, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
      k.tr?.exit("0");
      return 0;
    }
    sg.dma_length = sg.length;
  }
  k.tr?.exit(String(nelems));
  return nelems;
}

/** static const struct dma_map_ops bounce_dma_ops (5.6–5.10). */
export const bounce_dma_ops: DmaMapOps = {
  name: "bounce_dma_ops",
  file: F,
  alloc: intel_alloc_coherent,
  free: intel_free_coherent,
  map_sg: bounce_map_sg,
  unmap_sg: (k, dev, sgl, n, dir, attrs) => {
    for (let i = 0; i < n && i < sgl.length; i++) bounce_unmap_single(k, dev, sgl[i]!.dma_address, sgl[i]!.dma_length, dir, attrs);
  },
  map_page: (k, dev, page, offset, size, dir, attrs) => bounce_map_single(k, dev, k.page_to_phys(page) + offset, size, dir, attrs, dev.dma_mask ?? DMA_BIT_MASK(32)),
  unmap_page: bounce_unmap_single,
  sync_single_for_cpu: (k, dev, addr, size, dir) => bounce_sync_single(k, dev, addr, size, dir, true),
  sync_single_for_device: (k, dev, addr, size, dir) => bounce_sync_single(k, dev, addr, size, dir, false),
  sync_sg_for_cpu: (k, dev, sgl, n, dir) => {
    for (let i = 0; i < n && i < sgl.length; i++) bounce_sync_single(k, dev, sgl[i]!.dma_address, sgl[i]!.dma_length, dir, true);
  },
  sync_sg_for_device: (k, dev, sgl, n, dir) => {
    for (let i = 0; i < n && i < sgl.length; i++) bounce_sync_single(k, dev, sgl[i]!.dma_address, sgl[i]!.dma_length, dir, false);
  },
  /* 5.10 (iommu.c:4007–4008): the generic pair over bounce_map_page */
  alloc_pages: dma_common_alloc_pages,
  free_pages: dma_common_free_pages,
};

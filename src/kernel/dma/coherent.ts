/**
 * kernel/dma/coherent.c (CONFIG_DMA_DECLARE_COHERENT): per-device coherent pools declared with
 * dma_declare_coherent_memory / a DT shared-dma-pool with no-map. The CPU side is a
 * memremap(MEMREMAP_WC) mapping, i.e. an ioremap-range address.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import type { Vma } from "./ops.js";
import { sym } from "../../core/trace.js";
import { PAGE_SIZE, get_order, hex } from "../../core/u64.js";
import { VM_IOREMAP } from "../../mm/vmalloc.js";
import { ENXIO } from "./ops.js";
import { remap_pfn_range } from "../../mm/mm.js";

const S_alloc = sym("dma_alloc_from_dev_coherent", "kernel/dma/coherent.c");
const S_release = sym("dma_release_from_dev_coherent", "kernel/dma/coherent.c");

/** kernel/dma/coherent.c dma_init_coherent_memory + dma_declare_coherent_memory (5.x) */
export function dma_declare_coherent_memory(k: Kernel, dev: Device, phys_addr: number, device_addr: number, size: number): number {
  const pages = Math.floor(size / PAGE_SIZE);
  const vm = k.vmalloc.get_vm_area(pages * PAGE_SIZE, VM_IOREMAP, "memremap");
  if (!vm) return -12;
  k.pgd.map(vm.addr, phys_addr / PAGE_SIZE, pages * PAGE_SIZE, "wc");
  dev.dma_mem = { virt_base: vm.addr, device_base: device_addr, pfn_base: phys_addr / PAGE_SIZE, size: pages, bitmap: new Uint8Array(pages), use_dev_dma_pfn_offset: false };
  return 0;
}

/**
 * kernel/dma/coherent.c dma_alloc_from_dev_coherent (5.x): returns true if the device has a pool
 * (the allocation result, NULL included, is then final: no fallback).
 */
export function dma_alloc_from_dev_coherent(k: Kernel, dev: Device, size: number): { handled: boolean; cpu_addr: number; dma_handle: number } {
  const mem = dev.dma_mem;
  if (!mem) return { handled: false, cpu_addr: 0, dma_handle: 0 };
  k.tr?.enter(S_alloc, { size: hex(size) });
  const order = get_order(size);
  const n = 1 << order;
  for (let pageno = 0; pageno + n <= mem.size; pageno += n) {
    if (mem.bitmap.subarray(pageno, pageno + n).every((b) => b === 0)) {
      mem.bitmap.fill(1, pageno, pageno + n);
      const cpu_addr = mem.virt_base + pageno * PAGE_SIZE;
      const dma_handle = mem.device_base + pageno * PAGE_SIZE;
      k.kmemset(cpu_addr, 0, size);
      k.tr?.exit(`${k.arch.fmtVa(cpu_addr)} (ioremap range)`);
      return { handled: true, cpu_addr, dma_handle };
    }
  }
  k.tr?.exit("NULL (device pool full; no fallback)");
  return { handled: true, cpu_addr: 0, dma_handle: 0 };
}

/** kernel/dma/coherent.c dma_release_from_dev_coherent (5.x–6.18): true if vaddr was in the device pool */
export function dma_release_from_dev_coherent(k: Kernel, dev: Device, order: number, vaddr: number): boolean {
  const mem = dev.dma_mem;
  if (!mem || vaddr < mem.virt_base || vaddr >= mem.virt_base + mem.size * PAGE_SIZE) return false;
  k.tr?.enter(S_release, { vaddr: k.arch.fmtVa(vaddr) });
  const pageno = (vaddr - mem.virt_base) / PAGE_SIZE;
  mem.bitmap.fill(0, pageno, pageno + (1 << order));
  k.tr?.exit("1");
  return true;
}

/** kernel/dma/coherent.c dma_mmap_from_dev_coherent (5.x–6.18): handled → ret (0 or -ENXIO) */
export function dma_mmap_from_dev_coherent(k: Kernel, dev: Device, vma: Vma, vaddr: number, size: number): { handled: boolean; ret: number } {
  const mem = dev.dma_mem;
  if (!mem || vaddr < mem.virt_base || vaddr >= mem.virt_base + mem.size * PAGE_SIZE) return { handled: false, ret: 0 };
  const start = (vaddr - mem.virt_base) / PAGE_SIZE;
  const user_count = (vma.vm_end - vma.vm_start) / PAGE_SIZE;
  const count = Math.ceil(size / PAGE_SIZE);
  k.tr?.note(`dma_mmap_from_dev_coherent: the buffer is in ${dev.name}'s own pool: pfn from the pool base`);
  if (vma.vm_pgoff < count && user_count <= count - vma.vm_pgoff) return { handled: true, ret: remap_pfn_range(k, vma.vm_start, mem.pfn_base + start + vma.vm_pgoff, vma.vm_end - vma.vm_start, vma.vm_page_prot) };
  return { handled: true, ret: -ENXIO };
}

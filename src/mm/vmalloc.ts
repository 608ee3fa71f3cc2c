/**
 * The vmalloc / vmap / ioremap area (mm/vmalloc.c): vm_struct areas placed first fit from the
 * lowest free address in [VMALLOC_START, VMALLOC_END), each followed by one guard page
 * (no VM_NO_GUARD), page aligned; PTEs written into the kernel page table.
 */
import { PAGE_SIZE, hex } from "../core/u64.js";
import type { PageTable, Prot } from "./pgtable.js";

export const VM_IOREMAP = 0x1;
export const VM_ALLOC = 0x2;
export const VM_MAP = 0x4;
export const VM_DMA_COHERENT = 0x10;
export const VM_KERNEL_IMAGE = 0x1000; // the arm64 kernel image registered with vm_area_add_early

export interface VmStruct {
  addr: number;
  /** size including the guard page (as get_vm_area_size() + PAGE_SIZE in the kernel) */
  size: number;
  flags: number;
  /** dma_common_pages_remap keeps a page array; contiguous remaps do not (NULL). */
  pages: number[] | null;
  caller: string;
  nr_pages: number;
}

export class VmallocSpace {
  /** Areas sorted by address. */
  readonly areas: VmStruct[] = [];
  constructor(readonly start: number, readonly end: number, readonly pgd: PageTable) {}

  /** __get_vm_area_node → alloc_vmap_area: first fit from VMALLOC_START. */
  get_vm_area(size: number, flags: number, caller: string, guard = true): VmStruct | null {
    const total = size + (guard ? PAGE_SIZE : 0);
    let cursor = this.start;
    let at = 0;
    for (; at < this.areas.length; at++) {
      const a = this.areas[at]!;
      if (a.addr - cursor >= total) break;
      cursor = Math.max(cursor, a.addr + a.size);
    }
    if (this.end - cursor < total) return null;
    const vm: VmStruct = { addr: cursor, size: total, flags, pages: null, caller, nr_pages: size / PAGE_SIZE };
    this.areas.splice(at, 0, vm);
    return vm;
  }

  /** vmap(pages, count, flags, prot) */
  vmap(pfns: number[], flags: number, prot: Prot, caller: string): VmStruct | null {
    const vm = this.get_vm_area(pfns.length * PAGE_SIZE, flags, caller);
    if (!vm) return null;
    // a stretch of consecutive pfns at a time (the same PTEs as one map per page)
    for (let i = 0; i < pfns.length; ) {
      let n = 1;
      while (i + n < pfns.length && pfns[i + n] === pfns[i]! + n) n++;
      this.pgd.map(vm.addr + i * PAGE_SIZE, pfns[i]!, n * PAGE_SIZE, prot);
      i += n;
    }
    return vm;
  }

  /** find_vm_area */
  find_vm_area(addr: number): VmStruct | undefined {
    // areas are sorted: binary search
    let lo = 0;
    let hi = this.areas.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const a = this.areas[mid]!;
      if (addr < a.addr) hi = mid - 1;
      else if (addr >= a.addr + a.size) lo = mid + 1;
      else return a;
    }
    return undefined;
  }

  /** vunmap / remove_vm_area: clear PTEs, free the area. Returns the area or undefined. */
  remove_vm_area(addr: number): VmStruct | undefined {
    const i = this.areas.findIndex((a) => a.addr === addr);
    if (i < 0) return undefined;
    const vm = this.areas[i]!;
    this.pgd.unmap(vm.addr, vm.nr_pages * PAGE_SIZE);
    this.areas.splice(i, 1);
    return vm;
  }

  describe(addr: number): string {
    const a = this.find_vm_area(addr);
    if (!a) return `no vm area at ${hex(addr)}`;
    return `vm area ${hex(a.addr)}+${hex(a.size)} (${a.caller})`;
  }
}

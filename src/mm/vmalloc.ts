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

/** The page an address is in (kernel addresses are negative numbers on 64-bit arches). */
function pageStart(a: number): number {
  return a - (((a % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE);
}

export class VmallocSpace {
  /** Areas sorted by address. */
  readonly areas: VmStruct[] = [];
  /**
   * CONFIG_KASAN_VMALLOC (mm/kasan/shadow.c): the areas get real shadow. Set after the early
   * areas (vm_area_add_early) are registered; see kasan_vmalloc_enabled in mm-debug.ts.
   */
  kasan = false;
  /**
   * The generic-KASAN shadow of the vmalloc pages, per page address: how many bytes from the page's
   * start are accessible (the rest of the page is KASAN_VMALLOC_INVALID, 0xF8). A page never
   * populated has no entry. The kernel releases shadow pages only when it purges lazily freed
   * areas (kasan_release_vmalloc, past lazy_max_pages()), which the model never reaches.
   */
  readonly shadow = new Map<number, number>();
  constructor(readonly start: number, readonly end: number, readonly pgd: PageTable) {}

  /** mm/kasan/shadow.c kasan_populate_vmalloc (5.5–6.18): the shadow of [addr, addr + size) is populated with KASAN_VMALLOC_INVALID. */
  kasan_populate_vmalloc(addr: number, size: number): void {
    for (let p = addr; p < addr + size; p += PAGE_SIZE) this.shadow.set(p, 0);
  }

  /** mm/kasan/shadow.c kasan_unpoison_vmalloc (generic, 5.5–6.18): [addr, addr + size) accessible, a partial last granule marked with its byte count. */
  kasan_unpoison_vmalloc(addr: number, size: number): void {
    for (let p = addr; p < addr + size; p += PAGE_SIZE) this.shadow.set(p, Math.min(PAGE_SIZE, addr + size - p));
  }

  /** mm/kasan/shadow.c kasan_poison_vmalloc (generic, 5.5–6.18): [addr, addr + size) (size rounded up to the granule) becomes KASAN_VMALLOC_INVALID. */
  kasan_poison_vmalloc(addr: number, size: number): void {
    for (let p = pageStart(addr); p < addr + size; p += PAGE_SIZE) {
      const acc = this.shadow.get(p);
      if (acc === undefined) continue;
      const keep = Math.max(0, addr - p);
      this.shadow.set(p, Math.min(acc, keep - (keep % 8)));
    }
  }

  /** The first address in [addr, addr + size) whose shadow says KASAN_VMALLOC_INVALID (generic KASAN's memory_is_poisoned + find_first_bad_addr); undefined when all are accessible or the shadow was never populated. */
  kasan_first_bad_addr(addr: number, size: number): number | undefined {
    for (let a = addr; a < addr + size; ) {
      const p = pageStart(a);
      const acc = this.shadow.get(p);
      if (acc === undefined) return undefined;
      if (a - p >= acc) return a;
      a = p + acc;
    }
    return undefined;
  }

  /**
   * IOREMAP_MAX_ORDER, the cap on a VM_IOREMAP area's alignment: include/linux/vmalloc.h's 7 + PAGE_SHIFT (32-bit ARM
   * with SMP or LPAE: arch/arm/include/asm/memory.h sets 24 only for !SMP && !ARM_LPAE); PUD_SHIFT on arm64 and x86_64
   * (HAVE_ARCH_HUGE_VMAP: 5.15.178 arch/arm64/include/asm/memory.h:152, arch/x86/include/asm/page_types.h:47). Set by boot.
   */
  ioremap_max_order = 7 + 12;

  /**
   * mm/vmalloc.c __get_vm_area_node → alloc_vmap_area (5.6–6.18): first fit from VMALLOC_START; a VM_IOREMAP area
   * aligned to 1 << clamp(get_count_order_long(size), PAGE_SHIFT, IOREMAP_MAX_ORDER) (5.15.178 :2412–2414, 6.18.35
   * :3186–3188), any other to a page; the guard page counted in the size.
   */
  get_vm_area(size: number, flags: number, caller: string, guard = true): VmStruct | null {
    const total = size + (guard ? PAGE_SIZE : 0);
    const align = flags & VM_IOREMAP ? 2 ** Math.min(Math.max(Math.ceil(Math.log2(size)), 12), this.ioremap_max_order) : PAGE_SIZE;
    const up = (a: number) => Math.ceil(a / align) * align;
    let cursor = up(this.start);
    let at = 0;
    for (; at < this.areas.length; at++) {
      const a = this.areas[at]!;
      if (a.addr - cursor >= total) break;
      cursor = up(Math.max(cursor, a.addr + a.size));
    }
    if (this.end - cursor < total) return null;
    const vm: VmStruct = { addr: cursor, size: total, flags, pages: null, caller, nr_pages: size / PAGE_SIZE };
    this.areas.splice(at, 0, vm);
    // alloc_vmap_area → kasan_populate_vmalloc (the guard page included), then __get_vm_area_node's
    // kasan_unpoison_vmalloc(va_start, requested_size)
    if (this.kasan) {
      this.kasan_populate_vmalloc(vm.addr, total);
      this.kasan_unpoison_vmalloc(vm.addr, size);
    }
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

  /**
   * mm/vmalloc.c remove_vm_area (5.6–6.18): the area containing addr (__find_vmap_area / find_unlink_vmap_area) is unmapped and removed; undefined when there is none.
   * With KASAN_VMALLOC its get_vm_area_size() is poisoned first: by __vunmap (5.5–6.2, before remove_vm_area) or by remove_vm_area itself (6.3+, 79311c1fe017) — the same shadow either way.
   */
  remove_vm_area(addr: number): VmStruct | undefined {
    const vm = this.find_vm_area(addr);
    if (!vm) return undefined;
    if (this.kasan) this.kasan_poison_vmalloc(vm.addr, vm.nr_pages * PAGE_SIZE);
    const i = this.areas.indexOf(vm);
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

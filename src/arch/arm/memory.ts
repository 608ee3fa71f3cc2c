/**
 * 32-bit ARM (no LPAE) memory layout and conversions (arch/arm/include/asm/memory.h,
 * arch/arm/mm/mmu.c, arch/arm/mm/physaddr.c), 3G/1G split, FLATMEM mem_map with 32-byte
 * struct page records allocated in lowmem.
 */
import { warn_site } from "../../kernel/warn-sites.js";
import type { Arch, Layout } from "../arch.js";
import type { Kernel } from "../../kernel.js";
import { GEOM_ARM32 } from "../../mm/pgtable.js";
import { PAGE_SIZE, hex32 } from "../../core/u64.js";
import { restricted_pointer } from "../../lib/vsprintf.js";

/** PAGE_SIZE as a literal (a const enum: the bundles inline its members; a module constant is a `var` V8 cannot fold, and x / PAGE_SIZE is a real division) */
const enum Page {
  SIZE = 4096,
}

/** 012ea376a594 "ARM: mm: Don't use %pK through printk" (7.0; the 6.1.166 and 6.18.35 trees as stable backports): arch/arm/mm/physaddr.c's WARN prints %px instead of %pK */
const SW_ARM_PHYSADDR_PX = "012ea376a594";

export const ARM_PAGE_OFFSET = 0xc000_0000;
export const ARM_VMALLOC_END = 0xff80_0000;
const VMALLOC_OFFSET = 8 * 1024 * 1024;
const DEFAULT_VMALLOC = 240 * 1024 * 1024;

/** arch/arm/mm/mmu.c: lowmem ends where the default 240 MiB vmalloc area (+8 MiB gap) begins */
export function armLowmemLimit(physOffset: number, ramEnd: number): number {
  const vmalloc_min = ARM_VMALLOC_END - (DEFAULT_VMALLOC + VMALLOC_OFFSET);
  const lowmemPhysEnd = physOffset + (vmalloc_min - ARM_PAGE_OFFSET);
  return Math.min(ramEnd, lowmemPhysEnd);
}

export function armLayout(physOffset: number, lowmemEnd: number, memmapVirt: number, kimagePhys: number, kimageSize: number): Layout {
  const high_memory = ARM_PAGE_OFFSET + (lowmemEnd - physOffset);
  const VMALLOC_START = Math.floor((high_memory + VMALLOC_OFFSET) / VMALLOC_OFFSET) * VMALLOC_OFFSET;
  return {
    PAGE_OFFSET: ARM_PAGE_OFFSET,
    LINEAR_END: high_memory,
    VMALLOC_START,
    VMALLOC_END: ARM_VMALLOC_END,
    memmap_base: memmapVirt - (physOffset / PAGE_SIZE) * 32,
    VMEMMAP_START: memmapVirt,
    VMEMMAP_END: memmapVirt,
    STRUCT_PAGE_SIZE: 32,
    KIMAGE_VADDR: ARM_PAGE_OFFSET + (kimagePhys - physOffset),
    KIMAGE_SIZE: kimageSize,
    kimage_phys: kimagePhys,
    MMAP_BASE: 0xb6f0_0000,
    geometry: GEOM_ARM32,
    PHYS_OFFSET: physOffset,
  };
}

export class Arm32 implements Arch {
  readonly name = "arm" as const;
  readonly allDmaCoherent = false;
  constructor(readonly L: Layout) {}

  fmtVa(a: number): string {
    return hex32(a);
  }

  is_linear(a: number): boolean {
    return a >= this.L.PAGE_OFFSET && a < this.L.LINEAR_END;
  }

  __va(phys: number): number {
    return phys - this.L.PHYS_OFFSET + this.L.PAGE_OFFSET;
  }

  /** __virt_to_phys_nodebug (!ARM_PATCH_PHYS_VIRT): (phys_addr_t)x - PAGE_OFFSET + PHYS_OFFSET in 32 bits, for any address */
  __virt_to_phys_nodebug(a: number): number {
    return (a - this.L.PAGE_OFFSET + this.L.PHYS_OFFSET) >>> 0;
  }

  /**
   * arch/arm/mm/physaddr.c __virt_to_phys (DEBUG_VIRTUAL, 5.6–6.18; physaddr.c:40 in every tree):
   * WARN(!__virt_addr_valid(x), "virt_to_phys used for non-linear address: %pK (%pS)\n", x, x) — %px
   * with 012ea376a594 "ARM: mm: Don't use %pK through printk" (7.0; the 6.1.166 and 6.18.35 trees have it). %px: 8 hex digits, no 0x;
   * %pK with the default kptr_restrict = 0: the %p hash (restricted_pointer), the address itself with
   * no_hash_pointers (5.12+); %pS of an address that is no symbol: "0x%lx".
   */
  virt_to_phys(k: Kernel, a: number): number {
    if (k.cfg.CONFIG_DEBUG_VIRTUAL && !this.virt_addr_valid(k, a)) {
      const v = (a >>> 0).toString(16);
      const first = k.sw[SW_ARM_PHYSADDR_PX] ? v.padStart(8, "0") : restricted_pointer(k, a);
      k.warn(`virt_to_phys used for non-linear address: ${first} (0x${v})`, "__virt_to_phys", warn_site(k, "__virt_to_phys:arm"));
    }
    return this.__virt_to_phys_nodebug(a);
  }

  /** virt_to_page = pfn_to_page(virt_to_pfn(a)): virt_to_pfn bypasses __virt_to_phys, so DEBUG_VIRTUAL checks nothing (5.x) */
  virt_to_page(_k: Kernel, a: number): number {
    // virt_to_pfn: (((unsigned long)kaddr - PAGE_OFFSET) >> PAGE_SHIFT) + PHYS_PFN_OFFSET, 32-bit unsigned
    const pfn = (((a - this.L.PAGE_OFFSET) >>> 0) >>> 12) + this.L.PHYS_OFFSET / PAGE_SIZE;
    return this.pfn_to_page(pfn);
  }

  /** FLATMEM page_to_pfn: (page - mem_map) + ARCH_PFN_OFFSET */
  page_to_pfn(page: number): number {
    return Math.floor((page - this.L.memmap_base) / 32);
  }

  pfn_to_page(pfn: number): number {
    return (this.L.memmap_base + pfn * 32) >>> 0;
  }

  /** page_address: lowmem → linear address; highmem → NULL unless kmapped (HASHED_PAGE_VIRTUAL) */
  page_address(k: Kernel, page: number): number {
    const pfn = this.page_to_pfn(page);
    const phys = pfn * PAGE_SIZE;
    if (phys >= this.L.PHYS_OFFSET && this.__va(phys) < this.L.LINEAR_END) return this.__va(phys);
    void k;
    return 0;
  }

  /** arch/arm/include/asm/memory.h virt_addr_valid (5.6–6.18): a lowmem (PAGE_OFFSET..high_memory) address whose pfn is valid */
  virt_addr_valid(k: Kernel, a: number): boolean {
    return this.is_linear(a) && k.pfn_valid(Math.floor(this.__virt_to_phys_nodebug(a) / Page.SIZE));
  }

  /** arch/arm/mm/fault.c __do_kernel_fault (5.6–6.18): "NULL pointer dereference" below PAGE_SIZE, else "paging request" (no KFENCE), printed by die_kernel_fault (5.17+) or by itself */
  oopsText(k: Kernel, a: number, write: boolean): string {
    return die_kernel_fault_line(k, a >= 0 && a < PAGE_SIZE ? "NULL pointer dereference" : "paging request", a, write);
  }
}

/** arch/arm/mm/fault.c die_kernel_fault (5.17–6.18; the same pr_alert in __do_kernel_fault 5.6–5.16): "Unable to handle kernel %s at virtual address %08lx", from 6.2 (b40b84b120f5) ending " when %s" — execute (FSR_LNX_PF, never a data abort), write (FSR_WRITE: a store) or read */
function die_kernel_fault_line(k: Kernel, msg: string, a: number, write: boolean): string {
  const when = k.sw["b40b84b120f5"] ? ` when ${write ? "write" : "read"}` : "";
  return `Unable to handle kernel ${msg} at virtual address ${hex32(a).slice(2)}${when}`;
}

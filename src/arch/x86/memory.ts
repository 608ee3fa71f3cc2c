/**
 * x86_64 4-level kernel layout without KASLR of the bases (arch/x86/include/asm/page_64_types.h,
 * pgtable_64_types.h) and __pa / virt_to_page (arch/x86/mm/physaddr.c).
 */
import { BUG_at } from "../../mm/mm-debug.js";
import type { Arch, Layout } from "../arch.js";
import type { Kernel } from "../../kernel.js";
import { GEOM_X86_64_L4 } from "../../mm/pgtable.js";
import { PAGE_SIZE, hex64, parseU64, wrap } from "../../core/u64.js";

export const X86_PAGE_OFFSET = parseU64("0xffff888000000000");
export const X86_VMALLOC_START = parseU64("0xffffc90000000000");
export const X86_VMALLOC_END = parseU64("0xffffe8ffffffffff");
export const X86_VMEMMAP_START = parseU64("0xffffea0000000000");
export const START_KERNEL_map = parseU64("0xffffffff80000000");
/** PAGE_SIZE as a literal (a const enum: the bundles inline its members; a module constant is a `var` V8 cannot fold, and x / PAGE_SIZE is a real division) */
const enum Page {
  SIZE = 4096,
}
/**
 * The bases the per-pair paths (__va, __phys_addr_nodebug, page_to_pfn, pfn_to_page) use, as literals in dmasim's
 * signed u64 form (= the parseU64 exports above; test/x86-layout-literals.test.ts compares them): a const enum, so the
 * bundles inline them; a module constant is a `var` V8 loads and checks (Smi or HeapNumber) at each use.
 */
export const enum X86Base {
  /** 0xffff888000000000 */
  PAGE_OFFSET = -0x778000000000,
  /** 0xffffea0000000000 */
  VMEMMAP_START = -0x160000000000,
  /** 0xffffffff80000000 */
  START_KERNEL_map = -0x80000000,
  /** 2 ** X86_PHYS_BITS (virt_addr_valid's bound) */
  PHYS_LIMIT = 0x8000000000,
}
const KERNEL_IMAGE_SIZE = 1024 * 1024 * 1024;
/** boot_cpu_data.x86_phys_bits of the modelled PC (a client CPU) */
export const X86_PHYS_BITS = 39;

export function x86Layout(kimagePhys: number, kimageSize: number): Layout {
  return {
    PAGE_OFFSET: X86_PAGE_OFFSET,
    LINEAR_END: X86_PAGE_OFFSET + 2 ** 46,
    VMALLOC_START: X86_VMALLOC_START,
    VMALLOC_END: X86_VMALLOC_END + 1,
    memmap_base: X86_VMEMMAP_START,
    VMEMMAP_START: X86_VMEMMAP_START,
    VMEMMAP_END: X86_VMEMMAP_START + 2 ** 40,
    STRUCT_PAGE_SIZE: 64,
    KIMAGE_VADDR: START_KERNEL_map + kimagePhys,
    KIMAGE_SIZE: kimageSize,
    kimage_phys: kimagePhys,
    MMAP_BASE: 0x7f00_0000_0000,
    geometry: GEOM_X86_64_L4,
    PHYS_OFFSET: 0,
  };
}

export class X86_64 implements Arch {
  readonly name = "x86_64" as const;
  /** no ARCH_HAS_SYNC_DMA_*: dev_is_dma_coherent() is constant true */
  readonly allDmaCoherent = true;
  constructor(readonly L: Layout) {}

  fmtVa(a: number): string {
    return hex64(a);
  }

  is_linear(a: number): boolean {
    return a >= this.L.PAGE_OFFSET && a < this.L.LINEAR_END;
  }

  __va(phys: number): number {
    return phys + X86Base.PAGE_OFFSET;
  }

  /** __phys_addr_nodebug: kernel-image addresses via phys_base, everything else minus PAGE_OFFSET */
  __phys_addr_nodebug(a: number): number {
    return __phys_addr_nodebug(a);
  }

  /** arch/x86/include/asm/page.h __pa (5.6–6.18): __phys_addr with CONFIG_DEBUG_VIRTUAL, else __phys_addr_nodebug */
  virt_to_phys(k: Kernel, a: number): number {
    return k.cfg.CONFIG_DEBUG_VIRTUAL ? __phys_addr(k, a) : __phys_addr_nodebug(a);
  }

  /** virt_to_page = pfn_to_page(__pa(a) >> PAGE_SHIFT) */
  virt_to_page(k: Kernel, a: number): number {
    return this.pfn_to_page(Math.floor(this.virt_to_phys(k, a) / Page.SIZE));
  }

  page_to_pfn(page: number): number {
    return Math.floor((page - X86Base.VMEMMAP_START) / 64);
  }

  pfn_to_page(pfn: number): number {
    return wrap(X86Base.VMEMMAP_START + pfn * 64);
  }

  page_address(_k: Kernel, page: number): number {
    return this.__va(this.page_to_pfn(page) * PAGE_SIZE);
  }

  /** arch/x86/mm/physaddr.c __virt_addr_valid (5.6–6.18): __phys_addr_nodebug within x86_phys_bits and pfn_valid */
  virt_addr_valid(k: Kernel, a: number): boolean {
    const x = this.__phys_addr_nodebug(a);
    if (x < 0 || x >= X86Base.PHYS_LIMIT) return false;
    return k.pfn_valid(Math.floor(x / Page.SIZE));
  }

  /** arch/x86/mm/fault.c show_fault_oops */
  oopsText(_k: Kernel, a: number, _write: boolean): string {
    if (a >= 0 && a < PAGE_SIZE) return `BUG: kernel NULL pointer dereference, address: ${hex64(a).slice(2)}`;
    return `BUG: unable to handle page fault for address: ${hex64(a).slice(2)}`;
  }
}

/** arch/x86/include/asm/page_64.h __phys_addr_nodebug (5.6–6.18): kernel-image addresses via phys_base (0 without relocation), everything else minus PAGE_OFFSET */
function __phys_addr_nodebug(a: number): number {
  return a >= X86Base.START_KERNEL_map ? a - X86Base.START_KERNEL_map : wrap(a - X86Base.PAGE_OFFSET);
}

/**
 * arch/x86/mm/physaddr.c __phys_addr (5.6–6.18, DEBUG_VIRTUAL): VIRTUAL_BUG_ON (= BUG_ON) when a
 * kernel-image address is past the image (physaddr.c:23) or a direct-map one is below PAGE_OFFSET
 * or beyond x86_phys_bits (:28) — the same lines in 5.6.4, 5.10.7, 5.15.178, 6.1.166 and 6.18.35;
 * report_bug prints "kernel BUG at arch/x86/mm/physaddr.c:28!" (5.13, no stored tree: no line).
 * Out of line: virt_to_phys stays small enough for V8 to inline.
 */
function __phys_addr(k: Kernel, a: number): number {
  const x = __phys_addr_nodebug(a);
  const line = (n: number) => (k.version.id === "5.13" ? undefined : n);
  if (a >= START_KERNEL_map) {
    if (x >= KERNEL_IMAGE_SIZE) {
      k.tr?.note(`__phys_addr(${hex64(a)}): ${hex64(x)} is beyond the kernel image (KERNEL_IMAGE_SIZE)`);
      BUG_at(k, "arch/x86/mm/physaddr.c", line(23), "__phys_addr");
    }
  } else if (x < 0 || x >= 2 ** X86_PHYS_BITS) {
    k.tr?.note(`__phys_addr(${hex64(a)}): ${hex64(x)} is not a valid physical address (${X86_PHYS_BITS} bits)`);
    BUG_at(k, "arch/x86/mm/physaddr.c", line(28), "__phys_addr");
  }
  return x;
}

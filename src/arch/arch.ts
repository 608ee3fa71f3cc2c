/**
 * What every arch provides to the generic code: its kernel address layout and the address
 * conversions, with the arch's real behaviour on the wrong kind of address.
 */
import type { Geometry } from "../mm/pgtable.js";
import type { Kernel } from "../kernel.js";

export type ArchName = "arm64" | "arm" | "x86_64";

export interface Layout {
  PAGE_OFFSET: number;
  /** End of the linear map (arm64 PAGE_END; ARM32 high_memory; x86_64 PAGE_OFFSET + 64 TiB). */
  LINEAR_END: number;
  VMALLOC_START: number;
  VMALLOC_END: number;
  /** Base of the struct page array such that page(pfn) = memmap_base + pfn * STRUCT_PAGE_SIZE. */
  memmap_base: number;
  /** First and last+1 address of the populated/possible memmap region (for describing pointers). */
  VMEMMAP_START: number;
  VMEMMAP_END: number;
  STRUCT_PAGE_SIZE: number;
  KIMAGE_VADDR: number;
  KIMAGE_SIZE: number;
  /** Physical address the kernel image was loaded at. */
  kimage_phys: number;
  /** First user mmap address handed out (top-down mmap base). */
  MMAP_BASE: number;
  geometry: Geometry;
  /** PHYS_OFFSET / memstart_addr */
  PHYS_OFFSET: number;
}

export interface Arch {
  readonly name: ArchName;
  readonly L: Layout;
  /** Formats a kernel virtual address as the kernel prints it (%px). */
  fmtVa(a: number): string;
  /** Linear-map address of a physical address (__va / phys_to_virt). */
  __va(phys: number): number;
  /** virt_to_phys / __pa, with CONFIG_DEBUG_VIRTUAL checks (WARN or BUG) where the arch has them. */
  virt_to_phys(k: Kernel, a: number): number;
  /** virt_to_page: returns a struct page pointer (pure arithmetic or via the checked path). */
  virt_to_page(k: Kernel, a: number): number;
  /** page_to_pfn on a struct page pointer (arithmetic, no dereference). */
  page_to_pfn(page: number): number;
  /** pfn_to_page (arithmetic). */
  pfn_to_page(pfn: number): number;
  /** page_address: the kernel virtual address of a page, or 0 (NULL) for an unmapped highmem page. */
  page_address(k: Kernel, page: number): number;
  /** Is the address inside the linear map (__is_lm_address / lowmem)? */
  is_linear(a: number): boolean;
  /** virt_addr_valid */
  virt_addr_valid(k: Kernel, a: number): boolean;
  /** Does this arch treat DMA as coherent for every device (no ARCH_HAS_SYNC_DMA_*)? */
  readonly allDmaCoherent: boolean;
  /** The arch's text for a kernel paging fault at `a` (a store when `write`), as the running version prints it. */
  oopsText(k: Kernel, a: number, write: boolean): string;
  /** The lines the arch's fault handler prints after oopsText (show_pte and the like), if modelled. */
  oopsMore?(k: Kernel, a: number): string[];
}

/**
 * arch/arm/mm/kasan_init.c (generic KASAN, 2-level page tables, 4 KiB pages): the shadow memory a
 * CONFIG_KASAN kernel takes from memblock in kasan_init, which setup_arch calls right after
 * paging_init (5.15.178 arch/arm/kernel/setup.c:1155–1156) — so after the CMA area and the FLATMEM
 * mem_map. 32-bit ARM has KASAN from 5.11 (421015713b30); src/init.ts refuses it before.
 *
 * Every page comes from kasan_alloc_block(_raw) = memblock_alloc_try_nid(_raw)(PAGE_SIZE, PAGE_SIZE,
 * __pa(MAX_DMA_ADDRESS), MEMBLOCK_ALLOC_KASAN (5.11–6.0) / MEMBLOCK_ALLOC_NOLEAKTRACE, NUMA_NO_NODE).
 * Without ZONE_DMA MAX_DMA_ADDRESS is 0xffffffff, whose __pa lies above lowmem: the first try fails
 * and memblock_alloc_internal retries without the lower limit, below memblock.current_limit
 * (arm_lowmem_limit since paging_init). One page per call, top-down: the walk takes the N highest
 * free lowmem pages. mm/kasan/init.c's early_alloc for a partly covered early-shadow PMD is the
 * same memblock_alloc_try_nid.
 */
import type { Layout } from "../arch.js";
import type { Memblock } from "../../mm/memblock.js";
import type { KasanInitResult } from "../arm64/kasan_init.js";
import { hex32 } from "../../core/u64.js";

const PAGE = 4096;
const PMD_SIZE = 2 * 1024 * 1024; // 2-level: a Linux PMD (one pte table page) covers two 1 MiB sections
const SZ_16M = 16 * 1024 * 1024;
/** arch/arm/Kconfig KASAN_SHADOW_OFFSET, default 0x9f000000 if PAGE_OFFSET=0xC0000000 (5.12.9 … 6.18.35) */
const KASAN_SHADOW_OFFSET = 0x9f00_0000;

/** include/linux/kasan.h kasan_mem_to_shadow (5.11–6.18): (addr >> 3) + KASAN_SHADOW_OFFSET, in 32 bits */
function kasan_mem_to_shadow(va: number): number {
  return ((va >>> 3) + KASAN_SHADOW_OFFSET) >>> 0;
}

/** The kernel's shadow page table during kasan_init: which PMDs have a table, which ptes are set. */
class ShadowTable {
  /** PMD index → "table" (a page of its own) or "early" (kasan_early_shadow_pte) */
  readonly pmds = new Map<number, "table" | "early">();
  /** set ptes as sorted-by-insertion [start, end) page ranges */
  private readonly ptes: [number, number][] = [];
  tablePages = 0;
  shadowPages = 0;

  pmdNone(addr: number): boolean {
    return !this.pmds.has(Math.floor(addr / PMD_SIZE));
  }

  /** how many pages of [addr, end) have no pte yet (and set them) */
  setPtes(addr: number, end: number): number {
    let none = (end - addr) / PAGE;
    for (const [s, e] of this.ptes) {
      const lo = Math.max(s, addr);
      const hi = Math.min(e, end);
      if (hi > lo) none -= (hi - lo) / PAGE;
    }
    this.ptes.push([addr, end]);
    return none;
  }
}

/** include/linux/pgtable.h pgd_addr_end (5.11–6.18) with 2-level ARM's PGDIR_SIZE of 2 MiB: the step of the pgd loops (arch/arm/include/asm/pgtable-2level.h:231 makes pmd_addr_end (end), so the pmd loops run once per pgd entry) */
const pmd_addr_end = (addr: number, end: number) => Math.min((Math.floor(addr / PMD_SIZE) + 1) * PMD_SIZE, end);

/**
 * arch/arm/mm/kasan_init.c kasan_pgd_populate(addr, end, early = false) with kasan_pmd_populate and
 * kasan_pte_populate (5.11–6.18): pgd_none is 0 on 2-level tables (no allocation there); a PMD that is
 * none gets a pte table page; every pte that is none gets a shadow page (a set one is skipped, the
 * loop goes on).
 */
function kasan_pgd_populate(t: ShadowTable, addr: number, end: number): void {
  do {
    const next = pmd_addr_end(addr, end);
    if (t.pmdNone(addr)) {
      t.pmds.set(Math.floor(addr / PMD_SIZE), "table");
      t.tablePages++;
    }
    t.shadowPages += t.setPtes(addr, next);
    addr = next;
  } while (addr !== end);
}

/**
 * mm/kasan/init.c kasan_populate_early_shadow (5.11–6.18) on 2-level tables: the pgd/p4d/pud levels
 * are folded (their *_populate are no-ops), so what remains is zero_pmd_populate — a whole aligned
 * PMD points at kasan_early_shadow_pte; a partly covered PMD that is none gets a table from
 * early_alloc, whose ptes then map the zero page (zero_pte_populate).
 */
function kasan_populate_early_shadow(t: ShadowTable, addr: number, end: number): void {
  while (addr < end) {
    const next = pmd_addr_end(addr, end);
    if (addr % PMD_SIZE === 0 && end - addr >= PMD_SIZE) t.pmds.set(addr / PMD_SIZE, "early");
    else {
      if (t.pmdNone(addr)) {
        t.pmds.set(Math.floor(addr / PMD_SIZE), "table");
        t.tablePages++;
      }
      t.setPtes(addr, next);
    }
    addr = next;
  }
}

/** arch/arm/mm/kasan_init.c create_mapping (5.11–6.18): pr_info the block and its shadow, then populate [shadow(start) & PAGE_MASK, PAGE_ALIGN(shadow(end))). */
function create_mapping(t: ShadowTable, log: (m: string) => void, start: number, end: number): void {
  const s = kasan_mem_to_shadow(start);
  const e = kasan_mem_to_shadow(end);
  const px = (a: number) => a.toString(16).padStart(8, "0");
  log(`kasan: Mapping kernel virtual memory block: ${px(start)}-${px(end)} at shadow: ${px(s)}-${px(e)}`);
  kasan_pgd_populate(t, Math.floor(s / PAGE) * PAGE, Math.ceil(e / PAGE) * PAGE);
}

/**
 * arch/arm/mm/kasan_init.c kasan_init (5.11–6.18): clear the shadow PMDs; the early shadow over the
 * vmalloc area's shadow — to 5.19 [shadow(VMALLOC_START), shadow(-1) + 1) in one call; from 6.0 with
 * KASAN_VMALLOC (565cbaad83d8) only [shadow(VMALLOC_END), shadow(-1) + 1) — then for_each_mem_range:
 * highmem banks skipped, a bank that crosses arm_lowmem_limit truncated to it, each lowmem block
 * mapped (create_mapping); then the shadow of [MODULES_VADDR, PKMAP_BASE + PMD_SIZE) in one call,
 * until 823f606ab6b4 (6.1; 5.15.y) maps [MODULES_VADDR, MODULES_END) only without KASAN_VMALLOC and
 * [PKMAP_BASE, PKMAP_BASE + PMD_SIZE) in a call of its own (`onlyModulesWithoutVmalloc`). Messages: its pr_info lines
 * ("kasan: " pr_fmt) for the banks; the closing "Kernel address sanitizer initialized" (to 6.17;
 * 6.18 calls kasan_init_generic instead) is not modelled. The pages are taken from memblock,
 * top-down below lowmemLimit.
 */
export function kasan_init(L: Layout, kasanVmalloc: boolean, onlyModulesWithoutVmalloc: boolean, lowmemLimit: number, memblock: Memblock, banks: { start: number; size: number }[], log: (m: string) => void): KasanInitResult {
  const t = new ShadowTable();
  const va = (pa: number) => L.PAGE_OFFSET + (pa - L.PHYS_OFFSET);
  const pa = (a: number) => `0x${hex32(a).slice(2)}`; // %pa of a 32-bit phys_addr_t
  const shadowTop = (kasan_mem_to_shadow(0xffff_ffff) + 1) >>> 0;
  if (!kasanVmalloc) kasan_populate_early_shadow(t, kasan_mem_to_shadow(L.VMALLOC_START), shadowTop);
  else kasan_populate_early_shadow(t, kasan_mem_to_shadow(L.VMALLOC_END), shadowTop);
  for (const b of banks) {
    const paStart = b.start;
    const paEnd = b.start + b.size;
    if (paStart >= lowmemLimit) {
      log(`kasan: Skip highmem block at ${pa(paStart)}-${pa(paEnd)}`);
      continue;
    }
    let end = va(paEnd);
    if (paEnd > lowmemLimit) {
      log(`kasan: Truncating shadow for memory block at ${pa(paStart)}-${pa(paEnd)} to lowmem region at ${pa(lowmemLimit)}`);
      end = va(lowmemLimit);
    }
    create_mapping(t, log, va(paStart), end);
  }
  const PKMAP_BASE = L.PAGE_OFFSET - PMD_SIZE; // arch/arm/include/asm/highmem.h
  const MODULES_VADDR = L.PAGE_OFFSET - SZ_16M; // arch/arm/include/asm/memory.h (ARM, not Thumb-2)
  const MODULES_END = L.PAGE_OFFSET - PMD_SIZE; // with CONFIG_HIGHMEM
  if (!onlyModulesWithoutVmalloc) create_mapping(t, log, MODULES_VADDR, PKMAP_BASE + PMD_SIZE);
  else {
    if (!kasanVmalloc) create_mapping(t, log, MODULES_VADDR, MODULES_END);
    create_mapping(t, log, PKMAP_BASE, PKMAP_BASE + PMD_SIZE);
  }
  const n = t.tablePages + t.shadowPages;
  const ranges = memblock.allocPagesTopDown(n, 0, lowmemLimit, "KASAN shadow (kasan_init)");
  return { ranges, shadowPages: t.shadowPages, tablePages: t.tablePages };
}

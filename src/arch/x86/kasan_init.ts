/**
 * arch/x86/mm/kasan_init_64.c (generic KASAN, 4-level paging on a CPU without LA57, 4 KiB pages): the
 * shadow memory an x86_64 CONFIG_KASAN kernel takes from memblock. setup_arch calls kasan_init right after
 * x86_init.paging.pagetable_init = paging_init → sparse_init (5.10.7 arch/x86/kernel/setup.c:1163–1165,
 * 5.15.178 :1153–1155, 6.1.166 :1250–1252, 6.18.35 :1212–1214), so after dma_contiguous_reserve and the
 * memmap and long before mem_init's pci_iommu_alloc places the swiotlb pool (D20). From 6.2
 * (3f148f331814; 5.15.178 as a stable backport) the per-CPU cpu_entry_area shadow is mapped later, on
 * demand, by trap_init → setup_cpu_entry_areas — still before mm_init / mm_core_init, so still before the pool.
 *
 * Every allocation is early_alloc (kasan_init_64.c, and mm/kasan/init.c's for the early shadow's
 * partial tables): memblock_alloc_try_nid(size, align = size, __pa(MAX_DMA_ADDRESS) = 16 MiB,
 * MEMBLOCK_ALLOC_ACCESSIBLE = memblock.current_limit = get_max_mapped() (setup.c after init_mem_mapping:
 * the end of mapped RAM), nid), top-down. kasan_populate_pmd first tries a PMD_SIZE block for a whole,
 * aligned 2 MiB of shadow (boot_cpu_has(X86_FEATURE_PSE)), kasan_populate_pud a PUD_SIZE block for a
 * whole, aligned 1 GiB (X86_FEATURE_GBPAGES) — both features of the modelled PC, whose linear map the
 * model already builds with 1 GiB and 2 MiB leaves (src/init.ts). A Xen PV guest (x86_64-xen-pv) has
 * neither: Xen's PV CPUID policy leaves out PSE ('S', HVM guests only) and PAGE1GB ('H', HAP guests only)
 * (xen-project/xen 013a27047ca6 xen/include/public/arch-x86/cpufeatureset.h), so every PMD of shadow
 * there is a pte table and 512 pages.
 */
import type { Memblock } from "../../mm/memblock.js";
import { KasanShadowTables } from "../../mm/kasan_init.js";
import type { KasanInitResult } from "../arm64/kasan_init.js";

const PAGE = 4096n;
const PMD_SIZE = 1n << 21n;
const PUD_SIZE = 1n << 30n;
const P4D_SIZE = 1n << 39n; // = PGDIR_SIZE with 4-level paging (pgdir_shift 39)
const MiB = 1024 * 1024;

/** arch/x86/Kconfig KASAN_SHADOW_OFFSET, default 0xdffffc0000000000 (5.6.4 … 6.18.35: 5.15.178 :362–365, 6.18.35 :408–411) */
const KASAN_SHADOW_OFFSET = 0xdffffc0000000000n;
/** arch/x86/include/asm/kasan.h KASAN_SHADOW_SCALE_SHIFT (5.6–6.18) */
const KASAN_SHADOW_SCALE_SHIFT = 3n;
/** asm/kasan.h KASAN_SHADOW_START = OFFSET + ((-1UL << __VIRTUAL_MASK_SHIFT) >> 3), __VIRTUAL_MASK_SHIFT 47 on 4-level paging */
const KASAN_SHADOW_START = (KASAN_SHADOW_OFFSET + (((1n << 64n) - (1n << 47n)) >> KASAN_SHADOW_SCALE_SHIFT)) & ((1n << 64n) - 1n);
/** asm/kasan.h KASAN_SHADOW_END = KASAN_SHADOW_START + (1ULL << (47 - 3)): 0xfffffc0000000000 */
const KASAN_SHADOW_END = KASAN_SHADOW_START + (1n << (47n - KASAN_SHADOW_SCALE_SHIFT));

/** arch/x86/include/asm/page_64_types.h / pgtable_64_types.h, 4-level, no KASLR (the bases of src/arch/x86/memory.ts) */
const PAGE_OFFSET = 0xffff888000000000n;
/** MAXMEM = 1UL << MAX_PHYSMEM_BITS, 46 bits with 4-level paging (asm/sparsemem.h) */
const MAXMEM = 1n << 46n;
const VMALLOC_START = 0xffffc90000000000n;
/** VMALLOC_START + (VMALLOC_SIZE_TB_L4 << 40) - 1 (6.1+: VMEMORY_END, the same without KMSAN) */
const VMALLOC_END = 0xffffe8ffffffffffn;
/** CPU_ENTRY_AREA_BASE = CPU_ENTRY_AREA_PGD (-4) << P4D_SHIFT */
const CPU_ENTRY_AREA_BASE = 0xfffffe0000000000n;
/** asm/pgtable_areas.h CPU_ENTRY_AREA_PER_CPU: after the read-only IDT page */
const CPU_ENTRY_AREA_PER_CPU = CPU_ENTRY_AREA_BASE + PAGE;
const START_KERNEL_map = 0xffffffff80000000n;
/** pgtable_64_types.h MODULES_END with 4-level paging (no CONFIG_DEBUG_KMAP_LOCAL_FORCE_MAP) */
const MODULES_END = 0xffffffffff000000n;

/**
 * NR_CPUS of the modelled x86_64 kernel: 64 — the x86_64 defconfig's value (5.6.4
 * arch/x86/configs/x86_64_defconfig:28 CONFIG_NR_CPUS=64; later defconfigs leave it to arch/x86/Kconfig
 * NR_CPUS_DEFAULT "default 64 if SMP" without MAXSMP: 5.10.7 :988–993, 6.1.166 :1017–1022, 6.18.35
 * :1036–1041). Until 6.2 kasan_init maps the shadow of CPU_ENTRY_AREA_MAP_SIZE = PAGE_SIZE + NR_CPUS ×
 * sizeof(struct cpu_entry_area), possible CPUs or not.
 */
export const X86_NR_CPUS = 64;

/**
 * arch/x86/include/asm/cpu_entry_area.h sizeof(struct cpu_entry_area) on x86_64 with CONFIG_KASAN (5.6–6.18):
 * gdt (1 page) + entry_stack_page (1) + tss_struct (x86_hw_tss 0x68 + x86_io_bitmap 16416 bytes, page
 * aligned: 5 pages, asm/processor.h) + cea_exception_stacks (7 guard pages and 6 stacks of EXCEPTION_STKSZ:
 * DF, NMI, DB2 hole, DB1, DB, MCE in 5.6; DF, NMI, DB, MCE, VC, VC2 from 5.10) + debug_store (1 page) +
 * debug_store_buffers (BTS + PEBS, 2 × PAGE_SIZE << 4). EXCEPTION_STKSZ = PAGE_SIZE << (0 + KASAN_STACK_ORDER)
 * = 8 KiB, from 7fae4c24a2b8 (1 + KASAN_STACK_ORDER) = 16 KiB (asm/page_64_types.h:18): 0x3b000 / 0x47000.
 */
export function CPU_ENTRY_AREA_SIZE(biggerStacks: boolean): bigint {
  const EXCEPTION_STKSZ = biggerStacks ? 4n * PAGE : 2n * PAGE;
  const estacks = 7n * PAGE + 6n * EXCEPTION_STKSZ;
  return PAGE + PAGE + 5n * PAGE + estacks + PAGE + 2n * (PAGE << 4n);
}

/** include/linux/kasan.h kasan_mem_to_shadow (5.6–6.18): (addr >> KASAN_SHADOW_SCALE_SHIFT) + KASAN_SHADOW_OFFSET, unsigned */
export function kasan_mem_to_shadow(va: bigint): bigint {
  return BigInt.asUintN(64, (va >> KASAN_SHADOW_SCALE_SHIFT) + KASAN_SHADOW_OFFSET);
}

const roundDown = (a: bigint, s: bigint) => (a / s) * s;
const roundUp = (a: bigint, s: bigint) => ((a + s - 1n) / s) * s;
const addrEnd = (addr: bigint, end: bigint, size: bigint) => (roundDown(addr, size) + size < end ? roundDown(addr, size) + size : end);

/** The walk's calls to early_alloc: one-page calls (a table or a shadow page), or a huge block that may fail. */
type EarlyAlloc = { page(n: number, kind: "table" | "shadow"): void; block(size: bigint): boolean };

/** boot_cpu_has(X86_FEATURE_PSE) and boot_cpu_has(X86_FEATURE_GBPAGES): may kasan_populate_pmd / _pud map a huge block */
export interface X86CpuFeatures {
  pse: boolean;
  gbpages: boolean;
}

/**
 * The x86_64 shadow page tables during kasan_init (entries at P4D 39, PUD 30, PMD 21: with 4-level paging
 * pgd_none is 0, so the top level that allocates is the p4d), walked by kasan_populate_shadow and by
 * mm/kasan/init.c kasan_populate_early_shadow (KasanShadowTables.populate_early_shadow).
 */
class X86ShadowTables extends KasanShadowTables {
  constructor(
    private readonly early: EarlyAlloc,
    private readonly cpu: X86CpuFeatures,
  ) {
    super([39, 30, 21]);
  }

  /** arch/x86/mm/kasan_init_64.c kasan_populate_shadow (5.6–6.18): page-align the range, walk the pgd entries (4-level: kasan_populate_pgd allocates nothing, pgd_none being 0) */
  kasan_populate_shadow(addr: bigint, end: bigint) {
    addr = roundDown(addr, PAGE);
    end = roundUp(end, PAGE);
    do {
      const next = addrEnd(addr, end, P4D_SIZE);
      this.kasan_populate_p4d(addr, next);
      addr = next;
    } while (addr !== end);
  }

  /** arch/x86/mm/kasan_init_64.c kasan_populate_p4d (5.6–6.18): a missing pud table is a page; then each pud that is not large */
  private kasan_populate_p4d(addr: bigint, end: bigint) {
    if (this.none(39, addr)) {
      this.early.page(1, "table");
      this.set(39, addr >> 39n, (addr >> 39n) + 1n, "table");
    }
    if (this.kindAt(39, addr) === "early") return; // kasan_early_shadow_pud: every entry set, none large: nothing to allocate below
    do {
      const next = addrEnd(addr, end, PUD_SIZE);
      if (this.kindAt(30, addr) !== "huge") this.kasan_populate_pud(addr, next);
      addr = next;
    } while (addr !== end);
  }

  /** arch/x86/mm/kasan_init_64.c kasan_populate_pud (5.6–6.18): a none pud over a whole aligned GiB first tries early_alloc(PUD_SIZE) (GBPAGES), else a pmd table page; then each pmd that is not large */
  private kasan_populate_pud(addr: bigint, end: bigint) {
    if (this.none(30, addr)) {
      if (this.cpu.gbpages && end - addr === PUD_SIZE && addr % PUD_SIZE === 0n && this.early.block(PUD_SIZE)) {
        this.set(30, addr >> 30n, (addr >> 30n) + 1n, "huge");
        return;
      }
      this.early.page(1, "table");
      this.set(30, addr >> 30n, (addr >> 30n) + 1n, "table");
    }
    if (this.kindAt(30, addr) === "early") return;
    do {
      const next = addrEnd(addr, end, PMD_SIZE);
      if (this.kindAt(21, addr) !== "huge") this.kasan_populate_pmd(addr, next);
      addr = next;
    } while (addr !== end);
  }

  /** arch/x86/mm/kasan_init_64.c kasan_populate_pmd (5.6–6.18): a none pmd over a whole aligned 2 MiB first tries early_alloc(PMD_SIZE) (PSE), else a pte table page; then a page for every pte that is none (a set one is skipped, the loop goes on) */
  private kasan_populate_pmd(addr: bigint, end: bigint) {
    if (this.none(21, addr)) {
      if (this.cpu.pse && end - addr === PMD_SIZE && addr % PMD_SIZE === 0n && this.early.block(PMD_SIZE)) {
        this.set(21, addr >> 21n, (addr >> 21n) + 1n, "huge");
        return;
      }
      this.early.page(1, "table");
      this.set(21, addr >> 21n, (addr >> 21n) + 1n, "table");
    }
    if (this.kindAt(21, addr) === "early") return; // kasan_early_shadow_pte: every pte maps the zero page
    // the none ptes of [addr, end): the gaps between the set ranges
    let cur = addr;
    while (cur < end) {
      const set = this.firstSetPte(cur, end);
      if (set > cur) {
        this.early.page(Number((set - cur) / PAGE), "shadow");
        this.setPtes(cur, set);
      }
      if (set >= end) break;
      cur = this.setEnd(set, end);
    }
  }

  /** the end (capped at end) of the set pte range that covers addr */
  private setEnd(addr: bigint, end: bigint): bigint {
    let e = addr + PAGE;
    for (const [s, t] of this.ptes) if (s <= addr && t > addr && t > e) e = t;
    return e < end ? e : end;
  }
}

/** Which era's kasan_init and cpu_entry_area code runs (switches of src/switches/arch.ts). */
export interface X86KasanEra {
  /** 7fae4c24a2b8 (5.16; 5.15.178 backport): EXCEPTION_STACK_ORDER 1 + KASAN_STACK_ORDER */
  biggerExceptionStacks: boolean;
  /** 3f148f331814 (6.2; 5.15.178 backport): per-CPU cpu_entry_area shadow on demand, CPU_ENTRY_AREA_MAP_SIZE = P4D_SIZE */
  ceaOnDemand: boolean;
  /** 1cfaac2400c7 (6.2; not in 5.15.178): kasan_init maps the shadow of the shared chunk (the read-only IDT page) */
  ceaSharedChunk: boolean;
  /** "kasan: call kasan_init_generic in kasan_init" (6.18): the closing line is kasan_init_generic's */
  initGeneric: boolean;
}

/** What x86_64's kasan_init (and, from 6.2, setup_cpu_entry_areas) took from memblock. */
export interface X86KasanInitResult extends KasanInitResult {
  /** the huge shadow blocks (early_alloc(PMD_SIZE / PUD_SIZE) that pmd_set_huge / pud_set_huge kept), in call order */
  blocks: { start: number; size: number }[];
}

/**
 * x86_64 generic KASAN's boot-time shadow: the shadow page tables and a memblock-backed early_alloc —
 * one-page calls batched (n successive top-down one-page calls take the n highest free pages, which
 * allocPagesTopDown reserves as ranges), each huge block its own aligned call, in the kernel's call order.
 */
export class X86Kasan {
  readonly result: X86KasanInitResult = { ranges: [], blocks: [], shadowPages: 0, tablePages: 0 };
  private readonly t: X86ShadowTables;
  private pending = 0;
  private name = "KASAN shadow (kasan_init)";

  constructor(
    private readonly era: X86KasanEra,
    private readonly memblock: Memblock,
    /** memblock.current_limit = get_max_mapped(): the end of the mapped RAM */
    private readonly limit: number,
    /** the boot CPU's PSE and GBPAGES (both on bare metal; neither in a Xen PV guest) */
    cpu: X86CpuFeatures = { pse: true, gbpages: true },
  ) {
    const r = this.result;
    this.t = new X86ShadowTables({
      page: (n, kind) => {
        this.pending += n;
        if (kind === "table") r.tablePages += n;
        else r.shadowPages += n;
      },
      block: (size) => {
        this.flush();
        // early_alloc(size, nid, false): memblock_alloc_try_nid(size, size, __pa(MAX_DMA_ADDRESS), MEMBLOCK_ALLOC_ACCESSIBLE, nid)
        const got = this.memblock.tryAlloc(Number(size), Number(size), 16 * MiB, this.limit, this.name);
        if (got === null) return false; // p == NULL: kasan_populate_pmd/pud fall back to a table page
        const b = { start: got, size: Number(size) };
        r.blocks.push(b);
        r.ranges.push(b);
        r.shadowPages += Number(size / PAGE);
        return true;
      },
    }, cpu);
  }

  /** the pending one-page early_alloc calls, top-down from current_limit with the 16 MiB floor */
  private flush() {
    if (this.pending === 0) return;
    this.result.ranges.push(...this.memblock.allocPagesTopDown(this.pending, 16 * MiB, this.limit, this.name));
    this.pending = 0;
  }

  /** mm/kasan/init.c kasan_populate_early_shadow (5.6–6.18): its partial entries' tables are early_alloc(PAGE_SIZE) pages too */
  private populate_early_shadow(start: bigint, end: bigint) {
    const before = this.t.tablePages;
    this.t.populate_early_shadow(start, end);
    const n = this.t.tablePages - before;
    this.pending += n;
    this.result.tablePages += n;
  }

  /**
   * arch/x86/mm/kasan_init_64.c kasan_init (5.6–6.18; 5.10.7 :321–435, 5.15.178 :331–442, 6.1.166
   * :319–433, 6.6.63 :342–456, 6.18.35 :341–455): clear_pgds over the shadow; the early shadow below
   * shadow(PAGE_OFFSET); map_range of every pfn_mapped range; the early shadow over
   * [shadow(PAGE_OFFSET + MAXMEM), shadow(VMALLOC_START)), the vmalloc area's (no KASAN_VMALLOC in the
   * modelled config: x86's is a separate option, default n) and [shadow(VMALLOC_END + 1),
   * shadow_cpu_entry_begin); then, to 6.1, kasan_populate_shadow of the whole CPU entry area for NR_CPUS
   * (5.10.7 :365–399) — from 6.2 (1cfaac2400c7) only its shared first page, and 5.15.178 (the on-demand
   * backport without 1cfaac2400c7) nothing; the early shadow [shadow_cpu_entry_end,
   * shadow(__START_KERNEL_map)); the kernel image's shadow [shadow(_stext), shadow(_end)) — the model's
   * image [kimage.phys, + kimage.size) at __START_KERNEL_map + phys stands for _stext.._end; the early
   * shadow [shadow(MODULES_END), KASAN_SHADOW_END). Then pr_info("KernelAddressSanitizer initialized\n")
   * under pr_fmt "kasan: " (5.10.7 :434), or 6.18's kasan_init_generic (:454; mm/kasan/generic.c:47, no pr_fmt).
   */
  kasan_init(banks: { start: number; size: number }[], kimage: { phys: number; size: number }, log: (m: string) => void) {
    const { era, t } = this;
    this.populate_early_shadow(roundDown(KASAN_SHADOW_START, P4D_SIZE), kasan_mem_to_shadow(PAGE_OFFSET));
    // map_range: [shadow(pfn_to_kaddr(start)), shadow(pfn_to_kaddr(end)))
    for (const r of pfn_mapped(banks)) t.kasan_populate_shadow(kasan_mem_to_shadow(PAGE_OFFSET + r.start), kasan_mem_to_shadow(PAGE_OFFSET + r.end));

    const SIZE = CPU_ENTRY_AREA_SIZE(era.biggerExceptionStacks);
    // asm/pgtable_areas.h CPU_ENTRY_AREA_MAP_SIZE: PER_CPU + SIZE * NR_CPUS - BASE; P4D_SIZE on 64-bit with 97e3d26b5e5f (with the on-demand shadow in every modelled tree)
    const CPU_ENTRY_AREA_MAP_SIZE = era.ceaOnDemand ? P4D_SIZE : PAGE + SIZE * BigInt(X86_NR_CPUS);
    const shadow_cea_begin = roundDown(kasan_mem_to_shadow(CPU_ENTRY_AREA_BASE), PAGE);
    const shadow_cea_per_cpu_begin = roundUp(kasan_mem_to_shadow(CPU_ENTRY_AREA_PER_CPU), PAGE);
    const shadow_cea_end = roundUp(kasan_mem_to_shadow(CPU_ENTRY_AREA_BASE + CPU_ENTRY_AREA_MAP_SIZE), PAGE);

    this.populate_early_shadow(kasan_mem_to_shadow(PAGE_OFFSET + MAXMEM), kasan_mem_to_shadow(VMALLOC_START));
    this.populate_early_shadow(kasan_mem_to_shadow(VMALLOC_START), kasan_mem_to_shadow(VMALLOC_END));
    this.populate_early_shadow(kasan_mem_to_shadow(VMALLOC_END + 1n), shadow_cea_begin);
    if (!era.ceaOnDemand) t.kasan_populate_shadow(shadow_cea_begin, shadow_cea_end);
    else if (era.ceaSharedChunk) t.kasan_populate_shadow(shadow_cea_begin, shadow_cea_per_cpu_begin);
    this.populate_early_shadow(shadow_cea_end, kasan_mem_to_shadow(START_KERNEL_map));
    const stext = START_KERNEL_map + BigInt(kimage.phys);
    t.kasan_populate_shadow(kasan_mem_to_shadow(stext), kasan_mem_to_shadow(stext + BigInt(kimage.size)));
    this.populate_early_shadow(kasan_mem_to_shadow(MODULES_END), KASAN_SHADOW_END);
    this.flush();
    log(era.initGeneric ? "KernelAddressSanitizer initialized (generic)" : "kasan: KernelAddressSanitizer initialized");
  }

  /**
   * arch/x86/mm/cpu_entry_area.c setup_cpu_entry_areas → setup_cpu_entry_area(cpu) for each possible CPU
   * (from trap_init, before mm_init / mm_core_init) with 3f148f331814 + 97650148a15e (6.2; 5.15.178
   * :178–201, 6.6.63 :177–196, 6.18.35 :177–196): kasan_populate_shadow_for_vaddr(cea, CPU_ENTRY_AREA_SIZE,
   * early_cpu_to_node(cpu)) = kasan_populate_shadow([round_down(shadow(cea)), round_up(shadow(cea + size)))),
   * cea = CPU_ENTRY_AREA_PER_CPU + cea_offset(cpu) × CPU_ENTRY_AREA_SIZE; without KASLR (the model's
   * layout) init_cea_offsets gives cea_offset(cpu) = cpu (5.15.178 :34–37, 6.18.35 :33–36).
   */
  setup_cpu_entry_areas(nrPossibleCpus: number) {
    this.name = "KASAN shadow (cpu_entry_area)";
    const SIZE = CPU_ENTRY_AREA_SIZE(this.era.biggerExceptionStacks);
    for (let cpu = 0; cpu < nrPossibleCpus; cpu++) {
      const cea = CPU_ENTRY_AREA_PER_CPU + BigInt(cpu) * SIZE;
      this.t.kasan_populate_shadow(roundDown(kasan_mem_to_shadow(cea), PAGE), roundUp(kasan_mem_to_shadow(cea + SIZE), PAGE));
    }
    this.flush();
  }
}

/**
 * arch/x86/mm/init.c pfn_mapped (5.6–6.18): the ranges init_mem_mapping mapped, merged and sorted
 * (add_pfn_range_mapped → add_range_with_merge, clean_sort_range): the first MiB (init_memory_mapping(0,
 * ISA_END_ADDRESS)) and every memblock.memory range; adjacent ranges merge.
 */
export function pfn_mapped(banks: { start: number; size: number }[]): { start: bigint; end: bigint }[] {
  const rs = [{ start: 0n, end: BigInt(MiB) }, ...banks.map((b) => ({ start: BigInt(b.start), end: BigInt(b.start + b.size) }))].sort((a, b) => (a.start < b.start ? -1 : 1));
  const out: { start: bigint; end: bigint }[] = [];
  for (const r of rs) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = r.end > last.end ? r.end : last.end;
    else out.push({ ...r });
  }
  return out;
}

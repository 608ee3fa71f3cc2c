/**
 * drivers/iommu/io-pgtable-arm.c, what every modelled era shares: the ARM LPAE stage-1 descriptor
 * format, the table geometry, arm_64_lpae_alloc_pgtable_s1, iova_to_phys and table freeing. Read
 * from ejga2001/linux-5.10.7 and yishangzhang/linux-5.19 (docs/verified-facts.md); map and unmap,
 * which 5.15 restructured around page counts, live in v5.6.ts (5.6–5.14) and v5.15.ts (5.15+).
 *
 * The tables are real bytes in the model's RAM: each table is a page from the page allocator and
 * each descriptor a little-endian u64 in it, written by the CPU and walked by the SMMU. A descriptor
 * is held here as two 32-bit halves (lo = bits 0–31, hi = bits 32–63).
 */

export const ARM_LPAE_MAX_LEVELS = 4;
export const ARM_LPAE_PTE_TYPE_BLOCK = 1;
export const ARM_LPAE_PTE_TYPE_TABLE = 3;
export const ARM_LPAE_PTE_TYPE_PAGE = 3;
/* lo half */
export const ARM_LPAE_PTE_NS = 1 << 5;
export const ARM_LPAE_PTE_AP_UNPRIV = 1 << 6;
export const ARM_LPAE_PTE_AP_RDONLY = 2 << 6;
export const ARM_LPAE_PTE_SH_OS = 2 << 8;
export const ARM_LPAE_PTE_SH_IS = 3 << 8;
export const ARM_LPAE_PTE_AF = 1 << 10;
export const ARM_LPAE_PTE_nG = 1 << 11;
export const ARM_LPAE_PTE_ATTRINDX_SHIFT = 2;
export const ARM_LPAE_PTE_ATTR_LO_MASK = 0x3ff << 2;
/* hi half (bit n of the u64 is bit n-32 here) */
export const ARM_LPAE_PTE_XN_HI = 3 << 21; /* bits 53–54 */
export const ARM_LPAE_PTE_ATTR_HI_MASK_HI = 6 << 20; /* (6 << 52) */
export const ARM_LPAE_PTE_SW_SYNC_HI = 1 << 23; /* bit 55 */

export const ARM_LPAE_MAIR_ATTR_IDX_NC = 0;
export const ARM_LPAE_MAIR_ATTR_IDX_CACHE = 1;
export const ARM_LPAE_MAIR_ATTR_IDX_DEV = 2;
export const ARM_LPAE_MAIR_ATTR_IDX_INC_OCACHE = 3;

/** include/linux/iommu.h prot bits. */
export const IOMMU_READ = 1 << 0;
export const IOMMU_WRITE = 1 << 1;
export const IOMMU_CACHE = 1 << 2;
export const IOMMU_NOEXEC = 1 << 3;
export const IOMMU_MMIO = 1 << 4;
export const IOMMU_PRIV = 1 << 5;

export const SZ_4K = 0x1000;
export const SZ_2M = 0x200000;
export const SZ_1G = 0x40000000;

/** Where the tables live: zeroed pages from the page allocator, descriptors read and written as u64. */
export interface IoPgtableMem {
  /** __arm_lpae_alloc_pages: a zeroed, physically contiguous block of `size` bytes; its phys, or null. */
  allocPages(size: number): number | null;
  /** __arm_lpae_free_pages. */
  freePages(phys: number, size: number): void;
  readLo(phys: number): number;
  readHi(phys: number): number;
  /** Store a descriptor (the CPU's write; a non-coherent walker sees it only after syncPte). */
  write(phys: number, lo: number, hi: number): void;
  /** __arm_lpae_sync_pte: clean `n` descriptors to the point the walker reads (non-coherent walk only). */
  syncPte?(phys: number, n: number): void;
}

/**
 * struct iommu_flush_ops: the TLB maintenance io-pgtable asks of the IOMMU driver (plus `note`, where
 * the descriptor writes are reported for the trace). Implementations are class instances, not
 * closures, so a cloned model (src/boot-cache.ts) gets its own.
 */
export interface IommuFlushOps {
  tlb_flush_walk(iova: number, size: number, granule: number): void;
  tlb_add_page(gather: IommuIotlbGather | null, iova: number, granule: number): void;
  /** `text` builds the line; called only when a trace keeps it (most runs have none: a descriptor write then costs no string) */
  note?(text: () => string): void;
}

/** struct iommu_iotlb_gather (5.15+ has `queued`: the unmap is deferred to a flush queue). */
export interface IommuIotlbGather {
  start: number;
  end: number;
  pgsize: number;
  queued: boolean;
}

/** struct io_pgtable_cfg as arm-smmu-v3 fills it for a stage-1 DMA domain. */
/** The io-pgtable-arm behaviour switches (src/switches/iommu.ts), by what they change. */
export const IO_PGTABLE_SWITCHES = {
  /** 6093cd582f8e (6.11; 6.1.y and 6.6.y backports): map_pages with neither IOMMU_READ nor IOMMU_WRITE returns -EINVAL, not 0 */
  noAccessEinval: "6093cd582f8e",
  /** 85b715a33458 (6.12): __arm_lpae_unmap frees non-leaf entries first, clears all in one go, then adds every page to the gather */
  unmapNonLeafFirst: "85b715a33458",
  /** 33729a5fc0ca (6.13): arm_lpae_split_blk_unmap is gone; unmapping part of a block maps nothing out and WARNs */
  noSplitOnUnmap: "33729a5fc0ca",
} as const;

export interface IoPgtableCfg {
  pgsize_bitmap: number;
  ias: number;
  oas: number;
  coherent_walk: boolean;
  /** IO_PGTABLE_QUIRK_NON_STRICT (5.6–5.14): unmapped leaves are not added to the gather */
  non_strict: boolean;
  /** the kernel's behaviour switches (src/switches/iommu.ts IO_PGTABLE_SWITCHES); absent = none */
  has?: (commit: string) => boolean;
  /** filled by arm_64_lpae_alloc_pgtable_s1 */
  ttbr: number;
  mair: bigint;
  tcr: { ips: number; tg: number; sh: number; orgn: number; irgn: number; tsz: number };
}

/** struct arm_lpae_io_pgtable: the geometry and the pgd. */
export interface ArmLpaeIoPgtable {
  cfg: IoPgtableCfg;
  mem: IoPgtableMem;
  tlb: IommuFlushOps;
  pgd_bits: number;
  start_level: number;
  bits_per_level: number;
  /** phys of the pgd */
  pgd: number;
  /** WARN_ON()s hit */
  warns: number;
}

/** "level L descriptor at phys P = 0x…": for the trace. */
export function describePte(lvl: number, ptep: number, lo: number, hi: number, what: string): string {
  const v = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  return `io-pgtable: level ${lvl} ${what} at phys 0x${ptep.toString(16)} = 0x${v.toString(16).padStart(16, "0")}`;
}

/** ARM_LPAE_LVL_SHIFT */
export function lvlShift(l: number, d: ArmLpaeIoPgtable): number {
  return (ARM_LPAE_MAX_LEVELS - l) * d.bits_per_level + 3;
}
/** ARM_LPAE_BLOCK_SIZE */
export function blockSize(l: number, d: ArmLpaeIoPgtable): number {
  return 2 ** lvlShift(l, d);
}
/** ARM_LPAE_GRANULE */
export function granule(d: ArmLpaeIoPgtable): number {
  return 8 * 2 ** d.bits_per_level;
}
/** ARM_LPAE_PTES_PER_TABLE */
export function ptesPerTable(d: ArmLpaeIoPgtable): number {
  return granule(d) / 8;
}
/** ARM_LPAE_LVL_IDX: the index of `iova` in its table at level l. */
export function lvlIdx(iova: number, l: number, d: ArmLpaeIoPgtable): number {
  const idxBits = d.bits_per_level + (l === d.start_level ? d.pgd_bits - d.bits_per_level : 0);
  return Math.floor(iova / 2 ** lvlShift(l, d)) % 2 ** idxBits;
}
/** iopte_leaf (ARM_64_LPAE_S1): a page at the last level, a block above it. */
export function iopte_leaf(lo: number, lvl: number): boolean {
  return lvl === ARM_LPAE_MAX_LEVELS - 1 ? (lo & 3) === ARM_LPAE_PTE_TYPE_PAGE : (lo & 3) === ARM_LPAE_PTE_TYPE_BLOCK;
}
/** iopte_to_paddr (4 KiB granule): bits 47:12 of the descriptor. */
export function iopte_to_paddr(lo: number, hi: number): number {
  return (hi & 0xffff) * 2 ** 32 + ((lo & 0xfffff000) >>> 0);
}
/** paddr_to_iopte (4 KiB granule) as [lo, hi]. */
export function paddrLo(paddr: number): number {
  return (paddr % 2 ** 32) & 0xfffff000;
}
export function paddrHi(paddr: number): number {
  return Math.floor(paddr / 2 ** 32) & 0xffff;
}

/** io-pgtable-arm.c arm_lpae_prot_to_pte for ARM_64_LPAE_S1 (5.6–5.19): [lo, hi] attribute bits. */
export function arm_lpae_prot_to_pte(prot: number): [number, number] {
  let lo = ARM_LPAE_PTE_nG;
  let hi = 0;
  if (!(prot & IOMMU_WRITE) && prot & IOMMU_READ) lo |= ARM_LPAE_PTE_AP_RDONLY;
  if (!(prot & IOMMU_PRIV)) lo |= ARM_LPAE_PTE_AP_UNPRIV;
  if (prot & IOMMU_MMIO) lo |= ARM_LPAE_MAIR_ATTR_IDX_DEV << ARM_LPAE_PTE_ATTRINDX_SHIFT;
  else if (prot & IOMMU_CACHE) lo |= ARM_LPAE_MAIR_ATTR_IDX_CACHE << ARM_LPAE_PTE_ATTRINDX_SHIFT;
  lo |= prot & IOMMU_CACHE ? ARM_LPAE_PTE_SH_IS : ARM_LPAE_PTE_SH_OS;
  if (prot & IOMMU_NOEXEC) hi |= ARM_LPAE_PTE_XN_HI;
  lo |= ARM_LPAE_PTE_AF;
  return [lo >>> 0, hi];
}

/** io-pgtable-arm.c arm_lpae_restrict_pgsizes + arm_lpae_alloc_pgtable + arm_64_lpae_alloc_pgtable_s1 (5.6–5.19), 4 KiB granule only. */
export function arm_64_lpae_alloc_pgtable_s1(cfg: IoPgtableCfg, mem: IoPgtableMem, tlb: IommuFlushOps): ArmLpaeIoPgtable | null {
  cfg.pgsize_bitmap = cfg.pgsize_bitmap & (SZ_4K | SZ_2M | SZ_1G);
  cfg.ias = Math.min(cfg.ias, 48);
  cfg.oas = Math.min(cfg.oas, 48);
  if (!(cfg.pgsize_bitmap & SZ_4K)) return null;
  const pg_shift = 12;
  const bits_per_level = pg_shift - 3;
  const va_bits = cfg.ias - pg_shift;
  const levels = Math.ceil(va_bits / bits_per_level);
  const d: ArmLpaeIoPgtable = { cfg, mem, tlb, bits_per_level, start_level: ARM_LPAE_MAX_LEVELS - levels, pgd_bits: va_bits - bits_per_level * (levels - 1), pgd: 0, warns: 0 };
  /* TCR: inner-shareable write-back walks when coherent, outer-shareable non-cacheable otherwise */
  const ips = ({ 32: 0, 36: 1, 40: 2, 42: 3, 44: 4, 48: 5 } as Record<number, number>)[cfg.oas];
  if (ips === undefined) return null;
  cfg.tcr = { ips, tg: 0 /* TG0_4K */, sh: cfg.coherent_walk ? 3 : 2, orgn: cfg.coherent_walk ? 1 : 0, irgn: cfg.coherent_walk ? 1 : 0, tsz: 64 - cfg.ias };
  /* the kernel computes MAIR in int: 0xf4 << 24 is negative and sign-extends, so attributes 4–7 read 0xff */
  const mair32 = (0x44 << (ARM_LPAE_MAIR_ATTR_IDX_NC * 8)) | (0xff << (ARM_LPAE_MAIR_ATTR_IDX_CACHE * 8)) | (0x04 << (ARM_LPAE_MAIR_ATTR_IDX_DEV * 8)) | (0xf4 << (ARM_LPAE_MAIR_ATTR_IDX_INC_OCACHE * 8));
  cfg.mair = BigInt.asUintN(64, BigInt(mair32 | 0));
  const pgd = mem.allocPages(8 * 2 ** d.pgd_bits);
  if (pgd === null) return null;
  d.pgd = pgd;
  cfg.ttbr = pgd;
  return d;
}

/** io-pgtable-arm.c arm_lpae_iova_to_phys (5.6–5.19): the walk; 0 when nothing is mapped. */
export function arm_lpae_iova_to_phys(d: ArmLpaeIoPgtable, iova: number): number {
  let table = d.pgd;
  for (let lvl = d.start_level; lvl < ARM_LPAE_MAX_LEVELS; lvl++) {
    const ptep = table + 8 * lvlIdx(iova, lvl, d);
    const lo = d.mem.readLo(ptep);
    const hi = d.mem.readHi(ptep);
    if (lo === 0 && hi === 0) return 0;
    if (iopte_leaf(lo, lvl)) return iopte_to_paddr(lo, hi) + (iova % blockSize(lvl, d));
    table = iopte_to_paddr(lo, hi);
  }
  return 0;
}

/** io-pgtable-arm.c __arm_lpae_free_pgtable (5.6–5.19): free a table and every table below it. */
export function __arm_lpae_free_pgtable(d: ArmLpaeIoPgtable, lvl: number, table: number): void {
  const table_size = lvl === d.start_level ? 8 * 2 ** d.pgd_bits : granule(d);
  if (lvl < ARM_LPAE_MAX_LEVELS - 1) {
    for (let p = table; p < table + table_size; p += 8) {
      const lo = d.mem.readLo(p);
      const hi = d.mem.readHi(p);
      if ((lo === 0 && hi === 0) || iopte_leaf(lo, lvl)) continue;
      __arm_lpae_free_pgtable(d, lvl + 1, iopte_to_paddr(lo, hi));
    }
  }
  d.mem.freePages(table, table_size);
}

/** io-pgtable-arm.c __arm_lpae_clear_pte / __arm_lpae_set_pte(ptep, 0) (5.6–5.19). */
export function clear_pte(d: ArmLpaeIoPgtable, ptep: number): void {
  d.mem.write(ptep, 0, 0);
  if (!d.cfg.coherent_walk) d.mem.syncPte?.(ptep, 1);
}

/**
 * io-pgtable-arm.c arm_lpae_install_table (5.6–5.19): cmpxchg a table descriptor over `curr`; returns
 * what was there (== curr on success). A non-coherent walk syncs it and marks it SW_SYNC.
 */
export function arm_lpae_install_table(d: ArmLpaeIoPgtable, table: number, ptep: number, currLo: number, currHi: number): [number, number] {
  const oldLo = d.mem.readLo(ptep);
  const oldHi = d.mem.readHi(ptep);
  const newLo = (paddrLo(table) | ARM_LPAE_PTE_TYPE_TABLE) >>> 0;
  const newHi = paddrHi(table);
  if (oldLo === currLo && oldHi === currHi) {
    d.mem.write(ptep, newLo, newHi);
    d.tlb.note?.(() => describePte(-1, ptep, newLo, newHi, `table descriptor → next-level table at 0x${table.toString(16)}`));
  }
  if (d.cfg.coherent_walk || oldHi & ARM_LPAE_PTE_SW_SYNC_HI) return [oldLo, oldHi];
  d.mem.syncPte?.(ptep, 1);
  if (oldLo === currLo && oldHi === currHi) d.mem.write(ptep, newLo, (newHi | ARM_LPAE_PTE_SW_SYNC_HI) >>> 0);
  return [oldLo, oldHi];
}

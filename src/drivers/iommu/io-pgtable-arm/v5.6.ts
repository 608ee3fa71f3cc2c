/**
 * drivers/iommu/io-pgtable-arm.c map and unmap as 5.6–5.14 have them: one page or block per call
 * (ops->map / ops->unmap), and lazy unmapping as the IO_PGTABLE_QUIRK_NON_STRICT page-table quirk.
 * Read from ejga2001/linux-5.10.7 (same code in shmily1012/linux-5.6.4, zhangyinjun/linux-5.12.9 and
 * lsk-legends/linux-5.14); vectors in test/vectors/io-pgtable-arm/.
 */
import {
  ARM_LPAE_MAX_LEVELS, ARM_LPAE_PTE_ATTR_HI_MASK_HI, ARM_LPAE_PTE_ATTR_LO_MASK, ARM_LPAE_PTE_TYPE_BLOCK, ARM_LPAE_PTE_TYPE_PAGE, ARM_LPAE_PTE_TYPE_TABLE,
  IOMMU_READ, IOMMU_WRITE, __arm_lpae_free_pgtable, arm_lpae_install_table, arm_lpae_prot_to_pte, blockSize, clear_pte, granule, iopte_leaf, iopte_to_paddr,
  describePte, lvlIdx, paddrHi, paddrLo, ptesPerTable, type ArmLpaeIoPgtable, type IommuIotlbGather,
} from "./common.js";

const EINVAL = 22, EEXIST = 17, ENOMEM = 12, ERANGE = 34;

/** io-pgtable-arm.c __arm_lpae_init_pte (5.6–5.14): write one leaf descriptor. */
function __arm_lpae_init_pte(d: ArmLpaeIoPgtable, paddr: number, protLo: number, protHi: number, lvl: number, ptep: number): void {
  const type = lvl === ARM_LPAE_MAX_LEVELS - 1 ? ARM_LPAE_PTE_TYPE_PAGE : ARM_LPAE_PTE_TYPE_BLOCK;
  d.mem.write(ptep, (protLo | type | paddrLo(paddr)) >>> 0, (protHi | paddrHi(paddr)) >>> 0);
  d.tlb.note?.(() => describePte(lvl, ptep, (protLo | type | paddrLo(paddr)) >>> 0, (protHi | paddrHi(paddr)) >>> 0, type === ARM_LPAE_PTE_TYPE_PAGE ? "page descriptor" : "block descriptor"));
  if (!d.cfg.coherent_walk) d.mem.syncPte?.(ptep, 1);
}

/** io-pgtable-arm.c arm_lpae_init_pte (5.6–5.14): -EEXIST over a leaf; a table there is unmapped first. */
function arm_lpae_init_pte(d: ArmLpaeIoPgtable, iova: number, paddr: number, protLo: number, protHi: number, lvl: number, ptep: number): number {
  const lo = d.mem.readLo(ptep);
  if (iopte_leaf(lo, lvl)) {
    d.warns++; /* WARN_ON(!selftest_running) */
    return -EEXIST;
  } else if ((lo & 3) === ARM_LPAE_PTE_TYPE_TABLE) {
    const sz = blockSize(lvl, d);
    const tblp = ptep - 8 * lvlIdx(iova, lvl, d);
    if (__arm_lpae_unmap(d, null, iova, sz, lvl, tblp) !== sz) {
      d.warns++;
      return -EINVAL;
    }
  }
  __arm_lpae_init_pte(d, paddr, protLo, protHi, lvl, ptep);
  return 0;
}

/** io-pgtable-arm.c __arm_lpae_map (5.6–5.14): descend, allocating tables, to the level whose block is `size`. */
function __arm_lpae_map(d: ArmLpaeIoPgtable, iova: number, paddr: number, size: number, protLo: number, protHi: number, lvl: number, table: number): number {
  const ptep = table + 8 * lvlIdx(iova, lvl, d);
  if (size === blockSize(lvl, d)) return arm_lpae_init_pte(d, iova, paddr, protLo, protHi, lvl, ptep);
  if (lvl >= ARM_LPAE_MAX_LEVELS - 1) {
    d.warns++;
    return -EINVAL;
  }
  let lo = d.mem.readLo(ptep);
  let hi = d.mem.readHi(ptep);
  let cptep = 0;
  if (lo === 0 && hi === 0) {
    const t = d.mem.allocPages(granule(d));
    if (t === null) return -ENOMEM;
    cptep = t;
    [lo, hi] = arm_lpae_install_table(d, t, ptep, 0, 0);
    if (lo || hi) d.mem.freePages(t, granule(d));
  } else if (!d.cfg.coherent_walk && !(hi & (1 << 23))) {
    d.mem.syncPte?.(ptep, 1);
  }
  if ((lo || hi) && !iopte_leaf(lo, lvl)) cptep = iopte_to_paddr(lo, hi);
  else if (lo || hi) {
    d.warns++;
    return -EEXIST;
  }
  return __arm_lpae_map(d, iova, paddr, size, protLo, protHi, lvl + 1, cptep);
}

/** io-pgtable-arm.c arm_lpae_map (5.6–5.14): ops->map of one page or block; 0, -EINVAL, -ERANGE, -EEXIST or -ENOMEM. */
export function arm_lpae_map(d: ArmLpaeIoPgtable, iova: number, paddr: number, size: number, iommu_prot: number): number {
  if (!(iommu_prot & (IOMMU_READ | IOMMU_WRITE))) return 0;
  if (!size || (size & d.cfg.pgsize_bitmap) !== size) {
    d.warns++;
    return -EINVAL;
  }
  if (iova >= 2 ** d.cfg.ias || paddr >= 2 ** d.cfg.oas) {
    d.warns++;
    return -ERANGE;
  }
  const [lo, hi] = arm_lpae_prot_to_pte(iommu_prot);
  return __arm_lpae_map(d, iova, paddr, size, lo, hi, d.start_level, d.pgd);
}

/** io-pgtable-arm.c arm_lpae_split_blk_unmap (5.6–5.14): replace a block by a table of the rest. */
function arm_lpae_split_blk_unmap(d: ArmLpaeIoPgtable, gather: IommuIotlbGather | null, iova: number, size: number, blkLo: number, blkHi: number, lvl: number, ptep: number): number {
  if (lvl === ARM_LPAE_MAX_LEVELS) {
    d.warns++;
    return 0;
  }
  const tablesz = granule(d);
  const split_sz = blockSize(lvl, d);
  let tablep = d.mem.allocPages(tablesz);
  if (tablep === null) return 0;
  const unmap_idx = size === split_sz ? lvlIdx(iova, lvl, d) : -1;
  let blk_paddr = iopte_to_paddr(blkLo, blkHi);
  const pLo = blkLo & ARM_LPAE_PTE_ATTR_LO_MASK;
  const pHi = blkHi & ARM_LPAE_PTE_ATTR_HI_MASK_HI;
  for (let i = 0; i < ptesPerTable(d); i++, blk_paddr += split_sz) {
    if (i === unmap_idx) continue;
    __arm_lpae_init_pte(d, blk_paddr, pLo, pHi, lvl, tablep + 8 * i);
  }
  const [lo, hi] = arm_lpae_install_table(d, tablep, ptep, blkLo, blkHi);
  if (lo !== blkLo || hi !== blkHi) {
    d.mem.freePages(tablep, tablesz);
    if ((lo & 3) !== ARM_LPAE_PTE_TYPE_TABLE) return 0;
    tablep = iopte_to_paddr(lo, hi);
  } else if (unmap_idx >= 0) {
    d.tlb.tlb_add_page(gather, iova, size);
    return size;
  }
  return __arm_lpae_unmap(d, gather, iova, size, lvl, tablep);
}

/** io-pgtable-arm.c __arm_lpae_unmap (5.6–5.14). */
function __arm_lpae_unmap(d: ArmLpaeIoPgtable, gather: IommuIotlbGather | null, iova: number, size: number, lvl: number, table: number): number {
  if (lvl === ARM_LPAE_MAX_LEVELS) {
    d.warns++;
    return 0;
  }
  const ptep = table + 8 * lvlIdx(iova, lvl, d);
  const lo = d.mem.readLo(ptep);
  const hi = d.mem.readHi(ptep);
  if (lo === 0 && hi === 0) {
    d.warns++;
    return 0;
  }
  if (size === blockSize(lvl, d)) {
    clear_pte(d, ptep);
    if (!iopte_leaf(lo, lvl)) {
      d.tlb.tlb_flush_walk(iova, size, granule(d));
      __arm_lpae_free_pgtable(d, lvl + 1, iopte_to_paddr(lo, hi));
    } else if (d.cfg.non_strict) {
      /* smp_wmb(): the flush queue invalidates later */
    } else {
      d.tlb.tlb_add_page(gather, iova, size);
    }
    return size;
  } else if (iopte_leaf(lo, lvl)) {
    return arm_lpae_split_blk_unmap(d, gather, iova, size, lo, hi, lvl + 1, ptep);
  }
  return __arm_lpae_unmap(d, gather, iova, size, lvl + 1, iopte_to_paddr(lo, hi));
}

/** io-pgtable-arm.c arm_lpae_unmap (5.6–5.14): ops->unmap of one page or block; the bytes unmapped. */
export function arm_lpae_unmap(d: ArmLpaeIoPgtable, iova: number, size: number, gather: IommuIotlbGather | null): number {
  if (!size || (size & d.cfg.pgsize_bitmap) !== size) {
    d.warns++;
    return 0;
  }
  if (iova >= 2 ** d.cfg.ias) {
    d.warns++;
    return 0;
  }
  return __arm_lpae_unmap(d, gather, iova, size, d.start_level, d.pgd);
}

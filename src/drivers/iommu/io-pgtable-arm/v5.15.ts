/**
 * drivers/iommu/io-pgtable-arm.c map and unmap as 5.15+ have them: ops->map_pages / unmap_pages write
 * or clear up to a table's worth of descriptors per call (pgcount), and lazy unmapping is the
 * gather's `queued` flag (iommu_iotlb_gather_queued) instead of a page-table quirk. Read from
 * yishangzhang/linux-5.19; vectors in test/vectors/io-pgtable-arm/.
 */
import {
  ARM_LPAE_MAX_LEVELS, ARM_LPAE_PTE_ATTR_HI_MASK_HI, ARM_LPAE_PTE_ATTR_LO_MASK, ARM_LPAE_PTE_TYPE_BLOCK, ARM_LPAE_PTE_TYPE_PAGE, ARM_LPAE_PTE_TYPE_TABLE,
  IOMMU_READ, IOMMU_WRITE, IO_PGTABLE_SWITCHES, __arm_lpae_free_pgtable, arm_lpae_install_table, arm_lpae_prot_to_pte, blockSize, clear_pte, granule, iopte_leaf, iopte_to_paddr,
  describePte, lvlIdx, paddrHi, paddrLo, ptesPerTable, type ArmLpaeIoPgtable, type IommuIotlbGather,
} from "./common.js";

const EINVAL = 22, EEXIST = 17, ENOMEM = 12, ERANGE = 34;

/** io-pgtable-arm.c __arm_lpae_init_pte (5.15+): write num_entries consecutive leaves. */
function __arm_lpae_init_pte(d: ArmLpaeIoPgtable, paddr: number, protLo: number, protHi: number, lvl: number, num_entries: number, ptep: number): void {
  const type = lvl === ARM_LPAE_MAX_LEVELS - 1 ? ARM_LPAE_PTE_TYPE_PAGE : ARM_LPAE_PTE_TYPE_BLOCK;
  const sz = blockSize(lvl, d);
  for (let i = 0; i < num_entries; i++) d.mem.write(ptep + 8 * i, (protLo | type | paddrLo(paddr + i * sz)) >>> 0, (protHi | paddrHi(paddr + i * sz)) >>> 0);
  d.tlb.note?.(() => describePte(lvl, ptep, (protLo | type | paddrLo(paddr)) >>> 0, (protHi | paddrHi(paddr)) >>> 0, num_entries > 1 ? `${type === ARM_LPAE_PTE_TYPE_PAGE ? "page" : "block"} descriptor (first of ${num_entries})` : type === ARM_LPAE_PTE_TYPE_PAGE ? "page descriptor" : "block descriptor"));
  if (!d.cfg.coherent_walk) d.mem.syncPte?.(ptep, num_entries);
}

/** io-pgtable-arm.c arm_lpae_init_pte (5.15+): -EEXIST over any leaf; tables there are unmapped first. */
function arm_lpae_init_pte(d: ArmLpaeIoPgtable, iova: number, paddr: number, protLo: number, protHi: number, lvl: number, num_entries: number, ptep: number): number {
  for (let i = 0; i < num_entries; i++) {
    const lo = d.mem.readLo(ptep + 8 * i);
    if (iopte_leaf(lo, lvl)) {
      d.warns++;
      return -EEXIST;
    } else if ((lo & 3) === ARM_LPAE_PTE_TYPE_TABLE) {
      const sz = blockSize(lvl, d);
      const tblp = ptep - 8 * lvlIdx(iova, lvl, d);
      if (__arm_lpae_unmap(d, null, iova + i * sz, sz, 1, lvl, tblp) !== sz) {
        d.warns++;
        return -EINVAL;
      }
    }
  }
  __arm_lpae_init_pte(d, paddr, protLo, protHi, lvl, num_entries, ptep);
  return 0;
}

/** io-pgtable-arm.c __arm_lpae_map (5.15+): descend to the level whose block is `size`, then map up to pgcount there. */
function __arm_lpae_map(d: ArmLpaeIoPgtable, iova: number, paddr: number, size: number, pgcount: number, protLo: number, protHi: number, lvl: number, table: number, mapped: { n: number } | null): number {
  const map_idx_start = lvlIdx(iova, lvl, d);
  const ptep = table + 8 * map_idx_start;
  if (size === blockSize(lvl, d)) {
    const num_entries = Math.min(pgcount, ptesPerTable(d) - map_idx_start);
    const ret = arm_lpae_init_pte(d, iova, paddr, protLo, protHi, lvl, num_entries, ptep);
    if (!ret && mapped) mapped.n += num_entries * size;
    return ret;
  }
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
  return __arm_lpae_map(d, iova, paddr, size, pgcount, protLo, protHi, lvl + 1, cptep, mapped);
}

/** io-pgtable-arm.c arm_lpae_map_pages (5.15+): map pgcount pages of pgsize; adds what it mapped to mapped.n. */
export function arm_lpae_map_pages(d: ArmLpaeIoPgtable, iova: number, paddr: number, pgsize: number, pgcount: number, iommu_prot: number, mapped: { n: number } | null): number {
  if (!pgsize || (pgsize & d.cfg.pgsize_bitmap) !== pgsize) {
    d.warns++;
    return -EINVAL;
  }
  if (iova >= 2 ** d.cfg.ias || paddr >= 2 ** d.cfg.oas) {
    d.warns++;
    return -ERANGE;
  }
  /* 6093cd582f8e (6.11; stable 6.1.y, 6.6.y): a mapping with no access is an error, not a silent no-op */
  if (!(iommu_prot & (IOMMU_READ | IOMMU_WRITE))) return d.cfg.has?.(IO_PGTABLE_SWITCHES.noAccessEinval) ? -EINVAL : 0;
  const [lo, hi] = arm_lpae_prot_to_pte(iommu_prot);
  return __arm_lpae_map(d, iova, paddr, pgsize, pgcount, lo, hi, d.start_level, d.pgd, mapped);
}

/** io-pgtable-arm.c arm_lpae_map (5.15+): map_pages of one page. */
export function arm_lpae_map(d: ArmLpaeIoPgtable, iova: number, paddr: number, size: number, iommu_prot: number): number {
  return arm_lpae_map_pages(d, iova, paddr, size, 1, iommu_prot, null);
}

/** io-pgtable-arm.c arm_lpae_split_blk_unmap (5.15+). */
function arm_lpae_split_blk_unmap(d: ArmLpaeIoPgtable, gather: IommuIotlbGather | null, iova: number, size: number, blkLo: number, blkHi: number, lvl: number, ptep: number, pgcount: number): number {
  if (lvl === ARM_LPAE_MAX_LEVELS) {
    d.warns++;
    return 0;
  }
  const tablesz = granule(d);
  const split_sz = blockSize(lvl, d);
  const ptes = ptesPerTable(d);
  let tablep = d.mem.allocPages(tablesz);
  if (tablep === null) return 0;
  let unmap_idx_start = -1;
  let num_entries = 0;
  if (size === split_sz) {
    unmap_idx_start = lvlIdx(iova, lvl, d);
    num_entries = Math.min(pgcount, ptes - unmap_idx_start);
  }
  let blk_paddr = iopte_to_paddr(blkLo, blkHi);
  const pLo = blkLo & ARM_LPAE_PTE_ATTR_LO_MASK;
  const pHi = blkHi & ARM_LPAE_PTE_ATTR_HI_MASK_HI;
  for (let i = 0; i < ptes; i++, blk_paddr += split_sz) {
    if (i >= unmap_idx_start && i < unmap_idx_start + num_entries) continue;
    __arm_lpae_init_pte(d, blk_paddr, pLo, pHi, lvl, 1, tablep + 8 * i);
  }
  const [lo, hi] = arm_lpae_install_table(d, tablep, ptep, blkLo, blkHi);
  if (lo !== blkLo || hi !== blkHi) {
    d.mem.freePages(tablep, tablesz);
    if ((lo & 3) !== ARM_LPAE_PTE_TYPE_TABLE) return 0;
    tablep = iopte_to_paddr(lo, hi);
  } else if (unmap_idx_start >= 0) {
    for (let i = 0; i < num_entries; i++) d.tlb.tlb_add_page(gather, iova + i * size, size);
    return num_entries * size;
  }
  return __arm_lpae_unmap(d, gather, iova, size, pgcount, lvl, tablep);
}

/** io-pgtable-arm.c __arm_lpae_unmap (5.15+; 6.12 clears non-leaf entries first, 6.13 stops splitting blocks). */
function __arm_lpae_unmap(d: ArmLpaeIoPgtable, gather: IommuIotlbGather | null, iova: number, size: number, pgcount: number, lvl: number, table: number): number {
  if (lvl === ARM_LPAE_MAX_LEVELS) {
    d.warns++;
    return 0;
  }
  const unmap_idx_start = lvlIdx(iova, lvl, d);
  let ptep = table + 8 * unmap_idx_start;
  let lo = d.mem.readLo(ptep);
  let hi = d.mem.readHi(ptep);
  if (lo === 0 && hi === 0) {
    d.warns++;
    return 0;
  }
  if (size === blockSize(lvl, d) && d.cfg.has?.(IO_PGTABLE_SWITCHES.unmapNonLeafFirst)) {
    /* 85b715a33458 (6.12): free the tables under non-leaf entries first, clear all the entries in one go, then the TLB pages */
    const num_entries = Math.min(pgcount, ptesPerTable(d) - unmap_idx_start);
    let i = 0;
    for (; i < num_entries; i++) {
      const p = ptep + 8 * i;
      lo = d.mem.readLo(p);
      hi = d.mem.readHi(p);
      if (lo === 0 && hi === 0) {
        d.warns++;
        break;
      }
      if (!iopte_leaf(lo, lvl)) {
        clear_pte(d, p);
        d.tlb.tlb_flush_walk(iova + i * size, size, granule(d));
        __arm_lpae_free_pgtable(d, lvl + 1, iopte_to_paddr(lo, hi));
      }
    }
    for (let j = 0; j < i; j++) clear_pte(d, ptep + 8 * j);
    if (gather && !gather.queued) for (let j = 0; j < i; j++) d.tlb.tlb_add_page(gather, iova + j * size, size);
    return i * size;
  }
  if (size === blockSize(lvl, d)) {
    const num_entries = Math.min(pgcount, ptesPerTable(d) - unmap_idx_start);
    let i = 0;
    while (i < num_entries) {
      lo = d.mem.readLo(ptep);
      hi = d.mem.readHi(ptep);
      if (lo === 0 && hi === 0) {
        d.warns++;
        break;
      }
      clear_pte(d, ptep);
      if (!iopte_leaf(lo, lvl)) {
        d.tlb.tlb_flush_walk(iova + i * size, size, granule(d));
        __arm_lpae_free_pgtable(d, lvl + 1, iopte_to_paddr(lo, hi));
      } else if (!(gather && gather.queued)) {
        d.tlb.tlb_add_page(gather, iova + i * size, size);
      }
      ptep += 8;
      i++;
    }
    return i * size;
  } else if (iopte_leaf(lo, lvl)) {
    /* 33729a5fc0ca (6.13): no more block splitting: WARN_ONCE("Unmap of a partial large IOPTE is not allowed"), nothing unmapped */
    if (d.cfg.has?.(IO_PGTABLE_SWITCHES.noSplitOnUnmap)) {
      d.warns++;
      return 0;
    }
    return arm_lpae_split_blk_unmap(d, gather, iova, size, lo, hi, lvl + 1, ptep, pgcount);
  }
  return __arm_lpae_unmap(d, gather, iova, size, pgcount, lvl + 1, iopte_to_paddr(lo, hi));
}

/** io-pgtable-arm.c arm_lpae_unmap_pages (5.15+): the bytes unmapped. */
export function arm_lpae_unmap_pages(d: ArmLpaeIoPgtable, iova: number, pgsize: number, pgcount: number, gather: IommuIotlbGather | null): number {
  if (!pgsize || (pgsize & d.cfg.pgsize_bitmap) !== pgsize || !pgcount) {
    d.warns++;
    return 0;
  }
  if (iova >= 2 ** d.cfg.ias) {
    d.warns++;
    return 0;
  }
  return __arm_lpae_unmap(d, gather, iova, pgsize, pgcount, d.start_level, d.pgd);
}

/** io-pgtable-arm.c arm_lpae_unmap (5.15+): unmap_pages of one page. */
export function arm_lpae_unmap(d: ArmLpaeIoPgtable, iova: number, size: number, gather: IommuIotlbGather | null): number {
  return arm_lpae_unmap_pages(d, iova, size, 1, gather);
}

/**
 * drivers/iommu/intel/iommu.c (drivers/iommu/intel-iommu.c in 5.6) and dmar.c: Intel VT-d DMA
 * remapping as the x86_64-iommu platform uses it. Read from shmily1012/linux-5.6.4,
 * ejga2001/linux-5.10.7, zhangyinjun/linux-5.12.9, lsk-legends/linux-5.14 and yishangzhang/linux-5.19.
 *
 * Two eras, by c588072bba6b ("iommu/vt-d: Convert intel iommu driver to the iommu ops", 5.11):
 * - 5.6–5.10: the driver's own intel_dma_ops — intel_alloc_coherent returns page_address() of a
 *   contiguous block (a linear address), intel_map_page / intel_unmap with its own IOVA allocation
 *   (every size rounded up to a power of two) and a lazy flush queue unless intel_iommu=strict;
 *   mmap and get_sgtable are dma_common_mmap / dma_common_get_sgtable;
 * - 5.11+: the domain's iommu ops under dma-iommu (iommu_dma_ops); on x86 CONFIG_DMA_REMAP is off
 *   until f5ff79fddf0e (5.18) removed the option, so from 5.18 iommu_dma_alloc remaps here too.
 * The second-level page table is real: 4 levels of 64-bit entries (48-bit address width) in pages
 * from the page allocator; leaves map 4 KiB (superpages are not modelled). The remapping hardware
 * walks it, keeps an IOTLB per domain id, and reports a fault with DMAR's messages.
 */
import type { Kernel } from "../../../kernel.js";
import type { Device } from "../../device.js";
import type { DmaMapOps, Scatterlist } from "../../../kernel/dma/ops.js";
import { DMA_BIT_MASK, DMA_MAPPING_ERROR, PAGE_ALIGN, PAGE_SIZE, get_order, hex } from "../../../core/u64.js";
import { sym, type Sym } from "../../../core/trace.js";
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, GFP_ATOMIC, __GFP_NOWARN, __GFP_ZERO, gfpflags_allow_blocking } from "../../../include/gfp.js";
import { alloc_pages, __free_pages, virt_to_page } from "../../../mm/mm.js";
import { dma_common_alloc_pages, dma_common_free_pages, dma_common_get_sgtable, dma_common_mmap } from "../../../kernel/dma/ops-helpers.js";
import { dma_alloc_from_contiguous } from "../../../kernel/dma/contiguous.js";
import { IovaDomain, roundup_pow_of_two } from "../iova.js";
import { KernelIovaCpus, iova_source_note } from "../iova-cpus.js";
import { IovaFlushQueue } from "../iova-fq.js";
import { IOMMU_MAP_GFP, MAP_PAGES, MODEL_MAX_MAP_CALLS, type IommuDomain, type IommuDomainOps } from "../iommu.js";
import { IOMMU_CACHE, IOMMU_READ, IOMMU_WRITE } from "../io-pgtable-arm/common.js";

const F = "drivers/iommu/intel/iommu.c";
/** 672cf6df9b8a (5.8) moved the driver into drivers/iommu/intel/; 5.6–5.7 have drivers/iommu/intel-iommu.c */
const MOVED = "672cf6df9b8a";
/** The symbol in this version's file (built only when tracing). */
function inFile(k: Kernel, s: Sym): Sym {
  return k.sw[MOVED] ? s : sym(s.name, "drivers/iommu/intel-iommu.c");
}
export const INTEL_DMA_OPS_ERA_END = "c588072bba6b";
/** 719a19335692 (5.13): fault lines say NO_PASID and print 0x-prefixed values; 5.15 dropped the 0x before bus:dev again */
export const DMAR_FAULT_TWEAK = "719a19335692";

export const DMA_PTE_READ = 1;
export const DMA_PTE_WRITE = 2;
export const DMA_PTE_SNP = 1 << 11;
const LEVELS = 4;

/** struct dmar_domain + the remapping unit's state for it. */
export interface DmarDomain {
  id: number;
  /** phys of the top-level table */
  pgd: number;
  iovad: IovaDomain;
  fq: IovaFlushQueue | null;
  /** the remapping unit's IOTLB for this domain id: IOVA page → output page and permissions */
  iotlb: Map<number, { phys: number; r: boolean; w: boolean }>;
  /** the DMAR unit's name for messages */
  unit: string;
}

/** scratch for one descriptor read or write: every use fills all 8 bytes first (cpuWrite copies; no allocation per descriptor) */
const word = new Uint8Array(8);
const wordView = new DataView(word.buffer);
function rd(k: Kernel, p: number): [number, number] {
  k.cache.cpuReadInto(p, 8, word, 0);
  return [wordView.getUint32(0, true), wordView.getUint32(4, true)];
}
function wr(k: Kernel, p: number, lo: number, hi: number): void {
  wordView.setUint32(0, lo >>> 0, true);
  wordView.setUint32(4, hi >>> 0, true);
  k.cache.cpuWrite(p, word);
}
function pteAddr(lo: number, hi: number): number {
  return (hi & 0xfffff) * 2 ** 32 + ((lo & 0xfffff000) >>> 0);
}
function levelIndex(pfn: number, level: number): number {
  return Math.floor(pfn / 2 ** (9 * (level - 1))) % 512;
}

/**
 * intel/iommu.c alloc_pgtable_page (5.6–6.18): a zeroed page for a table; its phys. GFP_ATOMIC inside up to 6.2;
 * from 6.3 (2552d3a2292a, 2d4d767659ff in the 1369459b2e21 series) pfn_to_dma_pte passes the gfp the map was
 * given (6.6.63 intel/iommu.c:375, :942), | __GFP_ZERO.
 */
function alloc_pgtable_page(k: Kernel, gfp: number = GFP_ATOMIC): number {
  const page = alloc_pages(k, (k.sw[IOMMU_MAP_GFP] ? gfp : GFP_ATOMIC) | __GFP_ZERO, 0, "intel-iommu pgtable");
  if (!page) throw new Error("alloc_pgtable_page: out of memory");
  return k.page_to_phys(page);
}

/** intel/iommu.c domain_init / md_domain_init (5.6–5.19): a 48-bit (4-level) second-level table and an IOVA domain; `id` is the domain id the unit assigned. */
export function intel_domain_alloc(k: Kernel, unit: string, id: number): DmarDomain {
  const iovad = new IovaDomain(PAGE_SIZE, 1, (c) => k.has(c), new KernelIovaCpus(k)); /* IOVA_START_PFN */
  return { id, pgd: alloc_pgtable_page(k), iovad, fq: null, iotlb: new Map(), unit };
}

/** intel/iommu.c pfn_to_dma_pte (5.6–5.19): the leaf entry for pfn, allocating the tables on the way (intermediate entries are R|W). */
function pfn_to_dma_pte(k: Kernel, d: DmarDomain, pfn: number, gfp: number): number {
  let table = d.pgd;
  for (let level = LEVELS; level > 1; level--) {
    const p = table + 8 * levelIndex(pfn, level);
    const [lo, hi] = rd(k, p);
    if (!(lo & (DMA_PTE_READ | DMA_PTE_WRITE))) {
      const t = alloc_pgtable_page(k, gfp);
      wr(k, p, (t % 2 ** 32) | DMA_PTE_READ | DMA_PTE_WRITE, Math.floor(t / 2 ** 32));
      k.tr?.note(`intel-iommu: level ${level} entry at phys ${hex(p)} → table at ${hex(t)}`);
      table = t;
    } else table = pteAddr(lo, hi);
  }
  return table + 8 * levelIndex(pfn, 1);
}

/**
 * intel/iommu.c __domain_mapping (5.6–5.19; the same check in 6.12.19 iommu.c:1860), 4 KiB leaves: nr
 * pages from iov_pfn to phys_pfn with prot (R/W[/SNP]). A leaf already set keeps its value: pr_crit
 * "ERROR: DMA PTE for vPFN … already set (to … not …)", WARN_ON(1), and the mapping goes on (returns 0).
 */
export function domain_pfn_mapping(k: Kernel, d: DmarDomain, iov_pfn: number, phys_pfn: number, nr: number, prot: number, gfp: number = GFP_ATOMIC): number {
  if (nr > MODEL_MAX_MAP_CALLS) {
    k.tr?.note(`model bound: ${nr} pages in one mapping; failing it with -ENOMEM as the kernel's GFP_ATOMIC page-table allocations eventually would`);
    return -12;
  }
  for (let i = 0; i < nr; i++) {
    const p = pfn_to_dma_pte(k, d, iov_pfn + i, gfp);
    const [lo, hi] = rd(k, p);
    const addr = (phys_pfn + i) * PAGE_SIZE;
    if (lo !== 0 || hi !== 0) {
      // cmpxchg64_local(&pte->val, 0ULL, pteval) found an entry: it stays; pr_crit, then WARN_ON(1), and the loop goes on
      const old = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
      const pteval = BigInt(addr) | BigInt(prot);
      k.printk("crit", `ERROR: DMA PTE for vPFN 0x${(iov_pfn + i).toString(16)} already set (to ${old.toString(16)} not ${pteval.toString(16)})`);
      k.warn(`WARNING: CPU: 0 PID: 1 at ${F}: __domain_mapping`, "__domain_mapping");
      continue;
    }
    wr(k, p, (addr % 2 ** 32) | prot, Math.floor(addr / 2 ** 32));
    if (i === 0) k.tr?.note(`intel-iommu: level 1 entry at phys ${hex(p)} = ${hex(addr + prot)} (vPFN ${hex(iov_pfn)}${nr > 1 ? ` and ${nr - 1} more` : ""})`);
  }
  return 0;
}

/**
 * intel/iommu.c domain_unmap / dma_pte_clear_range (5.6–5.19): clear the leaves, skipping whole
 * ranges whose upper-level entry is not present, as the kernel's level walk does (emptied tables
 * stay, a simplification).
 */
export function domain_unmap(k: Kernel, d: DmarDomain, start_pfn: number, last_pfn: number): void {
  const clear = (table: number, level: number, base: number) => {
    const span = 512 ** (level - 1);
    const first = Math.max(0, Math.floor((start_pfn - base) / span));
    const last = Math.min(511, Math.floor((last_pfn - base) / span));
    for (let i = first; i <= last; i++) {
      const p = table + 8 * i;
      const [lo, hi] = rd(k, p);
      if (!(lo & 3)) continue;
      if (level === 1) wr(k, p, 0, 0);
      else clear(pteAddr(lo, hi), level - 1, base + i * span);
    }
  };
  if (last_pfn >= start_pfn) clear(d.pgd, LEVELS, 0);
}

/** intel/iommu.c iommu_flush_iotlb_psi (5.6–5.19): page-selective invalidation of the domain's IOTLB. */
export function iommu_flush_iotlb_psi(k: Kernel, d: DmarDomain, pfn: number, pages: number): void {
  k.tr?.enter(inFile(k, sym("iommu_flush_iotlb_psi", F)), { pfn: hex(pfn), pages: String(pages) });
  let n = 0;
  for (let i = 0; i < pages; i++) if (d.iotlb.delete(pfn + i)) n++;
  k.tr?.exit(`${n} cached translation${n === 1 ? "" : "s"} dropped`);
}

/** intel/iommu.c iommu_flush_iova / intel_flush_iotlb_all (5.6–5.19): the domain's whole IOTLB. */
function flush_domain(k: Kernel, d: DmarDomain): void {
  k.tr?.enter(inFile(k, sym(k.sw[INTEL_DMA_OPS_ERA_END] ? "intel_flush_iotlb_all" : "iommu_flush_iova", F)), { did: String(d.id) });
  const n = d.iotlb.size;
  d.iotlb.clear();
  k.tr?.exit(`${n} cached translation${n === 1 ? "" : "s"} dropped`);
}

/** The flush queue a lazy domain gets (init_iova_flush_queue in intel's domain init, 5.6–5.10). */
export function intel_init_flush_queue(k: Kernel, d: DmarDomain, domain: IommuDomain): void {
  d.fq = new IovaFlushQueue(k, d.iovad, domain, "drivers/iommu/iova.c");
}

/**
 * The remapping hardware: translate a device's access through the IOTLB or a walk of the
 * second-level table; a missing or too weak entry is a primary fault, printed by dmar_fault as the
 * version prints it. Returns the physical address or the printed lines.
 */
export function dmar_translate(k: Kernel, d: DmarDomain, bdf: { bus: number; dev: number; fn: number }, iova: number, write: boolean): number | string {
  const pfn = Math.floor(iova / PAGE_SIZE);
  let e = d.iotlb.get(pfn);
  if (e) k.tr?.note(`DMAR: IOTLB hit for IOVA ${hex(pfn * PAGE_SIZE)} (domain ${d.id}) → phys ${hex(e.phys)}`);
  else {
    let table = d.pgd;
    let found: { phys: number; r: boolean; w: boolean } | null = null;
    for (let level = LEVELS; level >= 1; level--) {
      const [lo, hi] = rd(k, table + 8 * levelIndex(pfn, level));
      if (!(lo & 3)) break;
      if (level === 1) found = { phys: pteAddr(lo, hi), r: !!(lo & DMA_PTE_READ), w: !!(lo & DMA_PTE_WRITE) };
      table = pteAddr(lo, hi);
    }
    if (found) {
      e = found;
      d.iotlb.set(pfn, found);
      k.tr?.note(`DMAR: table walk for IOVA ${hex(pfn * PAGE_SIZE)} → phys ${hex(found.phys)}, cached in the IOTLB`);
    }
  }
  if (e && (write ? e.w : e.r)) return e.phys + (iova % PAGE_SIZE);
  /* fault reason 5 "PTE Write access is not set" / 6 "PTE Read access is not set" */
  const reason = write ? 5 : 6;
  const text = write ? "PTE Write access is not set" : "PTE Read access is not set";
  const type = write ? "DMA Write" : "DMA Read";
  const addr = iova - (iova % PAGE_SIZE);
  const h2 = (n: number) => n.toString(16).padStart(2, "0");
  let line: string;
  if (!k.sw[DMAR_FAULT_TWEAK]) line = `DMAR: [${type}] Request device [${h2(bdf.bus)}:${h2(bdf.dev)}.${bdf.fn}] PASID ffffffff fault addr ${addr.toString(16)} [fault reason ${String(reason).padStart(2, "0")}] ${text}`;
  else if (!k.sw["0b482d0c75bf"]) line = `DMAR: [${type} NO_PASID] Request device [0x${h2(bdf.bus)}:0x${h2(bdf.dev)}.${bdf.fn}] fault addr 0x${addr.toString(16)} [fault reason 0x${h2(reason)}] ${text}`;
  else line = `DMAR: [${type} NO_PASID] Request device [${h2(bdf.bus)}:${h2(bdf.dev)}.${bdf.fn}] fault addr 0x${addr.toString(16)} [fault reason 0x${h2(reason)}] ${text}`;
  const lines = ["DMAR: DRHD: handling fault status reg 2", line];
  for (const l of lines) k.log(l);
  return lines.join("\n");
}

/** intel/iommu.c intel_iommu_map / intel_iommu_map_pages / unmap / iotlb_sync / flush_iotlb_all / iova_to_phys (5.11+; the flush also serves 5.6–5.10's flush queue). */
export const intel_domain_ops: IommuDomainOps = {
    name: "intel_iommu_ops",
    file: F,
    map(k, dom, iova, paddr, pgsize, pgcount, iommu_prot, gfp, mapped) {
      const d = dom.priv as DmarDomain;
      k.tr?.enter(inFile(k, sym(k.sw[MAP_PAGES] ? "intel_iommu_map_pages" : "intel_iommu_map", F)), { iova: hex(iova), hpa: hex(paddr), size: hex(pgsize * pgcount) });
      let prot = 0;
      if (iommu_prot & IOMMU_READ) prot |= DMA_PTE_READ;
      if (iommu_prot & IOMMU_WRITE) prot |= DMA_PTE_WRITE;
      if (iommu_prot & IOMMU_CACHE) prot |= DMA_PTE_SNP;
      const size = pgsize * pgcount;
      const r = domain_pfn_mapping(k, d, iova / PAGE_SIZE, paddr / PAGE_SIZE, size / PAGE_SIZE, prot, gfp);
      if (!r) mapped.n += size;
      // __domain_mapping writes 4 KiB leaves whatever pgsize iommu_pgsize chose (5.11–5.14 INTEL_IOMMU_PGSIZES): the
      // model's map bound (MODEL_MAX_MAP_PTES) counts those writes
      mapped.ptes = size / PAGE_SIZE;
      k.tr?.exit(String(r));
      return r;
    },
    unmap(k, dom, iova, pgsize, pgcount, gather) {
      const d = dom.priv as DmarDomain;
      k.tr?.enter(inFile(k, sym(k.sw[MAP_PAGES] ? "intel_iommu_unmap_pages" : "intel_iommu_unmap", F)), { iova: hex(iova), size: hex(pgsize * pgcount) });
      const size = pgsize * pgcount;
      domain_unmap(k, d, iova / PAGE_SIZE, (iova + size) / PAGE_SIZE - 1);
      if (gather.start > iova) gather.start = iova;
      if (gather.end < iova + size - 1) gather.end = iova + size - 1;
      gather.pgsize = pgsize;
      k.tr?.exit(hex(size));
      return size;
    },
    iotlb_sync(k, dom, gather) {
      iommu_flush_iotlb_psi(k, dom.priv as DmarDomain, gather.start / PAGE_SIZE, (gather.end - gather.start + 1) / PAGE_SIZE);
    },
    flush_iotlb_all(k, dom) {
      flush_domain(k, dom.priv as DmarDomain);
    },
    iova_to_phys(k, dom, iova) {
      const d = dom.priv as DmarDomain;
      let table = d.pgd;
      const pfn = Math.floor(iova / PAGE_SIZE);
      for (let level = LEVELS; level >= 1; level--) {
        const [lo, hi] = rd(k, table + 8 * levelIndex(pfn, level));
        if (!(lo & 3)) return 0;
        table = pteAddr(lo, hi);
      }
      return table + (iova % PAGE_SIZE);
    },
};

/**
 * intel/iommu.c: a struct iommu_domain around a dmar_domain (5.11+). pgsize_bitmap: INTEL_IOMMU_PGSIZES (~0xFFF: every
 * size from 4 KiB) in 5.11–5.14; from a886d5a7e67b (5.15) SZ_4K | domain_super_pgsize_bitmap(), which is 0 for the
 * modelled DMAR (no superpages: 4 KiB leaves only).
 */
export function intel_iommu_domain(k: Kernel, d: DmarDomain): IommuDomain {
  return { type: "DMA", pgsize_bitmap: k.sw["a886d5a7e67b"] ? 0x1000 : 2 ** 53 - 4096, geometry: { aperture_start: 0, aperture_end: 2 ** 48 - 1, force_aperture: true }, ops: intel_domain_ops, iova_cookie: null, priv: d };
}

/* ---------------- 5.6–5.10: intel_dma_ops ---------------- */

const S = {
  alloc_iova: sym("intel_alloc_iova", F),
  map_single: sym("__intel_map_single", F),
  unmap: sym("intel_unmap", F),
  alloc: sym("intel_alloc_coherent", F),
  free: sym("intel_free_coherent", F),
  map_sg: sym("intel_map_sg", F),
};

export function domOf(dev: Device): DmarDomain {
  return dev.iommu!.domain.priv as DmarDomain;
}

/** intel-iommu.c intel_alloc_iova (5.6–5.10): every size rounded up to a power of two; 32-bit first unless forcedac. */
export function intel_alloc_iova(k: Kernel, dev: Device, d: DmarDomain, nrpages: number, dma_mask: bigint): number {
  k.tr?.enter(inFile(k, S.alloc_iova), { nrpages: String(nrpages), dma_mask: "0x" + dma_mask.toString(16) });
  if (dma_mask > DMA_BIT_MASK(48)) dma_mask = DMA_BIT_MASK(48); /* DOMAIN_MAX_ADDR(gaw) */
  nrpages = roundup_pow_of_two(nrpages);
  let pfn = 0;
  const sac = !k.cfg.iommu_forcedac && dma_mask > DMA_BIT_MASK(32);
  k.tr?.decide("!dmar_forcedac && dma_mask > DMA_BIT_MASK(32)", sac, sac ? "try a 32-bit IOVA first" : "the mask is 32-bit, or forcedac");
  if (sac) pfn = d.iovad.alloc_iova_fast(nrpages, 2 ** 20 - 1, false);
  if (!pfn) pfn = d.iovad.alloc_iova_fast(nrpages, Number(dma_mask >> 12n), true);
  if (!pfn) k.log(`${dev.driver} ${dev.name}: Allocating ${nrpages}-page iova failed`);
  if (pfn) iova_source_note(k, d.iovad);
  k.tr?.exit(pfn ? hex(pfn * PAGE_SIZE) : "0");
  return pfn;
}

/** intel-iommu.c __intel_map_single (5.6–5.10). */
function __intel_map_single(k: Kernel, dev: Device, paddr: number, size: number, dir: number, dma_mask: bigint): number {
  k.tr?.enter(inFile(k, S.map_single), { paddr: hex(paddr), size: hex(size) });
  const d = domOf(dev);
  const nrpages = Math.ceil(((paddr % PAGE_SIZE) + size) / PAGE_SIZE); /* aligned_nrpages */
  const iova_pfn = intel_alloc_iova(k, dev, d, nrpages, dma_mask);
  if (!iova_pfn) {
    k.log(`${dev.driver} ${dev.name}: Device request: ${size.toString(16)}@${paddr.toString(16)} dir ${dir} --- failed`);
    k.tr?.exit("DMA_MAPPING_ERROR");
    return DMA_MAPPING_ERROR;
  }
  let prot = 0;
  if (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL) prot |= DMA_PTE_READ; /* !cap_zlr: modelled hardware has ZLR */
  if (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL) prot |= DMA_PTE_WRITE;
  domain_pfn_mapping(k, d, iova_pfn, Math.floor(paddr / PAGE_SIZE), nrpages, prot);
  const r = iova_pfn * PAGE_SIZE + (paddr % PAGE_SIZE);
  k.tr?.exit(hex(r));
  return r;
}

/** intel-iommu.c intel_unmap (5.6–5.10): clear the PTEs; strict (or untrusted) flushes now, else the IOVA waits in the flush queue. */
export function intel_unmap(k: Kernel, dev: Device, dev_addr: number, size: number): void {
  k.tr?.enter(inFile(k, S.unmap), { dev_addr: hex(dev_addr), size: hex(size) });
  const d = domOf(dev);
  const iova_pfn = Math.floor(dev_addr / PAGE_SIZE);
  const nrpages = Math.ceil(((dev_addr % PAGE_SIZE) + size) / PAGE_SIZE);
  domain_unmap(k, d, iova_pfn, iova_pfn + nrpages - 1);
  const strict = !d.fq;
  k.tr?.decide("intel_iommu_strict || untrusted || !has_iova_flush_queue", strict, strict ? "flush the IOTLB for these pages now" : "queue_iova: the IOTLB keeps the translations until the next flush");
  if (strict) {
    iommu_flush_iotlb_psi(k, d, iova_pfn, nrpages);
    d.iovad.free_iova_fast(iova_pfn, nrpages);
  } else d.fq!.queue_iova(k, iova_pfn, nrpages, k.now_ms);
  k.tr?.exit();
}

/** intel-iommu.c intel_alloc_coherent (5.6–5.10): CMA or the buddy allocator, zeroed, mapped — and page_address(): a linear address. */
export function intel_alloc_coherent(k: Kernel, dev: Device, size: number, gfp: number, _attrs: number): { cpu_addr: number; dma_handle: number } | null {
  k.tr?.enter(inFile(k, S.alloc), { size: hex(size) });
  size = PAGE_ALIGN(size);
  const order = get_order(size);
  let page = 0;
  if (gfpflags_allow_blocking(gfp)) page = dma_alloc_from_contiguous(k, dev, size / PAGE_SIZE, order, (gfp & __GFP_NOWARN) !== 0);
  if (!page) page = alloc_pages(k, gfp, order, "intel_alloc_coherent");
  if (!page) {
    k.tr?.exit("NULL");
    return null;
  }
  const cpu_addr = k.arch.page_address(k, page);
  k.kmemset(cpu_addr, 0, size, "intel_alloc_coherent");
  const dma_handle = __intel_map_single(k, dev, k.page_to_phys(page), size, DMA_BIDIRECTIONAL, dev.coherent_dma_mask);
  if (dma_handle === DMA_MAPPING_ERROR) {
    __free_pages(k, page, order);
    k.tr?.exit("NULL");
    return null;
  }
  k.tr?.exit(`${k.arch.fmtVa(cpu_addr)} (page_address: a linear address), dma_handle ${hex(dma_handle)}`);
  return { cpu_addr, dma_handle };
}

/** intel-iommu.c intel_free_coherent (5.6–5.10). */
export function intel_free_coherent(k: Kernel, dev: Device, size: number, vaddr: number, dma_handle: number, _attrs: number): void {
  k.tr?.enter(inFile(k, S.free), { vaddr: k.arch.fmtVa(vaddr), dma_handle: hex(dma_handle) });
  const page = virt_to_page(k, vaddr);
  size = PAGE_ALIGN(size);
  intel_unmap(k, dev, dma_handle, size);
  __free_pages(k, page, get_order(size));
  k.tr?.exit();
}

/** intel-iommu.c intel_map_sg (5.6–5.10): one IOVA range for all entries, each entry's pages back to back. */
function intel_map_sg(k: Kernel, dev: Device, sgl: Scatterlist[], nelems: number, dir: number, _attrs: number): number {
  k.tr?.enter(inFile(k, S.map_sg), { nelems: String(nelems) });
  const d = domOf(dev);
  let size = 0;
  for (let i = 0; i < nelems; i++) size += Math.ceil(((sgl[i]!.offset % PAGE_SIZE) + sgl[i]!.length) / PAGE_SIZE);
  const iova_pfn = intel_alloc_iova(k, dev, d, size, dev.dma_mask ?? DMA_BIT_MASK(32));
  if (!iova_pfn) {
    sgl[0]!.dma_length = 0;
    k.tr?.exit("0");
    return 0;
  }
  let prot = 0;
  if (dir === DMA_TO_DEVICE || dir === DMA_BIDIRECTIONAL) prot |= DMA_PTE_READ;
  if (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL) prot |= DMA_PTE_WRITE;
  let vpfn = iova_pfn;
  for (let i = 0; i < nelems; i++) {
    const s = sgl[i]!;
    const phys = k.page_to_phys(s.page) + s.offset;
    const n = Math.ceil(((phys % PAGE_SIZE) + s.length) / PAGE_SIZE);
    domain_pfn_mapping(k, d, vpfn, Math.floor(phys / PAGE_SIZE), n, prot);
    s.dma_address = vpfn * PAGE_SIZE + (phys % PAGE_SIZE);
    s.dma_length = s.length;
    vpfn += n;
  }
  k.tr?.exit(String(nelems));
  return nelems;
}

/** intel-iommu.c intel_unmap_sg (5.6–5.10). */
function intel_unmap_sg(k: Kernel, dev: Device, sgl: Scatterlist[], nelems: number, _dir: number, _attrs: number): void {
  const start = sgl[0]!.dma_address - (sgl[0]!.dma_address % PAGE_SIZE);
  let nrpages = 0;
  for (let i = 0; i < nelems; i++) nrpages += Math.ceil(((sgl[i]!.dma_address % PAGE_SIZE) + sgl[i]!.dma_length) / PAGE_SIZE);
  intel_unmap(k, dev, start, nrpages * PAGE_SIZE);
}

/** static const struct dma_map_ops intel_dma_ops (5.6–5.10). */
export const intel_dma_ops: DmaMapOps = {
  name: "intel_dma_ops",
  file: F,
  alloc: intel_alloc_coherent,
  free: intel_free_coherent,
  map_sg: intel_map_sg,
  unmap_sg: intel_unmap_sg,
  map_page: (k, dev, page, offset, size, dir) => __intel_map_single(k, dev, k.page_to_phys(page) + offset, size, dir, dev.dma_mask ?? DMA_BIT_MASK(32)),
  unmap_page: (k, dev, addr, size) => intel_unmap(k, dev, addr, size),
  mmap: dma_common_mmap,
  get_sgtable: dma_common_get_sgtable,
  /* 5.10 (iommu.c:3753–3754): the dma_alloc_pages API's generic pair over intel_map_page; no alloc_noncoherent */
  alloc_pages: dma_common_alloc_pages,
  free_pages: dma_common_free_pages,
};

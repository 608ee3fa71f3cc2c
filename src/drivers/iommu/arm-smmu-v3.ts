/**
 * drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c (drivers/iommu/arm-smmu-v3.c in 5.6): the SMMUv3
 * driver's DMA-domain side — a stage-1 io-pgtable per domain (48-bit IOVA capped at VA_BITS, output
 * size from IDR5, 4K/2M/1G pages), map/unmap into it, TLB invalidation by range and by ASID — and
 * the SMMU hardware it drives: a translation cache (IOTLB) that keeps what the walker loaded until it
 * is invalidated, a table walker that reads the descriptors from memory, and the event queue whose
 * records the driver prints ("event 0x10 received:" and four 64-bit words, arm_smmu_evtq_thread).
 * Read from ejga2001/linux-5.10.7 and yishangzhang/linux-5.19 (shmily1012/linux-5.6.4 for 5.6).
 */
import type { Kernel } from "../../kernel.js";
import { PAGE_SIZE, hex } from "../../core/u64.js";
import { sym, type Sym } from "../../core/trace.js";
import { __GFP_ZERO, GFP_KERNEL } from "../../include/gfp.js";
import { alloc_pages, __free_pages } from "../../mm/mm.js";
import { arm_64_lpae_alloc_pgtable_s1, arm_lpae_iova_to_phys, iopte_leaf, iopte_to_paddr, lvlIdx, blockSize, ARM_LPAE_MAX_LEVELS, ARM_LPAE_PTE_AP_RDONLY, type ArmLpaeIoPgtable, type IoPgtableCfg, type IoPgtableMem, type IommuFlushOps, type IommuIotlbGather } from "./io-pgtable-arm/common.js";
import * as pgt56 from "./io-pgtable-arm/v5.6.js";
import * as pgt515 from "./io-pgtable-arm/v5.15.js";
import { MAP_PAGES, iommu_iotlb_gather_add_page, type IommuDomain, type IommuDomainOps } from "./iommu.js";

const FILE = "drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c";
const S_map = sym("arm_smmu_map", FILE);
const S_map_pages = sym("arm_smmu_map_pages", FILE);
const S_unmap = sym("arm_smmu_unmap", FILE);
const S_unmap_pages = sym("arm_smmu_unmap_pages", FILE);
const S_inv_range = sym("arm_smmu_tlb_inv_range", FILE);
const S_inv_ctx = sym("arm_smmu_tlb_inv_context", FILE);
/** e86d1aa8b60f (5.9) moved the driver into drivers/iommu/arm/arm-smmu-v3/; 5.6–5.8 have drivers/iommu/arm-smmu-v3.c */
const MOVED = "e86d1aa8b60f";
const OLD_FILE = "drivers/iommu/arm-smmu-v3.c";
/** The symbol in this version's file (built only when tracing). */
function inFile(k: Kernel, s: Sym): Sym {
  return k.sw[MOVED] ? s : sym(s.name, OLD_FILE);
}

export const EVT_ID_TRANSLATION_FAULT = 0x10;
export const EVT_ID_PERMISSION_FAULT = 0x13;

/** struct arm_smmu_device, with the hardware state the model keeps for it. */
export interface ArmSmmuDevice {
  /** dev_name(smmu->dev) */
  name: string;
  /** ARM_SMMU_FEAT_COHERENCY: table walks snoop the CPU caches */
  coherent: boolean;
  ias: number;
  oas: number;
  pgsize_bitmap: number;
  /** the translation cache: (asid, iova page) → output page and whether writes are allowed */
  iotlb: Map<number, { phys: number; write: boolean }>;
  /** the event queue's records, printed by arm_smmu_evtq_thread */
  events: bigint[][];
  next_asid: number;
}

/** struct arm_smmu_domain */
export interface ArmSmmuDomain {
  smmu: ArmSmmuDevice;
  asid: number;
  pgtbl: ArmLpaeIoPgtable;
  /** the gather the io-pgtable callbacks add to (set around each unmap) */
  gather: IommuIotlbGather | null;
}

/** arm_smmu_device_hw_probe's view of an SMMUv3 with 4K granule support, `oas`-bit output and coherent walks. */
export function arm_smmu_device_probe(name: string, oas: number, coherent: boolean): ArmSmmuDevice {
  return { name, coherent, ias: Math.max(oas, 48), oas, pgsize_bitmap: 0x1000 | 0x200000 | 0x40000000, iotlb: new Map(), events: [], next_asid: 1 };
}

function key(asid: number, iova: number): number {
  return asid * 2 ** 36 + Math.floor(iova / PAGE_SIZE);
}

/** The tables live in pages from the page allocator; the CPU writes descriptors through its cache. */
class SmmuPgtableMem implements IoPgtableMem {
  /**
   * the gfp of the __arm_lpae_alloc_pages in progress: GFP_KERNEL for the pgd (arm_64_lpae_alloc_pgtable_s1,
   * 5.6.4 io-pgtable-arm.c:867, 6.12.19 :1026), then the map call's (arm_lpae_map_pages(…, gfp, …)): GFP_ATOMIC
   * from dma-iommu up to 6.2, the caller's from 6.3 (1369459b2e21)
   */
  gfp = GFP_KERNEL;
  constructor(readonly k: Kernel, readonly smmu: ArmSmmuDevice) {}
  allocPages(size: number): number | null {
    const order = Math.max(0, Math.ceil(Math.log2(size / PAGE_SIZE)));
    const page = alloc_pages(this.k, this.gfp | __GFP_ZERO, order, "io-pgtable-arm");
    return page ? this.k.page_to_phys(page) : null;
  }
  freePages(phys: number, size: number): void {
    const order = Math.max(0, Math.ceil(Math.log2(size / PAGE_SIZE)));
    __free_pages(this.k, this.k.arch.pfn_to_page(phys / PAGE_SIZE), order);
  }
  /** one descriptor half read through the CPU's cache into a reused buffer (no allocation per read) */
  private readonly half = new Uint8Array(4);
  private readonly halfView = new DataView(this.half.buffer);
  readLo(phys: number): number {
    this.k.cache.cpuReadInto(phys, 4, this.half, 0);
    return this.halfView.getUint32(0, true);
  }
  readHi(phys: number): number {
    this.k.cache.cpuReadInto(phys + 4, 4, this.half, 0);
    return this.halfView.getUint32(0, true);
  }
  /** one descriptor written through the CPU's cache from a reused buffer (cpuWrite copies it; no allocation per write) */
  private readonly word = new Uint8Array(8);
  private readonly wordView = new DataView(this.word.buffer);
  write(phys: number, lo: number, hi: number): void {
    this.wordView.setUint32(0, lo, true);
    this.wordView.setUint32(4, hi, true);
    this.k.cache.cpuWrite(phys, this.word);
  }
  syncPte(phys: number, n: number): void {
    if (!this.smmu.coherent) this.k.cache.clean(phys, 8 * n);
  }
}

/** arm_smmu_flush_ops (5.6–5.19): tlb_flush_walk → arm_smmu_tlb_inv_walk, tlb_add_page → arm_smmu_tlb_inv_page_nosync. */
class ArmSmmuFlushOps implements IommuFlushOps {
  constructor(readonly k: Kernel, readonly dom: ArmSmmuDomain, readonly domain: IommuDomain) {}
  tlb_flush_walk(iova: number, size: number): void {
    arm_smmu_tlb_inv_range(this.k, this.dom, iova, size);
  }
  tlb_add_page(_g: IommuIotlbGather | null, iova: number, granule: number): void {
    if (this.dom.gather) iommu_iotlb_gather_add_page(this.k, this.domain, this.dom.gather, iova, granule);
  }
  note(text: () => string): void {
    if (this.k.tr) this.k.tr.note(text().replace("level -1 ", ""));
  }
}

/** arm_smmu_tlb_inv_range / arm_smmu_tlb_inv_range_domain (5.6–5.19): TLBI by VA over [iova, iova+size). */
function arm_smmu_tlb_inv_range(k: Kernel, dom: ArmSmmuDomain, iova: number, size: number): void {
  k.tr?.enter(inFile(k, S_inv_range), { iova: hex(iova), size: hex(size), asid: String(dom.asid) });
  const iotlb = dom.smmu.iotlb;
  let n = 0;
  const pages = size > 0 ? Math.ceil(size / PAGE_SIZE) : 0;
  if (pages > iotlb.size && Number.isSafeInteger(iova) && Number.isSafeInteger(iova + size)) {
    // (dmasim's, for speed: the same keys go) a range with more pages than cached translations —
    // a 1 TiB unmap — visits the translations, not every page: the loop's keys are one run
    const k0 = key(dom.asid, iova);
    for (const kk of iotlb.keys()) if (kk >= k0 && kk < k0 + pages && iotlb.delete(kk)) n++;
  } else for (let a = iova; a < iova + size; a += PAGE_SIZE) if (iotlb.delete(key(dom.asid, a))) n++;
  k.tr?.exit(`${n} cached translation${n === 1 ? "" : "s"} dropped`);
}

/** arm_smmu_tlb_inv_context (5.6–5.19): TLBI by ASID. */
function arm_smmu_tlb_inv_context(k: Kernel, dom: ArmSmmuDomain): void {
  k.tr?.enter(inFile(k, S_inv_ctx), { asid: String(dom.asid) });
  let n = 0;
  for (const kk of [...dom.smmu.iotlb.keys()]) if (Math.floor(kk / 2 ** 36) === dom.asid) { dom.smmu.iotlb.delete(kk); n++; }
  k.tr?.exit(`${n} cached translation${n === 1 ? "" : "s"} dropped`);
}

/** The DMA-domain ops of arm_smmu_ops (map/unmap before 5.15, map_pages/unmap_pages after). */
export const arm_smmu_domain_ops: IommuDomainOps = {
  name: "arm_smmu_ops",
  file: FILE,
  map(k, d, iova, paddr, pgsize, pgcount, prot, gfp, mapped) {
    const dom = d.priv as ArmSmmuDomain;
    const mem = dom.pgtbl.mem as SmmuPgtableMem;
    mem.gfp = gfp;
    if (!k.sw[MAP_PAGES]) {
      k.tr?.enter(inFile(k, S_map), { iova: hex(iova), paddr: hex(paddr), size: hex(pgsize) });
      const r = pgt56.arm_lpae_map(dom.pgtbl, iova, paddr, pgsize, prot);
      k.tr?.exit(String(r));
      return r;
    }
    k.tr?.enter(inFile(k, S_map_pages), { iova: hex(iova), paddr: hex(paddr), pgsize: hex(pgsize), pgcount: String(pgcount) });
    const r = pgt515.arm_lpae_map_pages(dom.pgtbl, iova, paddr, pgsize, pgcount, prot, mapped);
    k.tr?.exit(String(r));
    return r;
  },
  unmap(k, d, iova, pgsize, pgcount, gather) {
    const dom = d.priv as ArmSmmuDomain;
    dom.gather = gather;
    let r: number;
    if (!k.sw[MAP_PAGES]) {
      k.tr?.enter(inFile(k, S_unmap), { iova: hex(iova), size: hex(pgsize) });
      r = pgt56.arm_lpae_unmap(dom.pgtbl, iova, pgsize, gather);
    } else {
      k.tr?.enter(inFile(k, S_unmap_pages), { iova: hex(iova), pgsize: hex(pgsize), pgcount: String(pgcount) });
      r = pgt515.arm_lpae_unmap_pages(dom.pgtbl, iova, pgsize, pgcount, gather);
    }
    dom.gather = null;
    k.tr?.exit(hex(r));
    return r;
  },
  iotlb_sync(k, d, gather) {
    arm_smmu_tlb_inv_range(k, d.priv as ArmSmmuDomain, gather.start, gather.end - gather.start + 1);
  },
  flush_iotlb_all(k, d) {
    arm_smmu_tlb_inv_context(k, d.priv as ArmSmmuDomain);
  },
  iova_to_phys(_k, d, iova) {
    return arm_lpae_iova_to_phys((d.priv as ArmSmmuDomain).pgtbl, iova);
  },
};

/** arm_smmu_domain_alloc + arm_smmu_domain_finalise_s1 (5.6–5.19): an IOMMU_DOMAIN_DMA with its own ASID and stage-1 table. */
export function arm_smmu_domain_alloc(k: Kernel, smmu: ArmSmmuDevice): IommuDomain {
  const cfg: IoPgtableCfg = {
    pgsize_bitmap: smmu.pgsize_bitmap,
    ias: Math.min(smmu.ias, k.arch.name === "arm64" ? (k.cfg.va_bits ?? 48) : 48),
    oas: smmu.oas,
    coherent_walk: smmu.coherent,
    non_strict: false,
    has: (c) => k.has(c),
    ttbr: 0,
    mair: 0n,
    tcr: { ips: 0, tg: 0, sh: 0, orgn: 0, irgn: 0, tsz: 0 },
  };
  const dom = { smmu, asid: smmu.next_asid++, gather: null } as unknown as ArmSmmuDomain;
  const domain: IommuDomain = {
    type: "DMA",
    pgsize_bitmap: cfg.pgsize_bitmap,
    geometry: { aperture_start: 0, aperture_end: 2 ** cfg.ias - 1, force_aperture: true },
    ops: arm_smmu_domain_ops,
    iova_cookie: null,
    priv: dom,
  };
  const pgtbl = arm_64_lpae_alloc_pgtable_s1(cfg, new SmmuPgtableMem(k, smmu), new ArmSmmuFlushOps(k, dom, domain));
  if (!pgtbl) throw new Error("arm_smmu_domain_finalise: alloc_io_pgtable_ops failed");
  dom.pgtbl = pgtbl;
  return domain;
}

/** The hardware walk: what the SMMU's table walker finds for iova, reading descriptors as a master of memory. */
function smmu_walk(k: Kernel, dom: ArmSmmuDomain, iova: number): { phys: number; write: boolean } | null {
  const d = dom.pgtbl;
  const read64 = (p: number): [number, number] => {
    const b = dom.smmu.coherent ? k.cache.snoopRead(p, 8) : k.mem.read(p, 8);
    const v = new DataView(b.buffer, b.byteOffset, 8);
    return [v.getUint32(0, true), v.getUint32(4, true)];
  };
  let table = d.pgd;
  for (let lvl = d.start_level; lvl < ARM_LPAE_MAX_LEVELS; lvl++) {
    const [lo, hi] = read64(table + 8 * lvlIdx(iova, lvl, d));
    if (!(lo & 1)) return null;
    if (iopte_leaf(lo, lvl)) {
      const base = iopte_to_paddr(lo, hi) + (iova % blockSize(lvl, d));
      return { phys: base - (base % PAGE_SIZE), write: !(lo & ARM_LPAE_PTE_AP_RDONLY) };
    }
    table = iopte_to_paddr(lo, hi);
  }
  return null;
}

/**
 * A device's transaction at `iova` through the SMMU: the IOTLB first, then a table walk (whose result
 * the IOTLB keeps). Returns the physical address, or null after queueing a fault event and printing it
 * as arm_smmu_evtq_thread does (the transaction is terminated): then the printed lines are returned.
 */
export function arm_smmu_translate(k: Kernel, domain: IommuDomain, sid: number, iova: number, write: boolean): number | string {
  const dom = domain.priv as ArmSmmuDomain;
  const kk = key(dom.asid, iova);
  let e = dom.smmu.iotlb.get(kk);
  if (e) k.tr?.note(`SMMU ${dom.smmu.name}: IOTLB hit for IOVA ${hex(iova - (iova % PAGE_SIZE))} (ASID ${dom.asid}) → phys ${hex(e.phys)}`);
  else {
    const w = smmu_walk(k, dom, iova);
    if (w) {
      e = w;
      dom.smmu.iotlb.set(kk, w);
      k.tr?.note(`SMMU ${dom.smmu.name}: table walk for IOVA ${hex(iova - (iova % PAGE_SIZE))} → phys ${hex(w.phys)}, cached in the IOTLB`);
    }
  }
  if (e && (!write || e.write)) return e.phys + (iova % PAGE_SIZE);
  const id = e ? EVT_ID_PERMISSION_FAULT : EVT_ID_TRANSLATION_FAULT;
  /* EVTQ_0_ID | EVTQ_0_SID; EVTQ_1_RnW (a read) | CLASS = IN (0b10 << 40); EVTQ_2_ADDR; EVTQ_3_IPA */
  const evt = [BigInt(id) | (BigInt(sid) << 32n), (write ? 0n : 1n << 35n) | (2n << 40n), BigInt(iova), 0n];
  dom.smmu.events.push(evt);
  const lines = [`${dom.smmu.name}: event 0x${id.toString(16).padStart(2, "0")} received:`, ...evt.map((w) => `${dom.smmu.name}: \t0x${w.toString(16).padStart(16, "0")}`)];
  for (const l of lines) k.log(l);
  return lines.join("\n");
}

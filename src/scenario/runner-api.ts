/**
 * The scenario runner's DMA-API calls that take more than a line: allocation, mapping, unmapping,
 * sync and mask steps through the modelled kernel/dma/mapping.c, and the messages that explain them.
 */
import { NotApplicable } from "../core/faults.js";
import { SWITCHES } from "../versions.js";
import { DMA_BIT_MASK, DMA_MAPPING_ERROR, PAGE_ALIGN, PAGE_SIZE, hex, parseU64Big } from "../core/u64.js";
import type { Device } from "../drivers/device.js";
import { dev_update_limits } from "../drivers/device.js";
import * as api from "../kernel/dma/mapping.js";
import { dma_to_phys } from "../kernel/dma/direct.js";
import { IO_TLB_SEGSIZE, classifyFull, nr_slots, swiotlbStats } from "../kernel/dma/swiotlb/index.js";
import { default_tbl_dma_addr } from "../kernel/dma/swiotlb/common.js";
import { xen_dma_to_phys } from "../xen/swiotlb-xen.js";
import { DMA_ATTR_MMIO } from "../include/gfp.js";
import * as v618 from "../kernel/dma/mapping-v6.18.js";
import { get_unmapped_area, is_vmalloc_addr, vmalloc_to_page } from "../mm/mm.js";
import { iommu_iova_to_phys } from "../drivers/iommu/iommu.js";
import { NONCONTIG_API } from "../kernel/dma/noncontig.js";
import { isWalkHit } from "../mm/pgtable.js";
import type { Obj, Ctx } from "./runner-objects.js";
import { err, num, nullRef, ref, gfpArg, dirArg, attrsArg, notInVersion, name, withStepMsg } from "./runner-objects.js";
import { addr_kind, cpuAddrOf, mappingBounced, mappedPhys, pageOf } from "./runner-access.js";

/** The physical-address API (dma_map_phys, dma_unmap_phys) exists from 6.18 (f7326196a781). */
export function needPhysApi(c: Ctx): void {
  if (!c.k.sw["f7326196a781"]) notInVersion(c, `not in Linux ${c.k.version.id}: the physical-address API came in 6.18 (f7326196a781); use dma_map_page / dma_unmap_page`, "op", `${c.step.op} is `);
}

/** kernel/dma/mapping.c dma_map_phys (6.18) on a buffer's physical address or a given one */
export function mapPhys(c: Ctx) {
  needPhysApi(c);
  const k = c.k;
  const size = num(c, "size");
  const dir = dirArg(c);
  const attrs = attrsArg(c);
  let phys: number;
  if (c.step.args.phys !== undefined) phys = num(c, "phys") + num(c, "offset", 0);
  else {
    const o = ref(c, "buf", "kbuf", "coherent", "grant");
    const p = pageOf(c, o, num(c, "offset", 0), false);
    phys = k.page_to_phys(p.page) + p.off;
  }
  c.result.phys = hex(phys);
  const dma = v618.dma_map_phys(k, c.dev, phys, size, dir, attrs);
  c.result.dma_addr = hex(dma);
  c.result.ret = dma === DMA_MAPPING_ERROR ? "DMA_MAPPING_ERROR" : hex(dma);
  c.success = dma !== DMA_MAPPING_ERROR;
  c.bounced = !(attrs & DMA_ATTR_MMIO) && mappingBounced(c, dma);
  c.result.bounced = c.bounced;
  if (c.bounced) c.summary.push(`bounced: the device uses swiotlb slot at phys ${hex(k.xen ? xen_dma_to_phys(k, c.dev, dma) : dma_to_phys(k, c.dev, dma))}`);
  if (dma === DMA_MAPPING_ERROR) swiotlbFullCause(c, size);
  name(c, { kind: "map", dma_addr: dma, size, dir, attrs, single: false, unmapped: false, bounced: c.bounced });
}

/** kernel/dma/mapping.c dma_unmap_phys (6.18) of a mapping; size, dir and attrs default to the mapping's */
export function unmapPhys(c: Ctx) {
  needPhysApi(c);
  const o = ref(c, "map", "map");
  o.unmapped = true;
  v618.dma_unmap_phys(c.k, c.dev, o.dma_addr, num(c, "size", o.size), dirArg(c, o.dir), attrsArg(c, o.attrs));
}

/** The dma_alloc_noncontiguous family exists from 7d5b5738d151 (5.14): an earlier kernel has no such call. */
export function noncontigApi(c: Ctx): void {
  if (c.k.sw[NONCONTIG_API]) return;
  /* an input error for `run` (exit 2, one line); an N/A cell in a matrix over kernels */
  const why = `Linux ${c.k.version.id} has no ${c.step.op} (added in 5.14 by ${NONCONTIG_API} "dma-mapping: add a dma_alloc_noncontiguous API")`;
  throw withStepMsg(new NotApplicable(`Linux ${c.k.version.id}`, why, { line: c.step.line, col: c.step.col }, `steps: ${c.step.op}: ${why}`), c.step, why, "op");
}

/**
 * The pfn of a coherent buffer's first byte, from its DMA handle: through the IOMMU's page table when there is
 * one; on Xen through xen_dma_to_phys (the bus address is a machine address: on an x86 PV dom0 the M2P gives the
 * pseudo-physical frame the kernel's pfns — and user PTEs before xen_make_pte — are in).
 */
export function bufferPfn(c: Ctx, dma_handle: number): number {
  if (c.dev.iommu) return Math.floor(iommu_iova_to_phys(c.k, c.dev.iommu.domain, dma_handle) / PAGE_SIZE);
  if (c.k.xen) return Math.floor(xen_dma_to_phys(c.k, c.dev, dma_handle) / PAGE_SIZE);
  return Math.floor(dma_to_phys(c.k, c.dev, dma_handle) / PAGE_SIZE);
}

export function alloc(c: Ctx, attrs: number) {
  const size = num(c, "size");
  // size 0 only arises from a size_t wrap on ARM32 (the schema wants ≥ 1): __dma_alloc's CMA path
  // gets count 0 (cma_alloc returns NULL) and its page path order get_order(0) = 20 (alloc_pages
  // refuses orders ≥ MAX_ORDER): NULL either way
  const r = size <= 0 ? (c.k.tr?.note(`size ${size}: the size_t argument wrapped to 0 on ARM32: no buffer`), null) : api.dma_alloc_attrs(c.k, c.dev, size, gfpArg(c), attrs);
  if (!r) {
    c.result.ret = "NULL";
    c.result.cpu_addr = "NULL";
    c.success = false;
    return;
  }
  c.result.cpu_addr = c.k.arch.fmtVa(r.cpu_addr);
  c.result.dma_handle = hex(r.dma_handle);
  const kind = addr_kind(c.k, r.cpu_addr);
  c.result.addr_kind = kind;
  c.result.ret = c.k.arch.fmtVa(r.cpu_addr);
  c.summary.push(`${kind} address ${c.k.arch.fmtVa(r.cpu_addr)}, dma_handle ${hex(r.dma_handle)}`);
  name(c, { kind: "coherent", cpu_addr: r.cpu_addr, dma_handle: r.dma_handle, size, attrs, freed: false });
}

export function free(c: Ctx, attrs: number | undefined) {
  if (nullRef(c, "buf", "coherent")) {
    // kernel/dma/mapping.c dma_free_attrs (5.6–5.19): if (!cpu_addr) return
    c.summary.push("dma_free_coherent(NULL): no-op");
    return;
  }
  const o = ref(c, "buf", "coherent");
  const size = num(c, "size", o.size);
  const offset = num(c, "offset", 0);
  api.dma_free_attrs(c.k, c.dev, size, o.cpu_addr + offset, o.dma_handle, attrs === undefined || attrs < 0 ? o.attrs : attrs);
  o.freed = true;
}

export function mmap(c: Ctx, attrs: number) {
  const k = c.k;
  const o = ref(c, "buf", "coherent");
  const length = PAGE_ALIGN(num(c, "length", o.size));
  const pgoff = num(c, "pgoff", 0);
  const vm_start = get_unmapped_area(k, length);
  const vma = { vm_start, vm_end: vm_start + length, vm_pgoff: pgoff, vm_page_prot: "normal" as const };
  const ret = api.dma_mmap_attrs(k, c.dev, vma, o.cpu_addr, o.dma_handle, o.size, attrs || o.attrs);
  c.result.ret = ret === 0 ? "0" : ret === -6 ? "-ENXIO" : String(ret);
  c.success = ret === 0;
  if (ret !== 0) return;
  const w = k.user_pgd.walk(vm_start);
  const pfn = isWalkHit(w) ? w.pfn : -1;
  const want = bufferPfn(c, o.dma_handle + pgoff * PAGE_SIZE);
  c.result.vm_start = hex(vm_start);
  c.result.pfn = hex(pfn);
  c.result.buffer_pfn = hex(want);
  c.result.prot = vma.vm_page_prot;
  c.summary.push(pfn === want ? `user ${hex(vm_start)} maps the buffer's pfn ${hex(pfn)}` : `user ${hex(vm_start)} maps pfn ${hex(pfn)}, but the buffer is at pfn ${hex(want)}: ${k.describePfn(pfn)}`);
  name(c, { kind: "umap", vm_start, length });
}

export function mapSingle(c: Ctx, single: boolean) {
  const k = c.k;
  const o = ref(c, "buf", "kbuf", "coherent", "grant", "ncbuf");
  const offset = num(c, "offset", 0);
  const size = num(c, "size");
  const dir = dirArg(c);
  const attrs = attrsArg(c);
  let dma: number;
  if (single) {
    if (o.kind === "kbuf" && o.addr === 0) err(c.step, "buf: a highmem page has no kernel address for dma_map_single; use dma_map_page", "buf");
    dma = api.dma_map_single_attrs(k, c.dev, cpuAddrOf(o) + offset, size, dir, attrs);
  } else {
    const p = pageOf(c, o, offset, false);
    dma = api.dma_map_page_attrs(k, c.dev, p.page, p.off, size, dir, attrs);
  }
  c.result.dma_addr = hex(dma);
  c.result.ret = dma === DMA_MAPPING_ERROR ? "DMA_MAPPING_ERROR" : hex(dma);
  c.success = dma !== DMA_MAPPING_ERROR;
  c.bounced = mappingBounced(c, dma);
  c.result.bounced = c.bounced;
  if (c.bounced) c.summary.push(`bounced: the device uses swiotlb slot at phys ${hex(mappedPhys(c, dma))}`);
  if (dma === DMA_MAPPING_ERROR) swiotlbFullCause(c, size);
  name(c, { kind: "map", dma_addr: dma, size, dir, attrs, single, unmapped: false, bounced: c.bounced });
}

/** When a map failed because swiotlb was full, say why: an oversize request, a pool exhausted by live mappings (a leak if they are never unmapped), or fragmentation. */
export function swiotlbFullCause(c: Ctx, size: number) {
  const k = c.k;
  const mem = k.io_tlb_default_mem;
  if (!mem || !k.klog.some((l) => l.step === k.step && l.message.includes("swiotlb buffer is full"))) return; // the dev_warn_ratelimited line
  const nslots = nr_slots(size);
  // a pool outside the device's dma-ranges: swiotlb_area_find_slots' tbl_dma_addr is DMA_MAPPING_ERROR & the segment
  // boundary mask (translate_phys_to_dma, 6.6.63 include/linux/dma-direct.h:27–38), an all-ones value whose slot
  // addresses fail the `tlb_addr & alloc_align_mask` test (6.6.63 kernel/dma/swiotlb.c:1053–1061): no slot is ever found
  const unreachable = c.dev.dma_range_map ? default_tbl_dma_addr(c.dev, mem.start) === DMA_MAPPING_ERROR : false;
  const cls = classifyFull(mem, nslots);
  const cause = cls === "fragmented" && unreachable ? "unreachable" : cls;
  const live = [...c.objs.values()].filter((o) => o.kind === "map" && o.bounced && !o.unmapped).length;
  const st = swiotlbStats(k);
  c.result.swiotlb_full = cause;
  c.summary.push(
    cause === "oversize"
      ? `swiotlb buffer is full: an oversize request — ${nslots} slots, but no bounce buffer is larger than ${IO_TLB_SEGSIZE} slots (${IO_TLB_SEGSIZE * 2} KiB)`
      : cause === "exhausted"
        ? `swiotlb buffer is full: the pool is exhausted — ${mem.used} of ${mem.nslabs} slots are held by ${live} live mapping${live === 1 ? "" : "s"} of this scenario${live ? " (a leak if they are never unmapped)" : ""}`
        : cause === "unreachable"
          ? `swiotlb buffer is full: the pool at phys ${hex(mem.start)} is outside the device's dma-ranges — its DMA address is DMA_MAPPING_ERROR, so every slot fails the slot search's alignment test (${mem.nslabs - mem.used} slots are free)`
          : `swiotlb buffer is full: fragmentation — ${mem.nslabs - mem.used} slots are free but the largest free run is ${st?.largestFreeRun ?? "?"} slots, fewer than the ${nslots} needed`,
  );
}

export function unmapSingle(c: Ctx) {
  if (c.step.args.buf !== undefined) {
    // misuse: a coherent buffer's handle given to the streaming unmap
    const b = ref(c, "buf", "coherent");
    api.dma_unmap_page_attrs(c.k, c.dev, b.dma_handle, num(c, "size", b.size), dirArg(c, 0), attrsArg(c, 0), c.step.op === "dma_unmap_single");
    return;
  }
  const o = ref(c, "map", "map", "sgmap");
  if (o.kind === "sgmap") {
    // misuse: an sg mapping's first entry unmapped as a single mapping
    const sg = o.sgl[0]!;
    api.dma_unmap_page_attrs(c.k, c.dev, sg.dma_address, num(c, "size", sg.dma_length), dirArg(c, o.dir), attrsArg(c, o.attrs), c.step.op === "dma_unmap_single");
    return;
  }
  o.unmapped = true;
  const size = num(c, "size", o.size);
  const dir = dirArg(c, o.dir);
  const attrs = attrsArg(c, o.attrs);
  api.dma_unmap_page_attrs(c.k, c.dev, o.dma_addr, size, dir, attrs, o.single);
}

/**
 * The arch/dma-direct loop of an sg call given more nents than the list holds: the entries of the
 * list are processed, then sg_next() returns NULL and sg_dma_address(sg) dereferences it
 * (struct scatterlist: dma_address at offset 0x10 on 64-bit, 0xc on ARM32). dma-debug's hook is
 * not reached again (the caller ran it where the kernel runs it).
 */
export function pastLastSg(c: Ctx, o: Extract<Obj, { kind: "sgmap" }>, run: () => void, fn: string): void {
  const k = c.k;
  const d = k.dma_debug;
  k.dma_debug = null;
  try {
    run();
  } finally {
    k.dma_debug = d;
  }
  k.tr?.note(`for_each_sg: entry ${o.sgl.length} of ${num(c, "nents")} is past the end of the ${o.sgl.length}-entry list: sg_next() returned NULL`);
  k.oops(k.arch.name === "arm" ? 0xc : 0x10, fn);
}

export function syncSg(c: Ctx, forCpu: boolean) {
  const o = ref(c, "map", "sgmap");
  const nents = num(c, "nents", o.nents);
  const dir = dirArg(c, o.dir);
  // the sync loop runs before dma-debug's hook (kernel/dma/mapping.c dma_sync_sg_for_*)
  if (nents <= o.sgl.length) api.dma_sync_sg(c.k, c.dev, o.sgl, nents, dir, forCpu);
  else pastLastSg(c, o, () => api.dma_sync_sg(c.k, c.dev, o.sgl, o.sgl.length, dir, forCpu), forCpu ? "dma_sync_sg_for_cpu" : "dma_sync_sg_for_device");
}

export function sync(c: Ctx, forCpu: boolean) {
  const o = ref(c, "map", "map", "ncbuf");
  const offset = num(c, "offset", 0);
  const size = num(c, "size", o.size - offset);
  const dir = dirArg(c, o.dir);
  const handle = o.kind === "ncbuf" ? o.dma_handle : o.dma_addr;
  if (forCpu) api.dma_sync_single_for_cpu(c.k, c.dev, handle + offset, size, dir);
  else api.dma_sync_single_for_device(c.k, c.dev, handle + offset, size, dir);
}

/** The release (and commit) that added an API function, when this kernel predates it: an input error naming the version. */
export function needs(c: Ctx, commit: string, what: string) {
  if (c.k.sw[commit]) return;
  const sw = SWITCHES[commit]!;
  /* an input error for `run` (exit 2, one line); an N/A cell in a matrix over kernels */
  const why = `${what} does not exist in Linux ${c.k.version.id} (added in ${sw.release} by ${commit} "${sw.title}")`;
  throw withStepMsg(new NotApplicable(`Linux ${c.k.version.id}`, why, { line: c.step.line, col: c.step.col }, `steps: ${c.step.op}: ${why}`), c.step, why, "op");
}

/** An ops-based device whose dma_map_ops method the model does not implement: not applicable rather than a made-up result. */
export function opsMethod(c: Ctx, method: keyof NonNullable<Device["dma_ops"]>) {
  const ops = c.dev.dma_ops;
  if (ops && !ops[method]) throw new NotApplicable(c.k.platform.id, `${c.step.op}: ${ops.name}.${String(method)} is not modelled`, { line: c.step.line, col: c.step.col });
}

export function allocPages(c: Ctx, noncoherent: boolean) {
  needs(c, "efa70f2fdc84", c.step.op);
  opsMethod(c, "alloc_pages");
  const size = num(c, "size");
  const dir = dirArg(c);
  const gfp = gfpArg(c);
  const r: { page: number; dma_handle: number; cpu_addr?: number } | null = noncoherent ? api.dma_alloc_noncoherent(c.k, c.dev, size, dir, gfp) : api.dma_alloc_pages(c.k, c.dev, size, dir, gfp);
  if (!r) {
    c.result.ret = "NULL";
    c.success = false;
    return;
  }
  // dma_alloc_noncoherent's own address: page_address(page), or (5.10 iommu_dma_alloc_noncoherent) a vmap
  const addr = r.cpu_addr ?? c.k.arch.page_address(c.k, r.page);
  const page = is_vmalloc_addr(c.k, addr) ? vmalloc_to_page(c.k, addr) : r.page;
  c.result.ret = noncoherent ? c.k.arch.fmtVa(addr) : c.k.arch.fmtVa(r.page);
  c.result.page = c.k.arch.fmtVa(page);
  c.result.pfn = hex(c.k.arch.page_to_pfn(page));
  c.result.cpu_addr = c.k.arch.fmtVa(addr);
  c.result.dma_handle = hex(r.dma_handle);
  c.result.addr_kind = addr_kind(c.k, addr);
  c.summary.push(`${addr_kind(c.k, addr)} address ${c.k.arch.fmtVa(addr)} (cacheable), dma_handle ${hex(r.dma_handle)}: the driver owns the cache maintenance (dma_sync_single_for_*)`);
  name(c, { kind: "ncbuf", addr, page, dma_handle: r.dma_handle, size, dir, api: noncoherent ? "noncoherent" : "pages", freed: false });
}

export function freePages(c: Ctx, noncoherent: boolean) {
  needs(c, "efa70f2fdc84", c.step.op);
  const o = ref(c, "buf", "ncbuf");
  if ((o.api === "noncoherent") !== noncoherent) err(c.step, `buf: came from ${o.api === "noncoherent" ? "dma_alloc_noncoherent" : "dma_alloc_pages"}`, "buf");
  if (noncoherent) api.dma_free_noncoherent(c.k, c.dev, o.size, o.addr, o.dma_handle, o.dir);
  else api.dma_free_pages(c.k, c.dev, o.size, o.page, o.dma_handle, o.dir);
  o.freed = true;
}

export function setMask(c: Ctx, which: "dma" | "coherent" | "both") {
  let mask: bigint;
  if (c.step.args.bits !== undefined) {
    const bits = num(c, "bits");
    if (bits < 0 || bits > 64) err(c.step, `bits ${bits} is not between 0 and 64`, "bits");
    mask = DMA_BIT_MASK(bits);
  } else if (c.step.args.mask !== undefined) mask = parseU64Big(c.step.args.mask as string);
  else err(c.step, "needs bits or mask");
  const r = which === "dma" ? api.dma_set_mask(c.k, c.dev, mask) : which === "coherent" ? api.dma_set_coherent_mask(c.k, c.dev, mask) : api.dma_set_mask_and_coherent(c.k, c.dev, mask);
  dev_update_limits(c.dev);
  c.result.ret = r === 0 ? "0" : "-EIO";
  c.success = r === 0;
}

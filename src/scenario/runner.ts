/**
 * Runs a scenario on one platform × kernel: boots the model, executes each step through the
 * modelled kernel API, records results, faults, diagnostics and the event stream, and checks
 * expectations. Modelled kernel faults are results; only bad input throws (InputError).
 */
import { InputError, KernelFault, NotApplicable, type FaultRecord } from "../core/faults.js";
import { PLATFORMS } from "../platforms/index.js";
import { SWITCHES } from "../versions.js";
import type { Platform } from "../platforms/platform.js";
import { Tracer, type TraceEvent } from "../core/trace.js";
import { DMA_BIT_MASK, DMA_MAPPING_ERROR, PAGE_ALIGN, PAGE_SIZE, hex, parseU64Big } from "../core/u64.js";
import type { Kernel } from "../kernel.js";
import type { Device } from "../drivers/device.js";
import { dev_update_limits } from "../drivers/device.js";
import { device_access, device_access_bus } from "../drivers/dma-master.js";
import { bootCached } from "../boot-cache.js";
import type { Scatterlist, SgTable } from "../kernel/dma/ops.js";
import * as api from "../kernel/dma/mapping.js";
import { dma_to_phys } from "../kernel/dma/direct.js";
import { IO_TLB_SEGSIZE, classifyFull, is_swiotlb_buffer, nr_slots, rmem_swiotlb_device_init, swiotlbStats } from "../kernel/dma/swiotlb/index.js";
import { dma_debug_device_change } from "../kernel/dma/debug.js";
import * as dbg from "../kernel/dma/debug.js";
import { xen_dma_to_phys } from "../xen/swiotlb-xen.js";
import { gnttab_map_refs, gnttab_unmap_refs, type GrantMapping } from "../xen/grant-table.js";
import { DMA_ATTR_MMIO, GFP_KERNEL, parseAttrs, parseDir, parseGfp } from "../include/gfp.js";
import * as v618 from "../kernel/dma/mapping-v6.18.js";
import { __free_pages, alloc_pages, get_unmapped_area, is_vmalloc_addr, remap_pfn_range, user_access_read, user_access_write, vfree, virt_to_page, vmalloc, vmalloc_to_page } from "../mm/mm.js";
import { iommu_iova_to_phys } from "../drivers/iommu/iommu.js";
import { NONCONTIG_API, dma_alloc_noncontiguous, dma_free_noncontiguous, dma_vmap_noncontiguous, dma_vunmap_noncontiguous } from "../kernel/dma/noncontig.js";
import { isWalkHit } from "../mm/pgtable.js";
import { kasan_report_uaf } from "../mm/mm-debug.js";
import { VM_IOREMAP } from "../mm/vmalloc.js";
import { resolveDevice, buildConfig, resolveKernel, resolvePlatform } from "./config.js";
import { dataBytes, fmtBytes } from "./data.js";
import type { AddrKind, DataSpec, ExpectationResult, RunOptions, RunResult, Scenario, Step, StepResult } from "./types.js";

type Obj =
  | { kind: "coherent"; cpu_addr: number; dma_handle: number; size: number; attrs: number; freed: boolean }
  | { kind: "kbuf"; addr: number; size: number; alloc: "kmalloc" | "pages" | "vmalloc" | "stack" | "vmap"; page: number; order: number; freed: boolean }
  | { kind: "grant"; addr: number; size: number; page: number; grant: GrantMapping; freed: boolean }
  | { kind: "map"; dma_addr: number; size: number; dir: number; attrs: number; single: boolean; unmapped: boolean; bounced: boolean; resource?: true }
  | { kind: "sgmap"; sgl: Scatterlist[]; nents: number; mapped: number; dir: number; attrs: number; unmapped?: boolean; noncontig?: { sgt: SgTable; size: number } }
  | { kind: "umap"; vm_start: number; length: number }
  | { kind: "sgt"; sgt: SgTable; size: number }
  /** a dma_alloc_pages / dma_alloc_noncoherent buffer: cacheable kernel address, its pages and DMA handle */
  | { kind: "ncbuf"; addr: number; page: number; dma_handle: number; size: number; dir: number; api: "pages" | "noncoherent"; freed: boolean }
  /** what a name stands for when its step failed (returned NULL / an error): `of` is the kind it would have been */
  | { kind: "null"; of: Exclude<Obj["kind"], "null">; op: string; index: number; ret: string; alloc?: string };

/** The kind of thing each producing op names with `as`. */
const PRODUCES: Record<string, Exclude<Obj["kind"], "null">> = {
  dma_alloc_coherent: "coherent", dma_alloc_attrs: "coherent", dma_get_sgtable: "sgt", dma_mmap_coherent: "umap", dma_mmap_attrs: "umap",
  kmalloc: "kbuf", vmalloc: "kbuf", alloc_pages: "kbuf", stack_buffer: "kbuf", gnttab_map: "grant",
  dma_map_single: "map", dma_map_page: "map", dma_map_phys: "map", dma_map_sg: "sgmap",
  dma_alloc_pages: "ncbuf", dma_alloc_noncoherent: "ncbuf", dma_map_resource: "map",
  dma_alloc_noncontiguous: "sgmap", dma_vmap_noncontiguous: "kbuf",
};

/**
 * A step that needs a thing its producing step did not produce (it returned NULL or an error):
 * what the kernel does with that value is not defined (an uninitialised dma_handle, a NULL
 * struct page, ...), so the step is reported as not run, naming the failed step.
 */
class NotRun extends Error {
  readonly why: string;
  constructor(readonly src: { op: string; index: number; ret: string }) {
    super(`not run: step ${src.index} (${src.op}) returned ${src.ret}`);
    this.why = this.message;
  }
}

const KIND_NAME: Record<Obj["kind"], string> = {
  coherent: "a coherent buffer",
  kbuf: "a kernel buffer",
  grant: "a grant-mapped foreign page",
  map: "a streaming mapping",
  sgmap: "an sg mapping",
  umap: "a user mapping",
  sgt: "an sg table",
  ncbuf: "a non-coherent DMA buffer",
  null: "a failed result",
};

/** Classify a CPU address the way the kernel would have to: which region of the kernel VA space it lies in. */
export function addr_kind(k: Kernel, a: number): AddrKind {
  if (a === 0) return "null";
  const L = k.arch.L;
  if (k.arch.is_linear(a)) return "linear";
  if (is_vmalloc_addr(k, a)) {
    const vm = k.vmalloc.find_vm_area(a);
    return vm && vm.flags & VM_IOREMAP ? "ioremap" : "vmalloc";
  }
  if (k.arch.name === "arm") {
    // mem_map lives in lowmem on ARM32, so a page cookie is also a linear address: caught above
    return "other";
  }
  if (a >= L.VMEMMAP_START && a < L.VMEMMAP_END) return "page_cookie";
  return "other";
}

interface Ctx {
  k: Kernel;
  dev: Device;
  objs: Map<string, Obj>;
  step: Step;
  result: Record<string, string | number | boolean | null>;
  read?: Uint8Array;
  summary: string[];
  /** call succeeded (not NULL / error) */
  success: boolean;
  /** the step named its result (name() was called) */
  named?: boolean;
  bounced?: boolean;
}

function err(step: Step, msg: string): never {
  throw new InputError(`steps: ${step.op}: ${msg}`, { line: step.line, col: step.col });
}

function arg<T = unknown>(c: Ctx, name: string): T | undefined {
  return c.step.args[name] as T | undefined;
}

function num(c: Ctx, name: string, dflt?: number): number {
  const v = c.step.args[name];
  if (v === undefined || v === null) {
    if (dflt === undefined) err(c.step, `missing argument '${name}'`);
    return dflt;
  }
  // `size` is a size_t argument of the kernel call: 32 bits on ARM32, where a larger value wraps
  if (typeof v === "number") return name === "size" && c.k.arch.name === "arm" ? v % 2 ** 32 : v;
  try {
    return Number(parseU64Big(v as string));
  } catch (e) {
    err(c.step, `${name}: ${(e as Error).message}`);
  }
}

/** The NULL result a name stands for, if its step failed and it is of one of `kinds` (else undefined). */
function nullRef(c: Ctx, name: string, ...kinds: Exclude<Obj["kind"], "null">[]): Extract<Obj, { kind: "null" }> | undefined {
  const n = c.step.args[name];
  const o = typeof n === "string" ? c.objs.get(n) : undefined;
  return o && o.kind === "null" && kinds.includes(o.of) ? o : undefined;
}

function ref<K extends Exclude<Obj["kind"], "null">>(c: Ctx, name: string, ...kinds: K[]): Extract<Obj, { kind: K }> {
  const n = c.step.args[name];
  if (typeof n !== "string") err(c.step, `missing argument '${name}'`);
  const o = c.objs.get(n);
  if (!o) err(c.step, `${name}: no earlier step named '${n}'`);
  if (o.kind === "null" && (kinds as string[]).includes(o.of)) throw new NotRun(o);
  if (o.kind === "null") err(c.step, `${name}: '${n}' is ${KIND_NAME[o.of]}, not ${kinds.map((x) => KIND_NAME[x]).join(" or ")}`);
  if (!kinds.includes(o.kind as K)) err(c.step, `${name}: '${n}' is ${KIND_NAME[o.kind]}, not ${kinds.map((x) => KIND_NAME[x]).join(" or ")}`);
  return o as Extract<Obj, { kind: K }>;
}

function gfpArg(c: Ctx, dflt = GFP_KERNEL): number {
  const v = arg<string | number>(c, "gfp");
  if (v === undefined) return dflt;
  try {
    return parseGfp(v, c.k.version.id);
  } catch (e) {
    err(c.step, (e as Error).message);
  }
}

function dirArg(c: Ctx, dflt?: number): number {
  const v = arg<string | number>(c, "dir");
  if (v === undefined) {
    if (dflt === undefined) err(c.step, "missing argument 'dir'");
    return dflt;
  }
  try {
    return parseDir(v);
  } catch (e) {
    err(c.step, (e as Error).message);
  }
}

function attrsArg(c: Ctx, dflt = 0): number {
  const v = arg<string | number>(c, "attrs");
  if (v === undefined) return dflt;
  let a: number;
  try {
    a = parseAttrs(v);
  } catch (e) {
    err(c.step, (e as Error).message);
  }
  // include/linux/dma-mapping.h: DMA_ATTR_MMIO exists from 6.18 (eadaa8b255f3)
  if (a & DMA_ATTR_MMIO && !c.k.sw["eadaa8b255f3"]) notInVersion(c, `attrs: DMA_ATTR_MMIO is not in Linux ${c.k.version.id} (it came in 6.18 with eadaa8b255f3)`);
  return a;
}

/**
 * An op or argument the run's kernel does not have: one input-error line naming the version (exit
 * 2 from `run`); `matrix` shows the cell as N/A, like a device the platform lacks.
 */
function notInVersion(c: Ctx, msg: string): never {
  const text = `steps: ${c.step.op}: ${msg}`;
  throw new NotApplicable(c.k.platform.id, msg, { line: c.step.line, col: c.step.col }, text);
}

/** The physical-address API (dma_map_phys, dma_unmap_phys) exists from 6.18 (f7326196a781). */
function needPhysApi(c: Ctx): void {
  if (!c.k.sw["f7326196a781"]) notInVersion(c, `not in Linux ${c.k.version.id}: the physical-address API came in 6.18 (f7326196a781); use dma_map_page / dma_unmap_page`);
}

/** kernel/dma/mapping.c dma_map_phys (6.18) on a buffer's physical address or a given one */
function mapPhys(c: Ctx) {
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
function unmapPhys(c: Ctx) {
  needPhysApi(c);
  const o = ref(c, "map", "map");
  o.unmapped = true;
  v618.dma_unmap_phys(c.k, c.dev, o.dma_addr, num(c, "size", o.size), dirArg(c, o.dir), attrsArg(c, o.attrs));
}

function name(c: Ctx, o: Obj) {
  c.named = true;
  if (!c.step.as) return;
  c.objs.set(c.step.as, o);
}

/** The kernel virtual address a CPU step uses for a buffer. */
function cpuAddrOf(o: Extract<Obj, { kind: "coherent" | "kbuf" | "grant" | "ncbuf" }>): number {
  return o.kind === "coherent" ? o.cpu_addr : o.addr;
}

/** A CPU access to a kbuf/coherent buffer; highmem pages without a kernel address go through kmap (cacheable). */
function cpuAccess(c: Ctx, o: Extract<Obj, { kind: "coherent" | "kbuf" | "grant" | "ncbuf" }>, offset: number, len: number, data?: Uint8Array): Uint8Array | undefined {
  const k = c.k;
  if (o.kind === "kbuf" && o.addr === 0) {
    const phys = k.page_to_phys(o.page) + offset;
    if (data) k.cache.cpuWrite(phys, data);
    else return k.cache.cpuRead(phys, len);
    return undefined;
  }
  const va = cpuAddrOf(o) + offset;
  if (data) {
    k.kwrite(va, data, c.step.op);
    k.tr?.mem("write", "cpu", k.arch.fmtVa(va), hex(k.translate(va).phys), data.length, k.translate(va).prot);
    return undefined;
  }
  const r = k.kread(va, len, c.step.op);
  k.tr?.mem("read", "cpu", k.arch.fmtVa(va), hex(k.translate(va).phys), len, k.translate(va).prot);
  return r;
}

/**
 * CONFIG_KASAN (generic): the driver's access is checked against the shadow before it happens; a
 * kmalloc object or pages that were freed are poisoned (mm/kasan: kasan_slab_free /
 * kasan_free_pages), so the access is reported as use-after-free and then goes ahead.
 */
function kasanCheck(c: Ctx, o: Extract<Obj, { kind: "coherent" | "kbuf" | "grant" | "ncbuf" }>, offset: number, len: number, write: boolean) {
  if (!c.k.cfg.CONFIG_KASAN || o.kind !== "kbuf" || !o.freed || (o.alloc !== "kmalloc" && o.alloc !== "pages") || o.addr === 0) return;
  const k = c.k;
  const stillFree = o.alloc === "kmalloc" ? k.slab.freed.has(o.addr) : k.memmap.refcount(k.arch.page_to_pfn(o.page)) <= 0;
  if (stillFree) kasan_report_uaf(k, o.addr + offset, len, write, c.step.op);
}

/** A CPU access through a NULL kmalloc/vmalloc/coherent pointer: the driver dereferences NULL (+ offset). */
function nullDeref(c: Ctx, write: boolean) {
  const nul = nullRef(c, "buf", "coherent", "kbuf");
  if (!nul || nul.alloc === "pages") return;
  const va = num(c, "offset", 0);
  if (write) c.k.kwrite(va, bytesArg(c), c.step.op);
  else c.k.kread(va, num(c, "length"), c.step.op);
}

/** The dma_alloc_noncontiguous family exists from 7d5b5738d151 (5.14): an earlier kernel has no such call. */
function noncontigApi(c: Ctx): void {
  if (c.k.sw[NONCONTIG_API]) return;
  /* an input error for `run` (exit 2, one line); an N/A cell in a matrix over kernels */
  const why = `Linux ${c.k.version.id} has no ${c.step.op} (added in 5.14 by ${NONCONTIG_API} "dma-mapping: add a dma_alloc_noncontiguous API")`;
  throw new NotApplicable(`Linux ${c.k.version.id}`, why, { line: c.step.line, col: c.step.col }, `steps: ${c.step.op}: ${why}`);
}

function deviceTarget(c: Ctx): { bus: number | bigint; len?: number } {
  const a = c.step.args;
  if (a.buf !== undefined) {
    const o = ref(c, "buf", "coherent", "ncbuf");
    return { bus: o.dma_handle, len: o.size };
  }
  if (a.map !== undefined) {
    const o = ref(c, "map", "map", "sgmap");
    if (o.kind === "map") return { bus: o.dma_addr, len: o.size };
    return { bus: o.sgl[0]!.dma_address, len: o.sgl[0]!.dma_length };
  }
  if (a.dma_addr !== undefined) return { bus: typeof a.dma_addr === "bigint" ? a.dma_addr : BigInt(num(c, "dma_addr")) };
  err(c.step, "needs one of buf, map or dma_addr");
}

/** The device accesses bus + offset; a scenario's dma_addr is any 64-bit value (bigint), resolved exactly. */
function deviceAccess(c: Ctx, bus: number | bigint, offset: number, len: number, data?: Uint8Array): Uint8Array | null {
  if (typeof bus === "bigint") return device_access_bus(c.k, c.dev, bus + BigInt(offset), len, data);
  return device_access(c.k, c.dev, bus + offset, len, data);
}

function bytesArg(c: Ctx): Uint8Array {
  const d = arg<DataSpec>(c, "data");
  if (d === undefined) err(c.step, "missing argument 'data'");
  try {
    return dataBytes(d);
  } catch (e) {
    err(c.step, `data: ${(e as Error).message}`);
  }
}

function mappingBounced(c: Ctx, dma: number): boolean {
  if (dma === DMA_MAPPING_ERROR) return false;
  const p = mappedPhys(c, dma);
  return p >= 0 && is_swiotlb_buffer(c.k, p, c.dev);
}

/** The (pseudo-)physical address behind a device address: on Xen via the M2P, behind an IOMMU DMA domain via its page table. */
function mappedPhys(c: Ctx, dma: number): number {
  if (c.dev.iommu && c.dev.iommu.domain.type === "DMA") return iommu_iova_to_phys(c.k, c.dev.iommu.domain, dma) || -1;
  return c.k.xen ? xen_dma_to_phys(c.k, c.dev, dma) : dma_to_phys(c.k, c.dev, dma);
}

/** The struct page and in-page offset a streaming map of `o` at `offset` uses. */
function pageOf(c: Ctx, o: Extract<Obj, { kind: "coherent" | "kbuf" | "grant" | "ncbuf" }>, offset: number, forSingle: boolean): { page: number; off: number; va: number } {
  const k = c.k;
  if (o.kind === "kbuf" && o.addr === 0) {
    const pfn = k.arch.page_to_pfn(o.page) + Math.floor(offset / PAGE_SIZE);
    return { page: k.arch.pfn_to_page(pfn), off: offset % PAGE_SIZE, va: 0 };
  }
  const va = cpuAddrOf(o) + offset;
  const off = ((va % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE;
  // a careful driver finds the page of a vmalloc/vmapped buffer with vmalloc_to_page
  if (!forSingle && is_vmalloc_addr(k, va)) return { page: vmalloc_to_page(k, va - off), off, va };
  return { page: k.arch.virt_to_page(k, va - off), off, va };
}

const OPS: Record<string, (c: Ctx) => void> = {
  dma_alloc_coherent: (c) => alloc(c, 0),
  dma_alloc_attrs: (c) => alloc(c, attrsArg(c)),
  dma_free_coherent: (c) => free(c, undefined),
  dma_free_attrs: (c) => free(c, attrsArg(c, -1)),
  dma_mmap_coherent: (c) => mmap(c, 0),
  dma_mmap_attrs: (c) => mmap(c, attrsArg(c)),
  dma_get_sgtable(c) {
    const o = ref(c, "buf", "coherent");
    const sgt: SgTable = { sgl: [], nents: 0, orig_nents: 0 };
    const ret = api.dma_get_sgtable_attrs(c.k, c.dev, sgt, o.cpu_addr, o.dma_handle, o.size, attrsArg(c, o.attrs));
    c.result.ret = ret === 0 ? "0" : ret === -6 ? "-ENXIO" : String(ret);
    c.success = ret === 0;
    if (ret === 0) {
      const pfn = c.k.arch.page_to_pfn(sgt.sgl[0]!.page);
      const want = bufferPfn(c, o.dma_handle);
      c.result.page = c.k.arch.fmtVa(sgt.sgl[0]!.page);
      c.result.pfn = hex(pfn);
      c.result.buffer_pfn = hex(want);
      c.summary.push(pfn === want ? `sg table page is the buffer's first page (pfn ${hex(pfn)})` : `sg table names pfn ${hex(pfn)}, but the buffer is at pfn ${hex(want)}: ${c.k.describePfn(pfn)}`);
      name(c, { kind: "sgt", sgt, size: o.size });
    }
  },
  kmalloc(c) {
    const size = num(c, "size");
    const addr = c.k.slab.kmalloc(c.k, size, gfpArg(c));
    c.result.ret = addr ? c.k.arch.fmtVa(addr) : "NULL";
    c.result.addr_kind = addr_kind(c.k, addr);
    c.success = addr !== 0;
    if (addr) name(c, { kind: "kbuf", addr, size, alloc: "kmalloc", page: c.k.arch.virt_to_page(c.k, addr), order: 0, freed: false });
  },
  kfree(c) {
    if (nullRef(c, "buf", "kbuf")) {
      // mm/slub.c kfree: ZERO_OR_NULL_PTR(x) returns at once
      c.summary.push("kfree(NULL): no-op");
      return;
    }
    const o = ref(c, "buf", "kbuf");
    if (o.alloc !== "kmalloc") err(c.step, `buf: not a kmalloc buffer (it came from ${o.alloc})`);
    c.k.slab.kfree(c.k, o.addr);
    o.freed = true;
  },
  alloc_pages(c) {
    const order = num(c, "order", 0);
    const page = alloc_pages(c.k, gfpArg(c), order, "scenario alloc_pages");
    c.success = page !== 0;
    c.result.page = page ? c.k.arch.fmtVa(page) : "NULL";
    if (page) {
      const pfn = c.k.arch.page_to_pfn(page);
      const high = c.k.memmap.PageHighMem(pfn);
      const addr = high ? 0 : c.k.arch.page_address(c.k, page);
      c.result.pfn = hex(pfn);
      c.result.addr = addr ? c.k.arch.fmtVa(addr) : "NULL (highmem: kmap to access)";
      name(c, { kind: "kbuf", addr, size: PAGE_SIZE << order, alloc: "pages", page, order, freed: false });
    }
  },
  __free_pages(c) {
    const nul = nullRef(c, "buf", "kbuf");
    if (nul && nul.alloc === "pages") {
      // __free_pages(NULL, order): put_page_testzero reads page->_refcount (offset 0x34 in the
      // 64-bit struct page, 0x1c on ARM32): a NULL pointer dereference
      c.k.oops(c.k.arch.name === "arm" ? 0x1c : 0x34, "__free_pages");
    }
    const o = ref(c, "buf", "kbuf");
    if (o.alloc !== "pages") err(c.step, `buf: not from alloc_pages (it came from ${o.alloc})`);
    __free_pages(c.k, o.page, o.order);
    o.freed = true;
  },
  vmalloc(c) {
    const size = num(c, "size");
    const addr = vmalloc(c.k, size);
    c.success = addr !== 0;
    c.result.ret = addr ? c.k.arch.fmtVa(addr) : "NULL";
    c.result.addr_kind = addr_kind(c.k, addr);
    if (addr) name(c, { kind: "kbuf", addr, size, alloc: "vmalloc", page: 0, order: 0, freed: false });
  },
  vfree(c) {
    if (nullRef(c, "buf", "kbuf")) {
      // mm/vmalloc.c __vunmap: if (!addr) return
      c.summary.push("vfree(NULL): no-op");
      return;
    }
    const o = ref(c, "buf", "kbuf");
    if (o.alloc !== "vmalloc") err(c.step, `buf: not a vmalloc buffer (it came from ${o.alloc})`);
    vfree(c.k, o.addr);
    o.freed = true;
  },
  stack_buffer(c) {
    const size = num(c, "size");
    const st = c.k.task_stack!;
    if (size > st.end - st.start - 1024) err(c.step, `size ${size} does not fit on a ${st.end - st.start}-byte kernel stack`);
    const addr = st.end - 1024 - Math.ceil(size / 64) * 64;
    c.result.ret = c.k.arch.fmtVa(addr);
    c.result.addr_kind = addr_kind(c.k, addr);
    name(c, { kind: "kbuf", addr, size, alloc: "stack", page: 0, order: 0, freed: false });
  },
  dma_map_single: (c) => mapSingle(c, true),
  dma_map_page: (c) => mapSingle(c, false),
  dma_unmap_single: (c) => unmapSingle(c),
  dma_unmap_page: (c) => unmapSingle(c),
  dma_map_phys: (c) => mapPhys(c),
  dma_unmap_phys: (c) => unmapPhys(c),
  dma_map_sg(c) {
    const entries = arg<{ buf: string; offset?: number | string; length: number | string }[]>(c, "entries");
    if (!entries || entries.length === 0) err(c.step, "entries: at least one entry is needed");
    const sgl: Scatterlist[] = entries.map((e) => {
      const o = c.objs.get(e.buf);
      if (o && o.kind === "null" && (o.of === "kbuf" || o.of === "coherent" || o.of === "grant")) throw new NotRun(o);
      if (!o || (o.kind !== "kbuf" && o.kind !== "coherent" && o.kind !== "grant")) err(c.step, `entries: '${e.buf}' is not a kernel buffer`);
      const offset = typeof e.offset === "number" ? e.offset : e.offset ? Number(parseU64Big(e.offset)) : 0;
      const length = typeof e.length === "number" ? e.length : Number(parseU64Big(e.length));
      const p = pageOf(c, o, offset, false);
      return { page: p.page, offset: p.off, length, dma_address: 0, dma_length: 0 };
    });
    const dir = dirArg(c);
    const attrs = attrsArg(c);
    const n = api.dma_map_sg_attrs(c.k, c.dev, sgl, sgl.length, dir, attrs);
    c.result.ret = String(n);
    c.success = n > 0;
    c.result.dma_addr = sgl.map((s) => hex(s.dma_address)).join(",");
    c.bounced = sgl.some((s) => mappingBounced(c, s.dma_address));
    c.result.bounced = c.bounced;
    name(c, { kind: "sgmap", sgl, nents: sgl.length, mapped: n, dir, attrs });
  },
  dma_alloc_noncontiguous(c) {
    noncontigApi(c);
    const size = num(c, "size");
    const dir = dirArg(c);
    const attrs = attrsArg(c);
    const sgt = dma_alloc_noncontiguous(c.k, c.dev, size, dir, gfpArg(c), attrs);
    c.success = sgt !== null;
    c.result.ret = sgt ? "sgt" : "NULL";
    if (!sgt) return;
    const k = c.k;
    c.result.dma_addr = hex(sgt.sgl[0]!.dma_address);
    c.result.nents = String(sgt.nents);
    c.result.orig_nents = String(sgt.orig_nents);
    c.result.pfn = sgt.sgl.map((s) => hex(k.arch.page_to_pfn(s.page))).join(",");
    c.summary.push(`${sgt.orig_nents} physically separate piece${sgt.orig_nents === 1 ? "" : "s"} (pfn ${c.result.pfn}), one DMA range at ${c.result.dma_addr}`);
    name(c, { kind: "sgmap", sgl: sgt.sgl, nents: sgt.orig_nents, mapped: 1, dir, attrs, noncontig: { sgt, size } });
  },
  dma_free_noncontiguous(c) {
    noncontigApi(c);
    const o = ref(c, "map", "sgmap");
    if (!o.noncontig) err(c.step, `map: '${String(c.step.args.map)}' is not a dma_alloc_noncontiguous allocation`);
    dma_free_noncontiguous(c.k, c.dev, o.noncontig.size, o.noncontig.sgt, o.dir);
    o.unmapped = true;
  },
  dma_vmap_noncontiguous(c) {
    noncontigApi(c);
    const o = ref(c, "map", "sgmap");
    if (!o.noncontig) err(c.step, `map: '${String(c.step.args.map)}' is not a dma_alloc_noncontiguous allocation`);
    const addr = dma_vmap_noncontiguous(c.k, c.dev, o.noncontig.size, o.noncontig.sgt);
    c.result.ret = addr ? c.k.arch.fmtVa(addr) : "NULL";
    c.result.addr_kind = addr_kind(c.k, addr);
    c.success = addr !== 0;
    if (addr) name(c, { kind: "kbuf", addr, size: o.noncontig.size, alloc: "vmap", page: o.noncontig.sgt.sgl[0]!.page, order: 0, freed: false });
  },
  dma_vunmap_noncontiguous(c) {
    noncontigApi(c);
    const o = ref(c, "buf", "kbuf");
    if (o.alloc !== "vmap") err(c.step, `buf: '${String(c.step.args.buf)}' is not a dma_vmap_noncontiguous mapping`);
    dma_vunmap_noncontiguous(c.k, c.dev, o.addr);
    o.freed = true;
  },
  dma_unmap_sg(c) {
    const o = ref(c, "map", "sgmap");
    const nents = num(c, "nents", o.nents);
    const dir = dirArg(c, o.dir);
    const attrs = attrsArg(c, o.attrs);
    if (nents <= o.sgl.length) api.dma_unmap_sg_attrs(c.k, c.dev, o.sgl, nents, dir, attrs);
    else {
      // nents is past the end of the list: for_each_sg's sg_next() returns NULL after the last
      // entry. dma-debug's loop runs first and reads sg_page(NULL) (page_link, offset 0) when it
      // has not stopped at the mapped count; else the unmap loop reads sg_dma_address(NULL).
      if (c.k.dma_debug) {
        dbg.debug_dma_unmap_sg(c.k, c.dev, o.sgl, nents, dir);
        if (!o.unmapped && o.mapped >= o.sgl.length) c.k.oops(0, "debug_dma_unmap_sg");
      }
      pastLastSg(c, o, () => api.dma_unmap_sg_attrs(c.k, c.dev, o.sgl, o.sgl.length, dir, attrs), "dma_unmap_sg_attrs");
    }
    o.unmapped = true;
  },
  dma_sync_sg_for_cpu: (c) => syncSg(c, true),
  dma_sync_sg_for_device: (c) => syncSg(c, false),
  dma_sync_single_for_cpu: (c) => sync(c, true),
  dma_sync_single_for_device: (c) => sync(c, false),
  dma_mapping_error(c) {
    const o = ref(c, "map", "map");
    const r = api.dma_mapping_error(c.k, c.dev, o.dma_addr);
    c.result.ret = r === 0 ? "0" : "-ENOMEM";
    c.success = r === 0;
  },
  dma_max_mapping_size(c) {
    const n = api.dma_max_mapping_size(c.k, c.dev);
    c.result.ret = n >= Number.MAX_SAFE_INTEGER ? "SIZE_MAX" : String(n);
  },
  dma_opt_mapping_size(c) {
    needs(c, "a229cc14f339", "dma_opt_mapping_size");
    const n = api.dma_opt_mapping_size(c.k, c.dev);
    c.result.ret = n >= Number.MAX_SAFE_INTEGER ? "SIZE_MAX" : String(n);
  },
  dma_alloc_pages: (c) => allocPages(c, false),
  dma_alloc_noncoherent: (c) => allocPages(c, true),
  dma_free_pages: (c) => freePages(c, false),
  dma_free_noncoherent: (c) => freePages(c, true),
  dma_map_resource(c) {
    opsMethod(c, "map_resource");
    const phys = num(c, "phys_addr");
    const size = num(c, "size");
    const dir = dirArg(c);
    const attrs = attrsArg(c);
    const dma = api.dma_map_resource(c.k, c.dev, phys, size, dir, attrs);
    c.result.dma_addr = hex(dma);
    c.result.ret = dma === DMA_MAPPING_ERROR ? "DMA_MAPPING_ERROR" : hex(dma);
    c.success = dma !== DMA_MAPPING_ERROR;
    name(c, { kind: "map", dma_addr: dma, size, dir, attrs, single: false, unmapped: false, bounced: false, resource: true });
  },
  dma_unmap_resource(c) {
    const o = ref(c, "map", "map");
    o.unmapped = true;
    api.dma_unmap_resource(c.k, c.dev, o.dma_addr, num(c, "size", o.size), dirArg(c, o.dir), attrsArg(c, o.attrs));
  },
  dma_set_mask: (c) => setMask(c, "dma"),
  dma_set_coherent_mask: (c) => setMask(c, "coherent"),
  dma_set_mask_and_coherent: (c) => setMask(c, "both"),
  dma_set_min_align_mask(c) {
    c.dev.min_align_mask = num(c, "mask");
  },
  dma_set_seg_boundary(c) {
    c.dev.segment_boundary_mask = BigInt(num(c, "mask"));
  },
  dma_set_max_seg_size(c) {
    c.dev.max_segment_size = num(c, "size");
  },
  cpu_write(c) {
    nullDeref(c, true);
    const o = ref(c, "buf", "coherent", "kbuf", "grant", "ncbuf");
    kasanCheck(c, o, num(c, "offset", 0), bytesArg(c).length, true);
    cpuAccess(c, o, num(c, "offset", 0), 0, bytesArg(c));
  },
  cpu_read(c) {
    nullDeref(c, false);
    const o = ref(c, "buf", "coherent", "kbuf", "grant", "ncbuf");
    kasanCheck(c, o, num(c, "offset", 0), num(c, "length"), false);
    c.read = cpuAccess(c, o, num(c, "offset", 0), num(c, "length"));
  },
  device_write(c) {
    const t = deviceTarget(c);
    const r = deviceAccess(c, t.bus, num(c, "offset", 0), 0, bytesArg(c));
    c.success = r !== null;
  },
  device_read(c) {
    const t = deviceTarget(c);
    const r = deviceAccess(c, t.bus, num(c, "offset", 0), num(c, "length"));
    c.success = r !== null;
    if (r) c.read = r;
  },
  user_write(c) {
    const o = ref(c, "map", "umap");
    c.success = user_access_write(c.k, o.vm_start + num(c, "offset", 0), bytesArg(c));
  },
  user_read(c) {
    const o = ref(c, "map", "umap");
    const r = user_access_read(c.k, o.vm_start + num(c, "offset", 0), num(c, "length"));
    c.success = r !== null;
    if (r) c.read = r;
  },
  sg_read(c) {
    const o = ref(c, "sgt", "sgt");
    const k = c.k;
    const offset = num(c, "offset", 0);
    const len = num(c, "length");
    const sg = o.sgt.sgl[0]!;
    const pfn = k.arch.page_to_pfn(sg.page);
    const phys = pfn * PAGE_SIZE + sg.offset + offset;
    c.result.pfn = hex(pfn);
    c.result.phys = hex(phys);
    if (!k.mem.isRamRange(k.stage2(phys), Math.max(1, len))) {
      k.record("bus_error", `reading the sg table's page: pfn ${hex(pfn)} (phys ${hex(phys)}) is not RAM: a DMA to it is a bus error, and dereferencing the struct page ${k.arch.fmtVa(sg.page)} faults`, phys);
      c.success = false;
      return;
    }
    // a kernel user maps the page (kmap / page_address): the access goes through the MMU, and on
    // Xen through the P2M (PV) or stage 2 (ARM) to the machine frame
    const mphys = k.stage2(phys);
    c.read = k.cache.snoopRead(mphys, len);
    k.tr?.mem("read", "cpu", k.arch.fmtVa(sg.page), hex(mphys), len, "sg_phys(sg): the frame the table names");
  },
  driver_unbind(c) {
    if (c.k.dma_debug) dbg.dma_debug_device_change(c.k, c.dev);
    c.summary.push(`driver ${c.dev.driver} unbound from ${c.dev.name}`);
  },
  gnttab_map(c) {
    const na = xenGrantsMissing(c.k.platform);
    if (na) throw new NotApplicable(c.k.platform.id, `${c.step.op}: ${na}`, { line: c.step.line, col: c.step.col });
    const m = gnttab_map_refs(c.k, num(c, "domain"), num(c, "gref"));
    if (typeof m === "string") err(c.step, m);
    c.result.page = c.k.arch.fmtVa(m.page);
    c.result.pfn = hex(m.pfn);
    c.result.mfn = hex(m.mfn);
    c.result.addr = c.k.arch.fmtVa(m.addr);
    c.summary.push(`domain ${m.domain}'s page (mfn ${hex(m.mfn)}) mapped at dom0 pfn ${hex(m.pfn)}, ${c.k.arch.fmtVa(m.addr)}`);
    name(c, { kind: "grant", addr: m.addr, size: PAGE_SIZE, page: m.page, grant: m, freed: false });
  },
  gnttab_unmap(c) {
    const o = ref(c, "buf", "grant");
    const st = gnttab_unmap_refs(c.k, o.grant);
    c.result.status = st;
    c.success = st === "GNTST_okay";
    if (!c.success) c.summary.push(`GNTTABOP_unmap_grant_ref: ${st} (-4): the grant was already unmapped`);
    o.freed = true;
  },
  msleep(c) {
    const k = c.k;
    k.now_ms += num(c, "ms");
    for (const t of k.timers) if (t.timer_expires >= 0 && t.timer_expires <= k.now_ms) t.timeout(k);
    c.result.now_ms = k.now_ms;
  },
  remap_pfn_range(c) {
    const k = c.k;
    const o = ref(c, "buf", "coherent", "kbuf");
    const cpu = cpuAddrOf(o);
    const how = String(arg(c, "pfn_from"));
    const length = PAGE_ALIGN(num(c, "length", o.size));
    const pfn = how === "virt_to_phys" ? Math.floor(k.arch.virt_to_phys(k, cpu) / PAGE_SIZE) : k.arch.page_to_pfn(how === "vmalloc_to_page" ? vmalloc_to_page(k, cpu) : virt_to_page(k, cpu));
    const vm_start = get_unmapped_area(k, length);
    const ret = remap_pfn_range(k, vm_start, pfn, length, "normal");
    const want = o.kind === "coherent" ? bufferPfn(c, o.dma_handle) : Math.floor(k.page_to_phys(o.page) / PAGE_SIZE);
    c.result.ret = String(ret);
    c.result.vm_start = hex(vm_start);
    c.result.pfn = hex(pfn);
    c.result.buffer_pfn = hex(want);
    c.result.addr_kind = addr_kind(k, cpu);
    c.success = ret === 0;
    c.summary.push(pfn === want ? `${how}(${k.arch.fmtVa(cpu)}) gives the buffer's pfn ${hex(pfn)}` : `${how}(${k.arch.fmtVa(cpu)}) gives pfn ${hex(pfn)}, but the buffer is at pfn ${hex(want)}: ${k.describePfn(pfn)}`);
    name(c, { kind: "umap", vm_start, length });
  },
};

/** The pfn of a coherent buffer's first byte, from its DMA handle: through the IOMMU's page table when there is one. */
function bufferPfn(c: Ctx, dma_handle: number): number {
  if (c.dev.iommu) return Math.floor(iommu_iova_to_phys(c.k, c.dev.iommu.domain, dma_handle) / PAGE_SIZE);
  return Math.floor(dma_to_phys(c.k, c.dev, dma_handle) / PAGE_SIZE);
}

function alloc(c: Ctx, attrs: number) {
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

function free(c: Ctx, attrs: number | undefined) {
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

function mmap(c: Ctx, attrs: number) {
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

function mapSingle(c: Ctx, single: boolean) {
  const k = c.k;
  const o = ref(c, "buf", "kbuf", "coherent", "grant", "ncbuf");
  const offset = num(c, "offset", 0);
  const size = num(c, "size");
  const dir = dirArg(c);
  const attrs = attrsArg(c);
  let dma: number;
  if (single) {
    if (o.kind === "kbuf" && o.addr === 0) err(c.step, "buf: a highmem page has no kernel address for dma_map_single; use dma_map_page");
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
function swiotlbFullCause(c: Ctx, size: number) {
  const k = c.k;
  const mem = k.io_tlb_default_mem;
  if (!mem || !k.klog.some((l) => l.step === k.step && l.message.includes("swiotlb buffer is full"))) return; // the dev_warn_ratelimited line
  const nslots = nr_slots(size);
  const cause = classifyFull(mem, nslots);
  const live = [...c.objs.values()].filter((o) => o.kind === "map" && o.bounced && !o.unmapped).length;
  const st = swiotlbStats(k);
  c.result.swiotlb_full = cause;
  c.summary.push(
    cause === "oversize"
      ? `swiotlb buffer is full: an oversize request — ${nslots} slots, but no bounce buffer is larger than ${IO_TLB_SEGSIZE} slots (${IO_TLB_SEGSIZE * 2} KiB)`
      : cause === "exhausted"
        ? `swiotlb buffer is full: the pool is exhausted — ${mem.used} of ${mem.nslabs} slots are held by ${live} live mapping${live === 1 ? "" : "s"} of this scenario${live ? " (a leak if they are never unmapped)" : ""}`
        : `swiotlb buffer is full: fragmentation — ${mem.nslabs - mem.used} slots are free but the largest free run is ${st?.largestFreeRun ?? "?"} slots, fewer than the ${nslots} needed`,
  );
}

function unmapSingle(c: Ctx) {
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
function pastLastSg(c: Ctx, o: Extract<Obj, { kind: "sgmap" }>, run: () => void, fn: string): void {
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

function syncSg(c: Ctx, forCpu: boolean) {
  const o = ref(c, "map", "sgmap");
  const nents = num(c, "nents", o.nents);
  const dir = dirArg(c, o.dir);
  // the sync loop runs before dma-debug's hook (kernel/dma/mapping.c dma_sync_sg_for_*)
  if (nents <= o.sgl.length) api.dma_sync_sg(c.k, c.dev, o.sgl, nents, dir, forCpu);
  else pastLastSg(c, o, () => api.dma_sync_sg(c.k, c.dev, o.sgl, o.sgl.length, dir, forCpu), forCpu ? "dma_sync_sg_for_cpu" : "dma_sync_sg_for_device");
}

function sync(c: Ctx, forCpu: boolean) {
  const o = ref(c, "map", "map", "ncbuf");
  const offset = num(c, "offset", 0);
  const size = num(c, "size", o.size - offset);
  const dir = dirArg(c, o.dir);
  const handle = o.kind === "ncbuf" ? o.dma_handle : o.dma_addr;
  if (forCpu) api.dma_sync_single_for_cpu(c.k, c.dev, handle + offset, size, dir);
  else api.dma_sync_single_for_device(c.k, c.dev, handle + offset, size, dir);
}

/** The release (and commit) that added an API function, when this kernel predates it: an input error naming the version. */
function needs(c: Ctx, commit: string, what: string) {
  if (c.k.sw[commit]) return;
  const sw = SWITCHES[commit]!;
  err(c.step, `${what} does not exist in Linux ${c.k.version.id} (added in ${sw.release} by ${commit} "${sw.title}")`);
}

/** An ops-based device whose dma_map_ops method the model does not implement: not applicable rather than a made-up result. */
function opsMethod(c: Ctx, method: keyof NonNullable<Device["dma_ops"]>) {
  const ops = c.dev.dma_ops;
  if (ops && !ops[method]) throw new NotApplicable(c.k.platform.id, `${c.step.op}: ${ops.name}.${String(method)} is not modelled`, { line: c.step.line, col: c.step.col });
}

function allocPages(c: Ctx, noncoherent: boolean) {
  needs(c, "efa70f2fdc84", c.step.op);
  opsMethod(c, "alloc_pages");
  const size = num(c, "size");
  const dir = dirArg(c);
  const gfp = gfpArg(c);
  const r = noncoherent ? api.dma_alloc_noncoherent(c.k, c.dev, size, dir, gfp) : api.dma_alloc_pages(c.k, c.dev, size, dir, gfp);
  if (!r) {
    c.result.ret = "NULL";
    c.success = false;
    return;
  }
  const addr = c.k.arch.page_address(c.k, r.page);
  c.result.ret = noncoherent ? c.k.arch.fmtVa(addr) : c.k.arch.fmtVa(r.page);
  c.result.page = c.k.arch.fmtVa(r.page);
  c.result.pfn = hex(c.k.arch.page_to_pfn(r.page));
  c.result.cpu_addr = c.k.arch.fmtVa(addr);
  c.result.dma_handle = hex(r.dma_handle);
  c.result.addr_kind = addr_kind(c.k, addr);
  c.summary.push(`${addr_kind(c.k, addr)} address ${c.k.arch.fmtVa(addr)} (cacheable), dma_handle ${hex(r.dma_handle)}: the driver owns the cache maintenance (dma_sync_single_for_*)`);
  name(c, { kind: "ncbuf", addr, page: r.page, dma_handle: r.dma_handle, size, dir, api: noncoherent ? "noncoherent" : "pages", freed: false });
}

function freePages(c: Ctx, noncoherent: boolean) {
  needs(c, "efa70f2fdc84", c.step.op);
  const o = ref(c, "buf", "ncbuf");
  if ((o.api === "noncoherent") !== noncoherent) err(c.step, `buf: came from ${o.api === "noncoherent" ? "dma_alloc_noncoherent" : "dma_alloc_pages"}`);
  if (noncoherent) api.dma_free_noncoherent(c.k, c.dev, o.size, o.addr, o.dma_handle, o.dir);
  else api.dma_free_pages(c.k, c.dev, o.size, o.page, o.dma_handle, o.dir);
  o.freed = true;
}

function setMask(c: Ctx, which: "dma" | "coherent" | "both") {
  let mask: bigint;
  if (c.step.args.bits !== undefined) {
    const bits = num(c, "bits");
    if (bits < 0 || bits > 64) err(c.step, `bits ${bits} is not between 0 and 64`);
    mask = DMA_BIT_MASK(bits);
  } else if (c.step.args.mask !== undefined) mask = parseU64Big(c.step.args.mask as string);
  else err(c.step, "needs bits or mask");
  const r = which === "dma" ? api.dma_set_mask(c.k, c.dev, mask) : which === "coherent" ? api.dma_set_coherent_mask(c.k, c.dev, mask) : api.dma_set_mask_and_coherent(c.k, c.dev, mask);
  dev_update_limits(c.dev);
  c.result.ret = r === 0 ? "0" : "-EIO";
  c.success = r === 0;
}

function faultKinds(faults: FaultRecord[]): Set<string> {
  return new Set(faults.map((f) => f.kind));
}

/** Ops that need a Xen dom0 with another domain to grant pages (drivers/xen/grant-table.c). */
const XEN_GRANT_OPS: ReadonlySet<string> = new Set(["gnttab_map", "gnttab_unmap"]);

/** Why grant mapping cannot run on `p`, or null when it can. */
function xenGrantsMissing(p: Platform): string | null {
  if (!p.xen) return `${p.id} is not a Xen platform (grant mapping needs a dom0, e.g. rpi4-xen)`;
  if (!p.xenDomains) return `${p.id} models no other Xen domain to grant pages`;
  return null;
}

/**
 * Whether scenario `s` applies to `platform`: a NotApplicable naming what is missing, or null.
 * A device no modelled platform has is bad input (InputError), not "not applicable".
 */
export function applicability(s: Scenario, platform: Platform): NotApplicable | null {
  const at = s.deviceAt && { file: s.file, ...s.deviceAt };
  try {
    resolveDevice(platform, s.device, at);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    /* a role this platform does not have */
    if ((e as InputError & { notApplicable?: true }).notApplicable) return new NotApplicable(platform.id, e.message.replace(/^device: /, ""), at, e.message);
    /* a device name another platform has */
    const elsewhere = PLATFORMS.filter((p) => p.devices.some((d) => d.name === s.device)).map((p) => p.id);
    if (elsewhere.length === 0) throw e;
    return new NotApplicable(platform.id, `no device '${s.device}' (it is on ${elsewhere.join(", ")})`, at);
  }
  // a restricted-dma-pool is a device-tree reserved-memory region served by swiotlb (CONFIG_DMA_RESTRICTED_POOL depends on SWIOTLB)
  if (s.config && "restricted_dma_pool" in s.config) {
    if (platform.arch === "x86_64") return new NotApplicable(platform.id, "restricted_dma_pool: a device-tree reserved-memory region; x86 has no device tree", undefined);
    if (platform.arch === "arm") return new NotApplicable(platform.id, "restricted_dma_pool: CONFIG_DMA_RESTRICTED_POOL depends on SWIOTLB, which 32-bit ARM without LPAE does not have", undefined);
  }
  for (const st of s.steps)
    if (XEN_GRANT_OPS.has(st.op)) {
      const na = xenGrantsMissing(platform);
      if (na) return new NotApplicable(platform.id, `${st.op}: ${na}`, { line: st.line, col: st.col });
    }
  return null;
}

/**
 * Run one scenario. Throws InputError for bad input and NotApplicable when the scenario does not
 * apply to the platform (both naming the scenario's file); everything the kernel does is in the result.
 */
export function runScenario(s: Scenario, o: RunOptions = {}): RunResult {
  try {
    return runScenarioIn(s, o);
  } catch (e) {
    if (s.file !== undefined && (e instanceof InputError || e instanceof NotApplicable) && !e.where?.file) {
      const where = { ...e.where, file: s.file };
      throw e instanceof NotApplicable ? new NotApplicable(e.platform, e.reason, where, e.message) : new InputError(e.message, where);
    }
    throw e;
  }
}

function runScenarioIn(s: Scenario, o: RunOptions): RunResult {
  const platform = resolvePlatform(o.platform ?? s.platform);
  const version = resolveKernel(o.kernel ?? s.kernel);
  const { cfg, shown } = buildConfig(platform, s.config, o.set);
  for (const st of s.steps) if (!(st.op in OPS)) throw new InputError(`unknown op '${st.op}'`, { line: st.line, col: st.col });
  // a step's `cpu:` must be a possible CPU (nr_cpus)
  for (const st of s.steps) if (st.cpu !== undefined && st.cpu >= (cfg.nr_cpus ?? 1)) err(st, `cpu ${st.cpu} does not exist: nr_cpus is ${cfg.nr_cpus ?? 1} (CPUs 0..${(cfg.nr_cpus ?? 1) - 1}; set config nr_cpus)`);
  const na = applicability(s, platform);
  if (na) throw na;
  const devName = resolveDevice(platform, s.device, s.deviceAt && { file: s.file, ...s.deviceAt });

  const k = bootCached(platform, version, cfg); // a copy of the booted model (boot once per configuration)
  if (o.trace) k.tr = new Tracer();
  const dev = k.devices.get(devName)!;
  // the device's probe: of_reserved_mem_device_init on its restricted-dma-pool memory-region (5.15+)
  if (k.restricted_dma_pool) rmem_swiotlb_device_init(k, k.restricted_dma_pool, dev);
  const objs = new Map<string, Obj>();
  const steps: StepResult[] = [];
  const expectations: ExpectationResult[] = [];
  let stopped = false;
  let firstAllocKind: AddrKind | null = null;
  let firstFailure: string | null = null;
  const fail = (what: string) => {
    if (!firstFailure) firstFailure = what;
  };

  s.steps.forEach((step, index) => {
    if (stopped) {
      steps.push({ index, op: step.op, ok: false, status: "not run", result: {}, summary: "not run (the kernel oopsed, hit a BUG or locked up earlier)", trace: [] });
      return;
    }
    k.step = index;
    if (step.cpu !== undefined) k.cpu = step.cpu; // raw_smp_processor_id() from here on
    const faultsBefore = k.faults.length;
    const diagBefore = k.diagnostics.length;
    const klogBefore = k.klog.length;
    const traceBefore = k.tr ? k.tr.events.length : 0;
    const depth = k.tr?.depth ?? 0;
    const c: Ctx = { k, dev, objs, step, result: {}, summary: [], success: true };
    let notRun: string | null = null;
    try {
      OPS[step.op]!(c);
      if (step.as && !c.named && PRODUCES[step.op]) {
        const alloc = step.op === "kmalloc" ? "kmalloc" : step.op === "vmalloc" ? "vmalloc" : step.op === "alloc_pages" ? "pages" : undefined;
        objs.set(step.as, { kind: "null", of: PRODUCES[step.op]!, op: step.op, index, ret: String(c.result.ret ?? c.result.page ?? "NULL"), ...(alloc ? { alloc } : {}) });
      }
    } catch (e) {
      if (e instanceof NotRun) {
        notRun = e.why;
        // what this step would have named is as unusable as what it needed
        if (step.as && PRODUCES[step.op]) objs.set(step.as, { kind: "null", of: PRODUCES[step.op]!, op: e.src.op, index: e.src.index, ret: e.src.ret });
      } else if (e instanceof KernelFault) {
        k.tr?.unwindTo(depth);
        const rec = { ...e.record, step: index, ...(k.tr ? { chain: undefined } : {}) };
        k.faults.push(rec);
        c.success = false;
        c.summary.push(`${rec.kind === "oops" ? "Oops: " : rec.kind === "bug" && !rec.message.includes("kernel BUG") ? "BUG: " : ""}${rec.message}${rec.pc ? ` (pc: ${rec.pc})` : ""}`);
        stopped = true;
      } else throw e;
    }
    if (notRun !== null) {
      const pass = !step.expect;
      if (!pass) fail(`step ${index} ${step.op}: ${notRun}, its expectations cannot hold`);
      steps.push({ index, op: step.op, ok: pass, status: "not run", result: {}, summary: notRun, trace: k.tr ? k.tr.events.slice(traceBefore) : [] });
      return;
    }
    const stepFaults = k.faults.slice(faultsBefore);
    const stepDiags = k.diagnostics.slice(diagBefore);
    for (const d of stepDiags) d.step = index;
    if (c.result.addr_kind && firstAllocKind === null && (step.op === "dma_alloc_coherent" || step.op === "dma_alloc_attrs")) firstAllocKind = c.result.addr_kind as AddrKind;
    if (c.read) c.result.data = fmtBytes(c.read);
    let ok = true;
    const check = (what: string, expected: string, actual: string, pass: boolean) => {
      expectations.push({ step: index, what, expected, actual, ok: pass });
      if (!pass) {
        ok = false;
        fail(`step ${index} ${step.op}: ${what} ${actual}, expected ${expected}`);
      }
    };
    const ex = step.expect;
    const kinds = faultKinds(stepFaults);
    if (ex) {
      if (ex.ok !== undefined) check("ok", String(ex.ok), String(c.success && !kinds.has("oops") && !kinds.has("bug")), ex.ok === (c.success && !kinds.has("oops") && !kinds.has("bug")));
      if (ex.returns !== undefined) check("returns", ex.returns, String(c.result.ret ?? "(nothing)"), String(c.result.ret) === ex.returns);
      if (ex.addr_kind !== undefined) check("addr_kind", ex.addr_kind, String(c.result.addr_kind ?? "(none)"), c.result.addr_kind === ex.addr_kind);
      if (ex.data !== undefined) {
        const want = dataBytes(ex.data);
        const got = c.read;
        const pass = got !== undefined && got.length >= want.length && want.every((b, i) => got[i] === b);
        check("data", fmtBytes(want), got ? fmtBytes(got.subarray(0, want.length)) : "(nothing read)", pass);
      }
      if (ex.fault !== undefined) {
        const pass = ex.fault === "none" ? stepFaults.length === 0 : kinds.has(ex.fault);
        check("fault", ex.fault, stepFaults.length ? [...kinds].join("+") : "none", pass);
      }
      if (ex.diagnostic !== undefined) check("diagnostic", ex.diagnostic, stepDiags.map((d) => d.id).join(",") || "none", ex.diagnostic === "none" ? stepDiags.length === 0 : stepDiags.some((d) => d.id === ex.diagnostic));
      if (ex.log !== undefined) {
        const lines = k.klog.slice(klogBefore).map((l) => l.message);
        const actual = lines.length ? lines.map((l) => JSON.stringify(l)).join(", ") : "none";
        check("log", ex.log === "none" ? "none" : JSON.stringify(ex.log), actual, ex.log === "none" ? lines.length === 0 : lines.some((l) => l.includes(ex.log!)));
      }
      if (ex.bounced !== undefined) check("bounced", String(ex.bounced), String(c.bounced ?? false), (c.bounced ?? false) === ex.bounced);
    }
    // a fatal or user-visible fault nobody expected fails the step
    for (const f of stepFaults) {
      if ((f.kind === "oops" || f.kind === "bug" || f.kind === "soft_lockup" || f.kind === "sigbus" || f.kind === "bus_error") && ex?.fault !== f.kind) {
        ok = false;
        fail(`step ${index} ${step.op}: unexpected ${f.kind}: ${f.message}`);
      }
    }
    for (const f of stepFaults) if (f.kind !== "oops" && f.kind !== "bug" && f.kind !== "soft_lockup") c.summary.push(f.kind === "bad_page" || f.kind === "kasan" ? f.message : `${f.kind.toUpperCase()}: ${f.message}`);
    for (const d of stepDiags) c.summary.push(`${d.id}: ${d.message}`);
    const trace: TraceEvent[] = k.tr ? k.tr.events.slice(traceBefore) : [];
    steps.push({ index, op: step.op, ok, status: "ran", result: c.result, summary: c.summary.join("; "), trace });
  });

  let topOk = true;
  if (s.expect?.faults === "none" && k.faults.length) {
    topOk = false;
    expectations.push({ step: null, what: "faults", expected: "none", actual: k.faults.map((f) => f.kind).join(","), ok: false });
    fail(`faults: ${k.faults[0]!.kind}: ${k.faults[0]!.message}`);
  }
  if (s.expect?.diagnostics === "none" && k.diagnostics.length) {
    topOk = false;
    const d = k.diagnostics[0]!;
    expectations.push({ step: null, what: "diagnostics", expected: "none", actual: k.diagnostics.map((x) => x.id).join(","), ok: false });
    fail(`diagnostics: step ${d.step ?? "?"}: ${d.id}: ${d.message}`);
  }
  if (s.expect?.ok !== undefined) {
    const pass = steps.every((x) => x.ok) === s.expect.ok;
    if (!pass) topOk = false;
  }
  const result: RunResult = {
    scenario: s.name,
    platform: platform.id,
    kernel: version.id,
    device: dev.name,
    config: shown,
    ok: topOk && (s.expect?.ok === false ? true : steps.every((x) => x.ok)),
    steps,
    faults: k.faults.map((f) => ({ ...f })),
    diagnostics: k.diagnostics.map((d) => ({ id: d.id, message: d.message, step: d.step ?? -1, printed: d.printed })),
    expectations,
    first_alloc_kind: firstAllocKind,
    first_failure: firstFailure,
    log: k.klog.map((l) => ({ ...l })),
  };
  if (s.file) result.file = s.file;
  return result;
}

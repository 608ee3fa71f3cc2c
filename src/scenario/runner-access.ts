/**
 * The scenario runner's CPU and device accesses: classifying kernel addresses, CPU reads and writes
 * of a buffer (KASAN, NULL dereference), device accesses at a bus address, and which physical page
 * or swiotlb slot a mapping uses.
 */
import { DMA_MAPPING_ERROR, PAGE_SIZE, hex } from "../core/u64.js";
import type { Kernel } from "../kernel.js";
import { device_access, device_access_bus } from "../drivers/dma-master.js";
import { dma_to_phys } from "../kernel/dma/direct.js";
import { is_swiotlb_buffer } from "../kernel/dma/swiotlb/index.js";
import { xen_dma_to_phys } from "../xen/swiotlb-xen.js";
import { is_vmalloc_addr, vmalloc_to_page } from "../mm/mm.js";
import { iommu_iova_to_phys } from "../drivers/iommu/iommu.js";
import { kasan_check_vmalloc, kasan_report_uaf } from "../mm/mm-debug.js";
import { VM_IOREMAP } from "../mm/vmalloc.js";
import type { AddrKind } from "./types.js";
import type { Obj, Ctx } from "./runner-objects.js";
import { err, num, nullRef, ref, bytesArg } from "./runner-objects.js";
import { pseudo_phys_of } from "../xen/p2m.js";

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

/** The kernel virtual address a CPU step uses for a buffer. */
export function cpuAddrOf(o: Extract<Obj, { kind: "coherent" | "kbuf" | "grant" | "ncbuf" }>): number {
  return o.kind === "coherent" ? o.cpu_addr : o.addr;
}

/** A CPU access to a kbuf/coherent buffer; highmem pages without a kernel address go through kmap (cacheable). */
export function cpuAccess(c: Ctx, o: Extract<Obj, { kind: "coherent" | "kbuf" | "grant" | "ncbuf" }>, offset: number, len: number, data?: Uint8Array): Uint8Array | undefined {
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
    k.tr?.mem("write", "cpu", k.arch.fmtVa(va), hex(k.translate(va).phys), data.length, k.translate(va).prot, pseudo_phys_of(k, k.translate(va).phys));
    return undefined;
  }
  const r = k.kread(va, len, c.step.op);
  k.tr?.mem("read", "cpu", k.arch.fmtVa(va), hex(k.translate(va).phys), len, k.translate(va).prot, pseudo_phys_of(k, k.translate(va).phys));
  return r;
}

/**
 * CONFIG_KASAN (generic): the driver's access is checked against the shadow before it happens; a
 * kmalloc object or pages that were freed are poisoned (mm/kasan: kasan_slab_free /
 * kasan_free_pages), so the access is reported (mm-debug.ts kasan_report_uaf: "slab-use-after-free"
 * for a slab object from 6.3, "use-after-free" for pages) and then goes ahead. A vmalloc address is
 * checked against the KASAN_VMALLOC shadow where the arch has it ("vmalloc-out-of-bounds").
 */
export function kasanCheck(c: Ctx, o: Extract<Obj, { kind: "coherent" | "kbuf" | "grant" | "ncbuf" }>, offset: number, len: number, write: boolean) {
  if (!c.k.cfg.CONFIG_KASAN) return;
  const k = c.k;
  // a vmalloc/vmap address (vmalloc, a remapped coherent buffer): KASAN_VMALLOC's shadow (mm-debug.ts kasan_check_vmalloc)
  if (!(o.kind === "kbuf" && o.addr === 0) && is_vmalloc_addr(k, cpuAddrOf(o) + offset)) {
    kasan_check_vmalloc(k, cpuAddrOf(o) + offset, len, write, c.step.op);
    return;
  }
  if (o.kind !== "kbuf" || !o.freed || (o.alloc !== "kmalloc" && o.alloc !== "pages") || o.addr === 0) return;
  // a kmalloc object is a slab object unless kmalloc_large gave it pages (Slab.freed: its cache, or the order)
  const freedCache = o.alloc === "kmalloc" ? k.slab.freed.get(o.addr) : undefined;
  const stillFree = o.alloc === "kmalloc" ? freedCache !== undefined : k.memmap.refcount(k.arch.page_to_pfn(o.page)) <= 0;
  if (stillFree) kasan_report_uaf(k, o.addr + offset, len, write, c.step.op, typeof freedCache === "object" ? "slab" : "page");
}

/** A CPU access through a NULL kmalloc/vmalloc/coherent pointer: the driver dereferences NULL (+ offset). */
export function nullDeref(c: Ctx, write: boolean) {
  const nul = nullRef(c, "buf", "coherent", "kbuf");
  if (!nul || nul.alloc === "pages") return;
  const va = num(c, "offset", 0);
  if (write) c.k.kwrite(va, bytesArg(c), c.step.op);
  else c.k.kread(va, num(c, "length"), c.step.op);
}

export function deviceTarget(c: Ctx): { bus: number | bigint; len?: number } {
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
export function deviceAccess(c: Ctx, bus: number | bigint, offset: number, len: number, data?: Uint8Array): Uint8Array | null {
  if (typeof bus === "bigint") return device_access_bus(c.k, c.dev, bus + BigInt(offset), len, data);
  return device_access(c.k, c.dev, bus + offset, len, data);
}

export function mappingBounced(c: Ctx, dma: number): boolean {
  if (dma === DMA_MAPPING_ERROR) return false;
  const p = mappedPhys(c, dma);
  return p >= 0 && is_swiotlb_buffer(c.k, p, c.dev);
}

/** The (pseudo-)physical address behind a device address: on Xen via the M2P, behind an IOMMU DMA domain via its page table. */
export function mappedPhys(c: Ctx, dma: number): number {
  if (c.dev.iommu && c.dev.iommu.domain.type === "DMA") return iommu_iova_to_phys(c.k, c.dev.iommu.domain, dma) || -1;
  return c.k.xen ? xen_dma_to_phys(c.k, c.dev, dma) : dma_to_phys(c.k, c.dev, dma);
}

/** The struct page and in-page offset a streaming map of `o` at `offset` uses. */
export function pageOf(c: Ctx, o: Extract<Obj, { kind: "coherent" | "kbuf" | "grant" | "ncbuf" }>, offset: number, forSingle: boolean): { page: number; off: number; va: number } {
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

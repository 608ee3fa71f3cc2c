/**
 * The scenario runner's op table: one entry per scenario op, calling the modelled kernel API.
 */
import { NotApplicable } from "../core/faults.js";
import type { Platform } from "../platforms/platform.js";
import { DMA_MAPPING_ERROR, PAGE_ALIGN, PAGE_SIZE, hex, parseU64Big } from "../core/u64.js";
import type { Scatterlist, SgTable } from "../kernel/dma/ops.js";
import * as api from "../kernel/dma/mapping.js";
import * as dbg from "../kernel/dma/debug.js";
import { gnttab_map_refs, gnttab_unmap_refs } from "../xen/grant-table.js";
import { __free_pages, alloc_pages, get_unmapped_area, remap_pfn_range, user_access_read, user_access_write, vfree, virt_to_page, vmalloc, vmalloc_to_page } from "../mm/mm.js";
import { dma_alloc_noncontiguous, dma_free_noncontiguous, dma_vmap_noncontiguous, dma_vunmap_noncontiguous } from "../kernel/dma/noncontig.js";
import type { Ctx } from "./runner-objects.js";
import { NotRun, err, arg, num, nullRef, ref, gfpArg, dirArg, attrsArg, name, bytesArg } from "./runner-objects.js";
import { addr_kind, cpuAddrOf, cpuAccess, kasanCheck, nullDeref, deviceTarget, deviceAccess, mappingBounced, pageOf } from "./runner-access.js";
import { mapPhys, unmapPhys, noncontigApi, bufferPfn, alloc, free, mmap, mapSingle, unmapSingle, pastLastSg, syncSg, sync, needs, opsMethod, allocPages, freePages, setMask } from "./runner-api.js";
import { pseudo_phys_of } from "../xen/p2m.js";

export const OPS: Record<string, (c: Ctx) => void> = {
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
    if (o.alloc !== "kmalloc") err(c.step, `buf: not a kmalloc buffer (it came from ${o.alloc})`, "buf");
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
    if (o.alloc !== "pages") err(c.step, `buf: not from alloc_pages (it came from ${o.alloc})`, "buf");
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
    if (o.alloc !== "vmalloc") err(c.step, `buf: not a vmalloc buffer (it came from ${o.alloc})`, "buf");
    vfree(c.k, o.addr);
    o.freed = true;
  },
  stack_buffer(c) {
    const size = num(c, "size");
    const st = c.k.task_stack!;
    if (size > st.end - st.start - 1024) err(c.step, `size ${size} does not fit on a ${st.end - st.start}-byte kernel stack`, "size");
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
    if (!entries || entries.length === 0) err(c.step, "entries: at least one entry is needed", "entries");
    const sgl: Scatterlist[] = entries.map((e, i) => {
      const o = c.objs.get(e.buf);
      if (o && o.kind === "null" && (o.of === "kbuf" || o.of === "coherent" || o.of === "grant")) throw new NotRun(o);
      if (!o || (o.kind !== "kbuf" && o.kind !== "coherent" && o.kind !== "grant")) err(c.step, `entries: '${e.buf}' is not a kernel buffer`, ["entries", i, "buf"]);
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
    if (!o.noncontig) err(c.step, `map: '${String(c.step.args.map)}' is not a dma_alloc_noncontiguous allocation`, "map");
    dma_free_noncontiguous(c.k, c.dev, o.noncontig.size, o.noncontig.sgt, o.dir);
    o.unmapped = true;
  },
  dma_vmap_noncontiguous(c) {
    noncontigApi(c);
    const o = ref(c, "map", "sgmap");
    if (!o.noncontig) err(c.step, `map: '${String(c.step.args.map)}' is not a dma_alloc_noncontiguous allocation`, "map");
    const addr = dma_vmap_noncontiguous(c.k, c.dev, o.noncontig.size, o.noncontig.sgt);
    c.result.ret = addr ? c.k.arch.fmtVa(addr) : "NULL";
    c.result.addr_kind = addr_kind(c.k, addr);
    c.success = addr !== 0;
    if (addr) name(c, { kind: "kbuf", addr, size: o.noncontig.size, alloc: "vmap", page: o.noncontig.sgt.sgl[0]!.page, order: 0, freed: false });
  },
  dma_vunmap_noncontiguous(c) {
    noncontigApi(c);
    const o = ref(c, "buf", "kbuf");
    if (o.alloc !== "vmap") err(c.step, `buf: '${String(c.step.args.buf)}' is not a dma_vmap_noncontiguous mapping`, "buf");
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
    const offset = num(c, "offset", 0);
    const data = bytesArg(c);
    busResult(c, t.bus, offset, data.length);
    const r = deviceAccess(c, t.bus, offset, 0, data);
    c.success = r !== null;
  },
  device_read(c) {
    const t = deviceTarget(c);
    const offset = num(c, "offset", 0);
    const len = num(c, "length");
    busResult(c, t.bus, offset, len);
    const r = deviceAccess(c, t.bus, offset, len);
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
    k.tr?.mem("read", "cpu", k.arch.fmtVa(sg.page), hex(mphys), len, "sg_phys(sg): the frame the table names", pseudo_phys_of(k, mphys));
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

/** Why grant mapping cannot run on `p`, or null when it can. */
export function xenGrantsMissing(p: Platform): string | null {
  if (!p.xen) return `${p.id} is not a Xen platform (grant mapping needs a dom0, e.g. rpi4-xen)`;
  if (!p.xenDomains) return `${p.id} models no other Xen domain to grant pages`;
  return null;
}

/** A device access step's result: the device address it uses (the handle + offset; a 64-bit bus address stays exact) and its length. */
function busResult(c: Ctx, bus: number | bigint, offset: number, len: number): void {
  c.result.bus = typeof bus === "bigint" ? "0x" + (bus + BigInt(offset)).toString(16) : hex(bus + offset);
  c.result.len = String(len);
}

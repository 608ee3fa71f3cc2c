/**
 * kernel/dma/debug.c's hook bodies (5.10–5.14): the DmaDebug checker the exported debug_dma_*
 * functions of debug.ts call, plus the unbind notifier and the debugfs dumps.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import type { Scatterlist } from "./ops.js";
import { dev_id } from "../../drivers/device.js";
import * as gfp from "../../include/gfp.js";
import * as u64 from "../../core/u64.js";
import { hex64, offset_in_page } from "../../core/u64.js";
import type { DebugType } from "./debug-entry.js";
import { DmaDebugEntry } from "./debug-entry.js";
import * as de from "./debug-entry.js";
import { DmaDebugChecks } from "./debug-checks.js";
import { DmaDebugStore } from "./debug-store.js";

// Module-local copies of the constants and helpers the hot paths use: transpiled module
// bindings (tsx, vitest) turn every imported-name access into a getter call.
const PAGE_SIZE = u64.PAGE_SIZE;
const DMA_BIDIRECTIONAL = gfp.DMA_BIDIRECTIONAL;
const HASH_SIZE = de.HASH_SIZE;
const MAP_ERR_NOT_CHECKED = de.MAP_ERR_NOT_CHECKED;
const maperr2str = de.maperr2str;
const type2name = de.type2name;
const udec = de.udec;
const uhex = de.uhex;
const ptr = de.ptr;
const dir2name = de.dir2name;
const hash_fn = de.hash_fn;

/** PAGE_SIZE as a literal (a const enum: the bundles inline its members, a module constant is a `var` V8 cannot fold) */
const enum Page {
  SIZE = 4096,
}

/** the checker's hot constants as literals (a const enum: the bundles inline its members, a module constant is a `var` V8 loads and checks at each use) */
const enum K {
  DMA_MAPPING_ERROR = -1,
  MAP_ERR_NOT_CHECKED = 1,
  MAP_ERR_CHECKED = 2,
}

/** The checker: the hook bodies the exported debug_dma_* functions call, the unbind notifier and the dumps (kernel/dma/debug.c, 5.10–5.14) */
export class DmaDebug extends DmaDebugChecks {
  // ---- hook bodies (called through the exported debug_dma_* functions) ----

  /** body of kernel/dma/debug.c debug_dma_map_single (5.10–5.14): D17, D18 */
  map_single(k: Kernel, dev: Device, addr: number, len: number): void {
    if (!k.arch.virt_addr_valid(k, addr)) this.map_single_invalid(k, dev, addr, len);
    if (addr >= k.arch.L.VMALLOC_START && addr < k.arch.L.VMALLOC_END) this.map_single_vmalloc(k, dev, addr, len);
  }
  // map_single's reports, out of line (map_single stays small enough for V8 to inline)
  private map_single_invalid(k: Kernel, dev: Device, addr: number, len: number): void {
    this.err_printk(k, dev, null, "D17", `device driver maps memory from invalid area [addr=${ptr(k, addr)}] [len=${udec(len)}]`);
  }
  private map_single_vmalloc(k: Kernel, dev: Device, addr: number, len: number): void {
    this.err_printk(k, dev, null, "D18", `device driver maps memory from vmalloc area [addr=${ptr(k, addr)}] [len=${udec(len)}]`);
  }

  /** body of kernel/dma/debug.c debug_dma_map_page (5.10–5.14): untracked on the error cookie, D15/D16, add_dma_entry */
  map_page(k: Kernel, dev: Device, paddr: number, size: number, direction: number, dma_addr: number, type: DebugType, attrs: number): void {
    if (dma_addr === K.DMA_MAPPING_ERROR) return; // failed mappings are not tracked
    const entry = this.dma_entry_alloc(k);
    if (entry === null) return;
    // the pfn and offset of paddr: the offset as the low bits (`&` takes the low 32 bits of the exact integer), the pfn as
    // an exact division (the same values as Math.floor(paddr / PAGE_SIZE), with no double arithmetic while paddr fits an int32)
    const offset = paddr & (Page.SIZE - 1);
    const pfn = (paddr - offset) / Page.SIZE;
    // (dev and type: stored only when the recycled entry holds another; reset leaves them to the callers)
    if (entry.dev !== dev) entry.dev = dev;
    if (entry.type !== type) entry.type = type;
    entry.pfn = pfn;
    entry.offset = offset;
    entry.paddr = paddr;
    entry.dev_addr = dma_addr;
    entry.size = size;
    entry.direction = direction;
    entry.map_err_type = K.MAP_ERR_NOT_CHECKED;
    this.check_cpu_segment(k, dev, pfn, offset, size);
    this.add_dma_entry(k, entry, attrs);
  }

  /** body of kernel/dma/debug.c debug_dma_mapping_error (5.10–5.14) */
  mapping_error(dev: Device, dma_addr: number): void {
    // the first exact match still "not checked" is marked checked
    for (let e = this.bucket(hash_fn(dma_addr)); e !== null; e = e.next) {
      if (e.dev !== dev || e.dev_addr !== dma_addr) continue;
      if (e.map_err_type === K.MAP_ERR_NOT_CHECKED) {
        e.map_err_type = K.MAP_ERR_CHECKED;
        break;
      }
    }
  }

  private setRef(dev: Device, type: DebugType, dev_addr: number, size: number, direction: number, sg_call_ents: number): DmaDebugEntry {
    const r = this.ref;
    r.dev = dev;
    r.type = type;
    r.dev_addr = dev_addr;
    r.size = size;
    r.direction = direction;
    r.sg_call_ents = sg_call_ents;
    r.pfn = 0;
    r.offset = 0;
    r.paddr = 0;
    return r;
  }

  /** body of kernel/dma/debug.c debug_dma_unmap_page / debug_dma_unmap_resource (5.10–5.14): check_unmap on a reference entry */
  unmap(k: Kernel, dev: Device, addr: number, size: number, direction: number, type: DebugType, paddr: number): void {
    // check_unmap's common case without filling the reference entry: __hash_bucket_find's first match of (dev, dev_addr)
    // is a perfect one (size, type, direction, sg_call_ents 0: it returns it at once) and none of D03–D08 can fire;
    // then hash_bucket_del and dma_entry_free, as check_unmap does. Anything else (no match, an imperfect first match,
    // a report to make) takes check_unmap itself, whose bucket walk finds the same entry (nothing has changed yet).
    const idx = hash_fn(addr);
    // (the bucket's block kept for the list_del: one lookup of the table, not two)
    const c = this.hash_block_of(idx);
    let e = c === undefined ? null : c[idx & 127]!;
    while (e !== null && (e.dev !== dev || e.dev_addr !== addr)) e = e.next;
    if (e !== null && e.size === size && e.type === type && e.direction === direction && e.sg_call_ents === 0 && e.map_err_type !== K.MAP_ERR_NOT_CHECKED && type !== "coherent" && type !== "noncoherent") {
      this.hash_bucket_del_in(c!, idx, e);
      this.dma_entry_free(e);
      return;
    }
    this.unmap_ref(k, dev, addr, size, direction, type, paddr);
  }
  /** unmap through check_unmap on the reference entry (struct dma_debug_entry ref); apart, so unmap stays small enough for V8 to inline */
  private unmap_ref(k: Kernel, dev: Device, addr: number, size: number, direction: number, type: DebugType, paddr: number): void {
    const r = this.setRef(dev, type, addr, size, direction, 0);
    r.paddr = paddr;
    this.check_unmap(k, r);
    r.dev = null;
  }

  /** body of kernel/dma/debug.c debug_dma_map_sg (5.10–5.14; 5.15 check order with sgChecksAllNents) */
  map_sg(k: Kernel, dev: Device, sg: Scatterlist[], nents: number, mapped_ents: number, direction: number, attrs: number): void {
    if (this.sgChecksAllNents) {
      for (let i = 0; i < nents && i < sg.length; i++) {
        const s = sg[i]!;
        this.check_cpu_segment(k, dev, k.arch.page_to_pfn(s.page), s.offset, s.length);
      }
    }
    for (let i = 0; i < mapped_ents && i < sg.length; i++) {
      const s = sg[i]!;
      const entry = this.dma_entry_alloc(k);
      if (entry === null) return;
      const pfn = k.arch.page_to_pfn(s.page);
      entry.type = "scather-gather";
      entry.dev = dev;
      entry.pfn = pfn;
      entry.offset = s.offset;
      entry.paddr = pfn * PAGE_SIZE + s.offset;
      entry.size = s.dma_length;
      entry.dev_addr = s.dma_address;
      entry.direction = direction;
      entry.sg_call_ents = nents;
      entry.sg_mapped_ents = mapped_ents;
      if (!this.sgChecksAllNents) this.check_cpu_segment(k, dev, pfn, s.offset, s.dma_length);
      this.check_sg_segment(k, dev, s);
      this.add_dma_entry(k, entry, attrs);
    }
  }

  /** kernel/dma/debug.c get_nr_mapped_entries (5.10–6.18): sg_mapped_ents of the exact match, or 0 */
  get_nr_mapped_entries(ref: DmaDebugEntry): number {
    const e = this.bucket_find_exact(ref);
    return e ? e.sg_mapped_ents : 0;
  }

  /** body of kernel/dma/debug.c debug_dma_unmap_sg (5.10–5.14) */
  unmap_sg(k: Kernel, dev: Device, sglist: Scatterlist[], nelems: number, dir: number): void {
    let mapped_ents = 0;
    for (let i = 0; i < nelems && i < sglist.length; i++) {
      if (mapped_ents && i >= mapped_ents) break;
      const s = sglist[i]!;
      const r = this.setRef(dev, "scather-gather", s.dma_address, s.dma_length, dir, nelems);
      if (i === 0) mapped_ents = this.get_nr_mapped_entries(r);
      this.check_unmap(k, r);
    }
    this.ref.dev = null;
  }

  /** body of kernel/dma/debug.c debug_dma_sync_sg_for_cpu / _for_device (5.10–5.14) */
  sync_sg(k: Kernel, dev: Device, sg: Scatterlist[], nelems: number, direction: number, to_cpu: boolean): void {
    let mapped_ents = 0;
    for (let i = 0; i < nelems && i < sg.length; i++) {
      const s = sg[i]!;
      const r = this.setRef(dev, "scather-gather", s.dma_address, s.dma_length, direction, nelems);
      if (i === 0) mapped_ents = this.get_nr_mapped_entries(r);
      // first segment not found → mapped_ents 0 → nothing is checked or reported
      if (i >= mapped_ents) break;
      this.check_sync(k, dev, r, to_cpu);
    }
    this.ref.dev = null;
  }

  /** body of kernel/dma/debug.c debug_dma_sync_single_for_cpu / _for_device (5.10–5.14) */
  sync_single(k: Kernel, dev: Device, dma_handle: number, size: number, direction: number, to_cpu: boolean): void {
    const r = this.setRef(dev, "single", dma_handle, size, direction, 0);
    this.check_sync(k, dev, r, to_cpu);
    r.dev = null;
  }

  /** body of kernel/dma/debug.c debug_dma_alloc_coherent (5.10–5.14) */
  alloc_coherent(k: Kernel, dev: Device, size: number, dma_addr: number, virt: number, paddr: number, attrs: number): void {
    if (virt === 0) return;
    const isVmalloc = virt >= k.arch.L.VMALLOC_START && virt < k.arch.L.VMALLOC_END;
    // neither vmalloc nor linear-map: silently not tracked (e.g. a NO_KERNEL_MAPPING cookie)
    if (!isVmalloc && !k.arch.virt_addr_valid(k, virt)) return;
    const entry = this.dma_entry_alloc(k);
    if (entry === null) return;
    const off = offset_in_page(virt); // offset_in_page(virt)
    const pfn = Math.floor(paddr / PAGE_SIZE);
    entry.type = "coherent";
    entry.dev = dev;
    entry.offset = off;
    entry.pfn = pfn;
    entry.paddr = pfn * PAGE_SIZE + off;
    entry.size = size;
    entry.dev_addr = dma_addr;
    entry.direction = DMA_BIDIRECTIONAL;
    this.add_dma_entry(k, entry, attrs);
  }

  /** body of kernel/dma/debug.c debug_dma_free_coherent (5.10–5.14) */
  /** body of kernel/dma/debug.c debug_dma_alloc_pages (7e2368a21741, 6.17): a "noncoherent" entry, no mapping-error check owed */
  alloc_pages(k: Kernel, dev: Device, paddr: number, size: number, direction: number, dma_addr: number, attrs: number): void {
    const entry = this.dma_entry_alloc(k);
    if (entry === null) return;
    entry.type = "noncoherent";
    entry.dev = dev;
    entry.pfn = Math.floor(paddr / PAGE_SIZE);
    entry.offset = 0;
    entry.paddr = paddr;
    entry.size = size;
    entry.dev_addr = dma_addr;
    entry.direction = direction;
    this.add_dma_entry(k, entry, attrs);
  }
  /** body of kernel/dma/debug.c debug_dma_free_pages (7e2368a21741, 6.17): check_unmap on a "noncoherent" reference */
  free_pages(k: Kernel, dev: Device, paddr: number, size: number, direction: number, dma_addr: number): void {
    const r = this.setRef(dev, "noncoherent", dma_addr, size, direction, 0);
    r.pfn = Math.floor(paddr / PAGE_SIZE);
    r.paddr = paddr;
    this.check_unmap(k, r);
    r.dev = null;
  }
  free_coherent(k: Kernel, dev: Device, size: number, virt: number, addr: number, paddr: number): void {
    const isVmalloc = virt >= k.arch.L.VMALLOC_START && virt < k.arch.L.VMALLOC_END;
    if (!isVmalloc && !k.arch.virt_addr_valid(k, virt)) return;
    const off = offset_in_page(virt);
    const pfn = Math.floor(paddr / PAGE_SIZE);
    const r = this.setRef(dev, "coherent", addr, size, DMA_BIDIRECTIONAL, 0);
    r.pfn = pfn;
    r.offset = off;
    r.paddr = pfn * PAGE_SIZE + off;
    this.check_unmap(k, r);
    r.dev = null;
  }

  /** body of kernel/dma/debug.c debug_dma_map_resource (5.10–5.14) */
  map_resource(k: Kernel, dev: Device, addr: number, size: number, direction: number, dma_addr: number, attrs: number): void {
    // 5.10–5.14 do not test dma_addr for the error cookie here: a failed map_resource is tracked
    const entry = this.dma_entry_alloc(k);
    if (entry === null) return;
    const pfn = Math.floor(addr / PAGE_SIZE);
    entry.type = "resource";
    entry.dev = dev;
    entry.pfn = pfn;
    entry.offset = addr - pfn * PAGE_SIZE;
    entry.paddr = addr;
    entry.size = size;
    entry.dev_addr = dma_addr;
    entry.direction = direction;
    entry.map_err_type = MAP_ERR_NOT_CHECKED;
    this.add_dma_entry(k, entry, attrs);
  }

  /**
   * kernel/dma/debug.c device_dma_allocations + dma_debug_device_change (5.10–5.14): on
   * BUS_NOTIFY_UNBOUND_DRIVER count the device's entries and report the last one found in hash
   * order (D22). The entries are left in the table, as the kernel does.
   */
  device_change(k: Kernel, dev: Device, bus: string): void {
    let count = 0;
    let last: DmaDebugEntry | null = null;
    for (let i = 0; i < HASH_SIZE; i++) {
      for (let e = this.bucket(i); e !== null; e = e.next) {
        if (e.dev === dev) {
          count++;
          last = e;
        }
      }
    }
    if (count === 0 || last === null) return;
    // dev->driver is already NULL here: dev_driver_string falls back to the bus name, and an
    // active driver filter never matches
    this.err_printk(
      k, dev, last, "D22",
      `device driver has pending DMA allocations while released from device [count=${count}]\n` +
        `One of leaked entries details: [device address=${hex64(last.dev_addr)}] [size=${udec(last.size)} bytes] [mapped with ${dir2name(last.direction)}] [mapped as ${type2name(k, last.type)}]`,
      `${bus} ${dev.name}`, null,
    );
  }

  /** All live entries in hash order (bucket 0 first, list order within a bucket). */
  entries(dev?: Device): DmaDebugEntry[] {
    const out: DmaDebugEntry[] = [];
    for (let i = 0; i < HASH_SIZE; i++) {
      for (let e = this.bucket(i); e !== null; e = e.next) if (dev === undefined || e.dev === dev) out.push(e);
    }
    return out;
  }

  /**
   * The fields after "idx %d" of both dumps, as each version prints them: "P=%Lx N=%lx D=%Lx L=%Lx"
   * (5.6–6.3); from 6.4 (bd89d69a529f) with " cln=%pa", to_cacheline_number(entry); from 6.13
   * (9d4f645a1fd4) "P=%pa D=%llx L=%llx cln=%pa", the pfn gone.
   */
  private dump_fields(k: Kernel | null, e: DmaDebugEntry): string {
    const tail = `${dir2name(e.direction)} ${maperr2str[e.map_err_type]}`;
    if (k === null || !k.sw["bd89d69a529f"]) return `P=${uhex(e.paddr)} N=${uhex(e.pfn)} D=${uhex(e.dev_addr)} L=${uhex(e.size)} ${tail}`;
    const cln = de.phys_pa(k, DmaDebugStore.to_cacheline_number(e));
    if (k.sw["9d4f645a1fd4"]) return `P=${de.phys_pa(k, e.paddr)} D=${uhex(e.dev_addr)} L=${uhex(e.size)} cln=${cln} ${tail}`;
    return `P=${uhex(e.paddr)} N=${uhex(e.pfn)} D=${uhex(e.dev_addr)} L=${uhex(e.size)} cln=${cln} ${tail}`;
  }

  /** kernel/dma/debug.c debug_dma_dump_mappings (5.6–6.18): one dev_info line per entry, "%s idx %d " and dump_fields */
  dump_mappings(k: Kernel, dev: Device | null): string[] {
    const out: string[] = [];
    for (let idx = 0; idx < HASH_SIZE; idx++) {
      for (let e = this.bucket(idx); e !== null; e = e.next) {
        if (dev !== null && e.dev !== dev) continue;
        out.push(`${dev_id(e.dev)}: ${type2name(k, e.type)} idx ${idx} ${this.dump_fields(k, e)}`);
      }
    }
    return out;
  }

  /** kernel/dma/debug.c dump_show (5.6–6.18; debugfs dma-api/dump): "%s %s %s idx %d " and dump_fields, device name then driver (5.6–6.3), the driver first from 6.4 (bd89d69a529f); without a kernel the 5.x line, the type as recorded */
  dump_show(k: Kernel | null = null): string[] {
    const out: string[] = [];
    const driverFirst = k !== null && k.sw["bd89d69a529f"];
    for (let idx = 0; idx < HASH_SIZE; idx++) {
      for (let e = this.bucket(idx); e !== null; e = e.next) {
        const name = e.dev?.name ?? "";
        const drv = e.dev?.driver ?? "";
        out.push(`${driverFirst ? drv : name} ${driverFirst ? name : drv} ${k ? type2name(k, e.type) : e.type} idx ${idx} ${this.dump_fields(k, e)}`);
      }
    }
    return out;
  }
}

/* ---- the hooks mapping.c calls (each: kernel/dma/debug.c, 5.10–5.14) ---- */

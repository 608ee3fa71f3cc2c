/**
 * kernel/dma/debug.c's check_* functions (5.10–5.14): what an unmap, a sync or a map is checked
 * against, each finding reported through err_printk with its D-number.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import type { Scatterlist } from "./ops.js";
import * as gfp from "../../include/gfp.js";
import { hex64, toBig } from "../../core/u64.js";
import { DmaDebugEntry } from "./debug-entry.js";
import * as de from "./debug-entry.js";
import { DmaDebugStore } from "./debug-store.js";

// Module-local copies of the constants and helpers the hot paths use: transpiled module
// bindings (tsx, vitest) turn every imported-name access into a getter call.
const DMA_BIDIRECTIONAL = gfp.DMA_BIDIRECTIONAL;
const DMA_TO_DEVICE = gfp.DMA_TO_DEVICE;
const DMA_FROM_DEVICE = gfp.DMA_FROM_DEVICE;
const ule = de.ule;
const ult = de.ult;
const SZ_64K = de.SZ_64K;
const MAP_ERR_NOT_CHECKED = de.MAP_ERR_NOT_CHECKED;
const type2name = de.type2name;
const udec = de.udec;
const ptr = de.ptr;
const dir2name = de.dir2name;
const hash_fn = de.hash_fn;

/** PAGE_SIZE as a literal (a const enum: the bundles inline its members, a module constant is a `var` V8 cannot fold) */
const enum Page {
  SIZE = 4096,
}
/** check_unmap's constants as literals (as Page) */
const enum K {
  DMA_MAPPING_ERROR = -1,
  MAP_ERR_NOT_CHECKED = 1,
}

/** kernel/dma/debug.c's checks (check_unmap, check_sync, check_for_stack, check_for_illegal_area, check_sg_segment) on the shared state (5.10–5.14) */
export class DmaDebugChecks extends DmaDebugStore {
  // ---- checks ----

  /** kernel/dma/debug.c check_unmap (5.10–5.14): D01–D08, then the entry is removed */
  check_unmap(k: Kernel, ref: DmaDebugEntry): void {
    // bucket_find_exact; the entry found is in the same bucket (same dev_addr), hash_bucket_del's
    const idx = hash_fn(ref.dev_addr);
    const entry = this.hash_bucket_find(idx, ref, false);
    if (entry === null) {
      this.check_unmap_not_found(k, ref);
      return;
    }
    // D03–D08 in check_unmap_reports, in their order, whenever one of them can fire (a coherent or noncoherent entry:
    // D05 compares the CPU addresses); apart, so check_unmap stays small enough for V8 to inline
    const et = entry.type;
    if (ref.size !== entry.size || ref.type !== et || et === "coherent" || et === "noncoherent" || ref.sg_call_ents !== 0 || ref.direction !== entry.direction || entry.map_err_type === K.MAP_ERR_NOT_CHECKED) this.check_unmap_reports(k, ref, entry);
    this.hash_bucket_del(entry, idx);
    this.dma_entry_free(entry);
  }
  /** check_unmap without a matching entry: D01 for the error cookie, D02 otherwise */
  private check_unmap_not_found(k: Kernel, ref: DmaDebugEntry): void {
    const dev = ref.dev;
    if (ref.dev_addr === K.DMA_MAPPING_ERROR) {
      this.err_printk(k, dev, null, "D01", "device driver tries to free an invalid DMA memory address");
    } else {
      this.err_printk(k, dev, null, "D02", `device driver tries to free DMA memory it has not allocated [device address=${hex64(ref.dev_addr)}] [size=${udec(ref.size)} bytes]`);
    }
  }
  /** check_unmap's checks of the entry found, D03–D08 in the kernel's order */
  private check_unmap_reports(k: Kernel, ref: DmaDebugEntry, entry: DmaDebugEntry): void {
    const dev = ref.dev;
    if (ref.size !== entry.size) {
      this.err_printk(k, dev, entry, "D03", `device driver frees DMA memory with different size [device address=${hex64(ref.dev_addr)}] [map size=${udec(entry.size)} bytes] [unmap size=${udec(ref.size)} bytes]`);
    }
    if (ref.type !== entry.type) {
      this.err_printk(k, dev, entry, "D04", `device driver frees DMA memory with wrong function [device address=${hex64(ref.dev_addr)}] [size=${udec(ref.size)} bytes] [mapped as ${type2name(k, entry.type)}] [unmapped as ${type2name(k, ref.type)}]`);
    } else if ((entry.type === "coherent" || entry.type === "noncoherent") && ref.paddr !== entry.paddr) {
      // "0x%016llx" of phys_addr(entry) to 6.12; "0x%pa" of entry->paddr from 9d4f645a1fd4 (6.13): %pa prints its own "0x" (6.18.35 debug.c:1026–1030)
      const cpu = (p: number) => (k.sw["9d4f645a1fd4"] ? "0x" + de.phys_pa(k, p) : hex64(p));
      this.err_printk(k, dev, entry, "D05", `device driver frees DMA memory with different CPU address [device address=${hex64(ref.dev_addr)}] [size=${udec(ref.size)} bytes] [cpu alloc address=${cpu(entry.paddr)}] [cpu free address=${cpu(ref.paddr)}]`);
    }
    if (ref.sg_call_ents && ref.type === "scather-gather" && ref.sg_call_ents !== entry.sg_call_ents) {
      this.err_printk(k, dev, entry, "D06", `device driver frees DMA sg list with different entry count [map count=${entry.sg_call_ents}] [unmap count=${ref.sg_call_ents}]`);
    }
    if (ref.direction !== entry.direction) {
      this.err_printk(k, dev, entry, "D07", `device driver frees DMA memory with different direction [device address=${hex64(ref.dev_addr)}] [size=${udec(ref.size)} bytes] [mapped with ${dir2name(entry.direction)}] [unmapped with ${dir2name(ref.direction)}]`);
    }
    if (entry.map_err_type === K.MAP_ERR_NOT_CHECKED) {
      // the kernel's text has no space before the first '['
      this.err_printk(k, dev, entry, "D08", `device driver failed to check map error[device address=${hex64(ref.dev_addr)}] [size=${udec(ref.size)} bytes] [mapped as ${type2name(k, entry.type)}]`);
    }
  }

  /**
   * kernel/dma/debug.c check_sync (5.10–5.14): D09–D14. A BIDIRECTIONAL mapping skips every
   * check after D10 (including the sg count, D14).
   */
  check_sync(k: Kernel, dev: Device, ref: DmaDebugEntry, to_cpu: boolean): void {
    const entry = this.bucket_find_contain(k, ref);
    if (entry === null) {
      this.err_printk(k, dev, null, "D09", `device driver tries to sync DMA memory it has not allocated [device address=${hex64(ref.dev_addr)}] [size=${udec(ref.size)} bytes]`);
      return;
    }
    // only reachable with a wrapped (huge) size: the containing match already bounds the range
    if (ult(entry.size, ref.size)) {
      this.err_printk(k, dev, entry, "D10", `device driver syncs DMA memory outside allocated range [device address=${hex64(entry.dev_addr)}] [allocation size=${udec(entry.size)} bytes] [sync offset+size=${udec(ref.size)}]`);
    }
    if (entry.direction === DMA_BIDIRECTIONAL) return;
    const tail = `[device address=${hex64(ref.dev_addr)}] [size=${udec(entry.size)} bytes] [mapped with ${dir2name(entry.direction)}] [synced with ${dir2name(ref.direction)}]`;
    if (ref.direction !== entry.direction) {
      this.err_printk(k, dev, entry, "D11", "device driver syncs DMA memory with different direction " + tail);
    }
    if (to_cpu && entry.direction !== DMA_FROM_DEVICE && ref.direction !== DMA_TO_DEVICE) {
      this.err_printk(k, dev, entry, "D12", "device driver syncs device read-only DMA memory for cpu " + tail);
    }
    if (!to_cpu && entry.direction !== DMA_TO_DEVICE && ref.direction !== DMA_FROM_DEVICE) {
      this.err_printk(k, dev, entry, "D13", "device driver syncs device write-only DMA memory to device " + tail);
    }
    if (ref.sg_call_ents && ref.type === "scather-gather" && ref.sg_call_ents !== entry.sg_call_ents) {
      this.err_printk(k, ref.dev, entry, "D14", `device driver syncs DMA sg list with different entry count [map count=${entry.sg_call_ents}] [sync count=${ref.sg_call_ents}]`);
    }
  }

  /**
   * kernel/dma/debug.c check_for_stack (5.10–5.14): D15. With a vmapped stack
   * (CONFIG_VMAP_STACK) the page is compared with the stack's pages ("probable addr");
   * otherwise the lowmem address is tested with object_is_on_stack.
   */
  check_for_stack(k: Kernel, dev: Device, pfn: number, offset: number): void {
    const st = k.task_stack;
    if (st === null) return;
    // the stack's lowest and highest pfn, taken once per task_stack (every pfn for a lowmem stack, which is
    // tested by address): most pages are outside at once
    if (st !== this.stackSeen) this.note_stack(st);
    if (pfn < this.stackMinPfn || pfn > this.stackMaxPfn) return;
    this.check_for_stack_pages(k, dev, st, pfn, offset);
  }
  /** check_for_stack past the pfn range test: the walk over the vmapped stack's pages, or the lowmem test; apart, so check_for_stack stays small enough for V8 to inline */
  private check_for_stack_pages(k: Kernel, dev: Device, st: { start: number; end: number; vmapped: boolean; pfns: number[] }, pfn: number, offset: number): void {
    if (st.vmapped !== true) {
      this.check_for_lowmem_stack(k, dev, st, pfn, offset);
      return;
    }
    const pfns = st.pfns;
    for (let i = 0; i < pfns.length; i++) {
      if (pfns[i] !== pfn) continue;
      this.stack_mapped(k, dev, st.start + i * Page.SIZE + offset, true);
      break;
    }
  }
  /** check_for_stack without CONFIG_VMAP_STACK (ARM32): object_is_on_stack of the lowmem address; apart, so the vmapped case stays small enough for V8 to inline */
  private check_for_lowmem_stack(k: Kernel, dev: Device, st: { start: number; end: number }, pfn: number, offset: number): void {
    const lin = k.arch.__va(pfn * Page.SIZE);
    if (!k.arch.is_linear(lin)) return; // PageHighMem
    const addr = lin + offset;
    if (ule(st.start, addr) && ult(addr, st.end)) this.stack_mapped(k, dev, addr, false);
  }
  private stackSeen: object | null = null;
  private stackMinPfn = 0;
  private stackMaxPfn = -1;
  private note_stack(st: { vmapped: boolean; pfns: number[] }): void {
    this.stackSeen = st;
    // a lowmem stack's test is by address: no pfn is outside at once
    this.stackMinPfn = st.vmapped === true ? Math.min(...st.pfns) : -Infinity;
    this.stackMaxPfn = st.vmapped === true ? Math.max(...st.pfns) : Infinity;
  }
  // check_for_stack's and check_for_illegal_area's reports, out of line (the checks stay small enough for V8 to inline)
  private stack_mapped(k: Kernel, dev: Device, addr: number, probable: boolean): void {
    this.err_printk(k, dev, null, "D15", `device driver maps memory from stack [${probable ? "probable addr" : "addr"}=${ptr(k, addr)}]`);
  }
  private illegal_area(k: Kernel, dev: Device, addr: number, len: number): void {
    this.err_printk(k, dev, null, "D16", `device driver maps memory from kernel text or rodata [addr=${ptr(k, addr)}] [len=${udec(len)}]`);
  }

  /**
   * kernel/dma/debug.c check_for_illegal_area (5.10–5.14): D16. The buffer's lowmem (linear)
   * address is tested against _stext.._etext / __start_rodata..__end_rodata, which are
   * kernel-image addresses. `k.kernel_text` holds the linear alias of text+rodata; the image
   * range compared is that alias moved to KIMAGE_VADDR. Where the image is not in the linear
   * map (arm64, x86_64) the two never overlap, so — as in the kernel — D16 cannot fire there;
   * on ARM32 the image lives in lowmem and the check works.
   */
  check_for_illegal_area(k: Kernel, dev: Device, addr: number, len: number): void {
    const t = k.kernel_text;
    if (t === null) return;
    // the image range, computed once per kernel_text
    if (t !== this.textSeen) this.note_text(k, t);
    // overlap(): !(addr + len <= start || addr >= end), the two unsigned compares written out (ule: one sign test
    // each, no boolean to materialise)
    const a = addr + len;
    const s = this.textStart;
    const e = this.textEnd;
    if (!((a < 0) === (s < 0) ? a <= s : s < 0) && !((e < 0) === (addr < 0) ? e <= addr : addr < 0)) this.illegal_area(k, dev, addr, len);
  }
  private textSeen: object | null = null;
  private textStart = 0;
  private textEnd = 0;
  private note_text(k: Kernel, t: { start: number; end: number }): void {
    const L = k.arch.L;
    this.textSeen = t;
    this.textStart = L.KIMAGE_VADDR + (t.start - k.arch.__va(0) - L.kimage_phys);
    this.textEnd = this.textStart + (t.end - t.start);
  }

  /** stack + text checks for one CPU segment (pfn, offset) of length len */
  protected check_cpu_segment(k: Kernel, dev: Device, pfn: number, offset: number, len: number): void {
    this.check_for_stack(k, dev, pfn, offset);
    const lin = k.arch.__va(pfn * Page.SIZE);
    if (k.arch.is_linear(lin)) this.check_for_illegal_area(k, dev, lin + offset, len);
  }

  /**
   * kernel/dma/debug.c check_sg_segment (5.10–5.14, CONFIG_DMA_API_DEBUG_SG): D23 when the CPU
   * segment is longer than dma_get_max_seg_size, D24 when the mapped segment crosses
   * dma_get_seg_boundary.
   */
  check_sg_segment(k: Kernel, dev: Device, s: Scatterlist): void {
    if (!k.cfg.CONFIG_DMA_API_DEBUG_SG) return;
    const max_seg = dev.max_segment_size || SZ_64K;
    if (s.length > max_seg) {
      this.err_printk(k, dev, null, "D23", `mapping sg segment longer than device claims to support [len=${s.length >>> 0}] [max=${max_seg >>> 0}]`);
    }
    const boundary = dev.segment_boundary_mask === 0n ? (1n << 64n) - 1n : BigInt.asUintN(64, dev.segment_boundary_mask);
    const start = toBig(s.dma_address);
    const end = BigInt.asUintN(64, start + BigInt(s.dma_length) - 1n);
    if (((start ^ end) & ~boundary & ((1n << 64n) - 1n)) !== 0n) {
      const h = (v: bigint) => "0x" + v.toString(16).padStart(16, "0");
      this.err_printk(k, dev, null, "D24", `mapping sg segment across boundary [start=${h(start)}] [end=${h(end)}] [boundary=${h(boundary)}]`);
    }
  }
}

/**
 * The fuzzer's execution state: a booted model, the shadow of every buffer's contents per
 * ownership state, the occupancy model of the swiotlb slots, and one method per operation that
 * runs a step as src/scenario/runner.ts would and checks the invariants after it.
 *
 * Engine core: no node:* imports. Part of `dmasim fuzz` (src/fuzz.ts).
 */
import { BootFault, InputError, KernelFault } from "../core/faults.js";
import { DMA_MAPPING_ERROR, PAGE_SIZE } from "../core/u64.js";
import type { Device } from "../drivers/device.js";
import { boot } from "../init.js";
import type { Kernel } from "../kernel.js";
import { device_access } from "../drivers/dma-master.js";
import { xen_dma_to_phys } from "../xen/swiotlb-xen.js";
import { dma_to_phys } from "../kernel/dma/direct.js";
import * as api from "../kernel/dma/mapping.js";
import type { Scatterlist } from "../kernel/dma/ops.js";
import { IO_TLB_SEGSIZE, IO_TLB_SIZE, INVALID_PHYS_ADDR, type IoTlbMem } from "../kernel/dma/swiotlb/index.js";
import { DMA_FROM_DEVICE, DMA_TO_DEVICE, GFP_KERNEL } from "../include/gfp.js";
import { __free_pages, alloc_pages } from "../mm/mm.js";
import { type FuzzOp, type FuzzStep } from "./types.js";
import { type Buf, type Ent, type Env, type Failure, type MapRec, type Seg, Invalid, ShadowPool, VIEW_SCRATCH, dirName, hexAddr, hexBytes, readOut, viewDef, viewOut, hasEnt, pageOff, hotAdd, hexByte, objectArray } from "./shadow.js";

// the shadow vocabulary lives in src/fuzz/shadow.ts; its users import it from here too
export { type Buf, type Ent, type Env, type Failure, type MapRec, type Seg, type ShadowArrays, Invalid, ShadowPool, VIEW_SCRATCH, dirName, hexAddr, hexBytes, viewDef, viewOut, objectArray, hotAdd, hexByte } from "./shadow.js";

// ---------------------------------------------------------------------------------------------
// execution state
export class Session {
  readonly k: Kernel;
  readonly dev: Device;
  /**
   * Live buffers / mappings by name. A buffer leaves at its free and a mapping at its unmap (names
   * are never reused): the maps stay as small as the live sets, and what an epoch frees dies young.
   */
  readonly bufs = new Map<string, Buf>();
  readonly maps = new Map<string, MapRec>();
  /** live buffers / mappings in creation order (the generator picks from these) */
  readonly liveBufs: Buf[] = objectArray();
  readonly liveMaps: MapRec[] = objectArray();
  /**
   * Kept with every ownership change, for the generator (which picks the n-th live buffer or
   * mapping of a kind instead of sorting them all on every operation): live buffers no mapping
   * covers, live buffers the CPU may touch (unmapped, or mapped and CPU-owned), device-owned
   * mappings, and device-owned mappings the device may write (not DMA_TO_DEVICE).
   */
  nUnmapped = 0;
  nCpuBufs = 0;
  nDevMaps = 0;
  nWritable = 0;
  /**
   * Device-owned mappings the device may read: all of them, except behind a VT-d DMA domain, whose
   * PTEs for a DMA_FROM_DEVICE mapping lack DMA_PTE_READ (dma_info_to_prot gives IOMMU_WRITE only;
   * the device's read is a DMAR fault, "PTE Read access is not set"). An SMMU stage-1 PTE cannot
   * say write-only (AP has no such encoding), so there every device-owned mapping is readable.
   */
  nReadable = 0;
  /** the device may read a DMA_FROM_DEVICE mapping (false: behind a VT-d DMA domain) */
  readonly readsFromDevice: boolean;
  /** swiotlb occupancy model */
  readonly mem: IoTlbMem | null;
  readonly occ: Uint8Array | null;
  occupied = 0;
  /** exec: resolved dma_addr of device steps on sg entries, per step id (for export) */
  readonly resolved = new Map<number, number>();
  /** expected bytes (defined prefix) of read steps, per step id (for export) */
  readonly expected = new Map<number, Uint8Array>();

  constructor(
    env: Env,
    private readonly pool: ShadowPool,
    /** keep what export needs (expected read data, sg entries' bus addresses) */
    private readonly record = false,
  ) {
    try {
      this.k = boot(env.platform, env.version, env.cfg);
    } catch (e) {
      // a modelled panic at boot (an x86 PV dom0's swiotlb buffer that does not fit): nothing to fuzz, the options are the cause
      if (e instanceof BootFault) {
        // named as the options that cause it, like every other bad --set (the README's "a bad --set … names the option")
        const opts = env.set ? Object.entries(env.set).map(([key, v]) => `--set ${key}=${v}`).join(" ") + ": " : "";
        throw new InputError(`${opts}these boot options make ${env.platform.id}'s kernel panic at boot: ${e.record.message}`);
      }
      throw e;
    }
    this.dev = this.k.devices.get(env.devName)!;
    this.mem = this.k.io_tlb_default_mem;
    this.occ = this.mem ? new Uint8Array(this.mem.nslabs) : null;
    const io = this.dev.iommu;
    this.readsFromDevice = !(io && io.kind === "vt-d" && io.domain.type === "DMA");
  }

  /**
   * The epoch is done and nothing of its model is used again: its RAM slabs (PhysMem.release), its
   * cache's slabs (Cache.release) and its swiotlb pool's slot arrays (IoTlbMem.releaseSlots) go to
   * the next epoch's model.
   */
  release(): void {
    this.k.mem.release();
    this.k.cache.release();
    this.mem?.releaseSlots();
  }

  /** May the device read this mapping (see nReadable)? */
  readable(m: MapRec): boolean {
    return this.readsFromDevice || m.dir !== DMA_FROM_DEVICE;
  }

  private buf(name: string | undefined): Buf {
    const b = name === undefined ? undefined : this.bufs.get(name);
    if (!b || b.freed) throw new Invalid(`no live buffer '${name}'`);
    return b;
  }

  private mapOf(name: string | undefined): MapRec {
    const m = name === undefined ? undefined : this.maps.get(name);
    if (!m || !m.live) throw new Invalid(`no live mapping '${name}'`);
    return m;
  }

  /** Apply one step: shadow (always) and execution (unless ghost). */
  apply(s: FuzzStep): Failure | null {
    const k = this.k;
    const nf = k.faults.length;
    const nd = k.diagnostics.length;
    k.step = s.id;
    let f: Failure | null;
    try {
      f = this.step(s);
    } catch (e) {
      if (e instanceof Invalid) throw e;
      if (e instanceof KernelFault) return { kind: "fault", id: s.id, message: `${s.op}: ${e.record.kind}: ${e.record.message}` };
      return { kind: "crash", id: s.id, message: `${s.op}: dmasim threw: ${(e as Error)?.message ?? String(e)}` };
    }
    if (f) return f;
    if (k.faults.length !== nf) {
      const r = k.faults[nf]!;
      return { kind: "fault", id: s.id, message: `${s.op}: unexpected ${r.kind}: ${r.message}` };
    }
    if (k.diagnostics.length !== nd) {
      const d = k.diagnostics[nd]!;
      return { kind: "fault", id: s.id, message: `${s.op}: dma-debug ${d.id}: ${d.message}` };
    }
    return null;
  }

  /**
   * Run a step's operation: its method comes from a table, through one call site for all of them,
   * so TurboFan compiles each operation on its own (a switch calling them inlined every operation,
   * and with it the whole map/unmap path, into one function that took 150–500 ms to compile, and
   * to compile again after any deopt, while the operations ran unoptimised).
   */
  private step(s: FuzzStep): Failure | null {
    return Session.OPS[s.op].call(this, s, s.ghost === true);
  }

  private static readonly OPS: Readonly<Record<FuzzOp, (this: Session, s: FuzzStep, ghost: boolean) => Failure | null>> = {
    kmalloc: Session.prototype.op_kmalloc,
    alloc_pages: Session.prototype.op_alloc_pages,
    kfree: Session.prototype.op_kfree,
    __free_pages: Session.prototype.op_kfree,
    dma_map_single: Session.prototype.op_dma_map_single,
    dma_map_page: Session.prototype.op_dma_map_single,
    dma_map_sg: Session.prototype.op_dma_map_sg,
    dma_mapping_error: Session.prototype.op_dma_mapping_error,
    dma_unmap_single: Session.prototype.op_dma_unmap_single,
    dma_unmap_page: Session.prototype.op_dma_unmap_single,
    dma_unmap_sg: Session.prototype.op_dma_unmap_single,
    dma_sync_single_for_cpu: Session.prototype.op_dma_sync_single_for_cpu,
    dma_sync_sg_for_cpu: Session.prototype.op_dma_sync_single_for_cpu,
    dma_sync_single_for_device: Session.prototype.op_dma_sync_single_for_device,
    dma_sync_sg_for_device: Session.prototype.op_dma_sync_single_for_device,
    cpu_write: Session.prototype.op_cpu_write,
    cpu_read: Session.prototype.op_cpu_read,
    device_write: Session.prototype.op_device_write,
    device_read: Session.prototype.op_device_read,
  };

  /** kmalloc (a method of its own: the JIT compiles each operation separately; see step) */
  private op_kmalloc(s: FuzzStep, ghost: boolean): Failure | null {
    const k = this.k;
    if (ghost) throw new Invalid("a producer cannot be skipped");
    const size = s.size!;
    const addr = k.slab.kmalloc(k, size, GFP_KERNEL);
    if (!addr) return { kind: "map", id: s.id, message: `kmalloc(${size}) returned NULL` };
    const page = k.arch.virt_to_page(k, addr);
    this.addBuf(this.newBuf(s.as!, "kmalloc", size, 0, addr, page, k.page_to_phys(page) + pageOff(addr)));
    return null;
  }

  /** alloc_pages (a method of its own: the JIT compiles each operation separately; see step) */
  private op_alloc_pages(s: FuzzStep, ghost: boolean): Failure | null {
    const k = this.k;
    if (ghost) throw new Invalid("a producer cannot be skipped");
    const order = s.order!;
    const page = alloc_pages(k, GFP_KERNEL, order, "scenario alloc_pages");
    if (!page) return { kind: "map", id: s.id, message: `alloc_pages(order ${order}) returned NULL` };
    const size = PAGE_SIZE << order;
    this.addBuf(this.newBuf(s.as!, "pages", size, order, k.arch.page_address(k, page), page, k.page_to_phys(page)));
    return null;
  }

  /** kfree, __free_pages (a method of its own: the JIT compiles each operation separately; see step) */
  private op_kfree(s: FuzzStep, ghost: boolean): Failure | null {
    const k = this.k;
    const b = this.buf(s.buf);
    if (b.map) throw new Invalid(`free of mapped buffer '${b.name}'`);
    if ((s.op === "kfree") !== (b.kind === "kmalloc")) throw new Invalid("wrong free");
    b.freed = true;
    this.bufs.delete(b.name);
    this.pool.put(b.arrays);
    const i = this.liveBufs.indexOf(b);
    if (i >= 0) {
      this.liveBufs.splice(i, 1);
      this.nUnmapped--;
      this.nCpuBufs--;
    }
    if (!ghost) {
      if (b.kind === "kmalloc") k.slab.kfree(k, b.addr);
      else __free_pages(k, b.page, b.order);
    }
    return null;
  }

  /** dma_map_single, dma_map_page (a method of its own: the JIT compiles each operation separately; see step) */
  private op_dma_map_single(s: FuzzStep, ghost: boolean): Failure | null {
    const k = this.k;
    const dev = this.dev;
    if (ghost) throw new Invalid("a producer cannot be skipped");
    const b = this.buf(s.buf);
    if (b.map) throw new Invalid(`'${b.name}' is already mapped`);
    const off = s.offset ?? 0;
    const size = s.size!;
    if (off + size > b.size || size < 1) throw new Invalid("map outside the buffer");
    const dir = s.dir!;
    const e = this.newEnt(b, off, size, dir);
    const m: MapRec = { name: s.as!, sg: false, single: s.op === "dma_map_single", dir, ents: [e], devOwned: true, live: true, cpuWrites: [], segs: null, sgl: null, execLive: true };
    b.map = m;
    this.maps.set(m.name, m);
    this.liveMaps.push(m);
    this.mapped(m);
    // exec, as runner.ts mapSingle
    let dma: number;
    if (m.single) dma = api.dma_map_single_attrs(k, dev, b.addr + off, size, dir, 0);
    else {
      const va = b.addr + off;
      const o = pageOff(va);
      dma = api.dma_map_page_attrs(k, dev, k.arch.virt_to_page(k, va - o), o, size, dir, 0);
    }
    e.dma = dma;
    if (dma === DMA_MAPPING_ERROR) {
      m.execLive = false;
      return { kind: "map", id: s.id, message: `${s.op} of ${size} bytes (${dirName(dir)}) returned DMA_MAPPING_ERROR` };
    }
    return this.markTaken(s, e) ?? this.checkSegments(s, m.ents);
  }

  /** dma_map_sg (a method of its own: the JIT compiles each operation separately; see step) */
  private op_dma_map_sg(s: FuzzStep, ghost: boolean): Failure | null {
    const k = this.k;
    const dev = this.dev;
    if (ghost) throw new Invalid("a producer cannot be skipped");
    const dir = s.dir!;
    const xs = s.entries!;
    const ents: Ent[] = objectArray();
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const b = this.buf(x.buf);
      if (b.map || hasEnt(ents, b)) throw new Invalid(`'${b.name}' is already mapped`);
      if (x.offset + x.length > b.size || x.length < 1) throw new Invalid("sg entry outside the buffer");
      ents.push(this.newEnt(b, x.offset, x.length, dir));
    }
    const m: MapRec = { name: s.as!, sg: true, single: false, dir, ents, devOwned: true, live: true, cpuWrites: [], segs: null, sgl: null, execLive: true };
    for (let i = 0; i < ents.length; i++) ents[i]!.buf.map = m;
    this.maps.set(m.name, m);
    this.liveMaps.push(m);
    this.mapped(m);
    // exec, as runner.ts dma_map_sg (pageOf for linear buffers)
    const sgl: Scatterlist[] = objectArray();
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      const va = e.buf.addr + e.off;
      const o = pageOff(va);
      sgl.push({ page: k.arch.virt_to_page(k, va - o), offset: o, length: e.len, dma_address: 0, dma_length: 0 });
    }
    m.sgl = sgl;
    const n = api.dma_map_sg_attrs(k, dev, sgl, sgl.length, dir, 0);
    if (n === 0) {
      m.execLive = false;
      return { kind: "map", id: s.id, message: `dma_map_sg of ${sgl.length} entries (${dirName(dir)}) returned 0` };
    }
    // the n DMA segments: segment i absorbs the next CPU entries until their lengths make up
    // sg_dma_len(i) (__finalise_sg concatenates an entry only when it starts on an IOVA granule
    // and the previous one filled its granules, so a segment has no gaps); each entry's own DMA
    // address is then its segment's plus its offset there
    const segs: Seg[] = objectArray();
    let j = 0;
    for (let i = 0; i < n; i++) {
      const seg: Seg = { dma: sgl[i]!.dma_address, len: sgl[i]!.dma_length, ents: objectArray(), at: [] };
      let at = 0;
      while (at < seg.len && j < ents.length) {
        const e = ents[j++]!;
        e.dma = seg.dma + at;
        seg.ents.push(e);
        seg.at.push(at);
        at += e.len;
      }
      if (at !== seg.len || seg.len === 0)
        return { kind: "map", id: s.id, message: `dma_map_sg returned ${n} segments: segment ${i} (sg_dma_len ${seg.len}) is not a run of whole entries (${at} bytes)` };
      segs.push(seg);
    }
    if (j !== ents.length) return { kind: "map", id: s.id, message: `dma_map_sg returned ${n} segments covering ${j} of ${ents.length} entries` };
    m.segs = segs;
    for (let i = 0; i < ents.length; i++) {
      const f = this.markTaken(s, ents[i]!);
      if (f) return f;
    }
    return this.checkSegments(s, ents);
  }

  /** dma_mapping_error (a method of its own: the JIT compiles each operation separately; see step) */
  private op_dma_mapping_error(s: FuzzStep, ghost: boolean): Failure | null {
    const k = this.k;
    const dev = this.dev;
    const m = this.mapOf(s.map);
    if (m.sg) throw new Invalid("dma_mapping_error on an sg mapping");
    if (!ghost && api.dma_mapping_error(k, dev, m.ents[0]!.dma) !== 0) return { kind: "map", id: s.id, message: `dma_mapping_error(${m.name}) is -ENOMEM` };
    return null;
  }

  /** dma_unmap_single, dma_unmap_page, dma_unmap_sg (a method of its own: the JIT compiles each operation separately; see step) */
  private op_dma_unmap_single(s: FuzzStep, ghost: boolean): Failure | null {
    const k = this.k;
    const dev = this.dev;
    const m = this.mapOf(s.map);
    if (m.sg !== (s.op === "dma_unmap_sg")) throw new Invalid("wrong unmap");
    // shadow: the unmap implies a sync for the CPU
    if (m.devOwned) {
      this.toCpu(m);
      this.owner(m, false);
    } else this.cpuWritesLost(m);
    m.live = false;
    this.maps.delete(m.name);
    const ents = m.ents;
    for (let j = 0; j < ents.length; j++) ents[j]!.buf.map = null;
    this.nUnmapped += m.ents.length;
    const i = this.liveMaps.indexOf(m);
    if (i >= 0) this.liveMaps.splice(i, 1);
    if (ghost || !m.execLive) return null;
    m.execLive = false;
    if (m.sg) api.dma_unmap_sg_attrs(k, dev, m.sgl!, m.sgl!.length, m.dir, 0);
    else api.dma_unmap_page_attrs(k, dev, m.ents[0]!.dma, m.ents[0]!.len, m.dir, 0, m.single);
    for (let j = 0; j < ents.length; j++) {
      const f = this.markFreed(s, ents[j]!);
      if (f) return f;
    }
    return this.checkSegments(s, ents);
  }

  /** dma_sync_single_for_cpu, dma_sync_sg_for_cpu (a method of its own: the JIT compiles each operation separately; see step) */
  private op_dma_sync_single_for_cpu(s: FuzzStep, ghost: boolean): Failure | null {
    const k = this.k;
    const dev = this.dev;
    const m = this.mapOf(s.map);
    if (m.sg !== (s.op === "dma_sync_sg_for_cpu")) throw new Invalid("wrong sync");
    if (!m.devOwned) throw new Invalid(`sync for the CPU of '${m.name}', which the CPU owns`);
    this.toCpu(m);
    this.owner(m, false);
    if (m.cpuWrites.length !== 0) m.cpuWrites = [];
    if (ghost || !m.execLive) return null;
    if (m.sg) api.dma_sync_sg(k, dev, m.sgl!, m.sgl!.length, m.dir, true);
    else api.dma_sync_single_for_cpu(k, dev, m.ents[0]!.dma, m.ents[0]!.len, m.dir);
    return null;
  }

  /** dma_sync_single_for_device, dma_sync_sg_for_device (a method of its own: the JIT compiles each operation separately; see step) */
  private op_dma_sync_single_for_device(s: FuzzStep, ghost: boolean): Failure | null {
    const k = this.k;
    const dev = this.dev;
    const m = this.mapOf(s.map);
    if (m.sg !== (s.op === "dma_sync_sg_for_device")) throw new Invalid("wrong sync");
    if (m.devOwned) throw new Invalid(`sync for the device of '${m.name}', which the device owns`);
    const ents = m.ents;
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      if (e.overlay.length !== 0) e.overlay = [];
      e.baseUndef = m.dir === DMA_FROM_DEVICE;
    }
    this.owner(m, true);
    if (m.cpuWrites.length !== 0) m.cpuWrites = [];
    if (ghost || !m.execLive) return null;
    if (m.sg) api.dma_sync_sg(k, dev, m.sgl!, m.sgl!.length, m.dir, false);
    else api.dma_sync_single_for_device(k, dev, m.ents[0]!.dma, m.ents[0]!.len, m.dir);
    return null;
  }

  /** cpu_write (a method of its own: the JIT compiles each operation separately; see step) */
  private op_cpu_write(s: FuzzStep, ghost: boolean): Failure | null {
    const k = this.k;
    const b = this.buf(s.buf);
    if (b.map && b.map.devOwned) throw new Invalid(`CPU write to '${b.name}' while the device owns it`);
    const off = s.offset ?? 0;
    const data = s.data!;
    if (off + data.length > b.size) throw new Invalid("write outside the buffer");
    b.bytes.set(data, off);
    b.def.fill(b.tok, off, off + data.length);
    hotAdd(b, off, data.length);
    if (b.map) b.map.cpuWrites.push({ buf: b, off, len: data.length });
    if (!ghost) k.kwrite(b.addr + off, data, "cpu_write");
    return null;
  }

  /** cpu_read (a method of its own: the JIT compiles each operation separately; see step) */
  private op_cpu_read(s: FuzzStep, ghost: boolean): Failure | null {
    const k = this.k;
    const b = this.buf(s.buf);
    if (b.map && b.map.devOwned) throw new Invalid(`CPU read of '${b.name}' while the device owns it`);
    const off = s.offset ?? 0;
    const len = s.length!;
    if (off + len > b.size) throw new Invalid("read outside the buffer");
    let n = 0;
    const tok = b.tok;
    const def = b.def;
    while (n < len && def[off + n] === tok) n++;
    const bytes = b.bytes;
    if (this.record) this.expected.set(s.id, bytes.slice(off, off + n));
    if (ghost) return null;
    const got = len <= VIEW_SCRATCH ? k.kreadInto(b.addr + off, len, readOut, "cpu_read") : k.kread(b.addr + off, len, "cpu_read");
    for (let i = 0; i < n; i++)
      if (got[i] !== bytes[off + i]) {
        const want = bytes.subarray(off, off + n);
        return { kind: "data", id: s.id, message: `cpu_read of ${b.name}+${hexAddr(off)} (${len} bytes): byte ${i} is ${hexByte(got[i]!)}, the rules say ${hexByte(want[i]!)} — read ${hexBytes(got.subarray(i, len))}, expected ${hexBytes(want.subarray(i))}${this.context(b)}` };
      }
    return null;
  }

  /** device_write (a method of its own: the JIT compiles each operation separately; see step) */
  private op_device_write(s: FuzzStep, ghost: boolean): Failure | null {
    const m = this.mapOf(s.map);
    const seg = this.segOf(m, s.entry);
    if (!m.devOwned) throw new Invalid(`device write to '${m.name}' while the CPU owns it`);
    if (m.dir === DMA_TO_DEVICE) throw new Invalid("device write to a DMA_TO_DEVICE mapping");
    const off = s.offset ?? 0;
    const data = s.data!;
    if (seg === null || seg.ents.length === 1) {
      const e = seg === null ? m.ents[s.entry ?? 0]! : seg.ents[0]!;
      if (off + data.length > e.len) throw new Invalid("device write outside the mapping");
      e.overlay.push({ off, data });
      if (ghost || !m.execLive) return null;
      if (m.sg && this.record) this.resolved.set(s.id, e.dma);
      return this.deviceAccess(s, e.dma + off, 0, data) as Failure | null;
    }
    // a merged segment: each entry it covers gets its part of the write
    if (off + data.length > seg.len) throw new Invalid("device write outside the mapping");
    for (let j = 0; j < seg.ents.length; j++) {
      const at = seg.at[j]!;
      const e = seg.ents[j]!;
      const a = Math.max(off, at);
      const z = Math.min(off + data.length, at + e.len);
      if (a < z) e.overlay.push({ off: a - at, data: data.subarray(a - off, z - off) });
    }
    if (ghost || !m.execLive) return null;
    if (this.record) this.resolved.set(s.id, seg.dma);
    return this.deviceAccess(s, seg.dma + off, 0, data) as Failure | null;
  }

  /** device_read (a method of its own: the JIT compiles each operation separately; see step) */
  private op_device_read(s: FuzzStep, ghost: boolean): Failure | null {
    const m = this.mapOf(s.map);
    const seg = this.segOf(m, s.entry);
    if (!m.devOwned) throw new Invalid(`device read of '${m.name}' while the CPU owns it`);
    if (!this.readable(m)) throw new Invalid(`device read of '${m.name}', which the IOMMU maps write-only`);
    const off = s.offset ?? 0;
    const len = s.length!;
    let n: number;
    let dma: number;
    let b: Buf;
    if (seg === null || seg.ents.length === 1) {
      const e = seg === null ? m.ents[s.entry ?? 0]! : seg.ents[0]!;
      if (off + len > e.len) throw new Invalid("device read outside the mapping");
      n = this.deviceView(e, off, len);
      dma = e.dma;
      b = e.buf;
    } else {
      if (off + len > seg.len) throw new Invalid("device read outside the mapping");
      n = this.segView(seg, off, len);
      dma = seg.dma;
      b = seg.ents[0]!.buf;
    }
    const view = this.view;
    if (this.record) this.expected.set(s.id, view.subarray(0, n));
    if (ghost || !m.execLive) return null;
    if (m.sg && this.record) this.resolved.set(s.id, dma);
    const got = this.deviceAccess(s, dma + off, len, undefined, len <= VIEW_SCRATCH ? readOut : undefined);
    if (!(got instanceof Uint8Array)) return got;
    for (let i = 0; i < n; i++)
      if (got[i] !== view[i]) {
        const want = view.subarray(0, n);
        return { kind: "data", id: s.id, message: `device_read of ${m.name}${m.sg ? ` entry ${s.entry ?? 0}` : ""}+${hexAddr(off)} (${len} bytes, ${dirName(m.dir)}): byte ${i} is ${hexByte(got[i]!)}, the rules say ${hexByte(want[i]!)} — read ${hexBytes(got.subarray(i, len))}, expected ${hexBytes(want.subarray(i))}${this.context(b)}` };
      }
    return null;
  }

  /**
   * The DMA segment a device access on an sg mapping names (s.entry: a segment index < the
   * count dma_map_sg returned; with merged entries segment i need not be entry i); null for a
   * single mapping or a mapping whose map failed (then s.entry names an entry).
   */
  private segOf(m: MapRec, entry: number | undefined): Seg | null {
    const i = entry ?? 0;
    const segs = m.segs;
    if (segs === null) {
      if (i >= m.ents.length) throw new Invalid("no such sg entry");
      return null;
    }
    const seg = segs[i];
    if (seg === undefined) throw new Invalid("no such sg DMA segment");
    return seg;
  }

  /** deviceView over a merged segment: each entry's view at its offset in the segment, up to the first undefined byte. */
  private segView(seg: Seg, off: number, len: number): number {
    const out = new Uint8Array(len);
    let n = 0;
    for (let j = 0; j < seg.ents.length; j++) {
      const at = seg.at[j]!;
      const e = seg.ents[j]!;
      const a = Math.max(off, at);
      const z = Math.min(off + len, at + e.len);
      if (a >= z) continue;
      const got = this.deviceView(e, a - at, z - a);
      out.set(this.view.subarray(0, got), a - off);
      n = a - off + got;
      if (got < z - a) break;
    }
    this.view = out;
    return n;
  }

  /** A live buffer with its shadow arrays from the pool (one object literal: one shape for every Buf). */
  private newBuf(name: string, kind: Buf["kind"], size: number, order: number, addr: number, page: number, phys: number): Buf {
    const a = this.pool.get(size);
    return { name, kind, size, order, addr, page, phys, bytes: a.bytes, def: a.def, tok: a.tok, arrays: a, map: null, freed: false, hot: [] };
  }

  private addBuf(b: Buf) {
    if (this.bufs.has(b.name)) throw new Invalid(`duplicate name '${b.name}'`);
    this.bufs.set(b.name, b);
    this.liveBufs.push(b);
    this.nUnmapped++;
    this.nCpuBufs++;
  }

  /** A new mapping (device-owned) now covers its entries' buffers: the generator's counts. */
  private mapped(m: MapRec) {
    this.nUnmapped -= m.ents.length;
    this.nCpuBufs -= m.ents.length;
    this.nDevMaps++;
    if (m.dir !== DMA_TO_DEVICE) this.nWritable++;
    if (this.readable(m)) this.nReadable++;
  }

  /** Hand a live mapping to the device (true) or to the CPU (false), keeping the generator's counts. */
  private owner(m: MapRec, dev: boolean) {
    if (m.devOwned === dev) return;
    m.devOwned = dev;
    const d = dev ? 1 : -1;
    this.nCpuBufs -= d * m.ents.length;
    this.nDevMaps += d;
    if (m.dir !== DMA_TO_DEVICE) this.nWritable += d;
    if (this.readable(m)) this.nReadable += d;
  }

  private newEnt(b: Buf, off: number, len: number, dir: number): Ent {
    return { buf: b, off, len, overlay: [], baseUndef: dir === DMA_FROM_DEVICE, dma: DMA_MAPPING_ERROR, slot: -1, nslots: 0, lastSlot: -1 };
  }

  /** deviceView's bytes: a scratch buffer, or a new array when the result is kept for export */
  private view: Uint8Array = viewOut;

  /**
   * The bytes the device should read at [off, off+len) of an entry: its writes over the base, up
   * to the first undefined byte. Returns how many are defined; the bytes are this.view[0..n).
   */
  private deviceView(e: Ent, off: number, len: number): number {
    const out = this.record || len > VIEW_SCRATCH ? new Uint8Array(len) : viewOut;
    const def = len > VIEW_SCRATCH ? new Uint8Array(len) : viewDef;
    if (len <= VIEW_SCRATCH) def.fill(0, 0, len);
    this.view = out;
    const b = e.buf;
    if (!e.baseUndef) {
      const base = e.off + off;
      out.set(b.bytes.subarray(base, base + len));
      const tok = b.tok;
      for (let i = 0; i < len; i++) if (b.def[base + i] === tok) def[i] = 1;
    }
    const ov = e.overlay;
    for (let j = 0; j < ov.length; j++) {
      const w = ov[j]!;
      const a = Math.max(off, w.off);
      const z = Math.min(off + len, w.off + w.data.length);
      if (a >= z) continue;
      out.set(w.data.subarray(a - w.off, z - w.off), a - off);
      def.fill(1, a - off, z - off);
    }
    let n = 0;
    while (n < len && def[n] === 1) n++;
    return n;
  }

  /** Shadow of a sync for the CPU (or the CPU half of an unmap) from device ownership. */
  private toCpu(m: MapRec) {
    if (m.dir === DMA_TO_DEVICE) return; // nothing comes back
    const ents = m.ents;
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      const b = e.buf;
      if (e.baseUndef) b.def.fill(0, e.off, e.off + e.len);
      const ov = e.overlay;
      if (ov.length !== 0) {
        for (let j = 0; j < ov.length; j++) {
          const w = ov[j]!;
          b.bytes.set(w.data, e.off + w.off);
          b.def.fill(b.tok, e.off + w.off, e.off + w.off + w.data.length);
          hotAdd(b, e.off + w.off, w.data.length);
        }
        // the device view now equals the CPU's bytes
        e.overlay = [];
      }
      e.baseUndef = false;
    }
  }

  /** Unmapping a mapping the CPU owns: for FROM/BIDI, CPU writes since the sync may be overwritten by the copy-back (swiotlb) or lost (cache invalidate). */
  private cpuWritesLost(m: MapRec) {
    if (m.dir === DMA_TO_DEVICE) return;
    const ws = m.cpuWrites;
    if (ws.length === 0) return;
    const ents = m.ents;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      for (let j = 0; j < ents.length; j++) {
        const e = ents[j]!;
        if (e.buf !== w.buf) continue;
        const a = Math.max(w.off, e.off);
        const z = Math.min(w.off + w.len, e.off + e.len);
        if (a < z) w.buf.def.fill(0, a, z);
      }
    }
    m.cpuWrites = [];
  }

  /** What the buffer is doing, for failure messages. */
  private context(b: Buf): string {
    const m = b.map;
    if (!m) return "";
    return ` (${b.name} is mapped by ${m.name}, ${dirName(m.dir)}, ${m.devOwned ? "device-owned" : "CPU-owned"}${m.ents.some((e) => e.slot >= 0) ? ", bounced through swiotlb" : ""})`;
  }

  /** runner.ts deviceAccess: the device side of the bus (drivers/dma-master.ts); a bus error is a failure. */
  private deviceAccess(s: FuzzStep, bus: number, len: number, data?: Uint8Array, out?: Uint8Array): Uint8Array | Failure | null {
    const r = device_access(this.k, this.dev, bus, len, data, out);
    if (r === null) return { kind: "fault", id: s.id, message: `${s.op}: bus error at bus address ${hexAddr(bus)}` };
    return data ? null : r;
  }

  // ---- swiotlb occupancy model ----

  /** Mark the slots a new mapping entry took in the occupancy model (they must have been free). */
  private markTaken(s: FuzzStep, e: Ent): Failure | null {
    const mem = this.mem;
    if (!mem || !this.occ) return null;
    // the kernel's own reading of the handle: through the P2M on Xen (is_xen_swiotlb_buffer)
    const phys = this.k.xen ? xen_dma_to_phys(this.k, this.dev, e.dma) : dma_to_phys(this.k, this.dev, e.dma);
    if (phys < mem.start || phys >= mem.end) return null;
    const offset = phys & this.dev.min_align_mask & (IO_TLB_SIZE - 1);
    const index = Math.floor((phys - offset - mem.start) / IO_TLB_SIZE);
    const nslots = Math.ceil((e.len + offset) / IO_TLB_SIZE);
    if (mem.start + index * IO_TLB_SIZE + offset !== phys) return slotFailure(s, e, `bounce address ${hexAddr(phys)} is not slot-aligned`);
    if (index + nslots > mem.nslabs) return slotFailure(s, e, `slots ${index}..${index + nslots - 1} run past the pool (${mem.nslabs} slots)`);
    if (Math.floor(index / IO_TLB_SEGSIZE) !== Math.floor((index + nslots - 1) / IO_TLB_SEGSIZE)) return slotFailure(s, e, `slots ${index}..${index + nslots - 1} cross a segment boundary`);
    const occ = this.occ;
    for (let i = index; i < index + nslots; i++) {
      if (occ[i]) return slotFailure(s, e, `slot ${i} handed out while a live mapping holds it`);
      occ[i] = 1;
      const want = e.buf.phys + e.off + (i - index) * IO_TLB_SIZE;
      if (mem.orig_addr[i] !== want) return slotFailure(s, e, `slot ${i} orig_addr ${hexAddr(mem.orig_addr[i]!)}, expected ${hexAddr(want)}`);
    }
    e.slot = index;
    e.nslots = nslots;
    this.occupied += nslots;
    return null;
  }

  /** Release an unmapped entry's slots in the occupancy model; the pool must have forgotten their originals. */
  private markFreed(s: FuzzStep, e: Ent): Failure | null {
    if (e.slot < 0 || !this.occ || !this.mem) return null;
    for (let i = e.slot; i < e.slot + e.nslots; i++) {
      this.occ[i] = 0;
      if (this.mem.orig_addr[i] !== INVALID_PHYS_ADDR) return { kind: "swiotlb", id: s.id, message: `${s.op} ${e.buf.name}: slot ${i} still has an orig_addr after the unmap` };
    }
    this.occupied -= e.nslots;
    e.lastSlot = e.slot;
    e.slot = -1;
    return null;
  }

  /** After a map or unmap: the touched segments' counters, and used == occupied. */
  private checkSegments(s: FuzzStep, ents: readonly Ent[]): Failure | null {
    if (!this.mem) return null;
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      const slot = e.slot >= 0 ? e.slot : e.lastSlot;
      if (slot < 0) continue;
      const f = this.checkSegment(s, slot);
      if (f) return f;
    }
    return this.checkUsed(s);
  }

  private checkUsed(s: FuzzStep): Failure | null {
    const used = this.mem!.used;
    if (used !== this.occupied)
      return {
        kind: "swiotlb",
        id: s.id,
        message: `${s.op}: io_tlb_mem.used is ${used}, but live mappings hold ${this.occupied} slots${used > this.occupied ? " (a mapping took slots, but its DMA address does not lead back to the bounce buffer through the device's dma-ranges)" : ""}`,
      };
    return null;
  }

  /** Recompute the free-run counters of the segment holding `slot` from the occupancy model. */
  private checkSegment(s: FuzzStep, slot: number): Failure | null {
    const list = this.mem!.list;
    const occ = this.occ!;
    const start = slot - (slot % IO_TLB_SEGSIZE);
    let run = 0;
    for (let i = start + IO_TLB_SEGSIZE - 1; i >= start; i--) {
      run = occ[i] ? 0 : run + 1;
      if (list[i] !== run)
        return { kind: "swiotlb", id: s.id, message: `${s.op}: swiotlb slot ${i} free-run counter is ${list[i]}, the occupancy of segment ${start / IO_TLB_SEGSIZE} says ${run}` };
    }
    return null;
  }

  /** End of an epoch (everything unmapped): no slot in use, every counter back to its boot value. */
  checkNoLeak(): Failure | null {
    const mem = this.mem;
    if (!mem) return null;
    if (mem.used !== 0) return { kind: "leak", id: -1, message: `after every mapping was unmapped, io_tlb_mem.used is ${mem.used} (slots leaked)` };
    const list = mem.list;
    const orig = mem.orig_addr;
    const nslabs = mem.nslabs;
    for (let from = 0; from < nslabs; from += LEAK_CHUNK) {
      const i = firstLeak(list, orig, from, Math.min(nslabs, from + LEAK_CHUNK));
      if (i < 0) continue;
      const want = IO_TLB_SEGSIZE - (i % IO_TLB_SEGSIZE);
      if (list[i] !== want) return { kind: "leak", id: -1, message: `after every mapping was unmapped, swiotlb slot ${i} free-run counter is ${list[i]}, expected ${want}` };
      return { kind: "leak", id: -1, message: `after every mapping was unmapped, swiotlb slot ${i} still records orig_addr ${hexAddr(orig[i]!)}` };
    }
    return null;
  }
}

/**
 * markTaken's failure for entry `e` of step `s` (a function of its own, not a closure made on every
 * call: a closure would keep `s` and `e` in a context object for the whole of markTaken).
 */
function slotFailure(s: FuzzStep, e: Ent, msg: string): Failure {
  return { kind: "swiotlb", id: s.id, message: `${s.op} ${e.buf.name}: ${msg}` };
}

/** Slots checkNoLeak hands to firstLeak at a time. */
const LEAK_CHUNK = 1024;

/**
 * The first slot of [from, to) whose free-run counter is not its boot value (IO_TLB_SEGSIZE down
 * to 1 in every segment) or that still records an orig_addr; -1 if none. A function of its own,
 * called per LEAK_CHUNK slots: it runs once per epoch over every slot, and as one loop it ran
 * mostly before the JIT had compiled it (every orig_addr read a boxed number); called 32 times
 * per 64 MiB pool, it is compiled after a few calls.
 */
function firstLeak(list: ArrayLike<number>, orig: ArrayLike<number>, from: number, to: number): number {
  for (let i = from, want = IO_TLB_SEGSIZE - (from % IO_TLB_SEGSIZE); i < to; i++, want = want === 1 ? IO_TLB_SEGSIZE : want - 1)
    if (list[i] !== want || orig[i] !== INVALID_PHYS_ADDR) return i;
  return -1;
}

/**
 * The fuzzer's generator: a well-behaved driver's next operation, drawn from the PRNG, obeying the
 * DMA-API ownership rules (R-STR-*).
 *
 * Engine core: no node:* imports. Part of `dmasim fuzz` (src/fuzz.ts).
 */
import { PAGE_SIZE } from "../core/u64.js";
import { L1_CACHE_SHIFT } from "../kernel/dma/debug.js";
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE } from "../include/gfp.js";
import { __free_pages, alloc_pages } from "../mm/mm.js";
import { type FuzzOp, type FuzzStep, type Rng, mk, stepBuf, stepMap } from "./types.js";
import { type Buf, type MapRec, type Session, objectArray } from "./session.js";
// ---------------------------------------------------------------------------------------------
// the generator

export const KiB = 1024;
/** dma-debug's cacheline: L1_CACHE_BYTES (64 on arm64, x86_64 and ARMv7) */
export const CACHELINE = 1 << L1_CACHE_SHIFT;

/** For each odd stride 2j+1: the bytes (i * stride) & 0xff for i in 0..511, and stride^-1 mod 256. */
export const STRIDE_RUNS: Uint8Array[] = [];
export const STRIDE_INV: number[] = [];
for (let j = 0; j < 128; j++) {
  const stride = 2 * j + 1;
  const run = new Uint8Array(512);
  for (let i = 0; i < 512; i++) run[i] = (i * stride) & 0xff;
  STRIDE_RUNS.push(run);
  let inv = 1;
  while (((inv * stride) & 0xff) !== 1) inv += 2;
  STRIDE_INV.push(inv);
}
/** STRIDE_RUNS end to end (run j at j * 512) */
const RUNS_BYTES = 128 * 512;
const STRIDE_TABLE = new Uint8Array(RUNS_BYTES);
for (let j = 0; j < 128; j++) STRIDE_TABLE.set(STRIDE_RUNS[j]!, j * 512);
export const NO_HOT: readonly { off: number; len: number }[] = [];

export class Generator {
  private n = 0;
  /**
   * Reuse the step objects of the previous call to next() (set by runEpoch when the epoch keeps no
   * steps and no mutate sees them): nothing holds a step after Session.apply has run it (it keeps
   * ids, names and the data view, never the step), and a new object per step was about a sixth of
   * an epoch's allocations.
   */
  recycle = false;
  private free0: FuzzStep | null = null;
  private free1: FuzzStep | null = null;
  constructor(
    private readonly rng: Rng,
    private readonly maxBuffers: number,
    private readonly maxSize: number,
  ) {}

  /** the PRNG's next float in [0, 1) (an Rng, not a closure: one call target for every epoch) */
  private rnd(): number {
    return this.rng.next();
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }

  /** log-uniform size in [1, max] */
  private size(max: number): number {
    if (max <= 1) return 1;
    return Math.min(max, Math.max(1, Math.floor(Math.exp(this.rnd() * Math.log(max + 1)))));
  }

  private pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.rnd() * a.length)]!;
  }

  private dir(): number {
    const r = this.rnd();
    return r < 0.34 ? DMA_BIDIRECTIONAL : r < 0.67 ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
  }

  /**
   * Position-dependent bytes (a shifted copy never looks right): out[i] = (base + i * stride) & 0xff
   * for an odd stride, copied from the stride's precomputed 512-byte run (period 256).
   */
  private data(len: number): Uint8Array {
    const base = this.int(0, 255);
    const si = this.int(0, 127);
    // (base + i*stride) & 0xff == run[(i + k) & 255] with k = base * stride^-1 mod 256
    const k = (base * STRIDE_INV[si]!) & 0xff;
    // one period from the slab's copy of the run, then the bytes so far doubled in place (period
    // 256: out[i] = out[i - 256]); copyWithin inside the slab makes no view of the run
    const slab = this.slabFor(len);
    const at = this.slabAt;
    this.slabAt += len;
    const src = si * 512 + k;
    slab.copyWithin(at, src, src + Math.min(len, 256));
    for (let p = 256; p < len; p *= 2) slab.copyWithin(at + p, at, at + Math.min(p, len - p));
    return new Uint8Array(slab.buffer, at, len);
  }

  private dataLen(max: number): number {
    const r = this.rnd();
    const cap = r < 0.7 ? 64 : r < 0.95 ? 1024 : 4096;
    return Math.max(1, Math.min(max, this.int(1, cap)));
  }

  /** readRange's result: the offset (relative to lo) and length of the range drawn */
  private rrOff = 0;
  private rrLen = 0;

  /** A read range in [lo, hi), starting at a recently written (so probably defined) byte most of the time: this.rrOff, this.rrLen. */
  private readRange(hot: readonly { off: number; len: number }[], lo: number, hi: number): void {
    let off = -1;
    if (hot.length && this.rnd() < 0.8) {
      const h = this.pick(hot);
      const a = Math.max(lo, h.off);
      const z = Math.min(hi, h.off + h.len);
      if (a < z) off = this.int(a, z - 1);
    }
    if (off < 0) off = this.int(lo, hi - 1);
    const len = Math.max(1, Math.min(hi - off, this.rnd() < 0.8 ? this.int(1, 64) : this.int(1, 512)));
    this.rrOff = off - lo;
    this.rrLen = len;
  }

  /**
   * The DMA-API rules dma-debug checks, kept when it is on (CONFIG_DMA_API_DEBUG): two live
   * mappings that the device may write (not DMA_TO_DEVICE) never start in the same cacheline
   * (dma-debug tracks each one's first cacheline: an overlap is D19), so such a mapping is made
   * DMA_TO_DEVICE instead.
   */
  private ruleDir(ss: Session, dir: number, starts: readonly { b: Buf; off: number }[] | null, b0: Buf | null = null, off0 = 0): number {
    if (!ss.k.dma_debug || dir === DMA_TO_DEVICE) return dir;
    if (starts === null) starts = [{ b: b0!, off: off0 }];
    const lines = new Set<number>();
    for (const m of ss.liveMaps) if (m.dir !== DMA_TO_DEVICE) for (const e of m.ents) lines.add(Math.floor((e.buf.phys + e.off) / CACHELINE));
    for (const { b, off } of starts) {
      const l = Math.floor((b.phys + off) / CACHELINE);
      if (lines.has(l)) return DMA_TO_DEVICE;
      lines.add(l);
    }
    return dir;
  }

  /** dma_get_max_seg_size(dev) when dma-debug checks sg segments (CONFIG_DMA_API_DEBUG_SG: D23); no limit otherwise. */
  private maxSeg(ss: Session): number {
    return ss.k.dma_debug && ss.k.cfg.CONFIG_DMA_API_DEBUG_SG ? ss.dev.max_segment_size || 65536 : Infinity;
  }

  // Step data are views into 256 KiB slabs (an ArrayBuffer per write would cost more than the
  // write). Each slab starts with a copy of STRIDE_RUNS (128 runs of 512 bytes), which data
  // copies from within the slab.
  private slab = new Uint8Array(0);
  private slabAt = 0;
  /** a slab with room for `len` more bytes at this.slabAt */
  private slabFor(len: number): Uint8Array {
    if (this.slabAt + len > this.slab.length) {
      this.slab = new Uint8Array(RUNS_BYTES + Math.max(256 * 1024, len));
      this.slab.set(STRIDE_TABLE, 0);
      this.slabAt = RUNS_BYTES;
    }
    return this.slab;
  }


  // The n-th live buffer / mapping of a kind, in creation order (the Session keeps how many of
  // each kind there are, so the weights need no pass over the lists, and only the chosen
  // operation's candidates are walked, up to the one drawn).

  /** a random live buffer that no mapping covers (of ss.nUnmapped) */
  private pickUnmapped(ss: Session): Buf {
    let k = Math.floor(this.rnd() * ss.nUnmapped);
    const bufs = ss.liveBufs;
    for (let i = 0; ; i++) {
      const b = bufs[i]!;
      if (b.map === null && k-- === 0) return b;
    }
  }

  /** a random live buffer the CPU may touch: unmapped, or its mapping CPU-owned (of ss.nCpuBufs) */
  private pickCpuBuf(ss: Session): Buf {
    let k = Math.floor(this.rnd() * ss.nCpuBufs);
    const bufs = ss.liveBufs;
    for (let i = 0; ; i++) {
      const b = bufs[i]!;
      const m = b.map;
      if ((m === null || !m.devOwned) && k-- === 0) return b;
    }
  }

  /** a random live mapping owned by the device (dev) or by the CPU (!dev), of `n` */
  private pickMap(ss: Session, dev: boolean, n: number): MapRec {
    let k = Math.floor(this.rnd() * n);
    const maps = ss.liveMaps;
    for (let i = 0; ; i++) {
      const m = maps[i]!;
      if (m.devOwned === dev && k-- === 0) return m;
    }
  }

  /** a random device-owned mapping the device may write (not DMA_TO_DEVICE), of ss.nWritable */
  private pickWritable(ss: Session): MapRec {
    let k = Math.floor(this.rnd() * ss.nWritable);
    const maps = ss.liveMaps;
    for (let i = 0; ; i++) {
      const m = maps[i]!;
      if (m.devOwned && m.dir !== DMA_TO_DEVICE && k-- === 0) return m;
    }
  }

  /** a random device-owned mapping the device may read (Session.readable), of ss.nReadable */
  private pickReadable(ss: Session): MapRec {
    let k = Math.floor(this.rnd() * ss.nReadable);
    const maps = ss.liveMaps;
    for (let i = 0; ; i++) {
      const m = maps[i]!;
      if (m.devOwned && ss.readable(m) && k-- === 0) return m;
    }
  }

  /**
   * The DMA segment count of a mapping the device accesses: dma_map_sg's return value (a driver
   * uses only the first `ret` segments); 1 for a single mapping. Without an IOMMU that is the
   * entry count.
   */
  private static nSegs(m: MapRec): number {
    return m.segs !== null ? m.segs.length : m.ents.length;
  }

  /**
   * The next operation for a session's state: written to out[0] (and out[1] for a map and its
   * dma_mapping_error); returns how many. `id` is the first one's id.
   */
  next(ss: Session, id: number, out: FuzzStep[]): number {
    if (this.recycle) {
      // the previous call's steps (run by now); out holds two distinct objects or nulls
      this.free0 = out[0] ?? null;
      this.free1 = out[1] ?? null;
    }
    const nBufs = ss.liveBufs.length;
    const nMaps = ss.liveMaps.length;
    const nUnmapped = ss.nUnmapped;
    const nCpuBufs = ss.nCpuBufs;
    const nDev = ss.nDevMaps;
    const nCpu = nMaps - nDev;
    const nWritable = ss.nWritable;
    // the weights (locals, summed and walked in index order: the same floating-point steps as a
    // loop over an array of them)
    const w0 = nBufs < this.maxBuffers ? (nBufs < 4 ? 6 : 1.2) : 0; // alloc
    const w1 = nUnmapped ? (nBufs > this.maxBuffers / 2 ? 1.5 : 0.6) : 0; // free
    const w2 = nUnmapped ? 2.5 : 0; // map single/page
    const w3 = nUnmapped ? 0.6 : 0; // map sg
    const w4 = nMaps ? 1.4 : 0; // unmap
    const w5 = nDev ? 1.5 : 0; // sync for cpu
    const w6 = nCpu ? 1 : 0; // sync for device
    const w7 = nWritable ? 3 : 0; // device write
    const w8 = ss.nReadable ? 1.5 : 0; // device read
    const w9 = nCpuBufs ? 3 : 0; // cpu write
    const w10 = nCpuBufs ? 3 : 0; // cpu read
    const total = 0 + w0 + w1 + w2 + w3 + w4 + w5 + w6 + w7 + w8 + w9 + w10;
    let r = this.rnd() * total;
    let op = 10;
    if (r < w0) op = 0;
    else if ((r -= w0) < w1) op = 1;
    else if ((r -= w1) < w2) op = 2;
    else if ((r -= w2) < w3) op = 3;
    else if ((r -= w3) < w4) op = 4;
    else if ((r -= w4) < w5) op = 5;
    else if ((r -= w5) < w6) op = 6;
    else if ((r -= w6) < w7) op = 7;
    else if ((r -= w7) < w8) op = 8;
    else if ((r -= w8) < w9) op = 9;
    return Generator.OPS[op]!.call(this, ss, id, out);
  }

  /**
   * The operations' generators, by weight index, called through one call site (as Session.step
   * runs the operations): TurboFan compiles each on its own rather than all of them inlined into
   * `next`. Each writes its step(s) to `out` and returns how many.
   */
  private static readonly OPS: readonly ((this: Generator, ss: Session, id: number, out: FuzzStep[]) => number)[] = [
    Generator.prototype.genAlloc,
    Generator.prototype.genFree,
    Generator.prototype.genMap,
    Generator.prototype.genMapSg,
    Generator.prototype.genUnmap,
    Generator.prototype.genSyncForCpu,
    Generator.prototype.genSyncForDevice,
    Generator.prototype.genDeviceWrite,
    Generator.prototype.genDeviceRead,
    Generator.prototype.genCpuWrite,
    Generator.prototype.genCpuRead,
  ];

  /** A step with every field present (types.ts mk): a recycled one, its fields reset, when there is one. */
  private mk(id: number, op: FuzzOp): FuzzStep {
    const s = this.free0;
    if (s === null) return mk(id, op);
    this.free0 = this.free1;
    this.free1 = null;
    s.id = id;
    s.op = op;
    s.as = undefined;
    s.buf = undefined;
    s.map = undefined;
    s.offset = undefined;
    s.size = undefined;
    s.length = undefined;
    s.order = undefined;
    s.dir = undefined;
    s.entries = undefined;
    s.entry = undefined;
    s.data = undefined;
    s.ghost = undefined;
    return s;
  }

  private stepBuf(id: number, op: FuzzOp, buf: string): FuzzStep {
    const s = this.mk(id, op);
    s.buf = buf;
    return s;
  }

  private stepMap(id: number, op: FuzzOp, map: string): FuzzStep {
    const s = this.mk(id, op);
    s.map = map;
    return s;
  }

  /** kmalloc or alloc_pages of a new buffer */
  private genAlloc(_ss: Session, id: number, out: FuzzStep[]): number {
    out[0] = this.allocStep(id);
    return 1;
  }

  /** kfree / __free_pages of an unmapped buffer */
  private genFree(ss: Session, id: number, out: FuzzStep[]): number {
    const b = this.pickUnmapped(ss);
    out[0] = this.stepBuf(id, b.kind === "kmalloc" ? "kfree" : "__free_pages", b.name);
    return 1;
  }

  /** dma_map_single / dma_map_page of part of an unmapped buffer, and its dma_mapping_error */
  private genMap(ss: Session, id: number, out: FuzzStep[]): number {
    const b = this.pickUnmapped(ss);
    const off = this.rnd() < 0.5 ? 0 : this.int(0, b.size - 1);
    const size = this.size(Math.min(this.maxSize, b.size - off));
    const name = `m${this.n++}`;
    const st = this.mk(id, this.rnd() < 0.6 ? "dma_map_single" : "dma_map_page");
    st.as = name;
    st.buf = b.name;
    st.offset = off;
    st.size = size;
    st.dir = this.ruleDir(ss, this.dir(), null, b, off);
    out[0] = st;
    out[1] = this.stepMap(id + 1, "dma_mapping_error", name);
    return 2;
  }

  private genMapSg(ss: Session, id: number, out: FuzzStep[]): number {
    out[0] = this.mapSgStep(ss, id);
    return 1;
  }

  /** the unmap of any live mapping */
  private genUnmap(ss: Session, id: number, out: FuzzStep[]): number {
    const m = this.pick(ss.liveMaps);
    out[0] = this.stepMap(id, m.sg ? "dma_unmap_sg" : m.single ? "dma_unmap_single" : "dma_unmap_page", m.name);
    return 1;
  }

  /** a sync for the CPU of a device-owned mapping */
  private genSyncForCpu(ss: Session, id: number, out: FuzzStep[]): number {
    const m = this.pickMap(ss, true, ss.nDevMaps);
    out[0] = this.stepMap(id, m.sg ? "dma_sync_sg_for_cpu" : "dma_sync_single_for_cpu", m.name);
    return 1;
  }

  /** a sync for the device of a CPU-owned mapping */
  private genSyncForDevice(ss: Session, id: number, out: FuzzStep[]): number {
    const m = this.pickMap(ss, false, ss.liveMaps.length - ss.nDevMaps);
    out[0] = this.stepMap(id, m.sg ? "dma_sync_sg_for_device" : "dma_sync_single_for_device", m.name);
    return 1;
  }

  /** the device writes into a mapping it owns and may write */
  private genDeviceWrite(ss: Session, id: number, out: FuzzStep[]): number {
    const m = this.pickWritable(ss);
    const ei = this.int(0, Generator.nSegs(m) - 1);
    const segLen = m.segs !== null ? m.segs[ei]!.len : m.ents[ei]!.len;
    const len = this.dataLen(segLen);
    const off = this.int(0, segLen - len);
    const st = this.stepMap(id, "device_write", m.name);
    st.offset = off;
    st.data = this.data(len);
    if (m.sg) st.entry = ei;
    out[0] = st;
    return 1;
  }

  private genDeviceRead(ss: Session, id: number, out: FuzzStep[]): number {
    out[0] = this.deviceReadStep(ss, id);
    return 1;
  }

  /** the CPU writes into a buffer it may touch */
  private genCpuWrite(ss: Session, id: number, out: FuzzStep[]): number {
    const b = this.pickCpuBuf(ss);
    const len = this.dataLen(b.size);
    const off = this.int(0, b.size - len);
    const st = this.stepBuf(id, "cpu_write", b.name);
    st.offset = off;
    st.data = this.data(len);
    out[0] = st;
    return 1;
  }

  /** the CPU reads a buffer it may touch, most often where it was written */
  private genCpuRead(ss: Session, id: number, out: FuzzStep[]): number {
    const b = this.pickCpuBuf(ss);
    this.readRange(b.hot, 0, b.size);
    const st = this.stepBuf(id, "cpu_read", b.name);
    st.offset = this.rrOff;
    st.length = this.rrLen;
    out[0] = st;
    return 1;
  }

  /** kmalloc or alloc_pages of a new buffer */
  private allocStep(id: number): FuzzStep {
    const name = `b${this.n++}`;
    if (this.rnd() < 0.6) {
      const st = this.mk(id, "kmalloc");
      st.as = name;
      st.size = this.size(this.maxSize);
      return st;
    }
    let order = 0;
    while (order < 6 && PAGE_SIZE << (order + 1) <= this.maxSize && this.rnd() < 0.45) order++;
    const st = this.mk(id, "alloc_pages");
    st.as = name;
    st.order = order;
    return st;
  }

  /** dma_map_sg of 1..4 unmapped buffers */
  private mapSgStep(ss: Session, id: number): FuzzStep {
    const n = Math.min(ss.nUnmapped, this.int(1, 4));
    const pool: Buf[] = objectArray();
    const live = ss.liveBufs;
    for (let i = 0; i < live.length; i++) if (live[i]!.map === null) pool.push(live[i]!);
    const entries: { buf: string; offset: number; length: number }[] = [];
    for (let i = 0; i < n; i++) {
      const j = Math.floor(this.rnd() * pool.length);
      const b = pool[j]!;
      pool.splice(j, 1);
      const off = this.rnd() < 0.5 ? 0 : this.int(0, b.size - 1);
      entries.push({ buf: b.name, offset: off, length: this.size(Math.min(this.maxSize, this.maxSeg(ss), b.size - off)) });
    }
    const st = this.mk(id, "dma_map_sg");
    st.as = `s${this.n++}`;
    st.entries = entries;
    const d = this.dir();
    st.dir = ss.k.dma_debug ? this.ruleDir(ss, d, entries.map((e) => ({ b: ss.bufs.get(e.buf)!, off: e.offset }))) : d;
    return st;
  }

  /**
   * device_read of a device-owned mapping it may read, most often where the device wrote: of DMA
   * segment ei, in one of the entries the segment covers (the segment's only one unless
   * dma_map_sg merged entries: then one more draw picks it), at that entry's offset there.
   */
  private deviceReadStep(ss: Session, id: number): FuzzStep {
    const m = this.pickReadable(ss);
    const ei = this.int(0, Generator.nSegs(m) - 1);
    const seg = m.segs !== null ? m.segs[ei]! : null;
    let at = 0;
    let e = m.ents[ei]!;
    if (seg !== null) {
      const p = seg.ents.length === 1 ? 0 : this.int(0, seg.ents.length - 1);
      e = seg.ents[p]!;
      at = seg.at[p]!;
    }
    let off: number;
    let len: number;
    if (e.overlay.length && this.rnd() < 0.7) {
      const wr = this.pick(e.overlay);
      off = wr.off + this.int(0, wr.data.length - 1);
      len = Math.max(1, Math.min(e.len - off, this.int(1, 128)));
    } else {
      this.readRange(e.baseUndef ? NO_HOT : e.buf.hot, e.off, e.off + e.len);
      off = this.rrOff;
      len = this.rrLen;
    }
    const st = this.stepMap(id, "device_read", m.name);
    st.offset = at + off;
    st.length = len;
    if (m.sg) st.entry = ei;
    return st;
  }

  /** Teardown at the end of an epoch: unmap everything, then free everything. */
  teardown(ss: Session, id: number): FuzzStep[] {
    const out: FuzzStep[] = [];
    for (const m of ss.liveMaps) out.push(stepMap(id++, m.sg ? "dma_unmap_sg" : m.single ? "dma_unmap_single" : "dma_unmap_page", m.name));
    for (const b of ss.liveBufs) out.push(stepBuf(id++, b.kind === "kmalloc" ? "kfree" : "__free_pages", b.name));
    return out;
  }
}

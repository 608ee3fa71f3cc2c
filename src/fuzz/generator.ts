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
import { type FuzzStep, mk, stepBuf, stepMap } from "./types.js";
import { type Buf, type MapRec, type Session } from "./session.js";
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
export const NO_HOT: readonly { off: number; len: number }[] = [];

export class Generator {
  private n = 0;
  constructor(
    private readonly rnd: () => number,
    private readonly maxBuffers: number,
    private readonly maxSize: number,
  ) {}

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
    const out = this.alloc(len);
    const base = this.int(0, 255);
    const si = this.int(0, 127);
    const run = STRIDE_RUNS[si]!;
    // (base + i*stride) & 0xff == run[(i + k) & 255] with k = base * stride^-1 mod 256
    const k = (base * STRIDE_INV[si]!) & 0xff;
    for (let i = 0; i < len; i += 256) {
      const n = Math.min(256, len - i);
      out.set(run.subarray(k, k + n), i);
    }
    return out;
  }

  private dataLen(max: number): number {
    const r = this.rnd();
    const cap = r < 0.7 ? 64 : r < 0.95 ? 1024 : 4096;
    return Math.max(1, Math.min(max, this.int(1, cap)));
  }

  /** A read range in [lo, hi), starting at a recently written (so probably defined) byte most of the time. */
  private readRange(hot: readonly { off: number; len: number }[], lo: number, hi: number): { off: number; len: number } {
    let off = -1;
    if (hot.length && this.rnd() < 0.8) {
      const h = this.pick(hot);
      const a = Math.max(lo, h.off);
      const z = Math.min(hi, h.off + h.len);
      if (a < z) off = this.int(a, z - 1);
    }
    if (off < 0) off = this.int(lo, hi - 1);
    const len = Math.max(1, Math.min(hi - off, this.rnd() < 0.8 ? this.int(1, 64) : this.int(1, 512)));
    return { off: off - lo, len };
  }

  /**
   * The DMA-API rules dma-debug checks, kept when it is on (CONFIG_DMA_API_DEBUG): two live
   * mappings that the device may write (not DMA_TO_DEVICE) never start in the same cacheline
   * (dma-debug tracks each one's first cacheline: an overlap is D19), so such a mapping is made
   * DMA_TO_DEVICE instead.
   */
  private ruleDir(ss: Session, dir: number, starts: readonly { b: Buf; off: number }[]): number {
    if (!ss.k.dma_debug || dir === DMA_TO_DEVICE) return dir;
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

  /** The next operation for a session's state (ids are filled by the caller). */
  // step data are views into 256 KiB slabs (an ArrayBuffer per write would cost more than the write)
  private slab = new Uint8Array(0);
  private slabAt = 0;
  private alloc(len: number): Uint8Array {
    if (len > 65536) return new Uint8Array(len);
    if (this.slabAt + len > this.slab.length) {
      this.slab = new Uint8Array(256 * 1024);
      this.slabAt = 0;
    }
    const v = this.slab.subarray(this.slabAt, this.slabAt + len);
    this.slabAt += len;
    return v;
  }

  // scratch lists, refilled on every call (no allocation per operation)
  private readonly unmapped: Buf[] = [];
  private readonly cpuBufs: Buf[] = [];
  private readonly devMaps: MapRec[] = [];
  private readonly cpuMaps: MapRec[] = [];
  private readonly writable: MapRec[] = [];
  private readonly w = new Float64Array(11);

  /** a random element of the first n of a */
  private pickN<T>(a: readonly T[], n: number): T {
    return a[Math.floor(this.rnd() * n)]!;
  }

  next(ss: Session, id: number): FuzzStep[] {
    const bufs = ss.liveBufs;
    const maps = ss.liveMaps;
    const unmappedL = this.unmapped;
    const cpuBufsL = this.cpuBufs;
    const devMapsL = this.devMaps;
    const cpuMapsL = this.cpuMaps;
    const writableL = this.writable;
    let nUnmapped = 0;
    let nCpuBufs = 0;
    let nDev = 0;
    let nCpu = 0;
    let nWritable = 0;
    for (let i = 0; i < bufs.length; i++) {
      const b = bufs[i]!;
      const m = b.map;
      if (m === null) {
        unmappedL[nUnmapped++] = b;
        cpuBufsL[nCpuBufs++] = b;
      } else if (!m.devOwned) cpuBufsL[nCpuBufs++] = b;
    }
    for (let i = 0; i < maps.length; i++) {
      const m = maps[i]!;
      if (m.devOwned) {
        devMapsL[nDev++] = m;
        if (m.dir !== DMA_TO_DEVICE) writableL[nWritable++] = m;
      } else cpuMapsL[nCpu++] = m;
    }
    const w = this.w;
    w[0] = bufs.length < this.maxBuffers ? (bufs.length < 4 ? 6 : 1.2) : 0; // alloc
    w[1] = nUnmapped ? (bufs.length > this.maxBuffers / 2 ? 1.5 : 0.6) : 0; // free
    w[2] = nUnmapped ? 2.5 : 0; // map single/page
    w[3] = nUnmapped ? 0.6 : 0; // map sg
    w[4] = maps.length ? 1.4 : 0; // unmap
    w[5] = nDev ? 1.5 : 0; // sync for cpu
    w[6] = nCpu ? 1 : 0; // sync for device
    w[7] = nWritable ? 3 : 0; // device write
    w[8] = nDev ? 1.5 : 0; // device read
    w[9] = nCpuBufs ? 3 : 0; // cpu write
    w[10] = nCpuBufs ? 3 : 0; // cpu read
    let total = 0;
    for (let i = 0; i < w.length; i++) total += w[i]!;
    let r = this.rnd() * total;
    let op = 0;
    while (op < w.length - 1 && r >= w[op]!) r -= w[op++]!;

    switch (op) {
      case 0: {
        const name = `b${this.n++}`;
        if (this.rnd() < 0.6) {
          const st = mk(id, "kmalloc");
          st.as = name;
          st.size = this.size(this.maxSize);
          return [st];
        }
        let order = 0;
        while (order < 6 && PAGE_SIZE << (order + 1) <= this.maxSize && this.rnd() < 0.45) order++;
        const st = mk(id, "alloc_pages");
        st.as = name;
        st.order = order;
        return [st];
      }
      case 1: {
        const b = this.pickN(unmappedL, nUnmapped);
        return [stepBuf(id, b.kind === "kmalloc" ? "kfree" : "__free_pages", b.name)];
      }
      case 2: {
        const b = this.pickN(unmappedL, nUnmapped);
        const off = this.rnd() < 0.5 ? 0 : this.int(0, b.size - 1);
        const size = this.size(Math.min(this.maxSize, b.size - off));
        const name = `m${this.n++}`;
        const st = mk(id, this.rnd() < 0.6 ? "dma_map_single" : "dma_map_page");
        st.as = name;
        st.buf = b.name;
        st.offset = off;
        st.size = size;
        st.dir = this.ruleDir(ss, this.dir(), [{ b, off }]);
        return [st, stepMap(id + 1, "dma_mapping_error", name)];
      }
      case 3: {
        const n = Math.min(nUnmapped, this.int(1, 4));
        const pool = unmappedL.slice(0, nUnmapped);
        const entries: { buf: string; offset: number; length: number }[] = [];
        for (let i = 0; i < n; i++) {
          const j = Math.floor(this.rnd() * pool.length);
          const b = pool[j]!;
          pool.splice(j, 1);
          const off = this.rnd() < 0.5 ? 0 : this.int(0, b.size - 1);
          entries.push({ buf: b.name, offset: off, length: this.size(Math.min(this.maxSize, this.maxSeg(ss), b.size - off)) });
        }
        const st = mk(id, "dma_map_sg");
        st.as = `s${this.n++}`;
        st.entries = entries;
        st.dir = this.ruleDir(ss, this.dir(), entries.map((e) => ({ b: ss.bufs.get(e.buf)!, off: e.offset })));
        return [st];
      }
      case 4: {
        const m = this.pick(maps);
        return [stepMap(id, m.sg ? "dma_unmap_sg" : m.single ? "dma_unmap_single" : "dma_unmap_page", m.name)];
      }
      case 5: {
        const m = this.pickN(devMapsL, nDev);
        return [stepMap(id, m.sg ? "dma_sync_sg_for_cpu" : "dma_sync_single_for_cpu", m.name)];
      }
      case 6: {
        const m = this.pickN(cpuMapsL, nCpu);
        return [stepMap(id, m.sg ? "dma_sync_sg_for_device" : "dma_sync_single_for_device", m.name)];
      }
      case 7: {
        const m = this.pickN(writableL, nWritable);
        const ei = this.int(0, m.ents.length - 1);
        const e = m.ents[ei]!;
        const len = this.dataLen(e.len);
        const off = this.int(0, e.len - len);
        const st = stepMap(id, "device_write", m.name);
        st.offset = off;
        st.data = this.data(len);
        if (m.sg) st.entry = ei;
        return [st];
      }
      case 8: {
        const m = this.pickN(devMapsL, nDev);
        const ei = this.int(0, m.ents.length - 1);
        const e = m.ents[ei]!;
        let off: number;
        let len: number;
        if (e.overlay.length && this.rnd() < 0.7) {
          const wr = this.pick(e.overlay);
          off = wr.off + this.int(0, wr.data.length - 1);
          len = Math.max(1, Math.min(e.len - off, this.int(1, 128)));
        } else {
          const rr = this.readRange(e.baseUndef ? NO_HOT : e.buf.hot, e.off, e.off + e.len);
          off = rr.off;
          len = rr.len;
        }
        const st = stepMap(id, "device_read", m.name);
        st.offset = off;
        st.length = len;
        if (m.sg) st.entry = ei;
        return [st];
      }
      case 9: {
        const b = this.pickN(cpuBufsL, nCpuBufs);
        const len = this.dataLen(b.size);
        const off = this.int(0, b.size - len);
        const st = stepBuf(id, "cpu_write", b.name);
        st.offset = off;
        st.data = this.data(len);
        return [st];
      }
      default: {
        const b = this.pickN(cpuBufsL, nCpuBufs);
        const rr = this.readRange(b.hot, 0, b.size);
        const st = stepBuf(id, "cpu_read", b.name);
        st.offset = rr.off;
        st.length = rr.len;
        return [st];
      }
    }
  }

  /** Teardown at the end of an epoch: unmap everything, then free everything. */
  teardown(ss: Session, id: number): FuzzStep[] {
    const out: FuzzStep[] = [];
    for (const m of ss.liveMaps) out.push(stepMap(id++, m.sg ? "dma_unmap_sg" : m.single ? "dma_unmap_single" : "dma_unmap_page", m.name));
    for (const b of ss.liveBufs) out.push(stepBuf(id++, b.kind === "kmalloc" ? "kfree" : "__free_pages", b.name));
    return out;
  }
}

/**
 * A write-back CPU data cache at cache-line granularity, for cacheable aliases.
 *
 * - CPU reads/writes through a cacheable mapping allocate lines (write-allocate); writes mark them
 *   dirty. Lines are never evicted on their own (an idealised, infinitely large cache): so the model
 *   is deterministic and a missing clean or invalidate always shows.
 * - Uncached / write-combine aliases bypass the cache entirely (and do not snoop it).
 * - A non-coherent device reads and writes RAM only; a coherent device snoops: its reads see dirty
 *   lines, its writes update RAM and drop the CPU's lines for those bytes.
 * - clean = write back dirty lines (keep them); invalidate = drop lines (dirty data is lost);
 *   flush = clean + invalidate. These are the arch cache-maintenance primitives.
 */
import type { PhysMem } from "./physmem.js";

export const L1_CACHE_SHIFT = 6;
export const L1_CACHE_BYTES = 64;

interface Line {
  data: Uint8Array;
  dirty: boolean;
}

export class Cache {
  private lines = new Map<number, Line>();
  constructor(readonly ram: PhysMem, readonly lineSize = L1_CACHE_BYTES) {}

  get size(): number {
    return this.lines.size;
  }

  private line(idx: number, fill: boolean): Line {
    let l = this.lines.get(idx);
    if (!l) {
      l = { data: fill ? this.ram.read(idx * this.lineSize, this.lineSize) : new Uint8Array(this.lineSize), dirty: false };
      this.lines.set(idx, l);
    }
    return l;
  }

  /** CPU read through a cacheable alias. */
  cpuRead(phys: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const ls = this.lineSize;
    let done = 0;
    while (done < len) {
      const p = phys + done;
      const idx = Math.floor(p / ls);
      const off = p - idx * ls;
      const n = Math.min(len - done, ls - off);
      const l = this.line(idx, true);
      out.set(l.data.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  /** CPU write through a cacheable alias (write-allocate, write-back). */
  cpuWrite(phys: number, data: Uint8Array) {
    const ls = this.lineSize;
    let done = 0;
    const len = data.length;
    while (done < len) {
      const p = phys + done;
      const idx = Math.floor(p / ls);
      const off = p - idx * ls;
      const n = Math.min(len - done, ls - off);
      const l = n === ls ? this.line(idx, false) : this.line(idx, true);
      l.data.set(data.subarray(done, done + n), off);
      l.dirty = true;
      done += n;
    }
  }

  /** What a coherent (snooping) observer sees: dirty lines win over RAM. */
  snoopRead(phys: number, len: number): Uint8Array {
    const out = this.ram.read(phys, len);
    if (this.lines.size === 0) return out;
    const ls = this.lineSize;
    for (let idx = Math.floor(phys / ls); idx * ls < phys + len; idx++) {
      const l = this.lines.get(idx);
      if (!l || !l.dirty) continue;
      const lineStart = idx * ls;
      const s = Math.max(phys, lineStart);
      const e = Math.min(phys + len, lineStart + ls);
      out.set(l.data.subarray(s - lineStart, e - lineStart), s - phys);
    }
    return out;
  }

  /** A coherent device write: RAM gets the bytes, CPU lines covering them are updated (snoop). */
  snoopWrite(phys: number, data: Uint8Array) {
    this.ram.write(phys, data);
    if (this.lines.size === 0) return;
    const ls = this.lineSize;
    for (let idx = Math.floor(phys / ls); idx * ls < phys + data.length; idx++) {
      const l = this.lines.get(idx);
      if (!l) continue;
      const lineStart = idx * ls;
      const s = Math.max(phys, lineStart);
      const e = Math.min(phys + data.length, lineStart + ls);
      l.data.set(data.subarray(s - phys, e - phys), s - lineStart);
    }
  }

  /** Lines touched by [phys, phys+len) that are present. */
  private each(phys: number, len: number, fn: (idx: number, l: Line) => void): number {
    if (this.lines.size === 0 || len <= 0) return 0;
    const ls = this.lineSize;
    let n = 0;
    const first = Math.floor(phys / ls);
    const last = Math.floor((phys + len - 1) / ls);
    if (last - first + 1 > this.lines.size * 4) {
      for (const [idx, l] of [...this.lines]) if (idx >= first && idx <= last) {
        fn(idx, l);
        n++;
      }
      return n;
    }
    for (let idx = first; idx <= last; idx++) {
      const l = this.lines.get(idx);
      if (l) {
        fn(idx, l);
        n++;
      }
    }
    return n;
  }

  /** Clean (write back) to the point of coherency. Returns lines written back. */
  clean(phys: number, len: number): number {
    let wb = 0;
    this.each(phys, len, (idx, l) => {
      if (l.dirty) {
        this.ram.write(idx * this.lineSize, l.data);
        l.dirty = false;
        wb++;
      }
    });
    return wb;
  }

  /** Invalidate: drop lines, losing dirty data (the arm64 DC IVAC / ARM v7 dmac_inv semantics). */
  invalidate(phys: number, len: number): number {
    const drop: number[] = [];
    const n = this.each(phys, len, (idx) => drop.push(idx));
    for (const i of drop) this.lines.delete(i);
    return n;
  }

  /** Clean + invalidate. */
  flush(phys: number, len: number): number {
    const n = this.clean(phys, len);
    this.invalidate(phys, len);
    return n;
  }

  /** Is any line of the range dirty? (for explanations) */
  dirtyIn(phys: number, len: number): boolean {
    let d = false;
    this.each(phys, len, (_i, l) => {
      if (l.dirty) d = true;
    });
    return d;
  }
}

/**
 * Physical memory: byte-accurate and sparse. A page frame costs host memory only once written;
 * unwritten RAM reads as zeros. Banks are the firmware's memory nodes (memblock.memory); anything
 * outside a bank is not RAM (a device access there is a bus error, a user access a SIGBUS).
 */
import { PAGE_SIZE, hex } from "../core/u64.js";

export interface Bank {
  start: number;
  size: number;
}

export interface Reserved {
  start: number;
  size: number;
  name: string;
}

/**
 * Page frames are views into slabs that start at 16 pages and double up to 256 pages (1 MiB): a
 * small ArrayBuffer per page costs microseconds in V8, and a short run must not pay for a big slab.
 */
const SLAB_FIRST = 16;
const SLAB_MAX = 256;

export class PhysMem {
  private pages = new Map<number, Uint8Array>();
  private slab: ArrayBuffer | null = null;
  private slabPages = 0;
  private slabNext = 0;
  readonly banks: Bank[];
  /** Highest pfn + 1 of RAM (max_pfn). */
  readonly max_pfn: number;
  readonly min_pfn: number;

  constructor(banks: Bank[]) {
    this.banks = [...banks].sort((a, b) => a.start - b.start);
    const last = this.banks[this.banks.length - 1]!;
    this.max_pfn = (last.start + last.size) / PAGE_SIZE;
    this.min_pfn = this.banks[0]!.start / PAGE_SIZE;
  }

  /** memblock_is_memory */
  isRam(phys: number): boolean {
    if (phys < 0) return false;
    for (const b of this.banks) if (phys >= b.start && phys < b.start + b.size) return true;
    return false;
  }

  /** Is the whole range RAM (every page)? */
  isRamRange(phys: number, len: number): boolean {
    if (len <= 0) return this.isRam(phys);
    for (const b of this.banks) if (phys >= b.start && phys + len <= b.start + b.size) return true;
    // may straddle banks: check page by page
    for (let p = Math.floor(phys / PAGE_SIZE) * PAGE_SIZE; p < phys + len; p += PAGE_SIZE) if (!this.isRam(p)) return false;
    return true;
  }

  totalRam(): number {
    return this.banks.reduce((s, b) => s + b.size, 0);
  }

  /** Number of host pages actually backing simulated memory. */
  residentPages(): number {
    return this.pages.size;
  }

  private page(pfn: number, create: boolean): Uint8Array | undefined {
    let p = this.pages.get(pfn);
    if (!p && create) {
      if (this.slabNext === this.slabPages) {
        this.slabPages = this.slabPages === 0 ? SLAB_FIRST : Math.min(SLAB_MAX, this.slabPages * 2);
        this.slab = new ArrayBuffer(this.slabPages * PAGE_SIZE);
        this.slabNext = 0;
      }
      p = new Uint8Array(this.slab!, PAGE_SIZE * this.slabNext++, PAGE_SIZE);
      this.pages.set(pfn, p);
    }
    return p;
  }

  /** Raw read of RAM (no cache). Caller has checked isRam. */
  read(phys: number, len: number, out?: Uint8Array, outOff = 0): Uint8Array {
    const dst = out ?? new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const p = phys + done;
      const pfn = Math.floor(p / PAGE_SIZE);
      const off = p - pfn * PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - off);
      const pg = this.pages.get(pfn);
      if (pg) dst.set(pg.subarray(off, off + n), outOff + done);
      else dst.fill(0, outOff + done, outOff + done + n);
      done += n;
    }
    return dst;
  }

  /** Raw write of RAM (no cache). */
  write(phys: number, data: Uint8Array, from = 0, len = data.length - from) {
    let done = 0;
    while (done < len) {
      const p = phys + done;
      const pfn = Math.floor(p / PAGE_SIZE);
      const off = p - pfn * PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - off);
      // no subarray (an object allocation) when the whole source goes to one page
      this.page(pfn, true)!.set(from + done === 0 && n === data.length ? data : data.subarray(from + done, from + done + n), off);
      done += n;
    }
  }

  fill(phys: number, value: number, len: number) {
    let done = 0;
    while (done < len) {
      const p = phys + done;
      const pfn = Math.floor(p / PAGE_SIZE);
      const off = p - pfn * PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - off);
      const pg = this.page(pfn, value !== 0);
      if (pg) pg.fill(value, off, off + n);
      done += n;
    }
  }

  /** RAM-to-RAM copy (memcpy between two physical ranges; overlapping ranges go through a copy). */
  copy(dst: number, src: number, len: number) {
    if (Math.abs(dst - src) < len) {
      this.write(dst, this.read(src, len));
      return;
    }
    let done = 0;
    while (done < len) {
      const sp = src + done;
      const dp = dst + done;
      const spfn = Math.floor(sp / PAGE_SIZE);
      const dpfn = Math.floor(dp / PAGE_SIZE);
      const soff = sp - spfn * PAGE_SIZE;
      const doff = dp - dpfn * PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - soff, PAGE_SIZE - doff);
      const s = this.pages.get(spfn);
      if (s) this.page(dpfn, true)!.set(n === PAGE_SIZE ? s : s.subarray(soff, soff + n), doff);
      else this.pages.get(dpfn)?.fill(0, doff, doff + n);
      done += n;
    }
  }

  describe(phys: number): string {
    return this.isRam(phys) ? `RAM ${hex(phys)}` : `not RAM ${hex(phys)}`;
  }
}

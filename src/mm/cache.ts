/**
 * A write-back CPU data cache at cache-line granularity, for cacheable aliases.
 *
 * - CPU reads/writes through a cacheable mapping allocate lines (write-allocate); writes mark them
 *   dirty. Lines are never evicted on their own (an idealised, infinitely large cache): so the model
 *   is deterministic and a missing clean or invalidate always shows. A frame whose lines are all
 *   clean and identical to RAM keeps no copy of its own until RAM or the CPU changes it (Frame.shared):
 *   a long run's memory stays bounded, and every line still reads what it would have kept.
 * - Uncached / write-combine aliases bypass the cache entirely (and do not snoop it).
 * - A non-coherent device reads and writes RAM only; a coherent device snoops: its reads see dirty
 *   lines, its writes update RAM and drop the CPU's lines for those bytes.
 * - clean = write back dirty lines (keep them); invalidate = drop lines (dirty data is lost);
 *   flush = clean + invalidate. These are the arch cache-maintenance primitives.
 *
 * Storage: lines are kept per 4 KiB frame — one 4 KiB buffer plus a state byte per line (absent,
 * clean, dirty) — so a page-sized access is one lookup and one copy instead of 64 line objects.
 * The semantics are those of independent lines.
 */
import { F64_ZERO } from "../core/u64.js";
import type { PhysMem } from "./physmem.js";

export const L1_CACHE_SHIFT = 6;
export const L1_CACHE_BYTES = 64;

const FRAME = 4096;
const ABSENT = 0;
const CLEAN = 1;
const DIRTY = 2;

/** The cached lines of one 4 KiB frame. */
interface Frame {
  /** line contents (meaningful where the line is present): buf[base .. base + 4096) */
  buf: Uint8Array;
  base: number;
  /**
   * per line: ABSENT, CLEAN or DIRTY; null while every line has the same state, which the counts
   * then give (n 0: all absent; nd lpf: all dirty; else all clean) — a frame a whole-page copy
   * filled or wrote keeps no array (stOf makes one when a line is to differ)
   */
  st: Uint8Array | null;
  /** present lines */
  n: number;
  /** dirty lines */
  nd: number;
  /**
   * No copy of its own: every present line is clean and holds what RAM holds (`buf` is empty).
   * The frame takes a copy of RAM's page (own) before RAM changes under it (PhysMem.watcher) and
   * before the CPU touches it, so a clean line keeps its bytes exactly as a kept copy would.
   */
  shared: boolean;
}

const EMPTY = new Uint8Array(0);

/**
 * An empty array that holds objects from the start: a fresh `[]` has small-integer elements and
 * changes its hidden class on its first object, which deoptimised the code compiled before that
 * (Cache.frame, presentScan, invalidate: one recompile each per process). `slice` keeps its
 * source's elements kind.
 */
function objectArray<T>(): T[] {
  return [null as T].slice(1);
}

/**
 * Frames the cache keeps copies for before it looks for clean frames identical to RAM (sweep): a
 * short run never sweeps; a long one keeps about this many copies however many lines it caches.
 */
const SWEEP_MIN = 2048;

/**
 * Frame buffers are 4 KiB windows of slabs that start at 16 frames and double up to 1024 frames
 * (4 MiB; a sweep's spare windows are reused before a new slab is made), and are recycled when a
 * frame's last line is invalidated or a sweep shares it: allocating a small
 * ArrayBuffer per frame costs microseconds in V8, a short run (one matrix cell) must not pay for
 * a big slab, and copies between frames of one slab are a copyWithin.
 */
const SLAB_FIRST = 16;
const SLAB_MAX = 1024;

/**
 * Slabs of caches whose model is done (Cache.release): the next model's window() takes them before
 * it makes a new one. A window's stale bytes are never read (a line is read only once present, and
 * it is filled or written when it becomes present), so a recycled slab needs no clearing. The
 * fuzzer boots a model per epoch, and each epoch's cache made ~1,700 frames of fresh memory
 * (~6.5 MiB, a page fault per 4 KiB on first touch). At most FREE_MAX_FRAMES frames are kept.
 */
const freeSlabs: Uint8Array[] = [];
let freeFrames = 0;
const FREE_MAX_FRAMES = 4 * SLAB_MAX;

export class Cache {
  private frames = new Map<number, Frame>();
  private spare: { buf: Uint8Array; base: number }[] = objectArray();
  private slab: Uint8Array | null = null;
  /** every slab this cache took (release) */
  private slabs: Uint8Array[] = objectArray();
  private slabFrames = 0;
  private slabNext = 0;
  private nlines = 0;
  /** dirty lines, all frames (fast exits for clean / snoopRead / dirtyIn) */
  private ndirty = 0;
  private readonly lpf: number;
  private readonly shift: number;
  /** frames without a copy of their own (Frame.shared) */
  private nshared = 0;
  /** frames with a copy at which the next sweep runs */
  private sweepAt: number;
  private scratch: Uint8Array | null = null;
  /**
   * A machine where every DMA master snoops (x86: no ARCH_HAS_SYNC_DMA_*) cannot observe its CPU
   * caches: a cacheable access then behaves exactly like an access to RAM, and the model keeps no
   * lines (`transparent`). Non-coherent platforms keep the full write-back model.
   */
  transparent = false;

  /** `sweepMin`: frames with a copy before the first sweep (SWEEP_MIN; tests use small values) */
  constructor(readonly ram: PhysMem, readonly lineSize = L1_CACHE_BYTES, private readonly sweepMin = SWEEP_MIN) {
    this.sweepAt = sweepMin;
    if (lineSize <= 0 || FRAME % lineSize !== 0 || (lineSize & (lineSize - 1)) !== 0) throw new RangeError(`cache line size ${lineSize} must be a power of two dividing ${FRAME}`);
    this.lpf = FRAME / lineSize;
    this.shift = Math.log2(lineSize);
  }

  /** Lines present. */
  get size(): number {
    return this.nlines;
  }

  private frame(fn: number): Frame {
    let f = this.frames.get(fn);
    if (!f) {
      const w = this.spare.pop() ?? this.window();
      f = { buf: w.buf, base: w.base, st: null, n: 0, nd: 0, shared: false };
      this.frames.set(fn, f);
    } else if (f.shared) this.own(f, fn);
    return f;
  }

  /**
   * The frame's per-line states, made from its counts while they are all the same (Frame.st). (Both
   * counts are read and compared before the choice: a read or compare that only some frames reach
   * had no type feedback when V8 optimised the callers this is inlined into, and deoptimised them.)
   */
  private stOf(f: Frame): Uint8Array {
    if (f.st === null) {
      const none = f.n === 0;
      const clean = f.nd === 0;
      f.st = new Uint8Array(this.lpf).fill(none ? ABSENT : clean ? CLEAN : DIRTY);
    }
    return f.st;
  }

  /** Give a shared frame its own copy of its lines: RAM's page as it is now. */
  private own(f: Frame, fn: number) {
    const w = this.spare.pop() ?? this.window();
    f.buf = w.buf;
    f.base = w.base;
    f.shared = false;
    if (--this.nshared === 0) this.ram.watcher = null;
    this.ram.read(fn * FRAME, FRAME, f.buf, f.base);
  }

  /** PhysMem.watcher: RAM is about to change in [phys, phys+len): shared frames there take their copy first. */
  ramWillChange(phys: number, len: number) {
    if (this.nshared === 0 || len <= 0) return;
    const f0 = Math.floor(phys / FRAME);
    const f1 = Math.floor((phys + len - 1) / FRAME);
    if (f1 - f0 + 1 > this.frames.size) {
      for (const [n, f] of this.frames) if (f.shared && n >= f0 && n <= f1) this.own(f, n);
    } else
      for (let n = f0; n <= f1; n++) {
        const f = this.frames.get(n);
        if (f !== undefined && f.shared) this.own(f, n);
      }
  }

  /**
   * Frames whose every present line is clean and byte-identical to RAM give their copy back (an
   * identical copy is the same state); called only between operations, when no frame is in use.
   */
  private sweep() {
    if (this.lineSize < 4) {
      this.sweepAt = Infinity; // (no machine has such lines; the word compare below needs 4 bytes)
      return;
    }
    const scratch = (this.scratch ??= new Uint8Array(FRAME));
    const s32 = new Int32Array(scratch.buffer, scratch.byteOffset, FRAME / 4);
    const w = this.lineSize / 4; // 32-bit words per line (lines are ≥ 4 bytes, windows 4 KiB-aligned)
    // this sweep's 32-bit views of the slabs, one per slab (a local: the boot cache's deepClone copies the Cache)
    const views = new Map<Uint8Array, Int32Array>();
    for (const [n, f] of this.frames) {
      if (f.shared || f.nd !== 0) continue;
      this.ram.read(n * FRAME, FRAME, scratch, 0);
      const st = f.st;
      const buf = f.buf;
      // the slab's words (one view per slab, not one per frame); the frame's start at o
      let b32 = views.get(buf);
      if (b32 === undefined) views.set(buf, (b32 = new Int32Array(buf.buffer, buf.byteOffset, buf.length >> 2)));
      const o = f.base >> 2;
      let same = true;
      for (let l = 0; l < this.lpf && same; l++) {
        if (st === null ? f.n === 0 : st[l] === ABSENT) continue;
        for (let i = l * w, e = i + w; i < e; i++)
          if (b32[o + i] !== s32[i]) {
            same = false;
            break;
          }
      }
      if (!same) continue;
      const base = f.base;
      this.spare.push({ buf, base });
      f.buf = EMPTY;
      f.base = 0;
      f.shared = true;
      this.nshared++;
    }
    if (this.nshared > 0) this.ram.watcher = this;
    this.sweepAt = Math.max(this.sweepMin, 2 * (this.frames.size - this.nshared));
  }

  private window(): { buf: Uint8Array; base: number } {
    if (this.slabNext === this.slabFrames) {
      const r = freeSlabs.pop();
      if (r !== undefined) {
        freeFrames -= r.length / FRAME;
        this.slabFrames = r.length / FRAME;
        this.slab = r;
      } else {
        this.slabFrames = this.slabFrames === 0 ? SLAB_FIRST : Math.min(SLAB_MAX, this.slabFrames * 2);
        this.slab = new Uint8Array(this.slabFrames * FRAME);
      }
      this.slabs.push(this.slab);
      this.slabNext = 0;
    }
    return { buf: this.slab!, base: FRAME * this.slabNext++ };
  }

  /**
   * This model is done (its caller keeps no reference to anything in it): its slabs go to the next
   * model's cache (see freeSlabs), and it forgets every line, so a stray later access fills fresh
   * windows from RAM — never another model's.
   */
  release(): void {
    for (const b of this.slabs) {
      const n = b.length / FRAME;
      if (freeFrames + n > FREE_MAX_FRAMES) continue;
      freeSlabs.push(b);
      freeFrames += n;
    }
    this.slabs = objectArray();
    this.frames = new Map();
    this.spare = objectArray();
    this.slab = null;
    this.slabFrames = 0;
    this.slabNext = 0;
    this.nlines = 0;
    this.ndirty = 0;
    this.nshared = 0;
    this.sweepAt = this.sweepMin;
    if (this.ram.watcher === this) this.ram.watcher = null;
  }

  /**
   * Make lines [first, last] of a frame present, filling absent ones from RAM. A frame with no
   * line present and no state array (Frame.st) that is filled whole keeps none (st null): its one
   * run goes through the same read and counts as any run. (Not a branch of its own: its first
   * whole-frame fill came after V8 had optimised this function on partial fills, and its property
   * accesses, never run, deoptimised it — "insufficient type feedback", every fuzz run's first
   * 50,000 operations.)
   */
  private fill(f: Frame, fn: number, first: number, last: number) {
    const lpf = this.lpf;
    if (f.n === lpf) return;
    const ls = this.lineSize;
    const st0 = f.st;
    const whole = last - first === lpf - 1; // (on every call, not only when st0 is null: the same)
    // (st0 null and f.n < lpf: every line absent)
    const st = st0 === null && whole ? null : this.stOf(f);
    for (let l = first; l <= last; l++) {
      let e = last;
      if (st !== null) {
        if (st[l] !== ABSENT) continue;
        e = l;
        while (e < last && st[e + 1] === ABSENT) e++;
        st.fill(CLEAN, l, e + 1);
      }
      this.ram.read(fn * FRAME + l * ls, (e - l + 1) * ls, f.buf, f.base + l * ls);
      f.n += e - l + 1;
      this.nlines += e - l + 1;
      l = e;
    }
  }

  /** CPU read through a cacheable alias. */
  cpuRead(phys: number, len: number): Uint8Array {
    if (this.transparent) return this.ram.read(phys, len);
    return this.cpuReadInto(phys, len, new Uint8Array(len), 0);
  }

  /** cpuRead into out[at .. at + len) (a caller assembling a longer read passes its own array); returns out. */
  cpuReadInto(phys: number, len: number, out: Uint8Array, at: number): Uint8Array {
    if (this.transparent) return this.ram.read(phys, len, out, at);
    if (this.frames.size - this.nshared >= this.sweepAt) this.sweep();
    let done = 0;
    while (done < len) {
      const p = phys + done;
      const fn = Math.floor(p / FRAME);
      const off = p - fn * FRAME;
      const n = Math.min(len - done, FRAME - off);
      const f = this.frame(fn);
      this.fill(f, fn, off >> this.shift, (off + n - 1) >> this.shift);
      const b = f.buf;
      const s = f.base + off;
      // a descriptor word (an io-pgtable PTE half): a byte loop, no subarray object per read
      if (n <= 16) for (let i = 0, o = at + done; i < n; i++) out[o + i] = b[s + i]!;
      else out.set(b.subarray(s, s + n), at + done);
      done += n;
    }
    return out;
  }

  /** CPU write through a cacheable alias (write-allocate, write-back). */
  cpuWrite(phys: number, data: Uint8Array) {
    if (this.transparent) this.ram.write(phys, data);
    else this.cpuWriteLines(phys, data);
  }

  /** cpuWrite through the modelled lines (out of line: the transparent case stays small enough for V8 to inline) */
  private cpuWriteLines(phys: number, data: Uint8Array) {
    if (this.frames.size - this.nshared >= this.sweepAt) this.sweep();
    const len = data.length;
    const ls = this.lineSize;
    let done = 0;
    while (done < len) {
      const p = phys + done;
      const fn = Math.floor(p / FRAME);
      const off = p - fn * FRAME;
      const n = Math.min(len - done, FRAME - off);
      const f = this.frame(fn);
      const first = off >> this.shift;
      const last = (off + n - 1) >> this.shift;
      // a line only partly written must be filled first; a fully written one need not be
      if (off & (ls - 1)) this.fill(f, fn, first, first);
      if ((off + n) & (ls - 1)) this.fill(f, fn, last, last);
      f.buf.set(n === len ? data : data.subarray(done, done + n), f.base + off);
      this.dirty(f, first, last);
      done += n;
    }
  }

  // The present frames a maintenance or snoop operation visits (no closure, no tuple per frame):
  // present() fills hitN/hitF and remembers the range for lineLo/lineHi.
  private readonly hitN: number[] = [];
  private readonly hitF: Frame[] = objectArray();
  private rf0 = 0;
  private rf1 = 0;
  private rp = F64_ZERO; // (an address and a length: F64_ZERO, src/core/u64.ts)
  private rlen = F64_ZERO;

  /** Present frames overlapping [phys, phys+len) into hitN/hitF; returns how many. */
  private present(phys: number, len: number): number {
    if (this.nlines === 0 || len <= 0) return 0;
    return this.presentScan(phys, len);
  }

  /** present() past its no-lines exit (out of line: that exit is every coherent device access on x86) */
  private presentScan(phys: number, len: number): number {
    const f0 = Math.floor(phys / FRAME);
    const f1 = Math.floor((phys + len - 1) / FRAME);
    this.rf0 = f0;
    this.rf1 = f1;
    this.rp = phys;
    this.rlen = len;
    const hn = this.hitN;
    const hf = this.hitF;
    let c = 0;
    if (f1 - f0 + 1 > this.frames.size * 4) {
      for (const [n, f] of this.frames)
        if (n >= f0 && n <= f1) {
          hn[c] = n;
          hf[c++] = f;
        }
    } else
      for (let n = f0; n <= f1; n++) {
        const f = this.frames.get(n);
        if (f) {
          hn[c] = n;
          hf[c++] = f;
        }
      }
    return c;
  }

  /** First / last line of frame n inside the range given to present(). */
  private lineLo(n: number): number {
    return n === this.rf0 ? (this.rp - n * FRAME) >> this.shift : 0;
  }
  private lineHi(n: number): number {
    return n === this.rf1 ? (this.rp + this.rlen - 1 - n * FRAME) >> this.shift : this.lpf - 1;
  }

  /** What a coherent (snooping) observer sees: dirty lines win over RAM (in `into`[0 .. len) when given). */
  snoopRead(phys: number, len: number, into?: Uint8Array): Uint8Array {
    const out = this.ram.read(phys, len, into, 0);
    if (this.ndirty === 0) return out;
    const ls = this.lineSize;
    const c = this.present(phys, len);
    for (let i = 0; i < c; i++) {
      const f = this.hitF[i]!;
      if (f.nd === 0) continue;
      const n = this.hitN[i]!;
      const base = n * FRAME;
      const st = this.stOf(f);
      for (let l = this.lineLo(n), z = this.lineHi(n); l <= z; l++) {
        if (st[l] !== DIRTY) continue;
        const s = Math.max(phys, base + l * ls);
        const e = Math.min(phys + len, base + (l + 1) * ls);
        out.set(f.buf.subarray(f.base + s - base, f.base + e - base), s - phys);
      }
    }
    return out;
  }

  /**
   * CPU memcpy between two cacheable ranges (memcpy through the linear map, as swiotlb_bounce
   * does): the same as cpuWrite(dst, cpuRead(src, len)), without an intermediate buffer.
   */
  cpuCopy(dst: number, src: number, len: number) {
    if (this.transparent) this.ram.copy(dst, src, len);
    else this.cpuCopyLines(dst, src, len);
  }

  /** cpuCopy through the modelled lines (out of line: the transparent case stays small enough for V8 to inline) */
  private cpuCopyLines(dst: number, src: number, len: number) {
    if (len <= 0) return;
    if (Math.abs(dst - src) < len) {
      this.cpuWrite(dst, this.cpuRead(src, len));
      return;
    }
    if (this.frames.size - this.nshared >= this.sweepAt) this.sweep();
    const ls = this.lineSize;
    let done = 0;
    while (done < len) {
      const sp = src + done;
      const dp = dst + done;
      const sfn = Math.floor(sp / FRAME);
      const dfn = Math.floor(dp / FRAME);
      const soff = sp - sfn * FRAME;
      const doff = dp - dfn * FRAME;
      const n = Math.min(len - done, FRAME - soff, FRAME - doff);
      const sf = this.frame(sfn);
      this.fill(sf, sfn, soff >> this.shift, (soff + n - 1) >> this.shift);
      const df = sfn === dfn ? sf : this.frame(dfn);
      const first = doff >> this.shift;
      const last = (doff + n - 1) >> this.shift;
      if (doff & (ls - 1)) this.fill(df, dfn, first, first);
      if ((doff + n) & (ls - 1)) this.fill(df, dfn, last, last);
      if (sf.buf === df.buf) df.buf.copyWithin(df.base + doff, sf.base + soff, sf.base + soff + n);
      else df.buf.set(sf.buf.subarray(sf.base + soff, sf.base + soff + n), df.base + doff);
      this.dirty(df, first, last);
      done += n;
    }
  }

  /**
   * Mark lines [first, last] of a frame present and dirty. One loop for every range, the whole
   * frame included: a whole-frame branch of its own (st.fill and the counters) was taken first by
   * the first page-sized CPU write or copy, usually after V8 had optimised this function on partial
   * writes, and that deoptimised it ("insufficient type feedback": fuzz seeds 11-13, each in its
   * first 50k operations). The same held for the frame without a state array written whole (its
   * counters), until they too were made on every call (below).
   */
  private dirty(f: Frame, first: number, last: number) {
    const lpf = this.lpf;
    const st0 = f.st;
    const n0 = f.n;
    const nd0 = f.nd;
    // every line, all in one state (Frame.st): all dirty, still one state (no array). Its counts are
    // made here on every call, not in a branch of its own: that branch's operations, never run
    // before V8 optimised this function, deoptimised it ("insufficient type feedback")
    const wholeAbsent = lpf - n0;
    const wholeNotDirty = lpf - nd0;
    const whole = last - first === lpf - 1;
    const st = st0 === null && whole ? null : this.stOf(f);
    let absent = 0;
    let notDirty = 0;
    if (st === null) {
      absent = wholeAbsent;
      notDirty = wholeNotDirty;
    } else
      for (let l = first; l <= last; l++) {
        const s = st[l];
        if (s !== DIRTY) {
          notDirty++;
          if (s === ABSENT) absent++;
          st[l] = DIRTY;
        }
      }
    f.n = n0 + absent;
    f.nd = nd0 + notDirty;
    this.nlines += absent;
    this.ndirty += notDirty;
  }

  /** A coherent device write: RAM gets the bytes, CPU lines covering them are updated (snoop). */
  snoopWrite(phys: number, data: Uint8Array) {
    this.ram.write(phys, data);
    if (this.nlines !== 0) this.snoopWriteLines(phys, data);
  }

  /** snoopWrite's update of the CPU lines present (out of line: with none, the common case on x86, the write stays small enough for V8 to inline) */
  private snoopWriteLines(phys: number, data: Uint8Array) {
    const ls = this.lineSize;
    const len = data.length;
    const c = this.present(phys, len);
    for (let i = 0; i < c; i++) {
      const f = this.hitF[i]!;
      const n = this.hitN[i]!;
      const base = n * FRAME;
      const st = this.stOf(f);
      for (let l = this.lineLo(n), z = this.lineHi(n); l <= z; l++) {
        if (st[l] === ABSENT) continue;
        if (f.shared) this.own(f, n); // (RAM's watcher has already done it)
        const s = Math.max(phys, base + l * ls);
        const e = Math.min(phys + len, base + (l + 1) * ls);
        f.buf.set(data.subarray(s - phys, e - phys), f.base + s - base);
      }
    }
  }

  /** Clean (write back) to the point of coherency. Returns lines written back. */
  clean(phys: number, len: number): number {
    if (this.ndirty === 0) return 0;
    let wb = 0;
    const ls = this.lineSize;
    const c = this.present(phys, len);
    for (let i = 0; i < c; i++) {
      const f = this.hitF[i]!;
      if (f.nd === 0) continue;
      const n = this.hitN[i]!;
      const st = this.stOf(f);
      for (let l = this.lineLo(n), z = this.lineHi(n); l <= z; l++) {
        if (st[l] !== DIRTY) continue;
        let e = l;
        while (e < z && st[e + 1] === DIRTY) e++;
        this.ram.write(n * FRAME + l * ls, f.buf, f.base + l * ls, (e - l + 1) * ls);
        st.fill(CLEAN, l, e + 1);
        f.nd -= e - l + 1;
        wb += e - l + 1;
        l = e;
      }
    }
    this.ndirty -= wb;
    return wb;
  }

  /** Invalidate: drop lines, losing dirty data (the arm64 DC IVAC / ARM v7 dmac_inv semantics). */
  invalidate(phys: number, len: number): number {
    let dropped = 0;
    const c = this.present(phys, len);
    for (let i = 0; i < c; i++) {
      const f = this.hitF[i]!;
      const n = this.hitN[i]!;
      const a = this.lineLo(n);
      const z = this.lineHi(n);
      if (a === 0 && z === this.lpf - 1) {
        // the whole frame
        dropped += f.n;
        this.ndirty -= f.nd;
        f.n = f.nd = 0;
      } else {
        const st = this.stOf(f);
        for (let l = a; l <= z; l++) {
          const s = st[l];
          if (s === ABSENT) continue;
          if (s === DIRTY) {
            f.nd--;
            this.ndirty--;
          }
          st[l] = ABSENT;
          f.n--;
          dropped++;
        }
      }
      if (f.n === 0) {
        if (!f.shared) this.spare.push({ buf: f.buf, base: f.base });
        else if (--this.nshared === 0) this.ram.watcher = null;
        this.frames.delete(n);
      }
    }
    this.nlines -= dropped;
    return dropped;
  }

  /** Clean + invalidate. */
  flush(phys: number, len: number): number {
    const n = this.clean(phys, len);
    this.invalidate(phys, len);
    return n;
  }

  /** Is any line of the range dirty? (for explanations) */
  dirtyIn(phys: number, len: number): boolean {
    if (this.ndirty === 0) return false;
    const c = this.present(phys, len);
    for (let i = 0; i < c; i++) {
      const f = this.hitF[i]!;
      if (f.nd === 0) continue;
      const n = this.hitN[i]!;
      const st = this.stOf(f);
      for (let l = this.lineLo(n), z = this.lineHi(n); l <= z; l++) if (st[l] === DIRTY) return true;
    }
    return false;
  }
}

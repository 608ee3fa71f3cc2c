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
 * [start, start + size) cut out of a list of ranges (banks, reservations): a range it overlaps keeps the parts
 * before and after it (with its other fields), the rest are kept as they are — mm/memblock.c memblock_remove_range's
 * effect on a region list, written once for memblock.reserved, dom0's banks and the linear map's banks.
 */
export function cutRange<T extends Bank>(list: readonly T[], start: number, size: number): T[] {
  const end = start + size;
  const out: T[] = [];
  for (const r of list) {
    const rEnd = r.start + r.size;
    if (rEnd <= start || r.start >= end) out.push(r);
    else {
      if (r.start < start) out.push({ ...r, start: r.start, size: start - r.start });
      if (rEnd > end) out.push({ ...r, start: end, size: rEnd - end });
    }
  }
  return out;
}

/**
 * Page frames are views into slabs that start at 16 pages and double up to 256 pages (1 MiB): a
 * small ArrayBuffer per page costs microseconds in V8, and a short run must not pay for a big slab.
 */
const SLAB_FIRST = 16;
const SLAB_MAX = 256;

/**
 * The frame directory: pfn → frame in two levels, chunks of 1024 pfns (4 MiB of RAM) under a
 * directory array that spans the banks (a Map lookup per access was a fifth of a bounced map/unmap
 * pair). Pfns outside the span (none, for callers that checked isRam) go to a Map.
 */
const CHUNK = 1024;
const CHUNK_SHIFT = 10;
/** Largest directory kept as an array (2^18 chunks = 1 TiB of span); above, every pfn uses the Map. */
const DIR_MAX = 1 << 18;
/** Copies of at most this many bytes go byte by byte (a subarray view costs more than the loop). */
const SMALL = 16;

type Chunk = (Uint8Array | undefined)[];

/**
 * Full-size slabs of models that are done (PhysMem.release): the next model's page() takes them,
 * zeroed, before it asks V8 for a new ArrayBuffer. A run that boots model after model (the fuzzer's
 * epochs) then stops making V8 collect for external memory. At most FREE_MAX are kept (64 MiB).
 * Only the pages a slab handed out (SlabMem.used) are zeroed: the rest are zeros still, and host
 * memory never touched (a fill of the whole slab made every page of it fresh memory, a page fault
 * each on first touch).
 */
const freeSlabs: SlabMem[] = [];
const FREE_MAX = 64;
/**
 * The small slabs (SLAB_FIRST .. SLAB_MAX / 2 pages) of models that are done, by size (index
 * log2(pages / SLAB_FIRST)): every model starts with them, and a new one is fresh memory. At most
 * FREE_SMALL_MAX of each size are kept.
 */
const freeSmall: SlabMem[][] = Array.from({ length: Math.log2(SLAB_MAX / SLAB_FIRST) }, () => []);
const FREE_SMALL_MAX = 4;

/**
 * Host memory that malloc gives back to the kernel costs a page fault per 4 KiB when it is used
 * again (≈ 10.5 µs each on a Firecracker VM). glibc's malloc keeps at most 128 KiB free at the top
 * of a heap (M_TRIM_THRESHOLD) and gives the rest back at every free — and the engine's frames, the
 * cache's windows, an operation's buffers and V8's compiler zones (per thread) are malloc'd and
 * freed by the megabyte: `dmasim fuzz --steps 50000` took ≈ 22.5k faults, 5k of them on memory
 * glibc had just returned. glibc raises both thresholds when a block it mmap'd is freed (its
 * dynamic threshold: mmap threshold = that block's size, trim threshold twice that, for blocks up
 * to 32 MiB). So the engine, when loaded, makes one MALLOC_NUDGE ArrayBuffer and drops it: V8
 * callocs it (glibc mmaps it, untouched: one page fault), frees it at its first scavenge, and from
 * then on glibc keeps up to 16 MiB free per heap. Nothing else depends on it (results are the
 * same with or without); other C libraries ignore it (Linux only: elsewhere it is not made).
 */
const MALLOC_NUDGE = 8 << 20;
if ((globalThis as { process?: { platform?: string } }).process?.platform === "linux") void new ArrayBuffer(MALLOC_NUDGE);

/** A slab's bytes: [off, off + pages) of `buf`, an arena piece (`aligned`, full-size only) or an ArrayBuffer of its own. */
interface SlabMem {
  buf: ArrayBuffer;
  off: number;
  aligned: boolean;
  /** pages in it (SLAB_MAX for a full-size slab) */
  pages: number;
  /** pages [0, used) may hold bytes (handed out as frames); the rest are zeros */
  used: number;
}

/**
 * A big model's frames live in arenas: each the buffer of a WebAssembly.Memory, which starts on a
 * host page boundary, so every frame in it (4 KiB at a multiple of 4096) starts on a 64-byte cache
 * line, and any two such frames are aligned alike. An ArrayBuffer's bytes start wherever malloc puts
 * them (16-byte aligned only), and the host's memmove between two frames whose addresses differ in
 * their low six bits runs at half speed or less (rep movsb; on the 2-core bench machine, 4 KiB there
 * and back between a buffer and a 64 MiB pool: 181–210 ns relatively aligned, 232–483 ns 16, 32 or
 * 48 bytes apart): a bounce copy ran as fast as malloc's placement of its two slabs made it.
 *
 * Only models that back more than ALIGN_AFTER full slabs move there (alignAll, once: every frame is
 * copied into arena pieces, as the copies must be aligned alike at both ends): V8 counts an arena as
 * external memory until a full GC, and arenas for every model made the bundled matrix (3,330 short
 * runs, at most 5 full slabs each) ~10 % slower in CPU (14–23 Mark-Compacts instead of 3–7). A fuzz
 * epoch backs at most 6, the rss_8g_mb child 16, the 100k-step receive loop of run_100k 33 (moving it
 * raised its peak RSS from ~245 to ~262 MB: both copies live until a full GC); the 64 MiB swiotlb pool
 * of the bench's bouncing cases 64. Eight slabs an arena: each WebAssembly.Memory reserves a guard region of address space.
 * Where WebAssembly is missing or refuses, the model stays where it is.
 */
export const ALIGN_AFTER = 48;
const ARENA_BYTES = 8 * SLAB_MAX * PAGE_SIZE;
let arena: ArrayBuffer | null = null;
let arenaNext = 0;
let noArenas = typeof WebAssembly !== "object";

/** An arena piece for a full-size slab (zeros), or null without arenas. */
function arenaPiece(): SlabMem | null {
  const bytes = SLAB_MAX * PAGE_SIZE;
  if (noArenas) return null;
  if (arena === null || arenaNext + bytes > ARENA_BYTES) {
    try {
      arena = new WebAssembly.Memory({ initial: ARENA_BYTES / 65536, maximum: ARENA_BYTES / 65536 }).buffer;
      arenaNext = 0;
    } catch {
      arena = null; // no address space for it: no arenas from here on
      noArenas = true;
      return null;
    }
  }
  const m: SlabMem = { buf: arena, off: arenaNext, aligned: true, pages: SLAB_MAX, used: 0 };
  arenaNext += bytes;
  return m;
}

/** A recycled full-size slab (zeroed), an aligned one for a model in arenas; undefined if none. */
function reuseSlab(aligned: boolean): SlabMem | undefined {
  for (let i = freeSlabs.length - 1; i >= 0; i--) {
    const m = freeSlabs[i]!;
    if (aligned && !m.aligned) continue;
    freeSlabs.splice(i, 1);
    return zeroed(m);
  }
  return undefined;
}

/** A recycled slab's pages that were handed out zeroed (the others are zeros already). */
function zeroed(m: SlabMem): SlabMem {
  if (m.used > 0) new Uint8Array(m.buf, m.off, m.used * PAGE_SIZE).fill(0);
  m.used = 0;
  return m;
}

/** A small slab of `pages` pages (recycled, or a new ArrayBuffer). */
function smallSlab(pages: number): SlabMem {
  const m = freeSmall[Math.log2(pages / SLAB_FIRST)]?.pop();
  return m !== undefined ? zeroed(m) : { buf: new ArrayBuffer(pages * PAGE_SIZE), off: 0, aligned: false, pages, used: 0 };
}

export class PhysMem {
  private dir: (Chunk | undefined)[];
  /** first pfn the directory covers */
  private dirBase: number;
  /** pfns the directory covers (dir.length * CHUNK ≤ 2^28: below it, pfn − dirBase indexes with int32 shifts and masks) */
  private dirPfns: number;
  private far = new Map<number, Uint8Array>();
  private npages = 0;
  private slab: ArrayBuffer | null = null;
  /** where the current slab starts in `slab` */
  private slabOff = 0;
  /** every frame is in arena pieces (alignAll) */
  private aligned = false;
  private slabPages = 0;
  private slabNext = 0;
  /** the full-size (SLAB_MAX) slabs this model's frames live in, for release() */
  private full: SlabMem[] = [];
  /** the small slabs this model's frames live in, for release() */
  private small: SlabMem[] = [];
  /** the current slab (its `used` is set from slabNext when the model is released) */
  private cur: SlabMem | null = null;
  readonly banks: Bank[];
  /**
   * Told before RAM changes (write, fill, copy's destination): the CPU cache model, while it keeps
   * clean frames as references to RAM instead of copies (src/mm/cache.ts), takes its copy first.
   */
  watcher: { ramWillChange(phys: number, len: number): void } | null = null;
  /**
   * Bumped when frames move (alignAll) or are forgotten (release): a frame a caller holds (frameOf)
   * stays this pfn's frame while it is unchanged.
   */
  gen = 0;
  /** Highest pfn + 1 of RAM (max_pfn). */
  readonly max_pfn: number;
  readonly min_pfn: number;
  /** the largest bank's [start, end) (isRamRange's first test) */
  private readonly bigLo: number;
  private readonly bigHi: number;

  constructor(banks: Bank[]) {
    this.banks = [...banks].sort((a, b) => a.start - b.start);
    const last = this.banks[this.banks.length - 1]!;
    this.max_pfn = (last.start + last.size) / PAGE_SIZE;
    this.min_pfn = this.banks[0]!.start / PAGE_SIZE;
    this.dirBase = Math.floor(this.min_pfn / CHUNK) * CHUNK;
    const span = Math.ceil((this.max_pfn - this.dirBase) / CHUNK);
    this.dir = span <= DIR_MAX ? new Array<Chunk | undefined>(span).fill(undefined) : [];
    this.dirPfns = this.dir.length * CHUNK;
    const big = this.banks.reduce((m, b) => (b.size > m.size ? b : m));
    this.bigLo = big.start;
    this.bigHi = big.start + big.size;
  }

  /** memblock_is_memory */
  isRam(phys: number): boolean {
    if (phys < 0) return false;
    const banks = this.banks;
    for (let i = 0; i < banks.length; i++) {
      const b = banks[i]!;
      if (phys >= b.start && phys < b.start + b.size) return true;
    }
    return false;
  }

  /** Is the whole range RAM (every page)? */
  isRamRange(phys: number, len: number): boolean {
    // inside the largest bank (a device's stamp, a bounce slot): RAM without the bank loop
    return (len > 0 && phys >= this.bigLo && phys + len <= this.bigHi) || this.isRamRangeOther(phys, len);
  }
  // isRamRange past the largest bank, out of line (the common test stays small enough for V8 to inline into the bounce copies)
  private isRamRangeOther(phys: number, len: number): boolean {
    if (len <= 0) return this.isRam(phys);
    const banks = this.banks;
    for (let i = 0; i < banks.length; i++) {
      const b = banks[i]!;
      if (phys >= b.start && phys + len <= b.start + b.size) return true;
    }
    // may straddle banks: check page by page
    for (let p = Math.floor(phys / PAGE_SIZE) * PAGE_SIZE; p < phys + len; p += PAGE_SIZE) if (!this.isRam(p)) return false;
    return true;
  }

  totalRam(): number {
    return this.banks.reduce((s, b) => s + b.size, 0);
  }

  /** Number of host pages actually backing simulated memory. */
  residentPages(): number {
    return this.npages;
  }

  private newSlab(): void {
    if (this.cur !== null) this.cur.used = this.cur.pages; // (a slab is left only when full)
    this.slabPages = this.slabPages === 0 ? SLAB_FIRST : Math.min(SLAB_MAX, this.slabPages * 2);
    this.slabNext = 0;
    this.slabOff = 0;
    if (this.slabPages < SLAB_MAX) {
      const m = smallSlab(this.slabPages);
      this.slab = m.buf;
      this.small.push(m);
      this.cur = m;
      return;
    }
    if (!this.aligned && this.full.length >= ALIGN_AFTER && this.alignAll() && this.slabNext < SLAB_MAX) return;
    const m = reuseSlab(this.aligned) ?? (this.aligned ? arenaPiece() : null) ?? { buf: new ArrayBuffer(SLAB_MAX * PAGE_SIZE), off: 0, aligned: false, pages: SLAB_MAX, used: 0 };
    this.useSlab(m, 0);
  }

  private useSlab(m: SlabMem, next: number): void {
    this.slab = m.buf;
    this.slabOff = m.off;
    this.slabPages = SLAB_MAX;
    this.slabNext = next;
    this.full.push(m);
    this.cur = m;
  }

  /**
   * Copy every frame into arena pieces (see ALIGN_AFTER), densely; the model's pieces before are
   * dropped (aligned ones recycled). False (nothing moved) without arenas.
   */
  private alignAll(): boolean {
    const first = arenaPiece();
    if (first === null) return false;
    const old = this.full;
    this.full = [];
    let m = first;
    let next = 0;
    const move = (f: Uint8Array): Uint8Array => {
      if (next === SLAB_MAX) {
        m.used = SLAB_MAX;
        m = arenaPiece() ?? { buf: new ArrayBuffer(SLAB_MAX * PAGE_SIZE), off: 0, aligned: false, pages: SLAB_MAX, used: 0 };
        this.full.push(m);
        next = 0;
      }
      const n = new Uint8Array(m.buf, m.off + PAGE_SIZE * next++, PAGE_SIZE);
      n.set(f);
      return n;
    };
    this.full.push(first);
    for (const c of this.dir) {
      if (c === undefined) continue;
      for (let j = 0; j < CHUNK; j++) {
        const f = c[j];
        if (f !== undefined) c[j] = move(f);
      }
    }
    for (const [pfn, f] of this.far) this.far.set(pfn, move(f));
    this.full.pop();
    this.useSlab(m, next);
    this.aligned = true;
    this.gen++;
    for (const o of old) if (o.aligned && freeSlabs.length < FREE_MAX) freeSlabs.push(o);
    this.releaseSmall();
    return true;
  }

  /**
   * This model is done (its caller keeps no reference to anything in it): its full-size slabs go to
   * the next model. Every frame is forgotten, so a stray later access reads zeros and writes to
   * fresh slabs — never into another model's memory.
   */
  release(): void {
    if (this.cur !== null) this.cur.used = this.slabNext;
    this.cur = null;
    for (const b of this.full) if (freeSlabs.length < FREE_MAX) freeSlabs.push(b);
    this.full = [];
    this.releaseSmall();
    this.dir.fill(undefined); // (the same array: a matrix releases every cell's model, src/scenario/runner.ts)
    this.far.clear();
    this.gen++;
    this.slab = null;
    this.slabOff = 0;
    this.aligned = false;
    this.slabPages = 0;
    this.slabNext = 0;
    this.npages = 0;
  }

  /** The small slabs to the free lists (release, or alignAll: every frame has moved out of them). */
  private releaseSmall(): void {
    for (const m of this.small) {
      const l = freeSmall[Math.log2(m.pages / SLAB_FIRST)]!;
      if (l.length < FREE_SMALL_MAX) l.push(m);
    }
    this.small = [];
  }

  /**
   * The frame of a pfn, if it was ever written. Inside the directory the index is split with a
   * shift and a mask (i < 2^28): `%` on a value V8 cannot prove int32 compiles to an fmod call.
   */
  private get(pfn: number): Uint8Array | undefined {
    const i = pfn - this.dirBase;
    if (i >= 0 && i < this.dirPfns) {
      const c = this.dir[i >>> CHUNK_SHIFT];
      return c === undefined ? undefined : c[i & (CHUNK - 1)];
    }
    return this.far.get(pfn);
  }

  private page(pfn: number): Uint8Array {
    const p = this.get(pfn);
    return p !== undefined ? p : this.newPage(pfn);
  }

  /** page() of a pfn never written: its frame made (out of line: the lookup stays small enough for V8 to inline) */
  private newPage(pfn: number): Uint8Array {
    if (this.slabNext === this.slabPages) this.newSlab();
    const n = new Uint8Array(this.slab!, this.slabOff + PAGE_SIZE * this.slabNext++, PAGE_SIZE);
    this.npages++;
    const i = pfn - this.dirBase;
    if (i >= 0 && i < this.dirPfns) {
      const ci = i >>> CHUNK_SHIFT;
      let c = this.dir[ci];
      if (c === undefined) this.dir[ci] = c = new Array<Uint8Array | undefined>(CHUNK).fill(undefined);
      c[i & (CHUNK - 1)] = n;
    } else this.far.set(pfn, n);
    return n;
  }

  /** The frame of a pfn (made if never written), for a caller that keeps it while `gen` is unchanged and writes it with writeIn. */
  frameOf(pfn: number): Uint8Array {
    return this.page(pfn);
  }

  /** write() of data, within one frame, into frame `pg` (frameOf) at `off`; `phys` is that byte's address. */
  writeIn(pg: Uint8Array, phys: number, off: number, data: Uint8Array): void {
    const len = data.length;
    if (this.watcher !== null) this.watcher.ramWillChange(phys, len);
    if (len <= SMALL) for (let i = 0; i < len; i++) pg[off + i] = data[i]!;
    else pg.set(data, off);
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
      const pg = this.get(pfn);
      const at = outOff + done;
      if (pg === undefined) {
        if (out) dst.fill(0, at, at + n);
      } else if (n === PAGE_SIZE) dst.set(pg, at);
      else if (n <= SMALL) for (let i = 0; i < n; i++) dst[at + i] = pg[off + i]!;
      else dst.set(pg.subarray(off, off + n), at);
      done += n;
    }
    return dst;
  }

  /** Raw write of RAM (no cache). */
  write(phys: number, data: Uint8Array, from = 0, len = data.length - from) {
    if (this.watcher !== null) this.watcher.ramWillChange(phys, len);
    if (len > 0 && len <= SMALL) {
      // a few bytes in one page (a stamp, a descriptor word): one frame lookup, a byte loop
      const pfn = Math.floor(phys / PAGE_SIZE);
      const off = phys - pfn * PAGE_SIZE;
      if (off + len <= PAGE_SIZE) {
        const pg = this.page(pfn);
        if (len === 8) {
          // a u64 (a device's stamp, a descriptor word, a pointer): straight-line stores, no loop
          pg[off] = data[from]!;
          pg[off + 1] = data[from + 1]!;
          pg[off + 2] = data[from + 2]!;
          pg[off + 3] = data[from + 3]!;
          pg[off + 4] = data[from + 4]!;
          pg[off + 5] = data[from + 5]!;
          pg[off + 6] = data[from + 6]!;
          pg[off + 7] = data[from + 7]!;
        } else for (let i = 0; i < len; i++) pg[off + i] = data[from + i]!;
        return;
      }
    }
    this.writeSpan(phys, data, from, len);
  }

  /** write() of more than a few bytes or across pages (out of line: the small case stays small enough for V8 to inline) */
  private writeSpan(phys: number, data: Uint8Array, from: number, len: number) {
    let done = 0;
    while (done < len) {
      const p = phys + done;
      const pfn = Math.floor(p / PAGE_SIZE);
      const off = p - pfn * PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - off);
      const pg = this.page(pfn);
      const at = from + done;
      // no subarray (an object allocation) when the whole source goes to one page. No byte loop for
      // a small piece either (the head or tail of a write across pages): a branch that no write
      // takes before V8 optimises this loop deoptimised it when one first did ("insufficient type
      // feedback", fuzz seeds 11-13 in their first 50k operations)
      if (at === 0 && n === data.length) pg.set(data, off);
      else pg.set(data.subarray(at, at + n), off);
      done += n;
    }
  }

  fill(phys: number, value: number, len: number) {
    if (this.watcher !== null) this.watcher.ramWillChange(phys, len);
    let done = 0;
    while (done < len) {
      const p = phys + done;
      const pfn = Math.floor(p / PAGE_SIZE);
      const off = p - pfn * PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - off);
      if (value === 0 && this.dirBase <= pfn && pfn - this.dirBase < this.dir.length * CHUNK && this.dir[Math.floor((pfn - this.dirBase) / CHUNK)] === undefined) {
        // zeros over a chunk with no frame: nothing to do up to the chunk's end
        const next = (Math.floor((pfn - this.dirBase) / CHUNK) + 1) * CHUNK + this.dirBase;
        done = Math.min(len, next * PAGE_SIZE - phys);
        continue;
      }
      const pg = value !== 0 ? this.page(pfn) : this.get(pfn);
      if (pg) pg.fill(value, off, off + n);
      done += n;
    }
  }

  /** RAM-to-RAM copy (memcpy between two physical ranges; overlapping ranges go through a copy). */
  copy(dst: number, src: number, len: number) {
    if (len === PAGE_SIZE) {
      // one whole frame to another (a page-sized bounce): one lookup each, one set()
      const spfn = Math.floor(src / PAGE_SIZE);
      const dpfn = Math.floor(dst / PAGE_SIZE);
      if (src === spfn * PAGE_SIZE && dst === dpfn * PAGE_SIZE && spfn !== dpfn) {
        if (this.watcher !== null) this.watcher.ramWillChange(dst, len);
        const s = this.get(spfn);
        if (s !== undefined) this.page(dpfn).set(s);
        else this.get(dpfn)?.fill(0);
        return;
      }
    }
    if (Math.abs(dst - src) < len) {
      this.write(dst, this.read(src, len));
      return;
    }
    if (this.watcher !== null) this.watcher.ramWillChange(dst, len);
    let done = 0;
    while (done < len) {
      const sp = src + done;
      const dp = dst + done;
      const spfn = Math.floor(sp / PAGE_SIZE);
      const dpfn = Math.floor(dp / PAGE_SIZE);
      const soff = sp - spfn * PAGE_SIZE;
      const doff = dp - dpfn * PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - soff, PAGE_SIZE - doff);
      const s = this.get(spfn);
      if (s !== undefined) {
        const d = this.page(dpfn);
        if (n === PAGE_SIZE) d.set(s);
        else if (n <= SMALL) for (let i = 0; i < n; i++) d[doff + i] = s[soff + i]!;
        else d.set(s.subarray(soff, soff + n), doff);
      } else this.get(dpfn)?.fill(0, doff, doff + n);
      done += n;
    }
  }

  describe(phys: number): string {
    return this.isRam(phys) ? `RAM ${hex(phys)}` : `not RAM ${hex(phys)}`;
  }
}

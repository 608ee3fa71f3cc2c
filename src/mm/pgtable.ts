/**
 * Real multi-level page tables (a radix tree per address space).
 *
 * Geometry per arch: arm64 4K pages VA48 = 4 levels (pgd/pud/pmd/pte at shifts 39/30/21/12, 512
 * entries), VA39 = 3 levels (30/21/12); x86_64 4-level = 39/30/21/12; ARM32 short descriptors =
 * 2 levels (1 MiB sections at shift 20 with 4096 entries, then 256 4 KiB entries).
 * Leaves may sit at any level (block / huge / section mappings), as the linear map and vmemmap use.
 */
import { IMMUTABLE } from "../core/clone.js";
import { F64_ZERO, hex64 } from "../core/u64.js";

/** Memory attributes that matter to the model. */
export type Prot = "normal" | "nc" | "wc" | "device";

export interface Leaf {
  readonly leaf: true;
  /** First pfn mapped by this entry. */
  pfn: number;
  prot: Prot;
  /** Bytes covered by this leaf (4 KiB, 2 MiB, 1 GiB, 1 MiB section). */
  size: number;
}

/**
 * A leaf entry. Never changed once made (map() replaces, unmap() clears), so copies of a booted
 * model share them: the prototype carries IMMUTABLE (src/core/clone.ts).
 */
class LeafEntry implements Leaf {
  readonly leaf = true as const;
  constructor(
    readonly pfn: number,
    readonly prot: Prot,
    readonly size: number,
  ) {}
}
(LeafEntry.prototype as unknown as Record<symbol, boolean>)[IMMUTABLE] = true;

/** An entry: a table, a leaf, or none (undefined: never set, so a run may cover it; null: cleared). */
type Entry = Table | Leaf | undefined | null;
interface Table {
  readonly leaf: false;
  entries: Entry[];
  /**
   * Leaves made when first read (dmasim's, for speed; the translations are the same): entries
   * [lo, hi) that are undefined are leaves of `size` bytes mapping pfn + (i - lo) × size / 4 KiB.
   * A boot's linear map, vmemmap and ARM32's page-mapped CMA area are such runs, so a boot does
   * not make tens of thousands of leaf objects and a copy of a booted model does not copy them.
   * Frozen (a change makes a new one): copies of a model share it.
   */
  run: Run | null;
}
interface Run {
  readonly lo: number;
  readonly hi: number;
  readonly pfn: number;
  readonly prot: Prot;
  readonly size: number;
}

/**
 * An empty entries array whose elements kind is HOLEY_ELEMENTS from the start (`slice` keeps its
 * source's kind): a fresh `[]` starts with small-integer elements and ends PACKED or HOLEY
 * depending on the order its entries are set, so tables' arrays had up to three hidden classes and
 * the walk's `t.entries[i]` deoptimised ("wrong map", once per kind met: entryAt, leafAt, physOf, unmap).
 */
const HOLEY_EMPTY: Entry[] = [, null].slice(0, 0);

function newTable(): Table {
  return { leaf: false, entries: HOLEY_EMPTY.slice(), run: null };
}

/** t.entries[i], the run's leaf made (and kept) when i is one. */
function entryAt(t: Table, i: number): Entry {
  const e = t.entries[i];
  if (e !== undefined) return e;
  const r = t.run;
  if (r === null || i < r.lo || i >= r.hi) return undefined;
  const leaf = new LeafEntry(r.pfn + (i - r.lo) * (r.size / 4096), r.prot, r.size);
  t.entries[i] = leaf;
  return leaf;
}

/** Leaves for entries [i0, i0 + n) of t: pfn.. of `size` bytes each, as (part of) t's run when they continue it or t has none. */
function putLeaves(t: Table, i0: number, n: number, pfn: number, prot: Prot, size: number): void {
  const e = t.entries;
  const r = t.run;
  const step = size / 4096;
  let run: Run | null = null;
  if (n > 1 && r === null) run = { lo: i0, hi: i0 + n, pfn, prot, size };
  else if (r !== null && r.prot === prot && r.size === size && i0 >= r.lo && pfn === r.pfn + (i0 - r.lo) * step) {
    // the same line of frames: the run grows to cover [i0, i0 + n) if every entry between is set (they stay as they are)
    let covered = true;
    for (let i = r.hi; i < i0; i++)
      if (e[i] === undefined) {
        covered = false;
        break;
      }
    if (covered) run = i0 + n > r.hi ? { lo: r.lo, hi: i0 + n, pfn: r.pfn, prot, size } : r;
  }
  if (run !== null) {
    for (let i = i0; i < i0 + n && i < e.length; i++) e[i] = undefined;
    if (run !== r) t.run = Object.freeze(run);
    return;
  }
  for (let i = 0; i < n; i++) e[i0 + i] = new LeafEntry(pfn + i * step, prot, size);
}

export interface Geometry {
  /** Shift of each level, top level first, e.g. [39, 30, 21, 12]. */
  shifts: number[];
  /** Index bits of each level, e.g. [9, 9, 9, 9]. */
  bits: number[];
  /** Names of the levels for walk traces. */
  names: string[];
  /** Width of the address space the table translates (bits). */
  vaBits: number;
}

export interface WalkResult {
  phys: number;
  pfn: number;
  prot: Prot;
  level: string;
  leafSize: number;
}

export const GEOM_ARM64_VA48: Geometry = { shifts: [39, 30, 21, 12], bits: [9, 9, 9, 9], names: ["pgd", "pud", "pmd", "pte"], vaBits: 48 };
export const GEOM_ARM64_VA39: Geometry = { shifts: [30, 21, 12], bits: [9, 9, 9], names: ["pgd", "pmd", "pte"], vaBits: 39 };
export const GEOM_X86_64_L4: Geometry = { shifts: [39, 30, 21, 12], bits: [9, 9, 9, 9], names: ["pgd", "pud", "pmd", "pte"], vaBits: 48 };
export const GEOM_ARM32: Geometry = { shifts: [20, 12], bits: [12, 8], names: ["pgd", "pte"], vaBits: 32 };

export class PageTable {
  private root: Table = newTable();
  private readonly span: number;
  private readonly div: number[];
  private readonly mod: number[];
  /**
   * A one-entry translation cache (dmasim's, for speed; not the CPU's TLB, which the model does
   * not have): the leaf the last walk ended on and the VA offsets [tlbLo, tlbHi) it maps. map()
   * and unmap() empty it, so a cached answer is always what a full walk would give.
   */
  private tlbLo = F64_ZERO; // (VA offsets: F64_ZERO, src/core/u64.ts)
  private tlbHi = F64_ZERO;
  private tlbLeaf: Leaf | null = null;
  private tlbLevel = 0;
  /** The memory attributes of the last successful physOf(). */
  lastProt: Prot = "normal";
  /** Bumped by every map() and unmap(): a caller's memo of a translation is valid while it is unchanged (Kernel.kwrite). */
  gen = 0;
  constructor(readonly g: Geometry) {
    this.span = 2 ** g.vaBits;
    this.div = g.shifts.map((s) => 2 ** s);
    this.mod = g.bits.map((b) => 2 ** b);
  }

  /** The VA's offset inside the translated space (top sign-extension bits dropped). */
  private off(va: number): number {
    // floor arithmetic, not `%`: V8 compiles `%` on a non-int32 double into an fmod call
    return va - Math.floor(va / this.span) * this.span;
  }

  private index(o: number, level: number): number {
    const q = Math.floor(o / this.div[level]!);
    const m = this.mod[level]!;
    return q - Math.floor(q / m) * m;
  }

  /** Map [va, va+size) to pfn.. with leaves of `leafSize` bytes (must match a level's size). */
  map(va: number, pfn: number, size: number, prot: Prot, leafSize = 4096) {
    const level = this.div.indexOf(leafSize);
    if (level < 0) throw new Error(`no level maps ${leafSize} bytes`);
    this.gen++;
    this.tlbLeaf = null;
    this.tlbHi = 0;
    const leaves = Math.ceil(size / leafSize);
    // the leaves that fall in one table at a time
    for (let j = 0; j < leaves; ) {
      const done = j * leafSize;
      const o = this.off(va + done);
      let t = this.root;
      for (let l = 0; l < level; l++) {
        const i = this.index(o, l);
        let e = entryAt(t, i);
        if (!e) {
          e = newTable();
          t.entries[i] = e;
        } else if (e.leaf) throw new Error(`map over an existing block at ${hex64(va + done)}`);
        t = e;
      }
      const i0 = this.index(o, level);
      const n = Math.min(leaves - j, this.mod[level]! - i0);
      putLeaves(t, i0, n, pfn + done / 4096, prot, leafSize);
      j += n;
    }
  }

  /** Clear 4 KiB leaves over [va, va+size). */
  unmap(va: number, size: number) {
    this.gen++;
    this.tlbLeaf = null;
    this.tlbHi = 0;
    for (let done = 0; done < size; done += 4096) {
      const o = this.off(va + done);
      let t: Table = this.root;
      for (let l = 0; l < this.g.shifts.length; l++) {
        const i = this.index(o, l);
        const e = entryAt(t, i);
        if (!e) break;
        if (e.leaf) {
          t.entries[i] = null;
          break;
        }
        t = e;
      }
    }
  }

  /** Walk: the translation of va, or null (with the level where it stopped). */
  walk(va: number): WalkResult | { missing: string } {
    const o = this.off(va);
    if (this.leafAt(o)) {
      const e = this.tlbLeaf!;
      const within = o - this.tlbLo;
      return { phys: e.pfn * 4096 + within, pfn: e.pfn + Math.floor(within / 4096), prot: e.prot, level: this.g.names[this.tlbLevel]!, leafSize: e.size };
    }
    let t: Table = this.root;
    for (let l = 0; l < this.g.shifts.length; l++) {
      const e = entryAt(t, this.index(o, l));
      if (!e) return { missing: `${this.g.names[l]} entry none` };
      if (e.leaf) return { missing: "pte none" }; // (leafAt found none: unreachable)
      t = e;
    }
    return { missing: "pte none" };
  }

  /** The physical address va translates to, or -1 without a mapping (then walk() says where it stopped); sets lastProt. */
  physOf(va: number): number {
    const o = this.off(va);
    if (!this.leafAt(o)) return -1;
    const e = this.tlbLeaf!;
    this.lastProt = e.prot;
    return e.pfn * 4096 + (o - this.tlbLo);
  }

  /** Is VA offset o mapped? Leaves its leaf in the one-entry cache. */
  private leafAt(o: number): boolean {
    if (o >= this.tlbLo && o < this.tlbHi) return true;
    let t: Table = this.root;
    for (let l = 0; l < this.g.shifts.length; l++) {
      const e = entryAt(t, this.index(o, l));
      if (!e) return false;
      if (e.leaf) {
        const lo = o - (o - Math.floor(o / e.size) * e.size);
        this.tlbLo = lo;
        this.tlbHi = lo + e.size;
        this.tlbLeaf = e;
        this.tlbLevel = l;
        return true;
      }
      t = e;
    }
    return false;
  }
}

export function isWalkHit(w: WalkResult | { missing: string }): w is WalkResult {
  return (w as WalkResult).phys !== undefined;
}

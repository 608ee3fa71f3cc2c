/**
 * Real multi-level page tables (a radix tree per address space).
 *
 * Geometry per arch: arm64 4K pages VA48 = 4 levels (pgd/pud/pmd/pte at shifts 39/30/21/12, 512
 * entries), VA39 = 3 levels (30/21/12); x86_64 4-level = 39/30/21/12; ARM32 short descriptors =
 * 2 levels (1 MiB sections at shift 20 with 4096 entries, then 256 4 KiB entries).
 * Leaves may sit at any level (block / huge / section mappings), as the linear map and vmemmap use.
 */
import { IMMUTABLE } from "../core/clone.js";
import { hex64 } from "../core/u64.js";

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

type Entry = Table | Leaf | undefined;
interface Table {
  readonly leaf: false;
  entries: Entry[];
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
  private root: Table = { leaf: false, entries: [] };
  private readonly span: number;
  private readonly div: number[];
  private readonly mod: number[];
  /**
   * A one-entry translation cache (dmasim's, for speed; not the CPU's TLB, which the model does
   * not have): the leaf the last walk ended on and the VA offsets [tlbLo, tlbHi) it maps. map()
   * and unmap() empty it, so a cached answer is always what a full walk would give.
   */
  private tlbLo = 0;
  private tlbHi = 0;
  private tlbLeaf: Leaf | null = null;
  private tlbLevel = 0;
  /** The memory attributes of the last successful physOf(). */
  lastProt: Prot = "normal";
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
    this.tlbLeaf = null;
    this.tlbHi = 0;
    for (let done = 0; done < size; done += leafSize) {
      const o = this.off(va + done);
      let t = this.root;
      for (let l = 0; l < level; l++) {
        const i = this.index(o, l);
        let e = t.entries[i];
        if (!e) {
          e = { leaf: false, entries: [] };
          t.entries[i] = e;
        } else if (e.leaf) throw new Error(`map over an existing block at ${hex64(va + done)}`);
        t = e;
      }
      t.entries[this.index(o, level)] = new LeafEntry(pfn + done / 4096, prot, leafSize);
    }
  }

  /** Clear 4 KiB leaves over [va, va+size). */
  unmap(va: number, size: number) {
    this.tlbLeaf = null;
    this.tlbHi = 0;
    for (let done = 0; done < size; done += 4096) {
      const o = this.off(va + done);
      let t: Table = this.root;
      for (let l = 0; l < this.g.shifts.length; l++) {
        const i = this.index(o, l);
        const e = t.entries[i];
        if (!e) break;
        if (e.leaf) {
          t.entries[i] = undefined;
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
      const e = t.entries[this.index(o, l)];
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
      const e = t.entries[this.index(o, l)];
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

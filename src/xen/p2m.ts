/**
 * Xen frame-number spaces.
 * - ARM 1:1 dom0 (include/xen/arm/page.h, arch/arm/xen/p2m.c): local RAM has bfn == pfn;
 *   grant-mapped foreign pages are entries of the phys_to_mach rbtree.
 * - x86 PV dom0 (arch/x86/xen/p2m.c, include/xen/page.h): a flat P2M array pfn → mfn with
 *   scattered machine frames, and the hypervisor's M2P table mfn → pfn.
 */
import { F64_ZERO } from "../core/u64.js";
import type { Kernel } from "../kernel.js";

export const XEN_PAGE_SHIFT = 12;
export const XEN_PAGE_SIZE = 4096;

export interface P2mEntry {
  pfn: number;
  mfn: number;
  nr_pages: number;
}

export interface XenState {
  kind: "arm" | "pv";
  /** x86 PV: the P2M (xen_p2m_addr) and the hypervisor's M2P */
  p2m: PvP2M | null;
  /** x86 PV: the hypervisor's free machine memory (XENMEM_exchange takes and gives frames here) */
  heap: import("./mmu-pv.js").XenHeap | null;
  /** arch/arm/xen/p2m.c phys_to_mach (5.6–6.18) rbtree, kept sorted by pfn */
  phys_to_mach: P2mEntry[];
  /** GNTTABOP_cache_flush available (xen_mm_init probe) */
  hypercall_cflush: boolean;
  /** the initial domain */
  initial_domain: boolean;
  /** grant references mapped: "domain:gref" → local pfn and the foreign machine frame */
  grants: Map<string, { pfn: number; mfn: number; domain: number }>;
  /** the hypervisor's stage-2 changes: dom0 pfn → foreign mfn (identity elsewhere) */
  stage2: Map<number, number>;
  /** machine RAM owned by other domains */
  domains: { start: number; size: number } | null;
  /**
   * x86 PV 6.14+ (e93ec87286bd): the dynamically allocated discontig_frames list, its order and the
   * dom0 page backing it; absent: the static 2 MiB (order 9) array
   */
  discontig_frames?: { order: number; page: number };
  /**
   * 5.6–5.12 drivers/xen/swiotlb-xen.c's own `static char *xen_io_tlb_start, *xen_io_tlb_end` (5.10.7
   * swiotlb-xen.c:49): kernel virtual addresses, 0 (NULL) until xen_swiotlb_init reaches its `end:` label — they
   * stay NULL when it fails. Unused from 5.13 (97729b653de5 and the io_tlb_default_mem series).
   */
  xen_io_tlb_start?: number;
  xen_io_tlb_end?: number;
  /**
   * 5.6–5.8 drivers/xen/swiotlb-xen.c `static u64 start_dma_addr` (5.6.4 :55): xen_virt_to_bus(xen_io_tlb_start) set
   * after the fixup (:244) — the pool's first machine address — and never on the reuse path (0). Gone with ae4f0a17ee59 (5.9).
   */
  start_dma_addr?: number;
  /**
   * x86 PV: the xen_remap_mfn list xen_do_set_identity_and_remap_chunk builds for xen_remap_memory (arch/x86/xen/setup.c):
   * one xen_remap_buf a REMAP_SIZE chunk, oldest first (the kernel's list is walked from its head, the newest) — its target pfn and its frames, as
   * machine-contiguous runs [mfn, n]; `from`: the pfn the frames came from when they were the builder's untouched ones
   */
  xen_remap_list?: { target_pfn: number; size: number; runs: number[]; from?: number }[];
  /**
   * 6.12+ (be35d91c8880; 6.6.y backport) arch/x86/xen/p2m.c xen_nonram_remap[]: the non-RAM areas
   * xen_e820_swap_entry_with_ram moved (ACPI NVS overlapping Xen-allocated memory); the machine maps modelled have
   * no NVS entry, so it stays empty
   */
  xen_nonram_remap?: { maddr: number; paddr: number; size: number }[];
}

/**
 * Sorted, disjoint runs key..key+n → value..value+n (value -1: no mapping); later writes split older
 * runs. Three arrays of numbers, not an object per run: a boot's swiotlb exchanges leave ≈ 800
 * runs, which every copy of a booted model copies.
 */
class RunMap {
  private keys: number[] = [];
  private ns: number[] = [];
  private vals: number[] = [];
  /** the last lookup's answer, for the next one (lookups go frame by frame): a run's index, or a gap [gapLo, gapHi) between runs */
  private hit = -1;
  private gapLo = F64_ZERO; // (±Infinity at the ends: F64_ZERO, src/core/u64.ts)
  private gapHi = F64_ZERO;

  get(key: number): number | undefined {
    const h = this.hit;
    if (h >= 0) {
      const k0 = this.keys[h]!;
      if (key >= k0 && key < k0 + this.ns[h]!) {
        const v = this.vals[h]!;
        return v < 0 ? -1 : v + (key - k0);
      }
    }
    if (key >= this.gapLo && key < this.gapHi) return undefined;
    const ks = this.keys;
    const ns = this.ns;
    let lo = 0;
    let hi = ks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const k0 = ks[mid]!;
      if (key < k0) hi = mid - 1;
      else if (key >= k0 + ns[mid]!) lo = mid + 1;
      else {
        this.hit = mid;
        const v = this.vals[mid]!;
        return v < 0 ? -1 : v + (key - k0);
      }
    }
    // no run: remember the gap between the runs around key
    this.gapLo = lo > 0 ? ks[lo - 1]! + ns[lo - 1]! : -Infinity;
    this.gapHi = lo < ks.length ? ks[lo]! : Infinity;
    return undefined;
  }

  /** After get(key): how many keys from key on the same answer's run (or gap) covers. */
  spanAfterGet(key: number): number {
    const h = this.hit;
    if (h >= 0 && key >= this.keys[h]! && key < this.keys[h]! + this.ns[h]!) return this.keys[h]! + this.ns[h]! - key;
    return this.gapHi - key;
  }

  /**
   * set() of many runs at once, given as [key, n, val] triples sorted by key and disjoint: when none overlaps a
   * run already here, one merge of the two sorted lists (set() one by one inserts at the front each time when
   * the keys come in descending order: quadratic for xen_remap_memory's thousand buffers); else one by one
   */
  setMany(t: readonly number[]): void {
    const ks = this.keys;
    const ns = this.ns;
    const vs = this.vals;
    // any overlap with an existing run: each new run's [key, key + n) against the runs around it
    let j = 0;
    for (let i = 0; i < t.length; i += 3) {
      while (j < ks.length && ks[j]! + ns[j]! <= t[i]!) j++;
      if (j < ks.length && ks[j]! < t[i]! + t[i + 1]!) {
        for (let q = 0; q < t.length; q += 3) this.set(t[q]!, t[q + 1]!, t[q + 2]!);
        return;
      }
    }
    this.hit = -1;
    this.gapLo = this.gapHi = 0;
    const rk: number[] = [];
    const rn: number[] = [];
    const rv: number[] = [];
    const put = (k: number, n: number, v: number) => {
      const p = rk.length - 1;
      // continues the run before it (the same merge set() makes)
      if (p >= 0 && rk[p]! + rn[p]! === k && (v < 0 ? rv[p]! < 0 : rv[p]! >= 0 && rv[p]! + rn[p]! === v)) rn[p] = rn[p]! + n;
      else {
        rk.push(k);
        rn.push(n);
        rv.push(v);
      }
    };
    let a = 0;
    for (let i = 0; i < t.length; i += 3) {
      while (a < ks.length && ks[a]! < t[i]!) {
        put(ks[a]!, ns[a]!, vs[a]!);
        a++;
      }
      put(t[i]!, t[i + 1]!, t[i + 2]!);
    }
    for (; a < ks.length; a++) put(ks[a]!, ns[a]!, vs[a]!);
    this.keys = rk;
    this.ns = rn;
    this.vals = rv;
  }

  set(key: number, n: number, val: number): void {
    this.hit = -1;
    this.gapLo = this.gapHi = 0;
    const ks = this.keys;
    const ns = this.ns;
    const vs = this.vals;
    const end = key + n;
    // the first run ending after key: runs from there that start before end are overwritten
    let lo = 0;
    let hi = ks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ks[mid]! + ns[mid]! <= key) lo = mid + 1;
      else hi = mid;
    }
    if (lo === ks.length || ks[lo]! >= end) {
      // [key, end) overwrites no run: it continues the run before it (the same answers from one
      // longer run), or goes in as a run of its own
      const p = lo - 1;
      if (p >= 0 && ks[p]! + ns[p]! === key && (val < 0 ? vs[p]! < 0 : vs[p]! >= 0 && vs[p]! + ns[p]! === val)) ns[p] = ns[p]! + n;
      else if (lo === ks.length) {
        ks.push(key);
        ns.push(n);
        vs.push(val);
      } else {
        ks.splice(lo, 0, key);
        ns.splice(lo, 0, n);
        vs.splice(lo, 0, val);
      }
      return;
    }
    const rk: number[] = [];
    const rn: number[] = [];
    const rv: number[] = [];
    if (lo < ks.length && ks[lo]! < key) {
      rk.push(ks[lo]!);
      rn.push(key - ks[lo]!);
      rv.push(vs[lo]!);
    }
    rk.push(key);
    rn.push(n);
    rv.push(val);
    let j = lo;
    while (j < ks.length && ks[j]! < end) j++;
    if (j > lo) {
      const eEnd = ks[j - 1]! + ns[j - 1]!;
      if (eEnd > end) {
        const v = vs[j - 1]!;
        rk.push(end);
        rn.push(eEnd - end);
        rv.push(v < 0 ? -1 : v + (end - ks[j - 1]!));
      }
    }
    ks.splice(lo, j - lo, ...rk);
    ns.splice(lo, j - lo, ...rn);
    vs.splice(lo, j - lo, ...rv);
  }
}

/**
 * x86 PV: the P2M (pfn → mfn) and the M2P (mfn → pfn). The domain builder's layout — 2 MiB
 * chunks handed out high-to-low, pseudo-physical chunk c backed by machine chunk top-1-c — is
 * computed; runs changed since (the remap of e820 holes' RAM, memory exchange) are kept as runs. Same
 * answers as the flat arrays, without a 1M-entry array per boot.
 *
 * Past the builder's list (`length`, xen_p2m_size at xen_memory_setup: ALIGN(nr_pages, P2M_PER_PAGE)) the P2M
 * xen_vmalloc_p2m_tree rebuilt (arch/x86/xen/p2m.c, 5.6–6.18; 5.10.7 p2m.c:412–433) holds identity entries
 * (xen_rebuild_p2m_list maps p2m_identity pages for every pfn xen_p2m_elem_type calls P2M_TYPE_IDENTITY, all
 * pfns >= the old xen_p2m_size), INVALID_P2M_ENTRY for the extra memory (xen_inv_extra_mem), and whatever
 * set_phys_to_machine wrote since (xen_remap_memory's targets, exchanged regions).
 */
export class PvP2M {
  private readonly p2mChanged = new RunMap();
  private readonly m2pChanged = new RunMap();
  /**
   * IDENTITY_FRAME(pfn) entries below the P2M's end, as [start, end) pfn runs, sorted (set_phys_range_identity
   * for dom0's e820 holes, src/xen/setup.ts): few, set once at boot
   */
  private idStart: number[] = [];
  private idEnd: number[] = [];
  /** xen_extra_mem[] (arch/x86/xen/setup.c): [start_pfn, start_pfn + n_pfns) runs, INVALID_P2M_ENTRY in the P2M */
  readonly extra: { start_pfn: number; n_pfns: number }[] = [];
  /**
   * xen_remap_memory's moves of the builder's frames, kept as the layout shifted: pfns [pfn, pfn + n) hold the frames
   * the builder gave pfns [from, from + n), and those frames' M2P entries name the new pfns (a run per 2 MiB chunk
   * otherwise, in the P2M and in the M2P, which every copy of a booted model would copy). Changed runs take precedence.
   */
  private shifts: { pfn: number; n: number; from: number }[] = [];

  /** The builder's frame for pfn q (q below the list's end) */
  private layout(q: number): number {
    return (this.topChunk - 1 - Math.floor(q / 512)) * 512 + (q % 512);
  }

  /** The P2M entry without the changed runs: a shifted builder's frame, the builder's, or INVALID_P2M_ENTRY past the list */
  private base(pfn: number): number {
    const sh = this.shifts;
    for (let i = 0; i < sh.length; i++) {
      const s = sh[i]!;
      if (pfn >= s.pfn && pfn < s.pfn + s.n) return this.layout(s.from + (pfn - s.pfn));
    }
    return pfn >= this.length ? -1 : this.layout(pfn);
  }

  /**
   * xen_update_mem_tables for n pfns from pfn of the builder's untouched frames of pfns from.. (no changed run there):
   * recorded as a shift, merged with the one it continues
   */
  remapLayout(pfn: number, n: number, from: number): void {
    const last = this.shifts[this.shifts.length - 1];
    if (last && last.pfn + last.n === pfn && last.from + last.n === from) last.n += n;
    else {
      const prev = this.shifts.find((s) => s.pfn === pfn + n && s.from === from + n);
      if (prev) {
        prev.pfn = pfn;
        prev.from = from;
        prev.n += n;
      } else this.shifts.push({ pfn, n, from });
    }
    this.framesAt = -1;
  }

  /** No changed run in [pfn, pfn + n): the builder's frames (or a shift of them) as they were */
  untouched(pfn: number, n: number): boolean {
    return this.p2mChanged.get(pfn) === undefined && this.p2mChanged.spanAfterGet(pfn) >= n;
  }
  constructor(readonly length: number, private readonly topChunk: number) {}

  /** arch/x86/xen/setup.c xen_chk_extra_mem's test (5.6–6.18): pfn inside an xen_extra_mem[] region */
  inExtra(pfn: number): boolean {
    for (const r of this.extra) if (pfn >= r.start_pfn && pfn < r.start_pfn + r.n_pfns) return true;
    return false;
  }

  /**
   * arch/x86/xen/p2m.c set_phys_range_identity (5.6–6.18, unchanged: 5.6.4 p2m.c:634–652, 5.10.7 :630–648,
   * 6.18.35 :619–637): nothing when pfn_s >= xen_p2m_size or pfn_s > pfn_e; pfn_e clipped to xen_p2m_size;
   * xen_p2m_addr[pfn] = IDENTITY_FRAME(pfn) for each pfn; returns how many were set
   */
  set_phys_range_identity(pfn_s: number, pfn_e: number): number {
    if (pfn_s >= this.length || pfn_s > pfn_e) return 0;
    if (pfn_e > this.length) pfn_e = this.length;
    if (pfn_e > pfn_s) {
      this.p2mChanged.set(pfn_s, pfn_e - pfn_s, -1); // the old entries are gone (the M2P is the caller's business)
      // kept as disjoint sorted runs, adjacent ones merged (xen_do_set_identity_and_remap_chunk sets a hole REMAP_SIZE pages at a time)
      let i = 0;
      while (i < this.idStart.length && this.idEnd[i]! < pfn_s) i++;
      let j = i;
      let s = pfn_s;
      let e = pfn_e;
      while (j < this.idStart.length && this.idStart[j]! <= e) {
        s = Math.min(s, this.idStart[j]!);
        e = Math.max(e, this.idEnd[j]!);
        j++;
      }
      this.idStart.splice(i, j - i, s);
      this.idEnd.splice(i, j - i, e);
      this.framesAt = -1;
    }
    return pfn_e - pfn_s;
  }

  /**
   * __set_phys_to_machine(pfn, INVALID_P2M_ENTRY) for n pfns from pfn whose machine frames mfn.. went back to
   * Xen (XENMEM_decrease_reservation): the P2M entries are ~0 and the frames' M2P entries no longer name dom0
   */
  setInvalid(pfn: number, mfn: number, n: number): void {
    this.p2mChanged.set(pfn, n, -1);
    this.m2pChanged.set(mfn, n, -1);
    this.framesAt = -1;
  }

  /** xen_p2m_addr[pfn] */
  get(pfn: number): number {
    const m = this.p2mChanged.get(pfn);
    if (m !== undefined) return m;
    // past the builder's list: INVALID_P2M_ENTRY (the extra memory; an identity entry's caller asked identity() first)
    return this.base(pfn);
  }

  /** the last frames() answer, until the next setRange */
  private framesAt = -1;
  private framesOut: number[] = [];

  /** xen_p2m_addr[pfn .. pfn + n) (the same array for a repeated question: do not modify it) */
  frames(pfn: number, n: number): readonly number[] {
    if (this.framesAt === pfn && this.framesOut.length === n) return this.framesOut;
    const out = new Array<number>(n);
    // a changed run or a gap between them at a time (in a gap: the layout, frame by frame)
    for (let i = 0; i < n; ) {
      const p = pfn + i;
      const m = this.p2mChanged.get(p);
      const len = Math.min(n - i, this.p2mChanged.spanAfterGet(p));
      if (m === undefined) for (let j = 0; j < len; j++) out[i + j] = this.base(p + j);
      else for (let j = 0; j < len; j++) out[i + j] = m < 0 ? -1 : m + j;
      i += len;
    }
    this.framesAt = pfn;
    this.framesOut = out;
    return out;
  }

  /**
   * xen_p2m_addr[pfn .. pfn + n) as machine-contiguous runs, pushed on `out` as [mfn, count] pairs (mfn -1: no
   * machine frame) — a changed run or a builder's 2 MiB chunk at a time, not frame by frame
   */
  runs(pfn: number, n: number, out: number[]): void {
    const push = (mfn: number, c: number) => {
      const l = out.length;
      if (l >= 2 && ((mfn < 0 && out[l - 2]! < 0) || (mfn >= 0 && out[l - 2]! >= 0 && out[l - 2]! + out[l - 1]! === mfn))) out[l - 1] = out[l - 1]! + c;
      else out.push(mfn, c);
    };
    for (let i = 0; i < n; ) {
      const p = pfn + i;
      const m = this.p2mChanged.get(p);
      let len = Math.min(n - i, this.p2mChanged.spanAfterGet(p));
      if (m !== undefined) push(m < 0 ? -1 : m, len);
      else {
        // the builder's layout (perhaps shifted): to the end of its 2 MiB chunk, of the shift, of the list
        const s = this.shifts.find((x) => p >= x.pfn && p < x.pfn + x.n);
        const q = s ? s.from + (p - s.pfn) : p;
        if (s) len = Math.min(len, s.pfn + s.n - p);
        if (q >= this.length) {
          // INVALID_P2M_ENTRY up to the next shift
          for (const x of this.shifts) if (x.pfn > p) len = Math.min(len, x.pfn - p);
          push(-1, len);
        } else {
          len = Math.min(len, 512 - (q % 512), this.length - q);
          push(this.layout(q), len);
        }
      }
      i += len;
    }
  }

  /** __set_phys_to_machine for n frames from pfn → mfn.., with the hypervisor's M2P update */
  setRange(pfn: number, n: number, mfn: number): void {
    const old = this.frames(pfn, n);
    this.framesAt = -1;
    for (let i = 0; i < n; ) {
      // the old frames leave the domain: one M2P run per machine-contiguous stretch
      let run = 1;
      while (i + run < n && old[i + run] === old[i]! + run) run++;
      this.m2pChanged.set(old[i]!, run, -1);
      i += run;
    }
    this.p2mChanged.set(pfn, n, mfn);
    this.m2pChanged.set(mfn, n, pfn);
  }

  /**
   * arch/x86/xen/setup.c xen_update_mem_tables (5.6–6.18; 5.10.7 setup.c:288–316, 6.18.35 :248–276) for n pfns from pfn:
   * set_phys_to_machine(pfn, mfn) and the M2P entry (MMU_MACHPHYS_UPDATE) mfn → pfn, machine frames mfn.. on
   */
  remap(pfn: number, n: number, mfn: number): void {
    this.p2mChanged.set(pfn, n, mfn);
    this.m2pChanged.set(mfn, n, pfn);
    this.framesAt = -1;
  }

  /** remap() of many [pfn, n, mfn] triples with disjoint pfns and frames, in any order (the same P2M and M2P) */
  remapMany(t: readonly number[]): void {
    const idx: number[] = [];
    for (let i = 0; i < t.length; i += 3) idx.push(i);
    const byPfn: number[] = [];
    for (const i of idx.sort((x, y) => t[x]! - t[y]!)) byPfn.push(t[i]!, t[i + 1]!, t[i + 2]!);
    const byMfn: number[] = [];
    for (const i of idx.sort((x, y) => t[x + 2]! - t[y + 2]!)) if (t[i + 2]! >= 0) byMfn.push(t[i + 2]!, t[i + 1]!, t[i]!);
    this.p2mChanged.setMany(byPfn);
    this.m2pChanged.setMany(byMfn);
    this.framesAt = -1;
  }

  /**
   * arch/x86/include/asm/xen/page.h __pfn_to_mfn (5.6–6.18; 5.6.4 page.h:142–157, 6.18.35 :133–148) answers
   * IDENTITY_FRAME(pfn): an entry set_phys_range_identity wrote below the builder's list (dom0's e820 holes below
   * nr_pages, src/xen/setup.ts), or one past it that is neither extra memory nor written since (the rebuilt P2M's
   * identity pages, and past xen_max_p2m_pfn the identity by definition). A negative pfn is dmasim's signed form of
   * one ≥ 2^63 (src/core/u64.ts): beyond the P2M too.
   */
  identity(pfn: number): boolean {
    if (pfn < 0) return true;
    if (pfn >= this.length) {
      // the rebuilt P2M past the builder's list: identity unless set_phys_to_machine wrote the entry or it is extra memory
      if (this.p2mChanged.get(pfn) !== undefined) return false;
      for (const s of this.shifts) if (pfn >= s.pfn && pfn < s.pfn + s.n) return false;
      return !this.inExtra(pfn);
    }
    const st = this.idStart;
    for (let i = 0; i < st.length; i++) if (pfn >= st[i]! && pfn < this.idEnd[i]!) return true;
    return false;
  }

  /**
   * arch/x86/include/asm/xen/page.h mfn_to_pfn (5.6–6.18, unchanged: 5.6.4 page.h:213–237, 5.10.7–5.15.178
   * :212–236, 5.19–6.18.35 :204–228) for a PV domain (its first test, `xen_feature(XENFEAT_auto_translated_physmap)`
   * to 6.12.19 and `!xen_pv_domain()` in 6.18.35, returns mfn unchanged only for a non-PV domain):
   * mfn_to_pfn_no_overrides reads the M2P (~0 beyond machine_to_phys_nr or for a frame that is not
   * dom0's); the answer stands only if __pfn_to_mfn(pfn) gives mfn back, else ~0; and a ~0 becomes mfn
   * itself when __pfn_to_mfn(mfn) == IDENTITY_FRAME(mfn) (:233) — a machine frame beyond dom0's P2M
   * (Xen's heap, another domain, MMIO) reads as the identity. ~0 is -1 here (dmasim's signed ~0UL).
   */
  mfn_to_pfn(mfn: number): number {
    let pfn = mfn < 0 ? -1 : this.m2p(mfn);
    if (pfn < 0 || this.identity(pfn) || this.get(pfn) !== mfn) pfn = -1;
    if (pfn === -1 && this.identity(mfn)) pfn = mfn;
    return pfn;
  }

  /** machine_to_phys_mapping[mfn], or -1 */
  m2p(mfn: number): number {
    const p = this.m2pChanged.get(mfn);
    if (p !== undefined) return p;
    const c = this.topChunk - 1 - Math.floor(mfn / 512);
    const chunks = Math.ceil(this.length / 512);
    if (c < 0 || c >= chunks) return -1;
    const q = c * 512 + (mfn % 512);
    // a frame xen_remap_memory moved names its new pfn
    const sh = this.shifts;
    for (let i = 0; i < sh.length; i++) {
      const s = sh[i]!;
      if (q >= s.from && q < s.from + s.n) return s.pfn + (q - s.from);
    }
    return q;
  }
}

/**
 * include/xen/arm/page.h pfn_to_bfn (5.6–6.18): the rbtree entry covering pfn, else identity; x86 PV:
 * arch/x86/include/asm/xen/page.h pfn_to_mfn (5.6–6.18; 6.18.35 page.h:156–174): __pfn_to_mfn with
 * FOREIGN_FRAME_BIT | IDENTITY_FRAME_BIT masked off — the P2M entry, or the pfn itself for an identity frame
 */
export function pfn_to_bfn(k: Kernel, pfn: number): number {
  const x = k.xen;
  if (x && x.p2m) return x.p2m.identity(pfn) ? pfn : x.p2m.get(pfn);
  if (x && x.phys_to_mach.length) {
    for (const e of x.phys_to_mach) if (pfn >= e.pfn && pfn < e.pfn + e.nr_pages) return e.mfn + (pfn - e.pfn);
  }
  return pfn;
}

/** include/xen/arm/page.h bfn_to_pfn (5.6–6.18): identity on ARM; x86 PV: arch/x86/include/asm/xen/page.h gfn_to_pfn → mfn_to_pfn (PvP2M.mfn_to_pfn) */
export function bfn_to_pfn(k: Kernel, bfn: number): number {
  const x = k.xen;
  if (!x || !x.p2m) return bfn;
  return x.p2m.mfn_to_pfn(bfn);
}

/**
 * include/xen/arm/page.h bfn_to_local_pfn (5.6–6.18: bfn_to_pfn, the identity); x86 PV:
 * arch/x86/include/asm/xen/page.h bfn_to_local_pfn (5.6.4 page.h:292–305, 6.18.35 :283–294): mfn_to_pfn,
 * then -1 ("force !pfn_valid()") unless __pfn_to_mfn gives mfn back — so an identity frame is not local
 */
export function bfn_to_local_pfn(k: Kernel, bfn: number): number {
  const x = k.xen;
  if (!x || !x.p2m) return bfn;
  const pfn = x.p2m.mfn_to_pfn(bfn);
  return pfn < 0 || x.p2m.identity(pfn) || x.p2m.get(pfn) !== bfn ? -1 : pfn;
}

/** arch/arm/xen/p2m.c set_foreign_p2m_mapping → __set_phys_to_machine_multi → xen_add_phys_to_mach_entry (5.6–6.18: a pfn already in the tree is a pr_warn and false) */
export function set_phys_to_machine(k: Kernel, pfn: number, mfn: number, nr_pages: number): boolean {
  const x = k.xen!;
  const entry = x.phys_to_mach.find((e) => e.pfn === pfn);
  if (entry) {
    // xen_add_phys_to_mach_entry: pr_warn (a log line, not a WARN) and -EINVAL; %pa of the unsigned longs (arm64: 0x%016llx)
    const pa = (v: number) => "0x" + v.toString(16).padStart(16, "0");
    k.printk("warn", `xen_add_phys_to_mach_entry: cannot add pfn=${pa(pfn)} -> mfn=${pa(mfn)}: pfn=${pa(entry.pfn)} -> mfn=${pa(entry.mfn)} already exists`);
    return false;
  }
  x.phys_to_mach.push({ pfn, mfn, nr_pages });
  x.phys_to_mach.sort((a, b) => a.pfn - b.pfn);
  return true;
}

/** clear_foreign_p2m_mapping: setting INVALID_P2M_ENTRY deletes the node */
export function clear_phys_to_machine(k: Kernel, pfn: number): void {
  const x = k.xen!;
  x.phys_to_mach = x.phys_to_mach.filter((e) => e.pfn !== pfn);
}

/**
 * For the trace: the pseudo-physical address behind machine address `maddr` on an x86 PV dom0, as
 * machine_to_phys computes it (mfn_to_pfn: the M2P with its round trip, the identity beyond the P2M),
 * "-1" for ~0 (a frame below the P2M's end that dom0 does not own); undefined elsewhere (no machine/pseudo split).
 */
export function pseudo_phys_of(k: Kernel, maddr: number): string | undefined {
  const x = k.xen;
  if (!x || !x.p2m) return undefined;
  const pfn = bfn_to_pfn(k, Math.floor(maddr / XEN_PAGE_SIZE));
  return pfn < 0 ? "-1" : "0x" + (pfn * XEN_PAGE_SIZE + (maddr % XEN_PAGE_SIZE)).toString(16);
}

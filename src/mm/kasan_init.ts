/**
 * Generic KASAN's boot-time shadow page tables (mm/kasan/init.c and the arch kasan_init walkers):
 * which shadow page-table entries point at a table of their own, which at the shared early-shadow
 * tables (kasan_early_shadow_{p4d,pud,pmd,pte}, backed by the one kasan_early_shadow_page), and which
 * shadow pages are mapped — kept per table entry and as page ranges, never page by page, so a boot
 * with GiBs of shadow stays cheap. Every table and every shadow page the walk needs is counted; the
 * caller takes that many pages from memblock.
 */

/** What a shadow page-table entry points to: a table of its own, the shared early-shadow table, or (x86_64, pmd_set_huge / pud_set_huge) a huge shadow block. */
export type EntryKind = "table" | "early" | "huge";

/** The shadow page tables of a KASAN boot: entry shifts of the levels that point to tables, top first. */
export class KasanShadowTables {
  /** per entry shift: runs of entry indices [lo, hi) pointing to a table allocated for them, to the early-shadow table, or (x86_64) mapping a huge shadow block */
  protected readonly entries = new Map<number, [bigint, bigint, EntryKind][]>();
  /** mapped shadow pages (a freshly allocated page or the zero page), [start, end) byte ranges */
  protected readonly ptes: [bigint, bigint][] = [];
  /** pages taken from memblock: page-table pages (memblock_alloc_try_nid, zeroed) and shadow pages (…_raw) */
  tablePages = 0;
  shadowPages = 0;

  /** levels: the shifts of the entries that point to a next-level table (arm64 4 KiB pages: [39, 30, 21] for VA_BITS 48, [30, 21] for 39) */
  constructor(readonly levels: number[]) {
    for (const l of levels) this.entries.set(l, []);
  }

  protected none(shift: number, addr: bigint): boolean {
    const i = addr >> BigInt(shift);
    return !this.entries.get(shift)!.some(([lo, hi]) => i >= lo && i < hi);
  }

  /** what the entry of a level covering addr points to, null when it is none */
  protected kindAt(shift: number, addr: bigint): EntryKind | null {
    const i = addr >> BigInt(shift);
    for (const [lo, hi, kind] of this.entries.get(shift)!) if (i >= lo && i < hi) return kind;
    return null;
  }

  /** set entries [lo, hi) of a level (extending the last run when they follow it) */
  protected set(shift: number, lo: bigint, hi: bigint, kind: EntryKind) {
    const runs = this.entries.get(shift)!;
    const last = runs[runs.length - 1];
    if (last && last[1] === lo && last[2] === kind) last[1] = hi;
    else runs.push([lo, hi, kind]);
  }

  /** the first set entry index at or after i, below limit */
  private firstSet(shift: number, i: bigint, limit: bigint): bigint {
    let stop = limit;
    for (const [lo, hi] of this.entries.get(shift)!) if (hi > i && lo < stop) stop = lo > i ? lo : i;
    return stop;
  }

  private pteNone(addr: bigint): boolean {
    return !this.ptes.some(([s, e]) => addr >= s && addr < e);
  }

  protected setPtes(start: bigint, end: bigint) {
    const last = this.ptes[this.ptes.length - 1];
    if (last && last[1] === start) last[1] = end;
    else this.ptes.push([start, end]);
  }

  /** the first pte at or after addr (below end) that is already set, or end */
  protected firstSetPte(addr: bigint, end: bigint): bigint {
    let stop = end;
    for (const [s, e] of this.ptes) if (e > addr && s < stop) stop = s > addr ? s : addr;
    return stop;
  }

  /**
   * arch/arm64/mm/kasan_init.c kasan_map_populate (5.6–6.18): kasan_pgd_populate(…, early = false) and its
   * kasan_{p4d,pud,pmd,pte}_populate — a missing table is a zeroed memblock page (kasan_alloc_zeroed_page), each shadow page
   * a raw one (kasan_alloc_raw_page); below the top level a loop stops at the first entry that is
   * already set (`addr != end && p*d_none(next)`), and the pte loop maps its first page even over a set pte.
   */
  map_populate(start: bigint, end: bigint) {
    this.populate(0, start, end);
  }

  private populate(level: number, addr: bigint, end: bigint) {
    const shift = this.levels[level]!;
    const sh = BigInt(shift);
    const size = 1n << sh;
    const last = level + 1 === this.levels.length;
    for (let first = true; ; first = false) {
      if (last && !first) {
        // the rest of a PMD loop at once: every entry up to the first one already set (where the loop stops) gets a table and its pages
        const stopIdx = this.firstSet(shift, addr >> sh, (end + size - 1n) >> sh);
        const stop = stopIdx << sh < end ? stopIdx << sh : end;
        if (stop > addr) {
          this.set(shift, addr >> sh, (stop + size - 1n) >> sh, "table");
          this.tablePages += Number((stop + size - 1n - addr) >> sh);
          this.pte_populate(addr, stop);
        }
        return;
      }
      const next = ((addr >> sh) + 1n) * size < end ? ((addr >> sh) + 1n) * size : end;
      if (this.none(shift, addr)) {
        this.set(shift, addr >> sh, (addr >> sh) + 1n, "table");
        this.tablePages++;
      }
      if (!last) this.populate(level + 1, addr, next);
      else this.pte_populate(addr, next);
      addr = next;
      if (addr === end) return;
      if (level > 0 && !this.none(shift, addr)) return;
    }
  }

  private pte_populate(addr: bigint, end: bigint) {
    // the first page unconditionally, then while the next pte is none
    const stop = this.firstSetPte(addr + 4096n, end);
    this.shadowPages += Number((stop - addr) / 4096n);
    this.setPtes(addr, stop);
  }

  /**
   * mm/kasan/init.c kasan_populate_early_shadow (5.6–6.18), with zero_{p4d,pud,pmd,pte}_populate, before
   * slab is up: an entry whose whole span lies in [start, end) points at the early-shadow table; a
   * partly covered one that is none gets a table from early_alloc (memblock_alloc_try_nid(PAGE_SIZE,
   * PAGE_SIZE, __pa(MAX_DMA_ADDRESS), MEMBLOCK_ALLOC_ACCESSIBLE)); the ptes map the zero page.
   * (Folded levels' p*d_none is 0, so only real levels allocate.)
   */
  populate_early_shadow(start: bigint, end: bigint) {
    this.zero_populate(0, start, end);
  }

  private zero_populate(level: number, addr: bigint, end: bigint) {
    const shift = this.levels[level]!;
    const size = 1n << BigInt(shift);
    while (addr < end) {
      const next = ((addr >> BigInt(shift)) + 1n) * size < end ? ((addr >> BigInt(shift)) + 1n) * size : end;
      if (addr % size === 0n && end - addr >= size) {
        this.set(shift, addr >> BigInt(shift), (addr >> BigInt(shift)) + 1n, "early");
      } else {
        if (this.none(shift, addr)) {
          this.set(shift, addr >> BigInt(shift), (addr >> BigInt(shift)) + 1n, "table");
          this.tablePages++;
        }
        if (level + 1 < this.levels.length) this.zero_populate(level + 1, addr, next);
        else this.setPtes(addr, next);
      }
      addr = next;
    }
  }
}

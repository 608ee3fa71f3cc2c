/**
 * Boot-time physical allocator: memblock.memory (the banks) and memblock.reserved.
 * Allocations are top-down within [min, max) like the kernel's default, first fit from the top.
 */
import { hex } from "../core/u64.js";
import { type Bank, type Reserved, cutRange } from "./physmem.js";

const PAGE = 4096;

export class Memblock {
  readonly reserved: Reserved[] = [];
  constructor(readonly memory: Bank[]) {}

  /** memblock_reserve */
  reserve(start: number, size: number, name: string) {
    // kept sorted by start: inserted after every entry that starts at or below it (as push + a stable sort)
    let lo = 0;
    let hi = this.reserved.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.reserved[mid]!.start <= start) lo = mid + 1;
      else hi = mid;
    }
    this.reserved.splice(lo, 0, { start, size, name });
  }

  /**
   * mm/memblock.c memblock_free (5.6–5.15, a phys_addr_t) / memblock_phys_free (5.16+): memblock_remove_range
   * of [start, start + size) from memblock.reserved — here the one reservation made for exactly that range
   */
  free(start: number, size: number) {
    // memblock_isolate_range: `if (!size) return 0;` (5.15.178 mm/memblock.c:730): freeing 0 bytes does nothing
    if (size === 0) return;
    const i = this.reserved.findIndex((r) => r.start === start && r.size === size);
    if (i < 0) throw new Error(`memblock: no reservation at ${hex(start)}+${hex(size)} to free`);
    this.reserved.splice(i, 1);
  }

  /** mm/memblock.c memblock_phys_mem_size (5.6–6.18): memblock.memory.total_size, the bytes of every memory bank */
  phys_mem_size(): number {
    let total = 0;
    for (const b of this.memory) total += b.size;
    return total;
  }

  /**
   * mm/memblock.c memblock_free / memblock_phys_free (5.6–6.18) of a range that need not be one reservation:
   * memblock_remove_range cuts [start, start + size) out of every reserved region it overlaps (the rest stays)
   */
  freeRange(start: number, size: number) {
    this.reserved.splice(0, this.reserved.length, ...cutRange(this.reserved, start, size));
  }


  isReserved(start: number, size: number): boolean {
    return this.reserved.some((r) => start < r.start + r.size && r.start < start + size);
  }

  /** memblock_phys_alloc_range: top-down first fit in [min, max), aligned. */
  alloc(size: number, align: number, min: number, max: number, name: string): number {
    const got = this.tryAlloc(size, align, min, max, name);
    if (got === null) throw new Error(`memblock: cannot allocate ${hex(size)} for ${name} in [${hex(min)}, ${hex(max)})`);
    return got;
  }

  /**
   * mm/memblock.c memblock_alloc_range_nid (5.6–6.18) with memblock.bottom_up set: the lowest free,
   * aligned range in [min, max) (__memblock_find_range_bottom_up), reserved; null when none fits.
   */
  tryAllocBottomUp(size: number, align: number, min: number, max: number, name: string): number | null {
    const banks = [...this.memory].sort((a, b) => a.start - b.start);
    for (const b of banks) {
      const hi = Math.min(b.start + b.size, max);
      let start = Math.ceil(Math.max(b.start, min) / align) * align;
      while (start + size <= hi) {
        const clash = this.reserved.find((r) => start < r.start + r.size && r.start < start + size);
        if (!clash) {
          this.reserve(start, size, name);
          return start;
        }
        start = Math.ceil((clash.start + clash.size) / align) * align;
      }
    }
    return null;
  }

  /**
   * mm/memblock.c memblock_alloc_range_nid (5.6–6.18), top-down: as alloc, null when nothing fits —
   * __memblock_find_range_top_down over the free ranges in reverse (for_each_free_mem_range_reverse):
   * in the highest free range [lo, hi) clamped to [min, max) with round_down(hi - size, align) >= lo.
   * One pass over the reservations (merged where they overlap), so hundreds of them stay cheap.
   */
  tryAlloc(size: number, align: number, min: number, max: number, name: string): number | null {
    const banks = [...this.memory].sort((a, b) => b.start - a.start);
    for (const b of banks) {
      const lo = Math.max(b.start, min);
      let top = Math.min(b.start + b.size, max);
      if (top - size < lo) continue;
      // the reservations inside [lo, top), merged, highest first: the free ranges lie between them
      const busy: [number, number][] = [];
      for (const r of this.reserved) {
        const s = r.start;
        const e = r.start + r.size;
        if (e <= lo || s >= top) continue;
        const last = busy[busy.length - 1];
        if (last && s <= last[1]) last[1] = Math.max(last[1], e);
        else busy.push([s, e]);
      }
      for (let i = busy.length; i >= 0 && top - size >= lo; i--) {
        const floor = i > 0 ? Math.max(lo, busy[i - 1]![1]) : lo;
        const start = Math.floor((top - size) / align) * align;
        if (top - size >= floor && start >= floor) {
          this.reserve(start, size, name);
          return start;
        }
        if (i > 0) top = Math.min(top, busy[i - 1]![0]);
      }
    }
    return null;
  }

  /**
   * mm/memblock.c memblock_alloc_try_nid (5.6–6.18), n successive calls with (PAGE_SIZE, PAGE_SIZE, min,
   * max), top-down: each takes the highest free page below max, so together they take the n highest free
   * pages in [min, max) — reserved here as ranges (one per free stretch), not page by page.
   */
  allocPagesTopDown(n: number, min: number, max: number, name: string): { start: number; size: number }[] {
    const out: { start: number; size: number }[] = [];
    const banks = [...this.memory].sort((a, b) => b.start - a.start);
    for (const b of banks) {
      const lo = Math.max(b.start, min);
      let top = Math.floor(Math.min(b.start + b.size, max) / PAGE) * PAGE;
      while (n > 0 && top - PAGE >= lo) {
        const hit = this.reserved.find((r) => r.start < top && r.start + r.size > top - PAGE);
        if (hit) {
          top = Math.floor(hit.start / PAGE) * PAGE;
          continue;
        }
        // a free stretch [floor, top): down to the nearest reservation below, or lo
        let floor = lo;
        for (const r of this.reserved) if (r.start + r.size <= top) floor = Math.max(floor, Math.ceil((r.start + r.size) / PAGE) * PAGE);
        const pages = Math.min(n, Math.floor((top - floor) / PAGE));
        if (pages <= 0) break;
        const start = top - pages * PAGE;
        this.reserve(start, pages * PAGE, name);
        out.push({ start, size: pages * PAGE });
        n -= pages;
        top = start;
      }
      if (n === 0) break;
    }
    if (n > 0) throw new Error(`memblock: cannot allocate ${n} more pages for ${name} in [${hex(min)}, ${hex(max)})`);
    return out;
  }

  /** Name of the reservation covering phys, if any. */
  owner(phys: number): string | undefined {
    return this.reserved.find((r) => phys >= r.start && phys < r.start + r.size)?.name;
  }
}

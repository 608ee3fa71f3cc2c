/**
 * lib/genalloc.c: a gen_pool of chunks, each with a bitmap of (1 << min_alloc_order)-byte units.
 * Algorithm gen_pool_first_fit_order_align: the first free run aligned to the request's size
 * rounded up to a power of two (in units). Checked operation by operation against the unmodified
 * lib/genalloc.c of 5.6.4–6.18.35 (test/vectors-genalloc.test.ts, tools/kernel-vectors/genalloc).
 */
import type { Kernel } from "../kernel.js";
import { BUG_at } from "./mm-debug.js";
import { hex } from "../core/u64.js";

const BITS_PER_LONG = 64;

export interface GenPoolChunk {
  start_addr: number; // virt
  phys_addr: number;
  end_addr: number; // inclusive, as the kernel keeps it
  /** chunk->avail: bytes not allocated, starting at the size added (not rounded to units) */
  avail: number;
  bits: Uint8Array; // one byte per unit: 1 = allocated
}

/** The BUG a gen_pool_free_owner hits: BUG_ON(addr + size - 1 > chunk->end_addr), BUG_ON(remain), or BUG() (no chunk holds addr) */
export type GenPoolFreeBug = "end_addr" | "remain" | "no_chunk";

/** lib/find_bit.c find_next_zero_bit over a unit bitmap (5.6–6.18) */
function find_next_zero_bit(map: Uint8Array, size: number, start: number): number {
  for (let i = start; i < size; i++) if (map[i] !== 1) return i;
  return size;
}

/** lib/find_bit.c find_next_bit over a unit bitmap (5.6–6.18) */
function find_next_bit(map: Uint8Array, size: number, start: number): number {
  for (let i = start; i < size; i++) if (map[i] === 1) return i;
  return size;
}

/** lib/bitmap.c bitmap_find_next_zero_area_off (5.6–6.18): the first run of nr clear bits at or after start whose index + align_offset is a multiple of align_mask + 1; a value past size when there is none */
export function bitmap_find_next_zero_area_off(map: Uint8Array, size: number, start: number, nr: number, align_mask: number, align_offset: number): number {
  for (;;) {
    let index = find_next_zero_bit(map, size, start);
    index = ((index + align_offset + align_mask) & ~align_mask) - align_offset; // __ALIGN_MASK(index + align_offset, align_mask) - align_offset
    const end = index + nr;
    if (end > size) return end;
    const i = find_next_bit(map, end, index);
    if (i < end) {
      start = i + 1;
      continue;
    }
    return index;
  }
}

/** include/linux/bitmap.h bitmap_find_next_zero_area (5.6–6.18): bitmap_find_next_zero_area_off with align_offset 0 */
export function bitmap_find_next_zero_area(map: Uint8Array, size: number, start: number, nr: number, align_mask: number): number {
  return bitmap_find_next_zero_area_off(map, size, start, nr, align_mask, 0);
}

/** lib/genalloc.c gen_pool_first_fit_order_align (5.6–6.18): align_mask = roundup_pow_of_two(nr) - 1 */
export function gen_pool_first_fit_order_align(map: Uint8Array, size: number, start: number, nr: number): number {
  let p2 = 1;
  while (p2 < nr) p2 *= 2;
  return bitmap_find_next_zero_area(map, size, start, nr, p2 - 1);
}

export class GenPool {
  readonly chunks: GenPoolChunk[] = [];
  constructor(readonly min_alloc_order: number, readonly name: string) {}

  /** lib/genalloc.c gen_pool_add_owner via gen_pool_add_virt (5.6–6.18): nbits = size >> min_alloc_order, avail = size, list_add_rcu at the head */
  add_virt(virt: number, phys: number, size: number) {
    const units = Math.floor(size / 2 ** this.min_alloc_order);
    this.chunks.unshift({ start_addr: virt, phys_addr: phys, end_addr: virt + size - 1, avail: size, bits: new Uint8Array(units) });
  }

  /** lib/genalloc.c gen_pool_alloc_algo_owner with gen_pool_first_fit_order_align (5.6–6.18). Returns virt or 0. */
  alloc(size: number): number {
    if (size === 0) return 0;
    const unit = 2 ** this.min_alloc_order;
    const nbits = Math.ceil(size / unit);
    for (const c of this.chunks) {
      if (size > c.avail) continue;
      const end_bit = c.bits.length; // chunk_size(chunk) >> order
      const start_bit = gen_pool_first_fit_order_align(c.bits, end_bit, 0, nbits);
      if (start_bit >= end_bit) continue;
      c.bits.fill(1, start_bit, start_bit + nbits); // bitmap_set_ll
      c.avail -= nbits * unit;
      return c.start_addr + start_bit * unit;
    }
    return 0;
  }

  /**
   * lib/genalloc.c gen_pool_free_owner (5.6–6.18) without its BUG report: the BUG it would hit, or
   * null. bitmap_clear_ll clears word by word (BITS_PER_LONG units) and stops at the first word
   * whose bits are not all set (remain != 0), leaving the words before it cleared, as the kernel does.
   * Callers report the BUG through gen_pool_free.
   */
  free(addr: number, size: number): GenPoolFreeBug | null {
    const unit = 2 ** this.min_alloc_order;
    const nbits = Math.ceil(size / unit);
    for (const c of this.chunks) {
      if (addr >= c.start_addr && addr <= c.end_addr) {
        if (addr + size - 1 > c.end_addr) return "end_addr";
        let pos = Math.floor((addr - c.start_addr) / unit);
        let nr = nbits;
        let bits_to_clear = BITS_PER_LONG - (pos % BITS_PER_LONG);
        const bits = c.bits;
        while (nr > 0) {
          const n = Math.min(nr, bits_to_clear);
          for (let i = pos; i < pos + n; i++) if (bits[i] !== 1) return "remain"; // clear_bits_ll: -EBUSY
          bits.fill(0, pos, pos + n);
          pos += n;
          nr -= n;
          bits_to_clear = BITS_PER_LONG;
        }
        c.avail += nbits * unit;
        return null;
      }
    }
    return "no_chunk";
  }

  /** lib/genalloc.c gen_pool_has_addr (5.6–6.18): the chunk holding start must hold start + size - 1 */
  has_addr(addr: number, size: number): boolean {
    const end = addr + size - 1;
    for (const c of this.chunks) if (addr >= c.start_addr && addr <= c.end_addr) return end <= c.end_addr;
    return false;
  }

  /** lib/genalloc.c gen_pool_virt_to_phys (5.6–6.18): -1 when no chunk holds addr */
  virt_to_phys(addr: number): number {
    for (const c of this.chunks) if (addr >= c.start_addr && addr <= c.end_addr) return c.phys_addr + (addr - c.start_addr);
    return -1;
  }

  /** lib/genalloc.c gen_pool_size (5.6–6.18): the chunks' sizes as added */
  size(): number {
    return this.chunks.reduce((s, c) => s + (c.end_addr - c.start_addr + 1), 0);
  }

  /** lib/genalloc.c gen_pool_avail (5.6–6.18): the chunks' avail counters */
  avail(): number {
    return this.chunks.reduce((s, c) => s + c.avail, 0);
  }
}

/** lib/genalloc.c: the lines of gen_pool_free_owner's BUG_ON(addr + size - 1 > chunk->end_addr), BUG_ON(remain) and BUG() (5.13: no tree read) */
export const GEN_POOL_FREE_BUG_LINE: Record<string, Record<GenPoolFreeBug, number>> = {
  "5.6": { end_addr: 503, remain: 506, no_chunk: 516 },
  "5.10": { end_addr: 504, remain: 507, no_chunk: 517 },
  ...Object.fromEntries(["5.14", "5.15", "5.19", "6.1", "6.6", "6.12", "6.18"].map((v) => [v, { end_addr: 505, remain: 508, no_chunk: 518 }])),
};

/**
 * include/linux/genalloc.h gen_pool_free → lib/genalloc.c gen_pool_free_owner (5.6–6.18): a free of
 * units that are not all allocated (a double free), past the chunk's end or outside every chunk is
 * "kernel BUG at lib/genalloc.c:<line>!" — the run stops.
 */
export function gen_pool_free(k: Kernel, pool: GenPool, addr: number, size: number): void {
  const bug = pool.free(addr, size);
  if (bug === null) return;
  const cond = bug === "end_addr" ? "BUG_ON(addr + size - 1 > chunk->end_addr)" : bug === "remain" ? "BUG_ON(remain)" : "BUG()";
  k.tr?.note(`gen_pool_free(${pool.name}, ${k.arch.fmtVa(addr)}, ${hex(size)}): ${cond}`);
  BUG_at(k, "lib/genalloc.c", GEN_POOL_FREE_BUG_LINE[k.version.id]?.[bug], "gen_pool_free_owner");
}

/**
 * lib/genalloc.c: a gen_pool of chunks, each with a bitmap of (1 << min_alloc_order)-byte units.
 * Algorithm gen_pool_first_fit_order_align: the first free run aligned to the request's size
 * rounded up to a power of two (in units).
 */

export interface GenPoolChunk {
  start_addr: number; // virt
  phys_addr: number;
  end_addr: number; // inclusive, as the kernel keeps it
  bits: Uint8Array; // one byte per unit: 1 = allocated
}

export class GenPool {
  readonly chunks: GenPoolChunk[] = [];
  constructor(readonly min_alloc_order: number, readonly name: string) {}

  /** gen_pool_add_virt */
  add_virt(virt: number, phys: number, size: number) {
    const units = size >> this.min_alloc_order;
    // newest chunk first, as list_add_rcu puts it at the head
    this.chunks.unshift({ start_addr: virt, phys_addr: phys, end_addr: virt + size - 1, bits: new Uint8Array(units) });
  }

  /** gen_pool_alloc_algo with gen_pool_first_fit_order_align. Returns virt or 0. */
  alloc(size: number): number {
    if (size === 0) return 0;
    const unit = 2 ** this.min_alloc_order;
    const nr = Math.ceil(size / unit);
    let p2 = 1;
    while (p2 < nr) p2 *= 2;
    for (const c of this.chunks) {
      const n = c.bits.length;
      for (let s = 0; s + nr <= n; s += p2) {
        let free = true;
        for (let i = 0; i < nr; i++)
          if (c.bits[s + i]) {
            free = false;
            break;
          }
        if (free) {
          c.bits.fill(1, s, s + nr);
          return c.start_addr + s * unit;
        }
      }
    }
    return 0;
  }

  /** gen_pool_free */
  free(addr: number, size: number): boolean {
    const unit = 2 ** this.min_alloc_order;
    const nr = Math.ceil(size / unit);
    for (const c of this.chunks) {
      if (addr >= c.start_addr && addr <= c.end_addr) {
        const s = (addr - c.start_addr) / unit;
        c.bits.fill(0, s, s + nr);
        return true;
      }
    }
    return false;
  }

  /** gen_pool_has_addr */
  has_addr(addr: number, size: number): boolean {
    return this.chunks.some((c) => addr >= c.start_addr && addr + size - 1 <= c.end_addr);
  }

  /** gen_pool_virt_to_phys */
  virt_to_phys(addr: number): number {
    for (const c of this.chunks) if (addr >= c.start_addr && addr <= c.end_addr) return c.phys_addr + (addr - c.start_addr);
    return -1;
  }

  /** gen_pool_size */
  size(): number {
    return this.chunks.reduce((s, c) => s + c.bits.length * 2 ** this.min_alloc_order, 0);
  }

  /** gen_pool_avail */
  avail(): number {
    let free = 0;
    for (const c of this.chunks) for (const b of c.bits) if (!b) free++;
    return free * 2 ** this.min_alloc_order;
  }
}

/** mm/cma.c: a contiguous area with an allocation bitmap (order_per_bit 0). */
export class CmaArea {
  readonly bitmap: Uint8Array;
  constructor(readonly name: string, readonly base_pfn: number, readonly count: number) {
    this.bitmap = new Uint8Array(count);
  }

  get end_pfn(): number {
    return this.base_pfn + this.count;
  }

  /** cma_alloc(cma, count, align): first fit aligned to 1 << align pages (absolute pfn alignment). */
  alloc(count: number, align: number): number | null {
    const a = 2 ** align;
    let start = Math.ceil(this.base_pfn / a) * a - this.base_pfn;
    for (; start + count <= this.count; start += a) {
      let free = true;
      for (let i = 0; i < count; i++)
        if (this.bitmap[start + i]) {
          free = false;
          break;
        }
      if (free) {
        this.bitmap.fill(1, start, start + count);
        return this.base_pfn + start;
      }
    }
    return null;
  }

  /** cma_release: false if the pages are not in this area. */
  release(pfn: number, count: number): boolean {
    if (pfn < this.base_pfn || pfn + count > this.end_pfn) return false;
    this.bitmap.fill(0, pfn - this.base_pfn, pfn - this.base_pfn + count);
    return true;
  }

  used(): number {
    let n = 0;
    for (const b of this.bitmap) n += b;
    return n;
  }
}

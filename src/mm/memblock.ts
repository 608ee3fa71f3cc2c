/**
 * Boot-time physical allocator: memblock.memory (the banks) and memblock.reserved.
 * Allocations are top-down within [min, max) like the kernel's default, first fit from the top.
 */
import { hex } from "../core/u64.js";
import type { Bank, Reserved } from "./physmem.js";

export class Memblock {
  readonly reserved: Reserved[] = [];
  constructor(readonly memory: Bank[]) {}

  /** memblock_reserve */
  reserve(start: number, size: number, name: string) {
    this.reserved.push({ start, size, name });
    this.reserved.sort((a, b) => a.start - b.start);
  }

  isReserved(start: number, size: number): boolean {
    return this.reserved.some((r) => start < r.start + r.size && r.start < start + size);
  }

  /** memblock_phys_alloc_range: top-down first fit in [min, max), aligned. */
  alloc(size: number, align: number, min: number, max: number, name: string): number {
    const banks = [...this.memory].sort((a, b) => b.start - a.start);
    for (const b of banks) {
      let top = Math.min(b.start + b.size, max);
      while (top - size >= Math.max(b.start, min)) {
        const start = Math.floor((top - size) / align) * align;
        if (start < Math.max(b.start, min)) break;
        const clash = this.reserved.find((r) => start < r.start + r.size && r.start < start + size);
        if (!clash) {
          this.reserve(start, size, name);
          return start;
        }
        top = clash.start;
      }
    }
    throw new Error(`memblock: cannot allocate ${hex(size)} for ${name} in [${hex(min)}, ${hex(max)})`);
  }

  /** Name of the reservation covering phys, if any. */
  owner(phys: number): string | undefined {
    return this.reserved.find((r) => phys >= r.start && phys < r.start + r.size)?.name;
  }
}

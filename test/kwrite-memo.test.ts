/**
 * Kernel.kwrite's one-page memo (a transparent cache, no Xen): a write to the page written last goes
 * to its frame without a walk. These tests change what the memo holds under it — the page tables
 * (a remap, an unmap), the frames (moved into arenas, released) — and check with real bytes at real
 * physical addresses that every write lands where a full walk puts it.
 */
import { describe, expect, it } from "vitest";
import { bootK } from "./helpers.js";
import { vmalloc } from "../src/mm/mm.js";
import { ALIGN_AFTER } from "../src/mm/physmem.js";
import { KernelFault } from "../src/core/faults.js";

const bytes = (...b: number[]) => new Uint8Array(b);
const u64 = (v: number) => {
  const s = new Uint8Array(8);
  new DataView(s.buffer).setUint32(0, v, true);
  s[7] = 0xa5;
  return s;
};

describe("kwrite's one-page memo", () => {
  it("a second write to the same page lands next to the first; a write across the page's end reaches both pages", () => {
    const k = bootK("x86_64", "5.19", { mem: "2G" });
    expect(k.cache.transparent).toBe(true);
    const a = vmalloc(k, 8192);
    const p0 = k.translate(a).phys;
    const p1 = k.translate(a + 4096).phys;
    k.kwrite(a, u64(0x11223344));
    k.kwrite(a + 8, u64(0x55667788));
    expect([...k.mem.read(p0, 16)]).toEqual([...u64(0x11223344), ...u64(0x55667788)]);
    k.kwrite(a + 4090, bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
    expect([...k.mem.read(p0 + 4090, 6)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...k.mem.read(p1, 6)]).toEqual([7, 8, 9, 10, 11, 12]);
    expect([...k.kread(a, 16)]).toEqual([...u64(0x11223344), ...u64(0x55667788)]);
  });

  it("a page remapped to another frame after a write: the next write goes to the new frame", () => {
    const k = bootK("x86_64", "5.19", { mem: "2G" });
    const a = vmalloc(k, 4096);
    const b = vmalloc(k, 4096);
    const pa = k.translate(a).phys;
    const pb = k.translate(b).phys;
    k.kwrite(a + 64, u64(1));
    k.pgd.unmap(a, 4096);
    k.pgd.map(a, pb / 4096, 4096, "normal");
    k.kwrite(a + 64, u64(2));
    expect([...k.mem.read(pb + 64, 8)]).toEqual([...u64(2)]);
    expect([...k.mem.read(pa + 64, 8)]).toEqual([...u64(1)]);
  });

  it("a page unmapped after a write: the next write oopses as the walk does", () => {
    const k = bootK("x86_64", "5.19", { mem: "2G" });
    const a = vmalloc(k, 4096);
    const pa = k.translate(a).phys;
    k.kwrite(a, u64(3));
    k.pgd.unmap(a, 4096);
    expect(() => k.kwrite(a + 8, u64(4))).toThrow(KernelFault);
    expect([...k.mem.read(pa, 16)]).toEqual([...u64(3), 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it(`frames moved into arenas (more than ${ALIGN_AFTER} full slabs) or released after a write: the next write reaches the pfn's frame as it is now`, () => {
    const k = bootK("x86_64", "5.19", { mem: "2G" });
    const a = vmalloc(k, 4096);
    const pa = k.translate(a).phys;
    k.kwrite(a, u64(5));
    // back (ALIGN_AFTER + 2) MiB of other frames: the model moves every frame, the memo's included
    const page = new Uint8Array(4096).fill(0x3c);
    const first = Math.floor(pa / 4096) > 0x40000 ? 0x10000 : 0x50000;
    for (let i = 0; i < (ALIGN_AFTER + 2) * 256; i++) k.mem.write((first + i) * 4096, page);
    expect((k.mem as unknown as { aligned: boolean }).aligned).toBe(true);
    k.kwrite(a + 8, u64(6));
    expect([...k.mem.read(pa, 16)]).toEqual([...u64(5), ...u64(6)]);
    expect(k.mem.read(first * 4096 + 100, 1)[0]).toBe(0x3c);
    // released: every frame forgotten; a write after it is there to read
    k.mem.release();
    k.kwrite(a + 16, u64(7));
    expect([...k.mem.read(pa, 24)]).toEqual([...new Uint8Array(16), ...u64(7)]);
  });
});

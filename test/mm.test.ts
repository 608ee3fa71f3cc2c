/**
 * Unit tests per mechanism: page tables and walks, vmalloc placement, virt_to_page on the wrong
 * kind of address per arch, the buddy allocator (fast-check), the cache model.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { bootK, h } from "./helpers.js";
import { PageTable, GEOM_ARM64_VA48, isWalkHit } from "../src/mm/pgtable.js";
import { BuddyAllocator, MemMap, MAX_ORDER } from "../src/mm/page_alloc.js";
import { ALIGN_AFTER, PhysMem } from "../src/mm/physmem.js";
import { Cache } from "../src/mm/cache.js";
import { vmalloc, vmalloc_to_page, is_vmalloc_addr, vfree } from "../src/mm/mm.js";
import { Arm64, arm64Layout } from "../src/arch/arm64/memory.js";
import { hex64 } from "../src/core/u64.js";
import { hashP } from "./hash-ptr.js";

describe("page tables", () => {
  it("maps 4 KiB, 2 MiB and 1 GiB leaves and walks them to the right pfn", () => {
    const pt = new PageTable(GEOM_ARM64_VA48);
    const base = h("0xffff000000000000");
    pt.map(base, 0, 2 ** 30, "normal", 2 ** 30);
    pt.map(base + 2 ** 30, 0x40000, 2 ** 21, "normal", 2 ** 21);
    pt.map(h("0xffff800011b88000"), 0x37580, 4096, "nc");
    const w1 = pt.walk(base + 0x1234567);
    expect(isWalkHit(w1) && [w1.phys, w1.level, w1.leafSize]).toEqual([0x1234567, "pud", 2 ** 30]);
    const w2 = pt.walk(base + 2 ** 30 + 0x1fffff);
    expect(isWalkHit(w2) && [w2.pfn, w2.level]).toEqual([0x40000 + 0x1ff, "pmd"]);
    const w3 = pt.walk(h("0xffff800011b88abc"));
    expect(isWalkHit(w3) && [w3.phys, w3.prot, w3.level]).toEqual([0x37580abc, "nc", "pte"]);
    expect(isWalkHit(pt.walk(h("0xffff800011b89000")))).toBe(false);
    pt.unmap(h("0xffff800011b88000"), 4096);
    expect(isWalkHit(pt.walk(h("0xffff800011b88000")))).toBe(false);
  });
});

describe("virt_to_page on the wrong kind of address (kernel-dma-core.md §8)", () => {
  it("arm64 VA39: 0xffffffc012345000 → pfn 0x4012345, page 0xffffffff0048d140 (past VMEMMAP_END)", () => {
    const a = new Arm64(arm64Layout(39, 0, 0x200000, 0x1a00000));
    const k = { cfg: { CONFIG_DEBUG_VIRTUAL: false } } as never;
    const page = a.virt_to_page(k, h("0xffffffc012345000"));
    expect(hex64(page)).toBe("0xffffffff0048d140");
    expect(a.page_to_pfn(page)).toBe(0x4012345);
    expect(page).toBeGreaterThanOrEqual(a.L.VMEMMAP_END);
  });

  it("arm64 VA48: 0xffff800012345000 → pfn 0x800012345, page 0xfffffe000048d140", () => {
    const k = bootK("rpi4", "5.13");
    const page = k.arch.virt_to_page(k, h("0xffff800012345000"));
    expect(hex64(page)).toBe("0xfffffe000048d140");
    expect(k.arch.page_to_pfn(page)).toBe(0x800012345);
    // dereferencing it faults: the vmemmap is only populated for present memory
    expect(() => k.page_deref(page)).toThrow(/Unable to handle kernel paging request at virtual address fffffe000048d140/);
    expect(k.faults).toEqual([]); // the throw is the run's oops; nothing recorded as a warning
  });

  it("x86_64: 0xffffc90000001000 → pfn 0x408000001, page 0xffffeb0200000040; DEBUG_VIRTUAL makes it a BUG", () => {
    const k = bootK("x86_64", "5.13");
    const page = k.arch.virt_to_page(k, h("0xffffc90000001000"));
    expect(hex64(page)).toBe("0xffffeb0200000040");
    expect(k.arch.page_to_pfn(page)).toBe(0x408000001);
    const kd = bootK("x86_64", "5.13", { CONFIG_DEBUG_VIRTUAL: "y" });
    expect(() => kd.arch.virt_to_page(kd, h("0xffffc90000001000"))).toThrow(/kernel BUG/);
    // VIRTUAL_BUG_ON at arch/x86/mm/physaddr.c:28, as report_bug prints it (5.10.7 and 6.18.35; 5.13 has no stored tree)
    for (const kernel of ["5.10", "6.18"]) {
      const kv = bootK("x86_64", kernel, { CONFIG_DEBUG_VIRTUAL: "y" });
      expect(() => kv.arch.virt_to_page(kv, h("0xffffc90000001000")), kernel).toThrow(/^kernel BUG at arch\/x86\/mm\/physaddr\.c:28!$/);
    }
  });

  it("ARM32: 0xf0812000 → pfn 0x30812, a real highmem page owned by someone else; DEBUG_VIRTUAL checks nothing", () => {
    const k = bootK("arm32", "5.13", { CONFIG_DEBUG_VIRTUAL: "y" });
    const page = k.arch.virt_to_page(k, 0xf081_2000);
    expect(k.arch.page_to_pfn(page)).toBe(0x30812);
    expect(k.memmap.PageHighMem(0x30812)).toBe(true);
    expect(k.faults).toEqual([]);
    expect(k.page_deref(page)).toBe(0x30812);
  });

  it("ARM32 DEBUG_VIRTUAL: virt_to_phys of a vmalloc address WARNs at arch/arm/mm/physaddr.c:40: %pK hashed (5.10, 6.12), %px as 8 digits (6.1.166 and 6.18 with \"ARM: mm: Don't use %pK through printk\"), %pS as 0x%lx", () => {
    for (const [kernel, first] of [["5.10", hashP(0xf0812000, 32)], ["6.12", hashP(0xf0812000, 32)], ["6.1", "f0812000"], ["6.18", "f0812000"]] as const) {
      const k = bootK("arm32", kernel, { CONFIG_DEBUG_VIRTUAL: "y" });
      k.arch.virt_to_phys(k, 0xf0812000);
      expect(k.faults.map((f) => [f.message, f.report?.find((l) => l.startsWith("WARNING: "))]), kernel).toEqual([
        [`virt_to_phys used for non-linear address: ${first} (0xf0812000)`, "WARNING: CPU: 0 PID: 1000 at arch/arm/mm/physaddr.c:40 __virt_to_phys+0x…/0x…"],
      ]);
    }
    // no_hash_pointers (5.12+) shows the %pK address on 6.12
    const raw = bootK("arm32", "6.12", { CONFIG_DEBUG_VIRTUAL: "y", no_hash_pointers: "y" });
    raw.arch.virt_to_phys(raw, 0xf0812000);
    expect(raw.faults[0]!.message).toBe("virt_to_phys used for non-linear address: f0812000 (0xf0812000)");
  });

  it("arm64 DEBUG_VIRTUAL: WARN, then the kimage translation", () => {
    const k = bootK("rpi4", "5.13", { CONFIG_DEBUG_VIRTUAL: "y" });
    const a = h("0xffff800012345000");
    const page = k.arch.virt_to_page(k, a);
    // %pK (kptr_restrict=0: hashed as %p) and %pS of the same address — no symbol, so "0x%lx" (arch/arm64/mm/physaddr.c:12–15)
    expect(k.faults[0]!.message).toBe(`virt_to_phys used for non-linear address: ${hashP("0xffff800012345000")} (0xffff800012345000)`);
    expect(k.arch.page_to_pfn(page)).toBe(Math.floor((a - (h("0xffff800010000000") - 0x200000)) / 4096));
    // the WARNING line names the file and line (5.13 has no stored tree: none claimed); 5.10.7 and 6.18.35 physaddr.c:12
    for (const kernel of ["5.10", "6.18"]) {
      const k2 = bootK("rpi4", kernel, { CONFIG_DEBUG_VIRTUAL: "y" });
      k2.arch.virt_to_phys(k2, a);
      expect(k2.faults[0]!.report?.find((l) => l.startsWith("WARNING: ")), kernel).toBe("WARNING: CPU: 0 PID: 1000 at arch/arm64/mm/physaddr.c:12 __virt_to_phys+0x…/0x…");
    }
  });
});

describe("vmalloc", () => {
  it("places areas first fit with a guard page, and vmalloc_to_page walks to the backing pages", () => {
    const k = bootK("rpi4", "5.13");
    const a = vmalloc(k, 8192);
    const b = vmalloc(k, 4096);
    expect(is_vmalloc_addr(k, a)).toBe(true);
    expect(b - a).toBe(8192 + 4096); // two pages + guard page
    const vm = k.vmalloc.find_vm_area(a)!;
    expect(k.arch.page_to_pfn(vmalloc_to_page(k, a + 4096))).toBe(k.arch.page_to_pfn(vm.pages![1]!));
    expect(vmalloc_to_page(k, a + 8192)).toBe(0); // the guard page has no PTE
    vfree(k, a);
    const c = vmalloc(k, 4096);
    expect(c).toBe(a); // first fit reuses the hole
  });
});

describe("buddy allocator (fast-check)", () => {
  it("allocations never overlap, free pages are conserved, and freeing everything merges back", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), { maxLength: 60 }), (ops) => {
        const mm = new MemMap(0, 4096);
        const b = new BuddyAllocator(mm);
        b.addZone("Normal", 0, 4096);
        b.freeRange(0, 4096);
        const initial = b.totalFree();
        const live: [number, number][] = [];
        for (const [order, doFree] of ops) {
          if (doFree && live.length) {
            const [pfn, o] = live.shift()!;
            b.free(pfn, o);
          } else {
            const pfn = b.alloc(order, "Normal", "test");
            if (pfn === null) continue;
            expect(pfn % (1 << order)).toBe(0);
            for (const [p, o] of live) expect(pfn + (1 << order) <= p || p + (1 << o) <= pfn).toBe(true);
            live.push([pfn, order]);
          }
          expect(b.totalFree() + live.reduce((s, [, o]) => s + (1 << o), 0)).toBe(initial);
        }
        for (const [pfn, o] of live) b.free(pfn, o);
        expect(b.totalFree()).toBe(initial);
        expect(b.zones[0]!.free_area[MAX_ORDER - 1]!.length).toBe(4096 / 1024);
      }),
      { numRuns: 200 },
    );
  });

  it("free_the_page's one-lookup walk (freeEndBelow / freeHeadEnd) says free exactly where isFree does, also over corrupt heads", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.boolean()), { maxLength: 40 }),
        // heads a buggy free would leave: any pfn (unaligned too), any order (past MAX_ORDER too);
        // they and the blocks walked lie mostly in the top 1024 pfns, where the allocations are
        fc.array(fc.tuple(fc.oneof(fc.integer({ min: 7168, max: 8191 }), fc.integer({ min: 0, max: 8191 })), fc.integer({ min: 0, max: 12 })), { maxLength: 8 }),
        fc.array(fc.tuple(fc.oneof(fc.integer({ min: 7168, max: 8191 }), fc.integer({ min: 0, max: 8191 })), fc.integer({ min: 0, max: 9 })), { minLength: 1, maxLength: 20 }),
        (ops, corrupt, blocks) => {
          const mm = new MemMap(0, 8192);
          const b = new BuddyAllocator(mm);
          b.addZone("Normal", 0, 8192);
          b.freeRange(0, 8192);
          const live: [number, number][] = [];
          for (const [order, doFree] of ops) {
            if (doFree && live.length) b.free(...live.shift()!);
            else {
              const pfn = b.alloc(order, "Normal", "test");
              if (pfn !== null) live.push([pfn, order]);
            }
          }
          for (const [pfn, o] of corrupt) mm.buddyOrder.set(pfn, o);
          for (const [pfn, order] of blocks) {
            let freeTo = b.freeEndBelow(pfn);
            for (let p = pfn; p < Math.min(8192, pfn + (1 << order)); p++) {
              freeTo = Math.max(freeTo, b.freeHeadEnd(p));
              if (p < freeTo !== b.isFree(p)) expect({ pfn, order, p, walk: p < freeTo }).toEqual({ pfn, order, p, walk: b.isFree(p) });
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("cache model", () => {
  it("non-coherent device reads stale RAM until the CPU cleans; the CPU reads stale lines until it invalidates", () => {
    const ram = new PhysMem([{ start: 0, size: 1 << 20 }]);
    const c = new Cache(ram);
    c.cpuWrite(0x1000, new TextEncoder().encode("cpu data"));
    expect(ram.read(0x1000, 8)).toEqual(new Uint8Array(8)); // still only in the cache
    expect(c.snoopRead(0x1000, 8)).toEqual(new TextEncoder().encode("cpu data")); // a coherent device snoops
    expect(c.clean(0x1000, 8)).toBe(1);
    expect(new TextDecoder().decode(ram.read(0x1000, 8))).toBe("cpu data");
    ram.write(0x1000, new TextEncoder().encode("dev data")); // a non-coherent device write
    expect(new TextDecoder().decode(c.cpuRead(0x1000, 8))).toBe("cpu data"); // stale line
    c.invalidate(0x1000, 8);
    expect(new TextDecoder().decode(c.cpuRead(0x1000, 8))).toBe("dev data");
  });

  it("invalidate drops dirty data (why FROM_DEVICE maps must not share lines, R-ADDR-07)", () => {
    const ram = new PhysMem([{ start: 0, size: 1 << 20 }]);
    const c = new Cache(ram);
    c.cpuWrite(0x2000, new Uint8Array([1, 2, 3]));
    c.invalidate(0x2000, 64);
    expect(c.cpuRead(0x2000, 3)).toEqual(new Uint8Array(3));
  });
});

describe("cache model: a released cache's slabs", () => {
  it("go to the next cache, which shows none of the old bytes: reads, partial-line writes and clean see only its own RAM", () => {
    const a = new Cache(new PhysMem([{ start: 0, size: 1 << 20 }]));
    for (let p = 0; p < 48; p++) a.cpuWrite(p * 4096, new Uint8Array(4096).fill(0xaa)); // 48 frames: its first slabs, all 0xaa, dirty
    const aSlabs = (a as unknown as { slabs: Uint8Array[] }).slabs.slice();
    // two fresh slabs (16 + 32 frames), or one taken from a cache an earlier test file released (the
    // suite runs with isolate: false, so this module's free list may not be empty)
    expect(aSlabs.length).toBeGreaterThan(0);
    a.release();
    const ram = new PhysMem([{ start: 0, size: 1 << 20 }]);
    ram.write(0x3010, new Uint8Array([1, 2, 3, 4]));
    const b = new Cache(ram);
    expect(b.cpuRead(0x3000, 64)).toEqual(Uint8Array.from({ length: 64 }, (_, i) => (i >= 16 && i < 20 ? i - 15 : 0)));
    expect(aSlabs).toContain((b as unknown as { slabs: Uint8Array[] }).slabs[0]); // it took a released slab
    b.cpuWrite(0x5001, new Uint8Array([7, 8, 9])); // a partial line: the rest of it comes from RAM (zeros), not the slab
    expect(b.snoopRead(0x5000, 64)).toEqual(Uint8Array.from({ length: 64 }, (_, i) => (i >= 1 && i <= 3 ? i + 6 : 0)));
    expect(b.clean(0x5000, 4096)).toBe(1);
    expect(ram.read(0x5000, 4096)).toEqual(Uint8Array.from({ length: 4096 }, (_, i) => (i >= 1 && i <= 3 ? i + 6 : 0)));
    expect(b.cpuRead(0x20000, 4096)).toEqual(new Uint8Array(4096)); // a whole frame never written: zeros
    expect(a.size).toBe(0); // the released cache forgot its lines
  });
});

describe("PhysMem small writes (the one-page path) and the frame directory's index", () => {
  it("writes of 1–16 bytes land byte for byte, across a page end too; an empty write backs no frame; pfns below, inside and above the directory keep their bytes", () => {
    // banks from 4 MiB + 8 KiB: the directory starts at pfn 1024 (4 MiB), below the first RAM pfn
    const m = new PhysMem([{ start: (4 << 20) + 8192, size: 8 << 20 }]);
    const at = (4 << 20) + 8192 + 5 * 4096;
    m.write(at, new Uint8Array(0));
    expect(m.residentPages()).toBe(0);
    const src = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
    for (let len = 1; len <= 16; len++) {
      m.write(at + len * 32, src, 2, len);
      expect([...m.read(at + len * 32 - 1, len + 2)]).toEqual([0, ...src.slice(2, 2 + len), 0]);
    }
    expect(m.residentPages()).toBe(1);
    // 8 bytes straddling the page end: 3 in this frame, 5 in the next
    m.write(at + 4093, src.subarray(0, 8));
    expect([...m.read(at + 4093, 8)]).toEqual([...src.subarray(0, 8)]);
    expect(m.residentPages()).toBe(2);
    // the last pfn of the banks (the directory's last chunk) and one far above it (the far map)
    const last = (4 << 20) + 8192 + (8 << 20) - 8;
    m.write(last, src.subarray(10, 18));
    m.write(2 ** 40, src.subarray(3, 9));
    expect([...m.read(last, 8)]).toEqual([...src.subarray(10, 18)]);
    expect([...m.read(2 ** 40, 6)]).toEqual([...src.subarray(3, 9)]);
    expect([...m.read(last - 4096, 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("copies of one whole frame: the bytes move, an unwritten source zeroes a written destination and backs none, a frame onto itself is unchanged", () => {
    const m = new PhysMem([{ start: 0, size: 1 << 20 }]);
    const page = Uint8Array.from({ length: 4096 }, (_, i) => (i * 13 + 1) & 0xff);
    m.write(0x3000, page);
    m.copy(0x7000, 0x3000, 4096);
    expect(m.read(0x7000, 4096)).toEqual(page);
    expect(m.residentPages()).toBe(2);
    m.copy(0x7000, 0x9000, 4096); // source never written: reads as zeros
    expect(m.read(0x7000, 4096)).toEqual(new Uint8Array(4096));
    m.copy(0xa000, 0xb000, 4096); // neither written: nothing backed
    expect(m.residentPages()).toBe(2);
    m.copy(0x3000, 0x3000, 4096);
    expect(m.read(0x3000, 4096)).toEqual(page);
    m.copy(0x4800, 0x3000, 4096); // not frame-aligned: across two destination frames
    expect(m.read(0x4800, 4096)).toEqual(page);
  });
});

describe("PhysMem.release: a finished model's RAM slabs serve the next model", () => {
  it("the next model reads zeros where the released one wrote (2 MiB written = two full 1 MiB slabs reused), and the released one forgets its frames", () => {
    const a = new PhysMem([{ start: 0, size: 64 << 20 }]);
    const pattern = new Uint8Array(4096).fill(0xa5);
    for (let p = 0; p < 8 << 20; p += 4096) a.write(p, pattern); // 16+32+…+256 pages, then full 1 MiB slabs
    expect(a.read(0x7ff000, 4)).toEqual(new Uint8Array([0xa5, 0xa5, 0xa5, 0xa5]));
    const resident = a.residentPages();
    expect(resident).toBe(2048);
    a.release();
    expect(a.residentPages()).toBe(0);
    expect(a.read(0x7ff000, 4)).toEqual(new Uint8Array(4)); // forgotten, not someone else's bytes
    // b backs 2048 pages too (one byte written in each): from its 241st page on, its frames are the
    // released slabs, and every byte but the written one must read zero
    const b = new PhysMem([{ start: 0, size: 64 << 20 }]);
    for (let p = 0; p < 8 << 20; p += 4096) b.write(p + 7, new Uint8Array([p >>> 12 & 0xff]));
    expect(b.residentPages()).toBe(2048);
    // every byte compared (the first wrong one per page named); expect's deep equality on 2,048
    // typed arrays of 4 KiB took 12 s of CPU
    const wrong: string[] = [];
    for (let p = 0; p < 8 << 20; p += 4096) {
      const page = b.read(p, 4096);
      for (let i = 0; i < 4096; i++) {
        const want = i === 7 ? p >>> 12 & 0xff : 0;
        if (page[i] !== want) {
          wrong.push(`0x${(p + i).toString(16)}: ${page[i]} (want ${want})`);
          break;
        }
      }
    }
    expect(wrong).toEqual([]);
    b.write(0x123000, new Uint8Array([1, 2, 3]));
    // a write to the released model lands in a fresh slab, never in b's memory
    a.write(0x123000, new Uint8Array([9, 9, 9]));
    expect([...b.read(0x123000, 4)]).toEqual([1, 2, 3, 0]);
    expect(b.read(0x123000, 8)[7]).toBe(0x23);
  });

  it(`a model that backs more than ${ALIGN_AFTER} full slabs moves its frames into page-aligned arenas: every byte, sparse holes, copies and a later release keep their contents`, () => {
    // frames written in scattered order (two banks, the second beyond the directory's first chunks),
    // each with its own pattern, so a frame moved to the wrong place shows
    const a = new PhysMem([{ start: 0, size: 64 << 20 }, { start: 0x1_0000_0000, size: 64 << 20 }]);
    const pfns: number[] = [];
    // (ALIGN_AFTER + 8) × 256 pages, distinct: 7919 and 31 are odd, so i → i·k mod 16384 is one-to-one
    const n = (ALIGN_AFTER + 8) * 256;
    for (let i = 0; i < n; i++) pfns.push(i < 8192 ? (i * 7919) % 16384 : 0x100000 + ((i * 31) % 16384));
    const tag = (pfn: number, j: number) => (pfn * 13 + j * 7) & 0xff;
    const page = (pfn: number) => {
      const b = new Uint8Array(4096);
      for (let j = 0; j < 4096; j++) b[j] = tag(pfn, j);
      return b;
    };
    const seen = new Set<number>();
    for (const pfn of pfns) {
      if (seen.has(pfn)) continue;
      seen.add(pfn);
      a.write(pfn * 4096, page(pfn));
    }
    expect(seen.size).toBeGreaterThan(ALIGN_AFTER * 256 + 240);
    expect(a.residentPages()).toBe(seen.size); // moved once, no frame lost or doubled
    expect((a as unknown as { aligned: boolean }).aligned).toBe(true); // it did move (Node has WebAssembly)
    const differ = (x: Uint8Array, y: Uint8Array) => x.length !== y.length || x.some((v, j) => v !== y[j]);
    expect([...seen].filter((pfn) => differ(a.read(pfn * 4096, 4096), page(pfn)))).toEqual([]);
    expect(a.read(4095 * 4096 + 4000, 16)).toEqual(seen.has(4095) ? page(4095).subarray(4000, 4016) : new Uint8Array(16));
    // a copy between two moved frames, and a copy into a frame never written
    const [p, q] = [...seen].slice(0, 2) as [number, number];
    a.copy(q * 4096 + 64, p * 4096, 128);
    expect(a.read(q * 4096 + 64, 128)).toEqual(page(p).subarray(0, 128));
    const hole = [...Array(16384).keys()].find((x) => !seen.has(x))!;
    a.copy(hole * 4096, p * 4096, 4096);
    expect(a.read(hole * 4096, 4096)).toEqual(page(p));
    // released: the next model reads zeros everywhere it did not write, though it gets the arena pieces
    a.release();
    const b = new PhysMem([{ start: 0, size: 64 << 20 }]);
    for (let i = 0; i < 8192; i++) b.write(i * 4096 + 5, new Uint8Array([i & 0xff]));
    const bad: number[] = [];
    for (let i = 0; i < 8192; i++) {
      const want = new Uint8Array(4096);
      want[5] = i & 0xff;
      if (differ(b.read(i * 4096, 4096), want)) bad.push(i);
    }
    expect(bad).toEqual([]);
  });
});

describe("PhysMem.release: small slabs and a partly used full slab (stop 25)", () => {
  it("a model that backed 240 small-slab pages and part of a full slab leaves the next two models nothing but zeros, and hands them its slabs", () => {
    const pattern = new Uint8Array(4096).fill(0x5a);
    // 16 + 32 + 64 + 128 pages in the small slabs, then 100 pages of a full 1 MiB slab
    const a = new PhysMem([{ start: 0, size: 64 << 20 }]);
    for (let i = 0; i < 340; i++) a.write(i * 4096, pattern);
    const aSmall = (a as unknown as { small: { buf: ArrayBuffer }[] }).small.map((m) => m.buf);
    expect(aSmall.map((b) => b.byteLength)).toEqual([16, 32, 64, 128].map((n) => n * 4096));
    a.release();
    // b: one byte in each of 600 pages (its small slabs, all of a full slab, part of a second);
    // the pages a did not hand out were never zeroed by the release, and must read zero as well
    const check = (m: PhysMem, pages: number, tag: number) => {
      const wrong: string[] = [];
      for (let i = 0; i < pages; i++) {
        const pg = m.read(i * 4096, 4096);
        for (let j = 0; j < 4096; j++) {
          const want = j === 9 ? (i + tag) & 0xff : 0;
          if (pg[j] !== want) {
            wrong.push(`page ${i} byte ${j}: ${pg[j]} (want ${want})`);
            break;
          }
        }
      }
      return wrong;
    };
    const b = new PhysMem([{ start: 0, size: 64 << 20 }]);
    for (let i = 0; i < 600; i++) b.write(i * 4096 + 9, new Uint8Array([i & 0xff]));
    expect(check(b, 600, 0)).toEqual([]);
    // b's small slabs are released ones (a's, unless the free lists were full from earlier files: isolate false)
    const bSmall = (b as unknown as { small: { buf: ArrayBuffer }[] }).small.map((m) => m.buf);
    expect(bSmall.map((x) => x.byteLength)).toEqual([16, 32, 64, 128].map((n) => n * 4096));
    b.release();
    // c writes whole pages of another pattern over fewer pages, then one byte per page further on
    const c = new PhysMem([{ start: 0, size: 64 << 20 }]);
    for (let i = 0; i < 700; i++) c.write(i * 4096 + 9, new Uint8Array([(i + 3) & 0xff]));
    expect(check(c, 700, 3)).toEqual([]);
    c.release();
  });
});

/**
 * What makes a boot cheaper keeps its outcome:
 * - page tables whose leaves are made when first read (PageTable's runs, src/mm/pgtable.ts): random
 *   map / unmap / remap sequences answer every walk exactly as a leaf-per-entry reference does
 *   (pfn, prot, leaf size, and where a missing walk stops);
 * - the x86 PV P2M's changed runs (merged when one continues another) against flat P2M and M2P arrays;
 * - the untraced xen_swiotlb_fixup (create_contiguous_region_lowest, src/xen/mmu-pv.ts) leaves the
 *   P2M, the M2P, Xen's heap and RAM as the traced one, which makes every XENMEM_exchange call.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PageTable, GEOM_ARM32, GEOM_X86_64_L4, isWalkHit, type Prot } from "../src/mm/pgtable.js";
import { cloneKernel } from "../src/boot-cache.js";
import { Tracer } from "../src/core/trace.js";
import { xen_swiotlb_fixup } from "../src/xen/swiotlb-xen.js";
import { PvP2M } from "../src/xen/p2m.js";
import { bootK } from "./helpers.js";

const PROTS: Prot[] = ["normal", "nc", "wc", "device"];

/** The reference: one record per 4 KiB page, what a walk must say. */
class Reference {
  pages = new Map<number, { pfn: number; prot: Prot; size: number }>();
  map(va: number, pfn: number, size: number, prot: Prot, leaf: number) {
    for (let d = 0; d < size; d += leaf) for (let q = 0; q < leaf; q += 4096) this.pages.set(va + d + q, { pfn: pfn + (d + q) / 4096, prot, size: leaf });
  }
  unmap(va: number, size: number) {
    for (let d = 0; d < size; d += 4096) this.pages.delete(va + d);
  }
}

describe("page-table runs", () => {
  it("answer every walk as leaf-per-entry tables do (ARM32: 1 MiB sections and 4 KiB pages)", () => {
    const base = 0xc0000000;
    const op = fc.oneof(
      fc.record({ k: fc.constant("map4k" as const), page: fc.nat(2047), n: fc.integer({ min: 1, max: 600 }), pfn: fc.nat(100000), prot: fc.constantFrom(...PROTS) }),
      fc.record({ k: fc.constant("mapsec" as const), sec: fc.nat(7), n: fc.integer({ min: 1, max: 4 }), pfn: fc.nat(100).map((x) => x * 256), prot: fc.constantFrom(...PROTS) }),
      fc.record({ k: fc.constant("unmap" as const), page: fc.nat(2047), n: fc.integer({ min: 1, max: 300 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 25 }), (ops) => {
        const pt = new PageTable(GEOM_ARM32);
        const ref = new Reference();
        const secs = new Set<number>(); // sections mapped as blocks (mapping pages under one throws, in both)
        for (const o of ops) {
          if (o.k === "map4k") {
            const n = Math.min(o.n, 2048 - o.page);
            const va = base + o.page * 4096;
            let blocked = false;
            for (let s = Math.floor(o.page / 256); s <= Math.floor((o.page + n - 1) / 256); s++) if (secs.has(s)) blocked = true;
            if (blocked) {
              expect(() => pt.map(va, o.pfn, n * 4096, o.prot)).toThrow(/map over an existing block/);
              // the pages before the block were mapped, as before runs: replay them in the reference
              for (let p = o.page; p < o.page + n && !secs.has(Math.floor(p / 256)); p++) ref.map(base + p * 4096, o.pfn + (p - o.page), 4096, o.prot, 4096);
              continue;
            }
            pt.map(va, o.pfn, n * 4096, o.prot);
            ref.map(va, o.pfn, n * 4096, o.prot, 4096);
          } else if (o.k === "mapsec") {
            const n = Math.min(o.n, 8 - o.sec);
            pt.map(base + o.sec * 2 ** 20, o.pfn, n * 2 ** 20, o.prot, 2 ** 20);
            ref.map(base + o.sec * 2 ** 20, o.pfn, n * 2 ** 20, o.prot, 2 ** 20);
            for (let s = o.sec; s < o.sec + n; s++) secs.add(s);
          } else {
            const n = Math.min(o.n, 2048 - o.page);
            pt.unmap(base + o.page * 4096, n * 4096);
            // unmap clears a whole section leaf when it meets one
            for (let p = o.page; p < o.page + n; p++) {
              const s = Math.floor(p / 256);
              const r = ref.pages.get(base + p * 4096);
              if (r && r.size === 2 ** 20) {
                ref.unmap(base + s * 2 ** 20, 2 ** 20);
                secs.delete(s);
              } else ref.unmap(base + p * 4096, 4096);
            }
          }
        }
        const wrong: string[] = [];
        for (let p = 0; p < 2048; p++) {
          const va = base + p * 4096;
          const w = pt.walk(va + 8);
          const r = ref.pages.get(va);
          const got = isWalkHit(w) ? `${w.pfn} ${w.prot} ${w.leafSize} ${w.phys}` : "none";
          const want = r ? `${r.pfn} ${r.prot} ${r.size} ${r.pfn * 4096 + 8}` : "none";
          if (got !== want) wrong.push(`page ${p}: ${got}, expected ${want}`);
          if (pt.physOf(va + 8) !== (r ? r.pfn * 4096 + 8 : -1)) wrong.push(`page ${p}: physOf`);
        }
        expect(wrong.slice(0, 5)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("a 4 KiB stretch across tables and a remap with another prot in its middle (x86_64, 4 levels)", () => {
    const pt = new PageTable(GEOM_X86_64_L4);
    const va = 2 ** 47 - 2 ** 30 - 100 * 4096; // crosses a 2 MiB table boundary
    pt.map(va, 5000, 1500 * 4096, "normal");
    pt.unmap(va + 700 * 4096, 3 * 4096);
    pt.map(va + 700 * 4096, 5700, 3 * 4096, "nc");
    pt.unmap(va + 900 * 4096, 4096);
    for (let i = 0; i < 1500; i++) {
      const w = pt.walk(va + i * 4096);
      if (i === 900) expect(isWalkHit(w)).toBe(false);
      else {
        expect(isWalkHit(w) && w.pfn).toBe(5000 + i);
        expect(isWalkHit(w) && w.prot).toBe(i >= 700 && i < 703 ? "nc" : "normal");
      }
    }
    // mapped back as it was: the run covers it again
    pt.map(va + 700 * 4096, 5700, 3 * 4096, "normal");
    pt.map(va + 900 * 4096, 5900, 4096, "normal");
    for (let i = 0; i < 1500; i++) {
      const w = pt.walk(va + i * 4096);
      expect(isWalkHit(w) && [w.pfn, w.prot]).toEqual([5000 + i, "normal"]);
    }
    expect(isWalkHit(pt.walk(va - 4096))).toBe(false);
    expect(isWalkHit(pt.walk(va + 1500 * 4096))).toBe(false);
  });
});

describe("xen_swiotlb_fixup without a tracer", () => {
  it("exchanges the same frames as the call-by-call path (x86_64-xen-pv, the pool exchanged again, bytes in it)", () => {
    for (const kernel of ["5.10", "6.12"]) {
      const k0 = bootK("x86_64-xen-pv", kernel);
      const pool = k0.io_tlb_default_mem!;
      const pfn0 = pool.start / 4096;
      const n = pool.nslabs / 2; // 2 KiB slabs: pages
      // a pattern in some of the pool's frames: the exchange zeroes them before they go back to Xen
      const before = k0.xen!.p2m!.frames(pfn0, n).slice();
      for (let i = 0; i < n; i += 37) k0.mem.write(before[i]! * 4096 + 100, new Uint8Array([1, 2, 3, 4]));
      const runs = [false, true].map((traced) => {
        const k = cloneKernel(k0);
        if (traced) k.tr = new Tracer();
        expect(xen_swiotlb_fixup(k, pool.start, pool.nslabs)).toBe(0);
        const p2m = k.xen!.p2m!;
        return {
          k,
          frames: p2m.frames(pfn0, n).slice(),
          m2pOld: before.map((m) => p2m.m2p(m)),
          heap: JSON.stringify((k.xen!.heap as unknown as { free: unknown }).free),
          ram: before.filter((_, i) => i % 37 === 0).map((m) => Array.from(k.mem.read(m * 4096 + 100, 4)).join(",")),
        };
      });
      const [fast, slow] = runs as [(typeof runs)[0], (typeof runs)[0]];
      expect(slow.k.tr!.events.length).toBeGreaterThan(0);
      expect(fast.frames).toEqual(slow.frames);
      expect(fast.frames).not.toEqual(before); // it did exchange
      expect(fast.m2pOld).toEqual(slow.m2pOld);
      expect(fast.heap).toBe(slow.heap);
      expect(fast.ram).toEqual(slow.ram);
      expect(new Set(fast.ram)).toEqual(new Set(["0,0,0,0"]));
      for (let i = 0; i < n; i++) expect(fast.k.xen!.p2m!.m2p(fast.frames[i]!)).toBe(pfn0 + i);
    }
  });
});

describe("x86 PV P2M runs", () => {
  it("answer get, frames and m2p as flat P2M / M2P arrays do, over random exchanges", () => {
    const LEN = 4096; // pfns
    const TOP = 16; // machine chunks of 512 frames
    fc.assert(
      fc.property(
        fc.array(fc.record({ pfn: fc.nat(LEN - 1), n: fc.integer({ min: 1, max: 300 }), mfn: fc.nat(TOP * 512 - 1) }), { minLength: 1, maxLength: 40 }),
        (writes) => {
          const p2m = new PvP2M(LEN, TOP);
          const flat: number[] = [];
          const m2p = new Map<number, number>();
          for (let pfn = 0; pfn < LEN; pfn++) {
            flat[pfn] = (TOP - 1 - Math.floor(pfn / 512)) * 512 + (pfn % 512);
            m2p.set(flat[pfn]!, pfn);
          }
          for (const w of writes) {
            const n = Math.min(w.n, LEN - w.pfn);
            const mfn = Math.min(w.mfn, TOP * 512 - n);
            p2m.setRange(w.pfn, n, mfn);
            for (let i = 0; i < n; i++) m2p.set(flat[w.pfn + i]!, -1);
            for (let i = 0; i < n; i++) {
              flat[w.pfn + i] = mfn + i;
              m2p.set(mfn + i, w.pfn + i);
            }
          }
          const wrong: string[] = [];
          for (let pfn = 0; pfn < LEN; pfn++) if (p2m.get(pfn) !== flat[pfn]) wrong.push(`get ${pfn}`);
          const f = p2m.frames(100, 2000);
          for (let i = 0; i < 2000; i++) if (f[i] !== flat[100 + i]) wrong.push(`frames ${100 + i}`);
          for (let mfn = 0; mfn < TOP * 512; mfn++) if (p2m.m2p(mfn) !== (m2p.get(mfn) ?? -1)) wrong.push(`m2p ${mfn}: ${p2m.m2p(mfn)} vs ${m2p.get(mfn) ?? -1}`);
          expect(wrong.slice(0, 5)).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("with a hole's frames remapped past the list (xen_remap_memory's shifted layout), then random exchanges: get, frames, runs and m2p as flat arrays", () => {
    const LEN = 4096;
    const TOP = 16;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: LEN - 600 }),
        fc.integer({ min: 1, max: 600 }),
        fc.array(fc.record({ pfn: fc.nat(LEN + 600 - 1), n: fc.integer({ min: 1, max: 300 }), mfn: fc.nat(TOP * 512 - 1) }), { maxLength: 30 }),
        (hole, holeN, writes) => {
          const p2m = new PvP2M(LEN, TOP);
          const END = LEN + holeN;
          const flat: number[] = [];
          const m2p = new Map<number, number>();
          for (let pfn = 0; pfn < LEN; pfn++) {
            flat[pfn] = (TOP - 1 - Math.floor(pfn / 512)) * 512 + (pfn % 512);
            m2p.set(flat[pfn]!, pfn);
          }
          // the hole: identity (no frame through get), its frames at LEN.. (the remap target right past the list)
          p2m.set_phys_range_identity(hole, hole + holeN);
          p2m.remapLayout(LEN, holeN, hole);
          for (let i = 0; i < holeN; i++) {
            flat[LEN + i] = flat[hole + i]!;
            m2p.set(flat[hole + i]!, LEN + i);
            flat[hole + i] = -1;
          }
          for (const w of writes) {
            const n = Math.min(w.n, END - w.pfn);
            if (n <= 0 || (w.pfn < hole + holeN && w.pfn + n > hole)) continue; // inside the map, never an identity pfn
            const mfn = Math.min(w.mfn, TOP * 512 - n);
            p2m.setRange(w.pfn, n, mfn);
            for (let i = 0; i < n; i++) m2p.set(flat[w.pfn + i]!, -1);
            for (let i = 0; i < n; i++) {
              flat[w.pfn + i] = mfn + i;
              m2p.set(mfn + i, w.pfn + i);
            }
          }
          const wrong: string[] = [];
          for (let pfn = 0; pfn < END + 10; pfn++) if (p2m.get(pfn) !== (flat[pfn] ?? -1)) wrong.push(`get ${pfn}`);
          const f = p2m.frames(0, END + 10);
          for (let i = 0; i < END + 10; i++) if (f[i] !== (flat[i] ?? -1)) wrong.push(`frames ${i}`);
          const runs: number[] = [];
          p2m.runs(0, END + 10, runs);
          const expanded: number[] = [];
          for (let r = 0; r < runs.length; r += 2) for (let i = 0; i < runs[r + 1]!; i++) expanded.push(runs[r]! < 0 ? -1 : runs[r]! + i);
          for (let i = 0; i < END + 10; i++) if (expanded[i] !== (flat[i] ?? -1)) wrong.push(`runs ${i}`);
          for (let pfn = LEN; pfn < END; pfn++) if (p2m.identity(pfn)) wrong.push(`identity ${pfn}`);
          for (let mfn = 0; mfn < TOP * 512; mfn++) if (p2m.m2p(mfn) !== (m2p.get(mfn) ?? -1)) wrong.push(`m2p ${mfn}: ${p2m.m2p(mfn)} vs ${m2p.get(mfn) ?? -1}`);
          expect(wrong.slice(0, 5)).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });
});

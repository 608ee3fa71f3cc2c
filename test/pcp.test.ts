/**
 * The per-cpu page lists (src/mm/pcp.ts) per era, on a bare 1 GiB Normal zone (pfns 0..0x3ffff, every
 * page freed at boot with FPI_TO_TAIL: the lists read lowest first) and on booted models. Zone sizes give
 * batch = zone_batchsize(262144 managed pages) = rounddown_pow_of_two(64 + 32) - 1 = 63; the watermarks
 * of 1 GiB of lowmem: min_free_kbytes = int_sqrt(1048576 × 16) = 4096, min 1024 pages, low 1024 +
 * max(256, 262) = 1286.
 */
import { describe, expect, it } from "vitest";
import { BuddyAllocator, MemMap } from "../src/mm/page_alloc.js";
import { type PcpConfig, init_per_zone_wmark_min, setup_per_cpu_pageset, zone_batchsize } from "../src/mm/pcp.js";
import { alloc_pages, __free_pages } from "../src/mm/mm.js";
import { GFP_KERNEL } from "../src/include/gfp.js";
import { bootK } from "./helpers.js";
import { hex64 } from "../src/core/u64.js";

const V56: PcpConfig = { era: "v5.6", nr_pcp_lists: 3, single_pass: false, free_high: false, scale_max: false, free_high_half_min: false, nr_cpus: 1, thp_order: -1 };
const V514: PcpConfig = { ...V56, era: "v5.14", nr_pcp_lists: 12 };
const V519: PcpConfig = { ...V514, single_pass: true, free_high: true };
const V612: PcpConfig = { ...V519, era: "v6.7", scale_max: true };

/** a 1 GiB Normal zone, boot done (FPI_TO_TAIL), pcp set up as start_kernel and init_per_zone_wmark_min do; cfg null: boot_pageset */
function zone(cfg: PcpConfig | null) {
  const b = new BuddyAllocator(new MemMap(0, 0x40000), true);
  b.addZone("Normal", 0, 0x40000);
  b.freeRange(0, 0x40000);
  if (cfg) {
    b.pcp = cfg;
    setup_per_cpu_pageset(cfg, b.zones);
  }
  init_per_zone_wmark_min(cfg, b.zones, 262144);
  return { b, z: b.zones[0]! };
}

describe("pcp: sizes (zone_batchsize, high per era, watermarks)", () => {
  it("batch 63; 5.6–5.13 high = 6 × batch = 378; 5.14 high = low watermark / CPUs = 1286; 6.7 high_min 1286, high_max managed / 8 = 32768", () => {
    expect(zone_batchsize(zone(V56).z)).toBe(63);
    expect(zone(V56).z.pcp).toMatchObject({ batch: 63, high: 378 });
    expect(zone(V56).z.watermark).toEqual([1024, 1286, 1548]);
    expect(zone(V514).z.pcp).toMatchObject({ batch: 63, high: 1286 });
    expect(zone({ ...V514, nr_cpus: 4 }).z.pcp).toMatchObject({ high: 321 });
    expect(zone({ ...V514, nr_cpus: 8 }).z.pcp).toMatchObject({ high: 252 }); // 1286 / 8 = 160 < 4 × batch
    expect(zone(V612).z.pcp).toMatchObject({ batch: 63, high: 0, high_min: 1286, high_max: 32768 });
  });
});

describe("pcp: allocation and free order", () => {
  it("every era: a refill takes batch pages in pfn order, allocation takes the head, a freed page comes back first (LIFO)", () => {
    for (const cfg of [V56, V514, V612]) {
      const { b, z } = zone(cfg);
      const a = b.alloc(0, "Normal", "t")!;
      const c = b.alloc(0, "Normal", "t")!;
      expect([a, c], cfg.era).toEqual([0, 1]);
      expect(z.pcp!.count, cfg.era).toBe(61); // 63 taken by rmqueue_bulk, two handed out
      expect(z.free_pages, cfg.era).toBe(0x40000 - 63); // NR_FREE_PAGES does not count the pcp pages
      b.free(a, 0);
      expect(b.alloc(0, "Normal", "t"), cfg.era).toBe(0);
      expect(b.isFree(0) || b.isFree(2), cfg.era).toBe(false); // pages on a pcp list are not PageBuddy
    }
  });

  it("boot_pageset (before setup_per_cpu_pageset): the buddy lists alone, a free merges at once", () => {
    const { b, z } = zone(null);
    expect([b.alloc(0, "Normal", "t"), b.alloc(0, "Normal", "t")]).toEqual([0, 1]);
    b.free(0, 0);
    b.free(1, 0);
    expect(z.free_pages).toBe(0x40000);
    expect(b.memmap.buddyOrder.get(0)).toBe(10);
  });

  it("an order-1 block after an order-0 refill: past the 63-page batch (0x40) in 5.6–5.13 (buddy: the order-6 block at 64 split) and 5.14+ (pcp refill of max(63 >> 1, 2) = 31 order-1 blocks from 64)", () => {
    for (const cfg of [V56, V514, V612]) {
      const { b, z } = zone(cfg);
      b.alloc(0, "Normal", "t");
      expect(b.alloc(1, "Normal", "t"), cfg.era).toBe(0x40);
      // 5.14+: the other 30 order-1 blocks (0x42 … 0x7e) wait on the order-1 list
      expect(z.pcp!.lists[3]?.length ?? 0, cfg.era).toBe(cfg.era === "v5.6" ? 0 : 30);
    }
  });

  it("two order-1 blocks freed and one allocated: 5.6–5.13 the merged buddy block's head 0x40; 5.14+ the last freed 0x42 (the order-1 pcp list)", () => {
    const got = (cfg: PcpConfig) => {
      const { b } = zone(cfg);
      b.alloc(0, "Normal", "t");
      const d1 = b.alloc(1, "Normal", "t")!;
      const d2 = b.alloc(1, "Normal", "t")!;
      expect([d1, d2]).toEqual([0x40, 0x42]);
      b.free(d1, 1);
      b.free(d2, 1);
      return b.alloc(1, "Normal", "t");
    };
    expect(got(V56)).toBe(0x40);
    expect(got(V514)).toBe(0x42);
    expect(got(V612)).toBe(0x42);
  });
});

describe("pcp: drains (free_pcppages_bulk)", () => {
  /** allocate n order-0 pages (0 … n-1) and free them in that order */
  function allocFree(cfg: PcpConfig, n: number) {
    const r = zone(cfg);
    const pages: number[] = [];
    for (let i = 0; i < n; i++) pages.push(r.b.alloc(0, "Normal", "t")!);
    expect(pages[n - 1]).toBe(n - 1);
    for (const p of pages) r.b.free(p, 0);
    return r;
  }

  it("5.6–5.13: the 378th free reaches high: batch (63) pages from the list tail — the first freed, 0 … 62 — go back and merge", () => {
    const { b, z } = allocFree(V56, 378); // 6 refills of 63: the list is empty before the frees
    expect(z.pcp!.count).toBe(378 - 63);
    expect(z.free_pages).toBe(0x40000 - 378 + 63);
    // 0 … 62 merged: 0 (order 5), 32 (4), 48 (3), 56 (2), 60 (1), 62 (0); 63 is still on the list
    expect([0, 32, 48, 56, 60, 62].map((p) => b.memmap.buddyOrder.get(p))).toEqual([5, 4, 3, 2, 1, 0]);
    expect(b.isFree(63)).toBe(false);
    expect(b.alloc(0, "Normal", "t")).toBe(377); // LIFO: the last freed
  });

  it("5.14: nr_pcp_free doubles with free_factor: the first reach of high (1286) drains 63, the next 126", () => {
    // 1323 = 21 refills of 63: the list is empty before the frees; the 1286th free drains 63, 37 more follow
    const { z } = allocFree(V514, 1323);
    expect([z.pcp!.count, z.pcp!.free_factor]).toEqual([1286 - 63 + 37, 1]);
    // 1386 = 22 refills: 63 frees after the first drain reach 1286 again: batch << 1 = 126 go, 37 more follow
    const r = allocFree(V514, 1386);
    expect([r.z.pcp!.count, r.z.pcp!.free_factor]).toEqual([1286 - 126 + 37, 2]);
  });

  it("5.18+ free_high: an order-1 free after order-0 frees (free_factor set) drains the whole pcp; 5.14–5.17 it only joins its list", () => {
    const run = (cfg: PcpConfig) => {
      const { b, z } = zone(cfg);
      const big = b.alloc(1, "Normal", "t")!;
      const small: number[] = [];
      for (let i = 0; i < 1300; i++) small.push(b.alloc(0, "Normal", "t")!);
      for (const p of small) b.free(p, 0); // reaches high: free_factor > 0
      const before = z.pcp!.count;
      expect(z.pcp!.free_factor).toBeGreaterThan(0);
      b.free(big, 1);
      return [before, z.pcp!.count];
    };
    const [before, after] = run(V514);
    expect(after).toBe(before + 2);
    expect(run(V519)[1]).toBe(0);
  });

  it("6.7+: refills grow with alloc_factor (63, then 126) and raise pcp->high by each refill", () => {
    const { b, z } = zone(V612);
    for (let i = 0; i < 64; i++) b.alloc(0, "Normal", "t");
    expect(z.pcp!.count).toBe(63 + 126 - 64);
    expect(z.pcp!.alloc_factor).toBe(2);
    expect(z.pcp!.high).toBe(1286 + 63 + 126);
  });
});

describe("__free_one_page: buddy_merge_likely puts a block whose merged buddy is free at the tail (5.6–6.18)", () => {
  it("a free order-0 page whose order-1 neighbour pair is free goes to the tail: the next order-0 allocation takes the other page", () => {
    const { b } = zone(null);
    expect([b.alloc(0, "Normal", "t"), b.alloc(0, "Normal", "t"), b.alloc(1, "Normal", "t"), b.alloc(0, "Normal", "t")]).toEqual([0, 1, 2, 4]);
    // order-0 list: [5]; order-1: [6]. Free 2 (order 1): its buddy 0 is in use, the order-2 buddy 4 too: the head
    b.free(2, 1);
    // free 1: its buddy 0 is in use; the order-1 block 2 next to the pair 0–1 is free: the tail
    b.free(1, 0);
    expect(b.alloc(0, "Normal", "t")).toBe(5);
    expect(b.alloc(0, "Normal", "t")).toBe(1);
  });
});

describe("pcp on booted models: real addresses", () => {
  it("x86_64 5.10: A, B consecutive order-0 pages; free A; the next alloc_pages is A again", () => {
    const k = bootK("x86_64", "5.10");
    const A = alloc_pages(k, GFP_KERNEL, 0);
    const B = alloc_pages(k, GFP_KERNEL, 0);
    expect([k.arch.page_to_pfn(A), k.arch.page_to_pfn(B)]).toEqual([0x237f84, 0x237f85]);
    __free_pages(k, A, 0);
    const C = alloc_pages(k, GFP_KERNEL, 0);
    expect(C).toBe(A);
    expect(hex64(k.arch.page_address(k, C))).toBe("0xffff888237f84000");
  });

  it("pcp high per version (x86_64, nr_cpus 1; rpi4 nr_cpus 4, khugepaged's raised watermarks): 6 × batch to 5.13 (0 for the 15 MiB DMA zone, whose zone_batchsize is 0), the low watermark split from 5.14, high_min / high_max from 6.7", () => {
    const pcp = (p: string, v: string) => bootK(p, v).buddy.zones.map((z) => [z.name, z.pcp!.batch, z.pcp!.high, z.pcp!.high_min, z.pcp!.high_max]);
    expect(pcp("x86_64", "5.13")).toEqual([["DMA", 1, 0, 0, 0], ["DMA32", 63, 378, 0, 0], ["Normal", 63, 378, 0, 0]]);
    expect(pcp("x86_64", "5.14")).toEqual([["DMA", 1, 8, 0, 0], ["DMA32", 63, 1818, 0, 0], ["Normal", 63, 3066, 0, 0]]);
    // rpi4: after khugepaged's set_recommended_min_free_kbytes (arm64 THP; test/khugepaged-min-free.test.ts):
    // low watermarks 2991 / 11087 (252 / 573 from init_per_zone_wmark_min alone)
    expect(pcp("rpi4", "6.6")).toEqual([["DMA", 63, 747, 0, 0], ["DMA32", 63, 2771, 0, 0]]);
    expect(pcp("rpi4", "6.18")).toEqual([["DMA", 63, 0, 747, 6351], ["DMA32", 63, 315, 2771, 23545]]);
  });
});

describe("pcp: rmqueue_bulk's batch (BuddyAllocator.__rmqueue_bulk) is __rmqueue called per block", () => {
  /** a 1 GiB Normal zone fragmented by a seeded pseudo-random run of buddy allocations and frees (no pcp) */
  function fragmented(seed: number) {
    const b = new BuddyAllocator(new MemMap(0, 0x40000), seed % 2 === 0);
    b.addZone("Normal", 0, 0x40000);
    b.freeRange(0, 0x40000);
    let x = seed;
    const rnd = (n: number) => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return (x >>> 8) % n;
    };
    const held: [number, number][] = [];
    for (let i = 0; i < 600; i++) {
      if (held.length && rnd(3) === 0) {
        const [pfn, order] = held.splice(rnd(held.length), 1)[0]!;
        b.free(pfn, order);
      } else {
        const order = rnd(11);
        const pfn = b.alloc(order, "Normal", "t");
        if (pfn !== null) held.push([pfn, order]);
      }
    }
    return b;
  }
  const state = (b: BuddyAllocator) => {
    const z = b.zones[0]!;
    return { lists: z.free_area.map((l) => l.join(",")), orders: [...b.memmap.buddyOrder].sort((p, q) => p[0] - q[0]).join(";"), free: z.free_pages };
  };
  it("the same pfns in the same order, the same lists, buddyOrder and free_pages, for orders 0–3 and 9 and counts 1–700", () => {
    let checked = 0;
    for (let seed = 1; seed <= 12; seed++) {
      for (const order of [0, 1, 2, 3, 9]) {
        for (const count of [1, 2, 3, 7, 15, 31, 63, 64, 65, 700]) {
          const a = fragmented(seed);
          const b = fragmented(seed);
          const za = a.zones[0]!;
          const one: number[] = [];
          for (let i = 0; i < count; i++) {
            const pfn = a.__rmqueue(za, order);
            if (pfn < 0) break;
            one.push(pfn);
          }
          const bulk: number[] = [];
          const got = b.__rmqueue_bulk(b.zones[0]!, order, count, bulk);
          expect(got).toBe(one.length);
          expect(bulk).toEqual(one);
          expect(state(b)).toEqual(state(a));
          checked++;
        }
      }
    }
    expect(checked).toBe(12 * 5 * 10);
  });
  it("a zone that runs out: every block taken, the count short", () => {
    const b = new BuddyAllocator(new MemMap(0, 64), true);
    b.addZone("Normal", 0, 64);
    b.freeRange(0, 64);
    const out: number[] = [];
    expect(b.__rmqueue_bulk(b.zones[0]!, 2, 100, out)).toBe(16);
    expect(out).toEqual(Array.from({ length: 16 }, (_, i) => i * 4));
    expect(b.zones[0]!.free_pages).toBe(0);
  });
});

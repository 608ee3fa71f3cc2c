/**
 * mm/slub.c calculate_order: each kmalloc cache's slab order (docs/verified-facts.md §"SLUB slab order").
 * min_objects = 4 * (fls(nr_cpus) + 1): 16 on the 4-CPU rpi4, 8 on the 1-CPU platforms; slub_max_order 3.
 */
import { describe, expect, it } from "vitest";
import { bootK, runYaml, h } from "./helpers.js";
import { GFP_KERNEL } from "../src/include/gfp.js";
import { calculate_order, calculate_order_v5_6, calculate_order_v6_7, fls } from "../src/mm/slub_order.js";

const KERNELS = ["5.6", "5.10", "5.15", "5.19", "6.1", "6.6", "6.12", "6.18"];
const SIZES = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];

describe("calculate_order: the kmalloc caches' slab orders", () => {
  it("fls", () => {
    expect([0, 1, 2, 3, 4, 5, 8, 255, 256].map(fls)).toEqual([0, 1, 2, 2, 3, 3, 4, 8, 9]);
  });

  // 4 CPUs: min_objects 16 → 512: 8 KiB (1), 1k: 16 KiB (2), 2k/4k/8k: capped at the order-3 object count (3)
  // 1 CPU: min_objects 8 → 512: 4 KiB (0), 1k: 1, 2k: 2, 4k/8k: 3
  const want4 = [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 3, 3];
  const want1 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 3];
  it.each(KERNELS)("%s: rpi4 (nr_cpus 4) and x86_64 (nr_cpus 1)", (kernel) => {
    const k4 = bootK("rpi4", kernel);
    expect(k4.cfg.nr_cpus).toBe(4);
    expect(SIZES.map((s) => calculate_order(k4, s))).toEqual(want4);
    const k1 = bootK("x86_64", kernel);
    expect(SIZES.map((s) => calculate_order(k1, s))).toEqual(want1);
  });

  it("both eras agree on every kmalloc size for 1..256 CPUs; they part where order 3 wastes more than 1/4 (6.7+ accepts 1/2)", () => {
    const k = bootK("rpi4", "5.19");
    for (const n of [1, 2, 3, 4, 8, 16, 64, 256]) {
      k.cfg.nr_cpus = n;
      for (const s of SIZES) expect(calculate_order_v6_7(k, s)).toBe(calculate_order_v5_6(k, s));
    }
    // a 12000-byte cache (not a kmalloc size), 1 CPU: min_objects min(8, 32768 / 12000 = 2) = 2, order 3 leaves 8768 > 1/4.
    // 5.6–6.6 drop min_objects to 1 and take get_order(12000) = 2 (one object, 4384 left);
    // 6.7+ keep min_order 3 and accept the 1/2 waste at fraction 2
    k.cfg.nr_cpus = 1;
    expect(calculate_order_v5_6(k, 12000)).toBe(2);
    expect(calculate_order_v6_7(k, 12000)).toBe(3);
  });
});

describe("kmalloc places a cache's objects in one slab of its order (shuffle_freelist off)", () => {
  it.each(KERNELS)("%s rpi4: the 2nd kmalloc(4096) is base + 0x1000 of the same order-3 slab; the 9th takes a new slab", (kernel) => {
    const k = bootK("rpi4", kernel);
    const a = k.slab.kmalloc(k, 4096, GFP_KERNEL);
    const pfn = k.arch.page_to_pfn(k.arch.virt_to_page(k, a));
    expect(pfn % 8).toBe(0); // an order-3 block
    expect(k.memmap.owner.get(pfn)).toBe("kmalloc-4k");
    const objs = [a];
    for (let i = 1; i < 9; i++) objs.push(k.slab.kmalloc(k, 4096, GFP_KERNEL));
    expect(objs.slice(0, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => a + i * 0x1000));
    // the 9th: a fresh order-3 slab, not inside the first one
    const ninth = objs[8]!;
    expect(ninth >= a && ninth < a + 0x8000).toBe(false);
    expect(k.arch.page_to_pfn(k.arch.virt_to_page(k, ninth)) % 8).toBe(0);
  });

  it("x86_64 (1 CPU): kmalloc-512 is order 0 — 8 objects per page; kmalloc-1k order 1 — 8 objects per 8 KiB", () => {
    const k = bootK("x86_64", "5.19");
    const a = k.slab.kmalloc(k, 512, GFP_KERNEL);
    for (let i = 1; i < 8; i++) expect(k.slab.kmalloc(k, 512, GFP_KERNEL)).toBe(a + i * 512);
    const b = k.slab.kmalloc(k, 1024, GFP_KERNEL);
    expect(k.arch.page_to_pfn(k.arch.virt_to_page(k, b)) % 2).toBe(0);
    for (let i = 1; i < 8; i++) expect(k.slab.kmalloc(k, 1024, GFP_KERNEL)).toBe(b + i * 1024);
  });

  it("a scenario: two kmalloc(4K) on rpi4 5.19 are 0x1000 apart (cpu_addr)", () => {
    const r = runYaml(`name: t\nsteps:\n  - { op: kmalloc, size: 4K, as: a }\n  - { op: kmalloc, size: 4K, as: b }\n`, { platform: "rpi4", kernel: "5.19" });
    expect(r.faults).toEqual([]);
    const a = h(r.steps[0]!.result.ret as string), b = h(r.steps[1]!.result.ret as string);
    expect(b - a).toBe(0x1000);
  });
});

describe("allocate_slab: s->oo first, s->min (get_order(s->size)) when the page allocator has no block of oo's order", () => {
  it("rpi4 5.19 with no free order ≥ 3 block: kmalloc(4096) takes order-0 slabs of one object each", () => {
    const k = bootK("rpi4", "5.19");
    while (k.buddy.alloc(3, "Normal", "hog") !== null);
    // free pages: the buddy lists' and CPU 0's pcp lists' (a pcp page is free, but not in NR_FREE_PAGES)
    const free = () => k.buddy.zones.reduce((n, z) => n + z.free_pages + (z.pcp?.count ?? 0), 0);
    const before = free();
    expect(before).toBeGreaterThan(0);
    const a = k.slab.kmalloc(k, 4096, GFP_KERNEL);
    expect(a).not.toBe(0);
    expect(free()).toBe(before - 1); // one page: s->min, not an order-3 slab
    expect(k.memmap.owner.get(k.arch.page_to_pfn(k.arch.virt_to_page(k, a)))).toBe("kmalloc-4k");
    const b = k.slab.kmalloc(k, 4096, GFP_KERNEL);
    expect(free()).toBe(before - 2); // the order-0 slab held one object: a new slab
    expect(Math.abs(b - a)).toBeGreaterThanOrEqual(0x1000);
  });
});

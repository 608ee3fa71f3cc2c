/**
 * The SLUB kmalloc caches per kmalloc_type (docs/verified-facts.md §"kmalloc caches per kmalloc_type"):
 * kmalloc_caches[type][index] with the kernel's names, dma-kmalloc-N slabs from ZONE_DMA (s->allocflags
 * GFP_DMA), the object stride s->size with generic KASAN's metadata per version, and kmalloc_fix_flags.
 */
import { describe, expect, it } from "vitest";
import { bootK, h, run } from "./helpers.js";
import { GFP_ATOMIC, GFP_DMA, GFP_KERNEL, __GFP_COMP, __GFP_DMA32, __GFP_HIGHMEM, __GFP_RECLAIMABLE, __GFP_ZERO } from "../src/include/gfp.js";
import { KMALLOC_DMA, KMALLOC_NORMAL, KMALLOC_RECLAIM, kmalloc_type } from "../src/mm/slab_common.js";
import type { Kernel } from "../src/kernel.js";

const KERNELS = ["5.6", "5.10", "5.15", "5.19", "6.1", "6.6", "6.12", "6.18"];

/** the physical address behind a linear-map address */
function phys(k: Kernel, va: number): number {
  return k.translate(va).phys;
}
function zoneOf(k: Kernel, va: number): string | undefined {
  return k.buddy.zoneOf(Math.floor(phys(k, va) / 4096))?.name;
}
function ownerOf(k: Kernel, va: number): string | undefined {
  return k.memmap.owner.get(Math.floor(phys(k, va) / 4096));
}
function cacheOf(k: Kernel, size: number, gfp: number) {
  return k.slab.caches.kmalloc_slab(size, gfp);
}

describe("kmalloc_type (include/linux/slab.h): the cache type a gfp selects", () => {
  it("with CONFIG_ZONE_DMA: __GFP_DMA first, then __GFP_RECLAIMABLE; anything else KMALLOC_NORMAL", () => {
    expect(kmalloc_type(GFP_KERNEL, true)).toBe(KMALLOC_NORMAL);
    expect(kmalloc_type(GFP_ATOMIC, true)).toBe(KMALLOC_NORMAL);
    expect(kmalloc_type(GFP_KERNEL | GFP_DMA, true)).toBe(KMALLOC_DMA);
    expect(kmalloc_type(GFP_KERNEL | __GFP_RECLAIMABLE, true)).toBe(KMALLOC_RECLAIM);
    expect(kmalloc_type(GFP_DMA | __GFP_RECLAIMABLE, true)).toBe(KMALLOC_DMA);
    // __GFP_DMA32 and __GFP_HIGHMEM pick no cache of their own (new_slab fixes them up)
    expect(kmalloc_type(GFP_KERNEL | __GFP_DMA32, true)).toBe(KMALLOC_NORMAL);
  });
  it("without CONFIG_ZONE_DMA: __GFP_DMA is ignored, __GFP_RECLAIMABLE still picks KMALLOC_RECLAIM", () => {
    expect(kmalloc_type(GFP_KERNEL | GFP_DMA, false)).toBe(KMALLOC_NORMAL);
    expect(kmalloc_type(GFP_DMA | __GFP_RECLAIMABLE, false)).toBe(KMALLOC_RECLAIM);
  });
});

describe("kmalloc_caches[type][index]: the kernel's cache names", () => {
  it.each(KERNELS)("%s x86_64: kmalloc-N, kmalloc-rcl-N and dma-kmalloc-N with kmalloc_info's short sizes", (v) => {
    const k = bootK("x86_64", v);
    expect(cacheOf(k, 4096, GFP_KERNEL).name).toBe("kmalloc-4k");
    expect(cacheOf(k, 100, GFP_KERNEL).name).toBe("kmalloc-128");
    expect(cacheOf(k, 65, GFP_KERNEL).name).toBe("kmalloc-96");
    expect(cacheOf(k, 128, GFP_KERNEL | GFP_DMA).name).toBe("dma-kmalloc-128");
    expect(cacheOf(k, 1000, GFP_KERNEL | __GFP_RECLAIMABLE).name).toBe("kmalloc-rcl-1k");
    expect(cacheOf(k, 8192, GFP_DMA).name).toBe("dma-kmalloc-8k");
    expect(cacheOf(k, 1, GFP_KERNEL).name).toBe("kmalloc-8");
    // one kmem_cache per type and size: the dma and normal caches are different objects with their own freelists
    expect(cacheOf(k, 128, GFP_DMA)).not.toBe(cacheOf(k, 128, GFP_KERNEL));
    expect(cacheOf(k, 120, GFP_DMA)).toBe(cacheOf(k, 128, GFP_DMA));
  });

  it("rpi4: KMALLOC_MIN_SIZE 128 before 6.5 (kmalloc(8) from kmalloc-128 / dma-kmalloc-128); 6.6 has dma-kmalloc-8 (swiotlb allocated: __kmalloc_minalign 8)", () => {
    for (const v of ["5.6", "5.19", "6.1"]) {
      const k = bootK("rpi4", v);
      expect(cacheOf(k, 8, GFP_KERNEL).name).toBe("kmalloc-128");
      expect(cacheOf(k, 8, GFP_DMA).name).toBe("dma-kmalloc-128");
      // create_kmalloc_caches starts at KMALLOC_SHIFT_LOW (7) and skips kmalloc-96/-192: those indices stay NULL;
      // size_index sends kmalloc(8) to index 7
      const dma = k.slab.caches.kmalloc_caches[KMALLOC_DMA]!;
      expect([1, 2, 3, 4, 5, 6].map((i) => dma[i])).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
      expect(dma[7]!.name).toBe("dma-kmalloc-128");
    }
    for (const v of ["6.6", "6.12", "6.18"]) {
      const k = bootK("rpi4", v);
      expect(cacheOf(k, 8, GFP_KERNEL).name).toBe("kmalloc-8");
      expect(cacheOf(k, 8, GFP_DMA).name).toBe("dma-kmalloc-8");
    }
  });

  it("arm32 (no ZONE_DMA on the modelled board): no dma-kmalloc caches, GFP_DMA is served by kmalloc-N", () => {
    const k = bootK("arm32", "6.1");
    expect(k.slab.caches.zone_dma).toBe(false);
    expect(k.slab.caches.kmalloc_caches[KMALLOC_DMA]!.length).toBe(0);
    expect(cacheOf(k, 100, GFP_KERNEL | GFP_DMA).name).toBe("kmalloc-128");
  });
});

describe("dma-kmalloc-N: s->allocflags GFP_DMA, so its slabs come from ZONE_DMA", () => {
  it.each(KERNELS)("%s x86_64: kmalloc(512, GFP_DMA) is below 16 MiB in a dma-kmalloc-512 slab; kmalloc(512, GFP_KERNEL) is not in that slab", (v) => {
    const k = bootK("x86_64", v);
    const n = k.slab.kmalloc(k, 512, GFP_KERNEL);
    const d = k.slab.kmalloc(k, 512, GFP_KERNEL | GFP_DMA);
    expect(phys(k, d)).toBeLessThan(16 << 20);
    expect(zoneOf(k, d)).toBe("DMA");
    expect(ownerOf(k, d)).toBe("dma-kmalloc-512");
    expect(zoneOf(k, n)).not.toBe("DMA"); // the highest zone with free memory: Normal on the 4 GiB+ board
    expect(ownerOf(k, n)).toBe("kmalloc-512");
    // the first dma-kmalloc slab is the first free block of ZONE_DMA: phys 0x100000 (the low MiB is reserved)
    expect(phys(k, d)).toBe(0x100000);
    // the freelist runs base, base + s->size, …: the next GFP_DMA kmalloc(512) is 512 bytes on
    const d2 = k.slab.kmalloc(k, 300, GFP_DMA);
    expect(d2).toBe(d + 512);
    // a GFP_KERNEL kmalloc of the same size goes on in its own slab
    expect(k.slab.kmalloc(k, 512, GFP_KERNEL)).toBe(n + 512);
  });

  it("rpi4 5.19: GFP_DMA from ZONE_DMA (below 1 GiB), GFP_KERNEL from the highest zone", () => {
    const k = bootK("rpi4", "5.19");
    const n = k.slab.kmalloc(k, 2048, GFP_KERNEL);
    const d = k.slab.kmalloc(k, 2048, GFP_KERNEL | GFP_DMA);
    expect(zoneOf(k, d)).toBe("DMA");
    expect(phys(k, d)).toBeLessThan(1 << 30);
    expect(ownerOf(k, d)).toBe("dma-kmalloc-2k");
    expect(zoneOf(k, n)).not.toBe("DMA");
  });

  it("the caller's __GFP_DMA does not reach a normal cache's slab: new_slab passes only GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK", () => {
    // a GFP_KERNEL kmalloc first takes a kmalloc-256 slab; later GFP_KERNEL kmallocs keep using it,
    // and a GFP_DMA kmalloc of the same size never does
    const k = bootK("x86_64", "6.1");
    const a = k.slab.kmalloc(k, 256, GFP_KERNEL);
    const b = k.slab.kmalloc(k, 256, GFP_DMA);
    expect(zoneOf(k, a)).toBe("Normal");
    expect(zoneOf(k, b)).toBe("DMA");
    expect(Math.abs(b - a)).toBeGreaterThan(4096);
  });

  it("s->allocflags: GFP_DMA for dma-kmalloc, __GFP_RECLAIMABLE for kmalloc-rcl; __GFP_COMP only above order 0 until 5b15f3fb89fc (6.10)", () => {
    const k61 = bootK("x86_64", "6.1");
    expect(cacheOf(k61, 128, GFP_DMA).allocflags).toBe(GFP_DMA);
    expect(cacheOf(k61, 128, __GFP_RECLAIMABLE).allocflags).toBe(__GFP_RECLAIMABLE);
    expect(cacheOf(k61, 128, GFP_KERNEL).allocflags).toBe(0);
    expect(cacheOf(k61, 4096, GFP_DMA).allocflags).toBe(GFP_DMA | __GFP_COMP); // order 3
    const k612 = bootK("x86_64", "6.12");
    expect(cacheOf(k612, 128, GFP_DMA).allocflags).toBe(GFP_DMA | __GFP_COMP);
    expect(cacheOf(k612, 128, GFP_KERNEL).allocflags).toBe(__GFP_COMP);
  });

  it("kfree puts a dma-kmalloc object back on its own cache: the next GFP_DMA kmalloc returns it, a GFP_KERNEL one does not", () => {
    const k = bootK("x86_64", "5.15");
    const d = k.slab.kmalloc(k, 64, GFP_DMA);
    const d2 = k.slab.kmalloc(k, 64, GFP_DMA);
    expect(k.slab.kfree(k, d)).toBe(true);
    const n = k.slab.kmalloc(k, 64, GFP_KERNEL);
    expect(n).not.toBe(d);
    expect(k.slab.kmalloc(k, 64, GFP_DMA)).toBe(d);
    expect(k.slab.kmalloc(k, 64, GFP_DMA)).toBe(d2 + 64);
  });

  it("__GFP_ZERO zeroes the object, not the slab: the caller's __GFP_ZERO does not reach alloc_pages", () => {
    const k = bootK("x86_64", "6.6");
    const a = k.slab.kmalloc(k, 32, GFP_DMA);
    k.kwrite(a, new Uint8Array(32).fill(0xa5), "test");
    k.slab.kfree(k, a);
    // kmalloc(20, __GFP_ZERO) zeroes the whole object (s->object_size 32), not just the 20 bytes asked for
    const b = k.slab.kmalloc(k, 20, GFP_DMA | __GFP_ZERO);
    expect(b).toBe(a);
    expect([...k.kread(b, 32, "test")]).toEqual(new Array(32).fill(0));
    const c = k.slab.kmalloc(k, 32, GFP_DMA);
    k.kwrite(c, new Uint8Array(4).fill(0x5a), "test");
    k.slab.kfree(k, c);
    expect([...k.kread(k.slab.kmalloc(k, 32, GFP_DMA), 4, "test")]).toEqual([0x5a, 0x5a, 0x5a, 0x5a]);
  });
});

describe("s->size with generic KASAN (kasan_cache_create): the object stride per version", () => {
  // x86_64: kmalloc-8's 8 bytes + alloc meta 16 (+ free meta: 8 bytes fits — 5.6; 16 after e4b7818b9aa8 does not:
  // after the alloc meta — 5.9–6.7; its 8-byte remainder only — a5989d4ed40c, 6.8+)
  const want: Record<string, number> = { "5.6": 24, "5.10": 40, "5.15": 40, "5.19": 40, "6.1": 40, "6.6": 40, "6.12": 32, "6.18": 32 };
  it.each(KERNELS)("%s x86_64: consecutive kmalloc(8) objects are s->size apart", (v) => {
    const k = bootK("x86_64", v, { CONFIG_KASAN: "y" });
    const s = cacheOf(k, 8, GFP_KERNEL);
    expect(s.size).toBe(want[v]);
    const a = k.slab.kmalloc(k, 8, GFP_KERNEL);
    const b = k.slab.kmalloc(k, 8, GFP_KERNEL);
    expect(b - a).toBe(want[v]);
    // objects per order-0 slab: floor(4096 / s->size)
    const objs = [a, b];
    for (let i = 2; i <= Math.floor(4096 / want[v]!); i++) objs.push(k.slab.kmalloc(k, 8, GFP_KERNEL));
    const last = objs[objs.length - 1]!;
    expect(Math.floor(phys(k, last) / 4096)).not.toBe(Math.floor(phys(k, a) / 4096)); // the (n+1)th opens a new slab
  });

  it("without KASAN the stride is the object size", () => {
    for (const v of KERNELS) {
      const k = bootK("x86_64", v);
      expect(cacheOf(k, 8, GFP_KERNEL).size).toBe(8);
      expect(cacheOf(k, 4096, GFP_KERNEL).size).toBe(4096);
    }
  });

  it("x86_64 KASAN: ALIGN(size, s->align) with the natural alignment of power-of-two caches — kmalloc-64 128, kmalloc-96 128, kmalloc-128 256, kmalloc-4k 8192 (order 3: 4 objects)", () => {
    const k = bootK("x86_64", "6.12", { CONFIG_KASAN: "y" });
    expect(cacheOf(k, 64, GFP_KERNEL).size).toBe(128); // 64 + 16 = 80 < 64 + 32 → 96 → ALIGN(96, 64)
    expect(cacheOf(k, 96, GFP_KERNEL).size).toBe(128); // 96 + 16 = 112 < 96 + 32 → 128 (align 8)
    expect(cacheOf(k, 128, GFP_KERNEL).size).toBe(256); // 144 < 128 + 64 → 192 → ALIGN(192, 128)
    const s4k = cacheOf(k, 4096, GFP_KERNEL);
    expect(s4k.size).toBe(8192); // 4112 < 4096 + 256 → 4352 → ALIGN(4352, 4096)
    expect(s4k.oo).toBe(3);
    const a = k.slab.kmalloc(k, 4096, GFP_KERNEL);
    expect(k.slab.kmalloc(k, 4096, GFP_KERNEL)).toBe(a + 8192);
    // dma-kmalloc caches get the same layout
    expect(cacheOf(k, 8, GFP_DMA).size).toBe(32);
  });

  it("rpi4 5.10 KASAN: kmalloc-128 (KMALLOC_MIN_SIZE 128) is 256 apart; 6.12 KASAN kmalloc-8 32", () => {
    const k = bootK("rpi4", "5.10", { CONFIG_KASAN: "y" });
    const a = k.slab.kmalloc(k, 8, GFP_KERNEL);
    expect(k.slab.kmalloc(k, 8, GFP_KERNEL) - a).toBe(256);
    const k2 = bootK("rpi4", "6.12", { CONFIG_KASAN: "y" });
    const b = k2.slab.kmalloc(k2, 8, GFP_KERNEL);
    expect(k2.slab.kmalloc(k2, 8, GFP_KERNEL) - b).toBe(32);
  });
});

describe("kmalloc_fix_flags: \"Unexpected gfp … Fix your code!\" for GFP_SLAB_BUG_MASK flags", () => {
  const lines = (k: Kernel) => k.klog.filter((l) => l.message.startsWith("Unexpected gfp")).map((l) => `${l.level} ${l.message}`);

  it.each(KERNELS)("%s x86_64: kmalloc(64, GFP_KERNEL|__GFP_HIGHMEM) warns when it needs a new slab, and is served by kmalloc-64", (v) => {
    const k = bootK("x86_64", v);
    const a = k.slab.kmalloc(k, 64, GFP_KERNEL | __GFP_HIGHMEM);
    expect(a).not.toBe(0);
    expect(ownerOf(k, a)).toBe("kmalloc-64");
    expect(lines(k)).toEqual(["warn Unexpected gfp: 0x2 (__GFP_HIGHMEM). Fixing up to gfp: 0xcc0 (GFP_KERNEL). Fix your code!"]);
    // the next one is served from the cpu slab: no new_slab, no warning
    expect(k.slab.kmalloc(k, 64, GFP_KERNEL | __GFP_HIGHMEM)).toBe(a + 64);
    expect(lines(k).length).toBe(1);
    // dump_stack follows the warning
    const i = k.klog.findIndex((l) => l.message.startsWith("Unexpected gfp"));
    expect(k.klog[i + 1]!.message).toMatch(/^CPU: 0 /);
  });

  it("__GFP_DMA32 is a bug flag too: kmalloc(4K, GFP_KERNEL|__GFP_DMA32) → 0x4 (__GFP_DMA32), and the slab is not below 4 GiB", () => {
    const k = bootK("x86_64", "6.18");
    const a = k.slab.kmalloc(k, 4096, GFP_KERNEL | __GFP_DMA32);
    expect(lines(k)).toEqual(["warn Unexpected gfp: 0x4 (__GFP_DMA32). Fixing up to gfp: 0xcc0 (GFP_KERNEL). Fix your code!"]);
    expect(ownerOf(k, a)).toBe("kmalloc-4k");
    expect(zoneOf(k, a)).toBe("Normal");
    expect(phys(k, a)).toBeGreaterThanOrEqual(2 ** 32);
  });

  it("kmalloc_large: 5.6 passes __GFP_HIGHMEM to alloc_pages silently; from 444050990db4 (5.9) kmalloc_fix_flags warns first", () => {
    const k56 = bootK("x86_64", "5.6");
    expect(k56.slab.kmalloc(k56, 16384, GFP_KERNEL | __GFP_HIGHMEM)).not.toBe(0);
    expect(lines(k56)).toEqual([]);
    const k510 = bootK("x86_64", "5.10");
    expect(k510.slab.kmalloc(k510, 16384, GFP_KERNEL | __GFP_HIGHMEM)).not.toBe(0);
    expect(lines(k510)).toEqual(["warn Unexpected gfp: 0x2 (__GFP_HIGHMEM). Fixing up to gfp: 0xcc0 (GFP_KERNEL). Fix your code!"]);
  });

  it("arm32 5.6 (highmem): kmalloc_large with __GFP_HIGHMEM gets a highmem page, whose page_address is NULL", () => {
    const k = bootK("arm32", "5.6");
    if (!k.buddy.zones.some((z) => z.name === "HighMem")) throw new Error("the arm32 board has highmem");
    // the page allocator serves __GFP_HIGHMEM from ZONE_HIGHMEM first
    expect(k.slab.kmalloc(k, 16384, GFP_KERNEL | __GFP_HIGHMEM)).toBe(0);
    const k61 = bootK("arm32", "6.1");
    const a = k61.slab.kmalloc(k61, 16384, GFP_KERNEL | __GFP_HIGHMEM);
    expect(a).not.toBe(0);
    expect(zoneOf(k61, a)).toBe("Normal");
  });
});

describe("scenarios/drivers/dma-kmalloc-rx.yaml", () => {
  it("x86_64 6.12: the rx buffer is the first dma-kmalloc-512 object (phys 0x100000), mapped without bouncing; the CPU reads the device's bytes", () => {
    const r = run("scenarios/drivers/dma-kmalloc-rx.yaml", { platform: "x86_64", kernel: "6.12" });
    expect(r.ok).toBe(true);
    const km = r.steps.find((s) => s.op === "kmalloc")!;
    expect(h(km.result.ret as string)).toBe(h("0xffff888000100000"));
    const map = r.steps.find((s) => s.op === "dma_map_single")!;
    expect(map.result.bounced).toBe(false);
    expect(map.result.dma_addr).toBe("0x100000");
  });

  it("rpi4 5.19: bus 0xc0002000 (phys 0x2000 in ZONE_DMA through dma-ranges)", () => {
    const r = run("scenarios/drivers/dma-kmalloc-rx.yaml", { platform: "rpi4", kernel: "5.19" });
    expect(r.ok).toBe(true);
    expect(r.steps.find((s) => s.op === "dma_map_single")!.result.dma_addr).toBe("0xc0002000");
  });

  it("x86_64-xen-pv: ZONE_DMA is pseudo-physical; the machine frame behind it is above the 32-bit mask, so the buffer bounces (the expectation fails)", () => {
    const r = run("scenarios/drivers/dma-kmalloc-rx.yaml", { platform: "x86_64-xen-pv", kernel: "6.12" });
    expect(r.ok).toBe(false);
    const map = r.steps.find((s) => s.op === "dma_map_single")!;
    expect(map.result.bounced).toBe(true);
    expect(r.steps.find((s) => s.op === "cpu_read")!.result.data).toBe('"rx packet"');
  });
});

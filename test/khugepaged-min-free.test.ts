/**
 * khugepaged's set_recommended_min_free_kbytes at hugepage_init (subsys_initcall; src/mm/pcp.ts), on arm64
 * (defconfig CONFIG_TRANSPARENT_HUGEPAGE=y, default "always"). Hand computation from the trees' code, rpi4
 * (4 CPUs; ZONE_DMA 203263 and ZONE_DMA32 753471 managed pages on 5.14 and 6.18):
 * - init_per_zone_wmark_min: lowmem 956734 pages = 3826936 KiB; int_sqrt(3826936 × 16 = 61230976) = 7825
 *   (7825² = 61230625); pages_min 1956. DMA tmp = 1956 × 203263 / 956734 = 415, delta max(103, 203) = 203:
 *   [415, 618, 821]. DMA32 tmp = 1540, delta max(385, 753) = 753: [1540, 2293, 3046].
 * - set_recommended_min_free_kbytes: 2 populated zones ≤ ZONE_NORMAL; 512 × 2 × 2 + 512 × 2 × 3 × 3 = 11264
 *   pages; nr_free_buffer_pages = (203263 − 821) + (753471 − 3046) = 952867, / 20 = 47643: not capped;
 *   45056 KiB > 7825, so min_free_kbytes = 45056, pages_min 11264. DMA tmp = 2393, delta max(598, 203):
 *   [2393, 2991, 3589]; DMA32 tmp = 8870, delta max(2217, 753): [8870, 11087, 13304].
 * - pcp (5.14–6.6 high; 6.7+ high_min) = low / 4 CPUs, at least 4 × batch 63 = 252: before DMA 252, DMA32 573;
 *   after DMA 747, DMA32 2771 (4.8×). 6.7+ high_max = managed / 8 / 4 = 6351 / 23545 either way.
 */
import { describe, expect, it } from "vitest";
import { bootK } from "./helpers.js";
import { hugepage_init, init_per_zone_wmark_min, nr_free_buffer_pages, set_recommended_min_free_kbytes } from "../src/mm/pcp.js";
import { BuddyAllocator, MemMap } from "../src/mm/page_alloc.js";

/** the booted model's zones as init_per_zone_wmark_min alone leaves them (watermarks back to 0 first, as at postcore_initcall) */
function beforeKhugepaged(platform: string, version: string) {
  const k = bootK(platform, version);
  const b = k.buddy;
  const after = { mfk: b.min_free_kbytes, wm: b.zones.map((z) => [...z.watermark]), pcp: b.zones.map((z) => ({ ...z.pcp!, lists: [] })) };
  for (const z of b.zones) z.watermark = [0, 0, 0];
  const mfk = init_per_zone_wmark_min(b.pcp, b.zones, 262144);
  return { k, b, after, before: { mfk, wm: b.zones.map((z) => [...z.watermark]), pcp: b.zones.map((z) => ({ ...z.pcp!, lists: [] })) } };
}

describe("khugepaged set_recommended_min_free_kbytes (arm64, THP always)", () => {
  it("rpi4 5.14: min_free_kbytes 7825 → 45056, watermarks ×~5, pcp->high 252/573 → 747/2771", () => {
    const { b, before, after } = beforeKhugepaged("rpi4", "5.14");
    expect(b.zones.map((z) => [z.name, z.managed_pages])).toEqual([["DMA", 203263], ["DMA32", 753471]]);
    expect(before.mfk).toBe(7825);
    expect(before.wm).toEqual([[415, 618, 821], [1540, 2293, 3046]]);
    expect(before.pcp.map((p) => [p.batch, p.high])).toEqual([[63, 252], [63, 573]]);
    expect(nr_free_buffer_pages(b.zones)).toBe(952867);
    expect(after.mfk).toBe(45056);
    expect(after.wm).toEqual([[2393, 2991, 3589], [8870, 11087, 13304]]);
    // the boot's later pcp traffic does not change 5.14's high: it is set only by zone_pcp_update
    expect(after.pcp.map((p) => [p.batch, p.high])).toEqual([[63, 747], [63, 2771]]);
    // the same step again from the "before" state gives the same numbers
    expect(set_recommended_min_free_kbytes(b.pcp, b.zones, before.mfk, 9)).toBe(45056);
    expect(b.zones.map((z) => z.pcp!.high)).toEqual([747, 2771]);
  });

  it("rpi4 6.18: high_min 252/573 → 747/2771, high_max 6351/23545 unchanged", () => {
    const { before, after } = beforeKhugepaged("rpi4", "6.18");
    expect(before.mfk).toBe(7825);
    expect(before.wm).toEqual([[415, 618, 821], [1540, 2293, 3046]]);
    expect(before.pcp.map((p) => [p.high_min, p.high_max])).toEqual([[252, 6351], [573, 23545]]);
    expect(after.mfk).toBe(45056);
    expect(after.wm).toEqual([[2393, 2991, 3589], [8870, 11087, 13304]]);
    expect(after.pcp.map((p) => [p.high_min, p.high_max])).toEqual([[747, 6351], [2771, 23545]]);
  });

  it("rpi4 5.10: the watermarks rise the same way but pcp->high stays 6 × batch = 378", () => {
    const k = bootK("rpi4", "5.10");
    expect(k.buddy.min_free_kbytes).toBe(45056);
    expect(k.buddy.zones.map((z) => z.pcp!.high)).toEqual([378, 378]);
  });

  it("x86_64 (no THP in x86_64_defconfig): min_free_kbytes stays int_sqrt(lowmem KiB × 16)", () => {
    const k = bootK("x86_64", "5.14");
    const lowmem = k.buddy.zones.reduce((s, z) => s + z.managed_pages, 0);
    expect(k.buddy.min_free_kbytes).toBe(Math.floor(Math.sqrt(lowmem * 4 * 16)));
    expect(k.buddy.min_free_kbytes).toBe(11424);
  });

  it("one zone: 512 × 11 = 5632 pages (22528 KiB) unless 5% of nr_free_buffer_pages is less; < 512 MiB: no change", () => {
    const mk = (pages: number) => {
      const b = new BuddyAllocator(new MemMap(0, pages), true);
      b.addZone("Normal", 0, pages);
      b.freeRange(0, pages);
      return b;
    };
    // 1 GiB: 262144 pages; init: int_sqrt(1048576 × 16) = 4096 KiB, watermarks [1024, 1286, 1548];
    // nr_free_buffer_pages 262144 − 1548 = 260596, / 20 = 13029 > 5632 → 22528 KiB
    const b1 = mk(262144);
    const m1 = init_per_zone_wmark_min(null, b1.zones, 262144);
    expect(m1).toBe(4096);
    expect(hugepage_init(true, null, b1.zones, m1, 9)).toBe(22528);
    expect(b1.zones[0]!.watermark).toEqual([5632, 7040, 8448]);
    // 600 MiB: 153600 pages; int_sqrt(614400 × 16) = 3135; pages_min 783, delta max(195, 153): high 1173;
    // (153600 − 1173) / 20 = 7621 > 5632 → 22528 still
    const b2 = mk(153600);
    const m2 = init_per_zone_wmark_min(null, b2.zones, 262144);
    expect(m2).toBe(3135);
    expect(nr_free_buffer_pages(b2.zones)).toBe(153600 - 1173);
    expect(hugepage_init(true, null, b2.zones, m2, 9)).toBe(22528);
    // the 5% cap: 100000 pages in a call without the 512 MiB test (set_recommended_min_free_kbytes itself):
    // int_sqrt(400000 × 16) = 2529, pages_min 632, delta max(158, 100) → high 948; (100000 − 948) / 20 = 4952 → 19808 KiB
    const b3 = mk(100000);
    const m3 = init_per_zone_wmark_min(null, b3.zones, 262144);
    expect(m3).toBe(2529);
    expect(set_recommended_min_free_kbytes(null, b3.zones, m3, 9)).toBe(19808);
    // hugepage_init below 512 MiB (totalram_pages < 131072): THP off, start_stop_khugepaged not called
    const b4 = mk(100000);
    const m4 = init_per_zone_wmark_min(null, b4.zones, 262144);
    const wm4 = [...b4.zones[0]!.watermark];
    expect(hugepage_init(true, null, b4.zones, m4, 9)).toBe(2529);
    expect(b4.zones[0]!.watermark).toEqual(wm4);
    // no THP: nothing
    expect(hugepage_init(false, null, b1.zones, 4096, 9)).toBe(4096);
  });
});

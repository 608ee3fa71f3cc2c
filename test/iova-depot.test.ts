/**
 * The IOVA range caches' depot per version: at most MAX_GLOBAL_MAGS (32) magazines per bin up to 6.6, an
 * unbounded list from 6.7 (911aa1245da8) trimmed by a delayed work, one magazine per IOVA_DEPOT_DELAY while it
 * holds more than num_online_cpus() (233045378dbb); magazines of 128 pfns, 127 from 6.0 (b4c9bf178ace).
 */
import { describe, expect, it } from "vitest";
import { IOVA_SWITCHES as S, IovaDomain } from "../src/drivers/iommu/iova.js";
import { IOVA_DEPOT_DELAY, IovaDepotWork } from "../src/drivers/iommu/iova-fq.js";
import type { Kernel } from "../src/kernel.js";
import { bootK } from "./helpers.js";

const V66 = [S.retry, S.freeGlobalOnFail, S.findLimit, S.max32AnyFree, S.roundupInAllocator, S.retryNoOverflow, S.magSize127];
const V612 = [...V66, S.depotList, S.depotTrim];

/** n one-page IOVAs below 4 GiB, then all freed: they go to the range cache of bin 0. */
function fillAndFree(d: IovaDomain, n: number): number[] {
  const pfns: number[] = [];
  for (let i = 0; i < n; i++) pfns.push(d.alloc_iova_fast(1, 0xfffff, false));
  for (const p of pfns) d.free_iova_fast(p, 1);
  return pfns;
}

describe("the IOVA depot", () => {
  it("6.6: 32 magazines at most; the rest of the frees go back to the rbtree", () => {
    const sw = new Set<string>(V66);
    const d = new IovaDomain(4096, 1, (c) => sw.has(c));
    fillAndFree(d, 5000);
    expect(d.mag_size).toBe(127);
    expect(d.depot_size(0)).toBe(32);
  });
  it("6.12: the depot takes every full magazine; its work gives one back per 100 ms down to one (one CPU)", () => {
    const sw = new Set<string>(V612);
    const d = new IovaDomain(4096, 1, (c) => sw.has(c));
    const k = { timers: [], now_ms: 0, tr: undefined } as unknown as Kernel;
    const w = new IovaDepotWork(k, d);
    fillAndFree(d, 5000);
    /* 5000 frees: loaded and prev hold 127 each, every further full magazine went to the depot */
    expect(d.depot_size(0)).toBe(Math.floor((5000 - 255) / 127) + 1); /* a push at the 255th free, then every 127 */
    expect(w.timer_expires).toBe(IOVA_DEPOT_DELAY);
    const before = d.depot_size(0);
    k.now_ms = 100;
    w.timeout(k);
    expect(d.depot_size(0)).toBe(before - 1);
    k.now_ms = 100 + IOVA_DEPOT_DELAY * 10;
    w.timeout(k);
    expect(d.depot_size(0)).toBe(before - 11);
    k.now_ms = 100000;
    w.timeout(k);
    expect(d.depot_size(0)).toBe(1);
    expect(w.timer_expires).toBe(-1);
    /* the trimmed pfns are in the tree again: the next one-page alloc_iova_fast still comes from a magazine first */
    expect(d.alloc_iova_fast(1, 0xfffff, false)).toBeGreaterThan(0);
  });
  it("a booted 6.12 SMMU domain has the work armed on its timer list; 6.6 has none", () => {
    const k12 = bootK("arm64-smmu", "6.12");
    const k66 = bootK("arm64-smmu", "6.6");
    expect(k12.timers.some((t) => t instanceof IovaDepotWork)).toBe(true);
    expect(k66.timers.some((t) => t instanceof IovaDepotWork)).toBe(false);
  });
});

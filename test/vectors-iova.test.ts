/**
 * The IOVA allocator against the real drivers/iommu/iova.c: vectors recorded by
 * tools/kernel-vectors/iova from the unmodified iova.c + lib/rbtree.c of five kernel trees
 * (5.6.4, 5.10.7, 5.12.9, 5.14, 5.19) replay through src/drivers/iommu/iova.ts op by op: the same
 * pfn for every alloc_iova / alloc_iova_fast (0 where the kernel's failed), and every 50 ops the same
 * rbtree contents in order, the same cached_node / cached32_node and max32_alloc_size. The `cpus` vectors
 * (5.10.7, 5.19, 6.12.19) were recorded with two possible CPUs: ["cpu", n] moves the following ops to
 * CPU n, whose own loaded/prev magazines raw_cpu_ptr() then picks.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./helpers.js";
import { IOVA_ANCHOR, IOVA_SWITCHES, IovaDomain, type IovaCpus } from "../src/drivers/iommu/iova.js";

type Op = ["init"] | ["a", number, number, number, number] | ["af", number, number, number, number] | ["f", number] | ["ff", number, number] | ["s", [number, number][], number, number, number] | ["cpu", number];
interface VectorFile { target: string; tree: string; commit: string; version: string; vector: { seed: number; mode: string; granule: number; start_pfn: number; dma_32bit_pfn: number; nr_cpus?: number; ops: Op[]; warns: number } }

/** The recording's CPUs: nr_cpus possible and online (1 when the vector does not say), the current one set by ["cpu", n]. */
class VectorCpus implements IovaCpus {
  cpu = 0;
  constructor(readonly n: number) {}
  raw_smp_processor_id(): number { return this.cpu; }
  num_possible_cpus(): number { return this.n; }
  num_online_cpus(): number { return this.n; }
}

/** Which switches each recorded tree carries (the commits' presence was checked in these trees). */
const S = IOVA_SWITCHES;
const TREE_SWITCHES: Record<string, string[]> = {
  "5.6": [],
  "5.10": [],
  "5.12": [S.retry, S.freeGlobalOnFail],
  "5.14": [S.retry, S.freeGlobalOnFail, S.findLimit],
  "5.15": [S.retry, S.freeGlobalOnFail, S.findLimit, S.max32AnyFree, S.retryNoOverflow], // 5b61343b5059 and dcdb3ba7e2a8 are in 5.15.178 (stable backports)
  "5.19": [S.retry, S.freeGlobalOnFail, S.findLimit, S.max32AnyFree, S.roundupInAllocator],
  "6.1": [S.retry, S.freeGlobalOnFail, S.findLimit, S.max32AnyFree, S.roundupInAllocator, S.retryNoOverflow, S.magSize127],
  "6.6": [S.retry, S.freeGlobalOnFail, S.findLimit, S.max32AnyFree, S.roundupInAllocator, S.retryNoOverflow, S.magSize127],
  "6.12": [S.retry, S.freeGlobalOnFail, S.findLimit, S.max32AnyFree, S.roundupInAllocator, S.retryNoOverflow, S.magSize127],
  "6.18": [S.retry, S.freeGlobalOnFail, S.findLimit, S.max32AnyFree, S.roundupInAllocator, S.retryNoOverflow, S.magSize127],
};

const DIR = join(ROOT, "test/vectors/iova");
const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();

/** A domain whose alloc_iova_fast flush would empty only the calling CPU's magazines (not the kernel: for_each_online_cpu). */
class LocalFlushDomain extends IovaDomain {
  override free_cpu_cached_iovas(cpu: number): void {
    if (cpu === this.cpus.raw_smp_processor_id()) super.free_cpu_cached_iovas(cpu);
  }
}

/** Replay a vector; `oneCpu` ignores its ["cpu", n] ops (every op on one CPU's magazines), `localFlush` flushes only the caller's magazines: to show they matter. */
function replay(v: VectorFile, drop?: string, oneCpu = false, localFlush = false): { ops: number; allocs: number; fails: number; snaps: number } {
  const mm = v.version.split(".").slice(0, 2).join(".");
  const sw = new Set(TREE_SWITCHES[mm]);
  if (drop) sw.delete(drop);
  const cpus = new VectorCpus(oneCpu ? 1 : v.vector.nr_cpus ?? 1);
  const d = new (localFlush ? LocalFlushDomain : IovaDomain)(v.vector.granule, v.vector.start_pfn, (c) => sw.has(c), cpus);
  expect(d.dma_32bit_pfn).toBe(v.vector.dma_32bit_pfn);
  let allocs = 0, fails = 0, snaps = 0;
  v.vector.ops.forEach((op, i) => {
    const where = `${v.version} seed ${v.vector.seed} op ${i} ${JSON.stringify(op).slice(0, 80)}`;
    switch (op[0]) {
      case "init": break;
      case "cpu": if (!oneCpu) cpus.cpu = op[1]; break;
      case "a": {
        const r = d.alloc_iova(op[1], op[2], op[3] === 1);
        expect(r ? r.pfn_lo : 0, where).toBe(op[4]);
        allocs++; if (!r) fails++;
        break;
      }
      case "af": {
        const pfn = d.alloc_iova_fast(op[1], op[2], op[3] === 1);
        expect(pfn, where).toBe(op[4]);
        allocs++; if (!pfn) fails++;
        break;
      }
      case "f": d.free_iova(op[1]); break;
      case "ff": d.free_iova_fast(op[1], op[2]); break;
      case "s": {
        snaps++;
        expect(d.ranges(), where).toEqual(op[1]);
        const pfnOf = (n: { pfn_lo: number }) => (n.pfn_lo === IOVA_ANCHOR ? 18446744073709551615 : n.pfn_lo);
        expect([pfnOf(d.cached_node), pfnOf(d.cached32_node), d.max32_alloc_size], where).toEqual([op[2], op[3], op[4]]);
        break;
      }
    }
  });
  expect(d.warns).toBe(v.vector.warns);
  return { ops: v.vector.ops.length, allocs, fails, snaps };
}

describe("IOVA allocator vectors from the real iova.c", () => {
  it("has vectors for ten trees", () => {
    const versions = new Set(files.map((f) => /iova-(\d+\.\d+)/.exec(f)![1]));
    expect([...versions].sort()).toEqual(["5.10", "5.12", "5.14", "5.15", "5.19", "5.6", "6.1", "6.12", "6.18", "6.6"]);
  });
  for (const f of files) {
    it(`replays ${f} identically`, () => {
      const v = JSON.parse(readFileSync(join(DIR, f), "utf8")) as VectorFile;
      expect(v.target).toBe("iova");
      expect(v.commit).toMatch(/^[0-9a-f]{40}$/);
      const r = replay(v);
      expect(r.allocs).toBeGreaterThan(1000);
      if (v.vector.mode !== "mags") expect(r.fails).toBeGreaterThan(0); // the sequences reach a full space
      expect(r.snaps).toBeGreaterThan(40);
    });
  }
  it("the two-CPU vectors need per-CPU magazines and the all-CPU flush: replayed on one CPU's magazines, or flushing only the caller's, each diverges", () => {
    const cpuFiles = files.filter((f) => f.endsWith("-cpus.json"));
    expect(cpuFiles.map((f) => /iova-(\d+\.\d+)/.exec(f)![1])).toEqual(["5.10", "5.19", "6.12"]);
    for (const f of cpuFiles) {
      const v = JSON.parse(readFileSync(join(DIR, f), "utf8")) as VectorFile;
      expect(v.vector.nr_cpus).toBe(2);
      expect(v.vector.ops.filter((o) => o[0] === "cpu").length).toBeGreaterThan(100);
      expect(() => replay(v, undefined, true), f).toThrow();
      expect(() => replay(v, undefined, false, true), `${f}: flushing only the caller's magazines`).toThrow();
    }
  });
  it("the eras differ where the switches say: a 5.10 domain replayed as 5.12 diverges", () => {
    const v = JSON.parse(readFileSync(join(DIR, "iova-5.10.7-seed1-small.json"), "utf8")) as VectorFile;
    const wrong = { ...v, version: "5.12.9" };
    expect(() => replay(wrong)).toThrow();
  });
  it("every switch but 371d7955e310 changes a recorded answer (that one only changes where the restarted walk begins)", () => {
    const load = (f: string) => JSON.parse(readFileSync(join(DIR, f), "utf8")) as VectorFile;
    for (const [f, drop] of [["iova-5.12.9-seed1-small.json", S.retry], ["iova-5.12.9-seed5-depot.json", S.freeGlobalOnFail], ["iova-5.19.0-seed1-small.json", S.max32AnyFree], ["iova-5.19.0-seed1-small.json", S.roundupInAllocator], ["iova-5.15.178-seed1-small.json", S.retryNoOverflow], ["iova-5.15.178-seed1-small.json", S.max32AnyFree], ["iova-6.1.166-seed7-mags.json", S.magSize127]] as const) {
      expect(() => replay(load(f), drop), `${f} without ${drop}`).toThrow();
    }
    expect(() => replay(load("iova-5.14.0-seed3-mixed.json"), S.findLimit)).not.toThrow();
  });
});

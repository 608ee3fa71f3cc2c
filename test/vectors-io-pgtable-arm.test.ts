/**
 * ARM LPAE stage-1 IOMMU page tables against the real drivers/iommu/io-pgtable-arm.c: vectors
 * recorded by tools/kernel-vectors/io-pgtable-arm from the unmodified file of 5.6.4, 5.10.7, 5.14,
 * 5.15.178, 5.19, 6.1.166, 6.6.63, 6.12.19 and 6.18.35 replay through src/drivers/iommu/io-pgtable-arm
 * (the v5.6 era for ≤ 5.14, v5.15 from 5.15):
 * every map / unmap return value, every iova_to_phys, every TLB callback in order (tlb_add_page,
 * tlb_flush_walk), and every 60 ops all leaf descriptors (level, iova, the 64-bit descriptor) and the
 * number of table pages in use. The tables are real bytes: here in a small byte-addressed memory.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./helpers.js";
import { IO_PGTABLE_SWITCHES, arm_64_lpae_alloc_pgtable_s1, arm_lpae_iova_to_phys, iopte_leaf, iopte_to_paddr, type ArmLpaeIoPgtable, type IoPgtableCfg, type IoPgtableMem } from "../src/drivers/iommu/io-pgtable-arm/common.js";
import * as v56 from "../src/drivers/iommu/io-pgtable-arm/v5.6.js";
import * as v515 from "../src/drivers/iommu/io-pgtable-arm/v5.15.js";

type Op = ["init"] | ["map", number, number, number, number, number, number, number] | ["unmap", number, number, number, number] | ["phys", number, number] | ["tlb", string, number, number, number] | ["leaves", [number, number, number, number, number][], number];
interface VectorFile { tree: string; commit: string; version: string; vector: { seed: number; mode: string; ias: number; oas: number; pgsize_bitmap: number; mair: number; tcr: number[]; ops: Op[]; warns: number } }

/** Table memory: 4 KiB pages handed out from a bump pointer (freed ones reused), descriptors as u32 pairs. */
class TestMem implements IoPgtableMem {
  words = new Map<number, number>();
  next = 0x80000000;
  freeList: number[] = [];
  inUse = 0;
  allocPages(size: number) { this.inUse++; const p = this.freeList.pop() ?? ((this.next += size), this.next - size); for (let a = p; a < p + size; a += 4) this.words.delete(a); return p; }
  freePages(phys: number) { this.inUse--; this.freeList.push(phys); }
  readLo(p: number) { return this.words.get(p) ?? 0; }
  readHi(p: number) { return this.words.get(p + 4) ?? 0; }
  write(p: number, lo: number, hi: number) { this.words.set(p, lo >>> 0); this.words.set(p + 4, hi >>> 0); }
}

/** The driver's leaf dump: runs of consecutive descriptors at one level. */
function leaves(d: ArmLpaeIoPgtable): [number, number, number, number, number][] {
  const out: [number, number, number, number, number][] = [];
  let run: [number, number, number, number, number] | null = null;
  let nextPa = 0, nextHi = 0, span = 0;
  const walk = (table: number, lvl: number, base: number) => {
    const sp = 2 ** (12 + 9 * (3 - lvl));
    for (let i = 0; i < 512; i++) {
      const lo = d.mem.readLo(table + 8 * i), hi = d.mem.readHi(table + 8 * i);
      if (!lo && !hi) continue;
      const iova = base + i * sp;
      if (iopte_leaf(lo, lvl)) {
        if (run && run[0] === lvl && iova === run[1] + run[4] * span && iopte_to_paddr(lo, hi) === nextPa && (lo & 0xfff) === (run[3] & 0xfff) && hi === nextHi) {
          run[4]++;
        } else {
          if (run) out.push(run);
          run = [lvl, iova, hi, lo, 1];
          span = sp;
        }
        const pa = iopte_to_paddr(lo, hi) + sp;
        nextPa = pa;
        nextHi = (hi & ~0xffff) | (Math.floor(pa / 2 ** 32) & 0xffff);
      } else if (lvl < 3) walk(iopte_to_paddr(lo, hi), lvl + 1, iova);
    }
  };
  walk(d.pgd, 0, 0);
  if (run) out.push(run);
  return out;
}

const DIR = join(ROOT, "test/vectors/io-pgtable-arm");
const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();

/** The io-pgtable switches each recorded tree carries (checked in its io-pgtable-arm.c). */
const P = IO_PGTABLE_SWITCHES;
const TREE_SWITCHES: Record<string, string[]> = {
  "6.1": [P.noAccessEinval],
  "6.6": [P.noAccessEinval],
  "6.12": [P.noAccessEinval, P.unmapNonLeafFirst],
  "6.18": [P.noAccessEinval, P.unmapNonLeafFirst, P.noSplitOnUnmap],
};

function replay(v: VectorFile, raw: string, drop?: string) {
  const sw = new Set(TREE_SWITCHES[v.version.split(".").slice(0, 2).join(".")] ?? []);
  if (drop) sw.delete(drop);
  const [maj, min] = v.version.split(".").map(Number) as [number, number];
  const era = maj * 100 + min >= 515 ? v515 : v56;
  const lazy = v.vector.mode === "lazy";
  const mem = new TestMem();
  const tlb: string[] = [];
  const cfg: IoPgtableCfg = { pgsize_bitmap: 0x1000 | 0x200000 | 0x40000000, ias: 48, oas: 44, coherent_walk: true, non_strict: lazy && era === v56, has: (c) => sw.has(c), ttbr: 0, mair: 0n, tcr: { ips: 0, tg: 0, sh: 0, orgn: 0, irgn: 0, tsz: 0 } };
  const d = arm_64_lpae_alloc_pgtable_s1(cfg, mem, {
    tlb_flush_walk: (iova, size, granule) => tlb.push(JSON.stringify(["tlb", "flush_walk", iova, size, granule])),
    tlb_add_page: (_g, iova, granule) => tlb.push(JSON.stringify(["tlb", "add_page", iova, granule, 0])),
  })!;
  expect([cfg.ias, cfg.oas, cfg.pgsize_bitmap, cfg.mair]).toEqual([v.vector.ias, v.vector.oas, v.vector.pgsize_bitmap, BigInt(/"mair":(\d+)/.exec(raw)![1]!)]);
  expect([cfg.tcr.ips, cfg.tcr.tg, cfg.tcr.sh, cfg.tcr.orgn, cfg.tcr.irgn, cfg.tcr.tsz]).toEqual(v.vector.tcr);
  const expectedTlb: string[] = [];
  const seen = { maps: 0, unmaps: 0, splits: 0, tlb: 0, eexist: 0 };
  v.vector.ops.forEach((op, i) => {
    const where = `${v.version} ${v.vector.mode} op ${i} ${JSON.stringify(op).slice(0, 100)}`;
    if (op[0] === "tlb") { expectedTlb.push(JSON.stringify(op)); seen.tlb++; return; }
    switch (op[0]) {
      case "map": {
        const [, iova, paddr, pgsize, pgcount, prot, ret, mapped] = op;
        let r: number, m: number;
        if (era === v515) { const mm = { n: 0 }; r = v515.arm_lpae_map_pages(d, iova, paddr, pgsize, pgcount, prot, mm); m = mm.n; }
        else { r = v56.arm_lpae_map(d, iova, paddr, pgsize, prot); m = r ? 0 : pgsize; }
        expect([r, m], where).toEqual([ret, mapped]);
        seen.maps++; if (ret === -17) seen.eexist++;
        break;
      }
      case "unmap": {
        const [, iova, pgsize, pgcount, ret] = op;
        const gather = { start: 0, end: 0, pgsize: 0, queued: lazy };
        const r = era === v515 ? v515.arm_lpae_unmap_pages(d, iova, pgsize, pgcount, gather) : v56.arm_lpae_unmap(d, iova, pgsize, { ...gather, queued: false });
        expect(r, where).toBe(ret);
        seen.unmaps++;
        break;
      }
      case "phys": expect(arm_lpae_iova_to_phys(d, op[1]), where).toBe(op[2]); break;
      case "leaves": {
        expect(leaves(d), where).toEqual(op[1]);
        expect(mem.inUse, `${where}: table pages`).toBe(op[2]);
        if (op[1].some((l) => l[4] >= 511)) seen.splits++;
        break;
      }
    }
    /* the driver prints an op's TLB callbacks before the op's own line */
    expect(tlb, `${where}: TLB callbacks up to it`).toEqual(expectedTlb);
  });
  expect(d.warns).toBe(v.vector.warns);
  return seen;
}

describe("io-pgtable-arm vectors from the real io-pgtable-arm.c", () => {
  it("covers 5.6, 5.10, 5.14, 5.15, 5.19, 6.1, 6.6, 6.12 and 6.18, strict and lazy", () => {
    expect(files.length).toBe(27);
    expect(files.filter((f) => f.includes("lazy")).length).toBe(9);
  });
  for (const f of files) {
    it(`replays ${f} identically`, () => {
      const raw = readFileSync(join(DIR, f), "utf8");
      const v = JSON.parse(raw) as VectorFile;
      expect(v.commit).toMatch(/^[0-9a-f]{40}$/);
      const s = replay(v, raw);
      expect(s.maps).toBeGreaterThan(200);
      expect(s.unmaps).toBeGreaterThan(150);
      expect(s.tlb).toBeGreaterThan(v.vector.mode === "lazy" ? 5 : 20); // lazy 6.13+: no block splits, only the walk flushes
    });
  }
  it("each 6.x switch changes a recorded answer: replayed without it, its tree's vectors diverge", () => {
    const load = (f: string) => { const raw = readFileSync(join(DIR, f), "utf8"); return [JSON.parse(raw) as VectorFile, raw] as const; };
    for (const [f, drop] of [["io-pgtable-arm-6.1.166-seed1-strict.json", P.noAccessEinval], ["io-pgtable-arm-6.12.19-seed1-strict.json", P.unmapNonLeafFirst], ["io-pgtable-arm-6.18.35-seed2-lazy.json", P.noSplitOnUnmap]] as const) {
      const [v, raw] = load(f);
      expect(() => replay(v, raw, drop), `${f} without ${drop}`).toThrow();
    }
  });
});

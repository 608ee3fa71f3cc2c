/**
 * Replays the swiotlb-xen vectors (tools/kernel-vectors/swiotlb-xen: drivers/xen/swiotlb-xen.c's
 * address helpers, arch/arm/xen/p2m.c's phys_to_mach rbtree with the tree's lib/rbtree.c and
 * include/xen/arm/page.h's pfn_to_bfn, extracted unmodified from 5.6.4, 5.10.7, 5.14-rc5, 5.15.178,
 * 5.19, 6.1.166, 6.6.63, 6.12.19 and 6.18.35 and compiled in user space) through dmasim's src/xen on a
 * booted rpi4-xen kernel of that version (each file also through the versions whose trees recorded
 * byte-identical runs), call by call: every __set_phys_to_machine (its result and
 * its pr_warn), every clear, xen_phys_to_dma / xen_dma_to_phys of addresses in and around the foreign
 * frames, and range_straddles_page_boundary / range_requires_alignment — whose alignment test moved
 * (9f40ec84a797 inside range_straddles_page_boundary, then 85fcb57c983f's own function) differently
 * in each stable line.
 */
import { describe, expect, it } from "vitest";
import { bootK } from "./helpers.js";
import { clear_phys_to_machine, set_phys_to_machine } from "../src/xen/p2m.js";
import { range_requires_alignment, range_straddles_page_boundary, xen_dma_to_phys, xen_phys_to_dma } from "../src/xen/swiotlb-xen.js";
import { describeReplays, expectDistinctBehaviours, vectorSet } from "./vector-files.js";

type Op = (string | number | null | [string, string][])[];
interface Run { mode: string; seed: number; device: string; ops: Op[] }
interface VecFile { target: string; tree: string; commit: string; version: string; api: string; runs: Run[] }

const SET = vectorSet<VecFile>("swiotlb-xen");
const { files, load } = SET;
/**
 * Modelled versions whose trees recorded byte-identical runs to a committed file (checked when recording:
 * 5.6.4, 5.14-rc5, 5.19 = 5.10.7; 6.6.63 = 5.15.178; 6.12.19, 6.18.35 = 6.1.166; README "swiotlb-xen").
 */
const SAME_AS: Record<string, string[]> = { "5.10.7": ["5.6", "5.14", "5.19"], "5.15.178": ["6.6"], "6.1.166": ["6.12", "6.18"] };

function replay(v: VecFile, run: Run, vid: string) {
  const k = bootK("rpi4-xen", vid);
  const dev = k.devices.get(run.device)!;
  expect(dev, run.device).toBeDefined();
  expect(k.xen!.phys_to_mach, "the boot maps no foreign frame").toEqual([]);
  const n = { refused: 0, straddles: 0, needsAlign: 0, foreign: 0 };
  for (let i = 0; i < run.ops.length; i++) {
    const op = run.ops[i]!;
    const where = `${v.tree} ${v.version} as ${vid} ${run.mode} op ${i} ${JSON.stringify(op)}`;
    const before = k.klog.length;
    switch (op[0]) {
      case "set": {
        const ok = set_phys_to_machine(k, op[1] as number, op[2] as number, 1);
        expect(ok ? 1 : 0, where).toBe(op[3]);
        expect(k.klog.slice(before).map((l) => [l.level, l.message]), where).toEqual(op[4]);
        if (!ok) n.refused++;
        break;
      }
      case "clr":
        clear_phys_to_machine(k, op[1] as number);
        expect(op[2], where).toBe(1); // __set_phys_to_machine_multi(pfn, INVALID_P2M_ENTRY, 1) is true, found or not
        break;
      case "bus": {
        const d = xen_phys_to_dma(k, dev, op[1] as number);
        expect(d, where).toBe(op[2]);
        if (d !== op[1]) n.foreign++;
        break;
      }
      case "phys":
        expect(xen_dma_to_phys(k, dev, op[1] as number), where).toBe(op[2]);
        break;
      case "s": {
        const s = range_straddles_page_boundary(k, op[1] as number, op[2] as number);
        expect(s ? 1 : 0, where).toBe(op[3]);
        if (s) n.straddles++;
        // range_requires_alignment exists exactly where the model's version carries 85fcb57c983f
        expect(!!k.sw["85fcb57c983f"], `${where}: range_requires_alignment in the tree`).toBe(op[4] !== null);
        if (op[4] !== null) {
          const a = range_requires_alignment(k, op[1] as number, op[2] as number);
          expect(a ? 1 : 0, where).toBe(op[4]);
          if (a) n.needsAlign++;
        }
        break;
      }
      default:
        throw new Error(`${where}: unknown op`);
    }
    if (op[0] !== "set") expect(k.klog.length, `${where}: nothing printed`).toBe(before);
  }
  return n;
}

describe("swiotlb-xen vectors: the trees' own P2M and address helpers replayed through dmasim (rpi4-xen)", () => {
  it("three distinct behaviours, each a modelled version's tree with its commit", () => {
    expectDistinctBehaviours(SET, ["swiotlb-xen-5.10.7.json.gz", "swiotlb-xen-5.15.178.json.gz", "swiotlb-xen-6.1.166.json.gz"], SAME_AS);
    for (const f of files) {
      const v = load(f);
      // the API record.sh found in the tree: xen_phys_to_dma from 5.9 (91ffe4ad534a), range_requires_alignment from 85fcb57c983f
      expect(v.api, f).toBe(v.version === "5.10.7" || v.version === "5.15.178" ? "-DKV_DEV" : "-DKV_DEV -DKV_REQALIGN");
    }
  });

  describeReplays(SET, SAME_AS, (v, vid) => {
    for (const run of v.runs)
      it(`${run.mode}: ${run.ops.length} calls`, () => {
        const n = replay(v, run, vid);
        expect(n.refused, "sets of a pfn already mapped").toBeGreaterThan(0);
        expect(n.straddles, "ranges that are not machine-contiguous").toBeGreaterThan(20);
        expect(n.foreign, "bus addresses of foreign frames").toBeGreaterThan(2);
      });
  });

  it("the alignment test: in range_straddles_page_boundary for 5.15.178 (and 6.6.63: 9f40ec84a797's backport), its own function in 6.1.166 (6.12.19, 6.18.35), nowhere else", () => {
    const aligned = (f: string) => load(f).runs.flatMap((r) => r.ops).filter((o) => o[0] === "s");
    const count = (f: string, col: 3 | 4) => aligned(f).filter((o) => o[col] === 1).length;
    // the same calls in every file (same seeds): 5.15.178 / 6.6.63 report more straddles, by exactly the ranges 6.1.166 says need alignment and are contiguous
    const plain = count("swiotlb-xen-5.10.7.json.gz", 3);
    expect(count("swiotlb-xen-5.15.178.json.gz", 3)).toBeGreaterThan(plain);
    expect(count("swiotlb-xen-6.1.166.json.gz", 3)).toBe(plain);
    const both = aligned("swiotlb-xen-6.1.166.json.gz").filter((o) => o[3] === 1 || o[4] === 1).length;
    expect(both).toBe(count("swiotlb-xen-5.15.178.json.gz", 3));
  });
});

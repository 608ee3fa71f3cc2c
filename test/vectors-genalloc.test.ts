/**
 * Replays the genalloc vectors (tools/kernel-vectors/genalloc: the unmodified lib/genalloc.c of
 * 5.6.4, 5.10.7, 5.14, 5.19, 6.1.166, 6.6.63 and 6.18.35 compiled in user space) through dmasim's
 * GenPool, operation by operation: the address and phys every gen_pool_alloc returned, the chunks'
 * bitmaps (hash) and gen_pool_avail after every alloc and free, gen_pool_has_addr,
 * gen_pool_virt_to_phys, gen_pool_size, and the BUG (kind and line of lib/genalloc.c) a bad
 * gen_pool_free hits. Then the same BUG reached through the DMA API: a double dma_free_coherent of
 * an atomic-pool buffer.
 */
import { describe, expect, it } from "vitest";
import { GenPool, GEN_POOL_FREE_BUG_LINE, type GenPoolFreeBug } from "../src/mm/genalloc.js";
import { fromBig, toBig } from "../src/core/u64.js";
import { runYaml } from "./helpers.js";
import { expectDistinctBehaviours, vectorSet, versionId } from "./vector-files.js";

type Op = (string | number | null)[];
interface Run { mode: string; seed: number; order: number; ops: Op[]; avail: number; size: number; warns: number }
interface VecFile { target: string; tree: string; commit: string; version: string; file: string; runs: Run[] }

const SET = vectorSet<VecFile>("genalloc");
const { files, load } = SET;
const va = (s: unknown): number => fromBig(BigInt(s as string));
const u64 = (n: number): string => "0x" + toBig(n).toString(16);

/** the driver's hash: FNV-1a over every chunk's unit bits (head chunk first), 0xff after each chunk */
function bitmapHash(p: GenPool): string {
  let h = 2166136261;
  const step = (b: number) => {
    h ^= b;
    h = Math.imul(h, 16777619) >>> 0;
  };
  for (const c of p.chunks) {
    for (const b of c.bits) step(b);
    step(0xff);
  }
  return h.toString(16).padStart(8, "0");
}

const BUG_KIND: Record<string, GenPoolFreeBug> = { "BUG_ON(addr + size - 1 > chunk->end_addr)": "end_addr", "BUG_ON(remain)": "remain", "BUG()": "no_chunk" };

function replay(v: VecFile, run: Run): { bugs: string[] } {
  const where = (i: number, op: Op) => `${v.tree} ${v.version} ${run.mode} seed ${run.seed} op ${i} ${JSON.stringify(op)}`;
  const p = new GenPool(run.order, "vector");
  const mm = versionId(v.version);
  const bugs: string[] = [];
  for (let i = 0; i < run.ops.length; i++) {
    const op = run.ops[i]!;
    const next = run.ops[i + 1];
    switch (op[0]) {
      case "add":
        p.add_virt(va(op[1]), va(op[2]), op[3] as number);
        expect(op[4], where(i, op)).toBe(0);
        break;
      case "a": {
        const a = p.alloc(op[1] as number);
        expect(u64(a), where(i, op)).toBe(op[2]);
        if (a) expect(u64(p.virt_to_phys(a)), where(i, op)).toBe(op[3]);
        expect([p.avail(), bitmapHash(p)], where(i, op)).toEqual([op[4], op[5]]);
        break;
      }
      case "f": {
        const bug = p.free(va(op[1]), op[2] as number);
        if (next?.[0] === "BUG") {
          expect(bug, where(i, op)).toBe(BUG_KIND[next[2] as string]);
          expect(GEN_POOL_FREE_BUG_LINE[mm]![bug!], `${where(i, op)}: line of ${next[2]}`).toBe(next[1]);
          bugs.push(bug!);
          return { bugs };
        }
        expect(bug, where(i, op)).toBeNull();
        expect([p.avail(), bitmapHash(p)], where(i, op)).toEqual([op[3], op[4]]);
        break;
      }
      case "h":
        expect(p.has_addr(va(op[1]), op[2] as number) ? 1 : 0, where(i, op)).toBe(op[3]);
        break;
      case "v":
        expect(u64(p.virt_to_phys(va(op[1]))), where(i, op)).toBe(op[2]);
        break;
      default:
        throw new Error(`unknown op ${where(i, op)}`);
    }
  }
  expect([p.avail(), p.size()], `${v.version} ${run.mode} seed ${run.seed} at the end`).toEqual([run.avail, run.size]);
  return { bugs };
}

describe("genalloc vectors: dmasim's GenPool against lib/genalloc.c", () => {
  it("the vector files are there: seven trees, each naming its tree and commit", () => {
    expectDistinctBehaviours(SET, ["5.10.7", "5.14.0", "5.19.0", "5.6.4", "6.1.166", "6.18.35", "6.6.63"].map((v) => `genalloc-${v}.json.gz`));
  });
  for (const f of files) {
    it(`replays ${f}`, () => {
      const v = load(f);
      const kinds = new Set<string>();
      let allocs = 0;
      for (const run of v.runs) {
        for (const b of replay(v, run).bugs) kinds.add(b);
        allocs += run.ops.filter((o) => o[0] === "a" && o[2] !== "0x0").length;
      }
      // the runs reach every BUG of gen_pool_free_owner, and allocate plenty
      expect([...kinds].sort()).toEqual(["end_addr", "no_chunk", "remain"]);
      expect(allocs).toBeGreaterThan(400);
    });
  }
});

describe("gen_pool_free's BUG through the DMA API", () => {
  const dbl = `name: atomic pool double free
steps:
  - { op: dma_alloc_coherent, size: 8K, gfp: GFP_ATOMIC, as: buf }
  - { op: dma_free_coherent, buf: buf }
  - { op: dma_free_coherent, buf: buf }
`;
  it("a second dma_free_coherent of an atomic-pool buffer: kernel BUG at lib/genalloc.c (BUG_ON(remain)), per version", () => {
    for (const [kernel, line] of [["5.6", 506], ["5.10", 507], ["5.19", 508], ["6.18", 508]] as const) {
      const r = runYaml(dbl, { platform: "rpi4", kernel });
      expect(r.steps[0]!.result.addr_kind, kernel).toBe("vmalloc");
      expect(r.faults.map((f) => [f.kind, f.message]), kernel).toEqual([["bug", `kernel BUG at lib/genalloc.c:${line}!`]]);
    }
  });
  it("5.13 (no tree read): the BUG without a line", () => {
    const r = runYaml(dbl, { platform: "rpi4", kernel: "5.13" });
    expect(r.faults.map((f) => f.message)).toEqual(["kernel BUG at lib/genalloc.c!"]);
  });
});

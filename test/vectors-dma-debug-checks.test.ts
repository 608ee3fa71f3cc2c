/**
 * Replays the dma-debug-checks vectors (tools/kernel-vectors/dma-debug-checks: check_unmap and
 * check_sync with the hash table, err_printk and the error counters, extracted unmodified from
 * kernel/dma/debug.c of 5.15.178, 6.1.166, 6.12.19 and 6.18.35 and compiled in user space) through
 * dmasim's DmaDebug (src/kernel/dma/debug-checks.ts), call by call: every WARN text printed (which
 * findings, in which order, with which words and numbers), error_count, and which entry an unmap
 * removed. Entries go into the hash table as the driver put them (add_dma_entry with the
 * cacheline tracking's EEXIST report off: only the hash matters here).
 */
import { describe, expect, it } from "vitest";
import { bootK } from "./helpers.js";
import { DmaDebug, dmaDebugOptionsFor } from "../src/kernel/dma/debug.js";
import { DmaDebugEntry, type DebugType } from "../src/kernel/dma/debug-entry.js";
import { of_dma_configure, type Device } from "../src/drivers/device.js";
import { DMA_MAPPING_ERROR } from "../src/core/u64.js";
import { describeReplays, expectDistinctBehaviours, vectorSet } from "./vector-files.js";

type Addr = number | "err";
type Op = (string | number | string[])[];
interface Run { seed: number; all_errors: number; ops: Op[] }
interface VecFile { target: string; tree: string; commit: string; version: string; runs: Run[] }

const SET = vectorSet<VecFile>("dma-debug-checks");
/** versions whose trees recorded byte-identical runs (checked when recording; README "dma-debug-checks") */
const SAME_AS: Record<string, string[]> = { "5.15.178": ["5.10", "5.14", "5.19"], "6.1.166": ["6.6"] };

function replay(v: VecFile, run: Run, vid: string) {
  const k = bootK("x86_64", vid);
  const devs: Device[] = [
    of_dma_configure({ name: "fe300000.mmc", driver: "mydrv", description: "", coherent: true, mask_bits: 64 }),
    of_dma_configure({ name: "0000:01:00.0", driver: "nvme", description: "", coherent: true, mask_bits: 64 }),
  ];
  const d = new DmaDebug({ ...dmaDebugOptionsFor(vid), all_errors: run.all_errors === 1, num_errors: 1, eexist: "silent" });
  const ents: DmaDebugEntry[] = [];
  const live = new Set<number>();
  const addr = (a: Addr) => (a === "err" ? DMA_MAPPING_ERROR : a);
  const mk = (dev: number, dev_addr: Addr, size: number, type: string, dir: number, sg: number, paddr: number) => {
    const e = new DmaDebugEntry();
    e.dev = devs[dev]!;
    e.dev_addr = addr(dev_addr);
    e.size = size;
    e.type = type as DebugType;
    e.direction = dir;
    e.sg_call_ents = sg;
    e.pfn = Math.floor(paddr / 4096);
    e.offset = paddr % 4096;
    e.paddr = paddr;
    return e;
  };
  const n = { unmaps: 0, syncs: 0, msgs: 0, removed: 0 };
  for (let i = 0; i < run.ops.length; i++) {
    const op = run.ops[i]!;
    const where = `${v.tree} ${v.version} as ${vid} seed ${run.seed} op ${i} ${JSON.stringify(op)}`;
    if (op[0] === "a") {
      const [, id, dev, dev_addr, size, type, dir, sg, paddr, map_err] = op as [string, number, number, number, number, string, number, number, number, number];
      const e = mk(dev, dev_addr, size, type, dir, sg, paddr);
      e.map_err_type = map_err as DmaDebugEntry["map_err_type"];
      ents[id] = e;
      live.add(id);
      d.add_dma_entry(k, e, 0);
      continue;
    }
    const before = k.diagnostics.length;
    let msgs: string[];
    if (op[0] === "u") {
      const [, dev, dev_addr, size, type, dir, sg, paddr, removed] = op as [string, number, Addr, number, string, number, number, number, number];
      d.check_unmap(k, mk(dev, dev_addr, size, type, dir, sg, paddr));
      let gone = -1;
      const still = new Set(d.entries());
      for (const id of live) if (!still.has(ents[id]!)) gone = id;
      if (gone >= 0) live.delete(gone);
      expect(gone, `${where}: the entry check_unmap removed`).toBe(removed);
      if (removed >= 0) n.removed++;
      msgs = op[9] as string[];
      n.unmaps++;
    } else {
      const [, dev, dev_addr, size, type, dir, sg, to_cpu] = op as [string, number, Addr, number, string, number, number, number];
      d.check_sync(k, devs[dev]!, mk(dev, dev_addr, size, type, dir, sg, 0), to_cpu === 1);
      msgs = op[8] as string[];
      n.syncs++;
    }
    const printed = k.diagnostics.slice(before).filter((x) => x.printed).map((x) => x.message);
    expect(printed, where).toEqual(msgs);
    expect(d.error_count, `${where}: error_count`).toBe(op[op.length - 1]);
    n.msgs += msgs.length;
  }
  return n;
}

describe("dma-debug-checks vectors: the trees' own check_unmap / check_sync replayed through dmasim", () => {
  it("four distinct behaviours, each a modelled version's tree", () => {
    expectDistinctBehaviours(SET, ["dma-debug-checks-5.15.178.json.gz", "dma-debug-checks-6.1.166.json.gz", "dma-debug-checks-6.12.19.json.gz", "dma-debug-checks-6.18.35.json.gz"], SAME_AS);
  });

  describeReplays(SET, SAME_AS, (v, vid) => {
    for (const run of v.runs)
      it(`seed ${run.seed}, all_errors ${run.all_errors}: ${run.ops.length} calls`, () => {
        const n = replay(v, run, vid);
        expect(n.unmaps).toBeGreaterThan(50);
        expect(n.syncs).toBeGreaterThan(20);
        expect(n.removed).toBeGreaterThan(20);
        expect(n.msgs).toBeGreaterThan(run.all_errors ? 50 : 0);
      });
  });
});

/**
 * Replays the dma-debug vectors (tools/kernel-vectors/dma-debug: kernel/dma/debug.c's
 * hash_fn, to_cacheline_number, active-cacheline overlap accounting and add_dma_entry of 5.6.4,
 * 5.10.7, 5.14-rc5, 5.15.178 (= 5.19, 6.1.166, 6.6.63, 6.12.19 for these functions), 6.6.63 with
 * the 6.5+ arm64 facts, and 6.18.35, extracted unmodified and compiled in user space) through
 * dmasim's dma-debug store on a booted kernel of the platform the run names: per mapping the hash
 * bucket, the cacheline number, the overlap count and tree membership after add_dma_entry, and
 * what it printed ("cacheline tracking EEXIST" as pr_err or err_printk, the "exceeded 7
 * overlapping mappings" WARN_ONCE); per unmap the same after active_cacheline_remove.
 */
import { describe, expect, it } from "vitest";
import { bootK, runYaml } from "./helpers.js";
import { expectDistinctBehaviours, vectorSet, versionId } from "./vector-files.js";
import { DmaDebug, dmaDebugOptionsFor } from "../src/kernel/dma/debug.js";
import { DmaDebugEntry, hash_fn } from "../src/kernel/dma/debug-entry.js";
import { DmaDebugStore } from "../src/kernel/dma/debug-store.js";
import { dev_id } from "../src/drivers/device.js";
import { dma_get_cache_alignment, DMA_BOUNCE_UNALIGNED_KMALLOC } from "../src/mm/slab_common.js";
import { is_swiotlb_active } from "../src/kernel/dma/swiotlb/index.js";
import { fromBig } from "../src/core/u64.js";
import type { Kernel } from "../src/kernel.js";
import { of_dma_configure, type Device } from "../src/drivers/device.js";
import type { DebugType } from "../src/kernel/dma/debug-entry.js";

/** the store with hash_bucket_del reachable (the kernel's hash_bucket_del is static; dmasim's protected) */
class FindStore extends DmaDebug {
  del(e: DmaDebugEntry): void {
    this.hash_bucket_del(e, hash_fn(e.dev_addr));
  }
}
const TYPES: DebugType[] = ["single", "scather-gather", "coherent", "resource"];

/** the hash-table lookups of one find run: the entry each bucket_find_exact / bucket_find_contain returned */
function replayFind(v: VecFile, run: FindRun): { exact: number; contain: number; deep: number } {
  const vid = versionId(v.version);
  const k = kernelOf("x86_64", vid);
  const devs: Device[] = ["a", "b"].map((name) => {
    const d = of_dma_configure({ name, driver: "kv", description: "", coherent: true, mask_bits: 64 });
    if (run.max_seg_size !== 65536) d.max_segment_size = run.max_seg_size; // dma_set_max_seg_size; none: 64 KiB
    return d;
  });
  const d = new FindStore({ ...dmaDebugOptionsFor(vid), all_errors: true });
  const ents: DmaDebugEntry[] = [];
  const mk = (dev: number, addr: number, size: number, type: number, dir: number, sg: number): DmaDebugEntry => {
    const e = new DmaDebugEntry();
    e.dev = devs[dev]!;
    e.dev_addr = addr;
    e.size = size;
    e.type = TYPES[type]!;
    e.direction = dir;
    e.sg_call_ents = sg;
    e.pfn = Math.floor(addr / 4096);
    e.offset = addr % 4096;
    e.paddr = addr;
    return e;
  };
  let exact = 0;
  let contain = 0;
  let deep = 0;
  run.ops.forEach((op, i) => {
    const where = `${v.tree} ${v.version} find seed ${run.seed} op ${i} ${JSON.stringify(op)}`;
    if (op[0] === "a") {
      const [, id, dev, addr, size, type, dir, sg] = op as number[];
      const e = mk(dev!, addr!, size!, type!, dir!, sg!);
      ents[id!] = e;
      d.add_dma_entry(k, e, 0);
    } else if (op[0] === "d") d.del(ents[op[1] as number]!);
    else {
      const [, dev, addr, size, type, dir, sg, found] = op as number[];
      const ref = mk(dev!, addr!, size!, type!, dir!, sg!);
      const got = op[0] === "x" ? d.bucket_find_exact(ref) : d.bucket_find_contain(k, ref);
      expect(got === null ? -1 : ents.indexOf(got), where).toBe(found);
      if (op[0] === "x") exact++;
      else {
        contain++;
        if (found! >= 0 && addr! - ents[found!]!.dev_addr > 65536 + 8192) deep++;
      }
    }
  });
  return { exact, contain, deep };
}

type Log = [string, string];
type Op = (string | number | Log[])[];
interface Run { platform: string; seed: number; cache_align: number; bounce_unaligned_kmalloc: number; swiotlb_active: number; ops: Op[] }
interface FindRun { seed: number; max_seg_size: number; ops: (string | number)[][] }
interface VecFile { target: string; tree: string; commit: string; version: string; runs: Run[]; find: FindRun[] }

/** one booted kernel per (platform, version): the replays only read its facts and append to its diagnostics */
const booted = new Map<string, Kernel>();
function kernelOf(platform: string, vid: string): Kernel {
  let k = booted.get(`${platform}/${vid}`);
  if (!k) booted.set(`${platform}/${vid}`, (k = bootK(platform, vid)));
  return k;
}

const SET = vectorSet<VecFile>("dma-debug");
const { files, load } = SET;

function replay(v: VecFile, run: Run): { eexist: number; warns: number } {
  const vid = versionId(v.version);
  const k = kernelOf(run.platform, vid);
  const dev = [...k.devices.values()][0]!;
  const where = (i: number, op: Op) => `${v.tree} ${v.version} ${run.platform} op ${i} ${JSON.stringify(op).slice(0, 160)}`;
  // the facts the vector was compiled with are the model's for this platform and version
  expect([dma_get_cache_alignment(k), DMA_BOUNCE_UNALIGNED_KMALLOC(k) ? 1 : 0, is_swiotlb_active(k, dev) ? 1 : 0], `${v.version} ${run.platform}`).toEqual([run.cache_align, run.bounce_unaligned_kmalloc, run.swiotlb_active]);
  const d = new DmaDebug({ ...dmaDebugOptionsFor(vid), all_errors: true });
  const live: DmaDebugEntry[] = [];
  let eexist = 0;
  let warns = 0;
  /** what the model printed since `from`, in the vector's form */
  const printed = (from: number): Log[] =>
    k.diagnostics.slice(from).filter((x) => x.printed).map((x): Log => {
      if (x.id === "D20") return ["WARN", x.message];
      if (x.id === "D19" && d.eexist === "pr_err") return ["pr_err", x.message];
      if (x.id === "D19") return ["err_printk", x.message.replace(`DMA-API: ${dev_id(dev)}: `, "")];
      return [x.id, x.message];
    });
  for (let i = 0; i < run.ops.length; i++) {
    const op = run.ops[i]!;
    const from = k.diagnostics.length;
    let e: DmaDebugEntry;
    let cln: number;
    if (op[0] === "m") {
      const [, pfn, off, dir, attrs, dev_addr, bucket, c] = op as [string, number, number, number, number, string, number, number];
      e = new DmaDebugEntry();
      e.dev = dev;
      e.dev_addr = fromBig(BigInt(dev_addr));
      e.size = 8;
      e.direction = dir;
      e.pfn = pfn;
      e.offset = off;
      e.paddr = pfn * 4096 + off;
      d.add_dma_entry(k, e, attrs);
      expect(hash_fn(e.dev_addr), where(i, op)).toBe(bucket);
      cln = DmaDebugStore.to_cacheline_number(e);
      expect(cln, where(i, op)).toBe(c);
      live.push(e);
    } else {
      const idx = op[1] as number;
      e = live[idx]!;
      cln = DmaDebugStore.to_cacheline_number(e);
      expect(cln, where(i, op)).toBe(op[2]);
      d.active_cacheline_remove(e);
      live[idx] = live[live.length - 1]!;
      live.pop();
    }
    const n = op.length;
    const ov = d.cacheline_overlap(cln);
    expect([ov ?? 0, ov === undefined ? 0 : 1], `${where(i, op)}: overlap, present`).toEqual([op[n - 3], op[n - 2]]);
    const logs = op[n - 1] as Log[];
    expect(printed(from), `${where(i, op)}: printed`).toEqual(logs);
    for (const l of logs) if (l[0] === "WARN") warns++;
    else eexist++;
  }
  return { eexist, warns };
}

describe("dma-debug vectors: the hash table's lookups (__hash_bucket_find, bucket_find_exact, bucket_find_contain)", () => {
  for (const f of files) {
    it(`replays ${f}`, () => {
      const v = load(f);
      let deep = 0;
      for (const run of v.find) {
        const r = replayFind(v, run);
        expect(r.exact).toBeGreaterThan(100);
        expect(r.contain).toBeGreaterThan(100);
        deep += r.deep;
      }
      // 2995b8002cef (6.0): a partial sync found more than 64 KiB + one bucket into its mapping
      if (["6.6.63", "6.18.35"].includes(v.version)) expect(deep).toBeGreaterThan(20);
    });
  }
});

describe("dma-debug vectors: active-cacheline tracking and add_dma_entry against kernel/dma/debug.c", () => {
  it("the vector files are there, each naming its tree and commit: six distinct behaviours", () => {
    expectDistinctBehaviours(SET, ["5.10.7", "5.14.0", "5.15.178", "5.6.4", "6.18.35", "6.6.63"].map((v) => `dma-debug-${v}.json.gz`));
  });
  for (const f of files) {
    it(`replays ${f}`, () => {
      const v = load(f);
      const got = Object.fromEntries(v.runs.map((r) => [r.platform, replay(v, r)]));
      // what the runs reach: the overlap WARN somewhere, and EEXIST reports where the version prints them
      expect(Object.values(got).some((g) => g.warns === 1)).toBe(true);
      const vid = versionId(v.version);
      if (vid === "5.6" || vid === "5.10") expect(Object.values(got).every((g) => g.eexist === 0)).toBe(true);
      else expect(got["arm32"]!.eexist).toBeGreaterThan(50);
    });
  }
});

describe("partial syncs deep inside a mapping, through the engine (2995b8002cef)", () => {
  const y = (kernel: string) => `name: partial sync 160 KiB into a 256 KiB mapping
platform: x86_64
kernel: "${kernel}"
device: 0000:01:00.0
config: { CONFIG_DMA_API_DEBUG: y, dma_debug_all_errors: y }
steps:
  - { op: kmalloc, size: 256K, as: b }
  - { op: dma_map_single, buf: b, size: 256K, dir: DMA_FROM_DEVICE, as: m }
  - { op: dma_sync_single_for_cpu, map: m, offset: 160K, size: 4K }
`;
  it("5.15 and 5.19 stop 64 KiB + one bucket back: \"sync DMA memory it has not allocated\"; 6.1 and 6.18 find the mapping", () => {
    for (const kernel of ["5.15", "5.19"]) {
      const r = runYaml(y(kernel));
      expect(r.diagnostics.filter((x) => x.id === "D09").map((x) => x.message), kernel).toEqual([
        `DMA-API: nvme 0000:01:00.0: device driver tries to sync DMA memory it has not allocated [device address=0x${(0xbc000000 + 160 * 1024).toString(16).padStart(16, "0")}] [size=4096 bytes]`,
      ]);
    }
    for (const kernel of ["6.1", "6.18"]) expect(runYaml(y(kernel)).diagnostics.filter((x) => x.id === "D09"), kernel).toEqual([]);
  });
});

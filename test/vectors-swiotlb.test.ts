/**
 * Replays the swiotlb vectors recorded from real kernel trees (tools/kernel-vectors/swiotlb:
 * each tree's unmodified kernel/dma/swiotlb.c compiled in user space and driven by a seeded
 * generator) through dmasim's era of that version, operation by operation: the same slot and
 * in-slot offset, the same used count, next-search index and free list (FNV-1a of list[]), the
 * same bytes in the slot after map and in the original after unmap/sync, the same "buffer is
 * full" points and messages, and the same fault (an endless slot search, a bad access) at the
 * same operation.
 */
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Kernel } from "../src/kernel.js";
import { KernelFault, type FaultRecord } from "../src/core/faults.js";
import { DMA_MAPPING_ERROR } from "../src/core/u64.js";
import { of_dma_configure } from "../src/drivers/device.js";
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE } from "../src/include/gfp.js";
import { IoTlbMemAreas, mem_used } from "../src/kernel/dma/swiotlb/v6.0.js";
import {
  IO_TLB_SHIFT, rmem_swiotlb_device_init, rmem_swiotlb_setup, swiotlb_alloc, swiotlb_boot_nslabs, swiotlb_free, swiotlb_init_with_tbl, swiotlb_sync_single_for_cpu, swiotlb_sync_single_for_device, swiotlb_tbl_map_single,
  swiotlb_tbl_unmap_single,
} from "../src/kernel/dma/swiotlb/index.js";
import { swiotlbKernel, type SwiotlbKernel } from "./swiotlb-kernel.js";
import { findVersion } from "../src/versions.js";
import { ROOT } from "./helpers.js";
import { replay66, type Msg, type Replayed66, type SwiotlbOpBase } from "./swiotlb66-replay.js";

const DIR = `${ROOT}test/vectors/swiotlb/`;
/** the driver's arena: 64 MiB of RAM at 2 GiB, the upper half holds the originals */
const ARENA = 0x8000_0000;
const ARENA_SIZE = 64 << 20;

interface Op extends SwiotlbOpBase {
  /** alloc/free: swiotlb_alloc/swiotlb_free on a restricted-dma-pool device (5.15+) */
  op: "map" | "unmap" | "sync_for_cpu" | "sync_for_device" | "alloc" | "free";
  /** a bounce or allocation address, DMA_MAPPING_ERROR / NULL, "fault"; free: swiotlb_free's bool */
  result?: string | boolean;
  offset?: number;
  used?: number;
  index?: number;
  list?: string;
  /** 6.0+ (areas): the CPU the map ran on, and every area's next index and used count after the op */
  cpu?: number;
  areas?: { index: number; used: number }[];
}
interface VectorFile {
  tree: string;
  commit: string;
  version: string;
  config: string;
  run: {
    boot: {
      start: string; nslabs: number; min_align_mask: string; segment_boundary_mask: string; used: number; index: number; list: string; msgs: Msg[];
      /** 6.0+ (areas): the swiotlb= text, num_possible_cpus(), and the pool's areas */
      swiotlb?: string; nr_cpus?: number; nareas?: number; area_nslabs?: number; areas?: { index: number; used: number }[];
      /** the device's restricted-dma-pool region (the tree's rmem_swiotlb_setup + device_init) */
      rmem?: { base: string; size: number };
    };
    ops: Op[];
  };
}

const DIRS: Record<string, number> = { DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL };

function fnv(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** dmasim's version id for a tree's Makefile version ("5.10.7" → "5.10", "5.14.0-rc5" → "5.14"). */
function modelVersion(v: string): string {
  return v.split(".").slice(0, 2).join(".");
}

type ReplayKernel = SwiotlbKernel;
const replayKernel = (version: string) => swiotlbKernel(version, { start: ARENA, size: ARENA_SIZE });

/** The driver's original bytes: byte at phys p = ((p * 131) >> 8) & 0xff, written on first touch. */
function touchOriginal(k: Kernel, seen: Set<number>, start: number, len: number) {
  for (let page = Math.floor(start / 4096); page * 4096 < start + len; page++) {
    if (seen.has(page)) continue;
    seen.add(page);
    const b = new Uint8Array(4096);
    for (let i = 0; i < 4096; i++) b[i] = Math.floor(((page * 4096 + i) * 131) / 256) & 0xff;
    k.mem.write(page * 4096, b);
  }
}

/** What dmasim printed since `from`: log lines and warnings. */
function printed(k: ReplayKernel, logsFrom: number, faultsFrom: number): string[] {
  return [...k.logs.slice(logsFrom), ...k.faults.slice(faultsFrom).map((f) => f.message)];
}

function expectMessages(where: string, kernel: Msg[], ours: string[]) {
  const shown = kernel.filter((m) => m.level !== "suppressed").map((m) => m.text.replace(/\n$/, ""));
  expect(ours.length, `${where}: messages ${JSON.stringify(ours)} vs kernel ${JSON.stringify(shown)}`).toBe(shown.length);
  shown.forEach((t, i) => expect(ours[i], where).toContain(t));
}

interface Replayed {
  ops: number;
  maps: number;
  full: number;
  wrongUnmaps: number;
  /** swiotlb_alloc calls (restricted pools) */
  allocs: number;
  faults: string[];
}

function replay(file: string): Replayed {
  const v = JSON.parse(readFileSync(DIR + file, "utf8")) as VectorFile;
  const version = modelVersion(v.version);
  const k = replayKernel(version);
  const boot = v.run.boot;
  const dev = of_dma_configure({ name: "kv0", driver: "kv", description: "vector device", coherent: true });
  dev.min_align_mask = parseInt(boot.min_align_mask, 16);
  dev.segment_boundary_mask = BigInt(boot.segment_boundary_mask);

  let defaultSlabs = boot.nslabs;
  if (boot.swiotlb !== undefined) {
    // the areas era: the tree's swiotlb= text and CPU count, through dmasim's own parser state
    const [slabs, areas] = boot.swiotlb.split(",");
    Object.assign(k, { cfg: { swiotlb_slabs: Number(slabs), swiotlb_slabs_set: slabs !== "", ...(areas !== undefined ? { swiotlb_nareas: Number(areas) } : {}), nr_cpus: boot.nr_cpus } });
    defaultSlabs = swiotlb_boot_nslabs(k);
    // (with a restricted pool the recorded pool is the device's; the default one is checked by its boot line)
    if (!boot.rmem) expect(defaultSlabs, `${file} boot: slots allocated`).toBe(boot.nslabs);
  }
  if (boot.rmem) {
    // the default pool at the arena's start (the driver's first memblock_alloc), then the region
    swiotlb_init_with_tbl(k, ARENA, defaultSlabs, true);
    const rmem = rmem_swiotlb_setup(k, { name: "restricted-dma-pool", base: parseInt(boot.rmem.base, 16), size: boot.rmem.size, priv: null });
    expect(rmem, `${file}: ${version} has restricted DMA pools`).not.toBeNull();
    expect(rmem_swiotlb_device_init(k, rmem!, dev), `${file} rmem device_init`).toBe(0);
  } else swiotlb_init_with_tbl(k, parseInt(boot.start, 16), boot.nslabs, true);
  const pool = dev.dma_io_tlb_mem ?? k.io_tlb_default_mem!;
  expect(pool.start, `${file} boot: the device's pool`).toBe(parseInt(boot.start, 16));
  const areasOf = () => (pool instanceof IoTlbMemAreas ? { areas: pool.areas.map((a) => ({ index: a.index, used: a.used })) } : {});
  const state = () => ({
    used: pool instanceof IoTlbMemAreas ? mem_used(pool) : pool.used,
    index: pool instanceof IoTlbMemAreas ? pool.areas[0]!.index : pool.index,
    list: fnv(new Uint8Array(pool.list.buffer, pool.list.byteOffset, pool.list.byteLength)),
    ...areasOf(),
  });
  if (boot.areas) {
    expect(pool, `${file}: an areas pool`).toBeInstanceOf(IoTlbMemAreas);
    expect({ nareas: (pool as IoTlbMemAreas).nareas, area_nslabs: (pool as IoTlbMemAreas).area_nslabs }, file).toEqual({ nareas: boot.nareas, area_nslabs: boot.area_nslabs });
  }
  expect(state(), `${file} boot`).toEqual({ used: boot.used, index: boot.index, list: boot.list, ...(boot.areas ? { areas: boot.areas } : {}) });
  expectMessages(`${file} boot`, boot.msgs, printed(k, 0, 0));

  const seen = new Set<number>();
  const out: Replayed = { ops: 0, maps: 0, full: 0, wrongUnmaps: 0, allocs: 0, faults: [] };
  v.run.ops.forEach((op, n) => {
    const where = `${file} op ${n} (${op.op})`;
    const logs0 = k.logs.length;
    const faults0 = k.faults.length;
    let fault: FaultRecord | null = null;
    let result = 0;
    try {
      if (op.cpu !== undefined) k.cpu = op.cpu;
      if (op.op === "alloc") {
        const r = swiotlb_alloc(k, dev, op.size!);
        expect(r === -1 ? "NULL" : "0x" + r.toString(16), where).toBe(op.result);
      } else if (op.op === "free") {
        expect(swiotlb_free(k, dev, parseInt(op.tlb!, 16), op.size!), where).toBe(op.result);
      } else if (op.op === "map") {
        const orig = parseInt(op.orig!, 16);
        touchOriginal(k, seen, orig, op.alloc_size! + 64);
        result = swiotlb_tbl_map_single(k, dev, orig, op.mapping_size!, op.alloc_size!, DIRS[op.dir]!, op.attrs!, undefined, parseInt(op.alloc_align_mask!, 16));
      } else if (op.op === "unmap") {
        swiotlb_tbl_unmap_single(k, dev, parseInt(op.tlb!, 16), op.mapping_size!, DIRS[op.dir]!, op.attrs!, op.alloc_size!);
      } else {
        const f = op.op === "sync_for_cpu" ? swiotlb_sync_single_for_cpu : swiotlb_sync_single_for_device;
        f(k, dev, parseInt(op.tlb!, 16), op.size!, DIRS[op.dir]!);
      }
    } catch (e) {
      if (!(e instanceof KernelFault)) throw e;
      fault = e.record;
    }
    out.ops++;
    if (op.fault) {
      expect(fault, `${where}: the kernel faulted (${op.fault.kind}: ${op.fault.text}) but dmasim did not`).not.toBeNull();
      if (op.fault.kind === "livelock") expect(fault!, where).toMatchObject({ kind: "soft_lockup", message: expect.stringMatching(/^watchdog: BUG: soft lockup - CPU#0 stuck for 22s! \[scenario:1000\]$/) });
      out.faults.push(`${op.fault.kind} at op ${n}`);
      return;
    }
    expect(fault, `${where}: dmasim faulted: ${fault?.message}`).toBeNull();
    expectMessages(where, op.msgs, printed(k, logs0, faults0));
    if (op.op === "alloc") {
      out.allocs++;
      if (op.result !== "NULL") expect((parseInt(op.result as string, 16) - pool.start) >> IO_TLB_SHIFT, where).toBe(op.slot);
    } else if (op.op === "free") {
      // (nothing else to compare: the state below)
    } else if (op.op === "map") {
      out.maps++;
      if (op.result === "DMA_MAPPING_ERROR") {
        expect(result, where).toBe(DMA_MAPPING_ERROR);
        if (op.mapping_size! <= op.alloc_size!) out.full++;
      } else {
        const tlb = parseInt(op.result as string, 16);
        expect(result, where).toBe(tlb);
        expect((result - pool.start) >> IO_TLB_SHIFT, where).toBe(op.slot);
        expect(fnv(k.cache.cpuRead(tlb, op.mapping_size!)), `${where}: slot bytes after map`).toBe(op.tlbsum);
        // the driver's device writes the whole mapping for FROM_DEVICE / BIDIRECTIONAL
        if (op.dir !== "DMA_TO_DEVICE") {
          const b = new Uint8Array(op.mapping_size!);
          for (let i = 0; i < b.length; i++) b[i] = (n * 7 + i) & 0xff;
          k.cache.snoopWrite(tlb, b);
        }
      }
    } else {
      // the live mapping this op works on, as the driver names it
      const orig = parseInt(op.orig!, 16);
      expect(fnv(k.cache.cpuRead(orig, op.mapped!)), `${where}: original bytes`).toBe(op.origsum);
      if (op.op === "unmap") {
        if (op.wrong) out.wrongUnmaps++;
      } else {
        expect(fnv(k.cache.cpuRead(parseInt(op.base!, 16), op.mapped!)), `${where}: slot bytes`).toBe(op.tlbsum);
      }
    }
    expect(state(), where).toEqual({ used: op.used, index: op.index, list: op.list, ...(op.areas ? { areas: op.areas } : {}) });
  });
  return out;
}

const all = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();
/** driver66.c's vectors (struct io_tlb_pool trees) have their own format and replay (swiotlb66-replay.ts) */
const isPoolEra = (f: string) => (JSON.parse(readFileSync(DIR + f, "utf8")) as { driver?: string }).driver === "driver66.c";
const files = all.filter((f) => !isPoolEra(f));
const files66 = all.filter(isPoolEra);

describe("swiotlb vectors from real kernel trees replay in dmasim", () => {
  it("has vectors for 5.6, 5.10, 5.14, 5.15, 5.19 and 6.1, each naming its tree and commit", () => {
    const versions = new Set(files.map((f) => f.split("-")[0]));
    for (const v of ["5.6", "5.10", "5.14", "5.15", "5.19", "6.1"]) expect(versions.has(v), v).toBe(true);
    for (const f of files) {
      const v = JSON.parse(readFileSync(DIR + f, "utf8")) as VectorFile;
      expect(v.tree, f).toMatch(/\S/);
      expect(v.commit, `${f}: record.sh --commit SHA names the commit of an unpacked tree`).toMatch(/^[0-9a-f]{40}$/);
      expect(findVersion(modelVersion(v.version)), `${f}: dmasim does not model ${v.version}`).toBeDefined();
    }
  });

  const replayed = new Map<string, Replayed>();
  for (const f of files) {
    it(`${f}: same slots, counts, free lists, bytes, messages and faults`, () => {
      const r = replay(f);
      expect(r.ops).toBeGreaterThan(0);
      replayed.set(f, r);
    }, 60_000);
  }

  it("the vectors exercise wrong-size unmaps, buffer full and endless searches", () => {
    const all = files.map((f) => ({ f, r: replayed.get(f) ?? replay(f) }));
    const sum = (fn: (r: Replayed) => number, pre = "") => all.filter((x) => x.f.startsWith(pre)).reduce((a, x) => a + fn(x.r), 0);
    expect(sum((r) => r.wrongUnmaps, "5.10")).toBeGreaterThan(20);
    expect(sum((r) => r.full, "5.10")).toBeGreaterThan(20);
    expect(sum((r) => r.full, "5.19")).toBeGreaterThan(20);
    expect(sum((r) => r.faults.filter((x) => x.startsWith("livelock")).length, "5.14")).toBeGreaterThan(0);
    expect(sum((r) => r.faults.filter((x) => x.startsWith("livelock")).length, "5.19")).toBeGreaterThan(0);
    // 5.15.178 keeps the endless search (no 7c3940bf81e5) under its 04867a7a3332 backport
    expect(sum((r) => r.full, "5.15")).toBeGreaterThan(20);
    expect(sum((r) => r.faults.filter((x) => x.startsWith("livelock")).length, "5.15")).toBeGreaterThan(0);
    // 6.1.166 (areas): full areas and pools, and still the endless search (7c3940bf81e5 is 6.3, not backported there)
    expect(sum((r) => r.full, "6.1-areas")).toBeGreaterThan(20);
    expect(sum((r) => r.faults.filter((x) => x.startsWith("livelock")).length, "6.1")).toBeGreaterThan(0);
    // restricted DMA pools: swiotlb_alloc / swiotlb_free from the trees' own code
    expect(sum((r) => r.allocs, "5.15-rmem")).toBeGreaterThan(50);
    expect(sum((r) => r.allocs, "6.1-rmem")).toBeGreaterThan(50);
  }, 120_000);
});

describe("pool-era swiotlb vectors (6.6, 6.12, 6.18: driver66.c) replay in dmasim", () => {
  it("has vectors for 6.6, 6.12 and 6.18, each naming its tree and commit", () => {
    const versions = new Set(files66.map((f) => f.split("-")[0]));
    for (const v of ["6.6", "6.12", "6.18"]) expect(versions.has(v), v).toBe(true);
    for (const f of files66) {
      const v = JSON.parse(readFileSync(DIR + f, "utf8")) as VectorFile;
      expect(v.commit, f).toMatch(/^[0-9a-f]{40}$/);
      expect(findVersion(modelVersion(v.version)), `${f}: dmasim does not model ${v.version}`).toBeDefined();
    }
  });

  const replayed66 = new Map<string, Replayed66>();
  for (const f of files66) {
    it(`${f}: same slots and pools, per-area counts, free lists, pages, bytes and messages`, () => {
      const v = JSON.parse(readFileSync(DIR + f, "utf8")) as VectorFile;
      const r = replay66(DIR + f, modelVersion(v.version));
      expect(r.ops).toBeGreaterThan(0);
      replayed66.set(f, r);
    }, 60_000);
  }

  it("the vectors exercise buffer full, growth by the worker and transient pools", () => {
    const sum = (fn: (r: Replayed66) => number, pre: string) => files66.filter((f) => f.startsWith(pre)).reduce((a, f) => a + fn(replayed66.get(f) ?? replay66(DIR + f, pre.replace(/-$/, ""))), 0);
    for (const v of ["6.6-", "6.12-", "6.18-"]) {
      expect(sum((r) => r.full, v), v).toBeGreaterThan(10);
      expect(sum((r) => r.grownPools, v), v).toBeGreaterThan(0);
      expect(sum((r) => r.pageEvents, v), v).toBeGreaterThan(0);
    }
    expect(sum((r) => r.transientMaps, "6.6-")).toBeGreaterThan(0);
    expect(sum((r) => r.transientMaps, "6.12-")).toBeGreaterThan(0);
    expect(sum((r) => r.transientMaps, "6.18-")).toBeGreaterThan(0);
  }, 120_000);

  it("the vectors tell the versions apart: replayed with another version's switches they fail", () => {
    // 6.12's area-major search, its map without alloc_size and its bounce without the start check
    // are not 6.6.63's: each file fails somewhere when replayed as the other version
    for (const [f, as] of [["6.12-dynamic-small.json", "6.6"], ["6.12-plain.json", "6.6"], ["6.6-min-align-4k.json", "6.12"], ["6.6-plain.json", "6.18"]] as const) {
      if (!files66.includes(f)) continue;
      expect(() => replay66(DIR + f, as), `${f} as ${as}`).toThrow();
    }
  }, 120_000);
});

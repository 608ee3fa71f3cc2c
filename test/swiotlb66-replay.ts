/**
 * Replay of the pool-era vectors (tools/kernel-vectors/swiotlb/driver66.c: struct io_tlb_pool,
 * 6.6+) through dmasim's v6.6 era, operation by operation: the same slot in the same pool, every
 * pool's free list (FNV-1a), per-area used/index, the allocator's nslabs and used count, the
 * device's transient pools, the pages the allocator took and gave back (the driver's page
 * allocator and the fake buddy below hand out the same naturally aligned blocks bump-wise from
 * the same window), the bytes, and the messages.
 */
import { expect } from "vitest";
import { readFileSync } from "node:fs";
import type { Kernel } from "../src/kernel.js";
import type { Device } from "../src/drivers/device.js";
import { KernelFault, type FaultRecord } from "../src/core/faults.js";
import { DMA_MAPPING_ERROR, PAGE_SIZE } from "../src/core/u64.js";
import { of_dma_configure } from "../src/drivers/device.js";
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE } from "../src/include/gfp.js";
import {
  swiotlb_init_with_tbl, swiotlb_sync_single_for_cpu, swiotlb_sync_single_for_device, swiotlb_tbl_map_single, swiotlb_tbl_unmap_single,
} from "../src/kernel/dma/swiotlb/index.js";
import { dev_transient_pools, io_tlb_default_mem, mem_used, type IoTlbPool } from "../src/kernel/dma/swiotlb/v6.6.js";
import { swiotlbKernel, type SwiotlbKernel } from "./swiotlb-kernel.js";

const ARENA = 0x8000_0000;
const ARENA_SIZE = 64 << 20;
/** driver66.c's page allocator window (stubs66/kstub.h KV_PAGES_BASE/END) */
const PAGES_BASE = ARENA + (16 << 20);
const PAGES_END = ARENA + (32 << 20);

/** A message of an operation's record: its printk level and text. */
export interface Msg {
  level: string;
  text: string;
}
/** The fields of an operation's record that both swiotlb drivers (driver.c, driver66.c) write. */
export interface SwiotlbOpBase {
  orig?: string;
  tlb?: string;
  mapping_size?: number;
  alloc_size?: number;
  size?: number;
  dir: string;
  attrs?: number;
  alloc_align_mask?: string;
  wrong?: boolean;
  /** unmap/sync: the mapping's start in the pool and its mapping size */
  base?: string;
  mapped?: number;
  slot?: number;
  tlbsum?: string;
  origsum?: string;
  msgs: Msg[];
  fault?: { kind: string; text: string };
}
interface PoolState {
  start: string;
  nslabs: number;
  nareas: number;
  list: string;
  areas: [number, number][];
  used: number;
  transient?: boolean;
}
interface State {
  mem_nslabs: number;
  mem_used: number;
  pools: PoolState[];
  dev_pools?: PoolState[];
}
type PageEvent = { alloc?: string; free?: string; fail?: string; order: number };
interface Op extends SwiotlbOpBase, Partial<State> {
  op: "map" | "unmap" | "sync_for_cpu" | "sync_for_device" | "work";
  result?: string;
  pool?: string;
  pages: PageEvent[];
}
export interface Vector66 {
  driver: string;
  tree: string;
  commit: string;
  version: string;
  config: string;
  run: { boot: State & { start: string; nslabs: number; ncpus: number; param: string; dynamic: boolean; debug_fs: boolean; min_align_mask: string; segment_boundary_mask: string; pages: PageEvent[]; msgs: Msg[] }; ops: Op[] };
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
const hx = (n: number) => "0x" + n.toString(16);

/**
 * The page allocator the replay kernel gets: naturally aligned blocks, bump-wise from the driver's
 * window, never reused (as driver66.c's kv_alloc_pages), with the events logged; struct page
 * pointers are pfns. Enough of buddy/memmap/arch for mm.ts alloc_pages/__free_pages.
 */
function withPageAllocator(k: SwiotlbKernel, events: PageEvent[]) {
  let next = PAGES_BASE;
  const zone = { name: "DMA32", start_pfn: ARENA / PAGE_SIZE, end_pfn: (ARENA + ARENA_SIZE) / PAGE_SIZE, free_area: [], free_pages: 0, managed_pages: 0 };
  const buddy = {
    zones: [zone],
    alloc(order: number): number | null {
      const sz = PAGE_SIZE * 2 ** order;
      const a = Math.ceil(next / sz) * sz;
      if (a + sz > PAGES_END) {
        events.push({ fail: hx(a), order });
        return null;
      }
      next = a + sz;
      events.push({ alloc: hx(a), order });
      return a / PAGE_SIZE;
    },
    free(pfn: number, order: number) {
      events.push({ free: hx(pfn * PAGE_SIZE), order });
    },
    zoneOf: () => zone,
    isFree: () => false,
    // free_the_page's one-lookup walk (no page of the fake is free, as isFree says)
    freeEndBelow: () => 0,
    freeHeadEnd: () => 0,
  };
  const kk = k as unknown as Record<string, unknown>;
  kk.buddy = buddy;
  kk.arch = { name: "arm64", pfn_to_page: (p: number) => p, page_to_pfn: (p: number) => p, fmtVa: hx };
  kk.memmap = { has: () => false, refcount: () => 1, setRefcount() {}, flags: () => 0 };
  kk.page_deref = (page: number) => page;
  kk.zone_dma_bits = 24;
}

function touchOriginal(k: Kernel, seen: Set<number>, start: number, len: number) {
  for (let page = Math.floor(start / 4096); page * 4096 < start + len; page++) {
    if (seen.has(page)) continue;
    seen.add(page);
    const b = new Uint8Array(4096);
    for (let i = 0; i < 4096; i++) b[i] = Math.floor(((page * 4096 + i) * 131) / 256) & 0xff;
    k.mem.write(page * 4096, b);
  }
}

function expectMessages(where: string, kernel: Msg[], ours: string[]) {
  const shown = kernel.filter((m) => m.level !== "suppressed").map((m) => m.text.replace(/\n$/, ""));
  expect(ours.length, `${where}: messages ${JSON.stringify(ours)} vs kernel ${JSON.stringify(shown)}`).toBe(shown.length);
  shown.forEach((t, i) => expect(ours[i], where).toContain(t));
}

function poolState(p: IoTlbPool, dynamic: boolean): PoolState {
  const s: PoolState = {
    start: hx(p.start),
    nslabs: p.nslabs,
    nareas: p.nareas,
    list: fnv(new Uint8Array(p.list.buffer, p.list.byteOffset, p.list.byteLength)),
    areas: p.areas.map((a) => [a.used, a.index] as [number, number]),
    used: p.areas.reduce((s, a) => s + a.used, 0),
  };
  if (dynamic) s.transient = p.transient;
  return s;
}

function stateOf(k: Kernel, dev: Device, dynamic: boolean): State {
  const mem = io_tlb_default_mem(k);
  const s: State = { mem_nslabs: mem.nslabs, mem_used: mem_used(mem), pools: mem.pools.map((p) => poolState(p, dynamic)) };
  if (dynamic) s.dev_pools = dev_transient_pools(k, dev).map((p) => poolState(p, dynamic));
  return s;
}
const pick = (o: Partial<State>, dynamic: boolean): State => {
  const s: State = { mem_nslabs: o.mem_nslabs!, mem_used: o.mem_used!, pools: o.pools! };
  if (dynamic) s.dev_pools = o.dev_pools!;
  return s;
};

export interface Replayed66 {
  ops: number;
  maps: number;
  full: number;
  transientMaps: number;
  grownPools: number;
  pageEvents: number;
}

/** Replay one driver66 vector file; throws (expect) at the first difference. */
export function replay66(path: string, modelVersion: string): Replayed66 {
  const v = JSON.parse(readFileSync(path, "utf8")) as Vector66;
  const boot = v.run.boot;
  const k = swiotlbKernel(modelVersion, { start: ARENA, size: ARENA_SIZE });
  const events: PageEvent[] = [];
  withPageAllocator(k, events);
  const [slabs, areas] = boot.param.split(",").map((x) => parseInt(x, 10));
  const kk = k as unknown as Record<string, unknown>;
  kk.cfg = { swiotlb_slabs: slabs, swiotlb_slabs_set: !Number.isNaN(slabs), swiotlb_nareas: areas, nr_cpus: boot.ncpus, CONFIG_SWIOTLB_DYNAMIC: boot.dynamic, CONFIG_DEBUG_VM: false };
  // pr_info / pr_warn lines: the replay kernel keeps them with its other log lines
  kk.printk = (_level: string, message: string) => k.logs.push(message);
  kk.sw = Object.fromEntries([...k.version.switches].map((c) => [c, true]));
  const dev = of_dma_configure({ name: "kv0", driver: "kv", description: "vector device", coherent: true });
  dev.min_align_mask = parseInt(boot.min_align_mask, 16);
  dev.segment_boundary_mask = BigInt(boot.segment_boundary_mask);
  dev.dma_mask = 2n ** 64n - 1n;

  swiotlb_init_with_tbl(k, parseInt(boot.start, 16), boot.nslabs, true);
  const mem = io_tlb_default_mem(k);
  expect(mem.debug_fs, "the vector's CONFIG_DEBUG_FS").toBe(boot.debug_fs);
  expect(stateOf(k, dev, boot.dynamic), `${v.config} boot`).toEqual(pick(boot, boot.dynamic));
  expectMessages(`${v.config} boot`, boot.msgs, [...k.logs, ...k.faults.map((f) => f.message)]);
  expect(events, `${v.config} boot pages`).toEqual(boot.pages);

  const seen = new Set<number>();
  const out: Replayed66 = { ops: 0, maps: 0, full: 0, transientMaps: 0, grownPools: 0, pageEvents: 0 };
  v.run.ops.forEach((op, n) => {
    const where = `${v.version} ${v.config} op ${n} (${op.op})`;
    const logs0 = k.logs.length;
    const faults0 = k.faults.length;
    events.length = 0;
    const pools0 = mem.pools.length;
    let fault: FaultRecord | null = null;
    let result = 0;
    try {
      if (op.op === "map") {
        const orig = parseInt(op.orig!, 16);
        touchOriginal(k, seen, orig, op.alloc_size! + 64);
        result = swiotlb_tbl_map_single(k, dev, orig, op.mapping_size!, op.alloc_size!, DIRS[op.dir]!, op.attrs!, undefined, parseInt(op.alloc_align_mask!, 16));
      } else if (op.op === "unmap") {
        swiotlb_tbl_unmap_single(k, dev, parseInt(op.tlb!, 16), op.mapping_size!, DIRS[op.dir]!, op.attrs!);
      } else if (op.op !== "work") {
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
      return;
    }
    expect(fault, `${where}: dmasim faulted: ${fault?.message}`).toBeNull();
    expectMessages(where, op.msgs, [...k.logs.slice(logs0), ...k.faults.slice(faults0).map((f) => f.message)]);
    expect(events, `${where}: pages`).toEqual(op.pages);
    out.pageEvents += events.length;
    out.grownPools += mem.pools.length - pools0;
    if (op.op === "map") {
      out.maps++;
      if (op.result === "DMA_MAPPING_ERROR") {
        expect(result, where).toBe(DMA_MAPPING_ERROR);
        out.full++;
      } else {
        const tlb = parseInt(op.result!, 16);
        expect(hx(result), where).toBe(op.result);
        const pool = [...mem.pools, ...dev_transient_pools(k, dev)].find((p) => tlb >= p.start && tlb < p.end)!;
        expect(hx(pool.start), `${where}: pool`).toBe(op.pool);
        expect((tlb - pool.start) / 2048 | 0, where).toBe(op.slot);
        if (pool.transient) out.transientMaps++;
        expect(fnv(k.cache.cpuRead(tlb, op.mapping_size!)), `${where}: slot bytes after map`).toBe(op.tlbsum);
        if (op.dir !== "DMA_TO_DEVICE") {
          const b = new Uint8Array(op.mapping_size!);
          for (let i = 0; i < b.length; i++) b[i] = (n * 7 + i) & 0xff;
          k.cache.snoopWrite(tlb, b);
        }
      }
    } else if (op.op !== "work") {
      expect(fnv(k.cache.cpuRead(parseInt(op.orig!, 16), op.mapped!)), `${where}: original bytes`).toBe(op.origsum);
      if (op.op !== "unmap") expect(fnv(k.cache.cpuRead(parseInt(op.base!, 16), op.mapped!)), `${where}: slot bytes`).toBe(op.tlbsum);
    }
    expect(stateOf(k, dev, boot.dynamic), where).toEqual(pick(op, boot.dynamic));
  });
  return out;
}

/**
 * kernel/dma/swiotlb.c (5.13/5.14) unit tests: the slot free lists value by value, the search
 * rules, bounce semantics, messages and the explanation helpers.
 * Rule ids are from reference/dma-api-rules-debug-bench.md §2.6; the worked example is
 * reference/xen-swiotlb.md §4.4.
 */
import { findVersion } from "../src/versions.js";
import { swiotlb_era_for } from "../src/kernel/dma/swiotlb/index.js";
import { bug_site } from "../src/kernel/warn-sites.js";
import { describe, expect, it } from "vitest";
import type { Kernel } from "../src/kernel.js";
import { PhysMem } from "../src/mm/physmem.js";
import { Cache } from "../src/mm/cache.js";
import { KernelFault, type FaultRecord } from "../src/core/faults.js";
import { Tracer } from "../src/core/trace.js";
import { DMA_MAPPING_ERROR } from "../src/core/u64.js";
import { of_dma_configure, type Device } from "../src/drivers/device.js";
import {
  DMA_ATTR_NO_WARN, DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_NONE, DMA_TO_DEVICE,
} from "../src/include/gfp.js";
import {
  INVALID_PHYS_ADDR, IO_TLB_SEGSIZE, IO_TLB_SIZE, IoTlbMem, classifyFull, find_slots, is_swiotlb_active, is_swiotlb_buffer,
  nr_slots, swiotlbStats, swiotlb_full_ratelimit_state, swiotlb_init_with_tbl, swiotlb_max_mapping_size, swiotlb_max_segment,
  swiotlb_size_or_default, swiotlb_sync_single_for_cpu, swiotlb_sync_single_for_device, swiotlb_tbl_map_single,
  swiotlb_tbl_unmap_single,
} from "../src/kernel/dma/swiotlb/index.js";
import { MemMap, PG_highmem } from "../src/mm/page_alloc.js";
import { fakeFaults, faultOf } from "./swiotlb-kernel.js";

type FakeKernel = Kernel & { logs: string[]; faults: FaultRecord[]; klog: { level: string; message: string }[] };

const RAM = 0x4000_0000;
const POOL = 0x4800_0000;
const BUF = 0x4100_0000;

/** The Kernel members swiotlb.ts uses, recording into arrays. */
function fakeKernel(opts: { nslabs?: number; pool?: number; banks?: { start: number; size: number }[]; arch?: unknown; memmap?: unknown; init?: boolean } = {}): FakeKernel {
  const mem = new PhysMem(opts.banks ?? [{ start: RAM, size: 0x1000_0000 }]);
  const faults: FaultRecord[] = [];
  const logs: string[] = [];
  const once = new Set<string>();
  const warn = (message: string, pc?: string) => {
    faults.push({ kind: "warn", message, ...(pc ? { pc } : {}) });
  };
  const k = {
    mem,
    cache: new Cache(mem),
    tr: undefined as Tracer | undefined,
    step: 0,
    faults,
    logs,
    io_tlb_default_mem: null as IoTlbMem | null,
    swiotlb_force: "normal",
    version: findVersion("5.14")!,
    swiotlb_era: swiotlb_era_for("5.14"),
    // an arch stub without __va maps virt = phys
    arch: opts.arch ? { __va: (p: number) => p, ...(opts.arch as object) } : undefined,
    memmap: opts.memmap,
    warn,
    warnOnce(key: string, message: string, pc?: string) {
      if (once.has(key)) return;
      once.add(key);
      warn(message, pc);
    },
    klog: [] as { level: string; message: string }[],
    dev_printk(level: string, dev: { driver: string; name: string }, message: string) {
      k.klog.push({ level, message: `${dev.driver} ${dev.name}: ${message}` });
    },
    printk(level: string, message: string) {
      k.klog.push({ level, message });
    },
    firstTime(key: string) {
      if (once.has(key)) return false;
      once.add(key);
      return true;
    },
    log(message: string) {
      logs.push(message);
    },
    // the 5.13/5.14 search (with min_align_mask, 1f221a0d0dbf)
    has: (commit: string) => commit === "1f221a0d0dbf",
    sw: { "1f221a0d0dbf": true },
    ...fakeFaults(),
    BUG_ON(site: string, pc: string): never {
      throw new KernelFault({ kind: "bug", message: `kernel BUG at ${bug_site(k, site)}!`, pc });
    },
    oops(addr: number, pc?: string): never {
      throw new KernelFault({ kind: "oops", message: `Unable to handle kernel paging request at virtual address ${addr.toString(16)}`, ...(pc ? { pc } : {}) });
    },
    // the "page tables": a linear map of every physical address at __va(0) + phys; a frame that is not RAM faults
    kread(va: number, n: number, pc?: string): Uint8Array {
      const phys = va - (k.arch ? k.arch.__va(0) : 0);
      if (!mem.isRamRange(phys, n)) k.oops(va, pc);
      return k.cache.cpuRead(phys, n);
    },
    kreadInto(va: number, n: number, out: Uint8Array, pc?: string): Uint8Array {
      const phys = va - (k.arch ? k.arch.__va(0) : 0);
      if (!mem.isRamRange(phys, n)) k.oops(va, pc);
      return k.cache.cpuReadInto(phys, n, out, 0);
    },
    kwrite(va: number, data: Uint8Array, pc?: string): void {
      const phys = va - (k.arch ? k.arch.__va(0) : 0);
      if (!mem.isRamRange(phys, data.length)) k.oops(va, pc);
      k.cache.cpuWrite(phys, data);
    },
  } as unknown as FakeKernel;
  if (opts.init !== false) swiotlb_init_with_tbl(k, opts.pool ?? POOL, opts.nslabs ?? 32768, true);
  return k;
}

function device(min_align_mask = 0, name = "0000:01:00.0"): Device {
  const d = of_dma_configure({ name, driver: "nvme", description: "test device", coherent: true });
  d.min_align_mask = min_align_mask;
  return d;
}

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const mem = (k: Kernel) => k.io_tlb_default_mem!;
const list = (k: Kernel, from: number, to: number) => Array.from(mem(k).list.subarray(from, to));
const warnings = (k: FakeKernel) => k.faults.filter((f) => f.kind === "warn").map((f) => f.message);
/** dev_warn / dev_warn_ratelimited / dev_warn_once lines: kernel log lines, not WARN splats */
const devWarns = (k: FakeKernel) => k.klog.filter((l) => l.level === "warn").map((l) => l.message);

const catchFault = faultOf;

describe("swiotlb_init_with_tbl", () => {
  it("lays out 128,127,…,1 per segment, INVALID originals, and logs the pool", () => {
    const k = fakeKernel();
    const m = mem(k);
    expect(m.nslabs).toBe(32768);
    expect(m.start).toBe(POOL);
    expect(m.end).toBe(POOL + 64 * 1024 * 1024);
    expect(list(k, 0, 3)).toEqual([128, 127, 126]);
    expect(m.list[127]).toBe(1);
    expect(m.list[128]).toBe(128);
    expect(m.list[32767]).toBe(1);
    expect(m.orig_addr.every((v) => v === INVALID_PHYS_ADDR)).toBe(true);
    expect(m.used).toBe(0);
    expect(m.index).toBe(0);
    expect(k.klog).toEqual([{ level: "info", message: "software IO TLB: mapped [mem 0x0000000048000000-0x000000004c000000] (64MB)" }]); // pr_info
    expect(is_swiotlb_active(k)).toBe(true);
    expect(is_swiotlb_buffer(k, POOL)).toBe(true);
    expect(is_swiotlb_buffer(k, m.end - 1)).toBe(true);
    expect(is_swiotlb_buffer(k, m.end)).toBe(false);
    expect(swiotlb_max_segment(k)).toBe(64 * 1024 * 1024);
    expect(swiotlb_size_or_default(k)).toBe(64 * 1024 * 1024);
  });

  it("prints %pa with 8 digits on 32-bit ARM (no LPAE)", () => {
    const k = fakeKernel({ arch: { name: "arm" }, banks: [{ start: 0, size: 0x4000_0000 }], pool: 0x2f00_0000, nslabs: 512 });
    expect(k.klog).toEqual([{ level: "info", message: "software IO TLB: mapped [mem 0x2f000000-0x2f100000] (1MB)" }]);
  });

  it("swiotlb=noforce gives no pool; a second init WARNs and returns -ENOMEM", () => {
    const k = fakeKernel({ init: false });
    k.swiotlb_force = "noforce";
    expect(swiotlb_init_with_tbl(k, POOL, 1024, true)).toBe(0);
    expect(is_swiotlb_active(k)).toBe(false);
    k.swiotlb_force = "normal";
    expect(swiotlb_init_with_tbl(k, POOL, 1024, false)).toBe(0);
    expect(swiotlb_init_with_tbl(k, POOL, 1024, false)).toBe(-12);
    expect(warnings(k)[0]).toContain("WARN_ON_ONCE(io_tlb_default_mem)");
    expect(() => new IoTlbMem(POOL, 100)).toThrow(RangeError);
  });

  it("swiotlb=<n> rounds up to whole segments", () => {
    const k = fakeKernel({ init: false });
    (k as unknown as { cfg: { swiotlb_slabs: number; swiotlb_slabs_set: boolean } }).cfg = { swiotlb_slabs: 1000, swiotlb_slabs_set: true };
    expect(swiotlb_size_or_default(k)).toBe(1024 * IO_TLB_SIZE);
  });
});

describe("IoTlbMem.releaseSlots: a done model's slot arrays serve the next pool of as many slots (stop 25)", () => {
  it("the next pool gets them back with a fresh pool's values: free runs to each segment's end, no orig_addr, alloc_size 0", () => {
    const n = 384; // three segments: a size no other test's pool has, so the free list holds this one's arrays
    const a = new IoTlbMem(0x4000_0000, n);
    a.renumber(200, 0); // a renumbering left pending
    a.set_slot_list(5, 0);
    a.orig_addr[5] = 0x1234_5000;
    a.alloc_size[5] = 4096;
    a.orig_addr[383] = 0x9000;
    const arrays = [a.list, a.orig_addr, a.alloc_size];
    a.releaseSlots();
    const b = new IoTlbMem(0x4100_0000, n);
    expect(b.list).toBe(arrays[0]); // the same arrays, rewritten
    expect(b.orig_addr).toBe(arrays[1]);
    expect(b.alloc_size).toBe(arrays[2]);
    expect(Array.from(b.list)).toEqual(Array.from({ length: n }, (_, i) => IO_TLB_SEGSIZE - (i % IO_TLB_SEGSIZE)));
    expect(Array.from(b.orig_addr).every((x) => x === INVALID_PHYS_ADDR)).toBe(true);
    expect(Array.from(b.alloc_size).every((x) => x === 0)).toBe(true);
    for (let i = 0; i < n; i++) expect(b.slot_list(i)).toBe(IO_TLB_SEGSIZE - (i % IO_TLB_SEGSIZE));
    // the released pool is a fresh pool again (new arrays when next used), not b's
    expect(a.slot_list(5)).toBe(IO_TLB_SEGSIZE - 5);
    expect(a.list).not.toBe(b.list);
  });
});

describe("free lists: the worked example of xen-swiotlb.md §4.4", () => {
  it("map 5000 B, map 100 B, unmap both: every list value", () => {
    const k = fakeKernel();
    const dev = device();
    const m = mem(k);

    const a = swiotlb_tbl_map_single(k, dev, BUF, 5000, 5000, DMA_TO_DEVICE, 0);
    expect(a).toBe(POOL); // index 0
    expect(list(k, 0, 4)).toEqual([0, 0, 0, 125]);
    expect(m.index).toBe(3);
    expect(m.used).toBe(3);
    expect(Array.from(m.orig_addr.subarray(0, 3))).toEqual([BUF, BUF + 2048, BUF + 4096]);
    expect(Array.from(m.alloc_size.subarray(0, 3))).toEqual([5000, 5000 - 2048, 5000 - 4096]);

    const b = swiotlb_tbl_map_single(k, dev, BUF + 0x10000, 100, 100, DMA_TO_DEVICE, 0);
    expect(b).toBe(POOL + 3 * IO_TLB_SIZE); // index 3: stride 1, list[3] = 125 >= 1
    expect(list(k, 0, 5)).toEqual([0, 0, 0, 0, 124]); // list[2] is 0: no backward renumbering
    expect(m.index).toBe(4);
    expect(m.used).toBe(4);

    swiotlb_tbl_unmap_single(k, dev, a, 5000, DMA_TO_DEVICE, 0);
    // count = list[3] = 0 → list[2] = 1, list[1] = 2, list[0] = 3
    expect(list(k, 0, 5)).toEqual([3, 2, 1, 0, 124]);
    expect(m.used).toBe(1);
    expect(Array.from(m.orig_addr.subarray(0, 3))).toEqual([INVALID_PHYS_ADDR, INVALID_PHYS_ADDR, INVALID_PHYS_ADDR]);
    expect(Array.from(m.alloc_size.subarray(0, 3))).toEqual([0, 0, 0]);

    swiotlb_tbl_unmap_single(k, dev, b, 100, DMA_TO_DEVICE, 0);
    // count = list[4] = 124 → list[3] = 125, then backwards 126, 127, 128: fully merged
    expect(list(k, 0, 5)).toEqual([128, 127, 126, 125, 124]);
    expect(m.used).toBe(0);
    expect(m.index).toBe(4); // unmap never moves the search start
  });

  it("an unmap at the end of a segment does not merge with the next segment", () => {
    const k = fakeKernel({ nslabs: 256 });
    const dev = device();
    const m = mem(k);
    const a = swiotlb_tbl_map_single(k, dev, BUF, 256 * 1024, 256 * 1024, DMA_TO_DEVICE, 0);
    expect(a).toBe(POOL);
    expect(m.list[127]).toBe(0);
    expect(m.list[128]).toBe(128);
    swiotlb_tbl_unmap_single(k, dev, a, 256 * 1024, DMA_TO_DEVICE, 0);
    expect(m.list[0]).toBe(128);
    expect(m.list[127]).toBe(1);
  });
});

describe("slot search rules", () => {
  it("mappings of at least a page use stride 2: page-aligned slots", () => {
    const k = fakeKernel();
    const dev = device();
    const m = mem(k);
    expect(swiotlb_tbl_map_single(k, dev, BUF, 100, 100, DMA_TO_DEVICE, 0)).toBe(POOL);
    expect(m.index).toBe(1);
    const t = swiotlb_tbl_map_single(k, dev, BUF + 0x10000, 4096, 4096, DMA_TO_DEVICE, 0);
    expect(t).toBe(POOL + 2 * IO_TLB_SIZE); // ALIGN(1, 2) = 2
    expect(t % 4096).toBe(0);
    expect(m.list[1]).toBe(1); // the skipped slot is renumbered as a 1-slot free run
    expect(m.index).toBe(4);
    // a sub-page mapping searches from mem->index = 4 with stride 1
    expect(swiotlb_tbl_map_single(k, dev, BUF + 0x20000, 2048, 2048, DMA_TO_DEVICE, 0)).toBe(POOL + 4 * IO_TLB_SIZE);
  });

  it("R-SWI-05: the bounce address keeps the bits of min_align_mask (0xfff)", () => {
    const k = fakeKernel();
    const nvme = device(0xfff);
    const orig = BUF + 0x1a34; // bit 11 set, in-slot offset 0x234
    k.cache.cpuWrite(orig, pattern(100, 7));
    const t = swiotlb_tbl_map_single(k, nvme, orig, 100, 100, DMA_TO_DEVICE, 0);
    expect(t).toBe(POOL + 1 * IO_TLB_SIZE + 0x234); // slot 0 has bit 11 clear: skipped by +1
    expect(t & 0xfff).toBe(orig & 0xfff);
    expect(k.cache.cpuRead(t, 100)).toEqual(pattern(100, 7));
    expect(mem(k).list[0]).toBe(1);
    swiotlb_tbl_unmap_single(k, nvme, t, 100, DMA_TO_DEVICE, 0);
    expect(mem(k).used).toBe(0);
    expect(mem(k).list[0]).toBe(128);
  });

  it("R-SWI-05 (converse): without min_align_mask the sub-slot offset is not preserved", () => {
    const k = fakeKernel();
    const t = swiotlb_tbl_map_single(k, device(0), BUF + 0x1a34, 100, 100, DMA_TO_DEVICE, 0);
    expect(t).toBe(POOL);
    expect(t & (IO_TLB_SIZE - 1)).toBe(0);
  });

  it("min_align_mask 0xfff and a page-sized mapping: stride 4 and the offset counts towards nslots", () => {
    const k = fakeKernel();
    const nvme = device(0xfff);
    const orig = BUF + 0x100; // bit 11 clear
    const t = swiotlb_tbl_map_single(k, nvme, orig, 4096, 4096, DMA_TO_DEVICE, 0);
    expect(t).toBe(POOL + 0x100);
    const m = mem(k);
    expect(m.used).toBe(3); // nr_slots(4096 + 0x100)
    expect(Array.from(m.alloc_size.subarray(0, 3))).toEqual([4096, 2048, 0]);
    expect(m.index).toBe(3);
    const t2 = swiotlb_tbl_map_single(k, nvme, BUF + 0x8100, 4096, 4096, DMA_TO_DEVICE, 0);
    expect(t2).toBe(POOL + 4 * IO_TLB_SIZE + 0x100); // ALIGN(3, 4)
  });

  it("R-SWI-01: 256 KiB fits; 256 KiB + 1 fails with the kernel's message", () => {
    const k = fakeKernel();
    const dev = device();
    expect(swiotlb_max_mapping_size(k, dev)).toBe(262144);
    const t = swiotlb_tbl_map_single(k, dev, BUF, 262144, 262144, DMA_TO_DEVICE, 0);
    expect(t).toBe(POOL);
    expect(mem(k).used).toBe(128);

    const k2 = fakeKernel();
    expect(swiotlb_tbl_map_single(k2, dev, BUF, 262145, 262145, DMA_TO_DEVICE, 0)).toBe(DMA_MAPPING_ERROR);
    expect(devWarns(k2)).toEqual(["nvme 0000:01:00.0: swiotlb buffer is full (sz: 262145 bytes), total 32768 (slots), used 0 (slots)"]);
    expect(mem(k2).used).toBe(0);
    expect(classifyFull(mem(k2), nr_slots(262145))).toBe("oversize");
  });

  it("R-SWI-01: DMA_ATTR_NO_WARN suppresses the message", () => {
    const k = fakeKernel();
    expect(swiotlb_tbl_map_single(k, device(), BUF, 262145, 262145, DMA_TO_DEVICE, DMA_ATTR_NO_WARN)).toBe(DMA_MAPPING_ERROR);
    expect(devWarns(k)).toEqual([]);
  });

  it("R-SWI-06: no mapping crosses a 128-slot segment", () => {
    const k = fakeKernel({ nslabs: 1024 });
    const dev = device();
    const m = mem(k);
    const got: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = swiotlb_tbl_map_single(k, dev, BUF + i * 0x40000, 100 * 1024, 100 * 1024, DMA_TO_DEVICE, 0);
      if (t === DMA_MAPPING_ERROR) break;
      got.push((t - POOL) / IO_TLB_SIZE);
    }
    // 50 slots each: 0, 50, then list[100] = 28 < 50 so the search moves to the next segment
    expect(got.slice(0, 4)).toEqual([0, 50, 128, 178]);
    for (const idx of got) expect((idx % IO_TLB_SEGSIZE) + 50).toBeLessThanOrEqual(IO_TLB_SEGSIZE);
    expect(got.length).toBe(16); // two per segment
    expect(m.used).toBe(16 * 50);
  });

  it("a mapping never straddles the device's segment_boundary_mask window", () => {
    const k = fakeKernel({ nslabs: 1024 });
    const dev = device();
    dev.segment_boundary_mask = 0xffffn; // 64 KiB windows = 32 slots
    const t1 = swiotlb_tbl_map_single(k, dev, BUF, 40 * 1024, 40 * 1024, DMA_TO_DEVICE, 0); // 20 slots
    expect(t1).toBe(POOL);
    const t2 = swiotlb_tbl_map_single(k, dev, BUF + 0x20000, 40 * 1024, 40 * 1024, DMA_TO_DEVICE, 0);
    expect((t2 - POOL) / IO_TLB_SIZE).toBe(32); // 20..39 would cross the window at slot 32
  });
});

describe("bounce semantics", () => {
  it("R-SWI-02 (5.13/5.14 form): map copies orig → slot for TO_DEVICE and BIDIRECTIONAL", () => {
    for (const dir of [DMA_TO_DEVICE, DMA_BIDIRECTIONAL]) {
      const k = fakeKernel();
      const data = pattern(5000, 11 + dir);
      k.cache.cpuWrite(BUF + 0x123, data);
      const t = swiotlb_tbl_map_single(k, device(), BUF + 0x123, 5000, 5000, dir, 0);
      expect(k.cache.cpuRead(t, 5000)).toEqual(data);
    }
  });

  it("R-SWI-02 (5.13/5.14 form): FROM_DEVICE does not initialise the slot — stale data leaks to the device", () => {
    const k = fakeKernel({ nslabs: 128 });
    const dev = device();
    const secret = pattern(256 * 1024, 99);
    k.cache.cpuWrite(BUF, secret);
    const t1 = swiotlb_tbl_map_single(k, dev, BUF, secret.length, secret.length, DMA_TO_DEVICE, 0);
    swiotlb_tbl_unmap_single(k, dev, t1, secret.length, DMA_TO_DEVICE, 0);
    expect(mem(k).index).toBe(0);
    const other = BUF + 0x100000;
    k.cache.cpuWrite(other, new Uint8Array(4096).fill(0xee));
    const t2 = swiotlb_tbl_map_single(k, dev, other, 4096, 4096, DMA_FROM_DEVICE, 0);
    expect(t2).toBe(t1);
    expect(k.cache.cpuRead(t2, 4096)).toEqual(secret.subarray(0, 4096)); // the previous buffer's bytes
  });

  it("R-SWI-02: DMA_ATTR_SKIP_CPU_SYNC skips the copy at map time", () => {
    const k = fakeKernel();
    k.cache.cpuWrite(BUF, pattern(64, 3));
    const t = swiotlb_tbl_map_single(k, device(), BUF, 64, 64, DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
    expect(k.cache.cpuRead(t, 64)).toEqual(new Uint8Array(64));
  });

  it("R-SWI-03: unmap copies slot → orig only for FROM_DEVICE / BIDIRECTIONAL without SKIP_CPU_SYNC", () => {
    const cases: [number, number, boolean][] = [
      [DMA_FROM_DEVICE, 0, true],
      [DMA_BIDIRECTIONAL, 0, true],
      [DMA_TO_DEVICE, 0, false],
      [DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC, false],
      [DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC, false],
    ];
    for (const [dir, attrs, copies] of cases) {
      const k = fakeKernel();
      const dev = device();
      const before = pattern(3000, 5);
      k.cache.cpuWrite(BUF, before);
      const t = swiotlb_tbl_map_single(k, dev, BUF, 3000, 3000, dir, attrs);
      // the device writes the bounce buffer (coherent device: snooping write)
      const dma = pattern(3000, 77);
      k.cache.snoopWrite(t, dma);
      swiotlb_tbl_unmap_single(k, dev, t, 3000, dir, attrs);
      expect(k.cache.cpuRead(BUF, 3000)).toEqual(copies ? dma : before);
      expect(mem(k).used).toBe(0);
    }
  });

  it("R-SWI-04: sync_single_for_cpu / _for_device copy partial ranges", () => {
    const k = fakeKernel();
    const dev = device();
    const orig = BUF + 0x40;
    const init = pattern(8192, 1);
    k.cache.cpuWrite(orig, init);
    const t = swiotlb_tbl_map_single(k, dev, orig, 8192, 8192, DMA_BIDIRECTIONAL, 0);
    k.cache.snoopWrite(t + 5000, pattern(100, 2));
    swiotlb_sync_single_for_cpu(k, dev, t + 5000, 100, DMA_FROM_DEVICE);
    const now = k.cache.cpuRead(orig, 8192);
    expect(now.subarray(5000, 5100)).toEqual(pattern(100, 2));
    expect(now.subarray(0, 5000)).toEqual(init.subarray(0, 5000));
    expect(now.subarray(5100)).toEqual(init.subarray(5100));

    k.cache.cpuWrite(orig + 3000, pattern(50, 3));
    swiotlb_sync_single_for_device(k, dev, t + 3000, 50, DMA_TO_DEVICE);
    expect(k.cache.cpuRead(t + 3000, 50)).toEqual(pattern(50, 3));
    expect(k.cache.cpuRead(t + 3050, 10)).toEqual(init.subarray(3050, 3060));
    // the "other" direction of each sync is a no-op, not a BUG
    swiotlb_sync_single_for_device(k, dev, t, 8192, DMA_FROM_DEVICE);
    swiotlb_sync_single_for_cpu(k, dev, t, 8192, DMA_TO_DEVICE);
  });

  it("sync with DMA_NONE hits the BUG_ON", () => {
    const k = fakeKernel();
    const dev = device();
    const t = swiotlb_tbl_map_single(k, dev, BUF, 64, 64, DMA_BIDIRECTIONAL, 0);
    // report_bug's line at each BUG_ON of 5.14-rc5 kernel/dma/swiotlb.c (the fake kernel is a 5.14 one)
    expect(catchFault(() => swiotlb_sync_single_for_device(k, dev, t, 64, DMA_NONE)).message).toBe("kernel BUG at kernel/dma/swiotlb.c:614!");
    expect(catchFault(() => swiotlb_sync_single_for_cpu(k, dev, t, 64, DMA_NONE)).message).toBe("kernel BUG at kernel/dma/swiotlb.c:623!");
  });

  it("a sync beyond the mapping WARNs 'Buffer overflow detected' once and is clamped", () => {
    const k = fakeKernel();
    const dev = device();
    const init = pattern(300, 4);
    k.cache.cpuWrite(BUF, init);
    const t = swiotlb_tbl_map_single(k, dev, BUF, 100, 100, DMA_FROM_DEVICE, 0);
    k.cache.snoopWrite(t, pattern(300, 8));
    swiotlb_sync_single_for_cpu(k, dev, t, 200, DMA_FROM_DEVICE);
    expect(warnings(k)).toEqual(["nvme 0000:01:00.0: Buffer overflow detected. Allocation size: 100. Mapping size: 200."]);
    const now = k.cache.cpuRead(BUF, 300);
    expect(now.subarray(0, 100)).toEqual(pattern(300, 8).subarray(0, 100));
    expect(now.subarray(100)).toEqual(init.subarray(100));
    swiotlb_sync_single_for_cpu(k, dev, t, 200, DMA_FROM_DEVICE);
    expect(warnings(k).length).toBe(1); // dev_WARN_ONCE
  });

  it("a partial sync below the min_align offset in a later slot: exact on ARM32 (32-bit phys_addr_t)", () => {
    const k = fakeKernel({ arch: { name: "arm" }, banks: [{ start: 0, size: 0x4000_0000 }], pool: 0x2f00_0000, nslabs: 512 });
    const nvme = device(0xfff);
    const orig = 0x0010_0100;
    k.cache.cpuWrite(orig, new Uint8Array(8192));
    const t = swiotlb_tbl_map_single(k, nvme, orig, 8192, 8192, DMA_BIDIRECTIONAL, 0);
    expect(t).toBe(0x2f00_0100);
    // tlb + 0x780 is slot 1 at in-slot offset 0x80 < 0x100: tlb_offset wraps as unsigned int
    k.cache.snoopWrite(t + 0x780, pattern(0x100, 9));
    swiotlb_sync_single_for_cpu(k, nvme, t + 0x780, 0x100, DMA_FROM_DEVICE);
    expect(k.cache.cpuRead(orig + 0x780, 0x100)).toEqual(pattern(0x100, 9));
  });

  it("the same partial sync with 64-bit phys_addr_t copies 4 GiB away from the buffer (5f89468e2f06 as merged)", () => {
    const k = fakeKernel({ banks: [{ start: 0, size: 0x2_0000_0000 }], pool: 0x2f00_0000, nslabs: 512 });
    const nvme = device(0xfff);
    const orig = 0x0010_0100;
    const t = swiotlb_tbl_map_single(k, nvme, orig, 8192, 8192, DMA_BIDIRECTIONAL, 0);
    k.cache.snoopWrite(t + 0x780, pattern(0x100, 9));
    swiotlb_sync_single_for_cpu(k, nvme, t + 0x780, 0x100, DMA_FROM_DEVICE);
    expect(k.cache.cpuRead(orig + 0x780, 0x100)).toEqual(new Uint8Array(0x100));
    expect(k.cache.cpuRead(orig + 0x780 + 2 ** 32, 0x100)).toEqual(pattern(0x100, 9));
    // and when nothing is there, the memcpy faults
    const k2 = fakeKernel({ banks: [{ start: 0, size: 0x4000_0000 }], pool: 0x2f00_0000, nslabs: 512, arch: { name: "arm64", __va: (p: number) => p - 2 ** 40 } });
    const t2 = swiotlb_tbl_map_single(k2, nvme, orig, 8192, 8192, DMA_BIDIRECTIONAL, 0);
    expect(catchFault(() => swiotlb_sync_single_for_cpu(k2, nvme, t2 + 0x780, 0x100, DMA_FROM_DEVICE)).kind).toBe("oops");
  });

  it("ARM32 highmem originals: the page comes from the unadjusted orig_addr", () => {
    // pfns from 0x30000 on are highmem
    const memmap = new MemMap(0, 0x40000);
    memmap.addRangeFlag(0x30000, 0x40000, PG_highmem);
    const k = fakeKernel({ arch: { name: "arm" }, banks: [{ start: 0, size: 0x4000_0000 }], pool: 0x2f00_0000, nslabs: 512, memmap });
    const dev = device();
    const P = 0x3000_0000;
    const orig = P + 0xc00; // slot 0's original sits in the second half of its page
    k.cache.cpuWrite(orig, new Uint8Array(0x1000));
    const t = swiotlb_tbl_map_single(k, dev, orig, 0x1000, 0x1000, DMA_BIDIRECTIONAL, 0);
    k.cache.snoopWrite(t + 0x500, pattern(0x40, 6));
    swiotlb_sync_single_for_cpu(k, dev, t + 0x500, 0x40, DMA_FROM_DEVICE);
    // lowmem would have copied to orig + 0x500 = P + 0x1100; the kmap path writes P + 0x100
    expect(k.cache.cpuRead(P + 0x100, 0x40)).toEqual(pattern(0x40, 6));
    expect(k.cache.cpuRead(P + 0x1100, 0x40)).toEqual(new Uint8Array(0x40));
  });
});

describe("failures and their causes", () => {
  it("exhaustion after a leak: the message carries the used count; classified 'exhausted'", () => {
    const k = fakeKernel({ nslabs: 1024 });
    const dev = device();
    for (let i = 0; i < 30; i++) expect(swiotlb_tbl_map_single(k, dev, BUF + i * 0x10000, 65536, 65536, DMA_TO_DEVICE, 0)).not.toBe(DMA_MAPPING_ERROR);
    expect(mem(k).used).toBe(960);
    expect(swiotlb_tbl_map_single(k, dev, BUF, 262144, 262144, DMA_TO_DEVICE, 0)).toBe(DMA_MAPPING_ERROR);
    expect(devWarns(k)).toEqual(["nvme 0000:01:00.0: swiotlb buffer is full (sz: 262144 bytes), total 1024 (slots), used 960 (slots)"]);
    expect(classifyFull(mem(k), 128)).toBe("exhausted");
    const st = swiotlbStats(k)!;
    expect(st.free).toBe(64);
    expect(st.largestFreeRun).toBe(64);
  });

  it("fragmentation: free slots but no 2-slot aligned run; classified 'fragmented'", () => {
    const k = fakeKernel({ nslabs: 1024 });
    const dev = device();
    const t: number[] = [];
    for (let i = 0; i < 1024; i++) t.push(swiotlb_tbl_map_single(k, dev, BUF + i * 2048, 2048, 2048, DMA_TO_DEVICE, 0));
    expect(mem(k).used).toBe(1024);
    for (let i = 0; i < 1024; i += 2) swiotlb_tbl_unmap_single(k, dev, t[i]!, 2048, DMA_TO_DEVICE, 0);
    expect(mem(k).used).toBe(512);
    expect(list(k, 0, 4)).toEqual([1, 0, 1, 0]);
    expect(swiotlb_tbl_map_single(k, dev, BUF, 4096, 4096, DMA_TO_DEVICE, 0)).toBe(DMA_MAPPING_ERROR);
    expect(devWarns(k)).toEqual(["nvme 0000:01:00.0: swiotlb buffer is full (sz: 4096 bytes), total 1024 (slots), used 512 (slots)"]);
    expect(classifyFull(mem(k), 2)).toBe("fragmented");
    const st = swiotlbStats(k, true)!;
    expect(st).toMatchObject({ nslabs: 1024, used: 512, free: 512, largestFreeRun: 1, freeRuns: 512, fullSegments: 0 });
    expect(st.freeRunsPerSegment).toEqual(new Array(8).fill(64));
    // a 2 KiB mapping still fits
    expect(swiotlb_tbl_map_single(k, dev, BUF, 2048, 2048, DMA_TO_DEVICE, 0)).not.toBe(DMA_MAPPING_ERROR);
  });

  it("the 'buffer is full' message is ratelimited to 10 per run", () => {
    const k = fakeKernel({ nslabs: 128 });
    const dev = device();
    swiotlb_tbl_map_single(k, dev, BUF, 262144, 262144, DMA_TO_DEVICE, 0);
    for (let i = 0; i < 12; i++) expect(swiotlb_tbl_map_single(k, dev, BUF, 100, 100, DMA_TO_DEVICE, 0)).toBe(DMA_MAPPING_ERROR);
    expect(devWarns(k).length).toBe(10);
    expect(warnings(k)).toEqual([]); // a dev_warn_ratelimited line, no WARN splat
    expect(swiotlb_full_ratelimit_state(k)).toEqual({ printed: 10, suppressed: 2 });
  });

  it("min_align_mask search with no fitting run and a non-zero start index never ends (5.13 hang)", () => {
    const k = fakeKernel({ nslabs: 128 });
    const dev = device();
    const nvme = device(0xfff, "0000:02:00.0");
    const m = mem(k);
    const t: number[] = [];
    for (let i = 0; i < 128; i++) t.push(swiotlb_tbl_map_single(k, dev, BUF + i * 2048, 2048, 2048, DMA_TO_DEVICE, 0));
    // move the search start to 12, with everything in use
    swiotlb_tbl_unmap_single(k, dev, t[10]!, 2048, DMA_TO_DEVICE, 0);
    swiotlb_tbl_unmap_single(k, dev, t[11]!, 2048, DMA_TO_DEVICE, 0);
    t[10] = swiotlb_tbl_map_single(k, dev, BUF, 2048, 2048, DMA_TO_DEVICE, 0);
    t[11] = swiotlb_tbl_map_single(k, dev, BUF, 2048, 2048, DMA_TO_DEVICE, 0);
    expect(m.index).toBe(12);
    // free only even slots
    swiotlb_tbl_unmap_single(k, dev, t[20]!, 2048, DMA_TO_DEVICE, 0);
    swiotlb_tbl_unmap_single(k, dev, t[40]!, 2048, DMA_TO_DEVICE, 0);
    const listBefore = Array.from(m.list);
    // an original with bit 11 clear can use the even slots
    const ok = swiotlb_tbl_map_single(k, nvme, BUF + 0x0100, 100, 100, DMA_TO_DEVICE, 0);
    expect(ok).toBe(POOL + 20 * IO_TLB_SIZE + 0x100);
    swiotlb_tbl_unmap_single(k, nvme, ok, 100, DMA_TO_DEVICE, 0);
    expect(Array.from(m.list)).toEqual(listBefore);
    // one with bit 11 set needs an odd slot: none is free, and the walk never returns to slot 12
    const f = catchFault(() => swiotlb_tbl_map_single(k, nvme, BUF + 0x0900, 100, 100, DMA_TO_DEVICE, 0));
    expect(f.kind).toBe("soft_lockup");
    expect(f.message).toBe("watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [scenario:1000]");
    expect(Array.from(m.list)).toEqual(listBefore); // nothing was taken
  });

  it("the same search from slot 0 ends and reports 'buffer is full'", () => {
    const k = fakeKernel({ nslabs: 128 });
    const dev = device();
    const nvme = device(0xfff, "0000:02:00.0");
    const t: number[] = [];
    for (let i = 0; i < 128; i++) t.push(swiotlb_tbl_map_single(k, dev, BUF + i * 2048, 2048, 2048, DMA_TO_DEVICE, 0));
    expect(mem(k).index).toBe(0);
    swiotlb_tbl_unmap_single(k, dev, t[20]!, 2048, DMA_TO_DEVICE, 0);
    expect(swiotlb_tbl_map_single(k, nvme, BUF + 0x0900, 100, 100, DMA_TO_DEVICE, 0)).toBe(DMA_MAPPING_ERROR);
    expect(devWarns(k)).toEqual(["nvme 0000:02:00.0: swiotlb buffer is full (sz: 100 bytes), total 128 (slots), used 127 (slots)"]);
  });

  it("mapping_size > alloc_size: 'Invalid sizes' once, DMA_MAPPING_ERROR", () => {
    const k = fakeKernel();
    const dev = device();
    expect(swiotlb_tbl_map_single(k, dev, BUF, 200, 100, DMA_TO_DEVICE, 0)).toBe(DMA_MAPPING_ERROR);
    expect(swiotlb_tbl_map_single(k, dev, BUF, 200, 100, DMA_TO_DEVICE, 0)).toBe(DMA_MAPPING_ERROR);
    expect(devWarns(k)).toEqual(["nvme 0000:01:00.0: Invalid sizes (mapping: 200 bytes, alloc: 100 bytes)"]);
    expect(warnings(k)).toEqual([]); // dev_warn_once: a log line, not a WARN
    expect(mem(k).used).toBe(0);
  });

  it("no pool: the kernel panics", () => {
    const k = fakeKernel({ init: false });
    const f = catchFault(() => swiotlb_tbl_map_single(k, device(), BUF, 64, 64, DMA_TO_DEVICE, 0));
    expect(f.message).toContain("Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer");
  });

  it("find_slots on its own returns -1 when the pool has too few free slots", () => {
    const k = fakeKernel({ nslabs: 128 });
    expect(find_slots(k, device(), BUF, 129 * 2048)).toBe(-1);
    expect(find_slots(k, device(), BUF, 128 * 2048)).toBe(0);
    expect(find_slots(k, device(), BUF, 1)).toBe(-1);
  });
});

describe("trace", () => {
  it("reports calls, slot changes and bounces", () => {
    const k = fakeKernel();
    k.tr = new Tracer();
    const dev = device();
    const t = swiotlb_tbl_map_single(k, dev, BUF, 5000, 5000, DMA_BIDIRECTIONAL, 0);
    swiotlb_tbl_unmap_single(k, dev, t, 5000, DMA_BIDIRECTIONAL, 0);
    const ev = k.tr.events;
    const calls = ev.filter((e) => e.kind === "call").map((e) => (e as { fn: string }).fn);
    expect(calls).toEqual(["swiotlb_tbl_map_single", "find_slots", "swiotlb_bounce", "swiotlb_tbl_unmap_single", "swiotlb_bounce"]);
    const sw = ev.filter((e) => e.kind === "swiotlb") as { op: string; index: number; nslots: number; tlb_addr: string }[];
    expect(sw.map((e) => [e.op, e.index, e.nslots])).toEqual([
      ["map", 0, 3],
      ["bounce", 0, 3],
      ["bounce", 0, 3],
      ["unmap", 0, 3],
    ]);
    expect(sw[0]!.tlb_addr).toBe("0x48000000");
    expect(k.tr.depth).toBe(0);
  });
});

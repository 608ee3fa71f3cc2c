/**
 * Property tests for kernel/dma/swiotlb.c (5.13/5.14): random map/unmap sequences against an
 * independent occupancy model and an independent oracle of the slot search.
 *
 * Checked after every step:
 * - every segment's list[] equals the free-run lengths recomputed from the occupancy model
 *   (R-SWI-06: runs count down to the segment end, never across it);
 * - used == number of occupied slots; no slot is owned by two live mappings; every slot of a
 *   mapping is freed exactly once, by its own unmap, and its orig_addr/alloc_size are cleared;
 * - the slot chosen (or the failure, or the 5.13 endless search) is the one the oracle predicts;
 * - R-SWI-05: the bounce address keeps the bits of min_align_mask;
 * - R-SWI-02/03 (5.13/5.14 form): bytes bounced at map (TO/BIDI), not at map (FROM: the slot
 *   keeps its stale bytes), and the bytes the "device" wrote come back at unmap (FROM/BIDI).
 *
 * The device is non-coherent and the test performs the arch cache maintenance dma-direct would:
 * clean the bounce buffer after map (arch_sync_dma_for_device), the device writes RAM directly,
 * and invalidate before unmap (arch_sync_dma_for_cpu).
 */
import { findVersion } from "../src/versions.js";
import { swiotlb_era_for } from "../src/kernel/dma/swiotlb/index.js";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Kernel } from "../src/kernel.js";
import { PhysMem } from "../src/mm/physmem.js";
import { Cache } from "../src/mm/cache.js";
import { KernelFault } from "../src/core/faults.js";
import { DMA_MAPPING_ERROR, PAGE_SIZE } from "../src/core/u64.js";
import { of_dma_configure, type Device } from "../src/drivers/device.js";
import { DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE } from "../src/include/gfp.js";
import {
  INVALID_PHYS_ADDR, IO_TLB_SEGSIZE, IO_TLB_SHIFT, IO_TLB_SIZE, type IoTlbMem, classifyFull, nr_slots, swiotlbStats,
  swiotlb_init_with_tbl, swiotlb_tbl_map_single, swiotlb_tbl_unmap_single,
} from "../src/kernel/dma/swiotlb/index.js";
import { fakeFaults } from "./swiotlb-kernel.js";

const RAM = 0x4000_0000;
const POOL = 0x4800_0000;
const NSLABS = 1024;
const ORIG_BASE = 0x4900_0000;
const ORIG_STRIDE = 0x8_0000; // 512 KiB per mapping: room for 256 KiB + any offset

function fakeKernel(): Kernel & { warnings: string[] } {
  const mem = new PhysMem([{ start: RAM, size: 0x1000_0000 }]);
  const warnings: string[] = [];
  const once = new Set<string>();
  const k = {
    mem,
    cache: new Cache(mem),
    tr: undefined,
    warnings,
    io_tlb_default_mem: null,
    swiotlb_force: "normal",
    version: findVersion("5.14")!,
    swiotlb_era: swiotlb_era_for("5.14"),
    warn(m: string) {
      warnings.push(m);
    },
    warnOnce(key: string, m: string) {
      if (!once.has(key)) {
        once.add(key);
        warnings.push(m);
      }
    },
    log() {},
    // dev_warn / dev_warn_once: log lines, collected with the WARNs for these checks
    dev_printk(_level: string, dev: { driver: string; name: string }, m: string) {
      warnings.push(`${dev.driver} ${dev.name}: ${m}`);
    },
    firstTime(key: string) {
      if (once.has(key)) return false;
      once.add(key);
      return true;
    },
    // the 5.13 search (with min_align_mask, 1f221a0d0dbf)
    has: (commit: string) => commit === "1f221a0d0dbf",
    sw: { "1f221a0d0dbf": true },
    ...fakeFaults(),
  } as unknown as Kernel & { warnings: string[] };
  swiotlb_init_with_tbl(k, POOL, NSLABS, false);
  return k;
}

function dev(min_align_mask: number): Device {
  const d = of_dma_configure({ name: min_align_mask ? "0000:01:00.0" : "0000:02:00.0", driver: "drv", description: "", coherent: false });
  d.min_align_mask = min_align_mask;
  return d;
}

/** Bytes that depend on (seed, absolute offset) only, so overlapping windows agree. */
function bytes(n: number, seed: number, at: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let x = Math.imul(at + i + 1, 0x9e3779b1) ^ Math.imul(seed + 1, 0x85ebca6b);
    x ^= x >>> 16;
    x = Math.imul(x, 0x7feb352d);
    x ^= x >>> 15;
    b[i] = x & 0xff;
  }
  return b;
}

/** Byte windows of a mapping that the test writes and checks: start, a middle point, end. */
function windows(size: number, mid: number): [number, number][] {
  const w = Math.min(64, size);
  const m = Math.min(Math.max(0, Math.floor(mid * (size - w))), size - w);
  return [
    [0, w],
    [m, w],
    [size - w, w],
  ];
}

type Cmd =
  | { op: "map"; size: number; msz: number; dir: number; align: boolean; origOff: number; skip: boolean; mid: number }
  | { op: "unmap"; pick: number };

const sizeArb = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 8192 }), weight: 3 },
  { arbitrary: fc.integer({ min: 8193, max: 65536 }), weight: 3 },
  { arbitrary: fc.integer({ min: 65537, max: 262144 }), weight: 1 },
  { arbitrary: fc.constantFrom(2048, 2049, 4095, 4096, 4097, 262143, 262144, 262145), weight: 1 },
);
function mapArb(align: fc.Arbitrary<boolean>): fc.Arbitrary<Cmd> {
  return fc.record({
    op: fc.constant("map" as const),
    size: sizeArb,
    msz: fc.integer({ min: 1, max: 16384 }),
    dir: fc.constantFrom(DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE),
    align,
    origOff: fc.integer({ min: 0, max: 0x1fff }),
    skip: fc.nat({ max: 9 }).map((n) => n < 2), // DMA_ATTR_SKIP_CPU_SYNC on 20% of maps
    mid: fc.double({ min: 0, max: 1, noNaN: true }),
  });
}
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: mapArb(fc.boolean()), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant("unmap" as const), pick: fc.nat() }), weight: 1 },
);
/** Leaks: maps only, by a device without min_align_mask (no endless search), so the pool fills. */
const leakArb: fc.Arbitrary<Cmd> = mapArb(fc.constant(false));

interface Live {
  id: number;
  dev: Device;
  orig: number;
  /** alloc_size */
  size: number;
  /** mapping_size */
  msz: number;
  dir: number;
  attrs: number;
  tlb: number;
  index: number;
  nslots: number;
  /** windows the device wrote, with their bytes */
  devWrites: [number, Uint8Array][];
  /** windows the CPU wrote into the original before the map */
  cpuWrites: [number, Uint8Array][];
}

/** Free-run lengths recomputed from occupancy, per segment. */
function expectedList(owner: Int32Array): Int32Array {
  const out = new Int32Array(owner.length);
  for (let seg = 0; seg < owner.length; seg += IO_TLB_SEGSIZE) {
    let run = 0;
    for (let i = seg + IO_TLB_SEGSIZE - 1; i >= seg; i--) {
      run = owner[i] === -1 ? run + 1 : 0;
      out[i] = run;
    }
  }
  return out;
}

/** The slot search as documented (xen-swiotlb.md §4.3), from the candidate set's point of view. */
function oracle(m: IoTlbMem, owner: Int32Array, d: Device, orig: number, allocPlusOffset: number): { kind: "slot"; index: number } | { kind: "full" } | { kind: "hang" } {
  const nslots = nr_slots(allocPlusOffset);
  const used = owner.reduce((a, o) => a + (o !== -1 ? 1 : 0), 0);
  if (nslots > NSLABS - used) return { kind: "full" };
  const alignMask = d.min_align_mask & ~(IO_TLB_SIZE - 1); // 0 or 0x800 here
  let stride = (alignMask >> IO_TLB_SHIFT) + 1;
  if (allocPlusOffset >= PAGE_SIZE) stride = Math.max(stride, stride * 2);
  // the pool is page aligned, so slot i's address has bit 11 = i & 1
  const want = (orig & alignMask) !== 0 ? 1 : 0;
  let wrap = Math.ceil(m.index / stride) * stride;
  if (wrap >= NSLABS) wrap = 0;
  const runs = expectedList(owner);
  // candidates: slots ≡ want (mod stride) — with want = 1 reached only through the "+1" step
  const cands: number[] = [];
  for (let i = 0; i < NSLABS; i++) if (i % stride === want % stride && (alignMask === 0 || (i & 1) === want)) cands.push(i);
  const order = cands.sort((a, b) => ((a - wrap + NSLABS) % NSLABS) - ((b - wrap + NSLABS) % NSLABS));
  for (const c of order) if (runs[c]! >= nslots) return { kind: "slot", index: c };
  // nothing fits: the walk ends only if it comes back to `wrap`, which a want = 1 walk (odd
  // slots only) does through slot 0 alone
  if (alignMask !== 0 && want === 1 && wrap !== 0) return { kind: "hang" };
  return { kind: "full" };
}

function fail(msg: string): never {
  throw new Error(msg);
}

function sameBytes(got: Uint8Array, want: Uint8Array, what: string) {
  if (got.length !== want.length) fail(`${what}: ${got.length} bytes, expected ${want.length}`);
  for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) fail(`${what}: byte ${i} is ${got[i]}, expected ${want[i]}`);
}

function checkInvariants(k: Kernel, owner: Int32Array, live: Map<number, Live>) {
  const m = k.io_tlb_default_mem!;
  const exp = expectedList(owner);
  let occupied = 0;
  for (let i = 0; i < NSLABS; i++) {
    if (m.list[i] !== exp[i]) fail(`list[${i}] = ${m.list[i]}, expected ${exp[i]} (segment ${Math.floor(i / IO_TLB_SEGSIZE)})`);
    if (owner[i] !== -1) occupied++;
    else if (m.orig_addr[i] !== INVALID_PHYS_ADDR || m.alloc_size[i] !== 0) fail(`free slot ${i} still has orig_addr ${m.orig_addr[i]} / alloc_size ${m.alloc_size[i]}`);
  }
  if (m.used !== occupied) fail(`used ${m.used} but ${occupied} slots are occupied`);
  for (const l of live.values()) {
    for (let i = 0; i < l.nslots; i++) {
      const s = l.index + i;
      if (owner[s] !== l.id) fail(`slot ${s} of mapping ${l.id} is owned by ${owner[s]}`);
      if (m.orig_addr[s] !== l.orig + i * IO_TLB_SIZE) fail(`slot ${s}: orig_addr ${m.orig_addr[s]}`);
      if (m.alloc_size[s] !== l.size - i * IO_TLB_SIZE) fail(`slot ${s}: alloc_size ${m.alloc_size[s]}`);
    }
  }
  const st = swiotlbStats(k)!;
  let largest = 0;
  for (let i = 0; i < NSLABS; i++) if (exp[i]! > largest) largest = exp[i]!;
  if (st.largestFreeRun !== largest) fail(`largestFreeRun ${st.largestFreeRun}, expected ${largest}`);
  if (st.free !== NSLABS - occupied) fail(`free ${st.free}`);
}

function run(cmds: Cmd[]) {
  const k = fakeKernel();
  const m = k.io_tlb_default_mem!;
  const devs = [dev(0), dev(0xfff)];
  const owner = new Int32Array(NSLABS).fill(-1);
  const live = new Map<number, Live>();
  let nextId = 0;
  for (const c of cmds) {
    if (c.op === "map") {
      const id = nextId++;
      const d = devs[c.align ? 1 : 0]!;
      const orig = ORIG_BASE + id * ORIG_STRIDE + c.origOff;
      const attrs = c.skip ? DMA_ATTR_SKIP_CPU_SYNC : 0;
      const offset = orig & d.min_align_mask & (IO_TLB_SIZE - 1);
      const want = oracle(m, owner, d, orig, c.size + offset);
      // the CPU fills the original (windows only), and we note what the expected slot holds now
      // mapping_size = alloc_size up to 16 KiB; larger allocations bounce at most 16 KiB (keeps the
      // run fast; swiotlb_tbl_map_single allows mapping_size <= alloc_size)
      const msz = c.size <= 16384 ? c.size : Math.min(c.msz, c.size);
      const cpuWrites: [number, Uint8Array][] = windows(msz, c.mid).map(([o, n]) => [o, bytes(n, 2 * id, o)]);
      for (const [o, b] of cpuWrites) k.cache.cpuWrite(orig + o, b);
      const staleAt = want.kind === "slot" ? POOL + want.index * IO_TLB_SIZE + offset : 0;
      const stale = want.kind === "slot" ? cpuWrites.map(([o, b]) => k.cache.cpuRead(staleAt + o, b.length)) : [];
      const warnsBefore = k.warnings.length;
      const usedBefore = m.used;
      const listBefore = m.list.slice();

      let tlb: number;
      try {
        tlb = swiotlb_tbl_map_single(k, d, orig, msz, c.size, c.dir, attrs);
      } catch (e) {
        if (!(e instanceof KernelFault)) throw e;
        expect(want.kind).toBe("hang");
        expect(e.record.kind).toBe("soft_lockup");
        expect(e.record.message).toBe("watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [scenario:1000]");
        expect(Array.from(m.list)).toEqual(Array.from(listBefore));
        expect(m.used).toBe(usedBefore);
        return; // the kernel is hung: nothing more can run
      }
      if (want.kind !== "slot") {
        expect(want.kind).toBe("full");
        expect(tlb).toBe(DMA_MAPPING_ERROR);
        expect(k.warnings.length).toBeLessThanOrEqual(warnsBefore + 1);
        if (k.warnings.length > warnsBefore) {
          expect(k.warnings[warnsBefore]).toContain(`swiotlb buffer is full (sz: ${c.size} bytes), total ${NSLABS} (slots), used ${usedBefore} (slots)`);
        }
        expect(classifyFull(m, nr_slots(c.size + offset))).toBe(
          nr_slots(c.size + offset) > IO_TLB_SEGSIZE ? "oversize" : nr_slots(c.size + offset) > NSLABS - usedBefore ? "exhausted" : "fragmented",
        );
        expect(m.used).toBe(usedBefore);
        checkInvariants(k, owner, live);
        continue;
      }
      expect(tlb).toBe(POOL + want.index * IO_TLB_SIZE + offset);
      const nslots = nr_slots(c.size + offset);
      // R-SWI-06: inside one segment
      expect((want.index % IO_TLB_SEGSIZE) + nslots).toBeLessThanOrEqual(IO_TLB_SEGSIZE);
      // R-SWI-05: min_align_mask bits kept
      expect(tlb & d.min_align_mask).toBe(orig & d.min_align_mask);
      // ≥ a page: page-aligned slots — unless the min_align "+1" step moved off the stride (the
      // 5.13 behaviour fixed by 0eee5ae10256), which the oracle already accounts for
      if (c.size + offset >= PAGE_SIZE && d.min_align_mask === 0) expect((tlb - offset) % PAGE_SIZE).toBe(0);
      expect(m.index).toBe(want.index + nslots < NSLABS ? want.index + nslots : 0);
      for (let i = 0; i < nslots; i++) {
        if (owner[want.index + i] !== -1) fail(`slot ${want.index + i} given to mapping ${id} while mapping ${owner[want.index + i]} holds it`);
        owner[want.index + i] = id;
      }
      // R-SWI-02 (5.13/5.14): bounced in for TO/BIDI without SKIP; FROM leaves the slot as it was
      const bounced = !c.skip && (c.dir === DMA_TO_DEVICE || c.dir === DMA_BIDIRECTIONAL);
      cpuWrites.forEach(([o, b], j) => {
        sameBytes(k.cache.cpuRead(tlb + o, b.length), bounced ? b : stale[j]!, `slot bytes at +${o} after map (${bounced ? "bounced" : "not bounced"})`);
      });
      // arch_sync_dma_for_device: clean; then the device writes (it may write for FROM/BIDI)
      k.cache.clean(tlb, msz);
      const devWrites: [number, Uint8Array][] = [];
      if (c.dir !== DMA_TO_DEVICE) {
        for (const [o, n] of windows(msz, 1 - c.mid)) {
          const b = bytes(n, 2 * id + 1, o);
          k.mem.write(tlb + o, b);
          devWrites.push([o, b]);
        }
      }
      live.set(id, { id, dev: d, orig, size: c.size, msz, dir: c.dir, attrs, tlb, index: want.index, nslots, devWrites, cpuWrites });
      checkInvariants(k, owner, live);
    } else {
      if (live.size === 0) continue;
      const ids = [...live.keys()];
      const l = live.get(ids[c.pick % ids.length]!)!;
      live.delete(l.id);
      // arch_sync_dma_for_cpu: invalidate the bounce buffer before the copy back
      k.cache.invalidate(l.tlb, l.msz);
      swiotlb_tbl_unmap_single(k, l.dev, l.tlb, l.msz, l.dir, l.attrs);
      for (let i = 0; i < l.nslots; i++) {
        if (owner[l.index + i] !== l.id) fail(`slot ${l.index + i} freed by mapping ${l.id} but owned by ${owner[l.index + i]}`); // freed once, by its owner
        owner[l.index + i] = -1;
      }
      const copiedBack = !(l.attrs & DMA_ATTR_SKIP_CPU_SYNC) && (l.dir === DMA_FROM_DEVICE || l.dir === DMA_BIDIRECTIONAL);
      if (copiedBack) {
        for (const [o, b] of l.devWrites) sameBytes(k.cache.cpuRead(l.orig + o, b.length), b, `device bytes at +${o} after unmap`);
      } else {
        // the original is untouched: what the CPU wrote before the map is still there
        for (const [o, b] of l.cpuWrites) sameBytes(k.cache.cpuRead(l.orig + o, b.length), b, `original bytes at +${o} after unmap`);
      }
      checkInvariants(k, owner, live);
    }
  }
}

describe("swiotlb property tests (5.13/5.14)", () => {
  it("R-SWI-02/03/05/06: random map/unmap sequences keep the free lists, ownership and data exact", () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { minLength: 30, maxLength: 100 }), (cmds) => {
        run(cmds);
      }),
      { numRuns: 100 },
    );
  });

  it("R-SWI-07: leaking mappings until the pool is full fails exactly when the oracle finds no room", () => {
    fc.assert(
      fc.property(fc.array(leakArb, { minLength: 40, maxLength: 120 }), (cmds) => {
        run(cmds);
      }),
      { numRuns: 40 },
    );
  });
});

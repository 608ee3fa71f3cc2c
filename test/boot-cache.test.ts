/**
 * Boot once (src/boot-cache.ts): a copy of a booted model behaves exactly like a fresh boot. Every
 * bundled scenario runs on a few platforms × kernels twice — from fresh boots and from copies of
 * one template per configuration (so each copy follows runs on earlier copies) — and the JSON
 * results, traces included, must be the same bytes.
 */
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { expandScenarioArgs } from "../src/cli/load.js";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runScenario } from "../src/scenario/runner.js";
import { toJson } from "../src/format/json.js";
import { InputError } from "../src/core/faults.js";
import { bootCacheStats, bootCached, cloneKernel, setBootCache } from "../src/boot-cache.js";
import { boot } from "../src/init.js";
import { buildConfig, resolveKernel, resolvePlatform } from "../src/scenario/config.js";
import * as api from "../src/kernel/dma/mapping.js";
import { DMA_BIDIRECTIONAL, GFP_KERNEL } from "../src/include/gfp.js";
import type { Scenario } from "../src/scenario/types.js";
import type { Kernel } from "../src/kernel.js";
import { deepClone, IMMUTABLE, reachable } from "../src/core/clone.js";

const files = expandScenarioArgs(["scenarios", "scenarios/drivers"]);
const scenarios: Scenario[] = files.map((f) => parseScenarioText(readFileSync(f, "utf8"), f));
const CELLS: [string, string][] = [
  ["rpi4", "5.6"],
  ["rpi4-xen", "5.13"],
  ["rpi4-xen", "5.14"],
  ["arm32", "5.10"],
  ["x86_64", "5.19"],
  ["x86_64-xen-pv", "5.15"],
  ["arm64-smmu", "5.10"],
  ["x86_64-iommu", "5.19"],
];

/** Every scenario on every cell, as JSON text (an InputError is a result too: its message). */
function runAll(): string[] {
  const out: string[] = [];
  for (const [platform, kernel] of CELLS)
    for (const s of scenarios) {
      try {
        out.push(toJson(runScenario(s, { platform, kernel, trace: true })));
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        out.push(`ERROR ${e.message}`);
      }
    }
  return out;
}

/** The mutable allocator state of a model: buddy free lists, memmap records, swiotlb slots, RAM frames. */
function digest(k: Kernel) {
  const mm = k.memmap as unknown as Record<string, Map<number, unknown>>;
  const t = k.io_tlb_default_mem;
  return {
    zones: k.buddy.zones.map((z) => ({ name: z.name, free: z.free_pages, lists: z.free_area.map((l) => l.join(",")) })),
    buddyOrder: [...k.memmap.buddyOrder].join(";"),
    owner: [...k.memmap.owner].join(";"),
    refs: [...mm.refs!].join(";"),
    flags: [...mm.pageFlags!].join(";"),
    slots: t ? { used: t.used, list: Array.from(t.list as ArrayLike<number>).join(",") } : null,
    ram: k.mem.residentPages(),
  };
}

describe("boot once: a copy of the booted model is a fresh boot", () => {
  // every configuration gets a template at its first run (by default only slow boots do)
  let mode: ReturnType<typeof setBootCache>;
  beforeAll(() => {
    mode = setBootCache("always");
  });
  afterAll(() => {
    setBootCache(mode);
  });

  it("every bundled scenario × 8 platform/kernel cells: the same JSON bytes from copies as from fresh boots", { timeout: 600_000 }, () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(15);
    setBootCache(false);
    let fresh: string[];
    try {
      fresh = runAll();
    } finally {
      setBootCache("always");
    }
    const copied = runAll(); // the first run of each cell boots the template, later runs follow runs on earlier copies
    const again = runAll(); // every run on a copy of a template that has served many runs
    expect(fresh.filter((x) => !x.startsWith("ERROR")).length).toBeGreaterThan(50);
    for (let i = 0; i < fresh.length; i++) {
      expect(copied[i], `run ${i}`).toBe(fresh[i]);
      expect(again[i], `run ${i} (second round)`).toBe(fresh[i]);
    }
  });

  it("a run on a copy leaves the template and the next copy untouched: bytes, slots, pages, faults", () => {
    const p = resolvePlatform("x86_64");
    const v = resolveKernel("5.19");
    const cfg = buildConfig(p, { mem: "2G", swiotlb: "force" }).cfg;
    const a = bootCached(p, v, cfg);
    const dev = a.devices.get(p.defaultDevice)!;
    const freeBefore = a.buddy.totalFree();
    const buf = a.slab.kmalloc(a, 4096, GFP_KERNEL);
    a.kwrite(buf, new Uint8Array(4096).fill(0xab));
    const dma = api.dma_map_single_attrs(a, dev, buf, 4096, DMA_BIDIRECTIONAL, 0);
    expect(a.io_tlb_default_mem!.used).toBeGreaterThan(0);
    a.warn("a warning on the first copy");
    // the next copy: the same allocation gives the same address, and the memory reads as zeros
    const b = bootCached(p, v, cfg);
    expect(b).not.toBe(a);
    expect(b.buddy.totalFree()).toBe(freeBefore);
    expect(b.io_tlb_default_mem!.used).toBe(0);
    expect(b.faults).toEqual([]);
    const buf2 = b.slab.kmalloc(b, 4096, GFP_KERNEL);
    expect(buf2).toBe(buf);
    expect([...b.kread(buf2, 16)]).toEqual(new Array(16).fill(0));
    expect(api.dma_map_single_attrs(b, b.devices.get(p.defaultDevice)!, buf2, 4096, DMA_BIDIRECTIONAL, 0)).toBe(dma);
    // the whole allocator and memmap state of the next copy is a fresh boot's
    const fresh = boot(p, v, cfg);
    const c = bootCached(p, v, cfg);
    expect(digest(c)).toEqual(digest(fresh));
    expect(digest(a)).not.toEqual(digest(fresh));
    // and the first copy still has its own state
    expect([...a.kread(buf, 4)]).toEqual([0xab, 0xab, 0xab, 0xab]);
    expect(a.faults).toHaveLength(1);
  });

  it("a copy shares nothing mutable with its original (RAM frames, page tables, devices)", () => {
    const p = resolvePlatform("rpi4");
    const k = boot(p, resolveKernel("5.13"), buildConfig(p).cfg);
    const c = cloneKernel(k);
    expect(c.platform).toBe(k.platform); // immutable description: shared
    expect(c.mem).not.toBe(k.mem);
    expect(c.pgd).not.toBe(k.pgd);
    expect(c.devices.get(p.defaultDevice)).not.toBe(k.devices.get(p.defaultDevice));
    const buf = c.slab.kmalloc(c, 64, GFP_KERNEL);
    c.kwrite(buf, new Uint8Array([1, 2, 3, 4]));
    const page = k.arch.virt_to_page(k, buf);
    expect(k.memmap.refcount(k.arch.page_to_pfn(page))).not.toBe(c.memmap.refcount(c.arch.page_to_pfn(page)));
  });
  it("copies share the template's swiotlb slot arrays until one uses them, then have their own", () => {
    const p = resolvePlatform("x86_64");
    const v = resolveKernel("5.19");
    const { cfg } = buildConfig(p, { mem: "2G", swiotlb: "force" });
    const a = bootCached(p, v, cfg);
    const b = bootCached(p, v, cfg);
    const fresh = boot(p, v, cfg);
    const dev = a.devices.get(p.defaultDevice)!;
    const buf = a.slab.kmalloc(a, 4096, GFP_KERNEL)!;
    a.kwrite(buf, new Uint8Array(4096).fill(0x5a));
    const dma = api.dma_map_single_attrs(a, dev, buf, 4096, DMA_BIDIRECTIONAL, 0);
    const ma = a.io_tlb_default_mem!;
    const slot = Math.floor((dma - ma.start) / 2048);
    // the copy that mapped sees its own slot taken (list 0, orig_addr the buffer's physical address)
    expect(ma.list[slot]).toBe(0);
    expect(ma.orig_addr[slot]).toBe(a.arch.virt_to_phys(a, buf));
    // the other copy, used afterwards, has a fresh boot's arrays (nothing leaked through the template)
    const mb = b.io_tlb_default_mem!;
    const mf = fresh.io_tlb_default_mem!;
    expect(mb.list).not.toBe(ma.list);
    expect([...mb.list]).toEqual([...mf.list]);
    expect([...mb.orig_addr]).toEqual([...mf.orig_addr]);
    expect([...mb.alloc_size]).toEqual([...mf.alloc_size]);
    // and a third copy made after both ran still starts from the boot state
    const c = bootCached(p, v, cfg);
    expect(c.io_tlb_default_mem!.list[slot]).toBe(mf.list[slot]);
    expect(c.io_tlb_default_mem!.orig_addr[slot]).toBe(-1);
    api.dma_unmap_page_attrs(a, dev, dma, 4096, DMA_BIDIRECTIONAL, 0, true);
    expect(ma.list[slot]).toBe(mf.list[slot]);
  });

  it("a template's copies (made from its kept plan) are the graph a full walk copies: same shapes, same sharing, nothing of the template's", () => {
    class Leaf {
      constructor(readonly n: number) {}
    }
    (Leaf.prototype as unknown as Record<symbol, boolean>)[IMMUTABLE] = true;
    class Node {
      next: Node | null = null;
      constructor(public tag: string) {}
    }
    const shared = { frozenDesc: true };
    const frozen = Object.freeze({ f: 1 });
    const buf = new ArrayBuffer(16);
    const a = new Node("a");
    const b = new Node("b");
    a.next = b;
    b.next = a; // a cycle
    const key = { k: 1 };
    const holes: unknown[] = [];
    holes[5] = a;
    const root = {
      a,
      b,
      leaf: new Leaf(7),
      shared,
      frozen,
      u8: new Uint8Array(buf, 4, 8),
      u32: new Uint32Array(buf),
      buf,
      nums: new Map([[1, 2], [3, 4]]),
      objs: new Map<number, unknown>([[1, a], [2, "x"], [3, key]]),
      keyed: new Map<unknown, unknown>([[key, b], ["s", 5]]),
      set: new Set<unknown>([a, 3, key, shared]),
      holes,
      flat: [1, 2, new Leaf(3)],
    };
    const isShared = (o: object) => o === shared;
    const walk = deepClone(root, isShared);
    for (const c of [deepClone(root, isShared, true), deepClone(root, isShared, true)]) {
      expect(c).not.toBe(root);
      expect(Object.getPrototypeOf(c.a)).toBe(Node.prototype);
      expect(c.a).not.toBe(a);
      expect(c.a.next).toBe(c.b);
      expect(c.b.next).toBe(c.a);
      expect(c.leaf).toBe(root.leaf);
      expect(c.flat[2]).toBe(root.flat[2]);
      expect(c.shared).toBe(shared);
      expect(c.frozen).toBe(frozen);
      expect(c.buf).not.toBe(buf);
      expect(c.u8.buffer).toBe(c.buf);
      expect(c.u32.buffer).toBe(c.buf);
      expect([c.u8.byteOffset, c.u8.length]).toEqual([4, 8]);
      expect(c.nums).not.toBe(root.nums);
      expect([...c.objs.keys()]).toEqual([1, 2, 3]);
      expect(c.objs.get(1)).toBe(c.a);
      const ck = c.objs.get(3) as object;
      expect(ck).not.toBe(key);
      expect([...c.keyed.keys()]).toEqual([ck, "s"]);
      expect(c.keyed.get(ck)).toBe(c.b);
      expect([...c.set]).toEqual([c.a, 3, ck, shared]);
      expect([...c.set][0]).toBe(c.a);
      expect(c.holes.length).toBe(6);
      expect(0 in c.holes).toBe(false);
      expect(c.holes[5]).toBe(c.a);
      expect(c).toEqual(walk);
    }
    // copies are independent of each other and of the template
    const c1 = deepClone(root, isShared, true);
    const c2 = deepClone(root, isShared, true);
    c1.u32[0] = 0xdeadbeef;
    c1.a.tag = "changed";
    c1.nums.set(9, 9);
    expect(c2.u32[0]).toBe(0);
    expect(root.u32[0]).toBe(0);
    expect(c2.a.tag).toBe("a");
    expect(c2.nums.has(9)).toBe(false);
    // and a booted model: its copy from the plan equals a walk's copy, in every field
    for (const [pid, kid] of [["x86_64-xen-pv", "5.15"], ["arm64-smmu", "6.6"], ["arm32", "5.10"]] as const) {
      const p = resolvePlatform(pid);
      const v = resolveKernel(kid);
      const k = boot(p, v, buildConfig(p).cfg);
      const sh = reachable(p, v);
      const fromPlan = deepClone(k, (o) => sh.has(o), true);
      const fromWalk = deepClone(k, (o) => sh.has(o)); // a walk (not a template: its swiotlb slot arrays copied, not shared)
      expect(fromPlan.platform).toBe(k.platform);
      expect(fromPlan.pgd).not.toBe(k.pgd);
      expect(digest(fromPlan)).toEqual(digest(fromWalk));
      // every field (node:util isDeepStrictEqual: prototypes and typed arrays' bytes too; vitest's toEqual took ~3 s CPU on arm64-smmu's model)
      expect(isDeepStrictEqual(fromPlan, fromWalk), `${pid} ${kid}: the copy from the plan deep-equals the walk's copy`).toBe(true);
    }
  });
});

describe("boot cache policy", () => {
  it("by default a cheap boot is run itself, a slow one becomes a template; \"always\" copies a template; the results are the same", () => {
    const p = resolvePlatform("x86_64");
    const v = resolveKernel("5.19");
    const { cfg } = buildConfig(p, { mem: "2G", swiotlb: "force" });
    const made = () => ({ ...bootCacheStats });
    const was = setBootCache(true, Infinity); // every boot counts as cheap
    try {
      const s0 = made();
      const a = bootCached(p, v, cfg);
      const b = bootCached(p, v, cfg);
      // two runs of a cheap configuration: two boots, no template, no copy
      expect(made()).toEqual({ boots: s0.boots + 2, copies: s0.copies });
      expect(a.io_tlb_default_mem!.list).not.toBe(b.io_tlb_default_mem!.list);
      setBootCache(true, -1); // every boot counts as slow: it becomes the template, the run gets a copy
      const c = bootCached(p, v, cfg);
      const d = bootCached(p, v, cfg);
      expect(made()).toEqual({ boots: s0.boots + 3, copies: s0.copies + 2 });
      setBootCache("always");
      const e = bootCached(p, v, cfg);
      bootCached(p, v, cfg);
      expect(made()).toEqual({ boots: s0.boots + 4, copies: s0.copies + 4 });
      for (const x of [b, c, d, e]) expect(digest(x)).toEqual(digest(a));
    } finally {
      setBootCache(was);
    }
  });
});

describe("boot cache policy: the decision reads the booted model, not a clock", () => {
  function runs(clock: () => number, mem: string) {
    const p = resolvePlatform("x86_64");
    const v = resolveKernel("5.19");
    const { cfg } = buildConfig(p, { mem });
    const spy = vi.spyOn(globalThis.performance, "now").mockImplementation(clock);
    const was = setBootCache(false);
    setBootCache(true); // a fresh default policy: no templates, nothing remembered
    try {
      const s0 = { ...bootCacheStats };
      bootCached(p, v, cfg);
      bootCached(p, v, cfg);
      return { boots: bootCacheStats.boots - s0.boots, copies: bootCacheStats.copies - s0.copies };
    } finally {
      setBootCache(was);
      spy.mockRestore();
    }
  }
  let t = 0;
  const crawling = () => (t += 1000); // every reading a second later: each boot "takes" 1,000 ms
  const frozen = () => 0; // each boot "takes" 0 ms
  it("a 2 GiB boot (≈ 0.5 Mi pages) is cheap whatever the clock says: two runs, two boots, no copy", () => {
    expect(runs(crawling, "2G")).toEqual({ boots: 2, copies: 0 });
    expect(runs(frozen, "2G")).toEqual({ boots: 2, copies: 0 });
  });
  it("a 1 TiB boot (> SLOW_BOOT_PAGES = 2^27 pages) becomes the template whatever the clock says: one boot, two copies", () => {
    expect(runs(frozen, "1T")).toEqual({ boots: 1, copies: 2 });
    expect(runs(crawling, "1T")).toEqual({ boots: 1, copies: 2 });
  });
});

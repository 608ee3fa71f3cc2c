/**
 * `dmasim fuzz` behind an IOMMU (src/fuzz/generator.ts, src/fuzz/session.ts): the generated driver
 * keeps the rules a translating IOMMU adds. VT-d maps a DMA_FROM_DEVICE mapping write-only
 * (dma_info_to_prot: IOMMU_WRITE only), so the device never reads one there; and dma_map_sg
 * behind dma-iommu may return fewer DMA segments than entries (__finalise_sg merges entries that
 * meet on an IOVA granule boundary), so the device uses only the first `ret` segments, each the
 * concatenation of the entries it absorbed.
 */
import { describe, expect, it } from "vitest";
import { runFuzz, scenarioToYaml, type FuzzStep } from "../src/fuzz.js";
import { makeScenario, replay } from "../src/fuzz/shrink.js";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runScenario } from "../src/scenario/runner.js";
import { Session, ShadowPool } from "../src/fuzz/session.js";
import { Generator } from "../src/fuzz/generator.js";
import { Rng, mk } from "../src/fuzz/types.js";
import { buildConfig, resolveKernel, resolvePlatform } from "../src/scenario/config.js";
import { DMA_MAPPING_ERROR } from "../src/core/u64.js";
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE } from "../src/include/gfp.js";

function session(platform: string, kernel: string, record = false): Session {
  const p = resolvePlatform(platform);
  return new Session({ platform: p, version: resolveKernel(kernel), cfg: buildConfig(p, undefined).cfg, devName: p.defaultDevice }, new ShadowPool(), record);
}

describe("fuzz on x86_64-iommu: the device reads only what VT-d lets it read", () => {
  it("seed 7 on 6.18 (a device_read of a DMA_FROM_DEVICE mapping at operation 40 before) runs 3000 operations clean", { timeout: 60_000 }, () => {
    const r = runFuzz({ seed: 7, steps: 3000, platform: "x86_64-iommu", kernel: "6.18" });
    expect(r.failures.map((f) => `${f.step} ${f.kind}: ${f.message}`)).toEqual([]);
    expect(r.ok).toBe(true);
  });

  for (const kernel of ["5.10", "5.19", "6.18"])
    it(`seeds 1–12 on ${kernel}: 600 operations each, no violation (each failed within 12–189 before)`, { timeout: 120_000 }, () => {
      const bad: string[] = [];
      for (let seed = 1; seed <= 12; seed++) {
        const r = runFuzz({ seed, steps: 600, platform: "x86_64-iommu", kernel });
        for (const f of r.failures) bad.push(`seed ${seed} op ${f.step} ${f.kind}: ${f.message}`);
      }
      expect(bad).toEqual([]);
    });

  it("the generator's readable count equals a recount; no device_read of a DMA_FROM_DEVICE mapping; device writes never hit DMA_TO_DEVICE ones", { timeout: 60_000 }, () => {
    const ss = session("x86_64-iommu", "6.18");
    expect(ss.readsFromDevice).toBe(false);
    const gen = new Generator(new Rng(7), 24, 256 * 1024);
    const out: FuzzStep[] = [];
    const reads = new Map<number, number>();
    const wrong: string[] = [];
    let id = 0;
    while (id < 5000) {
      const n = gen.next(ss, id, out);
      for (let i = 0; i < n; i++) {
        const s = out[i]!;
        if (s.op === "device_read" || s.op === "device_write") {
          const dir = ss.maps.get(s.map!)!.dir;
          if (s.op === "device_read") reads.set(dir, (reads.get(dir) ?? 0) + 1);
          if (s.op === "device_read" && dir === DMA_FROM_DEVICE) wrong.push(`step ${s.id}: device_read of a DMA_FROM_DEVICE mapping`);
          if (s.op === "device_write" && dir === DMA_TO_DEVICE) wrong.push(`step ${s.id}: device_write of a DMA_TO_DEVICE mapping`);
        }
        expect(ss.apply(s)).toBeNull();
        const recount = ss.liveMaps.filter((m) => m.devOwned && m.dir !== DMA_FROM_DEVICE).length;
        if (ss.nReadable !== recount && wrong.length < 5) wrong.push(`after step ${s.id} (${s.op}): nReadable ${ss.nReadable}, recount ${recount}`);
      }
      id += n;
    }
    expect(wrong).toEqual([]);
    expect(reads.get(DMA_TO_DEVICE)).toBeGreaterThan(50);
    expect(reads.get(DMA_BIDIRECTIONAL)).toBeGreaterThan(50);
  });

  it("without an IOMMU (x86_64) and behind the SMMU (whose stage-1 PTEs cannot be write-only) the device may read every mapping it owns", () => {
    expect(session("x86_64", "6.18").readsFromDevice).toBe(true);
    expect(session("arm64-smmu", "6.18").readsFromDevice).toBe(true);
  });
});

describe("fuzz on arm64-smmu: device accesses go to the DMA segments dma_map_sg returned", () => {
  /** one order-0 page per entry, then one dma_map_sg of them as `as` (every step must apply cleanly) */
  function pagesThenSg(ss: Session, as: string, dir: number, entries: { offset: number; length: number }[]): void {
    const steps: FuzzStep[] = [];
    const names = entries.map((_, i) => `p${String.fromCharCode(65 + i)}`);
    for (const name of names) {
      const s = mk(steps.length, "alloc_pages");
      s.as = name;
      s.order = 0;
      steps.push(s);
    }
    const sg = mk(steps.length, "dma_map_sg");
    sg.as = as;
    sg.dir = dir;
    sg.entries = entries.map((e, i) => ({ buf: names[i]!, ...e }));
    steps.push(sg);
    for (const s of steps) expect(ss.apply(s)).toBeNull();
  }
  /** two whole pages in one sg list: iommu_dma_map_sg merges them into one 8 KiB segment */
  function mergedPair(ss: Session, dir = DMA_BIDIRECTIONAL): void {
    pagesThenSg(ss, "sgAB", dir, [
      { offset: 0, length: 4096 },
      { offset: 0, length: 4096 },
    ]);
  }

  it("two whole pages map to one segment; a device write across the join lands in both buffers, a device read across it reads it back", () => {
    const ss = session("arm64-smmu", "6.18", true);
    mergedPair(ss);
    const m = ss.maps.get("sgAB")!;
    expect(m.sgl![0]!.dma_length).toBe(8192);
    expect(m.sgl![1]!.dma_address).toBe(DMA_MAPPING_ERROR); // entry 1 carries no segment
    expect(m.segs!.map((g) => [g.len, g.at])).toEqual([[8192, [0, 4096]]]);
    const data = Uint8Array.from({ length: 200 }, (_, i) => (i * 7 + 3) & 0xff);
    let id = 10;
    const w = mk(id++, "device_write");
    w.map = "sgAB";
    w.entry = 0;
    w.offset = 4000;
    w.data = data;
    expect(ss.apply(w)).toBeNull();
    expect(ss.resolved.get(w.id)).toBe(m.sgl![0]!.dma_address);
    const r = mk(id++, "device_read");
    r.map = "sgAB";
    r.entry = 0;
    r.offset = 3990;
    r.length = 220;
    expect(ss.apply(r)).toBeNull();
    // the first 10 bytes are undefined (never written, BIDI base written by no one): nothing expected there
    expect(Array.from(ss.expected.get(r.id)!)).toEqual([]);
    const r2 = mk(id++, "device_read");
    r2.map = "sgAB";
    r2.entry = 0;
    r2.offset = 4000;
    r2.length = 200;
    expect(ss.apply(r2)).toBeNull();
    expect(Array.from(ss.expected.get(r2.id)!)).toEqual(Array.from(data));
    const sync = mk(id++, "dma_sync_sg_for_cpu");
    sync.map = "sgAB";
    expect(ss.apply(sync)).toBeNull();
    const c = mk(id++, "cpu_read");
    c.buf = "pB";
    c.offset = 0;
    c.length = 104;
    expect(ss.apply(c)).toBeNull();
    expect(Array.from(ss.expected.get(c.id)!)).toEqual(Array.from(data.subarray(96)));
    // segment 1 does not exist
    const bad = mk(id++, "device_read");
    bad.map = "sgAB";
    bad.entry = 1;
    bad.offset = 0;
    bad.length = 1;
    expect(() => ss.apply(bad)).toThrow(/no such sg DMA segment/);
  });

  it("a partly merged list (two whole pages, then 50 bytes inside a third page): segment 1 is the third entry, not entry 1", () => {
    const ss = session("arm64-smmu", "6.18", true);
    pagesThenSg(ss, "sgABC", DMA_FROM_DEVICE, [
      { offset: 0, length: 4096 },
      { offset: 0, length: 4096 },
      { offset: 100, length: 50 },
    ]);
    const m = ss.maps.get("sgABC")!;
    expect(m.segs!.map((g) => [g.len, g.at])).toEqual([
      [8192, [0, 4096]],
      [50, [0]],
    ]);
    expect(m.segs![1]!.dma).toBe(m.sgl![1]!.dma_address);
    expect(m.sgl![2]!.dma_address).toBe(DMA_MAPPING_ERROR);
    const data = Uint8Array.from({ length: 50 }, (_, i) => (i * 11 + 5) & 0xff);
    const w = mk(10, "device_write");
    w.map = "sgABC";
    w.entry = 1;
    w.offset = 0;
    w.data = data;
    expect(ss.apply(w)).toBeNull();
    expect(ss.resolved.get(10)).toBe(m.sgl![1]!.dma_address);
    const unmap = mk(11, "dma_unmap_sg");
    unmap.map = "sgABC";
    expect(ss.apply(unmap)).toBeNull();
    const c = mk(12, "cpu_read");
    c.buf = "pC";
    c.offset = 100;
    c.length = 50;
    expect(ss.apply(c)).toBeNull();
    expect(Array.from(ss.expected.get(12)!)).toEqual(Array.from(data));
  });

  it("the exported scenario reaches the merged segment by its dma_addr, and replays under runScenario with every expectation met", () => {
    const p = resolvePlatform("arm64-smmu");
    const env = { platform: p, version: resolveKernel("6.18"), cfg: buildConfig(p, undefined).cfg, devName: p.defaultDevice };
    const steps: FuzzStep[] = [];
    const add = (op: FuzzStep["op"], f: Partial<FuzzStep>) => steps.push(Object.assign(mk(steps.length, op), f));
    add("alloc_pages", { as: "pA", order: 0 });
    add("alloc_pages", { as: "pB", order: 0 });
    add("dma_map_sg", { as: "sgAB", dir: DMA_BIDIRECTIONAL, entries: [{ buf: "pA", offset: 0, length: 4096 }, { buf: "pB", offset: 0, length: 4096 }] });
    add("device_write", { map: "sgAB", entry: 0, offset: 4090, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) });
    add("device_read", { map: "sgAB", entry: 0, offset: 4092, length: 8 });
    add("dma_unmap_sg", { map: "sgAB" });
    add("cpu_read", { buf: "pA", offset: 4090, length: 6 });
    add("cpu_read", { buf: "pB", offset: 0, length: 6 });
    const r = replay(env, steps, false, true);
    expect(r.failure).toBeNull();
    expect(r.invalid).toBe(false);
    const sc = makeScenario(env, "merged", "merged sg segment", steps, r.session);
    const seg0 = r.session!.maps.size === 0 ? r.session!.resolved.get(3)! : -1;
    expect(sc.steps[3]!.args.dma_addr).toBe("0x" + seg0.toString(16));
    expect(sc.steps[4]!.args.offset).toBe(4092);
    const rr = runScenario(parseScenarioText(scenarioToYaml(sc), "<fuzz>"));
    expect(rr.first_failure).toBeNull();
    expect(rr.ok).toBe(true);
    expect(rr.expectations.filter((e) => e.what === "data").length).toBe(3);
  });

  it("the generator, given a merged mapping, accesses only segment 0 and within its 8 KiB; 3000 operations run clean", { timeout: 60_000 }, () => {
    const ss = session("arm64-smmu", "6.18");
    mergedPair(ss);
    const gen = new Generator(new Rng(3), 24, 256 * 1024);
    const out: FuzzStep[] = [];
    let onMerged = 0;
    let across = 0;
    let id = 100;
    while (id < 3100) {
      const n = gen.next(ss, id, out);
      for (let i = 0; i < n; i++) {
        const s = out[i]!;
        if ((s.op === "device_read" || s.op === "device_write") && s.map === "sgAB") {
          onMerged++;
          expect(s.entry).toBe(0);
          const len = s.op === "device_read" ? s.length! : s.data!.length;
          expect(s.offset! + len).toBeLessThanOrEqual(8192);
          if (s.offset! + len > 4096) across++;
        }
        const f = ss.apply(s);
        expect(f === null ? null : `${s.id} ${s.op}: ${f.message}`).toBeNull();
      }
      id += n;
    }
    expect(onMerged).toBeGreaterThan(0);
    expect(across).toBeGreaterThan(0);
  });
});

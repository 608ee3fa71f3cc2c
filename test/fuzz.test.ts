/**
 * `dmasim fuzz` (src/fuzz.ts): fixed-seed runs of random valid streaming-DMA sequences find no
 * violation of the DMA-API data rules (R-STR-*: ownership, syncs, unmap copy-back; R-SWI-*: bounce
 * buffers), of the swiotlb slot accounting, or of "no fault"; an injected driver bug is found and
 * shrunk to a small scenario that fails under runScenario; and the frame-based CPU cache model the
 * fuzzer's speed depends on behaves exactly like independent cache lines.
 */
import { CommanderError } from "commander";
import { describe, expect, it, vi } from "vitest";
import { cachedDataVersionTag } from "node:v8";
import { buildProgram, type Io } from "../src/cli/program.js";
import { registerFuzz } from "../src/cli/bench.js";
import { InputError } from "../src/core/faults.js";
import { mulberry32, runFuzz, scenarioToYaml, type FuzzStep } from "../src/fuzz.js";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runScenario } from "../src/scenario/runner.js";
import { Cache } from "../src/mm/cache.js";
import { Session, ShadowPool } from "../src/fuzz/session.js";
import { Generator } from "../src/fuzz/generator.js";
import { Rng } from "../src/fuzz/types.js";
import { fuzzSetup, prewarm, PREWARM_EPOCHS, runEpoch, warmKey } from "../src/fuzz/run.js";
import { fuzzEpochSeed, fuzzEpochs, runFuzzClaimed, runFuzzSplit } from "../src/fuzz/split.js";
import { FUZZ_EPOCH_OPS, fuzzWarmGuess, fuzzWorkersWanted, prestartFuzzWorkers, sharedClaims, sharedPlan, takeFuzzWorkers } from "../src/cli/fuzz-split.js";
import { buildConfig, resolveKernel, resolvePlatform } from "../src/scenario/config.js";
import { DMA_TO_DEVICE } from "../src/include/gfp.js";
import { PhysMem } from "../src/mm/physmem.js";

describe("fuzz: fixed seeds find no violation", () => {
  const runs: [string, Record<string, string> | undefined][] = [
    ["rpi4", undefined],
    ["rpi4", { swiotlb: "force" }],
    ["x86_64", undefined],
    ["x86_64", { swiotlb: "force" }],
    ["arm64-coherent", undefined],
    ["arm32", undefined],
  ];
  for (const [platform, set] of runs)
    it(`${platform}${set ? " " + JSON.stringify(set) : ""}: 4000 operations`, { timeout: 60_000 }, () => {
      const r = runFuzz({ seed: 20261126, steps: 4000, platform, kernel: "5.14", ...(set ? { set } : {}) });
      expect(r.failures.map((f) => `${f.kind}: ${f.message}`)).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.ops).toBeGreaterThanOrEqual(4000);
    });

  it("several epochs: a fresh model per epoch, the leak check at each epoch's end", { timeout: 60_000 }, () => {
    const r = runFuzz({ seed: 7, steps: 3000, platform: "rpi4", epoch: 1000 });
    expect(r.ok).toBe(true);
    expect(r.epochs).toBe(3);
  });
});

describe("fuzz: the generator's counts", () => {
  // The Session keeps how many live buffers and mappings of each kind there are, so the generator
  // needs no pass over them per operation; the counts must equal a recount after every step.
  for (const [platform, set] of [["rpi4", undefined], ["x86_64", { swiotlb: "force" }], ["rpi4-xen", undefined]] as const)
    it(`${platform}${set ? " " + JSON.stringify(set) : ""}: equal a recount after each of 6000 operations and the teardown`, { timeout: 60_000 }, () => {
      const p = resolvePlatform(platform);
      const ss = new Session({ platform: p, version: resolveKernel("5.19"), cfg: buildConfig(p, set).cfg, devName: p.defaultDevice }, new ShadowPool());
      const gen = new Generator(new Rng(11), 24, 256 * 1024);
      const recount = () => ({
        nUnmapped: ss.liveBufs.filter((b) => b.map === null).length,
        nCpuBufs: ss.liveBufs.filter((b) => b.map === null || !b.map.devOwned).length,
        nDevMaps: ss.liveMaps.filter((m) => m.devOwned).length,
        nWritable: ss.liveMaps.filter((m) => m.devOwned && m.dir !== DMA_TO_DEVICE).length,
      });
      const kept = () => ({ nUnmapped: ss.nUnmapped, nCpuBufs: ss.nCpuBufs, nDevMaps: ss.nDevMaps, nWritable: ss.nWritable });
      const wrong: string[] = [];
      const ops = new Set<string>();
      const run = (s: FuzzStep) => {
        expect(ss.apply(s)).toBeNull();
        ops.add(s.op);
        const a = kept();
        const b = recount();
        if (JSON.stringify(a) !== JSON.stringify(b) && wrong.length < 5) wrong.push(`after step ${s.id} (${s.op}): kept ${JSON.stringify(a)}, recount ${JSON.stringify(b)}`);
      };
      const out: FuzzStep[] = [];
      let id = 0;
      while (id < 6000) {
        const n = gen.next(ss, id, out);
        for (let i = 0; i < n; i++) run(out[i]!);
        id += n;
      }
      expect(ss.liveMaps.length + ss.liveBufs.length).toBeGreaterThan(0);
      for (const s of gen.teardown(ss, id)) run(s);
      expect(wrong).toEqual([]);
      expect(kept()).toEqual({ nUnmapped: 0, nCpuBufs: 0, nDevMaps: 0, nWritable: 0 });
      // every kind of operation that changes ownership ran
      for (const op of ["dma_map_single", "dma_map_sg", "dma_sync_single_for_cpu", "dma_sync_single_for_device", "dma_unmap_single", "dma_unmap_sg", "kfree", "__free_pages"]) expect(ops).toContain(op);
    });
});

describe("fuzz: determinism and replay", () => {
  it("the same seed gives the same operations", () => {
    const a = runFuzz({ seed: 42, steps: 600, platform: "rpi4", keepScenario: true });
    const b = runFuzz({ seed: 42, steps: 600, platform: "rpi4", keepScenario: true });
    expect(a.scenario!.steps).toEqual(b.scenario!.steps);
    const c = runFuzz({ seed: 43, steps: 600, platform: "rpi4", keepScenario: true });
    expect(c.scenario!.steps).not.toEqual(a.scenario!.steps);
  });

  it("a run's steps are a valid scenario file whose expectations all hold under runScenario (rpi4, swiotlb forced)", { timeout: 60_000 }, () => {
    const r = runFuzz({ seed: 5, steps: 1500, platform: "rpi4", set: { swiotlb: "force" }, keepScenario: true });
    expect(r.ok).toBe(true);
    const s = parseScenarioText(scenarioToYaml(r.scenario!), "<fuzz>");
    const reads = s.steps.filter((x) => x.expect?.data !== undefined).length;
    expect(reads).toBeGreaterThan(100);
    const rr = runScenario(s);
    expect(rr.first_failure).toBeNull();
    expect(rr.ok).toBe(true);
    expect(rr.expectations.filter((e) => e.what === "data").length).toBe(reads);
  });

  it("sg entries other than the first are reached by dma_addr in the exported scenario", { timeout: 60_000 }, () => {
    const r = runFuzz({ seed: 11, steps: 3000, platform: "x86_64", keepScenario: true });
    const byAddr = r.scenario!.steps.filter((x) => x.op.startsWith("device_") && x.args.dma_addr !== undefined);
    expect(byAddr.length).toBeGreaterThan(0);
    expect(runScenario(parseScenarioText(scenarioToYaml(r.scenario!), "<fuzz>")).ok).toBe(true);
  });
});

describe("fuzz: an injected driver bug is found and shrunk to a replayable scenario", () => {
  it("a driver that skips dma_sync_single_for_cpu (R-STR-11) on rpi4 reads stale data", { timeout: 120_000 }, () => {
    const skipSync = (s: FuzzStep) => (s.op === "dma_sync_single_for_cpu" ? null : s);
    const r = runFuzz({ seed: 3, steps: 5000, platform: "rpi4", mutate: skipSync });
    expect(r.ok).toBe(false);
    const f = r.failures[0]!;
    expect(f.kind).toBe("data");
    expect(f.scenario.steps.length).toBeLessThan(12);
    expect(f.scenario.steps.length).toBeLessThan(f.shrunkFrom);
    // minimal: an allocation, a map, the device's write, the read that sees stale bytes
    const ops = f.scenario.steps.map((s) => s.op);
    expect(ops).not.toContain("dma_sync_single_for_cpu");
    expect(ops.at(-1)).toBe("cpu_read");
    // the printed YAML is a valid scenario, and replaying it fails on that read
    const yaml = scenarioToYaml(f.scenario);
    const s = parseScenarioText(yaml, "<minimal>");
    const rr = runScenario(s);
    expect(rr.ok).toBe(false);
    const bad = rr.expectations.filter((e) => !e.ok);
    expect(bad.map((e) => e.what)).toEqual(["data"]);
    expect(bad[0]!.step).toBe(s.steps.length - 1);
  });

  it("a driver that never unmaps its bounced mappings leaks swiotlb slots (found at the epoch's end)", { timeout: 120_000 }, () => {
    // skip the unmap of DMA_TO_DEVICE mappings only: nothing needs copying back, so the slots are all that is lost
    const toDevice = new Set<string>();
    const leak = (s: FuzzStep) => {
      if (s.as !== undefined && s.dir === 1) toDevice.add(s.as);
      return s.op.startsWith("dma_unmap") && toDevice.has(s.map!) ? null : s;
    };
    const r = runFuzz({ seed: 9, steps: 1500, platform: "rpi4", set: { swiotlb: "force" }, mutate: leak, shrinkBudget: 400 });
    expect(r.ok).toBe(false);
    expect(r.failures[0]!.kind).toBe("leak");
    expect(r.failures[0]!.message).toMatch(/io_tlb_mem\.used is [1-9]\d* \(slots leaked\)/);
  });
});

describe("fuzz: a run split over threads (--jobs N ≥ 2: epoch k seeded from (seed, k))", () => {
  const bare = (r: ReturnType<typeof runFuzzSplit>) => ({ ...r, elapsedMs: undefined });

  it("the result does not depend on the order the epochs are run in (which thread took which)", { timeout: 60_000 }, () => {
    const o = { seed: 7, steps: 4500, platform: "rpi4", epoch: 1000 };
    expect(fuzzEpochs(o)).toBe(5);
    const seeds = [0, 1, 2, 3, 4].map((k) => fuzzEpochSeed(7, k));
    expect(new Set(seeds).size).toBe(5);
    const a = runFuzzSplit(o);
    expect(a.ok).toBe(true);
    expect(a.epochs).toBe(5);
    expect(a.ops).toBeGreaterThanOrEqual(4500);
    expect(bare(runFuzzSplit(o, [4, 2, 0, 3, 1]))).toEqual(bare(a));
    // epoch seeds, not the single stream of --jobs 1
    expect(runFuzz(o).ops).not.toBe(a.ops);
  });

  it("an injected driver bug is found in the same epoch, at the same operation, whatever the order; the scenario replays it", { timeout: 120_000 }, () => {
    const skipSync = (s: FuzzStep) => (s.op === "dma_sync_single_for_cpu" ? null : s);
    // short epochs: the bug shows in the 11th of 20
    const o = { seed: 2, steps: 1000, platform: "rpi4", epoch: 50, mutate: skipSync };
    const a = runFuzzSplit(o);
    expect(a.ok).toBe(false);
    expect(a.failures).toHaveLength(1);
    const f = a.failures[0]!;
    expect(f.kind).toBe("data");
    expect(a.epochs).toBe(11);
    expect(a.ops).toBeGreaterThan(f.step);
    // the epochs before the failing one all ran (each its budget and a teardown): the failure is in the last one counted
    expect(f.step).toBeGreaterThanOrEqual(10 * 50);
    // the epochs in reverse: the later epochs run first and are dropped from the result
    const b = runFuzzSplit(o, Array.from({ length: 20 }, (_, i) => 19 - i));
    expect(bare(b)).toEqual(bare(a));
    expect(f.scenario.description).toMatch(new RegExp(`^dmasim fuzz --seed 2 --steps ${a.epochs * 50} --jobs 2 --platform rpi4 --kernel 5\\.19: `));
    const s = parseScenarioText(scenarioToYaml(f.scenario), "<minimal>");
    const rr = runScenario(s);
    expect(rr.ok).toBe(false);
    expect(rr.expectations.filter((e) => !e.ok).map((e) => e.what)).toEqual(["data"]);
  });

  it("an epoch that fails after a lower epoch failed (another thread's) is dropped without shrinking; the shared stop mark says so", { timeout: 120_000 }, () => {
    const skipSync = (s: FuzzStep) => (s.op === "dma_sync_single_for_cpu" ? null : s);
    const o = { seed: 2, steps: 1000, platform: "rpi4", epoch: 50, mutate: skipSync, shrink: false };
    // every epoch, none dropped (stopOnFailure off answers false): which ones fail
    let i = 0;
    const all = runFuzzClaimed(o, () => (i < 20 ? i++ : -1));
    const failing = all.filter((e) => e.failure).map((e) => e.k);
    expect(failing.length).toBeGreaterThanOrEqual(2);
    const [lo, hi] = [failing[0]!, failing[failing.length - 1]!];
    // two threads took lo and hi before either failed; hi fails after lo has: dropped, not shrunk
    const shared = sharedPlan(20);
    const { claim, failed } = sharedClaims(shared, 20, true);
    expect([claim(), claim()]).toEqual([0, 1]);
    const order = [lo, hi];
    let j = 0;
    const out = runFuzzClaimed(o, () => (j < order.length ? order[j++]! : -1), failed);
    expect(out.map((e) => [e.k, !!e.failure, e.dropped ?? false])).toEqual([[lo, true, false], [hi, false, true]]);
    expect(out[1]!.shrinkMs).toBeUndefined();
    expect(new Int32Array(shared)[1]).toBe(lo);
    // the other way round both are kept (hi was the lowest failure when it failed)
    const { failed: f2 } = sharedClaims(sharedPlan(20), 20, true);
    const rev = [hi, lo];
    let r = 0;
    expect(runFuzzClaimed(o, () => (r < rev.length ? rev[r++]! : -1), f2).map((e) => [e.k, !!e.failure, e.dropped ?? false])).toEqual([[hi, true, false], [lo, true, false]]);
  });

  it("a leak (found at an epoch's end) is found the same way", { timeout: 120_000 }, () => {
    const toDevice = new Set<string>();
    const leak = (s: FuzzStep) => {
      if (s.as !== undefined && s.dir === 1) toDevice.add(s.as);
      return s.op.startsWith("dma_unmap") && toDevice.has(s.map!) ? null : s;
    };
    const r = runFuzzSplit({ seed: 9, steps: 1500, platform: "rpi4", epoch: 500, set: { swiotlb: "force" }, mutate: leak, shrinkBudget: 400 });
    expect(r.ok).toBe(false);
    expect(r.epochs).toBe(1);
    expect(r.failures[0]!.kind).toBe("leak");
    expect(r.failures[0]!.message).toMatch(/io_tlb_mem\.used is [1-9]\d* \(slots leaked\)/);
  });
});

describe("fuzz: the JIT warm-up before the first epoch (throwaway epochs) changes nothing in the result", () => {
  const bare = (r: ReturnType<typeof runFuzz>) => ({ ...r, elapsedMs: undefined });
  it("runFuzz and a split run give the same result with and without it, failures (shrunk scenarios) included; an injected bug's mutate is not called by it", { timeout: 120_000 }, () => {
    const o = { seed: 11, steps: 3000, platform: "rpi4", kernel: "6.1", epoch: 1000, set: { swiotlb: "force" } };
    expect(bare(runFuzz(o))).toEqual(bare(runFuzz({ ...o, warm: false })));
    expect(bare(runFuzzSplit(o))).toEqual(bare(runFuzzSplit({ ...o, warm: false })));
    // a mutate that keeps state across calls (the leak test's): the same calls with and without the warm-up
    const leaky = () => {
      const toDevice = new Set<string>();
      let calls = 0;
      const mutate = (s: FuzzStep) => {
        calls++;
        if (s.as !== undefined && s.dir === 1) toDevice.add(s.as);
        return s.op.startsWith("dma_unmap") && toDevice.has(s.map!) ? null : s;
      };
      return { mutate, calls: () => calls };
    };
    const m = { seed: 9, steps: 1500, platform: "rpi4", epoch: 500, set: { swiotlb: "force" }, shrinkBudget: 200 };
    const a = leaky();
    const b = leaky();
    const ra = runFuzz({ ...m, mutate: a.mutate });
    const rb = runFuzz({ ...m, mutate: b.mutate, warm: false });
    expect(ra.ok).toBe(false);
    expect(bare(ra)).toEqual(bare(rb));
    expect(a.calls()).toBe(b.calls());
  });
});

describe("fuzz --jobs N: the worker threads started before the command line is parsed (src/cli/fuzz-split.ts)", () => {
  it("the early guess of how many workers a command line wants: min(N, epochs) − 1, the last --jobs / --steps as commander takes them", () => {
    const two = () => 2;
    expect(fuzzWorkersWanted(["fuzz", "--jobs", "2", "--steps", "2000000"], two)).toBe(1);
    expect(fuzzWorkersWanted(["fuzz", "--seed", "7", "--steps=400000", "--jobs=3", "--json"], two)).toBe(2);
    expect(fuzzWorkersWanted(["fuzz", "--jobs", "auto"], () => 4)).toBe(3); // default --steps 100000: 5 epochs
    expect(fuzzWorkersWanted(["fuzz", "--jobs", "4", "--steps", "30000"], two)).toBe(1); // 2 epochs: 2 threads
    expect(fuzzWorkersWanted(["fuzz", "--jobs", "2", "--steps", "2000"], two)).toBe(0); // 1 epoch: this thread alone
    expect(fuzzWorkersWanted(["fuzz", "--jobs", "2", "--jobs", "3", "--steps", "100000"], two)).toBe(2);
    for (const a of [["fuzz"], ["fuzz", "--jobs", "1"], ["fuzz", "--jobs", "0"], ["fuzz", "--jobs", "x"], ["fuzz", "--jobs", "999"], ["fuzz", "--jobs", "2", "--steps", "0"], ["run", "--jobs", "2"], ["matrix", "scenarios", "--jobs", "2"], ["fuzz", "--", "--jobs", "2"]])
      expect(fuzzWorkersWanted(a, two), a.join(" ")).toBe(0);
    // its epoch length is the engine's default
    for (const steps of [1, FUZZ_EPOCH_OPS, FUZZ_EPOCH_OPS + 1, 2_000_000]) expect(fuzzEpochs({ seed: 1, steps })).toBe(Math.ceil(steps / FUZZ_EPOCH_OPS));
  });

  it("the configuration a command line names, read early for the workers' warm-up: the last --platform / --kernel / --device / --steps, every --set", () => {
    expect(fuzzWarmGuess(["fuzz", "--seed", "7", "--steps", "2000000", "--jobs", "2", "--json"])).toEqual({ set: [], steps: 2_000_000 });
    expect(fuzzWarmGuess(["fuzz", "--platform=x86_64", "--kernel", "6.1", "--set", "swiotlb=force", "--set=CONFIG_DMA_API_DEBUG=y", "--device", "nvme", "--platform", "arm32", "--jobs", "2"])).toEqual({
      platform: "arm32",
      kernel: "6.1",
      device: "nvme",
      set: ["swiotlb=force", "CONFIG_DMA_API_DEBUG=y"],
      steps: 100_000,
    });
    expect(fuzzWarmGuess(["fuzz", "--steps", "x", "--", "--platform", "arm32"])).toEqual({ set: [], steps: 0 });
    expect(fuzzWarmGuess(["run", "--platform", "arm32"])).toBeNull();
  });

  it("prewarm: the run's warm-up, then throwaway epochs while the options have not come (at most PREWARM_EPOCHS); a run after it is the same as one without", () => {
    const o = { seed: 5, steps: 3000, platform: "rpi4", epoch: 1000, set: { swiotlb: "force" } };
    const s = fuzzSetup(o);
    let asked = 0;
    expect(prewarm(s, o, () => ++asked < 3)).toBe(true);
    expect(asked).toBe(3); // two epochs, then told to stop
    asked = 0;
    expect(prewarm(s, o, () => (asked++, true))).toBe(true);
    expect(asked).toBe(PREWARM_EPOCHS);
    expect(prewarm(fuzzSetup({ ...o, steps: 1000 }), { ...o, steps: 1000 }, () => true)).toBe(false); // one epoch: no warm-up
    const bare = (r: ReturnType<typeof runFuzz>) => ({ ...r, elapsedMs: 0 });
    expect(bare(runFuzz({ ...o, warm: false }))).toEqual(bare(runFuzz(o)));
    // the key says when a prewarm serves a run: the same configuration, whatever the seed and length
    expect(warmKey(fuzzSetup({ ...o, seed: 9, steps: 99_000 }))).toBe(warmKey(s));
    for (const other of [{ ...o, set: undefined }, { ...o, platform: "x86_64" }, { ...o, kernel: "6.1" }, { ...o, maxBuffers: 8 }]) expect(warmKey(fuzzSetup(other))).not.toBe(warmKey(s));
  });

  it("a prestarted worker that warmed up on the command line's configuration runs its claimed epochs as this thread does", { timeout: 120_000 }, async () => {
    await prestartFuzzWorkers(["fuzz", "--jobs", "2", "--steps", "60000", "--platform", "x86_64", "--set", "swiotlb=force"]);
    const ws = await takeFuzzWorkers(1);
    expect(ws).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200)); // let it warm up before its data comes
    const o = { seed: 4, steps: 3000, platform: "x86_64", epoch: 1000, set: { swiotlb: "force" } };
    ws[0]!.w.postMessage({ o, shared: sharedPlan(3), epochs: 3 });
    const m = await ws[0]!.result;
    await ws[0]!.w.terminate();
    expect(m.ok).toBe(true);
    if (!m.ok) return;
    let i = 0;
    expect(m.epochs).toEqual(runFuzzClaimed(o, () => (i < 3 ? i++ : -1)));
  });

  it("a prestarted worker waits for its data, then runs the epochs it claims: the same epochs as this thread runs them; extra ones are terminated", { timeout: 120_000 }, async () => {
    // the workers start before any V8 flag is set: V8's flag hash (part of this tag) stays the one
    // Node's code cache for its built-in modules was made with (FUZZ_V8_FLAGS in fuzz-split.ts)
    const tag = cachedDataVersionTag();
    await prestartFuzzWorkers(["fuzz", "--jobs", "3", "--steps", "60000"]); // 2 workers
    expect(cachedDataVersionTag()).toBe(tag);
    const ws = await takeFuzzWorkers(1); // the run needs one: the other is terminated
    expect(ws).toHaveLength(1);
    expect(await takeFuzzWorkers(0)).toEqual([]); // taken once
    const o = { seed: 3, steps: 3000, platform: "x86_64", epoch: 1000, set: { swiotlb: "force" } };
    const shared = sharedPlan(3);
    ws[0]!.w.postMessage({ o, shared, epochs: 3 });
    const m = await ws[0]!.result;
    await ws[0]!.w.terminate();
    expect(m.ok).toBe(true);
    if (!m.ok) return;
    expect(m.epochs.map((e) => e.k)).toEqual([0, 1, 2]); // alone on the counter
    let i = 0;
    expect(m.epochs).toEqual(runFuzzClaimed(o, () => (i < 3 ? i++ : -1)));
  });
});

/** The cache model before frame storage: one object per line. The reference for the differential test. */
class LineCache {
  private lines = new Map<number, { data: Uint8Array; dirty: boolean }>();
  constructor(readonly ram: PhysMem, readonly ls = 64) {}
  get size() {
    return this.lines.size;
  }
  private line(i: number, fill: boolean) {
    let l = this.lines.get(i);
    if (!l) this.lines.set(i, (l = { data: fill ? this.ram.read(i * this.ls, this.ls) : new Uint8Array(this.ls), dirty: false }));
    return l;
  }
  private span(p: number, len: number, f: (i: number, off: number, n: number, done: number) => void) {
    for (let done = 0; done < len; ) {
      const i = Math.floor((p + done) / this.ls);
      const off = p + done - i * this.ls;
      const n = Math.min(len - done, this.ls - off);
      f(i, off, n, done);
      done += n;
    }
  }
  cpuRead(p: number, len: number) {
    const out = new Uint8Array(len);
    this.span(p, len, (i, off, n, done) => out.set(this.line(i, true).data.subarray(off, off + n), done));
    return out;
  }
  cpuWrite(p: number, d: Uint8Array) {
    this.span(p, d.length, (i, off, n, done) => {
      const l = this.line(i, n !== this.ls);
      l.data.set(d.subarray(done, done + n), off);
      l.dirty = true;
    });
  }
  snoopRead(p: number, len: number) {
    const out = this.ram.read(p, len);
    this.span(p, len, (i, off, n, done) => {
      const l = this.lines.get(i);
      if (l?.dirty) out.set(l.data.subarray(off, off + n), done);
    });
    return out;
  }
  snoopWrite(p: number, d: Uint8Array) {
    this.ram.write(p, d);
    this.span(p, d.length, (i, off, n, done) => this.lines.get(i)?.data.set(d.subarray(done, done + n), off));
  }
  clean(p: number, len: number) {
    let n = 0;
    this.span(p, len, (i) => {
      const l = this.lines.get(i);
      if (l?.dirty) (this.ram.write(i * this.ls, l.data), (l.dirty = false), n++);
    });
    return n;
  }
  invalidate(p: number, len: number) {
    let n = 0;
    this.span(p, len, (i) => void (this.lines.delete(i) && n++));
    return n;
  }
  flush(p: number, len: number) {
    const n = this.clean(p, len);
    this.invalidate(p, len);
    return n;
  }
  dirtyIn(p: number, len: number) {
    let d = false;
    this.span(p, len, (i) => void (this.lines.get(i)?.dirty && (d = true)));
    return d;
  }
}

describe("CPU cache model: frame storage behaves like independent lines", () => {
  // sweepMin 1: clean frames identical to RAM give up their copy (Frame.shared) almost after every
  // operation, so RAM writes under them (op 8: a non-coherent device) and later CPU accesses must
  // see the bytes a kept copy would have; the default never sweeps in sequences this short
  for (const sweepMin of [undefined, 1, 3])
  it(`150 random sequences of reads, writes, snoops, maintenance and copies agree with a per-line model (sweep at ${sweepMin ?? "default"})`, { timeout: 60_000 }, () => {
    const same = (x: unknown, y: unknown): boolean => {
      if (x instanceof Uint8Array && y instanceof Uint8Array) {
        if (x.length !== y.length) return false;
        for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
        return true;
      }
      return x === y;
    };
    for (let seed = 1; seed <= 150; seed++) {
      const r = mulberry32(seed);
      const ri = (a: number, b: number) => a + Math.floor(r() * (b - a + 1));
      const banks = [{ start: 0, size: 1 << 20 }];
      const m1 = new PhysMem(banks);
      const m2 = new PhysMem(banks);
      const ref = new LineCache(m1);
      const c = new Cache(m2, undefined, sweepMin);
      for (let i = 0; i < 200; i++) {
        const p = ri(0, 48 * 1024);
        const len = r() < 0.6 ? ri(1, 200) : ri(1, 12000);
        const data = new Uint8Array(len); // (a loop: Uint8Array.map's callback per byte was most of this test's time)
        for (let j = 0; j < len; j++) data[j] = (seed * 7 + i * 13 + j) & 255;
        const op = ri(0, 9);
        let a: unknown;
        let b: unknown;
        if (op === 0) (a = ref.cpuRead(p, len)), (b = c.cpuRead(p, len));
        else if (op === 1) ref.cpuWrite(p, data), c.cpuWrite(p, data);
        else if (op === 2) (a = ref.snoopRead(p, len)), (b = c.snoopRead(p, len));
        else if (op === 3) ref.snoopWrite(p, data), c.snoopWrite(p, data);
        else if (op === 4) (a = ref.clean(p, len)), (b = c.clean(p, len));
        else if (op === 5) (a = ref.invalidate(p, len)), (b = c.invalidate(p, len));
        else if (op === 6) (a = ref.flush(p, len)), (b = c.flush(p, len));
        else if (op === 7) (a = ref.dirtyIn(p, len)), (b = c.dirtyIn(p, len));
        else if (op === 8) m1.write(p, data), m2.write(p, data);
        else {
          const src = ri(0, 48 * 1024);
          ref.cpuWrite(p, ref.cpuRead(src, len));
          c.cpuCopy(p, src, len);
        }
        if (!same(a, b) || c.size !== ref.size) expect({ seed, i, op, b, lines: c.size }).toEqual({ seed, i, op, b: a, lines: ref.size });
      }
      if (!same(m2.read(0, 64 * 1024), m1.read(0, 64 * 1024))) expect.fail(`seed ${seed}: RAM differs`);
    }
  });
});

/** `dmasim fuzz` through the program as program.ts builds it (registered here if it is not yet). */
async function fuzzCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const mk = () => {
    const s = { text: "", isTTY: false, write(c: string) {
      s.text += c;
      return true;
    } };
    return s as unknown as NodeJS.WriteStream & { text: string };
  };
  const out = mk();
  const err = mk();
  const io: Io = { out, err, env: {} };
  const state = { code: 0 };
  const program = buildProgram(io, state);
  if (!program.commands.some((c) => c.name() === "fuzz")) registerFuzz(program, io, state);
  try {
    await program.parseAsync(["fuzz", ...args], { from: "user" });
  } catch (e) {
    if (!(e instanceof CommanderError) && !(e instanceof InputError)) throw e;
    err.write(`dmasim: ${e.message}\n`);
    state.code = 2;
  }
  return { code: state.code, stdout: out.text, stderr: err.text };
}

describe("dmasim fuzz (command)", () => {
  it("prints the rate and \"no invariant violated\", exit 0", { timeout: 60_000 }, async () => {
    const o = await fuzzCli("--seed", "1", "--steps", "2000", "--platform", "x86_64", "--set", "swiotlb=force");
    expect(o.code, o.stderr).toBe(0);
    const l = o.stdout.trim().split("\n");
    expect(l[0]).toMatch(/^dmasim fuzz: seed 1, x86_64 5\.\d+ swiotlb=force: \d+ operations in \d+\.\d\d s \(\d+ ops\/s, invariant checks on\)$/);
    expect(l[1]).toBe("no invariant violated");
  });

  it("bad input: one line, exit 2", async () => {
    for (const args of [["--steps", "0"], ["--seed", "x"], ["--platform", "vax"], ["--set", "swiotlb=0x40000000001"]]) {
      const o = await fuzzCli(...args);
      expect(o.code, args.join(" ")).toBe(2);
      expect(o.stdout).toBe("");
      expect(o.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});

describe("fuzz: an epoch that keeps no steps reuses their objects (Generator.recycle)", () => {
  it("applies exactly the steps an epoch that keeps them applies (every field, the data bytes, the results)", { timeout: 60_000 }, () => {
    const p = resolvePlatform("rpi4");
    const env = { platform: p, version: resolveKernel("5.19"), cfg: buildConfig(p).cfg, devName: p.defaultDevice };
    const applied = (keep: boolean): string[] => {
      const seen: string[] = [];
      const orig = Session.prototype.apply;
      const spy = vi.spyOn(Session.prototype, "apply").mockImplementation(function (this: Session, s: FuzzStep) {
        const before = JSON.stringify(s, (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v));
        const r = orig.call(this, s);
        seen.push(before + " → " + JSON.stringify(r));
        return r;
      });
      try {
        const r = runEpoch({ env, maxBuffers: 24, maxSize: 256 * 1024, mutate: undefined, pool: new ShadowPool() }, new Rng(77), 4000, keep);
        expect(r.failure).toBeNull();
        expect(r.steps === null).toBe(!keep);
      } finally {
        spy.mockRestore();
      }
      return seen;
    };
    const kept = applied(true);
    const reused = applied(false);
    expect(reused.length).toBeGreaterThan(4000);
    expect(reused.some((x) => x.includes('"entry":'))).toBe(true); // sg device accesses, whose entry a reused step must not keep
    for (let i = 0; i < kept.length; i++) if (reused[i] !== kept[i]) expect({ i, step: reused[i] }).toEqual({ i, step: kept[i] });
    expect(reused.length).toBe(kept.length);
  });
});

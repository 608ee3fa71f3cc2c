/**
 * swiotlb areas (6.0 era, as in 6.1.166) and restricted DMA pools (5.15+) through the whole model:
 * swiotlb=<slabs>,<areas> and nr_cpus as config, a step's `cpu:`, the boot lines in the run's log,
 * the slots each CPU's mapping lands in (real addresses, real bytes in the pool), and a
 * restricted-dma-pool device whose coherent allocations and mappings come from its own pool.
 */
import { describe, expect, it } from "vitest";
import { InputError, NotApplicable } from "../src/core/faults.js";
import { GFP_KERNEL, DMA_TO_DEVICE } from "../src/include/gfp.js";
import { dma_alloc_attrs, dma_free_attrs, dma_map_single_attrs } from "../src/kernel/dma/mapping.js";
import { rmem_swiotlb_device_init, swiotlb_init_with_tbl, swiotlb_max_segment, swiotlb_tbl_map_single } from "../src/kernel/dma/swiotlb/index.js";
import { of_dma_configure } from "../src/drivers/device.js";
import { DMA_MAPPING_ERROR } from "../src/core/u64.js";
import { faultOf, swiotlbKernel } from "./swiotlb-kernel.js";
import { IoTlbMemAreas, mem_used } from "../src/kernel/dma/swiotlb/v6.0.js";
import { bootK, h, run, runCli, runYaml } from "./helpers.js";

const AREAS = "scenarios/swiotlb/areas-per-cpu.yaml";
const RMEM = "scenarios/swiotlb/restricted-dma-pool.yaml";
const maps = (r: ReturnType<typeof run>) => r.steps.filter((s) => s.op === "dma_map_single").map((s) => s.result.dma_addr);
const logOf = (r: ReturnType<typeof run>) => (r.log ?? []).map((l) => l.message);
const INIT_CMA = "OF: reserved mem: initialized node linux,cma, compatible id shared-dma-pool";
// postcore_initcall dma_atomic_pool_init's pr_info per pool, "%pGg" of its gfp (kernel/dma/pool.c, 5.8+)
const POOLS = (kib: number) => ["GFP_KERNEL", "GFP_KERNEL|GFP_DMA", "GFP_KERNEL|GFP_DMA32"].map((g) => `DMA: preallocated ${kib} KiB ${g} pool for atomic allocations`);

describe("swiotlb areas: the CPU picks the first area searched (6.0+)", () => {
  it("6.1, swiotlb=8192,4 on a 4 GiB Pi 4: CPU 0 takes slot 0, CPU 2 the first slot of area 2 (8 MiB on); the device reads each CPU's bytes", () => {
    const r = run(AREAS, {});
    expect(r.ok, r.first_failure ?? "").toBe(true);
    expect(maps(r)).toEqual(["0xf6400000", "0xf6c00000"]);
    expect(r.steps.filter((s) => s.op === "device_read").map((s) => s.result.data)).toEqual(['"from cpu 0"', '"from cpu 2"']);
    // parse_early_param first, then the DT linux,cma node (early_init_fdt_scan_reserved_mem), then mem_init's pool
    expect(logOf(r)).toEqual(["software IO TLB: area num 4.", "Reserved memory: created CMA memory pool at 0x0000000037400000, size 64 MiB", "OF: reserved mem: initialized node linux,cma, compatible id shared-dma-pool", "software IO TLB: mapped [mem 0x0000000036400000-0x0000000037400000] (16MB)", ...POOLS(480)]);
    expect(r.log!.every((l) => l.step === -1 && l.level === "info")).toBe(true);
  });

  it("5.15 and 5.19 (one pool, one index): the same steps land in slots 0 and 2, and no area line is printed", () => {
    for (const kernel of ["5.15", "5.19"]) {
      const r = run(AREAS, { kernel });
      expect(r.ok, kernel).toBe(true);
      expect(maps(r), kernel).toEqual(["0xf6400000", "0xf6401000"]);
      expect(logOf(r), kernel).toEqual(["Reserved memory: created CMA memory pool at 0x0000000037400000, size 64 MiB", "OF: reserved mem: initialized node linux,cma, compatible id shared-dma-pool", "software IO TLB: mapped [mem 0x0000000036400000-0x0000000037400000] (16MB)", ...POOLS(480)]);
    }
  });

  it("6.1 with one area (swiotlb=8192,1) ignores the CPU; without <areas> the Pi 4 gets one per CPU (nr_cpus 4), and nr_cpus=8 gives 8", () => {
    expect(maps(run(AREAS, { set: { swiotlb: "8192,1" } }))).toEqual(["0xf6400000", "0xf6401000"]);
    const byCpus = run(AREAS, { set: { swiotlb: "8192" } });
    // without <areas> swiotlb_init_remap adjusts them (mem_init), after the CMA node's line
    expect(logOf(byCpus).slice(0, 3)).toEqual(["Reserved memory: created CMA memory pool at 0x0000000037400000, size 64 MiB", "OF: reserved mem: initialized node linux,cma, compatible id shared-dma-pool", "software IO TLB: area num 4."]);
    expect(maps(byCpus)).toEqual(["0xf6400000", "0xf6c00000"]);
    const eight = run(AREAS, { set: { swiotlb: "8192", nr_cpus: "8" } });
    expect(logOf(eight)[2]).toBe("software IO TLB: area num 8.");
    // 8 areas of 1024 slots: area 2 starts 2 * 1024 * 2 KiB = 4 MiB in
    expect(maps(eight)).toEqual(["0xf6400000", "0xf6800000"]);
  });

  it("swiotlb=1100,3: 3 areas round up to 4 and the pool to a power of two, with the kernel's two lines", () => {
    const r = run(AREAS, { set: { swiotlb: "1100,3" } });
    // both from swiotlb_adjust_nareas in parse_early_param, before the DT linux,cma node's line
    expect(logOf(r).slice(0, 4)).toEqual(["software IO TLB: area num 4.", "software IO TLB: SWIOTLB bounce buffer size roundup to 4MB", "Reserved memory: created CMA memory pool at 0x0000000037400000, size 64 MiB", "OF: reserved mem: initialized node linux,cma, compatible id shared-dma-pool"]);
    expect(logOf(r)[4]).toMatch(/^software IO TLB: mapped \[mem 0x[0-9a-f]{16}-0x[0-9a-f]{16}\] \(4MB\)$/);
    // 2048 slots in 4 areas of 512: CPU 2's first slot is 2 * 512 * 2 KiB = 2 MiB in
    const [a, b] = maps(r).map(h);
    expect(b! - a!).toBe(2 << 20);
  });

  it("the pool's areas hold what the kernel's struct io_tlb_area would: per-area used and next index, the slot's bytes", () => {
    const k = bootK("rpi4", "6.1", { mem: "8G", swiotlb: "8192,4" });
    const pool = k.io_tlb_default_mem as IoTlbMemAreas;
    expect(pool).toBeInstanceOf(IoTlbMemAreas);
    expect({ nareas: pool.nareas, area_nslabs: pool.area_nslabs, start: pool.start }).toEqual({ nareas: 4, area_nslabs: 2048, start: 0x3640_0000 });
    const dev = k.devices.get("fe00b000.v4l2")!;
    const buf = 0x1_f000_0000; // RAM above the camera bridge's 1 GiB window
    k.mem.write(buf, new TextEncoder().encode("area three"));
    k.cpu = 3;
    const dma = dma_map_single_attrs(k, dev, k.arch.__va(buf), 3000, DMA_TO_DEVICE, 0);
    expect(dma).toBe(0xc000_0000 + 0x3640_0000 + 3 * 2048 * 2048);
    expect(new TextDecoder().decode(k.mem.read(0x3640_0000 + 3 * 2048 * 2048, 10))).toBe("area three");
    expect(pool.areas.map((a) => [a.used, a.index])).toEqual([[0, 0], [0, 0], [0, 0], [2, 2]]);
    expect(mem_used(pool)).toBe(2);
  });

  it("bad input: a CPU beyond nr_cpus names the step; more areas than dmasim models names the key; a non-number of areas is skipped as setup_io_tlb_npages skips it", () => {
    const yaml = `name: x\nplatform: rpi4\nkernel: "6.1"\nsteps:\n  - op: kmalloc\n    size: 64\n    cpu: 4\n    as: b\n`;
    expect(() => runYaml(yaml)).toThrow(InputError);
    expect(() => runYaml(yaml)).toThrow(/cpu 4 does not exist: nr_cpus is 4/);
    expect(() => runYaml(yaml.replace("cpu: 4", "cpu: 3"), { set: { swiotlb: "8192,2000000" } })).toThrow(/--set swiotlb=8192,2000000: 2000000 areas \(swiotlb_adjust_nareas rounds to 2097152\) is not modelled/);
    // 6.1 setup_io_tlb_npages: isdigit('x') fails, so no swiotlb_adjust_nareas at parse time: swiotlb_init_remap's
    // swiotlb_adjust_nareas(num_possible_cpus()) prints "area num 4." after the CMA node's lines, as with swiotlb=8192
    const r = runYaml(yaml.replace("cpu: 4", "cpu: 3"), { set: { swiotlb: "8192,x" } });
    expect(r.ok, r.first_failure ?? "").toBe(true);
    expect(logOf(r).slice(0, 4)).toEqual(["Reserved memory: created CMA memory pool at 0x0000000037400000, size 64 MiB", INIT_CMA, "software IO TLB: area num 4.", "software IO TLB: mapped [mem 0x0000000036400000-0x0000000037400000] (16MB)"]);
    expect(logOf(r)).toEqual(logOf(runYaml(yaml.replace("cpu: 4", "cpu: 3"), { set: { swiotlb: "8192" } })));
  });
});

describe("restricted-dma-pool (5.15+)", () => {
  it("6.1, 5.19, 5.15: the coherent ring is slots 0–7 of the pool (bus 0xfb000000), the packet bounces to slot 8 (0xfb004000); the kernel's setup line", () => {
    for (const kernel of ["5.15", "5.19", "6.1"]) {
      const r = run(RMEM, { kernel });
      expect(r.ok, `${kernel}: ${r.first_failure}`).toBe(true);
      expect(r.steps[0]!.result.dma_handle, kernel).toBe("0xfb000000");
      expect(r.steps[2]!.result.data, kernel).toBe('"descriptor 0"');
      const m = r.steps.find((s) => s.op === "dma_map_single")!.result;
      expect([m.dma_addr, m.bounced], kernel).toEqual(["0xfb004000", true]);
      expect(r.steps.find((s) => s.op === "device_read")!.result.data, kernel).toBe('"packet"');
      // fdt_init_reserved_mem (to 6.11) sorts the two dynamic nodes (equal: base 0, size 0) with lib/sort.c's heapsort,
      // which swaps them: the restricted-dma-pool is allocated first, at the top of [0, 0x3b400000) = 0x3b000000 (bus
      // 0xc0000000 + 0x3b000000), and the linux,cma node below it, 0x3b000000 - 64 MiB = 0x37000000 (8a6e02d0c00e)
      // each init's own line, then __reserved_mem_init_node's "initialized node %s, compatible id %s"
      expect(logOf(r).slice(0, 4), kernel).toEqual(["software IO TLB: Reserved memory: created restricted DMA pool at 0x000000003b000000, size 4 MiB", "OF: reserved mem: initialized node restricted-dma-pool@3b000000, compatible id restricted-dma-pool", "Reserved memory: created CMA memory pool at 0x0000000037000000, size 64 MiB", INIT_CMA]);
    }
  });

  it("5.14 has no restricted-dma-pool driver: the ring comes from elsewhere, the packet (reachable) is not bounced, nothing is printed", () => {
    const r = run(RMEM, { kernel: "5.14" });
    expect(r.ok).toBe(true);
    expect(h(r.steps[0]!.result.dma_handle)).toBe(0xf718_0000); // CMA (0x37000000, under the region: 8a6e02d0c00e), not the reserved region at 0x3b000000
    expect(r.steps.find((s) => s.op === "dma_map_single")!.result.bounced).toBe(false);
    expect(logOf(r).some((l) => l.includes("restricted DMA pool"))).toBe(false);
  });

  it("the device's io_tlb_mem: for_alloc and force_bounce, one area, slots taken by dma_alloc_attrs and given back by dma_free_attrs", () => {
    const k = bootK("rpi4", "6.1", { restricted_dma_pool: "4M@0x30000000" });
    const dev = k.devices.get("fe00b000.v4l2")!;
    expect(rmem_swiotlb_device_init(k, k.restricted_dma_pool!, dev)).toBe(0);
    const mem = dev.dma_io_tlb_mem as IoTlbMemAreas;
    expect({ start: mem.start, nslabs: mem.nslabs, nareas: mem.nareas, for_alloc: mem.for_alloc, force_bounce: mem.force_bounce }).toEqual({ start: 0x3000_0000, nslabs: 2048, nareas: 1, for_alloc: true, force_bounce: true });
    const a = dma_alloc_attrs(k, dev, 16384, GFP_KERNEL, 0)!;
    expect(a.dma_handle).toBe(0xf000_0000);
    expect(mem_used(mem)).toBe(8);
    dma_free_attrs(k, dev, 16384, a.cpu_addr, a.dma_handle, 0);
    expect(mem_used(mem)).toBe(0);
    expect(mem.list[0]).toBe(128);
  });

  it("not applicable on x86 (no device tree) and 32-bit ARM without LPAE (no swiotlb); bad input: a pool that is not whole segments, or that overlaps another reservation", () => {
    expect(() => run(RMEM, { platform: "x86_64" })).toThrow(NotApplicable);
    expect(() => run(RMEM, { platform: "arm32" })).toThrow(/depends on SWIOTLB/);
    expect(() => bootK("rpi4", "6.1", { restricted_dma_pool: "100K" })).toThrow(/multiple of 256K/);
    expect(() => bootK("rpi4", "6.1", { restricted_dma_pool: "4M@0x200000" })).toThrow(/overlaps/);
  });
});

describe("a mapping with no pool set up", () => {
  it("5.15 panics (5.15.178 keeps `!mem || !mem->nslabs`: no 463e862ac63e), 5.19 says 'buffer is full' (total 0), 6.1 warns 'Can not allocate …' and fails the mapping", () => {
    const dev = of_dma_configure({ name: "0000:01:00.0", driver: "nvme", description: "t", coherent: true });
    const k515 = swiotlbKernel("5.15");
    const f = faultOf(() => swiotlb_tbl_map_single(k515, dev, 0x8100_0000, 4096, 4096, DMA_TO_DEVICE, 0));
    // panic(): a panic, not a BUG (kernel/panic.c prints "Kernel panic - not syncing: %s")
    expect([f.kind, f.message]).toEqual(["panic", "Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer"]);
    const k519 = swiotlbKernel("5.19");
    expect(swiotlb_tbl_map_single(k519, dev, 0x8100_0000, 4096, 4096, DMA_TO_DEVICE, 0)).toBe(DMA_MAPPING_ERROR);
    expect(k519.logs.at(-1)).toBe("nvme 0000:01:00.0: swiotlb buffer is full (sz: 4096 bytes), total 0 (slots), used 0 (slots)");
    expect(k519.faults).toEqual([]); // dev_warn_ratelimited: a log line
    const k61 = swiotlbKernel("6.1");
    expect(swiotlb_tbl_map_single(k61, dev, 0x8100_0000, 4096, 4096, DMA_TO_DEVICE, 0)).toBe(DMA_MAPPING_ERROR);
    expect(k61.logs).toEqual(["nvme 0000:01:00.0: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer"]);
    expect(k61.faults).toEqual([]); // dev_warn_ratelimited: a log line
  });

  it("6.1, 6.6, 6.18: 'Can not allocate …' and 'buffer is full' are two dev_warn_ratelimited call sites (6.6.63 swiotlb.c:1315 and :1334), each with its own burst of 10", () => {
    const NOPOOL = "nvme 0000:01:00.0: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer";
    for (const v of ["6.1", "6.6", "6.18"]) {
      const dev = of_dma_configure({ name: "0000:01:00.0", driver: "nvme", description: "t", coherent: true });
      const k = swiotlbKernel(v);
      for (let i = 0; i < 12; i++) expect(swiotlb_tbl_map_single(k, dev, 0x8100_0000, 4096, 4096, DMA_TO_DEVICE, 0), v).toBe(DMA_MAPPING_ERROR);
      expect(k.logs, v).toEqual(Array(10).fill(NOPOOL)); // the 11th and 12th are suppressed
      swiotlb_init_with_tbl(k, 0x8000_0000, 1024, false);
      // 300 KiB is more than a segment of 128 slots: no slots; its message is the first of its own call site
      expect(swiotlb_tbl_map_single(k, dev, 0x8100_0000, 300 << 10, 300 << 10, DMA_TO_DEVICE, 0), v).toBe(DMA_MAPPING_ERROR);
      expect(k.logs.at(-1), v).toBe("nvme 0000:01:00.0: swiotlb buffer is full (sz: 307200 bytes), total 1024 (slots), used 0 (slots)");
    }
  });
});

describe("swiotlb_max_segment", () => {
  it("5.15 stores it at init (1 with swiotlb=force, a2daa27c0c61 not carried); 5.19 and 6.1 compute it from nslabs", () => {
    const at = (v: string, force: "normal" | "force") => {
      const k = swiotlbKernel(v, { start: 0x8000_0000, size: 64 << 20 }, force);
      swiotlb_init_with_tbl(k, 0x8000_0000, 1024, false);
      return swiotlb_max_segment(k);
    };
    expect([at("5.15", "normal"), at("5.15", "force")]).toEqual([2 << 20, 1]);
    expect([at("5.19", "normal"), at("5.19", "force")]).toEqual([2 << 20, 2 << 20]);
    expect([at("6.1", "normal"), at("6.1", "force")]).toEqual([2 << 20, 2 << 20]);
  });
});

describe("the CLI", () => {
  it("dmasim run --json: the areas scenario's slots and boot lines; --set swiotlb=8192,2000000 (more areas than dmasim models) is one clear error line, exit 2", async () => {
    const ok = await runCli(["run", AREAS, "--json"]);
    expect(ok.code, ok.stderr).toBe(0);
    const j = JSON.parse(ok.stdout) as { kernel: string; log: { message: string }[]; steps: { op: string; result: Record<string, string> }[] };
    expect(j.kernel).toBe("6.1");
    expect(j.steps.filter((s) => s.op === "dma_map_single").map((s) => s.result.dma_addr)).toEqual(["0xf6400000", "0xf6c00000"]);
    expect(j.log.map((l) => l.message)).toContain("software IO TLB: area num 4.");
    const bad = await runCli(["run", AREAS, "--set", "swiotlb=8192,2000000"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toBe("dmasim: --set swiotlb=8192,2000000: 2000000 areas (swiotlb_adjust_nareas rounds to 2097152) is not modelled: dmasim models up to 1048576 areas\n");
  }, 60_000);
});

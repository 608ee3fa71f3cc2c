/**
 * Known divergences D3, D5, D6, D7 of docs/verified-facts.md, fixed: each test runs one scenario
 * on the versions whose code differs and asserts what a driver sees there.
 *
 * - D3 dma_addressing_limited out of line with the System RAM walk (a409d9600959, 6.7) and
 *   6.12.19's endless check_ram_in_range_map (fixed by 8324993f6030, 6.14);
 * - D5 xen_swiotlb_dma_supported asks default_swiotlb_limit(), mem->phys_limit with
 *   CONFIG_SWIOTLB_DYNAMIC (6.6);
 * - D6 dma_alloc_noncontiguous refuses __GFP_COMP (3622b86f49f8, 6.2);
 * - D7 the noncontiguous API's tracepoints (6.12: dma_map_sg / dma_unmap_sg; 6.13+: dma_alloc_sgt,
 *   dma_alloc_sgt_err, dma_free_sgt).
 */
import { describe, expect, it } from "vitest";
import { bootK, runYaml } from "./helpers.js";
import { boot } from "../src/init.js";
import { buildConfig, resolveKernel } from "../src/scenario/config.js";
import { arm64Coherent } from "../src/platforms/index.js";
import type { Platform } from "../src/platforms/platform.js";
import type { Kernel } from "../src/kernel.js";
import { dma_max_mapping_size, dma_opt_mapping_size, dma_set_mask } from "../src/kernel/dma/mapping.js";
import { dma_addressing_limited } from "../src/kernel/dma/direct.js";
import { dma_direct_all_ram_mapped, walk_system_ram_range } from "../src/kernel/dma/direct-ram.js";
import { xen_phys_to_dma } from "../src/xen/swiotlb-xen.js";
import { memOf } from "../src/kernel/dma/swiotlb/v6.6-pools.js";
import { KernelFault } from "../src/core/faults.js";
import { DMA_BIT_MASK } from "../src/core/u64.js";
import { ftraceLines } from "../src/format/ftrace.js";

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const SIZE_MAX = Number.MAX_SAFE_INTEGER; // the model's SIZE_MAX
const NVME = "0000:01:00.0";

/**
 * The layout of a409d9600959's commit message (an Ampere Armv8 server), scaled down: System RAM at
 * 2–4 GiB and 34–36 GiB; the root complex's dma-ranges (identity) cover 0–4 GiB and 35 GiB up to
 * 64 GiB — the top of RAM is reachable, 34–35 GiB is not.
 */
const hole: Platform = {
  ...arm64Coherent,
  id: "arm64-dma-hole",
  description: "arm64 server whose PCIe dma-ranges skip RAM at 34–35 GiB",
  banks: () => [{ start: 2 * GiB, size: 2 * GiB }, { start: 0x8_8000_0000, size: 2 * GiB }],
  defaults: { mem: 4 * GiB, cma: 32 * MiB, va_bits: 48 },
  memSizes: [4 * GiB],
  devices: [{
    name: NVME, driver: "nvme", description: "NVMe behind dma-ranges with a hole", coherent: true, mask_bits: 64,
    dma_ranges: [{ cpu_start: 0, dma_start: 0, size: 4 * GiB }, { cpu_start: 0x8_c000_0000, dma_start: 0x8_c000_0000, size: 0x7_4000_0000 }],
  }],
};

/** The same RAM; dma-ranges 0–3 GiB and 34–64 GiB: the 2–4 GiB RAM range runs out of its dma range at 3 GiB. */
const straddle: Platform = {
  ...hole,
  id: "arm64-dma-straddle",
  devices: [{
    name: NVME, driver: "nvme", description: "NVMe whose first dma range ends inside a RAM range", coherent: true, mask_bits: 64,
    dma_ranges: [{ cpu_start: 0, dma_start: 0, size: 3 * GiB }, { cpu_start: 0x8_8000_0000, dma_start: 0x8_8000_0000, size: 0x7_8000_0000 }],
  }],
};

function bootP(p: Platform, kernel: string): Kernel {
  const { cfg } = buildConfig(p, {});
  return boot(p, resolveKernel(kernel), cfg);
}

describe("D3: dma_addressing_limited walks System RAM against the dma_range_map (a409d9600959, 6.7)", () => {
  it("a mask that reaches the top of RAM but dma-ranges that skip 34–35 GiB: 6.6 not limited (SIZE_MAX), 6.12 and 6.18 limited (swiotlb's 256 KiB)", () => {
    const k66 = bootP(hole, "6.6");
    const d66 = k66.devices.get(NVME)!;
    // the mask test alone: bus_dma_limit 0xfffffffff is not below the required mask of phys 0x8ffffffff
    expect(d66.bus_dma_limit).toBe(0xf_ffff_ffffn);
    expect(dma_addressing_limited(k66, d66)).toBe(false);
    expect(dma_max_mapping_size(k66, d66)).toBe(SIZE_MAX);
    expect(dma_opt_mapping_size(k66, d66)).toBe(SIZE_MAX);
    for (const v of ["6.12", "6.18"]) {
      const k = bootP(hole, v);
      const dev = k.devices.get(NVME)!;
      expect(k.io_tlb_default_mem!.nslabs, v).toBeGreaterThan(0);
      expect(dma_direct_all_ram_mapped(k, dev), v).toBe(false);
      expect(dma_addressing_limited(k, dev), v).toBe(true);
      // dma_direct_max_mapping_size: is_swiotlb_active && dma_addressing_limited → swiotlb_max_mapping_size
      expect(dma_max_mapping_size(k, dev), v).toBe(256 * 1024);
      expect(dma_opt_mapping_size(k, dev), v).toBe(256 * 1024);
    }
  });

  it("walk_system_ram_range hands check_ram_in_range_map each memblock.memory range; the walk stops at the first uncovered pfn", () => {
    const k = bootP(hole, "6.18");
    const seen: [number, number][] = [];
    expect(walk_system_ram_range(k, 0, Number.MAX_SAFE_INTEGER, (pfn, n) => (seen.push([pfn, n]), 0))).toBe(0);
    expect(seen).toEqual([[0x80000, 0x80000], [0x880000, 0x80000]]);
    const stop: number[] = [];
    expect(walk_system_ram_range(k, 0, Number.MAX_SAFE_INTEGER, (pfn) => (stop.push(pfn), pfn === 0x880000 ? 1 : 0))).toBe(1);
    expect(stop).toEqual([0x80000, 0x880000]);
    // a device without dma-ranges: dma_direct_all_ram_mapped is true at once
    const rpi = bootK("rpi4", "6.12");
    expect(dma_direct_all_ram_mapped(rpi, rpi.devices.get("fd580000.ethernet")!)).toBe(true);
  });

  it("rpi4 with 1 GiB: the soc dma-ranges cover all RAM, so 6.12 stays not limited; with 4 GiB the mask test already says limited in 6.6", () => {
    for (const v of ["6.6", "6.12"]) {
      const k = bootK("rpi4", v, { mem: "1G" });
      const dev = k.devices.get("fe00b000.v4l2")!;
      expect(dma_addressing_limited(k, dev), v).toBe(false);
      const k4 = bootK("rpi4", v);
      expect(dma_addressing_limited(k4, k4.devices.get("fe00b000.v4l2")!), v).toBe(true);
    }
  });

  it("6.12.19's check_ram_in_range_map never clears bdr: RAM 2–4 GiB leaves the 0–3 GiB range and the caller never returns (a silent hang under arm64's CONFIG_PREEMPT); 6.18 (8324993f6030) returns limited; 6.6 has no walk", () => {
    const k66 = bootP(straddle, "6.6");
    expect(dma_max_mapping_size(k66, k66.devices.get(NVME)!)).toBe(SIZE_MAX);

    const k612 = bootP(straddle, "6.12");
    let fault: unknown = null;
    try {
      dma_max_mapping_size(k612, k612.devices.get(NVME)!);
    } catch (e) {
      fault = e;
    }
    // arm64 defconfig is CONFIG_PREEMPT: the watchdog's stopper preempts the loop, so no soft lockup is printed; the caller never returns
    expect(fault).toBeInstanceOf(KernelFault);
    expect((fault as KernelFault).record).toMatchObject({ kind: "hang", pc: "check_ram_in_range_map", message: "scenario:1000 never returns from check_ram_in_range_map (preemptible loop under CONFIG_PREEMPT: the kernel prints nothing)" });

    const k618 = bootP(straddle, "6.18");
    const d618 = k618.devices.get(NVME)!;
    expect(dma_addressing_limited(k618, d618)).toBe(true);
    expect(dma_max_mapping_size(k618, d618)).toBe(256 * 1024);
  });
});

describe("D5: xen_swiotlb_dma_supported asks default_swiotlb_limit() (6.6; mem->phys_limit with CONFIG_SWIOTLB_DYNAMIC)", () => {
  it("rpi4-xen GENET: a mask that just reaches the bounce pool (0x2fffffff) is supported in 6.1 and without DYNAMIC, refused with it (phys_limit 0x3fffffff, the end of ZONE_DMA)", () => {
    const MASK = 0x2fff_ffffn;
    // 6.1 has no CONFIG_SWIOTLB_DYNAMIC (79636caad361 is 6.6): the option does not apply there
    expect(() => bootK("rpi4-xen", "6.1", { CONFIG_SWIOTLB_DYNAMIC: "y" })).toThrow(/Linux 6\.1 has no CONFIG_SWIOTLB_DYNAMIC/);
    for (const [v, dyn, rc] of [["6.1", "n", 0], ["6.6", "n", 0], ["6.6", "y", -5], ["6.12", "y", -5], ["6.18", "y", -5]] as const) {
      const k = bootK("rpi4-xen", v, { CONFIG_SWIOTLB_DYNAMIC: dyn });
      const dev = k.devices.get("fd580000.ethernet")!;
      const pool = k.io_tlb_default_mem!;
      expect([pool.start, pool.end], v).toEqual([0x2c00_0000, 0x3000_0000]);
      expect(BigInt(xen_phys_to_dma(k, dev, pool.end - 1)), v).toBe(MASK);
      if (dyn === "y") {
        expect(memOf(pool as never)!.phys_limit, v).toBe(0x3fff_ffffn);
        expect(xen_phys_to_dma(k, dev, 0x3fff_ffff), v).toBe(0x3fff_ffff);
      }
      expect(dma_set_mask(k, dev, MASK), `${v} DYNAMIC=${dyn}`).toBe(rc);
      // DMA_BIT_MASK(30) reaches phys_limit too: supported everywhere
      expect(dma_set_mask(k, dev, DMA_BIT_MASK(30)), v).toBe(0);
    }
  });

  it("x86 PV dom0 (SWIOTLB_ANY, xen_swiotlb_fixup as remap): phys_limit is the last pseudo-physical byte and the pool cannot grow", () => {
    const k = bootK("x86_64-xen-pv", "6.6", { CONFIG_SWIOTLB_DYNAMIC: "y", mem: "8G" });
    const mem = memOf(k.io_tlb_default_mem as never)!;
    // virt_to_phys(high_memory - 1): max_pfn is the e820's last RAM pfn — on the 16 GiB PC the extra memory runs to 17 GiB
    expect(mem.phys_limit).toBe(0x4_3fff_ffffn);
    expect(mem.can_grow).toBe(false);
    // that byte is extra memory (xen_add_extra_mem), INVALID_P2M_ENTRY in the P2M: pfn_to_mfn gives ~0 and so does
    // xen_phys_to_dma, so a 32-bit NIC's dma_set_mask fails with DYNAMIC — the shape of the xen-devel report
    // (xhci, 6.12.19) — and succeeds with the pool's own end as the limit (6.1, or DYNAMIC off)
    const dev = k.devices.get("0000:00:1f.6")!;
    expect(k.memblock.owner(0x4_3fff_f000)).toBe("Xen extra memory");
    expect(xen_phys_to_dma(k, dev, 0x4_3fff_ffff)).toBe(-1);
    expect(dma_set_mask(k, dev, DMA_BIT_MASK(64))).toBe(0);
    expect(dma_set_mask(k, dev, DMA_BIT_MASK(32))).toBe(-5);
    const end = k.io_tlb_default_mem!.end - 1;
    expect(xen_phys_to_dma(k, dev, end)).toBeLessThan(2 ** 32);
    for (const [v, dyn] of [["6.1", "n"], ["6.6", "n"]] as const) {
      const k2 = bootK("x86_64-xen-pv", v, { CONFIG_SWIOTLB_DYNAMIC: dyn, mem: "8G" });
      expect(dma_set_mask(k2, k2.devices.get("0000:00:1f.6")!, DMA_BIT_MASK(32)), `${v} DYNAMIC=${dyn}`).toBe(0);
    }
  });
});

const nc = (kernel: string, gfp: string, size = "12K") => `
name: noncontig
platform: rpi4
kernel: "${kernel}"
steps:
  - { op: dma_alloc_noncontiguous, size: ${size}, dir: DMA_FROM_DEVICE, gfp: "${gfp}", as: s }
  - { op: dma_free_noncontiguous, map: s }
`;

describe("D6: dma_alloc_noncontiguous refuses __GFP_COMP (3622b86f49f8, 6.2)", () => {
  it("6.1 allocates 12 KiB at bus 0xf7580000; 6.6, 6.12, 6.18 print the WARN at their own line and return NULL", () => {
    const r61 = runYaml(nc("6.1", "GFP_KERNEL|__GFP_COMP"));
    expect(r61.steps[0]!.result).toMatchObject({ ret: "sgt", dma_addr: "0xf7580000", pfn: "0x37580" });
    expect(r61.faults).toEqual([]);
    for (const [v, at] of [["6.6", "654"], ["6.12", "761"], ["6.18", "808"]] as const) {
      const r = runYaml(nc(v, "GFP_KERNEL|__GFP_COMP").replace(/  - \{ op: dma_free_noncontiguous.*\n/, ""));
      expect(r.steps[0]!.result.ret, v).toBe("NULL");
      const w = r.faults.find((f) => f.kind === "warn")!;
      expect(w.message, v).toBe("WARNING: dma_alloc_noncontiguous: WARN_ON_ONCE(gfp & __GFP_COMP)");
      expect(w.report![1], v).toBe(`WARNING: CPU: 0 PID: 1000 at kernel/dma/mapping.c:${at} dma_alloc_noncontiguous+0x…/0x…`);
      // without the flag the same request succeeds
      expect(runYaml(nc(v, "GFP_KERNEL")).steps[0]!.result.dma_addr, v).toBe("0xf7580000");
    }
  });
});

const TASK = "        scenario-1000    [000] .....     0.000000: ";

describe("D7: the noncontiguous API's tracepoints", () => {
  it("6.12: dma_map_sg with ents 1 at alloc, dma_unmap_sg with attrs 0 at free", () => {
    const r = runYaml(nc("6.12", "GFP_KERNEL"), { trace: true });
    expect(r.ok).toBe(true);
    expect(r.steps.flatMap((s) => ftraceLines(s.trace))).toEqual([
      TASK + "dma_map_sg: fe00b000.v4l2 dir=FROM_DEVICE dma_addrs={0xf7580000} sizes={0x3000} phys_addrs={0x37580000} attrs=",
      TASK + "dma_unmap_sg: fe00b000.v4l2 dir=FROM_DEVICE phys_addrs={0x37580000} attrs=",
    ]);
  });

  it("6.18 (c4484ab86ee0): dma_alloc_sgt and dma_free_sgt with size, flags and phys_addrs", () => {
    const r = runYaml(nc("6.18", "GFP_KERNEL"), { trace: true });
    expect(r.ok).toBe(true);
    expect(r.steps.flatMap((s) => ftraceLines(s.trace))).toEqual([
      TASK + "dma_alloc_sgt: fe00b000.v4l2 dir=FROM_DEVICE dma_addr=f7580000 size=12288 phys_addrs={0x37580000} flags=GFP_KERNEL attrs=",
      TASK + "dma_free_sgt: fe00b000.v4l2 dir=FROM_DEVICE dma_addr=f7580000 size=12288 phys_addrs={0x37580000}",
    ]);
  });

  it("a failed allocation: 6.18 traces dma_alloc_sgt_err (68b6dbf1f441, dir before flags), 6.12 nothing; 6.6 has no events/dma", () => {
    const fail = (v: string) => `
name: noncontig fail
platform: rpi4
kernel: "${v}"
steps:
  - { op: dma_alloc_noncontiguous, size: 512M, dir: DMA_TO_DEVICE, gfp: "GFP_KERNEL|__GFP_NOWARN", as: s }
`;
    const r618 = runYaml(fail("6.18"), { trace: true });
    expect(r618.steps[0]!.result.ret).toBe("NULL");
    expect(r618.steps.flatMap((s) => ftraceLines(s.trace))).toEqual([
      TASK + "dma_alloc_sgt_err: fe00b000.v4l2 dir=TO_DEVICE dma_addr=0 size=536870912 virt_addr=0000000000000000 flags=GFP_KERNEL|__GFP_NOWARN attrs=",
    ]);
    const r612 = runYaml(fail("6.12"), { trace: true });
    expect(r612.steps[0]!.result.ret).toBe("NULL");
    expect(r612.steps.flatMap((s) => ftraceLines(s.trace))).toEqual([]);
    const r66 = runYaml(nc("6.6", "GFP_KERNEL"), { trace: true });
    expect(r66.ok).toBe(true);
    expect(r66.steps.flatMap((s) => ftraceLines(s.trace))).toEqual([]);
  });
});

describe("D15: dma_alloc_pages / dma_free_pages tracepoints (found with D7: 6.12 dma_map_page / dma_unmap_page, 6.13+ dma_alloc_pages / dma_free_pages)", () => {
  const pages = (kernel: string) => `
name: pages
platform: rpi4
kernel: "${kernel}"
steps:
  - { op: dma_alloc_pages, size: 6K, dir: DMA_BIDIRECTIONAL, gfp: GFP_KERNEL, as: p }
  - { op: dma_free_pages, buf: p }
  - { op: dma_alloc_noncoherent, size: 4K, dir: DMA_TO_DEVICE, gfp: GFP_KERNEL, as: n }
  - { op: dma_free_noncoherent, buf: n }
  - { op: dma_alloc_pages, size: 4K, dir: DMA_TO_DEVICE, gfp: "GFP_KERNEL|__GFP_COMP", as: q }
`;

  it("6.12: the streaming-map events with the caller's size (6 KiB at bus 0xf7580000, phys 0x37580000); nothing for the refused __GFP_COMP request", () => {
    const r = runYaml(pages("6.12"), { trace: true });
    expect(r.ok).toBe(true);
    expect(r.steps[0]!.result).toMatchObject({ dma_handle: "0xf7580000", cpu_addr: "0xffff000037580000" });
    expect(r.steps[4]!.result.ret).toBe("NULL");
    expect(r.steps.flatMap((s) => ftraceLines(s.trace))).toEqual([
      TASK + "dma_map_page: fe00b000.v4l2 dir=BIDIRECTIONAL dma_addr=f7580000 size=6144 phys_addr=37580000 attrs=",
      TASK + "dma_unmap_page: fe00b000.v4l2 dir=BIDIRECTIONAL dma_addr=f7580000 size=6144 attrs=",
      TASK + "dma_map_page: fe00b000.v4l2 dir=TO_DEVICE dma_addr=c0001000 size=4096 phys_addr=1000 attrs=",
      TASK + "dma_unmap_page: fe00b000.v4l2 dir=TO_DEVICE dma_addr=c0001000 size=4096 attrs=",
    ]);
  });

  it("6.18: dma_alloc_pages / dma_free_pages with the linear address, and dma_alloc_pages with NULL and 0 for the failure", () => {
    // no_hash_pointers: %p prints the address itself (by default it is hashed: test/trace-hash-ptr.test.ts)
    const r = runYaml(pages("6.18"), { trace: true, set: { no_hash_pointers: "y" } });
    expect(r.ok).toBe(true);
    expect(r.steps.flatMap((s) => ftraceLines(s.trace))).toEqual([
      TASK + "dma_alloc_pages: fe00b000.v4l2 dir=BIDIRECTIONAL dma_addr=f7580000 size=6144 virt_addr=ffff000037580000 flags=GFP_KERNEL attrs=",
      TASK + "dma_free_pages: fe00b000.v4l2 dir=BIDIRECTIONAL dma_addr=f7580000 size=6144 virt_addr=ffff000037580000 attrs=",
      TASK + "dma_alloc_pages: fe00b000.v4l2 dir=TO_DEVICE dma_addr=c0001000 size=4096 virt_addr=ffff000000001000 flags=GFP_KERNEL attrs=",
      TASK + "dma_free_pages: fe00b000.v4l2 dir=TO_DEVICE dma_addr=c0001000 size=4096 virt_addr=ffff000000001000 attrs=",
      TASK + "dma_alloc_pages: fe00b000.v4l2 dir=TO_DEVICE dma_addr=0 size=4096 virt_addr=0000000000000000 flags=GFP_KERNEL|__GFP_COMP attrs=",
    ]);
    expect(r.faults.filter((f) => f.kind === "warn").map((f) => f.message)).toEqual(["WARNING: dma_alloc_pages: WARN_ON_ONCE(gfp & __GFP_COMP)"]);
  });

  it("6.6 has no events/dma", () => {
    const r = runYaml(pages("6.6"), { trace: true });
    expect(r.steps.flatMap((s) => ftraceLines(s.trace))).toEqual([]);
  });
});

describe("a WARN in a header's static inline names the function it was inlined into, with or without --trace", () => {
  // dma_direct_map_page (kernel/dma/direct.h, 5.10–6.12) / dma_direct_map_phys (6.18) are static inlines: the
  // overflow dev_WARN_ONCE's RIP is in dma_map_page_attrs / dma_map_phys, or in dma_direct_map_sg for an sg list
  const doc = (kernel: string, map: string) =>
    `name: w\nplatform: x86_64\nkernel: "${kernel}"\nconfig: { mem: 2G }\nsteps:\n  - { op: dma_set_mask, bits: 24 }\n  - { op: kmalloc, size: 4K, as: b }\n${map}`;
  const single = "  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_TO_DEVICE, as: m }\n";
  const sg = "  - { op: dma_map_sg, entries: [{ buf: b, length: 4096 }], dir: DMA_TO_DEVICE, as: s }\n";
  const where = (kernel: string, map: string, trace: boolean) => {
    const w = runYaml(doc(kernel, map), { trace }).faults.find((f) => f.kind === "warn")!;
    return w.report!.filter((l) => /^WARNING: |^RIP: /.test(l));
  };
  for (const [kernel, at, api] of [["5.19", "kernel/dma/direct.h:97", "dma_map_page_attrs"], ["6.18", "kernel/dma/direct.h:117", "dma_map_phys"]] as const) {
    it(`${kernel}: dma_map_single → ${api}, dma_map_sg → dma_direct_map_sg (untraced as traced)`, () => {
      for (const [map, fn] of [[single, api], [sg, "dma_direct_map_sg"]] as const) {
        const want = [`WARNING: CPU: 0 PID: 1000 at ${at} ${fn}+0x…/0x…`, `RIP: 0010:${fn}+0x…/0x…`];
        expect(where(kernel, map, false), `${kernel} ${fn} untraced`).toEqual(want);
        expect(where(kernel, map, true), `${kernel} ${fn} traced`).toEqual(want);
      }
    });
  }
});

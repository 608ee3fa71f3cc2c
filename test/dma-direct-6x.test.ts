/**
 * dma-direct, mapping.c and mm from 5.15 to 6.12 (issue 11): __GFP_COMP refused by dma_alloc_attrs
 * (6.2), small kmalloc buffers bounced for non-coherent arm64 devices (6.5) over honest SLUB size
 * classes, zone_dma_limit and a DMA zone above 4 GiB (6.12), and the ops a driver of today calls
 * (dma_alloc_pages / dma_alloc_noncoherent, dma_map_resource, dma_opt_mapping_size).
 */
import { describe, expect, it } from "vitest";
import { bootK, h, run, runCli, runYaml } from "./helpers.js";
import { PLATFORMS } from "../src/platforms/index.js";
import { kmalloc_size_roundup } from "../src/mm/slab_common.js";
import { findVersion } from "../src/versions.js";
import { dma_kmalloc_needs_bounce } from "../src/kernel/dma/direct.js";
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, GFP_KERNEL } from "../src/include/gfp.js";
import type { RunResult } from "../src/scenario/types.js";

const COMP = "scenarios/drivers/gfp-comp-coherent.yaml";
const KMALLOC = "scenarios/drivers/kmalloc-small-noncoherent.yaml";
const ZONE = "scenarios/drivers/dma-zone-above-4g.yaml";

function step(r: RunResult, i: number) {
  return r.steps[i]!.result;
}

function notes(r: RunResult, i: number): string {
  return r.steps[i]!.trace.map((e) => JSON.stringify(e)).join("\n");
}

describe("kmalloc size classes (mm/slab_common.c, SLUB)", () => {
  it("arm64 before 6.5: ARCH_KMALLOC_MINALIGN 128, kmalloc-192 folded into kmalloc-256", () => {
    const k = bootK("rpi4", "6.1");
    expect([8, 64, 128, 129, 192, 200, 4096, 8192].map((n) => kmalloc_size_roundup(k, n))).toEqual([128, 128, 128, 256, 256, 256, 4096, 8192]);
    const a = k.slab.kmalloc(k, 8, GFP_KERNEL);
    const b = k.slab.kmalloc(k, 8, GFP_KERNEL);
    expect(b - a).toBe(128);
  });

  it("arm64 6.5+ with swiotlb: kmalloc-8 … kmalloc-96, kmalloc-192; 8-byte objects 8 bytes apart", () => {
    for (const v of ["6.6", "6.12"]) {
      const k = bootK("rpi4", v);
      expect([1, 8, 9, 65, 96, 97, 150, 192, 193].map((n) => kmalloc_size_roundup(k, n)), v).toEqual([8, 8, 16, 96, 96, 128, 192, 192, 256]);
      const a = k.slab.kmalloc(k, 8, GFP_KERNEL);
      expect(k.slab.kmalloc(k, 8, GFP_KERNEL) - a, v).toBe(8);
      expect(Math.abs(a % 4096), v).toBe(0);
    }
  });

  it("arm64 6.5+ without a swiotlb buffer (swiotlb=noforce): __kmalloc_minalign is cache_line_size() 64, small classes alias up", () => {
    const k = bootK("rpi4", "6.6", { swiotlb: "noforce" });
    expect(k.io_tlb_default_mem?.nslabs ?? 0).toBe(0);
    expect([8, 64, 96, 150, 192].map((n) => kmalloc_size_roundup(k, n))).toEqual([64, 64, 128, 192, 192]);
    // 64 is a multiple of dma_get_cache_alignment(): nothing to bounce
    expect(dma_kmalloc_needs_bounce(k, k.devices.get("fd580000.ethernet")!, 8, DMA_FROM_DEVICE)).toBe(false);
  });

  it("x86_64 keeps 8-byte alignment with kmalloc-96 and kmalloc-192 in every version; ARMv7 is 64 with kmalloc-192", () => {
    for (const v of ["5.10", "6.1", "6.12"]) {
      const x = bootK("x86_64", v);
      expect([8, 72, 96, 100, 160, 192].map((n) => kmalloc_size_roundup(x, n)), v).toEqual([8, 96, 96, 128, 192, 192]);
      const a = x.slab.kmalloc(x, 96, GFP_KERNEL);
      expect(x.slab.kmalloc(x, 96, GFP_KERNEL) - a, v).toBe(96);
    }
    const arm = bootK("arm32", "5.19");
    expect([8, 96, 129, 192].map((n) => kmalloc_size_roundup(arm, n))).toEqual([64, 128, 192, 192]);
  });

  it("arm64 6.5+ allocates the swiotlb buffer even when all RAM is reachable (mem_init: DMA_BOUNCE_UNALIGNED_KMALLOC)", () => {
    expect(bootK("arm64-coherent", "6.1", { mem: "2G" }).io_tlb_default_mem?.nslabs ?? 0).toBe(0);
    expect(bootK("arm64-coherent", "6.6", { mem: "2G" }).io_tlb_default_mem!.nslabs).toBe(32768);
  });
});

/**
 * rpi4's first free page after boot (the first slab page or page a run gets): the highest free blocks lie below the
 * boot swiotlb pool's memblock metadata at the top of RAM, whose size is the era's (5.6–5.11 96 pages, 5.13–5.14 193,
 * 5.15–5.19 192, 6.x 192 and the areas array's page): test/swiotlb-boot-metadata.test.ts
 */
const FIRST: Record<string, number> = { "5.6": 0xf7f84000, "5.10": 0xf7f84000, "5.13": 0xf7f39000, "5.14": 0xf7f39000, "5.15": 0xf7f04000, "5.19": 0xf7f04000, "6.1": 0xf7f39000, "6.6": 0xf7f39000, "6.12": 0xf7f39000, "6.18": 0xf7f39000 };
const lin = (kernel: string, off = 0) => `0xffff0000${(FIRST[kernel]! + off).toString(16)}`;
const pa = (kernel: string, off = 0) => `0x${(FIRST[kernel]! + off).toString(16)}`;

describe("6.5: small kmalloc buffers bounce for non-coherent arm64 devices (370645f41e6e)", () => {
  it("6.6 and 6.12: both 8-byte buffers bounce into consecutive swiotlb slots; the device's bytes reach the CPU; dma-debug's EEXIST false positive", () => {
    for (const kernel of ["6.6", "6.12"]) {
      const r = run(KMALLOC, { kernel });
      expect(r.ok, kernel).toBe(true);
      expect(step(r, 0).ret).toBe(lin(kernel));
      expect(step(r, 1).ret).toBe(lin(kernel, 8));
      expect(step(r, 2).dma_addr).toBe("0x33400000");
      expect(step(r, 4).dma_addr).toBe("0x33400800");
      expect(step(r, 10)).toBeDefined();
      expect(r.steps[10]!.ok && r.steps[11]!.ok).toBe(true);
      const d = r.diagnostics.filter((x) => x.id === "D19");
      expect(d.map((x) => [x.step, x.message])).toEqual([[4, "DMA-API: bcmgenet fd580000.ethernet: cacheline tracking EEXIST, overlapping mappings aren't supported"]]);
    }
  });

  it("6.18: the same bounces, and no EEXIST report (03521c892bb8: not a driver fault when the device has swiotlb)", () => {
    const r = run(KMALLOC, { kernel: "6.18" });
    expect([step(r, 2).dma_addr, step(r, 4).dma_addr]).toEqual(["0x33400000", "0x33400800"]);
    expect(r.diagnostics).toEqual([]);
    expect(r.expectations.filter((e) => !e.ok).map((e) => [e.step, e.what])).toEqual([[4, "diagnostic"]]);
  });

  it("5.15 and 6.1: kmalloc-128 objects own their cache lines: mapped in place, no bounce, no EEXIST", () => {
    for (const kernel of ["5.15", "6.1"]) {
      const r = run(KMALLOC, { kernel });
      expect(step(r, 0).ret, kernel).toBe(lin(kernel));
      expect(step(r, 1).ret, kernel).toBe(lin(kernel, 0x80));
      expect(step(r, 2).dma_addr).toBe(pa(kernel));
      expect(step(r, 4).dma_addr).toBe(pa(kernel, 0x80));
      expect(step(r, 2).bounced).toBe(false);
      expect(r.diagnostics.some((x) => x.id === "D19")).toBe(false);
      // the driver's data still arrives (cache maintenance on the original lines)
      expect(r.expectations.filter((e) => e.what === "data").every((e) => e.ok)).toBe(true);
      // only the 6.5+ expectations (bounced, D19) fail
      expect(r.ok).toBe(false);
    }
  });

  it("DMA_TO_DEVICE, coherent devices and cache-line multiples are never bounced for this reason", () => {
    const k = bootK("rpi4", "6.6");
    const nic = k.devices.get("fd580000.ethernet")!;
    expect(dma_kmalloc_needs_bounce(k, nic, 8, DMA_TO_DEVICE)).toBe(false);
    expect(dma_kmalloc_needs_bounce(k, nic, 8, DMA_BIDIRECTIONAL)).toBe(true);
    expect(dma_kmalloc_needs_bounce(k, nic, 64, DMA_FROM_DEVICE)).toBe(false);
    expect(dma_kmalloc_needs_bounce(k, nic, 96, DMA_FROM_DEVICE)).toBe(true); // kmalloc-96 is not a multiple of 64
    expect(dma_kmalloc_needs_bounce(k, nic, 200, DMA_FROM_DEVICE)).toBe(false); // kmalloc-256
    expect(dma_kmalloc_needs_bounce(k, nic, 250, DMA_FROM_DEVICE)).toBe(false); // >= 2 * ARCH_DMA_MINALIGN
    const c = bootK("arm64-coherent", "6.6");
    expect(dma_kmalloc_needs_bounce(c, [...c.devices.values()][0]!, 8, DMA_FROM_DEVICE)).toBe(false);
    const x = bootK("x86_64", "6.12");
    expect(dma_kmalloc_needs_bounce(x, [...x.devices.values()][0]!, 8, DMA_FROM_DEVICE)).toBe(false);
  });

  it("dma_map_sg: each small entry bounces on 6.6 (dma_direct_map_sg → dma_direct_map_page), a 256-byte one does not; 6.1 bounces none", () => {
    const y = (kernel: string) =>
      runYaml(
        ["name: sg", "platform: rpi4", `kernel: "${kernel}"`, "device: nic", "steps:",
          "  - op: kmalloc", "    size: 8", "    as: a",
          "  - op: kmalloc", "    size: 256", "    as: b",
          "  - op: dma_map_sg", "    entries: [{ buf: a, length: 8 }, { buf: b, length: 256 }]", "    dir: DMA_FROM_DEVICE", "    as: s",
          "  - op: device_write", "    dma_addr: " + (kernel === "6.6" ? "0x33400000" : pa(kernel)), "    data: hi",
          "  - op: dma_unmap_sg", "    map: s",
          "  - op: cpu_read", "    buf: a", "    length: 2"].join("\n"),
      );
    const r66 = y("6.6");
    expect(step(r66, 2).ret).toBe("2");
    expect(step(r66, 2).dma_addr).toBe(`0x33400000,${pa("6.6", 0x1000)}`);
    expect(step(r66, 5).data).toBe('"hi"');
    const r61 = y("6.1");
    expect(step(r61, 2).dma_addr).toBe(`${pa("6.1")},${pa("6.1", 0x1000)}`);
    expect(step(r61, 5).data).toBe('"hi"');
  });

  it("6.18 as 6.6: the size test is against dma_get_cache_alignment(), arm64's cache_line_size() 64 (6.18.35 asm/cache.h:88, dma-map-ops.h:294), not ARCH_DMA_MINALIGN 128", () => {
    // kmalloc-64 and kmalloc-192 are whole 64-byte cache lines: mapped in place; kmalloc-96 is not: bounced
    const y = (kernel: string, size: number) =>
      runYaml(["name: t", "platform: rpi4", `kernel: "${kernel}"`, "device: nic", "steps:", "  - op: kmalloc", `    size: ${size}`, "    as: b", "  - op: dma_map_single", "    buf: b", `    size: ${size}`, "    dir: DMA_FROM_DEVICE", "    as: m"].join("\n"));
    for (const kernel of ["6.6", "6.18"]) {
      for (const size of [64, 192]) {
        const r = y(kernel, size);
        expect(step(r, 1).bounced, `${kernel} ${size}`).toBe(false);
        expect(step(r, 1).dma_addr, `${kernel} ${size}`).toBe(pa(kernel));
      }
      const r96 = y(kernel, 96);
      expect(step(r96, 1).bounced, `${kernel} 96`).toBe(true);
      expect(step(r96, 1).dma_addr, `${kernel} 96`).toBe("0x33400000");
    }
  });

  it("a TO_DEVICE map of the same buffer on 6.6 goes straight to its linear address", () => {
    const r = runYaml(["name: t", "platform: rpi4", 'kernel: "6.6"', "device: nic", "steps:", "  - op: kmalloc", "    size: 8", "    as: b", "  - op: dma_map_single", "    buf: b", "    size: 8", "    dir: DMA_TO_DEVICE", "    as: m"].join("\n"));
    expect(step(r, 1).dma_addr).toBe(pa("6.6"));
    expect(step(r, 1).bounced).toBe(false);
  });
});

describe("6.2: __GFP_COMP rejected by dma_alloc_attrs (ffcb75458460)", () => {
  it("6.6, 6.12, 6.18: NULL and WARN_ON_ONCE at the version's mapping.c line; 5.15, 5.19, 6.1: a buffer", () => {
    const at: Record<string, string> = { "6.6": "kernel/dma/mapping.c:510", "6.12": "kernel/dma/mapping.c:604", "6.18": "kernel/dma/mapping.c:641" };
    for (const kernel of ["6.6", "6.12", "6.18"]) {
      const r = run(COMP, { kernel });
      expect(r.ok, kernel).toBe(true);
      expect(step(r, 0).ret).toBe("NULL");
      const w = r.faults.filter((f) => f.kind === "warn");
      expect(w.map((f) => [f.step, f.message, f.at])).toEqual([[0, "WARNING: dma_alloc_attrs: WARN_ON_ONCE(flag & __GFP_COMP)", at[kernel]]]);
    }
    for (const kernel of ["5.15", "5.19", "6.1"]) {
      const r = run(COMP, { kernel });
      expect(step(r, 0).addr_kind, kernel).toBe("vmalloc");
      expect(h(step(r, 0).dma_handle)).toBeGreaterThan(0);
      expect(r.faults.filter((f) => f.kind === "warn")).toEqual([]);
    }
  });

  it("the built CLI: --json shows the WARN with its site and the NULL; exit 0 on 6.12 (expectations are 6.2+'s), 1 on 6.1", async () => {
    const a = await runCli(["run", COMP, "--kernel", "6.12", "--json"]);
    expect(a.code).toBe(0);
    const j = JSON.parse(a.stdout) as RunResult;
    expect(j.steps[0]!.result.ret).toBe("NULL");
    expect(j.faults.map((f) => [f.kind, f.step, f.at])).toEqual([["warn", 0, "kernel/dma/mapping.c:604"]]);
    const b = await runCli(["run", COMP, "--kernel", "6.1", "--json"]);
    expect(b.code).toBe(1);
    expect((JSON.parse(b.stdout) as RunResult).faults).toEqual([]);
  }, 60_000);

  it("on every platform of 6.6 the allocation is refused before any allocator runs", () => {
    for (const p of PLATFORMS) {
      const r = run(COMP, { kernel: "6.6", platform: p.id, trace: true });
      expect(step(r, 0).ret, p.id).toBe("NULL");
      expect(r.faults.some((f) => f.step === 0 && f.message.includes("__GFP_COMP")), p.id).toBe(true);
      const t = notes(r, 0);
      expect(t, p.id).not.toContain("dma_direct_alloc");
      expect(t, p.id).not.toContain("alloc_pages");
    }
  });
});

describe("6.12: zone_dma_limit and a DMA zone above 4 GiB (ba0fb44aed47, 3be9b846896d)", () => {
  it("boot: ZONE_DMA is the reachable first GiB of RAM on 6.12, all RAM before", () => {
    const k12 = bootK("arm64-ram32g", "6.12");
    expect(k12.zone_dma_limit).toBe(0x8_3fff_ffff);
    const dma12 = k12.buddy.zones.find((z) => z.name === "DMA")!;
    expect([dma12.start_pfn, dma12.end_pfn]).toEqual([0x800000, 0x840000]);
    expect(k12.buddy.zones.map((z) => z.name)).toEqual(["DMA", "Normal"]);
    const k6 = bootK("arm64-ram32g", "6.6");
    const dma6 = k6.buddy.zones.find((z) => z.name === "DMA")!;
    expect([dma6.start_pfn, dma6.end_pfn]).toEqual([0x800000, 0x900000]);
    expect(k6.buddy.zones.map((z) => z.name)).toEqual(["DMA"]);
    // rpi4 and arm64-coherent keep their zones: the limit is clamped to U32_MAX below 4 GiB
    expect(bootK("rpi4", "6.12").zone_dma_limit).toBe(0x3fff_ffff);
    expect(bootK("arm64-coherent", "6.12").zone_dma_limit).toBe(0xffff_ffff);
    // x86 keeps the 16 MiB ISA zone: DMA_BIT_MASK(24)
    const x = bootK("x86_64", "6.12");
    expect(x.zone_dma_limit).toBe(0xff_ffff);
    expect(x.buddy.zones.find((z) => z.name === "DMA")!.end_pfn).toBe(0x1000);
  });

  it("6.12: the mask is accepted, the ring comes from CMA in ZONE_DMA, the status word bounces into the reachable GiB", () => {
    const r = run(ZONE, { kernel: "6.12", trace: true });
    expect(r.ok).toBe(true);
    expect(step(r, 0).ret).toBe("0");
    // the CMA area lies bottom-up above the kernel image from 5.11 (0x801e00000, 2 MiB aligned from 5.19), the
    // atomic pools took its first MiB; the swiotlb pool is the top of ZONE_DMA (boot order audit, stop 16:
    // 0x3e100000 and 0x3a000000 before, with the area top-down under 33 GiB)
    expect(step(r, 1).dma_handle).toBe("0x1f00000");
    expect(notes(r, 1)).toContain("GFP_DMA (zone_dma_limit 0x83fffffff)");
    expect(step(r, 5).dma_addr).toBe("0x3c000000");
    expect(r.steps[5]!.summary).toContain("swiotlb slot at phys 0x83c000000");
  });

  it("6.1 and 6.6: dma_set_mask_and_coherent(30) is -EIO; 6.6's bounce cannot even find a slot", () => {
    for (const kernel of ["6.1", "6.6"]) {
      const r = run(ZONE, { kernel, trace: true });
      expect(step(r, 0).ret, kernel).toBe("-EIO");
      expect(notes(r, 1)).toContain("no zone flag (zone_dma_bits 32)");
    }
    const r6 = run(ZONE, { kernel: "6.6" });
    expect(step(r6, 5).ret).toBe("DMA_MAPPING_ERROR");
    // the pool (top of RAM) is outside the device's dma-ranges: phys_to_dma_unencrypted(pool->start) is
    // (dma_addr_t)-1, so with 6.6.63's backported alignment series (alloc_align_mask |= IO_TLB_SIZE - 1)
    // every slot's DMA address fails the alignment test and the search finds nothing in a free pool
    expect(r6.log!.filter((l) => l.step === 5).map((l) => l.message)).toEqual(["dma-pl330 ff400000.dma-controller: swiotlb buffer is full (sz: 8 bytes), total 32768 (slots), used 0 (slots)"]);
    expect(r6.faults.filter((f) => f.kind === "warn")).toEqual([]);
  });
});

describe("dma_alloc_pages / dma_alloc_noncoherent, dma_map_resource, dma_opt_mapping_size", () => {
  const nc = (kernel: string) =>
    runYaml(
      [
        "name: nc", "platform: rpi4", `kernel: "${kernel}"`, "device: nic", "config: { CONFIG_DMA_API_DEBUG: y }", "steps:",
        "  - op: dma_alloc_noncoherent", "    size: 4096", "    dir: DMA_FROM_DEVICE", "    as: rx",
        "  - op: cpu_read", "    buf: rx", "    length: 4",
        "  - op: device_write", "    buf: rx", "    data: pkt1",
        "  - op: cpu_read", "    buf: rx", "    length: 4",
        "  - op: dma_sync_single_for_cpu", "    map: rx",
        "  - op: cpu_read", "    buf: rx", "    length: 4",
        "  - op: dma_free_noncoherent", "    buf: rx",
      ].join("\n"),
      { trace: true },
    );

  it("a cacheable linear buffer: the CPU sees stale zeroes until dma_sync_single_for_cpu, then the device's bytes (5.10–6.12)", () => {
    for (const kernel of ["5.10", "5.15", "6.1", "6.12"]) {
      const r = nc(kernel);
      expect(step(r, 0).cpu_addr, kernel).toBe(lin(kernel));
      expect(step(r, 0).dma_handle).toBe(pa(kernel));
      expect(step(r, 0).addr_kind).toBe("linear");
      expect([1, 3, 5].map((i) => step(r, i).data), kernel).toEqual(["00 00 00 00", "00 00 00 00", '"pkt1"']);
    }
  });

  it("dma_free_pages still says 'failed to check map error' up to 6.12 (the false positive 7e2368a21741 removes in 6.17); 6.18 is silent", () => {
    const r = nc("6.12");
    expect(r.diagnostics.map((d) => [d.id, d.step, d.message])).toEqual([["D08", 6, `DMA-API: bcmgenet fd580000.ethernet: device driver failed to check map error[device address=0x00000000${pa("6.12").slice(2)}] [size=4096 bytes] [mapped as single]`]]);
    const r18 = nc("6.18");
    expect(r18.diagnostics).toEqual([]);
    expect(r18.steps[5]!.result.data).toBe('"pkt1"');
  });

  it("dma_map_resource: RAM refused with WARN_ON_ONCE(pfn_valid) until a9c38c5d267c (5.16, and 5.15.y); MMIO is its own bus address", () => {
    const y = (kernel: string, phys: string) =>
      runYaml(["name: r", "platform: rpi4", `kernel: "${kernel}"`, "device: nic", "steps:", "  - op: dma_map_resource", `    phys_addr: ${phys}`, "    size: 4", "    dir: DMA_TO_DEVICE", "    as: f"].join("\n"));
    const ram510 = y("5.10", "0x1000000");
    expect(step(ram510, 0).ret).toBe("DMA_MAPPING_ERROR");
    expect(ram510.faults.map((f) => f.message)).toEqual(["WARNING: dma_map_resource: WARN_ON_ONCE(pfn_valid(PHYS_PFN(phys_addr)))"]);
    for (const kernel of ["5.15", "6.1", "6.12"]) expect(step(y(kernel, "0x1000000"), 0).ret, kernel).toBe("0x1000000");
    expect(step(y("6.12", "0xfe201000"), 0).ret).toBe("0xfe201000");
    // beyond the NIC's 32-bit mask: dev_err_once then WARN_ON_ONCE
    const far = runYaml(["name: r", "platform: rpi4", 'kernel: "6.12"', "device: nic", "steps:", "  - op: dma_map_resource", "    phys_addr: 0x600000000", "    size: 4", "    dir: DMA_TO_DEVICE"].join("\n"), { trace: true });
    expect(step(far, 0).ret).toBe("DMA_MAPPING_ERROR");
    expect(far.faults.map((f) => f.message)).toEqual(["WARNING: dma_direct_map_resource: WARN_ON_ONCE(1)"]);
    expect(notes(far, 0)).toContain("[err] bcmgenet fd580000.ethernet: DMA addr 0x0000000600000000+4 overflow (mask ffffffff, bus limit 0).");
  });

  it("dma_opt_mapping_size: dma_max_mapping_size on dma-direct (the swiotlb limit for an addressing-limited device)", () => {
    const y = (device: string) => runYaml(["name: o", "platform: rpi4", 'kernel: "6.12"', `device: ${device}`, "steps:", "  - op: dma_opt_mapping_size", "  - op: dma_max_mapping_size"].join("\n"));
    const nic = y("nic");
    expect([step(nic, 0).ret, step(nic, 1).ret]).toEqual(["SIZE_MAX", "SIZE_MAX"]);
    const mmc = y("storage");
    expect(step(mmc, 0).ret).toBe(step(mmc, 1).ret);
    expect(step(mmc, 0).ret).toBe("262144");
  });

  it("a version without the function is one input error line naming the version, exit 2 (built CLI)", async () => {
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "dmasim-6x-"));
    const f = join(dir, "opt.yaml");
    writeFileSync(f, ["name: o", "platform: rpi4", "steps:", "  - op: dma_alloc_pages", "    size: 4096", "    dir: DMA_FROM_DEVICE", "  - op: dma_opt_mapping_size"].join("\n") + "\n");
    const a = await runCli(["run", f, "--kernel", "5.6"]);
    expect(a.code).toBe(2);
    expect(a.stderr.trim().split("\n")).toEqual([`${f}:4:9: steps[0].op: dma_alloc_pages does not exist in Linux 5.6 (added in 5.10 by efa70f2fdc84 "dma-mapping: add a new dma_alloc_pages API")`]);
    const b = await runCli(["run", f, "--kernel", "5.10"]);
    expect(b.code).toBe(2);
    expect(b.stderr.trim()).toBe(`${f}:7:9: steps[1].op: dma_opt_mapping_size does not exist in Linux 5.10 (added in 6.0 by a229cc14f339 "dma-mapping: add dma_opt_mapping_size()")`);
    // 5.15 carries the 5.15.y backport
    const c = await runCli(["run", f, "--kernel", "5.15"]);
    expect(c.code).toBe(0);
    expect(findVersion("5.15")!.switches.has("a229cc14f339")).toBe(true);
    expect(findVersion("5.14")!.switches.has("a229cc14f339")).toBe(false);
  }, 60_000);
});

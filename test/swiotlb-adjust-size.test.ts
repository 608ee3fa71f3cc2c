/**
 * arm64 6.7+ (65033574ade9, "arm64: swiotlb: Reduce the default size if no ZONE_DMA bouncing needed"):
 * when all RAM lies below arm64_dma_phys_limit the swiotlb buffer exists only for kmalloc bouncing
 * (CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC), and mem_init (6.18: arch_mm_preinit) cuts it to 1 MiB per GiB of
 * RAM with swiotlb_adjust_size(min(swiotlb_size_or_default(), DIV_ROUND_UP(memblock_phys_mem_size(), 1024)))
 * (6.12.19 arch/arm64/mm/init.c:366–381, 6.18.35 :338–359; kernel/dma/swiotlb.c swiotlb_adjust_size
 * 6.12.19 :212–227). 6.6.63 (:492–499) keeps the 64 MiB default. docs/verified-facts.md, "swiotlb_adjust_size (stop 23)".
 */
import { describe, expect, it } from "vitest";
import { bootK, runYaml } from "./helpers.js";
import type { IoTlbPool } from "../src/kernel/dma/swiotlb/v6.6-pools.js";
import { swiotlb_adjust_size, swiotlb_size_or_default } from "../src/kernel/dma/swiotlb/index.js";

const MiB = 1 << 20;

function boot(p: string, v: string, set: Record<string, string>) {
  const k = bootK(p, v, set);
  const pool = k.io_tlb_default_mem as IoTlbPool | null;
  const lines = k.klog.map((l) => l.message).filter((m) => m.startsWith("software IO TLB:"));
  return { k, pool, lines, nslabs: pool?.nslabs ?? 0, nareas: pool?.nareas ?? 0 };
}

describe("65033574ade9: the kmalloc-only swiotlb buffer is 1 MiB per GiB of RAM (6.12, 6.18)", () => {
  it("rpi4 mem=1G: RAM [0, 0x3b400000) under the 30-bit ZONE_DMA limit — 512 slots, and the message says 0MB", () => {
    // memblock_phys_mem_size() = 0x3b400000 (948 MiB); DIV_ROUND_UP(, 1024) = 970,752 bytes = 474 slabs → ALIGN(, 128) = 512;
    // the message prints the IO_TLB_SIZE-aligned request >> 20 (0), not the pool; 4 areas of 128 slots need no round-up
    for (const v of ["6.12", "6.18"]) {
      const b = boot("rpi4", v, { mem: "1G" });
      expect(b.k.memblock.phys_mem_size(), v).toBe(0x3b40_0000);
      expect([b.nslabs, b.nareas, b.pool!.start, b.pool!.end], v).toEqual([512, 4, 0x3630_0000, 0x3640_0000]);
      expect(b.lines, v).toEqual([
        "software IO TLB: SWIOTLB bounce buffer size adjusted to 0MB",
        "software IO TLB: area num 4.",
        "software IO TLB: mapped [mem 0x0000000036300000-0x0000000036400000] (1MB)",
      ]);
      expect(swiotlb_size_or_default(b.k), v).toBe(MiB);
    }
  });

  it("6.6 (before the commit) keeps the 64 MiB default on the same board; 6.1 has no kmalloc bouncing and no pool", () => {
    const b66 = boot("rpi4", "6.6", { mem: "1G" });
    expect([b66.nslabs, b66.pool!.start]).toEqual([32768, 0x3240_0000]);
    expect(b66.lines).toEqual(["software IO TLB: area num 4.", "software IO TLB: mapped [mem 0x0000000032400000-0x0000000036400000] (64MB)"]);
    expect(boot("rpi4", "6.1", { mem: "1G" }).pool).toBeNull();
  });

  it("arm64-coherent and arm64-smmu at mem=2G: all RAM below the 4 GiB ZONE_DMA limit — 1,024 slots, 'adjusted to 2MB'", () => {
    for (const [p, v, base] of [["arm64-coherent", "6.12", 0xfbe0_0000], ["arm64-smmu", "6.18", 0xbbe0_0000]] as const) {
      const b = boot(p, v, { mem: "2G" });
      expect([b.nslabs, b.nareas, b.pool!.start], `${p} ${v}`).toEqual([1024, 1, base]);
      expect(b.lines[0], `${p} ${v}`).toBe("software IO TLB: SWIOTLB bounce buffer size adjusted to 2MB");
      expect(b.lines[2], `${p} ${v}`).toMatch(/\(2MB\)$/);
    }
  });

  it("RAM above the DMA limit (swiotlb is needed for ZONE_DMA bouncing): no adjustment, the 64 MiB pool", () => {
    for (const [p, mem] of [["rpi4", "2G"], ["arm64-coherent", "4G"], ["arm64-ram32g", "2G"]] as const) {
      const b = boot(p, "6.12", { mem });
      expect(b.nslabs, `${p} ${mem}`).toBe(32768);
      expect(b.lines.some((l) => l.includes("adjusted")), `${p} ${mem}`).toBe(false);
    }
  });

  it("x86_64 has no caller: no adjustment line", () => {
    expect(boot("x86_64", "6.18", { mem: "2G" }).lines.some((l) => l.includes("adjusted"))).toBe(false);
  });
});

describe("swiotlb= on the command line and swiotlb_adjust_size", () => {
  it("swiotlb=1024 keeps its size: default_nslabs is not the default, swiotlb_adjust_size returns first (no line)", () => {
    const b = boot("rpi4", "6.12", { mem: "1G", swiotlb: "1024" });
    expect([b.nslabs, b.pool!.end - b.pool!.start]).toEqual([1024, 2 * MiB]);
    expect(b.lines).toEqual(["software IO TLB: area num 4.", "software IO TLB: mapped [mem 0x0000000036200000-0x0000000036400000] (2MB)"]);
  });

  it("swiotlb=,16 names areas only: the adjustment runs with default_nareas = 16 and round_up_default_nslabs makes it 2,048 slots, 'adjusted to 4MB'", () => {
    // 2 GiB → 1,024 slabs < 16 × IO_TLB_SEGSIZE = 2,048 → default_nslabs = 2,048, size = 2,048 << 11 = 4 MiB
    const b = boot("arm64-coherent", "6.12", { mem: "2G", swiotlb: ",16" });
    expect([b.nslabs, b.nareas]).toEqual([2048, 16]);
    expect(b.lines.slice(0, 2)).toEqual(["software IO TLB: area num 16.", "software IO TLB: SWIOTLB bounce buffer size adjusted to 4MB"]);
    expect(b.lines[2]).toMatch(/\(4MB\)$/);
  });

  it("swiotlb=noforce: mem_init still adjusts (and says so), then swiotlb_init_remap returns without a pool", () => {
    const b = boot("rpi4", "6.18", { mem: "1G", swiotlb: "noforce" });
    expect(b.pool).toBeNull();
    expect(b.lines).toEqual(["software IO TLB: SWIOTLB bounce buffer size adjusted to 0MB"]);
  });

  it("swiotlb=force is not part of mem_init's test: the forced pool is the reduced one", () => {
    const b = boot("rpi4", "6.12", { mem: "1G", swiotlb: "force" });
    expect(b.nslabs).toBe(512);
    expect(b.lines[0]).toBe("software IO TLB: SWIOTLB bounce buffer size adjusted to 0MB");
  });

  it("a second call after the adjustment changes nothing (default_nslabs is no longer the default); before 6.6 the era has no model of it", () => {
    const b = boot("rpi4", "6.12", { mem: "1G" });
    const n = b.k.klog.length;
    swiotlb_adjust_size(b.k, 16 * MiB);
    expect(swiotlb_size_or_default(b.k)).toBe(MiB);
    expect(b.k.klog.length).toBe(n);
    expect(() => swiotlb_adjust_size(bootK("rpi4", "6.1", { mem: "1G" }), MiB)).toThrow(/not modelled in the 6.0 era/);
  });
});

describe("the slots a mapping gets in the reduced pool (rpi4 mem=1G, sdhci on the 30-bit soc bus: dma = phys + 0xc0000000)", () => {
  const yaml = (v: string, swiotlb?: string) => `
name: kmalloc bouncing in the reduced pool
platform: rpi4
kernel: "${v}"
config: { mem: 1G${swiotlb ? `, swiotlb: "${swiotlb}"` : ""} }
device: fe340000.mmc
steps:
  - { op: kmalloc, size: 32, as: a }
  - { op: dma_map_single, buf: a, size: 32, dir: DMA_FROM_DEVICE, as: m0 }
  - { op: kmalloc, size: 32, as: b }
  - { op: dma_map_single, buf: b, size: 32, dir: DMA_FROM_DEVICE, as: m1, cpu: 3 }
  - { op: kmalloc, size: 256K, as: c }
  - { op: dma_map_single, buf: c, size: 256K, dir: DMA_TO_DEVICE, as: m2 }
  - { op: dma_map_single, buf: c, size: 256K, dir: DMA_TO_DEVICE, as: m3 }
  - { op: dma_map_single, buf: c, size: 256K, dir: DMA_TO_DEVICE, as: m4 }
`;
  const dma = (r: ReturnType<typeof runYaml>, i: number) => r.steps[i]!.result.dma_addr;

  it("a 32-byte FROM_DEVICE kmalloc buffer bounces: CPU 0 into slot 0, CPU 3 into slot 384 (area 3 of 128) — 6.6's 64 MiB pool gives slot 24,576", () => {
    const r12 = runYaml(yaml("6.12"));
    expect([dma(r12, 1), dma(r12, 3)]).toEqual(["0xf6300000", "0xf63c0000"]); // 0x36300000 + 384 × 2 KiB
    expect([r12.steps[1]!.result.bounced, r12.steps[3]!.result.bounced]).toEqual([true, true]);
    const r66 = runYaml(yaml("6.6"));
    expect([dma(r66, 1), dma(r66, 3)]).toEqual(["0xf2400000", "0xf5400000"]); // 0x32400000 + 24,576 × 2 KiB
  });

  it("with swiotlb=force the 512 slots run out: two 256 KiB maps take areas 1 and 2, the third finds no free segment", () => {
    const r = runYaml(yaml("6.12", "force"));
    expect([dma(r, 5), dma(r, 6), dma(r, 7)]).toEqual(["0xf6340000", "0xf6380000", "0xffffffffffffffff"]);
    expect((r.log ?? []).map((l) => l.message)).toContain("sdhci-iproc fe340000.mmc: swiotlb buffer is full (sz: 262144 bytes), total 512 (slots), used 258 (slots)");
    // swiotlb=1024,force: the command line's 1,024 slots, so the third map fits
    const r2 = runYaml(yaml("6.12", "1024,force"));
    expect(dma(r2, 7)).not.toBe("0xffffffffffffffff");
  });
});

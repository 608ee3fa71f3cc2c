/**
 * Issue 8: dma-direct per version, against each version's own source (docs/verified-facts.md,
 * "dma-direct and arch layout per version"). Every test shows the version difference with real
 * addresses and messages.
 */
import { describe, expect, it } from "vitest";
import { renderTrace } from "../src/core/trace.js";
import { explain } from "../src/explain.js";
import { dma_capable, dma_to_phys, phys_to_dma } from "../src/kernel/dma/direct.js";
import { DMA_MAPPING_ERROR } from "../src/core/u64.js";
import { bootK, runYaml } from "./helpers.js";
import { dma_alloc_attrs, dma_free_attrs } from "../src/kernel/dma/mapping.js";
import { dev_update_limits } from "../src/drivers/device.js";
import { DMA_BIT_MASK } from "../src/core/u64.js";
import { GFP_KERNEL } from "../src/include/gfp.js";
import type { Kernel } from "../src/kernel.js";

const x86Low = (kernel: string) => `
name: a 24-bit device on an x86_64 PC with 2 GiB (no swiotlb pool is ever set up)
platform: x86_64
kernel: "${kernel}"
steps:
  - { op: dma_set_mask, bits: 24 }
  - { op: kmalloc, size: 4K, gfp: GFP_KERNEL, as: b }
  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_TO_DEVICE, as: m }
`;

describe("dma_direct_map_page with no swiotlb pool (x86_64, 2 GiB, 24-bit mask): per version", () => {
  it("5.19 (07410559f383): is_swiotlb_active(dev) is false, so the dev_WARN_ONCE overflow with a 16-digit %pad and DMA_MAPPING_ERROR", () => {
    const r = runYaml(x86Low("5.19"), { set: { mem: "2G" }, trace: true });
    // the lowest order-3 block of ZONE_DMA32 after boot's allocations (5.10+: FPI_TO_TAIL, 7fef431be9c9), past
    // the 63 pages (0x3000–0x303e) the first order-0 refill of the pcp list took
    expect(r.steps[1]!.result.ret).toBe("0xffff888003040000");
    expect(r.steps[2]!.result.ret).toBe("DMA_MAPPING_ERROR");
    expect(r.faults).toHaveLength(1);
    expect(r.faults[0]!.kind).toBe("warn");
    expect(r.faults[0]!.message).toBe("snd_hda_intel 0000:02:00.0: DMA addr 0x0000000003040000+4096 overflow (mask ffffff, bus limit 0).");
    const text = renderTrace(r.steps[2]!.trace).join("\n");
    expect(text).toContain("is_swiotlb_active(dev): no");
    expect(text).not.toContain("swiotlb_map");
  });

  it("5.14 and 5.13: swiotlb_force is SWIOTLB_NORMAL, so swiotlb_map is called with no pool and swiotlb_tbl_map_single panics", () => {
    for (const kernel of ["5.13", "5.14"]) {
      const r = runYaml(x86Low(kernel), { set: { mem: "2G" }, trace: true });
      expect(r.ok, kernel).toBe(false);
      expect(r.faults.at(-1)!.message).toContain("Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer");
      const text = renderTrace(r.steps[2]!.trace).join("\n");
      expect(text).toContain("swiotlb_force != SWIOTLB_NO_FORCE: yes");
      expect(text).toContain("swiotlb_map");
    }
  });

  it("5.6 and 5.10 take the same branch: dma_direct_map_page calls swiotlb_map although no pool exists", () => {
    // 5.6 frees boot memory to the head of the free lists (the zone's top block first), 5.10 to the tail (7fef431be9c9);
    // the kmalloc-4k slab (order 3) comes after the 63 pages the first pcp refill took
    for (const [kernel, buf] of [["5.6", "0x7dc40000"], ["5.10", "0x3040000"]] as const) {
      const r = runYaml(x86Low(kernel), { set: { mem: "2G" }, trace: true });
      const text = renderTrace(r.steps[2]!.trace).join("\n");
      expect(text, kernel).toContain(`dma_capable(dev, dma_addr, size, true): no — ${buf}+0x1000 is beyond min(dma_mask 0xffffff, bus_dma_limit)`);
      expect(text, kernel).toContain("swiotlb_force != SWIOTLB_NO_FORCE: yes — swiotlb_map is called although no swiotlb pool was ever set up");
      expect(text, kernel).not.toContain("DMA addr");
    }
  });
});

describe("phys_to_dma / dma_to_phys: 5.6 dma_pfn_offset vs the 5.10+ dma_range_map (e0d072782c73)", () => {
  // rpi4 emmc2: dma-ranges <0xc0000000 0x0 0x0 0x40000000>: bus 0xc0000000 = cpu 0, 1 GiB
  it("a physical address above the 1 GiB window: 5.6 still offsets it (0x1_0000_0000), 5.10+ gives DMA_MAPPING_ERROR; both are not dma_capable", () => {
    const k6 = bootK("rpi4", "5.6");
    const k10 = bootK("rpi4", "5.10");
    const d6 = k6.devices.get("fe340000.mmc")!;
    const d10 = k10.devices.get("fe340000.mmc")!;
    expect(phys_to_dma(k6, d6, 0x4000_0000)).toBe(0x1_0000_0000);
    expect(phys_to_dma(k10, d10, 0x4000_0000)).toBe(DMA_MAPPING_ERROR);
    expect(phys_to_dma(k6, d6, 0x3fff_f000)).toBe(0xffff_f000);
    expect(phys_to_dma(k10, d10, 0x3fff_f000)).toBe(0xffff_f000);
    expect(dma_capable(k6, d6, 0x1_0000_0000, 4096, true)).toBe(false);
    expect(dma_capable(k10, d10, DMA_MAPPING_ERROR, 4096, true)).toBe(false);
    expect(dma_capable(k6, d6, 0xffff_f000, 4096, true)).toBe(true);
  });

  it("a bus address below the window: 5.6 wraps it below physical 0, 5.10+ returns (phys_addr_t)-1", () => {
    const k6 = bootK("rpi4", "5.6");
    const k10 = bootK("rpi4", "5.10");
    expect(dma_to_phys(k6, k6.devices.get("fe340000.mmc")!, 0x1000)).toBe(0x1000 - 0xc000_0000);
    expect(dma_to_phys(k10, k10.devices.get("fe340000.mmc")!, 0x1000)).toBe(-1);
  });
});

describe("arm64 zones on a board without dma-ranges (arm64-coherent, RAM from 2 GiB)", () => {
  const zones = (kernel: string) => bootK("arm64-coherent", kernel).buddy.zones.map((z) => `${z.name} ${(z.start_pfn * 4096).toString(16)}-${(z.end_pfn * 4096).toString(16)}`);
  it("5.6 and 5.10: ZONE_DMA is the first GiB above the 1 GiB-aligned start of RAM (ARM64_ZONE_DMA_BITS 30), ZONE_DMA32 up to 4 GiB", () => {
    for (const kernel of ["5.6", "5.10"]) expect(zones(kernel), kernel).toEqual(["DMA 80000000-c0000000", "DMA32 c0000000-100000000", "Normal 100000000-280000000"]);
  });
  it("5.13, 5.14, 5.19 (8424ecdde7df, 791ab8b2e3db): zone_dma_bits = 32, ZONE_DMA is all RAM below 4 GiB and ZONE_DMA32 is empty", () => {
    for (const kernel of ["5.13", "5.14", "5.19"]) expect(zones(kernel), kernel).toEqual(["DMA 80000000-100000000", "Normal 100000000-280000000"]);
  });
  it("rpi4 (dma-ranges capped at 1 GiB) has a 1 GiB ZONE_DMA in every version", () => {
    for (const kernel of ["5.6", "5.10", "5.14", "5.19"]) expect(bootK("rpi4", kernel).buddy.zones[0]!.end_pfn * 4096, kernel).toBe(0x4000_0000);
  });
});

describe("dma_direct_alloc conditions printed as each era evaluates them", () => {
  it("5.19 (a86d10942db2): NO_KERNEL_MAPPING test, then the !dev_is_dma_coherent block, remap = DMA_DIRECT_REMAP, dma_direct_use_pool", () => {
    const t = explain("dma_alloc_coherent", { platform: "rpi4", kernel: "5.19", size: 4096, gfp: 0x820 }).lines.join("\n");
    expect(t).toContain("(attrs & DMA_ATTR_NO_KERNEL_MAPPING) && !force_dma_unencrypted(dev) && !is_swiotlb_for_alloc(dev): no");
    expect(t).toContain("!dev_is_dma_coherent(dev): yes");
    expect(t).toContain("remap = IS_ENABLED(CONFIG_DMA_DIRECT_REMAP): yes");
    expect(t).toContain("dma_direct_use_pool(dev, gfp): yes");
    expect(t).not.toContain("DMA_COHERENT_POOL && !gfpflags_allow_blocking(gfp)");
  });
  it("5.14: the single DMA_COHERENT_POOL && !gfpflags_allow_blocking && DMA_DIRECT_REMAP && !coherent test", () => {
    const t = explain("dma_alloc_coherent", { platform: "rpi4", kernel: "5.14", size: 4096, gfp: 0x820 }).lines.join("\n");
    expect(t).toContain("DMA_COHERENT_POOL && !gfpflags_allow_blocking(gfp) && DMA_DIRECT_REMAP && !coherent: yes");
    expect(t).not.toContain("dma_direct_use_pool");
  });
});

describe("ARM32 __dma_alloc with DMA_ATTR_NO_KERNEL_MAPPING (arch/arm/mm/dma-mapping.c, 5.6–5.19)", () => {
  const yaml = (kernel: string, attrs: string) => `
name: arm32 no kernel mapping
platform: arm32
kernel: "${kernel}"
config: { cma: 0 }
steps:
  - { op: dma_alloc_attrs, size: 16K, attrs: ${attrs}, as: b }
  - { op: dma_free_attrs, buf: b, attrs: ${attrs} }
`;
  it("the remap allocator skips the remap: the struct page pointer in mem_map is returned and recorded, no vmalloc area is made, the free finds the buffer", () => {
    for (const kernel of ["5.6", "5.14", "5.19"]) {
      const r = runYaml(yaml(kernel, "DMA_ATTR_NO_KERNEL_MAPPING"), { trace: true });
      expect(r.ok, kernel).toBe(true);
      expect(r.faults, kernel).toEqual([]);
      const cookie = Number(BigInt(String(r.steps[0]!.result.cpu_addr)));
      const pfn = Number(BigInt(String(r.steps[0]!.result.dma_handle))) / 4096;
      // FLATMEM: mem_map (0xef800000, the top of lowmem: the CMA area, if any, lies in highmem — D22) + pfn * sizeof(struct page) (32)
      expect(cookie, kernel).toBe(0xef80_0000 + 32 * pfn);
      const text = renderTrace(r.steps[0]!.trace).join("\n");
      expect(text).toContain("want_vaddr: no — DMA_ATTR_NO_KERNEL_MAPPING: no remap, no vmalloc area");
      expect(text).not.toContain("dma_common_contiguous_remap");
    }
  });
  it("without the attribute the same allocator returns a vmalloc address", () => {
    const r = runYaml(yaml("5.14", "0"), { trace: true });
    expect(r.ok).toBe(true);
    expect(r.steps[0]!.result.addr_kind).toBe("vmalloc");
    expect(renderTrace(r.steps[0]!.trace).join("\n")).toContain("dma_common_contiguous_remap");
  });
});

describe("5.19 swiotlb-xen on x86 PV (566fb90e050d rewrote xen_swiotlb_{alloc,free}_coherent for x86)", () => {
  // free pages: the buddy lists' and CPU 0's pcp lists'
  const freePages = (k: Kernel) => k.buddy.zones.reduce((n, z) => n + z.free_pages + (z.pcp?.count ?? 0), 0);
  function allocThenShrinkMaskAndFree(kernel: string) {
    const k = bootK("x86_64-xen-pv", kernel);
    const dev = k.devices.get("0000:02:00.0")!;
    dev.coherent_dma_mask = DMA_BIT_MASK(64);
    dev_update_limits(dev);
    const before = freePages(k);
    const r = dma_alloc_attrs(k, dev, 8192, GFP_KERNEL, 0)!;
    expect(r.dma_handle).toBeGreaterThan(0xffff_ffff); // a machine address above 4 GiB (16 GiB host)
    // the driver narrows the coherent mask before freeing: the handle is now beyond it
    dev.coherent_dma_mask = DMA_BIT_MASK(32);
    dev_update_limits(dev);
    dma_free_attrs(k, dev, 8192, r.cpu_addr, r.dma_handle, 0);
    return { k, leaked: before - freePages(k) };
  }
  it("5.19: WARN_ON_ONCE and return without freeing — the two pages stay allocated", () => {
    const { k, leaked } = allocThenShrinkMaskAndFree("5.19");
    expect(k.faults.map((f) => f.message)).toEqual(["WARNING: xen_swiotlb_free_coherent: WARN_ON_ONCE(dma_handle + size - 1 > dev->coherent_dma_mask)"]);
    expect(leaked).toBe(2);
  });
  it("5.14: WARN_ON, then xen_free_coherent_pages frees them anyway", () => {
    const { k, leaked } = allocThenShrinkMaskAndFree("5.14");
    expect(k.faults).toHaveLength(1);
    expect(k.faults[0]!.kind).toBe("warn");
    expect(leaked).toBe(0);
  });
});

describe("dma-debug names an unbound device by its bus (dev_driver_string falls back to the bus name)", () => {
  const yaml = (platform: string) => `
name: leak at unbind
platform: ${platform}
kernel: "5.14"
config: { CONFIG_DMA_API_DEBUG: y }
steps:
  - { op: kmalloc, size: 4K, as: b }
  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_TO_DEVICE, as: m }
  - { op: dma_mapping_error, map: m }
  - { op: driver_unbind }
`;
  it("a PCI function on x86_64 prints 'pci', a DT device on rpi4 'platform'", () => {
    const x86 = runYaml(yaml("x86_64"));
    expect(x86.diagnostics.find((d) => d.id === "D22")!.message).toMatch(/^DMA-API: pci 0000:02:00\.0: device driver has pending DMA allocations while released from device \[count=1\]/);
    const rpi = runYaml(yaml("rpi4"));
    expect(rpi.diagnostics.find((d) => d.id === "D22")!.message).toMatch(/^DMA-API: platform fe00b000\.v4l2: device driver has pending DMA allocations/);
  });
});

describe("WARN records carry the file:line the kernel prints in its WARNING line, per version", () => {
  it("dma_direct_map_page's overflow: kernel/dma/direct.h:97 in 5.19; dma_map_single_attrs's vmalloc check moves with the header", () => {
    const r = runYaml(x86Low("5.19"), { set: { mem: "2G" } });
    expect(r.faults[0]!.at).toBe("kernel/dma/direct.h:97");
    const at = (kernel: string) => runYaml(`
name: vmalloc
platform: rpi4
kernel: "${kernel}"
steps:
  - { op: vmalloc, size: 8K, as: v }
  - { op: dma_map_single, buf: v, size: 4K, dir: DMA_TO_DEVICE, as: m }
`).faults[0]!.at;
    expect(at("5.6")).toBe("include/linux/dma-mapping.h:584");
    expect(at("5.10")).toBe("include/linux/dma-mapping.h:275");
    expect(at("5.14")).toBe("include/linux/dma-mapping.h:318");
    expect(at("5.19")).toBe("include/linux/dma-mapping.h:326");
    expect(at("5.13")).toBeUndefined(); // no 5.13 tree was read
  });
});

describe("dma_direct_map_sg failure (c81be74e7d79, 5.15): -EIO inside, 0 from dma_map_sg either way", () => {
  const yaml = (kernel: string) => `
name: sg beyond the mask, no swiotlb
platform: rpi4
kernel: "${kernel}"
config: { swiotlb: noforce }
steps:
  - { op: kmalloc, size: 4K, as: b }
  - { op: dma_map_sg, entries: [{ buf: b, length: 4K }], dir: DMA_TO_DEVICE, as: s }
`;
  it("5.19 returns -EIO from dma_direct_map_sg, 5.14 returns 0; both give the driver 0", () => {
    for (const [kernel, inner] of [["5.19", "-EIO"], ["5.14", "0"]] as const) {
      const r = runYaml(yaml(kernel), { trace: true });
      const text = renderTrace(r.steps[1]!.trace).join("\n");
      expect(text, kernel).toContain(`← dma_direct_map_sg = ${inner}`);
      expect(text, kernel).toContain(kernel === "5.19" ? "← dma_map_sg_attrs = 0 (ops returned -5)" : "← dma_map_sg_attrs = 0");
      expect(r.steps[1]!.result.ret, kernel).toBe("0");
    }
  });
});

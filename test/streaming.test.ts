/**
 * Streaming DMA (issue "Streaming DMA"): bounce decisions with real bus addresses, cache
 * maintenance with real bytes, and the bundled driver-bug scenarios with their evidence.
 */
import { describe, expect, it } from "vitest";
import { explain } from "../src/explain.js";
import { h, run, runYaml } from "./helpers.js";

describe("rpi4 (4 GiB): buffers above 1 GiB bounce into the 0xC0000000 window (R-MASK-03, R-SWI-02)", () => {
  const yaml = (gfp: string) => `
name: bounce decision
platform: rpi4
kernel: "5.13"
steps:
  - { op: kmalloc, size: 4K, gfp: "${gfp}", as: b }
  - { op: cpu_write, buf: b, data: "to the device" }
  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_TO_DEVICE, as: m }
  - { op: device_read, map: m, length: 13, expect: { data: "to the device" } }
  - { op: dma_unmap_single, map: m }
`;
  it("a buffer above 1 GiB bounces: the DMA address is a swiotlb slot below 1 GiB + 0xC0000000", () => {
    const r = runYaml(yaml("GFP_KERNEL"));
    expect(r.ok).toBe(true);
    const va = h(r.steps[0]!.result.ret);
    const phys = va + 2 ** 48; // linear map: PAGE_OFFSET 0xffff000000000000, PHYS_OFFSET 0
    expect(phys).toBeGreaterThanOrEqual(2 ** 30);
    const dma = h(r.steps[2]!.result.dma_addr);
    expect(r.steps[2]!.result.bounced).toBe(true);
    expect(dma).toBeGreaterThanOrEqual(0xc000_0000);
    expect(dma).toBeLessThan(0x1_0000_0000);
    expect(dma - 0xc000_0000).not.toBe(phys);
  });

  it("a buffer below 1 GiB does not bounce: DMA address = phys + 0xC0000000", () => {
    const r = runYaml(yaml("GFP_KERNEL|GFP_DMA"));
    expect(r.ok).toBe(true);
    const phys = h(r.steps[0]!.result.ret) + 2 ** 48;
    expect(phys).toBeLessThan(2 ** 30);
    expect(r.steps[2]!.result.bounced).toBe(false);
    expect(h(r.steps[2]!.result.dma_addr)).toBe(phys + 0xc000_0000);
  });

  it("explain dma_map_single on rpi4 shows the bounce decision and why", () => {
    const r = explain("dma_map_single", { platform: "rpi4", kernel: "5.13", size: 4096 });
    const text = r.lines.join("\n");
    expect(text).toContain("dma_direct_map_page");
    expect(text).toMatch(/dma_capable\(dev, dma_addr, size, true\): no — phys 0x[0-9a-f]+ is outside the device's dma-ranges/);
    expect(text).toMatch(/swiotlb_force != SWIOTLB_NO_FORCE: yes — bounce through swiotlb/);
    expect(text).toContain("swiotlb_tbl_map_single");
    expect(r.result.bounced).toBe(true); // a boolean, as in the run's step result (was the string "true")
  });

  it("with mem=1G swiotlb is not set up, nothing bounces", () => {
    const r = runYaml(yaml("GFP_KERNEL"), { set: { mem: "1G" } });
    expect(r.ok).toBe(true);
    expect(r.steps[2]!.result.bounced).toBe(false);
  });
});

describe("swiotlb copy-back on unmap (R-SWI-03)", () => {
  const yaml = `
name: copy-back count
platform: x86_64
steps:
  - { op: kmalloc, size: 4K, as: b }
  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_FROM_DEVICE, as: m }
  - { op: device_write, map: m, data: "reply" }
  - { op: dma_unmap_single, map: m }
  - { op: cpu_read, buf: b, length: 5, expect: { data: "reply" } }
`;
  const bounces = (kernel: string) => {
    const r = runYaml(yaml, { kernel, trace: true, set: { swiotlb: "force" } });
    expect(r.ok).toBe(true);
    return r.steps[3]!.trace.filter((e) => e.kind === "swiotlb" && e.op === "bounce").length;
  };
  it("5.13/5.14 copy a bounced FROM_DEVICE buffer back twice (sync for cpu, then unmap); 5.19 once (9e02977bfad0)", () => {
    expect(bounces("5.13")).toBe(2);
    expect(bounces("5.14")).toBe(2);
    expect(bounces("5.19")).toBe(1);
  });
  it("5.15 copies back once: 5.15.178 carries 9e02977bfad0 as a stable backport (direct.h:117–118)", () => {
    expect(bounces("5.15")).toBe(1);
  });
});

describe("caches: the missing dma_sync_single_for_cpu (R-STR-11)", () => {
  it.each(["rpi4", "arm32"])("%s (non-coherent): the second packet reads as the first from stale lines", (platform) => {
    const r = run("scenarios/drivers/missing-sync.yaml", { platform });
    expect(r.ok).toBe(false);
    expect(r.steps[4]!.result.data).toBe('"packet-1"');
    expect(r.steps[6]!.result.data).toBe('"packet-1"');
    expect(r.first_failure).toContain('expected "packet-2"');
  });

  it("c50f11c6196f (5.19): a FROM_DEVICE map cleans instead of invalidating, so lines the driver touched before the map stay cached (R-STR-11)", () => {
    const yaml = `
name: zeroed then mapped
platform: rpi4
steps:
  - { op: kmalloc, size: 2K, gfp: "GFP_KERNEL|GFP_DMA", as: b }
  - { op: cpu_write, buf: b, data: { fill: 0, length: 2048 } }
  - { op: dma_map_single, buf: b, size: 2K, dir: DMA_FROM_DEVICE, as: m }
  - { op: device_write, map: m, data: "packet-1" }
  - { op: cpu_read, buf: b, length: 8 }
`;
    // 5.13: the map invalidated the zeroed lines, so the unsynced read happens to see the packet
    expect(runYaml(yaml, { kernel: "5.13" }).steps[4]!.result.data).toBe('"packet-1"');
    // 5.19: the lines were cleaned and are still cached: the unsynced read sees the zeros
    expect(runYaml(yaml, { kernel: "5.19" }).steps[4]!.result.data).toBe("00 00 00 00 00 00 00 00");
    // with the sync for the CPU both are right
    expect(run("scenarios/drivers/missing-sync-fixed.yaml", { platform: "rpi4", kernel: "5.19" }).ok).toBe(true);
  });

  it.each(["x86_64", "arm64-coherent"])("%s (coherent): the device snoops, the CPU reads the device's bytes", (platform) => {
    const r = run("scenarios/drivers/missing-sync.yaml", { platform });
    expect(r.ok).toBe(true);
    expect(r.steps[6]!.result.data).toBe('"packet-2"');
  });

  it.each(["rpi4", "rpi4-xen", "arm32", "x86_64", "arm64-coherent"])("%s: with the syncs the receive loop is correct", (platform) => {
    const r = run("scenarios/drivers/missing-sync-fixed.yaml", { platform });
    expect(r.ok).toBe(true);
    expect(r.faults).toEqual([]);
  });

  it("the trace shows the invalidate arch_sync_dma_for_cpu does on rpi4", () => {
    const r = run("scenarios/drivers/missing-sync-fixed.yaml", { platform: "rpi4", trace: true });
    const ev = r.steps[4]!.trace;
    expect(ev.some((e) => e.kind === "call" && e.fn === "arch_sync_dma_for_cpu")).toBe(true);
    expect(ev.some((e) => e.kind === "cache" && e.op === "invalidate")).toBe(true);
  });
});

describe("bundled driver bugs and their evidence", () => {
  it("wrong direction: a reply written into a TO_DEVICE bounce buffer is never copied back (R-STR-17, R-SWI-03)", () => {
    const r = run("scenarios/drivers/wrong-direction.yaml", { platform: "rpi4" });
    expect(r.steps[2]!.result.bounced).toBe(true);
    expect(r.steps[4]!.result.data).toBe('"command"');
    expect(r.steps[7]!.result.data).toBe('"command"');
    expect(r.ok).toBe(false);
  });

  it("sync in the wrong direction: D11 and D12 (R-STR-16)", () => {
    const r = run("scenarios/drivers/sync-wrong-direction.yaml", {});
    expect(r.ok).toBe(true);
    const ids = r.diagnostics.map((d) => d.id);
    expect(ids).toEqual(["D11", "D12"]);
    expect(r.diagnostics[0]!.message).toContain("syncs DMA memory with different direction");
    expect(r.diagnostics[1]!.message).toContain("syncs device read-only DMA memory for cpu");
  });

  it("unmap with the wrong size: D03, and the bounced tail is lost (R-STR-04)", () => {
    const r = run("scenarios/drivers/unmap-wrong-size.yaml", {});
    expect(r.diagnostics[0]!.id).toBe("D03");
    expect(r.diagnostics[0]!.message).toContain("[map size=4096 bytes] [unmap size=2048 bytes]");
    // the CPU's view at offset 2048 is what the object held before the DMA: zeroes but for SLUB's stale free pointer
    // there (the middle of kmalloc-4k: set_freepointer's link to the slab's next object, 0xffff0000f7e01000)
    expect(r.steps[5]!.result.data).toBe("00 10 e0 f7 00 00 ff ff " + Array(12).fill("00").join(" "));
    expect(r.ok).toBe(false);
  });

  it("unchecked mapping error: D08 at unmap (R-STR-01)", () => {
    const r = run("scenarios/drivers/unchecked-mapping-error.yaml", {});
    expect(r.ok).toBe(true);
    expect(r.diagnostics.map((d) => d.id)).toEqual(["D08"]);
    expect(r.diagnostics[0]!.step).toBe(3);
    expect(r.diagnostics[0]!.message).toMatch(/failed to check map error\[device address=0x[0-9a-f]{16}\] \[size=1500 bytes\]/);
  });

  it("vmalloc buffer: every modelled kernel refuses it, 5.6 included (4544b9f25e70 is mainline 5.5) (R-ADDR-02)", () => {
    for (const kernel of ["5.6", "5.10", "5.13", "5.19"]) {
      const r = run("scenarios/drivers/map-vmalloc.yaml", { kernel });
      expect(r.ok, kernel).toBe(true);
      expect(r.faults[0]!.kind).toBe("warn");
      expect(r.faults[0]!.message).toBe("bcm2835-codec fe00b000.v4l2: rejecting DMA map of vmalloc memory");
      expect(r.steps[1]!.result.ret).toBe("DMA_MAPPING_ERROR");
      expect(r.diagnostics.map((d) => d.id)).not.toContain("D18");
    }
  });

  it("stack buffer on arm32: D15 maps memory from stack (R-ADDR-03)", () => {
    const r = run("scenarios/drivers/map-stack.yaml", {});
    expect(r.ok).toBe(true);
    expect(r.diagnostics[0]!.message).toContain("device driver maps memory from stack");
  });

  it("leak found at unbind: D22 with the leaked entry (R-STR-08)", () => {
    const r = run("scenarios/drivers/leak-at-unbind.yaml", {});
    expect(r.ok).toBe(true);
    expect(r.diagnostics[0]!.message).toContain("device driver has pending DMA allocations while released from device [count=1]");
    expect(r.diagnostics[0]!.message).toContain("[size=4096 bytes] [mapped with DMA_BIDIRECTIONAL] [mapped as single]");
  });

  it("swiotlb buffer is full — leak, fragmentation and oversize are told apart (R-SWI-07, R-SWI-01)", () => {
    const leak = run("scenarios/drivers/swiotlb-full-leak.yaml", {});
    expect(leak.ok).toBe(true);
    expect(leak.steps[5]!.result.swiotlb_full).toBe("exhausted");
    expect(leak.log!.find((l) => l.step === 5)!.message).toContain("swiotlb buffer is full (sz: 4096 bytes), total 256 (slots), used 256 (slots)");
    expect(leak.faults).toEqual([]); // a dev_warn, not a WARN splat
    expect(leak.steps[5]!.summary).toContain("held by 2 live mappings");
    const frag = run("scenarios/drivers/swiotlb-full-fragmented.yaml", {});
    expect(frag.ok).toBe(true);
    expect(frag.steps[8]!.result.swiotlb_full).toBe("fragmented");
    expect(frag.log!.find((l) => l.step === 8)!.message).toContain("total 256 (slots), used 128 (slots)");
    expect(frag.steps[8]!.summary).toContain("largest free run is 64 slots");
    const big = run("scenarios/drivers/swiotlb-full-oversize.yaml", {});
    expect(big.ok).toBe(true);
    expect(big.steps[2]!.result.swiotlb_full).toBe("oversize");
    expect(big.log!.find((l) => l.step === 2)!.message).toContain("(sz: 266240 bytes), total 32768 (slots), used 0 (slots)");
  });

  it("arm64-ram32g 6.6: the pool at the top of RAM is outside the 30-bit window; a full pool told from fragmentation (6.6.63 swiotlb.c:1053–1061)", () => {
    // 6.6.63: ZONE_DMA = all RAM (max_zone_phys, DRAM above 4 GiB), swiotlb forced by DMA_BOUNCE_UNALIGNED_KMALLOC,
    // memblock_alloc_low below arm64_dma_phys_limit - 1: the pool at 0x8f8000000, outside bus 0-1 GiB = phys 32-33 GiB
    const r = run("scenarios/drivers/rx-ring.yaml", { platform: "arm64-ram32g", kernel: "6.6" });
    expect(r.log!.find((l) => l.step === -1 && l.message.startsWith("software IO TLB: mapped"))!.message).toBe(
      "software IO TLB: mapped [mem 0x00000008f8000000-0x00000008fc000000] (64MB)",
    );
    expect(r.steps[1]!.result.dma_addr).toBe("0xffffffffffffffff");
    expect(r.steps[1]!.result.swiotlb_full).toBe("unreachable");
    expect(r.steps[1]!.summary).toContain("the pool at phys 0x8f8000000 is outside the device's dma-ranges");
    expect(r.log!.find((l) => l.step === 1)!.message).toContain("swiotlb buffer is full (sz: 2048 bytes), total 32768 (slots), used 0 (slots)");
    // 6.12.19: zone_dma_limit follows the dma-ranges (ZONE_DMA = 32-33 GiB): the pool lands inside the window and bounces
    const r12 = run("scenarios/drivers/rx-ring.yaml", { platform: "arm64-ram32g", kernel: "6.12" });
    expect(r12.log!.find((l) => l.step === -1 && l.message.startsWith("software IO TLB: mapped"))!.message).toBe(
      "software IO TLB: mapped [mem 0x000000083c000000-0x0000000840000000] (64MB)",
    );
    expect(r12.steps[1]!.result.dma_addr).toBe("0x3c000000");
    // 6.1.166: no pool (max_pfn is not above arm64_dma_phys_limit = end of RAM, no kmalloc bouncing before 6.5)
    const r61 = run("scenarios/drivers/rx-ring.yaml", { platform: "arm64-ram32g", kernel: "6.1" });
    expect(r61.log!.some((l) => l.message.startsWith("software IO TLB"))).toBe(false);
  });
});

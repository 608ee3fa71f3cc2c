/**
 * cd9c05848905 (6.15, in 6.18.35; not in 6.12.19): xen_swiotlb_map_page bounces a small kmalloc
 * buffer for a non-coherent device (dma_kmalloc_needs_bounce), as dma-direct has since 6.5. On the
 * Pi 4 under Xen, two kmalloc(8) objects share a cache line: on 6.12 the CPU's write to the
 * neighbour during the DMA is written back over the device's bytes at unmap; on 6.18 the device
 * writes a swiotlb slot and both buffers keep their bytes.
 */
import { describe, expect, it } from "vitest";
import { renderTrace } from "../src/core/trace.js";
import { runYaml } from "./helpers.js";

const yaml = (kernel: string, dir = "DMA_FROM_DEVICE") => `
name: xen kmalloc bounce
platform: rpi4-xen
kernel: "${kernel}"
steps:
  - { op: kmalloc, size: 8, gfp: "GFP_KERNEL|GFP_DMA", as: a }
  - { op: kmalloc, size: 8, gfp: "GFP_KERNEL|GFP_DMA", as: b }
  - { op: dma_map_single, buf: a, size: 8, dir: ${dir}, as: m }
  - { op: cpu_write, buf: b, data: "neighbor" }
  - { op: device_write, map: m, data: "from dev" }
  - { op: dma_unmap_single, map: m }
  - { op: cpu_read, buf: a, length: 8 }
  - { op: cpu_read, buf: b, length: 8 }
`;

describe("swiotlb-xen: dma_kmalloc_needs_bounce in xen_swiotlb_map_page (cd9c05848905)", () => {
  it("6.18: an 8-byte kmalloc buffer (reachable, GFP_DMA) bounces; the device's bytes and the neighbour's both survive", () => {
    const r = runYaml(yaml("6.18"), { trace: true });
    expect(r.ok).toBe(true);
    expect(r.steps[0]!.result.ret).toBe("0xffff000000001000");
    expect(r.steps[1]!.result.ret).toBe("0xffff000000001008");
    expect(r.steps[2]!.result.bounced).toBe(true);
    expect(r.steps[2]!.result.dma_addr).toBe("0xec000000");
    expect(r.steps[6]!.result.data).toBe('"from dev"');
    expect(r.steps[7]!.result.data).toBe('"neighbor"');
    expect(renderTrace(r.steps[2]!.trace).join("\n")).toContain("dma_kmalloc_needs_bounce: 8 bytes could share a cache line");
  });

  it("6.12 (6.12.19 has no backport): mapped in place at 0xc0001000; the neighbour's dirty line is written back over the device's bytes", () => {
    const r = runYaml(yaml("6.12"), { trace: true });
    expect(r.steps[2]!.result.bounced).toBe(false);
    expect(r.steps[2]!.result.dma_addr).toBe("0xc0001000");
    // the line written back holds a's bytes from before the DMA: its stale free pointer (kmalloc-8: offset 0) to b
    expect(r.steps[6]!.result.data).toBe("08 10 00 00 00 00 ff ff");
    expect(r.steps[7]!.result.data).toBe('"neighbor"');
  });

  it("6.18, DMA_TO_DEVICE is kmalloc-safe (clean only): no bounce", () => {
    const r = runYaml(yaml("6.18", "DMA_TO_DEVICE"));
    expect(r.steps[2]!.result.bounced).toBe(false);
    expect(r.steps[2]!.result.dma_addr).toBe("0xc0001000");
  });
});

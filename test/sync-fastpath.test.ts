/**
 * f406c8e4b770 (6.10) "dma: avoid redundant calls for sync operations": on 6.12/6.18 a coherent
 * dma-direct device that called dma_set_mask (dma_setup_need_sync) and never bounced has
 * dev->dma_skip_sync set, and dma_sync_* return in the inline wrapper: no mapping.c call, no
 * tracepoint. A non-coherent device, CONFIG_DMA_API_DEBUG, or the first swiotlb bounce keep them.
 */
import { describe, expect, it } from "vitest";
import type { TraceEvent } from "../src/core/trace.js";
import { ftraceLines } from "../src/format/ftrace.js";
import { renderTrace } from "../src/core/trace.js";
import { runYaml } from "./helpers.js";

const calls = (ev: readonly TraceEvent[]) => ev.filter((e) => e.kind === "call").map((e) => (e as { fn: string }).fn);
const TASK = "        scenario-1000    [000] .....     0.000000: ";

const yaml = (kernel: string, o: { platform?: string; setMask?: boolean; bits?: number; gfp?: string } = {}) => `
name: sync fast path
platform: ${o.platform ?? "x86_64"}
kernel: "${kernel}"
steps:
  - { op: ${o.setMask === false ? "kmalloc, size: 64, as: pad" : `dma_set_mask_and_coherent, bits: ${o.bits ?? 64}`} }
  - { op: kmalloc, size: 4K, gfp: "${o.gfp ?? "GFP_KERNEL"}", as: b }
  - { op: cpu_write, buf: b, data: "ping" }
  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_BIDIRECTIONAL, as: m }
  - { op: device_write, map: m, data: "pong" }
  - { op: dma_sync_single_for_cpu, map: m }
  - { op: cpu_read, buf: b, length: 4, expect: { data: "pong" } }
  - { op: dma_sync_single_for_device, map: m }
  - { op: dma_unmap_single, map: m }
`;

describe("6.10+ dma_dev_need_sync: skipped syncs leave no call and no tracepoint", () => {
  it("x86_64 (coherent) 6.12 and 6.18 after dma_set_mask: the syncs stop in the inline wrapper; only map/unmap events", () => {
    for (const kernel of ["6.12", "6.18"]) {
      const r = runYaml(yaml(kernel), { trace: true });
      expect(r.ok, kernel).toBe(true);
      const ev = r.steps.flatMap((s) => ftraceLines(s.trace));
      expect(ev.map((l) => l.slice(TASK.length).split(":")[0]), kernel).toEqual(kernel === "6.12" ? ["dma_map_page", "dma_unmap_page"] : ["dma_map_phys", "dma_unmap_phys"]);
      expect(calls(r.steps[5]!.trace), kernel).toEqual(["dma_sync_single_for_cpu"]);
      expect(calls(r.steps[7]!.trace), kernel).toEqual(["dma_sync_single_for_device"]);
      const text = renderTrace(r.steps[5]!.trace).join("\n");
      expect(text).toContain("dma_dev_need_sync(dev): no");
    }
  });

  it("6.6 (before f406c8e4b770) calls into mapping.c and dma-direct for the same syncs", () => {
    const r = runYaml(yaml("6.6"), { trace: true });
    expect(r.ok).toBe(true);
    expect(calls(r.steps[5]!.trace)).toEqual(["dma_sync_single_for_cpu", "dma_direct_sync_single_for_cpu"]);
    expect(calls(r.steps[7]!.trace)).toEqual(["dma_sync_single_for_device", "dma_direct_sync_single_for_device"]);
  });

  it("6.12 without dma_set_mask (dma_skip_sync stays 0): the syncs run and are traced", () => {
    // dma-kmalloc-4k: a ZONE_DMA slab, below 4 GiB, so no bounce for the default 32-bit mask (GFP_DMA32 picks no
    // kmalloc cache: new_slab fixes it up with "Unexpected gfp" and the slab comes from ZONE_NORMAL)
    const r = runYaml(yaml("6.12", { setMask: false, gfp: "GFP_KERNEL|GFP_DMA" }), { trace: true });
    expect(r.steps[3]!.result.bounced).toBe(false);
    expect(r.ok).toBe(true);
    const ev = r.steps.flatMap((s) => ftraceLines(s.trace));
    expect(ev).toContain(TASK + `dma_sync_single_for_cpu: 0000:02:00.0 dir=BIDIRECTIONAL dma_addr=${r.steps[3]!.result.dma_addr!.toString().slice(2)} size=4096`);
    expect(calls(r.steps[5]!.trace)).toEqual(["dma_sync_single_for_cpu", "__dma_sync_single_for_cpu", "dma_direct_sync_single_for_cpu"]);
  });

  it("6.12 with CONFIG_DMA_API_DEBUG: dma_dev_need_sync is always true", () => {
    const r = runYaml(yaml("6.12").replace('kernel: "6.12"', 'kernel: "6.12"\nconfig: { CONFIG_DMA_API_DEBUG: true }'), { trace: true });
    expect(r.ok).toBe(true);
    expect(calls(r.steps[5]!.trace).slice(0, 3)).toEqual(["dma_sync_single_for_cpu", "__dma_sync_single_for_cpu", "dma_direct_sync_single_for_cpu"]);
  });

  it("6.12, a 32-bit mask and a buffer above 4 GiB: the first swiotlb bounce clears dma_skip_sync, the sync copies the device's bytes back", () => {
    const r = runYaml(yaml("6.12", { bits: 32 }), { trace: true });
    expect(r.ok, r.first_failure ?? "").toBe(true);
    expect(r.steps[3]!.result.bounced).toBe(true);
    const text = renderTrace(r.steps[3]!.trace).join("\n");
    expect(text).toContain("dma_reset_need_sync: first swiotlb buffer for the device, dev->dma_skip_sync = 0");
    expect(calls(r.steps[5]!.trace)).toContain("swiotlb_sync_single_for_cpu");
    const ev = r.steps.flatMap((s) => ftraceLines(s.trace)).map((l) => l.slice(TASK.length).split(":")[0]);
    // swiotlb_map's trace_swiotlb_bounced fires inside the map, before dma_map_page_attrs traces the result
    expect(ev).toEqual(["swiotlb_bounced", "dma_map_page", "dma_sync_single_for_cpu", "dma_sync_single_for_device", "dma_unmap_page"]);
  });

  it("rpi4 (non-coherent GENET/v4l2) 6.12: dma_skip_sync is 0 after dma_set_mask, the syncs do cache maintenance", () => {
    const r = runYaml(yaml("6.12", { platform: "rpi4", bits: 32, gfp: "GFP_KERNEL|GFP_DMA" }), { trace: true });
    expect(r.ok, r.first_failure ?? "").toBe(true);
    expect(calls(r.steps[5]!.trace)).toContain("arch_sync_dma_for_cpu");
    expect(r.steps.flatMap((s) => ftraceLines(s.trace)).some((l) => l.includes("dma_sync_single_for_cpu:"))).toBe(true);
  });
});

/**
 * The swiotlb:swiotlb_bounced tracepoint (include/trace/events/swiotlb.h, 5.6–6.18) where the
 * kernel fires it — swiotlb_map's first statement (dma-direct), xen_swiotlb_map_page before its
 * swiotlb_tbl_map_single, dma-iommu's bounce — in each version's format: the global swiotlb_force
 * (NORMAL / FORCE / NO_FORCE) before c6af2aa9ffc9 (5.19), is_swiotlb_force_bounce(dev) after; and
 * ftrace's context columns per version (kernel/trace/trace_output.c: pid %-5d before 795d6379a47b,
 * 5.9; four latency columns before 54357f0c9149, 5.15). Before this, dmasim fired no such event.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { ftraceLines } from "../src/format/ftrace.js";
import { runYaml } from "./helpers.js";

const map = (kernel: string, platform = "rpi4", gfp = "GFP_DMA") => `
name: one bounced map
platform: ${platform}
kernel: "${kernel}"
steps:
  - { op: kmalloc, size: 1500, gfp: ${gfp}, as: b }
  - { op: dma_map_single, buf: b, size: 1500, dir: DMA_TO_DEVICE, as: m }
  - { op: dma_unmap_single, map: m }
`;

const lines = (yaml: string, set: Record<string, string> = {}) => runYaml(yaml, { trace: true, set }).steps.flatMap((s) => ftraceLines(s.trace));

describe("swiotlb:swiotlb_bounced", () => {
  it("dma-direct, swiotlb=force on the Pi 4: the original's DMA address, FORCE, and each version's context columns", () => {
    const want: Record<string, string> = {
      "5.6": "        scenario-1000  [000] ....     0.000000: ",
      "5.10": "        scenario-1000    [000] ....     0.000000: ",
      "5.14": "        scenario-1000    [000] ....     0.000000: ",
      "5.15": "        scenario-1000    [000] .....     0.000000: ",
      "6.1": "        scenario-1000    [000] .....     0.000000: ",
    };
    for (const [kernel, ctx] of Object.entries(want)) {
      const l = lines(map(kernel), { swiotlb: "force" });
      expect(l, kernel).toEqual([ctx + "swiotlb_bounced: dev_name: fe00b000.v4l2 dma_mask=ffffffff dev_addr=c0008000 size=1500 FORCE"]);
    }
    // 6.12 and 6.18 also fire events/dma; swiotlb_bounced comes first (inside the map), then the map event
    const l612 = lines(map("6.12"), { swiotlb: "force" });
    expect(l612[0]).toBe("        scenario-1000    [000] .....     0.000000: swiotlb_bounced: dev_name: fe00b000.v4l2 dma_mask=ffffffff dev_addr=c0008000 size=1500 FORCE");
    expect(l612[1]).toMatch(/: dma_map_page: fe00b000\.v4l2 dir=TO_DEVICE dma_addr=f3400000 size=1500 phys_addr=8000 attrs=$/);
  });

  it("no bounce (a GFP_DMA buffer inside the window), no event; 5.6 on a buffer above it: dma_pfn_offset arithmetic, no range check", () => {
    expect(lines(map("5.6", "rpi4", "GFP_KERNEL"))).toEqual(["        scenario-1000  [000] ....     0.000000: swiotlb_bounced: dev_name: fe00b000.v4l2 dma_mask=ffffffff dev_addr=1b7f20000 size=1500 NORMAL"]);
    for (const kernel of ["5.10", "6.1"]) expect(lines(map(kernel)), kernel).toEqual([]);
  });

  it("a restricted-dma-pool device: 5.15.178 still prints the global swiotlb_force (NORMAL), 6.1 the device's force_bounce (FORCE) — c6af2aa9ffc9", () => {
    const y = readFileSync(new URL("../scenarios/swiotlb/restricted-dma-pool.yaml", import.meta.url), "utf8");
    const ev = (kernel: string) => lines(y.replace('kernel: "6.1"', `kernel: "${kernel}"`)).filter((l) => l.includes("swiotlb_bounced"));
    expect(ev("5.15")).toEqual(["        scenario-1000    [000] .....     0.000000: swiotlb_bounced: dev_name: fe00b000.v4l2 dma_mask=ffffffff dev_addr=c0008000 size=2048 NORMAL"]);
    expect(ev("6.1")).toEqual(["        scenario-1000    [000] .....     0.000000: swiotlb_bounced: dev_name: fe00b000.v4l2 dma_mask=ffffffff dev_addr=c0008000 size=2048 FORCE"]);
  });

  it("swiotlb-xen on rpi4-xen: fired before the slot is taken, with xen_phys_to_dma of the original (all ones: outside the v4l2 dma-ranges)", () => {
    for (const kernel of ["5.10", "6.1"]) {
      const r = runYaml(map(kernel, "rpi4-xen", "GFP_KERNEL"), { trace: true });
      const s = r.steps[1]!;
      expect(s.result.bounced, kernel).toBe(true);
      const t = s.trace.filter((e) => e.kind === "tracepoint" || (e.kind === "call" && e.fn === "swiotlb_tbl_map_single"));
      expect(t.map((e) => e.kind), kernel).toEqual(["tracepoint", "call"]);
      expect(ftraceLines(s.trace)[0]!.split(": ").slice(1).join(": "), kernel).toBe("swiotlb_bounced: dev_name: fe00b000.v4l2 dma_mask=ffffffff dev_addr=ffffffffffffffff size=1500 NORMAL");
    }
  });
});

describe("swiotlb_tbl_map_single's trace entry names the version's parameters", () => {
  it("6.6 has alloc_size; 6.12 and 6.18 have not (327e2c97c46a, 6.10: the size is computed inside)", () => {
    const args = (kernel: string) => {
      const s = runYaml(map(kernel), { trace: true, set: { swiotlb: "force" } }).steps[1]!;
      const call = s.trace.find((e) => e.kind === "call" && e.fn === "swiotlb_tbl_map_single") as { args?: Record<string, string> } | undefined;
      expect(call, kernel).toBeDefined();
      return Object.keys(call!.args ?? {});
    };
    expect(args("6.6")).toEqual(["orig_addr", "mapping_size", "alloc_size", "alloc_align_mask", "dir", "attrs"]);
    for (const kernel of ["6.12", "6.18"]) expect(args(kernel), kernel).toEqual(["orig_addr", "mapping_size", "alloc_align_mask", "dir", "attrs"]);
  });
});

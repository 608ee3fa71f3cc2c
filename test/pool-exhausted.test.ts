/**
 * kernel/dma/pool.c dma_alloc_from_pool when the atomic pool is full: WARN(1, "Failed to get
 * suitable pool for %s") in every version until 56c430c7f06d "dma/pool: distinguish between missing
 * and exhausted atomic pools" (6.19; stable in 6.1.166 and 6.18.35, not in 6.6.63 or 6.12.19), which
 * prints WARN(!(gfp & __GFP_NOWARN), "DMA pool exhausted for %s") when a pool was tried and was full
 * (6.1.166 pool.c:282 — the unifreq mirror's :280, shifted by its downstream 2 MiB-pool patch —, 6.18.35
 * :282). Before this dmasim printed the old WARN on every version. 6.12.19's old WARN is at :279 (the
 * wishday mirror's :277, the same downstream patch).
 */
import { describe, expect, it } from "vitest";
import { runYaml } from "./helpers.js";

const yaml = (kernel: string) => `
name: exhaust the 128 KiB atomic pool
platform: rpi4
kernel: "${kernel}"
steps:
  - { op: dma_alloc_coherent, size: 64K, gfp: GFP_ATOMIC, as: a }
  - { op: dma_alloc_coherent, size: 64K, gfp: GFP_ATOMIC, as: b }
  - { op: dma_alloc_coherent, size: 64K, gfp: GFP_ATOMIC, as: c }
  - { op: dma_alloc_coherent, size: 64K, gfp: "GFP_ATOMIC|__GFP_NOWARN", as: d }
`;

const warns = (kernel: string) => {
  const r = runYaml(yaml(kernel), { set: { coherent_pool: "128K" } });
  expect(r.steps.map((s) => s.result.cpu_addr === "NULL"), kernel).toEqual([false, false, true, true]);
  return r.faults.map((f) => `${f.step} ${f.kind} ${f.message} | ${f.report?.find((l) => l.startsWith("WARNING: ")) ?? ""}`);
};

describe("an exhausted atomic pool (coherent_pool=128K, GFP_ATOMIC)", () => {
  it("5.10, 6.6 and 6.12: WARN \"Failed to get suitable pool\", __GFP_NOWARN or not", () => {
    expect(warns("5.10")).toEqual([
      "2 warn Failed to get suitable pool for fe00b000.v4l2 | WARNING: CPU: 0 PID: 1000 at kernel/dma/pool.c:282 dma_alloc_from_pool+0x…/0x…",
      "3 warn Failed to get suitable pool for fe00b000.v4l2 | WARNING: CPU: 0 PID: 1000 at kernel/dma/pool.c:282 dma_alloc_from_pool+0x…/0x…",
    ]);
    for (const [kernel, line] of [["6.6", 279], ["6.12", 279]] as const) {
      expect(warns(kernel).map((w) => w.replace(/ \| .*/, "")), kernel).toEqual([
        "2 warn Failed to get suitable pool for fe00b000.v4l2",
        "3 warn Failed to get suitable pool for fe00b000.v4l2",
      ]);
      expect(warns(kernel)[0], kernel).toContain(`at kernel/dma/pool.c:${line} dma_alloc_from_pool`);
    }
  });

  it("6.1 (6.1.166) and 6.18: \"DMA pool exhausted\" at their own line, and __GFP_NOWARN silences it", () => {
    for (const [kernel, line] of [["6.1", 282], ["6.18", 282]] as const) {
      expect(warns(kernel), kernel).toEqual([`2 warn DMA pool exhausted for fe00b000.v4l2 | WARNING: CPU: 0 PID: 1000 at kernel/dma/pool.c:${line} dma_alloc_from_pool+0x…/0x…`]);
    }
  });
});

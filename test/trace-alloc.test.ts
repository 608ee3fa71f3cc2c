/**
 * events/dma dma_alloc / dma_free (038eb433dc14, 6.12; "dir=" from 3afff779a725, 6.13) with the
 * version's show_gfp_flags table (include/trace/events/mmflags.h; ca29a0bf1221, 6.15, reorders
 * the single bits) and gfp values (6.4 dropped __GFP_ATOMIC; GFP_NOWAIT has __GFP_NOWARN by 6.12).
 */
import { describe, expect, it } from "vitest";
import { ftraceLines } from "../src/format/ftrace.js";
import { show_gfp_flags } from "../src/include/trace/events/mmflags.js";
import { parseGfp } from "../src/include/gfp.js";
import { bootK, runYaml } from "./helpers.js";

const TASK = "        scenario-1000    [000] .....     0.000000: ";
const yaml = (kernel: string) => `
name: alloc trace
platform: rpi4
kernel: "${kernel}"
steps:
  - { op: dma_alloc_coherent, size: 8K, gfp: "GFP_KERNEL|__GFP_NOWARN|__GFP_ZERO", as: c }
  - { op: dma_free_coherent, buf: c }
  - { op: dma_alloc_coherent, size: 4K, gfp: "GFP_ATOMIC", as: d }
`;

describe("dma_alloc / dma_free tracepoints", () => {
  it("6.12: no dir field; the flags in 6.12's table order", () => {
    const r = runYaml(yaml("6.12"), { trace: true, set: { no_hash_pointers: "y" } }) // %p as the address (the boot option); hashed by default: test/trace-hash-ptr.test.ts;
    expect(r.ok).toBe(true);
    expect(r.steps.flatMap((s) => ftraceLines(s.trace))).toEqual([
      TASK + "dma_alloc: fe00b000.v4l2 dma_addr=f7580000 size=8192 virt_addr=ffff800081b88000 flags=GFP_KERNEL|__GFP_NOWARN|__GFP_ZERO attrs=",
      TASK + "dma_free: fe00b000.v4l2 dma_addr=f7580000 size=8192 virt_addr=ffff800081b88000 attrs=",
      TASK + "dma_alloc: fe00b000.v4l2 dma_addr=f7480000 size=4096 virt_addr=ffff800081a86000 flags=GFP_ATOMIC attrs=",
    ]);
  });

  it("6.18: dir=BIDIRECTIONAL, and the single bits in bit order (__GFP_ZERO before __GFP_NOWARN)", () => {
    const r = runYaml(yaml("6.18"), { trace: true, set: { no_hash_pointers: "y" } });
    expect(r.ok).toBe(true);
    expect(r.steps.flatMap((s) => ftraceLines(s.trace))).toEqual([
      TASK + "dma_alloc: fe00b000.v4l2 dir=BIDIRECTIONAL dma_addr=f7580000 size=8192 virt_addr=ffff800081b88000 flags=GFP_KERNEL|__GFP_ZERO|__GFP_NOWARN attrs=",
      TASK + "dma_free: fe00b000.v4l2 dir=BIDIRECTIONAL dma_addr=f7580000 size=8192 virt_addr=ffff800081b88000 attrs=",
      TASK + "dma_alloc: fe00b000.v4l2 dir=BIDIRECTIONAL dma_addr=f7480000 size=4096 virt_addr=ffff800081a86000 flags=GFP_ATOMIC attrs=",
    ]);
  });

  it("6.6 and 6.1 have no events/dma", () => {
    for (const kernel of ["6.1", "6.6"]) {
      const r = runYaml(yaml(kernel), { trace: true });
      expect(r.ok, kernel).toBe(true);
      expect(r.steps.flatMap((s) => ftraceLines(s.trace)), kernel).toEqual([]);
    }
  });

  it("show_gfp_flags: none for 0, leftover bits as 0x%lx, each version's composites", () => {
    const k612 = bootK("rpi4", "6.12");
    const k618 = bootK("rpi4", "6.18");
    expect(show_gfp_flags(k612, 0)).toBe("none");
    expect(show_gfp_flags(k612, parseGfp("GFP_KERNEL", "6.12") | 0x200)).toBe("GFP_KERNEL|0x200"); // 0x200: ___GFP_UNUSED_BIT
    expect(show_gfp_flags(k612, parseGfp("GFP_NOWAIT", "6.12"))).toBe("GFP_NOWAIT");
    expect(show_gfp_flags(k612, parseGfp("GFP_KERNEL|__GFP_DMA32|__GFP_ACCOUNT", "6.12"))).toBe("GFP_KERNEL_ACCOUNT|GFP_DMA32");
    expect(show_gfp_flags(k612, parseGfp("__GFP_HIGHMEM|__GFP_WRITE|__GFP_HIGH", "6.12"))).toBe("__GFP_HIGHMEM|__GFP_HIGH|__GFP_WRITE");
    expect(show_gfp_flags(k618, parseGfp("__GFP_HIGHMEM|__GFP_WRITE|__GFP_HIGH", "6.18"))).toBe("__GFP_HIGHMEM|__GFP_HIGH|__GFP_WRITE");
    expect(show_gfp_flags(k612, parseGfp("__GFP_WRITE|__GFP_NOWARN|__GFP_COMP|__GFP_MOVABLE", "6.12"))).toBe("__GFP_NOWARN|__GFP_COMP|__GFP_MOVABLE|__GFP_WRITE");
    expect(show_gfp_flags(k618, parseGfp("__GFP_WRITE|__GFP_NOWARN|__GFP_COMP|__GFP_MOVABLE", "6.18"))).toBe("__GFP_MOVABLE|__GFP_WRITE|__GFP_NOWARN|__GFP_COMP");
  });
});

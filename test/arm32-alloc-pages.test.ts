/**
 * Issue 11: dma_alloc_pages / dma_alloc_noncoherent on 32-bit ARM. 5.10–5.19: arm_dma_ops (and
 * arm_coherent_dma_ops) set .alloc_pages = dma_direct_alloc_pages, .free_pages = dma_direct_free_pages
 * (arch/arm/mm/dma-mapping.c, checked in 5.10.7, 5.12.9, 5.14, 5.15.178, 5.19;
 * docs/verified-facts.md "arm_dma_ops.alloc_pages"), so mapping.c reaches dma-direct through the ops
 * table; from 6.0 (ae626eb97376) the device has no ops and mapping.c calls dma-direct itself.
 * Either way: cacheable linear pages from CMA, the DMA handle their physical address (no dma-ranges),
 * the device's bytes visible to the CPU only after dma_sync_single_for_cpu, the pages back on free.
 * These runs use mem=512M, a board without highmem, so the CMA area is lowmem (0x1c000000); on the
 * default 1 GiB board it lies in highmem (D22, boot order audit) — see the last test.
 */
import { describe, expect, it } from "vitest";
import { runYaml } from "./helpers.js";
import { InputError } from "../src/core/faults.js";
import type { RunResult } from "../src/scenario/types.js";

const ZEROS = "00 00 00 00 00 00 00 00";

function calls(r: RunResult, i: number): string[] {
  return r.steps[i]!.trace.flatMap((e) => (e.kind === "call" ? [e.fn] : []));
}

/** allocate, CPU reads, device writes, CPU reads, sync for the CPU, CPU reads, free, allocate again */
function rx(kernel: string, api: "noncoherent" | "pages" = "noncoherent", device = "dma-engine", mem = "512M"): RunResult {
  const alloc = api === "noncoherent" ? "dma_alloc_noncoherent" : "dma_alloc_pages";
  const free = api === "noncoherent" ? "dma_free_noncoherent" : "dma_free_pages";
  return runYaml(
    [
      "name: rx", "platform: arm32", `kernel: "${kernel}"`, `device: ${device}`, `config: { mem: ${mem} }`, "steps:",
      `  - { op: ${alloc}, size: 8192, dir: DMA_FROM_DEVICE, as: rx }`,
      "  - { op: cpu_read, buf: rx, length: 8 }",
      '  - { op: device_write, buf: rx, data: "rx frame" }',
      "  - { op: cpu_read, buf: rx, length: 8 }",
      "  - { op: dma_sync_single_for_cpu, map: rx, size: 8192, dir: DMA_FROM_DEVICE }",
      "  - { op: cpu_read, buf: rx, length: 8 }",
      `  - { op: ${free}, buf: rx }`,
      `  - { op: ${alloc}, size: 8192, dir: DMA_FROM_DEVICE, as: again }`,
    ].join("\n"),
    { trace: true },
  );
}

describe("arm32 dma_alloc_noncoherent: arm_dma_ops.alloc_pages (5.10–5.19), dma-direct without ops (6.0+)", () => {
  it.each(["5.10", "5.13", "5.14", "5.15", "5.19", "6.1", "6.6", "6.12", "6.18"])("%s: a linear CMA block at 0xdc040000, dma_handle 0x1c040000 (its physical address); zeros until dma_sync_single_for_cpu, then the device's bytes; the free returns the block", (kernel) => {
    const r = rx(kernel);
    expect(r.steps.every((s) => s.ok)).toBe(true);
    const a = r.steps[0]!.result;
    expect(a.addr_kind).toBe("linear");
    expect(a.cpu_addr).toBe("0xdc040000");
    expect(a.pfn).toBe("0x1c040");
    expect(a.dma_handle).toBe("0x1c040000");
    expect(calls(r, 0)).toEqual(expect.arrayContaining(["dma_alloc_pages", "dma_direct_alloc_pages", "__dma_direct_alloc_pages", "cma_alloc"]));
    expect(calls(r, 0)).not.toContain("arm_dma_alloc");
    expect([1, 3, 5].map((i) => r.steps[i]!.result.data)).toEqual([ZEROS, ZEROS, '"rx frame"']);
    expect(calls(r, 6)).toEqual(expect.arrayContaining(["dma_free_pages", "dma_direct_free_pages", "dma_free_contiguous"]));
    // the CMA pages went back: the next allocation gets the same block
    expect(r.steps[7]!.result.dma_handle).toBe("0x1c040000");
    expect(r.faults).toEqual([]);
  });

  it("5.x dispatches through the ops table (dev->dma_ops = arm_dma_ops), 6.1 has no ops; the sync is arm_dma_ops' (5.x) or dma-direct's (6.1)", () => {
    const t = (kernel: string, i: number) => JSON.stringify(rx(kernel).steps[i]!.trace);
    for (const kernel of ["5.10", "5.15", "5.19"]) {
      expect(t(kernel, 0), kernel).toContain("dev->dma_ops = arm_dma_ops (arch/arm/mm/dma-mapping.c)");
      expect(t(kernel, 0), kernel).toContain("arm_dma_ops.alloc_pages: the ops table's page allocator");
      expect(t(kernel, 6), kernel).toContain("arm_dma_ops.free_pages: the ops table's page release");
      expect(t(kernel, 4), kernel).not.toContain("dma_direct_sync_single_for_cpu");
    }
    expect(t("6.1", 0)).toContain("the device has no dma_map_ops: dma-direct");
    expect(t("6.1", 4)).toContain("dma_direct_sync_single_for_cpu");
    expect(t("6.1", 0)).not.toContain("the ops table's page allocator");
  });

  it("5.10: dma_alloc_noncoherent is mapping.c's function; arm_dma_ops has no alloc_noncoherent, so it falls back to dma_alloc_pages", () => {
    const r = rx("5.10");
    expect(r.steps[0]!.trace[0]).toMatchObject({ kind: "call", fn: "dma_alloc_noncoherent", file: "kernel/dma/mapping.c" });
    expect(JSON.stringify(r.steps[0]!.trace)).toContain("arm_dma_ops has no alloc_noncoherent: dma_alloc_pages");
  });

  it.each(["5.10", "5.19", "6.1"])("%s dma_alloc_pages / dma_free_pages: the struct page of the same block, the same bytes after the sync", (kernel) => {
    const r = rx(kernel, "pages", "nic");
    expect(r.steps[0]!.result.ret).toBe(r.steps[0]!.result.page);
    expect(r.steps[0]!.result.dma_handle).toBe("0x1c040000");
    expect([1, 3, 5].map((i) => r.steps[i]!.result.data)).toEqual([ZEROS, ZEROS, '"rx frame"']);
    expect(r.steps[7]!.result.dma_handle).toBe("0x1c040000");
  });

  it("5.6 has no dma_alloc_noncoherent (efa70f2fdc84, 5.10): an input error naming the version", () => {
    expect(() => rx("5.6")).toThrow(InputError);
    expect(() => rx("5.6")).toThrow(/does not exist in Linux 5\.6 \(added in 5\.10 by efa70f2fdc84/);
  });

  it("the default 1 GiB board: the CMA page is highmem (D22), so 5.10–5.14 refuse it (\"Rejecting highmem page from CMA.\", NULL) and 5.15+ (92826e967535) free it and take lowmem pages from the buddy allocator", () => {
    for (const kernel of ["5.10", "5.14"]) {
      const r = rx(kernel, "noncoherent", "dma-engine", "1G");
      expect(r.steps[0]!.result.ret, kernel).toBe("NULL");
      expect(JSON.stringify(r), kernel).toContain("Rejecting highmem page from CMA.");
    }
    for (const kernel of ["5.15", "6.1", "6.18"]) {
      const a = rx(kernel, "noncoherent", "dma-engine", "1G").steps[0]!.result;
      expect([a.addr_kind, a.cpu_addr, a.dma_handle], kernel).toEqual(["linear", "0xc0002000", "0x2000"]);
    }
  });
});

/**
 * dma_alloc_pages / dma_alloc_noncoherent through dma_map_ops (kernel/dma/ops_helpers.c
 * dma_common_alloc_pages / dma_common_free_pages, 5.10+): behind an IOMMU (iommu_dma_ops 5.10–6.11,
 * intel_dma_ops 5.10, mapping.c's use_dma_iommu branch 6.12+; 5.10's iommu_dma_alloc_noncoherent) and
 * on Xen (xen_swiotlb_dma_ops). Real IOVAs, real bytes, real faults.
 */
import { describe, expect, it } from "vitest";
import { runYaml } from "./helpers.js";
import { InputError } from "../src/core/faults.js";
import type { RunResult } from "../src/scenario/types.js";

const AFTER_510 = ["5.13", "5.14", "5.15", "5.19", "6.1", "6.6", "6.12", "6.18"];

function step(r: RunResult, i: number) {
  return r.steps[i]!.result;
}

/** every function the step's trace entered, in order */
function calls(r: RunResult, i: number): string[] {
  return r.steps[i]!.trace.flatMap((e) => (e.kind === "call" ? [e.fn] : []));
}

/** The receive-buffer lifecycle of a driver: allocate, device writes, CPU reads before and after the sync, free, a late device write. */
function rx(platform: string, device: string, kernel: string, o: { size?: number; gfp?: string; set?: Record<string, string>; bits?: number } = {}): RunResult {
  const size = o.size ?? 8192;
  const r = runYaml(
    [
      "name: rx", `platform: ${platform}`, `kernel: "${kernel}"`, `device: ${device}`, "steps:",
      ...(o.bits ? [`  - { op: dma_set_mask_and_coherent, bits: ${o.bits}, expect: { returns: "0" } }`] : []),
      `  - { op: dma_alloc_noncoherent, size: ${size}, dir: DMA_FROM_DEVICE, as: rx${o.gfp ? `, gfp: ${o.gfp}` : ""} }`,
      "  - { op: cpu_read, buf: rx, length: 8 }",
      '  - { op: device_write, buf: rx, data: "rx frame" }',
      "  - { op: cpu_read, buf: rx, length: 8 }",
      `  - { op: dma_sync_single_for_cpu, map: rx, size: ${size}, dir: DMA_FROM_DEVICE }`,
      "  - { op: cpu_read, buf: rx, length: 8 }",
      "  - { op: dma_free_noncoherent, buf: rx }",
      '  - { op: device_write, buf: rx, data: "late" }',
    ].join("\n"),
    { trace: true, set: o.set },
  );
  // with a mask step first, the steps below are numbered as without it (faults keep their own numbers)
  return o.bits ? { ...r, steps: r.steps.slice(1) } : r;
}

const ZEROS = "00 00 00 00 00 00 00 00";

describe("arm64-smmu: a non-coherent PL330 behind the SMMU", () => {
  it("5.13–6.18: one block at its linear address, an IOVA (not its physical address); stale zeros until dma_sync_single_for_cpu, then the device's bytes; free unmaps (SMMU event 0x10)", () => {
    for (const kernel of AFTER_510) {
      const r = rx("arm64-smmu", "dma-engine", kernel);
      const a = step(r, 0);
      expect(a.addr_kind, kernel).toBe("linear");
      expect(a.dma_handle, kernel).toBe("0xffffe000");
      // the physical address is elsewhere: the device uses the SMMU's translation
      expect(BigInt(String(a.pfn)) * 4096n, kernel).not.toBe(BigInt(String(a.dma_handle)));
      expect(calls(r, 0), kernel).toContain("dma_common_alloc_pages");
      expect(calls(r, 0), kernel).toContain("iommu_dma_map_page");
      expect(calls(r, 0), kernel).not.toContain("iommu_dma_alloc_remap");
      expect([1, 3, 5].map((i) => step(r, i).data), kernel).toEqual([ZEROS, ZEROS, '"rx frame"']);
      expect(calls(r, 6), kernel).toContain("dma_common_free_pages");
      expect(r.steps[7]!.ok, kernel).toBe(false);
      expect(r.faults.map((f) => [f.kind, f.step]), kernel).toEqual([["bus_error", 7]]);
      expect(r.faults[0]!.message, kernel).toContain("arm-smmu-v3 9050000.smmuv3: event 0x10 received:");
    }
  });

  it("6.12+ takes mapping.c's use_dma_iommu branch (no iommu_dma_ops); 5.13–6.6 go through iommu_dma_ops.alloc_pages", () => {
    const t = (kernel: string) => JSON.stringify(rx("arm64-smmu", "dma-engine", kernel).steps[0]!.trace);
    expect(t("6.12")).toContain("use_dma_iommu(dev)");
    expect(t("6.18")).toContain("iommu_dma_map_phys");
    expect(t("6.6")).toContain("iommu_dma_ops.map_page");
    expect(t("6.6")).not.toContain("use_dma_iommu(dev)");
  });

  it("5.10: iommu_dma_ops.alloc_noncoherent — a blocking allocation is iommu_dma_alloc_remap's cacheable vmap (a vmalloc address), an atomic one dma_common_alloc_pages' linear block; both sync and unmap the same way", () => {
    const r = rx("arm64-smmu", "dma-engine", "5.10");
    expect(step(r, 0).addr_kind).toBe("vmalloc");
    expect(step(r, 0).dma_handle).toBe("0xffffe000");
    // a function of kernel/dma/mapping.c in 5.10, an inline wrapper from 5.12 (81d88ce55092)
    expect(r.steps[0]!.trace[0]).toMatchObject({ kind: "call", fn: "dma_alloc_noncoherent", file: "kernel/dma/mapping.c" });
    expect(rx("arm64-smmu", "dma-engine", "5.13").steps[0]!.trace[0]).toMatchObject({ kind: "call", fn: "dma_alloc_noncoherent", file: "include/linux/dma-mapping.h" });
    expect(calls(r, 0)).toContain("iommu_dma_alloc_noncoherent");
    expect(calls(r, 0)).toContain("iommu_dma_alloc_remap");
    expect(calls(r, 0)).not.toContain("dma_alloc_pages");
    expect([1, 3, 5].map((i) => step(r, i).data)).toEqual([ZEROS, ZEROS, '"rx frame"']);
    expect(calls(r, 6)).toContain("iommu_dma_free_noncoherent");
    expect(r.faults.map((f) => [f.kind, f.step])).toEqual([["bus_error", 7]]);
    const at = rx("arm64-smmu", "dma-engine", "5.10", { gfp: "GFP_ATOMIC" });
    expect(step(at, 0).addr_kind).toBe("linear");
    expect(calls(at, 0)).toContain("dma_common_alloc_pages");
    expect([1, 3, 5].map((i) => step(at, i).data)).toEqual([ZEROS, ZEROS, '"rx frame"']);
    expect(at.faults.map((f) => [f.kind, f.step])).toEqual([["bus_error", 7]]);
  });

  it("a coherent NVMe behind the same SMMU sees the device's bytes at once", () => {
    const r = rx("arm64-smmu", "storage", "6.12");
    expect(step(r, 0).dma_handle).toMatch(/^0x[0-9a-f]+$/);
    expect(step(r, 3).data).toBe('"rx frame"');
  });
});

describe("x86_64-iommu: VT-d", () => {
  it("5.10 intel_dma_ops.alloc_pages, 5.13+ iommu_dma_ops / use_dma_iommu: an IOVA, the coherent device's bytes at once; with iommu.strict=1 the late write faults (DMAR)", () => {
    for (const kernel of ["5.10", ...AFTER_510]) {
      const r = rx("x86_64-iommu", "storage", kernel, { set: { "iommu.strict": "1" } });
      expect(step(r, 0).addr_kind, kernel).toBe("linear");
      expect(step(r, 0).dma_handle, kernel).toBe("0xffffe000");
      expect(calls(r, 0), kernel).toContain("dma_common_alloc_pages");
      expect([1, 3, 5].map((i) => step(r, i).data), kernel).toEqual([ZEROS, '"rx frame"', '"rx frame"']);
      expect(r.faults.map((f) => [f.kind, f.step]), kernel).toEqual([["bus_error", 7]]);
      expect(r.faults[0]!.message, kernel).toContain("DMAR: [DMA Write");
    }
    expect(JSON.stringify(rx("x86_64-iommu", "storage", "5.10").steps[0]!.trace)).toContain("intel_dma_ops.map_page");
  });

  it("lazy invalidation (x86's default): the free only queues the IOVA, so the late write still lands through the IOTLB's cached translation", () => {
    for (const kernel of ["5.10", "6.1", "6.12"]) {
      const r = rx("x86_64-iommu", "storage", kernel);
      expect(r.steps[7]!.ok, kernel).toBe(true);
      expect(r.faults, kernel).toEqual([]);
    }
  });
});

describe("Xen: xen_swiotlb_dma_ops.alloc_pages = dma_common_alloc_pages (5.10+)", () => {
  it("rpi4-xen (1:1 dom0): the bus address is the physical one; stale zeros until the sync, then the device's bytes", () => {
    for (const kernel of ["5.10", ...AFTER_510]) {
      const r = rx("rpi4-xen", "nic", kernel);
      const a = step(r, 0);
      expect(a.addr_kind, kernel).toBe("linear");
      expect(BigInt(String(a.pfn)) * 4096n, kernel).toBe(BigInt(String(a.dma_handle)));
      expect(calls(r, 0), kernel).toContain("xen_swiotlb_map_page");
      expect([1, 3, 5].map((i) => step(r, i).data), kernel).toEqual([ZEROS, ZEROS, '"rx frame"']);
      expect(calls(r, 6), kernel).toContain("xen_swiotlb_unmap_page");
      expect(r.faults, kernel).toEqual([]);
    }
  });

  it("x86_64-xen-pv: the NVMe (64-bit mask) maps the page in place at its machine address; the 32-bit NIC cannot reach that frame, so its buffer bounces through swiotlb and even a coherent device's bytes wait for the sync", () => {
    for (const kernel of ["5.10", ...AFTER_510]) {
      const one = rx("x86_64-xen-pv", "storage", kernel, { size: 4096, bits: 64 });
      expect(BigInt(String(step(one, 0).pfn)) * 4096n, kernel).not.toBe(BigInt(String(step(one, 0).dma_handle)));
      expect(calls(one, 0), kernel).not.toContain("swiotlb_tbl_map_single");
      expect([1, 3, 5].map((i) => step(one, i).data), kernel).toEqual([ZEROS, '"rx frame"', '"rx frame"']);
      const nic = rx("x86_64-xen-pv", "nic", kernel, { size: 4096 });
      expect(JSON.stringify(nic.steps[0]!.trace), kernel).toContain("is not reachable by the device");
      expect(calls(nic, 0), kernel).toContain("swiotlb_tbl_map_single");
      expect([1, 3, 5].map((i) => step(nic, i).data), kernel).toEqual([ZEROS, ZEROS, '"rx frame"']);
      expect(calls(nic, 6), kernel).toContain("swiotlb_tbl_unmap_single");
    }
  });
});

describe("where the API does not exist", () => {
  it("5.6 has no dma_alloc_noncoherent on any of the four platforms: an input error naming the version", () => {
    for (const [platform, device] of [["arm64-smmu", "dma-engine"], ["x86_64-iommu", "storage"], ["rpi4-xen", "nic"], ["x86_64-xen-pv", "nic"]] as const) {
      expect(() => rx(platform, device, "5.6"), platform).toThrow(InputError);
      expect(() => rx(platform, device, "5.6"), platform).toThrow(/dma_alloc_noncoherent does not exist in Linux 5\.6 \(added in 5\.10 by efa70f2fdc84/);
    }
  });
});

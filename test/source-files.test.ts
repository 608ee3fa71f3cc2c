/**
 * Where each version keeps a function: the trace names the file the version's own tree has it in.
 * dma_common_mmap / dma_common_get_sgtable: kernel/dma/mapping.c in 5.6 (5.6.4 mapping.c:111, :172),
 * kernel/dma/ops_helpers.c from 5.10 ("dma-mapping: move dma_common_{mmap,get_sgtable} out of
 * mapping.c"); the streaming entry points: inline in include/linux/dma-mapping.h in 5.6, mapping.c
 * from 5.9 (d3fa60d7bfdc).
 */
import { describe, expect, it } from "vitest";
import { explain } from "../src/explain.js";
import { SWITCHES, VERSIONS } from "../src/versions.js";
import { dmasim } from "./cli-spawn.js";

/** The file each call of `fn` is named with, in the explain trace of `op`. */
function filesOf(op: string, kernel: string, fn: string, platform = "rpi4-xen"): string[] {
  const r = explain(op, { platform, kernel });
  return r.events.flatMap((e) => (e.kind === "call" && e.fn === fn ? [e.file] : []));
}

const MOVE = "dma-mapping: move dma_common_{mmap,get_sgtable} out of mapping.c";

describe("dma_common_mmap / dma_common_get_sgtable: mapping.c until 5.10, ops_helpers.c after", () => {
  it("the switch is 5.10's, keyed by its patch title (its commit id is not known)", () => {
    expect(SWITCHES[MOVE]).toMatchObject({ release: "5.10", commit: MOVE });
    expect(VERSIONS.filter((v) => !v.switches.has(MOVE)).map((v) => v.id)).toEqual(["5.6"]);
  });

  it.each(VERSIONS.map((v) => v.id))("%s: the xen-swiotlb mmap and get_sgtable run the helpers, in the version's file", (kernel) => {
    const file = kernel === "5.6" ? "kernel/dma/mapping.c" : "kernel/dma/ops_helpers.c";
    expect(filesOf("dma_mmap_coherent", kernel, "dma_common_mmap")).toEqual([file]);
    expect(filesOf("dma_get_sgtable", kernel, "dma_common_get_sgtable")).toEqual([file]);
  });

  it("through the built CLI: explain on 5.6 and 5.10", async () => {
    const [a, b] = await Promise.all(["5.6", "5.10"].map((kernel) => dmasim(["explain", "dma_mmap_coherent", "--platform", "rpi4-xen", "--kernel", kernel])));
    expect(a!.code, a!.stderr).toBe(0);
    expect(b!.code, b!.stderr).toBe(0);
    expect(a!.stdout).toMatch(/^ {2}→ dma_common_mmap\(cpu_addr=0x[0-9a-f]+, size=0x10000\) {2}\[kernel\/dma\/mapping\.c\]$/m);
    expect(b!.stdout).toMatch(/^ {2}→ dma_common_mmap\(cpu_addr=0x[0-9a-f]+, size=0x10000\) {2}\[kernel\/dma\/ops_helpers\.c\]$/m);
    expect(a!.stdout).not.toContain("ops_helpers.c");
  });
});

describe("the streaming entry points: include/linux/dma-mapping.h inlines in 5.6, mapping.c from 5.9 (d3fa60d7bfdc)", () => {
  it.each([
    ["dma_map_page", "dma_map_page_attrs"],
    ["dma_unmap_page", "dma_unmap_page_attrs"],
    ["dma_sync_single_for_cpu", "dma_sync_single_for_cpu"],
    ["dma_sync_single_for_device", "dma_sync_single_for_device"],
  ])("%s: %s", (op, fn) => {
    expect(filesOf(op, "5.6", fn, "rpi4")).toEqual(["include/linux/dma-mapping.h"]);
    for (const kernel of ["5.10", "5.19", "6.6"]) expect(filesOf(op, kernel, fn, "rpi4"), kernel).toEqual(["kernel/dma/mapping.c"]);
  });
});

describe("IOMMU drivers: 5.6's files and names", () => {
  it("arm-smmu-v3: drivers/iommu/arm-smmu-v3.c until e86d1aa8b60f (5.9); iommu_tlb_sync until aae4c8e27bd7 (5.10)", () => {
    const calls = (kernel: string) => explain("dma_unmap_page", { platform: "arm64-smmu", kernel }).events.flatMap((e) => (e.kind === "call" ? [`${e.fn} ${e.file}`] : []));
    const c56 = calls("5.6");
    expect(c56).toContain("arm_smmu_unmap drivers/iommu/arm-smmu-v3.c");
    expect(c56).toContain("arm_smmu_tlb_inv_range drivers/iommu/arm-smmu-v3.c");
    expect(c56).toContain("iommu_tlb_sync include/linux/iommu.h");
    expect(c56.filter((c) => c.includes("arm/arm-smmu-v3/") || c.startsWith("iommu_iotlb_sync "))).toEqual([]);
    const c510 = calls("5.10");
    expect(c510).toContain("arm_smmu_unmap drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c");
    expect(c510).toContain("iommu_iotlb_sync include/linux/iommu.h");
    expect(c510.filter((c) => c.startsWith("iommu_tlb_sync ") || c.endsWith(" drivers/iommu/arm-smmu-v3.c"))).toEqual([]);
  });
  it("VT-d: drivers/iommu/intel-iommu.c until 672cf6df9b8a (5.8)", () => {
    const files = (kernel: string) => new Set(explain("dma_map_page", { platform: "x86_64-iommu", kernel }).events.flatMap((e) => (e.kind === "call" && /intel|iommu_flush/.test(e.fn) ? [e.file] : [])));
    expect(files("5.6")).toEqual(new Set(["drivers/iommu/intel-iommu.c"]));
    expect(files("5.10")).toEqual(new Set(["drivers/iommu/intel/iommu.c"]));
  });
});

/** scenarios/drivers/noncoherent-rx-buffer.yaml: dma_opt_mapping_size and dma_alloc_noncoherent across versions and platforms. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { run, runYaml } from "./helpers.js";
import { ftraceLines } from "../src/format/ftrace.js";
import { dmasim, ensureBuilt } from "./cli-spawn.js";

const F = "scenarios/drivers/noncoherent-rx-buffer.yaml";

describe("a non-coherent receive buffer sized with dma_opt_mapping_size", () => {
  it("rpi4, 5.15 (backport) to 6.18: 256 KiB sizes, stale zeros until dma_sync_single_for_cpu, then the device's bytes", () => {
    for (const kernel of ["5.15", "6.1", "6.6", "6.12", "6.18"]) {
      const r = run(F, { kernel });
      expect(r.ok, kernel).toBe(true);
      expect(r.steps[0]!.result.ret, kernel).toBe("262144");
      expect(r.steps[2]!.result.dma_handle, kernel).toBe("0xc0001000");
      expect(r.steps[5]!.result.data, kernel).toBe("00 00 00 00 00 00 00 00");
      expect(r.steps[7]!.result.data, kernel).toBe('"rx frame"');
    }
  });
  it("x86_64 is coherent: the device's bytes before any sync", () => {
    const r = run(F, { platform: "x86_64", kernel: "6.12" });
    expect(r.steps[5]!.result.data).toBe('"rx frame"');
    expect(r.ok).toBe(false);
  });
  it("arm64-smmu runs (dma_common_alloc_pages): an IOVA, iova_rcache_range()'s 128 KiB optimum; the coherent NVMe sees the bytes at once, the non-coherent PL330 only after the sync", () => {
    for (const kernel of ["6.1", "6.12", "6.18"]) {
      const r = run(F, { platform: "arm64-smmu", kernel });
      expect([r.steps[0]!.result.ret, r.steps[1]!.result.ret], kernel).toEqual(["131072", "SIZE_MAX"]);
      expect(r.steps[2]!.result.dma_handle, kernel).toBe("0xfffff000");
      expect(r.steps[2]!.result.addr_kind, kernel).toBe("linear");
      expect(r.steps[5]!.result.data, kernel).toBe('"rx frame"');
      expect(r.faults, kernel).toEqual([]);
      // the same steps on the SMMU's non-coherent PL330
      const pl330 = runYaml(readFileSync(F, "utf8").replace(/^platform: rpi4$/m, "platform: arm64-smmu\ndevice: dma-engine"), { kernel });
      expect(pl330.steps[2]!.result.dma_handle, kernel).toMatch(/^0xf{4}[0-9a-f]{4}$/);
      expect([3, 5, 7].map((i) => pl330.steps[i]!.result.data), kernel).toEqual(["00 00 00 00 00 00 00 00", "00 00 00 00 00 00 00 00", '"rx frame"']);
    }
  });
  it("5.19 has no dma_opt_mapping_size: the built CLI prints one line with file:line:col and exits 2", async () => {
    await ensureBuilt();
    const o = await dmasim(["run", F, "--kernel", "5.19"]);
    expect(o.code).toBe(2);
    const src = readFileSync(F, "utf8").split("\n");
    const line = src.findIndex((l) => l.includes("op: dma_opt_mapping_size")) + 1;
    const col = src[line - 1]!.indexOf("dma_opt_mapping_size") + 1; // at the op's value
    expect(o.stderr.trim().split("\n")).toEqual([`${F}:${line}:${col}: steps[0].op: dma_opt_mapping_size does not exist in Linux 5.19 (added in 6.0 by a229cc14f339 "dma-mapping: add dma_opt_mapping_size()")`]);
  });
});

describe("dma_map_resource of a peer's MMIO register (0xfe204000): dma-direct passes it through, dma-iommu gives an IOVA; 6.12 traces it", () => {
  const y = (kernel: string, platform: string) => [
    "name: r", `platform: ${platform}`, `kernel: "${kernel}"`, "device: nic", "steps:",
    "  - { op: dma_map_resource, phys_addr: 0xfe204000, size: 4, dir: DMA_TO_DEVICE, as: f }",
    "  - { op: dma_unmap_resource, map: f }",
  ].join("\n");
  const lines = (r: ReturnType<typeof runYaml>) => r.steps.flatMap((s) => ftraceLines(s.trace)).map((l) => l.replace(/^.*?: (dma_)/, "$1"));
  it("rpi4: the physical address is the bus address; dma_map_resource / dma_unmap_resource events on 6.12, dma_map_phys with MMIO on 6.18, none on 6.6", () => {
    const ev = (kernel: string) => lines(runYaml(y(kernel, "rpi4"), { trace: true }));
    expect(ev("6.6")).toEqual([]);
    expect(ev("6.12")).toEqual([
      "dma_map_resource: fd580000.ethernet dir=TO_DEVICE dma_addr=fe204000 size=4 phys_addr=fe204000 attrs=",
      "dma_unmap_resource: fd580000.ethernet dir=TO_DEVICE dma_addr=fe204000 size=4 attrs=",
    ]);
    expect(ev("6.18")).toEqual([
      "dma_map_phys: fd580000.ethernet dir=TO_DEVICE dma_addr=fe204000 size=4 phys_addr=fe204000 attrs=MMIO",
      "dma_unmap_phys: fd580000.ethernet dir=TO_DEVICE dma_addr=fe204000 size=4 attrs=MMIO",
    ]);
  });
  it("arm64-smmu: iommu_dma_map_resource maps it at IOVA 0xfffff000 on 5.19 (iommu_dma_ops) and 6.12 (mapping.c's direct call)", () => {
    for (const kernel of ["5.19", "6.12"]) {
      const r = runYaml(y(kernel, "arm64-smmu"), { trace: true });
      expect(r.ok, kernel).toBe(true);
      expect(r.steps[0]!.result.dma_addr, kernel).toBe("0xfffff000");
    }
    expect(lines(runYaml(y("6.12", "arm64-smmu"), { trace: true }))[0]).toBe("dma_map_resource: 0000:00:03.0 dir=TO_DEVICE dma_addr=fffff000 size=4 phys_addr=fe204000 attrs=");
  });
});

describe("an API call a version lacks: an input error for run, an N/A cell in a matrix", () => {
  it("noncoherent-rx-buffer's dma_opt_mapping_size: N/A on 5.6–5.14 and 5.19 (no a229cc14f339), runs on 5.15 (5.15.178's backport) and 6.x; no ERROR cell", async () => {
    const { runMatrix } = await import("../src/matrix.js");
    const { parseScenarioText } = await import("../src/scenario/parse.js");
    const file = "scenarios/drivers/noncoherent-rx-buffer.yaml";
    const s = parseScenarioText(readFileSync(file, "utf8"), file);
    const m = runMatrix([s], ["rpi4"], ["5.10", "5.15", "5.19", "6.1"]);
    expect(m.cells.map((c) => [c.kernel, c.verdict])).toEqual([["5.10", "N/A"], ["5.15", "PASS"], ["5.19", "N/A"], ["6.1", "PASS"]]);
    expect(m.cells[2]!.not_applicable).toBe('dma_opt_mapping_size does not exist in Linux 5.19 (added in 6.0 by a229cc14f339 "dma-mapping: add dma_opt_mapping_size()")');
    expect(m.counts.ERROR).toBe(0);
  });
});

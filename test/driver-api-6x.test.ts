/** scenarios/drivers/noncoherent-rx-buffer.yaml: dma_opt_mapping_size and dma_alloc_noncoherent across versions and platforms. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { NotApplicable } from "../src/core/faults.js";
import { run } from "./helpers.js";
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
  it("x86_64 is coherent: the device's bytes before any sync; arm64-smmu is n/a", () => {
    const r = run(F, { platform: "x86_64", kernel: "6.12" });
    expect(r.steps[5]!.result.data).toBe('"rx frame"');
    expect(r.ok).toBe(false);
    expect(() => run(F, { platform: "arm64-smmu", kernel: "6.12" })).toThrow(NotApplicable);
  });
  it("5.19 has no dma_opt_mapping_size: the built CLI prints one line with file:line:col and exits 2", async () => {
    await ensureBuilt();
    const o = await dmasim(["run", F, "--kernel", "5.19"]);
    expect(o.code).toBe(2);
    const line = readFileSync(F, "utf8").split("\n").findIndex((l) => l.includes("op: dma_opt_mapping_size")) + 1;
    expect(o.stderr.trim().split("\n")).toEqual([`${F}:${line}:5: steps: dma_opt_mapping_size: dma_opt_mapping_size does not exist in Linux 5.19 (added in 6.0 by a229cc14f339 "dma-mapping: add dma_opt_mapping_size()")`]);
  });
});

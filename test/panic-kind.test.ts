/**
 * panic() is a panic, not a BUG: kernel/panic.c prints "Kernel panic - not syncing: %s". The 5.13–5.15
 * swiotlb_tbl_map_single with no pool panics ("Can not allocate SWIOTLB buffer earlier and can't now
 * provide you with the DMA bounce buffer": 5.14-rc5 kernel/dma/swiotlb.c, 5.15.178 :564, before
 * 463e862ac63e). dmasim recorded it as kind "bug" with the message "kernel BUG: Kernel panic - …"
 * (a BUG line the kernel never prints); now kind "panic", which a scenario may expect
 * (`fault: panic`). The run text also printed every BUG or panic message twice (the step summary
 * and the fault line).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { runYaml } from "./helpers.js";
import { dmasim } from "./cli-spawn.js";

const MSG = "Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer";
const scenario = readFileSync(new URL("../scenarios/drivers/mask-below-ram-no-swiotlb.yaml", import.meta.url), "utf8");

describe("panic()", () => {
  it("x86_64 with 2 GiB and a 24-bit mask: 5.13, 5.14 and 5.15 panic in swiotlb_tbl_map_single; 5.19 WARNs", () => {
    for (const kernel of ["5.13", "5.14", "5.15"]) {
      const r = runYaml(scenario, { kernel });
      expect(r.faults.map((f) => [f.kind, f.message, f.pc, f.step]), kernel).toEqual([["panic", MSG, "swiotlb_tbl_map_single", 2]]);
    }
    expect(runYaml(scenario, { kernel: "5.19" }).faults.map((f) => f.kind)).toEqual(["warn"]);
    // expectable like any fault kind
    const r = runYaml(scenario.replace("expect: { returns: DMA_MAPPING_ERROR, fault: warn }", "expect: { fault: panic }"), { kernel: "5.14" });
    expect(r.ok).toBe(true);
  });

  it("run prints it once, as PANIC, and exits 1", { timeout: 120_000 }, async () => {
    const o = await dmasim(["run", "scenarios/drivers/mask-below-ram-no-swiotlb.yaml", "--kernel", "5.14"]);
    expect(o.code).toBe(1);
    expect(o.stdout.split("\n").filter((l) => l.includes("Kernel panic"))).toEqual([`      PANIC: ${MSG} (pc swiotlb_tbl_map_single)`]);
    expect(o.stdout).not.toContain("kernel BUG");
  });
});

/**
 * Two bundled scenarios that follow swiotlb fixes across the ten kernels, with the slot addresses,
 * bytes and messages each version gives: scenarios/swiotlb/min-align-full-pool.yaml (the endless
 * slot search, 7c3940bf81e5) and scenarios/swiotlb/from-device-info-leak.yaml (the
 * DMA_FROM_DEVICE info leak, ddbd89deb7d3 / aa6f8dcbab47 / 901c7280ca0d).
 */
import { describe, expect, it } from "vitest";
import { run } from "./helpers.js";

const HANG = "scenarios/swiotlb/min-align-full-pool.yaml";
const LEAK = "scenarios/swiotlb/from-device-info-leak.yaml";

/** every message the run printed, as a log line or in a fault record */
const messages = (r: ReturnType<typeof run>) => [...(r.log ?? []).map((l) => l.message), ...r.faults.map((f) => f.message)];

describe("min_align_mask into a nearly full pool: soft lockup until 7c3940bf81e5 (6.3), a clean failure after", () => {
  it("5.6 and 5.10 have no min_align_mask: the map takes a free slot", () => {
    for (const kernel of ["5.6", "5.10"]) {
      const r = run(HANG, { kernel });
      const h = r.steps.at(-1)!;
      expect(h.result.bounced, kernel).toBe(true);
      expect(h.result.dma_addr, kernel).toBe("0xf73ca000");
      expect(r.faults, kernel).toEqual([]);
    }
  });
  it("5.13 to 6.1: watchdog soft lockup in the era's own search function", () => {
    for (const [kernel, pc] of [["5.13", "find_slots"], ["5.14", "find_slots"], ["5.15", "swiotlb_find_slots"], ["5.19", "swiotlb_find_slots"], ["6.1", "swiotlb_do_find_slots"]] as const) {
      const r = run(HANG, { kernel });
      expect(r.faults.at(-1), kernel).toMatchObject({ kind: "soft_lockup", message: "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [scenario:1000]", pc });
      expect(r.ok, kernel).toBe(false);
    }
  });
  it("6.6, 6.12, 6.18: DMA_MAPPING_ERROR and 'swiotlb buffer is full' with 126 of 128 slots used (the aligned size from 6.10)", () => {
    for (const [kernel, sz] of [["6.6", 100], ["6.12", 356], ["6.18", 356]] as const) {
      const r = run(HANG, { kernel });
      expect(r.ok, kernel).toBe(true);
      expect(r.steps.at(-1)!.result.ret, kernel).toBe("DMA_MAPPING_ERROR");
      expect(messages(r), kernel).toContain(`bcm2835-codec fe00b000.v4l2: swiotlb buffer is full (sz: ${sz} bytes), total 128 (slots), used 126 (slots)`);
      expect(r.faults.some((f) => f.kind === "soft_lockup"), kernel).toBe(false);
    }
  });
});

describe("DMA_FROM_DEVICE bounce: the previous mapping's bytes up to 5.14, the buffer's own from 5.15", () => {
  it("slot 0 both times; what the device reads there", () => {
    for (const kernel of ["5.6", "5.10", "5.13", "5.14", "5.15", "5.19", "6.1", "6.6", "6.12", "6.18"]) {
      const r = run(LEAK, { kernel });
      expect(r.steps[2]!.result.dma_addr, kernel).toBe("0x7dfc0000");
      expect(r.steps[6]!.result.dma_addr, kernel).toBe("0x7dfc0000");
      const leaks = ["5.6", "5.10", "5.13", "5.14"].includes(kernel);
      expect(r.steps[7]!.result.data, kernel).toBe(JSON.stringify(leaks ? "secret key material" : "fresh buffer bytes!"));
      expect(r.ok, kernel).toBe(!leaks);
    }
  });
});

/**
 * A device_write / device_read step names the device address it used and its length in its result
 * (the step row of `run` and of the web page showed nothing for a device write): the handle plus the
 * offset, the bus address the device puts on the bus — not where the bytes land, which the trace's
 * memory line gives (dma-ranges, an IOMMU or Xen may translate it).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runYaml } from "./helpers.js";

describe("device access steps report the bus address and length they used", () => {
  it("seed-mmap on rpi4 5.10: the device writes 21 B at the coherent buffer's handle 0xf7580000; the user reads them at pfn 0x37580", () => {
    const r = runYaml(readFileSync("scenarios/seed-mmap.yaml", "utf8"), { platform: "rpi4", kernel: "5.10" });
    const w = r.steps.find((s) => s.op === "device_write")!;
    expect(w.result).toEqual({ bus: "0xf7580000", len: "21" });
    expect(r.steps[0]!.result.dma_handle).toBe("0xf7580000");
    expect(r.steps.find((s) => s.op === "user_read")!.result.data).toBe('"hello from the device"');
  });

  it("an offset is added to the handle; device_read reports its length and the bytes it read", () => {
    const y = `name: t
platform: x86_64
kernel: "5.19"
steps:
  - { op: kmalloc, size: 4K, as: b }
  - { op: cpu_write, buf: b, offset: 256, data: "abcd" }
  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_TO_DEVICE, as: m }
  - { op: device_read, map: m, offset: 256, length: 4, expect: { data: "abcd" } }
`;
    const r = runYaml(y);
    const map = r.steps[2]!.result.dma_addr as string;
    const rd = r.steps[3]!;
    expect(rd.ok).toBe(true);
    expect(rd.result.bus).toBe("0x" + (parseInt(map, 16) + 256).toString(16));
    expect(rd.result.len).toBe("4");
  });
});

/**
 * 32-bit ARM __dma_alloc's CONFIG_DMA_API_DEBUG check (arch/arm/mm/dma-mapping.c, 5.6–6.18: 5.6.4
 * :709, 5.15.178 :684, 6.1.166 :550–557, 6.18.35 :555): limit = (mask + 1) & ~mask of
 * min_not_zero(coherent_dma_mask, bus_dma_limit); a request of limit bytes or more is refused with
 * dev_warn "coherent allocation too big (requested %#x mask %#llx)" — a log line, not a WARN — and
 * NULL. Before this dmasim allocated it. A driver that assigns dev->coherent_dma_mask itself (as
 * older ISA-era drivers do) bypasses dma_supported, which refuses a 24-bit mask on this board.
 */
import { describe, expect, it } from "vitest";
import { bootK } from "./helpers.js";
import { dma_alloc_attrs } from "../src/kernel/dma/mapping.js";
import { dev_update_limits } from "../src/drivers/device.js";
import { DMA_BIT_MASK } from "../src/core/u64.js";
import { GFP_KERNEL } from "../src/include/gfp.js";

function alloc(kernel: string, size: number, debug: boolean) {
  const k = bootK("arm32", kernel, debug ? { CONFIG_DMA_API_DEBUG: "y" } : {});
  const dev = k.devices.get("fe00b000.v4l2")!;
  dev.coherent_dma_mask = DMA_BIT_MASK(24);
  dev_update_limits(dev);
  const r = dma_alloc_attrs(k, dev, size, GFP_KERNEL, 0);
  return { k, r };
}

describe("arm32 __dma_alloc: coherent allocation too big (CONFIG_DMA_API_DEBUG)", () => {
  for (const kernel of ["5.10", "6.1", "6.18"]) {
    it(`${kernel}: 16 MiB for a 24-bit coherent mask is refused with the dev_warn; 16 MiB - 4 KiB is not; without CONFIG_DMA_API_DEBUG it is allocated`, () => {
      const big = alloc(kernel, 16 << 20, true);
      expect(big.r).toBeNull();
      expect(big.k.klog.map((l) => `${l.level} ${l.message}`)).toContain("warn bcm2835-codec fe00b000.v4l2: coherent allocation too big (requested 0x1000000 mask 0xffffff)");
      expect(big.k.faults).toEqual([]); // a dev_warn, not a WARN splat
      const under = alloc(kernel, (16 << 20) - 4096, true);
      expect(under.r).not.toBeNull();
      expect(under.k.klog.some((l) => l.message.includes("coherent allocation too big"))).toBe(false);
      const nodebug = alloc(kernel, 16 << 20, false);
      expect(nodebug.r).not.toBeNull();
    });
  }
  it("16 MiB - 1 byte: 5.10's arm_dma_alloc hands __dma_alloc the caller's size (allocated); 6.1's dma_direct_alloc PAGE_ALIGNs it first (6.1.166 direct.c:215), so __dma_alloc sees 16 MiB and refuses", () => {
    expect(alloc("5.10", (16 << 20) - 1, true).r).not.toBeNull();
    const k61 = alloc("6.1", (16 << 20) - 1, true);
    expect(k61.r).toBeNull();
    expect(k61.k.klog.map((l) => l.message)).toContain("bcm2835-codec fe00b000.v4l2: coherent allocation too big (requested 0x1000000 mask 0xffffff)");
  });
});

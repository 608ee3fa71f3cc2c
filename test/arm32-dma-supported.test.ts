/**
 * 32-bit ARM 5.6–5.19 arm_dma_supported (arch/arm/mm/dma-mapping.c; 5.6.4 __dma_supported :222–240 via
 * :1096–1099, 5.10.7 / 5.15.178 / 5.19 :185–194) tests dma_to_pfn(dev, mask) >= min(max_pfn - 1,
 * arm_dma_pfn_limit). dma_to_pfn (5.6.4 asm/dma-mapping.h :43–51) adds dev->dma_pfn_offset in pfn space, so a
 * bus window below the RAM it maps does not wrap at 4 GiB of bytes; 5.10+ (asm/dma-direct.h :19–26) looks the
 * page up in the dma_range_map, (phys_addr_t)-1 when outside it. Before that, kernel/dma/mapping.c dma_set_mask /
 * dma_set_coherent_mask cast the mask to dma_addr_t (5.6.4 :341 / :359, 6.18.35 :920 / :939): 32 bits here.
 */
import { describe, expect, it } from "vitest";
import { bootK } from "./helpers.js";
import { dma_set_coherent_mask, dma_set_mask } from "../src/kernel/dma/mapping.js";
import { DMA_BIT_MASK } from "../src/core/u64.js";

/** the GENET device with a dma-ranges window: bus 0x0 → cpu 0x10000000, 768 MiB (offset +0x10000000) */
function devWithOffset(kernel: string) {
  const k = bootK("arm32", kernel);
  const dev = k.devices.get("fd580000.ethernet")!;
  dev.dma_range_map = [{ cpu_start: 0x1000_0000, dma_start: 0, size: 0x3000_0000, offset: 0x1000_0000 }];
  return { k, dev };
}

describe("arm32 arm_dma_supported: the device's dma offset, in pfn space (5.6) or through the range map (5.10–5.19)", () => {
  it("5.6: a 32-bit mask on a bus window 256 MiB below RAM is supported (pfn 0xfffff + 0x10000 = 0x10ffff >= 0x3ffff)", () => {
    const { k, dev } = devWithOffset("5.6");
    expect(dma_set_mask(k, dev, DMA_BIT_MASK(32))).toBe(0);
    expect(dev.dma_mask).toBe(0xffff_ffffn);
    expect(dma_set_coherent_mask(k, dev, DMA_BIT_MASK(32))).toBe(0);
  });
  it("5.6: 28 bits reach pfn 0x1ffff only (< 0x3ffff): -EIO; 30 bits reach 0x4ffff: 0", () => {
    const { k, dev } = devWithOffset("5.6");
    expect(dma_set_mask(k, dev, DMA_BIT_MASK(28))).toBe(-5);
    expect(dma_set_mask(k, dev, DMA_BIT_MASK(30))).toBe(0);
    expect(dev.dma_mask).toBe(DMA_BIT_MASK(30));
  });
  for (const v of ["5.10", "5.15", "5.19"]) {
    it(`${v}: the 32-bit mask's page is outside the window: (phys_addr_t)-1, pfn 0xfffff, supported; 28 and 29 bits translate below pfn 0x3ffff: -EIO, 30 bits above`, () => {
      const { k, dev } = devWithOffset(v);
      expect(dma_set_mask(k, dev, DMA_BIT_MASK(32))).toBe(0);
      expect(dma_set_mask(k, dev, DMA_BIT_MASK(28))).toBe(-5);
      expect(dma_set_mask(k, dev, DMA_BIT_MASK(29))).toBe(-5); // 0x1ffff000 + 0x10000000 → pfn 0x2ffff < 0x3ffff
      expect(dma_set_mask(k, dev, DMA_BIT_MASK(30))).toBe(0); // pfn 0x4ffff
    });
  }
});

describe("dma_set_mask / dma_set_coherent_mask cast the mask to dma_addr_t: 32 bits on ARM without LPAE", () => {
  for (const v of ["5.6", "5.10", "5.19", "6.1", "6.18"]) {
    it(`${v}: a 64-bit mask is stored as 0xffffffff on arm32, as is on x86_64`, () => {
      const k = bootK("arm32", v);
      const dev = k.devices.get("fd580000.ethernet")!;
      expect(dma_set_mask(k, dev, DMA_BIT_MASK(64))).toBe(0);
      expect(dev.dma_mask).toBe(0xffff_ffffn);
      expect(dma_set_coherent_mask(k, dev, DMA_BIT_MASK(40))).toBe(0);
      expect(dev.coherent_dma_mask).toBe(0xffff_ffffn);
      const x = bootK("x86_64", v);
      const xd = [...x.devices.values()][0]!;
      expect(dma_set_mask(x, xd, DMA_BIT_MASK(64))).toBe(0);
      expect(xd.dma_mask).toBe(DMA_BIT_MASK(64));
    });
  }
});

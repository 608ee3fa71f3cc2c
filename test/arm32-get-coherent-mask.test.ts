/**
 * 32-bit ARM 5.6 __dma_alloc takes its mask from get_coherent_dma_mask(dev) (5.6.4
 * arch/arm/mm/dma-mapping.c:242–263, :691, :713–714): a zero coherent mask gets dev_warn "coherent
 * DMA mask is unset", a mask __dma_supported(dev, mask, true) refuses gets dev_warn "Coherent DMA mask
 * %#llx (pfn %#lx-%#lx) covers a smaller range of system memory than the DMA zone pfn 0x0-%#lx"; both
 * return 0 and __dma_alloc returns NULL. 5.7 removed it ("ARM/dma-mapping: remove get_coherent_dma_mask",
 * 5.7.14 :665): 5.10 allocates from ZONE_DMA-less memory for the same mask. Before this fix dmasim's 5.6
 * ran the 5.7+ code. A driver reaches it by assigning dev->coherent_dma_mask itself (dma_set_coherent_mask
 * refuses such a mask through arm_dma_supported).
 */
import { describe, expect, it } from "vitest";
import { bootK } from "./helpers.js";
import { dma_alloc_attrs } from "../src/kernel/dma/mapping.js";
import { dev_update_limits } from "../src/drivers/device.js";
import { DMA_BIT_MASK } from "../src/core/u64.js";
import { GFP_KERNEL } from "../src/include/gfp.js";

function alloc(kernel: string, mask: bigint, size: number, set: Record<string, string> = {}) {
  const k = bootK("arm32", kernel, set);
  const dev = k.devices.get("fe00b000.v4l2")!;
  dev.coherent_dma_mask = mask;
  dev_update_limits(dev);
  const before = k.klog.length;
  const r = dma_alloc_attrs(k, dev, size, GFP_KERNEL, 0);
  return { k, r, log: k.klog.slice(before).map((l) => `${l.level} ${l.message}`) };
}

describe("arm32 5.6 get_coherent_dma_mask (removed in 5.7)", () => {
  it("5.6: a 24-bit coherent mask on a 1 GiB board is refused with __dma_supported's own dev_warn, and NULL", () => {
    const a = alloc("5.6", DMA_BIT_MASK(24), 64 << 10);
    expect(a.r).toBeNull();
    expect(a.log).toEqual(["warn bcm2835-codec fe00b000.v4l2: Coherent DMA mask 0xffffff (pfn 0-0x1000) covers a smaller range of system memory than the DMA zone pfn 0x0-0x40000"]);
    expect(a.k.faults).toEqual([]); // dev_warn, not a WARN splat
  });
  it("5.6 with CONFIG_DMA_API_DEBUG: the debug check then sees mask 0 (limit 1) and prints its own line too", () => {
    const a = alloc("5.6", DMA_BIT_MASK(24), 64 << 10, { CONFIG_DMA_API_DEBUG: "y" });
    expect(a.r).toBeNull();
    expect(a.log).toEqual([
      "warn bcm2835-codec fe00b000.v4l2: Coherent DMA mask 0xffffff (pfn 0-0x1000) covers a smaller range of system memory than the DMA zone pfn 0x0-0x40000",
      "warn bcm2835-codec fe00b000.v4l2: coherent allocation too big (requested 0x10000 mask 0)",
    ]);
  });
  it("5.6: an unset (zero) coherent mask: \"coherent DMA mask is unset\", NULL", () => {
    const a = alloc("5.6", 0n, 4096);
    expect(a.r).toBeNull();
    expect(a.log).toEqual(["warn bcm2835-codec fe00b000.v4l2: coherent DMA mask is unset"]);
  });
  it("5.6: a 32-bit mask passes (pfn 0xfffff >= 0x3ffff) and allocates, with no line", () => {
    const a = alloc("5.6", DMA_BIT_MASK(32), 64 << 10);
    expect(a.r).not.toBeNull();
    expect(a.log.filter((l) => l.includes("Coherent DMA mask") || l.includes("unset"))).toEqual([]);
  });
  it("5.10 (after the removal): the same 24-bit mask is not checked: cma_allocator returns CMA memory above 16 MiB, with no line", () => {
    const a = alloc("5.10", DMA_BIT_MASK(24), 64 << 10);
    expect(a.r).not.toBeNull();
    expect(a.r!.dma_handle).toBe(0x3804_0000); // the 64 MiB CMA area below the 768 MiB lowmem end; the device cannot reach it
    expect(a.log.filter((l) => l.includes("Coherent DMA mask"))).toEqual([]);
  });
});

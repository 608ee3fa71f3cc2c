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
import { dma_set_coherent_mask } from "../src/kernel/dma/mapping.js";
import { boot } from "../src/init.js";
import { buildConfig, resolveKernel, resolvePlatform } from "../src/scenario/config.js";

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

/**
 * Stop 19 review: arm_dma_pfn_limit is arm_dma_limit >> PAGE_SHIFT, arm_dma_limit = PHYS_OFFSET + the machine's
 * dma_zone_size - 1 (5.6.4 arch/arm/mm/init.c:109–119); 0xfffff only without one. And arm_dma_supported is
 * __dma_supported(dev, mask, false) (5.6.4 :1096–1099; the same body in 5.7–5.19, 5.10.7 :185–194), not a
 * second test of its own. A board whose machine descriptor sets a 512 MiB DMA zone (the platform's
 * arm_dma_zone_size): max_dma_pfn = min(0x3ffff, 0x1ffff).
 */
describe("arm32 __dma_supported: arm_dma_pfn_limit from the machine's dma_zone_size; arm_dma_supported is the same test", () => {
  function bootZone(kernel: string, zone: number) {
    const p = { ...resolvePlatform("arm32"), arm_dma_zone_size: zone };
    const k = boot(p, resolveKernel(kernel), buildConfig(p, {}).cfg);
    return { k, dev: k.devices.get("fe00b000.v4l2")! };
  }
  it("5.6, 512 MiB DMA zone: a 28-bit coherent mask is refused against the zone's end (pfn 0x0-0x20000); a 29-bit one allocates", () => {
    const { k, dev } = bootZone("5.6", 0x2000_0000);
    dev.coherent_dma_mask = DMA_BIT_MASK(28);
    dev_update_limits(dev);
    let before = k.klog.length;
    expect(dma_alloc_attrs(k, dev, 4096, GFP_KERNEL, 0)).toBeNull();
    expect(k.klog.slice(before).map((l) => l.message)).toEqual(["bcm2835-codec fe00b000.v4l2: Coherent DMA mask 0xfffffff (pfn 0-0x10000) covers a smaller range of system memory than the DMA zone pfn 0x0-0x20000"]);
    dev.coherent_dma_mask = DMA_BIT_MASK(29);
    dev_update_limits(dev);
    before = k.klog.length;
    const r = dma_alloc_attrs(k, dev, 4096, GFP_KERNEL, 0);
    expect(r).not.toBeNull();
    expect(r!.dma_handle).toBeLessThan(0x2000_0000); // __dma_alloc adds GFP_DMA below 4 GiB: ZONE_DMA, under the mask
    expect(k.klog.slice(before).filter((l) => l.message.includes("Coherent DMA mask"))).toEqual([]);
  });
  it("the same board without a DMA zone refuses the 29-bit mask (pfn 0x1ffff < max_pfn - 1 = 0x3ffff)", () => {
    const { k, dev } = bootZone("5.6", 0);
    dev.coherent_dma_mask = DMA_BIT_MASK(29);
    dev_update_limits(dev);
    const before = k.klog.length;
    expect(dma_alloc_attrs(k, dev, 4096, GFP_KERNEL, 0)).toBeNull();
    expect(k.klog.slice(before).map((l) => l.message)).toEqual(["bcm2835-codec fe00b000.v4l2: Coherent DMA mask 0x1fffffff (pfn 0-0x20000) covers a smaller range of system memory than the DMA zone pfn 0x0-0x40000"]);
  });
  for (const v of ["5.6", "5.10"]) {
    it(`${v}: dma_set_coherent_mask goes through arm_dma_supported, the same test: 29 bits -EIO without a DMA zone, 0 with a 512 MiB one`, () => {
      const n = bootZone(v, 0);
      expect(dma_set_coherent_mask(n.k, n.dev, DMA_BIT_MASK(29))).toBe(-5);
      const z = bootZone(v, 0x2000_0000);
      expect(dma_set_coherent_mask(z.k, z.dev, DMA_BIT_MASK(29))).toBe(0);
      expect(dma_set_coherent_mask(z.k, z.dev, DMA_BIT_MASK(28))).toBe(-5);
    });
  }
});

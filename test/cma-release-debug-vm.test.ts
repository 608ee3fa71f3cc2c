/**
 * mm/cma.c cma_release's VM_BUG_ON(pfn + count > cma->base_pfn + cma->count) (5.6.4 :526, 5.10.7 :522, 6.12.19 :574):
 * with CONFIG_DEBUG_VM a release that runs past the area's end is a BUG; without it the bits are cleared (5.6–6.14).
 * 6.15+ cma_pages_valid (c009da4258f9; 6.18.35 :945–973) refuses such a range first: false, no BUG.
 */
import { describe, expect, it } from "vitest";
import { bootK } from "./helpers.js";
import { cma_release } from "../src/mm/cma.js";
import { KernelFault } from "../src/core/faults.js";

describe("cma_release past the area's end", () => {
  it.each([["5.6", 526], ["5.10", 522], ["6.12", 574]] as const)("%s CONFIG_DEBUG_VM=y: kernel BUG at mm/cma.c:%i", (kernel, line) => {
    const k = bootK("rpi4", kernel, { cma: "64M", CONFIG_DEBUG_VM: "y" });
    const cma = k.dma_contiguous_default_area!;
    let e: unknown;
    try {
      cma_release(k, cma, cma.end_pfn - 1, 2);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(KernelFault);
    expect((e as KernelFault).message).toBe(`kernel BUG at mm/cma.c:${line}!`);
    // inside the area: no BUG
    expect(cma_release(k, cma, cma.end_pfn - 2, 2)).toBe(true);
  });
  it("5.10 without CONFIG_DEBUG_VM: accepted (VM_BUG_ON compiled out); 6.18 with it: refused by cma_pages_valid, no BUG", () => {
    const k = bootK("rpi4", "5.10", { cma: "64M" });
    expect(cma_release(k, k.dma_contiguous_default_area!, k.dma_contiguous_default_area!.end_pfn - 1, 2)).toBe(true);
    const k18 = bootK("rpi4", "6.18", { cma: "64M", CONFIG_DEBUG_VM: "y" });
    expect(cma_release(k18, k18.dma_contiguous_default_area!, k18.dma_contiguous_default_area!.end_pfn - 1, 2)).toBe(false);
  });
});

/**
 * mm/vmalloc.c __get_vm_area_node (5.6–6.18): a VM_IOREMAP area is aligned to
 * 1 << clamp(get_count_order_long(size), PAGE_SHIFT, IOREMAP_MAX_ORDER) (5.15.178 :2412–2414, 6.18.35 :3186–3188);
 * IOREMAP_MAX_ORDER is 7 + PAGE_SHIFT on the SMP 32-bit ARM board, PUD_SHIFT on arm64 / x86_64.
 */
import { describe, expect, it } from "vitest";
import { bootK } from "./helpers.js";
import { VM_IOREMAP } from "../src/mm/vmalloc.js";

describe("vmalloc: VM_IOREMAP alignment", () => {
  it("32-bit ARM: the VPU's 4 MiB memremap lands 512 KiB aligned above the atomic pool, and the next vmap takes the hole below it", () => {
    for (const v of ["5.15", "6.1"]) {
      const k = bootK("arm32", v);
      const areas = k.vmalloc.areas.map((a) => [a.caller, a.addr]);
      // atomic_pool_init's 256 KiB remap at VMALLOC_START (0xf0800000, + guard page), then the 4 MiB ioremap:
      // first fit rounded up to 512 KiB (was 0xf0841000, page-aligned, before the review)
      expect(areas.find(([c]) => c === "memremap")![1], v).toBe(0xf088_0000);
      const vm = k.vmalloc.vmap([0x38100], 0, "normal", "test")!;
      expect(vm.addr, v).toBe(0xf084_1000);
    }
  });
  it("arm64 (PUD_SHIFT cap): a 3 MiB ioremap is 4 MiB aligned, a 4 KiB one page aligned", () => {
    const k = bootK("arm64-coherent", "6.1");
    const small = k.vmalloc.get_vm_area(4096, VM_IOREMAP, "test")!;
    expect(Math.abs(small.addr % 4096)).toBe(0); // kernel addresses are negative in dmasim's signed form
    const big = k.vmalloc.get_vm_area(3 * 2 ** 20, VM_IOREMAP, "test")!;
    expect(Math.abs(big.addr % (4 * 2 ** 20))).toBe(0);
    expect(big.addr).toBeGreaterThan(small.addr);
    // ARM's cap: the same 3 MiB request only 512 KiB aligned
    const a = bootK("arm32", "6.1").vmalloc.get_vm_area(3 * 2 ** 20, VM_IOREMAP, "test")!;
    expect(a.addr % (512 * 1024)).toBe(0);
    expect(a.addr % (4 * 2 ** 20)).not.toBe(0);
  });
});

/**
 * `dmasim run --boot-log`: the kernel's messages from boot (the run's log before step 0, which
 * `--json` carries at step -1) printed before the steps, each at its printk level. A kernel
 * developer replaying the Xen thread sees where swiotlb's pool and CMA went; on 32-bit ARM without
 * LPAE the 6.18 line that hands `swiotlb=` to user space (no early_param takes it there).
 */
import { describe, expect, it } from "vitest";
import { dmasim } from "./cli-spawn.js";

describe("dmasim run --boot-log (the built CLI)", () => {
  it("rpi4-xen 5.13: CMA, swiotlb's mem_init pool and the atomic pools, in boot order, before step #0; without the option none of it", { timeout: 60_000 }, async () => {
    const o = await dmasim(["run", "scenarios/seed-mmap.yaml", "--platform", "rpi4-xen", "--kernel", "5.13", "--boot-log"]);
    expect(o.code).toBe(1); // seed-mmap's user_read fails on 5.13: the bug
    const l = o.stdout.split("\n");
    const at = l.findIndex((x) => x.startsWith("boot log"));
    expect(l[at]).toBe("boot log  (7 lines: the kernel's messages before the first step)");
    expect(l.slice(at + 1, at + 8)).toEqual([
      "  KERN_INFO: Reserved memory: created CMA memory pool at 0x0000000037400000, size 64 MiB",
      "  KERN_INFO: OF: reserved mem: initialized node linux,cma, compatible id shared-dma-pool",
      "  KERN_INFO: software IO TLB: mapped [mem 0x000000002c000000-0x0000000030000000] (64MB)",
      "  KERN_INFO: DMA: preallocated 464 KiB GFP_KERNEL pool for atomic allocations",
      "  KERN_INFO: DMA: preallocated 464 KiB GFP_KERNEL|GFP_DMA pool for atomic allocations",
      "  KERN_INFO: DMA: preallocated 464 KiB GFP_KERNEL|GFP_DMA32 pool for atomic allocations",
      "  KERN_WARNING: swiotlb buffer already initialized",
    ]);
    expect(l[at + 9]).toMatch(/^✓ #0 {2}dma_alloc_coherent /);
    const plain = await dmasim(["run", "scenarios/seed-mmap.yaml", "--platform", "rpi4-xen", "--kernel", "5.13"]);
    expect(plain.stdout).not.toContain("boot log");
    expect(plain.stdout).not.toContain("software IO TLB: mapped");
  });

  it("arm32 6.18 with swiotlb=: the notice that hands it to user space, at KERN_NOTICE", { timeout: 60_000 }, async () => {
    const o = await dmasim(["run", "scenarios/seed-mmap.yaml", "--platform", "arm32", "--kernel", "6.18", "--set", "swiotlb=65536", "--boot-log"]);
    expect(o.stdout).toContain('\n  KERN_NOTICE: Unknown kernel command line parameters "swiotlb=65536", will be passed to user space.\n');
  });
});

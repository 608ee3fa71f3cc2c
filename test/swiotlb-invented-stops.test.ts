/**
 * The two stops dmasim used to invent in swiotlb (stop 18's "found, not fixed"; docs/verified-facts.md
 * "Stop 19"), each now as the kernel behaves:
 * - swiotlb_bounce from an original that is not RAM: the memcpy's own fault through the kernel page
 *   tables (an arm64 paging request at the linear address), or — where that address is RAM — the
 *   bytes silently land there. It printed "kernel BUG: swiotlb_bounce: … is not RAM".
 * - swiotlb_tbl_unmap_single (5.6–5.11) with a size running past the pool's end: the C loop runs;
 *   the pool's last slots get counters that run past its end, and a later map takes them and
 *   bounces into the memory after the pool. It printed "kernel BUG: … outside the swiotlb pool".
 * - an address outside the pool at all: no kernel caller passes one (is_swiotlb_buffer first), so
 *   it is a dmasim internal error, not kernel output.
 */
import { describe, expect, it } from "vitest";
import { bootK } from "./helpers.js";
import { faultOf, swiotlbKernel } from "./swiotlb-kernel.js";
import { of_dma_configure } from "../src/drivers/device.js";
import { DMA_BIDIRECTIONAL, DMA_TO_DEVICE, GFP_DMA, GFP_KERNEL } from "../src/include/gfp.js";
import { IO_TLB_SIZE, swiotlb_init_with_tbl, swiotlb_sync_single_for_cpu, swiotlb_tbl_map_single, swiotlb_tbl_unmap_single } from "../src/kernel/dma/swiotlb/index.js";
import { alloc_pages } from "../src/mm/mm.js";
import { DmasimInternalError, KernelFault } from "../src/core/faults.js";

const bytes = (n: number, v: (i: number) => number) => Uint8Array.from({ length: n }, (_, i) => v(i) & 0xff);

describe("swiotlb_bounce from memory that is not RAM (5.14: a partial sync below the min_align offset wraps tlb_offset)", () => {
  function wrappedSync(mem: string) {
    const k = bootK("rpi4", "5.14", { mem, swiotlb: "force" });
    const dev = k.devices.get(k.platform.defaultDevice)!;
    dev.min_align_mask = 0xfff;
    const phys = k.page_to_phys(alloc_pages(k, GFP_KERNEL | GFP_DMA, 1, "test")); // ZONE_DMA: the first GiB
    k.cache.cpuWrite(phys, bytes(8192, () => 0x11));
    const tlb = swiotlb_tbl_map_single(k, dev, phys + 0x123, 4096, 4096, DMA_BIDIRECTIONAL, 0);
    // the mapping's second slot, at in-slot offset 0 (< 0x123): tlb_offset = (0 - 0x123) as unsigned int
    const at = Math.floor(tlb / IO_TLB_SIZE) * IO_TLB_SIZE + IO_TLB_SIZE;
    k.cache.cpuWrite(at, bytes(16, (i) => 0xa0 + i));
    const target = phys + 0x123 + 0x800 + 2 ** 32 - 0x123; // slot 1 shadows orig + 2048; + tlb_offset (0 - 0x123 as unsigned int)
    return { k, dev, at, target };
  }
  it("rpi4 4 GiB: the memcpy to phys_to_virt(orig + 4 GiB) faults at that linear address (an arm64 oops, not a BUG)", () => {
    const { k, dev, at, target } = wrappedSync("4G");
    expect(k.mem.isRam(target)).toBe(false);
    const f = faultOf(() => swiotlb_sync_single_for_cpu(k, dev, at, 16, DMA_BIDIRECTIONAL));
    expect(f.kind).toBe("oops");
    expect(f.message).toBe(`Unable to handle kernel paging request at virtual address ${k.arch.fmtVa(k.arch.__va(target)).replace(/^0x/, "")}`);
    expect(f.message).not.toContain("BUG");
  });
  it("rpi4 8 GiB: the same address is RAM: 16 bytes land 4 GiB away, silently", () => {
    const { k, dev, at, target } = wrappedSync("8G");
    expect(k.mem.isRam(target)).toBe(true);
    const before = k.faults.length;
    swiotlb_sync_single_for_cpu(k, dev, at, 16, DMA_BIDIRECTIONAL);
    expect(k.faults.length).toBe(before);
    expect(Array.from(k.cache.cpuRead(target, 16))).toEqual(Array.from(bytes(16, (i) => 0xa0 + i)));
  });
});

describe("swiotlb_bounce of an original that runs past the end of RAM (harness: virt = phys, 64 MiB of RAM at 0x80000000)", () => {
  it("5.19: the map's copy takes the RAM part, then faults at the first address that is not RAM (was: kernel BUG at the start)", () => {
    const k = swiotlbKernel("5.19", { start: 0x8000_0000, size: 64 << 20 });
    swiotlb_init_with_tbl(k, 0x8000_0000, 1024, true);
    const dev = of_dma_configure({ name: "0000:01:00.0", driver: "nvme", description: "test device", coherent: true });
    const orig = 0x8400_0000 - 2048; // the last 2 KiB of RAM, then 2 KiB of nothing
    k.cache.cpuWrite(orig, bytes(2048, (i) => i ^ 0x5a));
    const f = faultOf(() => swiotlb_tbl_map_single(k, dev, orig, 4096, 4096, DMA_TO_DEVICE, 0));
    expect(f.kind).toBe("oops");
    expect(f.message).toBe("Unable to handle kernel paging request at virtual address 84000000");
    // the slots were taken before the copy: slot 0 holds the RAM half
    expect(Array.from(k.cache.cpuRead(0x8000_0000, 2048))).toEqual(Array.from(bytes(2048, (i) => i ^ 0x5a)));
  });
});

describe("swiotlb_tbl_unmap_single (5.6–5.11) with a size past the pool's end", () => {
  const POOL = 0x8000_0000;
  const NSLABS = 1024;
  const END = POOL + NSLABS * IO_TLB_SIZE;
  for (const v of ["5.6", "5.10"]) {
    it(`${v}: no stop; the last two slots get counters 4 and 3, and the next 4-slot map bounces 4 KiB past the pool's end`, () => {
      const k = swiotlbKernel(v, { start: POOL, size: 64 << 20 });
      swiotlb_init_with_tbl(k, POOL, NSLABS, true);
      const dev = of_dma_configure({ name: "0000:01:00.0", driver: "nvme", description: "test device", coherent: true });
      const mem = k.io_tlb_default_mem!;
      mem.index = NSLABS - 2;
      const BUF = 0x8200_0000;
      k.cache.cpuWrite(BUF, bytes(8192, (i) => i));
      const t1 = swiotlb_tbl_map_single(k, dev, BUF, 4096, 4096, DMA_TO_DEVICE, 0);
      expect(t1).toBe(END - 4096);
      // the driver unmaps with 8 KiB: 4 slots from slot 1022
      swiotlb_tbl_unmap_single(k, dev, t1, 8192, DMA_TO_DEVICE, 0);
      expect(k.faults).toEqual([]);
      expect(mem.slot_list(NSLABS - 2)).toBe(4);
      expect(mem.slot_list(NSLABS - 1)).toBe(3);
      expect(mem.used).toBe(-2); // io_tlb_used, an unsigned long, below zero
      const after = Array.from(k.cache.cpuRead(END, 16));
      mem.index = NSLABS - 2;
      const t2 = swiotlb_tbl_map_single(k, dev, BUF, 8192, 8192, DMA_TO_DEVICE, 0);
      expect(t2).toBe(END - 4096);
      // the second half of the buffer went to the 4 KiB after io_tlb_end
      expect(Array.from(k.cache.cpuRead(END, 16))).toEqual(Array.from(bytes(16, (i) => 4096 + i)));
      expect(after).not.toEqual(Array.from(bytes(16, (i) => 4096 + i)));
    });
  }
});

describe("a tlb_addr outside the pool: unreachable in the kernel, a dmasim internal error", () => {
  for (const v of ["5.6", "5.14", "5.19", "6.1", "6.6"]) {
    it(`${v}: swiotlb_tbl_unmap_single of an address below the pool throws DmasimInternalError, not a kernel fault`, () => {
      const k = bootK("rpi4", v, { swiotlb: "force" });
      const dev = k.devices.get(k.platform.defaultDevice)!;
      const pool = k.io_tlb_default_mem!;
      let err: unknown;
      try {
        swiotlb_tbl_unmap_single(k, dev, pool.start - 2 * IO_TLB_SIZE, 2048, DMA_TO_DEVICE, 0);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DmasimInternalError);
      expect(err).not.toBeInstanceOf(KernelFault);
      expect((err as Error).message).toContain("is outside the swiotlb pool; every caller checks is_swiotlb_buffer first");
      expect(k.faults).toEqual([]);
    });
  }
});

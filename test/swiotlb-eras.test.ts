/**
 * The swiotlb behaviours that differ between the modelled eras (5.6–5.11, 5.13–5.14, 5.19),
 * each shown with real slots and bytes on the versions on both sides of the change. The facts
 * and the trees they were read from are in docs/verified-facts.md ("swiotlb per version").
 */
import { describe, expect, it } from "vitest";
import { Tracer } from "../src/core/trace.js";
import { DMA_MAPPING_ERROR } from "../src/core/u64.js";
import { of_dma_configure, type Device } from "../src/drivers/device.js";
import { DMA_ATTR_SKIP_CPU_SYNC, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE } from "../src/include/gfp.js";
import {
  IO_TLB_SIZE, IoTlbMem, is_swiotlb_active, is_swiotlb_buffer, swiotlb_init_with_tbl, swiotlb_max_mapping_size, swiotlb_max_segment,
  swiotlb_sync_single_for_cpu, swiotlb_tbl_map_single, swiotlb_tbl_unmap_single,
} from "../src/kernel/dma/swiotlb/index.js";
import { faultOf, swiotlbKernel, type SwiotlbKernel } from "./swiotlb-kernel.js";
import { runYaml } from "./helpers.js";

const POOL = 0x8000_0000;
const BUF = 0x8200_0000;
const NSLABS = 1024;

function booted(version: string, force: "normal" | "force" = "normal"): SwiotlbKernel {
  const k = swiotlbKernel(version, { start: POOL, size: 64 << 20 }, force);
  swiotlb_init_with_tbl(k, POOL, NSLABS, true);
  return k;
}

function device(min_align_mask = 0): Device {
  const d = of_dma_configure({ name: "0000:01:00.0", driver: "nvme", description: "test device", coherent: true });
  d.min_align_mask = min_align_mask;
  return d;
}

const bytes = (n: number, v: (i: number) => number) => Uint8Array.from({ length: n }, (_, i) => v(i) & 0xff);
const list = (k: SwiotlbKernel, from: number, to: number) => Array.from(k.io_tlb_default_mem!.list.subarray(from, to));

describe("swiotlb_tbl_unmap_single: how many slots are freed", () => {
  it("5.10 frees as many slots as the unmap size the caller passes; 5.14 and 5.19 free the mapping's slots", () => {
    for (const v of ["5.6", "5.10", "5.14", "5.19"]) {
      const k = booted(v);
      const dev = device();
      // a 16 KiB mapping takes slots 0..7, unmapped with a 4 KiB size
      const tlb = swiotlb_tbl_map_single(k, dev, BUF, 16384, 16384, DMA_TO_DEVICE, 0);
      expect(tlb, v).toBe(POOL);
      expect(k.io_tlb_default_mem!.used, v).toBe(8);
      swiotlb_tbl_unmap_single(k, dev, tlb, 4096, DMA_TO_DEVICE, 0);
      if (v === "5.6" || v === "5.10") {
        // two slots back (4096 / 2048); slots 2..7 stay in use for good
        expect(k.io_tlb_default_mem!.used, v).toBe(6);
        expect(list(k, 0, 9), v).toEqual([2, 1, 0, 0, 0, 0, 0, 0, 120]);
        // the next 16 KiB mapping cannot use slot 0 any more
        expect(swiotlb_tbl_map_single(k, dev, BUF, 16384, 16384, DMA_TO_DEVICE, 0), v).toBe(POOL + 8 * IO_TLB_SIZE);
      } else {
        expect(k.io_tlb_default_mem!.used, v).toBe(0);
        expect(list(k, 0, 9), v).toEqual([128, 127, 126, 125, 124, 123, 122, 121, 120]);
      }
    }
  });

  it("5.10: a too large unmap size hands a neighbour's live slots back and drives io_tlb_used below zero", () => {
    const k = booted("5.10");
    const dev = device();
    const a = swiotlb_tbl_map_single(k, dev, BUF, 4096, 4096, DMA_TO_DEVICE, 0);
    const b = swiotlb_tbl_map_single(k, dev, BUF + 8192, 4096, 4096, DMA_TO_DEVICE, 0);
    expect([a, b]).toEqual([POOL, POOL + 2 * IO_TLB_SIZE]);
    swiotlb_tbl_unmap_single(k, dev, a, 4096, DMA_TO_DEVICE, 0, 8192); // frees a's and b's slots
    expect(k.io_tlb_default_mem!.used).toBe(0);
    expect(list(k, 0, 4)).toEqual([128, 127, 126, 125]);
    swiotlb_tbl_unmap_single(k, dev, b, 4096, DMA_TO_DEVICE, 0);
    expect(k.io_tlb_default_mem!.used).toBe(-2);
    // a full pool now reports used as the unsigned long it is
    const big = swiotlb_tbl_map_single(k, dev, BUF, 300_000, 300_000, DMA_TO_DEVICE, 0);
    expect(big).toBe(DMA_MAPPING_ERROR);
    expect(k.logs.at(-1)).toBe("nvme 0000:01:00.0: swiotlb buffer is full (sz: 300000 bytes), total 1024 (slots), used 18446744073709551614 (slots)");
  });
});

describe("the sync path", () => {
  it("5.10 syncs through swiotlb_tbl_sync_single with the in-slot offset added to the slot's original; 5.14 through swiotlb_sync_single_for_cpu", () => {
    for (const [v, fn] of [["5.10", "swiotlb_tbl_sync_single"], ["5.14", "swiotlb_sync_single_for_cpu"], ["5.19", "swiotlb_sync_single_for_cpu"]] as const) {
      const k = booted(v);
      const dev = device();
      const tlb = swiotlb_tbl_map_single(k, dev, BUF, 8192, 8192, DMA_FROM_DEVICE, 0);
      // the device writes slot 2 (bytes 4096..4099 of the mapping)
      k.cache.snoopWrite(tlb + 4096, bytes(4, (i) => 0xa0 + i));
      k.tr = new Tracer();
      swiotlb_sync_single_for_cpu(k, dev, tlb + 4096, 4, DMA_FROM_DEVICE);
      const names = k.tr.events.filter((e) => e.kind === "call").map((e) => (e.kind === "call" ? e.fn : ""));
      expect(names[0], v).toBe(fn);
      expect(Array.from(k.cache.cpuRead(BUF + 4096, 4)), v).toEqual([0xa0, 0xa1, 0xa2, 0xa3]);
    }
  });
});

describe("what map does with the original buffer", () => {
  it("5.19 copies the original into the slot for DMA_FROM_DEVICE (and with SKIP_CPU_SYNC); 5.10 and 5.14 leave the previous mapping's bytes", () => {
    for (const v of ["5.10", "5.14", "5.19"]) {
      const k = booted(v);
      const dev = device();
      // a first mapping leaves 0x5a.. in slots 0-1
      k.cache.cpuWrite(BUF, bytes(4096, () => 0x5a));
      const t1 = swiotlb_tbl_map_single(k, dev, BUF, 4096, 4096, DMA_TO_DEVICE, 0);
      swiotlb_tbl_unmap_single(k, dev, t1, 4096, DMA_TO_DEVICE, 0);
      // the next FROM_DEVICE mapping of another buffer lands on the same slots
      k.io_tlb_default_mem!.index = 0;
      k.cache.cpuWrite(BUF + 0x10000, bytes(4096, (i) => i));
      for (const attrs of [0, DMA_ATTR_SKIP_CPU_SYNC]) {
        const t2 = swiotlb_tbl_map_single(k, dev, BUF + 0x10000, 4096, 4096, DMA_FROM_DEVICE, attrs);
        expect(t2, v).toBe(POOL);
        const seen = Array.from(k.cache.cpuRead(t2, 4));
        expect(seen, `${v} attrs ${attrs}`).toEqual(v === "5.19" ? [0, 1, 2, 3] : [0x5a, 0x5a, 0x5a, 0x5a]);
        swiotlb_tbl_unmap_single(k, dev, t2, 4096, DMA_TO_DEVICE, 0);
        k.io_tlb_default_mem!.index = 0;
      }
    }
  });

  it("a partial sync below the min_align offset: 5.14 wraps tlb_offset and copies 4 GiB away (a fault here), 5.19 warns and copies nothing", () => {
    const orig = BUF + 0x123; // in-slot offset 0x123 kept by min_align_mask 0xfff
    for (const v of ["5.14", "5.19"]) {
      const k = booted(v);
      const dev = device(0xfff);
      k.cache.cpuWrite(BUF, bytes(8192, () => 0x11));
      const tlb = swiotlb_tbl_map_single(k, dev, orig, 4096, 4096, DMA_BIDIRECTIONAL, 0);
      expect(tlb & 0xfff, v).toBe(0x123);
      // sync from the start of the mapping's second slot (offset 0 < 0x123 in that slot)
      const at = Math.floor(tlb / IO_TLB_SIZE) * IO_TLB_SIZE + IO_TLB_SIZE;
      if (v === "5.14") {
        const f = faultOf(() => swiotlb_sync_single_for_cpu(k, dev, at, 16, DMA_BIDIRECTIONAL));
        // slot 1 of the mapping shadows orig + 2048 = 0x82000923; tlb_offset = (0 - 0x123) as unsigned int
        // the memcpy's load from phys_to_virt(0x182000800) faults (this harness maps virt = phys)
        expect(f.kind).toBe("oops");
        expect(f.message).toBe("Unable to handle kernel paging request at virtual address 182000800");
      } else {
        swiotlb_sync_single_for_cpu(k, dev, at, 16, DMA_BIDIRECTIONAL);
        expect(k.faults.at(-1)!.message).toBe(
          "WARNING: at kernel/dma/swiotlb.c swiotlb_bounce: nvme 0000:01:00.0: Access before mapping start detected. orig offset 291, requested offset 0.",
        );
      }
    }
  });
});

describe("per-device pool pointer (5.15+)", () => {
  it("5.19 maps from dev->dma_io_tlb_mem; 5.14 has one global pool and ignores it", () => {
    for (const v of ["5.14", "5.19"]) {
      const k = booted(v);
      const own = new IoTlbMem(0x8100_0000, 128);
      const restricted = device();
      restricted.dma_io_tlb_mem = own;
      const other = device();
      const t = swiotlb_tbl_map_single(k, restricted, BUF, 4096, 4096, DMA_TO_DEVICE, 0);
      if (v === "5.19") {
        expect(t).toBe(0x8100_0000);
        expect(own.used).toBe(2);
        expect(k.io_tlb_default_mem!.used).toBe(0);
        expect(is_swiotlb_buffer(k, t, restricted)).toBe(true);
        expect(is_swiotlb_buffer(k, t, other)).toBe(false);
        expect(is_swiotlb_active(k, restricted)).toBe(true);
      } else {
        expect(t).toBe(POOL);
        expect(own.used).toBe(0);
        expect(k.io_tlb_default_mem!.used).toBe(2);
        expect(is_swiotlb_buffer(k, t, other)).toBe(true);
      }
    }
  });

  it("without a pool: 5.10 and 5.19 answer 'buffer is full' with total 0, 5.14 panics on the NULL io_tlb_default_mem", () => {
    for (const v of ["5.10", "5.14", "5.19"]) {
      const k = swiotlbKernel(v, { start: POOL, size: 64 << 20 });
      const dev = device();
      expect(is_swiotlb_active(k, dev), v).toBe(false);
      if (v === "5.14") {
        const f = faultOf(() => swiotlb_tbl_map_single(k, dev, BUF, 4096, 4096, DMA_TO_DEVICE, 0));
        expect(f.message).toContain("Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer");
      } else {
        expect(swiotlb_tbl_map_single(k, dev, BUF, 4096, 4096, DMA_TO_DEVICE, 0), v).toBe(DMA_MAPPING_ERROR);
        expect(k.logs.at(-1), v).toBe("nvme 0000:01:00.0: swiotlb buffer is full (sz: 4096 bytes), total 0 (slots), used 0 (slots)");
        expect(k.faults, v).toEqual([]);
      }
    }
  });
});

describe("limits and messages", () => {
  it("swiotlb_max_mapping_size: 256 KiB up to 5.14; 5.19 subtracts roundup(min_align_mask, 2 KiB)", () => {
    for (const v of ["5.10", "5.14", "5.19"]) {
      const k = booted(v);
      expect(swiotlb_max_mapping_size(k, device(0)), v).toBe(262144);
      expect(swiotlb_max_mapping_size(k, device(0xfff)), v).toBe(v === "5.19" ? 258048 : 262144);
    }
  });

  it("swiotlb_max_segment with swiotlb=force: 1 up to 5.14 (swiotlb_set_max_segment), the pool size in 5.19", () => {
    expect(swiotlb_max_segment(booted("5.10", "force"))).toBe(1);
    expect(swiotlb_max_segment(booted("5.14", "force"))).toBe(1);
    expect(swiotlb_max_segment(booted("5.19", "force"))).toBe(NSLABS * IO_TLB_SIZE);
    expect(swiotlb_max_segment(booted("5.19"))).toBe(NSLABS * IO_TLB_SIZE);
  });

  it("print_info: 5.6 pads the addresses to %#010llx, 5.10+ print %pa", () => {
    expect(booted("5.6").logs).toEqual(["software IO TLB: mapped [mem 0x80000000-0x80200000] (2MB)"]);
    for (const v of ["5.10", "5.14", "5.19"]) expect(booted(v).logs, v).toEqual(["software IO TLB: mapped [mem 0x0000000080000000-0x0000000080200000] (2MB)"]);
  });

  it("5.6–5.11 search inline in swiotlb_tbl_map_single; 5.13 calls find_slots; 5.19 swiotlb_find_slots", () => {
    for (const [v, inner] of [["5.10", null], ["5.14", "find_slots"], ["5.19", "swiotlb_find_slots"]] as const) {
      const k = booted(v);
      k.tr = new Tracer();
      swiotlb_tbl_map_single(k, device(), BUF, 100, 100, DMA_TO_DEVICE, 0);
      const names = k.tr.events.filter((e) => e.kind === "call").map((e) => (e.kind === "call" ? e.fn : ""));
      expect(names[0], v).toBe("swiotlb_tbl_map_single");
      expect(names.includes("find_slots") || names.includes("swiotlb_find_slots") ? names[1] : null, v).toBe(inner);
    }
  });
});

describe("through dma_map_single on x86_64 with swiotlb=128,force (the info leak fixed by 5.19's bounce at map)", () => {
  const yaml = (kernel: string) => `
name: a FROM_DEVICE bounce buffer shows the device the previous mapping's bytes
platform: x86_64
kernel: "${kernel}"
config: { mem: 2G, swiotlb: "128,force" }
steps:
  - { op: kmalloc, size: 256K, as: a }
  - { op: cpu_write, buf: a, data: "secret key material" }
  - { op: dma_map_single, buf: a, size: 256K, dir: DMA_TO_DEVICE, as: m1 }
  - { op: dma_unmap_single, map: m1 }
  - { op: kmalloc, size: 4K, as: b }
  - { op: cpu_write, buf: b, data: "fresh buffer bytes!" }
  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_FROM_DEVICE, as: m2 }
  - { op: device_read, map: m2, length: 19 }
  - { op: dma_unmap_single, map: m2 }
`;
  it("5.10 and 5.14: the device reads the earlier mapping's secret from slot 0; 5.19: the buffer's own bytes", () => {
    for (const v of ["5.10", "5.14", "5.19"]) {
      const r = runYaml(yaml(v));
      expect(r.ok, v).toBe(true);
      // both mappings use slot 0 of the 128-slot pool: the 256 KiB one takes all of it
      expect(r.steps[2]!.result.dma_addr, v).toBe(r.steps[6]!.result.dma_addr);
      const seen = r.steps[7]!.result.data;
      expect(seen, v).toBe(JSON.stringify(v === "5.19" ? "fresh buffer bytes!" : "secret key material"));
    }
  });
});

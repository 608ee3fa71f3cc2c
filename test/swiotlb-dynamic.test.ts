/**
 * The 6.6 swiotlb era on whole machines: scenarios/drivers/swiotlb-dynamic-transient.yaml (a burst
 * of streaming mappings that outgrows a 2 MiB bounce pool) fails with "swiotlb buffer is full" up
 * to 6.5 and on 6.6+ without CONFIG_SWIOTLB_DYNAMIC, and is served from a transient pool, then
 * from a pool the growth worker added, with it; the bounced bytes go through the transient pool and
 * back. Also the era's pieces that a boot shows: areas, the boot pool as k.io_tlb_default_mem,
 * the switches per version.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT, bootK, run, runYaml } from "./helpers.js";
import { findVersion } from "../src/versions.js";
import { default_swiotlb_base, default_swiotlb_limit, dev_transient_pools, io_tlb_default_mem, swiotlb_max_mapping_size } from "../src/kernel/dma/swiotlb/v6.6.js";
import { swiotlb_era_for } from "../src/kernel/dma/swiotlb/index.js";

const FILE = "scenarios/drivers/swiotlb-dynamic-transient.yaml";
const FULL = "swiotlb buffer is full (sz: 65536 bytes), total 1024 (slots), used 1024 (slots)";
/** the boot pool on x86_64 with swiotlb=1024 (2 MiB below 4 GiB) */
const POOL = [0xbfe0_0000, 0xc000_0000];

describe("swiotlb 6.6 era: a burst that outgrows the pool (scenarios/drivers/swiotlb-dynamic-transient.yaml)", () => {
  it("6.1 and 6.6 without CONFIG_SWIOTLB_DYNAMIC: the 33rd mapping fails with the tree's dev_warn_ratelimited", () => {
    for (const kernel of ["6.1", "6.6", "6.18"]) {
      const r = run(FILE, { kernel });
      expect(r.steps[34 + 31]!.result.ret, kernel).toBe("0xbfff0000");
      expect(r.steps[66]!.result.ret, kernel).toBe("DMA_MAPPING_ERROR");
      expect(r.steps[66]!.result.swiotlb_full, kernel).toBe("exhausted");
      expect(r.steps[67]!.result.ret, kernel).toBe("DMA_MAPPING_ERROR");
      expect(r.log!.filter((l) => l.step >= 0).map((l) => `${l.level}: ${l.message}`), kernel).toEqual([`warn: snd_hda_intel 0000:02:00.0: ${FULL}`, `warn: snd_hda_intel 0000:02:00.0: ${FULL}`]);
      expect(r.faults, kernel).toEqual([]); // dev_warn_ratelimited: no WARN splat
    }
  });

  it("6.6/6.12/6.18 with CONFIG_SWIOTLB_DYNAMIC: a transient pool outside the boot pool, then the worker's new pool", () => {
    for (const kernel of ["6.6", "6.12", "6.18"]) {
      const r = run(FILE, { kernel, set: { CONFIG_SWIOTLB_DYNAMIC: "y" } });
      expect(r.ok, kernel).toBe(true);
      expect(r.faults, kernel).toEqual([]);
      // the 32 in the boot pool, 64 KiB apart
      for (let i = 0; i < 32; i++) expect(r.steps[34 + i]!.result.ret, `${kernel} rx${i}`).toBe("0x" + (POOL[0]! + i * 0x10000).toString(16));
      // the 33rd: a transient pool of exactly 32 slots, an order-4 block of the page allocator
      expect(r.steps[66]!.result.ret, kernel).toBe("0xbfc00000");
      expect(r.steps[66]!.result.bounced, kernel).toBe(true);
      // the 34th: the worker ran before it and added a 1024-slot pool (2 MiB, below 4 GiB: __GFP_DMA32),
      // the lowest free block of ZONE_DMA32 (boot memory went to the free lists' tails, 7fef431be9c9)
      expect(r.steps[67]!.result.ret, kernel).toBe("0x3000000");
      for (const s of [66, 67]) {
        const a = parseInt(r.steps[s]!.result.ret as string, 16);
        expect(a < POOL[0]! || a >= POOL[1]!, `${kernel} step ${s} outside the boot pool`).toBe(true);
      }
    }
  });

  it("the bytes go through the transient pool and back; unmapping frees the transient pool", () => {
    const yaml = readFileSync(ROOT + FILE, "utf8") + [
      "  - { op: device_write, map: rx32, data: \"frame-32 via a transient pool\" }",
      "  - { op: dma_unmap_single, map: rx32 }",
      "  - { op: cpu_read, buf: buf32, length: 29, expect: { data: \"frame-32 via a transient pool\" } }",
      "  - { op: device_write, map: rx33, data: \"frame-33 via the grown pool\" }",
      "  - { op: dma_unmap_single, map: rx33 }",
      "  - { op: cpu_read, buf: buf33, length: 27, expect: { data: \"frame-33 via the grown pool\" } }",
      // buf32 again: not a transient pool any more — the grown pool's area searches on from slot 32
      "  - { op: dma_map_single, buf: buf32, size: 64K, dir: DMA_TO_DEVICE, as: again }",
      "",
    ].join("\n");
    const r = runYaml(yaml, { kernel: "6.6", set: { CONFIG_SWIOTLB_DYNAMIC: "y" } });
    expect(r.ok).toBe(true);
    expect(r.steps[70]!.result.data ?? r.steps[70]!.ok).toBeTruthy();
    expect(r.steps[74]!.result.ret).toBe("0x3010000");
    const off = runYaml(yaml, { kernel: "6.6" });
    expect(off.ok).toBe(false);
  });

  it("boot: the pool has the platform's areas (1 on a platform without a CPU count), swiotlb_max_mapping_size less the min_align round-up", () => {
    const k = bootK("x86_64", "6.6", { swiotlb: "1024,force", CONFIG_SWIOTLB_DYNAMIC: "y" });
    const mem = io_tlb_default_mem(k);
    expect(k.io_tlb_default_mem).toBe(mem.defpool);
    expect(mem.defpool!.start).toBe(POOL[0]);
    expect(mem.defpool!.nslabs).toBe(1024);
    expect(mem.nslabs).toBe(1024);
    expect(mem.default_nareas).toBe(1);
    expect(mem.can_grow).toBe(true);
    expect(mem.phys_limit).toBe(0xffff_ffffn);
    expect(k.klog.map((l) => l.message).filter((m) => m.startsWith("software IO TLB"))).toEqual([
      "software IO TLB: area num 1.",
      "software IO TLB: mapped [mem 0x00000000bfe00000-0x00000000c0000000] (2MB)",
    ]);
    const dev = [...k.devices.values()][0]!;
    expect(dev_transient_pools(k, dev)).toEqual([]);
    expect(swiotlb_max_mapping_size(k, dev)).toBe(256 * 1024);
    dev.min_align_mask = 0xfff;
    expect(swiotlb_max_mapping_size(k, dev)).toBe(252 * 1024);
    // default_swiotlb_limit: phys_limit with DYNAMIC, the pool's last byte without; default_swiotlb_base stops growth
    expect(default_swiotlb_limit(k)).toBe(0xffff_ffffn);
    expect(default_swiotlb_base(k)).toBe(POOL[0]);
    expect(mem.can_grow).toBe(false);
    const plain = bootK("x86_64", "6.6", { swiotlb: "1024,force" });
    expect(default_swiotlb_limit(plain)).toBe(BigInt(POOL[1]! - 1));
  });

  it("6.6, 6.12 and 6.18 run the 6.6 era; the switches tell 6.6.63 from 6.12/6.18", () => {
    for (const v of ["6.6", "6.12", "6.18"]) expect(swiotlb_era_for(v).name).toBe("6.6");
    expect(swiotlb_era_for("5.19").name).toBe("5.15");
    const has = (v: string, c: string) => findVersion(v)!.switches.has(c);
    for (const c of ["04867a7a3332", "14cebf689a78", "af133562d5af", "7c3940bf81e5"]) for (const v of ["6.6", "6.12", "6.18"]) expect(has(v, c), `${v} ${c}`).toBe(true);
    for (const c of ["55c543865b76", "3dc2f209208d", "e8068f2d756d", "327e2c97c46a"]) {
      expect(has("6.6", c), `6.6 ${c}`).toBe(false);
      expect(has("6.12", c), `6.12 ${c}`).toBe(true);
      expect(has("6.18", c), `6.18 ${c}`).toBe(true);
    }
  });
});

describe("swiotlb 6.6 era: restricted-pool allocations (swiotlb_alloc / swiotlb_free)", () => {
  it("pages aligned to their order from the device's own pool, released again; a page outside it is not a swiotlb buffer", async () => {
    const { alloc_pages } = await import("../src/mm/mm.js");
    const { GFP_KERNEL } = await import("../src/include/gfp.js");
    const { IoTlbPool, rmem_swiotlb_mem, swiotlb_init_io_tlb_pool } = await import("../src/kernel/dma/swiotlb/v6.6.js");
    const { swiotlb_alloc, swiotlb_free, is_swiotlb_for_alloc } = await import("../src/kernel/dma/swiotlb/index.js");
    const k = bootK("x86_64", "6.6");
    const dev = [...k.devices.values()][0]!;
    const block = alloc_pages(k, GFP_KERNEL, 9, "restricted pool");
    const base = k.arch.page_to_pfn(block) * 4096;
    const pool = new IoTlbPool(base, 1024, false);
    swiotlb_init_io_tlb_pool(k, pool, 1);
    const mem = rmem_swiotlb_mem(k, dev, pool);
    expect(mem.for_alloc && mem.force_bounce).toBe(true);
    const p1 = swiotlb_alloc(k, dev, 8192);
    expect(p1).toBe(base); // the front door speaks physical addresses
    const p2 = swiotlb_alloc(k, dev, 4096);
    expect(p2).toBe(base + 8192);
    expect(pool.used).toBe(6);
    expect(swiotlb_free(k, dev, p1, 8192)).toBe(true);
    expect(pool.used).toBe(2);
    const elsewhere = alloc_pages(k, GFP_KERNEL, 0, "not swiotlb");
    expect(swiotlb_free(k, dev, k.arch.page_to_pfn(elsewhere) * 4096, 4096)).toBe(false);
    // the device with the restricted pool allocates from it; a 5.19 device on the default pool does not (dma_direct_alloc asks is_swiotlb_for_alloc first)
    expect(is_swiotlb_for_alloc(k, dev)).toBe(true);
    const k19 = bootK("x86_64", "5.19");
    expect(is_swiotlb_for_alloc(k19, [...k19.devices.values()][0]!)).toBe(false);
  });
});

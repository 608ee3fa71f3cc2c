/**
 * kernel/dma/debug.c model (src/kernel/dma/debug.ts): one test per check D01–D25, the printing
 * rules, the best-fit ambiguity and multi-error calls. Test names cite the rulebook R-ids of
 * shared/reference/dma-api-rules-debug-bench.md §2.
 */
import { SWITCHES, findVersion } from "../src/versions.js";
import { describe, expect, it } from "vitest";
import type { Kernel, Diagnostic } from "../src/kernel.js";
import type { Arch } from "../src/arch/arch.js";
import { Arm64, arm64Layout } from "../src/arch/arm64/memory.js";
import { Arm32, armLayout } from "../src/arch/arm/memory.js";
import { of_dma_configure, type Device } from "../src/drivers/device.js";
import type { Scatterlist } from "../src/kernel/dma/ops.js";
import { Tracer, sym } from "../src/core/trace.js";
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC } from "../src/include/gfp.js";
import { hashP } from "./hash-ptr.js";
import { fromBig } from "../src/core/u64.js";
import { hash_fn } from "../src/kernel/dma/debug-entry.js";
import { DmaDebugStore } from "../src/kernel/dma/debug-store.js";
import {
  DmaDebug, type DmaDebugOptions, dma_debug_init, dmaDebugOptionsFor,
  debug_dma_map_single, debug_dma_map_page, debug_dma_unmap_page, debug_dma_mapping_error,
  debug_dma_map_sg, debug_dma_unmap_sg, debug_dma_alloc_coherent, debug_dma_free_coherent,
  debug_dma_map_resource, debug_dma_unmap_resource,
  debug_dma_sync_single_for_cpu, debug_dma_sync_single_for_device, debug_dma_sync_sg_for_cpu,
  debug_dma_sync_sg_for_device, dma_debug_device_change, debug_dma_dump_mappings,
} from "../src/kernel/dma/debug.js";

const RAM_PAGES = 0x100000; // 4 GiB
const arm64 = new Arm64(arm64Layout(48, 0, 0x20_0000, 0x200_0000));
const lin = (p: number) => arm64.__va(p);

interface Fake {
  k: Kernel;
  d: DmaDebug;
  logs: string[];
}

function fake(opts: DmaDebugOptions = { all_errors: true }, arch: Arch = arm64, cfg: Record<string, unknown> = {}, versionId = "5.14"): Fake {
  const logs: string[] = [];
  const k = {
    diagnostics: [] as Diagnostic[],
    step: 3,
    tr: undefined,
    cfg: { CONFIG_DMA_API_DEBUG: true, CONFIG_DMA_API_DEBUG_SG: false, CONFIG_DEBUG_VIRTUAL: false, dma_debug_all_errors: false, dma_debug_num_errors: 1, ...cfg },
    version: { ...findVersion(versionId)! },
    has: (c: string) => findVersion(versionId)!.switches.has(c),
    sw: Object.fromEntries(Object.keys(SWITCHES).map((c) => [c, findVersion(versionId)!.switches.has(c)])),
    arch,
    task_stack: null,
    current: { pid: 1000, comm: "test" }, // err_printk's WARN splat (__warn) reads the task, taint and platform
    tainted_mask: 0,
    oops_id: 0n,
    platform: { id: "fake" },
    kernel_text: null,
    dma_debug: null,
    pfn_valid: (pfn: number) => pfn >= 0 && pfn < RAM_PAGES,
    log: (m: string) => void logs.push(m),
    printk: (_level: string, m: string) => void logs.push(m),
  } as unknown as Kernel;
  const d = new DmaDebug(opts);
  k.dma_debug = d;
  return { k, d, logs };
}

function mkdev(name = "fe300000.mmc", driver = "mydrv"): Device {
  return of_dma_configure({ name, driver, description: "", coherent: false });
}

const ids = (k: Kernel) => k.diagnostics.map((x) => x.id);
const msg = (k: Kernel, id: string) => k.diagnostics.find((x) => x.id === id)?.message ?? "";

function sgl(arch: Arch, segs: { paddr: number; length: number; dma: number; dma_len?: number }[]): Scatterlist[] {
  return segs.map((s) => ({
    page: arch.pfn_to_page(Math.floor(s.paddr / 4096)),
    offset: s.paddr % 4096,
    length: s.length,
    dma_address: s.dma,
    dma_length: s.dma_len ?? s.length,
  }));
}

/** dma_map_page + dma_mapping_error, as a correct driver does */
function mapChecked(k: Kernel, dev: Device, paddr: number, size: number, dir: number, dma = paddr) {
  debug_dma_map_page(k, dev, paddr, size, dir, dma, "page", null);
  debug_dma_mapping_error(k, dev, dma);
}

describe("dma-debug unmap checks (check_unmap)", () => {
  it("D01 unmapping DMA_MAPPING_ERROR after a failed map is 'invalid DMA memory address' (R-STR-03)", () => {
    const { k, d } = fake();
    const dev = mkdev();
    debug_dma_map_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE, -1, "page", null);
    expect(d.entries()).toHaveLength(0); // failed mappings are not tracked
    debug_dma_unmap_page(k, dev, -1, 4096, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D01"]);
    expect(msg(k, "D01")).toBe("DMA-API: mydrv fe300000.mmc: device driver tries to free an invalid DMA memory address");
    expect(k.diagnostics[0]!.step).toBe(3);
  });

  it("D02 unmap of memory never mapped, and double unmap (R-STR-04)", () => {
    const { k } = fake();
    const dev = mkdev();
    debug_dma_unmap_page(k, dev, 0x12345000, 4096, DMA_TO_DEVICE);
    expect(msg(k, "D02")).toBe("DMA-API: mydrv fe300000.mmc: device driver tries to free DMA memory it has not allocated [device address=0x0000000012345000] [size=4096 bytes]");
    mapChecked(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    debug_dma_unmap_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    debug_dma_unmap_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D02", "D02"]);
  });

  it("D02 for the wrong device (R-STR-04)", () => {
    const { k } = fake();
    const a = mkdev("a", "drva");
    const b = mkdev("b", "drvb");
    mapChecked(k, a, 0x100000, 4096, DMA_TO_DEVICE);
    debug_dma_unmap_page(k, b, 0x100000, 4096, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D02"]);
    expect(msg(k, "D02")).toMatch(/^DMA-API: drvb b: /);
  });

  it("D03 frees DMA memory with different size (R-STR-04, R-COH-07)", () => {
    const { k, d } = fake();
    const dev = mkdev();
    mapChecked(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    debug_dma_unmap_page(k, dev, 0x100000, 2048, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D03"]);
    expect(msg(k, "D03")).toBe("DMA-API: mydrv fe300000.mmc: device driver frees DMA memory with different size [device address=0x0000000000100000] [map size=4096 bytes] [unmap size=2048 bytes]");
    expect(d.entries()).toHaveLength(0);
  });

  it("D04 alloc_coherent freed with dma_unmap_page: wrong function (R-STR-04, R-COH-13)", () => {
    const { k } = fake();
    const dev = mkdev();
    debug_dma_alloc_coherent(k, dev, 8192, 0x200000, lin(0x200000), 0x200000);
    debug_dma_unmap_page(k, dev, 0x200000, 8192, DMA_BIDIRECTIONAL);
    expect(ids(k)).toEqual(["D04"]);
    expect(msg(k, "D04")).toBe("DMA-API: mydrv fe300000.mmc: device driver frees DMA memory with wrong function [device address=0x0000000000200000] [size=8192 bytes] [mapped as coherent] [unmapped as single]");
  });

  it("D04 a single mapping unmapped with dma_unmap_sg also trips the sg count and map-error checks (R-STR-04)", () => {
    const { k } = fake();
    const dev = mkdev();
    debug_dma_map_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE, 0x100000, "single", null);
    debug_dma_unmap_sg(k, dev, sgl(arm64, [{ paddr: 0x100000, length: 4096, dma: 0x100000 }]), 1, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D04", "D06", "D08"]);
    expect(msg(k, "D04")).toContain("[mapped as single] [unmapped as scather-gather]");
  });

  it("D05 dma_free_coherent with a different CPU address (R-COH-07)", () => {
    const { k } = fake();
    const dev = mkdev();
    debug_dma_alloc_coherent(k, dev, 4096, 0x200000, lin(0x200000), 0x200000);
    debug_dma_free_coherent(k, dev, 4096, lin(0x201000), 0x200000, 0x201000);
    expect(ids(k)).toEqual(["D05"]);
    expect(msg(k, "D05")).toBe("DMA-API: mydrv fe300000.mmc: device driver frees DMA memory with different CPU address [device address=0x0000000000200000] [size=4096 bytes] [cpu alloc address=0x0000000000200000] [cpu free address=0x0000000000201000]");
  });

  it("D05 from 6.13 (9d4f645a1fd4): \"[cpu alloc address=0x%pa]\" — %pa prints its own 0x, so the addresses read 0x0x… (6.18.35 kernel/dma/debug.c:1026–1030; 6.12.19 :1011–1012 0x%016llx)", () => {
    for (const [versionId, pre] of [["6.12", "0x"], ["6.18", "0x0x"]] as const) {
      const { k } = fake({ all_errors: true }, arm64, {}, versionId);
      const dev = mkdev();
      debug_dma_alloc_coherent(k, dev, 4096, 0x200000, lin(0x200000), 0x200000);
      debug_dma_free_coherent(k, dev, 4096, lin(0x201000), 0x200000, 0x201000);
      expect(msg(k, "D05"), versionId).toBe(`DMA-API: mydrv fe300000.mmc: device driver frees DMA memory with different CPU address [device address=0x0000000000200000] [size=4096 bytes] [cpu alloc address=${pre}0000000000200000] [cpu free address=${pre}0000000000201000]`);
    }
  });

  it("coherent alloc/free with matching arguments is clean; a NO_KERNEL_MAPPING cookie is not tracked (R-COH-07)", () => {
    const { k, d } = fake();
    const dev = mkdev();
    debug_dma_alloc_coherent(k, dev, 4096, 0x200000, lin(0x200000), 0x200000);
    debug_dma_free_coherent(k, dev, 4096, lin(0x200000), 0x200000, 0x200000);
    // a struct page pointer as the "cpu address": neither vmalloc nor linear → ignored both ways
    const cookie = arm64.pfn_to_page(0x300);
    debug_dma_alloc_coherent(k, dev, 4096, 0x300000, cookie, 0x300000);
    expect(d.entries()).toHaveLength(0);
    debug_dma_free_coherent(k, dev, 4096, cookie, 0x300000, 0x300000);
    expect(ids(k)).toEqual([]);
  });

  it("D06 dma_unmap_sg with the returned count instead of nents (R-STR-05)", () => {
    const { k, d } = fake();
    const dev = mkdev();
    const sg = sgl(arm64, [
      { paddr: 0x100000, length: 4096, dma: 0x100000, dma_len: 8192 },
      { paddr: 0x101000, length: 4096, dma: 0x300000, dma_len: 4096 },
      { paddr: 0x180000, length: 4096, dma: 0, dma_len: 0 },
    ]);
    debug_dma_map_sg(k, dev, sg, 3, 2, DMA_TO_DEVICE);
    expect(d.entries()).toHaveLength(2);
    debug_dma_unmap_sg(k, dev, sg, 2, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D06", "D06"]);
    expect(msg(k, "D06")).toBe("DMA-API: mydrv fe300000.mmc: device driver frees DMA sg list with different entry count [map count=3] [unmap count=2]");
    expect(d.entries()).toHaveLength(0);
  });

  it("dma_unmap_sg with the original nents is clean and stops after the mapped count (R-STR-05)", () => {
    const { k, d } = fake();
    const dev = mkdev();
    const sg = sgl(arm64, [
      { paddr: 0x100000, length: 4096, dma: 0x100000, dma_len: 8192 },
      { paddr: 0x101000, length: 4096, dma: 0x300000 },
      { paddr: 0x180000, length: 4096, dma: 0x300000 },
    ]);
    debug_dma_map_sg(k, dev, sg, 3, 1, DMA_FROM_DEVICE);
    debug_dma_unmap_sg(k, dev, sg, 3, DMA_FROM_DEVICE);
    expect(ids(k)).toEqual([]);
    expect(d.entries()).toHaveLength(0);
  });

  it("D07 frees DMA memory with different direction (R-STR-04)", () => {
    const { k } = fake();
    const dev = mkdev();
    mapChecked(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    debug_dma_unmap_page(k, dev, 0x100000, 4096, DMA_FROM_DEVICE);
    expect(ids(k)).toEqual(["D07"]);
    expect(msg(k, "D07")).toBe("DMA-API: mydrv fe300000.mmc: device driver frees DMA memory with different direction [device address=0x0000000000100000] [size=4096 bytes] [mapped with DMA_TO_DEVICE] [unmapped with DMA_FROM_DEVICE]");
  });

  it("D08 failed to check map error, reported at unmap (R-STR-01)", () => {
    const { k } = fake();
    const dev = mkdev();
    debug_dma_map_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE, 0x100000, "single", null);
    expect(ids(k)).toEqual([]);
    debug_dma_unmap_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D08"]);
    // no space before the first '[' in the kernel's text
    expect(msg(k, "D08")).toBe("DMA-API: mydrv fe300000.mmc: device driver failed to check map error[device address=0x0000000000100000] [size=4096 bytes] [mapped as single]");
  });

  it("D08 not reported after dma_mapping_error; with two identical mappings one check marks only one (R-STR-01)", () => {
    const { k } = fake();
    const dev = mkdev();
    mapChecked(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    debug_dma_unmap_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    expect(ids(k)).toEqual([]);
    debug_dma_map_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE, 0x100000, "page", null);
    debug_dma_map_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE, 0x100000, "page", null);
    debug_dma_mapping_error(k, dev, 0x100000);
    debug_dma_unmap_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE); // first perfect fit: the checked one
    debug_dma_unmap_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D08"]);
  });

  it("D08 also applies to dma_map_resource, which 5.x tracks even when it failed (R-STR-01, R-ADDR-09)", () => {
    const { k, d } = fake();
    const dev = mkdev();
    debug_dma_map_resource(k, dev, 0xfe00_0000, 256, DMA_TO_DEVICE, 0xfe00_0000);
    debug_dma_unmap_resource(k, dev, 0xfe00_0000, 256, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D08"]);
    expect(msg(k, "D08")).toContain("[mapped as resource]");
    debug_dma_map_resource(k, dev, 0xfe00_0000, 256, DMA_TO_DEVICE, -1);
    expect(d.entries()).toHaveLength(1);
  });

  it("two errors in one unmap: D03 + D07, error_count += 2, entry still removed (R-STR-04)", () => {
    const { k, d } = fake();
    const dev = mkdev();
    mapChecked(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    debug_dma_unmap_page(k, dev, 0x100000, 2048, DMA_FROM_DEVICE);
    expect(ids(k)).toEqual(["D03", "D07"]);
    expect(d.error_count).toBe(2);
    expect(d.entries()).toHaveLength(0);
    debug_dma_unmap_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D03", "D07", "D02"]);
  });

  it("best-fit ambiguity: same DMA address mapped twice, unmapped with a third size → false D02 (R-STR-04)", () => {
    const { k, d } = fake();
    const dev = mkdev();
    mapChecked(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    mapChecked(k, dev, 0x100000, 2048, DMA_TO_DEVICE);
    debug_dma_unmap_page(k, dev, 0x100000, 1024, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D02"]);
    expect(msg(k, "D02")).toContain("it has not allocated [device address=0x0000000000100000] [size=1024 bytes]");
    expect(d.entries()).toHaveLength(2);
    // a perfect fit still resolves
    debug_dma_unmap_page(k, dev, 0x100000, 2048, DMA_TO_DEVICE);
    debug_dma_unmap_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D02"]);
    expect(d.entries()).toHaveLength(0);
  });
});

describe("dma-debug sync checks (check_sync)", () => {
  it("D09 sync of memory never mapped, and a partial range running past the end (R-STR-15)", () => {
    const { k } = fake();
    const dev = mkdev();
    debug_dma_sync_single_for_cpu(k, dev, 0x200000, 64, DMA_FROM_DEVICE);
    expect(msg(k, "D09")).toBe("DMA-API: mydrv fe300000.mmc: device driver tries to sync DMA memory it has not allocated [device address=0x0000000000200000] [size=64 bytes]");
    mapChecked(k, dev, 0x100000, 4096, DMA_FROM_DEVICE);
    debug_dma_sync_single_for_cpu(k, dev, 0x100800, 4096, DMA_FROM_DEVICE);
    expect(ids(k)).toEqual(["D09", "D09"]);
  });

  it("partial sync inside the mapping is found by stepping back buckets, up to max_segment_size (R-STR-15)", () => {
    const { k } = fake();
    const dev = mkdev();
    mapChecked(k, dev, 0x100000, 0x3000, DMA_FROM_DEVICE); // spans buckets 128..129
    debug_dma_sync_single_for_cpu(k, dev, 0x102800, 0x100, DMA_FROM_DEVICE);
    expect(ids(k)).toEqual([]);
    // a 128 KiB mapping synced near its end: 15 buckets back > 64 KiB max_seg_size → false D09
    mapChecked(k, dev, 0x400000, 0x20000, DMA_FROM_DEVICE);
    debug_dma_sync_single_for_cpu(k, dev, 0x41f000, 0x100, DMA_FROM_DEVICE);
    expect(ids(k)).toEqual(["D09"]);
    dev.max_segment_size = 0x40000;
    debug_dma_sync_single_for_cpu(k, dev, 0x41f000, 0x100, DMA_FROM_DEVICE);
    expect(ids(k)).toEqual(["D09"]);
  });

  it("D10 syncs outside allocated range — only with a wrapped (negative) size_t (R-STR-15)", () => {
    const { k } = fake();
    const dev = mkdev();
    mapChecked(k, dev, 0x100000, 4096, DMA_FROM_DEVICE);
    debug_dma_sync_single_for_cpu(k, dev, 0x100800, -0x100, DMA_FROM_DEVICE);
    expect(ids(k)).toEqual(["D10"]);
    expect(msg(k, "D10")).toBe("DMA-API: mydrv fe300000.mmc: device driver syncs DMA memory outside allocated range [device address=0x0000000000100000] [allocation size=4096 bytes] [sync offset+size=18446744073709551360]");
  });

  it("D11 sync direction differs from the mapping (R-STR-16)", () => {
    const { k } = fake();
    const dev = mkdev();
    mapChecked(k, dev, 0x100000, 4096, DMA_FROM_DEVICE);
    debug_dma_sync_single_for_cpu(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D11"]);
    expect(msg(k, "D11")).toBe("DMA-API: mydrv fe300000.mmc: device driver syncs DMA memory with different direction [device address=0x0000000000100000] [size=4096 bytes] [mapped with DMA_FROM_DEVICE] [synced with DMA_TO_DEVICE]");
  });

  it("BIDIRECTIONAL mappings skip the direction checks (R-STR-13, R-STR-16)", () => {
    const { k } = fake();
    const dev = mkdev();
    mapChecked(k, dev, 0x100000, 4096, DMA_BIDIRECTIONAL);
    debug_dma_sync_single_for_cpu(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    debug_dma_sync_single_for_device(k, dev, 0x100000, 4096, DMA_FROM_DEVICE);
    expect(ids(k)).toEqual([]);
  });

  it("D12 sync_for_cpu of device read-only memory, with D11 (R-STR-16, R-STR-17)", () => {
    const { k } = fake();
    const dev = mkdev();
    mapChecked(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    debug_dma_sync_single_for_cpu(k, dev, 0x100000, 4096, DMA_FROM_DEVICE);
    expect(ids(k)).toEqual(["D11", "D12"]);
    expect(msg(k, "D12")).toBe("DMA-API: mydrv fe300000.mmc: device driver syncs device read-only DMA memory for cpu [device address=0x0000000000100000] [size=4096 bytes] [mapped with DMA_TO_DEVICE] [synced with DMA_FROM_DEVICE]");
  });

  it("D13 sync_for_device of device write-only memory, with D11 (R-STR-16, R-STR-17)", () => {
    const { k } = fake();
    const dev = mkdev();
    mapChecked(k, dev, 0x100000, 4096, DMA_FROM_DEVICE);
    debug_dma_sync_single_for_device(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D11", "D13"]);
    expect(msg(k, "D13")).toBe("DMA-API: mydrv fe300000.mmc: device driver syncs device write-only DMA memory to device [device address=0x0000000000100000] [size=4096 bytes] [mapped with DMA_FROM_DEVICE] [synced with DMA_TO_DEVICE]");
  });

  it("D14 dma_sync_sg with a different entry count (R-STR-05)", () => {
    const { k } = fake();
    const dev = mkdev();
    const sg = sgl(arm64, [
      { paddr: 0x100000, length: 4096, dma: 0x100000 },
      { paddr: 0x180000, length: 4096, dma: 0x180000 },
    ]);
    debug_dma_map_sg(k, dev, sg, 2, 2, DMA_FROM_DEVICE);
    debug_dma_sync_sg_for_cpu(k, dev, sg, 1, DMA_FROM_DEVICE);
    expect(ids(k)).toEqual(["D14"]);
    expect(msg(k, "D14")).toBe("DMA-API: mydrv fe300000.mmc: device driver syncs DMA sg list with different entry count [map count=2] [sync count=1]");
    debug_dma_sync_sg_for_device(k, dev, sg, 2, DMA_FROM_DEVICE);
    expect(ids(k)).toEqual(["D14"]);
  });

  it("dma_sync_sg of an unknown list is silent (first segment not found → nothing checked) (R-STR-15)", () => {
    const { k, d } = fake();
    const dev = mkdev();
    debug_dma_sync_sg_for_cpu(k, dev, sgl(arm64, [{ paddr: 0x100000, length: 4096, dma: 0x100000 }]), 1, DMA_FROM_DEVICE);
    expect(ids(k)).toEqual([]);
    expect(d.error_count).toBe(0);
  });
});

describe("dma-debug map-time address checks", () => {
  it("D15 maps memory from a direct-mapped stack: [addr=...] (R-ADDR-03)", () => {
    const { k } = fake();
    const dev = mkdev();
    k.task_stack = { start: lin(0x1000_0000), end: lin(0x1000_4000), vmapped: false, pfns: [] };
    debug_dma_map_page(k, dev, 0x1000_1100, 64, DMA_TO_DEVICE, 0x1000_1100, "single", null);
    expect(ids(k)).toEqual(["D15"]);
    expect(msg(k, "D15")).toBe(`DMA-API: mydrv fe300000.mmc: device driver maps memory from stack [addr=${hashP(lin(0x1000_1100))}]`);
  });

  it("D15 maps memory from a vmapped stack: [probable addr=...] by page identity (R-ADDR-03)", () => {
    const { k } = fake();
    const dev = mkdev();
    const start = arm64.L.VMALLOC_START + 0x10000;
    k.task_stack = { start, end: start + 0x4000, vmapped: true, pfns: [0x2000, 0x2005, 0x2009, 0x200a] };
    const sg = sgl(arm64, [{ paddr: 0x2009080, length: 64, dma: 0x2009080 }]);
    debug_dma_map_sg(k, dev, sg, 1, 1, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D15"]);
    const probable = hashP(start + 2 * 4096 + 0x80);
    expect(msg(k, "D15")).toBe(`DMA-API: mydrv fe300000.mmc: device driver maps memory from stack [probable addr=${probable}]`);
  });

  it("D16 maps memory from kernel text or rodata on ARM32, where the image is in lowmem (R-ADDR-03)", () => {
    const arm = new Arm32(armLayout(0, 0x3000_0000, 0xef00_0000, 0x8000, 0x80_0000));
    const { k } = fake({ all_errors: true }, arm);
    const dev = mkdev();
    k.kernel_text = { start: 0xc000_8000, end: 0xc060_0000 };
    debug_dma_map_page(k, dev, 0x0010_0000, 4096, DMA_TO_DEVICE, 0x0010_0000, "page", null);
    expect(ids(k)).toEqual(["D16"]);
    expect(msg(k, "D16")).toBe(`DMA-API: mydrv fe300000.mmc: device driver maps memory from kernel text or rodata [addr=${hashP(0xc010_0000, 32)}] [len=4096]`);
    // just past the end: clean
    debug_dma_map_page(k, dev, 0x0060_0000, 4096, DMA_TO_DEVICE, 0x0060_0000, "page", null);
    expect(ids(k)).toEqual(["D16"]);
  });

  it("D16 cannot fire on arm64: the linear alias never overlaps the kimage text range (R-ADDR-03)", () => {
    const { k } = fake();
    const dev = mkdev();
    k.kernel_text = { start: lin(0x20_0000), end: lin(0x120_0000) };
    debug_dma_map_page(k, dev, 0x30_0000, 4096, DMA_TO_DEVICE, 0x30_0000, "page", null);
    expect(ids(k)).toEqual([]);
  });

  it("D17 dma_map_single of a linear address that is not RAM (R-ADDR-01, R-ADDR-05)", () => {
    const { k } = fake();
    const dev = mkdev();
    const va = lin(0x2_0000_0000); // 8 GiB: inside the linear map, beyond the 4 GiB of RAM
    debug_dma_map_single(k, dev, va, 64);
    expect(ids(k)).toEqual(["D17"]);
    expect(msg(k, "D17")).toBe(`DMA-API: mydrv fe300000.mmc: device driver maps memory from invalid area [addr=${hashP(va)}] [len=64]`);
    // a linear-map address of RAM is fine
    debug_dma_map_single(k, dev, lin(0x100000), 64);
    expect(ids(k)).toEqual(["D17"]);
  });

  it("D17 + D18 for a kernel-image address on arm64, whose image lies in the vmalloc range (R-ADDR-03)", () => {
    const { k } = fake();
    const dev = mkdev();
    const img = arm64.L.KIMAGE_VADDR + 0x1000;
    debug_dma_map_single(k, dev, img, 64);
    expect(ids(k)).toEqual(["D17", "D18"]);
    expect(msg(k, "D17")).toBe(`DMA-API: mydrv fe300000.mmc: device driver maps memory from invalid area [addr=${hashP(img)}] [len=64]`);
  });

  it("D18 dma_map_single of a vmalloc address (also invalid area, D17) (R-ADDR-02)", () => {
    const { k } = fake();
    const dev = mkdev();
    const va = arm64.L.VMALLOC_START + 0x5000;
    debug_dma_map_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE, 0x100000, "single", va);
    expect(ids(k)).toEqual(["D17", "D18"]);
    expect(msg(k, "D18")).toBe(`DMA-API: mydrv fe300000.mmc: device driver maps memory from vmalloc area [addr=${hashP(va)}] [len=4096]`);
  });
});

describe("dma-debug cacheline tracking", () => {
  it("the hash bucket and the tracked cacheline past the int32 range are the kernel's u64 shifts (hash_fn, to_cacheline_number)", () => {
    const { k, d } = fake();
    const dev = mkdev();
    // [paddr, dma_addr]: an int32 address, paddr past 2^31, the first pfn whose cacheline number exceeds an int32
    // (2^25), a pfn beyond 32 bits, and device addresses with bit 63 set (negative in dmasim's signed form)
    const cases: [bigint, bigint][] = [
      [0x7fff_f040n, 0x7fff_f040n],
      [0x8000_0fc0n, 0xffff_ffff_ffff_e000n],
      [(1n << 37n) + 0x40n, 0x1_0000_2000n],
      [(1n << 45n) + 0x1fc0n, 0xffe0_0000_0000_6000n],
    ];
    for (const [p, a] of cases) {
      const paddr = fromBig(p);
      const dma = fromBig(a);
      // kernel/dma/debug.c hash_fn: (dev_addr >> HASH_FN_SHIFT) & HASH_FN_MASK; to_cacheline_number: (pfn << 6) + (offset >> 6)
      expect(hash_fn(dma), `${a}`).toBe(Number((a >> 13n) & 16383n));
      const cln = Number(((p >> 12n) << 6n) + ((p & 4095n) >> 6n));
      mapChecked(k, dev, paddr, 64, DMA_FROM_DEVICE, dma);
      const e = d.entries(dev).find((x) => x.dev_addr === dma)!;
      expect([e.pfn, e.offset, DmaDebugStore.to_cacheline_number(e)], `${p}`).toEqual([Number(p >> 12n), Number(p & 4095n), cln]);
      expect(d.cacheline_overlap(cln), `${p}`).toBe(0);
      debug_dma_unmap_page(k, dev, dma, 64, DMA_FROM_DEVICE);
      expect(d.cacheline_overlap(cln), `${p}`).toBeUndefined();
    }
    expect(ids(k)).toEqual([]);
    expect(d.entries()).toHaveLength(0);
  });

  it("D19 overlapping mappings, 5.14 default: plain pr_err, not counted (R-ADDR-07)", () => {
    const { k, d } = fake({ num_errors: 0 });
    const dev = mkdev();
    mapChecked(k, dev, 0x100000, 32, DMA_FROM_DEVICE, 0x100000);
    mapChecked(k, dev, 0x100020, 32, DMA_FROM_DEVICE, 0x100020);
    expect(ids(k)).toEqual(["D19"]);
    expect(k.diagnostics[0]).toMatchObject({ message: "DMA-API: cacheline tracking EEXIST, overlapping mappings aren't supported", printed: true });
    expect(d.error_count).toBe(0);
    expect(d.cacheline_overlap(0x100000 / 64)).toBe(1);
    debug_dma_unmap_page(k, dev, 0x100000, 32, DMA_FROM_DEVICE);
    debug_dma_unmap_page(k, dev, 0x100020, 32, DMA_FROM_DEVICE);
    expect(d.cacheline_overlap(0x100000 / 64)).toBeUndefined();
  });

  it("D19 as a counted err_printk (eexistCounted, 5.15), exempt with DMA_ATTR_SKIP_CPU_SYNC (R-ADDR-07, R-ATTR-05, R-STR-21)", () => {
    const { k, d } = fake({ all_errors: true, eexistCounted: true });
    const dev = mkdev();
    debug_dma_map_page(k, dev, 0x100000, 64, DMA_FROM_DEVICE, 0x100000, "page", null);
    debug_dma_map_page(k, dev, 0x100000, 64, DMA_FROM_DEVICE, 0x500000, "page", null, DMA_ATTR_SKIP_CPU_SYNC);
    expect(ids(k)).toEqual([]);
    debug_dma_map_page(k, dev, 0x100010, 16, DMA_BIDIRECTIONAL, 0x600000, "page", null);
    expect(ids(k)).toEqual(["D19"]);
    expect(msg(k, "D19")).toBe("DMA-API: mydrv fe300000.mmc: cacheline tracking EEXIST, overlapping mappings aren't supported");
    expect(d.error_count).toBe(1);
  });

  it("D19: DMA_TO_DEVICE mappings are never tracked; ≤5.13 is silent (R-ADDR-07)", () => {
    const { k } = fake({ all_errors: true, eexistCounted: true });
    const dev = mkdev();
    mapChecked(k, dev, 0x100000, 64, DMA_TO_DEVICE, 0x100000);
    mapChecked(k, dev, 0x100000, 64, DMA_TO_DEVICE, 0x500000);
    mapChecked(k, dev, 0x100000, 64, DMA_FROM_DEVICE, 0x600000);
    expect(ids(k)).toEqual([]);
    const old = fake({ all_errors: true, ...dmaDebugOptionsFor("5.13") });
    mapChecked(old.k, dev, 0x100000, 64, DMA_FROM_DEVICE, 0x100000);
    mapChecked(old.k, dev, 0x100000, 64, DMA_FROM_DEVICE, 0x500000);
    expect(ids(old.k)).toEqual([]);
    expect(old.d.cacheline_overlap(0x100000 / 64)).toBe(1);
  });

  it("D20 exceeded 7 overlapping mappings of a cacheline: WARN_ONCE (R-ADDR-07, R-STR-08)", () => {
    const { k, d } = fake({ eexist: "silent" });
    const dev = mkdev();
    for (let i = 0; i < 8; i++) mapChecked(k, dev, 0x100000, 64, DMA_FROM_DEVICE, 0x100000 + i * 0x10000);
    expect(ids(k)).toEqual([]);
    expect(d.cacheline_overlap(0x4000)).toBe(7);
    mapChecked(k, dev, 0x100000, 64, DMA_FROM_DEVICE, 0x900000);
    mapChecked(k, dev, 0x100000, 64, DMA_FROM_DEVICE, 0xa00000);
    expect(ids(k)).toEqual(["D20", "D20"]);
    expect(k.diagnostics[0]).toMatchObject({ message: "DMA-API: exceeded 7 overlapping mappings of cacheline 0x0000000000004000", printed: true });
    expect(k.diagnostics[1]!.printed).toBe(false);
    expect(d.error_count).toBe(0);
  });

  it("D21 cacheline tracking ENOMEM disables dma-debug (R-DBG-03)", () => {
    const { k, d } = fake();
    const dev = mkdev();
    d.fail_next_radix_insert = true;
    mapChecked(k, dev, 0x100000, 64, DMA_FROM_DEVICE);
    expect(ids(k)).toEqual(["D21"]);
    expect(msg(k, "D21")).toBe("DMA-API: cacheline tracking ENOMEM, dma-debug disabled");
    expect(d.disabled).toBe(true);
    debug_dma_unmap_page(k, dev, 0x200000, 64, DMA_FROM_DEVICE);
    expect(ids(k)).toEqual(["D21"]);
  });
});

describe("dma-debug unbind, DEBUG_SG and pool", () => {
  it("D22 pending DMA allocations at driver unbind; entries stay tracked (R-STR-08)", () => {
    const { k, d } = fake();
    const dev = mkdev("0000:01:00.0", "mynic");
    mapChecked(k, dev, 0x102000, 1534, DMA_TO_DEVICE, 0x102000); // bucket 129
    mapChecked(k, dev, 0x100000, 4096, DMA_TO_DEVICE, 0x100000); // bucket 128
    dma_debug_device_change(k, dev, "pci");
    expect(ids(k)).toEqual(["D22"]);
    expect(msg(k, "D22")).toBe(
      "DMA-API: pci 0000:01:00.0: device driver has pending DMA allocations while released from device [count=2]\n" +
        "One of leaked entries details: [device address=0x0000000000102000] [size=1534 bytes] [mapped with DMA_TO_DEVICE] [mapped as single]",
    );
    expect(d.entries(dev)).toHaveLength(2);
    const other = mkdev("other", "x");
    dma_debug_device_change(k, other);
    expect(ids(k)).toEqual(["D22"]);
  });

  it("D23 sg segment longer than the device's max_segment_size (CONFIG_DMA_API_DEBUG_SG) (R-MASK-09)", () => {
    const { k } = fake({ all_errors: true }, arm64, { CONFIG_DMA_API_DEBUG_SG: true });
    const dev = mkdev();
    debug_dma_map_sg(k, dev, sgl(arm64, [{ paddr: 0x100000, length: 0x20000, dma: 0x100000 }]), 1, 1, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D23"]);
    expect(msg(k, "D23")).toBe("DMA-API: mydrv fe300000.mmc: mapping sg segment longer than device claims to support [len=131072] [max=65536]");
    const off = fake({ all_errors: true });
    debug_dma_map_sg(off.k, dev, sgl(arm64, [{ paddr: 0x100000, length: 0x20000, dma: 0x100000 }]), 1, 1, DMA_TO_DEVICE);
    expect(ids(off.k)).toEqual([]);
  });

  it("D24 mapped sg segment across the segment boundary (CONFIG_DMA_API_DEBUG_SG) (R-POOL-01, R-STR-06)", () => {
    const { k } = fake({ all_errors: true }, arm64, { CONFIG_DMA_API_DEBUG_SG: true });
    const dev = mkdev();
    debug_dma_map_sg(k, dev, sgl(arm64, [{ paddr: 0x100000, length: 0x2000, dma: 0xffff_f000 }]), 1, 1, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D24"]);
    expect(msg(k, "D24")).toBe("DMA-API: mydrv fe300000.mmc: mapping sg segment across boundary [start=0x00000000fffff000] [end=0x0000000100000fff] [boundary=0x00000000ffffffff]");
  });

  it("D25 dma_debug_entry pool grown: logged when the total reaches a multiple of the preallocation (R-DBG-03)", () => {
    const { k, d } = fake({ all_errors: true, nr_prealloc_entries: 64 });
    const dev = mkdev();
    expect(d.nr_total_entries).toBe(64);
    for (let i = 0; i < 65; i++) mapChecked(k, dev, 0x100000 + i * 4096, 64, DMA_TO_DEVICE);
    expect(d.nr_total_entries).toBe(96);
    expect(ids(k)).toEqual([]);
    for (let i = 65; i < 97; i++) mapChecked(k, dev, 0x100000 + i * 4096, 64, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D25"]);
    expect(msg(k, "D25")).toBe("DMA-API: dma_debug_entry pool grown to 128 (200%)");
    expect(d.error_count).toBe(0);
    expect(d.num_free_entries).toBe(128 - 97);
    expect(d.min_free_entries).toBe(0); // the pool ran dry before each growth
    for (let i = 0; i < 97; i++) debug_dma_unmap_page(k, dev, 0x100000 + i * 4096, 64, DMA_TO_DEVICE);
    expect(d.num_free_entries).toBe(128);
    expect(d.nr_total_entries).toBe(128);
  });

  it("default pool is 65536 entries; growth failure disables the facility (R-DBG-03)", () => {
    const { k, d, logs } = fake({ all_errors: true, nr_prealloc_entries: 32 });
    expect(new DmaDebug().nr_total_entries).toBe(65536);
    const dev = mkdev();
    d.fail_pool_growth = true;
    for (let i = 0; i < 33; i++) mapChecked(k, dev, 0x100000 + i * 4096, 64, DMA_TO_DEVICE);
    expect(d.disabled).toBe(true);
    expect(logs).toContain("DMA-API: debugging out of memory - disabling");
    expect(d.entries()).toHaveLength(32);
  });
});

describe("dma-debug reporting rules (err_printk)", () => {
  it("num_errors defaults to 1: only the first error is printed, all are counted (R-DBG-01)", () => {
    const { k, d } = fake({});
    const dev = mkdev();
    debug_dma_unmap_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    debug_dma_unmap_page(k, dev, 0x200000, 4096, DMA_TO_DEVICE);
    debug_dma_unmap_page(k, dev, 0x300000, 4096, DMA_TO_DEVICE);
    expect(k.diagnostics.map((x) => x.printed)).toEqual([true, false, false]);
    expect(d.error_count).toBe(3);
    expect(d.num_errors).toBe(0);
  });

  it("all_errors prints every error and leaves num_errors alone (R-DBG-01)", () => {
    const { k, d } = fake({ all_errors: true });
    const dev = mkdev();
    debug_dma_unmap_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    debug_dma_unmap_page(k, dev, 0x200000, 4096, DMA_TO_DEVICE);
    expect(k.diagnostics.map((x) => x.printed)).toEqual([true, true]);
    expect(d.error_count).toBe(2);
    expect(d.num_errors).toBe(1);
  });

  it("driver_filter limits printing to one driver; a filtered error still uses up num_errors (R-DBG-02)", () => {
    const { k, d, logs } = fake({ num_errors: 2, driver_filter: "mydrv" });
    const mine = mkdev("a", "mydrv");
    const other = mkdev("b", "otherdrv");
    debug_dma_unmap_page(k, other, 0x100000, 4096, DMA_TO_DEVICE);
    debug_dma_unmap_page(k, mine, 0x100000, 4096, DMA_TO_DEVICE);
    debug_dma_unmap_page(k, mine, 0x200000, 4096, DMA_TO_DEVICE);
    expect(k.diagnostics.map((x) => x.printed)).toEqual([false, true, false]);
    expect(d.error_count).toBe(3);
    d.filter_write(k, "\n");
    expect(d.driver_filter).toBe("");
    expect(logs).toContain("DMA-API: switching off dma-debug driver filter");
    d.filter_write(k, "otherdrv extra");
    expect(d.driver_filter).toBe("otherdrv");
    expect(logs).toContain("DMA-API: enable driver filter for driver [otherdrv]");
  });

  it("the saved call chain is logged after 'Mapped at:' when tracing (R-DBG-01)", () => {
    const { k, logs } = fake();
    const dev = mkdev();
    const tr = new Tracer();
    k.tr = tr;
    tr.enter(sym("mydrv_start_xmit", "drivers/net/mydrv.c"));
    tr.enter(sym("dma_map_page_attrs", "kernel/dma/mapping.c"));
    debug_dma_map_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE, 0x100000, "page", null);
    tr.exit();
    tr.exit();
    debug_dma_unmap_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    expect(ids(k)).toEqual(["D08"]);
    expect(logs).toEqual([
      // err_printk's WARN(1, …) first (5.14-rc5 kernel/dma/debug.c:1025 in check_unmap), then dump_entry_trace
      "------------[ cut here ]------------",
      "DMA-API: mydrv fe300000.mmc: device driver failed to check map error[device address=0x0000000000100000] [size=4096 bytes] [mapped as single]",
      "WARNING: CPU: 0 PID: 1000 at kernel/dma/debug.c:1025 check_unmap+0x…/0x…",
      "Modules linked in:",
      "CPU: 0 PID: 1000 Comm: test Not tainted 5.14.0-rc5 #1",
      "pc : check_unmap+0x…/0x…",
      "lr : debug_dma_unmap_page+0x…/0x…",
      "Call trace:",
      " check_unmap+0x…/0x…",
      " debug_dma_unmap_page+0x…/0x…",
      "---[ end trace 3f1c2d9e8a7b6051 ]---",
      "DMA-API: Mapped at:", " debug_dma_map_page", " dma_map_page_attrs", " mydrv_start_xmit",
    ]);
    expect(k.tainted_mask).toBe(1 << 9); // TAINT_WARN
    expect(tr.events.some((e) => e.kind === "diagnostic" && e.id === "D08")).toBe(true);
  });
});

describe("dma-debug setup and dump", () => {
  it("dma_debug_init picks the version's behaviour and the Kconfig knobs", () => {
    const { k } = fake();
    (k.cfg as { dma_debug_num_errors: number }).dma_debug_num_errors = 5;
    const { k: kl, logs } = fake();
    dma_debug_init(kl);
    expect(logs).toEqual(["DMA-API: preallocated 65536 debug entries", "DMA-API: debugging enabled by kernel config"]); // pr_info, 5.10.7 debug.c:901, :915
    const d = dma_debug_init(k)!;
    expect(k.dma_debug).toBe(d);
    expect(d.eexist).toBe("pr_err");
    expect(d.num_errors).toBe(5);
    expect(dma_debug_init(k, { eexistCounted: true })!.eexist).toBe("err_printk");
    (k.version as { id: string }).id = "5.19";
    expect(dma_debug_init(k)!.eexist).toBe("err_printk");
    expect(dma_debug_init(k)!.sgChecksAllNents).toBe(true);
    (k.version as { id: string }).id = "5.10";
    expect(dma_debug_init(k)!.eexist).toBe("silent");
    (k.cfg as { CONFIG_DMA_API_DEBUG: boolean }).CONFIG_DMA_API_DEBUG = false;
    expect(dma_debug_init(k)).toBeNull();
    expect(k.dma_debug).toBeNull();
  });

  it("debug_dma_dump_mappings lists one device's entries in the 5.x dev_info format", () => {
    const { k, d } = fake();
    const dev = mkdev();
    const other = mkdev("b", "otherdrv");
    debug_dma_map_page(k, dev, 0x100040, 4096, DMA_TO_DEVICE, 0x100040, "single", null);
    mapChecked(k, other, 0x200000, 64, DMA_FROM_DEVICE);
    debug_dma_alloc_coherent(k, dev, 8192, 0x300000, lin(0x300000), 0x300000);
    expect(debug_dma_dump_mappings(k, dev)).toEqual([
      "mydrv fe300000.mmc: single idx 128 P=100040 N=100 D=100040 L=1000 DMA_TO_DEVICE dma map error not checked",
      "mydrv fe300000.mmc: coherent idx 384 P=300000 N=300 D=300000 L=2000 DMA_BIDIRECTIONAL dma map error check not applicable",
    ]);
    expect(debug_dma_dump_mappings(k, null)).toHaveLength(3);
    expect(d.dump_show()[1]).toBe("b otherdrv single idx 256 P=200000 N=200 D=200000 L=40 DMA_FROM_DEVICE dma map error checked");
  });

  it("5.6 prints type2name off by one (the stale five-entry table, fixed by 9bb50ed74709 in 5.7): a coherent entry reads \"scather-gather\"", () => {
    for (const [v, name] of [["5.6", "scather-gather"], ["5.10", "coherent"], ["5.19", "coherent"]] as const) {
      const { k, d } = fake({ all_errors: true }, arm64, {}, v);
      const dev = mkdev();
      debug_dma_alloc_coherent(k, dev, 8192, 0x300000, lin(0x300000), 0x300000);
      expect(debug_dma_dump_mappings(k, dev), v).toEqual([`mydrv fe300000.mmc: ${name} idx 384 P=300000 N=300 D=300000 L=2000 DMA_BIDIRECTIONAL dma map error check not applicable`]);
      expect(d.dump_show(k)[0], v).toBe(`fe300000.mmc mydrv ${name} idx 384 P=300000 N=300 D=300000 L=2000 DMA_BIDIRECTIONAL dma map error check not applicable`);
    }
  });

  it("sgChecksAllNents (5.15) runs the stack check over every CPU segment (R-ADDR-03)", () => {
    const dev = mkdev();
    const segs = [
      { paddr: 0x100000, length: 4096, dma: 0x100000, dma_len: 8192 },
      { paddr: 0x1000_1000, length: 4096, dma: 0, dma_len: 0 },
    ];
    const old = fake();
    old.k.task_stack = { start: lin(0x1000_0000), end: lin(0x1000_4000), vmapped: false, pfns: [] };
    debug_dma_map_sg(old.k, dev, sgl(arm64, segs), 2, 1, DMA_TO_DEVICE);
    expect(ids(old.k)).toEqual([]);
    const nu = fake({ all_errors: true, sgChecksAllNents: true });
    nu.k.task_stack = old.k.task_stack;
    debug_dma_map_sg(nu.k, dev, sgl(arm64, segs), 2, 1, DMA_TO_DEVICE);
    expect(ids(nu.k)).toEqual(["D15"]);
  });

  it("a disabled facility (dma_debug=off) records nothing", () => {
    const { k, d } = fake({ off: true });
    const dev = mkdev();
    debug_dma_unmap_page(k, dev, 0x100000, 4096, DMA_TO_DEVICE);
    expect(ids(k)).toEqual([]);
    expect(d.error_count).toBe(0);
  });
});

describe("dma-debug through the engine (boot + scenario runner)", () => {
  it("rpi4 5.14: unchecked dma_map_single → D08 at unmap; a leaked mapping → D22 at unbind (R-STR-01, R-STR-08)", async () => {
    const { runYaml } = await import("./helpers.js");
    const r = runYaml(`
name: dma-debug end to end
platform: rpi4
kernel: "5.14"
config: { CONFIG_DMA_API_DEBUG: y, dma_debug_all_errors: y }
steps:
  - { op: kmalloc, size: 4096, as: a }
  - { op: kmalloc, size: 4096, as: b }
  - { op: dma_map_single, buf: a, size: 4096, dir: DMA_TO_DEVICE, as: ma }
  - { op: dma_unmap_single, map: ma }
  - { op: dma_map_single, buf: b, size: 4096, dir: DMA_FROM_DEVICE, as: mb }
  - { op: dma_mapping_error, map: mb }
  - { op: driver_unbind }
`);
    expect(r.diagnostics.map((x) => x.id)).toEqual(["D08", "D22"]);
    expect(r.diagnostics[0]!.message).toMatch(/: device driver failed to check map error\[device address=0x[0-9a-f]{16}\] \[size=4096 bytes\] \[mapped as single\]$/);
    expect(r.diagnostics[0]!.step).toBe(3);
    expect(r.diagnostics[1]!.message).toMatch(/^DMA-API: platform \S+: device driver has pending DMA allocations while released from device \[count=1\]\nOne of leaked entries details: .*\[mapped with DMA_FROM_DEVICE\] \[mapped as single\]$/);
  });
});

/**
 * Issue 11: 6.18's physical-address API (dma_map_phys, DMA_ATTR_MMIO: f7326196a781, eadaa8b255f3,
 * e53d29f957b3, e9e81d86fee6) and 6.12's DMA-API tracepoints (038eb433dc14), each against its
 * tree (docs/verified-facts.md, "6.12 tracepoints and the 6.18 physical-address API").
 * Lines are compared whole: the ftrace line format, each version's TP_printk, real addresses.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { renderTrace, type TraceEvent } from "../src/core/trace.js";
import { ftraceLines } from "../src/format/ftrace.js";
import { InputError, NotApplicable } from "../src/core/faults.js";
import { kmalloc_size_roundup } from "../src/mm/slab_common.js";
import { decode_dma_attrs } from "../src/include/trace/events/dma.js";
import { bootK, run, runYaml } from "./helpers.js";
import { dmasim, dmasimOnce, ensureBuilt, lines } from "./cli-spawn.js";

const calls = (ev: readonly TraceEvent[]) => ev.filter((e) => e.kind === "call").map((e) => (e as { fn: string }).fn);
const TASK = "        scenario-1000    [000] .....     0.000000: ";

describe("6.18: the existing ops run the physical-address API (f7326196a781, e53d29f957b3)", () => {
  const y = (kernel: string) => `
name: one map
platform: rpi4
kernel: "${kernel}"
steps:
  - { op: kmalloc, size: 4K, gfp: GFP_DMA, as: b }
  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_TO_DEVICE, as: m }
  - { op: dma_unmap_single, map: m }
  - { op: dma_map_sg, entries: [{ buf: b, length: 512 }], dir: DMA_TO_DEVICE, as: s }
  - { op: dma_unmap_sg, map: s }
`;
  it("6.18: dma_map_single_attrs → dma_map_page_attrs → dma_map_phys → dma_direct_map_phys; unmap through dma_unmap_phys → dma_direct_unmap_phys", () => {
    const r = runYaml(y("6.18"), { trace: true });
    expect(r.ok).toBe(true);
    expect(calls(r.steps[1]!.trace)).toEqual(["dma_map_single_attrs", "dma_map_page_attrs", "dma_map_phys", "dma_direct_map_phys", "arch_sync_dma_for_device"]);
    expect(r.steps[1]!.result.dma_addr).toBe("0xc0008000");
    expect(calls(r.steps[2]!.trace)).toEqual(["dma_unmap_page_attrs", "dma_unmap_phys", "dma_direct_unmap_phys", "dma_direct_sync_single_for_cpu", "arch_sync_dma_for_cpu"]);
    expect(calls(r.steps[3]!.trace)).toEqual(["dma_map_sg_attrs", "dma_direct_map_sg", "dma_direct_map_phys", "arch_sync_dma_for_device"]);
    expect(calls(r.steps[4]!.trace)).toContain("dma_direct_unmap_phys");
  });
  it("6.12: the page API of before (dma_map_page_attrs → dma_direct_map_page), no dma_map_phys", () => {
    const r = runYaml(y("6.12"), { trace: true });
    expect(calls(r.steps[1]!.trace)).toEqual(["dma_map_single_attrs", "dma_map_page_attrs", "dma_direct_map_page", "arch_sync_dma_for_device"]);
    expect(r.steps[1]!.result.dma_addr).toBe("0xc0008000");
  });
});

describe("events/dma tracepoints: 6.12 (038eb433dc14) and 6.18's renamed events (76bb7c49f50c)", () => {
  it("the bundled traced transmit: exact trace-file lines on 6.12 and 6.18, none before 6.12", () => {
    const ev = (kernel: string) => run("scenarios/drivers/trace-map-unmap.yaml", { kernel, trace: true });
    const r612 = ev("6.12");
    expect(r612.ok).toBe(true);
    expect(r612.steps.flatMap((s) => ftraceLines(s.trace))).toEqual([
      TASK + "dma_map_page: fe00b000.v4l2 dir=TO_DEVICE dma_addr=c0008000 size=1500 phys_addr=8000 attrs=",
      TASK + "dma_sync_single_for_device: fe00b000.v4l2 dir=TO_DEVICE dma_addr=c0008000 size=1500",
      TASK + "dma_unmap_page: fe00b000.v4l2 dir=TO_DEVICE dma_addr=c0008000 size=1500 attrs=",
    ]);
    const r618 = ev("6.18");
    expect(r618.ok).toBe(true);
    expect(r618.steps.flatMap((s) => ftraceLines(s.trace))).toEqual([
      TASK + "dma_map_phys: fe00b000.v4l2 dir=TO_DEVICE dma_addr=c0008000 size=1500 phys_addr=8000 attrs=",
      TASK + "dma_sync_single_for_device: fe00b000.v4l2 dir=TO_DEVICE dma_addr=c0008000 size=1500",
      TASK + "dma_unmap_phys: fe00b000.v4l2 dir=TO_DEVICE dma_addr=c0008000 size=1500 attrs=",
    ]);
    for (const kernel of ["5.19", "6.6"]) {
      const r = ev(kernel);
      expect(r.ok, kernel).toBe(true);
      expect(r.steps.flatMap((s) => ftraceLines(s.trace)), kernel).toEqual([]);
    }
  });

  const sg = (kernel: string, extra = "") => `
name: sg
platform: rpi4
kernel: "${kernel}"
steps:
  - { op: kmalloc, size: 4K, gfp: GFP_DMA, as: b }
  - { op: msleep, ms: 1500 }
  - { op: dma_map_sg, entries: [{ buf: b, length: 512 }, { buf: b, offset: 2048, length: 256 }], dir: DMA_FROM_DEVICE, attrs: DMA_ATTR_SKIP_CPU_SYNC|DMA_ATTR_WEAK_ORDERING, as: s }
  - { op: dma_sync_sg_for_cpu, map: s, dir: DMA_FROM_DEVICE }
  - { op: dma_unmap_sg, map: s }
${extra}`;
  const T15 = "        scenario-1000    [000] .....     1.500000: ";
  it("dma_map_sg: 6.12 prints the three arrays; 6.18.35 (daafcc0ef0b3 in 6.18.y) first the counts; the timestamp is the model clock", () => {
    const r612 = runYaml(sg("6.12"), { trace: true });
    expect(r612.steps.flatMap((s) => ftraceLines(s.trace))).toEqual([
      T15 + "dma_map_sg: fe00b000.v4l2 dir=FROM_DEVICE dma_addrs={0xc0008000,0xc0008800} sizes={0x200,0x100} phys_addrs={0x8000,0x8800} attrs=WEAK_ORDERING|SKIP_CPU_SYNC",
      T15 + "dma_sync_sg_for_cpu: fe00b000.v4l2 dir=FROM_DEVICE dma_addrs={0xc0008000,0xc0008800} sizes={0x200,0x100}",
      T15 + "dma_unmap_sg: fe00b000.v4l2 dir=FROM_DEVICE phys_addrs={0x8000,0x8800} attrs=WEAK_ORDERING|SKIP_CPU_SYNC",
    ]);
    const r618 = runYaml(sg("6.18"), { trace: true });
    expect(ftraceLines(r618.steps[2]!.trace)).toEqual([
      T15 + "dma_map_sg: fe00b000.v4l2 dir=FROM_DEVICE nents=2/2 ents=2/2 dma_addrs={0xc0008000,0xc0008800} sizes={0x200,0x100} phys_addrs={0x8000,0x8800} attrs=WEAK_ORDERING|SKIP_CPU_SYNC",
    ]);
  });

  it("6.18: a 130-entry list is traced capped at DMA_TRACE_MAX_ENTRIES with [TRUNCATED]; 6.12 prints all 130", () => {
    const entries = Array.from({ length: 130 }, (_, i) => `{ buf: b, offset: ${i * 16}, length: 16 }`).join(", ");
    const y = (kernel: string) => `
name: long sg
platform: x86_64
kernel: "${kernel}"
steps:
  - { op: kmalloc, size: 4K, as: b }
  - { op: dma_map_sg, entries: [${entries}], dir: DMA_TO_DEVICE, as: s }
`;
    // each 16-byte entry above the 32-bit mask first bounces (130 swiotlb:swiotlb_bounced lines), then dma_map_sg fires
    const sgLine = (kernel: string) => ftraceLines(runYaml(y(kernel), { trace: true }).steps[1]!.trace).find((l) => l.includes(": dma_map_sg: "))!;
    const l618 = sgLine("6.18");
    expect(l618).toMatch(/: dma_map_sg: 0000:02:00\.0 dir=TO_DEVICE nents=128\/130 ents=128\/130 \[TRUNCATED\] dma_addrs=\{/);
    const arrays = [...l618.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!.split(","));
    expect(arrays.map((a) => a.length)).toEqual([128, 128, 128]);
    const l612 = sgLine("6.12");
    expect(l612).not.toContain("nents=");
    expect([...l612.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!.split(",").length)).toEqual([130, 130, 130]);
  });

  it("decode_dma_attrs: 6.12 does not know MMIO (left-over bits as 0x%lx), 6.18 does; 0 prints nothing", () => {
    expect(decode_dma_attrs(bootK("rpi4", "6.12"), (1 << 10) | (1 << 5))).toBe("SKIP_CPU_SYNC|0x400");
    expect(decode_dma_attrs(bootK("rpi4", "6.18"), (1 << 10) | (1 << 5))).toBe("SKIP_CPU_SYNC|MMIO");
    expect(decode_dma_attrs(bootK("rpi4", "6.18"), 0)).toBe("");
  });

  it("the events go into the one event stream: the call tree shows them where the kernel fires them (after the map, before dma-debug)", () => {
    const r = runYaml(sg("6.12"), { trace: true, set: { CONFIG_DMA_API_DEBUG: "y" } });
    const text = renderTrace(r.steps[2]!.trace, false).join("\n");
    expect(text.indexOf("· trace_dma_map_sg: fe00b000.v4l2 dir=FROM_DEVICE")).toBeGreaterThan(text.indexOf("← dma_direct_map_sg = 2"));
    expect(text.indexOf("· trace_dma_map_sg:")).toBeLessThan(text.indexOf("→ debug_dma_map_sg("));
  });
});

describe("DMA_ATTR_MMIO (6.18): no translation, no bounce, no cache maintenance; dma-debug's RAM check", () => {
  it("the bundled scenario: a register maps to its own address, a RAM buffer mapped as MMIO gets D27 and a bus error", () => {
    const r = run("scenarios/drivers/map-mmio-phys.yaml", { trace: true });
    expect(r.kernel).toBe("6.18");
    expect(r.ok).toBe(true);
    expect(r.steps[0]!.result.dma_addr).toBe("0xfe204000");
    expect(r.steps[0]!.trace.some((e) => e.kind === "cache" || e.kind === "swiotlb")).toBe(false);
    expect(ftraceLines(r.steps[0]!.trace)).toEqual([TASK + "dma_map_phys: fe00b000.v4l2 dir=TO_DEVICE dma_addr=fe204000 size=4 phys_addr=fe204000 attrs=MMIO"]);
    expect(renderTrace(r.steps[2]!.trace, false).join("\n")).toContain("? attrs & DMA_ATTR_MMIO: yes — nothing to do: uncached and no swiotlb");
    // RAM at phys 0x8000 (kmalloc-4k's first order-3 slab: page 0 is reserved) mapped as MMIO: dma_addr = phys
    // (not 0xc0008000), no cache clean of the CPU's bytes
    expect(r.steps[5]!.result.dma_addr).toBe("0x8000");
    expect(r.steps[5]!.trace.some((e) => e.kind === "cache")).toBe(false);
    expect(r.diagnostics.map((d) => [d.id, d.message, d.step])).toEqual([["D27", "DMA-API: bcm2835-codec fe00b000.v4l2: dma_map_resource called for RAM address 0x0000000000008000", 5]]);
    expect(r.faults.map((f) => [f.kind, f.message])).toEqual([["bus_error", "device fe00b000.v4l2: read of 13 bytes at bus address 0x8000 is outside its dma-ranges: bus error"]]);
  });

  it("dma_map_page with DMA_ATTR_MMIO is refused before dma_map_phys (18c9cbb042c9): DMA_MAPPING_ERROR, no event, not tracked", () => {
    const r = runYaml(`
name: page + MMIO
platform: x86_64
kernel: "6.18"
config: { CONFIG_DMA_API_DEBUG: y }
steps:
  - { op: kmalloc, size: 4K, as: b }
  - { op: dma_map_page, buf: b, size: 4K, dir: DMA_TO_DEVICE, attrs: DMA_ATTR_MMIO, as: m, expect: { returns: DMA_MAPPING_ERROR } }
`, { trace: true });
    expect(r.ok).toBe(true);
    expect(calls(r.steps[1]!.trace)).toEqual(["dma_map_page_attrs"]);
    expect(ftraceLines(r.steps[1]!.trace)).toEqual([]);
  });

  it("swiotlb=force: DMA_ATTR_MMIO fails without the overflow WARN (47322c469d4a, in 6.18.35), RAM bounces", () => {
    const r = runYaml(`
name: forced
platform: x86_64
kernel: "6.18"
steps:
  - { op: dma_map_phys, phys: 0xfd000000, size: 4K, dir: DMA_FROM_DEVICE, attrs: DMA_ATTR_MMIO, as: bar, expect: { returns: DMA_MAPPING_ERROR } }
  - { op: kmalloc, size: 4K, as: b }
  - { op: dma_map_phys, buf: b, size: 4K, dir: DMA_FROM_DEVICE, as: m, expect: { bounced: true } }
`, { set: { swiotlb: "force" } });
    expect(r.ok).toBe(true);
    expect(r.faults).toEqual([]);
  });

  it("dma-debug records 6.18's streaming mappings as \"phy\" (e9e81d86fee6), 6.12's as \"single\"", () => {
    const y = (kernel: string) => `
name: unchecked
platform: x86_64
kernel: "${kernel}"
config: { CONFIG_DMA_API_DEBUG: y }
steps:
  - { op: kmalloc, size: 1500, as: b }
  - { op: dma_map_single, buf: b, size: 1500, dir: DMA_TO_DEVICE, as: m }
  - { op: dma_unmap_single, map: m }
`;
    expect(runYaml(y("6.18")).diagnostics.map((d) => d.message)).toEqual(["DMA-API: snd_hda_intel 0000:02:00.0: device driver failed to check map error[device address=0x00000000bc000000] [size=1500 bytes] [mapped as phy]"]);
    expect(runYaml(y("6.12")).diagnostics.map((d) => d.message)).toEqual(["DMA-API: snd_hda_intel 0000:02:00.0: device driver failed to check map error[device address=0x00000000bc000000] [size=1500 bytes] [mapped as single]"]);
  });
});

describe("DMA_ATTR_MMIO through dma_map_ops (6.18)", () => {
  const y = (phys: string) => `
name: a BAR through the device's ops
kernel: "6.18"
steps:
  - { op: dma_map_phys, phys: ${phys}, size: 8K, dir: DMA_BIDIRECTIONAL, attrs: DMA_ATTR_MMIO, as: bar }
  - { op: dma_unmap_phys, map: bar }
`;
  it("behind an IOMMU: an IOVA for the BAR (iommu_dma_map_phys's MMIO path), unmapped again", () => {
    const r = runYaml(y("0xfd000000"), { platform: "arm64-smmu", trace: true });
    expect(r.ok).toBe(true);
    expect(r.steps[0]!.result.dma_addr).toBe("0xffffe000");
    expect(ftraceLines(r.steps[0]!.trace)).toEqual([TASK + "dma_map_phys: 0000:00:02.0 dir=BIDIRECTIONAL dma_addr=ffffe000 size=8192 phys_addr=fd000000 attrs=MMIO"]);
    expect(r.steps[0]!.trace.some((e) => e.kind === "cache" || e.kind === "swiotlb")).toBe(false);
    expect(calls(r.steps[1]!.trace)).toContain("__iommu_dma_unmap");
  });
  it("on Xen: xen_swiotlb_direct_map_resource (bf0ecb3c3239) hands out the address as is, or dev_err_once + WARN_ON_ONCE past the mask", () => {
    const ok = runYaml(y("0xfd000000"), { platform: "x86_64-xen-pv" });
    expect(ok.steps[0]!.result.dma_addr).toBe("0xfd000000");
    expect(ok.faults).toEqual([]);
    const far = runYaml(y("0x10000000000"), { platform: "rpi4-xen", trace: true });
    expect(far.steps[0]!.result.ret).toBe("DMA_MAPPING_ERROR");
    expect(far.faults.map((f) => [f.kind, f.message, f.at])).toEqual([["warn", "WARNING: xen_swiotlb_direct_map_resource", "drivers/xen/swiotlb-xen.c:407"]]);
    expect(renderTrace(far.steps[0]!.trace, false)).toContain("    · [err] bcm2835-codec fe00b000.v4l2: DMA addr 0x0000010000000000+8192 overflow (mask ffffffff, bus limit ffffffff).");
  });
});

describe("dma_kmalloc_needs_bounce in 6.18's dma_direct_map_phys (non-coherent arm64)", () => {
  it("kmalloc_size_roundup on 6.18 arm64: the 8..192 caches with 96 and 192, then powers of two", () => {
    const k = bootK("rpi4", "6.18");
    expect([1, 8, 9, 64, 65, 96, 97, 128, 129, 192, 193, 256, 257].map((n) => kmalloc_size_roundup(k, n))).toEqual([8, 8, 16, 64, 96, 96, 128, 128, 192, 192, 256, 256, 512]);
  });
  it("rpi4 6.18: 72 bytes (kmalloc-96) BIDIRECTIONAL bounce; 64 and 128 bytes (whole 64-byte lines: dma_get_cache_alignment() is cache_line_size()) and TO_DEVICE do not; a coherent arm64 device never", () => {
    const y = `
name: small
platform: rpi4
kernel: "6.18"
steps:
  - { op: kmalloc, size: 256, gfp: GFP_DMA, as: b }
  - { op: dma_map_single, buf: b, size: 64, dir: DMA_FROM_DEVICE, as: a }
  - { op: dma_map_single, buf: b, size: 64, dir: DMA_TO_DEVICE, as: t }
  - { op: dma_map_single, buf: b, size: 128, dir: DMA_FROM_DEVICE, as: u }
  - { op: dma_map_single, buf: b, size: 72, dir: DMA_BIDIRECTIONAL, as: v }
`;
    const r = runYaml(y, { trace: true });
    expect([1, 2, 3, 4].map((i) => r.steps[i]!.result.bounced)).toEqual([false, false, false, true]);
    expect(renderTrace(r.steps[4]!.trace, false).join("\n")).toContain("? dma_kmalloc_needs_bounce(dev, size, dir): yes — a non-coherent device, DMA_BIDIRECTIONAL and 72 bytes: kmalloc_size_roundup gives 96, not a multiple of dma_get_cache_alignment() 64");
    expect(renderTrace(r.steps[1]!.trace, false).join("\n")).toContain("? dma_kmalloc_needs_bounce(dev, size, dir): no — no cache line is shared with another kmalloc object");
    const c = runYaml(y, { platform: "arm64-coherent" });
    expect([1, 2, 3, 4].map((i) => c.steps[i]!.result.bounced)).toEqual([false, false, false, false]);
  });
});

describe("version gates: one input error naming the version", () => {
  it("dma_map_phys before 6.18, DMA_ATTR_MMIO before 6.18: NotApplicable (an InputError) at the op's line:col", () => {
    const op = `
name: phys on 6.12
platform: x86_64
kernel: "6.12"
steps:
  - { op: kmalloc, size: 4K, as: b }
  - { op: dma_map_phys, buf: b, size: 4K, dir: DMA_TO_DEVICE, as: m }
`;
    let e: unknown;
    try {
      runYaml(op);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(NotApplicable);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toBe("steps[1].op: dma_map_phys is not in Linux 6.12: the physical-address API came in 6.18 (f7326196a781); use dma_map_page / dma_unmap_page");
    expect((e as InputError).where).toMatchObject({ line: 7, col: 11 }); // at the op's value, as the parser's steps[N].op errors
    expect(() => runYaml(op.replace("dma_map_phys, buf: b", "dma_map_single, buf: b").replace("DMA_TO_DEVICE", "DMA_TO_DEVICE, attrs: DMA_ATTR_MMIO"))).toThrow(
      "steps[1].attrs: DMA_ATTR_MMIO is not in Linux 6.12 (it came in 6.18 with eadaa8b255f3)",
    );
  });
});

describe("CLI (the built bundle)", () => {
  beforeAll(() => ensureBuilt(), 180_000);
  it("run --trace-events prints the trace-file lines under each step; the 6.18-only scenario on 6.12 is one error line, exit 2", { timeout: 120_000 }, async () => {
    const ok = await dmasimOnce(["run", "scenarios/drivers/trace-map-unmap.yaml", "--kernel", "6.12", "--trace-events"]);
    expect(ok.code).toBe(0);
    expect(lines(ok.stdout).map((l) => l.trimStart()).filter((l) => l.startsWith("scenario-"))).toEqual([
      "scenario-1000    [000] .....     0.000000: dma_map_page: fe00b000.v4l2 dir=TO_DEVICE dma_addr=c0008000 size=1500 phys_addr=8000 attrs=",
      "scenario-1000    [000] .....     0.000000: dma_sync_single_for_device: fe00b000.v4l2 dir=TO_DEVICE dma_addr=c0008000 size=1500",
      "scenario-1000    [000] .....     0.000000: dma_unmap_page: fe00b000.v4l2 dir=TO_DEVICE dma_addr=c0008000 size=1500 attrs=",
    ]);
    const bad = await dmasim(["run", "scenarios/drivers/map-mmio-phys.yaml", "--kernel", "6.12"]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(lines(bad.stderr)).toEqual(["scenarios/drivers/map-mmio-phys.yaml:15:9: steps[0].op: dma_map_phys is not in Linux 6.12: the physical-address API came in 6.18 (f7326196a781); use dma_map_page / dma_unmap_page"]);
  });
});

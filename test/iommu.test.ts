/**
 * The arm64-smmu platform: devices behind an SMMUv3 on iommu_dma_ops (drivers/iommu/dma-iommu.c),
 * IOVAs from the kernel's IOVA allocator, stage-1 tables of real descriptors, the SMMU's IOTLB.
 * The seed thread's open question, answered with bytes: natively, behind an IOMMU, a blocking
 * dma_alloc_coherent returns a vmalloc address even for a coherent PCIe device, so a driver's own
 * virt_to_phys() maps the wrong memory to user space while dma_mmap_coherent maps the right pages.
 */
import { describe, expect, it } from "vitest";
import { run, runYaml } from "./helpers.js";
import { VERSIONS, versionNumber } from "../src/versions.js";

const KERNELS = VERSIONS.map((v) => v.id);

describe("native vmalloc addresses behind an IOMMU (scenarios/iommu/native-virt-to-phys.yaml)", () => {
  for (const kernel of KERNELS) {
    it(`${kernel}: virt_to_phys of the buffer maps another pfn; dma_mmap_coherent maps the device's bytes`, () => {
      const r = run("scenarios/iommu/native-virt-to-phys.yaml", { kernel });
      const [alloc, , drv, drvRead, core, coreRead] = r.steps;
      expect(alloc!.result.addr_kind).toBe("vmalloc");
      /* a PCI device's first IOVA: the top of the 32-bit space (SAC first), 4 pages */
      expect(alloc!.result.dma_handle).toBe("0xffffc000");
      expect(drv!.result.pfn).not.toBe(drv!.result.buffer_pfn);
      expect(drvRead!.ok).toBe(false);
      expect(drvRead!.result.data).not.toBe('"completion entry 0"');
      expect(core!.result.pfn).toBe(core!.result.buffer_pfn);
      expect(coreRead!.result.data).toBe('"completion entry 0"');
      expect(r.ok).toBe(false);
    });
  }
  it("with iommu.passthrough=1 the device is on dma-direct: a linear address, and virt_to_phys is right", () => {
    const r = run("scenarios/iommu/native-virt-to-phys.yaml", { kernel: "5.19", set: { "iommu.passthrough": "1" } });
    expect(r.ok).toBe(true);
    expect(r.steps[0]!.result.addr_kind).toBe("linear");
    expect(r.steps[2]!.result.pfn).toBe(r.steps[2]!.result.buffer_pfn);
    expect(r.steps[3]!.result.data).toBe('"completion entry 0"');
  });
  it("the same driver pattern works on a coherent arm64 board without an IOMMU and on x86_64", () => {
    for (const platform of ["arm64-coherent", "x86_64"]) {
      const r = run("scenarios/iommu/native-virt-to-phys.yaml", { platform, kernel: "5.19" });
      expect(r.ok, platform).toBe(true);
      expect(r.steps[0]!.result.addr_kind).toBe("linear");
    }
  });
});

describe("strict vs lazy IOTLB invalidation (scenarios/iommu/lazy-flush-window.yaml)", () => {
  for (const kernel of ["5.10", "5.19"]) {
    it(`${kernel} strict: a device read after dma_unmap faults with SMMU event 0x10`, () => {
      const r = run("scenarios/iommu/lazy-flush-window.yaml", { kernel });
      expect(r.ok).toBe(true);
      const f = r.faults.find((x) => x.kind === "bus_error")!;
      expect(f.message).toContain("arm-smmu-v3 9050000.smmuv3: event 0x10 received:");
      /* EVTQ_0: event 0x10, StreamID 0x18; EVTQ_1: RnW (read), CLASS IN; EVTQ_2: the IOVA */
      expect(f.message).toContain("\t0x0000001800000010");
      expect(f.message).toContain("\t0x0000020800000000");
      expect(f.message).toContain("\t0x00000000fffff000");
    });
    it(`${kernel} lazy: the device still reads the page through its cached translation, and sees the CPU's new bytes`, () => {
      const r = run("scenarios/iommu/lazy-flush-window.yaml", { kernel, set: { "iommu.strict": "0" } });
      expect(r.ok).toBe(false);
      expect(r.steps[6]!.result.data).toBe('"SECRET KEY 1234"');
      expect(r.faults.filter((x) => x.kind === "bus_error")).toHaveLength(0);
    });
  }
  it("the window closes when the flush queue's 10 ms timer fires; the flush queue lives in iova.c before f7f07484542f (5.17) and in dma-iommu.c after", () => {
    for (const [kernel, file] of [["5.14", "drivers/iommu/iova.c"], ["5.19", "drivers/iommu/dma-iommu.c"]] as const) {
      const r = runYaml(`
name: window
platform: arm64-smmu
config: { iommu.strict: 0 }
device: "0000:00:03.0"
steps:
  - { op: kmalloc, size: 4096, as: b }
  - { op: cpu_write, buf: b, data: "abcd" }
  - { op: dma_map_single, buf: b, size: 4096, dir: DMA_TO_DEVICE, as: m }
  - { op: device_read, map: m, length: 4 }
  - { op: dma_unmap_single, map: m }
  - { op: msleep, ms: 9 }
  - { op: device_read, map: m, length: 4, expect: { data: "abcd" } }
  - { op: msleep, ms: 1 }
  - { op: device_read, map: m, length: 4, expect: { fault: bus_error } }
`, { kernel, trace: true });
      expect(r.ok, kernel).toBe(true);
      const queue = r.steps[4]!.trace.find((e) => e.kind === "call" && e.fn === "queue_iova");
      expect(queue && queue.kind === "call" ? queue.file : "", kernel).toBe(file);
      expect(r.steps[7]!.trace.some((e) => e.kind === "call" && e.fn === "fq_flush_timeout")).toBe(true);
    }
  });
});

describe("IOVAs and the page tables", () => {
  const maps = (n: number, extra = "") => `
name: iovas
platform: arm64-smmu
device: "0000:00:03.0"
steps:
${Array.from({ length: n }, (_, i) => `  - { op: kmalloc, size: 4096, as: b${i} }\n  - { op: dma_map_single, buf: b${i}, size: 4096, dir: DMA_TO_DEVICE, as: m${i} }`).join("\n")}
${extra}`;
  it("PCI mappings come top-down from the 32-bit space; an unmapped IOVA is reused from the range cache", () => {
    const r = runYaml(maps(3, "  - { op: dma_unmap_single, map: m1 }\n  - { op: kmalloc, size: 4096, as: c }\n  - { op: dma_map_single, buf: c, size: 4096, dir: DMA_TO_DEVICE, as: n }"), { kernel: "5.10" });
    expect(r.ok).toBe(true);
    const iovas = r.steps.filter((s) => s.op === "dma_map_single").map((s) => s.result.dma_addr);
    expect(iovas).toEqual(["0xfffff000", "0xffffe000", "0xffffd000", "0xffffe000"]);
  });
  it("iommu.forcedac=1 (5.13+) skips the 32-bit attempt: the first IOVA is at the top of the 48-bit space", () => {
    expect(runYaml(maps(1), { kernel: "5.13", set: { "iommu.forcedac": "1" } }).steps[1]!.result.dma_addr).toBe("0xfffffffff000");
    expect(runYaml(maps(1), { kernel: "5.10", set: { "iommu.forcedac": "1" } }).steps[1]!.result.dma_addr).toBe("0xfffff000");
  });
  it("a non-PCI platform device gets its IOVA below its 32-bit mask", () => {
    const r = runYaml(maps(1).replace('device: "0000:00:03.0"', 'device: "9010000.dma-controller"'), { kernel: "5.19" });
    expect(r.steps[1]!.result.dma_addr).toBe("0xfffff000");
  });
  it("dma_map_sg of three separate pages gives one DMA segment, and the device reads across them in order", () => {
    const r = runYaml(`
name: sg
platform: arm64-smmu
device: "0000:00:03.0"
steps:
  - { op: kmalloc, size: 4096, as: a }
  - { op: kmalloc, size: 4096, as: b }
  - { op: kmalloc, size: 4096, as: c }
  - { op: cpu_write, buf: a, offset: 4092, data: "AAAA" }
  - { op: cpu_write, buf: b, data: "BBBB" }
  - { op: cpu_write, buf: b, offset: 4092, data: "bbbb" }
  - { op: cpu_write, buf: c, data: "CCCC" }
  - op: dma_map_sg
    entries: [{ buf: a, length: 4096 }, { buf: b, length: 4096 }, { buf: c, length: 4096 }]
    dir: DMA_TO_DEVICE
    as: sg
  - { op: device_read, dma_addr: 0xffffcffc, length: 8, expect: { data: "AAAABBBB" } }
  - { op: device_read, dma_addr: 0xffffdffc, length: 8, expect: { data: "bbbbCCCC" } }
`, { kernel: "5.19" });
    expect(r.ok).toBe(true);
    /* one segment: 3 pages in one IOVA range (4 pages, rounded up to a power of two for the range cache) */
    expect(r.steps[7]!.result.ret).toBe("1");
    expect(String(r.steps[7]!.result.dma_addr).split(",")[0]).toBe("0xffffc000");
  });
});

describe("which address iommu_dma_alloc hands out, by gfp, attrs and coherency", () => {
  const alloc = (device: string, gfp: string, attrs = "0", kernel = "5.10") =>
    runYaml(`
name: alloc
platform: arm64-smmu
device: "${device}"
steps:
  - { op: dma_alloc_attrs, size: 8K, gfp: ${gfp}, attrs: ${attrs}, as: b }
  - { op: device_write, buf: b, data: "dev" }
  - { op: cpu_read, buf: b, length: 3, expect: { data: "dev" } }
  - { op: dma_free_attrs, buf: b }
`, { kernel, trace: true });
  it("blocking, coherent PCIe: iommu_dma_alloc_remap (vmalloc), and the CPU sees the device's bytes", () => {
    const r = alloc("0000:00:02.0", "GFP_KERNEL");
    expect(r.ok).toBe(true);
    expect(r.steps[0]!.result.addr_kind).toBe("vmalloc");
    expect(r.steps[0]!.trace.some((e) => e.kind === "call" && e.fn === "iommu_dma_alloc_remap")).toBe(true);
  });
  it("GFP_ATOMIC, coherent PCIe: one contiguous block at its linear address", () => {
    const r = alloc("0000:00:02.0", "GFP_ATOMIC");
    expect(r.ok).toBe(true);
    expect(r.steps[0]!.result.addr_kind).toBe("linear");
  });
  it("GFP_ATOMIC, non-coherent platform device: the atomic pool (a vmalloc address), still behind the IOMMU", () => {
    const r = alloc("9010000.dma-controller", "GFP_ATOMIC");
    expect(r.ok).toBe(true);
    expect(r.steps[0]!.result.addr_kind).toBe("vmalloc");
    expect(r.steps[0]!.trace.some((e) => e.kind === "call" && e.fn === "dma_alloc_from_pool")).toBe(true);
    expect(Number(r.steps[0]!.result.dma_handle)).toBeLessThan(2 ** 32);
  });
  it("DMA_ATTR_FORCE_CONTIGUOUS: linear for the coherent device, remapped (vmalloc) for the non-coherent one", () => {
    expect(alloc("0000:00:02.0", "GFP_KERNEL", "DMA_ATTR_FORCE_CONTIGUOUS").steps[0]!.result.addr_kind).toBe("linear");
    const nc = alloc("9010000.dma-controller", "GFP_KERNEL", "DMA_ATTR_FORCE_CONTIGUOUS");
    expect(nc.ok).toBe(true);
    expect(nc.steps[0]!.result.addr_kind).toBe("vmalloc");
  });
  it("a non-coherent device's streaming unmap invalidates the CPU cache at the physical address the IOVA maps", () => {
    const r = runYaml(`
name: nc
platform: arm64-smmu
device: "9010000.dma-controller"
steps:
  - { op: kmalloc, size: 4096, as: b }
  - { op: cpu_write, buf: b, data: "stale" }
  - { op: dma_map_single, buf: b, size: 4096, dir: DMA_FROM_DEVICE, as: m }
  - { op: cpu_read, buf: b, length: 5 }
  - { op: device_write, map: m, data: "fresh" }
  - { op: cpu_read, buf: b, length: 5, expect: { data: { hex: "00 00 00 00 00" } } }
  - { op: dma_unmap_single, map: m }
  - { op: cpu_read, buf: b, length: 5, expect: { data: "fresh" } }
`, { kernel: "5.10", trace: true });
    expect(r.ok).toBe(true);
    /* the map's invalidate dropped the CPU's "stale" line; the CPU then cached RAM's zeros and keeps them until the unmap */
    const wrote = r.steps[4]!.trace.find((e) => e.kind === "mem" && e.who === "device");
    const inv = r.steps[6]!.trace.find((e) => e.kind === "cache" && e.op === "invalidate");
    expect(wrote && wrote.kind === "mem" ? wrote.phys : "none").toBe(inv && inv.kind === "cache" ? inv.phys : "no invalidate");
    expect(r.steps[6]!.trace.some((e) => e.kind === "call" && e.fn === "iommu_dma_sync_single_for_cpu")).toBe(true);
  });
});

describe("an impossible coherent allocation behind the IOMMU (__iommu_dma_alloc_pages' page array)", () => {
  const huge = (kernel: string, first: boolean) =>
    runYaml(`
name: huge
platform: arm64-smmu
steps:
${first ? "  - { op: dma_alloc_coherent, size: 1T, as: h }\n" : ""}  - { op: dma_alloc_coherent, size: 8K, as: b }
  - { op: device_write, buf: b, data: "after" }
  - { op: cpu_read, buf: b, length: 5, expect: { data: "after" } }
`, { kernel });
  it("5.19: kvzalloc of 2^28 × 8 bytes is over INT_MAX: WARN_ON_ONCE in kvmalloc_node and NULL (7661809d493b)", () => {
    const r = huge("5.19", true);
    expect(r.steps[0]!.result.cpu_addr).toBe("NULL");
    expect(r.faults).toEqual([expect.objectContaining({ kind: "warn", pc: "kvmalloc_node", message: expect.stringContaining("for size 2147483648 > INT_MAX") })]);
  });
  it("5.14: no INT_MAX check; the page loop cannot get 2^28 pages of 8 GiB: NULL, no report", () => {
    const r = huge("5.14", true);
    expect(r.steps[0]!.result.cpu_addr).toBe("NULL");
    expect(r.faults).toEqual([]);
  });
  it("on either kernel the failed attempt leaves memory as it was: the next buffer gets the same pages and IOVA", () => {
    for (const kernel of ["5.14", "5.19"]) {
      const a = huge(kernel, true);
      const b = huge(kernel, false);
      expect(a.ok && b.ok, kernel).toBe(true);
      expect(a.steps[1]!.result.cpu_addr, kernel).toBe(b.steps[0]!.result.cpu_addr);
      expect(a.steps[1]!.result.dma_handle, kernel).toBe(b.steps[0]!.result.dma_handle);
    }
  });
});

describe("x86_64-iommu (Intel VT-d): linear until f5ff79fddf0e (5.18), vmalloc after", () => {
  for (const kernel of KERNELS) {
    it(`${kernel}: the driver's virt_to_phys mmap ${versionNumber(kernel) >= 518 ? "breaks (vmalloc address)" : "works (linear address)"}`, () => {
      const r = run("scenarios/iommu/native-virt-to-phys.yaml", { platform: "x86_64-iommu", kernel, trace: true });
      const post518 = versionNumber(kernel) >= 518;
      expect(r.steps[0]!.result.addr_kind).toBe(post518 ? "vmalloc" : "linear");
      expect(r.ok).toBe(!post518);
      /* 5.6/5.10 run intel_dma_ops, 5.11+ dma-iommu (c588072bba6b) */
      const fns = r.steps[0]!.trace.filter((e) => e.kind === "call").map((e) => (e.kind === "call" ? e.fn : ""));
      expect(fns).toContain(kernel === "5.6" || kernel === "5.10" ? "intel_alloc_coherent" : "iommu_dma_alloc");
      expect(r.steps[0]!.result.dma_handle).toBe("0xffffc000");
      if (!post518) expect(r.steps[3]!.result.data).toBe('"completion entry 0"');
      else expect(r.faults.some((f) => f.kind === "sigbus")).toBe(true);
      expect(r.steps[5]!.result.data).toBe('"completion entry 0"');
    });
  }
  const lazy = (kernel: string, device: string, set: Record<string, string> = {}) =>
    runYaml(`
name: x86 lazy
platform: x86_64-iommu
device: "${device}"
steps:
  - { op: kmalloc, size: 4096, as: b }
  - { op: cpu_write, buf: b, data: "packet" }
  - { op: dma_map_single, buf: b, size: 4096, dir: DMA_TO_DEVICE, as: m }
  - { op: device_read, map: m, length: 6 }
  - { op: dma_unmap_single, map: m }
  - { op: cpu_write, buf: b, data: "secret" }
  - { op: device_read, map: m, length: 6, expect: { fault: bus_error } }
`, { kernel, set });
  it("lazy invalidation is the x86 default: after unmap the NIC still reads the page (5.10 intel_dma_ops and 5.19 dma-iommu)", () => {
    for (const kernel of ["5.10", "5.19"]) {
      const r = lazy(kernel, "0000:00:1f.6");
      expect(r.steps[6]!.result.data, kernel).toBe('"secret"');
      expect(r.ok).toBe(false);
    }
  });
  it("an untrusted (Thunderbolt) device is always strict: its late read faults", () => {
    for (const kernel of ["5.10", "5.19"]) expect(lazy(kernel, "0000:05:00.0").ok, kernel).toBe(true);
  });
  it("the DMAR fault line as each version prints it (719a19335692 in 5.13, 0b482d0c75bf in 5.15)", () => {
    const line = (kernel: string) => lazy(kernel, "0000:00:1f.6", { "iommu.strict": "1" }).faults.find((f) => f.kind === "bus_error")!.message;
    for (const kernel of ["5.6", "5.10", "5.13", "5.14", "5.19"]) expect(line(kernel)).toContain("DMAR: DRHD: handling fault status reg 2");
    expect(line("5.10")).toContain("DMAR: [DMA Read] Request device [00:1f.6] PASID ffffffff fault addr fffff000 [fault reason 06] PTE Read access is not set");
    expect(line("5.14")).toContain("DMAR: [DMA Read NO_PASID] Request device [0x00:0x1f.6] fault addr 0xfffff000 [fault reason 0x06] PTE Read access is not set");
    expect(line("5.19")).toContain("DMAR: [DMA Read NO_PASID] Request device [00:1f.6] fault addr 0xfffff000 [fault reason 0x06] PTE Read access is not set");
  });
});

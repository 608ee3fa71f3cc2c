/**
 * Coherent allocations beyond the seed thread: per-device pools, the NO_KERNEL_MAPPING cookie,
 * mmap range checks (R-MMAP-03), CMA placement.
 */
import { describe, expect, it } from "vitest";
import { h, run, runYaml } from "./helpers.js";

describe("per-device coherent pool (R-MMAP-06)", () => {
  it("arm32 vpu: allocations come from the device's pool at 0x3c000000, an ioremap address; mmap maps the pool's frames", () => {
    const r = run("scenarios/device-coherent-pool.yaml", {});
    expect(r.ok).toBe(true);
    const a = r.steps[0]!.result;
    expect(a.addr_kind).toBe("ioremap");
    expect(h(a.dma_handle)).toBe(0x3c00_0000);
    expect(r.steps[1]!.result.pfn).toBe("0x3c000");
    expect(r.steps[3]!.result.data).toBe('"decoded frame"');
  });
});

describe("DMA_ATTR_NO_KERNEL_MAPPING (R-ATTR-04)", () => {
  const yaml = `
name: cookie
platform: rpi4
kernel: "5.13"
steps:
  - { op: dma_alloc_attrs, size: 16K, attrs: DMA_ATTR_NO_KERNEL_MAPPING, as: b, expect: { addr_kind: page_cookie } }
  - { op: dma_mmap_attrs, buf: b, attrs: DMA_ATTR_NO_KERNEL_MAPPING, as: u }
  - { op: device_write, buf: b, data: "no kernel mapping" }
  - { op: user_read, map: u, length: 17, expect: { data: "no kernel mapping" } }
  - { op: dma_free_attrs, buf: b, attrs: DMA_ATTR_NO_KERNEL_MAPPING }
`;
  it("dma-direct returns the struct page pointer itself; mmap works from the DMA handle", () => {
    const r = runYaml(yaml);
    expect(r.ok).toBe(true);
    const cookie = h(r.steps[0]!.result.cpu_addr);
    // the cookie is the vmemmap address of the buffer's first page
    const pfn = (h(r.steps[0]!.result.dma_handle) - 0xc000_0000) / 4096;
    expect(cookie).toBe(h("0xfffffc0000000000") + 64 * pfn);
  });
});

describe("dma_mmap range checks (R-MMAP-03)", () => {
  it.each([
    [0, "16K", "0"],
    [2, "8K", "0"],
    [3, "8K", "-ENXIO"],
    [4, "4K", "-ENXIO"],
  ])("pgoff %i, length %s → %s", (pgoff, length, ret) => {
    const r = runYaml(`
name: mmap bounds
platform: rpi4
kernel: "5.13"
steps:
  - { op: dma_alloc_coherent, size: 16K, as: b }
  - { op: dma_mmap_coherent, buf: b, pgoff: ${pgoff}, length: ${length}, as: u, expect: { returns: "${ret}" } }
`);
    expect(r.ok).toBe(true);
  });
});

describe("CMA and zones on rpi4", () => {
  it("a blocking 64 KiB allocation comes from the 64 MiB CMA area at the top of the first GiB, below the firmware's gpu_mem", () => {
    const r = run("scenarios/seed-mmap.yaml", { platform: "rpi4", kernel: "5.13", trace: true });
    const phys = h(r.steps[0]!.result.dma_handle) - 0xc000_0000;
    expect(phys).toBeGreaterThanOrEqual(0x3b40_0000 - 64 * 1024 * 1024);
    expect(phys).toBeLessThan(0x3b40_0000);
    expect(r.steps[0]!.trace.some((e) => e.kind === "call" && e.fn === "cma_alloc")).toBe(true);
  });
});

/**
 * A 32-bit ARM maintainer's walk of arch/arm/mm/dma-mapping.c's allocators against the trees (stop 21,
 * docs/verified-facts.md "32-bit ARM allocators: stop 21 walk"). The same code in 5.6.4, 5.10.7,
 * 5.15.178, 5.19, 6.1.166, 6.6.63, 6.12.19 and 6.18.35, reached through arm_dma_alloc (5.x) or
 * dma_direct_alloc → arch_dma_alloc (6.0+):
 * - __alloc_from_pool hands out atomic-pool memory without a memset (R-COH-01's zeroing promise is
 *   kept by __dma_clear_buffer at atomic_pool_init only);
 * - __dma_clear_buffer zeroes through the cacheable alias and then flushes, so a dirty line the page
 *   kept from its earlier life never lands over the zeros;
 * - __alloc_from_contiguous passes gfp & __GFP_NOWARN to dma_alloc_from_contiguous;
 * - __free_from_pool does nothing unless __in_atomic_pool(start, size);
 * - __free_from_contiguous ignores dma_release_from_contiguous's result (no __free_pages fallback);
 * - __dma_free_buffer puts each page with __free_page (its own reference).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runYaml } from "./helpers.js";
import { PLATFORMS, arm32 } from "../src/platforms/index.js";
import { versionNumber } from "../src/versions.js";
/** 5.14+ (44042b449872): the boot task's order-1 stack refilled the order-1 pcp list with 31 blocks (pfns 0x0, 0x2, 0x1000–0x103c), so order-0 pages start at 0x1042 instead of 0x2 and the next blocks 0x40 pages higher */
const PCP_HI = (kernel: string) => versionNumber(kernel) >= versionNumber("5.14");

const ALL = ["5.6", "5.10", "5.13", "5.14", "5.15", "5.19", "6.1", "6.6", "6.12", "6.18"];

describe("arm32 __alloc_from_pool: no memset (5.6.4 :510–528 … 6.18.35 :355–374)", () => {
  const yaml = `
name: atomic pool reuse
platform: arm32
steps:
  - { op: dma_alloc_coherent, size: 4K, gfp: GFP_ATOMIC, as: a }
  - { op: cpu_write, buf: a, data: "previous owner" }
  - { op: dma_free_coherent, buf: a }
  - { op: dma_alloc_coherent, size: 4K, gfp: GFP_ATOMIC, as: b }
  - { op: cpu_read, buf: b, length: 14 }
  - { op: device_read, buf: b, length: 14 }
`;
  it.each(ALL)("%s: the second GFP_ATOMIC buffer is the first one's chunk, holding the first owner's bytes", (kernel) => {
    const r = runYaml(yaml, { kernel });
    expect(r.faults).toEqual([]);
    expect(r.steps[0]!.result.cpu_addr).toBe("0xf0800000");
    expect(r.steps[3]!.result.cpu_addr).toBe("0xf0800000");
    expect(r.steps[3]!.result.dma_handle).toBe("0x38000000");
    expect(r.steps[4]!.result.data).toBe('"previous owner"');
    expect(r.steps[5]!.result.data).toBe('"previous owner"');
  });
});

describe("arm32 __dma_clear_buffer: memset through the cache, then dmac_flush_range (5.10.7 :240–268, 6.18.35 :107–135)", () => {
  const yaml = `
name: a page with a dirty line becomes a coherent buffer
platform: arm32
config: { cma: 0 }
steps:
  - { op: alloc_pages, order: 0, gfp: GFP_KERNEL, as: old }
  - { op: cpu_write, buf: old, data: "dirty line" }
  - { op: __free_pages, buf: old }
  - { op: dma_alloc_coherent, size: 4K, gfp: GFP_KERNEL, as: b }
  - { op: device_read, buf: b, length: 10 }
  - { op: cpu_read, buf: b, length: 10 }
  - { op: dma_get_sgtable, buf: b, as: sgt }
  - { op: sg_read, sgt: sgt, offset: 0, length: 10 }
`;
  it.each(ALL)("%s: the remap allocator's page reads zeros by bus address, through the vmap and through the linear map", (kernel) => {
    const r = runYaml(yaml, { kernel });
    expect(r.faults).toEqual([]);
    expect(r.steps[0]!.result.pfn).toBe(PCP_HI(kernel) ? "0x1042" : "0x2");
    expect(r.steps[3]!.result.dma_handle).toBe(PCP_HI(kernel) ? "0x1042000" : "0x2000");
    expect(r.steps[3]!.result.cpu_addr).toBe("0xf0841000");
    const zeros = "00 00 00 00 00 00 00 00 00 00";
    expect(r.steps[4]!.result.data).toBe(zeros);
    expect(r.steps[5]!.result.data).toBe(zeros);
    expect(r.steps[7]!.result.data).toBe(zeros);
  });
});

describe("arm32 __alloc_from_contiguous: dma_alloc_from_contiguous(..., gfp & __GFP_NOWARN)", () => {
  // 64 MiB from the 64 MiB CMA area whose first 256 KiB hold the atomic pool: cma_alloc fails
  const yaml = (gfp: string) => `
name: a CMA request that cannot fit
platform: arm32
steps:
  - { op: dma_alloc_coherent, size: 64M, gfp: "${gfp}", as: a, expect: { returns: NULL } }
`;
  it.each(ALL)("%s: __GFP_NOWARN silences cma_alloc's failure report; without it the report is printed", (kernel) => {
    const quiet = runYaml(yaml("GFP_KERNEL | __GFP_NOWARN"), { kernel });
    expect(quiet.ok).toBe(true);
    expect((quiet.log ?? []).filter((l) => l.step === 0)).toEqual([]);
    const loud = runYaml(yaml("GFP_KERNEL"), { kernel });
    expect(loud.ok).toBe(true);
    const msgs = (loud.log ?? []).filter((l) => l.step === 0).map((l) => l.message);
    expect(msgs.some((m) => /^cma: (__)?cma_alloc: (reserved: )?alloc failed, req-size: 16384 pages, ret: -1[26]$/.test(m)), msgs.join("\n")).toBe(true);
    if (kernel === "5.10") expect(msgs[0]).toBe("cma: cma_alloc: alloc failed, req-size: 16384 pages, ret: -12");
  });
});

describe("arm32 DMA_ATTR_NO_WARN: ignored by 5.x arm_dma_alloc, turned into __GFP_NOWARN by 6.x dma_direct_alloc (6.1.166 kernel/dma/direct.c:216) before arch_dma_alloc", () => {
  it.each(ALL)("%s", (kernel) => {
    const r = runYaml(`
name: a CMA request that cannot fit, DMA_ATTR_NO_WARN
platform: arm32
steps:
  - { op: dma_alloc_attrs, size: 64M, gfp: GFP_KERNEL, attrs: DMA_ATTR_NO_WARN, as: a, expect: { returns: NULL } }
`, { kernel });
    expect(r.ok).toBe(true);
    const msgs = (r.log ?? []).filter((l) => l.step === 0).map((l) => l.message);
    if (kernel.startsWith("6.")) expect(msgs).toEqual([]);
    else expect(msgs.some((m) => m.includes("alloc failed, req-size: 16384 pages, ret: -12")), msgs.join("\n")).toBe(true);
  });
});

describe("arm32 free paths with a size larger than the allocation (dma_free_coherent misuse)", () => {
  it.each(ALL)("%s: __free_from_pool: __in_atomic_pool(start, 512K) is false, nothing is freed, no BUG; the chunk stays taken", (kernel) => {
    const r = runYaml(`
name: pool free too big
platform: arm32
steps:
  - { op: dma_alloc_coherent, size: 4K, gfp: GFP_ATOMIC, as: a }
  - { op: dma_free_coherent, buf: a, size: 512K }
  - { op: dma_alloc_coherent, size: 4K, gfp: GFP_ATOMIC, as: b }
`, { kernel });
    expect(r.faults).toEqual([]);
    expect(r.steps[0]!.result.cpu_addr).toBe("0xf0800000");
    expect(r.steps[2]!.result.cpu_addr).toBe("0xf0801000");
    expect(r.steps[2]!.result.dma_handle).toBe("0x38001000");
  });

  it("6.18: __free_from_contiguous ignores cma_release's false (6.15+ cma_pages_valid refuses the range): no __free_pages, no Bad page state", () => {
    const r = runYaml(`
name: cma free too big
platform: arm32
kernel: "6.18"
steps:
  - { op: dma_alloc_coherent, size: 64K, gfp: GFP_KERNEL, as: a }
  - { op: dma_free_coherent, buf: a, size: 128M }
  - { op: dma_alloc_coherent, size: 64K, gfp: GFP_KERNEL, as: b }
`, { trace: true });
    expect(r.faults).toEqual([]);
    expect(r.steps[0]!.result.dma_handle).toBe("0x38040000");
    // the leaked range stays allocated in the CMA bitmap: the next buffer comes after it
    expect(r.steps[2]!.result.dma_handle).toBe("0x38050000");
    expect(JSON.stringify(r.steps[1]!.trace)).not.toContain("__free_pages");
  });

  it.each(ALL)("%s: __dma_free_buffer puts each page with __free_page: 8K for a 4K remap buffer puts the next pfn (0x3; 0x1043 from 5.14), a free page (VM_BUG_ON_PAGE with CONFIG_DEBUG_VM)", (kernel) => {
    const yaml = `
name: remap free too big
platform: arm32
config: { cma: 0 }
steps:
  - { op: dma_alloc_coherent, size: 4K, gfp: GFP_KERNEL, as: a }
  - { op: dma_free_coherent, buf: a, size: 8K }
`;
    const r = runYaml(yaml, { kernel, set: { CONFIG_DEBUG_VM: "y" } });
    expect(r.steps[0]!.result.dma_handle).toBe(PCP_HI(kernel) ? "0x1042000" : "0x2000");
    expect(r.faults.length).toBe(1);
    expect(r.faults[0]!.kind).toBe("bug");
    expect(r.faults[0]!.step).toBe(1);
    expect(r.faults[0]!.message).toContain(PCP_HI(kernel) ? "page:0xef820860 refcount:0 pfn:0x1043" : "page:0xef800060 refcount:0 pfn:0x3");
    expect(r.faults[0]!.message).toContain("VM_BUG_ON_PAGE(page_ref_count(page) == 0)");
    // without CONFIG_DEBUG_VM the put takes the free page's refcount below zero and frees nothing
    const quiet = runYaml(yaml, { kernel });
    expect(quiet.faults).toEqual([]);
  });
});

describe("arm32 atomic_pool_init failure, then __alloc_from_pool's WARN(1, \"coherent pool not initialised!\\n\")", () => {
  // cma=32M cannot hold coherent_pool=64M: atomic_pool_init's pr_err, then a GFP_ATOMIC request WARNs at the tree's line
  const SITE: Record<string, string | null> = { "5.6": "arch/arm/mm/dma-mapping.c:515", "5.10": "arch/arm/mm/dma-mapping.c:490", "5.13": null, "5.14": "arch/arm/mm/dma-mapping.c:490", "5.15": "arch/arm/mm/dma-mapping.c:490", "5.19": "arch/arm/mm/dma-mapping.c:492", "6.1": "arch/arm/mm/dma-mapping.c:359", "6.6": "arch/arm/mm/dma-mapping.c:361", "6.12": "arch/arm/mm/dma-mapping.c:361", "6.18": "arch/arm/mm/dma-mapping.c:361" };
  it.each(ALL)("%s: the WARNING line names the tree's file:line (5.13: no stored tree, no line claimed)", (kernel) => {
    const r = runYaml(`
name: no atomic pool
platform: arm32
config: { cma: 32M, coherent_pool: 64M }
steps:
  - { op: dma_alloc_coherent, size: 4K, gfp: GFP_ATOMIC, as: a, expect: { returns: NULL } }
`, { kernel });
    expect((r.log ?? []).filter((l) => l.step === -1).map((l) => l.message)).toContain("DMA: failed to allocate 65536 KiB pool for atomic coherent allocation");
    expect(r.faults.length).toBe(1);
    const f = r.faults[0]!;
    expect(f.kind).toBe("warn");
    expect(f.message).toBe("coherent pool not initialised!");
    const site = SITE[kernel];
    const line = f.report!.find((l) => l.startsWith("WARNING:"));
    expect(line).toBe(`WARNING: CPU: 0 PID: 1000 at ${site ? site + " " : ""}__alloc_from_pool+0x…/0x…`);
  });
});

describe("arm32 DMA_ATTR_WRITE_COMBINE: ARM's __get_dma_pgprot honours it, kernel/dma/mapping.c dma_pgprot does not (no ARCH_HAS_DMA_WRITE_COMBINE on ARMv7)", () => {
  const yaml = `
name: a write-combined buffer mapped to user space
platform: arm32
steps:
  - { op: dma_alloc_attrs, size: 64K, gfp: GFP_KERNEL, attrs: DMA_ATTR_WRITE_COMBINE, as: a }
  - { op: dma_mmap_attrs, buf: a, attrs: DMA_ATTR_WRITE_COMBINE, as: u }
`;
  it.each(ALL)("%s: the kernel alias is write-combine (__get_dma_pgprot); the user one too up to 5.19 (arm_dma_mmap), pgprot_dmacoherent from 6.0 (dma_direct_mmap)", (kernel) => {
    const r = runYaml(yaml, { kernel, trace: true });
    expect(r.faults).toEqual([]);
    expect(r.steps[0]!.result.cpu_addr).toBe("0xf0841000");
    expect(JSON.stringify(r.steps[0]!.trace)).toContain(`"fn":"dma_common_contiguous_remap","file":"kernel/dma/remap.c","args":{"page":"0xeff00800","size":"0x10000","prot":"wc"}`);
    expect(r.steps[1]!.result.pfn).toBe("0x38040");
    expect(r.steps[1]!.result.prot).toBe(kernel.startsWith("6.") ? "nc" : "wc");
  });
});

describe("arm32 5.x call path: arm_dma_mmap → __arm_dma_mmap, arm_dma_free → __arm_dma_free (5.10.7 :759–829)", () => {
  it.each(["5.6", "5.10", "5.19"])("%s", (kernel) => {
    const r = runYaml(`
name: mmap and free
platform: arm32
steps:
  - { op: dma_alloc_coherent, size: 64K, gfp: GFP_KERNEL, as: a }
  - { op: dma_mmap_coherent, buf: a, as: u }
  - { op: dma_free_coherent, buf: a }
`, { kernel, trace: true });
    const calls = (i: number) => r.steps[i]!.trace.flatMap((e) => (e.kind === "call" ? [e.fn] : []));
    expect(calls(1).slice(0, 4)).toEqual(["dma_mmap_attrs", "arm_dma_mmap", "__arm_dma_mmap", "remap_pfn_range"]);
    expect(calls(2).slice(0, 5)).toEqual(["dma_free_attrs", "arm_dma_free", "__arm_dma_free", "dma_common_free_remap", "vunmap"]);
  });
});

describe("arm32 GFP_ATOMIC with DMA_ATTR_NO_KERNEL_MAPPING: the pool allocator's cookie is the struct page, which __in_atomic_pool does not hold", () => {
  const yaml = `
name: an atomic buffer without a kernel mapping
platform: arm32
steps:
  - { op: dma_alloc_attrs, size: 4K, gfp: GFP_ATOMIC, attrs: DMA_ATTR_NO_KERNEL_MAPPING, as: a }
  - { op: dma_free_attrs, buf: a, attrs: DMA_ATTR_NO_KERNEL_MAPPING }
  - { op: dma_alloc_coherent, size: 4K, gfp: GFP_ATOMIC, as: b }
`;
  it.each(ALL)("%s", (kernel) => {
    const r = runYaml(yaml, { kernel });
    expect(r.faults).toEqual([]);
    if (kernel.startsWith("5.")) {
      // __dma_alloc returns the page (buf->virt = page) of the pool chunk at 0x38000000; pool_allocator_free →
      // __free_from_pool(page pointer): not in the pool, nothing freed (no gen_pool_free BUG); the chunk leaks
      expect(r.steps[0]!.result.cpu_addr).toBe("0xeff00000");
      expect(r.steps[0]!.result.dma_handle).toBe("0x38000000");
      expect(r.steps[2]!.result.cpu_addr).toBe("0xf0801000");
    } else {
      // 6.0+: dma_direct_alloc_no_mapping comes first (page allocator, GFP_ATOMIC: no CMA); the pool is untouched
      expect(r.steps[0]!.result.cpu_addr).toBe("0xef820840");
      expect(r.steps[0]!.result.dma_handle).toBe("0x1042000");
      expect(r.steps[2]!.result.cpu_addr).toBe("0xf0800000");
    }
  });
});

describe("arm32 5.x streaming call path: the ops' own functions (5.10.7 :163–177, :978–1060)", () => {
  it.each(["5.6", "5.10", "5.15", "5.19"])("%s: map_sg → arm_dma_map_sg → arm_dma_map_page; sync_sg → arm_dma_sync_sg_for_* → arm_dma_sync_single_for_*; unmap_sg → arm_dma_unmap_sg", (kernel) => {
    const r = runYaml(`
name: streaming
platform: arm32
steps:
  - { op: kmalloc, size: 8K, gfp: GFP_KERNEL, as: k }
  - { op: dma_map_sg, entries: [{ buf: k, offset: 0, length: 4K }, { buf: k, offset: 4K, length: 4K }], dir: DMA_FROM_DEVICE, as: sg }
  - { op: dma_sync_sg_for_cpu, map: sg }
  - { op: dma_sync_sg_for_device, map: sg }
  - { op: dma_unmap_sg, map: sg }
  - { op: dma_map_single, buf: k, size: 64, dir: DMA_BIDIRECTIONAL, as: m }
  - { op: dma_sync_single_for_cpu, map: m, offset: 0, size: 64, dir: DMA_BIDIRECTIONAL }
  - { op: dma_sync_single_for_device, map: m, offset: 0, size: 64, dir: DMA_BIDIRECTIONAL }
`, { kernel, trace: true });
    expect(r.faults).toEqual([]);
    const calls = (i: number) => r.steps[i]!.trace.flatMap((e) => (e.kind === "call" ? [e.fn] : []));
    expect(r.steps[1]!.result.dma_addr).toBe(PCP_HI(kernel) ? "0x1048000,0x1049000" : "0x1008000,0x1009000");
    expect(calls(1)).toEqual(["dma_map_sg_attrs", "arm_dma_map_sg", "arm_dma_map_page", "__dma_page_cpu_to_dev", "arm_dma_map_page", "__dma_page_cpu_to_dev"]);
    expect(calls(2)).toEqual(["dma_sync_sg_for_cpu", "arm_dma_sync_sg_for_cpu", "arm_dma_sync_single_for_cpu", "__dma_page_dev_to_cpu", "arm_dma_sync_single_for_cpu", "__dma_page_dev_to_cpu"]);
    expect(calls(3)).toEqual(["dma_sync_sg_for_device", "arm_dma_sync_sg_for_device", "arm_dma_sync_single_for_device", "__dma_page_cpu_to_dev", "arm_dma_sync_single_for_device", "__dma_page_cpu_to_dev"]);
    expect(calls(4)).toEqual(["dma_unmap_sg_attrs", "arm_dma_unmap_sg", "arm_dma_unmap_page", "__dma_page_dev_to_cpu", "arm_dma_unmap_page", "__dma_page_dev_to_cpu"]);
    expect(calls(6)).toEqual(["dma_sync_single_for_cpu", "arm_dma_sync_single_for_cpu", "__dma_page_dev_to_cpu"]);
    expect(calls(7)).toEqual(["dma_sync_single_for_device", "arm_dma_sync_single_for_device", "__dma_page_cpu_to_dev"]);
  });
});

describe("arm32 5.x arm_coherent_dma_ops for a dma-coherent device (arm_get_dma_map_ops(coherent), 5.10.7 :225–237, :1064–1075)", () => {
  // No bundled arm32 board has a dma-coherent master; this variant of the arm32 platform gives its DMA engine one.
  // vitest runs with isolate: false (one module graph per worker): the variant is registered for this block only
  const id = "arm32-coherent-test";
  beforeAll(() => {
    PLATFORMS.push({ ...arm32, id, devices: arm32.devices.map((d) => (d.name === "12680000.dma-controller" ? { ...d, coherent: true } : d)) });
  });
  afterAll(() => {
    const i = PLATFORMS.findIndex((p) => p.id === id);
    if (i >= 0) PLATFORMS.splice(i, 1);
  });
  const yaml = (kernel: string, cma: string) => `
name: a coherent master on 32-bit ARM
platform: ${id}
kernel: "${kernel}"
device: "12680000.dma-controller"
config: { cma: ${cma} }
steps:
  - { op: dma_alloc_coherent, size: 4K, gfp: GFP_ATOMIC, as: a }
  - { op: dma_alloc_coherent, size: 64K, gfp: GFP_KERNEL, as: b }
  - { op: kmalloc, size: 64, gfp: GFP_KERNEL, as: k }
  - { op: cpu_write, buf: k, data: "cpu line" }
  - { op: dma_map_single, buf: k, size: 64, dir: DMA_TO_DEVICE, as: m }
  - { op: device_read, map: m, length: 8 }
  - { op: dma_unmap_single, map: m }
  - { op: dma_free_coherent, buf: a }
  - { op: dma_free_coherent, buf: b }
`;
  it.each(["5.6", "5.10", "5.15", "5.19"])("%s: simple allocator (linear, cacheable) even for GFP_ATOMIC; CMA stays cacheable; no cache maintenance on map", (kernel) => {
    const r = runYaml(yaml(kernel, "64M"), { trace: true });
    expect(r.faults).toEqual([]);
    const calls = (i: number) => r.steps[i]!.trace.flatMap((e) => (e.kind === "call" ? [e.fn] : []));
    // GFP_ATOMIC: `else if (is_coherent) simple_allocator` comes before the pool
    expect(calls(0).slice(0, 4)).toEqual(["dma_alloc_attrs", "arm_coherent_dma_alloc", "__dma_alloc", "__alloc_simple_buffer"]);
    expect(r.steps[0]!.result.addr_kind).toBe("linear");
    expect(r.steps[0]!.result.cpu_addr).toBe(PCP_HI(kernel) ? "0xc1042000" : "0xc0002000");
    expect(r.steps[0]!.result.dma_handle).toBe(PCP_HI(kernel) ? "0x1042000" : "0x2000");
    // GFP_KERNEL: the CMA area (highmem) remapped with PAGE_KERNEL, cleared without a flush (COHERENT)
    expect(calls(1)).toContain("__alloc_from_contiguous");
    expect(JSON.stringify(r.steps[1]!.trace)).toContain('"coherent_flag":"COHERENT"');
    expect(JSON.stringify(r.steps[1]!.trace)).toContain('"prot":"normal"');
    expect(r.steps[1]!.result.dma_handle).toBe("0x38040000");
    // map_single: arm_coherent_dma_map_page, no __dma_page_cpu_to_dev; the device snoops the dirty line
    expect(calls(4)).toEqual(["dma_map_single_attrs", "dma_map_page_attrs", "arm_coherent_dma_map_page"]);
    expect(r.steps[5]!.result.data).toBe('"cpu line"');
    expect(calls(6)).toEqual(["dma_unmap_page_attrs"]);
  });

  it("5.10 with cma=0: the same simple allocator for GFP_KERNEL (no remap, no vmalloc address)", () => {
    const r = runYaml(yaml("5.10", "0"), { trace: true });
    expect(r.faults).toEqual([]);
    expect(r.steps[1]!.result.addr_kind).toBe("linear");
    expect(JSON.stringify(r.steps[1]!.trace)).toContain("__alloc_simple_buffer");
  });

  it("the variant is registered once, for this block only", () => {
    expect(PLATFORMS.filter((p) => p.id === id).length).toBe(1);
  });

  it("6.1: dma-direct for the coherent device: page_address, no arch_dma_alloc", () => {
    const r = runYaml(yaml("6.1", "64M"), { trace: true });
    expect(r.faults).toEqual([]);
    const text = JSON.stringify(r.steps[0]!.trace);
    expect(text).not.toContain("arch_dma_alloc");
    expect(r.steps[0]!.result.addr_kind).toBe("linear");
  });
});

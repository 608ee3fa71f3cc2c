/**
 * The 2021 LKML thread, end to end (issue "The seed thread"): the three bundled seed scenarios on
 * every platform and kernel, checked with real addresses and bytes.
 */
import { describe, expect, it } from "vitest";
import { explain } from "../src/explain.js";
import { GFP_ATOMIC } from "../src/include/gfp.js";
import { h, run } from "./helpers.js";
import { PLATFORMS } from "../src/platforms/index.js";
import { VERSIONS } from "../src/versions.js";

const PAGE_OFFSET_VA48 = -(2 ** 48);

function calls(lines: string[]): string[] {
  return lines.filter((l) => l.trimStart().startsWith("→")).map((l) => l.trim().slice(2).split("(")[0]!);
}

describe("explain dma_alloc_coherent (R-COH-01)", () => {
  it("rpi4-xen 5.13: xen_swiotlb_alloc_coherent → xen_alloc_coherent_pages → dma_direct_alloc → dma_common_contiguous_remap → vmap, a vmalloc address", () => {
    const r = explain("dma_alloc_coherent", { platform: "rpi4-xen", kernel: "5.13" });
    const c = calls(r.lines);
    const order = ["dma_alloc_attrs", "xen_swiotlb_alloc_coherent", "xen_alloc_coherent_pages", "dma_direct_alloc", "dma_common_contiguous_remap", "vmap"];
    let at = -1;
    for (const fn of order) {
      const i = c.indexOf(fn, at + 1);
      expect(i, `${fn} after ${order[order.indexOf(fn) - 1]}`).toBeGreaterThan(at);
      at = i;
    }
    const text = r.lines.join("\n");
    expect(text).toContain("dev_is_dma_coherent(dev): no");
    expect(text).toContain("GFP_KERNEL may sleep");
    expect(text).toContain("DMA_DIRECT_REMAP");
    expect(text).toContain("[drivers/xen/swiotlb-xen.c]");
    expect(r.addr_kind).toBe("vmalloc");
    const va = h(r.result.cpu_addr);
    // inside the arm64 VA48 vmalloc range [0xffff800010000000, 0xfffffbfff0000000)
    expect(va).toBeGreaterThanOrEqual(h("0xffff800010000000"));
    expect(va).toBeLessThan(h("0xfffffbfff0000000"));
  });

  it("GFP_ATOMIC goes through the atomic pool (kernel/dma/pool.c) and is still a vmalloc address", () => {
    const r = explain("dma_alloc_coherent", { platform: "rpi4-xen", kernel: "5.13", gfp: GFP_ATOMIC });
    const c = calls(r.lines);
    expect(c).toContain("dma_direct_alloc_from_pool");
    expect(c).toContain("dma_alloc_from_pool");
    expect(c).not.toContain("dma_common_contiguous_remap");
    expect(r.lines.join("\n")).toContain("[kernel/dma/pool.c]");
    expect(r.addr_kind).toBe("vmalloc");
  });

  it("5.6: dma_direct_alloc → dma_direct_alloc_pages → __dma_common_pages_remap (get_vm_area_caller + map_vm_area), with the atomic pool in kernel/dma/remap.c (arch_dma_alloc left remap.c in 5.5, 3acac065508f)", () => {
    const blocking = explain("dma_alloc_coherent", { platform: "rpi4-xen", kernel: "5.6" });
    // 5.6 remaps with __dma_common_pages_remap (get_vm_area_caller + map_vm_area); vmap() only from 515e5b6d90d4 (5.8)
    expect(calls(blocking.lines)).toEqual(expect.arrayContaining(["dma_direct_alloc", "dma_direct_alloc_pages", "dma_common_contiguous_remap", "__dma_common_pages_remap", "get_vm_area_caller", "map_vm_area"]));
    expect(calls(blocking.lines)).not.toContain("vmap");
    expect(blocking.lines.join("\n")).toContain("dma_is_direct(ops): no — dev->dma_ops = xen_swiotlb_dma_ops");
    expect(blocking.addr_kind).toBe("vmalloc");
    const atomic = explain("dma_alloc_coherent", { platform: "rpi4-xen", kernel: "5.6", gfp: GFP_ATOMIC });
    expect(atomic.lines.join("\n")).toMatch(/dma_alloc_from_pool\(size=0x10000\)\s+\[kernel\/dma\/remap\.c\]/);
    expect(atomic.addr_kind).toBe("vmalloc");
  });

  it("arm32 with cma=0: __dma_alloc's remap allocator → __alloc_remap_buffer → dma_common_contiguous_remap", () => {
    const r = explain("dma_alloc_coherent", { platform: "arm32", kernel: "5.13", set: { cma: "0" } });
    const c = calls(r.lines);
    for (const fn of ["arm_dma_alloc", "__dma_alloc", "__alloc_remap_buffer", "dma_common_contiguous_remap", "vmap"]) expect(c).toContain(fn);
    expect(r.lines.join("\n")).toContain("remap_allocator");
    expect(r.addr_kind).toBe("vmalloc");
    // ARM32 vmalloc starts 8 MiB above high_memory (0xf0000000 with 768 MiB of lowmem)
    expect(h(r.result.cpu_addr)).toBeGreaterThanOrEqual(0xf080_0000);
  });

  it("arm32 with the default CMA area: it lies in highmem (D22), so cma_allocator remaps the pages → vmalloc address; with mem=512M (no highmem) it remaps lowmem pages in place → linear address", () => {
    const r = explain("dma_alloc_coherent", { platform: "arm32", kernel: "5.13" });
    expect(calls(r.lines)).toContain("__alloc_from_contiguous");
    expect(calls(r.lines)).toContain("dma_common_contiguous_remap");
    expect(r.addr_kind).toBe("vmalloc");
    const low = explain("dma_alloc_coherent", { platform: "arm32", kernel: "5.13", set: { mem: "512M" } });
    expect(calls(low.lines)).toContain("__alloc_from_contiguous");
    expect(low.addr_kind).toBe("linear");
  });

  it("x86_64: a linear-map address at 0xffff888000000000 + phys", () => {
    const r = explain("dma_alloc_coherent", { platform: "x86_64", kernel: "5.13" });
    expect(r.addr_kind).toBe("linear");
    expect(h(r.result.cpu_addr) - h("0xffff888000000000")).toBe(h(r.result.dma_handle));
  });
});

describe("seed-mmap: dma_mmap_coherent + device write + user read (R-MMAP-04)", () => {
  it("rpi4-xen 5.13: user space does not see the device's bytes; the pfn is virt_to_page arithmetic on the vmap address", () => {
    const r = run("scenarios/seed-mmap.yaml", { platform: "rpi4-xen", kernel: "5.13" });
    expect(r.ok).toBe(false);
    const alloc = r.steps[0]!.result;
    const mm = r.steps[1]!.result;
    const va = h(alloc.cpu_addr);
    const bogus = (va - PAGE_OFFSET_VA48) / 4096;
    expect(h(mm.pfn)).toBe(bogus);
    expect(h(mm.buffer_pfn)).toBe((h(alloc.dma_handle) - 0xc000_0000) / 4096);
    expect(h(mm.pfn)).not.toBe(h(mm.buffer_pfn));
    expect(r.steps[1]!.summary).toContain("is not RAM");
    const read = r.steps[3]!;
    expect(read.result.data).toBeUndefined();
    expect(r.faults.find((f) => f.step === 3)?.kind).toBe("sigbus");
  });

  it("rpi4-xen 5.14 (40ac971eab89): user space reads exactly what the device wrote", () => {
    const r = run("scenarios/seed-mmap.yaml", { platform: "rpi4-xen", kernel: "5.14" });
    expect(r.ok).toBe(true);
    expect(r.steps[3]!.result.data).toBe('"hello from the device"');
    expect(r.steps[1]!.result.pfn).toBe(r.steps[1]!.result.buffer_pfn);
  });

  it.each(["5.13", "5.14"])("native rpi4 %s: dma_direct_mmap takes the pfn from the DMA handle", (kernel) => {
    const r = run("scenarios/seed-mmap.yaml", { platform: "rpi4", kernel, trace: true });
    expect(r.ok).toBe(true);
    expect(r.steps[0]!.result.addr_kind).toBe("vmalloc");
    expect(r.steps[1]!.trace.some((e) => e.kind === "call" && e.fn === "dma_direct_mmap")).toBe(true);
    expect(r.steps[3]!.result.data).toBe('"hello from the device"');
  });

  it("CONFIG_DEBUG_VIRTUAL on arm64 5.13: WARN, then the kimage translation maps another RAM page — silent wrong data", () => {
    const r = run("scenarios/seed-mmap.yaml", { platform: "rpi4-xen", kernel: "5.13", set: { CONFIG_DEBUG_VIRTUAL: "y" } });
    expect(r.faults.some((f) => f.kind === "warn" && f.message.startsWith("virt_to_phys used for non-linear address: "))).toBe(true);
    const va = h(r.steps[0]!.result.cpu_addr);
    const kimage_voffset = h("0xffff800010000000") - 0x20_0000;
    expect(h(r.steps[1]!.result.pfn)).toBe(Math.floor((va - kimage_voffset) / 4096));
    expect(r.steps[1]!.summary).toContain("is RAM");
    expect(r.steps[3]!.result.data).toBeDefined();
    expect(r.steps[3]!.result.data).not.toBe('"hello from the device"');
    expect(r.ok).toBe(false);
  });
});

describe("seed-sgtable: dma_get_sgtable + device write + sg_read (R-SGT-01)", () => {
  it("rpi4-xen 5.13: the table's page is the wrong pfn and is not RAM", () => {
    const r = run("scenarios/seed-sgtable.yaml", { platform: "rpi4-xen", kernel: "5.13" });
    expect(r.ok).toBe(false);
    const va = h(r.steps[0]!.result.cpu_addr);
    expect(h(r.steps[1]!.result.pfn)).toBe((va - PAGE_OFFSET_VA48) / 4096);
    // struct page pointer = VMEMMAP_START + 64 * idx, beyond VMEMMAP_END (0xfffffe0000000000)
    expect(h(r.steps[1]!.result.page)).toBe(h("0xfffffc0000000000") + 64 * ((va - PAGE_OFFSET_VA48) / 4096));
    expect(h(r.steps[1]!.result.page)).toBeGreaterThan(h("0xfffffe0000000000"));
    expect(r.faults.find((f) => f.step === 3)?.kind).toBe("bus_error");
  });

  it.each([["rpi4-xen", "5.14"], ["rpi4", "5.13"], ["rpi4", "5.14"], ["arm32", "5.13"], ["x86_64", "5.13"]])("%s %s: the table names the buffer's page and the device's bytes are there", (platform, kernel) => {
    const r = run("scenarios/seed-sgtable.yaml", { platform, kernel });
    expect(r.ok).toBe(true);
    expect(r.steps[3]!.result.data).toBe("de ad be ef 00 11 22 33");
    expect(r.steps[1]!.result.pfn).toBe(r.steps[1]!.result.buffer_pfn);
  });
});

describe("seed-atomic-free: GFP_ATOMIC alloc + free (8b1e868f6607)", () => {
  it("rpi4-xen 5.6: xen_swiotlb_free_coherent oopses on a bad paging request at virt_to_page(vaddr), a user-half address as in the 2020 report", () => {
    const r = run("scenarios/seed-atomic-free.yaml", { platform: "rpi4-xen", kernel: "5.6" });
    expect(r.ok).toBe(false);
    const oops = r.faults.find((f) => f.kind === "oops")!;
    expect(oops.step).toBe(3);
    expect(oops.pc).toBe("xen_swiotlb_free_coherent");
    const va = h(r.steps[0]!.result.cpu_addr);
    // 5.4–5.10 layout: VMEMMAP_START = -VMEMMAP_SIZE - 2 MiB = 0xfffffdffffe00000; 64 * idx wraps past 2^64
    const page = h("0xfffffdffffe00000") + 64 * ((va - PAGE_OFFSET_VA48) / 4096);
    expect(page).toBeGreaterThan(0);
    expect(page).toBeLessThan(0x40_0000);
    // die_kernel_fault's first line, then show_pte's line for a TTBR0 address under init_mm
    expect(oops.message).toBe(`Unable to handle kernel paging request at virtual address ${page.toString(16).padStart(16, "0")}`);
    expect(oops.lines).toEqual([`[${page.toString(16).padStart(16, "0")}] user address but active_mm is swapper`]);
    expect(r.steps[0]!.result.addr_kind).toBe("vmalloc");
  });

  it.each(["5.10", "5.13", "5.14", "5.19"])("rpi4-xen %s: no oops; the device reads what the CPU wrote through the uncached mapping", (kernel) => {
    const r = run("scenarios/seed-atomic-free.yaml", { platform: "rpi4-xen", kernel });
    expect(r.faults.filter((f) => f.kind === "oops")).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.steps[2]!.result.data).toBe("0c 00 00 00 00 00 00 00");
  });
});

describe("every seed scenario on every platform × kernel", () => {
  const files = ["scenarios/seed-mmap.yaml", "scenarios/seed-sgtable.yaml", "scenarios/seed-atomic-free.yaml"];
  it("fails exactly where the thread says and nowhere else", () => {
    const bad: string[] = [];
    for (const f of files)
      for (const p of PLATFORMS)
        for (const v of VERSIONS) {
          const r = run(f, { platform: p.id, kernel: v.id });
          if (!r.ok) bad.push(`${f.split("/")[1]} ${p.id} ${v.id}`);
        }
    expect(bad.sort()).toEqual(
      [
        "seed-atomic-free.yaml rpi4-xen 5.6",
        "seed-mmap.yaml rpi4-xen 5.10",
        "seed-mmap.yaml rpi4-xen 5.13",
        "seed-mmap.yaml rpi4-xen 5.6",
        "seed-sgtable.yaml rpi4-xen 5.10",
        "seed-sgtable.yaml rpi4-xen 5.13",
        "seed-sgtable.yaml rpi4-xen 5.6",
      ].sort(),
    );
  });
});

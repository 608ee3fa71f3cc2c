/**
 * Xen: grant-mapped foreign pages on the ARM 1:1 dom0, and the x86 PV dom0's scattered machine
 * frames with memory exchange (xen-swiotlb.md §1–2).
 */
import { describe, expect, it } from "vitest";
import { bootK, h, run, runYaml } from "./helpers.js";
import * as api from "../src/kernel/dma/mapping.js";
import { pfn_to_bfn } from "../src/xen/p2m.js";
import { PG_xen_remapped } from "../src/mm/page_alloc.js";
import { GFP_KERNEL } from "../src/include/gfp.js";
import { device_access } from "../src/drivers/dma-master.js";

describe("rpi4-xen: a backend DMAs a grant-mapped foreign page", () => {
  it("the device gets the foreign machine address (pfn_to_bfn through the p2m rbtree) and cache maintenance goes through GNTTABOP_cache_flush", () => {
    const r = run("scenarios/xen-grant-dma.yaml", { trace: true });
    expect(r.ok).toBe(true);
    const g = r.steps[0]!.result;
    const mfn = h(g.mfn);
    expect(mfn * 4096).toBeGreaterThanOrEqual(0x3000_0000); // the other domain's memory
    expect(mfn * 4096).toBeLessThan(0x3400_0000);
    expect(h(g.pfn)).not.toBe(mfn);
    expect(h(r.steps[2]!.result.dma_addr)).toBe(mfn * 4096 + 0xc000_0000);
    expect(r.steps[2]!.trace.some((e) => e.kind === "call" && e.fn === "xen_dma_sync_for_device")).toBe(true);
    expect(r.steps[4]!.result.data).toBe('"read sector 2048"');
    expect(r.steps[7]!.result.data).toBe('"sector data"');
  });

  it("without GNTTABOP_cache_flush (xen_cache_flush=n) xen_arch_need_swiotlb bounces the foreign page, and the bytes still arrive", () => {
    const r = run("scenarios/xen-grant-dma.yaml", { set: { xen_cache_flush: "n" } });
    expect(r.ok).toBe(true);
    expect(r.steps[2]!.result.bounced).toBe(true);
    expect(r.steps[7]!.result.data).toBe('"sector data"');
  });

  it("gnttab_map on a platform without Xen is bad input", () => {
    expect(() => run("scenarios/xen-grant-dma.yaml", { platform: "rpi4" })).toThrow(/not a Xen platform/);
  });
});

describe("x86_64-xen-pv: scattered machine frames and XENMEM_exchange", () => {
  it("dom0's low pfns sit in high machine memory, in 2 MiB chunks handed out high-to-low", () => {
    const k = bootK("x86_64-xen-pv", "5.13");
    const x = k.xen!;
    // pfn chunk 0 is the top 2 MiB machine chunk of the 16 GiB PC's RAM, which ends at 17 GiB (1 GiB of it lies
    // above 4 GiB for the PCI hole); pfn 511 → 512 crosses chunks backwards
    const top = (17 * 2 ** 30) / 4096;
    expect(k.mem.max_pfn).toBe(top);
    expect(pfn_to_bfn(k, 0x100)).toBe(top - 512 + 0x100);
    expect(pfn_to_bfn(k, 512)).toBe(top - 1024);
    expect(pfn_to_bfn(k, 0xbffff)).toBe(top - 0xc0000 + 0x1ff);
    expect(x.p2m!.length).toBe((4 * 2 ** 30) / 4096); // dom0_mem = 4 GiB of pseudo-physical frames
    // the e820 holes below nr_pages are identity (pfn_to_mfn gives the pfn): 0x9f–0xff and the PCI hole
    expect([pfn_to_bfn(k, 0x9f), pfn_to_bfn(k, 0xff), pfn_to_bfn(k, 0xc0000), pfn_to_bfn(k, 0xfffff)]).toEqual([0x9f, 0xff, 0xc0000, 0xfffff]);
    // and their frames were remapped past nr_pages, the low ones first: pfn 0x100000 has pfn 0x9f's builder frame,
    // pfn 0x100061 pfn 0xc0000's
    expect(pfn_to_bfn(k, 0x10_0000)).toBe(top - 512 + 0x9f);
    expect(pfn_to_bfn(k, 0x10_0061)).toBe(top - 0xc0200);
  });

  it("dma_alloc_coherent: the buffer is exchanged for machine-contiguous frames below 4 GiB and PageXenRemapped is set; free gives them back", () => {
    const k = bootK("x86_64-xen-pv", "5.13");
    const dev = k.devices.get(k.platform.defaultDevice)!;
    const r = api.dma_alloc_attrs(k, dev, 8192, GFP_KERNEL, 0)!;
    expect(k.arch.is_linear(r.cpu_addr)).toBe(true);
    const pfn = (r.cpu_addr - h("0xffff888000000000")) / 4096;
    expect(r.dma_handle).toBeLessThan(2 ** 32);
    expect(pfn_to_bfn(k, pfn) * 4096).toBe(r.dma_handle);
    expect(pfn_to_bfn(k, pfn + 1)).toBe(pfn_to_bfn(k, pfn) + 1);
    expect(k.memmap.flags(pfn) & PG_xen_remapped).toBeTruthy();
    // the device writes by machine address, the CPU reads through the P2M: same bytes
    device_access(k, dev, r.dma_handle + 4090, 0, new TextEncoder().encode("across pages"));
    expect(new TextDecoder().decode(k.kread(r.cpu_addr + 4090, 12))).toBe("across pages");
    api.dma_free_attrs(k, dev, 8192, r.cpu_addr, r.dma_handle, 0);
    expect(k.memmap.flags(pfn) & PG_xen_remapped).toBeFalsy();
    expect(pfn_to_bfn(k, pfn) * 4096).not.toBe(r.dma_handle); // xen_destroy_contiguous_region exchanged them back
  });

  it("the seed thread's bug needs a vmalloc address: on x86 PV the buffers are linear, mmap and sg tables are right", () => {
    for (const f of ["scenarios/seed-mmap.yaml", "scenarios/seed-sgtable.yaml", "scenarios/seed-atomic-free.yaml"]) {
      for (const kernel of ["5.6", "5.13"]) {
        const r = run(f, { platform: "x86_64-xen-pv", kernel });
        expect(r.ok, `${f} ${kernel}: ${r.first_failure}`).toBe(true);
        expect(r.first_alloc_kind).toBe("linear");
      }
    }
  });

  it("streaming DMA on PV bounces through the fixed-up swiotlb and copies through the P2M (R-STR-11)", () => {
    const r = run("scenarios/drivers/missing-sync-fixed.yaml", { platform: "x86_64-xen-pv" });
    expect(r.ok).toBe(true);
    expect(r.steps[1]!.result.bounced).toBe(true);
    expect(h(r.steps[1]!.result.dma_addr)).toBeLessThan(2 ** 32);
  });

  it("explain shows the exchange on the alloc path", () => {
    const r = runYaml(
      `
name: pv alloc
platform: x86_64-xen-pv
kernel: "5.13"
steps:
  - { op: dma_alloc_coherent, size: 16K, as: b }
`,
      { trace: true },
    );
    const fns = r.steps[0]!.trace.filter((e) => e.kind === "call").map((e) => (e as { fn: string }).fn);
    expect(fns).toEqual(expect.arrayContaining(["xen_swiotlb_alloc_coherent", "xen_alloc_coherent_pages", "xen_create_contiguous_region", "HYPERVISOR_memory_op"]));
  });
});

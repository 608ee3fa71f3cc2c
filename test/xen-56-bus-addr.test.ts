/**
 * 5.6's is_xen_swiotlb_buffer reads the bus address itself as a frame number (5.6.4
 * drivers/xen/swiotlb-xen.c:104 `XEN_PFN_DOWN(dma_addr)`); dma_to_phys came with 91ffe4ad534a (5.9;
 * 5.10.7 :106). 5.6's xen_swiotlb_map_page hands out xen_phys_to_bus(phys) = the physical address
 * (it ignores the Pi 4's dma-ranges), so on rpi4-xen 5.6 the unmap test sees that physical address.
 * dmasim applied dma_to_phys in 5.6 too: an unbounced buffer at phys 0xf7c04000 became 0x37c04000,
 * inside the swiotlb pool, and the unmap "freed" slots it never had (a dmasim-made BUG); a bounced
 * one was never freed (its slots leaked).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { runYaml } from "./helpers.js";

const calls = (r: ReturnType<typeof runYaml>, i: number) => r.steps[i]!.trace.filter((e) => e.kind === "call").map((e) => (e as { fn: string }).fn);

describe("rpi4-xen 5.6: is_xen_swiotlb_buffer on the bus address", () => {
  it("an unbounced streaming buffer is unmapped without touching swiotlb", () => {
    const y = `
name: map and unmap
platform: rpi4-xen
kernel: "5.6"
steps:
  - { op: alloc_pages, order: 0, gfp: GFP_KERNEL, as: p }
  - { op: dma_map_single, buf: p, size: 4K, dir: DMA_TO_DEVICE, as: m, expect: { bounced: false } }
  - { op: dma_unmap_single, map: m, expect: { fault: none } }
`;
    const r = runYaml(y, { trace: true });
    expect(r.steps[1]!.result.dma_addr).toBe("0xf7f84000"); // the physical address: 5.6 ignores dma-ranges (a page below the boot pool's memblock metadata at the top of RAM)
    expect(r.ok, r.first_failure ?? "").toBe(true);
    expect(calls(r, 2)).toEqual(["dma_unmap_page_attrs", "xen_swiotlb_unmap_page", "xen_dma_sync_for_cpu", "arch_sync_dma_for_cpu"]);
    // 5.10 honours dma-ranges (91ffe4ad534a): the buffer is outside the 1 GiB window, so it bounces, and the unmap frees the slot
    const r10 = runYaml(y.replace('kernel: "5.6"', 'kernel: "5.10"').replace("expect: { bounced: false } ", "").replace(", expect: { bounced: false }", ""), { trace: true });
    expect(r10.steps[1]!.result.dma_addr).toBe("0xec000000");
    expect(calls(r10, 2)).toContain("swiotlb_tbl_unmap_single");
  });

  it("a bounced buffer's slots are freed at unmap: the next mapping gets the same slot", () => {
    const y = readFileSync(new URL("../scenarios/swiotlb/from-device-info-leak.yaml", import.meta.url), "utf8");
    const r = runYaml(y, { platform: "rpi4-xen", kernel: "5.6" });
    expect(r.steps[2]!.result.dma_addr).toBe("0x373c0000");
    expect(r.steps[6]!.result.dma_addr).toBe("0x373c0000"); // it was DMA_MAPPING_ERROR: the first mapping's slots had leaked
  });
  it("5.6's cache maintenance tests pfn_valid(PFN_DOWN(handle)) on the handle itself (arch/arm/xen/mm.c:77, :86): a local page gets arch_sync_dma_for_device/_for_cpu", () => {
    const y = `
name: low buffer
platform: rpi4-xen
kernel: "5.6"
steps:
  - { op: kmalloc, size: 64, gfp: GFP_DMA, as: b }
  - { op: dma_map_single, buf: b, size: 64, dir: DMA_TO_DEVICE, as: m }
  - { op: dma_unmap_single, map: m }
`;
    const r = runYaml(y, { trace: true });
    expect(r.steps[1]!.result.dma_addr).toBe("0x1000"); // phys 0x1000 handed out as is
    // dmasim took dma_to_phys(0x1000) (below the 0xc0000000 window: no pfn) for a foreign page and flushed through the hypercall path
    // (5.6 always goes through arch/arm/xen/mm.c's xen_dma_sync_for_*, which hold the test)
    expect(calls(r, 1)).toEqual(["dma_map_single_attrs", "dma_map_page_attrs", "xen_swiotlb_map_page", "xen_dma_sync_for_device", "arch_sync_dma_for_device"]);
    expect(calls(r, 2)).toEqual(["dma_unmap_page_attrs", "xen_swiotlb_unmap_page", "xen_dma_sync_for_cpu", "arch_sync_dma_for_cpu"]);
  });
});

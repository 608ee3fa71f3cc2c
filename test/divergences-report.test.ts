/**
 * Known divergences D1, D2, D10 and D11 of docs/verified-facts.md, fixed: each version prints its
 * own format. dma-debug's dumps gain "cln=%pa" in 6.4 (bd89d69a529f) and "P=%pa" without N= in
 * 6.13 (9d4f645a1fd4); arm64's die_kernel_fault runs kasan_non_canonical_hook from 5.17
 * (07b742a4d912), whose "probably wild-memory-access" for a shadow address is 6.8's
 * (c20e3feadd45); 32-bit ARM's die_kernel_fault ends " when read|write" from 6.2 (b40b84b120f5).
 */
import { describe, expect, it } from "vitest";
import { bootK, h, runYaml } from "./helpers.js";
import { dma_map_single_attrs } from "../src/kernel/dma/mapping.js";
import { debug_dma_dump_mappings } from "../src/kernel/dma/debug.js";
import { DMA_FROM_DEVICE, GFP_KERNEL } from "../src/include/gfp.js";
import { kasan_non_canonical_hook } from "../src/mm/mm-debug.js";
import { Arm64 } from "../src/arch/arm64/memory.js";

/** A 256-byte DMA_FROM_DEVICE dma_map_single at offset 0x40 of a 4 KiB kmalloc buffer, with dma-debug on: both dumps. */
function dumps(platform: string, kernel: string, device: string) {
  const k = bootK(platform, kernel, { CONFIG_DMA_API_DEBUG: "y" });
  const dev = k.devices.get(device)!;
  const buf = k.slab.kmalloc(k, 4096, GFP_KERNEL);
  const dma = dma_map_single_attrs(k, dev, buf + 0x40, 256, DMA_FROM_DEVICE, 0);
  return { phys: k.arch.virt_to_phys(k, buf + 0x40), dma, printed: debug_dma_dump_mappings(k, dev), debugfs: k.dma_debug!.dump_show(k) };
}

describe("D1/D2: debug_dma_dump_mappings and debugfs dma-api/dump per version", () => {
  it("rpi4: no cln= through 6.1; cln=%pa (phys >> L1_CACHE_SHIFT, 16 digits) and the driver first in dma-api/dump from 6.6; 6.18 prints P=%pa and no N=", () => {
    const d61 = dumps("rpi4", "6.1", "soc:firmware");
    expect(d61.phys).toBe(0xf7e00040); // kmalloc-4k: an order-3 slab, the head of the order-3 pcp refill (44042b449872), below the boot pool's memblock metadata at the top of RAM
    expect(d61.dma).toBe(0xf3400000); // bounced: the entry still records the caller's page
    expect(d61.printed).toEqual(["raspberrypi-firmware soc:firmware: single idx 6656 P=f7e00040 N=f7e00 D=f3400000 L=100 DMA_FROM_DEVICE dma map error not checked"]);
    expect(d61.debugfs).toEqual(["soc:firmware raspberrypi-firmware single idx 6656 P=f7e00040 N=f7e00 D=f3400000 L=100 DMA_FROM_DEVICE dma map error not checked"]);
    // to_cacheline_number: (pfn << (PAGE_SHIFT - L1_CACHE_SHIFT)) + (offset >> L1_CACHE_SHIFT) = 0xf7e00040 >> 6 = 0x3df8001
    for (const v of ["6.6", "6.12"]) {
      const d = dumps("rpi4", v, "soc:firmware");
      expect(d.printed, v).toEqual(["raspberrypi-firmware soc:firmware: single idx 6656 P=f7e00040 N=f7e00 D=f3400000 L=100 cln=0x0000000003df8001 DMA_FROM_DEVICE dma map error not checked"]);
      expect(d.debugfs, v).toEqual(["raspberrypi-firmware soc:firmware single idx 6656 P=f7e00040 N=f7e00 D=f3400000 L=100 cln=0x0000000003df8001 DMA_FROM_DEVICE dma map error not checked"]);
    }
    const d618 = dumps("rpi4", "6.18", "soc:firmware");
    expect(d618.printed).toEqual(["raspberrypi-firmware soc:firmware: phy idx 6656 P=0x00000000f7e00040 D=f3400000 L=100 cln=0x0000000003df8001 DMA_FROM_DEVICE dma map error not checked"]);
    expect(d618.debugfs).toEqual(["raspberrypi-firmware soc:firmware phy idx 6656 P=0x00000000f7e00040 D=f3400000 L=100 cln=0x0000000003df8001 DMA_FROM_DEVICE dma map error not checked"]);
  });

  it("ARM32 (32-bit phys_addr_t): %pa is 0x and 8 digits", () => {
    const d = dumps("arm32", "6.6", "fe00b000.v4l2");
    expect(d.phys).toBe(0x1048040);
    expect(d.printed).toEqual(["bcm2835-codec fe00b000.v4l2: single idx 2084 P=1048040 N=1048 D=1048040 L=100 cln=0x00041201 DMA_FROM_DEVICE dma map error not checked"]);
    expect(dumps("arm32", "6.18", "fe00b000.v4l2").debugfs).toEqual(["bcm2835-codec fe00b000.v4l2 phy idx 2084 P=0x01048040 D=1048040 L=100 cln=0x00041201 DMA_FROM_DEVICE dma map error not checked"]);
    expect(dumps("arm32", "6.1", "fe00b000.v4l2").debugfs).toEqual(["fe00b000.v4l2 bcm2835-codec single idx 2084 P=1048040 N=1048 D=1048040 L=100 DMA_FROM_DEVICE dma map error not checked"]);
  });
});

/** A load or a store through a vmalloc pointer after vfree: the page tables no longer map it. */
const AFTER_VFREE = (access: string, config = "") => `
name: access after vfree
device: default
${config}
steps:
  - { op: vmalloc, size: 8K, as: buf }
  - { op: vfree, buf: buf }
  - ${access}
`;
const LOAD = "{ op: cpu_read, buf: buf, offset: 0, length: 4 }";
const STORE = `{ op: cpu_write, buf: buf, offset: 16, data: "ab" }`;

describe("D10: arm64 die_kernel_fault's kasan_non_canonical_hook (CONFIG_KASAN)", () => {
  const oops = (kernel: string, access: string, config = "config: { CONFIG_KASAN: y }") =>
    runYaml(AFTER_VFREE(access, config), { platform: "rpi4", kernel, trace: true }).faults.find((f) => f.kind === "oops")!;

  it("5.15.178: no hook; 5.19 and 6.1 decode 0xffff800009b88000 as the shadow of 0x4dc40000 (TASK_SIZE 2^48: probably user-memory-access)", () => {
    expect(oops("5.15", LOAD).report!.slice(0, 2)).toEqual(["Unable to handle kernel paging request at virtual address ffff800009b88000", "Mem abort info:"]);
    for (const v of ["5.19", "6.1"]) {
      // (0xffff800009b88000 - 0xdfff800000000000) << 3, mod 2^64
      expect(oops(v, LOAD).report!.slice(0, 3), v).toEqual([
        "Unable to handle kernel paging request at virtual address ffff800009b88000",
        "KASAN: probably user-memory-access in range [0x000000004dc40000-0x000000004dc40007]",
        "Mem abort info:",
      ]);
    }
  });

  it("6.12: a store 16 bytes in decodes one granule further (0x40dc40080: the vmalloc area is 2 GiB up since 3e35d303ab7d), WnR = 1; without KASAN the hook is empty", () => {
    const o = oops("6.12", STORE).report!;
    // (0xffff800081b88010 - 0xdfff800000000000) << 3, mod 2^64
    expect(o.slice(0, 3)).toEqual([
      "Unable to handle kernel paging request at virtual address ffff800081b88010",
      "KASAN: probably user-memory-access in range [0x000000040dc40080-0x000000040dc40087]",
      "Mem abort info:",
    ]);
    expect(o).toContain("  CM = 0, WnR = 1, TnD = 0, TagAccess = 0");
    expect(oops("6.12", STORE, "").report!.slice(0, 2)).toEqual(["Unable to handle kernel paging request at virtual address ffff800081b88010", "Mem abort info:"]);
  });

  it("a fault inside the shadow region: 'maybe wild-memory-access' through 6.6, 'probably wild-memory-access' from 6.8 (c20e3feadd45); below KASAN_SHADOW_OFFSET nothing", () => {
    // the shadow byte of the linear-map address 0xffff0000f7c04000: (addr >> 3) + 0xdfff800000000000
    const shadowAddr = h("0xffff60001ef80800");
    const hook = (v: string, a: number) => {
      const k = bootK("rpi4", v, { CONFIG_KASAN: "y" });
      return kasan_non_canonical_hook(k, a, (k.arch as Arm64).kasanShadow());
    };
    expect(hook("6.6", shadowAddr)).toEqual(["KASAN: maybe wild-memory-access in range [0xffff0000f7c04000-0xffff0000f7c04007]"]);
    expect(hook("6.12", shadowAddr)).toEqual(["KASAN: probably wild-memory-access in range [0xffff0000f7c04000-0xffff0000f7c04007]"]);
    expect(hook("6.18", h("0xdfff800000000000"))).toEqual(["KASAN: null-ptr-deref in range [0x0000000000000000-0x0000000000000007]"]);
    expect(hook("6.18", 0x10)).toEqual([]);
  });
});

describe("D11: 32-bit ARM die_kernel_fault's ' when %s' (6.2, b40b84b120f5)", () => {
  const msg = (kernel: string, access: string) => runYaml(AFTER_VFREE(access), { platform: "arm32", kernel }).faults.find((f) => f.kind === "oops")!.message;
  it("6.1.166 ends at the address; 6.6, 6.12 and 6.18 say write for a store and read for a load", () => {
    expect(msg("6.1", STORE)).toBe("Unable to handle kernel paging request at virtual address f0841010");
    expect(msg("5.15", LOAD)).toBe("Unable to handle kernel paging request at virtual address f0841000");
    for (const v of ["6.6", "6.12", "6.18"]) {
      expect(msg(v, STORE), v).toBe("Unable to handle kernel paging request at virtual address f0841010 when write");
      expect(msg(v, LOAD), v).toBe("Unable to handle kernel paging request at virtual address f0841000 when read");
    }
  });

  it("the sg unmap past the list's end reads sg_dma_address(NULL) at 0xc: 'NULL pointer dereference … when read' from 6.2", () => {
    const s = `
name: unmap nents past the list
device: default
steps:
  - { op: kmalloc, size: 4K, as: a }
  - { op: kmalloc, size: 4K, as: b }
  - op: dma_map_sg
    dir: DMA_TO_DEVICE
    as: s
    entries: [{ buf: a, length: 4K }, { buf: b, length: 4K }]
  - { op: dma_unmap_sg, map: s, nents: 3 }
`;
    const m = (kernel: string) => runYaml(s, { platform: "arm32", kernel }).faults.at(-1)!.message;
    expect(m("6.1")).toBe("Unable to handle kernel NULL pointer dereference at virtual address 0000000c");
    expect(m("6.6")).toBe("Unable to handle kernel NULL pointer dereference at virtual address 0000000c when read");
  });
});

/**
 * Untrusted devices behind an IOMMU bounce through swiotlb, per version (issue 12): VT-d's bounce_dma_ops on
 * 5.6/5.10, dma-iommu's __iommu_dma_map_swiotlb on 5.13/5.14 (82612d66d51d), the bounce folded into
 * iommu_dma_map_page from 5.15 (9b49bbc2c4df, 5.16; a 5.15.y backport), the 6.10 padding rule (2650073f1b58) on 6.12+,
 * and dma_alloc_noncontiguous (7d5b5738d151, 5.14) on IOMMU and dma-direct devices. Real addresses and bytes.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, bootK, runCli, runYaml } from "./helpers.js";
import { Tracer } from "../src/core/trace.js";
import { dma_map_single_attrs } from "../src/kernel/dma/mapping.js";
import { DMA_TO_DEVICE, GFP_KERNEL } from "../src/include/gfp.js";
import type { IovaDomain } from "../src/drivers/iommu/iova.js";
import { VERSIONS, versionNumber } from "../src/versions.js";
import { renderTrace } from "../src/core/trace.js";
import type { RunResult } from "../src/scenario/types.js";

const KERNELS = VERSIONS.map((v) => v.id);
const TB = readFileSync(join(ROOT, "scenarios/iommu/thunderbolt-unaligned-map.yaml"), "utf8");
const RX = readFileSync(join(ROOT, "scenarios/iommu/untrusted-rx-short-write.yaml"), "utf8");
const NC = readFileSync(join(ROOT, "scenarios/iommu/noncontiguous-ring.yaml"), "utf8");
const withKernel = (y: string, kernel: string) => y.replace(/^kernel: .*$/m, `kernel: "${kernel}"`);
const withDevice = (y: string, device: string) => y.replace(/^device: .*$/m, `device: "${device}"`);
const withPlatform = (y: string, platform: string) => y.replace(/^platform: .*$/m, `platform: ${platform}`);
const traceOf = (r: RunResult, step: number) => renderTrace(r.steps[step]!.trace).join("\n");

describe("a Thunderbolt NIC's 100-byte map (scenarios/iommu/thunderbolt-unaligned-map.yaml)", () => {
  // the packet's page: the highest free blocks lie below the boot pool's memblock metadata at the top of RAM, whose
  // size is the era's (5.6–5.11 io_tlb_list + io_tlb_orig_addr 96 pages, 5.13–5.14 io_tlb_mem 193, 5.15+ slots 192, 6.x + areas)
  const PKT: Record<string, string> = { "5.6": "237f87000", "5.10": "237f87000", "5.13": "237f30000", "5.14": "237f30000", "5.15": "237f07000", "5.19": "237f07000", "6.1": "237f30000", "6.6": "237f30000", "6.12": "237f30000", "6.18": "237f30000" };
  for (const kernel of KERNELS) {
    it(`${kernel}: the untrusted device gets a swiotlb slot of its own page; the key next to the packet stays out of reach`, () => {
      const r = runYaml(withKernel(TB, kernel), { trace: true });
      expect(r.ok, JSON.stringify(r.expectations.filter((e) => !e.ok))).toBe(true);
      const map = r.steps[4]!;
      expect(map.result.dma_addr).toBe("0xfffff000"); // the top page of the 32-bit IOVA space
      expect(map.result.bounced).toBe(true);
      expect(map.summary).toContain("swiotlb slot at phys 0xbc000000");
      expect(r.steps[6]!.result.data).toBe('"packet payload"');
      expect(r.steps[7]!.result.data).toBe("00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
      const t = traceOf(r, 4);
      const v = versionNumber(kernel);
      /* who bounces, per version */
      if (v <= 510) expect(t).toContain(`bounce_map_single(paddr=0x${PKT[kernel]}, size=0x64)  [drivers/iommu/${v < 508 ? "intel-iommu.c" : "intel/iommu.c"}]`); // 672cf6df9b8a (5.8) moved the file
      else if (v < 515) expect(t).toContain(`__iommu_dma_map_swiotlb(phys=0x${PKT[kernel]}, size=0x64)`);
      else {
        expect(t).not.toContain("__iommu_dma_map_swiotlb");
        expect(t).toContain("alloc_align_mask=0xfff"); /* e81e99bacc9f: the slot aligned to the IOVA granule */
      }
      /* the padding after the packet in its page is zeroed: 0xf9c bytes from slot + 100 */
      if (v < 610) expect(t).toContain("Cleanup the padding area: memset(0xffff8880bc000064, 0, 0xf9c)");
      else expect(t).toContain("post-padding 0xf9c bytes after its end");
      /* a63c357b9fd5 (6.7, stable 5.15+): the swiotlb:swiotlb_bounced tracepoint, in 5.15, 6.1, 6.6 and later, not in 5.19;
         include/trace/events/swiotlb.h's format, with the original's phys as dev_addr (dma-iommu passes phys) */
      expect(t.includes(`trace_swiotlb_bounced: dev_name: 0000:05:00.0 dma_mask=ffffffffffffffff dev_addr=${PKT[kernel]} size=100 NORMAL`)).toBe(v >= 515 && v !== 519);
    });
  }
  it("the trusted e1000e mapped the same way reads the key through the IOMMU (no bounce)", () => {
    for (const kernel of ["5.10", "5.19", "6.12"]) {
      const r = runYaml(withDevice(withKernel(TB, kernel), "0000:00:1f.6"), {});
      expect(r.steps[4]!.result.bounced, kernel).toBe(false);
      expect(r.steps[7]!.result.data, kernel).toBe('"SECRET KEY 1234"');
      expect(r.ok, kernel).toBe(false);
    }
  });
  it("dma-debug records the mapping at the buffer's physical address and the IOVA, and reports nothing else", () => {
    for (const kernel of ["5.10", "5.14", "6.12"]) {
      const r = runYaml(withKernel(TB, kernel), { trace: true, set: { CONFIG_DMA_API_DEBUG: "y" } });
      expect(r.ok, kernel).toBe(true);
      expect(r.diagnostics, kernel).toEqual([]);
      expect(traceOf(r, 4), kernel).toContain(`debug_dma_map_page(paddr=0x0000000${PKT[kernel]}, size=100, dir=DMA_TO_DEVICE, dma_addr=0x00000000fffff000)`);
      /* the map took two 2 KiB slots (one IOVA granule) and the unmap releases them */
      expect(traceOf(r, 4), kernel).toMatch(/swiotlb map index 0 nslots 2 tlb_addr 0xbc000000/);
      expect(traceOf(r, 8), kernel).toContain("tlb_addr=0xbc000000");
    }
  });
  it("without a swiotlb pool, 5.19+ refuse the map with dev_warn_once (f316ba0a8814)", () => {
    for (const kernel of ["5.19", "6.1", "6.12"]) {
      const r = runYaml(withKernel(TB, kernel), { trace: true, set: { swiotlb: "noforce" } });
      expect(r.steps[4]!.result.ret, kernel).toBe("DMA_MAPPING_ERROR");
      expect(traceOf(r, 4), kernel).toContain("[warn] thunderbolt 0000:05:00.0: DMA bounce buffers are inactive, unable to map unaligned transaction.");
    }
  });
});

describe("an untrusted device's short write into a DMA_FROM_DEVICE buffer (scenarios/iommu/untrusted-rx-short-write.yaml)", () => {
  for (const kernel of KERNELS) {
    const keeps = versionNumber(kernel) >= 610;
    it(`${kernel}: the 26 bytes the device did not write come back ${keeps ? "as they were (2650073f1b58 zeroes only the padding)" : "as zeros (the whole slot was zeroed at map)"}`, () => {
      const r = runYaml(withKernel(RX, kernel), {});
      const read = r.steps[r.steps.length - 1]!;
      expect(r.steps[2]!.result.bounced).toBe(true);
      if (keeps) expect(read.result.data).toBe('"NEW contents of the rx buffer"');
      else expect(read.result.data).toBe("4e 45 57 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
      expect(r.ok).toBe(keeps);
    });
  }
});

describe("dma_alloc_noncontiguous (scenarios/iommu/noncontiguous-ring.yaml)", () => {
  for (const kernel of KERNELS) {
    if (versionNumber(kernel) < 514) {
      it(`${kernel}: no such call — one input error naming the commit that added it`, () => {
        expect(() => runYaml(withKernel(NC, kernel), {})).toThrow(/steps\[12\]\.op: Linux \d\.\d+ has no dma_alloc_noncontiguous \(added in 5\.14 by 7d5b5738d151/);
      });
      continue;
    }
    it(`${kernel}: behind the SMMU, four scattered pages at one IOVA; the device writes across a page boundary, the CPU reads it through the vmap`, () => {
      const r = runYaml(withKernel(NC, kernel), { trace: true });
      expect(r.ok, JSON.stringify(r.expectations.filter((e) => !e.ok))).toBe(true);
      const a = r.steps.find((s) => s.op === "dma_alloc_noncontiguous")!;
      expect(a.result.dma_addr).toBe("0xffffc000");
      expect(a.result.nents).toBe("1");
      expect(a.result.orig_nents).toBe("4");
      const pfns = String(a.result.pfn).split(",").map((p) => parseInt(p, 16));
      expect(new Set(pfns).size).toBe(4);
      for (let i = 1; i < 4; i++) expect(Math.abs(pfns[i]! - pfns[i - 1]!)).toBeGreaterThan(1); /* no two adjacent */
      expect(r.steps.find((s) => s.op === "dma_vmap_noncontiguous")!.result.addr_kind).toBe("vmalloc");
      expect(r.steps.find((s) => s.op === "cpu_read")!.result.data).toBe('"frame across pages"');
      const t = traceOf(r, r.steps.indexOf(a));
      expect(t).toContain(versionNumber(kernel) >= 612 ? "use_dma_iommu(dev): yes" : "ops && ops->alloc_noncontiguous: yes");
    });
  }
  it("a device on dma-direct gets one physically contiguous block; the vmap is its linear address", () => {
    for (const [platform, device] of [["x86_64", "nic"], ["arm64-coherent", "nic"]] as const) {
      const r = runYaml(withDevice(withPlatform(withKernel(NC, "6.12"), platform), device), {});
      const a = r.steps.find((s) => s.op === "dma_alloc_noncontiguous")!;
      expect(a.result.orig_nents, platform).toBe("1");
      const v = r.steps.find((s) => s.op === "dma_vmap_noncontiguous")!;
      expect(v.result.addr_kind, platform).toBe("linear");
      expect(r.steps.find((s) => s.op === "cpu_read")!.result.data, platform).toBe('"frame across pages"');
    }
  });
  it("the CLI: on 5.10 one line on stderr with file:line:col and exit 2", async () => {
    const res = await runCli(["run", "scenarios/iommu/noncontiguous-ring.yaml", "--kernel", "5.10"]);
    expect(res.code).toBe(2);
    const lines = res.stderr.trim().split("\n");
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(/^scenarios\/iommu\/noncontiguous-ring\.yaml:47:9: steps\[12\]\.op: Linux 5\.10 has no dma_alloc_noncontiguous/);
  }, 60_000);
});

describe("the PCI 32-bit IOVA attempt once the 32-bit space is full (791c2b17fb40, 6.6)", () => {
  /** A NIC behind the SMMU maps three pages; before the second, the whole 32-bit IOVA space is taken, and freed again before the third. */
  function run3(kernel: string) {
    const k = bootK("arm64-smmu", kernel);
    const dev = k.devices.get("0000:00:03.0")!;
    const iovad = (dev.iommu!.domain.iova_cookie as { iovad: IovaDomain }).iovad;
    const map = () => dma_map_single_attrs(k, dev, k.slab.kmalloc(k, 4096, GFP_KERNEL), 4096, DMA_TO_DEVICE, 0);
    const tr = new Tracer();
    k.tr = tr;
    const first = map();
    const hog = iovad.alloc_iova(0xfffff - 1, 0xfffff, false)!; /* every free pfn below 4 GiB */
    const second = map();
    iovad.free_iova(hog.pfn_lo);
    const third = map();
    return { first, second, third, notes: renderTrace(tr.since(0)).filter((l) => l.includes("DMA addresses")), flag: dev.iommu!.pci_32bit_workaround };
  }
  it("6.1: every map tries the 32-bit space again, so the third is below 4 GiB once it is free", () => {
    const r = run3("6.1");
    expect([r.first, r.second, r.third].map((x) => "0x" + x.toString(16))).toEqual(["0xfffff000", "0xfffffffff000", "0xffffe000"]);
    expect(r.notes).toEqual([]);
  });
  for (const kernel of ["6.6", "6.12", "6.18"]) {
    it(`${kernel}: the first failure clears pci_32bit_workaround with a notice; later maps stay above 4 GiB`, () => {
      const r = run3(kernel);
      expect([r.first, r.second, r.third].map((x) => "0x" + x.toString(16))).toEqual(["0xfffff000", "0xfffffffff000", "0xffffffffe000"]);
      expect(r.notes).toHaveLength(1);
      expect(r.notes[0]).toContain("[notice] igb 0000:00:03.0: Using 48-bit DMA addresses");
      expect(r.flag).toBe(false);
    });
  }
});

/**
 * Stop 19: a Xen and IOMMU maintainer's walk (docs/verified-facts.md, "Stop 19: a Xen and IOMMU
 * maintainer's walk"). Each test fails on the code before its fix.
 */
import { describe, expect, it } from "vitest";
import { bootK, run } from "./helpers.js";
import { dma_max_mapping_size, dma_opt_mapping_size } from "../src/kernel/dma/mapping.js";

const SIZE_MAX = Number.MAX_SAFE_INTEGER; // the model's SIZE_MAX
const TBT = "0000:05:00.0"; // x86_64-iommu's untrusted Thunderbolt device
const NVME = "0000:02:00.0"; // a trusted one

describe("afc5aa46ed56: dma-iommu's max_mapping_size for an untrusted device", () => {
  it("the untrusted device is bounded by swiotlb (256 KiB) where the tree has the commit, SIZE_MAX before; a trusted one always SIZE_MAX", () => {
    // 5.15.178, 6.1.166, 6.6.63 carry the backport (dma-iommu.c:1299, :1550, :1605); 5.19 and 5.14-rc5 do not;
    // 5.6/5.10 are VT-d's own intel_dma_ops / bounce_dma_ops, which have no .max_mapping_size
    const want: Record<string, number> = { "5.6": SIZE_MAX, "5.10": SIZE_MAX, "5.14": SIZE_MAX, "5.15": 262144, "5.19": SIZE_MAX, "6.1": 262144, "6.6": 262144, "6.12": 262144, "6.18": 262144 };
    for (const [v, size] of Object.entries(want)) {
      const k = bootK("x86_64-iommu", v);
      expect(dma_max_mapping_size(k, k.devices.get(TBT)!), v).toBe(size);
      expect(dma_max_mapping_size(k, k.devices.get(NVME)!), v).toBe(SIZE_MAX);
    }
    // dma_opt_mapping_size = min(max, iova_rcache_range() = 128 KiB): unchanged
    const k = bootK("x86_64-iommu", "6.12");
    expect(dma_opt_mapping_size(k, k.devices.get(TBT)!)).toBe(131072);
  });

  it("scenarios/iommu/untrusted-max-mapping.yaml: 262144 on 6.12; the 512 KiB request fails with the commit's message", () => {
    const r = run("scenarios/iommu/untrusted-max-mapping.yaml", {});
    expect(r.ok).toBe(true);
    expect(r.steps[0]!.result.ret).toBe("262144");
    expect(r.steps[4]!.result.data).toBe('"last sector"');
    expect(r.log!.some((l) => l.message.includes("swiotlb buffer is full (sz: 524288 bytes), total 32768 (slots), used 0 (slots)"))).toBe(true);
    const r519 = run("scenarios/iommu/untrusted-max-mapping.yaml", { kernel: "5.19" });
    expect(r519.ok).toBe(false);
    expect(r519.steps[0]!.result.ret).toBe("SIZE_MAX");
  });
});

/**
 * How a device behind an IOMMU gets its DMA ops at boot: iommu_probe_device puts it in an IOMMU group
 * whose default domain is IOMMU_DOMAIN_DMA (or IOMMU_DOMAIN_IDENTITY with iommu.passthrough=1), and
 * arm64's arch_setup_dma_ops → iommu_setup_dma_ops initialises the DMA domain (iommu_dma_init_domain)
 * and sets dev->dma_ops = &iommu_dma_ops. An identity domain leaves the device on dma-direct.
 * (drivers/iommu/iommu.c iommu_probe_device / iommu_group_alloc_default_domain,
 * arch/arm64/mm/dma-mapping.c arch_setup_dma_ops, drivers/iommu/dma-iommu.c iommu_setup_dma_ops; 5.6–5.19.)
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../device.js";
import { arm_smmu_domain_alloc, arm_smmu_translate, type ArmSmmuDevice } from "./arm-smmu-v3.js";
import { iommu_dma_init_domain, iommu_dma_ops } from "./dma-iommu.js";
import { MAP_PAGES } from "./iommu.js";

/** iommu_probe_device + iommu_setup_dma_ops for one device (5.6–5.19). */
export function iommu_probe_device(k: Kernel, dev: Device, smmu: ArmSmmuDevice, sid: number): void {
  if (k.cfg.iommu_passthrough) {
    k.log(`iommu: Default domain type: Passthrough (${dev.name})`);
    return; /* identity domain: the device masters physical addresses, dev->dma_ops stays NULL */
  }
  const domain = arm_smmu_domain_alloc(k, smmu);
  const lazy = !k.cfg.iommu_strict;
  /* ≤5.14: a lazy domain's io-pgtable carries IO_PGTABLE_QUIRK_NON_STRICT; 5.15+: the gather is queued */
  if (lazy && !k.has(MAP_PAGES)) (domain.priv as { pgtbl: { cfg: { non_strict: boolean } } }).pgtbl.cfg.non_strict = true;
  iommu_dma_init_domain(k, domain, 0, !lazy);
  dev.iommu = { domain, sid, translate: (kk, iova, write) => arm_smmu_translate(kk, domain, sid, iova, write) };
  dev.dma_ops = iommu_dma_ops;
}

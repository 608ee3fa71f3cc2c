/**
 * How a device behind an IOMMU gets its DMA ops at boot: iommu_probe_device puts it in an IOMMU group
 * whose default domain is IOMMU_DOMAIN_DMA (or IOMMU_DOMAIN_IDENTITY with iommu.passthrough=1), and
 * arm64's arch_setup_dma_ops → iommu_setup_dma_ops initialises the DMA domain (iommu_dma_init_domain)
 * and sets dev->dma_ops = &iommu_dma_ops. An identity domain leaves the device on dma-direct.
 * (drivers/iommu/iommu.c iommu_probe_device / iommu_group_alloc_default_domain,
 * arch/arm64/mm/dma-mapping.c arch_setup_dma_ops, drivers/iommu/dma-iommu.c iommu_setup_dma_ops; 5.6–6.18.)
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../device.js";
import { arm_smmu_domain_alloc, arm_smmu_translate, type ArmSmmuDevice } from "./arm-smmu-v3.js";
import { SAC_TRICK, iommu_dma_init_domain, iommu_dma_ops } from "./dma-iommu.js";
import { DMA_IOMMU_DIRECT_CALLS, iommu_dma_direct_calls } from "./dma-iommu-v6.12.js";
import { MAP_PAGES, type DeviceIommu } from "./iommu.js";
import { bounce_dma_ops, device_needs_bounce } from "./intel/bounce.js";
import { INTEL_DMA_OPS_ERA_END, dmar_translate, type DmarDomain, intel_dma_ops, intel_domain_alloc, intel_init_flush_queue, intel_iommu_domain } from "./intel/iommu.js";

/** iommu_probe_device + iommu_setup_dma_ops for one device (5.6–5.19). */
export function iommu_probe_device(k: Kernel, dev: Device, smmu: ArmSmmuDevice, sid: number): void {
  if (k.cfg.iommu_passthrough) {
    k.log(`iommu: Default domain type: Passthrough (${dev.name})`);
    return; /* identity domain: the device masters physical addresses, dev->dma_ops stays NULL */
  }
  const domain = arm_smmu_domain_alloc(k, smmu);
  const lazy = !k.cfg.iommu_strict;
  /* ≤5.14: a lazy domain's io-pgtable carries IO_PGTABLE_QUIRK_NON_STRICT; 5.15+: the gather is queued */
  if (lazy && !k.sw[MAP_PAGES]) (domain.priv as { pgtbl: { cfg: { non_strict: boolean } } }).pgtbl.cfg.non_strict = true;
  iommu_dma_init_domain(k, domain, 0, !lazy);
  dev.iommu = { domain, kind: "smmu-v3", sid };
  iommu_setup_dma_ops(k, dev);
}

/**
 * dma-iommu.c iommu_setup_dma_ops (5.6–6.11: dev->dma_ops = &iommu_dma_ops; 6.12+, b5c58b2fdc42: dev->dma_iommu =
 * true and mapping.c calls dma-iommu directly — the model's table for that branch is iommu_dma_direct_calls).
 */
function iommu_setup_dma_ops(k: Kernel, dev: Device): void {
  /* iommu.c __iommu_probe_device → iommu_dma_set_pci_32bit_workaround (6.6+, 791c2b17fb40) */
  if (k.sw[SAC_TRICK] && dev.is_pci) dev.iommu!.pci_32bit_workaround = !k.cfg.iommu_forcedac;
  if (k.sw[DMA_IOMMU_DIRECT_CALLS]) {
    dev.iommu!.dma_iommu = true;
    dev.dma_ops = iommu_dma_direct_calls;
  } else dev.dma_ops = iommu_dma_ops;
}

/**
 * Intel VT-d (intel/iommu.c intel_iommu_probe_device / probe_finalize, 5.6–5.19): a domain with its
 * own second-level table; before c588072bba6b (5.11) the device gets intel_dma_ops, after it
 * iommu_dma_ops over the domain's iommu ops. Lazy unless iommu.strict=1 (intel_iommu=strict) or the
 * device is untrusted.
 */
export function intel_iommu_probe_device(k: Kernel, dev: Device, unit: string, sid: number): void {
  if (k.cfg.iommu_passthrough) {
    k.log(`DMAR: ${dev.name}: identity (passthrough) domain`);
    return;
  }
  /* domain ids in probe order (the unit's domain_ids bitmap, 0 reserved) */
  const id = 1 + [...k.devices.values()].filter((x) => x.iommu?.kind === "vt-d").length;
  const d = intel_domain_alloc(k, unit, id);
  const lazy = !k.cfg.iommu_strict && !dev.untrusted;
  const domain = intel_iommu_domain(k, d);
  dev.iommu = { domain, kind: "vt-d", sid };
  if (!k.sw[INTEL_DMA_OPS_ERA_END]) {
    if (lazy) intel_init_flush_queue(k, d, domain);
    dev.dma_ops = intel_dma_ops;
    /* intel_iommu_add_device (5.6) / intel_iommu_probe_finalize (5.10): untrusted devices get the bounce ops */
    if (device_needs_bounce(dev)) dev.dma_ops = bounce_dma_ops;
    return;
  }
  iommu_dma_init_domain(k, domain, 0, !lazy);
  /* the dma-iommu cookie's IOVA domain is the one the IOMMU core allocates with; keep the dmar_domain's in step */
  d.iovad = (domain.iova_cookie as { iovad: typeof d.iovad }).iovad;
  iommu_setup_dma_ops(k, dev);
}

/** The IOMMU's side of a device access: the physical address for iova, or the fault lines its driver prints. */
export function iommu_translate(k: Kernel, io: DeviceIommu, iova: number, write: boolean): number | string {
  if (io.kind === "smmu-v3") return arm_smmu_translate(k, io.domain, io.sid, iova, write);
  return dmar_translate(k, io.domain.priv as DmarDomain, { bus: io.sid >> 8, dev: (io.sid >> 3) & 0x1f, fn: io.sid & 7 }, iova, write);
}

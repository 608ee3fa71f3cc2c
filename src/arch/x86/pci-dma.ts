/**
 * arch/x86/kernel/pci-swiotlb.c (5.6–5.18) and arch/x86/kernel/pci-dma.c (5.19–6.18): x86 sets its
 * swiotlb pool up quietly at mem_init — pci_swiotlb_init's swiotlb_init(0) (5.6.4 pci-swiotlb.c:62–66,
 * 5.15.178 :62–66), 5.19+ pci_iommu_alloc's swiotlb_init(x86_swiotlb_enable, x86_swiotlb_flags), whose
 * flags never hold SWIOTLB_VERBOSE (6.1.166 and 6.18.35 pci-dma.c: FORCE and, for a PV dom0, ANY) —
 * and reports it once the IOMMUs had their say: "PCI-DMA: Using software bounce buffering for IO
 * (SWIOTLB)" then swiotlb_print_info, from pci_swiotlb_late_init (5.6.4 :68–78) or the
 * rootfs_initcall pci_iommu_init (5.19 pci-dma.c:198–199, 6.18.35 :179–180). A 5.6–5.18 PV dom0 has no
 * late hook (IOMMU_INIT_FINISH(pci_xen_swiotlb_detect, …, NULL)): xen_swiotlb_init prints verbosely itself.
 */
import type { Kernel } from "../../kernel.js";
import { swiotlb_print_info } from "../../kernel/dma/swiotlb/index.js";

/**
 * pci_swiotlb_late_init (5.6–5.18, bare metal) / pci_iommu_init's swiotlb report (5.19–6.18, bare metal and PV):
 * when swiotlb was enabled (`swiotlb` / x86_swiotlb_enable, `enabled`) the line and swiotlb_print_info — which
 * says "No low mem" when swiotlb_init could not allocate the buffer (5.6.4 pci-swiotlb.c:68–78, 6.18.35 pci-dma.c:179–180)
 */
export function pci_iommu_init_swiotlb_report(k: Kernel, pv: boolean, enabled = !!k.io_tlb_default_mem): void {
  if (!enabled) return;
  if (pv && !k.sw["3f70356edf56"]) return;
  k.printk("info", "PCI-DMA: Using software bounce buffering for IO (SWIOTLB)");
  swiotlb_print_info(k);
}

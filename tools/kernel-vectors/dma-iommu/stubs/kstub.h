/*
 * dmasim kernel-vectors, dma-iommu target: the user-space stand-ins for the kernel facilities that
 * drivers/iommu/iova.c, lib/rbtree.c and dma-iommu.c's iommu_dma_alloc_iova (extracted by record.sh)
 * use — common/kstub-iova.h (the iova target's stubs) plus the device, the domain's geometry and
 * cookie, dev_notice and bits_per. Our own code (MIT); the kernel files themselves are read,
 * unmodified, from the tree whose path is given to record.sh.
 */
#ifndef DMASIM_KSTUB_H
#define DMASIM_KSTUB_H
#include "../../common/kstub-iova.h"

/* what iommu_dma_alloc_iova reads (dma-iommu target) */
#define DMA_BIT_MASK(n) (((n) == 64) ? ~0ULL : ((1ULL << (n)) - 1))
#define min_not_zero(x, y) ({ __typeof__(x) __x = (x); __typeof__(y) __y = (y); __x == 0 ? __y : ((__y == 0) ? __x : min(__x, __y)); })
static inline int bits_per(u64 n) { return n < 2 ? 1 : 64 - __builtin_clzll(n); }
struct dev_iommu { bool pci_32bit_workaround; };
struct device { const char *name; int pci; u64 bus_dma_limit; struct dev_iommu *iommu; };
#define dev_is_pci(d) ((d)->pci)
void kv_notice(struct device *dev, const char *fmt, ...);
#define dev_notice(dev, fmt, ...) kv_notice(dev, fmt, ##__VA_ARGS__)
struct iommu_domain_geometry { dma_addr_t aperture_start, aperture_end; bool force_aperture; };
enum iommu_dma_cookie_type { IOMMU_DMA_IOVA_COOKIE, IOMMU_DMA_MSI_COOKIE };
enum iommu_cookie_type { IOMMU_COOKIE_NONE, IOMMU_COOKIE_DMA_IOVA, IOMMU_COOKIE_DMA_MSI };
struct iommu_dma_msi_cookie { dma_addr_t msi_iova; };
struct iommu_domain { struct iommu_domain_geometry geometry; void *iova_cookie; enum iommu_cookie_type cookie_type; struct iommu_dma_msi_cookie *msi_cookie; };
extern bool kv_forcedac;
#define iommu_dma_forcedac kv_forcedac
#endif

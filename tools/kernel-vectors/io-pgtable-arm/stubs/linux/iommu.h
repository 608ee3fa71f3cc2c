/* dmasim kernel-vectors stub: the part of include/linux/iommu.h io-pgtable uses. */
#include "../kstub-iopt.h"
#define IOMMU_READ (1 << 0)
#define IOMMU_WRITE (1 << 1)
#define IOMMU_CACHE (1 << 2)
#define IOMMU_NOEXEC (1 << 3)
#define IOMMU_MMIO (1 << 4)
#define IOMMU_PRIV (1 << 5)
#define IOMMU_SYS_CACHE_ONLY (1 << 6) /* 5.6 only; never passed by the driver */
struct iommu_iotlb_gather { unsigned long start, end; size_t pgsize; void *freelist; bool queued; };
static inline bool iommu_iotlb_gather_queued(struct iommu_iotlb_gather *g) { return g && g->queued; }
struct iommu_domain;
/* 6.7+: dirty tracking (read_and_clear_dirty); the vectors never call it */
#define IOMMU_DIRTY_NO_CLEAR (1 << 0)
struct iommu_dirty_bitmap { void *bitmap; struct iommu_iotlb_gather *gather; };
static inline void iommu_dirty_bitmap_record(struct iommu_dirty_bitmap *d, unsigned long iova, unsigned long len) { (void)d; (void)iova; (void)len; }

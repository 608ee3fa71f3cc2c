/* kstub-dma.h: the stand-ins both swiotlb drivers' kstub.h end with (stubs/ and stubs66/): debugfs
 * and tracing off, the generic dma-direct helpers over an identity mapping, and iommu_is_span_boundary
 * with the driver's livelock bound. Included from each kstub.h where the two used to repeat it. */
/* ---- debugfs / tracing: off ---- */
#define debugfs_create_dir(n, p) ((struct dentry *)NULL)
#define debugfs_create_ulong(...) do { } while (0)
#define trace_swiotlb_bounced(...) do { } while (0)

/* ---- dma helpers (generic dma-direct, no dma-ranges, identity) ---- */
static inline unsigned long dma_get_seg_boundary(struct device *dev)
{
	if (dev->dma_parms && dev->dma_parms->segment_boundary_mask)
		return dev->dma_parms->segment_boundary_mask;
	return ~0UL;
}
static inline unsigned int dma_get_min_align_mask(struct device *dev)
{
	if (dev->dma_parms)
		return dev->dma_parms->min_align_mask;
	return 0;
}
static inline dma_addr_t phys_to_dma(struct device *d, phys_addr_t p) { (void)d; return p; }
static inline dma_addr_t __phys_to_dma(struct device *d, phys_addr_t p) { (void)d; return p; }
static inline dma_addr_t phys_to_dma_unencrypted(struct device *d, phys_addr_t p) { (void)d; return p; }
static inline bool dma_capable(struct device *d, dma_addr_t a, size_t s, bool is_ram) { (void)d; (void)a; (void)s; (void)is_ram; return true; }
static inline bool dev_is_dma_coherent(struct device *d) { return d->dma_coherent; }
static inline void arch_sync_dma_for_device(phys_addr_t p, size_t s, enum dma_data_direction d) { (void)p; (void)s; (void)d; }

/* include/linux/iommu-helper.h iommu_is_span_boundary, with the driver's loop counter:
 * the slot search calls it once per aligned candidate, so a search that calls it more
 * often than a bound is not going to end (the min_align_mask livelock). */
extern unsigned long kv_span_calls, kv_span_bound;
static inline int iommu_is_span_boundary(unsigned int index, unsigned int nr,
					 unsigned long shift, unsigned long boundary_size)
{
	if (++kv_span_calls > kv_span_bound)
		kv_fault("livelock", "slot search still running after %lu candidate slots", kv_span_calls - 1);
	BUG_ON(!is_power_of_2(boundary_size));
	shift = (shift + index) & (boundary_size - 1);
	return shift + nr > boundary_size;
}

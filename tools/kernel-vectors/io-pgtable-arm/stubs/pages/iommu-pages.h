/*
 * dmasim kernel-vectors, io-pgtable-arm target: stand-in for drivers/iommu/iommu-pages.h (6.11+),
 * the IOMMU page-table page allocator. Our own code (MIT). record.sh compiles the tree's unmodified
 * io-pgtable-arm.c from a scratch copy beside this header (a quoted include looks there first).
 * 6.11–6.14: iommu_alloc_pages_node(nid, gfp, order) / iommu_free_pages(virt, order);
 * 6.15+ (-DKV_PAGES_SZ): iommu_alloc_pages_node_sz(nid, gfp, size) / iommu_free_pages(virt).
 */
#ifndef DMASIM_IOMMU_PAGES_H
#define DMASIM_IOMMU_PAGES_H
static inline int kv_order_of(size_t size) { int o = 0; while ((PAGE_SIZE << o) < size) o++; return o; }
#ifdef KV_PAGES_SZ
static inline void *iommu_alloc_pages_node_sz(int nid, gfp_t gfp, size_t size)
{
	struct page *p = alloc_pages_node(nid, gfp, kv_order_of(size));
	return p ? page_address(p) : NULL;
}
static inline void iommu_free_pages(void *virt) { if (virt) free_pages((unsigned long)virt, 0); }
#else
static inline void *iommu_alloc_pages_node(int nid, gfp_t gfp, int order)
{
	struct page *p = alloc_pages_node(nid, gfp, order);
	return p ? page_address(p) : NULL;
}
static inline void iommu_free_pages(void *virt, int order) { if (virt) free_pages((unsigned long)virt, order); }
#endif
#endif

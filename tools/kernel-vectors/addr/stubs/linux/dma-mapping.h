/* dmasim kernel-vectors stub: only what include/linux/dma-direct.h needs from struct device. */
#ifndef KV_DMA_MAPPING_H
#define KV_DMA_MAPPING_H
#include <linux/kv-types.h>
/* struct bus_dma_region is defined by dma-direct.h itself in 5.10+ */
struct bus_dma_region;
typedef unsigned int gfp_t;
struct sg_table;
struct vm_area_struct;
struct page;
struct scatterlist;
enum dma_data_direction { DMA_BIDIRECTIONAL = 0, DMA_TO_DEVICE = 1, DMA_FROM_DEVICE = 2, DMA_NONE = 3 };
struct device {
	u64 *dma_mask;
	u64 coherent_dma_mask;
	u64 bus_dma_limit;
	unsigned long dma_pfn_offset;                 /* 5.6 */
	const struct bus_dma_region *dma_range_map;   /* 5.10+ */
};
#endif

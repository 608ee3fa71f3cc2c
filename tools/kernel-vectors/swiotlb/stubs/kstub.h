/*
 * kstub.h — dmasim's own user-space stand-ins for the kernel facilities that
 * kernel/dma/swiotlb.c uses, so that a tree's UNMODIFIED swiotlb.c compiles and
 * runs as a normal program (tools/kernel-vectors/swiotlb/driver.c includes it).
 *
 * Written for dmasim (MIT-licensed project code); no kernel source is copied here.
 * Every linux/ *.h and asm/ *.h in this directory is a one-line file including this.
 *
 * Memory: one static arena stands for RAM. Physical address = KV_PHYS_BASE + the
 * offset into the arena; phys_to_virt/virt_to_phys/__pa/__va translate over it.
 * memblock_alloc* is a bump allocator inside the arena (zeroed).
 * Faults: panic(), BUG() and BUG_ON() print and longjmp back to the driver, which
 * records them as a result of the operation.
 */
#ifndef KV_KSTUB_H
#define KV_KSTUB_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <setjmp.h>
#include <ctype.h>
#include <errno.h>

/* ---- types ---- */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef int32_t s32;
typedef u64 phys_addr_t;
typedef u64 dma_addr_t;
typedef unsigned int gfp_t;
typedef struct { int dummy; } spinlock_t;
struct dentry { int dummy; };
struct page { int dummy; };
struct scatterlist { int dummy; };

enum dma_data_direction { DMA_BIDIRECTIONAL = 0, DMA_TO_DEVICE = 1, DMA_FROM_DEVICE = 2, DMA_NONE = 3 };


struct device_dma_parameters {
	unsigned int max_segment_size;
	unsigned int min_align_mask;
	unsigned long segment_boundary_mask;
};
struct io_tlb_mem;
struct device {
	const char *name;
	u64 *dma_mask;
	u64 coherent_dma_mask;
	u64 bus_dma_limit;
	struct device_dma_parameters *dma_parms;
	struct io_tlb_mem *dma_io_tlb_mem;
#include "../kstub-base.h"
static inline unsigned long __get_free_pages(gfp_t g, unsigned int order) { (void)g; return (unsigned long)kv_memblock_alloc(PAGE_SIZE << order, PAGE_SIZE); }
static inline void free_pages(unsigned long a, unsigned int o) { (void)a; (void)o; }
/* a struct page pointer stands for its pfn (restricted pools hand pages out: swiotlb_alloc/free) */
static inline struct page *pfn_to_page(unsigned long pfn) { return (struct page *)(uintptr_t)((pfn + 1) * sizeof(struct page)); }
static inline unsigned long page_to_pfn(const struct page *p) { return (unsigned long)((uintptr_t)p / sizeof(struct page)) - 1; }
#define page_to_phys(p) ((phys_addr_t)page_to_pfn(p) << PAGE_SHIFT)
#define PHYS_PFN(x) ((unsigned long)((x) >> PAGE_SHIFT))
static inline struct page *virt_to_page(const void *v) { (void)v; static struct page p; return &p; }
static inline void *page_address(struct page *p) { (void)p; return NULL; }
static inline bool PageHighMem(struct page *p) { (void)p; return false; }
static inline void *kmap_atomic(struct page *p) { (void)p; return NULL; }
static inline void kunmap_atomic(void *a) { (void)a; }
static inline int set_memory_decrypted(unsigned long a, int n) { (void)a; (void)n; return 0; }
static inline int set_memory_encrypted(unsigned long a, int n) { (void)a; (void)n; return 0; }
static inline bool mem_encrypt_active(void) { return false; }
#define CC_ATTR_MEM_ENCRYPT 0
static inline bool cc_platform_has(int a) { (void)a; return false; }
#define MEMREMAP_WB 1
static inline void *memremap(phys_addr_t p, size_t s, unsigned long f) { (void)p; (void)s; (void)f; return NULL; }
static inline void *kzalloc(size_t s, gfp_t g) { (void)g; return calloc(1, s); }
static inline void kfree(const void *p) { free((void *)p); }

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

/* ---- SMP: the driver chooses the CPU each call runs on (swiotlb areas, 6.0+) ---- */
#define SMP_CACHE_BYTES 64
extern unsigned int kv_cpu, kv_nr_cpus;
#define raw_smp_processor_id() ((int)kv_cpu)
#define smp_processor_id() ((int)kv_cpu)
#define num_possible_cpus() (kv_nr_cpus)
static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	unsigned long p = 1;
	while (p < n) p <<= 1;
	return p;
}
static inline void *kcalloc(size_t n, size_t s, gfp_t g) { (void)g; return calloc(n, s); }
static inline void memcpy_from_page(char *to, struct page *page, size_t offset, size_t len) { (void)to; (void)page; (void)offset; (void)len; }
static inline void memcpy_to_page(struct page *page, size_t offset, const char *from, size_t len) { (void)page; (void)offset; (void)from; (void)len; }
/* ---- reserved memory (CONFIG_DMA_RESTRICTED_POOL): the driver builds the region itself ---- */
#define SZ_1M (1UL << 20)
struct reserved_mem;
struct reserved_mem_ops {
	int (*device_init)(struct reserved_mem *rmem, struct device *dev);
	void (*device_release)(struct reserved_mem *rmem, struct device *dev);
};
struct reserved_mem {
	const char *name;
	unsigned long fdt_node;
	unsigned long phandle;
	const struct reserved_mem_ops *ops;
	phys_addr_t base;
	phys_addr_t size;
	void *priv;
};
static inline const void *of_get_flat_dt_prop(unsigned long node, const char *name, int *size) { (void)node; (void)name; (void)size; return NULL; }
#define RESERVEDMEM_OF_DECLARE(name, compat, init) int (*kv_rmem_setup_##name)(struct reserved_mem *) = init
#define DEFINE_DEBUGFS_ATTRIBUTE(name, get, set, fmt) static const int name __maybe_unused = 0
#define debugfs_create_file(...) ((struct dentry *)NULL)

#endif /* KV_KSTUB_H */

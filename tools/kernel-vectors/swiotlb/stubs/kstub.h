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

#include "../kstub-types.h" /* C headers, u8…s64, spinlock_t, dma_data_direction, device_dma_parameters */
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

#include "../kstub-dma.h" /* debugfs/tracing off, dma helpers, iommu_is_span_boundary */

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

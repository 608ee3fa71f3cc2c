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
	bool dma_coherent;
};

/* ---- compiler / module glue ---- */
#define __init
#define __initdata
#define __ro_after_init
#define __maybe_unused __attribute__((unused))
#define __always_inline inline
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define EXPORT_SYMBOL(x)
#define EXPORT_SYMBOL_GPL(x)
#define early_param(str, fn) int (*kv_early_param_##fn)(char *) = fn
#define late_initcall(fn) int (*kv_late_initcall_##fn)(void) = fn
#define __func__ __func__

/* ---- arithmetic ---- */
#define BITS_PER_LONG 64
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define __ALIGN_KV(x, a) (((x) + ((a) - 1)) & ~((typeof(x))(a) - 1))
#define ALIGN(x, a) __ALIGN_KV((x), (a))
#define PAGE_ALIGN(addr) ALIGN(addr, PAGE_SIZE)
#define PFN_DOWN(x) ((x) >> PAGE_SHIFT)
#define PFN_PHYS(x) ((phys_addr_t)(x) << PAGE_SHIFT)
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define rounddown(x, y) ({ typeof(x) __x = (x); __x - (__x % (y)); })
#define roundup(x, y) ({ typeof(y) __y = y; (((x) + (__y - 1)) / __y) * __y; })
#define min(a, b) ({ typeof(a) _a = (a); typeof(b) _b = (b); _a < _b ? _a : _b; })
#define max(a, b) ({ typeof(a) _a = (a); typeof(b) _b = (b); _a > _b ? _a : _b; })
#define min_t(t, a, b) ({ t _a = (a); t _b = (b); _a < _b ? _a : _b; })
#define max_t(t, a, b) ({ t _a = (a); t _b = (b); _a > _b ? _a : _b; })
#define array_size(a, b) ((size_t)(a) * (size_t)(b))
#define struct_size(p, member, n) (sizeof(*(p)) + (size_t)(n) * sizeof(*(p)->member))
#define is_power_of_2(n) ((n) != 0 && (((n) & ((n) - 1)) == 0))
#define DMA_BIT_MASK(n) (((n) == 64) ? ~0ULL : ((1ULL << (n)) - 1))
#define DMA_MAPPING_ERROR (~(dma_addr_t)0)
#define SIZE_MAX_KV (~(size_t)0)
static inline unsigned long simple_strtoul(const char *cp, char **endp, unsigned int base)
{
	return strtoul(cp, endp, base);
}
static inline int get_order(unsigned long size)
{
	int order = 0;
	size = (size - 1) >> PAGE_SHIFT;
	while (size) { order++; size >>= 1; }
	return order;
}

/* ---- DMA attributes (include/linux/dma-mapping.h values) ---- */
#define DMA_ATTR_WEAK_ORDERING (1UL << 1)
#define DMA_ATTR_WRITE_COMBINE (1UL << 2)
#define DMA_ATTR_NO_KERNEL_MAPPING (1UL << 4)
#define DMA_ATTR_SKIP_CPU_SYNC (1UL << 5)
#define DMA_ATTR_FORCE_CONTIGUOUS (1UL << 6)
#define DMA_ATTR_ALLOC_SINGLE_PAGES (1UL << 7)
#define DMA_ATTR_NO_WARN (1UL << 8)
#define DMA_ATTR_PRIVILEGED (1UL << 9)
#define GFP_KERNEL 0u
#define GFP_DMA 1u
#define GFP_DMA32 2u
#define __GFP_NOWARN 4u
#define __GFP_ZERO 8u

/* ---- output and faults ---- */
extern jmp_buf kv_fault_jmp;
extern char kv_fault_msg[512];
void kv_log(const char *level, const char *dev, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kv_fault(const char *kind, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
int kv_printk_ratelimit(void);

#define pr_fmt(fmt) fmt
#define printk(fmt, ...) kv_log("printk", NULL, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) kv_log("info", NULL, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) kv_log("warn", NULL, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) kv_log("err", NULL, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn_once(fmt, ...) ({ static bool __o; if (!__o) { __o = true; pr_warn(fmt, ##__VA_ARGS__); } })
#define printk_ratelimit() kv_printk_ratelimit()
static inline const char *dev_name(struct device *d) { return d ? d->name : "(NULL device *)"; }
#define dev_warn(d, fmt, ...) kv_log("dev_warn", dev_name(d), fmt, ##__VA_ARGS__)
#define dev_err(d, fmt, ...) kv_log("dev_err", dev_name(d), fmt, ##__VA_ARGS__)
#define dev_info(d, fmt, ...) kv_log("dev_info", dev_name(d), fmt, ##__VA_ARGS__)
#define dev_warn_once(d, fmt, ...) ({ static bool __o; if (!__o) { __o = true; kv_log("dev_warn_once", dev_name(d), fmt, ##__VA_ARGS__); } })
/* dev_warn_ratelimited: its own ratelimit state per call site, DEFAULT_RATELIMIT_BURST 10 */
#define dev_warn_ratelimited(d, fmt, ...) ({ static int __n; if (__n < 10) { __n++; kv_log("dev_warn_ratelimited", dev_name(d), fmt, ##__VA_ARGS__); } else kv_log("suppressed", dev_name(d), fmt, ##__VA_ARGS__); })
#define dev_WARN_ONCE(d, cond, fmt, ...) ({ static bool __o; bool __c = !!(cond); if (__c && !__o) { __o = true; kv_log("dev_WARN_ONCE", dev_name(d), fmt, ##__VA_ARGS__); } __c; })
#define WARN_ON(c) ({ bool __c = !!(c); if (__c) kv_log("WARN_ON", NULL, "%s", #c); __c; })
#define WARN_ON_ONCE(c) WARN_ON(c)
#define panic(fmt, ...) kv_fault("panic", fmt, ##__VA_ARGS__)
#define BUG() kv_fault("BUG", "BUG at %s:%d", __FILE__, __LINE__)
#define BUG_ON(c) do { if (unlikely(c)) kv_fault("BUG", "BUG_ON(%s)", #c); } while (0)

/* ---- locks and irqs: single-threaded, no-ops ---- */
#define DEFINE_SPINLOCK(x) spinlock_t x = { 0 }
#define spin_lock_init(l) ((void)(l))
#define spin_lock_irqsave(l, f) ((void)(l), (f) = 0)
#define spin_unlock_irqrestore(l, f) ((void)(l), (void)(f))
#define spin_lock(l) ((void)(l))
#define spin_unlock(l) ((void)(l))
#define local_irq_save(f) ((f) = 0)
#define local_irq_restore(f) ((void)(f))

/* ---- memory: a static arena is RAM ---- */
#define KV_PHYS_BASE 0x80000000ULL
#define KV_ARENA_SIZE (64UL << 20)
extern unsigned char kv_arena[];
void *kv_memblock_alloc(size_t size, size_t align);
/* outside the arena there is no RAM: the access a kernel would make there is an oops */
static inline void *phys_to_virt(phys_addr_t p)
{
	if (p < KV_PHYS_BASE || p - KV_PHYS_BASE >= KV_ARENA_SIZE)
		kv_fault("oops", "Unable to handle kernel paging request: phys_to_virt(0x%llx) is not RAM", (unsigned long long)p);
	return kv_arena + (p - KV_PHYS_BASE);
}
static inline phys_addr_t virt_to_phys(const volatile void *v) { return (phys_addr_t)((const unsigned char *)v - kv_arena) + KV_PHYS_BASE; }
#define __pa(v) virt_to_phys((void *)(v))
#define __va(p) phys_to_virt(p)
#define memblock_alloc(s, a) kv_memblock_alloc((s), (a))
#define memblock_alloc_low(s, a) kv_memblock_alloc((s), (a))
#define memblock_free(p, s) ((void)(p), (void)(s))
#define memblock_free_early(p, s) ((void)(p), (void)(s))
#define memblock_free_late(p, s) ((void)(p), (void)(s))
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

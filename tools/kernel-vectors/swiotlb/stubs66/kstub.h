/*
 * stubs66/kstub.h — the pool-era (6.6+) copy of ../stubs/kstub.h, extended with what the 6.6+
 * kernel/dma/swiotlb.c needs (RCU lists, a workqueue that runs when the driver says, a page
 * allocator, atomics, per-CPU helpers). Kept separate so that the 5.x driver's stubs stay as
 * they are.
 *
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
struct list_head { struct list_head *next, *prev; };
struct rcu_head { void *dummy; };
struct work_struct { struct list_head entry; void (*func)(struct work_struct *); int pending; };
typedef struct { long counter; } atomic_long_t;
struct device {
	const char *name;
	u64 *dma_mask;
	u64 coherent_dma_mask;
	u64 bus_dma_limit;
	struct device_dma_parameters *dma_parms;
	struct io_tlb_mem *dma_io_tlb_mem;
	struct list_head dma_io_tlb_pools;
	spinlock_t dma_io_tlb_lock;
	bool dma_uses_io_tlb;
#include "../kstub-base.h"
/*
 * The page allocator: struct page i is arena page i. alloc_pages hands out naturally aligned
 * blocks from the KV_PAGES_BASE..KV_PAGES_END window of the arena, bump-wise, never reusing a
 * freed block (the replay's page allocator does the same); every allocation and free is logged
 * into the operation's record by the driver (kv_page_event).
 */
#define KV_PAGES_BASE (16UL << 20)
#define KV_PAGES_END (32UL << 20)
extern struct page kv_pages[];
void *kv_alloc_pages(gfp_t g, unsigned int order);
void kv_free_pages(void *v, unsigned int order);
static inline struct page *pfn_to_page(unsigned long pfn) { return &kv_pages[pfn - (KV_PHYS_BASE >> PAGE_SHIFT)]; }
static inline struct page *virt_to_page(const void *v) { return &kv_pages[((const unsigned char *)v - kv_arena) >> PAGE_SHIFT]; }
static inline void *page_address(struct page *p) { return kv_arena + ((size_t)(p - kv_pages) << PAGE_SHIFT); }
static inline phys_addr_t page_to_phys(struct page *p) { return KV_PHYS_BASE + ((phys_addr_t)(p - kv_pages) << PAGE_SHIFT); }
static inline struct page *alloc_pages(gfp_t g, unsigned int order) { void *v = kv_alloc_pages(g, order); return v ? virt_to_page(v) : NULL; }
static inline void __free_pages(struct page *p, unsigned int order) { kv_free_pages(page_address(p), order); }
static inline unsigned long __get_free_pages(gfp_t g, unsigned int order) { return (unsigned long)kv_alloc_pages(g, order); }
static inline void free_pages(unsigned long a, unsigned int o) { if (a) kv_free_pages((void *)a, o); }
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
#define PFN_UP(x) (((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PHYS_PFN(x) ((unsigned long)((x) >> PAGE_SHIFT))
#define PAGE_ALIGNED(a) ((((unsigned long)(a)) & (PAGE_SIZE - 1)) == 0)
#define MAX_ORDER 10
#define MAX_PAGE_ORDER 10
#define SMP_CACHE_BYTES 64
#define ARCH_LOW_ADDRESS_LIMIT 0xffffffffUL
extern void *high_memory;
#define zone_dma_bits 24
#define zone_dma_limit DMA_BIT_MASK(24)
#define __GFP_HIGHMEM 16u
#define __GFP_MOVABLE 32u
#define __GFP_DIRECT_RECLAIM 64u
#define GFP_ZONEMASK (GFP_DMA | GFP_DMA32 | __GFP_HIGHMEM | __GFP_MOVABLE)
#define __GFP_DMA GFP_DMA
#define __GFP_DMA32 GFP_DMA32
#define GFP_NOWAIT 128u
#undef GFP_KERNEL
#define GFP_KERNEL (256u | __GFP_DIRECT_RECLAIM)
static inline bool gfpflags_allow_blocking(gfp_t g) { return !!(g & __GFP_DIRECT_RECLAIM); }
#define IS_ENABLED(x) IS_ENABLED_##x
#define IS_ENABLED_CONFIG_ZONE_DMA 1
#define IS_ENABLED_CONFIG_ZONE_DMA32 1
#define IS_ENABLED_CONFIG_DMA_COHERENT_POOL 0
#define IS_ENABLED_CONFIG_DEBUG_FS 1
static inline bool force_dma_unencrypted(struct device *d) { (void)d; return false; }
static inline bool dma_coherent_ok(struct device *d, phys_addr_t p, size_t s) { (void)d; (void)p; (void)s; return true; }
static inline struct page *dma_alloc_from_pool(struct device *d, size_t s, void **v, gfp_t g, bool (*ok)(struct device *, phys_addr_t, size_t)) { (void)d; (void)s; (void)v; (void)g; (void)ok; return NULL; }
static inline bool dma_free_from_pool(struct device *d, void *v, size_t s) { (void)d; (void)v; (void)s; return false; }
#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) ((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long e) { return (void *)e; }
static inline bool IS_ERR(const void *p) { return IS_ERR_VALUE((unsigned long)p); }
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define READ_ONCE(x) (x)
#define WRITE_ONCE(x, v) ((x) = (v))
#define smp_mb() __sync_synchronize()
#define smp_rmb() __sync_synchronize()
#define rcu_read_lock() do { } while (0)
#define rcu_read_unlock() do { } while (0)
/* call_rcu: no reader can be inside, the callback runs at once */
#define call_rcu(head, fn) (fn)(head)
#define LIST_HEAD_INIT(name) { &(name), &(name) }
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l; l->prev = l; }
static inline void list_add_rcu(struct list_head *n, struct list_head *h) { n->next = h->next; n->prev = h; h->next->prev = n; h->next = n; }
static inline void list_del_rcu(struct list_head *e) { e->prev->next = e->next; e->next->prev = e->prev; }
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_for_each_entry_rcu(pos, head, member) \
	for (pos = list_entry((head)->next, typeof(*pos), member); &pos->member != (head); pos = list_entry(pos->member.next, typeof(*pos), member))
#define __SPIN_LOCK_UNLOCKED(x) { 0 }
/* the workqueue: schedule_work queues (once); the driver runs the queue between operations */
void kv_schedule_work(struct work_struct *w);
#define schedule_work(w) kv_schedule_work(w)
#define __WORK_INITIALIZER(n, f) { .entry = { NULL, NULL }, .func = (f), .pending = 0 }
#define atomic_long_read(a) ((a)->counter)
#define atomic_long_set(a, v) ((a)->counter = (v))
#define atomic_long_add(v, a) ((a)->counter += (v))
#define atomic_long_sub(v, a) ((a)->counter -= (v))
#define atomic_long_add_return(v, a) ((a)->counter += (v))
static inline bool atomic_long_try_cmpxchg(atomic_long_t *a, long *old, long n) { if (a->counter == *old) { a->counter = n; return true; } *old = a->counter; return false; }
extern unsigned int kv_ncpus;
static inline unsigned int num_possible_cpus(void) { return kv_ncpus; }
#define raw_smp_processor_id() 0
static inline unsigned long roundup_pow_of_two(unsigned long n) { unsigned long r = 1; while (r < n) r <<= 1; return r; }
#define min_not_zero(x, y) ({ typeof(x) __x = (x); typeof(y) __y = (y); __x == 0 ? __y : ((__y == 0) ? __x : min(__x, __y)); })
/* pr_warn_ratelimited: its own ratelimit state per call site, DEFAULT_RATELIMIT_BURST 10 (no clock: 10 per run) */
#define pr_warn_ratelimited(fmt, ...) ({ static int __n; if (__n < 10) { __n++; kv_log("pr_warn_ratelimited", NULL, pr_fmt(fmt), ##__VA_ARGS__); } else kv_log("suppressed", NULL, pr_fmt(fmt), ##__VA_ARGS__); })
static inline void memcpy_from_page(void *to, struct page *p, size_t off, size_t n) { memcpy(to, (char *)page_address(p) + off, n); }
static inline void memcpy_to_page(struct page *p, size_t off, const void *from, size_t n) { memcpy((char *)page_address(p) + off, from, n); }
#define kmsan_unpoison_memory(a, n) do { } while (0)
#define dma_reset_need_sync(d) do { } while (0)
#define DEFINE_DEBUGFS_ATTRIBUTE(name, get, set, fmt) static const void *name[] __attribute__((unused)) = { (void *)(get), (void *)(set) }
#define debugfs_create_file(...) ((struct dentry *)NULL)
static inline void kfree(const void *p) { free((void *)p); }

#include "../kstub-dma.h" /* debugfs/tracing off, dma helpers, iommu_is_span_boundary */

#endif /* KV_KSTUB_H */

/* kstub-base.h: the stand-ins both swiotlb drivers share (driver.c with stubs/, driver66.c with
 * stubs66/): types, printk and the dev_* messages into the JSON, faults, the memblock arena.
 * Included from each kstub.h at the point where the two used to repeat it. */
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

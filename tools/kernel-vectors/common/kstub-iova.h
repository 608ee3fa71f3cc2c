/*
 * dmasim kernel-vectors: the user-space stand-ins for the kernel facilities that drivers/iommu/iova.c
 * and lib/rbtree.c use, shared by the iova and dma-iommu targets (each target's stubs/kstub.h includes
 * this, dma-iommu's adds what iommu_dma_alloc_iova reads). Our own code (MIT); the kernel files
 * themselves are read, unmodified, from the tree whose path is given to record.sh.
 * KV_NR_CPUS CPUs (1 by default; the current one is kv_cpu); locks are no-ops; allocation is malloc; timers never fire.
 */
#ifndef DMASIM_KSTUB_IOVA_H
#define DMASIM_KSTUB_IOVA_H
#include "kv-types.h" /* the C headers, u8…s64, dma_addr_t, phys_addr_t, gfp_t, likely/unlikely */
#include <limits.h>
#include <errno.h>

#define __percpu
#define __rcu
#define __init
#define __exit
#define __always_inline inline __attribute__((always_inline))
#define noinline __attribute__((noinline))
#define __must_check
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) do { *(volatile __typeof__(x) *)&(x) = (v); } while (0)
#define barrier() __asm__ __volatile__("" ::: "memory")
#define smp_wmb() barrier()
#define smp_mb() barrier()
#define rcu_assign_pointer(p, v) do { (p) = (v); } while (0)
#define EXPORT_SYMBOL(x)
#define EXPORT_SYMBOL_GPL(x)
#define MODULE_AUTHOR(x)
#define MODULE_LICENSE(x)
#define IS_ENABLED(x) 1
#define CONFIG_IOMMU_IOVA 1
#define IS_REACHABLE(x) 1

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define swap(a, b) do { __typeof__(a) __t = (a); (a) = (b); (b) = __t; } while (0)
#define ALIGN(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BITS_PER_LONG 64
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)

static inline bool is_power_of_2(unsigned long n) { return n != 0 && (n & (n - 1)) == 0; }
static inline unsigned long __ffs(unsigned long w) { return __builtin_ctzl(w); }
static inline int fls_long(unsigned long x) { return x ? 64 - __builtin_clzl(x) : 0; }
static inline int ilog2_ul(unsigned long n) { return 63 - __builtin_clzl(n); }
#define ilog2(n) ilog2_ul(n)
static inline unsigned long roundup_pow_of_two(unsigned long n) { return 1UL << fls_long(n - 1); }
static inline int order_base_2(unsigned long n) { return n > 1 ? ilog2_ul(n - 1) + 1 : 0; }

/* printk / WARN / BUG: counted and reported to the driver, never fatal unless BUG */
extern int kstub_warns;
#define KERN_ERR ""
#define KERN_WARNING ""
#define printk(...) fprintf(stderr, __VA_ARGS__)
#define pr_err(...) fprintf(stderr, __VA_ARGS__)
#define pr_warn(...) fprintf(stderr, __VA_ARGS__)
#define WARN_ON(c) ({ int __c = !!(c); if (__c) kstub_warns++; __c; })
#define WARN_ON_ONCE(c) WARN_ON(c)
#define BUG_ON(c) do { if (c) { fprintf(stderr, "BUG_ON at %s:%d\n", __FILE__, __LINE__); abort(); } } while (0)
#define BUG() BUG_ON(1)

/* locks: one thread */
typedef struct { int unused; } spinlock_t;
#define spin_lock_init(l) ((void)(l))
#define spin_lock(l) ((void)(l))
#define spin_unlock(l) ((void)(l))
#define spin_lock_irqsave(l, f) ((void)(l), (f) = 0)
#define spin_unlock_irqrestore(l, f) ((void)(l), (void)(f))
#define assert_spin_locked(l) ((void)(l))
#define lockdep_assert_held(l) ((void)(l))
struct mutex { int unused; };
#define DEFINE_MUTEX(m) struct mutex m
#define mutex_lock(m) ((void)(m))
#define mutex_unlock(m) ((void)(m))

/* allocation */
#define GFP_KERNEL 1u
#define GFP_ATOMIC 2u
#define __GFP_NOWARN 4u
#define SLAB_HWCACHE_ALIGN 1u
struct kmem_cache { size_t size; };
static inline struct kmem_cache *kmem_cache_create(const char *n, size_t s, size_t a, unsigned long f, void *c) { struct kmem_cache *k = malloc(sizeof *k); (void)n; (void)a; (void)f; (void)c; k->size = s; return k; }
static inline void *kmem_cache_zalloc(struct kmem_cache *k, gfp_t g) { (void)g; return calloc(1, k->size); }
static inline void *kmem_cache_alloc(struct kmem_cache *k, gfp_t g) { (void)g; return calloc(1, k->size); }
static inline void kmem_cache_free(struct kmem_cache *k, void *p) { (void)k; free(p); }
static inline void kmem_cache_destroy(struct kmem_cache *k) { free(k); }
static inline void *kzalloc(size_t s, gfp_t g) { (void)g; return calloc(1, s); }
static inline void *kmalloc(size_t s, gfp_t g) { (void)g; return malloc(s); }
static inline void *kcalloc(size_t n, size_t s, gfp_t g) { (void)g; return calloc(n, s); }
static inline void *kmalloc_array(size_t n, size_t s, gfp_t g) { (void)g; return calloc(n, s); }
static inline void kfree(const void *p) { free((void *)p); }

/* per-cpu: KV_NR_CPUS possible CPUs, all online (1 unless the build says -DKV_NR_CPUS=N); the current
   CPU is kv_cpu, which the driver sets between operations. Per-CPU data is an array of KV_NR_CPUS. */
#ifndef KV_NR_CPUS
#define KV_NR_CPUS 1
#endif
extern int kv_cpu;
#define NR_CPUS KV_NR_CPUS
#define for_each_possible_cpu(c) for ((c) = 0; (c) < KV_NR_CPUS; (c)++)
#define for_each_online_cpu(c) for ((c) = 0; (c) < KV_NR_CPUS; (c)++)
#define per_cpu_ptr(p, c) ((p) + (c))
#define raw_cpu_ptr(p) ((p) + kv_cpu)
#define this_cpu_ptr(p) ((p) + kv_cpu)
#define get_cpu_ptr(p) ((p) + kv_cpu)
#define put_cpu_ptr(p) ((void)(p))
#define smp_processor_id() kv_cpu
#define alloc_percpu(t) ((t *)calloc(KV_NR_CPUS, sizeof(t)))
#define __alloc_percpu(s, a) calloc(KV_NR_CPUS, (s))
#define free_percpu(p) free(p)
static inline unsigned int cache_line_size(void) { return 64; }

/* atomics (one thread) */
typedef struct { int counter; } atomic_t;
typedef struct { s64 counter; } atomic64_t;
#define atomic_set(a, v) ((a)->counter = (v))
#define atomic_read(a) ((a)->counter)
#define atomic_xchg(a, v) ({ int __o = (a)->counter; (a)->counter = (v); __o; })
#define atomic_cmpxchg(a, o, n) ({ int __o = (a)->counter; if (__o == (o)) (a)->counter = (n); __o; })
#define atomic64_set(a, v) ((a)->counter = (v))
#define atomic64_read(a) ((a)->counter)
#define atomic64_inc(a) ((a)->counter++)

/* timers: set up, never fire (the vectors drive no flush queue) */
struct timer_list { void (*function)(struct timer_list *); unsigned long expires; int pending; };
#define timer_setup(t, fn, fl) ((t)->function = (fn), (t)->pending = 0)
#define timer_pending(t) ((t)->pending)
#define del_timer(t) ((t)->pending = 0)
#define mod_timer(t, e) ((t)->pending = 1, (t)->expires = (e))
#define from_timer(var, t, field) container_of(t, __typeof__(*var), field)
extern unsigned long jiffies;
#define msecs_to_jiffies(m) ((unsigned long)(m))

/* CPU hotplug */
struct hlist_node { struct hlist_node *next, **pprev; };
#define hlist_entry_safe(ptr, type, member) ((ptr) ? container_of(ptr, type, member) : NULL)
#define CPUHP_IOMMU_IOVA_DEAD 1
#define cpuhp_setup_state_multi(s, n, a, b) ((void)(b), 0)
#define cpuhp_remove_multi_state(s) ((void)0)
#define cpuhp_state_add_instance_nocalls(s, n) ((void)(n), 0)
#define cpuhp_state_remove_instance_nocalls(s, n) ((void)(n), 0)

#define MODULE_DESCRIPTION(x)
#ifndef static_assert
#define static_assert(e, ...) _Static_assert(e, #e)
#endif
#define del_timer_sync(t) ((t)->pending = 0)
static inline unsigned int num_online_cpus(void) { return KV_NR_CPUS; }

/* work queues (6.7+ depot trimming): queued, never run — like the timers, the vectors drive no deferred work */
struct work_struct { void (*func)(struct work_struct *); int pending; };
struct delayed_work { struct work_struct work; };
#define INIT_DELAYED_WORK(w, f) ((w)->work.func = (f), (w)->work.pending = 0)
#define schedule_delayed_work(w, d) ((void)(d), (w)->work.pending = 1, true)
#define cancel_delayed_work_sync(w) ((w)->work.pending = 0, true)
#define cancel_delayed_work(w) ((w)->work.pending = 0, true)
#define kmemleak_alloc(p, s, m, g) ((void)0)
#define kmemleak_free(p) ((void)0)
#define kmemleak_transient_leak(p) ((void)0)
#endif

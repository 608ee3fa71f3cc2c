/*
 * dmasim kernel-vectors, genalloc target: the user-space stand-ins for the kernel facilities that
 * lib/genalloc.c and include/linux/genalloc.h use. Our own code (MIT); the kernel files are read,
 * unmodified, from the tree whose path is given to record.sh. One thread: spinlocks and RCU are
 * no-ops, cmpxchg is a plain compare-and-store; allocation is malloc; BUG()/BUG_ON() record the
 * line of the tree's file and jump back to the driver (kv_bug), which ends the run there, as a BUG
 * ends the kernel task. The bitmap search (bitmap_find_next_zero_area[_off]) is not stubbed: record.sh
 * extracts it from the tree's include/linux/bitmap.h and lib/bitmap.c into the build directory.
 */
#ifndef DMASIM_KSTUB_H
#define DMASIM_KSTUB_H
#include "../../common/kv-types.h" /* the C headers, u8…s64, dma_addr_t, phys_addr_t, gfp_t, likely/unlikely */
#include <limits.h>
#include <errno.h>

#define GFP_KERNEL 0u
#define __user
#define __rcu
#define __init
#define __always_inline inline __attribute__((always_inline))
#define __must_check
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) do { *(volatile __typeof__(x) *)&(x) = (v); } while (0)
#define cpu_relax() do { } while (0)
#define EXPORT_SYMBOL(x)
#define EXPORT_SYMBOL_GPL(x)
#define IS_ENABLED(x) 0
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define BITS_PER_LONG 64
#define BIT_WORD(nr) ((nr) / BITS_PER_LONG)
#define BITS_TO_LONGS(nr) (((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define BITMAP_FIRST_WORD_MASK(start) (~0UL << ((start) & (BITS_PER_LONG - 1)))
#define BITMAP_LAST_WORD_MASK(nbits) (~0UL >> (-(nbits) & (BITS_PER_LONG - 1)))
#define __ALIGN_MASK(x, mask) (((x) + (mask)) & ~(mask))
#define ALIGN(x, a) __ALIGN_MASK(x, (__typeof__(x))(a) - 1)
#define PAGE_SHIFT 12

static inline int fls_long(unsigned long x) { return x ? 64 - __builtin_clzl(x) : 0; }
static inline unsigned long roundup_pow_of_two(unsigned long n) { return 1UL << fls_long(n - 1); }

/* the generic find-bit semantics (the index of the next set / clear bit at or after offset, or size) */
static inline int test_bit(unsigned long nr, const unsigned long *a) { return (a[nr / 64] >> (nr % 64)) & 1; }
static inline unsigned long find_next_bit(const unsigned long *a, unsigned long size, unsigned long off)
{ for (; off < size; off++) if (test_bit(off, a)) return off; return size; }
static inline unsigned long find_next_zero_bit(const unsigned long *a, unsigned long size, unsigned long off)
{ for (; off < size; off++) if (!test_bit(off, a)) return off; return size; }
static inline unsigned long find_first_bit(const unsigned long *a, unsigned long size) { return find_next_bit(a, size, 0); }
#define for_each_set_bit(bit, addr, size) for ((bit) = find_next_bit((addr), (size), 0); (bit) < (size); (bit) = find_next_bit((addr), (size), (bit) + 1))

/* cmpxchg on one thread */
#define cmpxchg(p, o, n) ({ __typeof__(*(p)) __o = (o), __cur = *(p); if (__cur == __o) *(p) = (n); __cur; })
#define try_cmpxchg(p, po, n) ({ __typeof__(*(p)) __cur = *(p); bool __ok = __cur == *(po); if (__ok) *(p) = (n); else *(po) = __cur; __ok; })

/* BUG: recorded, the run ends */
void kv_bug(int line, const char *cond);
#define BUG() kv_bug(__LINE__, "BUG()")
#define BUG_ON(c) do { if (c) kv_bug(__LINE__, "BUG_ON(" #c ")"); } while (0)
extern int kv_warns;
#define WARN_ON(c) ({ int __c = !!(c); if (__c) kv_warns++; __c; })
static inline int in_nmi(void) { return 0; }

/* atomics */
typedef struct { long counter; } atomic_long_t;
typedef struct { int counter; } atomic_t;
#define atomic_long_set(a, v) ((a)->counter = (v))
#define atomic_long_read(a) ((a)->counter)
#define atomic_long_add(v, a) ((a)->counter += (v))
#define atomic_long_sub(v, a) ((a)->counter -= (v))

/* locks, RCU: one thread */
typedef struct { int unused; } spinlock_t;
#define spin_lock_init(l) ((void)(l))
#define spin_lock(l) ((void)(l))
#define spin_unlock(l) ((void)(l))
#define rcu_read_lock() do { } while (0)
#define rcu_read_unlock() do { } while (0)

/* lists */
struct list_head { struct list_head *next, *prev; };
#define INIT_LIST_HEAD(l) do { (l)->next = (l); (l)->prev = (l); } while (0)
static inline void list_add_rcu(struct list_head *n, struct list_head *head)
{ n->next = head->next; n->prev = head; head->next->prev = n; head->next = n; }
static inline void list_del(struct list_head *e) { e->prev->next = e->next; e->next->prev = e->prev; }
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_for_each_entry_rcu(pos, head, member, ...) \
	for (pos = list_entry((head)->next, __typeof__(*pos), member); &pos->member != (head); \
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))
#define list_for_each_safe(pos, n, head) for (pos = (head)->next, n = pos->next; pos != (head); pos = n, n = pos->next)

/* memory */
#define kmalloc_node(size, gfp, nid) malloc(size)
#define kfree(p) free((void *)(p))
#define kfree_const(p) free((void *)(p))
static inline const char *kstrdup_const(const char *s, gfp_t g) { (void)g; return s ? strdup(s) : NULL; }
#define vzalloc_node(size, nid) calloc(1, size)
#define vfree(p) free(p)

/* devres, OF, platform devices: declared so the file compiles; never called by the driver */
struct device { int unused; };
struct device_node { const char *name; };
struct platform_device { struct device dev; };
typedef void (*dr_release_t)(struct device *dev, void *res);
typedef int (*dr_match_t)(struct device *dev, void *res, void *match_data);
static inline void *devres_find(struct device *d, dr_release_t r, dr_match_t m, void *md) { return NULL; }
static inline void *devres_alloc(dr_release_t r, size_t s, gfp_t g) { return NULL; }
static inline void devres_add(struct device *d, void *res) { }
static inline void devres_free(void *res) { }
static inline struct device_node *of_parse_phandle(const struct device_node *np, const char *n, int i) { return NULL; }
static inline struct platform_device *of_find_device_by_node(struct device_node *np) { return NULL; }
static inline struct device_node *of_get_parent(const struct device_node *np) { return NULL; }
static inline void of_node_put(struct device_node *np) { }
static inline int of_property_read_string(const struct device_node *np, const char *p, const char **out) { return -1; }
static inline const char *of_node_full_name(const struct device_node *np) { return np ? np->name : "<no-node>"; }
static inline void put_device(struct device *d) { }
static inline const char *dev_name(const struct device *d) { return "dev"; }
static inline int dev_to_node(struct device *d) { return -1; }
#define NUMA_NO_NODE (-1)
static inline void *ERR_PTR(long e) { return (void *)e; }

/* the bitmap search from the tree (extracted by record.sh) */
#include "kv_bitmap_find.h"
#endif

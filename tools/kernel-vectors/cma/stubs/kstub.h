/*
 * dmasim kernel-vectors, cma target: the user-space stand-ins for the kernel facilities that the
 * CMA allocator's functions (extracted at build time from the tree's mm/cma.c, unmodified) and the
 * tree's mm/cma.h and include/linux/cma.h use. Our own code (MIT); nothing here is kernel source.
 *
 * One thread: mutexes and spinlocks are no-ops. A struct page pointer encodes its pfn
 * (KV_PAGE_BASE + pfn pages of 64 bytes; never dereferenced). alloc_contig_range always succeeds
 * (dmasim does not model busy pages inside a CMA area), free_contig_range does nothing. printk
 * records every call (level, text) into the current op (kv_msg, driver.c); pr_*_ratelimited keep a
 * per-call-site burst of 10 with no clock (dmasim's reading: 10 per run) and record the rest as
 * "suppressed". pr_debug prints nothing (CONFIG_CMA_DEBUG and DEBUG are off: the default config).
 * The bitmap search bitmap_find_next_zero_area_off and, where the tree has it, the
 * for_each_clear_bitrange macro are extracted from the tree too (kv_cma_extract.h).
 */
#ifndef DMASIM_KSTUB_H
#define DMASIM_KSTUB_H
#include "../../common/kv-types.h" /* the C headers, u8…s64, dma_addr_t, phys_addr_t, gfp_t, likely/unlikely */
#include <stdarg.h>
#include <errno.h>

#define CONFIG_CMA 1
#define CONFIG_CMA_AREAS 7

typedef struct { long counter; } atomic64_t;
#define __init
#define __initdata
#define __always_inline inline __attribute__((always_inline))
#define __must_check
#define EXPORT_SYMBOL(x)
#define EXPORT_SYMBOL_GPL(x)
#define IS_ENABLED(x) 0
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define BITS_PER_LONG 64
#define BIT_WORD(nr) ((nr) / BITS_PER_LONG)
#define BITS_TO_LONGS(nr) (((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define __ALIGN_MASK(x, mask) (((x) + (mask)) & ~(mask))
#define ALIGN(x, a) __ALIGN_MASK(x, (__typeof__(x))(a) - 1)
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define NUMA_NO_NODE (-1)
#define pageblock_nr_pages 512UL
#define MAX_ORDER 11

/* gfp: the two bits cma_alloc looks at (values as include/linux/gfp.h, only compared with each other here) */
#define __GFP_NOWARN 0x2000u
#define GFP_KERNEL 0xcc0u
#define MIGRATE_CMA 4
#define ACR_FLAGS_CMA 1

/* bits */
static inline int test_bit(unsigned long nr, const unsigned long *a) { return (a[nr / 64] >> (nr % 64)) & 1; }
static inline unsigned long find_next_bit(const unsigned long *a, unsigned long size, unsigned long off)
{ for (; off < size; off++) if (test_bit(off, a)) return off; return size; }
static inline unsigned long find_next_zero_bit(const unsigned long *a, unsigned long size, unsigned long off)
{ for (; off < size; off++) if (!test_bit(off, a)) return off; return size; }
static inline void bitmap_set(unsigned long *map, unsigned long start, unsigned long nbits)
{ for (unsigned long i = start; i < start + nbits; i++) map[i / 64] |= 1UL << (i % 64); }
static inline void bitmap_clear(unsigned long *map, unsigned long start, unsigned long nbits)
{ for (unsigned long i = start; i < start + nbits; i++) map[i / 64] &= ~(1UL << (i % 64)); }

/* locks: one thread */
struct mutex { int unused; };
typedef struct { int unused; } spinlock_t;
#define mutex_lock(l) ((void)(l))
#define mutex_unlock(l) ((void)(l))
#define spin_lock_irq(l) ((void)(l))
#define spin_unlock_irq(l) ((void)(l))
#define spin_lock_irqsave(l, f) ((void)(l), (f) = 0)
#define spin_unlock_irqrestore(l, f) ((void)(l), (void)(f))
static struct mutex cma_mutex; /* mm/cma.c's DEFINE_MUTEX(cma_mutex) (5.6–6.12), not extracted */

/* what mm/cma.h declares around struct cma */
struct kobject { int unused; };
struct hlist_head { void *first; };
struct folio;

/* pages: a struct page pointer encodes its pfn */
struct page { unsigned long w[8]; };
#define KV_PAGE_BASE ((struct page *)0x100000000000UL)
#define pfn_to_page(pfn) (KV_PAGE_BASE + (pfn))
#define page_to_pfn(p) ((unsigned long)((const struct page *)(p) - KV_PAGE_BASE))
#define nth_page(p, n) ((p) + (n))
#define page_kasan_tag_reset(p) ((void)(p))
static inline bool page_range_contiguous(const struct page *p, unsigned long n) { (void)p; (void)n; return true; }
extern unsigned long kv_contig_calls;
#define alloc_contig_range(start, end, ...) (kv_contig_calls++, 0)
#define free_contig_range(pfn, n) ((void)(pfn), (void)(n))

/* tracepoints, vm events: nothing */
#define trace_cma_alloc(...) do { } while (0)
#define trace_cma_release(...) do { } while (0)
#define trace_cma_alloc_start(...) do { } while (0)
#define trace_cma_alloc_finish(...) do { } while (0)
#define trace_cma_alloc_busy_retry(...) do { } while (0)
#define count_vm_event(e) do { } while (0)
#define VM_BUG_ON(c) do { (void)sizeof(c); } while (0)

/* printk: recorded into the current op */
void kv_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kv_suppressed(const char *fmt, ...);
#define pr_err(fmt, ...) kv_msg("err", pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) kv_msg("warn", pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...) kv_msg("info", pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...) kv_msg("cont", fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) do { if (0) printf(pr_fmt(fmt), ##__VA_ARGS__); } while (0)
#define kv_ratelimited(level, fmt, ...) do { static int __kv_n; \
	if (__kv_n < 10) { __kv_n++; kv_msg(level, pr_fmt(fmt), ##__VA_ARGS__); } else kv_suppressed(pr_fmt(fmt), ##__VA_ARGS__); } while (0)
#define pr_err_ratelimited(fmt, ...) kv_ratelimited("err", fmt, ##__VA_ARGS__)
#define pr_warn_ratelimited(fmt, ...) kv_ratelimited("warn", fmt, ##__VA_ARGS__)

#endif

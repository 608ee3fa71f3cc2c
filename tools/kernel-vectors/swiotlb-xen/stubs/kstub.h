/*
 * dmasim kernel-vectors, swiotlb-xen target: the user-space stand-ins for the kernel facilities that
 * the pieces record.sh extracts (unmodified) from a tree — drivers/xen/swiotlb-xen.c's address helpers,
 * arch/arm/xen/p2m.c's phys_to_mach rbtree, include/xen/arm/page.h's pfn_to_bfn / bfn_to_pfn — and the
 * tree's own lib/rbtree.c (compiled beside them) use. Our own code (MIT); nothing here is kernel source.
 *
 * One thread: rwlocks are no-ops. kzalloc is calloc. phys_to_dma / dma_to_phys are the identity (a
 * device without dma-ranges: the addr target checks the dma-ranges arithmetic). get_order is
 * include/asm-generic/getorder.h's meaning written our own way (size > 0 only). pr_warn is recorded
 * (kv_log in driver.c, formatted by common/kv-format.h: the kernel's %pa and the C library's conversions).
 */
#ifndef DMASIM_KSTUB_H
#define DMASIM_KSTUB_H
#include "../../common/kv-types.h" /* the C headers, u8…s64, dma_addr_t, phys_addr_t, gfp_t, likely/unlikely */
#include <errno.h>

#define GFP_NOWAIT 0u
#define __init
#define __always_inline inline __attribute__((always_inline))
#define __must_check
#define __rcu
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) do { *(volatile __typeof__(x) *)&(x) = (v); } while (0)
#define rcu_assign_pointer(p, v) do { (p) = (v); } while (0)
#define EXPORT_SYMBOL(x)
#define EXPORT_SYMBOL_GPL(x)
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define _AC(x, y) (x##y)
#define PAGE_SHIFT 12
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
static inline int get_order(unsigned long size) { int o = 0; size = (size - 1) >> PAGE_SHIFT; while (size) { o++; size >>= 1; } return o; }

/* locks: one thread */
typedef struct { int unused; } rwlock_t;
#define read_lock_irqsave(l, f) ((void)(l), (f) = 0)
#define read_unlock_irqrestore(l, f) ((void)(l), (void)(f))
#define write_lock_irqsave(l, f) ((void)(l), (f) = 0)
#define write_unlock_irqrestore(l, f) ((void)(l), (void)(f))

#define kzalloc(size, gfp) calloc(1, size)
#define kfree(p) free(p)

/* the device: no dma-ranges */
struct device { const char *name; };
#define phys_to_dma(dev, paddr) ((dma_addr_t)(paddr))
#define dma_to_phys(dev, daddr) ((phys_addr_t)(daddr))

/* printk: recorded */
void kv_log(const char *level, const char *fmt, ...);
#define pr_warn(fmt, ...) kv_log("warn", fmt, ##__VA_ARGS__)
#endif

/*
 * dmasim kernel-vectors, io-pgtable-arm target: what drivers/iommu/io-pgtable-arm.c needs on top of
 * the iova target's kstub.h. Our own code (MIT). Page-table pages are host memory; "physical"
 * addresses of tables are host addresses (identity __pa/__va), which the driver never prints.
 */
#ifndef DMASIM_KSTUB_IOPT_H
#define DMASIM_KSTUB_IOPT_H
#include "../../iova/stubs/kstub.h"
#define SZ_4K 0x1000UL
#define SZ_16K 0x4000UL
#define SZ_64K 0x10000UL
#define SZ_2M 0x200000UL
#define SZ_32M 0x2000000UL
#define SZ_512M 0x20000000UL
#define SZ_1G 0x40000000UL
#define BIT(n) (1UL << (n))
#define BIT_ULL(n) (1ULL << (n))
#define GENMASK_ULL(h, l) (((~0ULL) << (l)) & (~0ULL >> (63 - (h))))
#define GENMASK(h, l) (((~0UL) << (l)) & (~0UL >> (63 - (h))))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define NUMA_NO_NODE (-1)
#define __GFP_ZERO 8u
#define __GFP_HIGHMEM 16u
#define VM_BUG_ON(c) BUG_ON(c)
#define wmb() barrier()
#define dma_wmb() barrier()
#define __fls(x) ((unsigned long)(63 - __builtin_clzl(x)))
#define cmpxchg64_relaxed(p, o, n) ({ u64 __o = *(p); if (__o == (o)) *(p) = (n); __o; })
#define cmpxchg64(p, o, n) cmpxchg64_relaxed(p, o, n)
#define __pa(x) ((phys_addr_t)(uintptr_t)(x))
#define __va(x) ((void *)(uintptr_t)(x))
#define virt_to_phys(x) __pa(x)
#define dev_err(d, ...) fprintf(stderr, __VA_ARGS__)
#define dev_warn(d, ...) fprintf(stderr, __VA_ARGS__)
#define pr_info(...) ((void)0)
#define pr_debug(...) ((void)0)
#define SLAB_PANIC 0
#define __init
#define subsys_initcall(x)
#define late_initcall(x)
#define arch_initcall(x)
struct device { int numa; unsigned long dma_pfn_offset; };
#define dev_to_node(d) 0
struct page { void *addr; };
int kstub_get_order(unsigned long size);
#define get_order(s) kstub_get_order(s)
struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order);
#define page_address(p) ((p)->addr)
void __free_pages(struct page *p, unsigned int order);
void free_pages(unsigned long addr, unsigned int order);
enum dma_data_direction { DMA_BIDIRECTIONAL = 0, DMA_TO_DEVICE = 1, DMA_FROM_DEVICE = 2, DMA_NONE = 3 };
#define dma_map_single(d, p, s, dir) __pa(p)
#define dma_mapping_error(d, a) 0
#define dma_unmap_single(d, a, s, dir) ((void)0)
#define dma_sync_single_for_device(d, a, s, dir) ((void)0)
#define kmemleak_ignore(p) ((void)0)
#define lockdep_assert_held(l) ((void)(l))
typedef int (*kstub_unused_fn)(void);
/* 6.16+: dirty-bit clearing and the partial-block-unmap WARN */
static inline void set_bit(long nr, volatile unsigned long *addr) { *addr |= 1UL << nr; }
#define WARN_ONCE(c, ...) WARN_ON(c)
#endif

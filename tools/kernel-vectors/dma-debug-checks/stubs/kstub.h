/*
 * dmasim kernel-vectors, dma-debug-checks target: the stand-ins for what the functions record.sh
 * extracts (unmodified) from kernel/dma/debug.c use — the hash table (struct hash_bucket, hash_fn,
 * get/put_hash_bucket, exact_match, containing_match, __hash_bucket_find, bucket_find_exact,
 * bucket_find_contain, hash_bucket_add, hash_bucket_del), phys_addr, err_printk and the error
 * counters, type2name / dir2name, check_unmap and check_sync. Our own code (MIT). One thread: no-op
 * bucket locks; the kernel's list semantics (list_del leaves NULL links here, so the driver sees
 * which entries left); driver_filter accepts every device (no filter set); dump_entry_trace prints
 * nothing (no CONFIG_STACKTRACE); dma_entry_free does nothing (the driver owns the entries);
 * dma_mapping_error(dev, a) is a == DMA_MAPPING_ERROR (its debug_dma_mapping_error marking is not
 * part of these checks); dma_get_max_seg_size is 64 KiB (no dma_parms). WARN records its message
 * (kv_warn in checks.c formats %s %d %u %llu %llx %016llx %zu %pa).
 */
#ifndef DMASIM_KSTUB_CHECKS_H
#define DMASIM_KSTUB_CHECKS_H
#include "../../common/kv-types.h" /* the C headers, u8…s64, dma_addr_t, phys_addr_t, gfp_t, likely/unlikely */

#define ____cacheline_aligned_in_smp
#define __read_mostly
#define __acquires(x)
#define __releases(x)
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define min(a, b) ((a) < (b) ? (a) : (b))
#define DMA_MAPPING_ERROR (~(dma_addr_t)0)
enum dma_data_direction { DMA_BIDIRECTIONAL = 0, DMA_TO_DEVICE = 1, DMA_FROM_DEVICE = 2, DMA_NONE = 3 };

struct device { const char *name; const char *driver; };
static inline const char *dev_driver_string(const struct device *dev) { return dev->driver; }
static inline const char *dev_name(const struct device *dev) { return dev->name; }
static inline unsigned int dma_get_max_seg_size(struct device *dev) { (void)dev; return 65536; }
static inline bool dma_mapping_error(struct device *dev, dma_addr_t a) { (void)dev; return a == DMA_MAPPING_ERROR; }
static inline bool driver_filter(struct device *dev) { (void)dev; return true; }
struct dma_debug_entry;
static inline void dump_entry_trace(struct dma_debug_entry *e) { (void)e; }
static inline void dma_entry_free(struct dma_debug_entry *e) { (void)e; }
#define __pfn_to_phys(pfn) ((phys_addr_t)(pfn) << PAGE_SHIFT)
#define pfn_to_page(pfn) (pfn)
#define page_to_phys(pg) ((phys_addr_t)(pg) << PAGE_SHIFT)

void kv_warn(const char *fmt, ...);
#define WARN(cond, fmt, ...) ({ int __c = !!(cond); if (__c) kv_warn(fmt, ##__VA_ARGS__); __c; })

#include "../../common/kv-list.h" /* no-op spinlocks, struct list_head and its operations */
#endif

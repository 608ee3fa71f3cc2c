/*
 * dmasim kernel-vectors, dma-debug target, find.c: the stand-ins for what the extracted hash-table
 * functions of kernel/dma/debug.c use (record.sh: struct hash_bucket, hash_fn, get_hash_bucket,
 * put_hash_bucket, exact_match, containing_match, __hash_bucket_find, bucket_find_exact,
 * bucket_find_contain, hash_bucket_add, hash_bucket_del). Our own code (MIT). One thread: the
 * bucket spinlocks are no-ops; lists are the kernel's doubly linked list semantics;
 * dma_get_max_seg_size(dev) is KV_MAX_SEG (5.x's bucket_find_contain reads it: 64 KiB without dma_parms).
 */
#ifndef DMASIM_KSTUB_FIND_H
#define DMASIM_KSTUB_FIND_H
#include "../../common/kv-types.h" /* the C headers, u8…s64, dma_addr_t, phys_addr_t, gfp_t, likely/unlikely */
#define ____cacheline_aligned_in_smp
#define __acquires(x)
#define __releases(x)
#define PAGE_SHIFT 12
#define min(a, b) ((a) < (b) ? (a) : (b))
struct device { const char *name; };
static inline unsigned int dma_get_max_seg_size(struct device *dev) { (void)dev; return KV_MAX_SEG; }

#include "../../common/kv-list.h" /* no-op spinlocks, struct list_head and its operations */
#endif

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
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8; typedef uint16_t u16; typedef uint32_t u32; typedef uint64_t u64;
typedef u64 dma_addr_t; typedef u64 phys_addr_t;
#define ____cacheline_aligned_in_smp
#define __acquires(x)
#define __releases(x)
#define PAGE_SHIFT 12
#define min(a, b) ((a) < (b) ? (a) : (b))
struct device { const char *name; };
static inline unsigned int dma_get_max_seg_size(struct device *dev) { (void)dev; return KV_MAX_SEG; }

typedef struct { int unused; } spinlock_t;
#define spin_lock_irqsave(l, f) do { (f) = 0; } while (0)
#define spin_unlock_irqrestore(l, f) do { (void)(f); } while (0)

struct list_head { struct list_head *next, *prev; };
#define INIT_LIST_HEAD(l) do { (l)->next = (l); (l)->prev = (l); } while (0)
static inline void list_add_tail(struct list_head *n, struct list_head *head)
{ n->prev = head->prev; n->next = head; head->prev->next = n; head->prev = n; }
static inline void list_del(struct list_head *e) { e->prev->next = e->next; e->next->prev = e->prev; e->next = e->prev = NULL; }
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_for_each_entry(pos, head, member) \
	for (pos = list_entry((head)->next, __typeof__(*pos), member); &pos->member != (head); \
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))
#endif

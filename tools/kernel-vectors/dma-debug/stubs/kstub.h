/*
 * dmasim kernel-vectors, dma-debug target: the user-space stand-ins for what the extracted
 * kernel/dma/debug.c functions (record.sh: hash_fn, to_cacheline_number, the active_cacheline_*
 * family, add_dma_entry, struct dma_debug_entry and their #defines) use. Our own code (MIT).
 * One thread; the radix tree is a small table of (index, item, 3 tag bits) with the kernel's
 * answers (insert: -EEXIST when the index is present; tags of an absent index read 0; delete
 * drops the tags); pr_err/pr_err_once/err_printk/WARN_ONCE are recorded (kv_log) with their
 * level. The arch facts add_dma_entry reads are compile-time parameters:
 *   KV_CACHE_ALIGN   dma_get_cache_alignment()
 *   KV_BOUNCE        IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC)
 *   KV_SWIOTLB       is_swiotlb_active(dev)
 */
#ifndef DMASIM_KSTUB_H
#define DMASIM_KSTUB_H
#include "../../common/kv-types.h" /* the C headers, u8…s64, dma_addr_t, phys_addr_t, gfp_t, likely/unlikely */
#include <errno.h>
#include <stdarg.h>

#define ____cacheline_aligned_in_smp
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define L1_CACHE_SHIFT 6
#define L1_CACHE_BYTES (1 << L1_CACHE_SHIFT)
#define offset_in_page(p) ((unsigned long)(p) & (PAGE_SIZE - 1))
#define RADIX_TREE_MAX_TAGS 3
#define DMA_ATTR_SKIP_CPU_SYNC (1UL << 5)
#define DMA_ATTR_CPU_CACHE_CLEAN (1UL << 11)
enum dma_data_direction { DMA_BIDIRECTIONAL = 0, DMA_TO_DEVICE = 1, DMA_FROM_DEVICE = 2, DMA_NONE = 3 };
#define CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC KV_BOUNCE
#define IS_ENABLED(x) (x)
static inline int dma_get_cache_alignment(void) { return KV_CACHE_ALIGN; }
struct device { const char *name; };
static inline bool is_swiotlb_active(struct device *dev) { (void)dev; return KV_SWIOTLB; }

struct list_head { struct list_head *next, *prev; };

/* one thread */
#define spin_lock_irqsave(l, f) do { (void)(f); } while (0)
#define spin_unlock_irqrestore(l, f) do { (void)(f); } while (0)
static int radix_lock;
static bool global_disable;

/* what the extracted functions print: level + the text, %d and %pa (phys_addr_t *) formatted */
void kv_log(const char *level, const char *fmt, ...);
#define pr_err(fmt, ...) kv_log("pr_err", pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err_once(fmt, ...) do { static int __once; if (!__once) { __once = 1; kv_log("pr_err", pr_fmt(fmt), ##__VA_ARGS__); } } while (0)
#define err_printk(dev, entry, fmt, ...) kv_log("err_printk", fmt, ##__VA_ARGS__)
#define WARN_ONCE(cond, fmt, ...) ({ static int __warned; int __c = !!(cond); if (__c && !__warned) { __warned = 1; kv_log("WARN", fmt, ##__VA_ARGS__); } __c; })
#define WARN_ON(cond) ({ int __c = !!(cond); if (__c) kv_log("WARN", "WARN_ON"); __c; })

/* radix tree: index -> (item, tags) */
struct kv_slot { unsigned long index; void *item; unsigned tags; int used; };
struct radix_tree_root { struct kv_slot s[8192]; };
static struct radix_tree_root dma_active_cacheline;
static struct kv_slot *kv_find(struct radix_tree_root *r, unsigned long index, int make) {
	unsigned h = (unsigned)(index * 2654435761u) % 8192, i;
	for (i = 0; i < 8192; i++) {
		struct kv_slot *s = &r->s[(h + i) % 8192];
		if (s->used == 1 && s->index == index) return s;
		if (s->used == 0) { if (!make) return NULL; s->used = 1; s->index = index; s->tags = 0; s->item = NULL; return s; }
	}
	abort();
}
static inline int radix_tree_insert(struct radix_tree_root *r, unsigned long index, void *item) {
	if (kv_find(r, index, 0)) return -EEXIST;
	kv_find(r, index, 1)->item = item;
	return 0;
}
static inline void *radix_tree_lookup(struct radix_tree_root *r, unsigned long index) {
	struct kv_slot *s = kv_find(r, index, 0); return s ? s->item : NULL;
}
static inline int radix_tree_tag_get(struct radix_tree_root *r, unsigned long index, unsigned tag) {
	struct kv_slot *s = kv_find(r, index, 0); return s ? (s->tags >> tag) & 1 : 0;
}
static inline void *radix_tree_tag_set(struct radix_tree_root *r, unsigned long index, unsigned tag) {
	struct kv_slot *s = kv_find(r, index, 0); if (!s) abort(); s->tags |= 1u << tag; return s->item;
}
static inline void *radix_tree_tag_clear(struct radix_tree_root *r, unsigned long index, unsigned tag) {
	struct kv_slot *s = kv_find(r, index, 0); if (!s) return NULL; s->tags &= ~(1u << tag); return s->item;
}
/* deletion leaves a tombstone (used = 2) so later probes go on */
static inline void *radix_tree_delete(struct radix_tree_root *r, unsigned long index) {
	struct kv_slot *s = kv_find(r, index, 0); void *it; if (!s) return NULL; it = s->item; s->used = 2; s->item = NULL; s->tags = 0; return it;
}

/* the hash table: add_dma_entry's bucket is recorded, its list is not kept */
struct hash_bucket { int idx; };
struct dma_debug_entry;
static int hash_fn(struct dma_debug_entry *entry);
static struct hash_bucket kv_bucket;
static inline struct hash_bucket *get_hash_bucket(struct dma_debug_entry *entry, unsigned long *flags) { *flags = 0; kv_bucket.idx = hash_fn(entry); return &kv_bucket; }
static inline void put_hash_bucket(struct hash_bucket *b, unsigned long flags) { (void)b; (void)flags; }
static inline void hash_bucket_add(struct hash_bucket *b, struct dma_debug_entry *e) { (void)b; (void)e; }
#endif

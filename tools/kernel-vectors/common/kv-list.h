/*
 * dmasim kernel-vectors: dma-debug's hash buckets as the dma-debug (find.c) and dma-debug-checks
 * targets compile them — one thread, so the bucket spinlocks are no-ops, and the kernel's doubly
 * linked list (list_add_tail, list_del poisons to NULL, list_for_each_entry). Our own code (MIT).
 */
#ifndef DMASIM_KV_LIST_H
#define DMASIM_KV_LIST_H
#include <stddef.h>
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

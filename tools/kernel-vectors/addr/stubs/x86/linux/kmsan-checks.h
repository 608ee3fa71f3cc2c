/* dmasim kernel-vectors stub: no KMSAN (6.1+ asm/page_64.h includes it for clear_page) */
#ifndef KV_KMSAN_CHECKS_H
#define KV_KMSAN_CHECKS_H
static inline void kmsan_unpoison_memory(const void *address, unsigned long size) { (void)address; (void)size; }
#endif

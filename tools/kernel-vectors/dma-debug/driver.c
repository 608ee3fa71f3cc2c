/*
 * dmasim kernel-vectors, dma-debug target: drives the active-cacheline tracking and add_dma_entry
 * of a kernel tree's kernel/dma/debug.c (the functions extracted at build time by record.sh into
 * kv_debug_extract.h, compiled unmodified against ./stubs) with a seeded sequence of mappings
 * whose first cache lines collide often, and unmaps (active_cacheline_remove, as dma_entry_free
 * runs it). Our own code (MIT). Prints one JSON object.
 *
 *   driver SEED NOPS PLATFORM     (PLATFORM: the dmasim platform the compile-time facts are of)
 *
 * Ops: ["m",pfn,offset,dir,attrs,dev_addr,bucket,cln,overlap,present,logs]  a mapping:
 *        add_dma_entry(entry[, attrs]) (bucket: hash_fn(entry) as get_hash_bucket took it; cln:
 *        to_cacheline_number(entry); overlap: active_cacheline_read_overlap(cln) after; present:
 *        the cacheline is in the radix tree after; logs: [[level,text]...] printed by the call)
 *      ["u",i,cln,overlap,present,logs]  active_cacheline_remove of live mapping i (the list of
 *        live mappings drops i by moving its last element into i)
 * Compile-time: KV_PADDR (struct dma_debug_entry has paddr, 6.18), KV_ATTRS (add_dma_entry takes
 * attrs, 5.15+), KV_CACHE_CLEAN (the tree knows DMA_ATTR_CPU_CACHE_CLEAN), and kstub.h's
 * KV_CACHE_ALIGN / KV_BOUNCE / KV_SWIOTLB.
 */
#include "kstub.h"
#include "kv_debug_extract.h"
#include <inttypes.h>

#include "../common/kv-format.h" /* kv_logjson */
static char logbuf[4096]; static size_t loglen;
void kv_log(const char *level, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	kv_logjson(logbuf, sizeof(logbuf), &loglen, level, fmt, ap);
	va_end(ap);
}

#include "../common/kv-rng.h" /* rng, next(), pick() */

static struct device dev = { "dev" };
static struct dma_debug_entry *live[4096]; static int nlive;
static int first = 1;

static int present(phys_addr_t cln) { return radix_tree_lookup(&dma_active_cacheline, cln) != NULL; }

int main(int argc, char **argv) {
	unsigned long seed = strtoul(argv[1], NULL, 0);
	int nops = atoi(argv[2]), op;
	rng = seed * 0x2545f4914f6cdd1dULL + 1;
	printf("{\"platform\":\"%s\",\"seed\":%lu,\"cache_align\":%d,\"bounce_unaligned_kmalloc\":%d,\"swiotlb_active\":%d,\"ops\":[", argv[3], seed, KV_CACHE_ALIGN, KV_BOUNCE, KV_SWIOTLB);
	for (op = 0; op < nops; op++) {
		loglen = 0; logbuf[0] = 0;
		if (!first) printf(","); first = 0;
		if (nlive == 0 || (nlive < 4000 && pick(100) < 58)) {
			struct dma_debug_entry *e = calloc(1, sizeof(*e));
			unsigned long pfn = 0x80000 + pick(3), off, attrs = 0, r = pick(100);
			int dir = r < 25 ? DMA_TO_DEVICE : r < 65 ? DMA_FROM_DEVICE : DMA_BIDIRECTIONAL;
			phys_addr_t cln;
			/* offsets: mostly in 4 hot cache lines of each page, 8-byte granules, sometimes anywhere */
			off = pick(4) ? (pick(4) * 64 + pick(8) * 8) : pick(4096);
			if (pick(100) < 15) attrs |= DMA_ATTR_SKIP_CPU_SYNC;
#ifdef KV_CACHE_CLEAN
			if (pick(100) < 25) attrs |= DMA_ATTR_CPU_CACHE_CLEAN;
#endif
			e->dev = &dev;
			/* a bus address: the mapping's own, or any 64-bit value dmasim represents exactly (|v| < 2^53) */
			e->dev_addr = pick(2) ? (pfn << PAGE_SHIFT) + off : pick(4) ? next() >> 11 : (u64)0 - (next() >> 12);
			e->size = 8 + pick(256);
			e->direction = dir;
#ifdef KV_PADDR
			e->paddr = (pfn << PAGE_SHIFT) + off;
#else
			e->pfn = pfn; e->offset = off;
#endif
#ifdef KV_ATTRS
			add_dma_entry(e, attrs);
#else
			add_dma_entry(e);
#endif
			cln = to_cacheline_number(e);
			printf("[\"m\",%lu,%lu,%d,%lu,\"0x%" PRIx64 "\",%d,%" PRIu64 ",%d,%d,[%s]]", pfn, off, dir, attrs, (uint64_t)e->dev_addr, kv_bucket.idx,
			       (uint64_t)cln, active_cacheline_read_overlap(cln), present(cln), logbuf);
			live[nlive++] = e;
		} else {
			int i = pick(nlive);
			struct dma_debug_entry *e = live[i];
			phys_addr_t cln = to_cacheline_number(e);
			active_cacheline_remove(e);
			printf("[\"u\",%d,%" PRIu64 ",%d,%d,[%s]]", i, (uint64_t)cln, active_cacheline_read_overlap(cln), present(cln), logbuf);
			live[i] = live[--nlive];
			/* freed entries are not reused here: the radix tree may still point at one */
		}
	}
	printf("]}");
	return 0;
}

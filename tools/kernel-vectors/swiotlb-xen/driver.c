/*
 * dmasim kernel-vectors, swiotlb-xen target: drives the pieces record.sh extracts (unmodified) from a
 * tree — the ARM dom0's phys_to_mach rbtree (arch/arm/xen/p2m.c, with the tree's lib/rbtree.c),
 * pfn_to_bfn / bfn_to_pfn (include/xen/arm/page.h) and drivers/xen/swiotlb-xen.c's address helpers —
 * as grant mappings and swiotlb-xen use them. Our own code (MIT). Prints one JSON object: a run.
 *
 *   driver SEED MODE NOPS        MODE: grants | runs | dense
 *
 * grants: single foreign pages scattered over 4 MiB of dom0 pfns (set_foreign_p2m_mapping's
 * set_phys_to_machine, clear_foreign_p2m_mapping's INVALID_P2M_ENTRY); runs: stretches of 2–16
 * consecutive pfns onto consecutive foreign frames, half of them aligned; dense: a 256-page window
 * where most pages are foreign. RAM: dom0 pfns 0–0x40000 (1 GiB, 1:1), the domU's frames at
 * machine 0x30000000–0x34000000.
 *
 * Ops:
 *   ["set",pfn,mfn,ret,msgs]    __set_phys_to_machine(pfn, mfn); msgs: its pr_warn lines
 *   ["clr",pfn,ret]             __set_phys_to_machine(pfn, INVALID_P2M_ENTRY)
 *   ["bus",paddr,dma]           xen_phys_to_dma(dev, paddr) (xen_phys_to_bus(paddr) where the tree has no dev)
 *   ["phys",dma,paddr]          xen_dma_to_phys(dev, dma) (xen_bus_to_phys(dma))
 *   ["s",p,size,straddles,req]  range_straddles_page_boundary(p, size), range_requires_alignment(p, size) (null: not in the tree)
 */
#include <inttypes.h>
#include <stdarg.h>
#include <linux/rbtree.h>

#include "../common/kv-format.h" /* kv_logjson */
static char logbuf[4096]; static size_t loglen;
void kv_log(const char *level, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	kv_logjson(logbuf, sizeof(logbuf), &loglen, level, fmt, ap);
	va_end(ap);
}

#include "kv_xen_extract.h"

#include "../common/kv-rng.h" /* rng, next(), pick() */

static struct device dev = { "fd580000.ethernet" };
static unsigned long mapped[8192]; static int nmapped;
static int first = 1;
static void sep(void) { if (!first) printf(","); first = 0; }

#define WIN_LO 0x10000UL /* dom0 pfns the grants land on */
#define DOMU_LO 0x30000UL /* the domU's machine frames */

static void op_set(unsigned long pfn, unsigned long mfn) {
	bool r;
	loglen = 0; logbuf[0] = 0;
	r = __set_phys_to_machine(pfn, mfn);
	sep(); printf("[\"set\",%lu,%lu,%d,[%s]]", pfn, mfn, r, logbuf);
	if (r && nmapped < 8192) mapped[nmapped++] = pfn;
}
static void op_clr(unsigned long pfn) {
	bool r = __set_phys_to_machine(pfn, INVALID_P2M_ENTRY);
	sep(); printf("[\"clr\",%lu,%d]", pfn, r);
	for (int i = 0; i < nmapped; i++) if (mapped[i] == pfn) { mapped[i] = mapped[--nmapped]; break; }
}
/* a pfn near the foreign mappings */
static unsigned long near(unsigned long span) {
	if (nmapped && pick(100) < 75) return mapped[pick(nmapped)] - 4 + pick(9);
	return WIN_LO + pick(span);
}

int main(int argc, char **argv) {
	if (argc != 4) { fprintf(stderr, "usage: driver SEED MODE NOPS\n"); return 2; }
	unsigned long seed = strtoul(argv[1], 0, 0); const char *mode = argv[2]; int nops = atoi(argv[3]);
	unsigned long span = strcmp(mode, "dense") == 0 ? 256 : 1024;
	rng = seed;
	printf("{\"mode\":\"%s\",\"seed\":%lu,\"device\":\"%s\",\"ops\":[", mode, seed, dev.name);
	for (int i = 0; i < nops; i++) {
		unsigned long r = pick(100);
		if (r < 20) {
			unsigned long pfn = (nmapped && pick(100) < 10) ? mapped[pick(nmapped)] : WIN_LO + pick(span); /* 10 %: a pfn already mapped */
			if (strcmp(mode, "grants") == 0) op_set(pfn, DOMU_LO + pick(0x4000));
			else {
				unsigned long n = 2 + pick(15), mfn = DOMU_LO + pick(0x4000 - 16);
				if (pick(2)) { mfn &= ~15UL; pfn &= ~15UL; } /* aligned stretch */
				for (unsigned long j = 0; j < n; j++) op_set(pfn + j, mfn + j);
			}
		} else if (r < 28 && nmapped) {
			op_clr(pick(100) < 85 ? mapped[pick(nmapped)] : WIN_LO + pick(span));
		} else if (r < 40) {
			phys_addr_t p = (phys_addr_t)near(span) * 4096 + pick(4096);
			sep();
#ifdef KV_DEV
			printf("[\"bus\",%" PRIu64 ",%" PRIu64 "]", p, xen_phys_to_dma(&dev, p));
#else
			printf("[\"bus\",%" PRIu64 ",%" PRIu64 "]", p, xen_phys_to_bus(p));
#endif
		} else if (r < 50) {
			dma_addr_t d = (pick(2) ? (dma_addr_t)(DOMU_LO + pick(0x4000)) : (dma_addr_t)near(span)) * 4096 + pick(4096);
			sep();
#ifdef KV_DEV
			printf("[\"phys\",%" PRIu64 ",%" PRIu64 "]", d, xen_dma_to_phys(&dev, d));
#else
			printf("[\"phys\",%" PRIu64 ",%" PRIu64 "]", d, xen_bus_to_phys(d));
#endif
		} else {
			size_t size; unsigned long k = pick(100);
			if (k < 30) size = 4096UL << pick(5);                /* a power of two: 4 KiB–64 KiB */
			else if (k < 60) size = 1 + pick(8 * 4096);          /* any size up to 8 pages */
			else size = 4096 * (1 + pick(16));                    /* whole pages */
			phys_addr_t p = (phys_addr_t)near(span) * 4096, algn = 1ULL << (get_order(size) + PAGE_SHIFT);
			k = pick(100);
			if (k < 40) p &= ~(algn - 1);                         /* aligned to its order (the alignment test) */
			else if (k < 70) p += pick(4096);                     /* inside a page */
			sep();
#ifdef KV_REQALIGN
			printf("[\"s\",%" PRIu64 ",%zu,%d,%d]", p, size, range_straddles_page_boundary(p, size), range_requires_alignment(p, size));
#else
			printf("[\"s\",%" PRIu64 ",%zu,%d,null]", p, size, range_straddles_page_boundary(p, size));
#endif
		}
	}
	printf("]}");
	return 0;
}

/*
 * dmasim kernel-vectors, cma target: drives the CMA allocator's functions extracted (unmodified) from
 * a tree's mm/cma.c — cma_alloc and cma_release on one area — the way kernel/dma/contiguous.c uses
 * them: cma_alloc(cma, count, align, no_warn), cma_release(cma, page, count). Our own code (MIT).
 * Prints one JSON object: a run.
 *
 *   driver SEED MODE BASE_PFN COUNT ORDER_PER_BIT NOPS
 *
 * MODE: anything (sizes and alignments as dma_alloc_contiguous passes them, and others); a mode
 * starting with "misuse" also releases wrongly: double releases, partial and oversized counts,
 * pages below or past the area, ranges straddling its end.
 *
 * Ops:
 *   ["a",count,align,no_warn,pfn|null,used,avail|null,hash,msgs]   cma_alloc
 *   ["r",pfn,count,ret,used,avail|null,hash,msgs]                  cma_release
 * used: set bits of the bitmap (its cma_bitmap_maxno bits); avail: cma->available_count where the
 * tree has it; hash: FNV-1a (32-bit) over those bits, one byte (0/1) per bit; msgs: every printk of
 * the call, [level, text] in order — level "err", "warn", "info", "cont" (pr_cont) or "suppressed"
 * (a pr_*_ratelimited past its burst of 10); text as formatted, with its "\n" if it has one.
 */
#include <inttypes.h>
#include <linux/cma.h>
#include "kv_mm_cma.h"

static char msgbuf[1 << 16];
static size_t msglen;
static int nmsg;
unsigned long kv_contig_calls;

static void json_str(char *dst, size_t cap, size_t *len, const char *s) {
	*len += snprintf(dst + *len, cap - *len, "\"");
	for (; *s && *len + 8 < cap; s++) {
		if (*s == '"' || *s == '\\') *len += snprintf(dst + *len, cap - *len, "\\%c", *s);
		else if (*s == '\n') *len += snprintf(dst + *len, cap - *len, "\\n");
		else if ((unsigned char)*s < 0x20) *len += snprintf(dst + *len, cap - *len, "\\u%04x", *s);
		else dst[(*len)++] = *s;
	}
	*len += snprintf(dst + *len, cap - *len, "\"");
}
static void record(const char *level, const char *text) {
	msglen += snprintf(msgbuf + msglen, sizeof msgbuf - msglen, "%s[\"%s\",", nmsg++ ? "," : "", level);
	json_str(msgbuf, sizeof msgbuf, &msglen, text);
	msglen += snprintf(msgbuf + msglen, sizeof msgbuf - msglen, "]");
}
void kv_msg(const char *level, const char *fmt, ...) {
	char t[4096]; va_list ap; va_start(ap, fmt); vsnprintf(t, sizeof t, fmt, ap); va_end(ap);
	record(level, t);
}
void kv_suppressed(const char *fmt, ...) {
	char t[4096]; va_list ap; va_start(ap, fmt); vsnprintf(t, sizeof t, fmt, ap); va_end(ap);
	record("suppressed", t);
}

#include "kv_cma_extract.h"

#include "../common/kv-rng.h" /* rng, next(), pick() */

static struct cma area;
static unsigned long base_pfn, npages, maxno, *bits;
struct live { unsigned long pfn, count; };
static struct live lives[8192]; static int nlive;
static struct live freed[64]; static int nfreed;
static int first = 1;

static void state(void) {
	unsigned long used = 0, i; uint32_t h = 2166136261u;
	for (i = 0; i < maxno; i++) { int b = test_bit(i, bits); used += b; h ^= (uint32_t)b; h *= 16777619u; }
#ifdef KV_AVAILABLE
	printf(",%lu,%lu,\"%08" PRIx32 "\",[%s]]", used, area.available_count, h, msgbuf);
#else
	printf(",%lu,null,\"%08" PRIx32 "\",[%s]]", used, h, msgbuf);
#endif
}
static void begin(void) { msglen = 0; nmsg = 0; msgbuf[0] = 0; if (!first) printf(","); first = 0; }

static int order_of(unsigned long pages) { int o = 0; while ((1UL << o) < pages) o++; return o; }

static void op_alloc(unsigned long count, unsigned int align, bool no_warn) {
	struct page *p;
	begin();
	p = cma_alloc(&area, count, align, no_warn);
	if (p) printf("[\"a\",%lu,%u,%d,%lu", count, align, no_warn, page_to_pfn(p));
	else printf("[\"a\",%lu,%u,%d,null", count, align, no_warn);
	state();
	if (p && count && nlive < 8192) lives[nlive++] = (struct live){ page_to_pfn(p), count };
}
static void op_release(unsigned long pfn, unsigned long count) {
	bool r;
	begin();
	r = cma_release(&area, pfn_to_page(pfn), count);
	printf("[\"r\",%lu,%lu,%d", pfn, count, r);
	state();
}

int main(int argc, char **argv) {
	if (argc != 7) { fprintf(stderr, "usage: driver SEED MODE BASE_PFN COUNT ORDER_PER_BIT NOPS\n"); return 2; }
	unsigned long seed = strtoul(argv[1], 0, 0); const char *mode = argv[2];
	base_pfn = strtoul(argv[3], 0, 0); npages = strtoul(argv[4], 0, 0);
	unsigned int opb = strtoul(argv[5], 0, 0); int nops = atoi(argv[6]);
	bool misuse = strncmp(mode, "misuse", 6) == 0;
	rng = seed;
	maxno = npages >> opb;
	/* the kernel's bitmap is BITS_TO_LONGS(maxno) longs; the slack behind it takes what a release
	 * straddling the area's end clears past it in the trees that let it (nothing reads it) */
	bits = calloc(BITS_TO_LONGS(maxno) + BITS_TO_LONGS(4 * npages) + 8, sizeof(long));
	area.count = npages;
	area.order_per_bit = opb;
#ifdef KV_NAME_ARRAY
	strcpy(area.name, "reserved");
#else
	area.name = "reserved";
#endif
#ifdef KV_RANGES
	area.nranges = 1;
	area.ranges[0].base_pfn = base_pfn;
	area.ranges[0].count = npages;
	area.ranges[0].bitmap = bits;
#else
	area.base_pfn = base_pfn;
	area.bitmap = bits;
#endif
#ifdef KV_AVAILABLE
	area.available_count = npages;
#endif
	printf("{\"mode\":\"%s\",\"seed\":%lu,\"base_pfn\":%lu,\"count\":%lu,\"order_per_bit\":%u,\"ops\":[", mode, seed, base_pfn, npages, opb);
	for (int i = 0; i < nops; i++) {
		unsigned long r = pick(100);
		if (r < 58 || nlive == 0) {
			unsigned long count, k = pick(100); unsigned int align;
			if (k < 45) count = 1 + pick(16);
			else if (k < 75) count = 17 + pick(112);
			else if (k < 90) count = 129 + pick(npages / 3 + 1);
			else if (k < 95) count = npages - pick(8);         /* about the whole area */
			else if (k < 98) count = npages + 1 + pick(64);    /* more than the area */
			else count = 0;
			k = pick(100);
			if (k < 70) align = min(order_of(count), 8);        /* dma_alloc_contiguous: min(get_order(size), CONFIG_CMA_ALIGNMENT) */
			else align = pick(11);
			op_alloc(count, align, pick(100) < 15);
			continue;
		}
		int j = pick(nlive);
		struct live l = lives[j];
		if (misuse && pick(100) < 30) {
			unsigned long k = pick(7), pfn = l.pfn, count = l.count;
			switch (k) {
			case 0: if (nfreed) { struct live f = freed[pick(nfreed)]; pfn = f.pfn; count = f.count; } break; /* double release */
			case 1: count = l.count > 1 ? 1 + pick(l.count - 1) : 1; break;                  /* fewer pages */
			case 2: count = l.count + 1 + pick(32); break;                                      /* more pages */
			case 3: pfn = base_pfn - 1 - pick(64); break;                                       /* below the area */
			case 4: pfn = base_pfn + npages + pick(64); break;                                  /* past its end */
			case 5: pfn = base_pfn + npages - 1 - pick(8); count = 9 + pick(64); break;         /* straddling its end */
			case 6: count = npages + 1 + pick(16); break;                                       /* more than the area */
			}
			op_release(pfn, count);
			if (k == 1 || k == 2 || k == 6) { lives[j] = lives[--nlive]; if (nfreed < 64) freed[nfreed++] = l; }
			continue;
		}
		op_release(l.pfn, l.count);
		lives[j] = lives[--nlive];
		if (nfreed < 64) freed[nfreed++] = l; else freed[pick(64)] = l;
	}
	printf("]}");
	return 0;
}

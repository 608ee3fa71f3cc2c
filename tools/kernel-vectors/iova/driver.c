/*
 * dmasim kernel-vectors, iova target: drives the unmodified drivers/iommu/iova.c of a kernel tree
 * (compiled in user space against ./stubs) with a seeded random sequence of alloc_iova / free_iova /
 * alloc_iova_fast / free_iova_fast, and prints every answer as JSON, with periodic snapshots of the
 * rbtree (in order), cached_node, cached32_node and max32_alloc_size. Our own code (MIT).
 * Ops: ["a",size,limit,aligned,pfn] alloc_iova, ["af",size,limit,flush,pfn] alloc_iova_fast,
 * ["f",pfn] free_iova, ["ff",pfn,size] free_iova_fast, ["s",[[lo,hi]...],cached,cached32,max32] a
 * snapshot (cached nodes by pfn_lo; the anchor's is 18446744073709551615).
 *
 *   driver SEED NOPS MODE      MODE: small | mixed | depot | mags
 * depot: phases that fill the range caches' magazines and depots with small ranges, then ask for
 * ranges the caches cannot serve, so alloc_iova_fast must flush them back to the tree.
 * mags: rounds of 200-330 one-page alloc_iova_fast, then frees of all of them (in allocation order or
 * reversed), so the loaded/prev magazines fill, swap and go to the depot at their exact size
 * (IOVA_MAG_SIZE 128, or 127 from 6.0) and the next round pops them back in the order that size gives.
 * cpus (built with -DKV_NR_CPUS=N, N > 1): the depot sequence, with the CPU the next operation runs on
 * changing now and then (["cpu",n] in the vector; 1 in 8 ops move to a random CPU), so each CPU's
 * loaded/prev magazines fill and empty on their own, the depot is shared, and a failing
 * alloc_iova_fast flushes every online CPU's magazines. The header gives "nr_cpus".
 * Compile-time: -DKV_RCACHE_INIT (5.19+: iova_domain_init_rcaches), -DKV_PUT (put_iova_domain),
 * -DKV_NR_CPUS=N (stubs/kstub.h; 1 by default).
 */
#include <linux/iova.h>
#include <inttypes.h>

int kstub_warns;
int kv_cpu;
unsigned long jiffies;

#include "../common/kv-rng.h" /* rng, next(), pick() */

struct live { unsigned long pfn, size; int fast; };
static struct live lives[100000];
static int nlive;

static void node_pfn(struct rb_node *n, const char *name, int comma) {
	struct iova *i = rb_entry(n, struct iova, node);
	(void)name;
	printf("%lu%s", i->pfn_lo, comma ? "," : "");
}

static void snapshot(struct iova_domain *iovad) {
	struct rb_node *n;
	int first = 1;
	printf(",\n[\"s\",[");
	for (n = rb_first(&iovad->rbroot); n; n = rb_next(n)) {
		struct iova *i = rb_entry(n, struct iova, node);
		if (i->pfn_lo == ~0UL) continue; /* the anchor */
		printf("%s[%lu,%lu]", first ? "" : ",", i->pfn_lo, i->pfn_hi);
		first = 0;
	}
	printf("],");
	node_pfn(iovad->cached_node, "cached", 1);
	node_pfn(iovad->cached32_node, "cached32", 1);
	printf("%lu]", iovad->max32_alloc_size);
}

int main(int argc, char **argv) {
	static struct iova_domain iovad;
	unsigned long seed = strtoul(argv[1], 0, 0), nops = strtoul(argv[2], 0, 0);
	int small = strcmp(argv[3], "small") == 0;
	int cpus = strcmp(argv[3], "cpus") == 0;
	int depot = cpus || strcmp(argv[3], "depot") == 0;
	int phase = 0, left = 0;
	static const unsigned long small_limits[] = { 0x3ff, 0x7ff, 0xfff };
	static const unsigned long mixed_limits[] = { 0x3ff, 0xfffff, 0xfffff, 0xfffffffffUL };
	unsigned long k;

	rng = seed;
	if (iova_cache_get()) return 1;
	init_iova_domain(&iovad, PAGE_SIZE, 1);
#ifdef KV_RCACHE_INIT
	if (iova_domain_init_rcaches(&iovad)) return 1;
#endif
	printf("{\"seed\":%lu,\"mode\":\"%s\",\"granule\":%lu,\"start_pfn\":1,\"dma_32bit_pfn\":%lu,\"nr_cpus\":%d,\"ops\":[\n[\"init\"]",
	       seed, argv[3], PAGE_SIZE, iovad.dma_32bit_pfn, KV_NR_CPUS);
	if (cpus && KV_NR_CPUS < 2) return 2;
	if (strcmp(argv[3], "mags") == 0) {
		for (k = 0; k < nops;) {
			int n = 200 + (int)pick(131), i, rev = (int)pick(2);
			for (i = 0; i < n; i++, k++) {
				unsigned long pfn = alloc_iova_fast(&iovad, 1, 0xfffff, 0);
				printf(",\n[\"af\",1,%lu,0,%lu]", 0xfffffUL, pfn);
				lives[i] = (struct live){ pfn, 1, 1 };
				if (k % 50 == 49) snapshot(&iovad);
			}
			for (i = 0; i < n; i++, k++) {
				struct live l = lives[rev ? n - 1 - i : i];
				if (!l.pfn) continue;
				free_iova_fast(&iovad, l.pfn, 1);
				printf(",\n[\"ff\",%lu,1]", l.pfn);
				if (k % 50 == 49) snapshot(&iovad);
			}
		}
		snapshot(&iovad);
		printf("\n],\"warns\":%d}\n", kstub_warns);
		return 0;
	}
	for (k = 0; k < nops; k++) {
		unsigned long r;
		if (cpus && pick(8) == 0) {
			int c = (int)pick(KV_NR_CPUS);
			if (c != kv_cpu) { kv_cpu = c; printf(",\n[\"cpu\",%d]", c); }
		}
		r = pick(100);
		if (depot) {
			if (left == 0) { phase = (phase + 1) % 3; left = phase == 0 ? 700 + (int)pick(200) : phase == 1 ? nlive : 12; }
			if (phase == 1 && nlive == 0) { left = 0; k--; continue; }
			left--;
			r = phase == 1 ? 0 : 99;
		}
		if (nlive > 0 && (r < 45 || nlive >= 99999)) {
			int j = (int)pick(nlive);
			struct live l = lives[j];
			lives[j] = lives[--nlive];
			if (l.fast) {
				free_iova_fast(&iovad, l.pfn, l.size);
				printf(",\n[\"ff\",%lu,%lu]", l.pfn, l.size);
			} else {
				free_iova(&iovad, l.pfn);
				printf(",\n[\"f\",%lu]", l.pfn);
			}
		} else {
			unsigned long q = pick(100), size;
			unsigned long limit = depot ? 0x3ff : small ? small_limits[pick(3)] : mixed_limits[pick(4)];
			int fast = depot || pick(100) < 60;
			if (depot) size = phase == 0 ? 1 : 33 + pick(32);
			else if (q < 50) size = 1 + pick(4);
			else if (q < 80) size = 1 + pick(32);
			else if (q < 95) size = 1 + pick(64);
			else size = 1 + pick(small ? 300 : 1024);
			if (fast) {
				int flush = pick(2);
				unsigned long pfn = alloc_iova_fast(&iovad, size, limit, flush);
				printf(",\n[\"af\",%lu,%lu,%d,%lu]", size, limit, flush, pfn);
				if (pfn) lives[nlive++] = (struct live){ pfn, size, 1 };
			} else {
				int aligned = pick(2);
				struct iova *i = alloc_iova(&iovad, size, limit, aligned);
				printf(",\n[\"a\",%lu,%lu,%d,%lu]", size, limit, aligned, i ? i->pfn_lo : 0UL);
				if (i) lives[nlive++] = (struct live){ i->pfn_lo, size, 0 };
			}
		}
		if (k % 50 == 49) snapshot(&iovad);
	}
	snapshot(&iovad);
	printf("\n],\"warns\":%d}\n", kstub_warns);
	return 0;
}

/*
 * dmasim kernel-vectors, genalloc target: drives the unmodified lib/genalloc.c of a kernel tree
 * (compiled in user space against ./stubs, with the tree's include/linux/genalloc.h and the bitmap
 * search extracted from its lib/bitmap.c) the way kernel/dma/pool.c (5.8+), kernel/dma/remap.c
 * (5.4-5.7) and arch/arm/mm/dma-mapping.c use it: gen_pool_create(order, -1),
 * gen_pool_set_algo(pool, gen_pool_first_fit_order_align, NULL), gen_pool_add_virt, gen_pool_alloc,
 * gen_pool_virt_to_phys, gen_pool_has_addr, gen_pool_free, gen_pool_avail, gen_pool_size.
 * Our own code (MIT). Prints one JSON object (the "vector" of the file record.sh writes).
 *
 *   driver SEED NOPS MODE      MODE: atomic | expand | misuse | order5
 *
 * Ops (every address a "0x…" string of the 64-bit value):
 *   ["add",virt,phys,size,rc]                 gen_pool_add_virt
 *   ["a",size,addr,phys,avail,hash]           gen_pool_alloc (+ gen_pool_virt_to_phys when addr != 0)
 *   ["f",addr,size,avail,hash]                gen_pool_free
 *   ["h",addr,size,found]                     gen_pool_has_addr
 *   ["v",addr,phys]                           gen_pool_virt_to_phys of any address (-1: none)
 *   ["BUG",line,cond]                         a BUG()/BUG_ON() of the tree's lib/genalloc.c, at its
 *                                             line; the run ends (the op that hit it is the one before)
 * hash: FNV-1a (32-bit) over every chunk's bitmap, head chunk first, one byte (0/1) per unit bit,
 * then 0xff after each chunk. The header gives "order", "size" (gen_pool_size at the end).
 */
#include <linux/genalloc.h>
#include <inttypes.h>
#include <setjmp.h>

int kv_warns;
static jmp_buf kv_jmp;
static int bug_line; static const char *bug_cond;
void kv_bug(int line, const char *cond) { bug_line = line; bug_cond = cond; longjmp(kv_jmp, 1); }

#include "../common/kv-rng.h" /* rng, next(), pick() */

static struct gen_pool *pool;
static int order;
struct live { unsigned long addr; size_t size; };
static struct live lives[4096]; static int nlive;
static struct live freed[64]; static int nfreed; /* recently freed (misuse: double frees) */
static unsigned long chunk_virt[64], chunk_size_b[64]; static int nchunks;
static int first = 1;

static void sep(void) { if (!first) printf(","); first = 0; }

static uint32_t bitmap_hash(void) {
	uint32_t h = 2166136261u;
	struct gen_pool_chunk *c;
	list_for_each_entry_rcu(c, &pool->chunks, next_chunk) {
		unsigned long nbits = (c->end_addr - c->start_addr + 1) >> order, i;
		for (i = 0; i < nbits; i++) { h ^= (uint32_t)test_bit(i, c->bits); h *= 16777619u; }
		h ^= 0xffu; h *= 16777619u;
	}
	return h;
}

static unsigned long next_virt = 0xffff800010000000UL;
static void add_chunk(unsigned long size) {
	unsigned long virt = next_virt, phys = 0x40000000UL + (pick(0x3000) << 12);
	int rc = gen_pool_add_virt(pool, virt, phys, size, -1);
	next_virt += ((size + 0xfffff) & ~0xfffffUL) + (pick(4) << 12); /* a gap, so addresses between chunks exist */
	chunk_virt[nchunks] = virt; chunk_size_b[nchunks++] = size;
	sep(); printf("[\"add\",\"0x%lx\",\"0x%lx\",%lu,%d]", virt, phys, size, rc);
}

static size_t alloc_size(const char *mode) {
	unsigned long r = pick(100);
	if (!strcmp(mode, "order5")) {
		if (r < 3) return 0;
		if (r < 60) return 1 + pick(256);
		if (r < 90) return 1 + pick(2048);
		return 1 + pick(20000);
	}
	if (r < 2) return 0;
	if (r < 50) return (1 + pick(16)) << 12;
	if (r < 80) return 1 + pick(65536);
	if (r < 92) return 1 + pick(8192);
	return (1 + pick(80)) << 12; /* often more than a chunk: fails */
}

static void do_free(unsigned long addr, size_t size) {
	sep(); printf("[\"f\",\"0x%lx\",%zu", addr, size);
	fflush(stdout);
	gen_pool_free(pool, addr, size);
	printf(",%zu,\"%08x\"]", gen_pool_avail(pool), bitmap_hash());
}

int main(int argc, char **argv) {
	unsigned long seed = strtoul(argv[1], NULL, 0);
	int nops = atoi(argv[2]), op;
	const char *mode = argv[3];
	volatile int done = 0;
	rng = seed * 0x2545f4914f6cdd1dULL + 1;
	order = !strcmp(mode, "order5") ? 5 : PAGE_SHIFT;
	pool = gen_pool_create(order, -1);
	gen_pool_set_algo(pool, gen_pool_first_fit_order_align, NULL);
	printf("{\"mode\":\"%s\",\"seed\":%lu,\"order\":%d,\"ops\":[", mode, seed, order);
	if (setjmp(kv_jmp)) {
		/* a BUG: the op printed last is the one that hit it */
		printf("],[\"BUG\",%d,\"%s\"]]", bug_line, bug_cond);
		done = 1;
	}
	if (!done) {
		if (!strcmp(mode, "atomic")) add_chunk(256 << 10);
		else if (!strcmp(mode, "expand")) add_chunk(64 << 10);
		else if (!strcmp(mode, "misuse")) { add_chunk(128 << 10); add_chunk(64 << 10); }
		else { add_chunk(0x1234); add_chunk(0x800); add_chunk(0x10010); }
		for (op = 0; op < nops; op++) {
			unsigned long r = pick(100);
			if (!strcmp(mode, "expand") && r < 6 && nchunks < 12) { add_chunk((1UL << pick(5)) << 12); continue; }
			if (!strcmp(mode, "misuse") && r < 5) {
				unsigned long k = pick(40), kk = k < 6 ? 0 : k < 20 ? 1 : k < 34 ? 2 : k < 37 ? 3 : 4;
				k = kk;
				if (k == 0 && nfreed) { struct live l = freed[pick(nfreed)]; do_free(l.addr, l.size); }
				else if (k == 1 && nlive) { int i = pick(nlive); size_t s = lives[i].size + ((1 + pick(4)) << 12); lives[i] = lives[--nlive]; do_free(lives[i].addr, s); }
				else if (k == 2 && nlive) { int i = pick(nlive); size_t s = lives[i].size > 4096 ? lives[i].size - 4096 : lives[i].size; unsigned long a = lives[i].addr; lives[i] = lives[--nlive]; do_free(a, s); }
				else if (k == 3) { int c = pick(nchunks); do_free(chunk_virt[c] + chunk_size_b[c] - 4096, 2 * 4096); }
				else { int c = pick(nchunks); do_free(chunk_virt[c] + chunk_size_b[c] + (pick(3) << 12), 4096); }
				continue;
			}
			if (r < 50) {
				size_t size = alloc_size(mode);
				unsigned long a = gen_pool_alloc(pool, size);
				sep(); printf("[\"a\",%zu,\"0x%lx\",", size, a);
				if (a) printf("\"0x%lx\"", (unsigned long)gen_pool_virt_to_phys(pool, a)); else printf("null");
				printf(",%zu,\"%08x\"]", gen_pool_avail(pool), bitmap_hash());
				if (a && nlive < 4096) { lives[nlive].addr = a; lives[nlive++].size = size; }
			} else if (r < 85) {
				if (!nlive) continue;
				int i = pick(nlive);
				struct live l = lives[i];
				lives[i] = lives[--nlive];
				/* the sizes pool.c frees with: the one allocated (dma-direct passes the same size) */
				do_free(l.addr, l.size);
				if (nfreed < 64) freed[nfreed++] = l; else freed[pick(64)] = l;
			} else if (r < 93) {
				int c = pick(nchunks);
				unsigned long a = chunk_virt[c] + pick(chunk_size_b[c] + 0x3000) - 0x1000;
				size_t s = pick(3) ? 1 + pick(0x3000) : 0;
				if (nlive && pick(2)) { int i = pick(nlive); a = lives[i].addr; s = lives[i].size; }
				sep(); printf("[\"h\",\"0x%lx\",%zu,%d]", a, s, gen_pool_has_addr(pool, a, s) ? 1 : 0);
			} else {
				int c = pick(nchunks);
				unsigned long a = chunk_virt[c] + pick(chunk_size_b[c] + 0x2000) - 0x1000;
				sep(); printf("[\"v\",\"0x%lx\",\"0x%lx\"]", a, (unsigned long)gen_pool_virt_to_phys(pool, a));
			}
		}
		printf("]");
	}
	printf(",\"avail\":%zu,\"size\":%zu,\"warns\":%d}", gen_pool_avail(pool), gen_pool_size(pool), kv_warns);
	return 0;
}

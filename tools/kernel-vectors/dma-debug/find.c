/*
 * dmasim kernel-vectors, dma-debug target: the hash table's lookups — __hash_bucket_find's best
 * fit, bucket_find_exact (unmap, free) and bucket_find_contain (partial syncs: the walk back
 * through lower buckets, bounded by dma_get_max_seg_size before 2995b8002cef and by the number of
 * buckets below the address from 6.0) — extracted unmodified from a tree's kernel/dma/debug.c at
 * build time (record.sh, kv_find_extract.h, never committed) and driven with a seeded sequence of
 * adds, deletes and lookups on clustered bus addresses. Our own code (MIT). One JSON object out.
 *
 *   find SEED NOPS
 *
 * Ops: ["a",id,dev,dev_addr,size,type,dir,sg_call_ents]   hash_bucket_add(get_hash_bucket(e), e)
 *      ["d",id]                                            hash_bucket_del of entry id
 *      ["x",dev,dev_addr,size,type,dir,sg,found]           bucket_find_exact: the id found, or -1
 *      ["c",dev,dev_addr,size,type,dir,sg,found]           bucket_find_contain: the id found, or -1
 * dev is 0 or 1 (two devices); every address is a decimal u64 below 2^53.
 */
#include "kstub-find.h"
#include "kv_find_extract.h"

#include "../common/kv-rng.h" /* rng, next(), pick() */

static struct device devs[2] = { { "a" }, { "b" } };
struct kv { struct dma_debug_entry e; int id; int live; };
static struct kv ents[4096]; static int nents;
static int first = 1;
static void sep(void) { if (!first) printf(","); first = 0; }

static int idof(struct dma_debug_entry *e) { return e ? ((struct kv *)e)->id : -1; }
static void fill(struct dma_debug_entry *e) {
	static const u64 sizes[] = { 1, 64, 512, 4096, 8192, 16384, 65536, 131072, 262144, 524288 };
	e->dev = &devs[pick(4) ? 0 : 1];
	e->size = pick(5) ? sizes[pick(10)] : 1 + pick(300000);
	e->type = pick(4);
	e->direction = pick(3);
	e->sg_call_ents = pick(3) ? 0 : 1 + pick(3);
}

int main(int argc, char **argv) {
	unsigned long seed = strtoul(argv[1], NULL, 0);
	int nops = atoi(argv[2]), op, i;
	rng = seed * 0x2545f4914f6cdd1dULL + 1;
	for (i = 0; i < HASH_SIZE; i++) INIT_LIST_HEAD(&dma_entry_hash[i].list);
	printf("{\"seed\":%lu,\"max_seg_size\":%u,\"ops\":[", seed, (unsigned)KV_MAX_SEG);
	for (op = 0; op < nops; op++) {
		unsigned long r = pick(100);
		int live = 0;
		for (i = 0; i < nents; i++) live += ents[i].live;
		if (nents < 4096 && (live < 4 || r < 35)) {
			struct kv *k = &ents[nents];
			unsigned long flags;
			struct hash_bucket *b;
			k->id = nents++; k->live = 1;
			fill(&k->e);
			/* clustered: 4 MiB of bus space above 0x40000000, page or 512-byte aligned; now and then a duplicate address */
			if (live && pick(6) == 0) { int j; do j = pick(nents - 1); while (!ents[j].live); k->e.dev_addr = ents[j].e.dev_addr; }
			else k->e.dev_addr = 0x40000000ULL + (pick(2) ? (pick(1024) << 12) : (pick(8192) << 9));
			if (pick(40) == 0) k->e.dev_addr = pick(3) << 12; /* near 0: few buckets below */
			b = get_hash_bucket(&k->e, &flags);
			hash_bucket_add(b, &k->e);
			put_hash_bucket(b, flags);
			sep(); printf("[\"a\",%d,%d,%llu,%llu,%d,%d,%d]", k->id, k->e.dev == &devs[1], (unsigned long long)k->e.dev_addr,
			              (unsigned long long)k->e.size, k->e.type, k->e.direction, k->e.sg_call_ents);
		} else if (r < 50) {
			int j; do j = pick(nents); while (!ents[j].live);
			hash_bucket_del(&ents[j].e);
			ents[j].live = 0;
			sep(); printf("[\"d\",%d]", j);
		} else {
			struct dma_debug_entry ref, *found;
			struct hash_bucket *b;
			unsigned long flags;
			int contain = r >= 70, j;
			memset(&ref, 0, sizeof(ref));
			fill(&ref);
			do j = pick(nents); while (!ents[j].live && pick(8));
			if (pick(3)) { /* often the same attributes as a live entry: perfect and near-perfect fits */
				ref.dev = ents[j].e.dev; ref.size = ents[j].e.size; ref.type = ents[j].e.type;
				ref.direction = ents[j].e.direction; ref.sg_call_ents = ents[j].e.sg_call_ents;
				if (pick(3) == 0) ref.direction = pick(3);
			}
			ref.dev_addr = ents[j].e.dev_addr;
			if (contain) { /* a partial sync: an offset into the mapping (sometimes past 64 KiB, sometimes past its end) */
				u64 off = pick(ents[j].e.size + 0x2000);
				ref.dev_addr += off;
				ref.size = 1 + pick(0x2000);
			} else if (pick(6) == 0) ref.dev_addr += pick(0x3000);
			b = get_hash_bucket(&ref, &flags);
			found = contain ? bucket_find_contain(&b, &ref, &flags) : bucket_find_exact(b, &ref);
			put_hash_bucket(b, flags);
			sep(); printf("[\"%s\",%d,%llu,%llu,%d,%d,%d,%d]", contain ? "c" : "x", ref.dev == &devs[1], (unsigned long long)ref.dev_addr,
			              (unsigned long long)ref.size, ref.type, ref.direction, ref.sg_call_ents, idof(found));
		}
	}
	printf("]}");
	return 0;
}

/*
 * dmasim kernel-vectors, dma-debug-checks target: drives a tree's check_unmap and check_sync
 * (extracted unmodified from kernel/dma/debug.c with the hash table, err_printk and the error
 * counters they use) over entries the driver puts into the hash table with hash_bucket_add, as
 * debug_dma_unmap_page / debug_dma_free_coherent / debug_dma_unmap_sg and the sync hooks call them.
 * Our own code (MIT). Prints one JSON object: a run.
 *
 *   checks SEED ALL_ERRORS NOPS
 *
 * ALL_ERRORS: show_all_errors (1: every finding printed; 0: the boot default, show_num_errors 1).
 * Ops (types by name: single, scather-gather, coherent, resource — or from 6.18 single,
 * scather-gather, coherent, noncoherent, phy; every address a decimal below 2^53 or the string
 * "err" for DMA_MAPPING_ERROR):
 *   ["a",id,dev,dev_addr,size,type,dir,sg,paddr,map_err]           hash_bucket_add
 *   ["u",dev,dev_addr,size,type,dir,sg,paddr,removed,[msgs],errors] check_unmap (removed: the id
 *                                                                  hash_bucket_del took, or -1)
 *   ["s",dev,dev_addr,size,type,dir,sg,to_cpu,[msgs],errors]        check_sync
 * msgs: the WARN texts printed (trailing newline dropped); errors: error_count after the call.
 */
#include <stdarg.h>
#include "kv_checks_extract.h"

static char msgs[16384]; static int msglen, nmsg;
/* the conversions the checks' formats use */
void kv_warn(const char *fmt, ...) {
	char t[1024]; int n = 0; const char *p; va_list ap;
	va_start(ap, fmt);
	for (p = fmt; *p && n < 1000; p++) {
		if (*p != '%') { if (*p == '\n') continue; if (*p == '"' || *p == '\\') t[n++] = '\\'; t[n++] = *p; continue; }
		p++;
		char spec[16]; int sl = 0; spec[sl++] = '%';
		while (*p == '0' || (*p >= '1' && *p <= '9')) spec[sl++] = *p++;
		if (p[0] == 'p' && p[1] == 'a') { phys_addr_t *a = va_arg(ap, phys_addr_t *); n += snprintf(t + n, sizeof t - n, "0x%016llx", (unsigned long long)*a); p++; continue; }
		if (p[0] == 'l' && p[1] == 'l') { spec[sl++] = 'l'; spec[sl++] = 'l'; p += 2; spec[sl++] = *p; spec[sl] = 0; n += snprintf(t + n, sizeof t - n, spec, va_arg(ap, unsigned long long)); continue; }
		if (p[0] == 'z' || p[0] == 'l') { spec[sl++] = *p++; spec[sl++] = *p; spec[sl] = 0; n += snprintf(t + n, sizeof t - n, spec, va_arg(ap, unsigned long)); continue; }
		if (*p == 's') { n += snprintf(t + n, sizeof t - n, "%s", va_arg(ap, const char *)); continue; }
		spec[sl++] = *p; spec[sl] = 0;
		n += snprintf(t + n, sizeof t - n, spec, va_arg(ap, int));
	}
	t[n] = 0;
	va_end(ap);
	msglen += snprintf(msgs + msglen, sizeof msgs - msglen, "%s\"%s\"", nmsg++ ? "," : "", t);
}

#include "../common/kv-rng.h" /* rng, next(), pick() */

static struct device devs[2] = { { "fe300000.mmc", "mydrv" }, { "0000:01:00.0", "nvme" } };
#ifdef KV_PHY
static const int types[] = { dma_debug_single, dma_debug_sg, dma_debug_coherent, dma_debug_noncoherent, dma_debug_phy };
static const char *tnames[] = { "single", "scather-gather", "coherent", "noncoherent", "phy" };
#else
static const int types[] = { dma_debug_single, dma_debug_sg, dma_debug_coherent, dma_debug_resource };
static const char *tnames[] = { "single", "scather-gather", "coherent", "resource" };
#endif
#define NTYPES ((int)(sizeof types / sizeof types[0]))
struct kv { struct dma_debug_entry e; int live; int t; u64 paddr; };
static struct kv ents[4096]; static int nents;
static int first = 1;
static void sep(void) { if (!first) printf(","); first = 0; }

static void set_phys(struct dma_debug_entry *e, u64 p) {
#ifdef KV_PADDR
	e->paddr = p;
#else
	e->pfn = p >> PAGE_SHIFT; e->offset = p & (PAGE_SIZE - 1);
#endif
}
static int devid(struct device *d) { return d == &devs[1]; }
static void addr(u64 a) { if (a == DMA_MAPPING_ERROR) printf("\"err\""); else printf("%llu", (unsigned long long)a); }

int main(int argc, char **argv) {
	unsigned long seed = strtoul(argv[1], NULL, 0);
	int nops = atoi(argv[3]), i;
	static const u64 sizes[] = { 1, 64, 512, 4096, 8192, 16384, 65536 };
	show_all_errors = atoi(argv[2]);
	rng = seed;
	for (i = 0; i < HASH_SIZE; i++) INIT_LIST_HEAD(&dma_entry_hash[i].list);
	printf("{\"seed\":%lu,\"all_errors\":%d,\"ops\":[", seed, (int)show_all_errors);
	for (int op = 0; op < nops; op++) {
		int live = 0; for (i = 0; i < nents; i++) live += ents[i].live;
		unsigned long r = pick(100);
		if (nents < 4096 && (live < 6 || r < 35)) {
			struct kv *k = &ents[nents]; unsigned long flags; struct hash_bucket *b;
			memset(k, 0, sizeof *k);
			k->t = pick(NTYPES);
			k->e.dev = &devs[pick(4) ? 0 : 1];
			k->e.type = types[k->t];
			k->e.dev_addr = 0x40000000ULL + pick(1024) * 4096 + (pick(3) ? 0 : pick(8) * 512);
			k->e.size = pick(4) ? sizes[pick(7)] : 1 + pick(100000);
			k->e.direction = pick(3);
			k->e.sg_call_ents = k->e.type == dma_debug_sg ? 1 + pick(4) : 0;
			k->paddr = 0x80000000ULL + pick(1 << 16) * 4096 + pick(4096);
			set_phys(&k->e, k->paddr);
			k->e.map_err_type = pick(3);
			b = get_hash_bucket(&k->e, &flags);
			hash_bucket_add(b, &k->e);
			put_hash_bucket(b, flags);
			k->live = 1;
			sep(); printf("[\"a\",%d,%d,%llu,%llu,\"%s\",%d,%d,%llu,%d]", nents, devid(k->e.dev), (unsigned long long)k->e.dev_addr, (unsigned long long)k->e.size, tnames[k->t], k->e.direction, k->e.sg_call_ents, (unsigned long long)k->paddr, (int)k->e.map_err_type);
			nents++;
			continue;
		}
		/* a reference: a live entry's, changed or not, or a stray one */
		struct kv *base = NULL;
		if (pick(100) < 85) { int j = pick(nents); for (i = 0; i < nents && !ents[(j + i) % nents].live; i++); if (i < nents) base = &ents[(j + i) % nents]; }
		struct dma_debug_entry ref; int t; u64 paddr;
		memset(&ref, 0, sizeof ref);
		if (base) { ref = base->e; t = base->t; paddr = base->paddr; }
		else { t = pick(NTYPES); ref.dev = &devs[pick(2)]; ref.type = types[t]; ref.dev_addr = 0x40000000ULL + pick(1024) * 4096; ref.size = sizes[pick(7)]; ref.direction = pick(3); paddr = 0x80000000ULL + pick(1 << 16) * 4096; }
		memset(&ref.list, 0, sizeof ref.list);
		if (pick(100) < 20) ref.size = pick(2) ? ref.size + 4096 : (ref.size > 1 ? ref.size / 2 : 1);
		if (pick(100) < 12) { t = pick(NTYPES); ref.type = types[t]; }
		if (pick(100) < 15) ref.direction = pick(4);
		if (pick(100) < 12) paddr += 4096;
		ref.sg_call_ents = ref.type == dma_debug_sg ? (pick(100) < 20 ? 1 + pick(4) : ref.sg_call_ents) : 0;
		if (pick(100) < 4) ref.dev_addr = DMA_MAPPING_ERROR;
		set_phys(&ref, paddr);
		msglen = 0; nmsg = 0; msgs[0] = 0;
		if (r < 70) {
			int removed = -1;
			check_unmap(&ref);
			for (i = 0; i < nents; i++) if (ents[i].live && ents[i].e.list.next == NULL) { ents[i].live = 0; removed = i; }
			sep(); printf("[\"u\",%d,", devid(ref.dev)); addr(ref.dev_addr);
			printf(",%llu,\"%s\",%d,%d,%llu,%d,[%s],%u]", (unsigned long long)ref.size, tnames[t], ref.direction, ref.sg_call_ents, (unsigned long long)paddr, removed, msgs, error_count);
		} else {
			int to_cpu = pick(2);
			if (base && ref.dev_addr != DMA_MAPPING_ERROR && pick(100) < 60) { /* a partial sync inside the mapping, or running past it */
				u64 off = pick(base->e.size); ref.dev_addr = base->e.dev_addr + off;
				ref.size = pick(100) < 80 ? 1 + pick(base->e.size - off) : base->e.size - off + 1 + pick(4096);
			}
			check_sync(ref.dev, &ref, to_cpu);
			sep(); printf("[\"s\",%d,", devid(ref.dev)); addr(ref.dev_addr);
			printf(",%llu,\"%s\",%d,%d,%d,[%s],%u]", (unsigned long long)ref.size, tnames[t], ref.direction, ref.sg_call_ents, to_cpu, msgs, error_count);
		}
	}
	printf("]}");
	return 0;
}

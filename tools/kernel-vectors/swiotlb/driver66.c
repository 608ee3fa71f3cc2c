/*
 * tools/kernel-vectors/swiotlb/driver66.c — drive a pool-era (struct io_tlb_pool, 6.6+) tree's
 * own, unmodified kernel/dma/swiotlb.c in user space and print what it did as JSON vectors:
 * per operation the slot, the pool it came from, every pool's free-list hash and per-area
 * used/index, the allocator's nslabs and used count, the pages the allocator took or gave back,
 * and the messages.
 *
 * dmasim project code (MIT). The kernel file is not part of dmasim: record.sh passes its path
 * (KV_SWIOTLB_C) and the tree's include/linux/swiotlb.h (KV_TREE_SWIOTLB_H); they are #included
 * so that the allocator's static state can be read after every call. Stubs: ./stubs66/.
 *
 * Which API the tree has is detected by record.sh from the tree's header and passed as KV_*
 * macros; CONFIG_SWIOTLB_DYNAMIC is a build of its own (record.sh builds both). Nothing here
 * names a version.
 *
 * Usage: driver66 SEED SWIOTLB_PARAM OPS MIN_ALIGN_MASK SEG_BOUNDARY_MASK WRONG_PCT NCPUS [MAX_ALLOC]
 *   SWIOTLB_PARAM is the swiotlb= text ("1024", "1024,4"); NCPUS is num_possible_cpus();
 *   MAX_ALLOC (optional) caps each map's size after it is drawn (the random stream stays the same).
 * Queued work (the swiotlb_dyn_alloc worker) runs at the start of the next operation.
 */
#include "kstub.h"

#include KV_SWIOTLB_C

/* ---------------------------------------------------------------- stubs' state */
unsigned char kv_arena[KV_ARENA_SIZE] __attribute__((aligned(4096)));
struct page kv_pages[KV_ARENA_SIZE / 4096];
static size_t kv_arena_used;
static size_t kv_pages_used = KV_PAGES_BASE;
jmp_buf kv_fault_jmp;
char kv_fault_msg[512];
static char kv_fault_kind[32];
unsigned long kv_span_calls, kv_span_bound = ~0UL;
static int kv_ratelimit_printed;
unsigned int kv_ncpus = 1;
void *high_memory = kv_arena + KV_ARENA_SIZE;

void *kv_memblock_alloc(size_t size, size_t align)
{
	size_t a = (kv_arena_used + align - 1) & ~(align - 1);
	if (a + size > KV_PAGES_BASE) /* memblock below the page allocator's window */
		return NULL;
	kv_arena_used = a + size;
	memset(kv_arena + a, 0, size);
	return kv_arena + a;
}

/* page allocator events of the current operation, as a JSON array body */
static char kv_pagelog[4096];
static size_t kv_pagelog_len;
static void page_event(const char *what, size_t off, unsigned int order)
{
	if (kv_pagelog_len) kv_pagelog[kv_pagelog_len++] = ',';
	kv_pagelog_len += (size_t)snprintf(kv_pagelog + kv_pagelog_len, sizeof(kv_pagelog) - kv_pagelog_len,
					   "{\"%s\":\"0x%llx\",\"order\":%u}", what, (unsigned long long)(KV_PHYS_BASE + off), order);
}

void *kv_alloc_pages(gfp_t g, unsigned int order)
{
	size_t sz = PAGE_SIZE << order;
	size_t a = (kv_pages_used + sz - 1) & ~(sz - 1);
	(void)g;
	if (a + sz > KV_PAGES_END) {
		page_event("fail", a, order);
		return NULL;
	}
	kv_pages_used = a + sz;
	page_event("alloc", a, order);
	return kv_arena + a;
}

void kv_free_pages(void *v, unsigned int order)
{
	page_event("free", (size_t)((unsigned char *)v - kv_arena), order);
}

static struct work_struct *kv_workq[8];
static int kv_nwork;
void kv_schedule_work(struct work_struct *w)
{
	if (w->pending) return;
	w->pending = 1;
	kv_workq[kv_nwork++] = w;
}
static void kv_run_work(void)
{
	while (kv_nwork) {
		struct work_struct *w = kv_workq[0];
		memmove(kv_workq, kv_workq + 1, (size_t)(--kv_nwork) * sizeof(*kv_workq));
		w->pending = 0;
		w->func(w);
	}
}

#include "kv-messages.h"

/* ---------------------------------------------------------------- the tree's state */
static struct device kv_dev; /* defined with the generator below */
#define MEM (&io_tlb_default_mem)
#define DEFPOOL (&io_tlb_default_mem.defpool)

/* FNV-1a over a pool's free list (each entry as 4 little-endian bytes) */
static uint32_t list_hash(struct io_tlb_pool *p)
{
	uint32_t h = 2166136261u;
	for (unsigned long i = 0; i < p->nslabs; i++) {
		uint32_t v = (uint32_t)p->slots[i].list;
		for (int b = 0; b < 4; b++) { h ^= (v >> (8 * b)) & 0xff; h *= 16777619u; }
	}
	return h;
}

static void pool_json(struct io_tlb_pool *p)
{
	unsigned long used = 0;
	printf("{\"start\":\"0x%llx\",\"nslabs\":%lu,\"nareas\":%u,\"list\":\"%08x\",\"areas\":[", (unsigned long long)p->start, p->nslabs, p->nareas, list_hash(p));
	for (unsigned int a = 0; a < p->nareas; a++) {
		printf("%s[%lu,%u]", a ? "," : "", p->areas[a].used, p->areas[a].index);
		used += p->areas[a].used;
	}
	printf("],\"used\":%lu", used);
#ifdef CONFIG_SWIOTLB_DYNAMIC
	printf(",\"transient\":%s", p->transient ? "true" : "false");
#endif
	printf("}");
}

static void state_json(void)
{
	printf("\"mem_nslabs\":%lu,\"mem_used\":%lu,\"pools\":[", MEM->nslabs, mem_used(MEM));
#ifdef CONFIG_SWIOTLB_DYNAMIC
	struct io_tlb_pool *p;
	int n = 0;
	list_for_each_entry_rcu(p, &MEM->pools, node) { if (n++) printf(","); pool_json(p); }
	printf("],\"dev_pools\":[");
	n = 0;
	list_for_each_entry_rcu(p, &kv_dev.dma_io_tlb_pools, node) { if (n++) printf(","); pool_json(p); }
	printf("]");
#else
	pool_json(DEFPOOL);
	printf("]");
#endif
}

#include "kv-driver.h" /* bytes_hash, rnd/below, kv_dev, live[], ORIG_*, dir_name, pick_size, pick_orig */




static void end_op(const char *fault)
{
	printf(",\"pages\":[%s]", kv_pagelog);
	end_op_msgs(fault);
}


int main(int argc, char **argv)
{
	if (argc < 8) {
		fprintf(stderr, "usage: %s SEED SWIOTLB_PARAM OPS MIN_ALIGN_MASK SEG_BOUNDARY_MASK WRONG_PCT NCPUS\n", argv[0]);
		return 2;
	}
	uint64_t seed = strtoull(argv[1], NULL, 0);
	const char *param_arg = argv[2];
	int nops = atoi(argv[3]);
	kv_parms.min_align_mask = (unsigned int)strtoul(argv[4], NULL, 0);
	kv_parms.segment_boundary_mask = strtoul(argv[5], NULL, 0);
	int wrong_pct = atoi(argv[6]);
	kv_ncpus = (unsigned int)atoi(argv[7]);
	size_t max_alloc = argc > 8 ? (size_t)strtoul(argv[8], NULL, 0) : 0;
	rng_state = seed ? seed : 0x9e3779b97f4a7c15ULL;

	for (size_t i = KV_ARENA_SIZE / 2; i < KV_ARENA_SIZE; i++) kv_arena[i] = (unsigned char)(((KV_PHYS_BASE + i) * 131) >> 8);

	printf("{\"boot\":{");
	char param[64];
	snprintf(param, sizeof param, "%s", param_arg);
	kv_msgs_len = 0; kv_msgs[0] = 0;
	kv_pagelog_len = 0; kv_pagelog[0] = 0;
	if (setjmp(kv_fault_jmp)) {
		printf("\"fault\":\"%s\"}}\n", kv_fault_msg);
		return 1;
	}
	/* boot: the kernel's own swiotlb= parser, then its own init; then device_initialize's part */
	setup_io_tlb_npages(param);
	swiotlb_init(true, SWIOTLB_VERBOSE);
	swiotlb_dev_init(&kv_dev);
#ifdef CONFIG_SWIOTLB_DYNAMIC
	const bool dynamic = true;
#else
	const bool dynamic = false;
#endif
	printf("\"start\":\"0x%llx\",\"nslabs\":%lu,\"ncpus\":%u,\"param\":\"%s\",\"dynamic\":%s,\"debug_fs\":true,\"min_align_mask\":\"0x%x\",\"segment_boundary_mask\":\"0x%lx\",\"seed\":\"0x%llx\",",
	       (unsigned long long)DEFPOOL->start, DEFPOOL->nslabs, kv_ncpus, param_arg, dynamic ? "true" : "false", kv_parms.min_align_mask,
	       dma_get_seg_boundary(&kv_dev), (unsigned long long)seed);
	state_json();
	printf(",\"pages\":[%s],\"msgs\":[%s]},\"ops\":[\n", kv_pagelog, kv_msgs);
	kv_span_bound = ~0UL;

	for (int op = 0; op < nops; op++) {
		volatile bool stop = false;
		kv_msgs_len = 0; kv_msgs[0] = 0;
		kv_pagelog_len = 0; kv_pagelog[0] = 0;
		kv_span_calls = 0;
		if (setjmp(kv_fault_jmp)) { /* a fault in the queued work */
			printf("%s{\"op\":\"work\",\"result\":\"fault\"", op ? ",\n" : "");
			end_op(kv_fault_msg);
			break;
		}
		kv_run_work();
		uint32_t r = below(100);
		if (op) printf(",\n");
		if (nlive == 0 || (r < 58 && nlive < MAXLIVE)) {
			size_t alloc = pick_size();
			if (max_alloc && alloc > max_alloc) alloc = max_alloc;
			size_t mapping = alloc;
			uint32_t m = below(20);
			if (m == 0) mapping = alloc + 1 + below(64);
			else if (m < 3) mapping = 1 + below((uint32_t)alloc);
			phys_addr_t orig = pick_orig(alloc + 64);
			int dir = (int)below(3);
			unsigned long attrs = 0;
			if (below(8) == 0) attrs |= DMA_ATTR_NO_WARN;
			if (below(8) == 0) attrs |= DMA_ATTR_SKIP_CPU_SYNC;
			unsigned int align_mask = 0;
			if (below(6) == 0) align_mask = (unsigned int)((PAGE_SIZE << below(3)) - 1);
#ifdef KV_MAP_NO_ALLOC_SIZE
			/* no alloc_size argument: the mapping is what is allocated */
			if (mapping > alloc) alloc = mapping;
#endif
			printf("{\"op\":\"map\",\"orig\":\"0x%llx\",\"mapping_size\":%zu,\"alloc_size\":%zu,\"dir\":\"%s\",\"attrs\":%lu,\"alloc_align_mask\":\"0x%x\"",
			       (unsigned long long)orig, mapping, alloc, dir_name(dir), attrs, align_mask);
			phys_addr_t tlb;
			if (setjmp(kv_fault_jmp)) {
				stop = true;
				printf(",\"result\":\"fault\"");
				end_op(kv_fault_msg);
				break;
			}
#ifdef KV_MAP_NO_ALLOC_SIZE
			tlb = swiotlb_tbl_map_single(&kv_dev, orig, mapping, align_mask, dir, attrs);
#else
			tlb = swiotlb_tbl_map_single(&kv_dev, orig, mapping, alloc, align_mask, dir, attrs);
#endif
			if (tlb == (phys_addr_t)DMA_MAPPING_ERROR) {
				printf(",\"result\":\"DMA_MAPPING_ERROR\",");
			} else {
				struct io_tlb_pool *p = swiotlb_find_pool(&kv_dev, tlb);
				unsigned long slot = (unsigned long)((tlb - p->start) >> IO_TLB_SHIFT);
				printf(",\"result\":\"0x%llx\",\"pool\":\"0x%llx\",\"slot\":%lu,\"offset\":%llu,\"tlbsum\":\"%08x\",", (unsigned long long)tlb,
				       (unsigned long long)p->start, slot, (unsigned long long)(tlb & (IO_TLB_SIZE - 1)), bytes_hash(phys_to_virt(tlb), mapping));
				if (dir != DMA_TO_DEVICE) {
					unsigned char *q = phys_to_virt(tlb);
					for (size_t i = 0; i < mapping; i++) q[i] = (unsigned char)(op * 7 + i);
				}
				live[nlive++] = (struct live){ tlb, orig, mapping, alloc, dir, attrs };
			}
			state_json();
			end_op(NULL);
		} else if (r < 94) {
			int li = (int)below((uint32_t)nlive);
			struct live L = live[li];
			live[li] = live[--nlive];
			size_t msize = L.mapping_size;
			bool wrong = (int)below(100) < wrong_pct;
			if (wrong) msize = 1 + below((uint32_t)(L.mapping_size * 2));
			unsigned long attrs = L.attrs & DMA_ATTR_SKIP_CPU_SYNC;
			printf("{\"op\":\"unmap\",\"tlb\":\"0x%llx\",\"mapping_size\":%zu,\"alloc_size\":%zu,\"dir\":\"%s\",\"attrs\":%lu,\"wrong\":%s,\"orig\":\"0x%llx\",\"mapped\":%zu",
			       (unsigned long long)L.tlb, msize, L.alloc_size, dir_name(L.dir), attrs, wrong ? "true" : "false", (unsigned long long)L.orig, L.mapping_size);
			if (setjmp(kv_fault_jmp)) {
				stop = true;
				printf(",\"result\":\"fault\"");
				end_op(kv_fault_msg);
				break;
			}
			swiotlb_tbl_unmap_single(&kv_dev, L.tlb, msize, L.dir, attrs);
			printf(",\"origsum\":\"%08x\",", bytes_hash(phys_to_virt(L.orig), L.mapping_size));
			state_json();
			end_op(NULL);
		} else {
			struct live L = live[below((uint32_t)nlive)];
			size_t off = below((uint32_t)L.mapping_size);
			size_t size = 1 + below((uint32_t)(L.mapping_size - off));
			bool for_cpu = below(2);
			printf("{\"op\":\"%s\",\"tlb\":\"0x%llx\",\"size\":%zu,\"dir\":\"%s\",\"base\":\"0x%llx\",\"orig\":\"0x%llx\",\"mapped\":%zu",
			       for_cpu ? "sync_for_cpu" : "sync_for_device", (unsigned long long)(L.tlb + off), size, dir_name(L.dir),
			       (unsigned long long)L.tlb, (unsigned long long)L.orig, L.mapping_size);
			if (setjmp(kv_fault_jmp)) {
				stop = true;
				printf(",\"result\":\"fault\"");
				end_op(kv_fault_msg);
				break;
			}
			if (for_cpu) swiotlb_sync_single_for_cpu(&kv_dev, L.tlb + off, size, L.dir);
			else swiotlb_sync_single_for_device(&kv_dev, L.tlb + off, size, L.dir);
			printf(",\"origsum\":\"%08x\",\"tlbsum\":\"%08x\",", bytes_hash(phys_to_virt(L.orig), L.mapping_size),
			       bytes_hash(phys_to_virt(L.tlb), L.mapping_size));
			state_json();
			end_op(NULL);
		}
		if (stop) break;
	}
	printf("\n]}\n");
	return 0;
}

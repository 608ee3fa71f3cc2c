/*
 * tools/kernel-vectors/swiotlb/driver.c — drive a kernel tree's own, unmodified
 * kernel/dma/swiotlb.c in user space and print what it did as JSON vectors.
 *
 * dmasim project code (MIT). The kernel file is not part of dmasim: record.sh
 * passes its path (KV_SWIOTLB_C) and the tree's include/linux/swiotlb.h
 * (KV_TREE_SWIOTLB_H); they are #included below so that the allocator's static
 * state (free list, next index, used count) can be read after every call.
 *
 * Which API the tree has is detected by record.sh from the tree's header and
 * passed as KV_* macros (see record.sh); nothing here names a version.
 *
 * Usage: driver SEED NSLABS OPS MIN_ALIGN_MASK SEG_BOUNDARY_MASK WRONG_PCT [NR_CPUS [RMEM]]
 *   (masks in hex or decimal; SEG_BOUNDARY_MASK 0 = the default ULONG_MAX). NSLABS is the
 *   text given to the tree's own swiotlb= parser ("1024", or "1024,4" where the tree has
 *   areas). NR_CPUS (default 1) is num_possible_cpus(); with areas (KV_AREAS) each map runs
 *   on a CPU the generator picks, recorded as "cpu". RMEM 1 (trees with restricted DMA pools,
 *   KV_RMEM): the device gets a restricted-dma-pool of NSLABS slots through the tree's own
 *   rmem_swiotlb_setup and device_init, every op works on that pool, and a quarter of the ops
 *   are swiotlb_alloc / swiotlb_free of whole pages.
 * Output (stdout): one JSON object {"boot":..., "ops":[...]}; record.sh wraps it.
 */
#include "kstub.h"

#include KV_SWIOTLB_C

#ifndef IO_TLB_SIZE
#define IO_TLB_SIZE (1 << IO_TLB_SHIFT)
#endif

/* ---------------------------------------------------------------- stubs' state */
unsigned char kv_arena[KV_ARENA_SIZE] __attribute__((aligned(4096)));
static size_t kv_arena_used;
jmp_buf kv_fault_jmp;
char kv_fault_msg[512];
static char kv_fault_kind[32];
unsigned long kv_span_calls, kv_span_bound = ~0UL;
unsigned int kv_cpu, kv_nr_cpus = 1;
static int kv_ratelimit_printed;

void *kv_memblock_alloc(size_t size, size_t align)
{
	size_t a = (kv_arena_used + align - 1) & ~(align - 1);
	if (a + size > KV_ARENA_SIZE / 2) /* the upper half holds the originals */
		return NULL;
	kv_arena_used = a + size;
	memset(kv_arena + a, 0, size);
	return kv_arena + a;
}

#include "kv-messages.h"

/* ---------------------------------------------------------------- the tree's state, per API */
static struct device kv_dev;
#if defined(KV_DEV_MEM)
/* 5.15+: the device's pool (io_tlb_default_mem, or its restricted-dma-pool) */
#define POOL (kv_dev.dma_io_tlb_mem)
#elif defined(KV_MEM_STRUCT)
#define POOL (&io_tlb_default_mem)
#elif defined(KV_MEM_PTR)
#define POOL (io_tlb_default_mem)
#endif

#if defined(POOL) && defined(KV_AREAS)
/* 6.0+: used and the next-search index live per area (struct io_tlb_area) */
#define S_NSLABS (POOL->nslabs)
#define S_USED (mem_used(POOL))
#define S_INDEX (POOL->areas[0].index)
#define S_START (POOL->start)
#define S_LIST(i) (POOL->slots[i].list)
#elif defined(POOL)
#define S_NSLABS (POOL->nslabs)
#define S_USED (POOL->used)
#define S_INDEX (POOL->index)
#define S_START (POOL->start)
#define S_LIST(i) (POOL->slots[i].list)
#else
#define S_NSLABS io_tlb_nslabs
#define S_USED io_tlb_used
#define S_INDEX io_tlb_index
#define S_START io_tlb_start
#define S_LIST(i) io_tlb_list[i]
#endif

/* FNV-1a over the free list (each entry as 4 little-endian bytes) */
static uint32_t list_hash(void)
{
	uint32_t h = 2166136261u;
	for (unsigned long i = 0; i < S_NSLABS; i++) {
		uint32_t v = (uint32_t)S_LIST(i);
		for (int b = 0; b < 4; b++) { h ^= (v >> (8 * b)) & 0xff; h *= 16777619u; }
	}
	return h;
}

#include "kv-driver.h" /* bytes_hash, rnd/below, kv_dev, live[], ORIG_*, dir_name, pick_size, pick_orig */


#ifdef KV_RMEM
static struct reserved_mem kv_rmem = { .name = "restricted-dma-pool" };
struct kv_alloc { phys_addr_t tlb; size_t size; };
static struct kv_alloc kv_allocs[MAXLIVE];
static int nallocs;
#endif


static void state_json(void)
{
	printf("\"used\":%ld,\"index\":%lu,\"list\":\"%08x\"", (long)S_USED, (unsigned long)S_INDEX, list_hash());
#ifdef KV_AREAS
	printf(",\"areas\":[");
	for (unsigned int a = 0; a < POOL->nareas; a++)
		printf("%s{\"index\":%u,\"used\":%lu}", a ? "," : "", POOL->areas[a].index, POOL->areas[a].used);
	printf("]");
#endif
}

static void end_op(const char *fault) { end_op_msgs(fault); }


int main(int argc, char **argv)
{
	if (argc < 7) {
		fprintf(stderr, "usage: %s SEED NSLABS OPS MIN_ALIGN_MASK SEG_BOUNDARY_MASK WRONG_PCT\n", argv[0]);
		return 2;
	}
	uint64_t seed = strtoull(argv[1], NULL, 0);
	const char *nslabs_arg = argv[2];
	int nops = atoi(argv[3]);
	kv_parms.min_align_mask = (unsigned int)strtoul(argv[4], NULL, 0);
	kv_parms.segment_boundary_mask = strtoul(argv[5], NULL, 0);
	int wrong_pct = atoi(argv[6]);
	if (argc > 7) kv_nr_cpus = (unsigned int)atoi(argv[7]);
	int rmem = argc > 8 ? atoi(argv[8]) : 0;
	if (kv_nr_cpus < 1) kv_nr_cpus = 1;
	rng_state = seed ? seed : 0x9e3779b97f4a7c15ULL;

	/* originals: a deterministic byte pattern the replay reproduces (byte = (phys * 131) >> 8) */
	for (size_t i = KV_ARENA_SIZE / 2; i < KV_ARENA_SIZE; i++) kv_arena[i] = (unsigned char)(((KV_PHYS_BASE + i) * 131) >> 8);

	printf("{\"boot\":{");
	/* boot: the kernel's own swiotlb= parser (its messages are boot messages), then its own init */
	char param[64];
	snprintf(param, sizeof param, "%s", nslabs_arg);
	kv_msgs_len = 0; kv_msgs[0] = 0;
	setup_io_tlb_npages(param);
	if (setjmp(kv_fault_jmp)) {
		printf("\"fault\":\"%s\"}}\n", kv_fault_msg);
		return 1;
	}
#ifdef KV_INIT_FLAGS
	swiotlb_init(true, SWIOTLB_VERBOSE);
#else
	swiotlb_init(1);
#endif
#ifdef KV_DEV_MEM
	kv_dev.dma_io_tlb_mem = &io_tlb_default_mem;
#endif
#ifdef KV_RMEM
	if (rmem) {
		/* a restricted-dma-pool region of NSLABS slots: the tree's own setup and device_init */
		unsigned long rslabs = strtoul(nslabs_arg, NULL, 0);
		void *r = kv_memblock_alloc(rslabs << IO_TLB_SHIFT, PAGE_SIZE);
		kv_rmem.base = virt_to_phys(r);
		kv_rmem.size = rslabs << IO_TLB_SHIFT;
		if (rmem_swiotlb_setup(&kv_rmem) || kv_rmem.ops->device_init(&kv_rmem, &kv_dev)) {
			printf("\"fault\":\"restricted-dma-pool setup failed\"}}\n");
			return 1;
		}
		printf("\"rmem\":{\"base\":\"0x%llx\",\"size\":%llu},", (unsigned long long)kv_rmem.base, (unsigned long long)kv_rmem.size);
	}
#else
	(void)rmem;
#endif
#ifdef KV_AREAS
	printf("\"swiotlb\":\"%s\",\"nr_cpus\":%u,\"nareas\":%u,\"area_nslabs\":%u,", nslabs_arg, kv_nr_cpus, POOL->nareas, POOL->area_nslabs);
#endif
	printf("\"start\":\"0x%llx\",\"nslabs\":%lu,\"min_align_mask\":\"0x%x\",\"segment_boundary_mask\":\"0x%lx\",\"seed\":\"0x%llx\",",
	       (unsigned long long)S_START, (unsigned long)S_NSLABS, kv_parms.min_align_mask, dma_get_seg_boundary(&kv_dev),
	       (unsigned long long)seed);
	state_json();
	printf(",\"msgs\":[%s]},\"ops\":[\n", kv_msgs);
	/* a search visits each slot at most once per wrap: more candidates than 2 * nslabs is a cycle */
	kv_span_bound = 2 * S_NSLABS + 2;

	for (int op = 0; op < nops; op++) {
		volatile bool stop = false;
		kv_msgs_len = 0; kv_msgs[0] = 0;
		kv_span_calls = 0;
		uint32_t r = below(100);
		if (op) printf(",\n");
#ifdef KV_RMEM
		if (rmem && below(4) == 0) {
			/* ---- swiotlb_alloc / swiotlb_free: what dma_direct_alloc/free do for this device ---- */
			if (setjmp(kv_fault_jmp)) {
				printf(",\"result\":\"fault\"");
				end_op(kv_fault_msg);
				break;
			}
			if (nallocs == 0 || (below(2) && nallocs < MAXLIVE)) {
				size_t size = (size_t)(1 + below(24)) * PAGE_SIZE;
				kv_cpu = below(kv_nr_cpus);
				printf("{\"op\":\"alloc\",\"size\":%zu,\"cpu\":%u", size, kv_cpu);
				struct page *pg = swiotlb_alloc(&kv_dev, size);
				if (!pg) {
					printf(",\"result\":\"NULL\",");
				} else {
					phys_addr_t t = page_to_phys(pg);
					printf(",\"result\":\"0x%llx\",\"slot\":%lu,", (unsigned long long)t, (unsigned long)((t - S_START) >> IO_TLB_SHIFT));
					kv_allocs[nallocs++] = (struct kv_alloc){ t, size };
				}
			} else {
				int ai = (int)below((uint32_t)nallocs);
				struct kv_alloc A = kv_allocs[ai];
				kv_allocs[ai] = kv_allocs[--nallocs];
				printf("{\"op\":\"free\",\"tlb\":\"0x%llx\",\"size\":%zu", (unsigned long long)A.tlb, A.size);
				bool ok = swiotlb_free(&kv_dev, pfn_to_page(PFN_DOWN(A.tlb)), A.size);
				printf(",\"result\":%s,", ok ? "true" : "false");
			}
			state_json();
			end_op(NULL);
			continue;
		}
#endif
		if (nlive == 0 || (r < 58 && nlive < MAXLIVE)) {
			/* ---- map ---- */
			size_t alloc = pick_size();
			size_t mapping = alloc;
			uint32_t m = below(20);
			if (m == 0) mapping = alloc + 1 + below(64);      /* mapping > alloc: "Invalid sizes" */
			else if (m < 3) mapping = 1 + below((uint32_t)alloc); /* a shorter mapping */
			phys_addr_t orig = pick_orig(alloc + 64);
			int dir = (int)below(3); /* BIDIRECTIONAL, TO_DEVICE, FROM_DEVICE */
			unsigned long attrs = 0;
			if (below(8) == 0) attrs |= DMA_ATTR_NO_WARN;
			if (below(8) == 0) attrs |= DMA_ATTR_SKIP_CPU_SYNC;
			unsigned int align_mask = 0;
#ifdef KV_AREAS
			kv_cpu = below(kv_nr_cpus);
#endif
#ifdef KV_MAP_ALIGN_MASK
			if (below(6) == 0) align_mask = (unsigned int)((PAGE_SIZE << below(3)) - 1);
#endif
			printf("{\"op\":\"map\",\"orig\":\"0x%llx\",\"mapping_size\":%zu,\"alloc_size\":%zu,\"dir\":\"%s\",\"attrs\":%lu,\"alloc_align_mask\":\"0x%x\"",
			       (unsigned long long)orig, mapping, alloc, dir_name(dir), attrs, align_mask);
#ifdef KV_AREAS
			printf(",\"cpu\":%u", kv_cpu);
#endif
			phys_addr_t tlb;
			if (setjmp(kv_fault_jmp)) {
				stop = true;
				printf(",\"result\":\"fault\"");
				end_op(kv_fault_msg);
				break;
			}
#if defined(KV_MAP_TBL_DMA_ADDR)
			tlb = swiotlb_tbl_map_single(&kv_dev, __phys_to_dma(&kv_dev, S_START), orig, mapping, alloc, dir, attrs);
#elif defined(KV_MAP_ALIGN_MASK)
			tlb = swiotlb_tbl_map_single(&kv_dev, orig, mapping, alloc, align_mask, dir, attrs);
#else
			(void)align_mask;
			tlb = swiotlb_tbl_map_single(&kv_dev, orig, mapping, alloc, dir, attrs);
#endif
			if (tlb == (phys_addr_t)DMA_MAPPING_ERROR) {
				printf(",\"result\":\"DMA_MAPPING_ERROR\",");
			} else {
				unsigned long slot = (unsigned long)((tlb - S_START) >> IO_TLB_SHIFT);
				printf(",\"result\":\"0x%llx\",\"slot\":%lu,\"offset\":%llu,\"tlbsum\":\"%08x\",", (unsigned long long)tlb, slot,
				       (unsigned long long)(tlb & (IO_TLB_SIZE - 1)), bytes_hash(phys_to_virt(tlb), mapping));
				/* the device writes the whole mapping for FROM_DEVICE / BIDIRECTIONAL */
				if (dir != DMA_TO_DEVICE) {
					unsigned char *p = phys_to_virt(tlb);
					for (size_t i = 0; i < mapping; i++) p[i] = (unsigned char)(op * 7 + i);
				}
				live[nlive++] = (struct live){ tlb, orig, mapping, alloc, dir, attrs };
			}
			state_json();
			end_op(NULL);
		} else if (r < 94) {
			/* ---- unmap, with the size the caller passes ---- */
			int li = (int)below((uint32_t)nlive);
			struct live L = live[li];
			live[li] = live[--nlive];
			size_t msize = L.mapping_size, asize = L.alloc_size;
			bool wrong = (int)below(100) < wrong_pct;
			if (wrong) {
#ifdef KV_UNMAP_ALLOC_SIZE
				/* keep every slot the kernel would touch inside the pool */
				unsigned long slot = (unsigned long)((L.tlb - S_START) >> IO_TLB_SHIFT);
				unsigned long room = (S_NSLABS - slot) * IO_TLB_SIZE;
				asize = 1 + below((uint32_t)min(room, (unsigned long)(L.alloc_size * 2 + 8192)));
				msize = min(msize, asize);
#else
				msize = 1 + below((uint32_t)(L.mapping_size * 2));
#endif
			}
			unsigned long attrs = L.attrs & DMA_ATTR_SKIP_CPU_SYNC;
			printf("{\"op\":\"unmap\",\"tlb\":\"0x%llx\",\"mapping_size\":%zu,\"alloc_size\":%zu,\"dir\":\"%s\",\"attrs\":%lu,\"wrong\":%s,\"orig\":\"0x%llx\",\"mapped\":%zu",
			       (unsigned long long)L.tlb, msize, asize, dir_name(L.dir), attrs, wrong ? "true" : "false", (unsigned long long)L.orig, L.mapping_size);
			if (setjmp(kv_fault_jmp)) {
				stop = true;
				printf(",\"result\":\"fault\"");
				end_op(kv_fault_msg);
				break;
			}
#ifdef KV_UNMAP_ALLOC_SIZE
			swiotlb_tbl_unmap_single(&kv_dev, L.tlb, msize, asize, L.dir, attrs);
#else
			(void)asize;
			swiotlb_tbl_unmap_single(&kv_dev, L.tlb, msize, L.dir, attrs);
#endif
			printf(",\"origsum\":\"%08x\",", bytes_hash(phys_to_virt(L.orig), L.mapping_size));
			state_json();
			end_op(NULL);
		} else {
			/* ---- sync part of a live mapping ---- */
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
#ifdef KV_SYNC_SINGLE
			swiotlb_tbl_sync_single(&kv_dev, L.tlb + off, size, L.dir, for_cpu ? SYNC_FOR_CPU : SYNC_FOR_DEVICE);
#else
			if (for_cpu) swiotlb_sync_single_for_cpu(&kv_dev, L.tlb + off, size, L.dir);
			else swiotlb_sync_single_for_device(&kv_dev, L.tlb + off, size, L.dir);
#endif
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

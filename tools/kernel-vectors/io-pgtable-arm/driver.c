/*
 * dmasim kernel-vectors, io-pgtable-arm target: drives the unmodified drivers/iommu/io-pgtable-arm.c
 * of a tree (an ARM LPAE stage-1 table: 4 KiB granule, 48-bit input, 44-bit output, coherent walk,
 * as arm-smmu-v3 sets it up for a DMA domain) with a seeded sequence of map / unmap / iova_to_phys,
 * and prints each answer, every TLB callback the code makes, and every 25 ops all the leaf
 * descriptors as [level, iova, pte]. Our own code (MIT).
 *   driver SEED NOPS strict|lazy
 * Compile-time: -DKV_MAP_PAGES (5.15+: map_pages / unmap_pages with a page count), -DKV_MAP_NO_GFP
 * (5.6: ops->map takes no gfp).
 * Ops: ["map",iova,paddr,pgsize,pgcount,prot,ret,mapped] ["unmap",iova,pgsize,pgcount,ret]
 *      ["phys",iova,paddr] ["tlb",kind,iova,size,granule] ["leaves",[[lvl,iova,pte_hi,pte_lo,count]...],tables]
 */
#include <linux/io-pgtable.h>
#include <inttypes.h>

int kstub_warns;
unsigned long jiffies;
static int ntables;

int kstub_get_order(unsigned long size) { int o = 0; while ((PAGE_SIZE << o) < size) o++; return o; }
struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order) {
	struct page *p = malloc(sizeof *p);
	(void)nid; (void)gfp;
	if (posix_memalign(&p->addr, PAGE_SIZE << order, PAGE_SIZE << order)) return NULL;
	memset(p->addr, 0, PAGE_SIZE << order);
	ntables++;
	return p;
}
void __free_pages(struct page *p, unsigned int order) { (void)order; free(p->addr); free(p); ntables--; }
void free_pages(unsigned long addr, unsigned int order) { (void)order; free((void *)addr); ntables--; }

static uint64_t rng;
static uint64_t next(void) {
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static unsigned long pick(unsigned long n) { return (unsigned long)(next() % n); }

static void tlb_flush_all(void *cookie) { (void)cookie; printf(",\n[\"tlb\",\"flush_all\",0,0,0]"); }
static void tlb_flush_walk(unsigned long iova, size_t size, size_t granule, void *cookie) {
	(void)cookie; printf(",\n[\"tlb\",\"flush_walk\",%lu,%zu,%zu]", iova, size, granule);
}
static void tlb_flush_leaf(unsigned long iova, size_t size, size_t granule, void *cookie) {
	(void)cookie; printf(",\n[\"tlb\",\"flush_leaf\",%lu,%zu,%zu]", iova, size, granule);
}
static void tlb_add_page(struct iommu_iotlb_gather *g, unsigned long iova, size_t granule, void *cookie) {
	(void)g; (void)cookie; printf(",\n[\"tlb\",\"add_page\",%lu,%zu,0]", iova, granule);
}
static struct iommu_flush_ops flush_ops;

static u64 *pgd;
/* leaves are printed as runs: [lvl, iova, pte_hi, pte_lo, count] = count descriptors at one level,
 * consecutive in iova and in output address, with the same attributes */
static int run_lvl = -1, first_run = 1;
static unsigned long run_iova, run_count;
static u64 run_pte, run_next;
static void flush_run(void) {
	if (run_lvl < 0) return;
	printf("%s[%d,%lu,%" PRIu64 ",%" PRIu64 ",%lu]", first_run ? "" : ",", run_lvl, run_iova, run_pte >> 32, run_pte & 0xffffffffULL, run_count);
	first_run = 0;
	run_lvl = -1;
}
static void leaf(int lvl, unsigned long iova, u64 pte, unsigned long span) {
	if (run_lvl == lvl && iova == run_iova + run_count * span && pte == run_next) {
		run_count++;
		run_next += span;
		return;
	}
	flush_run();
	run_lvl = lvl; run_iova = iova; run_pte = pte; run_count = 1; run_next = pte + span;
}
static void dump(u64 *table, int lvl, unsigned long base) {
	int i;
	unsigned long span = 1UL << (12 + 9 * (3 - lvl));
	for (i = 0; i < 512; i++) {
		u64 pte = table[i];
		unsigned long iova = base + (unsigned long)i * span;
		if (!pte) continue;
		if ((lvl == 3 && (pte & 3) == 3) || (lvl < 3 && (pte & 3) == 1))
			leaf(lvl, iova, pte, span);
		else if (lvl < 3 && (pte & 3) == 3)
			dump((u64 *)(uintptr_t)(pte & 0x0000fffffffff000ULL), lvl + 1, iova);
	}
}
static void leaves(void) {
	first_run = 1;
	run_lvl = -1;
	printf(",\n[\"leaves\",[");
	dump(pgd, 0, 0);
	flush_run();
	printf("],%d]", ntables);
}

struct live { unsigned long iova, pgsize, pgcount; };
static struct live lives[4096];
static int nlive;

static int overlaps(unsigned long iova, unsigned long len) {
	int j;
	for (j = 0; j < nlive; j++) {
		unsigned long a = lives[j].iova, b = a + lives[j].pgsize * lives[j].pgcount;
		if (iova < b && a < iova + len) return 1;
	}
	return 0;
}

int main(int argc, char **argv) {
	static struct io_pgtable_cfg cfg;
	static struct device smmu_dev;
	struct io_pgtable *iop;
	struct io_pgtable_ops *ops;
	static struct iommu_iotlb_gather gather;
	unsigned long seed = strtoul(argv[1], 0, 0), nops = strtoul(argv[2], 0, 0), k;
	int lazy = strcmp(argv[3], "lazy") == 0;
	static const unsigned long sizes[] = { SZ_4K, SZ_4K, SZ_4K, SZ_4K, SZ_4K, SZ_2M, SZ_2M, SZ_2M, SZ_2M, SZ_2M, SZ_2M, SZ_1G };
	static const int prots[] = { IOMMU_READ | IOMMU_WRITE, IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE, IOMMU_READ,
		IOMMU_READ | IOMMU_CACHE, IOMMU_WRITE, IOMMU_READ | IOMMU_WRITE | IOMMU_NOEXEC, IOMMU_READ | IOMMU_MMIO,
		IOMMU_READ | IOMMU_WRITE | IOMMU_PRIV | IOMMU_CACHE, 0 };

	rng = seed;
	flush_ops.tlb_flush_all = tlb_flush_all;
	flush_ops.tlb_flush_walk = tlb_flush_walk;
#ifndef KV_NO_FLUSH_LEAF
	flush_ops.tlb_flush_leaf = tlb_flush_leaf;
#else
	(void)tlb_flush_leaf;
#endif
	flush_ops.tlb_add_page = tlb_add_page;
	cfg.pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G;
	cfg.ias = 48;
	cfg.oas = 44;
	cfg.coherent_walk = true;
	cfg.iommu_dev = &smmu_dev; /* 5.6 reads iommu_dev->dma_pfn_offset */
	cfg.tlb = &flush_ops;
#ifdef IO_PGTABLE_QUIRK_NON_STRICT
	cfg.quirks = lazy ? IO_PGTABLE_QUIRK_NON_STRICT : 0; /* 5.6–5.14: lazy unmap is a page-table quirk */
#endif
	iop = io_pgtable_arm_64_lpae_s1_init_fns.alloc(&cfg, NULL);
	if (!iop) return 1;
	/* what io-pgtable.c alloc_io_pgtable_ops() does after the format's alloc */
	iop->fmt = ARM_64_LPAE_S1;
	iop->cookie = NULL;
	iop->cfg = cfg;
	ops = &iop->ops;
	pgd = (u64 *)(uintptr_t)cfg.arm_lpae_s1_cfg.ttbr;
	printf("{\"seed\":%lu,\"mode\":\"%s\",\"ias\":%u,\"oas\":%u,\"pgsize_bitmap\":%lu,\"mair\":%" PRIu64 ",\"tcr\":[%u,%u,%u,%u,%u,%u],\"ops\":[\n[\"init\"]",
	       seed, argv[3], cfg.ias, cfg.oas, cfg.pgsize_bitmap, (u64)cfg.arm_lpae_s1_cfg.mair,
	       cfg.arm_lpae_s1_cfg.tcr.ips, cfg.arm_lpae_s1_cfg.tcr.tg, cfg.arm_lpae_s1_cfg.tcr.sh,
	       cfg.arm_lpae_s1_cfg.tcr.orgn, cfg.arm_lpae_s1_cfg.tcr.irgn, cfg.arm_lpae_s1_cfg.tcr.tsz);
	for (k = 0; k < nops; k++) {
		unsigned long r = pick(100);
		if (r < 45 || nlive == 0) {
			unsigned long pgsize = sizes[pick(12)], pgcount = 1, iova, paddr;
			int prot = prots[pick(9)], ret;
			size_t mapped = 0;
#ifdef KV_MAP_PAGES
			pgcount = pgsize == SZ_1G ? 1 : 1 + pick(4);
#endif
			/* iovas in the low 8 GiB and a window at 2^40, aligned to pgsize; sometimes on top of a live one */
			iova = (pick(4) == 0 ? (1UL << 40) : 0) + pick((8UL << 30) / pgsize) * pgsize;
			paddr = pick((1UL << 44) / pgsize) * pgsize;
			if (pick(8) && overlaps(iova, pgsize * pgcount)) { k--; continue; }
#ifdef KV_MAP_PAGES
			ret = ops->map_pages(ops, iova, paddr, pgsize, pgcount, prot, GFP_ATOMIC, &mapped);
#else
#ifdef KV_MAP_NO_GFP
			ret = ops->map(ops, iova, paddr, pgsize, prot);
#else
			ret = ops->map(ops, iova, paddr, pgsize, prot, GFP_ATOMIC);
#endif
			mapped = ret ? 0 : pgsize;
#endif
			printf(",\n[\"map\",%lu,%lu,%lu,%lu,%d,%d,%zu]", iova, paddr, pgsize, pgcount, prot, ret, mapped);
			if (!ret && prot && nlive < 4096) lives[nlive++] = (struct live){ iova, pgsize, mapped / pgsize };
		} else if (r < 80) {
			int j = (int)pick(nlive);
			struct live l = lives[j];
			unsigned long pgsize = l.pgsize, pgcount = l.pgcount, iova = l.iova;
			size_t ret;
			/* sometimes unmap a 4 KiB or 2 MiB piece of a larger block (a split) */
			if (pgsize > SZ_4K && pick(3) == 0) {
				unsigned long sub = pgsize == SZ_1G && pick(2) ? SZ_2M : SZ_4K;
				iova += pick(pgsize / sub) * sub;
				pgsize = sub; pgcount = 1;
			} else
				lives[j] = lives[--nlive];
			memset(&gather, 0, sizeof gather);
#ifndef IO_PGTABLE_QUIRK_NON_STRICT
			gather.queued = lazy; /* 5.15+: a flush queue marks the gather queued */
#endif
#ifdef KV_MAP_PAGES
			ret = ops->unmap_pages(ops, iova, pgsize, pgcount, &gather);
#else
			ret = ops->unmap(ops, iova, pgsize, &gather);
#endif
			printf(",\n[\"unmap\",%lu,%lu,%lu,%zu]", iova, pgsize, pgcount, ret);
		} else {
			unsigned long iova;
			if (nlive && pick(4)) {
				struct live l = lives[pick(nlive)];
				iova = l.iova + pick(l.pgsize * l.pgcount);
			} else iova = pick(8UL << 30);
			printf(",\n[\"phys\",%lu,%" PRIu64 "]", iova, (u64)ops->iova_to_phys(ops, iova));
		}
		if (k % 60 == 59) leaves();
	}
	leaves();
	printf("\n],\"warns\":%d}\n", kstub_warns);
	return 0;
}

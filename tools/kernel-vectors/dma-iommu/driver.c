/*
 * dmasim kernel-vectors, dma-iommu target: drives a tree's iommu_dma_alloc_iova (extracted unmodified
 * from drivers/iommu/dma-iommu.c) over the tree's own iova.c, the way __iommu_dma_map and
 * iommu_dma_free_iova use it on a strict domain: an IOVA range for iova_align(size) below the
 * device's DMA mask, freed again with free_iova_fast(iova >> shift, size >> shift). Our own code (MIT).
 * Prints one JSON object: a run.
 *
 *   driver SEED MODE GRANULE APERTURE_END FORCEDAC NOPS
 *
 * APERTURE_END 0: domain->geometry.force_aperture is false. The domain: init_iova_domain(granule,
 * start_pfn 1) as iommu_dma_init_domain with base 0 (and iova_domain_init_rcaches where the tree has
 * it); an IOVA cookie. FORCEDAC is iommu.forcedac= (iommu_dma_forcedac, 5.13+); where the tree has
 * dev->iommu->pci_32bit_workaround (6.6+), the driver sets it as probe does
 * (iommu_dma_set_pci_32bit_workaround: PCI devices, !iommu_dma_forcedac).
 * Devices: 0 "0000:01:00.0" PCI; 1 "fe000000.dma" platform; 2 "0000:02:00.0" PCI behind a 40-bit
 * bus limit (bus_dma_limit); 3 "fe100000.dma" platform with a 32-bit bus limit.
 *
 * Ops:
 *   ["a",dev,size,"dma_limit",iova,[msgs]]   iommu_dma_alloc_iova (iova 0: none); msgs: dev_notice texts
 *   ["f",iova,size]                          free_iova_fast(iovad, iova >> shift, size >> shift)
 */
#include <linux/iova.h>
#include <inttypes.h>
#include <stdarg.h>

int kstub_warns;
int kv_cpu;
unsigned long jiffies;
bool kv_forcedac;

struct iommu_dma_cookie {
	enum iommu_dma_cookie_type type;
	union {
		struct iova_domain iovad;
		dma_addr_t msi_iova;
	};
};

static char msgs[2048]; static int msglen;
void kv_notice(struct device *dev, const char *fmt, ...) {
	char t[256]; int n = 0; const char *p; va_list ap;
	(void)dev;
	va_start(ap, fmt);
	for (p = fmt; *p && n < 240; p++) {
		if (p[0] == '%' && p[1] == 'd') { n += snprintf(t + n, sizeof t - n, "%d", va_arg(ap, int)); p++; }
		else if (*p != '\n') t[n++] = *p;
	}
	t[n] = 0;
	va_end(ap);
	msglen += snprintf(msgs + msglen, sizeof msgs - msglen, "%s\"%s\"", msglen ? "," : "", t);
}

#include "kv_alloc_iova.h"

#include "../common/kv-rng.h" /* rng, next(), pick() */

struct live { dma_addr_t iova; size_t size; };
static struct live lives[100000]; static int nlive;

int main(int argc, char **argv) {
	static struct iommu_dma_cookie cookie;
	static struct iommu_domain domain;
	static struct dev_iommu di[4];
	static struct device devs[4] = {
		{ "0000:01:00.0", 1, 0, &di[0] },
		{ "fe000000.dma", 0, 0, &di[1] },
		{ "0000:02:00.0", 1, 0xffffffffffULL, &di[2] },
		{ "fe100000.dma", 0, 0xffffffffULL, &di[3] },
	};
	static const int mask_bits[] = { 32, 32, 36, 40, 48, 64, 24 };
	if (argc != 7) { fprintf(stderr, "usage: driver SEED MODE GRANULE APERTURE_END FORCEDAC NOPS\n"); return 2; }
	unsigned long seed = strtoul(argv[1], 0, 0); const char *mode = argv[2];
	unsigned long granule = strtoul(argv[3], 0, 0); u64 aperture_end = strtoull(argv[4], 0, 0);
	int nops = atoi(argv[6]), fill = strcmp(mode, "fill-32") == 0;
	kv_forcedac = atoi(argv[5]) != 0;
	rng = seed;
	if (iova_cache_get()) return 1;
	init_iova_domain(&cookie.iovad, granule, 1);
#ifdef KV_RCACHE_INIT
	if (iova_domain_init_rcaches(&cookie.iovad)) return 1;
#endif
	cookie.type = IOMMU_DMA_IOVA_COOKIE;
	domain.iova_cookie = &cookie;
	domain.cookie_type = IOMMU_COOKIE_DMA_IOVA;
	domain.geometry.force_aperture = aperture_end != 0;
	domain.geometry.aperture_end = aperture_end;
	for (int i = 0; i < 4; i++) di[i].pci_32bit_workaround = devs[i].pci && !kv_forcedac;
	printf("{\"mode\":\"%s\",\"seed\":%lu,\"granule\":%lu,\"aperture_end\":\"0x%" PRIx64 "\",\"forcedac\":%d,\"devices\":[", mode, seed, granule, aperture_end, kv_forcedac);
	for (int i = 0; i < 4; i++) printf("%s{\"name\":\"%s\",\"pci\":%d,\"bus_dma_limit\":\"0x%" PRIx64 "\"}", i ? "," : "", devs[i].name, devs[i].pci, devs[i].bus_dma_limit);
	printf("],\"ops\":[");
	for (int i = 0; i < nops; i++) {
		if (i) printf(",");
		if (nlive && (pick(100) < (fill ? 15 : 40) || nlive >= 99999)) {
			int j = pick(nlive);
			struct live l = lives[j];
			lives[j] = lives[--nlive];
			free_iova_fast(&cookie.iovad, l.iova >> iova_shift(&cookie.iovad), l.size >> iova_shift(&cookie.iovad));
			printf("[\"f\",%" PRIu64 ",%zu]", l.iova, l.size);
			continue;
		}
		int d = pick(4);
		unsigned long k = pick(100), pages;
		if (fill && k < 60) pages = 1024 + pick(3073);       /* 4–16 MiB with 4 KiB granules */
		else if (k < 50) pages = 1 + pick(8);
		else if (k < 80) pages = 9 + pick(56);
		else if (k < 95) pages = 65 + pick(960);
		else pages = 1025 + pick(3072);
		size_t size = pages * granule;
		int bits = mask_bits[pick(7)]; /* DMA_BIT_MASK evaluates its argument twice */
		u64 limit = DMA_BIT_MASK(bits);
		msglen = 0; msgs[0] = 0;
		dma_addr_t iova = iommu_dma_alloc_iova(&domain, size, limit, &devs[d]);
		printf("[\"a\",%d,%zu,\"0x%" PRIx64 "\",%" PRIu64 ",[%s]]", d, size, limit, iova, msgs);
		if (iova && nlive < 99999) lives[nlive++] = (struct live){ iova, size };
	}
	printf("]}");
	return 0;
}

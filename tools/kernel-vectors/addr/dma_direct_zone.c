/*
 * dmasim kernel-vectors, addr target: dma-direct's zone choice and coherent-reachability test —
 * dma_direct_optimal_gfp_mask (5.6: __dma_direct_optimal_gfp_mask), phys_to_dma_direct and
 * dma_coherent_ok of a tree's kernel/dma/direct.c, extracted UNMODIFIED at build time by record.sh
 * into kv_direct_extract.h (never committed), over the tree's include/linux/dma-direct.h and our
 * stubs. Devices: every mask width dmasim's platforms use, with no dma-ranges, the Pi 4 emmc2
 * window, two windows, and a window that moves high RAM down; ZONE_DMA's limit per run
 * (zone_dma_bits 5.6–6.11, zone_dma_limit 6.12+: KV_ZONE_LIMIT), as x86 (24 bits), rpi4 (30) and
 * a 32-bit ZONE_DMA. JSON on stdout. This file is dmasim's own code (MIT).
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include KV_HEADER

#define GFP_DMA 0x01u
#define GFP_DMA32 0x04u
typedef unsigned int gfp_t;
#define force_dma_unencrypted(dev) false
#if KV_ZONE_LIMIT
u64 zone_dma_limit;
#else
unsigned int zone_dma_bits;
#endif
unsigned long min_low_pfn;

#include "kv_direct_extract.h"

struct kv_range { u64 cpu_start, dma_start, size; };
struct kv_ranges { const char *name; int n; struct kv_range r[2]; };
static const struct kv_ranges rangesets[] = {
	{ "none", 0, {{0}} },
	{ "rpi4-emmc2", 1, { { 0x0, 0xc0000000ULL, 0x40000000ULL } } },
	{ "two-ranges", 2, { { 0x0, 0x0, 0x40000000ULL }, { 0x40000000ULL, 0x80000000ULL, 0x40000000ULL } } },
	{ "high-down", 1, { { 0x100000000ULL, 0x0, 0x100000000ULL } } },
};
static const unsigned mask_bits[] = { 24, 30, 31, 32, 34, 36, 40, 44, 64 };
static const u64 phys_in[] = { 0x0, 0xfff000ULL, 0x1000000ULL, 0x3ffff000ULL, 0x40000000ULL, 0x7ffff000ULL, 0xbffff000ULL,
	0xfffff000ULL, 0x100000000ULL, 0x13ffff000ULL, 0x1fffff000ULL, 0xffffff000ULL };
static const u64 sizes[] = { 1, 0x1000, 0x2000, 0x200000 };

static int first = 1;
static void sep(void) { if (!first) printf(",\n"); first = 0; }

int main(int argc, char **argv)
{
	u64 zlim = strtoull(argv[1], NULL, 0); /* ZONE_DMA's limit: DMA_BIT_MASK(zone_dma_bits) or zone_dma_limit */
#if KV_ZONE_LIMIT
	zone_dma_limit = zlim;
#else
	zone_dma_bits = 64 - __builtin_clzll(zlim);
#endif
	printf("{\n  \"kind\": \"dma-direct-zone\",\n  \"zone_dma_limit\": \"0x%llx\",\n  \"cases\": [\n", (unsigned long long)zlim);
	for (size_t ri = 0; ri < sizeof(rangesets) / sizeof(rangesets[0]); ri++) {
		const struct kv_ranges *rs = &rangesets[ri];
		for (size_t mi = 0; mi < sizeof(mask_bits) / sizeof(mask_bits[0]); mi++) {
			struct device dev;
			u64 mask = DMA_BIT_MASK(mask_bits[mi]), phys_limit = 0;
			gfp_t g;
#if KV_RANGE_MAP
			static struct bus_dma_region map[3];
			memset(map, 0, sizeof(map));
#endif
			memset(&dev, 0, sizeof(dev));
			dev.dma_mask = &mask;
			dev.coherent_dma_mask = mask;
			if (rs->n) {
				/* drivers/of/device.c of_dma_configure as far as it matters here (our own code), as dma_direct.c */
				u64 end = 0;
				for (int i = 0; i < rs->n; i++) {
					u64 e = rs->r[i].dma_start + rs->r[i].size - 1;
					if (e > end) end = e;
#if KV_RANGE_MAP
					map[i].cpu_start = rs->r[i].cpu_start;
					map[i].dma_start = rs->r[i].dma_start;
					map[i].size = rs->r[i].size;
#if KV_RANGE_OFFSET
					map[i].offset = rs->r[i].cpu_start - rs->r[i].dma_start;
#endif
#endif
				}
#if KV_RANGE_MAP
				dev.dma_range_map = map;
#else
				dev.dma_pfn_offset = (unsigned long)((rs->r[0].cpu_start - rs->r[0].dma_start) >> PAGE_SHIFT);
#endif
				dev.bus_dma_limit = end;
				{
					u64 m = DMA_BIT_MASK(64 - __builtin_clzll(end));
					mask &= m;
					dev.coherent_dma_mask &= m;
				}
			}
#if KV_GFP_MASK_ARG == 2
			g = __dma_direct_optimal_gfp_mask(&dev, dev.coherent_dma_mask, &phys_limit);
#elif KV_GFP_MASK_ARG == 1
			g = dma_direct_optimal_gfp_mask(&dev, dev.coherent_dma_mask, &phys_limit);
#else
			g = dma_direct_optimal_gfp_mask(&dev, &phys_limit);
#endif
			sep();
			printf("    {\"ranges\": \"%s\", \"mask_bits\": %u, \"fn\": \"dma_direct_optimal_gfp_mask\", \"out\": \"%s\", \"phys_limit\": \"0x%llx\"}",
			       rs->name, mask_bits[mi], g == GFP_DMA ? "GFP_DMA" : g == GFP_DMA32 ? "GFP_DMA32" : "0", (unsigned long long)phys_limit);
			for (size_t pi = 0; pi < sizeof(phys_in) / sizeof(phys_in[0]); pi++) {
				size_t sz = (size_t)sizes[pi % 4];
				sep();
				printf("    {\"ranges\": \"%s\", \"mask_bits\": %u, \"fn\": \"dma_coherent_ok\", \"in\": \"0x%llx\", \"size\": \"0x%zx\", \"out\": %s}",
				       rs->name, mask_bits[mi], (unsigned long long)phys_in[pi], sz, dma_coherent_ok(&dev, phys_in[pi], sz) ? "true" : "false");
			}
		}
	}
	printf("\n  ]\n}\n");
	return 0;
}

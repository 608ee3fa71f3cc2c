/*
 * dmasim kernel-vectors, addr target: drives the UNMODIFIED inline functions of a kernel tree's
 * include/linux/dma-direct.h (phys_to_dma, dma_to_phys, dma_capable) in user space, against our
 * stub headers (stubs/), with seeded inputs, and prints JSON vectors on stdout.
 * Build: see record.sh. KV_HEADER is the tree's include/linux/dma-direct.h; KV_RANGE_MAP is 1 when
 * the tree has struct bus_dma_region (5.10+), else the device carries a dma_pfn_offset (5.6);
 * KV_RANGE_OFFSET is 1 when that struct has an `offset` member (5.10 until 6.9 removed it).
 * This file is dmasim's own code (MIT); it includes kernel source only from the path given.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include KV_HEADER

unsigned int zone_dma_bits;
unsigned long min_low_pfn;

static u64 rng_state;
static u64 rng(void) /* xorshift64* */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

struct kv_range { u64 cpu_start, dma_start, size; };
struct kv_dev {
	const char *name;
	unsigned mask_bits;
	int nranges;
	struct kv_range r[2];
};

/* The devices dmasim models (src/platforms/index.ts) plus a two-range one. */
static const struct kv_dev devs[] = {
	{ "no-dma-ranges-32", 32, 0, {{0}} },
	{ "no-dma-ranges-64", 64, 0, {{0}} },
	{ "rpi4-emmc2", 32, 1, { { 0x0, 0xc0000000ULL, 0x40000000ULL } } },
	{ "two-ranges", 32, 2, { { 0x0, 0x0, 0x40000000ULL }, { 0x40000000ULL, 0x80000000ULL, 0x40000000ULL } } },
};

static int first = 1;
static void sep(void) { if (!first) printf(",\n"); first = 0; }

static void run_dev(const struct kv_dev *kd)
{
	struct device dev;
	u64 mask = DMA_BIT_MASK(kd->mask_bits);
	memset(&dev, 0, sizeof(dev));
	dev.dma_mask = &mask;
	dev.coherent_dma_mask = mask;
#if KV_RANGE_MAP
	static struct bus_dma_region map[3];
	memset(map, 0, sizeof(map));
#endif
	if (kd->nranges) {
		/* drivers/of/device.c of_dma_configure as far as it matters here (our own code): */
		u64 end = 0;
		for (int i = 0; i < kd->nranges; i++) {
			u64 e = kd->r[i].dma_start + kd->r[i].size - 1;
			if (e > end) end = e;
#if KV_RANGE_MAP
			map[i].cpu_start = kd->r[i].cpu_start;
			map[i].dma_start = kd->r[i].dma_start;
			map[i].size = kd->r[i].size;
#if KV_RANGE_OFFSET /* 5.10–6.8: the map keeps cpu_start - dma_start; 6.9+ computes it */
			map[i].offset = kd->r[i].cpu_start - kd->r[i].dma_start;
#endif
#endif
		}
#if KV_RANGE_MAP
		dev.dma_range_map = map;
#else
		/* 5.6: the first dma-ranges entry only: PFN_DOWN(paddr - dma_addr) */
		dev.dma_pfn_offset = (unsigned long)((kd->r[0].cpu_start - kd->r[0].dma_start) >> PAGE_SHIFT);
#endif
		dev.bus_dma_limit = end;
		{
			unsigned bits = 64 - __builtin_clzll(end);
			u64 m = DMA_BIT_MASK(bits);
			mask &= m;
			dev.coherent_dma_mask &= m;
		}
	}

	static const u64 fixed_phys[] = { 0x0, 0x1000, 0x3ffff000ULL, 0x3fffffffULL, 0x40000000ULL, 0x7ffff000ULL, 0x80000000ULL,
		0xbffff000ULL, 0xc0000000ULL, 0xfffff000ULL, 0x100000000ULL, 0x1fffff000ULL };
	static const u64 fixed_dma[] = { 0x0, 0x1000, 0x3ffff000ULL, 0x40000000ULL, 0x7ffff000ULL, 0x80000000ULL, 0xbffff000ULL,
		0xc0000000ULL, 0xfffff000ULL, 0x100000000ULL };
	static const u64 sizes[] = { 1, 0x1000, 0x2000, 0x10000 };
	int n = 0;
	for (int i = 0; i < 48; i++) {
		phys_addr_t p = i < 12 ? (phys_addr_t)fixed_phys[i] : (phys_addr_t)((rng() % 0x200000000ULL) & ~0xfffULL);
		dma_addr_t d = phys_to_dma(&dev, p);
		sep();
		printf("    {\"dev\": \"%s\", \"fn\": \"phys_to_dma\", \"in\": \"0x%llx\", \"out\": \"0x%llx\"}", kd->name,
		       (unsigned long long)p, (unsigned long long)d);
		size_t sz = (size_t)sizes[(n++) % 4];
		sep();
		printf("    {\"dev\": \"%s\", \"fn\": \"dma_capable\", \"in\": \"0x%llx\", \"size\": \"0x%llx\", \"out\": %s}", kd->name,
		       (unsigned long long)d, (unsigned long long)sz, dma_capable(&dev, d, sz, true) ? "true" : "false");
	}
	for (int i = 0; i < 40; i++) {
		dma_addr_t d = i < 10 ? (dma_addr_t)fixed_dma[i] : (dma_addr_t)((rng() % 0x200000000ULL) & ~0xfffULL);
		phys_addr_t p = dma_to_phys(&dev, d);
		sep();
		printf("    {\"dev\": \"%s\", \"fn\": \"dma_to_phys\", \"in\": \"0x%llx\", \"out\": \"0x%llx\"}", kd->name,
		       (unsigned long long)d, (unsigned long long)p);
	}
}

int main(int argc, char **argv)
{
	rng_state = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x5eed;
	printf("{\n  \"kind\": \"dma-direct\",\n  \"seed\": \"0x%llx\",\n  \"addr_bits\": %d,\n  \"cases\": [\n",
	       (unsigned long long)rng_state, (int)(8 * sizeof(dma_addr_t)));
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		run_dev(&devs[i]);
	printf("\n  ]\n}\n");
	return 0;
}

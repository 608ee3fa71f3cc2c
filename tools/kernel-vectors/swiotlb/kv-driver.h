/*
 * kv-driver.h — what tools/kernel-vectors/swiotlb's two drivers (driver.c for the 5.x–6.1 trees,
 * driver66.c for the pool era) share: the byte hash, the seeded generator (xorshift64*, upper 32
 * bits) and the choices made with it (pick_size, pick_orig), the device the kernel maps for, the
 * table of live mappings, the originals' window in the arena and the end of an operation's record. Included once by each driver,
 * after the tree's swiotlb.c and kv-messages.h. The committed vectors depend on this exact
 * sequence: change it and every swiotlb vector must be recorded again. Our own code (MIT).
 */
#ifndef KV_DRIVER_H
#define KV_DRIVER_H

static uint32_t bytes_hash(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; }
	return h;
}

/* ---------------------------------------------------------------- seeded generator */
static uint64_t rng_state;
static uint32_t rnd(void) /* xorshift64*, upper 32 bits */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}
static uint32_t below(uint32_t n) { return n ? rnd() % n : 0; }

/* ---------------------------------------------------------------- the device */
static struct device_dma_parameters kv_parms;
static u64 kv_mask = DMA_BIT_MASK(64);
static struct device kv_dev = { .name = "kv0", .dma_mask = &kv_mask, .dma_parms = &kv_parms };

struct live { phys_addr_t tlb, orig; size_t mapping_size, alloc_size; int dir; unsigned long attrs; };
#define MAXLIVE 4096
static struct live live[MAXLIVE];
static int nlive;

#define ORIG_BASE (KV_PHYS_BASE + KV_ARENA_SIZE / 2)
#define ORIG_SPAN (KV_ARENA_SIZE / 2 - (2UL << 20)) /* 2 MiB slack at the top for overlong copies */

static const char *dir_name(int d)
{
	return d == DMA_TO_DEVICE ? "DMA_TO_DEVICE" : d == DMA_FROM_DEVICE ? "DMA_FROM_DEVICE" : "DMA_BIDIRECTIONAL";
}

static size_t pick_size(void)
{
	uint32_t r = below(100);
	if (r < 45) return 1 + below(2048);
	if (r < 75) return 2049 + below(14 * 1024);
	if (r < 95) return 16 * 1024 + below(240 * 1024);
	return 256 * 1024 - 4096 + below(12 * 1024); /* around the 256 KiB segment limit */
}

static phys_addr_t pick_orig(size_t size)
{
	phys_addr_t a = ORIG_BASE + (phys_addr_t)below((uint32_t)((ORIG_SPAN - size) >> PAGE_SHIFT)) * PAGE_SIZE;
	switch (below(5)) {
	case 0: return a;                                 /* page aligned */
	case 1: return a + (below(PAGE_SIZE / 64) * 64);   /* cache-line aligned */
	case 2: return a + (below(2) ? IO_TLB_SIZE : 0) + below(8) * 512;
	default: return a + below(PAGE_SIZE);
	}
}

/* the end of an operation's record: the messages it printed, the fault it ended in, if any */
static void end_op_msgs(const char *fault)
{
	printf(",\"msgs\":[%s]", kv_msgs);
	if (fault) {
		printf(",\"fault\":{\"kind\":\"%s\",\"text\":", kv_fault_kind);
		char b[1024]; size_t l = 0; json_str(b, sizeof b, &l, kv_fault_msg); printf("%s}", b);
	}
	printf("}");
}

#endif /* KV_DRIVER_H */

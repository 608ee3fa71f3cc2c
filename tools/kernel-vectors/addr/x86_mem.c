/*
 * dmasim kernel-vectors, addr target: the UNMODIFIED __phys_addr_nodebug of a kernel tree's
 * arch/x86/include/asm/page_64.h (with page_64_types.h: __PAGE_OFFSET without
 * CONFIG_DYNAMIC_MEMORY_LAYOUT, __START_KERNEL_map) against our stubs, driven with seeded
 * linear-map and kernel-text addresses; JSON on stdout. phys_base and the RAM size are argv.
 * This file is dmasim's own code (MIT).
 */
#include <stdio.h>
#include <stdlib.h>
#include <linux/kv-types.h>
#include <asm/page_types.h>
#include <asm/page_64.h>

unsigned long max_pfn, phys_base, page_offset_base, vmalloc_base, vmemmap_base;

static u64 rng_state;
static u64 rng(void) { rng_state ^= rng_state >> 12; rng_state ^= rng_state << 25; rng_state ^= rng_state >> 27; return rng_state * 0x2545F4914F6CDD1DULL; }
static int first = 1;
static void sep(void) { if (!first) printf(",\n"); first = 0; }

int main(int argc, char **argv)
{
	if (argc < 4) { fprintf(stderr, "usage: %s SEED PHYS_BASE RAM\n", argv[0]); return 2; }
	rng_state = strtoull(argv[1], NULL, 0);
	u64 seed = rng_state;
	phys_base = strtoul(argv[2], NULL, 0);
#ifdef __PAGE_OFFSET_BASE_L4
	/* arch/x86/kernel/head64.c's initial value, kept without KASLR; 6.18's __PAGE_OFFSET is always page_offset_base */
	page_offset_base = __PAGE_OFFSET_BASE_L4;
#endif
	unsigned long ram = strtoul(argv[3], NULL, 0);
	printf("{\n  \"kind\": \"x86_64-memory\",\n  \"seed\": \"0x%llx\",\n  \"phys_base\": \"0x%lx\",\n  \"ram\": \"0x%lx\",\n  \"cases\": [\n", (unsigned long long)seed, phys_base, ram);
	sep(); printf("    {\"fn\": \"const\", \"name\": \"__PAGE_OFFSET\", \"out\": \"0x%lx\"}", (unsigned long)__PAGE_OFFSET);
	sep(); printf("    {\"fn\": \"const\", \"name\": \"__START_KERNEL_map\", \"out\": \"0x%lx\"}", (unsigned long)__START_KERNEL_map);
	for (int i = 0; i < 32; i++) {
		unsigned long a = __PAGE_OFFSET + (i < 2 ? (unsigned long[]){0, ram - 0x1000}[i] : (rng() % ram) & ~0xfffUL);
		sep(); printf("    {\"fn\": \"__phys_addr_nodebug\", \"kind\": \"linear\", \"in\": \"0x%lx\", \"out\": \"0x%lx\"}", a, __phys_addr_nodebug(a));
	}
	for (int i = 0; i < 16; i++) {
		unsigned long a = __START_KERNEL_map + phys_base + ((rng() % 0x40000000UL) & ~0xfffUL);
		sep(); printf("    {\"fn\": \"__phys_addr_nodebug\", \"kind\": \"kimage\", \"in\": \"0x%lx\", \"out\": \"0x%lx\"}", a, __phys_addr_nodebug(a));
	}
	printf("\n  ]\n}\n");
	return 0;
}

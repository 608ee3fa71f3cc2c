/*
 * dmasim kernel-vectors, addr target: the UNMODIFIED arch/arm/include/asm/memory.h (+
 * include/asm-generic/memory_model.h, FLATMEM) of a kernel tree, built -m32 without
 * CONFIG_ARM_PATCH_PHYS_VIRT (PHYS_OFFSET = CONFIG_PHYS_OFFSET, as dmasim's arm32 board at 0)
 * against our stubs, driven with seeded addresses of every kind; JSON on stdout.
 * mem_map is placed where dmasim's boot puts it (argv). This file is dmasim's own code (MIT).
 */
#include <stdio.h>
#include <stdlib.h>
#include <linux/kv-types.h>
struct page { unsigned long kv_words[8]; }; /* sizeof(struct page) == 32 on ARM32 */
#include <asm/memory.h>
#ifndef pfn_to_page /* 6.x: asm/page.h, not memory.h, includes it (record.sh defines _ASMARM_PAGE_H for those trees) */
#include <asm-generic/memory_model.h>
#endif

struct page *mem_map;

static u32 rng_state;
static u32 rng(void) { rng_state ^= rng_state << 13; rng_state ^= rng_state >> 17; rng_state ^= rng_state << 5; return rng_state; }
static int first = 1;
static void sep(void) { if (!first) printf(",\n"); first = 0; }

static void addr_case(const char *kind, unsigned long a)
{
	sep();
	printf("    {\"fn\": \"__virt_to_phys_nodebug\", \"kind\": \"%s\", \"in\": \"0x%lx\", \"out\": \"0x%lx\"}", kind, a, (unsigned long)__virt_to_phys_nodebug(a));
	sep();
	printf("    {\"fn\": \"virt_to_pfn\", \"kind\": \"%s\", \"in\": \"0x%lx\", \"out\": \"0x%lx\"}", kind, a, (unsigned long)virt_to_pfn(a));
	sep();
	printf("    {\"fn\": \"virt_to_page\", \"kind\": \"%s\", \"in\": \"0x%lx\", \"out\": \"0x%lx\"}", kind, a, (unsigned long)virt_to_page(a));
}

int main(int argc, char **argv)
{
	if (argc < 4) { fprintf(stderr, "usage: %s SEED MEM_MAP_VA LOWMEM_END_PHYS\n", argv[0]); return 2; }
	rng_state = (u32)strtoul(argv[1], NULL, 0);
	u32 seed = rng_state;
	mem_map = (struct page *)strtoul(argv[2], NULL, 0);
	unsigned long lowmem = strtoul(argv[3], NULL, 0);
	printf("{\n  \"kind\": \"arm-memory\",\n  \"seed\": \"0x%x\",\n  \"mem_map\": \"0x%lx\",\n  \"lowmem_end\": \"0x%lx\",\n  \"cases\": [\n", seed, (unsigned long)mem_map, lowmem);
	sep(); printf("    {\"fn\": \"const\", \"name\": \"PAGE_OFFSET\", \"out\": \"0x%lx\"}", (unsigned long)PAGE_OFFSET);
	sep(); printf("    {\"fn\": \"const\", \"name\": \"MODULES_VADDR\", \"out\": \"0x%lx\"}", (unsigned long)MODULES_VADDR);
	sep(); printf("    {\"fn\": \"const\", \"name\": \"PHYS_OFFSET\", \"out\": \"0x%lx\"}", (unsigned long)PHYS_OFFSET);
	for (int i = 0; i < 24; i++) {
		unsigned long off = i < 3 ? (unsigned long[]){0, 0x1000, lowmem - PHYS_OFFSET - 0x1000}[i] : (rng() % (lowmem - PHYS_OFFSET)) & ~0xfffUL;
		addr_case("linear", PAGE_OFFSET + off);
		sep();
		printf("    {\"fn\": \"__phys_to_virt\", \"in\": \"0x%lx\", \"out\": \"0x%lx\"}", (unsigned long)(PHYS_OFFSET + off), (unsigned long)__phys_to_virt(PHYS_OFFSET + off));
	}
	unsigned long vmalloc_start = PAGE_OFFSET + (lowmem - PHYS_OFFSET) + 0x800000;
	for (int i = 0; i < 12; i++) addr_case("vmalloc", vmalloc_start + ((rng() % (0xff800000UL - vmalloc_start)) & ~0xfffUL));
	for (int i = 0; i < 6; i++) addr_case("modules", MODULES_VADDR + ((rng() % 0x1000000UL) & ~0xfffUL));
	for (int i = 0; i < 6; i++) addr_case("user", (rng() % MODULES_VADDR) & ~0xfffUL);
	printf("\n  ]\n}\n");
	return 0;
}

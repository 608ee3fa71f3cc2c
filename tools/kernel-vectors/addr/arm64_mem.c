/*
 * dmasim kernel-vectors, addr target: the UNMODIFIED arch/arm64/include/asm/memory.h of a kernel
 * tree (layout constants, __is_lm_address, __virt_to_phys_nodebug, __phys_to_virt, virt_to_page
 * for CONFIG_SPARSEMEM_VMEMMAP without CONFIG_DEBUG_VIRTUAL, page_to_virt) compiled in user space
 * against our stubs (stubs/arm64, stubs/), driven with seeded addresses of every kind; JSON out.
 * The runtime variables (memstart_addr, kimage_voffset, vabits_actual, physvirt_offset) take the
 * values dmasim boots with for the platform (argv). This file is dmasim's own code (MIT).
 */
#include <stdio.h>
#include <stdlib.h>
#include <linux/kv-types.h>
struct page { unsigned long kv_words[8]; }; /* sizeof(struct page) == 64, as on arm64 defconfig */
#define STRUCT_PAGE_MAX_SHIFT 6          /* include/linux/mm_types.h: order_base_2(sizeof(struct page)) */
static inline u8 page_kasan_tag(const struct page *page) { (void)page; return 0xff; } /* !CONFIG_KASAN_SW_TAGS */
#include <asm/memory.h>

s64 memstart_addr;
u64 kimage_vaddr;
u64 kimage_voffset;
#ifndef vabits_actual /* 6.x without 52-bit VAs: a macro, ((u64)VA_BITS) */
u64 vabits_actual;
#endif
#if KV_PHYSVIRT
s64 physvirt_offset;
#endif

static u64 rng_state;
static u64 rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static int first = 1;
static void sep(void) { if (!first) printf(",\n"); first = 0; }
static void konst(const char *name, u64 v) { sep(); printf("    {\"fn\": \"const\", \"name\": \"%s\", \"out\": \"0x%llx\"}", name, (unsigned long long)v); }

static void addr_case(const char *kind, u64 a)
{
	sep();
	printf("    {\"fn\": \"__is_lm_address\", \"kind\": \"%s\", \"in\": \"0x%llx\", \"out\": %s}", kind, (unsigned long long)a, __is_lm_address(a) ? "true" : "false");
	sep();
	printf("    {\"fn\": \"__virt_to_phys_nodebug\", \"kind\": \"%s\", \"in\": \"0x%llx\", \"out\": \"0x%llx\"}", kind, (unsigned long long)a,
	       (unsigned long long)__virt_to_phys_nodebug(a));
	sep();
	printf("    {\"fn\": \"virt_to_page\", \"kind\": \"%s\", \"in\": \"0x%llx\", \"out\": \"0x%llx\"}", kind, (unsigned long long)a,
	       (unsigned long long)(u64)virt_to_page(a));
}

int main(int argc, char **argv)
{
	if (argc < 5) { fprintf(stderr, "usage: %s SEED MEMSTART KIMAGE_PHYS RAM_SIZE\n", argv[0]); return 2; }
	rng_state = strtoull(argv[1], NULL, 0);
	u64 seed = rng_state;
	memstart_addr = (s64)strtoull(argv[2], NULL, 0);
	u64 kimage_phys = strtoull(argv[3], NULL, 0);
	u64 ram = strtoull(argv[4], NULL, 0);
#ifndef vabits_actual
	vabits_actual = VA_BITS;
#endif
	kimage_vaddr = KIMAGE_VADDR;
	kimage_voffset = KIMAGE_VADDR - kimage_phys;
#if KV_PHYSVIRT
	physvirt_offset = PHYS_OFFSET - PAGE_OFFSET;
#endif
	printf("{\n  \"kind\": \"arm64-memory\",\n  \"seed\": \"0x%llx\",\n  \"va_bits\": %d,\n  \"memstart\": \"0x%llx\",\n  \"kimage_phys\": \"0x%llx\",\n  \"ram\": \"0x%llx\",\n  \"cases\": [\n",
	       (unsigned long long)seed, VA_BITS, (unsigned long long)memstart_addr, (unsigned long long)kimage_phys, (unsigned long long)ram);
	konst("PAGE_OFFSET", PAGE_OFFSET);
	konst("PAGE_END", PAGE_END);
	konst("KIMAGE_VADDR", KIMAGE_VADDR);
	konst("MODULES_VADDR", MODULES_VADDR);
	konst("MODULES_END", MODULES_END);
	konst("VMEMMAP_START", VMEMMAP_START);
	konst("VMEMMAP_SIZE", VMEMMAP_SIZE);
	konst("PCI_IO_START", PCI_IO_START);
	konst("FIXADDR_TOP", FIXADDR_TOP);
	/* every address kind: linear, kernel image, modules/vmalloc, vmemmap, fixmap, user half */
	for (int i = 0; i < 24; i++) {
		u64 off = i < 3 ? (u64[]){0, 0x1000, ram - 0x1000}[i] : (rng() % ram) & ~0xfffULL;
		addr_case("linear", PAGE_OFFSET + off);
		sep();
		u64 p = (u64)memstart_addr + off;
		printf("    {\"fn\": \"__phys_to_virt\", \"in\": \"0x%llx\", \"out\": \"0x%llx\"}", (unsigned long long)p, (unsigned long long)__phys_to_virt(p));
		sep();
		struct page *pg = (struct page *)(VMEMMAP_START + (off >> PAGE_SHIFT) * sizeof(struct page));
		printf("    {\"fn\": \"page_to_virt\", \"in\": \"0x%llx\", \"out\": \"0x%llx\"}", (unsigned long long)(u64)pg, (unsigned long long)(u64)page_to_virt(pg));
	}
	for (int i = 0; i < 8; i++) addr_case("kimage", KIMAGE_VADDR + ((rng() % 0x2000000ULL) & ~0xfffULL));
	for (int i = 0; i < 16; i++) addr_case("vmalloc", MODULES_END + ((rng() % 0x100000000ULL) & ~0xfffULL));
	for (int i = 0; i < 8; i++) addr_case("modules", MODULES_VADDR + ((rng() % 0x8000000ULL) & ~0xfffULL));
	for (int i = 0; i < 8; i++) addr_case("vmemmap", VMEMMAP_START + ((rng() % 0x10000000ULL) & ~0x3fULL));
	for (int i = 0; i < 4; i++) addr_case("fixmap", FIXADDR_TOP - 0x1000 * (1 + rng() % 64));
	for (int i = 0; i < 8; i++) addr_case("user", (rng() % (1ULL << VA_BITS)) & ~0xfffULL);
	printf("\n  ]\n}\n");
	return 0;
}

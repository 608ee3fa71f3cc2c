/*
 * dmasim kernel-vectors, addr target: the UNMODIFIED include/asm-generic/getorder.h get_order() of a kernel
 * tree, with the tree's own include/linux/log2.h (ilog2, const_ilog2) and asm-generic/bitops/{fls,__fls,fls64}.h
 * (the generic C versions) against stubs/getorder/, PAGE_SHIFT 12; JSON on stdout.
 *
 * Both of the header's paths are recorded: "const" cases pass a compile-time constant (the __builtin_constant_p
 * branch: 0 -> BITS_PER_LONG - PAGE_SHIFT, below a page -> 0, else ilog2(size - 1) - PAGE_SHIFT + 1) and say whether
 * gcc folded the call to a constant; "runtime" cases read the size from a volatile in a noinline
 * function (size--; size >>= PAGE_SHIFT; fls64 (fls on 32-bit)).
 *
 * BITS_PER_LONG 32: built -m32 where 32-bit binaries run; elsewhere (KV_ILP32_EMUL) the 64-bit host compiles the
 * same unmodified headers with `long` defined to `int` around their #include, so every `unsigned long` in them
 * (get_order's size, __fls's word, fls_long's argument) is the 32-bit unsigned of an ILP32 kernel and
 * BITS_PER_LONG is 32; literal suffixes (1UL, 1ULL) are not the keyword and keep their host width, which does not
 * change a result here (the constants they build are below 2^32 or are masks tested against a 32-bit value).
 * Sizes: a fixed list of boundaries and seeded random ones (argv[1]); random sizes above 2^53 keep only their top
 * 53 significant bits (every random size is exact as an IEEE double, dmasim's size type).
 * This file is dmasim's own code (MIT).
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdbool.h>
#include <linux/compiler.h>
#include <linux/types.h>
#include <asm/types.h>
#define PAGE_SHIFT 12

#ifdef KV_ILP32_EMUL
typedef unsigned int kv_ulong;
#define long int
#else
typedef unsigned long kv_ulong;
#endif
#include <asm-generic/getorder.h>
#undef long

#define KV_BITS ((int)(sizeof(kv_ulong) * 8))
_Static_assert(BITS_PER_LONG == sizeof(kv_ulong) * 8, "BITS_PER_LONG is the width of unsigned long");

static uint64_t rng_state;
static uint64_t rng(void) { rng_state ^= rng_state >> 12; rng_state ^= rng_state << 25; rng_state ^= rng_state >> 27; return rng_state * 0x2545F4914F6CDD1DULL; }
static int first = 1;
static void sep(void) { if (!first) printf(",\n"); first = 0; }

static void emit(const char *path, kv_ulong size, int order, int folded)
{
	sep();
	printf("    {\"fn\": \"get_order\", \"path\": \"%s\", \"in\": \"0x%llx\", \"out\": %d", path, (unsigned long long)size, order);
	if (folded >= 0) printf(", \"folded\": %s", folded ? "true" : "false");
	printf("}");
}

/* the run-time path: the compiler cannot see the value */
static volatile kv_ulong kv_in;
static __attribute__((noinline)) int get_order_rt(kv_ulong size)
{
	kv_in = size;
	return get_order(kv_in);
}

/*
 * the compile-time path: x is a constant expression. "folded" records whether gcc (-O2) folded the call to a
 * constant, i.e. inlined get_order and took its __builtin_constant_p branch: always with __always_inline; a plain
 * `static inline` get_order over the const_ilog2 table may stay out of line, and then runs the run-time path.
 */
#define CONST_CASE(x) do { \
	emit("const", (kv_ulong)(x), get_order((kv_ulong)(x)), __builtin_constant_p(get_order((kv_ulong)(x)))); \
	emit("runtime", (kv_ulong)(x), get_order_rt((kv_ulong)(x)), -1); \
} while (0)

static kv_ulong random_size(int i)
{
	unsigned b, k;
	kv_ulong v, n;
	switch (i % 4) {
	case 0: /* any bit length 0..BITS_PER_LONG */
		b = rng() % (KV_BITS + 1);
		if (!b) return 0;
		v = (kv_ulong)rng();
		if (b < KV_BITS) v &= ((kv_ulong)1 << b) - 1;
		v |= (kv_ulong)1 << (b - 1);
		if (b > 53) v &= ~(((kv_ulong)1 << (b - 53)) - 1);
		return v;
	case 1: /* a page multiple, -1/0/+1 */
		n = 1 + (kv_ulong)(rng() % ((uint64_t)1 << (KV_BITS == 32 ? 19 : 40)));
		return (n << PAGE_SHIFT) + (kv_ulong)(rng() % 3) - 1;
	case 2: /* a power of two, -1/0/+1 */
		k = rng() % (KV_BITS == 32 ? 32 : 53);
		return ((kv_ulong)1 << k) + (kv_ulong)(rng() % 3) - 1;
	default: /* below 1 MiB, where DMA allocations are */
		return (kv_ulong)(rng() % 0x100000);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) { fprintf(stderr, "usage: %s SEED\n", argv[0]); return 2; }
	rng_state = strtoull(argv[1], NULL, 0);
	uint64_t seed = rng_state;
#ifdef KV_ILP32_EMUL
	const char *abi = "ILP32 emulated: the headers built on the 64-bit host with long defined to int";
#else
	const char *abi = KV_BITS == 32 ? "ILP32 (-m32)" : "LP64";
#endif
	printf("{\n  \"kind\": \"getorder\",\n  \"seed\": \"0x%llx\",\n  \"bits_per_long\": %d,\n  \"page_shift\": %d,\n  \"abi\": \"%s\",\n  \"cases\": [\n",
	       (unsigned long long)seed, BITS_PER_LONG, PAGE_SHIFT, abi);
	CONST_CASE(0); CONST_CASE(1); CONST_CASE(2); CONST_CASE(0xfff); CONST_CASE(0x1000); CONST_CASE(0x1001);
	CONST_CASE(0x1fff); CONST_CASE(0x2000); CONST_CASE(0x2001); CONST_CASE(0x3000); CONST_CASE(0x10000);
	CONST_CASE(0x40000); CONST_CASE(0x80000); CONST_CASE(0xfffff); CONST_CASE(0x100000); CONST_CASE(0x100001);
	CONST_CASE(0x3fffff); CONST_CASE(0x400000); CONST_CASE(0x400001); CONST_CASE(0x4000000); CONST_CASE(0x7fffffff);
	CONST_CASE(0x80000000); CONST_CASE(0x80000001); CONST_CASE(0xfffff000); CONST_CASE(0xfffff001); CONST_CASE(0xffffffff);
#if BITS_PER_LONG == 64
	CONST_CASE(0x100000000); CONST_CASE(0x100000001); CONST_CASE(1UL << 40); CONST_CASE((1UL << 40) + 1);
	CONST_CASE(1UL << 52); CONST_CASE((1UL << 52) + 1); CONST_CASE(1UL << 53); CONST_CASE((1UL << 53) + 1);
	CONST_CASE(1UL << 63); CONST_CASE((1UL << 63) + 1); CONST_CASE(~0UL - 0xfff); CONST_CASE(~0UL - 0xffe);
#endif
	CONST_CASE(~(kv_ulong)0);
	for (int i = 0; i < 512; i++) {
		kv_ulong s = random_size(i);
		emit("runtime", s, get_order_rt(s), -1);
	}
	printf("\n  ]\n}\n");
	return 0;
}

#!/bin/sh
# dmasim kernel-vectors, addr target: record address-arithmetic vectors from a kernel tree.
#
#   tools/kernel-vectors/addr/record.sh TREE [OUTDIR] [REPO] [COMMIT]
#
# TREE is a Linux source tree (only its headers are read; nothing is built from it but the
# inline functions and macros the drivers here call). The kernel version is read from TREE's
# Makefile; REPO and COMMIT name where the tree came from (defaults: "local" and the tree's git
# HEAD when it is a checkout). Writes OUTDIR/<target>-<version>.json (default OUTDIR:
# test/vectors/addr). Needs gcc with -m32 support (gcc-multilib) for the ARM32 targets (getorder alone falls
# back to an ILP32 emulation without it).
# KV_ADDR_ONLY=<section> (dma-direct with dma-direct-zone, arm64-memory, arm-memory, x86_64-memory, getorder) records
# that section alone (e.g. getorder where -m32 binaries cannot run).
# The seeds and the platform parameters below are the ones dmasim boots with; change them only
# together with test/addr-vectors.test.ts.
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tree=$(cd "$1" && pwd)
out=${2:-$root/test/vectors/addr}
repo=${3:-local}
commit=${4:-$(git -C "$tree" rev-parse HEAD 2>/dev/null || echo unknown)}
mk() { sed -n "s/^$1 *= *//p" "$tree/Makefile" | head -1; }
version="$(mk VERSION).$(mk PATCHLEVEL).$(mk SUBLEVEL)$(mk EXTRAVERSION)"
short=$(mk VERSION).$(mk PATCHLEVEL)
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# wrap: add the tree's identity and the exact header recorded to the driver's JSON
wrap() { # target file header
	sed "1s|^{|{\n  \"tree\": { \"repo\": \"$repo\", \"commit\": \"$commit\", \"version\": \"$version\", \"header\": \"$3\" },\n  \"target\": \"$1\",|" > "$2"
	echo "wrote $2"
}
want() { [ -z "${KV_ADDR_ONLY:-}" ] || [ "$KV_ADDR_ONLY" = "$1" ]; }
inc() { # arch
	echo "-I$tree/arch/$1/include -I$tree/include -I$tree/arch/$1/include/uapi -I$tree/include/uapi -D__KERNEL__"
}

if want dma-direct; then
# 1. include/linux/dma-direct.h: phys_to_dma / dma_to_phys / dma_capable (64-bit and ARM32 dma_addr_t)
hdr=include/linux/dma-direct.h
rm_=$(grep -q 'struct bus_dma_region' "$tree/$hdr" && echo 1 || echo 0)
ro=$(awk '/^struct bus_dma_region \{/{f=1} f&&/^};/{exit} f&&/[[:space:]]offset;/{print 1; exit}' "$tree/$hdr")
rm_="$rm_ -DKV_RANGE_OFFSET=${ro:-0}"
"$here/build.sh" dma_direct.c "$tmp/dd64" "$tree" -DKV_DMA64=1 -DKV_RANGE_MAP=$rm_ "-DKV_HEADER=\"$tree/$hdr\""
"$tmp/dd64" 0x5eed | wrap dma-direct "$out/dma-direct-$short.json" $hdr
"$here/build.sh" dma_direct.c "$tmp/dd32" "$tree" -m32 -DKV_ADDR32 -DKV_DMA64=0 -DKV_RANGE_MAP=$rm_ "-DKV_HEADER=\"$tree/$hdr\""
"$tmp/dd32" 0x5eed | wrap dma-direct-arm "$out/dma-direct-arm-$short.json" $hdr

# 1b. kernel/dma/direct.c: dma_direct_optimal_gfp_mask (5.6: __dma_direct_optimal_gfp_mask), phys_to_dma_direct,
# dma_coherent_ok — extracted at build time (into $tmp, never committed) — over the same header
src=kernel/dma/direct.c
if [ -f "$tree/$src" ]; then
	blk() { awk -v re="$1" 'grab { print; if ($0 ~ /^}/) exit; next } $0 ~ re { print; grab = 1 }' "$tree/$src"; }
	{ echo "/* extracted at build time from $repo $src (not committed) */"
	  blk '^static inline dma_addr_t phys_to_dma_direct\('
	  blk '^static gfp_t (__)?dma_direct_optimal_gfp_mask\('
	  blk '^(static )?bool dma_coherent_ok\\(' | sed 's/^bool dma_coherent_ok/static bool dma_coherent_ok/'
	} > "$tmp/kv_direct_extract.h"
	ga=0; grep -q '^static gfp_t __dma_direct_optimal_gfp_mask' "$tmp/kv_direct_extract.h" && ga=2
	grep -q '^static gfp_t dma_direct_optimal_gfp_mask(struct device \*dev, u64 dma_mask' "$tmp/kv_direct_extract.h" && ga=1
	zl=$(grep -q 'zone_dma_limit' "$tmp/kv_direct_extract.h" && echo 1 || echo 0)
	"$here/build.sh" dma_direct_zone.c "$tmp/ddz" "$tree" -I"$tmp" -DKV_DMA64=1 -DKV_RANGE_MAP=$rm_ -DKV_GFP_MASK_ARG=$ga -DKV_ZONE_LIMIT=$zl "-DKV_HEADER=\"$tree/$hdr\""
	# ZONE_DMA's limit as on dmasim's x86_64 (24 bits), rpi4 (30) and a 32-bit ZONE_DMA
	for z in 0xffffff 0x3fffffff 0xffffffff; do
		"$tmp/ddz" $z | wrap dma-direct-zone "$out/dma-direct-zone-$z-$short.json" $src
	done
fi
fi

if want arm64-memory; then
# 2. arch/arm64/include/asm/memory.h (VA_BITS 48, 4K pages, SPARSEMEM_VMEMMAP, no DEBUG_VIRTUAL/KASAN)
hdr=arch/arm64/include/asm/memory.h
pv=$(grep -q physvirt_offset "$tree/$hdr" && echo 1 || echo 0)
"$here/build.sh" arm64_mem.c "$tmp/a64" "$tree" -I"$here/stubs/arm64" $(inc arm64) -DCONFIG_ARM64_VA_BITS=48 -DCONFIG_PAGE_SHIFT=12 \
	-DCONFIG_ARM64_PAGE_SHIFT=12 -DCONFIG_PGTABLE_LEVELS=4 -DCONFIG_SPARSEMEM_VMEMMAP=1 -DCONFIG_ARM64_4K_PAGES=1 -DKV_PHYSVIRT=$pv
"$tmp/a64" 0x5eed 0x0 0x200000 0xfc000000 | wrap arm64-memory-rpi4 "$out/arm64-memory-rpi4-$short.json" $hdr
"$tmp/a64" 0x5eed 0x80000000 0x80200000 0x200000000 | wrap arm64-memory-arm64-coherent "$out/arm64-memory-arm64-coherent-$short.json" $hdr
fi

if want arm-memory; then
# 3. arch/arm/include/asm/memory.h (-m32, 3G/1G, PHYS_OFFSET 0, FLATMEM, no ARM_PATCH_PHYS_VIRT)
hdr=arch/arm/include/asm/memory.h
# 6.x: memory.h may only be included through asm/page.h, which defines _ASMARM_PAGE_H
pg=$(grep -q 'Do not include <asm/memory.h> directly' "$tree/$hdr" && echo -D_ASMARM_PAGE_H || true)
"$here/build.sh" arm_mem.c "$tmp/arm" "$tree" -m32 -DKV_ADDR32 -I"$here/stubs/arm" $(inc arm) $pg -DCONFIG_PAGE_OFFSET=0xC0000000 \
	-DCONFIG_PHYS_OFFSET=0x0 -DCONFIG_MMU=1 -DCONFIG_FLATMEM=1
"$tmp/arm" 0x5eed 0xef800000 0x30000000 | wrap arm-memory "$out/arm-memory-$short.json" $hdr
fi

if want x86_64-memory; then
# 4. arch/x86/include/asm/page_64.h __phys_addr_nodebug (no DYNAMIC_MEMORY_LAYOUT)
hdr=arch/x86/include/asm/page_64.h
"$here/build.sh" x86_mem.c "$tmp/x86" "$tree" -I"$here/stubs/x86" $(inc x86) -DCONFIG_X86_64=1 -DCONFIG_PAGE_SHIFT=12
"$tmp/x86" 0x5eed 0x0 0x80000000 | wrap x86_64-memory "$out/x86_64-memory-$short.json" $hdr
fi

if want getorder; then
# 5. include/asm-generic/getorder.h get_order (with the tree's linux/log2.h and asm-generic/bitops/fls*.h), PAGE_SHIFT 12,
# -O2 as the kernel builds: BITS_PER_LONG 64, then 32 — -m32 where a 32-bit binary runs, else the ILP32 emulation
# (getorder.c: the same headers with `long` defined to `int`; the JSON's "abi" says which)
hdr=include/asm-generic/getorder.h
"$here/build.sh" getorder.c "$tmp/go64" "$tree" -O2 -I"$here/stubs/getorder" -I"$tree/include"
"$tmp/go64" 0x5eed | wrap getorder "$out/getorder-$short.json" $hdr
if "$here/build.sh" getorder.c "$tmp/go32" "$tree" -O2 -m32 -I"$here/stubs/getorder" -I"$tree/include" 2>/dev/null && "$tmp/go32" 0x5eed > "$tmp/go32.json" 2>/dev/null; then
	wrap getorder-ilp32 "$out/getorder-ilp32-$short.json" $hdr < "$tmp/go32.json"
else
	"$here/build.sh" getorder.c "$tmp/go32" "$tree" -O2 -DKV_ILP32_EMUL -I"$here/stubs/getorder" -I"$tree/include"
	"$tmp/go32" 0x5eed | wrap getorder-ilp32 "$out/getorder-ilp32-$short.json" $hdr
fi
fi

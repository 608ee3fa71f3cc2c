#!/usr/bin/env bash
# dmasim kernel-vectors, cma target. Extracts, at build time and into a temporary directory, the CMA
# allocator's functions from the UNMODIFIED mm/cma.c of the kernel tree at TREE (the bitmap helpers,
# cma_clear_bitmap, cma_debug_show_areas with its #ifdef where it has one, cma_range_alloc,
# __cma_alloc, cma_alloc, cma_pages_valid, cma_release — those the tree has), its pr_fmt, and
# bitmap_find_next_zero_area_off from lib/bitmap.c (for_each_clear_bitrange from
# include/linux/find.h where the tree has it); compiles them with the tree's mm/cma.h and
# include/linux/cma.h against ./stubs, drives them (driver.c) and writes OUT/cma-<x.y.z>.json.gz.
# Nothing from the tree is copied into this repository.
#   tools/kernel-vectors/cma/record.sh TREE OUT [COMMIT] [NAME]
set -euo pipefail
. "$(dirname "$0")/../common/record-args.sh" "$@" # TREE OUT COMMIT NAME HERE ver, kv_block
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/linux"
ln -s "$TREE/include/linux/cma.h" "$tmp/linux/cma.h"
ln -s "$TREE/mm/cma.h" "$tmp/kv_mm_cma.h"
# a function definition: from the column-0 line naming it down to the first line that is a lone
# "}"; when the line before it is an #ifdef, that whole #ifdef … #endif block instead
extract() { # extract FILE NAME
  awk -v name="$2" '
    grab == 1 { print; if ($0 ~ /^}/) { if (!ifd) exit; grab = 2 } next }
    grab == 2 { print; if ($0 ~ /^#endif/) exit; next }
    $0 ~ ("^[a-z].*[ *]" name "\\(") && $0 !~ /;[ \t]*$/ { if (prev ~ /^#ifdef/) { print prev; ifd = 1 } print; grab = 1; next }
    $0 != "" { prev = $0 }' "$1"
}
# a multi-line #define: its first line down to the first line not ending in a backslash
extract_define() { # FILE NAME
  awk -v name="$2" 'grab { print; if ($0 !~ /\\$/) exit; next } index($0, "#define " name "(") == 1 { print; grab = 1; if ($0 !~ /\\$/) exit }' "$1"
}
CMA="$TREE/mm/cma.c"
{ echo "/* extracted at build time from $NAME (not committed) */"
  grep -m1 '^#define pr_fmt' "$CMA"
  extract "$TREE/lib/bitmap.c" bitmap_find_next_zero_area_off | sed 's/^unsigned long bitmap_find/static unsigned long bitmap_find/'
  [ -f "$TREE/include/linux/find.h" ] && extract_define "$TREE/include/linux/find.h" for_each_clear_bitrange
  for fn in cma_bitmap_aligned_mask cma_bitmap_aligned_offset cma_bitmap_pages_to_bits cma_clear_bitmap \
            cma_debug_show_areas cma_range_alloc __cma_alloc cma_alloc cma_pages_valid cma_release; do
    extract "$CMA" "$fn"
  done
} > "$tmp/kv_cma_extract.h"
grep -q 'bitmap_find_next_zero_area_off(' "$tmp/kv_cma_extract.h" && grep -q '^bool cma_release(' "$tmp/kv_cma_extract.h" \
  || { echo "record.sh: cma_release / bitmap_find_next_zero_area_off not found in $TREE" >&2; exit 2; }
# the tree's API, read from what was extracted and from its headers (never from the version)
defs=()
grep -q 'struct cma_memrange' "$TREE/mm/cma.h" && defs+=(-DKV_RANGES)
grep -q 'char name\[' "$TREE/mm/cma.h" && defs+=(-DKV_NAME_ARRAY)
grep -q 'available_count' "$TREE/mm/cma.h" && defs+=(-DKV_AVAILABLE)
gcc -O1 -w -std=gnu11 "${defs[@]}" -I "$tmp" -include "$HERE/stubs/kstub.h" -I "$HERE/stubs" \
  "$HERE/driver.c" -o "$tmp/cma-driver"
mkdir -p "$OUT"
f="$OUT/cma-$ver.json"  # gzip -9n afterwards: the committed files are .json.gz
first=1
{ printf '{"target":"cma","tree":"%s","commit":"%s","version":"%s","file":"mm/cma.c","runs":[' "$NAME" "$COMMIT" "$ver"
  # SEED MODE BASE_PFN COUNT ORDER_PER_BIT OPS
  for spec in "1 dma 0x30000 4096 0 400" "2 dma-unaligned 0x2f013 1000 0 400" "3 small 0x3c000 256 0 400" \
              "4 order-per-bit-1 0x30000 2048 1 300" "5 order-per-bit-2-unaligned 0x30405 1503 2 300" \
              "6 misuse 0x30000 1024 0 400" "7 misuse-unaligned 0x2f00b 777 0 400"; do
    set -- $spec
    [ $first = 1 ] || printf ','; first=0
    "$tmp/cma-driver" "$@"
  done
  printf ']}\n'; } > "$f"
gzip -9nf "$f"
echo "wrote $f.gz ($(wc -c < "$f.gz") bytes)"

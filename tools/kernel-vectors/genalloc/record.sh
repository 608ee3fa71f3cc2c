#!/usr/bin/env bash
# dmasim kernel-vectors, genalloc target. Compiles the UNMODIFIED lib/genalloc.c of the kernel tree
# at TREE (with the tree's include/linux/genalloc.h, and bitmap_find_next_zero_area[_off] extracted at
# build time from the tree's include/linux/bitmap.h and lib/bitmap.c into a temporary directory)
# against ./stubs, drives it (driver.c) and writes one JSON vector file per (mode, seed) into OUT.
# Nothing from the tree is copied into this repository.
#   tools/kernel-vectors/genalloc/record.sh TREE OUT [COMMIT] [NAME]
set -euo pipefail
. "$(dirname "$0")/../common/record-args.sh" "$@" # TREE OUT COMMIT NAME HERE ver, kv_block
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/linux"
ln -s "$TREE/include/linux/genalloc.h" "$tmp/linux/genalloc.h"
# a function definition: from its name's line (and the return-type line above it, when the name
# line does not start with the type) down to the first line that is a lone "}"
extract() { # extract FILE REGEX
  awk -v re="$2" 'grab { print; if ($0 ~ /^}/) exit; next }
    $0 ~ re { if (prev ~ /^static|^unsigned long$/) print prev; print; grab = 1 } { prev = $0 }' "$1"
}
{ echo "/* extracted at build time from $NAME (not committed) */"
  extract "$TREE/lib/bitmap.c" '^unsigned long bitmap_find_next_zero_area_off\(' | sed 's/^unsigned long bitmap_find/static unsigned long bitmap_find/'
  extract "$TREE/include/linux/bitmap.h" '^(unsigned long )?bitmap_find_next_zero_area\(' | sed 's/__always_inline/inline/'
} > "$tmp/kv_bitmap_find.h"
grep -q 'return bitmap_find_next_zero_area_off' "$tmp/kv_bitmap_find.h" || { echo "record.sh: bitmap_find_next_zero_area not found in $TREE" >&2; exit 2; }
gcc -O1 -w -std=gnu11 -I "$tmp" -include "$HERE/stubs/kstub.h" -I "$HERE/stubs" \
  "$TREE/lib/genalloc.c" "$HERE/driver.c" -o "$tmp/genalloc-driver"
mkdir -p "$OUT"
first=1
f="$OUT/genalloc-$ver.json"  # gzip -9n afterwards: the committed files are .json.gz
{ printf '{"target":"genalloc","tree":"%s","commit":"%s","version":"%s","file":"lib/genalloc.c","runs":[' "$NAME" "$COMMIT" "$ver"
  for spec in "1 atomic 400" "2 expand 400" "3 order5 400" "4 misuse 300" "5 misuse 300" "6 misuse 300" "7 misuse 300" "8 misuse 300" "9 misuse 300" "10 misuse 300"; do
    set -- $spec
    [ $first = 1 ] || printf ','; first=0
    "$tmp/genalloc-driver" "$1" "$3" "$2"
  done
  printf ']}\n'; } > "$f"
gzip -9nf "$f"
echo "wrote $f.gz ($(wc -c < "$f.gz") bytes)"

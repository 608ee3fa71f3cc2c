#!/usr/bin/env bash
# dmasim kernel-vectors, dma-debug-checks target. Extracts, at build time and into a temporary
# directory, from the UNMODIFIED kernel/dma/debug.c of the kernel tree at TREE: pr_fmt, the HASH_*
# #defines, the entry-type enum, enum map_err_types, struct dma_debug_entry, struct hash_bucket, the
# error counters (error_count, show_all_errors, show_num_errors), type2name, dir2name, err_printk,
# phys_addr (to 6.12), the hash-table functions, check_unmap and check_sync; compiles them with
# checks.c against ./stubs and writes OUT/dma-debug-checks-<x.y.z>.json.gz. Never committed: the tree's text.
#   tools/kernel-vectors/dma-debug-checks/record.sh TREE OUT [COMMIT] [NAME]
set -euo pipefail
. "$(dirname "$0")/../common/record-args.sh" "$@" # TREE OUT COMMIT NAME HERE ver, kv_block
SRC="$TREE/kernel/dma/debug.c"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# a definition of debug.c: from the line matching RE down to the first line starting with "}"
block() { kv_block "$SRC" "$1"; }
# a multi-line #define: down to the first line not ending in a backslash
define() { awk -v re="$1" 'grab { print; if ($0 !~ /\\[ \t]*$/) exit; next } $0 ~ re { print; grab = 1; if ($0 !~ /\\[ \t]*$/) exit }' "$SRC"; }
{ echo "/* extracted at build time from $NAME kernel/dma/debug.c (not committed) */"
  grep -E '^#define (pr_fmt|HASH_SIZE|HASH_FN_SHIFT|HASH_FN_MASK)[ (\t]' "$SRC"
  block '^enum \{'
  block '^enum map_err_types \{'
  block '^struct dma_debug_entry \{'
  echo 'typedef bool (*match_fn)(struct dma_debug_entry *, struct dma_debug_entry *);'
  block '^struct hash_bucket \{'
  echo 'static struct hash_bucket dma_entry_hash[HASH_SIZE];'
  grep -E '^static u32 (error_count|show_all_errors|show_num_errors)\b' "$SRC"
  block '^static const char \*(const )?type2name\['
  block '^static const char \*(const )?dir2name\['
  define '^#define err_printk\('
  block '^static [a-z_ ]*[ *]phys_addr\('
  for fn in hash_fn get_hash_bucket put_hash_bucket exact_match containing_match __hash_bucket_find \
            bucket_find_exact bucket_find_contain hash_bucket_add hash_bucket_del check_unmap check_sync; do
    block "^static [a-z_ ]*[ *]$fn\\("
  done
} > "$tmp/kv_checks_extract.h"
grep -q '^static void check_unmap(' "$tmp/kv_checks_extract.h" && grep -q '^static void check_sync(' "$tmp/kv_checks_extract.h" \
  || { echo "record.sh: check_unmap / check_sync not found in $TREE" >&2; exit 2; }
defs=()
grep -q 'dma_debug_phy' "$tmp/kv_checks_extract.h" && defs+=(-DKV_PHY)
grep -qE '^[[:space:]]*phys_addr_t[[:space:]]+paddr;' "$tmp/kv_checks_extract.h" && defs+=(-DKV_PADDR)
gcc -O1 -w -std=gnu11 "${defs[@]}" -I "$tmp" -include "$HERE/stubs/kstub.h" "$HERE/checks.c" -o "$tmp/checks"
mkdir -p "$OUT"
f="$OUT/dma-debug-checks-$ver.json"
first=1
{ printf '{"target":"dma-debug-checks","tree":"%s","commit":"%s","version":"%s","file":"kernel/dma/debug.c","runs":[' "$NAME" "$COMMIT" "$ver"
  # SEED ALL_ERRORS NOPS: show_all_errors on (every finding printed) and the default (only the first)
  for spec in "21 1 500" "22 1 500" "23 0 200"; do
    set -- $spec
    [ $first = 1 ] || printf ','; first=0
    "$tmp/checks" "$@"
  done
  printf ']}\n'; } > "$f"
gzip -9nf "$f"
echo "wrote $f.gz ($(wc -c < "$f.gz") bytes)"

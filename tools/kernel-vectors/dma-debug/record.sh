#!/usr/bin/env bash
# dmasim kernel-vectors, dma-debug target. Extracts, at build time and into a temporary directory,
# the active-cacheline tracking and add_dma_entry of the kernel tree at TREE (kernel/dma/debug.c:
# struct dma_debug_entry, enum map_err_types, pr_fmt, the HASH_* and cacheline #defines, hash_fn,
# to_cacheline_number, active_cacheline_{read,set}_overlap, active_cacheline_{inc,dec}_overlap,
# active_cacheline_insert, active_cacheline_remove, add_dma_entry) — unmodified, never committed —
# compiles them with driver.c against ./stubs and writes OUT/dma-debug-<x.y.z>.json.gz with one run
# per configuration (the arch facts add_dma_entry reads: dma_get_cache_alignment(),
# CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC, is_swiotlb_active(dev)).
#   tools/kernel-vectors/dma-debug/record.sh TREE OUT [COMMIT] [NAME]
set -euo pipefail
. "$(dirname "$0")/../common/record-args.sh" "$@" # TREE OUT COMMIT NAME HERE ver, kv_block
SRC="$TREE/kernel/dma/debug.c"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# a definition of debug.c: from the line matching RE down to the first line starting with "}"
block() { kv_block "$SRC" "$1"; }
{ echo "/* extracted at build time from $NAME kernel/dma/debug.c (not committed) */"
  grep -E '^#define (pr_fmt|HASH_SIZE|HASH_FN_SHIFT|HASH_FN_MASK|ACTIVE_CACHELINE_MAX_OVERLAP|CACHELINE_PER_PAGE_SHIFT|CACHELINES_PER_PAGE)[ (\t]' "$SRC"
  block '^enum map_err_types \{'
  block '^struct dma_debug_entry \{'
  for f in hash_fn to_cacheline_number active_cacheline_read_overlap active_cacheline_set_overlap \
           active_cacheline_inc_overlap active_cacheline_dec_overlap active_cacheline_insert \
           active_cacheline_remove add_dma_entry; do
    block "^static [a-z_ ]*[ *]$f\\("
  done
} > "$tmp/kv_debug_extract.h"
defs=""
grep -qE '^[[:space:]]*phys_addr_t[[:space:]]+paddr;' "$tmp/kv_debug_extract.h" && defs="$defs -DKV_PADDR"
grep -q '^static void add_dma_entry(struct dma_debug_entry \*entry, unsigned long attrs)' "$tmp/kv_debug_extract.h" && defs="$defs -DKV_ATTRS"
# DMA_ATTR_CPU_CACHE_CLEAN (6.18.35's add_dma_entry knows it): dmasim does not accept the attribute,
# so the driver never passes it (is_cache_clean stays false); -DKV_CACHE_CLEAN would
cache_clean=false; grep -q 'DMA_ATTR_CPU_CACHE_CLEAN' "$tmp/kv_debug_extract.h" && cache_clean=true
[ -n "${KV_SHOW_EXTRACT:-}" ] && { tail -n +2 "$tmp/kv_debug_extract.h" | md5sum; exit 0; }
# the hash table's lookups (find.c): its own extraction
{ echo "/* extracted at build time from $NAME kernel/dma/debug.c (not committed) */"
  grep -E '^#define (HASH_SIZE|HASH_FN_SHIFT|HASH_FN_MASK)[ (\t]' "$SRC"
  block '^enum map_err_types \{'
  block '^struct dma_debug_entry \{'
  echo 'typedef bool (*match_fn)(struct dma_debug_entry *, struct dma_debug_entry *);'
  block '^struct hash_bucket \{'
  echo 'static struct hash_bucket dma_entry_hash[HASH_SIZE];'
  for fn in hash_fn get_hash_bucket put_hash_bucket exact_match containing_match __hash_bucket_find \
            bucket_find_exact bucket_find_contain hash_bucket_add hash_bucket_del; do
    block "^static [a-z_ ]*[ *]$fn\\("
  done
} > "$tmp/kv_find_extract.h"
mkdir -p "$OUT"
f="$OUT/dma-debug-$ver.json"
first=1
{ printf '{"target":"dma-debug","tree":"%s","commit":"%s","version":"%s","file":"kernel/dma/debug.c","defs":"%s","cache_clean_attr_in_tree":%s,"runs":[' "$NAME" "$COMMIT" "$ver" "${defs# }" "$cache_clean"
  # configurations PLATFORM,CACHE_ALIGN,BOUNCE,SWIOTLB,SEED: the values dmasim's platform has for
  # dma_get_cache_alignment(), CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC and is_swiotlb_active(dev) of its
  # first device (the replay checks them): rpi4 (arm64: ARCH_DMA_MINALIGN 128 before 6.5; from 6.5
  # cache_line_size() 64 and DMA_BOUNCE_UNALIGNED_KMALLOC), arm32 (64, no swiotlb), x86_64 (1)
  rpi4="rpi4,128,0,1,1"; [ "$(echo "$ver" | awk -F. '{print ($1 * 100 + $2 >= 605)}')" = 1 ] && rpi4="rpi4,64,1,1,1"
  for spec in ${KV_CONFIGS:-"$rpi4" "arm32,64,0,0,2" "x86_64,1,0,1,3"}; do
    IFS=, read -r platform align bounce swiotlb seed <<< "$spec"
    gcc -O1 -w -std=gnu11 -I "$tmp" -I "$HERE/stubs" -DKV_CACHE_ALIGN="$align" -DKV_BOUNCE="$bounce" -DKV_SWIOTLB="$swiotlb" $defs \
      "$HERE/driver.c" -o "$tmp/driver"
    [ $first = 1 ] || printf ','; first=0
    "$tmp/driver" "$seed" "${KV_OPS:-400}" "$platform"
  done
  printf '],"find":['
  # dma_get_max_seg_size(dev): 64 KiB (no dma_parms, dmasim's default) and 1 MiB; two seeds each
  first=1
  for spec in "65536,11" "65536,12" "1048576,13"; do
    IFS=, read -r maxseg seed <<< "$spec"
    gcc -O1 -w -std=gnu11 -I "$tmp" -I "$HERE/stubs" -DKV_MAX_SEG="$maxseg" "$HERE/find.c" -o "$tmp/find"
    [ $first = 1 ] || printf ','; first=0
    "$tmp/find" "$seed" "${KV_FIND_OPS:-600}"
  done
  printf ']}\n'; } > "$f"
gzip -9nf "$f"
echo "wrote $f.gz ($(wc -c < "$f.gz") bytes; $defs)"

#!/usr/bin/env bash
# dmasim kernel-vectors, io-pgtable-arm target. Compiles the UNMODIFIED
# drivers/iommu/io-pgtable-arm.c of the kernel tree at TREE against ./stubs, drives it (driver.c)
# and writes one JSON vector file per (seed, mode) into OUT. Nothing from the tree is copied here.
#   tools/kernel-vectors/io-pgtable-arm/record.sh TREE OUT [COMMIT] [NAME]
set -euo pipefail
. "$(dirname "$0")/../common/record-args.sh" "$@" # TREE OUT COMMIT NAME HERE ver, kv_block
defs=""
grep -q "map_pages" "$TREE/include/linux/io-pgtable.h" && defs="$defs -DKV_MAP_PAGES"
grep -q "size_t size, int prot);" "$TREE/include/linux/io-pgtable.h" && defs="$defs -DKV_MAP_NO_GFP"
grep -q "tlb_flush_leaf" "$TREE/include/linux/io-pgtable.h" || defs="$defs -DKV_NO_FLUSH_LEAF"
scratch=$(mktemp -d); bin=$scratch/iopt-driver
src="$TREE/drivers/iommu/io-pgtable-arm.c"
if [ -f "$TREE/drivers/iommu/iommu-pages.h" ]; then
  # 6.11+: io-pgtable-arm.c includes "iommu-pages.h" (quoted: its own directory first). Compile an
  # unmodified copy of the tree's file from a scratch directory beside our stand-in header.
  grep -q "iommu_alloc_pages_node_sz" "$TREE/drivers/iommu/iommu-pages.h" && defs="$defs -DKV_PAGES_SZ"
  cp "$src" "$TREE/drivers/iommu/io-pgtable-arm.h" "$scratch/" && cp "$HERE/stubs/pages/iommu-pages.h" "$scratch/"
  src="$scratch/io-pgtable-arm.c"
fi
gcc -O1 -w -std=gnu11 -include "$HERE/stubs/kstub-iopt.h" -I "$HERE/stubs" -I "$TREE/include" -I "$TREE/drivers/iommu" $defs \
  "$src" "$HERE/driver.c" -o "$bin"
mkdir -p "$OUT"
for spec in "1 strict 700" "2 lazy 700" "3 strict 700"; do
  set -- $spec
  f="$OUT/io-pgtable-arm-$ver-seed$1-$2.json"
  { printf '{"target":"io-pgtable-arm","tree":"%s","commit":"%s","version":"%s","vector":' "$NAME" "$COMMIT" "$ver"
    "$bin" "$1" "$3" "$2"
    printf '}\n'; } > "$f"
  echo "wrote $f"
done

#!/usr/bin/env bash
# dmasim kernel-vectors, dma-iommu target. Extracts, at build time and into a temporary directory,
# iommu_dma_alloc_iova from the UNMODIFIED drivers/iommu/dma-iommu.c of the kernel tree at TREE
# (drivers/iommu/dma-iommu.c from 5.6 on), and compiles it with the tree's unmodified
# drivers/iommu/iova.c and lib/rbtree.c against ./stubs; drives it (driver.c) as dma-iommu's map and
# free paths do and writes OUT/dma-iommu-<x.y.z>.json.gz. Nothing from the tree is copied into this
# repository.
#   tools/kernel-vectors/dma-iommu/record.sh TREE OUT [COMMIT] [NAME]
set -euo pipefail
. "$(dirname "$0")/../common/record-args.sh" "$@" # TREE OUT COMMIT NAME HERE ver, kv_block
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# the function: from its column-0 line down to the first line that is a lone "}"
awk 'grab { print; if ($0 ~ /^}/) exit; next } /^static dma_addr_t iommu_dma_alloc_iova\(/ { print "/* extracted at build time (not committed) */"; print; grab = 1 }' \
  "$TREE/drivers/iommu/dma-iommu.c" > "$tmp/kv_alloc_iova.h"
grep -q 'alloc_iova_fast' "$tmp/kv_alloc_iova.h" || { echo "record.sh: iommu_dma_alloc_iova not found in $TREE" >&2; exit 2; }
defs=()
grep -q "iova_domain_init_rcaches" "$TREE/include/linux/iova.h" && defs+=(-DKV_RCACHE_INIT)
grep -q "pci_32bit_workaround" "$tmp/kv_alloc_iova.h" && defs+=(-DKV_PCI32_FLAG)
gcc -O1 -w -std=gnu11 "${defs[@]}" -I "$tmp" -include "$HERE/stubs/kstub.h" -I "$HERE/stubs" -I "$TREE/include" \
  "$TREE/drivers/iommu/iova.c" "$TREE/lib/rbtree.c" "$HERE/driver.c" -o "$tmp/dma-iommu-driver"
mkdir -p "$OUT"
f="$OUT/dma-iommu-$ver.json"  # gzip -9n afterwards: the committed files are .json.gz
first=1
{ printf '{"target":"dma-iommu","tree":"%s","commit":"%s","version":"%s","file":"drivers/iommu/dma-iommu.c","runs":[' "$NAME" "$COMMIT" "$ver"
  # SEED MODE GRANULE APERTURE_END(0: no force_aperture) FORCEDAC OPS
  for spec in "1 smmu 4096 0xffffffffffff 0 500" "2 vtd-39 4096 0x7fffffffff 0 500" "3 fill-32 4096 0xffffffffff 0 400" \
              "4 forcedac 4096 0xffffffffff 1 300" "5 aperture-32 4096 0xffffffff 0 300" "6 no-aperture 4096 0 0 300"; do
    set -- $spec
    [ $first = 1 ] || printf ','; first=0
    "$tmp/dma-iommu-driver" "$@"
  done
  printf ']}\n'; } > "$f"
gzip -9nf "$f"
echo "wrote $f.gz ($(wc -c < "$f.gz") bytes)"

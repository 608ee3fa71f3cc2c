#!/usr/bin/env bash
# dmasim kernel-vectors, iova target. Compiles the UNMODIFIED drivers/iommu/iova.c and lib/rbtree.c
# of the kernel tree at TREE against ./stubs, drives them (driver.c) and writes one JSON vector file
# per (seed, mode) into OUT. Nothing from the tree is copied into this repository.
#   tools/kernel-vectors/iova/record.sh TREE OUT [COMMIT] [NAME]
set -euo pipefail
. "$(dirname "$0")/../common/record-args.sh" "$@" # TREE OUT COMMIT NAME HERE ver, kv_block
defs=""
grep -q "iova_domain_init_rcaches" "$TREE/include/linux/iova.h" && defs="$defs -DKV_RCACHE_INIT"
tmp=$(mktemp -d)
build() { # build BINARY EXTRA_DEFS
  gcc -O1 -w -std=gnu11 -include "$HERE/stubs/kstub.h" -I "$HERE/stubs" -I "$TREE/include" $defs $2 \
    "$TREE/drivers/iommu/iova.c" "$TREE/lib/rbtree.c" "$HERE/driver.c" -o "$1"
}
build "$tmp/iova-driver" ""
build "$tmp/iova-driver-2cpu" "-DKV_NR_CPUS=2" # two possible, online CPUs: per-CPU magazines
mkdir -p "$OUT"
for spec in "1 small 2500" "3 mixed 2500" "5 depot 3000" "7 mags 3000" "9 cpus 3000"; do
  set -- $spec
  bin="$tmp/iova-driver"; [ "$2" = cpus ] && bin="$tmp/iova-driver-2cpu"
  f="$OUT/iova-$ver-seed$1-$2.json"
  { printf '{"target":"iova","tree":"%s","commit":"%s","version":"%s","vector":' "$NAME" "$COMMIT" "$ver"
    "$bin" "$1" "$3" "$2"
    printf '}\n'; } > "$f"
  echo "wrote $f"
done

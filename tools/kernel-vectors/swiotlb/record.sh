#!/bin/sh
# tools/kernel-vectors/swiotlb/record.sh — record swiotlb slot-allocator vectors from a
# kernel tree's own, unmodified kernel/dma/swiotlb.c (see ../README.md).
#
#   record.sh TREE OUTDIR [--name NAME] [--commit SHA] [--ops N] [--seed S]
#
# TREE is a kernel source tree (only kernel/dma/swiotlb.c, include/linux/swiotlb.h and the
# top Makefile are read). OUTDIR receives one JSON file per configuration:
#   <version>-<config>.json. Nothing from the tree is written anywhere else.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tree=${1:?usage: record.sh TREE OUTDIR [--name NAME] [--commit SHA] [--ops N] [--seed S]}
out=${2:?usage: record.sh TREE OUTDIR [--name NAME] [--commit SHA] [--ops N] [--seed S]}
shift 2
name=""; commit=""; ops=400; seed=1
while [ $# -gt 0 ]; do
  case $1 in
    --name) name=$2; shift 2;; --commit) commit=$2; shift 2;;
    --ops) ops=$2; shift 2;; --seed) seed=$2; shift 2;;
    *) echo "record.sh: unknown option $1" >&2; exit 2;;
  esac
done
c="$tree/kernel/dma/swiotlb.c"; h="$tree/include/linux/swiotlb.h"
[ -f "$c" ] && [ -f "$h" ] && [ -f "$tree/Makefile" ] || { echo "record.sh: $tree: not a kernel tree (need Makefile, kernel/dma/swiotlb.c, include/linux/swiotlb.h)" >&2; exit 2; }
[ -n "$name" ] || name=$(basename "$(cd "$tree" && pwd)")
if [ -z "$commit" ]; then commit=$(git -C "$tree" rev-parse HEAD 2>/dev/null || echo unknown); fi
mk() { sed -n "s/^$1 *= *//p" "$tree/Makefile" | head -1; }
version="$(mk VERSION).$(mk PATCHLEVEL).$(mk SUBLEVEL)$(mk EXTRAVERSION)"
short="$(mk VERSION).$(mk PATCHLEVEL)"

# --- which API does this tree have? (read from its own header and source) ---
hdr=$(tr '\n' ' ' < "$h" | tr -s ' \t' '  ')
defs=""
has() { printf '%s' "$hdr" | grep -Eq "$1"; }
has 'swiotlb_tbl_map_single\([^)]*dma_addr_t tbl_dma_addr' && defs="$defs -DKV_MAP_TBL_DMA_ADDR"
has 'swiotlb_tbl_map_single\([^)]*unsigned int alloc_align(ed)?_mask' && defs="$defs -DKV_MAP_ALIGN_MASK"
has 'swiotlb_tbl_unmap_single\([^)]*size_t alloc_size' && defs="$defs -DKV_UNMAP_ALLOC_SIZE"
has 'swiotlb_tbl_sync_single\(' && defs="$defs -DKV_SYNC_SINGLE"
has 'extern struct io_tlb_mem io_tlb_default_mem' && defs="$defs -DKV_MEM_STRUCT"
has 'extern struct io_tlb_mem \*io_tlb_default_mem' && defs="$defs -DKV_MEM_PTR"
has 'dev->dma_io_tlb_mem' && defs="$defs -DKV_DEV_MEM"
has 'void swiotlb_init\(bool' && defs="$defs -DKV_INIT_FLAGS"
minalign=no; grep -q dma_get_min_align_mask "$c" && minalign=yes
# swiotlb areas (6.0+): struct io_tlb_area in the source, swiotlb=<slabs>,<areas> in its parser
areas=no; grep -q 'struct io_tlb_area {' "$c" && { areas=yes; defs="$defs -DKV_AREAS"; }
# restricted DMA pools (5.15+): the tree's rmem_swiotlb_device_init, built with CONFIG_DMA_RESTRICTED_POOL
rmem=no; grep -q 'rmem_swiotlb_device_init' "$c" && { rmem=yes; defs="$defs -DKV_RMEM -DCONFIG_DMA_RESTRICTED_POOL"; }

# --- the pool era (struct io_tlb_pool in the header): its own driver, driver66.c ---
if has 'struct io_tlb_pool \{'; then
  defs66=""
  has 'swiotlb_tbl_map_single\([^)]*size_t alloc_size' || defs66="$defs66 -DKV_MAP_NO_ALLOC_SIZE"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  build66() { # $1 = output, $2 = extra defines
    ${CC:-gcc} -O1 -g -w -std=gnu11 -fno-strict-aliasing -fwrapv -I "$here/stubs66" -DCONFIG_SWIOTLB -DCONFIG_DEBUG_FS $defs66 $2 \
      -DKV_SWIOTLB_C="\"$(cd "$tree" && pwd)/kernel/dma/swiotlb.c\"" \
      -DKV_TREE_SWIOTLB_H="\"$(cd "$tree" && pwd)/include/linux/swiotlb.h\"" \
      -o "$1" "$here/driver66.c"
  }
  build66 "$tmp/kv66" ""
  build66 "$tmp/kv66-dyn" "-DCONFIG_SWIOTLB_DYNAMIC"
  mkdir -p "$out"
  # config: name swiotlb= min_align_mask seg_boundary_mask wrong_pct ncpus dynamic(0/1) [max_alloc]
  run66() {
    cfg=$1; file="$out/$short-$cfg.json"; b="$tmp/kv66"; [ "$7" = 1 ] && b="$tmp/kv66-dyn"
    rc=0; body=$(timeout 60 "$b" "$seed" "$2" "$ops" "$3" "$4" "$5" "$6" ${8:-} 2>/dev/null) || rc=$?
    [ $rc -eq 0 ] && [ -n "$body" ] || { echo "record.sh: $cfg: the driver failed (exit $rc)" >&2; exit 1; }
    {
      printf '{"tool":"tools/kernel-vectors/swiotlb","driver":"driver66.c","tree":"%s","commit":"%s","version":"%s","file":"kernel/dma/swiotlb.c",' "$name" "$commit" "$version"
      printf '"api":"%s","config":"%s",\n"run":' "POOL $(echo $defs66 | sed 's/-DKV_//g')$([ "$7" = 1 ] && echo ' CONFIG_SWIOTLB_DYNAMIC')" "$cfg"
      printf '%s}\n' "$body"
    } > "$file"
    echo "$file: $(grep -c '"op":' "$file") ops"
  }
  run66 plain 1024 0 0 5 4 0
  run66 one-area 1024 0 0 5 1 0
  run66 areas-param 1024,2 0 0 5 8 0
  run66 small-pool 256 0 0 5 4 0
  run66 boundary-64k 1024 0 0xffff 5 4 0
  run66 min-align-4k 1024 0xfff 0 5 4 0
  run66 min-align-64k 1024 0xffff 0 0 4 0
  run66 dynamic-small 256 0 0 5 4 1
  run66 dynamic-min-align-4k 256 0xfff 0 5 2 1
  run66 dynamic-plain 1024 0 0 5 4 1
  # no request above 64 KiB: the pool fills up and transient pools serve the overflow
  run66 dynamic-fits 256 0 0 5 4 1 65536
  exit 0
fi

bin=$(mktemp -d)/kv-swiotlb
trap 'rm -rf "$(dirname "$bin")"' EXIT
# -fno-strict-aliasing -fwrapv: the kernel's own C dialect
${CC:-gcc} -O1 -g -w -std=gnu11 -fno-strict-aliasing -fwrapv -I "$here/stubs" -DCONFIG_SWIOTLB $defs \
  -DKV_SWIOTLB_C="\"$(cd "$tree" && pwd)/kernel/dma/swiotlb.c\"" \
  -DKV_TREE_SWIOTLB_H="\"$(cd "$tree" && pwd)/include/linux/swiotlb.h\"" \
  -o "$bin" "$here/driver.c"

mkdir -p "$out"
# config: name swiotlb= min_align_mask seg_boundary_mask wrong_pct [nr_cpus [rmem]]
run() {
  cfg=$1; file="$out/$short-$cfg.json"
  rc=0; body=$(timeout 60 "$bin" "$seed" "$2" "$ops" "$3" "$4" "$5" "${6:-1}" "${7:-0}" 2>/dev/null) || rc=$?
  [ $rc -eq 0 ] && [ -n "$body" ] || { echo "record.sh: $cfg: the driver failed (exit $rc)" >&2; exit 1; }
  {
    printf '{"tool":"tools/kernel-vectors/swiotlb","tree":"%s","commit":"%s","version":"%s","file":"kernel/dma/swiotlb.c",' "$name" "$commit" "$version"
    printf '"api":"%s","config":"%s",\n"run":' "$(echo $defs | sed 's/ *-DCONFIG_[A-Z_]*//g; s/-DKV_//g')" "$cfg"
    printf '%s}\n' "$body"
  } > "$file"
  echo "$file: $(grep -c '"op":' "$file") ops"
}
run plain 1024 0 0 0
run wrong-unmap 1024 0 0 15
run small-pool 256 0 0 5
run boundary-64k 1024 0 0xffff 5
if [ $minalign = yes ]; then
  # an endless slot search stops a run (the kernel hangs there): several seeds for coverage
  for s in 1 2 3; do
    seed=$s run min-align-4k-s$s 1024 0xfff 0 5
    seed=$s run min-align-64k-s$s 1024 0xffff 0 0
  done
fi
if [ $areas = yes ]; then
  # areas: swiotlb=<slabs>,<areas>, or the default of one area per possible CPU; each map runs
  # on a CPU the generator picks (raw_smp_processor_id() & (nareas - 1) is its first area)
  run areas-1 1024,1 0 0 5 4
  run areas-4 1024,4 0 0 5 4
  run areas-default-8cpus 1024 0 0 5 8
  run areas-4-small 512,4 0 0 5 4
  run areas-3-roundup 1100,3 0 0 5 4
  run areas-4-boundary-64k 1024,4 0 0xffff 5 4
  for s in 1 2; do
    seed=$s run areas-4-min-align-4k-s$s 1024,4 0xfff 0 5 4
  done
fi
if [ $rmem = yes ]; then
  # a restricted-dma-pool device: maps, syncs and whole-page swiotlb_alloc / swiotlb_free on its own pool
  run rmem 1024 0 0 5 4 1
  run rmem-small 256 0 0 5 4 1
  seed=2 run rmem-min-align-4k 1024 0xfff 0 5 4 1
fi

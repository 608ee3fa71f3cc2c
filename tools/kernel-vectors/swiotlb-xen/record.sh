#!/usr/bin/env bash
# dmasim kernel-vectors, swiotlb-xen target. Extracts, at build time and into a temporary directory,
# from the UNMODIFIED kernel tree at TREE: drivers/xen/swiotlb-xen.c's address helpers (xen_phys_to_bus,
# xen_phys_to_dma, xen_bus_to_phys, xen_dma_to_phys, range_requires_alignment,
# range_straddles_page_boundary — those the tree has), arch/arm/xen/p2m.c's phys_to_mach rbtree
# (struct xen_p2m_entry, xen_add_phys_to_mach_entry, __pfn_to_mfn, __set_phys_to_machine_multi,
# __set_phys_to_machine), include/xen/arm/page.h's INVALID_P2M_ENTRY, pfn_to_bfn and bfn_to_pfn and
# include/xen/page.h's XEN_PAGE_* / XEN_PFN_* macros; compiles them with the tree's lib/rbtree.c and
# include/linux/rbtree*.h against ./stubs, drives them (driver.c) and writes OUT/swiotlb-xen-<x.y.z>.json.gz.
# Nothing from the tree is copied into this repository.
#   tools/kernel-vectors/swiotlb-xen/record.sh TREE OUT [COMMIT] [NAME]
set -euo pipefail
. "$(dirname "$0")/../common/record-args.sh" "$@" # TREE OUT COMMIT NAME HERE ver, kv_block
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/linux"
for h in rbtree.h rbtree_augmented.h rbtree_types.h; do
  [ -f "$TREE/include/linux/$h" ] && ln -s "$TREE/include/linux/$h" "$tmp/linux/$h"
done
# a function definition: from the column-0 line naming it down to the first line that is a lone "}"
extract() { # FILE NAME
  awk -v name="$2" '
    grab { print; if ($0 ~ /^}/) exit; next }
    $0 ~ ("^[a-z].*[ *]" name "\\(") && $0 !~ /;[ \t]*$/ { print; grab = 1 }' "$1"
}
# a struct definition: "struct NAME {" down to "};"
extract_struct() { awk -v name="$2" 'grab { print; if ($0 ~ /^};/) exit; next } $0 == "struct " name " {" { print; grab = 1 }' "$1"; }
SX="$TREE/drivers/xen/swiotlb-xen.c"; P2M="$TREE/arch/arm/xen/p2m.c"
{ echo "/* extracted at build time from $NAME (not committed) */"
  grep -E '^#define (XEN_PAGE_SHIFT|XEN_PAGE_SIZE|XEN_PAGE_MASK|xen_offset_in_page|XEN_PFN_DOWN|XEN_PFN_UP)\b' "$TREE/include/xen/page.h"
  grep -E '^#define INVALID_P2M_ENTRY\b' "$TREE/include/xen/arm/page.h"
  extract_struct "$P2M" xen_p2m_entry
  grep -E '^static rwlock_t p2m_lock;|^struct rb_root phys_to_mach = RB_ROOT;' "$P2M"
  for fn in xen_add_phys_to_mach_entry __pfn_to_mfn __set_phys_to_machine_multi __set_phys_to_machine; do extract "$P2M" "$fn"; done
  for fn in pfn_to_bfn bfn_to_pfn; do extract "$TREE/include/xen/arm/page.h" "$fn"; done
  for fn in xen_phys_to_bus xen_phys_to_dma xen_bus_to_phys xen_dma_to_phys range_requires_alignment range_straddles_page_boundary; do extract "$SX" "$fn"; done
} > "$tmp/kv_xen_extract.h"
grep -q 'range_straddles_page_boundary(' "$tmp/kv_xen_extract.h" && grep -q '__pfn_to_mfn(' "$tmp/kv_xen_extract.h" \
  || { echo "record.sh: swiotlb-xen.c / arm p2m.c helpers not found in $TREE" >&2; exit 2; }
# the tree's API, read from what was extracted (never from the version)
defs=()
grep -q 'xen_phys_to_dma(' "$tmp/kv_xen_extract.h" && defs+=(-DKV_DEV)
grep -q 'range_requires_alignment(' "$tmp/kv_xen_extract.h" && defs+=(-DKV_REQALIGN)
gcc -O1 -w -std=gnu11 "${defs[@]}" -I "$tmp" -include "$HERE/stubs/kstub.h" -I "$HERE/stubs" \
  "$TREE/lib/rbtree.c" "$HERE/driver.c" -o "$tmp/xen-driver"
mkdir -p "$OUT"
f="$OUT/swiotlb-xen-$ver.json"  # gzip -9n afterwards: the committed files are .json.gz
first=1
{ printf '{"target":"swiotlb-xen","tree":"%s","commit":"%s","version":"%s","file":"drivers/xen/swiotlb-xen.c","api":"%s","runs":[' "$NAME" "$COMMIT" "$ver" "${defs[*]:-}"
  for spec in "1 grants 300" "2 runs 300" "3 dense 300"; do
    set -- $spec
    [ $first = 1 ] || printf ','; first=0
    "$tmp/xen-driver" "$@"
  done
  printf ']}\n'; } > "$f"
gzip -9nf "$f"
echo "wrote $f.gz ($(wc -c < "$f.gz") bytes)"

/** Behaviour switches of mm/: page allocator, kvmalloc, vmalloc. One entry per upstream commit; see src/versions.ts. */
import type { Switch } from "../versions.js";

export const MM_SWITCHES: Record<string, Switch> = {
  "e320d3012d25": {
    commit: "e320d3012d25",
    title: "mm/page_alloc.c: fix freeing non-compound pages",
    release: "5.10",
    effect: "__free_pages of a non-compound block whose refcount did not drop to zero frees its upper halves (order-1 .. 0) anyway; a double free of an order ≥ 1 block then meets free_pages_prepare's bad-page checks",
  },
  "7661809d493b": {
    commit: "7661809d493b",
    title: "mm: don't allow oversized kvmalloc() calls",
    release: "5.15",
    effect: "kvmalloc of more than INT_MAX bytes WARN_ON_ONCEs and returns NULL instead of falling back to vmalloc (checked: absent in 5.14, present in 5.19 mm/util.c)",
  },
};

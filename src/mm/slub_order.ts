/**
 * mm/slub.c: the order of a kmalloc cache's slab (calculate_sizes → calculate_order → oo_make).
 *
 * Facts (docs/verified-facts.md §"SLUB slab order"): slub_max_order = PAGE_ALLOC_COSTLY_ORDER (3),
 * slub_min_order 0, slub_min_objects 0 (no slub_min_objects= on the command line) in every modelled tree;
 * min_objects = 4 * (fls(nr_cpus) + 1). 5.6–5.10 read nr_cpu_ids; 5.11+ num_present_cpus(), falling back
 * to nr_cpu_ids when it is ≤ 1 (arm64 marks only the boot CPU present before kmem_cache_init): both are
 * config nr_cpus in the model (every possible CPU is present). The size fed in is s->size, as
 * src/mm/slub.ts calculate_sizes computes it: the object with the free pointer inside it (no slub_debug),
 * plus generic KASAN's metadata and redzone when CONFIG_KASAN, aligned to s->align.
 */
import type { Kernel } from "../kernel.js";
import { PAGE_SIZE, get_order } from "../core/u64.js";
import { MAX_ORDER } from "./page_alloc.js";

/** include/linux/mmzone.h PAGE_ALLOC_COSTLY_ORDER */
const PAGE_ALLOC_COSTLY_ORDER = 3;
/** mm/slub.c slub_max_order (5.6–6.18 without CONFIG_SLUB_TINY): PAGE_ALLOC_COSTLY_ORDER */
const slub_max_order = PAGE_ALLOC_COSTLY_ORDER;
/** mm/slub.c slub_min_order (no slub_min_order= / slab_min_order=) */
const slub_min_order = 0;
/** mm/slub.c MAX_OBJS_PER_PAGE: 32767 (the 15-bit page->objects) */
const MAX_OBJS_PER_PAGE = 32767;

/** include/asm-generic/bitops/fls.h fls: the 1-based index of the highest set bit (0 for 0) */
export function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}

/** mm/slub.c order_objects (5.6–6.18): the objects of `size` bytes a slab of `order` holds */
export function order_objects(order: number, size: number): number {
  return Math.floor((PAGE_SIZE << order) / size);
}

/** mm/slub.c calculate_order's min_objects when slub_min_objects is 0 (5.6–6.18): 4 * (fls(nr_cpus) + 1) */
function default_min_objects(k: Kernel): number {
  // 5.6–5.10 nr_cpu_ids; 5.11+ num_present_cpus() (nr_cpu_ids when ≤ 1): both config nr_cpus here
  const nr_cpus = Math.max(1, k.cfg?.nr_cpus ?? 1);
  return 4 * (fls(nr_cpus) + 1);
}

/** mm/slub.c slab_order (5.6–5.18) / calc_slab_order (5.19–6.6, renamed): the first order from get_order(min_objects * size) whose leftover is ≤ slab_size / fract_leftover */
function calc_slab_order_v5_6(size: number, min_objects: number, max_order: number, fract_leftover: number): number {
  const min_order = slub_min_order;
  if (order_objects(min_order, size) > MAX_OBJS_PER_PAGE) return get_order(size * MAX_OBJS_PER_PAGE) - 1;
  let order: number;
  for (order = Math.max(min_order, get_order(min_objects * size)); order <= max_order; order++) {
    const slab_size = PAGE_SIZE << order;
    const rem = slab_size % size;
    if (rem <= Math.floor(slab_size / fract_leftover)) break;
  }
  return order;
}

/** mm/slub.c calculate_order (5.6–6.6): min_objects (capped by what fits at slub_max_order) down to 2, fractions 16, 8, 4 each; then one object; then up to MAX_ORDER */
export function calculate_order_v5_6(k: Kernel, size: number): number {
  let min_objects = default_min_objects(k);
  const max_objects = order_objects(slub_max_order, size);
  min_objects = Math.min(min_objects, max_objects);
  while (min_objects > 1) {
    for (let fraction = 16; fraction >= 4; fraction = Math.floor(fraction / 2)) {
      const order = calc_slab_order_v5_6(size, min_objects, slub_max_order, fraction);
      if (order <= slub_max_order) return order;
    }
    min_objects--;
  }
  let order = calc_slab_order_v5_6(size, 1, slub_max_order, 1);
  if (order <= slub_max_order) return order;
  // 6.4+ spell it calc_slab_order(size, 1, MAX_ORDER, 1) <= MAX_ORDER with the inclusive MAX_ORDER (10): the same test
  order = calc_slab_order_v5_6(size, 1, MAX_ORDER, 1);
  if (order < MAX_ORDER) return order;
  return -38; // -ENOSYS
}

/** mm/slub.c calc_slab_order (6.7–6.18, 7abe7ed1e2a3): the first order from min_order up to max_order whose leftover is ≤ slab_size / fract_leftover */
function calc_slab_order_v6_7(size: number, min_order: number, max_order: number, fract_leftover: number): number {
  let order: number;
  for (order = min_order; order <= max_order; order++) {
    const slab_size = PAGE_SIZE << order;
    const rem = slab_size % size;
    if (rem <= Math.floor(slab_size / fract_leftover)) break;
  }
  return order;
}

/** mm/slub.c calculate_order (6.7–6.18, c3e7ba7ca102…7abe7ed1e2a3): min_order from min_objects once, fraction 16 down to 2; last resort get_order(size) */
export function calculate_order_v6_7(k: Kernel, size: number): number {
  let min_objects = default_min_objects(k);
  const max_objects = Math.max(order_objects(slub_max_order, size), 1);
  min_objects = Math.min(min_objects, max_objects);
  const min_order = Math.max(slub_min_order, get_order(min_objects * size));
  if (order_objects(min_order, size) > MAX_OBJS_PER_PAGE) return get_order(size * MAX_OBJS_PER_PAGE) - 1;
  for (let fraction = 16; fraction > 1; fraction = Math.floor(fraction / 2)) {
    const order = calc_slab_order_v6_7(size, min_order, slub_max_order, fraction);
    if (order <= slub_max_order) return order;
  }
  const order = get_order(size);
  if (order <= MAX_ORDER - 1) return order; // MAX_PAGE_ORDER (6.8+) = the old MAX_ORDER - 1
  return -38; // -ENOSYS
}

/** mm/slub.c calculate_order: the version's era */
export function calculate_order(k: Kernel, size: number): number {
  return k.sw["7abe7ed1e2a3"] ? calculate_order_v6_7(k, size) : calculate_order_v5_6(k, size);
}

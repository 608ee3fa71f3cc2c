/**
 * mm/slab_common.c and include/linux/slab.h: the kmalloc size classes (SLUB), the per-arch
 * minimum alignment, size_index (setup_kmalloc_cache_index_table), the 6.5 runtime minimum
 * alignment (__kmalloc_minalign, new_kmalloc_cache's aliasing) and kmalloc_size_roundup; the
 * kmalloc caches per kmalloc_type (kmalloc_caches[type][index], create_kmalloc_caches, kmalloc_slab),
 * GFP_SLAB_BUG_MASK and kmalloc_fix_flags. The caches themselves (struct kmem_cache) are src/mm/slub.ts.
 *
 * Facts (docs/verified-facts.md §kmalloc): ARCH_KMALLOC_MINALIGN is ARCH_DMA_MINALIGN (arm64 128,
 * ARMv7 64) when the arch does not define it; x86 keeps __alignof__(unsigned long long) = 8.
 * b035f5a6d852 (6.5) gives arm64 ARCH_KMALLOC_MINALIGN 8 and makes the runtime minimum
 * dma_get_cache_alignment() (arm64: cache_line_size(), 64 on the modelled Cortex-A72/Neoverse
 * cores) unless CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC and a swiotlb buffer is allocated, when it is
 * ARCH_KMALLOC_MINALIGN.
 */
import type { Kernel } from "../kernel.js";
import { PAGE_SIZE, get_order } from "../core/u64.js";
import { MAX_ORDER } from "./page_alloc.js";
import { __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM, __GFP_RECLAIMABLE, gfpBitsMask, gfpName } from "../include/gfp.js";
import { dump_stack_print_info } from "../kernel/panic.js";
import { type KmemCache, create_kmalloc_cache } from "./slub.js";

/** mm/slab_common.c kmalloc_info[]: the SLUB kmalloc caches, index → object size (index 1 = 96, 2 = 192) */
export const KMALLOC_INFO: readonly number[] = [0, 96, 192, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192];

/** include/linux/slab.h KMALLOC_MAX_CACHE_SIZE (5.6–6.18, SLUB): 2 * PAGE_SIZE; larger requests go to kmalloc_large */
export const KMALLOC_MAX_CACHE_SIZE = 2 * PAGE_SIZE;

/** arm64 cache_line_size(): 4 << CTR_EL0.CWG; CWG = 4 (64 bytes) on the modelled cores (Cortex-A72, Neoverse-N1) */
const ARM64_CACHE_LINE_SIZE = 64;

/** arch/<arch>/include/asm/cache.h ARCH_DMA_MINALIGN (0: the arch defines none, x86) */
export function ARCH_DMA_MINALIGN(k: Kernel): number {
  return k.arch.name === "arm64" ? 128 : k.arch.name === "arm" ? 64 : 0;
}

/** include/linux/slab.h ARCH_KMALLOC_MINALIGN (5.6–6.18): ARCH_DMA_MINALIGN when > 8 and not overridden; arm64 8 since b035f5a6d852 (6.5) */
export function ARCH_KMALLOC_MINALIGN(k: Kernel): number {
  if (k.arch.name === "arm64" && k.sw["b035f5a6d852"]) return 8;
  return Math.max(8, ARCH_DMA_MINALIGN(k));
}

/** include/linux/dma-mapping.h dma_get_cache_alignment: ARCH_DMA_MINALIGN (1 without one); arm64 cache_line_size() since 6.5 */
export function dma_get_cache_alignment(k: Kernel): number {
  if (k.arch.name === "arm64" && k.sw["b035f5a6d852"]) return ARM64_CACHE_LINE_SIZE;
  return ARCH_DMA_MINALIGN(k) || 1;
}

/** Kconfig DMA_BOUNCE_UNALIGNED_KMALLOC: selected by arm64 since the 6.5 series (b035f5a6d852 and its arm64 enablement) */
export function DMA_BOUNCE_UNALIGNED_KMALLOC(k: Kernel): boolean {
  return k.arch.name === "arm64" && k.sw["b035f5a6d852"] === true;
}

/** include/linux/slab.h __kmalloc_index: the kmalloc_info index of the smallest class holding `size` (size <= KMALLOC_MAX_CACHE_SIZE) */
export function __kmalloc_index(size: number, minSize: number): number {
  if (size <= minSize) return Math.log2(minSize);
  if (minSize <= 32 && size > 64 && size <= 96) return 1;
  if (minSize <= 64 && size > 128 && size <= 192) return 2;
  return Math.ceil(Math.log2(size));
}

/** include/linux/slab.h enum kmalloc_cache_type: the types the modelled configurations have (no CONFIG_MEMCG(_KMEM), so KMALLOC_CGROUP is KMALLOC_NORMAL; no CONFIG_RANDOM_KMALLOC_CACHES, no CONFIG_SLUB_TINY); KMALLOC_DMA with CONFIG_ZONE_DMA */
export const KMALLOC_NORMAL = 0;
export const KMALLOC_RECLAIM = 1;
export const KMALLOC_DMA = 2;

/** mm/slab_common.c kmalloc_info[].name per type (5.6–6.18): "kmalloc-", "kmalloc-rcl-", "dma-kmalloc-" and the short size */
const KMALLOC_NAME_PREFIX = ["kmalloc-", "kmalloc-rcl-", "dma-kmalloc-"] as const;
/** mm/slab_common.c INIT_KMALLOC_INFO's __short_size for index 0..13 */
const KMALLOC_SHORT_SIZE = ["0", "96", "192", "8", "16", "32", "64", "128", "256", "512", "1k", "2k", "4k", "8k"] as const;
/** kmalloc_info[index].name[type] */
const KMALLOC_NAMES: readonly (readonly string[])[] = KMALLOC_NAME_PREFIX.map((prefix) => KMALLOC_SHORT_SIZE.map((short) => prefix + short));

/**
 * include/linux/slab.h kmalloc_type (5.6–6.18; 5.14+ spells it with KMALLOC_NOT_NORMAL_BITS, 494c1dfe855e's
 * KMALLOC_CGROUP being KMALLOC_NORMAL without CONFIG_MEMCG_KMEM, the same result for every gfp): no __GFP_DMA or
 * __GFP_RECLAIMABLE → KMALLOC_NORMAL; else __GFP_DMA first (with CONFIG_ZONE_DMA), then KMALLOC_RECLAIM.
 */
export function kmalloc_type(flags: number, zone_dma: boolean): number {
  const notNormal = zone_dma ? __GFP_RECLAIMABLE | __GFP_DMA : __GFP_RECLAIMABLE;
  if ((flags & notNormal) === 0) return KMALLOC_NORMAL;
  if (zone_dma && flags & __GFP_DMA) return KMALLOC_DMA;
  return KMALLOC_RECLAIM;
}

/** mm/internal.h GFP_SLAB_BUG_MASK (5.6–6.18): __GFP_DMA32 | __GFP_HIGHMEM | ~__GFP_BITS_MASK (the version's bits, no CONFIG_LOCKDEP) */
export function GFP_SLAB_BUG_MASK(k: Kernel): number {
  return (__GFP_DMA32 | __GFP_HIGHMEM | ~gfpBitsMask(k.version.id)) >>> 0;
}

/**
 * mm/slab_common.c kmalloc_fix_flags (5.9+, 444050990db4; 5.6 has the same lines inline in mm/slub.c new_slab):
 * pr_warn("Unexpected gfp: %#x (%pGg). Fixing up to gfp: %#x (%pGg). Fix your code!\n"), dump_stack(), and the
 * flags without GFP_SLAB_BUG_MASK.
 */
export function kmalloc_fix_flags(k: Kernel, flags: number): number {
  const mask = GFP_SLAB_BUG_MASK(k);
  const invalid_mask = (flags & mask) >>> 0;
  flags = (flags & ~mask) >>> 0;
  const v = k.version.id;
  k.printk("warn", `Unexpected gfp: ${pct_hash_x(invalid_mask)} (${gfpName(invalid_mask, v)}). Fixing up to gfp: ${pct_hash_x(flags)} (${gfpName(flags, v)}). Fix your code!`);
  // dump_stack(): KERN_DEFAULT, which printk logs at MESSAGE_LOGLEVEL_DEFAULT (4, warning); the model prints
  // dump_stack_print_info's lines and no call trace
  for (const line of dump_stack_print_info(k)) k.printk("warn", line);
  return flags;
}

/** printf's %#x: "0" for 0, else 0x and lower-case hex */
function pct_hash_x(v: number): string {
  return v === 0 ? "0" : "0x" + v.toString(16);
}

/**
 * The kmalloc caches one boot builds: kmalloc_slab(size)->object_size for each size, after
 * setup_kmalloc_cache_index_table (KMALLOC_MIN_SIZE ≥ 64 drops kmalloc-96, ≥ 128 kmalloc-192) and,
 * since b035f5a6d852 (6.5), new_kmalloc_cache's aliasing of the classes below the runtime
 * __kmalloc_minalign() to the next aligned one; and mm/slab_common.c kmalloc_caches[type][index]:
 * one kmem_cache per type and size (src/mm/slub.ts), shared by the indices that alias it.
 */
export class KmallocCaches {
  /** include/linux/slab.h KMALLOC_MIN_SIZE */
  readonly KMALLOC_MIN_SIZE: number;
  /** mm/slab_common.c __kmalloc_minalign() at kmem_cache_init time (6.5+; before: ARCH_KMALLOC_MINALIGN) */
  readonly minalign: number;
  /** kmalloc_info index → object size of the cache kmalloc_caches[KMALLOC_NORMAL][index] points to */
  private readonly alias = new Map<number, number>();
  /** IS_ENABLED(CONFIG_ZONE_DMA): the boot has a ZONE_DMA (arm64, x86; 32-bit ARM with a DMA zone) */
  zone_dma = false;
  /** mm/slab_common.c kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1] (filled by create_kmalloc_caches) */
  readonly kmalloc_caches: KmemCache[][] = [[], [], []];

  constructor(readonly arch_kmalloc_minalign: number, minalign: number) {
    this.KMALLOC_MIN_SIZE = Math.max(8, arch_kmalloc_minalign);
    this.minalign = minalign;
    for (let idx = 1; idx < KMALLOC_INFO.length; idx++) {
      let size = KMALLOC_INFO[idx]!;
      // new_kmalloc_cache (6.5+): minalign > ARCH_KMALLOC_MINALIGN → ALIGN(size, minalign), __kmalloc_index of that
      if (minalign > arch_kmalloc_minalign) size = KMALLOC_INFO[__kmalloc_index(Math.ceil(size / minalign) * minalign, this.KMALLOC_MIN_SIZE)]!;
      this.alias.set(idx, size);
    }
  }

  /** mm/slab_common.c kmalloc_slab(size)->object_size: the cache a kmalloc of `size` (1..KMALLOC_MAX_CACHE_SIZE) is served from */
  objectSize(size: number): number {
    return this.alias.get(__kmalloc_index(size, this.KMALLOC_MIN_SIZE))!;
  }

  /** mm/slab_common.c kmalloc_slab (5.6–6.18): kmalloc_caches[kmalloc_type(flags)][index of size] */
  kmalloc_slab(size: number, flags: number): KmemCache {
    const type = (flags & (__GFP_DMA | __GFP_RECLAIMABLE)) === 0 ? KMALLOC_NORMAL : kmalloc_type(flags, this.zone_dma);
    return this.kmalloc_caches[type]![__kmalloc_index(size, this.KMALLOC_MIN_SIZE)]!;
  }

  /**
   * mm/slab_common.c create_kmalloc_caches → new_kmalloc_cache (5.6–6.18): for each type the boot has
   * (KMALLOC_DMA only with CONFIG_ZONE_DMA) and each index whose cache exists, create_kmalloc_cache
   * (kmalloc_info[i].name[type], size, SLAB_RECLAIM_ACCOUNT / SLAB_CACHE_DMA); indices below
   * KMALLOC_MIN_SIZE and 6.5's unaligned ones point to the cache they alias.
   */
  create_kmalloc_caches(k: Kernel, zone_dma: boolean): void {
    this.zone_dma = zone_dma;
    for (let type = KMALLOC_NORMAL; type <= (zone_dma ? KMALLOC_DMA : KMALLOC_RECLAIM); type++) {
      const byIdx = this.kmalloc_caches[type]!;
      for (let idx = 1; idx < KMALLOC_INFO.length; idx++) {
        // KMALLOC_SHIFT_LOW … KMALLOC_SHIFT_HIGH, kmalloc-96 only when KMALLOC_MIN_SIZE <= 32, kmalloc-192 when <= 64
        if (idx === 1 ? this.KMALLOC_MIN_SIZE > 32 : idx === 2 ? this.KMALLOC_MIN_SIZE > 64 : KMALLOC_INFO[idx]! < this.KMALLOC_MIN_SIZE) continue;
        const size = this.alias.get(idx)!;
        const real = KMALLOC_INFO.indexOf(size);
        byIdx[real] ??= create_kmalloc_cache(k, KMALLOC_NAMES[type]![real]!, size, type, this.arch_kmalloc_minalign);
        byIdx[idx] = byIdx[real]!;
      }
    }
  }
}

/** include/linux/slab.h KMALLOC_MAX_SIZE (5.6–6.18, SLUB, 4 KiB pages): 1 << KMALLOC_SHIFT_MAX, the largest order the buddy allocator hands out (4 MiB) */
export const KMALLOC_MAX_SIZE = PAGE_SIZE << (MAX_ORDER - 1);

/** mm/slab_common.c kmalloc_size_roundup (6.1–6.18): the object size kmalloc(size) gives, 0 for 0, PAGE_SIZE << get_order(size) above the caches; above KMALLOC_MAX_SIZE 6.1 rounds too, 6.6+ (8446a4deb6b6) returns size unchanged. */
// (6.1's SIZE_MAX short-circuit is not reachable with a JavaScript number.)
export function kmalloc_size_roundup(k: Kernel, size: number): number {
  if (size === 0) return 0;
  if (size <= KMALLOC_MAX_CACHE_SIZE) return k.slab.caches.objectSize(size);
  if (size <= KMALLOC_MAX_SIZE || !k.sw["8446a4deb6b6"]) return PAGE_SIZE * 2 ** get_order(size); // PAGE_SIZE << order, unsigned long
  return size;
}

/** The caches of this boot: ARCH_KMALLOC_MINALIGN and __kmalloc_minalign() (6.5: the swiotlb buffer must already be allocated). */
export function kmalloc_caches_of(k: Kernel, swiotlb_allocated: boolean): KmallocCaches {
  const archMin = ARCH_KMALLOC_MINALIGN(k);
  // mm/slab_common.c __kmalloc_minalign (6.5+): max(minalign, arch_slab_minalign()), arch_slab_minalign 8 here
  let minalign = archMin;
  if (k.sw["b035f5a6d852"]) {
    minalign = dma_get_cache_alignment(k);
    if (DMA_BOUNCE_UNALIGNED_KMALLOC(k) && swiotlb_allocated) minalign = archMin;
    minalign = Math.max(minalign, 8);
  }
  const caches = new KmallocCaches(archMin, minalign);
  // IS_ENABLED(CONFIG_ZONE_DMA) as the booted zones show it (arm64, x86; 32-bit ARM only with arm_dma_zone_size)
  caches.create_kmalloc_caches(k, k.buddy.zones.some((z) => z.name === "DMA"));
  return caches;
}

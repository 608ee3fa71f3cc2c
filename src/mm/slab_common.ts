/**
 * mm/slab_common.c and include/linux/slab.h: the kmalloc size classes (SLUB), the per-arch
 * minimum alignment, size_index (setup_kmalloc_cache_index_table), the 6.5 runtime minimum
 * alignment (__kmalloc_minalign, new_kmalloc_cache's aliasing) and kmalloc_size_roundup.
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

/**
 * The kmalloc caches one boot builds: kmalloc_slab(size)->object_size for each size, after
 * setup_kmalloc_cache_index_table (KMALLOC_MIN_SIZE ≥ 64 drops kmalloc-96, ≥ 128 kmalloc-192) and,
 * since b035f5a6d852 (6.5), new_kmalloc_cache's aliasing of the classes below the runtime
 * __kmalloc_minalign() to the next aligned one.
 */
export class KmallocCaches {
  /** include/linux/slab.h KMALLOC_MIN_SIZE */
  readonly KMALLOC_MIN_SIZE: number;
  /** mm/slab_common.c __kmalloc_minalign() at kmem_cache_init time (6.5+; before: ARCH_KMALLOC_MINALIGN) */
  readonly minalign: number;
  /** kmalloc_info index → object size of the cache kmalloc_caches[KMALLOC_NORMAL][index] points to */
  private readonly alias = new Map<number, number>();

  constructor(arch_kmalloc_minalign: number, minalign: number) {
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
  return new KmallocCaches(archMin, minalign);
}

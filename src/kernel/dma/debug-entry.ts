/**
 * kernel/dma/debug.c's constants, options, struct dma_debug_entry and printk formatting (5.10–5.14,
 * later changes as switches): the pieces every part of the checker shares.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import * as gfp from "../../include/gfp.js";
import * as u64 from "../../core/u64.js";
import { hex64, toBig } from "../../core/u64.js";
import { default_pointer } from "../../lib/vsprintf.js";

// Module-local copies of the constants and helpers the hot paths use: transpiled module
// bindings (tsx, vitest) turn every imported-name access into a getter call.
const PAGE_SIZE = u64.PAGE_SIZE;
const DIR_NAMES: readonly string[] = gfp.DIR_NAMES;

/** unsigned 64-bit a <= b on dmasim's signed form (as u64.ule) */
export function ule(a: number, b: number): boolean {
  return (a < 0) === (b < 0) ? a <= b : b < 0;
}

/** unsigned 64-bit a < b (as u64.ult) */
export function ult(a: number, b: number): boolean {
  return (a < 0) === (b < 0) ? a < b : b < 0;
}

/* ---- constants (kernel/dma/debug.c, 5.10–5.14) ---- */

/**
 * The hash's geometry as a const enum: the bundles (esbuild) inline enum members as literals, where
 * a module constant becomes a `var` V8 cannot fold — hash_fn's division by HASH_GRANULE was a real
 * division, four times a map/unmap pair.
 */
const enum Hash {
  SIZE = 16384,
  FN_SHIFT = 13,
  FN_MASK = SIZE - 1,
  GRANULE = 1 << FN_SHIFT,
}
export const HASH_SIZE: number = Hash.SIZE;
export const HASH_FN_SHIFT: number = Hash.FN_SHIFT;
export const HASH_GRANULE: number = Hash.GRANULE;
export const PREALLOC_DMA_DEBUG_ENTRIES = 1 << 16;
/**
 * DMA_DEBUG_DYNAMIC_ENTRIES = PAGE_SIZE / sizeof(struct dma_debug_entry). The entry is
 * ____cacheline_aligned_in_smp: 120 bytes with CONFIG_STACKTRACE on 64-bit (84 on ARM32),
 * rounded up to 128 with 64-byte cache lines on every modelled arch → 32 per page.
 */
export const DMA_DEBUG_DYNAMIC_ENTRIES = PAGE_SIZE / 128;
export const DMA_DEBUG_STACKTRACE_ENTRIES = 5;
/** L1_CACHE_SHIFT of arm64, x86_64 and ARMv7 */
export const L1_CACHE_SHIFT = 6;
export const L1_CACHE_BYTES = 1 << L1_CACHE_SHIFT;
export const RADIX_TREE_MAX_TAGS = 3;
export const ACTIVE_CACHELINE_MAX_OVERLAP = (1 << RADIX_TREE_MAX_TAGS) - 1;
/** dma_get_max_seg_size without dma_parms */
export const SZ_64K = 65536;

/** enum map_err_types */
export const MAP_ERR_CHECK_NOT_APPLICABLE = 0;
export const MAP_ERR_NOT_CHECKED = 1;
export const MAP_ERR_CHECKED = 2;
export type MapErrType = 0 | 1 | 2;
export const maperr2str = ["dma map error check not applicable", "dma map error not checked", "dma map error checked"] as const;

/**
 * type2name. 5.10–5.14 record dma_map_page and dma_map_single alike as "single"
 * (dma_debug_single); the separate "page" type (dma_debug_page) belongs to older (4.x)
 * kernels and is only used with DmaDebugOptions.pageType. "scather-gather" is the kernel's
 * own spelling in these versions (corrected to "scatter-gather" by 36d91e851598, 6.7).
 */
export type DebugType = "single" | "page" | "scather-gather" | "coherent" | "resource" | "noncoherent" | "phy";

/**
 * kernel/dma/debug.c type2name[entry->type] as printed. Since 9bb50ed74709 (5.7) the table uses
 * named initializers. 5.6 still has the five-entry table { "single", "page", "scather-gather",
 * "coherent", "resource" } indexed by the four-member enum (dma_debug_page was removed by
 * 2e05ea5cdc1a), so an sg entry prints "page", a coherent one "scather-gather" and a resource
 * one "coherent". The sg name reads "scather-gather" to 6.6 and "scatter-gather" from 6.7 (switch
 * 36d91e851598, "dma-debug: Fix a typo in a debugging eye-catcher").
 */
export function type2name(k: Kernel, t: DebugType): string {
  // the sg name is spelled "scatter-gather" from 6.7 (6.6.63 kernel/dma/debug.c:142 "scather-gather", 6.12.19 :143)
  if (k.sw["9bb50ed74709"]) return t === "scather-gather" && k.sw["36d91e851598"] ? "scatter-gather" : t;
  switch (t) {
    case "scather-gather":
      return "page";
    case "coherent":
      return "scather-gather";
    case "resource":
      return "coherent";
    default:
      return t;
  }
}

export const EEXIST = -17;
export const ENOMEM = -12;

/* ---- options ---- */

export interface DmaDebugOptions {
  /** debugfs all_errors (boot default 0) */
  all_errors?: boolean;
  /** debugfs num_errors (boot default 1) */
  num_errors?: number;
  /** dma_debug_driver= / debugfs driver_filter: only this driver's errors are printed */
  driver_filter?: string;
  /** dma_debug_entries= (default PREALLOC_DMA_DEBUG_ENTRIES) */
  nr_prealloc_entries?: number;
  /** dma_debug=off */
  off?: boolean;
  /**
   * What add_dma_entry does when the first cacheline is already active (D19):
   * - "silent": ≤5.13 — only a TODO comment, nothing reported;
   * - "pr_err": 5.14 (2b4bbc6231d7) — a plain pr_err without device prefix, not counted in
   *   error_count, not subject to num_errors or the driver filter;
   * - "err_printk": 510e1a724ab1 (5.15-rc3, also 5.14.y stable) made it a counted err_printk,
   *   and c2bbf9d1e9ac (5.15-rc6) exempts a new mapping that carries DMA_ATTR_SKIP_CPU_SYNC;
   *   both are modelled together.
   * Default: "pr_err", the 5.14 release.
   */
  eexist?: "silent" | "pr_err" | "err_printk";
  /** Shorthand for eexist: true → "err_printk", false → "pr_err". `eexist` wins if both are set. */
  eexistCounted?: boolean;
  /**
   * 5.15-rc6 "dma-debug: fix sg checks in debug_dma_map_sg()": the stack / kernel-text checks
   * run over all nents CPU segments (length s->length). Default false (5.10–5.14: only over
   * the mapped_ents segments, length sg_dma_len).
   */
  sgChecksAllNents?: boolean;
  /** Record dma_map_page as type "page" (4.x kernels). Default false (5.x: "single"). */
  pageType?: boolean;
}

/** The options matching a modelled kernel version id ("5.6", "5.10", "5.13", "5.14", "5.19"). */
export function dmaDebugOptionsFor(versionId: string): DmaDebugOptions {
  const [maj = 0, min = 0] = versionId.split(".").map((x) => Number.parseInt(x, 10));
  const v = maj * 100 + min;
  if (v <= 513) return { eexist: "silent", sgChecksAllNents: false };
  if (v === 514) return { eexist: "pr_err", sgChecksAllNents: false };
  return { eexist: "err_printk", sgChecksAllNents: true };
}

/* ---- the per-mapping record ---- */

/** struct dma_debug_entry (pfn + offset as in 5.x; paddr = phys_addr(entry)) */
export class DmaDebugEntry {
  dev: Device | null = null;
  dev_addr = 0;
  /** u64 in dmasim's signed form (a "negative" size is a huge wrapped size_t) */
  size = 0;
  type: DebugType = "single";
  direction = 0;
  sg_call_ents = 0;
  sg_mapped_ents = 0;
  pfn = 0;
  offset = 0;
  /** phys_addr(entry) = pfn * PAGE_SIZE + offset */
  paddr = 0;
  map_err_type: MapErrType = MAP_ERR_CHECK_NOT_APPLICABLE;
  /**
   * is_cache_clean (6.18.35): the mapping carried DMA_ATTR_CPU_CACHE_CLEAN. dma_entry_alloc's memset clears it and
   * add_dma_entry sets it for every mapping; dmasim does only the latter (on 6.18 the same value; reset stays short).
   * dma_entry_free leaves it: the radix tree may still hold the freed entry.
   */
  is_cache_clean = false;
  /** the call chain saved at map time (innermost first, up to 5 frames), when tracing */
  stack: string[] | undefined = undefined;
  /**
   * struct list_head list: the next entry of its hash bucket (null at the tail) and the previous
   * one (the bucket's head holds the tail here, so list_add_tail needs no second table)
   */
  next: DmaDebugEntry | null = null;
  prev: DmaDebugEntry | null = null;
  /** the model's active-cacheline counter block and index of to_cacheline_number(entry), set by active_cacheline_insert and kept after the remove, the next insert of the recycled entry overwrites them (null: never inserted) */
  clnBlock: Int8Array | null = null;
  clnIndex = 0;

  /**
   * dma_entry_alloc's memset, for the fields not every caller of dma_entry_alloc fills at once: every hook that takes an
   * entry (map_page, map_sg, alloc_coherent, alloc_pages, map_resource, 6.18's map_phys) sets dev, type, dev_addr, size,
   * direction, pfn, offset and paddr right after it, so only the rest is cleared here (the same values, fewer stores:
   * an object field's store costs V8 a write barrier, and a smaller tree lets V8 inline the whole map hook; the hooks
   * store dev and type only when they differ from what the recycled entry holds)
   */
  reset(): void {
    this.sg_call_ents = 0;
    this.sg_mapped_ents = 0;
    // MAP_ERR_CHECK_NOT_APPLICABLE as a literal (the module constant is a `var` V8 loads and checks at each use)
    this.map_err_type = 0;
    this.stack = undefined;
  }
}

/* ---- formatting helpers (printk conversions) ---- */

/** %llu / %lu of a u64 in signed form */
export function udec(n: number): string {
  return n >= 0 ? String(n) : toBig(n).toString();
}

/** %Lx / %lx: unsigned hex, no prefix */
export function uhex(n: number): string {
  return n >= 0 ? n.toString(16) : toBig(n).toString(16);
}

/** %p (lib/vsprintf.c default_pointer, 5.6–6.18): the pointer's hash, or with no_hash_pointers (5.12+) the address zero-padded to the pointer width, no "0x" */
export function ptr(k: Kernel, a: number): string {
  return default_pointer(k, a);
}

/** %pa of a phys_addr_t: "0x" + zero-padded to sizeof(phys_addr_t) (32-bit on ARM32 without LPAE) */
export function phys_pa(k: Kernel, p: number): string {
  return k.arch.name === "arm" ? "0x" + (p >>> 0).toString(16).padStart(8, "0") : hex64(p);
}

export function dir2name(d: number): string {
  return DIR_NAMES[d] ?? String(d);
}

/** hash_fn: (dev_addr >> HASH_FN_SHIFT) & HASH_FN_MASK on the 64-bit pattern */
export function hash_fn(dev_addr: number): number {
  // bits 13..26 of the address: JS's `>>` shifts the low 32 bits of the exact integer (ToInt32), which hold them, so
  // this is the u64 shift and mask for every address (as Math.floor(dev_addr / HASH_GRANULE) & HASH_FN_MASK) — and small
  // enough for V8 to inline anywhere (≤ 27 bytes of bytecode), with no double arithmetic
  return (dev_addr >> Hash.FN_SHIFT) & Hash.FN_MASK;
}

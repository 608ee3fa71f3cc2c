/**
 * include/trace/events/mmflags.h show_gfp_flags: __print_flags(flags, "|", __def_gfpflag_names),
 * or "none" for 0. The table lists the composites widest first, then single bits; the running
 * kernel's gfp values (src/include/gfp.ts) give each entry its mask.
 *
 * - 6.12.19 mmflags.h:81–116: after GFP_NOWAIT: GFP_DMA, __GFP_HIGHMEM, GFP_DMA32, then the single
 *   bits in the table's own order (__GFP_HIGH … __GFP_WRITE, __GFP_RECLAIM, __GFP_DIRECT_RECLAIM,
 *   __GFP_KSWAPD_RECLAIM, __GFP_ZEROTAGS).
 * - 6.18.35 (ca29a0bf1221, 6.15): after GFP_NOWAIT: GFP_DMA, GFP_DMA32, __GFP_RECLAIM, then
 *   TRACE_GFP_FLAGS — every __GFP_ bit in bit order.
 * CONFIG_KASAN_HW_TAGS, CONFIG_LOCKDEP and CONFIG_SLAB_OBJ_EXT are off: their flags are not listed.
 */
import type { Kernel } from "../../../kernel.js";
import { gfpNames } from "../../gfp.js";
import { trace_print_flags_seq } from "./dma.js";

const COMPOSITES = ["GFP_TRANSHUGE", "GFP_TRANSHUGE_LIGHT", "GFP_HIGHUSER_MOVABLE", "GFP_HIGHUSER", "GFP_USER", "GFP_KERNEL_ACCOUNT", "GFP_KERNEL", "GFP_NOFS", "GFP_ATOMIC", "GFP_NOIO", "GFP_NOWAIT"];

/** 6.12.19: the explicit list */
const NAMES_612 = [
  ...COMPOSITES, "GFP_DMA", "__GFP_HIGHMEM", "GFP_DMA32", "__GFP_HIGH", "__GFP_IO", "__GFP_FS", "__GFP_NOWARN", "__GFP_RETRY_MAYFAIL",
  "__GFP_NOFAIL", "__GFP_NORETRY", "__GFP_COMP", "__GFP_ZERO", "__GFP_NOMEMALLOC", "__GFP_MEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE",
  "__GFP_RECLAIMABLE", "__GFP_MOVABLE", "__GFP_ACCOUNT", "__GFP_WRITE", "__GFP_RECLAIM", "__GFP_DIRECT_RECLAIM", "__GFP_KSWAPD_RECLAIM", "__GFP_ZEROTAGS",
];

/** 6.18.35: TRACE_GFP_FLAGS_GENERAL after __GFP_RECLAIM (ca29a0bf1221) */
const NAMES_618 = [
  ...COMPOSITES, "GFP_DMA", "GFP_DMA32", "__GFP_RECLAIM",
  "__GFP_DMA", "__GFP_HIGHMEM", "__GFP_DMA32", "__GFP_MOVABLE", "__GFP_RECLAIMABLE", "__GFP_HIGH", "__GFP_IO", "__GFP_FS", "__GFP_ZERO",
  "__GFP_DIRECT_RECLAIM", "__GFP_KSWAPD_RECLAIM", "__GFP_WRITE", "__GFP_NOWARN", "__GFP_RETRY_MAYFAIL", "__GFP_NOFAIL", "__GFP_NORETRY",
  "__GFP_MEMALLOC", "__GFP_COMP", "__GFP_NOMEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE", "__GFP_ACCOUNT", "__GFP_ZEROTAGS",
];

/** __def_gfpflag_names with the running kernel's values */
function gfpflag_names(k: Kernel): [number, string][] {
  const v = gfpNames(k.version.id);
  return (k.sw["ca29a0bf1221"] ? NAMES_618 : NAMES_612).map((n) => [v[n]!, n]);
}

/** include/trace/events/mmflags.h show_gfp_flags (6.12 and 6.18 tables) */
export function show_gfp_flags(k: Kernel, flags: number): string {
  return flags ? trace_print_flags_seq("|", flags >>> 0, gfpflag_names(k)) : "none";
}

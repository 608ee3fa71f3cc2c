/**
 * arch/arm64/mm/kasan_init.c (generic KASAN, 4 KiB pages): the shadow memory a CONFIG_KASAN kernel
 * takes from memblock at boot, after bootmem_init (sparse_init, dma_contiguous_reserve) in setup_arch
 * (5.10.7 arch/arm64/kernel/setup.c:343–345, 5.15.178 :350–352, 6.1.166 :343–345, 6.18.35 :344–346).
 */
import type { Layout } from "../arch.js";
import type { Memblock } from "../../mm/memblock.js";
import { KasanShadowTables } from "../../mm/kasan_init.js";
import { toBig } from "../../core/u64.js";
import type { KasanShadow } from "./memory.js";

const PAGE = 4096n;
const SZ_128M = 128 * 1024 * 1024;
const SZ_2G = 2 * 1024 * 1024 * 1024;

/** What kasan_init took: its memblock ranges and the page counts behind them. */
export interface KasanInitResult {
  ranges: { start: number; size: number }[];
  shadowPages: number;
  tablePages: number;
}

/** include/linux/kasan.h kasan_mem_to_shadow (5.6–6.18): (addr >> KASAN_SHADOW_SCALE_SHIFT) + KASAN_SHADOW_OFFSET, unsigned */
function mem_to_shadow(sh: KasanShadow, va: number): bigint {
  return BigInt.asUintN(64, (toBig(va) >> 3n) + sh.offset);
}

const pageDown = (a: bigint) => (a / PAGE) * PAGE;
const pageUp = (a: bigint) => ((a + PAGE - 1n) / PAGE) * PAGE;

/**
 * arch/arm64/mm/kasan_init.c kasan_init (5.6–6.18): kasan_init_shadow (5.10.7 :213–283, 5.15.178 :213–283,
 * 6.1.166 :214–285, 6.18.35 :300–376) — clear the shadow's top-level entries, map the kernel image's
 * shadow, point [shadow(PAGE_END), shadow(MODULES_VADDR)) and (KASAN_VMALLOC) [shadow(VMALLOC_END),
 * KASAN_SHADOW_END) — without KASAN_VMALLOC [kimg_shadow_end, KASAN_SHADOW_END) and
 * [mod_shadow_end, kimg_shadow_start) — at the early shadow, then map the shadow of every
 * memblock.memory range (for_each_mem_range). Every page comes from memblock_alloc_try_nid(_raw)
 * (PAGE_SIZE, PAGE_SIZE, __pa(MAX_DMA_ADDRESS) = PHYS_OFFSET, MEMBLOCK_ALLOC_KASAN (5.10–5.15) /
 * MEMBLOCK_ALLOC_NOLEAKTRACE (6.1+), both meaning memblock.current_limit, which arm64 leaves at
 * MEMBLOCK_ALLOC_ANYWHERE), one page per call, top-down: the highest free pages of RAM.
 */
export function kasan_init(L: Layout, sh: KasanShadow, vaBits: number, modules2G: boolean, kasanVmalloc: boolean, memblock: Memblock, banks: { start: number; size: number }[]): KasanInitResult {
  const t = new KasanShadowTables(vaBits === 39 ? [30, 21] : [39, 30, 21]);
  const KERNEL_START = L.KIMAGE_VADDR;
  const KERNEL_END = L.KIMAGE_VADDR + L.KIMAGE_SIZE;
  const MODULES_END = L.VMALLOC_START;
  const MODULES_VADDR = MODULES_END - (modules2G ? SZ_2G : SZ_128M);
  const kimg_shadow_start = pageDown(mem_to_shadow(sh, KERNEL_START));
  const kimg_shadow_end = pageUp(mem_to_shadow(sh, KERNEL_END));
  const mod_shadow_start = mem_to_shadow(sh, MODULES_VADDR);
  const mod_shadow_end = mem_to_shadow(sh, MODULES_END);
  const vmalloc_shadow_end = mem_to_shadow(sh, L.VMALLOC_END);

  t.map_populate(kimg_shadow_start, kimg_shadow_end);
  t.populate_early_shadow(mem_to_shadow(sh, L.LINEAR_END), mod_shadow_start);
  if (kasanVmalloc) t.populate_early_shadow(vmalloc_shadow_end, sh.end);
  else {
    t.populate_early_shadow(kimg_shadow_end, sh.end);
    if (kimg_shadow_start > mod_shadow_end) t.populate_early_shadow(mod_shadow_end, kimg_shadow_start);
  }
  for (const b of banks) {
    const start = L.PAGE_OFFSET + (b.start - L.PHYS_OFFSET);
    const end = start + b.size;
    // kasan_map_populate: start & PAGE_MASK, PAGE_ALIGN(end)
    t.map_populate(pageDown(mem_to_shadow(sh, start)), pageUp(mem_to_shadow(sh, end)));
  }
  const n = t.tablePages + t.shadowPages;
  const ranges = memblock.allocPagesTopDown(n, Math.max(Number(PAGE), L.PHYS_OFFSET), Infinity, "KASAN shadow (kasan_init)");
  return { ranges, shadowPages: t.shadowPages, tablePages: t.tablePages };
}

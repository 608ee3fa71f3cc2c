/**
 * kernel/dma/pool.c (5.8+): the atomic pools atomic_pool_kernel / atomic_pool_dma /
 * atomic_pool_dma32, gen_pools of pre-remapped memory for allocations that cannot sleep.
 * Also the 5.4–5.7 single pool set-up (dma_atomic_pool_init in kernel/dma/remap.c).
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import { sym } from "../../core/trace.js";
import { warn_site } from "../warn-sites.js";
import { PAGE_SIZE, DMA_BIT_MASK, get_order, hex } from "../../core/u64.js";
import { GFP_KERNEL, __GFP_DMA, __GFP_DMA32, __GFP_NOWARN, gfpName } from "../../include/gfp.js";
import { GenPool, gen_pool_free } from "../../mm/genalloc.js";
import { MAX_ORDER } from "../../mm/page_alloc.js";
import { alloc_pages, totalram_pages } from "../../mm/mm.js";
import { dma_alloc_from_contiguous } from "./contiguous.js";
import { dma_common_contiguous_remap } from "./remap.js";
import { arch_dma_prep_coherent, pgprot_dmacoherent } from "./arch-hooks.js";

const S_expand = sym("atomic_pool_expand", "kernel/dma/pool.c");
const S_alloc = sym("dma_alloc_from_pool", "kernel/dma/pool.c");
const S_free = sym("dma_free_from_pool", "kernel/dma/pool.c");
const S_guess = sym("dma_guess_pool", "kernel/dma/pool.c");

const MAX_ORDER_NR_PAGES = 1 << (MAX_ORDER - 1);

/**
 * kernel/dma/pool.c cma_in_zone (5.9+, d7e673ec2c8e): is the default CMA area inside gfp's zone?
 * 6.12 (ba0fb44aed47): end <= zone_dma_limit for GFP_DMA, end <= max(DMA_BIT_MASK(32), zone_dma_limit) for GFP_DMA32.
 */
export function cma_in_zone(k: Kernel, gfp: number): boolean {
  const cma = k.dma_contiguous_default_area;
  if (!cma || cma.count === 0) return false;
  const end = (cma.base_pfn + cma.count) * PAGE_SIZE - 1;
  const limit612 = k.sw["ba0fb44aed47"];
  if (gfp & __GFP_DMA && k.buddy.zones.some((z) => z.name === "DMA")) return limit612 ? end <= k.zone_dma_limit : BigInt(end) <= DMA_BIT_MASK(k.zone_dma_bits);
  if (gfp & __GFP_DMA32 && k.buddy.zones.some((z) => z.name === "DMA32")) return limit612 ? end <= Math.max(0xffff_ffff, k.zone_dma_limit) : BigInt(end) <= DMA_BIT_MASK(32);
  return true;
}

/**
 * kernel/dma/pool.c atomic_pool_expand (5.8–5.19): take 2^order pages (from CMA when it lies in the
 * zone, else the page allocator), prep them, remap them uncached (DMA_DIRECT_REMAP) and add them.
 */
export function atomic_pool_expand(k: Kernel, pool: GenPool, pool_size: number, gfp: number): boolean {
  k.tr?.enter(S_expand, { pool: pool.name, size: hex(pool_size), gfp: gfpName(gfp) });
  let order = Math.min(get_order(pool_size), MAX_ORDER - 1);
  let page = 0;
  for (;;) {
    const fromCma = k.sw["d7e673ec2c8e"] ? cma_in_zone(k, gfp) : k.dma_contiguous_default_area !== null;
    if (fromCma) page = dma_alloc_from_contiguous(k, null, 1 << order, order);
    if (!page) page = alloc_pages(k, gfp, order, `atomic pool ${pool.name}`);
    if (page || order === 0) break;
    order--;
  }
  if (!page) {
    k.tr?.exit("-ENOMEM");
    return false;
  }
  const size = PAGE_SIZE << order;
  arch_dma_prep_coherent(k, page, size);
  let addr: number;
  if (k.arch.name === "arm64") addr = dma_common_contiguous_remap(k, page, size, pgprot_dmacoherent(k), "atomic_pool_expand");
  else addr = k.arch.page_address(k, page); // !DMA_DIRECT_REMAP: page_to_virt (the x86 SME/SEV case)
  if (!addr) {
    k.tr?.exit("-ENOMEM");
    return false;
  }
  pool.add_virt(addr, k.page_to_phys(page), size);
  k.tr?.exit(`0 (added ${hex(size)} at ${k.arch.fmtVa(addr)})`);
  return true;
}

/** kernel/dma/pool.c dma_atomic_pool_init (5.8–5.19) with 1d659236fb43 sizing */
export function dma_atomic_pool_init(k: Kernel): void {
  if (k.cfg.coherent_pool) k.atomic_pool_size = k.cfg.coherent_pool;
  else if (k.sw["1d659236fb43"]) {
    const totalram = totalram_pages(k) + (k.dma_contiguous_default_area?.count ?? 0);
    const pages = Math.min(Math.floor(totalram / ((1 << 30) / (128 << 10))), MAX_ORDER_NR_PAGES);
    k.atomic_pool_size = Math.max(pages * PAGE_SIZE, 128 << 10);
  } else k.atomic_pool_size = 256 << 10;
  const mk = (name: string, gfp: number, label: string) => {
    const pool = new GenPool(12, name);
    // __dma_atomic_pool_init's pr_info / pr_err, "%pGg" of the pool's gfp (5.10.7 pool.c:180–186, 6.18.35 :177–183)
    if (atomic_pool_expand(k, pool, k.atomic_pool_size, gfp)) k.printk("info", `DMA: preallocated ${k.atomic_pool_size >> 10} KiB ${label} pool for atomic allocations`);
    else k.printk("err", `DMA: failed to allocate ${k.atomic_pool_size >> 10} KiB ${label} pool for atomic allocation`);
    return pool;
  };
  k.atomic_pool_kernel = mk("atomic_pool_kernel", GFP_KERNEL, "GFP_KERNEL");
  if (k.buddy.zones.some((z) => z.name === "DMA")) k.atomic_pool_dma = mk("atomic_pool_dma", GFP_KERNEL | __GFP_DMA, "GFP_KERNEL|GFP_DMA");
  if (k.buddy.zones.some((z) => z.name === "DMA32")) k.atomic_pool_dma32 = mk("atomic_pool_dma32", GFP_KERNEL | __GFP_DMA32, "GFP_KERNEL|GFP_DMA32");
}

/**
 * kernel/dma/remap.c dma_atomic_pool_init (5.4–5.7): one pool of coherent_pool= or 256 KiB, zone
 * GFP_DMA (arm64 5.5+ has ZONE_DMA), memory from the default CMA area if there is one, remapped
 * with pgprot_dmacoherent.
 */
export function dma_atomic_pool_init_remap(k: Kernel): void {
  k.atomic_pool_size = k.cfg.coherent_pool || 256 << 10;
  const order = get_order(k.atomic_pool_size);
  const n = 1 << order;
  let page = k.dma_contiguous_default_area ? dma_alloc_from_contiguous(k, null, n, order) : 0;
  if (!page) page = alloc_pages(k, __GFP_DMA, order, "atomic_pool");
  if (!page) {
    k.printk("err", `DMA: failed to allocate ${k.atomic_pool_size >> 10} KiB pool for atomic coherent allocation`); // 5.6.4 remap.c:170
    return;
  }
  arch_dma_prep_coherent(k, page, k.atomic_pool_size);
  const pool = new GenPool(12, "atomic_pool");
  const addr = dma_common_contiguous_remap(k, page, k.atomic_pool_size, pgprot_dmacoherent(k), "dma_atomic_pool_init");
  pool.add_virt(addr, k.page_to_phys(page), k.atomic_pool_size);
  k.atomic_pool = pool;
  k.printk("info", `DMA: preallocated ${k.atomic_pool_size >> 10} KiB pool for atomic allocations`); // 5.6.4 remap.c:157
}

/** kernel/dma/pool.c dma_guess_pool (5.9+): first pool by gfp, then the fallback order */
export function dma_guess_pool(k: Kernel, prev: GenPool | null, gfp: number): GenPool | null {
  if (prev === null) {
    if (gfp & __GFP_DMA32 && k.atomic_pool_dma32) return k.atomic_pool_dma32;
    if (gfp & __GFP_DMA && k.atomic_pool_dma) return k.atomic_pool_dma;
    return k.atomic_pool_kernel;
  }
  if (prev === k.atomic_pool_kernel) return k.atomic_pool_dma32 ?? k.atomic_pool_dma;
  if (prev === k.atomic_pool_dma32) return k.atomic_pool_dma;
  return null;
}

/**
 * kernel/dma/pool.c dma_alloc_from_pool (5.10–6.18): try pools in dma_guess_pool order; a chunk
 * whose physical address fails phys_addr_ok (dma_coherent_ok) goes back and the next pool is tried.
 * When none gives a chunk: WARN(1, "Failed to get suitable pool for %s") — until 56c430c7f06d
 * (6.19; stable in 6.1.166 and 6.18.35, not in 6.6.63 or 6.12.19), which keeps that WARN for no
 * pool at all and prints WARN(!(gfp & __GFP_NOWARN), "DMA pool exhausted for %s") when a pool was
 * tried and was full (6.1.166 kernel/dma/pool.c:270–287 — the unifreq mirror's :268–285, two lines up from its
 * downstream 2 MiB-pool patch abe68583f —, 6.18.35 :270–287).
 */
export function dma_alloc_from_pool(k: Kernel, dev: Device, size: number, gfp: number, phys_addr_ok: (phys: number, size: number) => boolean): { vaddr: number; page: number } | null {
  k.tr?.enter(S_alloc, { size: hex(size), gfp: gfpName(gfp) });
  let pool: GenPool | null = null;
  let pool_found = false;
  for (;;) {
    k.tr?.enter(S_guess);
    pool = dma_guess_pool(k, pool, gfp);
    k.tr?.exit(pool?.name ?? "NULL");
    if (!pool) break;
    pool_found = true;
    const vaddr = pool.alloc(size);
    if (!vaddr) {
      k.tr?.note(`${pool.name}: no free chunk of ${hex(size)} (avail ${hex(pool.avail())})`);
      continue;
    }
    const phys = pool.virt_to_phys(vaddr);
    if (!phys_addr_ok(phys, size)) {
      k.tr?.note(`${pool.name}: chunk at phys ${hex(phys)} is not reachable by the device (dma_coherent_ok), trying the next pool`);
      gen_pool_free(k, pool, vaddr, size);
      continue;
    }
    if (pool.avail() < k.atomic_pool_size) k.tr?.note(`${pool.name} below its target size: the expansion worker is scheduled`);
    k.kmemset(vaddr, 0, size, "dma_alloc_from_pool");
    const page = k.arch.pfn_to_page(phys / PAGE_SIZE);
    k.tr?.exit(`${k.arch.fmtVa(vaddr)} from ${pool.name} (phys ${hex(phys)})`);
    return { vaddr, page };
  }
  if (k.sw["56c430c7f06d"] && pool_found) {
    k.tr?.decide("WARN(!(gfp & __GFP_NOWARN), \"DMA pool exhausted\")", !(gfp & __GFP_NOWARN), gfp & __GFP_NOWARN ? "__GFP_NOWARN: the exhausted pool is not reported" : "a pool was tried and had no chunk to give");
    if (!(gfp & __GFP_NOWARN)) k.warn(`DMA pool exhausted for ${dev.name}`, "dma_alloc_from_pool", warn_site(k, "dma_alloc_from_pool:exhausted"));
  } else k.warn(`Failed to get suitable pool for ${dev.name}`, "dma_alloc_from_pool", warn_site(k, "dma_alloc_from_pool"));
  k.tr?.exit("NULL");
  return null;
}

/** kernel/dma/pool.c dma_free_from_pool (5.10–6.18) */
export function dma_free_from_pool(k: Kernel, _dev: Device, start: number, size: number): boolean {
  for (const pool of [k.atomic_pool_kernel, k.atomic_pool_dma32, k.atomic_pool_dma]) {
    if (pool && pool.has_addr(start, size)) {
      k.tr?.enter(S_free, { start: k.arch.fmtVa(start), pool: pool.name });
      gen_pool_free(k, pool, start, size);
      k.tr?.exit("true");
      return true;
    }
  }
  return false;
}

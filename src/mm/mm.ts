/**
 * The mm API the DMA code calls: page allocation by gfp zone, vmap/vunmap, vmalloc_to_page,
 * is_vmalloc_addr, vmalloc/vfree, remap_pfn_range and user-space access; the kmalloc_large double-free
 * path (free_large_kmalloc_again). kmalloc/kfree themselves are src/mm/slub.ts.
 */
import type { Kernel } from "../kernel.js";
import { default_pointer } from "../lib/vsprintf.js";
import { sym } from "../core/trace.js";
import { PAGE_SIZE, alignUp, hex } from "../core/u64.js";
import { __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM, __GFP_NOWARN, __GFP_ZERO, gfpName } from "../include/gfp.js";
import type { ZoneName } from "./page_alloc.js";
import { MAX_ORDER, PG_large_kmalloc, PG_reserved, PG_slab } from "./page_alloc.js";
import { BUG_at_slub, VM_BUG_ON_PAGE_not_compound, dump_page, VM_BUG_ON_PAGE_refcount_zero, bad_page, kasan_report_invalid_free } from "./mm-debug.js";
import { isWalkHit, type Prot } from "./pgtable.js";
import { VM_ALLOC, VM_MAP, type VmStruct } from "./vmalloc.js";
import { alloc_pages_order_warn, kernel_symbol, warn_site } from "../kernel/warn-sites.js";
import { pseudo_phys_of } from "../xen/p2m.js";

const S_alloc_pages = sym("alloc_pages", "mm/page_alloc.c");
const S_free_pages = sym("__free_pages", "mm/page_alloc.c");
const S_vmap = sym("vmap", "mm/vmalloc.c");
const S_vunmap = sym("vunmap", "mm/vmalloc.c");
const S_get_vm_area_caller = sym("get_vm_area_caller", "mm/vmalloc.c");
const S_map_vm_area = sym("map_vm_area", "mm/vmalloc.c");
const S_vmalloc_to_page = sym("vmalloc_to_page", "mm/vmalloc.c");
const S_remap_pfn_range = sym("remap_pfn_range", "mm/memory.c");

/** gfp_zone(): the highest zone the gfp zone modifiers allow (include/linux/gfp.h). */
export function gfp_zone(k: Kernel, gfp: number): ZoneName {
  const has = (z: ZoneName) => k.buddy.zones.some((x) => x.name === z);
  if (gfp & __GFP_DMA && has("DMA")) return "DMA";
  if (gfp & __GFP_DMA32 && has("DMA32")) return "DMA32";
  if (gfp & __GFP_HIGHMEM && has("HighMem")) return "HighMem";
  return "Normal";
}

/** mm/page_alloc.c alloc_pages (__alloc_pages_nodemask): returns a struct page pointer or 0. */
export function alloc_pages(k: Kernel, gfp: number, order: number, owner = "alloc_pages"): number {
  k.tr?.enter(S_alloc_pages, { gfp: gfpName(gfp), order: String(order) });
  if (order >= MAX_ORDER) {
    // __alloc_pages_nodemask (the version's symbol: __alloc_pages from 5.13, …): WARN_ON_ONCE(!(gfp_mask & __GFP_NOWARN)); return NULL
    if (!(gfp & __GFP_NOWARN)) {
      const fn = kernel_symbol(k, "__alloc_pages_nodemask");
      k.warnOnce("__alloc_pages:order", alloc_pages_order_warn(k, fn, order), fn, warn_site(k, "__alloc_pages_nodemask"));
    }
    k.tr?.exit("NULL");
    return 0;
  }
  const zone = gfp_zone(k, gfp);
  const pfn = k.buddy.alloc(order, zone, owner);
  if (pfn === null) {
    k.tr?.exit("NULL");
    return 0;
  }
  if (gfp & __GFP_ZERO) {
    k.mem.fill(pfn * PAGE_SIZE, 0, PAGE_SIZE << order);
    k.cache.invalidate(pfn * PAGE_SIZE, PAGE_SIZE << order);
  }
  const page = k.arch.pfn_to_page(pfn);
  k.tr?.exit(`page ${k.arch.fmtVa(page)} (pfn ${hex(pfn)}, zone ${k.buddy.zoneOf(pfn)?.name})`);
  return page;
}

/**
 * mm/page_alloc.c split_page (5.6–6.18; 5.19 page_alloc.c:3526–3537): a non-compound
 * order-N block becomes 2^N order-0 pages, each with its own reference (set_page_refcounted) and the head's
 * page_owner record (split_page_owner), so each can be freed with __free_page.
 */
export function split_page(k: Kernel, page: number, order: number): void {
  const pfn = k.arch.page_to_pfn(page);
  const owner = k.memmap.owner.get(pfn);
  for (let p = pfn + 1; p < pfn + (1 << order); p++) {
    k.memmap.setRefcount(p, 1);
    if (owner !== undefined) k.memmap.owner.set(p, owner);
  }
}

/**
 * mm/page_alloc.c nr_free_zone_pages-style count (5.6–6.18): the order-0 pages alloc_pages(gfp)
 * can still hand out, i.e. the free pages of the zones in its zonelist, in the buddy lists or on
 * CPU 0's per-cpu lists (the model has no watermarks). The model bounds that use it skip a loop that
 * would take them all and free them again; in the kernel that loop leaves the freed pages on the
 * per-cpu lists (up to high), in the model the lists stay as they were.
 */
export function nr_free_pages_for(k: Kernel, gfp: number): number {
  const z = gfp_zone(k, gfp);
  return k.buddy.freeIn(z) + k.buddy.pcpCount(z);
}

/** include/linux/mm.h totalram_pages (5.6–6.18): the pages the zones manage. */
export function totalram_pages(k: Kernel): number {
  return k.buddy.zones.reduce((s, z) => s + z.managed_pages, 0);
}

/**
 * mm/util.c kvmalloc_node (5.6–5.19), its size checks: from 5.15 (7661809d493b) a size over
 * INT_MAX WARN_ON_ONCEs (unless __GFP_NOWARN) and fails; else the vmalloc fallback refuses more
 * pages than totalram_pages(). Returns whether the allocation gets past them; the model does not
 * place the array itself in memory (callers keep their page lists in the model's own structures).
 */
export function kvmalloc_node(k: Kernel, size: number, gfp: number): boolean {
  if (size > 0x7fff_ffff && k.sw["7661809d493b"]) {
    if (!(gfp & __GFP_NOWARN)) k.warnOnce("kvmalloc_node:INT_MAX", `WARNING: at mm/util.c kvmalloc_node: WARN_ON_ONCE(!(flags & __GFP_NOWARN)) for size ${size} > INT_MAX`, "kvmalloc_node", warn_site(k, "kvmalloc_node"));
    return false;
  }
  const n = alignUp(size, PAGE_SIZE) / PAGE_SIZE;
  if (n > totalram_pages(k)) {
    k.log(`${k.current.comm}: vmalloc: allocation failure: ${size} bytes, mode:0xdc0(GFP_KERNEL|__GFP_ZERO), nodemask=(null)`);
    return false;
  }
  return true;
}

/**
 * mm/page_alloc.c __free_pages (5.6–5.19): put_page_testzero (VM_BUG_ON_PAGE on a zero refcount
 * with CONFIG_DEBUG_VM; else the count goes to -1 and nothing is freed), then free_the_page. From
 * 5.10 (e320d3012d25) a non-compound block whose count did not drop to zero has its upper halves
 * freed anyway.
 */
export function __free_pages(k: Kernel, page: number, order: number): void {
  k.tr?.enter(S_free_pages, { page: k.arch.fmtVa(page), order: String(order) });
  const pfn = k.page_deref(page, "__free_pages");
  if (pfn === null) {
    k.tr?.exit();
    return;
  }
  const ref = k.memmap.refcount(pfn);
  if (ref === 0 && k.cfg.CONFIG_DEBUG_VM) VM_BUG_ON_PAGE_refcount_zero(k, pfn);
  k.memmap.setRefcount(pfn, ref - 1);
  if (ref - 1 === 0) free_the_page(k, pfn, order);
  else {
    k.tr?.note(`put_page_testzero: refcount ${ref} → ${ref - 1}: not freed${ref === 0 ? " (a double free: the page was already free)" : ""}`);
    if (k.sw["e320d3012d25"]) for (let o = order - 1; o >= 0; o--) free_the_page(k, pfn + (1 << o), o);
  }
  k.tr?.exit();
}

/**
 * mm/page_alloc.c free_the_page → free_pages_prepare (5.6–5.19): every page of the block must be
 * in the state of a page being freed (not a free buddy page: "nonzero mapcount"; no references:
 * "nonzero _refcount"; no slab flag); a bad page is reported with bad_page and the block is not
 * freed. A block of order ≥ MAX_ORDER that passed would be linked into zone->free_area[order],
 * past the array: it is reported the same way and not freed.
 */
function free_the_page(k: Kernel, pfn: number, order: number): void {
  const mm = k.memmap;
  const buddy = k.buddy;
  let bad = 0;
  const n = 2 ** Math.min(order, 30);
  // isFree(p) for each page with one lookup per page instead of one per order (BuddyAllocator.freeEndBelow)
  const walk = pfn >= 0 && pfn + n <= 0x7fff_ffff;
  let freeTo = walk ? buddy.freeEndBelow(pfn) : 0;
  for (let i = 0; i < n; i++) {
    const p = pfn + i;
    if (!mm.has(p)) break;
    const f = mm.flags(p);
    let free: boolean;
    if (walk) {
      const e = buddy.freeHeadEnd(p);
      if (e > freeTo) freeTo = e;
      free = p < freeTo;
    } else free = buddy.isFree(p);
    const reason = free ? "nonzero mapcount" : (i > 0 && mm.refcount(p) !== 0) || f & PG_reserved ? "nonzero _refcount" : f & PG_slab ? "PAGE_FLAGS_CHECK_AT_FREE flag(s) set" : null;
    if (reason) {
      if (bad === 0) bad_page(k, p, reason);
      bad++;
      // the kernel rate-limits bad_page (60 reports, then "N messages suppressed"); one report per block is kept here
      if (bad > 0 && i > 64) break;
    }
  }
  if (bad) {
    k.tr?.note(`free_pages_prepare: ${bad > 1 ? "bad pages" : "a bad page"} in the order-${order} block at pfn ${hex(pfn)}: the block is not freed`);
    return;
  }
  if (order >= MAX_ORDER || !k.buddy.zoneOf(pfn) || !k.buddy.zoneOf(pfn + n - 1)) {
    bad_page(k, pfn, `order ${order} block: __free_one_page would link it into zone->free_area[${order}] (MAX_ORDER is ${MAX_ORDER})`);
    return;
  }
  k.buddy.free(pfn, order);
}

/** mm/vmalloc.c is_vmalloc_addr (5.x–6.18): VMALLOC_START <= x < VMALLOC_END */
export function is_vmalloc_addr(k: Kernel, x: number): boolean {
  return x >= k.arch.L.VMALLOC_START && x < k.arch.L.VMALLOC_END;
}

/** mm/vmalloc.c vmap(pages, count, flags, prot): PTEs get pgprot_nx(prot). */
export function vmap(k: Kernel, pages: number[], flags: number, prot: Prot, caller: string): VmStruct | null {
  k.tr?.enter(S_vmap, { count: String(pages.length), prot });
  const vm = k.vmalloc.vmap(pages.map((p) => k.arch.page_to_pfn(p)), flags, prot, caller);
  k.tr?.exit(vm ? `${k.arch.fmtVa(vm.addr)} (vmalloc area ${k.arch.fmtVa(vm.addr)}-${k.arch.fmtVa(vm.addr + vm.size)}, guard page included)` : "NULL");
  return vm;
}

/** mm/vmalloc.c get_vm_area_caller (5.x–6.18): reserve PAGE_ALIGN(size) plus a guard page, no PTEs yet */
export function get_vm_area_caller(k: Kernel, size: number, flags: number, caller: string): VmStruct | null {
  k.tr?.enter(S_get_vm_area_caller, { size: hex(size), caller });
  const vm = k.vmalloc.get_vm_area(alignUp(size, PAGE_SIZE), flags, caller);
  k.tr?.exit(vm ? `${k.arch.fmtVa(vm.addr)} (vmalloc area ${k.arch.fmtVa(vm.addr)}-${k.arch.fmtVa(vm.addr + vm.size)}, guard page included)` : "NULL");
  return vm;
}

/** mm/vmalloc.c map_vm_area (5.6–5.7): PTEs for get_vm_area_size(area) / PAGE_SIZE pages; 0 or -ENOMEM */
export function map_vm_area(k: Kernel, area: VmStruct, prot: Prot, pages: number[]): number {
  k.tr?.enter(S_map_vm_area, { addr: k.arch.fmtVa(area.addr), count: String(area.nr_pages), prot });
  for (let i = 0; i < area.nr_pages; i++) {
    const page = pages[i];
    if (page === undefined) {
      k.tr?.exit("-ENOMEM");
      return -12;
    }
    k.pgd.map(area.addr + i * PAGE_SIZE, k.arch.page_to_pfn(page), PAGE_SIZE, prot);
  }
  k.tr?.exit("0");
  return 0;
}

/** %p of a kernel pointer (lib/vsprintf.c default_pointer, 5.6–6.18): its hash, or with no_hash_pointers the address's hex digits, zero-padded, no 0x. */
function pointer_p(k: Kernel, addr: number): string {
  return default_pointer(k, addr);
}

/** mm/vmalloc.c vunmap (5.6–6.18): NULL is a no-op; 5.6–6.2 __vunmap(addr, 0), whose WARN says "Trying to vfree() nonexistent vm area"; 6.3+ (79311c1fe017) remove_vm_area itself and WARN(1, KERN_ERR "Trying to vunmap() nonexistent vm area (%p)\n"). */
export function vunmap(k: Kernel, addr: number): void {
  k.tr?.enter(S_vunmap, { addr: k.arch.fmtVa(addr) });
  if (addr !== 0) {
    if (k.sw["79311c1fe017"]) {
      if (!k.vmalloc.remove_vm_area(addr)) k.warn(`Trying to vunmap() nonexistent vm area (${pointer_p(k, addr)})`, "vunmap");
    } else __vunmap(k, addr, false);
  }
  k.tr?.exit();
}

/** mm/vmalloc.c __vunmap (5.6–6.2): find_vm_area (the area containing addr) or WARN(1, KERN_ERR "Trying to vfree() nonexistent vm area (%p)\n"); else the area is unmapped and removed and, with deallocate_pages, its pages freed (area->nr_pages: only vmalloc's own areas have them). */
// Its "Trying to vfree() bad address" WARN for an unaligned address is not modelled: every caller passes a page-aligned address.
function __vunmap(k: Kernel, addr: number, deallocate_pages: boolean): boolean {
  const area = k.vmalloc.find_vm_area(addr);
  if (!area) {
    k.warn(`Trying to vfree() nonexistent vm area (${pointer_p(k, addr)})`, "__vunmap");
    return false;
  }
  k.vmalloc.remove_vm_area(area.addr);
  if (deallocate_pages && area.flags & VM_ALLOC) for (const p of area.pages ?? []) __free_pages(k, p, 0);
  return true;
}

/**
 * mm/vmalloc.c vmalloc_to_page (5.x): a real walk of the kernel page tables; a block leaf yields
 * the page inside the block; a missing entry yields NULL. CONFIG_DEBUG_VIRTUAL adds
 * VIRTUAL_BUG_ON for an address outside vmalloc/modules.
 */
export function vmalloc_to_page(k: Kernel, addr: number): number {
  k.tr?.enter(S_vmalloc_to_page, { addr: k.arch.fmtVa(addr) });
  if (k.cfg.CONFIG_DEBUG_VIRTUAL && !is_vmalloc_addr(k, addr)) k.BUG_ON("vmalloc_to_page", "vmalloc_to_page", `VIRTUAL_BUG_ON(!is_vmalloc_or_module_addr(${k.arch.fmtVa(addr)}))`);
  const w = k.pgd.walk(addr);
  if (!isWalkHit(w)) {
    k.tr?.walk(k.arch.fmtVa(addr), w.missing);
    k.tr?.exit("NULL");
    return 0;
  }
  k.tr?.walk(k.arch.fmtVa(addr), `${w.level} leaf → pfn ${hex(w.pfn)}`);
  const page = k.arch.pfn_to_page(w.pfn);
  k.tr?.exit(`page ${k.arch.fmtVa(page)} (pfn ${hex(w.pfn)})`);
  return page;
}

/** virt_to_page with a trace line, for the generic callers. */
export function virt_to_page(k: Kernel, addr: number): number {
  const page = k.arch.virt_to_page(k, addr);
  k.tr?.note(`virt_to_page(${k.arch.fmtVa(addr)}) = ${k.arch.fmtVa(page)} → pfn ${hex(k.arch.page_to_pfn(page))}${k.arch.is_linear(addr) ? "" : " (not a linear-map address: arithmetic on the wrong kind of address)"}`);
  return page;
}

/** The line, per tree, of the BUG_ON(!PageCompound(page)) in kfree (mm/slub.c, 5.6–5.13); no 5.13 tree was read. */
const KFREE_NONSLAB_BUG_LINE: Record<string, number> = { "5.6": 3988, "5.10": 4117 };
/** mm/slub.c free_nonslab_page VM_BUG_ON_PAGE(!PageCompound(page), page) (5.14–5.15, f227f0faf63b): its line per tree. */
const FREE_NONSLAB_VM_BUG_LINE: Record<string, number> = { "5.14": 3243, "5.15": 3532 };

/**
 * mm/slub.c kfree → the non-slab path (5.6–5.13 inline in kfree; 5.14–5.16 free_nonslab_page, f227f0faf63b;
 * 5.17–6.18 free_large_kmalloc) for a kmalloc_large buffer that was already freed: its head page is a
 * free order-0 page now (free_pages_prepare cleared PG_head), so 5.6–5.13 BUG_ON(!PageCompound(page)) —
 * "kernel BUG at mm/slub.c:…!"; 5.14–5.15 VM_BUG_ON_PAGE with CONFIG_DEBUG_VM; from 5.16
 * (d0fe47c64152) WARN_ON_ONCE(order == 0) and pr_warn_once("object pointer: 0x%p"). Then kfree_hook →
 * kasan_kfree_large (5.14+: !kasan_byte_accessible → kasan_report_invalid_free, whose result the
 * caller ignores) and __free_pages(page, 0), which meets a zero refcount.
 * 6.15+ (a6687c8ff613) first tests the PGTY_large_kmalloc page type, which the first free cleared (and
 * which a page the page allocator handed out again never has): WARN_ON_ONCE(!folio_test_large_kmalloc(folio)),
 * dump_page(…, "Not a kmalloc allocation") and return — no KASAN report, no free (6.18.35 mm/slub.c:6839–6842).
 * `order` is the buffer's kmalloc_large order: 6.18's free_frozen_pages put a block of order ≤
 * PAGE_ALLOC_COSTLY_ORDER (3) on a pcp list (no page type) until a drain gave it to the buddy lists, a
 * larger one in the buddy lists (PGTY_buddy on its head while it stays one): dump_page reads the buddy
 * state (src/mm/pcp.ts). Not modelled: a page that became a tail of a later kmalloc_large folio (kfree would free that folio).
 */
export function free_large_kmalloc_again(k: Kernel, addr: number, order: number): void {
  const page = k.arch.virt_to_page(k, addr);
  const pfn = k.arch.page_to_pfn(page);
  if (k.sw["a6687c8ff613"] && !(k.memmap.flags(pfn) & PG_large_kmalloc)) {
    k.warnOnce("free_large_kmalloc:large_kmalloc", "WARNING: free_large_kmalloc: WARN_ON_ONCE(!folio_test_large_kmalloc(folio))", "free_large_kmalloc", warn_site(k, "free_large_kmalloc:large_kmalloc"));
    dump_page(k, pfn, "Not a kmalloc allocation", k.memmap.buddyOrder.has(pfn));
    return;
  }
  if (!k.sw["f227f0faf63b"]) BUG_at_slub(k, KFREE_NONSLAB_BUG_LINE[k.version.id], "kfree");
  if (!k.sw["d0fe47c64152"]) {
    if (k.cfg.CONFIG_DEBUG_VM) VM_BUG_ON_PAGE_not_compound(k, pfn, FREE_NONSLAB_VM_BUG_LINE[k.version.id]);
  } else {
    k.warnOnce("free_large_kmalloc:order", "WARNING: free_large_kmalloc: WARN_ON_ONCE(order == 0)", "free_large_kmalloc");
    if (k.firstTime("free_large_kmalloc:object pointer")) k.printk("warn", `object pointer: 0x${pointer_p(k, addr)}`);
  }
  // kasan_kfree_large: ptr == page_address(virt_to_head_page(ptr)); its shadow is KASAN_PAGE_FREE while
  // the page is free (kasan_poison_pages at free), accessible again once the page allocator gave it out
  if (k.cfg.CONFIG_KASAN && k.memmap.refcount(pfn) <= 0) kasan_report_invalid_free(k, addr, "kfree", "double-free");
  __free_pages(k, page, 0);
}

/**
 * mm/vmalloc.c vmalloc → __vmalloc_node_range (5.6–5.19): a size of more pages than
 * totalram_pages() fails at once ("vmalloc: allocation failure: %lu bytes" through warn_alloc);
 * else order-0 pages (highmem allowed), mapped with PAGE_KERNEL; a page allocation failure frees
 * the pages taken so far.
 */
export function vmalloc(k: Kernel, size: number): number {
  const n = alignUp(size, PAGE_SIZE) / PAGE_SIZE;
  if (n === 0 || n > totalram_pages(k)) {
    k.log(`${k.current.comm}: vmalloc: allocation failure: ${size} bytes, mode:0xcc0(GFP_KERNEL), nodemask=(null)`);
    return 0;
  }
  // Model bound: the order-0 loop below can take at most the free pages of the zones (buddy and
  // per-cpu lists); when n is more, it fails after taking them all and gives them back, so the model
  // reports that failure without walking the allocator page by page (nr_free_pages_for).
  const avail = nr_free_pages_for(k, __GFP_HIGHMEM);
  if (n > avail) {
    k.log(`${k.current.comm}: vmalloc: allocation failure, allocated ${avail * PAGE_SIZE} of ${size} bytes, mode:0xcc2(GFP_KERNEL|__GFP_HIGHMEM), nodemask=(null)`);
    return 0;
  }
  const pages: number[] = [];
  const giveBack = () => {
    for (const p of pages) __free_pages(k, p, 0);
    return 0;
  };
  for (let i = 0; i < n; i++) {
    const p = alloc_pages(k, __GFP_HIGHMEM, 0, "vmalloc");
    if (!p) {
      k.log(`${k.current.comm}: vmalloc: allocation failure, allocated ${i * PAGE_SIZE} of ${size} bytes, mode:0xcc2(GFP_KERNEL|__GFP_HIGHMEM), nodemask=(null)`);
      return giveBack();
    }
    pages.push(p);
  }
  const vm = vmap(k, pages, VM_ALLOC | VM_MAP, "normal", "vmalloc");
  if (!vm) return giveBack();
  vm.pages = pages;
  // KASAN_VMALLOC: only the caller's size is unpoisoned (real_size: __get_vm_area_node's
  // requested_size to 5.16, __vmalloc_node_range's kasan_unpoison_vmalloc from 5.17)
  if (k.vmalloc.kasan) {
    k.vmalloc.kasan_populate_vmalloc(vm.addr, vm.size);
    k.vmalloc.kasan_unpoison_vmalloc(vm.addr, size);
  }
  return vm.addr;
}

/** mm/vmalloc.c vfree (5.6–6.18): NULL is a no-op; 5.6–6.2 __vunmap(addr, 1); 6.3+ (79311c1fe017) remove_vm_area, WARN(1, KERN_ERR "Trying to vfree() nonexistent vm area (%p)\n") from vfree itself when there is none, then the area's pages are freed. */
export function vfree(k: Kernel, addr: number): boolean {
  if (addr === 0) return false;
  if (!k.sw["79311c1fe017"]) return __vunmap(k, addr, true);
  const vm = k.vmalloc.remove_vm_area(addr);
  if (!vm) {
    k.warn(`Trying to vfree() nonexistent vm area (${pointer_p(k, addr)})`, "vfree");
    return false;
  }
  if (vm.flags & VM_ALLOC) for (const p of vm.pages ?? []) __free_pages(k, p, 0);
  return true;
}

// ---- user space ----

/** Pick a user address range for a new mapping (top-down mmap). */
export function get_unmapped_area(k: Kernel, len: number): number {
  k.user_mmap_cursor -= alignUp(len, PAGE_SIZE) + PAGE_SIZE;
  return k.user_mmap_cursor;
}

/** mm/memory.c remap_pfn_range: writes PTEs for pfn.. into the user page table, no pfn_valid check. */
export function remap_pfn_range(k: Kernel, vm_start: number, pfn: number, size: number, prot: Prot): number {
  k.tr?.enter(S_remap_pfn_range, { addr: hex(vm_start), pfn: hex(pfn), size: hex(size), prot });
  k.user_pgd.map(vm_start, pfn, size, prot);
  k.tr?.exit("0");
  return 0;
}

/**
 * A user-space load (data undefined) or store through the user page table, a page at a time,
 * through the VMA's protection (cached or not); a frame that is not RAM raises SIGBUS, a missing
 * mapping SIGSEGV. Returns the bytes read (or the data written), null after a signal.
 */
function user_access(k: Kernel, va: number, len: number, data?: Uint8Array): Uint8Array | null {
  const out = data ?? new Uint8Array(len);
  const what = data ? "store" : "load";
  for (let done = 0; done < len; ) {
    const a = va + done;
    const n = Math.min(len - done, PAGE_SIZE - (a % PAGE_SIZE));
    const w = k.user_pgd.walk(a);
    if (!isWalkHit(w)) {
      k.record("sigsegv", `no mapping at user address ${hex(a)} (SEGV_MAPERR)`, a);
      return null;
    }
    const phys = k.stage2(w.phys);
    if (!k.mem.isRam(phys)) {
      k.record("sigbus", `user ${what} at ${hex(a)} hits pfn ${hex(w.pfn)} (phys ${hex(w.phys)}), which is not RAM: external abort on a non-existent physical address`, a);
      return null;
    }
    if (data) {
      const chunk = data.subarray(done, done + n);
      if (w.prot === "normal") k.cache.cpuWrite(phys, chunk);
      else k.mem.write(phys, chunk);
    } else out.set(w.prot === "normal" ? k.cache.cpuRead(phys, n) : k.mem.read(phys, n), done);
    k.tr?.mem(data ? "write" : "read", "user", hex(a), hex(phys), n, `user PTE pfn ${hex(w.pfn)} ${w.prot}`, pseudo_phys_of(k, phys));
    done += n;
  }
  return out;
}

/** A user-space load through the user page table. */
export function user_access_read(k: Kernel, va: number, len: number): Uint8Array | null {
  return user_access(k, va, len);
}

/** A user-space store through the user page table. */
export function user_access_write(k: Kernel, va: number, data: Uint8Array): boolean {
  return user_access(k, va, data.length, data) !== null;
}

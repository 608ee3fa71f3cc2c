/**
 * The mm layer's own reports for misuse, per version: SLUB's freelist-hardening BUG, DEBUG_VM's
 * VM_BUG_ON_PAGE, mm/page_alloc.c bad_page, KASAN's reports and the soft-lockup watchdog.
 * Line numbers are those of the BUG()/VM_BUG_ON in each version's tree (docs/verified-facts.md);
 * where no tree of a version was read (5.13) the line is left out rather than guessed.
 */
import type { Kernel } from "../kernel.js";
import { KernelFault } from "../core/faults.js";
import type { KasanShadow } from "../arch/arm64/memory.js";

/** mm/slub.c set_freepointer: the line of `BUG_ON(object == fp)` (CONFIG_SLAB_FREELIST_HARDENED). */
const SLUB_SET_FREEPOINTER_LINE: Record<string, number> = { "5.6": 304, "5.10": 304, "5.14": 321, "5.15": 384, "5.19": 381, "6.1": 419, "6.6": 448, "6.12": 547, "6.18": 631 };
/** include/linux/mm.h put_page_testzero (5.6–6.18): the line of `VM_BUG_ON_PAGE(page_ref_count(page) == 0, page)`. */
const MM_H_PUT_PAGE_TESTZERO_LINE: Record<string, number> = { "5.6": 587, "5.10": 707, "5.14": 748, "5.15": 747, "5.19": 720, "6.1": 780, "6.6": 1099, "6.12": 1140, "6.18": 1101 };

function at(file: string, line: number | undefined): string {
  return line === undefined ? file : `${file}:${line}`;
}

/** BUG(): "kernel BUG at file:line!" (lib/bug.c report_bug, as every arch prints it) — stops the run. */
export function BUG_at(k: Kernel, file: string, line: number | undefined, pc: string, before?: string): never {
  const message = `${before ? before + "; " : ""}kernel BUG at ${at(file, line)}!`;
  k.tr?.fault("bug", message);
  throw new KernelFault({ kind: "bug", message, step: k.step, pc });
}

/** mm/slub.c set_freepointer (5.x–6.1, CONFIG_SLAB_FREELIST_HARDENED): BUG_ON(object == fp) — naive double-free detection. */
export function slub_freelist_double_free(k: Kernel): never {
  BUG_at(k, "mm/slub.c", SLUB_SET_FREEPOINTER_LINE[k.version.id], "set_freepointer");
}

/** mm/debug.c dump_page + include/linux/mmdebug.h VM_BUG_ON_PAGE (CONFIG_DEBUG_VM): "page dumped because: ..." then BUG(). */
export function VM_BUG_ON_PAGE_refcount_zero(k: Kernel, pfn: number): never {
  BUG_at(k, "include/linux/mm.h", MM_H_PUT_PAGE_TESTZERO_LINE[k.version.id], "__free_pages", `page:${k.arch.fmtVa(k.arch.pfn_to_page(pfn))} refcount:0 pfn:0x${pfn.toString(16)}; page dumped because: VM_BUG_ON_PAGE(page_ref_count(page) == 0)`);
}

/** mm/slub.c kfree (5.6–5.13): BUG_ON(!PageCompound(page)) for a non-slab page that is not a compound head — "kernel BUG at mm/slub.c:%d!". */
export function BUG_at_slub(k: Kernel, line: number | undefined, pc: string): never {
  BUG_at(k, "mm/slub.c", line, pc);
}

/** mm/slub.c free_nonslab_page (5.14–5.15, f227f0faf63b) with CONFIG_DEBUG_VM: VM_BUG_ON_PAGE(!PageCompound(page), page) — dump_page then BUG(). */
export function VM_BUG_ON_PAGE_not_compound(k: Kernel, pfn: number, line: number | undefined): never {
  BUG_at(k, "mm/slub.c", line, "free_nonslab_page", `page:${k.arch.fmtVa(k.arch.pfn_to_page(pfn))} refcount:${k.memmap.refcount(pfn)} pfn:0x${pfn.toString(16)}; page dumped because: VM_BUG_ON_PAGE(!PageCompound(page))`);
}

/** mm/page_alloc.c bad_page (5.6–6.6): "BUG: Bad page state in process %s  pfn:%05lx" + dump_page(reason); the page is not freed. */
export function bad_page(k: Kernel, pfn: number, reason: string): void {
  k.report("bad_page", `BUG: Bad page state in process ${k.current.comm}  pfn:${pfn.toString(16).padStart(5, "0")}; page dumped because: ${reason}`, "bad_page");
}

/**
 * mm/debug.c dump_page (6.18; the model calls it only on the 6.15+ free_large_kmalloc path) → __dump_page →
 * __dump_folio (6.18.35 :70–130, :141–150) of a page that is not a large folio, as the model knows it: "page: refcount:%d mapcount:%d mapping:%p index:%#lx pfn:%#lx"
 * (mapping NULL, mapcount 0 — a typed page shows 0 too), "page_type: %x(%s)" when the page has a type
 * (a free buddy head: "f0(buddy)"), then "page dumped because: %s". Model bound: the "flags: %pGp" line
 * and the two "raw:" hex lines of struct page are left out (the model keeps no page->flags word with
 * its node/zone/section fields, no lru words, and index stays 0).
 */
export function dump_page(k: Kernel, pfn: number, reason: string, buddyHead: boolean): void {
  k.printk("warn", `page: refcount:${k.memmap.refcount(pfn)} mapcount:0 mapping:${px(k, 0)} index:0x0 pfn:0x${pfn.toString(16)}`);
  if (buddyHead) k.printk("warn", "page_type: f0(buddy)");
  k.printk("warn", `page dumped because: ${reason}`);
}

/** %px (lib/vsprintf.c pointer_string): the pointer's hex digits, zero-padded to its width, no 0x. */
function px(k: Kernel, addr: number): string {
  return k.arch.fmtVa(addr).slice(2);
}

/** mm/kasan/report.c kasan_report_invalid_free (5.6–6.18): 5.6–6.0 "BUG: KASAN: double-free or invalid-free in %pS" alone; 6.1+ (dcc579663f60) "BUG: KASAN: double-free in %pS" (or invalid-free), then "Free of addr %px by task %s/%d". */
// %pS is the caller the model knows (`ip`); the record keeps the object's address.
export function kasan_report_invalid_free(k: Kernel, addr: number, ip: string, type: "double-free" | "invalid-free"): void {
  if (k.sw["dcc579663f60"]) k.report("kasan", `BUG: KASAN: ${type} in ${ip}`, ip, { addr, lines: [`Free of addr ${px(k, addr)} by task ${k.current.comm}/${k.current.pid}`] });
  else k.report("kasan", `BUG: KASAN: double-free or invalid-free in ${ip}`, ip, { addr });
}

/** The generic-KASAN shadow of freed memory the model reports on: a freed slab object (KASAN_SLAB_FREE / KASAN_KMALLOC_FREE) or freed pages (KASAN_PAGE_FREE / KASAN_FREE_PAGE). */
export type KasanFreedShadow = "slab" | "page";

/** mm/kasan/report_generic.c get_shadow_bug_type (5.6–6.18), for freed memory: "use-after-free"; 6.3+ (0e301731f558) "slab-use-after-free" for a freed slab object, pages stay "use-after-free". */
export function kasan_shadow_bug_type(k: Kernel, shadow: KasanFreedShadow): string {
  return shadow === "slab" && k.sw["0e301731f558"] ? "slab-use-after-free" : "use-after-free";
}

/** mm/kasan/report.c print_error_description (5.6–6.18), for an access: "BUG: KASAN: %s in %pS" with the bug type, then "%s of size %zu at addr %px by task %s/%d". */
function kasan_report_access(k: Kernel, addr: number, size: number, write: boolean, ip: string, bug_type: string): void {
  k.report("kasan", `BUG: KASAN: ${bug_type} in ${ip}`, ip, { addr, lines: [`${write ? "Write" : "Read"} of size ${size} at addr ${px(k, addr)} by task ${k.current.comm}/${k.current.pid}`] });
}

/** mm/kasan/report.c print_error_description (5.6–6.18) for an access to freed memory, with get_shadow_bug_type's type for that shadow. */
export function kasan_report_uaf(k: Kernel, addr: number, size: number, write: boolean, ip: string, shadow: KasanFreedShadow): void {
  kasan_report_access(k, addr, size, write, ip, kasan_shadow_bug_type(k, shadow));
}

/**
 * CONFIG_KASAN_VMALLOC, as each arch's Kconfig selects it for generic KASAN: arm64 from 5.13
 * (acc3042d62cb), 32-bit ARM from 6.0 (565cbaad83d8, through ARM_MODULE_PLTS); on x86_64 it is
 * a separate option, default n — its vmalloc shadow is the early zero page, which reports nothing.
 */
export function kasan_vmalloc_enabled(k: Kernel): boolean {
  if (!k.cfg.CONFIG_KASAN) return false;
  if (k.arch.name === "arm64") return !!k.sw["acc3042d62cb"];
  if (k.arch.name === "arm") return !!k.sw["565cbaad83d8"];
  return false;
}

/**
 * mm/kasan/generic.c check_region_inline (5.6–6.18) for a vmalloc address with KASAN_VMALLOC: the
 * shadow of a vfree'd / vunmap'd area (poisoned at free) or of the bytes past an area's requested
 * size (guard page included) is KASAN_VMALLOC_INVALID, and report_generic.c get_shadow_bug_type
 * calls it "vmalloc-out-of-bounds" (5.6.4 … 6.18.35 alike). The report comes first; the access then
 * goes ahead (and faults if the page is no longer mapped). Returns whether it reported.
 */
export function kasan_check_vmalloc(k: Kernel, addr: number, size: number, write: boolean, ip: string): boolean {
  if (!k.vmalloc.kasan || size === 0) return false;
  if (k.vmalloc.kasan_first_bad_addr(addr, size) === undefined) return false;
  kasan_report_access(k, addr, size, write, ip, "vmalloc-out-of-bounds");
  return true;
}

/** mm/kasan/report.c kasan_non_canonical_hook (5.6–6.18, generic KASAN; arm64's die_kernel_fault calls it from 5.17, 07b742a4d912):
 * a fault at or above KASAN_SHADOW_OFFSET may be a shadow check of a bogus pointer, so the
 * pointer it would be the shadow of is decoded,
 * (addr - KASAN_SHADOW_OFFSET) << KASAN_SHADOW_SCALE_SHIFT, and pr_alert'ed as
 * "KASAN: %s in range [0x%016lx-0x%016lx]" over one granule: null-ptr-deref below PAGE_SIZE,
 * probably user-memory-access below TASK_SIZE, else maybe wild-memory-access — from 6.8
 * (c20e3feadd45) "probably wild-memory-access" when the faulting address is inside the shadow.
 */
export function kasan_non_canonical_hook(k: Kernel, addr: number, shadow: KasanShadow): string[] {
  const a = BigInt.asUintN(64, BigInt(addr));
  if (a < shadow.offset) return [];
  const orig = BigInt.asUintN(64, (a - shadow.offset) << 3n);
  let bug_type: string;
  if (orig < 4096n) bug_type = "null-ptr-deref";
  else if (orig < shadow.task_size) bug_type = "probably user-memory-access";
  else if (k.sw["c20e3feadd45"] && a >= shadow.start && a < shadow.end) bug_type = "probably wild-memory-access";
  else bug_type = "maybe wild-memory-access";
  const x = (v: bigint) => "0x" + v.toString(16).padStart(16, "0");
  return [`KASAN: ${bug_type} in range [${x(orig)}-${x(BigInt.asUintN(64, orig + 7n))}]`];
}

/**
 * kernel/watchdog.c watchdog_timer_fn (5.6–5.19): pr_emerg "BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]"
 * (pr_fmt "watchdog: "). The first report comes at the first hrtimer sample (every
 * watchdog_thresh * 2 / 5 = 4 s) after more than softlockup_thresh = 20 s without a touch: 24 s,
 * printed in get_timestamp() units of running_clock() >> 30 (2^30 ns): 22.
 */
export function soft_lockup(k: Kernel, pc: string): never {
  const thresh = 2 * 10; // get_softlockup_thresh(): watchdog_thresh (10) * 2
  const period = thresh / 5; // sample_period in seconds
  const first = (Math.floor(thresh / period) + 1) * period; // first sample with duration > thresh
  const stuck = Math.floor((first * 1e9) / 2 ** 30);
  k.fatal("soft_lockup", `watchdog: BUG: soft lockup - CPU#0 stuck for ${stuck}s! [${k.current.comm}:${k.current.pid}]`, pc);
}

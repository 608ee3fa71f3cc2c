/**
 * kernel/dma/debug.c — CONFIG_DMA_API_DEBUG, as in Linux 5.10–5.14 (later changes noted inline
 * and switchable through DmaDebugOptions).
 *
 * The checker is an observer at the DMA API boundary: kernel/dma/mapping.c calls a debug_dma_*
 * hook after (or, for unmap_sg, before) each operation. The hooks here take already-computed
 * facts (physical addresses, the CPU address of dma_map_single, the scatterlist) so this module
 * needs no page-table code. Each finding is reported like err_printk does: counted in
 * error_count, printed or suppressed by num_errors / all_errors / driver_filter, and recorded
 * as a diagnostic `{ id, message, step, printed }` whose id is the check's D-number from the
 * reference catalogue (docs: shared/reference/dma-api-rules-debug-bench.md §1.3).
 *
 * Printing of %p: the kernel hashes %p values unless booted with no_hash_pointers (5.12+); the
 * messages here print the raw address the way %px / no_hash_pointers would (no "0x", 16 digits
 * on 64-bit, 8 on ARM32), so they stay deterministic.
 *
 * The checker is split by concern: debug-entry.ts (constants, options, struct dma_debug_entry,
 * printk formatting), debug-store.ts (err_printk, entry pool, cacheline tracking, hash table),
 * debug-checks.ts (check_*), debug-checker.ts (the hook bodies, DmaDebug); this file holds the
 * exported hooks and re-exports the rest.
 *
 * Not emulated:
 * - D26 "cpu touching an active dma mapped cacheline" (debug_dma_assert_idle, called from the
 *   CoW path in mm/memory.c): 5.6 has it (5.6.4 kernel/dma/debug.c:552), it was removed in 5.9
 *   (5848dc5b1b76); the model has no copy-on-write path that could call it.
 *
 * A printed error is err_printk's WARN(1, …): the splat (message, "WARNING: … at
 * kernel/dma/debug.c:<line of the err_printk call> <function>", regs, call trace) goes to the
 * kernel log before dump_entry_trace's "Mapped at:" frames, and taints the kernel W. It is not a
 * fault record: a step's outcome and the matrix go by the diagnostic, as before.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import type { Scatterlist } from "./ops.js";
import { hex64 } from "../../core/u64.js";
import { sym } from "../../core/trace.js";
import type { DmaDebugOptions } from "./debug-entry.js";
import * as de from "./debug-entry.js";
import { DmaDebug } from "./debug-checker.js";
export { ACTIVE_CACHELINE_MAX_OVERLAP, DMA_DEBUG_DYNAMIC_ENTRIES, DMA_DEBUG_STACKTRACE_ENTRIES, DmaDebugEntry, HASH_FN_SHIFT, HASH_SIZE, L1_CACHE_SHIFT, MAP_ERR_CHECKED, MAP_ERR_CHECK_NOT_APPLICABLE, MAP_ERR_NOT_CHECKED, PREALLOC_DMA_DEBUG_ENTRIES, RADIX_TREE_MAX_TAGS, dmaDebugOptionsFor, maperr2str, type2name } from "./debug-entry.js";
export type { DebugType, DmaDebugOptions, MapErrType } from "./debug-entry.js";
export { DmaDebug } from "./debug-checker.js";

// Module-local copies of the constants and helpers the hot paths use: transpiled module
// bindings (tsx, vitest) turn every imported-name access into a getter call.
const dmaDebugOptionsFor = de.dmaDebugOptionsFor;
const dir2name = de.dir2name;

const F = "kernel/dma/debug.c";
const S_map_single = sym("debug_dma_map_single", F);
const S_map_page = sym("debug_dma_map_page", F);
const S_mapping_error = sym("debug_dma_mapping_error", F);
const S_unmap_page = sym("debug_dma_unmap_page", F);
const S_map_sg = sym("debug_dma_map_sg", F);
const S_unmap_sg = sym("debug_dma_unmap_sg", F);
const S_alloc_coherent = sym("debug_dma_alloc_coherent", F);
const S_free_coherent = sym("debug_dma_free_coherent", F);
const S_map_resource = sym("debug_dma_map_resource", F);
const S_alloc_pages = sym("debug_dma_alloc_pages", F);
const S_free_pages = sym("debug_dma_free_pages", F);
const S_unmap_resource = sym("debug_dma_unmap_resource", F);
const S_sync_cpu = sym("debug_dma_sync_single_for_cpu", F);
const S_sync_dev = sym("debug_dma_sync_single_for_device", F);
const S_sync_sg_cpu = sym("debug_dma_sync_sg_for_cpu", F);
const S_sync_sg_dev = sym("debug_dma_sync_sg_for_device", F);
const S_device_change = sym("dma_debug_device_change", F);

/** dma_debug_disabled() at a hook's entry: the checker, or null when absent or disabled */
function active(k: Kernel): DmaDebug | null {
  const d = k.dma_debug;
  return d !== null && d.disabled === false ? d : null;
}

// the trace entries of the four hooks a map/unmap pair reaches, out of line: each hook stays small enough for V8 to
// inline its checker body (the argument objects are built only when somebody records)
function map_single_enter(k: Kernel, addr: number, len: number): void {
  k.tr?.enter(S_map_single, { addr: k.arch.fmtVa(addr), len: String(len) });
}
function map_page_enter(k: Kernel, paddr: number, size: number, direction: number, dma_addr: number): void {
  k.tr?.enter(S_map_page, { paddr: hex64(paddr), size: String(size), dir: dir2name(direction), dma_addr: hex64(dma_addr) });
}
function mapping_error_enter(k: Kernel, dma_addr: number): void {
  k.tr?.enter(S_mapping_error, { dma_addr: hex64(dma_addr) });
}
function unmap_page_enter(k: Kernel, addr: number, size: number, direction: number): void {
  k.tr?.enter(S_unmap_page, { addr: hex64(addr), size: String(size), dir: dir2name(direction) });
}

/**
 * kernel/dma/debug.c dma_debug_init (5.10–5.14 core_initcall): builds the checker from the
 * Kconfig / boot options and the kernel version, stores it in k.dma_debug. Null without
 * CONFIG_DMA_API_DEBUG.
 */
export function dma_debug_init(k: Kernel, opts: DmaDebugOptions = {}): DmaDebug | null {
  if (!k.cfg.CONFIG_DMA_API_DEBUG) {
    k.dma_debug = null;
    return null;
  }
  const base = dmaDebugOptionsFor(k.version.id);
  if (opts.eexistCounted !== undefined && opts.eexist === undefined) delete base.eexist;
  const d = new DmaDebug({
    all_errors: k.cfg.dma_debug_all_errors ?? false,
    num_errors: k.cfg.dma_debug_num_errors ?? 1,
    ...base,
    ...opts,
  });
  // 6.18.35 ("dma-debug: track cache clean flag in entries"): active_cacheline_insert keeps the tree's entry for each line
  if (k.sw["d5d846513128"]) d.treeEntry = new Map();
  k.dma_debug = d;
  if (d.disabled) {
    k.printk("info", "DMA-API: debugging disabled on kernel command line"); // dma_debug_cmdline's pr_info
    return d;
  }
  // dma_debug_init's pr_info lines, pr_fmt "DMA-API: " (5.6.4 kernel/dma/debug.c:948/:962, 5.10.7 :901/:915, 6.18.35 :934/:948)
  k.printk("info", `DMA-API: preallocated ${d.nr_total_entries} debug entries`);
  k.printk("info", "DMA-API: debugging enabled by kernel config");
  if (d.driver_filter) k.log(`DMA-API: enable driver filter for driver [${d.driver_filter}]`);
  return d;
}

/**
 * kernel/dma/debug.c debug_dma_map_single (5.10–5.14): D17 when the address is not a valid
 * linear-map address, D18 when it is a vmalloc address. Called by dma_map_single_attrs before
 * the mapping; since 4544b9f25e70 (5.5, so every modelled version) that wrapper already refuses vmalloc addresses with a
 * dev_WARN_ONCE before getting here, so D18 is unreachable through dma_map_single in 5.6–5.19.
 */
export function debug_dma_map_single(k: Kernel, dev: Device, addr: number, len: number): void {
  const d = active(k);
  if (d === null) return;
  if (k.tr !== undefined) map_single_enter(k, addr, len);
  d.map_single(k, dev, addr, len);
  k.tr?.exit();
}

/**
 * kernel/dma/debug.c debug_dma_map_page (5.10–5.14). `paddr` = page_to_phys(page) + offset.
 * `mapType` tells dma_map_single from dma_map_page; 5.x records both as "single" (see
 * DmaDebugOptions.pageType). A non-null `cpuVa` runs debug_dma_map_single's D17/D18 checks first
 * (even for a failed mapping, as the kernel's order has it) — pass null when the caller already
 * called debug_dma_map_single. A failed mapping (DMA_MAPPING_ERROR) is not tracked. `attrs`
 * matters only with eexist "err_printk" (DMA_ATTR_SKIP_CPU_SYNC, 5.15).
 */
export function debug_dma_map_page(k: Kernel, dev: Device, paddr: number, size: number, direction: number, dma_addr: number, mapType?: "single" | "page", cpuVa?: number | null, attrs?: number): void {
  // (the defaults "page", null and 0 applied where used: a parameter default costs V8 a copy of every argument, and the
  // hook's size decides whether V8 inlines its checker body)
  const d = active(k);
  if (d === null) return;
  if (k.tr !== undefined) map_page_enter(k, paddr, size, direction, dma_addr);
  if (cpuVa !== undefined && cpuVa !== null) d.map_single(k, dev, cpuVa, size);
  d.map_page(k, dev, paddr, size, direction, dma_addr, d.pageType === true ? (mapType === undefined ? "page" : mapType) : "single", attrs === undefined ? 0 : attrs);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_mapping_error (5.10–6.18): marks the first unchecked exact match checked */
export function debug_dma_mapping_error(k: Kernel, dev: Device, dma_addr: number): void {
  const d = active(k);
  if (d === null) return;
  if (k.tr !== undefined) mapping_error_enter(k, dma_addr);
  d.mapping_error(dev, dma_addr);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_unmap_page (5.10–6.1): check_unmap with type "single" */
export function debug_dma_unmap_page(k: Kernel, dev: Device, addr: number, size: number, direction: number, unmapType?: "single" | "page"): void {
  const d = active(k);
  if (d === null) return;
  if (k.tr !== undefined) unmap_page_enter(k, addr, size, direction);
  d.unmap(k, dev, addr, size, direction, d.pageType === true ? (unmapType === undefined ? "page" : unmapType) : "single", 0);
  k.tr?.exit();
}

/**
 * kernel/dma/debug.c debug_dma_map_sg (5.10–5.14): one entry per mapped segment (dma_address /
 * dma_length of sg[0..mapped_ents)), each tagged with nents and mapped_ents; D15/D16 on those
 * segments (all nents with sgChecksAllNents, 5.15+); D23/D24 with CONFIG_DMA_API_DEBUG_SG.
 */
export function debug_dma_map_sg(k: Kernel, dev: Device, sg: Scatterlist[], nents: number, mapped_ents: number, direction: number, attrs = 0): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_map_sg, { nents: String(nents), mapped_ents: String(mapped_ents), dir: dir2name(direction) });
  d.map_sg(k, dev, sg, nents, mapped_ents, direction, attrs);
  k.tr?.exit();
}

/**
 * kernel/dma/debug.c debug_dma_unmap_sg (5.10–5.14): the first segment's exact match gives the
 * mapped count, then check_unmap per segment up to it (all nelems if the first is not found).
 */
export function debug_dma_unmap_sg(k: Kernel, dev: Device, sglist: Scatterlist[], nelems: number, dir: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_unmap_sg, { nelems: String(nelems), dir: dir2name(dir) });
  d.unmap_sg(k, dev, sglist, nelems, dir);
  k.tr?.exit();
}

/**
 * kernel/dma/debug.c debug_dma_alloc_coherent (5.10–5.14). `paddr` = the buffer's physical
 * address (vmalloc_to_pfn or virt_to_page of `virt`, as the kernel looks it up); the page
 * offset is taken from `virt`. NULL and addresses neither vmalloc nor linear are ignored.
 */
export function debug_dma_alloc_coherent(k: Kernel, dev: Device, size: number, dma_addr: number, virt: number, paddr: number, attrs = 0): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_alloc_coherent, { size: String(size), dma_addr: hex64(dma_addr), virt: k.arch.fmtVa(virt) });
  d.alloc_coherent(k, dev, size, dma_addr, virt, paddr, attrs);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_free_coherent (5.10–6.1): check_unmap with type "coherent" and the CPU address (D05) */
/** kernel/dma/debug.c debug_dma_alloc_pages (6.17+, 7e2368a21741): dma_alloc_pages' own entry type */
export function debug_dma_alloc_pages(k: Kernel, dev: Device, paddr: number, size: number, direction: number, dma_addr: number, attrs = 0): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_alloc_pages, { paddr: hex64(paddr), size: String(size), dma_addr: hex64(dma_addr) });
  d.alloc_pages(k, dev, paddr, size, direction, dma_addr, attrs);
  k.tr?.exit();
}
/** kernel/dma/debug.c debug_dma_free_pages (6.17+, 7e2368a21741) */
export function debug_dma_free_pages(k: Kernel, dev: Device, paddr: number, size: number, direction: number, dma_addr: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_free_pages, { paddr: hex64(paddr), size: String(size), dma_addr: hex64(dma_addr) });
  d.free_pages(k, dev, paddr, size, direction, dma_addr);
  k.tr?.exit();
}
export function debug_dma_free_coherent(k: Kernel, dev: Device, size: number, virt: number, addr: number, paddr: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_free_coherent, { size: String(size), virt: k.arch.fmtVa(virt), addr: hex64(addr) });
  d.free_coherent(k, dev, size, virt, addr, paddr);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_map_resource (5.10–5.14): tracked even when dma_addr is the error cookie */
export function debug_dma_map_resource(k: Kernel, dev: Device, addr: number, size: number, direction: number, dma_addr: number, attrs = 0): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_map_resource, { addr: hex64(addr), size: String(size), dma_addr: hex64(dma_addr) });
  d.map_resource(k, dev, addr, size, direction, dma_addr, attrs);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_unmap_resource (5.10–6.12) */
export function debug_dma_unmap_resource(k: Kernel, dev: Device, dma_addr: number, size: number, direction: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_unmap_resource, { dma_addr: hex64(dma_addr), size: String(size) });
  d.unmap(k, dev, dma_addr, size, direction, "resource", 0);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_sync_single_for_cpu (5.10–6.18) */
export function debug_dma_sync_single_for_cpu(k: Kernel, dev: Device, dma_handle: number, size: number, direction: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_sync_cpu, { dma_handle: hex64(dma_handle), size: String(size), dir: dir2name(direction) });
  d.sync_single(k, dev, dma_handle, size, direction, true);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_sync_single_for_device (5.10–6.18) */
export function debug_dma_sync_single_for_device(k: Kernel, dev: Device, dma_handle: number, size: number, direction: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_sync_dev, { dma_handle: hex64(dma_handle), size: String(size), dir: dir2name(direction) });
  d.sync_single(k, dev, dma_handle, size, direction, false);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_sync_sg_for_cpu (5.10–6.12): silent when the first segment is unknown */
export function debug_dma_sync_sg_for_cpu(k: Kernel, dev: Device, sg: Scatterlist[], nelems: number, direction: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_sync_sg_cpu, { nelems: String(nelems), dir: dir2name(direction) });
  d.sync_sg(k, dev, sg, nelems, direction, true);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_sync_sg_for_device (5.10–6.12): silent when the first segment is unknown */
export function debug_dma_sync_sg_for_device(k: Kernel, dev: Device, sg: Scatterlist[], nelems: number, direction: number): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_sync_sg_dev, { nelems: String(nelems), dir: dir2name(direction) });
  d.sync_sg(k, dev, sg, nelems, direction, false);
  k.tr?.exit();
}

/**
 * drivers/base/core.c dev_driver_string of an unbound device: its bus name — "pci" for a PCI
 * function (named domain:bus:slot.fn, as the x86 devices here), "platform" for a DT platform device.
 */
export function dev_bus_name(dev: Device): string {
  return /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(dev.name) ? "pci" : "platform";
}

/**
 * kernel/dma/debug.c dma_debug_device_change, BUS_NOTIFY_UNBOUND_DRIVER (5.6–5.19): D22 when
 * the device still owns entries. The message prefix is "<bus> <device>" because the driver is
 * already unbound (real logs read "DMA-API: pci 0000:83:00.0: ..."); `bus` defaults to the
 * device's own bus (dev_bus_name). The leaked entries stay tracked.
 */
export function dma_debug_device_change(k: Kernel, dev: Device, bus = dev_bus_name(dev)): void {
  const d = active(k);
  if (d === null) return;
  k.tr?.enter(S_device_change, { dev: dev.name, action: "BUS_NOTIFY_UNBOUND_DRIVER" });
  d.device_change(k, dev, bus);
  k.tr?.exit();
}

/**
 * kernel/dma/debug.c debug_dma_dump_mappings (5.6–6.18): the dev_info lines
 * "<driver> <device>: <type> idx <bucket> P=<phys> N=<pfn> D=<dma> L=<len> <dir> <map-err state>"
 * for one device (or all with null), with "cln=" from 6.4 and "P=%pa" without N= from 6.13
 * (DmaDebug.dump_fields); also written to the kernel log.
 */
export function debug_dma_dump_mappings(k: Kernel, dev: Device | null): string[] {
  const d = k.dma_debug;
  if (d === null) return [];
  const lines = d.dump_mappings(k, dev);
  for (const l of lines) k.log(l);
  return lines;
}


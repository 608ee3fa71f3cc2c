/**
 * include/trace/events/dma.h: the DMA-API tracepoints (038eb433dc14, 6.12). Each trace_dma_*
 * function records one typed `tracepoint` event into the run's event stream (src/core/trace.ts)
 * with its TP_printk output in the running kernel's format:
 *
 * - 6.12 (6.12.19): dma_map_page / dma_unmap_page (event class dma_map / dma_unmap), dma_map_sg
 *   "%s dir=%s dma_addrs=%s sizes=%s phys_addrs=%s attrs=%s", dma_unmap_sg, dma_sync_single_*,
 *   dma_sync_sg_*; decode_dma_attrs knows the eight attributes up to PRIVILEGED.
 * - 6.18 (6.18.35): the map/unmap events are dma_map_phys / dma_unmap_phys (76bb7c49f50c),
 *   decode_dma_attrs adds MMIO and CACHE_CLEAN (eadaa8b255f3 and the 6.18.35 header), and
 *   dma_map_sg prints "nents=%d/%d ents=%d/%d%s" and caps its arrays at DMA_TRACE_MAX_ENTRIES
 *   (daafcc0ef0b3, in 6.18.y).
 *
 * The events fire only when a run records its event stream (k.tr); the task is the scenario's
 * (k.current), the CPU 0, the timestamp the model's clock (k.now_ms, advanced by msleep).
 * Versions before 6.12 have no events/dma: nothing is recorded.
 */
import type { Kernel } from "../../../kernel.js";
import type { Device } from "../../../drivers/device.js";
import type { Scatterlist } from "../../../kernel/dma/ops.js";
import { toBig } from "../../../core/u64.js";
import { show_gfp_flags } from "./mmflags.js";
import { trace_pointer } from "../../../lib/vsprintf.js";

/** include/trace/events/dma.h DMA_TRACE_MAX_ENTRIES (daafcc0ef0b3) */
export const DMA_TRACE_MAX_ENTRIES = 128;

/** decode_dma_data_direction: __print_symbolic over TRACE_DEFINE_ENUM'd directions; an unknown value prints as 0x%lx */
export function decode_dma_data_direction(dir: number): string {
  return ["BIDIRECTIONAL", "TO_DEVICE", "FROM_DEVICE", "NONE"][dir] ?? "0x" + (dir >>> 0).toString(16);
}

/** decode_dma_attrs' flag table: 6.12.19, and 6.18.35 with MMIO (1 << 10) and CACHE_CLEAN (1 << 11) */
function attrTable(k: Kernel): readonly [number, string][] {
  const base: [number, string][] = [
    [1 << 1, "WEAK_ORDERING"], [1 << 2, "WRITE_COMBINE"], [1 << 4, "NO_KERNEL_MAPPING"], [1 << 5, "SKIP_CPU_SYNC"],
    [1 << 6, "FORCE_CONTIGUOUS"], [1 << 7, "ALLOC_SINGLE_PAGES"], [1 << 8, "NO_WARN"], [1 << 9, "PRIVILEGED"],
  ];
  if (k.sw["eadaa8b255f3"]) base.push([1 << 10, "MMIO"]);
  if (k.sw["61868dc55a11"]) base.push([1 << 11, "CACHE_CLEAN"]); // 6f45b1604cf4 "dma-mapping: handle DMA_ATTR_CPU_CACHE_CLEAN in trace output", in 6.18.35 with the attribute
  return base;
}

/**
 * kernel/trace/trace_output.c trace_print_flags_seq (__print_flags): the names of the table's
 * flags present, in table order, joined by `delim`; bits left over as 0x%lx; nothing for 0.
 */
export function trace_print_flags_seq(delim: string, flags: number, table: readonly [number, string][]): string {
  const out: string[] = [];
  for (const [mask, name] of table) {
    if (!flags) break;
    if ((flags & mask) !== mask) continue;
    flags &= ~mask;
    out.push(name);
  }
  if (flags) out.push("0x" + (flags >>> 0).toString(16));
  return out.join(delim);
}

/** decode_dma_attrs(attrs): __print_flags(attrs, "|", ...) */
export function decode_dma_attrs(k: Kernel, attrs: number): string {
  return trace_print_flags_seq("|", attrs, attrTable(k));
}

/** A u64 trace field as %llx (no prefix); ARM32's 32-bit dma_addr_t / phys_addr_t widen without sign extension */
export function llx(k: Kernel, v: number): string {
  if (k.arch.name === "arm") return (v >>> 0).toString(16);
  return v >= 0 ? v.toString(16) : toBig(v).toString(16);
}

/** kernel/trace/trace_output.c trace_print_array_seq (5.6–6.18, __print_array): "{0x..,0x..}", u64 as 0x%llx, u32 as 0x%x */
export function trace_print_array_seq(vals: readonly string[]): string {
  return "{" + vals.map((v) => "0x" + v).join(",") + "}";
}

/** Record one dma:<event> tracepoint into the run's event stream. */
function emit(k: Kernel, event: string, text: string): void {
  k.tr!.tracepoint("dma", event, k.current.comm, k.current.pid, 0, k.now_ms * 1_000_000, text);
}

/** the events exist (038eb433dc14, 6.12) and somebody records */
function on(k: Kernel): boolean {
  return k.tr !== undefined && k.sw["038eb433dc14"];
}

/** sg_phys(sg): page_to_phys(sg_page(sg)) + sg->offset */
function sg_phys(k: Kernel, sg: Scatterlist): number {
  return k.page_to_phys(sg.page) + sg.offset;
}

/**
 * DECLARE_EVENT_CLASS(dma_map): trace_dma_map_page (6.12), trace_dma_map_phys (6.18, 76bb7c49f50c).
 * "%s dir=%s dma_addr=%llx size=%zu phys_addr=%llx attrs=%s"
 */
export function trace_dma_map(k: Kernel, dev: Device, phys_addr: number, dma_addr: number, size: number, dir: number, attrs: number): void {
  if (!on(k)) return;
  emit(k, k.sw["76bb7c49f50c"] ? "dma_map_phys" : "dma_map_page",
    `${dev.name} dir=${decode_dma_data_direction(dir)} dma_addr=${llx(k, dma_addr)} size=${size} phys_addr=${llx(k, phys_addr)} attrs=${decode_dma_attrs(k, attrs)}`);
}

/**
 * DECLARE_EVENT_CLASS(dma_unmap): trace_dma_unmap_page (6.12), trace_dma_unmap_phys (6.18).
 * "%s dir=%s dma_addr=%llx size=%zu attrs=%s"
 */
export function trace_dma_unmap(k: Kernel, dev: Device, addr: number, size: number, dir: number, attrs: number): void {
  if (!on(k)) return;
  emit(k, k.sw["76bb7c49f50c"] ? "dma_unmap_phys" : "dma_unmap_page",
    `${dev.name} dir=${decode_dma_data_direction(dir)} dma_addr=${llx(k, addr)} size=${size} attrs=${decode_dma_attrs(k, attrs)}`);
}

/** DEFINE_EVENT(dma_map, dma_map_resource) (6.12–6.17; 6.18's dma_map_resource is dma_map_phys with DMA_ATTR_MMIO and traces dma_map_phys) */
export function trace_dma_map_resource(k: Kernel, dev: Device, phys_addr: number, dma_addr: number, size: number, dir: number, attrs: number): void {
  if (!on(k)) return;
  emit(k, "dma_map_resource", `${dev.name} dir=${decode_dma_data_direction(dir)} dma_addr=${llx(k, dma_addr)} size=${size} phys_addr=${llx(k, phys_addr)} attrs=${decode_dma_attrs(k, attrs)}`);
}

/** DEFINE_EVENT(dma_unmap, dma_unmap_resource) (6.12–6.17) */
export function trace_dma_unmap_resource(k: Kernel, dev: Device, addr: number, size: number, dir: number, attrs: number): void {
  if (!on(k)) return;
  emit(k, "dma_unmap_resource", `${dev.name} dir=${decode_dma_data_direction(dir)} dma_addr=${llx(k, addr)} size=${size} attrs=${decode_dma_attrs(k, attrs)}`);
}

/**
 * TRACE_EVENT(dma_map_sg): the CPU side (sg_phys) of all nents entries, the DMA side
 * (sg_dma_address, sg_dma_len) of the ents mapped ones. 6.18.35 (daafcc0ef0b3) first prints the
 * counts and caps each array at DMA_TRACE_MAX_ENTRIES.
 */
export function trace_dma_map_sg(k: Kernel, dev: Device, sgl: readonly Scatterlist[], nents: number, ents: number, dir: number, attrs: number): void {
  if (!on(k)) return;
  const capped = k.sw["daafcc0ef0b3"];
  const tn = capped ? Math.min(nents, DMA_TRACE_MAX_ENTRIES) : nents;
  const te = capped ? Math.min(ents, DMA_TRACE_MAX_ENTRIES) : ents;
  const phys = sgl.slice(0, tn).map((sg) => llx(k, sg_phys(k, sg)));
  const dma = sgl.slice(0, te).map((sg) => llx(k, sg.dma_address));
  const lens = sgl.slice(0, te).map((sg) => (sg.dma_length >>> 0).toString(16));
  const counts = capped ? ` nents=${tn}/${nents} ents=${te}/${ents}${nents > DMA_TRACE_MAX_ENTRIES || ents > DMA_TRACE_MAX_ENTRIES ? " [TRUNCATED]" : ""}` : "";
  emit(k, "dma_map_sg",
    `${dev.name} dir=${decode_dma_data_direction(dir)}${counts} dma_addrs=${trace_print_array_seq(dma)} sizes=${trace_print_array_seq(lens)} phys_addrs=${trace_print_array_seq(phys)} attrs=${decode_dma_attrs(k, attrs)}`);
}

/** TRACE_EVENT(dma_unmap_sg): "%s dir=%s phys_addrs=%s attrs=%s" (sg_phys of each of the nents entries) */
export function trace_dma_unmap_sg(k: Kernel, dev: Device, sgl: readonly Scatterlist[], nents: number, dir: number, attrs: number): void {
  if (!on(k)) return;
  const phys = sgl.slice(0, nents).map((sg) => llx(k, sg_phys(k, sg)));
  emit(k, "dma_unmap_sg", `${dev.name} dir=${decode_dma_data_direction(dir)} phys_addrs=${trace_print_array_seq(phys)} attrs=${decode_dma_attrs(k, attrs)}`);
}

/** DECLARE_EVENT_CLASS(dma_sync_single): dma_sync_single_for_cpu / _for_device, "%s dir=%s dma_addr=%llx size=%zu" */
export function trace_dma_sync_single(k: Kernel, forCpu: boolean, dev: Device, dma_addr: number, size: number, dir: number): void {
  if (!on(k)) return;
  emit(k, forCpu ? "dma_sync_single_for_cpu" : "dma_sync_single_for_device", `${dev.name} dir=${decode_dma_data_direction(dir)} dma_addr=${llx(k, dma_addr)} size=${size}`);
}

/** DECLARE_EVENT_CLASS(dma_sync_sg): dma_sync_sg_for_cpu / _for_device, "%s dir=%s dma_addrs=%s sizes=%s" over nents entries */
export function trace_dma_sync_sg(k: Kernel, forCpu: boolean, dev: Device, sgl: readonly Scatterlist[], nents: number, dir: number): void {
  if (!on(k)) return;
  const s = sgl.slice(0, nents);
  emit(k, forCpu ? "dma_sync_sg_for_cpu" : "dma_sync_sg_for_device",
    `${dev.name} dir=${decode_dma_data_direction(dir)} dma_addrs=${trace_print_array_seq(s.map((sg) => llx(k, sg.dma_address)))} sizes=${trace_print_array_seq(s.map((sg) => (sg.dma_length >>> 0).toString(16)))}`);
}

/**
 * TRACE_EVENT(dma_alloc) (6.12): "%s dma_addr=%llx size=%zu virt_addr=%p flags=%s attrs=%s";
 * 6.13+ (3afff779a725) the dma_alloc_class event with "dir=%s" after the device. virt_addr is
 * %p: hashed as trace_event_format leaves it by default (see ptr).
 */
export function trace_dma_alloc(k: Kernel, dev: Device, virt_addr: number, dma_addr: number, size: number, dir: number, flags: number, attrs: number): void {
  if (!on(k)) return;
  const d = k.sw["3afff779a725"] ? ` dir=${decode_dma_data_direction(dir)}` : "";
  emit(k, "dma_alloc", `${dev.name}${d} dma_addr=${llx(k, dma_addr)} size=${size} virt_addr=${ptr(k, virt_addr)} flags=${show_gfp_flags(k, flags)} attrs=${decode_dma_attrs(k, attrs)}`);
}

/** TRACE_EVENT(dma_free) (6.12): "%s dma_addr=%llx size=%zu virt_addr=%p attrs=%s"; 6.13+ (3afff779a725) with "dir=%s" */
export function trace_dma_free(k: Kernel, dev: Device, virt_addr: number, dma_addr: number, size: number, dir: number, attrs: number): void {
  if (!on(k)) return;
  const d = k.sw["3afff779a725"] ? ` dir=${decode_dma_data_direction(dir)}` : "";
  emit(k, "dma_free", `${dev.name}${d} dma_addr=${llx(k, dma_addr)} size=${size} virt_addr=${ptr(k, virt_addr)} attrs=${decode_dma_attrs(k, attrs)}`);
}

/** DEFINE_ALLOC_EVENT(dma_alloc_pages) (6.13+, c4484ab86ee0): the dma_alloc_class line; virt_addr is page_to_virt(page), NULL and 0 for a failure (68b6dbf1f441) */
export function trace_dma_alloc_pages(k: Kernel, dev: Device, virt_addr: number, dma_addr: number, size: number, dir: number, flags: number, attrs: number): void {
  if (!on(k)) return;
  emit(k, "dma_alloc_pages", `${dev.name} dir=${decode_dma_data_direction(dir)} dma_addr=${llx(k, dma_addr)} size=${size} virt_addr=${ptr(k, virt_addr)} flags=${show_gfp_flags(k, flags)} attrs=${decode_dma_attrs(k, attrs)}`);
}

/** DEFINE_FREE_EVENT(dma_free_pages) (6.13+, c4484ab86ee0): the dma_free_class line "%s dir=%s dma_addr=%llx size=%zu virt_addr=%p attrs=%s" */
export function trace_dma_free_pages(k: Kernel, dev: Device, virt_addr: number, dma_addr: number, size: number, dir: number, attrs: number): void {
  if (!on(k)) return;
  emit(k, "dma_free_pages", `${dev.name} dir=${decode_dma_data_direction(dir)} dma_addr=${llx(k, dma_addr)} size=${size} virt_addr=${ptr(k, virt_addr)} attrs=${decode_dma_attrs(k, attrs)}`);
}

/**
 * TRACE_EVENT(dma_alloc_sgt) (6.13+, c4484ab86ee0): "%s dir=%s dma_addr=%llx size=%zu phys_addrs=%s flags=%s attrs=%s"
 * — sg_phys of each of the table's orig_nents entries, the first entry's sg_dma_address.
 */
export function trace_dma_alloc_sgt(k: Kernel, dev: Device, sgl: readonly Scatterlist[], orig_nents: number, size: number, dir: number, flags: number, attrs: number): void {
  if (!on(k)) return;
  const phys = sgl.slice(0, orig_nents).map((sg) => llx(k, sg_phys(k, sg)));
  emit(k, "dma_alloc_sgt", `${dev.name} dir=${decode_dma_data_direction(dir)} dma_addr=${llx(k, sgl[0]!.dma_address)} size=${size} phys_addrs=${trace_print_array_seq(phys)} flags=${show_gfp_flags(k, flags)} attrs=${decode_dma_attrs(k, attrs)}`);
}

/**
 * DEFINE_ALLOC_EVENT(dma_alloc_sgt_err) (6.13+, 68b6dbf1f441 with d5bbfbad58ec's argument order): the
 * dma_alloc_class line "%s dir=%s dma_addr=%llx size=%zu virt_addr=%p flags=%s attrs=%s", called with NULL and 0.
 */
export function trace_dma_alloc_sgt_err(k: Kernel, dev: Device, virt_addr: number, dma_addr: number, size: number, dir: number, flags: number, attrs: number): void {
  if (!on(k)) return;
  emit(k, "dma_alloc_sgt_err", `${dev.name} dir=${decode_dma_data_direction(dir)} dma_addr=${llx(k, dma_addr)} size=${size} virt_addr=${ptr(k, virt_addr)} flags=${show_gfp_flags(k, flags)} attrs=${decode_dma_attrs(k, attrs)}`);
}

/** TRACE_EVENT(dma_free_sgt) (6.13+, c4484ab86ee0): "%s dir=%s dma_addr=%llx size=%zu phys_addrs=%s" */
export function trace_dma_free_sgt(k: Kernel, dev: Device, sgl: readonly Scatterlist[], orig_nents: number, size: number, dir: number): void {
  if (!on(k)) return;
  const phys = sgl.slice(0, orig_nents).map((sg) => llx(k, sg_phys(k, sg)));
  emit(k, "dma_free_sgt", `${dev.name} dir=${decode_dma_data_direction(dir)} dma_addr=${llx(k, sgl[0]!.dma_address)} size=${size} phys_addrs=${trace_print_array_seq(phys)}`);
}

/** %p of a kernel pointer in the trace file: lib/vsprintf.ts trace_pointer (hashed by default; raw with no_hash_pointers or trace_options=nohash-ptr; NULL as 0000000000000000 / 00000000) */
function ptr(k: Kernel, va: number): string {
  return trace_pointer(k, va);
}

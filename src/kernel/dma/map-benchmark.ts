/**
 * kernel/dma/map_benchmark.c (5.11+, single mode) and the user tool
 * tools/testing/selftests/dma/dma_map_benchmark.c: the DMA_MAP_BENCHMARK ioctl's request
 * (struct map_benchmark), its validation in the kernel's order with the kernel's pr_err texts,
 * the per-kthread map/unmap loop with 100 ns truncation, the integer statistics, and the three
 * lines the tool prints.
 *
 * Engine core: no node:* imports. Time comes from a `now()` the caller passes (milliseconds, as
 * `performance.now()` returns them); the CLI runs one model per worker thread and merges the
 * accumulators with `map_benchmark_merge`.
 *
 * Modelling notes:
 * - The kernel's kthreads share one device and one swiotlb pool. `map_benchmark_run` can run
 *   several "kthreads" on one model, interleaved one loop iteration at a time (shared state, no
 *   parallelism); the CLI's worker threads each own a whole model (parallelism, no sharing).
 * - `ndelay(dma_trans_ns)` is a busy wait on `now()`, outside the timed intervals, as in the
 *   kernel. The reschedule point of the RCU-stall fix has no counterpart (nothing to yield to).
 * - Only the page-aligned single mode is modelled (no sg mode, map_mode of 2025).
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import { DMA_BIT_MASK, PAGE_SIZE, get_order } from "../../core/u64.js";
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, GFP_KERNEL } from "../../include/gfp.js";
import { __free_pages, alloc_pages } from "../../mm/mm.js";
import { dma_map_single_attrs, dma_mapping_error, dma_set_mask, dma_unmap_page_attrs } from "./mapping.js";
import { EINVAL, ENOMEM } from "./ops.js";

/* include/uapi/linux/map_benchmark.h */
/** _IOWR('d', 1, struct map_benchmark): dir 3 (read|write), size 0x88, type 'd', nr 1 */
export const DMA_MAP_BENCHMARK = 0xc0886401;
export const DMA_MAP_MAX_THREADS = 1024;
export const DMA_MAP_MAX_SECONDS = 300;
/** 10 * NSEC_PER_MSEC */
export const DMA_MAP_MAX_TRANS_DELAY = 10_000_000;
export const DMA_MAP_BIDIRECTIONAL = 0;
export const DMA_MAP_TO_DEVICE = 1;
export const DMA_MAP_FROM_DEVICE = 2;
/** The user tool's granule limit (1..1024 pages); the kernel checks the same bound. */
export const DMA_MAP_MAX_GRANULE = 1024;
/** sizeof(struct map_benchmark) in the current UAPI */
export const MAP_BENCHMARK_SIZE = 136;
/** NUMA_NO_NODE */
export const NUMA_NO_NODE = -1;
/** MAX_NUMNODES of the modelled configs (CONFIG_NODES_SHIFT 6 would be 64; the models have one node) */
export const MAX_NUMNODES = 64;

/** The user tool's direction names (`directions[]`). */
export const MAP_BENCHMARK_DIRECTIONS = ["BIDIRECTIONAL", "TO_DEVICE", "FROM_DEVICE"] as const;

/**
 * struct map_benchmark (include/uapi/linux/map_benchmark.h): the four outputs in 100 ns units,
 * then the inputs. Outputs are numbers (exact: they are means and square roots of means).
 */
export interface MapBenchmark {
  avg_map_100ns: number;
  map_stddev: number;
  avg_unmap_100ns: number;
  unmap_stddev: number;
  threads: number;
  seconds: number;
  node: number;
  dma_bits: number;
  dma_dir: number;
  dma_trans_ns: number;
  granule: number;
}

/** The user tool's defaults: 1 thread, 20 s, NUMA_NO_NODE, 32-bit mask, BIDIRECTIONAL, no delay, 1 page. */
export function map_benchmark_defaults(): MapBenchmark {
  return { avg_map_100ns: 0, map_stddev: 0, avg_unmap_100ns: 0, unmap_stddev: 0, threads: 1, seconds: 20, node: NUMA_NO_NODE, dma_bits: 32, dma_dir: DMA_MAP_BIDIRECTIONAL, dma_trans_ns: 0, granule: 1 };
}

/**
 * kernel/dma/map_benchmark.c's `#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt` (5.11–6.18): the object is
 * map_benchmark.o, so its pr_err lines read "map_benchmark: invalid thread number" (checked: 5.14-rc5,
 * 5.15.178, 5.19, 6.12.19 map_benchmark.c:6 and kernel/dma/Makefile `obj-$(CONFIG_DMA_MAP_BENCHMARK) += map_benchmark.o`).
 */
export const MAP_BENCHMARK_PR_FMT = "map_benchmark: ";

/** A refused request: the errno the ioctl returns and the kernel's pr_err text (without the pr_fmt prefix, MAP_BENCHMARK_PR_FMT). */
export interface MapBenchmarkError {
  errno: number;
  message: string;
  /** which field was refused */
  field: "threads" | "seconds" | "dma_trans_ns" | "node" | "granule" | "dma_dir" | "dma_bits";
}

/**
 * kernel/dma/map_benchmark.c map_benchmark_ioctl, the checks before the run, in the kernel's
 * order: threads, seconds, transmission delay, node, granule, direction. `possibleNodes` is
 * the number of possible NUMA nodes (node_possible(n) ⇔ 0 ≤ n < possibleNodes); the models have one.
 */
export function map_benchmark_check(bp: Readonly<MapBenchmark>, possibleNodes = 1): MapBenchmarkError | null {
  const u32 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;
  if (!u32(bp.threads) || bp.threads < 1 || bp.threads > DMA_MAP_MAX_THREADS) return { errno: EINVAL, message: "invalid thread number", field: "threads" };
  if (!u32(bp.seconds) || bp.seconds < 1 || bp.seconds > DMA_MAP_MAX_SECONDS) return { errno: EINVAL, message: "invalid duration seconds", field: "seconds" };
  if (!u32(bp.dma_trans_ns) || bp.dma_trans_ns > DMA_MAP_MAX_TRANS_DELAY) return { errno: EINVAL, message: "invalid transmission delay", field: "dma_trans_ns" };
  if (!Number.isInteger(bp.node) || (bp.node !== NUMA_NO_NODE && (bp.node < 0 || bp.node >= MAX_NUMNODES || bp.node >= possibleNodes)))
    return { errno: EINVAL, message: "invalid numa node", field: "node" };
  if (!u32(bp.granule) || bp.granule < 1 || bp.granule > DMA_MAP_MAX_GRANULE) return { errno: EINVAL, message: "invalid granule size", field: "granule" };
  if (bp.dma_dir !== DMA_MAP_BIDIRECTIONAL && bp.dma_dir !== DMA_MAP_TO_DEVICE && bp.dma_dir !== DMA_MAP_FROM_DEVICE) return { errno: EINVAL, message: "invalid DMA direction", field: "dma_dir" };
  return null;
}

/**
 * The user tool's own checks before it opens the debugfs file, in its order (threads, seconds,
 * transmit delay, mask bits, direction, granule), with its messages. The kernel has no range
 * check on dma_bits; the tool refuses anything outside 20..64 ("suppose the minimum DMA zone is 1MB").
 */
export function map_benchmark_tool_check(bp: Readonly<MapBenchmark>): MapBenchmarkError | null {
  if (!(bp.threads >= 1 && bp.threads <= DMA_MAP_MAX_THREADS)) return { errno: EINVAL, message: `invalid number of threads, must be in 1-${DMA_MAP_MAX_THREADS}`, field: "threads" };
  if (!(bp.seconds >= 1 && bp.seconds <= DMA_MAP_MAX_SECONDS)) return { errno: EINVAL, message: `invalid number of seconds, must be in 1-${DMA_MAP_MAX_SECONDS}`, field: "seconds" };
  if (!(bp.dma_trans_ns >= 0 && bp.dma_trans_ns <= DMA_MAP_MAX_TRANS_DELAY)) return { errno: EINVAL, message: `invalid transmit delay, must be in 0-${DMA_MAP_MAX_TRANS_DELAY}`, field: "dma_trans_ns" };
  if (!(bp.dma_bits >= 20 && bp.dma_bits <= 64)) return { errno: EINVAL, message: "invalid dma mask bit, must be in 20-64", field: "dma_bits" };
  if (bp.dma_dir !== DMA_MAP_BIDIRECTIONAL && bp.dma_dir !== DMA_MAP_TO_DEVICE && bp.dma_dir !== DMA_MAP_FROM_DEVICE) return { errno: EINVAL, message: "invalid dma direction", field: "dma_dir" };
  if (!(bp.granule >= 1 && bp.granule <= DMA_MAP_MAX_GRANULE)) return { errno: EINVAL, message: "invalid granule size", field: "granule" };
  return null;
}

/** The four shared atomic64 accumulators and the loop counter of struct map_benchmark_data. */
export interface MapBenchmarkAcc {
  loops: number;
  sum_map_100ns: number;
  sum_sq_map: number;
  sum_unmap_100ns: number;
  sum_sq_unmap: number;
}

export function map_benchmark_acc(): MapBenchmarkAcc {
  return { loops: 0, sum_map_100ns: 0, sum_sq_map: 0, sum_unmap_100ns: 0, sum_sq_unmap: 0 };
}

/** Add accumulators (several models / worker threads into one run). */
export function map_benchmark_merge(into: MapBenchmarkAcc, from: Readonly<MapBenchmarkAcc>): MapBenchmarkAcc {
  into.loops += from.loops;
  into.sum_map_100ns += from.sum_map_100ns;
  into.sum_sq_map += from.sum_sq_map;
  into.sum_unmap_100ns += from.sum_unmap_100ns;
  into.sum_sq_unmap += from.sum_sq_unmap;
  return into;
}

/** lib/math/int_sqrt.c int_sqrt64 (5.6–6.18): floor(sqrt(x)) for a u64. */
export function int_sqrt64(x: bigint): bigint {
  if (x < 2n) return x;
  let r = BigInt(Math.floor(Math.sqrt(Number(x))));
  while (r * r > x) r--;
  while ((r + 1n) * (r + 1n) <= x) r++;
  return r;
}

/**
 * The statistics at the end of do_map_benchmark, in the kernel's integer arithmetic:
 * avg = sum / loops; variance = sum_sq / loops − avg²; stddev = int_sqrt64(variance).
 * (The sums are exact below 2^53, i.e. for any run the limits allow.) No loops: all zero.
 */
export function map_benchmark_stats(acc: Readonly<MapBenchmarkAcc>): Pick<MapBenchmark, "avg_map_100ns" | "map_stddev" | "avg_unmap_100ns" | "unmap_stddev"> {
  if (acc.loops <= 0) return { avg_map_100ns: 0, map_stddev: 0, avg_unmap_100ns: 0, unmap_stddev: 0 };
  const loops = BigInt(acc.loops);
  const one = (sum: number, sq: number) => {
    const avg = BigInt(sum) / loops;
    const v = BigInt(sq) / loops - avg * avg;
    return { avg: Number(avg), sd: Number(int_sqrt64(v < 0n ? 0n : v)) };
  };
  const m = one(acc.sum_map_100ns, acc.sum_sq_map);
  const u = one(acc.sum_unmap_100ns, acc.sum_sq_unmap);
  return { avg_map_100ns: m.avg, map_stddev: m.sd, avg_unmap_100ns: u.avg, unmap_stddev: u.sd };
}

/** The map_benchmark DMA_MAP_* value to enum dma_data_direction (the same numbers). */
export function map_benchmark_dir(dma_dir: number): number {
  return dma_dir === DMA_MAP_TO_DEVICE ? DMA_TO_DEVICE : dma_dir === DMA_MAP_FROM_DEVICE ? DMA_FROM_DEVICE : DMA_BIDIRECTIONAL;
}

/** One benchmark kthread's state (map_benchmark_thread's locals). */
interface KThread {
  /** linear address of the buffer */
  buf: number;
  /** head page and order of the alloc_pages_exact block (for the free) */
  page: number;
  size: number;
}

/** mm/page_alloc.c alloc_pages_exact: order get_order(size), tail pages beyond PAGE_ALIGN(size) freed. Returns the head page or 0. */
function alloc_pages_exact(k: Kernel, size: number, gfp: number): number {
  const order = get_order(size);
  const page = alloc_pages(k, gfp, order, "alloc_pages_exact (map_benchmark)");
  if (!page) return 0;
  const used = Math.ceil(size / PAGE_SIZE);
  const pfn = k.arch.page_to_pfn(page);
  // make_alloc_exact → split_page: every page of the block gets its own reference
  for (let i = 1; i < 1 << order; i++) k.memmap.setRefcount(pfn + i, 1);
  for (let i = used; i < 1 << order; i++) __free_pages(k, k.arch.pfn_to_page(pfn + i), 0);
  return page;
}

/** mm/page_alloc.c free_pages_exact (5.6–6.18) */
function free_pages_exact(k: Kernel, page: number, size: number): void {
  const pfn = k.arch.page_to_pfn(page);
  for (let i = 0; i < Math.ceil(size / PAGE_SIZE); i++) __free_pages(k, k.arch.pfn_to_page(pfn + i), 0);
}

export interface MapBenchmarkRunOptions {
  /** clock in milliseconds (performance.now in the CLI) */
  now: () => number;
  /** how long the loops run, in ms (default: bp.seconds * 1000) */
  durationMs?: number;
  /** kthreads on this model, interleaved per iteration (default bp.threads) */
  kthreads?: number;
  /** stop after this many loops in total (tests; default unlimited) */
  maxLoops?: number;
}

export interface MapBenchmarkRunResult {
  /** 0, or the first thread error (-ENOMEM) */
  ret: number;
  acc: MapBenchmarkAcc;
  /** kernel log lines (pr_err texts, with the pr_fmt prefix "map_benchmark: ") */
  log: string[];
}

/**
 * kernel/dma/map_benchmark.c map_benchmark_thread (single mode), for `kthreads` threads
 * sharing this model: allocate granule × PAGE_SIZE bytes with alloc_pages_exact; then per loop
 * fill with 0x66 unless DMA_FROM_DEVICE (untimed, through the CPU cache: it dirties the lines so
 * the map has cache maintenance to do), time dma_map_single, busy-wait dma_trans_ns (untimed),
 * time dma_unmap_single, truncate each delta to 100 ns units and accumulate. A mapping error logs
 * "dma_map_single failed on <dev>" and ends the run with -ENOMEM. The device mask must already be
 * set (see map_benchmark_ioctl).
 */
export function map_benchmark_run(k: Kernel, dev: Device, bp: Readonly<MapBenchmark>, o: MapBenchmarkRunOptions): MapBenchmarkRunResult {
  const now = o.now;
  const nthreads = Math.max(1, o.kthreads ?? bp.threads);
  const acc = map_benchmark_acc();
  const log: string[] = [];
  const size = bp.granule * PAGE_SIZE;
  const dir = map_benchmark_dir(bp.dma_dir);
  const threads: KThread[] = [];
  let ret = 0;
  for (let i = 0; i < nthreads; i++) {
    const page = alloc_pages_exact(k, size, GFP_KERNEL);
    if (!page) {
      ret = -ENOMEM;
      break;
    }
    threads.push({ buf: k.arch.page_address(k, page), page, size });
  }
  const fill = dir !== DMA_FROM_DEVICE ? new Uint8Array(size).fill(0x66) : null;
  const transMs = bp.dma_trans_ns / 1e6;
  const deadline = now() + (o.durationMs ?? bp.seconds * 1000);
  const maxLoops = o.maxLoops ?? Infinity;
  if (ret === 0) {
    outer: for (;;) {
      for (let t = 0; t < threads.length; t++) {
        if (now() >= deadline || acc.loops >= maxLoops) break outer;
        const th = threads[t]!;
        // a. (untimed) make the cache lines dirty
        if (fill) k.kwrite(th.buf, fill, "map_benchmark_thread");
        // b. timed map
        const m0 = now();
        const dma_addr = dma_map_single_attrs(k, dev, th.buf, size, dir, 0);
        const m1 = now();
        if (dma_mapping_error(k, dev, dma_addr) !== 0) {
          log.push(`${MAP_BENCHMARK_PR_FMT}dma_map_single failed on ${dev.name}`);
          ret = -ENOMEM;
          break outer;
        }
        // c. ndelay(dma_trans_ns): pretend DMA is transmitting (untimed)
        if (transMs > 0) {
          const t0 = now();
          while (now() - t0 < transMs) {
            /* busy wait */
          }
        }
        // d. timed unmap
        const u0 = now();
        dma_unmap_page_attrs(k, dev, dma_addr, size, dir, 0, true);
        const u1 = now();
        // e. 100 ns units, truncated (div64_ul(delta_ns, 100))
        const map100 = Math.floor(((m1 - m0) * 1e6) / 100);
        const unmap100 = Math.floor(((u1 - u0) * 1e6) / 100);
        acc.sum_map_100ns += map100;
        acc.sum_sq_map += map100 * map100;
        acc.sum_unmap_100ns += unmap100;
        acc.sum_sq_unmap += unmap100 * unmap100;
        acc.loops++;
      }
    }
  }
  for (const th of threads) free_pages_exact(k, th.page, th.size);
  return { ret, acc, log };
}

export interface MapBenchmarkIoctlResult {
  /** 0 or -errno, as the ioctl returns */
  ret: number;
  /** the struct copied back (outputs filled on success) */
  bp: MapBenchmark;
  log: string[];
  acc: MapBenchmarkAcc;
}

/**
 * kernel/dma/map_benchmark.c map_benchmark_ioctl (DMA_MAP_BENCHMARK) + do_map_benchmark:
 * validate, save the old mask, dma_set_mask(DMA_BIT_MASK(dma_bits)) ("failed to set dma_mask on
 * device %s" → -EINVAL), run, restore the old mask, compute the statistics into the struct.
 */
export function map_benchmark_ioctl(k: Kernel, dev: Device, req: Readonly<MapBenchmark>, o: MapBenchmarkRunOptions): MapBenchmarkIoctlResult {
  const bp: MapBenchmark = { ...req };
  const bad = map_benchmark_check(bp);
  if (bad) return { ret: -bad.errno, bp, log: [`${MAP_BENCHMARK_PR_FMT}${bad.message}`], acc: map_benchmark_acc() };
  const set = map_benchmark_set_mask(k, dev, bp.dma_bits);
  if (set.ret !== 0) return { ret: set.ret, bp, log: set.log, acc: map_benchmark_acc() };
  const r = map_benchmark_run(k, dev, bp, o);
  map_benchmark_restore_mask(k, dev, set.old);
  if (r.ret === 0) Object.assign(bp, map_benchmark_stats(r.acc));
  return { ret: r.ret, bp, log: r.log, acc: r.acc };
}

/** The mask step of the ioctl: returns the old mask to restore, or -EINVAL with the kernel's message. */
export function map_benchmark_set_mask(k: Kernel, dev: Device, dma_bits: number): { ret: number; old: bigint | null; log: string[] } {
  const old = dev.dma_mask;
  if (dma_set_mask(k, dev, DMA_BIT_MASK(dma_bits)) !== 0) return { ret: -EINVAL, old, log: [`${MAP_BENCHMARK_PR_FMT}failed to set dma_mask on device ${dev.name}`] };
  return { ret: 0, old, log: [] };
}

/** Restore the mask saved by map_benchmark_set_mask. */
export function map_benchmark_restore_mask(k: Kernel, dev: Device, old: bigint | null): void {
  if (old !== null) dma_set_mask(k, dev, old);
}

/** `value / 10.0` printed with %.1f, exactly (value is a whole number of 100 ns units). */
function us1(v: number): string {
  const n = Math.max(0, Math.trunc(v));
  return `${Math.floor(n / 10)}.${n % 10}`;
}

/** The user tool's output: header, then average map and unmap latency with their deviation. */
export function map_benchmark_format(bp: Readonly<MapBenchmark>): string[] {
  return [
    `dma mapping benchmark: threads:${bp.threads} seconds:${bp.seconds} node:${bp.node} dir:${MAP_BENCHMARK_DIRECTIONS[bp.dma_dir] ?? "?"} granule: ${bp.granule}`,
    `average map latency(us):${us1(bp.avg_map_100ns)} standard deviation:${us1(bp.map_stddev)}`,
    `average unmap latency(us):${us1(bp.avg_unmap_100ns)} standard deviation:${us1(bp.unmap_stddev)}`,
  ];
}

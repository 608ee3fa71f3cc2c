/**
 * Whether a dma-direct device's dma-ranges cover all of System RAM, and the out-of-line
 * dma_addressing_limited that asks it (a409d9600959 with 8ae0e970319a, 6.7): a device whose mask
 * reaches the top of RAM is still "addressing limited" when its dma_range_map leaves a hole over
 * some lower RAM — the Ampere server of the commit message, whose _DMA windows skip
 * 0x880000000–0xfffffffff. dma_direct_max_mapping_size then answers swiotlb's limit.
 *
 * 6.12.19's check_ram_in_range_map keeps `bdr` across iterations: a System RAM range that runs out
 * of one dma range into a hole finds no range at its new start, reuses the stale one and computes
 * the same start again — forever (8324993f6030, 6.14, looks each start up afresh with dma_find_range).
 * The loop is preemptible: on arm64 (CONFIG_PREEMPT) the caller hangs silently, elsewhere the
 * watchdog reports a soft lockup (spin_forever).
 */
import type { Kernel } from "../../kernel.js";
import type { BusDmaRegion, Device } from "../../drivers/device.js";
import { PAGE_SIZE, hex } from "../../core/u64.js";
import { sym } from "../../core/trace.js";
import { soft_lockup } from "../../mm/mm-debug.js";

const S_limited = sym("dma_addressing_limited", "kernel/dma/mapping.c");
const S_all_ram = sym("dma_direct_all_ram_mapped", "kernel/dma/direct.c");
const EINVAL = -22;

const PFN_DOWN = (x: number) => Math.floor(x / PAGE_SIZE);

/** kernel/resource.c walk_system_ram_range (5.x–6.18): func(start_pfn, nr_pages) on each "System RAM"
 * resource in [start_pfn, start_pfn + nr_pages) — on the modelled platforms each memblock.memory
 * region (arm64 request_standard_resources, x86 e820) — until func returns non-zero; -EINVAL when
 * there is none.
 */
export function walk_system_ram_range(k: Kernel, start_pfn: number, nr_pages: number, func: (start_pfn: number, nr_pages: number) => number): number {
  const end_pfn = start_pfn + nr_pages;
  let ret = EINVAL;
  for (const b of [...k.memblock.memory].sort((x, y) => x.start - y.start)) {
    const pfn = Math.max(Math.ceil(b.start / PAGE_SIZE), start_pfn);
    const end = Math.min(PFN_DOWN(b.start + b.size), end_pfn);
    if (end <= pfn) continue;
    ret = func(pfn, end - pfn);
    if (ret) break;
  }
  return ret;
}

/** kernel/dma/direct.c dma_find_range (6.14+, 8324993f6030): the dma_range_map entry whose CPU side holds start_pfn */
function dma_find_range(map: readonly BusDmaRegion[], start_pfn: number): BusDmaRegion | null {
  for (const m of map) {
    if (!PFN_DOWN(m.size)) break;
    const cpu_start_pfn = PFN_DOWN(m.cpu_start);
    if (start_pfn >= cpu_start_pfn && start_pfn - cpu_start_pfn < PFN_DOWN(m.size)) return m;
  }
  return null;
}

/** kernel/dma/direct.c check_ram_in_range_map (6.7+, a409d9600959): 1 when some of the RAM range
 * [start_pfn, start_pfn + nr_pages) lies outside every dma range, else 0. 6.7–6.13 (6.12.19
 * direct.c:592–617) set `bdr` only when a range matches and never clear it; 6.14+ (8324993f6030)
 * take a fresh dma_find_range each time.
 */
function check_ram_in_range_map(k: Kernel, dev: Device, start_pfn: number, nr_pages: number): number {
  const map = dev.dma_range_map!;
  const end_pfn = start_pfn + nr_pages;
  let bdr: BusDmaRegion | null = null;
  while (start_pfn < end_pfn) {
    if (k.sw["8324993f6030"]) bdr = dma_find_range(map, start_pfn);
    else {
      const m = dma_find_range(map, start_pfn);
      if (m) bdr = m;
      else if (bdr) {
        // the stale range: start_pfn = its end, which is start_pfn again
        k.tr?.note(`check_ram_in_range_map: pfn ${hex(start_pfn)} is in no dma range; bdr still holds [${hex(bdr.cpu_start)}, ${hex(bdr.cpu_start + bdr.size)}), so start_pfn stays ${hex(PFN_DOWN(bdr.cpu_start) + PFN_DOWN(bdr.size))} — the loop never ends (fixed by 8324993f6030, 6.14)`);
        spin_forever(k, "check_ram_in_range_map");
      }
    }
    if (!bdr) {
      k.tr?.note(`System RAM at pfn ${hex(start_pfn)} is in no dma range of ${dev.name}`);
      return 1;
    }
    start_pfn = PFN_DOWN(bdr.cpu_start) + PFN_DOWN(bdr.size);
  }
  return 0;
}

/**
 * An endless loop in preemptible process context (walk_system_ram_range drops resource_lock before
 * each callback, kernel/resource.c:508–517 in 6.12.19): with arm64 defconfig's CONFIG_PREEMPT the
 * watchdog's stopper preempts the task every period, so nothing is printed and the caller simply never
 * returns (a "hang"); without full preemption (x86_64 PREEMPT_VOLUNTARY, ARM32) the watchdog reports
 * the soft lockup (kernel/watchdog.c).
 */
function spin_forever(k: Kernel, fn: string): never {
  if (k.arch.name === "arm64") k.fatal("hang", `${k.current.comm}:${k.current.pid} never returns from ${fn} (preemptible loop under CONFIG_PREEMPT: the kernel prints nothing)`, fn);
  soft_lockup(k, fn);
}

/** kernel/dma/direct.c dma_direct_all_ram_mapped (6.7+, a409d9600959): true without a dma_range_map, else whether no System RAM range leaves it */
export function dma_direct_all_ram_mapped(k: Kernel, dev: Device): boolean {
  if (!dev.dma_range_map) return true;
  k.tr?.enter(S_all_ram, { dev: dev.name });
  // walk_system_ram_range(0, PFN_DOWN(ULONG_MAX) + 1, ...): every System RAM resource
  const r = !walk_system_ram_range(k, 0, Number.MAX_SAFE_INTEGER, (pfn, n) => check_ram_in_range_map(k, dev, pfn, n));
  k.tr?.exit(r ? "true" : "false");
  return r;
}

/** kernel/dma/mapping.c dma_addressing_limited (6.7+, a409d9600959): 6.12 also false for use_dma_iommu (the
 * model's direct_call ops); 6.15+ (2042c352e21d) __dma_addressing_limited wrapped by a dev_dbg;
 * the mask test, then false for a device with ops, else !dma_direct_all_ram_mapped(dev).
 */
export function dma_addressing_limited_ool(k: Kernel, dev: Device, maskLimited: boolean): boolean {
  k.tr?.enter(S_limited, { dev: dev.name });
  let r: boolean;
  if (maskLimited) {
    k.tr?.decide("min_not_zero(dma_get_mask(dev), dev->bus_dma_limit) < dma_get_required_mask(dev)", true, "the mask does not reach the top of RAM");
    r = true;
  } else if (dev.dma_ops) {
    k.tr?.decide(k.sw["b5c58b2fdc42"] ? "unlikely(ops) || use_dma_iommu(dev)" : "unlikely(ops)", true, `${dev.dma_ops.name}: not dma-direct, not limited`);
    r = false;
  } else r = !dma_direct_all_ram_mapped(k, dev);
  // 2042c352e21d: dev_dbg(dev, "device is DMA addressing limited\n") — dynamic debug, off unless enabled: no console line
  if (r && k.sw["2042c352e21d"]) k.tr?.note(`dev_dbg (dynamic debug, off by default): ${dev.name}: device is DMA addressing limited`);
  k.tr?.exit(r ? "true" : "false");
  return r;
}

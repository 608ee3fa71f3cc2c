/**
 * include/trace/events/swiotlb.h: the swiotlb:swiotlb_bounced tracepoint (5.6–6.18; it dates from
 * 2013). It fires where a mapping is about to bounce: kernel/dma/swiotlb.c swiotlb_map (dma-direct,
 * with phys_to_dma(dev, paddr), the original buffer's DMA address), drivers/xen/swiotlb-xen.c
 * xen_swiotlb_map_page (the original's dev_addr) and dma-iommu's bounce (the original's phys).
 * Its TP_printk, "dev_name: %s dma_mask=%llx dev_addr=%llx size=%zu %s", ends with:
 *
 * - before c6af2aa9ffc9 (5.19): the global `enum swiotlb_force` it was passed, through
 *   __print_symbolic: NORMAL, FORCE (swiotlb=force) or NO_FORCE (swiotlb=noforce) — 5.6.4, 5.10.7,
 *   5.14-rc5 and 5.15.178 include/trace/events/swiotlb.h:10–45;
 * - from it: `is_swiotlb_force_bounce(dev) ? "FORCE" : "NORMAL"` (the device's pool decides) —
 *   5.19 and 6.1.166 … 6.18.35 include/trace/events/swiotlb.h:10–36.
 *
 * dma_mask is `dev->dma_mask ? *dev->dma_mask : 0`. The event is recorded into the run's event
 * stream (src/core/trace.ts) only when a run records one (k.tr).
 */
import type { Kernel } from "../../../kernel.js";
import type { Device } from "../../../drivers/device.js";
import { is_swiotlb_force_bounce } from "../../../kernel/dma/swiotlb/index.js";
import { ftraceCtx } from "../../../kernel/trace/trace_output.js";
import { llx } from "./dma.js";

/** The swiotlb_bounced line's last field for this kernel (see the file comment). */
function forceName(k: Kernel, dev: Device): string {
  if (k.sw["c6af2aa9ffc9"]) return is_swiotlb_force_bounce(k, dev) ? "FORCE" : "NORMAL";
  return { normal: "NORMAL", force: "FORCE", noforce: "NO_FORCE" }[k.swiotlb_force];
}

/** include/trace/events/swiotlb.h trace_swiotlb_bounced(dev, dev_addr, size[, swiotlb_force]) (5.6–6.18) */
export function trace_swiotlb_bounced(k: Kernel, dev: Device, dev_addr: number, size: number): void {
  if (!k.tr) return;
  const text = `dev_name: ${dev.name} dma_mask=${(dev.dma_mask ?? 0n).toString(16)} dev_addr=${llx(k, dev_addr)} size=${size} ${forceName(k, dev)}`;
  k.tr.tracepoint("swiotlb", "swiotlb_bounced", k.current.comm, k.current.pid, 0, k.now_ms * 1_000_000, text, ftraceCtx(k));
}

/**
 * The arch DMA hooks the generic code calls (include/linux/dma-map-ops.h), dispatched to the
 * arch's implementation: cache maintenance on the linear alias, coherency, and the uncached prot.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import { sym } from "../../core/trace.js";
import { hex, DIR_NAMES_SAFE } from "./names.js";
import type { Prot } from "../../mm/pgtable.js";
import { DMA_FROM_DEVICE, DMA_TO_DEVICE } from "../../include/gfp.js";

const S_sync_dev_arm64 = sym("arch_sync_dma_for_device", "arch/arm64/mm/dma-mapping.c");
const S_sync_cpu_arm64 = sym("arch_sync_dma_for_cpu", "arch/arm64/mm/dma-mapping.c");
const S_prep_arm64 = sym("arch_dma_prep_coherent", "arch/arm64/mm/dma-mapping.c");
const S_cpu_to_dev_arm = sym("__dma_page_cpu_to_dev", "arch/arm/mm/dma-mapping.c");
const S_dev_to_cpu_arm = sym("__dma_page_dev_to_cpu", "arch/arm/mm/dma-mapping.c");
const S_sync_dev_arm = sym("arch_sync_dma_for_device", "arch/arm/mm/dma-mapping.c");
const S_sync_cpu_arm = sym("arch_sync_dma_for_cpu", "arch/arm/mm/dma-mapping.c");
const S_prep_stub = sym("arch_dma_prep_coherent", "include/linux/dma-map-ops.h");

/** include/linux/dma-map-ops.h dev_is_dma_coherent: constant true without ARCH_HAS_SYNC_DMA_* (x86) */
export function dev_is_dma_coherent(k: Kernel, dev: Device): boolean {
  return k.arch.allDmaCoherent || dev.dma_coherent;
}

/** pgprot_dmacoherent: arm64 MT_NORMAL_NC; ARM32 bufferable (Normal non-cacheable); x86 not used */
export function pgprot_dmacoherent(_k: Kernel): Prot {
  return "nc";
}

/**
 * kernel/dma/mapping.c dma_pgprot (5.x–6.18): coherent devices keep the prot; else pgprot_dmacoherent.
 * DMA_ATTR_WRITE_COMBINE counts only under CONFIG_ARCH_HAS_DMA_WRITE_COMBINE, which no modelled arch
 * selects: ARM selects it only `if !ARM_DMA_MEM_BUFFERABLE`, and ARMv7 forces ARM_DMA_MEM_BUFFERABLE
 * (arch/arm/Kconfig:9 and arch/arm/mm/Kconfig:1089–1091 in 5.10.7; :11 / :1117 in 6.1.166; :15 / :1098
 * in 6.18.35); arm64 and x86 never select it. ARM's own __get_dma_pgprot (arch/arm/dma-mapping.ts) does
 * honour the attribute.
 */
export function dma_pgprot(k: Kernel, dev: Device, prot: Prot, _attrs: number): Prot {
  if (dev_is_dma_coherent(k, dev)) return prot;
  return pgprot_dmacoherent(k);
}

/** The dcache_inval_poc shape: partial lines at either end are cleaned+invalidated, full lines invalidated. */
function inv_area(k: Kernel, phys: number, size: number): number {
  const ls = k.cache.lineSize;
  let n = 0;
  const end = phys + size;
  if (phys % ls) n += k.cache.flush(phys - (phys % ls), ls);
  if (end % ls) n += k.cache.flush(end - (end % ls), ls);
  n += k.cache.invalidate(phys, size);
  return n;
}

function cacheOp(k: Kernel, op: "clean" | "invalidate" | "flush", phys: number, size: number) {
  const lines = op === "clean" ? k.cache.clean(phys, size) : op === "flush" ? k.cache.flush(phys, size) : inv_area(k, phys, size);
  k.tr?.cache(op, hex(phys), size, lines);
}

/**
 * arch_sync_dma_for_device: arm64 __dma_map_area on the linear alias: invalidate for
 * DMA_FROM_DEVICE, clean otherwise (5.6–5.18); always clean with c50f11c6196f (5.19).
 * ARM32 (5.x) __dma_page_cpu_to_dev → v7_dma_map_area: invalidate for FROM_DEVICE, else clean.
 */
export function arch_sync_dma_for_device(k: Kernel, paddr: number, size: number, dir: number): void {
  // ARM32 6.0+ (ae626eb97376): dma-direct calls the arch's arch_sync_dma_for_device, which calls __dma_page_cpu_to_dev
  const arm6 = k.arch.name === "arm" && k.sw["ae626eb97376"];
  if (arm6) k.tr?.enter(S_sync_dev_arm, { paddr: hex(paddr), size: hex(size), dir: DIR_NAMES_SAFE(dir) });
  k.tr?.enter(k.arch.name === "arm" ? S_cpu_to_dev_arm : S_sync_dev_arm64, { paddr: hex(paddr), size: hex(size), dir: DIR_NAMES_SAFE(dir) });
  const invalidate = dir === DMA_FROM_DEVICE && !(k.arch.name === "arm64" && k.sw["c50f11c6196f"]);
  if (k.arch.name !== "x86_64") cacheOp(k, invalidate ? "invalidate" : "clean", paddr, size);
  k.tr?.exit();
  if (arm6) k.tr?.exit();
}

/**
 * arch_sync_dma_for_cpu: arm64 (5.13) __dma_unmap_area: nothing for DMA_TO_DEVICE, invalidate
 * otherwise; ARM32 __dma_page_dev_to_cpu: the same (outer cache first, then inner).
 */
export function arch_sync_dma_for_cpu(k: Kernel, paddr: number, size: number, dir: number): void {
  const arm6 = k.arch.name === "arm" && k.sw["ae626eb97376"];
  if (arm6) k.tr?.enter(S_sync_cpu_arm, { paddr: hex(paddr), size: hex(size), dir: DIR_NAMES_SAFE(dir) });
  k.tr?.enter(k.arch.name === "arm" ? S_dev_to_cpu_arm : S_sync_cpu_arm64, { paddr: hex(paddr), size: hex(size), dir: DIR_NAMES_SAFE(dir) });
  if (k.arch.name !== "x86_64" && dir !== DMA_TO_DEVICE) cacheOp(k, "invalidate", paddr, size);
  k.tr?.exit();
  if (arm6) k.tr?.exit();
}

/**
 * arch_dma_prep_coherent: arm64 __dma_flush_area on page_address (clean + invalidate to PoC). ARM32
 * never selects ARCH_HAS_DMA_PREP_COHERENT (5.6–6.18): the include/linux/dma-map-ops.h empty stub.
 */
export function arch_dma_prep_coherent(k: Kernel, page: number, size: number): void {
  if (k.arch.name === "arm") {
    k.tr?.enter(S_prep_stub, { page: k.arch.fmtVa(page), size: hex(size) });
    k.tr?.note("empty stub: ARM does not select ARCH_HAS_DMA_PREP_COHERENT, the kernel alias keeps its cache lines");
    k.tr?.exit();
    return;
  }
  k.tr?.enter(S_prep_arm64, { page: k.arch.fmtVa(page), size: hex(size) });
  if (k.arch.name !== "x86_64") cacheOp(k, "flush", k.page_to_phys(page), size);
  k.tr?.exit();
}

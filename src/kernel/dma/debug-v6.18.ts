/**
 * dma-debug of the physical-address API era (6.18: e9e81d86fee6, f7326196a781; 6.18.35 also
 * carries af0c3f058662 as 181e67bc11c5): kernel/dma/debug.c debug_dma_map_phys and
 * debug_dma_unmap_phys. A streaming mapping (dma_map_single, dma_map_page, dma_map_phys,
 * dma_map_resource) is one entry of type dma_debug_phy ("phy") keyed by its physical address;
 * the checker's state and every other hook are the shared ones of debug.ts.
 */
import type { Kernel } from "../../kernel.js";
import type { Device } from "../../drivers/device.js";
import { sym } from "../../core/trace.js";
import { hex64 } from "../../core/u64.js";
import { DIR_NAMES } from "../../include/gfp.js";
import { PG_reserved } from "../../mm/page_alloc.js";

const F = "kernel/dma/debug.c";
const S_map_phys = sym("debug_dma_map_phys", F);
const S_unmap_phys = sym("debug_dma_unmap_phys", F);

/**
 * The map/unmap hooks' constants as literals (a const enum: the bundles inline its members; an imported constant is a
 * `var` V8 loads and checks at each use, and x / PAGE_SIZE is then a real division). The values are u64.ts's PAGE_SIZE
 * and DMA_MAPPING_ERROR, debug-entry.ts's MAP_ERR_NOT_CHECKED and gfp.ts's DMA_ATTR_MMIO (1 << 10).
 */
const enum K {
  PAGE_SIZE = 4096,
  DMA_MAPPING_ERROR = -1,
  MAP_ERR_NOT_CHECKED = 1,
  DMA_ATTR_MMIO = 1 << 10,
}

// the trace entries of the two hooks, out of line: each hook stays small enough for V8 to inline (the argument objects
// are built only when somebody records)
function map_phys_enter(k: Kernel, phys: number, size: number, direction: number, dma_addr: number): void {
  k.tr?.enter(S_map_phys, { phys: hex64(phys), size: String(size), dir: DIR_NAMES[direction] ?? String(direction), dma_addr: hex64(dma_addr) });
}
function unmap_phys_enter(k: Kernel, dma_addr: number, size: number, direction: number): void {
  k.tr?.enter(S_unmap_phys, { dma_addr: hex64(dma_addr), size: String(size), dir: DIR_NAMES[direction] ?? String(direction) });
}

/** %pa of a phys_addr_t: "0x" and 2 digits per byte (8 on ARM32 without LPAE, 16 elsewhere) */
function phys_pa(k: Kernel, p: number): string {
  return k.arch.name === "arm" ? "0x" + (p >>> 0).toString(16).padStart(8, "0") : hex64(p);
}

/**
 * kernel/dma/debug.c debug_dma_map_phys (6.18.35). dma_mapping_error(dev, dma_addr) first — it
 * runs debug_dma_mapping_error, which marks the first unchecked live entry with this address
 * checked — and a failed mapping is not tracked. DMA_ATTR_MMIO: "dma_map_resource called for RAM
 * address %pa" (diagnostic D27) when the pfn is RAM and not PageReserved; otherwise the stack and
 * kernel-text checks (D15, D16) on the physical address. Then add_dma_entry.
 */
export function debug_dma_map_phys(k: Kernel, dev: Device, phys: number, size: number, direction: number, dma_addr: number, attrs: number): void {
  const d = k.dma_debug;
  // (disabled is a boolean: the plain test, not V8's generic ToBoolean)
  if (d === null || d.disabled === true) return;
  if (k.tr !== undefined) map_phys_enter(k, phys, size, direction, dma_addr);
  d.mapping_error(dev, dma_addr);
  if (dma_addr === K.DMA_MAPPING_ERROR) {
    k.tr?.exit();
    return;
  }
  const entry = d.dma_entry_alloc(k);
  if (entry === null) {
    k.tr?.exit();
    return;
  }
  // the pfn and offset of phys: the offset as the low bits (`&` takes the low 32 bits of the exact integer), the pfn as an
  // exact division (the same values as Math.floor(phys / PAGE_SIZE), with no double arithmetic while phys fits an int32)
  const offset = phys & (K.PAGE_SIZE - 1);
  const pfn = (phys - offset) / K.PAGE_SIZE;
  // (dev and type: stored only when the recycled entry holds another; reset leaves them to the callers)
  if (entry.dev !== dev) entry.dev = dev;
  if (entry.type !== "phy") entry.type = "phy";
  entry.paddr = phys;
  entry.pfn = pfn;
  entry.offset = offset;
  entry.dev_addr = dma_addr;
  entry.size = size;
  entry.direction = direction;
  entry.map_err_type = K.MAP_ERR_NOT_CHECKED;
  if ((attrs & K.DMA_ATTR_MMIO) !== 0) {
    if (k.pfn_valid(pfn) && !(k.memmap.flags(pfn) & PG_reserved)) d.err_printk(k, dev, entry, "D27", `dma_map_resource called for RAM address ${phys_pa(k, phys)}`);
  } else {
    d.check_for_stack(k, dev, pfn, offset);
    // !PhysHighMem(phys): phys_to_virt(phys) is a linear-map address
    const lin = k.arch.__va(pfn * K.PAGE_SIZE);
    if (k.arch.is_linear(lin)) d.check_for_illegal_area(k, dev, lin + offset, size);
  }
  d.add_dma_entry(k, entry, attrs);
  k.tr?.exit();
}

/** kernel/dma/debug.c debug_dma_unmap_phys (6.18.35): check_unmap with a dma_debug_phy reference */
export function debug_dma_unmap_phys(k: Kernel, dev: Device, dma_addr: number, size: number, direction: number): void {
  const d = k.dma_debug;
  if (d === null || d.disabled === true) return;
  if (k.tr !== undefined) unmap_phys_enter(k, dma_addr, size, direction);
  // struct dma_debug_entry ref on the kernel's stack: the checker's scratch reference entry, filled as a fresh one
  // (type phy, dev, dev_addr, size, direction; the rest zero) — no object built per unmap
  d.unmap(k, dev, dma_addr, size, direction, "phy", 0);
  k.tr?.exit();
}

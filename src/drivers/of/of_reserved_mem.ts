/**
 * drivers/of/of_reserved_mem.c: the boot line a reserved-memory node leaves once its init ran.
 * pr_fmt is "OF: reserved mem: " in every modelled tree (5.10.7, 5.15.178, 6.1.166, 6.6.63, 6.12.19, 6.18.35 :12).
 */
import { pr_pa } from "../../mm/cma_reserve.js";

export interface RmemNode {
  name: string;
  base: number;
  size: number;
  nomap: boolean;
  reusable: boolean;
}

/** drivers/of/of_reserved_mem.c fdt_init_reserved_mem_node (6.12–6.18; the same lines in fdt_init_reserved_mem's loop 6.3–6.11): the node's line
 * when its init succeeded or no driver claimed it (-ENOENT), pr_info "%pa..%pa (%lu KiB) %s %s %s"
 * — base, end (inclusive), size in KiB, "nomap"/"map", "reusable"/"non-reusable", the node's name
 * (aeb9267eb6b1 with 6ee7afbabcee's "KiB", both 6.3; 6.6.63 :349, 6.12.19 :537, 6.18.35 :604; absent 6.1.166).
 */
export function fdt_init_reserved_mem_node_pr(n: RmemNode, phys_addr_bits: 32 | 64): string {
  const end = n.base + n.size - 1;
  return `OF: reserved mem: ${pr_pa(n.base, phys_addr_bits)}..${pr_pa(end, phys_addr_bits)} (${Math.floor(n.size / 1024)} KiB) ${n.nomap ? "nomap" : "map"} ${n.reusable ? "reusable" : "non-reusable"} ${n.name}`;
}

/** drivers/of/of_reserved_mem.c __reserved_mem_init_node (5.6–6.18): pr_info "initialized node %s, compatible id %s" once a RESERVEDMEM_OF_DECLARE init (rmem_cma_setup "shared-dma-pool", rmem_swiotlb_setup "restricted-dma-pool" 5.15+) returned 0, after that init's own lines (5.6.4 :185, 5.15.178 :191, 6.18.35 :514) */
export function __reserved_mem_init_node_pr(name: string, compat: string): string {
  return `OF: reserved mem: initialized node ${name}, compatible id ${compat}`;
}

/** drivers/of/of_reserved_mem.c fdt_init_reserved_mem (5.6–6.11, in its allocate-then-init loop) / fdt_init_reserved_mem_node (6.12): pr_info "node %s compatible matching fail" when the node's init failed with other than -ENOENT — then memblock_free of its region (5.6.4 and 5.10.7 :274, 5.15.178 :280, 6.1.166 :282, 6.6.63 :337, 6.12.19 :527) */
export function fdt_init_reserved_mem_fail_pr(name: string): string {
  return `OF: reserved mem: node ${name} compatible matching fail`;
}

/** drivers/of/of_reserved_mem.c __reserved_mem_alloc_size (6.18; 6.18.35 :433–436, 0fd17e598333's stable backport — absent 5.6–6.12): pr_err "Skipping dt linux,cma-default for \"cma=\" kernel param." for a linux,cma-default node when cma= was given, before any allocation */
export function __reserved_mem_alloc_size_skip_pr(): string {
  return `OF: reserved mem: Skipping dt linux,cma-default for "cma=" kernel param.`;
}

/** A reserved_mem[] entry as fdt_reserved_mem_save_node keeps it before allocation: a dynamic node has base 0, size 0;
 * fdt_node is the node's offset in the flattened tree, so it grows in DT order */
export interface RmemOrderNode {
  name: string;
  base: number;
  size: number;
  fdt_node: number;
}

/** drivers/of/of_reserved_mem.c __rmem_cmp (5.6–6.18): by base, then by size (dynamic nodes, base 0 size 0, before a static
 * node at 0; 5.10.7 :203–211, 5.15.178 :199–220, 6.1.166 :201–222 — 5.6.4 :193–204 compares the base only, the same order for
 * the model's nodes), then (4cea2821882b, 6.5: 6.6.63 :271–274) by fdt_node, so two dynamic nodes keep their DT order */
export function __rmem_cmp(a: RmemOrderNode, b: RmemOrderNode, fdtNodeTieBreak: boolean): number {
  if (a.base < b.base) return -1;
  if (a.base > b.base) return 1;
  if (a.size < b.size) return -1;
  if (a.size > b.size) return 1;
  if (fdtNodeTieBreak) {
    if (a.fdt_node < b.fdt_node) return -1;
    if (a.fdt_node > b.fdt_node) return 1;
  }
  return 0;
}

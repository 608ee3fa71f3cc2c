/**
 * Kernel versions are data: a version is the set of behaviour switches it carries, each switch
 * named by the upstream commit that introduced it. Code asks `k.sw["40ac971eab89"]`.
 */

export interface Switch {
  /** Upstream commit id (12 hex digits). */
  commit: string;
  /** Commit subject. */
  title: string;
  /** First mainline release containing it. */
  release: string;
  /** What changes in the model when it is present. */
  effect: string;
  /**
   * Modelled versions that carry it although their mainline release is older: a stable
   * backport present in the tree that version models (version id -> "x.y.z: <stable commit>").
   */
  stable?: Record<string, string>;
  /** Modelled versions that lack it although their release is not older (e.g. reverted there). */
  absent?: Record<string, string>;
}

import { ARCH_SWITCHES } from "./switches/arch.js";
import { DMA_SWITCHES } from "./switches/dma.js";
import { MM_SWITCHES } from "./switches/mm.js";
import { SWIOTLB_SWITCHES } from "./switches/swiotlb.js";
import { XEN_SWITCHES } from "./switches/xen.js";
import { IOMMU_SWITCHES } from "./switches/iommu.js";
import { DEFAULT_KERNEL, VERSION_INFO, versionNumber } from "./version-info.js";

export { DEFAULT_KERNEL, versionNumber };

/** Every switch, from the per-area tables in src/switches/ (one file per kernel subsystem). */
export const SWITCHES: Record<string, Switch> = { ...ARCH_SWITCHES, ...MM_SWITCHES, ...DMA_SWITCHES, ...SWIOTLB_SWITCHES, ...XEN_SWITCHES, ...IOMMU_SWITCHES };

export interface KernelVersion {
  id: string;
  /** the switches this version carries: every switch released in it or before, plus its stable backports */
  switches: ReadonlySet<string>;
  /** the kernel tree whose code this version follows (owner/repo @ commit, and its Makefile version) */
  tree: string;
  notes: string;
}

/** A version carries a switch when the switch's mainline release is not newer, or the version's tree has it as a stable backport. */
function switchesOf(id: string): Set<string> {
  const n = versionNumber(id);
  return new Set(Object.values(SWITCHES).filter((s) => (versionNumber(s.release) <= n && !s.absent?.[id]) || s.stable?.[id] !== undefined).map((s) => s.commit));
}

/** Every modelled version (version-info.ts's table) with the switches it carries, in release order. */
export const VERSIONS: KernelVersion[] = VERSION_INFO.map((v) => ({ id: v.id, switches: switchesOf(v.id), tree: v.tree, notes: v.notes }));

export function findVersion(id: string): KernelVersion | undefined {
  return VERSIONS.find((v) => v.id === id);
}

/**
 * Platforms are data: the board's RAM map, firmware carve-outs, devices (with their DT
 * dma-ranges and coherency), the CMA placement rules and whether Linux runs as a Xen dom0.
 */
import type { ArchName } from "../arch/arch.js";
import type { Bank } from "../mm/physmem.js";
import type { DeviceSpec } from "../drivers/device.js";

/** What a device is for: a scenario names a role and each platform maps it to its own device. */
export const DEVICE_ROLES = ["nic", "storage", "camera", "firmware", "gpu", "video", "audio", "dma-engine"] as const;
export type DeviceRole = (typeof DEVICE_ROLES)[number];

/** An e820 entry (arch/x86/include/asm/e820/types.h struct e820_entry): E820_TYPE_RAM or a reserved type */
export interface E820Entry {
  start: number;
  size: number;
  type: "ram" | "reserved";
}

export interface Platform {
  id: string;
  arch: ArchName;
  description: string;
  /** RAM banks for a given total RAM size (the `mem` option). */
  banks(mem: number): Bank[];
  /** default options */
  defaults: { mem: number; cma: number; va_bits?: number; nr_cpus?: number };
  /** allowed RAM sizes (bytes) */
  memSizes: number[];
  devices: DeviceSpec[];
  defaultDevice: string;
  /** role → the device that plays it here (absent: no such device on this platform) */
  roles: Partial<Record<DeviceRole, string>>;
  /** Linux as a Xen dom0: "arm" (1:1 dom0) or "pv" (x86 PV dom0, scattered machine frames) */
  xen: "arm" | "pv" | null;
  /** x86 PV: the machine's RAM (dom0's `banks` are pseudo-physical): the RAM entries of machineE820, page-rounded inwards */
  machineBanks?: (mem: number) => Bank[];
  /** x86 PV: the machine's e820 (what XENMEM_machine_memory_map gives the initial domain), sorted, gaps are holes */
  machineE820?: (mem: number) => E820Entry[];
  /** Xen: machine RAM that belongs to other domains (not in dom0's memory map; grant-mapped pages come from here) */
  xenDomains?: { start: number; size: number };
  /**
   * the DT's reusable shared-dma-pool "linux,cma-default" node's alloc-ranges [start, end), its size the DT's
   * (defaults.cma); a `cma` option (cma= on the command line) bypasses the node. Absent, or bypassed: the default
   * CMA area comes from dma_contiguous_reserve (cma= / CONFIG_CMA_SIZE) below the arch's limit
   */
  cma_alloc_ranges?: [number, number];
  /** physical load address and size of the kernel image */
  kimage: { phys: number; size: number };
  /** firmware reservations inside RAM (DT /memreserve/, reserved-memory no-map) */
  reserved?: { start: number; size: number; name: string }[];
  /** ARM32 machine descriptor's dma_zone_size (0 = none) */
  arm_dma_zone_size?: number;
  /** an IOMMU the devices with an iommu_sid sit behind (drivers/iommu) */
  iommu?: { kind: "smmu-v3"; name: string; oas: number; coherent: boolean; strict_default: boolean } | { kind: "vt-d"; name: string; strict_default: boolean };
}

/**
 * Messages between the page and the engine's Web Worker (worker.ts). Type-only imports from the
 * engine: the page's bundle never contains the engine itself.
 */
import type { RunResult } from "../../src/scenario/types.js";

export type { RunResult };
export type StepResult = RunResult["steps"][number];
export type TraceEvent = StepResult["trace"][number];

/** An address range, as unsigned hex strings ("0x…"), [start, end). */
export interface Band {
  name: string;
  start: string;
  end: string;
  /** what kind of range: drives colour and the explanation shown for addresses inside it */
  kind: "user" | "linear" | "vmalloc" | "vmemmap" | "memmap" | "kimage" | "ram" | "reserved" | "cma" | "swiotlb" | "fixmap" | "iova";
  note?: string;
}

/** The booted model's address layout, for the address view. */
export interface LayoutInfo {
  arch: "arm64" | "arm" | "x86_64";
  /** width of a virtual address: 64 or 32 */
  bits: number;
  /** top-level regions of the virtual address space, sorted and non-overlapping */
  va: Band[];
  /** sub-ranges drawn inside those regions: kernel image, RAM-backed part of the linear map, populated memmap */
  vaSub: Band[];
  /** RAM banks (physical) */
  ram: Band[];
  /** memblock reservations inside RAM (CMA, swiotlb, kernel image, memmap) */
  reserved: Band[];
  /** the kernel's %px width in hex digits */
  digits: number;
  /** struct page of pfn N is at memmapBase + N * structPageSize (unsigned hex) */
  memmapBase: string;
  structPageSize: number;
  /** the platform's IOMMU when the run's devices translate through it (not with iommu.passthrough=1) */
  iommu?: { name: string; strict: boolean; iova: Band[] };
}

export interface PlatformInfo {
  id: string;
  arch: string;
  description: string;
  xen: boolean;
  defaultDevice: string;
  devices: { name: string; driver: string; description: string; coherent: boolean }[];
}

export interface Meta {
  platforms: PlatformInfo[];
  kernels: { id: string; notes: string }[];
  defaultKernel: string;
  configKeys: string[];
}

export interface ScenarioInfo {
  name: string;
  description?: string;
  platform?: string;
  kernel?: string;
  device?: string;
  config?: Record<string, string | number | boolean>;
  steps: number;
}

export interface RunRequest {
  text: string;
  file: string;
  platform?: string;
  kernel?: string;
  set?: Record<string, string>;
}

export type Request =
  | { id: number; type: "meta" }
  | { id: number; type: "inspect"; text: string; file: string }
  | ({ id: number; type: "run" } & RunRequest);

export type Response =
  | { id: number; type: "meta"; meta: Meta }
  | { id: number; type: "inspect"; scenario?: ScenarioInfo; error?: string }
  | { id: number; type: "run"; result: RunResult; layout: LayoutInfo; ms: number; args: string[] }
  | { id: number; type: "error"; error: string };

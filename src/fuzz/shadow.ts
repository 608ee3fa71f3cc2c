/**
 * The fuzzer's shadow vocabulary: what it knows of every buffer (the bytes each owner may see,
 * which of them are defined), of every mapping and sg entry, its pooled shadow arrays, and the
 * small formatters its failure messages use. The Session (src/fuzz/session.ts) keeps and checks
 * these as it runs each operation.
 *
 * Engine core: no node:* imports. Part of `dmasim fuzz` (src/fuzz.ts).
 */
import { PAGE_SIZE } from "../core/u64.js";
import type { Device } from "../drivers/device.js";
import type { KConfig } from "../kernel.js";
import type { Scatterlist } from "../kernel/dma/ops.js";
import { DIR_NAMES } from "../include/gfp.js";
import type { Platform } from "../platforms/platform.js";
import type { KernelVersion } from "../versions.js";
import type { FuzzFailureKind, FuzzOp } from "./types.js";

/**
 * Shadow byte arrays are pooled per power-of-two capacity and reused across buffers; a buffer's
 * defined-byte map holds its own token (1..255) where a byte is defined, so reuse needs no
 * clearing until the token wraps.
 */
export interface ShadowArrays {
  bytes: Uint8Array;
  def: Uint8Array;
  tok: number;
}

export class ShadowPool {
  private free = new Map<number, ShadowArrays[]>();
  get(size: number): ShadowArrays {
    let cap = 64;
    while (cap < size) cap *= 2;
    const a = this.free.get(cap)?.pop() ?? { bytes: new Uint8Array(cap), def: new Uint8Array(cap), tok: 0 };
    if (++a.tok > 255) {
      a.def.fill(0);
      a.tok = 1;
    }
    return a;
  }
  put(a: ShadowArrays) {
    let l = this.free.get(a.bytes.length);
    if (!l) this.free.set(a.bytes.length, (l = []));
    if (l.length < 16) l.push(a);
  }
}

export interface Buf {
  name: string;
  kind: "kmalloc" | "pages";
  size: number;
  order: number;
  /** linear address (exec) */
  addr: number;
  page: number;
  /** physical address of the first byte (exec) */
  phys: number;
  /** shadow: bytes the rules promise, and which of them are defined (def[i] === tok) */
  bytes: Uint8Array;
  def: Uint8Array;
  tok: number;
  arrays: ShadowArrays;
  /** shadow: the live mapping that covers (part of) this buffer */
  map: MapRec | null;
  freed: boolean;
  /** recently written ranges (the generator reads there, where bytes are defined) */
  hot: { off: number; len: number }[];
}

export interface Ent {
  buf: Buf;
  off: number;
  len: number;
  /** shadow: device writes since the mapping was handed to the device (offsets within the entry) */
  overlay: { off: number; data: Uint8Array }[];
  /** shadow: the device view's base is undefined (DMA_FROM_DEVICE) rather than the CPU's bytes */
  baseUndef: boolean;
  /** exec: DMA address, and the swiotlb slot span it took (-1: not bounced) */
  dma: number;
  slot: number;
  nslots: number;
  /** the slot span's start before the unmap released it */
  lastSlot: number;
}

/** A DMA segment of an sg mapping: sg_dma_address / sg_dma_len, and the entries at their offsets in it. */
export interface Seg {
  dma: number;
  len: number;
  ents: Ent[];
  /** ents[j] starts at at[j] bytes into the segment */
  at: number[];
}

export interface MapRec {
  name: string;
  sg: boolean;
  single: boolean;
  dir: number;
  ents: Ent[];
  /** shadow */
  devOwned: boolean;
  live: boolean;
  /** shadow: CPU writes to mapped buffers while the CPU owned the mapping (buffer-relative) */
  cpuWrites: { buf: Buf; off: number; len: number }[];
  /**
   * exec, dma_map_sg: the DMA segments it returned (the first `ret` of the list), each the
   * concatenation of the CPU entries it absorbed (iommu_dma_map_sg merges entries into one
   * segment; without an IOMMU segment i is entry i); null until mapped, or when the map failed
   */
  segs: Seg[] | null;
  /** exec */
  sgl: Scatterlist[] | null;
  execLive: boolean;
}

export interface Failure {
  kind: FuzzFailureKind;
  id: number;
  message: string;
}

/** Raised by the shadow for a sequence the rules do not allow (only happens while shrinking). */
export class Invalid extends Error {}

export function dirName(d: number): string {
  return DIR_NAMES[d] ?? String(d);
}

export function hexBytes(u8: Uint8Array, max = 16): string {
  const n = Math.min(u8.length, max);
  let s = "";
  for (let i = 0; i < n; i++) s += (i ? " " : "") + u8[i]!.toString(16).padStart(2, "0");
  return s + (u8.length > max ? ` … (${u8.length} bytes)` : "");
}

export function hexAddr(a: number): string {
  return a < 0 ? "0x" + BigInt.asUintN(64, BigInt(a)).toString(16) : "0x" + a.toString(16);
}

export interface Env {
  platform: Platform;
  version: KernelVersion;
  cfg: KConfig;
  devName: string;
  set?: Record<string, string>;
}

/**
 * One booted model plus the shadow model of a sequence; `apply` runs one step, checks the
 * invariants and returns a failure, or throws Invalid for a step the rules forbid (shrinking).
 */
export const VIEW_SCRATCH = 4096;
export const viewOut = new Uint8Array(VIEW_SCRATCH);
/** what a cpu_read of up to VIEW_SCRATCH bytes got (a reused array: a new one over 64 bytes is an off-heap allocation) */
export const readOut = new Uint8Array(VIEW_SCRATCH);
export const viewDef = new Uint8Array(VIEW_SCRATCH);

/**
 * An empty array that holds objects from the start. A fresh `[]` starts with small-integer
 * elements and changes its hidden class on its first push of an object, so code the JIT compiled
 * while the previous epoch's Session was in use would deoptimise on the next epoch's new arrays;
 * `slice` keeps its source's elements kind.
 */
export function objectArray<T>(): T[] {
  return [null as T].slice(1);
}

/** Does an entry of `ents` cover buffer `b`? */
export function hasEnt(ents: readonly Ent[], b: Buf): boolean {
  for (let i = 0; i < ents.length; i++) if (ents[i]!.buf === b) return true;
  return false;
}

/** The offset of a linear address in its page (floor arithmetic: `%` on 64-bit addresses compiles to fmod; addresses may be negative). */
export function pageOff(va: number): number {
  return va - Math.floor(va / PAGE_SIZE) * PAGE_SIZE;
}

export function hotAdd(b: Buf, off: number, len: number) {
  if (b.hot.length >= 8) b.hot.shift();
  b.hot.push({ off, len });
}

export function hexByte(b: number): string {
  return b.toString(16).padStart(2, "0");
}

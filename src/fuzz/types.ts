/**
 * The fuzzer's vocabulary: its seeded PRNG (mulberry32), the operations and steps it generates,
 * its options, failures and result.
 *
 * Engine core: no node:* imports. Part of `dmasim fuzz` (src/fuzz.ts).
 */
import { __free_pages, alloc_pages } from "../mm/mm.js";
import type { Scenario } from "../scenario/types.js";

// ---------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: a small, fast, deterministic 32-bit PRNG; its whole state is `s`. */
export class Rng {
  /**
   * The state's 32 bits as a signed integer: V8 keeps a signed 32-bit value as a small integer,
   * where an unsigned one above 2^31 is a boxed number (an allocation per draw in code the JIT has
   * not compiled yet). The bit operations below read the same bits either way.
   */
  private st: number;
  constructor(s: number) {
    this.st = s | 0;
  }
  /** the state, as an unsigned 32-bit value */
  get s(): number {
    return this.st >>> 0;
  }
  set s(v: number) {
    this.st = v | 0;
  }
  /** a float in [0, 1) */
  next(): number {
    let t = (this.st = (this.st + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** mulberry32 as a function returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

// ---------------------------------------------------------------------------------------------
// steps

export type FuzzOp =
  | "kmalloc"
  | "kfree"
  | "alloc_pages"
  | "__free_pages"
  | "dma_map_single"
  | "dma_map_page"
  | "dma_unmap_single"
  | "dma_unmap_page"
  | "dma_map_sg"
  | "dma_unmap_sg"
  | "dma_sync_single_for_cpu"
  | "dma_sync_single_for_device"
  | "dma_sync_sg_for_cpu"
  | "dma_sync_sg_for_device"
  | "dma_mapping_error"
  | "cpu_write"
  | "cpu_read"
  | "device_write"
  | "device_read";

/**
 * One fuzz operation: a scenario step in a compact form. `buf` / `map` are `as` names of
 * earlier steps; `entry` selects an sg entry for device access (exported as its dma_addr).
 */
export interface FuzzStep {
  /** index in the generated sequence (stable through shrinking) */
  id: number;
  op: FuzzOp;
  as?: string;
  buf?: string;
  map?: string;
  offset?: number;
  size?: number;
  length?: number;
  order?: number;
  dir?: number;
  entries?: { buf: string; offset: number; length: number }[];
  entry?: number;
  data?: Uint8Array;
  /** the driver skipped this call (an injected bug): the shadow model still assumes it happened */
  ghost?: boolean;
}

/** A step with every field present (one object shape for all steps: monomorphic property access). */
export function mk(id: number, op: FuzzOp): FuzzStep {
  return {
    id,
    op,
    as: undefined,
    buf: undefined,
    map: undefined,
    offset: undefined,
    size: undefined,
    length: undefined,
    order: undefined,
    dir: undefined,
    entries: undefined,
    entry: undefined,
    data: undefined,
    ghost: undefined,
  };
}

export function stepBuf(id: number, op: FuzzOp, buf: string): FuzzStep {
  const s = mk(id, op);
  s.buf = buf;
  return s;
}

export function stepMap(id: number, op: FuzzOp, map: string): FuzzStep {
  const s = mk(id, op);
  s.map = map;
  return s;
}

export type FuzzFailureKind = "data" | "swiotlb" | "leak" | "fault" | "map" | "crash";

export interface FuzzFailure {
  /** index of the failing operation in the run (0-based, counting every operation of every epoch) */
  step: number;
  kind: FuzzFailureKind;
  message: string;
  /** a minimal scenario that replays the failure (`dmasim run`) */
  scenario: Scenario;
  /** steps of the minimal scenario (after shrinking) and of the epoch before shrinking */
  shrunkFrom: number;
}

export interface FuzzOptions {
  seed: number;
  /** number of operations */
  steps: number;
  platform?: string;
  kernel?: string;
  set?: Record<string, string>;
  /** device name (default: the platform's default device) */
  device?: string;
  /** operations per epoch (a fresh boot each); default 20000 */
  epoch?: number;
  /** false: no JIT warm-up before the first epoch (src/fuzz/run.ts warmUp; the result is the same either way) */
  warm?: boolean;
  /** most live buffers at a time (default 24) */
  maxBuffers?: number;
  /** largest buffer / mapping in bytes (default 256 KiB, swiotlb's largest mapping) */
  maxSize?: number;
  /** shrink a failure to a minimal scenario (default true) */
  shrink?: boolean;
  /** stop at the first failure (default true) */
  stopOnFailure?: boolean;
  /** budget for shrinking, in replays (default 3000) */
  shrinkBudget?: number;
  /**
   * Inject a driver bug: called with every generated operation; return null to make the driver
   * skip the call (the shadow model still assumes it happened, so the consequences show up as
   * violations). Steps that name a result (`as`) cannot be skipped.
   */
  mutate?: (step: FuzzStep) => FuzzStep | null;
  /** return the scenario of the (last) epoch run, even without a failure */
  keepScenario?: boolean;
  /** called after each epoch with the operations run so far (progress) */
  onEpoch?: (ops: number, total: number) => void;
}

export interface FuzzResult {
  ok: boolean;
  /** operations executed */
  ops: number;
  epochs: number;
  seed: number;
  platform: string;
  kernel: string;
  failures: FuzzFailure[];
  /** with keepScenario: the last epoch's steps as a scenario */
  scenario?: Scenario;
  /** engine + checks time, ms (excludes shrinking) */
  elapsedMs?: number;
}

/**
 * `dmasim fuzz`: random but valid streaming-DMA sequences on a booted model, with invariant
 * checks after every operation, and delta-debugging of a failure down to a minimal scenario that
 * `dmasim run` replays.
 *
 * Engine core: no node:* imports.
 *
 * What a run does. A seeded PRNG (mulberry32) drives a generator that plays a well-behaved
 * driver: it allocates buffers (kmalloc, alloc_pages), maps them (dma_map_single, dma_map_page,
 * dma_map_sg; 1 B..256 KiB, any direction), checks the handle (dma_mapping_error), lets the device
 * read and write the mappings it owns, syncs for the CPU and back, lets the CPU read and write
 * the buffers it owns, unmaps and frees — obeying the DMA-API ownership rules (R-STR-*): the CPU
 * never touches a buffer while the device owns a mapping of it, the device touches only mapped,
 * device-owned ranges, and never writes a DMA_TO_DEVICE mapping.
 *
 * Every operation is a scenario step (the same op names and arguments `dmasim run` takes) and is
 * executed exactly as src/scenario/runner.ts executes it, minus the per-step bookkeeping — so the
 * steps of a run are a scenario that reproduces it.
 *
 * Invariants checked after every operation:
 * - data: what the CPU reads (cpu_read) and what the device reads (device_read) equals what the
 *   DMA-API rules promise, from a shadow model of each buffer's contents per ownership state
 *   (bytes the rules leave undefined — e.g. the parts of a DMA_FROM_DEVICE mapping the device did
 *   not write — are not checked; a read is checked up to its first undefined byte);
 * - swiotlb: for each map/unmap that bounced, the slots of an independent occupancy model are
 *   free before a map and taken after it, the touched segment's free-run counters (io_tlb_mem
 *   list[]) equal the ones recomputed from the occupancy model, orig_addr of each slot is the
 *   original's, and used == occupied slots; at the end of each epoch (everything unmapped and
 *   freed) no slot is in use and every counter is back to its boot value;
 * - no fault: no WARN, BUG, oops, bus error, dma-debug report, or unexpected mapping failure.
 *
 * A long run is cut into epochs (default 20,000 operations): each epoch boots a fresh model, so
 * a failure replays from boot with the epoch's steps only.
 */
import { stringify } from "yaml";
import { KernelFault } from "./core/faults.js";
import { DMA_MAPPING_ERROR, PAGE_SIZE } from "./core/u64.js";
import type { Device } from "./drivers/device.js";
import { boot } from "./init.js";
import type { KConfig, Kernel } from "./kernel.js";
import { device_access } from "./drivers/dma-master.js";
import { xen_dma_to_phys } from "./xen/swiotlb-xen.js";
import { dma_to_phys } from "./kernel/dma/direct.js";
import * as api from "./kernel/dma/mapping.js";
import type { Scatterlist } from "./kernel/dma/ops.js";
import { IO_TLB_SEGSIZE, IO_TLB_SIZE, INVALID_PHYS_ADDR, type IoTlbMem } from "./kernel/dma/swiotlb/index.js";
import { L1_CACHE_SHIFT } from "./kernel/dma/debug.js";
import { DIR_NAMES, DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, GFP_KERNEL } from "./include/gfp.js";
import { __free_pages, alloc_pages } from "./mm/mm.js";
import type { Platform } from "./platforms/platform.js";
import { buildConfig, resolveKernel, resolvePlatform } from "./scenario/config.js";
import type { DataSpec, Scenario, Step } from "./scenario/types.js";
import type { KernelVersion } from "./versions.js";

// ---------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: a small, fast, deterministic 32-bit PRNG; its whole state is `s`. */
export class Rng {
  constructor(public s: number) {
    this.s = s >>> 0;
  }
  /** a float in [0, 1) */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
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
function mk(id: number, op: FuzzOp): FuzzStep {
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

function stepBuf(id: number, op: FuzzOp, buf: string): FuzzStep {
  const s = mk(id, op);
  s.buf = buf;
  return s;
}

function stepMap(id: number, op: FuzzOp, map: string): FuzzStep {
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

// ---------------------------------------------------------------------------------------------
// shadow + execution state

/**
 * Shadow byte arrays are pooled per power-of-two capacity and reused across buffers; a buffer's
 * defined-byte map holds its own token (1..255) where a byte is defined, so reuse needs no
 * clearing until the token wraps.
 */
interface ShadowArrays {
  bytes: Uint8Array;
  def: Uint8Array;
  tok: number;
}

class ShadowPool {
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

interface Buf {
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

interface Ent {
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

interface MapRec {
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
  /** exec */
  sgl: Scatterlist[] | null;
  execLive: boolean;
}

interface Failure {
  kind: FuzzFailureKind;
  id: number;
  message: string;
}

/** Raised by the shadow for a sequence the rules do not allow (only happens while shrinking). */
class Invalid extends Error {}

function dirName(d: number): string {
  return DIR_NAMES[d] ?? String(d);
}

function hexBytes(u8: Uint8Array, max = 16): string {
  const n = Math.min(u8.length, max);
  let s = "";
  for (let i = 0; i < n; i++) s += (i ? " " : "") + u8[i]!.toString(16).padStart(2, "0");
  return s + (u8.length > max ? ` … (${u8.length} bytes)` : "");
}

function hexAddr(a: number): string {
  return a < 0 ? "0x" + BigInt.asUintN(64, BigInt(a)).toString(16) : "0x" + a.toString(16);
}

interface Env {
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
const VIEW_SCRATCH = 4096;
const viewOut = new Uint8Array(VIEW_SCRATCH);
const viewDef = new Uint8Array(VIEW_SCRATCH);

class Session {
  readonly k: Kernel;
  readonly dev: Device;
  readonly bufs = new Map<string, Buf>();
  readonly maps = new Map<string, MapRec>();
  /** live buffers / mappings in creation order (the generator picks from these) */
  readonly liveBufs: Buf[] = [];
  readonly liveMaps: MapRec[] = [];
  /** swiotlb occupancy model */
  readonly mem: IoTlbMem | null;
  readonly occ: Uint8Array | null;
  occupied = 0;
  /** exec: resolved dma_addr of device steps on sg entries, per step id (for export) */
  readonly resolved = new Map<number, number>();
  /** expected bytes (defined prefix) of read steps, per step id (for export) */
  readonly expected = new Map<number, Uint8Array>();

  constructor(
    env: Env,
    private readonly pool: ShadowPool,
    /** keep what export needs (expected read data, sg entries' bus addresses) */
    private readonly record = false,
  ) {
    this.k = boot(env.platform, env.version, env.cfg);
    this.dev = this.k.devices.get(env.devName)!;
    this.mem = this.k.io_tlb_default_mem;
    this.occ = this.mem ? new Uint8Array(this.mem.nslabs) : null;
  }

  private buf(name: string | undefined): Buf {
    const b = name === undefined ? undefined : this.bufs.get(name);
    if (!b || b.freed) throw new Invalid(`no live buffer '${name}'`);
    return b;
  }

  private mapOf(name: string | undefined): MapRec {
    const m = name === undefined ? undefined : this.maps.get(name);
    if (!m || !m.live) throw new Invalid(`no live mapping '${name}'`);
    return m;
  }

  /** Apply one step: shadow (always) and execution (unless ghost). */
  apply(s: FuzzStep): Failure | null {
    const k = this.k;
    const nf = k.faults.length;
    const nd = k.diagnostics.length;
    k.step = s.id;
    let f: Failure | null;
    try {
      f = this.step(s);
    } catch (e) {
      if (e instanceof Invalid) throw e;
      if (e instanceof KernelFault) return { kind: "fault", id: s.id, message: `${s.op}: ${e.record.kind}: ${e.record.message}` };
      return { kind: "crash", id: s.id, message: `${s.op}: dmasim threw: ${(e as Error)?.message ?? String(e)}` };
    }
    if (f) return f;
    if (k.faults.length !== nf) {
      const r = k.faults[nf]!;
      return { kind: "fault", id: s.id, message: `${s.op}: unexpected ${r.kind}: ${r.message}` };
    }
    if (k.diagnostics.length !== nd) {
      const d = k.diagnostics[nd]!;
      return { kind: "fault", id: s.id, message: `${s.op}: dma-debug ${d.id}: ${d.message}` };
    }
    return null;
  }

  private step(s: FuzzStep): Failure | null {
    const k = this.k;
    const dev = this.dev;
    const ghost = s.ghost === true;
    switch (s.op) {
      case "kmalloc":
        return this.op_kmalloc(s, k, ghost);
      case "alloc_pages":
        return this.op_alloc_pages(s, k, ghost);
      case "kfree":
      case "__free_pages":
        return this.op_kfree(s, k, ghost);
      case "dma_map_single":
      case "dma_map_page":
        return this.op_dma_map_single(s, k, dev, ghost);
      case "dma_map_sg":
        return this.op_dma_map_sg(s, k, dev, ghost);
      case "dma_mapping_error":
        return this.op_dma_mapping_error(s, k, dev, ghost);
      case "dma_unmap_single":
      case "dma_unmap_page":
      case "dma_unmap_sg":
        return this.op_dma_unmap_single(s, k, dev, ghost);
      case "dma_sync_single_for_cpu":
      case "dma_sync_sg_for_cpu":
        return this.op_dma_sync_single_for_cpu(s, k, dev, ghost);
      case "dma_sync_single_for_device":
      case "dma_sync_sg_for_device":
        return this.op_dma_sync_single_for_device(s, k, dev, ghost);
      case "cpu_write":
        return this.op_cpu_write(s, k, ghost);
      case "cpu_read":
        return this.op_cpu_read(s, k, ghost);
      case "device_write":
        return this.op_device_write(s, ghost);
      case "device_read":
        return this.op_device_read(s, ghost);
    }
  }

  /** kmalloc (a method of its own: the JIT compiles each operation separately) */
  private op_kmalloc(s: FuzzStep, k: Kernel, ghost: boolean): Failure | null {
    if (ghost) throw new Invalid("a producer cannot be skipped");
    const size = s.size!;
    const addr = k.slab.kmalloc(k, size, GFP_KERNEL);
    if (!addr) return { kind: "map", id: s.id, message: `kmalloc(${size}) returned NULL` };
    const page = k.arch.virt_to_page(k, addr);
    this.addBuf({ name: s.as!, kind: "kmalloc", size, order: 0, addr, page, phys: k.page_to_phys(page) + (((addr % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE), ...this.shadow(size), map: null, freed: false, hot: [] });
    return null;
  }

  /** alloc_pages (a method of its own: the JIT compiles each operation separately) */
  private op_alloc_pages(s: FuzzStep, k: Kernel, ghost: boolean): Failure | null {
    if (ghost) throw new Invalid("a producer cannot be skipped");
    const order = s.order!;
    const page = alloc_pages(k, GFP_KERNEL, order, "scenario alloc_pages");
    if (!page) return { kind: "map", id: s.id, message: `alloc_pages(order ${order}) returned NULL` };
    const size = PAGE_SIZE << order;
    this.addBuf({ name: s.as!, kind: "pages", size, order, addr: k.arch.page_address(k, page), page, phys: k.page_to_phys(page), ...this.shadow(size), map: null, freed: false, hot: [] });
    return null;
  }

  /** kfree, __free_pages (a method of its own: the JIT compiles each operation separately) */
  private op_kfree(s: FuzzStep, k: Kernel, ghost: boolean): Failure | null {
    const b = this.buf(s.buf);
    if (b.map) throw new Invalid(`free of mapped buffer '${b.name}'`);
    if ((s.op === "kfree") !== (b.kind === "kmalloc")) throw new Invalid("wrong free");
    b.freed = true;
    this.pool.put(b.arrays);
    const i = this.liveBufs.indexOf(b);
    if (i >= 0) this.liveBufs.splice(i, 1);
    if (!ghost) {
      if (b.kind === "kmalloc") k.slab.kfree(k, b.addr);
      else __free_pages(k, b.page, b.order);
    }
    return null;
  }

  /** dma_map_single, dma_map_page (a method of its own: the JIT compiles each operation separately) */
  private op_dma_map_single(s: FuzzStep, k: Kernel, dev: Device, ghost: boolean): Failure | null {
    if (ghost) throw new Invalid("a producer cannot be skipped");
    const b = this.buf(s.buf);
    if (b.map) throw new Invalid(`'${b.name}' is already mapped`);
    const off = s.offset ?? 0;
    const size = s.size!;
    if (off + size > b.size || size < 1) throw new Invalid("map outside the buffer");
    const dir = s.dir!;
    const e = this.newEnt(b, off, size, dir);
    const m: MapRec = { name: s.as!, sg: false, single: s.op === "dma_map_single", dir, ents: [e], devOwned: true, live: true, cpuWrites: [], sgl: null, execLive: true };
    b.map = m;
    this.maps.set(m.name, m);
    this.liveMaps.push(m);
    // exec, as runner.ts mapSingle
    let dma: number;
    if (m.single) dma = api.dma_map_single_attrs(k, dev, b.addr + off, size, dir, 0);
    else {
      const va = b.addr + off;
      const o = ((va % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE;
      dma = api.dma_map_page_attrs(k, dev, k.arch.virt_to_page(k, va - o), o, size, dir, 0);
    }
    e.dma = dma;
    if (dma === DMA_MAPPING_ERROR) {
      m.execLive = false;
      return { kind: "map", id: s.id, message: `${s.op} of ${size} bytes (${dirName(dir)}) returned DMA_MAPPING_ERROR` };
    }
    return this.markTaken(s, e) ?? this.checkSegments(s, m.ents);
  }

  /** dma_map_sg (a method of its own: the JIT compiles each operation separately) */
  private op_dma_map_sg(s: FuzzStep, k: Kernel, dev: Device, ghost: boolean): Failure | null {
    if (ghost) throw new Invalid("a producer cannot be skipped");
    const dir = s.dir!;
    const ents: Ent[] = [];
    for (const x of s.entries!) {
      const b = this.buf(x.buf);
      if (b.map || ents.some((e) => e.buf === b)) throw new Invalid(`'${b.name}' is already mapped`);
      if (x.offset + x.length > b.size || x.length < 1) throw new Invalid("sg entry outside the buffer");
      ents.push(this.newEnt(b, x.offset, x.length, dir));
    }
    const m: MapRec = { name: s.as!, sg: true, single: false, dir, ents, devOwned: true, live: true, cpuWrites: [], sgl: null, execLive: true };
    for (const e of ents) e.buf.map = m;
    this.maps.set(m.name, m);
    this.liveMaps.push(m);
    // exec, as runner.ts dma_map_sg (pageOf for linear buffers)
    const sgl: Scatterlist[] = ents.map((e) => {
      const va = e.buf.addr + e.off;
      const o = ((va % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE;
      return { page: k.arch.virt_to_page(k, va - o), offset: o, length: e.len, dma_address: 0, dma_length: 0 };
    });
    m.sgl = sgl;
    const n = api.dma_map_sg_attrs(k, dev, sgl, sgl.length, dir, 0);
    if (n === 0) {
      m.execLive = false;
      return { kind: "map", id: s.id, message: `dma_map_sg of ${sgl.length} entries (${dirName(dir)}) returned 0` };
    }
    for (let i = 0; i < ents.length; i++) {
      ents[i]!.dma = sgl[i]!.dma_address;
      const f = this.markTaken(s, ents[i]!);
      if (f) return f;
    }
    return this.checkSegments(s, ents);
  }

  /** dma_mapping_error (a method of its own: the JIT compiles each operation separately) */
  private op_dma_mapping_error(s: FuzzStep, k: Kernel, dev: Device, ghost: boolean): Failure | null {
    const m = this.mapOf(s.map);
    if (m.sg) throw new Invalid("dma_mapping_error on an sg mapping");
    if (!ghost && api.dma_mapping_error(k, dev, m.ents[0]!.dma) !== 0) return { kind: "map", id: s.id, message: `dma_mapping_error(${m.name}) is -ENOMEM` };
    return null;
  }

  /** dma_unmap_single, dma_unmap_page, dma_unmap_sg (a method of its own: the JIT compiles each operation separately) */
  private op_dma_unmap_single(s: FuzzStep, k: Kernel, dev: Device, ghost: boolean): Failure | null {
    const m = this.mapOf(s.map);
    if (m.sg !== (s.op === "dma_unmap_sg")) throw new Invalid("wrong unmap");
    // shadow: the unmap implies a sync for the CPU
    if (m.devOwned) this.toCpu(m);
    else this.cpuWritesLost(m);
    m.live = false;
    m.devOwned = false;
    for (const e of m.ents) e.buf.map = null;
    const i = this.liveMaps.indexOf(m);
    if (i >= 0) this.liveMaps.splice(i, 1);
    if (ghost || !m.execLive) return null;
    m.execLive = false;
    if (m.sg) api.dma_unmap_sg_attrs(k, dev, m.sgl!, m.sgl!.length, m.dir, 0);
    else api.dma_unmap_page_attrs(k, dev, m.ents[0]!.dma, m.ents[0]!.len, m.dir, 0, m.single);
    for (const e of m.ents) {
      const f = this.markFreed(s, e);
      if (f) return f;
    }
    return this.checkSegments(s, m.ents);
  }

  /** dma_sync_single_for_cpu, dma_sync_sg_for_cpu (a method of its own: the JIT compiles each operation separately) */
  private op_dma_sync_single_for_cpu(s: FuzzStep, k: Kernel, dev: Device, ghost: boolean): Failure | null {
    const m = this.mapOf(s.map);
    if (m.sg !== (s.op === "dma_sync_sg_for_cpu")) throw new Invalid("wrong sync");
    if (!m.devOwned) throw new Invalid(`sync for the CPU of '${m.name}', which the CPU owns`);
    this.toCpu(m);
    m.devOwned = false;
    m.cpuWrites = [];
    if (ghost || !m.execLive) return null;
    if (m.sg) api.dma_sync_sg(k, dev, m.sgl!, m.sgl!.length, m.dir, true);
    else api.dma_sync_single_for_cpu(k, dev, m.ents[0]!.dma, m.ents[0]!.len, m.dir);
    return null;
  }

  /** dma_sync_single_for_device, dma_sync_sg_for_device (a method of its own: the JIT compiles each operation separately) */
  private op_dma_sync_single_for_device(s: FuzzStep, k: Kernel, dev: Device, ghost: boolean): Failure | null {
    const m = this.mapOf(s.map);
    if (m.sg !== (s.op === "dma_sync_sg_for_device")) throw new Invalid("wrong sync");
    if (m.devOwned) throw new Invalid(`sync for the device of '${m.name}', which the device owns`);
    for (const e of m.ents) {
      e.overlay = [];
      e.baseUndef = m.dir === DMA_FROM_DEVICE;
    }
    m.devOwned = true;
    m.cpuWrites = [];
    if (ghost || !m.execLive) return null;
    if (m.sg) api.dma_sync_sg(k, dev, m.sgl!, m.sgl!.length, m.dir, false);
    else api.dma_sync_single_for_device(k, dev, m.ents[0]!.dma, m.ents[0]!.len, m.dir);
    return null;
  }

  /** cpu_write (a method of its own: the JIT compiles each operation separately) */
  private op_cpu_write(s: FuzzStep, k: Kernel, ghost: boolean): Failure | null {
    const b = this.buf(s.buf);
    if (b.map && b.map.devOwned) throw new Invalid(`CPU write to '${b.name}' while the device owns it`);
    const off = s.offset ?? 0;
    const data = s.data!;
    if (off + data.length > b.size) throw new Invalid("write outside the buffer");
    b.bytes.set(data, off);
    b.def.fill(b.tok, off, off + data.length);
    hotAdd(b, off, data.length);
    if (b.map) b.map.cpuWrites.push({ buf: b, off, len: data.length });
    if (!ghost) k.kwrite(b.addr + off, data, "cpu_write");
    return null;
  }

  /** cpu_read (a method of its own: the JIT compiles each operation separately) */
  private op_cpu_read(s: FuzzStep, k: Kernel, ghost: boolean): Failure | null {
    const b = this.buf(s.buf);
    if (b.map && b.map.devOwned) throw new Invalid(`CPU read of '${b.name}' while the device owns it`);
    const off = s.offset ?? 0;
    const len = s.length!;
    if (off + len > b.size) throw new Invalid("read outside the buffer");
    let n = 0;
    const tok = b.tok;
    while (n < len && b.def[off + n] === tok) n++;
    const want = b.bytes.subarray(off, off + n);
    if (this.record) this.expected.set(s.id, want.slice());
    if (ghost) return null;
    const got = k.kread(b.addr + off, len, "cpu_read");
    for (let i = 0; i < n; i++)
      if (got[i] !== want[i])
        return { kind: "data", id: s.id, message: `cpu_read of ${b.name}+${hexAddr(off)} (${len} bytes): byte ${i} is ${hexByte(got[i]!)}, the rules say ${hexByte(want[i]!)} — read ${hexBytes(got.subarray(i))}, expected ${hexBytes(want.subarray(i))}${this.context(b)}` };
    return null;
  }

  /** device_write (a method of its own: the JIT compiles each operation separately) */
  private op_device_write(s: FuzzStep, ghost: boolean): Failure | null {
    const m = this.mapOf(s.map);
    const e = m.ents[s.entry ?? 0]!;
    if (!e) throw new Invalid("no such sg entry");
    if (!m.devOwned) throw new Invalid(`device write to '${m.name}' while the CPU owns it`);
    if (m.dir === DMA_TO_DEVICE) throw new Invalid("device write to a DMA_TO_DEVICE mapping");
    const off = s.offset ?? 0;
    const data = s.data!;
    if (off + data.length > e.len) throw new Invalid("device write outside the mapping");
    e.overlay.push({ off, data });
    if (ghost || !m.execLive) return null;
    if (m.sg && this.record) this.resolved.set(s.id, e.dma);
    return this.deviceAccess(s, e.dma + off, 0, data) as Failure | null;
  }

  /** device_read (a method of its own: the JIT compiles each operation separately) */
  private op_device_read(s: FuzzStep, ghost: boolean): Failure | null {
    const m = this.mapOf(s.map);
    const e = m.ents[s.entry ?? 0]!;
    if (!e) throw new Invalid("no such sg entry");
    if (!m.devOwned) throw new Invalid(`device read of '${m.name}' while the CPU owns it`);
    const off = s.offset ?? 0;
    const len = s.length!;
    if (off + len > e.len) throw new Invalid("device read outside the mapping");
    const want = this.deviceView(e, off, len);
    if (this.record) this.expected.set(s.id, want);
    if (ghost || !m.execLive) return null;
    if (m.sg && this.record) this.resolved.set(s.id, e.dma);
    const got = this.deviceAccess(s, e.dma + off, len);
    if (!(got instanceof Uint8Array)) return got;
    for (let i = 0; i < want.length; i++)
      if (got[i] !== want[i])
        return { kind: "data", id: s.id, message: `device_read of ${m.name}${m.sg ? ` entry ${s.entry ?? 0}` : ""}+${hexAddr(off)} (${len} bytes, ${dirName(m.dir)}): byte ${i} is ${hexByte(got[i]!)}, the rules say ${hexByte(want[i]!)} — read ${hexBytes(got.subarray(i))}, expected ${hexBytes(want.subarray(i))}${this.context(e.buf)}` };
    return null;
  }

  private shadow(size: number): { bytes: Uint8Array; def: Uint8Array; tok: number; arrays: ShadowArrays } {
    const a = this.pool.get(size);
    return { bytes: a.bytes, def: a.def, tok: a.tok, arrays: a };
  }

  private addBuf(b: Buf) {
    if (this.bufs.has(b.name)) throw new Invalid(`duplicate name '${b.name}'`);
    this.bufs.set(b.name, b);
    this.liveBufs.push(b);
  }

  private newEnt(b: Buf, off: number, len: number, dir: number): Ent {
    return { buf: b, off, len, overlay: [], baseUndef: dir === DMA_FROM_DEVICE, dma: DMA_MAPPING_ERROR, slot: -1, nslots: 0, lastSlot: -1 };
  }

  /** The bytes the device should read at [off, off+len) of an entry: its writes over the base, up to the first undefined byte. */
  private deviceView(e: Ent, off: number, len: number): Uint8Array {
    // scratch buffers unless the result is kept for export
    const out = this.record || len > VIEW_SCRATCH ? new Uint8Array(len) : viewOut.subarray(0, len);
    const def = len > VIEW_SCRATCH ? new Uint8Array(len) : viewDef.subarray(0, len);
    if (len <= VIEW_SCRATCH) def.fill(0);
    const b = e.buf;
    if (!e.baseUndef) {
      const base = e.off + off;
      out.set(b.bytes.subarray(base, base + len));
      const tok = b.tok;
      for (let i = 0; i < len; i++) if (b.def[base + i] === tok) def[i] = 1;
    }
    for (const w of e.overlay) {
      const a = Math.max(off, w.off);
      const z = Math.min(off + len, w.off + w.data.length);
      if (a >= z) continue;
      out.set(w.data.subarray(a - w.off, z - w.off), a - off);
      def.fill(1, a - off, z - off);
    }
    let n = 0;
    while (n < len && def[n] === 1) n++;
    return out.subarray(0, n);
  }

  /** Shadow of a sync for the CPU (or the CPU half of an unmap) from device ownership. */
  private toCpu(m: MapRec) {
    if (m.dir === DMA_TO_DEVICE) return; // nothing comes back
    for (const e of m.ents) {
      const b = e.buf;
      if (e.baseUndef) b.def.fill(0, e.off, e.off + e.len);
      for (const w of e.overlay) {
        b.bytes.set(w.data, e.off + w.off);
        b.def.fill(b.tok, e.off + w.off, e.off + w.off + w.data.length);
        hotAdd(b, e.off + w.off, w.data.length);
      }
      // the device view now equals the CPU's bytes
      e.overlay = [];
      e.baseUndef = false;
    }
  }

  /** Unmapping a mapping the CPU owns: for FROM/BIDI, CPU writes since the sync may be overwritten by the copy-back (swiotlb) or lost (cache invalidate). */
  private cpuWritesLost(m: MapRec) {
    if (m.dir === DMA_TO_DEVICE) return;
    for (const w of m.cpuWrites)
      for (const e of m.ents) {
        if (e.buf !== w.buf) continue;
        const a = Math.max(w.off, e.off);
        const z = Math.min(w.off + w.len, e.off + e.len);
        if (a < z) w.buf.def.fill(0, a, z);
      }
    m.cpuWrites = [];
  }

  /** What the buffer is doing, for failure messages. */
  private context(b: Buf): string {
    const m = b.map;
    if (!m) return "";
    return ` (${b.name} is mapped by ${m.name}, ${dirName(m.dir)}, ${m.devOwned ? "device-owned" : "CPU-owned"}${m.ents.some((e) => e.slot >= 0) ? ", bounced through swiotlb" : ""})`;
  }

  /** runner.ts deviceAccess: the device side of the bus (drivers/dma-master.ts); a bus error is a failure. */
  private deviceAccess(s: FuzzStep, bus: number, len: number, data?: Uint8Array): Uint8Array | Failure | null {
    const r = device_access(this.k, this.dev, bus, len, data);
    if (r === null) return { kind: "fault", id: s.id, message: `${s.op}: bus error at bus address ${hexAddr(bus)}` };
    return data ? null : r;
  }

  // ---- swiotlb occupancy model ----

  /** Mark the slots a new mapping entry took in the occupancy model (they must have been free). */
  private markTaken(s: FuzzStep, e: Ent): Failure | null {
    const mem = this.mem;
    if (!mem || !this.occ) return null;
    // the kernel's own reading of the handle: through the P2M on Xen (is_xen_swiotlb_buffer)
    const phys = this.k.xen ? xen_dma_to_phys(this.k, this.dev, e.dma) : dma_to_phys(this.k, this.dev, e.dma);
    if (phys < mem.start || phys >= mem.end) return null;
    const offset = phys & this.dev.min_align_mask & (IO_TLB_SIZE - 1);
    const index = Math.floor((phys - offset - mem.start) / IO_TLB_SIZE);
    const nslots = Math.ceil((e.len + offset) / IO_TLB_SIZE);
    const bad = (msg: string): Failure => ({ kind: "swiotlb", id: s.id, message: `${s.op} ${e.buf.name}: ${msg}` });
    if (mem.start + index * IO_TLB_SIZE + offset !== phys) return bad(`bounce address ${hexAddr(phys)} is not slot-aligned`);
    if (index + nslots > mem.nslabs) return bad(`slots ${index}..${index + nslots - 1} run past the pool (${mem.nslabs} slots)`);
    if (Math.floor(index / IO_TLB_SEGSIZE) !== Math.floor((index + nslots - 1) / IO_TLB_SEGSIZE)) return bad(`slots ${index}..${index + nslots - 1} cross a segment boundary`);
    const occ = this.occ;
    for (let i = index; i < index + nslots; i++) {
      if (occ[i]) return bad(`slot ${i} handed out while a live mapping holds it`);
      occ[i] = 1;
      const want = e.buf.phys + e.off + (i - index) * IO_TLB_SIZE;
      if (mem.orig_addr[i] !== want) return bad(`slot ${i} orig_addr ${hexAddr(mem.orig_addr[i]!)}, expected ${hexAddr(want)}`);
    }
    e.slot = index;
    e.nslots = nslots;
    this.occupied += nslots;
    return null;
  }

  /** Release an unmapped entry's slots in the occupancy model; the pool must have forgotten their originals. */
  private markFreed(s: FuzzStep, e: Ent): Failure | null {
    if (e.slot < 0 || !this.occ || !this.mem) return null;
    for (let i = e.slot; i < e.slot + e.nslots; i++) {
      this.occ[i] = 0;
      if (this.mem.orig_addr[i] !== INVALID_PHYS_ADDR) return { kind: "swiotlb", id: s.id, message: `${s.op} ${e.buf.name}: slot ${i} still has an orig_addr after the unmap` };
    }
    this.occupied -= e.nslots;
    e.lastSlot = e.slot;
    e.slot = -1;
    return null;
  }

  /** After a map or unmap: the touched segments' counters, and used == occupied. */
  private checkSegments(s: FuzzStep, ents: readonly Ent[]): Failure | null {
    if (!this.mem) return null;
    for (const e of ents) {
      const slot = e.slot >= 0 ? e.slot : e.lastSlot;
      if (slot < 0) continue;
      const f = this.checkSegment(s, slot);
      if (f) return f;
    }
    return this.checkUsed(s);
  }

  private checkUsed(s: FuzzStep): Failure | null {
    const used = this.mem!.used;
    if (used !== this.occupied)
      return {
        kind: "swiotlb",
        id: s.id,
        message: `${s.op}: io_tlb_mem.used is ${used}, but live mappings hold ${this.occupied} slots${used > this.occupied ? " (a mapping took slots, but its DMA address does not lead back to the bounce buffer through the device's dma-ranges)" : ""}`,
      };
    return null;
  }

  /** Recompute the free-run counters of the segment holding `slot` from the occupancy model. */
  private checkSegment(s: FuzzStep, slot: number): Failure | null {
    const list = this.mem!.list;
    const occ = this.occ!;
    const start = slot - (slot % IO_TLB_SEGSIZE);
    let run = 0;
    for (let i = start + IO_TLB_SEGSIZE - 1; i >= start; i--) {
      run = occ[i] ? 0 : run + 1;
      if (list[i] !== run)
        return { kind: "swiotlb", id: s.id, message: `${s.op}: swiotlb slot ${i} free-run counter is ${list[i]}, the occupancy of segment ${start / IO_TLB_SEGSIZE} says ${run}` };
    }
    return null;
  }

  /** End of an epoch (everything unmapped): no slot in use, every counter back to its boot value. */
  checkNoLeak(): Failure | null {
    const mem = this.mem;
    if (!mem) return null;
    if (mem.used !== 0) return { kind: "leak", id: -1, message: `after every mapping was unmapped, io_tlb_mem.used is ${mem.used} (slots leaked)` };
    for (let i = 0; i < mem.nslabs; i++) {
      const want = IO_TLB_SEGSIZE - (i % IO_TLB_SEGSIZE);
      if (mem.list[i] !== want) return { kind: "leak", id: -1, message: `after every mapping was unmapped, swiotlb slot ${i} free-run counter is ${mem.list[i]}, expected ${want}` };
      if (mem.orig_addr[i] !== INVALID_PHYS_ADDR) return { kind: "leak", id: -1, message: `after every mapping was unmapped, swiotlb slot ${i} still records orig_addr ${hexAddr(mem.orig_addr[i]!)}` };
    }
    return null;
  }
}

function hotAdd(b: Buf, off: number, len: number) {
  if (b.hot.length >= 8) b.hot.shift();
  b.hot.push({ off, len });
}

function hexByte(b: number): string {
  return b.toString(16).padStart(2, "0");
}

// ---------------------------------------------------------------------------------------------
// the generator

const KiB = 1024;
/** dma-debug's cacheline: L1_CACHE_BYTES (64 on arm64, x86_64 and ARMv7) */
const CACHELINE = 1 << L1_CACHE_SHIFT;

/** For each odd stride 2j+1: the bytes (i * stride) & 0xff for i in 0..511, and stride^-1 mod 256. */
const STRIDE_RUNS: Uint8Array[] = [];
const STRIDE_INV: number[] = [];
for (let j = 0; j < 128; j++) {
  const stride = 2 * j + 1;
  const run = new Uint8Array(512);
  for (let i = 0; i < 512; i++) run[i] = (i * stride) & 0xff;
  STRIDE_RUNS.push(run);
  let inv = 1;
  while (((inv * stride) & 0xff) !== 1) inv += 2;
  STRIDE_INV.push(inv);
}
const NO_HOT: readonly { off: number; len: number }[] = [];

class Generator {
  private n = 0;
  constructor(
    private readonly rnd: () => number,
    private readonly maxBuffers: number,
    private readonly maxSize: number,
  ) {}

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }

  /** log-uniform size in [1, max] */
  private size(max: number): number {
    if (max <= 1) return 1;
    return Math.min(max, Math.max(1, Math.floor(Math.exp(this.rnd() * Math.log(max + 1)))));
  }

  private pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.rnd() * a.length)]!;
  }

  private dir(): number {
    const r = this.rnd();
    return r < 0.34 ? DMA_BIDIRECTIONAL : r < 0.67 ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
  }

  /**
   * Position-dependent bytes (a shifted copy never looks right): out[i] = (base + i * stride) & 0xff
   * for an odd stride, copied from the stride's precomputed 512-byte run (period 256).
   */
  private data(len: number): Uint8Array {
    const out = this.alloc(len);
    const base = this.int(0, 255);
    const si = this.int(0, 127);
    const run = STRIDE_RUNS[si]!;
    // (base + i*stride) & 0xff == run[(i + k) & 255] with k = base * stride^-1 mod 256
    const k = (base * STRIDE_INV[si]!) & 0xff;
    for (let i = 0; i < len; i += 256) {
      const n = Math.min(256, len - i);
      out.set(run.subarray(k, k + n), i);
    }
    return out;
  }

  private dataLen(max: number): number {
    const r = this.rnd();
    const cap = r < 0.7 ? 64 : r < 0.95 ? 1024 : 4096;
    return Math.max(1, Math.min(max, this.int(1, cap)));
  }

  /** A read range in [lo, hi), starting at a recently written (so probably defined) byte most of the time. */
  private readRange(hot: readonly { off: number; len: number }[], lo: number, hi: number): { off: number; len: number } {
    let off = -1;
    if (hot.length && this.rnd() < 0.8) {
      const h = this.pick(hot);
      const a = Math.max(lo, h.off);
      const z = Math.min(hi, h.off + h.len);
      if (a < z) off = this.int(a, z - 1);
    }
    if (off < 0) off = this.int(lo, hi - 1);
    const len = Math.max(1, Math.min(hi - off, this.rnd() < 0.8 ? this.int(1, 64) : this.int(1, 512)));
    return { off: off - lo, len };
  }

  /**
   * The DMA-API rules dma-debug checks, kept when it is on (CONFIG_DMA_API_DEBUG): two live
   * mappings that the device may write (not DMA_TO_DEVICE) never start in the same cacheline
   * (dma-debug tracks each one's first cacheline: an overlap is D19), so such a mapping is made
   * DMA_TO_DEVICE instead.
   */
  private ruleDir(ss: Session, dir: number, starts: readonly { b: Buf; off: number }[]): number {
    if (!ss.k.dma_debug || dir === DMA_TO_DEVICE) return dir;
    const lines = new Set<number>();
    for (const m of ss.liveMaps) if (m.dir !== DMA_TO_DEVICE) for (const e of m.ents) lines.add(Math.floor((e.buf.phys + e.off) / CACHELINE));
    for (const { b, off } of starts) {
      const l = Math.floor((b.phys + off) / CACHELINE);
      if (lines.has(l)) return DMA_TO_DEVICE;
      lines.add(l);
    }
    return dir;
  }

  /** dma_get_max_seg_size(dev) when dma-debug checks sg segments (CONFIG_DMA_API_DEBUG_SG: D23); no limit otherwise. */
  private maxSeg(ss: Session): number {
    return ss.k.dma_debug && ss.k.cfg.CONFIG_DMA_API_DEBUG_SG ? ss.dev.max_segment_size || 65536 : Infinity;
  }

  /** The next operation for a session's state (ids are filled by the caller). */
  // step data are views into 256 KiB slabs (an ArrayBuffer per write would cost more than the write)
  private slab = new Uint8Array(0);
  private slabAt = 0;
  private alloc(len: number): Uint8Array {
    if (len > 65536) return new Uint8Array(len);
    if (this.slabAt + len > this.slab.length) {
      this.slab = new Uint8Array(256 * 1024);
      this.slabAt = 0;
    }
    const v = this.slab.subarray(this.slabAt, this.slabAt + len);
    this.slabAt += len;
    return v;
  }

  // scratch lists, refilled on every call (no allocation per operation)
  private readonly unmapped: Buf[] = [];
  private readonly cpuBufs: Buf[] = [];
  private readonly devMaps: MapRec[] = [];
  private readonly cpuMaps: MapRec[] = [];
  private readonly writable: MapRec[] = [];
  private readonly w = new Float64Array(11);

  /** a random element of the first n of a */
  private pickN<T>(a: readonly T[], n: number): T {
    return a[Math.floor(this.rnd() * n)]!;
  }

  next(ss: Session, id: number): FuzzStep[] {
    const bufs = ss.liveBufs;
    const maps = ss.liveMaps;
    const unmappedL = this.unmapped;
    const cpuBufsL = this.cpuBufs;
    const devMapsL = this.devMaps;
    const cpuMapsL = this.cpuMaps;
    const writableL = this.writable;
    let nUnmapped = 0;
    let nCpuBufs = 0;
    let nDev = 0;
    let nCpu = 0;
    let nWritable = 0;
    for (let i = 0; i < bufs.length; i++) {
      const b = bufs[i]!;
      const m = b.map;
      if (m === null) {
        unmappedL[nUnmapped++] = b;
        cpuBufsL[nCpuBufs++] = b;
      } else if (!m.devOwned) cpuBufsL[nCpuBufs++] = b;
    }
    for (let i = 0; i < maps.length; i++) {
      const m = maps[i]!;
      if (m.devOwned) {
        devMapsL[nDev++] = m;
        if (m.dir !== DMA_TO_DEVICE) writableL[nWritable++] = m;
      } else cpuMapsL[nCpu++] = m;
    }
    const w = this.w;
    w[0] = bufs.length < this.maxBuffers ? (bufs.length < 4 ? 6 : 1.2) : 0; // alloc
    w[1] = nUnmapped ? (bufs.length > this.maxBuffers / 2 ? 1.5 : 0.6) : 0; // free
    w[2] = nUnmapped ? 2.5 : 0; // map single/page
    w[3] = nUnmapped ? 0.6 : 0; // map sg
    w[4] = maps.length ? 1.4 : 0; // unmap
    w[5] = nDev ? 1.5 : 0; // sync for cpu
    w[6] = nCpu ? 1 : 0; // sync for device
    w[7] = nWritable ? 3 : 0; // device write
    w[8] = nDev ? 1.5 : 0; // device read
    w[9] = nCpuBufs ? 3 : 0; // cpu write
    w[10] = nCpuBufs ? 3 : 0; // cpu read
    let total = 0;
    for (let i = 0; i < w.length; i++) total += w[i]!;
    let r = this.rnd() * total;
    let op = 0;
    while (op < w.length - 1 && r >= w[op]!) r -= w[op++]!;

    switch (op) {
      case 0: {
        const name = `b${this.n++}`;
        if (this.rnd() < 0.6) {
          const st = mk(id, "kmalloc");
          st.as = name;
          st.size = this.size(this.maxSize);
          return [st];
        }
        let order = 0;
        while (order < 6 && PAGE_SIZE << (order + 1) <= this.maxSize && this.rnd() < 0.45) order++;
        const st = mk(id, "alloc_pages");
        st.as = name;
        st.order = order;
        return [st];
      }
      case 1: {
        const b = this.pickN(unmappedL, nUnmapped);
        return [stepBuf(id, b.kind === "kmalloc" ? "kfree" : "__free_pages", b.name)];
      }
      case 2: {
        const b = this.pickN(unmappedL, nUnmapped);
        const off = this.rnd() < 0.5 ? 0 : this.int(0, b.size - 1);
        const size = this.size(Math.min(this.maxSize, b.size - off));
        const name = `m${this.n++}`;
        const st = mk(id, this.rnd() < 0.6 ? "dma_map_single" : "dma_map_page");
        st.as = name;
        st.buf = b.name;
        st.offset = off;
        st.size = size;
        st.dir = this.ruleDir(ss, this.dir(), [{ b, off }]);
        return [st, stepMap(id + 1, "dma_mapping_error", name)];
      }
      case 3: {
        const n = Math.min(nUnmapped, this.int(1, 4));
        const pool = unmappedL.slice(0, nUnmapped);
        const entries: { buf: string; offset: number; length: number }[] = [];
        for (let i = 0; i < n; i++) {
          const j = Math.floor(this.rnd() * pool.length);
          const b = pool[j]!;
          pool.splice(j, 1);
          const off = this.rnd() < 0.5 ? 0 : this.int(0, b.size - 1);
          entries.push({ buf: b.name, offset: off, length: this.size(Math.min(this.maxSize, this.maxSeg(ss), b.size - off)) });
        }
        const st = mk(id, "dma_map_sg");
        st.as = `s${this.n++}`;
        st.entries = entries;
        st.dir = this.ruleDir(ss, this.dir(), entries.map((e) => ({ b: ss.bufs.get(e.buf)!, off: e.offset })));
        return [st];
      }
      case 4: {
        const m = this.pick(maps);
        return [stepMap(id, m.sg ? "dma_unmap_sg" : m.single ? "dma_unmap_single" : "dma_unmap_page", m.name)];
      }
      case 5: {
        const m = this.pickN(devMapsL, nDev);
        return [stepMap(id, m.sg ? "dma_sync_sg_for_cpu" : "dma_sync_single_for_cpu", m.name)];
      }
      case 6: {
        const m = this.pickN(cpuMapsL, nCpu);
        return [stepMap(id, m.sg ? "dma_sync_sg_for_device" : "dma_sync_single_for_device", m.name)];
      }
      case 7: {
        const m = this.pickN(writableL, nWritable);
        const ei = this.int(0, m.ents.length - 1);
        const e = m.ents[ei]!;
        const len = this.dataLen(e.len);
        const off = this.int(0, e.len - len);
        const st = stepMap(id, "device_write", m.name);
        st.offset = off;
        st.data = this.data(len);
        if (m.sg) st.entry = ei;
        return [st];
      }
      case 8: {
        const m = this.pickN(devMapsL, nDev);
        const ei = this.int(0, m.ents.length - 1);
        const e = m.ents[ei]!;
        let off: number;
        let len: number;
        if (e.overlay.length && this.rnd() < 0.7) {
          const wr = this.pick(e.overlay);
          off = wr.off + this.int(0, wr.data.length - 1);
          len = Math.max(1, Math.min(e.len - off, this.int(1, 128)));
        } else {
          const rr = this.readRange(e.baseUndef ? NO_HOT : e.buf.hot, e.off, e.off + e.len);
          off = rr.off;
          len = rr.len;
        }
        const st = stepMap(id, "device_read", m.name);
        st.offset = off;
        st.length = len;
        if (m.sg) st.entry = ei;
        return [st];
      }
      case 9: {
        const b = this.pickN(cpuBufsL, nCpuBufs);
        const len = this.dataLen(b.size);
        const off = this.int(0, b.size - len);
        const st = stepBuf(id, "cpu_write", b.name);
        st.offset = off;
        st.data = this.data(len);
        return [st];
      }
      default: {
        const b = this.pickN(cpuBufsL, nCpuBufs);
        const rr = this.readRange(b.hot, 0, b.size);
        const st = stepBuf(id, "cpu_read", b.name);
        st.offset = rr.off;
        st.length = rr.len;
        return [st];
      }
    }
  }

  /** Teardown at the end of an epoch: unmap everything, then free everything. */
  teardown(ss: Session, id: number): FuzzStep[] {
    const out: FuzzStep[] = [];
    for (const m of ss.liveMaps) out.push(stepMap(id++, m.sg ? "dma_unmap_sg" : m.single ? "dma_unmap_single" : "dma_unmap_page", m.name));
    for (const b of ss.liveBufs) out.push(stepBuf(id++, b.kind === "kmalloc" ? "kfree" : "__free_pages", b.name));
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// replay, shrink, export

interface ReplayResult {
  failure: Failure | null;
  invalid: boolean;
  session: Session | null;
}

function replay(env: Env, steps: readonly FuzzStep[], endCheck: boolean, record = false): ReplayResult {
  const ss = new Session(env, new ShadowPool(), record);
  try {
    for (const s of steps) {
      const f = ss.apply(s);
      if (f) return { failure: f, invalid: false, session: ss };
    }
  } catch (e) {
    if (e instanceof Invalid) return { failure: null, invalid: true, session: null };
    throw e;
  }
  if (endCheck) {
    if (ss.liveMaps.length || ss.liveBufs.length) return { failure: null, invalid: true, session: null };
    const f = ss.checkNoLeak();
    if (f) return { failure: f, invalid: false, session: ss };
  }
  return { failure: null, invalid: false, session: ss };
}

/** Names each step produces / uses. */
function produces(s: FuzzStep): string | undefined {
  return s.as;
}
function uses(s: FuzzStep): string[] {
  const u: string[] = [];
  if (s.buf !== undefined) u.push(s.buf);
  if (s.map !== undefined) u.push(s.map);
  if (s.entries) for (const e of s.entries) u.push(e.buf);
  return u;
}

/** Indices removed with `seed` indices: every later step that uses a name they produce, transitively. */
function closure(steps: readonly FuzzStep[], seed: readonly number[]): Set<number> {
  const out = new Set<number>(seed);
  const dead = new Set<string>();
  for (const i of seed) {
    const p = produces(steps[i]!);
    if (p) dead.add(p);
  }
  if (dead.size === 0) return out;
  const first = Math.min(...seed);
  for (let i = first + 1; i < steps.length; i++) {
    if (out.has(i)) continue;
    const s = steps[i]!;
    if (uses(s).some((n) => dead.has(n))) {
      out.add(i);
      const p = produces(s);
      if (p) dead.add(p);
    }
  }
  return out;
}

function sameFailure(a: Failure, b: Failure): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "leak") return true;
  return a.id === b.id;
}

/** Delta debugging (ddmin over dependency closures): drop steps while the same failure reproduces. */
function shrink(env: Env, steps: FuzzStep[], target: Failure, budget: number): FuzzStep[] {
  const endCheck = target.kind === "leak";
  let cur = target.kind === "leak" ? steps.slice() : steps.slice(0, steps.findIndex((s) => s.id === target.id) + 1);
  let replays = 0;
  const reproduces = (cand: FuzzStep[]): boolean => {
    replays++;
    const r = replay(env, cand, endCheck);
    return !r.invalid && r.failure !== null && sameFailure(r.failure, target);
  };
  const keep = (s: FuzzStep) => s.id === target.id;
  let n = 2;
  while (replays < budget) {
    const idx: number[] = [];
    for (let i = 0; i < cur.length; i++) if (!keep(cur[i]!)) idx.push(i);
    if (idx.length === 0) break;
    n = Math.min(n, idx.length);
    const chunk = Math.ceil(idx.length / n);
    let progressed = false;
    for (let c = 0; c < n && replays < budget; c++) {
      const part = idx.slice(c * chunk, (c + 1) * chunk);
      if (part.length === 0) continue;
      const drop = closure(cur, part);
      if ([...drop].some((i) => keep(cur[i]!))) continue;
      const cand = cur.filter((_, i) => !drop.has(i));
      if (reproduces(cand)) {
        cur = cand;
        n = Math.max(2, n - 1);
        progressed = true;
        break;
      }
    }
    if (!progressed) {
      if (n >= idx.length) break;
      n = Math.min(idx.length, n * 2);
    }
  }
  return cur;
}

function hexSpec(u8: Uint8Array): DataSpec {
  let s = "";
  for (let i = 0; i < u8.length; i++) s += (i ? " " : "") + (u8[i]! < 16 ? "0" : "") + u8[i]!.toString(16);
  return { hex: s };
}

/** Fuzz steps → scenario steps (the runner's argument names); ghost steps are dropped. */
function exportSteps(steps: readonly FuzzStep[], ss: Session | null): Step[] {
  const out: Step[] = [];
  for (const s of steps) {
    if (s.ghost) continue;
    const args: Record<string, unknown> = {};
    switch (s.op) {
      case "kmalloc":
        args.size = s.size;
        args.gfp = "GFP_KERNEL";
        break;
      case "alloc_pages":
        args.order = s.order;
        args.gfp = "GFP_KERNEL";
        break;
      case "kfree":
      case "__free_pages":
        args.buf = s.buf;
        break;
      case "dma_map_single":
      case "dma_map_page":
        args.buf = s.buf;
        args.offset = s.offset ?? 0;
        args.size = s.size;
        args.dir = dirName(s.dir!);
        break;
      case "dma_map_sg":
        args.entries = s.entries!.map((e) => ({ buf: e.buf, offset: e.offset, length: e.length }));
        args.dir = dirName(s.dir!);
        break;
      case "device_write":
      case "device_read": {
        const dma = ss?.resolved.get(s.id);
        if (s.entry !== undefined) args.dma_addr = dma !== undefined ? hexAddr(dma) : "0x0";
        else args.map = s.map;
        args.offset = s.offset ?? 0;
        if (s.op === "device_write") args.data = hexSpec(s.data!);
        else args.length = s.length;
        break;
      }
      case "cpu_write":
        args.buf = s.buf;
        args.offset = s.offset ?? 0;
        args.data = hexSpec(s.data!);
        break;
      case "cpu_read":
        args.buf = s.buf;
        args.offset = s.offset ?? 0;
        args.length = s.length;
        break;
      default:
        args.map = s.map;
    }
    const st: Step = { op: s.op, args };
    if (s.as !== undefined) st.as = s.as;
    if (s.op === "cpu_read" || s.op === "device_read") {
      const want = ss?.expected.get(s.id);
      if (want && want.length > 0) st.expect = { data: hexSpec(want) };
    }
    out.push(st);
  }
  return out;
}

function makeScenario(env: Env, name: string, description: string, steps: readonly FuzzStep[], ss: Session | null): Scenario {
  const s: Scenario = {
    name,
    description,
    platform: env.platform.id,
    kernel: env.version.id,
    steps: exportSteps(steps, ss),
    // the replay fails on what the fuzzer counts as a failure: a fault, and a dma-debug report
    expect: { faults: "none", diagnostics: "none" },
  };
  if (env.set && Object.keys(env.set).length) s.config = { ...env.set };
  if (env.devName !== env.platform.defaultDevice) s.device = env.devName;
  return s;
}

/** A scenario as YAML, in the layout scenario files use (op first, then as, arguments, expect). */
export function scenarioToYaml(s: Scenario): string {
  const doc: Record<string, unknown> = { name: s.name };
  if (s.description) doc.description = s.description;
  if (s.platform) doc.platform = s.platform;
  if (s.kernel) doc.kernel = s.kernel;
  if (s.config) doc.config = s.config;
  if (s.device) doc.device = s.device;
  if (s.expect) doc.expect = s.expect;
  doc.steps = s.steps.map((st) => {
    const o: Record<string, unknown> = { op: st.op };
    if (st.as !== undefined) o.as = st.as;
    for (const [k, v] of Object.entries(st.args)) o[k] = v;
    if (st.expect) o.expect = st.expect;
    return o;
  });
  return stringify(doc, { lineWidth: 0 });
}

// ---------------------------------------------------------------------------------------------
// the run

interface EpochOptions {
  env: Env;
  maxBuffers: number;
  maxSize: number;
  mutate: FuzzOptions["mutate"];
  pool: ShadowPool;
}

/** One epoch: a fresh model, `budget` generated operations, teardown, leak check. Stops at the first failure. */
function runEpoch(eo: EpochOptions, rng: Rng, budget: number, keep: boolean): { ops: number; failure: Failure | null; steps: FuzzStep[] | null; session: Session } {
  const ss = new Session(eo.env, eo.pool, keep);
  const gen = new Generator(() => rng.next(), eo.maxBuffers, eo.maxSize);
  const steps: FuzzStep[] | null = keep ? [] : null;
  const mutate = eo.mutate;
  let ops = 0;
  let failure: Failure | null = null;
  const run = (batch: FuzzStep[]): boolean => {
    for (const s0 of batch) {
      let s = s0;
      if (mutate) {
        const m = mutate(s0);
        if (m === null) {
          if (s0.as !== undefined) throw new RangeError(`fuzz mutate: ${s0.op} names a result and cannot be skipped`);
          s = { ...s0, ghost: true };
        } else s = m;
      }
      if (steps) steps.push(s);
      ops++;
      try {
        failure = ss.apply(s);
      } catch (e) {
        if (e instanceof Invalid) failure = { kind: "crash", id: s.id, message: `fuzz generator produced an invalid step: ${e.message}` };
        else throw e;
      }
      if (failure) return false;
    }
    return true;
  };
  let id = 0;
  let ok = true;
  while (ok && id < budget) {
    const batch = gen.next(ss, id);
    id += batch.length;
    ok = run(batch);
  }
  if (ok && run(gen.teardown(ss, id))) failure = ss.checkNoLeak();
  return { ops, failure, steps, session: ss };
}

/**
 * Run `steps` random valid operations with invariant checks. Deterministic for the same options.
 * Throws InputError for an unknown platform, kernel, config key or device.
 */
export function runFuzz(o: FuzzOptions, now: () => number = () => 0): FuzzResult {
  const platform = resolvePlatform(o.platform);
  const version = resolveKernel(o.kernel);
  const { cfg } = buildConfig(platform, o.set);
  const devName = o.device && o.device !== "default" ? o.device : platform.defaultDevice;
  if (!platform.devices.some((d) => d.name === devName)) {
    throw new RangeError(`unknown device '${o.device}' on ${platform.id}`);
  }
  const env: Env = { platform, version, cfg, devName };
  if (o.set) env.set = o.set;
  const rng = new Rng(o.seed);
  const maxBuffers = o.maxBuffers ?? 24;
  const maxSize = o.maxSize ?? 256 * KiB;
  const epochLen = Math.max(1, o.epoch ?? 20_000);
  const stopOnFailure = o.stopOnFailure ?? true;
  const failures: FuzzFailure[] = [];
  const t0 = now();
  let ops = 0;
  let epochs = 0;
  let lastScenario: Scenario | undefined;
  let shrinkMs = 0;
  const pool = new ShadowPool();

  const fail = (epochSteps: FuzzStep[], f: Failure, globalBase: number) => {
    const s0 = now();
    const target = f;
    const small = o.shrink === false ? (f.kind === "leak" ? epochSteps.slice() : epochSteps.slice(0, epochSteps.findIndex((s) => s.id === f.id) + 1)) : shrink(env, epochSteps, target, o.shrinkBudget ?? 3000);
    const r = replay(env, small, f.kind === "leak", true);
    const message = r.failure?.message ?? f.message;
    const scenario = makeScenario(env, `fuzz seed ${o.seed}: ${f.kind} violation`, `dmasim fuzz --seed ${o.seed} --platform ${platform.id} --kernel ${version.id}${env.set ? Object.entries(env.set).map(([a, b]) => ` --set ${a}=${b}`).join("") : ""}: ${message}`, small, r.session);
    failures.push({ step: f.id < 0 ? globalBase + epochSteps.length - 1 : globalBase + f.id, kind: f.kind, message, scenario, shrunkFrom: epochSteps.length });
    shrinkMs += now() - s0;
  };

  const eo: EpochOptions = { env, maxBuffers, maxSize, mutate: o.mutate, pool };
  while (ops < o.steps) {
    epochs++;
    const base = ops;
    const budget = Math.min(epochLen, o.steps - ops);
    const start = rng.s;
    // Steps are kept only when asked for: on a failure the epoch is generated again from the PRNG
    // state it started with (the same operations), this time keeping them for shrinking.
    const r = runEpoch(eo, rng, budget, o.keepScenario === true);
    ops += r.ops;
    o.onEpoch?.(ops, o.steps);
    if (o.keepScenario) lastScenario = makeScenario(env, `fuzz seed ${o.seed} epoch ${epochs}`, `${r.steps!.length} operations`, r.steps!, r.session);
    if (r.failure) {
      const steps = r.steps ?? runEpoch({ ...eo, pool: new ShadowPool() }, new Rng(start), budget, true).steps!;
      fail(steps, r.failure, base);
      if (stopOnFailure) break;
    }
  }
  const res: FuzzResult = { ok: failures.length === 0, ops, epochs, seed: o.seed, platform: platform.id, kernel: version.id, failures, elapsedMs: now() - t0 - shrinkMs };
  if (lastScenario) res.scenario = lastScenario;
  return res;
}

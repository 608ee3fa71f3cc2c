/**
 * The scenario runner's object table and argument parsing: what each name (`as:`) stands for, a
 * step's context, and resolving a step's arguments and named references (bad input is an InputError).
 */
import { InputError, NotApplicable } from "../core/faults.js";
import { parseU64Big } from "../core/u64.js";
import type { Kernel } from "../kernel.js";
import type { Device } from "../drivers/device.js";
import type { Scatterlist, SgTable } from "../kernel/dma/ops.js";
import type { GrantMapping } from "../xen/grant-table.js";
import { DMA_ATTR_CPU_CACHE_CLEAN, DMA_ATTR_MMIO, GFP_KERNEL, parseAttrs, parseDir, parseGfp } from "../include/gfp.js";
import { dataBytes } from "./data.js";
import type { DataSpec, Step } from "./types.js";

export type Obj =
  | { kind: "coherent"; cpu_addr: number; dma_handle: number; size: number; attrs: number; freed: boolean }
  | { kind: "kbuf"; addr: number; size: number; alloc: "kmalloc" | "pages" | "vmalloc" | "stack" | "vmap"; page: number; order: number; freed: boolean }
  | { kind: "grant"; addr: number; size: number; page: number; grant: GrantMapping; freed: boolean }
  | { kind: "map"; dma_addr: number; size: number; dir: number; attrs: number; single: boolean; unmapped: boolean; bounced: boolean; resource?: true }
  | { kind: "sgmap"; sgl: Scatterlist[]; nents: number; mapped: number; dir: number; attrs: number; unmapped?: boolean; noncontig?: { sgt: SgTable; size: number } }
  | { kind: "umap"; vm_start: number; length: number }
  | { kind: "sgt"; sgt: SgTable; size: number }
  /** a dma_alloc_pages / dma_alloc_noncoherent buffer: cacheable kernel address, its pages and DMA handle */
  | { kind: "ncbuf"; addr: number; page: number; dma_handle: number; size: number; dir: number; api: "pages" | "noncoherent"; freed: boolean }
  /** what a name stands for when its step failed (returned NULL / an error): `of` is the kind it would have been */
  | { kind: "null"; of: Exclude<Obj["kind"], "null">; op: string; index: number; ret: string; alloc?: string };

/** The kind of thing each producing op names with `as`. */
export const PRODUCES: Record<string, Exclude<Obj["kind"], "null">> = {
  dma_alloc_coherent: "coherent", dma_alloc_attrs: "coherent", dma_get_sgtable: "sgt", dma_mmap_coherent: "umap", dma_mmap_attrs: "umap",
  kmalloc: "kbuf", vmalloc: "kbuf", alloc_pages: "kbuf", stack_buffer: "kbuf", gnttab_map: "grant",
  dma_map_single: "map", dma_map_page: "map", dma_map_phys: "map", dma_map_sg: "sgmap",
  dma_alloc_pages: "ncbuf", dma_alloc_noncoherent: "ncbuf", dma_map_resource: "map",
  dma_alloc_noncontiguous: "sgmap", dma_vmap_noncontiguous: "kbuf",
};

/**
 * A step that needs a thing its producing step did not produce (it returned NULL or an error):
 * what the kernel does with that value is not defined (an uninitialised dma_handle, a NULL
 * struct page, ...), so the step is reported as not run, naming the failed step.
 */
export class NotRun extends Error {
  readonly why: string;
  constructor(readonly src: { op: string; index: number; ret: string }) {
    super(`not run: step ${src.index} (${src.op}) returned ${src.ret}`);
    this.why = this.message;
  }
}

export const KIND_NAME: Record<Obj["kind"], string> = {
  coherent: "a coherent buffer",
  kbuf: "a kernel buffer",
  grant: "a grant-mapped foreign page",
  map: "a streaming mapping",
  sgmap: "an sg mapping",
  umap: "a user mapping",
  sgt: "an sg table",
  ncbuf: "a non-coherent DMA buffer",
  null: "a failed result",
};

export interface Ctx {
  k: Kernel;
  dev: Device;
  objs: Map<string, Obj>;
  step: Step;
  result: Record<string, string | number | boolean | null>;
  read?: Uint8Array;
  summary: string[];
  /** call succeeded (not NULL / error) */
  success: boolean;
  /** the step named its result (name() was called) */
  named?: boolean;
  bounced?: boolean;
}

/** The step argument an error is about (a key, or a path such as ["entries", 2, "buf"]): the runner places the error there when it can (runner.ts). */
export type StepField = string | readonly (string | number)[];

/**
 * What a run-time step error is about, for the runner to word its line as the parser does: `steps[N].field: msg`
 * (the step's path in the file, or its index in the run without a source), or `steps[N]: <op>: msg` for the step as a whole.
 */
export interface StepMsg {
  op: string;
  msg: string;
  field?: readonly (string | number)[];
  /** the step's index in the run (set by the runner) */
  index?: number;
}

/** An InputError (or NotApplicable) raised for a step: its message is worded by stepMessage once the step's index is known. */
export function withStepMsg<E extends InputError>(e: E, step: Step, msg: string, field?: StepField): E {
  const f = field === undefined ? undefined : typeof field === "string" ? [field] : field;
  return Object.assign(e, { stepMsg: { op: step.op, msg, ...(f ? { field: f } : {}) } as StepMsg }, f ? { field: f } : {});
}

/**
 * The line for a step error, in the parser's form: `<path>.<field>: msg` (a leading "<field>: " of msg is
 * not repeated), or `<path>: <op>: msg` without a field. `item` is the step's document path (["steps", 2],
 * or inside a repeat block ["steps", 1, "steps", 0]); without a source, ["steps", index].
 */
export function stepMessage(m: StepMsg, item: readonly (string | number)[] | undefined): string {
  const base = item ?? ["steps", m.index ?? 0];
  if (!m.field) return `${fmtStepPath(base)}: ${m.op}: ${m.msg}`;
  const last = m.field[m.field.length - 1];
  const msg = typeof last === "string" && m.msg.startsWith(`${last}: `) ? m.msg.slice(last.length + 2) : m.msg;
  return `${fmtStepPath([...base, ...m.field])}: ${msg}`;
}

/** steps[2].entries[0].buf (parse.ts fmtPath's form, without loading the reader) */
function fmtStepPath(path: readonly (string | number)[]): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s ? `.${p}` : p;
  return s;
}

/** Bad input found while running a step: `steps[N].field: msg` at that argument's value, or `steps[N]: <op>: msg` at the step. */
export function err(step: Step, msg: string, field?: StepField): never {
  throw withStepMsg(new InputError(`steps: ${step.op}: ${msg}`, { line: step.line, col: step.col }), step, msg, field);
}

export function arg<T = unknown>(c: Ctx, name: string): T | undefined {
  return c.step.args[name] as T | undefined;
}

export function num(c: Ctx, name: string, dflt?: number): number {
  const v = c.step.args[name];
  if (v === undefined || v === null) {
    if (dflt === undefined) err(c.step, `missing argument '${name}'`);
    return dflt;
  }
  // `size` is a size_t argument of the kernel call: 32 bits on ARM32, where a larger value wraps
  if (typeof v === "number") return name === "size" && c.k.arch.name === "arm" ? v % 2 ** 32 : v;
  try {
    return Number(parseU64Big(v as string));
  } catch (e) {
    err(c.step, `${name}: ${(e as Error).message}`, name);
  }
}

/** The NULL result a name stands for, if its step failed and it is of one of `kinds` (else undefined). */
export function nullRef(c: Ctx, name: string, ...kinds: Exclude<Obj["kind"], "null">[]): Extract<Obj, { kind: "null" }> | undefined {
  const n = c.step.args[name];
  const o = typeof n === "string" ? c.objs.get(n) : undefined;
  return o && o.kind === "null" && kinds.includes(o.of) ? o : undefined;
}

export function ref<K extends Exclude<Obj["kind"], "null">>(c: Ctx, name: string, ...kinds: K[]): Extract<Obj, { kind: K }> {
  const n = c.step.args[name];
  if (typeof n !== "string") err(c.step, `missing argument '${name}'`);
  const o = c.objs.get(n);
  if (!o) err(c.step, `${name}: no earlier step named '${n}'`, name);
  if (o.kind === "null" && (kinds as string[]).includes(o.of)) throw new NotRun(o);
  if (o.kind === "null") err(c.step, `${name}: '${n}' is ${KIND_NAME[o.of]}, not ${kinds.map((x) => KIND_NAME[x]).join(" or ")}`, name);
  if (!kinds.includes(o.kind as K)) err(c.step, `${name}: '${n}' is ${KIND_NAME[o.kind]}, not ${kinds.map((x) => KIND_NAME[x]).join(" or ")}`, name);
  return o as Extract<Obj, { kind: K }>;
}

export function gfpArg(c: Ctx, dflt = GFP_KERNEL): number {
  const v = arg<string | number>(c, "gfp");
  if (v === undefined) return dflt;
  try {
    return parseGfp(v, c.k.version.id);
  } catch (e) {
    err(c.step, (e as Error).message, "gfp");
  }
}

export function dirArg(c: Ctx, dflt?: number): number {
  const v = arg<string | number>(c, "dir");
  if (v === undefined) {
    if (dflt === undefined) err(c.step, "missing argument 'dir'");
    return dflt;
  }
  try {
    return parseDir(v);
  } catch (e) {
    err(c.step, (e as Error).message, "dir");
  }
}

export function attrsArg(c: Ctx, dflt = 0): number {
  const v = arg<string | number>(c, "attrs");
  if (v === undefined) return dflt;
  let a: number;
  try {
    a = parseAttrs(v);
  } catch (e) {
    err(c.step, (e as Error).message, "attrs");
  }
  // include/linux/dma-mapping.h: DMA_ATTR_MMIO exists from 6.18 (eadaa8b255f3)
  if (a & DMA_ATTR_MMIO && !c.k.sw["eadaa8b255f3"]) notInVersion(c, `attrs: DMA_ATTR_MMIO is not in Linux ${c.k.version.id} (it came in 6.18 with eadaa8b255f3)`, "attrs");
  // include/linux/dma-mapping.h: DMA_ATTR_CPU_CACHE_CLEAN exists in 6.18.35 (61868dc55a11, mainline 7.0, backported)
  if (a & DMA_ATTR_CPU_CACHE_CLEAN && !c.k.sw["61868dc55a11"]) notInVersion(c, `attrs: DMA_ATTR_CPU_CACHE_CLEAN is not in Linux ${c.k.version.id} (61868dc55a11, mainline 7.0; backported to 6.18)`, "attrs");
  return a;
}

/**
 * An op or argument the run's kernel does not have: one input-error line naming the version (exit
 * 2 from `run`); `matrix` shows the cell as N/A, like a device the platform lacks. At the step (an
 * op the kernel lacks), or at the argument `field`.
 */
export function notInVersion(c: Ctx, msg: string, field: StepField = "op", subject = ""): never {
  const text = `steps: ${c.step.op}: ${msg}`;
  // `subject` starts the run's line where the message needs it ("dma_map_phys is "); the matrix's N/A reason is msg as is
  throw withStepMsg(new NotApplicable(c.k.platform.id, msg, { line: c.step.line, col: c.step.col }, text), c.step, subject + msg, field);
}

export function name(c: Ctx, o: Obj) {
  c.named = true;
  if (!c.step.as) return;
  c.objs.set(c.step.as, o);
}

export function bytesArg(c: Ctx): Uint8Array {
  const d = arg<DataSpec>(c, "data");
  if (d === undefined) err(c.step, "missing argument 'data'");
  try {
    return dataBytes(d);
  } catch (e) {
    err(c.step, `data: ${(e as Error).message}`, "data");
  }
}

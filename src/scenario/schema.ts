/**
 * Scenario format v1: the zod schema (validation, editor completion via JSON Schema).
 *
 * One strict object per op, keyed by `op`, with the kernel's argument names (DESIGN.md, "Scenario
 * files"). parse.ts validates with the per-op schemas in OP_SCHEMAS (so an error names the op and
 * the key) and converts the arguments; `scenarioJsonSchema()` publishes the whole thing as
 * schema/scenario.schema.json (`npm run schema`).
 *
 * Argument values as the runner receives them in `Step.args` (parse.ts converts):
 *
 * | argument | in the file | in Step.args |
 * |---|---|---|
 * | `size`, `offset`, `length`, `pgoff`, `nents`, `order`, `bits`, `domain`, `gref` | number or "64K" / "0x1000" / "4096" | number |
 * | `dma_addr` | number or hex string | number (dmasim's signed 64-bit form, see core/u64.ts) when exact there, else bigint (the unsigned value) |
 * | `mask` | number or hex string | bigint (exact: masks can be 64 bits wide) |
 * | `gfp` | "GFP_KERNEL\|__GFP_ZERO" or a number | number (parseGfp) |
 * | `dir` | "DMA_TO_DEVICE", ... | number (enum dma_data_direction, parseDir) |
 * | `attrs` | "DMA_ATTR_WRITE_COMBINE\|..." or a number | number (parseAttrs) |
 * | `data` | DataSpec | DataSpec, with `fill` and `length` as numbers |
 * | `buf`, `map`, `sgt` | a name given by an earlier step's `as` | string |
 * | `entries` | [{ buf, offset?, length }] | [{ buf: string, offset?: number, length: number }] |
 *
 * Absent optional arguments stay absent (the runner applies the kernel's defaults: offset 0, the
 * mapping's own size/dir for unmap and sync, gfp GFP_KERNEL, attrs 0).
 */
import { z } from "zod";
import { parseU64Big } from "../core/u64.js";
import { ATTR_NAMES, DIR_NAMES, GFP_NAMES, parseAttrs, parseGfp } from "../include/gfp.js";
import { PLATFORMS } from "../platforms/index.js";
import { VERSIONS } from "../versions.js";
import { parseHexBytes } from "./data.js";
import { MAX_NAME, MAX_STEPS, shown } from "./limits.js";
import { DEVICE_ROLES } from "../platforms/platform.js";
import { ATTRS_USE, flagHint, GFP_USE } from "./suggest.js";

/* ------------------------------------------------------------------------------------------ */
/* Ops                                                                                          */
/* ------------------------------------------------------------------------------------------ */

export const OPS = [
  "dma_set_mask_and_coherent", "dma_set_mask", "dma_set_coherent_mask", "dma_set_min_align_mask",
  "dma_set_seg_boundary", "dma_set_max_seg_size",
  "dma_alloc_coherent", "dma_alloc_attrs", "dma_free_coherent", "dma_free_attrs",
  "dma_mmap_coherent", "dma_mmap_attrs", "dma_get_sgtable",
  "dma_map_single", "dma_map_page", "dma_unmap_single", "dma_unmap_page", "dma_map_sg", "dma_unmap_sg",
  "dma_map_phys", "dma_unmap_phys",
  "dma_sync_single_for_cpu", "dma_sync_single_for_device", "dma_sync_sg_for_cpu", "dma_sync_sg_for_device",
  "dma_mapping_error", "dma_max_mapping_size",
  "dma_alloc_pages", "dma_free_pages", "dma_alloc_noncoherent", "dma_free_noncoherent",
  "dma_map_resource", "dma_unmap_resource", "dma_opt_mapping_size",
  "kmalloc", "kfree", "alloc_pages", "__free_pages", "vmalloc", "vfree", "stack_buffer",
  "cpu_write", "cpu_read", "device_write", "device_read", "user_write", "user_read", "sg_read",
  "driver_unbind", "gnttab_map", "gnttab_unmap", "remap_pfn_range", "msleep",
  "dma_alloc_noncontiguous", "dma_free_noncontiguous", "dma_vmap_noncontiguous", "dma_vunmap_noncontiguous",
] as const;
export type OpName = (typeof OPS)[number];

export function isOp(s: string): s is OpName {
  return (OPS as readonly string[]).includes(s);
}

/**
 * What a name given with `as` stands for. A reference must name a thing of the right kind.
 * - coherent: a coherent buffer (dma_alloc_*: CPU address + DMA handle)
 * - kbuf: a kernel buffer (kmalloc, alloc_pages, vmalloc, stack_buffer)
 * - grant: a kernel buffer backed by a foreign page (gnttab_map)
 * - map: a streaming mapping (dma_map_single, dma_map_page, dma_map_phys)
 * - sgmap: an sg mapping (dma_map_sg)
 * - umap: a user mapping (dma_mmap_*)
 * - sgt: an sg table (dma_get_sgtable)
 */
export type RefKind = "coherent" | "kbuf" | "grant" | "map" | "sgmap" | "umap" | "sgt" | "ncbuf";

export const REF_KIND_NAMES: Record<RefKind, string> = {
  coherent: "a coherent buffer (from dma_alloc_coherent/dma_alloc_attrs)",
  kbuf: "a kernel buffer (from kmalloc/alloc_pages/vmalloc/stack_buffer/dma_vmap_noncontiguous)",
  grant: "a granted foreign page (from gnttab_map)",
  map: "a streaming mapping (from dma_map_single/dma_map_page/dma_map_phys)",
  sgmap: "an sg mapping (from dma_map_sg/dma_alloc_noncontiguous)",
  umap: "a user mapping (from dma_mmap_coherent/dma_mmap_attrs)",
  sgt: "an sg table (from dma_get_sgtable)",
  ncbuf: "a non-coherent DMA buffer (from dma_alloc_pages/dma_alloc_noncoherent)",
};

/** Reference arguments (the argument names that take an `as` name). */
export const REF_ARGS = ["buf", "map", "sgt"] as const;
export type RefArg = (typeof REF_ARGS)[number];

/* ------------------------------------------------------------------------------------------ */
/* Value schemas                                                                                */
/* ------------------------------------------------------------------------------------------ */

const K = 1n << 10n;
const M = 1n << 20n;
const G = 1n << 30n;
const T = 1n << 40n;
/** The largest size any scenario may ask for (1 TiB). */
export const MAX_SIZE = T;
/** The largest buffer a data step may read or write (bytes are materialised). */
export const MAX_DATA = 256n * M;

/** Print a bound the way a user would write it: 1T, 256M, 4K, or decimal. */
function fmtBound(v: bigint): string {
  for (const [s, u] of [["T", T], ["G", G], ["M", M], ["K", K]] as const) if (v >= u && v % u === 0n) return `${v / u}${s}`;
  if (v >= 0x10000n) return "0x" + v.toString(16);
  return v.toString();
}

function showValue(v: unknown): string {
  return typeof v === "string" ? `'${v}'` : String(v);
}

/** In a repeat block a value may be a template (`${i * 64}`, `${i}K`), checked once expanded. */
const TEMPLATE_ALT = "|.*\\$\\{.*\\}.*";
const NUMBER_PATTERN = "^(\\s*(0[xX][0-9a-fA-F_]+|0[bB][01_]+|[0-9_]+)\\s*([kKmMgGtT]([iI]?[bB])?)?\\s*$" + TEMPLATE_ALT + ")$";

interface NumOpts {
  /** JSON Schema $defs name */
  id: string;
  min: bigint;
  max: bigint;
  /** replaces "too small" wording, e.g. "an allocation needs at least 1 byte" */
  tooSmall?: string;
  tooBig?: string;
  description: string;
  examples?: (string | number)[];
}

/** Check a numeric argument; returns its exact value or an error message. */
export function checkNum(v: unknown, o: Pick<NumOpts, "min" | "max" | "tooSmall" | "tooBig">): bigint | string {
  if (typeof v !== "number" && typeof v !== "string") return `expected a number or a string such as "64K" or "0x1000", got ${describe(v)}`;
  let n: bigint;
  try {
    if (typeof v === "number" && !Number.isInteger(v)) return `${v} is not a whole number`;
    n = parseU64Big(v);
  } catch (e) {
    return (e as Error).message;
  }
  if (n < 0n) return `${showValue(v)} is negative`;
  if (n < o.min) return `${showValue(v)} is too small (${o.tooSmall ?? `at least ${fmtBound(o.min)}`})`;
  if (n > o.max) return `${showValue(v)} is too large (${o.tooBig ?? `at most ${fmtBound(o.max)}`})`;
  return n;
}

/** A number given as a number or a string (decimal, 0x hex, K/M/G/T suffix), range-checked. */
function num(o: NumOpts) {
  return z
    .union([z.number(), z.string()], { error: (iss) => `expected a number or a string such as "64K" or "0x1000", got ${describe(iss.input)}` })
    .superRefine((v, ctx) => {
      const r = checkNum(v, o);
      if (typeof r === "string") ctx.addIssue({ code: "custom", message: r });
    })
    .meta({ id: o.id, description: o.description, pattern: NUMBER_PATTERN, ...(o.examples ? { examples: o.examples } : {}) });
}

/** Short description of a value for messages ("a mapping", "'12Q'", "true"). */
export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "an empty value";
  if (Array.isArray(v)) return "a list";
  // YAML's !!binary and !!timestamp tags give bytes and a Date, not a mapping
  if (v instanceof Uint8Array) return "binary data (!!binary)";
  if (v instanceof Date) return "a date (!!timestamp)";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `'${shown(v)}'`;
  return String(v);
}

const allocSize = num({ id: "alloc_size", min: 1n, max: MAX_SIZE, tooSmall: "an allocation needs at least 1 byte", description: "allocation size in bytes", examples: ["64K", 4096, "0x1000"] });
const mapSize = num({ id: "size", min: 0n, max: MAX_SIZE, description: "size in bytes", examples: [4096, "64K"] });
const offset = num({ id: "offset", min: 0n, max: MAX_SIZE, description: "byte offset", examples: [0, "0x100"] });
const dataLengthArg = num({ id: "read_length", min: 1n, max: MAX_DATA, tooBig: `at most ${fmtBound(MAX_DATA)} per data step`, description: "number of bytes to read", examples: [5, "4K"] });
const mmapLength = num({ id: "mmap_length", min: 1n, max: MAX_SIZE, description: "length of the user mapping in bytes (default: the buffer's size)", examples: ["64K"] });
const sgLength = num({ id: "sg_length", min: 0n, max: MAX_SIZE, description: "length of this sg entry in bytes", examples: [4096] });
const pgoff = num({ id: "pgoff", min: 0n, max: MAX_SIZE, description: "vma->vm_pgoff: offset into the buffer in pages", examples: [0] });
const nents = num({ id: "nents", min: 0n, max: 65536n, description: "number of sg entries passed (default: the number mapped)" });
const order = num({ id: "order", min: 0n, max: 20n, description: "allocation order (2^order pages)", examples: [0, 4] });
const bits = num({ id: "bits", min: 0n, max: 64n, description: "mask width: DMA_BIT_MASK(bits)", examples: [32, 64] });
const mask = num({ id: "mask", min: 0n, max: (1n << 64n) - 1n, description: "a 64-bit mask (hex)", examples: ["0xffffffff"] });
const maxSegSize = num({ id: "max_seg_size", min: 1n, max: 0xffffffffn, description: "dma_parms max_segment_size (unsigned int)", examples: ["64K"] });
const physAddr = num({ id: "phys", min: 0n, max: (1n << 52n) - 1n, description: "a CPU physical address (e.g. a peer device's BAR)", examples: ["0xfe204000"] });
const dmaAddr = num({ id: "dma_addr", min: 0n, max: (1n << 64n) - 1n, description: "a DMA (bus) address", examples: ["0xc0001000"] });
const domain = num({ id: "domain", min: 0n, max: 0x7fefn, description: "the granting domain's id (domid_t)", examples: [1] });
const gref = num({ id: "gref", min: 0n, max: 0xffffffffn, description: "the grant reference", examples: [8] });

function flagPattern(names: string[]): string {
  const alt = `(${names.join("|")}|0[xX][0-9a-fA-F]+|[0-9]+)`;
  return `^\\s*${alt}(\\s*\\|\\s*${alt})*\\s*$`;
}

const gfp = z
  .union([z.number().int().nonnegative(), z.string()], { error: (iss) => `expected gfp flags such as "GFP_KERNEL|__GFP_ZERO", got ${describe(iss.input)}` })
  .superRefine((v, ctx) => {
    try {
      parseGfp(v);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: `${(e as Error).message}${flagHint(e, Object.keys(GFP_NAMES), GFP_USE)}` });
    }
  })
  .meta({ id: "gfp", description: "gfp flags, e.g. GFP_KERNEL or GFP_ATOMIC|__GFP_ZERO (default GFP_KERNEL)", pattern: flagPattern(Object.keys(GFP_NAMES)), examples: ["GFP_KERNEL", "GFP_ATOMIC"] });

const attrs = z
  .union([z.number().int().nonnegative(), z.string()], { error: (iss) => `expected DMA attributes such as "DMA_ATTR_WRITE_COMBINE", got ${describe(iss.input)}` })
  .superRefine((v, ctx) => {
    try {
      parseAttrs(v);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: `${(e as Error).message}${flagHint(e, Object.keys(ATTR_NAMES), ATTRS_USE)}` });
    }
  })
  .meta({ id: "attrs", description: "DMA attributes, e.g. DMA_ATTR_NO_KERNEL_MAPPING|DMA_ATTR_WRITE_COMBINE (default 0)", pattern: flagPattern(["0", ...Object.keys(ATTR_NAMES)]), examples: ["DMA_ATTR_NO_KERNEL_MAPPING"] });

const dir = z
  .enum(DIR_NAMES, { error: (iss) => `${describe(iss.input)} is not a DMA direction (use ${DIR_NAMES.join(", ")})` })
  .meta({ id: "dir", description: "enum dma_data_direction" });

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const name = (id: string, what: string) =>
  z
    .string({ error: (iss) => `expected a name, got ${describe(iss.input)}` })
    .regex(NAME_RE, { error: (iss) => `${describe(iss.input)} is not a valid name (letters, digits, _ . -; not starting with a digit)` })
    .max(MAX_NAME, { error: (iss) => `the name is longer than ${MAX_NAME} characters (${String((iss.input as string).length)})` })
    .meta({ id, description: what, pattern: `^([A-Za-z_][A-Za-z0-9_.-]*${TEMPLATE_ALT})$` });

const asName = name("as_name", "name this step's result so later steps can use it (unique in the scenario)");
const bufRef = name("buf_ref", "a buffer named by an earlier step's `as`");
const mapRef = name("map_ref", "a mapping named by an earlier step's `as`");
const sgtRef = name("sgt_ref", "an sg table named by an earlier step's `as`");

const hexData = z
  .string({ error: (iss) => `expected a hex string such as "de ad be ef", got ${describe(iss.input)}` })
  .superRefine((v, ctx) => {
    const r = parseHexBytes(v);
    if (typeof r === "string") ctx.addIssue({ code: "custom", message: r });
  });

export const dataSpecSchema = z
  .union(
    [
      z.string().meta({ description: "text (UTF-8 bytes)" }),
      z.strictObject({ hex: hexData }).meta({ description: "bytes in hex: { hex: \"de ad be ef\" }" }),
      z
        .strictObject({
          fill: num({ id: "fill_byte", min: 0n, max: 255n, description: "the byte value", examples: ["0xa5"] }),
          length: num({ id: "fill_length", min: 1n, max: MAX_DATA, description: "how many bytes", examples: [4096] }),
        })
        .meta({ description: "a repeated byte: { fill: 0xa5, length: 4096 }" }),
    ],
    { error: (iss) => `expected data as text, { hex: "de ad be ef" } or { fill: 0xa5, length: 4096 }, got ${describe(iss.input)}` },
  )
  .meta({ id: "data", description: "bytes: text, { hex: \"de ad be ef\" } or { fill: 0xa5, length: 4096 }" });

export const ADDR_KINDS = ["linear", "vmalloc", "page_cookie", "ioremap", "null", "other"] as const;
export const FAULT_KINDS = ["none", "oops", "bug", "panic", "warn", "sigbus", "sigsegv", "bus_error", "soft_lockup", "hang", "bad_page", "kasan", "slub"] as const;

const enumOf = <const T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z.enum(values, { error: (iss) => `${describe(iss.input)} is not ${what} (use ${values.join(", ")})` });

const bool = (what: string) => z.boolean({ error: (iss) => `expected true or false, got ${describe(iss.input)}` }).meta({ description: what });

export const stepExpectSchema = z
  .strictObject({
    ok: bool("the step succeeds (no failure return, no fault)").optional(),
    returns: z
      // `returns: NULL` unquoted is YAML's null: it means NULL (the only reading a scenario can have)
      .union([z.string().regex(/^[\x20-\x7e]*$/, { error: "expected a return value in printable characters" }), z.number(), z.null()], { error: (iss) => `expected a return value such as NULL, DMA_MAPPING_ERROR, -ENXIO or 0, got ${describe(iss.input)}` })
      .meta({ description: "the call's return value: NULL (quoted or not), DMA_MAPPING_ERROR, -ENXIO, 0, ...", examples: ["NULL", "DMA_MAPPING_ERROR", "-ENXIO", "0"] })
      .optional(),
    data: dataSpecSchema.optional(),
    // `addr_kind: null` unquoted is YAML's null: it means the kind "null" (a NULL return)
    addr_kind: z
      .union([enumOf(ADDR_KINDS, "an address kind"), z.null()], { error: (iss) => `${describe(iss.input)} is not an address kind (use ${ADDR_KINDS.join(", ")})` })
      .meta({ description: "the kind of CPU address returned (null: a NULL return, quoted or not)" })
      .optional(),
    fault: enumOf(FAULT_KINDS, "a fault kind").meta({ description: "the fault this step causes" }).optional(),
    diagnostic: z
      .string({ error: (iss) => `expected a diagnostic id such as D08, got ${describe(iss.input)}` })
      .regex(/^(D\d\d|none)$/, { error: (iss) => `${describe(iss.input)} is not a diagnostic id (D01..D26) or none` })
      .meta({ description: "a CONFIG_DMA_API_DEBUG finding this step triggers (D-id), or none: the step must trigger none", examples: ["D08", "none"] })
      .optional(),
    bounced: bool("the mapping went through a bounce buffer").optional(),
    log: z
      .string({ error: (iss) => `expected text from a kernel log line, got ${describe(iss.input)}` })
      .min(1, { error: "expected text from a kernel log line (not empty)" })
      .meta({ description: "text of a kernel log line (printk, dev_warn, dev_err …, not a WARN splat) this step prints; none: it prints none", examples: ["swiotlb buffer is full", "none"] })
      .optional(),
  })
  .meta({ id: "step_expect", description: "what this step must do; a mismatch fails the run" });

/* ------------------------------------------------------------------------------------------ */
/* Per-op argument tables                                                                       */
/* ------------------------------------------------------------------------------------------ */

export interface OpSpec {
  /** one line, for the JSON Schema and `dmasim explain` */
  summary: string;
  /** argument name → schema; required arguments are listed in `required` */
  args: Record<string, z.ZodType>;
  required: readonly string[];
  /** what a name given with `as` stands for; absent = the op returns nothing to name */
  produces?: RefKind;
  /** reference arguments and the kinds they accept */
  refs?: Partial<Record<RefArg, readonly RefKind[]>>;
  /** groups of which exactly one argument must be given */
  exactlyOne?: readonly (readonly string[])[];
  /** a read step: may carry expect.data */
  read?: boolean;
}

const CPU_BUFFERS: readonly RefKind[] = ["kbuf", "grant", "coherent", "ncbuf"];
const KERNEL_BUFFERS: readonly RefKind[] = ["kbuf", "grant"];

const maskArgs = (what: string): OpSpec => ({
  summary: what,
  args: { bits, mask },
  required: [],
  exactlyOne: [["bits", "mask"]],
});

const sgEntry = z
  .strictObject({ buf: bufRef, offset: offset.optional(), length: sgLength })
  .meta({ id: "sg_entry", description: "one scatterlist entry: a piece of a buffer" });

const entries = z
  .array(sgEntry, { error: (iss) => `expected a list of { buf, offset, length }, got ${describe(iss.input)}` })
  .min(1, { error: "needs at least one entry" })
  .max(1024, { error: "at most 1024 entries" });

export const OP_SPECS: Record<OpName, OpSpec> = {
  dma_set_mask_and_coherent: maskArgs("set the device's streaming and coherent DMA masks"),
  dma_set_mask: maskArgs("set the device's streaming DMA mask"),
  dma_set_coherent_mask: maskArgs("set the device's coherent DMA mask"),
  dma_set_min_align_mask: { summary: "set dma_parms min_align_mask", args: { mask }, required: ["mask"] },
  dma_set_seg_boundary: { summary: "set dma_parms segment_boundary_mask", args: { mask }, required: ["mask"] },
  dma_set_max_seg_size: { summary: "set dma_parms max_segment_size", args: { size: maxSegSize }, required: ["size"] },

  dma_alloc_coherent: { summary: "allocate a coherent buffer", args: { size: allocSize, gfp }, required: ["size"], produces: "coherent" },
  dma_alloc_attrs: { summary: "allocate a coherent buffer with DMA attributes", args: { size: allocSize, gfp, attrs }, required: ["size"], produces: "coherent" },
  dma_alloc_noncontiguous: { summary: "allocate pages the device sees as one DMA range, maybe physically scattered (5.14+)", args: { size: allocSize, dir, gfp, attrs }, required: ["size", "dir"], produces: "sgmap" },
  dma_free_noncontiguous: { summary: "free a dma_alloc_noncontiguous allocation (5.14+)", args: { map: mapRef }, required: ["map"], refs: { map: ["sgmap"] } },
  dma_vmap_noncontiguous: { summary: "a kernel mapping of a dma_alloc_noncontiguous allocation (5.14+)", args: { map: mapRef }, required: ["map"], produces: "kbuf", refs: { map: ["sgmap"] } },
  dma_vunmap_noncontiguous: { summary: "drop the kernel mapping dma_vmap_noncontiguous made (5.14+)", args: { buf: bufRef }, required: ["buf"], refs: { buf: ["kbuf"] } },
  dma_free_coherent: { summary: "free a coherent buffer (size and offset default to the allocation's, so misuse can be written)", args: { buf: bufRef, size: allocSize, offset }, required: ["buf"], refs: { buf: ["coherent"] } },
  dma_free_attrs: { summary: "free a coherent buffer allocated with attributes (size and offset default to the allocation's)", args: { buf: bufRef, size: allocSize, offset, attrs }, required: ["buf"], refs: { buf: ["coherent"] } },
  dma_mmap_coherent: { summary: "map a coherent buffer into user space", args: { buf: bufRef, pgoff, length: mmapLength }, required: ["buf"], produces: "umap", refs: { buf: ["coherent"] } },
  dma_mmap_attrs: { summary: "map a coherent buffer into user space, with attributes", args: { buf: bufRef, pgoff, length: mmapLength, attrs }, required: ["buf"], produces: "umap", refs: { buf: ["coherent"] } },
  dma_get_sgtable: { summary: "describe a coherent buffer's pages as an sg table", args: { buf: bufRef }, required: ["buf"], produces: "sgt", refs: { buf: ["coherent"] } },

  dma_map_single: { summary: "map a kernel buffer for streaming DMA", args: { buf: bufRef, offset, size: mapSize, dir, attrs }, required: ["buf", "size", "dir"], produces: "map", refs: { buf: CPU_BUFFERS } },
  dma_map_page: { summary: "map a buffer's page for streaming DMA", args: { buf: bufRef, offset, size: mapSize, dir, attrs }, required: ["buf", "size", "dir"], produces: "map", refs: { buf: CPU_BUFFERS } },
  dma_unmap_single: {
    summary: "unmap a streaming mapping (size/dir default to the mapping's); `buf` unmaps a coherent buffer's handle, `map` may name an sg mapping's first entry (misuse)",
    args: { map: mapRef, buf: bufRef, size: mapSize, dir, attrs },
    required: [],
    refs: { map: ["map", "sgmap"], buf: ["coherent"] },
    exactlyOne: [["map", "buf"]],
  },
  dma_unmap_page: {
    summary: "unmap a streaming page mapping (size/dir default to the mapping's); `buf` unmaps a coherent buffer's handle (misuse)",
    args: { map: mapRef, buf: bufRef, size: mapSize, dir, attrs },
    required: [],
    refs: { map: ["map", "sgmap"], buf: ["coherent"] },
    exactlyOne: [["map", "buf"]],
  },
  dma_map_phys: {
    summary: "map a physical address for streaming DMA (6.18+): a buffer's (`buf` + `offset`) or any (`phys`, e.g. MMIO with DMA_ATTR_MMIO)",
    args: { buf: bufRef, phys: physAddr, offset, size: mapSize, dir, attrs },
    required: ["size", "dir"],
    produces: "map",
    refs: { buf: CPU_BUFFERS },
    exactlyOne: [["buf", "phys"]],
  },
  dma_unmap_phys: {
    summary: "unmap a dma_map_phys mapping (6.18+; size/dir/attrs default to the mapping's)",
    args: { map: mapRef, size: mapSize, dir, attrs },
    required: ["map"],
    refs: { map: ["map"] },
  },
  dma_map_sg: { summary: "map a scatterlist for streaming DMA", args: { entries, dir, attrs }, required: ["entries", "dir"], produces: "sgmap" },
  dma_unmap_sg: { summary: "unmap an sg mapping", args: { map: mapRef, nents, dir }, required: ["map"], refs: { map: ["sgmap"] } },

  dma_sync_single_for_cpu: { summary: "give a streaming mapping (or a dma_alloc_pages/dma_alloc_noncoherent buffer) back to the CPU", args: { map: mapRef, offset, size: mapSize, dir }, required: ["map"], refs: { map: ["map", "ncbuf"] } },
  dma_sync_single_for_device: { summary: "give a streaming mapping (or a dma_alloc_pages/dma_alloc_noncoherent buffer) back to the device", args: { map: mapRef, offset, size: mapSize, dir }, required: ["map"], refs: { map: ["map", "ncbuf"] } },
  dma_sync_sg_for_cpu: { summary: "give an sg mapping back to the CPU", args: { map: mapRef, nents, dir }, required: ["map"], refs: { map: ["sgmap"] } },
  dma_sync_sg_for_device: { summary: "give an sg mapping back to the device", args: { map: mapRef, nents, dir }, required: ["map"], refs: { map: ["sgmap"] } },
  dma_mapping_error: { summary: "check a streaming mapping's handle", args: { map: mapRef }, required: ["map"], refs: { map: ["map"] } },
  dma_max_mapping_size: { summary: "the largest mapping the device's DMA path can serve", args: {}, required: [] },
  dma_opt_mapping_size: { summary: "the largest mapping that costs no more than a small one (6.0+; 5.15.y backport)", args: {}, required: [] },
  dma_alloc_pages: { summary: "allocate pages for non-coherent DMA (5.10+): cacheable, the driver syncs them", args: { size: allocSize, dir, gfp }, required: ["size", "dir"], produces: "ncbuf" },
  dma_free_pages: { summary: "free a dma_alloc_pages buffer", args: { buf: bufRef }, required: ["buf"], refs: { buf: ["ncbuf"] } },
  dma_alloc_noncoherent: { summary: "allocate a non-coherent DMA buffer (5.10+): page_address(dma_alloc_pages())", args: { size: allocSize, dir, gfp }, required: ["size", "dir"], produces: "ncbuf" },
  dma_free_noncoherent: { summary: "free a dma_alloc_noncoherent buffer", args: { buf: bufRef }, required: ["buf"], refs: { buf: ["ncbuf"] } },
  dma_map_resource: { summary: "map an MMIO (non-RAM) physical range for a device, e.g. another device's FIFO", args: { phys_addr: num({ id: "phys_addr", min: 0n, max: (1n << 64n) - 1n, description: "a physical address (MMIO)", examples: ["0xfe201000"] }), size: mapSize, dir, attrs }, required: ["phys_addr", "size", "dir"], produces: "map" },
  dma_unmap_resource: { summary: "unmap a dma_map_resource mapping (size/dir default to the mapping's)", args: { map: mapRef, size: mapSize, dir, attrs }, required: ["map"], refs: { map: ["map"] } },

  kmalloc: { summary: "allocate a kernel buffer (slab, linear map)", args: { size: allocSize, gfp }, required: ["size"], produces: "kbuf" },
  kfree: { summary: "free a kmalloc buffer", args: { buf: bufRef }, required: ["buf"], refs: { buf: KERNEL_BUFFERS } },
  alloc_pages: { summary: "allocate 2^order pages", args: { order, gfp }, required: ["order"], produces: "kbuf" },
  __free_pages: { summary: "free pages from alloc_pages", args: { buf: bufRef }, required: ["buf"], refs: { buf: KERNEL_BUFFERS } },
  vmalloc: { summary: "allocate a virtually contiguous kernel buffer", args: { size: allocSize }, required: ["size"], produces: "kbuf" },
  vfree: { summary: "free a vmalloc buffer", args: { buf: bufRef }, required: ["buf"], refs: { buf: KERNEL_BUFFERS } },
  stack_buffer: { summary: "a buffer on the task's (vmapped) stack", args: { size: allocSize }, required: ["size"], produces: "kbuf" },

  cpu_write: { summary: "the CPU writes through the buffer's kernel address (via the cache)", args: { buf: bufRef, offset, data: dataSpecSchema }, required: ["buf", "data"], refs: { buf: CPU_BUFFERS } },
  cpu_read: { summary: "the CPU reads through the buffer's kernel address (via the cache)", args: { buf: bufRef, offset, length: dataLengthArg }, required: ["buf", "length"], refs: { buf: CPU_BUFFERS }, read: true },
  device_write: {
    summary: "the device writes at a bus address (a coherent buffer's handle, a mapping's address, or dma_addr)",
    args: { buf: bufRef, map: mapRef, dma_addr: dmaAddr, offset, data: dataSpecSchema },
    required: ["data"],
    refs: { buf: ["coherent", "ncbuf"], map: ["map", "sgmap"] },
    exactlyOne: [["buf", "map", "dma_addr"]],
  },
  device_read: {
    summary: "the device reads at a bus address (a coherent buffer's handle, a mapping's address, or dma_addr)",
    args: { buf: bufRef, map: mapRef, dma_addr: dmaAddr, offset, length: dataLengthArg },
    required: ["length"],
    refs: { buf: ["coherent", "ncbuf"], map: ["map", "sgmap"] },
    exactlyOne: [["buf", "map", "dma_addr"]],
    read: true,
  },
  user_write: { summary: "user space writes through a user mapping", args: { map: mapRef, offset, data: dataSpecSchema }, required: ["map", "data"], refs: { map: ["umap"] } },
  user_read: { summary: "user space reads through a user mapping", args: { map: mapRef, offset, length: dataLengthArg }, required: ["map", "length"], refs: { map: ["umap"] }, read: true },
  sg_read: { summary: "a kernel user of an sg table reads its page(s)", args: { sgt: sgtRef, offset, length: dataLengthArg }, required: ["sgt", "length"], refs: { sgt: ["sgt"] }, read: true },

  driver_unbind: { summary: "unbind the scenario's device's driver (dma-debug reports leaks)", args: {}, required: [] },
  gnttab_map: { summary: "map a foreign domain's granted page into dom0 (Xen)", args: { domain, gref }, required: ["domain", "gref"], produces: "grant" },
  gnttab_unmap: { summary: "unmap a granted foreign page (Xen)", args: { buf: bufRef }, required: ["buf"], refs: { buf: ["grant"] } },
  msleep: { summary: "let model time pass (milliseconds): timers that expire meanwhile fire (e.g. the IOVA flush queue's 10 ms flush)", args: { ms: num({ id: "ms", min: 0n, max: 3600000n, tooBig: "at most 3600000 ms, an hour", description: "milliseconds", examples: [10] }) }, required: ["ms"] },
  remap_pfn_range: {
    summary: "a driver's own mmap: remap_pfn_range of the pfn it computed from the buffer's CPU address (pfn_from: virt_to_phys, the cxgb4/exanic pattern; virt_to_page; vmalloc_to_page)",
    args: { buf: bufRef, pfn_from: enumOf(["virt_to_phys", "virt_to_page", "vmalloc_to_page"] as const, "a way to get a pfn").meta({ description: "how the driver computed the pfn from the buffer's CPU address" }), length: mmapLength },
    required: ["buf", "pfn_from"],
    produces: "umap",
    refs: { buf: ["coherent", "kbuf"] },
  },
};

/** Ops whose steps may carry expect.data. */
export const READ_OPS: readonly OpName[] = OPS.filter((op) => OP_SPECS[op].read);

/** Every argument name any op takes (for messages). */
export const ARG_NAMES: readonly string[] = [...new Set(OPS.flatMap((op) => Object.keys(OP_SPECS[op].args)))];

/** The keys a step of `op` may carry, in a stable order: op, as (if it names a result), args, expect. */
export function stepKeys(op: OpName): string[] {
  const s = OP_SPECS[op];
  return ["op", ...(s.produces ? ["as"] : []), ...Object.keys(s.args), "cpu", "expect"];
}

function stepSchema(op: OpName) {
  const s = OP_SPECS[op];
  const shape: Record<string, z.ZodType> = { op: z.literal(op) };
  if (s.produces) shape.as = asName.optional();
  for (const [k, v] of Object.entries(s.args)) shape[k] = s.required.includes(k) ? v : v.optional();
  shape.cpu = z
    .number({ error: (iss) => `expected a CPU number, got ${describe(iss.input)}` })
    .int({ error: "a CPU number is a whole number" })
    .min(0, { error: "a CPU number is at least 0" })
    .max(255, { error: "a CPU number is at most 255" })
    .meta({ description: "the CPU this step and the following ones run on (raw_smp_processor_id(); below config nr_cpus): 6.0+ swiotlb starts its slot search in this CPU's area, and the IOVA allocator uses this CPU's rcache magazines and flush-queue ring" })
    .optional();
  shape.expect = stepExpectSchema.optional();
  return z.strictObject(shape).meta({ id: op, title: op, description: s.summary });
}

/** One strict schema per op. */
export const OP_SCHEMAS = Object.fromEntries(OPS.map((op) => [op, stepSchema(op)])) as Record<OpName, ReturnType<typeof stepSchema>>;

/** A step: one of the per-op objects, chosen by `op`. */
export const anyStepSchema = z.discriminatedUnion(
  "op",
  OPS.map((op) => OP_SCHEMAS[op]) as unknown as [ReturnType<typeof stepSchema>, ...ReturnType<typeof stepSchema>[]],
);

/* ------------------------------------------------------------------------------------------ */
/* The scenario                                                                                 */
/* ------------------------------------------------------------------------------------------ */

export const KERNEL_IDS = VERSIONS.map((v) => v.id) as [string, ...string[]];

const configValue = z.union([z.string(), z.number(), z.boolean()], {
  error: (iss) => `expected a string, number or true/false, got ${describe(iss.input)}`,
});

function scenarioShape<S extends z.ZodType>(steps: S) {
  return {
    $schema: z.string().meta({ description: "the JSON Schema this file follows (for editors)" }).optional(),
    name: z
      .string({ error: (iss) => (iss.input === undefined ? "a scenario needs a name" : `expected a name (text), got ${describe(iss.input)}`) })
      .min(1, { error: "the name is empty" })
      .max(256, { error: (iss) => `the name is ${(iss.input as string).length} characters long (at most 256)` })
      .meta({ description: "what the scenario shows" }),
    description: z.string({ error: (iss) => `expected text, got ${describe(iss.input)}` }).meta({ description: "longer explanation" }).optional(),
    platform: z.string({ error: (iss) => `expected a platform id such as rpi4, got ${describe(iss.input)}` }).meta({ description: "default platform (the command line overrides it)", examples: PLATFORMS.map((p) => p.id) }).optional(),
    kernel: enumOf(KERNEL_IDS, "a modelled kernel").meta({ description: "default kernel version (the command line overrides it): \"5.13\", or 5.13 unquoted (taken as written)" }).optional(),
    config: z
      .record(z.string(), configValue, { error: (iss) => `expected a mapping of option: value, got ${describe(iss.input)}` })
      .meta({ description: "boot and Kconfig options: mem, cma, coherent_pool, swiotlb, CONFIG_DEBUG_VIRTUAL, CONFIG_DMA_API_DEBUG, va_bits", examples: [{ CONFIG_DEBUG_VIRTUAL: "y" }] })
      .optional(),
    device: z
      .string({ error: (iss) => `expected a device role or name, got ${describe(iss.input)}` })
      .meta({ description: `the DMA master: a role resolved per platform (${DEVICE_ROLES.join(", ")}; \`dmasim platforms\` shows the devices), 'default' (the platform's typical one) or a device name`, examples: ["default", ...DEVICE_ROLES] })
      .optional(),
    steps,
    expect: z
      .strictObject({
        faults: enumOf(["none", "any"] as const, "a faults expectation").meta({ description: "none: the run must not fault" }).optional(),
        ok: bool("the run's overall verdict").optional(),
        diagnostics: enumOf(["none"] as const, "a diagnostics expectation").meta({ description: "none: no CONFIG_DMA_API_DEBUG finding anywhere in the run" }).optional(),
      })
      .meta({ description: "expectations for the whole run" })
      .optional(),
  };
}

const stepsError = (iss: { input?: unknown }) => (iss.input === undefined ? "a scenario needs steps" : `expected a list of steps, got ${describe(iss.input)}`);

/** A repeat block (parse.ts expands it; this schema is what editors see). */
export const repeatBlockSchema: z.ZodType = z
  .strictObject({
    repeat: z
      .union([z.number().int().min(0).max(MAX_STEPS), z.string().regex(/\$\{/)])
      .meta({ description: "how many times to run the steps (a whole number, or ${expr} of an enclosing block's index)", examples: [64] }),
    as: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .meta({ description: "the index variable, 0 .. repeat-1 (default i): ${i} in the steps' strings, ${i * 2048} for arithmetic" })
      .optional(),
    get steps() {
      return z.array(z.union([anyStepSchema, repeatBlockSchema])).min(1);
    },
  })
  .meta({ id: "repeat_block", title: "repeat", description: "run `steps` `repeat` times; strings in them may use ${i} (names, sizes, offsets, data)" });

/** The whole scenario (used for the JSON Schema). */
export const scenarioSchema = z
  .strictObject(scenarioShape(z.array(z.union([anyStepSchema, repeatBlockSchema]), { error: stepsError }).min(1, { error: "a scenario needs at least one step" })))
  .meta({ title: "dmasim scenario (format v1)", description: "A sequence of Linux DMA-mapping API calls and data accesses, run by dmasim on any modelled platform and kernel." });

/** The scenario with steps left unchecked: parse.ts checks each step against OP_SCHEMAS itself. */
export const scenarioHeadSchema = z.strictObject(
  scenarioShape(z.array(z.unknown(), { error: stepsError }).min(1, { error: "a scenario needs at least one step" })),
);

export type ScenarioInput = z.input<typeof scenarioSchema>;

/** The scenario format as a JSON Schema (draft 2020-12), for editors and `dmasim schema`. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const js = z.toJSONSchema(scenarioSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  // `kernel: 5.13` unquoted is a number to YAML (5.10 reads as 5.1); dmasim takes the text as
  // written, so the schema accepts the numbers the modelled versions read as.
  const props = js.properties as Record<string, Record<string, unknown>>;
  const k = props.kernel!;
  props.kernel = {
    description: k.description,
    anyOf: [
      { type: "string", enum: KERNEL_IDS },
      { type: "number", enum: KERNEL_IDS.map(Number) },
    ],
  };
  return js;
}

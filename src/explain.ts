/**
 * `explain OP`: run one DMA API operation on a freshly booted model with the event stream on, and
 * render the call path — kernel functions with their source files, the decisions taken at each
 * branch and why — plus the kind of address returned. A view of the same stream as `run --trace`.
 */
import { InputError, OptionError, type FaultRecord } from "./core/faults.js";
import { renderTrace, type TraceEvent } from "./core/trace.js";
import { attrsName, DIR_NAMES, DMA_BIDIRECTIONAL, DMA_NONE, gfpName, GFP_KERNEL, parseAttrs, parseDir, parseGfp } from "./include/gfp.js";
import { resolveKernel } from "./scenario/config.js";
import { flagMessage } from "./scenario/suggest.js";
import { runScenario } from "./scenario/runner.js";
import type { StepMsg } from "./scenario/runner-objects.js";
import type { Scenario, Step, StepResult } from "./scenario/types.js";
import { hex, parseU64 } from "./core/u64.js";

export interface ExplainOptions {
  platform: string;
  kernel: string;
  /** bytes: a number, or a string as the CLI takes it ("64K", "0x1000") */
  size?: number | string;
  /** gfp flags: a number (the run's kernel's values), or names as the CLI takes them ("GFP_ATOMIC | __GFP_ZERO") */
  gfp?: number | string;
  /** DMA attributes: a number, or names ("DMA_ATTR_NO_KERNEL_MAPPING") */
  attrs?: number | string;
  device?: string;
  set?: Record<string, string>;
  /** DMA direction: a number, or its name ("DMA_TO_DEVICE") */
  dir?: number | string;
}

/** One explain option, as a number: strings are parsed as the CLI parses them; anything else is an OptionError naming the option. */
function optNum(name: string, v: unknown, parse: (s: string) => number, hint?: "gfp" | "attrs"): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === "string") {
    try {
      return parse(v);
    } catch (e) {
      throw new OptionError(`${name}: ${hint ? flagMessage(e, hint) : (e as Error).message}`);
    }
  }
  throw new OptionError(`${name}: expected a number or a string, got ${typeof v === "number" ? v : typeof v}`);
}

export interface ExplainResult {
  op: string;
  platform: string;
  kernel: string;
  device: string;
  lines: string[];
  /** the kind of the CPU address the operation (or its allocation set-up step) returned; "none" when there is none (a mapping, a sync) */
  addr_kind: string;
  /** the operation's step result, as `run --json` gives it: addresses as hex strings, `bounced` a boolean */
  result: StepResult["result"];
  /** the faults the operation (or its set-up) took; explain expects none */
  faults: FaultRecord[];
  events: TraceEvent[];
}

const EXPLAINABLE = ["dma_alloc_coherent", "dma_alloc_attrs", "dma_free_coherent", "dma_free_attrs", "dma_mmap_coherent", "dma_mmap_attrs", "dma_get_sgtable", "dma_map_single", "dma_map_page", "dma_unmap_single", "dma_unmap_page", "dma_sync_single_for_cpu", "dma_sync_single_for_device", "dma_map_phys", "dma_unmap_phys", "dma_alloc_pages", "dma_alloc_noncoherent"] as const;

/**
 * A step error of explain's own set-up scenario (e.g. "dma_map_phys is not in Linux 6.12", "DMA_ATTR_MMIO is
 * not in Linux 6.12"): the user wrote no step, file or line, so it names the option that asked for it — the
 * kernel for an op the version lacks, else the argument (`attrs`, `gfp`, `size`, `dir`) — as an OptionError.
 */
function asOptionError(e: unknown): unknown {
  const m = e instanceof InputError ? (e as InputError & { stepMsg?: StepMsg }).stepMsg : undefined;
  if (!m) return e;
  const field = m.field?.[0];
  const option = field === undefined || field === "op" ? "kernel" : String(field);
  const msg = m.msg.startsWith(`${option}: `) ? m.msg.slice(option.length + 2) : m.msg;
  return new OptionError(`${option}: ${msg}`);
}

function st(op: string, args: Record<string, unknown>, as?: string): Step {
  return as ? { op, as, args } : { op, args };
}

/** Explain one operation: which kernel functions it runs, which branches it takes and why. */
export function explain(op: string, o: ExplainOptions): ExplainResult {
  if (!(EXPLAINABLE as readonly string[]).includes(op)) throw new InputError(`explain: unknown or unsupported op '${op}' (explainable: ${EXPLAINABLE.join(", ")})`);
  if (typeof o !== "object" || o === null) throw new OptionError("explain: options { platform, kernel } are required");
  // the kernel's call has no attrs argument: an --attrs would be printed in the header and then ignored
  const ATTRS_ALT: Record<string, string> = { dma_alloc_coherent: "dma_alloc_attrs", dma_free_coherent: "dma_free_attrs", dma_mmap_coherent: "dma_mmap_attrs", dma_get_sgtable: "", dma_alloc_pages: "", dma_alloc_noncoherent: "", dma_sync_single_for_cpu: "", dma_sync_single_for_device: "" };
  if (o.attrs !== undefined && op in ATTRS_ALT) throw new InputError(`--attrs: ${op} takes no DMA attributes${ATTRS_ALT[op] ? ` (${ATTRS_ALT[op]} does)` : ""}`);
  // likewise a direction for an operation that takes none (the allocations and what uses them)
  const NO_DIR = ["dma_alloc_coherent", "dma_alloc_attrs", "dma_free_coherent", "dma_free_attrs", "dma_mmap_coherent", "dma_mmap_attrs", "dma_get_sgtable"];
  if (o.dir !== undefined && NO_DIR.includes(op)) throw new InputError(`--dir: ${op} takes no DMA direction`);
  const version = resolveKernel(o.kernel, "kernel");
  const kernel = version.id;
  // named for the operation asked about, not for the set-up step that would meet it first (dma_unmap_phys maps with dma_map_phys)
  if ((op === "dma_map_phys" || op === "dma_unmap_phys") && !version.switches.has("f7326196a781"))
    throw new OptionError(`kernel: ${op} is not in Linux ${kernel}: the physical-address API came in 6.18 (f7326196a781); use ${op === "dma_map_phys" ? "dma_map_page / dma_unmap_page" : "dma_unmap_page"}`);
  const size = optNum("size", o.size, (x) => parseU64(x)) ?? 65536;
  const gfp = optNum("gfp", o.gfp, (x) => parseGfp(x, kernel), "gfp") ?? GFP_KERNEL;
  const attrs = optNum("attrs", o.attrs, (x) => parseAttrs(x), "attrs") ?? 0;
  const dir = optNum("dir", o.dir, (x) => parseDir(x)) ?? 0;
  const alloc = st(op === "dma_alloc_attrs" || op === "dma_free_attrs" || op === "dma_mmap_attrs" ? "dma_alloc_attrs" : "dma_alloc_coherent", { size, gfp, attrs }, "buf");
  const kbuf = st("kmalloc", { size, gfp }, "kbuf");
  const mapOp = op === "dma_map_page" || op === "dma_unmap_page" ? "dma_map_page" : op === "dma_map_phys" || op === "dma_unmap_phys" ? "dma_map_phys" : "dma_map_single";
  const map = st(mapOp, { buf: "kbuf", size, dir, attrs }, "map");
  let steps: Step[];
  let focus: number;
  switch (op) {
    case "dma_alloc_coherent":
    case "dma_alloc_attrs":
      steps = [alloc];
      focus = 0;
      break;
    case "dma_free_coherent":
    case "dma_free_attrs":
      steps = [alloc, st(op, { buf: "buf", attrs })];
      focus = 1;
      break;
    case "dma_mmap_coherent":
    case "dma_mmap_attrs":
      steps = [alloc, st(op, { buf: "buf", attrs }, "umap")];
      focus = 1;
      break;
    case "dma_get_sgtable":
      steps = [alloc, st(op, { buf: "buf" }, "sgt")];
      focus = 1;
      break;
    case "dma_alloc_pages":
    case "dma_alloc_noncoherent":
      steps = [st(op, { size, dir, gfp }, "nc")];
      focus = 0;
      break;
    case "dma_map_single":
    case "dma_map_page":
    case "dma_map_phys":
      steps = [kbuf, map];
      focus = 1;
      break;
    case "dma_unmap_single":
    case "dma_unmap_page":
    case "dma_unmap_phys":
      steps = [kbuf, map, st(op, { map: "map" })];
      focus = 2;
      break;
    default:
      // a sync's --dir is the sync's: an invalid one (DMA_NONE) must BUG in the sync, so the set-up map is bidirectional then
      // (every sync direction is legal on a DMA_BIDIRECTIONAL mapping: check_sync)
      steps = [kbuf, dir === DMA_NONE ? st(mapOp, { buf: "kbuf", size, dir: DMA_BIDIRECTIONAL, attrs }, "map") : map, st(op, { map: "map", offset: 0, size, dir })];
      focus = 2;
  }
  const scenario: Scenario = { name: `explain ${op}`, platform: o.platform, kernel: o.kernel, steps, ...(o.device ? { device: o.device } : {}) };
  let r;
  try {
    r = runScenario(scenario, { platform: o.platform, kernel: o.kernel, trace: true, ...(o.set ? { set: o.set } : {}) });
  } catch (e) {
    throw asOptionError(e);
  }
  const fs = r.steps[focus]!;
  const lines: string[] = [];
  lines.push(`${op} on ${r.platform} (Linux ${r.kernel}), device ${r.device}: size ${hex(size)}, gfp ${gfpName(gfp, r.kernel)}, attrs ${attrsName(attrs)}${NO_DIR.includes(op) ? "" : `, dir ${DIR_NAMES[dir] ?? dir}`}`);
  if (focus > 0) lines.push(`(set-up steps: ${steps.slice(0, focus).map((s) => s.op).join(", ")}; their path is in run --trace)`);
  lines.push("");
  lines.push(...renderTrace(fs.trace.filter((e) => e.kind !== "mem")));
  const kindStep = r.steps.find((s) => s.result.addr_kind !== undefined && (s.op === "dma_alloc_coherent" || s.op === "dma_alloc_attrs" || s.op === "dma_alloc_pages" || s.op === "dma_alloc_noncoherent"));
  const addrKind = String(kindStep?.result.addr_kind ?? fs.result.addr_kind ?? "none");
  lines.push("");
  const result: StepResult["result"] = { ...fs.result };
  if (kindStep && kindStep !== fs) {
    result.cpu_addr = kindStep.result.cpu_addr ?? null;
    result.addr_kind = addrKind;
  }
  for (const f of r.faults) lines.push(`${f.kind.toUpperCase()}: ${f.message}${f.pc ? ` (pc: ${f.pc})` : ""}`);
  if (kindStep) lines.push(`returned a ${addrKind} address: ${kindStep.result.cpu_addr}${addrKind === "vmalloc" ? " (virt_to_page is not valid on it; vmalloc_to_page or the DMA handle is)" : ""}`);
  if (fs.summary) lines.push(fs.summary);
  return { op, platform: r.platform, kernel: r.kernel, device: r.device, lines, addr_kind: addrKind, result, faults: r.faults, events: fs.trace };
}

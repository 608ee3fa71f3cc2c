/**
 * Scenario files (YAML or JSON) → validated `Scenario`.
 *
 * source.ts turns the text into plain values (fast block-YAML reader, JSON.parse, or the `yaml`
 * package), this file validates them against the per-op schemas, expands repeat blocks
 * (repeat.ts) and converts arguments. Every problem is an InputError carrying the file and the
 * 1-based line and column of the offending node (looked up only when a message needs it), with a
 * one-line message such as
 *   steps[2].size: '12Q' is not a number (use decimal, 0x hex, or a K/M/G suffix)
 * Limits (limits.ts) bound what a file may cost. No node:* imports here (the web page parses
 * scenarios too); reading files is src/cli/load.ts.
 */
import type { z } from "zod";
import { InputError } from "../core/faults.js";
import { fromBig, parseU64, parseU64Big } from "../core/u64.js";
import { parseAttrs, parseDir, parseGfp } from "../include/gfp.js";
import {
  describe,
  isOp,
  OP_SCHEMAS,
  OP_SPECS,
  OPS,
  READ_OPS,
  REF_ARGS,
  REF_KIND_NAMES,
  scenarioHeadSchema,
  stepExpectSchema,
  stepKeys,
  type OpName,
  type RefKind,
} from "./schema.js";
import type { DataSpec, Scenario, Step, StepExpect } from "./types.js";
import { cleanMessage, fmtCount, MAX_FILE_BYTES, MAX_NAME, MAX_STEPS, shown } from "./limits.js";
import { interpolate, interpolateValue, isVarName, TemplateError } from "./repeat.js";
import { readSource, type Path, type SourceDoc, type Where } from "./source.js";
import { attachSource } from "./source-locate.js"; // and, loaded, installs the runner's locators (locate.ts)
import { opHint, suggest } from "./suggest.js";
import { CONFIG_KEYS, checkDevice } from "./config.js";
import { PLATFORMS } from "../platforms/index.js";

export { attachSource };

/** steps[2].entries[0].buf */
export function fmtPath(path: Path): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s ? `.${shown(p)}` : shown(p);
  return s || "scenario";
}

/** Messages with the position of the node at a document path. */
class Locator {
  constructor(
    private readonly src: SourceDoc,
    readonly file: string,
    /** repeat index variables in scope (named in messages from inside a repeat block) */
    readonly env: Map<string, number> = new Map(),
  ) {}

  where(path: Path, key = false): Where {
    return this.src.where(path, key);
  }

  error(path: Path, message: string, key = false): InputError {
    const iter = this.env.size ? ` (in repeat: ${[...this.env].map(([k, v]) => `${k}=${v}`).join(", ")})` : "";
    return new InputError(cleanMessage(`${fmtPath(path)}: ${message}${iter}`), this.where(path, key));
  }
}

export { suggest };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value at `path` inside a plain object. */
function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/**
 * Turn the first zod issue (in source order) into an InputError.
 * `base` is the path of the validated value inside the document; `op` names the step's op.
 */
function issueError(loc: Locator, issues: z.core.$ZodIssue[], base: Path, value: unknown, op?: OpName): InputError {
  // A mapping with an unknown key and a missing one is most often a misspelling (`lenght: 4`,
  // `step:`): name the unknown key (with its "did you mean"), not the missing one.
  const unknownIn = new Set(issues.filter((i) => i.code === "unrecognized_keys").map((i) => JSON.stringify(i.path)));
  const missingWithTypo = (iss: z.core.$ZodIssue) => {
    if (iss.code === "unrecognized_keys" || unknownIn.size === 0) return false;
    const parentPath = iss.path.slice(0, -1);
    const parent = valueAt(value, parentPath.filter((p): p is string | number => typeof p !== "symbol"));
    const last = iss.path[iss.path.length - 1];
    return isRecord(parent) && typeof last === "string" && !(last in parent) && unknownIn.has(JSON.stringify(parentPath));
  };
  const kept = issues.filter((i) => !missingWithTypo(i));
  const errs = (kept.length ? kept : issues).map((iss) => issueToError(loc, iss, base, value, op));
  const offset = (e: InputError) => (e.where?.line ?? Infinity) * 1e6 + (e.where?.col ?? 0);
  errs.sort((a, b) => offset(a) - offset(b));
  return errs[0]!;
}

/** The keys a mapping at `path` may have, where that is fixed (for "unknown key" messages). */
function allowedKeys(path: Path): string[] | undefined {
  const last = path[path.length - 1];
  if (path.length === 0) return Object.keys(scenarioHeadSchema.shape).filter((k) => k !== "$schema");
  if (path.length === 1 && last === "expect") return ["faults", "ok", "diagnostics"];
  if (last === "expect") return Object.keys(stepExpectSchema.shape);
  if (typeof last === "number" && path[path.length - 2] === "entries") return ["buf", "offset", "length"];
  return undefined;
}

function issueToError(loc: Locator, iss: z.core.$ZodIssue, base: Path, value: unknown, op?: OpName): InputError {
  const rel = iss.path.filter((p): p is string | number => typeof p !== "symbol");
  const path = [...base, ...rel];
  if (iss.code !== "unrecognized_keys") {
    // a required key that is absent
    const parentPath = rel.slice(0, -1);
    const parent = valueAt(value, parentPath);
    const last = rel[rel.length - 1];
    if (isRecord(parent) && typeof last === "string" && !(last in parent)) {
      const who = op && parentPath.length === 0 ? `${op} needs '${last}'` : `missing '${last}'`;
      return loc.error([...base, ...parentPath], who);
    }
  }
  switch (iss.code) {
    case "unrecognized_keys": {
      const key = iss.keys[0]!;
      const kp = [...path, key];
      if (op && rel.length === 0) {
        if (key === "as") return loc.error(kp, `${op} returns nothing to name; remove 'as'`, true);
        // an expectation written beside the arguments (`data: "x"` on a read) belongs under expect:
        const expectKey = key in stepExpectSchema.shape && !stepKeys(op).includes(key);
        const hint =
          key === "attrs" && op.endsWith("_coherent")
            ? ` (use ${op.replace(/_coherent$/, "_attrs")} to pass attrs)`
            : expectKey
              ? ` (an expectation: write it under expect, as expect: { ${key}: ... })`
              : "";
        const near = suggest(key, stepKeys(op));
        return loc.error(kp, `unknown key '${shown(key)}' for ${op}${hint || (near ? ` (did you mean '${near}'?)` : "")}; it takes: ${stepKeys(op).slice(1).join(", ")}`, true);
      }
      const allowed = allowedKeys(path);
      const near = allowed ? suggest(key, allowed) : undefined;
      return loc.error(kp, `unknown key '${shown(key)}'${near ? ` (did you mean '${near}'?)` : ""}${allowed ? `; allowed: ${allowed.join(", ")}` : ""}`, true);
    }
    case "invalid_union": {
      // Prefer the branch that matched the value's shape (its issues are all below the root).
      const branches = iss.errors.filter((b) => b.length > 0 && b.every((x) => x.path.length > 0 && x.code !== "unrecognized_keys"));
      const best = branches.sort((a, b) => a.length - b.length)[0];
      if (best) return issueError(loc, best, path, valueAt(value, rel), op && rel.length === 0 ? op : undefined);
      return loc.error(path, iss.message);
    }
    case "invalid_type": {
      // `expect: "hello"`: say what an expect mapping holds
      const last = path[path.length - 1];
      const eg = last !== "expect" || iss.expected !== "object" ? "" : path.length === 1 ? " such as { faults: none }" : ` such as { data: "hello" } or { ok: true } (its keys: ${Object.keys(stepExpectSchema.shape).join(", ")})`;
      return loc.error(path, iss.message.startsWith("Invalid input") ? `expected ${iss.expected === "object" && eg ? "a mapping" : iss.expected}${eg}, got ${describe(valueAt(value, rel))}` : iss.message);
    }
    default:
      return loc.error(path, iss.message);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Conversion of validated values                                                               */
/* ------------------------------------------------------------------------------------------ */

const NUMBER_ARGS = new Set(["size", "offset", "length", "pgoff", "nents", "order", "bits", "domain", "gref", "phys"]);

function convData(d: unknown): DataSpec {
  if (typeof d === "string") return d;
  const o = d as Record<string, unknown>;
  if ("hex" in o) return { hex: String(o.hex) };
  return { fill: parseU64(o.fill as string | number), length: parseU64(o.length as string | number) };
}

function convArg(key: string, v: unknown): unknown {
  if (NUMBER_ARGS.has(key)) return parseU64(v as string | number);
  switch (key) {
    case "dma_addr": {
      // exact: dmasim's signed number form when that is exact, else the unsigned value as a bigint
      const b = parseU64Big(v as string | number);
      try {
        return fromBig(b);
      } catch {
        return b;
      }
    }
    case "mask":
      return parseU64Big(v as string | number);
    case "gfp":
      // validated here; the runner resolves the names with the run's kernel (gfp.h's bits moved across versions)
      parseGfp(v as string | number);
      return v;
    case "dir":
      return parseDir(v as string);
    case "attrs":
      return parseAttrs(v as string | number);
    case "data":
      return convData(v);
    case "entries":
      return (v as Record<string, unknown>[]).map((e) => {
        const out: { buf: string; offset?: number; length: number } = { buf: String(e.buf), length: parseU64(e.length as string | number) };
        if (e.offset !== undefined) out.offset = parseU64(e.offset as string | number);
        return out;
      });
    default:
      return v;
  }
}

function convExpect(e: z.output<typeof stepExpectSchema>): StepExpect {
  const out: StepExpect = {};
  if (e.ok !== undefined) out.ok = e.ok;
  if (e.returns !== undefined) out.returns = e.returns === null ? "NULL" : String(e.returns);
  if (e.data !== undefined) out.data = convData(e.data);
  if (e.addr_kind !== undefined) out.addr_kind = e.addr_kind ?? "null";
  if (e.fault !== undefined) out.fault = e.fault;
  if (e.diagnostic !== undefined) out.diagnostic = e.diagnostic;
  if (e.bounced !== undefined) out.bounced = e.bounced;
  if (e.log !== undefined) out.log = e.log;
  return out;
}


/* ------------------------------------------------------------------------------------------ */
/* The parser                                                                                   */
/* ------------------------------------------------------------------------------------------ */

interface Named {
  kind: RefKind;
  step: number;
  line?: number;
}

interface Ctx {
  loc: Locator;
  src: SourceDoc;
  names: Map<string, Named>;
  steps: Step[];
  /** the top-level step list as written (for "defined later" hints) */
  top: unknown[];
}

const REPEAT_KEYS = ["repeat", "as", "steps"];

/** Parse and validate scenario text (YAML or JSON). `file` is used in messages only. */
export function parseScenarioText(text: string, file: string): Scenario {
  if (text.length > MAX_FILE_BYTES)
    throw new InputError(`the scenario is larger than ${MAX_FILE_BYTES / 2 ** 20} MiB (${fmtCount(text.length)} characters); use repeat blocks for long scenarios`, { file });
  const src = readSource(text, file);
  const loc = new Locator(src, file);
  let raw = src.value;
  if (raw === null || raw === undefined) throw new InputError("the scenario file is empty", { file, line: 1, col: 1 });
  if (!isRecord(raw)) throw loc.error([], `a scenario is a mapping with 'name' and 'steps', got ${describe(raw)}`);

  // `kernel: 5.10` is a float in YAML (5.1): take the text as written.
  if (typeof raw.kernel === "number") raw = { ...raw, kernel: src.rawTop.get("kernel") ?? String(raw.kernel) };

  const head = scenarioHeadSchema.safeParse(raw);
  if (!head.success) throw issueError(loc, head.error.issues, [], raw);
  const h = head.data;
  const rawSteps = (raw as Record<string, unknown>).steps as unknown[];

  const ctx: Ctx = { loc, src, names: new Map(), steps: [], top: rawSteps };
  expand(ctx, rawSteps, ["steps"]);

  // text that run output echoes: no terminal control characters
  const controls = (v: unknown, allowNl: boolean) => typeof v === "string" && (allowNl ? /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/ : /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/).test(v);
  if (controls(h.name, false)) throw loc.error(["name"], "control characters are not allowed in the name");
  if (controls(h.description, true)) throw loc.error(["description"], "control characters (other than newlines and tabs) are not allowed in the description");
  for (const [k, v] of Object.entries(h.config ?? {})) if (controls(v, false)) throw loc.error(["config", k], "control characters are not allowed in an option value");

  const s: Scenario = { name: h.name, steps: ctx.steps, file };
  if (h.description !== undefined) s.description = h.description;
  if (h.platform !== undefined) {
    if (!PLATFORMS.some((p) => p.id === h.platform)) {
      const near = suggest(h.platform, PLATFORMS.map((p) => p.id));
      throw loc.error(["platform"], `unknown platform '${shown(h.platform)}'${near ? ` (did you mean '${near}'?)` : ""} (known: ${PLATFORMS.map((x) => x.id).join(", ")})`);
    }
    s.platform = h.platform;
  }
  if (h.kernel !== undefined) s.kernel = h.kernel;
  if (h.config !== undefined) {
    for (const k of Object.keys(h.config)) {
      if (!(CONFIG_KEYS as readonly string[]).includes(k)) {
        const near = suggest(k, CONFIG_KEYS);
        throw loc.error(["config", k], `unknown config key '${shown(k)}'${near ? ` (did you mean '${near}'?)` : ""} (known: ${CONFIG_KEYS.join(", ")})`, true);
      }
    }
    s.config = h.config; // checked at run time, with the run's platform and --set (config.ts); placed by locatePath
  }
  if (h.device !== undefined) {
    const why = checkDevice(h.device);
    if (why) throw loc.error(["device"], why);
    s.device = h.device;
    const w = loc.where(["device"]);
    if (w.line !== undefined) s.deviceAt = { line: w.line, col: w.col ?? 1 };
  }
  attachSource(s, text);
  if (h.expect !== undefined) {
    s.expect = {};
    if (h.expect.faults !== undefined) s.expect.faults = h.expect.faults;
    if (h.expect.ok !== undefined) s.expect.ok = h.expect.ok;
    if (h.expect.diagnostics !== undefined) s.expect.diagnostics = h.expect.diagnostics;
  }
  return s;
}


/** Parse a step list, expanding repeat blocks. */
function expand(ctx: Ctx, list: unknown[], path: Path): void {
  const env = ctx.loc.env;
  for (let j = 0; j < list.length; j++) {
    const item = list[j];
    if (isRecord(item) && item.repeat !== undefined && item.op === undefined) {
      repeatBlock(ctx, item, [...path, j]);
      continue;
    }
    if (ctx.steps.length >= MAX_STEPS) throw ctx.loc.error([...path, j], `more than ${fmtCount(MAX_STEPS)} steps once repeat blocks are expanded (the limit)`);
    let st = item;
    if (env.size > 0 && isRecord(item)) {
      try {
        st = interpolateValue(item, env);
      } catch (e) {
        if (e instanceof TemplateError) throw ctx.loc.error([...path, j, ...((e as TemplateError & { path: Path }).path ?? [])], e.message);
        throw e;
      }
    }
    const step = parseStep(ctx, st, path, j, ctx.steps.length);
    const at = ctx.src.itemStart(list, j);
    if (at !== undefined) {
      step.line = at.line;
      step.col = at.col;
    }
    if (step.as !== undefined) ctx.names.get(step.as)!.line = step.line;
    ctx.steps.push(step);
  }
}

function repeatBlock(ctx: Ctx, block: Record<string, unknown>, path: Path): void {
  const loc = ctx.loc;
  for (const k of Object.keys(block)) {
    if (!REPEAT_KEYS.includes(k)) {
      const near = suggest(k, REPEAT_KEYS);
      throw loc.error([...path, k], `unknown key '${shown(k)}' in a repeat block${near ? ` (did you mean '${near}'?)` : ""}; it takes: repeat, as, steps`, true);
    }
  }
  let count: unknown = block.repeat;
  if (typeof count === "string") {
    try {
      count = interpolate(count, loc.env);
    } catch (e) {
      if (e instanceof TemplateError) throw loc.error([...path, "repeat"], e.message);
      throw e;
    }
    if (typeof count === "string" && /^\s*[0-9]+\s*$/.test(count)) count = Number(count);
  }
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0)
    throw loc.error([...path, "repeat"], `expected a repeat count (a whole number ≥ 0), got ${describe(block.repeat)}`);
  if (count > MAX_STEPS) throw loc.error([...path, "repeat"], `${count} repetitions is more than the ${fmtCount(MAX_STEPS)} steps a scenario may have`);
  const v = block.as ?? "i";
  if (typeof v !== "string" || !isVarName(v) || v.length > MAX_NAME)
    throw loc.error([...path, "as"], `expected an index variable name such as i (letters, digits, _), got ${describe(v)}`);
  if (loc.env.has(v)) throw loc.error([...path, "as"], `'${v}' is already the index of an enclosing repeat block; name this one differently`);
  const inner = block.steps;
  if (inner === undefined) throw loc.error(path, "a repeat block needs 'steps' (the steps to repeat)");
  if (!Array.isArray(inner) || inner.length === 0) throw loc.error([...path, "steps"], `expected a non-empty list of steps, got ${describe(inner)}`);
  const per = staticSize(inner, 0);
  if (ctx.steps.length + count * per > MAX_STEPS)
    throw loc.error([...path, "repeat"], `${fmtCount(count)} × ${fmtCount(per)} steps is more than the ${fmtCount(MAX_STEPS)} steps a scenario may have`);
  for (let k = 0; k < count; k++) {
    loc.env.set(v, k);
    expand(ctx, inner, [...path, "steps"]);
  }
  loc.env.delete(v);
}

/** Parse one step, item `j` of the list at `listPath` (paths are built only for messages). */
/** The least number of steps a list expands to (repeat blocks with a literal count multiply; others count 1). */
function staticSize(list: unknown[], depth: number): number {
  let n = 0;
  for (const item of list) {
    if (depth < 16 && isRecord(item) && item.op === undefined && typeof item.repeat === "number" && Array.isArray(item.steps) && item.steps.length > 0)
      n += Math.max(0, item.repeat) * staticSize(item.steps, depth + 1);
    else n += 1;
    if (n > MAX_STEPS) return n;
  }
  return n;
}

function parseStep(ctx: Ctx, st: unknown, listPath: Path, j: number, index: number): Step {
  const { loc, names } = ctx;
  const path: Path = [...listPath, j];
  if (!isRecord(st)) throw loc.error(path, `a step is a mapping with 'op' and its arguments (or a repeat block), got ${describe(st)}`);
  const opv = st.op;
  if (opv === undefined) throw loc.error(path, "a step needs 'op' (or 'repeat' for a repeat block)");
  if (typeof opv !== "string") throw loc.error([...path, "op"], `expected an op name, got ${describe(opv)}`);
  if (!isOp(opv)) {
    throw loc.error([...path, "op"], `unknown op '${shown(opv)}'${opHint(opv, OPS)}`);
  }
  const op: OpName = opv;
  const spec = OP_SPECS[op];

  const r = OP_SCHEMAS[op].safeParse(st);
  if (!r.success) throw issueError(loc, r.error.issues, path, st, op);

  // exactly-one groups (bits|mask; buf|map|dma_addr)
  for (const group of spec.exactlyOne ?? []) {
    const given = group.filter((k) => st[k] !== undefined);
    if (given.length === 0) throw loc.error(path, `${op} needs one of ${group.map((k) => `'${k}'`).join(", ")}`);
    if (given.length > 1) throw loc.error([...path, given[1]!], `${op} takes only one of ${group.map((k) => `'${k}'`).join(", ")} (got ${given.map((k) => `'${k}'`).join(" and ")})`, true);
  }

  const rawExpect = st.expect as Record<string, unknown> | undefined;
  if (rawExpect?.data !== undefined && !spec.read)
    throw loc.error([...path, "expect", "data"], `expect.data applies to read steps (${READ_OPS.join(", ")}), not ${op}`, true);

  // references: earlier `as` names of the right kind
  const checkRef = (refPath: Path, ref: string, kinds: readonly RefKind[]) => {
    const named = names.get(ref);
    if (!named) {
      const later = path.length === 2 ? ctx.top.findIndex((x, k) => k > j && isRecord(x) && x.as === ref) : -1;
      const near = names.size <= 10_000 ? suggest(ref, names.keys()) : undefined;
      throw loc.error(
        refPath,
        later >= 0
          ? `'${shown(ref)}' is defined later, by steps[${later}]; a step can only use names defined before it`
          : `'${shown(ref)}' is not defined by an earlier step's 'as'${near ? ` (did you mean '${near}'?)` : ""}`,
      );
    }
    if (!kinds.includes(named.kind))
      throw loc.error(refPath, `'${ref}' is ${REF_KIND_NAMES[named.kind]}, but ${op} needs ${kinds.map((k) => REF_KIND_NAMES[k]).join(" or ")}`);
  };
  for (const ra of REF_ARGS) {
    const kinds = spec.refs?.[ra];
    if (kinds && typeof st[ra] === "string") checkRef([...path, ra], st[ra], kinds);
  }
  if (op === "dma_map_sg") {
    (st.entries as Record<string, unknown>[]).forEach((e, j) => checkRef([...path, "entries", j, "buf"], String(e.buf), ["kbuf", "grant", "coherent"]));
  }

  const step: Step = { op, args: {} };
  if (st.as !== undefined) {
    const as = st.as as string;
    if (as.length > MAX_NAME) throw loc.error([...path, "as"], `the name is ${fmtCount(as.length)} characters long (at most ${MAX_NAME})`);
    const prev = names.get(as);
    if (prev) throw loc.error([...path, "as"], `'${as}' is already defined by steps[${prev.step}]${prev.line ? ` (line ${prev.line})` : ""}; every 'as' name must be unique`);
    names.set(as, { kind: spec.produces!, step: index });
    step.as = as;
  }
  if (rawExpect !== undefined) step.expect = convExpect(stepExpectSchema.parse(rawExpect));
  for (const k of Object.keys(st)) {
    const v = st[k];
    if (k === "cpu" && typeof v === "number") step.cpu = v;
    if (k === "op" || k === "as" || k === "expect" || k === "cpu" || v === undefined) continue;
    step.args[k] = convArg(k, v);
  }
  return step;
}


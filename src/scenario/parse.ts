/**
 * Scenario files (YAML or JSON; JSON is YAML) → validated `Scenario`.
 *
 * Every problem is an InputError carrying the file and the 1-based line and column of the
 * offending node, with a one-line message such as
 *   steps[2].size: '12Q' is not a number (use decimal, 0x hex, or a K/M/G suffix)
 * No node:* imports here (the web page parses scenarios too); reading files is src/cli/load.ts.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { z } from "zod";
import { InputError } from "../core/faults.js";
import { parseU64, parseU64Big } from "../core/u64.js";
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

type Path = readonly (string | number)[];

/** steps[2].entries[0].buf */
export function fmtPath(path: Path): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s ? `.${p}` : p;
  return s || "scenario";
}

/** Positions of nodes in the parsed document. */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lc: LineCounter,
    readonly file: string,
  ) {}

  /** The node at `path`, or the deepest existing ancestor. With `key`, the key node of the last segment. */
  node(path: Path, key = false): Node | null {
    let node: unknown = this.doc.contents;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
        if (!pair) return node;
        if (last && key && isScalar(pair.key)) return pair.key;
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof seg === "number") {
        const item = node.items[seg];
        if (item === undefined) return node;
        node = item;
      } else break;
    }
    return (node as Node | null) ?? null;
  }

  where(path: Path, key = false): { file: string; line?: number; col?: number } {
    const n = this.node(path, key);
    const off = n?.range?.[0];
    if (off === undefined) return { file: this.file };
    const { line, col } = this.lc.linePos(off);
    return { file: this.file, line, col };
  }

  error(path: Path, message: string, key = false): InputError {
    return new InputError(`${fmtPath(path)}: ${message}`, this.where(path, key));
  }
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

export function suggest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const dd = distance(word.toLowerCase(), o.toLowerCase());
    if (dd < bestD) [best, bestD] = [o, dd];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** YAML integers come back as bigint (exact): numbers when exactly representable, else decimal strings (parseU64 checks those). */
function normalise(v: unknown): unknown {
  if (typeof v === "bigint") {
    if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    return v.toString();
  }
  if (Array.isArray(v)) return v.map(normalise);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), normalise(x)]));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  return v;
}

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
  const errs = issues.map((iss) => issueToError(loc, iss, base, value, op));
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
        const hint = key === "attrs" && op.endsWith("_coherent") ? ` (use ${op.replace(/_coherent$/, "_attrs")} to pass attrs)` : "";
        const near = suggest(key, stepKeys(op));
        return loc.error(kp, `unknown key '${key}' for ${op}${hint || (near ? ` (did you mean '${near}'?)` : "")}; it takes: ${stepKeys(op).slice(1).join(", ")}`, true);
      }
      const allowed = allowedKeys(path);
      const near = allowed ? suggest(key, allowed) : undefined;
      return loc.error(kp, `unknown key '${key}'${near ? ` (did you mean '${near}'?)` : ""}${allowed ? `; allowed: ${allowed.join(", ")}` : ""}`, true);
    }
    case "invalid_union": {
      // Prefer the branch that matched the value's shape (its issues are all below the root).
      const branches = iss.errors.filter((b) => b.length > 0 && b.every((x) => x.path.length > 0 && x.code !== "unrecognized_keys"));
      const best = branches.sort((a, b) => a.length - b.length)[0];
      if (best) return issueError(loc, best, path, valueAt(value, rel), op && rel.length === 0 ? op : undefined);
      return loc.error(path, iss.message);
    }
    case "invalid_type":
      return loc.error(path, iss.message.startsWith("Invalid input") ? `expected ${iss.expected}, got ${describe(valueAt(value, rel))}` : iss.message);
    default:
      return loc.error(path, iss.message);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Conversion of validated values                                                               */
/* ------------------------------------------------------------------------------------------ */

const NUMBER_ARGS = new Set(["size", "offset", "length", "pgoff", "nents", "order", "bits", "domain", "gref"]);

function convData(d: unknown): DataSpec {
  if (typeof d === "string") return d;
  const o = d as Record<string, unknown>;
  if ("hex" in o) return { hex: String(o.hex) };
  return { fill: parseU64(o.fill as string | number), length: parseU64(o.length as string | number) };
}

function convArg(key: string, v: unknown): unknown {
  if (NUMBER_ARGS.has(key)) return parseU64(v as string | number);
  switch (key) {
    case "dma_addr":
    case "mask":
      return parseU64Big(v as string | number);
    case "gfp":
      return parseGfp(v as string | number);
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
  if (e.returns !== undefined) out.returns = String(e.returns);
  if (e.data !== undefined) out.data = convData(e.data);
  if (e.addr_kind !== undefined) out.addr_kind = e.addr_kind;
  if (e.fault !== undefined) out.fault = e.fault;
  if (e.diagnostic !== undefined) out.diagnostic = e.diagnostic;
  if (e.bounced !== undefined) out.bounced = e.bounced;
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

/** Parse and validate scenario text (YAML or JSON). `file` is used in messages only. */
export function parseScenarioText(text: string, file: string): Scenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { keepSourceTokens: true, lineCounter: lc, intAsBigInt: true, uniqueKeys: true, prettyErrors: false });
  const loc = new Locator(doc, lc, file);

  const yerr = doc.errors[0];
  if (yerr) {
    const { line, col } = lc.linePos(yerr.pos[0]);
    const msg = yerr.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    throw new InputError(`invalid YAML: ${msg}`, { file, line, col });
  }
  if (doc.contents === null) throw new InputError("the scenario file is empty", { file, line: 1, col: 1 });

  let raw: unknown;
  try {
    raw = normalise(doc.toJS({ maxAliasCount: 1000 }));
  } catch (e) {
    throw new InputError(`invalid YAML: ${(e as Error).message.split("\n")[0]}`, { file, line: 1, col: 1 });
  }
  if (!isRecord(raw)) throw loc.error([], `a scenario is a mapping with 'name' and 'steps', got ${describe(raw)}`);

  // `kernel: 5.10` is a float in YAML (5.1): take the text as written.
  if (typeof raw.kernel === "number") {
    const n = loc.node(["kernel"]);
    const src = isScalar(n) ? n.source : undefined;
    raw.kernel = typeof src === "string" ? src : String(raw.kernel);
  }

  const head = scenarioHeadSchema.safeParse(raw);
  if (!head.success) throw issueError(loc, head.error.issues, [], raw);
  const h = head.data;

  const steps: Step[] = [];
  const names = new Map<string, Named>();
  const rawSteps = h.steps;
  for (let i = 0; i < rawSteps.length; i++) steps.push(parseStep(loc, rawSteps, i, names));

  const s: Scenario = { name: h.name, steps, file };
  if (h.description !== undefined) s.description = h.description;
  if (h.platform !== undefined) s.platform = h.platform;
  if (h.kernel !== undefined) s.kernel = h.kernel;
  if (h.config !== undefined) s.config = h.config;
  if (h.device !== undefined) s.device = h.device;
  if (h.expect !== undefined) {
    s.expect = {};
    if (h.expect.faults !== undefined) s.expect.faults = h.expect.faults;
    if (h.expect.ok !== undefined) s.expect.ok = h.expect.ok;
    if (h.expect.diagnostics !== undefined) s.expect.diagnostics = h.expect.diagnostics;
  }
  return s;
}

function parseStep(loc: Locator, rawSteps: unknown[], i: number, names: Map<string, Named>): Step {
  const path: Path = ["steps", i];
  const st = rawSteps[i];
  if (!isRecord(st)) throw loc.error(path, `a step is a mapping with 'op' and its arguments, got ${describe(st)}`);
  const opv = st.op;
  if (opv === undefined) throw loc.error(path, "a step needs 'op'");
  if (typeof opv !== "string") throw loc.error([...path, "op"], `expected an op name, got ${describe(opv)}`);
  if (!isOp(opv)) {
    const near = suggest(opv, OPS);
    throw loc.error([...path, "op"], `unknown op '${opv}'${near ? ` (did you mean '${near}'?)` : ""}`);
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
      const later = (rawSteps as unknown[]).findIndex((x, j) => j > i && isRecord(x) && x.as === ref);
      const near = suggest(ref, [...names.keys()]);
      throw loc.error(
        refPath,
        later >= 0
          ? `'${ref}' is defined later, by steps[${later}]; a step can only use names defined before it`
          : `'${ref}' is not defined by an earlier step's 'as'${near ? ` (did you mean '${near}'?)` : ""}`,
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

  const where = loc.where(path);
  const step: Step = { op, args: {} };
  if (st.as !== undefined) {
    const as = st.as as string;
    const prev = names.get(as);
    if (prev) throw loc.error([...path, "as"], `'${as}' is already defined by steps[${prev.step}]${prev.line ? ` (line ${prev.line})` : ""}; every 'as' name must be unique`);
    names.set(as, { kind: spec.produces!, step: i, line: where.line });
    step.as = as;
  }
  if (rawExpect !== undefined) step.expect = convExpect(stepExpectSchema.parse(rawExpect));
  for (const [k, v] of Object.entries(st)) {
    if (k === "op" || k === "as" || k === "expect" || v === undefined) continue;
    step.args[k] = convArg(k, v);
  }
  if (where.line !== undefined) step.line = where.line;
  if (where.col !== undefined) step.col = where.col;
  return step;
}

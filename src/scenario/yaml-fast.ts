/**
 * A fast reader for the block-style YAML subset scenario files are written in.
 *
 * The `yaml` package composes a full Document (~150 µs per scenario step); this reader makes one
 * pass over the lines and builds plain values directly (a few µs per step). It accepts block
 * mappings and sequences, single-line flow collections, plain / single- / double-quoted scalars on
 * one line, `|` / `>` block scalars with uniform indentation and comments, resolved with the YAML 1.2
 * core schema exactly as `yaml` resolves them (integers exact: a number when safe, else the decimal
 * text, as parse.ts's slow path does), and anchors with their aliases in block context (an alias
 * shares its anchor's value; the values aliases stand for are counted against MAX_VALUES exactly
 * as the slow path counts them, and a document past it is refused here with the alias's offset).
 * Anything else — anchors in flow collections or on mapping keys, tags, directives, several
 * documents, multi-line plain or quoted scalars, complex keys, tabs in indentation, duplicate keys,
 * anything malformed — returns null, and the caller uses the full `yaml` parser, which also owns
 * every syntax error message. A differential test checks both agree on every bundled scenario.
 *
 * With `withPos`, the reader also records the offsets of keys and values (used only to place an
 * error: the caller parses a second time when a message needs a position).
 */

/** Offsets of one container's members: key → [key offset, value offset] (sequences: index → [item, item]). */
export type Members = Map<string | number, readonly [number, number]>;

export interface FastPositions {
  root: number;
  members: WeakMap<object, Members>;
}

export interface FastResult {
  value: unknown;
  /** offsets of the items of each block sequence (always recorded: steps need their line) */
  items: Map<unknown[], number[]>;
  /** the source text of top-level plain scalars (e.g. `kernel: 5.10` is the float 5.1 but means "5.10") */
  rawTop: Map<string, string>;
  pos?: FastPositions;
  /** deepest nesting seen */
  depth: number;
}

import { fmtCount, MAX_VALUES } from "./limits.js";

/** A limit the document passes: the caller reports it at `offset`. */
export class FastLimit {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

const BAIL = Symbol("bail");
/** an anchor whose node is still being read */
const OPEN = Symbol("open anchor");
class Bail {
  readonly [BAIL] = true;
}
const bail = new Bail();

const INT_DEC = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const INT_OCT = /^0o[0-7]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

/** An exact integer the way parse.ts's slow path normalises `yaml`'s bigints. */
function exactInt(b: bigint): number | string {
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString();
}

/** YAML 1.2 core schema resolution of a plain scalar (as the `yaml` package's core schema does it). */
export function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // fast exit: most scalars start with a letter other than n/N/t/T/f/F
  if (s === "" || s === "~" || s === "null" || s === "Null" || s === "NULL") return null;
  if (s === "true" || s === "True" || s === "TRUE") return true;
  if (s === "false" || s === "False" || s === "FALSE") return false;
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
    if (INT_OCT.test(s)) return exactInt(BigInt("0o" + s.slice(2)));
    if (INT_DEC.test(s)) return exactInt(BigInt(s));
    if (INT_HEX.test(s)) return exactInt(BigInt(s));
    if (FLOAT_SPECIAL.test(s)) return s.endsWith("n") || s.endsWith("N") ? NaN : s[0] === "-" ? -Infinity : Infinity;
    if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  }
  return s;
}

/** A plain key whose value, as a JS property name, is the text as written (`1`, `true`, `op`; not `0x1F`, `~`, `1.50`). */
function plainKeyIsText(k: string): boolean {
  const r = resolvePlain(k);
  return typeof r === "string" || String(r) === k;
}

const DQ_ESCAPES: Record<string, string> = {
  "0": "\0", a: "\x07", b: "\b", t: "\t", "\t": "\t", n: "\n", v: "\v", f: "\f", r: "\r", e: "\x1b",
  " ": " ", '"': '"', "/": "/", "\\": "\\", N: "\u0085", _: "\u00a0", L: "\u2028", P: "\u2029",
};

interface Cursor {
  s: string;
  i: number;
}

/** A double-quoted scalar on one line; the cursor is at the opening quote. */
function readDouble(c: Cursor): string {
  const s = c.s;
  let i = c.i + 1;
  let out = "";
  let from = i;
  for (;;) {
    const j = s.indexOf('"', i);
    const k = s.indexOf("\\", i);
    if (j < 0) throw bail;
    if (k >= 0 && k < j) {
      out += s.slice(from, k);
      const e = s[k + 1];
      if (e === undefined) throw bail;
      const simple = DQ_ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        i = from = k + 2;
        continue;
      }
      const n = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
      const hexs = s.slice(k + 2, k + 2 + n);
      if (n === 0 || hexs.length !== n || !/^[0-9a-fA-F]+$/.test(hexs)) throw bail;
      const cp = parseInt(hexs, 16);
      if (cp > 0x10ffff) throw bail;
      out += String.fromCodePoint(cp);
      i = from = k + 2 + n;
      continue;
    }
    out += s.slice(from, j);
    c.i = j + 1;
    return out;
  }
}

/** A single-quoted scalar on one line. */
function readSingle(c: Cursor): string {
  const s = c.s;
  let i = c.i + 1;
  let out = "";
  for (;;) {
    const j = s.indexOf("'", i);
    if (j < 0) throw bail;
    out += s.slice(i, j);
    if (s[j + 1] === "'") {
      out += "'";
      i = j + 2;
      continue;
    }
    c.i = j + 1;
    return out;
  }
}

function isWs(ch: string | undefined): boolean {
  return ch === " " || ch === "\t";
}

/** After a value: only spaces and an optional comment may follow. */
function expectEnd(c: Cursor): void {
  const s = c.s;
  let i = c.i;
  while (i < s.length && isWs(s[i])) i++;
  if (i < s.length && !(s[i] === "#" && i > c.i)) throw bail;
}

const FLOW_END = new Set([",", "]", "}"]);

/**
 * A flow collection on one line (`{ data: "x", fault: none }`, `[a, b]`). `base` is the line's
 * offset in the text (for positions). Nesting is bounded: deeper input goes to the slow path.
 */
function readFlow(c: Cursor, base: number, st: State, depth: number): unknown {
  if (depth > st.maxDepth) throw bail;
  if (depth > st.depth) st.depth = depth;
  const s = c.s;
  const open = s[c.i]!;
  const close = open === "[" ? "]" : "}";
  const isMap = open === "{";
  c.i++;
  const obj: Record<string, unknown> | unknown[] = isMap ? {} : [];
  const mem: Members | undefined = st.pos ? new Map() : undefined;
  let idx = 0;
  for (;;) {
    while (isWs(s[c.i])) c.i++;
    if (s[c.i] === close) {
      c.i++;
      break;
    }
    if (isMap) {
      const keyOff = base + c.i;
      const quoted = s[c.i] === '"' || s[c.i] === "'";
      const key = readFlowScalar(c, true);
      if (typeof key !== "string" || key === "" || (!quoted && !plainKeyIsText(key))) throw bail;
      while (isWs(s[c.i])) c.i++;
      if (s[c.i] !== ":") throw bail;
      c.i++;
      while (isWs(s[c.i])) c.i++;
      if (Object.prototype.hasOwnProperty.call(obj, key) || key === "__proto__") throw bail;
      const valOff = base + c.i;
      const v = readFlowValue(c, base, st, depth);
      defineKey(obj as Record<string, unknown>, key, v);
      st.total++;
      mem?.set(key, [keyOff, valOff]);
    } else {
      const valOff = base + c.i;
      const v = readFlowValue(c, base, st, depth);
      while (isWs(s[c.i])) c.i++;
      if (s[c.i] === ":") throw bail; // single-pair mapping in a flow sequence
      (obj as unknown[]).push(v);
      st.total++;
      mem?.set(idx, [valOff, valOff]);
      idx++;
    }
    while (isWs(s[c.i])) c.i++;
    if (s[c.i] === ",") {
      c.i++;
      continue;
    }
    if (s[c.i] === close) {
      c.i++;
      break;
    }
    throw bail;
  }
  if (mem) st.pos!.members.set(obj, mem);
  return obj;
}

function readFlowValue(c: Cursor, base: number, st: State, depth: number): unknown {
  const ch = c.s[c.i];
  if (ch === "[" || ch === "{") return readFlow(c, base, st, depth + 1);
  return readFlowScalar(c, false);
}

/** A scalar inside a flow collection; `key` stops plain scalars at ':'. */
function readFlowScalar(c: Cursor, key: boolean): unknown {
  const s = c.s;
  const ch = s[c.i];
  if (ch === '"') return readDouble(c);
  if (ch === "'") return readSingle(c);
  if (ch === undefined || "&*!|>%@`#,[]{}".includes(ch)) throw bail;
  if ((ch === "-" || ch === "?" || ch === ":") && (isWs(s[c.i + 1]) || s[c.i + 1] === undefined)) throw bail;
  const from = c.i;
  let i = c.i;
  for (; i < s.length; i++) {
    const x = s[i]!;
    if (FLOW_END.has(x) || x === "[" || x === "{") break;
    if (x === ":" && (isWs(s[i + 1]) || FLOW_END.has(s[i + 1]!) || s[i + 1] === undefined)) break;
    if (x === "#" && isWs(s[i - 1])) throw bail;
  }
  if (!key && s[i] === ":") throw bail;
  c.i = i;
  const text = s.slice(from, i).trimEnd();
  if (text === "") throw bail;
  return key ? text : resolvePlain(text);
}

/** Define a key on a plain object without invoking setters (`__proto__` is refused earlier). */
function defineKey(o: Record<string, unknown>, k: string, v: unknown): void {
  o[k] = v;
}

interface MapFrame {
  kind: "map";
  indent: number;
  obj: Record<string, unknown>;
  mem: Members | undefined;
}
interface SeqFrame {
  kind: "seq";
  indent: number;
  arr: unknown[];
  offs: number[];
  mem: Members | undefined;
}
type Frame = MapFrame | SeqFrame;

interface Pending {
  frame: Frame | null;
  key: string | number;
  indent: number;
  anchor?: string | undefined;
}

interface BlockState {
  frame: Frame;
  key: string | number;
  indent: number;
  folded: boolean;
  chomp: "clip" | "strip";
  lines: string[];
  contentIndent: number;
}

interface State {
  items: Map<unknown[], number[]>;
  /** values the document stands for so far (aliases count their anchor's whole value) */
  total: number;
  pos: FastPositions | undefined;
  depth: number;
  maxDepth: number;
}

/** Where a plain key ends (`key: value` / `key:`), or -1 when the text is not a mapping entry. */
function mapColon(s: string, from: number): number {
  const ch = s[from];
  if (ch === undefined || "&*!|>%@`#'\"[]{},?".includes(ch)) return -1;
  if (ch === "-" && (isWs(s[from + 1]) || s[from + 1] === undefined)) return -1;
  for (let i = from; i < s.length; i++) {
    const x = s[i]!;
    if (x === ":" && (s[i + 1] === " " || s[i + 1] === undefined)) return i;
    if (x === "#" && isWs(s[i - 1])) return -1;
  }
  return -1;
}

function isSeqItem(s: string, at: number): boolean {
  return s[at] === "-" && (s[at + 1] === " " || s[at + 1] === undefined);
}

/**
 * Parse `text` if it lies in the fast subset; null otherwise (the caller then uses `yaml`).
 * `maxDepth`: deeper documents are left to the caller (which refuses them with a position).
 */
export function fastYaml(text: string, withPos = false, maxDepth = 64): FastResult | null {
  const st: State = { items: new Map(), total: 0, pos: withPos ? { root: 0, members: new WeakMap() } : undefined, depth: 0, maxDepth };
  const rawTop = new Map<string, string>();
  try {
    const value = parseLines(text, st, rawTop);
    return { value, items: st.items, rawTop, depth: st.depth, ...(st.pos ? { pos: st.pos } : {}) };
  } catch (e) {
    if (e === bail) return null;
    throw e; // FastLimit, or a bug
  }
}

function parseLines(text: string, st: State, rawTop: Map<string, string>): unknown {
  if (text.charCodeAt(0) === 0xfeff) throw bail;
  const stack: Frame[] = [];
  let root: unknown = undefined;
  let rootSet = false;
  /** a key or item with nothing after it yet: the next deeper line is its value */
  let pending = null as Pending | null;
  const anchors = new Map<string, unknown>();
  const sizes = new WeakMap<object, number>();
  /** values a value stands for (memoised: nested aliases share their objects) */
  const sizeOf = (v: unknown): number => {
    if (v === null || typeof v !== "object") return 1;
    const known = sizes.get(v);
    if (known !== undefined) return known;
    let n = 1;
    for (const x of Array.isArray(v) ? v : Object.values(v)) n += sizeOf(x);
    sizes.set(v, n);
    return n;
  };
  const getIn = (frame: Frame | null, key: string | number): unknown => (frame === null ? root : frame.kind === "map" ? frame.obj[key as string] : frame.arr[key as number]);
  /** `&name` at s[j]: the name and where the value starts */
  const readAnchor = (s: string, j: number): { name: string; next: number } => {
    let e = j + 1;
    while (e < s.length && s[e] !== " " && s[e] !== "\t") e++;
    const name = s.slice(j + 1, e);
    if (name === "" || /[[\]{},]/.test(name)) throw bail;
    while (s[e] === " ") e++;
    // an anchor before `key: value` belongs to the key, before `- x` to a sequence: leave those to `yaml`
    if (isSeqItem(s, e) || mapColon(s, e) >= 0 || s[e] === "|" || s[e] === ">" || s[e] === "&" || s[e] === "!" || s[e] === "*") throw bail;
    return { name, next: e };
  };
  /** a block scalar being read */
  let block = null as BlockState | null;

  const setIn = (frame: Frame | null, key: string | number, v: unknown) => {
    st.total++;
    if (frame === null) {
      root = v;
      rootSet = true;
    } else if (frame.kind === "map") frame.obj[key as string] = v;
    else frame.arr[key as number] = v;
  };

  const pushFrame = (f: Frame, off: number) => {
    stack.push(f);
    if (stack.length > st.maxDepth) throw bail;
    if (stack.length > st.depth) st.depth = stack.length;
    if (f.kind === "seq") st.items.set(f.arr, f.offs);
    if (f.mem) st.pos!.members.set(f.kind === "map" ? f.obj : f.arr, f.mem);
  };

  /** A scalar or flow value (the rest of a line). */
  const inlineValue = (s: string, from: number, base: number): unknown => {
    const c: Cursor = { s, i: from };
    const ch = s[from]!;
    let v: unknown;
    if (ch === '"') v = readDouble(c);
    else if (ch === "'") v = readSingle(c);
    else if (ch === "[" || ch === "{") v = readFlow(c, base, st, stack.length + 1);
    else if (ch === "*") {
      let e = from + 1;
      while (e < s.length && s[e] !== " " && s[e] !== "\t") e++;
      const name = s.slice(from + 1, e);
      if (name === "" || /[[\]{},]/.test(name) || !anchors.has(name)) throw bail;
      c.i = e;
      expectEnd(c);
      const target = anchors.get(name);
      if (target === OPEN) throw bail; // an alias inside its own anchor's node
      if (target !== null && typeof target === "object" && stack.some((f) => (f.kind === "map" ? f.obj : f.arr) === target)) throw bail; // inside its own anchor
      st.total += sizeOf(target) - 1; // setIn counts one
      if (st.total > MAX_VALUES) throw new FastLimit(base + from, `alias *${name} expands the document past ${fmtCount(MAX_VALUES)} values (aliases are expanded when the scenario is used)`);
      return target;
    } else {
      if ("&*!|>%@`,]}#".includes(ch)) throw bail;
      if ((ch === "-" || ch === "?" || ch === ":") && (s[from + 1] === " " || s[from + 1] === undefined)) throw bail;
      let end = s.length;
      const hash = s.indexOf(" #", from);
      if (hash >= 0) end = hash;
      const t = s.slice(from, end).trimEnd();
      if (t.includes(": ") || t.endsWith(":") || t.includes("\t#")) throw bail;
      return resolvePlain(t);
    }
    expectEnd(c);
    return v;
  };

  /** Start a node whose text begins at column `col` of line `s` (offset `base`), as frame[key]. */
  const startNode = (frame: Frame | null, key: string | number, s: string, col: number, base: number) => {
    if (isSeqItem(s, col)) {
      const f: SeqFrame = { kind: "seq", indent: col, arr: [], offs: [], mem: st.pos ? new Map() : undefined };
      setIn(frame, key, f.arr);
      pushFrame(f, base + col);
      seqItem(f, s, col, base);
    } else if (mapColon(s, col) >= 0) {
      const f: MapFrame = { kind: "map", indent: col, obj: {}, mem: st.pos ? new Map() : undefined };
      setIn(frame, key, f.obj);
      pushFrame(f, base + col);
      mapEntry(f, s, col, base);
    } else {
      if (frame === null) throw bail; // a document that is a lone scalar: let `yaml` handle it
      setIn(frame, key, inlineValue(s, col, base));
    }
  };

  const seqItem = (f: SeqFrame, s: string, col: number, base: number) => {
    const idx = f.arr.length;
    f.arr.push(null);
    let j = col + 1;
    while (s[j] === " ") j++;
    let anchor: string | undefined;
    if (s[j] === "&") ({ name: anchor, next: j } = readAnchor(s, j));
    f.offs.push(base + (j >= s.length || s[j] === "#" ? col : j));
    f.mem?.set(idx, [base + col, base + j]);
    if (j >= s.length || s[j] === "#") {
      if (s[j] === "#" && !isWs(s[j - 1])) throw bail;
      pending = { frame: f, key: idx, indent: col, anchor };
      if (anchor !== undefined) anchors.set(anchor, OPEN);
      return;
    }
    if (s[j] === "|" || s[j] === ">") throw bail;
    startNode(f, idx, s, j, base);
    if (anchor !== undefined) anchors.set(anchor, f.arr[idx]);
  };

  const mapEntry = (f: MapFrame, s: string, col: number, base: number) => {
    const colon = mapColon(s, col);
    if (colon < 0) throw bail;
    const key = s.slice(col, colon).trimEnd();
    if (key === "" || key === "__proto__" || key.includes(" #") || Object.prototype.hasOwnProperty.call(f.obj, key)) throw bail;
    if (key === "<<") throw bail; // merge keys are YAML 1.1
    if (!plainKeyIsText(key)) throw bail; // `0x1F:`, `~:`, `1.50:` are not the text as written
    let j = colon + 1;
    while (s[j] === " ") j++;
    let anchor: string | undefined;
    if (s[j] === "&") ({ name: anchor, next: j } = readAnchor(s, j));
    f.mem?.set(key, [base + col, base + j]);
    f.obj[key] = null;
    if (j >= s.length || s[j] === "#") {
      if (s[j] === "#" && !isWs(s[j - 1])) throw bail;
      pending = { frame: f, key, indent: col, anchor };
      if (anchor !== undefined) anchors.set(anchor, OPEN);
      return;
    }
    const ch = s[j];
    if (ch === "|" || ch === ">") {
      const hdr = s.slice(j + 1).replace(/\s+#.*$/, "").trimEnd();
      if (hdr !== "" && hdr !== "-") throw bail; // explicit indentation, keep chomping: `yaml`
      block = { frame: f, key, indent: col, folded: ch === ">", chomp: hdr === "-" ? "strip" : "clip", lines: [], contentIndent: -1 };
      return;
    }
    if (isSeqItem(s, j) || mapColon(s, j) >= 0 && s[j] !== '"' && s[j] !== "'") throw bail; // `a: b: c`, `a: - b`
    const v = inlineValue(s, j, base);
    f.obj[key] = v;
    st.total++;
    if (anchor !== undefined) anchors.set(anchor, v);
    if (stack.length === 1 && typeof v !== "string" && !(typeof v === "object" && v !== null)) rawTop.set(key, s.slice(j).replace(/\s+#.*$/, "").trimEnd());
  };

  const finishBlock = () => {
    const b = block!;
    block = null;
    const ls = b.lines;
    let end = ls.length;
    while (end > 0 && ls[end - 1] === "") end--;
    const body = ls.slice(0, end);
    let out: string;
    if (b.folded) {
      out = "";
      for (let i = 0; i < body.length; i++) {
        const l = body[i]!;
        if (i === 0) out = l;
        else if (l === "") out += "\n";
        else out += body[i - 1] === "" ? l : " " + l;
      }
      // an empty line between two text lines gives one newline, not a space plus a newline
    } else out = body.join("\n");
    if (body.length === 0) out = "";
    else if (b.chomp === "clip") out += "\n";
    setIn(b.frame, b.key, out);
  };

  let off = 0;
  const n = text.length;
  while (off <= n) {
    let nl = text.indexOf("\n", off);
    if (nl < 0) nl = n;
    let line = text.slice(off, nl);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    const base = off;
    off = nl + 1;
    if (line.includes("\t") && /^[ \t]*\t/.test(line)) {
      if (line.trim() !== "" || block) throw bail;
      if (nl >= n) break;
      continue;
    }
    let col = 0;
    while (line.charCodeAt(col) === 32) col++;
    const blank = col >= line.length;

    if (block) {
      const b: BlockState = block;
      if (blank) {
        if (line.length > b.contentIndent && b.contentIndent >= 0) throw bail; // spaces beyond the indent on an empty line
        b.lines.push("");
        if (nl >= n) {
          finishBlock();
          break;
        }
        continue;
      }
      if (col > b.indent) {
        if (b.contentIndent < 0) {
          if (b.lines.length > 0) throw bail; // leading empty lines: `yaml`
          b.contentIndent = col;
        }
        if (col !== b.contentIndent) throw bail; // more-indented lines: leave folding rules to `yaml`
        b.lines.push(line.slice(col));
        if (nl >= n) {
          finishBlock();
          break;
        }
        continue;
      }
      finishBlock();
    }
    if (blank || line[col] === "#") {
      if (nl >= n) break;
      continue;
    }
    if (col === 0 && (line.startsWith("---") || line.startsWith("...") || line[0] === "%")) throw bail;

    if (pending) {
      const p = pending as Pending;
      pending = null;
      if (p.anchor !== undefined) anchors.set(p.anchor, null); // unless a node follows (below)
      if (col > p.indent || (col === p.indent && p.frame?.kind === "map" && isSeqItem(line, col))) {
        if (p.anchor !== undefined) anchors.set(p.anchor, OPEN);
        startNode(p.frame, p.key, line, col, base);
        if (p.anchor !== undefined) anchors.set(p.anchor, getIn(p.frame, p.key));
        if (nl >= n) break;
        continue;
      }
    }
    if (!rootSet && stack.length === 0) {
      st.pos && (st.pos.root = base + col);
      startNode(null, 0, line, col, base);
      if (!rootSet) throw bail;
      if (nl >= n) break;
      continue;
    }
    while (stack.length > 0 && stack[stack.length - 1]!.indent > col) stack.pop();
    let top = stack[stack.length - 1];
    if (!top || top.indent !== col) throw bail;
    if (top.kind === "seq" && !isSeqItem(line, col)) {
      stack.pop();
      top = stack[stack.length - 1];
      if (!top || top.indent !== col || top.kind !== "map") throw bail;
    }
    if (top.kind === "seq") seqItem(top, line, col, base);
    else {
      if (isSeqItem(line, col)) throw bail;
      mapEntry(top, line, col, base);
    }
    if (nl >= n) break;
  }
  if (block) finishBlock();
  if (!rootSet) throw bail;
  return root;
}

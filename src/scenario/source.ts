/**
 * Scenario text → plain values, with positions for messages.
 *
 * Three readers, cheapest first:
 * - JSON (a `.json` file, or text that starts with `{`): `JSON.parse`; positions, when a message
 *   needs one, come from the `yaml` parser (JSON is YAML). Numbers too long to be exact in a double
 *   send the text to the `yaml` reader, which keeps integers exact.
 * - the fast block-YAML reader (yaml-fast.ts), for the subset scenario files are written in;
 *   positions from a second pass when a message needs them.
 * - the `yaml` package's Document, for everything else (anchors, aliases, tags, multi-line
 *   scalars, and every syntax error). Its aliases are not deep-copied: an alias shares the value of
 *   its anchor, and the number of values the document stands for once aliases are expanded is
 *   counted and bounded (MAX_VALUES), so an alias bomb is refused before anything walks it.
 *
 * Integers come out as numbers when exact, else as their decimal text (parseU64 checks those).
 * Every reader refuses nesting deeper than MAX_DEPTH, with a position.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { InputError } from "../core/faults.js";
import { cleanMessage, fmtCount, MAX_DEPTH, MAX_VALUES } from "./limits.js";
import { FastLimit, fastYaml, type FastPositions } from "./yaml-fast.js";

export type Path = readonly (string | number)[];

export interface Where {
  file: string;
  line?: number;
  col?: number;
}

export interface SourceDoc {
  value: unknown;
  /** the source text of top-level plain scalars (`kernel: 5.10`) */
  rawTop: Map<string, string>;
  /** which reader produced the value */
  reader: "json" | "fast" | "yaml";
  /** where item `i` of a list (a step) starts, when known without another pass */
  itemStart(list: unknown[], i: number): { line: number; col: number } | undefined;
  /** where the node at `path` is (with `key`, the key of its last segment); the deepest existing ancestor otherwise */
  where(path: Path, key?: boolean): Where;
}

/** 1-based line and column of offsets in a text (line starts found once, on first use). */
class Lines {
  private starts: number[] | null = null;
  constructor(private readonly text: string) {}
  pos(off: number): { line: number; col: number } {
    if (!this.starts) {
      const s = [0];
      const t = this.text;
      for (let i = t.indexOf("\n"); i >= 0; i = t.indexOf("\n", i + 1)) s.push(i + 1);
      this.starts = s;
    }
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: off - s[lo]! + 1 };
  }
}

/** Parse scenario text. Throws InputError (with a position) for malformed text and exceeded limits. */
export function readSource(text: string, file: string): SourceDoc {
  const lines = new Lines(text);
  const head = text.length > 4096 ? text.slice(0, 4096) : text;
  const first = /\S/.exec(head)?.[0];
  const isJsonName = /\.json$/i.test(file);
  // by content where the name says neither (standard input): `{"` (or `{}`) opens JSON, whose errors are
  // then JSON's (they were YAML's: "Flow sequence in block collection ..."); `{name: x}` is YAML flow
  const jsonByContent = !/\.ya?ml$/i.test(file) && /^\s*\{\s*["}]/.test(head);
  if (isJsonName || first === "{") {
    const r = readJson(text, file, lines, isJsonName || jsonByContent);
    if (r) return r;
  }
  let fast: ReturnType<typeof fastYaml>;
  try {
    fast = fastYaml(text, false, MAX_DEPTH);
  } catch (e) {
    if (e instanceof FastLimit) throw new InputError(e.message, { file, ...lines.pos(e.offset) });
    throw e;
  }
  if (fast) {
    let second: ReturnType<typeof fastYaml> | undefined;
    return {
      value: fast.value,
      rawTop: fast.rawTop,
      reader: "fast",
      itemStart(list, i) {
        const off = fast.items.get(list)?.[i];
        return off === undefined ? undefined : lines.pos(off);
      },
      where(path, key = false) {
        if (second === undefined) second = fastYaml(text, true, MAX_DEPTH);
        if (!second?.pos) return { file };
        return { file, ...lines.pos(fastWhere(second.value, second.pos, path, key)) };
      },
    };
  }
  return readYaml(text, file, lines);
}

/** Offset of `path` in a fast-read tree. */
function fastWhere(root: unknown, pos: FastPositions, path: Path, key: boolean): number {
  let v = root;
  let off = pos.root;
  for (let i = 0; i < path.length; i++) {
    if (v === null || typeof v !== "object") break;
    const m = pos.members.get(v);
    const e = m?.get(path[i]!);
    if (!e) break;
    if (i === path.length - 1 && key) return e[0];
    off = e[1];
    v = (v as Record<string | number, unknown>)[path[i]!];
  }
  return off;
}

/** Deepest nesting of a plain value, counted iteratively (JSON.parse's output can be arbitrarily deep). */
function tooDeep(v: unknown, limit: number): Path | null {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v, path: [] }];
  while (stack.length) {
    const { v: x, path } = stack.pop()!;
    if (x === null || typeof x !== "object") continue;
    if (path.length >= limit) return path;
    if (Array.isArray(x)) x.forEach((y, i) => typeof y === "object" && y !== null && stack.push({ v: y, path: [...path, i] }));
    else for (const [k, y] of Object.entries(x)) if (typeof y === "object" && y !== null) stack.push({ v: y, path: [...path, k] });
  }
  return null;
}

function depthError(file: string, where: Where | undefined): InputError {
  return new InputError(`the document nests deeper than ${MAX_DEPTH} levels (a scenario needs a handful)`, where ?? { file });
}

function readJson(text: string, file: string, lines: Lines, isJson: boolean): SourceDoc | null {
  // integers of 16+ digits may not be exact as doubles: the yaml reader keeps them exact
  if (/[0-9]{16}/.test(text)) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (!isJson) return null; // `{name: x}` is YAML flow, not JSON
    void e;
    const bad = jsonError(text);
    throw new InputError(cleanMessage(`invalid JSON: ${bad.message}`), { file, ...lines.pos(bad.at) });
  }
  let items: WeakMap<object, number[]> | undefined;
  const doc: SourceDoc = {
    value,
    rawTop: new Map(),
    reader: "json",
    itemStart(list, i) {
      items ??= jsonItemOffsets(text, value);
      const off = items.get(list)?.[i];
      return off === undefined ? undefined : lines.pos(off);
    },
    where: (path, key = false) => ({ file, ...lines.pos(jsonOffset(text, path, key)) }),
  };
  if (tooDeep(value, MAX_DEPTH)) throw depthError(file, { file, ...(deepLine(text, lines) ?? { line: 1, col: 1 }) });
  return doc;
}

/**
 * The offset of every item of every array in well-formed JSON text, keyed by the array JSON.parse
 * made of it (`value`): one scan beside the parsed value (a duplicate key's later value wins, as in
 * JSON.parse). Nesting is bounded by MAX_DEPTH before this runs.
 */
function jsonItemOffsets(t: string, value: unknown): WeakMap<object, number[]> {
  const out = new WeakMap<object, number[]>();
  const n = t.length;
  let i = 0;
  // 32 space, 10 \n, 13 \r, 9 \t; 34 ", 92 \, 44 ',', 91 [, 93 ], 123 {, 125 }
  const ws = () => {
    let c = t.charCodeAt(i);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = t.charCodeAt(++i);
  };
  let nextBs = t.indexOf("\\");
  /** skip a string at t[i] === '"' (to the first quote not escaped by an odd run of backslashes); true when it has an escape */
  const skipString = (): boolean => {
    const from = i + 1;
    let q = t.indexOf('"', from);
    for (;;) {
      if (q < 0) {
        i = n;
        return false;
      }
      let b = q - 1;
      while (b >= from && t.charCodeAt(b) === 92) b--;
      if ((q - 1 - b) % 2 === 0) break;
      q = t.indexOf('"', q + 1);
    }
    if (nextBs >= 0 && nextBs < from) nextBs = t.indexOf("\\", from); // the next backslash, found once per stretch: amortised one pass
    i = q + 1;
    return nextBs >= 0 && nextBs < q;
  };
  const walk = (v: unknown): void => {
    ws();
    const c = t.charCodeAt(i);
    if (c === 91) {
      i++;
      const offs: number[] = [];
      const arr = Array.isArray(v) ? v : undefined;
      for (let k = 0; ; k++) {
        ws();
        if (i >= n || t.charCodeAt(i) === 93) break;
        offs.push(i);
        walk(arr?.[k]);
        ws();
        if (t.charCodeAt(i) === 44) i++;
      }
      i++;
      if (arr) out.set(arr, offs);
    } else if (c === 123) {
      i++;
      const obj = v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
      for (;;) {
        ws();
        if (t.charCodeAt(i) !== 34) break;
        const from = i;
        const esc = skipString();
        const to = i;
        ws();
        i++; // ':'
        ws();
        const c2 = t.charCodeAt(i);
        if (c2 === 91 || c2 === 123) {
          // a container: the key is needed to follow the parsed value
          const key = esc ? (JSON.parse(t.slice(from, to)) as string) : t.slice(from + 1, to - 1);
          walk(obj !== undefined && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined);
        } else skipScalar();
        ws();
        if (t.charCodeAt(i) === 44) i++;
      }
      i++;
    } else skipScalar();
  };
  /** a string, number, true/false/null — or a container whose value is not kept (walked for its arrays' sake only if it is one) */
  const skipScalar = (): void => {
    ws();
    const c = t.charCodeAt(i);
    if (c === 34) skipString();
    else if (c === 91 || c === 123) walk(undefined);
    else
      for (let d = t.charCodeAt(i); i < n && d !== 44 && d !== 93 && d !== 125 && d !== 32 && d !== 10 && d !== 13 && d !== 9; d = t.charCodeAt(++i));
  };
  walk(value);
  return out;
}

/**
 * Offset of the value at `path` in well-formed JSON text (with `key`, of its key), or of the
 * deepest existing ancestor: one scan that skips what it does not need, no values built.
 */
export function jsonOffset(t: string, path: Path, key = false): number {
  let i = 0;
  const ws = () => {
    while (i < t.length && (t[i] === " " || t[i] === "\n" || t[i] === "\r" || t[i] === "\t")) i++;
  };
  const skipString = () => {
    i++;
    while (i < t.length && t[i] !== '"') i += t[i] === "\\" ? 2 : 1;
    i++;
  };
  const readString = (): string => {
    const from = i;
    skipString();
    return JSON.parse(t.slice(from, i)) as string;
  };
  /** skip one value (iteratively: nesting may be deep) */
  const skipValue = () => {
    let depth = 0;
    do {
      ws();
      const ch = t[i];
      if (ch === '"') skipString();
      else if (ch === "{" || ch === "[") {
        depth++;
        i++;
      } else if (ch === "}" || ch === "]") {
        depth--;
        i++;
      } else if (ch === "," || ch === ":") i++;
      else while (i < t.length && !",:]} \n\r\t".includes(t[i]!)) i++;
      if (i >= t.length) return;
    } while (depth > 0);
  };
  ws();
  let at = i;
  for (let p = 0; p < path.length; p++) {
    const seg = path[p]!;
    const last = p === path.length - 1;
    if (t[i] === "{" && typeof seg === "string") {
      i++;
      let found = false;
      for (;;) {
        ws();
        if (t[i] !== '"') return at;
        const keyAt = i;
        const k = readString();
        ws();
        i++; // ':'
        ws();
        if (k === seg) {
          if (last && key) return keyAt;
          found = true;
          break;
        }
        skipValue();
        ws();
        if (t[i] !== ",") return at;
        i++;
      }
      if (!found) return at;
    } else if (t[i] === "[" && typeof seg === "number") {
      i++;
      for (let n = 0; n < seg; n++) {
        ws();
        skipValue();
        ws();
        if (t[i] !== ",") return at;
        i++;
      }
      ws();
      if (t[i] === "]") return at;
    } else return at;
    ws();
    at = i;
  }
  return at;
}

/** Where and why JSON text is malformed (JSON.parse's own message has no position on every Node version). */
export function jsonError(t: string): { at: number; message: string } {
  let i = 0;
  /** offset of the last significant character consumed */
  let last = -1;
  const stack: string[] = [];
  const ws = () => {
    while (i < t.length && (t[i] === " " || t[i] === "\n" || t[i] === "\r" || t[i] === "\t")) i++;
  };
  const what = () => (i >= t.length ? "the end of the text" : `'${t[i] === "'" ? "\\'" : t[i]}'`);
  const fail = (expected: string) => ({ at: Math.min(i, Math.max(0, t.length - 1)), message: `expected ${expected}, found ${what()}` });
  const value = (): { at: number; message: string } | null => {
    ws();
    const ch = t[i];
    if (ch === "{" || ch === "[") {
      stack.push(ch === "{" ? "}" : "]");
      last = i++;
      return null;
    }
    if (ch === '"') {
      i++;
      for (;;) {
        if (i >= t.length) return fail("a closing quote");
        const c = t.charCodeAt(i);
        if (c < 0x20) return { at: i, message: "a control character inside a string (write it as \\u00XX)" };
        if (t[i] === "\\") {
          const e = t[i + 1];
          if (e === "u" ? !/^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6)) : !e || !'"\\/bfnrt'.includes(e)) return { at: i, message: "a bad escape in a string" };
          i += e === "u" ? 6 : 2;
          continue;
        }
        i++;
        if (t[i - 1] === '"') {
          last = i - 1;
          return null;
        }
      }
    }
    const m = /^(?:-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null)/.exec(t.slice(i, i + 400));
    if (!m) return fail("a value");
    i += m[0].length;
    last = i - 1;
    return null;
  };
  let r = value();
  if (r) return r;
  for (;;) {
    ws();
    const top = stack[stack.length - 1];
    if (top === undefined) {
      if (i < t.length) return fail("the end of the text");
      return { at: 0, message: "malformed JSON" };
    }
    // inside a container: after an opening bracket or a value
    const prev = t[last];
    if (t[i] === top && prev !== ",") {
      stack.pop();
      last = i++;
      continue;
    }
    if (prev !== "{" && prev !== "[" && prev !== ",") {
      if (t[i] !== ",") return fail(`',' or '${top}'`);
      i++;
      ws();
    }
    if (top === "}") {
      if (t[i] !== '"') return fail("a key in double quotes");
      r = value();
      if (r) return r;
      ws();
      if (t[i] !== ":") return fail("':'");
      i++;
    }
    r = value();
    if (r) return r;
  }
}

/** The first line whose indentation or bracket depth passes the nesting limit (for a parser that ran out of stack). */
function deepLine(text: string, lines: Lines): { line: number; col: number } | undefined {
  let depth = 0;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\n") lineStart = i + 1;
    else if (ch === "[" || ch === "{") {
      if (++depth > MAX_DEPTH) return lines.pos(i);
    } else if (ch === "]" || ch === "}") depth--;
    else if (i - lineStart > 2 * MAX_DEPTH && /^[ -]*$/.test(text.slice(lineStart, i))) return lines.pos(i);
  }
  return undefined;
}

function readYaml(text: string, file: string, lines: Lines): SourceDoc {
  const lc = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { keepSourceTokens: false, lineCounter: lc, intAsBigInt: true, uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    if (e instanceof RangeError) throw depthError(file, { file, ...(deepLine(text, lines) ?? { line: 1, col: 1 }) });
    throw e;
  }
  const yerr = doc.errors[0];
  if (yerr && /call stack/i.test(yerr.message)) throw depthError(file, { file, ...(deepLine(text, lines) ?? lc.linePos(yerr.pos[0])) });
  if (yerr) {
    if (yerr.code === "BLOCK_AS_IMPLICIT_KEY") {
      const deeper = overIndented(text, yerr.pos[0]);
      if (deeper) throw new InputError(deeper.message, { file, line: deeper.line, col: deeper.col });
    }
    if (yerr.code === "MISSING_CHAR" || yerr.code === "BAD_INDENT") {
      const shallower = underIndented(text, yerr.pos[0]);
      if (shallower) throw new InputError(shallower.message, { file, line: shallower.line, col: shallower.col });
    }
    const { line, col } = lc.linePos(yerr.pos[0]);
    const msg = yerr.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    throw new InputError(cleanMessage(`invalid YAML: ${msg}`), { file, line, col });
  }
  const where = (n: Node | null | undefined): Where => {
    const off = n?.range?.[0];
    return off === undefined ? { file } : { file, ...lines.pos(off) };
  };
  const nodeOf = new WeakMap<object, Node>();
  const rawTop = new Map<string, string>();
  if (doc.contents === null) return { value: null, rawTop, reader: "yaml", itemStart: () => undefined, where: () => ({ file, line: 1, col: 1 }) };

  // Document → plain values; aliases share their anchor's value, expansion counted.
  const memo = new Map<Node, { v: unknown; size: number }>();
  const inProgress = new Set<Node>();
  const anchors = new Map<string, Node>();
  let total = 0;
  const convert = (node: unknown, depth: number): { v: unknown; size: number } => {
    if (isAlias(node)) {
      // the latest anchor of that name before the alias (document order, as the walk goes);
      // Alias.resolve would search the whole document for every alias
      const target = anchors.get(node.source);
      if (!target) throw new InputError(`invalid YAML: alias *${node.source} has no anchor`, where(node));
      if (inProgress.has(target)) throw new InputError(`invalid YAML: alias *${node.source} refers to a node that contains it`, where(node));
      const r = memo.get(target) ?? convert(target, depth);
      total += r.size;
      if (total > MAX_VALUES) throw new InputError(`alias *${node.source} expands the document past ${fmtCount(MAX_VALUES)} values (aliases are expanded when the scenario is used)`, where(node));
      return r;
    }
    const n = node as Node;
    if (depth > MAX_DEPTH) throw depthError(file, where(n));
    const anchor = (n as { anchor?: string } | null)?.anchor;
    if (anchor) anchors.set(anchor, n);
    if (memo.has(n)) return memo.get(n)!;
    let out: { v: unknown; size: number };
    if (isScalar(n)) {
      let v = n.value;
      if (typeof v === "bigint") v = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
      out = { v, size: 1 };
      total++;
    } else if (isMap(n)) {
      inProgress.add(n);
      total++;
      const o: Record<string, unknown> = {};
      let size = 1;
      for (const p of n.items) {
        const k = isScalar(p.key) ? p.key.value : p.key;
        if (k !== null && typeof k === "object") throw new InputError("a mapping key must be a plain name, not a mapping or a list", where(p.key as Node));
        const ks = String(k);
        if (ks === "__proto__") throw new InputError("'__proto__' is not a key a scenario has", where(p.key as Node));
        const r = convert(p.value, depth + 1);
        o[ks] = r.v;
        size += r.size;
      }
      inProgress.delete(n);
      nodeOf.set(o, n);
      out = { v: o, size };
    } else if (isSeq(n)) {
      inProgress.add(n);
      total++;
      const a: unknown[] = [];
      let size = 1;
      for (const it of n.items) {
        const r = convert(it, depth + 1);
        a.push(r.v);
        size += r.size;
      }
      inProgress.delete(n);
      nodeOf.set(a, n);
      out = { v: a, size };
    } else if (n === null || n === undefined) {
      out = { v: null, size: 1 };
    } else throw new InputError("unsupported YAML node", where(n));
    if (total > MAX_VALUES) throw new InputError(`the document stands for more than ${fmtCount(MAX_VALUES)} values`, where(n));
    if (n && typeof n === "object" && (n as { anchor?: string }).anchor) memo.set(n, out);
    return out;
  };
  let value: unknown;
  try {
    value = convert(doc.contents, 0).v;
  } catch (e) {
    if (e instanceof RangeError) throw depthError(file, { file, ...(deepLine(text, lines) ?? { line: 1, col: 1 }) });
    throw e;
  }
  if (isMap(doc.contents)) {
    for (const p of doc.contents.items) {
      if (isScalar(p.key) && isScalar(p.value) && typeof p.value.source === "string" && typeof p.value.value !== "string") rawTop.set(String(p.key.value), p.value.source);
    }
  }

  /** The node at `path`, or the deepest existing ancestor. With `key`, the key node of the last segment. */
  const nodeAt = (path: Path, key: boolean): Node | null => {
    let node: unknown = doc.contents;
    for (let i = 0; i < path.length; i++) {
      if (isAlias(node)) node = node.resolve(doc);
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
  };

  return {
    value,
    rawTop,
    reader: "yaml",
    itemStart: (list, i) => {
      const n = nodeOf.get(list);
      const item = isSeq(n) ? (n.items[i] as Node | undefined) : undefined;
      const off = item?.range?.[0];
      return off === undefined ? undefined : lines.pos(off);
    },
    where: (path, key = false) => where(nodeAt(path, key)),
  };
}

/**
 * A key indented less than the key above it, but not back to an enclosing mapping's column, makes
 * the `yaml` package say "Sequence item without - indicator" (under a list item) or "All mapping
 * items must start at the same column", at column 1. Say what is wrong, at the key: the line
 * holding `pos` is indented less than the content line above it, which is a `key:` line.
 */
function underIndented(text: string, pos: number): { line: number; col: number; message: string } | undefined {
  const start = text.lastIndexOf("\n", pos - 1) + 1;
  const end = text.indexOf("\n", start);
  const body = text.slice(start, end < 0 ? undefined : end);
  if (!/^ *[^\s#-]/.test(body)) return undefined;
  const ind = /^ */.exec(body)![0].length;
  const lineNo = (i: number) => text.slice(0, i).split("\n").length;
  // the content line above (skipping blank and comment lines)
  let e = start - 1;
  while (e > 0) {
    const s = text.lastIndexOf("\n", e - 1) + 1;
    const above = text.slice(s, e);
    if (above.trim() !== "" && !above.trimStart().startsWith("#")) {
      const m = /^( *(?:- +)*)([^\s:#][^:#]*?):(?:\s|$)/.exec(above);
      if (!m) return undefined;
      const base = m[1]!.length;
      if (ind >= base) return undefined;
      return { line: lineNo(start), col: ind + 1, message: `invalid YAML: this line is indented less than '${m[2]}:' on line ${lineNo(s)} (column ${ind + 1}, not ${base + 1}): the keys of one mapping start in the same column` };
    }
    e = s - 1;
  }
  return undefined;
}

/**
 * The `yaml` package reports a key indented deeper than the key above it ("Nested mappings are not
 * allowed in compact mappings") at the value of the key above. Say what is wrong, at the line
 * that is wrong: the first content line after the one holding `pos`, when it is indented more.
 */
function overIndented(text: string, pos: number): { line: number; col: number; message: string } | undefined {
  const lineStartOf = (i: number) => text.lastIndexOf("\n", i - 1) + 1;
  const start = lineStartOf(pos);
  const indentOf = (s: number) => /^ */.exec(text.slice(s, s + 1000))![0].length;
  // the column of the key on the line above: after a sequence item's "- " when there is one
  const base = /^ *(?:- +)*/.exec(text.slice(start, start + 1000))![0].length;
  const lineNo = (i: number) => text.slice(0, i).split("\n").length;
  let i = text.indexOf("\n", pos);
  while (i >= 0) {
    const s = i + 1;
    const e = text.indexOf("\n", s);
    const body = text.slice(s, e < 0 ? undefined : e);
    if (body.trim() !== "" && !body.trimStart().startsWith("#")) {
      const ind = indentOf(s);
      if (ind <= base) return undefined;
      const key = /^\s*(?:-\s+)?([^\s:#][^:#]*?):(?:\s|$)/.exec(text.slice(start, text.indexOf("\n", start)))?.[1];
      const above = key ? `'${key}:' on line ${lineNo(start)}` : `line ${lineNo(start)}`;
      return { line: lineNo(s), col: ind + 1, message: `invalid YAML: this line is indented more than ${above} (column ${ind + 1}, not ${base + 1}): the keys of one mapping start in the same column` };
    }
    i = e;
  }
  return undefined;
}

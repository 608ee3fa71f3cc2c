/**
 * Deep copy of a booted model's object graph (src/boot-cache.ts): every object, array, Map, Set
 * and typed array reachable from the root is copied once (shared references stay shared, cycles
 * stay cycles), class instances keep their prototype, typed-array views keep their offsets into
 * a copy of their ArrayBuffer (the memory slabs), and functions, frozen objects, instances of
 * classes marked IMMUTABLE (page-table leaves) and the objects `isShared` names (the immutable platform and kernel-version
 * descriptions) are not copied.
 *
 * Engine core: no node:*, no DOM (structuredClone would drop prototypes).
 */

type Any = Record<PropertyKey, unknown>;

/** Set to true on a prototype whose instances never change after construction: copies share them. */
export const IMMUTABLE: unique symbol = Symbol.for("dmasim.immutable") as never;

/**
 * Set on a prototype: `{ fields, flag }` — instances whose `fields` (typed arrays) are a template's
 * share them with their copies, and the copy's `flag` is set so that the class copies them on first
 * use (see IoTlbMem). Shared when deepClone copies a template (`template`), or an instance whose
 * flag is already set (its arrays are still the template's); otherwise copied like any object.
 */
export const COW_FIELDS: unique symbol = Symbol.for("dmasim.cow-fields") as never;

/**
 * A deep copy of `root`. `template`: the root is a boot template that is never changed after this
 * (src/boot-cache.ts), so COW_FIELDS arrays may be shared with the copy.
 */
export function deepClone<T>(root: T, isShared: (o: object) => boolean, template = false): T {
  if (template && root !== null && typeof root === "object") {
    let p = plans.get(root);
    if (!p) {
      p = buildPlan(root, isShared);
      plans.set(root, p);
    }
    return applyPlan(p) as T;
  }
  const memo = new Map<unknown, unknown>();
  const buffers = new Map<ArrayBufferLike, ArrayBuffer>();

  const buf = (b: ArrayBufferLike): ArrayBuffer => {
    let c = buffers.get(b);
    if (!c) {
      c = (b as ArrayBuffer).slice(0);
      buffers.set(b, c);
    }
    return c;
  };

  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== "object") return v; // primitives and functions are shared
    // immutable class instances first: a prototype property test is cheaper than the memo lookup,
    // and page-table leaves are most of a model's objects
    if ((v as Any)[IMMUTABLE] === true) return v;
    const hit = memo.get(v);
    if (hit !== undefined) return hit;
    if (isShared(v) || Object.isFrozen(v)) return v; // immutable: shared
    if (ArrayBuffer.isView(v)) {
      const ctor = (v as unknown as { constructor: new (b: ArrayBuffer, o: number, l: number) => ArrayBufferView }).constructor;
      const len = v instanceof DataView ? v.byteLength : (v as unknown as { length: number }).length;
      const out = new ctor(buf(v.buffer), v.byteOffset, len);
      memo.set(v, out);
      return out;
    }
    if (v instanceof ArrayBuffer) {
      const out = buf(v);
      memo.set(v, out);
      return out;
    }
    if (Array.isArray(v)) {
      // a native copy first (holes stay holes), then the object elements replaced by their copies
      const out: unknown[] = v.slice();
      memo.set(v, out);
      for (let i = 0; i < out.length; i++) {
        const e = out[i];
        if (e !== null && typeof e === "object" && (e as Any)[IMMUTABLE] !== true) out[i] = copy(e);
      }
      return out;
    }
    if (v instanceof Map) {
      // a native copy first (most of the model's maps are pfn → number), then object keys/values
      const out = new Map(v);
      memo.set(v, out);
      let objKeys = false;
      for (const [a, b] of v) {
        if (a !== null && typeof a === "object") objKeys = true;
        else if (b !== null && typeof b === "object") out.set(a, copy(b));
      }
      if (objKeys) {
        out.clear();
        for (const [a, b] of v) out.set(copy(a), copy(b));
      }
      return out;
    }
    if (v instanceof Set) {
      const out = new Set();
      memo.set(v, out);
      for (const a of v) out.add(copy(a));
      return out;
    }
    if (v instanceof WeakMap || v instanceof WeakSet || v instanceof Promise) throw new TypeError("deepClone: a WeakMap, WeakSet or Promise cannot be copied");
    const proto = Object.getPrototypeOf(v) as object | null;
    // A spread copy, then the prototype: V8 copies a fast object's layout (CloneObjectIC) and caches
    // the prototype transition, so every copy of a class instance shares one fast hidden class.
    // (Object.create(proto) plus one store per property turns an object with more than a dozen
    // fields, like Kernel, into a slow dictionary-mode object: +25 % CPU on the fuzzer.)
    const out = (proto === Object.prototype ? { ...(v as Any) } : Object.setPrototypeOf({ ...(v as Any) }, proto)) as Any;
    memo.set(v, out);
    const cow = proto === Object.prototype ? undefined : ((v as Any)[COW_FIELDS] as { fields: string[]; flag: string } | undefined);
    const shareArrays = cow !== undefined && (template || (v as Any)[cow.flag] === true);
    if (shareArrays) out[cow.flag] = true;
    // own enumerable data properties: the model's objects have no accessors or hidden state of their own
    for (const key of Object.keys(out)) {
      const e = out[key];
      if (e !== null && typeof e === "object" && !(shareArrays && cow.fields.includes(key))) out[key] = copy(e);
    }
    return out;
  };

  return copy(root) as T;
}

/** Every object reachable from `roots` (for `isShared`: descriptions that are never mutated). */
export function reachable(...roots: unknown[]): WeakSet<object> {
  const seen = new WeakSet<object>();
  const stack: unknown[] = [...roots];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || (typeof v !== "object" && typeof v !== "function") || seen.has(v as object)) continue;
    seen.add(v as object);
    if (typeof v === "function") continue;
    if (v instanceof Map) for (const [a, b] of v) stack.push(a, b);
    else if (v instanceof Set) for (const a of v) stack.push(a);
    else if (!ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer)) for (const key of Reflect.ownKeys(v as object)) stack.push((v as Any)[key]);
  }
  return seen;
}

// ---------------------------------------------------------------------------------------------
// Copies of a boot template. A template never changes once it is one (src/boot-cache.ts), so the
// walk deepClone does — which objects to copy, which to share, where each reference points — is the
// same for every copy: it is done once and kept as a plan. A copy then allocates its objects from
// the plan's list (native copies: spread, slice, new Map) and patches the references between them,
// with no identity map, no sharing tests and no look at elements that hold no copied object.
// The result is the graph deepClone(root, isShared, true) builds (test/boot-cache.test.ts).

const K_OBJ = 0; // a class instance: spread, then its prototype (and a COW_FIELDS flag)
const K_PLAIN = 1; // a plain object: spread
const K_ARR = 2; // slice
const K_MAP = 3; // new Map(v), then the values that are copies set again (same order)
const K_MAPK = 4; // a Map with object keys: rebuilt entry by entry
const K_SET = 5; // rebuilt element by element
const K_VIEW = 6; // a typed array or DataView on the copy of its buffer
const K_BUF = 7; // an ArrayBuffer reached directly

interface Plan {
  /** the template's objects that are copied, in the order they were found (the root first) */
  src: object[];
  kind: number[];
  /** K_OBJ: the prototype; K_VIEW, K_BUF: the index of the buffer in `bufs` */
  aux: unknown[];
  /** K_OBJ with COW_FIELDS: the flag set on the copy */
  flag: (string | undefined)[];
  /** the buffers under the copied views, each copied once per copy */
  bufs: ArrayBufferLike[];
  /** reference patches: copy of src[node][key] (a Map's: .set(key)) is the copy of src[target] */
  pNode: number[];
  pKey: unknown[];
  pTarget: number[];
  /** K_MAPK, K_SET: their nodes and their entries (key, value pairs for maps): a node index, or -1 and the value as is */
  rNode: number[];
  rRef: number[][];
  rRaw: unknown[][];
}

const plans = new WeakMap<object, Plan>();

/** The plan of deepClone(root, isShared, true): the same tests, in the same order, as its walk. */
function buildPlan(root: object, isShared: (o: object) => boolean): Plan {
  const p: Plan = { src: [], kind: [], aux: [], flag: [], bufs: [], pNode: [], pKey: [], pTarget: [], rNode: [], rRef: [], rRaw: [] };
  const index = new Map<object, number>();
  const bufIndex = new Map<ArrayBufferLike, number>();
  const bufOf = (b: ArrayBufferLike): number => {
    let i = bufIndex.get(b);
    if (i === undefined) {
      i = p.bufs.length;
      p.bufs.push(b);
      bufIndex.set(b, i);
    }
    return i;
  };
  const patch = (n: number, key: unknown, e: unknown): void => {
    const t = visit(e);
    if (t >= 0) {
      p.pNode.push(n);
      p.pKey.push(key);
      p.pTarget.push(t);
    }
  };
  const entry = (refs: number[], raws: unknown[], e: unknown): void => {
    const t = visit(e);
    refs.push(t);
    raws.push(t >= 0 ? undefined : e);
  };
  // the node index of v's copy, or -1: v is kept as it is (a primitive, a function, or shared)
  const visit = (v: unknown): number => {
    if (v === null || typeof v !== "object") return -1;
    if ((v as Any)[IMMUTABLE] === true) return -1;
    const hit = index.get(v);
    if (hit !== undefined) return hit;
    if (isShared(v) || Object.isFrozen(v)) return -1;
    const n = p.src.length;
    p.src.push(v);
    index.set(v, n);
    p.kind.push(K_PLAIN);
    p.aux.push(undefined);
    p.flag.push(undefined);
    if (ArrayBuffer.isView(v)) {
      p.kind[n] = K_VIEW;
      p.aux[n] = bufOf(v.buffer);
      return n;
    }
    if (v instanceof ArrayBuffer) {
      p.kind[n] = K_BUF;
      p.aux[n] = bufOf(v);
      return n;
    }
    if (Array.isArray(v)) {
      p.kind[n] = K_ARR;
      for (let i = 0; i < v.length; i++) {
        const e: unknown = v[i];
        if (e !== null && typeof e === "object") patch(n, i, e);
      }
      return n;
    }
    if (v instanceof Map) {
      let objKeys = false;
      for (const a of v.keys()) if (a !== null && typeof a === "object") objKeys = true;
      if (objKeys) {
        p.kind[n] = K_MAPK;
        const refs: number[] = [];
        const raws: unknown[] = [];
        for (const [a, b] of v) {
          entry(refs, raws, a);
          entry(refs, raws, b);
        }
        p.rNode.push(n);
        p.rRef.push(refs);
        p.rRaw.push(raws);
      } else {
        p.kind[n] = K_MAP;
        for (const [a, b] of v) if (b !== null && typeof b === "object") patch(n, a, b);
      }
      return n;
    }
    if (v instanceof Set) {
      p.kind[n] = K_SET;
      const refs: number[] = [];
      const raws: unknown[] = [];
      for (const a of v) entry(refs, raws, a);
      p.rNode.push(n);
      p.rRef.push(refs);
      p.rRaw.push(raws);
      return n;
    }
    if (v instanceof WeakMap || v instanceof WeakSet || v instanceof Promise) throw new TypeError("deepClone: a WeakMap, WeakSet or Promise cannot be copied");
    const proto = Object.getPrototypeOf(v) as object | null;
    let cow: { fields: string[]; flag: string } | undefined;
    if (proto !== Object.prototype) {
      p.kind[n] = K_OBJ;
      p.aux[n] = proto;
      cow = (v as Any)[COW_FIELDS] as { fields: string[]; flag: string } | undefined;
      if (cow !== undefined) p.flag[n] = cow.flag;
    }
    for (const key of Object.keys(v)) {
      const e = (v as Any)[key];
      if (e !== null && typeof e === "object" && !(cow !== undefined && cow.fields.includes(key))) patch(n, key, e);
    }
    return n;
  };
  visit(root);
  return p;
}

/** A copy of a template from its plan. */
function applyPlan(p: Plan): unknown {
  const bufs = p.bufs.map((b) => (b as ArrayBuffer).slice(0));
  const { src, kind, aux, flag } = p;
  const n = src.length;
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = src[i]!;
    switch (kind[i]) {
      case K_PLAIN:
        out[i] = { ...(v as Any) };
        break;
      case K_OBJ: {
        const o = Object.setPrototypeOf({ ...(v as Any) }, aux[i] as object | null) as Any;
        const f = flag[i];
        if (f !== undefined) o[f] = true;
        out[i] = o;
        break;
      }
      case K_ARR:
        out[i] = (v as unknown[]).slice();
        break;
      case K_MAP:
        out[i] = new Map(v as Map<unknown, unknown>);
        break;
      case K_MAPK:
        out[i] = new Map();
        break;
      case K_SET:
        out[i] = new Set();
        break;
      case K_VIEW: {
        const w = v as ArrayBufferView;
        const ctor = (w as unknown as { constructor: new (b: ArrayBuffer, o: number, l: number) => ArrayBufferView }).constructor;
        const len = w instanceof DataView ? w.byteLength : (w as unknown as { length: number }).length;
        out[i] = new ctor(bufs[aux[i] as number]!, w.byteOffset, len);
        break;
      }
      default:
        out[i] = bufs[aux[i] as number];
    }
  }
  const { pNode, pKey, pTarget } = p;
  for (let j = 0; j < pNode.length; j++) {
    const node = pNode[j]!;
    const o = out[node];
    if (kind[node] === K_MAP) (o as Map<unknown, unknown>).set(pKey[j], out[pTarget[j]!]);
    else (o as Any)[pKey[j] as string] = out[pTarget[j]!];
  }
  for (let j = 0; j < p.rNode.length; j++) {
    const node = p.rNode[j]!;
    const refs = p.rRef[j]!;
    const raws = p.rRaw[j]!;
    const at = (x: number): unknown => (refs[x]! >= 0 ? out[refs[x]!] : raws[x]);
    if (kind[node] === K_SET) {
      const o = out[node] as Set<unknown>;
      for (let x = 0; x < refs.length; x++) o.add(at(x));
    } else {
      const o = out[node] as Map<unknown, unknown>;
      for (let x = 0; x < refs.length; x += 2) o.set(at(x), at(x + 1));
    }
  }
  return out[0];
}

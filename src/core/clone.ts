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

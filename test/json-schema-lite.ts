/**
 * A small JSON Schema (2020-12) checker for the keywords schema/scenario.schema.json uses — type,
 * const, enum, pattern, minLength/maxLength, minimum/maximum, properties, required,
 * additionalProperties, propertyNames, items, minItems/maxItems, anyOf, oneOf, $ref into $defs —
 * so tests can check files the way an editor's language server checks them. Annotations
 * (description, title, examples) are ignored. Returns the first failure's path, or null.
 */
type Schema = Record<string, unknown>;

export function validate(root: Schema, value: unknown): string | null {
  const defs = (root.$defs ?? {}) as Record<string, Schema>;
  const typeOf = (v: unknown): string =>
    v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v;
  const check = (s: Schema, v: unknown, path: string): string | null => {
    if (typeof s.$ref === "string") {
      const def = defs[s.$ref.replace("#/$defs/", "")];
      if (!def) return `${path}: unresolved ${s.$ref}`;
      const r = check(def, v, path);
      if (r) return r;
    }
    if (s.type !== undefined) {
      const t = typeOf(v);
      const ok = ([] as unknown[]).concat(s.type).some((x) => x === t || (x === "number" && t === "integer"));
      if (!ok) return `${path}: expected ${String(s.type)}, got ${t}`;
    }
    if ("const" in s && s.const !== v) return `${path}: expected ${JSON.stringify(s.const)}`;
    if (Array.isArray(s.enum) && !s.enum.includes(v)) return `${path}: not one of ${JSON.stringify(s.enum)}`;
    if (typeof v === "string") {
      if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(v)) return `${path}: '${v}' does not match ${s.pattern}`;
      if (typeof s.minLength === "number" && [...v].length < s.minLength) return `${path}: too short`;
      if (typeof s.maxLength === "number" && [...v].length > s.maxLength) return `${path}: too long`;
    }
    if (typeof v === "number") {
      if (typeof s.minimum === "number" && v < s.minimum) return `${path}: below ${s.minimum}`;
      if (typeof s.maximum === "number" && v > s.maximum) return `${path}: above ${s.maximum}`;
    }
    if (Array.isArray(v)) {
      if (typeof s.minItems === "number" && v.length < s.minItems) return `${path}: fewer than ${s.minItems} items`;
      if (typeof s.maxItems === "number" && v.length > s.maxItems) return `${path}: more than ${s.maxItems} items`;
      if (s.items && typeof s.items === "object") for (let i = 0; i < v.length; i++) {
        const r = check(s.items as Schema, v[i], `${path}[${i}]`);
        if (r) return r;
      }
    }
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const k of (s.required as string[] | undefined) ?? []) if (!(k in o)) return `${path}: missing '${k}'`;
      for (const [k, x] of Object.entries(o)) {
        if (s.propertyNames) {
          const r = check(s.propertyNames as Schema, k, `${path}.${k} (name)`);
          if (r) return r;
        }
        if (props[k]) {
          const r = check(props[k]!, x, `${path}.${k}`);
          if (r) return r;
        } else if (s.additionalProperties === false) return `${path}: unknown key '${k}'`;
        else if (s.additionalProperties && typeof s.additionalProperties === "object") {
          const r = check(s.additionalProperties as Schema, x, `${path}.${k}`);
          if (r) return r;
        }
      }
    }
    if (Array.isArray(s.anyOf)) {
      const errs = (s.anyOf as Schema[]).map((b) => check(b, v, path));
      if (errs.every((e) => e !== null)) return errs.sort((a, b) => b!.length - a!.length)[0]!;
    }
    if (Array.isArray(s.oneOf)) {
      const ok = (s.oneOf as Schema[]).filter((b) => check(b, v, path) === null).length;
      if (ok !== 1) return `${path}: matches ${ok} of the oneOf branches, not exactly one`;
    }
    return null;
  };
  return check(root, value, "$");
}

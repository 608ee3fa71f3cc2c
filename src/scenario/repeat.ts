/**
 * Repetition: `- repeat: N` / `as: i` / `steps: [...]` runs its steps N times with `i` = 0..N-1.
 *
 * Inside a repeat block every string may use `${expr}`: integer arithmetic (+ - * / % and
 * parentheses, / truncating) over the index variables of the enclosing repeat blocks and integer
 * literals (decimal or 0x hex). A value that is exactly `${expr}` becomes that number
 * (`offset: ${i * 2048}`); anywhere else the decimal text is substituted (`as: rx${i}`,
 * `size: "${i + 1}K"`, `data: "packet-${i}"`). `$${` writes a literal `${`. Outside repeat blocks
 * strings are taken as written.
 */

/** Index variables in scope, innermost last. */
export type Env = ReadonlyMap<string, number>;

export class TemplateError extends Error {}

const VAR_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isVarName(s: string): boolean {
  return VAR_RE.test(s);
}

/** Evaluate one `${...}` expression. */
export function evalExpr(src: string, env: Env): number {
  let i = 0;
  const ws = () => {
    while (src[i] === " ") i++;
  };
  const fail = (what: string): never => {
    throw new TemplateError(`${what} in '\${${src}}'`);
  };
  const check = (v: number): number => (Number.isSafeInteger(v) ? v : fail("the result is not an exact integer"));
  const factor = (depth: number): number => {
    if (depth > 32) fail("expression nested too deeply");
    ws();
    const ch = src[i];
    if (ch === "(") {
      i++;
      const v = expr(depth + 1);
      ws();
      if (src[i] !== ")") fail("missing ')'");
      i++;
      return v;
    }
    if (ch === "-") {
      i++;
      return check(-factor(depth + 1));
    }
    const num = /^(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(src.slice(i));
    if (num) {
      i += num[0].length;
      return check(Number(num[0]));
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      i += id[0].length;
      const v = env.get(id[0]);
      if (v === undefined) fail(`unknown variable '${id[0].slice(0, 40)}'${env.size ? ` (in scope: ${[...env.keys()].join(", ")})` : ""}`);
      return v!;
    }
    return fail(ch === undefined ? "a value is missing" : `unexpected '${ch}'`);
  };
  const term = (depth: number): number => {
    let v = factor(depth);
    for (;;) {
      ws();
      const op = src[i];
      if (op !== "*" && op !== "/" && op !== "%") return v;
      i++;
      const r = factor(depth);
      if ((op === "/" || op === "%") && r === 0) fail("division by zero");
      v = check(op === "*" ? v * r : op === "/" ? Math.trunc(v / r) : v % r);
    }
  };
  const expr = (depth: number): number => {
    let v = term(depth);
    for (;;) {
      ws();
      const op = src[i];
      if (op !== "+" && op !== "-") return v;
      i++;
      const r = term(depth);
      v = check(op === "+" ? v + r : v - r);
    }
  };
  const v = expr(0);
  ws();
  if (i < src.length) fail(`unexpected '${src[i]}'`);
  return v;
}

/** Substitute `${...}` in one string. */
export function interpolate(s: string, env: Env): string | number {
  if (!s.includes("${")) return s;
  const whole = /^\$\{([^{}]*)\}$/.exec(s);
  if (whole) return evalExpr(whole[1]!, env);
  let out = "";
  let i = 0;
  for (;;) {
    const j = s.indexOf("$", i);
    if (j < 0) return out + s.slice(i);
    out += s.slice(i, j);
    if (s.startsWith("$${", j)) {
      out += "${";
      i = j + 3;
    } else if (s[j + 1] === "{") {
      const end = s.indexOf("}", j + 2);
      if (end < 0) throw new TemplateError(`unterminated '\${' (write '$\${' for a literal)`);
      out += String(evalExpr(s.slice(j + 2, end), env));
      i = end + 1;
    } else {
      out += "$";
      i = j + 1;
    }
  }
}

/**
 * A step's value with every string interpolated (a new value; the input is shared with YAML
 * aliases and never changed). `onError` receives the path (relative to the step) of a bad template.
 */
export function interpolateValue(v: unknown, env: Env, path: (string | number)[] = []): unknown {
  if (typeof v === "string") {
    try {
      return interpolate(v, env);
    } catch (e) {
      if (e instanceof TemplateError) throw Object.assign(e, { path });
      throw e;
    }
  }
  if (v === null || typeof v !== "object") return v;
  if (path.length > 8) return v; // steps are shallow; deeper values fail validation anyway
  if (Array.isArray(v)) return v.map((x, i) => interpolateValue(x, env, [...path, i]));
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(v)) o[k] = interpolateValue((v as Record<string, unknown>)[k], env, [...path, k]);
  return o;
}

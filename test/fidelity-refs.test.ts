/**
 * tools/fidelity/verdicts.json (the hand-kept fidelity verdicts behind docs/verified-facts.md's tables) cites
 * the model's code as "<file>.ts <name>": a file under src/ (a full path, or a short one resolved by its
 * ending) and a function, const, class, method, field or object key (a switch's sha) declared there. Line
 * numbers rot in a hand-kept file; names do not — but a rename or a move must still fail here, so every
 * reference is resolved against the TypeScript syntax tree of the file it names.
 * Kernel references (kernel/dma/direct.c:123 of a named tree) are .c/.h and are not checked.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const VERDICTS_FILE = "tools/fidelity/verdicts.json";

function srcFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name).replace(/\\/g, "/");
    if (e.isDirectory()) out.push(...srcFiles(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}
const SRC = srcFiles("src");

const declCache = new Map<string, Set<string>>();
/** Every name the file declares: functions, variables (at any depth), classes and their members,
 *  interfaces and their members, type aliases, enums, and object-literal keys (switch shas, era tables). */
function declaredNames(file: string): Set<string> {
  let names = declCache.get(file);
  if (names) return names;
  names = new Set();
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const add = (n: ts.Node | undefined): void => {
    if (n && (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isPrivateIdentifier(n))) names!.add(n.text);
  };
  const walk = (n: ts.Node): void => {
    if (
      ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n) || ts.isMethodDeclaration(n) ||
      ts.isPropertyDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n) ||
      ts.isInterfaceDeclaration(n) || ts.isPropertySignature(n) || ts.isMethodSignature(n) ||
      ts.isTypeAliasDeclaration(n) || ts.isEnumDeclaration(n) || ts.isEnumMember(n) ||
      ts.isVariableDeclaration(n) || ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n)
    ) add(n.name);
    n.forEachChild(walk);
  };
  walk(sf);
  declCache.set(file, names);
  return names;
}

/** The src/ files a reference's path can mean: itself if it starts with src/, else every file ending with it. */
function candidates(path: string): string[] {
  if (path.startsWith("src/")) return SRC.filter((f) => f === path);
  return SRC.filter((f) => f.endsWith("/" + path));
}

/** "" when `path name` names a declaration that exists, else why not. */
function resolve(path: string, name: string): string {
  const files = candidates(path);
  if (files.length === 0) return `no file under src/ is ${path}`;
  if (files.some((f) => declaredNames(f).has(name))) return "";
  const elsewhere = SRC.filter((f) => declaredNames(f).has(name));
  return `${name} is not declared in ${files.join(", ")}` + (elsewhere.length ? ` (it is in ${elsewhere.join(", ")})` : " (nor anywhere in src/)");
}

/** Every string in verdicts.json, keys included. */
function allStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) { out.push(k); allStrings(x, out); }
  return out;
}
const STRINGS = allStrings(JSON.parse(readFileSync(VERDICTS_FILE, "utf8")));

/** A model reference: a .ts path (not a test file) followed by one space and an identifier (or a 12-digit sha). */
const REF = /(?<![\w./-])((?:[\w.-]+\/)*[\w.-]+\.ts) ([A-Za-z_$][\w$]*|[0-9a-f]{12})(?![\w$])/g;
function modelRefs(s: string): Array<{ path: string; name: string }> {
  const out: Array<{ path: string; name: string }> = [];
  for (const m of s.matchAll(REF)) {
    if (m[1]!.startsWith("test/") || m[1]!.endsWith(".test.ts")) continue;
    out.push({ path: m[1]!, name: m[2]! });
  }
  return out;
}

describe("verdicts.json model references", () => {
  it("cite no model line numbers (file.ts:NNN rots; cite file.ts <function>)", () => {
    const stale = STRINGS.flatMap((s) => [...s.matchAll(/[\w./-]+\.ts:\d+/g)].map((m) => m[0]));
    expect(stale).toEqual([]);
  });

  it("name a file under src/ that declares the cited function, const, class, method or switch", () => {
    const refs = STRINGS.flatMap(modelRefs);
    // the file holds ~120 of them; a regex that matched nothing would make this test empty
    expect(refs.length).toBeGreaterThan(100);
    const bad = refs.map((r) => [`${r.path} ${r.name}`, resolve(r.path, r.name)]).filter(([, why]) => why);
    expect(bad).toEqual([]);
  });

  it("the resolver fails on a renamed function, a moved function, a switch that does not exist and a missing file", () => {
    expect(resolve("mapping.ts", "dma_map_page_attrs")).toBe("");
    expect(resolve("src/switches/dma.ts", "c81be74e7d79")).toBe("");
    expect(resolve("mapping.ts", "dma_map_page_attrs_renamed")).toMatch(/not declared in src\/kernel\/dma\/mapping\.ts \(nor anywhere/);
    // dma_direct_optimal_gfp_mask moved from direct.ts to direct-alloc.ts (stop 20 split)
    expect(resolve("direct.ts", "dma_direct_optimal_gfp_mask")).toMatch(/it is in src\/kernel\/dma\/direct-alloc\.ts/);
    expect(resolve("src/switches/dma.ts", "000000000000")).not.toBe("");
    expect(resolve("no-such-file.ts", "dma_map_page_attrs")).toMatch(/no file under src/);
    // a call site is not a declaration: mapping.ts calls trace_dma_map but does not declare it
    expect(readFileSync("src/kernel/dma/mapping.ts", "utf8")).toContain("trace_dma_map(");
    expect(resolve("src/kernel/dma/mapping.ts", "trace_dma_map")).not.toBe("");
  });

  it("recognise the reference forms the file uses", () => {
    expect(modelRefs("followed by switch x (src/switches/dma.ts c81be74e7d79; mapping.ts dma_map_sg_attrs)")).toEqual([
      { path: "src/switches/dma.ts", name: "c81be74e7d79" },
      { path: "mapping.ts", name: "dma_map_sg_attrs" },
    ]);
    expect(modelRefs("test/divergences-mm.test.ts 'D9: …' and src/init.ts's memblock")).toEqual([]);
  });
});

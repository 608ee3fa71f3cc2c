/**
 * References to the model's code in hand-kept text (tools/fidelity/verdicts.json, docs/verified-facts.md):
 * "<file>.ts <name>" — a file under src/ (a full path, or a short one resolved by its ending) and a
 * function, const, class, method, field or object key (a switch's sha) declared there. Line numbers rot in
 * a hand-kept file; names do not — but a rename or a move must still fail a test, so every reference is
 * resolved against the TypeScript syntax tree of the file it names (test/fidelity-refs.test.ts).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

function srcFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name).replace(/\\/g, "/");
    if (e.isDirectory()) out.push(...srcFiles(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}
/** every .ts file under src/, as "src/…" paths (the tests run from the project root) */
export const SRC = srcFiles("src");

const declCache = new Map<string, Set<string>>();
/** Every name the file declares: functions, variables (at any depth), classes and their members,
 *  interfaces and their members, type aliases, enums, and object-literal keys (switch shas, era tables). */
export function declaredNames(file: string): Set<string> {
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

/** Whether some file under src/ declares `name`. */
export function declaredAnywhere(name: string): boolean {
  return SRC.some((f) => declaredNames(f).has(name));
}

/** "" when `path name` names a declaration that exists, else why not. */
export function resolve(path: string, name: string): string {
  const files = candidates(path);
  if (files.length === 0) return `no file under src/ is ${path}`;
  if (files.some((f) => declaredNames(f).has(name))) return "";
  const elsewhere = SRC.filter((f) => declaredNames(f).has(name));
  return `${name} is not declared in ${files.join(", ")}` + (elsewhere.length ? ` (it is in ${elsewhere.join(", ")})` : " (nor anywhere in src/)");
}

/** A model reference: a .ts path (not a test file) followed by one space and an identifier (or a 12-digit sha). */
const REF = /(?<![\w./-])((?:[\w.-]+\/)*[\w.-]+\.ts) ([A-Za-z_$][\w$]*|[0-9a-f]{12})(?![\w$])/g;
export function modelRefs(s: string): Array<{ path: string; name: string }> {
  const out: Array<{ path: string; name: string }> = [];
  for (const m of s.matchAll(REF)) {
    if (m[1]!.startsWith("test/") || m[1]!.endsWith(".test.ts")) continue;
    out.push({ path: m[1]!, name: m[2]! });
  }
  return out;
}

/** A model line number: "file.ts:NNN" (rots; cite "file.ts <function>"). */
export function lineRefs(s: string): string[] {
  return [...s.matchAll(/[\w./-]+\.ts:\d+/g)].map((m) => m[0]);
}

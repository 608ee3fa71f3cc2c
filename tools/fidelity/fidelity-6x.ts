/**
 * Fidelity table for 5.15, 6.1, 6.6, 6.12, 6.18 (issue 11): every modelled kernel function that a
 * dmasim doc comment names (`/** <file> <function> (<versions>) …`) × those versions. For each cell it
 * locates the definition in the mirrored tree (git show HEAD:<file>), prints `first–last line` and a
 * 6-hex hash of the comment- and whitespace-stripped body (equal hash = identical code; no kernel
 * source is printed), and compares with the version range the model's comment(s) claim.
 * Run: npx tsx tools/fidelity/fidelity-6x.ts > /tmp/fid.md
 */
import { printOrWriteDoc, show } from "./shared.js";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const TREES6: { v: string; label: string; dir: string }[] = [
  { v: "5.15", label: "5.15.178", dir: "wangshuai199398+linux-5-15" },
  { v: "6.1", label: "6.1.166", dir: "unifreq+linux-6.1.y" },
  { v: "6.6", label: "6.6.63", dir: "OpenNuvoton+MA35D1_linux-6.6.y" },
  { v: "6.12", label: "6.12.19", dir: "wishday+linux-6.12.y" },
  { v: "6.18", label: "6.18.35", dir: "leftymods+linux-6.18.y" },
];
/** the tree read for the last version a comment claims (its code is what the model follows) */
const REF: Record<string, { label: string; dir: string }> = {
  "5.10": { label: "5.10.7", dir: "ejga2001+linux-5.10.7" },
  "5.12": { label: "5.12.9", dir: "zhangyinjun+linux-5.12.9" },
  "5.14": { label: "5.14-rc5", dir: "lsk-legends+linux-5.14" },
  "5.17": { label: "5.17", dir: "dunli+linux-5.17" },
  "5.19": { label: "5.19", dir: "yishangzhang+linux-5.19" },
};
const FIX = process.argv.includes("--fix-ranges");
/** hand-kept verdicts (tools/fidelity/verdicts.json): "<file> <function>" → { "<version>" | "*": verdict }
 *  for cells the hashes cannot settle; read from the trees by hand, merged into the table on every run */
const VERDICTS: Record<string, Record<string, string>> = JSON.parse(readFileSync("tools/fidelity/verdicts.json", "utf8"));
const num = (v: string) => { const [a, b] = v.split(".").map(Number); return a! * 100 + (b || 0); };

function walk(d: string, out: string[] = []): string[] {
  for (const f of readdirSync(d)) { const p = join(d, f); if (statSync(p).isDirectory()) walk(p, out); else if (p.endsWith(".ts")) out.push(p); }
  return out;
}

interface Claim { src: string; line: number; range: string; covers: (v: string) => boolean | null; end?: string; startN?: number }
/** what a comment's parenthesis says about the versions the function follows; null = not stated */
function parseRange(par: string | undefined): Claim["covers"] {
  if (!par) return () => null;
  const p = par.replace(/\s+/g, " ");
  let m = p.match(/^(\d\.\d+)\s*[–-]\s*(\d\.\d+)/);
  if (m) { const a = num(m[1]!), b = num(m[2]!); return (v) => num(v) >= a && num(v) <= b; }
  m = p.match(/^\d\.x\s*[–-]\s*(\d\.\d+)/);
  if (m) { const b = num(m[1]!); return (v) => num(v) >= 500 && num(v) <= b; }
  m = p.match(/^(\d\.\d+)\s*\+/) ?? p.match(/^(?:from |≥ ?)(\d\.\d+)/);
  if (m) { const a = num(m[1]!); return (v) => num(v) >= a; }
  m = p.match(/^(?:≤ ?|up to |until )(\d\.\d+)/);
  if (m) { const b = num(m[1]!); return (v) => num(v) <= b; }
  m = p.match(/^(\d)\.x\b/);
  if (m) { const a = Number(m[1]); return (v) => Math.floor(num(v) / 100) === a; }
  if (/^all\b|^every\b/.test(p)) return () => true;
  m = p.match(/^(\d\.\d+)\b(?![–-])/);
  if (m && !/^\d\.\d+:/.test(p)) { const a = num(m[1]!); return (v) => num(v) === a; }
  return () => null;
}

const RE = /\/\*\*\s*((?:arch|kernel|drivers|mm|include|lib)\/[A-Za-z0-9_./-]+\.[chS])\s+((?:struct |enum |union )?[A-Za-z_][A-Za-z0-9_]*)(?:\(\))?\s*(?:\(([^)]*)\))?/;
const funcs = new Map<string, { file: string; name: string; claims: Claim[] }>();
for (const f of walk("src").sort()) {
  const lines = readFileSync(f, "utf8").split("\n");
  lines.forEach((l, i) => {
    const m = l.match(RE);
    if (!m) return;
    const key = `${m[1]} ${m[2]}`;
    if (!funcs.has(key)) funcs.set(key, { file: m[1]!, name: m[2]!, claims: [] });
    const r = (m[3] ?? "").replace(/\s+/g, " ");
    const e = r.match(/^(\d\.\d+)\s*[–-]\s*(\d\.\d+)/) ?? (r.match(/^5\.x\b(?!\s*[–-])/) ? [r, "5.6", "5.19"] : null);
    const st = r.match(/^(\d\.\d+)/);
    funcs.get(key)!.claims.push({ src: `${f.replace(/^src\//, "")}:${i + 1}`, line: i + 1, range: m[3] ?? "", covers: parseRange(m[3]), end: e?.[2], startN: st ? num(st[1]!) : r.startsWith("5.x") ? 506 : undefined });
  });
}

const OUT: string[] = [];
function out(line: string): void { OUT.push(line); }

/** the definition of `name` in a C file: a function (up to the closing brace in column 0), a macro, a table or a struct */
export function locate(text: string, name: string): { a: number; b: number; hash: string } | null {
  const L = text.split("\n");
  const tag = name.match(/^(struct|enum|union) (\w+)$/);
  const esc = (tag ? tag[2]! : name).replace(/[$]/g, "\\$");
  const starts = tag ? [new RegExp(`^${tag[1]}\\s+${esc}\\s*\\{`)] : [
    new RegExp(`^#\\s*define\\s+${esc}\\b`),
    new RegExp(`^(?!\\s)(?!.*;\\s*$).*\\b${esc}\\s*\\(`),
    new RegExp(`^(?!\\s).*\\b${esc}\\s*(\\[[^\\]]*\\])?\\s*(__\\w+\\s*)*=`),
    new RegExp(`^(struct|enum|union)\\s+${esc}\\s*\\{`),
    new RegExp(`^(static\\s+)?[\\w\\s*]+\\b${esc}\\s*(\\[[^\\]]*\\])?\\s*;`),
  ];
  for (const re of starts) {
    for (let i = 0; i < L.length; i++) {
      if (!re.test(L[i]!)) continue;
      if (!tag && re === starts[1] && /^\s*(return|if|else)\b/.test(L[i]!)) continue;
      let j = i;
      if (!tag && re === starts[0]) { while (j < L.length - 1 && /\\\s*$/.test(L[j]!)) j++; }
      else {
        // a prototype spans lines until ';' (skip it) or '{'
        let k = i; while (k < L.length && !/[{;]/.test(L[k]!)) k++;
        if (k >= L.length || (/;/.test(L[k]!) && !/[{=]/.test(L[k]!.split(";")[0]!) && !/=/.test(L[i]!))) continue;
        j = k;
        let depth = 0, seen = false;
        for (; j < L.length; j++) {
          for (const c of L[j]!) { if (c === "{") { depth++; seen = true; } else if (c === "}") depth--; }
          if ((seen && depth <= 0) || (!seen && /;\s*$/.test(L[j]!))) break;
        }
      }
      const body = L.slice(i, j + 1).join("\n").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "").replace(/\s+/g, "");
      return { a: i + 1, b: j + 1, hash: createHash("sha1").update(body).digest("hex").slice(0, 6) };
    }
  }
  return null;
}

const doc = readFileSync("docs/verified-facts.md", "utf8").split("\n");
const START = doc.findIndex((l) => l.startsWith("## Fidelity for the new releases"));
const SEC6 = /5\.15|6\.\d/;
/** doc lines (before this table) that name the function in backticks inside a section about 5.15–6.18 */
function cites(name: string): number[] {
  const out: number[] = [];
  let head = "";
  doc.forEach((l, i) => {
    if (START >= 0 && i >= START) return;
    if (l.startsWith("#")) head = l;
    if (l.includes("`" + name + "`") && (SEC6.test(head) || SEC6.test(l))) out.push(i + 1);
  });
  return out;
}

out("| # | file | function | model (src:line, range claimed) | " + TREES6.map((t) => `${t.v} (${t.label})`).join(" | ") + " | verdict | cited |");
out("|---|---|---|---|" + TREES6.map(() => "---|").join("") + "---|---|");
let n = 0;
const fixes: { src: string; from: string; end: string; to: string; why: string }[] = [];
const tally: Record<string, number> = {};
for (const { file, name, claims } of [...funcs.values()].sort((a, b) => (a.file + a.name).localeCompare(b.file + b.name))) {
  n++;
  const cells: string[] = [];
  const notes: string[] = [];
  let prev: string | null = null;
  for (const t of TREES6) {
    const text = show(t.dir, file);
    const covered = claims.map((c) => c.covers(t.v));
    const claimed = covered.some((c) => c === true) ? true : covered.every((c) => c === false) ? false : null;
    if (text === null) {
      cells.push("no file");
      if (claimed === true) notes.push(`${t.v}: model claims it, file absent`);
      continue;
    }
    const loc = locate(text, name);
    if (!loc) {
      cells.push("—");
      if (claimed === true) notes.push(`${t.v}: model claims it, not found in file`);
      continue;
    }
    const same = prev === loc.hash ? " =" : "";
    cells.push(`${loc.a}–${loc.b} \`#${loc.hash}\`${same}`);
    if (claimed === false) notes.push(`${t.v}: in tree, outside the comment's range`);
    prev = loc.hash;
  }
  // part 3: a comment whose range stops at E (≤ 5.19, or "5.x") on a shared (non-era) file, for a
  // function whose body in the following trees is identical to E's tree: the model runs that code for
  // those versions too, so the range is widened to the last identical version (not past a later claim).
  for (const c of claims) {
    // era modules (v5.15.ts, direct-v6.18.ts …) and the swiotlb era dispatcher keep their ranges
    if (!c.end || !REF[c.end] || /(^|[/-])v\d/.test(c.src) || c.src.startsWith("kernel/dma/swiotlb/index.ts")) continue;
    const ref = show(REF[c.end]!.dir, file);
    const rl = ref && locate(ref, name);
    if (!rl) continue;
    const laterStart = Math.min(...claims.filter((o) => o !== c && o.startN !== undefined && o.startN > num(c.end!)).map((o) => o.startN!));
    let last = c.end;
    for (const t of TREES6) {
      if (num(t.v) <= num(c.end) ) continue;
      if (num(t.v) >= laterStart) break;
      const tx = show(t.dir, file);
      const tl = tx && locate(tx, name);
      if (!tl || tl.hash !== rl.hash) break;
      last = t.v;
    }
    if (last !== c.end) {
      notes.length = 0;
      fixes.push({ src: c.src, from: c.range, end: c.end, to: last, why: `${name}: body #${rl.hash} in ${REF[c.end]!.label} identical through ${last}` });
      c.covers = (v) => (c.startN === undefined || num(v) >= c.startN) && num(v) <= num(last);
    }
  }
  if (fixes.length && fixes[fixes.length - 1]!.why.startsWith(name + ":")) {
    // re-evaluate the notes with the widened range
    notes.length = 0;
    TREES6.forEach((t, i) => {
      const covered = claims.map((c) => c.covers(t.v));
      const claimed = covered.some((c) => c === true) ? true : covered.every((c) => c === false) ? false : null;
      if (cells[i] === "—" || cells[i] === "no file") { if (claimed === true) notes.push(`${t.v}: model claims it, not found`); }
      else if (claimed === false) notes.push(`${t.v}: in tree, outside the comment's range`);
    });
  }
  const hashes = cells.map((c) => c.match(/#([0-9a-f]{6})/)?.[1]).filter(Boolean);
  const distinct = new Set(hashes).size;
  const stated = claims.some((c) => c.covers("6.1") !== null || c.covers("5.15") !== null);
  let verdict: string;
  if (notes.length) {
    // for a version the comments do not claim: same body as the last claimed tree → the model's code
    // matches but the comment is narrow; a changed body → the difference is not verified here
    const parts: string[] = [];
    let lastH: string | undefined, lastV = "";
    TREES6.forEach((t, i) => {
      const h = cells[i]!.match(/#([0-9a-f]{6})/)?.[1];
      const claimed = claims.some((c) => c.covers(t.v) === true);
      if (claimed && h) { lastH = h; lastV = t.v; }
      const note = notes.find((x) => x.startsWith(t.v + ":"));
      if (!note) return;
      const hand = VERDICTS[`${file} ${name}`]?.[t.v] ?? VERDICTS[`${file} ${name}`]?.["*"];
      if (note.includes("not found")) parts.push(`${t.v}: model claims it, not found under this name${hand ? ` — settled by hand: ${hand}` : " (moved, renamed or a macro)"}`);
      else if (h && lastH === h) parts.push(`${t.v}: identical to ${lastV}, the comment's range is narrow${hand ? ` — ${hand}` : ""}`);
      else {
        parts.push(`${t.v}: body ${lastH ? `differs from ${lastV}` : "present"}, ${hand ? `settled by hand — ${hand}` : "no comment claims it — unsettled"}`);
      }
    });
    verdict = "CHECK: " + parts.join("; ");
  }
  else if (!hashes.length) verdict = stated ? "not in these versions (as the model's range says)" : VERDICTS[`${file} ${name}`]?.["*"] ? `not found under this name — settled by hand: ${VERDICTS[`${file} ${name}`]!["*"]}` : "not found under this name (macro/inline elsewhere or renamed) — unsettled";
  else if (!stated) verdict = distinct <= 1 ? "identical in every tree that has it; range not stated in the comment" : VERDICTS[`${file} ${name}`]?.["*"] ? `body changes (${distinct} forms); range not stated in the comment — settled by hand: ${VERDICTS[`${file} ${name}`]!["*"]}` : `body changes (${distinct} forms); range not stated in the comment — unsettled`;
  else verdict = distinct <= 1 ? "identical in every tree that has it; runs for the versions claimed" : VERDICTS[`${file} ${name}`]?.["*"] ? `body changes (${distinct} forms) across the trees — settled by hand: ${VERDICTS[`${file} ${name}`]!["*"]}` : `body changes (${distinct} forms) across the trees — see cited sections`;
  const kind = verdict.includes("unsettled") ? "unsettled" : verdict.includes("settled by hand") ? "settled by hand" : verdict.split(":")[0]!.split(" (")[0]!;
  tally[kind] = (tally[kind] ?? 0) + 1;
  const c = cites(name);
  const model = claims.map((x) => `${x.src}${x.range ? ` (${x.range.slice(0, 40).replace(/\|/g, "/")})` : ""}`).slice(0, 3).join("; ");
  out(`| ${n} | ${file} | \`${name}\` | ${model} | ${cells.join(" | ")} | ${verdict} | ${c.length ? c.slice(0, 4).join(",") : "—"} |`);
}
out("");
for (const f of fixes) out(`- range widened: src/${f.src} (${f.from.slice(0, 30)}…) ${f.end} → ${f.to}: ${f.why}`);
if (FIX) {
  for (const f of fixes) {
    const [path, ln] = [`src/${f.src.split(":")[0]}`, Number(f.src.split(":")[1])];
    const L = readFileSync(path, "utf8").split("\n");
    const old = L[ln - 1]!;
    const nu = f.from.startsWith("5.x") ? old.replace("(5.x", `(5.x–${f.to}`) : old.replace(new RegExp(`\\((\\d\\.\\d+)\\s*([–-])\\s*${f.end.replace(".", "\\.")}`), `($1–${f.to}`);
    if (nu !== old) { L[ln - 1] = nu; writeFileSync(path, L.join("\n")); }
  }
}
for (const [k, v] of Object.entries(tally).sort((a, b) => b[1] - a[1])) out(`- ${k}: ${v}`);

// print, or with --write-doc replace the table under the section heading in docs/verified-facts.md
printOrWriteDoc(OUT, "## Fidelity for the new releases");

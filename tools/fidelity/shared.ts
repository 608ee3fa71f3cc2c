/**
 * What the fidelity tools share: a file of a mirrored kernel tree (read once), and the report
 * they print or, with --write-doc, put under their section heading in docs/verified-facts.md.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const cache = new Map<string, string | null>();

/** `path` at HEAD of the bare mirror /work/.mirror/<dir>/repo, or null when the tree has no such file. */
export function show(dir: string, path: string): string | null {
  const k = dir + ":" + path;
  if (!cache.has(k)) {
    let t: string | null = null;
    try { t = execFileSync("git", ["--git-dir", `/work/.mirror/${dir}/repo`, "show", `HEAD:${path}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 1 << 26 }); } catch { t = null; }
    cache.set(k, t);
  }
  return cache.get(k)!;
}

/** Print the report's lines, or with --write-doc replace the first table under `heading` in docs/verified-facts.md with its table lines. */
export function printOrWriteDoc(lines: readonly string[], heading: string): void {
  if (!process.argv.includes("--write-doc")) {
    process.stdout.write(lines.join("\n") + "\n");
    return;
  }
  const doc = readFileSync("docs/verified-facts.md", "utf8").split("\n");
  const h = doc.findIndex((l) => l.startsWith(heading));
  const a = doc.findIndex((l, i) => i > h && l.startsWith("|"));
  let b = a;
  while (b < doc.length && doc[b]!.startsWith("|")) b++;
  doc.splice(a, b - a, ...lines.filter((l) => l.startsWith("|")));
  writeFileSync("docs/verified-facts.md", doc.join("\n"));
}

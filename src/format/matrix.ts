/**
 * Matrix renderers: a terminal table (cli-table3), Markdown, JSON.
 * Rows are scenario × platform, columns are kernels; a cell is "VERDICT addr-kind" and the first
 * failure or fault in a few words.
 */
import Table from "cli-table3";
import { VERDICTS, type MatrixCell, type MatrixResult, type Verdict } from "../matrix.js";
import { toJson } from "./json.js";
import { clip, makeColors, tableStyle, wrap, type Colors } from "./style.js";

export { MATRIX_FORMATS, type MatrixFormat } from "./matrix-formats.js";
export { wrap };
import type { MatrixFormat } from "./matrix-formats.js";

function cellAt(m: MatrixResult, scenarioIndex: number, platform: string, kernel: string): MatrixCell | undefined {
  const per = m.platforms.length * m.kernels.length;
  const i = scenarioIndex * per + m.platforms.indexOf(platform) * m.kernels.length + m.kernels.indexOf(kernel);
  return m.cells[i];
}

export function paintVerdict(v: Verdict, c: Colors): string {
  switch (v) {
    case "PASS":
      return c.green(v);
    case "FAIL":
      return c.yellow(v);
    case "FAULT":
      return c.red(c.bold(v));
    case "ERROR":
    case "CRASH":
      return c.magenta(v);
    case "N/A":
      return c.dim(v);
  }
}

/** A stopping fault's kind at `step`, if any. */
function faultAt(cell: MatrixCell, step: number | null): string | undefined {
  if (step === null) return undefined;
  const i = cell.fault_steps.findIndex((s, j) => s === step && cell.faults[j] !== "warn");
  return i >= 0 ? cell.faults[i] : undefined;
}

/**
 * The note under a verdict, in a few words: "user_read: sigbus", "sg_read: wrong data",
 * "dma_free_coherent: oops"; for a passing run with (expected) faults, "oops (expected)".
 */
export function cellNote(cell: MatrixCell): string | null {
  if (cell.verdict === "PASS") return cell.faults.length ? `${cell.faults.find((k) => k !== "warn") ?? cell.faults[0]} (expected)` : null;
  if (cell.verdict === "ERROR" || cell.verdict === "CRASH") return cell.error ?? cell.first_failure;
  if (cell.verdict === "N/A") return cell.not_applicable ?? null;
  const f = cell.failures[0];
  if (f) {
    const op = f.op ?? "scenario";
    const fault = faultAt(cell, f.step);
    if (fault) return `${op}: ${fault}`;
    if (f.what === "data") return `${op}: ${f.actual === "(nothing read)" ? "nothing read" : "wrong data"}`;
    if (f.what === "fault") return `${op}: ${f.actual}${f.expected === "none" ? "" : ` (expected ${f.expected})`}`;
    return `${op}: ${f.what} ${f.actual} (expected ${f.expected})`;
  }
  const i = cell.faults.findIndex((k) => k !== "warn");
  if (i >= 0) return `${cell.faults[i]}${cell.first_fault ? `: ${cell.first_fault}` : ""}`;
  return cell.first_failure;
}


/**
 * "all kernels", "5.6, 5.10, 5.13" or "5.19–6.18": the kernels in modelled order; a run of four or
 * more consecutive modelled kernels is written first–last (every modelled kernel between them).
 */
export function kernelList(kernels: readonly string[], all: readonly string[]): string {
  const sorted = all.filter((k) => kernels.includes(k));
  if (sorted.length === all.length) return "all kernels";
  const runs: string[][] = [];
  let prev = -2;
  for (const k of sorted) {
    const i = all.indexOf(k);
    if (i === prev + 1 && runs.length) runs[runs.length - 1]!.push(k);
    else runs.push([k]);
    prev = i;
  }
  return runs.map((r) => (r.length >= 4 ? `${r[0]}–${r[r.length - 1]}` : r.join(", "))).join(", ");
}

/** Fault kinds as a compact cell's second line spells them (at most 7 characters). */
const FAULT_TOKEN: Record<string, string> = { oops: "OOPS", bug: "BUG", panic: "PANIC", sigbus: "SIGBUS", sigsegv: "SIGSEGV", bus_error: "BUS ERR", soft_lockup: "LOCKUP", hang: "HANG", bad_page: "BADPAGE", kasan: "KASAN", slub: "SLUB", warn: "WARN" };

/** Address kinds in a compact cell: the AddrKind names, cut to the column. */
const KIND_TOKEN: Record<string, string> = { linear: "linear", vmalloc: "vmalloc", page_cookie: "cookie", ioremap: "ioremap" };

/**
 * A cell in two short tokens: the kind of address the first allocation returned, and — only when
 * something went wrong — what: the stopping fault's kind in capitals (OOPS, SIGBUS, BUS ERR), WRONG
 * for data that was not the device's, FAIL for another failed check; a fault the scenario expects
 * in lower case. N/A, ERROR and CRASH cells say so instead of an address kind.
 */
export function compactCell(cell: MatrixCell): { kind: string; what: string | null } {
  if (cell.verdict === "N/A") return { kind: "n/a", what: null };
  if (cell.verdict === "ERROR" || cell.verdict === "CRASH") return { kind: cell.verdict, what: null };
  const kind = cell.first_alloc_kind ? (KIND_TOKEN[cell.first_alloc_kind] ?? cell.first_alloc_kind.slice(0, 7)) : "-";
  if (cell.verdict === "PASS") {
    const k = cell.faults.find((x) => x !== "warn");
    return { kind, what: k ? (FAULT_TOKEN[k] ?? k).toLowerCase() : null };
  }
  const f = cell.failures[0];
  if (f) {
    const i = cell.fault_steps.findIndex((st, j) => st === f.step && cell.faults[j] !== "warn");
    if (i >= 0) return { kind, what: FAULT_TOKEN[cell.faults[i]!] ?? cell.faults[i]!.toUpperCase() };
  }
  const stop = cell.faults.find((k) => k !== "warn");
  if (cell.verdict === "FAULT" && stop) return { kind, what: FAULT_TOKEN[stop] ?? stop.toUpperCase() };
  if (f?.what === "data") return { kind, what: f.actual === "(nothing read)" ? "NO DATA" : "WRONG" };
  return { kind, what: cell.verdict };
}

/** The widest token a compact cell prints ("vmalloc", "BUS ERR"). */
const CELL_W = 7;

/**
 * One compact table per scenario: platforms down, kernels across, one token per cell (the address
 * kind), and under a platform's row a second line only where a cell went wrong. `title` lays out
 * the scenario's name (wrapped by the caller). Ten kernels fit in 96 columns.
 */
export function compactTables(m: MatrixResult, c: Colors, title: (s: string) => string[]): string[] {
  const out: string[] = [];
  const platW = Math.max("platform".length, ...m.platforms.map((p) => p.length)) + 2;
  const colW = Math.max(CELL_W, ...m.kernels.map((k) => k.length)) + 1;
  const pad = (s: string, w: number) => s + " ".repeat(Math.max(0, w - [...s].length));
  const per = m.platforms.length * m.kernels.length;
  const row = (first: string, cells: { text: string; paint: (s: string) => string }[]) =>
    (pad(first, platW) + cells.map((x, i) => (i === cells.length - 1 ? x.paint(x.text) : x.paint(pad(x.text, colW)))).join("")).trimEnd();
  m.scenarios.forEach((s, si) => {
    out.push(...title(`${c.bold(s.name)}${s.file ? c.dim(` (${s.file})`) : ""}`));
    out.push(c.bold(row("platform", m.kernels.map((k) => ({ text: k, paint: (x) => x })))));
    m.platforms.forEach((p, pi) => {
      const cells = m.kernels.map((_k, ki) => m.cells[si * per + pi * m.kernels.length + ki]);
      const toks = cells.map((cell) => (cell ? compactCell(cell) : { kind: "", what: null }));
      out.push(row(p, toks.map((t) => ({ text: t.kind, paint: t.kind === "vmalloc" ? c.yellow : t.kind === "ERROR" || t.kind === "CRASH" ? c.magenta : t.kind === "n/a" ? c.dim : (x: string) => x }))));
      if (toks.some((t) => t.what))
        out.push(row("", toks.map((t) => ({ text: t.what ?? "", paint: t.what && t.what === t.what.toUpperCase() ? (x: string) => c.red(c.bold(x)) : c.dim }))));
    });
    out.push("");
  });
  return out;
}

/** The compact form's key: what a cell's tokens mean. */
export const COMPACT_KEY =
  "cell: the kind of address the first dma_alloc_coherent returned (linear map or vmalloc; - when the scenario allocates none); " +
  // every fault token a cell can show (a PANIC or LOCKUP cell went unexplained: the key named only OOPS, SIGBUS, BUS ERR and BUG)
  `under it, only where the run went wrong, what: a fault (${Object.entries(FAULT_TOKEN)
    .filter(([k]) => k !== "warn")
    .map(([, t]) => t)
    .join(", ")}), WRONG (or NO DATA) for data that was not ` +
  "the device's, FAIL for another unmet expectation; in lower case a fault the scenario expects; n/a: does not apply.";

function kindText(cell: MatrixCell): string {
  return cell.first_alloc_kind ?? "";
}

/**
 * The compact form (one token per cell), then each distinct failure once with the cells it
 * happened in: what `table` prints when the box table would be wider than the terminal.
 */
export function renderMatrixCompact(m: MatrixResult, c: Colors = makeColors(false), width = 100): string {
  const lines = compactTables(m, c, (s) => wrap(s, width, "", "  "));
  // each distinct failure once: "user_read: sigbus — rpi4-xen (5.6, 5.10, 5.13)"
  const notes = new Map<string, MatrixCell[]>();
  for (const x of m.cells) {
    if (x.verdict === "PASS" && x.faults.length === 0) continue;
    const n = cellNote(x);
    if (!n) continue;
    const key = `${m.scenarios.length > 1 ? `${x.scenario}: ` : ""}${clip(n, 160)}`;
    notes.set(key, [...(notes.get(key) ?? []), x]);
  }
  if (notes.size) {
    lines.push(c.bold("what went wrong, where"));
    for (const [n, cells] of notes) {
      const where = m.platforms.filter((p) => cells.some((x) => x.platform === p)).map((p) => `${p} (${kernelList(cells.filter((x) => x.platform === p).map((x) => x.kernel), m.kernels)})`);
      lines.push(...wrap(`${n} — ${where.join("; ")}`, width, "  - ", "    "));
    }
    lines.push("");
  }
  lines.push(...wrap(COMPACT_KEY, width, "").map((l) => c.dim(l)));
  lines.push(summaryLine(m, c));
  return lines.join("\n");
}

/**
 * A terminal table. `noteWidth` clips notes (per cell). When the box table would be wider than
 * `width` columns (ten kernels are), the compact form is printed instead.
 */
export function renderMatrixTable(m: MatrixResult, c: Colors = makeColors(false), noteWidth = 26, width = Infinity): string {
  const multi = m.scenarios.length > 1;
  const head = [...(multi ? ["scenario"] : []), "platform", ...m.kernels];
  const t = new Table({ head, style: tableStyle(c), wordWrap: true, colWidths: multi ? [24] : [] });
  m.scenarios.forEach((s, si) => {
    m.platforms.forEach((p, pi) => {
      const row: Table.Cell[] = [];
      if (multi && pi === 0) row.push({ content: clip(s.name, 120), rowSpan: m.platforms.length, vAlign: "top" });
      row.push(p);
      for (const k of m.kernels) {
        const cell = cellAt(m, si, p, k);
        if (!cell) {
          row.push("");
          continue;
        }
        const top = [paintVerdict(cell.verdict, c), kindText(cell)].filter(Boolean).join(" ");
        const note = cellNote(cell);
        row.push(note ? `${top}\n${c.dim(clip(note, noteWidth))}` : top);
      }
      t.push(row);
    });
  });
  const lines = [t.toString()];
  const only = m.scenarios.length === 1 ? m.scenarios[0]! : undefined;
  if (only) lines.unshift(c.bold(`scenario: ${only.name}${only.file ? ` (${only.file})` : ""}`));
  lines.push(c.dim("cell: verdict, address kind of the first coherent allocation; below it the first failure or fault"));
  lines.push(summaryLine(m, c));
  const visible = (l: string) => [...l.replace(/\x1b\[[0-9;]*m/g, "")].length;
  if (lines.some((block) => block.split("\n").some((l) => visible(l) > width))) return renderMatrixCompact(m, c, width);
  return lines.join("\n");
}

export function summaryLine(m: MatrixResult, c: Colors = makeColors(false)): string {
  const parts = VERDICTS.filter((v) => m.counts[v] > 0).map((v) => `${m.counts[v]} ${paintVerdict(v, c)}`);
  return `${m.cells.length} runs: ${parts.join(", ") || "none"}`;
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Markdown: one table, same layout as the terminal table, notes after an em dash. */
export function renderMatrixMarkdown(m: MatrixResult): string {
  const multi = m.scenarios.length > 1;
  const head = [...(multi ? ["scenario"] : []), "platform", ...m.kernels];
  const out = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  m.scenarios.forEach((s, si) => {
    for (const p of m.platforms) {
      const row = [...(multi ? [mdEscape(s.name)] : []), `\`${p}\``];
      for (const k of m.kernels) {
        const cell = cellAt(m, si, p, k);
        if (!cell) {
          row.push("");
          continue;
        }
        const note = cellNote(cell);
        row.push(mdEscape(`**${cell.verdict}**${cell.first_alloc_kind ? ` ${cell.first_alloc_kind}` : ""}${note ? ` — ${clip(note, 60)}` : ""}`));
      }
      out.push(`| ${row.join(" | ")} |`);
    }
  });
  const title = m.scenarios.length === 1 ? `**${mdEscape(m.scenarios[0]!.name)}**\n\n` : "";
  return `${title}${out.join("\n")}\n\n${summaryLine(m)}`;
}

export function renderMatrixJson(m: MatrixResult): string {
  return toJson(m);
}

/** `width`: the terminal's columns (a wider box table is printed in the compact form). */
export function renderMatrix(m: MatrixResult, format: MatrixFormat, c?: Colors, width = 100): string {
  switch (format) {
    case "table":
      return renderMatrixTable(m, c, 26, width);
    case "markdown":
      return renderMatrixMarkdown(m);
    case "json":
      return renderMatrixJson(m);
  }
}

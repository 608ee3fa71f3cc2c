/**
 * Matrix renderers: a terminal table (cli-table3), Markdown, JSON.
 * Rows are scenario × platform, columns are kernels; a cell is "VERDICT addr-kind" and the first
 * failure or fault in a few words.
 */
import Table from "cli-table3";
import { VERDICTS, type MatrixCell, type MatrixResult, type Verdict } from "../matrix.js";
import { toJson } from "./json.js";
import { clip, makeColors, tableStyle, type Colors } from "./style.js";

export type MatrixFormat = "table" | "json" | "markdown";
export const MATRIX_FORMATS: readonly MatrixFormat[] = ["table", "json", "markdown"];

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

function kindText(cell: MatrixCell): string {
  return cell.first_alloc_kind ?? "";
}

/** A terminal table. `width` clips notes (per cell). */
export function renderMatrixTable(m: MatrixResult, c: Colors = makeColors(false), noteWidth = 26): string {
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

export function renderMatrix(m: MatrixResult, format: MatrixFormat, c?: Colors): string {
  switch (format) {
    case "table":
      return renderMatrixTable(m, c);
    case "markdown":
      return renderMatrixMarkdown(m);
    case "json":
      return renderMatrixJson(m);
  }
}

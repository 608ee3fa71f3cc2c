/**
 * Text view of one run (`dmasim run`): header, each step with its results, expectation
 * failures, faults and diagnostics, then the verdict. Addresses are printed exactly as the
 * result carries them (the engine formats them the kernel's way).
 */
import { runVerdict, STOPPING_FAULTS, type FaultRecord } from "../core/faults.js";
import { renderTrace } from "../core/trace.js";
import { ftraceLines } from "./ftrace.js";
import type { RunResult, StepResult } from "../scenario/types.js";
import { makeColors, type Colors } from "./style.js";

export interface RunTextOptions {
  colors?: Colors;
  /** print each step's trace under it */
  trace?: boolean;
  /** print each step's tracepoint events under it, as lines of ftrace's trace file */
  ftrace?: boolean;
  /** print the kernel's messages from boot (before the first step), at their log levels */
  bootLog?: boolean;
}

/** A printk level as the log lines name it: KERN_WARNING for "warn", else KERN_ + the level. */
export function kernLevel(level: string): string {
  return `KERN_${level.toUpperCase() === "WARN" ? "WARNING" : level.toUpperCase()}`;
}

/** Result fields printed first, in this order; the rest follow in the engine's order. */
const KEY_FIELDS = ["cpu_addr", "dma_handle", "dma_addr", "bounced", "page", "pfn", "ret", "addr_kind"];

function fmtValue(v: string | number | boolean | null): string {
  if (v === null) return "NULL";
  return String(v);
}

export function resultFields(result: StepResult["result"]): string[] {
  const keys = Object.keys(result);
  const ordered = [...KEY_FIELDS.filter((k) => keys.includes(k)), ...keys.filter((k) => !KEY_FIELDS.includes(k))];
  return ordered.map((k) => `${k}=${fmtValue(result[k]!)}`);
}

/**
 * The step summary without the parts that repeat a fault or diagnostic (those are printed on
 * their own lines below it). Summary parts are separated by "; ".
 */
function summaryWithout(summary: string, faultMessages: string[], diagLines: string[]): string {
  if (!summary) return "";
  // a fault's message may itself hold "; " (and lines): take each one out whole (with its "KIND: " prefix) first
  let rest = summary;
  for (const m of faultMessages) {
    if (!m.includes("; ")) continue;
    const i = rest.indexOf(m);
    if (i < 0) continue;
    const head = rest.slice(0, i).replace(/(^|; )[A-Z_]+: $/, "$1");
    rest = head + rest.slice(i + m.length);
  }
  return rest
    .split("; ")
    // (a stopping fault's own summary is its message and " (pc: …)": printed below with the fault)
    .filter((part) => part !== "" && !diagLines.includes(part) && !faultMessages.some((m) => part.endsWith(m) || part.startsWith(m) || part.includes(`: ${m}`)))
    .join("; ");
}

function configText(cfg: RunResult["config"]): string {
  const e = Object.entries(cfg);
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(" ") : "(defaults)";
}

/** The verdict line: PASS / FAIL / FAULT with counts. */
export function verdictLine(r: RunResult, c: Colors = makeColors(false)): string {
  const failed = r.expectations.filter((e) => !e.ok).length;
  const held = r.expectations.length - failed;
  const ran = r.steps.filter((s) => s.status === "ran").length;
  // a run with no expectation checked only that nothing oopsed, hung or hit what is not RAM (runVerdict's
  // FAULT kinds, which fail a step unasked): say so (it read "0/0 expectations held", then "only faults
  // were checked" beside a KASAN report that had passed)
  const checked = r.expectations.length ? `${held}/${r.expectations.length} expectations held` : "no expectations (only checked that nothing oopsed, panicked, hung or hit what is not RAM: add expect: to a step)";
  const parts = [`${ran}/${r.steps.length} steps ran`, checked];
  if (r.faults.length) {
    const kinds = [...new Set(r.faults.map((f) => f.kind))];
    // a WARN, bad-page or KASAN report fails nothing unless an expectation says so
    const unchecked = r.expectations.length === 0 && kinds.every((k) => !STOPPING_FAULTS.has(k)) ? ", not checked: expect: { faults: none } fails on it" : "";
    parts.push(`${r.faults.length} fault${r.faults.length > 1 ? "s" : ""} (${kinds.join(", ")}${unchecked})`);
  }
  if (r.diagnostics.length) parts.push(`${r.diagnostics.length} diagnostic${r.diagnostics.length > 1 ? "s" : ""}`);
  const v = runVerdict(r);
  const word = v === "PASS" ? c.green(c.bold(v)) : v === "FAULT" ? c.red(c.bold(v)) : c.yellow(c.bold(v));
  const why = !r.ok && r.first_failure ? ` — ${r.first_failure}` : "";
  return `${word}: ${parts.join(", ")}${why}`;
}

/** Items grouped by their step index, in one pass (rendering stays linear in the run's size). */
function byStep<T>(items: readonly T[], step: (x: T) => number | null | undefined): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const x of items) {
    const i = step(x);
    if (i === null || i === undefined) continue;
    const list = m.get(i);
    if (list) list.push(x);
    else m.set(i, [x]);
  }
  return m;
}

/**
 * One fault as `run` prints it under its step: `KIND: message (pc …, at …, addr …)`, then the
 * console lines as the version prints them (or the message's further lines). `bench` prints its
 * faults the same way.
 */
export function faultLines(f: FaultRecord, pad: string, c: Colors, trace: boolean): string[] {
  const out: string[] = [];
  const where = [f.pc ? `pc ${f.pc}` : "", f.at ? `at ${f.at}` : "", f.addr ? `addr ${f.addr}` : ""].filter(Boolean).join(", ");
  // a message of several lines (an IOMMU's fault report) keeps the step's indentation
  out.push(`${pad}${c.red(c.bold(f.kind.toUpperCase()))}: ${f.message.replaceAll("\n", `\n${pad}  `)}${where ? c.dim(` (${where})`) : ""}`);
  if (f.report?.length) {
    // the console lines as the version prints them
    for (const l of f.report) out.push(`${pad}  ${c.dim("│")} ${l}`);
    if (!trace && !f.report.some((l) => /^Call [Tt]race:$/.test(l))) out.push(`${pad}  ${c.dim("(no call trace: the run kept no call chain; --trace keeps it)")}`);
  } else for (const l of f.lines ?? []) out.push(`${pad}  ${l}`);
  return out;
}

export function renderRunText(r: RunResult, o: RunTextOptions = {}): string {
  const c = o.colors ?? makeColors(false);
  const out: string[] = [];
  out.push(`${c.bold("scenario")}  ${r.scenario}${r.file ? c.dim(`  (${r.file})`) : ""}`);
  out.push(`${c.bold("platform")}  ${r.platform}   ${c.bold("kernel")} ${r.kernel}   ${c.bold("device")} ${r.device}`);
  out.push(`${c.bold("config")}    ${configText(r.config)}`);
  out.push("");
  if (o.bootLog) {
    // the boot's printk lines (the run's log before step 0), in the order the kernel printed them
    const boot = (r.log ?? []).filter((l) => l.step < 0);
    out.push(`${c.bold("boot log")}  ${c.dim(`(${boot.length} line${boot.length === 1 ? "" : "s"}: the kernel's messages before the first step)`)}`);
    for (const l of boot) out.push(`  ${c.dim(`${kernLevel(l.level)}:`)} ${l.message}`);
    out.push("");
  }

  const width = String(Math.max(0, r.steps.length - 1)).length;
  const faultsAt = byStep(r.faults, (f) => f.step);
  const diagsAt = byStep(r.diagnostics, (d) => d.step);
  const logAt = byStep(r.log ?? [], (l) => (l.step >= 0 ? l.step : null));
  const failedAt = byStep(r.expectations.filter((x) => !x.ok), (e) => e.step);
  for (const s of r.steps) {
    const idx = `#${String(s.index).padStart(width)}`;
    const mark = s.status === "not run" ? c.dim("·") : s.ok ? c.green("✓") : c.red("✗");
    if (s.status === "not run") {
      out.push(`${mark} ${c.dim(`${idx}  ${s.op}  (${s.summary.startsWith("not run:") ? s.summary : "not run"})`)}`);
      continue;
    }
    const fields = resultFields(s.result);
    out.push(`${mark} ${idx}  ${c.bold(s.op)}${fields.length ? "  " + fields.join("  ") : ""}`);
    const pad = " ".repeat(idx.length + 4);
    const stepFaults = faultsAt.get(s.index) ?? [];
    const stepDiags = diagsAt.get(s.index) ?? [];
    const summary = summaryWithout(s.summary, stepFaults.map((f) => f.message), stepDiags.map((d) => `${d.id}: ${d.message}`));
    if (summary) out.push(`${pad}${summary}`);
    for (const e of failedAt.get(s.index) ?? [])
      out.push(`${pad}${c.red("expected")} ${e.what} ${e.expected}, ${c.red("got")} ${e.actual}`);
    for (const f of stepFaults) out.push(...faultLines(f, pad, c, !!o.trace));
    for (const d of stepDiags)
      out.push(`${pad}${c.yellow(d.id)}: ${d.message}${d.printed ? "" : c.dim(" (not printed by the kernel)")}`);
    // printk at a log level (dev_warn, pr_err …): a kernel log line, no splat, no taint
    for (const l of logAt.get(s.index) ?? []) out.push(`${pad}${c.dim(`log (${kernLevel(l.level)}):`)} ${l.message}`);
    if (o.trace && s.trace.length) {
      for (const line of renderTrace(s.trace)) out.push(`${pad}${c.dim("│")} ${line}`);
    }
    if (o.ftrace) for (const line of ftraceLines(s.trace)) out.push(`${pad}${line}`);
  }
  const top = r.expectations.filter((x) => x.step === null);
  const strayFaults = r.faults.filter((f) => f.step === undefined);
  if (top.length || strayFaults.length) out.push("");
  for (const e of top) out.push(`${e.ok ? c.green("✓") : c.red("✗")} scenario ${e.what}: expected ${e.expected}${e.ok ? "" : `, got ${e.actual}`}`);
  for (const f of strayFaults) out.push(`${c.red(c.bold(f.kind.toUpperCase()))}: ${f.message}`);
  out.push("");
  out.push(verdictLine(r, c));
  return out.join("\n");
}

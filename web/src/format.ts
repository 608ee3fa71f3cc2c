/**
 * Small display helpers shared by the views.
 */
import type { RunResult, StepResult } from "./protocol.js";

/** Result keys in the order a reader wants them; others follow in their own order. */
export const KEY_ORDER = ["cpu_addr", "dma_handle", "dma_addr", "page", "pfn", "buffer_pfn", "phys", "addr_kind", "bounced", "data", "ret", "vm_start", "prot"];

/** The headline keys shown on a step's row in the list. */
export const KEY_RESULTS = new Set(["cpu_addr", "dma_handle", "dma_addr", "pfn", "buffer_pfn", "addr_kind", "bounced", "data", "ret", "page", "phys"]);

export type Value = string | number | boolean | null;

export function resultEntries(step: StepResult, onlyKey = false): [string, Value][] {
  const r = step.result;
  const keys = Object.keys(r).sort((a, b) => rank(a) - rank(b));
  return keys
    .filter((k) => !onlyKey || KEY_RESULTS.has(k))
    .filter((k) => !(k === "ret" && r.ret === r.cpu_addr)) // the allocation's ret is its cpu_addr
    .map((k) => [k, r[k] as Value]);
}

function rank(k: string): number {
  const i = KEY_ORDER.indexOf(k);
  return i < 0 ? KEY_ORDER.length : i;
}

export function fmtValue(v: Value): string {
  if (v === null) return "NULL";
  return String(v);
}

/** What differs between the same step on two runs: "ok", "status" and result keys. */
export function stepDiff(a: StepResult | undefined, b: StepResult | undefined): Set<string> {
  const out = new Set<string>();
  if (!a || !b) return out;
  if (a.ok !== b.ok) out.add("ok");
  if (a.status !== b.status) out.add("status");
  const keys = new Set([...Object.keys(a.result), ...Object.keys(b.result)]);
  for (const k of keys) if (a.result[k] !== b.result[k]) out.add(k);
  return out;
}

export function verdict(r: RunResult): { label: string; tone: "ok" | "fail" | "fault" } {
  const fatal = r.faults.some((f) => f.kind === "oops" || f.kind === "bug" || f.kind === "panic" || f.kind === "soft_lockup" || f.kind === "hang");
  if (r.ok) return { label: "PASS", tone: "ok" };
  return fatal ? { label: "FAULT", tone: "fault" } : { label: "FAIL", tone: "fail" };
}

/** JSON with bigints as hex (the engine's own JSON rule). */
export function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? "0x" + BigInt.asUintN(64, x).toString(16) : x), 2);
}

export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 60);
}

/**
 * Small display helpers shared by the views.
 */
import type { RunResult, StepResult } from "./protocol.js";
import { runVerdict } from "../../src/core/faults.js";

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

/** The run's verdict as `dmasim run` and `matrix` give it (runVerdict: SIGBUS and bus errors make a FAULT too). */
export function verdict(r: RunResult): { label: string; tone: "ok" | "fail" | "fault" } {
  const v = runVerdict(r);
  return { label: v, tone: v === "PASS" ? "ok" : v === "FAULT" ? "fault" : "fail" };
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

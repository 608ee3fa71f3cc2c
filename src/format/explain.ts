/**
 * `dmasim explain` text view: the engine's explanation lines (they start with their own header),
 * then the result fields.
 */
import { makeColors, type Colors } from "./style.js";
import type { ExplainResult } from "../explain.js";
import { findVersion } from "../versions.js";

/** What src/explain.ts returns (the fields this view prints). */
export type ExplainView = Omit<ExplainResult, "events">;

export function renderExplain(e: ExplainView, c: Colors = makeColors(false)): string {
  const out = [...e.lines];
  // which tree the version's code follows, under the header line
  const v = findVersion(e.kernel);
  // (a version with no stored tree says so: its tree reads "none stored: inferred from A and B")
  const none = v ? /^none stored:\s*(.*)$/.exec(v.tree) : null;
  if (v && out.length) out.splice(1, 0, c.dim(none ? `(Linux ${v.id} as modelled follows no stored tree: ${none[1]})` : `(Linux ${v.id} as modelled follows ${v.tree})`));
  // the console lines of each WARN / oops, as the kernel version prints them
  for (const f of e.faults) {
    if (!f.report?.length) continue;
    out.push("", c.bold(`console (${f.kind}):`));
    for (const l of f.report) out.push(`  ${c.dim("│")} ${l}`);
  }
  out.push("");
  out.push(c.bold("result:"));
  const fields: [string, string][] = Object.entries(e.result).map(([k, v]) => [k, String(v)]);
  if (!("addr_kind" in e.result)) fields.push(["addr_kind", e.addr_kind]);
  const w = Math.max(0, ...fields.map(([k]) => k.length));
  for (const [k, v] of fields) out.push(`  ${k.padEnd(w)}  ${v}`);
  return out.join("\n");
}

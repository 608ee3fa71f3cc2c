/**
 * A step's call tree, indented like `dmasim run --trace` (renderTrace): calls with their source
 * file, decisions with yes/no and why, memory / cache / page-table / swiotlb events, faults and
 * dma-debug reports highlighted.
 */
import { useState } from "preact/hooks";
import type { TraceEvent } from "./protocol.js";

const MAX_LINES = 2000;

function Line({ e }: { e: TraceEvent }) {
  const pad = { paddingLeft: `${e.depth * 1.25 + 0.5}em` };
  switch (e.kind) {
    case "call": {
      const args = e.args ? Object.entries(e.args) : [];
      return (
        <li class="ev ev-call" style={pad}>
          <span class="sym">→ </span>
          <span class="fn">{e.fn}</span>(
          {args.map(([k, v], i) => (
            <span key={k}>
              {i > 0 && ", "}
              <span class="arg-key">{k}</span>=<span class="arg-value">{v}</span>
            </span>
          ))}
          ) <span class="file">{e.file}</span>
        </li>
      );
    }
    case "ret":
      if (e.ret === undefined) return null;
      return (
        <li class="ev ev-ret" style={pad}>
          <span class="sym">← </span>
          <span class="fn">{e.fn}</span> = <span class="arg-value">{e.ret}</span>
        </li>
      );
    case "decision":
      return (
        <li class="ev ev-decision" style={pad}>
          <span class="sym">? </span>
          <span class="test">{e.test}</span>: <span class={`yn ${e.taken ? "yes" : "no"}`}>{e.taken ? "yes" : "no"}</span> <span class="why">— {e.why}</span>
        </li>
      );
    case "note":
      return (
        <li class="ev ev-note" style={pad}>
          <span class="sym">· </span>
          {e.text}
        </li>
      );
    case "mem":
      return (
        <li class="ev ev-mem" style={pad}>
          <span class="sym">· </span>
          {e.who} {e.op} {e.len} B at <span class="addr">{e.addr}</span> ({e.pseudo === undefined ? "phys" : "machine"} <span class="addr">{e.phys}</span>{e.pseudo === undefined ? "" : ", pseudo-phys "}{e.pseudo === undefined ? null : <span class="addr">{e.pseudo}</span>}, {e.via})
        </li>
      );
    case "cache":
      return (
        <li class="ev ev-cache" style={pad}>
          <span class="sym">· </span>cache {e.op} phys <span class="addr">{e.phys}</span> +{e.len} ({e.lines} line{e.lines === 1 ? "" : "s"})
        </li>
      );
    case "walk":
      return (
        <li class="ev ev-walk" style={pad}>
          <span class="sym">· </span>walk <span class="addr">{e.va}</span>: {e.result}
        </li>
      );
    case "swiotlb":
      return (
        <li class="ev ev-swiotlb" style={pad}>
          <span class="sym">· </span>swiotlb {e.op} index {e.index} nslots {e.nslots} tlb_addr <span class="addr">{e.tlb_addr}</span> {e.detail}
        </li>
      );
    case "fault":
      return (
        <li class={`ev ev-fault fault-${e.fault}`} style={pad} data-testid="trace-fault">
          <span class="sym">! </span>
          <strong>{e.fault.toUpperCase()}</strong>: {e.message}
        </li>
      );
    case "diagnostic":
      return (
        <li class="ev ev-diagnostic" style={pad} data-testid="trace-diagnostic">
          <span class="sym">! </span>
          <strong>{e.id}</strong>: {e.message}
        </li>
      );
  }
}

const QUIET = new Set(["mem", "cache", "walk", "swiotlb", "note"]);

export function CallTree({ events }: { events: readonly TraceEvent[] }) {
  const [details, setDetails] = useState(true);
  const shown = details ? events : events.filter((e) => !QUIET.has(e.kind));
  const lines = shown.slice(0, MAX_LINES);
  return (
    <div class="calltree-wrap">
      <div class="calltree-head">
        <h4>Call tree</h4>
        <label class="small">
          <input type="checkbox" checked={details} onChange={(e) => setDetails((e.currentTarget as HTMLInputElement).checked)} /> memory, cache and page-table events
        </label>
      </div>
      {events.length === 0 ? (
        <p class="muted small">No kernel calls recorded for this step.</p>
      ) : (
        <ol class="calltree" data-testid="call-tree">
          {lines.map((e, i) => (
            <Line e={e} key={i} />
          ))}
          {shown.length > lines.length && <li class="ev muted">… {shown.length - lines.length} more events (download the JSON for all)</li>}
        </ol>
      )}
    </div>
  );
}

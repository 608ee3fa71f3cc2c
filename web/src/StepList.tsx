/**
 * The step list of one run: op, ok/fail badge, the key results. In compare mode, rows and values
 * that differ from the other run are highlighted.
 *
 * Windowed: the list scrolls inside its own viewport and only the rows in (or near) view are in
 * the DOM, each a fixed ROW_H high, so a run of thousands of steps renders a few dozen rows. Rows
 * are memoized on their step and selection, so a step change re-renders two rows; what differs
 * from the other run is worked out per row as it is drawn. The selected row is kept in view
 * (scrolled the least distance, like scrollIntoView({ block: "nearest" })).
 */
import { memo } from "preact/compat";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { RunResult, StepResult } from "./protocol.js";
import { fmtValue, resultEntries, stepDiff } from "./format.js";

/** A row's height in CSS pixels, the 4 px gap below it included (styles.css sizes the row to fit). */
export const ROW_H = 72;
/** rows drawn beyond each edge of the viewport */
const OVERSCAN = 8;

interface Props {
  run: RunResult;
  other?: RunResult | undefined;
  selected: number;
  onSelect: (i: number) => void;
  side: "a" | "b";
}

interface RowProps {
  s: StepResult;
  o: StepResult | undefined;
  compare: boolean;
  sel: boolean;
  n: number;
  onSelect: (i: number) => void;
}

const Row = memo(function Row({ s, o, compare, sel, n, onSelect }: RowProps) {
  const diff = compare ? stepDiff(s, o) : new Set<string>();
  const badge = s.status === "not run" ? "not run" : s.ok ? "ok" : "fail";
  const chips = resultEntries(s, true);
  const title = [s.summary || s.op, ...resultEntries(s).map(([k, v]) => `${k} = ${fmtValue(v)}`)].join("\n");
  return (
    <li
      class={`step ${sel ? "selected" : ""} ${diff.size ? "differs" : ""}`}
      style={{ top: `${s.index * ROW_H}px` }}
      aria-posinset={s.index + 1}
      aria-setsize={n}
      data-testid={`step-${s.index}`}
      data-ok={String(s.ok)}
      data-status={s.status}
      data-differs={diff.size ? "true" : "false"}
    >
      <button type="button" class="step-button" aria-current={sel ? "step" : undefined} onClick={() => onSelect(s.index)} title={title}>
        <span class="step-head">
          <span class="step-index">#{s.index}</span>
          <span class="step-op">{s.op}</span>
          <span class={`badge badge-${badge.replace(" ", "-")} ${diff.has("ok") || diff.has("status") ? "diff" : ""}`} data-testid="step-badge">
            {badge}
          </span>
          {diff.size > 0 && (
            <span class="diff-mark" title={`differs from the other run: ${[...diff].join(", ")}`} aria-label="differs from the other run">
              ≠
            </span>
          )}
        </span>
        <span class="chips">
          {chips.map(([k, v]) => (
            <span class={`chip ${diff.has(k) ? "diff" : ""} ${k === "addr_kind" ? `kind-${String(v)}` : ""}`} data-testid={`result-${k}`} data-value={fmtValue(v)} key={k}>
              <span class="chip-key">{k}</span> <span class="chip-value">{fmtValue(v)}</span>
            </span>
          ))}
          {s.status === "ran" && !s.ok && s.result.data === undefined && /read/.test(s.op) && (
            <span class="chip chip-missing" data-testid="result-data-missing">
              no data
            </span>
          )}
        </span>
      </button>
    </li>
  );
});

export function StepList({ run, other, selected, onSelect, side }: Props) {
  const n = run.steps.length;
  const vp = useRef<HTMLDivElement>(null);
  // the viewport's scroll offset and height, in px (the height until it is measured: a guess)
  const [view, setView] = useState({ top: 0, h: 700 });
  const frame = useRef(0);

  const measure = () => {
    const el = vp.current;
    if (!el) return;
    const next = { top: el.scrollTop, h: el.clientHeight };
    setView((v) => (v.top === next.top && v.h === next.h ? v : next));
  };

  useLayoutEffect(() => {
    const el = vp.current;
    if (!el) return;
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => {
      ro.disconnect();
      cancelAnimationFrame(frame.current);
    };
  }, []);

  // Keep the selected row in view: scroll the least distance that shows it whole.
  useLayoutEffect(() => {
    const el = vp.current;
    if (!el || selected < 0 || selected >= n) return;
    const top = selected * ROW_H;
    const bottom = top + ROW_H - 4;
    const h = el.clientHeight;
    let st = el.scrollTop;
    if (top < st) st = top;
    else if (bottom > st + h) st = Math.min(top, bottom - h);
    if (st !== el.scrollTop) el.scrollTop = st;
    measure();
  }, [selected, n]);

  const first = Math.max(0, Math.floor(view.top / ROW_H) - OVERSCAN);
  const last = Math.min(n, Math.ceil((view.top + view.h) / ROW_H) + OVERSCAN);
  const rows = [];
  for (let i = first; i < last; i++) {
    const s = run.steps[i]!;
    rows.push(<Row key={i} s={s} o={other?.steps[i]} compare={!!other} sel={i === selected} n={n} onSelect={onSelect} />);
  }
  return (
    <div
      class="steps-viewport"
      ref={vp}
      style={{ "--list-h": `${n * ROW_H}px` }}
      data-testid={`steps-viewport-${side}`}
      onScroll={() => {
        cancelAnimationFrame(frame.current);
        frame.current = requestAnimationFrame(measure);
      }}
    >
      <ol class="steps" style={{ height: `${n * ROW_H}px` }} data-testid={`steps-${side}`} data-count={n} aria-label={`steps on ${run.platform} ${run.kernel}`}>
        {rows}
      </ol>
    </div>
  );
}

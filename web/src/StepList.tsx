/**
 * The step list of one run: op, ok/fail badge, the key results. In compare mode, rows and values
 * that differ from the other run are highlighted.
 */
import type { RunResult } from "./protocol.js";
import { fmtValue, resultEntries, stepDiff } from "./format.js";

interface Props {
  run: RunResult;
  other?: RunResult | undefined;
  selected: number;
  onSelect: (i: number) => void;
  side: "a" | "b";
}

export function StepList({ run, other, selected, onSelect, side }: Props) {
  return (
    <ol class="steps" data-testid={`steps-${side}`} aria-label={`steps on ${run.platform} ${run.kernel}`}>
      {run.steps.map((s) => {
        const diff = other ? stepDiff(s, other.steps[s.index]) : new Set<string>();
        const badge = s.status === "not run" ? "not run" : s.ok ? "ok" : "fail";
        const sel = s.index === selected;
        return (
          <li key={s.index} class={`step ${sel ? "selected" : ""} ${diff.size ? "differs" : ""}`} data-testid={`step-${s.index}`} data-ok={String(s.ok)} data-status={s.status} data-differs={diff.size ? "true" : "false"}>
            <button type="button" class="step-button" aria-current={sel ? "step" : undefined} onClick={() => onSelect(s.index)} title={s.summary || s.op}>
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
                {resultEntries(s, true).map(([k, v]) => (
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
      })}
    </ol>
  );
}

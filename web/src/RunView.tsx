/**
 * One run's column: verdict, step list, the selected step in detail (results, address view, call
 * tree), and the run's faults, dma-debug diagnostics and expectations.
 */
import { memo } from "preact/compat";
import type { LayoutInfo, RunResult, StepResult } from "./protocol.js";
import { StepList } from "./StepList.js";
import { CallTree } from "./CallTree.js";
import { AddressView } from "./AddressView.js";
import { fmtValue, resultEntries, stepDiff, verdict } from "./format.js";

export interface RunData {
  result: RunResult;
  layout: LayoutInfo;
  ms: number;
  /** each step's arguments on one line, as the scenario gives them (the worker's stepArgs) */
  args?: string[];
}

interface Props {
  data: RunData;
  other?: RunData | undefined;
  selected: number;
  onSelect: (i: number) => void;
  side: "a" | "b";
}

function StepRef({ step, onSelect }: { step: number | null | undefined; onSelect: (i: number) => void }) {
  if (step === null || step === undefined || step < 0) return <span class="muted">run</span>;
  return (
    <button type="button" class="link" onClick={() => onSelect(step)}>
      #{step}
    </button>
  );
}

function StepDetail({ run, step, other, layout, args }: { run: RunResult; step: StepResult; other?: StepResult | undefined; layout: LayoutInfo; args?: string | undefined }) {
  const diff = other ? stepDiff(step, other) : new Set<string>();
  const faults = run.faults.filter((f) => f.step === step.index);
  const diags = run.diagnostics.filter((d) => d.step === step.index);
  const exps = run.expectations.filter((e) => e.step === step.index);
  const badge = step.status === "not run" ? "not run" : step.ok ? "ok" : "fail";
  return (
    <section class="detail" data-testid="step-detail" data-index={step.index} aria-label={`step ${step.index} in detail`}>
      <h3>
        <span class="step-index">#{step.index}</span> {step.op} <span class={`badge badge-${badge.replace(" ", "-")}`}>{badge}</span>
      </h3>
      {args && (
        <p class="step-args mono small" data-testid="step-args" title="the step's arguments, as the scenario gives them">
          {step.op}({args})
        </p>
      )}
      {step.summary && (
        <p class="summary" data-testid="step-summary">
          {step.summary}
        </p>
      )}
      {resultEntries(step).length > 0 && (
        <table class="kv" data-testid="step-results">
          <tbody>
            {resultEntries(step).map(([k, v]) => (
              <tr key={k} class={diff.has(k) ? "diff" : ""}>
                <th>{k}</th>
                <td class="mono" data-testid={`detail-${k}`}>
                  {fmtValue(v)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(faults.length > 0 || diags.length > 0) && (
        <ul class="findings">
          {faults.map((f, i) => (
            <li key={`f${i}`} class={`finding fault-${f.kind}`} data-testid="step-fault">
              <strong>{f.kind.toUpperCase()}</strong> {f.message}
              {f.pc && <span class="muted"> (pc: {f.pc})</span>}
              {f.report && f.report.length > 0 && (
                <details class="fault-report">
                  <summary class="muted small">the kernel's console lines ({f.report.length})</summary>
                  <pre data-testid="fault-report">{f.report.join("\n")}</pre>
                </details>
              )}
            </li>
          ))}
          {diags.map((d, i) => (
            <li key={`d${i}`} class="finding diagnostic" data-testid="step-diagnostic">
              <strong>DMA-API {d.id}</strong> {d.message}
              {!d.printed && <span class="muted"> (not printed: dma-debug prints only the first errors)</span>}
            </li>
          ))}
        </ul>
      )}
      {exps.length > 0 && (
        <ul class="expects" data-testid="step-expectations">
          {exps.map((e, i) => (
            <li key={i} class={e.ok ? "held" : "broken"}>
              <span class={`badge ${e.ok ? "badge-ok" : "badge-fail"}`}>{e.ok ? "held" : "failed"}</span> expect {e.what} {e.expected}
              {!e.ok && <span>, got {e.actual}</span>}
            </li>
          ))}
        </ul>
      )}
      <AddressView step={step} layout={layout} />
      <CallTree events={step.trace} />
    </section>
  );
}

/** At most this many faults, diagnostics and expectations are listed (the JSON has them all). */
const LIST_MAX = 100;

function More({ n }: { n: number }) {
  return n > LIST_MAX ? <li class="muted small">… {n - LIST_MAX} more (download the JSON for all)</li> : null;
}

/** The run's own lists: drawn once per run, not on every step change. */
const Findings = memo(function Findings({ run, onSelect }: { run: RunResult; onSelect: (i: number) => void }) {
  const nExp = run.expectations.length;
  return (
    <section class="run-findings" aria-label="faults, diagnostics and expectations">
      <h4>Faults</h4>
      {run.faults.length === 0 ? (
        <p class="muted small" data-testid="faults">
          none
        </p>
      ) : (
        <ul class="findings" data-testid="faults">
          {run.faults.slice(0, LIST_MAX).map((f, i) => (
            <li key={i} class={`finding fault-${f.kind}`}>
              <StepRef step={f.step} onSelect={onSelect} /> <strong>{f.kind.toUpperCase()}</strong> {f.message}
            </li>
          ))}
          <More n={run.faults.length} />
        </ul>
      )}
      <h4>dma-debug</h4>
      {run.diagnostics.length === 0 ? (
        <p class="muted small" data-testid="diagnostics">
          {run.config.CONFIG_DMA_API_DEBUG === true || run.config.CONFIG_DMA_API_DEBUG === "y" ? "no findings" : "no findings (CONFIG_DMA_API_DEBUG is off: turn it on in Options)"}
        </p>
      ) : (
        <ul class="findings" data-testid="diagnostics">
          {run.diagnostics.slice(0, LIST_MAX).map((d, i) => (
            <li key={i} class="finding diagnostic">
              <StepRef step={d.step} onSelect={onSelect} /> <strong>{d.id}</strong> {d.message}
            </li>
          ))}
          <More n={run.diagnostics.length} />
        </ul>
      )}
      <h4>Expectations</h4>
      {nExp === 0 ? (
        <p class="muted small" data-testid="expectations">
          the scenario states none
        </p>
      ) : (
        <ul class="expects" data-testid="expectations">
          {run.expectations.slice(0, LIST_MAX).map((e, i) => (
            <li key={i} class={e.ok ? "held" : "broken"}>
              <StepRef step={e.step} onSelect={onSelect} /> <span class={`badge ${e.ok ? "badge-ok" : "badge-fail"}`}>{e.ok ? "held" : "failed"}</span> {e.what} {e.expected}
              {!e.ok && <span>, got {e.actual}</span>}
            </li>
          ))}
          <More n={nExp} />
        </ul>
      )}
    </section>
  );
});

/** Options in effect on a run; in compare mode the ones that differ from the other run are marked. */
export function configDiff(a: RunResult["config"], b: RunResult["config"] | undefined): Set<string> {
  const out = new Set<string>();
  if (!b) return out;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if (String(a[k]) !== String(b[k])) out.add(k);
  return out;
}

/** The run's header: drawn once per run. */
const RunHead = memo(function RunHead({ run, other, ms }: { run: RunResult; other: RunResult | undefined; ms: number }) {
  const v = verdict(run);
  const nExp = run.expectations.length;
  const held = run.expectations.filter((e) => e.ok).length;
  const ran = run.steps.filter((s) => s.status === "ran").length;
  const cdiff = configDiff(run.config, other?.config);
  return (
    <header class="run-head">
      <h2>
        {run.platform} <span class="muted">·</span> Linux {run.kernel}
      </h2>
      <span class={`verdict verdict-${v.tone}`} data-testid="verdict">
        {v.label}
      </span>
      <span class="muted small">
        {ran}/{run.steps.length} steps ran · {held}/{nExp} expectations held · {ms.toFixed(0)} ms
      </span>
      {Object.keys(run.config).length > 0 && (
        <span class="small mono muted run-config" title="options in effect (scenario config and your settings)" data-testid="run-config">
          {Object.entries(run.config).map(([k, x]) => (
            <span key={k} class={cdiff.has(k) ? "diff" : ""} data-key={k} data-value={String(x)}>
              {k}={String(x)}{" "}
            </span>
          ))}
        </span>
      )}
      {run.first_failure && (
        <p class="first-failure small" data-testid="first-failure">
          {run.first_failure}
        </p>
      )}
    </header>
  );
});

export function RunView({ data, other, selected, onSelect, side }: Props) {
  const run = data.result;
  const step = run.steps[Math.min(selected, run.steps.length - 1)];
  return (
    <article class="run" data-testid={`run-${side}`} data-platform={run.platform} data-kernel={run.kernel} data-ok={String(run.ok)}>
      <RunHead run={run} other={other?.result} ms={data.ms} />
      <div class="run-body">
        <div class="run-left">
          <StepList run={run} other={other?.result} selected={selected} onSelect={onSelect} side={side} />
          <Findings run={run} onSelect={onSelect} />
        </div>
        {step && <StepDetail run={run} step={step} other={other?.result.steps[step.index]} layout={data.layout} args={data.args?.[step.index]} />}
      </div>
    </article>
  );
}

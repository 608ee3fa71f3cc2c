/**
 * dmasim's web page: pick or write a scenario, a platform and a kernel, run it in the engine's
 * Web Worker, and step through the result — call tree, addresses, faults, dma-debug findings —
 * optionally side by side with a second run on another platform, kernel or options. The whole
 * view lives in the URL hash (hash.ts).
 *
 * A step change redraws only what depends on the step: the stepper, two rows of each (windowed)
 * step list and the selected step's detail. The settings panel and each run's header and lists
 * are memoized; the hash is rewritten shortly after the last change, not on every key press.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Engine } from "./engine.js";
import { findBundled } from "./scenarios.js";
import { decodeHash, encodeHash } from "./hash.js";
import type { Meta, RunRequest, RunResult, ScenarioInfo } from "./protocol.js";
import { RunView, configDiff, type RunData } from "./RunView.js";
import { ControlsPanel, type Actions } from "./Controls.js";
import { bundledText, checkAgainstMeta, cmpSetOf, controlsFromHash, isEdited, setOf, signature, viewOf, type Controls } from "./settings.js";
import { slug, toJson } from "./format.js";

interface Runs {
  a: RunData;
  b?: RunData | undefined;
  /** the controls' signature the runs were made with */
  sig: string;
  /** counts completed runs (tests wait for it to move) */
  seq: number;
}

/** How long after the last change the URL hash is rewritten (browsers throttle history updates);
 * longer while the YAML is being edited (compressing a long scenario takes tens of ms). */
const HASH_DELAY_MS = 120;
const HASH_DELAY_EDIT_MS = 600;

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
}

/** What differs between the two runs of compare mode: platform, kernel, options in effect. */
function CompareHead({ a, b }: { a: RunResult; b: RunResult }) {
  const keys = [...configDiff(a.config, b.config)];
  const items: [string, string, string][] = [];
  if (a.platform !== b.platform) items.push(["platform", a.platform, b.platform]);
  if (a.kernel !== b.kernel) items.push(["kernel", a.kernel, b.kernel]);
  for (const k of keys) items.push([k, a.config[k] === undefined ? "(default)" : String(a.config[k]), b.config[k] === undefined ? "(default)" : String(b.config[k])]);
  return (
    <p class="compare-head small" data-testid="compare-head">
      <span class="muted">comparing: </span>
      {items.length === 0 && <span>the same platform, kernel and options</span>}
      {items.map(([k, x, y]) => (
        <span class="compare-item" key={k} data-testid="compare-diff" data-key={k} data-a={x} data-b={y}>
          <span class="mono">{k}</span> <span class="mono diff">{x}</span> <span class="muted">vs</span> <span class="mono diff">{y}</span>
        </span>
      ))}
    </p>
  );
}

export function App() {
  const engine = useMemo(() => new Engine(), []);
  const init = useMemo(() => {
    const v = decodeHash(location.hash, bundledText);
    return { ...controlsFromHash(v), step: v.step ?? 0 };
  }, []);
  const [meta, setMeta] = useState<Meta | null>(null);
  const [ctl, setCtl] = useState<Controls>(init.c);
  const [info, setInfo] = useState<{ scenario?: ScenarioInfo; error?: string }>({});
  const [runs, setRuns] = useState<Runs | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(init.warning ?? null);
  const [step, setStep] = useState(init.step);
  const runSeq = useRef(0);
  const stepCount = useRef(0);
  const ctlRef = useRef(ctl);
  ctlRef.current = ctl;
  const stepRef = useRef(step);
  stepRef.current = step;
  const hashTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const hashText = useRef(ctl.text);

  const patch = useCallback((p: Partial<Controls>) => setCtl((c) => ({ ...c, ...p })), []);

  async function run(c: Controls, keepStep?: number) {
    const seq = ++runSeq.current;
    setBusy(true);
    setError(null);
    const set = setOf(c);
    const req: RunRequest = { text: c.text, file: c.file, ...(c.platform ? { platform: c.platform } : {}), ...(c.kernel ? { kernel: c.kernel } : {}), ...(set ? { set } : {}) };
    const wantB = c.compare && c.cmpPlatform && c.cmpKernel;
    const setB = cmpSetOf(c);
    const reqB: RunRequest = { text: c.text, file: c.file, platform: c.cmpPlatform, kernel: c.cmpKernel, ...(setB ? { set: setB } : {}) };
    const [a, b] = await Promise.all([engine.run(req), wantB ? engine.run(reqB) : Promise.resolve(undefined)]);
    if (seq !== runSeq.current) return;
    setBusy(false);
    if ("error" in a) {
      setError(a.error);
      return;
    }
    if (b && "error" in b) {
      setError(`compare run (${c.cmpPlatform} ${c.cmpKernel}${c.cmpOpts.trim() ? ` ${c.cmpOpts.trim()}` : ""}): ${b.error}`);
      return;
    }
    const n = a.result.steps.length;
    stepCount.current = n;
    setRuns((old) => ({ a, b, sig: signature(c), seq: (old?.seq ?? 0) + 1 }));
    setStep((s) => Math.max(0, Math.min(n - 1, keepStep ?? s)));
  }

  const act: Actions = useMemo(
    () => ({
      patch,
      run: () => void run(ctlRef.current),
      chooseScenario(key: string) {
        const b = findBundled(key);
        if (!b) return;
        patch({ scenario: b.key, text: b.text, file: b.file });
        setNotice(null);
      },
      async upload(f: File) {
        const text = await f.text();
        patch({ scenario: "", text, file: f.name });
      },
    }),
    [],
  );

  /** Write the view into the URL hash now. */
  const writeHash = useCallback(() => {
    clearTimeout(hashTimer.current);
    hashText.current = ctlRef.current.text;
    const h = encodeHash(viewOf(ctlRef.current, stepRef.current), bundledText);
    if (h !== location.hash) history.replaceState(null, "", h);
  }, []);

  // Boot: the engine's platform / kernel lists, then run what the link (or the default) says.
  useEffect(() => {
    const metaP = engine.meta();
    void metaP.then((m) => {
      setMeta(m);
      const checked = checkAgainstMeta(init.c, m);
      if (checked.warning) {
        setCtl(checked.c);
        setNotice([init.warning, checked.warning].filter(Boolean).join("; "));
      }
      void run(checked.c, init.step);
    });
    const onHash = () => {
      if (encodeHash(viewOf(ctlRef.current, stepRef.current), bundledText) === location.hash) return;
      const v = decodeHash(location.hash, bundledText);
      const fromHash = controlsFromHash(v);
      void metaP.then((m) => {
        const { c, warning } = checkAgainstMeta(fromHash.c, m);
        setCtl(c);
        setNotice([fromHash.warning, warning].filter(Boolean).join("; ") || null);
        void run(c, v.step ?? 0);
      });
    };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  // Parse as the text changes: scenario name, defaults and errors (file:line:col) while editing.
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      void engine.inspect(ctl.text, ctl.file).then((r) => live && setInfo(r));
    }, 150);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [ctl.text, ctl.file]);

  // The view in the URL hash, shortly after the last change.
  useEffect(() => {
    clearTimeout(hashTimer.current);
    hashTimer.current = setTimeout(writeHash, ctl.text === hashText.current ? HASH_DELAY_MS : HASH_DELAY_EDIT_MS);
  }, [ctl, step]);

  // ←/→ move the selected step, Home/End go to the first / last; Ctrl+Enter runs.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void run(ctlRef.current);
        return;
      }
      if (isTyping(e.target) || e.altKey || e.ctrlKey || e.metaKey) return;
      const last = Math.max(0, stepCount.current - 1);
      const to = e.key === "ArrowLeft" ? (s: number) => Math.max(0, s - 1) : e.key === "ArrowRight" ? (s: number) => Math.min(last, s + 1) : e.key === "Home" ? () => 0 : e.key === "End" ? () => last : null;
      if (!to) return;
      e.preventDefault();
      setStep(to);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  function download() {
    if (!runs) return;
    const body = runs.b ? { a: runs.a.result, b: runs.b.result } : runs.a.result;
    const name = `${slug(runs.a.result.scenario)}-${runs.a.result.platform}-${runs.a.result.kernel}${runs.b ? `-vs-${runs.b.result.platform}-${runs.b.result.kernel}` : ""}.json`;
    const url = URL.createObjectURL(new Blob([toJson(body) + "\n"], { type: "application/json" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  function share() {
    writeHash();
    const href = location.href;
    const done = (ok: boolean) => setNotice(ok ? `Link copied (${href.length} characters): it reproduces this view (scenario, platform, kernel, options, compare target, step).` : `Copy this link: ${href}`);
    if (navigator.clipboard) navigator.clipboard.writeText(href).then(() => done(true), () => done(false));
    else done(false);
  }

  const sig = useMemo(() => signature(ctl), [ctl]);
  const edited = useMemo(() => isEdited(ctl), [ctl.scenario, ctl.text]);
  const stale = runs !== null && runs.sig !== sig;
  const n = runs?.a.result.steps.length ?? 0;
  const sel = Math.min(step, Math.max(0, n - 1));
  const selStep = runs?.a.result.steps[sel];

  return (
    <div
      class="app"
      onDragOver={(e) => {
        if (e.dataTransfer?.types.includes("Files")) e.preventDefault();
      }}
      onDrop={(e) => {
        const f = e.dataTransfer?.files[0];
        if (!f) return;
        e.preventDefault();
        void act.upload(f);
      }}
    >
      <header class="top">
        <h1>
          dmasim <span class="muted">— the Linux DMA-mapping layer, step by step</span>
        </h1>
        <div class="top-actions">
          <button type="button" onClick={share} data-testid="share-link" title="copy a link to this view">
            Share link
          </button>
          <button type="button" onClick={download} disabled={!runs} data-testid="download-json" title="the run's JSON, as dmasim run --json --trace prints it">
            Download JSON
          </button>
        </div>
      </header>

      <ControlsPanel ctl={ctl} meta={meta} info={info} busy={busy} edited={edited} act={act} />

      <main class="results">
        {notice && (
          <p class="notice" data-testid="notice">
            {notice}{" "}
            <button type="button" class="link" onClick={() => setNotice(null)} aria-label="dismiss">
              ×
            </button>
          </p>
        )}
        {error && (
          <p class="error" role="alert" data-testid="run-error">
            {error}
          </p>
        )}
        {!runs && !error && <p class="muted">{meta ? "Running…" : "Starting the engine…"}</p>}
        {runs && (
          <>
            <nav class="stepper" aria-label="stepper">
              <button type="button" data-testid="prev-button" onClick={() => setStep(Math.max(0, sel - 1))} disabled={sel <= 0} aria-label="previous step">
                ← Prev
              </button>
              <span class="stepper-label" data-testid="selected-step" data-index={sel} aria-live="polite">
                step <strong>#{sel}</strong> of {n}: <strong class="mono">{selStep?.op}</strong>
              </span>
              <button type="button" data-testid="next-button" onClick={() => setStep(Math.min(n - 1, sel + 1))} disabled={sel >= n - 1} aria-label="next step">
                Next →
              </button>
              <label class="small step-go">
                go to #
                <input
                  type="number"
                  data-testid="step-input"
                  min={0}
                  max={Math.max(0, n - 1)}
                  value={sel}
                  onChange={(e) => {
                    const x = Number((e.currentTarget as HTMLInputElement).value);
                    if (Number.isInteger(x)) setStep(Math.max(0, Math.min(n - 1, x)));
                  }}
                />
              </label>
              <span class="scenario-name">
                {runs.a.result.scenario}
                {stale && (
                  <span class="stale" data-testid="stale">
                    {" "}
                    · settings changed: press Run
                  </span>
                )}
              </span>
            </nav>
            {runs.b && <CompareHead a={runs.a.result} b={runs.b.result} />}
            <div class={`runs ${runs.b ? "compare" : "single"}`} data-testid="runs" data-busy={String(busy)} data-run-seq={runs.seq}>
              <RunView data={runs.a} other={runs.b} selected={sel} onSelect={setStep} side="a" />
              {runs.b && <RunView data={runs.b} other={runs.a} selected={sel} onSelect={setStep} side="b" />}
            </div>
          </>
        )}
      </main>
    </div>
  );
}

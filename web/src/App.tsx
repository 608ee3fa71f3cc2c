/**
 * dmasim's web page: pick or write a scenario, a platform and a kernel, run it in the engine's
 * Web Worker, and step through the result — call tree, addresses, faults, dma-debug findings —
 * optionally side by side with a second platform / kernel. The whole view lives in the URL hash.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Engine } from "./engine.js";
import { BUNDLED, findBundled } from "./scenarios.js";
import { decodeHash, decodeSet, encodeHash, encodeSet, type ViewState } from "./hash.js";
import type { Meta, RunRequest, ScenarioInfo } from "./protocol.js";
import { RunView, type RunData } from "./RunView.js";
import { slug, toJson } from "./format.js";

/** Options with their own field; any other --set key goes in "more options". */
const TRI_KEYS = ["CONFIG_DEBUG_VIRTUAL", "CONFIG_DMA_API_DEBUG"] as const;
const TEXT_KEYS: [string, string][] = [
  ["mem", "RAM size, e.g. 2G"],
  ["cma", "CMA size, e.g. 64M (arm32: 0 = remap allocator)"],
  ["swiotlb", "slabs[,force] or force"],
  ["coherent_pool", "atomic pool, e.g. 256K"],
];
const FIELD_KEYS = new Set<string>([...TRI_KEYS, ...TEXT_KEYS.map(([k]) => k)]);

const DEFAULT_SCENARIO = "seed-mmap";

interface Controls {
  /** bundled scenario key, or "" for an edited / uploaded text */
  scenario: string;
  text: string;
  file: string;
  platform: string;
  kernel: string;
  /** the option fields (empty = the scenario's / platform's default) */
  opts: Record<string, string>;
  /** other key=value options, comma-separated */
  extra: string;
  compare: boolean;
  cmpPlatform: string;
  cmpKernel: string;
}

interface Runs {
  a: RunData;
  b?: RunData | undefined;
  /** the controls' signature the runs were made with */
  sig: string;
  /** counts completed runs (tests wait for it to move) */
  seq: number;
}

function controlsFromHash(v: ViewState): { c: Controls; warning?: string } {
  let warning: string | undefined;
  let scenario = "";
  let text: string;
  let file: string;
  if (v.yaml !== undefined) {
    text = v.yaml;
    file = v.file ?? "edited.yaml";
    if (v.scenario && findBundled(v.scenario)) scenario = v.scenario;
  } else {
    const b = findBundled(v.scenario ?? DEFAULT_SCENARIO) ?? findBundled(DEFAULT_SCENARIO) ?? BUNDLED[0]!;
    if (v.scenario && b.key !== v.scenario) warning = `no bundled scenario '${v.scenario}': showing ${b.key}`;
    scenario = b.key;
    text = b.text;
    file = b.file;
  }
  const opts: Record<string, string> = {};
  const extra: Record<string, string> = {};
  for (const [k, x] of Object.entries(v.set ?? {})) (FIELD_KEYS.has(k) ? opts : extra)[k] = x;
  return {
    c: {
      scenario,
      text,
      file,
      platform: v.platform ?? "",
      kernel: v.kernel ?? "",
      opts,
      extra: encodeSet(extra).replace(/,/g, ", "),
      compare: !!v.compare,
      cmpPlatform: v.compare?.platform ?? "",
      cmpKernel: v.compare?.kernel ?? "",
    },
    ...(warning ? { warning } : {}),
  };
}

function setOf(c: Controls): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(c.opts)) if (x.trim()) out[k] = x.trim();
  Object.assign(out, decodeSet(c.extra.replace(/\s*,\s*/g, ",")) ?? {});
  return Object.keys(out).length ? out : undefined;
}

function viewOf(c: Controls, step: number): ViewState {
  const v: ViewState = { step };
  if (c.scenario) v.scenario = c.scenario;
  if (!c.scenario || findBundled(c.scenario)?.text !== c.text) {
    v.yaml = c.text;
    v.file = c.file;
  }
  if (c.platform) v.platform = c.platform;
  if (c.kernel) v.kernel = c.kernel;
  const set = setOf(c);
  if (set) v.set = set;
  if (c.compare && c.cmpPlatform && c.cmpKernel) v.compare = { platform: c.cmpPlatform, kernel: c.cmpKernel };
  return v;
}

/** What a run depends on (to tell when the shown results are stale). */
function signature(c: Controls): string {
  return JSON.stringify([c.text, c.platform, c.kernel, setOf(c) ?? {}, c.compare ? [c.cmpPlatform, c.cmpKernel] : null]);
}

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
}

export function App() {
  const engine = useMemo(() => new Engine(), []);
  const init = useMemo(() => {
    const v = decodeHash(location.hash);
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
  const fileInput = useRef<HTMLInputElement>(null);

  const patch = (p: Partial<Controls>) => setCtl((c) => ({ ...c, ...p }));

  async function run(c: Controls, keepStep?: number) {
    const seq = ++runSeq.current;
    setBusy(true);
    setError(null);
    const set = setOf(c);
    const req: RunRequest = { text: c.text, file: c.file, ...(c.platform ? { platform: c.platform } : {}), ...(c.kernel ? { kernel: c.kernel } : {}), ...(set ? { set } : {}) };
    const wantB = c.compare && c.cmpPlatform && c.cmpKernel;
    const [a, b] = await Promise.all([engine.run(req), wantB ? engine.run({ ...req, platform: c.cmpPlatform, kernel: c.cmpKernel }) : Promise.resolve(undefined)]);
    if (seq !== runSeq.current) return;
    setBusy(false);
    if ("error" in a) {
      setError(a.error);
      return;
    }
    if (b && "error" in b) {
      setError(`compare run (${c.cmpPlatform} ${c.cmpKernel}): ${b.error}`);
      return;
    }
    const n = a.result.steps.length;
    stepCount.current = n;
    setRuns((old) => ({ a, b, sig: signature(c), seq: (old?.seq ?? 0) + 1 }));
    setStep((s) => Math.max(0, Math.min(n - 1, keepStep ?? s)));
  }

  // Boot: the engine's platform / kernel lists, then run what the link (or the default) says.
  useEffect(() => {
    void engine.meta().then((m) => {
      setMeta(m);
      void run(init.c, init.step);
    });
    const onHash = () => {
      const v = decodeHash(location.hash);
      if (encodeHash(viewOf(ctlRef.current, stepRef.current)) === location.hash) return;
      const { c, warning } = controlsFromHash(v);
      setCtl(c);
      setNotice(warning ?? null);
      void run(c, v.step ?? 0);
    };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  const ctlRef = useRef(ctl);
  ctlRef.current = ctl;
  const stepRef = useRef(step);
  stepRef.current = step;

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

  // The view in the URL hash.
  useEffect(() => {
    const h = encodeHash(viewOf(ctl, step));
    if (h !== location.hash) history.replaceState(null, "", h);
  }, [ctl, step]);

  // ←/→ move the selected step; Ctrl+Enter runs.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void run(ctlRef.current);
        return;
      }
      if (isTyping(e.target) || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === "ArrowLeft") {
        e.preventDefault();
        setStep((s) => Math.max(0, s - 1));
      } else if (e.key === "ArrowRight") {
        e.preventDefault();
        setStep((s) => Math.min(Math.max(0, stepCount.current - 1), s + 1));
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const scenarioPlatform = info.scenario?.platform;
  const scenarioKernel = info.scenario?.kernel;
  const effPlatform = ctl.platform || scenarioPlatform || "rpi4";
  const effKernel = ctl.kernel || scenarioKernel || meta?.defaultKernel || "";

  function toggleCompare(on: boolean) {
    if (on && (!ctl.cmpPlatform || !ctl.cmpKernel) && meta) {
      const ks = meta.kernels.map((k) => k.id);
      const i = ks.indexOf(effKernel);
      const other = ks[i + 1] ?? ks[i - 1] ?? effKernel;
      patch({ compare: true, cmpPlatform: ctl.cmpPlatform || effPlatform, cmpKernel: ctl.cmpKernel || other });
    } else patch({ compare: on });
  }

  function chooseScenario(key: string) {
    const b = findBundled(key);
    if (!b) return;
    patch({ scenario: b.key, text: b.text, file: b.file });
    setNotice(null);
  }

  async function upload(f: File) {
    const text = await f.text();
    patch({ scenario: "", text, file: f.name });
  }

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
    const href = location.href;
    const done = (ok: boolean) => setNotice(ok ? "Link copied: it reproduces this view (scenario, platform, kernel, options, compare target, step)." : `Copy this link: ${href}`);
    if (navigator.clipboard) navigator.clipboard.writeText(href).then(() => done(true), () => done(false));
    else done(false);
  }

  const stale = runs !== null && runs.sig !== signature(ctl);
  const n = runs?.a.result.steps.length ?? 0;
  const sel = Math.min(step, Math.max(0, n - 1));
  const selStep = runs?.a.result.steps[sel];
  const groups = [...new Set(BUNDLED.map((b) => b.group))];
  const edited = ctl.scenario === "" || findBundled(ctl.scenario)?.text !== ctl.text;

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
        void upload(f);
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

      <aside class="controls" aria-label="scenario and run settings">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run(ctl);
          }}
        >
          <fieldset>
            <legend>Scenario</legend>
            <label for="scenario">Bundled scenario</label>
            <select id="scenario" data-testid="scenario-select" value={edited ? "" : ctl.scenario} onChange={(e) => chooseScenario((e.currentTarget as HTMLSelectElement).value)}>
              {edited && <option value="">{ctl.scenario ? `${ctl.scenario} (edited)` : `${ctl.file} (your own)`}</option>}
              {groups.map((g) => (
                <optgroup label={g} key={g}>
                  {BUNDLED.filter((b) => b.group === g).map((b) => (
                    <option value={b.key} key={b.key}>
                      {b.key} — {b.title}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
            {info.scenario?.description && <p class="description small">{info.scenario.description}</p>}
            <details open class="editor">
              <summary>YAML {edited && <span class="muted">(edited)</span>}</summary>
              <textarea
                data-testid="editor"
                aria-label="scenario YAML"
                spellcheck={false}
                rows={16}
                value={ctl.text}
                onInput={(e) => patch({ text: (e.currentTarget as HTMLTextAreaElement).value })}
              />
              <div class="editor-actions">
                <button type="button" onClick={() => fileInput.current?.click()} data-testid="upload-button" title="or drop a scenario file on the page">
                  Open file…
                </button>
                <input
                  ref={fileInput}
                  type="file"
                  accept=".yaml,.yml,.json,text/yaml,application/json"
                  hidden
                  data-testid="upload"
                  onChange={(e) => {
                    const f = (e.currentTarget as HTMLInputElement).files?.[0];
                    if (f) void upload(f);
                  }}
                />
                {edited && ctl.scenario && (
                  <button type="button" onClick={() => chooseScenario(ctl.scenario)}>
                    Revert
                  </button>
                )}
              </div>
              {info.error && (
                <p class="error small" role="alert" data-testid="parse-error">
                  {info.error}
                </p>
              )}
            </details>
          </fieldset>

          <fieldset>
            <legend>Machine</legend>
            <div class="row">
              <label>
                Platform
                <select data-testid="platform-select" value={ctl.platform} onChange={(e) => patch({ platform: (e.currentTarget as HTMLSelectElement).value })}>
                  <option value="">scenario's ({scenarioPlatform ?? "rpi4"})</option>
                  {meta?.platforms.map((p) => (
                    <option value={p.id} key={p.id} title={p.description}>
                      {p.id}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Kernel
                <select data-testid="kernel-select" value={ctl.kernel} onChange={(e) => patch({ kernel: (e.currentTarget as HTMLSelectElement).value })}>
                  <option value="">scenario's ({scenarioKernel ?? meta?.defaultKernel ?? "newest"})</option>
                  {meta?.kernels.map((k) => (
                    <option value={k.id} key={k.id} title={k.notes}>
                      {k.id}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <p class="small muted">{meta?.platforms.find((p) => p.id === effPlatform)?.description}</p>
            <details class="options">
              <summary>Options {setOf(ctl) && <span class="mono small">({encodeSet(setOf(ctl))})</span>}</summary>
              {TRI_KEYS.map((k) => (
                <label class="opt" key={k}>
                  <span class="mono">{k}</span>
                  <select data-testid={`opt-${k}`} value={ctl.opts[k] ?? ""} onChange={(e) => patch({ opts: { ...ctl.opts, [k]: (e.currentTarget as HTMLSelectElement).value } })}>
                    <option value="">default</option>
                    <option value="y">y</option>
                    <option value="n">n</option>
                  </select>
                </label>
              ))}
              {TEXT_KEYS.map(([k, hint]) => (
                <label class="opt" key={k}>
                  <span class="mono">{k}</span>
                  <input type="text" data-testid={`opt-${k}`} placeholder={hint} value={ctl.opts[k] ?? ""} onInput={(e) => patch({ opts: { ...ctl.opts, [k]: (e.currentTarget as HTMLInputElement).value } })} />
                </label>
              ))}
              <label class="opt">
                <span>more</span>
                <input type="text" data-testid="opt-extra" placeholder="key=value, … (va_bits=39, CONFIG_DMA_API_DEBUG_SG=y)" value={ctl.extra} onInput={(e) => patch({ extra: (e.currentTarget as HTMLInputElement).value })} />
              </label>
            </details>
          </fieldset>

          <fieldset>
            <legend>Compare</legend>
            <label class="check">
              <input type="checkbox" data-testid="compare-toggle" checked={ctl.compare} onChange={(e) => toggleCompare((e.currentTarget as HTMLInputElement).checked)} /> Run the same scenario on a second platform / kernel
            </label>
            {ctl.compare && (
              <div class="row">
                <label>
                  Platform
                  <select data-testid="compare-platform" value={ctl.cmpPlatform} onChange={(e) => patch({ cmpPlatform: (e.currentTarget as HTMLSelectElement).value })}>
                    {meta?.platforms.map((p) => (
                      <option value={p.id} key={p.id}>
                        {p.id}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  Kernel
                  <select data-testid="compare-kernel" value={ctl.cmpKernel} onChange={(e) => patch({ cmpKernel: (e.currentTarget as HTMLSelectElement).value })}>
                    {meta?.kernels.map((k) => (
                      <option value={k.id} key={k.id}>
                        {k.id}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
            )}
          </fieldset>

          <button type="submit" class="primary run-button" data-testid="run-button" disabled={!meta}>
            {busy ? "Running…" : "Run"}
          </button>
          <p class="small muted">
            Run: <kbd>Ctrl</kbd>+<kbd>Enter</kbd> · steps: <kbd>←</kbd> <kbd>→</kbd>
          </p>
        </form>
      </aside>

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

/**
 * The settings panel: scenario (bundled, edited, opened), machine (platform, kernel, --set
 * options) and the compare target (platform, kernel and options of a second run). Memoized: a
 * step change does not redraw it (its YAML editor may hold a scenario of thousands of lines).
 */
import { memo } from "preact/compat";
import { useRef } from "preact/hooks";
import { BUNDLED } from "./scenarios.js";
import { encodeSet } from "./hash.js";
import type { Meta, ScenarioInfo } from "./protocol.js";
import { type Controls, TRI_KEYS, TEXT_KEYS, setOf } from "./settings.js";

export interface Actions {
  patch(p: Partial<Controls>): void;
  run(): void;
  chooseScenario(key: string): void;
  upload(f: File): Promise<void>;
}

interface Props {
  ctl: Controls;
  meta: Meta | null;
  info: { scenario?: ScenarioInfo; error?: string };
  busy: boolean;
  edited: boolean;
  act: Actions;
}

export const ControlsPanel = memo(function ControlsPanel({ ctl, meta, info, busy, edited, act }: Props) {
  const fileInput = useRef<HTMLInputElement>(null);
  const groups = [...new Set(BUNDLED.map((b) => b.group))];
  const scenarioPlatform = info.scenario?.platform;
  const scenarioKernel = info.scenario?.kernel;
  const effPlatform = ctl.platform || scenarioPlatform || "rpi4";
  const effKernel = ctl.kernel || scenarioKernel || meta?.defaultKernel || "";

  function toggle(on: boolean) {
    if (on && (!ctl.cmpPlatform || !ctl.cmpKernel) && meta) {
      const ks = meta.kernels.map((k) => k.id);
      const i = ks.indexOf(effKernel);
      const other = ks[i + 1] ?? ks[i - 1] ?? effKernel;
      act.patch({ compare: true, cmpPlatform: ctl.cmpPlatform || effPlatform, cmpKernel: ctl.cmpKernel || other });
    } else act.patch({ compare: on });
  }

  return (
    <aside class="controls" aria-label="scenario and run settings">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act.run();
        }}
      >
        <fieldset>
          <legend>Scenario</legend>
          <label for="scenario">Bundled scenario</label>
          <select id="scenario" data-testid="scenario-select" value={edited ? "" : ctl.scenario} onChange={(e) => act.chooseScenario((e.currentTarget as HTMLSelectElement).value)}>
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
              wrap="off"
              rows={16}
              value={ctl.text}
              onInput={(e) => act.patch({ text: (e.currentTarget as HTMLTextAreaElement).value })}
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
                  if (f) void act.upload(f);
                }}
              />
              {edited && ctl.scenario && (
                <button type="button" onClick={() => act.chooseScenario(ctl.scenario)}>
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
              <select data-testid="platform-select" value={ctl.platform} onChange={(e) => act.patch({ platform: (e.currentTarget as HTMLSelectElement).value })}>
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
              <select data-testid="kernel-select" value={ctl.kernel} onChange={(e) => act.patch({ kernel: (e.currentTarget as HTMLSelectElement).value })}>
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
                <select data-testid={`opt-${k}`} value={ctl.opts[k] ?? ""} onChange={(e) => act.patch({ opts: { ...ctl.opts, [k]: (e.currentTarget as HTMLSelectElement).value } })}>
                  <option value="">default</option>
                  <option value="y">y</option>
                  <option value="n">n</option>
                </select>
              </label>
            ))}
            {TEXT_KEYS.map(([k, hint]) => (
              <label class="opt" key={k}>
                <span class="mono">{k}</span>
                <input type="text" data-testid={`opt-${k}`} placeholder={hint} value={ctl.opts[k] ?? ""} onInput={(e) => act.patch({ opts: { ...ctl.opts, [k]: (e.currentTarget as HTMLInputElement).value } })} />
              </label>
            ))}
            <label class="opt">
              <span>more</span>
              <input type="text" data-testid="opt-extra" placeholder="key=value, … (va_bits=39, CONFIG_DMA_API_DEBUG_SG=y)" value={ctl.extra} onInput={(e) => act.patch({ extra: (e.currentTarget as HTMLInputElement).value })} />
            </label>
          </details>
        </fieldset>

        <fieldset>
          <legend>Compare</legend>
          <label class="check">
            <input type="checkbox" data-testid="compare-toggle" checked={ctl.compare} onChange={(e) => toggle((e.currentTarget as HTMLInputElement).checked)} /> Run the same scenario a second time: another platform, kernel or options
          </label>
          {ctl.compare && (
            <div class="row">
              <label>
                Platform
                <select data-testid="compare-platform" value={ctl.cmpPlatform} onChange={(e) => act.patch({ cmpPlatform: (e.currentTarget as HTMLSelectElement).value })}>
                  {meta?.platforms.map((p) => (
                    <option value={p.id} key={p.id}>
                      {p.id}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Kernel
                <select data-testid="compare-kernel" value={ctl.cmpKernel} onChange={(e) => act.patch({ cmpKernel: (e.currentTarget as HTMLSelectElement).value })}>
                  {meta?.kernels.map((k) => (
                    <option value={k.id} key={k.id}>
                      {k.id}
                    </option>
                  ))}
                </select>
              </label>
            </div>
          )}
          {ctl.compare && (
            <label class="opt">
              <span>options</span>
              <input
                type="text"
                data-testid="compare-options"
                placeholder="key=value, … on top of the first run's (swiotlb=noforce, cma=0)"
                title="the second run's --set options: the first run's options, with these changed or added"
                value={ctl.cmpOpts}
                onInput={(e) => act.patch({ cmpOpts: (e.currentTarget as HTMLInputElement).value })}
              />
            </label>
          )}
        </fieldset>

        <button type="submit" class="primary run-button" data-testid="run-button" disabled={!meta}>
          {busy ? "Running…" : "Run"}
        </button>
        <p class="small muted">
          Run: <kbd>Ctrl</kbd>+<kbd>Enter</kbd> · steps: <kbd>←</kbd> <kbd>→</kbd> <kbd>Home</kbd> <kbd>End</kbd>
        </p>
      </form>
    </aside>
  );
});

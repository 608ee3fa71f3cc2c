/**
 * The page's settings (what the controls panel edits) and how they map to and from the view in
 * the URL hash and to the engine's run requests.
 */
import { BUNDLED, findBundled } from "./scenarios.js";
import { decodeSet, encodeSet, type ViewState } from "./hash.js";

/** Options with their own field; any other --set key goes in "more options". */
export const TRI_KEYS = ["CONFIG_DEBUG_VIRTUAL", "CONFIG_DMA_API_DEBUG"] as const;
export const TEXT_KEYS: [string, string][] = [
  ["mem", "RAM size, e.g. 2G"],
  ["cma", "CMA size, e.g. 64M (arm32: 0 = remap allocator)"],
  ["swiotlb", "slabs[,force|noforce] or force / noforce"],
  ["coherent_pool", "atomic pool, e.g. 256K"],
];
const FIELD_KEYS = new Set<string>([...TRI_KEYS, ...TEXT_KEYS.map(([k]) => k)]);

export const DEFAULT_SCENARIO = "seed-mmap";

export interface Controls {
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
  /** the compare run's key=value options, comma-separated, on top of the first run's */
  cmpOpts: string;
}

const setText = (s: Record<string, string> | undefined) => encodeSet(s).replace(/,/g, ", ");
const parseSetText = (s: string) => decodeSet(s.replace(/\s*,\s*/g, ","));

export function controlsFromHash(v: ViewState): { c: Controls; warning?: string } {
  let warning = v.warning;
  let scenario = "";
  let text: string;
  let file: string;
  if (v.yaml !== undefined) {
    text = v.yaml;
    file = v.file ?? "edited.yaml";
    if (v.scenario && findBundled(v.scenario)) scenario = v.scenario;
  } else {
    const b = findBundled(v.scenario ?? DEFAULT_SCENARIO) ?? findBundled(DEFAULT_SCENARIO) ?? BUNDLED[0]!;
    if (v.scenario && b.key !== v.scenario) warning = [warning, `no bundled scenario '${v.scenario}': showing ${b.key}`].filter(Boolean).join("; ");
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
      extra: setText(extra),
      compare: !!v.compare,
      cmpPlatform: v.compare?.platform ?? "",
      cmpKernel: v.compare?.kernel ?? "",
      cmpOpts: setText(v.compare?.set),
    },
    ...(warning ? { warning } : {}),
  };
}

/**
 * A link may name a platform or kernel this page does not model (a typo, or a link from a newer
 * dmasim): the selects cannot show it, so the run would fail with an error about a value nobody
 * can see. Drop it (the scenario's own is used; in compare mode the compare run is turned off)
 * and say so.
 */
export function checkAgainstMeta(c: Controls, meta: { platforms: { id: string }[]; kernels: { id: string }[] }): { c: Controls; warning?: string } {
  const plats = new Set(meta.platforms.map((p) => p.id));
  const kerns = new Set(meta.kernels.map((k) => k.id));
  const notes: string[] = [];
  const out = { ...c };
  if (out.platform && !plats.has(out.platform)) {
    notes.push(`this link's platform '${out.platform}' is not modelled: using the scenario's`);
    out.platform = "";
  }
  if (out.kernel && !kerns.has(out.kernel)) {
    notes.push(`this link's kernel '${out.kernel}' is not modelled: using the scenario's`);
    out.kernel = "";
  }
  if (out.compare && ((out.cmpPlatform && !plats.has(out.cmpPlatform)) || (out.cmpKernel && !kerns.has(out.cmpKernel)))) {
    notes.push(`this link compares with ${out.cmpPlatform} ${out.cmpKernel}, which is not modelled: compare is off`);
    out.compare = false;
    if (!plats.has(out.cmpPlatform)) out.cmpPlatform = "";
    if (!kerns.has(out.cmpKernel)) out.cmpKernel = "";
  }
  return notes.length ? { c: out, warning: notes.join("; ") } : { c };
}

/** The first run's --set options. */
export function setOf(c: Controls): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(c.opts)) if (x.trim()) out[k] = x.trim();
  Object.assign(out, parseSetText(c.extra) ?? {});
  return Object.keys(out).length ? out : undefined;
}

/** The compare run's own options (changes to the first run's). */
export function cmpOwnSet(c: Controls): Record<string, string> | undefined {
  return parseSetText(c.cmpOpts);
}

/** The compare run's --set options: the first run's, with the compare options changed or added. */
export function cmpSetOf(c: Controls): Record<string, string> | undefined {
  const out = { ...(setOf(c) ?? {}), ...(cmpOwnSet(c) ?? {}) };
  return Object.keys(out).length ? out : undefined;
}

export function isEdited(c: Controls): boolean {
  return c.scenario === "" || findBundled(c.scenario)?.text !== c.text;
}

export function viewOf(c: Controls, step: number): ViewState {
  const v: ViewState = { step };
  if (c.scenario) v.scenario = c.scenario;
  if (isEdited(c)) {
    v.yaml = c.text;
    v.file = c.file;
  }
  if (c.platform) v.platform = c.platform;
  if (c.kernel) v.kernel = c.kernel;
  const set = setOf(c);
  if (set) v.set = set;
  if (c.compare && c.cmpPlatform && c.cmpKernel) {
    const co = cmpOwnSet(c);
    v.compare = { platform: c.cmpPlatform, kernel: c.cmpKernel, ...(co ? { set: co } : {}) };
  }
  return v;
}

/** What a run depends on (to tell when the shown results are stale). */
export function signature(c: Controls): string {
  return JSON.stringify([c.text, c.platform, c.kernel, setOf(c) ?? {}, c.compare ? [c.cmpPlatform, c.cmpKernel, cmpSetOf(c) ?? {}] : null]);
}

/** The bundled scenario's text: the dictionary its edits are compressed against in a link. */
export function bundledText(key: string): string | undefined {
  return findBundled(key)?.text;
}

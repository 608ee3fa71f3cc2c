/**
 * A scenario's source text, kept with it, and the places of its values read from that text again
 * for run-time messages (file:line:col): the locators the runner asks through locate.ts, installed
 * when this module is loaded. Apart from parse.ts, which imports it, so that a scenario it read
 * can be placed, a matrix worker thread loads it (src/cli/matrix-worker.ts): its scenarios come
 * parsed, with their text, and this is all of the reader it needs — not the validator (parse.ts,
 * schema.ts and zod), which would double its start-up. No node:* imports (the web page parses
 * scenarios too).
 */
import type { Scenario } from "./types.js";
import { readSource, type Path, type SourceDoc } from "./source.js";
import { setLocators } from "./locate.js";

/** Keep the text a scenario came from (not enumerable: see Scenario.source). */
export function attachSource(s: Scenario, text: string | undefined): void {
  if (text !== undefined) Object.defineProperty(s, "source", { value: text, enumerable: false, writable: true, configurable: true });
}

/** The re-read source of a scenario, once per scenario object, for run-time messages. */
const reread = new WeakMap<Scenario, SourceDoc>();

function sourceOf(s: Scenario): SourceDoc | undefined {
  if (s.source === undefined) return undefined;
  let doc = reread.get(s);
  if (!doc) {
    doc = readSource(s.source, s.file ?? "<input>");
    reread.set(s, doc);
  }
  return doc;
}

/** Where the node at document path `path` (e.g. ["config", "swiotlb"]) is written, from the scenario's source; undefined without one. */
function locatePath(s: Scenario, path: Path): { line: number; col: number } | undefined {
  const w = sourceOf(s)?.where(path);
  return w?.line === undefined ? undefined : { line: w.line, col: w.col ?? 1 };
}

/**
 * Where argument `field` of the step item that starts at `at` is written, from the scenario's
 * source (read again, once, on the first run-time message that needs it); undefined without one.
 */
function locateStepField(s: Scenario, at: { line: number; col: number }, field: Path): { line: number; col: number } | undefined {
  const item = stepItemPath(s, at);
  return item ? locatePath(s, [...item, ...field]) : undefined;
}

/** The document path of the step item that starts at `at` (e.g. ["steps", 2], or ["steps", 1, "steps", 0] inside a repeat block); undefined without a source. */
function stepItemPath(s: Scenario, at: { line: number; col: number }): Path | undefined {
  const src = sourceOf(s);
  if (!src) return undefined;
  const seen = new Set<object>();
  const find = (v: unknown, path: Path): Path | undefined => {
    if (v === null || typeof v !== "object" || seen.has(v)) return undefined;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const w = src.itemStart(v, i);
        if (w && w.line === at.line && w.col === at.col) return [...path, i];
      }
      for (let i = 0; i < v.length; i++) {
        const r = find(v[i], [...path, i]);
        if (r) return r;
      }
      return undefined;
    }
    for (const [k, x] of Object.entries(v)) {
      const r = find(x, [...path, k]);
      if (r) return r;
    }
    return undefined;
  };
  return find(src.value, []);
}

setLocators(locatePath, locateStepField, stepItemPath); // the runner asks through src/scenario/locate.ts

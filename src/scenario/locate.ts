/**
 * Where a scenario's values are written, for run-time messages (file:line:col). The functions live
 * with the YAML/JSON reader in parse.ts, which installs them when it is loaded: a scenario with a
 * source was read by it. The runner asks through here so that running a model does not load the
 * reader (and the yaml package) — `dmasim --version` and the engine's importers stay light.
 */
import type { Scenario } from "./types.js";
import type { Path } from "./source.js"; // a type only: erased, source.ts is not loaded
type At = { line: number; col: number };

let pathLocator: (s: Scenario, path: Path) => At | undefined = () => undefined;
let stepFieldLocator: (s: Scenario, at: At, field: Path) => At | undefined = () => undefined;
let stepItemLocator: (s: Scenario, at: At) => Path | undefined = () => undefined;

/** parse.ts: the functions that read a scenario's source again */
export function setLocators(path: typeof pathLocator, stepField: typeof stepFieldLocator, stepItem: typeof stepItemLocator): void {
  pathLocator = path;
  stepFieldLocator = stepField;
  stepItemLocator = stepItem;
}

/** Where the node at document path `path` (e.g. ["config", "swiotlb"]) is written; undefined without a source. */
export function locatePath(s: Scenario, path: Path): At | undefined {
  return s.source === undefined ? undefined : pathLocator(s, path);
}

/** Where argument `field` of the step item that starts at `at` is written; undefined without a source. */
export function locateStepField(s: Scenario, at: At, field: Path): At | undefined {
  return s.source === undefined ? undefined : stepFieldLocator(s, at, field);
}

/** The document path of the step item that starts at `at` (["steps", 2]; inside a repeat block ["steps", 1, "steps", 0]); undefined without a source. */
export function locateStepItem(s: Scenario, at: At): Path | undefined {
  return s.source === undefined ? undefined : stepItemLocator(s, at);
}

/**
 * A fuzz failure's scenario as YAML (`dmasim fuzz` prints it; `dmasim run` replays it). A module
 * of its own so that running the fuzzer does not load the YAML library.
 *
 * Engine core: no node:* imports. Part of `dmasim fuzz` (src/fuzz.ts).
 */
import { stringify } from "yaml";
import type { Scenario } from "../scenario/types.js";

/** A scenario as YAML, in the layout scenario files use (op first, then as, arguments, expect). */
export function scenarioToYaml(s: Scenario): string {
  const doc: Record<string, unknown> = { name: s.name };
  if (s.description) doc.description = s.description;
  if (s.platform) doc.platform = s.platform;
  if (s.kernel) doc.kernel = s.kernel;
  if (s.config) doc.config = s.config;
  if (s.device) doc.device = s.device;
  if (s.expect) doc.expect = s.expect;
  doc.steps = s.steps.map((st) => {
    const o: Record<string, unknown> = { op: st.op };
    if (st.as !== undefined) o.as = st.as;
    for (const [k, v] of Object.entries(st.args)) o[k] = v;
    if (st.expect) o.expect = st.expect;
    return o;
  });
  return stringify(doc, { lineWidth: 0 });
}

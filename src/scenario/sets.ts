/** `--set key=value` options (the command line, the web page and fuzz workers), apart from config.ts so the CLI can parse them before the engine loads. */
import { OptionError } from "../core/faults.js";

/** Parse repeated --set k=v options (undefined when there are none). */
export function parseSets(sets: readonly string[] | undefined): Record<string, string> | undefined {
  if (!sets || sets.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const s of sets) {
    const i = s.indexOf("=");
    if (i <= 0) throw new OptionError(`--set ${s}: expected key=value (e.g. --set CONFIG_DEBUG_VIRTUAL=y)`);
    out[s.slice(0, i).trim()] = s.slice(i + 1).trim();
  }
  return out;
}

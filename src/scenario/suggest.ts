/**
 * "Did you mean": the nearest candidate by optimal-string-alignment distance (Levenshtein plus
 * adjacent transpositions, so `gpf` is one edit from `gfp`). Bounded: words longer than
 * MAX_SUGGEST get no suggestion, and each comparison gives up as soon as every cell of a row
 * exceeds the largest distance that would still be suggested, so the cost is
 * O(candidates × MAX_SUGGEST × band) whatever the input.
 */
import { MAX_SUGGEST } from "./limits.js";
import { ATTR_NAMES, GFP_NAMES } from "../include/gfp.js";

/** Distance between a and b, or `limit + 1` as soon as it must exceed `limit`. */
export function boundedDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

/** The nearest option, if it is near enough to be what was meant. */
export function suggest(word: string, options: Iterable<string>): string | undefined {
  if (word.length === 0 || word.length > MAX_SUGGEST) return undefined;
  const w = word.toLowerCase();
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestD = limit + 1;
  let seen = 0;
  for (const o of options) {
    if (++seen > 10_000) break;
    if (o.length > MAX_SUGGEST + limit) continue;
    const d = boundedDistance(w, o.toLowerCase(), Math.min(limit, bestD));
    if (d < bestD) [best, bestD] = [o, d];
  }
  return bestD <= limit ? best : undefined;
}

/**
 * What to say after "unknown op 'X'": the nearest op ("did you mean"), else the ops that begin with
 * X when it is a prefix of some (`dma_map` → dma_map_single, dma_map_page, ...), else where the
 * list of ops is.
 */
export function opHint(word: string, ops: readonly string[]): string {
  const near = suggest(word, ops);
  if (near) return ` (did you mean '${near}'?)`;
  // a word that is no C identifier (escapes, a megabyte of text) gets no list
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(word) || word.length > MAX_SUGGEST) return "";
  const w = word.toLowerCase();
  const starting = w.length >= 3 ? ops.filter((o) => o.startsWith(w)) : [];
  if (starting.length) return ` (ops that begin with it: ${starting.slice(0, 8).join(", ")}${starting.length > 8 ? ", ..." : ""})`;
  return " (`dmasim schema` lists every op; scenarios/README.md describes them)";
}

/**
 * What to say after a flag parser's "unknown gfp flag 'X'" or "unknown DMA attribute 'X'" (src/include/gfp.ts):
 * the nearest of `names` ("did you mean"), else `otherwise` (the list to choose from).
 */
export function flagHint(e: unknown, names: Iterable<string>, otherwise: string): string {
  const m = /^unknown (?:gfp flag|DMA attribute) '([^']*)'$/.exec(e instanceof Error ? e.message : "");
  const near = m ? suggest(m[1]!, names) : undefined;
  return near ? ` (did you mean '${near}'?)` : otherwise;
}

/** What an unknown gfp flag or DMA attribute near no name is told to use (scenarios, `explain --gfp/--attrs`, the library's explain). */
export const GFP_USE = ` (use ${Object.keys(GFP_NAMES).slice(0, 7).join(", ")}, __GFP_* flags, joined with |)`;
export const ATTRS_USE = ` (use ${Object.keys(ATTR_NAMES).join(", ")}, joined with |)`;

/** The message of a gfp (`kind` "gfp") or attrs parse error; an unknown name gets flagHint's hint. */
export function flagMessage(e: unknown, kind: "gfp" | "attrs"): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (!/^unknown (gfp flag|DMA attribute) /.test(msg)) return msg;
  return kind === "gfp" ? msg + flagHint(e, Object.keys(GFP_NAMES), GFP_USE) : msg + flagHint(e, Object.keys(ATTR_NAMES), ATTRS_USE);
}

/**
 * Input limits for scenario files: what a scenario may cost before dmasim refuses it (each
 * refusal is one line naming the limit, with file:line:col where a node is to blame).
 */

/** Largest scenario file read (bytes). */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** Most steps a scenario may have once every `repeat` is expanded. */
export const MAX_STEPS = 1_000_000;
/** Deepest nesting of mappings and lists. A scenario needs about 6. */
export const MAX_DEPTH = 64;
/** Most values (scalars and collections) a document may stand for once its YAML aliases are expanded. */
export const MAX_VALUES = 8_000_000;
/** Longest `as` name, op name, key or device name. */
export const MAX_NAME = 128;
/** Words longer than this get no "did you mean" (none of the candidates is near). */
export const MAX_SUGGEST = 64;

export function fmtCount(n: number): string {
  return n.toLocaleString("en-US");
}

const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeControl(c: string): string {
  const code = c.charCodeAt(0);
  return code === 10 ? "\\n" : code === 9 ? "\\t" : code === 13 ? "\\r" : code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** Longest message line. */
const MAX_MESSAGE = 600;

/** A whole message made safe for a terminal: control characters escaped, cut at MAX_MESSAGE. */
export function cleanMessage(m: string): string {
  const t = m.replace(CONTROLS, escapeControl);
  return t.length > MAX_MESSAGE ? t.slice(0, MAX_MESSAGE) + "…" : t;
}

/** Longest user text echoed in a message. */
const MAX_SHOWN = 60;

/**
 * User text as a message shows it: control characters (C0, DEL, C1, bidi overrides) escaped so a
 * scenario cannot drive the terminal, and cut after MAX_SHOWN characters.
 */
export function shown(s: string): string {
  let t = s.length > MAX_SHOWN ? s.slice(0, MAX_SHOWN) : s;
  t = t.replace(CONTROLS, escapeControl);
  return s.length > MAX_SHOWN ? `${t}… (${fmtCount(s.length)} characters)` : t;
}

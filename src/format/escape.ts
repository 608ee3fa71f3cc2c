/**
 * Rendering untrusted text safely on a terminal. Scenario files name ops, buffers (`as`), devices
 * and files; data steps carry arbitrary bytes. Printed raw, a control character can set the
 * window title (ESC ] 0 ; ... BEL), clear the screen, plant OSC 8 hyperlinks, or reorder what
 * the reader sees (bidi overrides). `escapeControls` shows each such character as an escape:
 * C0 controls and DEL as `\xNN`, C1 controls, bidi controls and line/paragraph separators as
 * `\uNNNN` (valid inside JSON strings too, so JSON output stays parseable). Newline and tab stay.
 */

/** C0 (but \t, \n), DEL, C1, ALM, LRM/RLM, LRE..RLO, LS/PS, LRI..PDI, BOM. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/**
 * SGR sequences as dmasim's own colours produce them (picocolors: bold, dim, italic, underline,
 * inverse, strikethrough, foreground/background colours and their resets); conceal (8) is not
 * among them. Kept only when the stream shows colours.
 */
const SGR = /\u001b\[(?:0|1|2|3|4|7|9|2[2-479]|3[0-9]|4[0-9]|9[0-7]|10[0-7])m/y;

function esc(ch: string): string {
  const code = ch.charCodeAt(0);
  return code < 0x80 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `s` with every control, bidi and separator character shown as an escape (see the module comment). */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, esc);
}

/** As escapeControls, but colour sequences (SGR, as picocolors writes them) pass unchanged. */
export function escapeControlsKeepColor(s: string): string {
  let out = "";
  let last = 0;
  UNSAFE.lastIndex = 0;
  for (let m = UNSAFE.exec(s); m; m = UNSAFE.exec(s)) {
    const i = m.index;
    if (s.charCodeAt(i) === 0x1b) {
      SGR.lastIndex = i;
      const sgr = SGR.exec(s);
      if (sgr) {
        UNSAFE.lastIndex = i + sgr[0].length;
        continue;
      }
    }
    out += s.slice(last, i) + esc(m[0]);
    last = i + 1;
  }
  UNSAFE.lastIndex = 0;
  return last === 0 ? s : out + s.slice(last);
}

/** Whether `s` holds a character escapeControls would escape. */
export function hasControls(s: string): boolean {
  UNSAFE.lastIndex = 0;
  const r = UNSAFE.test(s);
  UNSAFE.lastIndex = 0;
  return r;
}

/**
 * Shared text styling for the renderers: picocolors' functions, created enabled or disabled by
 * the caller (the CLI decides from the terminal and NO_COLOR), cli-table3 styles to match, and
 * clipping and wrapping of plain text (lists.ts and matrix.ts; no engine module is imported here).
 */
import pc from "picocolors";

/** picocolors' colour functions (bold, red, dim, ...). */
export type Colors = ReturnType<typeof pc.createColors>;

export function makeColors(enabled: boolean): Colors {
  return pc.createColors(enabled);
}

/** cli-table3 `style`: its default colours (red head, grey border) only when colour is on. */
export function tableStyle(c: Colors): { head: string[]; border: string[] } {
  return c.isColorSupported ? { head: ["bold"], border: ["grey"] } : { head: [], border: [] };
}

/** Shorten text to `max` characters with "…". */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, Math.max(0, max - 1)) + "…";
}

/** Wrap a paragraph to `width` columns: `first` before the first line, `rest` before the others. */
export function wrap(text: string, width: number, first: string, rest = first): string[] {
  const out: string[] = [];
  let line = "";
  const indent = () => (out.length === 0 ? first : rest);
  for (const word of text.split(/\s+/)) {
    if (line && indent().length + line.length + 1 + word.length > width) {
      out.push(indent() + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(indent() + line);
  return out;
}

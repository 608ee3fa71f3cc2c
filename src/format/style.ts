/**
 * Shared text styling for the renderers: picocolors' functions, created enabled or disabled by
 * the caller (the CLI decides from the terminal and NO_COLOR), and cli-table3 styles to match.
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

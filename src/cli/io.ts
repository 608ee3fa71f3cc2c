/**
 * Terminal helpers: colour decisions, JSON output (bigints never reach JSON.stringify raw).
 */
import { makeColors, type Colors } from "../format/style.js";

/** Colours only on a terminal, and never with NO_COLOR set (https://no-color.org). FORCE_COLOR forces them. */
export function wantColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true;
}

export function colorsFor(stream: NodeJS.WriteStream): Colors {
  return makeColors(wantColor(stream));
}

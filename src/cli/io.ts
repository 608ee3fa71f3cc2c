/**
 * Terminal helpers: colour decisions, JSON output (bigints never reach JSON.stringify raw).
 */
import type { Colors } from "../format/style.js";
import { escapeControls, escapeControlsKeepColor } from "../format/escape.js";

/** Colours only on a terminal, and never with NO_COLOR set (https://no-color.org). FORCE_COLOR forces them. */
export function wantColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true;
}

/** The colour functions for `stream` (picocolors, loaded here: a command that prints no colours never loads it). */
export async function colorsFor(stream: NodeJS.WriteStream): Promise<Colors> {
  const { makeColors } = await import("../format/style.js");
  return makeColors(wantColor(stream));
}

const RAW = Symbol("dmasim.rawStream");

/**
 * `stream` with every string written through it escaped (src/format/escape.ts): the one output
 * boundary every message passes, so no scenario text, file name or byte can reach the terminal
 * as a control sequence. When the stream shows colours, dmasim's own SGR colour codes pass.
 */
export function escapingStream(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): NodeJS.WriteStream {
  if ((stream as unknown as Record<symbol, unknown>)[RAW]) return stream;
  const keepColor = wantColor(stream, env);
  const write = (chunk: unknown, ...rest: unknown[]) =>
    (stream.write as (...a: unknown[]) => boolean)(typeof chunk === "string" ? (keepColor ? escapeControlsKeepColor(chunk) : escapeControls(chunk)) : chunk, ...rest);
  return new Proxy(stream, {
    get(target, p) {
      if (p === RAW) return target;
      if (p === "write") return write;
      const v = Reflect.get(target, p, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The stream behind an escapingStream (progress lines write their own control sequences). */
export function rawStream(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  return ((stream as unknown as Record<symbol, unknown>)[RAW] as NodeJS.WriteStream | undefined) ?? stream;
}

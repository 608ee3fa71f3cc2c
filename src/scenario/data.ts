/**
 * Scenario data: the bytes a `DataSpec` stands for, and the one way dmasim prints bytes.
 *
 * A DataSpec is text (UTF-8 encoded), `{ hex: "de ad be ef" }` (pairs of hex digits; spaces,
 * colons, commas and underscores between them are ignored), or `{ fill: 0xa5, length: 4096 }`.
 */
import type { DataSpec } from "./types.js";

/** Longest byte string printed in full; longer ones are cut with "…". */
export const FMT_MAX_BYTES = 64;

const HEX_SEPARATORS = /[\s:,_]/g;

/**
 * Parse a `hex:` string into bytes. Returns a message (string) when it is not valid, so the
 * schema can report it and `dataBytes` can throw it.
 */
export function parseHexBytes(s: string): Uint8Array | string {
  let t = s.replace(HEX_SEPARATORS, "");
  if (/^0x/i.test(t)) t = t.slice(2);
  if (t.length === 0) return "hex data is empty";
  const bad = /[^0-9a-fA-F]/.exec(t);
  if (bad) return `'${bad[0]}' is not a hex digit`;
  if (t.length % 2 !== 0) return `odd number of hex digits (${t.length}); write whole bytes such as "0a"`;
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const utf8 = new TextEncoder();

/** The bytes a DataSpec stands for. Throws RangeError for a malformed spec (the schema rejects those first). */
export function dataBytes(d: DataSpec): Uint8Array {
  if (typeof d === "string") return utf8.encode(d);
  if ("hex" in d) {
    const r = parseHexBytes(d.hex);
    if (typeof r === "string") throw new RangeError(r);
    return r;
  }
  if (!Number.isInteger(d.fill) || d.fill < 0 || d.fill > 0xff) throw new RangeError(`fill ${d.fill} is not a byte (0..255)`);
  if (!Number.isSafeInteger(d.length) || d.length < 0) throw new RangeError(`fill length ${d.length} is not a size`);
  return new Uint8Array(d.length).fill(d.fill);
}

/** Number of bytes a DataSpec stands for, without materialising a fill. */
export function dataLength(d: DataSpec): number {
  if (typeof d === "object" && "fill" in d) return d.length;
  return dataBytes(d).length;
}

function isPrintable(u8: Uint8Array): boolean {
  for (const b of u8) if (b < 0x20 || b > 0x7e) return false;
  return true;
}

/**
 * Print bytes: printable ASCII as a quoted string ("hello"), anything else as hex bytes
 * (de ad be ef). Past FMT_MAX_BYTES the text is cut with "…" and the length is appended.
 * The empty string prints as "".
 */
export function fmtBytes(u8: Uint8Array): string {
  const cut = u8.length > FMT_MAX_BYTES;
  const head = cut ? u8.subarray(0, FMT_MAX_BYTES) : u8;
  const more = cut ? `… (${u8.length} bytes)` : "";
  if (isPrintable(u8)) {
    let s = "";
    for (const b of head) s += String.fromCharCode(b);
    return JSON.stringify(s).slice(0, -1) + (cut ? "…\"" + more.slice(1) : "\"");
  }
  return Array.from(head, (b) => b.toString(16).padStart(2, "0")).join(" ") + (cut ? " " + more : "");
}

/** Print a DataSpec as its bytes would print (for expectation messages). */
export function fmtData(d: DataSpec): string {
  return fmtBytes(dataBytes(d));
}

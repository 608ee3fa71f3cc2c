/**
 * JSON output: bigints (masks) become hex strings, the way dmasim prints addresses, so a bigint
 * never reaches JSON.stringify raw.
 */
export function toJson(v: unknown, indent = 2): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? "0x" + BigInt.asUintN(64, x).toString(16) : x), indent);
}

/**
 * JSON output: bigints (masks) become hex strings, the way dmasim prints addresses, so a bigint
 * never reaches JSON.stringify raw.
 */
export function toJson(v: unknown, indent = 2): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? "0x" + BigInt.asUintN(64, x).toString(16) : x), indent);
}

const bigintHex = (_k: string, x: unknown) => (typeof x === "bigint" ? "0x" + BigInt.asUintN(64, x).toString(16) : x);

/** Array elements per piece. */
const BATCH = 1024;

/**
 * toJson(v) (indent 2) in pieces whose concatenation is exactly toJson(v)'s text: a top-level
 * object's array members are written BATCH elements at a time, so a long run's output (100,000
 * step results: ≈ 23 MB of text) never exists as one string (nor as one buffer on its way out).
 * Each piece is JSON.stringify of `{ key: part }` with its first and last lines cut off: the
 * members come out indented as they are inside the whole object.
 */
export function* toJsonChunks(v: unknown): Generator<string> {
  if (v === null || typeof v !== "object" || Array.isArray(v) || typeof (v as { toJSON?: unknown }).toJSON === "function") {
    const s = toJson(v);
    if (s !== undefined) yield s;
    return;
  }
  let first = true;
  for (const key of Object.keys(v)) {
    const raw = bigintHex(key, (v as Record<string, unknown>)[key]);
    if (raw === undefined || typeof raw === "function" || typeof raw === "symbol") continue;
    const head = `{\n  ${JSON.stringify(key)}: `;
    if (Array.isArray(raw) && raw.length > BATCH) {
      const open = head.length + 2; // "[\n"
      for (let i = 0; i < raw.length; i += BATCH) {
        const s = JSON.stringify({ [key]: raw.slice(i, i + BATCH) }, bigintHex, 2);
        yield (i === 0 ? (first ? "" : ",\n") + head.slice(first ? 0 : 2) + "[\n" : ",\n") + s.slice(open, s.length - 6); // "\n  ]\n}"
        first = false;
      }
      yield "\n  ]";
    } else {
      const s = JSON.stringify({ [key]: raw }, bigintHex, 2);
      yield (first ? "" : ",\n") + s.slice(first ? 0 : 2, s.length - 2); // "\n}"
      first = false;
    }
  }
  yield first ? "{}" : "\n}";
}

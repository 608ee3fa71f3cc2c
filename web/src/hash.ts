/**
 * The view in the URL hash, so a link reproduces it. Format 2 (current):
 *   #v=2&s=seed-mmap&p=rpi4-xen&k=5.13&o=CONFIG_DEBUG_VIRTUAL%3Dy&c=rpi4-xen%405.14&co=swiotlb%3Dforce&step=3
 * v = format version; s = bundled scenario; z = edited or uploaded YAML, deflate-raw compressed
 * (fflate) and base64url-encoded, with f = its file name. For an edited bundled scenario (s and z
 * together) the bundled text is the compression dictionary and zd = its FNV-1a hash, so a small
 * edit of a long scenario gives a short link; if that scenario's text has changed since, the link
 * says so and opens the bundled one. An unedited bundled scenario is carried by name only.
 * p / k = platform / kernel (absent: the scenario's); o = options (key=value, comma-separated);
 * c = compare target platform@kernel, co = the compare run's options (on top of o);
 * step = selected step index.
 * Format 1 (no v): y = the YAML as plain base64url of UTF-8; still read.
 */
import { deflateSync, inflateSync, strFromU8, strToU8 } from "fflate";

export const HASH_VERSION = 2;

export interface ViewState {
  scenario?: string;
  yaml?: string;
  file?: string;
  platform?: string;
  kernel?: string;
  set?: Record<string, string>;
  compare?: { platform: string; kernel: string; set?: Record<string, string> };
  step?: number;
  /** set by decodeHash when part of the link could not be used */
  warning?: string;
}

/** The bundled scenario's text by key (the compression dictionary for its edits). */
export type Dictionary = (scenario: string) => string | undefined;

function bytesToBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function base64UrlToBytes(s: string): Uint8Array {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function toBase64Url(text: string): string {
  return bytesToBase64Url(new TextEncoder().encode(text));
}

export function fromBase64Url(s: string): string {
  return new TextDecoder("utf-8", { fatal: true }).decode(base64UrlToBytes(s));
}

/** FNV-1a, 32 bits, of the UTF-8 bytes, as 8 hex digits: names the dictionary a link was made with. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (const b of strToU8(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** deflate-raw (level 9) + base64url, with an optional dictionary. */
export function compressText(text: string, dictionary?: string): string {
  return bytesToBase64Url(deflateSync(strToU8(text), { level: 9, ...(dictionary !== undefined ? { dictionary: strToU8(dictionary) } : {}) }));
}

export function decompressText(s: string, dictionary?: string): string {
  const out = inflateSync(base64UrlToBytes(s), dictionary !== undefined ? { dictionary: strToU8(dictionary) } : undefined);
  return new TextDecoder("utf-8", { fatal: true }).decode(out);
}

export function encodeSet(set: Record<string, string> | undefined): string {
  return Object.entries(set ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

export function decodeSet(s: string | null): Record<string, string> | undefined {
  if (!s) return undefined;
  const out: Record<string, string> = {};
  let last: string | undefined;
  for (const part of s.split(",")) {
    const i = part.indexOf("=");
    if (i > 0) out[(last = part.slice(0, i).trim())] = part.slice(i + 1).trim();
    else if (last !== undefined && part.trim()) out[last] += `,${part.trim()}`; // swiotlb=2048,force
  }
  return Object.keys(out).length ? out : undefined;
}

/** The last compressed text: the hash is rewritten on every step change, the YAML rarely changes. */
let cache: { text: string; dict: string | undefined; z: string } | undefined;

function compressCached(text: string, dict: string | undefined): string {
  if (cache && cache.text === text && cache.dict === dict) return cache.z;
  const z = compressText(text, dict);
  cache = { text, dict, z };
  return z;
}

export function encodeHash(v: ViewState, dictionary?: Dictionary): string {
  const q = new URLSearchParams();
  q.set("v", String(HASH_VERSION));
  if (v.scenario) q.set("s", v.scenario);
  if (v.yaml !== undefined) {
    const dict = v.scenario ? dictionary?.(v.scenario) : undefined;
    q.set("z", compressCached(v.yaml, dict));
    if (dict !== undefined) q.set("zd", fnv1a(dict));
    if (v.file) q.set("f", v.file);
  }
  if (v.platform) q.set("p", v.platform);
  if (v.kernel) q.set("k", v.kernel);
  const o = encodeSet(v.set);
  if (o) q.set("o", o);
  if (v.compare) {
    q.set("c", `${v.compare.platform}@${v.compare.kernel}`);
    const co = encodeSet(v.compare.set);
    if (co) q.set("co", co);
  }
  if (v.step !== undefined) q.set("step", String(v.step));
  return "#" + q.toString();
}

export function decodeHash(hash: string, dictionary?: Dictionary): ViewState {
  const q = new URLSearchParams(hash.replace(/^#/, ""));
  const v: ViewState = {};
  const version = q.get("v") === null ? 1 : Number(q.get("v"));
  if (!(version === 1 || version === 2)) v.warning = `this link is format ${q.get("v")}, newer than this page reads (${HASH_VERSION}): parts of it may be ignored`;
  const s = q.get("s");
  if (s) v.scenario = s;
  const y = q.get("y");
  const z = q.get("z");
  try {
    if (z) {
      const zd = q.get("zd");
      let dict: string | undefined;
      if (zd) {
        dict = s ? dictionary?.(s) : undefined;
        if (dict === undefined || fnv1a(dict) !== zd) throw new Error(`the link holds an edit of scenario '${s ?? "?"}' as it was when the link was made, and that scenario has changed since: showing it as it is now`);
      }
      v.yaml = decompressText(z, dict);
      v.file = q.get("f") ?? "edited.yaml";
    } else if (y) {
      v.yaml = fromBase64Url(y);
      v.file = q.get("f") ?? "edited.yaml";
    }
  } catch (e) {
    /* a damaged or outdated link: fall back to the scenario picker */
    const why = e instanceof Error && e.message.startsWith("the link") ? e.message : "the link's scenario text is damaged: it was left out";
    v.warning = v.warning ? `${v.warning}; ${why}` : why;
  }
  const p = q.get("p");
  if (p) v.platform = p;
  const k = q.get("k");
  if (k) v.kernel = k;
  const set = decodeSet(q.get("o"));
  if (set) v.set = set;
  const c = q.get("c");
  if (c && c.includes("@")) {
    v.compare = { platform: c.slice(0, c.indexOf("@")), kernel: c.slice(c.indexOf("@") + 1) };
    const co = decodeSet(q.get("co"));
    if (co) v.compare.set = co;
  }
  const step = Number(q.get("step"));
  if (q.get("step") !== null && Number.isInteger(step) && step >= 0) v.step = step;
  return v;
}

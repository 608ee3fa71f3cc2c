/**
 * The view in the URL hash, so a link reproduces it:
 *   #s=seed-mmap&p=rpi4-xen&k=5.13&o=CONFIG_DEBUG_VIRTUAL%3Dy&c=rpi4-xen%405.14&step=3
 * s = bundled scenario; y = the edited or uploaded YAML (base64url of UTF-8) with f = its file
 * name (with s too when it is an edited bundled scenario);
 * p / k = platform / kernel (absent: the scenario's); o = options (key=value, comma-separated);
 * c = compare target platform@kernel; step = selected step index.
 */
export interface ViewState {
  scenario?: string;
  yaml?: string;
  file?: string;
  platform?: string;
  kernel?: string;
  set?: Record<string, string>;
  compare?: { platform: string; kernel: string };
  step?: number;
}

export function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(s: string): string {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

export function encodeSet(set: Record<string, string> | undefined): string {
  return Object.entries(set ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

export function decodeSet(s: string | null): Record<string, string> | undefined {
  if (!s) return undefined;
  const out: Record<string, string> = {};
  for (const part of s.split(",")) {
    const i = part.indexOf("=");
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return Object.keys(out).length ? out : undefined;
}

export function encodeHash(v: ViewState): string {
  const q = new URLSearchParams();
  if (v.scenario) q.set("s", v.scenario);
  if (v.yaml !== undefined) {
    q.set("y", toBase64Url(v.yaml));
    if (v.file) q.set("f", v.file);
  }
  if (v.platform) q.set("p", v.platform);
  if (v.kernel) q.set("k", v.kernel);
  const o = encodeSet(v.set);
  if (o) q.set("o", o);
  if (v.compare) q.set("c", `${v.compare.platform}@${v.compare.kernel}`);
  if (v.step !== undefined) q.set("step", String(v.step));
  return "#" + q.toString();
}

export function decodeHash(hash: string): ViewState {
  const q = new URLSearchParams(hash.replace(/^#/, ""));
  const v: ViewState = {};
  const y = q.get("y");
  if (y) {
    try {
      v.yaml = fromBase64Url(y);
      v.file = q.get("f") ?? "edited.yaml";
    } catch {
      /* a damaged link: fall back to the scenario picker */
    }
  }
  const s = q.get("s");
  if (s) v.scenario = s;
  const p = q.get("p");
  if (p) v.platform = p;
  const k = q.get("k");
  if (k) v.kernel = k;
  const set = decodeSet(q.get("o"));
  if (set) v.set = set;
  const c = q.get("c");
  if (c && c.includes("@")) v.compare = { platform: c.slice(0, c.indexOf("@")), kernel: c.slice(c.indexOf("@") + 1) };
  const step = Number(q.get("step"));
  if (q.get("step") !== null && Number.isInteger(step) && step >= 0) v.step = step;
  return v;
}

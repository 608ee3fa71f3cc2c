/**
 * Boot once: a booted model per (platform, kernel, config) is kept as a template, and every run
 * gets a deep copy of it (src/core/clone.ts) instead of booting again. A copy behaves exactly like
 * a fresh boot (test/boot-cache.test.ts runs every bundled scenario both ways and compares the
 * JSON results byte for byte); the template itself is never run.
 *
 * The immutable descriptions (platform, kernel version) are shared with the template, not copied.
 * Every run, the first of a configuration included, runs on a copy, so the engine's hot code
 * sees one hidden class per type. At most MAX_TEMPLATES models are kept (least recently used goes
 * first): callers that sweep many configurations run the runs of one configuration together
 * (runMatrix does).
 */
import { boot } from "./init.js";
import type { Kernel, KConfig } from "./kernel.js";
import type { Platform } from "./platforms/platform.js";
import type { KernelVersion } from "./versions.js";
import { deepClone, reachable } from "./core/clone.js";

export const MAX_TEMPLATES = 16;

interface Template {
  k: Kernel;
  shared: WeakSet<object>;
}
const templates = new Map<string, Template>();

function keyOf(platform: Platform, version: KernelVersion, cfg: KConfig): string {
  return `${platform.id}\0${version.id}\0${JSON.stringify(cfg)}`;
}

/** A copy of a booted model (copies share nothing mutable with each other or with the template). */
export function cloneKernel(k: Kernel, shared: WeakSet<object> = reachable(k.platform, k.version), template = false): Kernel {
  return deepClone(k, (o) => shared.has(o), template);
}

let enabled = true;

/** Turn the cache off (every bootCached is a fresh boot) or on; returns the previous setting. */
export function setBootCache(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  if (!on) templates.clear();
  return was;
}

/** boot(platform, version, cfg), from the template of that configuration (booted on first use). */
export function bootCached(platform: Platform, version: KernelVersion, cfg: KConfig): Kernel {
  if (!enabled) return boot(platform, version, cfg);
  const key = keyOf(platform, version, cfg);
  let t = templates.get(key);
  if (t) {
    templates.delete(key); // most recently used last
    templates.set(key, t);
  } else {
    const k = boot(platform, version, cfg);
    t = { k, shared: reachable(platform, version) };
    templates.set(key, t);
    if (templates.size > MAX_TEMPLATES) templates.delete(templates.keys().next().value!);
  }
  return cloneKernel(t.k, t.shared, true); // the template is never run: its swiotlb slot arrays can be shared until used
}

/** Forget every template (tests; a long-lived page that wants its memory back). */
export function clearBootCache(): void {
  templates.clear();
}

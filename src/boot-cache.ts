/**
 * Boot once: a booted model per (platform, kernel, config) is kept as a template, and a run gets a
 * deep copy of it (src/core/clone.ts) instead of booting again. A copy behaves exactly like a fresh
 * boot (test/boot-cache.test.ts runs every bundled scenario both ways and compares the JSON results
 * byte for byte); the template itself is never run.
 *
 * A template pays only when its boot is slow: a copy costs its share of the plan (built once per
 * template, about a boot's work) plus the copy itself, and the scenario then runs ≈ 30 % slower on
 * a copy than on a boot (a copy's objects are made by spread + prototype, so the engine's hot code
 * sees other hidden classes than a boot's; measured on the bundled matrix: 3,330 runs on copies
 * 3.1–3.5 s CPU, on their own boots 2.6 s, and mixing both slower than either). Most boots take
 * well under a millisecond (bench/README.md), so by default (`setBootCache(true)`) a configuration
 * gets a template when one of its boots takes longer than SLOW_BOOT_MS (large memory: `mem=1T`
 * boots take hundreds of ms); `setBootCache("always")` makes a template of every configuration at
 * its first run, `setBootCache(false)` never. The immutable descriptions (platform, kernel
 * version) are shared with the template, not copied. At most MAX_TEMPLATES models are kept (least
 * recently used goes first): callers that sweep many configurations run the runs of one
 * configuration together (runMatrix does).
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

/** A configuration whose boot took longer than this (wall ms) gets a template at its next run. */
export const SLOW_BOOT_MS = 100;

/** true: templates for slow boots (the default); "always": for every configuration; false: none. */
export type BootCacheMode = boolean | "always";
let mode: BootCacheMode = true;
/** configurations whose boot was slow (forgotten past MAX_SLOW) */
const slow = new Set<string>();
const MAX_SLOW = 1024;

let slowMs = SLOW_BOOT_MS;

/** Set when bootCached keeps templates (see above; `slowBootMs` for SLOW_BOOT_MS); returns the previous setting. */
export function setBootCache(on: BootCacheMode, slowBootMs = SLOW_BOOT_MS): BootCacheMode {
  const was = mode;
  mode = on;
  slowMs = slowBootMs;
  if (on !== was) {
    templates.clear();
    slow.clear();
  }
  return was;
}

const now = (): number => globalThis.performance?.now() ?? Date.now();

/** How many boots and copies of templates bootCached has made (tests, benchmarks). */
export const bootCacheStats = { boots: 0, copies: 0 };

/** boot(platform, version, cfg): a fresh boot, or a copy of that configuration's template (see above). */
export function bootCached(platform: Platform, version: KernelVersion, cfg: KConfig): Kernel {
  if (mode === false) {
    bootCacheStats.boots++;
    return boot(platform, version, cfg);
  }
  const key = keyOf(platform, version, cfg);
  let t = templates.get(key);
  if (t) {
    templates.delete(key); // most recently used last
    templates.set(key, t);
  } else {
    const t0 = now();
    const k = boot(platform, version, cfg);
    bootCacheStats.boots++;
    if (mode === true && !slow.has(key)) {
      if (now() - t0 <= slowMs) return k; // cheap: this run runs on its own boot
      // slow: this boot becomes the template (the run gets a copy), and so does the next boot of the configuration
      if (slow.size >= MAX_SLOW) slow.clear();
      slow.add(key);
    }
    t = { k, shared: reachable(platform, version) };
    templates.set(key, t);
    if (templates.size > MAX_TEMPLATES) templates.delete(templates.keys().next().value!);
  }
  bootCacheStats.copies++;
  return cloneKernel(t.k, t.shared, true); // the template is never run: its swiotlb slot arrays can be shared until used
}

/** Forget every template (tests; a long-lived page that wants its memory back). */
export function clearBootCache(): void {
  templates.clear();
  slow.clear();
}

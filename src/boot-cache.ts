/**
 * Boot once: a booted model per (platform, kernel, config) is kept as a template, and a run gets a
 * deep copy of it (src/core/clone.ts) instead of booting again. A copy behaves exactly like a fresh
 * boot (test/boot-cache.test.ts runs every bundled scenario both ways and compares the JSON results
 * byte for byte); the template itself is never run.
 *
 * A template pays only when its boot is expensive: a copy costs its share of the plan (built once per
 * template, about a boot's work) plus the copy itself, and the scenario then runs ≈ 30 % slower on
 * a copy than on a boot (a copy's objects are made by spread + prototype, so the engine's hot code
 * sees other hidden classes than a boot's; measured on the bundled matrix: 3,330 runs on copies
 * 3.1–3.5 s CPU, on their own boots 2.6 s, and mixing both slower than either). Most boots take
 * well under a millisecond (bench/README.md). A boot's cost grows with the memory it hands to the page
 * allocator (memblock_free_all: one free-list block per 4 MiB, the memmap's flags, the P2M on Xen PV), so
 * by default (`setBootCache(true)`) a configuration gets a template when its boot gave the zones more
 * than SLOW_BOOT_PAGES pages (totalram_pages: 512 GiB and up; such boots take 15–100 ms, a copy ≈ 1 ms).
 * The decision reads the booted model only, never a clock: the same configuration is treated the same
 * way on an idle and on a loaded machine (it used to be a boot's wall time > 100 ms, so load decided).
 * `setBootCache("always")` makes a template of every configuration at its first run, `setBootCache(false)` never. The immutable descriptions (platform, kernel
 * version) are shared with the template, not copied. At most MAX_TEMPLATES models are kept (least
 * recently used goes first): callers that sweep many configurations run the runs of one
 * configuration together (runMatrix does).
 */
import { boot } from "./init.js";
import type { Kernel, KConfig } from "./kernel.js";
import type { Platform } from "./platforms/platform.js";
import type { KernelVersion } from "./versions.js";
import { deepClone, reachable } from "./core/clone.js";
import { totalram_pages } from "./mm/mm.js";

export const MAX_TEMPLATES = 16;

interface Template {
  k: Kernel;
  shared: WeakSet<object>;
}
const templates = new Map<string, Template>();
/**
 * The platform × kernel pairs (`${platform.id}\0${version.id}`) that have, or had, a template or a
 * slow boot: for any other pair the default mode boots without computing the configuration's key
 * (a JSON text of the whole KConfig, per run: keyOf held ≈ 0.5 % of the samples of a CPU profile of
 * the whole matrix in one thread), since it can have no
 * template to copy. Cleared with the templates.
 */
const keyed = new Set<string>();

function keyOf(platform: Platform, version: KernelVersion, cfg: KConfig): string {
  return `${platform.id}\0${version.id}\0${JSON.stringify(cfg)}`;
}

/** A copy of a booted model (copies share nothing mutable with each other or with the template). */
export function cloneKernel(k: Kernel, shared: WeakSet<object> = reachable(k.platform, k.version), template = false): Kernel {
  return deepClone(k, (o) => shared.has(o), template);
}

/** A configuration whose boot handed the page allocator more pages than this (2^27: 512 GiB of 4 KiB pages) gets a template. */
export const SLOW_BOOT_PAGES = 2 ** 27;

/** true: templates for expensive boots (the default); "always": for every configuration; false: none. */
export type BootCacheMode = boolean | "always";
let mode: BootCacheMode = true;
/** configurations whose boot was expensive (forgotten past MAX_SLOW) */
const slow = new Set<string>();
const MAX_SLOW = 1024;

let slowPages = SLOW_BOOT_PAGES;

/** Set when bootCached keeps templates (see above; `slowBootPages` for SLOW_BOOT_PAGES); returns the previous setting. */
export function setBootCache(on: BootCacheMode, slowBootPages = SLOW_BOOT_PAGES): BootCacheMode {
  const was = mode;
  mode = on;
  slowPages = slowBootPages;
  if (on !== was) {
    templates.clear();
    slow.clear();
    keyed.clear();
  }
  return was;
}

/** How many boots and copies of templates bootCached has made (tests, benchmarks). */
export const bootCacheStats = { boots: 0, copies: 0 };

/** boot(platform, version, cfg): a fresh boot, or a copy of that configuration's template (see above). */
export function bootCached(platform: Platform, version: KernelVersion, cfg: KConfig): Kernel {
  if (mode === false) {
    bootCacheStats.boots++;
    return boot(platform, version, cfg);
  }
  const pair = `${platform.id}\0${version.id}`;
  if (mode === true && !keyed.has(pair)) {
    // no template and no slow boot of this pair yet: boot; only a slow boot needs the key
    const k = boot(platform, version, cfg);
    bootCacheStats.boots++;
    if (totalram_pages(k) <= slowPages) return k;
    keyed.add(pair);
    const key = keyOf(platform, version, cfg);
    if (slow.size >= MAX_SLOW) slow.clear();
    slow.add(key);
    return copyOf(key, k, platform, version);
  }
  keyed.add(pair);
  const key = keyOf(platform, version, cfg);
  let t = templates.get(key);
  if (t) {
    templates.delete(key); // most recently used last
    templates.set(key, t);
  } else {
    const k = boot(platform, version, cfg);
    bootCacheStats.boots++;
    if (mode === true && !slow.has(key)) {
      if (totalram_pages(k) <= slowPages) return k; // cheap: this run runs on its own boot
      // expensive: this boot becomes the template (the run gets a copy), and so does the next boot of the configuration
      if (slow.size >= MAX_SLOW) slow.clear();
      slow.add(key);
    }
    return copyOf(key, k, platform, version);
  }
  bootCacheStats.copies++;
  return cloneKernel(t.k, t.shared, true); // the template is never run: its swiotlb slot arrays can be shared until used
}

/** Keep booted model `k` as the template of `key` and return a copy of it. */
function copyOf(key: string, k: Kernel, platform: Platform, version: KernelVersion): Kernel {
  const t: Template = { k, shared: reachable(platform, version) };
  templates.set(key, t);
  if (templates.size > MAX_TEMPLATES) templates.delete(templates.keys().next().value!);
  bootCacheStats.copies++;
  return cloneKernel(t.k, t.shared, true); // the template is never run: its swiotlb slot arrays can be shared until used
}

/** Forget every template (tests; a long-lived page that wants its memory back). */
export function clearBootCache(): void {
  templates.clear();
  slow.clear();
  keyed.clear();
}

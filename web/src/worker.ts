/**
 * The engine in a Web Worker: parses scenarios, runs them with a full trace, and describes the
 * booted model's address layout. The page never blocks on the model. Same engine, same results,
 * as `dmasim run --json --trace`.
 */
import { InputError } from "../../src/core/faults.js";
import { boot } from "../../src/init.js";
import { PLATFORMS } from "../../src/platforms/index.js";
import { CONFIG_KEYS, buildConfig, parseSets, resolveKernel, resolvePlatform } from "../../src/scenario/config.js";
import { parseScenarioText } from "../../src/scenario/parse.js";
import { runScenario } from "../../src/scenario/runner.js";
import type { Scenario, Step } from "../../src/scenario/types.js";
import { DIR_NAMES } from "../../src/include/gfp.js";
import { DEFAULT_KERNEL, VERSIONS } from "../../src/versions.js";
import type { Band, LayoutInfo, Meta, Request, Response, RunRequest } from "./protocol.js";

/** The worker's global scope, typed by hand (the page's tsconfig uses the DOM lib, not WebWorker). */
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<Request>) => void) | null;
  postMessage(msg: Response): void;
};

/** Unsigned hex of an engine address (a JS number holding the two's-complement 64-bit value). */
function uhex(a: number, bits = 64): string {
  return "0x" + BigInt.asUintN(bits, BigInt(Math.trunc(a))).toString(16);
}

function message(e: unknown, file: string): string {
  if (e instanceof InputError) {
    // The runner's errors carry a step's line and column but not the file: add it.
    const w = e.where;
    if (w && !w.file && w.line !== undefined) return new InputError(e.message, { ...w, file }).format();
    return e.format();
  }
  const err = e as Error;
  return `internal error: ${err?.message ?? String(e)}`;
}

function meta(): Meta {
  return {
    platforms: PLATFORMS.map((p) => ({
      id: p.id,
      arch: p.arch,
      description: p.description,
      xen: p.xen !== null,
      defaultDevice: p.defaultDevice,
      devices: p.devices.map((d) => ({ name: d.name, driver: d.driver, description: d.description, coherent: d.coherent })),
    })),
    kernels: VERSIONS.map((v) => ({ id: v.id, notes: v.notes })),
    defaultKernel: DEFAULT_KERNEL,
    configKeys: [...CONFIG_KEYS],
  };
}

/** One argument as the scenario gives it (after repeat expansion): names and flags bare, text quoted, directions by name, data as written. */
function argText(key: string, v: unknown): string {
  if (typeof v === "bigint") return "0x" + BigInt.asUintN(64, v).toString(16);
  if (key === "dir" && typeof v === "number") return DIR_NAMES[v] ?? String(v);
  if (typeof v === "number") return /addr|mask/.test(key) ? uhex(v) : String(v);
  if (typeof v === "string") return /^[\w.|$-]+$/.test(v) ? v : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => argText(key, x)).join(", ")}]`;
  if (v && typeof v === "object") return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${argText(k, x)}`).join(", ")} }`;
  return String(v);
}

/** A step's arguments on one line (`buf=buf offset=0 data="hello"`): what the step asked, beside what it returned. */
function stepArgs(s: Step): string {
  const parts = Object.entries(s.args).map(([k, v]) => `${k}=${argText(k, v)}`);
  if (s.as) parts.push(`as=${s.as}`);
  return parts.join(" ");
}

const layouts = new Map<string, LayoutInfo>();

/** Boot the model the run used (same platform, kernel and options) and describe its address layout. */
function layoutFor(s: Scenario, r: RunRequest): LayoutInfo {
  const platform = resolvePlatform(r.platform ?? s.platform);
  const version = resolveKernel(r.kernel ?? s.kernel);
  const sets = r.set ? parseSets(Object.entries(r.set).map(([a, b]) => `${a}=${b}`)) : undefined;
  const { cfg } = buildConfig(platform, s.config, sets);
  const key = JSON.stringify([platform.id, version.id, cfg]);
  const cached = layouts.get(key);
  if (cached) return cached;

  const k = boot(platform, version, cfg);
  const L = k.arch.L;
  const bits = platform.arch === "arm" ? 32 : 64;
  const h = (a: number) => uhex(a, bits);
  const banks = [...k.memblock.memory].sort((a, b) => a.start - b.start);
  const first = banks[0]!;
  const last = banks[banks.length - 1]!;
  const ramEnd = last.start + last.size;
  const firstPfn = first.start / 4096;
  const endPfn = ramEnd / 4096;

  const va: Band[] = [];
  const vaSub: Band[] = [];
  if (platform.arch === "arm64") {
    va.push({ name: "user space", kind: "user", start: h(0), end: h(2 ** cfg.va_bits), note: "TTBR0: the process's own page tables" });
  } else if (platform.arch === "x86_64") {
    va.push({ name: "user space", kind: "user", start: h(0), end: h(0x7fff_ffff_f000), note: "the process's own page tables" });
  } else {
    va.push({ name: "user space", kind: "user", start: h(0), end: h(L.PAGE_OFFSET - 16 * 2 ** 20), note: "below TASK_SIZE" });
  }
  va.push({ name: "linear map", kind: "linear", start: h(L.PAGE_OFFSET), end: h(L.LINEAR_END), note: "virt_to_phys / virt_to_page are plain arithmetic here" });
  va.push({ name: "vmalloc / vmap", kind: "vmalloc", start: h(L.VMALLOC_START), end: h(L.VMALLOC_END), note: "page-table mapped; only vmalloc_to_page (a page-table walk) finds the page" });
  if (L.VMEMMAP_END > L.VMEMMAP_START) va.push({ name: "vmemmap", kind: "vmemmap", start: h(L.VMEMMAP_START), end: h(L.VMEMMAP_END), note: "the struct page array" });
  if (platform.arch === "x86_64") va.push({ name: "kernel image", kind: "kimage", start: h(L.KIMAGE_VADDR), end: h(L.KIMAGE_VADDR + L.KIMAGE_SIZE), note: "__START_KERNEL_map" });
  else vaSub.push({ name: "kernel image", kind: "kimage", start: h(L.KIMAGE_VADDR), end: h(L.KIMAGE_VADDR + L.KIMAGE_SIZE) });
  // RAM-backed part of the linear map (ARM32: lowmem only, which is the whole linear map).
  const lmEnd = Math.min(L.LINEAR_END, k.arch.__va(first.start) + (ramEnd - first.start));
  vaSub.push({ name: "RAM in the linear map", kind: "linear", start: h(k.arch.__va(first.start)), end: h(lmEnd) });
  const sps = L.STRUCT_PAGE_SIZE;
  vaSub.push({
    name: platform.arch === "arm" ? "mem_map (struct pages)" : "populated memmap",
    kind: "memmap",
    start: h(L.memmap_base + firstPfn * sps),
    end: h(L.memmap_base + endPfn * sps),
    note: `struct page of pfn 0x${firstPfn.toString(16)}–0x${(endPfn - 1).toString(16)}`,
  });
  va.sort((a, b) => (BigInt(a.start) < BigInt(b.start) ? -1 : 1));

  const ram: Band[] = banks.map((b, i) => ({ name: `RAM bank ${i}`, kind: "ram", start: uhex(b.start), end: uhex(b.start + b.size) }));
  const reserved: Band[] = k.memblock.reserved.map((r) => ({
    name: r.name,
    kind: /cma/i.test(r.name) ? "cma" : /swiotlb/i.test(r.name) ? "swiotlb" : /kernel/i.test(r.name) ? "kimage" : /memmap|mem_map|struct page/i.test(r.name) ? "memmap" : "reserved",
    start: uhex(r.start),
    end: uhex(r.start + r.size),
  }));
  const info: LayoutInfo = { arch: platform.arch, bits, va, vaSub, ram, reserved, digits: bits / 4, memmapBase: h(L.memmap_base), structPageSize: sps };
  if (platform.iommu && !cfg.iommu_passthrough)
    info.iommu = {
      name: platform.iommu.name,
      strict: cfg.iommu_strict,
      iova: [
        { name: "32-bit IOVAs", kind: "iova", start: uhex(0), end: uhex(2 ** 32), note: "PCI devices get these first (SAC), top-down from 4 GiB; IOVA 0 is never handed out" },
        { name: "IOVAs above 4 GiB", kind: "iova", start: uhex(2 ** 32), end: uhex(2 ** 48), note: "the rest of the domain's 48-bit aperture (iommu.forcedac=1 starts here)" },
      ],
    };
  layouts.set(key, info);
  return info;
}

/** The last parsed text: the page inspects a text as it is edited and then runs it (a 5,000-step
 * scenario takes a good part of a second to parse). The runner does not change the scenario. */
let lastParse: { text: string; file: string; s: Scenario } | undefined;

function parse(text: string, file: string): Scenario {
  if (lastParse && lastParse.text === text && lastParse.file === file) return lastParse.s;
  const s = parseScenarioText(text, file);
  lastParse = { text, file, s };
  return s;
}

function handle(req: Request): Response {
  switch (req.type) {
    case "meta":
      return { id: req.id, type: "meta", meta: meta() };
    case "inspect":
      try {
        const s = parse(req.text, req.file);
        const scenario = { name: s.name, steps: s.steps.length, ...(s.description ? { description: s.description } : {}), ...(s.platform ? { platform: s.platform } : {}), ...(s.kernel ? { kernel: s.kernel } : {}), ...(s.device ? { device: s.device } : {}), ...(s.config ? { config: s.config } : {}) };
        return { id: req.id, type: "inspect", scenario };
      } catch (e) {
        return { id: req.id, type: "inspect", error: message(e, req.file) };
      }
    case "run":
      try {
        const t0 = performance.now();
        const s = parse(req.text, req.file);
        const result = runScenario(s, { ...(req.platform ? { platform: req.platform } : {}), ...(req.kernel ? { kernel: req.kernel } : {}), ...(req.set ? { set: req.set } : {}), trace: true });
        const layout = layoutFor(s, req);
        return { id: req.id, type: "run", result, layout, ms: performance.now() - t0, args: s.steps.map(stepArgs) };
      } catch (e) {
        return { id: req.id, type: "error", error: message(e, req.file) };
      }
  }
}

scope.onmessage = (e) => {
  scope.postMessage(handle(e.data));
};

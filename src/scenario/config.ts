/**
 * Run configuration: platform and kernel lookup, boot / Kconfig options from a scenario's
 * `config:` and the command line's `--set key=value`.
 */
import { kernel_cmdline } from "../init-main.js";
import { ConfigNotAvailable, ConfigValueError, InputError, NotApplicable, OptionError } from "../core/faults.js";
import type { KConfig } from "../kernel.js";
import { DEVICE_ROLES, type DeviceRole, type Platform } from "../platforms/platform.js";
import { suggest } from "./suggest.js";
import { shown } from "./limits.js";
import { PLATFORMS, findPlatform } from "../platforms/index.js";
import { DEFAULT_KERNEL, VERSIONS, findVersion, type KernelVersion } from "../versions.js";
import { parseU64 } from "../core/u64.js";

export const CONFIG_KEYS = ["mem", "cma", "coherent_pool", "swiotlb", "CONFIG_DEBUG_VIRTUAL", "CONFIG_DMA_API_DEBUG", "CONFIG_DMA_API_DEBUG_SG", "va_bits", "dma_debug_all_errors", "dma_debug_num_errors", "dma_debug_entries", "xen_cache_flush", "iommu.strict", "iommu.passthrough", "iommu.forcedac", "CONFIG_DEBUG_VM", "CONFIG_KASAN", "CONFIG_SLAB_FREELIST_HARDENED", "CONFIG_SWIOTLB_DYNAMIC", "nr_cpus", "restricted_dma_pool", "no_hash_pointers", "trace_options", "slub_debug"] as const;

/** The platform `id` (default rpi4); `option` names the command-line option that gave it, for the message. */
export function resolvePlatform(id: string | undefined, option?: string): Platform {
  const p = findPlatform(id ?? "rpi4");
  if (!p) {
    const near = suggest(id ?? "", PLATFORMS.map((x) => x.id));
    const msg = `unknown platform '${shown(id ?? "")}'${near ? ` (did you mean '${near}'?)` : ""} (known: ${PLATFORMS.map((x) => x.id).join(", ")})`;
    throw option ? new OptionError(`${option}: ${msg}`) : new InputError(msg);
  }
  return p;
}

/** The kernel version `id` (default DEFAULT_KERNEL); `option` names the command-line option that gave it. */
export function resolveKernel(id: string | undefined, option?: string): KernelVersion {
  const v = findVersion(id ?? DEFAULT_KERNEL);
  if (!v) {
    const msg = `unknown kernel '${shown(id ?? "")}' (modelled: ${VERSIONS.map((x) => x.id).join(", ")})`;
    throw option ? new OptionError(`${option}: ${msg}`) : new InputError(msg);
  }
  return v;
}

function isRole(s: string): s is DeviceRole {
  return (DEVICE_ROLES as readonly string[]).includes(s);
}

/** Every device name any platform has. */
function allDeviceNames(): string[] {
  return [...new Set(PLATFORMS.flatMap((p) => p.devices.map((d) => d.name)))];
}

/**
 * Parse-time check of `device:`: "default", a role, or a device some platform has.
 * Returns the message when it is none of those.
 */
export function checkDevice(name: string): string | undefined {
  if (name === "default" || isRole(name) || allDeviceNames().includes(name)) return undefined;
  const near = suggest(name, ["default", ...DEVICE_ROLES, ...allDeviceNames()]);
  return `unknown device '${shown(name)}'${near ? ` (did you mean '${near}'?)` : ""}; use a role (${DEVICE_ROLES.join(", ")}), default, or a device name (dmasim platforms lists them)`;
}

/**
 * The device a scenario runs on, on this platform: `default` → the platform's default device, a
 * role → the device that plays it here, else the device name itself.
 */
export function resolveDevice(p: Platform, device: string | undefined, at?: { file?: string; line: number; col: number }): string {
  const where = at ? { file: at.file, line: at.line, col: at.col } : undefined;
  if (device === undefined || device === "default") return p.defaultDevice;
  if (isRole(device)) {
    const name = p.roles[device];
    if (name === undefined) {
      const have = Object.keys(p.roles).join(", ");
      // marked so `matrix` can show "not applicable" rather than an input error
      throw Object.assign(new InputError(`device: ${p.id} has no ${device} device (roles there: ${have || "none"})`, where), { notApplicable: true as const });
    }
    return name;
  }
  if (!p.devices.some((d) => d.name === device)) {
    const near = suggest(device, p.devices.map((d) => d.name));
    throw new InputError(`device: unknown device '${shown(device)}' on ${p.id}${near ? ` (did you mean '${near}'?)` : ""} (devices: default, ${Object.keys(p.roles).join(", ")}, ${p.devices.map((d) => d.name).join(", ")})`, where);
  }
  return device;
}

function bool(key: string, v: string | number | boolean): boolean {
  if (typeof v === "boolean") return v;
  const s = String(v).toLowerCase();
  if (["y", "yes", "1", "true", "on"].includes(s)) return true;
  if (["n", "no", "0", "false", "off"].includes(s)) return false;
  throw new ConfigValueError(key, `'${v}' is not a boolean (use y or n)`);
}

function size(key: string, v: string | number | boolean): number {
  try {
    return parseU64(typeof v === "boolean" ? String(v) : v);
  } catch (e) {
    throw new ConfigValueError(key, (e as Error).message);
  }
}

function bad(key: string, detail: string): never {
  throw new ConfigValueError(key, detail);
}

/** 1G, 512M */
function fmtMem(x: number): string {
  return x / 2 ** 30 >= 1 && x % 2 ** 30 === 0 ? `${x / 2 ** 30}G` : `${x / 2 ** 20}M`;
}

export type ConfigValues = Record<string, string | number | boolean>;

/** One layer of options: a scenario's `config:` (with where each value is written) or the command line's `--set`. */
export interface ConfigLayer {
  values: ConfigValues | undefined;
  /** the scenario file, and where a key's value is written in it (looked up only for a message) */
  file?: string;
  at?: (key: string) => { line: number; col: number } | undefined;
  /** the command-line option that gave the values ("--set") */
  option?: string;
}

/**
 * A ConfigValueError (which names only the key) placed where its value came from: the scenario's
 * file:line:col of the value, or the command-line option (`--set swiotlb=abc: ...`).
 */
export function placeConfigError(e: ConfigValueError, layer: ConfigLayer | undefined): InputError {
  // an option the version lacks stays NotApplicable (N/A in a matrix), placed the same way
  const na = e instanceof ConfigNotAvailable ? e : null;
  const at = layer?.at?.(e.key);
  if (layer && at) {
    const where = { file: layer.file, line: at.line, col: at.col };
    return na ? new NotApplicable(na.subject, e.message, where, e.message) : new InputError(e.message, where);
  }
  if (layer?.option) {
    const v = layer.values?.[e.key];
    const msg = `${layer.option} ${e.key}${v === undefined ? "" : `=${String(v)}`}: ${e.detail}`;
    return na ? Object.assign(new NotApplicable(na.subject, e.message, undefined, msg), { fromOption: true as const }) : new OptionError(msg);
  }
  if (layer?.file !== undefined) return na ? new NotApplicable(na.subject, e.message, { file: layer.file }, e.message) : new InputError(e.message, { file: layer.file });
  return na ? new NotApplicable(na.subject, e.message, undefined, e.message) : e;
}

/** Build the KConfig of a run from the platform defaults, then scenario config, then --set. */
export function buildConfig(p: Platform, ...layers: (ConfigValues | undefined)[]): { cfg: KConfig; shown: ConfigValues } {
  const r = buildConfigFrom(p, layers.map((values) => ({ values })));
  return { cfg: r.cfg, shown: r.shown };
}

/**
 * buildConfig over layers that know where their values were written: a bad value is reported at
 * its position (or naming its option). `place` does the same for a ConfigValueError found later
 * (at boot: a restricted_dma_pool that is not RAM), from the layer that set the key last.
 */
export function buildConfigFrom(p: Platform, layers: readonly ConfigLayer[]): { cfg: KConfig; shown: ConfigValues; place(e: ConfigValueError): InputError } {
  const from: Record<string, ConfigLayer> = {};
  let current: ConfigLayer | undefined;
  try {
    const r = applyLayers(p, layers, (key, layer) => {
      current = layer;
      from[key] = layer;
    });
    // checks across keys, once every layer is in (a --set mem= may come after the file's cma)
    if (r.cfg.cma > r.cfg.mem / 2) {
      current = from.cma ?? from.mem;
      const cma = from.cma ? r.shown.cma! : fmtMem(r.cfg.cma);
      if (from.cma) bad("cma", `${cma} is more than half of RAM (${fmtMem(r.cfg.mem)})`);
      bad("mem", `${r.shown.mem} is less than twice the platform's CMA area (${cma})`);
    }
    if (r.cfg.slub_debug !== undefined && r.cfg.CONFIG_KASAN) {
      current = from.slub_debug;
      bad("slub_debug", "slub_debug together with CONFIG_KASAN is not modelled (kasan_cache_create's placement next to the debug metadata)");
    }
    return { ...r, place: (e) => placeConfigError(e, Object.prototype.hasOwnProperty.call(from, e.key) ? from[e.key] : undefined) };
  } catch (e) {
    if (e instanceof ConfigValueError) throw placeConfigError(e, current);
    throw e;
  }
}

function applyLayers(p: Platform, layers: readonly ConfigLayer[], setting: (key: string, layer: ConfigLayer) => void): { cfg: KConfig; shown: ConfigValues } {
  const cfg: KConfig = {
    mem: p.defaults.mem,
    cma: p.defaults.cma,
    coherent_pool: 0,
    swiotlb_slabs: 0,
    swiotlb_force: "normal",
    nr_cpus: p.defaults.nr_cpus ?? 1,
    CONFIG_DEBUG_VIRTUAL: false,
    CONFIG_DMA_API_DEBUG: false,
    CONFIG_DMA_API_DEBUG_SG: false,
    va_bits: p.defaults.va_bits ?? 48,
    dma_debug_all_errors: false,
    dma_debug_num_errors: 1,
    dma_debug_entries: 0,
    xen_cache_flush: true,
    iommu_strict: p.iommu?.strict_default ?? true,
    iommu_passthrough: false,
    iommu_forcedac: false,
    CONFIG_DEBUG_VM: false,
    CONFIG_KASAN: false,
    CONFIG_SLAB_FREELIST_HARDENED: false,
  };
  const given: ConfigValues = {};
  for (const layer of layers) {
    if (!layer.values) continue;
    for (const [key, v] of Object.entries(layer.values)) {
      setting(key, layer);
      given[key] = v;
      switch (key) {
        case "mem": {
          const m = size(key, v);
          if (!p.memSizes.includes(m)) throw bad("mem", `${v} is not a RAM size of ${p.id} (use ${p.memSizes.map(fmtMem).join(", ")})`);
          cfg.mem = m;
          break;
        }
        case "cma": {
          const c = size(key, v);
          if (c % (4 << 20) !== 0) throw bad("cma", `${v} is not a multiple of 4M`);
          cfg.cma = c;
          cfg.cma_cmdline = true; // early_param("cma", early_cma): size_cmdline is no longer -1
          break;
        }
        case "coherent_pool": {
          const c = size(key, v);
          if (c === 0 || c % 4096 !== 0 || c > 64 << 20) throw bad("coherent_pool", `${v} must be a page multiple between 4K and 64M`);
          cfg.coherent_pool = c;
          break;
        }
        case "swiotlb": {
          // swiotlb= is an early_param call of setup_io_tlb_npages, which each version reads its own way
          // (kernel/dma/swiotlb/param.ts: `[<slabs>][,]force|noforce` to 5.19, `[<slabs>][,][<areas>][,]force|noforce` from
          // 6.0) and never refuses: the string is kept as given and parsed once, at boot, by the run's version
          // (init.ts swiotlb_early_param, which also refuses the few values dmasim does not model)
          cfg.swiotlb_param = String(v); // a later layer's swiotlb= replaces the earlier one: the run's command line has one
          break;
        }
        case "nr_cpus": {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1 || n > 256) throw bad("nr_cpus", `${v} is not a CPU count (1..256)`);
          cfg.nr_cpus = n;
          break;
        }
        case "restricted_dma_pool": {
          // <size>[@<base>]: a restricted-dma-pool memory-region of the run's device
          const [sz, at] = String(v).split("@").map((x) => x.trim());
          const n = size(key, sz!);
          if (n === 0 || n % (256 << 10) !== 0 || n > 256 << 20) throw bad("restricted_dma_pool", `${sz} must be a multiple of 256K (whole swiotlb segments) up to 256M`);
          let base: number | null = null;
          if (at !== undefined) {
            base = size(key, at);
            if (base % (1 << 20) !== 0) throw bad("restricted_dma_pool", `base ${at} must be 1M aligned`);
          }
          cfg.restricted_dma_pool = { size: n, base };
          break;
        }
        case "CONFIG_DEBUG_VIRTUAL":
          cfg.CONFIG_DEBUG_VIRTUAL = bool(key, v);
          break;
        case "CONFIG_DMA_API_DEBUG":
          cfg.CONFIG_DMA_API_DEBUG = bool(key, v);
          break;
        case "CONFIG_DMA_API_DEBUG_SG":
          cfg.CONFIG_DMA_API_DEBUG_SG = bool(key, v);
          if (cfg.CONFIG_DMA_API_DEBUG_SG) cfg.CONFIG_DMA_API_DEBUG = true;
          break;
        case "CONFIG_DEBUG_VM":
        case "CONFIG_KASAN":
        case "CONFIG_SLAB_FREELIST_HARDENED":
          cfg[key] = bool(key, v);
          break;
        case "CONFIG_SWIOTLB_DYNAMIC":
          cfg.CONFIG_SWIOTLB_DYNAMIC = bool(key, v);
          break;
        case "no_hash_pointers":
          cfg.no_hash_pointers = bool(key, v);
          break;
        case "slub_debug": {
          // slub_debug[=<flags>[,<slab>,...][;...]] (mm/slub.c setup_slub_debug): kept as written and parsed at boot by
          // the run's version, which refuses nothing (an unknown letter is skipped with a pr_err); YAML true is the bare
          // option (full debugging), false leaves it off
          if (v === false) {
            delete cfg.slub_debug;
            break;
          }
          const value = v === true ? true : String(v);
          // T (SLAB_TRACE: a trace line and a stack per alloc/free) and A (SLAB_FAILSLAB: fault injection) are not modelled
          if (value !== true) {
            for (const block of value.split(";")) {
              const letters = block.split(",")[0]!;
              const bad = [...letters].find((c) => c === "t" || c === "T" || c === "a" || c === "A");
              if (bad) throw new ConfigValueError(key, `'${bad}' (${bad.toLowerCase() === "t" ? "SLAB_TRACE" : "SLAB_FAILSLAB"}) is not modelled (F, Z, P, U, O and - are)`);
            }
          }
          cfg.slub_debug = value;
          break;
        }
        case "trace_options": {
          // trace_options=<opt>[,<opt>...] (kernel/trace/trace.c set_trace_boot_options): only hash-ptr is modelled
          for (const opt of String(v).split(",").map((x) => x.trim())) {
            if (opt === "hash-ptr") cfg.trace_hash_ptr = true;
            else if (opt === "nohash-ptr") cfg.trace_hash_ptr = false;
            else throw bad("trace_options", `'${shown(opt)}' is not a modelled trace option (use hash-ptr or nohash-ptr)`);
          }
          break;
        }
        case "dma_debug_all_errors":
          cfg.dma_debug_all_errors = bool(key, v);
          break;
        case "dma_debug_num_errors":
          cfg.dma_debug_num_errors = size(key, v);
          break;
        case "xen_cache_flush":
          if (!p.xen) throw bad("xen_cache_flush", `${p.id} is not a Xen platform`);
          cfg.xen_cache_flush = bool(key, v);
          break;
        case "dma_debug_entries": {
          const n = size(key, v);
          if (n < 1 || n > 1 << 24) throw bad("dma_debug_entries", `${v} is out of range (1..16777216)`);
          cfg.dma_debug_entries = n;
          break;
        }
        case "iommu.strict":
        case "iommu.passthrough":
        case "iommu.forcedac":
          if (!p.iommu) throw bad(key, `${p.id} has no IOMMU`);
          if (key === "iommu.strict") cfg.iommu_strict = bool(key, v);
          else if (key === "iommu.passthrough") cfg.iommu_passthrough = bool(key, v);
          else cfg.iommu_forcedac = bool(key, v);
          break;
        case "va_bits": {
          const b = Number(v);
          if (p.arch !== "arm64") throw bad("va_bits", `only arm64 platforms have a configurable VA size (${p.id} is ${p.arch})`);
          if (b !== 39 && b !== 48) throw bad("va_bits", `${v} is not modelled (use 39 or 48)`);
          cfg.va_bits = b;
          break;
        }
        default:
          throw new ConfigValueError(key, `unknown config key '${shown(key)}' (known: ${CONFIG_KEYS.join(", ")})`);
      }
    }
  }
  // the kernel command line these options make (init-main.ts): only when there is one, so a run with none keeps its config as before
  const cmdline = kernel_cmdline(given);
  if (cmdline.length) cfg.cmdline = cmdline;
  return { cfg, shown: given };
}

/** Parse repeated --set k=v options (sets.ts). */
export { parseSets } from "./sets.js";

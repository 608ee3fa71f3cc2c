/**
 * Run configuration: platform and kernel lookup, boot / Kconfig options from a scenario's
 * `config:` and the command line's `--set key=value`.
 */
import { InputError } from "../core/faults.js";
import type { KConfig } from "../kernel.js";
import { DEVICE_ROLES, type DeviceRole, type Platform } from "../platforms/platform.js";
import { suggest } from "./suggest.js";
import { shown } from "./limits.js";
import { PLATFORMS, findPlatform } from "../platforms/index.js";
import { DEFAULT_KERNEL, VERSIONS, findVersion, type KernelVersion } from "../versions.js";
import { parseU64 } from "../core/u64.js";

export const CONFIG_KEYS = ["mem", "cma", "coherent_pool", "swiotlb", "CONFIG_DEBUG_VIRTUAL", "CONFIG_DMA_API_DEBUG", "CONFIG_DMA_API_DEBUG_SG", "va_bits", "dma_debug_all_errors", "dma_debug_num_errors", "dma_debug_entries", "xen_cache_flush", "iommu.strict", "iommu.passthrough", "iommu.forcedac", "CONFIG_DEBUG_VM", "CONFIG_KASAN", "CONFIG_SLAB_FREELIST_HARDENED", "CONFIG_SWIOTLB_DYNAMIC", "nr_cpus", "restricted_dma_pool"] as const;

export function resolvePlatform(id: string | undefined): Platform {
  const p = findPlatform(id ?? "rpi4");
  if (!p) throw new InputError(`unknown platform '${id}' (known: ${PLATFORMS.map((x) => x.id).join(", ")})`);
  return p;
}

export function resolveKernel(id: string | undefined): KernelVersion {
  const v = findVersion(id ?? DEFAULT_KERNEL);
  if (!v) throw new InputError(`unknown kernel '${id}' (modelled: ${VERSIONS.map((x) => x.id).join(", ")})`);
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
  throw new InputError(`${key}: '${v}' is not a boolean (use y or n)`);
}

function size(key: string, v: string | number | boolean): number {
  try {
    return parseU64(typeof v === "boolean" ? String(v) : v);
  } catch (e) {
    throw new InputError(`${key}: ${(e as Error).message}`);
  }
}

/** Build the KConfig of a run from the platform defaults, then scenario config, then --set. */
export function buildConfig(p: Platform, ...layers: (Record<string, string | number | boolean> | undefined)[]): { cfg: KConfig; shown: Record<string, string | number | boolean> } {
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
  const shown: Record<string, string | number | boolean> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, v] of Object.entries(layer)) {
      shown[key] = v;
      switch (key) {
        case "mem": {
          const m = size(key, v);
          if (!p.memSizes.includes(m)) throw new InputError(`mem: ${v} is not a RAM size of ${p.id} (use ${p.memSizes.map((x) => x / 2 ** 30 >= 1 ? `${x / 2 ** 30}G` : `${x / 2 ** 20}M`).join(", ")})`);
          cfg.mem = m;
          break;
        }
        case "cma": {
          const c = size(key, v);
          if (c % (4 << 20) !== 0 || c > cfg.mem / 2) throw new InputError(`cma: ${v} must be a multiple of 4M and at most half of RAM`);
          cfg.cma = c;
          break;
        }
        case "coherent_pool": {
          const c = size(key, v);
          if (c === 0 || c % 4096 !== 0 || c > 64 << 20) throw new InputError(`coherent_pool: ${v} must be a page multiple between 4K and 64M`);
          cfg.coherent_pool = c;
          break;
        }
        case "swiotlb": {
          // swiotlb=<nslabs>[,<nareas>][,force|noforce] | force | noforce (the areas number is 6.0+;
          // earlier kernels' parsers skip it)
          const parts = String(v).split(",").map((x) => x.trim());
          let numbers = 0;
          delete cfg.swiotlb_nareas; // a later layer's swiotlb= replaces the areas an earlier one named
          for (const part of parts) {
            if (part === "force" || part === "noforce") cfg.swiotlb_force = part;
            else if (numbers === 0) {
              const n = size(key, part);
              if (n < 128 || n > 1 << 22) throw new InputError(`swiotlb: ${part} slabs is out of range (128..4194304 slabs of 2 KiB)`);
              cfg.swiotlb_slabs = n;
              numbers++;
            } else if (numbers === 1) {
              if (!/^\d+$/.test(part) || Number(part) > 1024) throw new InputError(`swiotlb: '${part}' is not a number of areas (0..1024)`);
              cfg.swiotlb_nareas = Number(part);
              numbers++;
            } else throw new InputError(`swiotlb: '${v}' has more than <slabs>,<areas>[,force|noforce]`);
          }
          break;
        }
        case "nr_cpus": {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1 || n > 256) throw new InputError(`nr_cpus: ${v} is not a CPU count (1..256)`);
          cfg.nr_cpus = n;
          break;
        }
        case "restricted_dma_pool": {
          // <size>[@<base>]: a restricted-dma-pool memory-region of the run's device
          const [sz, at] = String(v).split("@").map((x) => x.trim());
          const n = size(key, sz!);
          if (n === 0 || n % (256 << 10) !== 0 || n > 256 << 20) throw new InputError(`restricted_dma_pool: ${sz} must be a multiple of 256K (whole swiotlb segments) up to 256M`);
          let base: number | null = null;
          if (at !== undefined) {
            base = size(key, at);
            if (base % (1 << 20) !== 0) throw new InputError(`restricted_dma_pool: base ${at} must be 1M aligned`);
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
        case "dma_debug_all_errors":
          cfg.dma_debug_all_errors = bool(key, v);
          break;
        case "dma_debug_num_errors":
          cfg.dma_debug_num_errors = size(key, v);
          break;
        case "xen_cache_flush":
          if (!p.xen) throw new InputError(`xen_cache_flush: ${p.id} is not a Xen platform`);
          cfg.xen_cache_flush = bool(key, v);
          break;
        case "dma_debug_entries": {
          const n = size(key, v);
          if (n < 1 || n > 1 << 24) throw new InputError(`dma_debug_entries: ${v} is out of range (1..16777216)`);
          cfg.dma_debug_entries = n;
          break;
        }
        case "iommu.strict":
        case "iommu.passthrough":
        case "iommu.forcedac":
          if (!p.iommu) throw new InputError(`${key}: ${p.id} has no IOMMU`);
          if (key === "iommu.strict") cfg.iommu_strict = bool(key, v);
          else if (key === "iommu.passthrough") cfg.iommu_passthrough = bool(key, v);
          else cfg.iommu_forcedac = bool(key, v);
          break;
        case "va_bits": {
          const b = Number(v);
          if (p.arch !== "arm64") throw new InputError(`va_bits: only arm64 platforms have a configurable VA size (${p.id} is ${p.arch})`);
          if (b !== 39 && b !== 48) throw new InputError(`va_bits: ${v} is not modelled (use 39 or 48)`);
          cfg.va_bits = b;
          break;
        }
        default:
          throw new InputError(`unknown config key '${key}' (known: ${CONFIG_KEYS.join(", ")})`);
      }
    }
  }
  return { cfg, shown };
}

/** Parse repeated --set k=v options (undefined when there are none). */
export function parseSets(sets: readonly string[] | undefined): Record<string, string> | undefined {
  if (!sets || sets.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const s of sets) {
    const i = s.indexOf("=");
    if (i <= 0) throw new InputError(`--set ${s}: expected key=value (e.g. --set CONFIG_DEBUG_VIRTUAL=y)`);
    out[s.slice(0, i).trim()] = s.slice(i + 1).trim();
  }
  return out;
}

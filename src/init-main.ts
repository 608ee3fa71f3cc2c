/**
 * init/main.c's handling of the kernel command line after parse_early_param: parse_args hands each
 * parameter no kernel_param claims to unknown_bootoption, which asks obsolete_checksetup whether a
 * __setup / early_param entry (struct obs_kernel_param, the .init.setup section) takes it; what none
 * takes goes to init, as an argument (no value) or an environment variable (param=value), and from
 * 5.14 (86d1919a4fb0) print_unknown_bootoptions says so on the console.
 *
 * Whether an entry exists is a matter of the build: a file that is not compiled registers nothing
 * (kernel/dma/Makefile `obj-$(CONFIG_SWIOTLB) += swiotlb.o`, ...), so the same option is known on
 * one configuration and handed to user space on another. The table below has the entries for the
 * boot options dmasim's `config:` / `--set` put on the command line, each with the condition under
 * which its file is built in the modelled configurations.
 */
import type { Kernel, KConfig } from "./kernel.js";
import type { Platform } from "./platforms/platform.js";
import type { KernelVersion } from "./versions.js";
import { SW_NO_HASH_POINTERS } from "./lib/vsprintf.js";

/** 86d1919a4fb0 "init: print out unknown kernel parameters" (5.14) */
export const SW_PRINT_UNKNOWN_BOOTOPTIONS = "86d1919a4fb0";
/** "init: make unknown command line param message clearer" (5.16; 5.15.y backport) */
export const SW_UNKNOWN_PARAM_MESSAGE_CLEARER = "8bc2b3dca729";
/** 80e4390981618 "dma-debug: fix return value of __setup handlers" (5.18; 5.15.y backport) */
export const SW_DMA_DEBUG_SETUP_RETURN = "80e439098161";
/** 1d02b444b8d1 "tracing: Fix return value of __setup handlers" (5.17; 5.15.y backport) */
export const SW_TRACE_SETUP_RETURN = "1d02b444b8d1";

/** The boot options dmasim's configuration puts on the kernel command line, in the order they are printed there. */
export const CMDLINE_KEYS = ["mem", "cma", "coherent_pool", "swiotlb", "nr_cpus", "no_hash_pointers", "slub_debug", "trace_options", "dma_debug_entries", "iommu.strict", "iommu.passthrough", "iommu.forcedac"] as const;

interface Ctx {
  platform: Platform;
  version: KernelVersion;
  cfg: KConfig;
}

/**
 * One struct obs_kernel_param (include/linux/init.h __setup_param): `str` as registered (a __setup
 * string usually ends in "="), `early` for early_param, `setup` what the handler returns when
 * obsolete_checksetup calls a __setup one (1: taken; 0: not taken, the option falls through to init),
 * `built`: whether the file that registers it is compiled for this run.
 */
interface ObsKernelParam {
  str: string;
  early: boolean;
  /** the registering file (checked in the 5.15.178 and 6.18.35 trees unless said) */
  file: string;
  built: (c: Ctx) => boolean;
  setup?: (c: Ctx) => 0 | 1;
}

const always = (): boolean => true;

/** The .init.setup entries for the command line dmasim builds (CMDLINE_KEYS). */
const SETUP_PARAMS: readonly ObsKernelParam[] = [
  // arch/arm64/mm/init.c early_mem, arch/arm/kernel/setup.c early_mem, arch/x86/kernel/e820.c parse_memopt
  { str: "mem", early: true, file: "arch/*/ (early_mem / parse_memopt)", built: always },
  // kernel/dma/contiguous.c early_cma: obj-$(CONFIG_DMA_CMA); every modelled configuration has a CMA area or may have one
  { str: "cma", early: true, file: "kernel/dma/contiguous.c", built: always },
  // kernel/dma/pool.c early_coherent_pool (obj-$(CONFIG_DMA_COHERENT_POOL): selected by DMA_DIRECT_REMAP on arm64, by
  // AMD_MEM_ENCRYPT on x86; 5.6: kernel/dma/remap.c under DMA_DIRECT_REMAP) and arch/arm/mm/dma-mapping.c's own: the
  // modelled x86_64 kernels have no atomic pools (init.ts builds none), so no entry there
  { str: "coherent_pool", early: true, file: "kernel/dma/pool.c, arch/arm/mm/dma-mapping.c", built: (c) => c.platform.arch !== "x86_64" },
  // kernel/dma/swiotlb.c setup_io_tlb_npages: obj-$(CONFIG_SWIOTLB); 32-bit ARM selects SWIOTLB only with ARM_LPAE or XEN
  // (6.1.166 arch/arm/mm/Kconfig ARM_LPAE, arch/arm/Kconfig XEN): the modelled arm32 has neither
  { str: "swiotlb", early: true, file: "kernel/dma/swiotlb.c", built: (c) => c.platform.arch !== "arm" },
  // kernel/smp.c nrcpus (CONFIG_SMP)
  { str: "nr_cpus", early: true, file: "kernel/smp.c", built: always },
  // lib/vsprintf.c no_hash_pointers_enable, 5.12+ (5ead723a20e0; boot() refuses the option before)
  { str: "no_hash_pointers", early: true, file: "lib/vsprintf.c", built: (c) => c.version.switches.has(SW_NO_HASH_POINTERS) },
  // mm/slub.c setup_slub_debug: __setup("slub_debug") returning 1 (5.6.4 :1310, 5.15.178 :1542); 6.8+ __setup("slab_debug") with
  // __setup_param("slub_debug", …) for the old name (6.12.19 :1793–1794, 6.18.35 :1922–1923); CONFIG_SLUB_DEBUG is default y
  { str: "slub_debug", early: false, file: "mm/slub.c", built: always, setup: () => 1 },
  // kernel/trace/trace.c set_trace_boot_options: `return 0` until 1d02b444b8d1 (5.14-rc5 :238), then `return 1` (5.15.178 :239, 6.18.35 :337)
  { str: "trace_options=", early: false, file: "kernel/trace/trace.c", built: always, setup: (c) => (c.version.switches.has(SW_TRACE_SETUP_RETURN) ? 1 : 0) },
  // kernel/dma/debug.c dma_debug_entries_cmdline: obj-$(CONFIG_DMA_API_DEBUG); `return 0` until 80e4390981618 (5.14-rc5 :937),
  // then `return 1` (5.15.178 :952, 6.18.35 :972)
  { str: "dma_debug_entries=", early: false, file: "kernel/dma/debug.c", built: (c) => c.cfg.CONFIG_DMA_API_DEBUG, setup: (c) => (c.version.switches.has(SW_DMA_DEBUG_SETUP_RETURN) ? 1 : 0) },
  // drivers/iommu/iommu.c iommu_set_def_domain_type / iommu_dma_setup, drivers/iommu/dma-iommu.c iommu_dma_forcedac_setup
  { str: "iommu.strict", early: true, file: "drivers/iommu/iommu.c", built: (c) => !!c.platform.iommu },
  { str: "iommu.passthrough", early: true, file: "drivers/iommu/iommu.c", built: (c) => !!c.platform.iommu },
  { str: "iommu.forcedac", early: true, file: "drivers/iommu/dma-iommu.c", built: (c) => !!c.platform.iommu },
];

/** The command line's words for the boot options the run was given (`given`: the config values as written), in CMDLINE_KEYS order. */
export function kernel_cmdline(given: Readonly<Record<string, string | number | boolean>>): string[] {
  const out: string[] = [];
  for (const key of CMDLINE_KEYS) {
    if (!Object.prototype.hasOwnProperty.call(given, key)) continue;
    const v = given[key]!;
    // a flag: on the command line when set (no_hash_pointers: y), absent when not
    if (key === "no_hash_pointers") {
      if (v === true || v === "y" || v === "yes" || v === "true" || v === 1) out.push(key);
      continue;
    }
    // slub_debug: the bare option for YAML true, absent for false, else slub_debug=<value>
    if (key === "slub_debug" && typeof v === "boolean") {
      if (v) out.push(key);
      continue;
    }
    out.push(`${key}=${String(v)}`);
  }
  return out;
}

/** kernel/params.c parameqn: the first n characters equal, '-' and '_' alike (dash2underscore; 5.15.178 :84–93, 5.6–6.18). */
function parameqn(a: string, b: string, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const x = a[i] === "-" ? "_" : a[i];
    const y = b[i] === "-" ? "_" : b[i];
    if (x !== y) return false;
  }
  return true;
}

/** init/main.c obsolete_checksetup (5.6–6.18): true when a __setup takes `line` or an early_param had it. */
function obsolete_checksetup(c: Ctx, line: string): boolean {
  let had_early_param = false;
  for (const p of SETUP_PARAMS) {
    if (!p.built(c)) continue; // not compiled: no entry in .init.setup
    const n = p.str.length;
    if (!parameqn(line, p.str, n)) continue;
    if (p.early) {
      // "Already done in parse_early_param? (Needs exact match on param part)"
      if (line.length === n || line[n] === "=") had_early_param = true;
    } else if ((p.setup?.(c) ?? 1) !== 0) return true;
  }
  return had_early_param;
}

/**
 * init/main.c unknown_bootoption (5.6–6.18) over the command line's words, in order: what no entry
 * takes and that has no '.' (an unused module parameter) goes to init's argv (no value) or envp
 * (param=value; repair_env_string puts the '=' back). Returns [argv_init[1..], envp_init[2..]].
 */
export function unknown_bootoptions(c: Ctx, words: readonly string[]): { argv: string[]; envp: string[] } {
  const argv: string[] = [];
  const envp: string[] = [];
  for (const w of words) {
    if (obsolete_checksetup(c, w)) continue;
    const eq = w.indexOf("=");
    const param = eq < 0 ? w : w.slice(0, eq);
    if (param.includes(".")) continue; // "Unused module parameter."
    (eq < 0 ? argv : envp).push(w);
  }
  return { argv, envp };
}

/**
 * init/main.c print_unknown_bootoptions (5.14+, 86d1919a4fb0): one pr_notice naming the options
 * handed to user space — argv first, then envp, each after a space: 5.14-rc5 main.c:907 "Unknown
 * command line parameters:%s"; from "init: make unknown command line param message clearer"
 * (5.15.178 main.c:934, 6.1.166 :946, 6.18.35 :890) "Unknown kernel command line parameters
 * \"%s\", will be passed to user space." without the first space. Absent in 5.12.9, 5.10.7, 5.8.1
 * and 5.6.4: nothing is printed there.
 */
export function print_unknown_bootoptions(k: Kernel, platform: Platform, cfg: KConfig): void {
  if (!k.sw[SW_PRINT_UNKNOWN_BOOTOPTIONS] || !cfg.cmdline?.length) return;
  const { argv, envp } = unknown_bootoptions({ platform, version: k.version, cfg }, cfg.cmdline);
  if (argv.length === 0 && envp.length === 0) return;
  const unknown_options = [...argv, ...envp].map((p) => ` ${p}`).join("");
  if (k.sw[SW_UNKNOWN_PARAM_MESSAGE_CLEARER]) k.printk("notice", `Unknown kernel command line parameters "${unknown_options.slice(1)}", will be passed to user space.`);
  else k.printk("notice", `Unknown command line parameters:${unknown_options}`);
}

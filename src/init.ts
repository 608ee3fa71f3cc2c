/**
 * Boot: setup_arch + mm_init + the initcalls the DMA layer depends on, in the kernel's order —
 * memblock reservations (kernel image, CMA, memmap, swiotlb), page tables (linear map, kernel
 * image, vmemmap), zones and the buddy allocator, atomic pools, device DMA configuration.
 */
import { DMA_BOUNCE_UNALIGNED_KMALLOC, kmalloc_caches_of } from "./mm/slab_common.js";
import { Kernel, type KConfig } from "./kernel.js";
import type { Platform } from "./platforms/platform.js";
import { type Bank, cutRange } from "./mm/physmem.js";
import type { KernelVersion } from "./versions.js";
import type { Arch } from "./arch/arch.js";
import { Arm64, arm64Era, arm64Layout } from "./arch/arm64/memory.js";
import { Arm32, armLayout, armLowmemLimit } from "./arch/arm/memory.js";
import { X86_64, x86Layout } from "./arch/x86/memory.js";
import { arm_atomic_pool_init, arm_coherent_dma_ops, arm_dma_ops } from "./arch/arm/dma-mapping.js";
import { arch_setup_dma_ops as arm_arch_setup_dma_ops_v60 } from "./arch/arm/dma-mapping-v6.0.js";
import { Memblock } from "./mm/memblock.js";
import { __reserved_mem_alloc_size_skip_pr, __reserved_mem_init_node_pr, __rmem_cmp, fdt_init_reserved_mem_fail_pr, fdt_init_reserved_mem_node_pr, type RmemOrderNode } from "./drivers/of/of_reserved_mem.js";
import { sort } from "./lib/sort.js";
import { CMA_MIN_ALIGNMENT_BYTES, cma_declare_contiguous, cma_declare_contiguous_pr, rmem_cma_setup_bypass_pr, rmem_cma_setup_pr } from "./mm/cma_reserve.js";
import { kasan_init } from "./arch/arm64/kasan_init.js";
import { kasan_init as arm_kasan_init } from "./arch/arm/kasan_init.js";
import { X86Kasan } from "./arch/x86/kasan_init.js";
import { pci_iommu_init_swiotlb_report } from "./arch/x86/pci-dma.js";
import { BuddyAllocator, MemMap, PG_cma, PG_reserved } from "./mm/page_alloc.js";
import { hugepage_init, init_per_zone_wmark_min, pcpConfigOf, setup_per_cpu_pageset } from "./mm/pcp.js";
import { PageTable } from "./mm/pgtable.js";
import { VmallocSpace, VM_KERNEL_IMAGE, VM_ALLOC } from "./mm/vmalloc.js";
import { CmaArea } from "./mm/cma.js";
import { alloc_pages, vmap } from "./mm/mm.js";
import { Slab } from "./mm/slub.js";
import { kasan_vmalloc_enabled } from "./mm/mm-debug.js";
import { of_dma_configure, type Device } from "./drivers/device.js";
import { arm_smmu_device_probe } from "./drivers/iommu/arm-smmu-v3.js";
import { intel_iommu_probe_device, iommu_probe_device } from "./drivers/iommu/probe.js";
import { DMA_BIT_MASK, PAGE_SIZE, fls64, hex } from "./core/u64.js";
import { BootFault, ConfigNotAvailable, ConfigValueError, KernelFault } from "./core/faults.js";
import { dma_atomic_pool_init, dma_atomic_pool_init_remap } from "./kernel/dma/pool.js";
import { SW_NO_HASH_POINTERS, SW_TRACE_HASH_PTR, no_hash_pointers_enable, slub_debug_no_hash_pointers } from "./lib/vsprintf.js";
import { SW_SLUB_NO_HASH, setup_slub_debug } from "./mm/slub_debug.js";
import { IO_TLB_SEGSIZE, IO_TLB_SIZE, rmem_swiotlb_setup, setup_io_tlb_npages, swiotlb_boot_alloc, swiotlb_boot_metadata, swiotlb_boot_nslabs, swiotlb_era_for, swiotlb_init_with_tbl, swiotlb_noforce_nslabs, swiotlb_adjust_size, swiotlb_size_or_default, type SwiotlbParam } from "./kernel/dma/swiotlb/index.js";
import { xen_swiotlb_dma_ops, xen_swiotlb_fixup } from "./xen/swiotlb-xen.js";
import { xen_mm_init, xen_pv_swiotlb_alloc, xen_pv_swiotlb_init, xen_pv_swiotlb_nslabs } from "./xen/init.js";
import { XenHeap, xen_after_bootmem, xen_pv_setup_p2m } from "./xen/mmu-pv.js";
import { xen_remap_memory, xen_set_identity_and_remap } from "./xen/setup.js";
import { dma_debug_init } from "./kernel/dma/debug.js";
import { print_unknown_bootoptions } from "./init-main.js";
import { dma_declare_coherent_memory } from "./kernel/dma/coherent.js";
import { phys_to_dma } from "./kernel/dma/direct.js";
import { GFP_KERNEL } from "./include/gfp.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const SECTION = 128 * MiB; // arm64 / x86_64 SPARSEMEM section

/** Largest leaf (1 GiB, 2 MiB, or 4 KiB) that fits at va/phys with `left` bytes remaining. */
function leafFor(va: number, phys: number, left: number, sizes: number[]): number {
  // floor arithmetic, not `%` (an fmod call on 64-bit addresses)
  for (const s of sizes) if (left >= s && Math.floor(phys / s) * s === phys && Math.floor(va / s) * s === va) return s;
  return sizes[sizes.length - 1]!;
}

/** [va, va+size) → phys.. with the largest leaf that fits at each point (sizes largest first), a stretch of one leaf size per map(). */
function mapRange(pgd: PageTable, va: number, phys: number, size: number, sizes: number[], prot: "normal" | "nc") {
  let done = 0;
  while (done < size) {
    const v = va + done;
    const p = phys + done;
    const left = size - done;
    const s = leafFor(v, p, left, sizes);
    // leaves of size s up to where a larger leaf could start (both addresses aligned to it)
    let n = Math.max(1, Math.floor(left / s));
    for (const big of sizes) {
      if (big <= s) break;
      if (Math.floor((v - p) / big) * big !== v - p) continue; // va and phys never both aligned
      const toNext = (Math.ceil(v / big) * big - v) / s;
      if (toNext > 0 && toNext < n) n = toNext;
    }
    pgd.map(v, p / PAGE_SIZE, n * s, prot, s);
    done += n * s;
  }
}

/** Xen: dom0's memory map is the machine's RAM minus what other domains own. */
function dom0Banks(machine: Bank[], other: Bank | undefined): Bank[] {
  return other ? withoutRanges(machine, [other]) : machine;
}

/** banks minus the given ranges */
function withoutRanges(banks: readonly Bank[], cut: readonly Bank[]): Bank[] {
  let out: Bank[] = banks.map((b) => ({ ...b }));
  for (const c of cut) out = cutRange(out, c.start, c.size);
  return out;
}

/**
 * mm/memblock.c memblock_alloc_range_nid (5.6–6.18) of 0 bytes — swiotlb=0's buffer and slot array (5.13–5.19):
 * memblock_find_in_range_node → __memblock_find_range_top_down (5.15.178 mm/memblock.c:245–266, 6.18.35 :269–290)
 * walks the free ranges from the top, each clamped to [max(start, PAGE_SIZE), end], and returns the first
 * round_down(this_end - 0, align) >= this_start: the (rounded) end of the highest free range under the limit; then
 * memblock_reserve(found, 0) reserves nothing (memblock_add_range: `if (!size) return 0`, 5.15.178 :583). `end` is the
 * limit the kernel compares with (memblock_alloc_low: ARCH_LOW_ADDRESS_LIMIT, at most memblock.current_limit). null: none.
 */
function memblock_alloc_zero(memblock: Memblock, end: number, align: number): number | null {
  const free = withoutRanges(memblock.memory, memblock.reserved).sort((a, b) => b.start - a.start);
  const clamp = (x: number) => Math.min(Math.max(x, PAGE_SIZE), end);
  for (const r of free) {
    if (r.size <= 0) continue;
    const cand = Math.floor(clamp(r.start + r.size) / align) * align;
    if (cand >= clamp(r.start)) return cand || null;
  }
  return null;
}

/** The largest io_tlb_nslabs / default_nslabs dmasim models: 2^42 slabs, so that nslabs << IO_TLB_SHIFT (2^53 bytes) stays exact */
const SWIOTLB_MAX_MODELLED_NSLABS = 1n << 42n;
/** The most swiotlb areas dmasim models (6.0+, after swiotlb_adjust_nareas' power-of-two rounding): one object each */
const SWIOTLB_MAX_MODELLED_NAREAS = 1 << 20;

/**
 * parse_early_param's setup_io_tlb_npages call (kernel/dma/swiotlb.c, each era's parser: swiotlb/param.ts) on the
 * run's swiotlb= option: the slab count, areas and force/noforce this version reads from it. The kernel refuses
 * nothing; dmasim refuses only what it does not model: a slab count past 2^42 and more than 2^20 areas (6.0+).
 * (A slab count of 0 on a Xen dom0, 5.13+, boots as each era's swiotlb-xen code takes it: src/xen/init.ts.)
 */
export function swiotlb_early_param(platform: Platform, version: KernelVersion, cfg: KConfig): KConfig {
  if (cfg.swiotlb_param === undefined) return cfg;
  // 32-bit ARM selects SWIOTLB only with ARM_LPAE or XEN (6.1.166 arch/arm/mm/Kconfig ARM_LPAE, arch/arm/Kconfig XEN):
  // without it kernel/dma/swiotlb.c is not built (kernel/dma/Makefile obj-$(CONFIG_SWIOTLB)), no early_param("swiotlb")
  // exists, and the option is handed to user space — no "area num", nothing refused (5.14+ print it: init-main.ts)
  if (platform.arch === "arm") return { ...cfg, swiotlb_param: undefined };
  const era = swiotlb_era_for(version.id);
  const st: SwiotlbParam = { force: cfg.swiotlb_force };
  era.parse_param(cfg.swiotlb_param, st, version.switches.has("c6af2aa9ffc9"));
  const out: KConfig = { ...cfg, swiotlb_force: st.force };
  if (st.nslabs !== undefined) {
    if (st.nslabs > SWIOTLB_MAX_MODELLED_NSLABS)
      throw new ConfigValueError("swiotlb", `a slab count of ${st.nslabs} (after ALIGN to 128) is not modelled: dmasim models up to ${SWIOTLB_MAX_MODELLED_NSLABS} slabs (8 PiB), where nslabs << IO_TLB_SHIFT stays exact`);
    // 5.6–5.12 (era 5.6): io_tlb_nslabs 0 is "not set", swiotlb_init takes the 64 MiB default (5.10.7 swiotlb.c:252–255)
    out.swiotlb_slabs = Number(st.nslabs);
    out.swiotlb_slabs_set = true;
  }
  if (st.nareas !== undefined) {
    // swiotlb_adjust_nareas: 0 → 1, else roundup_pow_of_two (an unsigned long: 2^32 for more than 2^31) into the unsigned int
    const rounded = st.nareas <= 1 ? 1 : 2 ** Math.ceil(Math.log2(st.nareas)) % 2 ** 32;
    if (rounded > SWIOTLB_MAX_MODELLED_NAREAS)
      throw new ConfigValueError("swiotlb", `${st.nareas} areas (swiotlb_adjust_nareas rounds to ${rounded}) is not modelled: dmasim models up to ${SWIOTLB_MAX_MODELLED_NAREAS} areas`);
    out.swiotlb_nareas = st.nareas;
  }
  return out;
}

export function boot(platform: Platform, version: KernelVersion, cfg0: KConfig): Kernel {
  const cfg = swiotlb_early_param(platform, version, cfg0);
  // arch/arm/Kconfig selects HAVE_ARCH_KASAN only from 5.11 (421015713b30): before it CONFIG_KASAN does not exist there
  if (platform.arch === "arm" && cfg.CONFIG_KASAN && !version.switches.has("421015713b30"))
    throw new ConfigNotAvailable("CONFIG_KASAN", `32-bit ARM has no KASAN in Linux ${version.id} (HAVE_ARCH_KASAN from 5.11, 421015713b30 "ARM: 9017/2: Enable KASan for ARM")`, `Linux ${version.id} on ${platform.id}`);
  // a KASAN kernel does not boot as a Xen PV guest: kasan_early_init, which maps the early shadow, is called only from
  // x86_64_start_kernel (5.10.7 arch/x86/kernel/head64.c:493, 6.18.35 :264), which xen_start_kernel never enters, and
  // no tree 5.6.4–6.18.35 has KASAN code in arch/x86/xen or drivers/xen: the first instrumented access faults
  if (platform.xen === "pv" && cfg.CONFIG_KASAN)
    throw new ConfigNotAvailable("CONFIG_KASAN", `a KASAN kernel does not boot as a Xen PV domain in Linux ${version.id}: kasan_early_init runs only from x86_64_start_kernel, which a PV guest (xen_start_kernel) never enters, so the first instrumented access finds no shadow`, `Linux ${version.id} on ${platform.id}`);
  // kernel/dma/Kconfig has SWIOTLB_DYNAMIC only from 6.6 (79636caad361, the transient pools); 6.1.166's Kconfig lacks it
  if (cfg.CONFIG_SWIOTLB_DYNAMIC && swiotlb_era_for(version.id).name !== "6.6")
    throw new ConfigNotAvailable("CONFIG_SWIOTLB_DYNAMIC", `Linux ${version.id} has no CONFIG_SWIOTLB_DYNAMIC (kernel/dma/Kconfig gains it in 6.6 with 79636caad361 "swiotlb: if swiotlb is full, fall back to a transient memory pool")`, `Linux ${version.id}`);
  // lib/vsprintf.c has no_hash_pointers only from 5.12 (5ead723a20e0); the tracefs hash-ptr option (trace_options=) from 5.12 too (a345a6718bd5)
  if (cfg.no_hash_pointers && !version.switches.has(SW_NO_HASH_POINTERS))
    throw new ConfigNotAvailable("no_hash_pointers", `Linux ${version.id} has no no_hash_pointers boot option (lib/vsprintf.c gains it in 5.12 with 5ead723a20e0 "lib/vsprintf: no_hash_pointers prints all addresses as unhashed")`, `Linux ${version.id}`);
  if (cfg.trace_hash_ptr !== undefined && !version.switches.has(SW_TRACE_HASH_PTR))
    throw new ConfigNotAvailable("trace_options", `Linux ${version.id} has no hash-ptr trace option (kernel/trace/trace.c gains it in 5.12 with a345a6718bd5 "tracing: Add ptr-hash option to show the hashed pointer value")`, `Linux ${version.id}`);
  // dom0 does not own other domains' memory; no-map reserved-memory is removed from memblock.memory
  let banks = dom0Banks(platform.banks(cfg.mem), platform.xenDomains);
  for (const d of platform.devices) if (d.coherent_pool) banks = dom0Banks(banks, { start: d.coherent_pool.phys, size: d.coherent_pool.size });
  const memstart = platform.arch === "arm64" ? Math.floor(banks[0]!.start / GiB) * GiB : banks[0]!.start;
  const ramEnd = banks[banks.length - 1]!.start + banks[banks.length - 1]!.size;
  let arch: Arch;
  let armLowEnd = 0;
  const memblock = new Memblock(banks);
  memblock.reserve(platform.kimage.phys, platform.kimage.size, "kernel image");
  for (const r of platform.reserved ?? []) memblock.reserve(r.start, r.size, r.name);
  // early_init_fdt_scan_reserved_mem (arm64_memblock_init, 5.6–6.18): reserved-memory nodes with a reg are
  // reserved first (__reserved_mem_reserve_reg), before any dynamic node, sparse_init, CMA and KASAN (D23) —
  // a restricted-dma-pool given at a base
  let rmemBase: number | null = null;
  if (cfg.restricted_dma_pool && cfg.restricted_dma_pool.base !== null) {
    const r = cfg.restricted_dma_pool;
    const base = r.base!;
    if (!banks.some((b) => base >= b.start && base + r.size <= b.start + b.size)) throw new ConfigValueError("restricted_dma_pool", `${hex(base)}+${hex(r.size)} is not RAM of ${platform.id}`);
    const clash = memblock.reserved.find((x) => base < x.start + x.size && x.start < base + r.size);
    if (clash) throw new ConfigValueError("restricted_dma_pool", `${hex(base)}+${hex(r.size)} overlaps ${clash.name} at ${hex(clash.start)}`);
    memblock.reserve(base, r.size, "restricted-dma-pool");
    rmemBase = base;
  }
  // CMA alignment: 4 MiB to 5.18, pageblock_nr_pages from 5.19 (11ac3e87ce09; 2 MiB with hugetlb on arm64/x86_64)
  const cmaAlign = CMA_MIN_ALIGNMENT_BYTES(version.switches.has("11ac3e87ce09"), platform.arch !== "arm");
  let cmaBase = -1;
  // the printk of the area's placement, emitted once the Kernel (and its log) exists: before KASAN's and swiotlb's lines, as on a real boot
  // (phys_addr_t is 32 bits on 32-bit ARM without LPAE, 64 elsewhere: %pa's width)
  const physBits = platform.arch === "arm" ? 32 : 64;
  // (then: the node's "OF: reserved mem:" line, 6.3+ aeb9267eb6b1)
  let cmaMsg: { level: "info" | "err"; message: string; then?: string[] } | null = null;
  // the reserved-memory lines early_init_fdt_scan_reserved_mem leaves for a bypassed linux,cma-default node
  const rmemMsgs: { level: "info" | "err"; message: string }[] = [];
  // early_init_fdt_scan_reserved_mem (arm64_memblock_init / arm_memblock_init, 5.6–6.18): a reusable
  // shared-dma-pool "linux,cma-default" node with alloc-ranges (bcm283x.dtsi + bcm2711.dtsi) is placed here,
  // top-down in its range (__reserved_mem_alloc_size), before sparse_init and KASAN in every era;
  // dma_contiguous_reserve later finds dma_contiguous_default_area set and does nothing.
  // With cma= on the command line the node is bypassed: 5.6–6.12 allocate it (the DT's size), rmem_cma_setup
  // returns -EBUSY and fdt_init_reserved_mem(_node) frees it at once, before the next node is allocated;
  // 6.18.35 (0fd17e598333, stable) skips it before allocating. dma_contiguous_reserve then places the cma= area.
  const cmaFromNode = !!platform.cma_alloc_ranges && !cfg.cma_cmdline;
  // the default area's size: the DT node's own (bcm283x.dtsi's 64 MiB, the platform's default) or cma='s
  const cmaSize = cmaFromNode ? platform.defaults.cma : cfg.cma;
  // the order the reserved-memory nodes are allocated and initialised in: DT order (rpi4's linux,cma from
  // bcm283x.dtsi, then the run's restricted-dma-pool, which a board .dts appends). 5.6–6.11: __fdt_scan_reserved_mem
  // saves each node (a dynamic one with base 0, size 0) and fdt_init_reserved_mem sorts them (__rmem_check_for_overlap,
  // lib/sort.c's heapsort) before its allocate-then-init loop — to 6.4 two dynamic nodes compare equal and come out swapped
  // (6.5+, 4cea2821882b, the fdt_node tie-break keeps them in DT order);
  // 6.12+ (8a6e02d0c00e) allocates and inits the dynamic nodes in DT order in fdt_scan_reserved_mem
  const rmemNodes: RmemOrderNode[] = [];
  if (platform.cma_alloc_ranges) rmemNodes.push({ name: "linux,cma", base: 0, size: 0, fdt_node: rmemNodes.length });
  if (cfg.restricted_dma_pool) rmemNodes.push({ name: "restricted-dma-pool", base: rmemBase ?? 0, size: rmemBase === null ? 0 : cfg.restricted_dma_pool.size, fdt_node: rmemNodes.length });
  // 6.5–6.11 (4cea2821882b): __rmem_cmp breaks a tie by the node's FDT offset, so the sort keeps two dynamic nodes in DT order
  const fdtNodeTieBreak = version.switches.has("4cea2821882b");
  if (!version.switches.has("8a6e02d0c00e")) sort(rmemNodes, (a, b) => __rmem_cmp(a, b, fdtNodeTieBreak));
  // (plain loops here and for the kernel stack's pages, not Array.prototype.map: the arrays TurboFan's inlined map
  // made had other maps than the interpreter's, so boot's optimized code deoptimized on them ("wrong map") and boot,
  // the largest TurboFan compile of a matrix, was compiled again)
  const rmemOrder: string[] = [];
  for (const n of rmemNodes) rmemOrder.push(n.name);
  const cmaAfterRmem = rmemOrder.indexOf("linux,cma") > rmemOrder.indexOf("restricted-dma-pool") && rmemOrder.includes("restricted-dma-pool");
  // the linux,cma-default node's turn: drivers/of/of_reserved_mem.c __reserved_mem_alloc_size, then its init (rmem_cma_setup)
  const cmaNodeAllocInit = () => {
    if (!platform.cma_alloc_ranges) return;
    const [lo, hi] = platform.cma_alloc_ranges;
    const nodeSize = platform.defaults.cma;
    if (cfg.cma_cmdline && version.switches.has("0fd17e598333")) rmemMsgs.push({ level: "err", message: __reserved_mem_alloc_size_skip_pr() });
    else {
      const base = memblock.tryAlloc(nodeSize, cmaAlign, lo, hi, "CMA (linux,cma)");
      if (base === null) throw new ConfigValueError("cma", `${nodeSize / MiB} MiB does not fit in the linux,cma alloc-ranges [${hex(lo)}, ${hex(hi)}) of ${platform.id}`);
      if (cfg.cma_cmdline) {
        rmemMsgs.push(rmem_cma_setup_bypass_pr("linux,cma"), { level: "info", message: fdt_init_reserved_mem_fail_pr("linux,cma") });
        memblock.free(base, nodeSize);
      } else {
        cmaBase = base;
        cmaMsg = rmem_cma_setup_pr(cmaBase, nodeSize, physBits);
        cmaMsg.then = [__reserved_mem_init_node_pr("linux,cma", "shared-dma-pool")];
        if (version.switches.has("aeb9267eb6b1")) cmaMsg.then.push(fdt_init_reserved_mem_node_pr({ name: "linux,cma", base: cmaBase, size: nodeSize, nomap: false, reusable: true }, physBits));
      }
    }
  };
  if (!cmaAfterRmem) cmaNodeAllocInit();
  /** kernel/dma/contiguous.c dma_contiguous_reserve (5.6–6.18) → cma_declare_contiguous: the default area from cma= / CONFIG_CMA_SIZE */
  const dma_contiguous_reserve = (limit: number, highmem_start: number | null) => {
    if (cfg.cma <= 0 || cmaBase >= 0) return;
    const base = cma_declare_contiguous(memblock, cfg.cma, limit, cmaAlign, { highmem_start, bottom_up_4g: platform.arch !== "arm" && version.switches.has("df2ff39e78da") }, "CMA (cma=)");
    if (base !== null) cmaBase = base;
    cmaMsg = cma_declare_contiguous_pr(cfg.cma, base, version.switches.has("bf29bfaa5490") && !version.switches.has("c009da4258f9"), physBits);
  };
  if (platform.arch === "arm64") {
    const era = arm64Era((c) => version.switches.has(c));
    arch = new Arm64(arm64Layout(cfg.va_bits, memstart, platform.kimage.phys, platform.kimage.size, era, cfg.CONFIG_KASAN), era);
  }
  else if (platform.arch === "x86_64") arch = new X86_64(x86Layout(platform.kimage.phys, platform.kimage.size));
  else {
    armLowEnd = armLowmemLimit(banks[0]!.start, ramEnd);
    // arch/arm/kernel/setup.c setup_arch: arm_memblock_init reserves the CMA area
    // (dma_contiguous_reserve(arm_dma_limit), 5.15.178 arch/arm/mm/init.c:240; a DT linux,cma node
    // already in early_init_fdt_scan_reserved_mem, :237) before paging_init →
    // bootmem_init → free_area_init allocates the FLATMEM mem_map (alloc_node_mem_map) below it.
    // arm_dma_limit is PHYS_OFFSET + dma_zone_size - 1 with a DMA zone, else 0xffffffff (ZONE_DMA) or 0
    // (5.10.7 arch/arm/mm/init.c:93–105, 6.18.35 :94–106): both mean the end of DRAM, above high_memory (set
    // by adjust_lowmem_bounds before arm_memblock_init, 5.10.7 arch/arm/kernel/setup.c:1131–1132, mmu.c:1221),
    // so cma_declare_contiguous tries [highmem_start, limit) first (5.10.7 mm/cma.c:334–338, 6.18.35 :408–419): D22
    dma_contiguous_reserve(platform.arm_dma_zone_size ? banks[0]!.start + platform.arm_dma_zone_size - 1 : 0, armLowEnd);
    const npages = (ramEnd - banks[0]!.start) / PAGE_SIZE;
    const memmapPhys = memblock.alloc(npages * 32, PAGE_SIZE, banks[0]!.start, armLowEnd, "mem_map");
    arch = new Arm32(armLayout(banks[0]!.start, armLowEnd, memmapPhys - banks[0]!.start + 0xc000_0000, platform.kimage.phys, platform.kimage.size));
  }
  const k = new Kernel(platform, version, cfg, arch);
  // early_param("swiotlb", setup_io_tlb_npages), from parse_early_param at the start of setup_arch (before
  // arm64_memblock_init / arm_memblock_init / x86's dma_contiguous_reserve): 6.0+ prints "area num N." when
  // swiotlb= names areas — the first of these boot lines, before the CMA area's
  setup_io_tlb_npages(k);
  // early_param("no_hash_pointers") (5.12+; 6.17+ an alias of hash_pointers=never, de1c831a7898), from the same parse_early_param
  // (the command line is taken as "swiotlb=… no_hash_pointers")
  no_hash_pointers_enable(k);
  k.memblock = memblock;
  const L = arch.L;

  // --- zones (arm64 zone_sizes_init / x86 / ARM32 arm_dma_zone_size) ---
  let dmaEnd = 0;
  let dma32End = 0;
  let normalEnd = ramEnd;
  let highStart = Infinity;
  if (platform.arch === "arm64") {
    // 5.11+ (8424ecdde7df) zone_sizes_init: zone_dma_bits = min3(32, fls64(of_dma_get_max_cpu_address(NULL)), IORT);
    // 5.6–5.10 arm64_memblock_init: zone_dma_bits = ARM64_ZONE_DMA_BITS (30) whatever the DT says
    let maxCpu = Infinity;
    for (const d of platform.devices) for (const r of d.dma_ranges ?? []) maxCpu = Math.min(maxCpu, r.cpu_start + r.size - 1);
    if (k.sw["8424ecdde7df"]) k.zone_dma_bits = maxCpu === Infinity ? 32 : Math.min(32, fls64(BigInt(maxCpu)));
    else k.zone_dma_bits = 30;
    const max_zone_phys = k.sw["791ab8b2e3db"]
      ? (bits: number) => {
          // arch/arm64/mm/init.c max_zone_phys (5.11+): min(DMA_BIT_MASK(bits), end of DRAM - 1) + 1
          const mask = 2 ** bits - 1;
          const start = banks[0]!.start;
          if (start > 4 * GiB) return Infinity;
          if (start > mask) return 4 * GiB;
          return Math.min(mask, ramEnd - 1) + 1;
        }
      : (bits: number) => {
          // arch/arm64/mm/init.c max_zone_phys (5.6–5.10): (start of DRAM & GENMASK_ULL(63, bits)) + 2^bits, capped at the end of DRAM
          const offset = Math.floor(banks[0]!.start / 2 ** bits) * 2 ** bits;
          return Math.min(offset + 2 ** bits, ramEnd);
        };
    if (k.sw["3be9b846896d"]) {
      // arch/arm64/mm/init.c zone_sizes_init (6.12.19): zone_dma_limit = min(DT, IORT) max CPU address
      // (PHYS_ADDR_MAX without dma-ranges), clamped to U32_MAX when DRAM starts below 4 GiB;
      // max_zone_phys(limit) = min(limit, end of DRAM - 1) + 1
      let lim = maxCpu;
      if (banks[0]!.start < 0xffff_ffff) lim = Math.min(lim, 0xffff_ffff);
      k.zone_dma_limit = lim;
      dmaEnd = Math.min(lim, ramEnd - 1) + 1;
      dma32End = Math.min(0xffff_ffff, ramEnd - 1) + 1;
    } else {
      dmaEnd = max_zone_phys(k.zone_dma_bits);
      dma32End = max_zone_phys(32);
      k.zone_dma_limit = 2 ** k.zone_dma_bits - 1;
    }
  } else if (platform.arch === "x86_64") {
    k.zone_dma_bits = 24;
    k.zone_dma_limit = 0xff_ffff;
    dmaEnd = 16 * MiB;
    dma32End = 4 * GiB;
  } else {
    k.zone_dma_bits = 24;
    dmaEnd = platform.arm_dma_zone_size ? banks[0]!.start + platform.arm_dma_zone_size : 0;
    dma32End = dmaEnd;
    normalEnd = armLowEnd;
    highStart = armLowEnd;
  }

  // --- memmap (struct pages) and the kernel page table; ARM32's mem_map was placed above ---
  const max_pfn = ramEnd / PAGE_SIZE;
  // --- x86 PV: the P2M of scattered machine frames (xen_swiotlb_fixup at mem_init exchanges the pool's frames), and
  // setup_arch's xen_memory_setup making dom0's e820 holes identity frames (src/xen/setup.ts), before anything prints ---
  if (platform.xen === "pv") {
    // hypercall_cflush is arch/arm/xen/mm.c's GNTTABOP_cache_flush probe: x86 has none (never read on x86)
    k.xen = { kind: "pv", phys_to_mach: [], hypercall_cflush: false, initial_domain: true, grants: new Map(), stage2: new Map(), domains: null, p2m: null, heap: new XenHeap() };
    // xen_start_info->nr_pages: dom0_mem
    const nr_pages = cfg.mem / PAGE_SIZE;
    xen_pv_setup_p2m(k, nr_pages, platform.machineBanks!(cfg.mem));
    // dom0's xen_e820_table is XENMEM_machine_memory_map: the machine's map (platform.machineE820), not its own RAM
    xen_set_identity_and_remap(k, platform.machineE820!(cfg.mem), nr_pages);
    // xen_add_extra_mem's memblock_reserve: the extra memory is e820 RAM (dom0's banks) the kernel must not use
    for (const r of k.xen.p2m!.extra) memblock.reserve(r.start_pfn * PAGE_SIZE, r.n_pfns * PAGE_SIZE, "Xen extra memory");
  }
  const min_pfn = banks[0]!.start / PAGE_SIZE;
  k.memmap = new MemMap(min_pfn, max_pfn);
  const pgd = new PageTable(L.geometry);
  k.pgd = pgd;
  /** mm/sparse.c sparse_init (5.6–6.18): one memmap block per node from memblock, handed to the sections in ascending order */
  // Through sparse_init_nid: sparse_buffer_init takes ONE memblock block for the
  // memmap of every present section of the node (map_count * section_map_size(), aligned to section_map_size(),
  // top-down from __pa(MAX_DMA_ADDRESS): 5.10.7 mm/sparse.c:474–487, :537; 6.18.35 :446–460, :545), and
  // vmemmap_populate hands it out to the sections in ascending order (sparse_buffer_alloc). arm64's sections are
  // 1 GiB until 5.11 (SECTION_SIZE_BITS 30, 5.10.7 asm/sparsemem.h:10), 128 MiB from 5.12 (f0b13ee23241); x86_64's 128 MiB.
  const vmemmap_populate = () => {
    const sectionSize = platform.arch === "arm64" && !k.sw["f0b13ee23241"] ? GiB : SECTION;
    // section_map_size(): ALIGN(sizeof(struct page) * PAGES_PER_SECTION, PMD_SIZE)
    const mapSize = Math.ceil(((sectionSize / PAGE_SIZE) * 64) / (2 * MiB)) * 2 * MiB;
    const present: number[] = [];
    for (const b of banks) {
      for (let s = Math.floor(b.start / sectionSize); s < Math.ceil((b.start + b.size) / sectionSize); s++) if (present[present.length - 1] !== s) present.push(s);
    }
    // __pa(MAX_DMA_ADDRESS): x86_64 16 MiB; arm64 PAGE_OFFSET (asm-generic/dma.h), the start of RAM
    const floor = platform.arch === "x86_64" ? 16 * MiB : banks[0]!.start;
    const buf = memblock.alloc(present.length * mapSize, mapSize, floor, ramEnd, "vmemmap (struct pages)");
    present.forEach((s, i) => mapRange(pgd, arch.pfn_to_page((s * sectionSize) / PAGE_SIZE), buf + i * mapSize, mapSize, [2 * MiB, PAGE_SIZE], "normal"));
  };
  // a restricted-dma-pool without a base: a dynamic reserved-memory node, allocated in early_init_fdt_scan_reserved_mem
  // too (after the reg nodes and, in DT order, the linux,cma node): before sparse_init, cma= and KASAN (D23). The
  // model's window stands for its alloc-ranges: below the DMA limit (5.15.178 drivers/of/of_reserved_mem.c, 6.18.35 :400)
  if (cfg.restricted_dma_pool && rmemBase === null) {
    const rmemLimit = platform.arch === "arm64" ? dmaEnd : platform.xen === "pv" ? ramEnd : 4 * GiB;
    rmemBase = memblock.alloc(cfg.restricted_dma_pool.size, PAGE_SIZE, banks[0]!.start, rmemLimit, "restricted-dma-pool");
  }
  // 5.6–6.4 with two dynamic nodes: the linux,cma node after the restricted-dma-pool (nothing else takes memblock in between)
  if (cmaAfterRmem) cmaNodeAllocInit();

  // --- CMA (dma_contiguous_reserve) ---
  // arm64 5.6–5.10: at the end of arm64_memblock_init with arm64_dma32_phys_limit (5.6.4 arch/arm64/mm/init.c:459,
  // 5.10.7 :395), before bootmem_init's sparse_init; 5.11+ (9804f8c69b04) in bootmem_init after sparse_init and
  // zone_sizes_init with arm64_dma_phys_limit (5.12.9 :465, 5.15.178 :453, 6.1.166 :435, 6.18.35 :327)
  if (platform.arch === "arm64" && !k.sw["9804f8c69b04"]) dma_contiguous_reserve(dma32End, null);
  if (platform.arch === "arm64" && k.sw["9804f8c69b04"]) {
    vmemmap_populate();
    dma_contiguous_reserve(dmaEnd === Infinity ? 0 : dmaEnd, null);
  }
  // x86_64 setup_arch: dma_contiguous_reserve(max_pfn_mapped << PAGE_SHIFT) after initmem_init (5.10.7
  // arch/x86/kernel/setup.c:1147, 5.15.178 :1137): the top of the direct-mapped RAM
  if (platform.arch === "x86_64") dma_contiguous_reserve(ramEnd, null);
  // printed where the area is declared: the DT node in early_init_fdt_scan_reserved_mem (in DT order, before a
  // restricted-dma-pool node), cma= in arm_memblock_init / x86 setup_arch / arm64_memblock_init (5.6–5.10) — but on
  // arm64 5.11+ in bootmem_init, after the reserved-memory nodes' lines (below, after rmem_swiotlb_setup)
  const printCma = (m: { level: "info" | "err"; message: string; then?: string[] }) => {
    k.printk(m.level, m.message);
    for (const t of m.then ?? []) k.printk("info", t);
  };
  const cmaLate = platform.arch === "arm64" && !cmaFromNode && k.sw["9804f8c69b04"] === true;
  // the restricted-dma-pool region (5.15+) was reserved or placed by early_init_fdt_scan_reserved_mem above;
  // rmem_swiotlb_setup is its init (RESERVEDMEM_OF_DECLARE), run there too
  let rmemInitDone = false;
  const initRestricted = () => {
    if (rmemInitDone || !cfg.restricted_dma_pool || rmemBase === null) return;
    rmemInitDone = true;
    const r = cfg.restricted_dma_pool;
    const base = rmemBase;
    const name = `restricted-dma-pool@${base.toString(16)}`;
    k.restricted_dma_pool = rmem_swiotlb_setup(k, { name, base, size: r.size, priv: null });
    if (k.restricted_dma_pool) k.printk("info", __reserved_mem_init_node_pr(name, "restricted-dma-pool"));
    // rmem_swiotlb_setup returned 0 (5.15+), or no driver claims the compatible (-ENOENT): the node's line (6.3+)
    if (k.sw["aeb9267eb6b1"]) k.printk("info", fdt_init_reserved_mem_node_pr({ name, base, size: r.size, nomap: false, reusable: false }, physBits));
  };
  // the reserved-memory nodes' lines in the order they were initialised (DT platforms: early_init_fdt_scan_reserved_mem
  // in arm64_memblock_init / arm_memblock_init, before dma_contiguous_reserve there), then a cma= area's line
  // (x86_64 has none: its restricted-dma-pool is set up before the swiotlb pool, below)
  if (platform.arch !== "x86_64")
    for (const n of rmemOrder) {
      if (n === "linux,cma") {
        for (const m of rmemMsgs) k.printk(m.level, m.message);
        if (cmaMsg && cmaFromNode) printCma(cmaMsg);
      } else initRestricted();
    }
  if (cmaMsg && !cmaFromNode && !cmaLate) printCma(cmaMsg);

  if (platform.arch === "arm64" && !k.sw["9804f8c69b04"]) vmemmap_populate();
  // x86_64 setup_arch: dma_contiguous_reserve, then x86_init.paging.pagetable_init = paging_init →
  // sparse_init (5.15.178 arch/x86/kernel/setup.c:1137, :1153; arch/x86/mm/init_64.c:816): the
  // memmap is taken long before mem_init's pci_iommu_alloc (init_64.c:1333) places the swiotlb pool
  if (platform.arch === "x86_64") vmemmap_populate();
  // x86 PV: x86_init.paging.pagetable_init = xen_pagetable_init — paging_init (sparse_init above), then xen_remap_memory,
  // which maps the e820 holes' frames at their new pfns and takes those out of the extra memory (memblock_free)
  // (5.10.7 arch/x86/xen/mmu_pv.c:1193–1206, 6.18.35 :1257–1277)
  if (platform.xen === "pv") xen_remap_memory(k);

  // --- arm64 setup_arch: kasan_init after bootmem_init — generic KASAN's shadow of the kernel image and of RAM ---
  if (platform.arch === "arm64" && cfg.CONFIG_KASAN) {
    const a = arch as Arm64;
    k.kasan_shadow = kasan_init(L, a.kasanShadow(), cfg.va_bits, !!a.era.modules2G, kasan_vmalloc_enabled(k), memblock, banks);
  }
  // --- 32-bit ARM setup_arch: kasan_init right after paging_init (after CMA and the FLATMEM mem_map) ---
  if (platform.arch === "arm" && cfg.CONFIG_KASAN) {
    k.kasan_shadow = arm_kasan_init(L, kasan_vmalloc_enabled(k), !!k.sw["823f606ab6b4"], armLowEnd, memblock, banks, (m) => k.printk("info", m));
  }
  // --- x86_64 setup_arch: kasan_init right after paging_init's sparse_init; from 6.2 (3f148f331814) trap_init's
  // setup_cpu_entry_areas maps each possible CPU's cpu_entry_area shadow — both before mem_init's swiotlb pool.
  // memblock.current_limit is get_max_mapped(), the end of the mapped RAM ---
  if (platform.arch === "x86_64" && cfg.CONFIG_KASAN) {
    const era = { biggerExceptionStacks: !!k.sw["7fae4c24a2b8"], ceaOnDemand: !!k.sw["3f148f331814"], ceaSharedChunk: !!k.sw["1cfaac2400c7"], initGeneric: !!k.sw["e45085f2673b"] };
    // the model's x86_64 CPUs have PSE and GBPAGES (huge shadow blocks). A Xen PV guest's CPUID has neither (Xen's PV
    // policy), but a PV kernel never gets here with KASAN: see boot()'s check
    const kasan = new X86Kasan(era, memblock, ramEnd, { pse: true, gbpages: true });
    kasan.kasan_init(banks, platform.kimage, (m) => k.printk("info", m));
    if (era.ceaOnDemand) kasan.setup_cpu_entry_areas(Math.max(1, cfg.nr_cpus ?? 1));
    k.kasan_shadow = kasan.result;
  }

  // --- swiotlb: arm64 mem_init, x86 pci_swiotlb_detect; ARM32 without LPAE has none ---
  k.swiotlb_force = cfg.swiotlb_force;
  // 32-bit ARM selects SWIOTLB only with ARM_LPAE or XEN (arch/arm/Kconfig, 5.15–6.18): without it
  // swiotlb_force is the SWIOTLB_NO_FORCE define and is_swiotlb_force_bounce() the false stub, so
  // "swiotlb=force" means nothing (it matters from 6.0, when arm32 devices run dma-direct)
  if (platform.arch === "arm") k.swiotlb_force = "noforce";
  let wantSwiotlb = false;
  let x86SwiotlbEnable = false;
  let lowLimit = 4 * GiB;
  // arm64 mem_init's (6.18: arch_mm_preinit's) swiotlb_adjust_size, 6.7+ (65033574ade9): the buffer is kept only for kmalloc bouncing
  let adjustForKmalloc = false;
  if (platform.arch === "arm64") {
    // arch/arm64/mm/init.c mem_init (5.6.4 :562–566, 5.15.178 :472–476, 6.1.166 :454): a pool for swiotlb=force
    // or RAM above the DMA limit — not for Xen, whose xen_mm_init makes a late one (src/xen/init.ts, D25);
    // 6.5+: IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC) sets swiotlb = true
    wantSwiotlb = cfg.swiotlb_force === "force" || max_pfn > dmaEnd / PAGE_SIZE || DMA_BOUNCE_UNALIGNED_KMALLOC(k);
    // 6.7+ (6.12.19 arch/arm64/mm/init.c:368–379, 6.18.35 :341–357): `swiotlb = max_pfn > PFN_DOWN(arm64_dma_phys_limit)`;
    // when that is false and DMA_BOUNCE_UNALIGNED_KMALLOC sets it, the buffer is first cut to 1 MiB per GiB of RAM
    // (swiotlb=force is not part of that test: it still gets the cut)
    adjustForKmalloc = !!k.sw["65033574ade9"] && DMA_BOUNCE_UNALIGNED_KMALLOC(k) && !(max_pfn > Math.floor(dmaEnd / PAGE_SIZE));
    lowLimit = dmaEnd;
    // mem_init's else branch: SWIOTLB_NO_FORCE — in 5.14-rc5 and 5.15.178 (:476) only without Xen (`else if
    // (!xen_swiotlb_detect())`); a Xen dom0 keeps its setting for the late pool of xen_mm_init (5.6.4 and
    // 5.10.7 set NO_FORCE there too, which no swiotlb-xen path reads: not modelled)
    if (!wantSwiotlb && platform.xen === null) k.swiotlb_force = "noforce";
  } else if (platform.arch === "x86_64") {
    // pci_swiotlb_detect_4gb, and pci_xen_swiotlb_detect for a PV initial domain
    wantSwiotlb = cfg.swiotlb_force === "force" || max_pfn > (4 * GiB) / PAGE_SIZE || platform.xen === "pv";
    // the `swiotlb` / x86_swiotlb_enable flag pci_swiotlb_late_init / pci_iommu_init report from: swiotlb=noforce
    // does not clear it (5.15.178 arch/x86/kernel/pci-swiotlb.c:41–55, :68–78; 6.18.35 pci-dma.c:41–63, :178)
    x86SwiotlbEnable = wantSwiotlb;
    // a PV dom0's pool may lie anywhere (xen_swiotlb_fixup exchanges its frames for machine frames
    // below 4 GiB): memblock_alloc, SWIOTLB_ANY from 5.19; bare metal: memblock_alloc_low
    lowLimit = platform.xen === "pv" ? ramEnd : 4 * GiB;
  }
  // swiotlb=noforce: from 5.12 swiotlb_init returns without a pool; 5.6–5.11's allocates the one slab
  // setup_io_tlb_npages left in io_tlb_nslabs (swiotlb_noforce_nslabs) — an ARM dom0's mem_init pool too
  // (5.10.7 arch/arm64/mm/init.c:505–507 calls the same swiotlb_init). A PV dom0 sizes its own pool
  // (xen_pv_swiotlb_nslabs: xen_set_nslabs(1) in 5.6–5.12, the default in 5.13–5.18, none from 5.19)
  const noforceSlabs = cfg.swiotlb_force !== "noforce" ? 0 : platform.xen === "pv" ? xen_pv_swiotlb_nslabs(k) : swiotlb_noforce_nslabs(k);
  if (cfg.swiotlb_force === "noforce" && noforceSlabs === 0) wantSwiotlb = false;
  let swiotlbBase = -1;
  let nslabs = 0;
  // x86_64 (no early_init_fdt_scan_reserved_mem in its setup_arch): the model's restricted-dma-pool is set up here
  initRestricted();
  if (cmaMsg && cmaLate) printCma(cmaMsg);
  // start_kernel, after setup_arch (whose parse_early_param ran the early params above): parse_args of the rest, then
  // print_unknown_bootoptions (5.14+) — before mm_init's mem_init, whose swiotlb lines follow. parse_args runs
  // __setup("slub_debug", setup_slub_debug) (mm/slub.c): its "option '%c' unknown" lines come first
  if (cfg.slub_debug !== undefined) k.slub_debug = setup_slub_debug(k, cfg.slub_debug === true ? null : cfg.slub_debug);
  print_unknown_bootoptions(k, platform, cfg);
  // mem_init (6.7–6.17) / arch_mm_preinit (6.18): swiotlb_adjust_size(min(swiotlb_size_or_default(),
  // DIV_ROUND_UP(memblock_phys_mem_size(), 1024))) before swiotlb_init — also with swiotlb=noforce, whose
  // swiotlb_init_remap then returns without a pool; a swiotlb=<slabs> makes it a no-op
  if (adjustForKmalloc) swiotlb_adjust_size(k, Math.min(swiotlb_size_or_default(k), Math.ceil(memblock.phys_mem_size() / 1024)));
  // (x86 PV: the P2M, which the swiotlb buffer's xen_swiotlb_fixup below exchanges frames in, was built above, in setup_arch)
  if (wantSwiotlb) {
    // default_nslabs after swiotlb= (and 6.0+: one area per possible CPU, the power-of-two round-up)
    nslabs = noforceSlabs || swiotlb_boot_nslabs(k);
    // the pool's metadata right after its buffer: memblock_alloc, anywhere below memblock.current_limit (the top of
    // RAM: arm64 never lowers it, x86 setup_arch sets get_max_mapped())
    // (5.13–5.19 swiotlb=0 asks for 0 bytes of both: memblock_alloc_zero)
    const metaAlloc = (bytes: number, align: number, what: string) => (bytes === 0 ? memblock_alloc_zero(memblock, ramEnd, align) : memblock.tryAlloc(bytes, align, banks[0]!.start, ramEnd, what));
    // memblock_alloc_low's limit: ARCH_LOW_ADDRESS_LIMIT (arm64_dma_phys_limit - 1; x86 0xffffffff), at most x86's
    // memblock.current_limit (get_max_mapped(): the top of RAM); arm64 leaves current_limit at MEMBLOCK_ALLOC_ANYWHERE
    const lowAlloc = (bytes: number) =>
      bytes === 0 ? memblock_alloc_zero(memblock, platform.arch === "x86_64" ? Math.min(lowLimit - 1, ramEnd) : lowLimit - 1, PAGE_SIZE) : memblock.tryAlloc(bytes, PAGE_SIZE, banks[0]!.start, lowLimit, "swiotlb buffer");
    try {
      // the PV dom0's own pool (xen_swiotlb_init / xen_swiotlb_init_early / swiotlb_init_remap with xen_swiotlb_fixup):
      // the buffer and its fixup in one place, with the era's retry; else swiotlb_init / swiotlb_init_remap:
      // memblock_alloc_low(PAGE_ALIGN(bytes), PAGE_SIZE) (5.6.4 swiotlb.c:261; 5.14-rc5 :214, :221; 6.1.166
      // swiotlb_memblock_alloc), and each era's failure (a warning; 6.0+: halve and retry)
      const buf =
        platform.xen === "pv"
          ? xen_pv_swiotlb_alloc(k, nslabs, (bytes, align) => (bytes === 0 ? memblock_alloc_zero(memblock, ramEnd, align) : memblock.tryAlloc(bytes, align, banks[0]!.start, lowLimit, "swiotlb buffer")), (base, bytes) => memblock.free(base, bytes))
          : swiotlb_boot_alloc(k, nslabs, lowAlloc);
      if (buf && swiotlb_boot_metadata(k, buf.nslabs, metaAlloc)) {
        swiotlbBase = buf.base;
        nslabs = buf.nslabs;
      }
    } catch (e) {
      // a panic (or an oops in the idle task) at boot: the run's result, no step run
      if (e instanceof KernelFault) throw new BootFault(e.record, k.klog.map((l) => ({ ...l })));
      throw e;
    }
  }

  // --- the linear map (lowmem only on ARM32) ---
  const blockSizes = platform.arch === "arm" ? [MiB, PAGE_SIZE] : [GiB, 2 * MiB, PAGE_SIZE];
  // x86 PV: the extra memory's PTEs are not present (pte_pfn_to_mfn of INVALID_P2M_ENTRY, arch/x86/xen/mmu_pv.c): not mapped
  const linearBanks = platform.xen === "pv" ? withoutRanges(banks, k.xen!.p2m!.extra.map((r) => ({ start: r.start_pfn * PAGE_SIZE, size: r.n_pfns * PAGE_SIZE }))) : banks;
  for (const b of linearBanks) {
    const end = Math.min(b.start + b.size, normalEnd);
    if (end <= b.start) continue;
    if (platform.arch === "arm" && cmaBase >= 0) {
      // arch/arm dma_contiguous_remap: CMA areas in lowmem are mapped with pages so __dma_remap can change them
      const cmaEnd = cmaBase + cmaSize;
      const parts: [number, number, number[]][] = [[b.start, Math.min(end, cmaBase), blockSizes], [Math.max(b.start, cmaBase), Math.min(end, cmaEnd), [PAGE_SIZE]], [Math.max(b.start, cmaEnd), end, blockSizes]];
      for (const [s, e, sz] of parts) if (e > s) mapRange(pgd, arch.__va(s), s, e - s, sz, "normal");
    } else mapRange(pgd, arch.__va(b.start), b.start, end - b.start, blockSizes, "normal");
  }
  // kernel image mapping (arm64: inside the vmalloc range; x86: __START_KERNEL_map)
  if (platform.arch !== "arm") mapRange(pgd, L.KIMAGE_VADDR, platform.kimage.phys, platform.kimage.size, [2 * MiB, PAGE_SIZE], "normal");
  k.kernel_text = { start: arch.__va(platform.kimage.phys), end: arch.__va(platform.kimage.phys + platform.kimage.size) };

  k.vmalloc = new VmallocSpace(L.VMALLOC_START, L.VMALLOC_END, pgd);
  // IOREMAP_MAX_ORDER: PUD_SHIFT on arm64 / x86_64 (HAVE_ARCH_HUGE_VMAP), the generic 7 + PAGE_SHIFT on the SMP 32-bit ARM board
  k.vmalloc.ioremap_max_order = platform.arch === "arm" ? 7 + 12 : 30;
  if (platform.arch === "arm64") k.vmalloc.get_vm_area(platform.kimage.size, VM_KERNEL_IMAGE, "kernel image (vm_area_add_early)", false);
  k.vmalloc.kasan = kasan_vmalloc_enabled(k);

  // --- zones + buddy: free everything memblock did not reserve ---
  const buddy = new BuddyAllocator(k.memmap, k.sw["7fef431be9c9"] === true);
  k.buddy = buddy;
  const pfn = (x: number) => Math.floor(x / PAGE_SIZE);
  if (dmaEnd > banks[0]!.start) buddy.addZone("DMA", min_pfn, pfn(Math.min(dmaEnd, ramEnd)));
  if (dma32End > Math.max(dmaEnd, banks[0]!.start)) buddy.addZone("DMA32", pfn(Math.max(dmaEnd, banks[0]!.start)), pfn(Math.min(dma32End, ramEnd)));
  const normStart = Math.max(dma32End, dmaEnd, banks[0]!.start);
  if (normalEnd > normStart) buddy.addZone("Normal", pfn(normStart), pfn(normalEnd));
  if (highStart < ramEnd) buddy.addZone("HighMem", pfn(highStart), pfn(ramEnd));
  for (const r of memblock.reserved) if (!r.name.startsWith("CMA")) k.memmap.addRangeFlag(pfn(r.start), pfn(r.start + r.size + PAGE_SIZE - 1), PG_reserved);
  for (const b of banks) {
    let cur = b.start;
    const end = b.start + b.size;
    for (const r of memblock.reserved) {
      if (r.start + r.size <= cur || r.start >= end) continue;
      // __free_memory_core (5.6–6.18): PFN_UP of a free range's start, PFN_DOWN of its end — a page a small
      // reservation shares (6.0+'s swiotlb areas array) is not freed
      if (r.start > cur && Math.ceil(cur / PAGE_SIZE) < pfn(r.start)) buddy.freeRange(Math.ceil(cur / PAGE_SIZE), pfn(r.start));
      cur = Math.max(cur, r.start + r.size);
    }
    if (end > cur) buddy.freeRange(pfn(Math.ceil(cur / PAGE_SIZE) * PAGE_SIZE), pfn(end));
  }
  if (cmaBase >= 0) {
    // cma->name: rmem_cma_setup passes rmem->name, the DT node's name ("linux,cma"); dma_contiguous_reserve's
    // cma_declare_contiguous passes "reserved" (mm/cma.c cma_init_reserved_mem, 5.6.4 :206, 5.15.178 :193, 6.18.35 :236)
    k.dma_contiguous_default_area = new CmaArea(cmaFromNode ? "linux,cma" : "reserved", pfn(cmaBase), cmaSize / PAGE_SIZE);
    k.memmap.addRangeFlag(pfn(cmaBase), pfn(cmaBase + cmaSize), PG_cma);
  }

  // --- x86 PV: mem_init's memblock_free_all is followed by x86_init.hyper.init_after_bootmem = xen_after_bootmem, the
  // first page-allocator user after it (6.14+, e93ec87286bd: the contiguous-region frame list's own page) ---
  if (platform.xen === "pv") xen_after_bootmem(k);

  // --- user address space and the current task ---
  k.user_pgd = new PageTable(L.geometry);
  k.user_mmap_cursor = L.MMAP_BASE;
  // mm_core_init: mem_init (swiotlb_init) runs before kmem_cache_init, so 6.5's __kmalloc_minalign sees the buffer
  // kmem_cache_init: with slub_debug, 5.14+ turns no_hash_pointers on (792702911f58) before the caches are made
  if (k.slub_debug?.enabled && k.sw[SW_SLUB_NO_HASH]) slub_debug_no_hash_pointers(k);
  k.slab = new Slab(kmalloc_caches_of(k, swiotlbBase >= 0));
  // start_kernel: setup_per_cpu_pageset after mm_init (the zones leave boot_pageset)
  buddy.pcp = pcpConfigOf(k);
  setup_per_cpu_pageset(buddy.pcp, buddy.zones);
  const THREAD_SIZE = platform.arch === "arm" ? 8192 : 16384;
  if (platform.arch === "arm") {
    const page = alloc_pages(k, GFP_KERNEL, 1, "kernel stack");
    const start = arch.page_address(k, page);
    k.task_stack = { start, end: start + THREAD_SIZE, vmapped: false, pfns: [arch.page_to_pfn(page), arch.page_to_pfn(page) + 1] };
  } else {
    // CONFIG_VMAP_STACK: the stack is a vmalloc area
    const pages: number[] = [];
    for (let i = 0; i < 4; i++) pages.push(alloc_pages(k, GFP_KERNEL, 0, "kernel stack (vmap)"));
    const vm = vmap(k, pages, VM_ALLOC, "normal", "kernel stack");
    if (vm) {
      vm.pages = pages;
      const pfns: number[] = [];
      for (const p of pages) pfns.push(arch.page_to_pfn(p));
      k.task_stack = { start: vm.addr, end: vm.addr + THREAD_SIZE, vmapped: true, pfns };
    }
  }

  // --- swiotlb_init (mem_init) ---
  if (wantSwiotlb && platform.xen === "pv") {
    if (swiotlbBase >= 0) xen_pv_swiotlb_init(k, swiotlbBase, nslabs);
  }
  // arm64 mem_init: swiotlb_init(1) / SWIOTLB_VERBOSE; x86: not verbose (pci_iommu_init reports it later)
  else if (wantSwiotlb && swiotlbBase >= 0) swiotlb_init_with_tbl(k, swiotlbBase, nslabs, platform.arch !== "x86_64");

  // --- core_initcall (5.6) / postcore_initcall (5.10+): init_per_zone_wmark_min (the watermarks; 5.14+ pcp->high from them) ---
  buddy.min_free_kbytes = init_per_zone_wmark_min(buddy.pcp, buddy.zones, k.sw["ee8eb9a5fe86"] ? 262144 : 65536);

  // --- postcore_initcall: atomic pools ---
  if (platform.arch === "arm64") {
    if (k.sw["e860c299ac0d"]) dma_atomic_pool_init(k);
    else dma_atomic_pool_init_remap(k);
  } else if (platform.arch === "arm") arm_atomic_pool_init(k);

  // --- Xen (xen_mm_init: swiotlb-xen accepts the existing pool, probes GNTTABOP_cache_flush) ---
  if (platform.xen === "arm") {
    k.xen = { kind: "arm", phys_to_mach: [], hypercall_cflush: cfg.xen_cache_flush, initial_domain: true, grants: new Map(), stage2: new Map(), domains: platform.xenDomains ?? null, p2m: null, heap: null };
    xen_mm_init(k);
  }

  // --- subsys_initcall: hugepage_init → start_stop_khugepaged → set_recommended_min_free_kbytes (arm64 defconfig:
  // CONFIG_TRANSPARENT_HUGEPAGE=y, default "always"; x86_64_defconfig and multi_v7 have no THP). pageblock_order =
  // HUGETLB_PAGE_ORDER = 9 with 4 KiB pages. Raises min_free_kbytes, the watermarks and (5.14+) pcp->high. ---
  buddy.min_free_kbytes = hugepage_init(platform.arch === "arm64", buddy.pcp, buddy.zones, buddy.min_free_kbytes, 9);

  // --- dma-debug ---
  if (cfg.CONFIG_DMA_API_DEBUG) dma_debug_init(k, cfg.dma_debug_entries ? { nr_prealloc_entries: cfg.dma_debug_entries } : {});

  // --- devices: of_dma_configure + arch_setup_dma_ops ---
  const xenOps = platform.xen ? xen_swiotlb_dma_ops(k) : null;
  // ARM32: arm_dma_ops until 5.19; 6.0+ (ae626eb97376) no ops, dma-direct
  const armDirect = platform.arch === "arm" && k.sw["ae626eb97376"];
  const armOps = platform.arch === "arm" && !armDirect ? arm_dma_ops() : null;
  const armCoherentOps = platform.arch === "arm" && !armDirect ? arm_coherent_dma_ops() : null;
  const smmu = platform.iommu?.kind === "smmu-v3" ? arm_smmu_device_probe(platform.iommu.name, platform.iommu.oas, platform.iommu.coherent) : null;
  for (const spec of platform.devices) {
    const dev: Device = of_dma_configure(spec);
    if (armDirect) arm_arch_setup_dma_ops_v60(k, dev);
    else if (platform.arch === "arm") dev.dma_ops = dev.dma_coherent ? armCoherentOps : armOps; // arm_get_dma_map_ops(coherent) without LPAE
    if (xenOps) dev.dma_ops = xenOps; // arm64 arch_setup_dma_ops: xen_swiotlb_detect() overrides
    k.devices.set(spec.name, dev);
    if (smmu && spec.iommu_sid !== undefined) iommu_probe_device(k, dev, smmu, spec.iommu_sid);
    if (platform.iommu?.kind === "vt-d" && spec.iommu_sid !== undefined) intel_iommu_probe_device(k, dev, platform.iommu.name, spec.iommu_sid);
    // drivers/of/of_reserved_mem.c → rmem_dma_device_init → dma_init_coherent_memory
    if (spec.coherent_pool) dma_declare_coherent_memory(k, dev, spec.coherent_pool.phys, phys_to_dma(k, dev, spec.coherent_pool.phys), spec.coherent_pool.size);
  }
  // --- x86: pci_swiotlb_late_init (5.6–5.18) / rootfs_initcall pci_iommu_init (5.19+) ---
  if (platform.arch === "x86_64") pci_iommu_init_swiotlb_report(k, platform.xen === "pv", x86SwiotlbEnable);
  void DMA_BIT_MASK;
  return k;
}

/**
 * arm64 kernel memory layout and address conversions (arch/arm64/include/asm/memory.h,
 * arch/arm64/mm/physaddr.c), 4 KiB pages, sizeof(struct page) = 64, the 5.11+ layout
 * (PAGE_OFFSET = -2^VA_BITS, linear map in the lower half of the kernel range, 5.4+), with the
 * per-era differences of Arm64Era.
 */
import { warn_site } from "../../kernel/warn-sites.js";
import type { Arch, Layout } from "../arch.js";
import type { Kernel } from "../../kernel.js";
import { GEOM_ARM64_VA39, GEOM_ARM64_VA48 } from "../../mm/pgtable.js";
import { PAGE_SIZE, hex64, toBig, wrap } from "../../core/u64.js";
import { restricted_pointer } from "../../lib/vsprintf.js";

/** PAGE_SIZE as a literal (a const enum: the bundles inline its members; a module constant is a `var` V8 cannot fold, and x / PAGE_SIZE is a real division) */
const enum Page {
  SIZE = 4096,
}

const SZ_256M = 256 * 1024 * 1024;
const SZ_128M = 128 * 1024 * 1024;
const SZ_2G = 2 * 1024 * 1024 * 1024;
const SZ_8M = 8 * 1024 * 1024;

/** Which arch/arm64/include/asm/memory.h era a kernel is in, from its switches. */
export interface Arm64Era {
  /** 8c96400d6a39 (5.11): VMEMMAP_START = -2^(VA_BITS-6), VMALLOC_END = VMEMMAP_START - 256 MiB */
  vmemmapProjection: boolean;
  /** b89ddf4cca43 (5.15): no 128 MiB BPF JIT region: MODULES_VADDR = PAGE_END */
  noBpfRegion: boolean;
  /** 3e35d303ab7d (6.5): MODULES_VSIZE = SZ_2G (SZ_128M before) */
  modules2G?: boolean;
  /** 32697ff38287 (6.9): VMEMMAP_END = -SZ_1G, VMEMMAP_START = VMEMMAP_END - VMEMMAP_SIZE, VMALLOC_END = VMEMMAP_START - SZ_8M */
  vmemmapBelow1G?: boolean;
  /**
   * __is_lm_address / __lm_to_phys: "physvirt" (5.4–5.9: bit VA_BITS-1 clear; addr + physvirt_offset),
   * "mask" (7bc1a0f9e176, 5.10: bit test; (addr & ~PAGE_OFFSET) + PHYS_OFFSET), "range"
   * (f4693c2716b3, 5.11: [PAGE_OFFSET, PAGE_END); addr - PAGE_OFFSET + PHYS_OFFSET)
   */
  lm: "physvirt" | "mask" | "range";
}

export function arm64Era(has: (commit: string) => boolean): Arm64Era {
  return {
    vmemmapProjection: has("8c96400d6a39"),
    noBpfRegion: has("b89ddf4cca43"),
    modules2G: has("3e35d303ab7d"),
    vmemmapBelow1G: has("32697ff38287"),
    lm: has("f4693c2716b3") ? "range" : has("7bc1a0f9e176") ? "mask" : "physvirt",
  };
}

const ERA_511: Arm64Era = { vmemmapProjection: true, noBpfRegion: false, lm: "range" };

/**
 * arch/arm64/include/asm/memory.h + pgtable.h layouts (VA_BITS 48/39, 4 KiB pages): 5.4–5.10 put
 * the vmemmap just below the top 2 MiB (VMEMMAP_START = -VMEMMAP_SIZE - SZ_2M, VMALLOC_END =
 * -PUD_SIZE - VMEMMAP_SIZE - SZ_64K); 8c96400d6a39 (5.11) moved it to -2^(VA_BITS-6) with
 * VMALLOC_END 256 MiB below it; b89ddf4cca43 (5.15) dropped the 128 MiB BPF JIT region below the
 * modules, so MODULES_VADDR = PAGE_END and the kernel image / vmalloc start 128 MiB lower;
 * 3e35d303ab7d (6.5) made MODULES_VSIZE 2 GiB, so they start at PAGE_END + 2 GiB; 32697ff38287
 * (6.9) ends the vmemmap 1 GiB below the top (VMEMMAP_END = -SZ_1G) with VMALLOC_END 8 MiB below it.
 * Recorded against the real headers by tools/kernel-vectors/addr (test/vectors/addr).
 * With generic KASAN (`kasan`) the shadow, 2^(VA_BITS-3) bytes, takes room per era: 5.4–5.10
 * put it above the linear map (KASAN_SHADOW_END = 2^61 + KASAN_SHADOW_OFFSET = _PAGE_END + 2^(VA_BITS-3);
 * BPF_JIT_REGION_START = KASAN_SHADOW_END, so the BPF region, modules, kernel image and vmalloc
 * start that much higher — 5.6.4 asm/memory.h:50–54, :79–84, 5.10.7 :47–51, :77–82); from 5.11 (f4693c2716b3,
 * the "range" era) it is the top of the linear region: PAGE_END = KASAN_SHADOW_START
 * (0xffff600000000000 for VA_BITS 48) and nothing above it moves (5.12.9 :79, 5.15.178 :76, 6.18.35 :106).
 */
export function arm64Layout(vaBits: number, memstart: number, kimagePhys: number, kimageSize: number, era: Arm64Era = ERA_511, kasan = false): Layout {
  const PAGE_OFFSET = -(2 ** vaBits);
  const _PAGE_END = -(2 ** (vaBits - 1));
  const KASAN_SHADOW_SIZE = kasan ? 2 ** (vaBits - 3) : 0;
  const shadowInLinear = era.lm === "range";
  const PAGE_END = shadowInLinear ? _PAGE_END - KASAN_SHADOW_SIZE : _PAGE_END;
  const VMEMMAP_SIZE = (_PAGE_END - PAGE_OFFSET) / 64;
  const VMEMMAP_START = era.vmemmapBelow1G ? -(2 ** 30) - VMEMMAP_SIZE : era.vmemmapProjection ? -(2 ** (vaBits - 6)) : -VMEMMAP_SIZE - 2 * 1024 * 1024;
  const aboveLinear = shadowInLinear ? _PAGE_END : _PAGE_END + KASAN_SHADOW_SIZE; // _PAGE_END(VA_BITS_MIN), or KASAN_SHADOW_END before 5.11
  const MODULES_VADDR = era.noBpfRegion ? aboveLinear : aboveLinear + SZ_128M;
  const MODULES_END = MODULES_VADDR + (era.modules2G ? SZ_2G : SZ_128M);
  return {
    PAGE_OFFSET,
    LINEAR_END: PAGE_END,
    VMALLOC_START: MODULES_END,
    VMALLOC_END: era.vmemmapBelow1G ? VMEMMAP_START - SZ_8M : era.vmemmapProjection ? VMEMMAP_START - SZ_256M : -(2 ** 30) - VMEMMAP_SIZE - 65536,
    VMEMMAP_START,
    VMEMMAP_END: VMEMMAP_START + VMEMMAP_SIZE,
    // vmemmap = (struct page *)VMEMMAP_START - (memstart_addr >> PAGE_SHIFT)
    memmap_base: VMEMMAP_START - (memstart / PAGE_SIZE) * 64,
    STRUCT_PAGE_SIZE: 64,
    KIMAGE_VADDR: MODULES_END,
    KIMAGE_SIZE: kimageSize,
    kimage_phys: kimagePhys,
    MMAP_BASE: 0xffff_b000_0000, // below the user stack in a 48-bit user VA space
    geometry: vaBits === 39 ? GEOM_ARM64_VA39 : GEOM_ARM64_VA48,
    PHYS_OFFSET: memstart,
  };
}

/** Generic KASAN's shadow geometry: where kasan_mem_to_shadow puts the shadow of each address. */
export interface KasanShadow {
  /** KASAN_SHADOW_OFFSET: shadow(addr) = (addr >> KASAN_SHADOW_SCALE_SHIFT) + KASAN_SHADOW_OFFSET */
  offset: bigint;
  /** [KASAN_SHADOW_START, KASAN_SHADOW_END): the shadow of the kernel half */
  start: bigint;
  end: bigint;
  /** TASK_SIZE in kernel context: TASK_SIZE_64 = 1 << vabits_actual */
  task_size: bigint;
}

/**
 * arch/arm64/Kconfig KASAN_SHADOW_OFFSET for KASAN_GENERIC, 4 KiB pages (0xdfff800000000000 for
 * VA_BITS 48, 0xdfffffc000000000 for 39: the same defaults 5.15.178 → 6.18.35), and asm/memory.h
 * KASAN_SHADOW_END = (1 << (64 - 3)) + offset, KASAN_SHADOW_START = END - (1 << (VA_BITS - 3));
 * asm/processor.h TASK_SIZE_64 = 1 << vabits_actual.
 */
export function arm64KasanShadow(vaBits: number, shadowInLinear = true): KasanShadow {
  // 5.4–5.10 (shadow above the linear map): 0xdfffa00000000000 / 0xdfffffd000000000 (5.6.4, 5.10.7 arch/arm64/Kconfig:314, :335)
  const offset = shadowInLinear ? (vaBits === 39 ? 0xdfffffc000000000n : 0xdfff800000000000n) : vaBits === 39 ? 0xdfffffd000000000n : 0xdfffa00000000000n;
  const end = BigInt.asUintN(64, (1n << 61n) + offset);
  return { offset, start: end - (1n << BigInt(vaBits - 3)), end, task_size: 1n << BigInt(vaBits) };
}

export class Arm64 implements Arch {
  readonly name = "arm64" as const;
  readonly allDmaCoherent = false;
  /** kimage_voffset = KIMAGE_VADDR - kernel load address */
  readonly kimage_voffset: number;
  private readonly lmBit: bigint;
  constructor(readonly L: Layout, readonly era: Arm64Era = ERA_511) {
    this.kimage_voffset = L.KIMAGE_VADDR - L.kimage_phys;
    this.lmBit = 1n << BigInt(Math.round(Math.log2(-L.PAGE_OFFSET)) - 1); // BIT(vabits_actual - 1)
  }

  /**
   * asm/memory.h __is_lm_address: 5.11+ (f4693c2716b3) the range [PAGE_OFFSET, PAGE_END); 5.4–5.10
   * only bit VA_BITS-1 clear — so a user-half address also counts as "linear" there.
   */
  __is_lm_address(a: number): boolean {
    if (this.era.lm === "range") return this.is_linear(a);
    return (toBig(a) & this.lmBit) === 0n;
  }

  /** asm/memory.h __lm_to_phys, per era (identical on real linear-map addresses) */
  __lm_to_phys(a: number): number {
    const L = this.L;
    if (this.era.lm === "range") return a - L.PAGE_OFFSET + L.PHYS_OFFSET;
    if (this.era.lm === "mask") return wrap(Number(BigInt.asUintN(64, toBig(a) & ~toBig(L.PAGE_OFFSET))) + L.PHYS_OFFSET);
    // 5.4–5.9: addr + physvirt_offset, physvirt_offset = PHYS_OFFSET - PAGE_OFFSET (mod 2^64)
    return Number(BigInt.asIntN(64, toBig(a) + BigInt(L.PHYS_OFFSET) - toBig(L.PAGE_OFFSET)));
  }

  fmtVa(a: number): string {
    return hex64(a);
  }

  /** The generic KASAN shadow of this layout's VA_BITS (PAGE_OFFSET = -2^VA_BITS) */
  kasanShadow(): KasanShadow {
    return arm64KasanShadow(Math.round(Math.log2(-this.L.PAGE_OFFSET)), this.era.lm === "range");
  }

  /** __is_lm_address (arch/arm64/include/asm/memory.h, 5.11+) */
  is_linear(a: number): boolean {
    return a >= this.L.PAGE_OFFSET && a < this.L.LINEAR_END;
  }

  /** __va / phys_to_virt */
  __va(phys: number): number {
    return phys - this.L.PHYS_OFFSET + this.L.PAGE_OFFSET;
  }

  /** __virt_to_phys_nodebug: __is_lm_address ? __lm_to_phys : __kimg_to_phys (a - kimage_voffset) */
  __virt_to_phys_nodebug(a: number): number {
    return this.__is_lm_address(a) ? this.__lm_to_phys(a) : wrap(a - this.kimage_voffset);
  }

  /**
   * arch/arm64/mm/physaddr.c __virt_to_phys (CONFIG_DEBUG_VIRTUAL, 5.6–6.18; physaddr.c:12 in every tree):
   * WARN(!__is_lm_address(x), "virt_to_phys used for non-linear address: %pK (%pS)\n", x, x) — %p from
   * 6.18. %pK with the default kptr_restrict=0 is %p (restricted_pointer, 5.6.4 lib/vsprintf.c:816–822 →
   * ptr_to_id): "00000000" and 8 hash digits, the address itself with no_hash_pointers (5.12+); 6.18's %p
   * the same. %pS as kallsyms prints an address that is no symbol, "0x%lx" — raw (the model's DMA
   * buffers, vmap areas and stacks are none).
   */
  virt_to_phys(k: Kernel, a: number): number {
    if (k.cfg.CONFIG_DEBUG_VIRTUAL && !this.__is_lm_address(a)) {
      const v = BigInt.asUintN(64, BigInt(a)).toString(16);
      k.warn(`virt_to_phys used for non-linear address: ${restricted_pointer(k, a)} (0x${v})`, "__virt_to_phys", warn_site(k, "__virt_to_phys:arm64"));
    }
    return this.__virt_to_phys_nodebug(a);
  }

  /**
   * virt_to_page (asm/memory.h, 5.11–5.19): without DEBUG_VIRTUAL pure arithmetic from
   * PAGE_OFFSET into VMEMMAP_START; with it, pfn_to_page(virt_to_pfn(a)) through the checked
   * __virt_to_phys (WARN + kimage translation for non-linear addresses).
   */
  virt_to_page(k: Kernel, a: number): number {
    if (k.cfg.CONFIG_DEBUG_VIRTUAL) return this.pfn_to_page(Math.floor(this.virt_to_phys(k, a) / PAGE_SIZE));
    const off = wrap(a - this.L.PAGE_OFFSET);
    const idx = Math.floor((off < 0 ? off + 2 ** 64 : off) / PAGE_SIZE);
    return wrap(this.L.VMEMMAP_START + idx * 64);
  }

  /** page_to_pfn (SPARSEMEM_VMEMMAP): (page - vmemmap) / sizeof(struct page) */
  page_to_pfn(page: number): number {
    return Math.floor((page - this.L.memmap_base) / 64);
  }

  /** pfn_to_page (SPARSEMEM_VMEMMAP) */
  pfn_to_page(pfn: number): number {
    return wrap(this.L.memmap_base + pfn * 64);
  }

  /** page_address → page_to_virt (arm64, 5.11+): PAGE_OFFSET + index from VMEMMAP_START, no dereference without KASAN tags */
  page_address(_k: Kernel, page: number): number {
    const idx = Math.floor((page - this.L.VMEMMAP_START) / 64);
    return wrap(this.L.PAGE_OFFSET + idx * PAGE_SIZE);
  }

  /** virt_addr_valid = __is_lm_address && pfn_is_map_memory(virt_to_pfn) */
  virt_addr_valid(k: Kernel, a: number): boolean {
    return this.__is_lm_address(a) && k.pfn_valid(Math.floor(this.__virt_to_phys_nodebug(a) / Page.SIZE));
  }

  /** arch/arm64/mm/fault.c die_kernel_fault (5.6–6.18): its first line, "Unable to handle kernel %s at virtual address %016lx", with the %s __do_kernel_fault picks */
  oopsText(_k: Kernel, a: number, _write: boolean): string {
    const va = hex64(a).slice(2); // %016lx
    if (a >= 0 && a < PAGE_SIZE) return `Unable to handle kernel NULL pointer dereference at virtual address ${va}`;
    // show_pte: a user-half address faulting in kernel context with init_mm
    return `Unable to handle kernel paging request at virtual address ${va}`;
  }

  /**
   * arch/arm64/mm/fault.c show_pte (5.6–5.19), after die_kernel_fault's first line (and the
   * "Mem abort info" block, not modelled): a TTBR0 address with active_mm == &init_mm prints one
   * line and returns; the page-table dump of a kernel address is not modelled.
   */
  oopsMore(_k: Kernel, a: number): string[] {
    return a >= 0 ? [`[${hex64(a).slice(2)}] user address but active_mm is swapper`] : [];
  }
}

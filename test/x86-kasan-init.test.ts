import { ConfigNotAvailable } from "../src/core/faults.js";
/**
 * G5 on x86_64: arch/x86/mm/kasan_init_64.c kasan_init takes the shadow of the linear map (every
 * pfn_mapped range), of the CPU entry area and of the kernel image from memblock, with 2 MiB (PSE) and
 * 1 GiB (GBPAGES) blocks where a whole aligned block of shadow fits, right after sparse_init — so the
 * swiotlb pool (mem_init → pci_iommu_alloc) lands below it. Until 6.2 the CPU entry area's shadow is
 * NR_CPUS (64) areas wide; from 6.2 (3f148f331814; 5.15.178 as a backport) trap_init maps each possible
 * CPU's on demand. Every address below is derived by hand from the kernel's code (docs/verified-facts.md
 * "G5 on x86_64").
 *
 * Common ground, x86_64 with mem=2G: memblock.memory [1 MiB, 2 GiB), the kernel image [16 MiB, 48 MiB),
 * sparse_init's memmap for sections 0..15: 16 × 2 MiB at [0x7e000000, 0x80000000) (D20). pfn_mapped is
 * [0, 2 GiB) (the ISA MiB merged with RAM). Shadow addresses (kasan_mem_to_shadow(a) = (a >> 3) +
 * 0xdffffc0000000000): PAGE_OFFSET 0xffff888000000000 → S0 = 0xffffed1000000000 (1 GiB aligned), so
 * RAM's shadow is [S0, S0 + 256 MiB) = 128 whole aligned PMDs: one pmd-table page (the PUD at S0 is
 * none; the p4d table exists from the first early-shadow call), then 128 early_alloc(PMD_SIZE).
 * The kernel image [0xffffffff81000000, 0xffffffff83000000) → [0xfffffbfff0200000, 0xfffffbfff0600000):
 * two 2 MiB blocks (its pmd table comes from the early shadow up to shadow(__START_KERNEL_map) =
 * 0xfffffbfff0000000). Early-shadow tables: 1 for [0xffffec0000000000, S0) (a partial p4d), 1 for
 * [shadow(PAGE_OFFSET + 2^46) = 0xfffff51000000000, shadow(VMALLOC_START) = 0xfffff52000000000) (partial
 * p4d), 3 for [.., shadow(VMALLOC_END) = 0xfffff91fffffffff) (its last p4d, pud and pmd are partial),
 * 1 for [0xfffff92000000000, 0xfffffbc000000000) (the p4d 0xfffffb8000000000), 1 after the CPU entry
 * area (the partial PUD [0xfffffbffc0000000, 0xfffffbfff0000000)). All calls are top-down from
 * current_limit = 2 GiB with the 16 MiB floor; one-page calls take the highest free page.
 */
import { describe, expect, it } from "vitest";
import { bootK, runYaml } from "./helpers.js";
import { CPU_ENTRY_AREA_SIZE, X86_NR_CPUS, kasan_mem_to_shadow, pfn_mapped } from "../src/arch/x86/kasan_init.js";
import type { X86KasanInitResult } from "../src/arch/x86/kasan_init.js";
import { ARCH_SWITCHES } from "../src/switches/arch.js";

type K = ReturnType<typeof bootK>;
const MiB = 1024 * 1024;
const at = (k: K, name: string) => k.memblock.reserved.filter((r) => r.name === name).map((r) => [r.start, r.size]);
const swiotlb = (k: K) => at(k, "swiotlb buffer")[0]![0];
const shadow = (k: K) => k.kasan_shadow as X86KasanInitResult;
/** the n 2 MiB blocks a top-down walk takes from `top` down */
const blocksDown = (top: number, n: number, size = 2 * MiB) => Array.from({ length: n }, (_, i) => ({ start: top - (i + 1) * size, size }));
const FORCE = { mem: "2G", swiotlb: "force" };

describe("x86_64 kasan_init: the geometry the walk starts from", () => {
  it("kasan_mem_to_shadow of the x86_64 regions, the ISA MiB merged into pfn_mapped, sizeof(struct cpu_entry_area) per era, NR_CPUS 64", () => {
    expect(kasan_mem_to_shadow(0xffff888000000000n)).toBe(0xffffed1000000000n);
    expect(kasan_mem_to_shadow(0xfffffe0000000000n)).toBe(0xfffffbc000000000n); // CPU_ENTRY_AREA_BASE
    expect(kasan_mem_to_shadow(0xffffffff81000000n)).toBe(0xfffffbfff0200000n); // _stext of the model's image
    expect(kasan_mem_to_shadow(0xffffffffff000000n)).toBe(0xfffffbffffe00000n); // MODULES_END
    // init_memory_mapping(0, ISA_END_ADDRESS) + [1 MiB, 3 GiB) merge (add_range_with_merge), [4 GiB, 9 GiB) stays apart
    expect(pfn_mapped([{ start: MiB, size: 3 * 1024 * MiB - MiB }, { start: 4 * 1024 * MiB, size: 5 * 1024 * MiB }])).toEqual([
      { start: 0n, end: 3n << 30n },
      { start: 4n << 30n, end: 9n << 30n },
    ]);
    // gdt 1 + entry stack 1 + tss 5 + (7 guards + 6 stacks × 2|4) + debug store 1 + BTS/PEBS 32 pages
    expect(CPU_ENTRY_AREA_SIZE(false)).toBe(0x3b000n); // (1+1+5+7+12+1+32) pages = 59
    expect(CPU_ENTRY_AREA_SIZE(true)).toBe(0x47000n); // 7fae4c24a2b8: (1+1+5+7+24+1+32) = 71
    expect(X86_NR_CPUS).toBe(64);
  });
});

describe("G5 on x86_64: kasan_init's memblock allocations move the swiotlb pool (mem=2G, swiotlb=force)", () => {
  it("5.10: without KASAN the pool sits under the memmap at 0x7a000000; with it at 0x69a00000, under 256 MiB + 4 MiB of 2 MiB shadow blocks", () => {
    const off = bootK("x86_64", "5.10", FORCE);
    const on = bootK("x86_64", "5.10", { ...FORCE, CONFIG_KASAN: "y" });
    expect(off.kasan_shadow).toBeNull();
    // 0x7e000000 (memmap) - 64 MiB
    expect(swiotlb(off)).toBe(0x7a00_0000);
    // CPU entry area (NR_CPUS = 64, 0x3b000 each): [0xfffffbc000000000, round_up(shadow(BASE + 0x1000 + 64 × 0x3b000)))
    //   = 0xec1000 >> 3 = 0x1d8200 → 0x1d9000: one pmd-table page (the pud at 0xfffffbc000000000 is none), one pte-table page (not a whole PMD), 0x1d9 = 473 pages.
    // Call order: 1 page (early shadow), 1 page (RAM's pmd table), 128 × 2 MiB, 1 + 3 + 1 + 475 + 1 pages, 2 × 2 MiB.
    //   pages: 0x7dfff000, 0x7dffe000 (under the memmap)
    //   128 blocks: the first aligned 2 MiB below 0x7dffe000 is [0x7dc00000, 0x7de00000), down to 0x6de00000
    //   481 pages: the highest free ones, in the gap [0x7de00000, 0x7dffe000): [0x7dffe000 - 481 × 4 KiB = 0x7de1d000, 0x7dffe000)
    //   2 blocks: below 0x6de00000 — [0x6dc00000, 0x6de00000), [0x6da00000, 0x6dc00000)
    // the pool: the highest free 64 MiB below 4 GiB is under 0x6da00000: 0x69a00000 (the gap's 29 pages are too small)
    expect(swiotlb(on)).toBe(0x69a0_0000);
    const s = shadow(on);
    expect(s.blocks).toEqual([...blocksDown(0x7de0_0000, 128), ...blocksDown(0x6de0_0000, 2)]);
    expect(s.ranges.filter((r) => r.size !== 2 * MiB)).toEqual([{ start: 0x7dff_e000, size: 0x2000 }, { start: 0x7de1_d000, size: 481 * 4096 }]);
    // 130 blocks × 512 + 473 CPU entry area pages; tables 1 + 1 + 1 + 3 + 1 + 2 + 1
    expect([s.shadowPages, s.tablePages]).toEqual([130 * 512 + 473, 10]);
    expect(on.memblock.owner(0x7de1_c000)).toBeUndefined();
    expect(on.memblock.owner(0x7de1_d000)).toBe("KASAN shadow (kasan_init)");
    // the first pfn under the memmap is the shadow's, not free
    expect(on.memblock.owner(0x7dff_f000)).toBe("KASAN shadow (kasan_init)");
  });

  it("6.1 (EXCEPTION_STKSZ 16 KiB, 7fae4c24a2b8; the NR_CPUS shadow still at kasan_init): the CPU entry area's first PMD is a whole 2 MiB block, so the pool moves 2 MiB further, to 0x69800000", () => {
    const on = bootK("x86_64", "6.1", { ...FORCE, CONFIG_KASAN: "y" });
    // CPU entry area: 0x1000 + 64 × 0x47000 = 0x11c1000, >> 3 = 0x238200 → 0x239000: [0, 2 MiB) whole → early_alloc(PMD_SIZE),
    // then a pte table + 0x39 = 57 pages. Order: 2 pages, 128 blocks, 1 + 3 + 1 + 1 (the cea pmd table) pages, 1 block (cea),
    // 1 (pte table) + 57 + 1 pages, 2 blocks.
    //   6 pages: [0x7dff8000, 0x7dffe000); the cea block: the gap [0x7de00000, 0x7dff8000) has no whole aligned 2 MiB → [0x6dc00000, 0x6de00000)
    //   59 pages: [0x7dff8000 - 59 × 4 KiB = 0x7dfbd000, 0x7dff8000); the image: [0x6da00000, 0x6dc00000), [0x6d800000, 0x6da00000)
    expect(shadow(on).blocks).toEqual([...blocksDown(0x7de0_0000, 128), ...blocksDown(0x6de0_0000, 3)]);
    expect(shadow(on).ranges.filter((r) => r.size !== 2 * MiB)).toEqual([
      { start: 0x7dff_e000, size: 0x2000 },
      { start: 0x7dff_8000, size: 0x6000 },
      { start: 0x7dfb_d000, size: 59 * 4096 },
    ]);
    expect([shadow(on).shadowPages, shadow(on).tablePages]).toEqual([131 * 512 + 57, 10]);
    // 0x6d800000 - 64 MiB
    expect(swiotlb(on)).toBe(0x6980_0000);
    expect(swiotlb(bootK("x86_64", "6.1", FORCE))).toBe(0x7a00_0000);
  });

  it("6.6 (3f148f331814 + 1cfaac2400c7): kasan_init maps only the shared first page of the CPU entry area; trap_init maps each possible CPU's, before the pool", () => {
    const on = bootK("x86_64", "6.6", { ...FORCE, CONFIG_KASAN: "y" });
    // kasan_init: 2 pages, 128 blocks, 1 + 3 + 1 pages, shared chunk [0xfffffbc000000000, round_up(shadow(BASE + 0x1000)) = +0x1000):
    // pmd table + pte table + 1 page, then 1 page (after the area: cea_end = shadow(BASE + P4D_SIZE) = 0xfffffbd000000000), 2 blocks
    //   → pages [0x7dff5000, 0x7dffe000) + [0x7dffe000, 0x7e000000); blocks as on 5.10
    expect(at(on, "KASAN shadow (kasan_init)").filter((r) => r[1] !== 2 * MiB)).toEqual([[0x7dff_5000, 0x9000], [0x7dff_e000, 0x2000]]);
    // setup_cpu_entry_area(0): [round_down(shadow(BASE + 0x1000)), round_up(shadow(BASE + 0x48000))) = [+0, +0x9000): page 0
    // is the shared chunk's, 8 new pages → [0x7dfed000, 0x7dff5000)
    expect(at(on, "KASAN shadow (cpu_entry_area)")).toEqual([[0x7dfe_d000, 0x8000]]);
    expect([shadow(on).shadowPages, shadow(on).tablePages]).toEqual([130 * 512 + 1 + 8, 10]);
    expect(swiotlb(on)).toBe(0x69a0_0000);
    // nr_cpus 2: CPU 1's area at BASE + 0x48000 → shadow [+0x9000, round_up(+0x8f000 >> 3 = +0x11e00) = +0x12000): 9 more pages
    const two = bootK("x86_64", "6.6", { ...FORCE, CONFIG_KASAN: "y", nr_cpus: "2" });
    expect(at(two, "KASAN shadow (cpu_entry_area)")).toEqual([[0x7dfe_4000, 0x11000]]);
  });

  it("5.15.178 (the 3f148f331814 backport without 1cfaac2400c7): nothing of the CPU entry area at kasan_init; CPU 0's area at trap_init with its own pmd and pte tables", () => {
    const on = bootK("x86_64", "5.15", { ...FORCE, CONFIG_KASAN: "y" });
    // kasan_init: 1 + 1 + 1 + 3 + 1 + 1 = 8 pages → [0x7dff8000, 0x7e000000)
    expect(at(on, "KASAN shadow (kasan_init)").filter((r) => r[1] !== 2 * MiB)).toEqual([[0x7dff_8000, 0x6000], [0x7dff_e000, 0x2000]]);
    // CPU 0: the PUD 0xfffffbc000000000 is none (pmd table), its PMD too (pte table), 9 pages → 11 pages [0x7dfed000, 0x7dff8000)
    expect(at(on, "KASAN shadow (cpu_entry_area)")).toEqual([[0x7dfe_d000, 0xb000]]);
    expect([shadow(on).shadowPages, shadow(on).tablePages]).toEqual([130 * 512 + 9, 10]);
    expect(swiotlb(on)).toBe(0x69a0_0000);
  });

  it("GBPAGES: with 16 GiB the shadow of RAM [8 GiB, 16 GiB) is a whole aligned GiB, one early_alloc(PUD_SIZE) at 0x380000000", () => {
    // banks [1 MiB, 3 GiB) + [4 GiB, 17 GiB); memmap 128 sections × 2 MiB at [0x430000000, 0x440000000).
    // RAM [0, 3 GiB): 192 blocks; [4 GiB, 17 GiB) → [S0 + 512 MiB, S0 + 2176 MiB): 256 blocks in the PUD at S0, the whole PUD
    // [S0 + 1 GiB, S0 + 2 GiB) as one 1 GiB block, then a pmd table and 64 blocks. The 448 blocks end at
    // 0x42fe00000 - 448 × 2 MiB = 0x3f7e00000; the highest 1 GiB-aligned free GiB below is [0x380000000, 0x3c0000000)
    const k = bootK("x86_64", "5.10", { mem: "16G", CONFIG_KASAN: "y" });
    const s = shadow(k);
    expect(s.blocks.filter((b) => b.size === 1024 * MiB)).toEqual([{ start: 0x3_8000_0000, size: 1024 * MiB }]);
    expect(s.blocks.length).toBe(192 + 256 + 1 + 64 + 2);
    expect(s.blocks[448]).toEqual({ start: 0x3_8000_0000, size: 1024 * MiB });
    // the 64 blocks after it fill [0x3efe00000, 0x3f7e00000) top-down
    expect(s.blocks.slice(449, 513)).toEqual(blocksDown(0x3_f7e0_0000, 64));
    // above 4 GiB: the pool (below 4 GiB) does not move
    expect(swiotlb(k)).toBe(swiotlb(bootK("x86_64", "5.10", { mem: "16G" })));
  });

  it("the boot log: kasan_init's closing pr_info per version's format string (6.18: kasan_init_generic's), at step -1, KERN_INFO, before the pool's line", () => {
    const doc = (v: string, kasan: string) => `name: k\nplatform: x86_64\nkernel: "${v}"\nconfig: { mem: 2G, swiotlb: force, CONFIG_KASAN: ${kasan} }\nsteps:\n  - { op: kmalloc, size: 64, as: b }\n`;
    const log = (v: string, kasan = "y") => (runYaml(doc(v, kasan)).log ?? []).map((l) => [l.step, l.level, l.message]);
    // x86's pci_swiotlb_init calls swiotlb_init(0), not verbose; pci_swiotlb_late_init reports the pool later
    // (5.10.7 arch/x86/kernel/pci-swiotlb.c:68–78; 6.18.35 pci-dma.c pci_iommu_init :179–180)
    const late = (pool: string) => [[-1, "info", "PCI-DMA: Using software bounce buffering for IO (SWIOTLB)"], [-1, "info", `software IO TLB: mapped [mem ${pool}] (64MB)`]];
    expect(log("5.10")).toEqual([[-1, "info", "kasan: KernelAddressSanitizer initialized"], ...late("0x0000000069a00000-0x000000006da00000")]);
    expect(log("5.10", "n")).toEqual(late("0x000000007a000000-0x000000007e000000"));
    expect(log("6.12")[0]).toEqual([-1, "info", "kasan: KernelAddressSanitizer initialized"]);
    expect(log("6.18")).toEqual([
      [-1, "info", "KernelAddressSanitizer initialized (generic)"],
      [-1, "info", "software IO TLB: area num 1."],
      ...late("0x0000000069a00000-0x000000006da00000"),
    ]);
    // the switch is the commit that landed, mainline e45085f2673b: Sabyrzhan Tasbolatov's v6 2/2 "kasan: call
    // kasan_init_generic in kasan_init" (one commit for arm, arm64, riscv, s390, x86 and xtensa; the per-arch
    // "kasan/x86: …" patches of v2–v4 were squashed into it), in the 6.18 MM pull
    expect(ARCH_SWITCHES["e45085f2673b"]?.release).toBe("6.18");
    expect(Object.keys(ARCH_SWITCHES).filter((id) => id.startsWith("kasan/x86:"))).toEqual([]);
    expect(log("6.18", "n")).toEqual([[-1, "info", "software IO TLB: area num 1."], ...late("0x000000007a000000-0x000000007e000000")]);
  });

  it("a bounced dma_map_single lands in the moved pool: slot 0 at 0x69a00000 with KASAN, 0x7a000000 without (6.6)", () => {
    const doc = (kasan: string) =>
      `name: k\nplatform: x86_64\nkernel: "6.6"\nconfig: { mem: 2G, swiotlb: force, CONFIG_KASAN: ${kasan} }\nsteps:\n  - { op: kmalloc, size: 4096, as: b }\n  - { op: cpu_write, buf: b, data: "bounce" }\n  - { op: dma_map_single, buf: b, size: 4096, dir: DMA_TO_DEVICE, as: m }\n  - { op: device_read, map: m, length: 6, expect: { data: "bounce" } }\n`;
    for (const [kasan, addr] of [["y", "0x69a00000"], ["n", "0x7a000000"]] as const) {
      const r = runYaml(doc(kasan));
      expect(r.ok, r.first_failure ?? "").toBe(true);
      expect(r.steps[2]!.result.dma_addr, kasan).toBe(addr);
    }
  });

  it("x86_64 PV dom0: a KASAN kernel does not boot (kasan_early_init only from x86_64_start_kernel): N/A, not a silent boot", () => {
    for (const v of ["5.10", "6.18"]) {
      let err: unknown = null;
      try { bootK("x86_64-xen-pv", v, { CONFIG_KASAN: "y" }); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(ConfigNotAvailable);
      expect((err as Error).message).toMatch(/does not boot as a Xen PV domain/);
    }
    // bare metal with the same 4 GiB boots and has its 2 MiB shadow blocks (PSE)
    expect(shadow(bootK("x86_64", "6.18", { mem: "4G", CONFIG_KASAN: "y" })).blocks.length).toBeGreaterThan(0);
    expect(swiotlb(bootK("x86_64-xen-pv", "6.18"))).toBe(0x1_3c06_1000);
  });
});

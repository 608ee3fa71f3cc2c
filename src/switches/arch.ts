/** Behaviour switches of arch/: memory layout and cache maintenance (arm64, arm, x86). One entry per upstream commit; see src/versions.ts. */
import type { Switch } from "../versions.js";

export const ARCH_SWITCHES: Record<string, Switch> = {
  "8c96400d6a39": {
    commit: "8c96400d6a39",
    title: "arm64: mm: make vmemmap region a projection of the linear region",
    release: "5.11",
    effect: "arm64 VMEMMAP_START moves from -VMEMMAP_SIZE - 2 MiB (0xfffffdffffe00000 with VA48) to -2^(VA_BITS-6) (0xfffffc0000000000): virt_to_page of a vmalloc address lands past VMEMMAP_END instead of wrapping into the user half",
  },
  "7bc1a0f9e176": {
    commit: "7bc1a0f9e176",
    title: "arm64: mm: use single quantity to represent the PA to VA translation",
    release: "5.10",
    effect: "arm64 __lm_to_phys(addr) = (addr & ~PAGE_OFFSET) + PHYS_OFFSET instead of addr + physvirt_offset (the same for linear-map addresses, different for a user-half address, which __is_lm_address still calls linear)",
  },
  "f4693c2716b3": {
    commit: "f4693c2716b3",
    title: "arm64: mm: extend linear region for 52-bit VA configurations",
    release: "5.11",
    effect: "arm64 __is_lm_address(addr) is the range check addr - PAGE_OFFSET < PAGE_END - PAGE_OFFSET (before: bit VA_BITS-1 clear, true for user-half addresses) and __lm_to_phys(addr) = addr - PAGE_OFFSET + PHYS_OFFSET",
  },
  "b89ddf4cca43": {
    commit: "b89ddf4cca43",
    title: "arm64/bpf: Remove 128MB limit for BPF JIT programs",
    release: "5.15",
    effect: "arm64 has no BPF JIT region below the modules: MODULES_VADDR = PAGE_END (0xffff800000000000 with VA48), so KIMAGE_VADDR and VMALLOC_START are 128 MiB lower (0xffff800008000000)",
  },
  "8424ecdde7df": {
    commit: "8424ecdde7df",
    title: "arm64: mm: Set ZONE_DMA size based on devicetree's dma-ranges",
    release: "5.11",
    effect: "arm64 zone_dma_bits = min3(32, fls64(of_dma_get_max_cpu_address(NULL)), IORT) instead of ARM64_ZONE_DMA_BITS (30): on a board without dma-ranges ZONE_DMA grows from the first GiB to 4 GiB and ZONE_DMA32 is empty",
  },
  "791ab8b2e3db": {
    commit: "791ab8b2e3db",
    title: "arm64: Ignore any DMA offsets in the max_zone_phys() calculation",
    release: "5.11",
    effect: "max_zone_phys(bits) = min(DMA_BIT_MASK(bits), end of DRAM - 1) + 1 (whole RAM if it starts above 4 GiB) instead of (start of DRAM & GENMASK(63, bits)) + 2^bits capped at the end of DRAM",
  },
  "c50f11c6196f": {
    commit: "c50f11c6196f",
    title: "arm64: mm: Don't invalidate FROM_DEVICE buffers at start of DMA transfer",
    release: "5.19",
    effect: "arm64 arch_sync_dma_for_device (__dma_map_area) cleans for every direction: a DMA_FROM_DEVICE map no longer discards the CPU's dirty lines, and clean copies stay cached until the sync for the CPU",
  },
  "ae626eb97376": {
    commit: "ae626eb97376",
    title: "ARM/dma-mapping: use dma-direct unconditionally",
    release: "6.0",
    effect: "32-bit ARM drops arm_dma_ops: devices are on dma-direct (dma_direct_map_page/_sg, dma_direct_mmap, dma_direct_get_sgtable, dma_direct_supported; dma_capable now checked, -EIO from map_sg); a non-coherent dma_direct_alloc falls back to arch_dma_alloc → __dma_alloc (cma / remap / pool allocators as before), DMA_ATTR_NO_KERNEL_MAPPING goes to dma_direct_alloc_no_mapping first (no zeroing, and arch_dma_prep_coherent is ARM's empty stub); cache maintenance through the arch's arch_sync_dma_for_device/_for_cpu",
  },
  "2c8ed1b960fb": {
    commit: "2c8ed1b960fb",
    title: "dma-direct: add a CONFIG_ARCH_HAS_DMA_ALLOC symbol",
    release: "6.7",
    effect: "arch/arm/Kconfig selects ARCH_HAS_DMA_ALLOC (if MMU): dma_direct_alloc/free call arch_dma_alloc/arch_dma_free on IS_ENABLED(CONFIG_ARCH_HAS_DMA_ALLOC) && !is_swiotlb_for_alloc(dev) instead of the absence of DMA_DIRECT_REMAP, ARCH_HAS_DMA_SET_UNCACHED and DMA_GLOBAL_POOL; for 32-bit ARM the same branch is taken",
  },
  "3be9b846896d": {
    commit: "3be9b846896d",
    title: "arm64: support DMA zone above 4GB",
    release: "6.12",
    effect: "arm64 zone_sizes_init sets zone_dma_limit = min(of_dma_get_max_cpu_address(NULL), IORT) (a physical address, not a bit count) and ZONE_DMA ends at min(zone_dma_limit, end of DRAM - 1) + 1: on a board whose RAM starts above 4 GiB and whose devices reach only its first GiB, ZONE_DMA is that GiB instead of all RAM. The 6.12.19 tree also clamps zone_dma_limit to U32_MAX when DRAM starts below 4 GiB (\"arm64: mm: fix zone_dma_limit calculation\", a 6.13 fix Cc stable 6.12+, modelled as the 6.12.19 tree has it) (checked: 6.12.19 arch/arm64/mm/init.c max_zone_phys / zone_sizes_init; 6.6.63 max_zone_phys(zone_bits))",
  },
  "07b742a4d912": {
    commit: "07b742a4d912",
    title: "arm64: mm: log potential KASAN shadow alias",
    release: "5.17",
    effect: "arm64 die_kernel_fault calls kasan_non_canonical_hook(addr) after \"Unable to handle kernel %s at virtual address %016lx\": with CONFIG_KASAN_GENERIC (or SW_TAGS) a fault at an address >= KASAN_SHADOW_OFFSET also prints \"KASAN: %s in range [0x%016lx-0x%016lx]\" with the address it would be the shadow of (checked: 5.17-rc5 and 5.19 arch/arm64/mm/fault.c:300, 6.1.166 :301, 6.6.63 :315, 6.12.19 :313, 6.18.35 :307; absent in 5.15.178 :293–307; in the arm64 for-next/5.17 branch next to 6f6cfa586799 \"arm64: mm: use die_kernel_fault() in do_mem_abort()\")",
  },
  "b40b84b120f5": {
    commit: "b40b84b120f5",
    title: "ARM: 9254/1: mm: Provide better message when kernel fault",
    release: "6.2",
    effect: "32-bit ARM die_kernel_fault prints \"Unable to handle kernel %s at virtual address %08lx when %s\" with execute (FSR_LNX_PF), write (FSR_WRITE) or read (checked: 6.6.63 arch/arm/mm/fault.c:130, 6.12.19 and 6.18.35 :137 — 6.18 through str_write_read; 6.1.166 die_kernel_fault :128–141 and 5.19 :108–119 end at the address; Kefeng Wang's v3 of 27 Sep 2022, in Russell King's ARM patches 9252–9257 for 6.2)",
  },
  "acc3042d62cb": {
    commit: "acc3042d62cb",
    title: "arm64: Kconfig: select KASAN_VMALLOC if KANSAN_GENERIC is enabled",
    release: "5.13",
    effect: "an arm64 kernel with generic KASAN has CONFIG_KASAN_VMALLOC (selected; 5.19+ 'select KASAN_VMALLOC if KASAN'): vmalloc/vmap areas get real shadow, KASAN_VMALLOC_INVALID outside the requested size and over the guard page, poisoned again when the area is freed — a CPU access to a vfree'd or vunmap'd address first prints \"BUG: KASAN: vmalloc-out-of-bounds in %pS\" and then faults (checked: 5.14-rc5 arch/arm64/Kconfig:208, 5.15.178 :206, 6.1.166 :214, 6.6.63 :239, 6.12.19 :248, 6.18.35 :263; absent in 5.12.9, which has no HAVE_ARCH_KASAN_VMALLOC; Lecopzer Chen's series, for-next/kasan-vmalloc in the arm64 pull for 5.13-rc1)",
  },
  "565cbaad83d8": {
    commit: "565cbaad83d8",
    title: "ARM: 9202/1: kasan: support CONFIG_KASAN_VMALLOC",
    release: "6.0",
    effect: "32-bit ARM gains HAVE_ARCH_KASAN_VMALLOC and, with 9203/1 \"kconfig: fix MODULE_PLTS for KASAN with KASAN_VMALLOC\" of the same series, ARM_MODULE_PLTS (default y) selects KASAN_VMALLOC if KASAN: the vmalloc shadow of arm64's acc3042d62cb (checked: 6.1.166 arch/arm/Kconfig:78 and :1352; absent in 5.19 :77; the id from the Fixes: tag of Linus Walleij's stable fix for the vmalloc shadow sync)",
  },
  "3e35d303ab7d": {
    commit: "3e35d303ab7d",
    title: "arm64: module: rework module VA range selection",
    release: "6.5",
    effect: "arm64 MODULES_VSIZE is SZ_2G (was SZ_128M): KIMAGE_VADDR = VMALLOC_START = PAGE_END + 2 GiB (0xffff800080000000 with VA48), so the kernel image and every vmalloc / vmap address sit 0x78000000 higher than in 5.15–6.1 (checked: 6.6.63, 6.12.19, 6.18.35 arch/arm64/include/asm/memory.h:49; 6.1.166 and 5.19 :49 SZ_128M; Mark Rutland, arm64 6.5 pull; the id from the mainline revlist and later Fixes: tags)",
  },
  "32697ff38287": {
    commit: "32697ff38287",
    title: "arm64: vmemmap: Avoid base2 order of struct page size to dimension region",
    release: "6.9",
    effect: "with 031e011d8b22 and b730b0f2b1fc (the PCI I/O and fixmap regions moved above the vmemmap) and \"arm64: mm: Reclaim unused vmemmap region for vmalloc use\", all in Ard Biesheuvel's 6.9 LPA2 preparation: VMEMMAP_END = -SZ_1G, VMEMMAP_START = VMEMMAP_END - (VMEMMAP_RANGE >> PAGE_SHIFT) * sizeof(struct page) (0xfffffdffc0000000 with VA48) and VMALLOC_END = VMEMMAP_START - SZ_8M, so every struct page address is 0x1ffc0000000 higher than 5.11–6.8's -2^(VA_BITS-6) projection (checked: 6.12.19 and 6.18.35 arch/arm64/include/asm/memory.h:33–34, :50–51, pgtable.h:23–31; 6.6.63 memory.h:50, pgtable.h:25; the ids as Will Deacon's thread of 8 Jan 2025 cites them)",
  },
  "9804f8c69b04": {
    commit: "9804f8c69b04",
    title: "arm64: mm: Move zone_dma_bits initialization into zone_sizes_init()",
    release: "5.11",
    effect: "arm64 dma_contiguous_reserve moves from the end of arm64_memblock_init into bootmem_init after sparse_init and zone_sizes_init, so the vmemmap's memblock blocks are taken before the CMA area instead of after it (checked: 5.10.7 arch/arm64/mm/init.c:395 in arm64_memblock_init, sparse_init :427 in bootmem_init; 5.15.178 :447 sparse_init, :453 dma_contiguous_reserve; 6.1.166 :429/:435; 6.18.35 :321/:327; Nicolas Saenz Julienne's ZONE_DMA series, mainline 5.11; queued for 5.10.y as [PATCH 5.10 25/42] on 8 Mar 2021, long after 5.10.7)",
  },
  "421015713b30": {
    commit: "421015713b30",
    title: "ARM: 9017/2: Enable KASan for ARM",
    release: "5.11",
    effect: "32-bit ARM selects HAVE_ARCH_KASAN (if MMU && !XIP_KERNEL), so CONFIG_KASAN exists there and arch/arm/mm/kasan_init.c runs after paging_init; before it the option does not exist: a scenario or --set with CONFIG_KASAN=y does not apply to arm32 (checked: 5.12.9 arch/arm/Kconfig:72; absent in 5.6.4 and 5.10.7; Linus Walleij's series 9013–9017, mainline 5.11; the id from later Fixes: tags, 'Cc: stable # v5.11+')",
  },
  "823f606ab6b4": {
    commit: "823f606ab6b4",
    title: "ARM: 9242/1: kasan: Only map modules if CONFIG_KASAN_VMALLOC=n",
    release: "6.1",
    effect: "32-bit ARM kasan_init maps the module area's shadow only without KASAN_VMALLOC (and with MODULES), as create_mapping(MODULES_VADDR, MODULES_END), then pkmap's as create_mapping(PKMAP_BASE, PKMAP_BASE + PMD_SIZE) — two \"Mapping kernel virtual memory block\" lines where the single create_mapping(MODULES_VADDR, PKMAP_BASE + PMD_SIZE) printed one; without KASAN_VMALLOC the same pages (checked: 5.15.178 and 6.1.166 arch/arm/mm/kasan_init.c:275–277 / :279–281, 6.18.35 :284–286; 5.19 :272 and 5.14-rc5 :272 the single call; Alexander Sverdlin, a Fixes: of ARM 9017/2 (KASan for ARM); \"[ Upstream commit 823f606ab6b4759a1faf0388abcf4fb0776710d2 ]\" in the 5.19-stable review of 22 Oct 2022)",
    stable: { "5.15": "5.15.y backport (in 5.15.178 arch/arm/mm/kasan_init.c:275–277; the mirror has no history to name the stable commit)" },
  },
  "f0b13ee23241": {
    commit: "f0b13ee23241",
    title: "arm64/sparsemem: reduce SECTION_SIZE_BITS",
    release: "5.12",
    effect: "arm64 (4 KiB pages) memory sections shrink from 1 GiB (SECTION_SIZE_BITS 30) to 128 MiB (27): sparse_init's one memmap buffer per node counts 128 MiB sections of 2 MiB struct-page maps, aligned to 2 MiB, instead of 1 GiB sections of 16 MiB maps aligned to 16 MiB (rpi4 mem=1G: the vmemmap buffer 0x36000000 in 5.6–5.10, 0x36400000 from 5.13) (checked: 5.10.7 arch/arm64/include/asm/sparsemem.h:10 30; 5.12.9 :27 and 6.18.35 :29 27 for 4K pages; the id from later commits' Fixes: and Commit references)",
  },
};

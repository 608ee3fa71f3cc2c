/**
 * Switch release audit (issues 8 and 11): for each switch in src/switches/*.ts, test a fingerprint
 * of its change (a regular expression over the files the commit touches) against every kernel tree
 * mirrored on this machine, and bracket its mainline release. Prints one markdown table.
 * Reads the trees with `git show HEAD:<path>`; copies no kernel source, prints only hit line numbers.
 * Run: npx tsx tools/fidelity/switch-audit.ts [--md]
 */
import { printOrWriteDoc, show } from "./shared.js";
import { readFileSync, existsSync } from "node:fs";
import { SWITCHES, VERSIONS, versionNumber } from "../../src/versions.js";

export const TREES: { v: string; label: string; dir: string }[] = [
  { v: "5.6", label: "5.6.4", dir: "shmily1012+linux-5.6.4" },
  { v: "5.8", label: "5.8.1", dir: "semwett0301+linux-5.8.1" },
  { v: "5.9", label: "5.9.1", dir: "ach84+linux-5.9.1" },
  { v: "5.10", label: "5.10.7", dir: "ejga2001+linux-5.10.7" },
  { v: "5.12", label: "5.12.9", dir: "zhangyinjun+linux-5.12.9" },
  { v: "5.14", label: "5.14-rc5", dir: "lsk-legends+linux-5.14" },
  { v: "5.15", label: "5.15.178", dir: "wangshuai199398+linux-5-15" },
  { v: "5.17", label: "5.17", dir: "dunli+linux-5.17" },
  { v: "5.19", label: "5.19", dir: "yishangzhang+linux-5.19" },
  { v: "6.1", label: "6.1.166", dir: "unifreq+linux-6.1.y" },
  { v: "6.6", label: "6.6.63", dir: "OpenNuvoton+MA35D1_linux-6.6.y" },
  { v: "6.12", label: "6.12.19", dir: "wishday+linux-6.12.y" },
  { v: "6.18", label: "6.18.35", dir: "leftymods+linux-6.18.y" },
];

/** commit -> files the change touches, a pattern that is present iff the change is in (or, with `gone`, absent iff) */
/** since/until: trees outside [since, until) are not evidence (the feature did not exist yet / a later rewrite removed the line); skip: trees whose copy is a downstream (vendor) patch, with why */
type Fp = { files: string[]; re: string; gone?: boolean; since?: string; until?: string; skip?: Record<string, string> };
const FP: Record<string, Fp> = {
  "4544b9f25e70": { files: ["include/linux/dma-mapping.h", "kernel/dma/mapping.c"], re: "rejecting DMA map of vmalloc memory" },
  "9bb50ed74709": { files: ["kernel/dma/debug.c"], re: "\\[dma_debug_single\\]\\s*=" },
  "515e5b6d90d4": { files: ["kernel/dma/remap.c"], re: "vmap\\(pages" },
  "e860c299ac0d": { files: ["kernel/dma/pool.c"], re: "atomic_pool" },
  "c84dc6e68a1d": { files: ["kernel/dma/pool.c"], re: "atomic_pool_dma32" },
  "1d659236fb43": { files: ["kernel/dma/pool.c"], re: "totalram_pages", skip: { "6.1": "unifreq/linux-6.1.y carries an Armbian patch: fixed SZ_2M pool (pool.c:191-197); mainline keeps the sizing", "6.12": "wishday/linux-6.12.y carries the same Armbian SZ_2M patch" } },
  "d7e673ec2c8e": { files: ["kernel/dma/pool.c"], re: "cma_in_zone" },
  "d3fa60d7bfdc": { files: ["kernel/dma/mapping.c"], re: "dma_go_direct" },
  "e0d072782c73": { files: ["include/linux/dma-direct.h"], re: "dma_range_map" },
  "efa70f2fdc84": { files: ["kernel/dma/mapping.c"], re: "\\bdma_alloc_pages\\b" },
  "40ac971eab89": { files: ["kernel/dma/ops_helpers.c"], re: "dma_common_vaddr_to_page" },
  "7d5b5738d151": { files: ["kernel/dma/mapping.c"], re: "dma_alloc_noncontiguous" },
  "81d88ce55092": { files: ["include/linux/dma-mapping.h", "include/linux/dma-map-ops.h"], re: "\\(\\*alloc_noncoherent\\)", gone: true, since: "5.10" },
  "1f221a0d0dbf": { files: ["kernel/dma/swiotlb.c"], re: "min_align_mask" },
  "463e862ac63e": { files: ["kernel/dma/swiotlb.c"], re: "^(static )?struct io_tlb_mem io_tlb_default_mem;" },
  "a9c38c5d267c": { files: ["kernel/dma/mapping.c"], re: "pfn_valid\\(", gone: true, since: "5.10" },
  "c81be74e7d79": { files: ["kernel/dma/direct.c"], re: "-EIO;" },
  "f5ff79fddf0e": { files: ["kernel/dma/Kconfig"], re: "^config DMA_REMAP", gone: true },
  "07410559f383": { files: ["kernel/dma/direct.h"], re: "is_swiotlb_active\\(dev\\)" },
  "92826e967535": { files: ["kernel/dma/direct.c"], re: "Rejecting highmem page from CMA", gone: true },
  "a229cc14f339": { files: ["kernel/dma/mapping.c"], re: "dma_opt_mapping_size" },
  "ffcb75458460": { files: ["kernel/dma/mapping.c"], re: "flag & __GFP_COMP" },
  "370645f41e6e": { files: ["include/linux/dma-map-ops.h"], re: "dma_kmalloc_needs_bounce" },
  "b035f5a6d852": { files: ["mm/slab_common.c"], re: "DMA_BOUNCE_UNALIGNED_KMALLOC" },
  "444050990db4": { files: ["mm/slab_common.c"], re: "kmalloc_fix_flags" },
  "e4b7818b9aa8": { files: ["mm/kasan/kasan.h"], re: "struct kasan_track free_track;" },
  "a5989d4ed40c": { files: ["mm/kasan/generic.c"], re: "rem_free_meta_size" },
  "5b15f3fb89fc": { files: ["mm/slub.c"], re: "s->allocflags = __GFP_COMP;" },
  "65033574ade9": { files: ["arch/arm64/mm/init.c"], re: "swiotlb_adjust_size\\(min\\(swiotlb_size_or_default\\(\\)" },
  "2c8ed1b960fb": { files: ["kernel/dma/Kconfig"], re: "ARCH_HAS_DMA_ALLOC" },
  "63f067e33c99": { files: ["kernel/dma/direct.c"], re: "coherent DMA allocations not supported on this platform" },
  "f406c8e4b770": { files: ["include/linux/device.h"], re: "dma_skip_sync" },
  "ba0fb44aed47": { files: ["kernel/dma/direct.c"], re: "zone_dma_limit" },
  "038eb433dc14": { files: ["include/trace/events/dma.h"], re: "TRACE_EVENT|DECLARE_EVENT_CLASS" },
  "76bb7c49f50c": { files: ["include/trace/events/dma.h"], re: "dma_map_phys" },
  "eadaa8b255f3": { files: ["include/linux/dma-mapping.h"], re: "DMA_ATTR_MMIO" },
  "e53d29f957b3": { files: ["kernel/dma/direct.h"], re: "dma_direct_map_phys" },
  "f7326196a781": { files: ["kernel/dma/mapping.c"], re: "EXPORT_SYMBOL_GPL\\(dma_map_phys\\)" },
  "8b1e868f6607": { files: ["drivers/xen/swiotlb-xen.c"], re: "vmalloc_to_page", until: "5.19" },
  "ae4f0a17ee59": { files: ["drivers/xen/swiotlb-xen.c"], re: "start_dma_addr", gone: true },
  "6223d1cef7b4": { files: ["drivers/xen/swiotlb-xen.c"], re: "xen_io_tlb_end - 1", gone: true },
  "be35d91c8880": { files: ["arch/x86/xen/setup.c"], re: "xen_do_remap_nonram\\(\\);" },
  "91ffe4ad534a": { files: ["drivers/xen/swiotlb-xen.c"], re: "xen_phys_to_dma" },
  "566fb90e050d": { files: ["drivers/xen/swiotlb-xen.c"], re: "xen_alloc_coherent_pages", gone: true },
  "bff2a2d453a1": { files: ["drivers/xen/swiotlb-xen.c"], re: "max_mapping_size" },
  "cd9c05848905": { files: ["drivers/xen/swiotlb-xen.c"], re: "dma_kmalloc_needs_bounce" },
  "b89ddf4cca43": { files: ["arch/arm64/include/asm/memory.h"], re: "BPF_JIT_REGION", gone: true },
  "ae626eb97376": { files: ["arch/arm/mm/dma-mapping.c"], re: "\\barm_dma_ops\\b", gone: true },
  "4e89dce72521": { files: ["drivers/iommu/iova.c"], re: "retry_pfn" },
  "6fa3525b455a": { files: ["drivers/iommu/iova.c"], re: "free_global_cached_iovas" },
  "3542dcb15cef": { files: ["drivers/iommu/dma-iommu.c"], re: "forcedac" },
  "82612d66d51d": { files: ["drivers/iommu/dma-iommu.c"], re: "swiotlb_tbl_map_single" },
  "4a77b12deb25": { files: ["drivers/iommu/io-pgtable-arm.c"], re: "arm_lpae_map_pages" },
  "f7f07484542f": { files: ["drivers/iommu/dma-iommu.c"], re: "fq_flush_timeout" },
  "f316ba0a8814": { files: ["drivers/iommu/dma-iommu.c"], re: "is_swiotlb_active" },
  "b4c9bf178ace": { files: ["drivers/iommu/iova.c"], re: "IOVA_MAG_SIZE 127" },
  "791c2b17fb40": { files: ["drivers/iommu/dma-iommu.c"], re: "pci_32bit_workaround" },
  "911aa1245da8": { files: ["drivers/iommu/iova.c"], re: "iova_depot_pop" },
  "a63c357b9fd5": { files: ["drivers/iommu/dma-iommu.c"], re: "trace_swiotlb_bounced" },
  "9e02977bfad0": { files: ["kernel/dma/direct.h"], re: "attrs \\| DMA_ATTR_SKIP_CPU_SYNC" },
  "7661809d493b": { files: ["mm/util.c", "mm/slub.c"], re: "size > INT_MAX" },
  "e9e81d86fee6": { files: ["kernel/dma/debug.c"], re: "debug_dma_map_phys" },
  "18c9cbb042c9": { files: ["kernel/dma/mapping.c"], re: "DMA_ATTR_MMIO" },
  "03521c892bb8": { files: ["kernel/dma/debug.c"], re: "DMA_BOUNCE_UNALIGNED_KMALLOC|dma_kmalloc_needs_bounce" },
  "3afff779a725": { files: ["include/trace/events/dma.h"], re: "dma_alloc_class" },
  "a2daa27c0c61": { files: ["kernel/dma/swiotlb.c"], re: "swiotlb_set_max_segment", gone: true },
  "3f70356edf56": { files: ["drivers/xen/swiotlb-xen.c"], re: "xen_swiotlb_init\\(", gone: true },
  "c588072bba6b": { files: ["drivers/iommu/intel/iommu.c"], re: "intel_dma_ops", gone: true, since: "5.9" },
  "9b49bbc2c4df": { files: ["drivers/iommu/dma-iommu.c"], re: "__iommu_dma_unmap_swiotlb", gone: true, since: "5.11" },
  "33729a5fc0ca": { files: ["drivers/iommu/io-pgtable-arm.c"], re: "arm_lpae_split_blk_unmap", gone: true },
  "233045378dbb": { files: ["drivers/iommu/iova.c"], re: "iova_depot_work_func" },
  "bf0ecb3c3239": { files: ["drivers/xen/swiotlb-xen.c"], re: "map_resource" },
  "e320d3012d25": { files: ["mm/page_alloc.c"], re: "free_the_page\\(page \\+ \\(1 << order\\)", until: "6.12" },
  "972bf252f860": { files: ["drivers/iommu/iova.c"], re: "roundup_pow_of_two" },
  "327e2c97c46a": { files: ["include/linux/swiotlb.h"], re: "size_t mapping_size, size_t alloc_size", gone: true, since: "5.10" },
  "b5c58b2fdc42": { files: ["kernel/dma/mapping.c"], re: "use_dma_iommu" },
  "bd89d69a529f": { files: ["kernel/dma/debug.c"], re: "L=%llx cln=%pa" },
  "9d4f645a1fd4": { files: ["kernel/dma/debug.c"], re: "idx %d P=%pa D=" },
  "07b742a4d912": { files: ["arch/arm64/mm/fault.c"], re: "kasan_non_canonical_hook\\(addr\\)" },
  "b40b84b120f5": { files: ["arch/arm/mm/fault.c"], re: "virtual address %08lx when %s" },
  "c20e3feadd45": { files: ["mm/kasan/report.c"], re: "probably wild-memory-access" },
  "79311c1fe017": { files: ["mm/vmalloc.c"], re: "Trying to vunmap\\(\\) nonexistent" },
  "8446a4deb6b6": { files: ["mm/slab_common.c"], re: "size && size <= KMALLOC_MAX_SIZE" },
  "dcc579663f60": { files: ["mm/kasan/report.c"], re: "Free of addr" },
  "0e301731f558": { files: ["mm/kasan/report_generic.c"], re: "slab-use-after-free" },
  "a052d4d13d88": { files: ["mm/cma.c"], re: "%s: %s: alloc failed" },
  "63f83b31f4f3": { files: ["mm/cma.c"], re: "pr_err_ratelimited\\(\"%s: %s: alloc failed" },
  "463586e9ff39": { files: ["mm/cma.c"], re: "static struct page \\*__cma_alloc" },
  "c009da4258f9": { files: ["mm/cma.c"], re: "cma_range_alloc" },
  "3622b86f49f8": { files: ["kernel/dma/mapping.c"], re: "WARN_ON_ONCE\\(gfp & __GFP_COMP\\)" },
  "a409d9600959": { files: ["kernel/dma/direct.c"], re: "dma_direct_all_ram_mapped" },
  "8324993f6030": { files: ["kernel/dma/direct.c"], re: "dma_find_range\\(dev, start_pfn\\)" },
  "2042c352e21d": { files: ["kernel/dma/mapping.c"], re: "device is DMA addressing limited" },
  "c4484ab86ee0": { files: ["include/trace/events/dma.h"], re: "TRACE_EVENT\\(dma_alloc_sgt," },
  "68b6dbf1f441": { files: ["include/trace/events/dma.h"], re: "DEFINE_ALLOC_EVENT\\(dma_alloc_sgt_err\\)" },
  "dma-mapping: move dma_common_{mmap,get_sgtable} out of mapping.c": { files: ["kernel/dma/ops_helpers.c"], re: "^int dma_common_mmap\\(" },
  "df2ff39e78da": { files: ["mm/cma.c"], re: "SZ_4G \\+ size" },
  "11ac3e87ce09": { files: ["include/linux/cma.h"], re: "define CMA_MIN_ALIGNMENT_PAGES pageblock_nr_pages" },
  "f0b13ee23241": { files: ["arch/arm64/include/asm/sparsemem.h"], re: "SECTION_SIZE_BITS\\s+27" },
  "bf29bfaa5490": { files: ["mm/cma.c"], re: "MiB at %pa on node %d", until: "6.15" },
  "421015713b30": { files: ["arch/arm/Kconfig"], re: "select HAVE_ARCH_KASAN if MMU" },
  "823f606ab6b4": { files: ["arch/arm/mm/kasan_init.c"], re: "IS_ENABLED\\(CONFIG_KASAN_VMALLOC\\) && IS_ENABLED\\(CONFIG_MODULES\\)" },
  "aeb9267eb6b1": { files: ["drivers/of/of_reserved_mem.c"], re: "KiB\\) %s %s %s" },
  "0fd17e598333": { files: ["drivers/of/of_reserved_mem.c"], re: "cma_skip_dt_default_reserved_mem\\(\\)" },
  "8a6e02d0c00e": { files: ["drivers/of/of_reserved_mem.c"], re: "void __init fdt_scan_reserved_mem_reg_nodes\\(void\\)" },
  "4cea2821882b": { files: ["drivers/of/of_reserved_mem.c"], re: "ra->fdt_node < rb->fdt_node" },
  "672cf6df9b8a": { files: ["drivers/iommu/intel/iommu.c"], re: "intel_iommu_init" },
  "e86d1aa8b60f": { files: ["drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c"], re: "arm_smmu_device_probe" },
  "aae4c8e27bd7": { files: ["include/linux/iommu.h"], re: "^static inline void iommu_iotlb_sync\\(" },
  "acc3042d62cb": { files: ["arch/arm64/Kconfig"], re: "select KASAN_VMALLOC if KASAN" },
  "565cbaad83d8": { files: ["arch/arm/Kconfig"], re: "HAVE_ARCH_KASAN_VMALLOC" },
  "f227f0faf63b": { files: ["mm/slub.c", "mm/slab_common.c"], re: "free_nonslab_page|free_large_kmalloc" },
  "d0fe47c64152": { files: ["mm/slub.c", "mm/slab_common.c"], re: "object pointer: 0x%p" },
  "9804f8c69b04": { files: ["arch/arm64/mm/init.c"], re: "Reserve the CMA area after arm64_dma_phys_limit" },
  "7fae4c24a2b8": { files: ["arch/x86/include/asm/page_64_types.h"], re: "define EXCEPTION_STACK_ORDER \\(1 \\+ KASAN_STACK_ORDER\\)" },
  "3f148f331814": { files: ["arch/x86/mm/cpu_entry_area.c"], re: "kasan_populate_shadow_for_vaddr" },
  "1cfaac2400c7": { files: ["arch/x86/mm/kasan_init_64.c"], re: "shadow_cea_per_cpu_begin, 0\\)" },
  "kasan: call kasan_init_generic in kasan_init": { files: ["arch/x86/mm/kasan_init_64.c"], re: "kasan_init_generic\\(\\)" },
  "mm/cma: Drop CONFIG_CMA_DEBUG": { files: ["mm/cma.c"], re: "CONFIG_CMA_DEBUG\\b", gone: true },
  "36d91e851598": { files: ["kernel/dma/debug.c"], re: "\\[dma_debug_sg\\] = \"scatter-gather\"" },
};

const OUT: string[] = [];
function out(line: string): void { OUT.push(line); }

/** in-tree: true/false, or null when none of the files exists; plus the hit file:line */
function probe(dir: string, fp: Fp): { has: boolean | null; at: string } {
  const re = new RegExp(fp.re, "m");
  let any = false;
  for (const f of fp.files) {
    const t = show(dir, f);
    if (t === null) continue;
    any = true;
    const lines = t.split("\n");
    const i = lines.findIndex((l) => re.test(l));
    if (i >= 0) return { has: !fp.gone, at: `${f.split("/").pop()}:${i + 1}` };
  }
  if (!any) return { has: fp.gone ? null : false, at: "no file" };
  return { has: !!fp.gone, at: "" };
}

const doc = existsSync("docs/verified-facts.md") ? readFileSync("docs/verified-facts.md", "utf8").split("\n") : [];
const AUDIT_START = doc.findIndex((l) => l.startsWith("## Switch release audit"));
function docLines(c: string): number[] {
  return doc.map((l, i) => (l.includes(c) && (AUDIT_START < 0 || i < AUDIT_START) ? i + 1 : 0)).filter((n) => n > 0);
}

const rows: string[] = [];
const problems: string[] = [];
for (const s of Object.values(SWITCHES)) {
  const R = versionNumber(s.release);
  // the rule: stable keys name modelled versions older than the release; absent keys are not older
  for (const k of Object.keys(s.stable ?? {})) {
    if (!VERSIONS.some((v) => v.id === k)) problems.push(`${s.commit}: stable names ${k}, not a modelled version`);
    if (versionNumber(k) >= R) problems.push(`${s.commit}: stable names ${k} but release ${s.release} is not newer (redundant)`);
  }
  for (const k of Object.keys(s.absent ?? {})) if (versionNumber(k) < R) problems.push(`${s.commit}: absent names ${k}, older than release ${s.release}`);
  const fp = FP[s.commit];
  let ev = "no fingerprint (doc evidence only)";
  let verdict = "from doc";
  if (fp) {
    const inRange = (v: string) => (!fp.since || versionNumber(v) >= versionNumber(fp.since)) && (!fp.until || versionNumber(v) < versionNumber(fp.until)) && !fp.skip?.[v];
    const res = TREES.filter((t) => inRange(t.v)).map((t) => ({ t, ...probe(t.dir, fp) }));
    const pres = res.filter((r) => r.has === true);
    const abs = res.filter((r) => r.has === false);
    const early = pres.filter((r) => versionNumber(r.t.v) < R);
    const lateAbs = abs.filter((r) => versionNumber(r.t.v) >= R);
    const lastAbs = abs.filter((r) => versionNumber(r.t.v) < R).pop();
    const firstPres = pres.find((r) => versionNumber(r.t.v) >= R);
    ev = `absent ≤ ${lastAbs ? lastAbs.t.label : "—"}; present ${firstPres ? `${firstPres.t.label} (${firstPres.at})` : "—"}`;
    if (early.length) ev += `; also in older ${early.map((r) => `${r.t.label} (${r.at})`).join(", ")}`;
    if (lateAbs.length) ev += `; NOT in ${lateAbs.map((r) => r.t.label).join(", ")}`;
    if (fp.since) ev += `; trees before ${fp.since} not evidence (feature not there yet)`;
    if (fp.until) ev += `; from ${fp.until} a rewrite drops the line`;
    for (const [v, why] of Object.entries(fp.skip ?? {})) ev += `; ${v} skipped: ${why}`;
    if (lateAbs.length) verdict = "CHECK: missing from a newer tree";
    else if (early.length) {
      const unexplained = early.filter((r) => !s.stable?.[r.t.v] && VERSIONS.some((v) => v.id === r.t.v));
      verdict = unexplained.length ? `CHECK: in older ${unexplained.map((r) => r.t.label).join(", ")} without a stable entry` : `bracketed; the older copies are stable backports (${early.map((r) => (s.stable?.[r.t.v] ? `${r.t.label}: stable entry` : `${r.t.label}: not a modelled version`)).join(", ")})`;
    } else if (!firstPres) verdict = "CHECK: in no tree of its release or later";
    else verdict = lastAbs ? `bracketed (${lastAbs.t.label}, ${firstPres.t.label}]` : "present in every tree";
  }
  const cites = docLines(s.commit);
  rows.push(`| ${s.commit} | ${s.title.replace(/\|/g, "\\|")} | ${s.release} | ${ev} | ${cites.length ? "verified-facts.md:" + cites.slice(0, 3).join(",") : "—"} | ${verdict} |`);
}
out("| commit | subject | release | tree evidence (fingerprint) | earlier evidence cited | verdict |");
out("|---|---|---|---|---|---|");
for (const r of rows) out(r);
out("");
out(problems.length ? problems.map((p) => "- rule: " + p).join("\n") : "- rule check: every `stable` key names a modelled version older than the switch's release; every `absent` key a version not older.");

// print, or with --write-doc replace the table under the section heading in docs/verified-facts.md
printOrWriteDoc(OUT, "## Switch release audit");

/**
 * The headline (`npm start`): the seed thread's scenarios over every platform × kernel, then a
 * legend that answers the thread's questions from the results themselves:
 *  - which configurations make dma_alloc_coherent return a vmalloc address;
 *  - where user space (dma_mmap_coherent) or an sg-table user (dma_get_sgtable) sees the wrong
 *    page, and why;
 *  - where freeing oopses;
 *  - which commits fix it (40ac971eab89, 8b1e868f6607).
 */
import type { MatrixCell, MatrixResult } from "../matrix.js";
import { SWITCHES, VERSIONS } from "../versions.js";
import { cellNote, compactTables, kernelList, renderMatrixMarkdown, summaryLine, wrap, type MatrixFormat } from "./matrix.js";

export { kernelList, wrap };
import { makeColors, type Colors } from "./style.js";

/** What the legend needs to know about a platform. */
export interface HeadlinePlatform {
  id: string;
  arch: string;
  xen?: string | null;
}

/** Group cells by platform: "rpi4 (all kernels); arm32 (5.6, 5.10)". */
function byPlatform(cells: MatrixCell[], m: MatrixResult): string {
  const out: string[] = [];
  for (const p of m.platforms) {
    const ks = [...new Set(cells.filter((c) => c.platform === p).map((c) => c.kernel))];
    if (ks.length) out.push(`${p} (${kernelList(ks, m.kernels)})`);
  }
  return out.join("; ");
}

const WRONG_PAGE_READERS = new Set(["user_read", "sg_read"]);

function sw(commit: string): string {
  const s = SWITCHES[commit];
  return s ? `${commit} "${s.title}" (${s.release})` : commit;
}

/** One question of the legend and its answers (each one paragraph). */
export interface LegendSection {
  question: string;
  answers: string[];
}

/** An extra configuration run for the legend (e.g. arm32 with cma=0: the remap allocator). */
export interface HeadlineVariant {
  label: string;
  matrix: MatrixResult;
}

/**
 * "Could this happen natively?": the IOMMU runs of scenarios/iommu/native-virt-to-phys.yaml (a
 * driver's own virt_to_phys mmap of a coherent buffer next to dma_mmap_coherent).
 */
export interface HeadlineNative {
  matrix: MatrixResult;
  passthrough?: MatrixResult;
}

function nativeSection(n: HeadlineNative): LegendSection {
  const s: LegendSection = { question: "Could this happen natively?", answers: [] };
  const ran = n.matrix.cells.filter((x) => x.verdict !== "ERROR" && x.verdict !== "CRASH" && x.verdict !== "N/A");
  const vm = ran.filter((x) => x.first_alloc_kind === "vmalloc");
  const broken = ran.filter((x) => x.verdict !== "PASS");
  const fine = ran.filter((x) => x.verdict === "PASS");
  if (vm.length)
    s.answers.push(
      `Yes, behind an IOMMU: dma_alloc_coherent remaps scattered pages into one vmalloc range (iommu_dma_alloc_remap) for coherent PCIe devices too: ${byPlatform(vm, n.matrix)}. ` +
        `On x86 that starts with ${sw("f5ff79fddf0e")}; before it, and before ${sw("c588072bba6b")} with intel_dma_ops, the address is linear.`,
    );
  if (broken.length)
    s.answers.push(
      `A driver that maps such a buffer to user space with its own virt_to_phys() (the cxgb4/exanic pattern, scenarios/iommu/native-virt-to-phys.yaml) gives user space another frame: ${byPlatform(broken, n.matrix)}. ` +
        "dma_mmap_coherent maps the right pages in every one of these runs: iommu_dma_mmap takes them from the vm area.",
    );
  const pt = n.passthrough?.cells.filter((x) => x.verdict === "PASS") ?? [];
  if (fine.length || pt.length)
    s.answers.push(`Where the address is linear the driver's pattern works: ${[fine.length ? byPlatform(fine, n.matrix) : "", pt.length ? `${byPlatform(pt, n.passthrough!)} with iommu.passthrough=1 (dma-direct)` : ""].filter(Boolean).join("; ")}.`);
  return s;
}

/** The legend, computed from the matrix (and the variant configurations). */
export function headlineLegend(m: MatrixResult, platforms: readonly HeadlinePlatform[], variants: readonly HeadlineVariant[] = [], native?: HeadlineNative): LegendSection[] {
  const isXen = (id: string) => {
    const p = platforms.find((x) => x.id === id);
    return p ? !!p.xen : id.includes("xen");
  };
  const ran = m.cells.filter((x) => x.verdict !== "ERROR" && x.verdict !== "CRASH" && x.verdict !== "N/A");
  const out: LegendSection[] = [];

  // 1. vmalloc addresses
  const vmalloc = ran.filter((x) => x.first_alloc_kind === "vmalloc");
  const linear = ran.filter((x) => x.first_alloc_kind === "linear");
  const s1: LegendSection = { question: "Which configurations return vmalloc addresses from dma_alloc_coherent?", answers: [] };
  if (vmalloc.length) {
    s1.answers.push(`vmalloc: ${byPlatform(vmalloc, m)}.`);
    const lin = m.platforms.filter((p) => linear.some((x) => x.platform === p) && !vmalloc.some((x) => x.platform === p));
    if (lin.length) s1.answers.push(`linear map only: ${lin.join(", ")}.`);
  } else s1.answers.push("None of the runs returned a vmalloc address.");
  for (const v of variants) {
    const vk = (kind: string) => v.matrix.kernels.filter((k) => v.matrix.cells.some((x) => x.kernel === k && x.first_alloc_kind === kind));
    const vv = vk("vmalloc");
    s1.answers.push(`${v.label}: ${vv.length ? `vmalloc (${kernelList(vv, v.matrix.kernels)})` : `${vk("linear").length ? "linear map" : "no allocation"}`}.`);
  }
  if (vmalloc.length)
    s1.answers.push(
      "Why: a non-coherent device needs an uncached CPU alias, so dma-direct on arm64 remaps the pages with vmap; coherent devices get " +
        "the linear map; ARM32's CMA allocator changes a lowmem page's attributes in place (a linear address) but must remap a highmem " +
        "page (a vmap address: on a board with highmem, cma_declare_contiguous puts the default CMA area there first), and its remap " +
        "allocator (cma=0) returns a vmap address.",
    );
  out.push(s1);

  // 2. wrong page seen by user space / sg readers
  const wrongOps = (x: MatrixCell) => x.failures.filter((f) => f.what === "data" && f.op !== null && WRONG_PAGE_READERS.has(f.op)).map((f) => f.op!);
  const wrong = ran.filter((x) => wrongOps(x).length > 0);
  const s2: LegendSection = { question: "Where do user space / sg-table readers see the wrong page, and why?", answers: [] };
  if (wrong.length) {
    // what the reader got: another frame's bytes (silently), or a fault because the frame is not RAM
    const readerFault = (x: MatrixCell) => x.faults.find((k, i) => (k === "sigbus" || k === "bus_error") && x.failures.some((f) => f.step === x.fault_steps[i] && f.op !== null && WRONG_PAGE_READERS.has(f.op)));
    const byReader = new Map<string, MatrixCell[]>();
    for (const x of wrong) {
      const f = readerFault(x);
      const key = `${wrongOps(x).join(", ")}: ${f === "sigbus" ? "SIGBUS (the frame is not RAM)" : f === "bus_error" ? "bus error (the frame is not RAM)" : "another frame's bytes, with no error"}`;
      byReader.set(key, [...(byReader.get(key) ?? []), x]);
    }
    for (const [what, cells] of byReader) s2.answers.push(`${what}: ${byPlatform(cells, m)}.`);
    const faulting = wrong.some((x) => readerFault(x) !== undefined);
    const silent = wrong.some((x) => readerFault(x) === undefined);
    s2.answers.push(
      "Why: dma_mmap_coherent and dma_get_sgtable reach dma_common_mmap / dma_common_get_sgtable through the device's dma_map_ops " +
        "(swiotlb-xen on a Xen dom0). Before 40ac971eab89 these turn the buffer's CPU address into a page with virt_to_page, which is " +
        "only valid for linear-map addresses: for a vmalloc address the pfn is bogus, so user space maps (and the sg entry names) some " +
        "other physical frame. " +
        (faulting && !silent
          ? "Here that frame is not RAM, so the user access takes SIGBUS and the device's access is a bus error."
          : faulting
            ? "Where that frame is RAM the reader gets another buffer's bytes with no error; where it is not RAM, SIGBUS or a bus error."
            : "That frame is RAM here, so the reader gets another buffer's bytes with no error.") +
        " dma-direct derives the page from the DMA handle instead.",
    );
    const native = [...new Set(wrong.filter((x) => !isXen(x.platform)).map((x) => x.platform))];
    const nativeVariants = variants.filter((v) => v.matrix.cells.some((x) => wrongOps(x).length > 0)).map((v) => v.label);
    const checked = variants.filter((v) => !nativeVariants.includes(v.label)).map((v) => v.label);
    if (native.length || nativeVariants.length) s2.answers.push(`Without Xen it happens too, on: ${[...native, ...nativeVariants].join(", ")}.`);
    else
      s2.answers.push(
        `Without Xen the same scenarios read the right data${checked.length ? ` (also with ${checked.join(", ")})` : ""}: ` +
          "dma-direct and arm_dma_ops find the page from the DMA handle; the bug needs an ops backend that uses dma_common_*.",
      );
  } else s2.answers.push("Nowhere: every user_read / sg_read saw the device's data.");
  out.push(s2);
  if (native) out.push(nativeSection(native));

  // 3. faults (e.g. the free path)
  const faulted = ran.filter((x) => x.verdict === "FAULT");
  if (faulted.length) {
    const groups = new Map<string, MatrixCell[]>();
    for (const x of faulted) {
      const key = `${x.scenario}\u0000${cellNote(x) ?? ""}`;
      groups.set(key, [...(groups.get(key) ?? []), x]);
    }
    const s3: LegendSection = { question: "Which runs fault?", answers: [] };
    for (const cells of groups.values()) {
      const c0 = cells[0]!;
      const detail = c0.first_fault ? ` — ${cells.length > 1 ? `on ${c0.kernel}: ` : ""}${c0.first_fault.replace(/\.$/, "")}` : "";
      s3.answers.push(`${byPlatform(cells, m)}, "${c0.scenario}": ${cellNote(c0)}${detail}.`);
    }
    out.push(s3);
  }

  // 4. the fixes
  const s4: LegendSection = { question: "What fixes it?", answers: [] };
  s4.answers.push(`${sw("40ac971eab89")}: dma_common_mmap / dma_common_get_sgtable use vmalloc_to_page for vmalloc addresses.`);
  s4.answers.push(`${sw("8b1e868f6607")}: xen_swiotlb_free_coherent looks the page up with vmalloc_to_page.`);
  const with566 = m.kernels.filter((k) => VERSIONS.find((v) => v.id === k)?.switches.has("566fb90e050d"));
  s4.answers.push(
    `${sw("566fb90e050d")}: on ARM, xen_swiotlb_dma_ops allocate and free coherent buffers with dma_direct_alloc / dma_direct_free ` +
      `(xen_alloc_coherent_pages is gone), so a Xen dom0 takes dma-direct's own vmalloc-aware paths${with566.length ? ` (modelled in ${kernelList(with566, m.kernels)})` : ""}.`,
  );
  const clean = m.kernels.filter((k) => !wrong.some((x) => x.kernel === k) && !faulted.some((x) => x.kernel === k));
  if ((wrong.length || faulted.length) && clean.length) s4.answers.push(`Kernels with neither wrong pages nor faults: ${kernelList(clean, m.kernels)}.`);
  out.push(s4);
  return out;
}

/** The widest line the headline prints (terminal table and legend). */
export const HEADLINE_WIDTH = 100;

/** A suggested next command: the first cell where a reader saw the wrong frame, traced. */
export interface NextCommand {
  command: string;
  why: string;
}

export function nextCommand(m: MatrixResult): NextCommand | null {
  const order = ["FAIL", "FAULT"];
  const reader = (x: MatrixCell) => x.failures.some((f) => f.op !== null && WRONG_PAGE_READERS.has(f.op));
  // the last kernel before the fix is the one to look at (the thread's 5.13 for 40ac971eab89)
  const latest = (cells: MatrixCell[]) => cells.reduce<MatrixCell | undefined>((best, x) => (!best || m.kernels.indexOf(x.kernel) > m.kernels.indexOf(best.kernel) ? x : best), undefined);
  const failing = m.cells.filter((x) => order.includes(x.verdict) && x.file);
  const first = failing.find(reader) ?? failing[0];
  const cell = first && latest(failing.filter((x) => x.scenario === first.scenario && x.platform === first.platform));
  if (!cell) return null;
  return {
    command: `dmasim run ${cell.file} --platform ${cell.platform} --kernel ${cell.kernel} --trace`,
    why: `every kernel function "${cell.scenario}" runs on ${cell.platform} ${cell.kernel}, the decisions it takes and the addresses it returns`,
  };
}

/** The headline as one JSON object: the matrix, the variant configurations, the legend and the next command. */
export function headlineJson(m: MatrixResult, platforms: readonly HeadlinePlatform[], variants: readonly HeadlineVariant[] = [], native?: HeadlineNative) {
  return { title: headlineTitle(m), ...m, variants, native, legend: headlineLegend(m, platforms, variants, native), next: nextCommand(m) };
}

function headlineTitle(m: MatrixResult): string {
  return `dmasim — the seed thread's scenarios on ${m.platforms.length} platforms × ${m.kernels.length} kernels`;
}

/** One compact table per scenario (src/format/matrix.ts compactTables), within the headline's width. */
function headlineTables(m: MatrixResult, c: Colors): string[] {
  return compactTables(m, c, (s) => wrap(s, HEADLINE_WIDTH, "", "  "));
}

export function renderHeadline(
  m: MatrixResult,
  platforms: readonly HeadlinePlatform[],
  format: MatrixFormat = "table",
  c: Colors = makeColors(false),
  variants: readonly HeadlineVariant[] = [],
  native?: HeadlineNative,
): string {
  const title = headlineTitle(m);
  const legend = headlineLegend(m, platforms, variants, native);
  const next = nextCommand(m);
  if (format === "markdown") {
    const md = legend.flatMap((s) => ["", `**${s.question}**`, "", ...s.answers.map((a) => `- ${a}`)]);
    const nx = next ? ["", `**Next:** \`${next.command}\` — ${next.why}.`] : [];
    return [`## ${title}`, "", renderMatrixMarkdown(m), ...md, ...nx].join("\n");
  }
  const text = legend.flatMap((s) => ["", c.bold(c.cyan(s.question)), ...s.answers.flatMap((a) => wrap(a, HEADLINE_WIDTH, "  - ", "    "))]);
  const key = wrap(
    "cell: the kind of address the first dma_alloc_coherent returned (linear map or vmalloc); under it, only where the run went wrong, " +
      "what: a fault (OOPS, SIGBUS, BUS ERR, BUG) or WRONG data; in lower case a fault the scenario expects; n/a: does not apply. " +
      "The questions below say which step and why.",
    HEADLINE_WIDTH,
    "",
  );
  const nx = next ? ["", c.bold("Next: trace a failing cell"), `  ${next.command}`, ...wrap(`(${next.why})`, HEADLINE_WIDTH, "  ")] : [];
  return [c.bold(title), "", ...headlineTables(m, c), ...key.map((l) => c.dim(l)), summaryLine(m, c), ...text, ...nx].join("\n");
}

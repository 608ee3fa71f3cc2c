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
import { SWITCHES } from "../versions.js";
import { cellNote, renderMatrixMarkdown, renderMatrixTable, type MatrixFormat } from "./matrix.js";
import { makeColors, type Colors } from "./style.js";

/** What the legend needs to know about a platform. */
export interface HeadlinePlatform {
  id: string;
  arch: string;
  xen?: string | null;
}

/** "5.6, 5.10, 5.13" or "all kernels" */
function kernelList(kernels: string[], all: readonly string[]): string {
  const sorted = all.filter((k) => kernels.includes(k));
  if (sorted.length === all.length) return "all kernels";
  return sorted.join(", ");
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

/** The legend, computed from the matrix (and the variant configurations). */
export function headlineLegend(m: MatrixResult, platforms: readonly HeadlinePlatform[], variants: readonly HeadlineVariant[] = []): LegendSection[] {
  const isXen = (id: string) => {
    const p = platforms.find((x) => x.id === id);
    return p ? !!p.xen : id.includes("xen");
  };
  const ran = m.cells.filter((x) => x.verdict !== "ERROR" && x.verdict !== "CRASH");
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
        "the linear map; ARM32's CMA allocator changes a lowmem page's attributes in place (a linear address), while its remap allocator " +
        "(cma=0) returns a vmap address.",
    );
  out.push(s1);
  out.push(s1);

  // 2. wrong page seen by user space / sg readers
  const wrongOps = (x: MatrixCell) => x.failures.filter((f) => f.what === "data" && f.op !== null && WRONG_PAGE_READERS.has(f.op)).map((f) => f.op!);
  const wrong = ran.filter((x) => wrongOps(x).length > 0);
  const s2: LegendSection = { question: "Where do user space / sg-table readers see the wrong page, and why?", answers: [] };
  if (wrong.length) {
    const readers = [...new Set(wrong.flatMap(wrongOps))];
    s2.answers.push(`Wrong data (${readers.join(", ")}): ${byPlatform(wrong, m)}.`);
    s2.answers.push(
      "Why: dma_mmap_coherent and dma_get_sgtable reach dma_common_mmap / dma_common_get_sgtable through the device's dma_map_ops " +
        "(swiotlb-xen on a Xen dom0). Before 40ac971eab89 these turn the buffer's CPU address into a page with virt_to_page, which is " +
        "only valid for linear-map addresses: for a vmalloc address the pfn is bogus, so user space maps (and the sg entry names) some " +
        "other physical frame, silently. dma-direct derives the page from the DMA handle instead.",
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
  const clean = m.kernels.filter((k) => !wrong.some((x) => x.kernel === k) && !faulted.some((x) => x.kernel === k));
  if ((wrong.length || faulted.length) && clean.length) s4.answers.push(`Kernels with neither wrong pages nor faults: ${clean.join(", ")}.`);
  out.push(s4);
  return out;
}

/** Wrap a paragraph to `width` columns: `first` before the first line, `rest` before the others. */
export function wrap(text: string, width: number, first: string, rest = first): string[] {
  const out: string[] = [];
  let line = "";
  const indent = () => (out.length === 0 ? first : rest);
  for (const word of text.split(/\s+/)) {
    if (line && indent().length + line.length + 1 + word.length > width) {
      out.push(indent() + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(indent() + line);
  return out;
}

export function renderHeadline(
  m: MatrixResult,
  platforms: readonly HeadlinePlatform[],
  format: MatrixFormat = "table",
  c: Colors = makeColors(false),
  variants: readonly HeadlineVariant[] = [],
): string {
  const title = `dmasim — the seed thread's scenarios on ${m.platforms.length} platforms × ${m.kernels.length} kernels`;
  const legend = headlineLegend(m, platforms, variants);
  if (format === "markdown") {
    const md = legend.flatMap((s) => ["", `**${s.question}**`, "", ...s.answers.map((a) => `- ${a}`)]);
    return [`## ${title}`, "", renderMatrixMarkdown(m), ...md].join("\n");
  }
  const text = legend.flatMap((s) => [c.bold(c.cyan(s.question)), ...s.answers.flatMap((a) => wrap(a, 110, "  - ", "    "))]);
  return [c.bold(title), renderMatrixTable(m, c), "", ...text].join("\n");
}

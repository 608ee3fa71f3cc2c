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
import { renderMatrixMarkdown, renderMatrixTable, type MatrixFormat } from "./matrix.js";
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

/** The legend lines, computed from the matrix. */
export function headlineLegend(m: MatrixResult, platforms: readonly HeadlinePlatform[], c: Colors = makeColors(false)): string[] {
  const isXen = (id: string) => {
    const p = platforms.find((x) => x.id === id);
    return p ? !!p.xen : id.includes("xen");
  };
  const ran = m.cells.filter((x) => x.verdict !== "ERROR" && x.verdict !== "CRASH");
  const out: string[] = [];
  const q = (s: string) => c.bold(c.cyan(s));

  // 1. vmalloc addresses
  const vmalloc = ran.filter((x) => x.first_alloc_kind === "vmalloc");
  const linear = ran.filter((x) => x.first_alloc_kind === "linear");
  out.push(q("Which configurations return vmalloc addresses from dma_alloc_coherent?"));
  if (vmalloc.length) {
    out.push(`  vmalloc: ${byPlatform(vmalloc, m)}.`);
    const lin = m.platforms.filter((p) => linear.some((x) => x.platform === p) && !vmalloc.some((x) => x.platform === p));
    if (lin.length) out.push(`  linear map only: ${lin.join(", ")}.`);
    out.push("  Non-coherent devices get a remapped (vmap) buffer so the CPU's alias is uncached; coherent devices get the linear map.");
  } else out.push("  none of the runs returned a vmalloc address.");

  // 2. wrong page seen by user space / sg readers
  const wrong = ran.filter((x) => x.failures.some((f) => f.what === "data" && f.op !== null && WRONG_PAGE_READERS.has(f.op)));
  out.push(q("Where do user space / sg-table readers see the wrong page, and why?"));
  if (wrong.length) {
    out.push(`  wrong data: ${byPlatform(wrong, m)}.`);
    const readers = [...new Set(wrong.flatMap((x) => x.failures.filter((f) => f.what === "data" && f.op && WRONG_PAGE_READERS.has(f.op)).map((f) => f.op!)))];
    out.push(`  (seen by ${readers.join(" and ")}.)`);
    out.push("  Why: dma_mmap_coherent / dma_get_sgtable reach dma_common_mmap / dma_common_get_sgtable through the device's");
    out.push("  dma_map_ops (swiotlb-xen on a Xen dom0). Before 40ac971eab89 they turn the buffer's CPU address into a page with");
    out.push("  virt_to_page, which is only valid for linear-map addresses: for a vmalloc address the pfn is bogus, so user space");
    out.push("  maps (and the sg entry names) some other physical frame, silently. dma-direct derives the page from the DMA handle.");
    const native = [...new Set(wrong.filter((x) => !isXen(x.platform)).map((x) => x.platform))];
    if (native.length) out.push(`  Without Xen it happens too on: ${native.join(", ")}.`);
    else out.push("  Without Xen (dma-direct) the same scenarios read the right data: the bug needs an ops backend that uses dma_common_*.");
  } else out.push("  none: every user_read / sg_read saw the device's data.");

  // 3. faults (e.g. the free path)
  const faulted = ran.filter((x) => x.verdict === "FAULT");
  if (faulted.length) {
    out.push(q("Which runs fault?"));
    const groups = new Map<string, MatrixCell[]>();
    for (const x of faulted) {
      const key = `${x.scenario}: ${x.first_failure ?? x.first_fault ?? x.faults[0] ?? "fault"}`.replace(/0x[0-9a-f]+/g, "…");
      groups.set(key, [...(groups.get(key) ?? []), x]);
    }
    for (const [, cells] of groups) out.push(`  ${byPlatform(cells, m)}: ${cells[0]!.scenario} — ${cells[0]!.first_failure ?? cells[0]!.first_fault}`);
  }

  // 4. the fixes
  out.push(q("What fixes it?"));
  out.push(`  ${sw("40ac971eab89")}: dma_common_mmap / dma_common_get_sgtable use vmalloc_to_page for vmalloc addresses.`);
  out.push(`  ${sw("8b1e868f6607")}: xen_swiotlb_free_coherent looks the page up with vmalloc_to_page.`);
  const fixedWrong = m.kernels.filter((k) => !wrong.some((x) => x.kernel === k));
  if (wrong.length && fixedWrong.length) out.push(`  Kernels where no reader saw a wrong page: ${fixedWrong.join(", ")}.`);
  return out;
}

export function renderHeadline(m: MatrixResult, platforms: readonly HeadlinePlatform[], format: MatrixFormat = "table", c: Colors = makeColors(false)): string {
  const title = `dmasim — the seed thread's scenarios on ${m.platforms.length} platforms × ${m.kernels.length} kernels`;
  if (format === "markdown") {
    return [`## ${title}`, "", renderMatrixMarkdown(m), "", ...headlineLegend(m, platforms).map((l) => (l.startsWith("  ") ? `- ${l.trim()}` : `\n**${l}**\n`))].join("\n");
  }
  return [c.bold(title), renderMatrixTable(m, c), "", ...headlineLegend(m, platforms, c)].join("\n");
}

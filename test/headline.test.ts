/**
 * The headline (`npm start`, src/format/headline.ts) on the built CLI: at most 100 columns, each
 * question once, the wrong frame described as the table shows it (SIGBUS / bus error, not
 * "silent"), 566fb90e050d explained, the next command to run, and JSON that keeps the legend.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { dmasim, ensureBuilt } from "./cli-spawn.js";
import { PLATFORMS } from "../src/platforms/index.js";
import { VERSIONS } from "../src/versions.js";

beforeAll(() => ensureBuilt(), 120_000);

const QUESTIONS = [
  "Which configurations return vmalloc addresses from dma_alloc_coherent?",
  "Where do user space / sg-table readers see the wrong page, and why?",
  "Could this happen natively?",
  "Which runs fault?",
  "What fixes it?",
];

describe.concurrent("headline", () => {
  it("text: ≤ 100 columns, every question once, SIGBUS/bus error named, 566fb90e050d, the next command", async () => {
    const o = await dmasim(["headline"]);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stderr).toBe(""); // no progress on a pipe
    const out = o.stdout;
    const wide = out.split("\n").filter((l) => [...l].length > 100);
    expect(wide, wide.join("\n")).toEqual([]);
    for (const q of QUESTIONS) expect(out.split(q).length - 1, q).toBe(1);
    // the table shows FAULT with sigbus / bus_error on rpi4-xen before 5.14 …
    expect(out).toMatch(/│ rpi4-xen\s+│ FAULT vmalloc │ FAULT vmalloc │ FAULT vmalloc │ PASS vmalloc\s+│ PASS vmalloc\s+│\n│\s+│ sigbus\s+│ sigbus\s+│ sigbus /);
    expect(out).toMatch(/│ bus_error\s+│ bus_error\s+│ bus_error\s+│/);
    // … and the legend says so instead of calling it silent
    expect(out).not.toMatch(/silent/i);
    expect(out).toContain("user_read: SIGBUS (the frame is not RAM): rpi4-xen (5.6, 5.10, 5.13).");
    expect(out).toContain("sg_read: bus error (the frame is not RAM): rpi4-xen (5.6, 5.10, 5.13).");
    expect(out).toMatch(/566fb90e050d "swiotlb-xen: fix DMA_ATTR_NO_KERNEL_MAPPING on arm" \(5\.19\): on ARM,/);
    expect(out).toContain("  dmasim run scenarios/seed-mmap.yaml --platform rpi4-xen --kernel 5.13 --trace\n");
  });

  it("--json (≡ --format json) keeps the legend's questions and answers and the next command", async () => {
    const [j, f, md] = await Promise.all([dmasim(["headline", "--json"]), dmasim(["headline", "--format", "json"]), dmasim(["headline", "--format", "markdown"])]);
    expect(j.code, j.stderr).toBe(0);
    expect(j.stdout).toBe(f.stdout);
    const h = JSON.parse(j.stdout) as {
      title: string;
      cells: { verdict: string }[];
      variants: { label: string }[];
      legend: { question: string; answers: string[] }[];
      next: { command: string };
    };
    expect(h.cells).toHaveLength(3 * PLATFORMS.length * VERSIONS.length);
    expect(h.variants.map((v) => v.label)).toEqual(["arm32 cma=0"]);
    expect(h.legend.map((s) => s.question)).toEqual(QUESTIONS);
    expect(h.legend[0]!.answers).toContain("arm32 cma=0: vmalloc (all kernels).");
    expect(h.legend[4]!.answers.some((a) => a.startsWith("566fb90e050d"))).toBe(true);
    /* the seed thread's open question, answered from the IOMMU runs */
    expect(h.legend[2]!.answers[0]).toMatch(/^Yes, behind an IOMMU: .* arm64-smmu \(all kernels\); x86_64-iommu \(5\.19\)\./);
    expect(h.legend[2]!.answers[2]).toContain("x86_64-iommu (5.6, 5.10, 5.13, 5.14)");
    expect(h.next.command).toBe("dmasim run scenarios/seed-mmap.yaml --platform rpi4-xen --kernel 5.13 --trace");
    expect(md.code).toBe(0);
    expect(md.stdout).toContain("**Which runs fault?**");
    expect(md.stdout).toContain("**Next:** `dmasim run scenarios/seed-mmap.yaml --platform rpi4-xen --kernel 5.13 --trace`");
  });
});

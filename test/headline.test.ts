/**
 * The headline (`npm start`, src/format/headline.ts) on the built CLI: at most 100 columns, each
 * question once, the wrong frame described as the table shows it (SIGBUS / bus error, not
 * "silent"), 566fb90e050d explained, the next command to run, and JSON that keeps the legend.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { dmasim, dmasimOnce, ensureBuilt } from "./cli-spawn.js";
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
    const o = await dmasimOnce(["headline"]);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stderr).toBe(""); // no progress on a pipe
    const out = o.stdout;
    const wide = out.split("\n").filter((l) => [...l].length > 100);
    expect(wide, wide.join("\n")).toEqual([]);
    for (const q of QUESTIONS) expect(out.split(q).length - 1, q).toBe(1);
    // one compact table per scenario: kernels across in VERSIONS order, one address kind per cell
    const header = "platform        " + VERSIONS.map((v) => v.id.padEnd(8)).join("").trimEnd();
    expect(out.split(header).length - 1, header).toBe(3);
    const table = (file: string) => out.slice(out.indexOf(`(${file})`)).split("\n\n")[0]!.split("\n");
    const vm = "vmalloc ".repeat(VERSIONS.length).trimEnd();
    // the table shows the faults on rpi4-xen before 5.14 under the kernels where they happen: the
    // free oops on 5.6 only (8b1e868f6607 is in 5.9), SIGBUS / bus error on 5.6, 5.10 and 5.13
    for (const [file, what] of [["scenarios/seed-atomic-free.yaml", "OOPS"], ["scenarios/seed-mmap.yaml", "SIGBUS  SIGBUS  SIGBUS"], ["scenarios/seed-sgtable.yaml", "BUS ERR BUS ERR BUS ERR"]] as const) {
      const t = table(file);
      const i = t.indexOf(`rpi4-xen        ${vm}`);
      expect(i, t.join("\n")).toBeGreaterThan(0);
      expect(t[i + 1]).toBe(" ".repeat(16) + what);
      expect(t[1]).toBe(header);
      expect(t.filter((l) => /[A-Z]{3}/.test(l) && !l.startsWith("platform"))).toEqual([t[i + 1]]); // nothing else went wrong
    }
    // where the address kind changes: x86_64-iommu's mmap buffer is vmalloc from 5.19 (f5ff79fddf0e, 5.18)
    const iommu = VERSIONS.map((v) => (v.switches.has("f5ff79fddf0e") ? "vmalloc" : "linear ").padEnd(8)).join("").trimEnd();
    expect(table("scenarios/seed-mmap.yaml")).toContain(`x86_64-iommu    ${iommu}`);
    const runs = 3 * PLATFORMS.length * VERSIONS.length;
    expect(out).toContain(`\n${runs} runs: ${runs - 7} PASS, 7 FAULT\n`);
    // … and the legend says so instead of calling it silent
    expect(out).not.toMatch(/silent/i);
    expect(out).toContain("user_read: SIGBUS (the frame is not RAM): rpi4-xen (5.6, 5.10, 5.13).");
    expect(out).toContain("sg_read: bus error (the frame is not RAM): rpi4-xen (5.6, 5.10, 5.13).");
    expect(out).toMatch(/566fb90e050d "swiotlb-xen: fix DMA_ATTR_NO_KERNEL_MAPPING on arm" \(5\.19\): on ARM,/);
    expect(out).toContain("  dmasim run scenarios/seed-mmap.yaml --platform rpi4-xen --kernel 5.13 --trace\n");
  });

  it("--json (≡ --format json) keeps the legend's questions and answers and the next command", async () => {
    const [j, f, md] = await Promise.all([dmasimOnce(["headline", "--json"]), dmasim(["headline", "--format", "json"]), dmasim(["headline", "--format", "markdown"])]);
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
    // (a run of four or more consecutive modelled kernels is written first–last)
    expect(h.legend[2]!.answers[0]).toMatch(/^Yes, behind an IOMMU: .* arm64-smmu \(all kernels\); x86_64-iommu \(5\.19–6\.18\)\./);
    expect(h.legend[2]!.answers[2]).toContain("x86_64-iommu (5.6–5.15);");
    expect(h.legend[4]!.answers).toContain("Kernels with neither wrong pages nor faults: 5.14–6.18.");
    expect(h.next.command).toBe("dmasim run scenarios/seed-mmap.yaml --platform rpi4-xen --kernel 5.13 --trace");
    expect(md.code).toBe(0);
    expect(md.stdout).toContain("**Which runs fault?**");
    expect(md.stdout).toContain("**Next:** `dmasim run scenarios/seed-mmap.yaml --platform rpi4-xen --kernel 5.13 --trace`");
  });
});

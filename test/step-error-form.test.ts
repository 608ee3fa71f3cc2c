/**
 * Run-time step errors read as the parser's do: `file:line:col: steps[N].field: message` — a version
 * gate at the op (`steps[N].op: Linux 5.10 has no dma_alloc_noncontiguous …`, at the op's value), an
 * argument's error at that argument, inside a repeat block the step's path in the file. Before, they read
 * `steps: <op>: …` at the step's start while parse errors read `steps[N].field: …` (stop 18's finding).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "dmasim-steperr-"));
function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe("run-time step errors in the parser's form (built CLI)", () => {
  it("a version gate, an argument error, a repeat block's step, and a parse error: all steps[N].field with file:line:col, exit 2", async () => {
    const gate = file("gate.yaml", 'name: g\nplatform: rpi4\nsteps:\n  - { op: dma_alloc_coherent, size: 4K, gfp: GFP_KERNEL, as: c }\n  - { op: dma_alloc_noncontiguous, size: 8K, dir: DMA_TO_DEVICE, gfp: GFP_KERNEL, as: s }\n');
    const arg = file("arg.yaml", "name: a\nplatform: rpi4\nsteps:\n  - { op: vmalloc, size: 4K, as: v }\n  - { op: kfree, buf: v }\n");
    const rep = file("rep.yaml", 'name: r\nplatform: rpi4\nkernel: "5.10"\nsteps:\n  - repeat: 2\n    as: i\n    steps:\n      - { op: kmalloc, size: 4K, gfp: GFP_KERNEL, as: "b${i}" }\n      - { op: dma_opt_mapping_size }\n');
    const parse = file("parse.yaml", "name: p\nplatform: rpi4\nsteps:\n  - { op: kmalloc, size: 4K, gfp: GFP_KERNEL, as: b, bogus: 1 }\n");
    const [g, a, r, p] = await Promise.all([runCli(["run", gate, "--kernel", "5.10"]), runCli(["run", arg]), runCli(["run", rep]), runCli(["run", parse])]);
    for (const x of [g, a, r, p]) {
      expect(x.code, x.stderr).toBe(2);
      expect(x.stdout).toBe("");
      expect(x.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(g.stderr.trim()).toBe(`${gate}:5:11: steps[1].op: Linux 5.10 has no dma_alloc_noncontiguous (added in 5.14 by 7d5b5738d151 "dma-mapping: add a dma_alloc_noncontiguous API")`);
    expect(a.stderr.trim()).toBe(`${arg}:5:23: steps[1].buf: not a kmalloc buffer (it came from vmalloc)`);
    expect(r.stderr.trim()).toBe(`${rep}:9:15: steps[0].steps[1].op: dma_opt_mapping_size does not exist in Linux 5.10 (added in 6.0 by a229cc14f339 "dma-mapping: add dma_opt_mapping_size()")`);
    expect(p.stderr.trim()).toMatch(new RegExp(`^${parse.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:4:\\d+: steps\\[0\\]\\.bogus: unknown key 'bogus'`));
  }, 60_000);
  it("matrix: the version gate is an N/A cell with the version's reason, the same wording", async () => {
    const gate = file("gate2.yaml", 'name: g\nplatform: rpi4\nsteps:\n  - { op: dma_alloc_noncontiguous, size: 8K, dir: DMA_TO_DEVICE, gfp: GFP_KERNEL, as: s }\n');
    const m = await runCli(["matrix", gate, "--platforms", "rpi4", "--kernels", "5.10,5.14", "--json"]);
    const cells = (JSON.parse(m.stdout) as { cells: { kernel: string; not_applicable?: string }[] }).cells;
    expect(cells.find((c) => c.kernel === "5.10")!.not_applicable).toBe('Linux 5.10 has no dma_alloc_noncontiguous (added in 5.14 by 7d5b5738d151 "dma-mapping: add a dma_alloc_noncontiguous API")');
    expect(cells.find((c) => c.kernel === "5.14")!.not_applicable).toBeUndefined();
  }, 60_000);
});

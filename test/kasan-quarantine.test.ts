/**
 * Generic KASAN's quarantine (mm/kasan/quarantine.c, src/mm/kasan_quarantine.ts): a kfree'd slab object
 * waits poisoned in the quarantine instead of going back to its freelist, so the next kmalloc of the
 * same size gets another object and a later use of the freed one is still reported. Before stop 26
 * dmasim put it straight back on the freelist: the next kmalloc got the same object and the use after
 * free went unreported. The quarantine gives objects back, one global batch per
 * kasan_quarantine_reduce, once it holds more than 1/32 of RAM less 1 MiB per CPU.
 */
import { describe, expect, it } from "vitest";
import { runYaml } from "./helpers.js";
import { renderTrace } from "../src/core/trace.js";

const UAF = `
name: use after free behind a later kmalloc of the same size
platform: rpi4
steps:
  - { op: kmalloc, size: 512, as: a }
  - { op: kfree, buf: a }
  - { op: kmalloc, size: 512, as: b }
  - { op: cpu_write, buf: a, data: "after free" }
`;

describe("KASAN quarantine: the freed object is not handed out again", () => {
  it.each([
    ["5.6", "0xffff0000d8ca0000", "use-after-free"],
    ["5.10", "0xffff0000d8ca0000", "use-after-free"],
    ["5.15", "0xffff0000d8c40000", "use-after-free"],
    ["6.1", "0xffff0000d8c00000", "use-after-free"],
    ["6.18", "0xffff0000d8c04000", "slab-use-after-free"],
  ])("%s: b is the next object of kmalloc-512 (s->size 1024 with KASAN's metadata), and the write through a is reported", (kernel, a, bug) => {
    const r = runYaml(UAF, { kernel, set: { CONFIG_KASAN: "y" }, trace: true });
    expect(r.steps[0]!.result.ret).toBe(a);
    expect(r.steps[2]!.result.ret).toBe("0x" + (BigInt(a) + 0x400n).toString(16));
    expect(r.faults.map((f) => [f.kind, f.message, f.step])).toEqual([["kasan", `BUG: KASAN: ${bug} in cpu_write`, 3]]);
    expect(renderTrace(r.steps[1]!.trace).join("\n")).toContain(`KASAN: ${a} is poisoned and quarantined (1 in quarantine), not back on the kmalloc-512 freelist`);
  });

  it("without KASAN the freelist is LIFO: b is a, and nothing reports the write", () => {
    const r = runYaml(UAF, { kernel: "6.18" });
    expect(r.steps[2]!.result.ret).toBe(r.steps[0]!.result.ret);
    expect(r.faults).toEqual([]);
  });

  it("a second kfree while the object waits is still KASAN's double-free", () => {
    const r = runYaml(UAF.replace("  - { op: cpu_write", "  - { op: kfree, buf: a }\n  - { op: cpu_write"), { kernel: "6.18", set: { CONFIG_KASAN: "y" } });
    expect(r.faults.map((f) => [f.kind, f.message, f.step])).toEqual([
      ["kasan", "BUG: KASAN: double-free in kfree", 3],
      ["kasan", "BUG: KASAN: slab-use-after-free in cpu_write", 4],
    ]);
  });
});

describe("KASAN quarantine: the limit (rpi4, mem=1G: 1/32 of RAM less 4 × 1 MiB)", () => {
  // 4,000 kmalloc-8k objects (s->size 16 KiB with KASAN), all freed: CPU 0's queue moves to the global ring
  // each time it passes 1 MiB (65 objects), so ≈ 61 batches wait; the limit is ≈ 19 MiB
  const yaml = `
name: quarantine limit
platform: rpi4
kernel: "6.18"
config: { CONFIG_KASAN: y, mem: 1G }
steps:
  - repeat: 4000
    steps:
      - { op: kmalloc, size: 8K, as: "a\${i}" }
  - repeat: 4000
    steps:
      - { op: kfree, buf: "a\${i}" }
  - { op: kmalloc, size: 8K, as: b }
  - { op: kmalloc, size: 8K, as: c }
  - { op: kmalloc, size: 8K, as: d }
`;
  it("each kmalloc's two KASAN hooks give back the two oldest batches; the next kmalloc gets the last object of the second", () => {
    const r = runYaml(yaml, { trace: true });
    expect(r.ok).toBe(true);
    const a = r.steps.slice(0, 4000).map((s) => s.result.ret);
    const [b, c, d] = [8000, 8001, 8002].map((i) => r.steps[i]!.result.ret);
    // b is taken before its hooks run: the freelist is empty, a new slab
    expect(a).not.toContain(b);
    // b's hooks freed batches 0 and 1 (a0–a64, a65–a129) to their own slabs (__slab_free: none is the cpu slab;
    // 2-object slabs of 16 KiB, frozen onto c->partial, drained to the node, the empty ones beyond min_partial 7
    // discarded): c is the cpu slab's other object, b's neighbour
    expect(BigInt(c as string) - BigInt(b as string)).toBe(16384n);
    // c's hooks freed batches 2 and 3 (to a259); the cpu slab used up, d comes from c->partial's head: a259's slab,
    // its last-freed object first
    expect(d).toBe(a[259]);
    const spill = renderTrace(r.steps[4000 + 64]!.trace).join("\n");
    expect(spill).toContain("KASAN quarantine: CPU 0's queue passed 1048576 bytes: 65 objects (1064960 bytes) to global batch 0; 1064960 bytes quarantined");
    const reduce = renderTrace(r.steps[8000]!.trace).join("\n").split("\n").filter((l) => l.includes("goes back"));
    expect(reduce).toHaveLength(2);
    expect(reduce[0]).toMatch(/KASAN quarantine: above (\d+) bytes: the oldest batch \(65 objects, 1064960 bytes\) goes back to the slab freelists/);
  });
});

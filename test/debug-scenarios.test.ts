/**
 * CONFIG_DMA_API_DEBUG end to end: one scenario per D-id that a driver's DMA pattern can trigger,
 * run through the modelled kernel API, checking the D-id and the kernel's key phrase.
 * D10 (syncs outside allocated range) is unreachable with the containing lookup of 5.x, D16 needs a
 * buffer inside the kernel image and D21 a radix-tree allocation failure: those three are covered
 * by the unit tests of test/debug.test.ts, which drive the checker directly. D17/D18 too: in every
 * modelled kernel (5.6–5.19) dma_map_single_attrs refuses a vmalloc address before
 * debug_dma_map_single runs (4544b9f25e70 is mainline 5.5), and no scenario op yields another
 * non-linear address that dma_map_single accepts.
 */
import { describe, expect, it } from "vitest";
import { runYaml } from "./helpers.js";

function scenario(platform: string, kernel: string, steps: string, config = "CONFIG_DMA_API_DEBUG: y, dma_debug_all_errors: y") {
  return `
name: dma-debug
platform: ${platform}
kernel: "${kernel}"
config: { ${config} }
steps:
${steps}`;
}

const KBUF = `  - { op: kmalloc, size: 4K, as: b }
`;
const MAP = (dir = "DMA_FROM_DEVICE", as = "m") => `  - { op: dma_map_single, buf: b, size: 4K, dir: ${dir}, as: ${as} }
  - { op: dma_mapping_error, map: ${as} }
`;

interface Case {
  id: string;
  rule: string;
  phrase: string;
  platform?: string;
  kernel?: string;
  steps: string;
  config?: string;
}

const CASES: Case[] = [
  {
    id: "D01",
    rule: "R-STR-03",
    phrase: "device driver tries to free an invalid DMA memory address",
    platform: "rpi4",
    steps: `  - { op: vmalloc, size: 8K, as: v }
  - { op: dma_map_single, buf: v, size: 4K, dir: DMA_TO_DEVICE, as: m }
  - { op: dma_unmap_single, map: m }
`,
  },
  { id: "D02", rule: "R-STR-04", phrase: "device driver tries to free DMA memory it has not allocated", steps: KBUF + MAP() + "  - { op: dma_unmap_single, map: m }\n  - { op: dma_unmap_single, map: m }\n" },
  { id: "D03", rule: "R-STR-04", phrase: "device driver frees DMA memory with different size [device address=", steps: KBUF + MAP() + "  - { op: dma_unmap_single, map: m, size: 2K }\n" },
  {
    id: "D04",
    rule: "R-STR-04",
    phrase: "device driver frees DMA memory with wrong function [device address=",
    steps: KBUF + "  - { op: dma_map_sg, entries: [{ buf: b, length: 4K }], dir: DMA_TO_DEVICE, as: s }\n  - { op: dma_unmap_single, map: s }\n",
  },
  {
    id: "D05",
    rule: "R-COH-07",
    phrase: "device driver frees DMA memory with different CPU address",
    platform: "x86_64",
    steps: "  - { op: dma_alloc_coherent, size: 8K, as: c }\n  - { op: dma_free_coherent, buf: c, offset: 0x1000 }\n",
  },
  {
    id: "D06",
    rule: "R-STR-05",
    phrase: "device driver frees DMA sg list with different entry count [map count=2] [unmap count=1]",
    steps: KBUF + "  - { op: dma_map_sg, entries: [{ buf: b, length: 1K }, { buf: b, offset: 2K, length: 1K }], dir: DMA_TO_DEVICE, as: s }\n  - { op: dma_unmap_sg, map: s, nents: 1 }\n",
  },
  { id: "D07", rule: "R-STR-04", phrase: "device driver frees DMA memory with different direction [device address=", steps: KBUF + MAP("DMA_TO_DEVICE") + "  - { op: dma_unmap_single, map: m, dir: DMA_BIDIRECTIONAL }\n" },
  { id: "D08", rule: "R-STR-01", phrase: "device driver failed to check map error[device address=", steps: KBUF + "  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_TO_DEVICE, as: m }\n  - { op: dma_unmap_single, map: m }\n" },
  { id: "D09", rule: "R-STR-15", phrase: "device driver tries to sync DMA memory it has not allocated", steps: KBUF + MAP() + "  - { op: dma_sync_single_for_cpu, map: m, offset: 2K, size: 4K }\n" },
  { id: "D11", rule: "R-STR-16", phrase: "device driver syncs DMA memory with different direction", steps: KBUF + MAP("DMA_TO_DEVICE") + "  - { op: dma_sync_single_for_device, map: m, dir: DMA_FROM_DEVICE }\n" },
  { id: "D12", rule: "R-STR-16", phrase: "device driver syncs device read-only DMA memory for cpu", steps: KBUF + MAP("DMA_TO_DEVICE") + "  - { op: dma_sync_single_for_cpu, map: m, dir: DMA_FROM_DEVICE }\n" },
  { id: "D13", rule: "R-STR-16", phrase: "device driver syncs device write-only DMA memory to device", steps: KBUF + MAP("DMA_FROM_DEVICE") + "  - { op: dma_sync_single_for_device, map: m, dir: DMA_TO_DEVICE }\n" },
  {
    id: "D14",
    rule: "R-STR-05",
    phrase: "device driver syncs DMA sg list with different entry count [map count=2] [sync count=1]",
    steps: KBUF + "  - { op: dma_map_sg, entries: [{ buf: b, length: 1K }, { buf: b, offset: 2K, length: 1K }], dir: DMA_FROM_DEVICE, as: s }\n  - { op: dma_sync_sg_for_cpu, map: s, nents: 1 }\n",
  },
  { id: "D15", rule: "R-ADDR-03", phrase: "device driver maps memory from stack [addr=", platform: "arm32", steps: "  - { op: stack_buffer, size: 64, as: s }\n  - { op: dma_map_single, buf: s, size: 64, dir: DMA_FROM_DEVICE, as: m }\n" },
  { id: "D19", rule: "R-ADDR-07", phrase: "cacheline tracking EEXIST, overlapping mappings aren't supported", kernel: "5.19", steps: KBUF + MAP("DMA_FROM_DEVICE", "m1") + MAP("DMA_FROM_DEVICE", "m2") },
  {
    id: "D20",
    rule: "R-ADDR-07",
    phrase: "exceeded 7 overlapping mappings of cacheline",
    kernel: "5.19",
    steps: KBUF + [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => MAP("DMA_FROM_DEVICE", `m${i}`)).join(""),
  },
  { id: "D22", rule: "R-STR-08", phrase: "device driver has pending DMA allocations while released from device [count=1]", steps: KBUF + MAP() + "  - { op: driver_unbind }\n" },
  {
    id: "D23",
    rule: "R-STR-06",
    phrase: "mapping sg segment longer than device claims to support [len=8192] [max=4096]",
    config: "CONFIG_DMA_API_DEBUG_SG: y",
    steps: "  - { op: kmalloc, size: 8K, as: b }\n  - { op: dma_set_max_seg_size, size: 4K }\n  - { op: dma_map_sg, entries: [{ buf: b, length: 8K }], dir: DMA_TO_DEVICE, as: s }\n",
  },
  {
    id: "D24",
    rule: "R-STR-06",
    phrase: "mapping sg segment across boundary [start=",
    config: "CONFIG_DMA_API_DEBUG_SG: y",
    steps: "  - { op: kmalloc, size: 8K, as: b }\n  - { op: dma_set_mask_and_coherent, bits: 64 }\n  - { op: dma_set_seg_boundary, mask: 0xfff }\n  - { op: dma_map_sg, entries: [{ buf: b, offset: 3K, length: 2K }], dir: DMA_TO_DEVICE, as: s }\n",
  },
  {
    id: "D25",
    rule: "R-DBG-03",
    phrase: "dma_debug_entry pool grown to",
    // the pool is allocated in pages of 32 entries (R-DBG-03): 32 preallocated, the 33rd map grows it
    config: "CONFIG_DMA_API_DEBUG: y, dma_debug_entries: 32",
    steps: KBUF + Array.from({ length: 33 }, (_, i) => `  - { op: dma_map_single, buf: b, offset: ${i * 64}, size: 64, dir: DMA_TO_DEVICE, as: m${i} }\n`).join(""),
  },
];

describe("dma-debug findings from scenarios (one per D-id)", () => {
  it.each(CASES)("$id ($rule): $phrase", (c) => {
    const r = runYaml(scenario(c.platform ?? "x86_64", c.kernel ?? "5.13", c.steps, c.config));
    const found = r.diagnostics.filter((d) => d.id === c.id);
    expect(found.length, `diagnostics: ${r.diagnostics.map((d) => `${d.id}: ${d.message}`).join(" | ") || "none"}`).toBeGreaterThan(0);
    expect(found[0]!.message).toContain(c.phrase);
    if (!["D19", "D20", "D25"].includes(c.id)) expect(found[0]!.message).toMatch(/^DMA-API: \S+ \S+: /);
  });

  it("printing rules (R-DBG-01): with the default num_errors=1 only the first finding is printed, all are counted", () => {
    const r = runYaml(scenario("x86_64", "5.13", KBUF + "  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_TO_DEVICE, as: m }\n  - { op: dma_unmap_single, map: m, size: 2K, dir: DMA_BIDIRECTIONAL }\n", "CONFIG_DMA_API_DEBUG: y"));
    expect(r.diagnostics.map((d) => d.id).sort()).toEqual(["D03", "D07", "D08"]);
    expect(r.diagnostics.filter((d) => d.printed).length).toBe(1);
  });

  it("a correct driver gets no findings", () => {
    const r = runYaml(scenario("rpi4", "5.13", KBUF + MAP("DMA_FROM_DEVICE") + "  - { op: dma_sync_single_for_cpu, map: m }\n  - { op: dma_unmap_single, map: m }\n  - { op: driver_unbind }\n"));
    expect(r.diagnostics).toEqual([]);
  });
});

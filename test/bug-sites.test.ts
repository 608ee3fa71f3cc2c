/**
 * BUG_ON()/VIRTUAL_BUG_ON() are reported as report_bug prints them: "kernel BUG at <file>:<line>!"
 * with each version's own file and line (src/kernel/warn-sites.ts BUG_SITES, read in the trees;
 * 5.13 has no stored tree: the file alone). dmasim printed "kernel BUG: at <file> (<function>):
 * <condition>", which no kernel prints; the condition is now a trace note.
 */
import { describe, expect, it } from "vitest";
import { runYaml } from "./helpers.js";

const dirNone = (kernel: string, platform = "rpi4") => `
name: dir none
platform: ${platform}
kernel: "${kernel}"
steps:
  - { op: kmalloc, size: 64, gfp: GFP_DMA, as: b }
  - { op: dma_map_single, buf: b, size: 64, dir: DMA_NONE, as: m }
`;

const bugs = (yaml: string) => runYaml(yaml).faults.filter((f) => f.kind === "bug").map((f) => [f.message, f.pc]);

describe("kernel BUG at file:line!", () => {
  it("dma_map_single with DMA_NONE: BUG_ON(!valid_dma_direction(dir)) where each version has it", () => {
    const want: Record<string, [string, string]> = {
      "5.6": ["kernel BUG at include/linux/dma-mapping.h:281!", "dma_map_page_attrs"], // the inline 5.6 dma_map_page_attrs
      "5.10": ["kernel BUG at kernel/dma/mapping.c:147!", "dma_map_page_attrs"],
      "5.13": ["kernel BUG at kernel/dma/mapping.c!", "dma_map_page_attrs"], // no 5.13 tree: no line claimed
      "5.14": ["kernel BUG at kernel/dma/mapping.c:149!", "dma_map_page_attrs"],
      // 5.15.178: :149 — the wangshuai199398 mirror shows :148, one line up from its local comment edit 665c7e066
      "5.15": ["kernel BUG at kernel/dma/mapping.c:149!", "dma_map_page_attrs"],
      "6.1": ["kernel BUG at kernel/dma/mapping.c:150!", "dma_map_page_attrs"],
      "6.12": ["kernel BUG at kernel/dma/mapping.c:162!", "dma_map_page_attrs"],
      "6.18": ["kernel BUG at kernel/dma/mapping.c:162!", "dma_map_phys"],
    };
    for (const [kernel, w] of Object.entries(want)) expect(bugs(dirNone(kernel)), kernel).toEqual([w]);
  });

  it("the condition the model evaluated stays in the trace", () => {
    const r = runYaml(dirNone("5.10"), { trace: true });
    expect(r.steps[1]!.trace.some((e) => e.kind === "note" && e.text === "BUG_ON(!valid_dma_direction(DMA_NONE))")).toBe(true);
  });

  it("a sync with DMA_NONE: 6.10+ BUGs in the out-of-line __dma_sync_* the inline wrapper calls (pc and line), 6.6 in dma_sync_single_for_cpu", () => {
    // 6.12.19 include/linux/dma-mapping.h:301–306 (dma_dev_need_sync, then __dma_sync_single_for_cpu), kernel/dma/mapping.c:367;
    // 6.18.35 :386 and :420; 6.6.63 mapping.c:337 in dma_sync_single_for_cpu itself. The rpi4 codec is not coherent, so it needs the sync.
    const sync = (kernel: string, op: string) => `
name: sync none
platform: rpi4
kernel: "${kernel}"
steps:
  - { op: kmalloc, size: 64, gfp: GFP_DMA, as: b }
  - { op: dma_map_single, buf: b, size: 64, dir: DMA_TO_DEVICE, as: m }
  - { op: ${op}, map: m, dir: DMA_NONE }
`;
    expect(bugs(sync("6.6", "dma_sync_single_for_cpu"))).toEqual([["kernel BUG at kernel/dma/mapping.c:337!", "dma_sync_single_for_cpu"]]);
    expect(bugs(sync("6.12", "dma_sync_single_for_cpu"))).toEqual([["kernel BUG at kernel/dma/mapping.c:367!", "__dma_sync_single_for_cpu"]]);
    expect(bugs(sync("6.18", "dma_sync_single_for_cpu"))).toEqual([["kernel BUG at kernel/dma/mapping.c:386!", "__dma_sync_single_for_cpu"]]);
    expect(bugs(sync("6.18", "dma_sync_single_for_device"))).toEqual([["kernel BUG at kernel/dma/mapping.c:403!", "__dma_sync_single_for_device"]]);
  });
});

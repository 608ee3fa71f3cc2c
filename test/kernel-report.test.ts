/**
 * The console lines of a WARN splat and of an arm64 kernel paging oops, line by line as each
 * version's tree prints them (src/kernel/panic.ts; facts in docs/verified-facts.md "Kernel report
 * layout"): the cut-here line, the WARNING line with this version's file:line, "Modules linked in:",
 * dump_stack_print_info's CPU line (UID from 6.12, the taint legend from 6.12, the preemption
 * model from 6.18), pc/lr and "Call trace:" on arm64 (" (P)" on 6.18), RIP and <TASK> on x86
 * (<TASK> from the 5.15.178 tree), the random end-trace id before 5.17; the oops's Mem abort /
 * Data abort block per version. A dev_warn stays a log line, never a splat.
 */
import { describe, expect, it } from "vitest";
import { parseScenarioText } from "../src/scenario/parse.js";
import { runScenario } from "../src/scenario/runner.js";
import { VERSIONS } from "../src/versions.js";

function run(yaml: string, platform: string, kernel: string, trace = true) {
  return runScenario(parseScenarioText(yaml, "report.yaml"), { platform, kernel, trace });
}

/** dma_map_single of a vmalloc buffer (a dev_WARN_ONCE), then a load from it after vfree (an oops). */
const WARN_THEN_OOPS = `
name: WARN, then an oops
device: default
steps:
  - { op: vmalloc, size: 8K, as: buf }
  - { op: dma_map_single, buf: buf, size: 4096, dir: DMA_TO_DEVICE, as: m, expect: { returns: DMA_MAPPING_ERROR, fault: warn } }
  - { op: vfree, buf: buf }
  - { op: cpu_read, buf: buf, offset: 0, length: 4 }
`;

/** each version: the dma-mapping.h line of the dev_WARN_ONCE, the uts release, and the dump_stack_print_info line */
const WARN_SITE: Record<string, [string | null, string]> = {
  "5.6": ["include/linux/dma-mapping.h:584", "5.6.4"],
  "5.10": ["include/linux/dma-mapping.h:275", "5.10.7"],
  "5.13": [null, "5.13.0"],
  "5.14": ["include/linux/dma-mapping.h:318", "5.14.0-rc5"],
  "5.15": ["include/linux/dma-mapping.h:331", "5.15.178"],
  "5.19": ["include/linux/dma-mapping.h:326", "5.19.0"],
  "6.1": ["include/linux/dma-mapping.h:332", "6.1.166"],
  "6.6": ["include/linux/dma-mapping.h:332", "6.6.63"],
  "6.12": ["include/linux/dma-mapping.h:384", "6.12.19"],
  "6.18": ["include/linux/dma-mapping.h:506", "6.18.35"],
};

describe("WARN splat, arm64 (rpi4), every version", () => {
  it.each(VERSIONS.map((v) => v.id))("%s: dev_WARN_ONCE in dma_map_single_attrs", (id) => {
    const r = run(WARN_THEN_OOPS, "rpi4", id);
    const w = r.faults.find((f) => f.kind === "warn")!;
    const [at, rel] = WARN_SITE[id]!;
    const v6_12 = id === "6.12" || id === "6.18";
    const random = ["5.6", "5.10", "5.13", "5.14", "5.15"].includes(id);
    expect(w.report).toEqual([
      "------------[ cut here ]------------",
      "bcm2835-codec fe00b000.v4l2: rejecting DMA map of vmalloc memory",
      at ? `WARNING: CPU: 0 PID: 1000 at ${at} dma_map_single_attrs+0x…/0x…` : "WARNING: CPU: 0 PID: 1000 at dma_map_single_attrs+0x…/0x…",
      "Modules linked in:",
      `CPU: 0 ${v6_12 ? "UID: 0 " : ""}PID: 1000 Comm: scenario Not tainted ${rel} #1${id === "6.18" ? " PREEMPT " : ""}`,
      "Hardware name: Raspberry Pi 4 Model B (DT)",
      "pc : dma_map_single_attrs+0x…/0x…",
      "Call trace:",
      ` dma_map_single_attrs+0x…/0x…${id === "6.18" ? " (P)" : ""}`,
      `---[ end trace ${random ? "3f1c2d9e8a7b6051" : "0000000000000000"} ]---`,
    ]);
  });

  it("the next report shows the W taint: per-flag characters (18 flags to 5.19, +N from 6.1, +J in 6.18) and from 6.12 the legend", () => {
    const cpuLine = (id: string) => run(WARN_THEN_OOPS, "rpi4", id).faults.find((f) => f.kind === "oops")!.report!.filter((l) => l.startsWith("CPU: ") || l.startsWith("Tainted: "));
    expect(cpuLine("5.10")).toEqual(["CPU: 0 PID: 1000 Comm: scenario Tainted: G        W         5.10.7 #1"]);
    expect(cpuLine("6.1")).toEqual(["CPU: 0 PID: 1000 Comm: scenario Tainted: G        W          6.1.166 #1"]);
    expect(cpuLine("6.6")).toEqual(["CPU: 0 PID: 1000 Comm: scenario Tainted: G        W          6.6.63 #1"]);
    expect(cpuLine("6.12")).toEqual(["CPU: 0 UID: 0 PID: 1000 Comm: scenario Tainted: G        W          6.12.19 #1", "Tainted: [W]=WARN"]);
    expect(cpuLine("6.18")).toEqual(["CPU: 0 UID: 0 PID: 1000 Comm: scenario Tainted: G        W           6.18.35 #1 PREEMPT ", "Tainted: [W]=WARN"]);
  });

  it("before 5.17 the end-trace id is random (fixed in the model) and goes up by one per report; from 5.17 it is 0", () => {
    const ends = (id: string) => run(WARN_THEN_OOPS, "rpi4", id).faults.map((f) => f.report!.at(-1));
    expect(ends("5.15")).toEqual(["---[ end trace 3f1c2d9e8a7b6051 ]---", "---[ end trace 3f1c2d9e8a7b6052 ]---"]);
    expect(ends("5.19")).toEqual(["---[ end trace 0000000000000000 ]---", "---[ end trace 0000000000000000 ]---"]);
  });

  it("without a kept call chain the report has no call trace (nothing invented)", () => {
    const w = run(WARN_THEN_OOPS, "rpi4", "5.19", false).faults.find((f) => f.kind === "warn")!;
    expect(w.report!.slice(6)).toEqual(["pc : dma_map_single_attrs+0x…/0x…", "---[ end trace 0000000000000000 ]---"]);
  });
});

describe("arm64 oops: die_kernel_fault's Mem abort info per version", () => {
  const oops = (id: string) => run(WARN_THEN_OOPS, "rpi4", id).faults.find((f) => f.kind === "oops")!.report!;
  it("5.10: 32-bit ESR, no FSC line, Oops error as %x", () => {
    const o = oops("5.10");
    expect(o.slice(0, 10)).toEqual([
      "Unable to handle kernel paging request at virtual address ffff800011b88000",
      "Mem abort info:",
      "  ESR = 0x96000007",
      "  EC = 0x25: DABT (current EL), IL = 32 bits",
      "  SET = 0, FnV = 0",
      "  EA = 0, S1PTW = 0",
      "Data abort info:",
      "  ISV = 0, ISS = 0x00000007",
      "  CM = 0, WnR = 0",
      "Internal error: Oops: 96000007 [#1] PREEMPT SMP",
    ]);
  });
  it("5.14: the FSC line (a level 3 translation fault: the vfree'd page's pte is gone)", () => {
    expect(oops("5.14").slice(2, 7)).toEqual(["  ESR = 0x96000007", "  EC = 0x25: DABT (current EL), IL = 32 bits", "  SET = 0, FnV = 0", "  EA = 0, S1PTW = 0", "  FSC = 0x07: level 3 translation fault"]);
  });
  it("5.15.178 and 6.1: 64-bit ESR and Oops error; 5.19 mainline still prints the error with %x", () => {
    for (const id of ["5.15", "6.1"]) expect(oops(id)).toContain("Internal error: Oops: 0000000096000007 [#1] PREEMPT SMP");
    expect(oops("5.19")).toContain("  ESR = 0x0000000096000007");
    expect(oops("5.19")).toContain("Internal error: Oops: 96000007 [#1] PREEMPT SMP");
    expect(oops("6.1")).toContain("  ISV = 0, ISS = 0x00000007");
  });
  it("6.6 on: ISS2, TnD/TagAccess and the GCS/Overlay/DirtyBit/Xs line; 6.18's __die has no PREEMPT", () => {
    for (const id of ["6.6", "6.12", "6.18"]) {
      const o = oops(id);
      expect(o.slice(8, 11)).toEqual(["  ISV = 0, ISS = 0x00000007, ISS2 = 0x00000000", "  CM = 0, WnR = 0, TnD = 0, TagAccess = 0", "  GCS = 0, Overlay = 0, DirtyBit = 0, Xs = 0"]);
    }
    expect(oops("6.12")).toContain("Internal error: Oops: 0000000096000007 [#1] PREEMPT SMP");
    expect(oops("6.18")).toContain("Internal error: Oops: 0000000096000007 [#1]  SMP");
  });
  it("the seed's free oops on rpi4-xen 5.6: a user-half address (level 0), show_pte's swapper line, the call trace", async () => {
    const { readFileSync } = await import("node:fs");
    const r = runScenario(parseScenarioText(readFileSync("scenarios/seed-atomic-free.yaml", "utf8"), "seed-atomic-free.yaml"), { platform: "rpi4-xen", kernel: "5.6", trace: true });
    expect(r.faults[0]!.report).toEqual([
      "Unable to handle kernel paging request at virtual address 0000000000268140",
      "Mem abort info:",
      "  ESR = 0x96000004",
      "  EC = 0x25: DABT (current EL), IL = 32 bits",
      "  SET = 0, FnV = 0",
      "  EA = 0, S1PTW = 0",
      "Data abort info:",
      "  ISV = 0, ISS = 0x00000004",
      "  CM = 0, WnR = 0",
      "[0000000000268140] user address but active_mm is swapper",
      "Internal error: Oops: 96000004 [#1] PREEMPT SMP",
      "Modules linked in:",
      "CPU: 0 PID: 1000 Comm: scenario Not tainted 5.6.4 #1",
      "Hardware name: Raspberry Pi 4 Model B (DT)",
      "pc : xen_swiotlb_free_coherent+0x…/0x…",
      "lr : dma_free_attrs+0x…/0x…",
      "Call trace:",
      " xen_swiotlb_free_coherent+0x…/0x…",
      " dma_free_attrs+0x…/0x…",
      "---[ end trace 3f1c2d9e8a7b6051 ]---",
    ]);
  });
});

describe("ARM32 WARN: warn_slowpath_fmt and dump_stack; the unwinder's \"callee from caller\" lines from the 5.17 tree", () => {
  const MAP = WARN_THEN_OOPS.split("\n").filter((l) => !/vfree|cpu_read/.test(l)).join("\n");
  it("5.15 prints addresses in its backtrace (left out); 5.19 and 6.12 print the frames from unwind_backtrace down", () => {
    const rep = (id: string) => run(MAP, "arm32", id).faults.find((f) => f.kind === "warn")!.report!;
    expect(rep("5.15").slice(4)).toEqual(["CPU: 0 PID: 1000 Comm: scenario Not tainted 5.15.178 #1", "Hardware name: Generic DT based system", "---[ end trace 3f1c2d9e8a7b6051 ]---"]);
    // no __WARN_FLAGS on ARM: warn_slowpath_fmt → __warn vprintk's the dev_WARN_ONCE message after the WARNING line
    expect(rep("5.19").slice(0, 4)).toEqual(["------------[ cut here ]------------", "WARNING: CPU: 0 PID: 1000 at include/linux/dma-mapping.h:326 dma_map_single_attrs+0x…/0x…", "bcm2835-codec fe00b000.v4l2: rejecting DMA map of vmalloc memory", "Modules linked in:"]);
    expect(rep("5.19").slice(1)).toEqual([
      "WARNING: CPU: 0 PID: 1000 at include/linux/dma-mapping.h:326 dma_map_single_attrs+0x…/0x…",
      "bcm2835-codec fe00b000.v4l2: rejecting DMA map of vmalloc memory",
      "Modules linked in:",
      "CPU: 0 PID: 1000 Comm: scenario Not tainted 5.19.0 #1",
      "Hardware name: Generic DT based system",
      " unwind_backtrace from show_stack+0x…/0x…",
      " show_stack from dump_stack_lvl+0x…/0x…",
      " dump_stack_lvl from __warn+0x…/0x…",
      " __warn from warn_slowpath_fmt+0x…/0x…",
      " warn_slowpath_fmt from dma_map_single_attrs+0x…/0x…",
      "---[ end trace 0000000000000000 ]---",
    ]);
    expect(rep("6.12")).toContain(" warn_slowpath_fmt from dma_map_single_attrs+0x…/0x…");
    expect(rep("6.12")).toContain("CPU: 0 UID: 0 PID: 1000 Comm: scenario Not tainted 6.12.19 #1");
  });
});

describe("x86_64 WARN: RIP and Call Trace, <TASK> from the 5.15.178 tree", () => {
  const MASK = `
name: mask below RAM without swiotlb
device: default
config: { mem: 2G }
steps:
  - { op: dma_set_mask, bits: 24 }
  - { op: kmalloc, size: 4096, gfp: GFP_KERNEL, as: b }
  - { op: dma_map_single, buf: b, size: 4096, dir: DMA_TO_DEVICE, as: m }
`;
  const warn = (yaml: string, id: string) => run(yaml, "x86_64", id).faults.find((f) => f.kind === "warn")!;
  const tail = (r: string[]) => r.slice(r.findIndex((l) => l.startsWith("RIP: ")));
  it("5.14 has no <TASK> markers, the 5.15.178 tree has them (dma_map_single_attrs' dev_WARN_ONCE)", () => {
    const w514 = warn(WARN_THEN_OOPS, "5.14").report!;
    const w515 = warn(WARN_THEN_OOPS, "5.15").report!;
    expect(w514.slice(2, 5)).toEqual(["WARNING: CPU: 0 PID: 1000 at include/linux/dma-mapping.h:318 dma_map_single_attrs+0x…/0x…", "Modules linked in:", "CPU: 0 PID: 1000 Comm: scenario Not tainted 5.14.0-rc5 #1"]);
    expect(tail(w514)).toEqual(["RIP: 0010:dma_map_single_attrs+0x…/0x…", "Call Trace:", "---[ end trace 3f1c2d9e8a7b6051 ]---"]);
    expect(tail(w515)).toEqual(["RIP: 0010:dma_map_single_attrs+0x…/0x…", "Call Trace:", " <TASK>", " </TASK>", "---[ end trace 3f1c2d9e8a7b6051 ]---"]);
    // no DMI name modelled for the PC: dump_stack_print_info prints no Hardware name line
    expect(w515.some((l) => l.startsWith("Hardware name:"))).toBe(false);
  });
  it("the direct.h dev_WARN_ONCE is static inline: the WARNING and RIP name the function it is compiled into (5.19, 6.18)", () => {
    const w519 = warn(MASK, "5.19").report!;
    const w618 = warn(MASK, "6.18").report!;
    expect(w519[2]).toBe("WARNING: CPU: 0 PID: 1000 at kernel/dma/direct.h:97 dma_map_page_attrs+0x…/0x…");
    expect(tail(w519)).toEqual(["RIP: 0010:dma_map_page_attrs+0x…/0x…", "Call Trace:", " <TASK>", " dma_map_single_attrs+0x…/0x…", " </TASK>", "---[ end trace 0000000000000000 ]---"]);
    // (6.18 inlines dma_direct_map_phys into whichever mapping.c function calls it: the symbol follows the model's chain)
    expect(w618[2]).toMatch(/^WARNING: CPU: 0 PID: 1000 at kernel\/dma\/direct\.h:117 \w+\+0x…\/0x…$/);
    expect(w618).toContain("CPU: 0 UID: 0 PID: 1000 Comm: scenario Not tainted 6.18.35 #1 PREEMPT(voluntary) ");
  });
});

describe("explain shows the console lines; a function a version renamed is printed under its name", () => {
  it("kvmalloc_node's WARN_ON_ONCE for a 1 TiB page array behind the SMMU: mm/util.c:624 on 5.19, __kvmalloc_node_noprof at mm/util.c:670 on 6.12", async () => {
    const { explain } = await import("../src/explain.js");
    const { renderExplain } = await import("../src/format/explain.js");
    const e519 = explain("dma_alloc_coherent", { platform: "arm64-smmu", kernel: "5.19", size: 2 ** 40 });
    expect(e519.faults[0]!.report).toEqual([
      "------------[ cut here ]------------",
      "WARNING: CPU: 0 PID: 1000 at mm/util.c:624 kvmalloc_node+0x…/0x…",
      "Modules linked in:",
      "CPU: 0 PID: 1000 Comm: scenario Not tainted 5.19.0 #1",
      "pc : kvmalloc_node+0x…/0x…",
      "lr : __iommu_dma_alloc_pages+0x…/0x…",
      "Call trace:",
      " kvmalloc_node+0x…/0x…",
      " __iommu_dma_alloc_pages+0x…/0x…",
      // 5.14+: iommu_dma_alloc_remap → __iommu_dma_alloc_noncontiguous → __iommu_dma_alloc_pages (5.19 dma-iommu.c:845–869)
      " __iommu_dma_alloc_noncontiguous+0x…/0x…",
      " iommu_dma_alloc_remap+0x…/0x…",
      " iommu_dma_alloc+0x…/0x…",
      " dma_alloc_attrs+0x…/0x…",
      "---[ end trace 0000000000000000 ]---",
    ]);
    expect(renderExplain(e519).split("\n")[1]).toBe("(Linux 5.19 as modelled follows yishangzhang/linux-5.19 @4a8550523ce9 (5.19.0))");
    expect(renderExplain(e519)).toContain("console (warn):\n  │ ------------[ cut here ]------------\n  │ WARNING: CPU: 0 PID: 1000 at mm/util.c:624 kvmalloc_node+0x…/0x…\n");
    const e612 = explain("dma_alloc_coherent", { platform: "arm64-smmu", kernel: "6.12", size: 2 ** 40 }).faults[0]!.report!;
    expect(e612[1]).toBe("WARNING: CPU: 0 PID: 1000 at mm/util.c:670 __kvmalloc_node_noprof+0x…/0x…");
    expect(e612).toContain(" __kvmalloc_node_noprof+0x…/0x…");
    // 5.14 has no INT_MAX check (7661809d493b is 5.15): no WARN at all
    expect(explain("dma_alloc_coherent", { platform: "arm64-smmu", kernel: "5.14", size: 2 ** 40 }).faults).toEqual([]);
  });
});

describe("a double vfree: __vunmap's WARN to 6.1, vfree's from 6.6", () => {
  const DOUBLE = `
name: double vfree
device: default
steps:
  - { op: vmalloc, size: 8K, as: buf }
  - { op: vfree, buf: buf }
  - { op: vfree, buf: buf }
`;
  it.each([
    ["5.6", "mm/vmalloc.c:2296 __vunmap"],
    ["5.19", "mm/vmalloc.c:2641 __vunmap"],
    ["6.1", "mm/vmalloc.c:2701 __vunmap"],
    ["6.6", "mm/vmalloc.c:2843 vfree"],
    ["6.18", "mm/vmalloc.c:3430 vfree"],
  ])("%s: %s", (id, where) => {
    const w = run(DOUBLE, "rpi4", id, false).faults.find((f) => f.kind === "warn")!;
    expect(w.report!.slice(1, 3)).toEqual([w.message, `WARNING: CPU: 0 PID: 1000 at ${where}+0x…/0x…`]);
    expect(w.message).toMatch(/^Trying to vfree\(\) nonexistent vm area \([0-9a-f]{16}\)$/);
  });
});

describe("which WARN records print a message line", () => {
  it("a bare WARN_ON prints none; a WARN with a format prints its text", async () => {
    const { warn_printed } = await import("../src/kernel/panic.js");
    expect(warn_printed("bcm2835-codec fe00b000.v4l2: rejecting DMA map of vmalloc memory")).toBe("bcm2835-codec fe00b000.v4l2: rejecting DMA map of vmalloc memory");
    expect(warn_printed("WARNING: xen_swiotlb_free_coherent: WARN_ON_ONCE(dma_handle + size - 1 > dev->coherent_dma_mask)")).toBeUndefined();
    expect(warn_printed("WARNING: at mm/util.c kvmalloc_node: WARN_ON_ONCE(!(flags & __GFP_NOWARN)) for size 4294967296 > INT_MAX")).toBeUndefined();
    expect(warn_printed("WARNING: at kernel/dma/swiotlb.c swiotlb_bounce: nvme 0000:01:00.0: Buffer overflow detected. Allocation size: 4096. Mapping size: 8192.")).toBe("nvme 0000:01:00.0: Buffer overflow detected. Allocation size: 4096. Mapping size: 8192.");
  });
});

describe("a dev_warn is a log line, not a splat", () => {
  it("dev_printk goes to the log with no fault and no taint; WARN records a splat and taints the next report", async () => {
    const { bootK } = await import("./helpers.js");
    const k = bootK("rpi4", "6.12");
    const dev = k.devices.get("fe00b000.v4l2")!;
    const faults = k.faults.length;
    k.dev_printk("warn", dev, "swiotlb buffer is full (sz: 4096 bytes), total 32768 (slots), used 32768 (slots)");
    expect(k.faults.length).toBe(faults);
    expect(k.tainted_mask).toBe(0);
    expect(k.klog.at(-1)).toMatchObject({ level: "warn", message: "bcm2835-codec fe00b000.v4l2: swiotlb buffer is full (sz: 4096 bytes), total 32768 (slots), used 32768 (slots)" });
    k.warn("Failed to get suitable pool for fe00b000.v4l2", "dma_alloc_from_pool", "kernel/dma/pool.c:277");
    const w = k.faults.at(-1)!;
    expect(w.report!.slice(0, 5)).toEqual([
      "------------[ cut here ]------------",
      "Failed to get suitable pool for fe00b000.v4l2",
      "WARNING: CPU: 0 PID: 1000 at kernel/dma/pool.c:277 dma_alloc_from_pool+0x…/0x…",
      "Modules linked in:",
      "CPU: 0 UID: 0 PID: 1000 Comm: scenario Not tainted 6.12.19 #1",
    ]);
    k.warn("WARNING: dma_map_page_attrs: !dev->dma_mask", "dma_map_page_attrs");
    expect(k.faults.at(-1)!.report!.slice(0, 5)).toEqual([
      "------------[ cut here ]------------",
      "WARNING: CPU: 0 PID: 1000 at kernel/dma/mapping.c:164 dma_map_page_attrs+0x…/0x…", // its one WARN site in 6.12.19, found by name
      "Modules linked in:",
      "CPU: 0 UID: 0 PID: 1000 Comm: scenario Tainted: G        W          6.12.19 #1",
      "Tainted: [W]=WARN",
    ]);
  });
});

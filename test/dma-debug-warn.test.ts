/**
 * kernel/dma/debug.c err_printk is WARN(1, pr_fmt("%s %s: ") format, …) followed by
 * dump_entry_trace (5.6.4 … 6.18.35 trees): a printed dma-debug error is a full WARN splat — the
 * "DMA-API: <driver> <device>: <text>" message, "WARNING: … at kernel/dma/debug.c:<line of the
 * err_printk call> <function>+…", the regs and call trace, the end marker — and taints the kernel W,
 * so a later WARN's CPU line says "Tainted: G        W". An error that show_num_errors no longer
 * lets print (the diagnostic's printed: false) prints no splat and does not taint. The D-id
 * diagnostic itself is the same as before. Lines read in the trees (docs/verified-facts.md,
 * "dma-debug err_printk WARN sites (stop 23)").
 */
import { describe, expect, it } from "vitest";
import { runYaml } from "./helpers.js";
import type { RunResult } from "../src/scenario/types.js";

function scenario(platform: string, kernel: string, steps: string, config = "CONFIG_DMA_API_DEBUG: y") {
  return `
name: dma-debug WARN
platform: ${platform}
kernel: "${kernel}"
config: { ${config} }
steps:
  - { op: kmalloc, size: 4K, as: b }
${steps}  - { op: kmalloc, size: 1T, as: big }
`;
}

const MAP_TO_DEVICE = `  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_TO_DEVICE, as: m }
  - { op: dma_mapping_error, map: m }
`;
/** D07: mapped DMA_TO_DEVICE, unmapped DMA_FROM_DEVICE (check_unmap) */
const D07 = MAP_TO_DEVICE + "  - { op: dma_unmap_single, map: m, dir: DMA_FROM_DEVICE }\n";
/** D11: synced for the device with another direction than the mapping's (check_sync) */
const D11 = MAP_TO_DEVICE + "  - { op: dma_sync_single_for_device, map: m, dir: DMA_FROM_DEVICE }\n";

/** the err_printk call's line in kernel/dma/debug.c (5.10.7, 6.1.166, 6.18.35) and uts release */
const LINES: Record<string, { D07: number; D11: number; D02: number; rel: string; unmap: string; map: string }> = {
  "5.10": { D07: 1012, D11: 1120, D02: 963, rel: "5.10.7", unmap: "debug_dma_unmap_page", map: "debug_dma_map_page" },
  "6.1": { D07: 1023, D11: 1125, D02: 974, rel: "6.1.166", unmap: "debug_dma_unmap_page", map: "debug_dma_map_page" },
  // 6.18's phys API: check_unmap is called from debug_dma_unmap_phys (6.18.35 kernel/dma/debug.c:1308/:1321)
  "6.18": { D07: 1046, D11: 1149, D02: 996, rel: "6.18.35", unmap: "debug_dma_unmap_phys", map: "debug_dma_map_phys" },
};
const DEV: Record<string, string> = { rpi4: "bcm2835-codec fe00b000.v4l2", x86_64: "snd_hda_intel 0000:02:00.0" };

/** every log line the run printed (trace notes), in order */
function notes(r: RunResult): string[] {
  return r.steps.flatMap((s) => s.trace.filter((e) => e.kind === "note").map((e) => (e as { text: string }).text));
}

/** the CPU line of the last step's (the kmalloc of 1 TiB) order WARN */
function laterWarnCpuLine(r: RunResult): string {
  const w = r.faults.filter((f) => f.kind === "warn").at(-1)!;
  return w.report!.find((l) => l.startsWith("CPU: "))!;
}

describe.each(["rpi4", "x86_64"])("err_printk is a WARN (%s)", (platform) => {
  it.each(Object.keys(LINES))("%s: D07 in check_unmap — the splat at the err_printk line, then Mapped at:, and a later WARN is Tainted: G W", (v) => {
    const L = LINES[v]!;
    const r = runYaml(scenario(platform, v, D07), { trace: true });
    const d = r.diagnostics.find((x) => x.id === "D07")!;
    expect(d.printed).toBe(true);
    expect(d.message).toMatch(new RegExp(`^DMA-API: ${DEV[platform]}: device driver frees DMA memory with different direction \\[device address=0x[0-9a-f]{16}\\] \\[size=4096 bytes\\] \\[mapped with DMA_TO_DEVICE\\] \\[unmapped with DMA_FROM_DEVICE\\]$`));
    const log = notes(r);
    const cut = log.indexOf("------------[ cut here ]------------");
    expect(cut).toBeGreaterThanOrEqual(0);
    expect(log[cut + 1]).toBe(d.message); // pr_fmt("%s %s: ") format: the diagnostic's text is the WARN's message
    expect(log[cut + 2]).toBe(`WARNING: CPU: 0 PID: 1000 at kernel/dma/debug.c:${L.D07} check_unmap+0x…/0x…`);
    expect(log[cut + 3]).toBe("Modules linked in:");
    expect(log[cut + 4]).toMatch(new RegExp(`^CPU: 0 (UID: 0 )?PID: 1000 Comm: scenario Not tainted ${L.rel.replace(/\./g, "\\.")} #1`));
    const end = log.findIndex((l, i) => i > cut && l.startsWith("---[ end trace "));
    expect(log.slice(cut, end).some((l) => l.includes("check_unmap+0x…/0x…") && (l.startsWith("pc : ") || l.startsWith("RIP: 0010:")))).toBe(true);
    expect(log.slice(cut, end)).toContain(` ${L.unmap}+0x…/0x…`); // the call trace from the run's chain
    expect(log[end + 1]).toBe("DMA-API: Mapped at:"); // dump_entry_trace after the WARN
    expect(log[end + 2]).toBe(` ${L.map}`);
    // the WARN tainted the kernel: the later order WARN of kmalloc(1 TiB) says so
    expect(laterWarnCpuLine(r)).toContain(` Tainted: G        W `);
  });

  it.each(Object.keys(LINES))("%s: D11 in check_sync — WARNING at its own line", (v) => {
    const r = runYaml(scenario(platform, v, D11), { trace: true });
    expect(r.diagnostics.map((x) => [x.id, x.printed])).toEqual([["D11", true]]);
    const log = notes(r);
    expect(log.filter((l) => l.startsWith("WARNING: "))).toEqual([`WARNING: CPU: 0 PID: 1000 at kernel/dma/debug.c:${LINES[v]!.D11} check_sync+0x…/0x…`]);
    expect(laterWarnCpuLine(r)).toContain(` Tainted: G        W `);
  });

  it.each(Object.keys(LINES))("%s: show_num_errors exhausted — the error is counted but prints no splat and does not taint", (v) => {
    // num_errors 0: nothing prints
    const r0 = runYaml(scenario(platform, v, D07, "CONFIG_DMA_API_DEBUG: y, dma_debug_num_errors: 0"), { trace: true });
    expect(r0.diagnostics.map((x) => [x.id, x.printed])).toEqual([["D07", false]]);
    expect(notes(r0).filter((l) => l.includes("cut here") || l.startsWith("WARNING: ") || l === "DMA-API: Mapped at:")).toEqual([]);
    expect(laterWarnCpuLine(r0)).toContain(" Not tainted ");
    // num_errors 1 (the default): D07 prints its splat, the D02 of a second unmap does not
    const r1 = runYaml(scenario(platform, v, D07 + "  - { op: dma_unmap_single, map: m }\n"), { trace: true });
    expect(r1.diagnostics.map((x) => [x.id, x.printed])).toEqual([["D07", true], ["D02", false]]);
    expect(notes(r1).filter((l) => l.startsWith("WARNING: "))).toEqual([`WARNING: CPU: 0 PID: 1000 at kernel/dma/debug.c:${LINES[v]!.D07} check_unmap+0x…/0x…`]);
    // all_errors: both print, D02 at its own line
    const ra = runYaml(scenario(platform, v, D07 + "  - { op: dma_unmap_single, map: m }\n", "CONFIG_DMA_API_DEBUG: y, dma_debug_all_errors: y"), { trace: true });
    expect(notes(ra).filter((l) => l.startsWith("WARNING: "))).toEqual([
      `WARNING: CPU: 0 PID: 1000 at kernel/dma/debug.c:${LINES[v]!.D07} check_unmap+0x…/0x…`,
      `WARNING: CPU: 0 PID: 1000 at kernel/dma/debug.c:${LINES[v]!.D02} check_unmap+0x…/0x…`,
    ]);
  });
});

describe("err_printk WARN without a trace", () => {
  it("6.12 rpi4 (the user walk): no call chain kept, yet the kernel is tainted W by the dma-debug WARN", () => {
    const r = runYaml(scenario("rpi4", "6.12", D07));
    expect(r.diagnostics.map((x) => [x.id, x.printed])).toEqual([["D07", true]]);
    const w = r.faults.filter((f) => f.kind === "warn").at(-1)!;
    expect(w.report).toContain("CPU: 0 UID: 0 PID: 1000 Comm: scenario Tainted: G        W          6.12.19 #1");
    expect(w.report).toContain("Tainted: [W]=WARN");
  });
});

/**
 * D20: active_cacheline_inc_overlap's WARN_ONCE(overlap > ACTIVE_CACHELINE_MAX_OVERLAP, pr_fmt("exceeded %d overlapping
 * mappings of cacheline %pa\n"), …) (5.6.4–6.18.35): a plain WARN_ONCE, so a splat at its own line once per boot,
 * whatever num_errors says, and taint W. With dma_debug_num_errors 0 the EEXIST err_printk (D19) prints nothing, so the
 * taint comes from the D20 splat alone.
 */
describe("D20 is a WARN_ONCE splat", () => {
  const D20_LINE: Record<string, number> = { "5.10": 498, "6.1": 499, "6.18": 465 };
  const MAPS = Array.from({ length: 10 }, (_, i) => `  - { op: dma_map_single, buf: b, size: 64, dir: DMA_FROM_DEVICE, as: m${i} }\n`).join("");
  it.each(["rpi4", "x86_64", "arm32"].flatMap((p) => Object.keys(D20_LINE).map((v) => [p, v] as const)))("%s %s: one splat at kernel/dma/debug.c active_cacheline_inc_overlap, the 10th map's D20 silent, a later WARN Tainted: G W", (platform, v) => {
    // (on ARM32 the closing kmalloc(1 TiB) is a 32-bit size_t of 0: an 8 MiB one gives the later order WARN there)
    const tail = platform === "arm32" ? "  - { op: kmalloc, size: 8M, as: big2 }\n" : "";
    const r = runYaml(scenario(platform, v, MAPS + tail, "CONFIG_DMA_API_DEBUG: y, dma_debug_num_errors: 0"), { trace: true });
    const d20 = r.diagnostics.filter((x) => x.id === "D20");
    expect(d20.map((x) => x.printed)).toEqual([true, false]);
    expect(r.diagnostics.filter((x) => x.id === "D19").every((x) => !x.printed)).toBe(true);
    const log = notes(r);
    const at = `WARNING: CPU: 0 PID: 1000 at kernel/dma/debug.c:${D20_LINE[v]} active_cacheline_inc_overlap+0x…/0x…`;
    expect(log.filter((l) => l.startsWith("WARNING: "))).toEqual([at]);
    const cut = log.indexOf("------------[ cut here ]------------");
    // arm64 / x86: __warn_printk's message before the trap's WARNING line; ARM32: warn_slowpath_fmt's __warn prints it after
    const order = platform === "arm32" ? [at, d20[0]!.message] : [d20[0]!.message, at];
    expect(log.slice(cut + 1, cut + 4)).toEqual([...order, "Modules linked in:"]);
    expect(d20[0]!.message).toMatch(/^DMA-API: exceeded 7 overlapping mappings of cacheline 0x[0-9a-f]+$/);
    expect(log[cut + 4]).toMatch(/^CPU: 0 (UID: 0 )?PID: 1000 Comm: scenario Not tainted /);
    expect(laterWarnCpuLine(r)).toContain(" Tainted: G        W ");
  });

  it("without the 8th overlapping map there is no splat and no taint", () => {
    const r = runYaml(scenario("rpi4", "6.1", MAPS.split("\n").slice(0, 8).join("\n") + "\n", "CONFIG_DMA_API_DEBUG: y, dma_debug_num_errors: 0"), { trace: true });
    expect(r.diagnostics.filter((x) => x.id === "D20")).toEqual([]);
    expect(notes(r).some((l) => l.startsWith("WARNING: "))).toBe(false);
    expect(laterWarnCpuLine(r)).toContain(" Not tainted ");
  });
});

/**
 * The KASAN gaps G2, G3 and G4 of docs/verified-facts.md, fixed: KASAN_VMALLOC's shadow of vmalloc
 * areas (arm64 from 5.13, acc3042d62cb; 32-bit ARM from 6.0, 565cbaad83d8) and its
 * "vmalloc-out-of-bounds" report before the fault; a second kfree of a kmalloc_large buffer per era
 * (BUG_ON to 5.13, VM_BUG_ON_PAGE 5.14–5.15 (f227f0faf63b), WARN_ON_ONCE from 5.16 (d0fe47c64152),
 * then the KASAN report and __free_pages(page, 0)); the arm64 KASAN shadow in the layout (above the
 * linear map to 5.10, the top of the linear map — PAGE_END = KASAN_SHADOW_START — from 5.11); G5: the
 * physical memory arm64's (and, from 5.11, 32-bit ARM's) kasan_init takes from memblock for the shadow.
 */
import { describe, expect, it } from "vitest";
import { bootK, runYaml } from "./helpers.js";
import { NotApplicable } from "../src/core/faults.js";
import { runMatrix } from "../src/matrix.js";
import { parseScenarioText } from "../src/scenario/parse.js";
import { hashP } from "./hash-ptr.js";

const y = (steps: string, cfg = "CONFIG_KASAN: y") => `name: t\ndevice: default\nconfig: { ${cfg} }\nsteps:\n${steps}\n`;
const AFTER_VFREE = (access: string) => y(`  - { op: vmalloc, size: 8K, as: buf }\n  - { op: vfree, buf: buf }\n  - ${access}`);

describe("G2: KASAN_VMALLOC — a CPU access to a vfree'd area reports vmalloc-out-of-bounds, then faults", () => {
  it("rpi4 5.15, 6.1, 6.18: the report at 0xffff800009b88000 (6.18: 0xffff800081b88000, the 2 GiB module region of 3e35d303ab7d), then the oops at the same address; 5.10 (no KASAN_VMALLOC on arm64) only the oops, 32 TiB higher", () => {
    for (const v of ["5.15", "6.1", "6.18"]) {
      const va = v === "6.18" ? "ffff800081b88000" : "ffff800009b88000";
      const r = runYaml(AFTER_VFREE("{ op: cpu_read, buf: buf, offset: 0, length: 4 }"), { platform: "rpi4", kernel: v });
      expect(r.faults.map((f) => [f.kind, f.message, f.step]), v).toEqual([
        ["kasan", "BUG: KASAN: vmalloc-out-of-bounds in cpu_read", 2],
        ["oops", `Unable to handle kernel paging request at virtual address ${va}`, 2],
      ]);
      expect(r.faults[0]!.lines, v).toEqual([`Read of size 4 at addr ${va} by task scenario/1000`]);
    }
    const r = runYaml(AFTER_VFREE("{ op: cpu_read, buf: buf, offset: 0, length: 4 }"), { platform: "rpi4", kernel: "5.10" });
    expect(r.faults.map((f) => [f.kind, f.message])).toEqual([["oops", "Unable to handle kernel paging request at virtual address ffffa00011b88000"]]);
  });

  it("the report taints the kernel B (end_report's add_taint(TAINT_BAD_PAGE)), so the oops that follows says so", () => {
    const oops = (v: string) => runYaml(AFTER_VFREE("{ op: cpu_read, buf: buf, offset: 0, length: 4 }"), { platform: "rpi4", kernel: v }).faults.find((f) => f.kind === "oops")!.report!;
    expect(oops("6.6")).toContain("CPU: 0 PID: 1000 Comm: scenario Tainted: G    B              6.6.63 #1");
    const o618 = oops("6.18");
    expect(o618).toContain("CPU: 0 UID: 0 PID: 1000 Comm: scenario Tainted: G    B               6.18.35 #1 PREEMPT ");
    expect(o618).toContain("Tainted: [B]=BAD_PAGE");
  });

  it("a store 16 bytes in on 6.12; without KASAN no report", () => {
    const r = runYaml(AFTER_VFREE(`{ op: cpu_write, buf: buf, offset: 16, data: "ab" }`), { platform: "rpi4", kernel: "6.12" });
    expect(r.faults[0]).toMatchObject({ kind: "kasan", message: "BUG: KASAN: vmalloc-out-of-bounds in cpu_write", lines: ["Write of size 2 at addr ffff800081b88010 by task scenario/1000"] });
    expect(r.faults[1]!.kind).toBe("oops");
    const off = runYaml(AFTER_VFREE(`{ op: cpu_write, buf: buf, offset: 16, data: "ab" }`).replace("CONFIG_KASAN: y", "CONFIG_DEBUG_VM: y"), { platform: "rpi4", kernel: "6.12" });
    expect(off.faults.map((f) => f.kind)).toEqual(["oops"]);
  });

  it("a live area: the bytes past the requested size (5000 of 8K) and the guard page are KASAN_VMALLOC_INVALID; inside it nothing is reported", () => {
    const steps = (access: string) => y(`  - { op: vmalloc, size: 5000, as: buf }\n  - ${access}`);
    const inside = runYaml(steps("{ op: cpu_read, buf: buf, offset: 4992, length: 8 }"), { platform: "rpi4", kernel: "6.6" });
    expect(inside.faults).toEqual([]);
    const past = runYaml(steps("{ op: cpu_read, buf: buf, offset: 4996, length: 8 }"), { platform: "rpi4", kernel: "6.6" });
    expect(past.faults).toEqual([expect.objectContaining({ kind: "kasan", message: "BUG: KASAN: vmalloc-out-of-bounds in cpu_read", lines: ["Read of size 8 at addr ffff800081b89384 by task scenario/1000"] })]);
  });

  it("a vunmap'd coherent remap (rpi4's v4l2 is not coherent) is poisoned too", () => {
    const r = runYaml(y(`  - { op: dma_alloc_coherent, size: 64K, as: b }\n  - { op: dma_free_coherent, buf: b }\n  - { op: cpu_read, buf: b, offset: 0, length: 4 }`), { platform: "rpi4", kernel: "6.1" });
    expect(r.steps[0]!.result.addr_kind).toBe("vmalloc");
    const cpu = (r.steps[0]!.result.cpu_addr as string).slice(2);
    expect(r.faults.map((f) => f.kind)).toEqual(["kasan", "oops"]);
    expect(r.faults[0]!.lines).toEqual([`Read of size 4 at addr ${cpu} by task scenario/1000`]);
  });

  it("32-bit ARM from 6.0 (565cbaad83d8): 6.1 reports at f0841000 (above the atomic pool, remapped from highmem CMA since the boot order audit), 5.19 does not; x86_64 (KASAN_VMALLOC default n) does not", () => {
    const a61 = runYaml(AFTER_VFREE("{ op: cpu_read, buf: buf, offset: 0, length: 4 }"), { platform: "arm32", kernel: "6.1" });
    expect(a61.faults.map((f) => [f.kind, f.message])).toEqual([
      ["kasan", "BUG: KASAN: vmalloc-out-of-bounds in cpu_read"],
      ["oops", "Unable to handle kernel paging request at virtual address f0841000"],
    ]);
    expect(a61.faults[0]!.lines).toEqual(["Read of size 4 at addr f0841000 by task scenario/1000"]);
    expect(runYaml(AFTER_VFREE("{ op: cpu_read, buf: buf, offset: 0, length: 4 }"), { platform: "arm32", kernel: "5.19" }).faults.map((f) => f.kind)).toEqual(["oops"]);
    expect(runYaml(AFTER_VFREE("{ op: cpu_read, buf: buf, offset: 0, length: 4 }"), { platform: "x86_64", kernel: "6.6" }).faults.map((f) => f.kind)).toEqual(["oops"]);
  });
});

// x86_64 with CONFIG_KASAN (default 8 GiB): since x86_64's kasan_init is modelled (G5 on x86_64) the highest free
// RAM is the gap its 2 MiB blocks leave under its top pages, [0x237e00000, 0x237fed000) (5.15: 0x237fec000), less
// what mem_init's swiotlb pool then takes from its top for its metadata (memblock, after kasan_init: 192 pages of
// slots on 5.15, and 6.x's areas page; test/swiotlb-boot-metadata.test.ts), so a 16 KiB kmalloc_large lands at
// 0xffff888237f20000 on 5.15 (pfn 0x237f20, struct page 0xffffea0000000000 + 64 × 0x237f20 = 0xffffea0008dfc800) and
// 0xffff888237f24000 on 6.6–6.18; 64 KiB at 0xffff888237f00000. Without KASAN: 0xffff888237f04000 (5.15) /
// 0xffff888237f30000 (6.x). (Before the metadata was modelled: 0xffff888237fe0000 / 0xffff888237fc0000.)
describe("G3: a second kfree of a kmalloc_large buffer (16 KiB at 0xffff888237e14000 on 5.15, x86_64 with KASAN) per era", () => {
  const twice = (cfg = "CONFIG_KASAN: y") => y(`  - { op: kmalloc, size: 16K, as: a }\n  - { op: kfree, buf: a }\n  - { op: kfree, buf: a }`, cfg);
  const run = (v: string, cfg?: string) => runYaml(twice(cfg), { platform: "x86_64", kernel: v });

  it("5.6 and 5.10: kfree's BUG_ON(!PageCompound(page)) — before any KASAN report", () => {
    expect(run("5.6").faults.map((f) => [f.kind, f.message])).toEqual([["bug", "kernel BUG at mm/slub.c:3988!"]]);
    expect(run("5.10").faults.map((f) => [f.kind, f.message])).toEqual([["bug", "kernel BUG at mm/slub.c:4117!"]]);
  });

  it("5.15: VM_BUG_ON_PAGE with CONFIG_DEBUG_VM; without it the KASAN report and __free_pages(page, 0), which leaves the free page alone", () => {
    const r = run("5.15");
    expect(r.steps[0]!.result.ret).toBe("0xffff888237e14000");
    expect(r.faults).toEqual([expect.objectContaining({ kind: "kasan", message: "BUG: KASAN: double-free or invalid-free in kfree", addr: "0xffff888237e14000", step: 2 })]);
    expect(run("5.15", "CONFIG_KASAN: y, CONFIG_DEBUG_VM: y").faults.map((f) => f.message)).toEqual([
      "page:0xffffea0008df8500 refcount:0 pfn:0x237e14; page dumped because: VM_BUG_ON_PAGE(!PageCompound(page)); kernel BUG at mm/slub.c:3532!",
    ]);
  });

  // the 16 KiB buffer is the head of an order-2 pcp refill (5.14+, 44042b449872: 15 blocks) taken after the 63-page
  // order-0 refill; 5.19 and 6.1 also map the CPU entry area's shadow for NR_CPUS at kasan_init, which moves the free blocks
  it.each([
    ["5.19", "mm/slub.c:3569", "BUG: KASAN: double-free or invalid-free in kfree", "237e84"],
    ["6.1", "mm/slab_common.c:904", "BUG: KASAN: double-free in kfree", "237e84"],
    ["6.6", "mm/slab_common.c:975", "BUG: KASAN: double-free in kfree", "237e14"],
    ["6.12", "mm/slub.c:4711", "BUG: KASAN: double-free in kfree", "237e14"],
  ])("%s: WARN_ON_ONCE(order == 0) at %s, 'object pointer' once, then %s, and the page path still runs", (v, at, kasan, pfn) => {
    const r = run(v);
    expect(r.faults.map((f) => [f.kind, f.kind === "warn" ? f.at : f.message])).toEqual([
      ["warn", at],
      ["kasan", kasan],
    ]);
    expect((r.log ?? []).filter((l) => l.level === "warn").map((l) => l.message)).toEqual([`object pointer: 0x${hashP(`0xffff888${pfn}000`)}`]);
    // __free_pages(page, 0) → put_page_testzero on a zero refcount: VM_BUG_ON_PAGE with CONFIG_DEBUG_VM
    const dv = run(v, "CONFIG_KASAN: y, CONFIG_DEBUG_VM: y").faults.at(-1)!;
    expect(dv.kind).toBe("bug");
    expect(dv.message).toMatch(new RegExp(`^page:0x${(0xffffea0000000000n + 64n * BigInt("0x" + pfn)).toString(16)} refcount:0 pfn:0x${pfn}; page dumped because`));
    expect(dv.message).toMatch(/ page dumped because: VM_BUG_ON_PAGE\(page_ref_count\(page\) == 0\); kernel BUG at include\/linux\/mm.h:\d+!$/);
  });
});

describe("G3: the page was handed out again before the second kfree", () => {
  // p is an order-2 request, the kmalloc_large's own size: the head of the order-2 pcp list is the block kfree just freed
  // (an order-0 request takes the head of the order-0 list)
  it("6.6: the shadow is accessible again (the page allocator unpoisoned it): the WARN, no KASAN report, and the new owner's page is freed under it", () => {
    const r = runYaml(y(`  - { op: kmalloc, size: 16K, as: a }\n  - { op: kfree, buf: a }\n  - { op: alloc_pages, order: 2, as: p }\n  - { op: kfree, buf: a }\n  - { op: alloc_pages, order: 0, as: q }`), { platform: "x86_64", kernel: "6.6" });
    expect(r.steps[2]!.result.pfn).toBe("0x237e14");
    expect(r.faults.map((f) => [f.kind, f.at])).toEqual([["warn", "mm/slab_common.c:975"]]);
    // __free_pages(page, 0) dropped p's only reference: the page is the head of the order-0 pcp list, the next order-0 allocation gets it
    expect(r.steps[4]!.result.pfn).toBe("0x237e14");
  });
});

describe("G3 from 6.15 (a6687c8ff613 \"slab: Mark large folios for debugging purposes\"): the PGTY_large_kmalloc test comes first", () => {
  // q is an order-2 request: the block the first kfree gave back, the head of the order-2 pcp list (an order-0 request takes the order-0 list's head)
  const steps = (size: string, extra = "") => `  - { op: kmalloc, size: ${size}, as: a }\n  - { op: kfree, buf: a }\n${extra}  - { op: kfree, buf: a }\n  - { op: kfree, buf: a }\n  - { op: alloc_pages, order: 2, as: q }`;
  const run = (v: string, cfg: string, size = "16K", platform = "x86_64") => runYaml(y(steps(size), cfg), { platform, kernel: v });
  const warnLog = (r: ReturnType<typeof runYaml>) => (r.log ?? []).filter((l) => l.level === "warn").map((l) => [l.step, l.message]);
  const DUMP = (step: number, pfn: string, refcount = 0) => [
    [step, `page: refcount:${refcount} mapcount:0 mapping:0000000000000000 index:0x0 pfn:${pfn}`],
    [step, "page dumped because: Not a kmalloc allocation"],
  ];

  it("6.18, with and without KASAN: WARN_ON_ONCE(!folio_test_large_kmalloc(folio)) at mm/slub.c:6839 once, dump_page at each kfree, no KASAN report, nothing freed", () => {
    for (const cfg of ["CONFIG_KASAN: y", "CONFIG_DEBUG_VM: y", "CONFIG_KASAN: y, CONFIG_DEBUG_VM: y"]) {
      const r = run("6.18", cfg);
      const pfn = cfg.includes("KASAN") ? "0x237e14" : "0x237e00"; // the KASAN shadow's memblock blocks move it (note above G3)
      expect(r.steps[0]!.result.ret, cfg).toBe(cfg.includes("KASAN") ? "0xffff888237e14000" : "0xffff888237e00000");
      expect(r.faults.map((f) => [f.kind, f.at, f.step]), cfg).toEqual([["warn", "mm/slub.c:6839", 2]]);
      expect(r.faults[0]!.message).toBe("WARNING: free_large_kmalloc: WARN_ON_ONCE(!folio_test_large_kmalloc(folio))");
      expect(r.faults[0]!.report).toContain("WARNING: CPU: 0 PID: 1000 at mm/slub.c:6839 free_large_kmalloc+0x…/0x…");
      expect(warnLog(r), cfg).toEqual([...DUMP(2, pfn), ...DUMP(3, pfn)]);
      // the first kfree gave the 4 pages back once; the next order-2 allocation takes them
      expect(r.steps[4]!.result.pfn, cfg).toBe(pfn);
    }
  });

  it("6.12 (without a6687c8ff613), with and without KASAN: WARN_ON_ONCE(order == 0) at mm/slub.c:4711, 'object pointer', KASAN's double-free only with KASAN", () => {
    const k = run("6.12", "CONFIG_KASAN: y");
    expect(k.faults.map((f) => [f.kind, f.kind === "warn" ? f.at : f.message, f.step])).toEqual([
      ["warn", "mm/slub.c:4711", 2],
      ["kasan", "BUG: KASAN: double-free in kfree", 2],
      ["kasan", "BUG: KASAN: double-free in kfree", 3],
    ]);
    expect(warnLog(k)).toEqual([[2, `object pointer: 0x${hashP("0xffff888237e14000")}`]]);
    const n = run("6.12", "CONFIG_SLAB_FREELIST_HARDENED: y");
    expect(n.faults.map((f) => [f.kind, f.at, f.step])).toEqual([["warn", "mm/slub.c:4711", 2]]);
    expect(warnLog(n)).toEqual([[2, `object pointer: 0x${hashP("0xffff888237e00000")}`]]);
  });

  it("6.18, 64 KiB (order 4 > PAGE_ALLOC_COSTLY_ORDER: freed to the buddy lists, not a pcp list): the dump has page_type: f0(buddy)", () => {
    const r = run("6.18", "CONFIG_KASAN: y", "64K");
    expect(r.steps[0]!.result.ret).toBe("0xffff888237e20000");
    const buddy = (step: number) => [DUMP(step, "0x237e20")[0], [step, "page_type: f0(buddy)"], DUMP(step, "0x237e20")[1]];
    expect(warnLog(r)).toEqual([...buddy(2), ...buddy(3)]);
    expect(r.faults.map((f) => [f.kind, f.at])).toEqual([["warn", "mm/slub.c:6839"]]);
  });

  it("6.18 after the page allocator handed the page out again: refcount:1 in the dump and the new owner keeps its page (6.6 frees it under it)", () => {
    const again = y(`  - { op: kmalloc, size: 16K, as: a }\n  - { op: kfree, buf: a }\n  - { op: alloc_pages, order: 2, as: p }\n  - { op: kfree, buf: a }\n  - { op: alloc_pages, order: 0, as: q }`);
    const r = runYaml(again, { platform: "x86_64", kernel: "6.18" });
    expect(r.steps[2]!.result.pfn).toBe("0x237e14");
    expect(r.faults.map((f) => [f.kind, f.at, f.step])).toEqual([["warn", "mm/slub.c:6839", 3]]);
    expect(warnLog(r)).toEqual(DUMP(3, "0x237e14", 1));
    expect(r.steps[4]!.result.pfn).toBe("0x237f21"); // p keeps its page: the head of the order-0 pcp list
    expect(runYaml(again, { platform: "x86_64", kernel: "6.6" }).steps[4]!.result.pfn).toBe("0x237e14");
  });

  it("6.18 on 32-bit ARM: %p of the NULL mapping is 8 digits; pfn 0x1014 of 0xc1014000 (the head of the order-2 pcp refill, 44042b449872)", () => {
    const r = run("6.18", "CONFIG_KASAN: y", "16K", "arm32");
    expect(r.steps[0]!.result.ret).toBe("0xc1014000");
    expect(warnLog(r).slice(0, 2)).toEqual([
      [2, "page: refcount:0 mapcount:0 mapping:00000000 index:0x0 pfn:0x1014"],
      [2, "page dumped because: Not a kmalloc allocation"],
    ]);
    expect(r.faults.map((f) => [f.kind, f.at])).toEqual([["warn", "mm/slub.c:6839"]]);
  });
});

describe("G4: arm64 with generic KASAN — where the shadow sits in the kernel VA space (VA_BITS 48)", () => {
  const L = (v: string, kasan: boolean) => {
    const k = bootK("rpi4", v, kasan ? { CONFIG_KASAN: "y" } : {});
    const f = (n: number) => k.arch.fmtVa(n);
    return [f(k.arch.L.LINEAR_END), f(k.arch.L.VMALLOC_START), f(k.arch.L.KIMAGE_VADDR)];
  };
  it("5.10: the 32 TiB shadow above the linear map moves bpf jit, modules and vmalloc up (Documentation/arm64/memory.rst: vmalloc at ffffa00010000000)", () => {
    expect(L("5.10", false)).toEqual(["0xffff800000000000", "0xffff800010000000", "0xffff800010000000"]);
    expect(L("5.10", true)).toEqual(["0xffff800000000000", "0xffffa00010000000", "0xffffa00010000000"]);
  });
  it("5.15 and 6.18: PAGE_END = KASAN_SHADOW_START = 0xffff600000000000; modules and vmalloc stay at 0xffff800000000000 / …08000000 (6.18: …80000000, MODULES_VSIZE 2 GiB)", () => {
    for (const [v, vm] of [["5.15", "0xffff800008000000"], ["6.18", "0xffff800080000000"]] as const) {
      expect(L(v, false), v).toEqual(["0xffff800000000000", vm, vm]);
      expect(L(v, true), v).toEqual(["0xffff600000000000", vm, vm]);
    }
  });
});

describe("G5: arm64 kasan_init takes the shadow of RAM and of the kernel image, with its page tables, from memblock", () => {
  const reserved = (k: ReturnType<typeof bootK>) => k.memblock.reserved.map((r) => [r.start, r.size, r.name] as const);
  // the boot swiotlb pool's metadata (memblock, mem_init — after kasan_init: test/swiotlb-boot-metadata.test.ts)
  const isMeta = (r: readonly [number, number, string]) => r[2] === "swiotlb slots" || r[2] === "swiotlb areas";
  const free = (k: ReturnType<typeof bootK>) => k.buddy.zones.reduce((n, z) => n + z.free_pages, 0);
  // rpi4, 4 GiB: memblock.memory is [0, 0x3b400000) and [0x40000000, 0xfc000000); the kernel image 0x1a00000 bytes
  const RAM = 0x3b40_0000 + 0xbc00_0000;
  const SHADOW_PAGES = RAM / 8 / 4096 + 0x1a0_0000 / 8 / 4096; // 126592 + 832 = 127424

  it("rpi4 5.15 and 6.18: one more memblock reservation, the highest free pages below the vmemmap — 1/8 of RAM plus the kernel image's shadow plus 256 (6.18: 257) page-table pages", () => {
    for (const [v, tables, start] of [["5.15", 256, 0xd8d4_0000], ["6.18", 257, 0xd8d3_f000]] as const) {
      const off = bootK("rpi4", v);
      const on = bootK("rpi4", v, { CONFIG_KASAN: "y" });
      expect(off.kasan_shadow, v).toBeNull();
      expect(on.kasan_shadow, v).toEqual({ shadowPages: SHADOW_PAGES, tablePages: tables, ranges: [{ start, size: (SHADOW_PAGES + tables) * 4096 }] });
      // the shadow ends where the vmemmap (sparse_init, before kasan_init) begins
      expect(start + (SHADOW_PAGES + tables) * 4096, v).toBe(0xf800_0000);
      const early = (k: ReturnType<typeof bootK>) => reserved(k).filter((r) => !isMeta(r));
      expect(early(on), v).toEqual([...early(off).slice(0, 4), [start, (SHADOW_PAGES + tables) * 4096, "KASAN shadow (kasan_init)"], ...early(off).slice(4)]);
      // one sparse_init buffer for the node's 32 present sections (D24, boot order audit: was one per bank)
      expect(early(off).map((r) => r[2]), v).toEqual(["armstub spin tables (/memreserve/)", "kernel image", "swiotlb buffer", "CMA (linux,cma)", "vmemmap (struct pages)"]);
      // mem_init's swiotlb metadata comes after: the highest free pages, below the vmemmap without KASAN, below the shadow with it
      const slots = (k: ReturnType<typeof bootK>) => reserved(k).find((r) => r[2] === "swiotlb slots")!;
      expect(slots(off)[0] + slots(off)[1], v).toBe(0xf800_0000);
      expect(slots(on)[0] + slots(on)[1], v).toBe(start);
      // the buddy allocator gets exactly that many pages fewer (≈ RAM/8: 127680 pages = 498.75 MiB of 3956 MiB)
      expect(free(off) - free(on), v).toBe(SHADOW_PAGES + tables);
    }
  });

  it("5.15: the page tables are 4 for the kernel image's shadow (a PUD, a PMD and two PTE tables), 2 for the partial early shadow above VMALLOC_END, 250 for RAM's (a PUD, a PMD, 60 + 188 PTE tables); 5.10 (no KASAN_VMALLOC) 254; VA_BITS 39 has no PUD level", () => {
    expect(bootK("rpi4", "5.10", { CONFIG_KASAN: "y" }).kasan_shadow).toMatchObject({ shadowPages: SHADOW_PAGES, tablePages: 254, ranges: [{ start: 0xd8d4_2000, size: (SHADOW_PAGES + 254) * 4096 }] });
    // VA_BITS 39: three levels, no PUD tables — RAM's shadow 1 PMD + 248 PTE tables, the image's 1 PMD + 2 PTE,
    // the early shadow above VMALLOC_END (0xffffffbfbe000000, 2 MiB-aligned) 1 PMD: 253; 5.10 252, 6.18 254
    for (const [v, tables] of [["5.10", 252], ["5.15", 253], ["6.18", 254]] as const) {
      const k39 = bootK("rpi4", v, { CONFIG_KASAN: "y", va_bits: "39" });
      expect(k39.kasan_shadow, v).toMatchObject({ shadowPages: SHADOW_PAGES, tablePages: tables });
    }
  });

  it("the first kmalloc and alloc_pages come from below the shadow; dma_alloc_coherent from CMA (reserved before kasan_init) does not move", () => {
    const steps = "  - { op: kmalloc, size: 4K, as: a }\n  - { op: dma_alloc_coherent, size: 64K, as: b }\n  - { op: alloc_pages, order: 0, as: c }";
    // (and from below mem_init's swiotlb metadata, which lies below the shadow or, without KASAN, below the vmemmap)
    // kmalloc-4k takes an order-3 slab, the head of an order-3 pcp refill (5.14+: 7 blocks, past the 63-page order-0 refill), the order-0 alloc_pages the head of the order-0 list
    for (const [v, kmallocOff, kmallocOn, pageOn] of [["5.15", "0xffff0000f7e00000", "0xffff0000d8c40000", "0xd8c04"], ["6.18", "0xffff0000f7e00000", "0xffff0000d8c08000", "0xd8c7a"]] as const) {
      const off = runYaml(y(steps, "CONFIG_DEBUG_VM: y"), { platform: "rpi4", kernel: v });
      const on = runYaml(y(steps), { platform: "rpi4", kernel: v });
      expect(off.steps[0]!.result.ret, v).toBe(kmallocOff);
      expect(on.steps[0]!.result.ret, v).toBe(kmallocOn);
      expect(on.steps[2]!.result.pfn, v).toBe(pageOn);
      expect(on.steps[1]!.result.dma_handle, v).toBe("0xf7580000");
      expect(off.steps[1]!.result.dma_handle, v).toBe("0xf7580000");
      expect(on.faults, v).toEqual([]);
    }
  });

  it("rpi4 with 1 GiB: the DT linux,cma node is placed in arm64_memblock_init before sparse_init's vmemmap in every era (boot order audit, stop 16); 6.18's swiotlb (mem_init) lands below the shadow", () => {
    const names = (k: ReturnType<typeof bootK>) => reserved(k).map((r) => [r[0].toString(16), r[1].toString(16), r[2]]);
    // before the audit 5.11+ gave CMA 0x36400000 and the vmemmap 0x3a400000 (dma_contiguous_reserve after sparse_init)
    // 5.10: 1 GiB sections, the 16 MiB map aligned to 16 MiB (f0b13ee23241 from 5.12)
    expect(names(bootK("rpi4", "5.10", { mem: "1G" })).slice(2)).toEqual([["36000000", "1000000", "vmemmap (struct pages)"], ["37400000", "4000000", "CMA (linux,cma)"]]);
    expect(names(bootK("rpi4", "5.15", { mem: "1G" })).slice(2)).toEqual([["36400000", "1000000", "vmemmap (struct pages)"], ["37400000", "4000000", "CMA (linux,cma)"]]);
    // 6.18 (65033574ade9, 6.7+): all of this board's 948 MiB lies below the 30-bit DMA limit, so mem_init keeps the buffer
    // for kmalloc bouncing only and cuts it to 512 slots (1 MiB; slots array 512 × 24 = 0x3000) — these cases asserted the
    // 64 MiB default (0x4000000, slots 0xc0000) before that commit was modelled
    expect(names(bootK("rpi4", "6.18", { mem: "1G", CONFIG_KASAN: "y" })).slice(2)).toEqual([
      ["2e8f7fc0", "40", "swiotlb areas"],
      ["2e8f8000", "3000", "swiotlb slots"],
      ["2e8fb000", "100000", "swiotlb buffer"],
      ["2e9fb000", "7a05000", "KASAN shadow (kasan_init)"],
      ["36400000", "1000000", "vmemmap (struct pages)"],
      ["37400000", "4000000", "CMA (linux,cma)"],
    ]);
    expect(names(bootK("rpi4", "6.18", { mem: "1G" })).slice(2).slice(0, 3)).toEqual([["362fcfc0", "40", "swiotlb areas"], ["362fd000", "3000", "swiotlb slots"], ["36300000", "100000", "swiotlb buffer"]]);
  });

  it("x86_64's kasan_init is modelled (test/x86-kasan-init.test.ts): with the default 8 GiB its shadow lies above 4 GiB, so the other reservations stay where they were — but mem_init's swiotlb metadata, allocated after it, goes below its top pages", () => {
    const on = bootK("x86_64", "6.1", { CONFIG_KASAN: "y" });
    // RAM [0, 3 GiB) + [4 GiB, 9 GiB): 192 + 320 2 MiB blocks, the CPU entry area's 1 (NR_CPUS 64 until 6.2) and the image's 2
    expect(on.kasan_shadow!.ranges.filter((r) => r.size === 0x20_0000)).toHaveLength(192 + 320 + 1 + 2);
    expect(on.kasan_shadow!.ranges.every((r) => r.start >= 0x1_0000_0000)).toBe(true);
    const off = bootK("x86_64", "6.1");
    expect(reserved(on).filter((r) => !r[2].startsWith("KASAN") && !isMeta(r))).toEqual(reserved(off).filter((r) => !isMeta(r)));
    expect(reserved(off).filter(isMeta).map((r) => r[0].toString(16))).toEqual(["237f3ffc0", "237f40000"]);
    expect(reserved(on).filter(isMeta).map((r) => r[0].toString(16))).toEqual(["237efbfc0", "237efc000"]);
  });

  it("32-bit ARM (5.11+): kasan_init after paging_init takes the shadow of lowmem, its pte tables and the module/pkmap shadow from the top of lowmem, below mem_map (CMA is in highmem, D22)", () => {
    // 1 GiB, 768 MiB lowmem: shadow of [0xc0000000, 0xf0000000) = 96 MiB = 24,576 pages in 48 PMDs (one pte table each)
    // 5.13–5.19: + [MODULES_VADDR, PKMAP_BASE + PMD_SIZE) = 512 pages and 1 table, + 1 table for the early shadow's partial first PMD
    const k5 = bootK("arm32", "5.19", { CONFIG_KASAN: "y" });
    expect([k5.kasan_shadow!.shadowPages, k5.kasan_shadow!.tablePages]).toEqual([25088, 50]);
    expect(k5.kasan_shadow!.ranges).toEqual([{ start: 0x295ce000, size: 25138 * 4096 }]);
    expect(k5.memblock.owner(0x2f7ff000)).toBe("KASAN shadow (kasan_init)");
    expect(k5.memblock.owner(0x2f800000)).toBe("mem_map");
    // 6.0+ (KASAN_VMALLOC, 565cbaad83d8): no module shadow, only pkmap's 64 pages, and one table for [shadow(VMALLOC_END), 0xbf000000)
    const k6 = bootK("arm32", "6.1", { CONFIG_KASAN: "y" });
    expect([k6.kasan_shadow!.shadowPages, k6.kasan_shadow!.tablePages]).toEqual([24640, 50]);
    expect(k6.kasan_shadow!.ranges).toEqual([{ start: 0x2978e000, size: 24690 * 4096 }]);
    // without KASAN the same boot reserves nothing of the kind
    expect(bootK("arm32", "6.1").memblock.owner(0x2f7ff000)).toBeUndefined();
  });

  it("32-bit ARM kasan_init's pr_info lines are in the boot log (KERN_INFO, step -1): %pa of the banks, %px of each block and its shadow", () => {
    const doc = (v: string) => `name: k\nplatform: arm32\nkernel: "${v}"\nconfig: { CONFIG_KASAN: y }\nsteps:\n  - { op: kmalloc, size: 64, as: b }\n`;
    const kasanLog = (v: string) => (runYaml(doc(v)).log ?? []).filter((l) => l.message.startsWith("kasan: ")).map((l) => [l.step, l.level, l.message]);
    // the no-map 4 MiB hantro pool at 0x3c000000 splits the 1 GiB into two memblock.memory ranges
    const banks = [
      [-1, "info", "kasan: Truncating shadow for memory block at 0x00000000-0x3c000000 to lowmem region at 0x30000000"],
      [-1, "info", "kasan: Mapping kernel virtual memory block: c0000000-f0000000 at shadow: b7000000-bd000000"],
      [-1, "info", "kasan: Skip highmem block at 0x3c400000-0x40000000"],
    ];
    expect(kasanLog("5.19")).toEqual([...banks, [-1, "info", "kasan: Mapping kernel virtual memory block: bf000000-c0000000 at shadow: b6e00000-b7000000"]]);
    const pkmap = [-1, "info", "kasan: Mapping kernel virtual memory block: bfe00000-c0000000 at shadow: b6fc0000-b7000000"];
    expect(kasanLog("6.1")).toEqual([...banks, pkmap]);
    // 823f606ab6b4 (6.1; in 5.15.178 as a stable backport, not in 5.19): without KASAN_VMALLOC the
    // module area [MODULES_VADDR, MODULES_END) and pkmap in two calls — two lines, the same pages as 5.19's one call
    expect(kasanLog("5.15")).toEqual([...banks, [-1, "info", "kasan: Mapping kernel virtual memory block: bf000000-bfe00000 at shadow: b6e00000-b6fc0000"], pkmap]);
    const k15 = bootK("arm32", "5.15", { CONFIG_KASAN: "y" });
    expect([k15.kasan_shadow!.shadowPages, k15.kasan_shadow!.tablePages]).toEqual([25088, 50]);
    expect(k15.kasan_shadow!.ranges).toEqual(bootK("arm32", "5.19", { CONFIG_KASAN: "y" }).kasan_shadow!.ranges);
    expect((runYaml(doc("6.1").replace("CONFIG_KASAN: y", "CONFIG_KASAN: n")).log ?? []).filter((l) => l.message.startsWith("kasan: "))).toEqual([]);
  });

  it("32-bit ARM before 5.11 has no CONFIG_KASAN (421015713b30): run exits with the value's position, matrix says N/A", () => {
    const doc = `name: k\nplatform: arm32\nkernel: "5.10"\nconfig: { CONFIG_KASAN: y }\nsteps:\n  - { op: kmalloc, size: 64, as: b }\n`;
    let err: unknown;
    try {
      runYaml(doc);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotApplicable);
    expect((err as NotApplicable).format()).toBe(`<inline>:4:25: CONFIG_KASAN: 32-bit ARM has no KASAN in Linux 5.10 (HAVE_ARCH_KASAN from 5.11, 421015713b30 "ARM: 9017/2: Enable KASan for ARM")`);
    const m = runMatrix([parseScenarioText(doc, "<inline>")], ["arm32", "rpi4"], ["5.6", "5.10", "5.13"]);
    expect(m.cells.map((c) => `${c.platform} ${c.kernel} ${c.verdict}`)).toEqual(["arm32 5.6 N/A", "arm32 5.10 N/A", "arm32 5.13 PASS", "rpi4 5.6 PASS", "rpi4 5.10 PASS", "rpi4 5.13 PASS"]);
  });
});

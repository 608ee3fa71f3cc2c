/**
 * The mm divergences D4, D9, D12, D13 and the gap G1 of docs/verified-facts.md ("Known
 * divergences"), fixed: each test shows the version difference with the addresses and sizes a run
 * really has. Trees read: 5.6.4, 5.10.7, 5.12.9, 5.14-rc5, 5.15.178, 6.1.166, 6.6.63, 6.12.19, 6.18.35.
 */
import { describe, expect, it } from "vitest";
import { bootK, runYaml } from "./helpers.js";
import { kmalloc_size_roundup, KMALLOC_MAX_SIZE } from "../src/mm/slab_common.js";
import { hashP } from "./hash-ptr.js";

const y = (steps: string, head = "") => `name: t\n${head}steps:\n${steps}\n`;
/** %p / %px of a 64-bit kernel pointer: the 16 hex digits, no 0x */
const px = (hexAddr: string) => hexAddr.slice(2).padStart(16, "0");

describe("D4: vunmap of an area that is gone — __vunmap's \"Trying to vfree()\" to 6.1, vunmap's own \"Trying to vunmap()\" from 6.6 (79311c1fe017)", () => {
  // rpi4's v4l2 device is not coherent: dma_direct_alloc remaps the buffer (a vmalloc address);
  // the second dma_free_coherent reaches vunmap(cpu_addr) for an area the first one removed
  const twice = y(`  - { op: dma_alloc_coherent, size: 64K, as: b }\n  - { op: dma_free_coherent, buf: b }\n  - { op: dma_free_coherent, buf: b }`);
  it.each([
    ["5.15", "vfree", "mm/vmalloc.c:2602 __vunmap"],
    ["6.1", "vfree", "mm/vmalloc.c:2701 __vunmap"],
    ["6.6", "vunmap", "mm/vmalloc.c:2888 vunmap"],
    ["6.12", "vunmap", "mm/vmalloc.c:3408 vunmap"],
    ["6.18", "vunmap", "mm/vmalloc.c:3478 vunmap"],
  ])("%s: Trying to %s() nonexistent vm area, WARNING at %s", (kernel, fn, where) => {
    const r = runYaml(twice, { platform: "rpi4", kernel });
    const cpu = r.steps[0]!.result.cpu_addr as string;
    expect(r.steps[0]!.result.addr_kind).toBe("vmalloc");
    const w = r.faults.filter((f) => f.kind === "warn");
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ message: `Trying to ${fn}() nonexistent vm area (${hashP(cpu)})`, step: 2, at: where.split(" ")[0] });
    expect(w[0]!.report!.slice(1, 3)).toEqual([w[0]!.message, `WARNING: CPU: 0 PID: 1000 at ${where}+0x…/0x…`]);
  });

  it("vfree stays \"Trying to vfree()\" in both eras: __vunmap's WARN to 6.1, vfree's own from 6.6", () => {
    const twice = y(`  - { op: vmalloc, size: 8K, as: v }\n  - { op: vfree, buf: v }\n  - { op: vfree, buf: v }`);
    for (const [kernel, where] of [["6.1", "mm/vmalloc.c:2701 __vunmap"], ["6.6", "mm/vmalloc.c:2843 vfree"]] as const) {
      const r = runYaml(twice, { platform: "rpi4", kernel });
      const w = r.faults.find((f) => f.kind === "warn")!;
      expect(w.message).toBe(`Trying to vfree() nonexistent vm area (${hashP(r.steps[0]!.result.ret as string)})`);
      expect(w.report![2]).toBe(`WARNING: CPU: 0 PID: 1000 at ${where}+0x…/0x…`);
    }
  });

  it("an address inside the area: find_vm_area / remove_vm_area search by containment, so the whole area goes, no WARN (5.15 and 6.18)", () => {
    for (const kernel of ["5.15", "6.18"]) {
      const r = runYaml(y(`  - { op: dma_alloc_coherent, size: 64K, as: b }\n  - { op: dma_free_coherent, buf: b, offset: 4K }\n  - { op: dma_alloc_coherent, size: 64K, as: c }`), { platform: "rpi4", kernel });
      expect(r.faults, kernel).toEqual([]);
      // the area is free again: the next remap gets the same first-fit vmalloc address
      expect(r.steps[2]!.result.cpu_addr, kernel).toBe(r.steps[0]!.result.cpu_addr);
    }
  });
});

describe("D9: kmalloc_size_roundup above KMALLOC_MAX_SIZE — rounded to a page order in 6.1, returned unchanged from 6.6 (8446a4deb6b6)", () => {
  it("4 MiB + 1 and 4 GiB + 1 bytes", () => {
    expect(KMALLOC_MAX_SIZE).toBe(4 << 20);
    const k61 = bootK("x86_64", "6.1");
    const k66 = bootK("x86_64", "6.6");
    // up to KMALLOC_MAX_SIZE both agree: the caches, then PAGE_SIZE << get_order(size)
    for (const k of [k61, k66]) expect([0, 1, 100, 8192, 8193, 4 << 20].map((n) => kmalloc_size_roundup(k, n))).toEqual([0, 8, 128, 8192, 16384, 4 << 20]);
    expect(kmalloc_size_roundup(k61, (4 << 20) + 1)).toBe(8 << 20);
    expect(kmalloc_size_roundup(k66, (4 << 20) + 1)).toBe((4 << 20) + 1);
    expect(kmalloc_size_roundup(k61, 2 ** 32 + 1)).toBe(2 ** 33);
    expect(kmalloc_size_roundup(k66, 2 ** 32 + 1)).toBe(2 ** 32 + 1);
  });
});

describe("D12: KASAN double kfree — \"double-free or invalid-free\" to 5.19, \"double-free\" + \"Free of addr\" from 6.1 (dcc579663f60)", () => {
  const dk = y(`  - { op: kmalloc, size: 64, as: a }\n  - { op: kfree, buf: a }\n  - { op: kfree, buf: a }`, "config: { CONFIG_KASAN: y }\n");
  it.each(["5.6", "5.15", "5.19"])("%s: the old header, no second line", (kernel) => {
    const r = runYaml(dk, { platform: "x86_64", kernel });
    const addr = r.steps[0]!.result.ret as string;
    expect(r.faults).toEqual([expect.objectContaining({ kind: "kasan", message: "BUG: KASAN: double-free or invalid-free in kfree", addr, step: 2 })]);
    expect(r.faults[0]!.lines).toBeUndefined();
  });
  it.each(["6.1", "6.6", "6.12", "6.18"])("%s: BUG: KASAN: double-free in kfree / Free of addr %%px by task", (kernel) => {
    const r = runYaml(dk, { platform: "x86_64", kernel });
    const addr = r.steps[0]!.result.ret as string;
    expect(r.faults).toEqual([expect.objectContaining({ kind: "kasan", message: "BUG: KASAN: double-free in kfree", addr, step: 2 })]);
    expect(r.faults[0]!.lines).toEqual([`Free of addr ${px(addr)} by task scenario/1000`]);
  });
});

describe("D13: KASAN use after free — \"slab-use-after-free\" for a freed slab object from 6.6 (0e301731f558), pages stay \"use-after-free\"", () => {
  const uaf = (alloc: string, free: string) => y(`  - { ${alloc}, as: a }\n  - { ${free}, buf: a }\n  - { op: cpu_write, buf: a, offset: 8, data: "late" }`, "config: { CONFIG_KASAN: y }\n");
  it.each([
    ["5.15", "use-after-free"],
    ["6.1", "use-after-free"],
    ["6.6", "slab-use-after-free"],
    ["6.12", "slab-use-after-free"],
    ["6.18", "slab-use-after-free"],
  ])("kmalloc(64), kfree, write at +8 — %s: %s", (kernel, type) => {
    const r = runYaml(uaf("op: kmalloc, size: 64", "op: kfree"), { platform: "x86_64", kernel });
    const addr = BigInt(r.steps[0]!.result.ret as string) + 8n;
    expect(r.faults[0]).toMatchObject({ kind: "kasan", message: `BUG: KASAN: ${type} in cpu_write`, step: 2 });
    expect(r.faults[0]!.lines).toEqual([`Write of size 4 at addr ${addr.toString(16).padStart(16, "0")} by task scenario/1000`]);
  });
  it("6.18: freed pages (alloc_pages, and kmalloc_large's pages) are KASAN_PAGE_FREE: use-after-free", () => {
    for (const [alloc, free] of [["op: alloc_pages, order: 0", "op: __free_pages"], ["op: kmalloc, size: 16K", "op: kfree"]]) {
      const r = runYaml(uaf(alloc!, free!), { platform: "x86_64", kernel: "6.18" });
      expect(r.faults[0]!.message, alloc).toBe("BUG: KASAN: use-after-free in cpu_write");
      expect(r.faults[0]!.lines![0]).toMatch(/^Write of size 4 at addr [0-9a-f]{16} by task scenario\/1000$/);
    }
  });
});

describe("G1: cma_alloc's failure message — per version's format, __func__, ret and ratelimit", () => {
  // cma=4M on rpi4: cma= bypasses the DT linux,cma node and dma_contiguous_reserve makes a 4 MiB area
  // ("reserved"); the atomic pools took part of it at boot, so a 4 MiB buffer (1024 pages) finds no free
  // range; dma_direct_alloc falls back to the page allocator. (6.18's boot log has its own err line for the
  // skipped node, 0fd17e598333: only the steps' lines are compared.)
  const full = (n = 1, gfp = "") => y(Array.from({ length: n }, (_, i) => `  - { op: dma_alloc_coherent, size: 4M${gfp}, as: b${i} }`).join("\n"), "config: { cma: 4M }\n");
  const errs = (r: ReturnType<typeof runYaml>) => (r.log ?? []).filter((l) => l.level === "err" && l.step >= 0).map((l) => l.message);
  it.each([
    ["5.6", "cma: cma_alloc: alloc failed, req-size: 1024 pages, ret: -12"],
    ["5.10", "cma: cma_alloc: alloc failed, req-size: 1024 pages, ret: -12"],
    ["5.13", "cma: cma_alloc: reserved: alloc failed, req-size: 1024 pages, ret: -12"],
    ["5.15", "cma: cma_alloc: reserved: alloc failed, req-size: 1024 pages, ret: -12"],
    ["6.1", "cma: cma_alloc: reserved: alloc failed, req-size: 1024 pages, ret: -12"],
    ["6.6", "cma: cma_alloc: reserved: alloc failed, req-size: 1024 pages, ret: -12"],
    ["6.12", "cma: __cma_alloc: reserved: alloc failed, req-size: 1024 pages, ret: -12"],
    ["6.18", "cma: __cma_alloc: reserved: alloc failed, req-size: 1024 pages, ret: -16"],
  ])("%s: %s", (kernel, line) => {
    const r = runYaml(full(), { platform: "rpi4", kernel });
    expect(r.steps[0]!.result.addr_kind).toBe("vmalloc"); // the buddy allocator's pages, remapped
    expect((r.log ?? []).filter((l) => l.level === "err" && l.step >= 0)).toEqual([{ level: "err", message: line, step: 0 }]);
  });

  it("__GFP_NOWARN (dma_alloc_contiguous passes gfp & __GFP_NOWARN as no_warn): nothing printed", () => {
    for (const kernel of ["5.10", "6.6", "6.18"]) expect(errs(runYaml(full(1, ", gfp: GFP_KERNEL|__GFP_NOWARN"), { platform: "rpi4", kernel })), kernel).toEqual([]);
  });

  it("a request larger than the area (8 MiB, 2048 pages): silent to 6.12, reported with -EBUSY by 6.18's cma_range_alloc (c009da4258f9)", () => {
    const big = y(`  - { op: dma_alloc_coherent, size: 8M, as: b }`, "config: { cma: 4M }\n");
    for (const kernel of ["5.6", "5.15", "6.6", "6.12"]) expect(errs(runYaml(big, { platform: "rpi4", kernel })), kernel).toEqual([]);
    expect(errs(runYaml(big, { platform: "rpi4", kernel: "6.18" }))).toEqual(["cma: __cma_alloc: reserved: alloc failed, req-size: 2048 pages, ret: -16"]);
  });

  it("pr_err every time to 5.12; pr_err_ratelimited from 5.13 (63f83b31f4f3): 10 of 12 failures printed", () => {
    expect(errs(runYaml(full(12), { platform: "rpi4", kernel: "5.10" }))).toHaveLength(12);
    const r = runYaml(full(12), { platform: "rpi4", kernel: "5.15" });
    expect(errs(r)).toHaveLength(10);
    expect((r.log ?? []).filter((l) => l.level === "err").map((l) => l.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe("the page allocator's order WARN names the version's function and line", () => {
  // __alloc_pages_nodemask until 5.12, __alloc_pages from 5.13 (84172f4bb752), __alloc_pages_noprof from 6.10's
  // allocation profiling, and 6.18 WARNs in __alloc_frozen_pages_noprof (read in each tree's mm/page_alloc.c)
  // the summary quotes each tree's check (stop 23: it said "WARN_ON_ONCE(!(gfp_mask & __GFP_NOWARN)) … >= MAX_ORDER (11)" everywhere)
  for (const [kernel, line, cond] of [
    ["5.10", "at mm/page_alloc.c:4933 __alloc_pages_nodemask+0x…/0x…", "WARN_ON_ONCE(!(gfp_mask & __GFP_NOWARN)) for order 28 >= MAX_ORDER (11)"],
    ["5.15", "at mm/page_alloc.c:5440 __alloc_pages+0x…/0x…", "WARN_ON_ONCE(!(gfp & __GFP_NOWARN)) for order 28 >= MAX_ORDER (11)"],
    ["5.19", "at mm/page_alloc.c:5406 __alloc_pages+0x…/0x…", "WARN_ON_ONCE_GFP(order >= MAX_ORDER, gfp) for order 28 (MAX_ORDER 11)"],
    ["6.6", "at mm/page_alloc.c:4410 __alloc_pages+0x…/0x…", "WARN_ON_ONCE_GFP(order > MAX_ORDER, gfp) for order 28 (MAX_ORDER 10)"],
    ["6.12", "at mm/page_alloc.c:4730 __alloc_pages_noprof+0x…/0x…", "WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp) for order 28 (MAX_PAGE_ORDER 10)"],
    ["6.18", "at mm/page_alloc.c:5215 __alloc_frozen_pages_noprof+0x…/0x…", "WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp) for order 28 (MAX_PAGE_ORDER 10)"],
  ] as const) {
    it(`${kernel}: ${line.split(" ")[2]}`, () => {
      const r = runYaml(`name: o\nplatform: rpi4\nkernel: "${kernel}"\nsteps:\n  - { op: kmalloc, size: 1T, as: b }\n`);
      const w = r.faults.find((f) => f.kind === "warn")!;
      expect(w.report!.find((l) => l.startsWith("WARNING: CPU:"))).toBe(`WARNING: CPU: 0 PID: 1000 ${line}`);
      // the one-line summary and its pc name the same function as the report
      const fn = line.split(" ")[2]!.split("+")[0]!;
      expect(w.message).toBe(`WARNING: at mm/page_alloc.c ${fn}: ${cond}`);
      expect(w.pc).toBe(fn);
      expect(w.at).toBe(line.split(" ")[1]);
    });
  }
});

/**
 * Misuse as results (issue 9, engine half): exact 64-bit bus addresses, NULL results, the kernel's
 * own reports for double frees and use-after-free per version and config, the soft lockup of the
 * 5.13 find_slots search, sg calls past the end of the list, and `expect` saying "no diagnostics".
 */
import { describe, expect, it } from "vitest";
import { runYaml } from "./helpers.js";
import { runMatrix } from "../src/matrix.js";
import { parseScenarioText } from "../src/scenario/parse.js";
import { VERSIONS } from "../src/versions.js";
import { hashP } from "./hash-ptr.js";

const y = (steps: string, head = "") => `name: t\n${head}steps:\n${steps}\n`;

describe("bus addresses beyond 2^53 are exact", () => {
  it("device_read at 2^53 and device_write at 2^53 + 1: bus errors naming the exact address", () => {
    const r = runYaml(y(`  - { op: device_read, dma_addr: "0x20000000000000", length: 8 }\n  - { op: device_write, dma_addr: "0x20000000000001", offset: 2, data: "x" }`), { platform: "x86_64", kernel: "5.13" });
    expect(r.faults.map((f) => f.kind)).toEqual(["bus_error", "bus_error"]);
    expect(r.faults[0]!.message).toBe("device 0000:02:00.0: read of 8 bytes at bus address 0x20000000000000 hits phys 0x20000000000000, which is not RAM: bus error");
    expect(r.faults[1]!.addr).toBe("0x20000000000003");
    expect(r.steps.map((s) => s.status)).toEqual(["ran", "ran"]);
  });

  it("through dma-ranges (rpi4): outside them; a whole matrix runs", () => {
    const s = parseScenarioText(y(`  - { op: device_read, dma_addr: "0xfffffffffffff000", length: 8 }`), "t.yaml");
    const m = runMatrix([s], ["rpi4", "x86_64"], VERSIONS.map((v) => v.id));
    expect(m.cells).toHaveLength(2 * VERSIONS.length);
    for (const c of m.cells) expect(c.faults).toEqual(["bus_error"]);
    const r = runYaml(y(`  - { op: device_read, dma_addr: "0x7000000000000000", length: 8 }`), { platform: "rpi4" });
    expect(r.faults[0]!.message).toMatch(/bus address 0x7000000000000000 is outside its dma-ranges: bus error$/);
  });
});

describe("NULL results", () => {
  it("kmalloc NULL: map not run, kfree(NULL) a no-op, a CPU write through NULL oopses at the offset", () => {
    const r = runYaml(y(`  - { op: kmalloc, size: 1T, as: buf }\n  - { op: dma_map_single, buf: buf, size: 4K, dir: DMA_TO_DEVICE, as: m }\n  - { op: dma_unmap_single, map: m }\n  - { op: kfree, buf: buf }\n  - { op: cpu_write, buf: buf, offset: 0x40, data: "x" }`), { platform: "rpi4", kernel: "5.19" });
    expect(r.steps[0]!.result.ret).toBe("NULL");
    expect(r.steps[1]!.status).toBe("not run");
    expect(r.steps[1]!.summary).toBe("not run: step 0 (kmalloc) returned NULL");
    expect(r.steps[2]!.summary).toBe("not run: step 0 (kmalloc) returned NULL");
    expect(r.steps[3]!.summary).toBe("kfree(NULL): no-op");
    expect(r.faults.at(-1)).toMatchObject({ kind: "oops", message: "Unable to handle kernel NULL pointer dereference at virtual address 0000000000000040", step: 4 });
  });

  it("dma_alloc_coherent NULL: dma_free_coherent(NULL) returns, the device step is not run", () => {
    const r = runYaml(y(`  - { op: dma_alloc_coherent, size: 1T, as: buf }\n  - { op: device_write, buf: buf, data: "x" }\n  - { op: dma_free_coherent, buf: buf }`), { platform: "x86_64" });
    expect(r.steps.map((s) => s.status)).toEqual(["ran", "not run", "ran"]);
    expect(r.steps[2]!.summary).toBe("dma_free_coherent(NULL): no-op");
    expect(r.ok).toBe(true);
  });

  it("alloc_pages order 20 warns once and returns NULL; __free_pages(NULL) reads page->_refcount", () => {
    for (const [platform, addr] of [["rpi4", "0000000000000034"], ["arm32", "0000001c"]] as const) {
      const r = runYaml(y(`  - { op: alloc_pages, order: 20, as: p }\n  - { op: __free_pages, buf: p }`), { platform });
      expect(r.faults[0]!.kind).toBe("warn");
      expect(r.faults[1]).toMatchObject({ kind: "oops", message: `Unable to handle kernel NULL pointer dereference at virtual address ${addr}`, pc: "__free_pages" });
    }
  });
});

describe("double frees and use-after-free: the kernel's reports", () => {
  const dk = y(`  - { op: kmalloc, size: 64, as: a }\n  - { op: kfree, buf: a }\n  - { op: kfree, buf: a }`, "config: { CONFIG_SLAB_FREELIST_HARDENED: y }\n");
  it("double kfree with FREELIST_HARDENED: set_freepointer's BUG at the version's line", () => {
    expect(runYaml(dk, { kernel: "5.6" }).faults[0]).toMatchObject({ kind: "bug", message: "kernel BUG at mm/slub.c:304!" });
    expect(runYaml(dk, { kernel: "5.10" }).faults[0]!.message).toBe("kernel BUG at mm/slub.c:304!");
    expect(runYaml(dk, { kernel: "5.14" }).faults[0]!.message).toBe("kernel BUG at mm/slub.c:321!");
    expect(runYaml(dk, { kernel: "5.19" }).faults[0]!.message).toBe("kernel BUG at mm/slub.c:381!");
    // the LTS trees: 5.15.178 :384, 6.1.166 :419, 6.6.63 :448, 6.12.19 :547, 6.18.35 :631
    for (const [kernel, line] of [["5.15", 384], ["6.1", 419], ["6.6", 448], ["6.12", 547], ["6.18", 631]] as const) expect(runYaml(dk, { kernel }).faults[0]!.message, kernel).toBe(`kernel BUG at mm/slub.c:${line}!`);
    expect(runYaml(dk.replace("CONFIG_SLAB_FREELIST_HARDENED: y", "CONFIG_SLAB_FREELIST_HARDENED: n")).faults).toEqual([]);
  });

  it("double kfree with KASAN: double-free report at the object's address", () => {
    const r = runYaml(dk.replace("CONFIG_SLAB_FREELIST_HARDENED", "CONFIG_KASAN"), { platform: "x86_64" });
    const addr = r.steps[0]!.result.ret as string;
    expect(r.faults).toHaveLength(1);
    // the default kernel (5.19): the pre-dcc579663f60 header alone; the record keeps the object's address
    expect(r.faults[0]).toMatchObject({ kind: "kasan", message: "BUG: KASAN: double-free or invalid-free in kfree", addr });
    expect(r.faults[0]!.lines).toBeUndefined();
  });

  it("double vfree: WARN Trying to vfree() nonexistent vm area at the vmalloc address", () => {
    const r = runYaml(y(`  - { op: vmalloc, size: 16K, as: v }\n  - { op: vfree, buf: v }\n  - { op: vfree, buf: v }`), { platform: "rpi4" });
    expect(r.faults).toEqual([expect.objectContaining({ kind: "warn", message: `Trying to vfree() nonexistent vm area (${hashP(r.steps[0]!.result.ret as string)})`, step: 2 })]);
  });

  it("double __free_pages: silent on 5.6, bad_page for the upper half on 5.10+ (e320d3012d25), VM_BUG_ON_PAGE with DEBUG_VM", () => {
    const s = y(`  - { op: alloc_pages, order: 1, as: p }\n  - { op: __free_pages, buf: p }\n  - { op: __free_pages, buf: p }`);
    expect(runYaml(s, { kernel: "5.6" }).faults).toEqual([]);
    const r = runYaml(s, { kernel: "5.10" });
    const pfn = parseInt(r.steps[0]!.result.pfn as string, 16);
    expect(r.faults).toEqual([expect.objectContaining({ kind: "bad_page", message: `BUG: Bad page state in process scenario  pfn:${(pfn + 1).toString(16).padStart(5, "0")}; page dumped because: nonzero mapcount` })]);
    const d = runYaml(s, { kernel: "5.19", set: { CONFIG_DEBUG_VM: "y" } });
    expect(d.faults[0]!.kind).toBe("bug");
    expect(d.faults[0]!.message).toMatch(new RegExp(`refcount:0 pfn:${d.steps[0]!.result.pfn as string}; page dumped because: VM_BUG_ON_PAGE\\(page_ref_count\\(page\\) == 0\\); kernel BUG at include/linux/mm\\.h:720!$`));
  });

  it("dma_free_coherent with 8 MiB for a 4 KiB buffer: free_pages_prepare finds bad tail pages, nothing is freed", () => {
    const r = runYaml(y(`  - { op: dma_alloc_coherent, size: 4K, as: b }\n  - { op: dma_free_coherent, buf: b, size: 8M }`), { platform: "x86_64", kernel: "5.13" });
    expect(r.faults.map((f) => f.kind)).toEqual(["bad_page"]);
    expect(r.faults[0]!.message).toMatch(/^BUG: Bad page state in process scenario {2}pfn:[0-9a-f]{5,}; page dumped because: nonzero (mapcount|_refcount)$/);
  });

  it("use after kfree with KASAN: use-after-free report, the write still lands", () => {
    const r = runYaml(y(`  - { op: kmalloc, size: 64, as: a }\n  - { op: kfree, buf: a }\n  - { op: cpu_write, buf: a, offset: 8, data: "late" }\n  - { op: cpu_read, buf: a, offset: 8, length: 4, expect: { data: "late" } }`, "config: { CONFIG_KASAN: y }\n"), { platform: "arm32" });
    const addr = parseInt(r.steps[0]!.result.ret as string, 16);
    // print_error_description: the header, then "%s of size %zu at addr %px by task %s/%d" (%px: no 0x)
    expect(r.faults[0]!.message).toBe("BUG: KASAN: use-after-free in cpu_write");
    expect(r.faults[0]!.lines).toEqual([`Write of size 4 at addr ${(addr + 8).toString(16).padStart(8, "0")} by task scenario/1000`]);
    expect(r.faults[1]!.message).toBe("BUG: KASAN: use-after-free in cpu_read");
    expect(r.faults[1]!.lines![0]).toMatch(/^Read of size 4 at addr [0-9a-f]{8} by task scenario\/1000$/);
    expect(r.expectations.every((e) => e.ok)).toBe(true);
  });

  it("gnttab_unmap twice: GNTST_bad_handle", () => {
    const r = runYaml(y(`  - { op: gnttab_map, domain: 1, gref: 8, as: g }\n  - { op: gnttab_unmap, buf: g }\n  - { op: gnttab_unmap, buf: g, expect: { ok: false } }`), { platform: "rpi4-xen" });
    expect(r.steps[1]!.result.status).toBe("GNTST_okay");
    expect(r.steps[2]!.result.status).toBe("GNTST_bad_handle");
    expect(r.ok).toBe(true);
  });
});

describe("sg calls with nents past the list", () => {
  const s = (head = "") =>
    y(`  - { op: kmalloc, size: 4K, as: a }\n  - { op: kmalloc, size: 4K, as: b }\n  - op: dma_map_sg\n    dir: DMA_TO_DEVICE\n    as: s\n    entries: [{ buf: a, length: 4K }, { buf: b, length: 4K }]\n  - { op: dma_unmap_sg, map: s, nents: 3 }`, head);
  it("the unmap loop reads sg_dma_address(NULL): 0x10 on 64-bit, 0xc on ARM32", () => {
    expect(runYaml(s(), { platform: "x86_64" }).faults.at(-1)).toMatchObject({ kind: "oops", message: "BUG: kernel NULL pointer dereference, address: 0000000000000010" });
    expect(runYaml(s(), { platform: "rpi4" }).faults.at(-1)).toMatchObject({ kind: "oops", message: "Unable to handle kernel NULL pointer dereference at virtual address 0000000000000010" });
    expect(runYaml(s(), { platform: "arm32" }).faults.at(-1)).toMatchObject({ kind: "oops", message: "Unable to handle kernel NULL pointer dereference at virtual address 0000000c" });
  });
  it("with dma-debug its own loop reads sg_page(NULL) first", () => {
    const r = runYaml(s("config: { CONFIG_DMA_API_DEBUG: y }\n"), { platform: "x86_64" });
    expect(r.faults.at(-1)).toMatchObject({ kind: "oops", pc: "debug_dma_unmap_sg", message: "BUG: kernel NULL pointer dereference, address: 0000000000000000" });
  });
});

describe("the find_slots hang is a soft lockup, only where the search can hang", () => {
  const hang = () => {
    const maps = Array.from({ length: 128 }, (_, i) => `  - { op: dma_map_single, buf: buf, offset: ${i * 2048}, size: 2K, dir: DMA_TO_DEVICE, as: m${i} }`).join("\n");
    return y(
      `  - { op: kmalloc, size: 256K, as: buf }\n${maps}\n  - { op: dma_unmap_single, map: m10 }\n  - { op: dma_unmap_single, map: m11 }\n  - { op: dma_map_single, buf: buf, size: 2K, dir: DMA_TO_DEVICE, as: x10 }\n  - { op: dma_map_single, buf: buf, size: 2K, dir: DMA_TO_DEVICE, as: x11 }\n  - { op: dma_unmap_single, map: m20 }\n  - { op: dma_unmap_single, map: m40 }\n  - { op: dma_set_min_align_mask, mask: 0xfff }\n  - { op: dma_map_single, buf: buf, offset: 0x900, size: 100, dir: DMA_TO_DEVICE, as: h }\n  - { op: dma_unmap_single, map: h }`,
      `config: { swiotlb: "128,force" }\n`,
    );
  };
  it("5.13, 5.14 and 5.19: watchdog: BUG: soft lockup, the run stops", () => {
    for (const kernel of ["5.13", "5.14", "5.19"]) {
      const r = runYaml(hang(), { platform: "rpi4", kernel });
      // the era's own function name: find_slots until 5.15 renamed it swiotlb_find_slots
      expect(r.faults.at(-1)).toMatchObject({ kind: "soft_lockup", message: "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [scenario:1000]", pc: kernel === "5.19" ? "swiotlb_find_slots" : "find_slots" });
      expect(r.steps.at(-1)!.status).toBe("not run");
    }
  });
  it("5.6 and 5.10 have no min_align_mask: the map takes a free slot and the run goes on", () => {
    for (const kernel of ["5.6", "5.10"]) {
      const r = runYaml(hang(), { platform: "rpi4", kernel });
      expect(r.faults).toEqual([]);
      expect(r.steps.at(-2)!.result.bounced).toBe(true);
      expect(r.steps.at(-1)!.status).toBe("ran");
    }
  });
});

describe("expect: no diagnostics", () => {
  const d = (ex: string) => y(`  - { op: kmalloc, size: 4K, as: a }\n  - { op: dma_map_single, buf: a, size: 4K, dir: DMA_TO_DEVICE, as: m }\n  - { op: dma_unmap_single, map: m${ex} }`, "config: { CONFIG_DMA_API_DEBUG: y }\n");
  it("a D08 report fails `expect: { diagnostics: none }` and a step's `diagnostic: none`", () => {
    expect(runYaml(d("")).ok).toBe(true);
    const top = runYaml(d("").replace("steps:", "expect: { diagnostics: none }\nsteps:"));
    expect(top.ok).toBe(false);
    expect(top.first_failure).toMatch(/^diagnostics: step 2: D08: /);
    const step = runYaml(d(", expect: { diagnostic: none }"));
    expect(step.ok).toBe(false);
    expect(step.expectations).toEqual([expect.objectContaining({ step: 2, what: "diagnostic", expected: "none", actual: "D08", ok: false })]);
  });
});

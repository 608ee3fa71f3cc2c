/**
 * SLUB's freelists and slab lists (src/mm/slub_cpu.ts): the cpu slab's lockless freelist (c->freelist), each
 * slab's own slab->freelist, the cpu partial list (CONFIG_SLUB_CPU_PARTIAL) and the node's partial list, with
 * the free pointers in RAM along each; an empty slab discarded back to the page allocator; the era
 * differences (5.6–5.15 cpu partial limits in objects, 5.16+ in slabs; the debug caches' deactivate_slab
 * up to 6.0: its reversal before 5.12 and "Freechain corrupt" from 5.8, 6.1+ alloc_single_from_partial).
 */
import { describe, expect, it } from "vitest";
import { bootK } from "./helpers.js";
import { GFP_KERNEL } from "../src/include/gfp.js";
import { alloc_pages } from "../src/mm/mm.js";
import { KernelFault } from "../src/core/faults.js";
import type { Kernel } from "../src/kernel.js";

/** the 8 bytes of RAM at va */
function word(k: Kernel, va: number): number[] {
  return [...k.kread(va, 8)];
}
/** a 64-bit address as its 8 little-endian bytes */
function le(k: Kernel, va: number): number[] {
  const w = new DataView(new ArrayBuffer(8));
  w.setBigUint64(0, BigInt.asUintN(64, BigInt(va)), true);
  void k;
  return [...new Uint8Array(w.buffer)];
}
const NULL8 = [0, 0, 0, 0, 0, 0, 0, 0];

function fill(k: Kernel, n: number, size = 64): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(k.slab.kmalloc(k, size, GFP_KERNEL));
  return a;
}

describe("the cpu slab and a full slab's own freelist (x86_64 6.6 kmalloc-64: 64 objects a slab, free pointer at +32)", () => {
  it("objects freed to a full slab that is not the cpu slab go to that slab's freelist; the next kmallocs take the cpu freelist, then that slab (cpu partial)", () => {
    const k = bootK("x86_64", "6.6");
    const s = k.slab.caches.kmalloc_slab(64, GFP_KERNEL);
    const f = (a: number) => k.arch.fmtVa(a);
    const a = fill(k, 128);
    expect([f(a[0]!), f(a[63]!), f(a[64]!), f(a[127]!)]).toEqual(["0xffff888237f39000", "0xffff888237f39fc0", "0xffff888237f3a000", "0xffff888237f3afc0"]);
    expect(f(s.cpu_slab!.base)).toBe("0xffff888237f3a000");
    expect(s.cpu_freelist).toBe(0); // the cpu slab is used up
    // kfree of two objects of the first slab: __slab_free, slab->freelist (the slab was full: it is frozen onto c->partial)
    k.slab.kfree(k, a[3]!);
    k.slab.kfree(k, a[5]!);
    expect(s.cpu_freelist).toBe(0);
    const first = s.cpu_partial_list!;
    expect([f(first.base), f(first.freelist as number), first.inuse, first.frozen]).toEqual(["0xffff888237f39000", "0xffff888237f39140", 62, true]);
    expect(word(k, a[5]! + 32)).toEqual(le(k, a[3]!)); // 0x…39140 → 0x…390c0
    expect(word(k, a[3]! + 32)).toEqual(NULL8); // → NULL: the slab's freelist was empty (it was full)
    // kfree of a cpu slab object: do_slab_free's fast path, c->freelist
    k.slab.kfree(k, a[100]!);
    expect(f(s.cpu_freelist as number)).toBe("0xffff888237f3a900");
    expect(word(k, a[100]! + 32)).toEqual(NULL8);
    // the cpu freelist first, then the cpu partial slab's freelist (LIFO), then a new slab
    expect(fill(k, 4).map(f)).toEqual(["0xffff888237f3a900", "0xffff888237f39140", "0xffff888237f390c0", "0xffff888237f3b000"]);
  });

  it("kfree links the object to the cpu freelist's head in RAM (b → a → NULL)", () => {
    const k = bootK("x86_64", "6.6");
    const s = k.slab.caches.kmalloc_slab(64, GFP_KERNEL);
    const a = fill(k, 64); // the slab used up: c->freelist NULL
    k.slab.kfree(k, a[10]!);
    k.slab.kfree(k, a[20]!);
    expect(s.cpu_freelist).toBe(a[20]);
    expect(word(k, a[20]! + 32)).toEqual(le(k, a[10]!));
    expect(word(k, a[10]! + 32)).toEqual(NULL8);
    expect(fill(k, 2)).toEqual([a[20], a[10]]);
  });

  it("per era: s->min_partial, s->cpu_partial and (5.16+) s->cpu_partial_slabs of kmalloc-64 and kmalloc-4k", () => {
    for (const [kernel, min, cp64, slabs64, cp4k] of [["5.6", 5, 30, 1, 2], ["5.15", 5, 30, 1, 2], ["5.19", 5, 120, 4, 6], ["6.6", 5, 120, 4, 6], ["6.18", 5, 120, 4, 6]] as const) {
      const k = bootK("x86_64", kernel);
      const s = k.slab.caches.kmalloc_slab(64, GFP_KERNEL);
      const s4k = k.slab.caches.kmalloc_slab(4096, GFP_KERNEL);
      expect([kernel, s.min_partial, s.cpu_partial, s.cpu_partial_slabs, s4k.min_partial, s4k.cpu_partial]).toEqual([kernel, min, cp64, slabs64, 6, cp4k]);
    }
  });
});

describe("empty slabs: the cpu partial list drains to the node, an empty slab beyond min_partial goes back to the page allocator", () => {
  it("x86_64 6.6: ten slabs, the first nine emptied: c->partial drains every 4 slabs; 3 empty slabs discarded, the last one's page is alloc_pages' next", () => {
    const k = bootK("x86_64", "6.6");
    const s = k.slab.caches.kmalloc_slab(64, GFP_KERNEL);
    const f = (a: number) => k.arch.fmtVa(a);
    const a = fill(k, 640);
    const base = (i: number) => f(a[i * 64]!);
    for (let i = 0; i < 576; i++) k.slab.kfree(k, a[i]!);
    // slabs 0–3 drained (empty, n->nr_partial < 5: kept), slab 7 kept (the fifth), slabs 6, 5, 4 discarded
    expect(s.node_partial.map((p) => f(p.base))).toEqual([base(3), base(2), base(1), base(0), base(7)]);
    expect(s.node_partial.every((p) => p.inuse === 0 && !p.frozen)).toBe(true);
    expect([f(s.cpu_partial_list!.base), s.cpu_partial_list!.next]).toEqual([base(8), null]);
    expect(s.slab_pages.size).toBe(7);
    expect([base(4), base(5), base(6)]).toEqual(["0xffff888237f31000", "0xffff888237f32000", "0xffff888237f33000"]);
    // discard_slab → __free_pages: slab 6 went back last, the page allocator's next order-0 page
    const page = alloc_pages(k, GFP_KERNEL, 0);
    expect(f(k.arch.page_address(k, page))).toBe("0xffff888237f33000");
    // kmalloc: slab 8 from c->partial, its last-freed object first
    expect(fill(k, 2).map(f)).toEqual([f(a[575]!), f(a[574]!)]);
  });

  it("x86_64 5.15: the same frees keep all nine slabs on c->partial (pobjects 9, not above s->cpu_partial 30): nothing discarded", () => {
    const k = bootK("x86_64", "5.15");
    const s = k.slab.caches.kmalloc_slab(64, GFP_KERNEL);
    const f = (a: number) => k.arch.fmtVa(a);
    const a = fill(k, 640);
    for (let i = 0; i < 576; i++) k.slab.kfree(k, a[i]!);
    const list: string[] = [];
    for (let p = s.cpu_partial_list; p; p = p.next) list.push(`${f(p.base)} ${p.slabs} ${p.pobjects} ${p.inuse}`);
    expect(list).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 0].map((i) => `${f(a[i * 64]!)} ${i + 1} ${i + 1} 0`));
    expect([s.node_partial.length, s.slab_pages.size]).toEqual([0, 10]);
    const page = alloc_pages(k, GFP_KERNEL, 0);
    expect(f(k.arch.page_address(k, page))).toBe("0xffff888237f0e000"); // not one of the slabs
    expect(fill(k, 1).map(f)).toEqual([f(a[575]!)]);
  });

  it("x86_64 6.6: get_partial_node refills from the node list: the first slab becomes the cpu slab, more go to c->partial (until more than cpu_partial_slabs / 2)", () => {
    const k = bootK("x86_64", "6.6");
    const s = k.slab.caches.kmalloc_slab(64, GFP_KERNEL);
    const f = (a: number) => k.arch.fmtVa(a);
    const a = fill(k, 640);
    for (let i = 0; i < 576; i++) k.slab.kfree(k, a[i]!);
    // use up c->partial's slab 8 (64 objects), then the next kmalloc goes to the node: slab 3 (head) is the cpu slab,
    // slabs 2, 1, 0 go to c->partial (3 > 4 / 2 stops), slab 7 stays on the node
    fill(k, 64);
    const next = k.slab.kmalloc(k, 64, GFP_KERNEL);
    expect(f(s.cpu_slab!.base)).toBe(f(a[3 * 64]!));
    expect(f(next)).toBe(f(a[3 * 64 + 63]!)); // slab 3's freelist: its objects freed in order, the last one first
    const list: string[] = [];
    for (let p = s.cpu_partial_list; p; p = p.next) list.push(f(p.base));
    expect(list).toEqual([0, 1, 2].map((i) => f(a[i * 64]!)));
    expect(s.node_partial.map((p) => f(p.base))).toEqual([f(a[7 * 64]!)]);
  });
});

describe("slub_debug caches: one object at a time", () => {
  function corruptSecond(kernel: string): { k: Kernel; got: string[]; err: unknown } {
    const k = bootK("x86_64", kernel, { slub_debug: "F" });
    const s = k.slab.caches.kmalloc_slab(64, GFP_KERNEL);
    const a0 = k.slab.kmalloc(k, 64, GFP_KERNEL);
    // the free object two on in the slab's freelist: 5.6–5.11 the reversed list's second (object 62), else object 2
    const victim = kernel === "5.6" || kernel === "5.10" ? a0 + 62 * 64 : a0 + 2 * 64;
    k.kwrite(victim + s.offset, new Uint8Array(8).fill(0x41));
    const got: string[] = [];
    let err: unknown = null;
    try {
      for (let i = 0; i < 3; i++) got.push(k.arch.fmtVa(k.slab.kmalloc(k, 64, GFP_KERNEL)));
    } catch (e) {
      err = e;
    }
    return { k, got, err };
  }

  it("5.10 / 5.15: deactivate_slab's walk meets the word: \"Freechain corrupt\", the rest isolated, the next kmalloc a new slab", () => {
    for (const [kernel, second, victim, next] of [
      ["5.10", "0xffff888237f84fc0", "000000009853f27d", "0xffff888237f85000"],
      ["5.15", "0xffff888237f04040", "ffff888237f04080", "0xffff888237f05000"],
    ] as const) {
      const { k, got, err } = corruptSecond(kernel);
      expect(err).toBe(null);
      expect(got.slice(0, 2)).toEqual([second, next]);
      expect(k.faults.map((r) => r.message)).toEqual(["BUG kmalloc-64 (Not tainted): Freechain corrupt"]);
      const rep = k.faults[0]!.report!;
      expect(rep.some((l) => l.includes(victim) && l.startsWith("Object"))).toBe(true);
      expect(rep.some((l) => l.includes("41 41 41 41 41 41 41 41"))).toBe(true);
      expect(rep[rep.length - 1]).toBe("FIX kmalloc-64: Isolate corrupted freechain");
    }
  });

  it("5.6 (before 52f23478081a): the walk follows the word: a general protection fault at 0x4141414141414141", () => {
    const { err } = corruptSecond("5.6");
    expect(err).toBeInstanceOf(KernelFault);
    expect((err as KernelFault).record.message).toBe("general protection fault, probably for non-canonical address 0x4141414141414141");
  });

  it("6.6 (alloc_single_from_partial): no walk; the object's own check_object finds it: \"Freepointer corrupt\", \"Marking all objects used\"", () => {
    const { k, got, err } = corruptSecond("6.6");
    expect(err).toBe(null);
    expect(got).toEqual(["0xffff888237f39040", "0xffff888237f3a000", "0xffff888237f3a040"]);
    expect(k.faults.map((r) => r.message)).toEqual(["BUG kmalloc-64 (Not tainted): Freepointer corrupt"]);
    expect(k.faults[0]!.report!.at(-1)).toBe("FIX kmalloc-64: Marking all objects used");
  });
});

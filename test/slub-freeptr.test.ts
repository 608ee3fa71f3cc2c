/**
 * SLUB free pointers as bytes in RAM (mm/slub.c set_freepointer / get_freepointer, src/mm/slub_freeptr.ts):
 * where each era keeps the word (5.6 the object's first word, 5.7+ its middle), the bytes as stored with
 * and without CONFIG_SLAB_FREELIST_HARDENED (ptr ^ s->random ^ swab(ptr_addr)), on arm64, x86_64 and
 * 32-bit ARM; a free object written after kfree (DMA after free): the next kmalloc still gets it, the one
 * after loads from the garbage head — the arch's fault — or hands out a mapped address as an object.
 */
import { describe, expect, it } from "vitest";
import { bootK, runCli, runYaml } from "./helpers.js";
import { GFP_KERNEL } from "../src/include/gfp.js";
import { KernelFault } from "../src/core/faults.js";
import type { Kernel } from "../src/kernel.js";

const SCENARIO = "scenarios/drivers/slub-freelist-dma-after-free.yaml";

/** little-endian bytes of a P-byte word */
function le(v: bigint, P: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < P; i++) out.push(Number((BigInt.asUintN(64, v) >> BigInt(8 * i)) & 0xffn));
  return out;
}
/** swab of a P-byte word (reference: byte reversal) */
function swab(v: bigint, P: number): bigint {
  return le(v, P).reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}
function bytes(k: Kernel, va: number, n: number): number[] {
  return [...k.kread(va, n)];
}
function setHardened(on: boolean): Record<string, string> {
  return on ? { CONFIG_SLAB_FREELIST_HARDENED: "y" } : {};
}

describe("free pointers in RAM: the offset per era and the stored bytes", () => {
  // [platform, kernel, size, cache, s->offset, sizeof(void *)]
  it.each([
    ["x86_64", "5.6", 64, "kmalloc-64", 0, 8],
    ["x86_64", "5.10", 64, "kmalloc-64", 32, 8],
    ["x86_64", "6.6", 64, "kmalloc-64", 32, 8],
    ["x86_64", "6.18", 96, "kmalloc-96", 48, 8],
    ["rpi4", "5.6", 64, "kmalloc-128", 0, 8],
    ["rpi4", "5.10", 64, "kmalloc-128", 64, 8],
    ["rpi4", "6.6", 64, "kmalloc-64", 32, 8],
    ["arm32", "5.6", 64, "kmalloc-64", 0, 4],
    ["arm32", "6.1", 192, "kmalloc-192", 96, 4],
  ] as const)("%s %s kmalloc(%i) → %s: free pointer at +%i, %i bytes, hardened and not", (platform, kernel, size, name, offset, P) => {
    for (const hardened of [false, true]) {
      const k = bootK(platform, kernel, setHardened(hardened));
      const s = k.slab.caches.kmalloc_slab(size, GFP_KERNEL);
      expect([s.name, s.offset]).toEqual([name, offset]);
      const a = k.slab.kmalloc(k, size, GFP_KERNEL); // a new slab's first object: the next ones are a + s->size, a + 2 s->size …
      const obj = a + s.size;
      const next = a + 2 * s.size;
      const ptr_addr = obj + offset;
      let want = BigInt(next);
      if (hardened) {
        expect(s.random_lo).not.toBe(0);
        const random = (BigInt(s.random_hi) << 32n) | BigInt(s.random_lo);
        want = want ^ random ^ swab(BigInt.asUintN(8 * P, BigInt(ptr_addr)), P);
      }
      expect(bytes(k, ptr_addr, P)).toEqual(le(want, P));
      // the chain decodes: the next kmallocs get obj, then next
      expect(k.slab.kmalloc(k, size, GFP_KERNEL)).toBe(obj);
      expect(k.slab.kmalloc(k, size, GFP_KERNEL)).toBe(next);
    }
  });

  it("x86_64 6.6 kmalloc-64: the unhardened word is the next object's address, byte for byte; kfree links the object to the head it displaces", () => {
    const k = bootK("x86_64", "6.6");
    const a = k.slab.kmalloc(k, 64, GFP_KERNEL);
    expect(k.arch.fmtVa(a)).toBe("0xffff888237f39000");
    // object 0xffff888237f39040's free pointer at +32 holds 0xffff888237f39080
    expect(bytes(k, a + 64 + 32, 8)).toEqual([0x80, 0x90, 0xf3, 0x37, 0x82, 0x88, 0xff, 0xff]);
    const b = k.slab.kmalloc(k, 64, GFP_KERNEL);
    k.slab.kfree(k, a);
    k.slab.kfree(k, b); // b → a → 0xffff888237f39080 → …
    expect(bytes(k, b + 32, 8)).toEqual([0x00, 0x90, 0xf3, 0x37, 0x82, 0x88, 0xff, 0xff]);
    expect(bytes(k, a + 32, 8)).toEqual([0x80, 0x90, 0xf3, 0x37, 0x82, 0x88, 0xff, 0xff]);
    expect([k.slab.kmalloc(k, 64, GFP_KERNEL), k.slab.kmalloc(k, 64, GFP_KERNEL)]).toEqual([b, a]);
  });

  it("arm32 6.1 hardened kmalloc-64: the stored word is next ^ s->random ^ swab32(ptr_addr)", () => {
    const k = bootK("arm32", "6.1", setHardened(true));
    const s = k.slab.caches.kmalloc_slab(64, GFP_KERNEL);
    const a = k.slab.kmalloc(k, 64, GFP_KERNEL);
    expect(k.arch.fmtVa(a)).toBe("0xc1042000");
    const ptr_addr = a + 64 + 32; // 0xc1042060
    const word = (0xc1042080 ^ s.random_lo ^ 0x602004c1) >>> 0;
    expect(bytes(k, ptr_addr, 4)).toEqual([word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24]);
  });
});

describe("a free object written after kfree: the corrupted freelist", () => {
  function corrupt(platform: string, kernel: string, word: number[], set: Record<string, string> = {}): { k: Kernel; a: number; err: unknown } {
    const k = bootK(platform, kernel, set);
    const s = k.slab.caches.kmalloc_slab(128, GFP_KERNEL);
    const a = k.slab.kmalloc(k, 128, GFP_KERNEL);
    k.slab.kfree(k, a);
    k.kwrite(a + s.offset, new Uint8Array(word)); // the late write over the free pointer
    expect(k.slab.kmalloc(k, 128, GFP_KERNEL)).toBe(a); // still handed out: the head
    let err: unknown = null;
    try {
      k.slab.kmalloc(k, 128, GFP_KERNEL);
    } catch (e) {
      err = e;
    }
    return { k, a, err };
  }
  const A8 = new Array<number>(8).fill(0x41);

  it("x86_64: a non-canonical head is a general protection fault at head + s->offset", () => {
    for (const [kernel, addr] of [["5.6", "0x4141414141414141"], ["6.6", "0x4141414141414181"]] as const) {
      const { err } = corrupt("x86_64", kernel, A8);
      expect(err).toBeInstanceOf(KernelFault);
      expect((err as KernelFault).record.message).toBe(`general protection fault, probably for non-canonical address ${addr}`);
    }
  });

  it("arm64 (rpi4 6.1): a paging request at an address between the user and kernel ranges", () => {
    const { err } = corrupt("rpi4", "6.1", A8);
    const r = (err as KernelFault).record;
    expect(r.message).toBe("Unable to handle kernel paging request at virtual address 4141414141414181");
    expect(r.lines).toEqual(["[4141414141414181] address between user and kernel address ranges"]);
  });

  it("arm32 (6.6): 0x41414141 is a user address: the kernel paging request at 0x41414181", () => {
    const { err } = corrupt("arm32", "6.6", [0x41, 0x41, 0x41, 0x41]);
    const r = (err as KernelFault).record;
    expect(r.kind).toBe("oops");
    expect(r.addr).toBe("0x41414181");
    expect(r.message).toContain("paging request at virtual address 41414181");
  });

  it("x86_64 6.6: a head that is a mapped address (a live object's) is handed out again", () => {
    const k = bootK("x86_64", "6.6");
    const s = k.slab.caches.kmalloc_slab(128, GFP_KERNEL);
    const live = k.slab.kmalloc(k, 128, GFP_KERNEL);
    const a = k.slab.kmalloc(k, 128, GFP_KERNEL);
    k.slab.kfree(k, a);
    const w = new Uint8Array(8);
    new DataView(w.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(live)), true);
    k.kwrite(a + s.offset, w);
    expect(k.slab.kmalloc(k, 128, GFP_KERNEL)).toBe(a);
    expect(k.slab.kmalloc(k, 128, GFP_KERNEL)).toBe(live); // the live object a second time
  });

  it("x86_64 6.6: a NULL word ends the cpu freelist: the slab's other free objects are lost, the next kmalloc takes a new slab", () => {
    const k = bootK("x86_64", "6.6");
    const s = k.slab.caches.kmalloc_slab(128, GFP_KERNEL);
    const a = k.slab.kmalloc(k, 128, GFP_KERNEL);
    k.slab.kfree(k, a);
    k.kwrite(a + s.offset, new Uint8Array(8));
    expect(k.slab.kmalloc(k, 128, GFP_KERNEL)).toBe(a);
    const b = k.slab.kmalloc(k, 128, GFP_KERNEL);
    expect(b).not.toBe(a + 128); // the next object of a's slab is lost with the rest of the cpu freelist
    expect([k.arch.fmtVa(a), k.arch.fmtVa(b)]).toEqual(["0xffff888237f39000", "0xffff888237f3a000"]); // b: a new slab's first object
  });

  it("hardened, the same bytes decode to another word: x86_64 still non-canonical", () => {
    const { k, a, err } = corrupt("x86_64", "6.6", A8, setHardened(true));
    const s = k.slab.caches.kmalloc_slab(128, GFP_KERNEL);
    const random = (BigInt(s.random_hi) << 32n) | BigInt(s.random_lo);
    const head = 0x4141414141414141n ^ random ^ swab(BigInt.asUintN(64, BigInt(a + s.offset)), 8);
    const want = BigInt.asUintN(64, head + 64n).toString(16);
    expect((err as KernelFault).record.message).toBe(`general protection fault, probably for non-canonical address 0x${want}`);
  });
});

describe("the bundled scenario through the CLI", () => {
  it("x86_64 6.6: the second kmalloc's general protection fault; rpi4 6.18 hardened: a paging request", async () => {
    const r = await runCli(["run", SCENARIO]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("OOPS: general protection fault, probably for non-canonical address 0x4141414141414181");
    expect(r.stdout).toContain("PASS: 9/9 steps ran, 3/3 expectations held, 1 fault (oops)");
    const h = await runCli(["run", SCENARIO, "--platform", "rpi4", "--kernel", "6.18", "--set", "CONFIG_SLAB_FREELIST_HARDENED=y"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/OOPS: Unable to handle kernel paging request at virtual address [0-9a-f]{16} /);
    expect(h.stdout).toContain("address between user and kernel address ranges");
  });
});

describe("slub_debug's check_object: the free pointer check (check_valid_pointer, \"Freepointer corrupt\")", () => {
  // slub_debug=FZ: no poisoning, so the free pointer stays in the object (5.6 +0, 6.x +32) where the device writes
  const yaml = (kernel: string) => `
name: fz
platform: x86_64
kernel: "${kernel}"
config: { slub_debug: FZ }
steps:
  - { op: dma_set_mask_and_coherent, bits: 64 }
  - { op: kmalloc, size: 64, as: rxbuf }
  - { op: dma_map_single, buf: rxbuf, size: 64, dir: DMA_FROM_DEVICE, as: rx }
  - { op: kfree, buf: rxbuf }
  - { op: device_write, map: rx, offset: 0, data: "late packet: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }
  - { op: dma_unmap_single, map: rx }
  - { op: kmalloc, size: 64, as: next, expect: { fault: slub } }
`;
  it.each([
    ["5.6", "0xffff888237f84040", "0xffff888237f85040", 1],
    ["6.6", "0xffff888237f39040", "0xffff888237f3a040", 1],
    ["6.12", "0xffff888237f39040", "0xffff888237f3a040", 2], // 47d911b02cbe: print_trailer again at the end of check_object
  ] as const)("%s: the allocation finds the object's free pointer outside its slab, zaps it and takes a new slab", (kernel, obj, fresh, trailers) => {
    const r = runYaml(yaml(kernel));
    expect(r.ok).toBe(true);
    expect(r.steps[1]!.result.ret).toBe(obj);
    expect(r.steps[6]!.result.ret).toBe(fresh);
    const f = r.faults.find((x) => x.kind === "slub")!;
    expect(f.message).toBe("BUG kmalloc-64 (Not tainted): Freepointer corrupt");
    expect(f.report).toContain("FIX kmalloc-64: Marking all objects used");
    const lastObjectRows = f.report!.filter((l) => /^Object +[0-9a-f]+: /.test(l));
    expect(lastObjectRows.length).toBe(4 * trailers);
    if (trailers === 2) {
      // the second trailer shows set_freepointer(s, p, NULL): eight zero bytes at +32
      expect(lastObjectRows[6]).toBe("Object   ffff888237f39060: 00 00 00 00 00 00 00 00 41 41 41 41 41 41 41 41  ........AAAAAAAA");
    }
  });
});

describe("kfree onto a corrupted head", () => {
  it("x86_64 6.6: the freed object is linked to the non-canonical head (the word stored as is), handed out next, then the fault", () => {
    const k = bootK("x86_64", "6.6");
    const s = k.slab.caches.kmalloc_slab(128, GFP_KERNEL);
    const a = k.slab.kmalloc(k, 128, GFP_KERNEL);
    const b = k.slab.kmalloc(k, 128, GFP_KERNEL);
    k.slab.kfree(k, a);
    k.kwrite(a + s.offset, new Uint8Array([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]));
    expect(k.slab.kmalloc(k, 128, GFP_KERNEL)).toBe(a); // the head is now 0x8877665544332211
    k.slab.kfree(k, b); // set_freepointer(b, 0x8877665544332211)
    expect(bytes(k, b + s.offset, 8)).toEqual([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
    expect(k.slab.kmalloc(k, 128, GFP_KERNEL)).toBe(b);
    expect(() => k.slab.kmalloc(k, 128, GFP_KERNEL)).toThrow("general protection fault, probably for non-canonical address 0x8877665544332251");
  });
});

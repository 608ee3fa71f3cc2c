/**
 * SLUB debugging, the slub_debug= boot option (mm/slub.c, src/mm/slub_debug.ts): the kmalloc caches'
 * layout with red zones, the moved free pointer and the tracks (real addresses per version), the poison
 * and redzone bytes in RAM, check_object's reports in each era's words, a device overrun caught or not,
 * a DMA into a freed object caught at the next kmalloc, and the option's parser.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, bootK, run, runCli, runYaml } from "./helpers.js";
import { hashP } from "./hash-ptr.js";
import { GFP_KERNEL, __GFP_ZERO } from "../src/include/gfp.js";
import type { Kernel } from "../src/kernel.js";

const OVERRUN = "scenarios/drivers/slub-debug-rx-overrun.yaml";
const AFTER_FREE = "scenarios/drivers/slub-debug-dma-after-free.yaml";

function bytes(k: Kernel, va: number, n: number): number[] {
  return [...k.kread(va, n)];
}
const fill = (v: number, n: number): number[] => new Array<number>(n).fill(v);

describe("slub_debug: the kmalloc caches' layout (calculate_sizes) and the addresses kmalloc returns", () => {
  // [platform, kernel, cache, s->size, s->inuse, red_left_pad, first kmalloc(56) with slub_debug, without]
  it.each([
    // x86_64 kmalloc-64 (align 64): 64 + 8 right redzone = inuse 72, free pointer 72..80, 2 × struct track
    // (152 bytes with CONFIG_STACKTRACE before 5.17, 32 with the depot handle after), 6.1+ orig_size, a padding
    // word, red_left_pad ALIGN(8, 64) = 64: 456 → 512 (5.6–5.15); 216 / 220 / 224 → 256 (5.19, 6.1–6.12, 6.18)
    // 5.6–5.11 (before d930ff03c4d1) deactivate_slab after each debug allocation pushes the rest of the freelist back
    // one object at a time, reversing it: the second kmalloc gets the slab's last object (7 strides on, 8 objects), the third the second
    ["x86_64", "5.6", "kmalloc-64", 512, 72, 64, "0xffff888237f84040", "0xffff888237f84000", 7],
    ["x86_64", "5.10", "kmalloc-64", 512, 72, 64, "0xffff888237f84040", "0xffff888237f84000", 7],
    ["x86_64", "5.15", "kmalloc-64", 512, 72, 64, "0xffff888237f04040", "0xffff888237f04000"],
    ["x86_64", "5.19", "kmalloc-64", 256, 72, 64, "0xffff888237f04040", "0xffff888237f04000"],
    ["x86_64", "6.1", "kmalloc-64", 256, 72, 64, "0xffff888237f39040", "0xffff888237f39000"],
    ["x86_64", "6.6", "kmalloc-64", 256, 72, 64, "0xffff888237f39040", "0xffff888237f39000"],
    ["x86_64", "6.18", "kmalloc-64", 256, 72, 64, "0xffff888237f39040", "0xffff888237f39000"],
    // rpi4 up to 6.4: kmalloc(56) is kmalloc-128 (ARCH_KMALLOC_MINALIGN 128): 136, 144, + 2 × 24 (no STACKTRACE in
    // arm64 defconfig) or 2 × 32, + 8 + red_left_pad 128 → 384, an order-1 slab (16 objects wanted)
    ["rpi4", "5.10", "kmalloc-128", 384, 136, 128, "0xffff0000f7f20080", "0xffff0000f7f84000", 20], // 21 objects, the second kmalloc the last; the order-1 slab from the buddy lists, past the 63-page order-0 pcp refill
    ["rpi4", "6.1", "kmalloc-128", 384, 136, 128, "0xffff0000f7e00080", "0xffff0000f7f39000"], // the head of a 31-block order-1 pcp refill
    ["rpi4", "6.6", "kmalloc-64", 256, 72, 64, "0xffff0000f7f39040", "0xffff0000f7f39000"],
    // 32-bit ARM: 4-byte words and tracks of 16 (5.6–5.15) or 20 bytes: 172 / 184 → 192
    ["arm32", "5.10", "kmalloc-64", 192, 68, 64, "0xc0002040", "0xc0002000", 20],
    ["arm32", "6.18", "kmalloc-64", 192, 68, 64, "0xc1042040", "0xc1042000"], // 5.14+: the boot stack's order-1 pcp refill took the blocks below 0x1042
  ] as [string, string, string, number, number, number, string, string, number?][])("%s %s: %s s->size %i, inuse %i, red_left_pad %i: objects at slot + red_left_pad, one s->size apart", (platform, kernel, name, size, inuse, pad, first, plain, second = 1) => {
    const k = bootK(platform, kernel, { slub_debug: "" });
    const s = k.slab.caches.kmalloc_slab(56, GFP_KERNEL);
    expect([s.name, s.size, s.inuse, s.red_left_pad]).toEqual([name, size, inuse, pad]);
    const a = k.slab.kmalloc(k, 56, GFP_KERNEL);
    const b = k.slab.kmalloc(k, 56, GFP_KERNEL);
    expect(k.arch.fmtVa(a)).toBe(first);
    expect(b - a).toBe(second * size);
    expect(k.slab.kmalloc(k, 56, GFP_KERNEL) - a).toBe((second === 1 ? 2 : 1) * size);
    const k0 = bootK(platform, kernel);
    const s0 = k0.slab.caches.kmalloc_slab(56, GFP_KERNEL);
    const a0 = k0.slab.kmalloc(k0, 56, GFP_KERNEL);
    expect(k0.arch.fmtVa(a0)).toBe(plain);
    expect(k0.slab.kmalloc(k0, 56, GFP_KERNEL) - a0).toBe(s0.size);
    expect([s0.size, s0.red_left_pad]).toEqual([name === "kmalloc-128" ? 128 : 64, 0]);
  });

  it("kmalloc-96's align is 8 up to 6.10 and 32 from ad59baa31695 (6.11): red_left_pad and the stride follow with Z", () => {
    // x86_64 slub_debug=FZPU kmalloc-96: 96 + 8 = inuse 104, free pointer 104..112, 2 × 32 tracks, 4 orig_size = 180,
    // + 8 padding word; + red_left_pad ALIGN(8, 8) = 8 → 196 → ALIGN 8 = 200 (6.6); ALIGN(8, 32) = 32 → 220 → 224 (6.12)
    for (const [kernel, align, pad, size] of [["6.6", 8, 8, 200], ["6.12", 32, 32, 224], ["6.18", 32, 32, 224]] as const) {
      const k = bootK("x86_64", kernel, { slub_debug: "FZPU" });
      const s = k.slab.caches.kmalloc_slab(96, GFP_KERNEL);
      expect([s.name, s.align, s.red_left_pad, s.size]).toEqual(["kmalloc-96", align, pad, size]);
      const a = k.slab.kmalloc(k, 96, GFP_KERNEL);
      expect(k.slab.kmalloc(k, 96, GFP_KERNEL) - a).toBe(size);
      expect(k.arch.fmtVa(a).slice(-3)).toBe(pad.toString(16).padStart(3, "0")); // a fresh slab's first object, after its left redzone
      // without slub_debug the larger align changes nothing: 96 bytes apart
      const k0 = bootK("x86_64", kernel);
      expect(k0.slab.caches.kmalloc_slab(96, GFP_KERNEL).size).toBe(96);
    }
  });

  it("slub_debug=O drops the metadata of a cache whose minimum order it would raise (x86 kmalloc-4k) and keeps it on kmalloc-64", () => {
    const k = bootK("x86_64", "6.6", { slub_debug: "FZPO" });
    const big = k.slab.caches.kmalloc_slab(4096, GFP_KERNEL);
    expect([big.size, big.red_left_pad, big.flags]).toEqual([4096, 0, 1]); // only SLAB_CONSISTENCY_CHECKS left
    expect(k.slab.caches.kmalloc_slab(64, GFP_KERNEL).size).toBe(256 - 64); // FZP: no tracks: 72 + 8 + 8 + 64 → 192
  });
});

describe("slub_debug: the poison and redzone bytes in RAM (init_object, setup_slab_debug)", () => {
  it("6.6 kmalloc(56): left redzone 0xcc, 55 × 0x6b, 0xa5, then 0xcc from the requested size to s->inuse (946fa0dbf2d8); after kfree 0xbb, 63 × 0x6b, 0xa5, 0xbb; padding 0x5a", () => {
    const k = bootK("x86_64", "6.6", { slub_debug: "" });
    const a = k.slab.kmalloc(k, 56, GFP_KERNEL);
    expect(bytes(k, a - 64, 64)).toEqual(fill(0xcc, 64));
    expect(bytes(k, a, 72)).toEqual([...fill(0x6b, 55), 0xa5, ...fill(0xcc, 16)]);
    // orig_size (unsigned int in 6.6) after the free pointer word and the two 32-byte tracks: 56
    expect(bytes(k, a + 80 + 64, 4)).toEqual([56, 0, 0, 0]);
    // the padding after it, up to size_from_object (256 - 64): POISON_INUSE
    expect(bytes(k, a + 148, 192 - 148)).toEqual(fill(0x5a, 44));
    k.slab.kfree(k, a);
    expect(bytes(k, a - 64, 64)).toEqual(fill(0xbb, 64));
    expect(bytes(k, a, 72)).toEqual([...fill(0x6b, 63), 0xa5, ...fill(0xbb, 8)]);
    expect(k.faults).toEqual([]);
  });

  it("6.1 kmalloc(56): the whole 64-byte object is poisoned (no kmalloc redzone yet), 0xcc only past it", () => {
    const k = bootK("x86_64", "6.1", { slub_debug: "" });
    const a = k.slab.kmalloc(k, 56, GFP_KERNEL);
    expect(bytes(k, a, 72)).toEqual([...fill(0x6b, 63), 0xa5, ...fill(0xcc, 8)]);
  });

  it("an untouched object of a new slab is 0xbb / 0x6b…0xa5 / 0xbb, its tracks zeroed (5.15 x86: 2 × 152 bytes)", () => {
    const k = bootK("x86_64", "5.15", { slub_debug: "" });
    const a = k.slab.kmalloc(k, 64, GFP_KERNEL);
    const next = a + 512; // the next object of the slab, never handed out
    expect(bytes(k, next - 64, 64)).toEqual(fill(0xbb, 64));
    expect(bytes(k, next, 72)).toEqual([...fill(0x6b, 63), 0xa5, ...fill(0xbb, 8)]);
    expect(bytes(k, next + 80, 304)).toEqual(fill(0, 304));
    expect(bytes(k, next + 384, 64)).toEqual(fill(0x5a, 64));
  });

  it("kzalloc: 6.6 zeroes only the requested size, the rest stays kmalloc redzone; 6.1 zeroes the object", () => {
    const k = bootK("x86_64", "6.6", { slub_debug: "" });
    const a = k.slab.kmalloc(k, 56, GFP_KERNEL | __GFP_ZERO);
    expect(bytes(k, a, 72)).toEqual([...fill(0, 56), ...fill(0xcc, 16)]);
    const k1 = bootK("x86_64", "6.1", { slub_debug: "" });
    const b = k1.slab.kmalloc(k1, 56, GFP_KERNEL | __GFP_ZERO);
    expect(bytes(k1, b, 72)).toEqual([...fill(0, 64), ...fill(0xcc, 8)]);
  });

  it("without slub_debug only the free pointer is written: a fresh kmalloc object reads as zeroed RAM but for its stale free pointer", () => {
    const k = bootK("x86_64", "6.6");
    const a = k.slab.kmalloc(k, 56, GFP_KERNEL);
    // allocate_slab's set_freepointer(s, p, next) at +32 (the middle of kmalloc-64): the next object, 0xffff888237f39040
    expect(k.arch.fmtVa(a)).toBe("0xffff888237f39000");
    expect(bytes(k, a, 64)).toEqual([...fill(0, 32), 0x40, 0x90, 0xf3, 0x37, 0x82, 0x88, 0xff, 0xff, ...fill(0, 24)]);
  });
});

describe("slub_debug: a device overruns kmalloc(56) by 8 bytes (scenarios/drivers/slub-debug-rx-overrun.yaml)", () => {
  it.each(["5.6", "5.10", "5.15", "5.19", "6.1"])("%s: the 8 bytes land in kmalloc-64's slack, inside the object: nothing is reported", (kernel) => {
    const r = run(OVERRUN, { kernel });
    expect(r.faults).toEqual([]);
    expect(r.ok).toBe(false); // the scenario's expectation is 6.2+'s
  });

  it("6.6: kfree reports the kmalloc Redzone (946fa0dbf2d8), restores it and does not free the object", () => {
    const r = run(OVERRUN, { kernel: "6.6" });
    expect(r.ok).toBe(true);
    expect(r.faults.map((f) => [f.kind, f.step])).toEqual([["slub", 6]]);
    expect(r.faults[0]!.message).toBe("BUG kmalloc-64 (Not tainted): kmalloc Redzone overwritten");
    expect(r.faults[0]!.report).toEqual([
      "=".repeat(77),
      "BUG kmalloc-64 (Not tainted): kmalloc Redzone overwritten",
      "-".repeat(77),
      "",
      "0xffff888237f39078-0xffff888237f3907f @offset=120. First byte 0x41 instead of 0xcc",
      "Redzone  ffff888237f39000: cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc  ................",
      "Redzone  ffff888237f39010: cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc  ................",
      "Redzone  ffff888237f39020: cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc  ................",
      "Redzone  ffff888237f39030: cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc  ................",
      "Object   ffff888237f39040: 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41  AAAAAAAAAAAAAAAA",
      "Object   ffff888237f39050: 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41  AAAAAAAAAAAAAAAA",
      "Object   ffff888237f39060: 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41  AAAAAAAAAAAAAAAA",
      "Object   ffff888237f39070: 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41  AAAAAAAAAAAAAAAA",
      "Redzone  ffff888237f39080: cc cc cc cc cc cc cc cc                          ........",
      "Padding  ffff888237f390d4: 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a  ZZZZZZZZZZZZZZZZ",
      "Padding  ffff888237f390e4: 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a  ZZZZZZZZZZZZZZZZ",
      "Padding  ffff888237f390f4: 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a              ZZZZZZZZZZZZ",
      "CPU: 0 PID: 1000 Comm: scenario Not tainted 6.6.63 #1",
      "FIX kmalloc-64: Restoring kmalloc Redzone 0xffff888237f39078-0xffff888237f3907f=0xcc",
      "FIX kmalloc-64: Object at 0xffff888237f39040 not freed",
    ]);
  });

  it("6.12: the checks all run (47d911b02cbe): header, First byte and FIX first, then one trailer showing the restored bytes", () => {
    const r = run(OVERRUN, { kernel: "6.12" });
    const rep = r.faults[0]!.report!;
    expect(rep.slice(4, 6)).toEqual([
      "0xffff888237f39078-0xffff888237f3907f @offset=120. First byte 0x41 instead of 0xcc",
      "FIX kmalloc-64: Restoring kmalloc Redzone 0xffff888237f39078-0xffff888237f3907f=0xcc",
    ]);
    expect(rep).toContain("Object   ffff888237f39070: 41 41 41 41 41 41 41 41 cc cc cc cc cc cc cc cc  AAAAAAAA........");
    expect(rep.at(-1)).toBe("FIX kmalloc-64: Object at 0xffff888237f39040 not freed");
    expect(r.faults.map((f) => f.kind)).toEqual(["slub"]);
  });

  it("6.18: \"[kmalloc Redzone overwritten] …\", object_err(\"Object corrupt\") with the bytes still wrong, then the FIX lines and a WARNING at mm/slub.c:1231 (ed5ec2e95259, 3f6f32b14ab3)", () => {
    const r = run(OVERRUN, { kernel: "6.18" });
    expect(r.ok).toBe(true);
    expect(r.faults.map((f) => [f.kind, f.message, f.at])).toEqual([
      ["slub", "BUG kmalloc-64 (Not tainted): Object corrupt", undefined],
      ["warn", "WARNING: object_err: WARN_ON(1)", "mm/slub.c:1231"],
    ]);
    const rep = r.faults[0]!.report!;
    expect(rep.slice(0, 3)).toEqual(["[kmalloc Redzone overwritten] 0xffff888237f39078-0xffff888237f3907f @offset=120. First byte 0x41 instead of 0xcc", "=".repeat(77), "BUG kmalloc-64 (Not tainted): Object corrupt"]);
    expect(rep).toContain("Object   ffff888237f39070: 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41  AAAAAAAAAAAAAAAA");
    // orig_size is an unsigned long in 6.18.35: the padding starts 4 bytes later than 6.6's
    expect(rep).toContain("Padding  ffff888237f390d8: 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a  ZZZZZZZZZZZZZZZZ");
    expect(rep.some((l) => l.startsWith("CPU: "))).toBe(false); // no dump_stack: the WARN prints the stack
    expect(rep.slice(-2)).toEqual(["FIX kmalloc-64: Restoring kmalloc Redzone 0xffff888237f39078-0xffff888237f3907f=0xcc", "FIX kmalloc-64: Object at 0xffff888237f39040 not freed"]);
    expect(r.faults[1]!.report!.join("\n")).toContain("Tainted: G    B");
  });

  it("an overrun past the object (72 bytes into kmalloc(64)) is the right redzone on every version: 5.6's words, 5.15's", () => {
    const y = `
name: right redzone
platform: x86_64
config: { slub_debug: FZPU }
steps:
  - { op: dma_set_mask_and_coherent, bits: 64 }
  - { op: kmalloc, size: 64, as: b }
  - { op: dma_map_single, buf: b, size: 64, dir: DMA_FROM_DEVICE, as: m }
  - { op: device_write, map: m, data: { fill: 0x41, length: 72 } }
  - { op: dma_unmap_single, map: m }
  - { op: kfree, buf: b }
`;
    const r56 = runYaml(y, { kernel: "5.6" });
    const a = 0xffff888237f84040n;
    expect(r56.faults.map((f) => f.message)).toEqual(["BUG kmalloc-64 (Not tainted): Redzone overwritten"]);
    const rep = r56.faults[0]!.report!;
    expect(rep[4]).toBe(`INFO: 0x${hashP(a + 64n)}-0x${hashP(a + 71n)} @offset=128. First byte 0x41 instead of 0xcc`);
    expect(rep).toContain(`Redzone ${hashP(a + 64n)}: 41 41 41 41 41 41 41 41                          AAAAAAAA`);
    // before 65ebdeef103f the taint comes with the header: the trailer's dump_stack already shows it
    expect(rep).toContain("CPU: 0 PID: 1000 Comm: scenario Tainted: G    B             5.6.4 #1");
    expect(rep.slice(-3)).toEqual([`FIX kmalloc-64: Restoring 0x${hashP(a + 64n)}-0x${hashP(a + 71n)}=0xcc`, "", `FIX kmalloc-64: Object at 0x${hashP(a)} not freed`]);
    const r515 = runYaml(y, { kernel: "5.15" });
    expect(r515.faults[0]!.message).toBe("BUG kmalloc-64 (Not tainted): Right Redzone overwritten");
    expect(r515.faults[0]!.report).toContain("CPU: 0 PID: 1000 Comm: scenario Not tainted 5.15.178 #1");
  });
});

describe("slub_debug: a DMA into a freed object is caught at the next kmalloc (scenarios/drivers/slub-debug-dma-after-free.yaml)", () => {
  it.each(["5.6", "5.10", "5.14", "5.15", "5.19", "6.1", "6.6", "6.12", "6.18"])("%s: Poison overwritten, the slab given up, the kmalloc served from a new slab", (kernel) => {
    const r = run(AFTER_FREE, { kernel });
    expect(r.ok).toBe(true);
    const f = r.faults.find((x) => x.kind === "slub")!;
    expect(f.step).toBe(7);
    expect(f.message).toBe(kernel === "6.18" ? "BUG kmalloc-64 (Not tainted): Object corrupt" : "BUG kmalloc-64 (Not tainted): Poison overwritten");
    expect(f.report!.at(-1)).toBe("FIX kmalloc-64: Marking all objects used");
    expect(r.steps[7]!.result.ret).not.toBe(r.steps[1]!.result.ret);
  });

  it("5.15: the late packet's bytes in the report (raw addresses: slub_debug forces no_hash_pointers from 5.14)", () => {
    const r = run(AFTER_FREE, { kernel: "5.15" });
    const rep = r.faults[0]!.report!;
    expect(rep[4]).toBe("0xffff888237f04048-0xffff888237f04052 @offset=72. First byte 0x6c instead of 0x6b");
    expect(rep).toContain("Object   ffff888237f04040: 6b 6b 6b 6b 6b 6b 6b 6b 6c 61 74 65 20 70 61 63  kkkkkkkklate pac");
    expect(rep).toContain("FIX kmalloc-64: Restoring Poison 0xffff888237f04048-0xffff888237f04052=0x6b");
    expect(r.steps[7]!.result.ret).toBe("0xffff888237f05040");
    expect(r.log!.filter((l) => l.step === -1).map((l) => l.message)).toContain("** This system shows unhashed kernel memory addresses   **");
  });

  it("5.10: %p hashed, no NOTICE banner", () => {
    const r = run(AFTER_FREE, { kernel: "5.10" });
    expect(r.faults[0]!.report![4]).toBe(`INFO: 0x${hashP(0xffff888237f84048n)}-0x${hashP(0xffff888237f84052n)} @offset=72. First byte 0x6c instead of 0x6b`);
    expect(r.log!.some((l) => l.message.includes("NOTICE"))).toBe(false);
  });

  it("without slub_debug the late packet is just there: the next kmalloc gets the same object, nothing reported", () => {
    const r = runYaml(readFileSync(join(ROOT, AFTER_FREE), "utf8").replace("config: { slub_debug: FZPU }\n", ""), { kernel: "6.6" });
    expect(r.faults).toEqual([]);
    expect(r.steps[7]!.result.ret).toBe(r.steps[1]!.result.ret);
  });

  it("F catches a double kfree while the slab has other objects in use: \"Object already free\", not freed again", () => {
    const r = runYaml(`
name: double free
platform: x86_64
config: { slub_debug: FZPU }
steps:
  - { op: kmalloc, size: 64, as: a }
  - { op: kmalloc, size: 64, as: b }
  - { op: kfree, buf: b }
  - { op: kfree, buf: b }
  - { op: kmalloc, size: 64, as: c }
  - { op: kmalloc, size: 64, as: d }
`, { kernel: "6.6" });
    expect(r.faults.map((f) => [f.kind, f.message, f.step])).toEqual([["slub", "BUG kmalloc-64 (Not tainted): Object already free", 3]]);
    expect(r.faults[0]!.report!.at(-1)).toBe("FIX kmalloc-64: Object at 0xffff888237f39140 not freed");
    expect(r.steps[5]!.result.ret).not.toBe(r.steps[4]!.result.ret);
  });

  // c7323a5ad078 (6.0): free_debug_processing's slab->inuse check comes first, for any debug flag
  const ONLY = `
name: double free of a slab's only object
platform: x86_64
config: { slub_debug: FZPU }
steps:
  - { op: kmalloc, size: 64, as: b }
  - { op: kfree, buf: b }
  - { op: kfree, buf: b }
`;
  it.each([
    ["5.19", "FZPU", "BUG kmalloc-64 (Not tainted): Object already free"],
    ["6.1", "FZPU", "BUG kmalloc-64 (Not tainted): Slab has 0 allocated objects but 1 are to be freed"],
    ["6.6", "ZP", "BUG kmalloc-64 (Not tainted): Slab has 0 allocated objects but 1 are to be freed"],
    ["6.18", "FZPU", "BUG kmalloc-64 (Not tainted): Slab has 0 allocated objects but 1 are to be freed"],
  ])("%s slub_debug=%s: the second kfree of a slab's only object: %s", (kernel, flags, msg) => {
    const r = runYaml(ONLY.replace("FZPU", flags), { kernel });
    const f = r.faults.find((x) => x.kind === "slub")!;
    expect([f.message, f.step]).toEqual([msg, 2]);
    expect(f.report!.at(-1)).toBe(`FIX kmalloc-64: Object at 0x${kernel === "5.19" ? "ffff888237f04040" : "ffff888237f39040"} not freed`);
    if (kernel === "5.19") return;
    // slab_err: the format's trailing "\n" leaves an empty line under the BUG line; 6.18 WARNs in __slab_err
    expect(f.report!.slice(0, 5)).toEqual(["=".repeat(77), msg, "", "-".repeat(77), ""]);
    expect(r.faults.some((x) => x.kind === "warn" && x.message.includes("__slab_err"))).toBe(kernel === "6.18");
  });
});

describe("slub_debug=: the option as each version parses it", () => {
  it("a slab list limits it to the caches named (5.9+ blocks; '*' a prefix)", () => {
    const k = bootK("x86_64", "6.6", { slub_debug: "Z,kmalloc-128;P,kmalloc-2*" });
    expect(k.slab.caches.kmalloc_slab(128, GFP_KERNEL).flags).toBe(2);
    expect(k.slab.caches.kmalloc_slab(2048, GFP_KERNEL).flags & 4).toBe(4);
    expect(k.slab.caches.kmalloc_slab(256, GFP_KERNEL).flags & 4).toBe(4);
    expect(k.slab.caches.kmalloc_slab(64, GFP_KERNEL).flags).toBe(0);
  });

  it("5.9+: an entry ends at next_block - 1, so a list followed by ';;' or a trailing ';' does not name its last cache", () => {
    // kmem_cache_flags compares "kmalloc-64;" (5.10.7 mm/slub.c:1428–1436, 6.18.35 :1966–1974)
    expect(bootK("x86_64", "6.6", { slub_debug: "Z,kmalloc-64;;P" }).slab.caches.kmalloc_slab(64, GFP_KERNEL).flags).toBe(4 | 0x40);
    expect(bootK("x86_64", "6.6", { slub_debug: "Z,kmalloc-64;P" }).slab.caches.kmalloc_slab(64, GFP_KERNEL).flags).toBe(2);
    expect(bootK("x86_64", "6.18", { slub_debug: "Z,kmalloc-64;" }).slab.caches.kmalloc_slab(64, GFP_KERNEL).flags).toBe(0);
    expect(bootK("x86_64", "6.18", { slub_debug: "Z,kmalloc-32,kmalloc-64;" }).slab.caches.kmalloc_slab(32, GFP_KERNEL).flags).toBe(2);
    // a glob stops at its '*': "kmalloc-6*;" still names kmalloc-64
    expect(bootK("x86_64", "6.18", { slub_debug: "Z,kmalloc-6*;" }).slab.caches.kmalloc_slab(64, GFP_KERNEL).flags).toBe(2);
  });

  it("5.6 has one block: ';' is an unknown option letter, and the list after ',' gets the global flags", () => {
    const k = bootK("x86_64", "5.6", { slub_debug: "Z;P,kmalloc-64" });
    expect(k.klog.filter((l) => l.level === "err").map((l) => l.message)).toEqual(["slub_debug option ';' unknown. skipped"]);
    expect(k.slab.caches.kmalloc_slab(64, GFP_KERNEL).flags & 6).toBe(6);
    expect(k.slab.caches.kmalloc_slab(128, GFP_KERNEL).flags).toBe(0);
  });

  it("an unknown letter is skipped with the version's pr_err: slub_debug (6.6), slab_debug (6.12)", () => {
    expect(bootK("x86_64", "6.6", { slub_debug: "Zx" }).klog.map((l) => l.message)).toContain("slub_debug option 'x' unknown. skipped");
    expect(bootK("x86_64", "6.12", { slub_debug: "Zx" }).klog.map((l) => l.message)).toContain("slab_debug option 'x' unknown. skipped");
  });

  it("'-' switches it off: no cache changes, %p stays hashed", () => {
    const k = bootK("x86_64", "6.6", { slub_debug: "-" });
    expect(k.slab.caches.kmalloc_slab(64, GFP_KERNEL).size).toBe(64);
    expect(k.slub_no_hash_pointers).toBe(false);
  });

  it("slub_debug is taken by its __setup: not handed to init, not listed as unknown", () => {
    const r = run(OVERRUN, { kernel: "6.6" });
    expect(r.log!.some((l) => l.message.includes("Unknown kernel command line parameters"))).toBe(false);
  });
});

describe("slub_debug on the command line (the built CLI)", () => {
  it("--set slub_debug=FZPU on a plain kmalloc overrun prints the report; T and CONFIG_KASAN are refused, exit 2", async () => {
    const ok = await runCli(["run", OVERRUN, "--kernel", "6.6", "--set", "slub_debug=FZPU"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("SLUB: BUG kmalloc-64 (Not tainted): kmalloc Redzone overwritten");
    expect(ok.stdout).toContain("FIX kmalloc-64: Restoring kmalloc Redzone 0xffff888237f39078-0xffff888237f3907f=0xcc");
    const t = await runCli(["run", OVERRUN, "--set", "slub_debug=FZT"]);
    expect([t.code, t.stderr.trim()]).toEqual([2, "dmasim: --set slub_debug=FZT: 'T' (SLAB_TRACE) is not modelled (F, Z, P, U, O and - are)"]);
    const kasan = await runCli(["run", OVERRUN, "--set", "CONFIG_KASAN=y"]);
    expect(kasan.code).toBe(2);
    expect(kasan.stderr).toContain("slub_debug together with CONFIG_KASAN is not modelled");
  });
});

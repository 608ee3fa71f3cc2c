/**
 * %p and %pK in console messages (stop 19 review of s19-found 58332be, which hashed %p in trace events
 * only): lib/vsprintf.c default_pointer prints a kernel pointer as its siphash (ptr_to_id, "00000000" and
 * 8 hash digits on 64-bit, 8 digits on 32-bit ARM) unless no_hash_pointers (5.12+), and %pK with the default
 * kptr_restrict = 0 is handled as %p (restricted_pointer, 5.6.4 lib/vsprintf.c:816–822, 6.12.19 :853–859).
 * The messages: vmalloc's "Trying to vfree() nonexistent vm area (%p)" (6.12.19 mm/vmalloc.c), arm's
 * "Freeing invalid buffer %p" (arch/arm/mm/dma-mapping.c), dma-debug's "[addr=%p]", arm64's
 * "virt_to_phys used for non-linear address: %pK (%pS)" (%pS of a non-symbol stays "0x%lx").
 */
import { describe, expect, it } from "vitest";
import { bootK, runYaml } from "./helpers.js";
import { hashP } from "./hash-ptr.js";

const y = (steps: string) => `name: t\nsteps:\n${steps}\n`;
const dblVfree = y("  - { op: vmalloc, size: 8K, as: v }\n  - { op: vfree, buf: v }\n  - { op: vfree, buf: v }");

describe("%p in console messages is hashed unless no_hash_pointers", () => {
  it("6.12 double vfree: the area's hash by default, the address with no_hash_pointers (and the NOTICE banner)", () => {
    const r = runYaml(dblVfree, { platform: "rpi4", kernel: "6.12" });
    const va = r.steps[0]!.result.ret as string;
    const w = r.faults.find((f) => f.kind === "warn")!;
    expect(w.message).toBe(`Trying to vfree() nonexistent vm area (${hashP(va)})`);
    expect(w.message).toMatch(/\(00000000[0-9a-f]{8}\)$/);
    const raw = runYaml(dblVfree, { platform: "rpi4", kernel: "6.12", set: { no_hash_pointers: "y" } });
    expect(raw.faults.find((f) => f.kind === "warn")!.message).toBe(`Trying to vfree() nonexistent vm area (${va.slice(2)})`);
  });

  it("5.10 (no no_hash_pointers yet): hashed all the same", () => {
    const r = runYaml(dblVfree, { platform: "rpi4", kernel: "5.10" });
    expect(r.faults.find((f) => f.kind === "warn")!.message).toBe(`Trying to vfree() nonexistent vm area (${hashP(r.steps[0]!.result.ret as string)})`);
  });

  it("32-bit ARM: siphash_1u32 and 8 digits (a vmalloc address, twice freed)", () => {
    const r = runYaml(dblVfree, { platform: "arm32", kernel: "5.10" });
    const va = r.steps[0]!.result.ret as string;
    expect(r.faults.find((f) => f.kind === "warn")!.message).toBe(`Trying to vfree() nonexistent vm area (${hashP(va, 32)})`);
    expect(hashP(va, 32)).toMatch(/^[0-9a-f]{8}$/);
  });

  it("arm64 virt_to_phys's %pK: hashed by default (kptr_restrict=0), the address with no_hash_pointers; %pS raw either way", () => {
    for (const [set, first] of [[{}, hashP("0xffff800012345000")], [{ no_hash_pointers: "y" }, "ffff800012345000"]] as const) {
      const k = bootK("rpi4", "5.13", { CONFIG_DEBUG_VIRTUAL: "y", ...set });
      k.arch.virt_to_page(k, Number(BigInt.asIntN(64, 0xffff800012345000n)));
      expect(k.faults[0]!.message).toBe(`virt_to_phys used for non-linear address: ${first} (0xffff800012345000)`);
    }
  });
});

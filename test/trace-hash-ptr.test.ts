/**
 * %p in the trace file (the 6.12+ DMA-API events' virt_addr): hashed by default, as a real kernel's
 * /sys/kernel/tracing/trace shows it — trace_event_format leaves %p alone while the hash-ptr option is
 * on (its default, TRACE_DEFAULT_FLAGS: 5.12.9 kernel/trace/trace.c:406–412, 6.12.19 :480–486), and
 * vsnprintf's default_pointer prints ptr_to_id: siphash_1u64(ptr, ptr_key) & 0xffffffff, %016lx
 * (6.12.19 lib/vsprintf.c:778–847); siphash_1u32 and %08lx on 32-bit ARM. dmasim's ptr_key is the
 * fixed SipHash reference key (the kernel's is random per boot). no_hash_pointers (5.12+) or
 * trace_options=nohash-ptr (5.12+) show the address itself. Before this, every %p was printed raw.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bootK, runCli, runYaml } from "./helpers.js";
import { ftraceLines } from "../src/format/ftrace.js";
import { siphash, siphash_1u32, siphash_1u64 } from "../src/lib/siphash.js";
import { PTR_KEY } from "../src/lib/vsprintf.js";

const TASK = "        scenario-1000    [000] .....     0.000000: ";
const yaml = (kernel: string, platform = "rpi4") => `
name: alloc trace
platform: ${platform}
kernel: "${kernel}"
steps:
  - { op: dma_alloc_coherent, size: 8K, gfp: GFP_KERNEL, as: c }
  - { op: dma_free_coherent, buf: c }
  - { op: dma_alloc_coherent, size: 4K, gfp: GFP_ATOMIC, as: d }
`;
const lines = (r: ReturnType<typeof runYaml>) => r.steps.flatMap((s) => ftraceLines(s.trace));
const hash64 = (va: bigint) => (siphash_1u64(va, PTR_KEY) & 0xffff_ffffn).toString(16).padStart(16, "0");

describe("lib/siphash: the kernel's own test vectors (6.12.19 lib/siphash_kunit.c:27–36, key 00 01 … 0f)", () => {
  it("SipHash-2-4 of 00 01 … (n-1) for n = 0, 4, 8, 15; siphash_1u64 / siphash_1u32 are the 8- and 4-byte cases", () => {
    const input = (n: number) => Uint8Array.from({ length: n }, (_, i) => i);
    expect(siphash(input(0), PTR_KEY)).toBe(0x726fdb47dd0e0e31n);
    expect(siphash(input(4), PTR_KEY)).toBe(0xcf2794e0277187b7n);
    expect(siphash(input(8), PTR_KEY)).toBe(0x93f5f5799a932462n);
    expect(siphash(input(15), PTR_KEY)).toBe(0xa129ca6149be45e5n);
    expect(siphash_1u64(0x0706050403020100n, PTR_KEY)).toBe(0x93f5f5799a932462n);
    expect(siphash_1u32(0x03020100, PTR_KEY)).toBe(0xcf2794e0277187b7n);
  });
});

describe("%p in the trace file", () => {
  for (const v of ["6.12", "6.18"]) {
    it(`${v} rpi4: virt_addr is the pointer's hash (00000000 + 32 bits), the same for an allocation and its free, different for another buffer`, () => {
      const r = runYaml(yaml(v), { trace: true });
      expect(r.steps[0]!.result.cpu_addr).toBe("0xffff800081b88000");
      expect(hash64(0xffff800081b88000n)).toBe("00000000ac3d55ac");
      const dir = v === "6.18" ? " dir=BIDIRECTIONAL" : "";
      expect(lines(r)).toEqual([
        TASK + `dma_alloc: fe00b000.v4l2${dir} dma_addr=f7580000 size=8192 virt_addr=00000000ac3d55ac flags=GFP_KERNEL attrs=`,
        TASK + `dma_free: fe00b000.v4l2${dir} dma_addr=f7580000 size=8192 virt_addr=00000000ac3d55ac attrs=`,
        TASK + `dma_alloc: fe00b000.v4l2${dir} dma_addr=f7480000 size=4096 virt_addr=${hash64(0xffff800081a86000n)} flags=GFP_ATOMIC attrs=`,
      ]);
      expect(r.steps[2]!.result.cpu_addr).toBe("0xffff800081a86000");
    });
    it(`${v}: no_hash_pointers and trace_options=nohash-ptr both print the address itself`, () => {
      for (const set of [{ no_hash_pointers: "y" }, { trace_options: "nohash-ptr" }] as Record<string, string>[]) {
        const r = runYaml(yaml(v), { trace: true, set });
        expect(lines(r)[0], JSON.stringify(set)).toContain(" virt_addr=ffff800081b88000 ");
      }
      // trace_options=hash-ptr is the default
      expect(lines(runYaml(yaml(v), { trace: true, set: { trace_options: "hash-ptr" } }))[0]).toContain(" virt_addr=00000000ac3d55ac ");
    });
  }
  it("6.12 arm32: siphash_1u32 of the 32-bit pointer, 8 digits", () => {
    const r = runYaml(yaml("6.12", "arm32"), { trace: true });
    expect(r.steps[0]!.result.cpu_addr).toBe("0xf0841000");
    expect((siphash_1u32(0xf0841000, PTR_KEY) & 0xffff_ffffn).toString(16)).toBe("2d62dc9b");
    expect(lines(r)[0]).toContain(" virt_addr=2d62dc9b flags=GFP_KERNEL");
  });
});

describe("no_hash_pointers at boot", () => {
  const banner = (k: ReturnType<typeof bootK>) => k.klog.filter((l) => l.message.startsWith("**")).map((l) => `${l.level} ${l.message}`);
  it("6.12: the 13-line NOTICE banner (pr_warn, 6.12.19 lib/vsprintf.c:2232–2255); 6.18: \"Hash pointers mode set to never.\" and the 15-line banner", () => {
    const b612 = banner(bootK("rpi4", "6.12", { no_hash_pointers: "y" }));
    expect(b612.length).toBe(13);
    expect(b612[0]).toBe("warn " + "*".repeat(58));
    expect(b612[3]).toBe("warn ** This system shows unhashed kernel memory addresses   **");
    const k618 = bootK("rpi4", "6.18", { no_hash_pointers: "y" });
    expect(k618.klog.map((l) => l.message)).toContain("Hash pointers mode set to never.");
    const b618 = banner(k618);
    expect(b618.length).toBe(15);
    expect(b618[11]).toBe("warn ** Use hash_pointers=always to force this mode off      **");
    expect(banner(bootK("rpi4", "6.12"))).toEqual([]);
  });
  it("5.10 has neither option (both 5.12): not available, as the other version-bound keys", () => {
    expect(() => bootK("rpi4", "5.10", { no_hash_pointers: "y" })).toThrow(/Linux 5.10 has no no_hash_pointers boot option/);
    expect(() => bootK("rpi4", "5.10", { trace_options: "nohash-ptr" })).toThrow(/Linux 5.10 has no hash-ptr trace option/);
    expect(() => bootK("rpi4", "6.12", { trace_options: "sym-offset" })).toThrow(/'sym-offset' is not a modelled trace option/);
  });
});

describe("run --trace (the built CLI)", () => {
  it("6.12: hashed by default, raw with --set no_hash_pointers=y", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dmasim-hashptr-"));
    const f = join(dir, "alloc.yaml");
    writeFileSync(f, yaml("6.12"));
    const a = await runCli(["run", f, "--trace"]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain("dma_alloc: fe00b000.v4l2 dma_addr=f7580000 size=8192 virt_addr=00000000ac3d55ac flags=GFP_KERNEL attrs=");
    expect(a.stdout).not.toContain("virt_addr=ffff800081b88000");
    const b = await runCli(["run", f, "--trace", "--set", "no_hash_pointers=y"]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toContain("virt_addr=ffff800081b88000");
  }, 60_000);
});

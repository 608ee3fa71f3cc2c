/**
 * Address vectors recorded from the real kernel code by tools/kernel-vectors/addr (each file names
 * its tree and commit) replay identically through dmasim: phys_to_dma / dma_to_phys / dma_capable
 * (include/linux/dma-direct.h, 64-bit and ARM32 dma_addr_t), the arm64 memory.h layout constants
 * and conversions on every address kind (rpi4 and arm64-coherent), ARM32 memory.h and x86_64
 * __phys_addr_nodebug.
 */
import { readFileSync, readdirSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { dma_capable, dma_to_phys, phys_to_dma } from "../src/kernel/dma/direct.js";
import { dma_coherent_ok, dma_direct_optimal_gfp_mask } from "../src/kernel/dma/direct-alloc.js";
import { __GFP_DMA, __GFP_DMA32 } from "../src/include/gfp.js";
import { of_dma_configure, type Device } from "../src/drivers/device.js";
import type { Arm64 } from "../src/arch/arm64/memory.js";
import type { Arm32 } from "../src/arch/arm/memory.js";
import type { Kernel } from "../src/kernel.js";
import { ROOT, bootK } from "./helpers.js";

const DIR = ROOT + "test/vectors/addr/";
const MODELLED = ["5.6", "5.10", "5.14", "5.15", "5.19", "6.1", "6.6", "6.12", "6.18"];

interface Case { fn: string; dev?: string; kind?: string; name?: string; in?: string; size?: string; out: string | boolean }
interface Vec { tree: { repo: string; commit: string; version: string; header: string }; target: string; cases: Case[]; [k: string]: unknown }

/** `<prefix><version>.json`, or `.json.gz` (the files recorded from stop 19 on are gzipped) */
function load(prefix: string): [string, Vec][] {
  return readdirSync(DIR)
    .filter((f) => f.startsWith(prefix) && MODELLED.some((v) => f === `${prefix}${v}.json` || f === `${prefix}${v}.json.gz`))
    .map((f): [string, Vec] => {
      const gz = f.endsWith(".gz");
      const text = gz ? gunzipSync(readFileSync(DIR + f)).toString("utf8") : readFileSync(DIR + f, "utf8");
      return [f.slice(prefix.length, gz ? -8 : -5), JSON.parse(text) as Vec];
    });
}

/** A kernel hex string → dmasim's number (signed form above 2^63), and back as u64/u32 hex. */
const num = (s: string) => Number(BigInt.asIntN(64, BigInt(s)));
const u = (n: number, bits = 64) => "0x" + BigInt.asUintN(bits, BigInt(n)).toString(16);

/** The devices of tools/kernel-vectors/addr/dma_direct.c, configured by dmasim's of_dma_configure. */
function devices(): Record<string, Device> {
  const mk = (name: string, bits: number, dma_ranges?: { cpu_start: number; dma_start: number; size: number }[]) =>
    of_dma_configure({ name, driver: "kv", description: "", coherent: false, mask_bits: bits, ...(dma_ranges ? { dma_ranges } : {}) });
  return {
    "no-dma-ranges-32": mk("no-dma-ranges-32", 32),
    "no-dma-ranges-64": mk("no-dma-ranges-64", 64),
    "rpi4-emmc2": mk("rpi4-emmc2", 32, [{ cpu_start: 0, dma_start: 0xc000_0000, size: 0x4000_0000 }]),
    "two-ranges": mk("two-ranges", 32, [
      { cpu_start: 0, dma_start: 0, size: 0x4000_0000 },
      { cpu_start: 0x4000_0000, dma_start: 0x8000_0000, size: 0x4000_0000 },
    ]),
  };
}

function replayDmaDirect(k: Kernel, v: Vec, bits: number) {
  const devs = devices();
  let n = 0;
  for (const c of v.cases) {
    const dev = devs[c.dev!]!;
    const x = num(c.in!);
    const where = `${v.tree.repo}@${v.tree.commit.slice(0, 12)} ${c.fn}(${c.dev}, ${c.in})`;
    if (c.fn === "phys_to_dma") expect(u(phys_to_dma(k, dev, x), bits), where).toBe(c.out);
    else if (c.fn === "dma_to_phys") expect(u(dma_to_phys(k, dev, x), bits), where).toBe(c.out);
    else if (c.fn === "dma_capable") expect(dma_capable(k, dev, bits === 32 ? Number(BigInt(c.in!)) : x, Number(BigInt(c.size!)), true), where).toBe(c.out);
    else throw new Error(c.fn);
    n++;
  }
  expect(n).toBeGreaterThan(300);
}

describe("include/linux/dma-direct.h vectors (phys_to_dma, dma_to_phys, dma_capable)", () => {
  for (const [ver, v] of load("dma-direct-")) {
    it(`${ver} (${v.tree.repo} ${v.tree.version}): 64-bit dma_addr_t, replayed on rpi4`, () => replayDmaDirect(bootK("rpi4", ver), v, 64));
  }
  for (const [ver, v] of load("dma-direct-arm-")) {
    it(`${ver} (${v.tree.repo} ${v.tree.version}): ARM32 32-bit dma_addr_t with the min_low_pfn test, replayed on arm32`, () => replayDmaDirect(bootK("arm32", ver), v, 32));
  }
});

describe("arch/arm64/include/asm/memory.h vectors", () => {
  for (const plat of ["rpi4", "arm64-coherent"]) {
    for (const [ver, v] of load(`arm64-memory-${plat}-`)) {
      it(`${plat} ${ver} (${v.tree.repo} ${v.tree.version}): layout constants and conversions on every address kind`, () => {
        const k = bootK(plat, ver);
        const a = k.arch as Arm64;
        const L = a.L;
        const consts: Record<string, number> = {
          PAGE_OFFSET: L.PAGE_OFFSET,
          PAGE_END: L.LINEAR_END,
          KIMAGE_VADDR: L.KIMAGE_VADDR,
          // MODULES_VSIZE: SZ_128M, SZ_2G from 3e35d303ab7d (6.5); VMALLOC_START = MODULES_END
          MODULES_VADDR: L.VMALLOC_START - (k.sw["3e35d303ab7d"] ? 2048 : 128) * 1024 * 1024,
          MODULES_END: L.VMALLOC_START,
          VMEMMAP_START: L.VMEMMAP_START,
          VMEMMAP_SIZE: L.VMEMMAP_END - L.VMEMMAP_START,
        };
        expect(u(num(String(v.memstart)))).toBe(u(L.PHYS_OFFSET));
        for (const c of v.cases) {
          const where = `${v.tree.repo}@${v.tree.commit.slice(0, 12)} ${c.fn}(${c.name ?? c.in}) [${c.kind ?? ""}]`;
          if (c.fn === "const") {
            if (c.name! in consts) expect(u(consts[c.name!]!), where).toBe(c.out);
            continue;
          }
          const x = num(c.in!);
          if (c.fn === "__is_lm_address") expect(a.__is_lm_address(x), where).toBe(c.out);
          else if (c.fn === "__virt_to_phys_nodebug") expect(u(a.__virt_to_phys_nodebug(x)), where).toBe(c.out);
          else if (c.fn === "virt_to_page") expect(u(a.virt_to_page(k, x)), where).toBe(c.out);
          else if (c.fn === "__phys_to_virt") expect(u(a.__va(x)), where).toBe(c.out);
          else if (c.fn === "page_to_virt") expect(u(a.page_address(k, x)), where).toBe(c.out);
          else throw new Error(c.fn);
        }
      });
    }
  }
});

describe("arch/arm/include/asm/memory.h vectors (FLATMEM, PHYS_OFFSET 0)", () => {
  for (const [ver, v] of load("arm-memory-")) {
    it(`${ver} (${v.tree.repo} ${v.tree.version})`, () => {
      const k = bootK("arm32", ver);
      const a = k.arch as Arm32;
      expect(u(a.L.VMEMMAP_START, 32)).toBe(v.mem_map);
      for (const c of v.cases) {
        const where = `${v.tree.repo}@${v.tree.commit.slice(0, 12)} ${c.fn}(${c.name ?? c.in}) [${c.kind ?? ""}]`;
        if (c.fn === "const") {
          const m: Record<string, number> = { PAGE_OFFSET: a.L.PAGE_OFFSET, PHYS_OFFSET: a.L.PHYS_OFFSET, MODULES_VADDR: a.L.PAGE_OFFSET - 16 * 1024 * 1024 };
          expect(u(m[c.name!]!, 32), where).toBe(c.out);
          continue;
        }
        const x = Number(BigInt(c.in!));
        if (c.fn === "__virt_to_phys_nodebug") expect(u(a.__virt_to_phys_nodebug(x), 32), where).toBe(c.out);
        else if (c.fn === "virt_to_pfn") expect(u(a.page_to_pfn(a.virt_to_page(k, x)), 32), where).toBe(c.out);
        else if (c.fn === "virt_to_page") expect(u(a.virt_to_page(k, x), 32), where).toBe(c.out);
        else if (c.fn === "__phys_to_virt") expect(u(a.__va(x), 32), where).toBe(c.out);
        else throw new Error(c.fn);
      }
    });
  }
});

describe("arch/x86/include/asm/page_64.h vectors (__phys_addr_nodebug)", () => {
  for (const [ver, v] of load("x86_64-memory-")) {
    it(`${ver} (${v.tree.repo} ${v.tree.version})`, () => {
      const k = bootK("x86_64", ver);
      for (const c of v.cases) {
        const where = `${v.tree.repo}@${v.tree.commit.slice(0, 12)} ${c.fn}(${c.name ?? c.in})`;
        if (c.fn === "const") {
          const m: Record<string, number> = { __PAGE_OFFSET: k.arch.L.PAGE_OFFSET, __START_KERNEL_map: k.arch.L.KIMAGE_VADDR - k.arch.L.kimage_phys };
          expect(u(m[c.name!]!), where).toBe(c.out);
          continue;
        }
        expect(u(k.arch.virt_to_phys(k, num(c.in!))), where).toBe(c.out);
      }
    });
  }
});

describe("kernel/dma/direct.c vectors: dma_direct_optimal_gfp_mask and dma_coherent_ok", () => {
  const files = readdirSync(DIR)
    .map((f) => /^dma-direct-zone-(0x[0-9a-f]+)-(\d+\.\d+)\.json\.gz$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null);
  it("the zone vectors are there: 5.6, 5.10, 6.6, 6.12 and 6.18, three ZONE_DMA limits each", () => {
    expect(files.map((m) => m[2]).sort()).toEqual(["5.10", "5.10", "5.10", "5.6", "5.6", "5.6", "6.12", "6.12", "6.12", "6.18", "6.18", "6.18", "6.6", "6.6", "6.6"]);
  });
  const ranges: Record<string, { cpu_start: number; dma_start: number; size: number }[] | undefined> = {
    none: undefined,
    "rpi4-emmc2": [{ cpu_start: 0, dma_start: 0xc000_0000, size: 0x4000_0000 }],
    "two-ranges": [
      { cpu_start: 0, dma_start: 0, size: 0x4000_0000 },
      { cpu_start: 0x4000_0000, dma_start: 0x8000_0000, size: 0x4000_0000 },
    ],
    "high-down": [{ cpu_start: 0x1_0000_0000, dma_start: 0, size: 0x1_0000_0000 }],
  };
  for (const [f, zhex, ver] of files) {
    it(`${ver}, ZONE_DMA limit ${zhex}`, () => {
      const v = JSON.parse(gunzipSync(readFileSync(DIR + f)).toString("utf8")) as Vec;
      const k = bootK("rpi4", ver!);
      // ZONE_DMA's limit as the tree's code reads it: DMA_BIT_MASK(zone_dma_bits) (5.6–6.11) or zone_dma_limit (6.12+)
      const z = Number(BigInt(zhex!));
      k.zone_dma_bits = Math.log2(z + 1);
      k.zone_dma_limit = z;
      const devs = new Map<string, Device>();
      let n = 0;
      for (const c of v.cases as (Case & { ranges: string; mask_bits: number; phys_limit?: string })[]) {
        const key = `${c.ranges}/${c.mask_bits}`;
        let dev = devs.get(key);
        if (!dev) {
          const r = ranges[c.ranges];
          dev = of_dma_configure({ name: key, driver: "kv", description: "", coherent: false, mask_bits: c.mask_bits, ...(r ? { dma_ranges: r } : {}) });
          devs.set(key, dev);
        }
        const where = `${v.tree.repo}@${v.tree.commit.slice(0, 12)} ${c.fn}(${key}${c.in ? `, ${c.in}, ${c.size}` : ""}) zone ${zhex}`;
        if (c.fn === "dma_direct_optimal_gfp_mask") {
          const r = dma_direct_optimal_gfp_mask(k, dev);
          expect([r.gfp === __GFP_DMA ? "GFP_DMA" : r.gfp === __GFP_DMA32 ? "GFP_DMA32" : String(r.gfp), u(r.phys_limit)], where).toEqual([c.out, c.phys_limit]);
        } else if (c.fn === "dma_coherent_ok") expect(dma_coherent_ok(k, dev, num(c.in!), Number(BigInt(c.size!))), where).toBe(c.out);
        else throw new Error(c.fn);
        n++;
      }
      expect(n).toBe(468);
    });
  }
});

/**
 * get_order vectors recorded from the real include/asm-generic/getorder.h of every modelled tree by
 * tools/kernel-vectors/addr/getorder.c (each file names its tree and commit) replay identically through dmasim's
 * get_order (src/core/u64.ts): both of the header's paths (the __builtin_constant_p branch and `size--; size >>=
 * PAGE_SHIFT; fls64/fls`), BITS_PER_LONG 64 (getorder-<v>) and 32 (getorder-ilp32-<v>), boundaries and seeded sizes.
 */
import { readFileSync, readdirSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { get_order } from "../src/core/u64.js";
import { ROOT } from "./helpers.js";

const DIR = ROOT + "test/vectors/addr/";
// the modelled lines; 5.12 is zhangyinjun/linux-5.12.9, the nearest tree to the 5.13 era (its getorder.h, log2.h and
// bitops/fls*.h are the 5.14-rc5 tree's, blob for blob)
const VERSIONS = ["5.6", "5.10", "5.12", "5.14", "5.15", "5.19", "6.1", "6.6", "6.12", "6.18"];

interface Case { fn: string; path: "const" | "runtime"; in: string; out: number; folded?: boolean }
interface Vec { tree: { repo: string; commit: string; version: string; header: string }; target: string; bits_per_long: number; page_shift: number; abi: string; cases: Case[] }

/** `<prefix><major.minor>.json.gz` as committed, or `.json` as record.sh writes it */
function load(prefix: string): [string, Vec][] {
  const files = readdirSync(DIR).filter((f) => new RegExp(`^${prefix}\\d+\\.\\d+\\.json(\\.gz)?$`).test(f));
  return files.map((f): [string, Vec] => {
    const gz = f.endsWith(".gz");
    const text = gz ? gunzipSync(readFileSync(DIR + f)).toString("utf8") : readFileSync(DIR + f, "utf8");
    return [f.slice(prefix.length, gz ? -8 : -5), JSON.parse(text) as Vec];
  });
}

/** Replay every case whose size a double holds exactly (dmasim's sizes are numbers); returns the sizes it could not. */
function replay(v: Vec): bigint[] {
  const beyond: bigint[] = [];
  let n = 0;
  for (const c of v.cases) {
    expect(c.fn).toBe("get_order");
    const size = BigInt(c.in);
    const x = Number(size);
    if (BigInt(x) !== size) {
      beyond.push(size);
      continue;
    }
    expect(get_order(x, v.bits_per_long), `${v.tree.repo}@${v.tree.commit.slice(0, 12)} ${c.path} get_order(${c.in}) BITS_PER_LONG ${v.bits_per_long}`).toBe(c.out);
    n++;
  }
  expect(n).toBeGreaterThan(500);
  return beyond;
}

describe("include/asm-generic/getorder.h vectors (get_order)", () => {
  for (const [prefix, bits] of [["getorder-", 64], ["getorder-ilp32-", 32]] as const) {
    const files = load(prefix);
    it(`${prefix}<v>: a file for each of ${VERSIONS.join(", ")}`, () => {
      for (const want of VERSIONS) expect(files.map(([v]) => v)).toContain(want);
    });
    for (const [ver, v] of files) {
      it(`${ver} (${v.tree.repo} ${v.tree.version}): BITS_PER_LONG ${bits}, ${v.abi}`, () => {
        expect(v.tree.version.startsWith(ver + ".")).toBe(true);
        expect(v.tree.header).toBe("include/asm-generic/getorder.h");
        expect([v.bits_per_long, v.page_shift]).toEqual([bits, 12]);
        const beyond = replay(v);
        // what a double cannot hold: the fixed 64-bit sizes 2^53 + 1, 2^63 + 1, 2^64 - 4095 and ULONG_MAX, each
        // through both paths (the seeded sizes above 2^53 keep 53 significant bits); no ILP32 size
        expect(beyond).toEqual(bits === 64 ? [2n ** 53n + 1n, 2n ** 53n + 1n, 2n ** 63n + 1n, 2n ** 63n + 1n, 2n ** 64n - 4095n, 2n ** 64n - 4095n, 2n ** 64n - 1n, 2n ** 64n - 1n] : []);
        // get_order(0) on both paths: BITS_PER_LONG - PAGE_SHIFT
        const zero = v.cases.filter((c) => c.in === "0x0");
        expect(zero.map((c) => c.path)).toContain("const");
        expect(zero.map((c) => c.path)).toContain("runtime");
        for (const c of zero) expect(c.out).toBe(bits - 12);
        // the constant branch and the run-time path agree on every fixed size
        const rt = new Map(v.cases.filter((c) => c.path === "runtime").map((c) => [c.in, c.out]));
        const consts = v.cases.filter((c) => c.path === "const");
        expect(consts.length).toBe(bits === 64 ? 39 : 27);
        for (const c of consts) expect(rt.get(c.in), `${c.in}`).toBe(c.out);
      });
    }
  }
});

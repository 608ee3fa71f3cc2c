/**
 * swiotlb= as each version's setup_io_tlb_npages reads it (kernel/dma/swiotlb.c; src/kernel/dma/swiotlb/param.ts):
 * 5.6–5.19 `[<slabs>][,]force|noforce`, 6.0+ `[<slabs>][,][<areas>][,]force|noforce`, simple_strtoul base 0, strcmp
 * of the whole tail; a field that does not match is skipped or ignores the rest, nothing is refused. Each
 * occurrence on a command line is one more call on what the earlier ones set (a run has one: --set's
 * replaces the scenario's).
 */
import { describe, expect, it } from "vitest";
import { simple_strtoul, swiotlb_era_for, type SwiotlbParam } from "../src/kernel/dma/swiotlb/index.js";
import { runYaml, runCli } from "./helpers.js";

/** the state after the given occurrences, as `kernel` parses them (5.19+: swiotlb_force_bounce / swiotlb_force_disable) */
function parse(kernel: string, ...strs: string[]): SwiotlbParam {
  const st: SwiotlbParam = { force: "normal" };
  const twoFlags = !["5.6", "5.10", "5.13", "5.14", "5.15"].includes(kernel);
  for (const s of strs) swiotlb_era_for(kernel).parse_param(s, st, twoFlags);
  return st;
}

describe("simple_strtoul(cp, &endp, 0): the radix from the prefix, the digits of that radix", () => {
  it.each([
    ["1024,force", 1024, 4],
    ["0x400,4", 0x400, 5],
    ["0400", 0o400, 4],
    ["09", 0, 1], // octal: the 9 ends the number
    ["0x", 0, 1], // "0x" without a hex digit: base 8, the 0 alone
    ["64M", 64, 2],
    ["18446744073709551617", 1, 20], // modulo 2^64, as _parse_integer keeps res * base + val
  ])("%j → %d, end %d", (s, value, end) => {
    expect(simple_strtoul(s, 0)).toEqual({ value, end });
  });
});

describe("setup_io_tlb_npages per era", () => {
  const OLD = ["5.6", "5.10", "5.13", "5.15", "5.19"];
  const NEW = ["6.1", "6.6", "6.18"];
  it.each([
    // [string, 5.6–5.19, 6.0+]: nslabs is ALIGN(simple_strtoul(), IO_TLB_SEGSIZE) as the kernel stores it, absent when no number leads
    [",,force", { force: "normal" }, { force: "force" }],
    [",force", { force: "force" }, { force: "force" }],
    [",4", { force: "normal" }, { nareas: 4, force: "normal" }],
    ["1024,4,force", { nslabs: 1024n, force: "normal" }, { nslabs: 1024n, nareas: 4, force: "force" }],
    ["1024,force", { nslabs: 1024n, force: "force" }, { nslabs: 1024n, force: "force" }],
    ["1024force", { nslabs: 1024n, force: "force" }, { nslabs: 1024n, force: "force" }],
    ["8192,x", { nslabs: 8192n, force: "normal" }, { nslabs: 8192n, force: "normal" }],
    ["abc,4", { force: "normal" }, { force: "normal" }],
    ["force,1024", { force: "normal" }, { force: "normal" }],
    ["1024, force", { nslabs: 1024n, force: "normal" }, { nslabs: 1024n, force: "normal" }],
    ["64M", { nslabs: 128n, force: "normal" }, { nslabs: 128n, force: "normal" }],
    ["09,force", { nslabs: 0n, force: "normal" }, { nslabs: 0n, nareas: 9, force: "force" }],
    ["0", { nslabs: 0n, force: "normal" }, { nslabs: 0n, force: "normal" }],
    ["18446744073709551615", { nslabs: 0n, force: "normal" }, { nslabs: 0n, force: "normal" }],
    ["4194305,2000,force", { nslabs: 4194432n, force: "normal" }, { nslabs: 4194432n, nareas: 2000, force: "force" }],
    [",4294967300", { force: "normal" }, { nareas: 4, force: "normal" }],
    ["noforce", { force: "noforce" }, { force: "noforce" }],
  ] as const)("swiotlb=%s", (s, old, now) => {
    for (const k of OLD) expect(parse(k, s), k).toEqual(old);
    for (const k of NEW) expect(parse(k, s), k).toEqual(now);
  });

  it("two occurrences: force then noforce is noforce everywhere; noforce then force is force to 5.18 (the enum's last value), noforce from 5.19 (swiotlb_force_disable stays set)", () => {
    for (const k of ["5.6", "5.15", "5.19", "6.1"]) expect(parse(k, "force", "noforce").force, k).toBe("noforce");
    expect(["5.6", "5.10", "5.13", "5.15"].map((k) => parse(k, "noforce", "force").force)).toEqual(["force", "force", "force", "force"]);
    expect(["5.19", "6.1", "6.18"].map((k) => parse(k, "noforce", "force").force)).toEqual(["noforce", "noforce", "noforce"]);
    // a later occurrence without a number keeps the earlier slab count; 6.0+ keeps the earlier areas
    expect(parse("6.1", "1024,4", "force")).toEqual({ nslabs: 1024n, nareas: 4, force: "force" });
  });
});

const MAP = (swiotlb: string) => `name: x\nplatform: x86_64\nconfig: { mem: 2G, swiotlb: "${swiotlb}" }\nsteps:\n  - {op: kmalloc, size: 64, as: b}\n  - {op: dma_map_single, buf: b, size: 64, dir: DMA_TO_DEVICE}\n`;
const mapOf = (yaml: string, kernel: string, set?: Record<string, string>) => runYaml(yaml, { kernel, ...(set ? { set } : {}) }).steps[1]!.result;

describe("through a run (x86_64, 2 GiB: no pool unless forced)", () => {
  it("swiotlb=,,force: 6.0+ bounce every mapping through a 64 MiB pool at 0x7a000000; 5.x see ',force' and ignore it", () => {
    for (const kernel of ["6.1", "6.6", "6.18"]) expect(mapOf(MAP(",,force"), kernel), kernel).toMatchObject({ dma_addr: "0x7a000000", bounced: true });
    // not bounced: the buffer's own address, the lowest block of ZONE_DMA32 (boot memory to the list tails from 5.10, 7fef431be9c9)
    for (const kernel of ["5.10", "5.15", "5.19"]) expect(mapOf(MAP(",,force"), kernel), kernel).toMatchObject({ dma_addr: "0x3004000", bounced: false });
  });

  it("swiotlb=1024,4,force: 6.1 bounces through a 2 MiB pool; 5.15 reads 1024 slabs and the tail '4,force' matches nothing: no force, no pool", () => {
    expect(mapOf(MAP("1024,4,force"), "6.1")).toMatchObject({ bounced: true });
    expect(mapOf(MAP("1024,4,force"), "5.15")).toMatchObject({ dma_addr: "0x3004000", bounced: false });
    expect(mapOf(MAP("1024,force"), "5.15")).toMatchObject({ bounced: true });
  });

  it("--set swiotlb= replaces the scenario's (one occurrence): noforce in the scenario, force on the command line bounces on 5.15 and 5.19", () => {
    expect(mapOf(MAP("noforce"), "5.15", { swiotlb: "force" })).toMatchObject({ bounced: true });
    expect(mapOf(MAP("noforce"), "5.19", { swiotlb: "force" })).toMatchObject({ bounced: true });
    expect(mapOf(MAP("force"), "6.1", { swiotlb: "1024" })).toMatchObject({ bounced: false });
  });
});

describe("the CLI", () => {
  it("--set swiotlb=,,force runs (exit 0) and bounces on 6.1; swiotlb=0x0,force runs too (5.19: a pool of 0 slots); 2000 areas run on 5.19, which never reads them", async () => {
    const ok = await runCli(["run", "-", "--kernel", "6.1", "--set", "swiotlb=,,force", "--json"], { input: MAP("1024") });
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { steps: { result: { bounced?: boolean } }[] }).steps[1]!.result.bounced).toBe(true);
    const zero = await runCli(["run", "-", "--set", "swiotlb=0x0,force", "--json"], { input: MAP("force") });
    expect(zero.code, zero.stderr).toBe(0);
    expect((JSON.parse(zero.stdout) as { log: { message: string }[] }).log.map((l) => l.message)).toContain("software IO TLB: No low mem");
    const areas = await runCli(["run", "-", "--set", "swiotlb=8192,2000"], { input: MAP("force") });
    expect(areas.code, areas.stderr).toBe(0);
  }, 60_000);
});

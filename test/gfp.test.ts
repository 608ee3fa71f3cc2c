/**
 * include/linux/gfp.h per kernel (docs/verified-facts.md §GFP): every __GFP_ bit and GFP_
 * composite with the value that kernel gives it, `|` combinations, names a kernel lacks refused,
 * and scenarios resolving names with the run's kernel.
 */
import { describe, expect, it } from "vitest";
import { GFP_NAMES, gfpBitsMask, gfpName, gfpNames, isGfpSpec, parseGfp } from "../src/include/gfp.js";
import { runYaml } from "./helpers.js";

describe("gfp.h values per kernel", () => {
  it("the low bits and the common composites are the same in 5.6–5.19", () => {
    for (const k of ["5.6", "5.10", "5.13", "5.14", "5.19"]) {
      const n = gfpNames(k);
      expect(n).toMatchObject({
        __GFP_DMA: 0x01, __GFP_HIGHMEM: 0x02, __GFP_DMA32: 0x04, __GFP_MOVABLE: 0x08, __GFP_RECLAIMABLE: 0x10, __GFP_HIGH: 0x20,
        __GFP_IO: 0x40, __GFP_FS: 0x80, __GFP_ZERO: 0x100, __GFP_ATOMIC: 0x200, __GFP_DIRECT_RECLAIM: 0x400, __GFP_KSWAPD_RECLAIM: 0x800,
        __GFP_WRITE: 0x1000, __GFP_NOWARN: 0x2000, __GFP_RETRY_MAYFAIL: 0x4000, __GFP_NOFAIL: 0x8000, __GFP_NORETRY: 0x10000,
        __GFP_MEMALLOC: 0x20000, __GFP_COMP: 0x40000, __GFP_NOMEMALLOC: 0x80000, __GFP_HARDWALL: 0x100000, __GFP_THISNODE: 0x200000,
        __GFP_ACCOUNT: 0x400000,
        GFP_KERNEL: 0xcc0, GFP_ATOMIC: 0xa20, GFP_NOWAIT: 0x800, GFP_NOIO: 0xc00, GFP_NOFS: 0xc40, GFP_KERNEL_ACCOUNT: 0x400cc0,
        GFP_USER: 0x100cc0, GFP_HIGHUSER: 0x100cc2, GFP_DMA: 0x01, GFP_DMA32: 0x04,
      });
      expect(n.__GFP_NOLOCKDEP).toBe(0); // CONFIG_LOCKDEP is not modelled: the kernel defines it as 0
    }
  });

  it("the bits above ___GFP_ACCOUNT moved: 5.10 has none, 5.13/5.14 add ZEROTAGS and SKIP_KASAN_POISON, 5.19 makes the KASAN bits conditional", () => {
    expect(gfpNames("5.10").__GFP_ZEROTAGS).toBeUndefined();
    expect(gfpNames("5.14")).toMatchObject({ __GFP_ZEROTAGS: 0x800000, __GFP_SKIP_KASAN_POISON: 0x1000000 });
    expect(gfpNames("5.19")).toMatchObject({ __GFP_ZEROTAGS: 0x800000, __GFP_SKIP_ZERO: 0, __GFP_SKIP_KASAN_UNPOISON: 0, __GFP_SKIP_KASAN_POISON: 0 });
    // GFP_HIGHUSER_MOVABLE gained __GFP_SKIP_KASAN_POISON in 5.13; in 5.19 that flag is 0 without KASAN_HW_TAGS
    expect(gfpNames("5.10").GFP_HIGHUSER_MOVABLE).toBe(0x100cca);
    expect(gfpNames("5.14").GFP_HIGHUSER_MOVABLE).toBe(0x1100cca);
    expect(gfpNames("5.19").GFP_HIGHUSER_MOVABLE).toBe(0x100cca);
    // (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM
    expect(gfpNames("5.10").GFP_TRANSHUGE_LIGHT).toBe(0x1c20ca);
    expect(gfpNames("5.10").GFP_TRANSHUGE).toBe(0x1c24ca);
    expect(gfpBitsMask("5.10")).toBe(0x7fffff);
    expect(gfpBitsMask("5.14")).toBe(0x1ffffff);
    expect(gfpBitsMask("5.19")).toBe(0x7ffffff);
  });

  it("parses | combinations with spaces, numbers, and refuses names the kernel lacks", () => {
    expect(parseGfp("GFP_HIGHUSER | __GFP_NOWARN", "5.10")).toBe(0x102cc2);
    expect(parseGfp("GFP_USER|__GFP_ZERO|0x10", "5.13")).toBe(0x100dd0);
    expect(parseGfp("GFP_HIGHUSER_MOVABLE", "5.13")).toBe(0x1100cca);
    expect(() => parseGfp("__GFP_ZEROTAGS", "5.6")).toThrow("gfp flag '__GFP_ZEROTAGS' does not exist in Linux 5.6 (it does in 5.13, 5.14, 5.19, 6.1, 6.6, 6.12, 6.18)");
    expect(() => parseGfp("GFP_KERNAL")).toThrow("unknown gfp flag 'GFP_KERNAL'");
    // 6.4 dropped __GFP_ATOMIC (0x200 unused: 6.6.63 gfp_types.h, 6.12.19's ___GFP_UNUSED_BIT); GFP_NOWAIT gained __GFP_NOWARN by 6.12
    expect(parseGfp("GFP_ATOMIC", "6.1")).toBe(0xa20);
    expect(parseGfp("GFP_ATOMIC", "6.6")).toBe(0x820);
    expect(parseGfp("GFP_ATOMIC", "6.12")).toBe(0x820);
    expect(parseGfp("GFP_NOWAIT", "6.6")).toBe(0x800);
    expect(parseGfp("GFP_NOWAIT", "6.18")).toBe(0x2800);
    expect(() => parseGfp("__GFP_ATOMIC", "6.12")).toThrow("gfp flag '__GFP_ATOMIC' does not exist in Linux 6.12 (it does in 5.6, 5.10, 5.13, 5.14, 5.19, 6.1)");
    expect(gfpBitsMask("6.12")).toBe(0xffffff);
    expect(isGfpSpec("GFP_TRANSHUGE_LIGHT|__GFP_SKIP_KASAN_UNPOISON")).toBe(true);
    expect(isGfpSpec("GFP_BOGUS")).toBe(false);
    expect(Object.keys(GFP_NAMES)).toEqual(expect.arrayContaining(["GFP_HIGHUSER_MOVABLE", "GFP_TRANSHUGE_LIGHT", "GFP_KERNEL_ACCOUNT", "__GFP_ZEROTAGS", "__GFP_SKIP_ZERO"]));
  });

  it("prints flags the way %pGg does: the widest composite first", () => {
    expect(gfpName(0x100cc2, "5.10")).toBe("GFP_HIGHUSER");
    expect(gfpName(0x1100cca, "5.14")).toBe("GFP_HIGHUSER_MOVABLE");
    expect(gfpName(0xa20 | 0x2000)).toBe("GFP_ATOMIC|__GFP_NOWARN");
    expect(gfpName(0x400cc0 | 0x100)).toBe("GFP_KERNEL_ACCOUNT|__GFP_ZERO");
  });
});

describe("scenarios resolve gfp names with the run's kernel", () => {
  const yaml = (gfp: string) => `
name: gfp
platform: x86_64
steps:
  - { op: kmalloc, size: 4K, gfp: "${gfp}", as: b }
  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_TO_DEVICE, as: m }
`;
  it("composites run; a flag the chosen kernel lacks is refused at that step, with its line", () => {
    for (const k of ["5.6", "5.19"]) expect(runYaml(yaml("GFP_USER | __GFP_NOWARN"), { kernel: k }).ok).toBe(true);
    expect(runYaml(yaml("GFP_KERNEL|__GFP_ZEROTAGS"), { kernel: "5.19" }).ok).toBe(true);
    expect(() => runYaml(yaml("GFP_KERNEL|__GFP_ZEROTAGS"), { kernel: "5.10" })).toThrow(/gfp flag '__GFP_ZEROTAGS' does not exist in Linux 5.10/);
  });
});

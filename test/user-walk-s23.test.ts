/**
 * A kernel developer's walk (stop 23): what a newcomer hit following the README on the built CLI
 * (`node bin/dmasim.mjs`) — explain's errors for an op or attribute the version lacks, and the
 * dma_map_benchmark lines `dmasim bench` prints.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { explain, type InputError, OptionError, parseScenarioText, PLATFORMS, runScenario } from "../src/index.js";
import { dmasim, ensureBuilt, usageError } from "./cli-spawn.js";
import { ROOT } from "./helpers.js";

beforeAll(() => ensureBuilt(), 120_000);

describe("explain: an op or attribute the kernel lacks names the option, not a step the user never wrote", () => {
  it("dma_map_phys on 6.12 is --kernel's error (was 'steps[1].op: ...')", async () => {
    const l = usageError(await dmasim(["explain", "dma_map_phys", "--platform", "rpi4", "--kernel", "6.12", "--size", "4096", "--dir", "DMA_TO_DEVICE"]));
    expect(l).toBe("dmasim: --kernel: dma_map_phys is not in Linux 6.12: the physical-address API came in 6.18 (f7326196a781); use dma_map_page / dma_unmap_page");
  });

  it("dma_unmap_phys on 6.1 names dma_unmap_phys, not its set-up step dma_map_phys (stop 26)", async () => {
    const l = usageError(await dmasim(["explain", "dma_unmap_phys", "--platform", "rpi4", "--kernel", "6.1"]));
    expect(l).toBe("dmasim: --kernel: dma_unmap_phys is not in Linux 6.1: the physical-address API came in 6.18 (f7326196a781); use dma_unmap_page");
  });

  it("dma_alloc_pages on 5.6 (the only step of its scenario: was 'steps[0].op: ...')", async () => {
    const l = usageError(await dmasim(["explain", "dma_alloc_pages", "--platform", "rpi4", "--kernel", "5.6", "--size", "4096", "--dir", "DMA_TO_DEVICE"]));
    expect(l).toMatch(/^dmasim: --kernel: dma_alloc_pages does not exist in Linux 5\.6 \(added in 5\.10 by efa70f2fdc84 /);
    expect(l).not.toContain("steps[");
  });

  it("DMA_ATTR_MMIO before 6.18 is --attrs's error", async () => {
    const l = usageError(await dmasim(["explain", "dma_map_single", "--platform", "rpi4", "--kernel", "6.12", "--attrs", "DMA_ATTR_MMIO"]));
    expect(l).toBe("dmasim: --attrs: DMA_ATTR_MMIO is not in Linux 6.12 (it came in 6.18 with eadaa8b255f3)");
  });

  it("the library throws an OptionError naming the option (kernel, attrs) without dashes", () => {
    const call = () => explain("dma_unmap_phys", { platform: "rpi4", kernel: "6.1" });
    expect(call).toThrow(OptionError);
    expect(call).toThrow(/^kernel: dma_unmap_phys is not in Linux 6\.1: /);
    expect(() => explain("dma_map_single", { platform: "rpi4", kernel: "6.12", attrs: "DMA_ATTR_MMIO" })).toThrow(/^attrs: DMA_ATTR_MMIO is not in Linux 6\.12 /);
    // where the version has them, the same calls run
    expect(explain("dma_map_phys", { platform: "rpi4", kernel: "6.18", size: 4096, dir: "DMA_TO_DEVICE" }).result.dma_addr).toBe("0xf3400000");
  });
});

describe("bench: a kernel without kernel/dma/map_benchmark.c (5.6, 5.10) is a usage error", () => {
  for (const k of ["5.6", "5.10"])
    it(`--kernel ${k}: one line naming --kernel, exit 2 (it ran a benchmark the kernel does not have)`, async () => {
      const l = usageError(await dmasim(["bench", "-s", "1", "--kernel", k]));
      expect(l).toBe(`dmasim: --kernel: Linux ${k} has no dma_map_benchmark (kernel/dma/map_benchmark.c came in 5.11; use 5.13 or later)`);
    });

  it("--kernel 5.13 runs it", { timeout: 60_000 }, async () => {
    const o = await dmasim(["bench", "-s", "1", "--kernel", "5.13", "--platform", "x86_64", "--json"]);
    expect(o.code, o.stderr).toBe(0);
    expect(JSON.parse(o.stdout)).toMatchObject({ kernel: "5.13", platform: "x86_64", time: "model" });
  });
});

describe("README's version-by-version table: every row's scenario runs on the platform in its brackets", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const table = readme.slice(readme.indexOf("**Version by version"), readme.indexOf("The driver-bug scenarios"));
  const rows = [...table.matchAll(/^\| ((?:`[^`]+`(?:, )?)+) \(([^)]+)\) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([^`]+)`/g)].map((n) => ({ name: n[1]!, platform: m[2]! })));
  const text = (name: string) => readFileSync(join(ROOT, "scenarios", `${name}.yaml`), "utf8");

  it("names 24 bundled scenarios, each with a platform dmasim models", () => {
    expect(rows.length).toBe(24);
    for (const r of rows) {
      expect(existsSync(join(ROOT, "scenarios", `${r.name}.yaml`)), r.name).toBe(true);
      expect(PLATFORMS.some((p) => p.id === r.platform), r.platform).toBe(true);
    }
  });

  it("the one row whose platform is not the file's own says so, and its claim holds there: x86_64-iommu works up to 5.15, SIGBUS from 5.19", () => {
    const other = rows.filter((r) => (/^platform:\s*(\S+)/m.exec(text(r.name))?.[1] ?? "rpi4") !== r.platform);
    expect(other).toEqual([{ name: "iommu/native-virt-to-phys", platform: "x86_64-iommu" }]);
    expect(table).toContain("but for `iommu/native-virt-to-phys`, written for arm64-smmu");
    const s = parseScenarioText(text("iommu/native-virt-to-phys"), "native-virt-to-phys.yaml");
    const at = (kernel: string) => runScenario(s, { platform: "x86_64-iommu", kernel });
    expect(at("5.15").ok).toBe(true);
    const r = at("5.19");
    expect(r.ok).toBe(false);
    expect(r.faults.map((f) => f.kind)).toEqual(["sigbus"]);
    // on its own platform it fails on every version: the table's row is about x86_64-iommu
    expect(runScenario(s, { platform: "arm64-smmu", kernel: "5.6" }).ok).toBe(false);
  });
});

describe("bench and fuzz take --device as explain does: a role, default or a name; a bad one names --device", () => {
  it("bench --device nic runs on rpi4's GENET (was 'unknown device')", { timeout: 60_000 }, async () => {
    const o = await dmasim(["bench", "-s", "1", "--device", "nic", "--json"]);
    expect(o.code, o.stderr).toBe(0);
    expect(JSON.parse(o.stdout).device).toBe("fd580000.ethernet");
  });

  it("fuzz --device nic: the same device, named in the JSON", async () => {
    const o = await dmasim(["fuzz", "--seed", "1", "--steps", "50", "--device", "nic", "--json"]);
    expect(o.code, o.stderr).toBe(0);
    expect(JSON.parse(o.stdout)).toMatchObject({ ok: true, device: "fd580000.ethernet" });
  });

  it("an unknown device or a role the platform lacks: one line naming --device, exit 2", async () => {
    for (const cmd of [["bench"], ["fuzz", "--steps", "10"]]) {
      expect(usageError(await dmasim([...cmd, "--device", "nope"]))).toMatch(/^dmasim: --device: unknown device 'nope' on rpi4 \(devices: default, nic, /);
      expect(usageError(await dmasim([...cmd, "--platform", "x86_64", "--device", "camera"]))).toBe("dmasim: --device: x86_64 has no camera device (roles there: nic, audio, storage)");
    }
  });
});

describe("a YAML-tagged value is described as what it is, not 'a mapping'", () => {
  const err = (yaml: string) => {
    try {
      parseScenarioText(yaml, "t.yaml");
    } catch (e) {
      return (e as InputError).format();
    }
    return "parsed";
  };
  it("!!binary: binary data; !!timestamp: a date", () => {
    expect(err("name: x\nsteps: !!binary aGVsbG8=\n")).toBe("t.yaml:2:17: steps: expected a list of steps, got binary data (!!binary)");
    expect(err("name: x\nsteps:\n  - { op: kmalloc, size: !!binary aGVsbG8= }\n")).toBe('t.yaml:3:35: steps[0].size: expected a number or a string such as "64K" or "0x1000", got binary data (!!binary)');
    expect(err("name: x\nsteps:\n  - { op: cpu_write, buf: !!timestamp 2001-12-14, data: x }\n")).toBe("t.yaml:3:39: steps[0].buf: expected a name, got a date (!!timestamp)");
    // a real mapping is still one
    expect(err("name: x\nsteps: { op: kmalloc }\n")).toBe("t.yaml:2:8: steps: expected a list of steps, got a mapping");
  });
});

describe("README's fuzz finding on rpi4-xen 5.6: seed 7 at operation 29, the buffer's physical address handed over as the bus address", () => {
  it("the minimal scenario replays it with the addresses the README names (it named 0xf7c05165 and 0xf7f85165, older layouts')", async () => {
    const o = await dmasim(["fuzz", "--platform", "rpi4-xen", "--kernel", "5.6", "--seed", "7", "--steps", "200", "--json"]);
    expect(o.code).toBe(1);
    const f = (JSON.parse(o.stdout) as { failures: { step: number; kind: string; scenario: Parameters<typeof runScenario>[0] }[] }).failures[0]!;
    expect([f.step, f.kind]).toEqual([29, "data"]);
    const r = runScenario(f.scenario);
    const map = r.steps.find((s) => s.op === "dma_map_page")!;
    expect(map.result.dma_addr).toBe("0xf7f21165");
    expect(map.result.bounced).toBe(false);
    const readme = readFileSync(join(ROOT, "README.md"), "utf8").replace(/\s+/g, " ");
    expect(readme).toContain("(seed 7: bus 0xf7f21165 → phys 0x37f21165)");
    // bus 0xf7f21165 through the soc's dma-ranges (bus 0xc0000000 ↔ phys 0, 1 GiB) is phys 0x37f21165: not the buffer (0xf7f21165)
    expect((0xf7f21165 - 0xc0000000).toString(16)).toBe("37f21165");
    expect(r.ok).toBe(false);
  });
});

describe("msleep's bound is said in milliseconds", () => {
  it("ms past an hour: 'at most 3600000 ms, an hour' (was 'at most 0x36ee80')", () => {
    expect(() => parseScenarioText("name: x\nsteps:\n  - { op: msleep, ms: 99999999999999 }\n", "t.yaml")).toThrow("steps[0].ms: 99999999999999 is too large (at most 3600000 ms, an hour)");
    expect(parseScenarioText("name: x\nsteps:\n  - { op: msleep, ms: 3600000 }\n", "t.yaml").steps).toHaveLength(1);
  });
});

describe("explain of a sync with --dir DMA_NONE shows the sync's BUG, not its set-up map's", () => {
  it("dma_sync_single_for_cpu / _for_device: kernel BUG at mapping.c:326 / :340 (5.19), pc the sync (was mapping.c:149 in dma_map_page_attrs)", () => {
    for (const [op, line] of [["dma_sync_single_for_cpu", 326], ["dma_sync_single_for_device", 340]] as const) {
      const e = explain(op, { platform: "rpi4", kernel: "5.19", size: 4096, dir: "DMA_NONE" });
      expect(e.faults.map((f) => [f.kind, f.message, f.pc])).toEqual([["bug", `kernel BUG at kernel/dma/mapping.c:${line}!`, op]]);
    }
    // a valid direction keeps the set-up map in that direction, and nothing faults
    const ok = explain("dma_sync_single_for_cpu", { platform: "rpi4", kernel: "5.19", size: 4096, dir: "DMA_FROM_DEVICE" });
    expect(ok.faults).toEqual([]);
  });
});

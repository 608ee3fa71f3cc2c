/**
 * Replays the dma-iommu vectors (tools/kernel-vectors/dma-iommu: iommu_dma_alloc_iova extracted
 * unmodified from drivers/iommu/dma-iommu.c, over the tree's own iova.c, compiled in user space)
 * through dmasim's iommu_dma_alloc_iova / iommu_dma_free_iova (src/drivers/iommu/dma-iommu.ts) and its
 * IovaDomain, call by call: the IOVA every allocation returned for the device, size and DMA mask (the
 * power-of-two rounding before or inside alloc_iova_fast, bus_dma_limit, the aperture, the 32-bit
 * (SAC) first try for PCI devices, iommu.forcedac, 6.6's pci_32bit_workaround and its notice).
 */
import { describe, expect, it } from "vitest";
import { bootK } from "./helpers.js";
import { iommu_dma_alloc_iova, iommu_dma_free_iova, SAC_TRICK, type IommuDmaCookie } from "../src/drivers/iommu/dma-iommu.js";
import { IovaDomain } from "../src/drivers/iommu/iova.js";
import { KernelIovaCpus } from "../src/drivers/iommu/iova-cpus.js";
import type { IommuDomain } from "../src/drivers/iommu/iommu.js";
import type { Device } from "../src/drivers/device.js";
import { describeReplays, expectDistinctBehaviours, vectorSet } from "./vector-files.js";

type Op = ["a", number, number, string, number, string[]] | ["f", number, number];
interface Run { mode: string; seed: number; granule: number; aperture_end: string; forcedac: number; devices: { name: string; pci: number; bus_dma_limit: string }[]; ops: Op[] }
interface VecFile { target: string; tree: string; commit: string; version: string; runs: Run[] }

const SET = vectorSet<VecFile>("dma-iommu");
const { load } = SET;

/**
 * Modelled versions whose trees recorded byte-identical runs to a committed file (checked when the
 * files were recorded: 5.6.4 = 5.10.7, 5.19 = 6.1.166 = 5.15.178, 6.12.19 = 6.18.35 = 6.6.63; README "dma-iommu"):
 * those files are replayed through those versions too.
 */
const SAME_AS: Record<string, string[]> = { "5.10.7": ["5.6"], "5.15.178": ["5.19", "6.1"], "6.6.63": ["6.12", "6.18"] };

function replay(v: VecFile, run: Run, vid: string) {
  const k = bootK("x86_64-iommu", vid, run.forcedac ? { "iommu.forcedac": "1" } : {});
  const aperture_end = Number(BigInt(run.aperture_end));
  const iovad = new IovaDomain(run.granule, 1, (c) => k.has(c), new KernelIovaCpus(k));
  const cookie: IommuDmaCookie = { iovad, fq: null };
  const domain = { type: "DMA", pgsize_bitmap: run.granule, geometry: { aperture_start: 0, aperture_end, force_aperture: aperture_end !== 0 }, iova_cookie: cookie } as unknown as IommuDomain;
  // the devices as the driver describes them; pci_32bit_workaround as probe sets it (6.6+: PCI and !iommu.forcedac)
  const devs = run.devices.map((d) => ({ name: d.name, driver: d.pci ? "nvme" : "pl330", is_pci: !!d.pci, bus_dma_limit: BigInt(d.bus_dma_limit), iommu: { domain, pci_32bit_workaround: !!k.sw[SAC_TRICK] && !!d.pci && !run.forcedac } }) as unknown as Device);
  const n = { allocs: 0, fails: 0, notices: 0, high: 0 };
  for (let i = 0; i < run.ops.length; i++) {
    const op = run.ops[i]!;
    const where = `${v.tree} ${v.version} as ${vid} ${run.mode} op ${i} ${JSON.stringify(op)}`;
    if (op[0] === "f") {
      iommu_dma_free_iova(k, cookie, op[1], op[2], false);
      continue;
    }
    const dev = devs[op[1]]!;
    const before = k.klog.length;
    const iova = iommu_dma_alloc_iova(k, domain, op[2], BigInt(op[3]), dev);
    expect(iova, where).toBe(op[4]);
    expect(k.klog.slice(before).map((l) => l.message), where).toEqual(op[5].map((m) => `${run.devices[op[1]]!.pci ? "nvme" : "pl330"} ${run.devices[op[1]]!.name}: ${m}`));
    n.allocs++;
    if (!iova) n.fails++;
    if (iova + op[2] > 2 ** 32) n.high++;
    n.notices += op[5].length;
  }
  return n;
}

describe("dma-iommu vectors: the trees' own iommu_dma_alloc_iova over their iova.c, replayed through dmasim", () => {
  it("four distinct behaviours, each a modelled version's tree", () => {
    expectDistinctBehaviours(SET, ["dma-iommu-5.10.7.json.gz", "dma-iommu-5.14.0.json.gz", "dma-iommu-5.15.178.json.gz", "dma-iommu-6.6.63.json.gz"], SAME_AS);
  });

  describeReplays(SET, SAME_AS, (v, vid) => {
    for (const run of v.runs)
      it(`${run.mode}: ${run.ops.length} calls`, () => {
        const n = replay(v, run, vid);
        expect(n.allocs).toBeGreaterThan(100);
        expect(n.fails, "failed allocations").toBeGreaterThan(0);
        if (run.mode !== "aperture-32") expect(n.high, "IOVAs above 4 GiB").toBeGreaterThan(5);
      });
  });

  it("6.6's pci_32bit_workaround: after the first failed 32-bit try a PCI device says 'Using N-bit DMA addresses' once and never tries 32 bits again", () => {
    const run = load("dma-iommu-6.6.63.json.gz").runs.find((r) => r.mode === "fill-32")!;
    const notices = run.ops.filter((o): o is Extract<Op, ["a", ...unknown[]]> => o[0] === "a" && o[5].length > 0);
    expect(notices.length).toBeGreaterThan(0);
    const perDev = new Map<number, number>();
    for (const o of notices) perDev.set(o[1], (perDev.get(o[1]) ?? 0) + 1);
    for (const [d, c] of perDev) {
      expect(run.devices[d]!.pci, `device ${d}`).toBe(1);
      expect(c, `device ${d}`).toBe(1);
    }
    expect(notices.map((o) => o[5][0])).toEqual(notices.map((o) => `Using ${BigInt(o[3]) >= 2n ** 40n ? 40 : BigInt(o[3]).toString(2).length}-bit DMA addresses`));
  });
});

/** test/vector-files.ts: the shared check of a vector set fails when the set is not what a vector test says it is. */
import { describe, expect, it } from "vitest";
import { expectDistinctBehaviours, replayedAs, vectorSet, versionId, type VectorHeader } from "./vector-files.js";

describe("vector sets", () => {
  const SET = vectorSet<VectorHeader>("dma-iommu");
  const FILES = ["dma-iommu-5.10.7.json.gz", "dma-iommu-5.14.0.json.gz", "dma-iommu-5.15.178.json.gz", "dma-iommu-6.6.63.json.gz"];

  it("lists and loads a target's files; a file is replayed as its own version and those recorded identical to it", () => {
    expect(SET.files).toEqual(FILES);
    const v = SET.load("dma-iommu-5.15.178.json.gz");
    expect([v.target, v.version, v.tree]).toEqual(["dma-iommu", "5.15.178", "wangshuai199398/linux-5-15"]);
    expect(versionId("5.14.0")).toBe("5.14");
    expect(replayedAs(v, { "5.15.178": ["5.19", "6.1"] })).toEqual(["5.15", "5.19", "6.1"]);
    expect(replayedAs(v)).toEqual(["5.15"]);
  });

  it("passes on the set as it is, fails on a missing file, two files replayed as one version, an unmodelled version, a stray sameAs key", () => {
    expect(() => expectDistinctBehaviours(SET, FILES, { "5.10.7": ["5.6"] })).not.toThrow();
    expect(() => expectDistinctBehaviours(SET, FILES.slice(1))).toThrow();
    // 5.15.178 replayed as 5.14 too: 5.14.0's file already stands for 5.14
    expect(() => expectDistinctBehaviours(SET, FILES, { "5.15.178": ["5.14"] })).toThrow(/5\.14 is replayed by dma-iommu-5\.15\.178\.json\.gz and dma-iommu-5\.14\.0\.json\.gz/);
    expect(() => expectDistinctBehaviours(SET, FILES, { "6.6.63": ["6.7"] })).toThrow();
    expect(() => expectDistinctBehaviours(SET, FILES, { "6.1.166": ["6.12"] })).toThrow(/sameAs 6\.1\.166/);
  });
});

/**
 * The committed kernel test vectors recorded one file per tree (test/vectors/<target>/<target>-<version>.json.gz,
 * tools/kernel-vectors/<target>/record.sh): listing and loading a set, the modelled versions a file is replayed
 * as, and the check every such vector test makes of its set.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect } from "vitest";
import { VERSIONS } from "../src/versions.js";
import { ROOT } from "./helpers.js";

/** What every recorded file names: its target, the tree (owner/name) and commit it was compiled from, the tree's version. */
export interface VectorHeader {
  target: string;
  tree: string;
  commit: string;
  version: string;
}

/** A target's vector files (sorted) and their loader. */
export interface VectorSet<V extends VectorHeader> {
  target: string;
  files: string[];
  load(file: string): V;
}

export function vectorSet<V extends VectorHeader>(target: string): VectorSet<V> {
  const dir = join(ROOT, "test", "vectors", target);
  const files = readdirSync(dir).filter((f) => f.endsWith(".json.gz")).sort();
  return { target, files, load: (f) => JSON.parse(gunzipSync(readFileSync(join(dir, f))).toString("utf8")) as V };
}

/** "5.15.178" → "5.15": the modelled version a tree's version string stands for. */
export function versionId(version: string): string {
  return version.split(".").slice(0, 2).join(".");
}

/**
 * The modelled versions a file is replayed as: its own tree's version, then those whose trees recorded
 * byte-identical runs to it (`sameAs`, keyed by the file's version string; checked when the files were recorded).
 */
export function replayedAs(v: VectorHeader, sameAs: Readonly<Record<string, readonly string[]>> = {}): string[] {
  return [versionId(v.version), ...(sameAs[v.version] ?? [])];
}

/**
 * The set is exactly `expected` (file names), and its files are distinct behaviours: each names its target, a
 * 40-digit commit and a version that is modelled, and no modelled version is replayed by two files.
 */
export function expectDistinctBehaviours<V extends VectorHeader>(set: VectorSet<V>, expected: readonly string[], sameAs: Readonly<Record<string, readonly string[]>> = {}): void {
  expect(set.files).toEqual([...expected].sort());
  const modelled = VERSIONS.map((x) => x.id);
  const seen = new Map<string, string>();
  for (const f of set.files) {
    const v = set.load(f);
    expect(v.target, f).toBe(set.target);
    expect(v.commit, f).toMatch(/^[0-9a-f]{40}$/);
    expect(f, "the file is named after its tree's version").toBe(`${set.target}-${v.version}.json.gz`);
    for (const vid of replayedAs(v, sameAs)) {
      expect(modelled, f).toContain(vid);
      expect(seen.get(vid), `${vid} is replayed by ${f} and ${seen.get(vid)}`).toBeUndefined();
      seen.set(vid, f);
    }
  }
  // every sameAs key names a file of the set
  for (const version of Object.keys(sameAs)) expect(set.files, `sameAs ${version}`).toContain(`${set.target}-${version}.json.gz`);
}

/** One describe block per file and modelled version it is replayed as, titled "<version> (<tree> <commit>) as <vid>". */
export function describeReplays<V extends VectorHeader>(set: VectorSet<V>, sameAs: Readonly<Record<string, readonly string[]>>, body: (v: V, vid: string) => void): void {
  for (const f of set.files) {
    const v = set.load(f);
    for (const vid of replayedAs(v, sameAs)) describe(`${v.version} (${v.tree} ${v.commit.slice(0, 12)}) as ${vid}`, () => body(v, vid));
  }
}
